/* The one route table (mod_momentiq_routes.c): every URI MomentIQ answers,
 * its methods, who may call it and the function that serves it. translate_name
 * claims what the table names, the handler dispatches through it, and
 * tests/check_routes.sh holds docs/routes.md to it. */
#ifndef MOD_MOMENTIQ_ROUTES_H
#define MOD_MOMENTIQ_ROUTES_H

#include <httpd.h>

typedef enum {
    MIQ_ROUTE_EXACT,    /* the path itself */
    MIQ_ROUTE_TEMPLATE, /* a "{name}" segment matches one non-empty segment */
    MIQ_ROUTE_PREFIX    /* the path and everything below it; the longest wins */
} miq_route_match_e;

/* The handler answers methods outside .methods itself (405 with its own text). */
#define MIQ_ROUTE_OWN_METHODS 0x01u
/* Called from browsers of any origin: Access-Control-Allow-Origin: * on every
 * answer, OPTIONS answered here as a CORS preflight (OAuth endpoints). */
#define MIQ_ROUTE_CORS_API 0x02u
/* A public document: OPTIONS answered here as a CORS preflight that allows
 * MCP-Protocol-Version (browsers send it on metadata fetches). */
#define MIQ_ROUTE_CORS_DOC 0x04u
/* Needs the OAuth configuration (500 server_error without it). */
#define MIQ_ROUTE_OAUTH 0x08u
/* Served by httpd itself: .handle runs at translate_name (the handler never sees it). */
#define MIQ_ROUTE_TRANSLATE 0x10u
/* Rate-limited per client address before the handler runs (the classes of
 * core/limits/miq_rate_limit.h; /mcp and /v1 count per token themselves). */
#define MIQ_ROUTE_LIMIT_SIGNUP   0x20u
#define MIQ_ROUTE_LIMIT_LOGIN    0x40u
#define MIQ_ROUTE_LIMIT_OAUTH    0x80u
#define MIQ_ROUTE_LIMIT_REGISTER 0x100u
#define MIQ_ROUTE_LIMITS                                                                           \
    (MIQ_ROUTE_LIMIT_SIGNUP | MIQ_ROUTE_LIMIT_LOGIN | MIQ_ROUTE_LIMIT_OAUTH |                      \
     MIQ_ROUTE_LIMIT_REGISTER)

typedef struct miq_route {
    const char *path;
    miq_route_match_e match;
    const char *methods; /* as the Allow header of a 405 says them */
    /* Who may call: none, bearer, bearer-optional, bearer-or-signature,
     * session (state changes also need X-CSRF-Token), client (OAuth client
     * authentication), signature, stripe-signature, remote-user. */
    const char *auth;
    int (*handle)(request_rec *r);
    unsigned flags;
} miq_route;

/* The r->notes key holding the matched route's methods (exact and template
 * routes only), for handlers with MIQ_ROUTE_OWN_METHODS. */
#define MIQ_ROUTE_METHODS_NOTE "momentiq-route-methods"

/* The handler name translate_name gives our requests. */
#define MIQ_HANDLER "momentiq"

/* The route serving uri (exact, then template, then longest prefix), or NULL. */
const miq_route *miq_route_find(const char *uri);
/* translate_name: claims the table's URIs on servers with MomentIQEnable On. */
int miq_route_translate(request_rec *r);
/* The handler: CORS preflight, 405 with Allow, then the route's function. */
int miq_route_handler(request_rec *r);

#endif
