"""The bridge's operations on Odoo; the MCP tools and the REST routes call these."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar

import anyio
from pydantic import BaseModel, ConfigDict, Field

from bridge.config import ConfigError, OdooInstance, Settings
from bridge.odoo import (
    AddonResponse,
    LatencyObserver,
    OdooClient,
    OdooError,
    OdooInvalidRequest,
    OdooRecordMissing,
    OdooUnknownModel,
    open_client,
)

QUOTATIONS_PATH = "/mcp_quotation/v1/quotations"
FINAL_STATES = frozenset({"completed", "failed", "cancelled"})
POLL_SECONDS = 1.0

T = TypeVar("T")
Domain = list[Any]


class BridgeError(Exception):
    """A request the bridge refuses by itself; the message is for the caller."""


class UnknownInstance(BridgeError):
    """The caller named an instance that is not configured."""


class ReadOnlyInstance(BridgeError):
    """A write was attempted on an instance configured read-only."""


class QuotationRejected(BridgeError):
    """The addon refused a quotation request (validation, auth, not found)."""

    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self.body = body
        message = body.get("message") if isinstance(body, dict) else None
        details = [
            f"{e.get('field')}: {e.get('message')}"
            for e in (body.get("errors") or [] if isinstance(body, dict) else [])
            if isinstance(e, dict)
        ]
        text = f"Quotation request refused (HTTP {status_code}): {message or body}"
        if details:
            text += " [" + "; ".join(details) + "]"
        super().__init__(text)


# --- Output models -----------------------------------------------------------


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


PageT = TypeVar("PageT", bound=Page[Any])


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


class QuotationLine(BaseModel):
    """One product line of a quotation request."""

    product_id: int | None = Field(default=None, description="Product id.")
    product_ref: str | None = Field(
        default=None, description="Internal reference or exact product name."
    )
    product_qty: float = Field(default=1.0, gt=0)
    product_price: float | None = Field(
        default=None, description="Unit price; omit to use Odoo's price."
    )


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


ProgressCallback = Callable[[float, float | None, str], Awaitable[None]]


# --- Record conversion -------------------------------------------------------


def _ref(value: Any) -> Ref | None:
    """Odoo returns many2one values as ``[id, display_name]`` or ``False``."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return Ref(id=int(value[0]), name=str(value[1]))
    return None


def _wref(value: Any) -> Ref | None:
    """`web_read` returns relations as ``{"id", "display_name"}`` when asked to."""
    if isinstance(value, dict) and "id" in value:
        return Ref(id=int(value["id"]), name=str(value.get("display_name") or ""))
    return None


def _text(value: Any) -> str | None:
    return None if value is False or value is None else str(value)


class _Model:
    """How one Odoo model is read and shown."""

    def __init__(
        self,
        name: str,
        label: str,
        fields: Sequence[str],
        search: Callable[[str], Domain],
        title_field: str = "name",
    ) -> None:
        self.name = name
        self.label = label
        self.fields = list(fields)
        self.search = search
        self.title_field = title_field


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

SEARCHABLE: tuple[_Model, ...] = (
    _Model(
        "res.partner",
        "Contact",
        PARTNER_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("email", "ilike", q)],
    ),
    _Model(
        "crm.lead",
        "Lead/opportunity",
        LEAD_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("partner_id", "ilike", q)],
    ),
    _Model(
        "sale.order",
        "Sale order",
        SALE_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("partner_id", "ilike", q)],
    ),
    _Model(
        "product.product",
        "Product",
        PRODUCT_FIELDS,
        lambda q: ["|", ("name", "ilike", q), ("default_code", "ilike", q)],
    ),
    _Model(
        "project.project", "Project", PROJECT_FIELDS, lambda q: [("name", "ilike", q)]
    ),
    _Model("project.task", "Task", TASK_FIELDS, lambda q: [("name", "ilike", q)]),
)
MODELS_BY_NAME = {m.name: m for m in SEARCHABLE}


# --- The service ---------------------------------------------------------------


