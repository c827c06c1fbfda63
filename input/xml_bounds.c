/* The markup scanner of xml_bounds.h: one byte at a time, no allocation. */
#include "input/xml_bounds.h"

#include <stdio.h>
#include <string.h>

#define COMMENT_DASHES 2 /* "--" before '>' ends a comment */
#define CDATA_BRACKETS 2 /* "]]" before '>' ends CDATA */

void xml_bounds_init(struct xml_bounds *b)
{
    memset(b, 0, sizeof(*b));
    b->line = 1;
}

static int step(struct xml_bounds *b, char c)
{
    switch (b->state) {
    case XS_TEXT:
        if (c == '<')
            b->state = XS_LT;
        break;
    case XS_LT:
        if (c == '/') {
            b->state = XS_END;
        } else if (c == '?') {
            b->state = XS_PI;
            b->run = 0;
        } else if (c == '!') {
            b->state = XS_BANG;
        } else {
            b->state = XS_START;
            b->attrs = 0;
            b->tag_bytes = 2;
        }
        break;
    case XS_START:
        if (++b->tag_bytes > XML_TAG_MAX)
            return 3;
        if (c == '"' || c == '\'') {
            b->state = XS_START_Q;
            b->quote = c;
        } else if (c == '=') {
            if (++b->attrs > XML_ATTRS_MAX)
                return 2;
        } else if (c == '>') {
            b->state = XS_TEXT;
            if (b->prev != '/' && ++b->depth > XML_DEPTH_MAX)
                return 1;
        }
        break;
    case XS_START_Q:
        if (++b->tag_bytes > XML_TAG_MAX)
            return 3;
        if (c == b->quote)
            b->state = XS_START;
        break;
    case XS_END:
        if (c == '>') {
            b->state = XS_TEXT;
            if (b->depth > 0)
                b->depth--;
        }
        break;
    case XS_PI:
        if (c == '>' && b->prev == '?')
            b->state = XS_TEXT;
        break;
    case XS_BANG:
        b->run = 0;
        if (c == '-') {
            b->state = XS_BANG_DASH;
        } else if (c == '[') {
            b->state = XS_CDATA;
        } else {
            b->state = XS_DECL;
            b->brackets = 0;
        }
        break;
    case XS_BANG_DASH:
        b->state = c == '-' ? XS_COMMENT : XS_DECL;
        b->run = 0;
        break;
    case XS_COMMENT:
    case XS_CDATA: {
        char closer = b->state == XS_COMMENT ? '-' : ']';
        unsigned need = b->state == XS_COMMENT ? COMMENT_DASHES : CDATA_BRACKETS;
        if (c == '>' && b->run >= need)
            b->state = XS_TEXT;
        else
            b->run = c == closer ? b->run + 1 : 0;
        break;
    }
    case XS_DECL:
        if (c == '"' || c == '\'') {
            b->state = XS_DECL_Q;
            b->quote = c;
        } else if (c == '[') {
            b->brackets++;
        } else if (c == ']' && b->brackets > 0) {
            b->brackets--;
        } else if (c == '>' && b->brackets == 0) {
            b->state = XS_TEXT;
        }
        break;
    case XS_DECL_Q:
        if (c == b->quote)
            b->state = XS_DECL;
        break;
    }
    return 0;
}

size_t xml_bounds_scan(struct xml_bounds *b, const char *p, size_t len, char *why, size_t cap)
{
    for (size_t i = 0; i < len; i++) {
        int bad = step(b, p[i]);
        if (bad != 0) {
            if (bad == 1)
                snprintf(why, cap, "elements nested deeper than %d levels", XML_DEPTH_MAX);
            else if (bad == 2)
                snprintf(why, cap, "a start tag with more than %d attributes", XML_ATTRS_MAX);
            else
                snprintf(why, cap, "a start tag longer than %u bytes", XML_TAG_MAX);
            return i;
        }
        if (p[i] == '\n')
            b->line++;
        b->prev = p[i];
    }
    return len;
}
