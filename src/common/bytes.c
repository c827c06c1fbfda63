#include "common/bytes.h"

#include <stdio.h>

#define HEX_BYTE_CHARS 2

void bytes_hex(const uint8_t *bytes, size_t len, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < len && n + HEX_BYTE_CHARS < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%02x", bytes[i]);
}
