/*
 * The POP3 backend (backend.h, pop3.h): a libetpan mailpop3 session over
 * our tls stream. It logs in (SASL PLAIN, APOP or USER/PASS, never before
 * TLS unless the config says tls = off), downloads new messages into the
 * account's local Inbox, deletes on the server what the mode says, lists
 * the server's messages for the preview, and fetches or deletes single
 * messages from it. libetpan connects, reads CAPA and sends USER and STLS;
 * tern sends and reads the rest itself (STAT, LIST, UIDL, TOP, RETR, DELE,
 * QUIT and every command that carries a secret), through pop3parse.h,
 * because libetpan's readers trust the server's message numbers.
 *
 * Never losing a message rests on three rules:
 *   - a message is committed to the store and synced to disk (a batch at a
 *     time) before its DELE is sent;
 *   - the UIDL ledger (store.h) records every identity downloaded, so a
 *     message the server still has after a dropped session is deleted
 *     again, never downloaded twice;
 *   - libetpan's mailpop3_free() sends QUIT, which commits DELEs; on every
 *     error path the stream is closed first, so only pop3_logout() (a clean
 *     end) ever commits.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "backend.h"
#include "config.h"
#include "conn.h"
#include "format.h"
#include "i18n.h"
#include "log.h"
#include "mime.h"
#include "pop3.h"
#include "pop3parse.h"
#include "store.h"
#include "strbuf.h"
#include "tls.h"
#include "util.h"
#include "xmalloc.h"

/*
 * mailpop3.c's private session states (its enum: 0 disconnected, 1
 * authorization, 2 transaction, the same since libetpan 0.x): pop3_apop()
 * sets the logged-in state as mailpop3_apop() would, pop3_disconnect() the
 * disconnected one so that closing sends nothing.
 */
#define POP3_LIBETPAN_DISCONNECTED 0
#define POP3_LIBETPAN_TRANSACTION 2

/* A download batch is committed (one sync to disk) at whichever first. */
#define POP3_BATCH_MSGS 200
#define POP3_BATCH_BYTES (8 * 1024 * 1024)
/* A message counts for at most this much in a RETR's read limit (tls.h). */
#define POP3_RETR_MAX ((size_t)1024 * 1024 * 1024)

/* One message of this session's LIST. */
struct pop3_msg {
	unsigned int index;	/* the message number */
	int64_t size;
	char *id;		/* UIDL or header identity; NULL: not known */
	int deleted;		/* DELE'd in this session */
};

struct pop3 {
	const struct account_config *cfg;
	struct store *st;
	struct backend_hooks hooks;

	pthread_mutex_t lock;	/* guards session for interrupt() */
	mailpop3 *session;

	struct pop3_msg *msgs;	/* this session's listing */
	size_t nmsgs;
	int listed;
	char **deleted;		/* identities DELE'd in this session */
	size_t ndeleted;
	clist *capa;		/* this session's CAPA, if capa_known */
	int capa_known;
	int pipelining;		/* CAPA has PIPELINING (RFC 2449) */
	int told_no_uidl;	/* the "no UIDL" notice was given */
	int uidl_answered;	/* UIDL is there, if not for every message */
	int told_ephemeral;	/* the "cache in memory" notice was given */
	int64_t inbox_id;
	struct log_wire wire;	/* the protocol trace (--log) */
};

/* One download waiting for its batch to be committed. */
struct pop3_pending {
	char *raw;		/* the message (free()) */
	size_t len;
	size_t i;		/* index in p->msgs */
	struct mime_message mm;
};

static void pop3_disconnect(struct pop3 *);
static void pop3_capa_forget(struct pop3 *);
static enum conn_reply pop3_reply(int);

int64_t
pop3_now(void)
{
	const char *s = getenv("TERN_TEST_NOW");
	char *end;
	long long v;

	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0' && v > 0)
			return (int64_t)v;
	}
	return (int64_t)time(NULL);
}

void
pop3_header_id(const char *msg, size_t len, char *out)
{
	/* Two FNV-1a 64 hashes with different offsets: 128 bits. */
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	const uint64_t prime = 0x100000001b3ULL;
	size_t i;
	int bol = 1;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c == '\r')
			continue;
		if (c == '\n' && bol)
			break;	/* the empty line ends the headers */
		bol = c == '\n';
		h1 = (h1 ^ c) * prime;
		h2 = (h2 ^ (c ^ 0x5a)) * prime;
	}
	snprintf(out, POP3_HDR_ID_LEN, "hdr:%016llx%016llx",
	    (unsigned long long)h1, (unsigned long long)h2);
}

/* The length of the header block of MSG (up to the empty line). */
static size_t
pop3_header_len(const char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (i + 1 < len && msg[i + 1] == '\n')
			return i + 1;
		if (i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return i + 1;
	}
	return len;
}


/* Append "Name <addr>" (or "addr") of MB to SB, comma-separated. */
static void
pop3_add_mailbox(struct strbuf *sb, const struct mailimf_mailbox *mb,
    char **name_r, char **addr_r)
{
	char *name = NULL;

	if (mb == NULL || mb->mb_addr_spec == NULL)
		return;
	if (mb->mb_display_name != NULL)
		name = mime_decode_header(mb->mb_display_name,
		    strlen(mb->mb_display_name));
	if (sb->len > 0)
		strbuf_addstr(sb, ", ");
	if (name != NULL && *name != '\0')
		strbuf_addf(sb, "%s <%s>", name, mb->mb_addr_spec);
	else
		strbuf_addstr(sb, mb->mb_addr_spec);
	if (addr_r != NULL && *addr_r == NULL) {
		*addr_r = xstrdup(mb->mb_addr_spec);
		if (name != NULL && *name != '\0') {
			*name_r = name;
			name = NULL;
		}
	}
	free(name);
}

/*
 * Whether every mailbox of ML has an "@": libetpan's lenient parser makes
 * "not an address" the address "notanaddress", which is better shown as
 * the text it was.
 */
static int
pop3_all_at(struct mailimf_mailbox_list *ml)
{
	clistiter *it;

	for (it = clist_begin(ml->mb_list); it != NULL; it = clist_next(it)) {
		struct mailimf_mailbox *mb = clist_content(it);

		if (mb->mb_addr_spec == NULL ||
		    strchr(mb->mb_addr_spec, '@') == NULL)
			return 0;
	}
	return 1;
}

/*
 * The address list VALUE in display form, decoded; with NAME_R and ADDR_R,
 * also the first mailbox's name and address. Falls back to the decoded
 * text when the list does not parse.
 */
static char *
pop3_addresses(const char *value, int mailboxes_only, char **name_r,
    char **addr_r)
{
	struct strbuf sb = STRBUF_INIT;
	size_t idx = 0, len = strlen(value);
	clistiter *it, *jt;

	/* Only a list that parses to its end is taken as one. */
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (mailboxes_only) {
		struct mailimf_mailbox_list *ml = NULL;

		if (mailimf_mailbox_list_parse(value, len, &idx, &ml) ==
		    MAILIMF_NO_ERROR && (idx < len || !pop3_all_at(ml))) {
			mailimf_mailbox_list_free(ml);
			ml = NULL;
		}
		if (ml != NULL) {
			for (it = clist_begin(ml->mb_list); it != NULL;
			    it = clist_next(it))
				pop3_add_mailbox(&sb, clist_content(it),
				    name_r, addr_r);
			mailimf_mailbox_list_free(ml);
		}
	} else {
		struct mailimf_address_list *al = NULL;

		if (mailimf_address_list_parse(value, len, &idx, &al) ==
		    MAILIMF_NO_ERROR && idx < len) {
			mailimf_address_list_free(al);
			al = NULL;
		}
		if (al != NULL) {
			for (it = clist_begin(al->ad_list); it != NULL;
			    it = clist_next(it)) {
				struct mailimf_address *ad = clist_content(it);
				struct mailimf_group *g;

				if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
					pop3_add_mailbox(&sb,
					    ad->ad_data.ad_mailbox, name_r,
					    addr_r);
					continue;
				}
				g = ad->ad_data.ad_group;
				if (g == NULL || g->grp_mb_list == NULL)
					continue;
				for (jt = clist_begin(g->grp_mb_list->mb_list);
				    jt != NULL; jt = clist_next(jt))
					pop3_add_mailbox(&sb, clist_content(jt),
					    name_r, addr_r);
			}
			mailimf_address_list_free(al);
		}
	}
	if (sb.len == 0) {
		strbuf_release(&sb);
		return mime_decode_header(value, len);
	}
	return strbuf_detach(&sb, NULL);
}

