/* Console lines as the original printed them, one per test run:
 * ip<TAB>port<TAB>Test<TAB>Stage n<TAB>STATUS: reason (stage and reason only when set).
 * The default without -o (on stdout), or -o FILE.txt. It cannot be resumed: nothing in its
 * lines says when a target's tests are all there. */
#include "common/err.h"
#include "output/output.h"

static int console_write_target(struct output_writer *w, const json_t *record)
{
    FILE *out = w->out;
    const char *ip = json_string_value(json_object_get(record, "ip"));
    json_int_t port = json_integer_value(json_object_get(record, "port"));
    const json_t *filtered = json_object_get(record, "_status");
    if (filtered != NULL) {
        fprintf(out, "%s\t%lld\t-\t%s\n", ip ? ip : "?", (long long)port,
                json_string_value(filtered));
        return fflush(out) == 0 ? TCPREQ_OK : TCPREQ_ESYS;
    }
    size_t i;
    const json_t *res;
    json_array_foreach(json_object_get(record, "results"), i, res)
    {
        fprintf(out, "%s\t%lld\t%s\t", ip ? ip : "?", (long long)port,
                json_string_value(json_object_get(res, "test")));
        const json_t *stage = json_object_get(res, "stage");
        if (json_is_integer(stage))
            fprintf(out, "Stage %lld\t", (long long)json_integer_value(stage));
        fputs(json_string_value(json_object_get(res, "status")), out);
        const char *reason = json_string_value(json_object_get(res, "reason"));
        if (reason != NULL)
            fprintf(out, ": %s", reason);
        fputc('\n', out);
    }
    return fflush(out) == 0 && !ferror(out) ? TCPREQ_OK : TCPREQ_ESYS;
}

static const char *const console_extensions[] = {".txt", NULL};

const struct output_module output_console = {
    .name = "console",
    .extensions = console_extensions,
    .description = "console lines (cannot be resumed)",
    .write_target = console_write_target,
};
