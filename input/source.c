#include "input/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int input_source_init(struct input_source *s, const struct cli_options *opts, FILE *diag)
{
    memset(s, 0, sizeof(*s));
    s->opts = opts;
    s->diag = diag;
    if (opts->n_inputs == 0)
        return 0;
    if ((s->files = calloc(opts->n_inputs, sizeof(*s->files))) == NULL) {
        fprintf(stderr, "tcpreq: error: out of memory\n");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < opts->n_inputs; i++) {
        const char *path = opts->inputs[i].path;
        s->files[i] = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (s->files[i] == NULL) {
            fprintf(stderr, "tcpreq: error: %s: %s\n", path, strerror(errno));
            input_source_free(s);
            return EXIT_USAGE;
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

int input_source_next(void *ctx, struct engine_target *out)
{
    struct input_source *s = ctx;
    if (s->next_target < s->opts->n_targets) {
        const struct cli_target *t = &s->opts->targets[s->next_target++];
        char buf[IP_ADDR_STRLEN];
        out->ip = t->ip;
        out->port = t->port;
        out->record = json_pack("{s:s, s:i, s:n}", "ip",
                                ip_addr_format(&t->ip, buf, sizeof(buf)), "port", (int)t->port,
                                "host");
        if (out->record == NULL)
            return -1;
        s->totals.targets++;
        return 1;
    }
    for (;;) {
        if (!s->reading) {
            if (s->next_file >= s->opts->n_inputs)
                return 0;
            const struct cli_input *in = &s->opts->inputs[s->next_file];
            FILE *f = s->files[s->next_file++];
            input_open_stream(&s->reader, in->format, f,
                              f == stdin ? "<stdin>" : in->path, s->diag);
            s->reading = true;
        }
        int rc = input_next(&s->reader, &out->ip, &out->port, &out->record);
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
    for (size_t i = 0; s->files != NULL && i < s->opts->n_inputs; i++)
        if (s->files[i] != NULL && s->files[i] != stdin)
            fclose(s->files[i]);
    free(s->files);
    s->files = NULL;
}
