"""A fake Odoo 19 for CI: the JSON-2 API and the mcp_quotation routes.

Records live in memory. A pytest plugin (conftest registers it): its fixtures
give each test the fake, or a real Odoo 19 when one is installed.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from fake_odoo.addon import AddonRoutes, Quotation, not_found
from fake_odoo.data import ADMIN_KEY, DATABASE, READONLY_USER_KEY, demo_records
from fake_odoo.json2 import Json2
from fake_odoo.serving import free_port, serve_app

__all__ = [
    "ADMIN_KEY",
    "DATABASE",
    "READONLY_USER_KEY",
    "Backend",
    "FakeOdoo",
    "free_port",
    "running_fake_odoo",
    "serve_app",
]


@dataclass
class FakeOdoo(Json2, AddonRoutes):
    """In-memory Odoo: records, API keys and quotation requests."""

    data: dict[str, dict[int, dict[str, Any]]] = field(default_factory=demo_records)
    keys: dict[str, int] = field(
        default_factory=lambda: {ADMIN_KEY: 2, READONLY_USER_KEY: 6}
    )
    calls: Counter[str] = field(default_factory=Counter)
    requests: list[dict[str, Any]] = field(default_factory=list)
    quotations: dict[str, Quotation] = field(default_factory=dict)
    idempotency: dict[tuple[int, str], str] = field(default_factory=dict)
    # Number of status polls before a quotation is completed.
    polls_to_complete: int = 2
    # The addon's flood control: new requests per minute per user (0: off),
    # and when each user's were stored.
    rate_limit_per_minute: int = 0
    submitted: dict[int, list[float]] = field(default_factory=dict)
    # Models whose module is "not installed": JSON-2 answers 404 for them.
    missing_models: set[str] = field(default_factory=set)
    fail_next: list[int] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    url: str = ""

    # -- HTTP plumbing ----------------------------------------------------------

    def app(self) -> Starlette:
        """The ASGI app serving the fake."""
        return Starlette(
            routes=[
                Route("/web/version", self.version, methods=["GET"]),
                Route("/json/2/{model}/{method}", self.json2, methods=["POST"]),
                *self.addon_routes(),
            ],
            exception_handlers={404: not_found},
        )

    def _user(self, request: Request) -> int | None:
        header = request.headers.get("authorization", "")
        match = re.match(r"^bearer\s+(.+)$", header, re.IGNORECASE)
        return self.keys.get(match.group(1)) if match else None

    def _record_request(self, request: Request, body: Any) -> None:
        self.requests.append(
            {
                "method": request.method,
                "path": request.url.path,
                "headers": dict(request.headers),
                "body": body,
            }
        )


@contextmanager
def running_fake_odoo() -> Iterator[FakeOdoo]:
    """A FakeOdoo served on a free loopback port."""
    fake = FakeOdoo()
    with serve_app(fake.app()) as url:
        fake.url = url
        yield fake


# -- fixtures shared by the bridge's tests (import them into a test module) -------


@dataclass
class Backend:
    """An Odoo to test against: the fake, or a real Odoo 19 when available."""

    kind: str
    url: str
    database: str
    api_key: str
    fake: FakeOdoo | None = None
    login: str = "admin"
    password: str = "admin"

    def settings(self, tmp_path: Any, **overrides: Any) -> Any:
        """Bridge settings: `prod` read-only for reads, `dev` for writes."""
        from bridge.config import Settings

        instance = {"url": self.url, "database": self.database, "api_key": self.api_key}
        values: dict[str, Any] = {
            "instances": {
                "prod": {**instance, "read_only": True},
                "dev": instance,
            },
            "read_instance": "prod",
            "write_instance": "dev",
            "audit": {
                "directory": tmp_path / "audit",
                "spool_directory": tmp_path / "spool",
            },
        }
        values.update(overrides)
        return Settings(**values)

    async def create(self, model: str, *vals_list: dict[str, Any]) -> list[int]:
        """Create records straight through JSON-2 (test data, not the bridge)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            response = await http.post(
                f"/json/2/{model}/create",
                json={"vals_list": list(vals_list)},
                headers={
                    "Authorization": f"bearer {self.api_key}",
                    "X-Odoo-Database": self.database,
                },
            )
        response.raise_for_status()
        return list(response.json())


@pytest.fixture(scope="session")
def fake_odoo_server() -> Iterator[FakeOdoo]:
    """One fake Odoo for the session; tests reset it through `fake_odoo`."""
    with running_fake_odoo() as fake:
        yield fake


@pytest.fixture
def fake_odoo(fake_odoo_server: FakeOdoo) -> FakeOdoo:
    """The session's fake Odoo, with fresh data and counters."""
    fresh = FakeOdoo()
    for name in (
        "data",
        "calls",
        "requests",
        "quotations",
        "idempotency",
        "submitted",
        "fail_next",
        "_ids",
    ):
        setattr(fake_odoo_server, name, getattr(fresh, name))
    fake_odoo_server.polls_to_complete = fresh.polls_to_complete
    fake_odoo_server.rate_limit_per_minute = fresh.rate_limit_per_minute
    fake_odoo_server.missing_models = fresh.missing_models
    return fake_odoo_server


@pytest.fixture
def real_backend(request: pytest.FixtureRequest) -> Backend:
    """A real Odoo 19: BRIDGE_TEST_ODOO_URL when set, else the `odoo` fixture."""
    url = os.environ.get("BRIDGE_TEST_ODOO_URL")
    if url:
        # An Odoo 19 that is already running (e.g. docker compose up).
        return Backend(
            "real",
            url,
            os.environ.get("BRIDGE_TEST_ODOO_DB", ""),
            os.environ["BRIDGE_TEST_ODOO_API_KEY"],
            login=os.environ.get("BRIDGE_TEST_ODOO_LOGIN", "admin"),
            password=os.environ.get("BRIDGE_TEST_ODOO_PASSWORD", "admin"),
        )
    real = request.getfixturevalue("odoo")
    return Backend(
        "real",
        real.url,
        real.db,
        real.api_key,
        login=real.login,
        password=real.password,
    )


@pytest.fixture(
    params=["fake", pytest.param("real", marks=pytest.mark.odoo)],
)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each test runs against the fake Odoo and, when installed, a real Odoo 19."""
    if request.param == "fake":
        fake = request.getfixturevalue("fake_odoo")
        return Backend("fake", fake.url, DATABASE, ADMIN_KEY, fake)
    real: Backend = request.getfixturevalue("real_backend")
    return real
