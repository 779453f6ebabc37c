#!/bin/bash
# One-shot set-up of the compose stack's Odoo database, safe to run at every
# `docker compose up`: installs mcp_quotation on the first run only, then
# (every run) points the addon's audit log at MinIO and makes sure the bridge
# has an Odoo API key, written to the shared bridge configuration file.
set -euo pipefail

db_args=(--db_host="$DB_HOST" --db_user="$DB_USER" --db_password="$DB_PASSWORD")
odoo_args=(-d "$ODOO_DB" "${db_args[@]}" --addons-path="${ODOO_ADDONS_PATH:-/mnt/extra-addons}" --no-http)
export PGHOST=$DB_HOST PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD

state=$(psql -d "$ODOO_DB" -tAc \
    "SELECT state FROM ir_module_module WHERE name = 'mcp_quotation'" 2>/dev/null || true)
first_install=
if [ "$state" != "installed" ]; then
    echo "Installing mcp_quotation into database $ODOO_DB"
    odoo "${odoo_args[@]}" -i mcp_quotation --stop-after-init
    first_install=1
fi

# Settings and the bridge's key, from the environment (never echoed).
FIRST_INSTALL=$first_install odoo shell "${odoo_args[@]}" <<'PY'
import os
from pathlib import Path

param = env["ir.config_parameter"].sudo().set_param
param("mcp_quotation.s3_bucket", os.environ["AUDIT_BUCKET"])
param("mcp_quotation.s3_prefix", "mcp-odoo-logs")
param("mcp_quotation.s3_endpoint_url", os.environ["AUDIT_S3_ENDPOINT"])
param("mcp_quotation.s3_region", "us-east-1")
param("mcp_quotation.s3_access_key_id", os.environ["AUDIT_S3_ACCESS_KEY_ID"])
param("mcp_quotation.s3_secret_access_key", os.environ["AUDIT_S3_SECRET_ACCESS_KEY"])

admin = env.ref("base.user_admin")
if os.environ.get("FIRST_INSTALL"):
    # A new database's admin has the password "admin": replace it at once.
    admin.sudo().password = os.environ["ODOO_ADMIN_PASSWORD"]

config = Path(os.environ["BRIDGE_CONFIG_FILE"])
if not config.exists():
    key = env["res.users.apikeys"].with_user(admin).sudo()._generate(
        None, "mcp-odoo bridge", None
    )
    config.write_text(
        "[instances.odoo]\n"
        'url = "http://odoo:8069"\n'
        f'database = "{os.environ["ODOO_DB"]}"\n'
        f'api_key = "{key}"\n'
        'public_url = "http://localhost:8069"\n'
    )
    # Read by the bridge's own user; the volume is shared by these two only.
    config.chmod(0o644)
env.cr.commit()
PY
echo "Odoo database $ODOO_DB is ready"
