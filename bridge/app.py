"""create_app(): the REST routes and the MCP transports in one ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Mount

import bridge
from bridge import api
from bridge.audit import AuditLog
from bridge.config import Settings, get_settings
from bridge.mcp_server import build_server
from bridge.metrics import Metrics
from bridge.quotations import AddonQuotations
from bridge.security import GatewayMiddleware, transport_security
from bridge.service import OdooService


def create_app(settings: Settings | None = None) -> FastAPI:
    """FastAPI app: REST routes first, then /mcp, then legacy SSE at /mcp/sse."""
    settings = settings or get_settings()
    settings.check_serve()
    metrics = Metrics()
    service = OdooService(settings, observe=metrics.observe_odoo)
    audit = AuditLog(
        settings.audit, secrets=settings.secrets(), observe=metrics.observe_call
    )
    mcp = build_server(service, audit, default_client="http")
    security = transport_security(settings.http)
    # Stateless: any replica can answer any request, nothing lives in memory.
    streamable = mcp.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        transport_security=security,
        max_request_body_size=settings.http.max_body_bytes,
    )
    legacy_sse = mcp.sse_app(
        sse_path="/sse",
        message_path="/messages/",
        transport_security=security,
        max_request_body_size=settings.http.max_body_bytes,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(audit.running())
            await stack.enter_async_context(service)
            await stack.enter_async_context(mcp.session_manager.run())
            yield

    app = FastAPI(
        title="MCP Odoo bridge",
        version=bridge.__version__,
        description="MCP server and REST proxy in front of Odoo.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.quotations = AddonQuotations(service)
    app.state.audit = audit
    app.state.metrics = metrics
    app.state.mcp = mcp
    api.install_error_handlers(app)
    app.include_router(api.router)
    # The transports' routes, not their apps mounted at "/": a catch-all mount
    # would answer every unknown path and wrong method with its own plain 404.
    app.router.routes.extend(streamable.routes)
    app.router.routes.append(Mount("/mcp", routes=legacy_sse.routes))
    app.add_middleware(GatewayMiddleware, http=settings.http)
    return app
