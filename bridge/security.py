"""HTTP gatekeeping: request ids, Host/Origin checks, bearer tokens, rate limits."""

from __future__ import annotations

import hmac
import math
import time
import uuid
from collections import deque
from dataclasses import dataclass

from mcp.server.transport_security import (
    TransportSecurityMiddleware,
    TransportSecuritySettings,
)
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge.audit import Caller, current_caller
from bridge.config import HttpSettings
from bridge.http_errors import body_too_large, json_error

OPEN_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/openapi.json"})


def transport_security(http: HttpSettings) -> TransportSecuritySettings:
    """Host/Origin allow-lists shared by the REST routes and the MCP transports."""
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(http.allowed_hosts),
        allowed_origins=list(http.allowed_origins),
    )


async def _read_body(receive: Receive, limit: int) -> list[Message] | None:
    """The request's messages up to the end of its body; None past `limit` bytes."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            return messages


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per client: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, _Bucket] = {}

    def retry_after(self, client: str) -> float:
        """0 when the request may go ahead (and is counted), else seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic()
        rate = self.per_minute / 60.0
        bucket = self._buckets.setdefault(client, _Bucket(float(self.per_minute), now))
        bucket.tokens = min(
            float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate
        )
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """`receive` that first gives back the messages already read."""
    pending = deque(messages)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    return replay


class GatewayMiddleware:
    """Pure ASGI (so SSE streams pass untouched): checks every HTTP request."""

    def __init__(self, app: ASGIApp, http: HttpSettings) -> None:
        self.app = app
        self._tokens = [
            (name, secret.get_secret_value().encode())
            for name, secret in http.tokens.items()
        ]
        self._hosts = TransportSecurityMiddleware(transport_security(http))
        self._limiter = RateLimiter(http.rate_limit_per_minute)
        self._max_body = http.max_body_bytes

    def _client(self, request: Request) -> str | None:
        """The token's client name; None when tokens are required and missing."""
        if not self._tokens:
            host = request.client.host if request.client else "unknown"
            return f"ip:{host}"
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            return None
        given = presented.strip().encode()
        for name, token in self._tokens:
            if hmac.compare_digest(given, token):
                return name
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = scope["path"]
        # Probes (Docker, Kubernetes) call /health by IP; it reveals nothing.
        refusal = (
            None
            if path == "/health"
            else await self._hosts.validate_request(request, is_post=False)
        )
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        declared = request.headers.get("content-length", "")
        too_large = json_error(413, "payload_too_large", body_too_large(self._max_body))
        if declared.isdigit() and int(declared) > self._max_body:
            await too_large(scope, receive, send)
            return
        if not declared.isdigit():
            # Chunked: read it whole (up to the limit) before anything else does.
            messages = await _read_body(receive, self._max_body)
            if messages is None:
                await too_large(scope, receive, send)
                return
            receive = _replay(messages, receive)
        client = "anonymous" if path in OPEN_PATHS else self._client(request)
        if client is None:
            await json_error(
                401,
                "unauthorized",
                "A valid bearer token is required (Authorization: Bearer <token>).",
                headers={"WWW-Authenticate": "Bearer"},
            )(scope, receive, send)
            return
        if path not in OPEN_PATHS:
            wait = self._limiter.retry_after(client)
            if wait > 0:
                await json_error(
                    429,
                    "rate_limited",
                    "Too many requests; retry later.",
                    headers={"Retry-After": str(math.ceil(wait))},
                )(scope, receive, send)
                return
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = current_caller.set(Caller(client=client, request_id=request_id[:64]))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", request_id[:64].encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_caller.reset(token)
