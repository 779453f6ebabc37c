from odoo.tests import tagged

from ..contract import PROCESSING, QUEUED
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
