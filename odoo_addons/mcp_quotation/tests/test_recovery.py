from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..quotation_flow import QuotationFlow
from .common import CronCase, QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestRecovery(QuotationCase):
    def test_stuck_request_is_requeued_and_processed(self):
        """A request a dead worker left in processing is picked up again."""
        request = self.submit()
        request.write(
            {
                "state": "processing",
                "attempts": 1,
                "started_at": fields.Datetime.now() - timedelta(minutes=11),
            }
        )
        self.process()
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.attempts, 2)
        self.assertTrue(
            request.message_ids.filtered(lambda message: "Requeued" in message.body)
        )

    def test_recent_processing_request_is_left_alone(self):
        """A request another worker started recently is not taken over."""
        request = self.submit()
        request.write({"state": "processing", "started_at": fields.Datetime.now()})
        self.process()
        self.assertEqual(request.state, "processing")
        self.assertFalse(request.sale_order_id)

    def test_abandoned_request_is_requeued_seconds_later_not_minutes(self):
        """A request whose worker died 30 seconds ago is processed at the next run."""
        request = self.submit()
        request.write(
            {
                "state": "processing",
                "attempts": 1,
                "started_at": fields.Datetime.now() - timedelta(seconds=30),
            }
        )
        self.process()
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.attempts, 2)

    def test_request_requeued_between_commit_and_relock_is_not_run(self):
        """A worker runs the flow only if its attempt is still the request's."""
        request = self.submit()

        def another_run_requeues_it(cron, processed=0, **kwargs):
            # Stands for another transaction that requeued the request while
            # this worker had committed "processing" and not re-locked it yet.
            if request.state == "processing" and request.attempts == 1:
                request.write({"state": "queued", "started_at": False})
            return float("inf")

        with (
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", another_run_requeues_it
            ),
            patch.object(QuotationFlow, "run") as run,
        ):
            self.process()
        run.assert_not_called()
        self.assertEqual(request.state, "queued")
        self.assertFalse(request.sale_order_id)


@tagged("post_install", "-at_install", "mcp_quotation")
class TestLiveWorker(CronCase):
    """Real transactions: a live worker's row lock against the next cron run."""

    def committed_request(self):
        """A request committed as processing since a minute ago, and its product."""
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            product = env["product.product"].create(
                {"name": "Race Robot", "list_price": 10.0}
            )
            ack = env["quotation.request"]._submit_request(
                {
                    "partner_name": "Race Corp",
                    "email": "race@example.com",
                    "product_id": product.id,
                }
            )
            request = env["quotation.request"].search(
                [("tracking_id", "=", ack["tracking_id"])]
            )
            request.write(
                {
                    "state": "processing",
                    "attempts": 1,
                    "started_at": fields.Datetime.now() - timedelta(minutes=1),
                }
            )
            ids = request.id, product.product_tmpl_id.id
        self.addCleanup(self.delete_committed, *ids)
        return ids[0]

    def delete_committed(self, request_id, template_id):
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            request = env["quotation.request"].browse(request_id)
            # Processed requests refuse deletion; a test's fixture may go.
            request.state = "cancelled"
            request.unlink()
            env["product.template"].browse(template_id).unlink()

    def test_live_worker_keeps_its_request_and_a_dead_ones_is_requeued(self):
        """While its worker holds the row lock a request is left alone; once the
        worker is gone the next run requeues it, and it is processed once."""
        request_id = self.committed_request()
        with (
            self.registry.cursor() as worker_cr,
            self.registry.cursor() as cron_cr,
            patch.object(
                QuotationFlow, "run", autospec=True, side_effect=QuotationFlow.run
            ) as run,
        ):
            worker = self.env(cr=worker_cr)["quotation.request"].browse(request_id)
            self.assertEqual(worker.try_lock_for_update(), worker)
            Request = self.env(cr=cron_cr)["quotation.request"]
            Request._cron_process_queue()
            request = Request.browse(request_id)
            self.assertEqual((request.state, request.attempts), ("processing", 1))
            run.assert_not_called()
            cron_cr.rollback()

            # The worker dies: its transaction ends, and its row lock with it.
            worker_cr.rollback()
            Request.env.invalidate_all()
            Request._cron_process_queue()
            self.assertEqual((request.state, request.attempts), ("completed", 2))
            run.assert_called_once()
            cron_cr.rollback()
