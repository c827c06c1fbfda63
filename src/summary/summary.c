#include "summary/summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/* Bytes read at a time. */
#define READ_CHUNK (1u << 20)

const char *const sum_status_names[SUM_STATUSES] = {"PASS", "UNK", "FAIL", "ERR", "other"};

/* The reasons tcpreq gives when a middlebox changed a probe (tracebox/mbox.h). */
static const char MBOX_AT_HOP[] = "Middlebox interference detected at or before hop ";
static const char MBOX_UNKNOWN_HOP[] = "Middlebox interference detected at unknown hop";

int summary_init(struct summary *s, const uint8_t seen_key[SEEN_KEY_LEN], FILE *diag)
{
    memset(s, 0, sizeof(*s));
    s->diag = diag;
    seen_init(&s->seen, seen_key);
    jscan_init(&s->rec);
    snprintf(s->other_tests.name, sizeof(s->other_tests.name), "(other tests)");
    return topk_init(&s->other_tests.reasons, SUMMARY_REASONS_TRACKED);
}

void summary_free(struct summary *s)
{
    for (size_t i = 0; i < s->n_tests; i++)
        topk_free(&s->tests[i].reasons);
    topk_free(&s->other_tests.reasons);
    free(s->tests);
    free(s->files);
    free(s->line);
    seen_free(&s->seen);
    jscan_free(&s->rec);
    memset(s, 0, sizeof(*s));
}

static enum sum_status status_of(const char *text)
{
    for (int i = 0; i < SUM_OTHER; i++)
        if (text != NULL && strcmp(text, sum_status_names[i]) == 0)
            return (enum sum_status)i;
    return SUM_OTHER;
}

static void bad_line(struct summary *s, uint64_t line_no, const char *why)
{
    if (s->diag != NULL && s->bad_lines < SUMMARY_EXAMPLES)
        fprintf(s->diag, "tcpreq summary: %s:%llu: %s; line skipped\n", s->files[s->n_files - 1],
                (unsigned long long)line_no, why);
    s->bad_lines++;
}

/* The row of a test name, made at its first appearance. */
static struct sum_test *test_row(struct summary *s, const char *name)
{
    for (size_t i = 0; i < s->n_tests; i++)
        if (strcmp(s->tests[i].name, name) == 0)
            return &s->tests[i];
    if (s->n_tests == SUMMARY_TESTS_MAX || strlen(name) >= SUMMARY_NAME_MAX)
        return &s->other_tests;
    struct sum_test *grown = realloc(s->tests, (s->n_tests + 1) * sizeof(*grown));
    if (grown == NULL)
        return NULL;
    s->tests = grown;
    struct sum_test *t = &s->tests[s->n_tests];
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    if (topk_init(&t->reasons, SUMMARY_REASONS_TRACKED) != TCPREQ_OK)
        return NULL;
    s->n_tests++;
    return t;
}

/* The hop a middlebox reason names: 1.., 0 for "unknown hop", -1 for another reason. */
static int middlebox_hop(const char *reason)
{
    if (strncmp(reason, MBOX_UNKNOWN_HOP, sizeof(MBOX_UNKNOWN_HOP) - 1) == 0)
        return 0;
    if (strncmp(reason, MBOX_AT_HOP, sizeof(MBOX_AT_HOP) - 1) != 0)
        return -1;
    const char *p = reason + sizeof(MBOX_AT_HOP) - 1;
    int hop = 0;
    if (*p < '1' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++)
        if (hop < SUMMARY_HOP_MAX)
            hop = hop * 10 + (*p - '0');
    return hop < SUMMARY_HOP_MAX ? hop : SUMMARY_HOP_MAX;
}

static int count_result(struct summary *s, const struct jscan_result *r, enum sum_status st)
{
    struct sum_test *t = test_row(s, r->test != NULL ? r->test : "(no test name)");
    if (t == NULL)
        return TCPREQ_ENOMEM;
    t->runs++;
    t->counts[st]++;
    if (r->reason == NULL)
        return TCPREQ_OK;
    char key[SUMMARY_REASON_MAX];
    snprintf(key, sizeof(key), "%s\t%s", sum_status_names[st], r->reason);
    int hop = middlebox_hop(r->reason);
    if (hop >= 0) {
        t->middlebox++;
        t->hops[hop]++;
    }
    return topk_add(&t->reasons, key);
}

static void add_duplicate(struct summary *s, const struct ip_addr *ip, uint16_t port,
                          uint64_t line_no, uint32_t first_file)
{
    if (s->duplicates < SUMMARY_EXAMPLES) {
        struct sum_duplicate *d = &s->dup_examples[s->duplicates];
        ip_addr_format(ip, d->ip, sizeof(d->ip));
        d->port = port;
        d->file = (uint32_t)(s->n_files - 1);
        d->first_file = first_file;
        d->line = line_no;
    }
    s->duplicates++;
    s->duplicate_results += s->rec.n_results;
}

