"""The quotation API's contract, in one place: paths, payload, limits, states, errors.

Plain Python with no import at all: the fake Odoo (tests/fake_odoo) and the
bridge's tests load this file by path, without Odoo, and hold their own copies
to it. The addon's controllers, models, validation (``lib.payload``,
``lib.lookup``) and ElevenLabs export read it from here.

Its messages, and those of ``lib/``, are ``Text``: English strings that keep
their msgid, so that the addon can still answer in its reader's language.

"The earlier system", wherever the addon cites it, is the stand-alone webhook
service this addon replaces. Its paths (the legacy ones below), flat payload,
tracking ids and documents are kept, so that callers configured against it
keep working unchanged.
"""


class Text(str):
    """An English message that remembers its msgid and arguments.

    It reads as its English self wherever a string goes (JSON, logs, the fake
    Odoo); ``translated`` renders it with Odoo's ``env._`` in another language.
    """

    def __new__(cls, source, params):
        text = super().__new__(cls, source % params if params else source)
        text.source, text.params = source, params
        return text


def _lt(source, /, **params):
    """``source`` (with ``%(name)s`` placeholders) as a ``Text``.

    Named as Odoo's lazy ``_lt``, whose calls Odoo's term extractor reads as the
    addon's Python terms: each literal ``_lt("...")`` lands in the .pot.
    """
    return Text(source, params)


def translated(value, gettext):
    """``value`` with each ``Text`` in it (in dicts, lists and tuples too)
    rendered by ``gettext``, Odoo's ``env._`` of the reader's language."""
    if isinstance(value, Text):
        return gettext(value.source, **translated(value.params, gettext))
    if isinstance(value, dict):
        return {key: translated(item, gettext) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(translated(item, gettext) for item in value)
    return value


# Paths
QUOTATIONS_PATH = "/mcp_quotation/v1/quotations"
PRODUCTS_PATH = "/mcp_quotation/v1/products"
LEGACY_SUBMIT_PATH = "/api/quotation/async"
LEGACY_STATUS_PATH = "/api/quotation/status"
# The API's OpenAPI 3.1 document (lib/openapi.py), served without a key.
OPENAPI_PATH = "/mcp_quotation/v1/openapi.json"
# Every path under these answers errors in the API's shape, unknown ones too.
API_PREFIXES = ("/mcp_quotation/v1", "/api/quotation")

# Limits. Larger bodies are refused before they are read further; the bridge,
# which proxies to these routes, refuses them too.
MAX_BODY_BYTES = 64 * 1024
MAX_LINES = 100
MAX_NAME_LENGTH = 256
MAX_PHONE_LENGTH = 64
MAX_NOTES_LENGTH = 4096
MAX_KEY_LENGTH = 128
LOOKUP_DEFAULT_LIMIT = 5
LOOKUP_MAX_LIMIT = 50
LOOKUP_MAX_QUERY_LENGTH = 128

# The payload. ElevenLabs server tools wrap it as {"parameters": {...}}.
WRAPPER = "parameters"
REQUEST_FIELDS = (
    "partner_name",
    "contact_name",
    "email",
    "phone",
    "lead_name",
    "notes",
    "user_id",
    "team_id",
    "lines",
    "idempotency_key",
    "source",
    "source_ref",
    "send_quotation",
)
LINE_FIELDS = ("product_id", "product_ref", "product_qty", "product_price")
# Odoo's own names for a line's quantity and price, as its order lines and
# this addon's request lines call them.
LINE_ALIASES = {"quantity": "product_qty", "price_unit": "product_price"}
SOURCES = ("webhook", "bridge", "manual")
LOOKUP_PARAMETERS = ("q", "limit")
# Keys whose values never reach the database, the chatter or an audit document.
# The bridge's audit log redacts the same keys.
SECRET_KEY_PATTERN = (
    r"pass(word)?|secret|token|api[_-]?key|authorization|credential|cookie"
)
REDACTED = "[redacted]"

# A request's states, in workflow order.
QUEUED = "queued"
PROCESSING = "processing"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
STATES = (QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED)
# A request in one of these no longer moves by itself.
FINAL_STATES = (COMPLETED, FAILED, CANCELLED)

# Errors: every error on the API's paths is {"error": code, "message": text},
# plus "errors" (a {field, message} list) for 422.
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
# The codes stay English; the messages are read in the API key's user's language.
UNAUTHORIZED_MESSAGE = _lt(
    "A valid Odoo API key is required: Authorization: Bearer <key>."
)
FORBIDDEN_MESSAGE = _lt("This API key's user may not do that.")
INTERNAL_ERROR_MESSAGE = _lt("Internal error; nothing was stored.")
BAD_JSON_MESSAGE = _lt("The body is not valid JSON.")
VALIDATION_MESSAGE = _lt("The quotation request is invalid; nothing was stored.")
LOOKUP_INVALID_MESSAGE = _lt("The product lookup is invalid.")
# Flood control (429, with Retry-After): a caller that loops must not fill the
# queue and the sales pipeline. Replays of an idempotency key are not counted.
# How long a caller refused because the queue is full should wait.
QUEUE_FULL_RETRY_SECONDS = 30
# The database away (PostgreSQL restarting, unreachable): 503 with Retry-After,
# nothing stored; the caller sends it again, with the same idempotency key.
# English only, not a term to translate: without the database, the API key's
# user and language cannot be read.
DATABASE_UNAVAILABLE_RETRY_SECONDS = 5
DATABASE_UNAVAILABLE_MESSAGE = (
    "The database is unavailable for a moment; nothing was stored. Try again "
    "after Retry-After seconds."
)


def body_too_large_message(limit=MAX_BODY_BYTES):
    """The 413 message for a body above ``limit`` bytes."""
    return _lt("The body must be at most %(limit)s bytes.", limit=limit)


def rate_limit_message(limit):
    """The 429 of a user who submitted ``limit`` requests in the last minute."""
    return _lt(
        "This API key's user submitted %(limit)s quotation requests in the last "
        "minute, its limit; nothing was stored.",
        limit=limit,
    )


def queue_full_message(depth):
    """The 429 of a queue holding ``depth`` waiting requests, its limit."""
    return _lt(
        "%(depth)s quotation requests are waiting, the queue's limit; nothing "
        "was stored.",
        depth=depth,
    )


def is_api_path(path):
    """Whether ``path`` is one of the API's, or under its prefixes."""
    return any(
        path == prefix or path.startswith(f"{prefix}/") for prefix in API_PREFIXES
    )
