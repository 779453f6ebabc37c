"""The quotation API's paths and its one error shape (shared by the controller
and ``ir.http``'s error handler)."""

from odoo.http import request

API_PATH = "/mcp_quotation/v1/quotations"
# The earlier system's paths, kept for callers configured against it.
SEED_SUBMIT_PATH = "/api/quotation/async"
SEED_STATUS_PATH = "/api/quotation/status"
API_PATH_PREFIXES = (API_PATH, SEED_SUBMIT_PATH, SEED_STATUS_PATH)


def json_error(status, code, message, **extra):
    """Return ``{"error": code, "message": message, ...}`` with ``status``."""
    return request.make_json_response(
        {"error": code, "message": message, **extra}, status=status
    )
