"""The fake Odoo's data: API keys, the models it knows, and its demo records."""

from __future__ import annotations

from typing import Any

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


def demo_records() -> dict[str, dict[int, dict[str, Any]]]:
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
