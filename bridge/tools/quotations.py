"""Quotation tools and prompt: through the mcp_quotation addon's routes, on the
instance that holds the quotations (the writable one)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from bridge.instances import QUOTATION_READS, WRITES
from bridge.params import CreateQuotation, GetQuotationStatus
from bridge.schemas import QuotationAccepted, QuotationStatus
from bridge.tools.registry import QUOTE, READ, Toolbox, ToolCall

tools = Toolbox()


@tools.tool(CreateQuotation, QUOTE, "Create a quotation", use=WRITES)
async def create_quotation(
    params: CreateQuotation, call: ToolCall
) -> QuotationAccepted:
    """Ask Odoo to build a quotation: it finds or creates the customer, a lead,
    an opportunity and the sale order with the product lines. Answers at once
    with a tracking_id; follow it with get_quotation_status. Give one product
    (product_id or product_ref) or several `lines`."""
    return await call.service.addon.create(params)


@tools.tool(GetQuotationStatus, READ, "Quotation status", use=QUOTATION_READS)
async def get_quotation_status(
    params: GetQuotationStatus, call: ToolCall
) -> QuotationStatus:
    """Status of a quotation request: queued, processing, completed (with the
    sale order's name, amount and links), failed (with the error) or
    cancelled."""
    return await call.service.addon.status(params, on_progress=call.ctx.report_progress)


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


def add_prompts(mcp: MCPServer) -> None:
    """Register the quotation prompt."""
    mcp.prompt(title="Prepare a quotation")(quotation_assistant)


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
