from odoo.tests import HttpCase, tagged

from ..contract import OPENAPI_PATH
from ..lib.openapi import openapi_document


@tagged("post_install", "-at_install", "mcp_quotation")
class TestOpenApi(HttpCase):
    def test_the_document_is_served_without_a_key_and_revalidated_by_its_etag(self):
        """Anyone may read the contract; a cache keeps it until the code changes."""
        response = self.url_open(OPENAPI_PATH)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), openapi_document())
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(response.headers["Cache-Control"], "public, max-age=3600")
        etag = response.headers["ETag"]
        again = self.url_open(OPENAPI_PATH, headers={"If-None-Match": etag})
        self.assertEqual(again.status_code, 304)
        self.assertFalse(again.content)

    def test_another_method_gets_the_apis_405(self):
        """The document's path answers errors in the API's shape too."""
        # A body makes url_open POST, on 18.0 (no method=) as on 19.0.
        response = self.url_open(OPENAPI_PATH, data="{}")
        self.assertEqual(response.status_code, 405, response.text)
        self.assertEqual(response.json()["error"], "method_not_allowed")
