/* Reading shared by the target-list readers: a file's bytes through read(2), only when
 * poll(2) says they are there (a stalled pipe must not stop the engine's loop), bounded
 * lines numbered for messages, a budget of bytes per call. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    r->wait_fd = -1;
}

void input_close(struct input_reader *r)
{
    if (r->format != NULL && r->format->close != NULL)
        r->format->close(r);
    r->state = NULL;
    free(r->buf);
    free(r->chunk);
    r->in = NULL;
    r->buf = NULL;
    r->chunk = NULL;
}

void input_bad_line(struct input_reader *r, const char *fmt, ...)
{
    r->stats.bad_lines++;
    if (r->diag == NULL)
        return;
    /* The message quotes the input (a field, the JSON parser's or libxml2's complaint about
     * it): escaped whole, so no byte of the file reaches the terminal as it is. */
    char name[ESCAPE_CAP(INPUT_NAME_SHOWN)], safe[ESCAPE_CAP(INPUT_MESSAGE_MAX)];
    va_list ap;
    va_start(ap, fmt);
    escape_vformat(safe, sizeof(safe), INPUT_MESSAGE_MAX, fmt, ap);
    va_end(ap);
    escape_bytes(name, sizeof(name), r->name, strnlen(r->name, INPUT_NAME_SHOWN));
    fprintf(r->diag, "tcpreq: %s:%lu: %s\n", name, r->line, safe);
}

/* The next bytes of the file into r->chunk: 1, 0 at the end, INPUT_AGAIN (nothing there
 * now, or the call's budget spent), negative on a read error. */
static int fill(struct input_reader *r)
{
    if (r->eof)
        return 0;
    if (r->budget_used >= INPUT_YIELD_BYTES) {
        r->wait_fd = -1;
        return INPUT_AGAIN;
    }
    if (r->chunk == NULL && (r->chunk = malloc(INPUT_CHUNK)) == NULL)
        return -ENOMEM;
    int fd = fileno(r->in);
    if (fd < 0) { /* a memory stream (fmemopen): no descriptor, nothing to wait for */
        size_t n = fread(r->chunk, 1, INPUT_CHUNK, r->in);
        if (n == 0) {
            r->eof = true;
            return ferror(r->in) ? -EIO : 0;
        }
        r->chunk_len = n;
        r->chunk_pos = 0;
        r->budget_used += n;
        return 1;
    }
    for (;;) {
        /* a regular file is always readable; a pipe only with data or at its end */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, 0);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            r->wait_fd = fd;
            return INPUT_AGAIN;
        }
        ssize_t n = read(fd, r->chunk, INPUT_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            r->wait_fd = fd;
            return INPUT_AGAIN;
        }
        if (n < 0)
            return -errno;
        if (n == 0) {
            r->eof = true;
            return 0;
        }
        r->chunk_len = (size_t)n;
        r->chunk_pos = 0;
        r->budget_used += (size_t)n;
        return 1;
    }
}

int input_chunk(struct input_reader *r, size_t max, const char **data, size_t *len)
{
    if (r->chunk_pos == r->chunk_len) {
        int rc = fill(r);
        if (rc != 1)
            return rc;
    }
    size_t n = r->chunk_len - r->chunk_pos;
    *data = r->chunk + r->chunk_pos;
    *len = n < max ? n : max;
    r->chunk_pos += *len;
    return 1;
}

/* A line is complete (its newline seen, or the end of the file): 1 with it in r->buf, its
 * length in *len; 0 when it was too long (reported, skipped). */
static int line_done(struct input_reader *r, size_t *len)
{
    r->line++;
    size_t n = r->line_len;
    bool too_long = r->line_too_long;
    r->line_len = 0;
    r->line_too_long = false;
    if (too_long) {
        input_bad_line(r, "line longer than %d bytes, skipped", INPUT_LINE_MAX);
        return 0;
    }
    if (n > 0 && r->buf[n - 1] == '\r')
        n--;
    r->buf[n] = '\0';
    *len = n;
    return 1;
}

/* The next line into r->buf without its line end: 1 with *len, 0 at the end of input,
 * INPUT_AGAIN, negative on an error. A line longer than INPUT_LINE_MAX is reported and
 * skipped to its end, never buffered whole (a file without newlines must not exhaust
 * memory); a line cut by INPUT_AGAIN goes on where it stopped at the next call. */
static int read_line(struct input_reader *r, size_t *len)
{
    for (;;) {
        if (r->chunk_pos == r->chunk_len) {
            int rc = fill(r);
            if (rc == INPUT_AGAIN)
                return rc;
            if (rc == -ENOMEM)
                return rc;
            if (rc < 0) {
                input_bad_line(r, "read error: %s", strerror(-rc));
                r->failed = true;
                return 0;
            }
            if (rc == 0) {
                if (r->line_len == 0 && !r->line_too_long)
                    return 0;
                if (line_done(r, len))
                    return 1; /* the last line, without a line end */
                continue;
            }
        }
        const char *at = r->chunk + r->chunk_pos;
        size_t avail = r->chunk_len - r->chunk_pos;
        const char *nl = memchr(at, '\n', avail);
        size_t take = nl != NULL ? (size_t)(nl - at) : avail;
        size_t room = INPUT_LINE_MAX - r->line_len;
        if (take > room)
            r->line_too_long = true;
        memcpy(r->buf + r->line_len, at, take < room ? take : room);
        r->line_len += take < room ? take : room;
        r->chunk_pos += take + (nl != NULL);
        if (nl != NULL && line_done(r, len))
            return 1;
    }
}

int input_next(struct input_reader *r, struct target *out)
{
    if (r->failed || r->in == NULL)
        return 0;
    r->budget_used = 0;
    r->wait_fd = -1;
    if (r->format->next != NULL) {
        int rc = r->format->next(r, out);
        if (rc == 1)
            r->stats.targets++;
        return rc;
    }
    if (r->buf == NULL && (r->buf = malloc(INPUT_LINE_MAX + 1)) == NULL)
        return -ENOMEM;
    size_t len;
    int got;
    while ((got = read_line(r, &len)) == 1) {
        if (memchr(r->buf, '\0', len) != NULL) {
            input_bad_line(r, "NUL byte in line");
            continue;
        }
        if (r->buf[strspn(r->buf, " \t")] == '\0')
            continue; /* blank lines separate nothing; skipped quietly */
        int rc = r->format->parse_line(r, r->buf, len, out);
        if (rc != 0) {
            if (rc > 0)
                r->stats.targets++;
            return rc;
        }
        if (r->failed)
            return 0;
    }
    return got;
}
