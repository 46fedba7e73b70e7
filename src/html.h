/*
 * A small HTML-to-text converter for mail that has no text/plain part. It
 * keeps paragraphs, headings, lists (bullets and numbers), line breaks,
 * block quotes (as "> "), preformatted text as it is and tables roughly;
 * it drops script, style and the head; it decodes character references
 * and lists the links as numbered footnotes ("text[1]" in the body,
 * "[1] https://..." at the end). Pure: a buffer in, a string out.
 */
#ifndef TERN_HTML_H
#define TERN_HTML_H

#include <stddef.h>

/* Leave the links out of the text: no markers and no footnotes. */
#define HTML_NO_LINKS 0x1

/*
 * Convert LEN bytes of UTF-8 HTML at S to text with FLAGS. The result is
 * UTF-8 (invalid input bytes become U+FFFD), lines end in '\n', and it is
 * not yet terminal-safe (see text_sanitize()). Returns a new string and
 * its length in *LEN_R (may be NULL); free() it.
 */
char *html_to_text(const char *s, size_t len, int flags, size_t *len_r);

/*
 * Decode the character reference at S (LEN bytes, S[0] is '&') and append
 * its UTF-8 to SB. Returns the bytes used, or 0 when it is not one.
 */
struct strbuf;
size_t html_entity(struct strbuf *sb, const char *s, size_t len);

#endif
