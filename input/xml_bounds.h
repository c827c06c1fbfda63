/* Bounds on XML read from a file, checked on the bytes before libxml2 parses them (--nmap).
 * libxml2 keeps state per open element (99 MB of nested elements took 1.2 GB) and checks
 * the attributes of a start tag for duplicates pairwise (one tag with 400,000 attributes
 * took 45 s of CPU, inside the engine's loop): neither can be bounded from its callbacks,
 * which run after the work is done. So a small scanner follows the markup (tags, quoted
 * values, comments, CDATA, processing instructions, the DOCTYPE with its internal subset)
 * and says where the first bound is passed: element depth, attributes in one start tag,
 * bytes in one start tag. Nmap's documents stay far below each bound. */
#ifndef TCPREQ_XML_BOUNDS_H
#define TCPREQ_XML_BOUNDS_H

#include <stddef.h>

/* Nmap nests nmaprun/host/ports/port/script/table/.../elem: a handful of levels, a few more
 * for a script's nested tables. */
#define XML_DEPTH_MAX 64
/* Nmap's busiest element, <service>, has about 15 attributes. */
#define XML_ATTRS_MAX 64
/* A start tag's bytes, its attribute values included: Nmap's <script output="..."> holds a
 * script's whole output. */
#define XML_TAG_MAX (1u << 20)

enum xml_scan_state {
    XS_TEXT = 0,
    XS_LT,        /* after '<' */
    XS_START,     /* in a start tag */
    XS_START_Q,   /* in a quoted attribute value */
    XS_END,       /* in an end tag */
    XS_PI,        /* <? ... ?> */
    XS_BANG,      /* after "<!" */
    XS_BANG_DASH, /* after "<!-" */
    XS_COMMENT,   /* <!-- ... --> */
    XS_CDATA,     /* <![ ... ]]> */
    XS_DECL,      /* <!DOCTYPE ...> with [internal subset] */
    XS_DECL_Q,    /* a quoted string in a declaration */
};

struct xml_bounds {
    enum xml_scan_state state;
    char quote;         /* the quote character of XS_START_Q / XS_DECL_Q */
    unsigned depth;     /* elements open */
    unsigned attrs;     /* attributes of the start tag being read */
    size_t tag_bytes;   /* bytes of the start tag being read */
    unsigned run;       /* '-', ']' run before a '>' (comments, CDATA); '?' for PIs */
    unsigned brackets;  /* '[' open in a declaration */
    char prev;          /* the byte before (a '/' before '>' closes an empty element) */
    unsigned long line; /* 1-based line of the byte being scanned */
};

void xml_bounds_init(struct xml_bounds *b);
/* Scan len more bytes. Returns len when all are within the bounds; else the offset of the
 * byte that passes one, with why (cap bytes) naming the bound and b->line its line (the
 * state is then undefined: stop reading the document). */
size_t xml_bounds_scan(struct xml_bounds *b, const char *p, size_t len, char *why, size_t cap);

#endif
