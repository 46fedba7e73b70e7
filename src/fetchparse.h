/*
 * The answer to a header FETCH read by tern rather than libetpan: the
 * hot path of a sync, where libetpan's parser (a malloc and a global hash
 * entry per string, a list node per item) cost more than the rest of the
 * sync together. Two steps, both over buffers:
 *
 * - fetchparse_frame() finds where the first complete response of a
 *   buffer ends (its CRLF, literals and the lines after them included),
 *   resuming where it stopped when more bytes came, so that a line that
 *   never ends costs its length once, not once per read;
 * - fetchparse_parse() reads one complete response: a FETCH with the
 *   items a header sync asks for (others skipped, whatever their depth),
 *   EXISTS, EXPUNGE, BYE, the tagged end, or anything else untagged.
 *
 * Strings are given as the server sent them (RFC 2047 not decoded), NUL
 * terminated, in the parser's own arena; they live until the next parse.
 */
#ifndef TERN_FETCHPARSE_H
#define TERN_FETCHPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"

/* Where fetchparse_frame() stopped looking; zero it for a new response. */
struct fetchparse_frame {
	size_t pos;		/* bytes looked at */
	uint64_t literal;	/* bytes of a literal still to skip */
};

/*
 * The length of the first complete response in BUF[0..LEN), or 0 when
 * more input is needed (FR remembers how far it looked: call again with
 * the same bytes and more after them). Zero FR again after a response.
 */
size_t fetchparse_frame(struct fetchparse_frame *fr, const char *buf,
    size_t len);

enum fetchparse_kind {
	FETCHPARSE_FETCH,	/* "* N FETCH (...)" */
	FETCHPARSE_EXISTS,	/* "* N EXISTS" */
	FETCHPARSE_EXPUNGE,	/* "* N EXPUNGE" */
	FETCHPARSE_BYE,		/* "* BYE ..." */
	FETCHPARSE_UNTAGGED,	/* any other "* ..." */
	FETCHPARSE_TAGGED,	/* "TAG OK|NO|BAD ..." */
	FETCHPARSE_CONTINUE,	/* "+ ..." */
};

enum fetchparse_status {
	FETCHPARSE_OK,
	FETCHPARSE_NO,
	FETCHPARSE_BAD,
};

/* System flags of a FLAGS item. */
#define FETCHPARSE_SEEN		0x01
#define FETCHPARSE_ANSWERED	0x02
#define FETCHPARSE_FLAGGED	0x04
#define FETCHPARSE_DELETED	0x08
#define FETCHPARSE_DRAFT	0x10

/* Which items a FETCH carried. */
#define FETCHPARSE_HAVE_UID		0x01
#define FETCHPARSE_HAVE_FLAGS		0x02
#define FETCHPARSE_HAVE_INTERNALDATE	0x04
#define FETCHPARSE_HAVE_SIZE		0x08
#define FETCHPARSE_HAVE_ENVELOPE	0x10
#define FETCHPARSE_HAVE_HEADERS		0x20
#define FETCHPARSE_HAVE_MODSEQ		0x40

/* An address of an envelope; each member is a string or NULL (NIL). */
struct fetchparse_addr {
	const char *name;
	const char *mailbox;
	const char *host;
};

/* A list of addresses: N of them from FIRST in fetchparse's array. */
struct fetchparse_addrs {
	size_t first;
	size_t n;
};

/* An INTERNALDATE as it was written; all 0 when it was not a date. */
struct fetchparse_date {
	int year, month, day, hour, min, sec;
	int zone;		/* +HHMM as a number: -0130 is -130 */
};

struct fetchparse {
	enum fetchparse_kind kind;
	uint32_t number;	/* of FETCH, EXISTS and EXPUNGE */

	/* The tagged end: its tag and status, the text after them. */
	const char *tag;
	enum fetchparse_status status;
	const char *text;

	/* A FETCH: the items in HAVE. */
	unsigned int have;
	uint32_t uid;
	unsigned int flags;	/* FETCHPARSE_SEEN ... */
	const char *keywords;	/* space-separated, or NULL */
	struct fetchparse_date internaldate;
	uint64_t size;
	uint64_t modseq;
	/* The envelope: strings or NULL. */
	const char *date, *subject, *in_reply_to, *message_id;
	struct fetchparse_addrs from, to, cc;
	const char *headers;	/* the BODY[HEADER.FIELDS ...] section */

	struct fetchparse_addr *addrs;
	size_t naddrs, aaddrs;
	struct strbuf arena;	/* the strings above */
};

/* Set P up; fetchparse_release() frees what it holds. */
void fetchparse_init(struct fetchparse *p);
void fetchparse_release(struct fetchparse *p);

/*
 * Read the complete response BUF[0..LEN) (as fetchparse_frame() found
 * it) into P: 0, or -1 when it is not a response a FETCH may bring.
 */
int fetchparse_parse(struct fetchparse *p, const char *buf, size_t len);

#endif
