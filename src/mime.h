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
 * The raw value of the first header field NAME (any case) in the header
 * block HDR (LEN bytes; CRLF or LF): unfolded, each fold one space, white
 * space trimmed at both ends. NULL when absent or empty; free() it.
 */
char *mime_header_value(const char *hdr, size_t len, const char *name);

/*
 * Convert LEN bytes at S from CHARSET (NULL or "" means us-ascii) to UTF-8.
 * iso-8859-1 is read as windows-1252 and us-ascii as UTF-8 when the bytes
 * are valid UTF-8, else as windows-1252 (the usual mislabellings);
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

/* One header field chosen for display: the name as asked, its value. */
struct mime_header {
	char *name;
	char *value;		/* decoded UTF-8 */
};

/* Which parts get a "[-- Attachment #N: ... --]" line in the text. */
enum mime_attach_lines {
	MIME_ATTACH_NAMED,	/* parts with a file name or "attachment" */
	MIME_ATTACH_ALL,	/* every part not shown as text */
	MIME_ATTACH_NONE
};

/*
 * How a message is made ready for reading; mime_options_init() gives the
 * defaults. The strings belong to the caller and must live as long as
 * the call that uses them.
 */
struct mime_options {
	int prefer_html;	/* text/html before text/plain (default 0) */
	int reflow;		/* join format=flowed lines (default 1) */
	enum mime_attach_lines attach_lines;	/* default NAMED */
	/* Header names shown, NULL-terminated; NULL: From To Cc Date Subject. */
	const char *const *headers;
	/*
	 * Render the UTF-8 HTML of a text/html part shown as the text (LEN
	 * bytes at HTML) for the reader, e.g. through a mailcap entry. Returns
	 * a new string (mime free()s it; its bytes are read as UTF-8, invalid
	 * ones replaced) and its length in *LEN_R, or NULL to fall back on the
	 * built-in converter. NULL: always the built-in converter.
	 */
	char *(*html_render)(void *arg, const char *html, size_t len,
	    size_t *len_r);
	void *html_arg;
};

/*
 * What "has an attachment" means (has:attachment, the index's 'a'): the
 * top-level Content-Type holds this. It is what IMAP can ask the server
 * (a HEADER search), so that the server and the cache answer alike:
 * messages sent with attachments are multipart/mixed; a lone non-text
 * part, or attachments inside a signed message, do not count.
 */
#define MIME_ATTACHMENT_TYPE "multipart/mixed"

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
	int has_attachment;	/* see MIME_ATTACHMENT_TYPE */
	struct mime_header *headers;	/* the fields of the options' list */
	size_t nheaders;
};

/*
 * Parse the raw message RAW (LEN bytes) into MSG_R: the headers above,
 * whether it has an attachment, and the best text part (text/plain first,
 * then text/html with its tags stripped), with its transfer encoding
 * undone and its charset converted.
 * Returns 0, or -1 when nothing could be parsed (MSG_R then holds the raw
 * bytes converted as text so that something can still be shown).
 * Release with mime_message_release().
 */
int mime_message_parse(const char *raw, size_t len, struct mime_message *msg_r);
/*
 * As mime_message_parse(), with OPTS (NULL: the defaults): the choice of
 * text/plain or text/html, format=flowed reflowed, the HTML renderer, one
 * line "[-- Attachment #N: name (type, size) --]" per part not shown (N
 * as in mime_parts(), counted from 1) and the header fields of the list
 * in MSG_R->headers (those present, in the order of the list).
 */
int mime_message_parse_opts(const char *raw, size_t len,
    const struct mime_options *opts, struct mime_message *msg_r);
void mime_message_release(struct mime_message *msg);
/* Fill OPTS with the defaults. */
void mime_options_init(struct mime_options *opts);

enum mime_disposition {
	MIME_DISP_NONE,		/* no Content-Disposition */
	MIME_DISP_INLINE,
	MIME_DISP_ATTACHMENT
};

/*
 * One part of a message's MIME tree, in depth-first order: the containers
 * (multipart, message/rfc822) and their leaves. The strings are UTF-8,
 * owned, and NOT terminal-safe nor path-safe: the UI sanitises them.
 */
struct mime_part {
	size_t index;		/* its place in the walk, from 0 */
	int depth;		/* 0 for the top part */
	char *type;		/* "image/png", lower case */
	char *charset;		/* the charset parameter, or NULL */
	char *filename;		/* decoded (RFC 2231/2047), or NULL */
	char *description;	/* Content-Description, decoded, or NULL */
	size_t size;		/* the decoded size in bytes */
	enum mime_disposition disposition;
	int container;		/* a multipart or an embedded message */
	int shown;		/* its text is part of the reader's text */
};

/*
 * List the parts of the raw message RAW (LEN bytes) into *PARTS_R (*N_R
 * of them). Returns 0, or -1 when the message has no MIME structure to
 * walk (then *PARTS_R is NULL and *N_R 0). Free with mime_parts_free().
 */
int mime_parts(const char *raw, size_t len, struct mime_part **parts_r,
    size_t *n_r);
/* Free N parts from mime_parts(); NULL is a no-op. */
void mime_parts_free(struct mime_part *parts, size_t n);
/*
 * The bytes of part INDEX (see mime_parts()) with the transfer encoding
 * undone: a leaf's content, an embedded message's whole text, a
 * multipart's body. Returns 0 and a new buffer in *DATA_R (free() it; NUL
 * added after *LEN_R bytes), or -1 when there is no such part.
 */
int mime_part_data(const char *raw, size_t len, size_t index,
    char **data_r, size_t *len_r);
/*
 * Reflow the text/plain format=flowed text S (LEN bytes, UTF-8, lines
 * ending in '\n') per RFC 3676, with DELSP for delsp=yes: flowed lines
 * joined into paragraphs, space-stuffing removed, each paragraph on one
 * line after its quote marks (">> " for depth 2). Appends to SB.
 */
struct strbuf;
void mime_flowed_decode(struct strbuf *sb, const char *s, size_t len,
    int delsp);

#endif
