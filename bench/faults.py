"""Fault runs against real parts (not a test): what is lost or doubled when a
part fails under load.

    postgres  PostgreSQL restarted (fast shutdown, then start) during a burst of
              webhook submissions; refused ones sent again after Retry-After
    worker    kill -9 of an Odoo cron worker while the burst drains
    s3        S3 unreachable during a burst, for the addon's audit outbox and
              the bridge's audit spool, then back
    odoo      Odoo stopped and started while the bridge serves REST and MCP calls

Each run prints what it counted: acknowledged (202), refused (by status, and
whether each refusal was the contract's JSON with Retry-After), completed,
orders, lost (acknowledged, but no completed request with one order), and
duplicates (requests with more than one order, idempotency keys with more than
one request); the S3 run counts documents and objects, the Odoo run calls and
answers before, during and after. It asserts nothing.

    ODOO_BIN=$(scripts/find-odoo) .venv/bin/python bench/faults.py \\
        [--runs postgres,worker,s3,odoo] [--requests 100] [--clients 10]

Everything is on loopback and thrown away at the end: a PostgreSQL cluster of
its own (scripts/postgres.sh), Odoo prefork (`--workers=2`, two cron threads)
on a fresh database, moto's S3 server behind a relay that the run switches off
and on (moto keeps its objects in memory: stopping it would lose them), and
`mcp-odoo-bridge serve`. Needs the dev extras (moto).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import boto3
import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from moto.server import ThreadedMotoServer
from odoo_api import API, quotation_body
from queue_drain import ADDONS, REPO, db_options, free_port, load_average, psql

sys.path.insert(0, str(REPO / "tests"))
from throwaway_postgres import ThrowawayPostgres  # noqa: E402

PRODUCT = "Fault Robot"
BUCKET = "faults"
ADDON_PREFIX = "mcp-odoo-logs"
BRIDGE_PREFIX = "mcp-odoo-bridge/"
BRIDGE_TOKEN = "faults-bench-token-0123456789"  # noqa: S105 - loopback only
S3_KEYS = {"access_key_id": "testing", "secret_access_key": "testing"}
DRAIN_TIMEOUT = 300.0

SETUP = f"""
env["product.product"].create({{"name": "{PRODUCT}", "list_price": 100.0}})
Param = env["ir.config_parameter"]
# One key sends the whole burst: the per-user rate (60 a minute) is not
# what these runs measure.
Param.set_param("mcp_quotation.rate_limit_per_minute", 0)
user = env.ref("base.user_admin")
key = env["res.users.apikeys"].with_user(user).sudo()._generate(None, "faults", None)
env.cr.commit()
print("API_KEY=" + key)
"""


# ----------------------------------------------------------------------
# The parts: PostgreSQL, Odoo, S3, the bridge
# ----------------------------------------------------------------------


class OdooServer:
    """Odoo prefork on one database, as scripts/run starts it."""

    def __init__(self, odoo_bin: str, db: str, work: Path) -> None:
        self.odoo = odoo_bin.split()
        self.db = db
        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = work / f"{db}.log"

    def command(self, *options: str) -> list[str]:
        return [
            *self.odoo,
            *options,
            "-d",
            self.db,
            *db_options(),
            f"--addons-path={ADDONS}",
            f"--data-dir={self.work / 'data'}",
        ]

    def create_database(self) -> str:
        """Install mcp_quotation and a product; the admin's new API key."""
        print(f"installing mcp_quotation into {self.db} ...", file=sys.stderr)
        with (self.work / "install.log").open("w") as log:
            subprocess.run(
                [
                    *self.command("-i", "mcp_quotation"),
                    "--stop-after-init",
                    "--no-http",
                ],
                stdout=log,
                stderr=log,
                check=True,
            )
        output = self.shell(SETUP)
        return output.split("API_KEY=")[1].split()[0]

    def shell(self, script: str) -> str:
        result = subprocess.run(
            [*self.command("shell"), "--no-http", "--log-level=warn"],
            input=script,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            sys.exit(f"odoo shell failed:\n{result.stderr[-2000:]}")
        return result.stdout

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    *self.command(),
                    f"--db-filter=^{self.db}$",
                    "--workers=2",
                    "--max-cron-threads=2",
                    "--http-interface=127.0.0.1",
                    f"--http-port={self.port}",
                    f"--gevent-port={free_port()}",
                ],
                stdout=log,
                stderr=log,
            )
        for _ in range(600):
            if self.process.poll() is not None:
                sys.exit(f"Odoo exited ({self.process.returncode}); see {self.log}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{self.url}/web/health", timeout=2).raise_for_status()
                return
            time.sleep(0.2)
        sys.exit("Odoo did not answer /web/health within two minutes")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def cron_workers(self) -> list[int]:
        """The live cron worker processes, from the log's "alive" lines."""
        pids = re.findall(r"Worker WorkerCron \((\d+)\) alive", self.log.read_text())
        alive = []
        for pid in map(int, pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 0)
                alive.append(pid)
        return alive


