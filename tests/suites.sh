# The test suites of `./build.sh test`: sourced by build.sh, whose functions
# and settings (ROOT, VAR, BUILD, SAN, RUNUSER, the stack and ctl helpers)
# they use. run_tests runs every suite (or MOMENTIQ_TEST_SUITES) and ends
# with one line, "N passed, N failed". Not run on its own.

# ./build.sh start in a fresh clone of HEAD under a 0700 directory, with spaces
# in the path: the stack must answer, the private directory must stay private.
clone_test() { # test-dir
    local home="$1/private home" ok=0 bad=0 port state out
    check() { if "$@"; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "FAIL: $*"; fi; }
    rm -rf "$home"; mkdir -p "$home"; chmod 700 "$home"
    git clone -q "$ROOT" "$home/momentiq clone" || { echo "FAIL: git clone"; echo "0 passed, 1 failed"; return; }
    port=$(free_port)
    out=$(cd "$home/momentiq clone" && MOMENTIQ_VAR= MOMENTIQ_BUILD= MOMENTIQ_PORT=$port MOMENTIQ_PG_PORT=$(free_port) \
        ./build.sh start 2>&1); echo "$out" | tail -n 5
    state=$(readlink -f "$home/momentiq clone/var")
    check grep -q "MomentIQ is running at http://127.0.0.1:$port/mcp" <<<"$out"
    check test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/dashboard/")" = 200
    check grep -q '"database_reachable":true' <<<"$(curl -s "http://127.0.0.1:$port/mcp/status")"
    check grep -q 'miq_conn_' <<<"$out"
    check test "$(stat -c %a "$home")" = 700
    if as_root; then check test "$state" != "$home/momentiq clone/var"; fi
    # the bench scripts ask build.sh where var/ is: the same reachable directory
    check test "$(cd "$home/momentiq clone" && ./build.sh state)" = "$state"
    (cd "$home/momentiq clone" && MOMENTIQ_VAR= MOMENTIQ_BUILD= MOMENTIQ_PORT=$port ./build.sh stop >/dev/null 2>&1)
    check test -z "$(curl -s -m 2 "http://127.0.0.1:$port/mcp/status" 2>/dev/null)"
    case "$state" in /var/lib/momentiq-dev/*) rm -rf "$state" ;; esac
    rm -rf "$home"
    echo "$ok passed, $bad failed"
}

run_tests() {
    local untracked_before
    untracked_before=$(untracked)
    build tests
    ensure_user
    local tv=$VAR/test passed=0 failed=0 line
    local results=$tv/results
    rm -rf "$tv"
    mkdir -p "$results"

    # MOMENTIQ_TEST_SUITES="unit integration ..." runs only those suites (for
    # work on one area; a full run is what counts); MOMENTIQ_IT_SUITES passes
    # suite names or patterns to the integration runner.
    want() { [ -z "${MOMENTIQ_TEST_SUITES:-}" ] && return 0
        case " $MOMENTIQ_TEST_SUITES " in *" $1 "*) return 0 ;; esac; return 1; }
    record() { # suite passed failed
        say "== $1: $2 passed, $3 failed"
        passed=$((passed + $2)); failed=$((failed + $3))
    }
    counts() { # file -> "P F" from the last "N passed, N failed" line
        local l
        l=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 || true)
        if [ -z "$l" ]; then echo "0 1"; else echo "$l" | awk '{print $1, $3}'; fi
    }

    if want unit; then
        say "== unit tests"
        "$BUILD/test_unit" >"$results/unit.log" 2>&1 || true
        record unit $(counts "$results/unit.log")
    fi

    if want worker; then
        say "== worker analysis tests (real media generated with ffmpeg)"
        MIQ_TEST_TMP="$tv/media" "$BUILD/test_worker" >"$results/worker.log" 2>&1 || true
        record worker $(counts "$results/worker.log")
    fi

    if want config; then
        say "== configuration and source guards"
        if [ "$SAN" = 1 ]; then
            LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \
                "$ROOT/tests/check_config.sh" "$BUILD" >"$results/config.log" 2>&1 || true
        else
            "$ROOT/tests/check_config.sh" "$BUILD" >"$results/config.log" 2>&1 || true
        fi
        record config $(counts "$results/config.log")
    fi

    if want brand || want app; then
        say "== brand: PNGs rendered from assets/brand/src, at their sizes"
        ( brand_render "$tv/brand" 1 ) >"$results/brand.log" 2>&1 || true
        BRAND_RENDERS=$BRAND_RENDERS "$ROOT/tests/brand/check_brand.sh" "$ROOT/assets/brand" "$tv/brand" \
            >>"$results/brand.log" 2>&1 || true
        record brand $(counts "$results/brand.log")
    fi

    if want layers; then
        say "== layers: folder dependencies one way, no cycles"
        "$ROOT/tests/check_layers.sh" "$BUILD" >"$results/layers.log" 2>&1 || true
        record layers $(counts "$results/layers.log")
    fi

    if want format; then
        say "== formatting (clang-format --dry-run)"
        "$ROOT/tests/check_format.sh" >"$results/format.log" 2>&1 || true
        record format $(counts "$results/format.log")
    fi

    if want static; then
        say "== static analysis (cppcheck)"
        "$ROOT/tests/check_static.sh" "$BUILD" >"$results/static.log" 2>&1 || true
        record static $(counts "$results/static.log")
    fi
    if want routes; then
        say "== route table against docs/routes.md"
        "$ROOT/tests/check_routes.sh" >"$results/routes.log" 2>&1 || true
        record routes $(counts "$results/routes.log")
    fi

    if want tasks; then
        say "== OpenAPI document: valid 3.1, the route table, the code examples"
        "$ROOT/tests/openapi/run.sh" >"$results/tasks.log" 2>&1 || true
        record tasks $(counts "$results/tasks.log")
    fi

    if want fuzz; then
        say "== fuzz targets: replay of tests/fuzz/corpus and crashes (clang, ASan/UBSan)"
        "$ROOT/tests/fuzz/run.sh" replay >"$results/fuzz.log" 2>&1 || true
        record fuzz $(counts "$results/fuzz.log")
    fi

    local port pgport
    port=$(free_port); pgport=$(free_port)
    say "== starting a test stack on 127.0.0.1:$port (PostgreSQL on $pgport)"
    mkdir -p "$tv/stack/conf.d"
    cat >"$tv/stack/conf.d/test.conf" <<'EOF'
MomentIQConformanceFixtures On
LogLevel warn
# Uploads: a small cap to test 413 while streaming; imports from the test's own
# loopback HTTP server.
MomentIQMaxUploadSize 20M
MomentIQImportAllowPrivate On
# Webhooks to the tests' loopback receivers; the guard is on again for
# requests with the test header (tests/integration/cases/test_webhooks.c).
MomentIQWebhookAllowPrivate On
<Location /api/dashboard/webhooks>
    <If "%{HTTP:X-Webhook-Guard-Test} == '1'">
        MomentIQWebhookAllowPrivate Off
    </If>
</Location>
EOF
    # Accounts: remote-user sign-in with mod_auth_basic + htpasswd as the upstream
    # (passwords drawn per run), throttling and session expiry short enough to
    # test, and MomentIQRequireToken on /mcp only for requests with a test header.
    local htusers="" u pw
    for u in itest-alice@example.com itest-bob; do
        pw=$(head -c 15 /dev/urandom | base64 | tr '+/' 'xy')
        /usr/bin/htpasswd -bB $( [ -z "$htusers" ] && echo -c ) "$tv/stack/htpasswd" "$u" "$pw" 2>/dev/null
        htusers="${htusers:+$htusers,}$u:$pw"
    done
    chmod 644 "$tv/stack/htpasswd"
    # OAuth (issue 4): a ChatGPT-style pre-registered client, a confidential one
    # whose secret the tests read from this file, and dynamic registration.
    head -c 24 /dev/urandom | base64 | tr '+/' 'xy' >"$tv/stack/oauth-client-secret"
    chmod 644 "$tv/stack/oauth-client-secret"
    # A throw-away certificate for 127.0.0.1: the tests serve Client ID Metadata
    # Documents over https with it, and the stack trusts it (MomentIQFetchCAFile).
    mkdir -p "$tv/stack/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$tv/stack/tls/key.pem" \
        -out "$tv/stack/tls/cert.pem" >/dev/null 2>&1 || die "openssl could not make a test certificate"
    chmod 755 "$tv/stack/tls"; chmod 644 "$tv/stack/tls/"*.pem
    # Billing: no free credits unless a test asks (header), Stripe secrets drawn
    # per run, Checkout Sessions sent to a fake Stripe API the tests start on loopback.
    local whsec sk stripe_port
    whsec=whsec_$(head -c 24 /dev/urandom | base64 | tr '+/' 'xy'); sk=sk_test_$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
    printf '%s\n' "$whsec" >"$tv/stack/stripe_webhook_secret"; printf '%s\n' "$sk" >"$tv/stack/stripe_secret_key"
    stripe_port=$(free_port)
    cat >>"$tv/stack/conf.d/test.conf" <<EOF
MomentIQFreeCredits 0
<Location /api/auth/signup>
    <If "%{HTTP:X-Free-Credits-Test} == '1'">
        MomentIQFreeCredits 25
    </If>
</Location>
MomentIQStripeWebhookSecretFile "$tv/stack/stripe_webhook_secret"
MomentIQStripeSecretKeyFile "$tv/stack/stripe_secret_key"
MomentIQStripeAPIBase http://127.0.0.1:$stripe_port
LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so
LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
MomentIQTrustRemoteUser On
<Location /api/auth/remote-user>
    AuthType Basic
    AuthName "MomentIQ tests"
    AuthUserFile "$tv/stack/htpasswd"
    Require valid-user
    # failed Basic sign-ins are expected here (error_log is checked)
    LogLevel warn auth_basic:crit
</Location>
<Location /api/auth/oauth/authorize>
    <If "%{HTTP:X-OAuth-Remote-User-Test} == '1'">
        AuthType Basic
        AuthName "MomentIQ tests"
        AuthUserFile "$tv/stack/htpasswd"
        Require valid-user
    </If>
</Location>
MomentIQLoginThrottle 3 20 30 3
# Rate limits: the suites sign up, log in and call from one address far more
# than a person would, so the limits are raised here; the rate limit suite
# lowers them per request with its test header.
MomentIQRateLimit signup 100000 3600
MomentIQRateLimit login 100000 600
MomentIQRateLimit oauth 100000 60
MomentIQRateLimit register 100000 3600
MomentIQRateLimit anon_session 100000 600
MomentIQRateLimit bad_token 100000 600
MomentIQRateLimit mcp 100000 10
MomentIQRateLimit api 100000 10
MomentIQRateLimit dashboard 100000 60
<If "%{HTTP:X-Rate-Limit-Test} == '1'">
    MomentIQRateLimit dashboard 3 60
    MomentIQRateLimit api 5 60
    MomentIQRateLimit mcp 5 60
    MomentIQRateLimit bad_token 3 60
    MomentIQRateLimit signup 2 3600
</If>
MomentIQOAuthClient itest-chatgpt ChatGPT chatgpt https://chatgpt.com/connector_platform_oauth_redirect
MomentIQOAuthClient itest-gateway "Test gateway" gateway https://gateway.example/oauth/callback
MomentIQOAuthClientSecret itest-gateway "$tv/stack/oauth-client-secret"
# Claude's hosted callback as a pre-registered public client (issue 14).
MomentIQOAuthClient itest-claude Claude claude https://claude.ai/api/mcp/auth_callback
# The policy pages state the request's configuration: a test header changes it.
<Location /legal>
    <If "%{HTTP:X-Legal-Test} == '1'">
        MomentIQFreeCredits 77
        MomentIQQuota jobs 7
    </If>
</Location>
MomentIQOAuthDynamicRegistration On
MomentIQOAuthClientMetadataDocuments On
MomentIQFetchCAFile "$tv/stack/tls/cert.pem"
MomentIQSessionTimeout 4 12
<Location /mcp>
    <If "%{HTTP:X-Require-Token-Test} == '1'">
        MomentIQRequireToken On
    </If>
</Location>
# Quotas and the free-space margin (tests/integration/cases/test_quotas.c):
# small limits, none, or a margin larger than any disk, for requests with a
# test header only. The billing bursts create more jobs at once than the
# default concurrent-job quota allows, so the suite's default is raised.
MomentIQQuota jobs 1000
<Location /v1>
    <If "%{HTTP:X-Quota-Test} == 'small'">
        MomentIQQuota jobs 2
        MomentIQQuota long_polls 2
        MomentIQQuota imports 1
    </If>
    <If "%{HTTP:X-Quota-Test} == 'none'">
        MomentIQQuota long_polls off
    </If>
    <If "%{HTTP:X-Disk-Full-Test} == '1'">
        MomentIQStorageMinFree 1024T
    </If>
</Location>
EOF
    # The browser suite clicks through flows that take minutes, longer than the
    # 4 s / 12 s sessions above: it gets a virtual host of its own with
    # ordinary session lifetimes (and its own base URL, so signed URLs and
    # Stripe's return stay on its origin).
    local browser_port=""
    if want browser || want hooks; then
        browser_port=$(free_port)
        cat >>"$tv/stack/conf.d/test.conf" <<EOF
Listen 127.0.0.1:$browser_port
<VirtualHost 127.0.0.1:$browser_port>
    MomentIQBaseURL http://127.0.0.1:$browser_port
    MomentIQSessionTimeout 3600 86400
    # its own connection pool: one shared with the main server would have
    # mod_dbd merge the catalog's statements twice (AH02653 warnings)
    DBDParams "host=$tv/stack/pg/run port=$pgport dbname=momentiq user=$(pg_user) application_name=httpd-browser"
</VirtualHost>
EOF
    fi
    export MOMENTIQ_VAR=$tv/stack MOMENTIQ_PORT=$port MOMENTIQ_PG_PORT=$pgport
    # Webhooks (tests/integration/cases/test_webhooks*.c): receivers on loopback,
    # retries a second apart instead of 30 s, a short limit per attempt.
    export MOMENTIQ_WEBHOOK_ARGS="--webhook-allow-private --webhook-retry-base 1 --webhook-timeout 3"
    local saved_trap
    saved_trap=$(trap -p EXIT)
    trap 'MOMENTIQ_VAR='"$tv/stack"' MOMENTIQ_PORT='"$port"' MOMENTIQ_PG_PORT='"$pgport"' "$ROOT/build.sh" $( [ "$SAN" = 1 ] && echo --asan ) stop >/dev/null 2>&1 || true' EXIT
    "$ROOT/build.sh" $( [ "$SAN" = 1 ] && echo --asan ) start >"$results/stack.log" 2>&1 || {
        cat "$results/stack.log"; record stack 0 1; say "$passed passed, $failed failed"; return 1; }

    if want schema; then
        say "== sql/schema.sql against the test stack's freshly migrated database"
        if schema_dump "$tv/stack" "$pgport" >"$results/schema.sql" 2>"$results/schema.log" &&
            diff -u "$ROOT/sql/schema.sql" "$results/schema.sql" >>"$results/schema.log" 2>&1; then
            record schema 1 0
        else
            say "sql/schema.sql is stale (diff in $results/schema.log): run ./build.sh schema"
            head -n 40 "$results/schema.log"
            record schema 0 1
    fi
    fi

    local url="http://127.0.0.1:$port"
    if want integration; then
        say "== integration tests (CUnit + libcurl) against $url"
        MIQ_TEST_URL=$url MIQ_TEST_DB="host=$tv/stack/pg/run port=$pgport dbname=momentiq user=$(pg_user)" \
            MIQ_TEST_HTPASSWD_USERS=$htusers MIQ_TEST_STRIPE_WEBHOOK_SECRET=$whsec \
            MIQ_TEST_STRIPE_SECRET_KEY=$sk MIQ_TEST_STRIPE_PORT=$stripe_port \
            MIQ_TEST_ERROR_LOG=$tv/stack/httpd/logs/error_log MIQ_TEST_TLS_DIR=$tv/stack/tls MIQ_TEST_ROOT=$ROOT MIQ_TEST_BUILD=$BUILD \
            as_pg_env "$BUILD/test_integration" ${MOMENTIQ_IT_SUITES:-} >"$results/integration.log" 2>&1 || true
        record integration $(counts "$results/integration.log")
    fi

    if want browser; then
        say "== browser: the dashboard in Chromium (playwright-core, axe-core) on port $browser_port"
        MIQ_TEST_STRIPE_PORT=$stripe_port MIQ_TEST_STRIPE_WEBHOOK_SECRET=$whsec MIQ_TEST_HTPASSWD_USERS=$htusers \
            "$ROOT/tests/browser/run.sh" "http://127.0.0.1:$browser_port" "$results" >"$results/browser.log" 2>&1 || true
        record browser $(counts "$results/browser.log")
    fi

    if want hooks; then
        say "== hooks: the Webhooks page in Chromium on port $browser_port"
        "$ROOT/tests/browser/webhooks_run.sh" "http://127.0.0.1:$browser_port" "$results" \
            >"$results/hooks.log" 2>&1 || true
        record hooks $(counts "$results/hooks.log")
    fi

    if want momentiqctl; then
        say "== momentiqctl against the test stack"
        local cp=0 cf=0 out
        out=$(ctl_for "$tv/stack" "$pgport" check-sql 2>&1) &&
            echo "$out" | grep -q "catalog statements prepare" && cp=$((cp + 1)) || { cf=$((cf + 1)); echo "check-sql: $out"; }
        out=$(ctl_for "$tv/stack" "$pgport" status 2>&1) &&
            echo "$out" | grep -q "^schema: $(basename "$(ls "$ROOT"/sql/[0-9]*.sql | sort | tail -n 1)" .sql)\$" &&
            echo "$out" | grep -q "^workers alive: 1 " &&
            cp=$((cp + 1)) || { cf=$((cf + 1)); echo "status: $out"; }
        out=$(ctl_for "$tv/stack" "$pgport" migrate 2>&1) && echo "$out" | grep -q "0 applied now" &&
            cp=$((cp + 1)) || { cf=$((cf + 1)); echo "second migrate: $out"; }
        ctl_for "$tv/stack" "$pgport" no-such-command >/dev/null 2>&1 && { cf=$((cf + 1)); echo "unknown command accepted"; } || cp=$((cp + 1))
        record momentiqctl "$cp" "$cf"
    fi

    if want ops; then
        say "== operators: /metrics, server-status, tracing, partitions, momentiqctl report"
        OPS_URL=$url OPS_VAR=$tv/stack OPS_PGPORT=$pgport OPS_BUILD=$BUILD \
            OPS_RUNAS=$(as_root && echo "$RUNUSER") "$ROOT/tests/ops/run.sh" >"$results/ops.log" 2>&1 || true
        record ops $(counts "$results/ops.log")
    fi

    if want mcpapp || want app; then
        say "== mcpapp: the MCP App in Chromium through @modelcontextprotocol/ext-apps, pages, Inspector"
        local app_email=mcpapp-$(date +%s)@example.com app_token
        # (its output holds the generated password: not logged)
        ctl_for "$tv/stack" "$pgport" user create "$app_email" >/dev/null 2>"$results/mcpapp.log"
        ctl_for "$tv/stack" "$pgport" credits grant --email "$app_email" --credits 500 \
            --note "mcpapp test" >>"$results/mcpapp.log" 2>&1
        app_token=$(ctl_for "$tv/stack" "$pgport" token create --user "$app_email" --name mcpapp \
            --scopes all --expires-in 3600 2>>"$results/mcpapp.log" | grep -o 'miq_conn_[A-Za-z0-9_-]*' | head -n 1)
        MIQ_APP_TOKEN=$app_token "$ROOT/tests/mcpapp/run.sh" "$url" "$results" >>"$results/mcpapp.log" 2>&1 || true
        record mcpapp $(counts "$results/mcpapp.log")
    fi

    if [ "${MOMENTIQ_SKIP_INTEROP:-0}" != 1 ] && want interop; then
        say "== interop: official MCP conformance suites and SDK clients"
        "$ROOT/tests/interop/run.sh" "$url/mcp" "$results" >"$results/interop.log" 2>&1 || true
        record interop $(counts "$results/interop.log")
    fi

    if want package; then
        say "== package: the Debian package, lintian, installed into a throw-away root and started"
        "$ROOT/tests/package/run.sh" "$ROOT" "$tv/package" "$tv/stack/pg/run" "$pgport" "$(pg_user)" \
            >"$results/package.log" 2>&1 || true
        record package $(counts "$results/package.log")
    fi

    local cluster_env=(MIQ_ROOT="$SHARE" MIQ_SRC="$ROOT" MIQ_BUILD="$BUILD" MIQ_RUNUSER="$RUNUSER"
        MIQ_HTTPD_ENV="$(VAR=$tv/stack httpd_env)")
    if want scaleout; then
        say "== scaleout: two httpd nodes and two workers on one PostgreSQL (tests/cluster)"
        env "${cluster_env[@]}" python3 -B "$ROOT/tests/cluster/scaleout.py" "$tv/scaleout" \
            >"$results/scaleout.log" 2>&1 || true
        record scaleout $(counts "$results/scaleout.log")
    fi

    if want vhosts; then
        say "== vhosts: two isolated customers' virtual hosts and one without MomentIQ on one httpd"
        env "${cluster_env[@]}" python3 -B "$ROOT/tests/cluster/vhosts.py" "$tv/vhosts" \
            >"$results/vhosts.log" 2>&1 || true
        record vhosts $(counts "$results/vhosts.log")
    fi

    if want clone; then
        # The README's commands from a clone where users put one: a home
        # directory only its owner may enter, a path with spaces.
        say "== clone: ./build.sh start/stop from a private directory with spaces in its path"
        clone_test "$tv" >"$results/clone.log" 2>&1 || true
        record clone $(counts "$results/clone.log")
    fi

    say "== error_log check"
    if "$ROOT/tests/check_error_log.sh" "$tv/stack/httpd/logs/error_log" >"$results/errorlog.log" 2>&1; then
        record error_log 1 0
    else
        cat "$results/errorlog.log"; record error_log 0 1
    fi

    "$ROOT/build.sh" $( [ "$SAN" = 1 ] && echo --asan ) stop >/dev/null 2>&1 || true
    eval "${saved_trap:-trap - EXIT}"
    if [ "$SAN" = 1 ]; then
        # Reports land in httpd/san; a child that could not write one says so in error_log.
        # ... and the worker's reports land in its own log.
        # The CUnit runners' own reports (a leak, an overflow in a test of the core) count too.
        if ls "$tv/stack/httpd/san/"* >/dev/null 2>&1 ||
            grep -qE "AddressSanitizer|runtime error|Can't open file" "$tv/stack/httpd/logs/error_log" \
                "$tv/stack/log/"*.log 2>/dev/null ||
            grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$results/unit.log" "$results/worker.log" 2>/dev/null; then
            say "sanitizer reports:"
            { cat "$tv/stack/httpd/san/"* 2>/dev/null | head -80
              grep -E "AddressSanitizer|runtime error|Can't open file" "$tv/stack/httpd/logs/error_log" \
                  "$tv/stack/log/"*.log 2>/dev/null | head
              grep -A12 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$results/unit.log" \
                  "$results/worker.log" 2>/dev/null | head -40; } || true   # show what there is
            record sanitizers 0 1
        else
            record sanitizers 1 0
        fi
    fi
    # Everything a run writes belongs under var/: a stray file (bench/worker.sh's `60`) fails.
    say "== tree: no new untracked files"
    local strays
    strays=$(comm -13 <(printf '%s\n' "$untracked_before") <(untracked) | grep -v '^$' || true)
    if [ -z "$strays" ]; then
        record tree 1 0
    else
        printf '%s\n' "$strays" | sed 's/^/FAIL: left by the test run: /' >"$results/tree.log"
        record tree 0 1
    fi
    for f in "$results"/*.log; do
        grep -E '^(FAIL|  FAIL|.*: FAILED|✗)' "$f" 2>/dev/null | head -20 | sed "s|^|$(basename "$f"): |" || true
    done
    say "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# The integration runner reads the test cluster as the cluster's owner (peer auth).
as_pg_env() { if as_root; then runuser -u "$RUNUSER" --preserve-environment -- "$@"; else "$@"; fi; }
