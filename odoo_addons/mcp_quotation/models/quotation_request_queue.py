"""The queue: a request's state machine and the crons that run it.

claim (``_claim_due``, ``_start_attempt``) -> run (``_run_flow``) -> finish
(``_mark_completed`` or ``_mark_failed``), or retry (``_schedule_retry``) on a
``RetryableError``; ``_requeue_abandoned`` takes back the requests of a worker
that died. As in OCA's ``queue_job`` (``job.py`` beside ``models/queue_job.py``),
this is kept apart from the request's fields, screens and API documents.

Several cron threads and servers drain the queue at once, one *lane* each
(``quotation_request_lanes.py``); each claims its own requests with
``FOR UPDATE SKIP LOCKED``.
"""

import logging
import time
import traceback
from contextlib import contextmanager
from datetime import datetime, timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL

from ..contract import CANCELLED, COMPLETED, FAILED, PROCESSING, QUEUED
from ..exceptions import QuotationFailure, RetryableError
from ..lib.settings import read_setting
from ..quotation_flow import QuotationFlow
from ..xml_ids import processing_cron

_logger = logging.getLogger(__name__)

# The only failures retried: another transaction held the rows the flow
# needed, nothing is wrong with the request itself.
BUSY_DATABASE_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
)
# A live worker holds its request's row lock for the whole flow, except
# between committing "processing" and locking the row again: a request in
# processing whose row lock is free after this grace has no live worker.
ABANDONED_AFTER = timedelta(seconds=10)
# The first key of the two-key advisory locks held on a customer, so that
# they never meet another application's locks.
CUSTOMER_LOCK_SPACE = 0x6D637071  # "mcpq"


def run_retryable(flow):
    """Run ``flow``; a busy database is raised as a ``RetryableError``."""
    try:
        flow.run()
    except BUSY_DATABASE_ERRORS as error:
        raise RetryableError(str(error)) from error


