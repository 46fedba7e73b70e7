/*
 * Helpers shared by the unit suites: a strict UTF-8 validator, the
 * terminal-safety checker that every sanitised string must pass, a seeded
 * pseudo-random generator and a UTF-8 locale for wcwidth().
 */
#ifndef TERN_TESTUTIL_H
#define TERN_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Return 1 if LEN bytes at S are valid UTF-8; else 0 and the offset. */
int tu_utf8_valid(const char *s, size_t len, size_t *bad_r);
/*
 * Return 1 if LEN bytes at S are safe to print on a terminal: valid UTF-8,
 * no byte below 0x20 (except '\n' when ALLOW_NL), no DEL, no C1 control,
 * no bidirectional control and no zero-width or invisible format code
 * point. Else 0, with a description of the first problem in WHY.
 */
int tu_terminal_safe(const char *s, size_t len, int allow_nl, char *why,
    size_t whylen);
/* A small seeded generator (xorshift64*), the same on every platform. */
uint64_t tu_rand(uint64_t *state);
/* Switch LC_CTYPE to a UTF-8 locale; return 0, or -1 if there is none. */
int tu_utf8_locale(void);

#endif
