"""scripts/postgres.sh: ensure_postgres picks a server Odoo can really use.

Each test starts a throwaway PostgreSQL cluster on a free loopback port (its
socket in a temporary folder), points the libpq variables, or Debian's
PGCLUSTER, at it, sources scripts/postgres.sh in bash as scripts/test does, and
then creates a database through plain libpq with the variables ensure_postgres
exported: what Odoo does next.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_odoo import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
LIBPQ_VARIABLES = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")
# Debian's psql/pg_isready wrapper; the real binaries live in a versioned bindir.
DEBIAN_WRAPPER = Path("/usr/share/postgresql-common/pg_wrapper")
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def postgres_bindir() -> Path:
    """Return PostgreSQL's own bindir (not Debian's wrappers), or skip."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        pytest.skip("PostgreSQL's server binaries are not installed")
    return Path(initdb).parent


@dataclass
class Cluster:
    """A throwaway cluster on 127.0.0.1, its socket in `socket_dir`."""

    bindir: Path
    socket_dir: str
    port: int
    version: str

    def sql(self, statement: str, user: str) -> None:
        """Run one statement as `user` through the socket."""
        subprocess.run(
            [self.bindir / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
            + ["-h", self.socket_dir, "-p", str(self.port), "-U", user]
            + ["-d", "postgres", "-c", statement],
            check=True,
            capture_output=True,
        )


@pytest.fixture
def start_cluster() -> Iterator[object]:
    """Start throwaway clusters whose superuser is the given role name."""
    bindir = postgres_bindir()
    started: list[tuple[str, Path]] = []

    def start(superuser: str) -> Cluster:
        # A short path: a Unix socket's path is limited to ~100 bytes.
        folder = tempfile.mkdtemp(prefix="mcp-probe-", dir="/tmp")
        data = Path(folder) / "data"
        if AS_POSTGRES:
            shutil.chown(folder, "postgres")
        subprocess.run(
            [*AS_POSTGRES, bindir / "initdb", "-D", data, "-U", superuser]
            + ["-A", "trust", "--no-sync"],
            check=True,
            capture_output=True,
        )
        port = free_port()
        subprocess.run(
            [*AS_POSTGRES, bindir / "pg_ctl", "-D", data, "-w", "-l", data / "log"]
            + ["-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"]
            + ["-o", "-c fsync=off", "start"],
            check=True,
            capture_output=True,
        )
        started.append((folder, data))
        version = (data / "PG_VERSION").read_text().strip()
        return Cluster(bindir, folder, port, version)

    yield start
    for folder, data in started:
        subprocess.run(
            [*AS_POSTGRES, bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def ensure_postgres(**variables: str) -> subprocess.CompletedProcess[str]:
    """Source scripts/postgres.sh with these variables, run ensure_postgres,
    then create and drop a database through libpq with what it exported."""
    env = {k: v for k, v in os.environ.items() if k not in LIBPQ_VARIABLES}
    env.pop("PGCLUSTER", None)
    env.update(variables)
    database = f"mcp_probe_{os.getpid()}_{free_port()}"
    script = f"""
        set -e
        source scripts/postgres.sh
        ensure_postgres
        trap stop_postgres EXIT
        psql=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
        "${{psql:-psql}}" -X -q -w -v ON_ERROR_STOP=1 -d postgres \\
            -c "CREATE DATABASE {database}" -c "DROP DATABASE {database}"
        echo "odoo can use ${{PGHOST:-local socket}}:${{PGPORT:-5432}}"
    """
    return subprocess.run(
        ["bash", "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ensure_postgres_uses_the_server_when_odoo_can_create_databases_there(
    start_cluster,
) -> None:
    """A server where the OS user is a superuser is used as it is."""
    cluster = start_cluster(getpass.getuser())
    where = f"{cluster.socket_dir}:{cluster.port}"

    result = ensure_postgres(PGHOST=cluster.socket_dir, PGPORT=str(cluster.port))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"PostgreSQL: using the server at {where}",
        f"odoo can use {where}",
    ]


def test_ensure_postgres_passes_over_a_server_without_a_role_for_the_os_user(
    start_cluster,
) -> None:
    """Debian's cluster on 5432 with no role for root: the project's own cluster."""
    cluster = start_cluster("mcp_probe_owner")
    where = f"{cluster.socket_dir}:{cluster.port}"

    result = ensure_postgres(PGHOST=cluster.socket_dir, PGPORT=str(cluster.port))

    assert result.returncode == 0, result.stderr
    first, second, last = result.stdout.splitlines()
    assert first.startswith(f"PostgreSQL: not using the server at {where} (")
    assert f'role "{getpass.getuser()}" does not exist' in first
    assert first.endswith("; starting this project's own cluster")
    assert second.startswith("PostgreSQL: cluster ")
    assert last.startswith("odoo can use 127.0.0.1:")
    assert last != f"odoo can use 127.0.0.1:{cluster.port}"


def test_ensure_postgres_passes_over_a_role_that_may_not_create_databases(
    start_cluster,
) -> None:
    """A login role without CREATEDB cannot make Odoo's databases."""
    cluster = start_cluster("mcp_probe_owner")
    cluster.sql("CREATE ROLE mcp_probe_reader LOGIN", user="mcp_probe_owner")

    result = ensure_postgres(
        PGHOST=cluster.socket_dir, PGPORT=str(cluster.port), PGUSER="mcp_probe_reader"
    )

    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == (
        f"PostgreSQL: not using the server at {cluster.socket_dir}:{cluster.port}"
        ' (role "mcp_probe_reader" may not create databases);'
        " starting this project's own cluster"
    )
    assert result.stdout.splitlines()[-1].startswith("odoo can use 127.0.0.1:")


@pytest.mark.skipif(not DEBIAN_WRAPPER.exists(), reason="no Debian postgresql-common")
def test_ensure_postgres_asks_libpq_not_the_debian_wrappers_cluster(
    start_cluster,
) -> None:
    """Debian's wrapper answers for its chosen cluster on another port (PGCLUSTER
    here, the installed cluster on 5433 on a user's machine), while Odoo connects
    to libpq's default: that is the server to judge."""
    cluster = start_cluster(getpass.getuser())

    result = ensure_postgres(PGCLUSTER=f"{cluster.version}/127.0.0.1:{cluster.port}")

    assert result.returncode == 0, result.stderr
    assert "PostgreSQL: using the server at 127.0.0.1" not in result.stdout
    last = result.stdout.splitlines()[-1]
    assert last != f"odoo can use 127.0.0.1:{cluster.port}"
    assert last.startswith("odoo can use ")
