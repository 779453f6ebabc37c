import json
import shutil
import tempfile
from unittest.mock import patch

from odoo.tests import HttpCase, TransactionCase, new_test_user
from odoo.tools import mute_logger

from ..lib.settings import param_key

QUEUE_LOGGER = "odoo.addons.mcp_quotation.models.quotation_request_queue"


class CronCase(TransactionCase):
    """Cron methods run with their progress commits turned into no-ops."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Cron methods commit their progress; a test's cursor must not commit.
        cls.startClassPatcher(
            patch.object(
                type(cls.env["ir.cron"]),
                "_commit_progress",
                lambda self, processed=0, **kwargs: float("inf"),
            )
        )


class QuotationCase(CronCase):
    """Demo-like products, a two-person sales team and a local audit folder."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.robot = Product.create(
            {"name": "Robot PUDU", "default_code": "PUDU-01", "list_price": 15950.0}
        )
        cls.tray = Product.create(
            {"name": "Serving Tray", "default_code": "TRAY-01", "list_price": 40.0}
        )
        cls.seller_a = new_test_user(
            cls.env, login="seller_a", groups="sales_team.group_sale_salesman"
        )
        cls.seller_b = new_test_user(
            cls.env, login="seller_b", groups="sales_team.group_sale_salesman"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Voice Sales",
                "member_ids": [(6, 0, (cls.seller_a | cls.seller_b).ids)],
            }
        )
        cls.env.company.mcp_quotation_team_id = cls.team

    def setUp(self):
        super().setUp()
        self.log_folder = tempfile.mkdtemp(prefix="mcp_quotation_test_")
        self.addCleanup(shutil.rmtree, self.log_folder)
        self.set_param("log_folder", self.log_folder)

    @classmethod
    def set_param(cls, key, value):
        cls.env["ir.config_parameter"].sudo().set_param(param_key(key), value)

    def payload(self, **overrides):
        """The earlier system's flat payload, as a voice agent sends it."""
        return {
            "partner_name": "Acme Corp",
            "contact_name": "John Doe",
            "email": "john@acme.example",
            "phone": "+52 55 1234 5678",
            "lead_name": "Robot PUDU quotation",
            "product_id": self.robot.id,
            "product_qty": 2,
            "product_price": -1,
            **overrides,
        }

    def lines_payload(self, lines, **overrides):
        """The same payload with a ``lines`` list instead of the flat product keys."""
        flat = {"product_id", "product_qty", "product_price"}
        payload = self.payload(**overrides)
        return {key: payload[key] for key in payload if key not in flat} | {
            "lines": lines
        }

    def submit(self, payload=None, user=None, **kwargs):
        """Submit (as ``user``, else the test's own environment) and return the
        stored request."""
        Request = self.env["quotation.request"]
        if user:
            Request = Request.with_user(user)
        ack = Request._submit_request(payload or self.payload(), **kwargs)
        return self.env["quotation.request"].search(
            [("tracking_id", "=", ack["tracking_id"])]
        )

    def process(self):
        self.env["quotation.request"]._cron_process_queue()

    def failed_request(self, company, **overrides):
        """A request whose product moved to `company` after it was accepted."""
        robot = self.env["product.product"].create(
            {"name": "Robot BELLA", "list_price": 9000.0}
        )
        request = self.submit(
            self.payload(product_id=robot.id, **overrides),
            source="webhook",
        )
        robot.company_id = company
        with mute_logger(QUEUE_LOGGER):
            self.process()
        # Tracking is written when a transaction commits, as the cron's does.
        self.env.cr.precommit.run()
        self.assertEqual(request.state, "failed")
        return request

    def ship_audit(self):
        self.env["quotation.request.audit"]._cron_ship()


class ApiCase(HttpCase, QuotationCase):
    """Calls the routes with the API key of a Quotation Requests user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env,
            login="voice_agent",
            groups="mcp_quotation.mcp_quotation_group_user",
        )
        cls.api_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.agent)
            .sudo()
            ._generate(None, "voice agent", None)
        )

    def call(self, path, body=None, *, key=None, headers=None, raw=None, method=None):
        headers = {"Authorization": f"Bearer {key or self.api_key}", **(headers or {})}
        if body is None and raw is None:
            return self.open_url(path, headers=headers, method=method)
        headers["Content-Type"] = "application/json"
        data = raw if raw is not None else json.dumps(body)
        return self.open_url(path, data=data, headers=headers, method=method)

    def open_url(self, path, *, data=None, headers=None, method=None):
        """``url_open`` with any HTTP method, on every series: 19.0's
        ``url_open`` takes ``method=``, 18.0's only GETs or POSTs; this sends
        the request as 19.0's does."""
        method = method or ("POST" if data else "GET")
        return self.opener.request(
            method, self.base_url() + path, data=data, headers=headers, timeout=12
        )
