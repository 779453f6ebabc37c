from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..exceptions import QuotationValidationError
from ..series import ConcurrencyError
from .common import QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestSubmit(QuotationCase):
    def assert_rejected(self, payload, fields):
        count = self.env["quotation.request"].search_count([])
        with self.assertRaises(QuotationValidationError) as caught:
            self.env["quotation.request"]._submit_request(payload)
        self.assertEqual({error["field"] for error in caught.exception.errors}, fields)
        self.assertEqual(self.env["quotation.request"].search_count([]), count)

    def test_submission_is_stored_queued_and_triggers_the_cron(self):
        """A valid request is queued, with its lines, and wakes the cron."""
        cron = self.env.ref("mcp_quotation.ir_cron_process_quotation_requests")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        request = self.submit(source="webhook")
        self.assertEqual(request.state, "queued")
        self.assertRegex(request.tracking_id, r"^quot_[0-9a-f]{16}$")
        self.assertTrue(request.name.startswith("QR/"))
        self.assertEqual(request.source, "webhook")
        self.assertEqual(request.line_ids.product_id, self.robot)
        self.assertEqual(request.line_ids.quantity, 2)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers,
        )

    def test_products_are_found_by_reference_or_exact_name(self):
        """Lines may name a product by internal reference or exact name."""
        request = self.submit(
            self.lines_payload(
                [
                    {"product_ref": "pudu-01", "product_qty": 1},
                    {
                        "product_ref": "Serving Tray",
                        "product_qty": 4,
                        "product_price": 35,
                    },
                ],
            )
        )
        self.assertEqual(request.line_ids.product_id, self.robot | self.tray)
        self.assertEqual(request.line_ids.mapped("price_unit"), [-1.0, 35.0])

    def test_unknown_or_ambiguous_products_are_rejected(self):
        """An unknown id, an unknown reference or an ambiguous name is an error."""
        self.env["product.product"].create({"name": "Twin"})
        self.env["product.product"].create({"name": "Twin"})
        self.assert_rejected(
            self.lines_payload(
                [
                    {"product_id": 9999999},
                    {"product_ref": "NOPE"},
                    {"product_ref": "Twin"},
                ],
            ),
            {"lines[0].product_id", "lines[1].product_ref", "lines[2].product_ref"},
        )

    def test_unsellable_products_are_rejected(self):
        """A product that cannot be sold is not found."""
        self.tray.sale_ok = False
        self.assert_rejected(self.payload(product_id=self.tray.id), {"product_id"})

    def test_unknown_salesperson_and_team_are_rejected(self):
        """A salesperson must be an internal user, a team must exist."""
        portal = new_test_user(self.env, login="portal_x", groups="base.group_portal")
        self.assert_rejected(
            self.payload(user_id=portal.id, team_id=9999999), {"user_id", "team_id"}
        )

    def test_field_errors_are_all_reported_and_nothing_is_stored(self):
        """Names, email and quantity errors come together; nothing is stored."""
        self.assert_rejected(
            self.payload(partner_name="", email="nope", product_qty=-1),
            {"partner_name", "email", "product_qty"},
        )

    def test_same_idempotency_key_returns_the_existing_request(self):
        """A replayed key answers with the first request, creating nothing."""
        Request = self.env["quotation.request"]
        first = Request._submit_request(self.payload(), idempotency_key="call-42")
        again = Request._submit_request(
            self.payload(email="other@acme.example"), idempotency_key="call-42"
        )
        self.assertTrue(first["created"])
        self.assertFalse(again["created"])
        self.assertEqual(again["tracking_id"], first["tracking_id"])
        self.assertEqual(Request.search_count([("idempotency_key", "=", "call-42")]), 1)

    def test_an_idempotency_key_belongs_to_the_user_who_sent_it(self):
        """Another user's same key creates its own request, not a replay."""
        Request = self.env["quotation.request"]
        first = Request._submit_request(self.payload(), idempotency_key="call-43")
        caller = new_test_user(
            self.env, login="caller_b", groups="mcp_quotation.mcp_quotation_group_user"
        )
        other = Request.with_user(caller)._submit_request(
            self.payload(), idempotency_key="call-43"
        )
        self.assertTrue(other["created"])
        self.assertNotEqual(other["tracking_id"], first["tracking_id"])
        self.assertEqual(
            Request.search([("idempotency_key", "=", "call-43")]).create_uid,
            self.env.user | caller,
        )

    def test_concurrent_same_key_asks_for_a_retry_instead_of_a_duplicate(self):
        """When another transaction stored the key first, the caller retries."""
        Request = self.env["quotation.request"]
        Request._submit_request(self.payload(), idempotency_key="race")
        # The other transaction committed after this one's snapshot was taken,
        # so the look-up misses it and the unique index is what catches it.
        with (
            patch.object(
                type(Request), "_find_by_idempotency_key", return_value=Request
            ),
            self.assertRaises(ConcurrencyError),
            mute_logger("odoo.sql_db"),
            # Stands for the HTTP request's transaction, which Odoo rolls back.
            self.env.cr.savepoint(),
        ):
            Request._submit_request(self.payload(), idempotency_key="race")
        self.assertEqual(Request.search_count([("idempotency_key", "=", "race")]), 1)

    def test_submitting_needs_the_quotation_user_group(self):
        """A user outside the quotation groups cannot submit."""
        outsider = new_test_user(self.env, login="outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["quotation.request"].with_user(outsider)._submit_request(
                self.payload()
            )

    def test_raw_payload_is_kept_without_secrets(self):
        """The stored payload is the body as received, secrets redacted."""
        request = self.submit(self.payload(api_key="sk-should-not-be-stored"))
        self.assertEqual(request.payload["api_key"], "[redacted]")
        self.assertEqual(request.payload["email"], "john@acme.example")

    def test_odoo_line_names_set_the_quantity_and_price(self):
        """A line in Odoo's own names orders that quantity at that price."""
        request = self.submit(
            self.lines_payload(
                [{"product_id": self.robot.id, "quantity": 3, "price_unit": 10.5}]
            )
        )
        self.assertEqual(request.line_ids.quantity, 3)
        self.assertEqual(request.line_ids.price_unit, 10.5)

    def test_unknown_keys_are_rejected_and_nothing_is_stored(self):
        """A key the request does not know is refused, not silently dropped."""
        self.assert_rejected(self.payload(discount_percent=20), {"discount_percent"})

    def test_estimated_time_follows_the_queue_and_recent_durations(self):
        """The estimate grows with the requests ahead and the recent pace."""
        Request = self.env["quotation.request"]
        first = Request._submit_request(self.payload(email="e0@acme.example"))
        self.assertEqual(first["estimated_time"], "about 3 seconds")
        done = self.submit(self.payload(email="e1@acme.example")) | self.submit(
            self.payload(email="e2@acme.example")
        )
        for request, duration in zip(done, (3.0, 4.0), strict=True):
            request.write(
                {
                    "state": "completed",
                    "duration": duration,
                    "completed_at": fields.Datetime.now(),
                }
            )
        for index in range(2):
            self.submit(self.payload(email=f"q{index}@acme.example"))
        # Ahead: the first request and two more; each takes 3.5 s lately.
        ack = Request._submit_request(self.payload(email="last@acme.example"))
        self.assertEqual(ack["estimated_time"], "about 14 seconds")
