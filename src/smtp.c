/*
 * SMTP submission (smtp.h): the connection layer (conn.h) connects,
 * secures and signs in through the struct conn_proto below; tern sends
 * every command and reads every reply itself on the stream, through the
 * bounded reader of smtpparse.h. libetpan's mailsmtp session is not used:
 * its EHLO sends the machine's host name, its AUTH goes through libsasl2,
 * its MAIL and RCPT put an address into a fixed buffer unchecked and never
 * ask for 8BITMIME or SMTPUTF8, its data writer makes a second copy of
 * the message and its reply reader has no bound (shared/docs/sending.md
 * section 2). What is left of it, mailsmtp_connect(), only reads the
 * greeting, and closes the stream itself on a refusal.
 *
 * The outcome of a message rests on where the link was lost: before the
 * final dot the server drops the message (SMTP_TEMP); after it, it may
 * have taken it (SMTP_UNKNOWN), which is why the caller is called back
 * just before the dot.
 */
#include "autoconfig.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "config.h"
#include "conn.h"
#include "i18n.h"
#include "log.h"
#include "sasl.h"
#include "smtp.h"
#include "smtpparse.h"
#include "strbuf.h"
#include "text.h"
#include "tls.h"
#include "xmalloc.h"

/*
 * What one reply (or the replies to one pipelined batch) may bring before
 * the stream refuses to read on: far more than SMTPPARSE_LINES_MAX lines
 * of SMTPPARSE_LINE_MAX, far less than a message.
 */
#define SMTP_READ_LIMIT ((size_t)4 * 1024 * 1024)
/* The server's words in a result are cut to this many bytes. */
#define SMTP_TEXT_MAX 400
/* The message goes out in writes of at most this much. */
#define SMTP_CHUNK 65536

struct smtp {
	const struct account_config *cfg;
	/* CFG as the connection layer is to see it: the smtp server's
	 * host, port and TLS, and the user that signs in. */
	struct account_config conn_cfg;

	pthread_mutex_t lock;	/* guards stream for smtp_interrupt() */
	mailstream *stream;
	MMAPString *line;	/* the line being read */
	struct smtpparse_reply reply;	/* the reply last read */
	struct smtpparse_ehlo ehlo;	/* what the last EHLO offered */
	char *said;		/* that reply, sanitised, on one line */
	char *helo;		/* EHLO's argument */
	struct log_wire wire;
	int quiet;		/* the message data goes out: no trace */
};

static void smtp_disconnect(struct smtp *);

int
smtp_address_ok(const char *addr)
{
	return smtpparse_address_ok(addr);
}

struct smtp *
smtp_new(const struct account_config *cfg)
{
	struct smtp *s;

	s = xcalloc(1, sizeof *s);
	s->cfg = cfg;
	s->conn_cfg = *cfg;
	s->conn_cfg.host = cfg->smtp_host;
	s->conn_cfg.port = cfg->smtp_port;
	s->conn_cfg.tls = cfg->smtp_tls;
	if (cfg->smtp_user != NULL)
		s->conn_cfg.user = cfg->smtp_user;
	pthread_mutex_init(&s->lock, NULL);
	smtpparse_reply_init(&s->reply);
	return s;
}

/* The trace of the stream: what goes and comes, redacted (log.h). */
static void
smtp_logger(mailstream *stream, int type, const char *str, size_t size,
    void *arg)
{
	struct smtp *s = arg;

	(void)stream;
	if (type == MAILSTREAM_LOG_TYPE_DATA_RECEIVED)
		log_wire(&s->wire, LOG_WIRE_RECEIVED, str, size);
	else if (s->quiet)
		return;
	else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT)
		log_wire(&s->wire, LOG_WIRE_SENT, str, size);
	else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE)
		log_wire(&s->wire, LOG_WIRE_SENT_PRIVATE, str, size);
}

/* Close the stream without QUIT: the session is not to be used. */
static void
smtp_disconnect(struct smtp *s)
{
	mailstream *st;

	pthread_mutex_lock(&s->lock);
	st = s->stream;
	s->stream = NULL;
	pthread_mutex_unlock(&s->lock);
	if (st != NULL) {
		tls_forget_sent(st);
		mailstream_close(st);
	}
	if (s->line != NULL)
		mmap_string_free(s->line);
	s->line = NULL;
	memset(&s->ehlo, 0, sizeof s->ehlo);
}

