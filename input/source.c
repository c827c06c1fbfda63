#include "input/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int input_source_init(struct input_source *s, const struct ip_endpoint *targets, size_t n_targets,
                      const struct input_file *inputs, size_t n_inputs, FILE *diag)
{
    memset(s, 0, sizeof(*s));
    s->targets = targets;
    s->n_targets = n_targets;
    s->inputs = inputs;
    s->n_inputs = n_inputs;
    s->diag = diag;
    if (n_inputs == 0)
        return 0;
    if ((s->files = calloc(n_inputs, sizeof(*s->files))) == NULL) {
        fprintf(stderr, "tcpreq: error: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < n_inputs; i++) {
        const char *path = inputs[i].path;
        s->files[i] = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (s->files[i] == NULL) {
            fprintf(stderr, "tcpreq: error: %s: %s\n", path, strerror(errno));
            input_source_free(s);
            return -1;
        }
    }
    return 0;
}

static void add_stats(struct input_stats *to, const struct input_stats *from)
{
    to->targets += from->targets;
    to->bad_lines += from->bad_lines;
    to->not_success += from->not_success;
}

static void finish_file(struct input_source *s)
{
    add_stats(&s->totals, &s->reader.stats);
    input_close(&s->reader);
    FILE **f = &s->files[s->next_file - 1];
    if (*f != stdin)
        fclose(*f);
    *f = NULL;
    s->reading = false;
}

int input_source_next(void *ctx, struct target *out)
{
    struct input_source *s = ctx;
    if (s->next_target < s->n_targets) {
        const struct ip_endpoint *t = &s->targets[s->next_target++];
        char buf[IP_ADDR_STRLEN];
        out->ip = t->ip;
        out->port = t->port;
        out->record = json_pack("{s:s, s:i, s:n}", "ip", ip_addr_format(&t->ip, buf, sizeof(buf)),
                                "port", (int)t->port, "host");
        if (out->record == NULL)
            return -1;
        s->totals.targets++;
        return 1;
    }
    for (;;) {
        if (!s->reading) {
            if (s->next_file >= s->n_inputs)
                return 0;
            const struct input_file *in = &s->inputs[s->next_file];
            FILE *f = s->files[s->next_file++];
            input_open_stream(&s->reader, in->format, f, f == stdin ? "<stdin>" : in->path,
                              s->diag);
            s->reading = true;
        }
        int rc = input_next(&s->reader, out);
        if (rc == INPUT_AGAIN) {
            out->wait_fd = s->reader.wait_fd;
            return TARGET_SOURCE_WAIT;
        }
        if (rc != 0)
            return rc;
        finish_file(s);
    }
}

void input_source_stats(const struct input_source *s, struct input_stats *out)
{
    *out = s->totals;
    if (s->reading)
        add_stats(out, &s->reader.stats);
}

void input_source_free(struct input_source *s)
{
    if (s->reading)
        finish_file(s);
    for (size_t i = 0; s->files != NULL && i < s->n_inputs; i++)
        if (s->files[i] != NULL && s->files[i] != stdin)
            fclose(s->files[i]);
    free(s->files);
    s->files = NULL;
}
