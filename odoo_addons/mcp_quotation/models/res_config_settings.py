from odoo import api, fields, models

from ..contract import QUOTATIONS_PATH
from ..lib.elevenlabs import POST_CALL_PATH, TOOLS_EXPORT_PATH, base_url_problem
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
    mcp_quotation_url_warning = fields.Char(
        string="Address Warning", compute="_compute_mcp_quotation_urls"
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
    mcp_quotation_elevenlabs_tools_lang = fields.Selection(
        selection="_mcp_quotation_installed_langs",
        string="Tool Language",
        config_parameter=param_key("elevenlabs_tools_lang"),
        default=DEFAULTS["elevenlabs_tools_lang"],
        help="The language of the tool descriptions the agent reads: the one it "
        "speaks with callers.",
    )

    @api.model
    def _mcp_quotation_installed_langs(self):
        return self.env["res.lang"].get_installed()

    mcp_quotation_rate_limit_per_minute = fields.Integer(
        string="Requests per Minute per API Key User",
        config_parameter=param_key("rate_limit_per_minute"),
        default=DEFAULTS["rate_limit_per_minute"],
        help="New requests above this, from one API key's user in the last minute, "
        "are refused (429) and not stored; replays of an idempotency key are not "
        "counted. 0: no limit.",
    )
    mcp_quotation_max_queue_depth = fields.Integer(
        string="Maximum Waiting Requests",
        config_parameter=param_key("max_queue_depth"),
        default=DEFAULTS["max_queue_depth"],
        help="While this many requests are queued or processing, new ones are "
        "refused (429) and not stored. 0: no limit.",
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
        # web.base.url, the address Odoo gives itself in links and emails:
        # never the host of the current request.
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        warning = self._mcp_quotation_url_warning(base_url)
        for settings in self:
            settings.mcp_quotation_url_warning = warning
            submit_url = f"{base_url}{QUOTATIONS_PATH}"
            settings.mcp_quotation_submit_url = submit_url
            settings.mcp_quotation_status_url = f"{submit_url}/<tracking_id>"
            settings.mcp_quotation_post_call_url = f"{base_url}{POST_CALL_PATH}"

    def _mcp_quotation_url_warning(self, base_url):
        """What is wrong with ``base_url`` for callers on the internet, or False."""
        problem = base_url_problem(base_url)
        if not problem:
            return False
        reason = {
            "private": self.env._(
                "%(url)s is not reachable from the internet", url=base_url
            ),
            "http": self.env._("%(url)s is not HTTPS", url=base_url),
        }[problem]
        return self.env._(
            "%(reason)s: ElevenLabs and other outside callers cannot use these "
            "addresses. Set the system parameter web.base.url to this database's "
            "public HTTPS address, and web.base.url.freeze to True so that an "
            "administrator's next login does not replace it.",
            reason=reason,
        )

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
