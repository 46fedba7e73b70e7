/*
 * Credentials (see cred.h).
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "cred.h"
#include "i18n.h"
#include "log.h"
#include "oauth.h"
#include "password.h"
#include "xmalloc.h"

/* A token is taken for expired this long before the endpoint says. */
#define CRED_EXPIRY_MARGIN 60

struct cred {
	const struct account_config *cfg;
	pthread_mutex_t lock;
	char *password;		/* typed at start */
	char *token;		/* the access token kept, or NULL */
	time_t token_until;	/* ... usable until then (0: until refused) */
};

struct cred *
cred_new(const struct account_config *cfg)
{
	struct cred *c = xcalloc(1, sizeof *c);

	c->cfg = cfg;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
cred_free(struct cred *c)
{
	if (c == NULL)
		return;
	xfree_secret(c->password);
	xfree_secret(c->token);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
cred_set_password(struct cred *c, const char *password)
{
	pthread_mutex_lock(&c->lock);
	xfree_secret(c->password);
	c->password = password != NULL ? xstrdup(password) : NULL;
	pthread_mutex_unlock(&c->lock);
}

int
cred_is_oauth(const struct cred *c)
{
	return ACCOUNT_OAUTH2(c->cfg);
}

void
cred_forget(struct cred *c)
{
	pthread_mutex_lock(&c->lock);
	xfree_secret(c->token);
	c->token = NULL;
	c->token_until = 0;
	pthread_mutex_unlock(&c->lock);
}

/* A password account's password, or NULL with *ERR. */
static char *
cred_password(struct cred *c, char **err)
{
	char *pw = NULL;

	if (c->cfg->password_cmd != NULL)
		return password_from_cmd(c->cfg->password_cmd, err);
	pthread_mutex_lock(&c->lock);
	if (c->password != NULL)
		pw = xstrdup(c->password);
	else if (c->cfg->password != NULL)
		pw = xstrdup(c->cfg->password);
	pthread_mutex_unlock(&c->lock);
	if (pw == NULL)
		*err = xstrdup(_("no password given"));
	return pw;
}

/* Keep TOKEN for EXPIRES_IN seconds (0: until it is refused). */
static void
cred_keep_token(struct cred *c, const char *token, long expires_in)
{
	pthread_mutex_lock(&c->lock);
	xfree_secret(c->token);
	c->token = xstrdup(token);
	c->token_until = expires_in > 0 ? time(NULL) + (expires_in >
	    2 * CRED_EXPIRY_MARGIN ? expires_in - CRED_EXPIRY_MARGIN :
	    expires_in / 2) : 0;
	pthread_mutex_unlock(&c->lock);
}

/* The token kept, if it is still good; NULL otherwise. */
static char *
cred_kept_token(struct cred *c)
{
	char *t = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->token != NULL && (c->token_until == 0 ||
	    time(NULL) < c->token_until))
		t = xstrdup(c->token);
	pthread_mutex_unlock(&c->lock);
	return t;
}

enum backend_status
cred_secret(struct cred *c, int fresh, char **secret_r, char **err)
{
	const struct account_config *cfg = c->cfg;
	long expires_in = 0;
	char *token;

	*secret_r = NULL;
	if (!ACCOUNT_OAUTH2(cfg)) {
		if ((*secret_r = cred_password(c, err)) == NULL)
			return BACKEND_ERR_AUTH;
		return BACKEND_OK;
	}
	/*
	 * The token command keeps its own tokens (as neomutt's refresh
	 * commands do): it runs for each sign-in, and again when the
	 * server refused what it gave.
	 */
	if (cfg->oauth2_token_cmd != NULL) {
		if ((token = password_from_key_cmd("oauth2_token_cmd",
		    cfg->oauth2_token_cmd, err)) == NULL)
			return BACKEND_ERR_AUTH;
		*secret_r = token;
		return BACKEND_OK;
	}
	if (!fresh && (token = cred_kept_token(c)) != NULL) {
		*secret_r = token;
		return BACKEND_OK;
	}
	/* The refresh token for a new access token (oauth.c). */
	cred_forget(c);
	switch (oauth_refresh(cfg, &token, &expires_in, err)) {
	case 0:
		break;
	case -2:
		return BACKEND_ERR_NET;
	default:
		return BACKEND_ERR_AUTH;
	}
	log_msg(LOG_INFO, "oauth2: account %s: a new access token, good for "
	    "%ld s", cfg->name, expires_in);
	cred_keep_token(c, token, expires_in);
	*secret_r = token;
	return BACKEND_OK;
}
