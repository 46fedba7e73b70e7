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

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "backend.h"
#include "config.h"
#include "i18n.h"
#include "imap.h"
#include "log.h"
#include "mime.h"
#include "store.h"
#include "strbuf.h"
#include "tls.h"
#include "utf7.h"
#include "xmalloc.h"

/* Headers of the first batch of a cold folder: about a screenful. */
#define IMAP_FIRST_BATCH 100
/* Later batches: large enough for few round trips, small enough to keep
 * libetpan's result lists small (shared/docs/libetpan.md section 3). */
#define IMAP_BATCH 500

struct imap {
	const struct account_config *cfg;
	struct store *st;
	struct backend_hooks hooks;

	pthread_mutex_t lock;	/* guards session for interrupt() */
	mailimap *session;
	char *selected;		/* the folder now selected, or NULL */
	uint32_t sel_uidvalidity;
};

static enum backend_status imap_fail(struct imap *, int, const char *,
    char **);
static void imap_disconnect(struct imap *);

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
	const char *text = NULL;

	if (im->session != NULL && im->session->imap_response != NULL)
		text = im->session->imap_response;
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_MEMORY:
		*err = xasprintf(r == MAILIMAP_ERROR_PARSE ?
		    _("%s: the server sent something unreadable") :
		    _("%s: connection lost"), what);
		imap_disconnect(im);
		return BACKEND_ERR_NET;
	case MAILIMAP_ERROR_LOGIN:
		*err = xasprintf(_("login refused: %s"),
		    text != NULL && *text != '\0' ? text : _("no reason given"));
		return BACKEND_ERR_AUTH;
	default:
		*err = xasprintf(_("%s failed: %s"), what,
		    text != NULL && *text != '\0' ? text : _("no reason given"));
		return BACKEND_ERR_PROTOCOL;
	}
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
			mailstream_close(s->imap_stream);
			s->imap_stream = NULL;
		}
		mailimap_free(s);
	}
	free(im->selected);
	im->selected = NULL;
}

static int
imap_has(struct imap *im, const char *cap)
{
	return mailimap_has_extension(im->session, (char *)cap);
}

