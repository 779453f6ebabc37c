"""Prometheus metrics: calls, errors and latency per tool/route, Odoo latency."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bridge.audit import CallRecord

LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
)


class Metrics:
    """One registry per app, so several apps (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "bridge_calls",
            "MCP tool calls and REST calls handled.",
            ["kind", "name"],
            registry=self.registry,
        )
        self.errors = Counter(
            "bridge_errors",
            "MCP tool calls and REST calls that failed.",
            ["kind", "name"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "bridge_call_duration_seconds",
            "Time to handle an MCP tool call or a REST call.",
            ["kind", "name"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.odoo_latency = Histogram(
            "bridge_odoo_request_duration_seconds",
            "Time Odoo took to answer one request.",
            ["instance", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_call(self, rec: CallRecord, seconds: float) -> None:
        """Count one finished call."""
        self.calls.labels(rec.kind, rec.name).inc()
        if rec.outcome != "ok":
            self.errors.labels(rec.kind, rec.name).inc()
        self.latency.labels(rec.kind, rec.name).observe(seconds)

    def observe_odoo(self, instance: str, method: str, seconds: float) -> None:
        """Record one Odoo request's latency."""
        self.odoo_latency.labels(instance, method).observe(seconds)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
