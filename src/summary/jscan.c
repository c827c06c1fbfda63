#include "summary/jscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Keys compared are short; a longer key is none of ours (it is still checked). */
#define KEY_MAX 16
#define PORT_MAX 65535

struct cursor {
    const char *p, *end;
    const char *why;
    struct jscan_record *r;
    size_t text_len;
};

static bool fail(struct cursor *c, const char *why)
{
    if (c->why == NULL)
        c->why = why;
    return false;
}

static void skip_ws(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

static bool expect(struct cursor *c, char ch)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != ch)
        return fail(c, "malformed JSON");
    c->p++;
    return true;
}

static int hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool read_u16(struct cursor *c, unsigned *out)
{
    if (c->end - c->p < 4)
        return fail(c, "malformed \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex(c->p[i]);
        if (h < 0)
            return fail(c, "malformed \\u escape");
        v = v << 4 | (unsigned)h;
    }
    c->p += 4;
    *out = v;
    return true;
}

/* Append code point cp as UTF-8 to dst (room is guaranteed: an escape is longer than its
 * encoding). */
static size_t put_utf8(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xc0 | cp >> 6);
        dst[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xe0 | cp >> 12);
        dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        dst[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    dst[0] = (char)(0xf0 | cp >> 18);
    dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    dst[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* RFC 3629 well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xe0) == 0xc0) {
            n = 1;
            cp = b & 0x1f;
        } else if ((b & 0xf0) == 0xe0) {
            n = 2;
            cp = b & 0x0f;
        } else if ((b & 0xf8) == 0xf0) {
            n = 3;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (i + n >= len) /* the sequence runs past the end */
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* A string (the cursor at its opening quote). With dst, decoded there, NUL-terminated,
 * *out_len set; without, only checked. */
static bool string(struct cursor *c, char *dst, size_t dst_cap, size_t *out_len)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return fail(c, "malformed JSON");
    c->p++;
    size_t n = 0;
    bool fits = true;
    for (;;) {
        if (c->p >= c->end)
            return fail(c, "unterminated string");
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"')
            break;
        if (ch < 0x20)
            return fail(c, "control character in a string");
        char enc[4];
        size_t enc_len = 1;
        enc[0] = (char)ch;
        if (ch == '\\') {
            if (c->p >= c->end)
                return fail(c, "unterminated string");
            char e = *c->p++;
            switch (e) {
            case '"':
            case '\\':
            case '/':
                enc[0] = e;
                break;
            case 'b':
                enc[0] = '\b';
                break;
            case 'f':
                enc[0] = '\f';
                break;
            case 'n':
                enc[0] = '\n';
                break;
            case 'r':
                enc[0] = '\r';
                break;
            case 't':
                enc[0] = '\t';
                break;
            case 'u': {
                unsigned hi, lo;
                if (!read_u16(c, &hi))
                    return false;
                uint32_t cp = hi;
                if (hi >= 0xd800 && hi <= 0xdbff) { /* a surrogate pair (RFC 8259 7) */
                    if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
                        return fail(c, "lone surrogate in a string");
                    c->p += 2;
                    if (!read_u16(c, &lo) || lo < 0xdc00 || lo > 0xdfff)
                        return fail(c, "lone surrogate in a string");
                    cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                } else if (hi >= 0xdc00 && hi <= 0xdfff) {
                    return fail(c, "lone surrogate in a string");
                }
                if (cp == 0)
                    return fail(c, "NUL in a string");
                enc_len = put_utf8(enc, cp);
                break;
            }
            default:
                return fail(c, "malformed escape in a string");
            }
        }
        if (dst != NULL) {
            if (n + enc_len < dst_cap)
                memcpy(dst + n, enc, enc_len);
            else
                fits = false;
        }
        n += enc_len;
    }
    if (dst != NULL) {
        if (!fits) { /* only for keys: longer than any of ours */
            dst[0] = '\0';
            n = 0;
        } else {
            dst[n] = '\0';
            if (!utf8_valid((const unsigned char *)dst, n))
                return fail(c, "invalid UTF-8 in a string");
        }
    }
    if (out_len != NULL)
        *out_len = n;
    return true;
}

