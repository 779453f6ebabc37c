# Sourced by scripts/test. Makes sure a PostgreSQL server answers for Odoo.
# Uses the libpq variables when they point at a live server; otherwise starts
# a throwaway cluster on 127.0.0.1 (installing PostgreSQL with apt-get when it
# is missing) and removes it when the calling script exits.

pg_bindir() {
    local initdb
    initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    [ -n "$initdb" ] && dirname "$initdb"
}

ensure_postgres() {
    if command -v pg_isready >/dev/null && pg_isready -q; then
        echo "PostgreSQL: using the server at ${PGHOST:-local socket}:${PGPORT:-5432}"
        return
    fi
    local bindir
    bindir=$(pg_bindir || true)
    if [ -z "$bindir" ]; then
        echo "PostgreSQL: installing with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bindir=$(pg_bindir)
    fi
    local run_as=()
    if [ "$(id -u)" -eq 0 ]; then
        # initdb and postgres refuse to run as root.
        run_as=(runuser -u postgres --)
    fi
    PG_TMP_DIR=$(mktemp -d /tmp/mcp-odoo-pg.XXXXXX)
    chmod 755 "$PG_TMP_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres "$PG_TMP_DIR"
    export PGHOST=127.0.0.1 PGUSER=odoo
    PGPORT=$(scripts/free-port)
    export PGPORT
    unset PGPASSWORD
    "${run_as[@]}" "$bindir/initdb" -D "$PG_TMP_DIR/data" -U odoo -A trust >/dev/null
    "${run_as[@]}" "$bindir/pg_ctl" -D "$PG_TMP_DIR/data" -l "$PG_TMP_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PG_TMP_DIR -c fsync=off" start >/dev/null
    PG_STOP=("${run_as[@]}" "$bindir/pg_ctl" -D "$PG_TMP_DIR/data" -m fast stop)
    trap 'stop_postgres' EXIT
    echo "PostgreSQL: throwaway cluster on 127.0.0.1:$PGPORT"
}

stop_postgres() {
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_TMP_DIR"
}
