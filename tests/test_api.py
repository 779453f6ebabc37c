"""The REST routes and HTTP security, against a real uvicorn on loopback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_odoo import ADMIN_KEY, DATABASE, FakeOdoo, serve_app
from openapi_spec_validator import validate as validate_openapi
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bridge.addon_contract import LEGACY_SUBMIT_PATH
from bridge.app import create_app
from bridge.config import ConfigError, Settings

TOKEN = "bridge-token-for-n8n-0123456789"
OTHER_TOKEN = "bridge-token-for-voice-9876543210"
DEAD_KEY = "key-of-an-odoo-that-is-down"
VALID = {
    "partner_name": "Acme Corp",
    "contact_name": "John Doe",
    "email": "john@acme.example",
    "product_ref": "PUDU-BB",
    "product_qty": 2,
}


def make_settings(fake: FakeOdoo, tmp_path: Path, **http: Any) -> Settings:
    instance = {"url": fake.url, "database": DATABASE, "api_key": ADMIN_KEY}
    return Settings(
        instances={"prod": {**instance, "read_only": True}, "dev": instance},
        read_instance="prod",
        write_instance="dev",
        http={"tokens": {"n8n": TOKEN, "voice": OTHER_TOKEN}, **http},
        audit={"directory": tmp_path / "audit"},
    )


def client_for(url: str, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url, headers=headers, timeout=30)


@pytest.fixture
def bridge_url(fake_odoo: FakeOdoo, tmp_path: Path) -> Iterator[str]:
    with serve_app(create_app(make_settings(fake_odoo, tmp_path))) as url:
        yield url


def audit_documents(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(tmp_path.rglob("*.json"))]


def test_create_quotation_route_passes_the_addons_bodies_and_status_codes(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    with client_for(bridge_url) as http:
        created = http.post(
            "/api/quotation/async", json=VALID, headers={"Idempotency-Key": "k-1234567"}
        )
        replayed = http.post(
            "/api/quotation/async", json=VALID, headers={"Idempotency-Key": "k-1234567"}
        )
        wrapped = http.post("/mcp_quotation/v1/quotations", json={"parameters": VALID})
        invalid = http.post(
            "/api/quotation/async", json={**VALID, "email": "nope", "product_qty": 0}
        )
        not_json = http.post(
            "/api/quotation/async",
            content=b"partner_name=Acme",
            headers={"Content-Type": "application/json"},
        )
    assert created.status_code == 202
    body = created.json()
    assert body["tracking_id"].startswith("quot_") and body["status"] == "queued"
    assert body["status_url"] == f"/mcp_quotation/v1/quotations/{body['tracking_id']}"
    assert (replayed.status_code, replayed.json()["tracking_id"]) == (
        200,
        body["tracking_id"],
    )
    assert wrapped.status_code == 202
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "validation_error"
    assert {e["field"] for e in invalid.json()["errors"]} == {"email", "product_qty"}
    assert not_json.status_code == 400 and not_json.json()["error"] == "bad_request"
    assert len(fake_odoo.quotations) == 2


def test_status_routes_return_the_addons_status_document(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    with client_for(bridge_url) as http:
        tracking_id = http.post("/api/quotation/async", json=VALID).json()[
            "tracking_id"
        ]
        first = http.get(f"/api/quotation/status/{tracking_id}")
        second = http.get(f"/mcp_quotation/v1/quotations/{tracking_id}")
        unknown = http.get("/api/quotation/status/quot_000000000000")
    assert first.status_code == 200 and first.json()["status"] == "processing"
    done = second.json()
    assert done["status"] == "completed"
    assert done["result"]["sale_order_name"].startswith("S")
    assert done["result"]["amount_total"] == 30000.0
    assert set(done) >= {"tracking_id", "created_at", "elapsed_time", "completed_at"}
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


def test_status_is_read_from_the_instance_that_holds_the_quotations(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = Settings(
        instances={
            "prod": {
                "url": "http://127.0.0.1:9",
                "api_key": DEAD_KEY,
                "read_only": True,
            },
            "dev": {"url": fake_odoo.url, "database": DATABASE, "api_key": ADMIN_KEY},
        },
        read_instance="prod",
        write_instance="dev",
        audit={"directory": tmp_path / "audit"},
    )
    with serve_app(create_app(settings)) as url, client_for(url, None) as http:
        created = http.post("/api/quotation/async", json=VALID).json()
        status = http.get(f"/api/quotation/status/{created['tracking_id']}")
    assert status.status_code == 200


def test_the_bridge_calls_odoo_with_its_own_key_not_the_callers_token(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    with client_for(bridge_url) as http:
        http.post("/api/quotation/async", json=VALID)
    [sent] = [r for r in fake_odoo.requests if r["method"] == "POST"]
    assert sent["path"] == "/api/quotation/async"
    assert sent["headers"]["authorization"] == f"bearer {ADMIN_KEY}"
    assert sent["headers"]["x-odoo-database"] == DATABASE
    assert TOKEN not in json.dumps(sent)
    assert sent["body"] == VALID


def test_quotations_are_refused_when_the_quotation_instance_is_read_only(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = make_settings(fake_odoo, tmp_path).model_copy(
        update={"write_instance": "prod"}
    )
    with serve_app(create_app(settings)) as url, client_for(url) as http:
        refused = http.post("/api/quotation/async", json=VALID)
    assert refused.status_code == 403
    assert refused.json()["error"] == "read_only"
    assert fake_odoo.requests == []


def test_an_unreachable_odoo_answers_503_with_retry_after(tmp_path: Path) -> None:
    settings = Settings(
        instances={"dev": {"url": "http://127.0.0.1:9", "api_key": "k" * 20}},
        audit={"directory": tmp_path / "audit"},
    )
    with serve_app(create_app(settings)) as url, client_for(url, None) as http:
        down = http.post("/api/quotation/async", json=VALID)
        ready = http.get("/ready")
    assert down.status_code == 503
    assert down.json()["error"] == "odoo_unreachable"
    assert down.headers["Retry-After"]
    assert ready.status_code == 503
    assert ready.json()["instances"]["dev"]["ok"] is False


def test_health_is_open_and_ready_reports_each_instance_and_its_version(
    bridge_url: str,
) -> None:
    with client_for(bridge_url, None) as anonymous, client_for(bridge_url) as http:
        health = anonymous.get("/health")
        ready = http.get("/ready")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert ready.status_code == 200
    instances = ready.json()["instances"]
    assert set(instances) == {"prod", "dev"}
    assert instances["prod"]["version"] == "19.0"
    assert instances["prod"]["read_only"] is True
    assert instances["dev"]["protocol"] == "json2"


def test_metrics_count_calls_errors_and_odoo_latency(bridge_url: str) -> None:
    with client_for(bridge_url) as http:
        http.post("/api/quotation/async", json=VALID)
        http.post("/api/quotation/async", json={})
        http.get("/ready")
        text = http.get("/metrics").text
    route = 'kind="rest",name="POST /api/quotation/async"'
    assert f"bridge_calls_total{{{route}}} 2.0" in text
    assert f"bridge_errors_total{{{route}}} 1.0" in text
    assert f"bridge_call_duration_seconds_count{{{route}}} 2.0" in text


def test_requests_without_a_valid_token_are_refused(bridge_url: str) -> None:
    with (
        client_for(bridge_url, None) as anonymous,
        client_for(bridge_url, "wrong-token") as wrong,
    ):
        missing = anonymous.post("/api/quotation/async", json=VALID)
        bad = wrong.get("/api/quotation/status/quot_1")
        mcp = anonymous.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        docs = anonymous.get("/openapi.json")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert bad.status_code == 401 and mcp.status_code == 401
    assert docs.status_code == 200


def test_the_bridge_refuses_to_listen_beyond_loopback_without_tokens(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = make_settings(fake_odoo, tmp_path, host="0.0.0.0")
    open_settings = settings.model_copy(
        update={"http": settings.http.model_copy(update={"tokens": {}})}
    )
    with pytest.raises(ConfigError, match="without bearer tokens"):
        create_app(open_settings)
    create_app(settings)


def test_unknown_hosts_and_origins_are_refused(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = make_settings(
        fake_odoo,
        tmp_path,
        allowed_hosts=["127.0.0.1:*", "bridge.example.com"],
        allowed_origins=["https://chat.example.com"],
    )
    with serve_app(create_app(settings)) as url, client_for(url) as http:
        rebinding = http.get("/ready", headers={"Host": "evil.example"})
        real_host = http.get("/ready", headers={"Host": "bridge.example.com"})
        probe = http.get("/health", headers={"Host": "10.1.2.3:8000"})
        bad_origin = http.get("/ready", headers={"Origin": "https://evil.example"})
        good_origin = http.get("/ready", headers={"Origin": "https://chat.example.com"})
    assert rebinding.status_code == 421
    assert real_host.status_code == 200
    assert probe.status_code == 200
    assert bad_origin.status_code == 403
    assert good_origin.status_code == 200


def test_oversized_bodies_are_refused_with_413(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = make_settings(fake_odoo, tmp_path, max_body_bytes=1024)
    with serve_app(create_app(settings)) as url, client_for(url) as http:
        big = http.post("/api/quotation/async", json={**VALID, "notes": "x" * 2048})
        small = http.post("/api/quotation/async", json=VALID)
    assert big.status_code == 413
    assert big.json()["error"] == "payload_too_large"
    assert small.status_code == 202
    assert len(fake_odoo.quotations) == 1


def test_a_client_over_its_rate_limit_gets_429_with_retry_after(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    settings = make_settings(fake_odoo, tmp_path, rate_limit_per_minute=3)
    with (
        serve_app(create_app(settings)) as url,
        client_for(url) as http,
        client_for(url, OTHER_TOKEN) as other,
    ):
        answers = [http.get("/ready").status_code for _ in range(4)]
        limited = http.get("/ready")
        someone_else = other.get("/ready")
    assert answers == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"] == "rate_limited"
    assert someone_else.status_code == 200


def test_rest_calls_are_audited_with_secrets_redacted(
    fake_odoo: FakeOdoo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app(make_settings(fake_odoo, tmp_path))
    # Leaving serve_app runs the lifespan's end, which flushes the audit log.
    with serve_app(app) as url, client_for(url) as http:
        # A credential-looking key: the addon tolerates it and never stores it.
        http.post("/api/quotation/async", json={**VALID, "api_key": "leaked-key-123"})
        http.get("/api/quotation/status/quot_000000000000")
    documents = [d for d in audit_documents(tmp_path) if d["kind"] == "rest"]
    created, missing = sorted(documents, key=lambda d: d["time"])
    assert created["name"] == "POST /api/quotation/async"
    assert (created["client"], created["instance"]) == ("n8n", "dev")
    assert (created["status_code"], created["outcome"]) == (202, "ok")
    assert created["arguments"]["api_key"] == "[redacted]"
    assert created["arguments"]["partner_name"] == "Acme Corp"
    assert (missing["status_code"], missing["outcome"]) == (404, "error")
    everything = json.dumps(documents) + caplog.text
    for secret in (TOKEN, ADMIN_KEY, "leaked-key-123"):
        assert secret not in everything


def test_openapi_documents_the_quotation_routes(bridge_url: str) -> None:
    with client_for(bridge_url, None) as http:
        spec = http.get("/openapi.json").json()
        docs = http.get("/docs")
    validate_openapi(spec)
    post = spec["paths"]["/api/quotation/async"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/QuotationRequest"}
    flat = spec["components"]["schemas"]["QuotationRequestFlat"]
    assert {"partner_name", "email"} <= set(flat["required"])
    assert "202" in post["responses"] and "422" in post["responses"]
    status = spec["paths"]["/api/quotation/status/{tracking_id}"]["get"]
    assert status["parameters"][0]["name"] == "tracking_id"
    assert docs.status_code == 200
    assert 'url: "openapi.json"' in docs.text


def test_the_addons_refusal_of_unknown_keys_passes_through_unchanged(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    body = {**VALID, "customer_type": "restaurant", "lines": [{"qty": 1}]}
    with client_for(bridge_url) as http:
        through_bridge = http.post("/mcp_quotation/v1/quotations", json=body)
    direct = httpx.post(
        f"{fake_odoo.url}/mcp_quotation/v1/quotations",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    assert through_bridge.status_code == direct.status_code == 422
    assert through_bridge.json() == direct.json()
    fields = {e["field"] for e in through_bridge.json()["errors"]}
    assert {"customer_type", "lines[0].qty"} <= fields
    assert fake_odoo.quotations == {}


def login_only_settings(fake: FakeOdoo, tmp_path: Path) -> Settings:
    """The quotations' instance reached with a login and password, no API key."""
    return Settings(
        instances={
            "dev": {
                "url": fake.url,
                "database": DATABASE,
                "login": "admin",
                "password": "admin",
                "protocol": "odoorpc",
            }
        },
        http={"tokens": {"n8n": TOKEN}},
        audit={"directory": tmp_path / "audit"},
    )


