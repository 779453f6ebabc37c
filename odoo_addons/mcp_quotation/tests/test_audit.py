import json
import os
import sys
from unittest import SkipTest
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..quotation_flow import QuotationFlow
from .common import QUEUE_LOGGER, QuotationCase

# Set by scripts/odoo-addon-tests, which starts a local S3 server (moto).
S3_ENDPOINT_ENV = "MCP_QUOTATION_TEST_S3_ENDPOINT"
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9"
AUDIT_LOGGER = "odoo.addons.mcp_quotation.models.quotation_request_audit"


@tagged("post_install", "-at_install", "mcp_quotation")
class TestAuditLocalFolder(QuotationCase):
    def shipped_document(self, request):
        created = request.create_date
        path = os.path.join(
            self.log_folder,
            "mcp-odoo-logs",
            f"{created:%Y}",
            f"{created:%m}",
            f"{created:%Y-%m-%d}_{request.tracking_id}.json",
        )
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def test_accepting_a_request_writes_nothing_on_the_submitters_path(self):
        """Submission neither writes a file nor queues a document."""
        self.submit()
        self.assertFalse(self.env["quotation.request.audit"].search([]))
        self.assertFalse(os.listdir(self.log_folder))

    def test_accepted_and_final_documents_are_queued_in_order(self):
        """Processing queues the accepted snapshot, then the final one."""
        request = self.submit()
        self.process()
        outbox = self.env["quotation.request.audit"].search(
            [("request_id", "=", request.id)]
        )
        self.assertEqual(
            [doc.document["status"] for doc in outbox], ["queued", "completed"]
        )
        self.assertEqual(outbox[0].document["input"]["email"], "john@acme.example")
        self.assertFalse(os.listdir(self.log_folder))

    def test_completed_document_has_the_earlier_structure(self):
        """The shipped document has the earlier keys and the final state."""
        request = self.submit(self.payload(api_key="sk-secret"))
        self.process()
        self.ship_audit()
        document = self.shipped_document(request)
        self.assertEqual(
            set(document),
            {
                "tracking_id",
                "timestamp",
                "date",
                "status",
                "input",
                "output",
                "error",
                "updated_at",
            },
        )
        self.assertEqual(document["tracking_id"], request.tracking_id)
        self.assertEqual(document["date"], f"{request.create_date:%Y-%m-%d}")
        self.assertEqual(document["status"], "completed")
        self.assertEqual(document["output"]["sale_order_name"], request.sale_order_name)
        self.assertEqual(document["input"]["api_key"], "[redacted]")
        self.assertNotIn("sk-secret", json.dumps(document))
        self.assertFalse(self.env["quotation.request.audit"].search([]))

    def test_failed_request_document_carries_the_error(self):
        """A failure is audited with its error and no output."""
        request = self.submit()
        with (
            patch.object(
                QuotationFlow, "_create_sale_order", side_effect=ValueError("no")
            ),
            mute_logger(QUEUE_LOGGER),
        ):
            self.process()
        self.ship_audit()
        document = self.shipped_document(request)
        self.assertEqual(document["status"], "failed")
        self.assertEqual(document["error"], "no")
        self.assertIsNone(document["output"])

    def test_bucket_without_boto3_keeps_documents_with_a_clear_error(self):
        """A bucket set on an Odoo without boto3 delays shipping, loses nothing."""
        self.set_param("s3_bucket", "audit")
        request = self.submit()
        self.process()
        with (
            patch.dict(sys.modules, {"boto3": None}),
            self.assertLogs(AUDIT_LOGGER, "WARNING"),
        ):
            self.ship_audit()
        outbox = self.env["quotation.request.audit"].search(
            [("request_id", "=", request.id)]
        )
        self.assertEqual(len(outbox), 2)
        self.assertIn("boto3 is not installed", outbox[0].last_error)


@tagged("post_install", "-at_install", "mcp_quotation")
class TestAuditS3(QuotationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        endpoint = os.environ.get(S3_ENDPOINT_ENV)
        if not endpoint:
            raise SkipTest(
                f"{S3_ENDPOINT_ENV} is not set: no S3 server to test against"
            )
        try:
            import boto3
        except ImportError as error:
            raise SkipTest("boto3 is not installed in Odoo's Python") from error
        cls.endpoint = endpoint
        cls.bucket = f"audit-{os.getpid()}-{id(cls)}"
        cls.s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        cls.s3.create_bucket(Bucket=cls.bucket)
        for key, value in {
            "s3_bucket": cls.bucket,
            "s3_endpoint_url": endpoint,
            "s3_region": "us-east-1",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_prefix": "audit",
        }.items():
            cls.set_param(key, value)

    def stored(self, request):
        created = request.create_date
        key = f"audit/{created:%Y/%m}/{created:%Y-%m-%d}_{request.tracking_id}.json"
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return json.loads(body)

    def test_documents_are_put_to_the_bucket(self):
        """Accepted and completed documents land in S3 under the key layout."""
        request = self.submit()
        self.process()
        self.ship_audit()
        self.assertEqual(self.stored(request)["status"], "completed")
        self.assertEqual(
            self.stored(request)["output"]["sale_order_name"], request.sale_order_name
        )
        self.assertFalse(self.env["quotation.request.audit"].search([]))

    def test_outage_keeps_documents_and_recovery_ships_them_all(self):
        """While S3 is down nothing is dropped; afterwards every document lands."""
        self.set_param("s3_endpoint_url", UNREACHABLE_ENDPOINT)
        requests = self.submit(self.payload(email="a@acme.example")) | self.submit(
            self.payload(email="b@acme.example")
        )
        self.process()
        with self.assertLogs(AUDIT_LOGGER, "WARNING") as logs:
            self.ship_audit()
        self.assertIn("not shipped", logs.output[0])
        outbox = self.env["quotation.request.audit"].search([])
        self.assertEqual(len(outbox), 4)
        self.assertEqual(outbox[0].attempts, 1)
        self.assertIn("S3 upload", outbox[0].last_error)
        self.assertTrue(all(outbox.mapped("next_attempt_at")))
        self.assertNotIn("testing", outbox[0].last_error)

        self.set_param("s3_endpoint_url", self.endpoint)
        outbox.next_attempt_at = False
        self.ship_audit()
        self.assertFalse(self.env["quotation.request.audit"].search([]))
        for request in requests:
            self.assertEqual(self.stored(request)["status"], "completed")
