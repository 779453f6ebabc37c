"""The bridge's operations on Odoo; the MCP tools and the REST routes call these."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio

from bridge import records
from bridge.config import ConfigError, OdooInstance, Settings
from bridge.errors import InvalidArguments, ReadOnlyInstance, UnknownInstance
from bridge.odoo import (
    LatencyObserver,
    OdooClient,
    OdooError,
    OdooRecordMissing,
    OdooUnknownModel,
    open_client,
)
from bridge.params import (
    CreateLead,
    CreateTask,
    Fetch,
    ListLeads,
    ListProjects,
    ListSales,
    ListTasks,
    ListUsers,
    PageParams,
    Search,
    SearchContacts,
    SearchProducts,
    UpdateTask,
)
from bridge.records import Domain, Linker, Row, Searchable
from bridge.schemas import (
    Document,
    Lead,
    LeadPage,
    Page,
    PartnerPage,
    ProductPage,
    ProjectPage,
    SaleOrderPage,
    SearchResult,
    SearchResults,
    Task,
    TaskPage,
    UserPage,
)

PageT = TypeVar("PageT", bound=Page[Any])


class Instance:
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
        """The instance's client, connected on first use."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await open_client(
                        self.name, self.config, observe=self._observe
                    )
        return self._client

    async def aclose(self) -> None:
        """Release the client's connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def protocol(self) -> str:
        """The protocol in use (known once the client is open)."""
        return self._client.protocol if self._client else self.config.protocol

    def link(self, model: str, record_id: int) -> str:
        """The record's page in the Odoo UI."""
        base = self.config.ui_url
        if self.protocol == "odoorpc":
            # /web#... works on Odoo 17 and 18; /odoo/<model>/<id> only since 17.2.
            return f"{base}/web#id={record_id}&model={model}&view_type=form"
        return f"{base}/odoo/{model}/{record_id}"


def _no_observer(instance: str, method: str, seconds: float) -> None:
    del instance, method, seconds