void
pop3_parse_headers(const char *msg, size_t len, struct store_msg *m)
{
	size_t hlen = pop3_header_len(msg, len);
	char *v;

	free(m->from_name);
	free(m->from_addr);
	free(m->to_addrs);
	free(m->cc_addrs);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	m->from_name = m->from_addr = m->to_addrs = m->cc_addrs = NULL;
	m->subject = m->message_id = m->in_reply_to = m->references = NULL;
	m->date = 0;

	if ((v = mime_header_value(msg, hlen, "From")) != NULL) {
		char *shown = pop3_addresses(v, 1, &m->from_name,
		    &m->from_addr);

		/* Unparseable: show the decoded text as the name. */
		if (m->from_addr == NULL && m->from_name == NULL)
			m->from_name = shown;
		else
			free(shown);
		free(v);
	}
	if ((v = mime_header_value(msg, hlen, "To")) != NULL) {
		m->to_addrs = pop3_addresses(v, 0, NULL, NULL);
		free(v);
	}
	if ((v = mime_header_value(msg, hlen, "Cc")) != NULL) {
		m->cc_addrs = pop3_addresses(v, 0, NULL, NULL);
		free(v);
	}
	if ((v = mime_header_value(msg, hlen, "Subject")) != NULL) {
		m->subject = mime_decode_header(v, strlen(v));
		free(v);
	}
	if ((v = mime_header_value(msg, hlen, "Date")) != NULL) {
		time_t t = mime_parse_date(v);

		m->date = t > 0 ? (int64_t)t : 0;
		free(v);
	}
	m->message_id = mime_header_value(msg, hlen, "Message-ID");
	m->in_reply_to = mime_header_value(msg, hlen, "In-Reply-To");
	m->references = mime_header_value(msg, hlen, "References");
}

/* The session. */

static void *
pop3_new(const struct account_config *cfg, struct store *st,
    const struct backend_hooks *hooks)
{
	struct pop3 *p;

	p = xcalloc(1, sizeof *p);
	p->cfg = cfg;
	p->st = st;
	p->hooks = *hooks;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

static void
pop3_forget_listing(struct pop3 *p)
{
	size_t i;

	for (i = 0; i < p->nmsgs; i++)
		free(p->msgs[i].id);
	free(p->msgs);
	p->msgs = NULL;
	p->nmsgs = 0;
	p->listed = 0;
	util_strv_free(p->deleted, p->ndeleted);
	p->deleted = NULL;
	p->ndeleted = 0;
}

/*
 * End the session WITHOUT committing its DELEs: mailpop3_free() alone
 * would send QUIT (shared/docs/libetpan.md section 4).
 */
static void
pop3_disconnect(struct pop3 *p)
{
	mailpop3 *s;

	pthread_mutex_lock(&p->lock);
	s = p->session;
	p->session = NULL;
	pthread_mutex_unlock(&p->lock);
	if (s != NULL) {
		/*
		 * In the disconnected state mailpop3_quit() sends nothing: it
		 * closes the stream and frees the listing and the greeting's
		 * timestamp (which closing the stream by hand would leak).
		 * mailpop3_free() then finds no stream and sends no QUIT.
		 */
		s->pop3_state = POP3_LIBETPAN_DISCONNECTED;
		if (s->pop3_stream != NULL)
			tls_forget_sent(s->pop3_stream);
		mailpop3_quit(s);
		if (s->pop3_stream != NULL) {
			mailstream_close(s->pop3_stream);
			s->pop3_stream = NULL;
		}
		mailpop3_free(s);
	}
	pop3_capa_forget(p);
	pop3_forget_listing(p);
}

/* The server's text of the last response, or a stand-in. */
static const char *
pop3_said(struct pop3 *p)
{
	const char *t = p->session != NULL ? p->session->pop3_response : NULL;

	return t != NULL && *t != '\0' ? t : _("no reason given");
}

/*
 * Turn a libetpan result R of command WHAT into a status and a message.
 * A stream error ends the session (without QUIT).
 */
static enum backend_status
pop3_fail(struct pop3 *p, int r, const char *what, char **err)
{
	enum conn_reply reply = pop3_reply(r);
	enum backend_status st;

	/*
	 * pop3_response points into the stream's buffer: read it only for
	 * the refusal just read, never after a failed read (which may have
	 * moved the buffer).
	 */
	st = conn_fail(p->session != NULL ? p->session->pop3_stream : NULL,
	    reply, what, reply == CONN_NO ? pop3_said(p) : NULL, err);
	if (st == BACKEND_ERR_NET)
		pop3_disconnect(p);
	return st;
}

/* libetpan's protocol logger: the trace goes to the log, redacted. */
static void
pop3_logger(mailpop3 *s, int type, const char *str, size_t size, void *arg)
{
	struct pop3 *p = arg;

	(void)s;
	if (type == MAILSTREAM_LOG_TYPE_DATA_RECEIVED)
		log_wire(&p->wire, LOG_WIRE_RECEIVED, str, size);
	else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT)
		log_wire(&p->wire, LOG_WIRE_SENT, str, size);
	else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE)
		log_wire(&p->wire, LOG_WIRE_SENT_PRIVATE, str, size);
	/* The rest are markers around each read and write. */
}

/* The CAPA line NAME, or NULL. */
static struct mailpop3_capa *
pop3_capa_find(clist *capa, const char *name)
{
	clistiter *it;

	if (capa == NULL)
		return NULL;
	for (it = clist_begin(capa); it != NULL; it = clist_next(it)) {
		struct mailpop3_capa *c = clist_content(it);

		if (c->cap_name != NULL && strcasecmp(c->cap_name, name) == 0)
			return c;
	}
	return NULL;
}

/* Whether the CAPA line NAME lists the parameter PARAM. */
static int
pop3_capa_param(clist *capa, const char *name, const char *param)
{
	struct mailpop3_capa *c = pop3_capa_find(capa, name);
	clistiter *it;

	if (c == NULL)
		return 0;
	for (it = clist_begin(c->cap_param); it != NULL; it = clist_next(it)) {
		const char *v = clist_content(it);

		if (v != NULL && strcasecmp(v, param) == 0)
			return 1;
	}
	return 0;
}

/* libetpan's result R as the connection layer's reply. */
static enum conn_reply
pop3_reply(int r)
{
	switch (r) {
	case MAILPOP3_NO_ERROR:
		return CONN_OK;
	case MAILPOP3_ERROR_STREAM:
	case MAILPOP3_ERROR_CONNECTION_REFUSED:
	case MAILPOP3_ERROR_MEMORY:
	case MAILPOP3_ERROR_BAD_STATE:
		return CONN_LOST;
	default:
		return CONN_NO;
	}
}

/* The server's text of the last response, or NULL. */
static const char *
pop3_said_raw(struct pop3 *p)
{
	return p->session != NULL ? p->session->pop3_response : NULL;
}

/*
 * Send the credentials command CMD, which is then cleared and freed, and
 * read the answer, with the server's text in pop3_response. The commands
 * that carry a password are sent here, not by libetpan, which leaves them
 * in its buffers (mailpop3_pass() on the stack, mailpop3_auth() and
 * libsasl2 in freed memory).
 */
static enum conn_reply
pop3_send_secret(struct pop3 *p, char *cmd, const char **said)
{
	mailpop3 *s = p->session;
	char *line;

	if (conn_send_secret(s->pop3_stream, cmd) != 0)
		return CONN_LOST;
	line = mailstream_read_line_remove_eol(s->pop3_stream,
	    s->pop3_stream_buffer);
	if (line == NULL)
		return CONN_LOST;
	if (strncmp(line, "+OK", 3) != 0) {
		s->pop3_response = strncmp(line, "-ERR", 4) == 0 ?
		    line + 4 + (line[4] == ' ') : line;
		*said = s->pop3_response;
		return CONN_NO;
	}
	s->pop3_state = POP3_LIBETPAN_TRANSACTION;
	return CONN_OK;
}

/*
 * The POP3 side of the connection layer (conn.h): libetpan reads the
 * greeting, CAPA and STLS; USER/PASS, APOP and AUTH (RFC 5034, always
 * with the initial response) are sent by tern.
 */
