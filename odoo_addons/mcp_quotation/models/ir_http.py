import logging

from werkzeug.exceptions import HTTPException

from odoo import models
from odoo.exceptions import AccessDenied, AccessError
from odoo.http import request

from ..tools.api import API_PATH_PREFIXES, json_error

_logger = logging.getLogger(__name__)

HTTP_ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """Answer errors on the quotation API in JSON, without stack traces."""
        if not request.httprequest.path.startswith(API_PATH_PREFIXES):
            return super()._handle_error(exception)
        if isinstance(exception, HTTPException) and exception.code == 401:
            response = json_error(
                401,
                "unauthorized",
                "A valid Odoo API key is required: Authorization: Bearer <key>.",
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if isinstance(exception, HTTPException) and exception.code in HTTP_ERROR_CODES:
            return json_error(
                exception.code, HTTP_ERROR_CODES[exception.code], exception.description
            )
        if isinstance(exception, (AccessDenied, AccessError)):
            return json_error(403, "forbidden", "This API key's user may not do that.")
        _logger.exception("Quotation API error on %s", request.httprequest.path)
        return json_error(500, "internal_error", "Internal error; nothing was stored.")
