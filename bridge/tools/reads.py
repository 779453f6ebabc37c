"""Read tools: search/fetch (ChatGPT connectors, deep research) and listings."""

from __future__ import annotations

from bridge.params import (
    Fetch,
    ListLeads,
    ListProjects,
    ListSales,
    ListTasks,
    ListUsers,
    Search,
    SearchContacts,
    SearchProducts,
)
from bridge.schemas import (
    Document,
    LeadPage,
    PartnerPage,
    ProductPage,
    ProjectPage,
    SaleOrderPage,
    SearchResults,
    TaskPage,
    UserPage,
)
from bridge.tools.registry import READ, Toolbox, ToolCall

tools = Toolbox()


@tools.tool(Search, READ, "Search Odoo")
async def search(params: Search, call: ToolCall) -> SearchResults:
    """Search Odoo contacts, leads/opportunities, sale orders, products, projects
    and tasks by name (and email, reference or customer). Returns ids to pass
    to `fetch` with a title and a link to the record in Odoo."""
    return await call.service.search(params)


@tools.tool(Fetch, READ, "Fetch an Odoo record")
async def fetch(params: Fetch, call: ToolCall) -> Document:
    """Read the full record behind a search result: title, text with its main
    fields, a link to Odoo and the fields as metadata."""
    return await call.service.fetch(params)


@tools.tool(ListProjects, READ, "List projects")
async def list_projects(params: ListProjects, call: ToolCall) -> ProjectPage:
    """List projects (name, manager, customer, number of tasks)."""
    return await call.service.list_projects(params)


@tools.tool(ListTasks, READ, "List tasks")
async def list_tasks(params: ListTasks, call: ToolCall) -> TaskPage:
    """List project tasks, filtered by project, assignee and stage. Each task
    shows its stage and assignees with their ids (for update_task)."""
    return await call.service.list_tasks(params)


@tools.tool(ListSales, READ, "List sale orders")
async def list_sales(params: ListSales, call: ToolCall) -> SaleOrderPage:
    """List quotations and sale orders, newest first, by state, customer and
    order date."""
    return await call.service.list_sales(params)


@tools.tool(ListLeads, READ, "List leads and opportunities")
async def list_leads(params: ListLeads, call: ToolCall) -> LeadPage:
    """List CRM leads and opportunities, newest first, by stage and salesperson."""
    return await call.service.list_leads(params)


@tools.tool(ListUsers, READ, "List users")
async def list_users(params: ListUsers, call: ToolCall) -> UserPage:
    """List internal Odoo users: salespeople and task assignees, with their ids."""
    return await call.service.list_users(params)


@tools.tool(SearchContacts, READ, "Search contacts")
async def search_contacts(params: SearchContacts, call: ToolCall) -> PartnerPage:
    """Find contacts (people and companies) by name, email or phone."""
    return await call.service.search_contacts(params)


@tools.tool(SearchProducts, READ, "Search products")
async def search_products(params: SearchProducts, call: ToolCall) -> ProductPage:
    """Find products by name, internal reference or barcode, as a person says
    or misspells them ('dsk combinaton' finds 'Desk Combination'): the best
    matches first, each with id, name, reference, list price, currency and
    unit. Where Odoo lacks the mcp_quotation addon: by name or reference only,
    spelled right. Use the id as product_id in create_quotation."""
    return await call.service.search_products(params)
