/*
 * What the libFuzzer targets of fuzz/ share. Each fuzz/fuzz-<what>.c
 * defines its harness with FUZZ_TARGET(what): a function fuzz_<what>()
 * that feeds one input to a parser and checks what comes out, and, in the
 * fuzz build, the LLVMFuzzerTestOneInput() that libFuzzer calls. With
 * FUZZ_REPLAY defined (tests/check_fuzz_corpus, a plain `make check`
 * program) only fuzz_<what>() is defined, so that one program can replay
 * the seed corpus of every target without libFuzzer.
 *
 * A broken invariant is reported by fuzz_fail(), which prints what broke
 * (and the input's file name when replaying) and aborts, so that libFuzzer
 * keeps the input as a crash.
 */
#ifndef TERN_FUZZ_H
#define TERN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "text.h"

#ifdef FUZZ_REPLAY
#define FUZZ_ENTRY(name)
#else
#define FUZZ_ENTRY(name)						\
	int LLVMFuzzerTestOneInput(const uint8_t *, size_t);		\
	int								\
	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)	\
	{								\
		fuzz_init();						\
		return (fuzz_##name(data, size));			\
	}
#endif

#define FUZZ_TARGET(name)						\
	int fuzz_##name(const uint8_t *, size_t);			\
	FUZZ_ENTRY(name)						\
	int								\
	fuzz_##name(const uint8_t *data, size_t size)

/* The harnesses, for tests/check_fuzz_corpus. */
int	fuzz_compose(const uint8_t *, size_t);
int	fuzz_config(const uint8_t *, size_t);
int	fuzz_format(const uint8_t *, size_t);
int	fuzz_fetchparse(const uint8_t *, size_t);
int	fuzz_header(const uint8_t *, size_t);
int	fuzz_html(const uint8_t *, size_t);
int	fuzz_imapresp(const uint8_t *, size_t);
int	fuzz_mailcap(const uint8_t *, size_t);
int	fuzz_message(const uint8_t *, size_t);
int	fuzz_oauth(const uint8_t *, size_t);
int	fuzz_pop3parse(const uint8_t *, size_t);
int	fuzz_respfilter(const uint8_t *, size_t);
int	fuzz_search(const uint8_t *, size_t);
int	fuzz_smtpparse(const uint8_t *, size_t);
int	fuzz_text(const uint8_t *, size_t);
int	fuzz_thread(const uint8_t *, size_t);
int	fuzz_utf7(const uint8_t *, size_t);

/* The input being replayed, named in failures; NULL under libFuzzer. */
extern const char *fuzz_input_name;

/* Set up what every harness needs (a UTF-8 LC_CTYPE, TZ=UTC) once. */
void	fuzz_init(void);
/* Print "fuzz: " and the message, then abort(). */
void	fuzz_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* A NUL-terminated copy of SIZE bytes at DATA; free() it. */
char	*fuzz_strndup(const uint8_t *, size_t);
/*
 * Split the input at the first '\n': *HEAD_R gets a NUL-terminated copy of
 * what comes before it (free() it), *REST_R and *REST_LEN_R what follows
 * (the whole input has no '\n': the head is all of it, the rest empty).
 */
void	fuzz_split(const uint8_t *, size_t, char **, const uint8_t **,
	    size_t *);
/* Fail unless LEN bytes at S (WHAT in the message) are valid UTF-8. */
void	fuzz_check_utf8(const char *, const char *, size_t);
/*
 * Fail unless LEN bytes at S are safe on a terminal (text.h's promise:
 * tests/testutil.c's checker), with '\n' allowed when ALLOW_NL.
 */
void	fuzz_check_safe(const char *, const char *, size_t, int);
/*
 * Fail unless the lines of a text_wrap() at COLS columns are each safe, on
 * one line, and no wider than COLS (a character wider than COLS may stand
 * alone on its line, with zero-width ones), and, unless S is NULL, hold
 * every character of sanitised S that is not a space or a newline, in
 * order.
 */
void	fuzz_check_wrap(const char *, const struct text_lines *, int,
	    const char *);
/*
 * Render LEN bytes of UTF-8 text as the pager does: text_sanitize() with
 * FLAGS, then text_wrap() at 72 columns, the lines checked for safety and
 * width.
 */
void	fuzz_render(const char *, const char *, size_t, int);

#endif
