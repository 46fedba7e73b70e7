/*
 * IMAP responses that tern reads itself, past libetpan: what a server
 * says while tern idles with NOTIFY (RFC 5465) set, and the STATUS data of
 * LIST-STATUS (RFC 5819). libetpan keeps only the last "* STATUS" of a
 * response, and its parser is not asked to read what arrives in IDLE.
 *
 * A response is what imap.c frames off the stream: its lines with CRLF,
 * each literal's bytes right after the "{N}" line that announces them.
 * Pure functions over bytes (no NUL needed); nothing here does I/O.
 */
#ifndef TERN_IMAPRESP_H
#define TERN_IMAPRESP_H

#include <stddef.h>
#include <stdint.h>

/* A response longer than this, or a literal, is taken as hostile. */
#define IMAPRESP_MAX (1u << 20)
/* The longest mailbox name taken. */
#define IMAPRESP_MAX_NAME 1024

/*
 * The size of the literal that LINE (LEN bytes, no CRLF) announces at its
 * end ("{N}" or "{N+}"): 1 with *N_R, 0 when it announces none, -1 when
 * the number is not one or above IMAPRESP_MAX.
 */
int imapresp_literal(const char *line, size_t len, size_t *n_r);

/* What a response is. */
enum imapresp_kind {
	IMAPRESP_OTHER,		/* untagged data tern does not need here */
	IMAPRESP_STATUS,	/* "* STATUS mailbox (...)" */
	IMAPRESP_NEWS,		/* EXISTS, EXPUNGE, FETCH, VANISHED, RECENT */
	IMAPRESP_LIST,		/* "* LIST": a folder made, renamed, deleted */
	IMAPRESP_BYE,		/* "* BYE": the server is leaving */
	IMAPRESP_CONTINUE,	/* "+ ...": a continuation request */
	IMAPRESP_TAGGED,	/* the tagged answer TAG asked for */
	IMAPRESP_BAD,		/* not an IMAP response, or another tag */
};

/*
 * The kind of the response R (LEN bytes); TAG (NUL-terminated) is the tag
 * of the command in progress, or NULL in IDLE. For IMAPRESP_TAGGED,
 * *OK_R says whether it is OK (1) or NO/BAD (0).
 */
enum imapresp_kind imapresp_kind(const char *r, size_t len, const char *tag,
    int *ok_r);

/* The data of one "* STATUS". */
struct imapresp_status {
	char *mailbox;		/* as the server wrote it (modified UTF-7) */
	int messages;		/* -1: not given */
	int unseen;		/* -1: not given */
	uint32_t uidnext;	/* 0: not given */
	uint32_t uidvalidity;	/* 0: not given */
	uint64_t highestmodseq;	/* 0: not given */
};

/*
 * Parse the STATUS response R (LEN bytes) into *ST (release it with
 * imapresp_status_release()). The mailbox may be an atom, a quoted string
 * or a literal; it must be non-empty, at most IMAPRESP_MAX_NAME bytes,
 * without NUL, CR or LF. Counts must fit (MESSAGES and UNSEEN at most
 * INT32_MAX, UIDNEXT and UIDVALIDITY 32 bits, HIGHESTMODSEQ 63 bits), each
 * attribute at most once; unknown attributes with a number, NIL or a
 * parenthesised value are skipped. Returns 0, or -1 (*ST left empty).
 */
int imapresp_status_parse(const char *r, size_t len,
    struct imapresp_status *st);
void imapresp_status_release(struct imapresp_status *st);

#endif
