"""Load benchmark of the quotation webhook served by Odoo (not a test).

Against a running Odoo 19 with `mcp_quotation` and demo data, in one run:

1. with 1 and with N concurrent clients, each client alternating the floor (a
   trivial authenticated JSON-2 call, `res.partner/search_count`) and
   accepting a request (`POST /mcp_quotation/v1/quotations`), so that both
   are timed under the same load; then how fast the queue drains, and each
   request's submit-to-completed and processing times (read back from Odoo);
2. end-to-end latency on an idle queue: submit one request, poll its status
   until it completes, repeat;
3. the earlier system's way as the baseline: the same quotation built by
   external XML-RPC calls (authenticate, partner, lead, opportunity, order,
   price, line, name) on the same Odoo.

    python bench/webhook_load.py --url http://127.0.0.1:8069 --db mydb \\
        --api-key "$ODOO_API_KEY" [--login admin] [--requests 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
import xmlrpc.client
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from odoo_api import (
    Odoo,
    add_odoo_arguments,
    connect,
    percentile,
    quotation_body,
)


def summary(values: list[float]) -> str:
    """p50/p99 in milliseconds."""
    return (
        f"p50 {percentile(values, 0.5) * 1000:7.1f} ms  "
        f"p99 {percentile(values, 0.99) * 1000:7.1f} ms  (n={len(values)})"
    )


def timed_calls(
    call: Callable[[int], object], count: int, concurrency: int
) -> list[float]:
    """Run `call(i)` for i in range(count) on `concurrency` threads; durations."""

    def one(index: int) -> float:
        started = time.perf_counter()
        call(index)
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(count)))


def bench_webhook(odoo: Odoo, product_id: int, args: argparse.Namespace) -> None:
    """Floor and acknowledgement, interleaved so that both see the same load."""
    for concurrency in (1, args.concurrency):
        tracking_ids: list[str] = []
        floor: list[float] = []
        acks: list[float] = []

        def floor_then_ack(
            index: int,
            tracking_ids: list[str] = tracking_ids,
            floor: list[float] = floor,
            acks: list[float] = acks,
        ) -> None:
            started = time.perf_counter()
            odoo.json2("res.partner", "search_count", domain=[])
            floor.append(time.perf_counter() - started)
            started = time.perf_counter()
            tracking_ids.append(odoo.submit(quotation_body(product_id, index)))
            acks.append(time.perf_counter() - started)

        first_submit = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(floor_then_ack, range(args.requests)))
        print(f"floor   JSON-2 search_count  x{concurrency:<3} {summary(floor)}")
        ratio_p50 = percentile(acks, 0.5) / percentile(floor, 0.5)
        ratio_p99 = percentile(acks, 0.99) / percentile(floor, 0.99)
        print(
            f"ack     POST quotation       x{concurrency:<3} {summary(acks)}  "
            f"= {ratio_p50:.2f}x / {ratio_p99:.2f}x the floor (p50/p99)"
        )
        drained = odoo.wait_for_drain(tracking_ids, args.timeout)
        total = time.perf_counter() - first_submit
        rows = odoo.json2(
            "quotation.request",
            "search_read",
            domain=[("tracking_id", "in", tracking_ids)],
            fields=["state", "turnaround", "duration"],
        )
        states = {row["state"] for row in rows}
        print(
            f"drain   {len(rows)} requests, states {sorted(states)}: "
            f"{len(rows) / total:.1f} requests/s "
            f"({drained:.1f}s after the last ack)"
        )
        print(
            f"        submit-to-completed x{concurrency:<3} "
            f"{summary([row['turnaround'] for row in rows])}"
        )
        print(
            f"        processing (flow)   x{concurrency:<3} "
            f"{summary([row['duration'] for row in rows])}"
        )


def bench_end_to_end(odoo: Odoo, product_id: int, count: int) -> list[float]:
    """Submit, poll until completed, one request at a time (idle queue)."""
    latencies = []
    for index in range(count):
        started = time.perf_counter()
        tracking_id = odoo.submit(quotation_body(product_id, index))
        while odoo.status(tracking_id)["status"] in ("queued", "processing"):
            time.sleep(0.02)
        latencies.append(time.perf_counter() - started)
    print(f"e2e     idle queue, submit -> completed seen   {summary(latencies)}")
    return latencies


def earlier_system_quotation(
    url: str, db: str, login: str, key: str, product_id: int, index: int
) -> None:
    """The earlier design: one external XML-RPC call per step."""
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    uid = common.authenticate(db, login, key, {})

    def call(model: str, method: str, *params: Any, **options: Any) -> Any:
        return models.execute_kw(db, uid, key, model, method, list(params), options)

    body = quotation_body(product_id, index)
    found = call("res.partner", "search", [("email", "=", body["email"])], limit=1)
    partner_id = (
        found[0]
        if found
        else call(
            "res.partner",
            "create",
            {
                "name": body["partner_name"],
                "email": body["email"],
                "phone": body["phone"],
            },
        )
    )
    lead_id = call(
        "crm.lead", "create", {"name": body["lead_name"], "partner_id": partner_id}
    )
    call("crm.lead", "write", [lead_id], {"type": "opportunity"})
    order_id = call(
        "sale.order", "create", {"partner_id": partner_id, "opportunity_id": lead_id}
    )
    [product] = call("product.product", "read", [product_id], ["list_price"])
    call(
        "sale.order.line",
        "create",
        {
            "order_id": order_id,
            "product_id": product_id,
            "product_uom_qty": 1,
            "price_unit": product["list_price"],
        },
    )
    call("sale.order", "read", [order_id], ["name"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_odoo_arguments(parser)
    parser.add_argument(
        "--login", default="admin", help="the API key's user, for the XML-RPC baseline"
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--e2e", type=int, default=20)
    parser.add_argument("--baseline", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    if not args.db:
        parser.error("the database is required (--db or $ODOO_DB): XML-RPC names it")
    odoo = connect(parser, args)
    product = odoo.sellable_product()
    print(f"Odoo {args.url} db {args.db}; product {product['display_name']}")
    bench_webhook(odoo, product["id"], args)
    e2e = bench_end_to_end(odoo, product["id"], args.e2e)
    baseline = timed_calls(
        lambda i: earlier_system_quotation(
            args.url, args.db, args.login, args.api_key, product["id"], i
        ),
        args.baseline,
        1,
    )
    print(f"baseline earlier system, 9 XML-RPC calls     {summary(baseline)}")
    rows = odoo.json2(
        "quotation.request",
        "search_read",
        domain=[("state", "=", "completed")],
        fields=["duration"],
        order="id desc",
        limit=args.e2e,
    )
    processing = statistics.median(row["duration"] for row in rows)
    print(
        f"summary processing p50 {processing * 1000:.1f} ms = "
        f"{processing / statistics.median(baseline):.2f}x the baseline's "
        f"{statistics.median(baseline) * 1000:.1f} ms; "
        f"e2e p50 {statistics.median(e2e) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
