import threading
import time
from unittest.mock import patch

from odoo import api
from odoo.tests import TransactionCase, new_test_user, tagged

from ..contract import PROCESSING, QUEUED
from ..exceptions import SubmissionLimited
from ..lib.settings import param_key
from .common import ApiCase

API = "/mcp_quotation/v1/quotations"


@tagged("post_install", "-at_install", "mcp_quotation")
class TestFloodControl(ApiCase):
    def count(self):
        return self.env["quotation.request"].search_count([])

    def assert_limited(self, response):
        self.assertEqual(response.status_code, 429, response.text)
        self.assertEqual(response.json()["error"], "rate_limited")
        return int(response.headers["Retry-After"])

    def test_a_user_over_its_rate_gets_429_and_nothing_is_stored(self):
        """Above the requests per minute: 429 with Retry-After; replays still answer."""
        self.set_param("rate_limit_per_minute", 2)
        first = self.call(API, self.payload(), headers={"Idempotency-Key": "loop-1"})
        second = self.call(API, self.payload(), headers={"Idempotency-Key": "loop-2"})
        self.assertEqual([first.status_code, second.status_code], [202, 202])
        before = self.count()
        third = self.call(API, self.payload(), headers={"Idempotency-Key": "loop-3"})
        self.assertTrue(1 <= self.assert_limited(third) <= 60)
        self.assertIn("2", third.json()["message"])
        self.assertEqual(self.count(), before)
        replay = self.call(API, self.payload(), headers={"Idempotency-Key": "loop-1"})
        self.assertEqual(replay.status_code, 200, replay.text)
        self.assertEqual(replay.json()["tracking_id"], first.json()["tracking_id"])
        self.assertEqual(self.count(), before)

    def test_another_user_has_a_rate_of_its_own(self):
        """One looping key does not lock out the others."""
        self.set_param("rate_limit_per_minute", 1)
        self.assertEqual(self.call(API, self.payload()).status_code, 202)
        self.assert_limited(self.call(API, self.payload()))
        # The test's own environment is another user than the API key's.
        self.assertTrue(self.submit())

    def test_a_full_queue_refuses_new_requests_with_429(self):
        """At the queue's maximum depth, new requests wait outside it."""
        waiting = self.env["quotation.request"].search_count(
            [("state", "in", (QUEUED, PROCESSING))]
        )
        self.set_param("max_queue_depth", waiting + 1)
        self.assertEqual(self.call(API, self.payload()).status_code, 202)
        before = self.count()
        self.assertEqual(self.assert_limited(self.call(API, self.payload())), 30)
        self.assertEqual(self.count(), before)

    def test_zero_turns_both_limits_off(self):
        """0 is no limit, as the settings say."""
        self.set_param("rate_limit_per_minute", 0)
        self.set_param("max_queue_depth", 0)
        for _index in range(3):
            self.assertEqual(self.call(API, self.payload()).status_code, 202)


@tagged("post_install", "-at_install", "mcp_quotation")
class TestFloodControlRace(TransactionCase):
    """Real transactions: one user's submissions on threads, all at once."""

    SUBMISSIONS = 8
    RATE = 3

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            self.user_id = new_test_user(
                env,
                login="flood_race_agent",
                groups="mcp_quotation.mcp_quotation_group_user",
            ).id
            self.product_id = (
                env["product.product"]
                .create({"name": "Race Tray", "list_price": 10.0})
                .id
            )
            parameter = env["ir.config_parameter"].sudo()
            self.rate_before = parameter.get_param(param_key("rate_limit_per_minute"))
            parameter.set_param(param_key("rate_limit_per_minute"), self.RATE)
        self.addCleanup(self.delete_committed)

    def delete_committed(self):
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env["quotation.request"].search(
                [("create_uid", "=", self.user_id)]
            ).unlink()
            user = env["res.users"].browse(self.user_id)
            partner = user.partner_id
            user.unlink()
            partner.unlink()
            product = env["product.product"].browse(self.product_id)
            product.product_tmpl_id.unlink()
            env["ir.config_parameter"].sudo().set_param(
                param_key("rate_limit_per_minute"), self.rate_before or False
            )

    def test_concurrent_submissions_over_the_rate_accept_exactly_the_rate(self):
        """Submissions of one user in parallel transactions, more than its rate:
        exactly the rate is stored, the others get 429."""
        Request = type(self.env["quotation.request"])
        refuse_over_limits = Request._refuse_over_limits

        def count_then_linger(request, *args):
            refuse_over_limits(request, *args)
            # Each transaction stays open a while between counting and
            # inserting: without the user's lock, every one of them would
            # count the others' requests before any is stored.
            time.sleep(0.2)

        start = threading.Barrier(self.SUBMISSIONS, timeout=30)
        outcomes = []

        def submit(index):
            with self.registry.cursor() as cr:
                # The test's registry, given: looking it up by name would wait
                # for the lock the module loader holds while tests run.
                cr.transaction = type(self.env.transaction)(self.registry)
                env = api.Environment(cr, self.user_id, {})
                start.wait()
                try:
                    env["quotation.request"]._submit_request(
                        {
                            "partner_name": "Race Co",
                            "email": f"race-{index}@flood.example",
                            "product_id": self.product_id,
                        },
                        idempotency_key=f"flood-race-{index}",
                    )
                    outcomes.append(202)
                except SubmissionLimited:
                    outcomes.append(429)

        with patch.object(Request, "_refuse_over_limits", count_then_linger):
            threads = [
                threading.Thread(target=submit, args=(index,))
                for index in range(self.SUBMISSIONS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(start.broken, "the submissions did not start together")
        self.assertEqual(
            sorted(outcomes), [202] * self.RATE + [429] * (self.SUBMISSIONS - self.RATE)
        )
        with self.registry.cursor() as cr:  # sees what the threads committed
            stored = self.env(cr=cr)["quotation.request"].search_count(
                [("create_uid", "=", self.user_id)]
            )
        self.assertEqual(stored, self.RATE)
