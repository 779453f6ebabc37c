import json

from werkzeug.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
)

from odoo import http
from odoo.http import request

from ..contract import (
    BAD_JSON_MESSAGE,
    LEGACY_STATUS_PATH,
    LEGACY_SUBMIT_PATH,
    MAX_BODY_BYTES,
    OPENAPI_PATH,
    QUOTATIONS_PATH,
    body_too_large_message,
)
from ..lib.openapi import published_document


def require_method(method):
    """Refuse any other method than ``method`` with 405."""
    # The routes match every method, so that a wrong one reaches
    # ir.http._handle_error and is answered in the API's shape.
    if request.httprequest.method != method:
        raise MethodNotAllowed(valid_methods=[method])


def read_body(httprequest, limit=MAX_BODY_BYTES):
    """The request's body, refused above ``limit`` bytes before it is parsed."""
    if (httprequest.content_length or 0) <= limit:
        # Cached: Odoo re-runs the whole handler after a concurrency error.
        raw = httprequest.get_data()
        # A chunked body has no Content-Length, so measure what was read too.
        if len(raw) <= limit:
            return raw
    raise RequestEntityTooLarge(body_too_large_message(limit))


class McpQuotationController(http.Controller):
    @http.route(
        [QUOTATIONS_PATH, LEGACY_SUBMIT_PATH],
        type="http",
        auth="bearer",
        csrf=False,
        save_session=False,
    )
    def submit_quotation_request(self):
        """Store a quotation request and answer at once with its tracking id."""
        require_method("POST")
        try:
            body = json.loads(read_body(request.httprequest))
        except ValueError as error:
            raise BadRequest(BAD_JSON_MESSAGE) from error
        acknowledgement = request.env["quotation.request"]._submit_request(
            body,
            idempotency_key=request.httprequest.headers.get("Idempotency-Key"),
            source="webhook",
        )
        status = 202 if acknowledgement.pop("created") else 200
        return request.make_json_response(acknowledgement, status=status)

    @http.route(
        [
            f"{QUOTATIONS_PATH}/<string:tracking_id>",
            f"{LEGACY_STATUS_PATH}/<string:tracking_id>",
        ],
        type="http",
        auth="bearer",
        csrf=False,
        readonly=True,
        save_session=False,
    )
    def quotation_request_status(self, tracking_id):
        """The request's status document."""
        require_method("GET")
        # PostgreSQL's text cannot hold NUL: no request has such an id.
        quotation_request = "\x00" not in tracking_id and request.env[
            "quotation.request"
        ].search([("tracking_id", "=", tracking_id)], limit=1)
        if not quotation_request:
            raise NotFound(
                request.env._(
                    "No quotation request with tracking id %(id)r.", id=tracking_id
                )
            )
        # Found with the caller's rights; the linked order, opportunity and
        # customer are part of the answer even where the caller can't open them.
        return request.make_json_response(quotation_request.sudo()._status_document())

    @http.route(
        OPENAPI_PATH,
        type="http",
        auth="public",
        csrf=False,
        readonly=True,
        save_session=False,
    )
    def openapi_document(self):
        """The API's OpenAPI 3.1 document; cacheable, revalidated by its ETag."""
        require_method("GET")
        body, etag = published_document()
        response = request.make_response(
            body,
            headers=[
                ("Content-Type", "application/json"),
                ("Cache-Control", "public, max-age=3600"),
            ],
        )
        response.set_etag(etag)
        return response.make_conditional(request.httprequest)
