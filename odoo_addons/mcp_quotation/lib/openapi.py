"""The quotation API's OpenAPI 3.1 document, built from its contract and rules.

Plain Python with no Odoo import. Every limit, field list, state and error
code below is read from ``contract.py`` or ``lib.payload``, the definitions
that validate requests, so the document cannot say something the routes do
not do. The addon serves it (``OPENAPI_PATH``); the fake Odoo in the bridge's
tests serves the same; the bridge documents its proxied routes with a copy
(``bridge/addon_openapi.json``) that a test holds equal to this.

Where a rule cannot be a JSON Schema keyword (a blank string is "not given", a
key that looks like a credential is tolerated and redacted) the schema states
the stricter rule. What only the database can tell (that a product or a
salesperson exists) the route checks: 422 with the field named.
"""

import functools
import hashlib
import json
import re

from ..contract import (
    ERROR_CODES,
    LEGACY_STATUS_PATH,
    LEGACY_SUBMIT_PATH,
    LINE_ALIASES,
    LINE_FIELDS,
    LOOKUP_DEFAULT_LIMIT,
    LOOKUP_MAX_LIMIT,
    LOOKUP_MAX_QUERY_LENGTH,
    MAX_BODY_BYTES,
    MAX_KEY_LENGTH,
    MAX_LINES,
    MAX_NAME_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_PHONE_LENGTH,
    OPENAPI_PATH,
    PRODUCTS_PATH,
    QUOTATIONS_PATH,
    REQUEST_FIELDS,
    SECRET_KEY_PATTERN,
    SOURCES,
    STATES,
    WRAPPER,
)
from .payload import EMAIL_RE

# The statuses each kind of route may answer with besides its success; any of
# them may answer 503 while the database is away.
AUTH_ERRORS = (401, 403)
SUBMIT_ERRORS = (400, *AUTH_ERRORS, 413, 422, 429, 503)
STATUS_ERRORS = (*AUTH_ERRORS, 404, 503)
LOOKUP_ERRORS = (*AUTH_ERRORS, 422, 503)
# Numbers may come as strings (speech-to-text agents send them so); the
# payload rules read them with float().
NUMERIC_STRING = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
TRACKING_ID_PATTERN = r"^quot_[0-9a-f]{16}$"
# Text fields other than these take at most MAX_NAME_LENGTH characters.
TEXT_LIMITS = {"phone": MAX_PHONE_LENGTH, "notes": MAX_NOTES_LENGTH}
REQUIRED_TEXT = ("partner_name", "email")
# Keys that look like credentials are tolerated anywhere (and redacted). JSON
# Schema patterns have no flags: each letter of the contract's case-insensitive
# pattern becomes a class of both cases.
TOLERATED_KEYS = {
    re.sub(r"[a-z]", lambda m: f"[{m[0]}{m[0].upper()}]", SECRET_KEY_PATTERN): {}
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def _record_id():
    """An optional record id; 0 and null mean "not given"."""
    return _nullable(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\d+$"},
            ]
        }
    )


def _number(**bounds):
    return _nullable(
        {
            "anyOf": [
                {"type": "number", **bounds},
                {"type": "string", "pattern": NUMERIC_STRING},
            ]
        }
    )


def _text(field):
    schema = {"type": "string", "maxLength": TEXT_LIMITS.get(field, MAX_NAME_LENGTH)}
    if field == "email":
        schema["pattern"] = EMAIL_RE.pattern
    if field in REQUIRED_TEXT:
        return {**schema, "minLength": 1, "pattern": schema.get("pattern", r"\S")}
    return _nullable(schema)


def line_properties():
    """A line's fields, and Odoo's names for the quantity and the price."""
    properties = {
        "product_id": _record_id(),
        "product_ref": _nullable({"type": "string"}),
        "product_qty": _number(exclusiveMinimum=0),
        "product_price": _number(),
    }
    for alias, canonical in LINE_ALIASES.items():
        properties[alias] = properties[canonical]
    return {field: properties[field] for field in (*LINE_FIELDS, *LINE_ALIASES)}


def _one_product():
    """A product by id or by reference; each quantity and price named once."""
    return {
        "anyOf": [{"required": ["product_id"]}, {"required": ["product_ref"]}],
        "not": {
            "anyOf": [
                {"required": [canonical, alias]}
                for alias, canonical in LINE_ALIASES.items()
            ]
        },
    }


