"""OAuth 2.1: access tokens from a real OpenID Connect provider on loopback,
each caller acting as its own Odoo user, static tokens beside them."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from fake_odoo import (
    ADMIN_KEY,
    DATABASE,
    READONLY_USER_KEY,
    FakeOdoo,
    free_port,
    serve_app,
)
from joserfc import jwt
from joserfc.jwk import RSAKey
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from oidc_provider import Provider, running_provider

from bridge.app import create_app
from bridge.config import Settings

ALICE = {"sub": "alice-sub", "email": "alice@example.com", "email_verified": True}
MALLORY = {"sub": "mallory-sub", "email": "mallory@example.com"}
STATIC_TOKEN = "static-token-for-n8n-0123456789"
OWN_USER_TOKEN = "static-token-of-bob-0123456789"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider(ALICE, MALLORY) as running:
        yield running


@dataclass
class Bridge:
    """A bridge on loopback whose OAuth issuer is `provider`."""

    url: str
    resource: str
    audit: Path

    @property
    def metadata(self) -> str:
        return self.url + "/.well-known/oauth-protected-resource/mcp"

    def audit_documents(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted(self.audit.rglob("*.json"))]


def settings_for(
    fake: FakeOdoo, provider: Provider, port: int, audit: Path, **oauth: Any
) -> Settings:
    instance = {"url": fake.url, "database": DATABASE, "api_key": ADMIN_KEY}
    return Settings(
        instances={"dev": instance},
        http={
            "tokens": {"n8n": STATIC_TOKEN, "bob-laptop": OWN_USER_TOKEN},
            "odoo_users": {
                "bob-laptop": {
                    "login": "reader",
                    "api_keys": {"dev": READONLY_USER_KEY},
                }
            },
        },
        oauth={
            "issuer": provider.url,
            "resource": f"http://127.0.0.1:{port}/mcp",
            "leeway_seconds": 0,
            "users": {
                "alice@example.com": {
                    "login": "reader",
                    "api_keys": {"dev": READONLY_USER_KEY},
                }
            },
            **oauth,
        },
        audit={"directory": audit},
    )


@pytest.fixture
def bridge(fake_odoo: FakeOdoo, provider: Provider, tmp_path: Path) -> Iterator[Bridge]:
    port = free_port()
    settings = settings_for(fake_odoo, provider, port, tmp_path / "audit")
    with serve_app(create_app(settings), port=port) as url:
        yield Bridge(url, f"{url}/mcp", tmp_path / "audit")


def post_mcp(bridge: Bridge, token: str | None) -> httpx.Response:
    headers = {**MCP_HEADERS}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(bridge.resource, json=INITIALIZE, headers=headers, timeout=30)


def signed_elsewhere(provider: Provider, resource: str, kid: str) -> str:
    """A token with the right claims, signed by a key the provider never published."""
    key = RSAKey.generate_key(2048, parameters={"kid": kid})
    now = int(time.time())
    claims = {
        "iss": provider.url,
        "aud": resource,
        "sub": ALICE["sub"],
        "email": ALICE["email"],
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


def tampered(token: str) -> str:
    """`token` with its payload rewritten to another user, the signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "mallory@example.com"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return f"{header}.{forged.decode()}.{signature}"


def test_the_protected_resource_metadata_names_the_provider(
    bridge: Bridge, provider: Provider
) -> None:
    answer = httpx.get(bridge.metadata)
    assert answer.status_code == 200
    document = answer.json()
    assert document["resource"] == bridge.resource
    assert document["authorization_servers"] == [provider.url]
    assert document["bearer_methods_supported"] == ["header"]


def test_each_bad_token_is_refused_with_its_challenge_before_reaching_odoo(
    bridge: Bridge,
    provider: Provider,
    fake_odoo: FakeOdoo,
    caplog: pytest.LogCaptureFixture,
) -> None:
    valid = provider.token(ALICE["sub"], audience=bridge.resource)
    localhost = provider.url.replace("127.0.0.1", "localhost")
    cases = {
        "missing": None,
        "wrong audience": provider.token(
            ALICE["sub"], audience="https://other-server.example/mcp"
        ),
        "wrong issuer": provider.token(
            ALICE["sub"], audience=bridge.resource, via=localhost
        ),
        "unknown key": signed_elsewhere(provider, bridge.resource, "rogue-key"),
        "tampered": tampered(valid),
        "not a JWT": "not-a-token-at-all",
    }
    metadata = f'resource_metadata="{bridge.metadata}"'
    table = {}
    reasons = {}
    caplog.set_level(logging.INFO, logger="bridge.oauth")
    for case, token in cases.items():
        caplog.clear()
        answer = post_mcp(bridge, token)
        table[case] = (answer.status_code, answer.headers.get("www-authenticate"))
        reasons[case] = " ".join(r.getMessage() for r in caplog.records)
    invalid = (401, f'Bearer error="invalid_token", {metadata}')
    assert table == {
        "missing": (401, f"Bearer {metadata}"),
        "wrong audience": invalid,
        "wrong issuer": invalid,
        "unknown key": invalid,
        "tampered": invalid,
        "not a JWT": invalid,
    }
    # Each refused for its own reason, the one its case names.
    assert reasons["missing"] == ""
    assert "'aud'" in reasons["wrong audience"]
    assert "'iss'" in reasons["wrong issuer"]
    assert "does not publish" in reasons["unknown key"]
    assert "BadSignatureError" in reasons["tampered"]
    assert "not a signed JWT" in reasons["not a JWT"]
    assert all(
        token not in " ".join(reasons.values()) for token in cases.values() if token
    )
    assert fake_odoo.requests == []
    assert bridge.audit_documents() == []


