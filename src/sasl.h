/*
 * SASL, spoken by tern itself (no libsasl2, which leaves copies of the
 * password in freed memory): the client side of PLAIN (RFC 4616), LOGIN,
 * XOAUTH2 (Google's) and OAUTHBEARER (RFC 7628), and the APOP digest of
 * POP3 (RFC 1939). Pure functions over strings: the connection layer
 * (conn.c) frames them for IMAP AUTHENTICATE, POP3 AUTH and SMTP AUTH.
 * Every buffer that held a secret is cleared before it is freed, and what
 * these functions return holds the secret: free it with xfree_secret().
 */
#ifndef TERN_SASL_H
#define TERN_SASL_H

#include <stddef.h>

enum sasl_mech {
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_XOAUTH2,
	SASL_OAUTHBEARER,
};

/* The mechanism's name on the wire ("PLAIN", "OAUTHBEARER" ...). */
const char *sasl_mech_name(enum sasl_mech mech);

/* Whether MECH sends an OAuth 2.0 access token rather than a password. */
int sasl_mech_is_oauth(enum sasl_mech mech);

/* One exchange; set the first four fields, the rest are the exchange's. */
struct sasl {
	enum sasl_mech mech;
	const char *user;
	const char *secret;	/* the password or the access token */
	const char *host;	/* OAUTHBEARER's host= and port= */
	int port;
	int step;		/* challenges answered */
	/* What an OAuth error challenge said (decoded, printable); NULL. */
	char *error;
};

/*
 * The initial response of S, base64-encoded ("" for an empty one), or
 * NULL when the mechanism has none (LOGIN).
 */
char *sasl_initial(struct sasl *s);

/*
 * The answer to the server challenge CHALLENGE (base64, as it came), base64
 * encoded; NULL when the exchange cannot go on (the caller cancels it with
 * "*"). An OAuth error challenge is answered as its RFC says (OAUTHBEARER:
 * a single ^A; XOAUTH2: an empty response) and kept in S->error.
 */
char *sasl_step(struct sasl *s, const char *challenge);

/* Free what the exchange S kept (not the strings it was given). */
void sasl_done(struct sasl *s);

/*
 * Base64 (RFC 4648) of the LEN bytes at DATA, and back. sasl_b64_decode()
 * returns NULL for anything that is not base64 (blanks, bad padding); its
 * result is NUL-terminated, with its length in *LEN_R.
 */
char *sasl_b64_encode(const void *data, size_t len);
char *sasl_b64_decode(const char *text, size_t *len_r);

/* APOP's digest: MD5 of TIMESTAMP and PASSWORD, 32 hex digits into OUT. */
void sasl_apop_digest(const char *timestamp, const char *password,
    char out[33]);

#endif
