"""The MCP server: thin tool functions over `OdooService`, audited one by one."""

import uuid
from collections.abc import Awaitable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field

import bridge
from bridge.audit import AuditLog, Caller, current_caller
from bridge.odoo import OdooError
from bridge.service import (
    BridgeError,
    Document,
    Lead,
    LeadPage,
    OdooService,
    PartnerPage,
    ProductPage,
    ProjectPage,
    QuotationAccepted,
    QuotationLine,
    QuotationStatus,
    SaleOrderPage,
    SearchResults,
    Task,
    TaskPage,
    UserPage,
)

T = TypeVar("T")

READ = ToolAnnotations(
    read_only_hint=True,
    destructive_hint=False,
    idempotent_hint=True,
    open_world_hint=False,
)
CREATE = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=False,
    idempotent_hint=False,
    open_world_hint=False,
)
UPDATE = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=True,
    idempotent_hint=True,
    open_world_hint=False,
)
QUOTE = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=False,
    idempotent_hint=True,
    open_world_hint=False,
)
# Tools whose default instance is the writable one (quotations live there).
WRITE_INSTANCE_TOOLS = frozenset(
    {
        "create_task",
        "update_task",
        "create_lead",
        "create_quotation",
        "get_quotation_status",
    }
)

INSTRUCTIONS = """\
Work with an Odoo ERP: find contacts, products, leads, sale orders, projects and
tasks; create tasks and leads; create quotations and follow them until Odoo has
built the sale order. Listings return one page (default 25 records); when
`has_more` is true call again with `offset=next_offset`. To quote a product,
find its id with search_products first. Quotations are processed in the
background: create_quotation answers at once with a tracking_id, then call
get_quotation_status (optionally with wait_seconds) until the status is
completed, failed or cancelled."""


async def _run(call: Awaitable[T]) -> T:
    """Await a service call; expected failures become the tool's error message."""
    try:
        return await call
    except (OdooError, BridgeError) as exc:
        raise ToolError(str(exc)) from None


