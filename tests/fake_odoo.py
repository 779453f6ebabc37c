"""A fake Odoo 19 for CI: the JSON-2 API and the mcp_quotation routes.

It follows Odoo's own code (addons/rpc/controllers/json2.py, odoo/http.py
``Json2Dispatcher.handle_error``/``serialize_exception``, the addon's HTTP
contract): same paths, bearer keys, ``X-Odoo-Database``, status codes and error
bodies. Records live in memory; a small domain evaluator covers what the
bridge sends.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import secrets
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ADMIN_KEY = "fake-admin-key-0123456789"
READONLY_USER_KEY = "fake-reader-key-0123456789"
DATABASE = "fake_db"

# model -> field -> comodel (relations) or None (plain values)
SCHEMA: dict[str, dict[str, str | None]] = {
    "res.users": {"name": None, "login": None, "email": None, "share": None},
    "res.partner": {
        "name": None,
        "email": None,
        "phone": None,
        "is_company": None,
        "parent_id": "res.partner",
    },
    "res.currency": {"name": None},
    "product.product": {"name": None, "default_code": None, "list_price": None},
    "crm.stage": {"name": None},
    "crm.lead": {
        "name": None,
        "type": None,
        "stage_id": "crm.stage",
        "partner_id": "res.partner",
        "contact_name": None,
        "partner_name": None,
        "email_from": None,
        "phone": None,
        "user_id": "res.users",
        "expected_revenue": None,
        "probability": None,
        "description": None,
    },
    "sale.order": {
        "name": None,
        "state": None,
        "partner_id": "res.partner",
        "user_id": "res.users",
        "date_order": None,
        "amount_total": None,
        "currency_id": "res.currency",
    },
    "project.project": {
        "name": None,
        "user_id": "res.users",
        "partner_id": "res.partner",
        "task_count": None,
    },
    "project.task.type": {"name": None},
    "project.task": {
        "name": None,
        "project_id": "project.project",
        "stage_id": "project.task.type",
        "user_ids": "res.users",
        "date_deadline": None,
        "priority": None,
        "description": None,
    },
}
MANY = {("project.task", "user_ids")}
# Values Odoo's defaults would give a new record.
DEFAULTS: dict[str, dict[str, Any]] = {
    "sale.order": {
        "state": "draft",
        "amount_total": 0.0,
        "currency_id": 1,
        "date_order": "2026-11-22 00:00:00",
    },
    "crm.lead": {"type": "lead", "probability": 10.0, "expected_revenue": 0.0},
    "project.task": {"priority": "0"},
    "project.project": {"task_count": 0},
    "res.partner": {"is_company": False},
}
WRITE_METHODS = {"create", "write", "unlink", "web_save"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OdooException(Exception):
    """An exception as Odoo would raise it: class path, message, HTTP status."""

    def __init__(self, name: str, message: str, status: int) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.status = status


def _not_found(message: str) -> OdooException:
    return OdooException("werkzeug.exceptions.NotFound", message, 404)


def _value_error(message: str) -> OdooException:
    return OdooException("builtins.ValueError", message, 500)


def _error_response(exc: OdooException) -> JSONResponse:
    """Odoo's serialize_exception() body."""
    return JSONResponse(
        {
            "name": exc.name,
            "message": exc.message,
            "arguments": [exc.message],
            "context": {},
            "debug": f"Traceback (most recent call last):\n{exc.name}: {exc.message}",
        },
        status_code=exc.status,
    )


