import hashlib
import hmac
import json
import time

from odoo.tests import tagged

from ..lib.elevenlabs import MAX_EVENT_BYTES, POST_CALL_PATH
from ..models.quotation_call_event import BATCH_SIZE
from .common import ApiCase

SECRET = "wsec_test_0123456789"


def sign(body, secret, timestamp):
    """The ``ElevenLabs-Signature`` header value ElevenLabs sends for ``body``."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v0={digest}"


def transcription(conversation_id, **analysis):
    """An ElevenLabs post_call_transcription event, as its docs show one."""
    return {
        "type": "post_call_transcription",
        "event_timestamp": int(time.time()),
        "data": {
            "agent_id": "agent_voice",
            "conversation_id": conversation_id,
            "status": "done",
            "transcript": [
                {
                    "role": "agent",
                    "message": "Hello, how can I help?",
                    "time_in_call_secs": 0,
                },
                {
                    "role": "user",
                    "message": "Two robots for Acme, please.",
                    "time_in_call_secs": 4,
                },
            ],
            "metadata": {
                "call_duration_secs": 95,
                "phone_call": {"external_number": "+32 2 555 01 01"},
            },
            "analysis": {
                "transcript_summary": "Acme wants two serving robots.",
                "call_successful": "success",
                "evaluation_criteria_results": {
                    "quote_created": {
                        "criteria_id": "quote_created",
                        "result": "success",
                        "rationale": "The agent created the quotation.",
                    }
                },
                **analysis,
            },
        },
    }


@tagged("post_install", "-at_install", "mcp_quotation")
class TestPostCall(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_param("elevenlabs_webhook_secret", SECRET)

    def post_event(self, event, *, secret=SECRET, timestamp=None, signature=None):
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        if signature is None:
            signature = sign(body, secret, timestamp or int(time.time()))
        if signature:
            headers["ElevenLabs-Signature"] = signature
        return self.url_open(POST_CALL_PATH, data=body, headers=headers)

    def events(self):
        return self.env["quotation.call.event"].search_count([])

    def test_signed_event_lands_on_the_request_and_its_opportunity(self):
        """Transcript note, JSON attachment, summary and duration: on both."""
        request = self.submit(self.payload(source_ref="conv_1"))
        self.process()
        response = self.post_event(transcription("conv_1"))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "accepted")
        event = self.env["quotation.call.event"].search(
            [("conversation_id", "=", "conv_1")]
        )
        self.assertEqual(event.state, "pending")
        self.process()
        self.assertEqual(event.state, "done")
        self.assertEqual(event.request_ids, request)
        self.assertEqual(event.duration, 95)
        for record in (request, request.opportunity_id):
            note = record.message_ids.filtered(
                lambda message: "Two robots for Acme" in str(message.body)
            )
            self.assertEqual(len(note), 1, record)
            body = str(note.body)
            for text in ("Acme wants two serving robots.", "95", "quote_created"):
                self.assertIn(text, body)
            [attachment] = note.attachment_ids
            self.assertEqual(attachment.name, "call-conv_1.json")
            stored = json.loads(attachment.raw)
            self.assertEqual(stored["data"]["conversation_id"], "conv_1")

    def test_an_event_waits_for_its_request_to_end(self):
        """Received before the request is processed, it is attached after it."""
        request = self.submit(self.payload(source_ref="conv_2"))
        self.post_event(transcription("conv_2"))
        self.process()
        self.assertEqual(request.state, "completed")
        event = self.env["quotation.call.event"].search(
            [("conversation_id", "=", "conv_2")]
        )
        self.assertEqual(event.state, "done")
        self.assertIn(
            "Two robots for Acme",
            "".join(
                str(body) for body in request.opportunity_id.message_ids.mapped("body")
            ),
        )

    def test_bad_missing_or_stale_signatures_answer_401_and_store_nothing(self):
        """Wrong secret, no header, a 31-minute-old timestamp: 401, nothing kept."""
        before = self.events()
        stale = int(time.time()) - 31 * 60
        for response in (
            self.post_event(transcription("conv_3"), secret="wrong"),
            self.post_event(transcription("conv_3"), signature=""),
            self.post_event(transcription("conv_3"), timestamp=stale),
            self.post_event(transcription("conv_3"), signature="t=1,v0=00"),
        ):
            self.assertEqual(response.status_code, 401, response.text)
            self.assertEqual(response.json()["error"], "unauthorized")
            self.assertNotIn(SECRET, response.text)
        self.assertEqual(self.events(), before)

    def test_a_replayed_event_is_stored_and_attached_once(self):
        """The same event twice: one record, one note."""
        request = self.submit(self.payload(source_ref="conv_4"))
        self.process()
        event = transcription("conv_4")
        first = self.post_event(event)
        again = self.post_event(event)
        self.assertEqual(first.json()["status"], "accepted")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["status"], "duplicate")
        self.process()
        self.post_event(event)
        self.process()
        notes = request.message_ids.filtered(
            lambda message: "Two robots for Acme" in str(message.body)
        )
        self.assertEqual(len(notes), 1)

    def test_a_backlog_beyond_one_batch_is_attached_in_one_run(self):
        """More pending events than a batch: one cron run attaches them all."""
        Event = self.env["quotation.call.event"]
        for index in range(BATCH_SIZE + 5):
            body = json.dumps(transcription(f"conv_backlog_{index}")).encode()
            Event.receive_post_call(body, sign(body, SECRET, int(time.time())))
        self.process()
        self.assertEqual(Event.search_count([("state", "=", "pending")]), 0)
        self.assertEqual(
            Event.search_count([("conversation_id", "like", "conv_backlog_")]),
            BATCH_SIZE + 5,
        )

    def test_an_event_that_cannot_be_attached_fails_alone(self):
        """A malformed event is marked failed; the next one is still attached."""
        broken = transcription("conv_7")
        broken["data"]["analysis"] = "not an object"
        self.post_event(broken)
        self.post_event(transcription("conv_8"))
        with self.assertLogs("odoo.addons.mcp_quotation.models.quotation_call_event"):
            self.process()
        events = self.env["quotation.call.event"].search(
            [("conversation_id", "in", ["conv_7", "conv_8"])], order="id"
        )
        self.assertEqual(events.mapped("state"), ["failed", "unmatched"])
        self.assertTrue(events[0].error)

    def test_a_call_without_a_request_becomes_a_lead_when_set(self):
        """With the setting on, an unmatched call is a lead with its transcript."""
        self.set_param("call_lead_for_unmatched", "True")
        self.post_event(transcription("conv_5", call_summary_title="Robot enquiry"))
        self.process()
        event = self.env["quotation.call.event"].search(
            [("conversation_id", "=", "conv_5")]
        )
        self.assertEqual(event.state, "done")
        lead = event.lead_id
        self.assertEqual(lead.name, "Robot enquiry")
        self.assertEqual(lead.phone, "+32 2 555 01 01")
        self.assertIn("Two robots for Acme", str(lead.message_ids.mapped("body")))

    def test_a_call_without_a_request_is_only_kept_by_default(self):
        """With the setting off, an unmatched call creates no lead."""
        leads = self.env["crm.lead"].search_count([])
        self.post_event(transcription("conv_6"))
        self.process()
        event = self.env["quotation.call.event"].search(
            [("conversation_id", "=", "conv_6")]
        )
        self.assertEqual(event.state, "unmatched")
        self.assertEqual(self.env["crm.lead"].search_count([]), leads)

    def test_other_event_types_are_acknowledged_and_not_stored(self):
        """An audio or failure event gets 200 and is not kept."""
        before = self.events()
        response = self.post_event({"type": "call_initiation_failure", "data": {}})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["status"], "ignored")
        self.assertEqual(self.events(), before)

    def test_a_body_over_the_limit_answers_413(self):
        """Above the documented size limit the event is refused before parsing."""
        before = self.events()
        body = b"x" * (MAX_EVENT_BYTES + 1)
        response = self.url_open(
            POST_CALL_PATH,
            data=body,
            headers={"ElevenLabs-Signature": sign(body, SECRET, int(time.time()))},
        )
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["error"], "payload_too_large")
        self.assertEqual(self.events(), before)

    def test_a_signed_body_that_is_no_event_answers_400(self):
        """Signed but not JSON: 400, nothing stored."""
        body = b"not json"
        response = self.url_open(
            POST_CALL_PATH,
            data=body,
            headers={"ElevenLabs-Signature": sign(body, SECRET, int(time.time()))},
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["error"], "bad_request")
