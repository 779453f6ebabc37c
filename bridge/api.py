"""REST routes: health, readiness, metrics and the quotation proxy (current and
legacy paths), with their OpenAPI document and its Swagger UI page.

Plain Starlette, the MCP SDK's own web framework: one web stack in the process.
Every handler reads its request itself (the proxy forwards bodies unparsed), so
the OpenAPI document is built here from the route table rather than inferred."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import quote

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

import bridge
from bridge.addon_contract import (
    LEGACY_STATUS_PATH,
    LEGACY_SUBMIT_PATH,
    MAX_BODY_BYTES,
    PRODUCTS_PATH,
    QUOTATIONS_PATH,
)
from bridge.audit import AuditLog
from bridge.errors import (
    HTTP_ERROR_CODES,
    BridgeError,
    OdooError,
    error_response,
    error_status,
    json_error,
)
from bridge.instances import QUOTATION_READS, READS, WRITES, Use
from bridge.metrics import Metrics
from bridge.service import OdooService


def _service(request: Request) -> OdooService:
    service: OdooService = request.app.state.service
    return service


def _audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


async def health(request: Request) -> JSONResponse:
    """The process is up (does not call Odoo)."""
    return JSONResponse({"status": "ok", "version": bridge.__version__})


async def ready(request: Request) -> JSONResponse:
    """Every Odoo instance answers, with its version; 503 otherwise."""
    instances = await _service(request).readiness()
    ok = bool(instances) and all(i["ok"] for i in instances.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "instances": instances},
        status_code=200 if ok else 503,
    )


async def metrics(request: Request) -> Response:
    """Prometheus metrics."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)


async def _proxy(
    request: Request, *, body: bytes | None = None, arguments: Any = None
) -> JSONResponse:
    """Forward the request to the addon's route of the same path, and audit it."""
    # Encoded again: a path parameter may hold any character (%1E, «), and
    # the client refuses to send an unencoded one.
    method, path = request.method, quote(request.url.path, safe="/")
    if request.url.query:
        path = f"{path}?{request.url.query}"
    # The route's template, not the path: one audit name per route.
    route = request.scope["route"]
    template, use = route.path, ROUTE_USES[route.name]
    service = _service(request)
    key = request.headers.get("idempotency-key")
    async with _audit(request).track(
        kind="rest",
        name=f"{method} {template}",
        instance=service.instances.default_name(use),
        arguments=arguments,
    ) as rec:
        try:
            answer = await service.addon.forward(
                method, path, use, body=body, idempotency_key=key
            )
        except (BridgeError, OdooError) as exc:
            rec.fail(str(exc), error_status(exc)[0])
            raise
        rec.status_code = answer.status_code
        if answer.status_code >= 400:
            message = (
                answer.body.get("message") if isinstance(answer.body, dict) else None
            )
            rec.fail(str(message or answer.body), answer.status_code)
    # The addon's own headers that tell the caller what next pass on too.
    headers = {"Retry-After": answer.retry_after} if answer.retry_after else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _arguments(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return {"unparsed_body_bytes": len(body)}


async def create_quotation(request: Request) -> JSONResponse:
    """Queue a quotation; forwarded to the same path of the mcp_quotation addon."""
    body = await request.body()
    return await _proxy(request, body=body, arguments=_arguments(body))


async def quotation_status(request: Request) -> JSONResponse:
    """Status document of a quotation, from the same path of the addon."""
    tracking_id = request.path_params["tracking_id"]
    return await _proxy(request, arguments={"tracking_id": tracking_id})


async def lookup_products(request: Request) -> JSONResponse:
    """Products nearest to the words `q` (spelling-tolerant), best first, at most
    `limit` (1-50, default 5); forwarded to the same path of the addon."""
    return await _proxy(request, arguments=dict(request.query_params))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, BridgeError | OdooError):
        raise exc
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (unknown path, wrong method) in the addon's shape."""
    if not isinstance(exc, HTTPException):
        raise exc
    path, method = request.url.path, request.method
    headers = dict(exc.headers or {})
    if "Allow" in headers:
        # Starlette joins a set: the same methods in a stable order.
        headers["Allow"] = ", ".join(sorted(headers["Allow"].split(", ")))
    messages = {
        404: f"No route serves {path}.",
        405: f"{method} is not allowed on {path}; use {headers.get('Allow')}.",
    }
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    message = messages.get(exc.status_code, str(exc.detail))
    return json_error(exc.status_code, code, message, headers=headers)


# The bridge's errors answer through `bridge.errors`' one table.
EXCEPTION_HANDLERS = {
    BridgeError: _domain_error,
    OdooError: _domain_error,
    HTTPException: _http_error,
}

# -- the route table and its OpenAPI document ----------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One REST route, and what its OpenAPI operation says beyond its docstring."""

    method: str
    path: str
    handler: Callable[[Request], Awaitable[Response]]
    tag: str
    status: int = 200
    openapi: dict[str, Any] = field(default_factory=dict)
    # The instance it uses, for the routes forwarded to the addon.
    use: Use = READS

    @property
    def name(self) -> str:
        """The route's name: unique, as a handler may serve several paths."""
        return f"{self.handler.__name__}:{self.path}"