static enum conn_reply
pop3_c_greet(void *arg, mailstream *stream, int *preauth, const char **said)
{
	struct pop3 *p = arg;
	mailpop3 *s;
	int r;

	*preauth = 0;
	if ((s = mailpop3_new(0, NULL)) == NULL) {
		mailstream_close(stream);
		return CONN_LOST;
	}
	if (log_enabled(LOG_DEBUG)) {
		p->wire.proto = "pop3";
		p->wire.secret = 0;
		mailpop3_set_logger(s, pop3_logger, p);
	}
	pthread_mutex_lock(&p->lock);
	p->session = s;
	pthread_mutex_unlock(&p->lock);
	r = mailpop3_connect(s, stream);
	if (r != MAILPOP3_NO_ERROR) {
		if (s->pop3_stream == NULL)
			mailstream_close(stream);
		*said = pop3_said_raw(p);
		return *said != NULL ? CONN_NO : CONN_LOST;
	}
	return CONN_OK;
}

static mailstream *
pop3_c_stream(void *arg)
{
	struct pop3 *p = arg;

	return p->session != NULL ? p->session->pop3_stream : NULL;
}

static void
pop3_capa_forget(struct pop3 *p)
{
	if (p->capa != NULL)
		mailpop3_capa_resp_free(p->capa);
	p->capa = NULL;
	p->capa_known = 0;
}

static enum conn_reply
pop3_c_capabilities(void *arg, const char **said)
{
	struct pop3 *p = arg;
	int r;

	pop3_capa_forget(p);
	r = mailpop3_capa(p->session, &p->capa);
	*said = pop3_said_raw(p);
	if (r == MAILPOP3_ERROR_CAPA_NOT_SUPPORTED) {
		pop3_capa_forget(p);
		return CONN_OK;
	}
	if (r != MAILPOP3_NO_ERROR) {
		pop3_capa_forget(p);
		/* A CAPA the server refuses has no list: as no CAPA. */
		return pop3_reply(r) == CONN_LOST ? CONN_LOST : CONN_OK;
	}
	p->capa_known = 1;
	p->pipelining = pop3_capa_find(p->capa, "PIPELINING") != NULL;
	return CONN_OK;
}

static int
pop3_c_has(void *arg, const char *cap)
{
	struct pop3 *p = arg;

	if (strcmp(cap, "APOP") == 0)
		return p->session->pop3_timestamp != NULL;
	if (strcmp(cap, "LOGINDISABLED") == 0)
		return 0;
	if (!p->capa_known)
		return -1;
	return pop3_capa_find(p->capa, cap) != NULL;
}

static int
pop3_c_has_mech(void *arg, const char *mech)
{
	struct pop3 *p = arg;

	if (!p->capa_known)
		return -1;
	return pop3_capa_param(p->capa, "SASL", mech);
}

static enum conn_reply
pop3_c_starttls(void *arg, const char **said)
{
	struct pop3 *p = arg;
	int r;

	r = mailpop3_stls(p->session);
	*said = pop3_said_raw(p);
	/* MAILPOP3_ERROR_SSL: bytes came right after the +OK. */
	if (r == MAILPOP3_ERROR_SSL)
		return CONN_UNREADABLE;
	return pop3_reply(r);
}

static enum conn_reply
pop3_c_login(void *arg, enum conn_login how, const char *user,
    const char *secret, const char **said)
{
	struct pop3 *p = arg;
	mailpop3 *s = p->session;
	enum conn_reply cr;
	int r;

	s->pop3_response = NULL;
	if (how == CONN_LOGIN_APOP)
		return pop3_send_secret(p, xasprintf("APOP %s %s\r\n", user,
		    secret), said);
	r = mailpop3_user(s, user);
	*said = pop3_said_raw(p);
	if ((cr = pop3_reply(r)) != CONN_OK)
		return cr;
	s->pop3_response = NULL;
	return pop3_send_secret(p, xasprintf("PASS %s\r\n", secret), said);
}

static const char *
pop3_c_apop_timestamp(void *arg)
{
	struct pop3 *p = arg;

	return p->session->pop3_timestamp;
}

static char *
pop3_c_sasl_command(void *arg, const char *mech, const char *ir)
{
	(void)arg;
	return xasprintf("AUTH %s%s%s\r\n", mech, ir != NULL ? " " : "",
	    ir == NULL ? "" : *ir != '\0' ? ir : "=");
}

static enum conn_sasl_line
pop3_c_sasl_line(void *arg, const char *line, const char **text)
{
	struct pop3 *p = arg;

	if (strncmp(line, "+OK", 3) == 0)
		return CONN_SASL_OK;
	if (strncmp(line, "-ERR", 4) == 0) {
		*text = line + 4 + (line[4] == ' ');
		p->session->pop3_response = (char *)*text;
		return CONN_SASL_NO;
	}
	if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0')) {
		*text = line + 1 + (line[1] == ' ');
		return CONN_SASL_MORE;
	}
	return CONN_SASL_BAD;
}

static char *
pop3_c_read_line(void *arg)
{
	struct pop3 *p = arg;

	if (p->session == NULL || p->session->pop3_stream == NULL)
		return NULL;
	return mailstream_read_line_remove_eol(p->session->pop3_stream,
	    p->session->pop3_stream_buffer);
}

static void
pop3_c_signed_in(void *arg)
{
	struct pop3 *p = arg;

	p->session->pop3_state = POP3_LIBETPAN_TRANSACTION;
}

static void
pop3_c_disconnect(void *arg)
{
	pop3_disconnect(arg);
}

static const struct conn_proto pop3_proto = {
	.name = "pop3",
	.starttls = "STLS",
	.login_name = "USER",
	.sasl_ir = 1,
	.caps_after_login = 0,
	.own_login_first = 0,
	.greet = pop3_c_greet,
	.stream = pop3_c_stream,
	.capabilities = pop3_c_capabilities,
	.has = pop3_c_has,
	.has_mech = pop3_c_has_mech,
	.starttls_cmd = pop3_c_starttls,
	.login = pop3_c_login,
	.apop_timestamp = pop3_c_apop_timestamp,
	.sasl_command = pop3_c_sasl_command,
	.sasl_line = pop3_c_sasl_line,
	.read_line = pop3_c_read_line,
	.signed_in = pop3_c_signed_in,
	.disconnect = pop3_c_disconnect,
};

static enum backend_status
pop3_connect(void *b, struct cred *cred, char **err)
{
	struct pop3 *p = b;

	pop3_disconnect(p);
	return conn_open(&pop3_proto, p, p->cfg, cred, err);
}

/* The local Inbox. */

static enum backend_status
pop3_sync_folders(void *b, char **err)
{
	struct pop3 *p = b;
	struct store_folder inbox, f;
	int r;

	/* A POP3 account has one folder: the local Inbox. */
	r = store_folder_get(p->st, "INBOX", &f);
	if (r == 0 && f.role == ROLE_INBOX && f.subscribed && !f.noselect) {
		p->inbox_id = f.id;
		store_folder_release(&f);
		return BACKEND_OK;
	}
	if (r == 0)
		store_folder_release(&f);
	memset(&inbox, 0, sizeof inbox);
	inbox.name = "INBOX";
	inbox.display = "INBOX";
	inbox.role = ROLE_INBOX;
	inbox.subscribed = 1;
	if (store_folders_replace(p->st, &inbox, 1) != 0 ||
	    store_folder_get(p->st, "INBOX", &f) != 0) {
		*err = xasprintf(_("cannot save the folder list: %s"),
		    store_errmsg(p->st));
		return BACKEND_ERR_LOCAL;
	}
	p->inbox_id = f.id;
	store_folder_release(&f);
	if (p->hooks.folders_changed != NULL)
		p->hooks.folders_changed(p->hooks.arg);
	return BACKEND_OK;
}

/* Listing the server. */

static int
pop3_cmp_entry(const void *key, const void *e)
{
	return strcmp(key, ((const struct store_pop3_entry *)e)->uidl);
}

static const struct store_pop3_entry *
pop3_ledger_find(const struct store_pop3_entry *led, size_t n,
    const char *id)
{
	if (id == NULL || n == 0)
		return NULL;
	return bsearch(id, led, n, sizeof *led, pop3_cmp_entry);
}

/*
 * Reading answers by hand (pop3parse.h): libetpan's LIST, UIDL, TOP and
 * RETR readers trust the server's message numbers.
 */

