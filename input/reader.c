/* Line reading shared by the target-list readers: bounded lines, numbered for messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "input/input.h"

/* A message is cut at this many bytes (before escaping), a file name at this many. */
#define INPUT_MESSAGE_MAX 512
#define INPUT_NAME_SHOWN 256

void input_open_stream(struct input_reader *r, const struct input_format *format, FILE *in,
                       const char *name, FILE *diag)
{
    memset(r, 0, sizeof(*r));
    r->format = format;
    r->in = in;
    r->name = name;
    r->diag = diag;
}

void input_close(struct input_reader *r)
{
    if (r->format != NULL && r->format->close != NULL)
        r->format->close(r);
    r->state = NULL;
    free(r->buf);
    r->in = NULL;
    r->buf = NULL;
}

void input_bad_line(struct input_reader *r, const char *fmt, ...)
{
    r->stats.bad_lines++;
    if (r->diag == NULL)
        return;
    /* The message quotes the input (a field, the JSON parser's or libxml2's complaint about
     * it): escaped whole, so no byte of the file reaches the terminal as it is. */
    char msg[INPUT_MESSAGE_MAX], name[ESCAPE_CAP(INPUT_NAME_SHOWN)];
    char safe[ESCAPE_CAP(INPUT_MESSAGE_MAX)];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    escape_bytes(name, sizeof(name), r->name, strnlen(r->name, INPUT_NAME_SHOWN));
    fprintf(r->diag, "tcpreq: %s:%lu: %s\n", name, r->line,
            escape_bytes(safe, sizeof(safe), msg, len));
}

/* The next line into r->buf without its line end: its length, or -1 at the end of input.
 * A line longer than INPUT_LINE_MAX is reported and skipped to its end, never buffered
 * whole (a file without newlines must not exhaust memory). */
static long read_line(struct input_reader *r)
{
    for (;;) {
        size_t len = 0;
        bool too_long = false;
        int c;
        while ((c = getc(r->in)) != EOF && c != '\n') {
            if (len < INPUT_LINE_MAX)
                r->buf[len++] = (char)c;
            else
                too_long = true;
        }
        if (c == EOF && len == 0 && !too_long)
            return -1;
        r->line++;
        if (too_long) {
            input_bad_line(r, "line longer than %d bytes, skipped", INPUT_LINE_MAX);
            if (c == EOF)
                return -1;
            continue;
        }
        if (len > 0 && r->buf[len - 1] == '\r')
            len--;
        r->buf[len] = '\0';
        return (long)len;
    }
}

int input_next(struct input_reader *r, struct target *out)
{
    if (r->failed || r->in == NULL)
        return 0;
    if (r->format->next != NULL) {
        int rc = r->format->next(r, out);
        if (rc > 0)
            r->stats.targets++;
        return rc;
    }
    if (r->buf == NULL && (r->buf = malloc(INPUT_LINE_MAX + 1)) == NULL)
        return -ENOMEM;
    long len;
    while ((len = read_line(r)) >= 0) {
        if (memchr(r->buf, '\0', (size_t)len) != NULL) {
            input_bad_line(r, "NUL byte in line");
            continue;
        }
        if (r->buf[strspn(r->buf, " \t")] == '\0')
            continue; /* blank lines separate nothing; skipped quietly */
        int rc = r->format->parse_line(r, r->buf, (size_t)len, out);
        if (rc != 0) {
            if (rc > 0)
                r->stats.targets++;
            return rc;
        }
        if (r->failed)
            return 0;
    }
    if (ferror(r->in)) {
        input_bad_line(r, "read error: %s", strerror(errno));
        r->failed = true;
    }
    return 0;
}
