/*
 * The IMAP backend (backend.h): a libetpan mailimap session over our own
 * tls stream. It logs in, lists folders with their special-use roles,
 * brings a folder's messages into the store newest first in batches (each
 * batch committed before the next), fetches bodies on demand and pushes
 * queued flag changes.
 *
 * Rules from the libetpan notes (shared/docs/libetpan.md): any stream or
 * parse error ends the session (the worker reconnects); never COMPRESS,
 * never libetpan's own TLS or STARTTLS helpers.
 */
#include "autoconfig.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "compat.h"
#include "backend.h"
#include "config.h"
#include "conn.h"
#include "fetchparse.h"
#include "i18n.h"
#include "imap.h"
#include "imapresp.h"
#include "log.h"
#include "mime.h"
#include "respfilter.h"
#include "search.h"
#include "store.h"
#include "strbuf.h"
#include "tls.h"
#include "utf7.h"
#include "util.h"
#include "xmalloc.h"

/* Headers of the first batch of a cold folder: about a screenful. */
#define IMAP_FIRST_BATCH 100
/* Later batches: large enough for few round trips, small enough to keep
 * libetpan's result lists small (shared/docs/libetpan.md section 3). */
#define IMAP_BATCH 2000
/* Parsed headers are written in transactions of this many (imap_sink). */
#define IMAP_STORE_CHUNK 1000

struct imap {
	const struct account_config *cfg;
	struct store *st;
	struct backend_hooks hooks;

	pthread_mutex_t lock;	/* guards session, idle_ready, wake_pending */
	mailimap *session;
	char *selected;		/* the folder now selected, or NULL */
	uint32_t sel_uidvalidity;
	uint64_t sel_modseq;	/* HIGHESTMODSEQ at SELECT (CONDSTORE) */

	/* What the server can do, read after login. */
	int condstore;		/* CONDSTORE (or QRESYNC) usable */
	int qresync;		/* QRESYNC enabled */
	int idle;
	int uidplus;
	int move;
	int literalplus;
	int notify;		/* NOTIFY offered (RFC 5465) */
	int notify_on;		/* NOTIFY SET accepted on this connection */
	int notify_tried;	/* NOTIFY SET sent on this connection */
	int list_status;	/* LIST-STATUS offered and not refused */

	/* IDLE: wake() may come from another thread at any moment. */
	int idle_ready;		/* waiting in mailstream_wait_idle() */
	int wake_pending;	/* wake() came; do not wait */

	struct log_wire wire;	/* the protocol trace (--log) */
	struct respfilter *filter;	/* over the session's stream */
};

static enum backend_status imap_fail(struct imap *, int, const char *,
    char **);
static enum conn_reply imap_reply(int);
static const char *imap_said(struct imap *);
static mailstream *imap_c_stream(void *);
static void imap_disconnect(struct imap *);
static enum backend_status imap_poll_folders(void *, const char *, char **);

static void *
imap_new(const struct account_config *cfg, struct store *st,
    const struct backend_hooks *hooks)
{
	struct imap *im;

	im = xcalloc(1, sizeof *im);
	im->cfg = cfg;
	im->st = st;
	im->hooks = *hooks;
	pthread_mutex_init(&im->lock, NULL);
	return im;
}

/*
 * Turn a libetpan result R of command WHAT into a status and a message.
 * Stream and parse errors end the session: libetpan cannot resynchronise.
 */
static enum backend_status
imap_fail(struct imap *im, int r, const char *what, char **err)
{
	enum backend_status st;

	st = conn_fail(imap_c_stream(im), imap_reply(r), what, imap_said(im),
	    err);
	if (st == BACKEND_ERR_NET)
		imap_disconnect(im);
	return st;
}

static void
imap_disconnect(struct imap *im)
{
	mailimap *s;

	pthread_mutex_lock(&im->lock);
	s = im->session;
	im->session = NULL;
	pthread_mutex_unlock(&im->lock);
	if (s != NULL) {
		/* Close the stream first so that free does not talk. */
		if (s->imap_stream != NULL) {
			tls_forget_sent(s->imap_stream);
			mailstream_close(s->imap_stream);
			s->imap_stream = NULL;
		}
		mailimap_free(s);
	}
	respfilter_free(im->filter);
	im->filter = NULL;
	free(im->selected);
	im->selected = NULL;
	im->notify_on = im->notify_tried = 0;
}

/* A response the parser does not know was left out: say so once. */
static void
imap_filter_note(const char *what, void *arg)
{
	(void)arg;
	log_msg(LOG_WARN, "imap: skipped a response tern does not know: %s",
	    what);
}

/* The tls filter: STREAM's bytes through the response filter ARG. */
static void
imap_filter(void *arg, const char *in, size_t n, struct strbuf *out)
{
	respfilter_feed(arg, in, n, out);
}

static int
imap_has(struct imap *im, const char *cap)
{
	return mailimap_has_extension(im->session, (char *)cap);
}

/* libetpan's protocol logger: the trace goes to the log, redacted. */
static void
imap_logger(mailimap *s, int type, const char *str, size_t size, void *arg)
{
	struct imap *im = arg;

	(void)s;
	if (type == MAILSTREAM_LOG_TYPE_DATA_RECEIVED)
		log_wire(&im->wire, LOG_WIRE_RECEIVED, str, size);
	else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT)
		log_wire(&im->wire, LOG_WIRE_SENT, str, size);
	else if (type == MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE)
		log_wire(&im->wire, LOG_WIRE_SENT_PRIVATE, str, size);
	/* The rest are markers around each read and write. */
}

/* ENABLE one extension (RFC 5161). Returns libetpan's result. */
static int
imap_enable(struct imap *im, const char *name)
{
	struct mailimap_capability_data *want, *enabled = NULL;
	clist *list;
	int r;

	list = clist_new();
	clist_append(list, mailimap_capability_new(MAILIMAP_CAPABILITY_NAME,
	    NULL, xstrdup(name)));
	want = mailimap_capability_data_new(list);
	r = mailimap_enable(im->session, want, &enabled);
	mailimap_capability_data_free(want);
	if (enabled != NULL)
		mailimap_capability_data_free(enabled);
	return r;
}

/*
 * CAPABILITY, guarded: libetpan's mailimap_capability() copies the list
 * the session holds without checking that one came (an OK without a
 * "* CAPABILITY" line crashed it), and a list from before STARTTLS must
 * not survive to be trusted after. So the session's list is emptied
 * first; a server that then sends none is taken to offer nothing.
 */
static int
imap_capability(struct imap *im)
{
	struct mailimap_connection_info *ci;
	struct mailimap_capability_data *caps = NULL;
	clist *empty;
	int r;

	ci = im->session->imap_connection_info;
	if (ci == NULL)
		return MAILIMAP_ERROR_MEMORY;
	if ((empty = clist_new()) == NULL)
		return MAILIMAP_ERROR_MEMORY;
	if (ci->imap_capability != NULL)
		mailimap_capability_data_free(ci->imap_capability);
	if ((ci->imap_capability = mailimap_capability_data_new(empty)) ==
	    NULL) {
		clist_free(empty);
		return MAILIMAP_ERROR_MEMORY;
	}
	r = mailimap_capability(im->session, &caps);
	if (caps != NULL)
		mailimap_capability_data_free(caps);
	return r;
}

/*
 * ID (RFC 2971), sent for the server's logs; its answer is not read:
 * libetpan's mailimap_id_basic() strdup()s a NIL value ("name" NIL is
 * valid) and crashed.
 */
static int
imap_id(struct imap *im)
{
	struct mailimap_id_params_list *mine, *theirs = NULL;
	clistiter *it;
	int r;

	if ((mine = mailimap_id_params_list_new_empty()) == NULL)
		return MAILIMAP_ERROR_MEMORY;
	mailimap_id_params_list_add_name_value(mine, xstrdup("name"),
	    xstrdup(PACKAGE_NAME));
	mailimap_id_params_list_add_name_value(mine, xstrdup("version"),
	    xstrdup(PACKAGE_VERSION));
	r = mailimap_id(im->session, mine, &theirs);
	/*
	 * libetpan frees a list's strings as its own (mmap_string_unref),
	 * which leaves ours: they go here.
	 */
	for (it = clist_begin(mine->idpa_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_id_param *pa = clist_content(it);

		free(pa->idpa_name);
		free(pa->idpa_value);
		pa->idpa_name = NULL;
		pa->idpa_value = NULL;
	}
	mailimap_id_params_list_free(mine);
	if (theirs != NULL)
		mailimap_id_params_list_free(theirs);
	return r;
}

/* libetpan's result R as the connection layer's reply. */
static enum conn_reply
imap_reply(int r)
{
	switch (r) {
	case MAILIMAP_NO_ERROR:
	case MAILIMAP_NO_ERROR_AUTHENTICATED:
	case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
		return CONN_OK;
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_MEMORY:
		return CONN_LOST;
	case MAILIMAP_ERROR_PARSE:
		return CONN_UNREADABLE;
	default:
		return CONN_NO;
	}
}

/* The server's text of the last tagged response, or NULL. */
static const char *
imap_said(struct imap *im)
{
	return im->session != NULL ? im->session->imap_response : NULL;
}

/*
 * The IMAP side of the connection layer (conn.h): libetpan reads the
 * greeting, the capabilities and STARTTLS and sends LOGIN; the SASL
 * exchange (AUTHENTICATE, RFC 3501 6.2.2, SASL-IR of RFC 4959) is framed
 * here and spoken by tern, on libetpan's stream and with its tags.
 */
static enum conn_reply
imap_c_greet(void *arg, mailstream *stream, int *preauth, const char **said)
{
	struct imap *im = arg;
	mailimap *s;
	int r;

	/* From the greeting on: an unknown response never breaks parsing. */
	im->filter = respfilter_new(imap_filter_note, im);
	tls_set_filter(stream, imap_filter, im->filter);
	s = mailimap_new(0, NULL);
	if (log_enabled(LOG_DEBUG)) {
		im->wire.proto = im->hooks.second ? "imap2" : "imap";
		im->wire.secret = 0;
		mailimap_set_logger(s, imap_logger, im);
	}
	pthread_mutex_lock(&im->lock);
	im->session = s;
	pthread_mutex_unlock(&im->lock);
	r = mailimap_connect(s, stream);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		if (s->imap_stream == NULL)
			mailstream_close(stream);
		*said = imap_said(im);
		return r == MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION ? CONN_NO :
		    imap_reply(r) == CONN_UNREADABLE ? CONN_UNREADABLE :
		    CONN_LOST;
	}
	*preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	return CONN_OK;
}

static mailstream *
imap_c_stream(void *arg)
{
	struct imap *im = arg;

	return im->session != NULL ? im->session->imap_stream : NULL;
}

static enum conn_reply
imap_c_capabilities(void *arg, const char **said)
{
	struct imap *im = arg;
	int r;

	r = imap_capability(im);
	*said = imap_said(im);
	return imap_reply(r);
}

static int
imap_c_has(void *arg, const char *cap)
{
	return imap_has(arg, cap) ? 1 : 0;
}

static int
imap_c_has_mech(void *arg, const char *mech)
{
	struct imap *im = arg;

	return mailimap_has_authentication(im->session, (char *)mech) ? 1 : 0;
}

static enum conn_reply
imap_c_starttls(void *arg, const char **said)
{
	struct imap *im = arg;
	int r;

	r = mailimap_starttls(im->session);
	*said = imap_said(im);
	if (r == MAILIMAP_ERROR_STARTTLS)
		return CONN_NO;
	return imap_reply(r);
}

static enum conn_reply
imap_c_login(void *arg, enum conn_login how, const char *user,
    const char *secret, const char **said)
{
	struct imap *im = arg;
	int r;

	if (how != CONN_LOGIN_USER)
		return CONN_NO;
	r = mailimap_login(im->session, user, secret);
	*said = imap_said(im);
	return imap_reply(r);
}

static char *
imap_c_sasl_command(void *arg, const char *mech, const char *ir)
{
	struct imap *im = arg;

	/* libetpan checks each tagged answer against its own counter. */
	im->session->imap_tag++;
	return xasprintf("%d AUTHENTICATE %s%s%s\r\n", im->session->imap_tag,
	    mech, ir != NULL ? " " : "", ir == NULL ? "" : *ir != '\0' ? ir :
	    "=");
}

static enum conn_sasl_line
imap_c_sasl_line(void *arg, const char *line, const char **text)
{
	struct imap *im = arg;
	char tag[24];
	size_t n;

	if (line[0] == '+') {
		*text = line + 1 + (line[1] == ' ');
		return CONN_SASL_MORE;
	}
	if (line[0] == '*' && line[1] == ' ')
		return CONN_SASL_SKIP;
	n = (size_t)snprintf(tag, sizeof tag, "%d ", im->session->imap_tag);
	if (strncmp(line, tag, n) != 0)
		return CONN_SASL_BAD;
	line += n;
	if (strncasecmp(line, "OK", 2) == 0 && (line[2] == ' ' ||
	    line[2] == '\0'))
		return CONN_SASL_OK;
	if (strncasecmp(line, "NO ", 3) == 0) {
		*text = line + 3;
		return CONN_SASL_NO;
	}
	if (strncasecmp(line, "BAD ", 4) == 0) {
		*text = line + 4;
		return CONN_SASL_NO;
	}
	return CONN_SASL_BAD;
}

static char *
imap_c_read_line(void *arg)
{
	struct imap *im = arg;

	if (im->session == NULL || im->session->imap_stream == NULL)
		return NULL;
	return mailstream_read_line_remove_eol(im->session->imap_stream,
	    im->session->imap_stream_buffer);
}

static void
imap_c_signed_in(void *arg)
{
	struct imap *im = arg;

	im->session->imap_state = MAILIMAP_STATE_AUTHENTICATED;
}

static void
imap_c_disconnect(void *arg)
{
	imap_disconnect(arg);
}

static const struct conn_proto imap_proto = {
	.name = "imap",
	.starttls = "STARTTLS",
	.login_name = "LOGIN",
	.sasl_ir = 0,
	.caps_after_login = 1,
	.own_login_first = 1,
	.greet = imap_c_greet,
	.stream = imap_c_stream,
	.capabilities = imap_c_capabilities,
	.has = imap_c_has,
	.has_mech = imap_c_has_mech,
	.starttls_cmd = imap_c_starttls,
	.login = imap_c_login,
	.apop_timestamp = NULL,
	.sasl_command = imap_c_sasl_command,
	.sasl_line = imap_c_sasl_line,
	.read_line = imap_c_read_line,
	.signed_in = imap_c_signed_in,
	.disconnect = imap_c_disconnect,
};

