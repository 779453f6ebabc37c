import json

from odoo.tests import new_test_user, tagged

from ..contract import MAX_BODY_BYTES
from .common import ApiCase

API = "/mcp_quotation/v1/quotations"


@tagged("post_install", "-at_install", "mcp_quotation")
class TestRoutes(ApiCase):
    def assert_error(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertEqual(body["error"], code)
        self.assertNotIn("Traceback", response.text)
        return body

    def test_post_answers_202_with_a_tracking_id(self):
        """A valid request is stored and acknowledged with its status URL."""
        response = self.call(API, self.payload())
        self.assertEqual(response.status_code, 202, response.text)
        body = response.json()
        self.assertEqual(body["status"], "queued")
        self.assertEqual(body["status_url"], f"{API}/{body['tracking_id']}")
        self.assertTrue(body["message"] and body["estimated_time"])
        request = self.env["quotation.request"].search(
            [("tracking_id", "=", body["tracking_id"])]
        )
        self.assertEqual(request.source, "webhook")

    def test_legacy_path_accepts_the_parameters_wrapper(self):
        """The legacy path and ElevenLabs' wrapper both work."""
        response = self.call("/api/quotation/async", {"parameters": self.payload()})
        self.assertEqual(response.status_code, 202, response.text)

    def test_replayed_idempotency_key_answers_200_with_the_same_id(self):
        """The Idempotency-Key header makes a retry safe."""
        headers = {"Idempotency-Key": "conv-7"}
        first = self.call(API, self.payload(), headers=headers)
        again = self.call(API, self.payload(), headers=headers)
        self.assertEqual(first.status_code, 202)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["tracking_id"], first.json()["tracking_id"])

    def test_status_document_follows_the_request_to_completion(self):
        """GET shows queued, then the completed result with the order name."""
        tracking_id = self.call(API, self.payload()).json()["tracking_id"]
        queued = self.call(f"{API}/{tracking_id}").json()
        self.assertEqual(queued["status"], "queued")
        self.assertIsNone(queued["result"])
        self.process()
        for path in (f"{API}/{tracking_id}", f"/api/quotation/status/{tracking_id}"):
            document = self.call(path).json()
            self.assertEqual(document["status"], "completed")
            self.assertTrue(document["result"]["sale_order_name"])
            self.assertEqual(
                set(document),
                {
                    "tracking_id",
                    "name",
                    "status",
                    "created_at",
                    "elapsed_time",
                    "progress",
                    "result",
                    "error",
                    "completed_at",
                },
            )

    def test_validation_errors_answer_422_and_store_nothing(self):
        """Field errors come back as a list; nothing is stored."""
        count = self.env["quotation.request"].search_count([])
        response = self.call(API, self.payload(email="x", product_id=999999))
        body = self.assert_error(response, 422, "validation_error")
        self.assertEqual(
            {error["field"] for error in body["errors"]}, {"email", "product_id"}
        )
        self.assertEqual(self.env["quotation.request"].search_count([]), count)

    def test_missing_or_invalid_key_answers_401(self):
        """No key and a wrong key are both refused in JSON."""
        response = self.url_open(
            API,
            data=json.dumps(self.payload()),
            headers={"Content-Type": "application/json"},
        )
        self.assert_error(response, 401, "unauthorized")
        response = self.call(API, self.payload(), key="not-a-real-key")
        self.assert_error(response, 401, "unauthorized")
        self.assertNotIn("not-a-real-key", response.text)

    def test_body_that_is_not_json_answers_400(self):
        """A malformed body is a bad request."""
        self.assert_error(self.call(API, raw="{not json"), 400, "bad_request")

    def test_oversized_body_answers_413(self):
        """Bodies above the limit are refused before parsing."""
        padding = "x" * (MAX_BODY_BYTES + 1)
        response = self.call(API, self.payload(notes=padding))
        self.assert_error(response, 413, "payload_too_large")

    def test_unknown_tracking_id_answers_404(self):
        """A tracking id nobody issued is not found."""
        self.assert_error(self.call(f"{API}/quot_000000000000"), 404, "not_found")

    def test_key_of_a_user_outside_the_groups_answers_403(self):
        """An internal user without the quotation group may not submit."""
        outsider = new_test_user(self.env, login="outsider2", groups="base.group_user")
        key = (
            self.env["res.users.apikeys"]
            .with_user(outsider)
            .sudo()
            ._generate(None, "outsider", None)
        )
        self.assert_error(self.call(API, self.payload(), key=key), 403, "forbidden")

    def test_wrong_method_answers_405_in_json(self):
        """A method a route does not take is refused in the API's error shape."""
        response = self.call(API, method="GET")
        self.assert_error(response, 405, "method_not_allowed")
        self.assertEqual(response.headers["Allow"], "POST")
        response = self.call(f"{API}/quot_000000000000", method="DELETE")
        self.assert_error(response, 405, "method_not_allowed")
        self.assertEqual(response.headers["Allow"], "GET")

    def test_unknown_path_under_the_api_answers_404_in_json(self):
        """A path under the API's prefixes that no route serves is a JSON 404."""
        for path in ("/mcp_quotation/v1/invoices", "/api/quotation/other"):
            self.assert_error(self.call(path), 404, "not_found")