static enum backend_status
imap_connect(void *b, const char *password, char **err)
{
	struct imap *im = b;
	const struct account_config *cfg = im->cfg;
	struct tls_options opt;
	struct mailimap_capability_data *caps = NULL;
	mailstream *stream = NULL;
	mailimap *s;
	enum tls_status ts;
	int r;

	imap_disconnect(im);
	memset(&opt, 0, sizeof opt);
	opt.host = cfg->host;
	opt.ca_file = cfg->tls_ca_file;
	opt.pin = cfg->has_fingerprint ? cfg->fingerprint : NULL;
	opt.timeout_sec = 60;

	ts = tls_connect(cfg->host, cfg->port, &opt, cfg->tls == TLS_IMPLICIT,
	    &stream, err);
	if (ts != TLS_OK)
		return ts == TLS_ERR_NET || ts == TLS_ERR_CANCELLED ?
		    BACKEND_ERR_NET : BACKEND_ERR_TLS;

	s = mailimap_new(0, NULL);
	pthread_mutex_lock(&im->lock);
	im->session = s;
	pthread_mutex_unlock(&im->lock);
	r = mailimap_connect(s, stream);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		if (s->imap_stream == NULL)
			mailstream_close(stream);
		return imap_fail(im, r, _("greeting"), err);
	}
	if (cfg->tls == TLS_STARTTLS) {
		/* A PREAUTH greeting would skip TLS: refuse it. */
		if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
			*err = xstrdup(_("the server skipped authentication "
			    "before STARTTLS (PREAUTH): refusing to go on "
			    "without TLS"));
			imap_disconnect(im);
			return BACKEND_ERR_TLS;
		}
		if ((r = mailimap_capability(s, &caps)) != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, "CAPABILITY", err);
		mailimap_capability_data_free(caps);
		if (!imap_has(im, "STARTTLS")) {
			*err = xasprintf(_("%s does not offer STARTTLS: "
			    "refusing to log in over plain text"), cfg->host);
			imap_disconnect(im);
			return BACKEND_ERR_TLS;
		}
		if ((r = mailimap_starttls(s)) != MAILIMAP_NO_ERROR) {
			if (r == MAILIMAP_ERROR_STARTTLS) {
				*err = xasprintf(_("STARTTLS refused by %s"),
				    cfg->host);
				imap_disconnect(im);
				return BACKEND_ERR_TLS;
			}
			return imap_fail(im, r, "STARTTLS", err);
		}
		ts = tls_starttls(s->imap_stream, &opt, err);
		if (ts != TLS_OK) {
			imap_disconnect(im);
			return ts == TLS_ERR_NET ? BACKEND_ERR_NET :
			    BACKEND_ERR_TLS;
		}
	}
	/* Capabilities from before TLS are not to be trusted: ask again. */
	if ((r = mailimap_capability(s, &caps)) != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "CAPABILITY", err);
	mailimap_capability_data_free(caps);

	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		if (password == NULL) {
			*err = xstrdup(_("no password"));
			imap_disconnect(im);
			return BACKEND_ERR_AUTH;
		}
		if (imap_has(im, "LOGINDISABLED") && imap_has(im, "AUTH=PLAIN"))
			r = mailimap_authenticate(s, "PLAIN", cfg->host, NULL,
			    NULL, cfg->user, cfg->user, password, NULL);
		else
			r = mailimap_login(s, cfg->user, password);
		if (r != MAILIMAP_NO_ERROR) {
			if (r != MAILIMAP_ERROR_STREAM &&
			    r != MAILIMAP_ERROR_PARSE)
				r = MAILIMAP_ERROR_LOGIN;
			return imap_fail(im, r, "LOGIN", err);
		}
		/* Servers often announce more once logged in. */
		if ((r = mailimap_capability(s, &caps)) != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, "CAPABILITY", err);
		mailimap_capability_data_free(caps);
	}
	if (imap_has(im, "ID")) {
		char *sname = NULL, *sver = NULL;

		r = mailimap_id_basic(s, PACKAGE_NAME, PACKAGE_VERSION, &sname,
		    &sver);
		free(sname);
		free(sver);
		if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE)
			return imap_fail(im, r, "ID", err);
	}
	log_msg(LOG_INFO, "imap: logged in to %s:%d", cfg->host, cfg->port);
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
	    MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "LIST", err);
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
	if ((r = mailimap_select(im->session, name)) != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "SELECT", err);
	im->selected = xstrdup(name);
	im->sel_uidvalidity = im->session->imap_selection_info != NULL ?
	    im->session->imap_selection_info->sel_uidvalidity : 0;
	return BACKEND_OK;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar. */
static int64_t
imap_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
imap_date_time(const struct mailimap_date_time *dt)
{
	int64_t t;
	int zone, sign;

	if (dt == NULL || dt->dt_month < 1 || dt->dt_month > 12 ||
	    dt->dt_day < 1 || dt->dt_day > 31)
		return 0;
	t = imap_days_from_civil(dt->dt_year, dt->dt_month, dt->dt_day) *
	    86400 + dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec;
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
		char *name = NULL, *addr = NULL;

		if (ad->ad_mailbox_name == NULL)
			continue;	/* group syntax markers */
		if (ad->ad_personal_name != NULL)
			name = mime_decode_header(ad->ad_personal_name,
			    strlen(ad->ad_personal_name));
		if (ad->ad_host_name != NULL)
			addr = xasprintf("%s@%s", ad->ad_mailbox_name,
			    ad->ad_host_name);
		else
			addr = xstrdup(ad->ad_mailbox_name);
		if (sb.len > 0)
			strbuf_addstr(&sb, ", ");
		if (name != NULL && *name != '\0')
			strbuf_addf(&sb, "%s <%s>", name, addr);
		else
			strbuf_addstr(&sb, addr);
		if (first_addr_r != NULL && *first_addr_r == NULL) {
			*first_addr_r = addr;
			*first_name_r = name != NULL && *name != '\0' ? name :
			    NULL;
			if (*first_name_r == NULL)
				free(name);
			continue;
		}
		free(name);
		free(addr);
	}
	if (sb.len == 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * The value of header NAME in the header block HDR (LEN bytes), unfolded
 * and with runs of white space made single spaces; NULL when absent.
 */
static char *
imap_header_value(const char *hdr, size_t len, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	size_t nlen = strlen(name), i = 0;
	int found = 0;

	while (i < len) {
		size_t eol = i;

		while (eol < len && hdr[eol] != '\n')
			eol++;
		if (found && (hdr[i] == ' ' || hdr[i] == '\t')) {
			strbuf_addch(&sb, ' ');
			strbuf_add(&sb, hdr + i, eol - i);
		} else if (found) {
			break;
		} else if (eol - i > nlen && hdr[i + nlen] == ':' &&
		    strncasecmp(hdr + i, name, nlen) == 0) {
			found = 1;
			strbuf_add(&sb, hdr + i + nlen + 1, eol - i - nlen - 1);
		}
		i = eol + 1;
	}
	if (!found) {
		strbuf_release(&sb);
		return NULL;
	}
	/* Normalise white space. */
	{
		char *out = xmalloc(sb.len + 1), *o = out;
		const char *p;
		int space = 1;

		for (p = sb.buf; *p != '\0'; p++) {
			if (*p == ' ' || *p == '\t' || *p == '\r') {
				if (!space)
					*o++ = ' ';
				space = 1;
			} else {
				*o++ = *p;
				space = 0;
			}
		}
		while (o > out && o[-1] == ' ')
			o--;
		*o = '\0';
		strbuf_release(&sb);
		if (*out == '\0') {
			free(out);
			return NULL;
		}
		return out;
	}
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
			m->references = imap_header_value(
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

static struct mailimap_fetch_type *
imap_header_fetch_type(void)
{
	struct mailimap_fetch_type *ft;
	clist *hdrs;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_flags());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_envelope());
	hdrs = clist_new();
	clist_append(hdrs, xstrdup("References"));
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(
	    mailimap_section_new_header_fields(
	    mailimap_header_list_new(hdrs))));
	return ft;
}