static enum backend_status
imap_connect(void *b, struct cred *cred, char **err)
{
	struct imap *im = b;
	enum backend_status st;
	int r;

	imap_disconnect(im);
	if ((st = conn_open(&imap_proto, im, im->cfg, cred, err)) !=
	    BACKEND_OK)
		return st;
	im->idle = imap_has(im, "IDLE");
	im->uidplus = imap_has(im, "UIDPLUS");
	im->move = imap_has(im, "MOVE");
	im->literalplus = imap_has(im, "LITERAL+");
	im->notify = imap_has(im, "NOTIFY");
	im->list_status = imap_has(im, "LIST-STATUS");
	im->condstore = imap_has(im, "CONDSTORE") || imap_has(im, "QRESYNC");
	im->qresync = 0;
	if (imap_has(im, "QRESYNC") && imap_has(im, "ENABLE")) {
		if ((r = imap_enable(im, "QRESYNC")) == MAILIMAP_NO_ERROR)
			im->qresync = 1;
		else if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE)
			return imap_fail(im, r, "ENABLE", err);
	}
	if (imap_has(im, "ID")) {
		r = imap_id(im);
		if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE)
			return imap_fail(im, r, "ID", err);
	}
	return BACKEND_OK;
}

/* The role of a folder from its special-use flags, or its well-known name. */
static enum folder_role
imap_folder_role(const struct mailimap_mailbox_list *mb)
{
	static const struct {
		const char *flag;
		enum folder_role role;
	} flags[] = {
		{ "Drafts", ROLE_DRAFTS }, { "Sent", ROLE_SENT },
		{ "Junk", ROLE_JUNK }, { "Trash", ROLE_TRASH },
		{ "Archive", ROLE_ARCHIVE },
	};
	static const struct {
		const char *name;
		enum folder_role role;
	} names[] = {
		{ "Drafts", ROLE_DRAFTS }, { "Draft", ROLE_DRAFTS },
		{ "Sent", ROLE_SENT }, { "Sent Items", ROLE_SENT },
		{ "Sent Messages", ROLE_SENT }, { "Sent Mail", ROLE_SENT },
		{ "Junk", ROLE_JUNK }, { "Spam", ROLE_JUNK },
		{ "Junk E-mail", ROLE_JUNK }, { "Trash", ROLE_TRASH },
		{ "Deleted Items", ROLE_TRASH },
		{ "Deleted Messages", ROLE_TRASH },
		{ "Archive", ROLE_ARCHIVE }, { "Archives", ROLE_ARCHIVE },
	};
	clistiter *it;
	size_t i;

	if (strcasecmp(mb->mb_name, "INBOX") == 0)
		return ROLE_INBOX;
	if (mb->mb_flag != NULL) {
		for (it = clist_begin(mb->mb_flag->mbf_oflags); it != NULL;
		    it = clist_next(it)) {
			struct mailimap_mbx_list_oflag *of = clist_content(it);

			if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT ||
			    of->of_flag_ext == NULL)
				continue;
			for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
				if (strcasecmp(of->of_flag_ext,
				    flags[i].flag) == 0)
					return flags[i].role;
		}
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(mb->mb_name, names[i].name) == 0)
			return names[i].role;
	return ROLE_NONE;
}

static int
imap_folder_noselect(const struct mailimap_mailbox_list *mb)
{
	clistiter *it;

	if (mb->mb_flag == NULL)
		return 0;
	if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		return 1;
	for (it = clist_begin(mb->mb_flag->mbf_oflags); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_mbx_list_oflag *of = clist_content(it);

		if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT &&
		    of->of_flag_ext != NULL &&
		    strcasecmp(of->of_flag_ext, "NonExistent") == 0)
			return 1;
	}
	return 0;
}

/* A display name for a mailbox name that is not valid modified UTF-7. */
static char *
imap_escape_name(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			strbuf_addch(&sb, (char)*p);
		else
			strbuf_addf(&sb, "\\x%02x", *p);
	}
	return strbuf_detach(&sb, NULL);
}

static enum backend_status
imap_sync_folders(void *b, char **err)
{
	struct imap *im = b;
	clist *list = NULL, *lsub = NULL;
	struct store_folder *folders = NULL;
	size_t n = 0, i;
	clistiter *it;
	int r;
	enum backend_status status = BACKEND_OK;

	if ((r = mailimap_list(im->session, "", "*", &list)) !=
	    MAILIMAP_NO_ERROR) {
		/* libetpan hands over what came even with a NO. */
		status = imap_fail(im, r, "LIST", err);
		goto out;
	}
	if ((r = mailimap_lsub(im->session, "", "*", &lsub)) !=
	    MAILIMAP_NO_ERROR) {
		status = imap_fail(im, r, "LSUB", err);
		goto out;
	}
	folders = xcalloc((size_t)clist_count(list) + 1, sizeof *folders);
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		struct store_folder *f = &folders[n];
		clistiter *jt;
		char *display;

		if (mb->mb_name == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(folders[i].name, mb->mb_name) == 0)
				break;
		if (i < n)
			continue;
		f->name = xstrdup(mb->mb_name);
		if (strcasecmp(mb->mb_name, "INBOX") == 0)
			display = xstrdup("INBOX");
		else if ((display = utf7_decode(mb->mb_name)) == NULL)
			display = imap_escape_name(mb->mb_name);
		f->display = display;
		f->delim = mb->mb_delimiter;
		f->role = imap_folder_role(mb);
		f->noselect = imap_folder_noselect(mb);
		for (jt = clist_begin(lsub); jt != NULL; jt = clist_next(jt)) {
			struct mailimap_mailbox_list *sub = clist_content(jt);

			if (sub->mb_name != NULL &&
			    strcmp(sub->mb_name, mb->mb_name) == 0)
				f->subscribed = 1;
		}
		if (f->role == ROLE_INBOX)
			f->subscribed = 1;
		n++;
	}
	if (store_folders_replace(im->st, folders, n) != 0) {
		*err = xasprintf(_("cannot save the folder list: %s"),
		    store_errmsg(im->st));
		status = BACKEND_ERR_LOCAL;
		goto out;
	}
	if (im->hooks.folders_changed != NULL)
		im->hooks.folders_changed(im->hooks.arg);
out:
	if (list != NULL)
		mailimap_list_result_free(list);
	if (lsub != NULL)
		mailimap_list_result_free(lsub);
	store_folder_list_free(folders, n);
	return status;
}

/* Select NAME unless it is selected already. */
static enum backend_status
imap_select(struct imap *im, const char *name, char **err)
{
	int r;

	if (im->selected != NULL && strcmp(im->selected, name) == 0)
		return BACKEND_OK;
	free(im->selected);
	im->selected = NULL;
	im->sel_modseq = 0;
	if (im->condstore)
		r = mailimap_select_condstore(im->session, name,
		    &im->sel_modseq);
	else
		r = mailimap_select(im->session, name);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "SELECT", err);
	im->selected = xstrdup(name);
	im->sel_uidvalidity = im->session->imap_selection_info != NULL ?
	    im->session->imap_selection_info->sel_uidvalidity : 0;
	return BACKEND_OK;
}

static int64_t
imap_date_time(const struct mailimap_date_time *dt)
{
	int64_t t;
	int zone, sign;

	if (dt == NULL || dt->dt_month < 1 || dt->dt_month > 12 ||
	    dt->dt_day < 1 || dt->dt_day > 31 || dt->dt_year < 1 ||
	    dt->dt_year > 9999 || dt->dt_hour < 0 || dt->dt_hour > 24 ||
	    dt->dt_min < 0 || dt->dt_min > 59 || dt->dt_sec < 0 ||
	    dt->dt_sec > 60)
		return 0;
	t = util_days_from_civil(dt->dt_year, dt->dt_month, dt->dt_day) *
	    86400 + dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec;
	/* A zone is +HHMM; anything beyond is taken as UTC. */
	if (dt->dt_zone < -9959 || dt->dt_zone > 9959)
		return t;
	sign = dt->dt_zone < 0 ? -1 : 1;
	zone = dt->dt_zone * sign;
	t -= sign * ((zone / 100) * 3600 + (zone % 100) * 60);
	return t;
}

static unsigned int
imap_flags(struct mailimap_msg_att_dynamic *dyn, char **keywords_r)
{
	struct strbuf kw = STRBUF_INIT;
	unsigned int flags = 0;
	clistiter *it;

	if (dyn == NULL || dyn->att_list == NULL)
		goto out;
	for (it = clist_begin(dyn->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_flag_fetch *ff = clist_content(it);
		struct mailimap_flag *f;

		if (ff->fl_type != MAILIMAP_FLAG_FETCH_OTHER ||
		    (f = ff->fl_flag) == NULL)
			continue;
		switch (f->fl_type) {
		case MAILIMAP_FLAG_SEEN:
			flags |= MSG_SEEN;
			break;
		case MAILIMAP_FLAG_ANSWERED:
			flags |= MSG_ANSWERED;
			break;
		case MAILIMAP_FLAG_FLAGGED:
			flags |= MSG_FLAGGED;
			break;
		case MAILIMAP_FLAG_DELETED:
			flags |= MSG_DELETED;
			break;
		case MAILIMAP_FLAG_DRAFT:
			flags |= MSG_DRAFT;
			break;
		case MAILIMAP_FLAG_KEYWORD:
			if (f->fl_data.fl_keyword == NULL)
				break;
			if (kw.len > 0)
				strbuf_addch(&kw, ' ');
			strbuf_addstr(&kw, f->fl_data.fl_keyword);
			break;
		default:
			break;
		}
	}
out:
	if (keywords_r != NULL)
		*keywords_r = kw.len > 0 ? strbuf_detach(&kw, NULL) : NULL;
	strbuf_release(&kw);
	return flags;
}

/*
 * Add the address PERSONAL <MAILBOX@HOST> (decoded) to SB, ", " between
 * two; the first one added also goes to *FIRST_NAME_R and *FIRST_ADDR_R
 * when FIRST_ADDR_R is not NULL. An address without a mailbox (a group's
 * syntax) is left out.
 */
static void
imap_address_add(struct strbuf *sb, const char *personal,
    const char *mailbox, const char *host, char **first_name_r,
    char **first_addr_r)
{
	char *name = NULL, *addr;

	if (mailbox == NULL)
		return;
	if (personal != NULL)
		name = mime_decode_header(personal, strlen(personal));
	/* Without printf(): this runs for every address of a sync. */
	if (host != NULL) {
		size_t nm = strlen(mailbox), nh = strlen(host);

		addr = xmalloc(nm + nh + 2);
		memcpy(addr, mailbox, nm);
		addr[nm] = '@';
		memcpy(addr + nm + 1, host, nh + 1);
	} else
		addr = xstrdup(mailbox);
	if (sb->len > 0)
		strbuf_addstr(sb, ", ");
	if (name != NULL && *name != '\0') {
		strbuf_addstr(sb, name);
		strbuf_addstr(sb, " <");
		strbuf_addstr(sb, addr);
		strbuf_addch(sb, '>');
	} else
		strbuf_addstr(sb, addr);
	if (first_addr_r != NULL && *first_addr_r == NULL) {
		*first_addr_r = addr;
		*first_name_r = name != NULL && *name != '\0' ? name : NULL;
		if (*first_name_r == NULL)
			free(name);
		return;
	}
	free(name);
	free(addr);
}

/* "Name <mailbox@host>, ..." for an address list, decoded. */
static char *
imap_addresses(clist *list, char **first_name_r, char **first_addr_r)
{
	struct strbuf sb = STRBUF_INIT;
	clistiter *it;

	if (list == NULL)
		return NULL;
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_address *ad = clist_content(it);

		imap_address_add(&sb, ad->ad_personal_name,
		    ad->ad_mailbox_name, ad->ad_host_name, first_name_r,
		    first_addr_r);
	}
	if (sb.len == 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}


/* Fill M from one FETCH response; returns 0 if it carried a UID. */
static int
imap_msg_from_att(struct mailimap_msg_att *att, struct store_msg *m)
{
	clistiter *it;

	for (it = clist_begin(att->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;
		struct mailimap_envelope *env;

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			free(m->keywords);
			m->flags = imap_flags(item->att_data.att_dyn,
			    &m->keywords);
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			m->uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			m->size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			m->internaldate =
			    imap_date_time(st->att_data.att_internal_date);
			break;
		case MAILIMAP_MSG_ATT_ENVELOPE:
			env = st->att_data.att_env;
			if (env == NULL)
				break;
			if (env->env_subject != NULL)
				m->subject = mime_decode_header(
				    env->env_subject, strlen(env->env_subject));
			if (env->env_date != NULL)
				m->date = mime_parse_date(env->env_date);
			if (env->env_from != NULL)
				free(imap_addresses(env->env_from->frm_list,
				    &m->from_name, &m->from_addr));
			if (env->env_to != NULL)
				m->to_addrs = imap_addresses(
				    env->env_to->to_list, NULL, NULL);
			if (env->env_cc != NULL)
				m->cc_addrs = imap_addresses(
				    env->env_cc->cc_list, NULL, NULL);
			m->message_id = xstrdup(env->env_message_id);
			m->in_reply_to = xstrdup(env->env_in_reply_to);
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (st->att_data.att_body_section == NULL ||
			    st->att_data.att_body_section->sec_body_part ==
			    NULL)
				break;
			m->references = mime_header_value(
			    st->att_data.att_body_section->sec_body_part,
			    st->att_data.att_body_section->sec_length,
			    "References");
			break;
		default:
			break;
		}
	}
	/* A missing or absurd Date: header sorts by arrival instead. */
	if (m->date <= 0 || (m->internaldate > 0 &&
	    m->date > m->internaldate + 86400))
		m->date = m->internaldate;
	return m->uid != 0 ? 0 : -1;
}

static int imap_cmp_uid(const void *, const void *);

/*
 * UID FETCH (UID nonzero) or FETCH of SET with FT, both freed here. On
 * failure *RESULT_R is NULL: what libetpan hands over even with a NO is
 * freed. Returns a libetpan code.
 */
static int
imap_fetch_call(struct imap *im, int uid, struct mailimap_set *set,
    struct mailimap_fetch_type *ft, clist **result_r)
{
	int r;

	*result_r = NULL;
	r = uid ? mailimap_uid_fetch(im->session, set, ft, result_r) :
	    mailimap_fetch(im->session, set, ft, result_r);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR && *result_r != NULL) {
		mailimap_fetch_list_free(*result_r);
		*result_r = NULL;
	}
	return r;
}


/*
 * Whether the FETCH response of message SEQ (of UID) answers what was
 * asked: its sequence number from SEQ_LO up to the folder's EXISTS and, when UIDS
 * is not NULL, its UID one of the N ascending UIDS. Servers send FETCH
 * responses nobody asked for (flag news); a hostile one could slip
 * messages in that way.
 */
static int
imap_fetch_wanted(struct imap *im, uint32_t seq, uint32_t uid,
    uint32_t seq_lo, const uint32_t *uids, size_t n)
{
	const struct mailimap_selection_info *sel = NULL;

	if (im->session != NULL)
		sel = im->session->imap_selection_info;
	if (uid == 0 || seq < seq_lo || (sel != NULL && seq > sel->sel_exists))
		return 0;
	return uids == NULL ||
	    bsearch(&uid, uids, n, sizeof *uids, imap_cmp_uid) != NULL;
}

