"""The fake mcp_quotation addon: its routes, as its HTTP contract describes
them. tests/test_fake_odoo.py replays the addon's shared examples
(odoo_addons/mcp_quotation/tests/api_examples.json) against it, so the two
cannot drift. Paths, limits, states and error codes are the addon's contract
(odoo_addons/mcp_quotation/contract.py); requests are validated by the addon's
own plain-Python rules (its lib/)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import math
import re
import sys
import time
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

ADDON_DIR = Path(__file__).resolve().parents[2] / "odoo_addons/mcp_quotation"
ADDON_PACKAGE = "mcp_quotation_plain"


def _load_addon_package() -> str:
    """The addon's folder as a package whose ``__init__`` (it imports Odoo) never
    runs: its plain-Python modules (``contract``, ``lib.*``) import from there."""
    if ADDON_PACKAGE not in sys.modules:
        spec = importlib.machinery.ModuleSpec(ADDON_PACKAGE, None, is_package=True)
        spec.submodule_search_locations = [str(ADDON_DIR)]
        sys.modules[ADDON_PACKAGE] = importlib.util.module_from_spec(spec)
    return ADDON_PACKAGE


# The addon's own contract and rules: the fake refuses and accepts exactly
# what the addon does (aliases, secret keys, lookup parameters, limits).
contract = importlib.import_module(f"{_load_addon_package()}.contract")
# The addon's plain-Python helpers, for the tests that use them directly.
ADDON_LIB_PACKAGE = f"{ADDON_PACKAGE}.lib"
payload_rules = importlib.import_module(f"{ADDON_LIB_PACKAGE}.payload")
lookup_rules = importlib.import_module(f"{ADDON_LIB_PACKAGE}.lookup")
# The addon's OpenAPI document, built from the same contract and rules.
openapi = importlib.import_module(f"{ADDON_LIB_PACKAGE}.openapi")
# pg_trgm's threshold, as the addon sets it.
MIN_SIMILARITY = 0.3
PROGRESS = {
    contract.QUEUED: "Waiting in the queue",
    contract.PROCESSING: "Creating the sale order",
    contract.COMPLETED: "Done",
    contract.FAILED: "Failed",
}
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Quotation:
    """A quotation request as the fake addon keeps it."""

    tracking_id: str
    name: str
    # The request with its lines under their canonical names.
    payload: dict[str, Any]
    created_at: str
    polls: int = 0
    sale_order_id: int | None = None
    # A state set by `settle` (tests): it no longer moves with polls.
    settled: str | None = None


def addon_error(
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The addon's one error shape: ``{"error": <the status's code>, "message"}``."""
    return JSONResponse(
        {"error": contract.ERROR_CODES[status], "message": message, **extra},
        status_code=status,
        headers=headers,
    )


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


class _OneMethod:
    """An addon route that takes one method; any other gets the addon's 405."""

    def __init__(self, method: str, endpoint: Endpoint) -> None:
        self.method = method
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method == self.method:
            response = await self.endpoint(request)
        else:
            response = addon_error(
                405,
                f"{request.method} is not allowed on this path; use {self.method}.",
                headers={"Allow": self.method},
            )
        await response(scope, receive, send)


