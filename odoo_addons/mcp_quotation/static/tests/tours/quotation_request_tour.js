import { registry } from "@web/core/registry";

// A sales manager finds a failed request in the list, reads why in sales
// words, corrects its customer and its line (the chatter keeps both), retries
// it, processes it and opens the quotation it made; back in the list, a Retry
// on every request retries the failed one and names those it skipped.
registry.category("web_tour.tours").add("mcp_quotation_retry_failed_request", {
    steps: () => [
        {
            content: "Open the failed request from the list",
            trigger: ".o_list_view .o_data_row:contains('Tour Robotics') .o_data_cell[name=partner_name]",
            run: "click",
        },
        {
            content: "The form says why it failed, and what to do, in sales words",
            trigger:
                ".o_form_view .alert-danger:contains('Product Robot BELLA belongs to Other Robots; pick a product sold by')",
        },
        {
            // The chatter loads after the form: on 18.0 its arrival re-renders
            // the form and puts back the product being typed in the line.
            content: "The chatter has loaded",
            trigger: ".o-mail-Message",
        },
        {
            content: "Correct the customer",
            trigger: ".o_field_widget[name=partner_name] input",
            run: "edit Tour Robotics Corrected",
        },
        {
            content: "Edit the line whose product is out of reach",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:first .o_data_cell[name=product_id]",
            run: "click",
        },
        {
            // Typed only once the row is in edit mode (o_selected_row): typing
            // into the input while the row was still entering it was undone by
            // the row's re-render, which left the dropdown closed under load.
            content: "Look for the product by name",
            trigger: ".o_field_widget[name=line_ids] .o_data_row.o_selected_row .o_field_widget[name=product_id] input",
            run: "edit Serving Tray",
        },
        {
            content: "Choose another product",
            trigger: ".o-autocomplete--dropdown-item:contains('Serving Tray')",
            // The search is a server round trip: a loaded machine needs more
            // than the default 10 s.
            timeout: 30000,
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=line_ids] .o_field_widget[name=product_id] input:value(Serving Tray)",
        },
        {
            content: "Retry: the request goes back to the queue",
            trigger: ".o_form_view button[name=action_retry]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Queued')",
        },
        {
            content: "The chatter keeps the corrected line, old and new",
            trigger: ".o-mail-Message:contains('Lines changed: Robot BELLA × 2 →'):contains('Serving Tray × 2')",
        },
        {
            content: "and the corrected customer",
            trigger: ".o-mail-Message:contains('Tour Robotics Corrected')",
        },
        {
            content: "Process it now",
            trigger: ".o_form_view button[name=action_process_now]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Completed')",
        },
        {
            content: "Open the quotation",
            trigger: ".o_form_view button[name=action_open_sale_order]",
            run: "click",
        },
        {
            content: "The quotation has the corrected line",
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains('Serving Tray')",
        },
        {
            content: "Back to the requests",
            trigger: ".o_breadcrumb a:contains('Quotation Requests')",
            run: "click",
        },
        {
            // Clicked once the list shows its rows: a click on the header while
            // the list was still rendering was lost under load.
            content: "The list shows both requests",
            trigger: ".o_list_view .o_data_row:contains('Tour Bistro') .o_data_cell[name=state]:contains('Failed')",
        },
        {
            content: "Select every request, completed and failed",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_list_view thead .o_list_record_selector input:checked",
        },
        {
            content: "Retry them all",
            trigger: ".o_control_panel button[name=action_retry]",
            run: "click",
        },
        {
            content: "The failed one was retried; one notification names the completed one left as it was",
            trigger: ".o_notification:contains('1 of 2 requests done'):contains('(Completed)')",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Bistro') .o_data_cell[name=state]:contains('Queued')",
        },
    ],
});