/* Send the LEN bytes of CMDS (commands) in one write. */
static enum backend_status
pop3_send(struct pop3 *p, const char *cmds, size_t len, const char *what,
    char **err)
{
	mailstream *st = p->session->pop3_stream;

	if (mailstream_write(st, cmds, len) != (ssize_t)len ||
	    mailstream_flush(st) != 0)
		return pop3_fail(p, MAILPOP3_ERROR_STREAM, what, err);
	return BACKEND_OK;
}

/* The next line from the server, without its CRLF; NULL when lost. */
static char *
pop3_read_line(struct pop3 *p, size_t *len_r)
{
	mailpop3 *s = p->session;
	char *line;

	/* A -ERR text read before lies in the buffer this read reuses. */
	s->pop3_response = NULL;
	line = mailstream_read_line_remove_eol(s->pop3_stream,
	    s->pop3_stream_buffer);
	*len_r = line != NULL ? s->pop3_stream_buffer->len : 0;
	return line;
}

/*
 * Read a status line, the answer to command WHAT: *OK_R is 1 for +OK and
 * 0 for -ERR (its text then in pop3_response, for pop3_said()).
 */
static enum backend_status
pop3_read_status(struct pop3 *p, const char *what, int *ok_r, char **err)
{
	char *line;
	size_t len;
	int r;

	*ok_r = 0;
	if ((line = pop3_read_line(p, &len)) == NULL)
		return pop3_fail(p, MAILPOP3_ERROR_STREAM, what, err);
	if ((r = pop3parse_status(line)) < 0) {
		*err = xasprintf(_("%s: the server sent something "
		    "unreadable"), what);
		pop3_disconnect(p);
		return BACKEND_ERR_NET;
	}
	*ok_r = r;
	if (r == 0)
		p->session->pop3_response = line + 4 + (line[4] == ' ');
	return BACKEND_OK;
}

/* Send the command line CMD (with its CRLF) and read its status line. */
static enum backend_status
pop3_command(struct pop3 *p, const char *cmd, const char *what, int *ok_r,
    char **err)
{
	enum backend_status status;

	*ok_r = 0;
	if ((status = pop3_send(p, cmd, strlen(cmd), what, err)) != BACKEND_OK)
		return status;
	return pop3_read_status(p, what, ok_r, err);
}

/*
 * Read a multi-line block to its "." line: each line, unstuffed, goes to
 * LINE_FN (with ARG), or is appended with a CRLF to TEXT when LINE_FN is
 * NULL.
 */
static enum backend_status
pop3_read_block(struct pop3 *p, const char *what,
    int (*line_fn)(struct pop3parse_listing *, const char *),
    struct pop3parse_listing *arg, struct strbuf *text, char **err)
{
	char *line;
	size_t len, skip;

	for (;;) {
		if ((line = pop3_read_line(p, &len)) == NULL)
			return pop3_fail(p, MAILPOP3_ERROR_STREAM, what, err);
		if (pop3parse_block_line(line, len, &skip) == 1)
			return BACKEND_OK;
		if (line_fn != NULL)
			(void)line_fn(arg, line + skip);
		else {
			strbuf_add(text, line + skip, len - skip);
			strbuf_add(text, "\r\n", 2);
		}
	}
}

/* Make p->msgs the messages of L that LIST named, taking their UIDLs. */
static void
pop3_listing_take(struct pop3 *p, struct pop3parse_listing *l)
{
	uint32_t i;

	p->msgs = xcalloc((size_t)l->count + 1, sizeof *p->msgs);
	p->nmsgs = 0;
	for (i = 0; i < l->count; i++) {
		struct pop3_msg *m;

		/* A number LIST left out is not there to fetch. */
		if (l->size[i] < 0)
			continue;
		m = &p->msgs[p->nmsgs++];
		m->index = i + 1;
		m->size = l->size[i];
		m->id = l->uidl[i];
		l->uidl[i] = NULL;
	}
}

/*
 * STAT, LIST and UIDL, once per session, into p->msgs: every number is
 * checked against STAT's count, and lines that do not fit are left out
 * (and logged).
 */
static enum backend_status
pop3_list(struct pop3 *p, char **err)
{
	struct pop3parse_listing l;
	enum backend_status status;
	char *line;
	size_t len;
	uint32_t count;
	int ok;

	if (p->session == NULL || p->session->pop3_stream == NULL) {
		*err = xstrdup(_("not connected"));
		return BACKEND_ERR_NET;
	}
	if (p->listed)
		return BACKEND_OK;
	if ((status = pop3_send(p, "STAT\r\n", 6, "STAT", err)) !=
	    BACKEND_OK)
		return status;
	if ((line = pop3_read_line(p, &len)) == NULL)
		return pop3_fail(p, MAILPOP3_ERROR_STREAM, "STAT", err);
	if (pop3parse_stat(line, &count) != 0) {
		*err = pop3parse_status(line) == 0 ?
		    xasprintf(_("STAT failed: %s"), line + 4) :
		    xstrdup(_("STAT: the server sent something unreadable"));
		pop3_disconnect(p);
		return BACKEND_ERR_NET;
	}
	pop3parse_listing_init(&l, count);
	status = pop3_command(p, "LIST\r\n", "LIST", &ok, err);
	if (status == BACKEND_OK && !ok) {
		*err = xasprintf(_("LIST failed: %s"), pop3_said(p));
		status = BACKEND_ERR_PROTOCOL;
	}
	if (status == BACKEND_OK)
		status = pop3_read_block(p, "LIST", pop3parse_list_line, &l,
		    NULL, err);
	/* No UIDL (-ERR): messages are told apart by their headers. */
	if (status == BACKEND_OK)
		status = pop3_command(p, "UIDL\r\n", "UIDL", &ok, err);
	if (status == BACKEND_OK && ok) {
		p->uidl_answered = 1;
		status = pop3_read_block(p, "UIDL", pop3parse_uidl_line, &l,
		    NULL, err);
	}
	if (status == BACKEND_OK) {
		if (l.ignored > 0)
			log_msg(LOG_WARN, "pop3: %lu lines of LIST and UIDL "
			    "left out (numbers outside 1..%u, repeated, or "
			    "malformed)", l.ignored, (unsigned)l.count);
		pop3_listing_take(p, &l);
		p->listed = 1;
	}
	pop3parse_listing_release(&l);
	return status;
}

/* Whether message M was deleted in this session. */
static int
pop3_msg_deleted(struct pop3 *p, const struct pop3_msg *m)
{
	(void)p;
	return m->deleted;
}

/* Say once per run that the server has no UIDL. */
static void
pop3_tell_no_uidl(struct pop3 *p)
{
	if (p->told_no_uidl)
		return;
	p->told_no_uidl = 1;
	if (p->hooks.notice == NULL)
		return;
	if (p->uidl_answered)
		p->hooks.notice(p->hooks.arg, _("the server gave some messages "
		    "no usable UIDL: tern tells them apart by a hash of their "
		    "headers"));
	else
		p->hooks.notice(p->hooks.arg, _("the server has no UIDL: tern "
		    "tells its messages apart by a hash of their headers"));
}

/*
 * Read the block that follows an accepted RETR or TOP of message M into
 * *RAW_R (free()) and *LEN_R, within a read limit that allows for twice
 * the size LIST gave (dot-stuffing), the command itself already sent.
 */
static enum backend_status
pop3_read_message(struct pop3 *p, const char *what, char **raw_r,
    size_t *len_r, char **err)
{
	struct strbuf text = STRBUF_INIT;
	enum backend_status status;

	status = pop3_read_block(p, what, NULL, NULL, &text, err);
	if (status != BACKEND_OK) {
		strbuf_release(&text);
		return status;
	}
	*raw_r = strbuf_detach(&text, len_r);
	return BACKEND_OK;
}

/*
 * TOP n 0 of message M into *HDR_R (free()), or the whole message when
 * the server has no TOP.
 */