/*
 * A header FETCH as it is answered, read by tern (fetchparse.h) rather
 * than by libetpan, whose parser cost more than the rest of the sync: each
 * FETCH response is turned into a store_msg as soon as its last byte is
 * in, and every IMAP_STORE_CHUNK of them are written in one short
 * transaction. Parsing and storing thus overlap the transfer, memory does
 * not grow with the size of the answer, and a write of the reader's own
 * never waits long behind the worker's. The answer is read from
 * libetpan's stream a line (and a literal) at a time, so that nothing
 * after it is taken from the session.
 */
struct imap_sink {
	struct imap *im;
	int64_t folder_id;
	uint32_t seq_lo;	/* what imap_fetch_wanted() takes */
	const uint32_t *uids;
	size_t nuids;
	struct store_msg *msgs;	/* parsed, not yet written */
	size_t n;
	size_t stored;		/* written so far */
	int failed;		/* a write failed: nothing more is */
};

/* What a header FETCH asks for. */
#define IMAP_HEADER_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE" \
	" BODY.PEEK[HEADER.FIELDS (References)])"

static void
imap_sink_init(struct imap_sink *sk, struct imap *im, int64_t folder_id,
    uint32_t seq_lo, const uint32_t *uids, size_t nuids)
{
	memset(sk, 0, sizeof *sk);
	sk->im = im;
	sk->folder_id = folder_id;
	sk->seq_lo = seq_lo;
	sk->uids = uids;
	sk->nuids = nuids;
	sk->msgs = xcalloc(IMAP_STORE_CHUNK, sizeof *sk->msgs);
}

/* Write the messages parsed so far (unless a write failed before). */
static void
imap_sink_flush(struct imap_sink *sk)
{
	size_t i;

	if (!sk->failed && sk->n > 0) {
		if (store_msg_put_batch(sk->im->st, sk->msgs, sk->n) == 0)
			sk->stored += sk->n;
		else
			sk->failed = 1;
	}
	for (i = 0; i < sk->n; i++)
		store_msg_release(&sk->msgs[i]);
	sk->n = 0;
}

static void
imap_sink_release(struct imap_sink *sk)
{
	imap_sink_flush(sk);
	free(sk->msgs);
	sk->msgs = NULL;
}

/* The addresses of list L of P in the form imap_addresses() gives. */
static char *
imap_fetch_addresses(const struct fetchparse *p,
    const struct fetchparse_addrs *l, char **first_name_r,
    char **first_addr_r)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct fetchparse_addr *ad = &p->addrs[l->first + i];

		imap_address_add(&sb, ad->name, ad->mailbox, ad->host,
		    first_name_r, first_addr_r);
	}
	if (sb.len == 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/* Fill M from the FETCH response P as imap_msg_from_att() does. */
static void
imap_msg_from_fetch(const struct fetchparse *p, struct store_msg *m)
{
	static const unsigned int bits[][2] = {
		{ FETCHPARSE_SEEN, MSG_SEEN },
		{ FETCHPARSE_ANSWERED, MSG_ANSWERED },
		{ FETCHPARSE_FLAGGED, MSG_FLAGGED },
		{ FETCHPARSE_DELETED, MSG_DELETED },
		{ FETCHPARSE_DRAFT, MSG_DRAFT },
	};
	struct mailimap_date_time dt;
	size_t i;

	m->uid = p->uid;
	if (p->have & FETCHPARSE_HAVE_FLAGS) {
		for (i = 0; i < sizeof bits / sizeof bits[0]; i++)
			if (p->flags & bits[i][0])
				m->flags |= bits[i][1];
		m->keywords = xstrdup(p->keywords);
	}
	m->size = (int64_t)p->size;
	if (p->have & FETCHPARSE_HAVE_INTERNALDATE) {
		dt.dt_day = p->internaldate.day;
		dt.dt_month = p->internaldate.month;
		dt.dt_year = p->internaldate.year;
		dt.dt_hour = p->internaldate.hour;
		dt.dt_min = p->internaldate.min;
		dt.dt_sec = p->internaldate.sec;
		dt.dt_zone = p->internaldate.zone;
		m->internaldate = imap_date_time(&dt);
	}
	if (p->have & FETCHPARSE_HAVE_ENVELOPE) {
		if (p->subject != NULL)
			m->subject = mime_decode_header(p->subject,
			    strlen(p->subject));
		if (p->date != NULL)
			m->date = mime_parse_date(p->date);
		free(imap_fetch_addresses(p, &p->from, &m->from_name,
		    &m->from_addr));
		m->to_addrs = imap_fetch_addresses(p, &p->to, NULL, NULL);
		m->cc_addrs = imap_fetch_addresses(p, &p->cc, NULL, NULL);
		m->message_id = xstrdup(p->message_id);
		m->in_reply_to = xstrdup(p->in_reply_to);
	}
	if (p->headers != NULL)
		m->references = mime_header_value(p->headers,
		    strlen(p->headers), "References");
	/* A missing or absurd Date: header sorts by arrival instead. */
	if (m->date <= 0 || (m->internaldate > 0 &&
	    m->date > m->internaldate + 86400))
		m->date = m->internaldate;
}

/*
 * One FETCH response of the answer: kept when it was asked for. One
 * without an envelope is a server's flag news about a message (RFC 3501
 * 7.4.2 lets it come at any time), not the headers asked for: stored, it
 * would blank the message's row. Its change is not lost: the sync's marks
 * are those from before this FETCH, so the next resync reads it again.
 */
static void
imap_sink_fetch(struct imap_sink *sk, const struct fetchparse *p)
{
	struct store_msg *m = &sk->msgs[sk->n];

	if (sk->failed || !(p->have & FETCHPARSE_HAVE_UID) ||
	    !(p->have & FETCHPARSE_HAVE_ENVELOPE) ||
	    !imap_fetch_wanted(sk->im, p->number, p->uid, sk->seq_lo,
	    sk->uids, sk->nuids))
		return;
	m->folder_id = sk->folder_id;
	imap_msg_from_fetch(p, m);
	if (++sk->n == IMAP_STORE_CHUNK)
		imap_sink_flush(sk);
}

/*
 * Read one complete response from STREAM into BUF (emptied first): its
 * lines and literals, nothing after it. Returns 0, or -1 when the stream
 * failed or closed.
 */
static int
imap_read_response(mailstream *stream, MMAPString *buf)
{
	struct fetchparse_frame fr;
	size_t old;
	ssize_t got;

	memset(&fr, 0, sizeof fr);
	mmap_string_truncate(buf, 0);
	for (;;) {
		if (fr.literal > 0) {
			old = buf->len;
			got = fr.literal > 65536 ? 65536 : (size_t)fr.literal;
			if (mmap_string_set_size(buf, old + (size_t)got) ==
			    NULL)
				return -1;
			got = mailstream_read(stream, buf->str + old,
			    (size_t)got);
			mmap_string_truncate(buf, old + (got > 0 ? got : 0));
			if (got <= 0)
				return -1;
		} else {
			old = buf->len;
			if (mailstream_read_line_append(stream, buf) == NULL ||
			    buf->len == old || buf->str[buf->len - 1] != '\n')
				return -1;
		}
		if (fetchparse_frame(&fr, buf->str, buf->len) != 0)
			return 0;
	}
}

/*
 * Send COMMAND (UID FETCH or FETCH of the headers) and read its answer
 * into the store through SK. Returns a libetpan code, as a mailimap call
 * would.
 */
static int
imap_fetch_stream(struct imap *im, const char *command, struct imap_sink *sk)
{
	mailimap *s = im->session;
	mailstream *stream;
	struct fetchparse p;
	MMAPString *buf;
	char *line;
	char tag[24];
	int r = MAILIMAP_ERROR_STREAM;

	if (s == NULL || (stream = s->imap_stream) == NULL)
		return MAILIMAP_ERROR_STREAM;
	/* libetpan checks each tagged answer against its own counter. */
	s->imap_tag++;
	snprintf(tag, sizeof tag, "%d", s->imap_tag);
	line = xasprintf("%s %s\r\n", tag, command);
	if (mailstream_write(stream, line, strlen(line)) < 0 ||
	    mailstream_flush(stream) < 0) {
		free(line);
		return MAILIMAP_ERROR_STREAM;
	}
	free(line);
	s->imap_response = NULL;
	if ((buf = mmap_string_new("")) == NULL)
		return MAILIMAP_ERROR_MEMORY;
	fetchparse_init(&p);
	for (;;) {
		if (imap_read_response(stream, buf) != 0) {
			r = MAILIMAP_ERROR_STREAM;
			break;
		}
		if (fetchparse_parse(&p, buf->str, buf->len) != 0 ||
		    p.kind == FETCHPARSE_CONTINUE) {
			r = MAILIMAP_ERROR_PARSE;
			break;
		}
		if (p.kind == FETCHPARSE_FETCH) {
			imap_sink_fetch(sk, &p);
			continue;
		}
		if (p.kind == FETCHPARSE_EXISTS && s->imap_selection_info !=
		    NULL) {
			s->imap_selection_info->sel_exists = p.number;
			continue;
		}
		if (p.kind == FETCHPARSE_EXPUNGE && s->imap_selection_info !=
		    NULL) {
			if (s->imap_selection_info->sel_exists > 0)
				s->imap_selection_info->sel_exists--;
			continue;
		}
		if (p.kind != FETCHPARSE_TAGGED)
			continue;	/* BYE: the stream ends next */
		if (strcmp(p.tag, tag) != 0) {
			r = MAILIMAP_ERROR_PARSE;
			break;
		}
		if (mmap_string_assign(s->imap_response_buffer, p.text) !=
		    NULL)
			s->imap_response = s->imap_response_buffer->str;
		r = p.status == FETCHPARSE_OK ? MAILIMAP_NO_ERROR :
		    p.status == FETCHPARSE_NO ? MAILIMAP_ERROR_FETCH :
		    MAILIMAP_ERROR_PROTOCOL;
		break;
	}
	fetchparse_release(&p);
	mmap_string_free(buf);
	return r;
}

/*
 * UID FETCH (UID nonzero) or FETCH of the headers of SET (a sequence set
 * in IMAP's syntax) into the store through SK; what was parsed is written
 * even when the command fails. *STORED_R: how many messages were.
 */
static enum backend_status
imap_fetch_sink(struct imap *im, int uid, const char *set,
    struct imap_sink *sk, size_t *stored_r, char **err)
{
	char *command;
	int r;

	command = xasprintf("%s%s %s", uid ? "UID FETCH " : "FETCH ", set,
	    IMAP_HEADER_ITEMS);
	r = imap_fetch_stream(im, command, sk);
	free(command);
	imap_sink_flush(sk);
	*stored_r = sk->stored;
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, uid ? "UID FETCH" : "FETCH", err);
	if (sk->failed) {
		*err = xasprintf(_("cannot save messages: %s"),
		    store_errmsg(im->st));
		return BACKEND_ERR_LOCAL;
	}
	/* Counts are redone once the sync is through (imap_save_sync()). */
	return BACKEND_OK;
}

static int
imap_cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct imap_uidflags {
	uint32_t uid;
	unsigned int flags;
	char *keywords;
};

static int
imap_cmp_uidflags(const void *a, const void *b)
{
	return imap_cmp_uid(&((const struct imap_uidflags *)a)->uid,
	    &((const struct imap_uidflags *)b)->uid);
}

/* UID FETCH 1:* (UID FLAGS): every UID on the server with its flags. */
static enum backend_status
imap_fetch_all_flags(struct imap *im, struct imap_uidflags **list_r,
    size_t *n_r, char **err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct imap_uidflags *list;
	clist *result = NULL;
	clistiter *it;
	size_t n = 0;
	int r;

	*list_r = NULL;
	*n_r = 0;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	set = mailimap_set_new_interval(1, 0);
	r = imap_fetch_call(im, 1, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID FETCH", err);
	list = xcalloc((size_t)clist_count(result) + 1, sizeof *list);
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct store_msg m;

		memset(&m, 0, sizeof m);
		if (imap_msg_from_att(clist_content(it), &m) == 0 &&
		    imap_fetch_wanted(im, ((struct mailimap_msg_att *)
		    clist_content(it))->att_number, m.uid, 1, NULL,
		    0)) {
			list[n].uid = m.uid;
			list[n].flags = m.flags;
			list[n].keywords = m.keywords;
			m.keywords = NULL;
			n++;
		}
		store_msg_release(&m);
	}
	mailimap_fetch_list_free(result);
	qsort(list, n, sizeof *list, imap_cmp_uidflags);
	*list_r = list;
	*n_r = n;
	return BACKEND_OK;
}

static void
imap_uidflags_free(struct imap_uidflags *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i].keywords);
	free(list);
}

/* A UID set of UIDS[lo..hi) (ascending) as ranges. */
static struct mailimap_set *
imap_uid_set(const uint32_t *uids, size_t lo, size_t hi)
{
	struct mailimap_set *set;
	size_t i = lo;

	set = mailimap_set_new_empty();
	while (i < hi) {
		size_t j = i;

		while (j + 1 < hi && uids[j + 1] == uids[j] + 1)
			j++;
		mailimap_set_add_interval(set, uids[i], uids[j]);
		i = j + 1;
	}
	return set;
}

/*
 * The mass-deletion guard: deleting NGONE of the NLOCAL messages of a
 * folder at once is suspicious (an account broken into and emptied) when
 * it passes both limits of the account's config.
 */
static int
imap_mass_deletion(const struct imap *im, size_t ngone, size_t nlocal)
{
	const struct account_config *cfg = im->cfg;

	if (cfg->mass_delete_percent <= 0 || ngone == 0)
		return 0;
	return ngone >= (size_t)cfg->mass_delete_min &&
	    ngone * 100 > nlocal * (size_t)cfg->mass_delete_percent;
}

/*
 * Remove the vanished UIDS (N, ascending) of FOLDER_ID from the cache, or
 * keep them marked gone when the guard trips (then tell the worker). Runs
 * inside the caller's transaction. *CHANGED_R is set when anything moved.
 */
static int
imap_drop_vanished(struct imap *im, int64_t folder_id, const uint32_t *uids,
    size_t n, size_t nlocal, int *guarded_r)
{
	int guard = imap_mass_deletion(im, n, nlocal);
	size_t i;

	*guarded_r = guard;
	for (i = 0; i < n; i++) {
		if ((guard ? store_msg_set_gone(im->st, folder_id, uids[i]) :
		    store_msg_delete(im->st, folder_id, uids[i])) != 0)
			return -1;
	}
	return 0;
}

