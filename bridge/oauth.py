"""OAuth 2.1 resource server: access tokens from an OpenID Connect provider.

The bridge never issues tokens. It checks a JWT's signature against the
provider's JWKS (cached; fetched again when a token names a key id it does not
know, at most once per `jwks_refresh_seconds`), then `iss`, `aud`, `exp` and
`nbf`, and maps the token's user to the Odoo user its calls run as.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx2
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import (
    build_resource_metadata_url,
    create_protected_resource_routes,
)
from pydantic import AnyHttpUrl, ConfigDict, TypeAdapter
from starlette.routing import Route

from bridge.config import OAuthSettings, OdooUser

logger = logging.getLogger(__name__)

# After a failed JWKS fetch (the provider down), try again this soon at most.
RETRY_FAILED_FETCH_SECONDS = 5.0


# URLs as configured: a bare issuer must not gain a trailing slash, since
# clients compare it with the provider's `issuer` character for character.
EXACT_URL = TypeAdapter(AnyHttpUrl, config=ConfigDict(url_preserve_empty_path=True))


def protected_resource_routes(settings: OAuthSettings) -> list[Route]:
    """RFC 9728: where clients learn which provider issues tokens for /mcp."""
    return create_protected_resource_routes(
        resource_url=EXACT_URL.validate_python(settings.resource),
        authorization_servers=[EXACT_URL.validate_python(settings.issuer)],
        scopes_supported=settings.required_scopes or None,
        resource_name="Odoo (mcp-odoo bridge)",
    )


class JwksCache:
    """The provider's signing keys by key id, fetched on demand."""

    def __init__(
        self,
        settings: OAuthSettings,
        http: httpx2.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._clock = clock
        self._keys: dict[str | None, Key] = {}
        self._jwks_url = str(settings.jwks_url) if settings.jwks_url else None
        self._next_fetch = 0.0
        self._lock = anyio.Lock()
        self.fetches = 0

    async def key(self, kid: str | None) -> Key | None:
        """The key `kid` names; None when the provider does not publish it."""
        if kid in self._keys:
            return self._keys[kid]
        # A flood of tokens with made-up key ids fetches the JWKS once per
        # interval, not once per token.
        async with self._lock:
            if kid not in self._keys and self._clock() >= self._next_fetch:
                await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self.fetches += 1
        try:
            if self._jwks_url is None:
                self._jwks_url = await self._discover()
            response = await self._http.get(self._jwks_url)
            response.raise_for_status()
            keys = KeySet.import_key_set(response.json())
        except (httpx2.HTTPError, ValueError, KeyError, TypeError, JoseError) as exc:
            logger.warning("OAuth: cannot fetch the provider's JWKS: %s", exc)
            self._next_fetch = self._clock() + min(
                RETRY_FAILED_FETCH_SECONDS, self._settings.jwks_refresh_seconds
            )
            return
        found: dict[str | None, Key] = {key.kid: key for key in keys}
        if len(keys.keys) == 1:
            # A token without `kid` may use the only key there is.
            found[None] = keys.keys[0]
        self._keys = found
        self._next_fetch = self._clock() + self._settings.jwks_refresh_seconds

    async def _discover(self) -> str:
        """The JWKS URL from the provider's OpenID discovery document."""
        issuer = self._settings.issuer.rstrip("/")
        response = await self._http.get(f"{issuer}/.well-known/openid-configuration")
        response.raise_for_status()
        return str(response.json()["jwks_uri"])


class OidcTokenVerifier:
    """The MCP SDK's `TokenVerifier` for JWT access tokens of one provider."""

    def __init__(
        self, settings: OAuthSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        # The RFC 9728 Protected Resource Metadata URL of the bridge's resource.
        self.metadata_url = str(
            build_resource_metadata_url(AnyHttpUrl(settings.resource))
        )
        # The provider's JWKS is fetched through its own small pool, never Odoo's.
        self._http = httpx2.AsyncClient(timeout=httpx2.Timeout(10.0, connect=5.0))
        self.jwks = JwksCache(settings, self._http)
        audiences = [settings.resource, *settings.audiences]
        self._claims = jwt.JWTClaimsRegistry(
            now=lambda: int(clock()),
            leeway=settings.leeway_seconds,
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "values": audiences},
            exp={"essential": True},
            sub={"essential": True},
        )

    async def verify_token(self, token: str) -> AccessToken | None:
        """The token's grant when it is valid for this bridge, else None."""
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError):
            _refused("not a signed JWT")
            return None
        key = await self.jwks.key(header.get("kid"))
        if key is None:
            _refused("signed with a key the provider does not publish")
            return None
        try:
            claims = jwt.decode(token, key, algorithms=self.settings.algorithms).claims
            self._claims.validate(claims)
        except (JoseError, ValueError) as exc:
            _refused(f"{type(exc).__name__}: {exc}")
            return None
        return AccessToken(
            token=token,
            client_id=str(claims.get("client_id") or claims.get("azp") or "oauth"),
            scopes=_scopes(claims),
            expires_at=int(claims["exp"]),
            resource=self.settings.resource,
            subject=str(claims["sub"]),
            claims=claims,
        )

    async def aclose(self) -> None:
        """Release the provider's connections."""
        await self._http.aclose()

    def odoo_user(self, grant: AccessToken) -> tuple[str, OdooUser | None]:
        """The token's user (its `user_claim`) and the Odoo user mapped to it."""
        claims = grant.claims or {}
        claim = self.settings.user_claim
        who = str(claims.get(claim) or "")
        if claim == "email" and claims.get("email_verified") is False:
            # Anyone can type an address; only a verified one names a person.
            return who, None
        return who, self.settings.users.get(who) if who else None


def _refused(reason: str) -> None:
    """Log why a token is refused (for the operator; never the token itself)."""
    logger.info("OAuth: access token refused: %s", reason)


def _scopes(claims: dict[str, Any]) -> list[str]:
    """RFC 9068's space-separated `scope`, or the `scp` list some providers use."""
    scope = claims.get("scope")
    if isinstance(scope, str):
        return scope.split()
    scp = claims.get("scp")
    if isinstance(scp, list):
        return [str(s) for s in scp]
    return []