static enum backend_status
pop3_top(struct pop3 *p, const struct pop3_msg *m, char **hdr_r,
    size_t *len_r, char **err)
{
	enum backend_status status;
	char cmd[64];
	int ok;

	*hdr_r = NULL;
	*len_r = 0;
	snprintf(cmd, sizeof cmd, "TOP %u 0\r\n", m->index);
	if ((status = pop3_command(p, cmd, "TOP", &ok, err)) != BACKEND_OK)
		return status;
	if (ok)
		return pop3_read_message(p, "TOP", hdr_r, len_r, err);
	/* A server without TOP: the whole message has the headers too. */
	tls_set_read_limit(p->session->pop3_stream, TLS_READ_LIMIT +
	    2 * (m->size > 0 && (size_t)m->size < POP3_RETR_MAX ?
	    (size_t)m->size : 0));
	snprintf(cmd, sizeof cmd, "RETR %u\r\n", m->index);
	status = pop3_command(p, cmd, "RETR", &ok, err);
	if (status == BACKEND_OK && !ok) {
		*err = xasprintf(_("RETR failed: %s"), pop3_said(p));
		status = BACKEND_ERR_PROTOCOL;
	}
	if (status == BACKEND_OK)
		status = pop3_read_message(p, "RETR", hdr_r, len_r, err);
	if (p->session != NULL && p->session->pop3_stream != NULL)
		tls_set_read_limit(p->session->pop3_stream, 0);
	return status;
}

/* Give every listed message without UIDL its header identity (TOP). */
static enum backend_status
pop3_identify_all(struct pop3 *p, char **err)
{
	enum backend_status status;
	char id[POP3_HDR_ID_LEN], *hdr;
	size_t i, len;
	int told = 0;

	for (i = 0; i < p->nmsgs; i++) {
		struct pop3_msg *m = &p->msgs[i];

		if (m->id != NULL || pop3_msg_deleted(p, m))
			continue;
		if (!told) {
			pop3_tell_no_uidl(p);
			told = 1;
		}
		if ((status = pop3_top(p, m, &hdr, &len, err)) != BACKEND_OK)
			return status;
		pop3_header_id(hdr, len, id);
		free(hdr);
		m->id = xstrdup(id);
	}
	return BACKEND_OK;
}

/*
 * Whether ledger entry E stands for message M as downloaded. A UIDL is the
 * identity, whatever LIST says of the size now (mailutils rewrites stored
 * messages, so their size grows under the same UIDL); a header identity
 * (a server without UIDL) must also keep its size.
 */
static int
pop3_is_stored(const struct store_pop3_entry *e, const struct pop3_msg *m)
{
	if (e == NULL || !e->fetched)
		return 0;
	if (m->id == NULL || strncmp(m->id, "hdr:", 4) != 0)
		return 1;
	return e->size == 0 || e->size == m->size;
}

/* Whether every listed message has an identity. */
static int
pop3_all_identified(struct pop3 *p)
{
	size_t i;

	for (i = 0; i < p->nmsgs; i++)
		if (p->msgs[i].id == NULL)
			return 0;
	return 1;
}

/* Remember that M was DELE'd, for the end of the session. */
static void
pop3_mark_deleted(struct pop3 *p, struct pop3_msg *m)
{
	if (m->deleted)
		return;
	m->deleted = 1;
	if (m->id != NULL) {
		p->deleted = xreallocarray(p->deleted, p->ndeleted + 1,
		    sizeof *p->deleted);
		p->deleted[p->ndeleted++] = xstrdup(m->id);
	}
}

/* DELE message M, remembering its identity for the end of the session. */
static enum backend_status
pop3_dele(struct pop3 *p, struct pop3_msg *m, char **err)
{
	enum backend_status status;
	char cmd[32];
	int ok;

	if (pop3_msg_deleted(p, m))
		return BACKEND_OK;
	snprintf(cmd, sizeof cmd, "DELE %u\r\n", m->index);
	if ((status = pop3_command(p, cmd, "DELE", &ok, err)) != BACKEND_OK)
		return status;
	if (!ok) {
		*err = xasprintf(_("DELE failed: %s"), pop3_said(p));
		return BACKEND_ERR_PROTOCOL;
	}
	pop3_mark_deleted(p, m);
	return BACKEND_OK;
}


/*
 * DELE the N messages of MS. With PIPELINING every command goes in one
 * write and the answers are read after (one round trip); otherwise one
 * after the other.
 */
static enum backend_status
pop3_dele_many(struct pop3 *p, struct pop3_msg **ms, size_t n, char **err)
{
	struct strbuf cmds = STRBUF_INIT;
	enum backend_status status = BACKEND_OK;
	struct pop3_msg **sent;
	char *line, *refused = NULL;
	size_t i, nsent = 0;

	if (!p->pipelining || n < 2) {
		for (i = 0; i < n && status == BACKEND_OK; i++)
			status = pop3_dele(p, ms[i], err);
		return status;
	}
	sent = xcalloc(n, sizeof *sent);
	for (i = 0; i < n; i++) {
		if (pop3_msg_deleted(p, ms[i]))
			continue;
		strbuf_addf(&cmds, "DELE %u\r\n", ms[i]->index);
		sent[nsent++] = ms[i];
	}
	if (nsent > 0 && (status = pop3_send(p, cmds.buf, cmds.len, "DELE",
	    err)) != BACKEND_OK)
		goto out;
	for (i = 0; i < nsent; i++) {
		line = mailstream_read_line_remove_eol(
		    p->session->pop3_stream, p->session->pop3_stream_buffer);
		if (line == NULL) {
			status = pop3_fail(p, MAILPOP3_ERROR_STREAM, "DELE",
			    err);
			goto out;
		}
		if (strncmp(line, "+OK", 3) == 0)
			pop3_mark_deleted(p, sent[i]);
		else if (refused == NULL)
			refused = xstrdup(line);
	}
	if (refused != NULL) {
		*err = xasprintf(_("DELE failed: %s"), refused);
		status = BACKEND_ERR_PROTOCOL;
	}
out:
	free(refused);
	free(sent);
	strbuf_release(&cmds);
	return status;
}

/* Downloading. */

/*
 * A batch of downloads. While one batch is parsed and committed on its own
 * thread, the worker downloads the next: the disk and the network wait in
 * parallel. The committing thread touches only the store and the batch;
 * the session, the hooks and the DELEs stay on the worker, which uses the
 * store only while no batch is being committed.
 */
struct pop3_batch {
	struct pop3 *p;
	struct pop3_pending *pd;	/* POP3_BATCH_MSGS entries */
	size_t n;
	int64_t bytes;
	pthread_t thread;
	int running;
	enum backend_status status;
	char *err;
};

static void
pop3_pending_release(struct pop3_pending *pd, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(pd[i].raw);
		mime_message_release(&pd[i].mm);
		memset(&pd[i], 0, sizeof pd[i]);
	}
}

/* Parse the messages of BT and commit them durably (any thread). */
static void
pop3_batch_store(struct pop3_batch *bt)
{
	struct pop3 *p = bt->p;
	struct store_pop3_new *batch;
	int64_t now = pop3_now();
	size_t i;

	batch = xcalloc(bt->n, sizeof *batch);
	for (i = 0; i < bt->n; i++) {
		struct store_pop3_new *b = &batch[i];
		struct pop3_pending *pd = &bt->pd[i];
		const struct pop3_msg *m = &p->msgs[pd->i];

		/* The decoded text feeds full-text search. */
		mime_message_parse(pd->raw, pd->len, &pd->mm);
		pop3_parse_headers(pd->raw, pd->len, &b->msg);
		b->msg.internaldate = now;
		if (b->msg.date <= 0 || b->msg.date > now + 86400)
			b->msg.date = now;
		b->msg.size = m->size;
		b->msg.has_attachment = pd->mm.has_attachment;
		b->raw = pd->raw;
		b->len = pd->len;
		b->text = pd->mm.text;
		b->uidl = m->id;
		b->size = m->size;
	}
	bt->status = BACKEND_OK;
	if (store_pop3_put_batch(p->st, p->inbox_id, batch, bt->n, now) != 0) {
		bt->err = xasprintf(_("cannot save messages: %s"),
		    store_errmsg(p->st));
		bt->status = BACKEND_ERR_LOCAL;
	}
	for (i = 0; i < bt->n; i++)
		store_msg_release(&batch[i].msg);
	free(batch);
}

static void *
pop3_batch_thread(void *arg)
{
	pop3_batch_store(arg);
	return NULL;
}

/* Start committing BT: on a thread, or here if none can be made. */
static void
pop3_batch_start(struct pop3_batch *bt)
{
	if (bt->n == 0)
		return;
	if (pthread_create(&bt->thread, NULL, pop3_batch_thread, bt) == 0)
		bt->running = 1;
	else
		pop3_batch_store(bt);
}

/*
 * Wait for BT's commit; once it is durable, DELE its messages when
 * DELE_AFTER (and when the commit failed, never). Empties BT.
 */
