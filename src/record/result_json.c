#include <string.h>

#include "record/record.h"

#define TIMESTAMP_FORMAT "%Y-%m-%dT%H:%M:%SZ"
#define TIMESTAMP_LEN sizeof("YYYY-MM-DDTHH:MM:SSZ")

static json_t *json_string_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *addr_json(const struct ip_addr *a)
{
    char buf[IP_ADDR_STRLEN];
    return json_string(ip_addr_format(a, buf, sizeof(buf)));
}

static json_t *path_json(const struct tc *t)
{
    json_t *path = json_array();
    for (size_t i = 0; i < t->path_len; i++)
        json_array_append_new(path, json_pack("[io]", (int)t->path[i].hop,
                                              addr_json(&t->path[i].router)));
    return path;
}

static json_t *isns_json(const struct tc *t)
{
    json_t *isns = json_array();
    for (size_t i = 0; i < t->n_isns; i++)
        json_array_append_new(isns, json_pack("[fI]", (double)t->isns[i].at / (double)TC_SEC,
                                              (json_int_t)t->isns[i].isn));
    return isns;
}

json_t *result_to_json(const struct tc *t, time_t wall)
{
    char stamp[TIMESTAMP_LEN];
    struct tm tm_utc;
    gmtime_r(&wall, &tm_utc);
    strftime(stamp, sizeof(stamp), TIMESTAMP_FORMAT, &tm_utc);

    json_t *custom = t->result.custom != NULL ? json_deep_copy(t->result.custom) : json_null();
    json_t *stage = t->result.stage >= 0 ? json_integer(t->result.stage) : json_null();
    return json_pack("{s:s, s:s, s:{s:o, s:i, s:n}, s:o, s:o, s:s, s:o, s:o, s:o}",
                     "test", t->kind->name, "timestamp", stamp,
                     "src", "ip", addr_json(&t->env.src), "port", (int)t->env.sport, "host",
                     "path", path_json(t), "isns", isns_json(t),
                     "status", tc_status_name(t->result.status), "stage", stage,
                     "reason", json_string_or_null(t->result.reason), "custom", custom);
}
