# Sourced by scripts/test, scripts/run and scripts/odoo-addon-tests. Makes sure a PostgreSQL server
# answers for Odoo, and exports the libpq variables that reach it.
#
#   ensure_postgres        a throwaway cluster (removed by stop_postgres)
#   ensure_postgres DIR    a cluster kept in DIR (created on the first call)
#
# Either way, the server that the libpq variables (or libpq's defaults) reach is
# used when Odoo can log in there and create databases; otherwise one line says
# why not, and the cluster listens on 127.0.0.1 on a free port (PostgreSQL is
# installed with apt-get when missing). The caller stops it with stop_postgres (trap it).

# Odoo's database options for the server the libpq variables point at, in the
# array ODOO_DB_OPTIONS.
odoo_db_options() {
    ODOO_DB_OPTIONS=()
    [ -n "${PGHOST:-}" ] && ODOO_DB_OPTIONS+=("--db_host=$PGHOST")
    [ -n "${PGPORT:-}" ] && ODOO_DB_OPTIONS+=("--db_port=$PGPORT")
    [ -n "${PGUSER:-}" ] && ODOO_DB_OPTIONS+=("--db_user=$PGUSER")
    [ -n "${PGPASSWORD:-}" ] && ODOO_DB_OPTIONS+=("--db_password=$PGPASSWORD")
    return 0
}

pg_bindir() {
    local initdb
    initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    [ -n "$initdb" ] && dirname "$initdb"
}

# Why the server that the libpq variables (or libpq's defaults) reach cannot
# serve Odoo, as one phrase; nothing when it can: Odoo must log in there and
# create databases. Asked through libpq itself, with psql from PostgreSQL's own
# bindir: Debian's /usr/bin/psql and pg_isready are wrappers that answer for the
# installed cluster's port and socket, not for the defaults Odoo connects with.
postgres_unusable() {
    local psql answer
    psql=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$psql" ] || psql=$(command -v psql) || {
        echo "no psql to ask it with"
        return
    }
    if ! answer=$("$psql" -X -w -A -t -d postgres -c \
        "SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user" \
        2>&1); then
        answer=${answer%%$'\n'*}
        echo "${answer#psql: error: }"
        return
    fi
    [ "${answer#*|}" = t ] || echo "role \"${answer%|*}\" may not create databases"
}

ensure_postgres() {
    local data_dir=${1:-} unusable
    unusable=$(postgres_unusable)
    if [ -z "$unusable" ]; then
        echo "PostgreSQL: using the server at ${PGHOST:-local socket}:${PGPORT:-5432}"
        return
    fi
    echo "PostgreSQL: not using the server at ${PGHOST:-local socket}:${PGPORT:-5432}" \
        "($unusable); starting this project's own cluster"
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
        # initdb and postgres refuse to run as root; the postgres user cannot
        # enter root's home, so root's kept clusters live under /var/lib.
        run_as=(runuser -u postgres --)
        [ -n "$data_dir" ] && data_dir=/var/lib/mcp-odoo/postgres-$(basename "$(dirname "$data_dir")")
    fi
    # A throwaway cluster need not survive a crash: no fsync.
    local fsync=on
    if [ -z "$data_dir" ]; then
        PG_TMP_DIR=$(mktemp -d /tmp/mcp-odoo-pg.XXXXXX)
        data_dir=$PG_TMP_DIR/data
        fsync=off
    fi
    mkdir -p "$(dirname "$data_dir")"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$(dirname "$data_dir")"
        chmod 755 "$(dirname "$data_dir")"
    fi
    export PGHOST=127.0.0.1 PGUSER=odoo
    PGPORT=$(scripts/free-port)
    export PGPORT
    unset PGPASSWORD
    if [ ! -e "$data_dir/PG_VERSION" ]; then
        "${run_as[@]}" "$bindir/initdb" -D "$data_dir" -U odoo -A trust >/dev/null
    fi
    if "${run_as[@]}" "$bindir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
        # A kept cluster left running by a run that was killed: take it over
        # on its port (the fourth line of postmaster.pid).
        PGPORT=$(sed -n 4p "$data_dir/postmaster.pid")
    else
        "${run_as[@]}" "$bindir/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w \
            -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $(dirname "$data_dir") -c fsync=$fsync" \
            start >/dev/null
    fi
    PG_STOP=("${run_as[@]}" "$bindir/pg_ctl" -D "$data_dir" -m fast stop)
    echo "PostgreSQL: cluster $data_dir on 127.0.0.1:$PGPORT"
}

stop_postgres() {
    [ -n "${PG_STOP:-}" ] && "${PG_STOP[@]}" >/dev/null 2>&1
    [ -n "${PG_TMP_DIR:-}" ] && rm -rf "$PG_TMP_DIR"
    return 0
}
