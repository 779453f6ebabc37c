from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..quotation_flow import QuotationFlow
from .common import QUEUE_LOGGER, QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestBusinessFailures(QuotationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us_company = cls.env["res.company"].create({"name": "My US Company"})

    def sale_order_next_number(self):
        sequence = self.env["ir.sequence"].search(
            [
                ("code", "=", "sale.order"),
                ("company_id", "in", [False, self.env.company.id]),
            ],
            order="company_id",
            limit=1,
        )
        sequence.invalidate_recordset(["number_next_actual"])
        return sequence.number_next_actual

    def refused(self, request):
        """``request`` processed: it failed with a business error; its error."""
        self.process()
        self.assertEqual(request.state, "failed")
        self.assertEqual(request.progress, "Failed while checking the request")
        self.assertFalse(request.error_traceback)
        self.assertFalse(
            self.env["sale.order"].search([("origin", "=", request.tracking_id)])
        )
        self.assertFalse(
            self.env["crm.lead"].search([("email_from", "=", request.email)])
        )
        self.assertIn(request.error.splitlines()[0], request.message_ids[0].body)
        return request.error

    def test_product_of_another_company_is_named_with_its_company_and_the_fix(self):
        """A product of another company: the product, its company and the fix."""
        bella = self.env["product.product"].create(
            {"name": "Robot BELLA", "company_id": self.us_company.id}
        )
        request = self.submit(self.payload(product_id=self.robot.id))
        request.line_ids.product_id = bella
        self.assertEqual(
            self.refused(request),
            f"Product Robot BELLA belongs to My US Company; pick a product sold by "
            f"{self.env.company.name}, or share the product with all companies.",
        )

    def test_archived_product_is_named_with_the_fix(self):
        """An archived product: named, with how to go on."""
        request = self.submit()
        self.robot.action_archive()
        self.assertEqual(
            self.refused(request),
            "Product [PUDU-01] Robot PUDU is archived; pick another product, or "
            "restore it in the product catalogue.",
        )

    def test_product_no_longer_sold_is_named_with_the_fix(self):
        """A product whose Sales box was unticked: named, with how to go on."""
        request = self.submit()
        self.robot.sale_ok = False
        self.assertIn(
            "Product [PUDU-01] Robot PUDU cannot be sold", self.refused(request)
        )

    def test_archived_salesperson_is_named_with_the_fix(self):
        """A requested salesperson who left: named, with how to go on."""
        request = self.submit(self.payload(user_id=self.seller_a.id))
        self.seller_a.action_archive()
        self.assertEqual(
            self.refused(request),
            f"Salesperson {self.seller_a.name} is archived; pick another "
            "salesperson, or clear Requested Salesperson to have one assigned.",
        )

    def test_salesperson_of_another_company_is_named_with_the_fix(self):
        """A salesperson who does not work for the request's company: named."""
        stranger = new_test_user(
            self.env,
            login="us_seller",
            groups="sales_team.group_sale_salesman",
            company_id=self.us_company.id,
            company_ids=[(6, 0, self.us_company.ids)],
        )
        request = self.submit()
        request.requested_user_id = stranger
        self.assertEqual(
            self.refused(request),
            f"Salesperson {stranger.name} does not work for {self.env.company.name}; "
            "pick another salesperson, or clear Requested Salesperson to have one "
            "assigned.",
        )

    def test_sales_team_of_another_company_is_named_with_the_fix(self):
        """A requested team of another company: the team, its company, the fix."""
        team = self.env["crm.team"].create(
            {"name": "US Robots", "company_id": self.us_company.id}
        )
        request = self.submit()
        request.requested_team_id = team
        self.assertEqual(
            self.refused(request),
            f"Sales team US Robots belongs to My US Company; pick a team of "
            f"{self.env.company.name}, or clear Requested Sales Team.",
        )

    def test_every_problem_is_named_at_once(self):
        """Two problems in one request: both named, one per line."""
        request = self.submit(self.payload(user_id=self.seller_a.id))
        self.robot.action_archive()
        self.seller_a.action_archive()
        self.assertEqual(len(self.refused(request).splitlines()), 2)

    def test_customer_of_another_company_is_not_reused(self):
        """A company of the same name in another company gets a twin of its own."""
        theirs = self.env["res.partner"].create(
            {
                "name": "Acme Corp",
                "is_company": True,
                "company_id": self.us_company.id,
            }
        )
        request = self.submit()
        self.process()
        self.assertEqual(request.state, "completed", request.error)
        self.assertEqual(request.partner_id.parent_id.name, "Acme Corp")
        self.assertNotEqual(request.partner_id.parent_id, theirs)

    def test_salesperson_is_assigned_among_those_of_the_requests_company(self):
        """A team member who does not work for the company is never assigned."""
        stranger = new_test_user(
            self.env,
            login="us_member",
            groups="sales_team.group_sale_salesman",
            company_id=self.us_company.id,
            company_ids=[(6, 0, self.us_company.ids)],
        )
        self.team.member_ids = stranger
        request = self.submit()
        self.process()
        self.assertEqual(request.state, "completed", request.error)
        self.assertFalse(request.user_id)

    def test_failed_attempts_take_no_quotation_number(self):
        """Refused and crashed attempts leave the quotations' sequence unchanged;
        the first success takes the next number."""
        before = self.sale_order_next_number()
        request = self.submit()
        self.robot.action_archive()
        for _attempt in range(3):
            self.process()
            self.assertEqual(request.state, "failed")
            request.action_retry()
        self.robot.action_unarchive()
        with (
            patch.object(QuotationFlow, "_post_notes", side_effect=ValueError("boom")),
            mute_logger(QUEUE_LOGGER),
        ):
            for _attempt in range(3):
                self.process()
                self.assertEqual(request.state, "failed")
                request.action_retry()
        self.assertEqual(self.sale_order_next_number(), before)
        self.process()
        self.assertEqual(request.state, "completed", request.error)
        self.assertEqual(self.sale_order_next_number(), before + 1)
        self.assertTrue(request.sale_order_id.name.endswith(str(before)))