def test_a_flood_of_unknown_key_ids_fetches_the_jwks_once(
    fake_odoo: FakeOdoo, provider: Provider, tmp_path: Path
) -> None:
    port = free_port()
    app = create_app(settings_for(fake_odoo, provider, port, tmp_path))
    with serve_app(app, port=port) as url:
        bridge = Bridge(url, f"{url}/mcp", tmp_path)
        answers = [
            post_mcp(bridge, signed_elsewhere(provider, bridge.resource, f"kid-{n}"))
            for n in range(5)
        ]
        assert post_mcp(
            bridge, provider.token(ALICE["sub"], audience=bridge.resource)
        ).is_success
    assert {a.status_code for a in answers} == {401}
    assert app.state.oauth.jwks.fetches == 1


def test_an_expired_token_is_refused(
    fake_odoo: FakeOdoo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bridge.oauth")
    with running_provider(ALICE, max_age=1) as short_lived:
        port = free_port()
        settings = settings_for(fake_odoo, short_lived, port, tmp_path)
        with serve_app(create_app(settings), port=port) as url:
            bridge = Bridge(url, f"{url}/mcp", tmp_path)
            token = short_lived.token(ALICE["sub"], audience=bridge.resource)
            time.sleep(2.1)
            answer = post_mcp(bridge, token)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == (
        f'Bearer error="invalid_token", resource_metadata="{bridge.metadata}"'
    )
    assert answer.json()["error"] == "invalid_token"
    assert "ExpiredTokenError" in caplog.text
    assert fake_odoo.requests == []


def test_a_valid_token_of_an_unmapped_user_is_refused_with_403(
    bridge: Bridge, provider: Provider, fake_odoo: FakeOdoo
) -> None:
    token = provider.token(MALLORY["sub"], audience=bridge.resource)
    answer = post_mcp(bridge, token)
    assert answer.status_code == 403
    assert "mallory@example.com" in answer.json()["message"]
    assert fake_odoo.requests == []


def test_a_token_without_the_required_scope_gets_403_insufficient_scope(
    fake_odoo: FakeOdoo, provider: Provider, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_for(
        fake_odoo, provider, port, tmp_path, required_scopes=["odoo:use"]
    )
    with serve_app(create_app(settings), port=port) as url:
        bridge = Bridge(url, f"{url}/mcp", tmp_path)
        answer = post_mcp(
            bridge, provider.token(ALICE["sub"], audience=bridge.resource)
        )
        missing = post_mcp(bridge, None)
    assert answer.status_code == 403
    assert answer.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", '
        f'resource_metadata="{bridge.metadata}", scope="odoo:use"'
    )
    assert missing.headers["www-authenticate"] == (
        f'Bearer resource_metadata="{bridge.metadata}", scope="odoo:use"'
    )
    assert fake_odoo.requests == []


@pytest.mark.anyio
async def test_a_valid_token_acts_as_the_mapped_odoo_user_and_is_audited(
    bridge: Bridge, provider: Provider, fake_odoo: FakeOdoo
) -> None:
    token = provider.token(ALICE["sub"], audience=bridge.resource)
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(bridge.resource, http_client=http)) as mcp:
        found = await mcp.call_tool("search_products", {"query": "PUDU"})
    assert not found.is_error, found.content
    keys = {r["headers"]["authorization"] for r in fake_odoo.requests}
    assert keys == {f"bearer {READONLY_USER_KEY}"}
    time.sleep(0.3)  # the audit writer batches documents
    [document] = bridge.audit_documents()
    assert document["client"] == "oauth:alice@example.com"
    assert document["odoo_user"] == "reader"
    assert token not in json.dumps(document)


def test_static_tokens_keep_working_with_or_without_their_own_odoo_user(
    bridge: Bridge, fake_odoo: FakeOdoo
) -> None:
    sent: dict[str, set[str]] = {}
    for token in (STATIC_TOKEN, OWN_USER_TOKEN):
        fake_odoo.requests.clear()
        with httpx.Client(
            headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            answer = http.get(f"{bridge.url}/api/quotation/status/quot_missing")
        assert answer.status_code == 404
        sent[token] = {r["headers"]["authorization"] for r in fake_odoo.requests}
    assert sent == {
        STATIC_TOKEN: {f"bearer {ADMIN_KEY}"},
        OWN_USER_TOKEN: {f"bearer {READONLY_USER_KEY}"},
    }


@pytest.mark.anyio
async def test_a_caller_with_no_key_for_an_instance_is_refused_not_given_its_key(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    instance = {"url": fake_odoo.url, "database": DATABASE, "api_key": ADMIN_KEY}
    reader = {"login": "reader", "api_keys": {"dev": READONLY_USER_KEY}}
    settings = Settings(
        instances={"dev": instance, "prod": instance},
        http={"tokens": {"bob": OWN_USER_TOKEN}, "odoo_users": {"bob": reader}},
        audit={"directory": tmp_path},
    )
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {OWN_USER_TOKEN}"}, timeout=30
    )
    with serve_app(create_app(settings)) as url:
        transport = streamable_http_client(f"{url}/mcp", http_client=http)
        async with Client(transport) as mcp:
            refused = await mcp.call_tool(
                "search_products", {"query": "PUDU", "instance": "prod"}
            )
    assert refused.is_error
    assert "'reader' has no API key for instance 'prod'" in str(refused.content)
    assert fake_odoo.requests == []
