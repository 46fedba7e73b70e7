/*
 * Making text safe for a terminal, and measuring it. Everything that came
 * from a server or a message passes through text_sanitize() before any
 * width is measured or anything is drawn.
 *
 * The sanitised form is valid UTF-8 with no C0 or C1 control character, no
 * DEL, no ESC, no bidirectional override or isolate and no zero-width
 * character: invalid UTF-8 becomes U+FFFD, C0 controls and DEL are shown as
 * caret notation (ESC as "^["), and the other dangerous code points as
 * "<U+XXXX>". With TEXT_KEEP_NEWLINES, '\n' is kept and '\t' is expanded to
 * spaces up to the next multiple of 8 columns of its line; "\r\n" becomes
 * "\n" and a lone '\r' is dropped. Without it, '\n', '\r' and '\t' each
 * become one space (headers, subjects, names).
 */
#ifndef TERN_TEXT_H
#define TERN_TEXT_H

#include <stddef.h>

#include "strbuf.h"

#define TEXT_KEEP_NEWLINES 0x1

/* Append the sanitised form of LEN bytes at S to SB. */
void text_sanitize(struct strbuf *sb, const char *s, size_t len, int flags);
/* Return the sanitised form of the C string S (NULL gives ""); free() it. */
char *text_sanitize_dup(const char *s, int flags);
/* Display width in columns of sanitised UTF-8 S (wcwidth per code point). */
int text_width(const char *s);
/*
 * Append to SB the longest prefix of sanitised S that fits in COLS
 * columns, never splitting a character; if PAD, pad with spaces to exactly
 * COLS columns. Returns the columns used (including padding).
 */
int text_fit(struct strbuf *sb, const char *s, int cols, int pad);

/* Lines produced by text_wrap(); each line is a NUL-terminated string. */
struct text_lines {
	char **lines;
	size_t n;
	size_t alloc;
};

#define TEXT_LINES_INIT { NULL, 0, 0 }

/*
 * Wrap sanitised UTF-8 S (which may hold '\n') to COLS columns, breaking at
 * spaces where possible and inside a word only when it is longer than a
 * line; append the lines to OUT. An empty input gives no line; each '\n'
 * ends a line. COLS below 1 is taken as 1.
 */
void text_wrap(struct text_lines *out, const char *s, int cols);
/* Free every line and leave OUT empty. */
void text_lines_release(struct text_lines *out);

/*
 * Decode the next UTF-8 character of S (LEN bytes available). Returns its
 * length in bytes (1 to 4) and stores the code point in *CP_R, or returns
 * 1 with *CP_R = 0xFFFD for an invalid, overlong, surrogate or truncated
 * sequence.
 */
size_t text_utf8_next(const char *s, size_t len, unsigned int *cp_r);

/*
 * The terminal's charset, as nl_langinfo(CODESET) names it: NULL or UTF-8
 * leaves text as it is; any other makes every width above the width of the
 * form text_to_term() gives. Returns -1 if iconv knows no such charset
 * (then only ASCII is shown, '?' for the rest), else 0. Call it before
 * measuring anything for that terminal.
 */
int text_term_set(const char *codeset);
/*
 * Append sanitised UTF-8 S to SB in the terminal's charset: each code point
 * converted with transliteration, '?' for one that has no form there (a
 * plain copy when the terminal is UTF-8).
 */
void text_to_term(struct strbuf *sb, const char *s);

#endif
