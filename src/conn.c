/*
 * The connection layer (see conn.h): connect, secure, sign in, and the
 * one map from failures to statuses, for every protocol.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailstream.h>

#include "config.h"
#include "conn.h"
#include "cred.h"
#include "i18n.h"
#include "log.h"
#include "sasl.h"
#include "tls.h"
#include "xmalloc.h"

/* Challenges one SASL exchange may bring before tern gives up on it. */
#define CONN_SASL_STEPS 8

enum backend_status
conn_fail(struct _mailstream *stream, enum conn_reply reply,
    const char *what, const char *said, char **err)
{
	size_t over;
	int secs;

	if (stream != NULL && (over = tls_over_limit(stream)) != 0) {
		*err = xasprintf(_("%s: the server sent more than %zu MB in "
		    "one answer: connection closed"), what, over >> 20);
		return BACKEND_ERR_NET;
	}
	if (stream != NULL && (secs = tls_too_slow(stream)) != 0) {
		*err = xasprintf(_("%s: the server answers too slowly (%d s "
		    "so far): connection closed"), what, secs);
		return BACKEND_ERR_NET;
	}
	if (stream != NULL && (secs = tls_timed_out(stream)) != 0) {
		*err = xasprintf(_("%s: no answer from the server in %d s"),
		    what, secs);
		return BACKEND_ERR_NET;
	}
	switch (reply) {
	case CONN_OK:
	case CONN_LOST:
		*err = xasprintf(_("%s: connection lost"), what);
		return BACKEND_ERR_NET;
	case CONN_UNREADABLE:
		*err = xasprintf(_("%s: the server sent something unreadable"),
		    what);
		return BACKEND_ERR_NET;
	case CONN_NO:
		break;
	}
	*err = xasprintf(_("%s failed: %s"), what, said != NULL &&
	    *said != '\0' ? said : _("no reason given"));
	return BACKEND_ERR_PROTOCOL;
}

int
conn_said_code(const char *said, const char *code)
{
	size_t n = strlen(code);

	if (said == NULL)
		return 0;
	while (*said == ' ')
		said++;
	return said[0] == '[' && strncasecmp(said + 1, code, n) == 0 &&
	    said[1 + n] == ']';
}

int
conn_send_secret(struct _mailstream *stream, char *line)
{
	size_t len = strlen(line);
	ssize_t w;

	mailstream_set_privacy(stream, 0);
	w = mailstream_write(stream, line, len);
	mailstream_set_privacy(stream, 1);
	xfree_secret(line);
	if (w != (ssize_t)len || mailstream_flush(stream) != 0)
		return -1;
	return 0;
}

/* The protocol's command that lists the capabilities, for messages. */
static const char *
conn_caps_name(const struct conn_proto *proto)
{
	return proto->caps_name != NULL ? proto->caps_name : "CAPABILITY";
}

/* Fail with REPLY of WHAT, closing the session when the link is gone. */
static enum backend_status
conn_close_fail(const struct conn_proto *proto, void *arg,
    enum conn_reply reply, const char *what, const char *said, char **err)
{
	enum backend_status st;

	st = conn_fail(proto->stream(arg), reply, what, said, err);
	if (st == BACKEND_ERR_NET)
		proto->disconnect(arg);
	return st;
}

/* End with status ST and message MSG (taken), closing the session. */
static enum backend_status
conn_give_up(const struct conn_proto *proto, void *arg,
    enum backend_status st, char *msg, char **err)
{
	*err = msg;
	proto->disconnect(arg);
	return st;
}

/*
 * A refused sign-in of WHAT: a response code meaning "later" is a
 * network status (the worker tries again), anything else is the
 * credentials'.
 */
