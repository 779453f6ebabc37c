"""Flood benchmark of the addon's flood control (not a test): one API key sends
`--requests` quotation requests as fast as `--clients` threads can, each with
its own idempotency key, then waits for the queue to drain.

It prints how many were accepted (202) and refused (429, with their
Retry-After), the other statuses, the quotation requests and sale orders the
run created, and the acknowledgement's p50/p99. With the addon's defaults the
accepted count is the per-user rate (60 a minute), and orders equal accepted.

    python bench/flood.py --url http://127.0.0.1:8069 --db mydb \\
        --api-key "$ODOO_API_KEY" [--requests 1000] [--clients 20]
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from odoo_api import API, Odoo, add_odoo_arguments, connect, percentile, quotation_body


def counts(odoo: Odoo) -> tuple[int, int]:
    """The quotation requests and the sale orders in the database."""
    return (
        odoo.json2("quotation.request", "search_count", domain=[]),
        odoo.json2("sale.order", "search_count", domain=[]),
    )


def flood(odoo: Odoo, product_id: int, requests: int, clients: int) -> None:
    before = counts(odoo)
    run = uuid.uuid4().hex[:8]
    statuses: Counter[int] = Counter()
    retry_after: list[int] = []
    accepted: list[str] = []
    timings: list[float] = []

    def one(index: int) -> tuple[httpx.Response, float]:
        began = time.perf_counter()
        response = odoo.client().post(
            API,
            json=quotation_body(product_id, index),
            headers={"Idempotency-Key": f"flood-{run}-{index}"},
        )
        return response, time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for response, seconds in pool.map(one, range(requests)):
            statuses[response.status_code] += 1
            timings.append(seconds * 1000)
            if response.status_code == 202:
                accepted.append(response.json()["tracking_id"])
            elif response.status_code == 429:
                retry_after.append(int(response.headers["Retry-After"]))
    elapsed = time.perf_counter() - began
    odoo.wait_for_drain(accepted, timeout=600)
    after = counts(odoo)
    print(f"{requests} requests from one key, {clients} clients, {elapsed:.1f} s")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"accepted (202): {len(accepted)}; refused (429): {statuses[429]}")
    if retry_after:
        print(f"Retry-After: {min(retry_after)}-{max(retry_after)} s")
    print(f"quotation requests created: {after[0] - before[0]}")
    print(f"sale orders created: {after[1] - before[1]}")
    print(
        f"acknowledgement: p50 {percentile(timings, 0.5):.1f} ms, "
        f"p99 {percentile(timings, 0.99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_odoo_arguments(parser)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    odoo = connect(parser, args)
    flood(odoo, odoo.sellable_product()["id"], args.requests, args.clients)


if __name__ == "__main__":
    main()
