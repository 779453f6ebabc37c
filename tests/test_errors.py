"""One table turns every error into an HTTP status and a JSON code."""

from __future__ import annotations

import json

import pytest

from bridge.errors import (
    AddonNotInstalled,
    AppNotInstalled,
    BridgeError,
    BridgeMisconfigured,
    OdooAccessDenied,
    OdooBadAnswer,
    OdooError,
    OdooUnknownModel,
    OdooUnreachable,
    PayloadTooLarge,
    QuotationRejected,
    RateLimited,
    ReadOnlyInstance,
    Refused,
    error_response,
    error_status,
)
from bridge.odoo import AddonResponse


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (BridgeError("no"), (400, "bad_request")),
        (ReadOnlyInstance("ro"), (403, "read_only")),
        (PayloadTooLarge(10), (413, "payload_too_large")),
        (BridgeMisconfigured("cfg"), (503, "bridge_misconfigured")),
        (OdooError("x"), (502, "odoo_error")),
        (OdooUnknownModel("x"), (502, "odoo_error")),
        (OdooAccessDenied("x"), (502, "odoo_access_denied")),
        (OdooBadAnswer("x"), (502, "bad_gateway")),
        (OdooUnreachable("x"), (503, "odoo_unreachable")),
        (AddonNotInstalled("dev"), (503, "addon_not_installed")),
        (AppNotInstalled("Project", "dev"), (503, "app_not_installed")),
        (Refused(401, "invalid_token", "x"), (401, "invalid_token")),
    ],
)
def test_each_error_has_its_status_and_code(
    error: Exception, answer: tuple[int, str]
) -> None:
    assert error_status(error) == answer


def test_an_addon_refusal_keeps_the_addons_status_and_code() -> None:
    body = {"error": "validation_error", "message": "bad", "errors": []}
    assert error_status(QuotationRejected(AddonResponse(422, body))) == (
        422,
        "validation_error",
    )
    assert error_status(QuotationRejected(AddonResponse(404, "gone"))) == (
        404,
        "not_found",
    )


@pytest.mark.parametrize("status", [429, 503])
def test_an_addon_refusal_passes_its_retry_after_on(status: int) -> None:
    """The addon's flood control and its database away both say when to retry."""
    body = {"error": "x", "message": "later"}
    refused = error_response(QuotationRejected(AddonResponse(status, body, "5")))
    assert refused.status_code == status
    assert refused.headers["Retry-After"] == "5"


def test_answers_carry_the_headers_that_say_what_to_do_next() -> None:
    unreachable = error_response(OdooUnreachable("Odoo is down"))
    limited = error_response(RateLimited(7))
    refused = error_response(Refused(401, "unauthorized", "who?", "Bearer"))
    assert unreachable.headers["Retry-After"] == "5"
    assert limited.headers["Retry-After"] == "7"
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert json.loads(limited.body) == {
        "error": "rate_limited",
        "message": "Too many requests; retry later.",
    }