class Relay(socketserver.ThreadingTCPServer):
    """A TCP relay on loopback to `target`: while down, connections are
    refused and the open ones cut, as when S3 is out of reach."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, target: int) -> None:
        self.target = target
        self.open: set[socket.socket] = set()
        self.port = free_port()
        super().__init__(
            ("127.0.0.1", self.port), RelayHandler, bind_and_activate=False
        )
        self.thread: threading.Thread | None = None

    def up(self) -> None:
        self.socket = socket.socket(self.address_family, self.socket_type)
        self.server_bind()
        self.server_activate()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def down(self) -> None:
        self.shutdown()
        self.server_close()
        for sock in list(self.open):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class RelayHandler(socketserver.BaseRequestHandler):
    server: Relay

    def handle(self) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.server.target))
        self.server.open.update((self.request, upstream))

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pipe, args=(upstream, self.request))
        back.start()
        pipe(self.request, upstream)
        back.join()
        self.server.open.difference_update((self.request, upstream))
        upstream.close()


@contextlib.contextmanager
def bridge(
    odoo: OdooServer, api_key: str, work: Path, audit: dict[str, str]
) -> Iterator[str]:
    """`mcp-odoo-bridge serve` in front of `odoo`; yields its URL."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "MCP_ODOO_INSTANCES": json.dumps(
            {"dev": {"url": odoo.url, "database": odoo.db, "api_key": api_key}}
        ),
        "MCP_ODOO_HTTP__TOKENS": json.dumps({"bench": BRIDGE_TOKEN}),
        "MCP_ODOO_HTTP__RATE_LIMIT_PER_MINUTE": "0",
        "MCP_ODOO_AUDIT__RETRY_SECONDS": "1",
        "MCP_ODOO_LOG_LEVEL": "WARNING",
        **audit,
    }
    with (work / "bridge.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bridge", "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                sys.exit(f"the bridge exited; see {work / 'bridge.log'}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{url}/health", timeout=2).raise_for_status()
                break
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


# ----------------------------------------------------------------------
# A burst of submissions, and what the database holds afterwards
# ----------------------------------------------------------------------


@dataclass
class Burst:
    """The answers to one burst of submissions, by idempotency key."""

    run: str
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> tracking id
    statuses: Counter[str] = field(default_factory=Counter)
    refused: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    contract_refusals: int = 0  # JSON {error, message} with Retry-After
    other_refusals: Counter[str] = field(default_factory=Counter)
    accepted_on_retry: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, odoo: OdooServer, api_key: str, key: str, body: dict[str, Any]
    ) -> str:
        """Submit once; notes the answer; its status (or the transport error)."""
        # Half name the database (as the bridge does), half let Odoo choose it
        # (as a voice agent's webhook does): Odoo serves them apart.
        headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key}
        if int(key.rsplit("-", 1)[1]) % 2:
            headers["X-Odoo-Database"] = odoo.db
        try:
            response = httpx.post(
                f"{odoo.url}{API}", json=body, headers=headers, timeout=60
            )
        except httpx.TransportError as error:
            outcome = type(error).__name__
            with self.lock:
                self.statuses[outcome] += 1
                self.other_refusals[outcome] += 1
                self.refused[key] = (body, "1")
            return outcome
        with self.lock:
            self.statuses[str(response.status_code)] += 1
            if response.status_code in (200, 202):
                self.acknowledged[key] = response.json()["tracking_id"]
                self.refused.pop(key, None)
            else:
                self.refused[key] = (body, response.headers.get("Retry-After", "1"))
                if is_contract_refusal(response):
                    self.contract_refusals += 1
                else:
                    kind = response.headers.get("Content-Type", "?").split(";")[0]
                    self.other_refusals[f"{response.status_code} {kind}"] += 1
        return str(response.status_code)

    def submit(
        self,
        odoo: OdooServer,
        api_key: str,
        product_id: int,
        count: int,
        clients: int,
        fault: Callable[[], None] | None = None,
    ) -> None:
        """`count` submissions on `clients` threads; `fault` runs once a third
        of them were answered, while the rest are sent."""
        answered = threading.Semaphore(0)

        def after_a_third() -> None:
            for _ in range(count // 3):
                answered.acquire()
            if fault is not None:
                fault()

        faulted = threading.Thread(target=after_a_third)
        faulted.start()

        def one(index: int) -> None:
            key = f"{self.run}-{index}"
            self.send(odoo, api_key, key, quotation_body(product_id, index))
            answered.release()

        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(one, range(count)))
        faulted.join()

    def send_refused_again(self, odoo: OdooServer, api_key: str) -> None:
        """Each refused submission once more, after its Retry-After, with the
        same idempotency key: a caller following the contract."""
        if not self.refused:
            return
        time.sleep(max(int(wait) for _, wait in self.refused.values()))
        for key, (body, _) in list(self.refused.items()):
            if self.send(odoo, api_key, key, body) in ("200", "202"):
                self.accepted_on_retry += 1


