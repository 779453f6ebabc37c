from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..exceptions import QuotationValidationError
from .common import QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestSendQuotation(QuotationCase):
    def test_send_quotation_mails_it_through_the_queue_and_marks_it_sent(self):
        """send_quotation: Odoo's quotation template, queued mail, order 'sent'."""
        request = self.submit(self.payload(send_quotation=True))
        self.process()
        self.assertEqual(request.state, "completed", request.error)
        order = request.sale_order_id
        self.assertEqual(order.state, "sent")
        mail = self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertIn(request.partner_id, mail.recipient_ids)
        self.assertIn(order.name, mail.subject)
        self.assertIn("sent", request.steps)

    def test_a_quotation_that_cannot_be_emailed_still_stands(self):
        """No PDF renderer: the quotation is kept, and the step says why."""
        request = self.submit(self.payload(send_quotation=True))
        refusal = UserError("Unable to find Wkhtmltopdf on this system.")
        with (
            patch.object(
                type(self.env["sale.order"]),
                "message_post_with_source",
                side_effect=refusal,
            ),
            self.assertLogs("odoo.addons.mcp_quotation.quotation_flow", "WARNING"),
        ):
            self.process()
        self.assertEqual(request.state, "completed", request.error)
        self.assertEqual(request.sale_order_id.state, "draft")
        self.assertIn("Wkhtmltopdf", request.steps["sent"])
        self.assertIn(
            "Wkhtmltopdf", str(request.sale_order_id.message_ids.mapped("body"))
        )

    def test_without_send_quotation_nothing_is_mailed(self):
        """By default the quotation stays a draft and no mail is queued."""
        request = self.submit()
        self.process()
        order = request.sale_order_id
        self.assertEqual(order.state, "draft")
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "sale.order"), ("res_id", "=", order.id)]
            )
        )

    def test_the_status_carries_the_customers_portal_link(self):
        """A completed status document has the portal URL with its access token."""
        request = self.submit()
        self.process()
        order = request.sale_order_id
        url = request._status_document()["result"]["portal_url"]
        self.assertEqual(
            url,
            f"{order.get_base_url()}/my/orders/{order.id}?access_token={order.access_token}",
        )
        self.assertTrue(order.access_token)

    def test_send_quotation_must_be_a_boolean(self):
        """send_quotation: 'yes' is refused, naming the field."""
        with self.assertRaises(QuotationValidationError) as raised:
            self.submit(self.payload(send_quotation="yes"))
        self.assertEqual(
            [error["field"] for error in raised.exception.errors], ["send_quotation"]
        )
