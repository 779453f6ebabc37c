"""Fill the now stored total of the requests completed before it was stored."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    requests = env["quotation.request"].search(
        [("sale_order_id", "!=", False), ("amount_total", "=", False)]
    )
    for request in requests:
        request.amount_total = request._company_total(request.sale_order_id)
