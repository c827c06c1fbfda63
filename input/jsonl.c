/* --json FILE: one JSON object per line, {ip, port, host?, ...}; every key is kept in the
 * record, so the output object carries the input's keys as the original tcpreq's did. */
#include <string.h>

#include "input/input.h"

#define PORT_MAX 65535

static int jsonl_parse_line(struct input_reader *r, char *line, size_t len, struct target *out)
{
    json_error_t err;
    /* jansson rejects invalid UTF-8, so no bad byte reaches the output */
    json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
    if (obj == NULL) {
        input_bad_line(r, "invalid JSON: %s", err.text);
        return 0;
    }
    const char *why = NULL;
    json_t *jip = json_object_get(obj, "ip");
    json_t *jport = json_object_get(obj, "port");
    json_t *jhost = json_object_get(obj, "host");
    json_int_t p = 0;
    if (!json_is_object(obj))
        why = "not a JSON object";
    else if (!json_is_string(jip) || ip_addr_parse(json_string_value(jip), &out->ip) != 0)
        why = "\"ip\" is not an IPv4 or IPv6 address";
    else if (!json_is_integer(jport) || (p = json_integer_value(jport)) < 1 || p > PORT_MAX)
        why = "\"port\" is not an integer in 1..65535";
    else if (jhost != NULL && !json_is_string(jhost) && !json_is_null(jhost))
        why = "\"host\" is neither a string nor null";
    if (why != NULL) {
        input_bad_line(r, "%s", why);
        json_decref(obj);
        return 0;
    }
    if (jhost == NULL && json_object_set_new(obj, "host", json_null()) != 0) {
        json_decref(obj);
        return -1;
    }
    out->port = (uint16_t)p;
    out->record = obj;
    return 1;
}

const struct input_format input_jsonl = {
    .name = "jsonl",
    .option = "--json",
    .help = "targets from JSON Lines {ip, port, host?, ...} (every key\n"
            "is kept in the output); repeatable, '-' = stdin",
    .parse_line = jsonl_parse_line,
};
