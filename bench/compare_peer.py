"""Our bridge and the peer `mcp-server-odoo`, side by side on the same Odoo work.

In one run against a real Odoo 19, round by round and call by call, the same
three operations go

- straight to Odoo (one JSON-2 request, the one our tool sends),
- through our bridge over stdio (``mcp-odoo-bridge stdio``) and over
  Streamable HTTP (``mcp-odoo-bridge serve``, bearer token),
- through the peer over stdio (read-only, API key, JSON-2), installed by this
  script into a venv of its own (``--peer-venv``),
- and, for the listing, through a bare MCP SDK server (one tool, one JSON-2
  call with httpx2, the bridge's HTTP client) over stdio and Streamable HTTP:
  the floor the SDK sets; and through the same server typed, answering the
  page our ``list_sales`` answers under the output schema ours publishes:
  what the SDK and its client cost for that output, without our code around
  it.

Every Odoo request goes through a counting relay started here, so each
path pays the same extra hop and the Odoo requests per call are counted. It
prints one markdown table (p50/p90, ratio to direct, Odoo requests per call,
CPU per call of the server process and of this client process, start-up until
``tools/list`` answers, resident memory after ``--calls`` calls), which Odoo
requests each server makes at start-up and on its first call, and the
machine's core count and load. The cold starts go round by round too: each
server once a round, in an order that turns every round.

    .venv/bin/python bench/compare_peer.py --url http://127.0.0.1:8069 \\
        --db odoo --api-key "$ODOO_API_KEY"

The script is also the relay and the bare server (hidden options), so those
processes must not pay for the benchmark's imports: the client side imports
its modules inside the functions that use them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import anyio
import httpx

if TYPE_CHECKING:
    from mcp import Client
    from mcp.server.mcpserver.tools import Tool

    from bridge.schemas import SaleOrderPage

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
PEER = "mcp-server-odoo"
PEER_VERSION = "0.9.0"
TOKEN = "bench-token-0123456789abcdef"
LIMIT = 20
# list_sales's order, and the product domain search_products builds.
SALE_ORDER = "date_order desc, id desc"
PRODUCT_ORDER = "name, id"
COUNTS_PATH = "/__relay__/counts"
OPERATIONS = {
    "listing": f"listing ({LIMIT} sale orders)",
    "read": "read one sale order",
    "search": "product search",
}

T = TypeVar("T")

# -- the counting relay --------------------------------------------------------

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Message = tuple[bytes, bytes, str, dict[str, str]]


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    first, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return first, headers


async def _read_message(
    reader: asyncio.StreamReader, *, request_method: str | None = None
) -> Message:
    """One HTTP/1.1 message, raw: head, body, first line, headers."""
    head = await reader.readuntil(b"\r\n\r\n")
    first, headers = _parse_head(head)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.split(b";")[0], 16)
            body += line + await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif request_method is None or request_method == "HEAD":
        body = b""  # a request without a body, or the answer to a HEAD
    elif first.split(" ")[1][:1] == "1" or first.split(" ")[1] in ("204", "304"):
        body = b""
    else:
        body = await reader.read()  # delimited by the end of the connection
    return head, body, first, headers


class Relay:
    """Forwards HTTP/1.1 to Odoo, one upstream connection per client connection,
    and counts the requests by method and path."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.counts: Counter[str] = Counter()

    async def forward(
        self, upstream: Connection | None, request: bytes, method: str
    ) -> tuple[Message, Connection]:
        """Odoo's answer, and the connection it came on (kept alive)."""
        for attempt in range(2):
            if upstream is None:
                upstream = await asyncio.open_connection(self.host, self.port)
            reader, writer = upstream
            try:
                writer.write(request)
                await writer.drain()
                return await _read_message(reader, request_method=method), upstream
            except (asyncio.IncompleteReadError, ConnectionError):
                # A kept-alive connection Odoo closed meanwhile: reconnect once.
                writer.close()
                upstream = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        upstream: Connection | None = None
        try:
            while True:
                try:
                    head, body, first, _ = await _read_message(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                method, target, _ = first.split(" ", 2)
                if target == COUNTS_PATH:
                    payload = json.dumps(self.counts).encode()
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload)
                    )
                    await writer.drain()
                    continue
                self.counts[f"{method} {target.partition('?')[0]}"] += 1
                answer, connection = await self.forward(upstream, head + body, method)
                upstream = connection
                rhead, rbody, status, rheaders = answer
                writer.write(rhead + rbody)
                await writer.drain()
                closing = rheaders.get("connection", "").lower() == "close"
                if closing or status.startswith("HTTP/1.0"):
                    connection[1].close()
                    upstream = None
                    if "content-length" not in rheaders:
                        return  # the body ended with the connection
        finally:
            writer.close()
            if upstream is not None:
                upstream[1].close()


