/*
 * What an SMTP server answers, read by tern itself (RFC 5321 section
 * 4.2): replies of one or more lines ("250-..." then "250 ..."), each
 * line's code the same, the enhanced status code of RFC 3463 when the
 * text starts with one, and the extensions an EHLO reply offers (RFC
 * 1870 SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 2920 PIPELINING,
 * RFC 3207 STARTTLS, RFC 4954 AUTH, RFC 2034 ENHANCEDSTATUSCODES). Also
 * the checks of what tern puts on the wire or in a From: an address, and
 * one mailbox "Name <addr>".
 *
 * Pure functions over buffers; nothing here does I/O. A reply is
 * bounded: a line longer than SMTPPARSE_LINE_MAX or a reply of more than
 * SMTPPARSE_LINES_MAX lines is refused, not stored.
 */
#ifndef TERN_SMTPPARSE_H
#define TERN_SMTPPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* The longest reply line taken, CRLF not counted (RFC 5321 says 510). */
#define SMTPPARSE_LINE_MAX 2048
/* The most lines one reply may have (an EHLO reply has a dozen). */
#define SMTPPARSE_LINES_MAX 128
/* The longest address (RFC 5321's path limit of 256, less the <>). */
#define SMTPPARSE_ADDR_MAX 254

/* What smtpparse_reply_line() says. */
enum smtpparse_status {
	SMTPPARSE_BAD = -1,	/* not a reply line, or not this reply's */
	SMTPPARSE_MORE = 0,	/* a "250-" line: the reply goes on */
	SMTPPARSE_DONE = 1,	/* the last line: the reply is complete */
};

/* One reply, line by line. */
struct smtpparse_reply {
	int code;		/* 200..599; 0 before the first line */
	unsigned int nlines;
	int done;		/* the last line was read */
	/* The enhanced status code of the first line ("5.1.1"), or "". */
	char enhanced[12];
	/* The text of the lines after the code, '\n' between (raw bytes). */
	struct strbuf text;
};

/* Start R empty. */
void smtpparse_reply_init(struct smtpparse_reply *r);
/* Empty R for the next reply, keeping its buffer. */
void smtpparse_reply_reset(struct smtpparse_reply *r);
/* Free what R holds. */
void smtpparse_reply_release(struct smtpparse_reply *r);

/*
 * Take the LEN bytes at LINE (one line, without its CRLF) into R. Returns
 * SMTPPARSE_MORE or SMTPPARSE_DONE; SMTPPARSE_BAD for a line that is not
 * a reply line (no three-digit code 2xx to 5xx, neither ' ', '-' nor the
 * end after it, a NUL byte), whose code differs from the reply's first
 * line, that is longer than SMTPPARSE_LINE_MAX, that makes the reply
 * longer than SMTPPARSE_LINES_MAX lines, or that comes after the last.
 * After SMTPPARSE_BAD, R is to be reset, and the session not trusted.
 */
enum smtpparse_status smtpparse_reply_line(struct smtpparse_reply *r,
    const char *line, size_t len);

/* The extensions of an EHLO reply. */
#define SMTPPARSE_EXT_8BITMIME		0x01u
#define SMTPPARSE_EXT_SMTPUTF8		0x02u
#define SMTPPARSE_EXT_SIZE		0x04u
#define SMTPPARSE_EXT_PIPELINING	0x08u
#define SMTPPARSE_EXT_STARTTLS		0x10u
#define SMTPPARSE_EXT_AUTH		0x20u	/* AUTH, whatever it lists */
#define SMTPPARSE_EXT_ENHANCEDSTATUSCODES 0x40u

/* The SASL mechanisms tern speaks, as AUTH lists them. */
#define SMTPPARSE_AUTH_PLAIN		0x01u
#define SMTPPARSE_AUTH_LOGIN		0x02u
#define SMTPPARSE_AUTH_XOAUTH2		0x04u
#define SMTPPARSE_AUTH_OAUTHBEARER	0x08u

struct smtpparse_ehlo {
	unsigned int ext;	/* SMTPPARSE_EXT_* */
	unsigned int auth;	/* SMTPPARSE_AUTH_* */
	/* SIZE's limit in bytes; 0: SIZE gave none (or not a number). */
	uint64_t size;
};

/*
 * The extensions the complete reply R offers (its first line is the
 * server's name, each further line a keyword and its parameters, in any
 * case; the obsolete "AUTH=" form counts as AUTH). Returns 0, or -1 (with
 * *E empty) when R is not a complete 250 reply.
 */
int smtpparse_ehlo(const struct smtpparse_reply *r, struct smtpparse_ehlo *e);

/*
 * The SASL mechanism MECH ("PLAIN" ...) as an SMTPPARSE_AUTH_* bit, or 0
 * for one tern does not know.
 */
unsigned int smtpparse_auth_bit(const char *mech);

/*
 * Whether ADDR may go into a MAIL or RCPT command: an addr-spec of
 * printable characters (valid UTF-8 allowed), no CR, LF, NUL, space, '<'
 * or '>', one '@' with something on either side, at most
 * SMTPPARSE_ADDR_MAX octets. 1 or 0.
 */
int smtpparse_address_ok(const char *addr);

/* Whether ADDR has a byte beyond ASCII (it needs SMTPUTF8). */
int smtpparse_address_utf8(const char *addr);

/*
 * VALUE as one mailbox, "addr" or "Name <addr>" (the name in double
 * quotes when it holds one of ",;:@<>[]\" or a quote): 0 with the
 * addr-spec in *ADDR_R (free() it), or -1. A name holds no control
 * character and is valid UTF-8; the address passes smtpparse_address_ok().
 */
int smtpparse_mailbox(const char *value, char **addr_r);

#endif
