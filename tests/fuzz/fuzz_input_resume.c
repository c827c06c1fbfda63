/* --resume: an earlier output read by each resumable output module's scan (output/jsonl.c,
 * csv.c), as main reads it. Invariants: the bytes to keep end at a record's end, within the
 * file (a JSON Lines file: right after a line end); a partial tail is exactly what lies
 * after them; every record handed over has a port in 1..65535; the counts add up. */
#include "fuzz_util.h"

#include "common/err.h"
#include "output/output.h"

struct seen {
    uint64_t records;
};

static int on_record(void *ctx, const struct ip_addr *ip, uint16_t port, bool filtered)
{
    struct seen *s = ctx;
    (void)filtered;
    FUZZ_CHECK(port >= 1 && (ip->family == IP_FAMILY_V4 || ip->family == IP_FAMILY_V6));
    s->records++;
    return TCPREQ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen needs a byte */
    for (size_t i = 0; i < output_module_count; i++) {
        const struct output_module *m = output_modules[i];
        if (m->resume_scan == NULL)
            continue;
        FILE *in = fmemopen((void *)data, size, "r");
        if (in == NULL)
            abort();
        struct seen s = {0};
        struct output_scan scan;
        int rc = m->resume_scan(in, on_record, &s, &scan);
        fclose(in);
        FUZZ_CHECK(rc == TCPREQ_OK || rc == TCPREQ_EPROTO);
        if (rc != TCPREQ_OK) {
            FUZZ_CHECK(scan.error != NULL);
            continue;
        }
        FUZZ_CHECK(s.records == scan.records);
        FUZZ_CHECK(scan.valid_len >= 0 && (size_t)scan.valid_len <= size);
        FUZZ_CHECK(scan.bad_long <= scan.bad);
        if (strcmp(m->name, "jsonl") == 0) {
            FUZZ_CHECK(scan.valid_len == 0 || data[scan.valid_len - 1] == '\n');
            FUZZ_CHECK(scan.partial_tail == ((size_t)scan.valid_len < size));
        }
    }
    return 0;
}
