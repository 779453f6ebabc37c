"""What the benchmarks that call a running Odoo share: their options, one HTTP
client per thread, a sellable product, a quotation request's body, and
percentiles."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from typing import Any

import httpx

API = "/mcp_quotation/v1/quotations"


def add_odoo_arguments(parser: argparse.ArgumentParser) -> None:
    """--url, --db and --api-key, defaulting to ODOO_URL, ODOO_DB, ODOO_API_KEY."""
    parser.add_argument(
        "--url", default=os.environ.get("ODOO_URL", "http://127.0.0.1:8069")
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("ODOO_DB", ""),
        help="sent as X-Odoo-Database (default: $ODOO_DB; none: Odoo chooses)",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("ODOO_API_KEY"),
        help="Odoo API key (default: $ODOO_API_KEY)",
    )


def connect(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Odoo:
    """The Odoo the options name; the parser's error when the key is missing."""
    if not args.api_key:
        parser.error("an API key is required (--api-key or $ODOO_API_KEY)")
    return Odoo(args.url.rstrip("/"), args.db, args.api_key)


class Odoo:
    """One keep-alive HTTP client per thread against one Odoo database."""

    def __init__(self, url: str, db: str, api_key: str) -> None:
        self.url, self.db, self.api_key = url, db, api_key
        self.local = threading.local()

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            headers = {"Authorization": f"Bearer {self.api_key}"}
            if self.db:
                headers["X-Odoo-Database"] = self.db
            self.local.client = httpx.Client(
                base_url=self.url, headers=headers, timeout=60.0
            )
        return self.local.client

    def json2(self, model: str, method: str, **kwargs: Any) -> Any:
        response = self.client().post(f"/json/2/{model}/{method}", json=kwargs)
        response.raise_for_status()
        return response.json()

    def submit(self, body: dict[str, Any]) -> str:
        response = self.client().post(
            API, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        if response.status_code != 202:
            sys.exit(f"submit failed: {response.status_code} {response.text[:300]}")
        return str(response.json()["tracking_id"])

    def status(self, tracking_id: str) -> dict[str, Any]:
        response = self.client().get(f"{API}/{tracking_id}")
        response.raise_for_status()
        return dict(response.json())

    def sellable_product(self) -> dict[str, Any]:
        """A sellable product with a list price: `id` and `display_name`."""
        [product] = self.json2(
            "product.product",
            "search_read",
            domain=[("sale_ok", "=", True), ("list_price", ">", 0)],
            fields=["id", "display_name"],
            limit=1,
        )
        return dict(product)

    def wait_for_drain(self, tracking_ids: list[str], timeout: float) -> float:
        """Seconds until none of `tracking_ids` is queued or processing."""
        started = time.perf_counter()
        domain = [
            ("tracking_id", "in", tracking_ids),
            ("state", "in", ["queued", "processing"]),
        ]
        while self.json2("quotation.request", "search_count", domain=domain):
            if time.perf_counter() - started > timeout:
                sys.exit(f"queue did not drain within {timeout:.0f}s")
            time.sleep(0.05)
        return time.perf_counter() - started


def quotation_body(product_id: int, index: int) -> dict[str, Any]:
    """A request from a new customer for one of `product_id`."""
    run = uuid.uuid4().hex[:8]
    return {
        "partner_name": f"Bench Co {run}",
        "contact_name": f"Bench Caller {index}",
        "email": f"bench-{run}-{index}@bench.example",
        "phone": "+1 555 0100",
        "lead_name": f"Bench quotation {index}",
        "product_id": product_id,
        "product_qty": 1,
        "product_price": -1,
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
