"""Command line: ``mcp-odoo-bridge serve`` (HTTP) or ``mcp-odoo-bridge stdio``."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.config import Settings


def _built() -> None:
    """The server is built: collect again, never rescanning what start-up made.

    Without a full collection first (as long as the time saved): the few
    reference cycles start-up left behind, under 1 MiB, stay.
    """
    gc.freeze()
    gc.enable()


async def run_stdio(settings: Settings) -> None:
    """Serve MCP over stdin/stdout (Claude Desktop and other local clients)."""
    from bridge.audit import AuditLog
    from bridge.mcp_server import build_server
    from bridge.service import OdooService

    audit = AuditLog(settings.audit, secrets=settings.secrets())
    audit.check_writable()
    service = OdooService(settings)
    mcp = build_server(service, audit, default_client="stdio")
    _built()
    async with audit.running(), service:
        await mcp.run_stdio_async()


def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve REST + MCP (Streamable HTTP and legacy SSE) with uvicorn."""
    import uvicorn  # imported here: stdio never needs it

    from bridge.app import create_app

    http = settings.http.model_copy(
        update={
            "host": host or settings.http.host,
            "port": settings.http.port if port is None else port,
        }
    )
    settings = settings.model_copy(update={"http": http})
    app = create_app(settings)
    _built()
    uvicorn.run(
        app,
        host=http.host,
        port=http.port,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        server_header=False,
        # Every call already leaves an audit document and metrics; a second
        # line per request on stderr only costs time.
        access_log=False,
        # No route takes WebSockets: not loading their library saves memory.
        ws="none",
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mcp-odoo-bridge`` command."""
    parser = argparse.ArgumentParser(prog="mcp-odoo-bridge", description=__doc__)
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="HTTP: /mcp, /mcp/sse, /api, /docs")
    serve_cmd.add_argument("--host", help="listen address (default 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, help="listen port (default 8000)")
    commands.add_parser("stdio", help="MCP over stdin/stdout")
    args = parser.parse_args(argv)
    # Start-up imports the MCP SDK and builds every tool's models and schemas:
    # a large heap of long-lived objects and almost no garbage. The cyclic
    # collector would walk that growing heap again and again for nothing
    # (about a tenth of the start-up's CPU), so it is off until the server is
    # built (`_built`), and the imports run here, not at the module's top.
    gc.disable()
    try:
        import anyio
        from pydantic import ValidationError

        from bridge.config import ConfigError, Settings

        try:
            settings = Settings(config_file=args.config) if args.config else Settings()
            # stdout belongs to the MCP protocol in stdio mode: log to stderr only.
            logging.basicConfig(level=settings.log_level, stream=sys.stderr)
            if settings.log_level != "DEBUG":
                # One line per Odoo request or MCP request is noise, and costs time.
                for chatty in ("httpx2", "mcp.server.streamable_http_manager"):
                    logging.getLogger(chatty).setLevel(logging.WARNING)
            if args.command == "stdio":
                anyio.run(run_stdio, settings)
            else:
                serve(settings, args.host, args.port)
        except (ConfigError, ValidationError) as exc:
            print(f"mcp-odoo-bridge: {exc}", file=sys.stderr)
            return 2
        return 0
    finally:
        gc.enable()  # when start-up failed before the server was built


if __name__ == "__main__":
    sys.exit(main())
