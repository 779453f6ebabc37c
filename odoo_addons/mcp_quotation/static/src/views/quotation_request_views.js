import { onWillUnmount, useEffect } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";
import { listView } from "@web/views/list/list_view";
import { ListController } from "@web/views/list/list_controller";

// What the server lets be deleted or duplicated (UNPROCESSED_STATES): the
// menus offer it only there, the server refuses the rest.
const UNPROCESSED_STATES = ["queued", "cancelled"];
// Sent by the server when a request's status, progress or error changed
// (models/quotation_request.py), on a channel given only to users who may
// read the request (models/ir_websocket.py).
const REQUEST_CHANGED = "quotation.request/changed";

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
        // The form follows its request through the bus, as the chatter does:
        // the queue, a cron or another user may move it while it is open.
        this.busService = useService("bus_service");
        this.notificationService = useService("notification");
        // Set while a change on the server waits for the user's own edits.
        this.closeChangedWarning = null;
        useEffect(
            (resId) => {
                if (!resId) {
                    return;
                }
                const channel = `quotation.request_${resId}`;
                this.busService.addChannel(channel);
                return () => {
                    this.busService.deleteChannel(channel);
                    this.dismissChangedWarning();
                };
            },
            () => [this.model.root.resId]
        );
        const onChanged = ({ id }) => {
            if (id === this.model.root.resId) {
                this.followRecord();
            }
        };
        this.busService.subscribe(REQUEST_CHANGED, onChanged);
        onWillUnmount(() => this.busService.unsubscribe(REQUEST_CHANGED, onChanged));
    }

    async followRecord() {
        // Changes committed together arrive together: one read for them all.
        if (this.followSoon) {
            return;
        }
        this.followSoon = true;
        await Promise.resolve();
        this.followSoon = false;
        const record = this.model.root;
        // Never over someone's unsaved corrections: say what happened instead.
        if (await record.isDirty()) {
            this.closeChangedWarning ??= this.notificationService.add(
                _t(
                    "The queue or another user changed this request while you were editing it. Save or discard your changes to see it as it now is."
                ),
                { type: "warning", sticky: true }
            );
            return;
        }
        this.dismissChangedWarning();
        await record.load();
    }

    dismissChangedWarning() {
        this.closeChangedWarning?.();
        this.closeChangedWarning = null;
    }

    async onRecordSaved(record, changes) {
        // Saving read the request again, as it now is.
        this.dismissChangedWarning();
        return super.onRecordSaved(record, changes);
    }

    async discard() {
        await super.discard();
        // Discarding went back to the request as last read, since changed.
        if (this.closeChangedWarning) {
            this.dismissChangedWarning();
            await this.model.root.load();
        }
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
