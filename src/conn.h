/*
 * The connection layer shared by the protocols (IMAP, POP3, SMTP):
 * TCP with a timeout, implicit TLS or STARTTLS/STLS (required unless
 * tls = off, never a silent fallback, nothing read before the handshake
 * trusted), the capabilities read again after TLS, sign-in with a
 * password or an OAuth 2.0 token through SASL spoken by tern (sasl.h) or
 * the protocol's own login, and one map from failures to the backend's
 * status and a message.
 *
 * A protocol describes itself in a struct conn_proto: how to read its
 * greeting, its capabilities, its STARTTLS command, its login commands
 * and how SASL is framed on its wire. Everything else is here, written
 * once.
 */
#ifndef TERN_CONN_H
#define TERN_CONN_H

#include "backend.h"

struct _mailstream;
struct account_config;
struct cred;

/* How one exchange with the server ended. */
enum conn_reply {
	CONN_OK,
	CONN_NO,		/* refused; the server's text in *said */
	CONN_LOST,		/* the stream failed */
	CONN_UNREADABLE,	/* the server sent what cannot be parsed */
};

/* What a line read during a SASL exchange is. */
enum conn_sasl_line {
	CONN_SASL_MORE,		/* a challenge: *text is its base64 */
	CONN_SASL_OK,		/* signed in */
	CONN_SASL_NO,		/* refused: *text is why */
	CONN_SASL_SKIP,		/* untagged data: read on */
	CONN_SASL_BAD,		/* not this protocol's */
};

/* The protocol's own login commands. */
enum conn_login {
	CONN_LOGIN_USER,	/* IMAP LOGIN, POP3 USER and PASS */
	CONN_LOGIN_APOP,	/* POP3 APOP, SECRET its digest */
};

struct conn_proto {
	const char *name;	/* "imap", "pop3": for the log */
	const char *starttls;	/* its capability and command: "STARTTLS" */
	const char *login_name;	/* its own login command: "LOGIN", "USER" */
	/* Its capability command, for messages; NULL: "CAPABILITY". */
	const char *caps_name;
	/* The initial response may always go with the command (RFC 5034,
	 * RFC 4954); else only when the capability SASL-IR is there. */
	int sasl_ir;
	/* Read the capabilities again once signed in (IMAP). */
	int caps_after_login;
	/* With auth = auto, the protocol's own login before SASL PLAIN. */
	int own_login_first;

	/*
	 * Take STREAM (closing it if the session could not take it) and
	 * read the greeting; *PREAUTH when it says the session is signed in.
	 */
	enum conn_reply (*greet)(void *arg, struct _mailstream *stream,
	    int *preauth, const char **said);
	/* The session's stream, NULL once closed. */
	struct _mailstream *(*stream)(void *arg);
	/* Read the capabilities (again), forgetting the old ones. */
	enum conn_reply (*capabilities)(void *arg, const char **said);
	/*
	 * Whether CAP is offered: 1, 0, or -1 when the server cannot say
	 * (POP3 without CAPA). "APOP" is the greeting's timestamp.
	 */
	int (*has)(void *arg, const char *cap);
	/* Whether the SASL mechanism MECH is offered: 1, 0 or -1. */
	int (*has_mech)(void *arg, const char *mech);
	/* Send the STARTTLS command and read its answer. */
	enum conn_reply (*starttls_cmd)(void *arg, const char **said);
	/* The protocol's login; the secret is the caller's to clear. */
	enum conn_reply (*login)(void *arg, enum conn_login how,
	    const char *user, const char *secret, const char **said);
	/* The greeting's APOP timestamp, or NULL. */
	const char *(*apop_timestamp)(void *arg);
	/*
	 * The command that starts SASL with MECH and the base64 initial
	 * response IR ("" for an empty one; NULL: none), CRLF included.
	 */
	char *(*sasl_command)(void *arg, const char *mech, const char *ir);
	/* What LINE, read during the exchange, is; *TEXT points into it. */
	enum conn_sasl_line (*sasl_line)(void *arg, const char *line,
	    const char **text);
	/* The next line from the server, without its CRLF; NULL: lost. */
	char *(*read_line)(void *arg);
	/* SASL said OK: the session is signed in. */
	void (*signed_in)(void *arg);
	/* Close the session (no logout: the connection is not to be used). */
	void (*disconnect)(void *arg);
	/*
	 * Optional (NULL: always 1). Whether the server, its capabilities
	 * read after TLS, wants a sign-in at all: 0 (SMTP without AUTH, a
	 * relay that knows its clients) skips it.
	 */
	int (*wants_login)(void *arg);
	/*
	 * Optional (NULL: 0). Whether the refusal just read means "later"
	 * rather than "wrong credentials" (SMTP's 4xx replies, 454 4.7.0):
	 * a network status then, the worker tries again.
	 */
	int (*refused_later)(void *arg);
};

/*
 * Connect to CFG's server for PROTO (ARG is the protocol's session),
 * secure the connection as CFG says, and sign in with what CRED gives.
 * Returns BACKEND_OK with the session ready, or the status with *ERR one
 * line, the session closed.
 */
enum backend_status conn_open(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, struct cred *cred, char **err);

/*
 * The one map from a failed exchange to a status and a message: the
 * stream's own causes first (an answer over the read limit, too slow, a
 * timeout), then REPLY. WHAT names the command; SAID is the server's text
 * for CONN_NO. The caller closes the session on BACKEND_ERR_NET.
 */
enum backend_status conn_fail(struct _mailstream *stream,
    enum conn_reply reply, const char *what, const char *said, char **err);

/*
 * Whether the server's text SAID starts with the response code CODE,
 * given without brackets ("IN-USE": RFC 2449/3206 for POP3, RFC 5530 for
 * IMAP).
 */
int conn_said_code(const char *said, const char *code);

/*
 * Write LINE (CRLF included) to STREAM as a secret: logged redacted, and
 * LINE cleared and freed. Returns 0, or -1 if the stream failed.
 */
int conn_send_secret(struct _mailstream *stream, char *line);

#endif
