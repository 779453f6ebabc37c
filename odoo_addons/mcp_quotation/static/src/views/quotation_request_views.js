import { onMounted, onWillUnmount } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";
import { listView } from "@web/views/list/list_view";
import { ListController } from "@web/views/list/list_controller";

// What the server lets be deleted or duplicated (UNPROCESSED_STATES): the
// menus offer it only there, the server refuses the rest.
const UNPROCESSED_STATES = ["queued", "cancelled"];
// While the queue may still move a request, its form re-reads it this often,
// so that its status, buttons and banner never show a state it has left.
const MOVING_STATES = ["queued", "processing"];
const FOLLOW_INTERVAL_MS = 3000;

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
    setup() {
        super.setup();
        let timer;
        onMounted(() => {
            timer = setInterval(() => this.followRecord(), FOLLOW_INTERVAL_MS);
        });
        onWillUnmount(() => clearInterval(timer));
    }

    async followRecord() {
        const record = this.model.root;
        // Never over someone's unsaved corrections, nor a request not yet made.
        if (record.isNew || record.dirty || !MOVING_STATES.includes(record.data.state)) {
            return;
        }
        await record.load();
    }

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
