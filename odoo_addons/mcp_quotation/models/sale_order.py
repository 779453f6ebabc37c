from odoo import models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "quotation.request.result.mixin"]
    _quotation_request_field = "sale_order_id"
