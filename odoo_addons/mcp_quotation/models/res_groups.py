from odoo import api, models

from ..series import place_groups


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _mcp_quotation_place_groups(self):
        """Called by security/mcp_quotation_groups.xml; see series.place_groups."""
        place_groups(self.env)
