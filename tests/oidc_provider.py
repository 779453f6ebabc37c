"""A real OpenID Connect provider on loopback (the `oidc-provider-mock` package,
run as its own process), and the authorization code flow with PKCE that an
MCP connector runs against it.

The provider's access tokens are opaque; its ID tokens are JWTs signed with the
key its JWKS publishes, with `iss` = the provider's URL, `aud` = the client id
and `exp` = its --token-max-age. A client whose id is the bridge's resource URL
therefore gets what an RFC 9068 provider issues for the bridge: a signed JWT
whose audience is the bridge. Those are the tokens these tests present.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
from fake_odoo import free_port

REDIRECT_URI = "http://127.0.0.1/callback"


@dataclass
class Provider:
    """A running provider: its issuer URL and process."""

    url: str
    process: subprocess.Popen[bytes]

    def token(
        self, sub: str, *, audience: str, scope: str = "openid email", via: str = ""
    ) -> str:
        """A JWT for user `sub` issued to client `audience` through the
        authorization code flow with PKCE; `via` another base URL of the same
        provider (its issuer is then that URL)."""
        base = via or self.url
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        with httpx.Client(base_url=base, timeout=30) as http:
            authorized = http.post(
                "/oauth2/authorize",
                params={
                    "client_id": audience,
                    "redirect_uri": REDIRECT_URI,
                    "response_type": "code",
                    "scope": scope,
                    "state": secrets.token_hex(8),
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
                data={"sub": sub, "action": "authorize"},
            )
            assert authorized.status_code == 302, authorized.text[:500]
            location = authorized.headers["location"]
            code = parse_qs(urlsplit(location).query)["code"][0]
            answer = http.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                    "code_verifier": verifier,
                    "client_id": audience,
                    "client_secret": "connector-secret",
                },
            )
        assert answer.status_code == 200, answer.text[:500]
        return str(answer.json()["id_token"])


@contextmanager
def running_provider(
    *users: dict[str, object], max_age: int = 3600
) -> Iterator[Provider]:
    """The provider in a subprocess on a free loopback port, with `users`
    (claims including `sub`) predefined."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "oidc_provider_mock",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--token-max-age",
        str(max_age),
    ]
    for user in users:
        command += ["--user-claims", json.dumps(user)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/.well-known/openid-configuration").is_success:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the OpenID provider did not start")
            time.sleep(0.1)
        yield Provider(url, process)
    finally:
        process.terminate()
        process.wait(10)