def test_quotation_routes_without_an_api_key_are_refused_at_start_up(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="'dev'.*API key"):
        create_app(login_only_settings(fake_odoo, tmp_path))


def test_both_quotation_routes_answer_503_naming_a_missing_api_key(
    fake_odoo: FakeOdoo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should the start-up check be passed by, each request still says why.
    monkeypatch.setattr(Settings, "check_serve", lambda self: None)
    app = create_app(login_only_settings(fake_odoo, tmp_path))
    with serve_app(app) as url, client_for(url) as http:
        created = http.post("/api/quotation/async", json=VALID)
        status = http.get("/api/quotation/status/quot_0000000000000000")
    for answer in (created, status):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "bridge_misconfigured"
        assert "API key" in answer.json()["message"]
    assert fake_odoo.requests == []


def test_wrong_methods_and_unknown_paths_get_json_errors_like_the_addons(
    bridge_url: str,
) -> None:
    with client_for(bridge_url) as http:
        get_submit = http.get("/api/quotation/async")
        delete_status = http.delete("/mcp_quotation/v1/quotations/quot_1")
        unknown = [
            http.get("/mcp_quotation/v1/invoices"),
            http.get("/nothing/here"),
            http.get("/mcp/nothing"),
        ]
    for answer, allowed in ((get_submit, "POST"), (delete_status, "GET, HEAD")):
        assert (answer.status_code, answer.headers["Allow"]) == (405, allowed)
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.json()["error"] == "method_not_allowed"
        assert answer.json()["message"]
    for answer in unknown:
        assert answer.status_code == 404
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.json()["error"] == "not_found" and answer.json()["message"]


def test_an_oversized_quotation_gets_the_addons_413_without_reaching_odoo(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    big = {**VALID, "notes": "x" * 65537}

    def chunks() -> Iterator[bytes]:
        yield json.dumps(big).encode()

    with client_for(bridge_url) as http:
        answers = [
            http.post("/api/quotation/async", json=big),
            http.post("/mcp_quotation/v1/quotations", json=big),
            # Chunked: no Content-Length to go by.
            http.post(
                "/mcp_quotation/v1/quotations",
                content=chunks(),
                headers={"Content-Type": "application/json"},
            ),
        ]
    for answer in answers:
        assert answer.status_code == 413
        assert answer.json() == {
            "error": "payload_too_large",
            "message": "The body must be at most 65536 bytes.",
        }
    assert fake_odoo.requests == []


def test_bodies_over_the_bridges_own_limit_get_the_same_answer(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": "'
        yield b"x" * 2048 + b'"}}'

    settings = make_settings(fake_odoo, tmp_path, max_body_bytes=1024)
    with serve_app(create_app(settings)) as url, client_for(url) as http:
        declared = http.post("/mcp", json={"padding": "x" * 2048})
        chunked = http.post(
            "/mcp", content=chunks(), headers={"Content-Type": "application/json"}
        )
    for answer in (declared, chunked):
        assert answer.status_code == 413
        assert answer.json() == {
            "error": "payload_too_large",
            "message": "The body must be at most 1024 bytes.",
        }


def test_product_lookup_route_passes_the_addons_hits_and_errors(
    fake_odoo: FakeOdoo, tmp_path: Path
) -> None:
    app = create_app(make_settings(fake_odoo, tmp_path))
    # Leaving serve_app runs the lifespan's end, which flushes the audit log.
    with serve_app(app) as url, client_for(url) as http:
        found = http.get("/mcp_quotation/v1/products", params={"q": "robot pdu kety"})
        invalid = http.get("/mcp_quotation/v1/products", params={"limit": "0"})
    assert found.status_code == 200, found.text
    best = found.json()["products"][0]
    assert (best["name"], best["reference"]) == ("Robot PUDU KettyBot", "PUDU-KB")
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"q", "limit"}
    documents = [d for d in audit_documents(tmp_path) if d["kind"] == "rest"]
    looked_up, refused = sorted(documents, key=lambda d: d["time"])
    assert looked_up["name"] == "GET /mcp_quotation/v1/products"
    assert looked_up["arguments"] == {"q": "robot pdu kety"}
    assert (refused["status_code"], refused["outcome"]) == (422, "error")


@pytest.fixture
def odoo_without_the_addon() -> Iterator[str]:
    """An Odoo whose quotation route fails with an HTML page and which has no
    other addon route: its 404 is Odoo's page, not the addon's JSON."""

    async def broken(request: Request) -> Response:
        return PlainTextResponse("<html>Internal Server Error</html>", 500)

    app = Starlette(routes=[Route(LEGACY_SUBMIT_PATH, broken, methods=["POST"])])
    with serve_app(app) as url:
        yield url


def test_odoo_without_the_addon_is_named_and_its_error_pages_are_502(
    odoo_without_the_addon: str, tmp_path: Path
) -> None:
    settings = Settings(
        instances={
            "dev": {
                "url": odoo_without_the_addon,
                "api_key": ADMIN_KEY,
                "protocol": "json2",
            }
        },
        http={"tokens": {"n8n": TOKEN}},
        audit={"directory": tmp_path / "audit"},
    )
    with serve_app(create_app(settings)) as url, client_for(url) as http:
        missing = http.get("/mcp_quotation/v1/quotations/quot_0000000000000000")
        broken = http.post(LEGACY_SUBMIT_PATH, json=VALID)
    assert (missing.status_code, missing.json()["error"]) == (
        503,
        "addon_not_installed",
    )
    assert "not installed on Odoo instance 'dev'" in missing.json()["message"]
    assert (broken.status_code, broken.json()["error"]) == (502, "bad_gateway")
    assert "HTTP 500" in broken.json()["message"]
    statuses = sorted(d["status_code"] for d in audit_documents(tmp_path))
    assert statuses == [502, 503]


def test_the_addons_429_passes_through_with_its_retry_after(
    bridge_url: str, fake_odoo: FakeOdoo
) -> None:
    fake_odoo.rate_limit_per_minute = 2
    with client_for(bridge_url) as http:
        answers = [
            http.post(LEGACY_SUBMIT_PATH, json={**VALID, "idempotency_key": f"f-{n}"})
            for n in range(3)
        ]
        replay = http.post(LEGACY_SUBMIT_PATH, json={**VALID, "idempotency_key": "f-0"})
    assert [a.status_code for a in answers] == [202, 202, 429]
    limited = answers[2]
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert replay.status_code == 200
    assert len(fake_odoo.quotations) == 2
