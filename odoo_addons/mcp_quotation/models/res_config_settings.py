from odoo import api, fields, models

from ..contract import QUOTATIONS_PATH
from ..lib.elevenlabs import POST_CALL_PATH, TOOLS_EXPORT_PATH
from ..lib.settings import DEFAULTS, param_key


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    mcp_quotation_team_id = fields.Many2one(
        related="company_id.mcp_quotation_team_id", readonly=False
    )
    mcp_quotation_submit_url = fields.Char(
        string="Submit URL", compute="_compute_mcp_quotation_urls"
    )
    mcp_quotation_status_url = fields.Char(
        string="Status URL", compute="_compute_mcp_quotation_urls"
    )
    mcp_quotation_post_call_url = fields.Char(
        string="Post-call Webhook URL", compute="_compute_mcp_quotation_urls"
    )
    mcp_quotation_batch_size = fields.Integer(
        string="Batch Size",
        config_parameter=param_key("batch_size"),
        default=DEFAULTS["batch_size"],
        help="Requests one cron run locks and processes before committing progress.",
    )
    mcp_quotation_max_attempts = fields.Integer(
        string="Attempts",
        config_parameter=param_key("max_attempts"),
        default=DEFAULTS["max_attempts"],
        help="How often a request is tried when the database is busy before it fails.",
    )
    mcp_quotation_retry_delay_seconds = fields.Integer(
        string="First Retry Delay (s)",
        config_parameter=param_key("retry_delay_seconds"),
        default=DEFAULTS["retry_delay_seconds"],
        help="Doubled after each further attempt.",
    )
    mcp_quotation_s3_bucket = fields.Char(
        string="S3 Bucket",
        config_parameter=param_key("s3_bucket"),
        help="Empty: audit documents are written to the local folder below.",
    )
    mcp_quotation_s3_prefix = fields.Char(
        string="Key Prefix",
        config_parameter=param_key("s3_prefix"),
        default=DEFAULTS["s3_prefix"],
    )
    mcp_quotation_s3_region = fields.Char(
        string="S3 Region", config_parameter=param_key("s3_region")
    )
    mcp_quotation_s3_endpoint_url = fields.Char(
        string="S3 Endpoint URL",
        config_parameter=param_key("s3_endpoint_url"),
        help="For MinIO or another S3-compatible server; empty for AWS.",
    )
    mcp_quotation_s3_access_key_id = fields.Char(
        string="Access Key ID",
        config_parameter=param_key("s3_access_key_id"),
        help="Empty: the instance role or the environment's credentials are used.",
    )
    mcp_quotation_s3_secret_access_key = fields.Char(
        string="Secret Access Key",
        config_parameter=param_key("s3_secret_access_key"),
    )
    mcp_quotation_log_folder = fields.Char(
        string="Local Log Folder",
        config_parameter=param_key("log_folder"),
        help="Used when no bucket is set. Empty: a folder in Odoo's data directory.",
    )
    mcp_quotation_elevenlabs_webhook_secret = fields.Char(
        string="Post-call Webhook Secret",
        config_parameter=param_key("elevenlabs_webhook_secret"),
        help="The HMAC secret ElevenLabs shows when the post-call webhook is "
        "created; events not signed with it are refused.",
    )
    mcp_quotation_call_lead_for_unmatched = fields.Boolean(
        string="Calls Without a Quotation Become Leads",
        config_parameter=param_key("call_lead_for_unmatched"),
        help="A call that created no quotation request becomes a lead with its "
        "transcript.",
    )
    mcp_quotation_parallel_workers = fields.Integer(
        string="Parallel Workers",
        config_parameter=param_key("parallel_workers"),
        default=DEFAULTS["parallel_workers"],
        help="Requests processed at the same time, each by a cron thread of an "
        "Odoo server on this database. 0: as many as the cron threads of the "
        "server that runs the queue; with several servers, set their total.",
    )

    @api.depends("company_id")
    def _compute_mcp_quotation_urls(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for settings in self:
            submit_url = f"{base_url}{QUOTATIONS_PATH}"
            settings.mcp_quotation_submit_url = submit_url
            settings.mcp_quotation_status_url = f"{submit_url}/<tracking_id>"
            settings.mcp_quotation_post_call_url = f"{base_url}{POST_CALL_PATH}"

    def action_download_elevenlabs_tools(self):
        """Download the voice agent's server tools for ElevenLabs."""
        return {
            "type": "ir.actions.act_url",
            "url": TOOLS_EXPORT_PATH,
            "target": "download",
        }

    def set_values(self):
        result = super().set_values()
        self.env["quotation.request"]._sync_lanes()
        return result
