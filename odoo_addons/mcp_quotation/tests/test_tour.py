from odoo.tests import new_test_user, tagged

from .common import ApiCase


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
