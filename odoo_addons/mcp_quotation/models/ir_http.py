import logging

from werkzeug.exceptions import HTTPException, MethodNotAllowed

from odoo import models
from odoo.exceptions import AccessDenied, AccessError
from odoo.http import request

from ..contract import (
    ERROR_CODES,
    FORBIDDEN_MESSAGE,
    INTERNAL_ERROR_MESSAGE,
    UNAUTHORIZED_MESSAGE,
    VALIDATION_MESSAGE,
    is_api_path,
    translated,
)
from ..exceptions import (
    InvalidSignature,
    QuotationValidationError,
    SubmissionLimited,
)

_logger = logging.getLogger(__name__)


def json_error(status, message, **extra):
    """``{"error": <the status's code>, "message": message, ...}`` as a response.

    The code stays English; the messages are read in the API key's user's
    language once the key is checked, in English before.
    """
    body = {"error": ERROR_CODES[status], "message": message, **extra}
    env = request.env
    if env and env.uid and env.uid not in env["ir.http"]._get_public_users():
        body = translated(body, env._)
    return request.make_json_response(body, status=status)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_bearer(cls):
        """On the quotation API, speak the API key's user's language."""
        result = super()._auth_method_bearer()
        if is_api_path(request.httprequest.path):
            # A stateless call's context has the Accept-Language, not the
            # user's: the messages a voice agent reads and what the request
            # writes at once follow the user's language instead, as Odoo's
            # cached context_get() has it (user.lang read the user's partner
            # at every call).
            user_context = request.env["res.users"].context_get()
            request.update_context(lang=user_context.get("lang") or "en_US")
        return result

    @classmethod
    def _handle_error(cls, exception):
        """Answer every error on the quotation API in its JSON shape, no traceback."""
        if not is_api_path(request.httprequest.path):
            return super()._handle_error(exception)
        code = getattr(exception, "code", None)
        if isinstance(exception, InvalidSignature):
            # Signed by its sender, not an Odoo API key: no Bearer challenge.
            return json_error(401, exception.description)
        if isinstance(exception, HTTPException) and code == 401:
            response = json_error(401, UNAUTHORIZED_MESSAGE)
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if isinstance(exception, HTTPException) and code in ERROR_CODES:
            response = json_error(code, exception.description)
            if isinstance(exception, MethodNotAllowed) and exception.valid_methods:
                response.headers["Allow"] = ", ".join(exception.valid_methods)
            if isinstance(exception, SubmissionLimited):
                response.headers["Retry-After"] = str(exception.retry_after)
            return response
        if isinstance(exception, QuotationValidationError):
            message = getattr(exception, "api_message", VALIDATION_MESSAGE)
            return json_error(422, message, errors=exception.errors)
        if isinstance(exception, (AccessDenied, AccessError)):
            return json_error(403, FORBIDDEN_MESSAGE)
        _logger.exception("Quotation API error on %s", request.httprequest.path)
        return json_error(500, INTERNAL_ERROR_MESSAGE)