def request_properties():
    """The request's own fields (``lines`` apart)."""
    properties = {}
    for field in REQUEST_FIELDS:
        if field == "lines":
            continue
        if field in ("user_id", "team_id"):
            properties[field] = _record_id()
        elif field == "idempotency_key":
            properties[field] = _nullable(
                {"type": "string", "maxLength": MAX_KEY_LENGTH}
            )
        elif field == "source":
            properties[field] = _nullable({"type": "string", "enum": list(SOURCES)})
        elif field == "send_quotation":
            properties[field] = _nullable({"type": "boolean"})
        else:
            properties[field] = _text(field)
    return properties


def _request_schemas():
    """The schemas of a submission's body, by name."""
    request = request_properties()
    required = list(REQUIRED_TEXT)
    with_lines = {
        "type": "object",
        "description": "Lines as a list.",
        "properties": {
            **request,
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_LINES,
                "items": _ref("QuotationLine"),
            },
        },
        "required": [*required, "lines"],
        "patternProperties": TOLERATED_KEYS,
        "additionalProperties": False,
    }
    flat = {
        "type": "object",
        "description": "One product, its fields beside the request's.",
        "properties": {**request, **line_properties()},
        "required": required,
        "patternProperties": TOLERATED_KEYS,
        "additionalProperties": False,
        **_one_product(),
    }
    return {
        "QuotationLine": {
            "type": "object",
            "properties": line_properties(),
            "patternProperties": TOLERATED_KEYS,
            "additionalProperties": False,
            **_one_product(),
        },
        "QuotationRequestWithLines": with_lines,
        "QuotationRequestFlat": flat,
        "QuotationRequest": {
            "description": (
                "A quotation request: lines as a list, or one product beside "
                f"the request's fields, either one wrapped as {{{WRAPPER!r}: "
                "...}} as ElevenLabs server tools send it. null, absent and "
                '0 (ids) or "" (text) all mean "not given". Keys that look '
                "like credentials are tolerated and redacted."
            ),
            "anyOf": [
                _ref("QuotationRequestWithLines"),
                _ref("QuotationRequestFlat"),
                {
                    "type": "object",
                    "properties": {
                        WRAPPER: {
                            "anyOf": [
                                _ref("QuotationRequestWithLines"),
                                _ref("QuotationRequestFlat"),
                            ]
                        }
                    },
                    "required": [WRAPPER],
                    "patternProperties": TOLERATED_KEYS,
                    "additionalProperties": False,
                },
            ],
        },
    }


def _request_document(**properties):
    """A document about one request, every property of it always present."""
    properties = {
        "tracking_id": {"type": "string", "pattern": TRACKING_ID_PATTERN},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": list(STATES)},
        **properties,
    }
    return {"type": "object", "properties": properties, "required": list(properties)}


def _acknowledgement():
    """The answer to an accepted submission (202)."""
    return _request_document(
        status_url={"type": "string"},
        message={"type": "string"},
        estimated_time={"type": "string"},
    )


def _quotation_status():
    """The status document of one request."""
    return _request_document(
        created_at={"type": "string"},
        elapsed_time={"type": "string"},
        progress=_text_or_null(),
        result={"type": ["object", "null"]},
        error=_text_or_null(),
        completed_at=_text_or_null(),
    )


def _text_or_null():
    """A nullable text property, a dict of its own for each property."""
    return {"type": ["string", "null"]}


def _product_lookup():
    """The product lookup's answer."""
    return {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "products": {
                "type": "array",
                "maxItems": LOOKUP_MAX_LIMIT,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "reference": {"type": ["string", "null"]},
                        "list_price": {"type": "number"},
                        "currency": {"type": ["string", "null"]},
                        "unit": {"type": ["string", "null"]},
                        "score": {"type": "number"},
                    },
                    "required": ["id", "name", "list_price", "score"],
                },
            },
        },
        "required": ["query", "products"],
    }


def _error():
    """Every refusal: a stable code, a message, field errors for 422."""
    return {
        "type": "object",
        "properties": {
            "error": {"type": "string", "enum": sorted(set(ERROR_CODES.values()))},
            "message": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string"},
                        "message": {"type": "string"},
                    },
                    "required": ["field", "message"],
                },
            },
        },
        "required": ["error", "message"],
    }


