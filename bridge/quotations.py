"""Everything the bridge knows about the mcp_quotation addon's HTTP contract:
its paths, its request shape, its final states, its refusals, and the calls
that create a quotation, read its status or forward a REST call as it is."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import anyio
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from bridge.config import ConfigError
from bridge.errors import BridgeError, BridgeMisconfigured
from bridge.http_errors import body_too_large
from bridge.odoo import AddonResponse, OdooClient
from bridge.params import OnInstance, SearchProducts
from bridge.schemas import Product, ProductPage, QuotationAccepted, QuotationStatus
from bridge.service import OdooService

QUOTATIONS_PATH = "/mcp_quotation/v1/quotations"
PRODUCTS_PATH = "/mcp_quotation/v1/products"
# The addon's lookup answers at most this many products.
LOOKUP_MAX_LIMIT = 50
# The earlier system's paths, which the addon (and so the bridge) still serves.
LEGACY_SUBMIT_PATH = "/api/quotation/async"
LEGACY_STATUS_PATH = "/api/quotation/status"
FINAL_STATES = frozenset({"completed", "failed", "cancelled"})
# The addon refuses a quotation request's body above this; so does the bridge,
# with the addon's answer, rather than forwarding it to be refused.
QUOTATION_MAX_BODY_BYTES = 64 * 1024
POLL_SECONDS = 1.0

ProgressCallback = Callable[[float, float | None, str], Awaitable[None]]


class QuotationRejected(BridgeError):
    """The addon refused a quotation request (validation, auth, not found)."""

    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self.body = body
        message = body.get("message") if isinstance(body, dict) else None
        details = [
            f"{e.get('field')}: {e.get('message')}"
            for e in (body.get("errors") or [] if isinstance(body, dict) else [])
            if isinstance(e, dict)
        ]
        text = f"Quotation request refused (HTTP {status_code}): {message or body}"
        if details:
            text += " [" + "; ".join(details) + "]"
        super().__init__(text)


class QuotationLine(BaseModel):
    """One product line of a quotation request; like the addon, it refuses keys
    it does not know and takes Odoo's own names for quantity and unit price."""

    model_config = ConfigDict(extra="forbid")

    product_id: int | None = Field(default=None, description="Product id.")
    product_ref: str | None = Field(
        default=None,
        description="Internal reference or name, misspelled or not; refused with "
        "the candidates when several products match.",
    )
    product_qty: float = Field(
        default=1.0,
        gt=0,
        validation_alias=AliasChoices("product_qty", "quantity"),
        description="Quantity (also accepted as `quantity`).",
    )
    product_price: float | None = Field(
        default=None,
        validation_alias=AliasChoices("product_price", "price_unit"),
        description="Unit price (also `price_unit`); omit to use Odoo's price.",
    )


class CreateQuotation(OnInstance):
    """create_quotation: what the addon's submission route takes, from the bridge."""

    partner_name: str = Field(min_length=1, description="Customer company.")
    email: str = Field(min_length=3, description="Customer contact email.")
    idempotency_key: str = Field(
        min_length=8,
        max_length=128,
        description=(
            "A unique key for this quotation (e.g. a UUID); reuse the same "
            "key when retrying so the quotation is created only once."
        ),
    )
    contact_name: str | None = Field(default=None, description="Contact person.")
    phone: str | None = Field(default=None, description="Contact phone.")
    lead_name: str | None = Field(default=None, description="Title of the deal.")
    notes: str | None = Field(default=None, description="Notes for the sales team.")
    product_id: int | None = Field(
        default=None, description="Product id from search_products."
    )
    product_ref: str | None = Field(
        default=None,
        description="Internal reference or name, misspelled or not; refused with "
        "the candidates when several products match.",
    )
    product_qty: float = Field(default=1.0, gt=0, description="Quantity.")
    product_price: float | None = Field(
        default=None, description="Unit price; omit to use Odoo's price."
    )
    lines: list[QuotationLine] | None = Field(
        default=None,
        description="Several products; replaces product_id/product_ref.",
    )
    user_id: int | None = Field(
        default=None, description="Salesperson user id; omit to auto-assign."
    )
    team_id: int | None = Field(default=None, description="Sales team id.")
    source_ref: str | None = Field(
        default=None, description="Your reference, e.g. the conversation id."
    )
    send_quotation: bool | None = Field(
        default=None,
        description="true to email the quotation to the customer once created.",
    )

    def body(self) -> dict[str, Any]:
        """The addon's request document: one product, or `lines`."""
        one_product = {"product_id", "product_ref", "product_qty", "product_price"}
        leave_out = {"instance", "lines", *(one_product if self.lines else ())}
        body = self.model_dump(exclude=leave_out, exclude_none=True)
        if self.lines:
            body["lines"] = [line.model_dump(exclude_none=True) for line in self.lines]
        body["source"] = "bridge"
        return body


class GetQuotationStatus(OnInstance):
    """get_quotation_status."""

    tracking_id: str = Field(
        min_length=1, description="tracking_id from create_quotation."
    )
    wait_seconds: float = Field(
        default=0.0, ge=0, description="Seconds to wait for a final state."
    )


