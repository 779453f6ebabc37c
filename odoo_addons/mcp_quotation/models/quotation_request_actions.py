"""What the sales team's buttons do to quotation requests: retry, withdraw or
dismiss, process now, open the quotation or the opportunity; one at a time or
in bulk, acting on what can be acted on and naming the rest."""

from odoo import api, models
from odoo.exceptions import UserError

from ..contract import FAILED, QUEUED


class QuotationRequestActions(models.Model):
    _inherit = "quotation.request"

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

    def _able_or_report(self, states, refusal):
        """The requests in ``states``, and the notification naming the others.

        A bulk action acts on what it can; a button on a screen that is out of
        date (the queue moved the request meanwhile) says what happened and
        shows the request as it now is.
        """
        able = self.filtered(lambda request: request.state in states)
        skipped = self - able
        if not skipped:
            return able, None
        labels = dict(self._fields["state"]._description_selection(self.env))
        names = ", ".join(
            f"{request.name} ({labels[request.state]})" for request in skipped
        )
        notification = {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if able else "danger",
                "title": self.env._(
                    "%(done)s of %(total)s requests done",
                    done=len(able),
                    total=len(self),
                ),
                "message": self.env._(
                    "%(refusal)s; skipped: %(names)s", refusal=refusal, names=names
                ),
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
        return able, notification

    def action_retry(self):
        """Put failed requests back in the queue, the last attempt's times cleared."""
        able, report = self._able_or_report(
            (FAILED,), self.env._("Only failed requests can be retried")
        )
        able.write(
            {
                **able._requeue_values(self.env._("Queued")),
                "error": False,
                "error_traceback": False,
                "completed_at": False,
                "duration": 0.0,
                "turnaround": 0.0,
            }
        )
        able._log_action(self.env._("Retry requested."))
        if able:
            able._trigger_processing()
        return report

    def action_cancel(self):
        """Withdraw queued requests, or dismiss failed ones."""
        able, report = self._able_or_report(
            (QUEUED, FAILED),
            self.env._(
                "Only queued requests can be withdrawn, or failed ones dismissed"
            ),
        )
        able._cancel()
        able._log_action(self.env._("Cancelled."))
        able._enqueue_audit()
        self.env["quotation.request.audit"]._trigger_shipping()
        return report

    def action_process_now(self):
        """Process queued requests now, in this transaction, not in the cron."""
        able, report = self._able_or_report(
            (QUEUED,), self.env._("Only queued requests can be processed")
        )
        able._log_action(self.env._("Processing requested."))
        for request in able.sudo().try_lock_for_update():
            request._start_attempt()
            request.with_company(request.company_id)._run_flow()
        self.env["quotation.request.audit"]._trigger_shipping()
        return report

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
