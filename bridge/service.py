"""The bridge's operations on Odoo: what the MCP tools do, and the readiness
report of REST's `/ready` (the other REST routes forward to the addon as they
are, through `bridge.addon_client`)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio

from bridge import field_maps
from bridge.addon_client import AddonClient
from bridge.config import Settings
from bridge.errors import (
    AddonNotInstalled,
    BridgeMisconfigured,
    InvalidArguments,
    OdooError,
    OdooRecordMissing,
    OdooUnknownModel,
)
from bridge.field_maps import Domain, Linker, Row, Searchable
from bridge.instances import READS, WRITES, Instance, Instances
from bridge.odoo import LatencyObserver
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


class OdooService:
    """Business operations over the configured Odoo instances."""

    def __init__(
        self, settings: Settings, *, observe: LatencyObserver | None = None
    ) -> None:
        self.settings = settings
        self.instances = Instances(settings, observe=observe)
        self.addon = AddonClient(self.instances)

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
        await self.instances.aclose()

    async def readiness(self) -> dict[str, dict[str, Any]]:
        """Per instance: reachable or not, and its version."""
        report: dict[str, dict[str, Any]] = {}

        async def check(instance: Instance) -> None:
            try:
                client = await instance.client()
                version = await client.version()
            except (OdooError, BridgeMisconfigured) as exc:
                report[instance.name] = {"ok": False, "error": str(exc)}
            else:
                report[instance.name] = {
                    "ok": True,
                    "version": version,
                    "protocol": client.protocol,
                    "read_only": instance.config.read_only,
                }

        async with anyio.create_task_group() as tg:
            for instance in self.instances:
                tg.start_soon(check, instance)
        return report

    # -- helpers ----------------------------------------------------------------

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
        inst = self.instances.choose(params.instance, READS)
        size = self.settings.page_size(params.limit)
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
        inst = self.instances.choose(params.instance, READS)
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
            for model in field_maps.SEARCHABLE:
                tg.start_soon(one, model)
        return SearchResults(
            results=[r for m in field_maps.SEARCHABLE for r in found.get(m.name, [])]
        )

    async def fetch(self, params: Fetch) -> Document:
        """The full record behind a `search` result id (``model:id``)."""
        model_name, _, raw_id = params.id.partition(":")
        model = field_maps.SEARCHABLE_BY_NAME.get(model_name)
        if model is None or not raw_id.isdigit():
            raise InvalidArguments(
                f"Unknown document id {params.id!r}; use an id returned by search"
            )
        inst = self.instances.choose(params.instance, READS)
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
            ref = field_maps.many2one(value)
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
            field_maps.project,
            fields=field_maps.PROJECT_FIELDS,
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
            field_maps.task,
            specification=field_maps.TASK_SPEC,
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
            field_maps.sale_order,
            fields=field_maps.SALE_FIELDS,
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
            field_maps.lead,
            fields=field_maps.LEAD_FIELDS,
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
            field_maps.user,
            fields=field_maps.USER_FIELDS,
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
            field_maps.partner,
            fields=field_maps.PARTNER_FIELDS,
            order="name, id",
        )

    async def search_products(self, params: SearchProducts) -> ProductPage:
        """Products nearest to the query through the addon's spelling-tolerant
        lookup (name, reference, barcode); where the instance lacks the addon
        or has no API key for its routes, those whose name or internal
        reference contains the query."""
        inst = self.instances.choose(params.instance, READS)
        if inst.config.api_key is not None:
            try:
                return await self.addon.lookup_products(inst, params)
            except AddonNotInstalled:
                pass
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
            field_maps.product,
            fields=field_maps.PRODUCT_FIELDS,
            order="name, id",
        )

    # -- writes ----------------------------------------------------------------------

    async def _save_task(
        self, inst: Instance, ids: list[int], vals: dict[str, Any]
    ) -> Task:
        """web_save on `ids`; on none (``[]``), it creates the task. The empty
        list is sent: Odoo 17/18's RPC reads a record method's ids from its
        first argument, present even when empty."""
        client = await inst.client()
        rows = await client.call(
            "project.task",
            "web_save",
            ids=ids,
            vals=vals,
            specification=field_maps.TASK_SPEC,
        )
        return field_maps.task(rows[0], inst.link)

    async def create_task(self, params: CreateTask) -> Task:
        """Create a task in a project."""
        inst = self.instances.choose(params.instance, WRITES)
        vals: dict[str, Any] = {"project_id": params.project_id, "name": params.name}
        if params.description:
            vals["description"] = params.description
        if params.assignee_ids:
            vals["user_ids"] = [[6, 0, params.assignee_ids]]
        if params.deadline is not None:
            vals["date_deadline"] = params.deadline.isoformat()
        if params.stage_id is not None:
            vals["stage_id"] = params.stage_id
        return await self._save_task(inst, [], vals)

    async def update_task(self, params: UpdateTask) -> Task:
        """Change a task's stage, assignees or deadline."""
        inst = self.instances.choose(params.instance, WRITES)
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
        inst = self.instances.choose(params.instance, WRITES)
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
            "crm.lead", "read", ids=created, fields=field_maps.LEAD_FIELDS
        )
        return field_maps.lead(rows[0], inst.link)
