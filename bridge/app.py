"""create_app(): the REST routes and the MCP transports in one Starlette app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from bridge import api
from bridge.audit import AuditLog
from bridge.config import Settings, get_settings
from bridge.mcp_server import build_server
from bridge.metrics import Metrics
from bridge.security import GatewayMiddleware, transport_security
from bridge.service import OdooService

if TYPE_CHECKING:
    from bridge.oauth import OidcTokenVerifier

MCP_PATHS = frozenset({"/mcp", "/mcp/"})


class StreamableHttpRoute:
    """Pure ASGI: /mcp goes straight to the SDK, everything else on to the routes.

    A Streamable HTTP request needs none of the routing and exception layers;
    the gateway in front of this has already checked it.
    """

    def __init__(self, app: ASGIApp, mcp: ASGIApp) -> None:
        self.app = app
        self.mcp = mcp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in MCP_PATHS:
            await self.mcp(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> Starlette:
    """REST routes, /mcp straight to the SDK, legacy SSE at /mcp/sse."""
    settings = settings or get_settings()
    settings.check_serve()
    metrics = Metrics()
    service = OdooService(settings, observe=metrics.observe_odoo)
    audit = AuditLog(
        settings.audit, secrets=settings.secrets(), observe=metrics.observe_call
    )
    audit.check_writable()
    mcp = build_server(service, audit, default_client="http")
    oauth: OidcTokenVerifier | None = None
    if settings.oauth is not None:
        # Only a bridge that takes OAuth tokens loads the JOSE library.
        from bridge.oauth import OidcTokenVerifier

        oauth = OidcTokenVerifier(settings.oauth)
    security = transport_security(settings.http)
    # Stateless: any replica can answer any request, nothing lives in memory.
    # Called for mcp.session_manager; its Starlette app is not used.
    mcp.streamable_http_app(
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
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if oauth is not None:
                stack.push_async_callback(oauth.aclose)
            await stack.enter_async_context(audit.running())
            await stack.enter_async_context(service)
            await stack.enter_async_context(mcp.session_manager.run())
            yield

    # The SSE transport's routes, not its app mounted at "/": a catch-all mount
    # would answer every unknown path and wrong method with its own plain 404.
    routes: list[BaseRoute] = [*api.routes(), Mount("/mcp", routes=legacy_sse.routes)]
    if oauth is not None:
        from bridge.oauth import protected_resource_routes

        routes.extend(protected_resource_routes(oauth.settings))
    app = Starlette(
        routes=routes, exception_handlers=api.EXCEPTION_HANDLERS, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.service = service
    app.state.audit = audit
    app.state.metrics = metrics
    app.state.mcp = mcp
    app.state.oauth = oauth
    # Each middleware wraps the ones added before it: the gateway checks every
    # request, /mcp included, before it is routed.
    app.add_middleware(StreamableHttpRoute, mcp=mcp.session_manager.handle_request)
    app.add_middleware(GatewayMiddleware, http=settings.http, oauth=oauth)
    return app