class _Instance:
    """A configured instance whose client is opened on first use."""

    def __init__(
        self, name: str, config: OdooInstance, observe: LatencyObserver
    ) -> None:
        self.name = name
        self.config = config
        self._observe = observe
        self._client: OdooClient | None = None
        self._lock = anyio.Lock()

    async def client(self) -> OdooClient:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await open_client(
                        self.name, self.config, observe=self._observe
                    )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def protocol(self) -> str:
        """The protocol in use (known once the client is open)."""
        return self._client.protocol if self._client else self.config.protocol


def _no_observer(instance: str, method: str, seconds: float) -> None:
    del instance, method, seconds


class OdooService:
    """Business operations over the configured Odoo instances."""

    def __init__(
        self, settings: Settings, *, observe: LatencyObserver | None = None
    ) -> None:
        self.settings = settings
        self._instances = {
            name: _Instance(name, cfg, observe or _no_observer)
            for name, cfg in settings.instances.items()
        }

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every instance's connection pool."""
        for instance in self._instances.values():
            await instance.aclose()

    # -- instances --------------------------------------------------------------

    @property
    def instance_names(self) -> list[str]:
        """Configured instance names."""
        return list(self._instances)

    @property
    def quotation_instance(self) -> str:
        """Where quotations are created, so also where their status is read."""
        return self.settings.instance_for(write=True)

    def resolve(self, name: str | None, *, write: bool) -> _Instance:
        """The named instance (or the default one); refuses writes on read-only ones."""
        try:
            chosen = name or self.settings.instance_for(write=write)
        except ConfigError as exc:
            raise UnknownInstance(str(exc)) from None
        instance = self._instances.get(chosen)
        if instance is None:
            known = ", ".join(self._instances) or "none"
            raise UnknownInstance(
                f"Unknown Odoo instance {chosen!r} (configured: {known})"
            )
        if write and instance.config.read_only:
            raise ReadOnlyInstance(
                f"Odoo instance {chosen!r} is read-only; use a writable instance "
                f"such as {self.settings.instance_for(write=True)!r}"
            )
        return instance

    async def readiness(self) -> dict[str, dict[str, Any]]:
        """Per instance: reachable or not, and its version."""
        report: dict[str, dict[str, Any]] = {}

        async def check(instance: _Instance) -> None:
            try:
                client = await instance.client()
                version = await client.version()
            except OdooError as exc:
                report[instance.name] = {"ok": False, "error": str(exc)}
            else:
                report[instance.name] = {
                    "ok": True,
                    "version": version,
                    "protocol": client.protocol,
                    "read_only": instance.config.read_only,
                }

        async with anyio.create_task_group() as tg:
            for instance in self._instances.values():
                tg.start_soon(check, instance)
        return report

    # -- helpers ----------------------------------------------------------------

    def _limit(self, limit: int | None) -> int:
        if limit is None:
            return self.settings.default_page_size
        return max(1, min(limit, self.settings.max_page_size))

    async def _page(
        self,
        page: type[PageT],
        inst: _Instance,
        model: str,
        domain: Domain,
        convert: Callable[[_Instance, dict[str, Any]], Any],
        *,
        order: str,
        offset: int,
        limit: int | None,
        fields: list[str] | None = None,
        specification: dict[str, Any] | None = None,
    ) -> PageT:
        """One Odoo request for limit+1 rows: the page, and whether more exist.

        With `specification`, web_search_read returns relations with their names;
        count_limit=1 stops it from running a search_count.
        """
        size = self._limit(limit)
        offset = max(0, offset)
        client = await inst.client()
        if specification is None:
            rows = await client.call(
                model,
                "search_read",
                domain=domain,
                fields=fields,
                offset=offset,
                limit=size + 1,
                order=order,
            )
        else:
            answer = await client.call(
                model,
                "web_search_read",
                domain=domain,
                specification=specification,
                offset=offset,
                limit=size + 1,
                order=order,
                count_limit=1,
            )
            rows = answer["records"]
        more = len(rows) > size
        return page(
            items=[convert(inst, row) for row in rows[:size]],
            offset=offset,
            limit=size,
            has_more=more,
            next_offset=offset + size if more else None,
        )

    def _url(self, instance: _Instance, model: str, record_id: int) -> str:
        base = instance.config.ui_url
        if instance.protocol == "odoorpc":
            # /web#... works on Odoo 17 and 18; /odoo/<model>/<id> only since 17.2.
            return f"{base}/web#id={record_id}&model={model}&view_type=form"
        return f"{base}/odoo/{model}/{record_id}"

    # -- converters --------------------------------------------------------------

    def _partner(self, inst: _Instance, row: dict[str, Any]) -> Partner:
        return Partner(
            id=row["id"],
            name=row.get("name") or "",
            email=_text(row.get("email")),
            phone=_text(row.get("phone")),
            is_company=bool(row.get("is_company")),
            company=_ref(row.get("parent_id")),
            url=self._url(inst, "res.partner", row["id"]),
        )

    def _lead(self, inst: _Instance, row: dict[str, Any]) -> Lead:
        return Lead(
            id=row["id"],
            name=row.get("name") or "",
            type=row.get("type") or "lead",
            stage=_ref(row.get("stage_id")),
            customer=_ref(row.get("partner_id")),
            contact_name=_text(row.get("contact_name")),
            email=_text(row.get("email_from")),
            phone=_text(row.get("phone")),
            salesperson=_ref(row.get("user_id")),
            expected_revenue=float(row.get("expected_revenue") or 0.0),
            probability=float(row.get("probability") or 0.0),
            url=self._url(inst, "crm.lead", row["id"]),
        )

    def _sale(self, inst: _Instance, row: dict[str, Any]) -> SaleOrder:
        currency = _ref(row.get("currency_id"))
        return SaleOrder(
            id=row["id"],
            name=row.get("name") or "",
            state=row.get("state") or "",
            customer=_ref(row.get("partner_id")),
            salesperson=_ref(row.get("user_id")),
            date_order=_text(row.get("date_order")),
            amount_total=float(row.get("amount_total") or 0.0),
            currency=currency.name if currency else None,
            url=self._url(inst, "sale.order", row["id"]),
        )

    def _product(self, inst: _Instance, row: dict[str, Any]) -> Product:
        return Product(
            id=row["id"],
            name=row.get("display_name") or row.get("name") or "",
            reference=_text(row.get("default_code")),
            list_price=float(row.get("list_price") or 0.0),
            url=self._url(inst, "product.product", row["id"]),
        )

    def _project(self, inst: _Instance, row: dict[str, Any]) -> Project:
        return Project(
            id=row["id"],
            name=row.get("name") or "",
            manager=_ref(row.get("user_id")),
            customer=_ref(row.get("partner_id")),
            task_count=int(row.get("task_count") or 0),
            url=self._url(inst, "project.project", row["id"]),
        )

    def _user(self, inst: _Instance, row: dict[str, Any]) -> User:
        return User(
            id=row["id"],
            name=row.get("name") or "",
            login=row.get("login") or "",
            email=_text(row.get("email")),
        )

    def _task(self, inst: _Instance, row: dict[str, Any]) -> Task:
        return Task(
            id=row["id"],
            name=row.get("name") or "",
            project=_wref(row.get("project_id")),
            stage=_wref(row.get("stage_id")),
            assignees=[r for r in map(_wref, row.get("user_ids") or []) if r],
            deadline=_text(row.get("date_deadline")),
            priority=_text(row.get("priority")),
            url=self._url(inst, "project.task", row["id"]),
        )

    # -- search / fetch ------------------------------------------------------------

    async def search(
        self, query: str, *, instance: str | None = None, per_model: int = 5
    ) -> SearchResults:
        """Records whose name (or email, reference, customer) matches, across models."""
        inst = self.resolve(instance, write=False)
        client = await inst.client()
        found: dict[str, list[SearchResult]] = {}

        async def one(model: _Model) -> None:
            try:
                rows = await client.call(
                    model.name,
                    "search_read",
                    domain=model.search(query),
                    fields=["display_name"],
                    limit=per_model,
                    order="id desc",
                )
            except OdooUnknownModel:
                return  # the module is not installed on this instance
            found[model.name] = [
                SearchResult(
                    id=f"{model.name}:{row['id']}",
                    title=f"{model.label}: {row.get('display_name') or row['id']}",
                    url=self._url(inst, model.name, row["id"]),
                )
                for row in rows
            ]

        async with anyio.create_task_group() as tg:
            for model in SEARCHABLE:
                tg.start_soon(one, model)
        return SearchResults(
            results=[r for m in SEARCHABLE for r in found.get(m.name, [])]
        )

    async def fetch(self, document_id: str, *, instance: str | None = None) -> Document:
        """The full record behind a `search` result id (``model:id``)."""
        model_name, _, raw_id = document_id.partition(":")
        model = MODELS_BY_NAME.get(model_name)
        if model is None or not raw_id.isdigit():
            raise OdooInvalidRequest(
                f"Unknown document id {document_id!r}; use an id returned by search"
            )
        inst = self.resolve(instance, write=False)
        client = await inst.client()
        rows = await client.call(
            model.name,
            "read",
            ids=[int(raw_id)],
            fields=list(dict.fromkeys(["display_name", *model.fields])),
        )
        if not rows:
            # Odoo 19's read() answers [] for ids that do not exist.
            raise OdooRecordMissing(
                f"Record {document_id!r} is missing (deleted, or never existed)"
            )
        row = rows[0]
        title = f"{model.label}: {row.get('display_name') or row.get('name')}"
        lines = [title]
        metadata: dict[str, Any] = {"model": model.name, "record_id": row["id"]}
        for field in model.fields:
            value = row.get(field)
            ref = _ref(value)
            shown = ref.name if ref else value
            if shown in (False, None, "", []):
                continue
            lines.append(f"{field}: {shown}")
            metadata[field] = shown
        return Document(
            id=document_id,
            title=title,
            text="\n".join(lines),
            url=self._url(inst, model.name, row["id"]),
            metadata=metadata,
        )

    # -- listings ------------------------------------------------------------------

    async def list_projects(
        self,
        *,
        name: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        instance: str | None = None,
    ) -> ProjectPage:
        """Projects, optionally filtered by name."""
        inst = self.resolve(instance, write=False)
        domain: Domain = [("name", "ilike", name)] if name else []
        return await self._page(
            ProjectPage,
            inst,
            "project.project",
            domain,
            self._project,
            fields=PROJECT_FIELDS,
            order="name, id",
            offset=offset,
            limit=limit,
        )

    async def list_tasks(
        self,
        *,
        project_id: int | None = None,
        assignee_id: int | None = None,
        stage: str | None = None,
        name: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        instance: str | None = None,
    ) -> TaskPage:
        """Tasks by project, assignee and stage name."""
        inst = self.resolve(instance, write=False)
        domain: Domain = []
        if project_id is not None:
            domain.append(("project_id", "=", project_id))
        if assignee_id is not None:
            domain.append(("user_ids", "in", [assignee_id]))
        if stage:
            domain.append(("stage_id.name", "ilike", stage))
        if name:
            domain.append(("name", "ilike", name))
        return await self._page(
            TaskPage,
            inst,
            "project.task",
            domain,
            self._task,
            specification=TASK_SPEC,
            order="priority desc, id desc",
            offset=offset,
            limit=limit,
        )

    async def list_sales(
        self,
        *,
        state: str | None = None,
        customer: str | None = None,
        customer_id: int | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        offset: int = 0,
        limit: int | None = None,
        instance: str | None = None,
    ) -> SaleOrderPage:
        """Sale orders by state, customer and order date."""
        inst = self.resolve(instance, write=False)
        domain: Domain = []
        if state:
            domain.append(("state", "=", state))
        if customer_id is not None:
            domain.append(("partner_id", "=", customer_id))
        if customer:
            domain.append(("partner_id", "ilike", customer))
        if date_from is not None:
            domain.append(("date_order", ">=", f"{date_from.isoformat()} 00:00:00"))
        if date_to is not None:
            domain.append(("date_order", "<=", f"{date_to.isoformat()} 23:59:59"))
        return await self._page(
            SaleOrderPage,
            inst,
            "sale.order",
            domain,
            self._sale,
            fields=SALE_FIELDS,
            order="date_order desc, id desc",
            offset=offset,
            limit=limit,
        )

    async def list_leads(
        self,
        *,
        type: Literal["lead", "opportunity"] | None = None,
        stage: str | None = None,
        salesperson_id: int | None = None,
        name: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        instance: str | None = None,
    ) -> LeadPage:
        """Leads and opportunities by type, stage name and salesperson."""
        inst = self.resolve(instance, write=False)
        domain: Domain = []
        if type:
            domain.append(("type", "=", type))
        if stage:
            domain.append(("stage_id.name", "ilike", stage))
        if salesperson_id is not None:
            domain.append(("user_id", "=", salesperson_id))
        if name:
            domain.append(("name", "ilike", name))
        return await self._page(
            LeadPage,
            inst,
            "crm.lead",
            domain,
            self._lead,
            fields=LEAD_FIELDS,
            order="id desc",
            offset=offset,
            limit=limit,
        )

    async def list_users(
        self,
        *,
        name: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        instance: str | None = None,
    ) -> UserPage:
        """Internal users (not portal/public)."""
        inst = self.resolve(instance, write=False)
        domain: Domain = [("share", "=", False)]
        if name:
            domain.append(("name", "ilike", name))
        return await self._page(
            UserPage,
            inst,
            "res.users",
            domain,
            self._user,
            fields=USER_FIELDS,
            order="name, id",
            offset=offset,
            limit=limit,
        )

    async def search_contacts(
        self,
        query: str,
        *,
        is_company: bool | None = None,
        offset: int = 0,
        limit: int | None = None,
        instance: str | None = None,
    ) -> PartnerPage:
        """Contacts whose name, email or phone contains `query`."""
        inst = self.resolve(instance, write=False)
        domain: Domain = [
            "|",
            "|",
            ("name", "ilike", query),
            ("email", "ilike", query),
            ("phone", "ilike", query),
        ]
        if is_company is not None:
            domain.append(("is_company", "=", is_company))
        return await self._page(
            PartnerPage,
            inst,
            "res.partner",
            domain,
            self._partner,
            fields=PARTNER_FIELDS,
            order="name, id",
            offset=offset,
            limit=limit,
        )

    async def search_products(
        self,
        query: str,
        *,
        offset: int = 0,
        limit: int | None = None,
        instance: str | None = None,
    ) -> ProductPage:
        """Products whose name or internal reference contains `query`."""
        inst = self.resolve(instance, write=False)
        domain: Domain = [
            "|",
            ("name", "ilike", query),
            ("default_code", "ilike", query),
        ]
        return await self._page(
            ProductPage,
            inst,
            "product.product",
            domain,
            self._product,
            fields=PRODUCT_FIELDS,
            order="name, id",
            offset=offset,
            limit=limit,
        )

    # -- writes ----------------------------------------------------------------------

    async def _save_task(
        self, inst: _Instance, ids: list[int] | None, vals: dict[str, Any]
    ) -> Task:
        client = await inst.client()
        rows = await client.call(
            "project.task", "web_save", ids=ids, vals=vals, specification=TASK_SPEC
        )
        return self._task(inst, rows[0])

    async def create_task(
        self,
        *,
        project_id: int,
        name: str,
        description: str | None = None,
        assignee_ids: list[int] | None = None,
        deadline: date | None = None,
        stage_id: int | None = None,
        instance: str | None = None,
    ) -> Task:
        """Create a task in a project."""
        inst = self.resolve(instance, write=True)
        vals: dict[str, Any] = {"project_id": project_id, "name": name}
        if description:
            vals["description"] = description
        if assignee_ids:
            vals["user_ids"] = [[6, 0, assignee_ids]]
        if deadline is not None:
            vals["date_deadline"] = deadline.isoformat()
        if stage_id is not None:
            vals["stage_id"] = stage_id
        return await self._save_task(inst, None, vals)

    async def update_task(
        self,
        task_id: int,
        *,
        stage_id: int | None = None,
        assignee_ids: list[int] | None = None,
        deadline: date | None = None,
        clear_deadline: bool = False,
        instance: str | None = None,
    ) -> Task:
        """Change a task's stage, assignees or deadline."""
        inst = self.resolve(instance, write=True)
        vals: dict[str, Any] = {}
        if stage_id is not None:
            vals["stage_id"] = stage_id
        if assignee_ids is not None:
            vals["user_ids"] = [[6, 0, assignee_ids]]
        if deadline is not None:
            vals["date_deadline"] = deadline.isoformat()
        elif clear_deadline:
            vals["date_deadline"] = False
        if not vals:
            raise OdooInvalidRequest(
                "Nothing to change: give stage_id, assignee_ids, deadline "
                "or clear_deadline"
            )
        return await self._save_task(inst, [task_id], vals)

    async def create_lead(
        self,
        *,
        name: str,
        contact_name: str | None = None,
        partner_name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        partner_id: int | None = None,
        salesperson_id: int | None = None,
        expected_revenue: float | None = None,
        description: str | None = None,
        type: Literal["lead", "opportunity"] = "lead",
        instance: str | None = None,
    ) -> Lead:
        """Create a lead (or an opportunity)."""
        inst = self.resolve(instance, write=True)
        vals: dict[str, Any] = {"name": name, "type": type}
        optional = {
            "contact_name": contact_name,
            "partner_name": partner_name,
            "email_from": email,
            "phone": phone,
            "partner_id": partner_id,
            "user_id": salesperson_id,
            "expected_revenue": expected_revenue,
            "description": description,
        }
        vals.update({k: v for k, v in optional.items() if v is not None})
        client = await inst.client()
        created = await client.call("crm.lead", "create", vals_list=[vals])
        rows = await client.call("crm.lead", "read", ids=created, fields=LEAD_FIELDS)
        return self._lead(inst, rows[0])

    # -- quotations (through the mcp_quotation addon) -------------------------------

    async def _quotation_client(
        self, instance: str | None, *, write: bool = True
    ) -> OdooClient:
        """The quotations' instance client; the addon's routes need an API key."""
        inst = self.resolve(instance or self.quotation_instance, write=write)
        if inst.config.api_key is None:
            raise BridgeError(
                f"Quotations on instance {inst.name!r} need an API key (the addon's "
                "routes authenticate with Odoo API keys)"
            )
        return await inst.client()

    async def create_quotation(
        self,
        payload: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        instance: str | None = None,
    ) -> QuotationAccepted:
        """Queue a quotation in Odoo through the addon's route."""
        client = await self._quotation_client(instance)
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        body = {k: v for k, v in payload.items() if v is not None}
        body["source"] = "bridge"
        if idempotency_key:
            body["idempotency_key"] = idempotency_key
        answer = await client.route(
            "POST", QUOTATIONS_PATH, body=json.dumps(body).encode(), headers=headers
        )
        if answer.status_code not in (200, 202):
            raise QuotationRejected(answer.status_code, answer.body)
        return QuotationAccepted.model_validate(answer.body)

    async def get_quotation_status(
        self,
        tracking_id: str,
        *,
        wait_seconds: float = 0.0,
        on_progress: ProgressCallback | None = None,
        instance: str | None = None,
    ) -> QuotationStatus:
        """The status document; waits up to `wait_seconds` for a final state."""
        client = await self._quotation_client(instance, write=False)
        wait = max(0.0, min(wait_seconds, self.settings.quotation_wait_seconds))
        deadline = time.monotonic() + wait
        step = 0
        while True:
            answer = await client.route(
                "GET", f"{QUOTATIONS_PATH}/{tracking_id}", body=None, headers={}
            )
            if answer.status_code != 200:
                raise QuotationRejected(answer.status_code, answer.body)
            status = QuotationStatus.model_validate(answer.body)
            if status.status in FINAL_STATES or time.monotonic() >= deadline:
                return status
            step += 1
            if on_progress is not None:
                await on_progress(
                    float(step),
                    None,
                    f"{status.status}: {status.progress or 'waiting'}",
                )
            await anyio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))

    async def proxy(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        idempotency_key: str | None = None,
        instance: str | None = None,
    ) -> AddonResponse:
        """Forward a REST call to the addon's route on the quotation instance."""
        if method == "POST":
            client = await self._quotation_client(instance)
        else:
            inst = self.resolve(instance or self.quotation_instance, write=False)
            client = await inst.client()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return await client.route(method, path, body=body, headers=headers)