/* Make s->said the reply just read: "CODE text", sanitised, one line. */
static void
smtp_said_update(struct smtp *s)
{
	struct strbuf raw = STRBUF_INIT;
	size_t cut;

	free(s->said);
	strbuf_addf(&raw, "%d", s->reply.code);
	if (s->reply.text.len > 0) {
		strbuf_addch(&raw, ' ');
		strbuf_add(&raw, s->reply.text.buf, s->reply.text.len);
	}
	s->said = text_sanitize_dup(raw.buf, 0);
	strbuf_release(&raw);
	if (strlen(s->said) > SMTP_TEXT_MAX) {
		/* Cut at the start of a character. */
		cut = SMTP_TEXT_MAX;
		while (cut > 0 && ((unsigned char)s->said[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(s->said + cut, "...", 4);
	}
}

/*
 * Read one reply into s->reply (and s->said): CONN_OK, CONN_LOST or
 * CONN_UNREADABLE (a line that is not a reply line, or one over the
 * bounds of smtpparse.h).
 */
static enum conn_reply
smtp_read_reply(struct smtp *s)
{
	enum smtpparse_status r;
	char *line;

	smtpparse_reply_reset(&s->reply);
	if (s->stream == NULL)
		return CONN_LOST;
	for (;;) {
		line = mailstream_read_line_remove_eol(s->stream, s->line);
		if (line == NULL)
			return CONN_LOST;
		r = smtpparse_reply_line(&s->reply, line, s->line->len);
		if (r == SMTPPARSE_BAD) {
			log_msg(LOG_WARN, "smtp: an unreadable reply line "
			    "(%zu bytes) after %u lines", s->line->len,
			    s->reply.nlines);
			return CONN_UNREADABLE;
		}
		if (r == SMTPPARSE_DONE)
			break;
	}
	smtp_said_update(s);
	return CONN_OK;
}

/* Write the LEN bytes at BUF (no flush). 0, or -1 if the stream failed. */
static int
smtp_write(struct smtp *s, const char *buf, size_t len)
{
	if (s->stream == NULL)
		return -1;
	if (len > 0 && mailstream_write(s->stream, buf, len) != (ssize_t)len)
		return -1;
	return 0;
}

/* Write and flush the command(s) CMD. 0, or -1. */
static int
smtp_send_cmd(struct smtp *s, const char *cmd, size_t len)
{
	if (smtp_write(s, cmd, len) != 0 || mailstream_flush(s->stream) != 0)
		return -1;
	return 0;
}

/* Send the command CMD (a C string) and read its reply. */
static enum conn_reply
smtp_command(struct smtp *s, const char *cmd)
{
	if (smtp_send_cmd(s, cmd, strlen(cmd)) != 0)
		return CONN_LOST;
	return smtp_read_reply(s);
}

/* Whether DOMAIN is a host name of two or more LDH labels (RFC 5321). */
static int
smtp_domain_ok(const char *domain)
{
	const char *p = domain;
	size_t label = 0, labels = 0;

	if (strlen(domain) > 253)
		return 0;
	for (;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return 0;
			labels++;
			label = 0;
			if (*p == '\0')
				break;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || (*p == '-' && label > 0)))
			return 0;
		label++;
	}
	return labels >= 2;
}

/*
 * EHLO's argument: the domain of the From address, else the address
 * literal of the local end of the connection (RFC 5321 4.1.3); never the
 * machine's host name.
 */
static char *
smtp_helo_name(const struct account_config *cfg, mailstream *stream)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char buf[INET6_ADDRSTRLEN], *addr = NULL, *name;
	const char *at;
	int fd;

	if (cfg->from != NULL && smtpparse_mailbox(cfg->from, &addr) == 0 &&
	    (at = strrchr(addr, '@')) != NULL && smtp_domain_ok(at + 1)) {
		name = xstrdup(at + 1);
		free(addr);
		return name;
	}
	free(addr);
	fd = mailstream_low_get_fd(mailstream_get_low(stream));
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET && inet_ntop(AF_INET,
		    &((struct sockaddr_in *)&ss)->sin_addr, buf,
		    sizeof buf) != NULL)
			return xasprintf("[%s]", buf);
		if (ss.ss_family == AF_INET6) {
			struct in6_addr *a6 =
			    &((struct sockaddr_in6 *)&ss)->sin6_addr;

			if (IN6_IS_ADDR_V4MAPPED(a6) && inet_ntop(AF_INET,
			    &a6->s6_addr[12], buf, sizeof buf) != NULL)
				return xasprintf("[%s]", buf);
			if (inet_ntop(AF_INET6, a6, buf, sizeof buf) != NULL)
				return xasprintf("[IPv6:%s]", buf);
		}
	}
	return xstrdup("[127.0.0.1]");
}

