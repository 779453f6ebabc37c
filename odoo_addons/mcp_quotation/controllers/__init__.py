from . import mcp_quotation