static enum backend_status
conn_refused(const struct conn_proto *proto, void *arg, enum conn_reply r,
    const char *what, const char *said, char **err)
{
	if (r != CONN_NO)
		return conn_close_fail(proto, arg, r, what, said, err);
	if (conn_said_code(said, "IN-USE") || conn_said_code(said, "INUSE"))
		return conn_give_up(proto, arg, BACKEND_ERR_NET,
		    xasprintf(_("the mailbox is in use by another session "
		    "(%s); trying again later"), said), err);
	if (conn_said_code(said, "SYS/TEMP") ||
	    conn_said_code(said, "UNAVAILABLE"))
		return conn_give_up(proto, arg, BACKEND_ERR_NET,
		    xasprintf(_("the server cannot open the mailbox now "
		    "(%s); trying again later"), said), err);
	if (proto->refused_later != NULL && proto->refused_later(arg))
		return conn_give_up(proto, arg, BACKEND_ERR_NET,
		    xasprintf(_("the server cannot sign in now (%s); trying "
		    "again later"), said != NULL && *said != '\0' ? said :
		    _("no reason given")), err);
	*err = xasprintf(_("login refused: %s"), said != NULL &&
	    *said != '\0' ? said : _("no reason given"));
	return BACKEND_ERR_AUTH;
}

/*
 * One SASL exchange of S. Returns how it ended; for CONN_NO, *SAID_R is
 * the server's text (a copy, the caller's to free).
 */
static enum conn_reply
conn_sasl(const struct conn_proto *proto, void *arg, struct sasl *s,
    char **said_r)
{
	struct _mailstream *stream = proto->stream(arg);
	const char *text;
	char *ir, *line, *cmd;
	int steps, send_ir;

	*said_r = NULL;
	ir = sasl_initial(s);
	send_ir = ir != NULL && (proto->sasl_ir ||
	    proto->has(arg, "SASL-IR") == 1);
	cmd = proto->sasl_command(arg, sasl_mech_name(s->mech),
	    send_ir ? ir : NULL);
	if (send_ir) {
		xfree_secret(ir);
		ir = NULL;
	}
	if (conn_send_secret(stream, cmd) != 0) {
		xfree_secret(ir);
		return CONN_LOST;
	}
	for (steps = 0; steps < CONN_SASL_STEPS;) {
		char *answer;

		if ((line = proto->read_line(arg)) == NULL) {
			xfree_secret(ir);
			return CONN_LOST;
		}
		switch (proto->sasl_line(arg, line, &text)) {
		case CONN_SASL_SKIP:
			continue;
		case CONN_SASL_OK:
			xfree_secret(ir);
			proto->signed_in(arg);
			return CONN_OK;
		case CONN_SASL_NO:
			xfree_secret(ir);
			*said_r = xstrdup(text);
			return CONN_NO;
		case CONN_SASL_BAD:
			xfree_secret(ir);
			return CONN_UNREADABLE;
		case CONN_SASL_MORE:
			break;
		}
		steps++;
		/* No SASL-IR: the initial response answers the first "+". */
		if (ir != NULL) {
			answer = ir;
			ir = NULL;
		} else if ((answer = sasl_step(s, text)) == NULL)
			answer = xstrdup("*");	/* cancel */
		line = xasprintf("%s\r\n", answer);
		xfree_secret(answer);
		if (conn_send_secret(stream, line) != 0)
			return CONN_LOST;
	}
	return CONN_UNREADABLE;
}

/* The OAuth mechanism for CFG on this server, or -1 with *ERR set. */
static int
conn_oauth_mech(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, char **err)
{
	int bearer, xoauth;

	if (cfg->auth == AUTH_XOAUTH2)
		return SASL_XOAUTH2;
	if (cfg->auth == AUTH_OAUTHBEARER)
		return SASL_OAUTHBEARER;
	bearer = proto->has_mech(arg, "OAUTHBEARER");
	xoauth = proto->has_mech(arg, "XOAUTH2");
	if (bearer == 1)
		return SASL_OAUTHBEARER;
	if (xoauth == 1)
		return SASL_XOAUTH2;
	/* A server that does not list its mechanisms: the common one. */
	if (bearer < 0 || xoauth < 0)
		return SASL_XOAUTH2;
	*err = xasprintf(_("%s offers neither OAUTHBEARER nor XOAUTH2: an "
	    "OAuth 2.0 token cannot be used there"), cfg->host);
	return -1;
}