async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown paths: the addon's JSON under its prefixes, Odoo's page elsewhere."""
    if contract.is_api_path(request.url.path):
        return addon_error(404, f"No route serves {request.url.path}.")
    detail = exc.detail if isinstance(exc, HTTPException) else "Not Found"
    return PlainTextResponse(detail, status_code=404)


class AddonRoutes:
    """Mixed into FakeOdoo: the addon's routes under their current and legacy paths."""

    data: dict[str, dict[int, dict[str, Any]]]
    quotations: dict[str, Quotation]
    idempotency: dict[tuple[int, str], str]
    polls_to_complete: int
    rate_limit_per_minute: int
    submitted: dict[int, list[float]]
    url: str
    _user: Callable[[Request], int | None]
    _record_request: Callable[[Request, Any], None]

    def addon_routes(self) -> list[Route]:
        """The addon's routes."""
        submit = _OneMethod("POST", self.create_quotation)
        status = _OneMethod("GET", self.quotation_status)
        return [
            Route(contract.OPENAPI_PATH, _OneMethod("GET", self.openapi_document)),
            Route(contract.PRODUCTS_PATH, _OneMethod("GET", self.lookup_products)),
            Route(contract.QUOTATIONS_PATH, submit),
            Route(contract.LEGACY_SUBMIT_PATH, submit),
            Route(contract.QUOTATIONS_PATH + "/{tracking_id}", status),
            Route(contract.LEGACY_STATUS_PATH + "/{tracking_id}", status),
        ]

    async def openapi_document(self, request: Request) -> Response:
        """The addon's OpenAPI document, as the addon serves it."""
        body, etag = openapi.published_document()
        return Response(
            body,
            media_type="application/json",
            headers={"Cache-Control": "public, max-age=3600", "ETag": f'"{etag}"'},
        )

    def settle(self, tracking_id: str, state: str) -> None:
        """Bring a request to `state` (queued, completed, failed) for a test."""
        self.quotations[tracking_id].settled = state

    def _product(self, line: dict[str, Any], where: str) -> tuple[int | None, dict]:
        products = self.data["product.product"]
        if line.get("product_id"):
            found = products.get(int(line["product_id"]))
            if found is None:
                return None, _error(f"{where}product_id", "Unknown product")
            return found["id"], {}
        ref = line.get("product_ref")
        if ref:
            exact = [
                product["id"]
                for product in products.values()
                if ref.lower()
                in (
                    (product["default_code"] or "").lower(),
                    (product["name"] or "").lower(),
                )
            ]
            hits = self._rank(ref, 5)
            best = None if exact else lookup_rules.clear_best(hits)
            if len(exact) == 1 or best:
                return exact[0] if exact else best["id"], {}
            if not hits:
                message = f"no sellable product matches {ref!r}"
            else:
                candidates = lookup_rules.describe_candidates(hits)
                message = f"{ref!r} matches several products; one of: {candidates}"
            return None, _error(f"{where}product_ref", message)
        return None, _error(
            f"{where}product_id", "product_id or product_ref is required"
        )

    def _parse(
        self, body: Any, idempotency_key: str | None
    ) -> tuple[dict[str, Any] | None, list[dict]]:
        """The addon's normalized request, and every field error."""
        request, errors = payload_rules.parse_payload(
            body, idempotency_key=idempotency_key
        )
        for line in request["lines"] if request else []:
            _, problem = self._product(line, line["field_prefix"])
            if problem:
                errors.append(problem)
        return request, errors

    def _accepted(self, quotation: Quotation) -> dict[str, Any]:
        return {
            "tracking_id": quotation.tracking_id,
            "name": quotation.name,
            "status": self._state(quotation),
            "status_url": f"{contract.QUOTATIONS_PATH}/{quotation.tracking_id}",
            "message": "Quotation request queued.",
            "estimated_time": "10-30 seconds",
        }

    def _rank(self, words: str, limit: int) -> list[dict[str, Any]]:
        """The addon's lookup hits for ``words``, best first."""
        products = self.data["product.product"]
        ranked = []
        for product in products.values():
            name = product["name"] or ""
            score = max(
                word_similarity(words, name),
                similarity(words, product["default_code"] or ""),
            )
            if score >= MIN_SIMILARITY:
                ranked.append((-score, -similarity(words, name), product["id"]))
        return [
            {
                "id": product_id,
                "name": products[product_id]["name"],
                "reference": products[product_id]["default_code"] or None,
                "list_price": float(products[product_id]["list_price"] or 0),
                "currency": "USD",
                "unit": "Units",
                "score": round(-score, 3),
            }
            for score, _tiebreak, product_id in sorted(ranked)[:limit]
        ]

    async def lookup_products(self, request: Request) -> Response:
        """The products nearest to the words ``q``, as the addon's matcher ranks."""
        self._record_request(request, None)
        if self._user(request) is None:
            return _unauthorized()
        (words, limit), errors = lookup_rules.parse_lookup(dict(request.query_params))
        if errors:
            return addon_error(
                422,
                contract.LOOKUP_INVALID_MESSAGE,
                errors=errors,
            )
        return JSONResponse({"query": words, "products": self._rank(words, limit)})

    async def create_quotation(self, request: Request) -> Response:
        """Store a request and answer at once with its tracking id."""
        declared = request.headers.get("content-length", "")
        too_large = declared.isdigit() and int(declared) > contract.MAX_BODY_BYTES
        raw = b"" if too_large else await request.body()
        too_large = too_large or len(raw) > contract.MAX_BODY_BYTES
        try:
            payload, valid_json = json.loads(raw), True
        except ValueError:
            payload, valid_json = None, False
        self._record_request(request, payload)
        uid = self._user(request)
        if uid is None:
            return _unauthorized()
        if too_large:
            return addon_error(413, contract.body_too_large_message())
        if not valid_json:
            return addon_error(400, contract.BAD_JSON_MESSAGE)
        parsed, errors = self._parse(
            payload, idempotency_key=request.headers.get("idempotency-key")
        )
        if parsed is None:
            return addon_error(422, contract.VALIDATION_MESSAGE, errors=errors)
        # As in the addon, a key is scoped to the API key's user, and a replay
        # is answered before the flood control counts.
        key = (uid, parsed["idempotency_key"]) if parsed["idempotency_key"] else None
        if key and key in self.idempotency:
            return JSONResponse(self._accepted(self.quotations[self.idempotency[key]]))
        limited = self._over_rate(uid)
        if limited is not None:
            return limited
        if errors:
            return addon_error(422, contract.VALIDATION_MESSAGE, errors=errors)
        self.submitted.setdefault(uid, []).append(time.monotonic())
        quotation = Quotation(
            tracking_id=f"quot_{uuid.uuid4().hex[:16]}",
            name=f"QR/2026/{len(self.quotations) + 1:05d}",
            payload=parsed,
            created_at=datetime.now(UTC).isoformat(),
        )
        self.quotations[quotation.tracking_id] = quotation
        if key:
            self.idempotency[key] = quotation.tracking_id
        return JSONResponse(self._accepted(quotation), status_code=202)

    def _over_rate(self, uid: int) -> Response | None:
        """The addon's 429 when `uid` submitted its rate in the last minute."""
        limit = self.rate_limit_per_minute
        now = time.monotonic()
        recent = [t for t in self.submitted.get(uid, []) if now - t < 60]
        if not limit or len(recent) < limit:
            return None
        return addon_error(
            429,
            contract.rate_limit_message(limit),
            headers={"Retry-After": str(max(1, math.ceil(60 - (now - recent[0]))))},
        )

    def _state(self, quotation: Quotation) -> str:
        if quotation.settled:
            return quotation.settled
        if quotation.polls >= self.polls_to_complete:
            return contract.COMPLETED
        return contract.QUEUED if quotation.polls == 0 else contract.PROCESSING

    def _complete(self, quotation: Quotation) -> dict[str, Any]:
        payload = quotation.payload
        total = 0.0
        for line in payload["lines"]:
            product_id, problem = self._product(line, "")
            if product_id is None:
                raise ValueError(f"an accepted request lost its product: {problem}")
            price = line["price_unit"]
            if price is None:
                price = self.data["product.product"][product_id]["list_price"]
            total += float(price) * float(line["quantity"])
        if quotation.sale_order_id is None:
            quotation.sale_order_id = 4000 + len(self.quotations)
        order = quotation.sale_order_id
        number = quotation.name.rsplit("/", 1)[-1]
        return {
            "partner_id": 10,
            "partner_name": payload["partner_name"],
            "lead_id": 3000,
            # The opportunity is named as the addon's flow names it.
            "lead_name": f"{payload['partner_name']} - "
            f"{payload.get('lead_name') or f'Quotation request {quotation.name}'}",
            "opportunity_id": 3000,
            "sale_order_id": order,
            "sale_order_name": f"S{order:05d}",
            "amount_total": total,
            "currency": "USD",
            "user_id": 2,
            "user_name": "Mitchell Admin",
            "portal_url": f"{self.url}/my/orders/{order}?access_token=fake-{order}",
            "steps": {
                "partner": "found",
                "salesperson": "least loaded",
                "lead": "created",
                "opportunity": "converted",
                "sale_order": "created",
                "products": f"{len(payload['lines'])} line(s)",
            },
            "urls": {
                "partner": f"{self.url}/odoo/res.partner/10",
                "opportunity": f"{self.url}/odoo/crm.lead/3000",
                "sale_order": f"{self.url}/odoo/sale.order/{order}",
                "request": f"{self.url}/odoo/quotation.request/{int(number)}",
            },
        }

    async def quotation_status(self, request: Request) -> Response:
        """The request's status document."""
        self._record_request(request, None)
        if self._user(request) is None:
            return _unauthorized()
        tracking_id = request.path_params["tracking_id"]
        quotation = self.quotations.get(tracking_id)
        if quotation is None:
            return addon_error(
                404,
                f"No quotation request with tracking id {tracking_id!r}.",
            )
        quotation.polls += 1
        state = self._state(quotation)
        ended = state in contract.FINAL_STATES
        return JSONResponse(
            {
                "tracking_id": quotation.tracking_id,
                "name": quotation.name,
                "status": state,
                "created_at": quotation.created_at,
                "elapsed_time": f"{quotation.polls * 1.0:.1f}s",
                "progress": PROGRESS[state],
                "result": self._complete(quotation)
                if state == contract.COMPLETED
                else None,
                "error": "No pricelist for the customer"
                if state == contract.FAILED
                else None,
                "completed_at": datetime.now(UTC).isoformat() if ended else None,
            }
        )


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: lower-case words, unaccented, padded '  w '."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", plain):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams."""
    first, second = _trigrams(a), _trigrams(b)
    return len(first & second) / len(first | second) if first | second else 0.0


def word_similarity(words: str, text: str) -> float:
    """Like pg_trgm's word_similarity(): ``words`` against its best run in ``text``."""
    runs = re.findall(r"[^\W_]+", text)
    return max(
        (
            similarity(words, " ".join(runs[start:end]))
            for start in range(len(runs))
            for end in range(start + 1, len(runs) + 1)
        ),
        default=0.0,
    )


def _unauthorized() -> JSONResponse:
    return addon_error(
        401,
        contract.UNAUTHORIZED_MESSAGE,
        headers={"WWW-Authenticate": "Bearer"},
    )