/* Apply the server's UID list: drop vanished UIDs, update changed flags. */
static enum backend_status
imap_apply_flags(struct imap *im, int64_t folder_id,
    const struct imap_uidflags *srv, size_t nsrv, uint32_t **missing_r,
    size_t *nmissing_r, int *changed_r, char **err)
{
	uint32_t *uids = NULL, *missing, *vanished = NULL;
	unsigned int *flags = NULL;
	size_t n, i = 0, j = 0, nmissing = 0, nvanished = 0;
	int changed = 0, guarded = 0;

	if (store_msg_uid_flags(im->st, folder_id, &uids, &flags, &n) != 0)
		goto fail;
	missing = xcalloc(nsrv + 1, sizeof *missing);
	vanished = xcalloc(n + 1, sizeof *vanished);
	if (store_begin(im->st) != 0) {
		free(missing);
		goto fail;
	}
	while (i < n || j < nsrv) {
		if (j == nsrv || (i < n && uids[i] < srv[j].uid)) {
			vanished[nvanished++] = uids[i];
			i++;
		} else if (i == n || srv[j].uid < uids[i]) {
			missing[nmissing++] = srv[j].uid;
			j++;
		} else {
			if (flags[i] != srv[j].flags) {
				if (store_msg_set_flags(im->st, folder_id,
				    srv[j].uid, srv[j].flags,
				    srv[j].keywords) < 0)
					goto rollback;
				changed = 1;
			}
			i++;
			j++;
		}
	}
	if (imap_drop_vanished(im, folder_id, vanished, nvanished, n,
	    &guarded) != 0)
		goto rollback;
	changed |= nvanished > 0;
	if (store_folder_recount(im->st, folder_id) != 0 ||
	    store_commit(im->st) != 0)
		goto rollback;
	if (guarded && im->hooks.gone != NULL)
		im->hooks.gone(im->hooks.arg, folder_id, (long)nvanished,
		    (long)n);
	free(uids);
	free(flags);
	free(vanished);
	*missing_r = missing;
	*nmissing_r = nmissing;
	*changed_r |= changed;
	return BACKEND_OK;
rollback:
	store_rollback(im->st);
	free(missing);
fail:
	free(uids);
	free(flags);
	free(vanished);
	*err = xasprintf(_("cannot update the cache: %s"),
	    store_errmsg(im->st));
	return BACKEND_ERR_LOCAL;
}

/* Every UID of a libetpan set (no '*'), appended to *LIST_R. */
static void
imap_set_uids(struct mailimap_set *set, uint32_t **list_r, size_t *n_r,
    size_t *alloc_r)
{
	clistiter *it;

	if (set == NULL)
		return;
	for (it = clist_begin(set->set_list); it != NULL; it = clist_next(it)) {
		struct mailimap_set_item *item = clist_content(it);
		uint32_t u, last = item->set_last;

		if (last < item->set_first)
			last = item->set_first;	/* '*' or a reversed range */
		/* A hostile range must not make us spin for long. */
		if (last - item->set_first > 10000000)
			continue;
		for (u = item->set_first; ; u++) {
			if (*n_r == *alloc_r) {
				*alloc_r = *alloc_r == 0 ? 64 : *alloc_r * 2;
				*list_r = xreallocarray(*list_r, *alloc_r,
				    sizeof **list_r);
			}
			(*list_r)[(*n_r)++] = u;
			if (u == last)
				break;
		}
	}
}

/*
 * The CONDSTORE/QRESYNC resync of the selected folder: what changed since
 * MODSEQ, in O(changes). Changed flags are applied, vanished messages
 * removed (or kept by the guard), and the UIDs not yet cached returned in
 * *MISSING_R (ascending) to fetch. *FULL_R is set when the server could not
 * tell what vanished and a full comparison is needed instead.
 */
static enum backend_status
imap_apply_changes(struct imap *im, int64_t folder_id, uint64_t modseq,
    uint32_t exists, uint32_t uidnext, uint32_t **missing_r,
    size_t *nmissing_r, int *full_r, int *changed_r, char **err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	struct mailimap_qresync_vanished *van = NULL;
	clist *result = NULL;
	clistiter *it;
	uint32_t *missing = NULL, *gone = NULL;
	size_t nmissing = 0, amissing = 0, ngone = 0, agone = 0, i;
	size_t nlocal = 0, nknown = 0;
	uint32_t top;
	int r, guarded = 0;
	enum backend_status status = BACKEND_OK;

	*full_r = 0;
	/*
	 * Not 1:*, whose * is the highest UID still there (RFC 3501): Cyrus
	 * then never reports the newest messages as VANISHED. The set ends at
	 * the highest UID known, or below the UIDNEXT of SELECT if higher.
	 */
	if (store_msg_max_uid(im->st, folder_id, &top) != 0)
		goto fail;
	if (uidnext > 1 && uidnext - 1 > top)
		top = uidnext - 1;
	if (top == 0)
		top = 1;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	set = mailimap_set_new_interval(1, top);
	/* No UIDNEXT in the SELECT answer: newer ones may be above. */
	if (uidnext == 0 && top < UINT32_MAX)
		mailimap_set_add_interval(set, top + 1, 0);
	if (im->qresync)
		r = mailimap_uid_fetch_qresync(im->session, set, ft, modseq,
		    &result, &van);
	else
		r = mailimap_uid_fetch_changedsince(im->session, set, ft, modseq,
		    &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR) {
		/* libetpan hands over what came even with a NO. */
		if (result != NULL)
			mailimap_fetch_list_free(result);
		if (van != NULL)
			mailimap_qresync_vanished_free(van);
		return imap_fail(im, r, "UID FETCH CHANGEDSINCE", err);
	}

	if (store_msg_count(im->st, folder_id, &nlocal) != 0)
		goto fail;
	if (van != NULL)
		imap_set_uids(van->qr_known_uids, &gone, &ngone, &agone);
	if (store_begin(im->st) != 0)
		goto fail;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct store_msg m;
		int64_t id;

		memset(&m, 0, sizeof m);
		if (imap_msg_from_att(clist_content(it), &m) == 0 &&
		    imap_fetch_wanted(im, ((struct mailimap_msg_att *)
		    clist_content(it))->att_number, m.uid, 1, NULL,
		    0)) {
			r = store_msg_id(im->st, folder_id, m.uid, &id);
			if (r == 0) {
				nknown++;
				r = store_msg_set_flags(im->st, folder_id,
				    m.uid, m.flags, m.keywords) < 0 ? -1 : 0;
				*changed_r = 1;
			} else if (r == 1) {
				if (nmissing == amissing) {
					amissing = amissing == 0 ? 64 :
					    amissing * 2;
					missing = xreallocarray(missing,
					    amissing, sizeof *missing);
				}
				missing[nmissing++] = m.uid;
				r = 0;
			}
		}
		store_msg_release(&m);
		if (r < 0)
			goto rollback;
	}
	/* Drop what vanished; only UIDs we hold count. */
	for (i = 0; i < ngone; i++) {
		int64_t id;

		if (store_msg_id(im->st, folder_id, gone[i], &id) != 0)
			gone[i] = 0;
	}
	{
		size_t k = 0;

		for (i = 0; i < ngone; i++)
			if (gone[i] != 0)
				gone[k++] = gone[i];
		ngone = k;
	}
	if (imap_drop_vanished(im, folder_id, gone, ngone, nlocal,
	    &guarded) != 0)
		goto rollback;
	*changed_r |= ngone > 0;
	if (store_folder_recount(im->st, folder_id) != 0 ||
	    store_commit(im->st) != 0)
		goto rollback;
	if (guarded && im->hooks.gone != NULL)
		im->hooks.gone(im->hooks.arg, folder_id, (long)ngone,
		    (long)nlocal);
	/*
	 * Without QRESYNC the server does not say what was expunged: when
	 * the counts do not add up, compare the whole UID list instead.
	 */
	if (!im->qresync && nlocal + nmissing != exists)
		*full_r = 1;
	if (missing != NULL)
		qsort(missing, nmissing, sizeof *missing, imap_cmp_uid);
	*missing_r = missing;
	*nmissing_r = nmissing;
	missing = NULL;
	goto out;
rollback:
	store_rollback(im->st);
fail:
	*err = xasprintf(_("cannot update the cache: %s"),
	    store_errmsg(im->st));
	status = BACKEND_ERR_LOCAL;
out:
	(void)nknown;
	if (result != NULL)
		mailimap_fetch_list_free(result);
	if (van != NULL)
		mailimap_qresync_vanished_free(van);
	free(missing);
	free(gone);
	return status;
}

/* UIDS[lo..hi) (ascending) as an IMAP set of ranges. */
static char *
imap_uid_set_text(const uint32_t *uids, size_t lo, size_t hi)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = lo;

	while (i < hi) {
		size_t j = i;

		while (j + 1 < hi && uids[j + 1] == uids[j] + 1)
			j++;
		if (sb.len > 0)
			strbuf_addch(&sb, ',');
		if (j == i)
			strbuf_addf(&sb, "%u", uids[i]);
		else
			strbuf_addf(&sb, "%u:%u", uids[i], uids[j]);
		i = j + 1;
	}
	return strbuf_detach(&sb, NULL);
}

/* Fetch headers of UIDS[lo..hi) and store them. */
static enum backend_status
imap_fetch_headers(struct imap *im, int64_t folder_id, const uint32_t *uids,
    size_t lo, size_t hi, size_t *stored_r, char **err)
{
	struct imap_sink sk;
	enum backend_status status;
	char *set;

	set = imap_uid_set_text(uids, lo, hi);
	imap_sink_init(&sk, im, folder_id, 1, uids + lo, hi - lo);
	status = imap_fetch_sink(im, 1, set, &sk, stored_r, err);
	imap_sink_release(&sk);
	free(set);
	return status;
}

/* Headers of the messages LO..HI by sequence number, stored. */
static enum backend_status
imap_fetch_seq(struct imap *im, int64_t folder_id, uint32_t lo, uint32_t hi,
    size_t *stored_r, char **err)
{
	struct imap_sink sk;
	enum backend_status status;
	char set[32];

	snprintf(set, sizeof set, "%u:%u", lo, hi);
	imap_sink_init(&sk, im, folder_id, lo, NULL, 0);
	status = imap_fetch_sink(im, 0, set, &sk, stored_r, err);
	imap_sink_release(&sk);
	return status;
}

/*
 * A cold folder (nothing cached): every header newest first by sequence
 * number — a screenful first, so that the first paint needs one small
 * command, then large batches — with no UID list fetched before. *STATE_R
 * is 1 when the cache then holds as many messages as the folder, 0 when a
 * full comparison is due (something changed meanwhile), -1 when the user's
 * requests cut the work short (it goes on at the next sync).
 */
static enum backend_status
imap_fetch_cold(struct imap *im, int64_t folder_id, const char *name,
    uint32_t uidvalidity, uint32_t exists, int *state_r, char **err)
{
	enum backend_status status;
	uint32_t hi = exists, lo, batch = IMAP_FIRST_BATCH;
	size_t done = 0, stored, nlocal;

	*state_r = 0;
	while (hi > 0) {
		lo = hi > batch ? hi - batch + 1 : 1;
		status = imap_fetch_seq(im, folder_id, lo, hi, &stored, err);
		if (status != BACKEND_OK)
			return status;
		/*
		 * Nothing there: EXISTS was wrong (4294967295, or an EXPUNGE
		 * in an empty folder wrapped it). The UID list decides.
		 */
		if (stored == 0)
			return BACKEND_OK;
		done += hi - lo + 1;
		hi = lo - 1;
		batch = IMAP_BATCH;
		if (im->hooks.headers_changed != NULL)
			im->hooks.headers_changed(im->hooks.arg, folder_id);
		if (im->hooks.progress != NULL)
			im->hooks.progress(im->hooks.arg, folder_id, (long)done,
			    (long)exists);
		if (hi == 0)
			break;
		if (im->hooks.between != NULL &&
		    im->hooks.between(im->hooks.arg)) {
			*state_r = -1;
			return BACKEND_OK;
		}
		if (im->session == NULL) {
			*err = xstrdup(_("connection lost"));
			return BACKEND_ERR_NET;
		}
		/* An urgent request may have selected another folder. */
		if ((status = imap_select(im, name, err)) != BACKEND_OK)
			return status;
		if (im->sel_uidvalidity != uidvalidity) {
			*err = xasprintf(_("folder \"%s\" changed under us; "
			    "syncing again"), name);
			return BACKEND_ERR_PROTOCOL;
		}
	}
	/*
	 * Sequence numbers only move down when messages go, and this walk
	 * goes down: nothing was skipped. Mail that came or went meanwhile
	 * shows as a different count.
	 */
	if (store_msg_count(im->st, folder_id, &nlocal) != 0) {
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(im->st));
		return BACKEND_ERR_LOCAL;
	}
	*state_r = nlocal == exists &&
	    im->session->imap_selection_info->sel_exists == exists;
	return BACKEND_OK;
}

static enum backend_status
imap_save_sync(struct imap *im, int64_t id, uint32_t uidvalidity,
    uint32_t uidnext, uint64_t modseq, char **err)
{
	if (store_folder_set_sync(im->st, id, uidvalidity, uidnext,
	    modseq) == 0)
		return BACKEND_OK;
	*err = xasprintf(_("cannot update the cache: %s"),
	    store_errmsg(im->st));
	return BACKEND_ERR_LOCAL;
}

