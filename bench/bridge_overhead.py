"""What the bridge adds to one Odoo search: direct JSON-2 call vs MCP tool call.

Starts `mcp-odoo-bridge serve` as a subprocess in front of an Odoo (a real one,
or the fake Odoo from the tests with ``--fake``), then, alternating call by
call, runs the same search as a direct JSON-2 ``search_read`` and as the
``search_products`` MCP tool over Streamable HTTP. Prints p50/p99 of both and
the difference, the bridge's start-up time until it answers ``tools/list``,
and its resident memory after the calls. With ``--oauth`` each round also
makes the tool call with an OAuth access token from a real OpenID provider on
loopback (the tests' oidc-provider-mock, JWKS cache warm after the warm-up),
acting as a mapped Odoo user, and prints what OAuth adds over a static token.

    .venv/bin/python bench/bridge_overhead.py --fake [--oauth]
    .venv/bin/python bench/bridge_overhead.py --url http://127.0.0.1:8069 \\
        --db odoo --api-key "$ODOO_API_KEY" --query desk
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bridge.config import Settings
from bridge.field_maps import PRODUCT_FIELDS

DEFAULT_PAGE_SIZE = Settings.model_fields["default_page_size"].default

REPO = Path(__file__).resolve().parent.parent
# The tests' fake Odoo and its serving helpers.
sys.path.insert(0, str(REPO / "tests"))
from fake_odoo import ADMIN_KEY, DATABASE, free_port  # noqa: E402
from oidc_provider import Provider, running_provider  # noqa: E402

TARGET_MS = 5.0
OAUTH_TARGET_MS = 1.0
TOKEN = "bench-token-0123456789abcdef"
OAUTH_USER = {"sub": "bench-user", "email": "bench@example.com"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def fake_odoo() -> Iterator[tuple[str, str, str]]:
    """The tests' fake Odoo in its own process, so it does not share our GIL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_odoo", str(port)], cwd=REPO / "tests"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/web/version").raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url, DATABASE, ADMIN_KEY
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def bridge(
    url: str, db: str, key: str, provider: Provider | None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    audit = tempfile.mkdtemp(prefix="bench-audit-")
    instance = {"url": url, "api_key": key, "protocol": "json2"}
    if db:
        instance["database"] = db
    env = {
        **os.environ,
        "MCP_ODOO_INSTANCES": json.dumps({"odoo": instance}),
        "MCP_ODOO_HTTP__TOKENS": json.dumps({"bench": TOKEN}),
        "MCP_ODOO_HTTP__RATE_LIMIT_PER_MINUTE": "0",
        "MCP_ODOO_AUDIT__DIRECTORY": audit,
        "MCP_ODOO_LOG_LEVEL": "WARNING",
    }
    if provider is not None:
        # The OAuth user acts as its own Odoo user: here the same key, so that
        # Odoo's side of both calls is the same.
        oauth = {
            "issuer": provider.url,
            "resource": f"http://127.0.0.1:{port}/mcp",
            "users": {
                OAUTH_USER["email"]: {"login": "bench", "api_keys": {"odoo": key}}
            },
        }
        env["MCP_ODOO_OAUTH"] = json.dumps(oauth)
    process = subprocess.Popen(
        [sys.executable, "-m", "bridge", "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
    )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def mcp_client(base: str, token: str = TOKEN) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return Client(streamable_http_client(f"{base}/mcp", http_client=http))


async def wait_for_tools(base: str, started: float) -> float:
    """Seconds from spawning the bridge until tools/list answers."""
    while True:
        try:
            async with mcp_client(base) as client:
                tools = await client.list_tools()
        except Exception:  # not listening yet
            await anyio.sleep(0.01)
            continue
        assert tools.tools
        return time.perf_counter() - started


async def measure(
    args: argparse.Namespace,
    url: str,
    db: str,
    key: str,
    provider: Provider | None = None,
) -> None:
    headers = {"Authorization": f"bearer {key}"}
    if db:
        headers["X-Odoo-Database"] = db
    # Exactly the request the tool sends: one search_read of a page plus one row.
    body = {
        "domain": [
            "|",
            ["name", "ilike", args.query],
            ["default_code", "ilike", args.query],
        ],
        "fields": PRODUCT_FIELDS,
        "offset": 0,
        "limit": DEFAULT_PAGE_SIZE + 1,
        "order": "name, id",
    }
    with bridge(url, db, key, provider) as (process, base):
        started = time.perf_counter()
        startup = await wait_for_tools(base, started)
        token = (
            provider.token(OAUTH_USER["sub"], audience=f"{base}/mcp")
            if provider
            else TOKEN
        )
        direct: list[float] = []
        through: list[float] = []
        oauth: list[float] = []
        async with (
            httpx.AsyncClient(base_url=url, headers=headers) as odoo,
            mcp_client(base) as client,
            mcp_client(base, token) as oauth_client,
        ):
            # Interleaved call by call, so that the machine's noise falls on
            # every kind alike.
            for n in range(args.warmup + args.calls):
                t0 = time.perf_counter()
                response = await odoo.post(
                    "/json/2/product.product/search_read", json=body
                )
                t1 = time.perf_counter()
                result = await client.call_tool(
                    "search_products", {"query": args.query}
                )
                t2 = time.perf_counter()
                if provider is not None:
                    as_user = await oauth_client.call_tool(
                        "search_products", {"query": args.query}
                    )
                    if as_user.is_error:
                        raise SystemExit(f"OAuth call failed: {as_user.content}")
                t3 = time.perf_counter()
                response.raise_for_status()
                if result.is_error:
                    raise SystemExit(f"tool call failed: {result.content}")
                if n >= args.warmup:
                    direct.append((t1 - t0) * 1000)
                    through.append((t2 - t1) * 1000)
                    oauth.append((t3 - t2) * 1000)
        memory = rss_mib(process.pid)
    report(args, direct, through, startup, memory)
    if provider is not None:
        report_oauth(through, oauth)


def report_oauth(static: list[float], oauth: list[float]) -> None:
    """What an OAuth access token adds over a static token, per call."""
    print(f"\n{'':34} {'p50 ms':>9} {'p99 ms':>9}")
    print(
        f"{'MCP call, static token':34} "
        f"{percentile(static, 50):9.2f} {percentile(static, 99):9.2f}"
    )
    print(
        f"{'MCP call, OAuth token (own user)':34} "
        f"{percentile(oauth, 50):9.2f} {percentile(oauth, 99):9.2f}"
    )
    added = percentile(oauth, 50) - percentile(static, 50)
    print(f"{'OAuth added':34} {added:9.2f}")
    verdict = "met" if added < OAUTH_TARGET_MS else "NOT met"
    print(f"target: OAuth adds < {OAUTH_TARGET_MS:.0f} ms at p50 -> {verdict}")


def report(
    args: argparse.Namespace,
    direct: list[float],
    through: list[float],
    startup: float,
    memory: float,
) -> None:
    rows: list[tuple[str, Any, Any]] = [
        ("direct JSON-2 search_read", percentile(direct, 50), percentile(direct, 99)),
        (
            "MCP search_products via bridge",
            percentile(through, 50),
            percentile(through, 99),
        ),
    ]
    overhead50 = rows[1][1] - rows[0][1]
    overhead99 = rows[1][2] - rows[0][2]
    print(f"\n{args.calls} calls each, query {args.query!r}\n")
    print(f"{'':34} {'p50 ms':>9} {'p99 ms':>9}")
    for name, p50, p99 in rows:
        print(f"{name:34} {p50:9.2f} {p99:9.2f}")
    print(f"{'bridge overhead':34} {overhead50:9.2f} {overhead99:9.2f}")
    print(
        f"\nmean direct {statistics.mean(direct):.2f} ms, "
        f"mean via bridge {statistics.mean(through):.2f} ms"
    )
    print(f"start-up until tools/list answers: {startup * 1000:.0f} ms")
    print(
        f"bridge resident memory after {args.warmup + args.calls} calls: "
        f"{memory:.1f} MiB"
    )
    verdict = "met" if overhead50 < TARGET_MS else "NOT met"
    print(f"target: p50 overhead < {TARGET_MS:.0f} ms -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="use the tests' fake Odoo")
    parser.add_argument("--url", default=os.environ.get("ODOO_URL"))
    parser.add_argument("--db", default=os.environ.get("ODOO_DB", ""))
    parser.add_argument("--api-key", default=os.environ.get("ODOO_API_KEY"))
    parser.add_argument("--query", default="a", help="search_products query")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--oauth", action="store_true", help="also call with an OAuth access token"
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        provider = (
            stack.enter_context(running_provider(OAUTH_USER)) if args.oauth else None
        )
        if args.fake:
            url, db, key = stack.enter_context(fake_odoo())
        elif args.url and args.api_key:
            url, db, key = args.url, args.db, args.api_key
        else:
            parser.error(
                "give --fake, or --url and --api-key (or ODOO_URL/ODOO_API_KEY)"
            )
        anyio.run(measure, args, url, db, key, provider)


if __name__ == "__main__":
    main()
