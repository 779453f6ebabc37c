"""HTTP gatekeeping: request ids, Host/Origin checks, bearer tokens (static, or
OAuth access tokens), rate limits."""

from __future__ import annotations

import hmac
import math
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import (
    TransportSecurityMiddleware,
    TransportSecuritySettings,
)
from starlette.authentication import AuthCredentials
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge.config import HttpSettings, OdooUser
from bridge.errors import PayloadTooLarge, RateLimited, Refused, error_response
from bridge.identity import Caller, current_caller

if TYPE_CHECKING:
    from bridge.oauth import OidcTokenVerifier

OPEN_PATHS = frozenset({"/health", "/docs", "/openapi.json"})


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


@dataclass(frozen=True)
class Principal:
    """Who a request's credentials name: the audit's client, the Odoo user its
    calls run as (None: the instance's own API key), the SDK's user."""

    client: str
    odoo_user: OdooUser | None = None
    user: AuthenticatedUser | None = None


def _bearer(**params: str) -> str:
    """A `WWW-Authenticate: Bearer` challenge with its parameters quoted."""
    quoted = ", ".join(f'{name}="{value}"' for name, value in params.items() if value)
    return f"Bearer {quoted}" if quoted else "Bearer"


class GatewayMiddleware:
    """Pure ASGI (so SSE streams pass untouched): checks every HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        http: HttpSettings,
        oauth: OidcTokenVerifier | None = None,
    ) -> None:
        self.app = app
        self._tokens = [
            (name, secret.get_secret_value().encode())
            for name, secret in http.tokens.items()
        ]
        self._token_users = http.odoo_users
        self._oauth = oauth
        self._open = OPEN_PATHS
        self._challenge: dict[str, str] = {}
        if oauth is not None:
            metadata = oauth.metadata_url
            self._open = OPEN_PATHS | {urlsplit(metadata).path}
            self._challenge = {"resource_metadata": metadata}
            if oauth.settings.required_scopes:
                self._challenge["scope"] = " ".join(oauth.settings.required_scopes)
        self._hosts = TransportSecurityMiddleware(transport_security(http))
        self._limiter = RateLimiter(http.rate_limit_per_minute)
        self._max_body = http.max_body_bytes

    async def _authenticate(self, request: Request) -> Principal | Refused:
        """The caller the request's bearer token names, or why it is refused."""
        if not self._tokens and self._oauth is None:
            host = request.client.host if request.client else "unknown"
            return Principal(f"ip:{host}")
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented:
            return Refused(
                401,
                "unauthorized",
                "A valid bearer token is required (Authorization: Bearer <token>).",
                _bearer(**self._challenge),
            )
        given = presented.encode()
        for name, token in self._tokens:
            if hmac.compare_digest(given, token):
                static = AccessToken(token="", client_id=name, scopes=[])
                return Principal(
                    name, self._token_users.get(name), AuthenticatedUser(static)
                )
        invalid = Refused(
            401,
            "invalid_token",
            "The bearer token is invalid, expired, or not issued for this bridge.",
            _bearer(error="invalid_token", **self._challenge),
        )
        if self._oauth is None:
            return invalid
        grant = await self._oauth.verify_token(presented)
        if grant is None:
            return invalid
        required = self._oauth.settings.required_scopes
        missing = [s for s in required if s not in grant.scopes]
        if missing:
            return Refused(
                403,
                "insufficient_scope",
                f"The access token lacks the scope {' '.join(missing)}.",
                _bearer(error="insufficient_scope", **self._challenge),
            )
        who, odoo_user = self._oauth.odoo_user(grant)
        if odoo_user is None:
            claim = self._oauth.settings.user_claim
            return Refused(
                403,
                "forbidden",
                f"No Odoo user is configured for {claim} {who!r} "
                "(MCP_ODOO_OAUTH__USERS); ask the bridge's operator.",
            )
        return Principal(f"oauth:{who}", odoo_user, AuthenticatedUser(grant))

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
        too_large = error_response(PayloadTooLarge(self._max_body))
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
        if path in self._open:
            who: Principal | Refused = Principal("anonymous")
        else:
            who = await self._authenticate(request)
        if isinstance(who, Refused):
            await error_response(who)(scope, receive, send)
            return
        if who.user is not None:
            # What the SDK's own auth middleware would set: its transports bind
            # a session to the principal that opened it.
            scope["user"] = who.user
            scope["auth"] = AuthCredentials(who.user.scopes)
        if path not in self._open:
            wait = self._limiter.retry_after(who.client)
            if wait > 0:
                limited = RateLimited(math.ceil(wait))
                await error_response(limited)(scope, receive, send)
                return
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = current_caller.set(
            Caller(
                client=who.client,
                request_id=request_id[:64],
                odoo_user=who.odoo_user,
            )
        )

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
