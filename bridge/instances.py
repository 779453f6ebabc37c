"""Which Odoo instance serves a call, decided in one place.

An operation declares its `Use` (reads, writes, or reads of the quotations);
`Instances.choose` turns that and the instance the caller named, if any, into
the instance that serves it. Whose credentials the call carries is the
caller's (`bridge.identity`), read by the client itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import anyio

from bridge.config import ConfigError, OdooInstance, Settings
from bridge.errors import ReadOnlyInstance, UnknownInstance
from bridge.odoo import LatencyObserver, OdooClient, open_client


@dataclass(frozen=True)
class Use:
    """What an operation does on an instance: the configured default that
    serves it when the caller names none, and whether it writes."""

    default: Literal["read", "write"]
    writes: bool


READS = Use("read", writes=False)
WRITES = Use("write", writes=True)
# Quotations are created on the write instance, so their status is read there;
# reading it writes nothing, so a read-only instance may be named.
QUOTATION_READS = Use("write", writes=False)


class Instance:
    """A configured instance whose client is opened on first use."""

    def __init__(
        self, name: str, config: OdooInstance, observe: LatencyObserver
    ) -> None:
        self.name = name
        self.config = config
        self._observe = observe
        self._client: OdooClient | None = None
        self._lock = anyio.Lock()

    async def client(self) -> OdooClient:
        """The instance's client, connected on first use."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await open_client(
                        self.name, self.config, observe=self._observe
                    )
        return self._client

    async def aclose(self) -> None:
        """Release the client's connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def protocol(self) -> str:
        """The protocol in use (known once the client is open)."""
        return self._client.protocol if self._client else self.config.protocol

    def link(self, model: str, record_id: int) -> str:
        """The record's page in the Odoo UI."""
        base = self.config.ui_url
        if self.protocol == "odoorpc":
            # /web#... works on Odoo 17 and 18; /odoo/<model>/<id> only since 17.2.
            return f"{base}/web#id={record_id}&model={model}&view_type=form"
        return f"{base}/odoo/{model}/{record_id}"


def _no_observer(instance: str, method: str, seconds: float) -> None:
    del instance, method, seconds


class Instances:
    """The configured instances, and the one choice of which serves a call."""

    def __init__(
        self, settings: Settings, *, observe: LatencyObserver | None = None
    ) -> None:
        self.settings = settings
        self._instances = {
            name: Instance(name, cfg, observe or _no_observer)
            for name, cfg in settings.instances.items()
        }

    @property
    def names(self) -> list[str]:
        """Configured instance names."""
        return list(self._instances)

    def __iter__(self) -> Iterator[Instance]:
        return iter(self._instances.values())

    def default_name(self, use: Use) -> str | None:
        """The instance serving `use` when the caller names none; None when no
        instance is configured."""
        try:
            return self.settings.default_instance(write=use.default == "write")
        except ConfigError:
            return None

    def choose(self, name: str | None, use: Use) -> Instance:
        """The instance named (or the default for `use`); refuses writes on
        read-only instances."""
        chosen = name or self.default_name(use)
        if chosen is None:
            raise UnknownInstance("no Odoo instance is configured (MCP_ODOO_INSTANCES)")
        instance = self._instances.get(chosen)
        if instance is None:
            known = ", ".join(self._instances) or "none"
            raise UnknownInstance(
                f"Unknown Odoo instance {chosen!r} (configured: {known})"
            )
        if use.writes and instance.config.read_only:
            raise ReadOnlyInstance(
                f"Odoo instance {chosen!r} is read-only; use a writable instance "
                f"such as {self.default_name(WRITES)!r}"
            )
        return instance

    async def aclose(self) -> None:
        """Close every instance's connection pool."""
        for instance in self._instances.values():
            await instance.aclose()
