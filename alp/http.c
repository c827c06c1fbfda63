/* HTTP/1.1 on port 80: one GET request, padded with plausible headers until it reaches the
 * length the test case hints at, exactly as the original tcpreq builds it (so both tools put
 * the same bytes on the wire). The response is ignored: HTTP needs no state for one request. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alp/alp.h"
#include "common/err.h"

#define CRLF "\r\n"
#define CRLF_LEN (sizeof(CRLF) - 1)
/* Padding stops once only this much of the hint is left: the CRLF that ends the header block. */
#define HINT_SLACK CRLF_LEN
/* Each list value costs its length plus two: the ", " before the next one, or the closing CRLF. */
#define VALUE_SEPARATOR ", "
#define VALUE_SEPARATOR_LEN (sizeof(VALUE_SEPARATOR) - 1)
/* Host is percent-encoded like Python's urllib.parse.quote(host, safe="/"): "%XX" per byte. */
#define PERCENT_ESCAPE_LEN 3
#define HEX_DIGITS "0123456789ABCDEF"
#define HIGH_NIBBLE_SHIFT 4
#define LOW_NIBBLE_MASK 0x0f

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char request_line_and_host[] = "GET / HTTP/1.1" CRLF "Host: ";
static const char user_agent[] = CRLF "User-Agent: tcpreq (TCP research scan)" CRLF;

/* Fixed padding headers, added one by one while the hint asks for more bytes. */
static const char *const fixed_padding[] = {
    "Cache-Control: max-age=3600, max-stale=1600, no-transform" CRLF,
    "Pragma: no-cache" CRLF,
    "Referer: about:blank" CRLF,
};

static const char *const accept_types[] = {
    "*/*; q=0.300",
    "text/html; q=0.999",
    "application/xhtml+xml; q=1.000",
    "application/xml; q=0.900",
    "text/xml; q=0.900",
    "application/json; q=0.650",
    "application/pdf; q=0.800",
    "image/*; q=0.700",
    "image/png; q=0.775",
    "image/gif; q=0.750",
    "image/jpeg; q=0.725",
    "text/*; q=0.500",
    "video/*; q=0.100",
    "audio/*; q=0.200",
    "application/rtf; q=0.675",
    "text/markdown; q=0.600",
    "text/plain; q=0.400",
    "application/atom+xml; q=0.900",
};
static const char *const accept_charsets[] = {
    "*; q=0.200",        "utf-8; q=1.000",       "us-ascii; q=0.100",     "utf-16le; q=0.900",
    "utf-16; q=0.850",   "utf-16be; q=0.800",    "utf-32le; q=0.700",     "utf-32; q=0.650",
    "utf-32be; q=0.600", "iso-8859-15; q=0.500", "windows-1252; q=0.400", "iso-8859-1; q=0.300",
};
static const char *const accept_languages[] = {
    "*; q=0.100",     "en-US; q=1.000", "en; q=0.900",    "en-GB; q=0.850", "en-CA; q=0.950",
    "en-AU; q=0.800", "de-DE; q=0.600", "de; q=0.500",    "de-CH; q=0.550", "de-AT; q=0.450",
    "es; q=0.300",    "es-MX; q=0.350", "es-ES; q=0.250", "pt; q=0.200",    "fr; q=0.200",
};
static const char *const accept_encodings[] = {"identity; q=1.000", "*; q=0.000"};

/* A header whose value is a ", "-joined prefix of a list, as long as the hint wants. */
struct list_header {
    const char *name; /* including ": " */
    const char *const *values;
    size_t n_values;
};

static const struct list_header list_padding[] = {
    {"Accept: ", accept_types, ARRAY_LEN(accept_types)},
    {"Accept-Charset: ", accept_charsets, ARRAY_LEN(accept_charsets)},
    {"Accept-Language: ", accept_languages, ARRAY_LEN(accept_languages)},
    {"Accept-Encoding: ", accept_encodings, ARRAY_LEN(accept_encodings)},
};

struct alp_session {
    char *host; /* owned copy of the peer's host name; NULL = none */
    bool request_sent;
};

