"""The mcp_quotation addon's HTTP contract as the bridge relies on it: paths,
limits, states and error codes. Plain constants, importable by anything.

The addon declares the same names in ``odoo_addons/mcp_quotation/contract.py``;
the two must stay equal.
"""

from __future__ import annotations

QUOTATIONS_PATH = "/mcp_quotation/v1/quotations"
PRODUCTS_PATH = "/mcp_quotation/v1/products"
# The seed system's paths (the in-memory queue this addon replaces), which the
# addon, and so the bridge, still serves for callers configured against it.
LEGACY_SUBMIT_PATH = "/api/quotation/async"
LEGACY_STATUS_PATH = "/api/quotation/status"

# The addon refuses a quotation request's body above this; so does the bridge,
# with the addon's answer, rather than forwarding it to be refused.
MAX_BODY_BYTES = 64 * 1024
# The addon's product lookup answers at most this many products.
LOOKUP_MAX_LIMIT = 50
# A quotation request has at most this many lines.
MAX_LINES = 100

STATES = ("queued", "processing", "completed", "failed", "cancelled")
FINAL_STATES = frozenset({"completed", "failed", "cancelled"})

# HTTP status -> the JSON `error` code the addon answers it with.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

# Keys whose values are redacted from stored documents (case-insensitive).
SECRET_KEY_PATTERN = (
    r"pass(word)?|secret|token|api[_-]?key|authorization|credential|cookie"
)
