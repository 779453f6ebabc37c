import { registry } from "@web/core/registry";

// A sales manager finds a failed request in the list, corrects its customer
// and its line, retries it, processes it and opens the quotation it made.
registry.category("web_tour.tours").add("mcp_quotation_retry_failed_request", {
    steps: () => [
        {
            content: "Open the failed request from the list",
            trigger: ".o_list_view .o_data_row:contains('Tour Robotics') .o_data_cell[name=partner_name]",
            run: "click",
        },
        {
            content: "The form says why it failed",
            trigger: ".o_form_view .alert-danger:contains('compan')",
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
            // Typed, not just clicked: the search starts from the input event,
            // so a dropdown closed by a re-render of the form opens again.
            content: "Look for the product by name",
            trigger: ".o_field_widget[name=line_ids] .o_field_widget[name=product_id] input",
            run: "edit Serving Tray",
        },
        {
            content: "Choose another product",
            trigger: ".o-autocomplete--dropdown-item:contains('Serving Tray')",
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
    ],
});
