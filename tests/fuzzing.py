"""Property-based fuzzing of an OpenAPI document's operations with schemathesis,
bounded (a fixed seed, a fixed number of examples per operation), shared by
tests/test_fuzz_addon.py and tests/test_fuzz_bridge.py.

Each operation gets valid inputs (positive) and inputs that break its schema
(negative). Every answer must be: no 5xx, JSON, a status the document lists,
a body and headers its schema allows; and a submission stores exactly one
request when it answers 202, none otherwise."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.errors
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SEED = 18
# Per operation, split evenly between valid and invalid inputs.
EXAMPLES_PER_OPERATION = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@dataclass
class OperationReport:
    """What one operation was sent and what it answered."""

    examples: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    no_invalid_input: bool = False


@dataclass
class FuzzReport:
    """Per operation ("POST /path"): examples and the statuses they got."""

    operations: dict[str, OperationReport] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line per operation, for the test's output."""
        lines = [
            f"{name}: {op.examples} examples, statuses "
            f"{dict(sorted(op.statuses.items()))}"
            + (
                " (every input valid: no negative examples)"
                if op.no_invalid_input
                else ""
            )
            for name, op in self.operations.items()
        ]
        total = sum(op.examples for op in self.operations.values())
        lines.append(f"{total} examples in {self.seconds:.1f} s, failures 0")
        return "\n".join(lines)


def fuzz(
    document: dict[str, Any],
    base_url: str,
    *,
    headers: dict[str, str],
    stored: Callable[[], int],
    skip: frozenset[str] = frozenset(),
) -> FuzzReport:
    """Fuzz every operation of `document` (except those in `skip`) served at
    `base_url`; `stored()` counts the stored quotation requests. Raises on the
    first failing example."""
    schema = schemathesis.openapi.from_dict(document)
    report = FuzzReport()
    began = time.monotonic()
    for path, methods in document["paths"].items():
        for method in methods:
            name = f"{method.upper()} {path}"
            if name in skip:
                continue
            operation = schema[path][method.upper()]
            seen = report.operations.setdefault(name, OperationReport())
            has_input = {"parameters", "requestBody"} & set(methods[method])
            modes = [GenerationMode.POSITIVE]
            if has_input:  # without any, nothing can break the schema
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                try:
                    _run(operation.as_strategy(mode), base_url, headers, stored, seen)
                except hypothesis.errors.Unsatisfiable:
                    # Every input takes any value (a path's tracking id is
                    # any string): there is no invalid input to send.
                    if mode is GenerationMode.POSITIVE:
                        raise
                    seen.no_invalid_input = True
    report.seconds = time.monotonic() - began
    return report


def _run(
    strategy: Any,
    base_url: str,
    headers: dict[str, str],
    stored: Callable[[], int],
    seen: OperationReport,
) -> None:
    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION // 2,
        deadline=None,
        database=None,
        # Reported as found: shrinking a failure could take minutes.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def example(case: Any) -> None:
        before = stored()
        response = case.call_and_validate(
            base_url=base_url, headers=headers, checks=CHECKS, timeout=60
        )
        seen.examples += 1
        seen.statuses[response.status_code] += 1
        where = f"{case.method} {case.path} -> {response.status_code}"
        assert response.headers.get("content-type", [""])[0].startswith(
            "application/json"
        ), where
        json.loads(response.content)
        created = 1 if response.status_code == 202 else 0
        assert stored() - before == created, f"{where} stored {stored() - before}"

    example()
