/* Server-sent events: parses a text/event-stream body into it_event entries,
 * line by line as bytes arrive (it_http.c feeds it while a transfer runs). */
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "it_support.h"

static void sse_dispatch(it_sse_state *s, apr_time_t at)
{
    it_event *e;
    if (!s->data) {
        s->event = NULL;
        return;
    }
    e = apr_array_push(s->events);
    e->data = s->data;
    e->event = s->event;
    e->at = at;
    e->json = miq_json_parse(s->p, s->data, strlen(s->data), NULL);
    s->data = NULL;
    s->event = NULL;
}

/* One line without its terminator. */
static void sse_line(it_sse_state *s, const char *line, apr_size_t n, apr_time_t at)
{
    const char *colon;
    const char *field, *value;
    if (n == 0) {
        sse_dispatch(s, at);
        return;
    }
    if (line[0] == ':')
        return; /* comment */
    colon = memchr(line, ':', n);
    if (colon) {
        field = apr_pstrndup(s->p, line, colon - line);
        value = colon + 1;
        if (value < line + n && *value == ' ')
            value++;
        value = apr_pstrndup(s->p, value, line + n - value);
    }
    else {
        field = apr_pstrndup(s->p, line, n);
        value = "";
    }
    if (!strcmp(field, "data"))
        s->data = s->data ? apr_pstrcat(s->p, s->data, "\n", value, NULL)
                          : apr_pstrdup(s->p, value);
    else if (!strcmp(field, "event"))
        s->event = value;
}

/* Feeds complete lines from buf[*off..len); advances *off. */
void it_sse_feed(it_sse_state *s, const char *buf, apr_size_t len, apr_size_t *off, apr_time_t at)
{
    for (;;) {
        const char *start = buf + *off;
        const char *nl = memchr(start, '\n', len - *off);
        apr_size_t n;
        if (!nl)
            return;
        n = nl - start;
        if (n > 0 && start[n - 1] == '\r')
            n--;
        sse_line(s, start, n, at);
        *off = nl - buf + 1;
    }
}

apr_array_header_t *it_sse_parse(apr_pool_t *p, const char *body, apr_size_t len)
{
    it_sse_state s;
    apr_size_t off = 0;
    memset(&s, 0, sizeof(s));
    s.p = p;
    s.events = apr_array_make(p, 8, sizeof(it_event));
    it_sse_feed(&s, body, len, &off, 0);
    return s.events;
}
