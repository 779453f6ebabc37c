"""The ElevenLabs voice agent's routes: its post-call webhook, its tools' export."""

import json

from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

from ..contract import translated
from ..lib.elevenlabs import (
    MAX_EVENT_BYTES,
    POST_CALL_PATH,
    SIGNATURE_HEADER,
    TOOLS_EXPORT_PATH,
    tool_definitions,
)
from ..lib.settings import read_setting
from .mcp_quotation import read_body, require_method


class VoiceController(http.Controller):
    @http.route(
        POST_CALL_PATH,
        type="http",
        auth="public",
        csrf=False,
        save_session=False,
    )
    def elevenlabs_post_call(self):
        """Store a signed ElevenLabs post-call event; the cron attaches it."""
        require_method("POST")
        body = read_body(request.httprequest, MAX_EVENT_BYTES)
        try:
            answer = request.env["quotation.call.event"].receive_post_call(
                body, request.httprequest.headers.get(SIGNATURE_HEADER)
            )
        except ValueError as error:
            raise BadRequest(str(error)) from error
        return request.make_json_response(answer)

    @http.route(TOOLS_EXPORT_PATH, type="http", auth="user", readonly=True)
    def elevenlabs_tools(self):
        """The agent's server tools for ElevenLabs, as a JSON download."""
        if not request.env.user.has_group("mcp_quotation.mcp_quotation_group_manager"):
            raise AccessError(
                request.env._(
                    "Only Quotation Requests administrators may export the tools."
                )
            )
        base_url = request.env["ir.config_parameter"].sudo().get_param("web.base.url")
        # The descriptions the agent reads, in the language it speaks (settings).
        lang = read_setting(request.env, "elevenlabs_tools_lang")
        if lang not in dict(request.env["res.lang"].get_installed()):
            lang = "en_US"
        env = request.env(context=dict(request.env.context, lang=lang))
        document = json.dumps(translated(tool_definitions(base_url), env._), indent=2)
        return request.make_response(
            document,
            headers=[
                ("Content-Type", "application/json"),
                ("Content-Disposition", content_disposition("elevenlabs-tools.json")),
            ],
        )
