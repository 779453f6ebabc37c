"""The fake mcp_quotation addon: its routes, as its HTTP contract describes
them (checked against the addon's shared examples by tests/test_fake_odoo.py)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


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


class AddonRoutes:
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
