"""REST routes: health, readiness, metrics and the quotation proxy (current and
legacy paths)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

import bridge
from bridge.audit import AuditLog
from bridge.errors import (
    BridgeError,
    BridgeMisconfigured,
    ReadOnlyInstance,
    UnknownInstance,
)
from bridge.http_errors import HTTP_ERROR_CODES, json_error
from bridge.metrics import Metrics
from bridge.odoo import OdooAccessDenied, OdooError, OdooUnreachable
from bridge.quotations import (
    LEGACY_STATUS_PATH,
    LEGACY_SUBMIT_PATH,
    PRODUCTS_PATH,
    QUOTATIONS_PATH,
    SUBMIT_OPENAPI,
    AddonQuotations,
)
from bridge.service import OdooService

router = APIRouter()


def _service(request: Request) -> OdooService:
    service: OdooService = request.app.state.service
    return service


def _quotations(request: Request) -> AddonQuotations:
    quotations: AddonQuotations = request.app.state.quotations
    return quotations


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
    if request.url.query:
        path = f"{path}?{request.url.query}"
    # The route's template, not the path: one audit name per route.
    route = f"{method} {request.scope['route'].path}"
    quotations = _quotations(request)
    key = request.headers.get("idempotency-key")
    async with _audit(request).track(
        kind="rest", name=route, instance=quotations.instance, arguments=arguments
    ) as rec:
        answer = await quotations.forward(method, path, body=body, idempotency_key=key)
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
    LEGACY_SUBMIT_PATH,
    tags=["quotations"],
    status_code=202,
    openapi_extra=SUBMIT_OPENAPI,
)
@router.post(
    QUOTATIONS_PATH,
    tags=["quotations"],
    status_code=202,
    openapi_extra=SUBMIT_OPENAPI,
)
async def create_quotation(request: Request) -> JSONResponse:
    """Queue a quotation; forwarded to the same path of the mcp_quotation addon."""
    body = await request.body()
    return await _proxy(request, body=body, arguments=_arguments(body))


@router.get(LEGACY_STATUS_PATH + "/{tracking_id}", tags=["quotations"])
@router.get(QUOTATIONS_PATH + "/{tracking_id}", tags=["quotations"])
async def quotation_status(request: Request, tracking_id: str) -> JSONResponse:
    """Status document of a quotation, from the same path of the addon."""
    return await _proxy(request, arguments={"tracking_id": tracking_id})


@router.get(PRODUCTS_PATH, tags=["quotations"])
async def lookup_products(request: Request) -> JSONResponse:
    """Products nearest to the words `q` (spelling-tolerant), best first, at most
    `limit` (1-50, default 5); forwarded to the same path of the addon."""
    return await _proxy(request, arguments=dict(request.query_params))


def _error_status(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, BridgeMisconfigured):
        return 503, "bridge_misconfigured"
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
    return 400, "bad_request"  # InvalidArguments and any other refusal


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    status, code = _error_status(exc)
    # Odoo may be back soon; a misconfigured bridge will not be.
    headers = {"Retry-After": "5"} if isinstance(exc, OdooUnreachable) else None
    return json_error(status, code, str(exc), headers=headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (unknown path, wrong method) in the addon's shape."""
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    path, method = request.url.path, request.method
    headers = dict(exc.headers or {})
    messages = {
        404: f"No route serves {path}.",
        405: f"{method} is not allowed on {path}; use {headers.get('Allow')}.",
    }
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    message = messages.get(exc.status_code, str(exc.detail))
    return json_error(exc.status_code, code, message, headers=headers)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's parameter validation, with the addon's field errors."""
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = [
        {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]}
        for e in exc.errors()
    ]
    message = "The request is invalid."
    return json_error(422, "validation_error", message, errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    """One place maps the bridge's exceptions to HTTP answers."""
    app.add_exception_handler(BridgeError, _domain_error)
    app.add_exception_handler(OdooError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