def is_contract_refusal(response: httpx.Response) -> bool:
    """The API's refusal: JSON {error, message}, with Retry-After where it says
    to try again (429, 503); never a 500."""
    try:
        body = response.json()
    except ValueError:
        return False
    if not (isinstance(body, dict) and {"error", "message"} <= body.keys()):
        return False
    if response.status_code in (429, 503):
        return response.headers.get("Retry-After", "").isdigit()
    return response.status_code < 500


def wait_for_drain(db: str, run: str) -> None:
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while int(
        psql(
            db,
            "SELECT count(*) FROM quotation_request WHERE idempotency_key LIKE "
            f"'{run}-%' AND state IN ('queued', 'processing')",
        )[0][0]
    ):
        if time.monotonic() > deadline:
            sys.exit(f"{db}: the queue did not drain within {DRAIN_TIMEOUT:.0f}s")
        time.sleep(0.5)


def outcome(db: str, burst: Burst) -> dict[str, Any]:
    """What the database holds for the burst's requests."""
    stored = psql(
        db,
        "SELECT idempotency_key, tracking_id, state, attempts FROM quotation_request "
        f"WHERE idempotency_key LIKE '{burst.run}-%'",
    )
    orders = Counter(
        origin
        for [origin] in psql(
            db,
            "SELECT origin FROM sale_order WHERE origin IN "
            f"(SELECT tracking_id FROM quotation_request "
            f"WHERE idempotency_key LIKE '{burst.run}-%')",
        )
    )
    per_key = Counter(key for key, *_ in stored)
    done = {tracking for _, tracking, state, _ in stored if state == "completed"}
    acknowledged = set(burst.acknowledged.values())
    return {
        "acknowledged": len(acknowledged),
        "accepted on retry": burst.accepted_on_retry,
        "answers": dict(sorted(burst.statuses.items())),
        "refusals in the contract's shape": burst.contract_refusals,
        "refusals not in it": dict(burst.other_refusals),
        "stored": len(stored),
        "completed": len(done),
        "orders": sum(orders.values()),
        "lost": len({t for t in acknowledged if t not in done or orders[t] != 1}),
        "duplicates": sum(1 for n in orders.values() if n > 1)
        + sum(1 for n in per_key.values() if n > 1),
        "stored without an acknowledgement": len(
            {tracking for _, tracking, *_ in stored} - acknowledged
        ),
        "attempted more than once": sum(1 for *_, n in stored if int(n) > 1),
    }


# ----------------------------------------------------------------------
# The runs
# ----------------------------------------------------------------------


