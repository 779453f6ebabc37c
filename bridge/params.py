"""Each operation's parameters, declared once: the MCP tools publish them as
their input schema and the service takes them as they are.

Descriptions are written for the model that calls the tools. What only the
settings know (the page size, its cap, the longest wait, the instance names)
is filled in per server by `configured`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

from bridge.config import Settings


class OnInstance(BaseModel):
    """Parameters of an operation on one Odoo instance."""

    model_config = ConfigDict(extra="forbid")

    instance: str | None = Field(
        default=None, description="Odoo instance to use; leave empty for the default."
    )


class PageParams(OnInstance):
    """Parameters of a listing: which page."""

    offset: int = Field(default=0, ge=0, description="Records to skip (next_offset).")
    limit: int | None = Field(
        default=None, ge=1, description="Page size; empty for the default."
    )


class Search(OnInstance):
    """search: records across models."""

    query: str = Field(min_length=1, description="Words to look for.")


class Fetch(OnInstance):
    """fetch: the record behind a search result."""

    id: str = Field(description="An id returned by search, e.g. res.partner:7.")


class ListProjects(PageParams):
    """list_projects."""

    name: str | None = Field(default=None, description="Part of the project name.")


class ListTasks(PageParams):
    """list_tasks."""

    project_id: int | None = Field(default=None, description="Only this project.")
    assignee_id: int | None = Field(
        default=None, description="Only tasks assigned to this user id."
    )
    stage: str | None = Field(
        default=None, description="Stage name (or part of it), e.g. 'Done'."
    )
    name: str | None = Field(default=None, description="Part of the task title.")


class ListSales(PageParams):
    """list_sales."""

    state: Literal["draft", "sent", "sale", "cancel"] | None = Field(
        default=None, description="draft/sent = quotation, sale = confirmed order."
    )
    customer: str | None = Field(
        default=None, description="Part of the customer's name."
    )
    customer_id: int | None = Field(default=None, description="Customer id.")
    date_from: date | None = Field(default=None, description="Ordered on or after.")
    date_to: date | None = Field(default=None, description="Ordered on or before.")


class ListLeads(PageParams):
    """list_leads."""

    type: Literal["lead", "opportunity"] | None = Field(
        default=None, description="Leads or opportunities."
    )
    stage: str | None = Field(default=None, description="Stage name, e.g. 'Won'.")
    salesperson_id: int | None = Field(
        default=None, description="Salesperson's user id."
    )
    name: str | None = Field(default=None, description="Part of the lead's title.")


class ListUsers(PageParams):
    """list_users."""

    name: str | None = Field(default=None, description="Part of the user's name.")


class SearchContacts(PageParams):
    """search_contacts."""

    query: str = Field(min_length=1, description="Part of a name, email or phone.")
    is_company: bool | None = Field(
        default=None, description="True: companies only; false: people only."
    )


class SearchProducts(PageParams):
    """search_products."""

    query: str = Field(
        min_length=1,
        max_length=128,
        description="The product as the user says it: name or reference "
        "(or barcode, on instances with the mcp_quotation addon).",
    )


class CreateTask(OnInstance):
    """create_task."""

    project_id: int = Field(description="Project id (see list_projects).")
    name: str = Field(min_length=1, description="Task title.")
    description: str | None = Field(default=None, description="Task description.")
    assignee_ids: list[int] | None = Field(
        default=None, description="User ids to assign (see list_users)."
    )
    deadline: date | None = Field(default=None, description="Deadline (YYYY-MM-DD).")
    stage_id: int | None = Field(default=None, description="Stage id.")


class UpdateTask(OnInstance):
    """update_task."""

    task_id: int = Field(description="Task id (see list_tasks).")
    stage_id: int | None = Field(
        default=None, description="New stage id (stages appear in list_tasks)."
    )
    assignee_ids: list[int] | None = Field(
        default=None,
        description="Replace the assignees with these user ids ([] = none).",
    )
    deadline: date | None = Field(default=None, description="New deadline.")
    clear_deadline: bool = Field(default=False, description="Remove the deadline.")


class CreateLead(OnInstance):
    """create_lead."""

    name: str = Field(min_length=1, description="Lead title.")
    contact_name: str | None = Field(default=None, description="Contact person.")
    partner_name: str | None = Field(default=None, description="Company name.")
    email: str | None = Field(default=None, description="Contact email.")
    phone: str | None = Field(default=None, description="Contact phone.")
    partner_id: int | None = Field(default=None, description="Existing contact id.")
    salesperson_id: int | None = Field(default=None, description="Salesperson user id.")
    expected_revenue: float | None = Field(default=None, ge=0)
    description: str | None = Field(default=None, description="Notes.")
    type: Literal["lead", "opportunity"] = "lead"


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


def configured(
    settings: Settings, instance_names: list[str]
) -> dict[str, tuple[Any, FieldInfo]]:
    """Fields whose bounds and wording come from the settings, by name: they
    replace the static ones in the tools' input schemas."""
    names = ", ".join(instance_names) or "none configured"
    fields: dict[str, tuple[Any, FieldInfo]] = {
        "instance": (
            str | None,
            FieldInfo.from_field(
                default=None,
                description=(
                    f"Odoo instance to use ({names}); leave empty for the default "
                    "(reads and writes may default to different instances)."
                ),
            ),
        ),
        "limit": (
            int,
            FieldInfo.from_field(
                default=settings.default_page_size,
                ge=1,
                le=settings.max_page_size,
                description=f"Page size, at most {settings.max_page_size}.",
            ),
        ),
        "wait_seconds": (
            float,
            FieldInfo.from_field(
                default=0.0,
                ge=0,
                le=settings.quotation_wait_seconds,
                description=(
                    "Wait up to this many seconds for the quotation to finish "
                    "(progress is reported meanwhile); 0 answers at once."
                ),
            ),
        ),
    }
    return fields
