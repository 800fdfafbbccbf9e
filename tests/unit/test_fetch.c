/* source_url imports: which addresses an import may reach, and which URLs it
 * accepts. No network: literals and /etc/hosts names only. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "unit.h"
#include "base/miq_fetch.h"

static void test_import_refuses_every_non_public_ipv4(void)
{
    static const char *const refused[] = {"0.0.0.0",         "0.1.2.3",         "10.0.0.1",
                                          "10.255.255.255",  "100.64.0.1",      "100.127.255.254",
                                          "127.0.0.1",       "127.1.2.3",       "127.255.255.255",
                                          "169.254.169.254", "169.254.0.1",     "172.16.0.1",
                                          "172.31.255.255",  "192.0.0.8",       "192.0.2.1",
                                          "192.88.99.1",     "192.168.0.1",     "192.168.255.255",
                                          "198.18.0.1",      "198.19.255.255",  "198.51.100.7",
                                          "203.0.113.9",     "224.0.0.1",       "239.255.255.250",
                                          "240.0.0.1",       "255.255.255.255", NULL};
    int i;
    for (i = 0; refused[i]; i++) {
        int v = miq_fetch_ip_public(refused[i]);
        if (v != 0)
            fprintf(stderr, "\n  %s: got %d, want 0 (refused)\n", refused[i], v);
        CU_ASSERT_EQUAL(v, 0);
    }
}

static void test_import_refuses_every_non_public_ipv6(void)
{
    static const char *const refused[] = {"::",
                                          "::1",
                                          "[::1]",
                                          "::0.0.0.1",
                                          "::127.0.0.1",
                                          "::8.8.8.8", /* v4-compatible */
                                          "::ffff:127.0.0.1",
                                          "::ffff:7f00:1",
                                          "::ffff:10.1.2.3",
                                          "::ffff:169.254.169.254",
                                          "::ffff:192.168.1.1",
                                          "::ffff:0.0.0.0",
                                          "::ffff:0:127.0.0.1",
                                          "[::ffff:127.0.0.1]",
                                          "64:ff9b::127.0.0.1",
                                          "64:ff9b::a00:1",
                                          "64:ff9b:1::1",
                                          "100::1",
                                          "2001::1",
                                          "2001:0:4136:e378:8000:63bf:3fff:fdd2", /* Teredo */
                                          "2001:db8::1",
                                          "2002:7f00:1::1",
                                          "2002:c0a8:101::1",
                                          "3fff::1",
                                          "fc00::1",
                                          "fd12:3456:789a::1",
                                          "fe80::1",
                                          "fe80::1%1",
                                          "febf::1",
                                          "fec0::1",
                                          "ff02::1",
                                          "ff05::1:3",
                                          "ff0e::1",
                                          NULL};
    int i;
    for (i = 0; refused[i]; i++) {
        int v = miq_fetch_ip_public(refused[i]);
        /* "fe80::1%1" is not a plain literal for inet_pton: -1 is a refusal too
         * (such hosts are refused by the URL parser: zone ids). */
        if (v == 1)
            fprintf(stderr, "\n  %s: accepted as public\n", refused[i]);
        CU_ASSERT(v != 1);
    }
}

static void test_import_allows_public_addresses(void)
{
    static const char *const ok[] = {"8.8.8.8",
                                     "1.1.1.1",
                                     "93.184.216.34",
                                     "100.63.255.255",
                                     "100.128.0.1",
                                     "172.15.255.255",
                                     "172.32.0.1",
                                     "192.167.1.1",
                                     "192.169.0.1",
                                     "198.20.0.1",
                                     "223.255.255.254",
                                     "2606:4700:4700::1111",
                                     "2001:4860:4860::8888",
                                     "::ffff:8.8.8.8",
                                     "64:ff9b::808:808",
                                     "2002:808:808::1",
                                     "[2a00:1450:4001::1]",
                                     NULL};
    int i;
    for (i = 0; ok[i]; i++) {
        int v = miq_fetch_ip_public(ok[i]);
        if (v != 1)
            fprintf(stderr, "\n  %s: got %d, want 1 (public)\n", ok[i], v);
        CU_ASSERT_EQUAL(v, 1);
    }
    CU_ASSERT_EQUAL(miq_fetch_ip_public("example.com"), -1);
    CU_ASSERT_EQUAL(miq_fetch_ip_public(""), -1);
}

