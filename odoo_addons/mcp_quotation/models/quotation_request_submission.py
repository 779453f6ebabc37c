"""A request as the API sees it: its submission, and the documents answered.

``_submit_request`` is the one way in for the webhook route and the bridge
(both through ``POST /mcp_quotation/v1/quotations``); it is private, so it is
not also reachable through Odoo's JSON-2 API with fewer checks than the route.
"""

import math

from psycopg2 import errors as pg_errors

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tools import SQL

from ..contract import (
    COMPLETED,
    PROCESSING,
    QUEUE_FULL_RETRY_SECONDS,
    QUEUED,
    QUOTATIONS_PATH,
    queue_full_message,
    rate_limit_message,
    translated,
)
from ..exceptions import QuotationValidationError, SubmissionLimited
from ..lib.payload import parse_payload, strip_secrets
from ..lib.settings import read_setting
from ..lib.wait_estimate import ESTIMATE_SAMPLE, describe_wait, estimated_seconds
from ..quotation_flow import STEPS
from ..series import ConcurrencyError, Index
from ..submission_references import resolve_lines, sales_assignment_errors

# The states a request waits in: the wait estimate counts those ahead, and the
# queue's depth is theirs.
WAITING_STATES = (QUEUED, PROCESSING)
# The window of the per-user rate.
RATE_WINDOW_SECONDS = 60
# Serializes one user's submissions that its rate may still accept, across
# workers and servers, from their last count to their commit (the second key:
# the user's id).
RATE_LOCK_KEY = 0x6D637071  # "mcpq"


class QuotationRequestSubmission(models.Model):
    _inherit = "quotation.request"

    # The per-user rate counts a user's requests of the last minute with it.
    _create_uid_create_date_index = Index("(create_uid, create_date)")

    # ------------------------------------------------------------------
    # Submitting (the one entry point for the webhook and the bridge)
    # ------------------------------------------------------------------

    @api.model
    def _submit_request(self, payload, idempotency_key=None, source="bridge"):
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
            raise QuotationValidationError(self.env, errors)
        existing = self._find_by_idempotency_key(values["idempotency_key"])
        if existing:
            return {"created": False, **existing._acknowledgement()}
        lines, record_errors = resolve_lines(self.env, values["lines"])
        errors += record_errors + sales_assignment_errors(self.env, values)
        if errors:
            raise QuotationValidationError(self.env, errors)
        # Last before the insert: the user's lock it may take is held from
        # here to the commit only.
        self._check_submission_limits()
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
            # transaction is lost; Odoo's `retrying` runs the whole HTTP
            # request again, and then it finds that row.
            raise ConcurrencyError("idempotency key submitted concurrently") from error
        return {"created": True, **request._acknowledgement()}

    @api.model
    def _check_submission_limits(self):
        """Refuse a new request above the user's rate or the queue's depth.

        Counted in the database, so the limits hold across workers and
        servers. A first count, in this transaction, refuses a client over
        either limit at once, without waiting for anything. Under a rate, a
        request it lets through is counted again under the user's lock, held
        until this transaction ends, so that one user's concurrent submissions
        are accepted one after the other and exactly up to the rate; that
        count runs in a cursor of its own because this transaction's snapshot
        (Odoo's REPEATABLE READ) may predate the requests committed while it
        waited. The queue's depth alone takes no lock: a few concurrent
        submissions past it are harmless, while the lock would make every
        submission of one key (a voice agent's) wait for the one before.
        """
        rate = read_setting(self.env, "rate_limit_per_minute")
        depth = read_setting(self.env, "max_queue_depth")
        if rate <= 0 and depth <= 0:
            return
        self._refuse_over_limits(rate, depth, self.env.cr)
        if rate > 0:
            self.env.cr.execute(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", RATE_LOCK_KEY, self.env.uid)
            )
            with self.env.registry.cursor() as cr:
                self._refuse_over_limits(rate, depth, cr)

    def _refuse_over_limits(self, rate, depth, cr):
        """Raise ``SubmissionLimited`` when the counts read through ``cr`` are
        at the user's ``rate`` or the queue's ``depth`` (0: no limit)."""
        recent, oldest, waiting = self._submission_counts(cr)
        if 0 < rate <= recent:
            # On the clock that stamped create_date (a test's is not the
            # database's).
            age = (self.env.cr.now() - oldest).total_seconds()
            wait = math.ceil(RATE_WINDOW_SECONDS - age)
            raise SubmissionLimited(
                rate_limit_message(rate),
                retry_after=min(RATE_WINDOW_SECONDS, max(1, wait)),
            )
        if 0 < depth <= waiting:
            raise SubmissionLimited(
                queue_full_message(waiting),
                retry_after=QUEUE_FULL_RETRY_SECONDS,
            )

    def _submission_counts(self, cr):
        """``(recent, oldest, waiting)``: this user's requests in the rate's
        window and the oldest one's date, and the requests waiting in the
        queue; from the indexes on (create_uid, create_date) and (state, id)."""
        cr.execute(
            SQL(
                """
                SELECT count(*),
                       min(create_date),
                       (SELECT count(*) FROM quotation_request
                         WHERE state IN %(waiting)s)
                  FROM quotation_request
                 WHERE create_uid = %(uid)s
                   AND create_date > (now() AT TIME ZONE 'UTC')
                                     - make_interval(secs => %(window)s)
                """,
                uid=self.env.uid,
                window=RATE_WINDOW_SECONDS,
                waiting=WAITING_STATES,
            )
        )
        return cr.fetchone()

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
        return f"{QUOTATIONS_PATH}/{self.tracking_id}"

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
            "estimated_time": translated(
                describe_wait(self._estimated_wait()), self.env._
            ),
        }

    def _estimated_wait(self):
        """Seconds until this request ends, from the queue ahead and recent pace."""
        if self.state not in WAITING_STATES:
            return 0.0
        self.flush_model(["state", "duration"])
        # One query on the (state, id) index: the acknowledgement must stay as
        # fast as the webhook's own answer.
        self.env.cr.execute(
            SQL(
                """
                SELECT (SELECT count(*) FROM quotation_request
                         WHERE state IN %(waiting)s AND id < %(id)s),
                       (SELECT avg(duration) FROM (
                            SELECT duration FROM quotation_request
                             WHERE state = %(completed)s
                             ORDER BY id DESC LIMIT %(sample)s) AS recent)
                """,
                id=self.id,
                sample=ESTIMATE_SAMPLE,
                waiting=WAITING_STATES,
                completed=COMPLETED,
            )
        )
        ahead, pace = self.env.cr.fetchone()
        return estimated_seconds(ahead, pace)

    def _record_url(self, record):
        return (
            f"{self.get_base_url()}/odoo/{record._name}/{record.id}" if record else None
        )

    def _result(self):
        if self.state != COMPLETED:
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
