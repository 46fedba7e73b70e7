/*
 * Helpers shared by the unit suites and the fuzz targets: a strict UTF-8
 * validator, the terminal-safety checker that every sanitised string must
 * pass, a seeded pseudo-random generator, a UTF-8 locale for wcwidth(),
 * strings escaped for failure messages, whole files, the shared corpus
 * and scratch folders (tests/testutil.c); and for the Check suites alone,
 * their main() (tests/testutil-check.c, which needs libcheck).
 */
#ifndef TERN_TESTUTIL_H
#define TERN_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* The number of rows of the array A. */
#define TU_NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

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
/*
 * LEN bytes at S for a failure message, control bytes as \xNN: one of
 * four static buffers in turn (so a message may show four), truncated;
 * "(null)" for NULL.
 */
const char *tu_show(const char *s, size_t len);
/* The whole file PATH, NUL-terminated (free() it), or NULL (errno set). */
char *tu_read_file(const char *path, size_t *len_r);
/*
 * The shared corpus of real messages ($TERN_CORPUS, which the Makefile
 * sets to ../shared/corpus beside the source tree, else
 * /work/shared/corpus), and whether it is there to read.
 */
const char *tu_corpus_dir(void);
int tu_corpus_present(void);
/*
 * A new private folder under $TMPDIR (else /tmp) named NAME.XXXXXX, or
 * NULL; tu_scratch_free() removes it with all it holds and frees the
 * path (NULL is a no-op).
 */
char *tu_scratch_new(const char *name);
void tu_scratch_free(char *dir);

struct Suite;
/*
 * Run the Check suite S (CK_VERBOSITY decides the output) and free it:
 * the exit status for main(), EXIT_SUCCESS when every test passed.
 */
int tu_run(struct Suite *s);

#endif