/*
 * The SMTP side of the connection layer (conn.h): the greeting, EHLO as
 * the capabilities, STARTTLS, AUTH with the initial response always
 * (RFC 4954), AUTH LOGIN as the protocol's own login.
 */
static enum conn_reply
smtp_c_greet(void *arg, mailstream *stream, int *preauth, const char **said)
{
	struct smtp *s = arg;
	enum conn_reply r;

	*preauth = 0;
	pthread_mutex_lock(&s->lock);
	s->stream = stream;
	pthread_mutex_unlock(&s->lock);
	s->line = mmap_string_new("");
	tls_set_read_limit(stream, SMTP_READ_LIMIT);
	if (log_enabled(LOG_DEBUG)) {
		s->wire.proto = "smtp";
		s->wire.secret = 0;
		mailstream_set_logger(stream, smtp_logger, s);
	}
	free(s->helo);
	s->helo = smtp_helo_name(s->cfg, stream);
	if ((r = smtp_read_reply(s)) != CONN_OK)
		return r;
	if (s->reply.code != 220) {
		*said = s->said;
		return CONN_NO;
	}
	return CONN_OK;
}

static mailstream *
smtp_c_stream(void *arg)
{
	struct smtp *s = arg;

	return s->stream;
}

static enum conn_reply
smtp_c_capabilities(void *arg, const char **said)
{
	struct smtp *s = arg;
	enum conn_reply r;
	char *cmd;

	memset(&s->ehlo, 0, sizeof s->ehlo);
	cmd = xasprintf("EHLO %s\r\n", s->helo);
	r = smtp_command(s, cmd);
	free(cmd);
	if (r != CONN_OK)
		return r;
	if (smtpparse_ehlo(&s->reply, &s->ehlo) != 0) {
		*said = s->said;
		return CONN_NO;
	}
	return CONN_OK;
}

static int
smtp_c_has(void *arg, const char *cap)
{
	struct smtp *s = arg;

	if (strcmp(cap, "STARTTLS") == 0)
		return (s->ehlo.ext & SMTPPARSE_EXT_STARTTLS) != 0;
	/* SMTP has no login of its own: SASL PLAIN, then LOGIN. */
	if (strcmp(cap, "LOGINDISABLED") == 0)
		return 1;
	return 0;
}

static int
smtp_c_has_mech(void *arg, const char *mech)
{
	struct smtp *s = arg;

	return (s->ehlo.auth & smtpparse_auth_bit(mech)) != 0;
}

static enum conn_reply
smtp_c_starttls(void *arg, const char **said)
{
	struct smtp *s = arg;
	enum conn_reply r;

	if ((r = smtp_command(s, "STARTTLS\r\n")) != CONN_OK)
		return r;
	*said = s->said;
	if (s->reply.code != 220)
		return CONN_NO;
	/* Bytes after the 220 came before TLS: refuse them. */
	if (s->stream->read_buffer_len != 0)
		return CONN_UNREADABLE;
	return CONN_OK;
}

/* Send the secret LINE (taken) and read the reply. */
static enum conn_reply
smtp_secret_command(struct smtp *s, char *line)
{
	if (conn_send_secret(s->stream, line) != 0)
		return CONN_LOST;
	return smtp_read_reply(s);
}

/* AUTH LOGIN, step by step: the user and the secret, each base64. */
static enum conn_reply
smtp_c_login(void *arg, enum conn_login how, const char *user,
    const char *secret, const char **said)
{
	struct smtp *s = arg;
	enum conn_reply r;
	char *b64;
	int step;

	(void)how;
	r = smtp_command(s, "AUTH LOGIN\r\n");
	for (step = 0; r == CONN_OK && s->reply.code == 334; step++) {
		if (step == 0)
			b64 = sasl_b64_encode(user, strlen(user));
		else if (step == 1)
			b64 = sasl_b64_encode(secret, strlen(secret));
		else
			b64 = xstrdup("*");
		r = smtp_secret_command(s, xasprintf("%s\r\n", b64));
		xfree_secret(b64);
	}
	if (r != CONN_OK)
		return r;
	*said = s->said;
	return s->reply.code == 235 ? CONN_OK : CONN_NO;
}

