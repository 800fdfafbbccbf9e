# shellcheck shell=bash
# bench/pgcluster.sh, sourced by the bench scripts that need a PostgreSQL of
# their own (bench/reports.sh, bench/job_locks.sh):
#   pgcluster_start NAME [-c SETTING=VALUE ...]
# initdb's a cluster in a new temporary directory (DIR; /tmp/miq-bench-NAME.*)
# and starts it on a free port (PORT), its socket in DIR, no TCP listener,
# fsync off; removes it at exit, unless BENCH_KEEP=1 (then it says where it
# is). Runs PostgreSQL as MOMENTIQ_USER (momentiq) when root. Defines as
# (run as that user) and psql_ (psql on the postgres database, stops on the
# first error).
PGBIN=/usr/lib/postgresql/15/bin
RUNAS=
[ "$(id -u)" -eq 0 ] && RUNAS=${MOMENTIQ_USER:-momentiq}
as() { if [ -n "$RUNAS" ]; then runuser -u "$RUNAS" -- "$@"; else "$@"; fi; }
psql_() { as env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d postgres "$@"; }
pgcluster_stop() {
    as "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept: $DIR (port $PORT)"; else rm -rf "$DIR"; fi
}
pgcluster_start() {
    local name=$1
    shift
    DIR=$(mktemp -d "/tmp/miq-bench-$name.XXXXXX")
    chmod 755 "$DIR"
    [ -n "$RUNAS" ] && chown "$RUNAS:" "$DIR"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    trap pgcluster_stop EXIT
    as "$PGBIN/initdb" -D "$DIR/data" --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1
    as "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/pg.log" -w start \
        -o "-p $PORT -k $DIR -c listen_addresses= -c fsync=off -c synchronous_commit=off $*" >/dev/null
}
