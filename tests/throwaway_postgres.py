"""A PostgreSQL cluster of one's own, from scripts/postgres.sh, that can be
restarted: for the fault tests and bench/faults.py, which must never restart
a server they did not start."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class ThrowawayPostgres:
    """A cluster on a free loopback port; `env` holds the libpq variables that
    reach it. Stop it with `stop()`."""

    def __init__(self) -> None:
        script = (
            "source scripts/postgres.sh && ensure_postgres >&2 && "
            'printf "%s\\n" "$PGHOST" "$PGPORT" "$PG_TMP_DIR" "${PG_STOP[@]}"'
        )
        env = dict(os.environ)
        for name in ("PGPORT", "PGPASSWORD", "PGDATABASE"):
            env.pop(name, None)
        # A libpq target that cannot answer, so that ensure_postgres starts a
        # cluster of its own instead of using the server already there.
        env["PGHOST"] = tempfile.mkdtemp(prefix="no-postgres-")
        try:
            lines = subprocess.run(
                ["bash", "-c", script],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
        finally:
            shutil.rmtree(env["PGHOST"], ignore_errors=True)
        host, port, self.folder, *self.stop_command = lines
        self.env = {"PGHOST": host, "PGPORT": port, "PGUSER": "odoo"}
        self.data = self.stop_command[self.stop_command.index("-D") + 1]
        # PostgreSQL's own programs (pg_dump, psql), the cluster's version.
        [pg_ctl] = [word for word in self.stop_command if word.endswith("/pg_ctl")]
        self.bindir = Path(pg_ctl).resolve().parent

    def run(self, program: str, *args: str) -> str:
        """`program` of the cluster's version, reaching the cluster; its output."""
        return subprocess.run(
            [str(self.bindir / program), *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def odoo_options(self) -> list[str]:
        """Odoo's options for this cluster."""
        return [
            f"--db_host={self.env['PGHOST']}",
            f"--db_port={self.env['PGPORT']}",
            f"--db_user={self.env['PGUSER']}",
        ]

    def restart(self, away: float = 0.0) -> float:
        """Fast shutdown (every session cut), `away` seconds without a server,
        then start as before; seconds it was away."""
        # The server's own command line, to start it again the same way.
        opts = shlex.split(Path(self.data, "postmaster.opts").read_text())[1:]
        at = opts.index("-D")
        options = shlex.join(opts[:at] + opts[at + 2 :])
        pg_ctl = self.stop_command[: self.stop_command.index("-m")]  # ... -D <data>
        began = time.monotonic()
        subprocess.run([*pg_ctl, "-m", "fast", "stop"], capture_output=True, check=True)
        time.sleep(away)
        # The server's output to its log, not to this process's pipes.
        subprocess.run(
            [*pg_ctl, "-w", "-l", f"{self.data}/server.log", "-o", options, "start"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return time.monotonic() - began

    def stop(self) -> None:
        subprocess.run(self.stop_command, capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
