# The MCP Odoo bridge: `serve` on port 8000 (MCP at /mcp, REST at /api, docs at /docs).
# The base is pinned to a Python minor version and a Debian release (a bare
# `3.11-slim` moved from bookworm to trixie under its users). To move it, change
# both FROM lines together, then `docker compose build --pull bridge`.
FROM python:3.11-slim-trixie AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bridge ./bridge
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim-trixie
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /var/lib/mcp-odoo-bridge --create-home bridge
USER bridge
WORKDIR /var/lib/mcp-odoo-bridge
# Listening beyond loopback: the bridge refuses to start without
# MCP_ODOO_HTTP__TOKENS. Audit documents (and the S3 spool) live in the volume.
ENV MCP_ODOO_HTTP__HOST=0.0.0.0 \
    MCP_ODOO_HTTP__PORT=8000 \
    MCP_ODOO_AUDIT__DIRECTORY=/var/lib/mcp-odoo-bridge/audit \
    MCP_ODOO_AUDIT__SPOOL_DIRECTORY=/var/lib/mcp-odoo-bridge/spool \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/mcp-odoo-bridge"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
ENTRYPOINT ["mcp-odoo-bridge"]
CMD ["serve"]
