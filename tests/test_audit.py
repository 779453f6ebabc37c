"""Audit documents: local folder, a real S3 API (moto's server), outages."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import boto3
import pytest
from fake_odoo import free_port
from moto.server import ThreadedMotoServer

from bridge.audit import AuditLog, Scrubber
from bridge.config import AuditSettings, ConfigError
from bridge.identity import Caller


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def s3_objects(endpoint: str, bucket: str) -> dict[str, dict[str, Any]]:
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        o["Key"]: json.loads(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())
        for o in listing
    }


def s3_settings(tmp_path: Path, endpoint: str, bucket: str) -> AuditSettings:
    return AuditSettings(
        directory=tmp_path / "unused",
        spool_directory=tmp_path / "spool",
        retry_seconds=0.1,
        s3={
            "bucket": bucket,
            "prefix": "bridge/",
            "endpoint_url": endpoint,
            "access_key_id": "testing",
            "secret_access_key": "testing",
        },
    )


async def tool_call(audit: AuditLog, name: str, request_id: str) -> None:
    async with audit.track(
        kind="mcp_tool",
        name=name,
        instance="dev",
        arguments={"query": name},
        who=Caller(client="test", request_id=request_id),
    ):
        pass


async def wait_until(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await anyio.sleep(0.05)


@pytest.fixture
def own_s3() -> Iterator[tuple[ThreadedMotoServer, int]]:
    """An S3 server this test may stop and start (the shared one stays up)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield server, port
    finally:
        server.stop()


@pytest.mark.anyio
async def test_documents_go_to_a_local_folder_by_default(tmp_path: Path) -> None:
    audit = AuditLog(AuditSettings(directory=tmp_path / "audit"))
    async with audit.running():
        await tool_call(audit, "list_users", "req-1")
        with pytest.raises(ValueError):
            async with audit.track(
                kind="rest", name="GET /ready", instance=None, arguments={}
            ) as rec:
                rec.status_code = 500
                raise ValueError("boom")
    files = sorted((tmp_path / "audit").rglob("*.json"))
    assert len(files) == 2
    assert all(
        f.parent.relative_to(tmp_path / "audit").as_posix().count("/") == 2
        for f in files
    )
    documents = sorted(
        (json.loads(f.read_text()) for f in files), key=lambda d: d["time"]
    )
    ok, failed = documents
    assert set(ok) == {
        "time",
        "request_id",
        "client",
        "odoo_user",
        "kind",
        "name",
        "instance",
        "arguments",
        "duration_ms",
        "outcome",
        "status_code",
        "error",
    }
    assert (ok["name"], ok["request_id"], ok["client"], ok["outcome"]) == (
        "list_users",
        "req-1",
        "test",
        "ok",
    )
    assert (failed["outcome"], failed["error"], failed["status_code"]) == (
        "error",
        "boom",
        500,
    )
    assert failed["client"] == "local"


def test_secret_looking_keys_and_known_secret_values_are_redacted() -> None:
    scrub = Scrubber(["s3cr3t-api-key", "tok"])
    cleaned = scrub.value(
        {
            "password": "hunter2",
            "nested": [{"API_KEY": "x", "Authorization": "Bearer y"}],
            "notes": "my key is s3cr3t-api-key, ok?",
            "count": 3,
        }
    )
    assert cleaned == {
        "password": "[redacted]",
        "nested": [{"API_KEY": "[redacted]", "Authorization": "[redacted]"}],
        "notes": "my key is [redacted], ok?",
        "count": 3,
    }
    # Too short to be a secret: never blank out ordinary words.
    assert scrub.text("a token of tok") == "a token of tok"


@pytest.mark.anyio
async def test_documents_are_shipped_to_s3(tmp_path: Path, s3_server: Any) -> None:
    bucket = s3_server.make_bucket()
    audit = AuditLog(s3_settings(tmp_path, s3_server.endpoint_url, bucket))
    async with audit.running():
        for n in range(3):
            await tool_call(audit, "search", f"req-{n}")
    objects = s3_objects(s3_server.endpoint_url, bucket)
    assert sorted(d["request_id"] for d in objects.values()) == [
        "req-0",
        "req-1",
        "req-2",
    ]
    assert all(key.startswith("bridge/20") for key in objects)
    assert audit.spooled() == []


@pytest.mark.anyio
async def test_an_s3_outage_delays_documents_but_loses_none(
    tmp_path: Path, own_s3: tuple[ThreadedMotoServer, int]
) -> None:
    server, port = own_s3
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket="audit")
    audit = AuditLog(s3_settings(tmp_path, endpoint, "audit"))
    async with audit.running():
        await tool_call(audit, "before", "req-before")
        await wait_until(lambda: audit.shipped == 1)
        server.stop()
        for n in range(5):
            await tool_call(audit, "during", f"req-during-{n}")
        # The calls returned while S3 was down: their documents wait in the spool.
        await wait_until(lambda: len(audit.spooled()) == 5)
        assert await audit.flush() is False
        # moto keeps its buckets in this process, so they survive the restart.
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        await wait_until(lambda: audit.spooled() == [])
    objects = s3_objects(endpoint, "audit")
    server.stop()
    assert sorted(d["request_id"] for d in objects.values()) == [
        "req-before",
        *(f"req-during-{n}" for n in range(5)),
    ]
    assert audit.shipped == 6


@pytest.mark.anyio
async def test_documents_spooled_by_a_previous_run_are_shipped_at_start(
    tmp_path: Path, s3_server: Any
) -> None:
    bucket = s3_server.make_bucket()
    closed = f"http://127.0.0.1:{free_port()}"
    stranded = AuditLog(s3_settings(tmp_path, closed, bucket))
    async with stranded.running():
        await tool_call(stranded, "stranded", "req-stranded")
    assert len(stranded.spooled()) == 1
    restarted = AuditLog(s3_settings(tmp_path, s3_server.endpoint_url, bucket))
    async with restarted.running():
        await wait_until(lambda: restarted.spooled() == [])
    objects = s3_objects(s3_server.endpoint_url, bucket)
    assert [d["request_id"] for d in objects.values()] == ["req-stranded"]


def test_the_audit_log_says_where_it_writes_and_refuses_a_folder_it_cannot_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "new" / "audit"
    with caplog.at_level(logging.INFO, logger="bridge.audit"):
        AuditLog(AuditSettings(directory=folder)).check_writable()
    assert folder.is_dir()
    assert [r.getMessage() for r in caplog.records] == [
        f"audit documents go to {folder}"
    ]
    assert list(folder.iterdir()) == []  # the probe leaves nothing behind
    (tmp_path / "a-file").write_text("")
    spool = tmp_path / "a-file" / "spool"
    settings = s3_settings(tmp_path, "http://127.0.0.1:9", "bucket")
    settings = settings.model_copy(update={"spool_directory": spool})
    with pytest.raises(ConfigError, match="MCP_ODOO_AUDIT__SPOOL_DIRECTORY"):
        AuditLog(settings).check_writable()