/* A kept string, decoded into the record's text; its offset in *off. */
static bool kept_string(struct cursor *c, size_t *off)
{
    struct jscan_record *r = c->r;
    size_t len;
    *off = c->text_len;
    if (!string(c, r->text + c->text_len, r->text_cap - c->text_len, &len))
        return false;
    c->text_len += len + 1;
    return true;
}

static bool number(struct cursor *c, long *as_port)
{
    skip_ws(c);
    const char *s = c->p;
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return fail(c, "malformed JSON");
    long v = 0;
    bool integer = true, big = false;
    if (*c->p == '0') {
        c->p++;
    } else {
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (v > PORT_MAX)
                big = true;
            else
                v = v * 10 + (*c->p - '0');
            c->p++;
        }
    }
    if (c->p < c->end && *c->p == '.') {
        integer = false;
        c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return fail(c, "malformed number");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        integer = false;
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return fail(c, "malformed number");
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
            c->p++;
    }
    if (as_port != NULL)
        *as_port = integer && !big && s[0] != '-' && v >= 1 && v <= PORT_MAX ? v : -1;
    return true;
}

static bool literal(struct cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return fail(c, "malformed JSON");
    c->p += n;
    return true;
}

/* Any value, checked and not kept. */
static bool skip_value(struct cursor *c, int depth)
{
    skip_ws(c);
    if (c->p >= c->end)
        return fail(c, "malformed JSON");
    if (depth > JSCAN_DEPTH_MAX)
        return fail(c, "nested too deep");
    switch (*c->p) {
    case '"':
        return string(c, NULL, 0, NULL);
    case 't':
        return literal(c, "true");
    case 'f':
        return literal(c, "false");
    case 'n':
        return literal(c, "null");
    case '[':
        c->p++;
        skip_ws(c);
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return true;
        }
        for (;;) {
            if (!skip_value(c, depth + 1))
                return false;
            skip_ws(c);
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                continue;
            }
            return expect(c, ']');
        }
    case '{':
        c->p++;
        skip_ws(c);
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return true;
        }
        for (;;) {
            if (!string(c, NULL, 0, NULL) || !expect(c, ':') || !skip_value(c, depth + 1))
                return false;
            skip_ws(c);
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                continue;
            }
            return expect(c, '}');
        }
    default:
        return number(c, NULL);
    }
}

static bool is_string(struct cursor *c)
{
    skip_ws(c);
    return c->p < c->end && *c->p == '"';
}

/* A string value kept in *off (SIZE_MAX when not a string: then skipped). */
static bool string_or_skip(struct cursor *c, size_t *off, int depth)
{
    if (is_string(c))
        return kept_string(c, off);
    *off = SIZE_MAX;
    return skip_value(c, depth);
}

/* Iterate an object's members: calls member(c, key, ctx) with the cursor at the value. */
typedef bool (*member_fn)(struct cursor *c, const char *key, void *ctx, int depth);
static bool object(struct cursor *c, member_fn member, void *ctx, int depth)
{
    if (!expect(c, '{'))
        return false;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return true;
    }
    for (;;) {
        char key[KEY_MAX];
        if (!string(c, key, sizeof(key), NULL) || !expect(c, ':') || !member(c, key, ctx, depth))
            return false;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        return expect(c, '}');
    }
}

/* Offsets of a result's strings in the record's text (SIZE_MAX: none), made pointers
 * once the line is read. */
struct result_offs {
    size_t test, status, reason;
};

static bool result_member(struct cursor *c, const char *key, void *ctx, int depth)
{
    struct result_offs *o = ctx;
    if (strcmp(key, "test") == 0)
        return string_or_skip(c, &o->test, depth + 1);
    if (strcmp(key, "status") == 0)
        return string_or_skip(c, &o->status, depth + 1);
    if (strcmp(key, "reason") == 0)
        return string_or_skip(c, &o->reason, depth + 1);
    return skip_value(c, depth + 1);
}

