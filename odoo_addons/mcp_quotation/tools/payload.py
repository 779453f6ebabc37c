"""Parse and validate a quotation request payload, without touching the database.

Callers send the earlier system's flat shape (``product_id``, ``product_qty``,
``product_price``) or a ``lines`` array, optionally wrapped as
``{"parameters": {...}}`` (ElevenLabs server tools). Both come out as one
normalized dict; every problem is reported as a ``{field, message}`` error
named after the caller's own field.
"""

import math
import re

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
SOURCES = ("webhook", "bridge", "manual")
MAX_NAME_LENGTH = 256
MAX_NOTES_LENGTH = 4096
MAX_LINES = 100
MAX_KEY_LENGTH = 128
# Keys whose values never reach the database, the chatter or an audit document.
SECRET_KEY_RE = re.compile(
    r"(pass(word)?|secret|token|api[_-]?key|authorization|credential)", re.IGNORECASE
)
REDACTED = "[redacted]"


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
            errors.append(field_error(field, "is required"))
        return ""
    if not isinstance(value, str):
        errors.append(field_error(field, "must be a string"))
        return ""
    value = value.strip()
    if required and not value:
        errors.append(field_error(field, "must not be blank"))
    elif len(value) > max_length:
        errors.append(field_error(field, f"must be at most {max_length} characters"))
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
        errors.append(field_error(label or field, "must be a positive integer id"))
        return None
    return int(number)


def _line(raw, prefix, errors):
    if not isinstance(raw, dict):
        errors.append(field_error(prefix.rstrip("."), "must be an object"))
        return None
    product_id = _record_id(raw, "product_id", errors, label=f"{prefix}product_id")
    product_ref = raw.get("product_ref")
    if product_ref is not None and not isinstance(product_ref, str):
        errors.append(field_error(f"{prefix}product_ref", "must be a string"))
        product_ref = None
    product_ref = (product_ref or "").strip()
    if not product_id and not product_ref:
        errors.append(
            field_error(
                f"{prefix}product_id", "a product id or product_ref is required"
            )
        )
    quantity = 1.0
    if raw.get("product_qty") is not None:
        quantity = _number(raw["product_qty"])
        if quantity is None or quantity <= 0:
            errors.append(
                field_error(f"{prefix}product_qty", "must be a number above 0")
            )
    price = None
    if raw.get("product_price") is not None:
        price = _number(raw["product_price"])
        if price is None:
            errors.append(field_error(f"{prefix}product_price", "must be a number"))
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


def parse_payload(body, *, idempotency_key=None, default_source="webhook"):
    """Return ``(request, errors)``: the normalized request and field errors.

    ``idempotency_key`` (from a header) wins over the body's field.
    """
    if isinstance(body, dict) and isinstance(body.get("parameters"), dict):
        body = body["parameters"]
    if not isinstance(body, dict):
        return None, [field_error("body", "must be a JSON object")]
    errors = []
    email = normalize_email(_text(body, "email", errors, required=True))
    if email and not EMAIL_RE.match(email):
        errors.append(field_error("email", "is not a valid email address"))
    if "lines" in body:
        raw_lines = body["lines"]
        if not isinstance(raw_lines, list) or not raw_lines:
            errors.append(field_error("lines", "must be a non-empty list"))
            raw_lines = []
        elif len(raw_lines) > MAX_LINES:
            errors.append(field_error("lines", f"must have at most {MAX_LINES} lines"))
            raw_lines = []
        lines = [
            _line(raw, f"lines[{index}].", errors)
            for index, raw in enumerate(raw_lines)
        ]
    else:
        lines = [_line(body, "", errors)]
    key = idempotency_key or body.get("idempotency_key") or None
    if isinstance(key, str):
        # A blank key is no key: stored, it would collide with every other one.
        key = key.strip() or None
    if key is not None and (not isinstance(key, str) or len(key) > MAX_KEY_LENGTH):
        errors.append(
            field_error(
                "idempotency_key", f"must be a string of at most {MAX_KEY_LENGTH}"
            )
        )
    source = body.get("source") or default_source
    if source not in SOURCES:
        errors.append(field_error("source", f"must be one of {', '.join(SOURCES)}"))
    request = {
        "partner_name": _text(body, "partner_name", errors, required=True),
        "contact_name": _text(body, "contact_name", errors),
        "email": email,
        "phone": _text(body, "phone", errors, max_length=64),
        "lead_name": _text(body, "lead_name", errors),
        "notes": _text(body, "notes", errors, max_length=MAX_NOTES_LENGTH),
        "user_id": _record_id(body, "user_id", errors),
        "team_id": _record_id(body, "team_id", errors),
        "lines": [line for line in lines if line],
        "idempotency_key": key if isinstance(key, str) else None,
        "source": source,
        "source_ref": _text(body, "source_ref", errors),
    }
    return request, errors
