from odoo.tests import BaseCase, tagged

from ..lib.wait_estimate import (
    DEFAULT_SECONDS_PER_REQUEST,
    describe_wait,
    estimated_seconds,
)


@tagged("post_install", "-at_install", "mcp_quotation")
class TestWaitEstimate(BaseCase):
    def test_requests_ahead_and_this_one_take_the_recent_pace(self):
        """Three ahead at 3.5 s each, then this one: 14 s."""
        self.assertEqual(estimated_seconds(3, 3.5), 14.0)

    def test_without_history_the_default_pace_is_used(self):
        """Before any request completed, each takes the default time."""
        self.assertEqual(estimated_seconds(1, None), 2 * DEFAULT_SECONDS_PER_REQUEST)

    def test_waits_read_as_seconds_then_minutes(self):
        """Short waits in whole seconds, long ones in minutes, rounded up."""
        self.assertEqual(
            [describe_wait(value) for value in (0, 0.2, 1.0, 13.1, 89, 90, 3600)],
            [
                "0 seconds",
                "about 1 second",
                "about 1 second",
                "about 14 seconds",
                "about 89 seconds",
                "about 2 minutes",
                "about 60 minutes",
            ],
        )
