"""Who is calling, and with which Odoo credentials.

The gateway (`bridge.security`) or the MCP transport sets the caller for the
duration of a request; the Odoo clients read its credentials, the audit log
records it.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from bridge.config import OdooUser
from bridge.errors import OdooAccessDenied


@dataclass(frozen=True)
class Caller:
    """Who is calling: the bearer token's client name (or transport), the
    request id, and the Odoo user its calls run as (None: the instance's key)."""

    client: str
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    odoo_user: OdooUser | None = None


current_caller: ContextVar[Caller | None] = ContextVar("current_caller", default=None)


def caller() -> Caller:
    """The caller set by the transport, or an anonymous local one."""
    return current_caller.get() or Caller(client="local")


def caller_credentials(instance: str) -> dict[str, str] | None:
    """The `Authorization` header of the caller's own Odoo user on `instance`;
    None when the caller uses the instance's API key."""
    user = caller().odoo_user
    if user is None:
        return None
    key = user.api_keys.get(instance)
    if key is None:
        raise OdooAccessDenied(
            f"Odoo user {user.login!r} has no API key for instance {instance!r}; "
            "ask the bridge's operator to configure one"
        )
    return {"Authorization": f"bearer {key.get_secret_value()}"}


def key_owner() -> str:
    """Whose API key the caller's requests carry, for Odoo's refusal of it."""
    user = caller().odoo_user
    if user is None:
        return "the bridge's API key"
    return f"the API key of Odoo user {user.login!r}"
