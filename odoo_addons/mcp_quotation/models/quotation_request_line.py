from odoo import api, fields, models
from odoo.tools import formatLang

from ..series import Constraint


class QuotationRequestLine(models.Model):
    _name = "quotation.request.line"
    _description = "Quotation Request Line"
    _order = "request_id, sequence, id"

    request_id = fields.Many2one(
        "quotation.request", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product", required=True, domain=[("sale_ok", "=", True)]
    )
    product_ref = fields.Char(
        string="Requested Reference", help="The reference or name the caller gave."
    )
    quantity = fields.Float(required=True, default=1.0, digits="Product Unit")
    price_unit = fields.Float(
        string="Requested Unit Price",
        default=-1.0,
        digits="Product Price",
        help="Below zero: the price comes from Odoo's pricelist.",
    )
    use_list_price = fields.Boolean(
        string="List Price",
        compute="_compute_use_list_price",
        inverse="_inverse_use_list_price",
        help="The price comes from Odoo's pricelist; clear it to set a price.",
    )
    charged_price = fields.Float(
        string="Charged Unit Price",
        readonly=True,
        copy=False,
        digits="Product Price",
        help="The unit price the quotation charged, set when it was made.",
    )
    price_display = fields.Char(string="Unit Price", compute="_compute_price_display")

    _quantity_positive = Constraint(
        "CHECK(quantity > 0)", "The quantity must be above zero."
    )

    @api.depends("price_unit")
    def _compute_use_list_price(self):
        for line in self:
            line.use_list_price = line.price_unit < 0

    def _inverse_use_list_price(self):
        for line in self:
            if line.use_list_price:
                line.price_unit = -1.0
            elif line.price_unit < 0:
                # A price to edit, starting from the one the pricelist gives.
                line.price_unit = line.product_id.lst_price

    @api.depends("price_unit", "charged_price", "request_id.sale_order_id")
    def _compute_price_display(self):
        for line in self:
            if line.request_id.sale_order_id:
                # What the customer was quoted, whoever chose the price.
                line.price_display = formatLang(
                    self.env, line.charged_price, dp="Product Price"
                )
            elif line.price_unit < 0:
                line.price_display = self.env._("List price")
            else:
                line.price_display = formatLang(
                    self.env, line.price_unit, dp="Product Price"
                )
