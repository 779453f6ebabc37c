from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import BaseCase, new_test_user, tagged

from ..lib.display import human_duration, pretty_json
from .common import QuotationCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestDisplay(BaseCase):
    def test_durations_read_in_human_units(self):
        """Seconds (hundredths below a tenth), minutes or hours; none is blank."""
        self.assertEqual(human_duration(0.0), "")
        self.assertEqual(human_duration(0.0004), "0.01 s")
        self.assertEqual(human_duration(0.04), "0.04 s")
        self.assertEqual(human_duration(0.095), "0.1 s")
        self.assertEqual(human_duration(0.2), "0.2 s")
        self.assertEqual(human_duration(0.2, ","), "0,2 s")
        self.assertEqual(human_duration(12.4), "12 s")
        self.assertEqual(human_duration(107), "1 min 47 s")
        self.assertEqual(human_duration(7500), "2 h 5 min")

    def test_payload_is_indented_in_the_callers_key_order(self):
        """The payload tab shows the body as sent, indented, keys unsorted."""
        self.assertEqual(
            pretty_json({"b": 1, "a": [2]}), '{\n  "b": 1,\n  "a": [\n    2\n  ]\n}'
        )
        self.assertEqual(pretty_json(None), "")


@tagged("post_install", "-at_install", "mcp_quotation")
class TestSalesScreens(QuotationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="sales_manager",
            groups="sales_team.group_sale_manager",
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Robots"})

    def as_manager(self, request):
        return request.with_user(self.manager)

    def test_failed_request_is_corrected_then_retried_to_completion(self):
        """A manager fixes the lines and customer of a failed request and retries it."""
        request = self.as_manager(self.failed_request(self.other_company))
        self.assertTrue(request.started_at and request.duration and request.turnaround)
        request.write(
            {
                "partner_name": "Acme Robotics",
                "line_ids": [
                    Command.clear(),
                    Command.create({"product_id": self.tray.id, "quantity": 3}),
                ],
            }
        )
        request.action_retry()
        self.assertEqual(request.state, "queued")
        # Retry forgets the failed attempt's times.
        self.assertFalse(request.started_at or request.completed_at)
        self.assertEqual((request.duration, request.turnaround), (0.0, 0.0))
        self.assertEqual(request.duration_display, "")
        request.action_process_now()
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.sale_order_id.order_line.product_id, self.tray)
        self.assertEqual(request.partner_id.parent_id.name, "Acme Robotics")

    def test_actions_are_logged_with_who_did_them_and_states_tracked(self):
        """Retry, Cancel and Process now note who acted; states are tracked."""
        request = self.failed_request(self.other_company)
        manager_partner = self.manager.partner_id
        request.line_ids.product_id = self.tray
        self.as_manager(request).action_retry()
        self.env.cr.precommit.run()  # one transaction per click
        self.as_manager(request).action_process_now()
        notes = request.message_ids.filtered(
            lambda message: message.author_id == manager_partner
        ).mapped("body")
        self.assertTrue(any("Retry requested." in body for body in notes))
        self.assertTrue(any("Processing requested." in body for body in notes))
        states = request.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertIn(
            ("Failed", "Queued"),
            [(value.old_value_char, value.new_value_char) for value in states],
        )
        self.assertEqual(request.state, "completed")
        dismissed = self.failed_request(self.other_company, email="d@acme.example")
        self.as_manager(dismissed).action_cancel()
        self.assertEqual(dismissed.state, "cancelled")
        self.assertEqual(dismissed.message_ids[0].author_id, manager_partner)
        self.assertIn("Cancelled.", dismissed.message_ids[0].body)

    def test_receipt_is_noted_by_the_queue_not_on_the_webhook_path(self):
        """Submitting writes no message; processing notes source and conversation."""
        request = self.submit(self.payload(source_ref="conv_42"), source="webhook")
        self.assertFalse(request.message_ids)
        self.process()
        receipt = request.message_ids.filtered(lambda m: "Received from" in m.body)
        self.assertIn("Received from Webhook (conversation conv_42).", receipt.body)

    def test_bulk_actions_act_on_what_they_can_and_name_the_rest(self):
        """Process now, Retry and Cancel take many requests; the misfits are
        skipped and named in one notification."""
        # Failed first: making them runs the queue.
        failed = self.failed_request(
            self.other_company, email="f1@acme.example"
        ) | self.failed_request(self.other_company, email="f2@acme.example")
        Request = self.env["quotation.request"].with_user(self.manager)
        queued = Request.browse(
            [self.submit(self.payload(email=f"q{n}@acme.example")).id for n in range(3)]
        )
        queued[:2].action_process_now()
        self.assertEqual(queued.mapped("state"), ["completed", "completed", "queued"])
        report = (failed | queued).with_user(self.manager).action_retry()
        self.assertEqual(set(failed.mapped("state")), {"queued"})
        self.assertEqual(queued.mapped("state"), ["completed", "completed", "queued"])
        params = report["params"]
        self.assertEqual(params["title"], "2 of 5 requests done")
        self.assertIn(f"{queued[0].name} (Completed)", params["message"])
        self.assertIn(f"{queued[2].name} (Queued)", params["message"])
        self.assertNotIn(failed[0].name, params["message"])
        self.assertEqual(params["next"]["tag"], "soft_reload")
        self.assertIsNone(self.as_manager(failed).action_cancel())
        self.assertEqual(set(failed.mapped("state")), {"cancelled"})

    def test_a_button_on_an_out_of_date_screen_says_what_happened(self):
        """Cancel on a request the queue completed meanwhile changes nothing and
        says so, and the screen is reloaded."""
        request = self.submit()
        self.process()
        report = self.as_manager(request).action_cancel()
        self.assertEqual(request.state, "completed")
        self.assertEqual(report["params"]["type"], "danger")
        self.assertIn(f"{request.name} (Completed)", report["params"]["message"])
        self.assertEqual(report["params"]["next"]["tag"], "soft_reload")

    def test_corrections_are_tracked_with_who_made_them(self):
        """Customer fields, notes and lines changed on a failed request show
        in the chatter, old and new, under the manager's name."""
        request = self.failed_request(self.other_company)
        bella = request.line_ids.product_id
        self.as_manager(request).write(
            {
                "partner_name": "Acme Robotics",
                "notes": "Wants six trays.",
                "line_ids": [
                    Command.update(
                        request.line_ids.id,
                        {"product_id": self.tray.id, "quantity": 6},
                    )
                ],
            }
        )
        self.env.cr.precommit.run()
        mine = request.message_ids.filtered(
            lambda message: message.author_id == self.manager.partner_id
        )
        self.assertIn(
            f"Lines changed: {bella.display_name} × 2 → {self.tray.display_name} × 6",
            "".join(mine.mapped("body")),
        )
        changes = {
            value.field_id.name: (value.old_value_char, value.new_value_char)
            for value in mine.tracking_value_ids
        }
        self.assertEqual(changes["partner_name"], ("Acme Corp", "Acme Robotics"))
        self.assertIn("notes", changes)

    def test_status_sorts_in_workflow_order(self):
        """Sorting by status puts queued first and cancelled last, as the kanban."""
        done = self.submit()
        self.process()
        cancelled = self.submit(self.payload(email="c@acme.example"))
        cancelled.action_cancel()
        failed = self.failed_request(self.other_company, email="f@acme.example")
        queued = self.submit(self.payload(email="q@acme.example"))
        requests = self.env["quotation.request"].search(
            [("id", "in", (done | cancelled | queued | failed).ids)], order="state"
        )
        self.assertEqual(
            requests.mapped("state"), ["queued", "completed", "failed", "cancelled"]
        )

    def test_processed_requests_cannot_be_deleted_or_duplicated(self):
        """Completed and failed requests refuse unlink and copy; queued ones don't."""
        done = self.submit()
        self.process()
        failed = self.failed_request(self.other_company, email="f@acme.example")
        for request in (done, failed):
            with self.assertRaisesRegex(UserError, request.name):
                self.as_manager(request).unlink()
            with self.assertRaisesRegex(UserError, request.name):
                self.as_manager(request).copy()
        queued = self.submit(self.payload(email="q@acme.example"))
        duplicate = self.as_manager(queued).copy()
        self.assertEqual(duplicate.source, "manual")
        self.assertEqual(duplicate.line_ids.product_id, queued.line_ids.product_id)
        duplicate.unlink()
        self.assertFalse(duplicate.exists())

    def test_opportunity_names_the_customer_and_forecasts_the_quotation(self):
        """The opportunity is "customer - title" and expects the untaxed quotation."""
        request = self.submit()
        self.process()
        opportunity, order = request.opportunity_id, request.sale_order_id
        self.assertEqual(opportunity.name, "Acme Corp - Robot PUDU quotation")
        self.assertEqual(opportunity.expected_revenue, order.amount_untaxed)
        self.assertEqual(opportunity.expected_revenue, 31900.0)

    def test_total_is_stored_and_summable(self):
        """The request keeps its quotation's total, a measure lists and pivots sum."""
        requests = self.submit() | self.submit(self.payload(email="b@acme.example"))
        self.process()
        self.assertTrue(self.env["quotation.request"]._fields["amount_total"].store)
        self.assertEqual(
            requests[0].amount_total, requests[0].sale_order_id.amount_total
        )
        [(total,)] = self.env["quotation.request"]._read_group(
            [("id", "in", requests.ids)], aggregates=["amount_total:sum"]
        )
        self.assertEqual(total, sum(requests.sale_order_id.mapped("amount_total")))
        self.assertEqual(requests.currency_id, self.env.company.currency_id)

    def test_sale_order_and_opportunity_open_their_request(self):
        """The quotation and the opportunity point back to the request."""
        request = self.submit()
        self.process()
        order = request.sale_order_id.with_user(self.manager)
        opportunity = request.opportunity_id.with_user(self.manager)
        self.assertEqual(order.quotation_request_id, request)
        self.assertEqual(opportunity.quotation_request_id, request)
        action = order.action_open_quotation_request()
        self.assertEqual(
            (action["res_model"], action["res_id"]), (request._name, request.id)
        )
        action = request.action_open_opportunity()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("crm.lead", opportunity.id)
        )

    def test_steps_read_as_a_timeline_in_flow_order(self):
        """The steps tab lists customer to products in the order the flow ran them."""
        request = self.submit()
        self.process()
        html = str(request.steps_html)
        labels = [
            "Customer",
            "Salesperson",
            "Lead",
            "Opportunity",
            "Quotation",
            "Products",
        ]
        positions = [html.index(f">{label}<") for label in labels]
        self.assertEqual(positions, sorted(positions))
        self.assertNotIn("ID:", html)
        # The line shows what the quotation charged, not where it came from.
        self.assertEqual(request.line_ids.charged_price, 15950.0)
        self.assertEqual(request.line_ids.price_display, "15,950.00")

    def test_a_line_switches_between_list_price_and_its_own_price(self):
        """Clearing "List Price" starts from the product's price; setting it
        back drops the line's own price."""
        request = self.submit()
        line = request.line_ids[:1]
        self.assertTrue(line.use_list_price)
        line.use_list_price = False
        self.assertEqual(line.price_unit, line.product_id.lst_price)
        line.price_unit = 99.0
        self.assertFalse(line.use_list_price)
        line.use_list_price = True
        self.assertEqual(line.price_unit, -1.0)
        self.assertEqual(line.price_display, "List price")

    def test_settings_show_this_databases_endpoints(self):
        """Settings give the submit and status URLs under this database's base URL."""
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            settings.mcp_quotation_submit_url,
            f"{base_url}/mcp_quotation/v1/quotations",
        )
        self.assertTrue(settings.mcp_quotation_status_url.endswith("/<tracking_id>"))

    def test_settings_warn_when_callers_on_the_internet_cannot_reach_odoo(self):
        """A loopback or plain-HTTP web.base.url is named, with the fix; a
        public HTTPS one is not."""
        params = self.env["ir.config_parameter"].sudo()
        for base_url, expected in (
            ("http://127.0.0.1:8069", "is not reachable from the internet"),
            ("http://localhost:8069", "is not reachable from the internet"),
            ("https://odoo", "is not reachable from the internet"),
            ("http://10.0.0.5", "is not reachable from the internet"),
            ("http://odoo.example.com", "is not HTTPS"),
        ):
            params.set_param("web.base.url", base_url)
            warning = (
                self.env["res.config.settings"].create({}).mcp_quotation_url_warning
            )
            self.assertIn(f"{base_url} {expected}", warning)
            self.assertIn("web.base.url.freeze", warning)
        params.set_param("web.base.url", "https://odoo.example.com")
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.mcp_quotation_url_warning)
        self.assertEqual(
            settings.mcp_quotation_submit_url,
            "https://odoo.example.com/mcp_quotation/v1/quotations",
        )
