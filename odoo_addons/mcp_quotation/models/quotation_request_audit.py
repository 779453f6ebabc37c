import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import config

from ..lib.audit_document import audit_document, audit_key
from ..lib.audit_store import AuditStoreError, LocalAuditStore, S3AuditStore
from ..lib.settings import read_setting
from ..xml_ids import shipping_cron

_logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_RETRY_DELAY = timedelta(hours=1)


class QuotationRequestAudit(models.Model):
    """Outbox of audit documents waiting to be shipped.

    Each row is the request's document as it was at one moment (accepted,
    ended), written in the same transaction as that change and shipped by a
    cron after commit: never on the webhook's path, and never lost when the
    store is down. Shipped rows are deleted.
    """

    _name = "quotation.request.audit"
    _description = "Quotation Request Audit Document"
    _order = "id"

    request_id = fields.Many2one(
        "quotation.request", required=True, ondelete="cascade", index=True
    )
    key = fields.Char(required=True)
    document = fields.Json(required=True)
    attempts = fields.Integer()
    next_attempt_at = fields.Datetime(index=True)
    last_error = fields.Char()

    @api.model
    def _store(self):
        """The configured store: S3 when a bucket is set, else a local folder."""

        def setting(name):
            return read_setting(self.env, name)

        if bucket := setting("s3_bucket"):
            return S3AuditStore(
                bucket,
                region=setting("s3_region"),
                endpoint_url=setting("s3_endpoint_url"),
                access_key_id=setting("s3_access_key_id"),
                secret_access_key=setting("s3_secret_access_key"),
            )
        folder = setting("log_folder") or self._default_log_folder()
        return LocalAuditStore(folder)

    @api.model
    def _default_log_folder(self):
        return f"{config['data_dir']}/mcp_quotation_logs/{self.env.cr.dbname}"

    @api.model
    def _enqueue(self, requests):
        """Snapshot each request's audit document into the outbox.

        Shipping is not triggered here: the processing cron triggers it after
        each run, so an S3 upload never competes with a quotation.
        """
        prefix = read_setting(self.env, "s3_prefix")
        now = fields.Datetime.now()
        self.sudo().create(
            [
                {
                    "request_id": request.id,
                    "key": audit_key(prefix, request.tracking_id, request.create_date),
                    "document": audit_document(
                        tracking_id=request.tracking_id,
                        created_at=request.create_date,
                        status=request.state,
                        input_data=request.payload,
                        output=request._result(),
                        error=request.error or None,
                        updated_at=now,
                    ),
                }
                for request in requests
            ]
        )

    @api.model
    def _trigger_shipping(self, at=None):
        shipping_cron(self.env)._trigger(at)

    @api.model
    def _cron_ship(self):
        """Cron: ship pending documents, oldest first; failures wait and retry."""
        Cron = self.env["ir.cron"]
        now = fields.Datetime.now()
        due = [
            "|",
            ("next_attempt_at", "=", False),
            ("next_attempt_at", "<=", now),
        ]
        pending = self.search(due, limit=BATCH_SIZE).try_lock_for_update()
        if not pending:
            return
        store = None
        shipped = self.browse()
        for document in pending:
            try:
                store = store or self._store()
                store.put(document.key, document.document)
            except AuditStoreError as error:
                document._postpone(str(error))
                _logger.warning(
                    "Audit document %s not shipped: %s", document.key, error
                )
                # The store is down: keep the order, try the rest later.
                break
            shipped |= document
        shipped.unlink()
        remaining = self.search_count(due)
        Cron._commit_progress(len(pending), remaining=remaining)
        if not remaining and (
            waiting := self.search([], order="next_attempt_at", limit=1)
        ):
            self._trigger_shipping(waiting.next_attempt_at)

    def _postpone(self, error):
        delay = min(timedelta(seconds=10 * 2**self.attempts), MAX_RETRY_DELAY)
        # Later documents wait behind this one, so that they keep their order.
        self.search([("id", ">=", self.id)]).write(
            {"next_attempt_at": fields.Datetime.now() + delay}
        )
        self.write({"attempts": self.attempts + 1, "last_error": error})
