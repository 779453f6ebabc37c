import re

from odoo.tests import BaseCase, tagged

from .. import contract as api_contract
from ..lib.payload import SECRET_KEY_RE, parse_payload, strip_secrets

VALID = {"partner_name": "A", "email": "a@b.co"}


def fields_of(errors):
    return {error["field"] for error in errors}


@tagged("post_install", "-at_install", "mcp_quotation")
class TestPayload(BaseCase):
    def test_flat_payload_becomes_one_line(self):
        """The earlier flat shape is read as one line with Odoo's price."""
        request, errors = parse_payload(
            {
                "partner_name": " Acme ",
                "email": " John@Acme.COM",
                "product_id": 7,
                "product_qty": "3",
                "product_price": -1,
            }
        )
        self.assertEqual(errors, [])
        self.assertEqual(request["partner_name"], "Acme")
        self.assertEqual(request["email"], "john@acme.com")
        self.assertEqual(
            request["lines"],
            [
                {
                    "field_prefix": "",
                    "product_id": 7,
                    "product_ref": "",
                    "quantity": 3.0,
                    "price_unit": None,
                }
            ],
        )

    def test_parameters_wrapper_is_unwrapped(self):
        """ElevenLabs' {"parameters": {...}} wrapper is accepted."""
        request, errors = parse_payload(
            {"parameters": {"partner_name": "A", "email": "a@b.co", "product_ref": "X"}}
        )
        self.assertEqual(errors, [])
        self.assertEqual(request["lines"][0]["product_ref"], "X")

    def test_every_field_error_is_reported_at_once(self):
        """Bad names, email, quantities, prices and ids are all listed."""
        _request, errors = parse_payload(
            {
                "partner_name": "  ",
                "email": "not-an-email",
                "user_id": "abc",
                "lines": [
                    {"product_qty": 0},
                    {"product_id": 1, "product_price": "x"},
                    "bad",
                ],
            }
        )
        self.assertEqual(
            fields_of(errors),
            {
                "partner_name",
                "email",
                "user_id",
                "lines[0].product_id",
                "lines[0].product_qty",
                "lines[1].product_price",
                "lines[2]",
            },
        )

    def test_missing_required_fields_and_empty_lines(self):
        """No email, no company name and an empty line list are errors."""
        _request, errors = parse_payload({"lines": []})
        self.assertEqual(fields_of(errors), {"email", "partner_name", "lines"})

    def test_non_object_body_is_rejected(self):
        """A JSON array is not a request."""
        request, errors = parse_payload([1, 2])
        self.assertIsNone(request)
        self.assertEqual(fields_of(errors), {"body"})

    def test_non_finite_and_boolean_numbers_are_rejected(self):
        """NaN, infinity and booleans are not quantities."""
        _request, errors = parse_payload(
            {
                "partner_name": "A",
                "email": "a@b.co",
                "lines": [
                    {"product_id": 1, "product_qty": "nan"},
                    {"product_id": 1, "product_qty": True},
                ],
            }
        )
        self.assertEqual(
            fields_of(errors), {"lines[0].product_qty", "lines[1].product_qty"}
        )

    def test_header_idempotency_key_wins_over_body(self):
        """The Idempotency-Key header overrides the body's field."""
        request, _errors = parse_payload(
            {
                "partner_name": "A",
                "email": "a@b.co",
                "product_id": 1,
                "idempotency_key": "body",
            },
            idempotency_key="header",
        )
        self.assertEqual(request["idempotency_key"], "header")

    def test_blank_idempotency_key_means_no_key(self):
        """Blank keys are dropped, so they never collide with each other."""
        body = {"partner_name": "A", "email": "a@b.co", "product_id": 1}
        request, errors = parse_payload(body, idempotency_key="   ")
        self.assertEqual(errors, [])
        self.assertIsNone(request["idempotency_key"])
        request, _errors = parse_payload({**body, "idempotency_key": " k-1 "})
        self.assertEqual(request["idempotency_key"], "k-1")

    def test_secrets_are_redacted_at_any_depth(self):
        """Keys that look like secrets never keep their values."""
        cleaned = strip_secrets(
            {"email": "a@b.co", "api_key": "k", "nested": [{"Authorization": "t"}]}
        )
        self.assertEqual(
            cleaned,
            {
                "email": "a@b.co",
                "api_key": "[redacted]",
                "nested": [{"Authorization": "[redacted]"}],
            },
        )

    def test_unknown_keys_are_rejected_by_name(self):
        """A key the request does not know is an error naming it and the known ones."""
        _request, errors = parse_payload(
            {**VALID, "customer_type": "x", "lines": [{"product_id": 1, "qty": 3}]}
        )
        self.assertEqual(fields_of(errors), {"customer_type", "lines[0].qty"})
        messages = {error["field"]: error["message"] for error in errors}
        self.assertIn("partner_name", messages["customer_type"])
        self.assertIn("product_qty", messages["lines[0].qty"])
        self.assertIn("quantity", messages["lines[0].qty"])

    def test_flat_line_keys_beside_lines_and_keys_beside_the_wrapper_are_rejected(self):
        """Keys that would be ignored beside ``lines`` or ``parameters`` are errors."""
        _request, errors = parse_payload(
            {**VALID, "product_qty": 2, "lines": [{"product_id": 1}]}
        )
        self.assertEqual(fields_of(errors), {"product_qty"})
        _request, errors = parse_payload(
            {"parameters": {**VALID, "product_id": 1}, "conversation_id": "c-1"}
        )
        self.assertEqual(fields_of(errors), {"conversation_id"})

    def test_odoo_line_names_are_aliases(self):
        """Odoo's own names, ``quantity`` and ``price_unit``, set a line's values."""
        request, errors = parse_payload(
            {**VALID, "lines": [{"product_id": 15, "quantity": 3, "price_unit": 10.5}]}
        )
        self.assertEqual(errors, [])
        self.assertEqual(
            (request["lines"][0]["quantity"], request["lines"][0]["price_unit"]),
            (3.0, 10.5),
        )
        request, errors = parse_payload({**VALID, "product_id": 15, "quantity": 2})
        self.assertEqual(errors, [])
        self.assertEqual(request["lines"][0]["quantity"], 2.0)

    def test_a_name_and_its_alias_together_are_rejected(self):
        """``product_qty`` and ``quantity`` in one line are ambiguous."""
        _request, errors = parse_payload(
            {**VALID, "lines": [{"product_id": 1, "product_qty": 2, "quantity": 3}]}
        )
        self.assertEqual(fields_of(errors), {"lines[0].quantity"})

    def test_secret_looking_keys_are_accepted_for_redaction(self):
        """A credential sent in the body is no error; it is redacted, never used."""
        _request, errors = parse_payload({**VALID, "product_id": 1, "api_key": "k"})
        self.assertEqual(errors, [])

    def test_cookies_are_redacted_as_in_the_bridge(self):
        """Cookies are secrets too, as in the bridge's audit documents."""
        self.assertEqual(
            strip_secrets({"Cookie": "session_id=abc", "set_cookie": "x", "n": 1}),
            {"Cookie": "[redacted]", "set_cookie": "[redacted]", "n": 1},
        )

    def test_secret_key_pattern_is_the_bridges(self):
        """The addon redacts exactly the keys the bridge's audit log redacts."""
        self.assertEqual(
            SECRET_KEY_RE.pattern,
            r"pass(word)?|secret|token|api[_-]?key|authorization|credential|cookie",
        )
        self.assertTrue(SECRET_KEY_RE.flags & re.IGNORECASE)

    def test_body_limit_is_64_kib_in_the_api_contract(self):
        """The API's contract module holds the 64 KiB body limit and its message."""
        self.assertEqual(api_contract.MAX_BODY_BYTES, 64 * 1024)
        message = api_contract.body_too_large_message(api_contract.MAX_BODY_BYTES)
        self.assertIn("65536 bytes", message)
