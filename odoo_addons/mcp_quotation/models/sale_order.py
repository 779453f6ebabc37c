from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    quotation_request_id = fields.Many2one(
        "quotation.request",
        compute="_compute_quotation_request_id",
        groups="mcp_quotation.mcp_quotation_group_user",
        help="The quotation request this quotation was made from.",
    )

    @api.depends_context("uid")
    def _compute_quotation_request_id(self):
        by_record = self.env["quotation.request"]._requests_by("sale_order_id", self)
        for order in self:
            order.quotation_request_id = by_record.get(order.id, False)

    def action_open_quotation_request(self):
        return self.quotation_request_id._open_record(self.quotation_request_id)
