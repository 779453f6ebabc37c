import { registry } from "@web/core/registry";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";
import { listView } from "@web/views/list/list_view";
import { ListController } from "@web/views/list/list_controller";

// What the server lets be deleted or duplicated (UNPROCESSED_STATES): the
// menus offer it only there, the server refuses the rest.
const UNPROCESSED_STATES = ["queued", "cancelled"];

function offerOnlyFor(items, records) {
    const unprocessed = () =>
        records().every((record) => UNPROCESSED_STATES.includes(record.data.state));
    for (const key of ["duplicate", "delete"]) {
        const isAvailable = items[key].isAvailable;
        items[key].isAvailable = () => isAvailable() && unprocessed();
    }
    return items;
}

export class QuotationRequestFormController extends FormController {
    getStaticActionMenuItems() {
        return offerOnlyFor(super.getStaticActionMenuItems(), () => [this.model.root]);
    }
}

export class QuotationRequestListController extends ListController {
    getStaticActionMenuItems() {
        return offerOnlyFor(super.getStaticActionMenuItems(), () => this.model.root.selection);
    }
}

registry.category("views").add("quotation_request_form", {
    ...formView,
    Controller: QuotationRequestFormController,
});
registry.category("views").add("quotation_request_list", {
    ...listView,
    Controller: QuotationRequestListController,
});
