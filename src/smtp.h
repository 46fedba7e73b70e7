/*
 * SMTP submission (RFC 5321, RFC 6409): one session to the account's
 * smtp server, through the connection layer (conn.h: TLS or required
 * STARTTLS, sign-in with the account's password or OAuth token through
 * SASL), EHLO with the From domain or an address literal (never the
 * machine's host name), then any number of messages, each MAIL, RCPT...,
 * DATA. 8BITMIME and SMTPUTF8 are asked for only when offered and
 * needed, PIPELINING used when offered, SIZE checked before DATA.
 *
 * Every address is checked (no CR, LF, NUL, '<' or '>', at most 254
 * octets) before a byte of it goes out. The server's words reach the
 * caller sanitised and cut to one line.
 *
 * The one moment a message can be sent twice is between the final dot
 * and its reply: smtp_send() calls the caller back just before the dot,
 * so that the caller can record durably that the message may be out.
 */
#ifndef TERN_SMTP_H
#define TERN_SMTP_H

#include <stddef.h>

#include "backend.h"

struct account_config;
struct cred;
struct smtp;

/* How one message ended. */
enum smtp_outcome {
	/* The server took it for every recipient, or for those not in
	 * smtp_result.refused. */
	SMTP_SENT,
	/* Not sent, try again later: a 4xx reply, no connection, the link
	 * lost before the final dot. */
	SMTP_TEMP,
	/* Not sent, and sending again will not help: a 5xx reply to MAIL,
	 * to DATA or after the data, every recipient refused, the message
	 * over the server's SIZE, an address tern will not send. */
	SMTP_PERM,
	/* The final dot went out and no reply came: it may have been sent. */
	SMTP_UNKNOWN,
};

/* A recipient the server refused while others were taken. */
struct smtp_refused {
	char *addr;
	int code;		/* the reply's code: 450, 550 ... */
	char *text;		/* the server's words, sanitised */
};

struct smtp_result {
	enum smtp_outcome outcome;
	/* For the session: BACKEND_ERR_AUTH and BACKEND_ERR_TLS mean do not
	 * retry on their own (wrong password, bad certificate). */
	enum backend_status status;
	int code;		/* the last reply's code; 0: none */
	char *text;		/* one line for the user: what happened */
	struct smtp_refused *refused;
	size_t nrefused;
};

/* One message as it goes on the wire. */
struct smtp_message {
	const char *from;	/* the envelope sender, an addr-spec */
	const char *const *rcpts;	/* addr-specs */
	size_t nrcpt;
	const char *data;	/* the message, CRLF line ends, not dot-stuffed */
	size_t len;
};

/*
 * Called once the data is out, before the final dot; a nonzero return
 * stops the message there (the server drops it) with SMTP_TEMP.
 */
typedef int (*smtp_before_dot_fn)(void *arg);

/* A session for CFG (which must outlive it); nothing is sent yet. */
struct smtp *smtp_new(const struct account_config *cfg);
/*
 * Connect to CFG's smtp server, secure the connection and sign in with
 * what CRED gives, as smtp_user (else user); no AUTH when the server,
 * asked after TLS, offers none (a relay that knows its clients). Returns
 * BACKEND_OK, or the status with *ERR one line (a 421 or a 4xx to AUTH:
 * BACKEND_ERR_NET, try again later), the session closed.
 */
enum backend_status smtp_connect(struct smtp *s, struct cred *cred,
    char **err);
/*
 * Send M. Returns 0 with *RES filled in (smtp_result_release() it); the
 * session may be used for the next message unless res->status is
 * BACKEND_ERR_NET: the session is closed then (the link lost, a 421, a
 * reply that cannot be read), and smtp_connect() opens it again. Every
 * address is checked first; nothing is sent for one that fails. 8-bit
 * data to a server without 8BITMIME, a non-ASCII address to one without
 * SMTPUTF8, a NUL byte, a message over the server's SIZE: SMTP_PERM
 * before a byte goes out. Every recipient refused: SMTP_TEMP if one of
 * the refusals was a 4xx (sending again may get through), else
 * SMTP_PERM; both with the refusals in res->refused. Bare LF or CR in
 * the data go out as CRLF, and a CRLF is added when the data does not
 * end in one.
 */
int smtp_send(struct smtp *s, const struct smtp_message *m,
    smtp_before_dot_fn before_dot, void *arg, struct smtp_result *res);
void smtp_result_release(struct smtp_result *res);
/* Cancel a blocked operation; safe from any thread. */
void smtp_interrupt(struct smtp *s);
/* QUIT (if connected) and free the session. */
void smtp_free(struct smtp *s);

/*
 * Whether ADDR may go into a MAIL or RCPT command: an addr-spec of
 * printable characters (UTF-8 allowed), no CR, LF, NUL, space, '<' or
 * '>', one '@' not at either end, at most 254 octets.
 */
int smtp_address_ok(const char *addr);

#endif
