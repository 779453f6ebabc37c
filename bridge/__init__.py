"""MCP and REST bridge between LLM clients, webhooks and Odoo."""

__version__ = "0.1.0"
