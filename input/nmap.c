/* --nmap FILE: Nmap's XML output (-oX). Every <host> whose <status state="up"> has an IPv4 or
 * IPv6 <address> yields one target per <port protocol="tcp"> whose <state state="open">.
 * The host's name is the one given to Nmap on its command line (<hostname type="user">), as
 * that is the name the target answers to; reverse-DNS (PTR) names are not used.
 *
 * Parsed with libxml2's SAX2 push parser, fed a chunk at a time: no tree is built, so memory
 * stays flat in the file's size, and every element before an error has been delivered when
 * the error is found, so a truncated file (nmap killed mid-scan) keeps all of its complete
 * ports. The parser never touches the network (XML_PARSE_NONET) and loads no external DTD;
 * a document declaring entities is refused at the declaration, before anything could be
 * expanded. XML that is not well-formed cannot be resynchronised: the first error is
 * reported with its line and the rest of the file skipped. Nmap writes <status>, <address>
 * and <hostnames> before <ports>, so each open port is complete at its </port>. */
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"
#include "input/xml_bounds.h"

#define PORT_MAX 65535
/* Longest host name kept (RFC 1035 2.3.4: 255 octets). */
#define NMAP_HOSTNAME_MAX 255
/* Bytes handed to the parser at a time; the targets found in one chunk wait in a queue. */
#define NMAP_CHUNK 4096
#define NMAP_WHY_MAX 96
/* Attribute values compared or parsed are copied into buffers of this size; longer ones
 * cannot be an address, a port or a state keyword and are cut (and then rejected). */
#define NMAP_ATTR_MAX 256

struct nmap_target {
    struct ip_addr ip;
    uint16_t port;
    json_t *record;
};

struct nmap_state {
    struct input_reader *r;
    xmlParserCtxtPtr ctxt;
    struct xml_bounds bounds; /* depth, attributes and tag size, checked before libxml2 */
    bool root_seen, stopped, at_end;
    bool read_any; /* a byte of the file was read */
    bool alloc_failed;
    /* the <host> being read */
    bool in_host, host_up, host_bad, have_addr;
    struct ip_addr addr;
    char *hostname; /* type="user" name, or NULL */
    /* the <port> being read */
    bool in_port, port_tcp, port_open;
    uint16_t port;
    /* targets found but not handed out yet (those of the last chunk) */
    struct nmap_target *queue;
    size_t queue_head, queue_len, queue_cap;
};

/* The parser's current line: where the element just parsed ends. */
static void at_parser_line(struct nmap_state *st)
{
    int line = xmlSAX2GetLineNumber(st->ctxt);
    if (line > 0)
        st->r->line = (unsigned long)line;
}

/* Stop parsing this file for good (a file-level error was reported). */
static void stop(struct nmap_state *st)
{
    st->stopped = true;
    st->r->failed = true;
    xmlStopParser(st->ctxt);
}

/* SAX2 attributes come as (localname, prefix, URI, value, end) tuples; the value is not
 * NUL-terminated. Copies the value of name into buf; false when absent. */
static bool attr(const xmlChar **attrs, int n, const char *name, char *buf, size_t cap)
{
    for (int i = 0; i < n; i++) {
        const xmlChar **a = attrs + 5 * i;
        if (strcmp((const char *)a[0], name) != 0)
            continue;
        size_t len = (size_t)(a[4] - a[3]);
        if (len >= cap)
            len = cap - 1;
        memcpy(buf, a[3], len);
        buf[len] = '\0';
        return true;
    }
    return false;
}

static bool attr_is(const xmlChar **attrs, int n, const char *name, const char *value)
{
    char buf[NMAP_ATTR_MAX];
    return attr(attrs, n, name, buf, sizeof(buf)) && strcmp(buf, value) == 0;
}

static void reset_host(struct nmap_state *st)
{
    free(st->hostname);
    st->hostname = NULL;
    st->in_host = st->host_up = st->host_bad = st->have_addr = false;
    st->in_port = false;
}

static void read_address(struct nmap_state *st, const xmlChar **attrs, int n)
{
    char type[NMAP_ATTR_MAX], addr[NMAP_ATTR_MAX];
    if (!attr(attrs, n, "addrtype", type, sizeof(type)))
        return;
    bool v4 = strcmp(type, "ipv4") == 0, v6 = strcmp(type, "ipv6") == 0;
    if ((!v4 && !v6) || st->have_addr)
        return; /* a MAC address (addrtype="mac") is not a target */
    struct ip_addr ip;
    if (!attr(attrs, n, "addr", addr, sizeof(addr)))
        addr[0] = '\0';
    if (ip_addr_parse(addr, &ip) != 0 || (ip.family == IP_FAMILY_V4) != v4) {
        at_parser_line(st);
        input_bad_line(st->r,
                       "<address addr=\"%.60s\" addrtype=\"%s\">: not such an address; "
                       "host skipped",
                       addr, type);
        st->host_bad = true;
        return;
    }
    st->addr = ip;
    st->have_addr = true;
}

