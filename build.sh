#!/usr/bin/env bash
# MomentIQ: set up, build, run and test with one script.
#   ./build.sh deps|build|brand|run|start|stop|status|test|schema|package|ctl ARGS...
# Options (before the command): --asan   build and run under AddressSanitizer/UBSan
# Environment: MOMENTIQ_PORT (8080), MOMENTIQ_PG_PORT (port+10000), MOMENTIQ_VAR (./var)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAN=${MOMENTIQ_SAN:-0}
while [ $# -gt 0 ]; do
    case "$1" in
    --asan) SAN=1; shift ;;
    *) break ;;
    esac
done
CMD=${1:-help}
[ $# -gt 0 ] && shift

PGBIN=/usr/lib/postgresql/15/bin
RUNUSER=momentiq   # unprivileged account for PostgreSQL and httpd children when run as root

say() { printf '%s\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }
as_root() { [ "$(id -u)" -eq 0 ]; }

# ---- where state and build output live ------------------------------------
# Normally in the clone's var/. Two clone locations cannot hold them: one the
# service account cannot enter (a clone in /root, mode 0700: initdb and the
# httpd children run as that account) and a path with whitespace (make cannot
# name such files). Then they live in a directory of their own, var/ becomes a
# link to it, and the files the service account reads at run time (assets/,
# sql/) are staged there: the user's home directory is never opened up.
service_can_read() { # path: can $RUNUSER (or, before it exists, "others") reach it?
    if id "$RUNUSER" >/dev/null 2>&1; then
        runuser -u "$RUNUSER" -- test -r "$1" 2>/dev/null
        return
    fi
    local d=$1 m
    [ "$(stat -c %A "$d" | cut -c8)" = r ] || return 1
    d=$(dirname "$d")
    while :; do
        m=$(stat -c %A "$d" | cut -c10)
        case "$m" in x | t) ;; *) return 1 ;; esac
        [ "$d" = / ] && return 0
        d=$(dirname "$d")
    done
}
STAGED=0   # 1: assets/ and sql/ are copied where the service account can read them
clone_unusable() {
    case "$ROOT" in *[[:space:]]*) return 0 ;; esac
    as_root && ! service_can_read "$ROOT/sql/001_foundation.sql"
}
state_home() {
    if [ -L "$ROOT/var" ]; then readlink -f "$ROOT/var"; return; fi
    if [ -d "$ROOT/var" ] || ! clone_unusable; then echo "$ROOT/var"; return; fi
    local slug
    slug=$(basename "$ROOT" | tr -c 'A-Za-z0-9._\n-' '_')-$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
    if as_root; then echo "/var/lib/momentiq-dev/$slug"; else echo "${XDG_STATE_HOME:-$HOME/.local/state}/momentiq-dev/$slug"; fi
}
STATE=$(state_home)
if [ "$STATE" != "$ROOT/var" ]; then
    mkdir -p "$STATE"
    as_root && chmod 755 "$(dirname "$STATE")" "$STATE"
    [ -e "$ROOT/var" ] || ln -s "$STATE" "$ROOT/var"
fi
clone_unusable && as_root && STAGED=1
# Source as make sees it: through a link without whitespace when needed.
SRC=$ROOT
case "$ROOT" in *[[:space:]]*)
    SRC=$STATE/src
    [ "$(readlink "$SRC" 2>/dev/null)" = "$ROOT" ] || { rm -f "$SRC"; ln -s "$ROOT" "$SRC"; } ;;
esac
# Run-time files the service account reads.
SHARE=$ROOT
[ "$STAGED" = 1 ] && SHARE=$STATE/share

VAR=${MOMENTIQ_VAR:-$STATE}
PORT=${MOMENTIQ_PORT:-8080}
PG_PORT=${MOMENTIQ_PG_PORT:-$((PORT + 10000))}
BUILD=${MOMENTIQ_BUILD:-$STATE/build}
[ "$SAN" = 1 ] && BUILD=${MOMENTIQ_BUILD:-$STATE/build-asan}

# ---- deps ---------------------------------------------------------------
PKGS=(build-essential pkg-config apache2 apache2-dev libaprutil1-dbd-pgsql postgresql
      postgresql-client libpq-dev libjansson-dev libssl-dev libcurl4-openssl-dev libcunit1-dev
      libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev libswresample-dev
      libavutil-dev ffmpeg wrk curl ca-certificates openssl procps python3
      clang libclang-rt-14-dev   # clang + libFuzzer runtime for tests/fuzz (a Recommends of clang)
      lintian                    # ./build.sh package is checked with it
      librsvg2-bin fonts-dejavu-core  # ./build.sh brand: rsvg-convert and the wordmark's font
      espeak-ng libxml2-utils    # speech for the audio tests; xmllint for the FCPXML tests
      chromium nodejs)           # browser tests: dashboard, MCP App, pages (playwright-core from npm)