/* Store every message of a FETCH result in FOLDER_ID, in one transaction. */
static enum backend_status
imap_store_headers(struct imap *im, int64_t folder_id, clist *result,
    size_t *stored_r, char **err)
{
	clistiter *it;
	size_t stored = 0;

	if (store_begin(im->st) != 0)
		goto fail;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct store_msg m;

		memset(&m, 0, sizeof m);
		m.folder_id = folder_id;
		if (imap_msg_from_att(clist_content(it), &m) == 0) {
			if (store_msg_put(im->st, &m, NULL) != 0) {
				store_msg_release(&m);
				store_rollback(im->st);
				goto fail;
			}
			stored++;
		}
		store_msg_release(&m);
	}
	if (store_folder_recount(im->st, folder_id) != 0 ||
	    store_commit(im->st) != 0) {
		store_rollback(im->st);
		goto fail;
	}
	*stored_r = stored;
	return BACKEND_OK;
fail:
	*err = xasprintf(_("cannot save messages: %s"), store_errmsg(im->st));
	return BACKEND_ERR_LOCAL;
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
	r = mailimap_uid_fetch(im->session, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID FETCH", err);
	list = xcalloc((size_t)clist_count(result) + 1, sizeof *list);
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		struct store_msg m;

		memset(&m, 0, sizeof m);
		if (imap_msg_from_att(clist_content(it), &m) == 0) {
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

/* Apply the server's UID list: drop vanished UIDs, update changed flags. */
static enum backend_status
imap_apply_flags(struct imap *im, int64_t folder_id,
    const struct imap_uidflags *srv, size_t nsrv, uint32_t **missing_r,
    size_t *nmissing_r, int *changed_r, char **err)
{
	uint32_t *uids = NULL, *missing;
	unsigned int *flags = NULL;
	size_t n, i = 0, j = 0, nmissing = 0;
	int changed = 0;

	if (store_msg_uid_flags(im->st, folder_id, &uids, &flags, &n) != 0)
		goto fail;
	missing = xcalloc(nsrv + 1, sizeof *missing);
	if (store_begin(im->st) != 0) {
		free(missing);
		goto fail;
	}
	while (i < n || j < nsrv) {
		if (j == nsrv || (i < n && uids[i] < srv[j].uid)) {
			if (store_msg_delete(im->st, folder_id, uids[i]) != 0)
				goto rollback;
			changed = 1;
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
	if (store_folder_recount(im->st, folder_id) != 0 ||
	    store_commit(im->st) != 0)
		goto rollback;
	free(uids);
	free(flags);
	*missing_r = missing;
	*nmissing_r = nmissing;
	*changed_r = changed;
	return BACKEND_OK;
rollback:
	store_rollback(im->st);
	free(missing);
fail:
	free(uids);
	free(flags);
	*err = xasprintf(_("cannot update the cache: %s"),
	    store_errmsg(im->st));
	return BACKEND_ERR_LOCAL;
}

/* Fetch headers of UIDS[lo..hi) and store them. */
static enum backend_status
imap_fetch_headers(struct imap *im, int64_t folder_id, const uint32_t *uids,
    size_t lo, size_t hi, size_t *stored_r, char **err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	enum backend_status status;
	int r;

	ft = imap_header_fetch_type();
	set = imap_uid_set(uids, lo, hi);
	r = mailimap_uid_fetch(im->session, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID FETCH", err);
	status = imap_store_headers(im, folder_id, result, stored_r, err);
	mailimap_fetch_list_free(result);
	return status;
}

/*
 * A cold folder (nothing cached): fetch the newest messages by sequence
 * number first, so that the first screen needs one small command.
 */
static enum backend_status
imap_fetch_newest(struct imap *im, int64_t folder_id, uint32_t exists,
    char **err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	enum backend_status status;
	size_t stored = 0;
	uint32_t lo;
	int r;

	if (exists == 0)
		return BACKEND_OK;
	lo = exists > IMAP_FIRST_BATCH ? exists - IMAP_FIRST_BATCH + 1 : 1;
	ft = imap_header_fetch_type();
	set = mailimap_set_new_interval(lo, exists);
	r = mailimap_fetch(im->session, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "FETCH", err);
	status = imap_store_headers(im, folder_id, result, &stored, err);
	mailimap_fetch_list_free(result);
	if (status == BACKEND_OK) {
		if (im->hooks.headers_changed != NULL)
			im->hooks.headers_changed(im->hooks.arg, folder_id);
		if (im->hooks.progress != NULL)
			im->hooks.progress(im->hooks.arg, folder_id,
			    (long)stored, (long)exists);
	}
	return status;
}

static enum backend_status
imap_sync_folder(void *b, const char *name, char **err)
{
	struct imap *im = b;
	struct store_folder f;
	struct mailimap_selection_info *sel;
	struct imap_uidflags *srv = NULL;
	uint32_t *missing = NULL, uidvalidity, uidnext, exists;
	size_t nsrv = 0, nmissing = 0, done, hi, batch;
	enum backend_status status;
	int r, changed = 0;

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
	sel = im->session->imap_selection_info;
	uidvalidity = sel->sel_uidvalidity;
	uidnext = sel->sel_uidnext;
	exists = sel->sel_exists;

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
		changed = 1;
	}
	if (store_folder_set_sync(im->st, f.id, uidvalidity, f.uidnext,
	    f.highestmodseq) != 0) {
		*err = xasprintf(_("cannot update the cache: %s"),
		    store_errmsg(im->st));
		status = BACKEND_ERR_LOCAL;
		goto out;
	}
	if (f.total == 0 && exists > 0) {
		status = imap_fetch_newest(im, f.id, exists, err);
		if (status != BACKEND_OK)
			goto out;
	}

	if (exists > 0) {
		status = imap_fetch_all_flags(im, &srv, &nsrv, err);
		if (status != BACKEND_OK)
			goto out;
	}
	status = imap_apply_flags(im, f.id, srv, nsrv, &missing, &nmissing,
	    &changed, err);
	if (status != BACKEND_OK)
		goto out;
	if (changed && im->hooks.headers_changed != NULL)
		im->hooks.headers_changed(im->hooks.arg, f.id);

	/* Newest first: walk the missing UIDs from the top down. */
	done = nsrv - nmissing;
	hi = nmissing;
	batch = f.total == 0 ? IMAP_FIRST_BATCH : IMAP_BATCH;
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
			    (long)nsrv);
		if (hi > 0 && im->hooks.between != NULL &&
		    im->hooks.between(im->hooks.arg))
			goto out;
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
	if (store_folder_set_sync(im->st, f.id, uidvalidity, uidnext,
	    f.highestmodseq) != 0) {
		*err = xasprintf(_("cannot update the cache: %s"),
		    store_errmsg(im->st));
		status = BACKEND_ERR_LOCAL;
		goto out;
	}
	/* Batches reported their progress; otherwise report the end. */
	if (nmissing == 0 && im->hooks.progress != NULL)
		im->hooks.progress(im->hooks.arg, f.id, (long)nsrv,
		    (long)nsrv);
out:
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

static enum backend_status
imap_fetch_body(void *b, int64_t msg_id, char **err)
{
	struct imap *im = b;
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *result = NULL;
	clistiter *it, *jt;
	enum backend_status status;
	struct mime_message mm;
	const char *raw;
	uint32_t uid = 0;
	int r, found = 0;

	if ((status = imap_select_msg(im, msg_id, &uid, err)) != BACKEND_OK)
		return status;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	set = mailimap_set_new_single(uid);
	r = mailimap_uid_fetch(im->session, set, ft, &result);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID FETCH", err);
	for (it = clist_begin(result); it != NULL && !found;
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
		/* Only the UID we asked for counts. */
		if (got != uid || sec == NULL)
			continue;
		found = 1;
		raw = sec->sec_body_part != NULL ? sec->sec_body_part : "";
		/* The decoded text feeds full-text search. */
		mime_message_parse(raw, sec->sec_length, &mm);
		r = store_body_put(im->st, msg_id, raw, sec->sec_length,
		    mm.text);
		mime_message_release(&mm);
		if (r != 0) {
			*err = xasprintf(_("cannot save the message: %s"),
			    store_errmsg(im->st));
			status = BACKEND_ERR_LOCAL;
		}
	}
	mailimap_fetch_list_free(result);
	if (!found) {
		*err = xstrdup(_("the message is no longer on the server"));
		return BACKEND_ERR_NOTFOUND;
	}
	return status;
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

/* UID STORE +FLAGS.SILENT or -FLAGS.SILENT for one UID. */
static int
imap_store_flags(struct imap *im, uint32_t uid, unsigned int flags, int add)
{
	struct mailimap_store_att_flags *sa;
	struct mailimap_set *set;
	int r;

	if (flags == 0)
		return MAILIMAP_NO_ERROR;
	sa = add ? mailimap_store_att_flags_new_add_flags_silent(
	    imap_flag_list(flags)) :
	    mailimap_store_att_flags_new_remove_flags_silent(
	    imap_flag_list(flags));
	set = mailimap_set_new_single(uid);
	r = mailimap_uid_store(im->session, set, sa);
	mailimap_set_free(set);
	mailimap_store_att_flags_free(sa);
	return r;
}

static enum backend_status
imap_push_pending(void *b, char **err)
{
	struct imap *im = b;
	struct store_pending p;
	struct store_folder f;
	enum backend_status status;
	int r;

	while ((r = store_pending_first(im->st, &p)) == 0) {
		if (store_folder_get_id(im->st, p.folder_id, &f) != 0) {
			/* The folder is gone: nothing left to change. */
			store_pending_done(im->st, p.id);
			continue;
		}
		status = imap_select(im, f.name, err);
		store_folder_release(&f);
		if (status == BACKEND_ERR_PROTOCOL) {
			log_msg(LOG_WARN, "imap: dropping a pending change: %s",
			    *err);
			free(*err);
			*err = NULL;
			store_pending_done(im->st, p.id);
			continue;
		}
		if (status != BACKEND_OK)
			return status;
		if ((r = imap_store_flags(im, p.uid, p.add, 1)) ==
		    MAILIMAP_NO_ERROR)
			r = imap_store_flags(im, p.uid, p.remove, 0);
		if (r != MAILIMAP_NO_ERROR) {
			status = imap_fail(im, r, "UID STORE", err);
			if (status != BACKEND_ERR_PROTOCOL)
				return status;
			log_msg(LOG_WARN, "imap: dropping a pending change: %s",
			    *err);
			free(*err);
			*err = NULL;
		}
		if (store_pending_done(im->st, p.id) != 0)
			break;
	}
	if (r < 0) {
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(im->st));
		return BACKEND_ERR_LOCAL;
	}
	return BACKEND_OK;
}

static void
imap_interrupt(void *b)
{
	struct imap *im = b;

	pthread_mutex_lock(&im->lock);
	if (im->session != NULL && im->session->imap_stream != NULL)
		tls_cancel(im->session->imap_stream);
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
	.new = imap_new,
	.connect = imap_connect,
	.sync_folders = imap_sync_folders,
	.sync_folder = imap_sync_folder,
	.fetch_body = imap_fetch_body,
	.push_pending = imap_push_pending,
	.interrupt = imap_interrupt,
	.free = imap_free,
};
