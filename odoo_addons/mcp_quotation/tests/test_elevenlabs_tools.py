from odoo.tests import HttpCase, tagged

from ..lib.elevenlabs import API_KEY_SECRET_PLACEHOLDER
from ..lib.payload import parse_payload
from .common import QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestElevenLabsTools(HttpCase, QuotationCase):
    def download(self):
        self.authenticate("admin", "admin")
        response = self.url_open("/mcp_quotation/elevenlabs/tools.json")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        return response.json()

    def test_settings_button_downloads_the_tools_with_this_databases_url(self):
        """The export names find_product, create_quotation, get_quotation_status."""
        action = (
            self.env["res.config.settings"]
            .create({})
            .action_download_elevenlabs_tools()
        )
        self.assertEqual(action["url"], "/mcp_quotation/elevenlabs/tools.json")
        tools = {
            tool["tool_config"]["name"]: tool["tool_config"] for tool in self.download()
        }
        self.assertEqual(
            set(tools), {"find_product", "create_quotation", "get_quotation_status"}
        )
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for tool in tools.values():
            schema = tool["api_schema"]
            self.assertTrue(schema["url"].startswith(f"{base_url}/mcp_quotation/v1/"))
            self.assertEqual(
                schema["request_headers"],
                {"Authorization": {"secret_id": API_KEY_SECRET_PLACEHOLDER}},
            )

    def test_the_exported_body_is_one_the_route_accepts(self):
        """A body built from every exported property passes the route's validation."""
        tools = {
            tool["tool_config"]["name"]: tool["tool_config"] for tool in self.download()
        }
        schema = tools["create_quotation"]["api_schema"]["request_body_schema"]
        samples = {"string": "x", "integer": 0, "number": 1.5, "boolean": True}
        body = {
            name: samples[spec["type"]]
            for name, spec in schema["properties"].items()
            if name != "lines"
        }
        line_schema = schema["properties"]["lines"]["items"]["properties"]
        line = {name: samples[spec["type"]] for name, spec in line_schema.items()}
        body |= {"email": "a@b.example", "lines": [line]}
        _request, errors = parse_payload(body)
        self.assertEqual(errors, [])

    def test_only_managers_may_download_the_tools(self):
        """A quotation-request user without manager rights is refused."""
        self.authenticate("seller_a", "seller_a")
        response = self.url_open("/mcp_quotation/elevenlabs/tools.json")
        self.assertNotEqual(response.status_code, 200)
