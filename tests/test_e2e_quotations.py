"""End-to-end: voice-agent requests through a real Odoo's routes (18.0 or 19.0)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from conftest import OdooInstance

pytestmark = pytest.mark.odoo

API = "/mcp_quotation/v1/quotations"
REQUESTS = 50
DRAIN_TIMEOUT = 180.0


class OdooClient(httpx.Client):
    """Odoo as the admin's API key reaches it: the addon's routes, and Odoo's
    external API through `call_odoo`."""

    def __init__(self, odoo: OdooInstance) -> None:
        super().__init__(
            base_url=odoo.url,
            headers={
                "Authorization": f"Bearer {odoo.api_key}",
                "X-Odoo-Database": odoo.db,
            },
            timeout=30.0,
        )
        self.odoo = odoo
        self.uid: int | None = None  # the key's user, for JSON-RPC (18.0)


def odoo_client(odoo: OdooInstance) -> OdooClient:
    return OdooClient(odoo)


def call_odoo(client: OdooClient, model: str, method: str, **kwargs: Any) -> Any:
    """`model.method(**kwargs)` as the key's user: JSON-2 on 19.0; 18.0 has no
    JSON-2, so JSON-RPC's `execute_kw` with the same key there."""
    odoo = client.odoo
    if odoo.series >= 19:
        response = client.post(f"/json/2/{model}/{method}", json=kwargs)
        response.raise_for_status()
        return response.json()
    if client.uid is None:
        login = (odoo.db, odoo.login, odoo.api_key)
        client.uid = jsonrpc(client, "common", "login", *login)
    return jsonrpc(
        client,
        "object",
        "execute_kw",
        *(odoo.db, client.uid, odoo.api_key, model, method, [], kwargs),
    )


def jsonrpc(client: httpx.Client, service: str, method: str, *args: Any) -> Any:
    response = client.post(
        "/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": list(args)},
        },
    )
    response.raise_for_status()
    answer = response.json()
    assert "error" not in answer, answer["error"]
    return answer["result"]


def sellable_product_id(client: OdooClient) -> int:
    [product] = call_odoo(
        client,
        "product.product",
        "search_read",
        domain=[("sale_ok", "=", True), ("list_price", ">", 0)],
        fields=["id"],
        limit=1,
    )
    return int(product["id"])


def payload(index: int, product_id: int) -> dict[str, Any]:
    return {
        "partner_name": f"E2E Customer {index}",
        "contact_name": f"Caller {index}",
        "email": f"caller{index}@e2e.example",
        "phone": "+52 55 0000 0000",
        "lead_name": f"Voice quotation {index}",
        "product_id": product_id,
        "product_qty": 1 + index % 3,
        "product_price": -1,
    }


def wait_until_ended(client: httpx.Client, tracking_ids: list[str]) -> dict[str, Any]:
    """Poll every status until none is queued or processing."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    documents: dict[str, Any] = {}
    pending = set(tracking_ids)
    while pending and time.monotonic() < deadline:
        for tracking_id in list(pending):
            document = client.get(f"{API}/{tracking_id}").json()
            if document["status"] not in ("queued", "processing"):
                documents[tracking_id] = document
                pending.discard(tracking_id)
        time.sleep(0.5)
    assert not pending, f"{len(pending)} requests never ended"
    return documents


def test_fifty_requests_each_become_exactly_one_quotation(odoo: OdooInstance) -> None:
    with odoo_client(odoo) as client:
        product_id = sellable_product_id(client)
        keys = [f"e2e-call-{index}" for index in range(REQUESTS)]

        def submit(index: int) -> httpx.Response:
            return client.post(
                API,
                json=payload(index, product_id),
                headers={"Idempotency-Key": keys[index]},
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(submit, range(REQUESTS)))
        assert [response.status_code for response in responses] == [202] * REQUESTS
        tracking_ids = [response.json()["tracking_id"] for response in responses]
        assert len(set(tracking_ids)) == REQUESTS

        documents = wait_until_ended(client, tracking_ids)
        statuses = {document["status"] for document in documents.values()}
        assert statuses == {"completed"}, statuses
        for tracking_id in tracking_ids:
            orders = call_odoo(
                client,
                "sale.order",
                "search_read",
                domain=[("origin", "=", tracking_id)],
                fields=["name", "opportunity_id"],
            )
            assert len(orders) == 1
            result = documents[tracking_id]["result"]
            assert orders[0]["name"] == result["sale_order_name"]
            assert orders[0]["opportunity_id"][0] == result["opportunity_id"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            replays = list(pool.map(submit, range(REQUESTS)))
        assert [response.status_code for response in replays] == [200] * REQUESTS
        assert [response.json()["tracking_id"] for response in replays] == tracking_ids
        assert (
            call_odoo(
                client,
                "sale.order",
                "search_count",
                domain=[("origin", "in", tracking_ids)],
            )
            == REQUESTS
        )


def test_concurrent_submissions_with_one_key_store_one_request(
    odoo: OdooInstance,
) -> None:
    with odoo_client(odoo) as client:
        body = payload(1000, sellable_product_id(client))

        def submit(_index: int) -> httpx.Response:
            return client.post(API, json=body, headers={"Idempotency-Key": "race-1"})

        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(submit, range(10)))
        codes = sorted(response.status_code for response in responses)
        assert codes == [200] * 9 + [202]
        assert len({response.json()["tracking_id"] for response in responses}) == 1
        assert (
            call_odoo(
                client,
                "quotation.request",
                "search_count",
                domain=[("idempotency_key", "=", "race-1")],
            )
            == 1
        )


def test_bad_input_is_refused_and_stores_nothing(odoo: OdooInstance) -> None:
    with odoo_client(odoo) as client:
        before = call_odoo(client, "quotation.request", "search_count", domain=[])
        response = client.post(API, json={"partner_name": "X", "email": "nope"})
        assert response.status_code == 422
        assert {error["field"] for error in response.json()["errors"]} == {
            "email",
            "product_id",
        }
        assert (
            client.post(
                API, content=b"{oops", headers={"Content-Type": "application/json"}
            ).status_code
            == 400
        )
        unauthenticated = httpx.post(
            f"{odoo.url}{API}", json={}, headers={"X-Odoo-Database": odoo.db}
        )
        assert unauthenticated.status_code == 401
        after = call_odoo(client, "quotation.request", "search_count", domain=[])
        assert after == before
