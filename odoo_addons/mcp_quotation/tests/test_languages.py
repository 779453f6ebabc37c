import json

from odoo.tests import new_test_user, tagged

from ..contract import QUOTATIONS_PATH
from ..lib.settings import param_key
from .common import ApiCase

MODULE = "mcp_quotation"
TOOLS_EXPORT = "/mcp_quotation/elevenlabs/tools.json"


def descriptions(value, path=""):
    """``{path: description}`` for every ``description`` in an export."""
    found = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and isinstance(item, str):
                found[path] = item
            else:
                found |= descriptions(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= descriptions(item, f"{path}/{index}")
    return found


def without_descriptions(value):
    if isinstance(value, dict):
        return {
            key: without_descriptions(item)
            for key, item in value.items()
            if key != "description"
        }
    if isinstance(value, list):
        return [without_descriptions(item) for item in value]
    return value


@tagged("post_install", "-at_install", "mcp_quotation")
class TestLanguages(ApiCase):
    """The API's messages, the cron's notes and the agent's tools in Spanish."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_ES")
        cls.env["ir.module.module"]._load_module_terms([MODULE], ["es_ES"])
        cls.spanish_agent = new_test_user(
            cls.env,
            login="agente_voz",
            groups="mcp_quotation.mcp_quotation_group_user",
            lang="es_ES",
        )
        cls.spanish_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.spanish_agent)
            .sudo()
            ._generate(None, "agente de voz", None)
        )

    def refused(self, key):
        response = self.call(
            QUOTATIONS_PATH,
            self.payload(email="x", product_qty=0, color="red"),
            key=key,
        )
        self.assertEqual(response.status_code, 422, response.text)
        body = response.json()
        self.assertEqual(body["error"], "validation_error")
        return body["message"], {
            error["field"]: error["message"] for error in body["errors"]
        }

    def test_a_spanish_api_user_reads_the_refusal_in_spanish(self):
        """The error code stays English; message and field messages are Spanish."""
        message, fields = self.refused(self.spanish_key)
        self.assertEqual(
            message, "La solicitud de presupuesto no es válida; no se ha guardado nada."
        )
        self.assertEqual(fields["email"], "no es una dirección de correo válida")
        self.assertEqual(fields["product_qty"], "debe ser un número mayor que 0")
        self.assertTrue(fields["color"].startswith("campo desconocido; se aceptan: "))

    def test_an_english_api_user_still_reads_english(self):
        """The same refusal for a user in English reads as before."""
        message, fields = self.refused(self.api_key)
        self.assertEqual(
            message, "The quotation request is invalid; nothing was stored."
        )
        self.assertEqual(fields["email"], "is not a valid email address")
        self.assertEqual(fields["product_qty"], "must be a number above 0")

    def test_other_answers_follow_the_api_users_language(self):
        """A bad body, a bad lookup and the acknowledgement speak Spanish too."""
        response = self.call(QUOTATIONS_PATH, raw="{no json", key=self.spanish_key)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["message"], "El cuerpo no es JSON válido.")
        response = self.call(
            "/mcp_quotation/v1/products?q=&limit=0", key=self.spanish_key
        )
        body = response.json()
        self.assertEqual(body["error"], "validation_error")
        self.assertEqual(body["message"], "La búsqueda de productos no es válida.")
        response = self.call(QUOTATIONS_PATH, self.payload(), key=self.spanish_key)
        self.assertEqual(response.status_code, 202, response.text)
        self.assertRegex(
            response.json()["estimated_time"],
            r"^(unos \d+ (segundos|minutos)|alrededor de 1 segundo)$",
        )

    def test_the_cron_writes_a_spanish_submitters_notes_in_spanish(self):
        """Receipt and completion notes follow the submitting user's language."""
        spanish = self.submit(user=self.spanish_agent, source="webhook")
        english = self.submit(
            self.payload(idempotency_key="english"), user=self.agent, source="webhook"
        )
        self.process()
        self.assertEqual((spanish | english).mapped("state"), ["completed"] * 2)
        notes = spanish.message_ids.mapped("body")
        self.assertTrue(any("Recibida a través de Webhook" in note for note in notes))
        self.assertTrue(any("creado para la oportunidad" in note for note in notes))
        notes = english.message_ids.mapped("body")
        self.assertTrue(any("Received from Webhook" in note for note in notes))
        self.assertTrue(any("created for opportunity" in note for note in notes))

    def test_the_tools_export_in_spanish_differs_only_in_its_descriptions(self):
        """The settings' language turns every description Spanish, nothing else."""
        self.authenticate("admin", "admin")
        english = json.loads(self.url_open(TOOLS_EXPORT).text)
        settings = self.env["res.config.settings"].create(
            {"mcp_quotation_elevenlabs_tools_lang": "es_ES"}
        )
        settings.execute()
        self.assertEqual(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(param_key("elevenlabs_tools_lang")),
            "es_ES",
        )
        spanish = json.loads(self.url_open(TOOLS_EXPORT).text)
        self.assertEqual(without_descriptions(spanish), without_descriptions(english))
        english, spanish = descriptions(english), descriptions(spanish)
        self.assertEqual(set(spanish), set(english))
        self.assertFalse(
            [path for path in english if spanish[path] == english[path]],
            "Descriptions left in English.",
        )
        self.assertEqual(
            spanish["/1/tool_config/api_schema/request_body_schema/properties/lines"],
            "Los productos, de 1 a 100.",
        )