# The addon's own OpenAPI document (odoo_addons/mcp_quotation/lib/openapi.py),
# copied: the bridge cannot import the addon. tests/test_addon_openapi.py holds
# the copy equal to what the addon builds.
ADDON_OPENAPI: dict[str, Any] = json.loads(
    resources.files(bridge).joinpath("addon_openapi.json").read_text()
)
# A proxied route's refusals are the addon's, or the bridge's own before it
# forwards (gateway, limits) or when Odoo does not answer.
BRIDGE_REFUSALS = {
    "401": "No valid bearer token for the bridge.",
    "413": f"The body is over {MAX_BODY_BYTES} bytes; refused before forwarding.",
    "429": "Too many requests from this client; see Retry-After.",
    "502": "Odoo answered something that is not its API.",
    "503": "Odoo is unreachable; see Retry-After.",
}
BRIDGE_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The bridge's own refusal, in the addon's error shape.",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["error", "message"],
}


def _proxied(path: str, method: str) -> dict[str, Any]:
    """The addon's operation for the same path: parameters, body and answers,
    with the bridge's own refusals added."""
    addon = ADDON_OPENAPI["paths"][path][method.lower()]
    responses = dict(addon["responses"])
    bridge_error = {"$ref": "#/components/schemas/BridgeError"}
    for status, description in BRIDGE_REFUSALS.items():
        answers = [bridge_error]
        if status in responses:
            answers.insert(
                0, responses[status]["content"]["application/json"]["schema"]
            )
            description = f"{responses[status]['description']} Or: {description}"
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"anyOf": answers}}},
        }
    return {
        key: value
        for key, value in {**addon, "responses": responses}.items()
        if key in ("parameters", "requestBody", "responses")
    }


def _submission(path: str) -> Endpoint:
    return Endpoint(
        "POST",
        path,
        create_quotation,
        "quotations",
        202,
        _proxied(path, "POST"),
        WRITES,
    )


def _status(path: str) -> Endpoint:
    return Endpoint(
        "GET",
        f"{path}/{{tracking_id}}",
        quotation_status,
        "quotations",
        openapi=_proxied(f"{path}/{{tracking_id}}", "GET"),
        use=QUOTATION_READS,
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/health", health, "operations"),
    Endpoint("GET", "/ready", ready, "operations"),
    Endpoint("GET", "/metrics", metrics, "operations"),
    _submission(QUOTATIONS_PATH),
    _status(QUOTATIONS_PATH),
    Endpoint(
        "GET",
        PRODUCTS_PATH,
        lookup_products,
        "quotations",
        openapi=_proxied(PRODUCTS_PATH, "GET"),
        use=QUOTATION_READS,
    ),
    _submission(LEGACY_SUBMIT_PATH),
    _status(LEGACY_STATUS_PATH),
)
ROUTE_USES = {e.name: e.use for e in ENDPOINTS}

_PATH_PARAMETER = re.compile(r"{(\w+)}")


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    doc = inspect.getdoc(endpoint.handler) or ""
    slug = re.sub(r"\W+", "_", endpoint.path).strip("_")
    operation: dict[str, Any] = {
        "tags": [endpoint.tag],
        "summary": endpoint.handler.__name__.replace("_", " ").capitalize(),
        "description": doc,
        "operationId": f"{endpoint.handler.__name__}_{slug}_{endpoint.method.lower()}",
        "responses": {str(endpoint.status): {"description": "Success."}},
    }
    declared = endpoint.openapi.get("parameters", [])
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAMETER.findall(endpoint.path)
        if name not in {p["name"] for p in declared}
    ]
    parameters += declared
    if parameters:
        operation["parameters"] = parameters
    for key, value in endpoint.openapi.items():
        if key == "responses":
            operation["responses"] = {**operation["responses"], **value}
        elif key != "parameters":
            operation[key] = value
    return operation


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the REST routes."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(
            endpoint
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MCP Odoo bridge",
            "version": bridge.__version__,
            "description": "MCP server and REST proxy in front of Odoo.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                **ADDON_OPENAPI["components"]["schemas"],
                "BridgeError": BRIDGE_ERROR_SCHEMA,
            }
        },
    }


async def openapi(request: Request) -> JSONResponse:
    """The OpenAPI document."""
    return JSONResponse(openapi_document())


# Swagger UI from its CDN, as FastAPI serves it; relative to /docs so that a
# path prefix added by a reverse proxy still finds the document.
SWAGGER_UI = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>MCP Odoo bridge - API</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui"});</script>
</body>
</html>
"""


async def docs(request: Request) -> HTMLResponse:
    """The Swagger UI page."""
    return HTMLResponse(SWAGGER_UI)


def routes() -> list[Route]:
    """The REST routes, then the OpenAPI document and its page."""
    table = [
        Route(e.path, e.handler, methods=[e.method], name=e.name) for e in ENDPOINTS
    ]
    return [
        *table,
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]
