from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    mcp_quotation_team_id = fields.Many2one(
        "crm.team",
        string="Quotation Requests Sales Team",
        help="Requests without a salesperson go to this team's least-loaded member.",
    )
