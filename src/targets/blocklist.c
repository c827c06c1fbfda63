#include "blocklist.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/escape.h"
#include "common/lines.h"

#define PREFIX_TEXT_MAX 64 /* longer than any address/len; longer lines are malformed */
/* Longest line: an address, a prefix length and a comment. */
#define BLOCKLIST_LINE_MAX 4096
/* Bytes of a bad line quoted in the error (escaped). */
#define ENTRY_SHOWN 60

int blocklist_parse_line(const char *line, struct ip_addr *addr, unsigned *len, bool *host_bits)
{
    const char *start = line, *end;
    while (isspace((unsigned char)*start))
        start++;
    end = strchr(start, BLOCKLIST_COMMENT);
    if (end == NULL)
        end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    if (end == start)
        return 0;
    size_t n = (size_t)(end - start);
    char text[PREFIX_TEXT_MAX];
    if (n >= sizeof(text))
        return TCPREQ_EINVAL;
    memcpy(text, start, n);
    text[n] = '\0';

    char *slash = strchr(text, '/');
    if (slash != NULL)
        *slash = '\0';
    if (ip_addr_parse(text, addr) != 0)
        return TCPREQ_EINVAL;
    unsigned max = prefix_max_len(addr);
    *len = max;
    if (slash != NULL) {
        const char *digits = slash + 1;
        size_t nd = strlen(digits);
        /* digits only (no sign, space or "0x"), at most 3 of them */
        if (nd == 0 || nd > 3 || strspn(digits, "0123456789") != nd)
            return TCPREQ_EINVAL;
        *len = (unsigned)strtoul(digits, NULL, 10);
        if (*len > max)
            return TCPREQ_EINVAL;
    }
    *host_bits = prefix_mask(addr, *len);
    return 1;
}

int blocklist_load(FILE *in, const char *name, struct prefix_tree *tree, FILE *warn, char *err,
                   size_t err_cap)
{
    struct line_reader lines;
    if (line_reader_init(&lines, in, BLOCKLIST_LINE_MAX) != 0) {
        snprintf(err, err_cap, "%s: %s", name, tcpreq_strerror(TCPREQ_ENOMEM));
        return TCPREQ_ENOMEM;
    }
    int rc = TCPREQ_OK;
    size_t got;
    enum line_result lr;
    while ((lr = line_next(&lines, &got)) != LINE_END && lr != LINE_ERROR) {
        unsigned long lineno = lines.number;
        char *line = lines.buf;
        if (lr == LINE_TOO_LONG) {
            snprintf(err, err_cap,
                     "%s:%lu: line longer than %d bytes (expected ADDRESS or "
                     "ADDRESS/LENGTH)",
                     name, lineno, BLOCKLIST_LINE_MAX);
            rc = TCPREQ_EINVAL;
            break;
        }
        struct ip_addr addr;
        unsigned len;
        bool host_bits = false;
        /* A NUL inside the line would hide what follows it from the parser, and printed
         * the line would end there too and look valid: it is named, with its column. */
        const char *nul = memchr(line, '\0', got);
        if (nul != NULL) {
            snprintf(err, err_cap,
                     "%s:%lu: NUL byte at column %zu (a blocklist is text: "
                     "ADDRESS or ADDRESS/LENGTH per line)",
                     name, lineno, (size_t)(nul - line) + 1);
            rc = TCPREQ_EINVAL;
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        int parsed = blocklist_parse_line(line, &addr, &len, &host_bits);
        if (parsed < 0) {
            char shown[ESCAPE_CAP(ENTRY_SHOWN)];
            escape_bytes(shown, sizeof(shown), line, strnlen(line, ENTRY_SHOWN));
            snprintf(err, err_cap,
                     "%s:%lu: invalid blocklist entry '%s' (expected "
                     "ADDRESS or ADDRESS/LENGTH)",
                     name, lineno, shown);
            rc = TCPREQ_EINVAL;
            break;
        }
        if (parsed == 0)
            continue;
        if (host_bits && warn != NULL) {
            char buf[IP_ADDR_STRLEN];
            /* the entry as written, without its indentation or trailing comment */
            const char *entry = line + strspn(line, " \t");
            size_t entry_len = strcspn(entry, " \t#");
            char shown[ESCAPE_CAP(ENTRY_SHOWN)];
            escape_bytes(shown, sizeof(shown), entry,
                         entry_len < ENTRY_SHOWN ? entry_len : ENTRY_SHOWN);
            fprintf(warn, "tcpreq: %s:%lu: warning: host bits set in '%s', using %s/%u\n", name,
                    lineno, shown, ip_addr_format(&addr, buf, sizeof(buf)), len);
        }
        if ((rc = prefix_tree_insert(tree, &addr, len)) != TCPREQ_OK) {
            snprintf(err, err_cap, "%s:%lu: %s", name, lineno, tcpreq_strerror(rc));
            break;
        }
    }
    if (rc == TCPREQ_OK && lr == LINE_ERROR) {
        snprintf(err, err_cap, "%s: read error", name);
        rc = TCPREQ_ESYS;
    }
    line_reader_free(&lines);
    return rc;
}

int blocklist_load_file(const char *path, struct prefix_tree *tree, FILE *warn, char *err,
                        size_t err_cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_cap, "%s: %s", path, strerror(errno));
        return TCPREQ_ESYS;
    }
    int rc = blocklist_load(f, path, tree, warn, err, err_cap);
    fclose(f);
    return rc;
}
