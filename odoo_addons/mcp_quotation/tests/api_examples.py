"""Read ``api_examples.json`` and match responses against it.

Plain Python, no Odoo import: the bridge's fake Odoo may load this module by
path to check itself against the same examples.
"""

import json
import re
from pathlib import Path

EXAMPLES_PATH = Path(__file__).with_name("api_examples.json")

# Placeholders that may stand inside a longer string.
STRING_PLACEHOLDERS = {
    "<string>": r".*",
    "<datetime>": (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"),
    "<url>": r"(https?://[^\s/]+)?/\S*",
    "<tracking_id>": r"quot_[0-9a-f]{16}",
}
PLACEHOLDER_RE = re.compile("|".join(re.escape(name) for name in STRING_PLACEHOLDERS))
WHOLE_VALUE_RE = re.compile(r"^<(\w+)(\|null)?>$")
BYTES_RE = re.compile(r"^<bytes:(\d+)>$")


def load_examples():
    """The whole document: description, request_body and examples."""
    return json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))


def fill(value, *, api_key, product_id, tracking_id=None):
    """Return a request value with its placeholders replaced."""
    if isinstance(value, dict):
        return {
            key: fill(
                item, api_key=api_key, product_id=product_id, tracking_id=tracking_id
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            fill(item, api_key=api_key, product_id=product_id, tracking_id=tracking_id)
            for item in value
        ]
    if not isinstance(value, str):
        return value
    if value == "<product_id>":
        return product_id
    if match := BYTES_RE.match(value):
        return "x" * int(match[1])
    value = value.replace("<api_key>", api_key)
    if tracking_id:
        value = value.replace("<tracking_id>", tracking_id)
    return value


def _is_number(value, integer=False):
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (not integer and isinstance(value, float))


def _string_pattern(expected, tracking_id):
    parts, position = [], 0
    for found in PLACEHOLDER_RE.finditer(expected):
        parts.append(re.escape(expected[position : found.start()]))
        if found[0] == "<tracking_id>" and tracking_id:
            parts.append(re.escape(tracking_id))
        else:
            parts.append(STRING_PLACEHOLDERS[found[0]])
        position = found.end()
    parts.append(re.escape(expected[position:]))
    return re.compile("".join(parts), re.DOTALL)


def mismatches(expected, actual, *, tracking_id=None, where="body"):
    """Return where ``actual`` differs from ``expected``; empty when it matches."""
    if isinstance(expected, str) and (whole := WHOLE_VALUE_RE.match(expected)):
        name, nullable = whole.groups()
        if nullable and actual is None:
            return []
        if name in ("number", "integer"):
            if _is_number(actual, integer=name == "integer"):
                return []
            return [f"{where}: expected {expected}, got {actual!r}"]
        expected = f"<{name}>"
    if isinstance(expected, str) and PLACEHOLDER_RE.search(expected):
        if isinstance(actual, str) and _string_pattern(expected, tracking_id).fullmatch(
            actual
        ):
            return []
        return [f"{where}: expected {expected}, got {actual!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        if set(expected) != set(actual):
            return [f"{where}: keys {sorted(actual)}, expected {sorted(expected)}"]
        return [
            problem
            for key, item in expected.items()
            for problem in mismatches(
                item, actual[key], tracking_id=tracking_id, where=f"{where}.{key}"
            )
        ]
    if isinstance(expected, list):
        return _list_mismatches(expected, actual, tracking_id, where)
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def _list_mismatches(expected, actual, tracking_id, where):
    if not isinstance(actual, list) or len(actual) != len(expected):
        return [f"{where}: expected {len(expected)} items, got {actual!r}"]
    unmatched = list(actual)
    for index, item in enumerate(expected):
        for candidate in unmatched:
            if not mismatches(item, candidate, tracking_id=tracking_id):
                unmatched.remove(candidate)
                break
        else:
            return [f"{where}[{index}]: no item matches {item!r} in {actual!r}"]
    return []


def header_mismatches(expected, headers):
    """Expected headers missing from ``headers`` (a case-insensitive mapping)."""
    problems = []
    for name, value in expected.items():
        actual = headers.get(name)
        if actual is None or (actual != value and not actual.startswith(f"{value};")):
            problems.append(f"header {name}: expected {value!r}, got {actual!r}")
    return problems
