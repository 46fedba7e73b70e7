/*
 * Credentials, in one place: the secret an account signs in with. For a
 * password account, its password_cmd, its "password" key or the password
 * typed at start; for an OAuth 2.0 account an access token, from its
 * oauth2_token_cmd or from the token endpoint for its refresh token
 * (oauth.h), kept in memory only and only until it expires. Nothing here
 * writes a secret to a file or a log. A struct cred may be used from any
 * one thread at a time and set from another (it locks).
 */
#ifndef TERN_CRED_H
#define TERN_CRED_H

#include "backend.h"

struct account_config;
struct cred;

struct cred *cred_new(const struct account_config *cfg);
void cred_free(struct cred *c);

/* Keep PASSWORD (typed at start; NULL: none) for the sign-ins to come. */
void cred_set_password(struct cred *c, const char *password);

/* Whether C gives OAuth 2.0 access tokens rather than passwords. */
int cred_is_oauth(const struct cred *c);

/*
 * The secret for one sign-in into *SECRET_R, the caller's to clear and
 * free with xfree_secret(). FRESH asks for a token other than the one
 * kept (the server refused it): the token command is run again, or the
 * refresh token exchanged again. Returns BACKEND_OK; BACKEND_ERR_AUTH
 * when there is no secret to be had (no password, a failed command, a
 * refused refresh token); BACKEND_ERR_NET when the token endpoint could
 * not be reached; with *ERR one line.
 */
enum backend_status cred_secret(struct cred *c, int fresh, char **secret_r,
    char **err);

/* Forget the access token kept (the server refused even a fresh one). */
void cred_forget(struct cred *c);

#endif
