"""The addon's routes on a real Odoo fuzzed with schemathesis against the
OpenAPI document the addon serves itself: the tests' own Odoo, or the one
BRIDGE_TEST_ODOO_URL names."""

from __future__ import annotations

import httpx
import pytest
from fake_odoo import Backend
from fake_odoo.addon import contract, openapi
from fuzzing import fuzz

pytestmark = pytest.mark.odoo


def test_every_answer_of_the_addon_to_generated_input_holds_to_its_document(
    real_backend: Backend,
) -> None:
    odoo = real_backend
    headers = {
        "Authorization": f"Bearer {odoo.api_key}",
        "X-Odoo-Database": odoo.database,
    }
    with httpx.Client(base_url=odoo.url, headers=headers, timeout=60) as client:
        served = client.get(contract.OPENAPI_PATH)
        assert served.json() == openapi.openapi_document()

        def stored() -> int:
            answer = client.post(
                "/json/2/quotation.request/search_count", json={"domain": []}
            )
            answer.raise_for_status()
            return int(answer.json())

        report = fuzz(served.json(), odoo.url, headers=headers, stored=stored)
    print(report.summary())
    assert all(op.examples for op in report.operations.values())