static void read_hostname(struct nmap_state *st, const xmlChar **attrs, int n)
{
    char name[NMAP_HOSTNAME_MAX + 2];
    if (st->hostname != NULL || !attr_is(attrs, n, "type", "user") ||
        !attr(attrs, n, "name", name, sizeof(name)) || name[0] == '\0' ||
        strlen(name) > NMAP_HOSTNAME_MAX)
        return;
    if ((st->hostname = strdup(name)) == NULL)
        st->alloc_failed = true;
}

static void read_port(struct nmap_state *st, const xmlChar **attrs, int n)
{
    st->in_port = true;
    st->port_open = false;
    st->port_tcp = attr_is(attrs, n, "protocol", "tcp");
    if (!st->port_tcp)
        return;
    char id[NMAP_ATTR_MAX];
    if (!attr(attrs, n, "portid", id, sizeof(id)))
        id[0] = '\0';
    char *end = NULL;
    unsigned long p = strtoul(id, &end, 10);
    if (id[0] < '0' || id[0] > '9' || *end != '\0' || p < 1 || p > PORT_MAX) {
        at_parser_line(st);
        input_bad_line(st->r, "<port portid=\"%.20s\">: not a port in 1..65535; port skipped", id);
        st->port_tcp = false;
        return;
    }
    st->port = (uint16_t)p;
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces;
    struct nmap_state *st = ctx;
    const char *name = (const char *)localname;
    int n = nb_attributes + nb_defaulted;
    if (st->stopped)
        return;
    if (!st->root_seen) {
        st->root_seen = true;
        if (strcmp(name, "nmaprun") != 0) {
            at_parser_line(st);
            input_bad_line(st->r,
                           "root element <%.40s>, not <nmaprun>: not an Nmap XML file "
                           "(nmap -oX); file skipped",
                           name);
            stop(st);
        }
        return;
    }
    if (strcmp(name, "host") == 0) {
        reset_host(st);
        st->in_host = true;
    } else if (!st->in_host) {
        return; /* <hosthint>'s <status> and <address> are a guess, not a result */
    } else if (strcmp(name, "status") == 0) {
        st->host_up = attr_is(attrs, n, "state", "up");
    } else if (strcmp(name, "address") == 0) {
        read_address(st, attrs, n);
    } else if (strcmp(name, "hostname") == 0) {
        read_hostname(st, attrs, n);
    } else if (strcmp(name, "port") == 0) {
        read_port(st, attrs, n);
    } else if (strcmp(name, "state") == 0 && st->in_port) {
        st->port_open = attr_is(attrs, n, "state", "open");
    }
}

static void enqueue(struct nmap_state *st)
{
    if (st->queue_head + st->queue_len == st->queue_cap) {
        size_t cap = st->queue_cap != 0 ? 2 * st->queue_cap : 16;
        struct nmap_target *grown = realloc(st->queue, cap * sizeof(*grown));
        if (grown == NULL) {
            st->alloc_failed = true;
            return;
        }
        st->queue = grown;
        st->queue_cap = cap;
    }
    struct nmap_target *t = &st->queue[st->queue_head + st->queue_len];
    char buf[IP_ADDR_STRLEN];
    ip_addr_format(&st->addr, buf, sizeof(buf));
    t->ip = st->addr;
    t->port = st->port;
    t->record =
        st->hostname != NULL
            ? json_pack("{s:s, s:i, s:s}", "ip", buf, "port", (int)st->port, "host", st->hostname)
            : json_pack("{s:s, s:i, s:n}", "ip", buf, "port", (int)st->port, "host");
    if (t->record == NULL)
        st->alloc_failed = true;
    else
        st->queue_len++;
}

/* A port ends: queue a target when it is an open TCP port of an up host. */
static void end_port(struct nmap_state *st)
{
    bool wanted = st->in_host && st->in_port && st->port_tcp && st->port_open;
    st->in_port = false;
    if (!wanted || !st->host_up || st->host_bad)
        return;
    if (!st->have_addr) {
        at_parser_line(st);
        input_bad_line(st->r, "open port %u with no IPv4 or IPv6 <address> before it; skipped",
                       st->port);
        return;
    }
    enqueue(st);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix, (void)uri;
    struct nmap_state *st = ctx;
    const char *name = (const char *)localname;
    if (st->stopped)
        return;
    if (strcmp(name, "port") == 0)
        end_port(st);
    else if (strcmp(name, "host") == 0)
        reset_host(st);
}

/* Attribute values are read with entity references expanded, so nested entities ("billion
 * laughs") would make them huge, and external ones would read other files. Nmap declares
 * none: the document is refused at the first declaration. */