/* Appends into the caller's buffer. len keeps counting past cap so the padding decisions
 * stay those of the full request; overflow then turns the result into an error. */
struct writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

static void put_bytes(struct writer *w, const char *bytes, size_t n)
{
    if (!w->overflow && n <= w->cap - w->len)
        memcpy(w->buf + w->len, bytes, n);
    else
        w->overflow = true;
    w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
    put_bytes(w, s, strlen(s));
}

/* RFC 3986 unreserved characters plus '/', the set urllib.parse.quote leaves alone. */
static bool is_kept_verbatim(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '~' || c == '/';
}

static void put_percent_encoded(struct writer *w, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_kept_verbatim(*p)) {
            put_bytes(w, (const char *)p, 1);
        } else {
            const char escape[PERCENT_ESCAPE_LEN] = {'%', HEX_DIGITS[*p >> HIGH_NIBBLE_SHIFT],
                                                     HEX_DIGITS[*p & LOW_NIBBLE_MASK]};
            put_bytes(w, escape, sizeof(escape));
        }
    }
}

/* True when a request of len bytes is close enough to the hint to be finished. */
static bool hint_reached(size_t hint, size_t len)
{
    return len >= hint || hint - len <= HINT_SLACK;
}

/* Adds one list header; true when the hint was reached within it (stop padding). */
static bool put_list_header(struct writer *w, const struct list_header *h, size_t hint)
{
    size_t projected = w->len + strlen(h->name);
    size_t n_taken = 0;
    bool reached = false;
    while (n_taken < h->n_values && !reached) {
        projected += strlen(h->values[n_taken]) + VALUE_SEPARATOR_LEN;
        n_taken++;
        reached = hint_reached(hint, projected);
    }
    put_str(w, h->name);
    for (size_t i = 0; i < n_taken; i++) {
        if (i > 0)
            put_str(w, VALUE_SEPARATOR);
        put_str(w, h->values[i]);
    }
    put_str(w, CRLF);
    return reached;
}

static void put_padding(struct writer *w, size_t hint)
{
    for (size_t i = 0; i < ARRAY_LEN(fixed_padding); i++) {
        if (hint_reached(hint, w->len))
            return;
        put_str(w, fixed_padding[i]);
    }
    if (hint_reached(hint, w->len))
        return;
    for (size_t i = 0; i < ARRAY_LEN(list_padding); i++)
        if (put_list_header(w, &list_padding[i], hint))
            return;
}

static struct alp_session *http_open(const struct alp_peer *peer)
{
    struct alp_session *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (peer && peer->host) {
        s->host = strdup(peer->host);
        if (!s->host) {
            free(s);
            return NULL;
        }
    }
    return s;
}

static ssize_t http_pull(struct alp_session *s, size_t length_hint, uint8_t *buf, size_t cap)
{
    if (s->request_sent)
        return 0;
    struct writer w = {.buf = buf, .cap = cap};
    put_str(&w, request_line_and_host);
    /* The original leaves Host empty without a name; it does not fall back to the IP. */
    if (s->host)
        put_percent_encoded(&w, s->host);
    put_str(&w, user_agent);
    /* length_hint 0 (none) is always "reached": the request stays unpadded. */
    put_padding(&w, length_hint);
    put_str(&w, CRLF);
    if (w.overflow)
        return TCPREQ_ENOSPC; /* nothing consumed: a retry with a larger buffer works */
    s->request_sent = true;
    return (ssize_t)w.len;
}

static void http_push(struct alp_session *s, const uint8_t *data, size_t len)
{
    (void)s;
    (void)data;
    (void)len;
}

static void http_close(struct alp_session *s)
{
    if (!s)
        return;
    free(s->host);
    free(s);
}

static const uint16_t http_ports[] = {80};

const struct alp alp_http = {
    .name = "http",
    .ports = http_ports,
    .n_ports = ARRAY_LEN(http_ports),
    .open = http_open,
    .pull = http_pull,
    .push = http_push,
    .close = http_close,
};