deps() {
    local missing=() p
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    # The interop tests need npm; Debian's is used only when none is installed.
    command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
        $sudo apt-get update -q >/dev/null
        $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    }
}

# ---- brand ----------------------------------------------------------------
# The PNGs the directories and pages link are rendered from the SVG sources in
# assets/brand/src and committed (a host without librsvg still serves them).
# Each line: source, output, width, height.
BRAND_RENDERS="app-icon.svg app-icon-512.png 512 512
logo-horizontal-light.svg logo-horizontal-light.png 900 256
logo-horizontal-dark.svg logo-horizontal-dark.png 900 256
og-image.svg og-image-1200x630.png 1200 630
favicon.svg favicon-16.png 16 16
favicon.svg favicon-32.png 32 32
favicon.svg favicon-48.png 48 48
app-icon.svg apple-touch-icon-180.png 180 180
app-icon.svg favicon-192.png 192 192"

brand_render() { # out-dir [force]: render what is missing or older than its source
    local out=$1 force=${2:-0} src png w h
    mkdir -p "$out"
    while read -r src png w h; do
        if [ "$force" = 1 ] || [ ! -f "$out/$png" ] || [ "$ROOT/assets/brand/src/$src" -nt "$out/$png" ]; then
            rsvg-convert -w "$w" -h "$h" -o "$out/$png" "$ROOT/assets/brand/src/$src" ||
                die "rsvg-convert failed on assets/brand/src/$src"
        fi
    done <<<"$BRAND_RENDERS"
    if [ "$force" = 1 ] || ! cmp -s "$ROOT/assets/brand/src/favicon.svg" "$out/favicon.svg"; then
        cp "$ROOT/assets/brand/src/favicon.svg" "$out/favicon.svg"
    fi
}

build() { # [make targets]
    deps
    brand_render "$ROOT/assets/brand"
    make -s -f "$SRC/mod_momentiq/Makefile" OUT="$BUILD" SAN="$SAN" -j"$(nproc)" all "$@"
}

# ---- accounts and ownership --------------------------------------------

ensure_user() {
    as_root || return 0
    id "$RUNUSER" >/dev/null 2>&1 ||
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUNUSER"
}

pg_user() { if as_root; then echo "$RUNUSER"; else id -un; fi; }

as_pg() {
    if as_root; then runuser -u "$RUNUSER" -- "$@"; else "$@"; fi
}

# httpd children (running as $RUNUSER) must reach the assets, the build and
# the state dir; when the clone is out of their reach, assets/ and sql/ are
# staged (copied afresh) into the state dir. Nothing above them is opened up.
stage_share() {
    [ "$STAGED" = 1 ] || return 0
    local d
    for d in assets sql; do
        rm -rf "$SHARE/$d.new"
        mkdir -p "$SHARE"
        cp -R "$ROOT/$d" "$SHARE/$d.new"
        rm -rf "$SHARE/$d"
        mv "$SHARE/$d.new" "$SHARE/$d"
    done
    chmod -R a+rX "$SHARE"
}
open_paths() {
    as_root || return 0
    stage_share
    chmod -R o+rX "$SHARE/assets" "$BUILD" 2>/dev/null || true
    local p
    for p in "$VAR/httpd" "$BUILD/mod_momentiq.so" "$SHARE/assets"; do
        service_can_read "$p" || die "$RUNUSER cannot reach $p: give the state a reachable place with MOMENTIQ_VAR and MOMENTIQ_BUILD"
    done
}

# ---- PostgreSQL --------------------------------------------------------
PGDATA_DIR() { echo "$VAR/pg/data"; }
PGSOCK_DIR() { echo "$VAR/pg/run"; }

