"""The bridge's HTTP error shape, the addon's: ``{"error", "message"}`` plus,
for field errors, ``"errors": [{"field", "message"}]``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


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


def body_too_large(limit: int) -> str:
    """The addon's words for a body over `limit` bytes; the bridge uses them too."""
    return f"The body must be at most {limit} bytes."
