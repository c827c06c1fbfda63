/* Blocklist files (src/targets/blocklist.c) and the command line's value parsers
 * (src/cli/args.c, ip_endpoint_parse): the input is a file of lines, read as a blocklist,
 * each line as a value (-r, IP:PORT), and all of them as an argument vector.
 * Invariants: an accepted blocklist blocks every address it lists and every address inside
 * each listed block, with the entry's own line parsed the same way alone; a target that
 * parses formats back to text that parses to the same target; a rate is positive and finite;
 * a command line that parses has a consistent shard, timing and source addresses. */
#include "fuzz_util.h"

#include <math.h>

#include "cli/args.h"
#include "common/addr.h"
#include "common/err.h"
#include "targets/blocklist.h"
#include "targets/prefix_tree.h"

#define MAX_ARGS 64
#define LINE_MAX_COPY 512

static void check_blocklist_line(const struct prefix_tree *tree, const char *line, struct fz *f)
{
    struct ip_addr addr;
    unsigned len;
    bool host_bits;
    int rc = blocklist_parse_line(line, &addr, &len, &host_bits);
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == TCPREQ_EINVAL);
    if (rc != 1)
        return;
    FUZZ_CHECK(len <= prefix_max_len(&addr));
    unsigned matched = 0;
    FUZZ_CHECK(prefix_tree_contains(tree, &addr, &matched));
    FUZZ_CHECK(matched <= len);
    /* any address of the block: host bits from the input */
    struct ip_addr inside = addr;
    for (unsigned bit = len; bit < prefix_max_len(&addr); bit++)
        if (fz_u8(f) & 1)
            inside.bytes[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
    FUZZ_CHECK(prefix_tree_contains(tree, &inside, NULL));
}

static void check_value(const char *text)
{
    double rate;
    if (cli_parse_rate(text, &rate))
        FUZZ_CHECK(rate > 0 && isfinite(rate));
    struct ip_addr a, b;
    uint16_t port, port2;
    if (ip_endpoint_parse(text, &a, &port) == TCPREQ_OK) {
        char ip[IP_ADDR_STRLEN], again[IP_ADDR_STRLEN + 16];
        ip_addr_format(&a, ip, sizeof(ip));
        snprintf(again, sizeof(again), a.family == IP_FAMILY_V6 ? "[%s]:%u" : "%s:%u", ip, port);
        FUZZ_CHECK(port >= 1 && ip_endpoint_parse(again, &b, &port2) == TCPREQ_OK);
        FUZZ_CHECK(ip_addr_equal(&a, &b) && port == port2);
    }
}

static void check_command_line(char **args, int n)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = "tcpreq";
    for (int i = 0; i < n && argc < MAX_ARGS; i++)
        if (args[i][0] != '@') /* @FILE would read files of the fuzzing machine */
            argv[argc++] = args[i];
    argv[argc] = NULL;
    struct cli_options opts;
    /* usage errors are expected by the thousand: keep them off the fuzzer's log */
    FILE *saved = stderr, *null = fopen("/dev/null", "w");
    if (null != NULL)
        stderr = null;
    int rc = cli_parse(argc, argv, &opts);
    stderr = saved;
    if (null != NULL)
        fclose(null);
    FUZZ_CHECK(rc == 0 || rc == EXIT_USAGE);
    if (rc == 0 && !opts.help && !opts.list_tests && !opts.version) { /* a scan */
        FUZZ_CHECK(opts.shard_count == 0 || opts.shard_index < opts.shard_count);
        FUZZ_CHECK(opts.timing.floor <= opts.timing.ceil);
        FUZZ_CHECK(opts.rate > 0 && isfinite(opts.rate) && opts.max_inflight >= 1);
        FUZZ_CHECK(opts.src4.family == 0 || opts.src4.family == IP_FAMILY_V4);
        FUZZ_CHECK(opts.src6.family == 0 || opts.src6.family == IP_FAMILY_V6);
        FUZZ_CHECK(opts.src4.family != 0 || opts.src6.family != 0);
        for (size_t i = 0; i < opts.n_targets; i++)
            FUZZ_CHECK(opts.targets[i].port >= 1);
    }
    cli_free(&opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct prefix_tree tree;
    prefix_tree_init(&tree);
    FILE *in = fmemopen((void *)data, size, "r");
    char err[512] = "";
    int rc = size > 0 && in != NULL ? blocklist_load(in, "fuzz", &tree, NULL, err, sizeof(err))
                                    : TCPREQ_OK;
    if (in != NULL)
        fclose(in);
    FUZZ_CHECK(rc == TCPREQ_OK || (rc < 0 && strncmp(err, "fuzz:", 5) == 0));
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    /* messages are escaped: nothing below a space or above '~' reaches a terminal */
    for (const char *c = err; *c != '\0'; c++)
        FUZZ_CHECK(*c >= ' ' && *c <= '~');

    static char lines[MAX_ARGS][LINE_MAX_COPY];
    char *args[MAX_ARGS];
    int n = 0;
    struct fz bits = {data, size};
    for (size_t pos = 0; pos < size && n < MAX_ARGS;) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t len = (nl != NULL ? (size_t)(nl - data) : size) - pos;
        size_t keep = len < LINE_MAX_COPY - 1 ? len : LINE_MAX_COPY - 1;
        memcpy(lines[n], data + pos, keep);
        lines[n][keep] = '\0';
        if (strlen(lines[n]) == keep) { /* lines with a NUL are no argument */
            if (rc == TCPREQ_OK && len < LINE_MAX_COPY - 1) {
                char *cr = strchr(lines[n], '\r');
                char line[LINE_MAX_COPY];
                snprintf(line, sizeof(line), "%.*s", cr ? (int)(cr - lines[n]) : (int)keep,
                         lines[n]);
                check_blocklist_line(&tree, line, &bits);
            }
            check_value(lines[n]);
            args[n] = lines[n];
            n++;
        }
        pos += len + 1;
    }
    check_command_line(args, n);
    prefix_tree_free(&tree);
    return 0;
}
