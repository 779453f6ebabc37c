# The official Odoo image plus boto3, which mcp_quotation needs only to ship
# its audit documents to S3 (it imports it lazily otherwise).
# ODOO_VERSION is the image's series tag: 19.0 (default) or 18.0, which needs
# the addon's 18.0 port. The series tag follows the series' fixes; pull again
# (`docker compose build --pull`) to take them.
ARG ODOO_VERSION=19.0
FROM odoo:${ODOO_VERSION}
USER root
RUN pip3 install --no-cache-dir --break-system-packages "boto3>=1.34,<2" \
    # odoo-init writes the bridge's configuration here (a shared volume).
    && mkdir -p /var/lib/mcp-odoo-shared \
    && chown odoo /var/lib/mcp-odoo-shared
USER odoo
