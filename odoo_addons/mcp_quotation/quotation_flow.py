"""The business flow that turns one quotation request into Odoo records.

A plain class beside the ``quotation.request`` model (as OCA ``queue_job``
keeps ``job.py`` beside its model): the model runs it in a savepoint and turns
its outcome into the request's state.
"""

import logging

from markupsafe import Markup

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import email_normalize

from .xml_ids import processing_cron

_logger = logging.getLogger(__name__)

# The result's ``steps`` keys, in flow order.
STEPS = (
    "partner",
    "salesperson",
    "lead",
    "opportunity",
    "sale_order",
    "products",
    "sent",
)


def _customer_email(request):
    """The request's email as partners are matched on it: requests store it as
    typed, and "Jane@Acme.com" is jane@acme.com's."""
    return email_normalize(request.email) or request.email


def _names_a_contact(request):
    """Whether the request names a contact at a company, not the customer alone."""
    return bool(request.contact_name) and request.contact_name != request.partner_name


class QuotationFlow:
    """partner -> salesperson -> lead -> opportunity -> sale order -> lines.

    ``step`` always names the step under way, for progress and errors. Its
    environment carries `_run_flow`'s mail context to every record it creates.
    """

    def __init__(self, request):
        self.request = request
        self.env = request.env
        self.step = "starting"
        self.steps = {}
        self.partner = self.env["res.partner"]
        self.salesperson = self.env["res.users"]
        self.team = self.env["crm.team"]
        self.opportunity = self.env["crm.lead"]
        self.order = self.env["sale.order"]

    def _begin(self, step):
        self.step = step
        self.request.progress = step[:1].upper() + step[1:]

    def run(self):
        self._begin("finding the customer")
        self.partner = self._find_or_create_partner()
        self._begin("choosing the salesperson")
        self.team, self.salesperson = self._choose_salesperson()
        self._begin("creating the lead")
        lead = self._create_lead()
        self._begin("converting the lead to an opportunity")
        self._convert_to_opportunity(lead)
        self._begin("creating the quotation")
        self._create_sale_order()
        self._begin("posting notes")
        self._post_notes()
        if self.request.send_quotation:
            self._begin("sending the quotation")
            self._send_quotation()

    @staticmethod
    def customer_keys(request):
        """What ``_find_or_create_partner`` looks up and may create: the
        customer's email and, for a contact, its company's name. The queue
        holds these while the flow runs, so that parallel requests for one
        new customer make one partner."""
        keys = {f"email:{_customer_email(request)}"}
        if _names_a_contact(request):
            keys.add(f"company:{request.partner_name.lower()}")
        return keys

    def _find_or_create_partner(self):
        request = self.request
        Partner = self.env["res.partner"]
        partner = Partner.search(
            [
                ("email_normalized", "=", _customer_email(request)),
                ("company_id", "in", [False, request.company_id.id]),
            ],
            order="is_company, id",
            limit=1,
        )
        if partner:
            self.steps["partner"] = (
                f"Existing customer: {partner.display_name} (ID: {partner.id})"
            )
            return partner
        contact_vals = {
            "email": request.email,
            "phone": request.phone or False,
            "customer_rank": 1,
        }
        if _names_a_contact(request):
            company = Partner.search(
                [("is_company", "=", True), ("name", "=ilike", request.partner_name)],
                limit=1,
            ) or Partner.create(
                {"name": request.partner_name, "is_company": True, "customer_rank": 1}
            )
            partner = Partner.create(
                {
                    **contact_vals,
                    "name": request.contact_name,
                    "parent_id": company.id,
                    "type": "contact",
                }
            )
        else:
            partner = Partner.create(
                {**contact_vals, "name": request.partner_name, "is_company": True}
            )
        self.steps["partner"] = (
            f"New customer created: {partner.display_name} (ID: {partner.id})"
        )
        return partner

    def _choose_salesperson(self):
        request = self.request
        team = (
            request.requested_team_id
            or request.company_id.mcp_quotation_team_id
            or self.env["crm.team"].search(
                [("company_id", "in", [False, request.company_id.id])], limit=1
            )
        )
        if request.requested_user_id:
            user = request.requested_user_id
            self.steps["salesperson"] = f"Requested salesperson: {user.name}"
            return team, user
        cron_user = processing_cron(self.env).user_id
        members = team.member_ids.filtered(
            lambda user: user.active and not user.share and user != cron_user
        )
        if not members:
            self.steps["salesperson"] = "No salesperson available in the sales team"
            return team, self.env["res.users"]
        open_counts = dict(
            self.env["crm.lead"]._read_group(
                [
                    ("user_id", "in", members.ids),
                    ("type", "=", "opportunity"),
                    ("won_status", "=", "pending"),
                ],
                ["user_id"],
                ["__count"],
            )
        )
        # Least open opportunities first; the lowest id breaks ties.
        user = min(members, key=lambda member: (open_counts.get(member, 0), member.id))
        self.steps["salesperson"] = (
            f"Assigned to {user.name} ({open_counts.get(user, 0)} open opportunities)"
        )
        return team, user

    def _create_lead(self):
        request = self.request
        lead = self.env["crm.lead"].create(
            {
                # Named as the pipeline shows it: whose, and what for.
                "name": f"{request.partner_name} - "
                f"{request.lead_name or f'Quotation request {request.name}'}",
                "type": "lead",
                "partner_id": self.partner.id,
                "contact_name": request.contact_name or False,
                "partner_name": request.partner_name,
                "email_from": request.email,
                "phone": request.phone or False,
                "description": request.notes or False,
                "team_id": self.team.id,
                "user_id": self.salesperson.id,
                "company_id": request.company_id.id,
            }
        )
        self.steps["lead"] = f"Lead created: {lead.name} (ID: {lead.id})"
        return lead

    def _convert_to_opportunity(self, lead):
        lead.convert_opportunity(
            self.partner,
            user_ids=self.salesperson.ids or False,
            team_id=self.team.id or False,
        )
        self.opportunity = lead
        self.steps["opportunity"] = f"Converted to opportunity (ID: {lead.id})"

    def _create_sale_order(self):
        request = self.request
        order_lines = []
        for line in request.line_ids:
            line_vals = {
                "product_id": line.product_id.id,
                "product_uom_qty": line.quantity,
            }
            if line.price_unit >= 0:
                line_vals["price_unit"] = line.price_unit
            order_lines.append(Command.create(line_vals))
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "opportunity_id": self.opportunity.id,
                # Set explicitly: the default would be the cron's own user.
                "user_id": self.salesperson.id or False,
                "team_id": self.team.id or False,
                "origin": request.tracking_id,
                "company_id": request.company_id.id,
                "order_line": order_lines,
            }
        )
        # The portal link in the status document needs the order's token.
        order._portal_ensure_token()
        self.order = order
        # The opportunity forecasts what its quotation is worth, untaxed, in
        # the company's currency as Odoo's own revenue figures are.
        self.opportunity.expected_revenue = order.currency_id._convert(
            order.amount_untaxed,
            order.company_id.currency_id,
            order.company_id,
            order.date_order,
        )
        self.steps["sale_order"] = f"Quotation: {order.name} (ID: {order.id})"
        self.steps["products"] = "; ".join(
            f"{line.product_id.display_name} x {line.product_uom_qty:g} at "
            f"{line.price_unit:.2f} {order.currency_id.name}"
            for line in order.order_line
        )

    def _post_notes(self):
        request_link = self.request._get_html_link()
        body = Markup(self.env._("Created from quotation request %(request)s.")) % {
            "request": request_link
        }
        self.opportunity._message_log(body=body)
        self.order._message_log(body=body)

    def _send_quotation(self):
        """Email the quotation with Odoo's own template, through the mail queue.

        The quotation stands even when it cannot be sent (no PDF renderer, no
        template): the step says why, on the request and on the order.
        """
        order = self.order
        try:
            with self.env.cr.savepoint():
                order.with_context(
                    mark_so_as_sent=True, mail_notify_force_send=False
                ).message_post_with_source(
                    order._find_mail_template(),
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                    email_layout_xmlid=(
                        "mail.mail_notification_layout_with_responsible_signature"
                    ),
                    author_id=(
                        order.user_id.partner_id or self.env.company.partner_id
                    ).id,
                )
        except UserError as error:
            _logger.warning(
                "Quotation %s was not emailed: %s", order.name, error.args[0]
            )
            self.steps["sent"] = f"Not emailed: {error.args[0]}"
            order._message_log(body=self.env._("Not emailed: %s", error.args[0]))
            return
        self.steps["sent"] = f"Quotation emailed to {self.partner.email}"
