/* The output modules: adding one is a file exporting a struct output_module and a line
 * here. Plus the lifecycle calls and the -o / --resume file handling shared by all. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "output/output.h"

extern const struct output_module output_jsonl, output_csv, output_console, output_explain;

const struct output_module *const output_modules[] = {
    &output_jsonl,
    &output_csv,
    &output_console,
    &output_explain,
};
const size_t output_module_count = sizeof(output_modules) / sizeof(output_modules[0]);

const struct output_module *output_module_by_name(const char *name)
{
    for (size_t i = 0; i < output_module_count; i++)
        if (strcmp(output_modules[i]->name, name) == 0)
            return output_modules[i];
    return NULL;
}

/* "'.jsonl', '.json', '.csv', '.txt'" */
static void known_extensions(char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < output_module_count; i++)
        for (const char *const *e = output_modules[i]->extensions; e != NULL && *e != NULL; e++)
            if (n < cap)
                n += (size_t)snprintf(buf + n, cap - n, "%s%s", n > 0 ? ", " : "", *e);
}

const struct output_module *output_module_for_path(const char *path, char *err, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base) /* no extension (a dot file has none either) */
        return output_module_by_name("jsonl");
    for (size_t i = 0; i < output_module_count; i++)
        for (const char *const *e = output_modules[i]->extensions; e != NULL && *e != NULL; e++)
            if (strcasecmp(dot, *e) == 0)
                return output_modules[i];
    char known[128];
    known_extensions(known, sizeof(known));
    snprintf(err, cap, "%s: unknown output format '%s' (known: %s; no extension: JSON Lines)", path,
             dot, known);
    return NULL;
}

int output_open(struct output_writer *w, const struct output_module *module, FILE *out,
                bool continuing)
{
    w->module = module;
    w->out = out;
    w->continuing = continuing;
    return module->open != NULL ? module->open(w) : TCPREQ_OK;
}

int output_write(struct output_writer *w, const json_t *record)
{
    return w->module->write_target(w, record);
}

int output_close(struct output_writer *w)
{
    int rc = w->module->close != NULL ? w->module->close(w) : TCPREQ_OK;
    if (fflush(w->out) != 0 && rc == TCPREQ_OK)
        rc = TCPREQ_ESYS;
    return rc;
}

static int sink_write(void *ctx, const json_t *record)
{
    return output_write(ctx, record);
}

struct target_sink output_sink(struct output_writer *w)
{
    return (struct target_sink){.write = sink_write, .ctx = w};
}

int output_resume_file(const struct output_module *module, const char *path, output_resume_fn done,
                       void *ctx, struct output_scan *scan)
{
    memset(scan, 0, sizeof(*scan));
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? TCPREQ_OK : TCPREQ_ESYS;
    int rc = module->resume_scan(f, done, ctx, scan);
    fclose(f);
    return rc;
}

int output_open_file(const char *path, const char *resume_path, off_t valid_len, FILE **out,
                     bool *continuing)
{
    struct stat out_st, resume_st;
    bool same = resume_path != NULL && stat(path, &out_st) == 0 &&
                stat(resume_path, &resume_st) == 0 && out_st.st_dev == resume_st.st_dev &&
                out_st.st_ino == resume_st.st_ino;
    if (same && truncate(path, valid_len) != 0)
        return TCPREQ_ESYS;
    *continuing = same && valid_len > 0;
    *out = fopen(path, same ? "a" : "w");
    return *out != NULL ? TCPREQ_OK : TCPREQ_ESYS;
}

int output_close_file(FILE *out)
{
    /* What was written is on the disk before tcpreq reports success (or exits on a signal):
     * a power loss after the exit must not take lines back. A pipe or terminal has nothing
     * to sync (EINVAL), which is no error. */
    int rc = fflush(out) == 0 ? TCPREQ_OK : TCPREQ_ESYS;
    if (fsync(fileno(out)) != 0 && errno != EINVAL && errno != EROFS)
        rc = TCPREQ_ESYS;
    if (fclose(out) != 0)
        rc = TCPREQ_ESYS;
    return rc;
}