static void test_import_sockaddr_classification(void)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    memset(&a4, 0, sizeof(a4));
    a4.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a4.sin_addr);
    CU_ASSERT_EQUAL(miq_fetch_addr_public((struct sockaddr *)&a4), 0);
    inet_pton(AF_INET, "8.8.4.4", &a4.sin_addr);
    CU_ASSERT_EQUAL(miq_fetch_addr_public((struct sockaddr *)&a4), 1);
    memset(&a6, 0, sizeof(a6));
    a6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:169.254.169.254", &a6.sin6_addr);
    CU_ASSERT_EQUAL(miq_fetch_addr_public((struct sockaddr *)&a6), 0);
    inet_pton(AF_INET6, "2606:4700:4700::1111", &a6.sin6_addr);
    CU_ASSERT_EQUAL(miq_fetch_addr_public((struct sockaddr *)&a6), 1);
    a6.sin6_scope_id = 2; /* any scoped address is local */
    CU_ASSERT_EQUAL(miq_fetch_addr_public((struct sockaddr *)&a6), 0);
    CU_ASSERT_EQUAL(miq_fetch_addr_public(NULL), 0);
}

/* Names and odd IPv4 spellings resolve to refused addresses. */
static void test_import_resolve_refuses_loopback_spellings(void)
{
    static const char *const hosts[] = {
        "localhost", "127.1", "0x7f.0.0.1",       "2130706433", "017700000001",
        "0",         "::1",   "::ffff:127.0.0.1", NULL};
    const char *pinned;
    int i;
    for (i = 0; hosts[i]; i++) {
        const char *err = miq_fetch_resolve(utp, hosts[i], 80, 0, &pinned);
        if (!err)
            fprintf(stderr, "\n  %s resolved to %s and was allowed\n", hosts[i], pinned);
        CU_ASSERT_PTR_NOT_NULL(err);
    }
    /* allow_private (MomentIQImportAllowPrivate On): loopback is fine and pinned. */
    CU_ASSERT_PTR_NULL(miq_fetch_resolve(utp, "127.0.0.1", 80, 1, &pinned));
    CU_ASSERT_STRING_EQUAL(pinned ? pinned : "", "127.0.0.1");
    CU_ASSERT_PTR_NULL(miq_fetch_resolve(utp, "8.8.8.8", 443, 0, &pinned));
}

static void test_import_url_parsing(void)
{
    miq_fetch_url u;
    static const char *const bad[] = {"ftp://example.com/a.mp4",
                                      "file:///etc/passwd",
                                      "gopher://example.com/",
                                      "dict://example.com:11211/",
                                      "ldap://example.com/",
                                      "smb://example.com/x",
                                      "scp://example.com/x",
                                      "data:text/plain,hello",
                                      "javascript:alert(1)",
                                      "//example.com/a.mp4",
                                      "example.com/a.mp4",
                                      "http://",
                                      "http:///a.mp4",
                                      "http://user:pass@example.com/a.mp4",
                                      "http://user@example.com/a.mp4",
                                      "https://:secret@example.com/a.mp4",
                                      "http://example.com:0/a",
                                      "http://example.com:99999/a",
                                      "http://example.com:abc/a",
                                      "http://exa mple.com/a",
                                      "http://example.com/a b",
                                      "http://example.com\\@evil.com/",
                                      "http://[fe80::1%25eth0]/a",
                                      "",
                                      NULL};
    int i;
    for (i = 0; bad[i]; i++) {
        const char *err = miq_fetch_parse_url(utp, bad[i], &u);
        if (!err)
            fprintf(stderr, "\n  accepted: %s\n", bad[i]);
        CU_ASSERT_PTR_NOT_NULL(err);
    }
    CU_ASSERT_PTR_NOT_NULL(miq_fetch_parse_url(utp, NULL, &u));
    CU_ASSERT_PTR_NULL(miq_fetch_parse_url(utp, "https://media.example.com/a/b.mp4?X-Sig=1", &u));
    CU_ASSERT_STRING_EQUAL(u.scheme, "https");
    CU_ASSERT_STRING_EQUAL(u.host, "media.example.com");
    CU_ASSERT_EQUAL(u.port, 443);
    CU_ASSERT_FALSE(u.host_is_ip);
    CU_ASSERT_PTR_NULL(miq_fetch_parse_url(utp, "HTTP://127.0.0.1:8080/x.wav", &u));
    CU_ASSERT_STRING_EQUAL(u.scheme, "http");
    CU_ASSERT_EQUAL(u.port, 8080);
    CU_ASSERT_TRUE(u.host_is_ip);
    CU_ASSERT_PTR_NULL(miq_fetch_parse_url(utp, "http://[2001:4860:4860::8888]/x", &u));
    CU_ASSERT_STRING_EQUAL(u.host, "2001:4860:4860::8888");
    CU_ASSERT_EQUAL(u.port, 80);
}

