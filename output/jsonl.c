/* JSON Lines: one object per target, keys in insertion order, flushed per line. */
#include "output.h"

static int jsonl_write_target(FILE *out, const json_t *record)
{
    if (json_dumpf(record, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        return -1;
    if (fputc('\n', out) == EOF || fflush(out) != 0)
        return -1;
    return 0;
}

const struct output_writer output_jsonl = {
    .name = "jsonl",
    .write_target = jsonl_write_target,
};
