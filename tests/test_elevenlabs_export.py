"""The addon's ElevenLabs tool export against the tools API's schema."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fake_odoo.addon import ADDON_LIB_PACKAGE
from jsonschema import Draft202012Validator

SCHEMA = json.loads(
    (Path(__file__).with_name("elevenlabs_tool_schema.json")).read_text()
)
elevenlabs = importlib.import_module(f"{ADDON_LIB_PACKAGE}.elevenlabs")
payload = importlib.import_module(f"{ADDON_LIB_PACKAGE}.payload")
BASE_URL = "https://odoo.example.com"


@pytest.fixture(scope="module")
def tools() -> dict[str, dict[str, Any]]:
    exported = elevenlabs.tool_definitions(BASE_URL + "/")
    return {tool["tool_config"]["name"]: tool for tool in exported}


def test_every_exported_tool_is_valid_for_the_elevenlabs_tools_api(
    tools: dict[str, dict[str, Any]],
) -> None:
    Draft202012Validator.check_schema(SCHEMA)
    validator = Draft202012Validator(SCHEMA)
    assert set(tools) == {"find_product", "create_quotation", "get_quotation_status"}
    for name, tool in tools.items():
        assert list(validator.iter_errors(tool)) == [], name


def test_a_misspelt_key_would_fail_the_schema(tools: dict[str, dict[str, Any]]) -> None:
    broken = json.loads(json.dumps(tools["find_product"]))
    broken["tool_config"]["api_schema"]["query_param_schema"] = {}
    assert list(Draft202012Validator(SCHEMA).iter_errors(broken))


def test_urls_and_path_parameters_match_the_routes(
    tools: dict[str, dict[str, Any]],
) -> None:
    api = {name: tool["tool_config"]["api_schema"] for name, tool in tools.items()}
    assert api["find_product"]["url"] == f"{BASE_URL}/mcp_quotation/v1/products"
    assert api["find_product"]["query_params_schema"]["required"] == ["q"]
    status_url = api["get_quotation_status"]["url"]
    assert status_url == f"{BASE_URL}/mcp_quotation/v1/quotations/{{tracking_id}}"
    placeholders = set(re.findall(r"{(\w+)}", status_url))
    assert placeholders == set(api["get_quotation_status"]["path_params_schema"])


def test_the_body_schema_is_exactly_what_the_route_accepts(
    tools: dict[str, dict[str, Any]],
) -> None:
    body = tools["create_quotation"]["tool_config"]["api_schema"]["request_body_schema"]
    exported = set(body["properties"])
    assert exported == set(payload.REQUEST_FIELDS) - elevenlabs.NOT_EXPORTED
    line = body["properties"]["lines"]["items"]["properties"]
    assert set(line) == set(payload.LINE_FIELDS)
    conversation = body["properties"]["source_ref"]
    assert conversation["dynamic_variable"] == "system__conversation_id"


def test_the_api_key_appears_only_as_a_secret_placeholder(
    tools: dict[str, dict[str, Any]],
) -> None:
    for tool in tools.values():
        headers = tool["tool_config"]["api_schema"]["request_headers"]
        assert headers == {
            "Authorization": {"secret_id": elevenlabs.API_KEY_SECRET_PLACEHOLDER}
        }
