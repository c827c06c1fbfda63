#include "common/escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRINTABLE_FIRST 0x20
#define PRINTABLE_LAST 0x7e

static bool plain(unsigned char c)
{
    return c >= PRINTABLE_FIRST && c <= PRINTABLE_LAST && c != '\\';
}

char *escape_bytes(char *dst, size_t cap, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        char esc[ESCAPE_BYTE_MAX];
        size_t w;
        if (plain(c)) {
            esc[0] = (char)c;
            w = 1;
        } else if (c == '\\') {
            esc[0] = esc[1] = '\\';
            w = 2;
        } else {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 0xf];
            w = ESCAPE_BYTE_MAX;
        }
        if (n + w >= cap)
            break;
        memcpy(dst + n, esc, w);
        n += w;
    }
    dst[n] = '\0';
    return dst;
}

char *escape_str(char *dst, size_t cap, const char *src)
{
    return escape_bytes(dst, cap, src, strlen(src));
}

char *escape_vformat(char *dst, size_t cap, size_t fmt_cap, const char *fmt, va_list ap)
{
    char *msg = malloc(fmt_cap);
    if (msg == NULL) {
        escape_str(dst, cap, fmt); /* out of memory: at least the message's own words */
        return dst;
    }
    int n = vsnprintf(msg, fmt_cap, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < fmt_cap ? (size_t)n : fmt_cap - 1;
    escape_bytes(dst, cap, msg, len);
    free(msg);
    return dst;
}

bool escape_is_plain(const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!plain((unsigned char)src[i]))
            return false;
    return true;
}
