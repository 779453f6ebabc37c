"""The quotation request: its fields and screens.

Split across files of ``models/``, as Odoo lets one model be: this one (fields,
screens, CRUD guards); ``quotation_request_actions.py``, what the sales team's
buttons do; ``quotation_request_submission.py``, the API's side (submitting,
the documents answered); ``quotation_request_queue.py`` and
``quotation_request_lanes.py``, the queue (states, cron and lanes).
"""

import secrets

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, OrderedSet

from ..contract import CANCELLED, COMPLETED, FAILED, PROCESSING, QUEUED, STATES
from ..lib.display import human_duration, pretty_json
from ..lib.payload import EMAIL_RE, normalize_email
from ..quotation_flow import STEPS
from ..series import Constraint, Index
from ..xml_ids import request_sequence

STATE_SELECTION = [
    (QUEUED, "Queued"),
    (PROCESSING, "Processing"),
    (COMPLETED, "Completed"),
    (FAILED, "Failed"),
    (CANCELLED, "Cancelled"),
]
# Deleting or duplicating a request that was processed would orphan or repeat
# its opportunity and quotation: only these may be (the form's and the list's
# menus offer it only there: static/src/views/quotation_request_views.js).
UNPROCESSED_STATES = (QUEUED, CANCELLED)
# What a request's form shows in its header and banner (status bar, buttons,
# progress line, error): a change to any of them is sent on the request's bus
# channel, and the forms open on it read it again (models/ir_websocket.py,
# static/src/views/quotation_request_views.js).
FOLLOWED_FIELDS = frozenset({"state", "progress", "error"})
REQUEST_CHANGED = "quotation.request/changed"


def new_tracking_id(_records=None):
    """``quot_`` + 16 random hex digits: unguessable, the earlier system's format."""
    return f"quot_{secrets.token_hex(8)}"