/*
 * Sign in with an OAuth 2.0 access token. A refused token is replaced by
 * a fresh one once and tried once more: never a storm of retries.
 */
static enum backend_status
conn_sign_in_oauth(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, struct cred *cred, const char **how,
    char **err)
{
	struct sasl s;
	enum backend_status st;
	enum conn_reply r;
	char *token, *said = NULL;
	int mech, attempt;

	if ((mech = conn_oauth_mech(proto, arg, cfg, err)) < 0) {
		proto->disconnect(arg);
		return BACKEND_ERR_AUTH;
	}
	*how = sasl_mech_name((enum sasl_mech)mech);
	for (attempt = 0; attempt < 2; attempt++) {
		if ((st = cred_secret(cred, attempt > 0, &token, err)) !=
		    BACKEND_OK) {
			proto->disconnect(arg);
			return st;
		}
		memset(&s, 0, sizeof s);
		s.mech = (enum sasl_mech)mech;
		s.user = cfg->user;
		s.secret = token;
		s.host = cfg->host;
		s.port = cfg->port;
		r = conn_sasl(proto, arg, &s, &said);
		xfree_secret(token);
		if (r == CONN_OK) {
			sasl_done(&s);
			return BACKEND_OK;
		}
		if (r != CONN_NO || conn_said_code(said, "IN-USE") ||
		    conn_said_code(said, "SYS/TEMP") ||
		    conn_said_code(said, "UNAVAILABLE") ||
		    (proto->refused_later != NULL &&
		    proto->refused_later(arg))) {
			sasl_done(&s);
			st = conn_refused(proto, arg, r, sasl_mech_name(s.mech),
			    said, err);
			free(said);
			return st;
		}
		log_msg(LOG_INFO, "%s: %s refused the access token%s%s%s",
		    proto->name, sasl_mech_name(s.mech),
		    s.error != NULL ? " (" : "",
		    s.error != NULL ? s.error : "", s.error != NULL ? ")" : "");
		if (attempt == 0) {
			sasl_done(&s);
			free(said);
			said = NULL;
			continue;
		}
		cred_forget(cred);
		*err = s.error != NULL ?
		    xasprintf(_("the server refused the OAuth 2.0 access token "
		    "(%s): %s"), s.error, said != NULL && *said != '\0' ? said :
		    _("no reason given")) :
		    xasprintf(_("the server refused the OAuth 2.0 access token: "
		    "%s"), said != NULL && *said != '\0' ? said :
		    _("no reason given"));
		sasl_done(&s);
		free(said);
		return BACKEND_ERR_AUTH;
	}
	return BACKEND_ERR_AUTH;
}

/* The protocol's own login (HOW) with SECRET, mapped. */
static enum backend_status
conn_login(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, enum conn_login how,
    const char *secret, const char *what, char **err)
{
	const char *said = NULL;
	enum conn_reply r;

	r = proto->login(arg, how, cfg->user, secret, &said);
	if (r == CONN_OK)
		return BACKEND_OK;
	return conn_refused(proto, arg, r, what, said, err);
}

/* SASL with a password: PLAIN or LOGIN. */
static enum backend_status
conn_password_sasl(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, enum sasl_mech mech,
    const char *password, char **err)
{
	struct sasl s;
	enum backend_status st;
	enum conn_reply r;
	char *said = NULL;

	memset(&s, 0, sizeof s);
	s.mech = mech;
	s.user = cfg->user;
	s.secret = password;
	r = conn_sasl(proto, arg, &s, &said);
	sasl_done(&s);
	if (r == CONN_OK)
		return BACKEND_OK;
	st = conn_refused(proto, arg, r, r == CONN_NO ? sasl_mech_name(mech) :
	    "AUTHENTICATE", said, err);
	free(said);
	return st;
}

