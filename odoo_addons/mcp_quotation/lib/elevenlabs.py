"""ElevenLabs: the post-call webhook's signature and event, and the agent's tools.

Plain Python, no ORM import. The signature is ElevenLabs' ``ElevenLabs-Signature:
t=<unix time>,v0=<hex HMAC-SHA256 of "<t>.<raw body>">``; the tool definitions
are ElevenLabs tools-API documents (``POST /v1/convai/tools`` takes each one),
of the shape its Python SDK declares (``ToolRequestModel``,
``WebhookToolApiSchemaConfigInput``, ``LiteralJsonSchemaProperty``).
"""

import hashlib
import hmac
import ipaddress
import json
from urllib.parse import urlsplit

from ..contract import (
    LINE_FIELDS,
    LOOKUP_DEFAULT_LIMIT,
    LOOKUP_MAX_LIMIT,
    LOOKUP_MAX_QUERY_LENGTH,
    MAX_LINES,
    PRODUCTS_PATH,
    QUOTATIONS_PATH,
    REQUEST_FIELDS,
    _lt,
)

POST_CALL_PATH = "/mcp_quotation/v1/elevenlabs/post-call"
# The settings' download of the agent's tool definitions.
TOOLS_EXPORT_PATH = "/mcp_quotation/elevenlabs/tools.json"
SIGNATURE_HEADER = "ElevenLabs-Signature"
# ElevenLabs' own handlers accept a signature for 30 minutes.
MAX_SIGNATURE_AGE = 30 * 60
# Transcripts are large, audio is larger: the audio event is not accepted.
MAX_EVENT_BYTES = 4 * 1024 * 1024
TRANSCRIPTION_EVENT = "post_call_transcription"
BAD_SIGNATURE_MESSAGE = (
    "A valid ElevenLabs-Signature header is required: t=<unix time>,v0=<hex "
    "HMAC-SHA256 of '<t>.<body>'> with the webhook secret, at most 30 minutes old."
)
# The transcript note's speakers.
ROLES = {"agent": _lt("Agent"), "user": _lt("Caller")}

# The agent's Odoo API key, as the secret an ElevenLabs workspace keeps it in.
API_KEY_SECRET_PLACEHOLDER = "REPLACE_WITH_THE_SECRET_ID_OF_YOUR_ODOO_API_KEY"
TOOL_TIMEOUT_SECONDS = 20


def signature_problem(header, body, secret, now):
    """Why ``header`` does not sign ``body`` at ``now``; None when it does."""
    if not secret:
        return "no webhook secret is configured"
    parts = dict(
        part.strip().split("=", 1) for part in (header or "").split(",") if "=" in part
    )
    timestamp, signature = parts.get("t", ""), parts.get("v0", "")
    if not timestamp.isdigit() or not signature:
        return "missing or malformed signature"
    if abs(now - int(timestamp)) > MAX_SIGNATURE_AGE:
        return "signature timestamp too old"
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature does not match"
    return None


def parse_event(body):
    """``(event, problem)``: type, conversation and data of a post-call event."""
    try:
        document = json.loads(body)
    except ValueError:
        return None, "The body is not valid JSON."
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        return None, "The body must be an ElevenLabs event: {type, data, ...}."
    data = document.get("data")
    data = data if isinstance(data, dict) else {}
    conversation_id = data.get("conversation_id")
    if document["type"] == TRANSCRIPTION_EVENT and not (
        isinstance(conversation_id, str) and conversation_id.strip()
    ):
        return None, "data.conversation_id is required."
    return {
        "type": document["type"],
        "conversation_id": (conversation_id or "").strip(),
        "agent_id": str(data.get("agent_id") or ""),
        "event_timestamp": document.get("event_timestamp"),
        "document": document,
    }, None


def call_facts(data):
    """Summary, duration, evaluation and caller of a transcription's ``data``."""
    analysis = data.get("analysis") or {}
    metadata = data.get("metadata") or {}
    phone_call = metadata.get("phone_call") or {}
    evaluations = analysis.get("evaluation_criteria_results") or {}
    return {
        "summary": analysis.get("transcript_summary") or "",
        "title": analysis.get("call_summary_title") or "",
        "duration": metadata.get("call_duration_secs"),
        "successful": analysis.get("call_successful") or "",
        "evaluations": [
            {
                "criterion": key,
                "result": (item or {}).get("result") or "",
                "rationale": (item or {}).get("rationale") or "",
            }
            for key, item in sorted(evaluations.items())
        ],
        "phone": phone_call.get("external_number") or "",
    }


def transcript_lines(data):
    """``(time, speaker, text)`` for each turn of a transcription's ``data``."""
    lines = []
    for turn in data.get("transcript") or []:
        if not isinstance(turn, dict) or not turn.get("message"):
            continue
        seconds = int(turn.get("time_in_call_secs") or 0)
        speaker = ROLES.get(turn.get("role"), str(turn.get("role") or "?"))
        lines.append((f"{seconds // 60}:{seconds % 60:02d}", speaker, turn["message"]))
    return lines


# ----------------------------------------------------------------------
# Tool export
# ----------------------------------------------------------------------


def _literal(kind, description):
    return {"type": kind, "description": description}


