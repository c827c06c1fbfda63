#include "resume.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

#define PORT_MAX 65535

/* The record's target and whether it was filtered, or false if the line is no record. */
static bool parse_record(const char *line, size_t len, struct ip_addr *ip, uint16_t *port,
                         bool *filtered /* a DISC or FLTR record */)
{
    json_t *rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    bool ok = false;
    if (json_is_object(rec)) {
        const char *ip_text = json_string_value(json_object_get(rec, "ip"));
        json_t *port_v = json_object_get(rec, "port");
        json_int_t p = json_integer_value(port_v);
        const char *status = json_string_value(json_object_get(rec, "_status"));
        ok = ip_text != NULL && ip_addr_parse(ip_text, ip) == 0 && json_is_integer(port_v) &&
             p >= 1 && p <= PORT_MAX && json_is_array(json_object_get(rec, "results"));
        *port = (uint16_t)p;
        *filtered = status != NULL && (strcmp(status, "FLTR") == 0 || strcmp(status, "DISC") == 0);
    }
    json_decref(rec);
    return ok;
}

int resume_load(FILE *in, struct target_set *set, struct resume_scan *scan)
{
    memset(scan, 0, sizeof(*scan));
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = TCPREQ_OK;
    while ((got = getline(&line, &cap, in)) > 0) {
        if (line[got - 1] != '\n') {
            scan->partial_tail = true; /* only the last line can lack its newline */
            break;
        }
        scan->valid_len += got;
        struct ip_addr ip;
        uint16_t port;
        bool filtered;
        if (!parse_record(line, (size_t)got, &ip, &port, &filtered)) {
            scan->bad_lines++;
            continue;
        }
        scan->records++;
        rc = target_set_add(set, &ip, port, filtered ? 0 : TARGET_RESUMED_DONE);
        if (rc != TCPREQ_OK)
            break;
        uint8_t *flags = target_set_flags(set, &ip, port);
        if (filtered && TARGET_WRITTEN_COUNT(*flags) < TARGET_WRITTEN_MAX)
            *flags = (uint8_t)(*flags + (1u << TARGET_WRITTEN_SHIFT));
    }
    if (rc == TCPREQ_OK && ferror(in))
        rc = TCPREQ_ESYS;
    free(line);
    return rc;
}

int resume_load_file(const char *path, struct target_set *set, struct resume_scan *scan)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        memset(scan, 0, sizeof(*scan));
        return errno == ENOENT ? TCPREQ_OK : TCPREQ_ESYS;
    }
    int rc = resume_load(f, set, scan);
    fclose(f);
    return rc;
}

int resume_open_output(const char *out_path, const char *resume_path, off_t valid_len, FILE **out)
{
    struct stat out_st, resume_st;
    bool same = resume_path != NULL && stat(out_path, &out_st) == 0 &&
                stat(resume_path, &resume_st) == 0 && out_st.st_dev == resume_st.st_dev &&
                out_st.st_ino == resume_st.st_ino;
    if (same && truncate(out_path, valid_len) != 0)
        return TCPREQ_ESYS;
    *out = fopen(out_path, same ? "a" : "w");
    return *out != NULL ? TCPREQ_OK : TCPREQ_ESYS;
}
