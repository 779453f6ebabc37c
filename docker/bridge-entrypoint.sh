#!/bin/sh
# The compose stack's bridge: its audit documents go to S3 when
# AUDIT_S3_ENDPOINT or AUDIT_S3_ACCESS_KEY_ID is set (the rule of odoo-init.sh
# and scripts/run), else to the folder MCP_ODOO_AUDIT__DIRECTORY (the
# Dockerfile's, in the bridge's volume). Compose passes every AUDIT_S3_* variable,
# empty when unset; the bridge must not see an empty S3 setting.
set -eu
if [ -n "${AUDIT_S3_ENDPOINT:-}${AUDIT_S3_ACCESS_KEY_ID:-}" ]; then
    export MCP_ODOO_AUDIT__S3__BUCKET="${AUDIT_BUCKET:-mcp-odoo-audit}"
    export MCP_ODOO_AUDIT__S3__REGION="${AUDIT_S3_REGION:-us-east-1}"
    # Empty for AWS itself: boto3 then finds the region's endpoint.
    if [ -n "${AUDIT_S3_ENDPOINT:-}" ]; then
        export MCP_ODOO_AUDIT__S3__ENDPOINT_URL="$AUDIT_S3_ENDPOINT"
    fi
    # Without keys boto3 uses the instance role or its own environment.
    if [ -n "${AUDIT_S3_ACCESS_KEY_ID:-}" ]; then
        export MCP_ODOO_AUDIT__S3__ACCESS_KEY_ID="$AUDIT_S3_ACCESS_KEY_ID"
        export MCP_ODOO_AUDIT__S3__SECRET_ACCESS_KEY="${AUDIT_S3_SECRET_ACCESS_KEY:-}"
    fi
fi
exec mcp-odoo-bridge "$@"