class QuotationBody(BaseModel):
    """The addon's quotation payload (documented here, forwarded unchanged): the
    addon answers 422 for a key it does not know."""

    model_config = ConfigDict(extra="forbid")

    partner_name: str = Field(description="Customer company (required).")
    email: str = Field(description="Contact email (required).")
    contact_name: str | None = None
    phone: str | None = None
    lead_name: str | None = None
    notes: str | None = None
    user_id: int | None = Field(default=None, description="Salesperson; 0 = automatic.")
    team_id: int | None = None
    product_id: int | None = None
    product_ref: str | None = Field(
        default=None, description="Internal reference or name (spelling-tolerant)."
    )
    product_qty: float | None = Field(default=None, description="> 0, default 1.")
    product_price: float | None = Field(
        default=None, description="Unit price; < 0 or absent = Odoo's price."
    )
    lines: list[QuotationLine] | None = Field(
        default=None, description="Several lines instead of one product."
    )
    idempotency_key: str | None = None
    source: str | None = Field(default=None, description="webhook (default), manual.")
    source_ref: str | None = None
    send_quotation: bool | None = Field(
        default=None, description="Email the quotation to the customer."
    )


# The submission routes' OpenAPI: the body they forward, the answers they pass on.
SUBMIT_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": QuotationBody.model_json_schema()}},
    },
    "responses": {
        "202": {"description": "Queued: tracking_id, status, status_url."},
        "200": {"description": "Idempotency key replayed: the same tracking_id."},
        "413": {"description": "The body is over 65536 bytes."},
        "422": {
            "description": "Invalid or unknown fields: {error, message, errors[]}."
        },
    },
}


class AddonQuotations:
    """The addon's quotation routes on the instance that holds the quotations."""

    def __init__(self, service: OdooService) -> None:
        self._service = service

    @property
    def instance(self) -> str | None:
        """Where quotations are created, so also where their status is read."""
        try:
            return self._service.settings.instance_for(write=True)
        except ConfigError:
            return None

    async def _client(self, instance: str | None, *, write: bool) -> OdooClient:
        """The quotations' instance client; the addon's routes need an API key."""
        if instance is None and self.instance is None:
            raise BridgeMisconfigured("No Odoo instance is configured for quotations")
        inst = self._service.resolve(instance or self.instance, write=write)
        if inst.config.api_key is None:
            raise BridgeMisconfigured(
                f"Quotations on instance {inst.name!r} need an API key (the addon's "
                "routes authenticate with Odoo API keys)"
            )
        return await inst.client()

    async def create(self, params: CreateQuotation) -> QuotationAccepted:
        """Queue a quotation in Odoo through the addon's route."""
        client = await self._client(params.instance, write=True)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": params.idempotency_key,
        }
        body = params.body()
        answer = await client.route(
            "POST", QUOTATIONS_PATH, body=json.dumps(body).encode(), headers=headers
        )
        if answer.status_code not in (200, 202):
            raise QuotationRejected(answer.status_code, answer.body)
        return QuotationAccepted.model_validate(answer.body)

    async def status(
        self,
        params: GetQuotationStatus,
        on_progress: ProgressCallback | None = None,
    ) -> QuotationStatus:
        """The status document; waits up to `wait_seconds` for a final state."""
        client = await self._client(params.instance, write=False)
        settings = self._service.settings
        wait = max(0.0, min(params.wait_seconds, settings.quotation_wait_seconds))
        deadline = time.monotonic() + wait
        step = 0
        while True:
            answer = await client.route(
                "GET", f"{QUOTATIONS_PATH}/{params.tracking_id}", body=None, headers={}
            )
            if answer.status_code != 200:
                raise QuotationRejected(answer.status_code, answer.body)
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

    async def search_products(self, params: SearchProducts) -> ProductPage:
        """Products nearest to the query through the addon's spelling-tolerant
        lookup; by name or reference (contains) where the addon is missing."""
        inst = self._service.resolve(params.instance, write=False)
        if inst.config.api_key is None:
            return await self._service.search_products(params)
        # The service's own page-size rule, as for every other listing.
        size = self._service.page_size(params.limit)
        offset = max(0, params.offset)
        query = urlencode(
            {"q": params.query, "limit": min(offset + size + 1, LOOKUP_MAX_LIMIT)}
        )
        client = await inst.client()
        answer = await client.route(
            "GET", f"{PRODUCTS_PATH}?{query}", body=None, headers={}
        )
        if answer.status_code == 404:
            # Not an addon route: the instance does not have mcp_quotation.
            return await self._service.search_products(params)
        if answer.status_code != 200:
            raise QuotationRejected(answer.status_code, answer.body)
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
        *,
        body: bytes | None = None,
        idempotency_key: str | None = None,
    ) -> AddonResponse:
        """Forward a REST call to the addon's route of the same path; a body the
        addon would refuse as too large gets its answer here."""
        client = await self._client(None, write=method == "POST")
        if body is not None and len(body) > QUOTATION_MAX_BODY_BYTES:
            message = body_too_large(QUOTATION_MAX_BODY_BYTES)
            return AddonResponse(
                413, {"error": "payload_too_large", "message": message}
            )
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return await client.route(method, path, body=body, headers=headers)
