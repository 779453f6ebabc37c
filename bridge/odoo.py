"""Odoo clients: JSON-2 over a pooled httpx2 client (19+), odoorpc for 17/18."""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import anyio
import httpx2

from bridge.config import OdooInstance, instance_setting
from bridge.errors import (
    AddonNotInstalled,
    AppNotInstalled,
    BridgeMisconfigured,
    OdooAccessDenied,
    OdooBadAnswer,
    OdooError,
    OdooInvalidRequest,
    OdooRecordMissing,
    OdooUnknownModel,
    OdooUnreachable,
)
from bridge.field_maps import APPS
from bridge.identity import caller, caller_credentials, key_owner

logger = logging.getLogger(__name__)

# Methods that never change data: only these are retried after a failure.
READ_METHODS = frozenset(
    {
        "search_read",
        "web_search_read",
        "read",
        "web_read",
        "search",
        "search_count",
        "name_search",
        "fields_get",
        "read_group",
        "formatted_read_group",
        "check_access_rights",
        "has_group",
    }
)
RETRYABLE_STATUS = frozenset({502, 503, 504})

LatencyObserver = Callable[[str, str, float], None]


def tls_for(url: str) -> ssl.SSLContext | bool:
    """httpx2's `verify` for a client of `url`: the system's CAs only for https.

    Loading them costs ~40 ms and ~3 MiB, on the first call of a plain-http
    instance; its context has no CA, so https from it still fails.
    """
    if urlsplit(url).scheme == "https":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class OdooClient(Protocol):
    """The calls the service needs from one Odoo instance."""

    protocol: str

    async def call(
        self,
        model: str,
        method: str,
        ids: list[int] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call `model.method(**kwargs)` on `ids` (or on the model)."""
        ...

    async def version(self) -> str:
        """The server version, e.g. ``19.0``."""
        ...

    async def route(
        self, method: str, path: str, *, body: bytes | None, headers: Mapping[str, str]
    ) -> AddonResponse:
        """Send a request to one of the addon's routes and return it unchanged."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class AddonResponse:
    """A response from one of the addon's HTTP routes, passed through as is."""

    def __init__(
        self, status_code: int, body: Any, retry_after: str | None = None
    ) -> None:
        self.status_code = status_code
        self.body = body
        # When to try again, for a refusal that says (429: the addon's flood
        # control; 503).
        self.retry_after = retry_after


def _missing_model(instance: str, model: str) -> OdooUnknownModel:
    """Odoo has no `model`: the app that brings it, when it is one the tools use."""
    app = APPS.get(model)
    if app is None:
        return OdooUnknownModel(f"Odoo instance {instance!r} has no model {model}")
    return AppNotInstalled(app, instance)


def _error_from_json2(
    instance: str, status: int, body: Any, model: str, method: str
) -> OdooError:
    """Turn a JSON-2 error response (Odoo's serialize_exception) into an OdooError."""
    name = body.get("name", "") if isinstance(body, dict) else ""
    message = body.get("message", "") if isinstance(body, dict) else ""
    message = str(message or f"HTTP {status}").strip()
    where = f"{model}.{method}"
    if status == 401:
        return OdooAccessDenied(f"Odoo rejected {key_owner()} ({where})")
    if status == 403:
        return OdooAccessDenied(f"Access denied on {where}: {message}")
    if status == 404 and name.endswith("MissingError"):
        return OdooRecordMissing(f"Record missing on {where}: {message}")
    if status == 404 and message == f"the model {model!r} does not exist":
        # addons/rpc/controllers/json2.py (19.0) words an unknown model so.
        return _missing_model(instance, model)
    if status == 404:
        return OdooUnknownModel(f"Unknown model or method {where}: {message}")
    if status == 422:
        return OdooInvalidRequest(f"Odoo rejected {where}: {message}")
    if status in RETRYABLE_STATUS:
        return OdooUnreachable(f"Odoo is unavailable (HTTP {status}) on {where}")
    if name in ("builtins.ValueError", "builtins.TypeError", "builtins.KeyError"):
        # The ORM raises these for a malformed domain or an unknown field.
        return OdooInvalidRequest(f"Invalid filter or arguments for {where}: {message}")
    return OdooError(f"Odoo error on {where} (HTTP {status}): {message}")


class _AddonRoutes:
    """What both clients share: one pooled HTTP client for the addon's routes."""

    name: str
    http: httpx2.AsyncClient
    # What else an Odoo answering its 404 page for the addon's route may mean.
    addon_missing_alternative = ""

    async def route(
        self, method: str, path: str, *, body: bytes | None, headers: Mapping[str, str]
    ) -> AddonResponse:
        """Send a request to one of the addon's routes as the caller's own Odoo
        user when it has one; the addon's own answers (JSON) are returned,
        whatever their status, anything else is raised."""
        own = caller_credentials(self.name)
        if own is not None:
            headers = {**headers, **own}
        try:
            response = await self.http.request(
                method, path, content=body, headers=headers
            )
        except httpx2.TransportError as exc:
            raise OdooUnreachable(
                f"Odoo instance {self.name!r} is unreachable: {type(exc).__name__}"
            ) from None
        answer = _json_or_none(response)
        if answer is not None:
            return AddonResponse(
                response.status_code, answer, response.headers.get("retry-after")
            )
        # Not the addon speaking: every path under its prefixes answers JSON.
        if response.status_code == 404:
            raise AddonNotInstalled(self.name, self.addon_missing_alternative)
        raise OdooBadAnswer(
            f"Odoo instance {self.name!r} answered HTTP {response.status_code} "
            f"without the addon's JSON on {method} {path.partition('?')[0]}"
        )

    async def aclose(self) -> None:
        """Release connections."""
        await self.http.aclose()


class Json2Client(_AddonRoutes):
    """Odoo 19+ JSON-2 API: ``POST /json/2/<model>/<method>`` with a bearer key."""

    protocol = "json2"

    def __init__(
        self,
        name: str,
        instance: OdooInstance,
        *,
        observe: LatencyObserver | None = None,
    ) -> None:
        if instance.api_key is None:
            raise BridgeMisconfigured(
                f"Odoo instance {name!r} speaks JSON-2, which needs an API key "
                f"(set MCP_ODOO_INSTANCES__{name}__API_KEY)"
            )
        self.name = name
        self._instance = instance
        self._observe = observe
        headers = {
            "Authorization": f"bearer {instance.api_key.get_secret_value()}",
            "User-Agent": "mcp-odoo-bridge",
        }
        if instance.database:
            headers["X-Odoo-Database"] = instance.database
        self.http = httpx2.AsyncClient(
            base_url=instance.base_url,
            headers=headers,
            timeout=httpx2.Timeout(
                instance.timeout, connect=min(5.0, instance.timeout)
            ),
            limits=httpx2.Limits(max_connections=50, max_keepalive_connections=20),
            verify=tls_for(instance.base_url),
        )

    async def call(
        self,
        model: str,
        method: str,
        ids: list[int] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call `model.method(**kwargs)` on `ids` (or on the model)."""
        body: dict[str, Any] = dict(kwargs)
        if ids is not None:
            body["ids"] = ids
        # One pooled client per instance; the caller's own key, if any, rides
        # on each request.
        credentials = caller_credentials(self.name)
        attempts = 1 + (self._instance.retries if method in READ_METHODS else 0)
        for attempt in range(attempts):
            if attempt:
                await anyio.sleep(0.2 * 2 ** (attempt - 1))
            started = time.perf_counter()
            try:
                response = await self.http.post(
                    f"/json/2/{model}/{method}", json=body, headers=credentials
                )
            except httpx2.TransportError as exc:
                failure: OdooError = OdooUnreachable(
                    f"Odoo instance {self.name!r} is unreachable: {type(exc).__name__}"
                )
            else:
                if self._observe is not None:
                    self._observe(self.name, method, time.perf_counter() - started)
                if response.status_code == 200:
                    return response.json()
                failure = _error_from_json2(
                    self.name,
                    response.status_code,
                    _json_or_none(response),
                    model,
                    method,
                )
            if not isinstance(failure, OdooUnreachable):
                break
        raise failure

    async def version(self) -> str:
        """The server version, e.g. ``19.0``."""
        return await fetch_version(self.http)


class OdooRpcClient(_AddonRoutes):
    """Odoo 17/18 over odoorpc (JSON-RPC), run in worker threads."""

    protocol = "odoorpc"

    def __init__(
        self,
        name: str,
        instance: OdooInstance,
        *,
        observe: LatencyObserver | None = None,
    ) -> None:
        missing = instance.missing_for_protocol(self.protocol)
        if missing is not None:
            # Settings refuse this up front unless the protocol is detected
            # (`auto` with an API key): then the first call says it.
            raise BridgeMisconfigured(
                f"Odoo instance {name!r} speaks odoorpc (Odoo 17/18, no JSON-2), "
                "which needs a database and a login: Odoo 17/18 take an API key "
                "only with the login of the user it belongs to, and none of their "
                f"APIs tells whose key it is (set {instance_setting(name, missing)})"
            )
        secret = instance.password or instance.api_key
        if secret is None:
            raise OdooInvalidRequest(
                f"instance {name!r} needs a password or an API key for odoorpc"
            )
        self._secret = secret
        self.name = name
        self.addon_missing_alternative = (
            f", or Odoo did not select database {instance.database!r} for its "
            "routes: Odoo 17/18 serve them only in the database they select "
            "themselves (the only one, or the one --db-filter leaves)"
        )
        self._instance = instance
        self._observe = observe
        self._odoo: Any = None
        self._lock = anyio.Lock()
        headers = {"User-Agent": "mcp-odoo-bridge"}
        if instance.api_key is not None:
            headers["Authorization"] = f"bearer {instance.api_key.get_secret_value()}"
        if instance.database:
            # Read by 19.0 only: 17.0/18.0 serve a plain route in the database
            # they select themselves (the only one, or the one --db-filter leaves).
            headers["X-Odoo-Database"] = instance.database
        self.http = httpx2.AsyncClient(
            base_url=instance.base_url,
            headers=headers,
            timeout=instance.timeout,
            verify=tls_for(instance.base_url),
        )

    def _connect(self) -> Any:
        import odoorpc  # imported here: only Odoo 17/18 set-ups need it

        parts = urlsplit(self._instance.base_url)
        https = parts.scheme == "https"
        odoo = odoorpc.ODOO(
            parts.hostname,
            protocol="jsonrpc+ssl" if https else "jsonrpc",
            port=parts.port or (443 if https else 80),
            timeout=self._instance.timeout,
        )
        odoo.login(
            self._instance.database,
            self._instance.login,
            self._secret.get_secret_value(),
        )
        return odoo

    async def _session(self) -> Any:
        async with self._lock:
            if self._odoo is None:
                try:
                    self._odoo = await anyio.to_thread.run_sync(self._connect)
                except Exception as exc:
                    raise _error_from_rpc(exc, self.name, "login") from None
            return self._odoo

    async def call(
        self,
        model: str,
        method: str,
        ids: list[int] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call `model.method(**kwargs)` on `ids` (or on the model)."""
        if caller().odoo_user is not None:
            # odoorpc holds one logged-in session per instance.
            raise OdooAccessDenied(
                f"Instance {self.name!r} speaks odoorpc (Odoo 17/18): callers with "
                "their own Odoo user need JSON-2 (Odoo 19+)"
            )
        odoo = await self._session()
        args: list[Any] = [ids] if ids is not None else []
        if method == "create":
            # 17.0/18.0's call_kw reads create's values from its first
            # positional argument (odoo/api.py, call_kw), and answers a list
            # of ids for a list of values, as JSON-2 does.
            args.append(kwargs.pop("vals_list"))
        started = time.perf_counter()
        try:
            result = await anyio.to_thread.run_sync(
                lambda: odoo.execute_kw(model, method, args, kwargs)
            )
        except Exception as exc:
            raise _error_from_rpc(exc, self.name, f"{model}.{method}", model) from None
        if self._observe is not None:
            self._observe(self.name, method, time.perf_counter() - started)
        return result

    async def version(self) -> str:
        """The server version, e.g. ``18.0``."""
        odoo = await self._session()
        return str(odoo.version)


def _error_from_rpc(
    exc: Exception, instance: str, where: str, model: str | None = None
) -> OdooError:
    """Map odoorpc and network failures to the same errors as JSON-2."""
    import odoorpc

    if isinstance(exc, OSError | TimeoutError):
        return OdooUnreachable(f"Odoo is unreachable ({where}): {type(exc).__name__}")
    if isinstance(exc, odoorpc.error.RPCError):
        if not exc.info and where == "login":
            # odoorpc's own error when Odoo answers the login with no user.
            return OdooAccessDenied(
                f"Odoo instance {instance!r} refused the login with its API key "
                "or password"
            )
        name = str((exc.info or {}).get("data", {}).get("name", ""))
        message = str(exc.args[0]) if exc.args else name
        if model is not None and message == f"Object {model} doesn't exist":
            # odoo/service/model.py (17.0, 18.0) words an unknown model so.
            return _missing_model(instance, model)
        if "AccessDenied" in name or "AccessError" in name:
            return OdooAccessDenied(f"Access denied on {where}: {message}")
        if "MissingError" in name:
            return OdooRecordMissing(f"Record missing on {where}: {message}")
        if any(k in name for k in ("ValueError", "ValidationError", "UserError")):
            return OdooInvalidRequest(f"Odoo rejected {where}: {message}")
        return OdooError(f"Odoo error on {where}: {message}")
    # Not Odoo refusing: a broken answer or a bug. Kept whole for whoever
    # investigates; the caller gets its type and message.
    logger.error("Unexpected odoorpc failure on %s", where, exc_info=exc)
    return OdooError(f"Odoo error on {where}: {type(exc).__name__}: {exc}")


def _json_or_none(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except json.JSONDecodeError:
        return None


async def fetch_version(http: httpx2.AsyncClient) -> str:
    """Read ``GET /web/version`` (Odoo 19's rpc addon)."""
    try:
        response = await http.get("/web/version")
    except httpx2.TransportError as exc:
        raise OdooUnreachable(f"Odoo is unreachable: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise OdooError(f"GET /web/version answered HTTP {response.status_code}")
    return str(response.json()["version"])


async def detect_protocol(instance: OdooInstance) -> str:
    """json2 when ``/web/version`` says 19 or later, else odoorpc."""
    async with httpx2.AsyncClient(
        base_url=instance.base_url,
        timeout=instance.timeout,
        verify=tls_for(instance.base_url),
    ) as http:
        try:
            response = await http.get("/web/version")
        except httpx2.TransportError as exc:
            raise OdooUnreachable(
                f"Odoo at {instance.base_url} is unreachable: {type(exc).__name__}"
            ) from None
    if response.status_code == 200:
        version = _json_or_none(response) or {}
        info = version.get("version_info") or [0]
        if isinstance(info[0], int) and info[0] >= 19:
            return "json2"
    return "odoorpc"


async def open_client(
    name: str, instance: OdooInstance, *, observe: LatencyObserver | None = None
) -> OdooClient:
    """Build the right client for an instance (detecting the protocol if asked)."""
    protocol: str = instance.protocol
    if protocol == "auto":
        protocol = await detect_protocol(instance)
    if protocol == "json2":
        return Json2Client(name, instance, observe=observe)
    return OdooRpcClient(name, instance, observe=observe)
