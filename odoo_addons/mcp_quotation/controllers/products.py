"""The generic product lookup: the bridge and the voice agent both call it."""

from odoo import http
from odoo.http import request

from ..contract import PRODUCTS_PATH
from ..exceptions import InvalidLookup
from ..lib.lookup import parse_lookup
from .mcp_quotation import require_method


class ProductsController(http.Controller):
    @http.route(
        PRODUCTS_PATH,
        type="http",
        auth="bearer",
        csrf=False,
        readonly=True,
        save_session=False,
    )
    def lookup_products(self, **args):
        """The sellable products nearest to the words ``q``, best first."""
        require_method("GET")
        (words, limit), errors = parse_lookup(args)
        if errors:
            raise InvalidLookup(request.env, errors)
        products = request.env["product.product"]._mcp_lookup(words, limit)
        return request.make_json_response({"query": words, "products": products})
