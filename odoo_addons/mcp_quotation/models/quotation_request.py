import logging
import secrets
import time
import traceback
from datetime import datetime, timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, ConcurrencyError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL

from ..addon_records import processing_cron, request_sequence
from ..exceptions import QuotationValidationError
from ..quotation_flow import STEPS, QuotationFlow
from ..submission_records import resolve_lines, sales_assignment_errors
from ..tools.api import API_PATH
from ..tools.display import human_duration, pretty_json
from ..tools.payload import (
    EMAIL_RE,
    normalize_email,
    parse_payload,
    strip_secrets,
)
from ..tools.settings import read_setting
from ..tools.wait_estimate import ESTIMATE_SAMPLE, describe_wait, estimated_seconds

_logger = logging.getLogger(__name__)

STATES = [
    ("queued", "Queued"),
    ("processing", "Processing"),
    ("completed", "Completed"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# What the sales screens call each step of the flow (``STEPS``).
STEP_LABELS = {
    "partner": "Customer",
    "salesperson": "Salesperson",
    "lead": "Lead",
    "opportunity": "Opportunity",
    "sale_order": "Quotation",
    "products": "Products",
}
# Deleting or duplicating a request that was processed would orphan or repeat
# its opportunity and quotation: only these may be (the form's and the list's
# menus offer it only there: static/src/views/quotation_request_views.js).
UNPROCESSED_STATES = ("queued", "cancelled")
# A request that fails on one of these is retried later: another transaction
# held the rows it needed, nothing is wrong with the request itself.
TRANSIENT_DB_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
)
# A live worker holds its request's row lock for the whole flow, except
# between committing "processing" and locking the row again: a request in
# processing whose row lock is free after this grace has no live worker.
ABANDONED_AFTER = timedelta(seconds=10)


def new_tracking_id(_records=None):
    """``quot_`` + 16 random hex digits: unguessable, the earlier format."""
    return f"quot_{secrets.token_hex(8)}"


class QuotationRequest(models.Model):
    _name = "quotation.request"
    _description = "Quotation Request"
    _inherit = ["mail.thread"]
    _order = "id desc"

    # Identity
    name = fields.Char(readonly=True, copy=False, default="/")
    # Both unique: the constraints below give them their indexes.
    tracking_id = fields.Char(
        required=True, readonly=True, copy=False, default=new_tracking_id
    )
    idempotency_key = fields.Char(readonly=True, copy=False)
    source = fields.Selection(
        [("webhook", "Webhook"), ("bridge", "MCP bridge"), ("manual", "Manual")],
        required=True,
        default="manual",
        readonly=True,
        copy=False,
    )
    source_ref = fields.Char(
        string="Conversation",
        readonly=True,
        copy=False,
        help="The caller's own reference, e.g. the voice conversation id.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )

    # Input
    partner_name = fields.Char(string="Company Name", required=True)
    contact_name = fields.Char()
    email = fields.Char(required=True)
    phone = fields.Char()
    lead_name = fields.Char(string="Opportunity Title")
    notes = fields.Text()
    requested_user_id = fields.Many2one("res.users", string="Requested Salesperson")
    requested_team_id = fields.Many2one("crm.team", string="Requested Sales Team")
    line_ids = fields.One2many(
        "quotation.request.line", "request_id", string="Lines", copy=True
    )
    payload = fields.Json(readonly=True, copy=False, help="The body as received.")
    send_quotation = fields.Boolean(
        readonly=True, help="Email the quotation to the customer once it exists."
    )
    payload_json = fields.Text(string="Payload (JSON)", compute="_compute_payload_json")

    # Queue
    state = fields.Selection(
        STATES,
        string="Status",
        required=True,
        default="queued",
        readonly=True,
        copy=False,
        tracking=True,
        # Every column in the kanban, in workflow order, empty ones too.
        group_expand=True,
    )
    progress = fields.Char(readonly=True, copy=False, default="Queued")
    attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime(readonly=True, copy=False)
    error = fields.Text(readonly=True, copy=False)
    error_traceback = fields.Text(
        readonly=True,
        copy=False,
        groups="mcp_quotation.mcp_quotation_group_manager",
        help="Where the last unexpected failure happened; callers see only the error.",
    )
    started_at = fields.Datetime(readonly=True, copy=False)
    completed_at = fields.Datetime(readonly=True, copy=False)
    # Measured, not computed from the datetimes: those are stored to the second.
    duration = fields.Float(
        string="Processing Time (s)",
        readonly=True,
        copy=False,
        digits=(16, 3),
        aggregator="avg",
        help="How long the last attempt's business flow took.",
    )
    duration_display = fields.Char(
        string="Processing Time", compute="_compute_duration_display"
    )
    turnaround = fields.Float(
        string="Total Time (s)",
        readonly=True,
        copy=False,
        digits=(16, 3),
        aggregator="avg",
        help="From submission until the request ended.",
    )
    turnaround_display = fields.Char(
        string="Total Time", compute="_compute_duration_display"
    )

    # Result
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, copy=False
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, copy=False
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", readonly=True, copy=False
    )
    # Indexed: the quotation and the opportunity find their request by these.
    opportunity_id = fields.Many2one(
        "crm.lead", readonly=True, copy=False, index="btree_not_null"
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Quotation",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    sale_order_name = fields.Char(
        related="sale_order_id.name", string="Quotation Number"
    )
    # Stored so that lists sum it and the pivot measures it, in the company's
    # currency as Odoo's own sales figures are. Set by the flow: a computed
    # field would cost the webhook's answer a company and a currency read.
    amount_total = fields.Monetary(
        string="Total",
        readonly=True,
        copy=False,
        help="The quotation's total when it was made, in the company's currency.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    steps = fields.Json(string="Step Results", readonly=True, copy=False)
    steps_html = fields.Html(string="Steps", compute="_compute_steps_html")

    _tracking_id_unique = models.Constraint(
        "UNIQUE(tracking_id)", "A tracking id identifies one request only."
    )
    # A key is the caller's own: another API key's user reusing it gets a
    # request of its own, never the first caller's tracking id.
    _idempotency_key_unique = models.Constraint(
        "UNIQUE(create_uid, idempotency_key)",
        "This idempotency key was already used.",
    )
    # The queue's look-ups: a state's requests in id order, for the cron and
    # for the wait estimate of every acknowledgement.
    _state_id_index = models.Index("(state, id)")

    # The UI creates requests without submit_request(); these hold for both.
    @api.constrains("email")
    def _check_email(self):
        for request in self:
            if not EMAIL_RE.match(normalize_email(request.email or "")):
                raise ValidationError(
                    self.env._(
                        "%(email)s is not a valid email address.", email=request.email
                    )
                )

    @api.constrains("line_ids")
    def _check_lines(self):
        if any(not request.line_ids for request in self):
            raise ValidationError(
                self.env._("A quotation request needs a product line.")
            )

    @api.depends("payload")
    def _compute_payload_json(self):
        for request in self:
            request.payload_json = pretty_json(request.payload)

    @api.depends("duration", "turnaround")
    def _compute_duration_display(self):
        for request in self:
            request.duration_display = human_duration(request.duration)
            request.turnaround_display = human_duration(request.turnaround)

    @api.depends("steps")
    def _compute_steps_html(self):
        for request in self:
            steps = request.steps or {}
            items = Markup("").join(
                Markup(
                    '<li class="mb-2"><span class="fw-bold">%s</span>'
                    '<div class="text-muted">%s</div></li>'
                )
                % (STEP_LABELS.get(step, step), steps[step])
                for step in STEPS
                if step in steps
            )
            request.steps_html = (
                Markup('<ol class="ps-3 mb-0">%s</ol>') % items if items else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        # The year in the name is UTC's: the user's own time zone would cost
        # the webhook a read of the user's partner, for nothing.
        sequence = request_sequence(self.env).sudo().with_context(tz="UTC")
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence._next()
        requests = super().create(vals_list)
        requests._trigger_processing()
        return requests

    @api.ondelete(at_uninstall=False)
    def _unlink_except_processed(self):
        self._check_states(
            UNPROCESSED_STATES,
            self.env._(
                "Only queued or cancelled requests can be deleted; "
                "cancel the others instead:"
            ),
        )

    def copy(self, default=None):
        self._check_states(
            UNPROCESSED_STATES,
            self.env._(
                "Only queued or cancelled requests can be duplicated; "
                "retry a failed one instead:"
            ),
        )
        return super().copy(default)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_states(self, states, message):
        """Refuse, naming them, the requests that are in none of ``states``."""
        if others := self.filtered(lambda request: request.state not in states):
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                message
                + " "
                + ", ".join(
                    f"{request.name} ({labels[request.state]})" for request in others
                )
            )

    def _log_action(self, body):
        # The author is the user who acted: the chatter says who did it.
        for request in self:
            request._message_log(body=body)

    def action_retry(self):
        """Put failed requests back in the queue, the last attempt's times cleared."""
        self._check_states(
            ("failed",), self.env._("Only failed requests can be retried:")
        )
        self.write(
            {
                "state": "queued",
                "progress": "Queued",
                "error": False,
                "error_traceback": False,
                "next_attempt_at": False,
                "started_at": False,
                "completed_at": False,
                "duration": 0.0,
                "turnaround": 0.0,
            }
        )
        self._log_action(self.env._("Retry requested."))
        self._trigger_processing()

    def action_cancel(self):
        """Withdraw queued requests, or dismiss failed ones."""
        self._check_states(
            ("queued", "failed"),
            self.env._("Only queued or failed requests can be cancelled:"),
        )
        for request in self:
            request.write(request._end_values("cancelled", "Cancelled"))
        self._log_action(self.env._("Cancelled."))
        self._enqueue_audit()
        self.env["quotation.request.audit"]._trigger_shipping()

    def action_process_now(self):
        """Process queued requests now, in this transaction, not in the cron."""
        self._check_states(
            ("queued",), self.env._("Only queued requests can be processed:")
        )
        self._log_action(self.env._("Processing requested."))
        for request in self.sudo().try_lock_for_update():
            request._start_attempt()
            request.with_company(request.company_id)._run_flow()
        self.env["quotation.request.audit"]._trigger_shipping()

    @api.model
    def _requests_by(self, field, records):
        """``{record id: its request}`` for the orders or opportunities ``records``."""
        requests = self.search([(field, "in", records._origin.ids)])
        return {request[field].id: request for request in requests}

    def _open_record(self, record):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }

    def action_open_sale_order(self):
        return self._open_record(self.sale_order_id)

    def action_open_opportunity(self):
        return self._open_record(self.opportunity_id)

    # ------------------------------------------------------------------
    # Submitting (the one entry point for the webhook and the bridge)
    # ------------------------------------------------------------------

    @api.model
    def submit_request(self, payload, idempotency_key=None, source="bridge"):
        """Validate, de-duplicate, store and trigger a quotation request.

        Returns ``{"created": bool, **acknowledgement}``; raises
        ``QuotationValidationError`` (with the field list) on bad input, in
        which case nothing is stored.
        """
        if not self.env.user.has_group("mcp_quotation.mcp_quotation_group_user"):
            raise AccessError(
                self.env._(
                    "Submitting quotation requests needs the "
                    "Quotation Requests / User group."
                )
            )
        values, errors = parse_payload(
            payload, idempotency_key=idempotency_key, default_source=source
        )
        if values is None:
            raise QuotationValidationError(errors)
        existing = self._find_by_idempotency_key(values["idempotency_key"])
        if existing:
            return {"created": False, **existing._acknowledgement()}
        lines, record_errors = resolve_lines(self.env, values["lines"])
        errors += record_errors + sales_assignment_errors(self.env, values)
        if errors:
            raise QuotationValidationError(errors)
        vals = {
            "partner_name": values["partner_name"],
            "contact_name": values["contact_name"],
            "email": values["email"],
            "phone": values["phone"],
            "lead_name": values["lead_name"],
            "notes": values["notes"],
            "requested_user_id": values["user_id"],
            "requested_team_id": values["team_id"],
            "idempotency_key": values["idempotency_key"],
            "source": values["source"],
            "source_ref": values["source_ref"],
            "send_quotation": values["send_quotation"],
            "payload": strip_secrets(payload),
            "line_ids": [Command.create(line) for line in lines],
        }
        # No "created" message, follower or tracking: a webhook answer must
        # stay as cheap as Odoo's own request handling allows.
        Request = self.sudo().with_context(tracking_disable=True)
        try:
            request = Request.create(vals)
        except pg_errors.UniqueViolation as error:
            # Same key submitted concurrently: the other transaction won. The
            # transaction is lost; Odoo's `retrying` runs the whole HTTP (or
            # JSON-2) request again, and then it finds that row.
            raise ConcurrencyError("idempotency key submitted concurrently") from error
        return {"created": True, **request._acknowledgement()}

    @api.model
    def _find_by_idempotency_key(self, key):
        if not key:
            return self.browse()
        return self.sudo().search(
            [("idempotency_key", "=", key), ("create_uid", "=", self.env.uid)],
            limit=1,
        )

    # ------------------------------------------------------------------
    # Documents returned to callers
    # ------------------------------------------------------------------

    def _status_url(self):
        return f"{API_PATH}/{self.tracking_id}"

    def _acknowledgement(self):
        self.ensure_one()
        return {
            "tracking_id": self.tracking_id,
            "name": self.name,
            "status": self.state,
            "status_url": self._status_url(),
            "message": self.env._(
                "Quotation request %(name)s accepted; follow it at its status_url.",
                name=self.name,
            ),
            "estimated_time": describe_wait(self._estimated_wait()),
        }

    def _estimated_wait(self):
        """Seconds until this request ends, from the queue ahead and recent pace."""
        if self.state not in ("queued", "processing"):
            return 0.0
        self.flush_model(["state", "duration"])
        # One query on the (state, id) index: the acknowledgement must stay as
        # fast as the webhook's own answer.
        self.env.cr.execute(
            SQL(
                """
                SELECT (SELECT count(*) FROM quotation_request
                         WHERE state IN ('queued', 'processing') AND id < %(id)s),
                       (SELECT avg(duration) FROM (
                            SELECT duration FROM quotation_request
                             WHERE state = 'completed'
                             ORDER BY id DESC LIMIT %(sample)s) AS recent)
                """,
                id=self.id,
                sample=ESTIMATE_SAMPLE,
            )
        )
        ahead, pace = self.env.cr.fetchone()
        return estimated_seconds(ahead, pace)

    def _record_url(self, record):
        return (
            f"{self.get_base_url()}/odoo/{record._name}/{record.id}" if record else None
        )

    def _result(self):
        if self.state != "completed":
            return None
        order, opportunity = self.sale_order_id, self.opportunity_id
        return {
            "partner_id": self.partner_id.id,
            "partner_name": self.partner_id.display_name,
            "lead_id": opportunity.id,
            "lead_name": opportunity.name,
            "opportunity_id": opportunity.id,
            "sale_order_id": order.id,
            "sale_order_name": order.name,
            "amount_total": order.amount_total,
            "currency": order.currency_id.name,
            "user_id": self.user_id.id or None,
            "user_name": self.user_id.name or None,
            # The customer's own link (with its access token) to read out or text.
            "portal_url": f"{order.get_base_url()}{order.get_portal_url()}"
            if order.access_token
            else None,
            # jsonb does not keep key order; callers read the steps in flow order.
            "steps": {
                step: self.steps[step] for step in STEPS if step in (self.steps or {})
            },
            "urls": {
                "partner": self._record_url(self.partner_id),
                "opportunity": self._record_url(opportunity),
                "sale_order": self._record_url(order),
                "request": self._record_url(self),
            },
        }

    def _seconds_since_creation(self):
        return max((datetime.now() - self.create_date).total_seconds(), 0.0)

    def _end_values(self, state, progress):
        return {
            "state": state,
            "progress": progress,
            "completed_at": fields.Datetime.now(),
            "turnaround": self._seconds_since_creation(),
        }

    def _status_document(self):
        """The status document in the earlier system's shape."""
        self.ensure_one()
        return {
            "tracking_id": self.tracking_id,
            "name": self.name,
            "status": self.state,
            "created_at": self.create_date.isoformat(),
            "elapsed_time": f"{self.turnaround or self._seconds_since_creation():.1f}s",
            "progress": self.progress,
            "result": self._result(),
            "error": self.error or None,
            "completed_at": self.completed_at.isoformat()
            if self.completed_at
            else None,
        }

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    def _enqueue_audit(self):
        self.env["quotation.request.audit"]._enqueue(self)

    def _trigger_processing(self, at=None):
        processing_cron(self.env)._trigger(at)

    def _start_attempt(self):
        if not self.attempts:
            # The "accepted" audit document and the chatter's receipt note,
            # written here rather than on the webhook's path; the request
            # still holds its accepted state.
            self._enqueue_audit()
            self._log_receipt()
        self.write(
            {
                "state": "processing",
                "progress": "Processing",
                "started_at": fields.Datetime.now(),
                "attempts": self.attempts + 1,
                "error": False,
                "error_traceback": False,
            }
        )

    def _log_receipt(self):
        if self.source == "manual":
            return  # the chatter's own "created" message says it
        origin = dict(self._fields["source"]._description_selection(self.env))[
            self.source
        ]
        if self.source_ref:
            body = self.env._(
                "Received from %(origin)s (conversation %(ref)s).",
                origin=origin,
                ref=self.source_ref,
            )
        else:
            body = self.env._("Received from %(origin)s.", origin=origin)
        self._message_log(body=body)

    def _run_flow(self):
        """Run the business flow in a savepoint: it all lands, or none of it does."""
        self.ensure_one()
        # Automated creation, as in Odoo's own lead assignment: no "created"
        # messages, tracking or assignment emails (the salesperson still
        # follows the records); the flow logs its own notes instead.
        flow = QuotationFlow(
            self.with_context(
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
                mail_auto_subscribe_no_notify=True,
            )
        )
        started = time.perf_counter()
        try:
            with self.env.cr.savepoint():
                flow.run()
        except TRANSIENT_DB_ERRORS as error:
            self._handle_transient_failure(flow.step, error)
        except Exception as error:  # noqa: BLE001 - any failure becomes data
            _logger.exception(
                "Quotation request %s failed while %s", self.name, flow.step
            )
            self._mark_failed(flow.step, str(error), traceback.format_exc())
        else:
            self._mark_completed(flow)
        self.duration = time.perf_counter() - started
        self._enqueue_audit()

    def _handle_transient_failure(self, step, error):
        if self.attempts >= read_setting(self.env, "max_attempts"):
            self._mark_failed(step, f"gave up after {self.attempts} attempts: {error}")
            return
        delay = read_setting(self.env, "retry_delay_seconds") * 2 ** (self.attempts - 1)
        retry_at = fields.Datetime.now() + timedelta(seconds=delay)
        self.write(
            {
                "state": "queued",
                "progress": f"Retry {self.attempts + 1} scheduled ({step} was busy)",
                "next_attempt_at": retry_at,
                "started_at": False,
            }
        )
        self._trigger_processing(retry_at)

    def _mark_failed(self, step, message, error_traceback=False):
        self.write(
            {
                **self._end_values("failed", f"Failed while {step}"),
                "error": message,
                "error_traceback": error_traceback,
            }
        )
        self._message_log(
            body=self.env._(
                "Processing failed while %(step)s: %(error)s", step=step, error=message
            )
        )

    def _company_total(self, order):
        """``order``'s total in this request's company currency."""
        return order.currency_id._convert(
            order.amount_total, self.currency_id, self.company_id, order.date_order
        )

    def _mark_completed(self, flow):
        self.write(
            {
                **self._end_values("completed", "Completed"),
                "partner_id": flow.partner.id,
                "user_id": flow.salesperson.id,
                "team_id": flow.team.id,
                "opportunity_id": flow.opportunity.id,
                "sale_order_id": flow.order.id,
                "amount_total": self._company_total(flow.order),
                "steps": flow.steps,
            }
        )
        self._message_log(
            body=Markup(
                self.env._(
                    "Quotation %(order)s created for opportunity %(opportunity)s."
                )
            )
            % {
                "order": flow.order._get_html_link(),
                "opportunity": flow.opportunity._get_html_link(),
            }
        )

    def _requeue_abandoned(self):
        """Requeue requests left in processing by a worker that died."""
        started_before = fields.Datetime.now() - ABANDONED_AFTER
        abandoned = self.search(
            [
                ("state", "=", "processing"),
                ("started_at", "<", started_before),
            ]
        ).try_lock_for_update()
        for request in abandoned:
            # A live worker holds its request's row lock, so only abandoned
            # requests can be locked here.
            if request.attempts >= read_setting(self.env, "max_attempts"):
                request._mark_failed(
                    "processing", "the worker processing it stopped responding"
                )
                request._enqueue_audit()
                continue
            request.write(
                {
                    "state": "queued",
                    "progress": "Requeued after a stalled attempt",
                    "started_at": False,
                    "next_attempt_at": False,
                }
            )
            request._message_log(
                body=self.env._(
                    "Requeued: the worker processing it stopped responding."
                )
            )
        return abandoned

    @api.model
    def _cron_process_queue(self):
        """Cron: process queued requests, a locked batch at a time."""
        Cron = self.env["ir.cron"]
        if self._requeue_abandoned():
            Cron._commit_progress(0)
        queued = Domain("state", "=", "queued") & (
            Domain("next_attempt_at", "=", False)
            | Domain("next_attempt_at", "<=", fields.Datetime.now())
        )
        for candidate in self.search(
            queued, limit=read_setting(self.env, "batch_size"), order="id"
        ):
            request = candidate.try_lock_for_update()
            if not request or request.state != "queued":
                continue  # another worker has it
            request._start_attempt()
            attempt = request.attempts
            # Committed so the UI and the status route show "processing", and
            # a worker that dies from here on leaves a request to requeue.
            Cron._commit_progress(0)
            # The commit released the row lock; hold it again while the flow
            # runs, so that no other run takes this request as abandoned. If
            # one did in the gap, the request is no longer this attempt's.
            request = request.try_lock_for_update()
            if request and (request.state, request.attempts) == ("processing", attempt):
                request.with_company(request.company_id)._run_flow()
            if not Cron._commit_progress(1):
                break
        # Calls are attached once their requests have ended, so after these.
        calls_left = self.env["quotation.call.event"]._process_pending()
        # Any remaining requests or calls make the cron run again straight away.
        Cron._commit_progress(remaining=self.search_count(queued) + calls_left)
        self.env["quotation.request.audit"]._trigger_shipping()
