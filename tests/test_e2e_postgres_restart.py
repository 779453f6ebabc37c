"""End-to-end: PostgreSQL restarted under a burst of webhook submissions to a
real Odoo (18.0 or 19.0). Every acknowledged request completes exactly once;
the ones that arrive while the database is away get the contract's JSON 503
with Retry-After, never an HTML page or a 500.

Odoo runs on a cluster of the test's own (the session's database copied into
it), since a server the test did not start is never restarted.
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import OdooInstance, odoo_command, wait_until_serving
from throwaway_postgres import ThrowawayPostgres

pytestmark = pytest.mark.odoo

API = "/mcp_quotation/v1/quotations"
REQUESTS = 40
DRAIN_TIMEOUT = 180.0


@dataclass
class OwnOdoo:
    url: str
    db: str
    api_key: str
    postgres: ThrowawayPostgres

    def sql(self, query: str) -> list[list[str]]:
        output = self.postgres.run("psql", "-d", self.db, "-AtqX", "-c", query)
        return [line.split("|") for line in output.splitlines() if line]


@pytest.fixture
def own_odoo(odoo: OdooInstance, tmp_path: Path) -> Iterator[OwnOdoo]:
    """Odoo on its own cluster, with the session's database; prefork, as in
    production: threaded Odoo's cron threads end with their connection when
    PostgreSQL goes away, and nothing would drain the queue after."""
    from fake_odoo import free_port

    command = odoo_command()
    assert command is not None
    postgres = ThrowawayPostgres()
    process = None
    try:
        dump = tmp_path / "db.dump"
        # The session's server, as the libpq variables reach it.
        subprocess.run(
            [str(postgres.bindir / "pg_dump"), "-Fc", "-O", "-d", odoo.db, "-f", dump],
            check=True,
        )
        postgres.run("createdb", odoo.db)
        postgres.run("pg_restore", "-O", "-x", "-d", odoo.db, str(dump))
        port = free_port()
        process = subprocess.Popen(
            [
                *command,
                *(o for o in odoo.shell_options if not o.startswith("--db_")),
                *postgres.odoo_options(),
                f"--db-filter=^{odoo.db}$",
                "--http-interface=127.0.0.1",
                f"--http-port={port}",
                "--workers=2",
                "--max-cron-threads=2",
                f"--gevent-port={free_port()}",
                f"--logfile={tmp_path / 'odoo.log'}",
            ]
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, process)
        yield OwnOdoo(url, odoo.db, odoo.api_key, postgres)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        postgres.stop()


def product_id(odoo: OwnOdoo) -> int:
    [[found]] = odoo.sql(
        "SELECT id FROM product_product WHERE product_tmpl_id IN (SELECT id FROM "
        "product_template WHERE sale_ok AND list_price > 0 AND active) LIMIT 1"
    )
    return int(found)


def test_a_postgresql_restart_during_a_burst_loses_and_doubles_nothing(
    own_odoo: OwnOdoo,
) -> None:
    run = uuid.uuid4().hex[:8]
    product = product_id(own_odoo)
    acknowledged: dict[str, str] = {}  # idempotency key -> tracking id
    refused: dict[str, httpx.Response] = {}
    restarted = threading.Event()

    def submit(key: str) -> None:
        headers = {
            "Authorization": f"Bearer {own_odoo.api_key}",
            "Idempotency-Key": key,
        }
        # Named, as the bridge does, or chosen by Odoo, as a voice agent's
        # webhook has it: Odoo serves the two apart.
        if int(key.rsplit("-", 1)[1]) % 2:
            headers["X-Odoo-Database"] = own_odoo.db
        body = {
            "partner_name": f"Restart Co {key}",
            "email": f"{key}@restart.example",
            "product_id": product,
        }
        response = httpx.post(
            f"{own_odoo.url}{API}", json=body, headers=headers, timeout=60
        )
        if response.status_code in (200, 202):
            acknowledged[key] = response.json()["tracking_id"]
            refused.pop(key, None)
        else:
            refused[key] = response

    def restart_under_load() -> None:
        own_odoo.postgres.restart(away=1.0)
        restarted.set()

    def while_restarting() -> None:
        # Requests sent one after the other until the server is back, so that
        # some surely arrive while it is away.
        index = REQUESTS
        while not restarted.is_set():
            submit(f"{run}-{index}")
            index += 1

    with ThreadPoolExecutor(8) as pool:
        burst = [pool.submit(submit, f"{run}-{i}") for i in range(REQUESTS // 3)]
        fault = [pool.submit(restart_under_load), pool.submit(while_restarting)]
        burst += [
            pool.submit(submit, f"{run}-{i}") for i in range(REQUESTS // 3, REQUESTS)
        ]
        for future in burst + fault:
            future.result()

    assert refused, "no request arrived while PostgreSQL was away"
    for response in refused.values():
        assert response.status_code == 503, response.text[:300]
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json()["error"] == "service_unavailable"
        assert int(response.headers["Retry-After"]) >= 1
    # A caller following the contract sends them again, with the same key.
    time.sleep(max(int(r.headers["Retry-After"]) for r in refused.values()))
    for key in list(refused):
        submit(key)
    assert not refused
    tracking_ids = set(acknowledged.values())
    assert len(tracking_ids) == len(acknowledged)

    quoted = ", ".join(f"'{t}'" for t in tracking_ids)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while own_odoo.sql(
        f"SELECT 1 FROM quotation_request WHERE tracking_id IN ({quoted}) "
        "AND state IN ('queued', 'processing') LIMIT 1"
    ):
        assert time.monotonic() < deadline, "the queue did not drain"
        time.sleep(0.5)
    states: dict[str, Any] = dict(
        own_odoo.sql(
            "SELECT tracking_id, state FROM quotation_request "
            f"WHERE idempotency_key LIKE '{run}-%'"
        )
    )
    assert states == dict.fromkeys(tracking_ids, "completed")
    orders = own_odoo.sql(
        f"SELECT origin, count(*) FROM sale_order WHERE origin IN ({quoted}) "
        "GROUP BY origin"
    )
    assert dict(orders) == dict.fromkeys(tracking_ids, "1")
