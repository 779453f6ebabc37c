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
# The lookup's statement, a PL/pgSQL function that init() creates: PL/pgSQL
# keeps a statement's plan for the rest of the database session, and Odoo's
# pool keeps its connections, so the lookup is planned once per connection.
# Planned at every call, planning cost a median 2.3 ms a lookup at 100,000
# products, most of what the lookup added to a trivial call for typical words.
LOOKUP_FUNCTION = "mcp_quotation_product_lookup"
# Odoo reads a translated field in the first of at most four languages that it
# has (Field.get_translation_fallback_langs).
FALLBACK_LANGS = 4


def _translated(column, langs):
    """The translated field ``column`` in the first of ``langs`` (an SQL
    ``text[]``) that it has, as Odoo's ``Field.to_sql`` reads it."""
    return SQL(
        "COALESCE(%s)",
        SQL(", ").join(
            SQL("%s->>(%s)[%s]", column, langs, index)
            for index in range(1, FALLBACK_LANGS + 1)
        ),
    )


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

    def init(self):
        """(Re)create the lookup's function, ``LOOKUP_FUNCTION``.

        Created whether or not the database has pg_trgm (PL/pgSQL resolves
        operators at the first call), so that a database given the extension
        later has the function at hand. The plan is forced generic: the words
        change which index entries are read, not how, and PostgreSQL would
        otherwise go on planning every call for words of its own. A generic
        plan cannot know how few rows a trigram search finds (pg_trgm guesses
        1% of the table, whatever the words), so it would hash whole tables
        and compile the statement (JIT) at every call: only nested loops
        through the indexes are allowed, and no JIT.
        """
        result = super().init()
        function = SQL.identifier(LOOKUP_FUNCTION)
        self.env.cr.execute(SQL("DROP FUNCTION IF EXISTS %s", function))
        self.env.cr.execute(
            SQL(
                """CREATE FUNCTION %s(
                       forms text[], lim integer, caller_company integer,
                       langs text[])
                   RETURNS TABLE (id integer, score real, name text, variant text,
                                  reference text, list_price numeric,
                                  currency text, unit text)
                   LANGUAGE plpgsql STABLE
                   SET plan_cache_mode = force_generic_plan
                   SET enable_hashjoin = off
                   SET enable_mergejoin = off
                   SET jit = off
                   SET pg_trgm.similarity_threshold = %s
                   SET pg_trgm.word_similarity_threshold = %s
                   AS $lookup$ BEGIN RETURN QUERY %s; END $lookup$""",
                function,
                str(MIN_SIMILARITY),
                str(MIN_SIMILARITY),
                self._mcp_hit_rows(
                    self._mcp_trigram_hits(
                        SQL("forms"), SQL("lim"), SQL("caller_company")
                    ),
                    SQL("langs"),
                    SQL("caller_company"),
                ),
            )
        )
        return result

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
        # One statement answers everything: reading the hits through the ORM
        # (display name, price, currency) cost more than the search itself.
        self.env.cr.execute(self._mcp_lookup_query(words, limit))
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

    def _mcp_lookup_query(self, words, limit):
        """The lookup's statement: its function's call, where PostgreSQL has
        pg_trgm; else products containing the words."""
        company = self.env.company.id
        langs = list(
            self.env["product.template"]
            ._fields["name"]
            .get_translation_fallback_langs(self.env)
        )
        if self.env.registry.has_trigram:
            return SQL(
                "SELECT * FROM %s(%s::text[], %s, %s, %s::text[])",
                SQL.identifier(LOOKUP_FUNCTION),
                spoken_forms(words),
                limit,
                company,
                langs,
            )
        return self._mcp_hit_rows(
            self._mcp_words_hits(words, limit),
            SQL("%s::text[]", langs),
            SQL("%s", company),
        )

    def _mcp_sellable(self, company):
        """Active sellable products of ``company`` (an SQL expression), as a
        condition on the aliases ``product`` and ``template``."""
        return SQL(
            "product.active AND template.sale_ok"
            " AND (template.company_id IS NULL OR template.company_id = %s)",
            company,
        )

    def _mcp_trigram_hits(self, forms, limit, company):
        """The ``limit`` best sellable products of ``company`` for any of the
        words ``forms``: ``(id, score, likeness)``, best first. The arguments
        are SQL expressions (a ``text[]`` and two integers): the function's
        parameters in ``init()``, values where a test explains the statement.

        Each of name, reference and barcode answers its ``limit`` nearest
        through its own trigram index (the ``<%`` and ``%`` operators), and only
        those candidates are scored. That loses nothing: a product's score is
        the best of its similarities, so a product among the ``limit`` best
        overall is among the ``limit`` best of the column that gave its score.
        """
        # Every translation of the name: Odoo's trigram index on the template
        # name is on this very expression (unaccented where Odoo unaccents).
        name = self.env.registry.unaccent(
            SQL("(jsonb_path_query_array(template.name, '$.*')::text)")
        )
        sources = SQL(
            "product_product product JOIN product_template template"
            " ON template.id = product.product_tmpl_id"
        )

        def nearest(match, order):
            """Each form's ``limit`` nearest products by one column."""
            return SQL(
                """SELECT nearest.id FROM form CROSS JOIN LATERAL (
                       SELECT product.id FROM %s WHERE %s AND %s
                        ORDER BY %s DESC, product.id LIMIT %s) nearest""",
                sources,
                self._mcp_sellable(company),
                match,
                order,
                limit,
            )

        candidates = SQL(" UNION ").join(
            [
                nearest(
                    SQL("form.said <%s %s", PERCENT, name),
                    SQL(
                        "word_similarity(form.said, %s) DESC,"
                        " similarity(form.said, %s)",
                        name,
                        name,
                    ),
                ),
                *(
                    nearest(
                        SQL("%s %s form.written", column, PERCENT),
                        SQL("similarity(%s, form.written)", column),
                    )
                    for column in (
                        SQL("product.default_code"),
                        SQL("product.barcode"),
                    )
                ),
            ]
        )
        # Among equal scores, the name most like the words as a whole first:
        # "office chair" before "Office Chair Black".
        return SQL(
            """WITH form AS (
                   SELECT written, %s AS said FROM unnest(%s) written
               ), candidate AS (%s)
               SELECT product.id, scored.score, scored.likeness
                 FROM candidate
                 JOIN product_product product ON product.id = candidate.id
                 JOIN product_template template
                   ON template.id = product.product_tmpl_id
           CROSS JOIN LATERAL (
                   SELECT max(GREATEST(word_similarity(form.said, %s),
                                       similarity(product.default_code, form.written),
                                       similarity(product.barcode, form.written)))
                            AS score,
                          max(similarity(form.said, %s)) AS likeness
                     FROM form) scored
             ORDER BY scored.score DESC, scored.likeness DESC, product.id
                LIMIT %s""",
            self.env.registry.unaccent(SQL("written")),
            forms,
            candidates,
            name,
            name,
            limit,
        )

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
            self._mcp_sellable(self.env.company.id),
            score,
            limit,
        )

    def _mcp_hit_rows(self, hits, langs, company):
        """The ``hits`` with their name, variant, reference, price, currency
        and unit, computed for those rows only; names in the first of ``langs``
        (an SQL ``text[]``) they have, as Odoo reads them.

        The variant and the price are ``display_name``'s combination name and
        ``lst_price``, computed as Odoo computes them; the tests compare them.
        A product of no company is priced in the currency of ``company`` (an
        SQL expression), the caller's.
        """
        return SQL(
            """SELECT hit.id, hit.score, %s AS name, (%s) AS variant,
                      product.default_code::text AS reference,
                      template.list_price + COALESCE((
                        SELECT sum(ptav.price_extra)
                          FROM product_variant_combination pvc
                          JOIN product_template_attribute_value ptav
                            ON ptav.id = pvc.product_template_attribute_value_id
                         WHERE pvc.product_product_id = product.id), 0)::numeric
                        AS list_price,
                      currency.name::text AS currency,
                      %s AS unit
                 FROM (%s) hit
                 JOIN product_product product ON product.id = hit.id
                 JOIN product_template template
                   ON template.id = product.product_tmpl_id
            LEFT JOIN uom_uom uom ON uom.id = template.uom_id
            LEFT JOIN res_company company ON company.id = template.company_id
                 JOIN res_currency currency ON currency.id = COALESCE(
                      company.currency_id,
                      (SELECT caller.currency_id FROM res_company caller
                        WHERE caller.id = %s))
             ORDER BY hit.score DESC, hit.likeness DESC, hit.id""",
            _translated(SQL("template.name"), langs),
            self._mcp_combination_name(SQL("product.id"), langs),
            _translated(SQL("uom.name"), langs),
            hits,
            company,
        )

    def _mcp_combination_name(self, product, langs):
        """``_get_combination_name()`` of ``product``'s values, as a sub-select:
        the values of its lines that have more than one, in Odoo's order, named
        in the first of ``langs`` they have."""
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
                _translated(SQL.identifier(attribute_value, "name"), langs),
                Value._order_to_sql(Value._order, values, alias="ptav"),
            )
        )