class OdooService:
    """Business operations over the configured Odoo instances."""

    def __init__(
        self, settings: Settings, *, observe: LatencyObserver | None = None
    ) -> None:
        self.settings = settings
        self._instances = {
            name: Instance(name, cfg, observe or _no_observer)
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

    def resolve(self, name: str | None, *, write: bool) -> Instance:
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

        async def check(instance: Instance) -> None:
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

    def page_size(self, limit: int | None) -> int:
        """The rows of a page: the caller's `limit` within the configured bounds."""
        if limit is None:
            return self.settings.default_page_size
        return max(1, min(limit, self.settings.max_page_size))

    async def _page(
        self,
        page: type[PageT],
        params: PageParams,
        model: str,
        domain: Domain,
        convert: Callable[[Row, Linker], Any],
        *,
        order: str,
        fields: list[str] | None = None,
        specification: dict[str, Any] | None = None,
    ) -> PageT:
        """One Odoo request for limit+1 rows: the page, and whether more exist.

        With `specification`, web_search_read returns relations with their names;
        count_limit=1 stops it from running a search_count.
        """
        inst = self.resolve(params.instance, write=False)
        size = self.page_size(params.limit)
        offset = max(0, params.offset)
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
        return page.of(
            rows, lambda row: convert(row, inst.link), offset=offset, limit=size
        )

    # -- search / fetch ------------------------------------------------------------

    async def search(self, params: Search, *, per_model: int = 5) -> SearchResults:
        """Records whose name (or email, reference, customer) matches, across models."""
        inst = self.resolve(params.instance, write=False)
        client = await inst.client()
        found: dict[str, list[SearchResult]] = {}

        async def one(model: Searchable) -> None:
            try:
                rows = await client.call(
                    model.name,
                    "search_read",
                    domain=model.search(params.query),
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
                    url=inst.link(model.name, row["id"]),
                )
                for row in rows
            ]

        async with anyio.create_task_group() as tg:
            for model in records.SEARCHABLE:
                tg.start_soon(one, model)
        return SearchResults(
            results=[r for m in records.SEARCHABLE for r in found.get(m.name, [])]
        )

    async def fetch(self, params: Fetch) -> Document:
        """The full record behind a `search` result id (``model:id``)."""
        model_name, _, raw_id = params.id.partition(":")
        model = records.SEARCHABLE_BY_NAME.get(model_name)
        if model is None or not raw_id.isdigit():
            raise InvalidArguments(
                f"Unknown document id {params.id!r}; use an id returned by search"
            )
        inst = self.resolve(params.instance, write=False)
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
                f"Record {params.id!r} is missing (deleted, or never existed)"
            )
        row = rows[0]
        title = f"{model.label}: {row.get('display_name') or row.get('name')}"
        lines = [title]
        metadata: dict[str, Any] = {"model": model.name, "record_id": row["id"]}
        for field in model.fields:
            value = row.get(field)
            ref = records.many2one(value)
            shown = ref.name if ref else value
            if shown in (False, None, "", []):
                continue
            lines.append(f"{field}: {shown}")
            metadata[field] = shown
        return Document(
            id=params.id,
            title=title,
            text="\n".join(lines),
            url=inst.link(model.name, row["id"]),
            metadata=metadata,
        )

    # -- listings ------------------------------------------------------------------

    async def list_projects(self, params: ListProjects) -> ProjectPage:
        """Projects, optionally filtered by name."""
        domain: Domain = [("name", "ilike", params.name)] if params.name else []
        return await self._page(
            ProjectPage,
            params,
            "project.project",
            domain,
            records.project,
            fields=records.PROJECT_FIELDS,
            order="name, id",
        )

    async def list_tasks(self, params: ListTasks) -> TaskPage:
        """Tasks by project, assignee and stage name."""
        domain: Domain = []
        if params.project_id is not None:
            domain.append(("project_id", "=", params.project_id))
        if params.assignee_id is not None:
            domain.append(("user_ids", "in", [params.assignee_id]))
        if params.stage:
            domain.append(("stage_id.name", "ilike", params.stage))
        if params.name:
            domain.append(("name", "ilike", params.name))
        return await self._page(
            TaskPage,
            params,
            "project.task",
            domain,
            records.task,
            specification=records.TASK_SPEC,
            order="priority desc, id desc",
        )

    async def list_sales(self, params: ListSales) -> SaleOrderPage:
        """Sale orders by state, customer and order date."""
        domain: Domain = []
        if params.state:
            domain.append(("state", "=", params.state))
        if params.customer_id is not None:
            domain.append(("partner_id", "=", params.customer_id))
        if params.customer:
            domain.append(("partner_id", "ilike", params.customer))
        if params.date_from is not None:
            start = f"{params.date_from.isoformat()} 00:00:00"
            domain.append(("date_order", ">=", start))
        if params.date_to is not None:
            end = f"{params.date_to.isoformat()} 23:59:59"
            domain.append(("date_order", "<=", end))
        return await self._page(
            SaleOrderPage,
            params,
            "sale.order",
            domain,
            records.sale_order,
            fields=records.SALE_FIELDS,
            order="date_order desc, id desc",
        )

    async def list_leads(self, params: ListLeads) -> LeadPage:
        """Leads and opportunities by type, stage name and salesperson."""
        domain: Domain = []
        if params.type:
            domain.append(("type", "=", params.type))
        if params.stage:
            domain.append(("stage_id.name", "ilike", params.stage))
        if params.salesperson_id is not None:
            domain.append(("user_id", "=", params.salesperson_id))
        if params.name:
            domain.append(("name", "ilike", params.name))
        return await self._page(
            LeadPage,
            params,
            "crm.lead",
            domain,
            records.lead,
            fields=records.LEAD_FIELDS,
            order="id desc",
        )

    async def list_users(self, params: ListUsers) -> UserPage:
        """Internal users (not portal/public)."""
        domain: Domain = [("share", "=", False)]
        if params.name:
            domain.append(("name", "ilike", params.name))
        return await self._page(
            UserPage,
            params,
            "res.users",
            domain,
            records.user,
            fields=records.USER_FIELDS,
            order="name, id",
        )

    async def search_contacts(self, params: SearchContacts) -> PartnerPage:
        """Contacts whose name, email or phone contains `query`."""
        query = params.query
        domain: Domain = [
            "|",
            "|",
            ("name", "ilike", query),
            ("email", "ilike", query),
            ("phone", "ilike", query),
        ]
        if params.is_company is not None:
            domain.append(("is_company", "=", params.is_company))
        return await self._page(
            PartnerPage,
            params,
            "res.partner",
            domain,
            records.partner,
            fields=records.PARTNER_FIELDS,
            order="name, id",
        )

    async def search_products(self, params: SearchProducts) -> ProductPage:
        """Products whose name or internal reference contains `query`."""
        domain: Domain = [
            "|",
            ("name", "ilike", params.query),
            ("default_code", "ilike", params.query),
        ]
        return await self._page(
            ProductPage,
            params,
            "product.product",
            domain,
            records.product,
            fields=records.PRODUCT_FIELDS,
            order="name, id",
        )

    # -- writes ----------------------------------------------------------------------

    async def _save_task(
        self, inst: Instance, ids: list[int] | None, vals: dict[str, Any]
    ) -> Task:
        client = await inst.client()
        rows = await client.call(
            "project.task",
            "web_save",
            ids=ids,
            vals=vals,
            specification=records.TASK_SPEC,
        )
        return records.task(rows[0], inst.link)

    async def create_task(self, params: CreateTask) -> Task:
        """Create a task in a project."""
        inst = self.resolve(params.instance, write=True)
        vals: dict[str, Any] = {"project_id": params.project_id, "name": params.name}
        if params.description:
            vals["description"] = params.description
        if params.assignee_ids:
            vals["user_ids"] = [[6, 0, params.assignee_ids]]
        if params.deadline is not None:
            vals["date_deadline"] = params.deadline.isoformat()
        if params.stage_id is not None:
            vals["stage_id"] = params.stage_id
        return await self._save_task(inst, None, vals)

    async def update_task(self, params: UpdateTask) -> Task:
        """Change a task's stage, assignees or deadline."""
        inst = self.resolve(params.instance, write=True)
        vals: dict[str, Any] = {}
        if params.stage_id is not None:
            vals["stage_id"] = params.stage_id
        if params.assignee_ids is not None:
            vals["user_ids"] = [[6, 0, params.assignee_ids]]
        if params.deadline is not None:
            vals["date_deadline"] = params.deadline.isoformat()
        elif params.clear_deadline:
            vals["date_deadline"] = False
        if not vals:
            raise InvalidArguments(
                "Nothing to change: give stage_id, assignee_ids, deadline "
                "or clear_deadline"
            )
        return await self._save_task(inst, [params.task_id], vals)

    async def create_lead(self, params: CreateLead) -> Lead:
        """Create a lead (or an opportunity)."""
        inst = self.resolve(params.instance, write=True)
        vals: dict[str, Any] = {"name": params.name, "type": params.type}
        optional = {
            "contact_name": params.contact_name,
            "partner_name": params.partner_name,
            "email_from": params.email,
            "phone": params.phone,
            "partner_id": params.partner_id,
            "user_id": params.salesperson_id,
            "expected_revenue": params.expected_revenue,
            "description": params.description,
        }
        vals.update({k: v for k, v in optional.items() if v is not None})
        client = await inst.client()
        created = await client.call("crm.lead", "create", vals_list=[vals])
        rows = await client.call(
            "crm.lead", "read", ids=created, fields=records.LEAD_FIELDS
        )
        return records.lead(rows[0], inst.link)
