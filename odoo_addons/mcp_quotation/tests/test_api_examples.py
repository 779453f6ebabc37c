import json

from odoo.tests import tagged

from .api_examples import fill, header_mismatches, load_examples, mismatches
from .common import ApiCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestApiExamples(ApiCase):
    def given_request(self, given, body):
        """The request an example's ``given`` describes, sent earlier with the
        same API key, in the state it names."""
        spec = given["request"]
        request = self.submit(
            fill(body, api_key=self.api_key, product_id=self.robot.id),
            user=self.agent,
            idempotency_key=spec.get("idempotency_key"),
            source="webhook",
        )
        if spec["state"] == "completed":
            self.process()
        elif spec["state"] == "failed":
            request._mark_failed("creating the quotation", "The product is archived.")
        self.assertEqual(request.state, spec["state"])
        return request

    def replay(self, example, request_body):
        request = (
            self.given_request(example["given"], request_body)
            if example["given"]
            else None
        )
        tracking_id = request.tracking_id if request else None
        sent = fill(
            example["request"],
            api_key=self.api_key,
            product_id=self.robot.id,
            tracking_id=tracking_id,
        )
        headers = dict(sent["headers"])
        data = sent.get("body_text")
        if "body" in sent:
            headers.setdefault("Content-Type", "application/json")
            data = json.dumps(sent["body"])
        response = self.open_url(
            sent["path"], data=data, headers=headers, method=sent["method"]
        )
        expected = example["response"]
        self.assertEqual(response.status_code, expected["status"], response.text)
        problems = header_mismatches(expected["headers"], response.headers)
        problems += mismatches(
            expected["body"], response.json(), tracking_id=tracking_id
        )
        self.assertFalse(problems, "\n".join(problems))

    def test_every_example_is_what_the_routes_answer(self):
        """Each shared API example, replayed on the real routes, gets its response."""
        document = load_examples()
        for example in document["examples"]:
            with self.subTest(example=example["name"]):
                self.replay(example, document["request_body"])
