# The official Odoo 19 image plus boto3, which mcp_quotation needs only to
# ship its audit documents to S3/MinIO (it imports it lazily otherwise).
FROM odoo:19.0
USER root
RUN pip3 install --no-cache-dir --break-system-packages "boto3>=1.34,<2" \
    # odoo-init writes the bridge's configuration here (a shared volume).
    && mkdir -p /var/lib/mcp-odoo-shared \
    && chown odoo /var/lib/mcp-odoo-shared
USER odoo
