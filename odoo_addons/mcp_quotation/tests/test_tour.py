from contextlib import ExitStack, contextmanager
from unittest.mock import patch

from odoo.addons.bus.websocket import WebsocketConnectionHandler, _kick_all
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from ..series import SERIES
from .common import ApiCase


@contextmanager
def bus_in_tour(env):
    """The bus in a tour on 18.0 as 19.0's ``start_tour`` has it by itself:
    the websocket open, though tests keep it closed, and each notification sent
    at once, since a test's transaction never commits."""
    if SERIES >= 19:
        yield
        return
    bus = type(env["bus.bus"])
    send_one = bus._sendone

    def send_now(self, target, notification_type, message):
        send_one(self, target, notification_type, message)
        self.env.cr.precommit.run()  # the bus.bus rows
        self.env.cr.postcommit.run()  # the NOTIFY the websockets wait for

    with ExitStack() as stack:
        stack.callback(_kick_all)
        stack.enter_context(patch.object(bus, "_sendone", send_now))
        stack.enter_context(
            patch.object(
                WebsocketConnectionHandler, "websocket_allowed", return_value=True
            )
        )
        yield


@tagged("post_install", "-at_install", "mcp_quotation")
class TestTour(ApiCase):
    def test_manager_corrects_and_retries_a_failed_request(self):
        """In a browser a manager reads why a request failed, corrects it (the
        chatter keeps the correction), completes it, then retries a mixed
        selection."""
        other_company = self.env["res.company"].create({"name": "Other Robots"})
        new_test_user(
            self.env,
            login="tour_manager",
            groups="sales_team.group_sale_manager",
            company_ids=[(6, 0, (self.env.company | other_company).ids)],
        )
        request = self.failed_request(other_company, partner_name="Tour Robotics")
        other = self.failed_request(
            other_company, partner_name="Tour Bistro", email="bistro@acme.example"
        )
        self.start_tour(
            "/odoo/action-mcp_quotation.quotation_request_action",
            "mcp_quotation_retry_failed_request",
            login="tour_manager",
            # The whole tour, not a step: 60 s by default, which a loaded
            # two-core CI machine exceeded with every step passed.
            timeout=180,
        )
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.partner_id.parent_id.name, "Tour Robotics Corrected")
        self.assertEqual(request.sale_order_id.order_line.product_id, self.tray)
        self.assertEqual(other.state, "queued")

    def test_a_form_follows_its_request_through_the_bus(self):
        """In a browser a queued request's form shows it completed by another
        session without a reload; a form being edited keeps the edit, says the
        request changed, and shows it as it now is once the edit is discarded."""
        new_test_user(
            self.env, login="live_manager", groups="sales_team.group_sale_manager"
        )
        live, bistro = self.env["quotation.request"].create(
            [
                {
                    "partner_name": name,
                    "email": email,
                    "line_ids": [Command.create({"product_id": self.tray.id})],
                }
                for name, email in (
                    ("Live Robotics", "robots@live.example"),
                    ("Live Bistro", "bistro@live.example"),
                )
            ]
        )
        with bus_in_tour(self.env):
            self.start_tour(
                f"/odoo/action-mcp_quotation.quotation_request_action/{live.id}",
                "mcp_quotation_form_follows_its_request",
                login="live_manager",
                timeout=180,
            )
        self.assertEqual((live | bistro).mapped("state"), ["completed"] * 2)
        self.assertEqual(bistro.partner_name, "Live Bistro")
