import re

from odoo import models

# The channel a request's form asks to follow (static/src/views/
# quotation_request_views.js); the request sends its changes on its own
# record's channel (models/quotation_request.py).
FOLLOWED_REQUEST = re.compile(r"quotation\.request_(\d+)")


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        channels, requests = self._followed_requests(channels)
        return super()._build_bus_channel_list([*channels, *requests])

    def _followed_requests(self, channels):
        """The channels asked for less those naming a request to follow, and the
        requests named that this user may read: no other is followed."""
        others, request_ids = [], []
        for channel in channels:
            match = isinstance(channel, str) and FOLLOWED_REQUEST.fullmatch(channel)
            if match:
                request_ids.append(int(match[1]))
            else:
                others.append(channel)
        requests = self.env["quotation.request"].browse(request_ids).exists()
        return others, requests._filtered_access("read")
