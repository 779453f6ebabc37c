"""End-to-end: OAuth callers act as their own Odoo users, so Odoo's record
rules decide what each sees, and what they create names them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from conftest import OdooInstance, odoo_command, odoo_shell
from fake_odoo import free_port, serve_app
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult
from oidc_provider import Provider, running_provider
from test_e2e_quotations import call_odoo, odoo_client

from bridge.app import create_app
from bridge.config import Settings

pytestmark = pytest.mark.odoo

ADMIN_TOKEN = "static-token-of-the-back-office-0123456789"

# Two salespeople in "Sales / User: Own Documents Only" (and allowed to submit
# quotation requests), two orders each for one customer, an API key each.
SETUP = """
import json
suffix = {suffix!r}
Users = env["res.users"].with_context(no_reset_password=True)
groups = [
    env.ref("sales_team.group_sale_salesman").id,
    env.ref("mcp_quotation.mcp_quotation_group_user").id,
]
customer = env["res.partner"].create({{"name": "Identity Customer " + suffix}})
product = env["product.product"].search([("sale_ok", "=", True)], limit=1)
people = {{}}
for first in ("ann", "ben"):
    user = Users.create({{
        "name": first.title() + " " + suffix,
        "login": first + "." + suffix + "@example.com",
        "email": first + "." + suffix + "@example.com",
        {groups_field!r}: [(6, 0, groups)],
    }})
    orders = env["sale.order"].create([
        {{
            "partner_id": customer.id,
            "user_id": user.id,
            "order_line": [(0, 0, {{"product_id": product.id}})],
        }}
        for _ in range(2)
    ])
    key = env["res.users.apikeys"].with_user(user).sudo()._generate(
        None, "bridge", None
    )
    people[first] = {{
        "id": user.id,
        "login": user.login,
        "key": key,
        "orders": sorted(orders.mapped("name")),
    }}
env.cr.commit()
print("IDENTITY=" + json.dumps(
    {{"customer": customer.id, "product": product.id, "people": people}}
))
"""


@dataclass
class Salespeople:
    """What SETUP created."""

    customer: int
    product: int
    people: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def salespeople(odoo: OdooInstance) -> Salespeople:
    command = odoo_command()
    if command is None or not odoo.shell_options:
        pytest.skip("needs the `odoo` fixture's own Odoo (odoo shell)")
    # A user's groups are `group_ids` on 19.0, `groups_id` on 18.0.
    groups_field = "group_ids" if odoo.series >= 19 else "groups_id"
    script = SETUP.format(suffix=secrets.token_hex(3), groups_field=groups_field)
    result = odoo_shell(command, list(odoo.shell_options), script)
    for line in result.stdout.splitlines():
        if line.startswith("IDENTITY="):
            created = json.loads(line.removeprefix("IDENTITY="))
            return Salespeople(
                created["customer"], created["product"], created["people"]
            )
    raise RuntimeError(f"setup printed nothing:\n{result.stderr[-2000:]}")


@dataclass
class Bridge:
    url: str
    resource: str
    audit: Path


@pytest.fixture(scope="module")
def provider(salespeople: Salespeople) -> Iterator[Provider]:
    users = [
        {"sub": f"sub-{name}", "email": person["login"], "email_verified": True}
        for name, person in salespeople.people.items()
    ]
    with running_provider(*users) as running:
        yield running


@pytest.fixture
def bridge(
    odoo: OdooInstance,
    salespeople: Salespeople,
    provider: Provider,
    tmp_path: Path,
) -> Iterator[Bridge]:
    port = free_port()
    instance = {"url": odoo.url, "database": odoo.db, "api_key": odoo.api_key}
    if odoo.series < 19:
        # 18.0 takes an API key only with its user's login (docs/odoo-series.md).
        instance["login"] = odoo.login
    settings = Settings(
        instances={"odoo": instance},
        http={"tokens": {"back-office": ADMIN_TOKEN}},
        oauth={
            "issuer": provider.url,
            "resource": f"http://127.0.0.1:{port}/mcp",
            "users": {
                person["login"]: {
                    "login": person["login"],
                    "api_keys": {"odoo": person["key"]},
                }
                for person in salespeople.people.values()
            },
        },
        audit={"directory": tmp_path / "audit"},
    )
    with serve_app(create_app(settings), port=port) as url:
        yield Bridge(url, f"{url}/mcp", tmp_path / "audit")


async def call_tool_as(
    bridge: Bridge, token: str, tool: str, arguments: dict[str, Any]
) -> CallToolResult:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    async with Client(streamable_http_client(bridge.resource, http_client=http)) as mcp:
        return await mcp.call_tool(tool, arguments)


async def call_as(
    bridge: Bridge, token: str, tool: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    result = await call_tool_as(bridge, token, tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_list_sales_as_two_salespeople_shows_each_only_their_own_orders(
    bridge: Bridge, provider: Provider, salespeople: Salespeople, odoo: OdooInstance
) -> None:
    query = {"customer_id": salespeople.customer, "limit": 20}
    if odoo.series < 19:
        # odoorpc holds one session per instance: a caller's own Odoo user is
        # refused by name on 18.0, never served with the instance's key.
        token = provider.token("sub-ann", audience=bridge.resource)
        refused = await call_tool_as(bridge, token, "list_sales", query)
        assert refused.is_error
        assert "need JSON-2" in str(refused.content)
        everything = await call_as(bridge, ADMIN_TOKEN, "list_sales", query)
        assert {row["name"] for row in everything["items"]} == {
            order
            for person in salespeople.people.values()
            for order in person["orders"]
        }
        return
    seen: dict[str, list[tuple[str, str]]] = {}
    for name in salespeople.people:
        token = provider.token(f"sub-{name}", audience=bridge.resource)
        page = await call_as(bridge, token, "list_sales", query)
        seen[name] = sorted(
            (row["name"], row["salesperson"]["name"]) for row in page["items"]
        )
    everything = await call_as(bridge, ADMIN_TOKEN, "list_sales", query)
    shown = {
        **seen,
        "back-office (instance key)": sorted(r["name"] for r in everything["items"]),
    }
    print("list_sales as each caller:", json.dumps(shown))
    for name, person in salespeople.people.items():
        assert [order for order, _ in seen[name]] == person["orders"]
    assert {row["name"] for row in everything["items"]} == {
        order for person in salespeople.people.values() for order in person["orders"]
    }
    documents = [json.loads(p.read_text()) for p in bridge.audit.rglob("*.json")]
    assert {(d["client"], d["odoo_user"]) for d in documents} >= {
        (f"oauth:{p['login']}", p["login"]) for p in salespeople.people.values()
    }


@pytest.mark.anyio
async def test_a_quotation_request_names_the_caller_as_its_creator(
    bridge: Bridge, provider: Provider, salespeople: Salespeople, odoo: OdooInstance
) -> None:
    ann = salespeople.people["ann"]
    token = provider.token("sub-ann", audience=bridge.resource)
    accepted = await call_as(
        bridge,
        token,
        "create_quotation",
        {
            "partner_name": "Creator Check Co",
            "email": "buyer@creator.example",
            "product_id": salespeople.product,
            "idempotency_key": f"identity-{secrets.token_hex(6)}",
        },
    )
    with odoo_client(odoo) as admin:
        [request] = call_odoo(
            admin,
            "quotation.request",
            "search_read",
            domain=[("tracking_id", "=", accepted["tracking_id"])],
            fields=["create_uid"],
        )
    assert request["create_uid"][0] == ann["id"]