static bool results_array(struct cursor *c, struct result_offs *offs, int depth)
{
    struct jscan_record *r = c->r;
    if (!expect(c, '['))
        return false;
    skip_ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return true;
    }
    for (;;) {
        if (r->n_results == JSCAN_RESULTS_MAX)
            return fail(c, "too many results");
        offs[r->n_results] = (struct result_offs){SIZE_MAX, SIZE_MAX, SIZE_MAX};
        skip_ws(c);
        if (c->p >= c->end || *c->p != '{')
            return fail(c, "a result is not an object");
        if (!object(c, result_member, &offs[r->n_results], depth + 1))
            return false;
        r->n_results++;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        return expect(c, ']');
    }
}

struct record_offs {
    size_t ip, status;
    struct result_offs *results;
};

static bool record_member(struct cursor *c, const char *key, void *ctx, int depth)
{
    struct record_offs *o = ctx;
    struct jscan_record *r = c->r;
    if (strcmp(key, "ip") == 0)
        return string_or_skip(c, &o->ip, depth + 1);
    if (strcmp(key, "_status") == 0)
        return string_or_skip(c, &o->status, depth + 1);
    if (strcmp(key, "port") == 0) {
        skip_ws(c);
        if (c->p < c->end && (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')))
            return number(c, &r->port);
        r->port = -1;
        return skip_value(c, depth + 1);
    }
    if (strcmp(key, "results") == 0) {
        skip_ws(c);
        if (c->p < c->end && *c->p == '[') {
            if (r->has_results)
                return fail(c, "two \"results\" keys");
            r->has_results = true;
            return results_array(c, o->results, depth + 1);
        }
        return skip_value(c, depth + 1);
    }
    return skip_value(c, depth + 1);
}

void jscan_init(struct jscan_record *r)
{
    memset(r, 0, sizeof(*r));
}

void jscan_free(struct jscan_record *r)
{
    free(r->text);
    free(r->results);
    free(r->offsets);
    memset(r, 0, sizeof(*r));
}

static const char *at(const struct jscan_record *r, size_t off)
{
    return off == SIZE_MAX ? NULL : r->text + off;
}

int jscan_parse(struct jscan_record *r, const char *line, size_t len, const char **why)
{
    /* decoded strings are never longer than the line; plus a NUL per string */
    if (r->text_cap < len + 1) {
        char *grown = realloc(r->text, len + 1);
        if (grown == NULL) {
            *why = "out of memory";
            return -1;
        }
        r->text = grown;
        r->text_cap = len + 1;
    }
    if (r->results == NULL) {
        r->results = malloc(JSCAN_RESULTS_MAX * sizeof(*r->results));
        r->offsets = malloc(JSCAN_RESULTS_MAX * sizeof(struct result_offs));
        if (r->results == NULL || r->offsets == NULL) {
            free(r->results);
            free(r->offsets);
            r->results = NULL;
            r->offsets = NULL;
            *why = "out of memory";
            return -1;
        }
    }
    r->ip = r->status = NULL;
    r->port = -1;
    r->has_results = false;
    r->n_results = 0;
    struct cursor c = {.p = line, .end = line + len, .r = r};
    struct result_offs *offs = r->offsets;
    struct record_offs rec = {SIZE_MAX, SIZE_MAX, offs};
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '{') {
        *why = "not a JSON object";
        return -1;
    }
    if (!object(&c, record_member, &rec, 0)) {
        *why = c.why != NULL ? c.why : "malformed JSON";
        return -1;
    }
    skip_ws(&c);
    if (c.p != c.end) {
        *why = "text after the JSON object";
        return -1;
    }
    r->ip = at(r, rec.ip);
    r->status = at(r, rec.status);
    for (size_t i = 0; i < r->n_results; i++)
        r->results[i] = (struct jscan_result){at(r, offs[i].test), at(r, offs[i].status),
                                              at(r, offs[i].reason)};
    return 0;
}