static char *
smtp_c_sasl_command(void *arg, const char *mech, const char *ir)
{
	(void)arg;
	return xasprintf("AUTH %s%s%s\r\n", mech, ir != NULL ? " " : "",
	    ir == NULL ? "" : *ir != '\0' ? ir : "=");
}

static enum conn_sasl_line
smtp_c_sasl_line(void *arg, const char *line, const char **text)
{
	struct smtp *s = arg;
	enum smtpparse_status r;

	if (s->reply.done || s->reply.nlines == 0)
		smtpparse_reply_reset(&s->reply);
	r = smtpparse_reply_line(&s->reply, line, strlen(line));
	if (r == SMTPPARSE_BAD)
		return CONN_SASL_BAD;
	if (r == SMTPPARSE_MORE)
		return CONN_SASL_SKIP;
	smtp_said_update(s);
	if (s->reply.code == 334) {
		/* The challenge: the base64 of the last line. */
		const char *nl = strrchr(s->reply.text.buf, '\n');

		*text = nl != NULL ? nl + 1 : s->reply.text.buf;
		return CONN_SASL_MORE;
	}
	if (s->reply.code == 235)
		return CONN_SASL_OK;
	*text = s->said;
	return CONN_SASL_NO;
}

static char *
smtp_c_read_line(void *arg)
{
	struct smtp *s = arg;

	if (s->stream == NULL)
		return NULL;
	return mailstream_read_line_remove_eol(s->stream, s->line);
}

static void
smtp_c_signed_in(void *arg)
{
	(void)arg;
}

static void
smtp_c_disconnect(void *arg)
{
	smtp_disconnect(arg);
}

static int
smtp_c_wants_login(void *arg)
{
	struct smtp *s = arg;

	return (s->ehlo.ext & SMTPPARSE_EXT_AUTH) != 0;
}

static int
smtp_c_refused_later(void *arg)
{
	struct smtp *s = arg;

	return s->reply.code / 100 == 4;
}

static const struct conn_proto smtp_proto = {
	.name = "smtp",
	.starttls = "STARTTLS",
	.login_name = "AUTH LOGIN",
	.caps_name = "EHLO",
	.sasl_ir = 1,
	.caps_after_login = 0,
	.own_login_first = 0,
	.greet = smtp_c_greet,
	.stream = smtp_c_stream,
	.capabilities = smtp_c_capabilities,
	.has = smtp_c_has,
	.has_mech = smtp_c_has_mech,
	.starttls_cmd = smtp_c_starttls,
	.login = smtp_c_login,
	.apop_timestamp = NULL,
	.sasl_command = smtp_c_sasl_command,
	.sasl_line = smtp_c_sasl_line,
	.read_line = smtp_c_read_line,
	.signed_in = smtp_c_signed_in,
	.disconnect = smtp_c_disconnect,
	.wants_login = smtp_c_wants_login,
	.refused_later = smtp_c_refused_later,
};

enum backend_status
smtp_connect(struct smtp *s, struct cred *cred, char **err)
{
	enum backend_status st;

	smtp_disconnect(s);
	if (s->cfg->smtp_host == NULL) {
		*err = xasprintf(_("account \"%s\" has no smtp server"),
		    s->cfg->name);
		return BACKEND_ERR_PROTOCOL;
	}
	st = conn_open(&smtp_proto, s, &s->conn_cfg, cred, err);
	if (st != BACKEND_OK) {
		/* 421: the server closes the connection, try again later. */
		if (s->reply.code == 421 && st != BACKEND_ERR_TLS)
			st = BACKEND_ERR_NET;
		smtp_disconnect(s);
		return st;
	}
	log_msg(LOG_INFO, "smtp: %s offers%s%s%s%s%s (size limit %llu)",
	    s->cfg->smtp_host,
	    s->ehlo.ext & SMTPPARSE_EXT_8BITMIME ? " 8BITMIME" : "",
	    s->ehlo.ext & SMTPPARSE_EXT_SMTPUTF8 ? " SMTPUTF8" : "",
	    s->ehlo.ext & SMTPPARSE_EXT_PIPELINING ? " PIPELINING" : "",
	    s->ehlo.ext & SMTPPARSE_EXT_SIZE ? " SIZE" : "",
	    s->ehlo.ext & SMTPPARSE_EXT_ENHANCEDSTATUSCODES ?
	    " ENHANCEDSTATUSCODES" : "", (unsigned long long)s->ehlo.size);
	return BACKEND_OK;
}

