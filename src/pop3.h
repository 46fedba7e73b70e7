/*
 * The POP3 backend: fills in struct backend_ops (backend.h) with libetpan's
 * mailpop3 over our tls streams. A POP3 account keeps its mail in a local
 * Inbox in the store; each check is one short session (connect, LIST and
 * UIDL, RETR and DELE, QUIT), driven by the account worker.
 *
 * Also here, for the backend and its tests: the pure helpers below.
 *
 * Test clock: when the environment variable TERN_TEST_NOW holds a positive
 * number, pop3_now() returns it instead of the time of day, so that tests
 * can make pop3_keep_days expire without waiting days. Never set it in
 * normal use.
 */
#ifndef TERN_POP3_H
#define TERN_POP3_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

struct store_msg;

/* "hdr:" and 32 hex digits, and the NUL. */
#define POP3_HDR_ID_LEN 37

/* The current Unix time, or $TERN_TEST_NOW when that is set (see above). */
int64_t pop3_now(void);

/*
 * The identity of a message on a server without UIDL: "hdr:" and a 128-bit
 * hash of its header block (up to the first empty line, carriage returns
 * left out), so that the headers of TOP n 0 and of RETR give the same.
 * MSG holds LEN bytes; OUT gets POP3_HDR_ID_LEN bytes.
 */
void pop3_header_id(const char *msg, size_t len, char *out);

/*
 * Fill the header fields of M (from, to, cc, subject, date, message-id,
 * in-reply-to, references) from the header block of the LEN bytes at MSG,
 * decoded to UTF-8. Fields M already holds are freed first; release M with
 * store_msg_release().
 */
void pop3_parse_headers(const char *msg, size_t len, struct store_msg *m);


#endif