def _seed() -> dict[str, dict[int, dict[str, Any]]]:
    data: dict[str, dict[int, dict[str, Any]]] = {model: {} for model in SCHEMA}

    def add(model: str, record_id: int, **values: Any) -> None:
        row = dict.fromkeys(SCHEMA[model], False)
        if (model, "user_ids") in MANY:
            row["user_ids"] = []
        row.update(values)
        row["id"] = record_id
        data[model][record_id] = row

    add("res.users", 2, name="Mitchell Admin", login="admin", email="admin@example.com")
    add("res.users", 6, name="Marc Demo", login="demo", email="mark.brown@example.com")
    add("res.users", 7, name="Portal User", login="portal", share=True)
    for record in data["res.users"].values():
        record["share"] = bool(record["share"])
    add("res.currency", 1, name="USD")
    add("res.partner", 10, name="Acme Corp", email="info@acme.example", is_company=True)
    add(
        "res.partner",
        11,
        name="John Doe",
        email="john@acme.example",
        phone="+1 555 0100",
        parent_id=10,
    )
    add(
        "res.partner", 12, name="Deco Addict", email="deco@example.com", is_company=True
    )
    add(
        "product.product",
        20,
        name="Robot PUDU BellaBot",
        default_code="PUDU-BB",
        list_price=15000.0,
    )
    add(
        "product.product",
        21,
        name="Robot PUDU KettyBot",
        default_code="PUDU-KB",
        list_price=12000.0,
    )
    add(
        "product.product",
        22,
        name="Office Chair",
        default_code="FURN-001",
        list_price=120.5,
    )
    for n in range(30):
        add(
            "product.product",
            100 + n,
            name=f"Widget {n:02d}",
            default_code=f"WDG-{n:02d}",
            list_price=float(n),
        )
    add("crm.stage", 1, name="New")
    add("crm.stage", 4, name="Won")
    add(
        "crm.lead",
        30,
        name="Acme robots",
        type="opportunity",
        stage_id=1,
        partner_id=10,
        user_id=2,
        expected_revenue=30000.0,
        probability=20.0,
        email_from="john@acme.example",
    )
    add(
        "crm.lead",
        31,
        name="Deco chairs",
        type="opportunity",
        stage_id=4,
        partner_id=12,
        user_id=6,
        expected_revenue=1200.0,
        probability=100.0,
    )
    add(
        "crm.lead",
        32,
        name="Website visitor",
        type="lead",
        stage_id=1,
        contact_name="Jane Roe",
        email_from="jane@example.com",
    )
    add(
        "sale.order",
        40,
        name="S00040",
        state="draft",
        partner_id=10,
        user_id=2,
        date_order="2026-11-02 10:00:00",
        amount_total=15000.0,
        currency_id=1,
    )
    add(
        "sale.order",
        41,
        name="S00041",
        state="sale",
        partner_id=12,
        user_id=6,
        date_order="2026-10-15 09:30:00",
        amount_total=241.0,
        currency_id=1,
    )
    add(
        "sale.order",
        42,
        name="S00042",
        state="cancel",
        partner_id=10,
        user_id=2,
        date_order="2026-09-01 08:00:00",
        amount_total=12000.0,
        currency_id=1,
    )
    add("project.project", 50, name="Robot rollout", user_id=2, partner_id=10)
    add("project.project", 51, name="Office move", user_id=6)
    add("project.task.type", 1, name="To Do")
    add("project.task.type", 2, name="In Progress")
    add("project.task.type", 3, name="Done")
    add(
        "project.task",
        60,
        name="Install BellaBot",
        project_id=50,
        stage_id=1,
        user_ids=[2],
        date_deadline="2026-12-01",
        priority="1",
    )
    add(
        "project.task",
        61,
        name="Train staff",
        project_id=50,
        stage_id=2,
        user_ids=[6],
        priority="0",
    )
    add(
        "project.task",
        62,
        name="Pack boxes",
        project_id=51,
        stage_id=3,
        user_ids=[2, 6],
        priority="0",
    )
    return data


@dataclass
class Quotation:
    """A quotation request as the fake addon keeps it."""

    tracking_id: str
    name: str
    payload: dict[str, Any]
    created_at: str
    polls: int = 0
    sale_order_id: int | None = None


