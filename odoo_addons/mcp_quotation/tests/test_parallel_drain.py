import threading
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import config
from odoo.tools.misc import Callbacks

from ..models.quotation_request_lanes import LANE_PREFIX
from .common import QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestLanes(QuotationCase):
    def lanes(self):
        return self.env["quotation.request"]._lanes()

    def sync(self, parallel_workers):
        self.set_param("parallel_workers", parallel_workers)
        self.env["quotation.request"]._sync_lanes()

    def test_lanes_follow_the_setting(self):
        """Each parallel worker beyond the first is a lane cron of the addon's,
        created and removed as the setting changes."""
        self.sync(3)
        lanes = self.lanes()
        self.assertEqual(len(lanes), 2)
        self.assertEqual(set(lanes.mapped("code")), {"model._cron_process_lane()"})
        self.assertEqual(
            sorted(lanes.get_external_id().values()),
            [f"mcp_quotation.{LANE_PREFIX}2", f"mcp_quotation.{LANE_PREFIX}3"],
        )
        self.sync(2)
        self.assertEqual(self.lanes(), lanes[:1])
        self.assertFalse(lanes[1:].exists())
        self.sync(1)
        self.assertFalse(self.lanes())

    def test_lanes_default_to_the_cron_threads(self):
        """Without the setting, the server's cron threads make the lanes."""
        self.sync(0)
        self.assertEqual(len(self.lanes()), max(config["max_cron_threads"], 1) - 1)

    def test_saving_the_settings_syncs_the_lanes(self):
        """A new number of parallel workers applies when the settings are saved."""
        self.env["res.config.settings"].create(
            {"mcp_quotation_parallel_workers": 4}
        ).execute()
        self.assertEqual(len(self.lanes()), 3)

    def test_submission_triggers_every_lane(self):
        """A submission wakes the processing cron and every lane."""
        self.sync(3)
        crons = self.env.ref("mcp_quotation.ir_cron_process_quotation_requests")
        crons |= self.lanes()
        Trigger = self.env["ir.cron.trigger"]
        before = {
            cron: Trigger.search_count([("cron_id", "=", cron.id)]) for cron in crons
        }
        self.submit()
        for cron in crons:
            self.assertEqual(
                Trigger.search_count([("cron_id", "=", cron.id)]), before[cron] + 1
            )

    def test_submission_wakes_the_cron_workers_once(self):
        """However many lanes, a submission wakes the cron workers once: each
        wake-up is a new connection to the "postgres" database."""
        self.sync(4)
        with patch.object(
            Callbacks, "add", autospec=True, side_effect=Callbacks.add
        ) as add:
            self.submit()
        wake_ups = [
            func
            for _callbacks, func in (call.args for call in add.call_args_list)
            if getattr(func, "__name__", None) == "_notifydb"
        ]
        self.assertEqual(len(wake_ups), 1)

    def test_a_lane_processes_due_requests(self):
        """A lane's cron runs the flow of the due requests."""
        request = self.submit()
        self.env["quotation.request"]._cron_process_lane()
        self.assertEqual(request.state, "completed")
        self.assertTrue(request.sale_order_id)

    def test_typed_email_in_another_case_finds_the_partner(self):
        """A request typed in the form as "Jane@Acme.com" is jane@acme.com's."""
        jane = self.env["res.partner"].create(
            {"name": "Jane", "email": "jane@acme.com"}
        )
        request = self.env["quotation.request"].create(
            {
                "partner_name": "Acme",
                "contact_name": "Jane",
                "email": "Jane@Acme.com",
                "line_ids": [Command.create({"product_id": self.robot.id})],
            }
        )
        self.process()
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.partner_id, jane)


@tagged("post_install", "-at_install", "mcp_quotation")
class TestSameNewCustomerRace(TransactionCase):
    """Real transactions: workers on threads race for one new customer."""

    WORKERS = 4
    EMAIL = "race-new@example.com"

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            product = env["product.product"].create(
                {"name": "Race Robot", "list_price": 10.0}
            )
            Request = env["quotation.request"]
            tracking_ids = [
                Request._submit_request(
                    {
                        "partner_name": "Race New Co",
                        "contact_name": f"Caller {index}",
                        "email": self.EMAIL,
                        "product_id": product.id,
                    }
                )["tracking_id"]
                for index in range(self.WORKERS)
            ]
            self.request_ids = Request.search([("tracking_id", "in", tracking_ids)]).ids
            template_id = product.product_tmpl_id.id
        self.addCleanup(self.delete_committed, template_id)

    def delete_committed(self, template_id):
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            requests = env["quotation.request"].browse(self.request_ids)
            requests.sale_order_id.unlink()
            requests.opportunity_id.unlink()
            partners = env["res.partner"].search(
                [
                    "|",
                    ("email_normalized", "=", self.EMAIL),
                    ("name", "=", "Race New Co"),
                ]
            )
            # Processed requests refuse deletion; a test's fixture may go.
            requests.write({"state": "cancelled"})
            requests.unlink()
            partners.unlink()
            env["product.template"].browse(template_id).unlink()

    def test_parallel_requests_for_one_new_customer_make_one_partner(self):
        """Workers that each claimed a request for the same new customer run
        their flows at once, and all end with the one partner."""
        claimed = threading.Barrier(self.WORKERS, timeout=30)
        Request = type(self.env["quotation.request"])
        start_attempt = Request._start_attempt

        def start_attempt_then_wait(request):
            start_attempt(request)
            claimed.wait()  # every worker holds a request before any flow runs

        def worker():
            with self.registry.cursor() as cr:
                # The test's registry, given: looking it up by name would wait
                # for the lock the module loader holds while tests run.
                cr.transaction = type(self.env.transaction)(self.registry)
                api.Environment(cr, SUPERUSER_ID, {})[
                    "quotation.request"
                ]._process_due()

        with patch.object(Request, "_start_attempt", start_attempt_then_wait):
            threads = [threading.Thread(target=worker) for _ in range(self.WORKERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(claimed.broken, "the workers did not run at the same time")
        with self.registry.cursor() as cr:  # sees what the workers committed
            env = self.env(cr=cr)
            requests = env["quotation.request"].browse(self.request_ids)
            self.assertEqual(set(requests.mapped("state")), {"completed"})
            self.assertEqual(len(requests.sale_order_id), self.WORKERS)
            Partner = env["res.partner"]
            self.assertEqual(
                Partner.search_count([("email_normalized", "=", self.EMAIL)]), 1
            )
            self.assertEqual(len(requests.partner_id), 1)
            self.assertEqual(Partner.search_count([("name", "=", "Race New Co")]), 1)
