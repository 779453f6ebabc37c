"""The mcp_quotation addon's routes, called on the instance that holds the
quotations: create a quotation, read its status, look up products, or forward
a REST call as it is."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import anyio

from bridge.addon_contract import (
    FINAL_STATES,
    LOOKUP_MAX_LIMIT,
    MAX_BODY_BYTES,
    PRODUCTS_PATH,
    QUOTATIONS_PATH,
)
from bridge.errors import (
    AddonNotInstalled,
    BridgeMisconfigured,
    PayloadTooLarge,
    QuotationRejected,
)
from bridge.instances import QUOTATION_READS, WRITES, Instance, Instances, Use
from bridge.odoo import AddonResponse, OdooClient
from bridge.params import CreateQuotation, GetQuotationStatus, SearchProducts
from bridge.schemas import Product, ProductPage, QuotationAccepted, QuotationStatus

POLL_SECONDS = 1.0

ProgressCallback = Callable[[float, float | None, str], Awaitable[None]]


class AddonClient:
    """The addon's routes, on the instance each call chooses."""

    def __init__(self, instances: Instances) -> None:
        self._instances = instances

    async def _client(self, name: str | None, use: Use) -> OdooClient:
        """The chosen instance's client; the addon's routes need an API key."""
        inst = self._instances.choose(name, use)
        if inst.config.api_key is None:
            raise BridgeMisconfigured(
                f"Quotations on instance {inst.name!r} need an API key (the addon's "
                "routes authenticate with Odoo API keys)"
            )
        return await inst.client()

    async def create(self, params: CreateQuotation) -> QuotationAccepted:
        """Queue a quotation in Odoo through the addon's route."""
        client = await self._client(params.instance, WRITES)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": params.idempotency_key,
        }
        body = json.dumps(params.body()).encode()
        answer = await client.route("POST", QUOTATIONS_PATH, body=body, headers=headers)
        if answer.status_code not in (200, 202):
            raise QuotationRejected(answer)
        return QuotationAccepted.model_validate(answer.body)

    async def status(
        self,
        params: GetQuotationStatus,
        on_progress: ProgressCallback | None = None,
    ) -> QuotationStatus:
        """The status document; waits up to `wait_seconds` for a final state."""
        client = await self._client(params.instance, QUOTATION_READS)
        longest = self._instances.settings.quotation_wait_seconds
        wait = max(0.0, min(params.wait_seconds, longest))
        deadline = time.monotonic() + wait
        step = 0
        while True:
            answer = await client.route(
                "GET", f"{QUOTATIONS_PATH}/{params.tracking_id}", body=None, headers={}
            )
            if answer.status_code != 200:
                raise QuotationRejected(answer)
            status = QuotationStatus.model_validate(answer.body)
            if status.status in FINAL_STATES or time.monotonic() >= deadline:
                return status
            step += 1
            if on_progress is not None:
                await on_progress(
                    float(step),
                    None,
                    f"{status.status}: {status.progress or 'waiting'}",
                )
            await anyio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))

    async def lookup_products(
        self, inst: Instance, params: SearchProducts
    ) -> ProductPage:
        """The addon's spelling-tolerant product lookup on `inst`, as a page."""
        size = self._instances.settings.page_size(params.limit)
        offset = max(0, params.offset)
        query = urlencode(
            {"q": params.query, "limit": min(offset + size + 1, LOOKUP_MAX_LIMIT)}
        )
        client = await inst.client()
        answer = await client.route(
            "GET", f"{PRODUCTS_PATH}?{query}", body=None, headers={}
        )
        if answer.status_code == 404:
            # The addon's own 404: a version of it without the lookup route.
            raise AddonNotInstalled(inst.name)
        if answer.status_code != 200:
            raise QuotationRejected(answer)
        # The lookup has no offset: it answers from the first hit.
        hits = answer.body["products"][offset:]
        return ProductPage.of(
            hits,
            lambda hit: Product(**hit, url=inst.link("product.product", hit["id"])),
            offset=offset,
            limit=size,
        )

    async def forward(
        self,
        method: str,
        path: str,
        use: Use,
        *,
        body: bytes | None = None,
        idempotency_key: str | None = None,
    ) -> AddonResponse:
        """Forward a REST call to the addon's route of the same path; a body the
        addon would refuse as too large is refused here."""
        client = await self._client(None, use)
        if body is not None and len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(MAX_BODY_BYTES)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return await client.route(method, path, body=body, headers=headers)