class Faults:
    def __init__(
        self, args: argparse.Namespace, work: Path, cluster: ThrowawayPostgres
    ) -> None:
        self.args = args
        self.work = work
        self.cluster = cluster
        self.odoo = OdooServer(args.odoo_bin, f"bench_faults_{os.getpid()}", work)
        self.api_key = self.odoo.create_database()
        [[product_id]] = psql(
            self.odoo.db,
            f"SELECT id FROM product_product WHERE product_tmpl_id IN "
            f"(SELECT id FROM product_template WHERE name->>'en_US' = '{PRODUCT}')",
        )
        self.product_id = int(product_id)
        # Who holds a row's lock, for the worker run.
        psql(self.odoo.db, "CREATE EXTENSION IF NOT EXISTS pgrowlocks")

    def burst(self, name: str, fault: Callable[[], None] | None = None) -> Burst:
        burst = Burst(f"{name}-{uuid.uuid4().hex[:6]}")
        burst.submit(
            self.odoo,
            self.api_key,
            self.product_id,
            self.args.requests,
            self.args.clients,
            fault,
        )
        return burst

    def run_postgres(self) -> dict[str, Any]:
        away: list[float] = []
        self.odoo.start()
        try:
            burst = self.burst(
                "postgres", lambda: away.append(self.cluster.restart(away=1.0))
            )
            burst.send_refused_again(self.odoo, self.api_key)
            wait_for_drain(self.odoo.db, burst.run)
        finally:
            self.odoo.stop()
        return {
            "PostgreSQL restarted (fast) for": f"{away[0]:.1f} s",
            **outcome(self.odoo.db, burst),
        }

    def run_worker(self) -> dict[str, Any]:
        killed: list[int] = []

        def kill_a_cron_worker() -> None:
            # The cron worker holding a processing request's row lock (as it
            # does for the whole flow), found by its connection's port.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                ports = psql(
                    self.odoo.db,
                    "SELECT a.client_port "
                    "FROM pgrowlocks('quotation_request') r, unnest(r.pids) p(pid) "
                    "JOIN pg_stat_activity a ON a.pid = p.pid",
                )
                workers = self.odoo.cron_workers()
                for [port] in ports:
                    if pid := process_of_port(int(port), workers):
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
                time.sleep(0.05)

        self.odoo.start()
        try:
            burst = self.burst("worker", kill_a_cron_worker)
            burst.send_refused_again(self.odoo, self.api_key)
            wait_for_drain(self.odoo.db, burst.run)
        finally:
            self.odoo.stop()
        return {
            "cron worker killed (-9)": killed[0] if killed else "none found processing",
            **outcome(self.odoo.db, burst),
        }

    def run_s3(self) -> dict[str, Any]:
        moto_port = free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        moto.start()
        relay = Relay(moto_port)
        try:
            s3 = boto3.client(
                "s3",
                endpoint_url=f"http://127.0.0.1:{moto_port}",
                region_name="us-east-1",
                aws_access_key_id=S3_KEYS["access_key_id"],
                aws_secret_access_key=S3_KEYS["secret_access_key"],
            )
            s3.create_bucket(Bucket=BUCKET)
            return {
                **self.s3_addon(s3, relay),
                **self.s3_bridge(s3, relay),
            }
        finally:
            with contextlib.suppress(Exception):
                relay.down()
            moto.stop()

    def s3_addon(self, s3: Any, relay: Relay) -> dict[str, Any]:
        settings = {
            "s3_bucket": BUCKET,
            "s3_endpoint_url": f"http://127.0.0.1:{relay.port}",
            "s3_region": "us-east-1",
            "s3_prefix": ADDON_PREFIX,
            "s3_access_key_id": S3_KEYS["access_key_id"],
            "s3_secret_access_key": S3_KEYS["secret_access_key"],
        }
        self.odoo.shell(
            "".join(
                f'env["ir.config_parameter"].set_param("mcp_quotation.{k}", "{v}")\n'
                for k, v in settings.items()
            )
            + "env.cr.commit()\n"
        )
        self.odoo.start()
        try:
            # S3 out of reach for the whole burst and its processing.
            burst = self.burst("s3")
            wait_for_drain(self.odoo.db, burst.run)
            while_down = objects(s3, ADDON_PREFIX)
            waiting = int(
                psql(
                    self.odoo.db,
                    "SELECT count(*) FROM quotation_request_audit a "
                    "JOIN quotation_request r ON r.id = a.request_id "
                    f"WHERE r.idempotency_key LIKE '{burst.run}-%'",
                )[0][0]
            )
            relay.up()
            began = time.monotonic()
            # The outbox retries with backoff (10 s, 20 s, 40 s, ...).
            while int(
                psql(self.odoo.db, "SELECT count(*) FROM quotation_request_audit")[0][0]
            ):
                if time.monotonic() - began > DRAIN_TIMEOUT:
                    break
                time.sleep(1)
            took = time.monotonic() - began
            time.sleep(3)  # any late duplicate would land now
            left = int(
                psql(self.odoo.db, "SELECT count(*) FROM quotation_request_audit")[0][0]
            )
        finally:
            self.odoo.stop()
            relay.down()
        ours = set(burst.acknowledged.values())
        documents = [
            document
            for key in objects(s3, ADDON_PREFIX)
            if (
                document := json.loads(
                    s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
                )
            )["tracking_id"]
            in ours
        ]
        tracking = Counter(document["tracking_id"] for document in documents)
        return {
            "addon: acknowledged": len(burst.acknowledged),
            "addon: objects while S3 was away": len(while_down),
            "addon: the burst's documents waiting in the outbox then": waiting,
            "addon: the burst's objects once the outbox was empty": (
                f"{len(documents)} ({took:.0f} s after S3 was back)"
            ),
            "addon: requests without their document (lost)": len(ours - set(tracking)),
            "addon: requests with more than one object (twice)": sum(
                1 for n in tracking.values() if n > 1
            ),
            "addon: outbox left": left,
            "addon: states in the shipped documents": dict(
                Counter(document["status"] for document in documents)
            ),
        }

    def s3_bridge(self, s3: Any, relay: Relay) -> dict[str, Any]:
        calls = self.args.requests
        [[tracking_id]] = psql(
            self.odoo.db, "SELECT tracking_id FROM quotation_request LIMIT 1"
        )
        audit = {
            "MCP_ODOO_AUDIT__SPOOL_DIRECTORY": str(self.work / "bridge-spool"),
            "MCP_ODOO_AUDIT__S3__BUCKET": BUCKET,
            "MCP_ODOO_AUDIT__S3__PREFIX": BRIDGE_PREFIX,
            "MCP_ODOO_AUDIT__S3__ENDPOINT_URL": f"http://127.0.0.1:{relay.port}",
            "MCP_ODOO_AUDIT__S3__ACCESS_KEY_ID": S3_KEYS["access_key_id"],
            "MCP_ODOO_AUDIT__S3__SECRET_ACCESS_KEY": S3_KEYS["secret_access_key"],
        }
        self.odoo.start()
        try:
            with bridge(self.odoo, self.api_key, self.work, audit) as url:
                rest = rest_calls(url, tracking_id, calls // 2)
                mcp = anyio.run(mcp_calls, url, tracking_id, calls - calls // 2)
                time.sleep(2)  # the writer's batch, then its failed upload
                spooled = len(list((self.work / "bridge-spool").rglob("*.json")))
                while_down = objects(s3, BRIDGE_PREFIX)
                relay.up()
                began = time.monotonic()
                shipped = wait_for_objects(s3, BRIDGE_PREFIX, calls)
                took = time.monotonic() - began
        finally:
            self.odoo.stop()
        requests = Counter(
            json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())[
                "request_id"
            ]
            for key in shipped
        )
        return {
            "bridge: calls (REST + MCP)": f"{calls} ({sum(rest.values())} + "
            f"{sum(mcp.values())}), answers {dict(rest + mcp)}",
            "bridge: objects while S3 was away": len(while_down),
            "bridge: documents in the spool then": spooled,
            "bridge: objects once back": f"{len(shipped)} ({took:.0f} s after)",
            "bridge: calls without their document (lost)": max(
                0, calls - len(requests)
            ),
            "bridge: calls with more than one object (twice)": sum(
                1 for n in requests.values() if n > 1
            ),
            "bridge: spool left": len(
                list((self.work / "bridge-spool").rglob("*.json"))
            ),
        }

    def run_odoo(self) -> dict[str, Any]:
        calls = max(self.args.requests // 5, 4)
        [[tracking_id]] = psql(
            self.odoo.db, "SELECT tracking_id FROM quotation_request LIMIT 1"
        )
        audit = {"MCP_ODOO_AUDIT__DIRECTORY": str(self.work / "bridge-audit")}
        figures: dict[str, Any] = {}
        self.odoo.start()
        try:
            with bridge(self.odoo, self.api_key, self.work, audit) as url:

                def phase(name: str) -> None:
                    rest = rest_calls(url, tracking_id, calls, self.api_key)
                    mcp = anyio.run(mcp_calls, url, tracking_id, calls, self.api_key)
                    figures[f"{name}: REST"] = dict(rest)
                    figures[f"{name}: MCP"] = dict(mcp)

                phase("before")
                self.odoo.stop()
                phase("Odoo stopped")
                self.odoo.start()
                began = time.monotonic()
                while rest_calls(url, tracking_id, 1, self.api_key) != Counter(
                    {"200": 1}
                ):
                    time.sleep(0.2)
                figures["back, first 200 after Odoo answered"] = (
                    f"{time.monotonic() - began:.1f} s"
                )
                phase("after, the bridge not restarted")
        finally:
            self.odoo.stop()
        return figures


def process_of_port(port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the loopback TCP socket of local `port`."""
    inodes = {
        fields[9]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if int((fields := line.split())[1].split(":")[1], 16) == port
    }
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        return pid
    return None


def objects(s3: Any, prefix: str) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix
    ):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def wait_for_objects(
    s3: Any, prefix: str, count: int, timeout: float = 300
) -> list[str]:
    """The objects under `prefix` once there are `count` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while len(objects(s3, prefix)) < count and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(3)  # any late duplicate would land now
    return objects(s3, prefix)


def clean(text: str, secret: str | None) -> bool:
    """No traceback and no secret in an answer."""
    return "Traceback" not in text and (secret is None or secret not in text)


def rest_calls(
    url: str, tracking_id: str, count: int, secret: str | None = None
) -> Counter[str]:
    """The status route through the bridge; answers by status, "unclean" for
    an error that is not the bridge's JSON with Retry-After on a 503."""
    answers: Counter[str] = Counter()
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {BRIDGE_TOKEN}"}, timeout=60
    ) as client:
        for _ in range(count):
            response = client.get(f"{API}/{tracking_id}")
            label = str(response.status_code)
            if response.status_code >= 400:
                ok = is_contract_refusal(response) and clean(response.text, secret)
                label += f" {response.json().get('error')}" if ok else " unclean"
            answers[label] += 1
    return answers


async def mcp_calls(
    url: str, tracking_id: str, count: int, secret: str | None = None
) -> Counter[str]:
    """get_quotation_status over Streamable HTTP with the official client;
    answers as "ok", "error" (a tool error: the bridge's message, clean) or
    "unclean"."""
    answers: Counter[str] = Counter()
    async with httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {BRIDGE_TOKEN}"}, timeout=60
    ) as http:
        async with Client(
            streamable_http_client(f"{url}/mcp", http_client=http)
        ) as mcp:
            for _ in range(count):
                result = await mcp.call_tool(
                    "get_quotation_status", {"tracking_id": tracking_id}
                )
                text = " ".join(getattr(part, "text", "") for part in result.content)
                if not result.is_error:
                    answers["ok"] += 1
                else:
                    answers["error" if clean(text, secret) else "unclean"] += 1
    return answers


RUNS = {
    "postgres": ("PostgreSQL restarted during a burst", Faults.run_postgres),
    "worker": ("kill -9 of a cron worker during a burst", Faults.run_worker),
    "s3": ("S3 unreachable during a burst", Faults.run_s3),
    "odoo": ("Odoo restarted while the bridge serves", Faults.run_odoo),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", default=",".join(RUNS))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument(
        "--odoo-bin",
        default=os.environ.get("ODOO_BIN"),
        help="the odoo command (default: $ODOO_BIN; scripts/find-odoo prints it)",
    )
    args = parser.parse_args()
    if not args.odoo_bin:
        parser.error("the odoo command is required (--odoo-bin or $ODOO_BIN)")
    runs = args.runs.split(",")
    if unknown := set(runs) - set(RUNS):
        parser.error(f"unknown runs: {', '.join(sorted(unknown))}")
    # Stopped by a signal, it still stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    work = Path(tempfile.mkdtemp(prefix="faults-"))
    cluster = ThrowawayPostgres()
    # Odoo, psql and createdb of this run reach that cluster.
    os.environ.update(cluster.env)
    os.environ.pop("PGPASSWORD", None)
    try:
        faults = Faults(args, work, cluster)
        for name in runs:
            title, run = RUNS[name]
            print(f"{title} ...", file=sys.stderr)
            load_before = load_average()
            began = time.monotonic()
            figures = run(faults)
            print(f"\n## {title} ({time.monotonic() - began:.0f} s)")
            print(f"load average: {load_before} -> {load_average()}")
            for key, value in figures.items():
                print(f"{key}: {value}")
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
