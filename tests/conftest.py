"""Shared fixtures: a real S3 server and a real Odoo (18.0 or 19.0) on loopback."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

# The fake Odoo package also provides fixtures. Registered as a plugin (so that
# pytest rewrites its asserts), it is imported by pytest, never above: the
# fixtures below import its `free_port` when they run.
pytest_plugins = ["fake_odoo"]

REPO_ROOT = Path(__file__).resolve().parent.parent
ADDONS_PATH = REPO_ROOT / "odoo_addons"
# `project` is not a dependency of the addon; the bridge's project tools need it.
ODOO_MODULES = "mcp_quotation,project"
ODOO_START_TIMEOUT = 120.0


@dataclass
class S3Server:
    """A moto S3 server on loopback with throwaway credentials."""

    endpoint_url: str
    region: str = "us-east-1"
    access_key_id: str = "testing"
    secret_access_key: str = "testing"  # noqa: S105 - moto accepts any key

    def client(self):  # type: ignore[no-untyped-def]
        """Return a boto3 S3 client bound to this server."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def make_bucket(self, name: str | None = None) -> str:
        """Create a fresh bucket and return its name."""
        bucket = name or f"test-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=bucket)
        return bucket


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3 API (moto's server mode) on a free loopback port."""
    from fake_odoo import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(endpoint_url=f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@dataclass(frozen=True)
class OdooInstance:
    """A running Odoo server (18.0 or 19.0) with `mcp_quotation` installed."""

    url: str
    db: str
    api_key: str
    series: int = 19  # Odoo's major version
    login: str = "admin"
    password: str = "admin"  # noqa: S105 - the throwaway test database's admin
    # How `odoo shell` reaches its database, for tests that prepare records.
    shell_options: tuple[str, ...] = ()


def odoo_command() -> list[str] | None:
    """Return how to run Odoo: `$ODOO_BIN`, else `odoo` on PATH, else None."""
    configured = os.environ.get("ODOO_BIN")
    if configured:
        return [configured]
    found = shutil.which("odoo")
    return [found] if found else None


def odoo_series(command: list[str]) -> int:
    """The major version of the Odoo that `command` runs: 18 or 19."""
    version = subprocess.run(
        [*command, "--version"], capture_output=True, text=True, check=True
    ).stdout  # "Odoo Server 19.0"
    return int(version.split()[-1].split(".")[0])


def demo_data_options(series: int) -> list[str]:
    """The option that loads demo data into a new database: 19.0 loads it only
    with `--with-demo`; 18.0 loads it unless `--without-demo`, and has no
    `--with-demo`."""
    return ["--with-demo"] if series >= 19 else []


def odoo_db_options() -> list[str]:
    """Odoo's database options, from the standard libpq environment variables."""
    options = []
    for env_var, option in (
        ("PGHOST", "--db_host"),
        ("PGPORT", "--db_port"),
        ("PGUSER", "--db_user"),
        ("PGPASSWORD", "--db_password"),
    ):
        if os.environ.get(env_var):
            options.append(f"{option}={os.environ[env_var]}")
    return options


def odoo_shell(
    command: list[str], options: list[str], script: str
) -> subprocess.CompletedProcess[str]:
    """Run `script` in `odoo shell` on the database of `options`."""
    return subprocess.run(
        [*command, "shell", *options, "--no-http"],
        input=script,
        capture_output=True,
        text=True,
        check=True,
        timeout=ODOO_START_TIMEOUT,
    )


def create_api_key(command: list[str], options: list[str]) -> str:
    """Create a global API key for `admin` and return it."""
    script = (
        "user = env.ref('base.user_admin')\n"
        "key = env['res.users.apikeys'].with_user(user).sudo()"
        "._generate(None, 'mcp-odoo tests', None)\n"
        "env.cr.commit()\n"
        "print('API_KEY=' + key)\n"
    )
    result = odoo_shell(command, options, script)
    for line in result.stdout.splitlines():
        if line.startswith("API_KEY="):
            return line.removeprefix("API_KEY=")
    raise RuntimeError(f"odoo shell printed no API key:\n{result.stderr[-2000:]}")


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    """Block until Odoo answers `/web/health`, or fail if it exits."""
    deadline = time.monotonic() + ODOO_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Odoo exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/web/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"Odoo did not answer on {url} within {ODOO_START_TIMEOUT}s")


def lift_flood_control(command: list[str], options: list[str]) -> None:
    """No per-user rate: the end-to-end tests submit hundreds of requests a
    minute with one key. The addon's own tests cover the flood control. Set
    through `odoo shell`, which both series have (18.0 has no JSON-2)."""
    odoo_shell(
        command,
        options,
        "env['ir.config_parameter'].set_param("
        "'mcp_quotation.rate_limit_per_minute', '0')\n"
        "env.cr.commit()\n",
    )


@pytest.fixture(scope="session")
def odoo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OdooInstance]:
    """A real Odoo (18.0 or 19.0) on loopback: fresh database, demo data,
    `mcp_quotation`."""
    command = odoo_command()
    if command is None:
        pytest.skip("no Odoo installation found (set ODOO_BIN or put `odoo` on PATH)")
    series = odoo_series(command)
    db = f"mcp_e2e_{secrets.token_hex(4)}"
    options = [
        f"--addons-path={ADDONS_PATH}",
        *odoo_db_options(),
        "-d",
        db,
        f"--data-dir={tmp_path_factory.mktemp('odoo-data')}",
    ]
    init = subprocess.run(
        [*command, *options, "-i", ODOO_MODULES, *demo_data_options(series)]
        + ["--stop-after-init", "--no-http"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if init.returncode != 0:
        raise RuntimeError(f"Odoo could not initialise {db}:\n{init.stderr[-3000:]}")
    api_key = create_api_key(command, options)
    lift_flood_control(command, options)
    from fake_odoo import free_port

    port = free_port()
    log_file = tmp_path_factory.mktemp("odoo-log") / "odoo.log"
    process = subprocess.Popen(
        [
            *command,
            *options,
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            # Two, as in production: a busy cron (lead enrichment retrying
            # without internet access, here) must not hold up the queue.
            "--max-cron-threads=2",
            f"--logfile={log_file}",
        ]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)
        yield OdooInstance(
            url=url,
            db=db,
            api_key=api_key,
            series=series,
            shell_options=tuple(options),
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        subprocess.run(["dropdb", "--if-exists", db], check=False)
