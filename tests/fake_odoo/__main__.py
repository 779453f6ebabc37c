"""Serve the fake by itself, e.g. for the benchmark or the MCP Inspector:

cd tests && python -m fake_odoo 8069   (API key: fake-admin-key-0123456789)
"""

import sys

import uvicorn

from fake_odoo import FakeOdoo

port = int(sys.argv[1])
uvicorn.run(
    FakeOdoo(url=f"http://127.0.0.1:{port}").app(),
    host="127.0.0.1",
    port=port,
    log_level="warning",
)
