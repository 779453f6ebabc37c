from . import mcp_quotation, voice
