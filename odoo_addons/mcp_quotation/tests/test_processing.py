from datetime import timedelta
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..quotation_flow import QuotationFlow
from .common import QUEUE_LOGGER, QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestProcessing(QuotationCase):
    def test_whole_flow_builds_partner_opportunity_and_quotation(self):
        """One request becomes a customer, an opportunity and a priced quotation."""
        request = self.submit()
        self.process()
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.progress, "Completed")
        order, opportunity = request.sale_order_id, request.opportunity_id
        self.assertEqual(opportunity.type, "opportunity")
        self.assertEqual(order.opportunity_id, opportunity)
        self.assertEqual(order.origin, request.tracking_id)
        self.assertEqual(order.partner_id, request.partner_id)
        self.assertEqual(request.partner_id.name, "John Doe")
        self.assertEqual(request.partner_id.parent_id.name, "Acme Corp")
        self.assertEqual(order.order_line.product_id, self.robot)
        self.assertEqual(order.order_line.price_unit, 15950.0)
        self.assertEqual(order.amount_untaxed, 31900.0)
        self.assertEqual(order.team_id, self.team)
        self.assertIn(order.user_id, self.seller_a | self.seller_b)
        self.assertEqual(opportunity.user_id, order.user_id)
        result = request._status_document()["result"]
        self.assertEqual(result["sale_order_name"], order.name)
        self.assertEqual(result["lead_id"], opportunity.id)
        self.assertIn(order.name, result["steps"]["sale_order"])
        self.assertTrue(
            result["urls"]["sale_order"].endswith(f"/odoo/sale.order/{order.id}")
        )
        self.assertIn(request.name, opportunity.message_ids[0].body)
        self.assertGreater(request.duration, 0)

    def test_given_prices_are_kept(self):
        """A price in the request overrides the list price."""
        request = self.submit(self.payload(product_price=12000))
        self.process()
        self.assertEqual(request.sale_order_id.order_line.price_unit, 12000.0)

    def test_existing_partner_is_found_by_normalized_email(self):
        """Case and blanks in the email don't create a second customer."""
        existing = self.env["res.partner"].create(
            {"name": "John D.", "email": "john@acme.example"}
        )
        request = self.submit(self.payload(email="  JOHN@Acme.Example "))
        self.process()
        self.assertEqual(request.partner_id, existing)
        self.assertIn("Existing customer", request.steps["partner"])

    def test_least_loaded_salesperson_gets_the_request(self):
        """Requests go to the member with fewest open opportunities; ties by id."""
        first, second = sorted(self.seller_a | self.seller_b, key=lambda user: user.id)
        self.env["crm.lead"].create(
            [
                {"name": f"Busy {index}", "type": "opportunity", "user_id": first.id}
                for index in range(2)
            ]
        )
        assigned = []
        for index in range(4):
            request = self.submit(self.payload(email=f"c{index}@acme.example"))
            self.process()
            assigned.append(request.user_id)
        self.assertEqual(assigned, [second, second, first, second])

    def test_requested_salesperson_is_used(self):
        """An explicit user_id wins over balancing."""
        request = self.submit(self.payload(user_id=self.seller_b.id))
        self.process()
        self.assertEqual(request.sale_order_id.user_id, self.seller_b)

    def test_cron_user_is_never_the_salesperson(self):
        """With no team member, the order has no salesperson, not the cron's user."""
        self.team.member_ids = False
        request = self.submit()
        self.process()
        self.assertEqual(request.state, "completed")
        self.assertFalse(request.sale_order_id.user_id)

    def test_failure_leaves_nothing_behind(self):
        """A failing last step rolls back partner, lead and order, and is recorded."""
        request = self.submit(self.payload(email="rollback@acme.example"))
        with (
            patch.object(QuotationFlow, "_post_notes", side_effect=ValueError("boom")),
            mute_logger(QUEUE_LOGGER),
        ):
            self.process()
        self.assertEqual(request.state, "failed")
        self.assertEqual(request.error, "boom")
        self.assertEqual(request.progress, "Failed while posting notes")
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "rollback@acme.example")])
        )
        self.assertFalse(
            self.env["sale.order"].search([("origin", "=", request.tracking_id)])
        )
        self.assertFalse(
            self.env["crm.lead"].search([("email_from", "=", "rollback@acme.example")])
        )
        self.assertIn("boom", request.message_ids[0].body)

    def test_transient_database_errors_are_retried_with_backoff(self):
        """A serialization failure requeues with a growing delay, then fails."""
        self.set_param("max_attempts", 3)
        self.set_param("retry_delay_seconds", 30)
        request = self.submit()
        busy = pg_errors.SerializationFailure("could not serialize access")
        delays = []
        with patch.object(QuotationFlow, "_create_sale_order", side_effect=busy):
            for _attempt in range(3):
                before = fields.Datetime.now()
                self.process()
                if request.state == "queued":
                    delays.append((request.next_attempt_at - before).total_seconds())
                    request.next_attempt_at = before - timedelta(seconds=1)
        self.assertEqual(request.attempts, 3)
        self.assertEqual(request.state, "failed")
        self.assertIn("gave up after 3 attempts", request.error)
        self.assertEqual(len(delays), 2)
        self.assertAlmostEqual(delays[0], 30, delta=2)
        self.assertAlmostEqual(delays[1], 60, delta=2)

    def test_retry_succeeds_once_the_database_is_free(self):
        """After a transient failure, the next attempt completes the request."""
        request = self.submit()
        busy = pg_errors.LockNotAvailable("lock not available")
        with patch.object(QuotationFlow, "_create_sale_order", side_effect=busy):
            self.process()
        self.assertEqual(request.state, "queued")
        request.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.process()
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.attempts, 2)
        self.assertEqual(
            self.env["sale.order"].search_count([("origin", "=", request.tracking_id)]),
            1,
        )

    def test_request_not_due_yet_waits(self):
        """A request scheduled for later is not processed early."""
        request = self.submit()
        request.next_attempt_at = fields.Datetime.now() + timedelta(minutes=5)
        self.process()
        self.assertEqual(request.state, "queued")

    def test_ui_actions_retry_cancel_and_process_now(self):
        """Managers can retry a failure, cancel a queued request, process at once."""
        failed = self.submit(self.payload(email="f@acme.example"))
        with (
            patch.object(QuotationFlow, "_post_notes", side_effect=ValueError("x")),
            mute_logger(QUEUE_LOGGER),
        ):
            self.process()
        failed.action_retry()
        self.assertEqual(failed.state, "queued")
        self.assertFalse(failed.error)
        failed.action_process_now()
        self.assertEqual(failed.state, "completed")
        cancelled = self.submit(self.payload(email="c@acme.example"))
        cancelled.action_cancel()
        self.process()
        self.assertEqual(cancelled.state, "cancelled")
        self.assertFalse(cancelled.sale_order_id)

    def test_unexpected_error_is_logged_with_its_traceback_kept_for_managers(self):
        """An unexpected failure is logged at ERROR with its traceback, kept for
        managers; callers see only its message."""
        request = self.submit()
        with (
            patch.object(
                QuotationFlow, "_create_sale_order", side_effect=ValueError("boom")
            ),
            self.assertLogs(QUEUE_LOGGER, "ERROR") as logs,
        ):
            self.process()
        self.assertIs(logs.records[0].exc_info[0], ValueError)
        self.assertIn(request.name, logs.records[0].getMessage())
        self.assertEqual(request.error, "boom")
        self.assertIn("Traceback (most recent call last)", request.error_traceback)
        self.assertIn("ValueError: boom", request.error_traceback)
        self.assertEqual(request._status_document()["error"], "boom")
        user = new_test_user(
            self.env, login="qr_user", groups="mcp_quotation.mcp_quotation_group_user"
        )
        self.assertNotIn(
            "error_traceback", request.with_user(user).fields_get(["error_traceback"])
        )
        self.assertIn("error_traceback", request.fields_get(["error_traceback"]))
