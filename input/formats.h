/* Per-format line parsers behind input_next (input.h). Each returns 1 with a target, 0 for a
 * line that yields none (already reported or counted), negative on allocation failure. */
#ifndef TCPREQ_INPUT_FORMATS_H
#define TCPREQ_INPUT_FORMATS_H

#include "input/input.h"

/* Report a bad line: "tcpreq: FILE:LINE: reason", counted. */
void input_bad_line(struct input_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int jsonl_parse_line(struct input_reader *r, const char *line, size_t len, struct ip_addr *ip,
                     uint16_t *port, json_t **record);
/* Nmap XML is not line-based: it reads r->in itself. nmap_close frees its parser. */
int nmap_next(struct input_reader *r, struct ip_addr *ip, uint16_t *port, json_t **record);
void nmap_close(struct input_reader *r);
int zmap_parse_line(struct input_reader *r, char *line, struct ip_addr *ip, uint16_t *port,
                    json_t **record);

#endif
