"""Parse and validate a quotation request payload, without touching the database.

Callers send the earlier system's flat shape (``product_id``, ``product_qty``,
``product_price``) or a ``lines`` array, optionally wrapped as
``{"parameters": {...}}`` (ElevenLabs server tools). Both come out as one
normalized dict; every problem is reported as a ``{field, message}`` error
named after the caller's own field. A key the request does not know is such
an error too: dropped, it could silently change the order.
"""

import math
import re

from ..contract import (
    LINE_ALIASES,
    LINE_FIELDS,
    MAX_KEY_LENGTH,
    MAX_LINES,
    MAX_NAME_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_PHONE_LENGTH,
    REDACTED,
    REQUEST_FIELDS,
    SECRET_KEY_PATTERN,
    SOURCES,
    WRAPPER,
    _lt,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
SECRET_KEY_RE = re.compile(SECRET_KEY_PATTERN, re.IGNORECASE)


# PostgreSQL's text cannot hold it: stored, it would fail the request with a 500.
NUL = "\x00"
NUL_MESSAGE = _lt("must not contain NUL characters")


def field_error(field, message):
    return {"field": field, "message": message}


def strip_secrets(value):
    """Return ``value`` with every secret-looking key's value redacted."""
    if isinstance(value, dict):
        return {
            key: REDACTED if SECRET_KEY_RE.search(str(key)) else strip_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [strip_secrets(item) for item in value]
    return value


def normalize_email(email):
    """Lower-case ``email`` and drop every blank, the way partners are matched."""
    return "".join(email.split()).lower()


def _text(body, field, errors, *, required=False, max_length=MAX_NAME_LENGTH):
    value = body.get(field)
    if value is None or value == "":
        if required:
            errors.append(field_error(field, _lt("is required")))
        return ""
    if not isinstance(value, str):
        errors.append(field_error(field, _lt("must be a string")))
        return ""
    value = value.strip()
    if NUL in value:
        errors.append(field_error(field, NUL_MESSAGE))
    elif required and not value:
        errors.append(field_error(field, _lt("must not be blank")))
    elif len(value) > max_length:
        errors.append(
            field_error(
                field,
                _lt("must be at most %(limit)s characters", limit=max_length),
            )
        )
    return value


def _flag(body, field, errors):
    """An optional boolean; null and absent mean false."""
    value = body.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        errors.append(field_error(field, _lt("must be true or false")))
        return False
    return value


def _number(value):
    """Return ``value`` as a float, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _record_id(body, field, errors, label=None):
    """An optional record id; 0, null and absent all mean "not given"."""
    value = body.get(field)
    if value in (None, 0, "", "0"):
        return None
    number = _number(value)
    if number is None or number != int(number) or number < 0:
        errors.append(field_error(label or field, _lt("must be a positive integer id")))
        return None
    return int(number)


def _accepted_names(fields):
    """``fields`` as the error messages list them, each with its alias."""
    aliases = {canonical: alias for alias, canonical in LINE_ALIASES.items()}
    return ", ".join(
        f"{field}/{aliases[field]}" if field in aliases else field for field in fields
    )


def _unknown_keys(body, fields, prefix, errors):
    """Report each key of ``body`` outside ``fields`` and the aliases.

    Keys that look like credentials are let through: they are redacted from
    what is stored and never used.
    """
    known = set(fields) | {
        alias for alias, canonical in LINE_ALIASES.items() if canonical in fields
    }
    for key in body:
        if key not in known and not SECRET_KEY_RE.search(str(key)):
            errors.append(
                field_error(
                    f"{prefix}{key}",
                    _lt(
                        "unknown field; accepted: %(fields)s",
                        fields=_accepted_names(fields),
                    ),
                )
            )


def _resolve_aliases(raw, prefix, errors):
    """Return the line under its canonical names, and the name each came as."""
    line, names = dict(raw), {}
    for alias, canonical in LINE_ALIASES.items():
        if alias not in raw:
            continue
        if canonical in raw:
            errors.append(
                field_error(
                    f"{prefix}{alias}",
                    _lt(
                        "give %(field)s or %(alias)s, not both",
                        field=canonical,
                        alias=alias,
                    ),
                )
            )
            continue
        line[canonical] = line.pop(alias)
        names[canonical] = alias
    return line, names


def _line(raw, prefix, errors):
    if not isinstance(raw, dict):
        errors.append(field_error(prefix.rstrip("."), _lt("must be an object")))
        return None
    raw, names = _resolve_aliases(raw, prefix, errors)
    qty_field = f"{prefix}{names.get('product_qty', 'product_qty')}"
    price_field = f"{prefix}{names.get('product_price', 'product_price')}"
    product_id = _record_id(raw, "product_id", errors, label=f"{prefix}product_id")
    product_ref = raw.get("product_ref")
    if product_ref is not None and not isinstance(product_ref, str):
        errors.append(field_error(f"{prefix}product_ref", _lt("must be a string")))
        product_ref = None
    product_ref = (product_ref or "").strip()
    if NUL in product_ref:
        errors.append(field_error(f"{prefix}product_ref", NUL_MESSAGE))
        # Never looked up: PostgreSQL would fail the request.
        product_ref = ""
    elif not product_id and not product_ref:
        errors.append(
            field_error(
                f"{prefix}product_id", _lt("a product id or product_ref is required")
            )
        )
    quantity = 1.0
    if raw.get("product_qty") is not None:
        quantity = _number(raw["product_qty"])
        if quantity is None or quantity <= 0:
            errors.append(field_error(qty_field, _lt("must be a number above 0")))
    price = None
    if raw.get("product_price") is not None:
        price = _number(raw["product_price"])
        if price is None:
            errors.append(field_error(price_field, _lt("must be a number")))
        elif price < 0:
            # The earlier system's convention: a negative price means "use Odoo's".
            price = None
    return {
        "field_prefix": prefix,
        "product_id": product_id,
        "product_ref": product_ref,
        "quantity": quantity,
        "price_unit": price,
    }


def _unwrap(body, errors):
    """The request itself, out of ElevenLabs' ``{"parameters": {...}}`` wrapper."""
    if not isinstance(body, dict) or not isinstance(body.get(WRAPPER), dict):
        return body
    _unknown_keys(body, (WRAPPER,), "", errors)
    return body[WRAPPER]


def _lines(body, errors):
    """The lines of ``body``: its ``lines`` list, or the body itself (flat shape)."""
    if "lines" not in body:
        _unknown_keys(body, REQUEST_FIELDS + LINE_FIELDS, "", errors)
        return [_line(body, "", errors)]
    line_keys = {*LINE_FIELDS, *LINE_ALIASES}
    for key in line_keys.intersection(body):
        # null is "not given", as for every optional field.
        if body[key] is not None:
            errors.append(field_error(key, _lt("belongs in each item of lines")))
    top_level = {key: value for key, value in body.items() if key not in line_keys}
    _unknown_keys(top_level, REQUEST_FIELDS, "", errors)
    raw_lines = body["lines"]
    if not isinstance(raw_lines, list) or not raw_lines:
        errors.append(field_error("lines", _lt("must be a non-empty list")))
        return []
    if len(raw_lines) > MAX_LINES:
        errors.append(
            field_error(
                "lines", _lt("must have at most %(limit)s lines", limit=MAX_LINES)
            )
        )
        return []
    lines = []
    for index, raw in enumerate(raw_lines):
        prefix = f"lines[{index}]."
        if isinstance(raw, dict):
            _unknown_keys(raw, LINE_FIELDS, prefix, errors)
        lines.append(_line(raw, prefix, errors))
    return lines


def parse_payload(body, *, idempotency_key=None, default_source="webhook"):
    """Return ``(request, errors)``: the normalized request and field errors.

    ``idempotency_key`` (from a header) wins over the body's field.
    """
    errors = []
    body = _unwrap(body, errors)
    if not isinstance(body, dict):
        return None, [field_error("body", _lt("must be a JSON object"))]
    email = normalize_email(_text(body, "email", errors, required=True))
    if email and not EMAIL_RE.match(email):
        errors.append(field_error("email", _lt("is not a valid email address")))
    lines = _lines(body, errors)
    key = idempotency_key or body.get("idempotency_key") or None
    if isinstance(key, str):
        # A blank key is no key: stored, it would collide with every other one.
        key = key.strip() or None
    if isinstance(key, str) and NUL in key:
        errors.append(field_error("idempotency_key", NUL_MESSAGE))
    elif key is not None and (not isinstance(key, str) or len(key) > MAX_KEY_LENGTH):
        errors.append(
            field_error(
                "idempotency_key",
                _lt(
                    "must be a string of at most %(limit)s characters",
                    limit=MAX_KEY_LENGTH,
                ),
            )
        )
    source = body.get("source") or default_source
    if source not in SOURCES:
        errors.append(
            field_error(
                "source", _lt("must be one of %(values)s", values=", ".join(SOURCES))
            )
        )
    request = {
        "partner_name": _text(body, "partner_name", errors, required=True),
        "contact_name": _text(body, "contact_name", errors),
        "email": email,
        "phone": _text(body, "phone", errors, max_length=MAX_PHONE_LENGTH),
        "lead_name": _text(body, "lead_name", errors),
        "notes": _text(body, "notes", errors, max_length=MAX_NOTES_LENGTH),
        "user_id": _record_id(body, "user_id", errors),
        "team_id": _record_id(body, "team_id", errors),
        "lines": [line for line in lines if line],
        "idempotency_key": key if isinstance(key, str) else None,
        "source": source,
        "source_ref": _text(body, "source_ref", errors),
        "send_quotation": _flag(body, "send_quotation", errors),
    }
    return request, errors
