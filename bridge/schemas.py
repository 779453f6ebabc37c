"""What the bridge answers: the tools' structured output and the addon's documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Ref(BaseModel):
    """A link to another record: its id and display name."""

    id: int
    name: str


class Page(BaseModel, Generic[T]):
    """One page of a listing; ask again with `offset=next_offset` for more."""

    items: list[T]
    offset: int
    limit: int
    has_more: bool = Field(description="True when more records match the filter.")
    next_offset: int | None = Field(
        description="Offset to pass to get the next page; null when this is the last."
    )

    @classmethod
    def of(
        cls,
        rows: Sequence[Any],
        convert: Callable[[Any], T],
        *,
        offset: int,
        limit: int,
    ) -> Self:
        """The page of `rows` read from `offset`: up to `limit` + 1 of them, the
        one more telling that more exist (it is not converted)."""
        more = len(rows) > limit
        return cls(
            items=[convert(row) for row in rows[:limit]],
            offset=offset,
            limit=limit,
            has_more=more,
            next_offset=offset + limit if more else None,
        )


class Partner(BaseModel):
    """A contact or company."""

    id: int
    name: str
    email: str | None
    phone: str | None
    is_company: bool
    company: Ref | None
    url: str


class Lead(BaseModel):
    """A CRM lead or opportunity."""

    id: int
    name: str
    type: str
    stage: Ref | None
    customer: Ref | None
    contact_name: str | None
    email: str | None
    phone: str | None
    salesperson: Ref | None
    expected_revenue: float
    probability: float
    url: str


class SaleOrder(BaseModel):
    """A quotation or sale order."""

    id: int
    name: str
    state: str
    customer: Ref | None
    salesperson: Ref | None
    date_order: str | None
    amount_total: float
    currency: str | None
    url: str


class Product(BaseModel):
    """A product variant: use `id` as product_id in a quotation."""

    id: int
    name: str
    reference: str | None = Field(description="Internal reference (default_code).")
    list_price: float
    url: str
    currency: str | None = Field(default=None, description="Currency of list_price.")
    unit: str | None = Field(default=None, description="Unit of measure.")
    score: float | None = Field(
        default=None,
        description="How close to the query, 0 to 1 (spelling-tolerant lookup).",
    )


class Project(BaseModel):
    """A project."""

    id: int
    name: str
    manager: Ref | None
    customer: Ref | None
    task_count: int
    url: str


class Task(BaseModel):
    """A project task."""

    id: int
    name: str
    project: Ref | None
    stage: Ref | None
    assignees: list[Ref]
    deadline: str | None
    priority: str | None
    url: str


class User(BaseModel):
    """An internal Odoo user (salesperson, assignee)."""

    id: int
    name: str
    login: str
    email: str | None


class PartnerPage(Page[Partner]):
    """A page of contacts."""


class LeadPage(Page[Lead]):
    """A page of leads/opportunities."""


class SaleOrderPage(Page[SaleOrder]):
    """A page of sale orders."""


class ProductPage(Page[Product]):
    """A page of products."""


class ProjectPage(Page[Project]):
    """A page of projects."""


class TaskPage(Page[Task]):
    """A page of tasks."""


class UserPage(Page[User]):
    """A page of users."""


class SearchResult(BaseModel):
    """One hit of `search`: pass `id` to `fetch`."""

    id: str
    title: str
    url: str


class SearchResults(BaseModel):
    """What `search` returns (ChatGPT connector shape)."""

    results: list[SearchResult]


class Document(BaseModel):
    """What `fetch` returns (ChatGPT connector shape)."""

    id: str
    title: str
    text: str
    url: str
    metadata: dict[str, Any]


class QuotationAccepted(BaseModel):
    """The addon accepted the request; follow it with get_quotation_status."""

    model_config = ConfigDict(extra="allow")

    tracking_id: str
    name: str | None = None
    status: str
    status_url: str | None = None
    message: str | None = None
    estimated_time: str | None = None


class QuotationResult(BaseModel):
    """What a completed quotation produced."""

    model_config = ConfigDict(extra="allow")

    partner_id: int | None = None
    partner_name: str | None = None
    lead_id: int | None = None
    lead_name: str | None = None
    opportunity_id: int | None = None
    sale_order_id: int | None = None
    sale_order_name: str | None = None
    amount_total: float | None = None
    currency: str | None = None
    portal_url: str | None = Field(
        default=None,
        description="The customer's link to the quotation, to read out or text.",
    )
    steps: dict[str, Any] = Field(default_factory=dict)
    urls: dict[str, Any] = Field(default_factory=dict)


class QuotationStatus(BaseModel):
    """The addon's status document for one quotation request."""

    model_config = ConfigDict(extra="allow")

    tracking_id: str
    name: str | None = None
    status: str
    created_at: str | None = None
    elapsed_time: str | None = None
    progress: str | None = None
    result: QuotationResult | None = None
    error: str | None = None
    completed_at: str | None = None