static enum backend_status
pop3_batch_finish(struct pop3_batch *bt, int dele_after, char **err)
{
	enum backend_status status;
	size_t i;

	if (bt->running) {
		pthread_join(bt->thread, NULL);
		bt->running = 0;
	}
	if (bt->n == 0)
		return BACKEND_OK;
	status = bt->status;
	if (status != BACKEND_OK) {
		*err = bt->err;
		bt->err = NULL;
	}
	/* Durable now: the server's copies may go. */
	if (dele_after && status == BACKEND_OK) {
		struct pop3_msg **ms = xcalloc(bt->n, sizeof *ms);

		for (i = 0; i < bt->n; i++)
			ms[i] = &bt->p->msgs[bt->pd[i].i];
		status = pop3_dele_many(bt->p, ms, bt->n, err);
		free(ms);
	}
	pop3_pending_release(bt->pd, bt->n);
	bt->n = 0;
	bt->bytes = 0;
	return status;
}

/* Read the answer to RETR of message I into PD (a multi-line block). */
static enum backend_status
pop3_retr_read(struct pop3 *p, size_t i, struct pop3_pending *pd,
    char **refused_r, char **err)
{
	enum backend_status status;
	int ok;

	memset(pd, 0, sizeof *pd);
	if ((status = pop3_read_status(p, "RETR", &ok, err)) != BACKEND_OK)
		return status;
	if (!ok) {
		/* Nothing follows a refusal. */
		if (*refused_r == NULL)
			*refused_r = xstrdup(pop3_said(p));
		return BACKEND_OK;
	}
	if ((status = pop3_read_message(p, "RETR", &pd->raw, &pd->len,
	    err)) != BACKEND_OK)
		return status;
	pd->i = i;
	return BACKEND_OK;
}

/*
 * The read limit (tls.h) of RETR of the N messages WANT: the default, and
 * twice the size LIST gave each (dot-stuffing may double a message).
 */
static size_t
pop3_retr_budget(struct pop3 *p, const size_t *want, size_t n)
{
	size_t budget = TLS_READ_LIMIT, k, size;

	for (k = 0; k < n; k++) {
		size = p->msgs[want[k]].size > 0 ?
		    (size_t)p->msgs[want[k]].size : 0;
		budget += 2 * (size < POP3_RETR_MAX ? size : POP3_RETR_MAX);
		if (budget > 2 * POP3_RETR_MAX)
			return 2 * POP3_RETR_MAX;
	}
	return budget;
}

/*
 * RETR the N messages WANT (indexes in p->msgs) into BT. With PIPELINING
 * the commands go in one write, then the answers are read in order (a few
 * kilobytes of commands: no risk of both sides blocking on writes). A
 * message without an identity gets its header identity here; those the
 * ledger LED already holds go to KNOWN (N entries) instead of BT.
 */
static enum backend_status
pop3_retr_batch(struct pop3 *p, const size_t *want, size_t n,
    const struct store_pop3_entry *led, size_t nled, struct pop3_batch *bt,
    struct pop3_msg **known, size_t *nknown_r, char **err)
{
	struct strbuf cmds = STRBUF_INIT;
	enum backend_status status = BACKEND_OK;
	char id[POP3_HDR_ID_LEN], *refused = NULL;
	size_t k;

	*nknown_r = 0;
	/* The answers may weigh what LIST said, dot-stuffed, and more. */
	tls_set_read_limit(p->session->pop3_stream,
	    pop3_retr_budget(p, want, n));
	if (p->pipelining) {
		for (k = 0; k < n; k++)
			strbuf_addf(&cmds, "RETR %u\r\n",
			    p->msgs[want[k]].index);
		status = pop3_send(p, cmds.buf, cmds.len, "RETR", err);
		strbuf_release(&cmds);
		if (status != BACKEND_OK)
			return status;
	}
	for (k = 0; k < n; k++) {
		struct pop3_msg *m = &p->msgs[want[k]];
		struct pop3_pending *pd = &bt->pd[bt->n];

		if (!p->pipelining) {
			strbuf_reset(&cmds);
			strbuf_addf(&cmds, "RETR %u\r\n", m->index);
			status = pop3_send(p, cmds.buf, cmds.len, "RETR", err);
			if (status != BACKEND_OK)
				break;
		}
		status = pop3_retr_read(p, want[k], pd, &refused, err);
		if (status != BACKEND_OK)
			break;
		if (pd->raw == NULL)
			continue;	/* refused: reported below */
		if (m->id == NULL) {
			pop3_tell_no_uidl(p);
			pop3_header_id(pd->raw, pd->len, id);
			m->id = xstrdup(id);
			if (pop3_is_stored(pop3_ledger_find(led, nled, m->id),
			    m)) {
				/* Stored by a session that did not QUIT. */
				pop3_pending_release(pd, 1);
				known[(*nknown_r)++] = m;
				continue;
			}
		}
		bt->bytes += (int64_t)pd->len;
		bt->n++;
	}
	strbuf_release(&cmds);
	if (p->session != NULL && p->session->pop3_stream != NULL)
		tls_set_read_limit(p->session->pop3_stream, 0);
	if (status == BACKEND_OK && refused != NULL) {
		*err = xasprintf(_("RETR failed: %s"), refused);
		status = BACKEND_ERR_PROTOCOL;
	}
	free(refused);
	return status;
}

/* Report download progress. */
static void
pop3_progress(struct pop3 *p, long n, long total, int64_t bytes,
    int64_t total_bytes)
{
	if (p->hooks.progress_bytes != NULL)
		p->hooks.progress_bytes(p->hooks.arg, p->inbox_id, n, total,
		    bytes, total_bytes);
	else if (p->hooks.progress != NULL)
		p->hooks.progress(p->hooks.arg, p->inbox_id, n, total);
}

/*
 * Download the messages of WANT (indexes in p->msgs) in batches, each
 * committed durably before its DELEs (with DELE_AFTER). While a batch is
 * committed on its thread, the next one downloads.
 */
static enum backend_status
pop3_download(struct pop3 *p, const size_t *want, size_t nwant,
    const struct store_pop3_entry *led, size_t nled, int dele_after,
    char **err)
{
	struct pop3_batch bt[2];
	struct pop3_msg **known;
	enum backend_status status = BACKEND_OK;
	int64_t bytes = 0, total_bytes = 0, size;
	size_t i, j, k, nknown;
	int cur = 0;
	char *ignored;

	memset(bt, 0, sizeof bt);
	for (k = 0; k < 2; k++) {
		bt[k].p = p;
		bt[k].pd = xcalloc(POP3_BATCH_MSGS, sizeof *bt[k].pd);
	}
	known = xcalloc(POP3_BATCH_MSGS, sizeof *known);
	for (i = 0; i < nwant; i++)
		total_bytes += p->msgs[want[i]].size;
	for (i = 0; i < nwant; i = j) {
		struct pop3_batch *b = &bt[cur];

		/* The next batch, by count and by the sizes LIST gave. */
		size = 0;
		for (j = i; j < nwant && j - i < POP3_BATCH_MSGS; j++) {
			if (j > i && size + p->msgs[want[j]].size >
			    POP3_BATCH_BYTES)
				break;
			size += p->msgs[want[j]].size;
		}
		status = pop3_retr_batch(p, want + i, j - i, led, nled, b,
		    known, &nknown, err);
		if (status != BACKEND_OK)
			goto out;
		/* The batch before must be durable (and DELE'd) first. */
		status = pop3_batch_finish(&bt[1 - cur], dele_after, err);
		if (status == BACKEND_OK && dele_after && nknown > 0)
			status = pop3_dele_many(p, known, nknown, err);
		if (status != BACKEND_OK)
			goto out;
		/* No commit runs now: the hooks may use the store. */
		if (i > 0) {
			if (p->hooks.headers_changed != NULL)
				p->hooks.headers_changed(p->hooks.arg,
				    p->inbox_id);
			pop3_progress(p, (long)i, (long)nwant, bytes,
			    total_bytes);
			if (p->hooks.between != NULL &&
			    p->hooks.between(p->hooks.arg))
				goto out;
		}
		bytes += size;
		pop3_batch_start(b);
		cur = 1 - cur;
	}
	status = pop3_batch_finish(&bt[1 - cur], dele_after, err);
	if (status != BACKEND_OK)
		goto out;
	if (p->hooks.headers_changed != NULL)
		p->hooks.headers_changed(p->hooks.arg, p->inbox_id);
	pop3_progress(p, (long)nwant, (long)nwant, bytes, total_bytes);
out:
	/* On an error, wait for a commit under way but send no DELE. */
	for (k = 0; k < 2; k++) {
		ignored = NULL;
		pop3_batch_finish(&bt[k], 0, &ignored);
		free(ignored);
		free(bt[k].err);
		free(bt[k].pd);
	}
	free(known);
	return status;
}

