/*
 * Parsing a message for reading: header decoding (RFC 2047), the choice of
 * the text part of a MIME tree, transfer decoding and charset conversion to
 * UTF-8. Pure functions over buffers; the results are UTF-8 but NOT yet
 * terminal-safe: the UI passes them through text_sanitize().
 */
#ifndef TERN_MIME_H
#define TERN_MIME_H

#include <stddef.h>
#include <time.h>

/*
 * Decode the raw header value RAW (LEN bytes, may be unfolded or folded):
 * RFC 2047 encoded words in any charset iconv knows (adjacent encoded words
 * joined without the space between them), raw 8-bit bytes taken as UTF-8
 * when valid and as windows-1252 otherwise. Unknown charsets and invalid
 * bytes become U+FFFD. Returns a new UTF-8 string; free() it.
 */
char *mime_decode_header(const char *raw, size_t len);

/*
 * Convert LEN bytes at S from CHARSET (NULL or "" means us-ascii) to UTF-8.
 * iso-8859-1 and us-ascii are read as windows-1252 (the usual mislabelling);
 * an unknown charset keeps ASCII and turns every other byte into U+FFFD, as
 * does any byte iconv rejects. Returns a new NUL-terminated string and its
 * length in *LEN_R (may be NULL); free() it.
 */
char *mime_to_utf8(const char *charset, const char *s, size_t len,
    size_t *len_r);

/*
 * Parse an RFC 5322 date (e.g. "Tue, 1 Jul 2003 10:52:37 +0200", obsolete
 * forms included). Returns the time, or -1 when S is not a date.
 */
time_t mime_parse_date(const char *s);

/* A message made ready for the pager. All strings are UTF-8 and owned. */
struct mime_message {
	char *from;		/* decoded header values; NULL when absent */
	char *to;
	char *cc;
	char *date;
	char *subject;
	char *text;		/* the chosen text part, decoded, never NULL */
	size_t text_len;
	int nparts;		/* leaf parts in the MIME tree */
};

/*
 * Parse the raw message RAW (LEN bytes) into MSG_R: the headers above and
 * the best text part (text/plain first, then text/html with its tags
 * stripped), with its transfer encoding undone and its charset converted.
 * Returns 0, or -1 when nothing could be parsed (MSG_R then holds the raw
 * bytes converted as text so that something can still be shown).
 * Release with mime_message_release().
 */
int mime_message_parse(const char *raw, size_t len, struct mime_message *msg_r);
void mime_message_release(struct mime_message *msg);

#endif
