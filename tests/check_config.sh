#!/usr/bin/env bash
# Source and configuration guards, without a running server:
#  - every directive in the directive table is documented in docs/directives.md
#    and every documented directive exists;
#  - the default each directive's help text states (built from the defaults
#    in mod_momentiq_config.h, read from `apache2 -L`) is the one
#    docs/directives.md states;
#  - each bad directive, rendered into a minimal config, makes `apache2 -t`
#    fail with the expected message.
# Prints "config: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/var/build}
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

# (the name may stand on the line after AP_INIT_...( where clang-format breaks it)
code=$(tr '\n' ' ' <"$ROOT/mod_momentiq/mod_momentiq_config.c" |
    grep -oE 'AP_INIT_[A-Z0-9_]+\([[:space:]]*"MomentIQ[A-Za-z]+"' |
    sed -E 's/.*"(MomentIQ[A-Za-z]+)"/\1/' | sort -u)
docs=$(grep -oE '^\| `MomentIQ[A-Za-z]+' "$ROOT/docs/directives.md" | sed 's/^| `//' | sort -u)
for d in $code; do echo "$docs" | grep -qx "$d" && ok || bad "directive $d is not documented in docs/directives.md"; done
for d in $docs; do echo "$code" | grep -qx "$d" && ok || bad "docs/directives.md documents $d, which does not exist"; done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render_conf() { # extra-line
    cat >"$tmp/httpd.conf" <<EOF2
ServerRoot "$tmp"
ServerName 127.0.0.1
Listen 127.0.0.1:1
PidFile "$tmp/httpd.pid"
ErrorLog "$tmp/error_log"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
LoadModule momentiq_module "$BUILD/mod_momentiq.so"
$1
EOF2
}

# Defaults: "default X" in the help text against the docs' default column.
render_conf ""
helps=$(/usr/sbin/apache2 -L -d "$tmp" -f "$tmp/httpd.conf" 2>&1 | awk '/^MomentIQ/ {name=$1; next} name && /^\t/ && !seen[name]++ {sub(/^\t/, ""); print name "\t" $0}')
[ -n "$helps" ] || bad "apache2 -L listed no MomentIQ directive"
while IFS=$'\t' read -r name help; do
    want=$(printf '%s' "$help" | grep -oE 'default [^);]+' | head -n 1 | sed 's/^default //')
    [ -n "$want" ] || continue
    doc=$(grep -E "^\| \`$name[ \`]" "$ROOT/docs/directives.md" | sed 's/\\|/\//g' | awk -F'|' '{print $3}' | sed -E 's/^ +| +$//g; s/`//g')
    case "$doc" in
    "$want" | "$want ("*) ok ;;
    *) bad "$name: the help text says default '$want', docs/directives.md says '$doc'" ;;
    esac
done <<<"$helps"

check_bad() { # directive-line expected-message
    render_conf "$1"
    local out
    if out=$(/usr/sbin/apache2 -t -d "$tmp" -f "$tmp/httpd.conf" 2>&1); then
        bad "'$1' passed httpd -t"
    elif echo "$out" | grep -qF "$2"; then
        ok
    else
        bad "'$1' failed without '$2': $out"
    fi
}
check_bad "MomentIQBaseURL ftp://example.com" "must start with http:// or https://"
check_bad "MomentIQMaxRequestBody 12" "must be bytes in 1024..1G"
check_bad "MomentIQMaxRequestBody lots" "must be bytes in 1024..1G"
check_bad "MomentIQAllowedOrigin example.com" "is not an origin"
check_bad "MomentIQPrice audio/nothing 3" "MomentIQPrice"
check_bad "MomentIQPrice audio/silence -1" "is not a number of credits"
check_bad "MomentIQSessionIdleTimeout 0" "is not a number of seconds"
check_bad "MomentIQEnable maybe" "MomentIQEnable"
check_bad "MomentIQSessionTimeout 600 60" "1 <= IDLE <= ABSOLUTE"
check_bad "MomentIQLoginThrottle 5 50 900" "four positive numbers"
check_bad "MomentIQLoginThrottle 5 0 900 900" "four positive numbers"
check_bad "MomentIQFreeCredits -5" "MomentIQFreeCredits: a whole number"
check_bad "MomentIQCreditPrice 0 USD" "MomentIQCreditPrice"
check_bad "MomentIQSupportEmail help.example.com" "is not an email address"
check_bad "MomentIQSupportEmail 'a b@example.com'" "is not an email address"
check_bad "MomentIQPrivacyURL ftp://example.com/privacy" "is not an http(s) URL"
check_bad "MomentIQTermsURL /legal/terms" "is not an http(s) URL"
check_bad "MomentIQCreditPrice 0.01 DOLLARS" "ISO 4217"
check_bad "MomentIQUsageAlerts 0.5 1.5" "MomentIQUsageAlerts"
check_bad "MomentIQFetchCAFile /nonexistent/ca.pem" "is not a readable file"
check_bad "MomentIQStripeAPIBase ftp://stripe.test" "must start with http"
check_bad "MomentIQStripeWebhookTolerance 0" "MomentIQStripeWebhookTolerance"
check_bad "MomentIQOAuthClient c1 Name chatgpt http://evil.example/cb" "loopback only"
check_bad "MomentIQOAuthClient c1 Name chatgpt" "at least one redirect URI"
check_bad "MomentIQOAuthClient c1 Name chatgpt https://a.example/cb#frag" "fragment"
check_bad "MomentIQOAuthAccessTokenTTL 5" "is not a number of seconds"
check_bad "MomentIQRateLimit nosuch 10 60" "unknown class"
check_bad "MomentIQRateLimit api 0 60" "is not a count of requests"
check_bad "MomentIQRateLimit api 10" "give the window in seconds"
check_bad "MomentIQProbeCommand /nonexistent/momentiq-probe" "is not an executable file"

# The rate limit classes in docs/directives.md are the compiled-in defaults.
if [ -x "$BUILD/momentiqctl" ]; then
    while read -r cls count window; do
        if grep -qE "^\| \`$cls\` \| $count / $window \|" "$ROOT/docs/directives.md"; then ok
        else bad "docs/directives.md: rate limit class $cls is not documented as $count / $window"; fi
    done < <("$BUILD/momentiqctl" rate-limits)
    n=$(grep -cE '^\| `[a-z_]+` \| [0-9]+ / [0-9]+ \|' "$ROOT/docs/directives.md")
    m=$("$BUILD/momentiqctl" rate-limits | wc -l)
    [ "$n" -eq "$m" ] && ok || bad "docs/directives.md lists $n rate limit classes, the module $m"
else
    bad "no $BUILD/momentiqctl to read the rate limit defaults from"
fi
check_bad "MomentIQQuota disk 10G" "unknown kind 'disk'"
check_bad "MomentIQQuota jobs many" "is not a count"
check_bad "MomentIQQuota storage 10X" "is not a size"
check_bad "MomentIQStorageMinFree lots" "MomentIQStorageMinFree: bytes"
check_bad "MomentIQWebhookLowCredits -1" "a whole number of credits"
check_bad "MomentIQWebhookMaxEndpoints 0" "a count of endpoints"
check_bad "MomentIQWebhookAllowPrivate maybe" "MomentIQWebhookAllowPrivate"
echo "config: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
