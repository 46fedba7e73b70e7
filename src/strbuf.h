/*
 * A growable string. Invariants: buf is never NULL (an empty strbuf points
 * at a shared empty string until the first append), buf[len] is always
 * '\0', and the bytes may hold NULs. Initialise with STRBUF_INIT or
 * strbuf_init(); release with strbuf_release(); take ownership of the bytes
 * with strbuf_detach() (the caller frees them with free()).
 */
#ifndef TERN_STRBUF_H
#define TERN_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

extern char strbuf_empty[];

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { strbuf_empty, 0, 0 }

/* Initialise SB, reserving HINT bytes if HINT is not 0. */
void strbuf_init(struct strbuf *sb, size_t hint);
/* Free the bytes and leave SB empty and reusable. */
void strbuf_release(struct strbuf *sb);
/* Return the bytes (always allocated, NUL-terminated) and reset SB. */
char *strbuf_detach(struct strbuf *sb, size_t *len_r);
/* Make room for EXTRA more bytes. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Truncate to LEN bytes (LEN must not exceed the current length). */
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Append the UTF-8 encoding of code point CP (must be valid). */
void strbuf_add_utf8(struct strbuf *sb, unsigned int cp);

#endif
