#!/usr/bin/env bash
# The Debian package, installed into a throw-away root and run from there.
#   tests/package/run.sh ROOT TESTDIR PGSOCKDIR PGPORT PGUSER
# Builds it (./build.sh package), checks it with lintian (no error or warning),
# unpacks it with dpkg -x, enables it with a2enmod in a copy of /etc/apache2,
# migrates a database of its own with the installed momentiqctl, then starts
# httpd and the installed worker from the installed files and asks them.
# Prints "N passed, N failed".
set -u
ROOT=$1 T=$2 PGSOCK=$3 PGPORT=$4 PGUSER=$5
ok=0 bad=0
check() { if "$@"; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "FAIL: $*"; fi; }
finish() { echo "$ok passed, $bad failed"; exit 0; }
as_svc() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$PGUSER" -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rm -rf "$T"; mkdir -p "$T"
deb=$(MOMENTIQ_BUILD= "$ROOT/build.sh" package 2>"$T/package.log" | tail -n 1)
check test -f "$deb" || { cat "$T/package.log"; finish; }

# lintian: errors and warnings fail (info and pedantic notes are printed).
lintian --allow-root -I "$deb" >"$T/lintian.log" 2>&1
cat "$T/lintian.log"
check test "$(grep -cE '^[EW]: ' "$T/lintian.log")" = 0

R=$T/root
dpkg -x "$deb" "$R"
MODDIR=$(apxs -q LIBEXECDIR)
for f in "$MODDIR/mod_momentiq.so" /etc/apache2/mods-available/momentiq.load \
    /etc/apache2/mods-available/momentiq.conf /usr/sbin/momentiq-worker /usr/sbin/momentiqctl \
    /usr/sbin/momentiq-probe /lib/systemd/system/momentiq-worker.service /etc/logrotate.d/momentiq \
    /usr/share/momentiq/sql/001_foundation.sql /usr/share/momentiq/assets/dashboard/index.html \
    /usr/share/man/man8/momentiqctl.8.gz /usr/share/doc/libapache2-mod-momentiq/copyright; do
    check test -e "$R$f"
done
# Every migration and every asset of the tree is in the package.
check test "$(ls "$ROOT"/sql/[0-9]*.sql | wc -l)" = "$(ls "$R"/usr/share/momentiq/sql/*.sql | wc -l)"
# The maintainer scripts never reach for a database.
check test -z "$(dpkg-deb -e "$deb" "$T/control" && cat "$T/control/"post* "$T/control/"pre* 2>/dev/null | grep -v "^ *#" | grep -E "psql|momentiqctl|MOMENTIQ_DB")"

# a2enmod in a copy of this machine's /etc/apache2 with the package's files.
cp -a /etc/apache2 "$T/etc-apache2"
cp "$R"/etc/apache2/mods-available/momentiq.* "$T/etc-apache2/mods-available/"
APACHE_CONFDIR=$T/etc-apache2 a2enmod -q momentiq >"$T/a2enmod.log" 2>&1
check test -L "$T/etc-apache2/mods-enabled/momentiq.load"
check test -L "$T/etc-apache2/mods-enabled/dbd.load"   # "# Depends: dbd"

# A database of its own, migrated by the installed momentiqctl.
db="host=$PGSOCK port=$PGPORT dbname=momentiq_pkg user=$PGUSER"
as_svc psql -h "$PGSOCK" -p "$PGPORT" -d postgres -qc "DROP DATABASE IF EXISTS momentiq_pkg" >/dev/null 2>&1
as_svc psql -h "$PGSOCK" -p "$PGPORT" -d postgres -qc "CREATE DATABASE momentiq_pkg" >/dev/null
out=$(as_svc env MOMENTIQ_DB="$db" MOMENTIQ_SQL_DIR="$R/usr/share/momentiq/sql" "$R/usr/sbin/momentiqctl" migrate 2>&1)
echo "$out" | tail -n 1
check grep -q "catalog statements prepare" <<<"$out"