static enum backend_status
imap_sync_folder(void *b, const char *name, char **err)
{
	struct imap *im = b;
	struct store_folder f;
	struct mailimap_selection_info *sel;
	struct imap_uidflags *srv = NULL;
	uint32_t *missing = NULL, uidvalidity, uidnext, exists;
	uint64_t modseq;
	size_t nsrv = 0, nmissing = 0, done, hi, batch, total;
	enum backend_status status;
	long reattached = 0;
	int r, changed = 0, full = 1, warm, reported = 0;

	r = store_folder_get(im->st, name, &f);
	if (r != 0) {
		*err = r < 0 ? xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(im->st)) :
		    xasprintf(_("no folder \"%s\""), name);
		return r < 0 ? BACKEND_ERR_LOCAL : BACKEND_ERR_NOTFOUND;
	}
	free(im->selected);
	im->selected = NULL;	/* SELECT again: refreshes the counts */
	if ((status = imap_select(im, name, err)) != BACKEND_OK)
		goto out;
	if ((sel = im->session->imap_selection_info) == NULL) {
		*err = xasprintf(_("SELECT of \"%s\" gave no folder data"),
		    name);
		status = BACKEND_ERR_PROTOCOL;
		goto out;
	}
	uidvalidity = sel->sel_uidvalidity;
	uidnext = sel->sel_uidnext;
	exists = sel->sel_exists;
	/* No folder holds more messages than UIDs were ever given out. */
	if (uidnext > 0 && exists > uidnext - 1)
		exists = uidnext - 1;
	modseq = im->sel_modseq;

	if (f.uidvalidity != 0 && f.uidvalidity != uidvalidity) {
		log_msg(LOG_INFO, "imap: UIDVALIDITY of %s changed, "
		    "dropping its cache", name);
		if (store_begin(im->st) != 0 ||
		    store_folder_clear(im->st, f.id) != 0 ||
		    store_commit(im->st) != 0) {
			store_rollback(im->st);
			*err = xasprintf(_("cannot update the cache: %s"),
			    store_errmsg(im->st));
			status = BACKEND_ERR_LOCAL;
			goto out;
		}
		f.total = 0;
		f.uidnext = 0;
		f.highestmodseq = 0;
		changed = 1;
	}
	warm = f.total > 0;
	if ((status = imap_save_sync(im, f.id, uidvalidity, f.uidnext,
	    f.highestmodseq, err)) != BACKEND_OK)
		goto out;

	if (warm && im->condstore && modseq != 0 && f.highestmodseq != 0) {
		size_t nlocal;

		if (store_msg_count(im->st, f.id, &nlocal) != 0) {
			*err = xasprintf(_("cannot read the cache: %s"),
			    store_errmsg(im->st));
			status = BACKEND_ERR_LOCAL;
			goto out;
		}
		/* Nothing changed at all: no command needed. */
		if (modseq == f.highestmodseq && uidnext == f.uidnext &&
		    nlocal == exists) {
			full = 0;
			goto done;
		}
		status = imap_apply_changes(im, f.id, f.highestmodseq, exists,
		    uidnext, &missing, &nmissing, &full, &changed, err);
		if (status != BACKEND_OK)
			goto out;
		if (full) {
			free(missing);
			missing = NULL;
			nmissing = 0;
		}
	} else if (!warm && exists > 0) {
		int state;

		status = imap_fetch_cold(im, f.id, name, uidvalidity, exists,
		    &state, err);
		if (status != BACKEND_OK || state < 0)
			goto out;
		if (state > 0) {
			full = 0;
			nmissing = 0;
			reported = 1;
			goto done;
		}
	}
	if (full) {
		if (exists > 0) {
			status = imap_fetch_all_flags(im, &srv, &nsrv, err);
			if (status != BACKEND_OK)
				goto out;
		}
		status = imap_apply_flags(im, f.id, srv, nsrv, &missing,
		    &nmissing, &changed, err);
		if (status != BACKEND_OK)
			goto out;
	}
	if (changed && im->hooks.headers_changed != NULL)
		im->hooks.headers_changed(im->hooks.arg, f.id);

	/* Newest first: walk the missing UIDs from the top down. */
	total = exists > nmissing ? exists : nmissing;
	done = total - nmissing;
	hi = nmissing;
	batch = warm ? IMAP_BATCH : IMAP_FIRST_BATCH;
	while (hi > 0) {
		size_t lo = hi > batch ? hi - batch : 0, stored = 0;

		status = imap_fetch_headers(im, f.id, missing, lo, hi,
		    &stored, err);
		if (status != BACKEND_OK)
			goto out;
		done += hi - lo;
		hi = lo;
		batch = IMAP_BATCH;
		if (im->hooks.headers_changed != NULL)
			im->hooks.headers_changed(im->hooks.arg, f.id);
		if (im->hooks.progress != NULL)
			im->hooks.progress(im->hooks.arg, f.id, (long)done,
			    (long)total);
		if (hi > 0 && im->hooks.between != NULL &&
		    im->hooks.between(im->hooks.arg))
			goto out;	/* resumes from here next time */
		if (im->session == NULL) {
			*err = xstrdup(_("connection lost"));
			status = BACKEND_ERR_NET;
			goto out;
		}
		/* An urgent request may have selected another folder. */
		if ((status = imap_select(im, name, err)) != BACKEND_OK)
			goto out;
		if (im->sel_uidvalidity != uidvalidity) {
			*err = xasprintf(_("folder \"%s\" changed under us; "
			    "syncing again"), name);
			status = BACKEND_ERR_PROTOCOL;
			goto out;
		}
	}
	if (warm && nmissing > 0 && im->hooks.new_mail != NULL)
		im->hooks.new_mail(im->hooks.arg, f.id, (long)nmissing);
done:
	/* Only a complete sync moves the marks a later resync starts from. */
	if ((status = imap_save_sync(im, f.id, uidvalidity, uidnext, modseq,
	    err)) != BACKEND_OK)
		goto out;
	/* After a UIDVALIDITY change: the bodies kept back, where they fit. */
	if (store_folder_reattach(im->st, f.id, &reattached) != 0)
		log_msg(LOG_WARN, "imap: %s: cached bodies not reattached: %s",
		    name, store_errmsg(im->st));
	else if (reattached > 0) {
		log_msg(LOG_INFO, "imap: %s: %ld cached bodies reattached after "
		    "the UIDVALIDITY change", name, reattached);
		if (im->hooks.headers_changed != NULL)
			im->hooks.headers_changed(im->hooks.arg, f.id);
	}
	/* Batches reported their progress; otherwise report the end. */
	if (nmissing == 0 && !reported && im->hooks.progress != NULL)
		im->hooks.progress(im->hooks.arg, f.id, (long)exists,
		    (long)exists);
out:
	/* The folder's counts, once per sync rather than per batch. */
	if (f.id != 0)
		store_folder_recount(im->st, f.id);
	imap_uidflags_free(srv, nsrv);
	free(missing);
	store_folder_release(&f);
	return status;
}

/* Look up the folder and UID of message MSG_ID and select its folder. */
static enum backend_status
imap_select_msg(struct imap *im, int64_t msg_id, uint32_t *uid_r,
    char **err)
{
	struct store_msg m;
	struct store_folder f;
	enum backend_status status;
	int r;

	if ((r = store_msg_get(im->st, msg_id, &m)) != 0) {
		*err = r < 0 ? xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(im->st)) :
		    xstrdup(_("the message is no longer in the cache"));
		return r < 0 ? BACKEND_ERR_LOCAL : BACKEND_ERR_NOTFOUND;
	}
	*uid_r = m.uid;
	r = store_folder_get_id(im->st, m.folder_id, &f);
	store_msg_release(&m);
	if (r != 0) {
		*err = xstrdup(_("the message's folder is no longer in the "
		    "cache"));
		return BACKEND_ERR_NOTFOUND;
	}
	status = imap_select(im, f.name, err);
	store_folder_release(&f);
	return status;
}

/*
 * has:attachment (imap_search): IMAP has no key for it, so it is the
 * top-level Content-Type holding MIME_ATTACHMENT_TYPE (mime.h): a HEADER
 * search on the server, and mime_message_parse()'s has_attachment for
 * each body that reaches the cache. Fetching Content-Type with every
 * header would tell the cache about messages without their body too, but
 * it makes a cold sync of 10,000 messages twice as slow (dovecot parses
 * each message for it).
 */

/* A message counts for at most this much in a body fetch's read limit. */
#define IMAP_BODY_MAX ((size_t)1024 * 1024 * 1024)

/*
 * The read limit (tls.h) of a body fetch of the N messages IDS: the
 * default for the answer's frame, plus each message's RFC822.SIZE.
 */
static size_t
imap_body_budget(struct imap *im, const int64_t *ids, size_t n)
{
	struct store_msg m;
	size_t budget = TLS_READ_LIMIT, i, size;

	for (i = 0; i < n; i++) {
		if (store_msg_get(im->st, ids[i], &m) != 0)
			continue;
		size = m.size > 0 ? (size_t)m.size : 0;
		store_msg_release(&m);
		budget += size < IMAP_BODY_MAX ? size : IMAP_BODY_MAX;
		if (budget > 2 * IMAP_BODY_MAX)
			return 2 * IMAP_BODY_MAX;
	}
	return budget;
}

/*
 * UID FETCH (UID BODY.PEEK[]) of the N messages UIDS (row ids IDS) of the
 * selected folder; each body is stored with its decoded text, which feeds
 * full-text search. *STORED_R counts the bodies stored: the server leaves
 * out messages expunged meanwhile.
 */
static enum backend_status
imap_fetch_body_set(struct imap *im, const uint32_t *uids, const int64_t *ids,
    size_t n, size_t *stored_r, char **err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	clistiter *it, *jt;
	enum backend_status status = BACKEND_OK;
	struct mime_message mm;
	const char *raw;
	size_t i, len;
	int r;

	*stored_r = 0;
	if (n == 0)
		return BACKEND_OK;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	set = mailimap_set_new_empty();
	for (i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	/* The answer may weigh what the messages do, and a little more. */
	tls_set_read_limit(im->session->imap_stream,
	    imap_body_budget(im, ids, n));
	r = mailimap_uid_fetch(im->session, set, ft, &result);
	if (im->session->imap_stream != NULL)
		tls_set_read_limit(im->session->imap_stream, 0);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR) {
		/* libetpan hands over what came even with a NO. */
		if (result != NULL)
			mailimap_fetch_list_free(result);
		return imap_fail(im, r, "UID FETCH", err);
	}
	for (it = clist_begin(result); it != NULL && status == BACKEND_OK;
	    it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);
		struct mailimap_msg_att_body_section *sec = NULL;
		uint32_t got = 0;

		for (jt = clist_begin(att->att_list); jt != NULL;
		    jt = clist_next(jt)) {
			struct mailimap_msg_att_item *item = clist_content(jt);

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_UID)
				got = item->att_data.att_static->att_data.att_uid;
			else if (item->att_data.att_static->att_type ==
			    MAILIMAP_MSG_ATT_BODY_SECTION)
				sec = item->att_data.att_static->att_data.
				    att_body_section;
		}
		/* Only the UIDs we asked for count. */
		for (i = 0; i < n && uids[i] != got; i++)
			;
		if (i == n || got == 0 || sec == NULL)
			continue;
		/* NIL is an empty body, whatever length came with it. */
		raw = sec->sec_body_part != NULL ? sec->sec_body_part : "";
		len = sec->sec_body_part != NULL ? sec->sec_length : 0;
		mime_message_parse(raw, len, &mm);
		r = store_body_put(im->st, ids[i], raw, len, mm.text);
		if (r == 0)
			r = store_msg_set_attachment(im->st, ids[i],
			    mm.has_attachment);
		mime_message_release(&mm);
		if (r != 0) {
			*err = xasprintf(_("cannot save the message: %s"),
			    store_errmsg(im->st));
			status = BACKEND_ERR_LOCAL;
		} else
			(*stored_r)++;
	}
	mailimap_fetch_list_free(result);
	return status;
}

static enum backend_status
imap_fetch_body(void *b, int64_t msg_id, char **err)
{
	struct imap *im = b;
	enum backend_status status;
	uint32_t uid = 0;
	size_t stored = 0;

	if ((status = imap_select_msg(im, msg_id, &uid, err)) != BACKEND_OK)
		return status;
	status = imap_fetch_body_set(im, &uid, &msg_id, 1, &stored, err);
	if (status == BACKEND_OK && stored == 0) {
		*err = xstrdup(_("the message is no longer on the server"));
		return BACKEND_ERR_NOTFOUND;
	}
	return status;
}

/* Bodies fetched by one command: at most this many, or about this much. */
#define IMAP_BODY_BATCH 50
#define IMAP_BODY_BATCH_BYTES (4 * 1024 * 1024)

/* The bodies of the N messages MSG_IDS, all of one folder, in batches. */
static enum backend_status
imap_fetch_bodies(void *b, const int64_t *msg_ids, size_t n, char **err)
{
	struct imap *im = b;
	struct store_msg m;
	enum backend_status status;
	uint32_t *uids, uid;
	int64_t *ids, folder_id = -1, bytes = 0;
	size_t i, k = 0, stored;

	if (n == 0)
		return BACKEND_OK;
	if ((status = imap_select_msg(im, msg_ids[0], &uid, err)) !=
	    BACKEND_OK)
		return status;
	uids = xcalloc(n, sizeof *uids);
	ids = xcalloc(n, sizeof *ids);
	for (i = 0; i <= n; i++) {
		if (i == n || k == IMAP_BODY_BATCH ||
		    (k > 0 && bytes >= IMAP_BODY_BATCH_BYTES)) {
			status = imap_fetch_body_set(im, uids, ids, k, &stored,
			    err);
			if (status != BACKEND_OK || i == n)
				break;
			k = 0;
			bytes = 0;
		}
		if (store_msg_get(im->st, msg_ids[i], &m) != 0)
			continue;	/* gone from the cache meanwhile */
		if (folder_id < 0)
			folder_id = m.folder_id;
		if (m.folder_id == folder_id) {
			uids[k] = m.uid;
			ids[k++] = msg_ids[i];
			bytes += m.size;
		}
		store_msg_release(&m);
	}
	free(uids);
	free(ids);
	return status;
}

/*
 * Search (search.h) on the server: the query tree as UID SEARCH CHARSET
 * UTF-8 keys. Non-ASCII strings go as LITERAL+ literals when the server
 * has LITERAL+ (shared/docs/libetpan.md section 8), else quoted.
 *
 * Dates are compared with the Date: header (SENTBEFORE, SENTSINCE,
 * SENTON), as the offline search compares the cache's date and as the
 * index shows it. has:attachment is a HEADER Content-Type search (see
 * MIME_ATTACHMENT_TYPE): messages sent with attachments are
 * multipart/mixed; a lone non-text part, or attachments inside a signed
 * message, are not found.
 */
/* A key without argument (SEEN, UNSEEN, FLAGGED ...). */
static struct mailimap_search_key *
imap_search_flag_key(int type)
{
	return mailimap_search_key_new(type, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
	    NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL);
}

/* libetpan's constructors return NULL only when memory runs out. */
static struct mailimap_search_key *
imap_search_check(struct mailimap_search_key *k)
{
	if (k == NULL) {
		log_msg(LOG_ERROR, "imap: out of memory");
		abort();
	}
	return k;
}

static struct mailimap_search_key *imap_search_key(const struct search_node *);

/* KIDS[LO..HI) joined by OR, as a balanced tree of binary ORs. */
static struct mailimap_search_key *
imap_search_or(struct search_node *const *kids, size_t lo, size_t hi)
{
	size_t mid;

	if (hi - lo == 1)
		return imap_search_key(kids[lo]);
	mid = lo + (hi - lo) / 2;
	return imap_search_check(mailimap_search_key_new_or(
	    imap_search_or(kids, lo, mid), imap_search_or(kids, mid, hi)));
}

static struct mailimap_search_key *
imap_search_key(const struct search_node *n)
{
	static const int flag_keys[][2] = {	/* clear, set */
		[SEARCH_SEEN] = { MAILIMAP_SEARCH_KEY_UNSEEN,
		    MAILIMAP_SEARCH_KEY_SEEN },
		[SEARCH_ANSWERED] = { MAILIMAP_SEARCH_KEY_UNANSWERED,
		    MAILIMAP_SEARCH_KEY_ANSWERED },
		[SEARCH_FLAGGED] = { MAILIMAP_SEARCH_KEY_UNFLAGGED,
		    MAILIMAP_SEARCH_KEY_FLAGGED },
		[SEARCH_DELETED] = { MAILIMAP_SEARCH_KEY_UNDELETED,
		    MAILIMAP_SEARCH_KEY_DELETED },
	};
	struct mailimap_search_key *k = NULL;
	struct mailimap_date *date;
	size_t i;

	switch (n->kind) {
	case SEARCH_ALL:
		k = mailimap_search_key_new_all();
		break;
	case SEARCH_AND:
		k = imap_search_check(mailimap_search_key_new_multiple_empty());
		for (i = 0; i < n->nkids; i++)
			if (mailimap_search_key_multiple_add(k,
			    imap_search_key(n->kids[i])) != MAILIMAP_NO_ERROR)
				abort();
		break;
	case SEARCH_OR:
		k = imap_search_or(n->kids, 0, n->nkids);
		break;
	case SEARCH_NOT:
		k = mailimap_search_key_new_not(imap_search_key(n->kids[0]));
		break;
	case SEARCH_FROM:
		k = mailimap_search_key_new_from(xstrdup(n->str));
		break;
	case SEARCH_TO:
		k = mailimap_search_key_new_to(xstrdup(n->str));
		break;
	case SEARCH_CC:
		k = mailimap_search_key_new_cc(xstrdup(n->str));
		break;
	case SEARCH_SUBJECT:
		k = mailimap_search_key_new_subject(xstrdup(n->str));
		break;
	case SEARCH_BODY:
		k = mailimap_search_key_new_body(xstrdup(n->str));
		break;
	case SEARCH_TEXT:
		k = mailimap_search_key_new_text(xstrdup(n->str));
		break;
	case SEARCH_BEFORE:
	case SEARCH_SINCE:
	case SEARCH_ON:
		date = mailimap_date_new(n->day, n->month, n->year);
		if (date == NULL)
			break;
		k = n->kind == SEARCH_BEFORE ?
		    mailimap_search_key_new_sentbefore(date) :
		    n->kind == SEARCH_SINCE ?
		    mailimap_search_key_new_sentsince(date) :
		    mailimap_search_key_new_senton(date);
		break;
	case SEARCH_LARGER:
		k = mailimap_search_key_new_larger(n->size);
		break;
	case SEARCH_SMALLER:
		k = mailimap_search_key_new_smaller(n->size);
		break;
	case SEARCH_FLAG:
		k = imap_search_flag_key(flag_keys[n->flag][n->set ? 1 : 0]);
		break;
	case SEARCH_ATTACHMENT:
		k = mailimap_search_key_new_header(xstrdup("Content-Type"),
		    xstrdup(MIME_ATTACHMENT_TYPE));
		break;
	}
	return imap_search_check(k);
}