class QuotationRequest(models.Model):
    _name = "quotation.request"
    _description = "Quotation Request"
    _inherit = ["mail.thread", "bus.listener.mixin"]
    _order = "id desc"

    # Identity
    # No default: a new request's breadcrumb then reads "New", not "/".
    name = fields.Char(readonly=True, copy=False)
    # Both unique: the constraints below give them their indexes.
    tracking_id = fields.Char(
        required=True, readonly=True, copy=False, default=new_tracking_id
    )
    idempotency_key = fields.Char(readonly=True, copy=False)
    source = fields.Selection(
        [("webhook", "Webhook"), ("bridge", "MCP bridge"), ("manual", "Manual")],
        required=True,
        default="manual",
        readonly=True,
        copy=False,
    )
    source_ref = fields.Char(
        string="Conversation",
        readonly=True,
        copy=False,
        help="The caller's own reference, e.g. the voice conversation id.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )

    # Input
    partner_name = fields.Char(string="Company Name", required=True, tracking=True)
    contact_name = fields.Char(tracking=True)
    email = fields.Char(required=True, tracking=True)
    phone = fields.Char(tracking=True)
    lead_name = fields.Char(string="Opportunity Title", tracking=True)
    notes = fields.Text(tracking=True)
    requested_user_id = fields.Many2one(
        "res.users", string="Requested Salesperson", tracking=True
    )
    requested_team_id = fields.Many2one(
        "crm.team", string="Requested Sales Team", tracking=True
    )
    line_ids = fields.One2many(
        "quotation.request.line", "request_id", string="Lines", copy=True
    )
    payload = fields.Json(readonly=True, copy=False, help="The body as received.")
    send_quotation = fields.Boolean(
        string="Email the Quotation",
        tracking=True,
        help="Email the quotation to the customer once it exists.",
    )
    payload_json = fields.Text(string="Payload (JSON)", compute="_compute_payload_json")

    # Queue
    state = fields.Selection(
        STATE_SELECTION,
        string="Status",
        required=True,
        default=QUEUED,
        readonly=True,
        copy=False,
        tracking=True,
        # Every column in the kanban, in workflow order, empty ones too.
        group_expand=True,
    )
    progress = fields.Char(
        readonly=True, copy=False, default=lambda self: self.env._("Queued")
    )
    attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime(readonly=True, copy=False)
    error = fields.Text(readonly=True, copy=False)
    error_traceback = fields.Text(
        readonly=True,
        copy=False,
        groups="mcp_quotation.mcp_quotation_group_manager",
        help="Where the last unexpected failure happened; callers see only the error.",
    )
    started_at = fields.Datetime(readonly=True, copy=False)
    completed_at = fields.Datetime(readonly=True, copy=False)
    # Measured, not computed from the datetimes: those are stored to the second.
    duration = fields.Float(
        string="Processing Time (s)",
        readonly=True,
        copy=False,
        digits=(16, 3),
        aggregator="avg",
        help="How long the last attempt's business flow took.",
    )
    duration_display = fields.Char(
        string="Processing Time", compute="_compute_duration_display"
    )
    turnaround = fields.Float(
        string="Total Time (s)",
        readonly=True,
        copy=False,
        digits=(16, 3),
        aggregator="avg",
        help="From submission until the request ended.",
    )
    turnaround_display = fields.Char(
        string="Total Time", compute="_compute_duration_display"
    )

    # Result
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, copy=False
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, copy=False
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", readonly=True, copy=False
    )
    # Indexed: the quotation and the opportunity find their request by these.
    opportunity_id = fields.Many2one(
        "crm.lead", readonly=True, copy=False, index="btree_not_null"
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Quotation",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    sale_order_name = fields.Char(
        related="sale_order_id.name", string="Quotation Number"
    )
    # Stored so that lists sum it and the pivot measures it, in the company's
    # currency as Odoo's own sales figures are. Set by the flow: a computed
    # field would cost the webhook's answer a company and a currency read.
    amount_total = fields.Monetary(
        string="Total (tax incl.)",
        readonly=True,
        copy=False,
        help="The quotation's total with taxes when it was made, in the company's "
        "currency. The opportunity's expected revenue is the same total untaxed.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    steps = fields.Json(string="Step Results", readonly=True, copy=False)
    steps_html = fields.Html(string="Steps", compute="_compute_steps_html")

    _tracking_id_unique = Constraint(
        "UNIQUE(tracking_id)", "A tracking id identifies one request only."
    )
    # A key is the caller's own: another API key's user reusing it gets a
    # request of its own, never the first caller's tracking id.
    _idempotency_key_unique = Constraint(
        "UNIQUE(create_uid, idempotency_key)",
        "This idempotency key was already used.",
    )
    # The queue's look-ups: a state's requests in id order, for the cron and
    # for the wait estimate of every acknowledgement.
    _state_id_index = Index("(state, id)")

    # The UI creates requests without _submit_request(); these hold for both.
    @api.constrains("email")
    def _check_email(self):
        for request in self:
            if not EMAIL_RE.match(normalize_email(request.email or "")):
                raise ValidationError(
                    self.env._(
                        "%(email)s is not a valid email address.", email=request.email
                    )
                )

    @api.constrains("line_ids")
    def _check_lines(self):
        if any(not request.line_ids for request in self):
            raise ValidationError(
                self.env._("A quotation request needs a product line.")
            )

    @api.depends("payload")
    def _compute_payload_json(self):
        for request in self:
            request.payload_json = pretty_json(request.payload)

    @api.depends("duration", "turnaround")
    def _compute_duration_display(self):
        decimal_point = (
            self.env["res.lang"]._get_data(code=self.env.lang or "en_US").decimal_point
            or "."
        )
        for request in self:
            request.duration_display = human_duration(request.duration, decimal_point)
            request.turnaround_display = human_duration(
                request.turnaround, decimal_point
            )

    def _step_labels(self):
        """What the sales screens call each step of the flow (``STEPS``)."""
        return {
            "partner": self.env._("Customer"),
            "salesperson": self.env._("Salesperson"),
            "lead": self.env._("Lead"),
            "opportunity": self.env._("Opportunity"),
            "sale_order": self.env._("Quotation"),
            "products": self.env._("Products"),
            "sent": self.env._("Email"),
        }

    @api.depends("steps")
    def _compute_steps_html(self):
        labels = self._step_labels()
        for request in self:
            steps = request.steps or {}
            items = Markup("").join(
                Markup(
                    '<li class="mb-2"><span class="fw-bold">%s</span>'
                    '<div class="text-muted">%s</div></li>'
                )
                % (labels[step], steps[step])
                for step in STEPS
                if step in steps
            )
            request.steps_html = (
                Markup('<ol class="ps-3 mb-0">%s</ol>') % items if items else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        # The year in the name is UTC's: the user's own time zone would cost
        # the webhook a read of the user's partner, for nothing.
        sequence = request_sequence(self.env).sudo().with_context(tz="UTC")
        for vals in vals_list:
            if vals.get("name", "/") in ("/", False):
                vals["name"] = sequence._next()
        requests = super().create(vals_list)
        requests._trigger_processing()
        return requests

    def write(self, vals):
        # Field tracking does not follow one2many lines: the chatter says how
        # the lines read before and after a correction, and who made it.
        before = (
            {request: request._lines_summary() for request in self}
            if "line_ids" in vals
            else {}
        )
        result = super().write(vals)
        for request, old in before.items():
            new = request._lines_summary()
            if new != old:
                request._message_log(
                    body=Markup(self.env._("Lines changed: %(old)s → %(new)s"))
                    % {"old": old, "new": new}
                )
        if FOLLOWED_FIELDS.intersection(vals):
            self._announce_change()
        return result

    def _announce_change(self):
        """Have the forms open on these requests read them again, once the
        transaction commits: once per request and flush (a commit, a
        savepoint), however often it was written in between (the flow writes
        its progress at every step)."""
        precommit = self.env.cr.precommit
        if REQUEST_CHANGED not in precommit.data:
            changed = precommit.data[REQUEST_CHANGED] = OrderedSet()

            @precommit.add
            def announce():
                # Only the id: each form reads the request with its user's rights.
                for request in self.browse(changed).exists():
                    request._bus_send(REQUEST_CHANGED, {"id": request.id})

        precommit.data[REQUEST_CHANGED].update(self.ids)

    def _lines_summary(self):
        # sudo: a line's product may be another company's, which is why it
        # is being corrected.
        return "; ".join(
            f"{line.product_id.display_name} × {line.quantity:g}"
            + (f" @ {line.price_unit:g}" if line.price_unit >= 0 else "")
            for line in self.sudo().line_ids
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_processed(self):
        self._check_states(
            UNPROCESSED_STATES,
            self.env._(
                "Only queued or cancelled requests can be deleted; "
                "cancel the others instead:"
            ),
        )

    def copy(self, default=None):
        self._check_states(
            UNPROCESSED_STATES,
            self.env._(
                "Only queued or cancelled requests can be duplicated; "
                "retry a failed one instead:"
            ),
        )
        return super().copy(default)

    # ------------------------------------------------------------------
    # Ordering
    # ------------------------------------------------------------------

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if field_name != "state":
            return super()._order_field_to_sql(
                alias, field_name, direction, nulls, query
            )
        # Workflow order (queued first), not the keys' alphabetical one.
        position = SQL(
            "CASE %s %s END",
            self._field_to_sql(alias, "state", query),
            SQL(" ").join(
                SQL("WHEN %s THEN %s", state, index)
                for index, state in enumerate(STATES)
            ),
        )
        return SQL("%s %s %s", position, direction, nulls)
