"""Audit log: one JSON document per MCP tool call and per REST call.

Documents are queued in memory by the caller (never blocking it), written by a
background task to a local folder, or to a local spool and then shipped to S3.
A document stays in the spool until S3 has accepted it, so an S3 outage delays
documents but loses none, also across restarts.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from bridge.addon_contract import SECRET_KEY_PATTERN
from bridge.config import ENV_PREFIX, AuditSettings, ConfigError, S3Settings
from bridge.identity import Caller, caller

logger = logging.getLogger(__name__)

REDACTED = "[redacted]"
BATCH_SECONDS = 0.05
SECRET_KEYS = re.compile(SECRET_KEY_PATTERN, re.IGNORECASE)


class Scrubber:
    """Removes secrets from arguments and error messages."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first so a secret containing another is replaced whole.
        self._secrets = sorted(
            {s for s in secrets if len(s) >= 4}, key=len, reverse=True
        )

    def text(self, value: str) -> str:
        """`value` with every known secret replaced."""
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return value

    def value(self, value: Any) -> Any:
        """A copy of `value` with secret-looking keys and known secrets redacted."""
        if isinstance(value, dict):
            return {
                str(k): REDACTED if SECRET_KEYS.search(str(k)) else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


@dataclass
class CallRecord:
    """What one call did; filled in while it runs."""

    kind: str
    name: str
    instance: str | None
    arguments: Any
    caller: Caller
    started: datetime
    outcome: str = "ok"
    error: str | None = None
    status_code: int | None = None

    def fail(self, error: str, status_code: int | None = None) -> None:
        """Mark the call failed without raising (e.g. a proxied 4xx)."""
        self.outcome = "error"
        self.error = error
        if status_code is not None:
            self.status_code = status_code


Observer = Callable[[CallRecord, float], None]


class AuditLog:
    """Queue of audit documents and the background task that stores them."""

    def __init__(
        self,
        settings: AuditSettings,
        *,
        secrets: Iterable[str] = (),
        observe: Observer | None = None,
    ) -> None:
        self.settings = settings
        self.scrubber = Scrubber(secrets)
        self._observe = observe
        self._queue: deque[dict[str, Any]] = deque()
        self._wake: anyio.Event | None = None
        self._s3: Any = None
        self._shipping = threading.Lock()
        self.shipped = 0

    # -- producing ----------------------------------------------------------

    def record(self, document: dict[str, Any]) -> None:
        """Queue a document; returns at once."""
        self._queue.append(document)
        if self._wake is not None:
            self._wake.set()

    @asynccontextmanager
    async def track(
        self,
        *,
        kind: str,
        name: str,
        instance: str | None,
        arguments: Any,
        who: Caller | None = None,
    ) -> AsyncIterator[CallRecord]:
        """Time a call and queue its document, whatever happens inside."""
        rec = CallRecord(
            kind=kind,
            name=name,
            instance=instance,
            arguments=arguments,
            caller=who or caller(),
            started=datetime.now(UTC),
        )
        began = time.perf_counter()
        try:
            yield rec
        except BaseException as exc:
            rec.fail(str(exc) or type(exc).__name__)
            raise
        finally:
            duration = time.perf_counter() - began
            self.record(self.document(rec, duration))
            if self._observe is not None:
                self._observe(rec, duration)

    def document(self, rec: CallRecord, duration: float) -> dict[str, Any]:
        """The JSON document for one call, secrets redacted."""
        return {
            "time": rec.started.isoformat(),
            "request_id": rec.caller.request_id,
            "client": rec.caller.client,
            # null: the instance's own API key, i.e. the bridge's Odoo user.
            "odoo_user": rec.caller.odoo_user.login if rec.caller.odoo_user else None,
            "kind": rec.kind,
            "name": rec.name,
            "instance": rec.instance,
            "arguments": self.scrubber.value(rec.arguments),
            "duration_ms": round(duration * 1000, 3),
            "outcome": rec.outcome,
            "status_code": rec.status_code,
            "error": self.scrubber.text(rec.error) if rec.error else None,
        }

    # -- storing ------------------------------------------------------------

    def check_writable(self) -> None:
        """Create the folder documents are written to, prove it writable and say
        where it is; ConfigError naming the setting otherwise.

        Called before the bridge serves: a call must never be answered while
        its audit document has nowhere to go.
        """
        s3 = self.settings.s3
        setting = "spool_directory" if s3 else "directory"
        root: Path = getattr(self.settings, setting)
        try:
            root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=root, prefix=".write-check-"):
                pass
        except OSError as exc:
            raise ConfigError(
                f"the audit folder {root} cannot be written ({exc.strerror}): set "
                f"{ENV_PREFIX}AUDIT__{setting.upper()} to a writable folder"
            ) from exc
        where = root.resolve()
        if s3:
            logger.info("audit documents go to S3 bucket %s via %s", s3.bucket, where)
        else:
            logger.info("audit documents go to %s", where)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[AuditLog]:
        """Run the writer while the block runs; flush what is left at the end."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._writer)
            try:
                yield self
            finally:
                tg.cancel_scope.cancel()
        with anyio.CancelScope(shield=True):
            await self.flush()

    async def flush(self) -> bool:
        """Store queued documents now; True when nothing is left waiting."""
        batch = list(self._queue)
        if batch:
            # Shielded so a document is never both dropped from the queue and
            # unwritten; a local write is short.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._store, batch)
                for _ in batch:
                    self._queue.popleft()
        if self.settings.s3 is None:
            return True
        return await anyio.to_thread.run_sync(self._ship, self.settings.s3)

    async def _writer(self) -> None:
        while True:
            self._wake = anyio.Event()
            if not self._queue:
                with anyio.move_on_after(self.settings.retry_seconds):
                    await self._wake.wait()
            # Gather the documents of a burst of calls into one write.
            await anyio.sleep(BATCH_SECONDS)
            try:
                await self.flush()
            except Exception:  # the writer must outlive any storage failure
                logger.exception("audit writer failed; documents stay queued")
                await anyio.sleep(self.settings.retry_seconds)

    def _key(self, document: dict[str, Any]) -> str:
        stamp = document["time"]
        day = stamp[:10].replace("-", "/")
        safe = re.sub(r"[^0-9A-Za-z]", "", stamp[11:23])
        return f"{day}/{safe}_{document['request_id']}_{uuid.uuid4().hex[:8]}.json"

    def _store(self, batch: list[dict[str, Any]]) -> None:
        root = (
            self.settings.spool_directory
            if self.settings.s3
            else self.settings.directory
        )
        for document in batch:
            path = root / self._key(document)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(document, ensure_ascii=False, default=str))
            os.replace(tmp, path)

    def _client(self, s3: S3Settings) -> Any:
        if self._s3 is None:
            # Imported here: only S3 set-ups pay for boto3's import.
            import boto3
            from botocore.config import Config

            self._s3 = boto3.client(
                "s3",
                endpoint_url=s3.endpoint_url,
                region_name=s3.region,
                aws_access_key_id=(
                    s3.access_key_id.get_secret_value() if s3.access_key_id else None
                ),
                aws_secret_access_key=(
                    s3.secret_access_key.get_secret_value()
                    if s3.secret_access_key
                    else None
                ),
                config=Config(
                    connect_timeout=2,
                    read_timeout=5,
                    retries={"max_attempts": 1},
                    s3={"addressing_style": "path"},
                ),
            )
        return self._s3

    def spooled(self) -> list[Path]:
        """Documents waiting in the spool for S3, oldest first."""
        root = self.settings.spool_directory
        if not root.exists():
            return []
        return sorted(root.rglob("*.json"))

    def _ship(self, s3: S3Settings) -> bool:
        with self._shipping:
            return self._ship_spool(s3)

    def _ship_spool(self, s3: S3Settings) -> bool:
        root = self.settings.spool_directory
        for path in self.spooled():
            key = s3.prefix + path.relative_to(root).as_posix()
            try:
                body = path.read_bytes()
            except FileNotFoundError:  # shipped by a flush that overlapped this one
                continue
            try:
                self._client(s3).put_object(
                    Bucket=s3.bucket,
                    Key=key,
                    Body=body,
                    ContentType="application/json",
                )
            except Exception as exc:  # S3 down: keep the spool, try again later
                logger.warning("audit upload to S3 failed, will retry: %s", exc)
                return False
            path.unlink(missing_ok=True)
            self.shipped += 1
        return True