static enum backend_status
imap_search(void *b, const char *name, const struct search_node *q,
    uint32_t **uids_r, size_t *n_r, char **err)
{
	struct imap *im = b;
	struct mailimap_search_key *key;
	enum backend_status status;
	clist *result = NULL;
	clistiter *it;
	uint32_t *uids;
	size_t n = 0;
	int r;

	*uids_r = NULL;
	*n_r = 0;
	if ((status = imap_select(im, name, err)) != BACKEND_OK)
		return status;
	key = imap_search_key(q);
	if (im->literalplus)
		r = mailimap_uid_search_literalplus(im->session, "UTF-8", key,
		    &result);
	else
		r = mailimap_uid_search(im->session, "UTF-8", key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR) {
		if (result != NULL)
			mailimap_search_result_free(result);
		return imap_fail(im, r, "UID SEARCH", err);
	}
	uids = xcalloc((size_t)clist_count(result) + 1, sizeof *uids);
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		uint32_t *uid = clist_content(it);

		if (uid != NULL && *uid != 0)
			uids[n++] = *uid;
	}
	mailimap_search_result_free(result);
	*uids_r = uids;
	*n_r = n;
	return BACKEND_OK;
}

static struct mailimap_flag_list *
imap_flag_list(unsigned int flags)
{
	struct mailimap_flag_list *fl;

	fl = mailimap_flag_list_new_empty();
	if (flags & MSG_SEEN)
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
	if (flags & MSG_ANSWERED)
		mailimap_flag_list_add(fl, mailimap_flag_new_answered());
	if (flags & MSG_FLAGGED)
		mailimap_flag_list_add(fl, mailimap_flag_new_flagged());
	if (flags & MSG_DELETED)
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	if (flags & MSG_DRAFT)
		mailimap_flag_list_add(fl, mailimap_flag_new_draft());
	return fl;
}

/* UID STORE +FLAGS.SILENT or -FLAGS.SILENT on SET (which is kept). */
static int
imap_store_flags_set(struct imap *im, struct mailimap_set *set,
    unsigned int flags, const char *keyword, int add)
{
	struct mailimap_store_att_flags *sa;
	struct mailimap_flag_list *fl;
	int r;

	if (flags == 0 && keyword == NULL)
		return MAILIMAP_NO_ERROR;
	fl = imap_flag_list(flags);
	if (keyword != NULL)
		mailimap_flag_list_add(fl,
		    mailimap_flag_new_flag_keyword(xstrdup(keyword)));
	sa = add ? mailimap_store_att_flags_new_add_flags_silent(fl) :
	    mailimap_store_att_flags_new_remove_flags_silent(fl);
	r = mailimap_uid_store(im->session, set, sa);
	mailimap_store_att_flags_free(sa);
	return r;
}

/* UID STORE for one UID. */
static int
imap_store_flags(struct imap *im, uint32_t uid, unsigned int flags, int add)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int r;

	r = imap_store_flags_set(im, set, flags, NULL, add);
	mailimap_set_free(set);
	return r;
}

/*
 * UID SEARCH in the selected folder for KEY (which is freed): 1 if
 * something matched, 0 if nothing, -1 with the libetpan code in *R_R.
 */
static int
imap_search_any(struct imap *im, struct mailimap_search_key *key, int *r_r)
{
	clist *result = NULL;
	int found;

	*r_r = mailimap_uid_search(im->session, NULL, key, &result);
	mailimap_search_key_free(key);
	if (*r_r != MAILIMAP_NO_ERROR) {
		if (result != NULL)
			mailimap_search_result_free(result);
		return -1;
	}
	found = result != NULL && clist_count(result) > 0;
	if (result != NULL)
		mailimap_search_result_free(result);
	return found;
}

/*
 * Which of the N UIDS (ascending) are still in the selected folder: a UID
 * FETCH of them with (UID), where only an answer naming a UID that was
 * asked for counts. (UID SEARCH UID n is no good: mailutils reads n as a
 * sequence number; and it answers a UID above its highest with its last
 * message, under that message's own UID.) PRESENT_R[i] becomes 1 or 0;
 * returns a libetpan code.
 */
static int
imap_uids_present(struct imap *im, const uint32_t *uids, size_t n,
    unsigned char *present_r)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	clistiter *it;
	int r;

	memset(present_r, 0, n);
	if (n == 0)
		return MAILIMAP_NO_ERROR;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	set = imap_uid_set(uids, 0, n);
	r = imap_fetch_call(im, 1, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct store_msg m;
		const uint32_t *hit;

		memset(&m, 0, sizeof m);
		if (imap_msg_from_att(clist_content(it), &m) == 0 &&
		    m.uid != 0 && (hit = bsearch(&m.uid, uids, n, sizeof *uids,
		    imap_cmp_uid)) != NULL)
			present_r[hit - uids] = 1;
		store_msg_release(&m);
	}
	mailimap_fetch_list_free(result);
	return MAILIMAP_NO_ERROR;
}

/* Is UID still in the selected folder? 1, 0, or -1 (*R_R set). */
static int
imap_uid_exists(struct imap *im, uint32_t uid, int *r_r)
{
	unsigned char present;

	*r_r = imap_uids_present(im, &uid, 1, &present);
	if (*r_r != MAILIMAP_NO_ERROR)
		return -1;
	return present;
}

/* Tell the user that a queued change met a message gone from the server. */
static void
imap_vanished_notice(struct imap *im, const char *text)
{
	if (im->hooks.notice != NULL)
		im->hooks.notice(im->hooks.arg, text);
}

/*
 * Replay-safety for a COPY that was sent before a crash or a drop: is a
 * message with the Message-ID of (FOLDER_ID, UID) already in DEST?
 */
static int
imap_copy_landed(struct imap *im, int64_t folder_id, uint32_t uid,
    const char *dest, const char *source, int *r_r)
{
	struct store_msg m;
	int64_t id;
	char *err = NULL;
	int found = 0;

	*r_r = MAILIMAP_NO_ERROR;
	if (store_msg_id(im->st, folder_id, uid, &id) != 0 ||
	    store_msg_get(im->st, id, &m) != 0)
		return 0;
	if (m.message_id != NULL && imap_select(im, dest, &err) == BACKEND_OK)
		found = imap_search_any(im, mailimap_search_key_new_header(
		    xstrdup("Message-ID"), xstrdup(m.message_id)), r_r);
	free(err);
	err = NULL;
	store_msg_release(&m);
	if (found >= 0 && im->session != NULL &&
	    imap_select(im, source, &err) != BACKEND_OK) {
		free(err);
		return -1;
	}
	return found;
}

/* Move or copy UID of the selected folder SOURCE to DEST. */
static int
imap_move_one(struct imap *im, const struct store_pending *p,
    const char *source)
{
	struct mailimap_set *set;
	int r, exists, landed;

	/* A message that vanished meanwhile is reported, never fatal. */
	if ((exists = imap_uid_exists(im, p->uid, &r)) < 0)
		return r;
	if (exists == 0) {
		char *text = xasprintf(p->kind == PENDING_MOVE ?
		    _("a message to move to \"%s\" had vanished on the "
		    "server") : _("a message to copy to \"%s\" had "
		    "vanished on the server"), p->dest);

		imap_vanished_notice(im, text);
		free(text);
		return MAILIMAP_NO_ERROR;
	}
	if (p->kind == PENDING_COPY && p->started) {
		landed = imap_copy_landed(im, p->folder_id, p->uid, p->dest,
		    source, &r);
		if (landed != 0)
			return landed < 0 ? r : MAILIMAP_NO_ERROR;
	}
	set = mailimap_set_new_single(p->uid);
	if (p->kind == PENDING_COPY)
		r = mailimap_uid_copy(im->session, set, p->dest);
	else if (im->move)
		r = mailimap_uid_move(im->session, set, p->dest);
	else {
		/*
		 * COPY + \Deleted, and UID EXPUNGE of this one message with
		 * UIDPLUS; without it no expunge, which would also remove
		 * other messages the user marked.
		 */
		r = mailimap_uid_copy(im->session, set, p->dest);
		if (r == MAILIMAP_NO_ERROR)
			r = imap_store_flags_set(im, set, MSG_DELETED, NULL, 1);
		if (r == MAILIMAP_NO_ERROR && im->uidplus)
			r = mailimap_uid_expunge(im->session, set);
	}
	mailimap_set_free(set);
	return r;
}

/*
 * A queued flag change: only to a message that is still there, for a
 * STORE to a UID gone from the server may land on another message.
 */
static int
imap_flags_one(struct imap *im, const struct store_pending *p)
{
	int r, exists;

	if ((exists = imap_uid_exists(im, p->uid, &r)) < 0)
		return r;
	if (exists == 0) {
		imap_vanished_notice(im, _("a message whose flags were changed "
		    "had vanished on the server"));
		return MAILIMAP_NO_ERROR;
	}
	r = imap_store_flags(im, p->uid, p->add, 1);
	if (r == MAILIMAP_NO_ERROR)
		r = imap_store_flags(im, p->uid, p->remove, 0);
	/* A keyword ($Forwarded) is only ever set. */
	if (r == MAILIMAP_NO_ERROR && p->keyword != NULL) {
		struct mailimap_set *set = mailimap_set_new_single(p->uid);

		r = imap_store_flags_set(im, set, 0, p->keyword, 1);
		mailimap_set_free(set);
	}
	return r;
}

/*
 * Expunge the run of N UIDS of the selected folder (sorted here): those of
 * them still on the server are marked \Deleted, then expunged.
 */
static int
imap_expunge_run(struct imap *im, uint32_t *uids, size_t n)
{
	struct mailimap_set *set;
	unsigned char *present;
	size_t i, k = 0;
	int r;

	qsort(uids, n, sizeof *uids, imap_cmp_uid);
	present = xmalloc(n);
	r = imap_uids_present(im, uids, n, present);
	for (i = 0; r == MAILIMAP_NO_ERROR && i < n; i++)
		if (present[i])
			uids[k++] = uids[i];
	free(present);
	if (r != MAILIMAP_NO_ERROR || k == 0)
		return r;
	set = imap_uid_set(uids, 0, k);
	r = imap_store_flags_set(im, set, MSG_DELETED, NULL, 1);
	if (r == MAILIMAP_NO_ERROR)
		r = im->uidplus ? mailimap_uid_expunge(im->session, set) :
		    mailimap_expunge(im->session);
	mailimap_set_free(set);
	return r;
}

/*
 * The outbox's copies (store.h): a sent message's copy appended to the
 * Sent folder, a postponed one to Drafts, each APPEND marked before it
 * goes out so that a replay after a crash looks for the copy first.
 */

/* The server name of the folder of ROLE, or NULL. */
static char *
imap_folder_of_role(struct imap *im, enum folder_role role)
{
	struct store_folder *list = NULL;
	char *name = NULL;
	size_t n = 0, i;

	if (store_folder_list(im->st, &list, &n) != 0)
		return NULL;
	for (i = 0; i < n && name == NULL; i++)
		if (list[i].role == role && !list[i].noselect)
			name = xstrdup(list[i].name);
	store_folder_list_free(list, n);
	return name;
}

/* Whether the server files what is submitted in Sent by itself (Gmail). */
static int
imap_files_sent(struct imap *im)
{
	return imap_has(im, "X-GM-EXT-1");
}

/*
 * Where entry E's copy goes (NULL: nowhere, the reason in *WHY_R when it
 * is worth telling).
 */
static char *
imap_copy_folder(struct imap *im, const struct store_outbox *e,
    const char **why_r)
{
	char *name;

	*why_r = NULL;
	if (e->state == OUTBOX_DRAFT) {
		if (im->cfg->drafts != NULL)
			return xstrdup(im->cfg->drafts);
		if ((name = imap_folder_of_role(im, ROLE_DRAFTS)) == NULL)
			*why_r = _("the server has no Drafts folder: set "
			    "drafts = FOLDER");
		return name;
	}
	switch (im->cfg->sent) {
	case SENT_NONE:
		return NULL;
	case SENT_FOLDER:
		return xstrdup(im->cfg->sent_folder);
	case SENT_AUTO:
		break;
	}
	if (imap_files_sent(im))
		return NULL;
	if ((name = imap_folder_of_role(im, ROLE_SENT)) == NULL)
		*why_r = _("the server has no Sent folder: set sent = FOLDER "
		    "or sent = none");
	return name;
}

/*
 * Whether a message with MESSAGE_ID is in FOLDER (selecting it): 1, 0,
 * or -1 with the libetpan code in *R_R.
 */
static int
imap_has_message_id(struct imap *im, const char *folder,
    const char *message_id, int *r_r)
{
	enum backend_status status;
	char *err = NULL;

	status = imap_select(im, folder, &err);
	free(err);
	if (status != BACKEND_OK) {
		*r_r = MAILIMAP_ERROR_SELECT;
		return -1;
	}
	return imap_search_any(im, mailimap_search_key_new_header(
	    xstrdup("Message-ID"), xstrdup(message_id)), r_r);
}

/* APPEND entry E's copy to FOLDER. A libetpan code. */
static int
imap_append_copy(struct imap *im, const struct store_outbox *e,
    const char *folder)
{
	struct mailimap_flag_list *flags;
	struct strbuf sb = STRBUF_INIT;
	char *mb;
	int r;

	if ((mb = utf7_encode(folder)) == NULL)
		return MAILIMAP_ERROR_APPEND;
	/* The Sent copy and a draft keep the Bcc the recipients never see. */
	if (e->bcc != NULL)
		strbuf_addf(&sb, "Bcc: %s\r\n", e->bcc);
	strbuf_add(&sb, e->data, e->len);
	flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(flags, mailimap_flag_new_seen());
	if (e->state == OUTBOX_DRAFT)
		mailimap_flag_list_add(flags, mailimap_flag_new_draft());
	r = mailimap_append(im->session, mb, flags, NULL, sb.buf, sb.len);
	mailimap_flag_list_free(flags);
	strbuf_release(&sb);
	free(mb);
	return r;
}

