from odoo import api, fields, models


class QuotationRequestResultMixin(models.AbstractModel):
    """A record a quotation request made (its opportunity, its quotation): a
    link back to that request, for a smart button."""

    _name = "quotation.request.result.mixin"
    _description = "Made by a Quotation Request"
    # The quotation.request field that holds records of the inheriting model.
    _quotation_request_field = None

    quotation_request_id = fields.Many2one(
        "quotation.request",
        compute="_compute_quotation_request_id",
        groups="mcp_quotation.mcp_quotation_group_user",
        help="The quotation request this record was made from.",
    )

    @api.depends_context("uid")
    def _compute_quotation_request_id(self):
        by_record = self.env["quotation.request"]._requests_by(
            self._quotation_request_field, self
        )
        for record in self:
            record.quotation_request_id = by_record.get(record.id, False)

    def action_open_quotation_request(self):
        return self.quotation_request_id._open_record(self.quotation_request_id)
