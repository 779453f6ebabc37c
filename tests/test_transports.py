"""The SDK's own clients over Streamable HTTP, legacy SSE and a stdio subprocess."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fake_odoo import ADMIN_KEY, DATABASE, FakeOdoo, serve_app
from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from bridge.app import create_app
from bridge.config import Settings

TOKEN = "transport-test-token-0123456789"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def instances(fake: FakeOdoo) -> dict[str, Any]:
    instance = {"url": fake.url, "database": DATABASE, "api_key": ADMIN_KEY}
    return {"prod": {**instance, "read_only": True}, "dev": instance}


@pytest.fixture
def bridge_url(fake_odoo: FakeOdoo, tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        instances=instances(fake_odoo),
        read_instance="prod",
        write_instance="dev",
        http={"tokens": {"desktop": TOKEN}},
        audit={"directory": tmp_path / "audit"},
    )
    with serve_app(create_app(settings)) as url:
        yield url


def authorized() -> httpx2.AsyncClient:
    return httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


def products(result: CallToolResult) -> list[str]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return [p["name"] for p in result.structured_content["items"]]


def audit_documents(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(tmp_path.rglob("*.json"))]


@pytest.mark.anyio
async def test_streamable_http_lists_and_calls_tools_with_a_bearer_token(
    bridge_url: str,
) -> None:
    transport = streamable_http_client(f"{bridge_url}/mcp", http_client=authorized())
    async with Client(transport) as client:
        tools = await client.list_tools()
        found = await client.call_tool("search_products", {"query": "PUDU"})
    assert len(tools.tools) == 14
    assert products(found) == ["Robot PUDU BellaBot", "Robot PUDU KettyBot"]


@pytest.mark.anyio
async def test_streamable_http_also_works_with_the_initialize_handshake(
    bridge_url: str,
) -> None:
    transport = streamable_http_client(f"{bridge_url}/mcp", http_client=authorized())
    async with Client(transport, mode="legacy") as client:
        tools = await client.list_tools()
        found = await client.call_tool("search_products", {"query": "Chair"})
        version = client.protocol_version
    assert version < "2026"
    assert len(tools.tools) == 14
    assert products(found) == ["Office Chair"]


@pytest.mark.anyio
async def test_quotation_progress_reaches_the_client_over_streamable_http(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    fake_odoo.polls_to_complete = 3
    notes: list[str | None] = []

    async def on_progress(
        done: float, total: float | None, message: str | None
    ) -> None:
        notes.append(message)

    transport = streamable_http_client(f"{bridge_url}/mcp", http_client=authorized())
    async with Client(transport) as client:
        accepted = await client.call_tool(
            "create_quotation",
            {
                "partner_name": "Acme Corp",
                "email": "john@acme.example",
                "product_ref": "PUDU-KB",
                "idempotency_key": "progress-0001",
            },
        )
        assert accepted.structured_content is not None
        status = await client.call_tool(
            "get_quotation_status",
            {
                "tracking_id": accepted.structured_content["tracking_id"],
                "wait_seconds": 10,
            },
            progress_callback=on_progress,
        )
    assert status.structured_content is not None
    assert status.structured_content["status"] == "completed"
    assert len(notes) == 2 and all("processing" in (n or "") for n in notes)


@pytest.mark.anyio
async def test_legacy_sse_clients_connect_at_mcp_sse(bridge_url: str) -> None:
    transport = sse_client(
        f"{bridge_url}/mcp/sse", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    async with Client(transport, mode="legacy") as client:
        tools = await client.list_tools()
        found = await client.call_tool("search_products", {"query": "PUDU-KB"})
    assert "create_quotation" in {t.name for t in tools.tools}
    # The exact reference first; the other robot's is one letter away.
    assert products(found)[0] == "Robot PUDU KettyBot"


@pytest.mark.anyio
async def test_http_tool_calls_are_audited_under_the_tokens_client_name(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = Settings(
        instances=instances(fake_odoo),
        read_instance="prod",
        http={"tokens": {"desktop": TOKEN}},
        audit={"directory": tmp_path / "audit"},
    )
    with serve_app(create_app(settings)) as url:
        transport = streamable_http_client(f"{url}/mcp", http_client=authorized())
        async with Client(transport) as client:
            await client.call_tool("list_users", {})
    [document] = [d for d in audit_documents(tmp_path) if d["kind"] == "mcp_tool"]
    assert (document["name"], document["client"]) == ("list_users", "desktop")
    assert (document["instance"], document["outcome"]) == ("prod", "ok")
    http_request_id, _, jsonrpc_id = document["request_id"].partition(":")
    assert len(http_request_id) == 32 and jsonrpc_id.isdigit()


@pytest.mark.anyio
async def test_stdio_serves_the_same_tools_in_a_subprocess(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "MCP_ODOO_INSTANCES": json.dumps(instances(fake_odoo)),
        "MCP_ODOO_READ_INSTANCE": "prod",
        "MCP_ODOO_WRITE_INSTANCE": "dev",
        "MCP_ODOO_AUDIT__DIRECTORY": str(tmp_path / "audit"),
    }
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "bridge", "stdio"], env=env, cwd=str(REPO)
    )
    async with Client(server) as client:
        tools = await client.list_tools()
        found = await client.call_tool("search_products", {"query": "FURN"})
        refused = await client.call_tool(
            "create_lead", {"name": "x", "instance": "prod"}
        )
    assert len(tools.tools) == 14
    assert products(found) == ["Office Chair"]
    assert refused.is_error
    documents = audit_documents(tmp_path)
    assert [(d["name"], d["client"]) for d in documents] == [
        ("search_products", "stdio"),
        ("create_lead", "stdio"),
    ]
