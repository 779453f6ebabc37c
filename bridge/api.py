"""REST routes: health, readiness, metrics and the quotation proxy (seed paths)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

import bridge
from bridge.audit import AuditLog
from bridge.metrics import Metrics
from bridge.odoo import OdooAccessDenied, OdooError, OdooUnreachable
from bridge.service import (
    QUOTATIONS_PATH,
    BridgeError,
    OdooService,
    ReadOnlyInstance,
    UnknownInstance,
)

router = APIRouter()


class QuotationBody(BaseModel):
    """The addon's quotation payload (documented here, forwarded unchanged)."""

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
        default=None, description="Internal reference or exact product name."
    )
    product_qty: float | None = Field(default=None, description="> 0, default 1.")
    product_price: float | None = Field(
        default=None, description="Unit price; < 0 or absent = Odoo's price."
    )
    lines: list[dict[str, Any]] | None = Field(
        default=None,
        description="Several lines of {product_id | product_ref, product_qty, "
        "product_price}.",
    )
    idempotency_key: str | None = None
    source: str | None = Field(default=None, description="webhook (default), manual.")
    source_ref: str | None = None


_QUOTATION_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": QuotationBody.model_json_schema()}},
    },
    "responses": {
        "202": {"description": "Queued: tracking_id, status, status_url."},
        "200": {"description": "Idempotency key replayed: the same tracking_id."},
        "422": {"description": "Invalid fields: {error, message, errors[]}."},
    },
}


def _service(request: Request) -> OdooService:
    service: OdooService = request.app.state.service
    return service


def _audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


@router.get("/health", tags=["operations"])
async def health() -> dict[str, str]:
    """The process is up (does not call Odoo)."""
    return {"status": "ok", "version": bridge.__version__}


@router.get("/ready", tags=["operations"])
async def ready(request: Request) -> JSONResponse:
    """Every Odoo instance answers, with its version; 503 otherwise."""
    instances = await _service(request).readiness()
    ok = bool(instances) and all(i["ok"] for i in instances.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "instances": instances},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", tags=["operations"])
async def metrics(request: Request) -> Response:
    """Prometheus metrics."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)


async def _proxy(
    request: Request, *, body: bytes | None = None, arguments: Any = None
) -> JSONResponse:
    """Forward the request to the addon's route of the same path, and audit it."""
    method, path = request.method, request.url.path
    # The route's template, not the path: one audit name per route.
    route = f"{method} {request.scope['route'].path}"
    service = _service(request)
    instance = service.quotation_instance
    key = request.headers.get("idempotency-key")
    async with _audit(request).track(
        kind="rest", name=route, instance=instance, arguments=arguments
    ) as rec:
        answer = await service.proxy(
            method, path, body=body, idempotency_key=key, instance=instance
        )
        rec.status_code = answer.status_code
        if answer.status_code >= 400:
            message = (
                answer.body.get("message") if isinstance(answer.body, dict) else None
            )
            rec.fail(str(message or answer.body), answer.status_code)
    return JSONResponse(answer.body, status_code=answer.status_code)


def _arguments(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return {"unparsed_body_bytes": len(body)}


@router.post(
    "/api/quotation/async",
    tags=["quotations"],
    status_code=202,
    openapi_extra=_QUOTATION_OPENAPI,
)
@router.post(
    QUOTATIONS_PATH,
    tags=["quotations"],
    status_code=202,
    openapi_extra=_QUOTATION_OPENAPI,
)
async def create_quotation(request: Request) -> JSONResponse:
    """Queue a quotation; forwarded to the same path of the mcp_quotation addon."""
    body = await request.body()
    return await _proxy(request, body=body, arguments=_arguments(body))


@router.get("/api/quotation/status/{tracking_id}", tags=["quotations"])
@router.get(QUOTATIONS_PATH + "/{tracking_id}", tags=["quotations"])
async def quotation_status(request: Request, tracking_id: str) -> JSONResponse:
    """Status document of a quotation, from the same path of the addon."""
    return await _proxy(request, arguments={"tracking_id": tracking_id})


def _error_status(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, ReadOnlyInstance):
        return 403, "read_only"
    if isinstance(exc, UnknownInstance):
        return 400, "unknown_instance"
    if isinstance(exc, OdooUnreachable):
        return 503, "odoo_unreachable"
    if isinstance(exc, OdooAccessDenied):
        return 502, "odoo_access_denied"
    if isinstance(exc, OdooError):
        return 502, "odoo_error"
    return 400, "bad_request"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    status, code = _error_status(exc)
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(
        {"error": code, "message": str(exc)}, status_code=status, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """One place maps the bridge's exceptions to HTTP answers."""
    app.add_exception_handler(BridgeError, _domain_error)
    app.add_exception_handler(OdooError, _domain_error)