class QuotationRequestQueue(models.Model):
    _inherit = "quotation.request"

    # ------------------------------------------------------------------
    # States
    # ------------------------------------------------------------------

    def _seconds_since_creation(self):
        return max((datetime.now() - self.create_date).total_seconds(), 0.0)

    def _end_values(self, state, progress):
        return {
            "state": state,
            "progress": progress,
            "completed_at": fields.Datetime.now(),
            "turnaround": self._seconds_since_creation(),
        }

    def _requeue_values(self, progress):
        """A queued request's values, the last attempt's times cleared."""
        return {
            "state": QUEUED,
            "progress": progress,
            "started_at": False,
            "next_attempt_at": False,
        }

    def _notes_lang(self):
        """The language of the notes: the submitting user's, else the company's."""
        return self.create_uid.lang or self.company_id.partner_id.lang or "en_US"

    def _cancel(self):
        for request in self:
            request.write(request._end_values(CANCELLED, self.env._("Cancelled")))

    def _enqueue_audit(self):
        self.env["quotation.request.audit"]._enqueue(self)

    def _trigger_processing(self, at=None):
        """Have every lane run at ``at`` (now by default): one trigger each,
        one wake-up of the cron workers."""
        now = fields.Datetime.now()
        at = at or now
        crons = processing_cron(self.env) | self._lanes()
        self.env["ir.cron.trigger"].sudo().create(
            [{"cron_id": cron.id, "call_at": at} for cron in crons]
        )
        if at <= now:
            # What each cron's ``_trigger`` does, once: a woken cron worker
            # runs every due cron, and each wake-up is a new connection to the
            # "postgres" database (Odoo pools none of those), made before the
            # webhook's answer is sent. ``_trigger`` would also read each cron.
            self.env.cr.postcommit.add(self.env["ir.cron"]._notifydb)

    def _start_attempt(self):
        if not self.attempts:
            # The "accepted" audit document and the chatter's receipt note,
            # written here rather than on the webhook's path; the request
            # still holds its accepted state.
            self._enqueue_audit()
            self._log_receipt()
        self.write(
            {
                "state": PROCESSING,
                "progress": self.env._("Processing"),
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
                run_retryable(flow)
        except RetryableError as error:
            self._schedule_retry(flow.step, error)
        except QuotationFailure as error:
            # The sales team's to fix, and its message says how: no traceback.
            _logger.info("Quotation request %s refused: %s", self.name, error)
            self._mark_failed(flow.step, str(error))
        except Exception as error:  # any failure becomes data
            _logger.exception(
                "Quotation request %s failed while %s", self.name, flow.step
            )
            self._mark_failed(flow.step, str(error), traceback.format_exc())
        else:
            self._mark_completed(flow)
        self.duration = time.perf_counter() - started
        self._enqueue_audit()

    def _schedule_retry(self, step, error):
        """Queue the request again, with backoff, or fail it after its last try."""
        if self.attempts >= read_setting(self.env, "max_attempts"):
            self._mark_failed(
                step,
                self.env._(
                    "gave up after %(attempts)s attempts: %(error)s",
                    attempts=self.attempts,
                    error=error,
                ),
            )
            return
        delay = read_setting(self.env, "retry_delay_seconds") * 2 ** (self.attempts - 1)
        retry_at = fields.Datetime.now() + timedelta(seconds=delay)
        self.write(
            {
                **self._requeue_values(
                    self.env._(
                        "Retry %(attempt)s scheduled (%(step)s was busy)",
                        attempt=self.attempts + 1,
                        step=step,
                    )
                ),
                "next_attempt_at": retry_at,
            }
        )
        self._trigger_processing(retry_at)

    def _mark_failed(self, step, message, error_traceback=False):
        self.write(
            {
                **self._end_values(
                    FAILED, self.env._("Failed while %(step)s", step=step)
                ),
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
                **self._end_values(COMPLETED, self.env._("Completed")),
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

    # ------------------------------------------------------------------
    # The cron's duties
    # ------------------------------------------------------------------

    def _requeue_abandoned(self):
        """Requeue requests left in processing by a worker that died."""
        started_before = fields.Datetime.now() - ABANDONED_AFTER
        abandoned = self.search(
            [
                ("state", "=", PROCESSING),
                ("started_at", "<", started_before),
            ]
        ).try_lock_for_update()
        for request in abandoned:
            # A live worker holds its request's row lock, so only abandoned
            # requests can be locked here.
            if request.attempts >= read_setting(self.env, "max_attempts"):
                request._mark_failed(
                    self.env._("processing"),
                    self.env._("the worker processing it stopped responding"),
                )
                request._enqueue_audit()
                continue
            request.write(
                request._requeue_values(self.env._("Requeued after a stalled attempt"))
            )
            request._message_log(
                body=self.env._(
                    "Requeued: the worker processing it stopped responding."
                )
            )
        return abandoned

    @api.model
    def _due_domain(self):
        """The queued requests whose (next) attempt is due."""
        return [
            ("state", "=", QUEUED),
            "|",
            ("next_attempt_at", "=", False),
            ("next_attempt_at", "<=", fields.Datetime.now()),
        ]

    @api.model
    def _claim_due(self, tried):
        """Lock the next due request that no other worker holds and that is
        not in ``tried``, or none.

        Called first in its transaction. One statement: a candidate another
        worker has locked is skipped; one another worker committed after this
        transaction's snapshot makes the statement fail, and the claim is then
        made again in a new transaction.
        """
        query = self._search(
            [*self._due_domain(), ("id", "not in", tried)], order="id", limit=1
        )
        while True:
            try:
                rows = self.env.execute_query(
                    SQL("%s FOR UPDATE SKIP LOCKED", query.select())
                )
            except pg_errors.SerializationFailure:
                self.env.cr.rollback()  # nothing else is pending: see above
                continue
            return self.browse(request_id for [request_id] in rows)

    @contextmanager
    def _customer_locked(self):
        """Hold this request's customer, as ``QuotationFlow.customer_keys``
        names it, until the block ends; wait while another worker holds it.

        Session locks, taken before the commit that starts the flow's
        transaction and released after the one that ends it: the flow's
        snapshot then shows the partner an earlier request for the same new
        customer created, so two such requests make one partner.
        """
        cr = self.env.cr
        keys = sorted(QuotationFlow.customer_keys(self))
        for key in keys:  # always in one order: two workers cannot deadlock
            cr.execute(
                SQL(
                    "SELECT pg_advisory_lock(%s, hashtext(%s))",
                    CUSTOMER_LOCK_SPACE,
                    key,
                )
            )
        try:
            yield
        except BaseException:
            cr.rollback()  # an aborted transaction cannot release the locks
            raise
        finally:
            for key in keys:
                cr.execute(
                    SQL(
                        "SELECT pg_advisory_unlock(%s, hashtext(%s))",
                        CUSTOMER_LOCK_SPACE,
                        key,
                    )
                )

    @api.model
    def _process_due(self):
        """Process due requests, one committed attempt each, until a batch is
        done or none is left that another worker does not hold.

        Returns how many due requests are left for this worker.
        """
        Cron = self.env["ir.cron"]
        tried = []  # once each per batch, as a requeued one is due again
        for _ in range(read_setting(self.env, "batch_size")):
            request = self._claim_due(tried)
            if not request:
                return 0  # the due requests left are other workers'
            tried.append(request.id)
            # The cron has no language: the notes follow the submitter's.
            request = request.with_context(lang=request._notes_lang())
            request._start_attempt()
            attempt = request.attempts
            with request._customer_locked():
                # Committed so the UI and the status route show "processing",
                # and a worker that dies from here on leaves a request to
                # requeue.
                Cron._commit_progress(0)
                # The commit released the row lock; hold it again while the
                # flow runs, so that no other run takes this request as
                # abandoned. If one did in the gap, the request is no longer
                # this attempt's.
                request = request.try_lock_for_update()
                if request and (request.state, request.attempts) == (
                    PROCESSING,
                    attempt,
                ):
                    request.with_company(request.company_id)._run_flow()
                time_left = Cron._commit_progress(1)
            if not time_left:
                break
        return self.search_count(self._due_domain())

    @api.model
    def _cron_process_queue(self):
        """Cron of the first lane: match the lanes to the setting, requeue
        abandoned requests, process due ones, then attach the calls of ended
        requests and have their audit documents shipped."""
        Cron = self.env["ir.cron"]
        self._sync_lanes()
        self._requeue_abandoned()
        Cron._commit_progress(0)  # a claim comes first in its transaction
        requests_left = self._process_due()
        # Calls are attached once their requests have ended, so after these.
        calls_left = self.env["quotation.call.event"]._process_pending()
        # Any remaining requests or calls make the cron run again straight away.
        Cron._commit_progress(remaining=requests_left + calls_left)
        self.env["quotation.request.audit"]._trigger_shipping()
