#!/bin/bash
# One-shot set-up of the Odoo database, safe to run at every start; used by
# the compose stack's `odoo-init` service and by scripts/run. Installs
# mcp_quotation on the first run only (with demo data when ODOO_DEMO=1),
# upgrades it when its source changed since the last run, then (every run)
# points the addon's audit log at S3 when AUDIT_S3_ENDPOINT or
# AUDIT_S3_ACCESS_KEY_ID is set, else at its local folder, and makes sure the
# bridge has an Odoo API key, written to BRIDGE_CONFIG_FILE.
set -euo pipefail

odoo=${ODOO_COMMAND:-odoo}
db_args=()
[ -n "${DB_HOST:-}" ] && db_args+=(--db_host="$DB_HOST") && export PGHOST=$DB_HOST
[ -n "${DB_PORT:-}" ] && db_args+=(--db_port="$DB_PORT") && export PGPORT=$DB_PORT
[ -n "${DB_USER:-}" ] && db_args+=(--db_user="$DB_USER") && export PGUSER=$DB_USER
[ -n "${DB_PASSWORD:-}" ] && db_args+=(--db_password="$DB_PASSWORD") \
    && export PGPASSWORD=$DB_PASSWORD
addons=${ODOO_ADDONS_PATH:-/mnt/extra-addons}
odoo_args=(-d "$ODOO_DB" "${db_args[@]}" --addons-path="$addons")
[ -n "${ODOO_DATA_DIR:-}" ] && odoo_args+=(--data-dir="$ODOO_DATA_DIR")

# The manifest's version does not move with every change of the code, so the
# source's checksum tells when the database's schema must follow it.
ADDON_CHECKSUM=$(cd "$addons" && find mcp_quotation -type f ! -name '*.pyc' -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
export ADDON_CHECKSUM
query() { psql -d "$ODOO_DB" -tAc "$1" 2>/dev/null || true; }
state=$(query "SELECT state FROM ir_module_module WHERE name = 'mcp_quotation'")
first_install=
if [ "$state" != "installed" ]; then
    echo "Installing mcp_quotation into database $ODOO_DB"
    # Demo data: 19.0 loads it only with --with-demo; 18.0 loads it unless
    # --without-demo, and has no --with-demo.
    series=$("$odoo" --version)  # "Odoo Server 19.0"
    series=${series##* }
    demo=()
    if [ "${series%%.*}" -ge 19 ]; then
        [ "${ODOO_DEMO:-0}" = 1 ] && demo=(--with-demo)
    else
        [ "${ODOO_DEMO:-0}" = 1 ] || demo=(--without-demo=all)
    fi
    "$odoo" "${odoo_args[@]}" --no-http -i mcp_quotation "${demo[@]}" --stop-after-init \
        --log-level=warn
    first_install=1
elif [ "$(query "SELECT value FROM ir_config_parameter
        WHERE key = 'mcp_quotation.installed_checksum'")" != "$ADDON_CHECKSUM" ]; then
    echo "Upgrading mcp_quotation in database $ODOO_DB (its source changed)"
    "$odoo" "${odoo_args[@]}" --no-http -u mcp_quotation --stop-after-init --log-level=warn
fi

# Settings and the bridge's key, from the environment (never echoed).
FIRST_INSTALL=$first_install "$odoo" shell "${odoo_args[@]}" --no-http --log-level=warn <<'PY'
import os
from pathlib import Path

from odoo.release import version_info

env_get = os.environ.get
param = env["ir.config_parameter"].sudo().set_param
use_s3 = bool(env_get("AUDIT_S3_ENDPOINT") or env_get("AUDIT_S3_ACCESS_KEY_ID"))
param("mcp_quotation.s3_bucket", env_get("AUDIT_BUCKET", "") if use_s3 else "")
param("mcp_quotation.installed_checksum", os.environ["ADDON_CHECKSUM"])
param("mcp_quotation.s3_prefix", "mcp-odoo-logs")
param("mcp_quotation.s3_endpoint_url", env_get("AUDIT_S3_ENDPOINT", ""))
param("mcp_quotation.s3_region", env_get("AUDIT_S3_REGION", "us-east-1"))
param("mcp_quotation.s3_access_key_id", env_get("AUDIT_S3_ACCESS_KEY_ID", ""))
param("mcp_quotation.s3_secret_access_key", env_get("AUDIT_S3_SECRET_ACCESS_KEY", ""))

admin = env.ref("base.user_admin")
if env_get("FIRST_INSTALL"):
    # A new database's admin has the password "admin": replace it at once.
    admin.sudo().password = os.environ["ODOO_ADMIN_PASSWORD"]

config = Path(os.environ["BRIDGE_CONFIG_FILE"])
if not config.exists():
    key = env["res.users.apikeys"].with_user(admin).sudo()._generate(
        None, "mcp-odoo bridge", None
    )
    config.write_text(
        "[instances.odoo]\n"
        f'url = "{env_get("BRIDGE_ODOO_URL", "http://odoo:8069")}"\n'
        f'database = "{os.environ["ODOO_DB"]}"\n'
        f'api_key = "{key}"\n'
        # Named, so no detection round trip before the first call: JSON-2 from
        # Odoo 19 on, JSON-RPC (odoorpc) on 18.
        f'protocol = "{"json2" if version_info[0] >= 19 else "odoorpc"}"\n'
        f'public_url = "{env_get("ODOO_PUBLIC_URL", "http://localhost:8069")}"\n'
    )
    # Compose: read by the bridge's own user on a volume only these two share.
    # scripts/run: BRIDGE_CONFIG_MODE=600, the file stays its owner's.
    config.chmod(int(env_get("BRIDGE_CONFIG_MODE", "644"), 8))
env.cr.commit()
PY
echo "Odoo database $ODOO_DB is ready"
