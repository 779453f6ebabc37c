import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

// What another session does while the form is open: processes the request
// named `partnerName`, through the server, not through the form.
async function processElsewhere(partnerName) {
    const ids = await rpc("/web/dataset/call_kw/quotation.request/search", {
        model: "quotation.request",
        method: "search",
        args: [[["partner_name", "=", partnerName]]],
        kwargs: {},
    });
    await rpc("/web/dataset/call_kw/quotation.request/action_process_now", {
        model: "quotation.request",
        method: "action_process_now",
        args: [ids],
        kwargs: {},
    });
}

// A sales manager keeps a queued request's form open while another session
// processes it: the status bar, the buttons and the quotation follow through
// the bus, the page never reloaded. On a form being edited, the edits stay and
// a warning says the request changed; discarding them shows it as it now is.
registry.category("web_tour.tours").add("mcp_quotation_form_follows_its_request", {
    steps: () => [
        {
            content: "The queued request's form is open, its chatter loaded",
            trigger:
                ".o_form_view:has(.o_field_widget[name=partner_name] input:value(Live Robotics)) .o-mail-Message",
            // A reload of the page would drop this mark.
            run: () => {
                document.body.dataset.mcpLiveForm = "open";
            },
        },
        {
            content: "Another session processes it",
            trigger: ".o_form_view button[name=action_process_now]",
            run: () => processElsewhere("Live Robotics"),
        },
        {
            content: "The form shows it completed, without a reload",
            trigger:
                "body[data-mcp-live-form] .o_statusbar_status .o_arrow_button_current:contains('Completed')",
            timeout: 30000,
        },
        {
            content: "with the quotation it made, and no Process Now or Withdraw",
            trigger:
                "body[data-mcp-live-form] .o_form_view:not(:has(button[name=action_process_now])):not(:has(button[name=action_cancel])) button[name=action_open_sale_order]",
        },
        {
            content: "Back to the requests",
            trigger: ".o_breadcrumb a:contains('Quotation Requests')",
            run: "click",
        },
        {
            content: "Open the other queued request",
            trigger: ".o_list_view .o_data_row:contains('Live Bistro') .o_data_cell[name=partner_name]",
            run: "click",
        },
        {
            // The chatter loads after the form: on 18.0 its arrival re-renders
            // the form and would put back the name being typed.
            content: "Its form is open, its chatter loaded",
            trigger:
                ".o_form_view:has(.o_field_widget[name=partner_name] input:value(Live Bistro)) .o-mail-Message",
        },
        {
            content: "Start correcting its customer",
            trigger: ".o_form_view .o_field_widget[name=partner_name] input:value(Live Bistro)",
            run: "edit Live Bistro Edited",
        },
        {
            content: "Another session processes it meanwhile",
            trigger: ".o_form_view .o_field_widget[name=partner_name] input:value(Live Bistro Edited)",
            run: () => processElsewhere("Live Bistro"),
        },
        {
            content: "The form says so and keeps the edit",
            trigger:
                ".o_notification:contains('changed this request while you were editing')",
            timeout: 30000,
        },
        {
            trigger:
                ".o_form_view:has(.o_statusbar_status .o_arrow_button_current:contains('Queued')) .o_field_widget[name=partner_name] input:value(Live Bistro Edited)",
        },
        {
            content: "Discard the edit",
            trigger: ".o_form_view .o_form_button_cancel",
            run: "click",
        },
        {
            content: "The form shows the request as it now is",
            trigger:
                ".o_form_view:has(.o_field_widget[name=partner_name]:not(:contains(Edited)):contains(Live Bistro)) .o_statusbar_status .o_arrow_button_current:contains('Completed')",
        },
        {
            trigger: "body:not(:has(.o_notification:contains('changed this request')))",
        },
    ],
});
