from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..lib.spoken import spoken_forms
from ..models.product_product import MIN_SIMILARITY

# As bench/voice_lookup.py generates a catalogue: "Mobile Robot Lidar 949",
# GEN-000949; names and references that share most of their trigrams.
FAMILIES = ["Mobile Robot", "Cobot Arm", "Servo Drive", "Battery Pack"]
PARTS = ["Lidar", "Encoder", "Bracket", "Sensor", "Wheel"]
GENERATED = 600


def plan_nodes(node):
    """``node`` and every node under it, in an EXPLAIN (FORMAT JSON) plan."""
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


@tagged("post_install", "-at_install", "mcp_quotation")
class TestProductLookupScale(TransactionCase):
    """The lookup on a catalogue of many near-identical products."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["product.product"].create(
            [
                {
                    "name": f"{FAMILIES[number % 4]} {PARTS[number // 4 % 5]} {number}",
                    "default_code": f"GEN-{number:06d}",
                    "barcode": f"40{number:011d}",
                }
                for number in range(GENERATED)
            ]
        )

    def executed_plan(self, words, limit):
        """The nodes of the lookup's plan as PostgreSQL ran it: its function's
        statement, at the function's thresholds."""
        Product = self.env["product.product"]
        self.env.cr.execute(
            SQL(
                "SET LOCAL pg_trgm.similarity_threshold = %s;"
                " SET LOCAL pg_trgm.word_similarity_threshold = %s",
                str(MIN_SIMILARITY),
                str(MIN_SIMILARITY),
            )
        )
        hits = Product._mcp_trigram_hits(
            SQL("%s::text[]", spoken_forms(words)),
            SQL("%s", limit),
            SQL("%s", self.env.company.id),
        )
        rows = Product._mcp_hit_rows(
            hits, SQL("%s::text[]", ["en_US"]), SQL("%s", self.env.company.id)
        )
        self.env.cr.execute(SQL("EXPLAIN (ANALYZE, FORMAT JSON) %s", rows))
        [[plan]] = self.env.cr.fetchall()
        return list(plan_nodes(plan[0]["Plan"]))

    def test_only_a_few_candidates_are_scored_and_only_hits_are_described(self):
        """Each column offers at most ``limit`` candidates, and the variant
        names and prices are computed for the hits returned, not the matches."""
        nodes = self.executed_plan("mobile robot lidar forty", 3)
        [candidates] = [node for node in nodes if node["Node Type"] == "Append"]
        # Three columns, each for the words as said and as written ("... 40").
        self.assertLessEqual(candidates["Actual Rows"], 3 * 2 * 3)
        matches = self.env["product.product"].search_count(
            [("name", "ilike", "mobile robot")]
        )
        self.assertGreater(matches, 100)
        subplans = [
            node for node in nodes if node.get("Parent Relationship") == "SubPlan"
        ]
        self.assertTrue(subplans)
        for node in subplans:
            self.assertLessEqual(node["Actual Loops"], 3, node["Subplan Name"])

    def test_the_nearest_of_many_near_identical_products_comes_first(self):
        """Among hundreds of near-identical names and references, the one meant
        comes first, by name, reference or barcode."""
        Product = self.env["product.product"]
        for words, reference in [
            ("cobot arm weel 317", "GEN-000317"),
            ("servo drive wheel three hundred eighteen", "GEN-000318"),
            ("gen 000317", "GEN-000317"),
            ("G E N 0 0 0 3 1 7", "GEN-000317"),
            ("4000000000317", "GEN-000317"),
        ]:
            with self.subTest(words=words):
                [best, *_] = Product._mcp_lookup(words, 5)
                self.assertEqual(best["reference"], reference)