/* Sending. */

/* End RES with OUTCOME and the message TEXT (taken). */
static void
smtp_end(struct smtp_result *res, enum smtp_outcome outcome, char *text)
{
	res->outcome = outcome;
	free(res->text);
	res->text = text;
}

/* End RES because the link failed (REPLY) while doing WHAT. */
static void
smtp_end_lost(struct smtp *s, struct smtp_result *res,
    enum smtp_outcome outcome, enum conn_reply reply, const char *what)
{
	char *err = NULL;

	(void)conn_fail(s->stream, reply == CONN_OK ? CONN_LOST : reply, what,
	    NULL, &err);
	res->status = BACKEND_ERR_NET;
	res->code = 0;
	if (outcome == SMTP_UNKNOWN) {
		char *e = err;

		err = xasprintf(_("%s: the message may have been sent"), e);
		free(e);
	}
	smtp_end(res, outcome, err);
	smtp_disconnect(s);
}

/* The outcome a refusal with CODE means: 4xx later, else never. */
static enum smtp_outcome
smtp_outcome_of(int code)
{
	return code / 100 == 4 ? SMTP_TEMP : SMTP_PERM;
}

/* What a refusal refused. */
enum smtp_refusal { SMTP_R_CLOSING, SMTP_R_SENDER, SMTP_R_MESSAGE };

/* The message of refusal WHAT, with the server's words SAID. */
static char *
smtp_refusal_text(enum smtp_refusal what, const char *said)
{
	switch (what) {
	case SMTP_R_CLOSING:
		return xasprintf(_("the server closes the connection: %s"),
		    said);
	case SMTP_R_SENDER:
		return xasprintf(_("the server refused the sender: %s"), said);
	case SMTP_R_MESSAGE:
		break;
	}
	return xasprintf(_("the server refused the message: %s"), said);
}

/* End RES with the refusal just read, of WHAT. A 421 closes the session. */
static void
smtp_end_refused(struct smtp *s, struct smtp_result *res,
    enum smtp_refusal what)
{
	res->code = s->reply.code;
	smtp_end(res, smtp_outcome_of(s->reply.code),
	    smtp_refusal_text(s->reply.code == 421 ? SMTP_R_CLOSING : what,
	    s->said));
	if (s->reply.code == 421) {
		res->status = BACKEND_ERR_NET;
		smtp_disconnect(s);
	}
}

/* RSET after a transaction that did not end: on any trouble, close. */
static void
smtp_rset(struct smtp *s)
{
	if (s->stream == NULL)
		return;
	if (smtp_command(s, "RSET\r\n") != CONN_OK || s->reply.code != 250) {
		log_msg(LOG_WARN, "smtp: RSET failed: closing the session");
		smtp_disconnect(s);
	}
}

/* Record the refusal just read of recipient ADDR in RES. */
static void
smtp_refused_add(struct smtp *s, struct smtp_result *res, const char *addr)
{
	struct smtp_refused *r;

	res->refused = xreallocarray(res->refused, res->nrefused + 1,
	    sizeof *res->refused);
	r = &res->refused[res->nrefused++];
	r->addr = text_sanitize_dup(addr, 0);
	r->code = s->reply.code;
	r->text = xstrdup(s->said);
}

/*
 * Write the LEN bytes of DATA as the DATA section: CRLF line ends (a bare
 * LF or CR made CRLF), a dot at the start of a line doubled, a CRLF added
 * when the message does not end in one. No copy of the message is made:
 * it goes out in runs of at most SMTP_CHUNK bytes. 0, or -1 if the
 * stream failed.
 */