def build_server(
    service: OdooService, audit: AuditLog, *, default_client: str = "local"
) -> MCPServer:
    """An MCPServer whose tools call `service` and leave audit documents."""
    settings = service.settings
    names = ", ".join(service.instance_names) or "none configured"
    Instance = Annotated[
        str | None,
        Field(
            description=(
                f"Odoo instance to use ({names}); leave empty for the default "
                "(reads and writes may default to different instances)."
            )
        ),
    ]
    Offset = Annotated[int, Field(ge=0, description="Records to skip (next_offset).")]
    Limit = Annotated[
        int,
        Field(
            ge=1,
            le=settings.max_page_size,
            description=f"Page size, at most {settings.max_page_size}.",
        ),
    ]
    page = settings.default_page_size

    async def audit_tool_calls(
        ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        params = dict(ctx.params or {})
        name = str(params.get("name"))
        arguments = params.get("arguments") or {}
        instance = arguments.get("instance") if isinstance(arguments, dict) else None
        if not instance and service.instance_names:
            instance = settings.instance_for(write=name in WRITE_INSTANCE_TOOLS)
        outer = current_caller.get()
        # An SSE connection carries many calls: the JSON-RPC id tells them apart.
        who = Caller(
            client=outer.client if outer else default_client,
            request_id=(
                f"{outer.request_id}:{ctx.request_id}" if outer else uuid.uuid4().hex
            ),
        )
        async with audit.track(
            kind="mcp_tool",
            name=name,
            instance=instance,
            arguments=arguments,
            who=who,
        ) as rec:
            result = await call_next(ctx)
            if isinstance(result, CallToolResult):
                result = result.model_dump(by_alias=True, exclude_none=True)
            if isinstance(result, dict) and result.get("isError"):
                texts = [
                    str(c.get("text", ""))
                    for c in result.get("content") or []
                    if isinstance(c, dict)
                ]
                rec.fail(" ".join(texts) or "tool error")
            return result

    mcp: MCPServer = MCPServer(
        name="odoo",
        title="Odoo",
        instructions=INSTRUCTIONS,
        version=bridge.__version__,
        middleware=[audit_tool_calls],
        log_level=settings.log_level,
    )

    # -- search / fetch (ChatGPT connectors, deep research) -------------------

    @mcp.tool(annotations=READ, title="Search Odoo")
    async def search(
        query: Annotated[str, Field(min_length=1, description="Words to look for.")],
        instance: Instance = None,
    ) -> SearchResults:
        """Search Odoo contacts, leads/opportunities, sale orders, products, projects
        and tasks by name (and email, reference or customer). Returns ids to pass
        to `fetch` with a title and a link to the record in Odoo."""
        return await _run(service.search(query, instance=instance))

    @mcp.tool(annotations=READ, title="Fetch an Odoo record")
    async def fetch(
        id: Annotated[
            str, Field(description="An id returned by search, e.g. res.partner:7.")
        ],
        instance: Instance = None,
    ) -> Document:
        """Read the full record behind a search result: title, text with its main
        fields, a link to Odoo and the fields as metadata."""
        return await _run(service.fetch(id, instance=instance))

    # -- listings -----------------------------------------------------------

    @mcp.tool(annotations=READ, title="List projects")
    async def list_projects(
        name: Annotated[
            str | None, Field(description="Part of the project name.")
        ] = None,
        offset: Offset = 0,
        limit: Limit = page,
        instance: Instance = None,
    ) -> ProjectPage:
        """List projects (name, manager, customer, number of tasks)."""
        return await _run(
            service.list_projects(
                name=name, offset=offset, limit=limit, instance=instance
            )
        )

    @mcp.tool(annotations=READ, title="List tasks")
    async def list_tasks(
        project_id: Annotated[
            int | None, Field(description="Only this project.")
        ] = None,
        assignee_id: Annotated[
            int | None, Field(description="Only tasks assigned to this user id.")
        ] = None,
        stage: Annotated[
            str | None, Field(description="Stage name (or part of it), e.g. 'Done'.")
        ] = None,
        name: Annotated[
            str | None, Field(description="Part of the task title.")
        ] = None,
        offset: Offset = 0,
        limit: Limit = page,
        instance: Instance = None,
    ) -> TaskPage:
        """List project tasks, filtered by project, assignee and stage. Each task
        shows its stage and assignees with their ids (for update_task)."""
        return await _run(
            service.list_tasks(
                project_id=project_id,
                assignee_id=assignee_id,
                stage=stage,
                name=name,
                offset=offset,
                limit=limit,
                instance=instance,
            )
        )

    @mcp.tool(annotations=READ, title="List sale orders")
    async def list_sales(
        state: Annotated[
            Literal["draft", "sent", "sale", "cancel"] | None,
            Field(description="draft/sent = quotation, sale = confirmed order."),
        ] = None,
        customer: Annotated[
            str | None, Field(description="Part of the customer's name.")
        ] = None,
        customer_id: Annotated[int | None, Field(description="Customer id.")] = None,
        date_from: Annotated[
            date | None, Field(description="Ordered on or after.")
        ] = None,
        date_to: Annotated[
            date | None, Field(description="Ordered on or before.")
        ] = None,
        offset: Offset = 0,
        limit: Limit = page,
        instance: Instance = None,
    ) -> SaleOrderPage:
        """List quotations and sale orders, newest first, by state, customer and
        order date."""
        return await _run(
            service.list_sales(
                state=state,
                customer=customer,
                customer_id=customer_id,
                date_from=date_from,
                date_to=date_to,
                offset=offset,
                limit=limit,
                instance=instance,
            )
        )

    @mcp.tool(annotations=READ, title="List leads and opportunities")
    async def list_leads(
        type: Annotated[
            Literal["lead", "opportunity"] | None,
            Field(description="Leads or opportunities."),
        ] = None,
        stage: Annotated[
            str | None, Field(description="Stage name, e.g. 'Won'.")
        ] = None,
        salesperson_id: Annotated[
            int | None, Field(description="Salesperson's user id.")
        ] = None,
        name: Annotated[
            str | None, Field(description="Part of the lead's title.")
        ] = None,
        offset: Offset = 0,
        limit: Limit = page,
        instance: Instance = None,
    ) -> LeadPage:
        """List CRM leads and opportunities, newest first, by stage and salesperson."""
        return await _run(
            service.list_leads(
                type=type,
                stage=stage,
                salesperson_id=salesperson_id,
                name=name,
                offset=offset,
                limit=limit,
                instance=instance,
            )
        )

    @mcp.tool(annotations=READ, title="List users")
    async def list_users(
        name: Annotated[
            str | None, Field(description="Part of the user's name.")
        ] = None,
        offset: Offset = 0,
        limit: Limit = page,
        instance: Instance = None,
    ) -> UserPage:
        """List internal Odoo users: salespeople and task assignees, with their ids."""
        return await _run(
            service.list_users(name=name, offset=offset, limit=limit, instance=instance)
        )

    @mcp.tool(annotations=READ, title="Search contacts")
    async def search_contacts(
        query: Annotated[
            str, Field(min_length=1, description="Part of a name, email or phone.")
        ],
        is_company: Annotated[
            bool | None, Field(description="True: companies only; false: people only.")
        ] = None,
        offset: Offset = 0,
        limit: Limit = page,
        instance: Instance = None,
    ) -> PartnerPage:
        """Find contacts (people and companies) by name, email or phone."""
        return await _run(
            service.search_contacts(
                query,
                is_company=is_company,
                offset=offset,
                limit=limit,
                instance=instance,
            )
        )

    @mcp.tool(annotations=READ, title="Search products")
    async def search_products(
        query: Annotated[
            str,
            Field(min_length=1, description="Part of the product name or reference."),
        ],
        offset: Offset = 0,
        limit: Limit = page,
        instance: Instance = None,
    ) -> ProductPage:
        """Find products by name or internal reference, e.g. 'Robot PUDU' -> id,
        name, reference and list price. Use the id as product_id in
        create_quotation."""
        return await _run(
            service.search_products(
                query, offset=offset, limit=limit, instance=instance
            )
        )

    # -- writes ---------------------------------------------------------------

    @mcp.tool(annotations=CREATE, title="Create a task")
    async def create_task(
        project_id: Annotated[
            int, Field(description="Project id (see list_projects).")
        ],
        name: Annotated[str, Field(min_length=1, description="Task title.")],
        description: Annotated[
            str | None, Field(description="Task description.")
        ] = None,
        assignee_ids: Annotated[
            list[int] | None, Field(description="User ids to assign (see list_users).")
        ] = None,
        deadline: Annotated[
            date | None, Field(description="Deadline (YYYY-MM-DD).")
        ] = None,
        stage_id: Annotated[int | None, Field(description="Stage id.")] = None,
        instance: Instance = None,
    ) -> Task:
        """Create a task in a project. Fails on read-only instances."""
        return await _run(
            service.create_task(
                project_id=project_id,
                name=name,
                description=description,
                assignee_ids=assignee_ids,
                deadline=deadline,
                stage_id=stage_id,
                instance=instance,
            )
        )

    @mcp.tool(annotations=UPDATE, title="Update a task")
    async def update_task(
        task_id: Annotated[int, Field(description="Task id (see list_tasks).")],
        stage_id: Annotated[
            int | None, Field(description="New stage id (stages appear in list_tasks).")
        ] = None,
        assignee_ids: Annotated[
            list[int] | None,
            Field(description="Replace the assignees with these user ids ([] = none)."),
        ] = None,
        deadline: Annotated[date | None, Field(description="New deadline.")] = None,
        clear_deadline: Annotated[
            bool, Field(description="Remove the deadline.")
        ] = False,
        instance: Instance = None,
    ) -> Task:
        """Move a task to another stage, reassign it or change its deadline.
        Fails on read-only instances."""
        return await _run(
            service.update_task(
                task_id,
                stage_id=stage_id,
                assignee_ids=assignee_ids,
                deadline=deadline,
                clear_deadline=clear_deadline,
                instance=instance,
            )
        )

    @mcp.tool(annotations=CREATE, title="Create a lead")
    async def create_lead(
        name: Annotated[str, Field(min_length=1, description="Lead title.")],
        contact_name: Annotated[
            str | None, Field(description="Contact person.")
        ] = None,
        partner_name: Annotated[str | None, Field(description="Company name.")] = None,
        email: Annotated[str | None, Field(description="Contact email.")] = None,
        phone: Annotated[str | None, Field(description="Contact phone.")] = None,
        partner_id: Annotated[
            int | None, Field(description="Existing contact id.")
        ] = None,
        salesperson_id: Annotated[
            int | None, Field(description="Salesperson user id.")
        ] = None,
        expected_revenue: Annotated[float | None, Field(ge=0)] = None,
        description: Annotated[str | None, Field(description="Notes.")] = None,
        type: Literal["lead", "opportunity"] = "lead",
        instance: Instance = None,
    ) -> Lead:
        """Create a CRM lead (or opportunity). For a priced offer use
        create_quotation instead. Fails on read-only instances."""
        return await _run(
            service.create_lead(
                name=name,
                contact_name=contact_name,
                partner_name=partner_name,
                email=email,
                phone=phone,
                partner_id=partner_id,
                salesperson_id=salesperson_id,
                expected_revenue=expected_revenue,
                description=description,
                type=type,
                instance=instance,
            )
        )

    # -- quotations -------------------------------------------------------------

    @mcp.tool(annotations=QUOTE, title="Create a quotation")
    async def create_quotation(
        partner_name: Annotated[
            str, Field(min_length=1, description="Customer company.")
        ],
        email: Annotated[
            str, Field(min_length=3, description="Customer contact email.")
        ],
        idempotency_key: Annotated[
            str,
            Field(
                min_length=8,
                max_length=128,
                description=(
                    "A unique key for this quotation (e.g. a UUID); reuse the same "
                    "key when retrying so the quotation is created only once."
                ),
            ),
        ],
        contact_name: Annotated[
            str | None, Field(description="Contact person.")
        ] = None,
        phone: Annotated[str | None, Field(description="Contact phone.")] = None,
        lead_name: Annotated[
            str | None, Field(description="Title of the deal.")
        ] = None,
        notes: Annotated[
            str | None, Field(description="Notes for the sales team.")
        ] = None,
        product_id: Annotated[
            int | None, Field(description="Product id from search_products.")
        ] = None,
        product_ref: Annotated[
            str | None, Field(description="Internal reference or exact product name.")
        ] = None,
        product_qty: Annotated[float, Field(gt=0, description="Quantity.")] = 1.0,
        product_price: Annotated[
            float | None, Field(description="Unit price; omit to use Odoo's price.")
        ] = None,
        lines: Annotated[
            list[QuotationLine] | None,
            Field(description="Several products; replaces product_id/product_ref."),
        ] = None,
        user_id: Annotated[
            int | None, Field(description="Salesperson user id; omit to auto-assign.")
        ] = None,
        team_id: Annotated[int | None, Field(description="Sales team id.")] = None,
        source_ref: Annotated[
            str | None, Field(description="Your reference, e.g. the conversation id.")
        ] = None,
        instance: Instance = None,
    ) -> QuotationAccepted:
        """Ask Odoo to build a quotation: it finds or creates the customer, a lead,
        an opportunity and the sale order with the product lines. Answers at once
        with a tracking_id; follow it with get_quotation_status. Give one product
        (product_id or product_ref) or several `lines`."""
        payload: dict[str, Any] = {
            "partner_name": partner_name,
            "contact_name": contact_name,
            "email": email,
            "phone": phone,
            "lead_name": lead_name,
            "notes": notes,
            "user_id": user_id,
            "team_id": team_id,
            "source_ref": source_ref,
        }
        if lines:
            payload["lines"] = [line.model_dump(exclude_none=True) for line in lines]
        else:
            payload.update(
                product_id=product_id,
                product_ref=product_ref,
                product_qty=product_qty,
                product_price=product_price,
            )
        return await _run(
            service.create_quotation(
                payload, idempotency_key=idempotency_key, instance=instance
            )
        )

    @mcp.tool(annotations=READ, title="Quotation status")
    async def get_quotation_status(
        tracking_id: Annotated[
            str, Field(min_length=1, description="tracking_id from create_quotation.")
        ],
        ctx: Context,
        wait_seconds: Annotated[
            float,
            Field(
                ge=0,
                le=settings.quotation_wait_seconds,
                description=(
                    "Wait up to this many seconds for the quotation to finish "
                    "(progress is reported meanwhile); 0 answers at once."
                ),
            ),
        ] = 0.0,
        instance: Instance = None,
    ) -> QuotationStatus:
        """Status of a quotation request: queued, processing, completed (with the
        sale order's name, amount and links), failed (with the error) or
        cancelled."""

        async def progress(done: float, total: float | None, message: str) -> None:
            await ctx.report_progress(done, total, message)

        return await _run(
            service.get_quotation_status(
                tracking_id,
                wait_seconds=wait_seconds,
                on_progress=progress,
                instance=instance,
            )
        )

    @mcp.prompt(title="Prepare a quotation")
    def quotation_assistant(
        customer: Annotated[str, Field(description="Customer, if already known.")] = "",
        product: Annotated[str, Field(description="Product, if already known.")] = "",
    ) -> str:
        """Guide an assistant through collecting and creating a quotation in Odoo."""
        known = []
        if customer:
            known.append(f"The customer is {customer}.")
        if product:
            known.append(f"The product is {product}.")
        return QUOTATION_PROMPT.format(known=" ".join(known) or "Nothing is known yet.")

    return mcp


QUOTATION_PROMPT = """\
You are preparing a sales quotation in Odoo. {known}

1. Collect, one question at a time and only what is missing: the customer's
   company name (required), the contact person's name, their email (required),
   phone, and which products with what quantities. Ask whether a special unit
   price was agreed; otherwise Odoo's price is used.
2. For every product, call search_products with the name or reference the user
   gave. If several match, show the names, references and list prices and ask
   which one; if none match, try a shorter word. Use the product's id.
3. If the customer may already exist, call search_contacts with the company
   name or the email and confirm with the user.
4. Read the quotation back to the user (customer, contact, email, products,
   quantities, prices) and ask for confirmation.
5. Call create_quotation once, with a new idempotency_key (e.g. a UUID); if the
   call fails because of the network, retry with the same key.
6. Call get_quotation_status with the tracking_id and wait_seconds=30 until the
   status is completed, failed or cancelled. On completion give the user the
   sale order's name, total and link; on failure explain the error and offer to
   correct the data and try again.
"""
