"""Write tools: tasks and leads, refused on read-only instances."""

from __future__ import annotations

from bridge.instances import WRITES
from bridge.params import CreateLead, CreateTask, UpdateTask
from bridge.schemas import Lead, Task
from bridge.tools.registry import CREATE, UPDATE, Toolbox, ToolCall

tools = Toolbox()


@tools.tool(CreateTask, CREATE, "Create a task", use=WRITES)
async def create_task(params: CreateTask, call: ToolCall) -> Task:
    """Create a task in a project. Fails on read-only instances."""
    return await call.service.create_task(params)


@tools.tool(UpdateTask, UPDATE, "Update a task", use=WRITES)
async def update_task(params: UpdateTask, call: ToolCall) -> Task:
    """Move a task to another stage, reassign it or change its deadline.
    Fails on read-only instances."""
    return await call.service.update_task(params)


@tools.tool(CreateLead, CREATE, "Create a lead", use=WRITES)
async def create_lead(params: CreateLead, call: ToolCall) -> Lead:
    """Create a CRM lead (or opportunity). For a priced offer use
    create_quotation instead. Fails on read-only instances."""
    return await call.service.create_lead(params)
