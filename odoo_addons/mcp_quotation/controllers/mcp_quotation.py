import json

from odoo import http
from odoo.http import request

from ..exceptions import QuotationValidationError
from ..tools.api import API_PATH, SEED_STATUS_PATH, SEED_SUBMIT_PATH, json_error

MAX_BODY_BYTES = 64 * 1024


class McpQuotationController(http.Controller):
    @http.route(
        [API_PATH, SEED_SUBMIT_PATH],
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def submit_quotation_request(self):
        """Store a quotation request and answer at once with its tracking id."""
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY_BYTES:
            return self._too_large()
        # Cached: Odoo re-runs the whole handler after a concurrency error.
        # A chunked body has no Content-Length, so measure what was read too.
        raw = httprequest.get_data()
        if len(raw) > MAX_BODY_BYTES:
            return self._too_large()
        try:
            body = json.loads(raw)
        except ValueError:
            return json_error(400, "bad_request", "The body is not valid JSON.")
        try:
            acknowledgement = request.env["quotation.request"].submit_request(
                body,
                idempotency_key=httprequest.headers.get("Idempotency-Key"),
                source="webhook",
            )
        except QuotationValidationError as error:
            return json_error(
                422,
                "validation_error",
                "The quotation request is invalid; nothing was stored.",
                errors=error.errors,
            )
        status = 202 if acknowledgement.pop("created") else 200
        return request.make_json_response(acknowledgement, status=status)

    @http.route(
        [
            f"{API_PATH}/<string:tracking_id>",
            f"{SEED_STATUS_PATH}/<string:tracking_id>",
        ],
        type="http",
        auth="bearer",
        methods=["GET"],
        readonly=True,
        save_session=False,
    )
    def quotation_request_status(self, tracking_id):
        """The request's status document."""
        quotation_request = request.env["quotation.request"].search(
            [("tracking_id", "=", tracking_id)], limit=1
        )
        if not quotation_request:
            return json_error(
                404,
                "not_found",
                f"No quotation request with tracking id {tracking_id!r}.",
            )
        # Found with the caller's rights; the linked order, opportunity and
        # customer are part of the answer even where the caller can't open them.
        return request.make_json_response(quotation_request.sudo()._status_document())

    def _too_large(self):
        return json_error(
            413,
            "payload_too_large",
            f"The body must be at most {MAX_BODY_BYTES} bytes.",
        )