/* Count one line (without its newline) as line number line_no of the file being read. */
static int add_line(struct summary *s, const char *line, size_t len, uint64_t line_no)
{
    const char *why = NULL;
    struct jscan_record *rec = &s->rec;
    if (jscan_parse(rec, line, len, &why) != 0) {
        bad_line(s, line_no, why);
        return TCPREQ_OK;
    }
    struct ip_addr ip;
    bool filtered = rec->status != NULL;
    if (rec->ip == NULL || ip_addr_parse(rec->ip, &ip) != 0)
        why = "\"ip\" is not an IPv4 or IPv6 address";
    else if (rec->port < 0)
        why = "\"port\" is not an integer in 1..65535";
    else if (!rec->has_results)
        why = "no \"results\" list";
    else if (filtered && strcmp(rec->status, "DISC") != 0 && strcmp(rec->status, "FLTR") != 0)
        why = "\"_status\" is neither DISC nor FLTR";
    if (why != NULL) {
        bad_line(s, line_no, why);
        return TCPREQ_OK;
    }
    uint32_t first_file = 0;
    int dup = seen_check(&s->seen, &ip, (uint16_t)rec->port, !filtered, (uint32_t)(s->n_files - 1),
                         &first_file);
    if (dup < 0)
        return dup;
    if (dup > 0) {
        add_duplicate(s, &ip, (uint16_t)rec->port, line_no, first_file);
        return TCPREQ_OK;
    }
    s->records++;
    if (filtered) {
        if (strcmp(rec->status, "DISC") == 0)
            s->disc++;
        else
            s->fltr++;
        return TCPREQ_OK;
    }
    bool any[SUM_STATUSES] = {false};
    for (size_t i = 0; i < rec->n_results; i++) {
        enum sum_status st = status_of(rec->results[i].status);
        any[st] = true;
        int rc = count_result(s, &rec->results[i], st);
        if (rc != TCPREQ_OK)
            return rc;
    }
    s->results += rec->n_results;
    struct sum_targets *tg = &s->targets;
    tg->tested++;
    if (rec->n_results == 0)
        tg->no_results++;
    else if (any[SUM_FAIL])
        tg->with_fail++;
    else if (any[SUM_UNK])
        tg->unk_no_fail++;
    else if (any[SUM_ERR] || any[SUM_OTHER])
        tg->err_other++;
    else
        tg->all_pass++;
    return TCPREQ_OK;
}

size_t summary_rows(const struct summary *s)
{
    return s->n_tests + (s->other_tests.runs > 0 ? 1 : 0);
}

struct sum_test *summary_row(struct summary *s, size_t i)
{
    return i < s->n_tests ? &s->tests[i] : &s->other_tests;
}

/* The line being assembled grows up to SUMMARY_LINE_MAX; false when it would pass it. */
static bool line_append(struct summary *s, size_t *len, const char *data, size_t n)
{
    if (*len + n > SUMMARY_LINE_MAX)
        return false;
    if (*len + n > s->line_cap) {
        size_t cap = s->line_cap != 0 ? s->line_cap : 4096;
        while (cap < *len + n)
            cap *= 2;
        char *grown = realloc(s->line, cap);
        if (grown == NULL)
            return false;
        s->line = grown;
        s->line_cap = cap;
    }
    memcpy(s->line + *len, data, n);
    *len += n;
    return true;
}

int summary_read(struct summary *s, FILE *in, const char *name)
{
    const char **files = realloc(s->files, (s->n_files + 1) * sizeof(*files));
    if (files == NULL)
        return TCPREQ_ENOMEM;
    s->files = files;
    s->files[s->n_files++] = name;
    char *chunk = malloc(READ_CHUNK);
    if (chunk == NULL)
        return TCPREQ_ENOMEM;
    uint64_t line_no = 0;
    size_t pending = 0; /* bytes of a line begun in an earlier chunk */
    bool too_long = false;
    int rc = TCPREQ_OK;
    size_t got;
    while (rc == TCPREQ_OK && (got = fread(chunk, 1, READ_CHUNK, in)) > 0) {
        const char *p = chunk, *end = chunk + got;
        while (rc == TCPREQ_OK && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl != NULL ? nl : end;
            const char *line = p;
            size_t len = (size_t)(stop - p);
            if (pending > 0 || nl == NULL) { /* a line across chunks: assemble it */
                if (!too_long && !line_append(s, &pending, p, len))
                    too_long = true;
                line = s->line;
                len = pending;
            }
            p = nl != NULL ? nl + 1 : end;
            if (nl == NULL)
                break;
            line_no++;
            s->lines++;
            if (too_long)
                bad_line(s, line_no, "line longer than 16 MiB");
            else if (len > 0 && !(len == 1 && line[0] == '\r'))
                rc = add_line(s, line, len, line_no);
            pending = 0;
            too_long = false;
        }
    }
    if (rc == TCPREQ_OK && ferror(in))
        rc = TCPREQ_ESYS;
    if (rc == TCPREQ_OK && (pending > 0 || too_long)) {
        /* no newline at the end: a write cut short (a run still going, or killed), unless
         * the object is whole */
        line_no++;
        s->lines++;
        const char *why = NULL;
        if (too_long || jscan_parse(&s->rec, s->line, pending, &why) != 0) {
            s->partial_lines++;
            if (s->diag != NULL)
                fprintf(s->diag, "tcpreq summary: %s:%llu: last line cut short; not counted\n",
                        name, (unsigned long long)line_no);
        } else {
            rc = add_line(s, s->line, pending, line_no);
        }
    }
    free(chunk);
    return rc;
}