static int
smtp_write_data(struct smtp *s, const char *data, size_t len)
{
	size_t i, start = 0;
	int bol = 1;

	for (i = 0; i < len; i++) {
		char c = data[i];

		if (bol && c == '.') {
			if (smtp_write(s, data + start, i - start) != 0 ||
			    smtp_write(s, ".", 1) != 0)
				return -1;
			start = i;
		}
		bol = 0;
		if (c == '\n' && (i == 0 || data[i - 1] != '\r')) {
			/* A bare LF. */
			if (smtp_write(s, data + start, i - start) != 0 ||
			    smtp_write(s, "\r\n", 2) != 0)
				return -1;
			start = i + 1;
			bol = 1;
		} else if (c == '\r' && (i + 1 == len || data[i + 1] != '\n')) {
			/* A bare CR. */
			if (smtp_write(s, data + start, i - start) != 0 ||
			    smtp_write(s, "\r\n", 2) != 0)
				return -1;
			start = i + 1;
			bol = 1;
		} else if (c == '\n')
			bol = 1;
		if (start <= i && i + 1 - start >= SMTP_CHUNK) {
			if (smtp_write(s, data + start, i + 1 - start) != 0)
				return -1;
			start = i + 1;
		}
	}
	if (smtp_write(s, data + start, len - start) != 0)
		return -1;
	if (!bol && smtp_write(s, "\r\n", 2) != 0)
		return -1;
	return 0;
}

/* What the message needs of the server: 8-bit data, a NUL byte. */
static void
smtp_scan(const char *data, size_t len, int *eight_r, int *nul_r)
{
	size_t i;

	*eight_r = *nul_r = 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)data[i] >= 0x80)
			*eight_r = 1;
		else if (data[i] == '\0')
			*nul_r = 1;
	}
}

/*
 * Check M before a byte goes out: the addresses, what the data and the
 * addresses need of the server, its size limit. 0, or -1 with RES ended
 * (SMTP_PERM).
 */
static int
smtp_check(struct smtp *s, const struct smtp_message *m, int *eight_r,
    int *utf8_r, struct smtp_result *res)
{
	const char *bad = NULL;
	char *shown;
	size_t i;
	int nul;

	*utf8_r = 0;
	if (!smtp_address_ok(m->from))
		bad = m->from != NULL ? m->from : "";
	*utf8_r |= bad == NULL && smtpparse_address_utf8(m->from);
	for (i = 0; bad == NULL && i < m->nrcpt; i++) {
		if (!smtp_address_ok(m->rcpts[i]))
			bad = m->rcpts[i] != NULL ? m->rcpts[i] : "";
		else
			*utf8_r |= smtpparse_address_utf8(m->rcpts[i]);
	}
	if (bad != NULL) {
		shown = text_sanitize_dup(bad, 0);
		smtp_end(res, SMTP_PERM, xasprintf(_("\"%s\" is not an "
		    "address tern can send to or from"), shown));
		free(shown);
		return -1;
	}
	if (m->nrcpt == 0) {
		smtp_end(res, SMTP_PERM, xstrdup(_("the message has no "
		    "recipient")));
		return -1;
	}
	smtp_scan(m->data, m->len, eight_r, &nul);
	if (nul) {
		smtp_end(res, SMTP_PERM, xstrdup(_("the message holds a NUL "
		    "byte, which SMTP cannot carry")));
		return -1;
	}
	if (s->stream == NULL)
		return 0;	/* said by the caller */
	if (*utf8_r && !(s->ehlo.ext & SMTPPARSE_EXT_SMTPUTF8)) {
		smtp_end(res, SMTP_PERM, xstrdup(_("an address is not ASCII "
		    "and the server does not offer SMTPUTF8")));
		return -1;
	}
	/*
	 * RFC 6152: 8-bit data only to a server that offers 8BITMIME. tern
	 * writes its own text parts in quoted-printable, so this is a
	 * message from elsewhere (a resend), which is not rewritten here.
	 */
	if (*eight_r && !(s->ehlo.ext & SMTPPARSE_EXT_8BITMIME)) {
		smtp_end(res, SMTP_PERM, xstrdup(_("the message holds 8-bit "
		    "data and the server does not offer 8BITMIME")));
		return -1;
	}
	if ((s->ehlo.ext & SMTPPARSE_EXT_SIZE) && s->ehlo.size > 0 &&
	    (uint64_t)m->len > s->ehlo.size) {
		smtp_end(res, SMTP_PERM, xasprintf(_("the message (%zu bytes) "
		    "is larger than the server takes (%llu bytes)"), m->len,
		    (unsigned long long)s->ehlo.size));
		return -1;
	}
	return 0;
}

/*
 * After every recipient was refused: the outcome. SMTP_TEMP when one of
 * the refusals was temporary (450, 452: sending again may get through),
 * SMTP_PERM when every one was permanent.
 */
