"""The Odoo clients: JSON-2 requests, error mapping, retries, protocol detection."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
from fake_odoo import (
    ADMIN_KEY,
    DATABASE,
    READONLY_USER_KEY,
    Backend,
    FakeOdoo,
    free_port,
    serve_app,
)
from starlette.applications import Starlette

from bridge.addon_contract import QUOTATIONS_PATH
from bridge.config import OdooInstance
from bridge.errors import (
    AddonNotInstalled,
    AppNotInstalled,
    BridgeMisconfigured,
    OdooAccessDenied,
    OdooError,
    OdooInvalidRequest,
    OdooRecordMissing,
    OdooUnknownModel,
    OdooUnreachable,
)
from bridge.odoo import (
    Json2Client,
    OdooRpcClient,
    detect_protocol,
    open_client,
    tls_for,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def instance(url: str, key: str = ADMIN_KEY, **extra: Any) -> OdooInstance:
    return OdooInstance(url=url, database=DATABASE, api_key=key, **extra)


@pytest.fixture
async def client(fake_odoo: FakeOdoo) -> Any:
    odoo = Json2Client("dev", instance(fake_odoo.url))
    yield odoo
    await odoo.aclose()


@pytest.mark.anyio
async def test_calls_send_the_bearer_key_the_database_and_the_kwargs(
    client: Json2Client, fake_odoo: FakeOdoo
) -> None:
    rows = await client.call(
        "res.partner",
        "search_read",
        domain=[("is_company", "=", True)],
        fields=["name"],
        order="name",
    )
    [sent] = fake_odoo.requests
    assert rows == [{"id": 10, "name": "Acme Corp"}, {"id": 12, "name": "Deco Addict"}]
    assert sent["path"] == "/json/2/res.partner/search_read"
    assert sent["headers"]["authorization"] == f"bearer {ADMIN_KEY}"
    assert sent["headers"]["x-odoo-database"] == DATABASE
    assert sent["body"] == {
        "domain": [["is_company", "=", True]],
        "fields": ["name"],
        "order": "name",
    }


@pytest.mark.parametrize(
    ("model", "method", "kwargs", "error", "text"),
    [
        (
            "res.partner",
            "search_read",
            {"domain": [("nope", "=", 1)]},
            OdooInvalidRequest,
            "Invalid filter",
        ),
        (
            "res.partner",
            "search_read",
            {"domain": [("name", "like!", "x")]},
            OdooInvalidRequest,
            "Invalid filter",
        ),
        ("no.such.model", "search_read", {}, OdooUnknownModel, "no.such.model"),
        ("res.partner", "frobnicate", {}, OdooUnknownModel, "frobnicate"),
        ("res.partner", "search_read", {"colour": "red"}, OdooInvalidRequest, "colour"),
        (
            "crm.lead",
            "create",
            {"vals_list": [{"type": "lead"}]},
            OdooInvalidRequest,
            "Name is required",
        ),
        (
            "crm.lead",
            "write",
            {"ids": [999999], "vals": {"name": "x"}},
            OdooRecordMissing,
            "does not exist",
        ),
    ],
)
@pytest.mark.anyio
async def test_odoo_errors_become_specific_errors(
    client: Json2Client,
    model: str,
    method: str,
    kwargs: dict[str, Any],
    error: type[OdooError],
    text: str,
) -> None:
    ids = kwargs.pop("ids", None)
    with pytest.raises(error, match=text):
        await client.call(model, method, ids=ids, **kwargs)


@pytest.mark.anyio
async def test_an_invalid_filter_is_an_error_never_an_unfiltered_search(
    client: Json2Client, fake_odoo: FakeOdoo
) -> None:
    with pytest.raises(OdooInvalidRequest):
        await client.call("res.partner", "search_read", domain=[("bogus", "=", 1)])
    assert [r["body"]["domain"] for r in fake_odoo.requests] == [[["bogus", "=", 1]]]


@pytest.mark.anyio
async def test_a_wrong_key_and_missing_rights_are_access_denied(
    fake_odoo: FakeOdoo,
) -> None:
    wrong = Json2Client("prod", instance(fake_odoo.url, "wrong-key-000000"))
    reader = Json2Client("prod", instance(fake_odoo.url, READONLY_USER_KEY))
    with pytest.raises(OdooAccessDenied, match="rejected the bridge's API key"):
        await wrong.call("res.partner", "search_read")
    with pytest.raises(OdooAccessDenied, match="not allowed to modify"):
        await reader.call("crm.lead", "create", vals_list=[{"name": "x"}])
    await wrong.aclose()
    await reader.aclose()


@pytest.mark.anyio
async def test_reads_are_retried_after_a_gateway_error(
    client: Json2Client, fake_odoo: FakeOdoo
) -> None:
    fake_odoo.fail_next = [503, 502]
    rows = await client.call("res.users", "search_read", fields=["login"], limit=1)
    assert rows == [{"id": 2, "login": "admin"}]
    assert len(fake_odoo.requests) == 3


@pytest.mark.anyio
async def test_writes_are_never_retried(
    client: Json2Client, fake_odoo: FakeOdoo
) -> None:
    fake_odoo.fail_next = [503]
    leads_before = len(fake_odoo.data["crm.lead"])
    with pytest.raises(OdooUnreachable, match="HTTP 503"):
        await client.call("crm.lead", "create", vals_list=[{"name": "once"}])
    assert len(fake_odoo.requests) == 1
    assert len(fake_odoo.data["crm.lead"]) == leads_before


@pytest.mark.anyio
async def test_an_odoo_that_does_not_answer_is_unreachable() -> None:
    odoo = Json2Client("dev", instance(f"http://127.0.0.1:{free_port()}", retries=1))
    with pytest.raises(OdooUnreachable, match="unreachable"):
        await odoo.call("res.partner", "search_read")
    await odoo.aclose()


@pytest.fixture
def odoo_without_json2() -> Iterator[str]:
    with serve_app(Starlette()) as url:
        yield url


@pytest.mark.anyio
async def test_the_protocol_is_detected_from_the_odoo_version(
    fake_odoo: FakeOdoo, odoo_without_json2: str
) -> None:
    assert await detect_protocol(instance(fake_odoo.url)) == "json2"
    assert await detect_protocol(instance(odoo_without_json2)) == "odoorpc"


@pytest.mark.odoo
@pytest.mark.anyio
async def test_the_odoorpc_client_reads_and_maps_errors_on_a_real_odoo(
    real_backend: Backend,
) -> None:
    backend = real_backend
    odoo = OdooRpcClient(
        "legacy",
        OdooInstance(
            url=backend.url,
            database=backend.database,
            login=backend.login,
            password=backend.password,
            protocol="odoorpc",
        ),
    )
    rows = await odoo.call(
        "res.users", "search_read", domain=[("login", "=", "admin")], fields=["login"]
    )
    assert [r["login"] for r in rows] == ["admin"]
    assert (await odoo.version()).startswith("19")
    with pytest.raises(OdooInvalidRequest):
        await odoo.call("res.partner", "search_read", domain=[("bogus", "=", 1)])
    await odoo.aclose()


def test_only_https_instances_load_the_ca_bundle_and_plain_ones_still_verify() -> None:
    assert tls_for("https://odoo.example.com") is True
    plain = tls_for("http://127.0.0.1:8069")
    assert isinstance(plain, ssl.SSLContext)
    assert plain.verify_mode == ssl.CERT_REQUIRED
    assert plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0


def test_the_odoorpc_client_needs_a_database_and_a_login() -> None:
    with pytest.raises(BridgeMisconfigured, match="database and a login"):
        OdooRpcClient(
            "legacy",
            OdooInstance(
                url="http://odoo17:8069", api_key="k" * 20, protocol="odoorpc"
            ),
        )


def test_the_odoorpc_client_needs_a_password_or_an_api_key() -> None:
    # Settings refuse this; a config built around their checks is still refused.
    credentials_missing = OdooInstance.model_construct(
        url="http://odoo17:8069", database="odoo", login="admin", protocol="odoorpc"
    )
    with pytest.raises(OdooInvalidRequest, match="password or an API key"):
        OdooRpcClient("legacy", credentials_missing)


class _BrokenOdoorpc:
    """An odoorpc session whose calls fail the way no RPC error does."""

    def execute_kw(self, *args: Any) -> Any:
        raise KeyError("result")


@pytest.mark.anyio
async def test_an_unexpected_odoorpc_failure_is_logged_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    odoo = OdooRpcClient(
        "legacy",
        OdooInstance(
            url="http://odoo17:8069",
            database="odoo",
            login="admin",
            password="admin-password",
            protocol="odoorpc",
        ),
    )
    monkeypatch.setattr(odoo, "_connect", _BrokenOdoorpc)
    with (
        caplog.at_level(logging.ERROR, logger="bridge.odoo"),
        pytest.raises(OdooError) as raised,
    ):
        await odoo.call("res.partner", "search_read")
    assert "res.partner.search_read" in str(raised.value)
    assert "KeyError" in str(raised.value) and "'result'" in str(raised.value)
    [logged] = [r for r in caplog.records if r.name == "bridge.odoo"]
    assert logged.exc_info is not None and logged.exc_info[0] is KeyError
    await odoo.aclose()


@pytest.mark.anyio
async def test_an_api_key_alone_on_an_odoo_without_json2_names_the_login_setting(
    odoo_without_json2: str,
) -> None:
    # Settings cannot refuse it: only detection tells that Odoo is 17/18.
    key_alone = instance(odoo_without_json2)
    with pytest.raises(BridgeMisconfigured) as refused:
        await open_client("dev", key_alone)
    message = str(refused.value)
    assert "MCP_ODOO_INSTANCES__dev__LOGIN" in message
    assert "Odoo 17/18" in message and "API key" in message


class _OdooWithoutApps:
    """An odoorpc session on an Odoo 18.0 without CRM, Sales or Project: how
    odoo/service/model.py answers a model that does not exist."""

    def execute_kw(self, model: str, method: str, *args: Any) -> Any:
        import odoorpc

        message = f"Object {model} doesn't exist"
        raise odoorpc.error.RPCError(
            message,
            {
                "code": 200,
                "message": "Odoo Server Error",
                "data": {
                    "name": "odoo.exceptions.UserError",
                    "message": message,
                    "arguments": [message],
                },
            },
        )


@pytest.mark.parametrize(
    ("model", "app"),
    [
        ("project.task", "Project"),
        ("project.project", "Project"),
        ("crm.lead", "CRM"),
        ("sale.order", "Sales"),
    ],
)
@pytest.mark.anyio
async def test_a_model_of_an_app_not_installed_names_the_app_on_both_protocols(
    fake_odoo: FakeOdoo, monkeypatch: pytest.MonkeyPatch, model: str, app: str
) -> None:
    fake_odoo.missing_models = {model}
    json2 = Json2Client("dev", instance(fake_odoo.url))
    rpc = OdooRpcClient("dev", instance(fake_odoo.url, login="admin"))
    monkeypatch.setattr(rpc, "_connect", _OdooWithoutApps)
    for client in (json2, rpc):
        with pytest.raises(AppNotInstalled) as raised:
            await client.call(model, "search_read", domain=[], limit=1)
        assert str(raised.value) == (
            f"The {app} app is not installed on Odoo instance 'dev'"
        )
        await client.aclose()


@pytest.mark.anyio
async def test_an_unknown_model_outside_the_tools_apps_stays_an_unknown_model(
    fake_odoo: FakeOdoo,
) -> None:
    fake_odoo.missing_models = {"res.partner"}
    client = Json2Client("dev", instance(fake_odoo.url))
    with pytest.raises(OdooUnknownModel) as raised:
        await client.call("res.partner", "search_read", domain=[], limit=1)
    assert not isinstance(raised.value, AppNotInstalled)
    assert "has no model res.partner" in str(raised.value)
    await client.aclose()


@pytest.mark.anyio
async def test_a_missing_addon_is_named_on_both_protocols(
    odoo_without_json2: str,
) -> None:
    # Odoo answers a route it does not have with its HTML 404 page (18.0 and
    # 19.0 alike: the addon's routes are plain HTTP routes on both).
    json2 = Json2Client("dev", instance(odoo_without_json2))
    rpc = OdooRpcClient("dev", instance(odoo_without_json2, login="admin"))
    messages = []
    for client in (json2, rpc):
        with pytest.raises(AddonNotInstalled) as raised:
            await client.route(
                "GET", f"{QUOTATIONS_PATH}/quot_0000000000000000", body=None, headers={}
            )
        messages.append(str(raised.value))
        await client.aclose()
    assert messages[0] == (
        "The mcp_quotation addon is not installed on Odoo instance 'dev'"
    )
    # 17.0/18.0 ignore X-Odoo-Database, so a route may miss for another reason.
    assert messages[1].startswith(messages[0] + ", or Odoo did not select database")
    assert "--db-filter" in messages[1]


class _Odoo18CallKw:
    """An odoorpc session that reads arguments as 17.0/18.0's ``call_kw`` does:
    a record method's ids, and create's values, from the first positional
    argument (odoo/api.py)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Any], dict[str, Any]]] = []

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        self.calls.append((method, args, kwargs))
        if method == "create":
            return [7] * len(args[0])
        ids = args[0]  # web_save is a record method
        return [{"id": ids[0] if ids else 7, **kwargs["vals"]}]


