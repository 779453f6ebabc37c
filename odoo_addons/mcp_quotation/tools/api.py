"""The quotation API's contract: its paths and its one error shape.

Routes raise; ``ir.http._handle_error`` turns every error on these paths into
``{"error": code, "message": text}`` (plus ``errors`` for 422) with this table.
"""

from odoo.http import request

API_PATH = "/mcp_quotation/v1/quotations"
# Legacy paths: the earlier system's, kept for callers configured against it.
LEGACY_SUBMIT_PATH = "/api/quotation/async"
LEGACY_STATUS_PATH = "/api/quotation/status"
# Every path under these answers errors in the API's shape, unknown ones too.
API_PREFIXES = ("/mcp_quotation/v1", "/api/quotation")
# Larger bodies are refused before they are read further; the bridge, which
# proxies to these routes, refuses them too.
MAX_BODY_BYTES = 64 * 1024

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
}
UNAUTHORIZED_MESSAGE = "A valid Odoo API key is required: Authorization: Bearer <key>."
FORBIDDEN_MESSAGE = "This API key's user may not do that."
INTERNAL_ERROR_MESSAGE = "Internal error; nothing was stored."
BAD_JSON_MESSAGE = "The body is not valid JSON."


def body_too_large_message(limit):
    return f"The body must be at most {limit} bytes."


BODY_TOO_LARGE_MESSAGE = body_too_large_message(MAX_BODY_BYTES)
VALIDATION_MESSAGE = "The quotation request is invalid; nothing was stored."


def is_api_path(path):
    """Whether ``path`` is one of the API's, or under its prefixes."""
    return any(
        path == prefix or path.startswith(f"{prefix}/") for prefix in API_PREFIXES
    )


def json_error(status, message, **extra):
    """``{"error": <the status's code>, "message": message, ...}`` as a response."""
    return request.make_json_response(
        {"error": ERROR_CODES[status], "message": message, **extra}, status=status
    )