static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    struct nmap_state *st = ctx;
    if (st->stopped)
        return;
    at_parser_line(st);
    input_bad_line(st->r, "the document declares entities, which Nmap never writes; file "
                          "skipped");
    stop(st);
}

/* The first error ends the file; later ones are its consequences. Warnings are no reason to
 * distrust the file. */
static void on_error(void *ctx, xmlErrorPtr error)
{
    struct nmap_state *st = ctx;
    if (error == NULL || error->level < XML_ERR_ERROR || st->stopped)
        return;
    const char *msg = error->message != NULL ? error->message : "malformed XML";
    if (error->line > 0)
        st->r->line = (unsigned long)error->line;
    int len = (int)strcspn(msg, "\n");
    if (st->root_seen)
        input_bad_line(st->r, "not well-formed XML: %.*s; rest of the file skipped", len, msg);
    else /* libxml2 calls text that is no XML at all "Document is empty" */
        input_bad_line(st->r, "not an Nmap XML file (nmap -oX): %.*s; file skipped", len, msg);
    stop(st);
}

static int open_parser(struct input_reader *r)
{
    struct nmap_state *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return -1;
    r->state = st;
    st->r = r;
    xml_bounds_init(&st->bounds);
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.entityDecl = on_entity_decl;
    sax.serror = on_error;
    if ((st->ctxt = xmlCreatePushParserCtxt(&sax, st, NULL, 0, r->name)) == NULL)
        return -1;
    xmlCtxtUseOptions(st->ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
    return 0;
}

/* Parse the next piece of the file, or finish at its end: 1, or INPUT_AGAIN when nothing
 * can be read now. The bytes go through the bounds scanner first: what comes before a bound
 * is passed is parsed (its ports are kept), the rest of the file is not. */
static int parse_chunk(struct nmap_state *st)
{
    const char *data = NULL;
    size_t n = 0;
    int rc = input_chunk(st->r, NMAP_CHUNK, &data, &n);
    if (rc == INPUT_AGAIN)
        return rc;
    if (rc <= 0) {
        st->at_end = true;
        n = 0;
        if (rc < 0 || !st->read_any) {
            if (!st->read_any)
                st->r->line = 1;
            if (rc < 0)
                input_bad_line(st->r, "read error: %s", strerror(-rc));
            else
                input_bad_line(st->r, "empty file: not an Nmap XML file (nmap -oX)");
            stop(st);
            return 1;
        }
    }
    st->read_any = true;
    char why[NMAP_WHY_MAX];
    size_t ok = xml_bounds_scan(&st->bounds, data, n, why, sizeof(why));
    if (ok < n) {
        xmlParseChunk(st->ctxt, data, (int)ok, 0);
        if (!st->stopped) {
            st->r->line = st->bounds.line;
            input_bad_line(st->r, "%s, which Nmap never writes; rest of the file skipped", why);
            stop(st);
        }
        return 1;
    }
    xmlParseChunk(st->ctxt, data, (int)n, st->at_end);
    if (st->at_end && !st->root_seen && !st->stopped) {
        input_bad_line(st->r, "no <nmaprun> element: not an Nmap XML file (nmap -oX)");
        stop(st);
    }
    return 1;
}

static int nmap_next(struct input_reader *r, struct target *out)
{
    if (r->state == NULL && open_parser(r) != 0)
        return -1;
    struct nmap_state *st = r->state;
    while (st->queue_len == 0) {
        if (st->alloc_failed)
            return -1;
        if (st->stopped || st->at_end)
            return 0;
        st->queue_head = 0;
        if (parse_chunk(st) == INPUT_AGAIN)
            return INPUT_AGAIN;
    }
    struct nmap_target *t = &st->queue[st->queue_head++];
    st->queue_len--;
    out->ip = t->ip;
    out->port = t->port;
    out->record = t->record;
    return 1;
}

static void nmap_close(struct input_reader *r)
{
    struct nmap_state *st = r->state;
    if (st == NULL)
        return;
    for (size_t i = 0; i < st->queue_len; i++)
        json_decref(st->queue[st->queue_head + i].record);
    free(st->queue);
    reset_host(st);
    if (st->ctxt != NULL) {
        /* libxml2 makes a document to hold the entities of an internal subset, even with
         * no tree being built; it is the caller's to free */
        if (st->ctxt->myDoc != NULL)
            xmlFreeDoc(st->ctxt->myDoc);
        xmlFreeParserCtxt(st->ctxt);
    }
    free(st);
    r->state = NULL;
}

const struct input_format input_nmap = {
    .name = "nmap",
    .option = "--nmap",
    .help = "targets from Nmap XML (nmap -oX): open TCP ports of hosts\n"
            "that are up, IPv4 and IPv6; repeatable",
    .next = nmap_next,
    .close = nmap_close,
};