# -- the addon's routes ----------------------------------------------------------


def _addon_error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {"error": code, "message": message, **extra}, status_code=status
    )


class _AddonRoutes:
    """Mixed into FakeOdoo below: /mcp_quotation/v1/quotations and aliases."""

    data: dict[str, dict[int, dict[str, Any]]]
    quotations: dict[str, Quotation]
    idempotency: dict[str, str]
    polls_to_complete: int
    url: str
    _user: Callable[[Request], int | None]
    _record_request: Callable[[Request, Any], None]

    def _product(self, line: dict[str, Any], where: str) -> tuple[int | None, dict]:
        products = self.data["product.product"]
        if line.get("product_id"):
            found = products.get(int(line["product_id"]))
            if found is None:
                return None, {
                    "field": f"{where}product_id",
                    "message": "Unknown product",
                }
            return found["id"], {}
        ref = line.get("product_ref")
        if ref:
            for product in products.values():
                if ref in (product["default_code"], product["name"]):
                    return product["id"], {}
            return None, {
                "field": f"{where}product_ref",
                "message": f"Unknown product {ref!r}",
            }
        return None, {
            "field": f"{where}product_id",
            "message": "product_id or product_ref is required",
        }

    def _validate(self, payload: dict[str, Any]) -> list[dict[str, str]]:
        errors = []
        if not str(payload.get("partner_name") or "").strip():
            errors.append({"field": "partner_name", "message": "Required"})
        email = str(payload.get("email") or "")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            errors.append({"field": "email", "message": "A valid email is required"})
        lines = payload.get("lines") or [payload]
        for index, line in enumerate(lines):
            where = f"lines[{index}]." if payload.get("lines") else ""
            _, problem = self._product(line, where)
            if problem:
                errors.append(problem)
            qty = line.get("product_qty", 1)
            if not isinstance(qty, int | float) or qty <= 0:
                errors.append(
                    {
                        "field": f"{where}product_qty",
                        "message": "Must be greater than 0",
                    }
                )
        return errors

    def _accepted(self, quotation: Quotation) -> dict[str, Any]:
        return {
            "tracking_id": quotation.tracking_id,
            "name": quotation.name,
            "status": self._state(quotation),
            "status_url": f"/mcp_quotation/v1/quotations/{quotation.tracking_id}",
            "message": "Quotation request queued.",
            "estimated_time": "10-30 seconds",
        }

    async def create_quotation(self, request: Request) -> Response:
        raw = await request.body()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        self._record_request(request, payload)
        if self._user(request) is None:
            return _addon_error(401, "unauthorized", "Invalid or missing API key")
        if not isinstance(payload, dict):
            return _addon_error(400, "bad_request", "The body must be a JSON object")
        if isinstance(payload.get("parameters"), dict):
            payload = payload["parameters"]
        key = request.headers.get("idempotency-key") or payload.get("idempotency_key")
        if key and key in self.idempotency:
            return JSONResponse(self._accepted(self.quotations[self.idempotency[key]]))
        errors = self._validate(payload)
        if errors:
            return _addon_error(
                422, "validation_error", "Invalid quotation request", errors=errors
            )
        number = len(self.quotations) + 1
        quotation = Quotation(
            tracking_id=f"quot_{uuid.uuid4().hex[:12]}",
            name=f"QR/2026/{number:05d}",
            payload=payload,
            created_at=datetime.now(UTC).isoformat(),
        )
        self.quotations[quotation.tracking_id] = quotation
        if key:
            self.idempotency[key] = quotation.tracking_id
        return JSONResponse(self._accepted(quotation), status_code=202)

    def _state(self, quotation: Quotation) -> str:
        if quotation.polls >= self.polls_to_complete:
            return "completed"
        return "queued" if quotation.polls == 0 else "processing"

    def _complete(self, quotation: Quotation) -> dict[str, Any]:
        payload = quotation.payload
        total = 0.0
        for line in payload.get("lines") or [payload]:
            product_id, _ = self._product(line, "")
            assert product_id is not None
            price = line.get("product_price")
            if price is None or price < 0:
                price = self.data["product.product"][product_id]["list_price"]
            total += float(price) * float(line.get("product_qty", 1))
        if quotation.sale_order_id is None:
            quotation.sale_order_id = 4000 + len(self.quotations)
        order = quotation.sale_order_id
        return {
            "partner_id": 10,
            "partner_name": payload["partner_name"],
            "lead_id": 3000,
            "lead_name": payload.get("lead_name")
            or f"Quotation {payload['partner_name']}",
            "opportunity_id": 3000,
            "sale_order_id": order,
            "sale_order_name": f"S{order:05d}",
            "amount_total": total,
            "currency": "USD",
            "steps": {
                "partner": "found",
                "lead": "created",
                "opportunity": "converted",
                "sale_order": "created",
                "products": "1 line(s)",
            },
            "urls": {
                "partner": f"{self.url}/odoo/res.partner/10",
                "opportunity": f"{self.url}/odoo/crm.lead/3000",
                "sale_order": f"{self.url}/odoo/sale.order/{order}",
            },
        }

    async def quotation_status(self, request: Request) -> Response:
        self._record_request(request, None)
        if self._user(request) is None:
            return _addon_error(401, "unauthorized", "Invalid or missing API key")
        quotation = self.quotations.get(request.path_params["tracking_id"])
        if quotation is None:
            return _addon_error(404, "not_found", "Unknown tracking id")
        quotation.polls += 1
        state = self._state(quotation)
        done = state == "completed"
        return JSONResponse(
            {
                "tracking_id": quotation.tracking_id,
                "name": quotation.name,
                "status": state,
                "created_at": quotation.created_at,
                "elapsed_time": f"{quotation.polls * 1.0:.1f}s",
                "progress": "Done" if done else "Creating the sale order",
                "result": self._complete(quotation) if done else None,
                "error": None,
                "completed_at": datetime.now(UTC).isoformat() if done else None,
            }
        )