static void test_import_redaction_drops_query_and_credentials(void)
{
    const char *r = miq_fetch_redact(utp,
                                     "https://u:p@cdn.example.com:8443/v/a.mp4?sig=SECRET#frag");
    CU_ASSERT_STRING_EQUAL(r, "https://cdn.example.com:8443/.../a.mp4");
    CU_ASSERT_PTR_NULL(strstr(r, "SECRET"));
    CU_ASSERT_STRING_EQUAL(miq_fetch_redact(utp, "not a url"), "(invalid URL)");
}

/* A path may carry a capability: only a plain last file name survives. */
static void test_import_redaction_drops_capability_paths(void)
{
    CU_ASSERT_STRING_EQUAL(
        miq_fetch_redact(utp, "https://www.dropbox.com/s/q8x2CAPTOKEN77z/talk.mp4?dl=1"),
        "https://www.dropbox.com/.../talk.mp4");
    CU_ASSERT_STRING_EQUAL(miq_fetch_redact(utp, "https://cdn.example.com/clip.mp4"),
                           "https://cdn.example.com/clip.mp4");
    /* a last segment that is itself a token (no extension, odd characters, too long) */
    CU_ASSERT_STRING_EQUAL(miq_fetch_redact(utp, "https://cdn.example.com/sig/CAPTOKEN0123456789"),
                           "https://cdn.example.com/...");
    CU_ASSERT_STRING_EQUAL(
        miq_fetch_redact(utp,
                         "https://h.example/v/CAPTOKEN0123456789abcdef0123456789abcdef0123456789"
                         "abcdef0123456789abcdef.mp4"),
        "https://h.example/...");
    CU_ASSERT_STRING_EQUAL(miq_fetch_redact(utp, "https://h.example/a/b%2FCAPTOKEN.mp4"),
                           "https://h.example/...");
    CU_ASSERT_STRING_EQUAL(miq_fetch_redact(utp, "https://h.example/CAPTOKEN.token-part"),
                           "https://h.example/...");
    CU_ASSERT_STRING_EQUAL(miq_fetch_redact(utp, "http://h.example"), "http://h.example/");
    CU_ASSERT_STRING_EQUAL(miq_fetch_redact(utp, "http://h.example/"), "http://h.example/");
}

/* The fetch refuses before connecting: bad scheme, credentials, private hosts. */
static void test_import_fetch_refuses_before_connecting(void)
{
    miq_fetch_opts o;
    miq_fetch_result res;
    const char *code, *err, *dest = "/tmp/miq_unit_import.part";
    memset(&o, 0, sizeof(o));
    o.max_bytes = 1024;
    o.max_redirects = 3;
    err = miq_fetch_fetch(utp, "http://127.0.0.1:9/a.wav?token=SECRET", dest, &o, &res, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code ? code : "", "invalid_request");
    CU_ASSERT(err && !strstr(err, "SECRET"));
    err = miq_fetch_fetch(utp, "http://169.254.169.254/latest/meta-data/", dest, &o, &res, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    err = miq_fetch_fetch(utp, "ftp://example.com/a.wav", dest, &o, &res, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    err = miq_fetch_fetch(utp, "http://a:b@example.com/a.wav", dest, &o, &res, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    remove(dest);
}

MIQ_SUITE("import", MIQ_TEST(test_import_refuses_every_non_public_ipv4),
          MIQ_TEST(test_import_refuses_every_non_public_ipv6),
          MIQ_TEST(test_import_allows_public_addresses),
          MIQ_TEST(test_import_sockaddr_classification),
          MIQ_TEST(test_import_resolve_refuses_loopback_spellings),
          MIQ_TEST(test_import_url_parsing),
          MIQ_TEST(test_import_redaction_drops_query_and_credentials),
          MIQ_TEST(test_import_redaction_drops_capability_paths),
          MIQ_TEST(test_import_fetch_refuses_before_connecting))
