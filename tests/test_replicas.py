"""Two bridge processes behind HAProxy: any replica answers any MCP request.

HAProxy (Debian's package; scripts/test installs it) runs as a plain process
with docker/haproxy.cfg, the compose `scale` profile's load balancer, its
servers two loopback bridges: round robin for /mcp and the REST routes,
source-address affinity for the legacy SSE transport, whose session lives in
the replica that opened the stream. Each response names its replica
(`X-Bridge-Replica`), so the tests count where consecutive requests landed.
Both replicas write their audit documents into one shared folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from fake_odoo import ADMIN_KEY, DATABASE, FakeOdoo, free_port
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from bridge.audit import AuditLog
from bridge.config import AuditSettings
from bridge.identity import Caller

TOKENS = {"modern": "replica-modern-0123456789", "legacy": "replica-legacy-0123456789"}
TOKENS |= {"sse": "replica-sse-0123456789", "flood": "replica-flood-0123456789"}
REPLICAS = ("bridge-a", "bridge-b")
REPO = Path(__file__).resolve().parent.parent
HAPROXY_CONFIG = REPO / "docker" / "haproxy.cfg"
START_TIMEOUT = 60.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def haproxy_binary() -> str:
    """HAProxy, on PATH or where Debian puts it; its absence fails the test."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if found is None:
        pytest.fail(
            "HAProxy is not installed: `apt-get install haproxy` "
            "(scripts/test installs it as root)."
        )
    return found


def haproxy_config(port: int, bridges: dict[str, int]) -> str:
    """docker/haproxy.cfg, listening on `port`, its servers the loopback bridges."""
    servers = "".join(
        f"    server {name} 127.0.0.1:{bridge_port} check inter 1s\n"
        for name, bridge_port in bridges.items()
    )
    shipped = HAPROXY_CONFIG.read_text()
    config, binds = re.subn(r"(?m)^    bind .*$", f"    bind 127.0.0.1:{port}", shipped)
    config, templates = re.subn(r"(?m)^    server-template .*\n", servers, config)
    assert (binds, templates) == (1, 2), "docker/haproxy.cfg changed shape"
    return config


def wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f} s")


@contextmanager
def running(
    args: list[str], env: dict[str, str], health: str, log: Path
) -> Iterator[None]:
    """A process that answers `health`; stopped (and reaped) at the end."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            args, env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_until_answering(health, process)
            yield
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass(frozen=True)
class Served:
    """One HTTP request through the load balancer: whose, and which replica."""

    client: str
    replica: str


@dataclass
class Cluster:
    """The load balancer's URL, the shared audit folder, and where calls went."""

    url: str
    audit: Path
    requests: dict[str, Served] = field(default_factory=dict)

    def client(self, name: str) -> httpx2.AsyncClient:
        """An HTTP client for the MCP SDK, as client `name`, noting each replica."""
        return httpx2.AsyncClient(**self.client_options(name))

    def client_options(
        self, name: str, headers: dict[str, str] | None = None, **options: Any
    ) -> dict[str, Any]:
        """AsyncClient options: `name`'s token, each request noted by its id."""

        async def tag(request: httpx2.Request) -> None:
            # The bridge takes X-Request-Id as the audit documents' request_id.
            request.headers["X-Request-Id"] = uuid.uuid4().hex

        async def note(response: httpx2.Response) -> None:
            request_id = response.request.headers["X-Request-Id"]
            replica = response.headers["X-Bridge-Replica"]
            self.requests[request_id] = Served(name, replica)

        return {
            **options,
            "headers": {**(headers or {}), "Authorization": f"Bearer {TOKENS[name]}"},
            "timeout": 30,
            "event_hooks": {"request": [tag], "response": [note]},
        }

    def served(self, client: str) -> Counter[str]:
        """How many of `client`'s requests each replica answered."""
        return Counter(s.replica for s in self.requests.values() if s.client == client)

    def audit_documents(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted(self.audit.rglob("*.json"))]


