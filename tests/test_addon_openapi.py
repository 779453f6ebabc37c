"""The addon's OpenAPI document: a valid OpenAPI 3.1 document, its schemas the
contract's own fields and limits, the bodies the addon accepts in its shared
examples valid against it, and the bridge's copy equal to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from fake_odoo import FakeOdoo
from fake_odoo.addon import ADDON_DIR, contract, lookup_rules, openapi, payload_rules
from openapi_spec_validator import validate as validate_openapi

from bridge.api import ADDON_OPENAPI

DOCUMENT = openapi.openapi_document()
SCHEMAS = DOCUMENT["components"]["schemas"]
BRIDGE_COPY = Path(__file__).resolve().parents[1] / "bridge/addon_openapi.json"


def schema_of(name: str) -> dict[str, Any]:
    """The named schema, as a stand-alone JSON Schema resolving the document's refs."""
    return {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}}


def non_null(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of a nullable schema."""
    branches = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    assert len(branches) == 1
    return branches[0]


def test_the_addons_document_is_valid_openapi_3_1() -> None:
    validate_openapi(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"


def test_the_document_describes_every_route_of_the_contract() -> None:
    assert set(DOCUMENT["paths"]) == {
        contract.QUOTATIONS_PATH,
        f"{contract.QUOTATIONS_PATH}/{{tracking_id}}",
        contract.PRODUCTS_PATH,
        contract.LEGACY_SUBMIT_PATH,
        f"{contract.LEGACY_STATUS_PATH}/{{tracking_id}}",
        contract.OPENAPI_PATH,
    }


def test_the_request_schemas_hold_the_contracts_fields_and_limits() -> None:
    with_lines = SCHEMAS["QuotationRequestWithLines"]
    flat = SCHEMAS["QuotationRequestFlat"]
    line = SCHEMAS["QuotationLine"]
    aliases = set(contract.LINE_ALIASES)
    assert set(with_lines["properties"]) == set(contract.REQUEST_FIELDS)
    assert set(flat["properties"]) == (
        set(contract.REQUEST_FIELDS) - {"lines"} | set(contract.LINE_FIELDS) | aliases
    )
    assert set(line["properties"]) == set(contract.LINE_FIELDS) | aliases
    assert with_lines["required"] == ["partner_name", "email", "lines"]
    assert flat["required"] == ["partner_name", "email"]
    assert not any(s["additionalProperties"] for s in (with_lines, flat, line))
    lines = with_lines["properties"]["lines"]
    assert (lines["minItems"], lines["maxItems"]) == (1, contract.MAX_LINES)
    props = flat["properties"]
    limits = {
        name: non_null(props[name])["maxLength"]
        for name in props
        if non_null(props[name]).get("type") == "string"
        and "maxLength" in non_null(props[name])
    }
    name = contract.MAX_NAME_LENGTH
    assert limits == {
        "partner_name": name,
        "contact_name": name,
        "email": name,
        "phone": contract.MAX_PHONE_LENGTH,
        "lead_name": name,
        "notes": contract.MAX_NOTES_LENGTH,
        "idempotency_key": contract.MAX_KEY_LENGTH,
        "source_ref": name,
    }
    assert non_null(props["source"])["enum"] == list(contract.SOURCES)
    assert props["email"]["pattern"] == payload_rules.EMAIL_RE.pattern
    wrapped = SCHEMAS["QuotationRequest"]["anyOf"][2]
    assert wrapped["required"] == [contract.WRAPPER]


def test_the_answer_schemas_hold_the_contracts_states_and_error_codes() -> None:
    error = SCHEMAS["Error"]["properties"]["error"]
    assert set(error["enum"]) == set(contract.ERROR_CODES.values())
    for name in ("Acknowledgement", "QuotationStatus"):
        assert SCHEMAS[name]["properties"]["status"]["enum"] == list(contract.STATES)
    limit = DOCUMENT["paths"][contract.PRODUCTS_PATH]["get"]["parameters"][1]
    assert limit["schema"]["maximum"] == contract.LOOKUP_MAX_LIMIT
    for path in DOCUMENT["paths"].values():
        for operation in path.values():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }
                    assert int(status) in contract.ERROR_CODES


def _filled(value: Any) -> Any:
    """An example's request with its placeholders replaced."""
    if isinstance(value, dict):
        return {key: _filled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item) for item in value]
    if value == "<product_id>":
        return 1
    if isinstance(value, str) and value.startswith("<bytes:"):
        return "x" * int(value[len("<bytes:") : -1])
    return value


