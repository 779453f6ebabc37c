"""End-to-end: a whole voice call against a real Odoo (18.0 or 19.0), demo data."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import OdooInstance
from test_e2e_quotations import call_odoo, odoo_client, wait_until_ended

pytestmark = pytest.mark.odoo

PRODUCTS = "/mcp_quotation/v1/products"
QUOTATIONS = "/mcp_quotation/v1/quotations"
POST_CALL = "/mcp_quotation/v1/elevenlabs/post-call"
SECRET = "wsec_e2e_call_secret"
CONVERSATION = "conv_e2e_voice_0001"
ATTACH_TIMEOUT = 60.0


def signed(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """The headers ElevenLabs sends: t=<time>,v0=<HMAC-SHA256 of 't.body'>."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return {
        "Content-Type": "application/json",
        "ElevenLabs-Signature": f"t={timestamp},v0={digest}",
    }


def post_call_event() -> bytes:
    """A post_call_transcription event for the call, as ElevenLabs sends it."""
    return json.dumps(
        {
            "type": "post_call_transcription",
            "event_timestamp": int(time.time()),
            "data": {
                "agent_id": "agent_e2e",
                "conversation_id": CONVERSATION,
                "status": "done",
                "transcript": [
                    {
                        "role": "agent",
                        "message": "Hello, which product do you need?",
                        "time_in_call_secs": 0,
                    },
                    {
                        "role": "user",
                        "message": "Three desk combinations for Voice Test Corp.",
                        "time_in_call_secs": 5,
                    },
                ],
                "metadata": {"call_duration_secs": 74},
                "analysis": {
                    "transcript_summary": "The caller ordered three desk combinations.",
                    "call_successful": "success",
                },
            },
        }
    ).encode()


def wait_for(check: Any, what: str) -> Any:
    deadline = time.monotonic() + ATTACH_TIMEOUT
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what} never happened")


def test_a_whole_call_from_spoken_product_to_transcript_and_mail(
    odoo: OdooInstance,
) -> None:
    with odoo_client(odoo) as client:
        call_odoo(
            client,
            "ir.config_parameter",
            "set_param",
            key="mcp_quotation.elevenlabs_webhook_secret",
            value=SECRET,
        )
        # 1. The caller says the product; speech-to-text misspells it.
        lookup = client.get(PRODUCTS, params={"q": "dsk combinaton", "limit": 3})
        assert lookup.status_code == 200, lookup.text
        best = lookup.json()["products"][0]
        assert best["name"] == "Desk Combination"
        assert best["currency"] and best["unit"] and best["list_price"] > 0

        # 2. The agent creates the quotation, to be emailed, with the call's id.
        created = client.post(
            QUOTATIONS,
            json={
                "partner_name": "Voice Test Corp",
                "contact_name": "Vera Caller",
                "email": "vera@voice-test.example",
                "lines": [{"product_id": best["id"], "product_qty": 3}],
                "source_ref": CONVERSATION,
                "send_quotation": True,
            },
        )
        assert created.status_code == 202, created.text
        tracking_id = created.json()["tracking_id"]
        document = wait_until_ended(client, [tracking_id])[tracking_id]
        assert document["status"] == "completed", document
        result = document["result"]
        # The customer's link opens without a login (on this server's address:
        # web.base.url is whatever the database was told).
        portal = urlsplit(result["portal_url"])
        assert "access_token=" in portal.query
        opened = httpx.get(f"{odoo.url}{portal.path}?{portal.query}")
        assert opened.status_code == 200

        # 3. The call ends: ElevenLabs sends the signed transcript.
        events = call_odoo(client, "quotation.call.event", "search_count", domain=[])
        body = post_call_event()
        stale = httpx.post(
            f"{odoo.url}{POST_CALL}",
            content=body,
            headers=signed(body, SECRET, int(time.time()) - 31 * 60),
        )
        forged = httpx.post(
            f"{odoo.url}{POST_CALL}",
            content=body,
            headers=signed(body, "not-the-secret", int(time.time())),
        )
        assert (stale.status_code, forged.status_code) == (401, 401)
        stored = call_odoo(client, "quotation.call.event", "search_count", domain=[])
        assert stored == events
        accepted = httpx.post(
            f"{odoo.url}{POST_CALL}",
            content=body,
            headers=signed(body, SECRET, int(time.time())),
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted"
        replayed = httpx.post(
            f"{odoo.url}{POST_CALL}",
            content=body,
            headers=signed(body, SECRET, int(time.time())),
        )
        assert (replayed.status_code, replayed.json()["status"]) == (200, "duplicate")
        assert (
            call_odoo(client, "quotation.call.event", "search_count", domain=[])
            == events + 1
        )

        # 4. The cron puts the transcript on the opportunity, once.
        def transcript_notes() -> list[dict[str, Any]]:
            return call_odoo(
                client,
                "mail.message",
                "search_read",
                domain=[
                    ("model", "=", "crm.lead"),
                    ("res_id", "=", result["opportunity_id"]),
                    ("body", "ilike", "Three desk combinations"),
                ],
                fields=["body", "attachment_ids"],
            )

        [note] = wait_for(transcript_notes, "the transcript on the opportunity")
        assert "The caller ordered three desk combinations." in note["body"]
        assert len(note["attachment_ids"]) == 1

        # 5. The quotation went to the customer through Odoo's mail queue.
        [order] = call_odoo(
            client,
            "sale.order",
            "search_read",
            domain=[("id", "=", result["sale_order_id"])],
            fields=["state", "partner_id"],
        )
        assert order["state"] == "sent"
        mails = call_odoo(
            client,
            "mail.mail",
            "search_read",
            domain=[
                ("model", "=", "sale.order"),
                ("res_id", "=", result["sale_order_id"]),
            ],
            fields=["recipient_ids", "subject"],
        )
        assert [order["partner_id"][0]] in [mail["recipient_ids"] for mail in mails]