@contextmanager
def replicas(
    fake: FakeOdoo, tmp_path: Path, rate_limit: int = 120
) -> Iterator[Cluster]:
    """Two `mcp-odoo-bridge serve` processes on one Odoo, behind HAProxy."""
    instance = {"url": fake.url, "database": DATABASE, "api_key": ADMIN_KEY}
    audit = tmp_path / "audit"
    bridges = {name: free_port() for name in REPLICAS}
    lb_port = free_port()
    with ExitStack() as stack:
        for name, port in bridges.items():
            env = {
                "PATH": os.environ.get("PATH", ""),
                "MCP_ODOO_INSTANCES": json.dumps({"dev": instance}),
                "MCP_ODOO_HTTP__TOKENS": json.dumps(TOKENS),
                "MCP_ODOO_HTTP__RATE_LIMIT_PER_MINUTE": str(rate_limit),
                # One folder for both: their documents must not clobber each other.
                "MCP_ODOO_AUDIT__DIRECTORY": str(audit),
                "MCP_ODOO_LOG_LEVEL": "WARNING",
            }
            command = [sys.executable, "-m", "bridge", "serve", "--port", str(port)]
            stack.enter_context(
                running(
                    command,
                    env,
                    f"http://127.0.0.1:{port}/health",
                    tmp_path / f"{name}.log",
                )
            )
        config = tmp_path / "haproxy.cfg"
        config.write_text(haproxy_config(lb_port, bridges))
        check = subprocess.run(
            [haproxy_binary(), "-c", "-f", str(config)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        stack.enter_context(
            running(
                [haproxy_binary(), "-db", "-f", str(config)],
                {"PATH": os.environ.get("PATH", "")},
                f"http://127.0.0.1:{lb_port}/health",
                tmp_path / "haproxy.log",
            )
        )
        yield Cluster(url=f"http://127.0.0.1:{lb_port}", audit=audit)


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


@pytest.mark.anyio
async def test_both_client_eras_work_when_consecutive_requests_change_replica(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    """Round robin sends a client's requests to both replicas, and each call
    works: the 2026 per-request protocol and the initialize handshake alike."""
    fake_odoo.polls_to_complete = 1
    with replicas(fake_odoo, tmp_path) as cluster:
        transport = streamable_http_client(
            f"{cluster.url}/mcp", http_client=cluster.client("modern")
        )
        async with Client(transport) as client:
            modern_version = client.protocol_version
            accepted = structured(
                await client.call_tool(
                    "create_quotation",
                    {
                        "partner_name": "Acme Corp",
                        "email": "john@acme.example",
                        "product_ref": "PUDU-KB",
                        "idempotency_key": "replicas-0001",
                    },
                )
            )
            # Asked until completed: the polls alternate between the replicas.
            statuses = [
                structured(
                    await client.call_tool(
                        "get_quotation_status",
                        {"tracking_id": accepted["tracking_id"]},
                    )
                )["status"]
                for _ in range(3)
            ]
            found = structured(
                await client.call_tool("search_products", {"query": "PUDU"})
            )
        transport = streamable_http_client(
            f"{cluster.url}/mcp", http_client=cluster.client("legacy")
        )
        async with Client(transport, mode="legacy") as client:
            legacy_version = client.protocol_version
            tools = await client.list_tools()
            chairs = structured(
                await client.call_tool("search_products", {"query": "Chair"})
            )
            users = structured(await client.call_tool("list_users", {}))
    # Read once both replicas have stopped: each flushes its queue on the way out.
    documents = cluster.audit_documents()

    assert modern_version >= "2026" > legacy_version
    assert statuses[-1] == "completed"
    assert [p["name"] for p in found["items"]] == [
        "Robot PUDU BellaBot",
        "Robot PUDU KettyBot",
    ]
    assert len(tools.tools) == 14
    assert [p["name"] for p in chairs["items"]] == ["Office Chair"]
    assert users["items"]
    # Strict alternation: each client's requests split evenly (±1) over both.
    for served in (cluster.served("modern"), cluster.served("legacy")):
        assert set(served) == set(REPLICAS), served
        assert abs(served["bridge-a"] - served["bridge-b"]) <= 1, served
    # Every tool call left one document in the shared folder, none overwritten,
    # and the documents came from both replicas.
    calls = 1 + 3 + 1 + 2
    assert len(documents) == calls
    assert {d["name"] for d in documents} == {
        "create_quotation",
        "get_quotation_status",
        "search_products",
        "list_users",
    }
    writers = Counter(
        cluster.requests[d["request_id"].partition(":")[0]].replica for d in documents
    )
    assert set(writers) == set(REPLICAS), writers
    assert sum(writers.values()) == calls


@pytest.mark.anyio
async def test_legacy_sse_clients_stay_on_the_replica_holding_their_stream(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    """The SSE transport's session lives in one replica: HAProxy's source
    affinity sends the stream and every message of a client to it."""
    with replicas(fake_odoo, tmp_path) as cluster:
        async with cluster.client("modern") as other:
            transport = sse_client(
                f"{cluster.url}/mcp/sse",
                httpx_client_factory=lambda headers=None, timeout=None, auth=None: (
                    httpx2.AsyncClient(
                        **cluster.client_options("sse", headers, auth=auth)
                    )
                ),
            )
            # A message sent to the wrong replica is never answered: wait 60 s.
            with anyio.fail_after(60):
                async with Client(transport, mode="legacy") as client:
                    answers = []
                    for query in ("PUDU-KB", "Chair"):
                        # Another client's request moves the round robin on.
                        await other.get(f"{cluster.url}/metrics")
                        found = await client.call_tool(
                            "search_products", {"query": query}
                        )
                        answers.append(structured(found))

    assert answers[0]["items"][0]["name"] == "Robot PUDU KettyBot"
    assert [p["name"] for p in answers[1]["items"]] == ["Office Chair"]
    assert set(cluster.served("modern")) == set(REPLICAS)
    # The stream, the handshake and both calls: one replica.
    [(replica, count)] = cluster.served("sse").items()
    assert count >= 5


def test_the_rate_limit_is_per_replica_so_a_client_gets_it_once_per_replica(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    """With a limit of 3 a minute on each of two replicas, a burst of 10 gets
    6 answers (3 from each) and 4 refusals with Retry-After."""
    with replicas(fake_odoo, tmp_path, rate_limit=3) as cluster:
        with httpx.Client(
            base_url=cluster.url,
            headers={"Authorization": f"Bearer {TOKENS['flood']}"},
            timeout=30,
        ) as http:
            responses = [http.get("/metrics") for _ in range(10)]

    accepted = Counter(
        r.headers["X-Bridge-Replica"] for r in responses if r.status_code == 200
    )
    refused = [r for r in responses if r.status_code == 429]
    assert accepted == {"bridge-a": 3, "bridge-b": 3}
    assert len(refused) == 4
    assert all(r.json()["error"] == "rate_limited" for r in refused)
    assert all(int(r.headers["Retry-After"]) > 0 for r in refused)


@pytest.mark.anyio
async def test_replicas_sharing_one_spool_ship_each_document_to_s3_once(
    tmp_path: Path, s3_server: Any
) -> None:
    """Two replicas' audit logs on one spool folder (compose's shared volume)
    and one bucket: every document arrives once, none is left behind."""
    bucket = s3_server.make_bucket()
    settings = AuditSettings(
        spool_directory=tmp_path / "spool",
        retry_seconds=0.1,
        s3={
            "bucket": bucket,
            "endpoint_url": s3_server.endpoint_url,
            "access_key_id": s3_server.access_key_id,
            "secret_access_key": s3_server.secret_access_key,
        },
    )
    logs = [AuditLog(settings), AuditLog(settings)]

    async def calls(audit: AuditLog, replica: str) -> None:
        async with audit.running():
            for n in range(20):
                who = Caller(client="n8n", request_id=f"{replica}-{n}")
                async with audit.track(
                    kind="rest", name="GET /ready", instance=None, arguments={}, who=who
                ):
                    await anyio.sleep(0.01)

    async with anyio.create_task_group() as tg:
        for audit, replica in zip(logs, REPLICAS, strict=True):
            tg.start_soon(calls, audit, replica)

    s3 = s3_server.client()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    request_ids = sorted(
        json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["request_id"]
        for key in keys
    )
    assert request_ids == sorted(f"{r}-{n}" for r in REPLICAS for n in range(20))
    assert logs[0].spooled() == []