/*
 * An UNKNOWN entry (no answer came to its final dot) on a server that
 * files what it is sent: its Message-ID in Sent says it went out, its
 * absence that it did not. Elsewhere only the user can say.
 */
static int
imap_settle_unknown(struct imap *im, const struct store_outbox *e)
{
	char *sent, *text;
	int r = MAILIMAP_NO_ERROR, found;

	if (!imap_files_sent(im) || im->cfg->sent != SENT_AUTO ||
	    (sent = imap_folder_of_role(im, ROLE_SENT)) == NULL)
		return r;
	found = imap_has_message_id(im, sent, e->message_id, &r);
	free(sent);
	if (found < 0)
		return r;
	if (found) {
		store_outbox_remove(im->st, e->id);
		text = xasprintf(_("message %s had been sent: it is in Sent"),
		    e->message_id);
	} else {
		store_outbox_set_state(im->st, e->id, OUTBOX_QUEUED, NULL, 0,
		    0);
		text = xasprintf(_("message %s had not been sent: it is sent "
		    "again"), e->message_id);
		if (im->hooks.outbox_changed != NULL)
			im->hooks.outbox_changed(im->hooks.arg);
	}
	imap_vanished_notice(im, text);
	free(text);
	return MAILIMAP_NO_ERROR;
}

/* Save the copies the outbox holds (backend_ops.save_copies). */
static enum backend_status
imap_save_outbox(void *b, char **err)
{
	struct imap *im = b;
	struct store_outbox *list = NULL, e;
	const char *why;
	char *folder, *text;
	size_t n = 0, i;
	struct store_folder *folders = NULL;
	size_t nfolders = 0;
	enum backend_status status;
	int r = MAILIMAP_NO_ERROR, found;

	if (store_outbox_list(im->st, &list, &n) != 0) {
		*err = xasprintf(_("cannot read the outbox: %s"),
		    store_errmsg(im->st));
		return BACKEND_ERR_LOCAL;
	}
	/* A first run knows no folders yet: Sent and Drafts are in LIST. */
	if (n > 0 && store_folder_list(im->st, &folders, &nfolders) == 0 &&
	    nfolders == 0 &&
	    (status = imap_sync_folders(im, err)) != BACKEND_OK) {
		store_outbox_list_free(list, n);
		return status;
	}
	store_folder_list_free(folders, nfolders);
	for (i = 0; i < n && r == MAILIMAP_NO_ERROR; i++) {
		if (list[i].state == OUTBOX_UNKNOWN) {
			r = imap_settle_unknown(im, &list[i]);
			continue;
		}
		if (list[i].state != OUTBOX_SENT &&
		    list[i].state != OUTBOX_DRAFT)
			continue;
		folder = imap_copy_folder(im, &list[i], &why);
		if (folder == NULL) {
			/* A draft stays until it has a folder to go to. */
			if (list[i].state == OUTBOX_SENT)
				store_outbox_remove(im->st, list[i].id);
			if (why != NULL)
				imap_vanished_notice(im, why);
			continue;
		}
		if (list[i].copy_started) {
			found = imap_has_message_id(im, folder,
			    list[i].message_id, &r);
			if (found != 0) {
				if (found > 0)
					store_outbox_remove(im->st,
					    list[i].id);
				free(folder);
				continue;
			}
		}
		if (store_outbox_get(im->st, list[i].id, &e) != 0) {
			free(folder);
			continue;
		}
		store_outbox_copy_started(im->st, e.id);
		r = imap_append_copy(im, &e, folder);
		if (r == MAILIMAP_NO_ERROR) {
			store_outbox_remove(im->st, e.id);
			log_msg(LOG_INFO, "imap: saved %s in %s",
			    e.message_id, folder);
		} else if (imap_reply(r) == CONN_NO) {
			/* Refused (no such folder, over quota): say so. */
			text = xasprintf(_("cannot save a copy in \"%s\": %s"),
			    folder, imap_said(im));
			imap_vanished_notice(im, text);
			free(text);
			if (e.state == OUTBOX_SENT)
				store_outbox_remove(im->st, e.id);
			r = MAILIMAP_NO_ERROR;
		}
		store_outbox_release(&e);
		free(folder);
	}
	store_outbox_list_free(list, n);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, _("saving a copy"), err);
	return BACKEND_OK;
}

static enum backend_status
imap_push_pending(void *b, char **err)
{
	struct imap *im = b;
	struct store_pending p;
	struct store_folder f;
	enum backend_status status = BACKEND_OK;
	int64_t *ids = NULL;
	uint32_t *uids = NULL;
	size_t n = 1, i;
	int r;

	while ((r = store_pending_first(im->st, &p)) == 0) {
		if (store_folder_get_id(im->st, p.folder_id, &f) != 0) {
			/* The folder is gone: nothing left to change. */
			store_pending_done(im->st, p.id);
			store_pending_release(&p);
			continue;
		}
		status = imap_select(im, f.name, err);
		if (status == BACKEND_ERR_PROTOCOL) {
			log_msg(LOG_WARN, "imap: dropping a pending change: %s",
			    *err);
			free(*err);
			*err = NULL;
			store_pending_done(im->st, p.id);
			store_pending_release(&p);
			store_folder_release(&f);
			continue;
		}
		if (status != BACKEND_OK) {
			store_pending_release(&p);
			store_folder_release(&f);
			return status;
		}
		/* Marked before sending: a replay after a crash checks first. */
		store_pending_start(im->st, p.id);
		n = 1;
		switch (p.kind) {
		case PENDING_FLAGS:
			r = imap_flags_one(im, &p);
			break;
		case PENDING_MOVE:
		case PENDING_COPY:
			r = imap_move_one(im, &p, f.name);
			break;
		case PENDING_EXPUNGE:
			if (store_pending_run(im->st, &p, 500, &ids, &uids,
			    &n) != 0 || n == 0) {
				r = MAILIMAP_ERROR_MEMORY;
				break;
			}
			r = imap_expunge_run(im, uids, n);
			break;
		default:
			r = MAILIMAP_NO_ERROR;
			break;
		}
		store_folder_release(&f);
		if (r != MAILIMAP_NO_ERROR) {
			status = imap_fail(im, r, _("a change"), err);
			if (status != BACKEND_ERR_PROTOCOL) {
				store_pending_release(&p);
				goto out;
			}
			log_msg(LOG_WARN, "imap: dropping a pending change: %s",
			    *err);
			free(*err);
			*err = NULL;
			status = BACKEND_OK;
		}
		if (ids != NULL) {
			for (i = 0; i < n; i++)
				store_pending_done(im->st, ids[i]);
			free(ids);
			free(uids);
			ids = NULL;
			uids = NULL;
		} else if (store_pending_done(im->st, p.id) != 0)
			r = -1;
		store_pending_release(&p);
		if (r < 0)
			break;
	}
	if (r < 0) {
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(im->st));
		status = BACKEND_ERR_LOCAL;
	}
out:
	free(ids);
	free(uids);
	return status;
}

/*
 * Responses tern reads itself (imapresp.h): the news NOTIFY brings while
 * idling, and the answer of LIST-STATUS. libetpan keeps only the last
 * STATUS of a response, so these never reach its parser.
 */

/* What the server said that tern acts on. */
struct imap_news {
	struct imapresp_status *status;
	size_t nstatus, cap;
	int selected;		/* the selected folder changed */
	int folders;		/* a folder was made, renamed or deleted */
	int lost;		/* news left out: every folder's counts again */
};

/* STATUS data kept from one answer; a server sending more is lying. */
#define IMAP_NEWS_MAX 10000
/* Responses read in one go while idling before DONE is sent. */
#define IMAP_IDLE_READ_MAX 10000

static void
imap_news_release(struct imap_news *nw)
{
	size_t i;

	for (i = 0; i < nw->nstatus; i++)
		imapresp_status_release(&nw->status[i]);
	free(nw->status);
	memset(nw, 0, sizeof *nw);
}

/* Send TEXT as a command with libetpan's next tag, written into TAG. */
static int
imap_raw_command(struct imap *im, const char *text, char *tag, size_t size)
{
	mailstream *s = im->session->imap_stream;
	char *line;
	size_t n;
	int r;

	/* libetpan checks each tagged answer against its own counter. */
	im->session->imap_tag++;
	snprintf(tag, size, "%d", im->session->imap_tag);
	line = xasprintf("%s %s\r\n", tag, text);
	n = strlen(line);
	r = mailstream_write(s, line, n) == (ssize_t)n &&
	    mailstream_flush(s) == 0 ? 0 : -1;
	free(line);
	return r;
}

/*
 * One response off the stream into SB: its lines with CRLF, each literal
 * after the line announcing it. 0, or -1 when the stream fails or the
 * response is over IMAPRESP_MAX.
 */
static int
imap_raw_response(struct imap *im, struct strbuf *sb)
{
	mailstream *s = im->session->imap_stream;
	char buf[4096], *line;
	size_t len, n, k;
	ssize_t got;
	int r;

	strbuf_reset(sb);
	for (;;) {
		line = mailstream_read_line_remove_eol(s,
		    im->session->imap_stream_buffer);
		if (line == NULL)
			return -1;
		len = strlen(line);
		if (sb->len + len + 2 > IMAPRESP_MAX)
			return -1;
		strbuf_add(sb, line, len);
		strbuf_add(sb, "\r\n", 2);
		if ((r = imapresp_literal(line, len, &n)) == 0)
			return 0;
		if (r < 0 || sb->len + n > IMAPRESP_MAX)
			return -1;
		for (; n > 0; n -= (size_t)got) {
			k = n < sizeof buf ? n : sizeof buf;
			if ((got = mailstream_read(s, buf, k)) <= 0)
				return -1;
			strbuf_add(sb, buf, (size_t)got);
		}
	}
}

/* Whether more of the server's bytes can be read without waiting. */
static int
imap_raw_ready(struct imap *im)
{
	mailstream *s = im->session->imap_stream;
	struct pollfd pfd;

	if (s->read_buffer_len > 0 || tls_pending(s))
		return 1;
	pfd.fd = mailstream_low_get_fd(mailstream_get_low(s));
	pfd.events = POLLIN;
	pfd.revents = 0;
	return pfd.fd >= 0 && poll(&pfd, 1, 0) > 0;
}

/*
 * Take the response in SB into NW. TAG is the command's (NULL in IDLE).
 * Returns 1 at the tagged answer (*OK_R says OK), 0 to read on, -1 when
 * the session cannot go on (BYE, something that is not an IMAP response,
 * another command's tag).
 */
static int
imap_news_take(struct imap_news *nw, const struct strbuf *sb,
    const char *tag, int *ok_r)
{
	struct imapresp_status st;

	switch (imapresp_kind(sb->buf, sb->len, tag, ok_r)) {
	case IMAPRESP_STATUS:
		if (imapresp_status_parse(sb->buf, sb->len, &st) != 0) {
			log_msg(LOG_WARN, "imap: a STATUS tern cannot read was "
			    "left out");
			return 0;
		}
		if (nw->nstatus >= IMAP_NEWS_MAX) {
			imapresp_status_release(&st);
			nw->lost = 1;
			return 0;
		}
		if (nw->nstatus == nw->cap) {
			nw->cap = nw->cap == 0 ? 16 : nw->cap * 2;
			nw->status = xreallocarray(nw->status, nw->cap,
			    sizeof *nw->status);
		}
		nw->status[nw->nstatus++] = st;
		return 0;
	case IMAPRESP_NEWS:
		nw->selected = 1;
		return 0;
	case IMAPRESP_LIST:
		nw->folders = 1;
		return 0;
	case IMAPRESP_TAGGED:
		return 1;
	case IMAPRESP_BYE:
	case IMAPRESP_BAD:
		return -1;
	default:
		return 0;
	}
}

/*
 * Send the command TEXT (WHAT names it) and read its answer into NW.
 * BACKEND_OK with *OK_R; else the session is ended, with *ERR.
 */
static enum backend_status
imap_raw_run(struct imap *im, const char *text, const char *what,
    struct imap_news *nw, int *ok_r, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	char tag[24];
	int r = -1, lost = 1;

	*ok_r = 0;
	if (imap_raw_command(im, text, tag, sizeof tag) == 0)
		while ((r = imap_raw_response(im, &sb)) == 0 &&
		    (lost = 0, r = imap_news_take(nw, &sb, tag, ok_r)) == 0)
			lost = 1;
	strbuf_release(&sb);
	if (r == 1)
		return BACKEND_OK;
	*err = lost ? xstrdup(_("connection lost")) :
	    xasprintf(_("%s: the server sent something unreadable"), what);
	imap_disconnect(im);
	return BACKEND_ERR_NET;
}

/*
 * The server's counts of folder F: store them, and bring a cached folder
 * that changed up to date. A count not given (-1, 0) keeps the last one.
 */
static enum backend_status
imap_folder_counts(struct imap *im, const struct store_folder *f, int total,
    int unseen, uint32_t uidnext, int *changed, char **err)
{
	if (total < 0)
		total = f->srv_total;
	if (unseen < 0)
		unseen = f->srv_unseen;
	if (uidnext == 0)
		uidnext = f->srv_uidnext;
	if (total == f->srv_total && unseen == f->srv_unseen &&
	    uidnext == f->srv_uidnext)
		return BACKEND_OK;
	store_folder_set_status(im->st, f->id, total, unseen, uidnext);
	*changed = 1;
	if (f->uidvalidity != 0 && f->srv_total >= 0)
		return imap_sync_folder(im, f->name, err);
	return BACKEND_OK;
}

/*
 * What NW says: the counts of the folders other than OPEN stored (and
 * those cached synced), the folder list again when a folder came or went,
 * OPEN synced when it changed.
 */
static enum backend_status
imap_news_apply(struct imap *im, const struct imap_news *nw,
    const char *open, char **err)
{
	enum backend_status status = BACKEND_OK;
	struct store_folder f;
	int changed = 0, sel = nw->selected;
	size_t i;

	if (nw->folders)
		status = imap_sync_folders(im, err);
	for (i = 0; i < nw->nstatus && status == BACKEND_OK; i++) {
		const struct imapresp_status *st = &nw->status[i];

		if (store_folder_get(im->st, st->mailbox, &f) != 0)
			continue;
		if (open != NULL && strcmp(f.name, open) == 0)
			sel = 1;
		else if (!f.noselect)
			status = imap_folder_counts(im, &f, st->messages,
			    st->unseen, st->uidnext, &changed, err);
		store_folder_release(&f);
	}
	if (changed && im->hooks.folders_changed != NULL)
		im->hooks.folders_changed(im->hooks.arg);
	if (status == BACKEND_OK && sel && open != NULL)
		status = imap_sync_folder(im, open, err);
	if (status == BACKEND_OK && nw->lost)
		status = imap_poll_folders(im, open, err);
	return status;
}

