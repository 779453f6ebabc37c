import base64
import json
import logging
import time
from datetime import UTC, datetime

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models

from ..contract import FINAL_STATES, translated
from ..exceptions import InvalidSignature
from ..lib.elevenlabs import (
    TRANSCRIPTION_EVENT,
    call_facts,
    parse_event,
    signature_problem,
    transcript_lines,
)
from ..lib.settings import param_key
from ..series import ConcurrencyError, Constraint, Index

_logger = logging.getLogger(__name__)

BATCH_SIZE = 50


class QuotationCallEvent(models.Model):
    """A voice platform's post-call event, stored as received, processed by the cron."""

    _name = "quotation.call.event"
    _description = "Voice Call Event"
    _order = "id desc"
    _rec_name = "conversation_id"

    event_type = fields.Char(required=True, readonly=True)
    conversation_id = fields.Char(required=True, readonly=True)
    agent_id = fields.Char(readonly=True)
    event_time = fields.Datetime(readonly=True)
    payload = fields.Json(readonly=True, help="The event as received.")
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("done", "Attached"),
            ("unmatched", "No Quotation Request"),
            ("failed", "Failed"),
        ],
        required=True,
        default="pending",
        readonly=True,
    )
    request_ids = fields.Many2many(
        "quotation.request", string="Quotation Requests", readonly=True
    )
    lead_id = fields.Many2one(
        "crm.lead",
        readonly=True,
        help="The lead created for a call that produced no quotation request.",
    )
    summary = fields.Text(readonly=True)
    duration = fields.Integer(string="Call Duration (s)", readonly=True)
    processed_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)

    # Replaying an event (the sender retries) must not attach it twice.
    _event_unique = Constraint(
        "UNIQUE(event_type, conversation_id)",
        "This conversation's event was already received.",
    )
    _state_id_index = Index("(state, id)")

    # ------------------------------------------------------------------
    # Receiving (the webhook's one entry point)
    # ------------------------------------------------------------------

    @api.model
    def receive_post_call(self, body, signature):
        """Authenticate and store a post-call event; ``{"status": ...}`` for the sender.

        Raises ``InvalidSignature`` (nothing stored) unless ``signature`` signs
        ``body`` with the configured secret; ``ValueError`` for a body that is
        no event.
        """
        secret = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(param_key("elevenlabs_webhook_secret"))
        )
        if problem := signature_problem(signature, body, secret, time.time()):
            _logger.info("Post-call event refused: %s", problem)
            raise InvalidSignature()
        event, problem = parse_event(body)
        if problem:
            raise ValueError(problem)
        if event["type"] != TRANSCRIPTION_EVENT:
            return {"status": "ignored", "type": event["type"]}
        Event = self.sudo()
        existing = Event.search(
            [
                ("event_type", "=", event["type"]),
                ("conversation_id", "=", event["conversation_id"]),
            ],
            limit=1,
        )
        if existing:
            return {"status": "duplicate", "event_id": existing.id}
        timestamp = event["event_timestamp"]
        try:
            record = Event.create(
                {
                    "event_type": event["type"],
                    "conversation_id": event["conversation_id"],
                    "agent_id": event["agent_id"],
                    "event_time": datetime.fromtimestamp(timestamp, UTC).replace(
                        tzinfo=None
                    )
                    if isinstance(timestamp, int)
                    else False,
                    "payload": event["document"],
                }
            )
        except pg_errors.UniqueViolation as error:
            # The same event delivered twice at once: Odoo's `retrying` runs
            # the request again, and then it is found above.
            raise ConcurrencyError("post-call event received concurrently") from error
        self.env["quotation.request"]._trigger_processing()
        return {"status": "accepted", "event_id": record.id}

    # ------------------------------------------------------------------
    # Processing (by the quotation queue's cron, after its requests)
    # ------------------------------------------------------------------

    def _requests(self):
        return self.env["quotation.request"].search(
            [("source_ref", "=", self.conversation_id)], order="id"
        )

    @api.model
    def _process_pending(self):
        """Attach the pending events whose requests have ended, a batch at a
        time, committing each; return how many are left when time ran out."""
        Cron = self.env["ir.cron"]
        waiting = []  # their requests are still queued or processing
        while batch := self.search(
            [("state", "=", "pending"), ("id", "not in", waiting)],
            order="id",
            limit=BATCH_SIZE,
        ):
            for candidate in batch:
                event = candidate.try_lock_for_update()
                if not event or event.state != "pending":
                    waiting.append(candidate.id)  # another worker has it
                    continue
                requests = event._requests()
                if requests.filtered(lambda request: request.state not in FINAL_STATES):
                    waiting.append(event.id)  # attached once they have ended
                    continue
                event._attach_or_fail(requests)
                if not Cron._commit_progress(1):
                    return self.search_count(
                        [("state", "=", "pending"), ("id", "not in", waiting)]
                    )
        return 0

    def _attach_or_fail(self, requests):
        try:
            with self.env.cr.savepoint():
                self._attach(requests)
        except Exception as error:  # any failure becomes data
            _logger.exception(
                "Post-call event of conversation %s could not be attached",
                self.conversation_id,
            )
            self.write({"state": "failed", "error": str(error)})

    def _attach(self, requests):
        data = self.payload["data"]
        facts = call_facts(data)
        targets = list(requests)
        targets += list(requests.opportunity_id)
        lead = self.env["crm.lead"]
        if not requests and self._leads_for_unmatched_calls():
            lead = self._create_lead(facts)
            targets.append(lead)
        note = self._note(facts, translated(transcript_lines(data), self.env._))
        content = base64.b64encode(
            json.dumps(self.payload, indent=2, ensure_ascii=False).encode()
        )
        for record in targets:
            attachment = self.env["ir.attachment"].create(
                {
                    "name": f"call-{self.conversation_id}.json",
                    "mimetype": "application/json",
                    "datas": content,
                    "res_model": record._name,
                    "res_id": record.id,
                }
            )
            record._message_log(body=note, attachment_ids=attachment.ids)
        duration = facts["duration"]
        self.write(
            {
                "state": "done" if targets else "unmatched",
                "request_ids": [fields.Command.set(requests.ids)],
                "lead_id": lead.id,
                "summary": facts["summary"],
                "duration": int(duration) if isinstance(duration, int | float) else 0,
                "processed_at": fields.Datetime.now(),
            }
        )

    def _leads_for_unmatched_calls(self):
        return bool(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(param_key("call_lead_for_unmatched"))
        )

    def _create_lead(self, facts):
        company = self.env.company
        return (
            self.env["crm.lead"]
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(
                {
                    "name": facts["title"]
                    or self.env._("Voice call %(id)s", id=self.conversation_id),
                    "type": "lead",
                    "description": facts["summary"] or False,
                    "phone": facts["phone"] or False,
                    "team_id": company.mcp_quotation_team_id.id or False,
                    "company_id": company.id,
                }
            )
        )

    def _note(self, facts, lines):
        """The call as a chatter note: summary, duration, evaluation, transcript."""
        parts = [
            Markup("<p><b>%s</b></p>")
            % self.env._("Voice call %(id)s", id=self.conversation_id)
        ]
        if facts["duration"] is not None:
            parts.append(
                Markup("<p>%s</p>")
                % self.env._("Duration: %(seconds)s s", seconds=facts["duration"])
            )
        if facts["summary"]:
            parts.append(
                Markup("<p>%s %s</p>") % (self.env._("Summary:"), facts["summary"])
            )
        if facts["successful"]:
            parts.append(
                Markup("<p>%s %s</p>")
                % (self.env._("Call successful:"), facts["successful"])
            )
        if facts["evaluations"]:
            items = Markup("").join(
                Markup("<li>%s: %s — %s</li>")
                % (item["criterion"], item["result"], item["rationale"])
                for item in facts["evaluations"]
            )
            parts.append(
                Markup("<p>%s</p><ul>%s</ul>") % (self.env._("Evaluation:"), items)
            )
        if lines:
            turns = Markup("<br/>").join(
                Markup("[%s] <b>%s:</b> %s") % line for line in lines
            )
            parts.append(
                Markup("<p>%s</p><p>%s</p>") % (self.env._("Transcript:"), turns)
            )
        return Markup("").join(parts)
