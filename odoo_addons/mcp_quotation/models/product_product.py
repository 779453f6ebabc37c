import logging

from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.sql import escape_psql

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
    _mcp_default_code_trigram_index = models.Index(_trigram_index("default_code"))
    _mcp_barcode_trigram_index = models.Index(_trigram_index("barcode"))

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
        products = self.sudo().with_context(active_test=True)
        query = products._search(
            Domain("sale_ok", "=", True)
            & Domain("company_id", "in", [False, self.env.company.id])
        )
        # The join _search made for the inherited fields, if it made one.
        template = query.left_join(
            self._table, "product_tmpl_id", "product_template", "id", "product_tmpl_id"
        )
        unaccent = self.env.registry.unaccent
        # Every translation of the name; Odoo's trigram index on the template
        # name is on this very expression (unaccented where Odoo unaccents).
        name = SQL(
            "(jsonb_path_query_array(%s, '$.*')::text)",
            SQL.identifier(template, "name"),
        )
        code = SQL.identifier(self._table, "default_code")
        barcode = SQL.identifier(self._table, "barcode")
        # Among equal scores, the name most like the words as a whole first:
        # "office chair" before "Office Chair Black".
        tiebreak = SQL("0")
        if self.env.registry.has_trigram:
            match, score = self._mcp_trigram_match(
                unaccent(SQL("%s", words)), unaccent(name)
            )
            tiebreak = SQL(
                "similarity(%s, %s)", unaccent(SQL("%s", words)), unaccent(name)
            )
            match = SQL(
                "(%s OR %s %% %s OR %s %% %s)", match, code, words, barcode, words
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
        query.order = SQL(
            "score DESC, %s DESC, %s", tiebreak, SQL.identifier(self._table, "id")
        )
        query.limit = limit
        rows = self.env.execute_query(
            query.select(SQL.identifier(self._table, "id"), SQL("%s AS score", score))
        )
        scores = dict(rows)
        found = products.browse([row[0] for row in rows])
        return [
            {
                "id": product.id,
                "name": product.with_context(display_default_code=False).display_name,
                "reference": product.default_code or None,
                "list_price": product.lst_price,
                "currency": product.currency_id.name,
                "unit": product.uom_id.name,
                "score": round(float(scores[product.id]), 3),
            }
            for product in found
        ]

    def _mcp_trigram_match(self, words, name):
        """Word similarity of ``words`` to the name, on its trigram index."""
        # <% is word_similarity() >= this threshold, answered by the index.
        self.env.cr.execute(
            SQL(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
                " set_config('pg_trgm.similarity_threshold', %s, true)",
                str(MIN_SIMILARITY),
                str(MIN_SIMILARITY),
            )
        )
        return (
            SQL("%s <%% %s", words, name),
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