pg_start() {
    local data; data=$(PGDATA_DIR)
    mkdir -p "$VAR/pg/run" "$VAR/pg/log"
    as_root && chown -R "$RUNUSER:" "$VAR/pg"
    if [ ! -f "$data/PG_VERSION" ]; then
        as_pg "$PGBIN/initdb" -D "$data" -U "$(pg_user)" --auth-local=peer --auth-host=scram-sha-256 \
            -E UTF8 --locale=C.UTF-8 >"$VAR/pg/log/initdb.log" 2>&1 || die "initdb failed: see $VAR/pg/log/initdb.log"
        cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$(PGSOCK_DIR)'
max_connections = 300
shared_buffers = 128MB
fsync = on
logging_collector = off
EOF
    fi
    # Already up, half dead (a killed postmaster whose backends are still
    # exiting), or down with a stale pid file: retry until it answers.
    local i
    for i in $(seq 1 20); do
        pg_ready && break
        if ! as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            as_pg "$PGBIN/pg_ctl" -D "$data" -o "-p $PG_PORT -k $(PGSOCK_DIR)" -l "$VAR/pg/log/postgres.log" -w -t 60 start >/dev/null 2>&1 || true
        else
            sleep 0.5
        fi
    done
    pg_ready || die "PostgreSQL did not start: see $VAR/pg/log/postgres.log"
    if ! as_pg psql -h "$(PGSOCK_DIR)" -p "$PG_PORT" -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='momentiq'" | grep -q 1; then
        as_pg psql -h "$(PGSOCK_DIR)" -p "$PG_PORT" -d postgres -qc "CREATE DATABASE momentiq" >/dev/null
    fi
}

pg_ready() { as_pg "$PGBIN/pg_isready" -q -h "$(PGSOCK_DIR)" -p "$PG_PORT" -d postgres; }

