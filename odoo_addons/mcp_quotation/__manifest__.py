{
    "name": "MCP Quotation Requests",
    "summary": "Voice agents and LLM clients request quotations; a queue builds them",
    # No series: Odoo prefixes the one it runs (module.adapt_version), so this
    # is 18.0.1.1.0 on 18.0 and 19.0.1.1.0 on 19.0, one tree for both.
    "version": "1.1.0",
    "category": "Sales/CRM",
    "author": "mcp-odoo",
    "website": "https://github.com/mcp-odoo/mcp-odoo",
    "license": "LGPL-3",
    # The Apps page's pictures, the first one its cover (static/description/).
    "images": [
        "static/description/quotation_requests_kanban.png",
        "static/description/quotation_requests_list.png",
        "static/description/quotation_request_completed.png",
        "static/description/quotation_request_failed.png",
        "static/description/quotation_from_request.png",
        "static/description/settings.png",
    ],
    "depends": ["crm", "sale_crm"],
    "data": [
        "security/mcp_quotation_groups.xml",
        "security/ir.model.access.csv",
        "views/quotation_request_views.xml",
        "views/res_config_settings_views.xml",
        "views/sale_order_views.xml",
        "views/crm_lead_views.xml",
        "views/mcp_quotation_menus.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "mcp_quotation/static/src/views/quotation_request_views.js",
            "mcp_quotation/static/src/scss/settings.scss",
        ],
        # Graph views are loaded lazily, and so is their subclass.
        "web.assets_backend_lazy": [
            "mcp_quotation/static/src/views/graph/**/*",
        ],
        "web.assets_tests": [
            "mcp_quotation/static/tests/tours/**/*",
        ],
    },
}
