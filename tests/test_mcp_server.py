"""Every MCP tool through the SDK's in-memory client, on the fake and a real Odoo."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from fake_odoo import (
    ADMIN_KEY,
    DATABASE,
    READONLY_USER_KEY,
    Backend,
    FakeOdoo,
    serve_app,
)
from jsonschema import Draft202012Validator
from mcp import Client
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel
from starlette.applications import Starlette

from bridge.audit import AuditLog
from bridge.config import Settings
from bridge.mcp_server import build_server
from bridge.service import OdooService
from bridge.tools.registry import flat_schema

READ_TOOLS = {
    "search",
    "fetch",
    "list_projects",
    "list_tasks",
    "list_sales",
    "list_leads",
    "list_users",
    "search_contacts",
    "search_products",
    "get_quotation_status",
}
WRITE_TOOLS = {"create_task", "update_task", "create_lead", "create_quotation"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_backend(fake_odoo: FakeOdoo) -> Backend:
    """The fake Odoo alone: for tests that count the requests Odoo gets."""
    return Backend("fake", fake_odoo.url, DATABASE, ADMIN_KEY, fake_odoo)


@asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[Client]:
    """An in-memory MCP client on a bridge built from `settings`."""
    service = OdooService(settings)
    audit = AuditLog(settings.audit, secrets=settings.secrets())
    server = build_server(service, audit)
    async with audit.running(), service, Client(server) as client:
        yield client


def data(result: CallToolResult) -> Any:
    """The structured result of a successful call."""
    assert not result.is_error, error_text(result)
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


def audit_documents(settings: Settings) -> list[dict[str, Any]]:
    root = Path(settings.audit.directory)
    return [json.loads(p.read_text()) for p in sorted(root.rglob("*.json"))]


def tag() -> str:
    return uuid.uuid4().hex[:10]


@pytest.mark.anyio
async def test_tools_are_listed_with_annotations_and_output_schemas(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == READ_TOOLS | WRITE_TOOLS
    for name, tool in tools.items():
        assert tool.description, name
        assert tool.output_schema is not None, name
        assert tool.annotations is not None, name
        assert tool.annotations.read_only_hint is (name in READ_TOOLS), name
        assert tool.annotations.open_world_hint is False, name
    assert tools["update_task"].annotations.destructive_hint is True  # type: ignore[union-attr]
    assert tools["create_task"].annotations.idempotent_hint is False  # type: ignore[union-attr]
    assert tools["create_quotation"].annotations.idempotent_hint is True  # type: ignore[union-attr]
    limit = tools["list_sales"].input_schema["properties"]["limit"]
    assert (limit["default"], limit["maximum"]) == (25, 100)


class _Link(BaseModel):
    id: int
    name: str


class _Row(BaseModel):
    link: _Link | None
    links: list[_Link]
    state: Literal["draft", "sale"] | None
    kind: Literal["lead"] | None = None
    note: str | int | None = None


def test_flat_schemas_accept_and_refuse_exactly_what_the_original_does() -> None:
    original = _Row.model_json_schema()
    flat = flat_schema(original)
    assert "$ref" not in json.dumps(flat)
    assert "$defs" not in flat
    assert flat["properties"]["state"]["type"] == ["string", "null"]
    samples: list[Any] = [
        {"link": None, "links": [], "state": None},
        {"link": {"id": 1, "name": "a"}, "links": [{"id": 2, "name": "b"}]},
        {"link": None, "links": [], "state": "sale", "kind": "lead", "note": 3},
        {"link": {"id": "1", "name": "a"}, "links": [], "state": None},
        {"link": None, "links": [{"id": 2}], "state": None},
        {"link": None, "links": [], "state": "cancel"},
        {"link": None, "links": [], "state": None, "kind": "opportunity"},
        {"link": None, "links": [], "state": None, "note": 1.5},
        {"link": 1, "links": [], "state": None},
        {"links": [], "state": None},
    ]
    for sample in samples:
        assert Draft202012Validator(flat).is_valid(sample) is Draft202012Validator(
            original
        ).is_valid(sample), sample


@pytest.mark.anyio
async def test_published_output_schemas_have_no_refs_and_validate_real_results(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        calls = {
            "list_sales": {"limit": 5},
            "list_tasks": {"limit": 5},
            "list_leads": {"limit": 5},
            "search_contacts": {"query": "a", "limit": 5},
        }
        results = {
            name: data(await client.call_tool(name, arguments))
            for name, arguments in calls.items()
        }
    for name, tool in tools.items():
        assert tool.output_schema is not None, name
        assert "$ref" not in json.dumps(tool.output_schema), name
        Draft202012Validator.check_schema(tool.output_schema)
    for name, result in results.items():
        assert result["items"], name
        Draft202012Validator(tools[name].output_schema).validate(result)


@pytest.mark.anyio
async def test_search_products_goes_from_a_name_or_reference_to_a_product_id(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [pid] = await backend.create(
        "product.product",
        {"name": f"Robot PUDU {t}", "default_code": f"PUDU-{t}", "list_price": 15000.0},
    )
    async with connected(backend.settings(tmp_path)) as client:
        by_name = data(
            await client.call_tool("search_products", {"query": f"PUDU {t}"})
        )
        by_ref = data(await client.call_tool("search_products", {"query": f"PUDU-{t}"}))
    for page in (by_name, by_ref):
        # Spelling-tolerant: the product itself first, other robots after it.
        product = page["items"][0]
        assert product["id"] == pid
        assert product["reference"] == f"PUDU-{t}"
        assert product["list_price"] == 15000.0
        assert product["url"].endswith(f"/odoo/product.product/{pid}")


@pytest.mark.anyio
async def test_listings_page_with_offsets_and_next_page_hints(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    await backend.create(
        "product.product", *({"name": f"Gadget {t} {n:02d}"} for n in range(27))
    )
    async with connected(backend.settings(tmp_path)) as client:
        first = data(await client.call_tool("search_products", {"query": t}))
        second = data(
            await client.call_tool(
                "search_products", {"query": t, "offset": first["next_offset"]}
            )
        )
        small = data(
            await client.call_tool("search_products", {"query": t, "limit": 2})
        )
    assert (len(first["items"]), first["has_more"], first["next_offset"]) == (
        25,
        True,
        25,
    )
    assert (len(second["items"]), second["has_more"], second["next_offset"]) == (
        2,
        False,
        None,
    )
    # Ranked by similarity to the query: the two pages together hold each once.
    names = [p["name"] for p in first["items"] + second["items"]]
    assert len(set(names)) == 27
    assert (len(small["items"]), small["next_offset"]) == (2, 2)


@pytest.mark.anyio
async def test_a_listing_is_one_odoo_request(
    fake_backend: Backend, fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    async with connected(fake_backend.settings(tmp_path)) as client:
        for tool, args in [
            ("search_products", {"query": "Widget", "limit": 5}),
            ("list_tasks", {"limit": 1}),
            ("list_sales", {}),
        ]:
            fake_odoo.requests.clear()
            data(await client.call_tool(tool, args))
            assert len(fake_odoo.requests) == 1, tool
    assert "project.task.search_count" not in fake_odoo.calls


@pytest.mark.anyio
async def test_a_page_size_above_the_cap_is_refused(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        result = await client.call_tool("list_projects", {"limit": 101})
    assert result.is_error
    assert "limit" in error_text(result)


@pytest.mark.anyio
async def test_an_unknown_argument_is_refused_by_name_before_calling_odoo(
    fake_backend: Backend, fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    async with connected(fake_backend.settings(tmp_path)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        fake_odoo.requests.clear()
        misspelt = await client.call_tool("list_sales", {"limt": 5})
    assert misspelt.is_error
    assert "limt" in error_text(misspelt)
    assert "Extra inputs are not permitted" in error_text(misspelt)
    assert fake_odoo.requests == []
    for name, tool in tools.items():
        assert tool.input_schema["additionalProperties"] is False, name


@pytest.mark.anyio
async def test_search_and_fetch_follow_the_chatgpt_connector_shape(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [partner] = await backend.create(
        "res.partner",
        {"name": f"Fetchable {t}", "email": f"{t}@example.com", "is_company": True},
    )
    async with connected(backend.settings(tmp_path)) as client:
        found = data(await client.call_tool("search", {"query": f"Fetchable {t}"}))
        hit = next(r for r in found["results"] if r["id"] == f"res.partner:{partner}")
        document = data(await client.call_tool("fetch", {"id": hit["id"]}))
    assert set(hit) == {"id", "title", "url"}
    assert hit["url"].endswith(f"/odoo/res.partner/{partner}")
    assert set(document) == {"id", "title", "text", "url", "metadata"}
    assert f"Fetchable {t}" in document["title"]
    assert f"{t}@example.com" in document["text"]
    assert document["metadata"]["model"] == "res.partner"


@pytest.mark.anyio
async def test_fetch_of_a_missing_record_says_it_is_missing(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        missing = await client.call_tool("fetch", {"id": "res.partner:987654321"})
        malformed = await client.call_tool("fetch", {"id": "res.partner"})
    assert missing.is_error and "missing" in error_text(missing).lower()
    assert malformed.is_error and "Unknown document id" in error_text(malformed)


@pytest.mark.anyio
async def test_list_tasks_filters_by_project_assignee_and_stage(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [project] = await backend.create("project.project", {"name": f"Project {t}"})
    [stage] = await backend.create("project.task.type", {"name": f"Stage {t}"})
    [assigned, _] = await backend.create(
        "project.task",
        {
            "name": f"Assigned {t}",
            "project_id": project,
            "stage_id": stage,
            "user_ids": [[6, 0, [2]]],
        },
        {"name": f"Open {t}", "project_id": project, "user_ids": [[6, 0, []]]},
    )
    async with connected(backend.settings(tmp_path)) as client:
        projects = data(
            await client.call_tool("list_projects", {"name": f"Project {t}"})
        )
        every = data(await client.call_tool("list_tasks", {"project_id": project}))
        mine = data(
            await client.call_tool(
                "list_tasks", {"project_id": project, "assignee_id": 2}
            )
        )
        staged = data(
            await client.call_tool(
                "list_tasks", {"project_id": project, "stage": f"Stage {t}"}
            )
        )
    assert [p["id"] for p in projects["items"]] == [project]
    assert len(every["items"]) == 2
    assert [task["id"] for task in mine["items"]] == [assigned]
    assert [task["id"] for task in staged["items"]] == [assigned]
    task = mine["items"][0]
    assert task["stage"] == {"id": stage, "name": f"Stage {t}"}
    assert [a["id"] for a in task["assignees"]] == [2]
    assert task["assignees"][0]["name"]
    assert task["project"]["id"] == project


@pytest.mark.anyio
async def test_list_sales_filters_by_state_customer_and_dates(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [customer] = await backend.create(
        "res.partner", {"name": f"Customer {t}", "is_company": True}
    )
    [january, march] = await backend.create(
        "sale.order",
        {"partner_id": customer, "date_order": "2026-01-15 10:00:00"},
        {"partner_id": customer, "date_order": "2026-03-10 10:00:00"},
    )
    async with connected(backend.settings(tmp_path)) as client:
        both = data(await client.call_tool("list_sales", {"customer": f"Customer {t}"}))
        spring = data(
            await client.call_tool(
                "list_sales",
                {"customer_id": customer, "date_from": "2026-03-01", "state": "draft"},
            )
        )
        winter = data(
            await client.call_tool(
                "list_sales", {"customer_id": customer, "date_to": "2026-01-31"}
            )
        )
        confirmed = data(
            await client.call_tool(
                "list_sales", {"customer_id": customer, "state": "sale"}
            )
        )
        bad = await client.call_tool("list_sales", {"date_from": "2026-13-45"})
    assert [o["id"] for o in both["items"]] == [march, january]
    assert [o["id"] for o in spring["items"]] == [march]
    assert [o["id"] for o in winter["items"]] == [january]
    assert confirmed["items"] == []
    assert both["items"][0]["customer"] == {"id": customer, "name": f"Customer {t}"}
    assert bad.is_error


@pytest.mark.anyio
async def test_list_leads_filters_by_type_and_salesperson(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [opportunity, lead] = await backend.create(
        "crm.lead",
        {"name": f"Deal {t}", "type": "opportunity", "user_id": 2},
        {"name": f"Lead {t}", "type": "lead", "user_id": False},
    )
    async with connected(backend.settings(tmp_path)) as client:
        all_ = data(await client.call_tool("list_leads", {"name": t}))
        opportunities = data(
            await client.call_tool("list_leads", {"name": t, "type": "opportunity"})
        )
        by_salesperson = data(
            await client.call_tool("list_leads", {"name": t, "salesperson_id": 2})
        )
    assert {x["id"] for x in all_["items"]} == {opportunity, lead}
    assert [x["id"] for x in opportunities["items"]] == [opportunity]
    assert [x["id"] for x in by_salesperson["items"]] == [opportunity]
    assert by_salesperson["items"][0]["salesperson"]["id"] == 2


@pytest.mark.anyio
async def test_list_users_lists_internal_users_only(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        users = data(await client.call_tool("list_users", {"limit": 100}))
    logins = {u["login"] for u in users["items"]}
    assert "admin" in logins
    assert "portal" not in logins


@pytest.mark.anyio
async def test_search_contacts_finds_people_and_companies(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [company] = await backend.create(
        "res.partner", {"name": f"Company {t}", "is_company": True}
    )
    [person] = await backend.create(
        "res.partner",
        {"name": f"Person {t}", "email": f"p.{t}@example.com", "parent_id": company},
    )
    async with connected(backend.settings(tmp_path)) as client:
        by_email = data(
            await client.call_tool("search_contacts", {"query": f"p.{t}@example"})
        )
        companies = data(
            await client.call_tool("search_contacts", {"query": t, "is_company": True})
        )
    assert [p["id"] for p in by_email["items"]] == [person]
    assert by_email["items"][0]["company"]["id"] == company
    assert [p["id"] for p in companies["items"]] == [company]


@pytest.mark.anyio
async def test_create_task_then_update_task_on_the_writable_instance(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [project] = await backend.create("project.project", {"name": f"Writable {t}"})
    [stage] = await backend.create("project.task.type", {"name": f"Review {t}"})
    async with connected(backend.settings(tmp_path)) as client:
        task = data(
            await client.call_tool(
                "create_task",
                {"project_id": project, "name": f"Task {t}", "deadline": "2026-12-24"},
            )
        )
        updated = data(
            await client.call_tool(
                "update_task",
                {"task_id": task["id"], "stage_id": stage, "assignee_ids": [2]},
            )
        )
        cleared = data(
            await client.call_tool(
                "update_task", {"task_id": task["id"], "clear_deadline": True}
            )
        )
        nothing = await client.call_tool("update_task", {"task_id": task["id"]})
    assert task["name"] == f"Task {t}" and task["project"]["id"] == project
    assert task["deadline"].startswith("2026-12-24")
    assert updated["stage"]["id"] == stage
    assert [a["id"] for a in updated["assignees"]] == [2]
    assert cleared["deadline"] is None
    assert nothing.is_error and "Nothing to change" in error_text(nothing)


@pytest.mark.anyio
async def test_create_lead_returns_the_new_lead(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    async with connected(backend.settings(tmp_path)) as client:
        lead = data(
            await client.call_tool(
                "create_lead",
                {
                    "name": f"Inbound {t}",
                    "contact_name": "Ana Lima",
                    "email": f"ana.{t}@example.com",
                    "expected_revenue": 5000,
                },
            )
        )
    assert lead["name"] == f"Inbound {t}"
    assert lead["email"] == f"ana.{t}@example.com"
    assert lead["expected_revenue"] == 5000
    assert lead["url"].endswith(f"/odoo/crm.lead/{lead['id']}")


@pytest.mark.anyio
async def test_write_tools_refuse_a_read_only_instance_before_calling_odoo(
    backend: Backend, tmp_path: Path
) -> None:
    calls = {
        "create_task": {"project_id": 1, "name": "x"},
        "update_task": {"task_id": 1, "stage_id": 1},
        "create_lead": {"name": "x"},
        "create_quotation": {
            "partner_name": "Acme",
            "email": "a@example.com",
            "product_id": 1,
            "idempotency_key": "key-0123456789",
        },
    }
    async with connected(backend.settings(tmp_path)) as client:
        if backend.fake is not None:
            backend.fake.requests.clear()
        for tool, args in calls.items():
            result = await client.call_tool(tool, {**args, "instance": "prod"})
            assert result.is_error, tool
            assert "'prod' is read-only" in error_text(result), tool
    if backend.fake is not None:
        assert backend.fake.requests == []


@pytest.mark.anyio
async def test_an_unknown_instance_is_an_error(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        result = await client.call_tool("list_projects", {"instance": "staging"})
    assert result.is_error
    assert "Unknown Odoo instance 'staging'" in error_text(result)


@pytest.mark.anyio
async def test_odoo_refusals_become_specific_errors(
    backend: Backend, tmp_path: Path
) -> None:
    bad_key = backend.settings(
        tmp_path,
        instances={"prod": {"url": backend.url, "api_key": "not-a-real-key-0000"}},
        read_instance=None,
        write_instance=None,
    )
    async with connected(bad_key) as client:
        rejected = await client.call_tool("list_projects", {})
    assert rejected.is_error and "rejected the bridge's API key" in error_text(rejected)
    if backend.fake is None:
        return
    reader = {"url": backend.url, "api_key": READONLY_USER_KEY}
    limited = backend.settings(tmp_path, instances={"prod": reader, "dev": reader})
    async with connected(limited) as client:
        denied = await client.call_tool("create_lead", {"name": "x"})
    assert denied.is_error and "Access denied" in error_text(denied)


@pytest.mark.anyio
async def test_an_unreachable_odoo_is_reported_as_such(tmp_path: Path) -> None:
    settings = Settings(
        instances={"prod": {"url": "http://127.0.0.1:9", "api_key": "k" * 20}},
        audit={"directory": tmp_path / "audit"},
    )
    async with connected(settings) as client:
        result = await client.call_tool("search_products", {"query": "x"})
    assert result.is_error and "unreachable" in error_text(result)


@pytest.mark.parametrize(
    ("missing", "app", "calls"),
    [
        (
            {"project.project", "project.task"},
            "Project",
            [
                ("list_projects", {}),
                ("list_tasks", {}),
                ("create_task", {"project_id": 1, "name": "x"}),
                ("update_task", {"task_id": 1, "clear_deadline": True}),
                ("fetch", {"id": "project.task:1"}),
            ],
        ),
        (
            {"crm.lead"},
            "CRM",
            [("list_leads", {}), ("create_lead", {"name": "x"})],
        ),
        ({"sale.order"}, "Sales", [("list_sales", {})]),
    ],
)
@pytest.mark.anyio
async def test_the_tools_of_an_app_not_installed_name_the_app(
    fake_backend: Backend,
    tmp_path: Path,
    missing: set[str],
    app: str,
    calls: list[tuple[str, dict[str, Any]]],
) -> None:
    assert fake_backend.fake is not None
    fake_backend.fake.missing_models = missing
    async with connected(fake_backend.settings(tmp_path)) as client:
        for tool, arguments in calls:
            result = await client.call_tool(tool, arguments)
            assert result.is_error, tool
            assert f"The {app} app is not installed on Odoo instance" in (
                error_text(result)
            ), tool
        # search leaves the app's models out rather than failing.
        assert data(await client.call_tool("search", {"query": "a"}))["results"]


@pytest.mark.anyio
async def test_an_api_key_alone_on_odoo_17_or_18_names_the_login_setting(
    tmp_path: Path,
) -> None:
    # Any server without JSON-2's /web/version is detected as Odoo 17/18.
    with serve_app(Starlette()) as url:
        settings = Settings(
            instances={"legacy": {"url": url, "database": "odoo", "api_key": "k" * 20}},
            audit={"directory": tmp_path / "audit"},
        )
        async with connected(settings) as client:
            result = await client.call_tool("list_users", {})
    assert result.is_error
    assert "set MCP_ODOO_INSTANCES__legacy__LOGIN" in error_text(result)


@pytest.mark.anyio
async def test_create_quotation_then_wait_for_its_status_with_progress(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [product] = await backend.create(
        "product.product", {"name": f"Quoted {t}", "list_price": 100.0}
    )
    progress: list[tuple[float, str | None]] = []

    async def on_progress(
        done: float, total: float | None, message: str | None
    ) -> None:
        progress.append((done, message))

    async with connected(backend.settings(tmp_path)) as client:
        accepted = data(
            await client.call_tool(
                "create_quotation",
                {
                    "partner_name": f"Quote Co {t}",
                    "email": f"buyer.{t}@example.com",
                    "product_id": product,
                    "product_qty": 2,
                    "idempotency_key": f"key-{t}",
                },
            )
        )
        status = data(
            await client.call_tool(
                "get_quotation_status",
                {"tracking_id": accepted["tracking_id"], "wait_seconds": 60},
                progress_callback=on_progress,
            )
        )
    assert accepted["tracking_id"].startswith("quot_")
    assert accepted["status"] in {"queued", "processing", "completed"}
    assert status["status"] == "completed", status
    assert status["result"]["sale_order_name"]
    # 2 x 100 before the taxes a real Odoo adds.
    assert status["result"]["amount_total"] >= 200.0
    if backend.fake is not None:
        sent = next(
            r
            for r in backend.fake.requests
            if r["path"] == "/mcp_quotation/v1/quotations"
        )
        assert sent["body"]["source"] == "bridge"
        assert sent["headers"]["idempotency-key"] == f"key-{t}"
        assert progress and "processing" in (progress[0][1] or "")


@pytest.mark.anyio
async def test_create_quotation_with_the_same_idempotency_key_is_created_once(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [product] = await backend.create("product.product", {"name": f"Once {t}"})
    args = {
        "partner_name": f"Once Co {t}",
        "email": f"once.{t}@example.com",
        "product_id": product,
        "idempotency_key": f"once-{t}",
    }
    async with connected(backend.settings(tmp_path)) as client:
        first = data(await client.call_tool("create_quotation", args))
        again = data(await client.call_tool("create_quotation", args))
    assert again["tracking_id"] == first["tracking_id"]


@pytest.mark.anyio
async def test_create_quotation_reports_the_addons_field_errors(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        result = await client.call_tool(
            "create_quotation",
            {
                "partner_name": "Acme",
                "email": "not-an-email",
                "product_ref": "NO-SUCH-PRODUCT-REF-42",
                "idempotency_key": f"bad-{tag()}",
            },
        )
    assert result.is_error
    text = error_text(result)
    assert "422" in text and "email" in text and "product_ref" in text


@pytest.mark.anyio
async def test_status_of_an_unknown_tracking_id_is_an_error(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        result = await client.call_tool(
            "get_quotation_status", {"tracking_id": "quot_000000000000"}
        )
    assert result.is_error and "404" in error_text(result)


@pytest.mark.anyio
async def test_each_tool_call_leaves_an_audit_document_without_secrets(
    backend: Backend, tmp_path: Path
) -> None:
    settings = backend.settings(tmp_path)
    async with connected(settings) as client:
        data(await client.call_tool("list_users", {"limit": 1}))
        await client.call_tool(
            "create_lead", {"name": f"Leak {backend.api_key}", "instance": "prod"}
        )
    documents = audit_documents(settings)
    assert [d["name"] for d in documents] == ["list_users", "create_lead"]
    ok, failed = documents
    assert (ok["outcome"], ok["instance"], ok["kind"]) == ("ok", "prod", "mcp_tool")
    assert ok["arguments"] == {"limit": 1} and ok["client"] == "local"
    assert ok["request_id"] and ok["duration_ms"] >= 0 and ok["error"] is None
    assert failed["outcome"] == "error" and "read-only" in failed["error"]
    assert failed["arguments"]["name"] == "Leak [redacted]"
    everything = "".join(p.read_text() for p in Path(tmp_path).rglob("*.json"))
    assert backend.api_key not in everything


@pytest.mark.anyio
async def test_the_quotation_prompt_guides_the_assistant(
    backend: Backend, tmp_path: Path
) -> None:
    async with connected(backend.settings(tmp_path)) as client:
        prompts = (await client.list_prompts()).prompts
        prompt = await client.get_prompt("quotation_assistant", {"customer": "Acme"})
    assert [p.name for p in prompts] == ["quotation_assistant"]
    text = " ".join(
        m.content.text for m in prompt.messages if isinstance(m.content, TextContent)
    )
    for step in ("search_products", "create_quotation", "get_quotation_status", "Acme"):
        assert step in text


@pytest.mark.anyio
async def test_quotation_status_is_read_where_quotations_are_created(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = Settings(
        instances={
            "prod": {
                "url": "http://127.0.0.1:9",
                "api_key": "k" * 20,
                "read_only": True,
            },
            "dev": {"url": fake_odoo.url, "database": DATABASE, "api_key": ADMIN_KEY},
        },
        read_instance="prod",
        write_instance="dev",
        audit={"directory": tmp_path / "audit"},
    )
    async with connected(settings) as client:
        accepted = data(
            await client.call_tool(
                "create_quotation",
                {
                    "partner_name": "Acme Corp",
                    "email": "john@acme.example",
                    "product_ref": "PUDU-BB",
                    "idempotency_key": "where-0001",
                },
            )
        )
        status = data(
            await client.call_tool(
                "get_quotation_status", {"tracking_id": accepted["tracking_id"]}
            )
        )
    assert status["tracking_id"] == accepted["tracking_id"]
    assert {d["instance"] for d in audit_documents(settings)} == {"dev"}


@pytest.mark.anyio
async def test_quotation_lines_refuse_unknown_keys_and_take_odoos_own_names(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [product] = await backend.create(
        "product.product", {"name": f"Aliased {t}", "list_price": 100.0}
    )
    order = {"partner_name": f"Alias Co {t}", "email": f"alias.{t}@example.com"}
    async with connected(backend.settings(tmp_path)) as client:
        refused = await client.call_tool(
            "create_quotation",
            {
                **order,
                "lines": [{"product_id": product, "qty": 3}],
                "idempotency_key": f"unknown-{t}",
            },
        )
        accepted = data(
            await client.call_tool(
                "create_quotation",
                {
                    **order,
                    "lines": [{"product_id": product, "quantity": 3, "price_unit": 10}],
                    "idempotency_key": f"aliases-{t}",
                },
            )
        )
        status = data(
            await client.call_tool(
                "get_quotation_status",
                {"tracking_id": accepted["tracking_id"], "wait_seconds": 60},
            )
        )
    assert refused.is_error and "qty" in error_text(refused)
    assert status["status"] == "completed", status
    # 3 x 10, not 1 x 100: the aliases reached Odoo (before any taxes).
    assert 30.0 <= status["result"]["amount_total"] < 100.0
    if backend.fake is not None:
        [sent] = [
            r
            for r in backend.fake.requests
            if r["path"] == "/mcp_quotation/v1/quotations"
        ]
        assert sent["body"]["lines"] == [
            {"product_id": product, "product_qty": 3.0, "product_price": 10.0}
        ]


@pytest.mark.anyio
async def test_search_products_finds_a_misspelled_name_best_first(
    backend: Backend, tmp_path: Path
) -> None:
    t = tag()
    [pid] = await backend.create(
        "product.product", {"name": f"Desk Combination {t}", "list_price": 450.0}
    )
    async with connected(backend.settings(tmp_path)) as client:
        found = data(
            await client.call_tool("search_products", {"query": f"dsk combinaton {t}"})
        )
    best = found["items"][0]
    assert (best["id"], best["list_price"]) == (pid, 450.0)
    assert best["currency"] and best["unit"] and 0 < best["score"] <= 1


@pytest.mark.anyio
async def test_the_addons_flood_control_reaches_the_tool_as_a_clear_error(
    fake_backend: Backend, fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    fake_odoo.rate_limit_per_minute = 1
    args = {
        "partner_name": "Loop Co",
        "email": "loop@example.com",
        "product_ref": "PUDU-BB",
    }
    async with connected(fake_backend.settings(tmp_path)) as client:
        first = data(
            await client.call_tool(
                "create_quotation", {**args, "idempotency_key": "loop-0001"}
            )
        )
        limited = await client.call_tool(
            "create_quotation", {**args, "idempotency_key": "loop-0002"}
        )
        replay = data(
            await client.call_tool(
                "create_quotation", {**args, "idempotency_key": "loop-0001"}
            )
        )
    assert limited.is_error
    text = error_text(limited)
    assert "429" in text and "in the last minute" in text
    assert re.search(r"Retry after \d+ seconds", text)
    assert replay["tracking_id"] == first["tracking_id"]
    assert len(fake_odoo.quotations) == 1