static void
smtp_end_all_refused(struct smtp_result *res)
{
	size_t i;
	enum smtp_outcome o = SMTP_PERM;

	for (i = 0; i < res->nrefused; i++)
		if (res->refused[i].code / 100 == 4)
			o = SMTP_TEMP;
	res->code = res->nrefused > 0 ?
	    res->refused[res->nrefused - 1].code : 0;
	smtp_end(res, o, xasprintf(_("the server refused every recipient: "
	    "%s"), res->nrefused > 0 ? res->refused[res->nrefused - 1].text :
	    _("no reason given")));
}

/*
 * The envelope: MAIL, RCPT for each recipient, DATA; in one write when
 * the server offers PIPELINING (RFC 2920), the replies then read in
 * order. Returns 1 once DATA got its 354 and a recipient was taken, 0
 * with RES ended (the session reset or closed).
 */
static int
smtp_envelope(struct smtp *s, const struct smtp_message *m, const char *mail,
    struct smtp_result *res)
{
	struct strbuf cmds = STRBUF_INIT;
	enum conn_reply r;
	size_t i, taken = 0;
	int pipe = (s->ehlo.ext & SMTPPARSE_EXT_PIPELINING) != 0;
	int mail_code = 0, ok = 0;
	char *mail_said = NULL;

	strbuf_addstr(&cmds, mail);
	if (pipe) {
		for (i = 0; i < m->nrcpt; i++)
			strbuf_addf(&cmds, "RCPT TO:<%s>\r\n", m->rcpts[i]);
		strbuf_addstr(&cmds, "DATA\r\n");
	}
	if (smtp_send_cmd(s, cmds.buf, cmds.len) != 0) {
		smtp_end_lost(s, res, SMTP_TEMP, CONN_LOST, "MAIL");
		goto out;
	}
	if ((r = smtp_read_reply(s)) != CONN_OK) {
		smtp_end_lost(s, res, SMTP_TEMP, r, "MAIL");
		goto out;
	}
	if (s->reply.code == 421) {
		smtp_end_refused(s, res, SMTP_R_CLOSING);
		goto out;
	}
	if (s->reply.code / 100 != 2) {
		mail_code = s->reply.code;
		mail_said = xstrdup(s->said);
		if (!pipe) {
			smtp_end_refused(s, res, SMTP_R_SENDER);
			smtp_rset(s);
			goto out;
		}
	}
	for (i = 0; i < m->nrcpt; i++) {
		if (!pipe) {
			strbuf_reset(&cmds);
			strbuf_addf(&cmds, "RCPT TO:<%s>\r\n", m->rcpts[i]);
			if (smtp_send_cmd(s, cmds.buf, cmds.len) != 0) {
				smtp_end_lost(s, res, SMTP_TEMP, CONN_LOST,
				    "RCPT");
				goto out;
			}
		}
		if ((r = smtp_read_reply(s)) != CONN_OK) {
			smtp_end_lost(s, res, SMTP_TEMP, r, "RCPT");
			goto out;
		}
		if (s->reply.code == 421) {
			smtp_end_refused(s, res, SMTP_R_CLOSING);
			goto out;
		}
		if (s->reply.code / 100 == 2)
			taken++;
		else if (mail_code == 0)
			smtp_refused_add(s, res, m->rcpts[i]);
	}
	if (!pipe) {
		if (taken == 0) {
			smtp_end_all_refused(res);
			smtp_rset(s);
			goto out;
		}
		if (smtp_send_cmd(s, "DATA\r\n", 6) != 0) {
			smtp_end_lost(s, res, SMTP_TEMP, CONN_LOST, "DATA");
			goto out;
		}
	}
	if ((r = smtp_read_reply(s)) != CONN_OK) {
		smtp_end_lost(s, res, SMTP_TEMP, r, "DATA");
		goto out;
	}
	if (s->reply.code == 421) {
		smtp_end_refused(s, res, SMTP_R_CLOSING);
		goto out;
	}
	if (s->reply.code == 354 && (mail_code != 0 || taken == 0)) {
		/* RFC 2920: DATA taken with no recipient: an empty message. */
		if (smtp_send_cmd(s, ".\r\n", 3) != 0 ||
		    (r = smtp_read_reply(s)) != CONN_OK) {
			smtp_end_lost(s, res, SMTP_TEMP, CONN_LOST, "DATA");
			goto out;
		}
	}
	if (mail_code != 0) {
		res->code = mail_code;
		smtp_end(res, smtp_outcome_of(mail_code),
		    smtp_refusal_text(SMTP_R_SENDER, mail_said));
		smtp_rset(s);
		goto out;
	}
	if (taken == 0) {
		smtp_end_all_refused(res);
		smtp_rset(s);
		goto out;
	}
	if (s->reply.code != 354) {
		smtp_end_refused(s, res, SMTP_R_MESSAGE);
		smtp_rset(s);
		goto out;
	}
	ok = 1;

out:
	free(mail_said);
	strbuf_release(&cmds);
	return ok;
}

