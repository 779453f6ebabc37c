"""The bridge's REST routes fuzzed with schemathesis against its own OpenAPI
document, in front of the fake Odoo (which validates with the addon's rules)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_odoo import ADMIN_KEY, DATABASE, FakeOdoo, serve_app
from fuzzing import fuzz

from bridge.app import create_app
from bridge.config import Settings

# Prometheus' text format, not JSON: no input to fuzz either.
NOT_FUZZED = frozenset({"GET /metrics"})


@pytest.fixture
def bridge_url(fake_odoo: FakeOdoo, tmp_path: Path) -> Iterator[str]:
    instance = {"url": fake_odoo.url, "database": DATABASE, "api_key": ADMIN_KEY}
    settings = Settings(
        instances={"dev": instance},
        # The bridge's own rate limit would answer most examples with 429.
        http={"rate_limit_per_minute": 0},
        audit={"directory": tmp_path / "audit"},
    )
    with serve_app(create_app(settings)) as url:
        yield url


def test_every_answer_of_the_bridge_to_generated_input_holds_to_its_document(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    document = httpx.get(f"{bridge_url}/openapi.json").json()
    report = fuzz(
        document,
        bridge_url,
        headers={},
        stored=lambda: len(fake_odoo.quotations),
        skip=NOT_FUZZED,
    )
    print(report.summary())
    assert all(op.examples for op in report.operations.values())
