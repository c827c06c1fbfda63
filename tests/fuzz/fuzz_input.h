/* The target-list readers (input/) as the program reads a file: through input_next until
 * the end, INPUT_AGAIN (the budget yield of a memory stream) taken as "ask again". Shared by
 * fuzz_input_jsonl, _zmap and _nmap. Invariants: every target's record is a JSON object whose
 * "ip" and "port" are the target's, the port in 1..65535; the counts agree with what was
 * returned and reported; a reader yields at most once per INPUT_YIELD_BYTES of input; every
 * message is one printable line naming the file and a line number within the input. */
#ifndef TCPREQ_FUZZ_INPUT_H
#define TCPREQ_FUZZ_INPUT_H

#include "fuzz_util.h"

#include <jansson.h>

#include "input/input.h"

static void check_messages(const char *diag, size_t len, size_t input_len)
{
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK(diag[i] == '\n' || (diag[i] >= ' ' && diag[i] <= '~'));
    FUZZ_CHECK(len == 0 || diag[len - 1] == '\n');
    /* each names the file and a line no further than the input has lines */
    for (const char *m = diag; m < diag + len; m = strchr(m, '\n') + 1) {
        FUZZ_CHECK(strncmp(m, "tcpreq: fuzz:", 13) == 0);
        unsigned long line = strtoul(m + 13, NULL, 10);
        FUZZ_CHECK(line <= input_len + 1);
    }
}

static void fuzz_read_format(const char *option, const uint8_t *data, size_t size)
{
    const struct input_format *format = input_format_by_option(option);
    FUZZ_CHECK(format != NULL);
    FILE *in = fmemopen((void *)data, size, "r");
    char *diag = NULL;
    size_t diag_len = 0;
    FILE *d = open_memstream(&diag, &diag_len);
    if (in == NULL || d == NULL)
        abort();
    struct input_reader r;
    input_open_stream(&r, format, in, "fuzz", d);
    struct target t;
    uint64_t targets = 0, yields = 0;
    int rc;
    while ((rc = input_next(&r, &t)) != 0) {
        if (rc == INPUT_AGAIN) {
            FUZZ_CHECK(r.wait_fd == -1); /* a memory stream never waits */
            FUZZ_CHECK(++yields <= size / INPUT_YIELD_BYTES + 1);
            continue;
        }
        FUZZ_CHECK(rc == 1);
        targets++;
        FUZZ_CHECK(t.port >= 1 && json_is_object(t.record));
        struct ip_addr ip;
        const char *text = json_string_value(json_object_get(t.record, "ip"));
        FUZZ_CHECK(text != NULL && ip_addr_parse(text, &ip) == 0 && ip_addr_equal(&ip, &t.ip));
        FUZZ_CHECK(json_integer_value(json_object_get(t.record, "port")) == t.port);
        char *dumped = json_dumps(t.record, JSON_COMPACT);
        FUZZ_CHECK(dumped != NULL);
        free(dumped);
        json_decref(t.record);
    }
    FUZZ_CHECK(r.stats.targets == targets);
    input_close(&r);
    fclose(d);
    fclose(in);
    size_t reported = 0;
    for (size_t i = 0; i < diag_len; i++)
        reported += diag[i] == '\n';
    FUZZ_CHECK(reported == r.stats.bad_lines);
    check_messages(diag, diag_len, size);
    free(diag);
}

#endif