pg_stop() {
    local data; data=$(PGDATA_DIR)
    [ -f "$data/PG_VERSION" ] || return 0
    as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

conninfo() { echo "host=$(PGSOCK_DIR) port=$PG_PORT dbname=momentiq user=$(pg_user)"; }

ctl() { stage_share; as_pg env MOMENTIQ_DB="$(conninfo)" MOMENTIQ_SQL_DIR="$SHARE/sql" "$BUILD/momentiqctl" "$@"; }
ctl_for() { # var-dir pg-port args...
    local v=$1 pp=$2
    shift 2
    as_pg env MOMENTIQ_DB="host=$v/pg/run port=$pp dbname=momentiq user=$(pg_user)" \
        MOMENTIQ_SQL_DIR="$SHARE/sql" "$BUILD/momentiqctl" "$@"
}

# ---- sql/schema.sql ------------------------------------------------------
# The schema the migrations build, as pg_dump prints it, normalised so that two
# dumps of one schema are byte-identical: no comments, SET lines or \restrict
# keys (random per dump), no owners or grants, no runs of blank lines. The
# monthly partitions of mcp_requests (named after the month the migration ran,
# sql/016) are left out: they are data layout, not schema.
schema_dump() { # var-dir pg-port
    local out
    out=$(as_pg "$PGBIN/pg_dump" -h "$1/pg/run" -p "$2" -d momentiq --schema-only \
        --no-owner --no-privileges --no-tablespaces --exclude-table='public.mcp_requests_2*') || return 1
    say "-- Generated by ./build.sh schema: pg_dump --schema-only of a database after"
    say "-- momentiqctl migrate applied sql/[0-9]*.sql. Do not edit; change a migration"
    say "-- and regenerate (./build.sh test fails when this file is stale)."
    say ""
    printf '%s\n' "$out" | grep -vE '^(--|SET |SELECT pg_catalog\.set_config\(|\\(un)?restrict )' |
        awk 'NF { if (blank && seen) print ""; print; seen = 1; blank = 0; next } { blank = 1 }'
}

# A throw-away cluster under var/schema, migrated from scratch, dumped, removed.
schema() {
    build
    ensure_user
    local v=$VAR/schema port
    port=$(free_port)
    (
        VAR=$v PG_PORT=$port
        trap 'pg_stop; rm -rf "$v"' EXIT
        rm -rf "$v"
        pg_start
        ctl migrate >/dev/null
        schema_dump "$v" "$port" >"$ROOT/sql/schema.sql.tmp"
    )
    mv "$ROOT/sql/schema.sql.tmp" "$ROOT/sql/schema.sql"
    say "wrote sql/schema.sql ($(wc -l <"$ROOT/sql/schema.sql") lines)"
}

# ---- httpd ----------------------------------------------------------------
httpd_conf() {
    local h=$VAR/httpd user_lines=""
    mkdir -p "$h/run" "$h/logs" "$h/san" "$VAR/conf.d" "$VAR/storage"
    if as_root; then
        user_lines="User $RUNUSER
Group $RUNUSER"
        chown "$RUNUSER:" "$VAR/storage" "$h/san"
    fi
    [ -f "$VAR/secret" ] || { head -c 48 /dev/urandom | base64 -w0 >"$VAR/secret"; }
    chmod 600 "$VAR/secret"
    # Owned by the service account (httpd children hold it anyway), so the
    # worker and the test runner, which run as that account, can sign URLs.
    as_root && chown "$RUNUSER:" "$VAR/secret"
    sed -e "s|@ROOT@|$SHARE|g" -e "s|@VAR@|$VAR|g" -e "s|@PORT@|$PORT|g" \
        -e "s|@PGSOCK@|$(PGSOCK_DIR)|g" -e "s|@PGPORT@|$PG_PORT|g" -e "s|@PGUSER@|$(pg_user)|g" \
        -e "s|@BUILD@|$BUILD|g" "$ROOT/conf/httpd.conf.in" |
        awk -v u="$user_lines" '{ if ($0 == "@USER_LINES@") print u; else print }' >"$h/httpd.conf"
}

httpd_pid() { cat "$VAR/httpd/run/httpd.pid" 2>/dev/null || true; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Sanitizer reports go to $VAR/httpd/san, writable by the children's user.
httpd_env() {
    if [ "$SAN" = 1 ]; then
        echo "LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:use_sigaltstack=0:fast_unwind_on_malloc=0:malloc_context_size=20:log_path=$VAR/httpd/san/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=$VAR/httpd/san/ubsan"
    fi
}

httpd_start() {
    httpd_conf
    open_paths
    local pid; pid=$(httpd_pid)
    if alive "$pid"; then
        env $(httpd_env) /usr/sbin/apache2 -d "$VAR/httpd" -f "$VAR/httpd/httpd.conf" -k graceful
        return 0
    fi
    rm -f "$VAR/httpd/run/httpd.pid"
    env $(httpd_env) /usr/sbin/apache2 -t -d "$VAR/httpd" -f "$VAR/httpd/httpd.conf" 2>"$VAR/httpd/logs/configtest.log" ||
        die "httpd configuration test failed: $(cat "$VAR/httpd/logs/configtest.log")"
    env $(httpd_env) /usr/sbin/apache2 -d "$VAR/httpd" -f "$VAR/httpd/httpd.conf" -k start
    local i
    for i in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$PORT/mcp/status" 2>/dev/null && return 0
        sleep 0.1
    done
    die "httpd did not answer on 127.0.0.1:$PORT: see $VAR/httpd/logs/error_log"
}

httpd_stop() {
    local pid; pid=$(httpd_pid)
    alive "$pid" || { rm -f "$VAR/httpd/run/httpd.pid"; return 0; }
    /usr/sbin/apache2 -d "$VAR/httpd" -f "$VAR/httpd/httpd.conf" -k stop 2>/dev/null || kill "$pid"
    local i
    for i in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null
    rm -f "$VAR/httpd/run/httpd.pid"
}

# ---- worker ---------------------------------------------------------------
worker_start() {
    local pidf=$VAR/worker.pid
    alive "$(cat "$pidf" 2>/dev/null || true)" && return 0
    mkdir -p "$VAR/log"
    as_root && chown "$RUNUSER:" "$VAR/log"
    mkdir -p "$VAR/storage/uploads" "$VAR/storage/outputs"
    as_root && chown -R "$RUNUSER:" "$VAR/storage"
    rm -f "$VAR/log/worker.pid"
    # The log belongs to the service account, like the worker: a worker it
    # starts again (tests/integration/cases/test_jobs_crash.c) appends to it.
    touch "$VAR/log/worker.log"
    as_root && chown "$RUNUSER:" "$VAR/log/worker.log"
    # The webhook delivery loop runs in the worker; it derives the signing
    # secrets from the server secret (docs/webhooks.md). MOMENTIQ_WEBHOOK_ARGS:
    # extra options (the test stack delivers to loopback receivers, retries fast).
    # shellcheck disable=SC2086
    as_pg env MOMENTIQ_DB="$(conninfo)" "$BUILD/momentiq-worker" --pidfile "$VAR/log/worker.pid" \
        --storage "$VAR/storage" --jobs "${MOMENTIQ_WORKER_JOBS:-2}" \
        --webhook-secret-file "$VAR/secret" --base-url "http://127.0.0.1:$PORT" \
        ${MOMENTIQ_WEBHOOK_ARGS:-} >>"$VAR/log/worker.log" 2>&1 &
    local i
    for i in $(seq 1 50); do [ -s "$VAR/log/worker.pid" ] && break; sleep 0.1; done
    cp "$VAR/log/worker.pid" "$pidf" 2>/dev/null || die "worker did not start: see $VAR/log/worker.log"
}

worker_stop() {
    local pid; pid=$(cat "$VAR/worker.pid" 2>/dev/null || true)
    if alive "$pid"; then
        kill "$pid"
        local i
        for i in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
        alive "$pid" && kill -9 "$pid"
    fi
    # Anything else started with this state directory (a pid file lost to a crash),
    # and the runuser wrapper: when a test pauses the worker (SIGSTOP), runuser
    # stops itself too and stays stopped after the worker's SIGCONT, so it
    # could never reap the worker; it is woken to take its TERM.
    pkill -f -- "momentiq-worker --pidfile $VAR/log/worker.pid" 2>/dev/null || true
    pkill -CONT -f -- "momentiq-worker --pidfile $VAR/log/worker.pid" 2>/dev/null || true
    rm -f "$VAR/worker.pid" "$VAR/log/worker.pid"
}

# ---- stack ---------------------------------------------------------------
stack_start() {
    build
    ensure_user
    pg_start
    ctl migrate
    httpd_start
    worker_start
}

stack_stop() {
    worker_stop
    httpd_stop
    pg_stop
}

# A demo account with credits and a fresh connector token (valid 24 h) on
# every start: the secret is shown once, so each start makes a new one.
demo_token() {
    local email=demo@momentiq.localhost out
    if ctl credits show --email "$email" >/dev/null 2>&1; then :; else
        ctl user create "$email" >/dev/null 2>&1 || return 0
        ctl credits grant --email "$email" --credits 1000 --note "demo credits" >/dev/null 2>&1 || true
    fi
    out=$(ctl token create --user "$email" --name "demo (build.sh start)" --scopes all \
        --expires-in 86400 2>/dev/null) || return 0
    echo "$out" | grep -o 'miq_conn_[A-Za-z0-9_-]*' | head -n 1
}

banner() {
    local tok
    tok=$(demo_token)
    say "MomentIQ is running at http://127.0.0.1:$PORT/mcp"
    say "  status:     curl -s http://127.0.0.1:$PORT/mcp/status"
    say "  tools:      curl -s http://127.0.0.1:$PORT/mcp | head -c 400"
    say "  dashboard:  http://127.0.0.1:$PORT/dashboard/"
    if [ -n "$tok" ]; then
        say "  demo token: $tok"
        say "              (account demo@momentiq.localhost, 1000 credits, scopes all, valid 24 h)"
        say "  try:        curl -s -H 'Authorization: Bearer $tok' http://127.0.0.1:$PORT/v1/account"
    else
        say "  demo token: could not be created (see ./build.sh ctl token create --help)"
    fi
    say "  logs:       $VAR/httpd/logs/error_log, $VAR/log/worker.log"
}

# ---- tests ---------------------------------------------------------------
free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
}

# Untracked files in the work tree outside var/ (ignored paths never show).
untracked() {
    git -C "$ROOT" status --porcelain --untracked-files=all -- . ':(exclude)var' \
        ':(exclude,glob)**/node_modules/**' 2>/dev/null | sed -n 's/^?? //p' | sort
}

# The suites of ./build.sh test (run_tests, clone_test) are in tests/suites.sh.
. "$ROOT/tests/suites.sh"

# The Debian package (conf/debian/): built from a plain build, checked with lintian.
package() {
    [ "$SAN" = 1 ] && die "package: build without --asan"
    build >/dev/null
    local out=$VAR/package deb
    mkdir -p "$out"
    deb=$("$ROOT/conf/debian/package.sh" "$ROOT" "$BUILD" "$out") || die "package: conf/debian/package.sh failed"
    say "$deb"
}

case "$CMD" in
deps) deps ;;
package) package ;;
build) build ;;
start) stack_start; banner ;;
stop) stack_stop ;;
run)
    stack_start
    banner
    say "Ctrl-C stops everything."
    trap 'say ""; say "stopping..."; stack_stop; exit 0' INT TERM
    tail -n 0 -F "$VAR/httpd/logs/error_log" "$VAR/log/worker.log" &
    wait
    ;;
status) build >/dev/null; ctl status ;;
ctl) build >/dev/null; ctl "$@" ;;
test) run_tests ;;
schema) schema ;;
state) say "$STATE" ;;   # where var/ lives (the bench scripts keep their files there)
brand) brand_render "$ROOT/assets/brand" 1; say "rendered assets/brand/*.png from assets/brand/src" ;;
*)
    say "usage: ./build.sh [--asan] deps|build|brand|run|start|stop|status|test|schema|state|package|ctl ARGS..."
    exit 2
    ;;
esac
