import logging

from odoo import api, models
from odoo.tools import SQL, Query
from odoo.tools.sql import escape_psql

from ..series import PERCENT, Index

_logger = logging.getLogger(__name__)

# pg_trgm's own thresholds are 0.3 (similarity) and 0.6 (word similarity);
# a word misheard by speech-to-text keeps about a third of its trigrams.
MIN_SIMILARITY = 0.3


def _trigram_index(column):
    """A GIN trigram index on ``column``, where PostgreSQL has pg_trgm."""
    return lambda registry: (
        f"USING gin ({column} gin_trgm_ops)" if registry.has_trigram else ""
    )


class ProductProduct(models.Model):
    _inherit = "product.product"

    # The template's name already has Odoo's trigram index (index="trigram").
    _mcp_default_code_trigram_index = Index(_trigram_index("default_code"))
    _mcp_barcode_trigram_index = Index(_trigram_index("barcode"))

    _mcp_warned_without_trigram = False

    @api.model
    def _mcp_lookup(self, words, limit):
        """The sellable products of the current company nearest to ``words``.

        Returns ``[{"id", "name", "reference", "list_price", "currency",
        "unit", "score"}]``, best first: trigram similarity over the name
        (case- and, where Odoo has ``unaccent``, accent-insensitive), the
        internal reference and the barcode. Without pg_trgm, products that
        contain the most of the words come first.
        """
        query, template = self._mcp_sellable_query()
        unaccent = self.env.registry.unaccent
        # Every translation of the name; Odoo's trigram index on the template
        # name is on this very expression (unaccented where Odoo unaccents).
        name = SQL(
            "(jsonb_path_query_array(%s, '$.*')::text)",
            SQL.identifier(template, "name"),
        )
        code = SQL.identifier(self._table, "default_code")
        barcode = SQL.identifier(self._table, "barcode")
        order = [SQL("score DESC")]
        thresholds = SQL()
        if self.env.registry.has_trigram:
            thresholds = SQL(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
                " set_config('pg_trgm.similarity_threshold', %s, true); ",
                str(MIN_SIMILARITY),
                str(MIN_SIMILARITY),
            )
            spoken, written = unaccent(SQL("%s", words)), unaccent(name)
            match, score = self._mcp_trigram_match(spoken, written)
            # Among equal scores, the name most like the words as a whole
            # first: "office chair" before "Office Chair Black".
            order.append(SQL("similarity(%s, %s) DESC", spoken, written))
            match = SQL(
                "(%s OR %s %s %s OR %s %s %s)",
                *(match, code, PERCENT, words, barcode, PERCENT, words),
            )
            score = SQL(
                "GREATEST(%s, similarity(%s, %s), similarity(%s, %s))",
                score,
                code,
                words,
                barcode,
                words,
            )
        else:
            match, score = self._mcp_words_match(words, (name, code, barcode))
        query.add_where(match)
        order.append(SQL.identifier(self._table, "id"))
        query.order = SQL(", ").join(order)
        query.limit = limit
        # One query answers everything: reading the hits through the ORM
        # (display name, price, currency) cost more than the search itself.
        # The thresholds go in the same round trip, before it.
        self.env.cr.execute(
            SQL(
                "%s%s",
                thresholds,
                query.select(
                    SQL("%s AS id", SQL.identifier(self._table, "id")),
                    SQL("%s AS score", score),
                    *self._mcp_hit_columns(query, template),
                ),
            )
        )
        return [
            {
                "id": row["id"],
                "name": f"{row['name']} ({row['variant']})"
                if row["variant"]
                else row["name"],
                "reference": row["reference"],
                "list_price": row["list_price"],
                "currency": row["currency"],
                "unit": row["unit"],
                "score": round(float(row["score"]), 3),
            }
            for row in self.env.cr.dictfetchall()
        ]

    def _mcp_sellable_query(self):
        """``(query, template alias)``: the current company's sellable products.

        Written out rather than compiled from a domain: the lookup answers
        while the caller waits, and the ORM's domain compiler cost 15% of it.
        """
        query = Query(self.env, self._table, SQL.identifier(self._table))
        template = query.join(
            self._table, "product_tmpl_id", "product_template", "id", "product_tmpl_id"
        )
        query.add_where(
            SQL(
                "%s AND %s AND (%s IS NULL OR %s = %s)",
                SQL.identifier(self._table, "active"),
                SQL.identifier(template, "sale_ok"),
                SQL.identifier(template, "company_id"),
                SQL.identifier(template, "company_id"),
                self.env.company.id,
            )
        )
        return query, template

    def _mcp_hit_columns(self, query, template):
        """A hit's name, variant, reference, price, currency and unit, as SQL.

        The variant and the price are ``display_name``'s combination name and
        ``lst_price``, computed as Odoo computes them; the tests compare them.
        """
        product = SQL.identifier(self._table, "id")
        uom = query.left_join(template, "uom_id", "uom_uom", "id", "uom_id")
        company = query.left_join(
            template, "company_id", "res_company", "id", "company_id"
        )
        return [
            SQL(
                "%s AS name",
                self.env["product.template"]._field_to_sql(template, "name"),
            ),
            SQL("(%s) AS variant", self._mcp_combination_name(product)),
            SQL("%s AS reference", SQL.identifier(self._table, "default_code")),
            SQL(
                """%s + COALESCE((
                    SELECT sum(ptav.price_extra)
                      FROM product_variant_combination pvc
                      JOIN product_template_attribute_value ptav
                        ON ptav.id = pvc.product_template_attribute_value_id
                     WHERE pvc.product_product_id = %s), 0) AS list_price""",
                SQL.identifier(template, "list_price"),
                product,
            ),
            # A product of no company is priced in the caller's company's currency.
            SQL(
                """(SELECT name FROM res_currency WHERE id = COALESCE(%s,
                        (SELECT currency_id FROM res_company WHERE id = %s))
                ) AS currency""",
                SQL.identifier(company, "currency_id"),
                self.env.company.id,
            ),
            SQL("%s AS unit", self.env["uom.uom"]._field_to_sql(uom, "name")),
        ]

    def _mcp_combination_name(self, product):
        """``_get_combination_name()`` of ``product``'s values, as a sub-select:
        the values of its lines that have more than one, in Odoo's order."""
        Value = self.env["product.template.attribute.value"]
        values = Query(self.env, "ptav", SQL.identifier(Value._table))
        values.add_join(
            "JOIN",
            "pvc",
            "product_variant_combination",
            SQL("pvc.product_template_attribute_value_id = ptav.id"),
        )
        # Joined as the ORM joins a many2one it orders by, so that the order
        # below reuses this join (19.0's Many2one.join; 18.0 has none).
        attribute_value = values.make_alias("ptav", "product_attribute_value_id")
        values.add_join(
            "LEFT JOIN",
            attribute_value,
            "product_attribute_value",
            SQL(
                "%s = %s",
                Value._field_to_sql("ptav", "product_attribute_value_id", values),
                SQL.identifier(attribute_value, "id"),
            ),
        )
        values.add_where(SQL("pvc.product_product_id = %s", product))
        values.add_where(
            SQL(
                """(SELECT count(*) FROM product_template_attribute_value line
                     WHERE line.attribute_line_id = ptav.attribute_line_id
                       AND line.ptav_active) > 1"""
            )
        )
        return values.select(
            SQL(
                "string_agg(%s, ', ' ORDER BY %s)",
                self.env["product.attribute.value"]._field_to_sql(
                    attribute_value, "name"
                ),
                Value._order_to_sql(Value._order, values, alias="ptav"),
            )
        )

    def _mcp_trigram_match(self, words, name):
        """Word similarity of ``words`` to the name, on its trigram index.

        ``<%`` is ``word_similarity() >=`` the threshold the lookup sets.
        """
        return (
            SQL("%s <%s %s", words, PERCENT, name),
            SQL("word_similarity(%s, %s)", words, name),
        )

    def _mcp_words_match(self, words, columns):
        """Products containing any of the words; the more words, the better."""
        if not ProductProduct._mcp_warned_without_trigram:
            ProductProduct._mcp_warned_without_trigram = True
            _logger.warning(
                "PostgreSQL's pg_trgm extension is missing: the product lookup "
                "matches whole words only, without tolerance for misspellings. "
                "Run CREATE EXTENSION pg_trgm in this database to enable it."
            )
        unaccent = self.env.registry.unaccent
        terms = words.split()
        hits = [
            SQL(
                "(CASE WHEN %s THEN 1 ELSE 0 END)",
                SQL(" OR ").join(
                    SQL(
                        "%s ILIKE %s",
                        unaccent(column),
                        unaccent(SQL("%s", f"%{escape_psql(term)}%")),
                    )
                    for column in columns
                ),
            )
            for term in terms
        ]
        score = SQL("((%s)::float / %s)", SQL(" + ").join(hits), len(terms))
        return SQL("%s > 0", score), score
