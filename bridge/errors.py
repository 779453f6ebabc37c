"""The bridge's own refusals: raised before (or instead of) calling Odoo."""

from __future__ import annotations


class BridgeError(Exception):
    """A request the bridge refuses by itself; the message is for the caller."""


class InvalidArguments(BridgeError):
    """The arguments cannot make a request (nothing to change, a malformed id)."""


class UnknownInstance(BridgeError):
    """The caller named an instance that is not configured."""


class ReadOnlyInstance(BridgeError):
    """A write was attempted on an instance configured read-only."""


class BridgeMisconfigured(BridgeError):
    """The bridge's own configuration cannot serve this request; not the caller's
    fault, so REST answers 503."""
