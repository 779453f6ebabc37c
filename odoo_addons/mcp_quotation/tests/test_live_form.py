import json

from odoo.addons.bus.models.bus import channel_with_db, json_dump
from odoo.tests import new_test_user, tagged

from ..models.quotation_request import REQUEST_CHANGED
from .common import QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestLiveForm(QuotationCase):
    """A request's form follows it through the bus: the request announces each
    change of what the form's header and banner show, to those who may read it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Robots"})
        cls.manager = new_test_user(
            cls.env, login="live_manager", groups="sales_team.group_sale_manager"
        )

    def announced(self, request):
        """The payloads committed so far on ``request``'s channel."""
        self.env.cr.precommit.run()  # the bus's rows are written on commit
        channel = json_dump(channel_with_db(self.env.cr.dbname, request))
        notifications = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        return [
            message["payload"]
            for message in map(json.loads, notifications.mapped("message"))
            if message["type"] == REQUEST_CHANGED
        ]

    def followed(self, user, channels):
        """The requests ``user``'s websocket follows when it asks for ``channels``,
        and the channels it asks for besides."""
        return self.env["ir.websocket"].with_user(user)._followed_requests(channels)

    def test_a_processed_request_is_announced_by_id_only(self):
        """Processing a request announces it on its channel, with its id alone:
        each form reads it with its own user's rights."""
        request = self.submit()
        self.assertEqual(self.announced(request), [])
        self.process()
        self.assertEqual(request.state, "completed")
        announced = self.announced(request)
        self.assertTrue(announced)
        self.assertEqual(announced, [{"id": request.id}] * len(announced))

    def test_writes_between_two_flushes_are_announced_once(self):
        """However often a request is written before a commit, it is announced once."""
        request = self.submit()
        for step in ("finding the customer", "creating the lead", "posting notes"):
            request.progress = step
        request.state = "processing"
        self.assertEqual(self.announced(request), [{"id": request.id}])

    def test_another_users_retry_is_announced(self):
        """A retry by a manager is announced to the forms open on the request."""
        request = self.failed_request(self.other_company)
        before = len(self.announced(request))
        request.with_user(self.manager).action_retry()
        self.assertEqual(len(self.announced(request)), before + 1)

    def test_a_correction_alone_is_not_announced(self):
        """The form saving its own correction does not announce it to itself."""
        request = self.failed_request(self.other_company)
        before = len(self.announced(request))
        request.with_user(self.manager).write({"partner_name": "Acme Robotics"})
        self.assertEqual(len(self.announced(request)), before)

    def test_only_users_who_may_read_a_request_follow_it(self):
        """A request's channel is given to its company's sales users, not to a
        user of another company, one outside sales, nor for an unknown id."""
        request = self.submit()
        asked = [f"quotation.request_{request.id}", "quotation.request_999999999"]
        self.assertEqual(
            self.followed(self.seller_a, [*asked, "broadcast"]),
            (["broadcast"], request),
        )
        elsewhere = new_test_user(
            self.env,
            login="live_elsewhere",
            groups="sales_team.group_sale_manager",
            company_id=self.other_company.id,
            company_ids=[(6, 0, self.other_company.ids)],
        )
        outsider = new_test_user(
            self.env, login="live_outsider", groups="base.group_user"
        )
        for user in (elsewhere, outsider):
            # Neither the request nor the string, a channel anyone could send on.
            others, requests = self.followed(user, asked)
            self.assertEqual((others, requests.ids), ([], []), user.login)
