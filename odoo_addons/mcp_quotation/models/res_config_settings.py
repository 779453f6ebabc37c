from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mcp_quotation_team_id = fields.Many2one(
        related="company_id.mcp_quotation_team_id", readonly=False
    )
    mcp_quotation_batch_size = fields.Integer(
        string="Batch Size",
        config_parameter="mcp_quotation.batch_size",
        default=20,
        help="Requests one cron run locks and processes before committing progress.",
    )
    mcp_quotation_max_attempts = fields.Integer(
        string="Attempts",
        config_parameter="mcp_quotation.max_attempts",
        default=3,
        help="How often a request is tried when the database is busy before it fails.",
    )
    mcp_quotation_retry_delay_seconds = fields.Integer(
        string="First Retry Delay (s)",
        config_parameter="mcp_quotation.retry_delay_seconds",
        default=30,
        help="Doubled after each further attempt.",
    )
    mcp_quotation_stuck_timeout_minutes = fields.Integer(
        string="Stuck Timeout (min)",
        config_parameter="mcp_quotation.stuck_timeout_minutes",
        default=10,
        help="A request in Processing for longer, with no live worker, is requeued.",
    )
    mcp_quotation_s3_bucket = fields.Char(
        string="S3 Bucket",
        config_parameter="mcp_quotation.s3_bucket",
        help="Empty: audit documents are written to the local folder below.",
    )
    mcp_quotation_s3_prefix = fields.Char(
        string="Key Prefix",
        config_parameter="mcp_quotation.s3_prefix",
        default="mcp-odoo-logs",
    )
    mcp_quotation_s3_region = fields.Char(
        string="S3 Region", config_parameter="mcp_quotation.s3_region"
    )
    mcp_quotation_s3_endpoint_url = fields.Char(
        string="S3 Endpoint URL",
        config_parameter="mcp_quotation.s3_endpoint_url",
        help="For MinIO or another S3-compatible server; empty for AWS.",
    )
    mcp_quotation_s3_access_key_id = fields.Char(
        string="Access Key ID",
        config_parameter="mcp_quotation.s3_access_key_id",
        help="Empty: the instance role or the environment's credentials are used.",
    )
    mcp_quotation_s3_secret_access_key = fields.Char(
        string="Secret Access Key",
        config_parameter="mcp_quotation.s3_secret_access_key",
    )
    mcp_quotation_log_folder = fields.Char(
        string="Local Log Folder",
        config_parameter="mcp_quotation.log_folder",
        help="Used when no bucket is set. Empty: a folder in Odoo's data directory.",
    )
