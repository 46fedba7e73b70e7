/*
 * What tern needs beyond POSIX.1-2008, in one place: each call is used
 * where the system has it (configure checks) and replaced here where it
 * has not. Nothing outside src/compat.c calls a function that is not in
 * POSIX.1-2008, apart from those declared or wrapped below (tools/portcheck
 * builds the tree in strict POSIX mode to keep it so).
 */
#ifndef TERN_COMPAT_H
#define TERN_COMPAT_H

#include <stddef.h>

#ifndef HAVE_MEMMEM
/* The first LEN2 bytes at B2 inside the LEN1 at B1, or NULL (as glibc's). */
void *memmem(const void *b1, size_t len1, const void *b2, size_t len2);
#endif
#ifndef HAVE_STRCASESTR
/* The first NEEDLE in HAYSTACK, ASCII case ignored, or NULL. */
char *strcasestr(const char *haystack, const char *needle);
#endif

/*
 * Restrict the process to what the reader and the commands need (OpenBSD:
 * pledge(2); elsewhere nothing). Returns 0, or -1 with errno set.
 */
int compat_restrict(void);

#endif
