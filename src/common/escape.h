/* Bytes from input (files, packets, captures) made safe for a terminal, a log or a JSON
 * string: printable ASCII stays as it is, every other byte (control characters such as ESC,
 * which would let a file drive the terminal, DEL, bytes above 0x7f, NUL) and the backslash
 * itself become \xNN (backslash: \\). The result is plain printable ASCII, hence valid UTF-8
 * (jansson's json_string refuses anything that is not). */
#ifndef TCPREQ_ESCAPE_H
#define TCPREQ_ESCAPE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest escape of one byte ("\xNN"). */
#define ESCAPE_BYTE_MAX 4
/* Room that escaping len bytes can need, with the terminating NUL. */
#define ESCAPE_CAP(len) ((len)*ESCAPE_BYTE_MAX + 1)

/* Escape src[0..len) into dst (cap bytes, cap >= 1), always NUL-terminated; an escape is
 * never cut in half: what does not fit is left out whole. Returns dst. */
char *escape_bytes(char *dst, size_t cap, const char *src, size_t len);
/* The same for a NUL-terminated string. */
char *escape_str(char *dst, size_t cap, const char *src);
/* Format (vsnprintf) into a buffer of fmt_cap bytes, cut there, and escape the result
 * into dst: for a message that quotes input. Returns dst. */
char *escape_vformat(char *dst, size_t cap, size_t fmt_cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Whether escape_bytes would copy src unchanged. */
bool escape_is_plain(const char *src, size_t len);

#endif