/*
 * Sign in with a password. auth = plain asks for SASL PLAIN; login for
 * the protocol's own login; apop for APOP (falling back to USER/PASS
 * only over TLS). auto: APOP over a plain-text connection when the
 * greeting offers it (it does not send the password), never APOP over
 * TLS (a server may offer it without holding a secret for it: mailutils
 * does); else SASL PLAIN when offered, unless the protocol's own login
 * comes first (IMAP's LOGIN, which every server has) and is not disabled
 * (LOGINDISABLED); else SASL LOGIN when the protocol's login is disabled
 * and LOGIN is offered; else the protocol's login.
 */
static enum backend_status
conn_sign_in_password(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, struct cred *cred, int secure,
    const char **how, char **err)
{
	enum backend_status st;
	const char *stamp = proto->apop_timestamp != NULL ?
	    proto->apop_timestamp(arg) : NULL;
	char *pw, digest[33];
	int apop;

	if ((st = cred_secret(cred, 0, &pw, err)) != BACKEND_OK) {
		proto->disconnect(arg);
		return st;
	}
	if (cfg->auth == AUTH_APOP && stamp == NULL) {
		xfree_secret(pw);
		return conn_give_up(proto, arg, BACKEND_ERR_AUTH,
		    xstrdup(_("auth = apop, but the server does not offer "
		    "APOP")), err);
	}
	apop = cfg->auth == AUTH_APOP ||
	    (cfg->auth == AUTH_AUTO && stamp != NULL && !secure);
	if (apop) {
		*how = "APOP";
		sasl_apop_digest(stamp, pw, digest);
		st = conn_login(proto, arg, cfg, CONN_LOGIN_APOP, digest,
		    "APOP", err);
		xzero(digest, sizeof digest);
		if (st == BACKEND_ERR_AUTH && secure) {
			/* Over TLS the password itself may go. */
			free(*err);
			*err = NULL;
			log_msg(LOG_INFO, "%s: APOP refused; trying USER/PASS "
			    "over TLS", proto->name);
			*how = "USER";
			st = conn_login(proto, arg, cfg, CONN_LOGIN_USER, pw,
			    "PASS", err);
		}
	} else if (cfg->auth == AUTH_PLAIN || (cfg->auth == AUTH_AUTO &&
	    proto->has_mech(arg, "PLAIN") == 1 && (!proto->own_login_first ||
	    proto->has(arg, "LOGINDISABLED") == 1))) {
		*how = "PLAIN";
		st = conn_password_sasl(proto, arg, cfg, SASL_PLAIN, pw, err);
	} else if (cfg->auth == AUTH_AUTO && proto->has(arg,
	    "LOGINDISABLED") == 1 && proto->has_mech(arg, "LOGIN") == 1) {
		*how = "SASL LOGIN";
		st = conn_password_sasl(proto, arg, cfg, SASL_LOGIN, pw, err);
	} else {
		*how = proto->login_name;
		st = conn_login(proto, arg, cfg, CONN_LOGIN_USER, pw,
		    proto->login_name, err);
	}
	xfree_secret(pw);
	return st;
}

/* STARTTLS (or STLS), required: refused or missing, nothing goes on. */
static enum backend_status
conn_starttls(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, const struct tls_options *opt,
    int preauth, char **err)
{
	const char *said = NULL;
	enum conn_reply r;
	enum tls_status ts;

	/* A PREAUTH greeting would skip TLS: refuse it. */
	if (preauth)
		return conn_give_up(proto, arg, BACKEND_ERR_TLS,
		    xasprintf(_("the server skipped authentication before %s "
		    "(PREAUTH): refusing to go on without TLS"),
		    proto->starttls), err);
	if ((r = proto->capabilities(arg, &said)) != CONN_OK)
		return conn_close_fail(proto, arg, r, conn_caps_name(proto),
		    said, err);
	/* A server that cannot list what it offers may still have it. */
	if (proto->has(arg, proto->starttls) == 0)
		return conn_give_up(proto, arg, BACKEND_ERR_TLS,
		    xasprintf(_("%s does not offer %s: refusing to log in over "
		    "plain text"), cfg->host, proto->starttls), err);
	if ((r = proto->starttls_cmd(arg, &said)) != CONN_OK) {
		if (r == CONN_LOST)
			return conn_close_fail(proto, arg, r, proto->starttls,
			    said, err);
		return conn_give_up(proto, arg, BACKEND_ERR_TLS,
		    r == CONN_UNREADABLE ? xasprintf(_("%s sent data right "
		    "after accepting %s: refusing it"), cfg->host,
		    proto->starttls) : xasprintf(_("%s refused by %s: "
		    "refusing to log in over plain text"), proto->starttls,
		    cfg->host), err);
	}
	ts = tls_starttls(proto->stream(arg), opt, err);
	if (ts != TLS_OK) {
		proto->disconnect(arg);
		return ts == TLS_ERR_NET ? BACKEND_ERR_NET : BACKEND_ERR_TLS;
	}
	return BACKEND_OK;
}