/*
 * NOTIFY SET on this connection (RFC 5465): news of the selected folder
 * and of every other one of the user's, and their counts now (STATUS).
 * A refusal leaves tern on IDLE and the timed poll.
 */
static enum backend_status
imap_notify_set(struct imap *im, const char *open, char **err)
{
	struct imap_news nw;
	enum backend_status status;
	int ok;

	im->notify_tried = 1;
	memset(&nw, 0, sizeof nw);
	status = imap_raw_run(im, "NOTIFY SET STATUS (selected (MessageNew "
	    "MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge "
	    "MailboxName))", "NOTIFY", &nw, &ok, err);
	if (status == BACKEND_OK) {
		im->notify_on = ok;
		if (!ok)
			log_msg(LOG_INFO, "imap: NOTIFY refused; watching the "
			    "other folders by STATUS");
		/* The folder list is tern's already. */
		nw.folders = 0;
		status = imap_news_apply(im, &nw, open, err);
	}
	imap_news_release(&nw);
	return status;
}

/*
 * Idling with NOTIFY on and bytes waiting: read what is there (up to
 * IMAP_IDLE_READ_MAX responses) into NW before DONE. 0, or -1 when the
 * session cannot go on.
 */
static int
imap_idle_read(struct imap *im, struct imap_news *nw)
{
	struct strbuf sb = STRBUF_INIT;
	int ok, r, n = 0;

	do
		r = imap_raw_response(im, &sb) != 0 ? -1 :
		    imap_news_take(nw, &sb, NULL, &ok);
	while (r == 0 && ++n < IMAP_IDLE_READ_MAX && imap_raw_ready(im));
	strbuf_release(&sb);
	/* What is left goes to libetpan's parser with DONE's answer. */
	if (n >= IMAP_IDLE_READ_MAX)
		nw->lost = 1;
	return r == 0 ? 0 : -1;
}

static enum backend_status
imap_wait(void *b, const char *name, int seconds, char **err)
{
	struct imap *im = b;
	struct imap_news nw;
	struct mailimap_response_info *ri;
	mailstream *s;
	enum backend_status status;
	uint32_t exists;
	int r, news = 0, waited = MAILSTREAM_IDLE_INTERRUPTED;

	if (!im->idle)
		return BACKEND_ERR_NOTFOUND;
	if (im->notify && !im->notify_tried && im->session != NULL &&
	    (status = imap_notify_set(im, name, err)) != BACKEND_OK)
		return status;
	if ((status = imap_select(im, name, err)) != BACKEND_OK)
		return status;
	pthread_mutex_lock(&im->lock);
	if (im->wake_pending) {
		im->wake_pending = 0;
		pthread_mutex_unlock(&im->lock);
		return BACKEND_OK;
	}
	pthread_mutex_unlock(&im->lock);
	if ((r = mailimap_idle(im->session)) != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "IDLE", err);
	exists = im->session->imap_selection_info != NULL ?
	    im->session->imap_selection_info->sel_exists : 0;
	s = im->session->imap_stream;
	/* Bytes may already wait in libetpan's buffer or inside TLS. */
	if (s->read_buffer_len > 0 || tls_pending(s))
		news = 1;
	else if (mailstream_setup_idle(s) == 0) {
		pthread_mutex_lock(&im->lock);
		im->idle_ready = 1;
		r = im->wake_pending;
		pthread_mutex_unlock(&im->lock);
		if (!r)
			waited = mailstream_wait_idle(s, seconds);
		pthread_mutex_lock(&im->lock);
		im->idle_ready = 0;
		im->wake_pending = 0;
		pthread_mutex_unlock(&im->lock);
		mailstream_unsetup_idle(s);
		news = waited == MAILSTREAM_IDLE_HASDATA;
		if (waited == MAILSTREAM_IDLE_ERROR ||
		    waited == MAILSTREAM_IDLE_CANCELLED) {
			*err = xstrdup(_("connection lost"));
			imap_disconnect(im);
			return BACKEND_ERR_NET;
		}
	}
	memset(&nw, 0, sizeof nw);
	/* With NOTIFY, tern reads the news itself: STATUS of other folders
	 * (libetpan would keep only the last). */
	if (news && im->notify_on && imap_idle_read(im, &nw) != 0) {
		imap_news_release(&nw);
		*err = xstrdup(_("connection lost"));
		imap_disconnect(im);
		return BACKEND_ERR_NET;
	}
	/* DONE; the untagged news is read with the tagged answer. */
	if ((r = mailimap_idle_done(im->session)) != MAILIMAP_NO_ERROR) {
		imap_news_release(&nw);
		return imap_fail(im, r, "IDLE", err);
	}
	if (!news)
		return BACKEND_OK;
	if (!im->notify_on)
		return imap_sync_folder(im, name, err);
	/* What came between tern's reading and DONE went to libetpan: news
	 * of the open folder (a count, flags, an expunge) or a STATUS. */
	if (im->session->imap_selection_info != NULL &&
	    im->session->imap_selection_info->sel_exists != exists)
		nw.selected = 1;
	if ((ri = im->session->imap_response_info) != NULL) {
		if ((ri->rsp_fetch_list != NULL &&
		    !clist_isempty(ri->rsp_fetch_list)) ||
		    (ri->rsp_expunged != NULL &&
		    !clist_isempty(ri->rsp_expunged)))
			nw.selected = 1;
		if (ri->rsp_status != NULL)
			nw.lost = 1;
	}
	status = imap_news_apply(im, &nw, name, err);
	imap_news_release(&nw);
	return status;
}

static void
imap_wake(void *b)
{
	struct imap *im = b;

	pthread_mutex_lock(&im->lock);
	im->wake_pending = 1;
	if (im->idle_ready && im->session != NULL &&
	    im->session->imap_stream != NULL)
		mailstream_interrupt_idle(im->session->imap_stream);
	pthread_mutex_unlock(&im->lock);
}

/* STATUS of one folder: 0 ok, or a libetpan code. */
static int
imap_status(struct imap *im, const char *name, int *total_r, int *unseen_r,
    uint32_t *uidnext_r)
{
	struct mailimap_status_att_list *atts;
	struct mailimap_mailbox_data_status *res = NULL;
	clistiter *it;
	int r;

	*total_r = *unseen_r = -1;
	*uidnext_r = 0;
	atts = mailimap_status_att_list_new_empty();
	mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_MESSAGES);
	mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UNSEEN);
	mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UIDNEXT);
	r = mailimap_status(im->session, name, atts, &res);
	mailimap_status_att_list_free(atts);
	if (r != MAILIMAP_NO_ERROR) {
		if (res != NULL)
			mailimap_mailbox_data_status_free(res);
		return r;
	}
	/* No STATUS line, or an empty one: the counts stay unknown. */
	if (res == NULL || res->st_info_list == NULL) {
		if (res != NULL)
			mailimap_mailbox_data_status_free(res);
		return MAILIMAP_ERROR_STATUS;
	}
	for (it = clist_begin(res->st_info_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_status_info *si = clist_content(it);

		if (si->st_att == MAILIMAP_STATUS_ATT_MESSAGES)
			*total_r = (int)si->st_value;
		else if (si->st_att == MAILIMAP_STATUS_ATT_UNSEEN)
			*unseen_r = (int)si->st_value;
		else if (si->st_att == MAILIMAP_STATUS_ATT_UIDNEXT)
			*uidnext_r = si->st_value;
	}
	mailimap_mailbox_data_status_free(res);
	return MAILIMAP_NO_ERROR;
}

/*
 * The open folder NAME, selected, on a server whose IDLE may never speak
 * (mailutils says nothing of mail another session appends): a NOOP, and a
 * sync when the count it leaves differs from the cache's.
 */
static enum backend_status
imap_check_open(struct imap *im, const char *name, char **err)
{
	struct store_folder f;
	size_t nlocal = 0;
	uint32_t exists;
	int r;

	if ((r = mailimap_noop(im->session)) != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "NOOP", err);
	if (im->session->imap_selection_info == NULL)
		return BACKEND_OK;
	exists = im->session->imap_selection_info->sel_exists;
	if (store_folder_get(im->st, name, &f) != 0)
		return BACKEND_OK;
	r = store_msg_count(im->st, f.id, &nlocal);
	store_folder_release(&f);
	if (r != 0 || nlocal == exists)
		return BACKEND_OK;
	return imap_sync_folder(im, name, err);
}

/* backend_ops.check_open: the check, when NAME is the selected folder. */
static enum backend_status
imap_check_selected(void *b, const char *name, char **err)
{
	struct imap *im = b;

	if (name == NULL || im->session == NULL || im->selected == NULL ||
	    strcmp(im->selected, name) != 0)
		return BACKEND_OK;
	return imap_check_open(im, name, err);
}

static enum backend_status
imap_poll_folders(void *b, const char *open, char **err)
{
	struct imap *im = b;
	struct store_folder *list = NULL;
	struct imap_news nw;
	enum backend_status status = BACKEND_OK;
	const struct imapresp_status *st;
	size_t n = 0, i, j;
	uint32_t uidnext;
	int total, unseen, r, changed = 0, listed = 0, ok;

	if ((status = imap_check_selected(im, open, err)) != BACKEND_OK)
		return status;
	memset(&nw, 0, sizeof nw);
	/* Every folder's counts in one command when the server can. */
	if (im->list_status) {
		status = imap_raw_run(im, "LIST \"\" \"*\" RETURN (STATUS "
		    "(MESSAGES UNSEEN UIDNEXT))", "LIST", &nw, &ok, err);
		if (status != BACKEND_OK) {
			imap_news_release(&nw);
			return status;
		}
		listed = ok;
		if (!ok) {
			im->list_status = 0;
			log_msg(LOG_INFO, "imap: LIST-STATUS refused; STATUS "
			    "for each folder");
		}
	}
	if (store_folder_list(im->st, &list, &n) != 0) {
		imap_news_release(&nw);
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(im->st));
		return BACKEND_ERR_LOCAL;
	}
	for (i = 0; i < n && status == BACKEND_OK; i++) {
		struct store_folder *f = &list[i];

		if (!f->subscribed || f->noselect ||
		    (open != NULL && strcmp(f->name, open) == 0))
			continue;
		if (listed) {
			for (j = 0, st = NULL; j < nw.nstatus && st == NULL;
			    j++)
				if (strcmp(nw.status[j].mailbox, f->name) == 0)
					st = &nw.status[j];
			/* Not listed with counts: none to take. */
			if (st != NULL)
				status = imap_folder_counts(im, f,
				    st->messages, st->unseen, st->uidnext,
				    &changed, err);
			continue;
		}
		r = imap_status(im, f->name, &total, &unseen, &uidnext);
		if (r != MAILIMAP_NO_ERROR) {
			status = imap_fail(im, r, "STATUS", err);
			if (status == BACKEND_ERR_PROTOCOL) {
				free(*err);
				*err = NULL;
				status = BACKEND_OK;
			}
			continue;
		}
		status = imap_folder_counts(im, f, total, unseen, uidnext,
		    &changed, err);
	}
	store_folder_list_free(list, n);
	imap_news_release(&nw);
	if (changed && im->hooks.folders_changed != NULL)
		im->hooks.folders_changed(im->hooks.arg);
	return status;
}

static enum backend_status
imap_folder_op(void *b, enum backend_folder_op op, const char *name,
    const char *to, char **err)
{
	static const char *what[] = {
		[FOLDER_CREATE] = "CREATE", [FOLDER_RENAME] = "RENAME",
		[FOLDER_DELETE] = "DELETE", [FOLDER_SUBSCRIBE] = "SUBSCRIBE",
		[FOLDER_UNSUBSCRIBE] = "UNSUBSCRIBE",
	};
	struct imap *im = b;
	char *mb, *mb_to = NULL;
	enum backend_status status;
	int r;

	if (strcasecmp(name, "INBOX") == 0)
		mb = xstrdup("INBOX");
	else if ((mb = utf7_encode(name)) == NULL) {
		*err = xasprintf(_("\"%s\" is not a valid folder name"), name);
		return BACKEND_ERR_NOTFOUND;
	}
	if (to != NULL && (mb_to = utf7_encode(to)) == NULL) {
		*err = xasprintf(_("\"%s\" is not a valid folder name"), to);
		free(mb);
		return BACKEND_ERR_NOTFOUND;
	}
	/* The folder being renamed or deleted must not stay selected. */
	if (im->selected != NULL && strcmp(im->selected, mb) == 0 &&
	    (op == FOLDER_RENAME || op == FOLDER_DELETE)) {
		mailimap_close(im->session);
		free(im->selected);
		im->selected = NULL;
	}
	switch (op) {
	case FOLDER_CREATE:
		r = mailimap_create(im->session, mb);
		if (r == MAILIMAP_NO_ERROR)
			r = mailimap_subscribe(im->session, mb);
		break;
	case FOLDER_RENAME:
		r = mb_to == NULL ? MAILIMAP_ERROR_RENAME :
		    mailimap_rename(im->session, mb, mb_to);
		if (r == MAILIMAP_NO_ERROR) {
			mailimap_unsubscribe(im->session, mb);
			r = mailimap_subscribe(im->session, mb_to);
		}
		break;
	case FOLDER_DELETE:
		mailimap_unsubscribe(im->session, mb);
		r = mailimap_delete(im->session, mb);
		break;
	case FOLDER_SUBSCRIBE:
		r = mailimap_subscribe(im->session, mb);
		break;
	default:
		r = mailimap_unsubscribe(im->session, mb);
		break;
	}
	free(mb);
	free(mb_to);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, what[op], err);
	status = imap_sync_folders(im, err);
	return status;
}

static void
imap_interrupt(void *b)
{
	struct imap *im = b;

	pthread_mutex_lock(&im->lock);
	if (im->session != NULL && im->session->imap_stream != NULL) {
		tls_cancel(im->session->imap_stream);
		if (im->idle_ready)
			mailstream_interrupt_idle(im->session->imap_stream);
	}
	pthread_mutex_unlock(&im->lock);
}

static void
imap_free(void *b)
{
	struct imap *im = b;

	if (im == NULL)
		return;
	if (im->session != NULL && im->session->imap_stream != NULL)
		mailimap_logout(im->session);
	imap_disconnect(im);
	pthread_mutex_destroy(&im->lock);
	free(im);
}

const struct backend_ops imap_backend = {
	.name = "imap",
	.caps = BACKEND_CAP_IDLE,
	.new = imap_new,
	.connect = imap_connect,
	.sync_folders = imap_sync_folders,
	.sync_folder = imap_sync_folder,
	.fetch_body = imap_fetch_body,
	.push_pending = imap_push_pending,
	.save_copies = imap_save_outbox,
	.interrupt = imap_interrupt,
	.free = imap_free,
	.wait = imap_wait,
	.wake = imap_wake,
	.poll_folders = imap_poll_folders,
	.check_open = imap_check_selected,
	.folder_op = imap_folder_op,
	.search = imap_search,
	.fetch_bodies = imap_fetch_bodies,
};