def schemas():
    """The API's JSON schemas, by name (the document's ``components.schemas``)."""
    return {
        **_request_schemas(),
        "Acknowledgement": _acknowledgement(),
        "QuotationStatus": _quotation_status(),
        "ProductLookup": _product_lookup(),
        "Error": _error(),
    }


def _json(schema_name, description, headers=None):
    answer = {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }
    if headers:
        answer["headers"] = headers
    return answer


ERROR_DESCRIPTIONS = {
    400: "The body is not JSON.",
    401: "No valid Odoo API key (Authorization: Bearer <key>).",
    403: "The key's user is not in the Quotation Requests / User group.",
    404: "No quotation request with this tracking id (for this key's user).",
    413: f"The body is over {MAX_BODY_BYTES} bytes; nothing was read further.",
    422: "Invalid or unknown fields, listed in errors[]; nothing was stored.",
    429: "Over the user's requests per minute, or the queue is full; nothing "
    "was stored. Retry-After says when to try again.",
    503: "The database is away for a moment (PostgreSQL restarting); nothing "
    "was stored. Retry-After says when to try again.",
}
# The refusals that say when to try again.
RETRY_STATUSES = (429, 503)


def _retry_after():
    """The Retry-After header of a refusal, a dict of its own for each answer."""
    return {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    }


def _errors(statuses):
    return {
        str(status): _json(
            "Error",
            ERROR_DESCRIPTIONS.get(status, ERROR_CODES[status]),
            _retry_after() if status in RETRY_STATUSES else None,
        )
        for status in statuses
    }


def submit_operation(operation_id):
    """The submission route's operation."""
    return {
        "operationId": operation_id,
        "summary": "Queue a quotation request",
        "security": [{"apiKey": []}],
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Wins over the body's idempotency_key.",
                "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("QuotationRequest")}},
        },
        "responses": {
            "202": _json("Acknowledgement", "Stored and queued."),
            "200": _json(
                "Acknowledgement",
                "The idempotency key's request, stored before: nothing new stored.",
            ),
            **_errors(SUBMIT_ERRORS),
        },
    }


def status_operation(operation_id):
    """The status route's operation."""
    return {
        "operationId": operation_id,
        "summary": "A quotation request's status",
        "security": [{"apiKey": []}],
        "parameters": [
            {
                "name": "tracking_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
            }
        ],
        "responses": {
            "200": _json("QuotationStatus", "The status document."),
            **_errors(STATUS_ERRORS),
        },
    }


def lookup_operation(operation_id):
    """The product lookup's operation."""
    return {
        "operationId": operation_id,
        "summary": "Sellable products nearest to the words q, best first",
        "security": [{"apiKey": []}],
        "parameters": [
            {
                "name": "q",
                "in": "query",
                "required": True,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": LOOKUP_MAX_QUERY_LENGTH,
                    "pattern": r"\S",
                },
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": LOOKUP_MAX_LIMIT,
                    "default": LOOKUP_DEFAULT_LIMIT,
                },
            },
        ],
        "responses": {
            "200": _json("ProductLookup", "The hits, best first."),
            **_errors(LOOKUP_ERRORS),
        },
    }


def openapi_document():
    """The OpenAPI 3.1 document of the quotation API's routes."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mcp_quotation: the quotation request API",
            "version": "v1",
            "description": (
                "Quotation requests stored at once and processed by Odoo's "
                "queue. Every error is {error, message}, plus errors[] for 422."
            ),
        },
        "paths": {
            QUOTATIONS_PATH: {"post": submit_operation("submit_quotation")},
            f"{QUOTATIONS_PATH}/{{tracking_id}}": {
                "get": status_operation("quotation_status")
            },
            PRODUCTS_PATH: {"get": lookup_operation("lookup_products")},
            LEGACY_SUBMIT_PATH: {"post": submit_operation("submit_quotation_legacy")},
            f"{LEGACY_STATUS_PATH}/{{tracking_id}}": {
                "get": status_operation("quotation_status_legacy")
            },
            OPENAPI_PATH: {
                "get": {
                    "operationId": "openapi_document",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {
                                "application/json": {"schema": {"type": "object"}}
                            },
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An Odoo API key of a Quotation Requests user.",
                }
            },
        },
    }


@functools.cache
def published_document():
    """The document as served, and its ETag: both change only with the code."""
    body = json.dumps(openapi_document(), sort_keys=True).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]
