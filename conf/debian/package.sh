#!/usr/bin/env bash
# Builds the Debian package libapache2-mod-momentiq from a finished build.
#   conf/debian/package.sh ROOT BUILD OUTDIR     (run by ./build.sh package)
# Prints the path of the .deb. Layout: the module in Apache's module dir,
# mods-available/momentiq.{load,conf} for a2enmod, the worker, momentiqctl and
# the probe in /usr/sbin, a systemd unit, sql/ and assets/ in
# /usr/share/momentiq, docs, man pages and a logrotate file.
set -euo pipefail
ROOT=${1:?ROOT}; BUILD=${2:?BUILD}; OUT=${3:?OUTDIR}
HERE=$ROOT/conf/debian
VERSION=$(sed -n 's/^#define MIQ_VERSION "\(.*\)"/\1/p' "$ROOT/mod_momentiq/core/base/miq_server.h")
[ -n "$VERSION" ] || { echo "package.sh: no MIQ_VERSION" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)
MODDIR=$(apxs -q LIBEXECDIR)
PKG=libapache2-mod-momentiq
STAGE=$OUT/stage
rm -rf "$STAGE"; mkdir -p "$STAGE/DEBIAN"
umask 022

put() { # mode source dest-in-package
    install -D -m "$1" "$2" "$STAGE$3"
}
put 0644 "$BUILD/mod_momentiq.so" "$MODDIR/mod_momentiq.so"
for b in momentiq-worker momentiqctl momentiq-probe; do
    put 0755 "$BUILD/$b" "/usr/sbin/$b"
    gzip -9n -c "$HERE/man/$b.8" >"$OUT/$b.8.gz"
    put 0644 "$OUT/$b.8.gz" "/usr/share/man/man8/$b.8.gz"
done
# Debian ships binaries stripped; the build keeps symbols for the tests.
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    "$STAGE/usr/sbin/"* "$STAGE$MODDIR/mod_momentiq.so"
put 0644 "$HERE/momentiq.load" /etc/apache2/mods-available/momentiq.load
put 0644 "$HERE/momentiq.conf" /etc/apache2/mods-available/momentiq.conf
put 0644 "$ROOT/conf/momentiq-worker.service" /lib/systemd/system/momentiq-worker.service
put 0644 "$HERE/default" /etc/default/momentiq-worker
put 0644 "$HERE/logrotate" /etc/logrotate.d/momentiq
for f in "$ROOT"/sql/[0-9]*.sql; do put 0644 "$f" "/usr/share/momentiq/sql/$(basename "$f")"; done
(cd "$ROOT/assets" && find . -type f ! -name '*.md' ! -name '.*' -print0) |
    while IFS= read -r -d '' f; do put 0644 "$ROOT/assets/$f" "/usr/share/momentiq/assets/${f#./}"; done
DOC=/usr/share/doc/$PKG
put 0644 "$HERE/copyright" "$DOC/copyright"
for f in "$ROOT"/docs/*.md; do
    gzip -9n -c "$f" >"$OUT/$(basename "$f").gz"
    put 0644 "$OUT/$(basename "$f").gz" "$DOC/$(basename "$f").gz"
done
gzip -9n -c "$ROOT/README.md" >"$OUT/README.md.gz"; put 0644 "$OUT/README.md.gz" "$DOC/README.md.gz"
{
    printf '%s (%s) unstable; urgency=medium\n\n' "$PKG" "$VERSION"
    printf '  * Built from %s.\n\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'a source tree')"
    # A fixed date (the version's) keeps the package reproducible.
    printf ' -- MomentIQ <support@momentiq.dev>  %s\n' "Mon, 07 Dec 2026 00:00:00 +0000"
} | gzip -9n >"$OUT/changelog.gz"
put 0644 "$OUT/changelog.gz" "$DOC/changelog.gz"

put 0755 "$HERE/postinst" /DEBIAN/postinst
put 0755 "$HERE/postrm" /DEBIAN/postrm
printf '%s\n' /etc/apache2/mods-available/momentiq.load /etc/apache2/mods-available/momentiq.conf \
    /etc/default/momentiq-worker /etc/logrotate.d/momentiq >"$STAGE/DEBIAN/conffiles"

# Library dependencies from the binaries, plus what is not linked: Apache's
# module API, mod_dbd's PostgreSQL driver, adduser for postinst.
shl=$(mktemp -d)
mkdir -p "$shl/debian"
printf 'Source: momentiq\n\nPackage: %s\nArchitecture: any\n' "$PKG" >"$shl/debian/control"
libs=$(cd "$shl" && dpkg-shlibdeps -O "$STAGE/usr/sbin/"* "$STAGE$MODDIR/mod_momentiq.so" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
rm -rf "$shl"
[ -n "$libs" ] || { echo "package.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
api=$(dpkg-query -W -f='${Provides}' apache2-bin | grep -o 'apache2-api-[0-9]*' | head -n 1)
depends="$libs, ${api:-apache2-api-20120211}, apache2-bin, libaprutil1-dbd-pgsql, adduser"
V=$VERSION A=$ARCH D=$depends awk '{ gsub("@VERSION@", ENVIRON["V"]); gsub("@ARCH@", ENVIRON["A"]);
    gsub("@DEPENDS@", ENVIRON["D"]); print }' "$HERE/control.in" >"$STAGE/DEBIAN/control"
printf 'Installed-Size: %s\n' "$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)" >>"$STAGE/DEBIAN/control"
(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
    >"$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/md5sums" "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles"
find "$STAGE" -type d -exec chmod 0755 {} +
deb=$OUT/${PKG}_${VERSION}_$ARCH.deb
SOURCE_DATE_EPOCH=1796601600 dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$deb" >/dev/null
echo "$deb"
