/*
 * Allocation wrappers that abort with a message when memory runs out, so
 * that callers never handle NULL from an allocation.
 */
#ifndef TERN_XMALLOC_H
#define TERN_XMALLOC_H

#include <stddef.h>

/* Allocate SIZE bytes; never returns NULL. Free with free(). */
void *xmalloc(size_t size);
/* Allocate NMEMB zeroed elements of SIZE bytes; never returns NULL. */
void *xcalloc(size_t nmemb, size_t size);
/* Resize PTR to NMEMB elements of SIZE bytes (overflow-checked). */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* Duplicate S; xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
/* Duplicate at most N bytes of S and terminate the copy. */
char *xstrndup(const char *s, size_t n);
/* Format into a new string; never returns NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Clear SIZE bytes at P in a way the compiler does not remove. */
void xzero(void *p, size_t size);
/* Clear and free a secret string; NULL is a no-op. */
void xfree_secret(char *s);

#endif
