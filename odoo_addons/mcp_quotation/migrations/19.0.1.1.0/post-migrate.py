"""Fill the now stored total of the requests completed before it was stored,
and drop the setting that abandoned requests no longer read."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    requests = env["quotation.request"].search(
        [("sale_order_id", "!=", False), ("amount_total", "=", False)]
    )
    for request in requests:
        request.amount_total = request._company_total(request.sale_order_id)
    # Abandoned requests are requeued after a fixed grace since 19.0.1.0.0.
    env["ir.config_parameter"].search(
        [("key", "=", "mcp_quotation.stuck_timeout_minutes")]
    ).unlink()