# httpd from the installed layout: the enabled .load files, with the
# module's path moved into the throw-away root.
port=$(free_port)
H=$T/httpd
mkdir -p "$H/run" "$H/logs" "$T/storage/uploads" "$T/storage/outputs"
head -c 48 /dev/urandom | base64 -w0 >"$T/secret"
if [ "$(id -u)" -eq 0 ]; then chown -R "$PGUSER:" "$T/storage" "$T/secret" "$H"; fi
chmod -R o+rX "$R"
{
    echo "ServerRoot \"$H\""
    echo "Listen 127.0.0.1:$port"
    echo "ServerName 127.0.0.1"
    echo "PidFile \"$H/run/httpd.pid\""
    echo "DefaultRuntimeDir \"$H/run\""
    echo "ErrorLog \"$H/logs/error_log\""
    [ "$(id -u)" -eq 0 ] && printf 'User %s\nGroup %s\n' "$PGUSER" "$PGUSER"
    for m in mpm_event authz_core authz_host mime alias; do
        echo "LoadModule ${m}_module $MODDIR/mod_$m.so"
    done
    for l in "$T"/etc-apache2/mods-enabled/dbd.load "$T"/etc-apache2/mods-enabled/momentiq.load; do
        sed "s|$MODDIR/mod_momentiq.so|$R$MODDIR/mod_momentiq.so|" "$l"
    done
    echo "Include \"$T/etc-apache2/mods-enabled/momentiq.conf\""
    echo "TypesConfig /etc/mime.types"
    echo "DBDriver pgsql"
    echo "DBDParams \"$db application_name=httpd\""
    echo "MomentIQEnable On"
    echo "MomentIQBaseURL http://127.0.0.1:$port"
    echo "MomentIQSecretFile \"$T/secret\""
    echo "MomentIQStorageDir \"$T/storage\""
    echo "MomentIQProbeCommand \"$R/usr/sbin/momentiq-probe\""
    echo "Alias /assets/ \"$R/usr/share/momentiq/assets/\""
    echo "<Directory \"$R/usr/share/momentiq/assets\">"
    echo "    Require all granted"
    echo "</Directory>"
} >"$H/httpd.conf"
/usr/sbin/apache2 -d "$H" -f "$H/httpd.conf" -k start 2>"$T/apache-start.log"
check test $? = 0 || cat "$T/apache-start.log"
# The worker writes its pid file as the service account: a directory of its own.
mkdir -p "$T/run"
if [ "$(id -u)" -eq 0 ]; then chown "$PGUSER:" "$T/run"; fi
as_svc env MOMENTIQ_DB="$db" "$R/usr/sbin/momentiq-worker" --pidfile "$T/run/worker.pid" --storage "$T/storage" \
    --jobs 1 >"$T/worker.log" 2>&1 &
status=""
for i in $(seq 1 100); do
    status=$(curl -s "http://127.0.0.1:$port/mcp/status")
    grep -q '"workers":1' <<<"$status" && break
    sleep 0.2
done
echo "status: $status"
check grep -q '"database_reachable":true' <<<"$status"
check grep -q '"workers":1' <<<"$status"
check test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/assets/dashboard/index.html")" = 200
tools=$(curl -s "http://127.0.0.1:$port/mcp")
check grep -q 'momentiq.create_job' <<<"$tools"

wpid=$(cat "$T/run/worker.pid" 2>/dev/null)
check test -n "$wpid"
[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
for i in $(seq 1 50); do [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
check test -z "$wpid" -o ! -d "/proc/${wpid:-0}"   # the installed worker stopped on SIGTERM
/usr/sbin/apache2 -d "$H" -f "$H/httpd.conf" -k stop 2>/dev/null
for i in $(seq 1 50); do [ -s "$H/run/httpd.pid" ] || break; sleep 0.1; done
as_svc psql -h "$PGSOCK" -p "$PGPORT" -d postgres -qc "DROP DATABASE IF EXISTS momentiq_pkg WITH (FORCE)" >/dev/null 2>&1
finish
