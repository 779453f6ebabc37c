"""The MCP server: the tools of `bridge.tools`, published and audited one by one."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult

import bridge
from bridge.audit import AuditLog
from bridge.identity import Caller, current_caller
from bridge.instances import READS
from bridge.params import configured
from bridge.service import OdooService
from bridge.tools import quotations, reads, writes
from bridge.tools.registry import ToolCall, ToolSpec, publish

TOOLS: tuple[ToolSpec, ...] = (
    *reads.tools.specs,
    *writes.tools.specs,
    *quotations.tools.specs,
)

INSTRUCTIONS = """\
Work with an Odoo ERP: find contacts, products, leads, sale orders, projects and
tasks; create tasks and leads; create quotations and follow them until Odoo has
built the sale order. Listings return one page (default 25 records); when
`has_more` is true call again with `offset=next_offset`. To quote a product,
find its id with search_products first. Quotations are processed in the
background: create_quotation answers at once with a tracking_id, then call
get_quotation_status (optionally with wait_seconds) until the status is
completed, failed or cancelled."""


def _audit_tool_calls(
    service: OdooService, audit: AuditLog, default_client: str
) -> Any:
    """Middleware: one audit document per tools/call, on the instance it uses."""
    uses = {t.name: t.use for t in TOOLS}

    async def audit_tool_calls(
        ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        params = dict(ctx.params or {})
        name = str(params.get("name"))
        arguments = params.get("arguments") or {}
        instance = arguments.get("instance") if isinstance(arguments, dict) else None
        if not instance:
            instance = service.instances.default_name(uses.get(name, READS))
        outer = current_caller.get()
        # An SSE connection carries many calls: the JSON-RPC id tells them apart.
        who = (
            replace(outer, request_id=f"{outer.request_id}:{ctx.request_id}")
            if outer
            else Caller(client=default_client, request_id=uuid.uuid4().hex)
        )
        async with audit.track(
            kind="mcp_tool", name=name, instance=instance, arguments=arguments, who=who
        ) as rec:
            result = await call_next(ctx)
            if isinstance(result, CallToolResult):
                result = result.model_dump(by_alias=True, exclude_none=True)
            if isinstance(result, dict) and result.get("isError"):
                texts = [
                    str(c.get("text", ""))
                    for c in result.get("content") or []
                    if isinstance(c, dict)
                ]
                rec.fail(" ".join(texts) or "tool error")
            return result

    return audit_tool_calls


def build_server(
    service: OdooService, audit: AuditLog, *, default_client: str = "local"
) -> MCPServer:
    """An MCPServer whose tools call `service` and leave audit documents."""
    fields = configured(service.settings, service.instances.names)

    def call(ctx: Context) -> ToolCall:
        return ToolCall(service, ctx)

    mcp: MCPServer = MCPServer(
        name="odoo",
        title="Odoo",
        instructions=INSTRUCTIONS,
        version=bridge.__version__,
        tools=[publish(spec, call, fields) for spec in TOOLS],
        middleware=[_audit_tool_calls(service, audit, default_client)],
        log_level=service.settings.log_level,
    )
    quotations.add_prompts(mcp)
    return mcp
