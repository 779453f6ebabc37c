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

from .exceptions import QuotationFailure
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
        self._begin(self.env._("checking the request"))
        self._check_request()
        self._begin(self.env._("finding the customer"))
        self.partner = self._find_or_create_partner()
        self._begin(self.env._("choosing the salesperson"))
        self.team, self.salesperson = self._choose_salesperson()
        self._begin(self.env._("creating the lead"))
        lead = self._create_lead()
        self._begin(self.env._("converting the lead to an opportunity"))
        self._convert_to_opportunity(lead)
        self._begin(self.env._("creating the quotation"))
        self._create_sale_order()
        self._begin(self.env._("posting notes"))
        self._post_notes()
        self._begin(self.env._("numbering the quotation"))
        self._number_quotation()
        if self.request.send_quotation:
            self._begin(self.env._("sending the quotation"))
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

    def _check_request(self):
        """Refuse, in the sales team's words, what Odoo would refuse later.

        Checked before anything exists, so that a request which cannot become
        a quotation creates nothing and takes no quotation number.
        """
        request = self.request
        company = request.company_id
        problems = []
        # sudo: the record may belong to a company the user cannot read.
        for product in request.line_ids.product_id.sudo():
            names = {"product": product.display_name, "company": company.name}
            if not (product.active and product.product_tmpl_id.active):
                problems.append(
                    self.env._(
                        "Product %(product)s is archived; pick another product, "
                        "or restore it in the product catalogue.",
                        **names,
                    )
                )
            elif not product.sale_ok:
                problems.append(
                    self.env._(
                        "Product %(product)s cannot be sold (Sales is unticked on "
                        "it); pick another product, or tick Sales on the product.",
                        **names,
                    )
                )
            if product.company_id and product.company_id != company:
                problems.append(
                    self.env._(
                        "Product %(product)s belongs to %(owner)s; pick a product "
                        "sold by %(company)s, or share the product with all "
                        "companies.",
                        owner=product.company_id.name,
                        **names,
                    )
                )
        user = request.requested_user_id.sudo()
        if user and not user.active:
            problems.append(
                self.env._(
                    "Salesperson %(user)s is archived; pick another salesperson, "
                    "or clear Requested Salesperson to have one assigned.",
                    user=user.name,
                )
            )
        elif user and company not in user.company_ids:
            problems.append(
                self.env._(
                    "Salesperson %(user)s does not work for %(company)s; pick "
                    "another salesperson, or clear Requested Salesperson to have "
                    "one assigned.",
                    user=user.name,
                    company=company.name,
                )
            )
        team = request.requested_team_id.sudo()
        if team and team.company_id and team.company_id != company:
            problems.append(
                self.env._(
                    "Sales team %(team)s belongs to %(owner)s; pick a team of "
                    "%(company)s, or clear Requested Sales Team.",
                    team=team.name,
                    owner=team.company_id.name,
                    company=company.name,
                )
            )
        if problems:
            raise QuotationFailure("\n".join(problems))

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
            self.steps["partner"] = self.env._(
                "Existing customer: %(customer)s", customer=partner.display_name
            )
            return partner
        contact_vals = {
            "email": request.email,
            "phone": request.phone or False,
            "customer_rank": 1,
        }
        if _names_a_contact(request):
            # Only a company this request's company may quote: another
            # company's customer would make the quotation inconsistent.
            company = Partner.search(
                [
                    ("is_company", "=", True),
                    ("name", "=ilike", request.partner_name),
                    ("company_id", "in", [False, request.company_id.id]),
                ],
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
        self.steps["partner"] = self.env._(
            "New customer created: %(customer)s", customer=partner.display_name
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
            self.steps["salesperson"] = self.env._(
                "Requested salesperson: %(user)s", user=user.name
            )
            return team, user
        cron_user = processing_cron(self.env).user_id
        # Only members who work for the request's company may own its lead.
        members = team.member_ids.filtered(
            lambda user: (
                user.active
                and not user.share
                and user != cron_user
                and request.company_id in user.company_ids
            )
        )
        if not members:
            self.steps["salesperson"] = self.env._(
                "No salesperson available in the sales team"
            )
            return team, self.env["res.users"]
        open_counts = dict(
            self.env["crm.lead"]._read_group(
                [
                    ("user_id", "in", members.ids),
                    ("type", "=", "opportunity"),
                    # Not won: 19.0's won_status "pending" for active leads,
                    # spelled out because 18.0 has no won_status.
                    "|",
                    "|",
                    ("probability", "!=", 100),
                    ("stage_id", "=", False),
                    ("stage_id.is_won", "=", False),
                ],
                ["user_id"],
                ["__count"],
            )
        )
        # Least open opportunities first; the lowest id breaks ties.
        user = min(members, key=lambda member: (open_counts.get(member, 0), member.id))
        self.steps["salesperson"] = self.env._(
            "Assigned to %(user)s (%(count)s open opportunities)",
            user=user.name,
            count=open_counts.get(user, 0),
        )
        return team, user

    def _create_lead(self):
        request = self.request
        lead = self.env["crm.lead"].create(
            {
                # Named as the pipeline shows it: whose, and what for.
                "name": f"{request.partner_name} - "
                + (
                    request.lead_name
                    or self.env._("Quotation request %(name)s", name=request.name)
                ),
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
        self.steps["lead"] = self.env._("Lead created: %(lead)s", lead=lead.name)
        return lead

    def _convert_to_opportunity(self, lead):
        lead.convert_opportunity(
            self.partner,
            user_ids=self.salesperson.ids or False,
            team_id=self.team.id or False,
        )
        self.opportunity = lead
        self.steps["opportunity"] = self.env._(
            "Converted to opportunity: %(opportunity)s", opportunity=lead.name
        )

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
                # A provisional name: the number is taken last, when nothing
                # can fail any more (see _number_quotation).
                "name": request.name,
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
        for request_line, order_line in zip(
            request.line_ids, order.order_line, strict=True
        ):
            request_line.charged_price = order_line.price_unit

    def _post_notes(self):
        request_link = self.request._get_html_link()
        body = Markup(self.env._("Created from quotation request %(request)s.")) % {
            "request": request_link
        }
        self.opportunity._message_log(body=body)
        self.order._message_log(body=body)

    def _number_quotation(self):
        """Give the quotation its number from Odoo's sequence, as sale.order's
        create() would have.

        Last, because a number taken is never given back: a rolled-back attempt
        would leave a gap in the quotations' numbers.
        """
        order = self.order
        order.name = self.env["ir.sequence"].with_company(
            order.company_id
        ).next_by_code("sale.order") or self.env._("New")
        self.steps["sale_order"] = self.env._("Quotation %(order)s", order=order.name)
        self.steps["products"] = "; ".join(
            self.env._(
                "%(product)s x %(quantity)s at %(price)s %(currency)s",
                product=line.product_id.display_name,
                # format(), not f-strings: 18.0's term extractor (babel)
                # evaluates an f-string inside a translated call and fails.
                quantity=format(line.product_uom_qty, "g"),
                price=format(line.price_unit, ".2f"),
                currency=order.currency_id.name,
            )
            for line in order.order_line
        )

    def _send_quotation(self):
        """Email the quotation with Odoo's own template, through the mail queue.

        The quotation stands even when it cannot be sent (no PDF renderer, no
        template): the step says why, on the request and on the order.
        """
        order = self.order
        template = order._find_mail_template()
        try:
            if not template:
                raise UserError(self.env._("no quotation email template was found"))
            with self.env.cr.savepoint():
                order.with_context(
                    mark_so_as_sent=True, mail_notify_force_send=False
                ).message_post_with_source(
                    template,
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
            self.steps["sent"] = self.env._(
                "Not emailed: %(reason)s. Send it from quotation %(order)s with "
                "Send by Email once that is fixed.",
                reason=error.args[0],
                order=order.name,
            )
            order._message_log(body=self.steps["sent"])
            return
        # The mail queue sends it; its delivery shows on the quotation.
        self.steps["sent"] = self.env._(
            "Queued for emailing to %(email)s", email=self.partner.email
        )
