/*
 * What a POP3 server answers, read by tern itself (RFC 1939): status
 * lines, STAT, the lines of LIST and UIDL, and dot-stuffed multi-line
 * blocks. libetpan's readers trust the message numbers a server sends
 * (a gap, a 0 or a 2^31 in LIST or UIDL wrote out of bounds or spun for
 * ever); these check every number against STAT and each other.
 *
 * Pure functions over NUL-terminated lines without their CRLF; nothing
 * here does I/O.
 */
#ifndef TERN_POP3PARSE_H
#define TERN_POP3PARSE_H

#include <stddef.h>
#include <stdint.h>

/* More messages than this in one mailbox is taken as a hostile answer. */
#define POP3PARSE_MAX_MSGS 10000000u
/* A message size above this (1 TB) is not believed. */
#define POP3PARSE_MAX_SIZE ((int64_t)1 << 40)
/* The longest UIDL taken (RFC 1939 says 70; some servers send more). */
#define POP3PARSE_MAX_UIDL 512

/* "+OK": 1, "-ERR": 0, anything else -1. */
int pop3parse_status(const char *line);

/*
 * STAT's answer "+OK COUNT SIZE": 0 with the count in *COUNT_R, or -1
 * when it is malformed or claims more than POP3PARSE_MAX_MSGS messages.
 */
int pop3parse_stat(const char *line, uint32_t *count_r);

/* The messages 1..COUNT that LIST and UIDL named. */
struct pop3parse_listing {
	uint32_t count;		/* from STAT */
	int64_t *size;		/* [count]: the size LIST gave; -1: not listed */
	char **uidl;		/* [count]: the UIDL; NULL: none given */
	unsigned long ignored;	/* lines not taken (bad, out of range, twice) */
};

/* Make room for messages 1..COUNT (at most POP3PARSE_MAX_MSGS). */
void pop3parse_listing_init(struct pop3parse_listing *l, uint32_t count);
/* Free what L holds and leave it empty. */
void pop3parse_listing_release(struct pop3parse_listing *l);

/*
 * One line of LIST's answer ("N SIZE") or UIDL's ("N UIDL"): 0 when
 * taken, -1 when ignored: a number that is not one, not in 1..count, or
 * given twice, a size above POP3PARSE_MAX_SIZE, a UIDL that is empty,
 * longer than POP3PARSE_MAX_UIDL or holds a control character.
 */
int pop3parse_list_line(struct pop3parse_listing *l, const char *line);
int pop3parse_uidl_line(struct pop3parse_listing *l, const char *line);

/*
 * A line of a multi-line block, LEN bytes at LINE: 1 for the "." that
 * ends the block; 0 for a line of text, with *SKIP_R set to the bytes to
 * drop at its start (1 for a stuffed dot, else 0).
 */
int pop3parse_block_line(const char *line, size_t len, size_t *skip_r);

#endif