/* Make sure the Inbox exists and is known. */
static enum backend_status
pop3_inbox(struct pop3 *p, char **err)
{
	if (p->inbox_id > 0)
		return BACKEND_OK;
	return pop3_sync_folders(p, err);
}

/*
 * Whether this account downloads and deletes: pop3_delete, unless the
 * cache is in memory (--ephemeral), which is no place to move mail to.
 */
static int
pop3_delete_mode(struct pop3 *p)
{
	if (!p->cfg->pop3_delete)
		return 0;
	if (store_pop3_durable(p->st))
		return 1;
	if (!p->told_ephemeral && p->hooks.notice != NULL)
		p->hooks.notice(p->hooks.arg, _("the cache is in memory "
		    "(--ephemeral): messages stay on the server (pop3_delete "
		    "is ignored)"));
	p->told_ephemeral = 1;
	return 0;
}

/*
 * The check: delete on the server what the mode says, download what is
 * new (up to the size limit). The deletions take effect at logout.
 */
static enum backend_status
pop3_sync_folder(void *b, const char *name, char **err)
{
	struct pop3 *p = b;
	const struct account_config *cfg = p->cfg;
	struct store_pop3_entry *led = NULL;
	const struct store_pop3_entry *e;
	enum backend_status status;
	struct pop3_msg **dele = NULL;
	size_t nled = 0, i, nwant = 0, ntoo_big = 0, ndele = 0;
	size_t *want = NULL;
	int64_t now = pop3_now(), big_bytes = 0;
	int keep = !pop3_delete_mode(p);

	(void)name;	/* a POP3 account has only its Inbox */
	if ((status = pop3_inbox(p, err)) != BACKEND_OK)
		return status;
	if ((status = pop3_list(p, err)) != BACKEND_OK)
		return status;
	/* Keep mode needs every identity before it can tell what is new. */
	if (keep && (status = pop3_identify_all(p, err)) != BACKEND_OK)
		return status;
	if (store_pop3_ledger(p->st, &led, &nled) != 0) {
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(p->st));
		return BACKEND_ERR_LOCAL;
	}
	if (pop3_all_identified(p)) {
		const char **ids = xcalloc(p->nmsgs + 1, sizeof *ids);

		for (i = 0; i < p->nmsgs; i++)
			ids[i] = p->msgs[i].id;
		if (store_pop3_server_listed(p->st, ids, p->nmsgs) != 0)
			log_msg(LOG_WARN, "pop3: cannot update the ledger: %s",
			    store_errmsg(p->st));
		free(ids);
		/* The states changed: read them again. */
		store_pop3_ledger_free(led, nled);
		if (store_pop3_ledger(p->st, &led, &nled) != 0) {
			*err = xasprintf(_("cannot read the cache: %s"),
			    store_errmsg(p->st));
			return BACKEND_ERR_LOCAL;
		}
	}

	want = xcalloc(p->nmsgs + 1, sizeof *want);
	dele = xcalloc(p->nmsgs + 1, sizeof *dele);
	for (i = 0; i < p->nmsgs; i++) {
		struct pop3_msg *m = &p->msgs[i];
		int go = 0;

		if (pop3_msg_deleted(p, m))
			continue;
		e = pop3_ledger_find(led, nled, m->id);
		if (pop3_is_stored(e, m) || (e != NULL &&
		    e->server == POP3_SRV_DELETING)) {
			if (e->server == POP3_SRV_DELETING)
				go = 1;
			else if (!keep)
				go = 1;	/* stored, not yet deleted */
			else if (e->local_deleted &&
			    cfg->pop3_delete_with_local)
				go = 1;
			else if (cfg->pop3_keep_days > 0 &&
			    e->first_seen > 0 && now - e->first_seen >=
			    (int64_t)cfg->pop3_keep_days * 86400)
				go = 1;
			if (go)
				dele[ndele++] = m;
			continue;
		}
		if (cfg->pop3_max_size > 0 && m->size > cfg->pop3_max_size) {
			ntoo_big++;
			big_bytes += m->size;
			continue;
		}
		want[nwant++] = i;
	}
	/* What goes from the server was stored before: no need to wait. */
	if ((status = pop3_dele_many(p, dele, ndele, err)) != BACKEND_OK)
		goto out;
	status = pop3_download(p, want, nwant, led, nled, !keep, err);
	if (status != BACKEND_OK)
		goto out;
	if (ntoo_big > 0 && p->hooks.notice != NULL) {
		struct strbuf sb = STRBUF_INIT, lim = STRBUF_INIT;

		format_size(&sb, big_bytes);
		format_size(&lim, cfg->pop3_max_size);
		/* The user decides in the preview. */
		{
			char *text = xasprintf(ntoo_big == 1 ?
			    _("%zu message (%s) is over the size limit of %s "
			    "(pop3_max_size): left on the server, see the "
			    "preview") :
			    _("%zu messages (%s) are over the size limit of %s "
			    "(pop3_max_size): left on the server, see the "
			    "preview"), ntoo_big, sb.buf, lim.buf);

			p->hooks.notice(p->hooks.arg, text);
			free(text);
		}
		strbuf_release(&sb);
		strbuf_release(&lim);
	}
out:
	free(want);
	free(dele);
	store_pop3_ledger_free(led, nled);
	return status;
}

/* The preview, and single messages. */

/* The listed message with identity ID, or NULL. */
static struct pop3_msg *
pop3_find(struct pop3 *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->nmsgs; i++)
		if (p->msgs[i].id != NULL && strcmp(p->msgs[i].id, id) == 0)
			return &p->msgs[i];
	return NULL;
}

static enum backend_status
pop3_preview(void *b, char **err)
{
	struct pop3 *p = b;
	struct store_pop3_preview *list = NULL;
	struct store_pop3_entry *led = NULL;
	const struct store_pop3_entry *e;
	enum backend_status status;
	size_t nled = 0, n = 0, i;

	if ((status = pop3_list(p, err)) != BACKEND_OK)
		return status;
	if (store_pop3_ledger(p->st, &led, &nled) != 0) {
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(p->st));
		return BACKEND_ERR_LOCAL;
	}
	list = xcalloc(p->nmsgs + 1, sizeof *list);
	for (i = 0; i < p->nmsgs; i++) {
		struct pop3_msg *m = &p->msgs[i];
		struct store_pop3_preview *pv;
		struct store_msg sm;
		char id[POP3_HDR_ID_LEN], *hdr = NULL;
		size_t len = 0;

		if (pop3_msg_deleted(p, m))
			continue;
		if ((status = pop3_top(p, m, &hdr, &len, err)) != BACKEND_OK)
			goto out;
		if (m->id == NULL) {
			pop3_tell_no_uidl(p);
			pop3_header_id(hdr, len, id);
			m->id = xstrdup(id);
		}
		memset(&sm, 0, sizeof sm);
		pop3_parse_headers(hdr, len, &sm);
		free(hdr);
		pv = &list[n++];
		pv->uidl = xstrdup(m->id);
		pv->size = m->size;
		pv->date = sm.date;
		if (sm.from_name != NULL && sm.from_addr != NULL)
			pv->sender = xasprintf("%s <%s>", sm.from_name,
			    sm.from_addr);
		else
			pv->sender = xstrdup(sm.from_name != NULL ?
			    sm.from_name : sm.from_addr);
		pv->subject = sm.subject;
		sm.subject = NULL;
		store_msg_release(&sm);
		e = pop3_ledger_find(led, nled, m->id);
		if (e != NULL && e->server == POP3_SRV_DELETING)
			pv->state = POP3_PV_DELETING;
		else if (pop3_is_stored(e, m))
			pv->state = POP3_PV_LOCAL;
		else if (p->cfg->pop3_max_size > 0 &&
		    m->size > p->cfg->pop3_max_size)
			pv->state = POP3_PV_TOO_BIG;
		else
			pv->state = POP3_PV_NEW;
		if (p->hooks.progress != NULL && (n % 200 == 0 ||
		    i + 1 == p->nmsgs))
			p->hooks.progress(p->hooks.arg, p->inbox_id,
			    (long)i + 1, (long)p->nmsgs);
	}
	if (store_pop3_preview_replace(p->st, list, n) != 0) {
		*err = xasprintf(_("cannot save the preview: %s"),
		    store_errmsg(p->st));
		status = BACKEND_ERR_LOCAL;
		goto out;
	}
	if (p->hooks.preview_changed != NULL)
		p->hooks.preview_changed(p->hooks.arg);