int
smtp_send(struct smtp *s, const struct smtp_message *m,
    smtp_before_dot_fn before_dot, void *arg, struct smtp_result *res)
{
	struct strbuf mail = STRBUF_INIT;
	enum conn_reply r;
	int eight, utf8;

	memset(res, 0, sizeof *res);
	res->status = BACKEND_OK;
	if (smtp_check(s, m, &eight, &utf8, res) != 0)
		goto out;
	if (s->stream == NULL) {
		res->status = BACKEND_ERR_NET;
		smtp_end(res, SMTP_TEMP, xstrdup(_("not connected")));
		goto out;
	}
	strbuf_addf(&mail, "MAIL FROM:<%s>", m->from);
	if (s->ehlo.ext & SMTPPARSE_EXT_SIZE)
		strbuf_addf(&mail, " SIZE=%zu", m->len);
	if (eight)
		strbuf_addstr(&mail, " BODY=8BITMIME");
	if (utf8)
		strbuf_addstr(&mail, " SMTPUTF8");
	strbuf_addstr(&mail, "\r\n");
	if (!smtp_envelope(s, m, mail.buf, res))
		goto out;

	/* The data: a link lost now loses the message, not sends it. */
	s->quiet = 1;
	log_msg(LOG_DEBUG, "smtp: C: (%zu bytes of message data)", m->len);
	if (smtp_write_data(s, m->data, m->len) != 0 ||
	    mailstream_flush(s->stream) != 0) {
		s->quiet = 0;
		smtp_end_lost(s, res, SMTP_TEMP, CONN_LOST, "DATA");
		goto out;
	}
	s->quiet = 0;
	if (before_dot != NULL && before_dot(arg) != 0) {
		/* Closing without the dot: the server drops the message. */
		res->status = BACKEND_ERR_NET;
		smtp_end(res, SMTP_TEMP, xstrdup(_("sending stopped before the "
		    "end of the message")));
		smtp_disconnect(s);
		goto out;
	}
	if (smtp_send_cmd(s, ".\r\n", 3) != 0) {
		smtp_end_lost(s, res, SMTP_UNKNOWN, CONN_LOST, _("end of data"));
		goto out;
	}
	if ((r = smtp_read_reply(s)) != CONN_OK) {
		smtp_end_lost(s, res, SMTP_UNKNOWN, r, _("end of data"));
		goto out;
	}
	if (s->reply.code / 100 != 2) {
		smtp_end_refused(s, res, SMTP_R_MESSAGE);
		goto out;
	}
	res->code = s->reply.code;
	smtp_end(res, SMTP_SENT, xstrdup(s->said));
	log_msg(LOG_INFO, "smtp: sent %zu bytes to %zu of %zu recipients: %s",
	    m->len, m->nrcpt - res->nrefused, m->nrcpt, s->said);

out:
	strbuf_release(&mail);
	return 0;
}

void
smtp_result_release(struct smtp_result *res)
{
	size_t i;

	for (i = 0; i < res->nrefused; i++) {
		free(res->refused[i].addr);
		free(res->refused[i].text);
	}
	free(res->refused);
	free(res->text);
	memset(res, 0, sizeof *res);
}

void
smtp_interrupt(struct smtp *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->stream != NULL)
		tls_cancel(s->stream);
	pthread_mutex_unlock(&s->lock);
}

void
smtp_free(struct smtp *s)
{
	if (s == NULL)
		return;
	/* QUIT's reply is read, not waited on for long: the timeout. */
	if (s->stream != NULL && smtp_command(s, "QUIT\r\n") == CONN_OK)
		log_msg(LOG_INFO, "smtp: %s", s->said);
	smtp_disconnect(s);
	smtpparse_reply_release(&s->reply);
	free(s->said);
	free(s->helo);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