def serve_relay(port: int, upstream: str) -> None:
    """Run the relay on 127.0.0.1:`port` until killed."""
    relay = Relay(upstream)

    async def run() -> None:
        server = await asyncio.start_server(relay.handle, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(run())


# -- the bare SDK server ---------------------------------------------------------


SearchRead = Callable[[int], Awaitable[list[dict[str, Any]]]]


def serve_bare(transport: str, port: int, *, typed: bool) -> None:
    """A minimal MCPServer: one tool, one JSON-2 request, nothing else.

    Typed, the tool answers as our `list_sales` does (`typed_list_sales`).
    """
    import httpx2
    import uvicorn
    from mcp.server import MCPServer
    from mcp.server.mcpserver.tools import Tool

    url = os.environ["ODOO_URL"]
    headers = {"Authorization": f"bearer {os.environ['ODOO_API_KEY']}"}
    if os.environ.get("ODOO_DB"):
        headers["X-Odoo-Database"] = os.environ["ODOO_DB"]
    odoo = httpx2.AsyncClient(base_url=url, headers=headers)
    fields = json.loads(os.environ["BARE_SALE_FIELDS"])

    async def search_read(limit: int) -> list[dict[str, Any]]:
        response = await odoo.post(
            "/json/2/sale.order/search_read",
            json={"domain": [], "fields": fields, "limit": limit, "order": SALE_ORDER},
        )
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()
        return rows

    async def list_sales(limit: int = LIMIT) -> dict[str, Any]:
        """List sale orders, newest first."""
        return {"records": await search_read(limit)}

    if typed:
        tool = typed_list_sales(search_read, url)
    else:
        tool = Tool.from_function(list_sales)
    # Built before the server: MCPServer.add_tool does not return the Tool,
    # whose output schema the typed one sets.
    mcp = MCPServer(name="bare", log_level="WARNING", tools=[tool])
    if transport == "stdio":
        anyio.run(mcp.run_stdio_async)
    else:
        app = mcp.streamable_http_app(stateless_http=True)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def typed_list_sales(search_read: SearchRead, url: str) -> Tool:
    """`list_sales` answering our bridge's page (limit + 1 rows read, whether
    more exist) under our bridge's output schema (`BARE_OUTPUT_SCHEMA`), with
    none of our config, audit, middleware or service."""
    from mcp.server.mcpserver.tools import Tool

    from bridge.field_maps import sale_order
    from bridge.schemas import SaleOrderPage

    def link(model: str, record_id: int) -> str:
        return f"{url}/odoo/{model}/{record_id}"

    async def list_sales(limit: int = LIMIT) -> SaleOrderPage:
        """List sale orders, newest first."""
        rows = await search_read(limit + 1)
        return SaleOrderPage.of(
            rows, lambda row: sale_order(row, link), offset=0, limit=limit
        )

    # The SDK resolves the return annotation, a string in this module, in the
    # module's globals, where SaleOrderPage (imported here only) is not.
    list_sales.__annotations__["return"] = SaleOrderPage
    tool = Tool.from_function(list_sales)
    tool.fn_metadata.output_schema = json.loads(os.environ["BARE_OUTPUT_SCHEMA"])
    return tool


# -- measuring ---------------------------------------------------------------------


def children() -> set[int]:
    """Process ids of this process's children."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        found.update(int(p) for p in (task / "children").read_text().split())
    return found


def cpu_ms(pid: int) -> float:
    """CPU time a process has used so far, its threads' included (schedstat, ns)."""
    tasks = Path(f"/proc/{pid}/task")
    total = 0
    for task in tasks.iterdir():
        with contextlib.suppress(FileNotFoundError):
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e6


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def rotated(items: list[T], n: int) -> list[T]:
    """`items` turned by `n`: in round `n`, another one goes first."""
    n %= len(items)
    return items[n:] + items[:n]


@dataclass
class Target:
    """One way of doing the operations: straight to Odoo or through a server."""

    key: str
    label: str
    call: Callable[[str], Awaitable[None]]
    operations: tuple[str, ...]
    pid: int | None = None
    calls: int = 0
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    client_cpu: dict[str, list[float]] = field(default_factory=dict)
    requests: dict[str, Counter[str]] = field(default_factory=dict)

    async def timed(self, operation: str) -> float:
        started = time.perf_counter()
        await self.call(operation)
        self.calls += 1
        return (time.perf_counter() - started) * 1000


@dataclass
class StartUp:
    """Cold starts of one server: seconds until tools/list, Odoo requests."""

    seconds: list[float] = field(default_factory=list)
    first_call_ms: list[float] = field(default_factory=list)
    before_tools: Counter[str] = field(default_factory=Counter)
    first_call: Counter[str] = field(default_factory=Counter)


@dataclass
class Server:
    """How to start one MCP server and what its tools are called with."""

    key: str
    label: str
    transport: str  # stdio or http
    command: list[str]
    env: dict[str, str]
    arguments: dict[str, tuple[str, dict[str, Any]]]
    token: str | None = None


class Benchmark:
    """Everything one run needs: settings, the relay and the servers."""

    def __init__(self, args: argparse.Namespace, relay: str) -> None:
        from bridge.field_maps import PRODUCT_FIELDS, SALE_FIELDS

        self.args = args
        self.relay = relay
        self.work = Path(tempfile.mkdtemp(prefix="bench-peer-"))
        self.log = (self.work / "servers.log").open("w")
        self.headers = {"Authorization": f"bearer {args.api_key}"}
        if args.db:
            self.headers["X-Odoo-Database"] = args.db
        self.sale_fields = SALE_FIELDS
        self.read_fields = list(dict.fromkeys(["display_name", *SALE_FIELDS]))
        self.product_fields = PRODUCT_FIELDS
        query = args.query
        self.product_domain: list[Any] = [
            "|",
            ["name", "ilike", query],
            ["default_code", "ilike", query],
        ]
        self.sale_id = 0
        self.base_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MCP_ODOO_", "ODOO_"))
        }
        self.startups: dict[str, StartUp] = {}
        self.memory: dict[str, float] = {}

    # -- direct JSON-2 --------------------------------------------------------

    def direct_requests(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """The single JSON-2 request our tools send for each operation."""
        return {
            "listing": (
                "sale.order/search_read",
                {
                    "domain": [],
                    "fields": self.sale_fields,
                    "offset": 0,
                    "limit": LIMIT + 1,
                    "order": SALE_ORDER,
                },
            ),
            "read": (
                "sale.order/read",
                {"ids": [self.sale_id], "fields": self.read_fields},
            ),
            "search": (
                "product.product/search_read",
                {
                    "domain": self.product_domain,
                    "fields": self.product_fields,
                    "offset": 0,
                    "limit": LIMIT + 1,
                    "order": PRODUCT_ORDER,
                },
            ),
        }

    def direct(self, key: str, label: str, http: httpx.AsyncClient) -> Target:
        requests = self.direct_requests()

        async def call(operation: str) -> None:
            path, body = requests[operation]
            response = await http.post(f"/json/2/{path}", json=body)
            response.raise_for_status()

        return Target(key, label, call, tuple(OPERATIONS))

    # -- the servers -------------------------------------------------------------

    def servers(self) -> list[Server]:
        from bridge.schemas import SaleOrderPage
        from bridge.tools.registry import flat_schema

        args = self.args
        ours_env = {
            "MCP_ODOO_INSTANCES": json.dumps(
                {
                    "odoo": {
                        "url": self.relay,
                        "database": args.db or None,
                        "api_key": args.api_key,
                        "protocol": "json2",
                    }
                }
            ),
            "MCP_ODOO_AUDIT__DIRECTORY": str(self.work / "audit"),
            "MCP_ODOO_LOG_LEVEL": "WARNING",
            "MCP_ODOO_HTTP__TOKENS": json.dumps({"bench": TOKEN}),
            "MCP_ODOO_HTTP__RATE_LIMIT_PER_MINUTE": "0",
        }
        Calls = dict[str, tuple[str, dict[str, Any]]]
        ours: Calls = {
            "listing": ("list_sales", {"limit": LIMIT}),
            "read": ("fetch", {"id": f"sale.order:{self.sale_id}"}),
            "search": ("search_products", {"query": args.query, "limit": LIMIT}),
        }
        peer: Calls = {
            "listing": (
                "search_records",
                {
                    "model": "sale.order",
                    "fields": self.sale_fields,
                    "limit": LIMIT,
                    "order": SALE_ORDER,
                },
            ),
            "read": (
                "get_record",
                {
                    "model": "sale.order",
                    "record_id": self.sale_id,
                    "fields": self.read_fields,
                },
            ),
            "search": (
                "search_records",
                {
                    "model": "product.product",
                    "domain": self.product_domain,
                    "fields": self.product_fields,
                    "limit": LIMIT,
                    "order": PRODUCT_ORDER,
                },
            ),
        }
        peer_env = {
            "ODOO_URL": self.relay,
            "ODOO_DB": args.db,
            "ODOO_API_KEY": args.api_key,
            "ODOO_YOLO": "read",
            "ODOO_RPC_TRANSPORT": "json2",
            "ODOO_MCP_LOG_LEVEL": "WARNING",
        }
        bare_env = {
            "ODOO_URL": self.relay,
            "ODOO_DB": args.db,
            "ODOO_API_KEY": args.api_key,
            "BARE_SALE_FIELDS": json.dumps(self.sale_fields),
        }
        # Our output schema, written out here: importing bridge.tools.registry
        # imports our config, service and audit (~50 ms, ~3 MiB), which the
        # typed bare server's start-up and memory must not include.
        typed_env = {
            **bare_env,
            "BARE_OUTPUT_SCHEMA": json.dumps(
                flat_schema(SaleOrderPage.model_json_schema())
            ),
        }
        bare: Calls = {"listing": ("list_sales", {"limit": LIMIT})}
        bridge = str(REPO / ".venv" / "bin" / "mcp-odoo-bridge")
        python = sys.executable
        found = [
            Server(
                "ours-stdio", "ours, stdio", "stdio", [bridge, "stdio"], ours_env, ours
            ),
            Server(
                "peer-stdio",
                "peer, stdio",
                "stdio",
                [str(self.args.peer_bin)],
                peer_env,
                peer,
            ),
            Server(
                "ours-http",
                "ours, HTTP",
                "http",
                [bridge, "serve", "--port", "{port}"],
                ours_env,
                ours,
                token=TOKEN,
            ),
        ]
        if not args.no_bare:
            bare_command = [python, str(SCRIPT), "--serve-bare"]
            found += [
                Server(
                    "bare-stdio",
                    "bare SDK, stdio",
                    "stdio",
                    [*bare_command, "stdio"],
                    bare_env,
                    bare,
                ),
                Server(
                    "bare-http",
                    "bare SDK, HTTP",
                    "http",
                    [*bare_command, "http", "--port", "{port}"],
                    bare_env,
                    bare,
                ),
                Server(
                    "bare-typed-stdio",
                    "bare SDK typed, stdio",
                    "stdio",
                    [*bare_command, "stdio", "--typed"],
                    typed_env,
                    bare,
                ),
                Server(
                    "bare-typed-http",
                    "bare SDK typed, HTTP",
                    "http",
                    [*bare_command, "http", "--typed", "--port", "{port}"],
                    typed_env,
                    bare,
                ),
            ]
        return found

    @contextlib.asynccontextmanager
    async def connect(self, server: Server) -> AsyncIterator[tuple[Client, int, float]]:
        """A started server, a client connected to it and when tools/list answered."""
        from bridge_overhead import free_port
        from mcp import Client, StdioServerParameters
        from mcp.client.stdio import stdio_client

        env = {**self.base_env, **server.env}
        if server.transport == "stdio":
            before = children()
            params = StdioServerParameters(
                command=server.command[0],
                args=server.command[1:],
                env=env,
                cwd=str(self.work),
            )
            transport = stdio_client(params, errlog=self.log)
            async with Client(transport, cache=None) as client:
                [pid] = children() - before
                await client.list_tools()
                yield client, pid, time.perf_counter()
            return
        port = free_port()
        command = [part.replace("{port}", str(port)) for part in server.command]
        process = subprocess.Popen(
            command, env=env, cwd=self.work, stdout=self.log, stderr=self.log
        )
        try:
            async with contextlib.AsyncExitStack() as stack:
                client = await self.http_client(server, port, process, stack)
                yield client, process.pid, time.perf_counter()
        finally:
            process.terminate()
            process.wait(timeout=30)

    async def http_client(
        self,
        server: Server,
        port: int,
        process: subprocess.Popen[bytes],
        stack: contextlib.AsyncExitStack,
    ) -> Client:
        """A client of a Streamable HTTP server, once it answers tools/list."""
        import httpx2
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
        url = f"http://127.0.0.1:{port}/mcp"
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{server.label} exited; see {self.log.name}")
            http = httpx2.AsyncClient(headers=headers, timeout=60)
            try:
                client = await stack.enter_async_context(
                    Client(streamable_http_client(url, http_client=http), cache=None)
                )
                await client.list_tools()
            except Exception:  # not listening yet
                await anyio.sleep(0.01)
                continue
            return client

    def target(self, server: Server, client: Client, pid: int) -> Target:
        async def call(operation: str) -> None:
            name, arguments = server.arguments[operation]
            result = await client.call_tool(name, arguments)
            if result.is_error:
                raise SystemExit(f"{server.label} {name} failed: {result.content}")

        return Target(server.key, server.label, call, tuple(server.arguments), pid)

    # -- phases --------------------------------------------------------------------

    async def counts(self, http: httpx.AsyncClient) -> Counter[str]:
        response = await http.get(COUNTS_PATH)
        return Counter(response.json())

    async def start_ups(self, servers: list[Server], http: httpx.AsyncClient) -> None:
        """Cold starts round by round, each server once a round in a turning
        order, so a burst of machine noise does not land on one server only."""
        rounds = self.args.startups
        for n in range(rounds):
            print(f"start-ups, round {n + 1} of {rounds} ...", file=sys.stderr)
            for server in rotated(servers, n):
                await self.start_up(server, http)

    async def start_up(self, server: Server, http: httpx.AsyncClient) -> None:
        """One cold start: spawn to tools/list answered, then the first listing."""
        result = self.startups.setdefault(server.key, StartUp())
        before = await self.counts(http)
        started = time.perf_counter()
        async with self.connect(server) as (client, pid, listed):
            middle = await self.counts(http)
            first = self.target(server, client, pid)
            first_ms = await first.timed("listing")
            after = await self.counts(http)
        if not result.seconds:
            result.before_tools = middle - before
            result.first_call = after - middle
        result.seconds.append(listed - started)
        result.first_call_ms.append(first_ms)

    async def steady(
        self, servers: list[Server], http: httpx.AsyncClient
    ) -> list[Target]:
        """All servers up at once; interleaved calls, round by round."""
        args = self.args
        async with (
            httpx.AsyncClient(base_url=self.relay, headers=self.headers) as relayed,
            httpx.AsyncClient(base_url=args.url, headers=self.headers) as straight,
            contextlib.AsyncExitStack() as stack,
        ):
            targets = [
                self.direct("direct", "direct JSON-2", relayed),
                self.direct("no-relay", "direct, no relay", straight),
            ]
            for server in servers:
                client, pid, _ = await stack.enter_async_context(self.connect(server))
                targets.append(self.target(server, client, pid))
            for _ in range(args.warmup):
                for operation in OPERATIONS:
                    for target in targets:
                        if operation in target.operations:
                            await target.timed(operation)
            for target in targets:
                for operation in target.operations:
                    before = await self.counts(http)
                    for _ in range(10):
                        await target.timed(operation)
                    target.requests[operation] = await self.counts(http) - before
            for n in range(args.rounds):
                turn = rotated(targets, n)
                for operation in OPERATIONS:
                    for target in turn:
                        if operation not in target.operations:
                            continue
                        cpu = cpu_ms(target.pid) if target.pid else 0.0
                        own = time.process_time()
                        elapsed = await target.timed(operation)
                        own = (time.process_time() - own) * 1000
                        target.times.setdefault(operation, []).append(elapsed)
                        target.client_cpu.setdefault(operation, []).append(own)
                        if target.pid:
                            cpu = cpu_ms(target.pid) - cpu
                            target.cpu.setdefault(operation, []).append(cpu)
            from bridge_overhead import rss_mib

            for target in targets:
                if target.pid is None:
                    continue
                while target.calls < args.calls:
                    await target.call("listing")
                    target.calls += 1
                self.memory[target.key] = rss_mib(target.pid)
        return targets


# -- the report ----------------------------------------------------------------------


def _per_call(counter: Counter[str], calls: int) -> str:
    value = sum(counter.values()) / calls
    return f"{value:.0f}" if value == round(value) else f"{value:.1f}"


def _methods(counter: Counter[str], calls: int = 1) -> str:
    """Odoo requests per call, e.g. ``sale.order.search x1, sale.order.read x1``."""
    names = []
    for path, count in sorted(counter.items()):
        method, _, target = path.partition(" ")
        name = target.removeprefix("/json/2/").replace("/", ".")
        if not target.startswith("/json/2/"):
            name = f"{method} {target}"
        names.append(f"{name} x{count / calls:g}")
    return ", ".join(names) or "none"


def report(
    bench: Benchmark,
    targets: list[Target],
    load_before: str,
    started: float,
) -> None:
    from bridge_overhead import percentile

    args = bench.args
    shown = [t for t in targets if t.key != "no-relay"]
    direct = {op: percentile(targets[0].times[op], 50) for op in OPERATIONS}
    header = "| | " + " | ".join(t.label for t in shown) + " |"
    rows = [header, "|" + " --- |" * (len(shown) + 1)]
    for operation, title in OPERATIONS.items():
        times, ratios, requests, cpu = [], [], [], []
        for target in shown:
            if operation not in target.operations:
                times.append("–")
                ratios.append("–")
                requests.append("–")
                cpu.append("–")
                continue
            spent = target.cpu.get(operation)
            server = f"{statistics.mean(spent):.1f}" if spent else "–"
            cpu.append(
                f"{server} / {statistics.mean(target.client_cpu[operation]):.1f}"
            )
            values = target.times[operation]
            p50, p90 = percentile(values, 50), percentile(values, 90)
            times.append(f"{p50:.1f} / {p90:.1f}")
            ratios.append(f"{p50 / direct[operation]:.2f}x")
            requests.append(_per_call(target.requests[operation], 10))
        rows.append(f"| {title}: p50 / p90 ms | " + " | ".join(times) + " |")
        rows.append(f"| {title}: p50 vs direct | " + " | ".join(ratios) + " |")
        rows.append(f"| {title}: Odoo requests | " + " | ".join(requests) + " |")
        rows.append(f"| {title}: CPU ms, server / client | " + " | ".join(cpu) + " |")
    starts, memory = [], []
    for target in shown:
        up = bench.startups.get(target.key)
        if up is None:
            starts.append("–")
        else:
            median = statistics.median(up.seconds)
            starts.append(
                f"{median:.2f} s ({min(up.seconds):.2f}–{max(up.seconds):.2f})"
            )
        mib = bench.memory.get(target.key)
        memory.append("–" if mib is None else f"{mib:.0f} MiB")
    rows.append(
        f"| start-up until tools/list, median of {args.startups} (min–max) | "
        + " | ".join(starts)
        + " |"
    )
    rows.append(
        f"| resident memory after {args.calls:,} calls | " + " | ".join(memory) + " |"
    )
    print()
    print("\n".join(rows))
    no_relay = next(t for t in targets if t.key == "no-relay")
    hop = direct["listing"] - percentile(no_relay.times["listing"], 50)
    print(
        f"\n{args.rounds} interleaved rounds (after {args.warmup} warm-up rounds); "
        f"the relay's hop adds {hop:.2f} ms to a direct listing at p50 "
        f"({percentile(no_relay.times['listing'], 50):.1f} ms without it)."
    )
    print("\nOdoo requests per call (counted over 10 calls):")
    for target in shown:
        for operation in target.operations:
            counter = target.requests[operation]
            print(f"- {target.label}, {operation}: {_methods(counter, 10)}")
    print("\nStart-up (first cold start; first call = the first listing after it):")
    for key, up in bench.startups.items():
        label = next(t.label for t in targets if t.key == key)
        first = statistics.median(up.first_call_ms)
        print(
            f"- {label}: before tools/list answered: {_methods(up.before_tools)}; "
            f"first call {first:.0f} ms (median): {_methods(up.first_call)}"
        )
    print(
        f"\nMachine: {os.cpu_count()} cores; load average (1/5/15 min) "
        f"{load_before} before, {load()} after; {time.monotonic() - started:.0f} s."
    )


# -- running ---------------------------------------------------------------------------


def peer_venv(path: Path, version: str) -> Path:
    """The peer's command, installed with pip into a venv of its own if needed."""
    command = path / "bin" / PEER
    python = path / "bin" / "python"
    if command.exists():
        installed = subprocess.run(
            [
                python,
                "-c",
                f"import importlib.metadata as m; print(m.version({PEER!r}))",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if installed == version:
            return command
    print(f"installing {PEER}=={version} into {path} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", f"{PEER}=={version}"],
        check=True,
    )
    return command


@contextlib.contextmanager
def relay(upstream: str) -> Iterator[str]:
    """The counting relay in its own process, so it does not share our GIL."""
    from bridge_overhead import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--serve-relay", upstream, "--port", str(port)]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}{COUNTS_PATH}").raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


async def benchmark(args: argparse.Namespace, relay_url: str, load_before: str) -> None:
    started = time.monotonic()
    # The MCP client imports jsonschema when it first checks a tool's output;
    # done here, that import does not land in the first server's first call.
    importlib.import_module("jsonschema")
    bench = Benchmark(args, relay_url)
    async with httpx.AsyncClient(base_url=relay_url, headers=bench.headers) as http:
        response = await http.post(
            "/json/2/sale.order/search_read",
            json={"domain": [], "fields": ["id"], "limit": 1, "order": SALE_ORDER},
        )
        response.raise_for_status()
        bench.sale_id = response.json()[0]["id"]
        servers = bench.servers()
        await bench.start_ups(servers, http)
        print(f"{args.rounds} rounds ...", file=sys.stderr)
        targets = await bench.steady(servers, http)
    report(bench, targets, load_before, started)
    bench.log.close()
    shutil.rmtree(bench.work)


def main() -> None:
    cache = Path(
        os.environ.get("MCP_ODOO_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mcp-odoo"
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ODOO_URL"))
    parser.add_argument("--db", default=os.environ.get("ODOO_DB", ""))
    parser.add_argument("--api-key", default=os.environ.get("ODOO_API_KEY"))
    parser.add_argument("--query", default="desk", help="product search query")
    parser.add_argument("--rounds", type=int, default=200, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up rounds")
    parser.add_argument(
        "--calls", type=int, default=1000, help="calls per server before its RSS"
    )
    parser.add_argument("--startups", type=int, default=10, help="cold starts each")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare SDK")
    parser.add_argument("--peer-version", default=PEER_VERSION)
    parser.add_argument(
        "--peer-venv",
        type=Path,
        help=f"where to install {PEER} (default: a venv in the mcp-odoo cache)",
    )
    parser.add_argument(
        "--serve-bare", choices=["stdio", "http"], help=argparse.SUPPRESS
    )
    parser.add_argument("--typed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-relay", metavar="UPSTREAM", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare, args.port, typed=args.typed)
        return
    if args.serve_relay:
        serve_relay(args.port, args.serve_relay)
        return
    if not (args.url and args.api_key):
        parser.error("give --url and --api-key (or ODOO_URL and ODOO_API_KEY)")
    venv = args.peer_venv or cache / "bench" / f"{PEER}-{args.peer_version}"
    args.peer_bin = peer_venv(venv, args.peer_version)
    load_before = load()
    with relay(args.url) as relay_url:
        anyio.run(benchmark, args, relay_url, load_before)


if __name__ == "__main__":
    main()