def _accepted_examples() -> list[tuple[str, Any]]:
    examples = json.loads((ADDON_DIR / "tests/api_examples.json").read_text())
    found = [("request_body", _filled(examples["request_body"]))]
    for example in examples["examples"]:
        request = example["request"]
        if request["method"] == "POST" and example["response"]["status"] in (200, 202):
            found.append((example["name"], _filled(request["body"])))
    return found


@pytest.mark.parametrize(("name", "body"), _accepted_examples())
def test_every_body_the_addon_accepts_in_its_examples_is_valid(
    name: str, body: Any
) -> None:
    """The schema is no stricter than the addon on what its examples show."""
    jsonschema.validate(body, schema_of("QuotationRequest"))


@pytest.mark.parametrize(
    "body",
    [
        {"partner_name": "Acme", "email": "jane@acme.example"},
        {"partner_name": "Acme", "email": "not-an-email", "product_id": 1},
        {"partner_name": " ", "email": "jane@acme.example", "product_id": 1},
        {"partner_name": "Acme", "email": "j@a.example", "lines": []},
        {"partner_name": "Acme", "email": "j@a.example", "product_id": 1, "x": 1},
        {
            "partner_name": "Acme",
            "email": "j@a.example",
            "lines": [{"product_id": 1, "product_qty": 1, "quantity": 2}],
        },
        {
            "partner_name": "Acme",
            "email": "j@a.example",
            "lines": [{"product_id": 1}] * (contract.MAX_LINES + 1),
        },
    ],
)
def test_bodies_the_payload_rules_refuse_are_invalid_against_the_schema(
    body: dict[str, Any],
) -> None:
    """Each is refused by lib/payload.py and by the schema."""
    _, errors = payload_rules.parse_payload(body)
    assert errors
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema_of("QuotationRequest"))


def test_the_bridges_copy_equals_the_addons_document() -> None:
    """Refresh the copy with: .venv/bin/python -c 'import sys; sys.path[:0] =
    ["tests"]; from fake_odoo.addon import openapi; import json; print(json.dumps(
    openapi.openapi_document(), indent=2, sort_keys=True))' > bridge/addon_openapi.json
    """
    assert json.loads(BRIDGE_COPY.read_text()) == DOCUMENT
    assert ADDON_OPENAPI == DOCUMENT


def test_the_bridge_documents_its_proxied_routes_with_the_addons_schemas() -> None:
    from bridge.api import openapi_document

    bridge_document = openapi_document()
    validate_openapi(bridge_document)
    for name, schema in SCHEMAS.items():
        assert bridge_document["components"]["schemas"][name] == schema
    for path in (contract.QUOTATIONS_PATH, contract.LEGACY_SUBMIT_PATH):
        ours = bridge_document["paths"][path]["post"]
        theirs = DOCUMENT["paths"][path]["post"]
        assert ours["requestBody"] == theirs["requestBody"]
        assert ours["parameters"] == theirs["parameters"]
        for status, answer in theirs["responses"].items():
            schema = ours["responses"][status]["content"]["application/json"]
            assert answer["content"]["application/json"]["schema"] in (
                schema["schema"],
                *schema["schema"].get("anyOf", []),
            )


def test_the_fake_odoo_serves_the_addons_document_cacheably(
    fake_odoo: FakeOdoo,
) -> None:
    answer = httpx.get(f"{fake_odoo.url}{contract.OPENAPI_PATH}")
    assert answer.status_code == 200
    assert answer.json() == DOCUMENT
    assert answer.headers["cache-control"] == "public, max-age=3600"
    assert answer.headers["etag"]


def test_a_nul_character_is_a_field_error_not_a_database_error() -> None:
    """PostgreSQL's text cannot hold NUL: the rules refuse it (found by fuzzing)."""
    body = {"partner_name": "Acme\x00", "email": "j@a.example", "product_ref": "a\x00"}
    _, errors = payload_rules.parse_payload(body)
    assert {e["field"] for e in errors} == {"partner_name", "product_ref"}
    _, errors = lookup_rules.parse_lookup({"q": "desk\x00"})
    assert [e["field"] for e in errors] == ["q"]
