from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged

from ..contract import PRODUCTS_PATH
from ..exceptions import QuotationValidationError
from .common import ApiCase


@tagged("post_install", "-at_install", "mcp_quotation")
class TestProductLookup(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.desk = Product.create(
            {
                "name": "Desk Combination",
                "default_code": "FURN_7800",
                "barcode": "5410000078006",
                "list_price": 450.0,
            }
        )
        cls.cabinet = Product.create({"name": "Large Cabinet", "list_price": 320.0})
        cls.coffee = Product.create({"name": "Café Crème Machine", "list_price": 99.0})
        cls.unsellable = Product.create(
            {"name": "Desk Combination Spare Part", "sale_ok": False}
        )
        cls.archived = Product.create({"name": "Desk Combination Old"})
        cls.archived.action_archive()
        other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls.foreign = Product.create(
            {"name": "Desk Combination Abroad", "company_id": other_company.id}
        )

    def lookup(self, words, **params):
        query = {"q": words, **params}
        path = PRODUCTS_PATH + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        response = self.call(path)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["products"]

    def test_a_misspelled_name_finds_the_product_with_its_sale_facts(self):
        """'dsk combinaton' finds Desk Combination with price, currency and unit."""
        [best, *_] = self.lookup("dsk combinaton")
        self.assertEqual(best["id"], self.desk.id)
        self.assertEqual(best["name"], "Desk Combination")
        self.assertEqual(best["reference"], "FURN_7800")
        self.assertEqual(best["list_price"], 450.0)
        self.assertEqual(best["currency"], self.env.company.currency_id.name)
        self.assertEqual(best["unit"], self.desk.uom_id.name)
        self.assertGreater(best["score"], 0)

    def test_variants_are_named_and_priced_as_odoo_does(self):
        """A variant is named and priced as its display_name and lst_price."""
        colour = self.env["product.attribute"].create(
            {
                "name": "Colour",
                "value_ids": [
                    Command.create({"name": "Red"}),
                    Command.create({"name": "Blue"}),
                ],
            }
        )
        finish = self.env["product.attribute"].create(
            {"name": "Finish", "value_ids": [Command.create({"name": "Matte"})]}
        )
        template = self.env["product.template"].create(
            {
                "name": "Standing Desk",
                "list_price": 500.0,
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": colour.id,
                            "value_ids": [Command.set(colour.value_ids.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "attribute_id": finish.id,
                            "value_ids": [Command.set(finish.value_ids.ids)],
                        }
                    ),
                ],
            }
        )
        red = template.product_variant_ids.filtered(
            lambda variant: (
                "Red" in variant.product_template_attribute_value_ids.mapped("name")
            )
        )
        red.product_template_attribute_value_ids.filtered(
            lambda value: value.name == "Red"
        ).price_extra = 25.0
        hits = {hit["id"]: hit for hit in self.lookup("standing desk", limit=10)}
        self.assertLessEqual(set(template.product_variant_ids.ids), set(hits))
        for variant in template.product_variant_ids:
            hit = hits[variant.id]
            self.assertEqual(
                hit["name"],
                variant.with_context(display_default_code=False).display_name,
            )
            self.assertEqual(hit["list_price"], variant.lst_price)
        self.assertEqual(hits[red.id]["name"], "Standing Desk (Red)")
        self.assertEqual(hits[red.id]["list_price"], 525.0)

    def test_only_sellable_active_products_of_the_company_are_found(self):
        """Unsellable, archived and other companies' products never come back."""
        found = {hit["id"] for hit in self.lookup("desk combination", limit=50)}
        self.assertIn(self.desk.id, found)
        self.assertFalse(
            found & {self.unsellable.id, self.archived.id, self.foreign.id}, found
        )

    def test_case_accents_references_and_barcodes_match(self):
        """Upper case, a missing accent, a reference or a barcode all match."""
        self.assertEqual(self.lookup("LARGE CABINET")[0]["id"], self.cabinet.id)
        coffee = self.lookup("cafe creme")[0]
        self.assertEqual(coffee["id"], self.coffee.id)
        if self.env.registry.has_unaccent:
            self.assertEqual(coffee["score"], 1.0)
        self.assertEqual(self.lookup("furn 7800")[0]["id"], self.desk.id)
        self.assertEqual(self.lookup("5410000078006")[0]["id"], self.desk.id)

    def test_without_pg_trgm_the_lookup_matches_whole_words_and_says_so_once(self):
        """No pg_trgm: products with the most of the words first, one warning."""
        Product = type(self.env["product.product"])
        with (
            patch.object(self.env.registry, "has_trigram", False),
            patch.object(Product, "_mcp_warned_without_trigram", False),
            self.assertLogs(
                "odoo.addons.mcp_quotation.models.product_product", "WARNING"
            ) as logged,
        ):
            both = self.env["product.product"]._mcp_lookup("large cabinet", 5)
            self.env["product.product"]._mcp_lookup("desk", 5)
            misspelt = self.env["product.product"]._mcp_lookup("dsk combinaton", 5)
        self.assertEqual(both[0]["id"], self.cabinet.id)
        self.assertEqual(both[0]["score"], 1.0)
        self.assertEqual(misspelt, [])
        self.assertEqual(len(logged.records), 1)
        self.assertIn("pg_trgm", logged.output[0])

    def test_a_lookup_is_one_statement(self):
        """The search, its thresholds and the hits' sale facts: one statement."""
        Product = self.env["product.product"]
        Product._mcp_lookup("desk", 5)  # the current company, read once
        with self.assertQueryCount(1):
            [best, *_] = Product._mcp_lookup("dsk combinaton", 5)
        self.assertEqual(best["id"], self.desk.id)

    def test_words_matching_nothing_find_nothing(self):
        """A word like no product answers an empty list, not a guess."""
        self.assertEqual(self.lookup("xylophone"), [])

    def test_limit_caps_the_hits_best_first(self):
        """limit caps the list, and the scores come in decreasing order."""
        hits = self.lookup("desk", limit=1)
        self.assertEqual(len(hits), 1)
        scores = [hit["score"] for hit in self.lookup("desk cabinet")]
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_bad_parameters_answer_422_naming_them(self):
        """A missing q, a bad limit and an unknown parameter are each named."""
        response = self.call(f"{PRODUCTS_PATH}?limit=500&colour=red")
        self.assertEqual(response.status_code, 422, response.text)
        body = response.json()
        self.assertEqual(body["error"], "validation_error")
        self.assertEqual(
            {error["field"] for error in body["errors"]}, {"q", "limit", "colour"}
        )

    def test_without_api_key_the_lookup_answers_401(self):
        """The lookup is behind the same API-key auth as the quotation routes."""
        response = self.url_open(f"{PRODUCTS_PATH}?q=desk")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "unauthorized")

    def test_product_ref_resolves_through_the_matcher_when_clear(self):
        """A misspelled product_ref with one clear best hit becomes that product."""
        request = self.submit(
            self.lines_payload([{"product_ref": "dsk combinaton", "product_qty": 2}])
        )
        self.assertEqual(request.line_ids.product_id, self.desk)
        self.assertEqual(request.line_ids.product_ref, "dsk combinaton")

    def test_an_ambiguous_product_ref_lists_the_candidates(self):
        """A product_ref several products match is refused with their ids."""
        Product = self.env["product.product"]
        first = Product.create({"name": "Office Chair Black"})
        second = Product.create({"name": "Office Chair White"})
        count = self.env["quotation.request"].search_count([])
        with self.assertRaises(QuotationValidationError) as raised:
            self.submit(self.lines_payload([{"product_ref": "office chair"}]))
        [error] = raised.exception.errors
        self.assertEqual(error["field"], "lines[0].product_ref")
        self.assertIn(f"id {first.id}", error["message"])
        self.assertIn(f"id {second.id}", error["message"])
        self.assertEqual(self.env["quotation.request"].search_count([]), count)
