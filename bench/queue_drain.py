"""Drain benchmark of the quotation queue across cron threads and servers (not a test).

Runs Odoo itself, prefork (`--workers=2`), on throwaway databases: one with
`mcp_quotation` and a product, copied for each row. For each row it starts the
row's Odoo servers, submits N requests in one transaction (they are queued at
the same moment, and the commit wakes the crons), then polls until none is
queued or processing. Rows: one server with 1, 2 and 4 cron threads, and two
servers on one database with 2 cron threads each. Half the requests are from
customers who sent one before (the same email), so the partner look-up runs in
parallel with its creation.

It prints a table (drain rate, p50/p99 of submit-to-completed as the poller
saw it, orders against requests, duplicates: requests with more than one
order plus partners sharing an email) and the load average, and draws the
drain rate against the cron threads into a PNG.

    source scripts/postgres.sh && ensure_postgres
    ODOO_BIN=$(scripts/find-odoo) .venv/bin/python bench/queue_drain.py \\
        [--requests 500] [--chart bench/queue_drain.png]

PostgreSQL is reached through the libpq variables (PGHOST, PGPORT, PGUSER,
PGPASSWORD), by Odoo and by `psql`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDONS = REPO / "odoo_addons"
PRODUCT = "Bench Robot"


@dataclass
class Row:
    label: str
    servers: int
    cron_threads: int  # per server

    @property
    def total_threads(self) -> int:
        return self.servers * self.cron_threads


ROWS = [
    Row("1 server, 1 cron thread", 1, 1),
    Row("1 server, 2 cron threads", 1, 2),
    Row("1 server, 4 cron threads", 1, 4),
    Row("2 servers, 2 cron threads each", 2, 2),
]

# Run by `odoo shell` on a row's database: the lanes for the row's cron
# threads, then N requests in one transaction; prints when it committed. The
# per-user rate is lifted: one user submits them all, and the flood control
# (bench/flood.py measures it) would refuse all but a minute's worth.
SUBMIT = """
import time
Request = env["quotation.request"]
env["ir.config_parameter"].set_param("mcp_quotation.parallel_workers", {workers})
env["ir.config_parameter"].set_param("mcp_quotation.rate_limit_per_minute", 0)
Request._sync_lanes()
env.cr.commit()
product = env["product.product"].search([("name", "=", "{product}")], limit=1)
for index in range({count}):
    customer = index % max({count} // 2, 1)
    Request._submit_request({{
        "partner_name": f"Bench Co {{customer}}",
        "contact_name": f"Bench Caller {{customer}}",
        "email": f"caller-{{customer}}@bench.example",
        "product_id": product.id,
        "product_qty": 1,
    }})
env.cr.commit()
print("COMMITTED", time.time())
"""

SETUP = f"""
env["product.product"].create({{"name": "{PRODUCT}", "list_price": 100.0}})
env.cr.commit()
"""


def db_options() -> list[str]:
    """Odoo's options for the server the libpq variables name."""
    names = {
        "PGHOST": "db_host",
        "PGPORT": "db_port",
        "PGUSER": "db_user",
        "PGPASSWORD": "db_password",
    }
    return [
        f"--{option}={os.environ[var]}"
        for var, option in names.items()
        if var in os.environ
    ]


def psql(db: str, query: str) -> list[list[str]]:
    output = subprocess.run(
        ["psql", "-d", db, "-AtqX", "-F", "\t", "-c", query],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("\t") for line in output.splitlines() if line]


def free_port() -> int:
    return int(subprocess.check_output([REPO / "scripts" / "free-port"], text=True))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.odoo = args.odoo_bin.split()
        self.template = f"bench_drain_{os.getpid()}"

    def odoo_command(self, db: str, *options: str) -> list[str]:
        return [
            *self.odoo,
            *options,
            "-d",
            db,
            *db_options(),
            f"--addons-path={ADDONS}",
            f"--data-dir={self.work / 'data'}",
        ]

    def shell(self, db: str, script: str, cron_threads: int = 0) -> str:
        result = subprocess.run(
            [
                *self.odoo_command(db, "shell"),
                f"--max-cron-threads={cron_threads}",
                "--no-http",
                "--log-level=warn",
            ],
            input=script,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            sys.exit(f"odoo shell failed:\n{result.stderr[-2000:]}")
        return result.stdout

    def create_template(self) -> None:
        print(f"installing mcp_quotation into {self.template} ...", file=sys.stderr)
        with (self.work / "install.log").open("w") as log:
            subprocess.run(
                [
                    *self.odoo_command(self.template),
                    "-i",
                    "mcp_quotation",
                    "--stop-after-init",
                    "--no-http",
                ],
                stdout=log,
                stderr=log,
                check=True,
            )
        self.shell(self.template, SETUP)

    @contextlib.contextmanager
    def servers(self, db: str, row: Row) -> Iterator[None]:
        processes = []
        try:
            for index in range(row.servers):
                port = free_port()
                log = (self.work / f"{db}-{index}.log").open("w")
                processes.append(
                    subprocess.Popen(
                        [
                            *self.odoo_command(db),
                            f"--db-filter=^{db}$",
                            "--workers=2",
                            f"--max-cron-threads={row.cron_threads}",
                            "--http-interface=127.0.0.1",
                            f"--http-port={port}",
                            f"--gevent-port={free_port()}",
                            "--log-level=warn",
                        ],
                        stdout=log,
                        stderr=log,
                    )
                )
                wait_for_health(port, processes[-1])
            yield
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def run_row(self, row: Row) -> dict[str, float | int | str]:
        db = f"{self.template}_{row.servers}x{row.cron_threads}"
        subprocess.run(["createdb", "-T", self.template, db], check=True)
        count = self.args.requests
        try:
            with self.servers(db, row):
                load_before = load_average()
                output = self.shell(
                    db,
                    SUBMIT.format(
                        workers=row.total_threads, product=PRODUCT, count=count
                    ),
                )
                committed = float(output.split("COMMITTED")[1].split()[0])
                seen = self.poll(db, count, committed)
                load_after = load_average()
            return self.figures(db, row, seen, committed, load_before, load_after)
        finally:
            subprocess.run(["dropdb", "--if-exists", db], check=False)

    def poll(self, db: str, count: int, committed: float) -> dict[int, float]:
        """When each request was first seen ended, in seconds since the commit."""
        seen: dict[int, float] = {}
        deadline = time.time() + self.args.timeout
        while len(seen) < count:
            now = time.time()
            if now > deadline:
                sys.exit(
                    f"{db}: {count - len(seen)} requests still open after the timeout"
                )
            for [request_id] in psql(
                db,
                "SELECT id FROM quotation_request "
                "WHERE state NOT IN ('queued', 'processing')",
            ):
                seen.setdefault(int(request_id), now - committed)
            time.sleep(0.2)
        return seen

    def figures(
        self,
        db: str,
        row: Row,
        seen: dict[int, float],
        committed: float,
        load_before: str,
        load_after: str,
    ) -> dict[str, float | int | str]:
        [[orders, twice, partner_duplicates, failed]] = psql(
            db,
            """
            SELECT (SELECT count(*) FROM sale_order),
                   (SELECT count(*) FROM (SELECT origin FROM sale_order
                                          GROUP BY origin HAVING count(*) > 1) o),
                   (SELECT count(*) - count(DISTINCT email_normalized) FROM res_partner
                     WHERE email_normalized LIKE '%%@bench.example'),
                   (SELECT count(*) FROM quotation_request WHERE state != 'completed')
            """.replace("%%", "%"),
        )
        times = sorted(seen.values())
        drain = times[-1]
        return {
            "row": row.label,
            "threads": row.total_threads,
            "rate": len(times) / drain,
            "drain": drain,
            "p50": statistics.median(times),
            "p99": times[max(int(len(times) * 0.99) - 1, 0)],
            "requests": len(times),
            "orders": int(orders),
            "duplicates": int(twice) + int(partner_duplicates),
            "failed": int(failed),
            "load": f"{load_before} -> {load_after}",
        }


def wait_for_health(port: int, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    for _ in range(600):
        if process.poll() is not None:
            sys.exit(f"Odoo exited ({process.returncode}) before answering")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/web/health", timeout=2)
            return
        time.sleep(0.2)
    sys.exit("Odoo did not answer /web/health within two minutes")


def print_table(results: list[dict[str, float | int | str]], count: int) -> None:
    print(
        f"| {count} requests | drain rate | drain time | p50 | p99 | orders "
        "| duplicates | failed | load average (before -> after) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    base = float(results[0]["rate"])
    for result in results:
        rate = float(result["rate"])
        print(
            f"| {result['row']} | {rate:.1f}/s ({rate / base:.2f}×) "
            f"| {result['drain']:.1f} s | {result['p50']:.1f} s "
            f"| {result['p99']:.1f} s "
            f"| {result['orders']} = {result['requests']} | {result['duplicates']} "
            f"| {result['failed']} | {result['load']} |"
        )


def draw_chart(results: list[dict[str, float | int | str]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    one_server = [r for r in results if not str(r["row"]).startswith("2 servers")]
    two_servers = [r for r in results if str(r["row"]).startswith("2 servers")]
    figure, axes = plt.subplots(figsize=(5, 3.2), dpi=90)
    axes.plot(
        [r["threads"] for r in one_server],
        [r["rate"] for r in one_server],
        marker="o",
        label="one Odoo server",
    )
    axes.plot(
        [r["threads"] for r in two_servers],
        [r["rate"] for r in two_servers],
        marker="s",
        linestyle="none",
        label="two servers, 2 cron threads each",
    )
    axes.set_xlabel("cron threads (all servers)")
    axes.set_ylabel("requests completed per second")
    axes.set_xticks([1, 2, 4])
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    axes.set_title("Queue drain rate, --workers=2, 2 cores", fontsize="medium")
    figure.tight_layout()
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument(
        "--odoo-bin",
        default=os.environ.get("ODOO_BIN"),
        help="the odoo command (default: $ODOO_BIN; scripts/find-odoo prints it)",
    )
    parser.add_argument(
        "--chart", type=Path, default=REPO / "bench" / "queue_drain.png"
    )
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds a row may take to drain"
    )
    args = parser.parse_args()
    if not args.odoo_bin:
        parser.error("the odoo command is required (--odoo-bin or $ODOO_BIN)")
    # Stopped by a signal, it still stops its servers and drops its databases.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    work = Path(tempfile.mkdtemp(prefix="queue-drain-"))
    bench = Bench(args, work)
    try:
        bench.create_template()
        results = []
        for row in ROWS:
            print(f"{row.label} ...", file=sys.stderr)
            results.append(bench.run_row(row))
    finally:
        subprocess.run(["dropdb", "--if-exists", bench.template], check=False)
    shutil.rmtree(work, ignore_errors=True)
    print(f"CPUs: {os.cpu_count()}")
    print_table(results, args.requests)
    draw_chart(results, args.chart)
    print(f"chart: {args.chart}")


if __name__ == "__main__":
    main()