# Calls, not (kind, description) tuples: Odoo's term extractor would take a
# tuple's parenthesis right after an ``_lt(...)`` for another ``_lt`` call.
LINE_PROPERTIES = {
    "product_id": _literal(
        "integer",
        _lt("The product's id from find_product. Give it, or product_ref."),
    ),
    "product_ref": _literal(
        "string",
        _lt(
            "The product's internal reference or name as the caller said it, when "
            "find_product was not used; refused with the candidates if ambiguous."
        ),
    ),
    "product_qty": _literal("number", _lt("Quantity, above 0; 1 when not given.")),
    "product_price": _literal(
        "number",
        _lt("Unit price agreed with the caller; leave out to use Odoo's price."),
    ),
}
BODY_PROPERTIES = {
    "partner_name": _literal("string", _lt("The customer's company name (required).")),
    "contact_name": _literal("string", _lt("The caller's full name.")),
    "email": _literal(
        "string",
        _lt("The customer's email address (required); spell it back to the caller."),
    ),
    "phone": _literal("string", _lt("The caller's phone number.")),
    "lead_name": _literal(
        "string",
        _lt("A short title for the deal, e.g. '3 desks for Acme'."),
    ),
    "notes": _literal(
        "string", _lt("Anything the sales team should know from the call.")
    ),
    "user_id": _literal(
        "integer",
        _lt("Odoo id of the salesperson; leave out to auto-assign."),
    ),
    "team_id": _literal(
        "integer",
        _lt("Odoo id of the sales team; leave out for the default."),
    ),
    "idempotency_key": _literal(
        "string",
        _lt("A key unique to this quotation; the same key never creates two."),
    ),
    "send_quotation": _literal(
        "boolean",
        _lt("true to email the quotation to the customer once it is created."),
    ),
}
# Filled in by ElevenLabs, not by the model: the transcript of the call later
# finds the quotation by this conversation id.
CONVERSATION_VARIABLE = "system__conversation_id"
# Accepted by the route, but not for an agent: the source is the webhook's own.
NOT_EXPORTED = {"source"}


def _request_body_schema():
    line = {
        "type": "object",
        "description": _lt("One product of the quotation."),
        "required": [],
        "properties": {name: LINE_PROPERTIES[name] for name in LINE_FIELDS},
    }
    special = {
        "lines": {
            "type": "array",
            "description": _lt("The products, 1 to %(limit)s.", limit=MAX_LINES),
            "items": line,
        },
        "source_ref": {"type": "string", "dynamic_variable": CONVERSATION_VARIABLE},
    }
    properties = {
        name: special.get(name) or BODY_PROPERTIES[name]
        for name in REQUEST_FIELDS
        if name not in NOT_EXPORTED
    }
    return {
        "type": "object",
        "description": _lt("The quotation request."),
        "required": ["partner_name", "email", "lines"],
        "properties": properties,
    }


def base_url_problem(base_url):
    """Why ElevenLabs could not call ``base_url``: ``"private"``, ``"http"`` or None.

    ElevenLabs calls the tools and the post-call webhook from the internet,
    over HTTPS: a loopback, private or single-label host is out of its reach.
    """
    parts = urlsplit(base_url or "")
    host = parts.hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        private = "." not in host or host.endswith((".localhost", ".local"))
    else:
        private = not address.is_global
    if private:
        return "private"
    if parts.scheme != "https":
        return "http"
    return None


def _lookup_schema(base_url):
    """The find_product tool's request: the product lookup route."""
    return {
        "url": f"{base_url}{PRODUCTS_PATH}",
        "method": "GET",
        "query_params_schema": {
            "properties": {
                "q": _literal(
                    "string",
                    _lt(
                        "The product as the caller said it, e.g. 'desk "
                        "combination' (at most %(limit)s characters).",
                        limit=LOOKUP_MAX_QUERY_LENGTH,
                    ),
                ),
                "limit": _literal(
                    "integer",
                    _lt(
                        "How many matches, 1 to %(limit)s; %(default)s when not given.",
                        limit=LOOKUP_MAX_LIMIT,
                        default=LOOKUP_DEFAULT_LIMIT,
                    ),
                ),
            },
            "required": ["q"],
        },
    }


def tool_definitions(base_url):
    """The agent's server tools as ElevenLabs tools-API documents.

    Their descriptions are English ``Text``: ``contract.translated`` renders
    them in the language the agent speaks.
    """
    headers = {"Authorization": {"secret_id": API_KEY_SECRET_PLACEHOLDER}}
    base_url = base_url.rstrip("/")
    quotations = f"{base_url}{QUOTATIONS_PATH}"

    def tool(name, description, api_schema):
        return {
            "tool_config": {
                "type": "webhook",
                "name": name,
                "description": description,
                "response_timeout_secs": TOOL_TIMEOUT_SECONDS,
                "api_schema": {**api_schema, "request_headers": headers},
            }
        }

    return [
        tool(
            "find_product",
            _lt(
                "Find products in Odoo by the words the caller used, misspelled "
                "or not. Returns the best matches first, each with id, name, "
                "reference, list_price, currency and unit. Use the id as "
                "product_id in create_quotation."
            ),
            _lookup_schema(base_url),
        ),
        tool(
            "create_quotation",
            _lt(
                "Create a quotation in Odoo for the caller's company. Answers at "
                "once with a tracking_id; the quotation is ready a few seconds "
                "later (get_quotation_status). Errors list each wrong field."
            ),
            {
                "url": quotations,
                "method": "POST",
                "request_body_schema": _request_body_schema(),
            },
        ),
        tool(
            "get_quotation_status",
            _lt(
                "The state of a quotation created with create_quotation: queued, "
                "processing, completed (with the quotation's name, total and the "
                "customer's portal_url) or failed (with the error)."
            ),
            {
                "url": f"{quotations}/{{tracking_id}}",
                "method": "GET",
                "path_params_schema": {
                    "tracking_id": _literal(
                        "string", _lt("The tracking_id create_quotation answered.")
                    )
                },
            },
        ),
    ]
