from . import mcp_quotation, products, voice
