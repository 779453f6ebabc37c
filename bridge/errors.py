"""Every error the bridge answers with, and the one table that turns each into
an HTTP status and a JSON code: REST answers with it, MCP tools report its
message, the gateway refuses with it.

The answer's shape is the addon's: ``{"error", "message"}`` plus, for field
errors, ``"errors": [{"field", "message"}]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from bridge.addon_contract import ERROR_CODES

if TYPE_CHECKING:
    from bridge.odoo import AddonResponse

# The addon's codes, and the bridge's own for the statuses only it answers.
HTTP_ERROR_CODES = {
    **ERROR_CODES,
    502: "bad_gateway",
}


class BridgeError(Exception):
    """A request the bridge refuses by itself; the message is for the caller."""


class InvalidArguments(BridgeError):
    """The arguments cannot make a request (nothing to change, a malformed id)."""


class UnknownInstance(BridgeError):
    """The caller named an instance that is not configured."""


class ReadOnlyInstance(BridgeError):
    """A write was attempted on an instance configured read-only."""


class BridgeMisconfigured(BridgeError):
    """The bridge's own configuration cannot serve this request; not the caller's
    fault."""


class PayloadTooLarge(BridgeError):
    """A request body over the limit; refused before it is read further."""

    def __init__(self, limit: int) -> None:
        # The addon's words, so a body refused by either reads the same.
        super().__init__(f"The body must be at most {limit} bytes.")


class Refused(BridgeError):
    """The gateway does not let the request in (RFC 6750, RFC 9728): `code` is
    the error it names, `challenge` its `WWW-Authenticate` header."""

    def __init__(
        self, status: int, code: str, message: str, challenge: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.challenge = challenge


class RateLimited(BridgeError):
    """Too many requests from one client to the bridge (its own limit,
    `http.rate_limit_per_minute`); `retry_after` seconds to wait. The addon's
    own 429 reaches callers as a QuotationRejected."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests; retry later.")
        self.retry_after = retry_after


class QuotationRejected(BridgeError):
    """The addon refused a quotation request (validation, auth, not found, its
    flood control or its database away: 429 or 503 with Retry-After); `answer`
    is its response, passed on as it gave it."""

    def __init__(self, answer: AddonResponse) -> None:
        self.answer = answer
        body = answer.body
        message = body.get("message") if isinstance(body, dict) else None
        details = [
            f"{e.get('field')}: {e.get('message')}"
            for e in (body.get("errors") or [] if isinstance(body, dict) else [])
            if isinstance(e, dict)
        ]
        text = (
            f"Quotation request refused (HTTP {answer.status_code}): {message or body}"
        )
        if details:
            text += " [" + "; ".join(details) + "]"
        if answer.retry_after:
            text += f" Retry after {answer.retry_after} seconds."
        super().__init__(text)


class OdooError(Exception):
    """An Odoo call failed; the message is safe to show to the caller."""


class OdooAccessDenied(OdooError):
    """Odoo refused the credentials or the user's access rights."""


class OdooRecordMissing(OdooError):
    """The record does not exist (or was deleted)."""


class OdooInvalidRequest(OdooError):
    """Odoo rejected the filter, the arguments or the values."""


class OdooUnknownModel(OdooInvalidRequest):
    """The model or method does not exist (module not installed?)."""


class AppNotInstalled(OdooUnknownModel):
    """A tool's model belongs to an Odoo app the instance does not have."""

    def __init__(self, app: str, instance: str) -> None:
        super().__init__(
            f"The {app} app is not installed on Odoo instance {instance!r}"
        )


class OdooUnreachable(OdooError):
    """Odoo did not answer (connection refused, timeout, gateway error)."""


class OdooBadAnswer(OdooError):
    """Odoo answered something that is not its API's (a proxy's error page)."""


class AddonNotInstalled(OdooError):
    """The instance does not serve the mcp_quotation addon's routes."""

    def __init__(self, instance: str, alternative: str = "") -> None:
        super().__init__(
            f"The mcp_quotation addon is not installed on Odoo instance "
            f"{instance!r}{alternative}"
        )


# Error type -> (HTTP status, JSON code); the nearest class in an error's MRO
# wins. Odoo's refusals are the bridge's upstream failing: 502, or 503 when it
# may be back soon; a misconfigured bridge or Odoo is not the caller's fault.
ERROR_STATUS: dict[type[Exception], tuple[int, str]] = {
    BridgeError: (400, "bad_request"),
    InvalidArguments: (400, "bad_request"),
    UnknownInstance: (400, "unknown_instance"),
    ReadOnlyInstance: (403, "read_only"),
    PayloadTooLarge: (413, "payload_too_large"),
    RateLimited: (429, "rate_limited"),
    BridgeMisconfigured: (503, "bridge_misconfigured"),
    OdooError: (502, "odoo_error"),
    OdooAccessDenied: (502, "odoo_access_denied"),
    OdooBadAnswer: (502, "bad_gateway"),
    OdooUnreachable: (503, "odoo_unreachable"),
    AddonNotInstalled: (503, "addon_not_installed"),
    AppNotInstalled: (503, "app_not_installed"),
}


def error_status(exc: Exception) -> tuple[int, str]:
    """The HTTP status and JSON code `exc` is answered with."""
    if isinstance(exc, Refused):
        return exc.status, exc.code
    if isinstance(exc, QuotationRejected):
        # The addon's own answer, passed on as it gave it.
        answer = exc.answer
        code = answer.body.get("error") if isinstance(answer.body, dict) else None
        return answer.status_code, str(code or HTTP_ERROR_CODES.get(answer.status_code))
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    raise TypeError(f"{type(exc).__name__} is not one of the bridge's errors")


def json_error(
    status: int,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An error answer in the one shape every route uses."""
    return JSONResponse(
        {"error": code, "message": message, **extra},
        status_code=status,
        headers=headers,
    )


def error_response(exc: BridgeError | OdooError) -> JSONResponse:
    """`exc` as its JSON answer, with the headers that tell the caller what next."""
    status, code = error_status(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, OdooUnreachable):
        # Odoo may be back soon; a misconfigured bridge will not be.
        headers["Retry-After"] = "5"
    elif isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, QuotationRejected) and exc.answer.retry_after:
        headers["Retry-After"] = exc.answer.retry_after
    elif isinstance(exc, Refused) and exc.challenge:
        headers["WWW-Authenticate"] = exc.challenge
    return json_error(status, code, str(exc), headers=headers or None)
