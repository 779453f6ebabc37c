"""The MCP tools, one module per kind; `bridge.mcp_server` publishes them."""