enum backend_status
conn_open(const struct conn_proto *proto, void *arg,
    const struct account_config *cfg, struct cred *cred, char **err)
{
	struct tls_options opt;
	struct _mailstream *stream = NULL;
	enum backend_status st;
	enum conn_reply r;
	enum tls_status ts;
	const char *said = NULL, *how = "PREAUTH";
	int preauth = 0;

	memset(&opt, 0, sizeof opt);
	opt.host = cfg->host;
	opt.ca_file = cfg->tls_ca_file;
	opt.pin = cfg->has_fingerprint ? cfg->fingerprint : NULL;
	opt.timeout_sec = cfg->timeout > 0 ? cfg->timeout : 60;

	ts = tls_connect(cfg->host, cfg->port, &opt, cfg->tls == TLS_IMPLICIT,
	    &stream, err);
	if (ts != TLS_OK)
		return ts == TLS_ERR_NET || ts == TLS_ERR_CANCELLED ?
		    BACKEND_ERR_NET : BACKEND_ERR_TLS;
	/* The session owns the stream from here on. */
	if ((r = proto->greet(arg, stream, &preauth, &said)) != CONN_OK) {
		if (r == CONN_NO)
			return conn_give_up(proto, arg, BACKEND_ERR_NET,
			    xasprintf(_("the server refused the connection: "
			    "%s"), said != NULL && *said != '\0' ? said :
			    _("no reason given")), err);
		return conn_close_fail(proto, arg, r, _("greeting"), said,
		    err);
	}
	if (cfg->tls == TLS_STARTTLS &&
	    (st = conn_starttls(proto, arg, cfg, &opt, preauth, err)) !=
	    BACKEND_OK)
		return st;
	/* Capabilities from before TLS are not to be trusted: ask again. */
	if ((r = proto->capabilities(arg, &said)) != CONN_OK)
		return conn_close_fail(proto, arg, r, conn_caps_name(proto),
		    said, err);
	if (preauth) {
		log_msg(LOG_INFO, "%s: signed in by the server (PREAUTH) at "
		    "%s:%d", proto->name, cfg->host, cfg->port);
		return BACKEND_OK;
	}
	if (proto->wants_login != NULL && !proto->wants_login(arg)) {
		log_msg(LOG_INFO, "%s: %s:%d asks for no sign-in", proto->name,
		    cfg->host, cfg->port);
		return BACKEND_OK;
	}
	if (cred_is_oauth(cred))
		st = conn_sign_in_oauth(proto, arg, cfg, cred, &how, err);
	else
		st = conn_sign_in_password(proto, arg, cfg, cred,
		    proto->stream(arg) != NULL &&
		    tls_is_secure(proto->stream(arg)), &how, err);
	if (proto->stream(arg) != NULL)
		tls_forget_sent(proto->stream(arg));
	if (st != BACKEND_OK)
		return st;
	/* Servers often announce more once signed in. */
	if (proto->caps_after_login &&
	    (r = proto->capabilities(arg, &said)) != CONN_OK)
		return conn_close_fail(proto, arg, r, conn_caps_name(proto),
		    said, err);
	log_msg(LOG_INFO, "%s: logged in to %s:%d (%s)", proto->name,
	    cfg->host, cfg->port, how);
	return BACKEND_OK;
}
