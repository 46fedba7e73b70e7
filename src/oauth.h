/*
 * OAuth 2.0 tokens: an access token for the refresh token at the account's
 * token endpoint (RFC 6749 section 6), and the device authorization grant
 * (RFC 8628) by which `tern oauth2 ACCOUNT` gets a refresh token. The one
 * user of libcurl and jansson.
 *
 * Requests go over HTTPS only, verified against the system store plus the
 * account's tls_ca_file, host name checked, no redirect followed, within
 * the account's timeout, with answers cut off at OAUTH_ANSWER_MAX bytes.
 * Tokens, the client secret and the device code never reach the log, and
 * every buffer of tern's that held one is cleared before it is freed.
 *
 * The functions are safe from any thread once oauth_global_init() ran.
 * Strings returned belong to the caller: secrets are freed with
 * xfree_secret(), the rest (messages) with free().
 */
#ifndef TERN_OAUTH_H
#define TERN_OAUTH_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

struct account_config;

/* The largest answer read from an endpoint (bytes). */
#define OAUTH_ANSWER_MAX (1024 * 1024)

/*
 * Initialise libcurl, and make jansson clear what it frees; call once from
 * main(), before any thread starts.
 */
void oauth_global_init(void);

/*
 * Exchange the refresh token of CFG (the first line printed by
 * oauth2_refresh_token_cmd) at oauth2_token_url for an access token, with
 * client_id, the client secret of oauth2_client_secret_cmd when set and
 * oauth2_scope when set. Returns 0 with the token in *ACCESS_R (free it
 * with xfree_secret()) and its lifetime in *EXPIRES_IN_R (seconds; 0 when
 * the endpoint gave none). A new refresh token in the answer goes to the
 * standard input of oauth2_store_cmd (logged, not stored, without one).
 * Returns -1 with one translated line in *ERR (free() it) when there is
 * no access token to be had this way (the endpoint's error and
 * error_description, a missing oauth2_refresh_token_cmd or a failing
 * one), -2 when the endpoint could not be used (cannot be reached, times
 * out, has a certificate that fails, answers what is not JSON): trying
 * again later may work.
 */
int oauth_refresh(const struct account_config *cfg, char **access_r,
    long *expires_in_r, char **err);

/*
 * `tern oauth2 ACCOUNT`: the device authorization grant of RFC 8628. Asks
 * oauth2_device_url for a code, prints on OUT where to enter it, the code
 * and how long it is valid, then polls oauth2_token_url every interval
 * the endpoint gave (five seconds more after each slow_down) until the
 * user has signed in, denied it or the code expired. The refresh token
 * goes to the standard input of oauth2_store_cmd, or is printed on OUT
 * when there is none. *STOP (NULL: none), set by a signal handler, ends
 * the wait within about a second. Returns 0, or -1 with one translated
 * line in *ERR (free() it).
 */
int oauth_device_login(const struct account_config *cfg, FILE *out,
    const volatile sig_atomic_t *stop, char **err);

/*
 * The pure parts, unit-tested in tests/check_oauth.c.
 *
 * A buffer for secrets: it never reallocates in place, so no copy is left
 * in freed memory uncleared. OAUTH_BUF_INIT or zeroed memory is empty (buf
 * NULL); buf is NUL-terminated once anything was added.
 */
struct oauth_buf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define OAUTH_BUF_INIT { NULL, 0, 0 }

/* Append LEN bytes at DATA. */
void oauth_buf_add(struct oauth_buf *b, const void *data, size_t len);
/* Clear and free the bytes; B is empty again. */
void oauth_buf_release(struct oauth_buf *b);
/*
 * Append NAME=VALUE to the application/x-www-form-urlencoded body B, with
 * a '&' before it unless B is empty; both are percent-encoded.
 */
void oauth_form_add(struct oauth_buf *b, const char *name, const char *value);

/* A token endpoint's answer (RFC 6749 sections 5.1 and 5.2). */
struct oauth_token {
	char *access_token;	/* NULL in an error answer */
	char *refresh_token;	/* a new refresh token, or NULL */
	long expires_in;	/* seconds; 0: not given */
	char *error;		/* an error answer's code, else NULL */
	char *error_description;	/* its first line, made safe; or NULL */
};

/*
 * Parse the LEN bytes of BUF, a token endpoint's answer, into *TOK. 0: a
 * token (access_token set) or an error answer (error set); -1 with *ERR:
 * not a JSON object, or neither. expires_in may be a number or a string
 * of digits. Release *TOK with oauth_token_release() in both cases.
 */
int oauth_token_parse(const char *buf, size_t len, struct oauth_token *tok,
    char **err);
/* Clear and free what *TOK holds. */
void oauth_token_release(struct oauth_token *tok);

/* A device authorization endpoint's answer (RFC 8628 section 3.2). */
struct oauth_device {
	char *device_code;	/* a secret: what the polls present */
	char *user_code;	/* made safe for the terminal */
	char *verification_uri;	/* Google's verification_url too; safe */
	char *verification_uri_complete;	/* or NULL; safe */
	long expires_in;	/* seconds the codes are valid; 0: not given */
	long interval;		/* seconds between polls: 5 when not given */
	char *error;		/* an error answer's code, else NULL */
	char *error_description;	/* its first line, made safe; or NULL */
};

/*
 * Parse the LEN bytes of BUF, a device authorization answer, into *DEV.
 * 0: the codes (device_code, user_code and verification_uri set) or an
 * error answer (error set); -1 with *ERR: not a JSON object, or neither.
 * Release *DEV with oauth_device_release() in both cases.
 */
int oauth_device_parse(const char *buf, size_t len, struct oauth_device *dev,
    char **err);
/* Clear and free what *DEV holds. */
void oauth_device_release(struct oauth_device *dev);

#endif
