import logging

from odoo import api, models
from odoo.tools import SQL, Query
from odoo.tools.sql import escape_psql

from ..lib.spoken import spoken_forms
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
        "unit", "score"}]``, best first: trigram similarity over the name in
        every language (case- and, where Odoo has ``unaccent``,
        accent-insensitive), the internal reference and the barcode, of the
        words as said and as a catalogue writes them (``spoken_forms``).
        Without pg_trgm, products that contain the most of the words come first.
        """
        # One round trip answers everything, the thresholds first: reading the
        # hits through the ORM (display name, price, currency) cost more than
        # the search itself.
        self.env.cr.execute(
            SQL("%s%s", self._mcp_thresholds(), self._mcp_lookup_query(words, limit))
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

    def _mcp_thresholds(self):
        """The statement setting pg_trgm's thresholds for this transaction."""
        if not self.env.registry.has_trigram:
            return SQL()
        return SQL(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
            " set_config('pg_trgm.similarity_threshold', %s, true); ",
            str(MIN_SIMILARITY),
            str(MIN_SIMILARITY),
        )

    def _mcp_lookup_query(self, words, limit):
        """The lookup's statement, run after ``_mcp_thresholds()``."""
        if self.env.registry.has_trigram:
            hits = self._mcp_trigram_hits(spoken_forms(words), limit)
        else:
            hits = self._mcp_words_hits(words, limit)
        return self._mcp_hit_rows(hits)

    def _mcp_sellable(self):
        """Active sellable products of the current company, as a condition on
        the aliases ``product`` and ``template``."""
        return SQL(
            "product.active AND template.sale_ok"
            " AND (template.company_id IS NULL OR template.company_id = %s)",
            self.env.company.id,
        )

    def _mcp_trigram_hits(self, forms, limit):
        """The ``limit`` best products for any of ``forms``: ``(id, score, likeness)``.

        Each of name, reference and barcode answers its ``limit`` nearest
        through its own trigram index (the ``<%`` and ``%`` operators), and only
        those candidates are scored. That loses nothing: a product's score is
        the best of its similarities, so a product among the ``limit`` best
        overall is among the ``limit`` best of the column that gave its score.
        """
        unaccent = self.env.registry.unaccent
        # Every translation of the name: Odoo's trigram index on the template
        # name is on this very expression (unaccented where Odoo unaccents).
        name = unaccent(SQL("(jsonb_path_query_array(template.name, '$.*')::text)"))
        spoken = [unaccent(SQL("%s", form)) for form in forms]
        score = SQL(
            "GREATEST(%s)",
            SQL(", ").join(
                similarity
                for form, said in zip(forms, spoken, strict=True)
                for similarity in (
                    SQL("word_similarity(%s, %s)", said, name),
                    SQL("similarity(product.default_code, %s)", form),
                    SQL("similarity(product.barcode, %s)", form),
                )
            ),
        )
        # Among equal scores, the name most like the words as a whole first:
        # "office chair" before "Office Chair Black".
        likeness = SQL(
            "GREATEST(%s)",
            SQL(", ").join(SQL("similarity(%s, %s)", said, name) for said in spoken),
        )
        return SQL(
            """SELECT product.id, %s AS score, %s AS likeness
                 FROM (%s) candidate
                 JOIN product_product product ON product.id = candidate.id
                 JOIN product_template template
                   ON template.id = product.product_tmpl_id
             ORDER BY score DESC, likeness DESC, product.id
                LIMIT %s""",
            score,
            likeness,
            self._mcp_trigram_candidates(forms, spoken, name, limit),
            limit,
        )

    def _mcp_trigram_candidates(self, forms, spoken, name, limit):
        """The union of each column's ``limit`` nearest products, through its
        trigram index: name (as said), reference and barcode (as written)."""
        sources = SQL(
            "product_product product JOIN product_template template"
            " ON template.id = product.product_tmpl_id"
        )

        def nearest(match, order):
            return SQL(
                "(SELECT product.id FROM %s WHERE %s AND %s"
                " ORDER BY %s DESC, product.id LIMIT %s)",
                sources,
                self._mcp_sellable(),
                match,
                order,
                limit,
            )

        candidates = []
        for form, said in zip(forms, spoken, strict=True):
            candidates.append(
                nearest(
                    SQL("%s <%s %s", said, PERCENT, name),
                    SQL(
                        "word_similarity(%s, %s) DESC, similarity(%s, %s)",
                        said,
                        name,
                        said,
                        name,
                    ),
                )
            )
            candidates.extend(
                nearest(
                    SQL("%s %s %s", column, PERCENT, form),
                    SQL("similarity(%s, %s)", column, form),
                )
                for column in (SQL("product.default_code"), SQL("product.barcode"))
            )
        return SQL(" UNION ").join(candidates)

    def _mcp_words_hits(self, words, limit):
        """Products containing any of the words, the more the better:
        ``(id, score, likeness)``."""
        if not ProductProduct._mcp_warned_without_trigram:
            ProductProduct._mcp_warned_without_trigram = True
            _logger.warning(
                "PostgreSQL's pg_trgm extension is missing: the product lookup "
                "matches whole words only, without tolerance for misspellings. "
                "Run CREATE EXTENSION pg_trgm in this database to enable it."
            )
        unaccent = self.env.registry.unaccent
        columns = (
            SQL("(jsonb_path_query_array(template.name, '$.*')::text)"),
            SQL("product.default_code"),
            SQL("product.barcode"),
        )
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
        return SQL(
            """SELECT product.id, %s AS score, 0 AS likeness
                 FROM product_product product
                 JOIN product_template template
                   ON template.id = product.product_tmpl_id
                WHERE %s AND %s > 0
             ORDER BY score DESC, product.id
                LIMIT %s""",
            score,
            self._mcp_sellable(),
            score,
            limit,
        )

    def _mcp_hit_rows(self, hits):
        """The ``hits`` with their name, variant, reference, price, currency
        and unit, computed for those rows only.

        The variant and the price are ``display_name``'s combination name and
        ``lst_price``, computed as Odoo computes them; the tests compare them.
        A product of no company is priced in the caller's company's currency.
        """
        return SQL(
            """SELECT hit.id, hit.score, %s AS name, (%s) AS variant,
                      product.default_code AS reference,
                      template.list_price + COALESCE((
                        SELECT sum(ptav.price_extra)
                          FROM product_variant_combination pvc
                          JOIN product_template_attribute_value ptav
                            ON ptav.id = pvc.product_template_attribute_value_id
                         WHERE pvc.product_product_id = product.id), 0) AS list_price,
                      currency.name AS currency,
                      %s AS unit
                 FROM (%s) hit
                 JOIN product_product product ON product.id = hit.id
                 JOIN product_template template
                   ON template.id = product.product_tmpl_id
            LEFT JOIN uom_uom uom ON uom.id = template.uom_id
            LEFT JOIN res_company company ON company.id = template.company_id
                 JOIN res_currency currency ON currency.id = COALESCE(
                      company.currency_id,
                      (SELECT currency_id FROM res_company WHERE id = %s))
             ORDER BY hit.score DESC, hit.likeness DESC, hit.id""",
            self.env["product.template"]._field_to_sql("template", "name"),
            self._mcp_combination_name(SQL("product.id")),
            self.env["uom.uom"]._field_to_sql("uom", "name"),
            hits,
            self.env.company.id,
        )

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
