"""Which fields the bridge reads from each Odoo model, and how a row becomes a
document (`schemas`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridge.schemas import Lead, Partner, Product, Project, Ref, SaleOrder, Task, User

Row = dict[str, Any]
Domain = list[Any]
# (model, record id) -> the record's page in the Odoo UI
Linker = Callable[[str, int], str]

PARTNER_FIELDS = ["name", "email", "phone", "is_company", "parent_id"]
LEAD_FIELDS = [
    "name",
    "type",
    "stage_id",
    "partner_id",
    "contact_name",
    "email_from",
    "phone",
    "user_id",
    "expected_revenue",
    "probability",
]
SALE_FIELDS = [
    "name",
    "state",
    "partner_id",
    "user_id",
    "date_order",
    "amount_total",
    "currency_id",
]
# display_name tells variants apart: "[FURN_0096] Customizable Desk (Steel, White)".
PRODUCT_FIELDS = ["display_name", "default_code", "list_price"]
PROJECT_FIELDS = ["name", "user_id", "partner_id", "task_count"]
TASK_FIELDS = [
    "name",
    "project_id",
    "stage_id",
    "user_ids",
    "date_deadline",
    "priority",
]
_NAMED: dict[str, Any] = {"fields": {"display_name": {}}}
# web_read specification: relations come back with their names in one request.
TASK_SPEC: dict[str, Any] = {
    "name": {},
    "project_id": _NAMED,
    "stage_id": _NAMED,
    "user_ids": _NAMED,
    "date_deadline": {},
    "priority": {},
}
USER_FIELDS = ["name", "login", "email"]


def many2one(value: Any) -> Ref | None:
    """Odoo returns many2one values as ``[id, display_name]`` or ``False``."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return Ref(id=int(value[0]), name=str(value[1]))
    return None


def web_read_relation(value: Any) -> Ref | None:
    """`web_read` returns relations as ``{"id", "display_name"}`` when asked to."""
    if isinstance(value, dict) and "id" in value:
        return Ref(id=int(value["id"]), name=str(value.get("display_name") or ""))
    return None


def _text(value: Any) -> str | None:
    return None if value is False or value is None else str(value)


def partner(row: Row, link: Linker) -> Partner:
    """A res.partner row read with PARTNER_FIELDS."""
    return Partner(
        id=row["id"],
        name=row.get("name") or "",
        email=_text(row.get("email")),
        phone=_text(row.get("phone")),
        is_company=bool(row.get("is_company")),
        company=many2one(row.get("parent_id")),
        url=link("res.partner", row["id"]),
    )


def lead(row: Row, link: Linker) -> Lead:
    """A crm.lead row read with LEAD_FIELDS."""
    return Lead(
        id=row["id"],
        name=row.get("name") or "",
        type=row.get("type") or "lead",
        stage=many2one(row.get("stage_id")),
        customer=many2one(row.get("partner_id")),
        contact_name=_text(row.get("contact_name")),
        email=_text(row.get("email_from")),
        phone=_text(row.get("phone")),
        salesperson=many2one(row.get("user_id")),
        expected_revenue=float(row.get("expected_revenue") or 0.0),
        probability=float(row.get("probability") or 0.0),
        url=link("crm.lead", row["id"]),
    )


def sale_order(row: Row, link: Linker) -> SaleOrder:
    """A sale.order row read with SALE_FIELDS."""
    currency = many2one(row.get("currency_id"))
    return SaleOrder(
        id=row["id"],
        name=row.get("name") or "",
        state=row.get("state") or "",
        customer=many2one(row.get("partner_id")),
        salesperson=many2one(row.get("user_id")),
        date_order=_text(row.get("date_order")),
        amount_total=float(row.get("amount_total") or 0.0),
        currency=currency.name if currency else None,
        url=link("sale.order", row["id"]),
    )


def product(row: Row, link: Linker) -> Product:
    """A product.product row read with PRODUCT_FIELDS."""
    return Product(
        id=row["id"],
        name=row.get("display_name") or row.get("name") or "",
        reference=_text(row.get("default_code")),
        list_price=float(row.get("list_price") or 0.0),
        url=link("product.product", row["id"]),
    )


def project(row: Row, link: Linker) -> Project:
    """A project.project row read with PROJECT_FIELDS."""
    return Project(
        id=row["id"],
        name=row.get("name") or "",
        manager=many2one(row.get("user_id")),
        customer=many2one(row.get("partner_id")),
        task_count=int(row.get("task_count") or 0),
        url=link("project.project", row["id"]),
    )


def user(row: Row, link: Linker) -> User:
    """A res.users row read with USER_FIELDS (users have no link: not a document)."""
    return User(
        id=row["id"],
        name=row.get("name") or "",
        login=row.get("login") or "",
        email=_text(row.get("email")),
    )


def task(row: Row, link: Linker) -> Task:
    """A project.task row read with TASK_SPEC (relations with their names)."""
    return Task(
        id=row["id"],
        name=row.get("name") or "",
        project=web_read_relation(row.get("project_id")),
        stage=web_read_relation(row.get("stage_id")),
        assignees=[r for r in map(web_read_relation, row.get("user_ids") or []) if r],
        deadline=_text(row.get("date_deadline")),
        priority=_text(row.get("priority")),
        url=link("project.task", row["id"]),
    )


@dataclass(frozen=True)
class Searchable:
    """A model `search` looks in and `fetch` reads: its label, fields and filter."""

    name: str
    label: str
    fields: list[str]
    search: Callable[[str], Domain]


SEARCHABLE: tuple[Searchable, ...] = (
    Searchable(
        "res.partner",
        "Contact",
        PARTNER_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("email", "ilike", q)],
    ),
    Searchable(
        "crm.lead",
        "Lead/opportunity",
        LEAD_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("partner_id", "ilike", q)],
    ),
    Searchable(
        "sale.order",
        "Sale order",
        SALE_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("partner_id", "ilike", q)],
    ),
    Searchable(
        "product.product",
        "Product",
        PRODUCT_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("default_code", "ilike", q)],
    ),
    Searchable(
        "project.project",
        "Project",
        PROJECT_FIELDS,
        lambda q: [("name", "ilike", q)],
    ),
    Searchable("project.task", "Task", TASK_FIELDS, lambda q: [("name", "ilike", q)]),
)
SEARCHABLE_BY_NAME = {m.name: m for m in SEARCHABLE}

# The Odoo app that brings each model the tools use beyond `base`: named in the
# error when an instance lacks it (`bridge.odoo`). Products come with Sales,
# the app the product tools serve, or with Inventory or Purchase.
APPS = {
    "crm.lead": "CRM",
    "sale.order": "Sales",
    "product.product": "Sales",
    "project.project": "Project",
    "project.task": "Project",
}