@dataclass
class FakeOdoo(_AddonRoutes):
    """In-memory Odoo: records, API keys and quotation requests."""

    data: dict[str, dict[int, dict[str, Any]]] = field(default_factory=_seed)
    keys: dict[str, int] = field(
        default_factory=lambda: {ADMIN_KEY: 2, READONLY_USER_KEY: 6}
    )
    calls: Counter[str] = field(default_factory=Counter)
    requests: list[dict[str, Any]] = field(default_factory=list)
    quotations: dict[str, Quotation] = field(default_factory=dict)
    idempotency: dict[str, str] = field(default_factory=dict)
    # Number of status polls before a quotation is completed.
    polls_to_complete: int = 2
    # Models whose module is "not installed": JSON-2 answers 404 for them.
    missing_models: set[str] = field(default_factory=set)
    fail_next: list[int] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    url: str = ""

    # -- HTTP plumbing ----------------------------------------------------------

    def app(self) -> Starlette:
        """The ASGI app serving the fake."""
        return Starlette(
            routes=[
                Route("/web/version", self.version, methods=["GET"]),
                Route("/json/2/{model}/{method}", self.json2, methods=["POST"]),
                Route(
                    "/mcp_quotation/v1/quotations",
                    self.create_quotation,
                    methods=["POST"],
                ),
                Route("/api/quotation/async", self.create_quotation, methods=["POST"]),
                Route(
                    "/mcp_quotation/v1/quotations/{tracking_id}",
                    self.quotation_status,
                    methods=["GET"],
                ),
                Route(
                    "/api/quotation/status/{tracking_id}",
                    self.quotation_status,
                    methods=["GET"],
                ),
            ]
        )

    def _user(self, request: Request) -> int | None:
        header = request.headers.get("authorization", "")
        match = re.match(r"^bearer\s+(.+)$", header, re.IGNORECASE)
        return self.keys.get(match.group(1)) if match else None

    def _record_request(self, request: Request, body: Any) -> None:
        self.requests.append(
            {
                "method": request.method,
                "path": request.url.path,
                "headers": dict(request.headers),
                "body": body,
            }
        )

    async def version(self, request: Request) -> Response:
        return JSONResponse(
            {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}
        )

    async def json2(self, request: Request) -> Response:
        model = request.path_params["model"]
        method = request.path_params["method"]
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self._record_request(request, body)
        self.calls[f"{model}.{method}"] += 1
        if self.fail_next:
            return Response("Bad gateway", status_code=self.fail_next.pop(0))
        uid = self._user(request)
        if uid is None:
            return _error_response(
                OdooException("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401)
            )
        try:
            if not isinstance(body, dict):
                raise OdooException(
                    "werkzeug.exceptions.BadRequest", "Invalid JSON body", 400
                )
            result = self._dispatch(uid, model, method, body)
        except OdooException as exc:
            return _error_response(exc)
        return JSONResponse(result)

    # -- JSON-2 methods ----------------------------------------------------------

    def _dispatch(self, uid: int, model: str, method: str, body: dict[str, Any]) -> Any:
        if model not in SCHEMA or model in self.missing_models:
            raise _not_found(f"the model {model!r} does not exist")
        handlers: dict[str, Callable[..., Any]] = {
            "search_read": self._search_read,
            "web_search_read": self._web_search_read,
            "read": self._read,
            "create": self._create,
            "write": self._write,
            "web_save": self._web_save,
        }
        handler = handlers.get(method)
        if handler is None:
            raise _not_found(
                f"The method {method!r} does not exist on the model {model!r}"
            )
        if method in WRITE_METHODS and uid != 2:
            raise OdooException(
                "odoo.exceptions.AccessError",
                f"You are not allowed to modify '{model}' records.",
                403,
            )
        kwargs = dict(body)
        kwargs.pop("context", None)
        ids = kwargs.pop("ids", None)
        if method in ("create", "search_read", "web_search_read") and ids:
            raise OdooException(
                "werkzeug.exceptions.UnprocessableEntity",
                f"cannot call {model}.{method} with ids",
                422,
            )
        try:
            return handler(model, ids or [], **kwargs)
        except TypeError as exc:
            raise OdooException(
                "werkzeug.exceptions.UnprocessableEntity", str(exc), 422
            ) from None

    def _check_fields(self, model: str, fields: list[str]) -> None:
        for name in fields:
            if name not in SCHEMA[model] and name not in ("id", "display_name"):
                raise _value_error(f"Invalid field {name!r} on model {model!r}")

    def _plain(
        self, model: str, row: dict[str, Any], fields: list[str]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row["id"]}
        for name in fields:
            if name == "display_name":
                out[name] = row["name"]
                continue
            value = row.get(name, False)
            comodel = SCHEMA[model].get(name)
            if comodel and (model, name) not in MANY and value:
                out[name] = [value, self.data[comodel][value]["name"]]
            else:
                out[name] = copy.deepcopy(value)
        return out

    def _search(
        self,
        model: str,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        if not isinstance(domain, list):
            raise _value_error(f"Invalid domain: {domain!r}")
        predicate = self._compile(model, domain)
        rows = [r for r in self.data[model].values() if predicate(r)]
        for part in reversed((order or "id").split(",")):
            words = part.split()
            if not words:
                continue
            name = words[0]
            self._check_fields(model, [name])
            reverse = len(words) > 1 and words[1].lower() == "desc"
            rows.sort(
                key=lambda r, n=name: (
                    r.get(n) in (False, None),
                    str(r.get(n)).lower()
                    if not isinstance(r.get(n), int | float)
                    else f"{r.get(n):020.4f}",
                ),
                reverse=reverse,
            )
        rows = rows[offset:]
        return rows[:limit] if limit else rows

    def _search_read(
        self,
        model: str,
        ids: list[int],
        domain: Any = None,
        fields: Any = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        fields = list(fields or SCHEMA[model])
        self._check_fields(model, fields)
        rows = self._search(model, domain or [], offset, limit, order)
        return [self._plain(model, r, fields) for r in rows]

    def _web_read(self, model: str, row: dict[str, Any], spec: dict[str, Any]) -> dict:
        out: dict[str, Any] = {"id": row["id"]}
        for name, sub in spec.items():
            self._check_fields(model, [name])
            if name == "display_name":
                out[name] = row["name"]
                continue
            value = row.get(name, False)
            comodel = SCHEMA[model].get(name)
            named = comodel and isinstance(sub, dict) and "fields" in sub
            if (model, name) in MANY:
                out[name] = (
                    [
                        {"id": v, "display_name": self.data[comodel][v]["name"]}
                        for v in value
                    ]
                    if named and comodel
                    else list(value)
                )
            elif comodel and value:
                out[name] = (
                    {"id": value, "display_name": self.data[comodel][value]["name"]}
                    if named
                    else value
                )
            else:
                out[name] = value
        return out

    def _web_search_read(
        self,
        model: str,
        ids: list[int],
        domain: Any,
        specification: dict[str, Any],
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        count_limit: int | None = None,
    ) -> dict[str, Any]:
        rows = self._search(model, domain, offset, limit, order)
        records = [self._web_read(model, r, specification) for r in rows]
        length = len(records) + offset
        if (
            limit
            and len(records) == limit
            and not (count_limit and count_limit <= length)
        ):
            self.calls[f"{model}.search_count"] += 1
            length = len(self._search(model, domain))
        return {"length": length, "records": records}

    def _existing(self, model: str, ids: list[int]) -> list[dict[str, Any]]:
        missing = [i for i in ids if i not in self.data[model]]
        if missing:
            raise OdooException(
                "odoo.exceptions.MissingError",
                f"Record does not exist or has been deleted.\n"
                f"(Record: {model}({missing[0]},), User: 2)",
                404,
            )
        return [self.data[model][i] for i in ids]

    def _read(self, model: str, ids: list[int], fields: Any = None) -> list[dict]:
        fields = list(fields or SCHEMA[model])
        self._check_fields(model, fields)
        # Like Odoo 19, ids that do not exist are left out rather than refused.
        rows = [self.data[model][i] for i in ids if i in self.data[model]]
        return [self._plain(model, r, fields) for r in rows]

    def _apply(self, model: str, row: dict[str, Any], vals: dict[str, Any]) -> None:
        for name, value in vals.items():
            if name not in SCHEMA[model]:
                raise _value_error(f"Invalid field {name!r} on model {model!r}")
            if (model, name) in MANY:
                # Command.set: [[6, 0, ids]]
                row[name] = list(value[0][2]) if value else []
            else:
                row[name] = value

    def _create(self, model: str, ids: list[int], vals_list: Any) -> list[int]:
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        created = []
        for vals in vals_list:
            if model == "sale.order" and not vals.get("name"):
                vals = {**vals, "name": f"S{len(self.data[model]) + 100:05d}"}
            if not vals.get("name"):
                raise OdooException(
                    "odoo.exceptions.ValidationError",
                    "The operation cannot be completed: Name is required.",
                    422,
                )
            row = dict.fromkeys(SCHEMA[model], False)
            if (model, "user_ids") in MANY:
                row["user_ids"] = []
            row["id"] = next(self._ids)
            row.update(DEFAULTS.get(model, {}))
            self._apply(model, row, vals)
            self.data[model][row["id"]] = row
            created.append(row["id"])
        return created

    def _write(self, model: str, ids: list[int], vals: dict[str, Any]) -> bool:
        for row in self._existing(model, ids):
            self._apply(model, row, vals)
        return True

    def _web_save(
        self,
        model: str,
        ids: list[int],
        vals: dict[str, Any],
        specification: dict[str, Any],
        next_id: int | None = None,
    ) -> list[dict]:
        if ids:
            self._write(model, ids, vals)
        else:
            ids = self._create(model, [], [vals])
        return [
            self._web_read(model, r, specification) for r in self._existing(model, ids)
        ]

    # -- domains -------------------------------------------------------------------

    def _compile(self, model: str, domain: list[Any]) -> Callable[[dict], bool]:
        items = list(domain)

        def term() -> Callable[[dict], bool]:
            if not items:
                raise _value_error(f"Invalid domain {domain!r}")
            item = items.pop(0)
            if item == "!":
                inner = term()
                return lambda r: not inner(r)
            if item in ("&", "|"):
                left, right = term(), term()
                if item == "&":
                    return lambda r: left(r) and right(r)
                return lambda r: left(r) or right(r)
            if not isinstance(item, list | tuple) or len(item) != 3:
                raise _value_error(f"Invalid leaf {item!r}")
            return self._leaf(model, *item)

        parts = []
        while items:
            parts.append(term())
        return lambda r: all(p(r) for p in parts)

    def _leaf(
        self, model: str, path: Any, op: Any, value: Any
    ) -> Callable[[dict], bool]:
        if not isinstance(path, str):
            raise _value_error(f"Invalid leaf field {path!r}")
        name, _, rest = path.partition(".")
        if name not in SCHEMA[model] and name != "id":
            raise _value_error(f"Invalid field {model}.{name} in leaf {path!r}")
        comodel = SCHEMA[model].get(name)
        if rest:
            if not comodel:
                raise _value_error(f"Invalid path {path!r}")
            sub = self._leaf(comodel, rest, op, value)

            def follow(r: dict) -> bool:
                targets = r[name] if (model, name) in MANY else [r[name]]
                return any(t and sub(self.data[comodel][t]) for t in targets)

            return follow
        compare = _OPERATORS.get(str(op).lower())
        if compare is None:
            raise _value_error(f"Invalid operator {op!r} in leaf {path!r}")

        def test(r: dict) -> bool:
            current = r.get(name, False)
            if comodel and op in ("ilike", "not ilike") and isinstance(value, str):
                targets = current if (model, name) in MANY else [current]
                names = [self.data[comodel][t]["name"] for t in targets if t]
                hit = any(value.lower() in n.lower() for n in names)
                return hit if op == "ilike" else not hit
            if (model, name) in MANY and op == "in":
                return bool(set(current) & set(value))
            return compare(current, value)

        return test


def _ilike(a: Any, b: Any) -> bool:
    return isinstance(a, str) and str(b).lower() in a.lower()


def _ordered(check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: a not in (False, None) and check(a, b)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "ilike": _ilike,
    "not ilike": lambda a, b: not _ilike(a, b),
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
    "<": _ordered(lambda a, b: a < b),
    ">": _ordered(lambda a, b: a > b),
    "<=": _ordered(lambda a, b: a <= b),
    ">=": _ordered(lambda a, b: a >= b),
}


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        """Leave signals to pytest."""


@contextmanager
def serve_app(app: Any, port: int | None = None) -> Iterator[str]:
    """Run an ASGI app with uvicorn on loopback in a thread; yield its URL."""
    port = port or free_port()
    server = _Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def running_fake_odoo() -> Iterator[FakeOdoo]:
    """A FakeOdoo served on a free loopback port."""
    fake = FakeOdoo()
    with serve_app(fake.app()) as url:
        fake.url = url
        yield fake


def new_key() -> str:
    """A throwaway secret that looks like an API key."""
    return secrets.token_hex(16)


# -- fixtures shared by the bridge's tests (import them into a test module) -------


@dataclass
class Backend:
    """An Odoo to test against: the fake, or a real Odoo 19 when available."""

    kind: str
    url: str
    database: str
    api_key: str
    fake: FakeOdoo | None = None
    login: str = "admin"
    password: str = "admin"

    def settings(self, tmp_path: Any, **overrides: Any) -> Any:
        """Bridge settings: `prod` read-only for reads, `dev` for writes."""
        from bridge.config import Settings  # noqa: PLC0415

        instance = {"url": self.url, "database": self.database, "api_key": self.api_key}
        values: dict[str, Any] = {
            "instances": {
                "prod": {**instance, "read_only": True},
                "dev": instance,
            },
            "read_instance": "prod",
            "write_instance": "dev",
            "audit": {
                "directory": tmp_path / "audit",
                "spool_directory": tmp_path / "spool",
            },
        }
        values.update(overrides)
        return Settings(**values)

    async def create(self, model: str, *vals_list: dict[str, Any]) -> list[int]:
        """Create records straight through JSON-2 (test data, not the bridge)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            response = await http.post(
                f"/json/2/{model}/create",
                json={"vals_list": list(vals_list)},
                headers={
                    "Authorization": f"bearer {self.api_key}",
                    "X-Odoo-Database": self.database,
                },
            )
        response.raise_for_status()
        return list(response.json())


@pytest.fixture(scope="session")
def fake_odoo_server() -> Iterator[FakeOdoo]:
    """One fake Odoo for the session; tests reset it through `fake_odoo`."""
    with running_fake_odoo() as fake:
        yield fake


@pytest.fixture
def fake_odoo(fake_odoo_server: FakeOdoo) -> FakeOdoo:
    """The session's fake Odoo, with fresh data and counters."""
    fresh = FakeOdoo()
    for name in (
        "data",
        "calls",
        "requests",
        "quotations",
        "idempotency",
        "fail_next",
        "_ids",
    ):
        setattr(fake_odoo_server, name, getattr(fresh, name))
    fake_odoo_server.polls_to_complete = fresh.polls_to_complete
    fake_odoo_server.missing_models = fresh.missing_models
    return fake_odoo_server


@pytest.fixture
def real_backend(request: pytest.FixtureRequest) -> Backend:
    """A real Odoo 19: BRIDGE_TEST_ODOO_URL when set, else the `odoo` fixture."""
    url = os.environ.get("BRIDGE_TEST_ODOO_URL")
    if url:
        # An Odoo 19 that is already running (e.g. docker compose up).
        return Backend(
            "real",
            url,
            os.environ.get("BRIDGE_TEST_ODOO_DB", ""),
            os.environ["BRIDGE_TEST_ODOO_API_KEY"],
            login=os.environ.get("BRIDGE_TEST_ODOO_LOGIN", "admin"),
            password=os.environ.get("BRIDGE_TEST_ODOO_PASSWORD", "admin"),
        )
    real = request.getfixturevalue("odoo")
    return Backend(
        "real",
        real.url,
        real.db,
        real.api_key,
        login=real.login,
        password=real.password,
    )


@pytest.fixture(
    params=["fake", pytest.param("real", marks=pytest.mark.odoo)],
)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each test runs against the fake Odoo and, when installed, a real Odoo 19."""
    if request.param == "fake":
        fake = request.getfixturevalue("fake_odoo")
        return Backend("fake", fake.url, DATABASE, ADMIN_KEY, fake)
    real: Backend = request.getfixturevalue("real_backend")
    return real


if __name__ == "__main__":
    # Serve the fake by itself, e.g. for the benchmark or the MCP Inspector:
    #   python tests/fake_odoo.py 8069   (API key: fake-admin-key-0123456789)
    import sys

    uvicorn.run(
        FakeOdoo(url=f"http://127.0.0.1:{sys.argv[1]}").app(),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
    )