@pytest.mark.anyio
async def test_odoorpc_sends_creates_and_record_methods_as_odoo_17_and_18_read_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = _Odoo18CallKw()
    odoo = OdooRpcClient("legacy", instance("http://odoo18:8069", login="admin"))
    monkeypatch.setattr(odoo, "_connect", lambda: session)
    created = await odoo.call("crm.lead", "create", vals_list=[{"name": "x"}])
    saved = await odoo.call(
        "project.task", "web_save", ids=[], vals={"name": "t"}, specification={}
    )
    assert created == [7]
    assert saved == [{"id": 7, "name": "t"}]
    assert session.calls == [
        ("create", [[{"name": "x"}]], {}),
        ("web_save", [[]], {"vals": {"name": "t"}, "specification": {}}),
    ]
    await odoo.aclose()


@pytest.mark.anyio
async def test_a_login_odoo_refuses_is_access_denied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import odoorpc

    def refuse() -> Any:
        # What odoorpc raises when /jsonrpc's common.login answers no user.
        raise odoorpc.error.RPCError("Wrong login ID or password")

    odoo = OdooRpcClient("legacy", instance("http://odoo18:8069", login="nobody"))
    monkeypatch.setattr(odoo, "_connect", refuse)
    with pytest.raises(OdooAccessDenied, match="'legacy' refused the login"):
        await odoo.call("res.users", "search_read")
    await odoo.aclose()
