"""The fake Odoo's addon routes answer every shared example as the addon does."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fake_odoo import ADMIN_KEY, FakeOdoo

EXAMPLES_MODULE = (
    Path(__file__).resolve().parent.parent
    / "odoo_addons"
    / "mcp_quotation"
    / "tests"
    / "api_examples.py"
)
# A product the fake sells (Robot PUDU BellaBot).
PRODUCT_ID = 20


def load_examples_module() -> ModuleType:
    """The addon's plain-Python reader and matcher of its examples, by path."""
    spec = importlib.util.spec_from_file_location("api_examples", EXAMPLES_MODULE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_examples = load_examples_module()
DOCUMENT = api_examples.load_examples()


def fill(value: Any, tracking_id: str | None = None) -> Any:
    return api_examples.fill(
        value, api_key=ADMIN_KEY, product_id=PRODUCT_ID, tracking_id=tracking_id
    )


def given_request(http: httpx.Client, fake: FakeOdoo, given: dict[str, Any]) -> str:
    """Submit the document's request body, then bring it to the given state."""
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    if given.get("idempotency_key"):
        headers["Idempotency-Key"] = given["idempotency_key"]
    answer = http.post(
        "/mcp_quotation/v1/quotations",
        json=fill(DOCUMENT["request_body"]),
        headers=headers,
    )
    assert answer.status_code == 202, answer.text
    tracking_id: str = answer.json()["tracking_id"]
    fake.settle(tracking_id, given["state"])
    return tracking_id


@pytest.mark.parametrize(
    "example", DOCUMENT["examples"], ids=[e["name"] for e in DOCUMENT["examples"]]
)
def test_the_fake_answers_the_addons_example(
    example: dict[str, Any], fake_odoo: FakeOdoo
) -> None:
    with httpx.Client(base_url=fake_odoo.url, timeout=30) as http:
        given = (example["given"] or {}).get("request")
        tracking_id = given_request(http, fake_odoo, given) if given else None
        request = example["request"]
        headers = fill(request["headers"], tracking_id)
        content = None
        if "body" in request:
            content = json.dumps(fill(request["body"], tracking_id)).encode()
            headers.setdefault("Content-Type", "application/json")
        elif "body_text" in request:
            content = request["body_text"].encode()
        answer = http.request(
            request["method"],
            fill(request["path"], tracking_id),
            content=content,
            headers=headers,
        )
    expected = example["response"]
    assert answer.status_code == expected["status"], answer.text
    assert api_examples.header_mismatches(expected["headers"], answer.headers) == []
    problems = api_examples.mismatches(
        expected["body"], answer.json(), tracking_id=tracking_id
    )
    assert problems == []