out:
	store_pop3_preview_list_free(list, n);
	store_pop3_ledger_free(led, nled);
	return status;
}

/* Find message ID, giving header identities to the unidentified. */
static enum backend_status
pop3_locate(struct pop3 *p, const char *id, struct pop3_msg **m_r,
    char **err)
{
	enum backend_status status;

	*m_r = NULL;
	if ((status = pop3_list(p, err)) != BACKEND_OK)
		return status;
	if ((*m_r = pop3_find(p, id)) != NULL)
		return BACKEND_OK;
	if (strncmp(id, "hdr:", 4) == 0 && !pop3_all_identified(p)) {
		if ((status = pop3_identify_all(p, err)) != BACKEND_OK)
			return status;
		*m_r = pop3_find(p, id);
	}
	return BACKEND_OK;
}

static enum backend_status
pop3_fetch_one(void *b, const char *uidl, char **err)
{
	struct pop3 *p = b;
	struct store_pop3_entry *led = NULL;
	struct pop3_msg *m;
	enum backend_status status;
	size_t nled = 0, i;

	if ((status = pop3_inbox(p, err)) != BACKEND_OK)
		return status;
	if ((status = pop3_locate(p, uidl, &m, err)) != BACKEND_OK)
		return status;
	if (m == NULL || pop3_msg_deleted(p, m)) {
		*err = xasprintf(_("message \"%s\" is no longer on the "
		    "server"), uidl);
		store_pop3_preview_remove(p->st, uidl);
		if (p->hooks.preview_changed != NULL)
			p->hooks.preview_changed(p->hooks.arg);
		return BACKEND_ERR_NOTFOUND;
	}
	if (store_pop3_ledger(p->st, &led, &nled) != 0) {
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(p->st));
		return BACKEND_ERR_LOCAL;
	}
	i = (size_t)(m - p->msgs);
	if (!pop3_is_stored(pop3_ledger_find(led, nled, uidl), m))
		status = pop3_download(p, &i, 1, led, nled, pop3_delete_mode(p),
		    err);
	store_pop3_ledger_free(led, nled);
	if (status == BACKEND_OK && p->hooks.preview_changed != NULL)
		p->hooks.preview_changed(p->hooks.arg);
	return status;
}

static enum backend_status
pop3_delete_one(void *b, const char *uidl, char **err)
{
	struct pop3 *p = b;
	struct pop3_msg *m;
	enum backend_status status;
	const char *ids[1] = { uidl };

	/* The wish outlives a dropped connection: the next check redoes it. */
	if (store_pop3_set_server(p->st, ids, 1, POP3_SRV_DELETING) != 0) {
		*err = xasprintf(_("cannot update the cache: %s"),
		    store_errmsg(p->st));
		return BACKEND_ERR_LOCAL;
	}
	if ((status = pop3_locate(p, uidl, &m, err)) != BACKEND_OK)
		return status;
	if (m == NULL) {
		store_pop3_set_server(p->st, ids, 1, POP3_SRV_GONE);
		store_pop3_preview_remove(p->st, uidl);
	} else {
		if ((status = pop3_dele(p, m, err)) != BACKEND_OK)
			return status;
		store_pop3_preview_set_state(p->st, uidl, POP3_PV_DELETING);
	}
	if (p->hooks.preview_changed != NULL)
		p->hooks.preview_changed(p->hooks.arg);
	return BACKEND_OK;
}

/* End the session with QUIT, which commits its DELEs. */
static enum backend_status
pop3_logout(void *b, char **err)
{
	struct pop3 *p = b;
	mailpop3 *s = p->session;
	char *line;
	size_t i;

	if (s == NULL || s->pop3_stream == NULL) {
		pop3_disconnect(p);
		return BACKEND_OK;
	}
	/*
	 * QUIT by hand: mailpop3_quit() reports success even when the
	 * answer never came, and only the answer says the deletions are
	 * done. The stream is then closed without a second QUIT.
	 */
	line = NULL;
	if (mailstream_write(s->pop3_stream, "QUIT\r\n", 6) == 6 &&
	    mailstream_flush(s->pop3_stream) == 0)
		line = mailstream_read_line_remove_eol(s->pop3_stream,
		    s->pop3_stream_buffer);
	if (line == NULL || strncmp(line, "+OK", 3) != 0) {
		/* The deletions may not have happened: the next check sees. */
		*err = line == NULL ? xstrdup(_("QUIT: connection lost")) :
		    xasprintf(_("QUIT failed: %s"), line);
		pop3_disconnect(p);
		return line == NULL ? BACKEND_ERR_NET : BACKEND_ERR_PROTOCOL;
	}
	if (p->ndeleted > 0) {
		if (store_pop3_set_server(p->st, (const char *const *)p->deleted,
		    p->ndeleted, POP3_SRV_GONE) != 0)
			log_msg(LOG_WARN, "pop3: cannot update the ledger: %s",
			    store_errmsg(p->st));
		for (i = 0; i < p->ndeleted; i++)
			store_pop3_preview_remove(p->st, p->deleted[i]);
		if (p->hooks.preview_changed != NULL)
			p->hooks.preview_changed(p->hooks.arg);
	}
	pop3_disconnect(p);
	return BACKEND_OK;
}

/* Bodies and pending operations: everything is local already. */

static enum backend_status
pop3_fetch_body(void *b, int64_t msg_id, char **err)
{
	struct pop3 *p = b;
	struct store_msg m;
	int r;

	if ((r = store_msg_get(p->st, msg_id, &m)) != 0) {
		*err = r < 0 ? xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(p->st)) :
		    xstrdup(_("the message is no longer in the cache"));
		return r < 0 ? BACKEND_ERR_LOCAL : BACKEND_ERR_NOTFOUND;
	}
	r = m.has_body;
	store_msg_release(&m);
	if (!r) {
		*err = xstrdup(_("this POP3 message has no body in the cache"));
		return BACKEND_ERR_NOTFOUND;
	}
	return BACKEND_OK;
}

/*
 * The user's operations touch only the local Inbox. One that made a
 * downloaded message leave it (an expunge, a move) counts as a local
 * deletion for pop3_delete_with_local.
 */
static enum backend_status
pop3_push_pending(void *b, char **err)
{
	struct pop3 *p = b;
	struct store_pending op;
	int r;

	while ((r = store_pending_first(p->st, &op)) == 0) {
		if (store_pop3_local_deleted(p->st, op.folder_id, op.uid) != 0 ||
		    store_pending_done(p->st, op.id) != 0) {
			store_pending_release(&op);
			r = -1;
			break;
		}
		store_pending_release(&op);
	}
	if (r < 0) {
		*err = xasprintf(_("cannot update the cache: %s"),
		    store_errmsg(p->st));
		return BACKEND_ERR_LOCAL;
	}
	return BACKEND_OK;
}

static void
pop3_interrupt(void *b)
{
	struct pop3 *p = b;

	pthread_mutex_lock(&p->lock);
	if (p->session != NULL && p->session->pop3_stream != NULL)
		tls_cancel(p->session->pop3_stream);
	pthread_mutex_unlock(&p->lock);
}

static void
pop3_free(void *b)
{
	struct pop3 *p = b;
	char *err = NULL;

	if (p == NULL)
		return;
	/* A healthy session ends with QUIT: every DELE sent was durable. */
	pop3_logout(p, &err);
	free(err);
	pop3_disconnect(p);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const struct backend_ops pop3_backend = {
	.name = "pop3",
	.caps = BACKEND_CAP_SHORT_SESSION,
	.new = pop3_new,
	.connect = pop3_connect,
	.sync_folders = pop3_sync_folders,
	.sync_folder = pop3_sync_folder,
	.fetch_body = pop3_fetch_body,
	.push_pending = pop3_push_pending,
	.interrupt = pop3_interrupt,
	.free = pop3_free,
	.preview = pop3_preview,
	.fetch_one = pop3_fetch_one,
	.delete_one = pop3_delete_one,
	.logout = pop3_logout,
};
