from odoo import models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "quotation.request.result.mixin"]
    _quotation_request_field = "opportunity_id"
