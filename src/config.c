/*
 * The configuration: the INI file of DESIGN.md read with libinih, and the
 * mailbox URL (imaps://user@host:port/FOLDER) that opens one account with no
 * file. This file owns the syntax of both, every default, and the wording
 * of every configuration error.
 *
 * libinih splits "key = value" lines; the behaviour it was built with
 * (inline comments, multi-line values, the line buffer size, the line
 * number given to the handler) differs between builds, so we feed it lines
 * through our own reader that makes the result the same everywhere: the
 * reader counts lines, drops comments (whole-line ";" and "#", and ";"
 * after a blank), strips leading blanks (so no line continues a value),
 * notes each [section] header and its line, and hands a value that would
 * not fit inih's line buffer over by reference ("key=\001N").
 */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "format.h"
#include "i18n.h"
#include "smtpparse.h"
#include "strbuf.h"
#include "util.h"
#include "xmalloc.h"

#define CONFIG_MAX_SIZE (1024 * 1024)	/* bytes in a config file */
#define CONFIG_MAX_NUMBER 1000000	/* largest numeric value */
#define CONFIG_LONG_VALUE '\001'	/* "key=\001N": the value is longv[N] */

/* Defaults for what the file does not say. */
#define DEFAULT_SORT SORT_DATE
#define DEFAULT_PAGER_LINES 0	/* half the height */
#define DEFAULT_CACHE CACHE_HEADERS
#define DEFAULT_POP3_INTERVAL 300		/* seconds */
#define DEFAULT_POP3_MAX_SIZE (50LL * 1024 * 1024)	/* bytes */
#define DEFAULT_TIMEOUT 60			/* seconds */

/* A mailbox URL taken apart. */
struct url_parts {
	enum account_proto proto;
	enum tls_mode tls;
	char *user;		/* NULL: none in the URL */
	char *host;		/* without the brackets of an IPv6 literal */
	int port;
	char *folder;		/* NULL: none */
};

enum account_key {
	AK_IMAP,
	AK_POP3,
	AK_USER,
	AK_PASSWORD_CMD,
	AK_TLS_CA_FILE,
	AK_TLS_FINGERPRINT,
	AK_TLS,
	AK_CACHE,
	AK_POP3_DELETE,
	AK_POP3_KEEP_DAYS,
	AK_POP3_INTERVAL,
	AK_POP3_MAX_SIZE,
	AK_POP3_DELETE_WITH_LOCAL,
	AK_STATUS_INTERVAL,
	AK_MASS_DELETE_PERCENT,
	AK_MASS_DELETE_MIN,
	AK_PREFETCH,
	AK_CONNECTIONS,
	AK_PASSWORD,
	AK_TIMEOUT,
	AK_AUTH,
	AK_OAUTH2_PROVIDER,
	AK_OAUTH2_TOKEN_CMD,
	AK_OAUTH2_TOKEN_URL,
	AK_OAUTH2_DEVICE_URL,
	AK_OAUTH2_CLIENT_ID,
	AK_OAUTH2_CLIENT_SECRET_CMD,
	AK_OAUTH2_REFRESH_TOKEN_CMD,
	AK_OAUTH2_SCOPE,
	AK_OAUTH2_STORE_CMD,
	AK_SMTP,
	AK_SMTP_USER,
	AK_FROM,
	AK_REPLY_TO,
	AK_SIGNATURE,
	AK_SENT,
	AK_DRAFTS,
	AK_COUNT
};

enum ui_key {
	UK_SORT,
	UK_PAGER_LINES,
	UK_DELETE,
	UK_EXPUNGE,
	UK_BELL,
	UK_INDEX_FORMAT,
	UK_THREAD_SUBJECT,
	UK_HEADERS,
	UK_PREFER_HTML,
	UK_QUIT,
	UK_EDITOR,
	UK_ATTRIBUTION,
	UK_FORWARD,
	UK_TEXT_FLOWED,
	UK_COUNT
};

enum section_kind { SEC_NONE, SEC_UI, SEC_ACCOUNT, SEC_KEYS, SEC_COLORS };

/* The state of one parse. */
struct config_parse {
	const char *name;	/* the file, for messages */
	const char *text;	/* the whole input */
	size_t pos;		/* the next unread byte of text */
	int lineno;		/* the line last handed to inih */
	int stopped;		/* the reader has returned NULL */

	struct config *cfg;
	char *err;		/* the first error, or NULL */
	int err_line;

	char **longv;		/* values handed over by reference */
	size_t nlongv;

	enum section_kind sec;
	int ui_line;		/* line of [ui], 0 if none yet */
	int ui_seen[UK_COUNT];	/* line each key was set on, 0 if not */
	int keys_line;		/* line of [keys], 0 if none yet */
	int colors_line;	/* line of [colors], 0 if none yet */
	int colors_seen[COLOR_COUNT];

	struct account_config *acct;	/* the account being read */
	int acct_seen[AK_COUNT];
	int acct_tls_on;	/* the value of "tls" when set */
	char *acct_url;		/* the server URL as written */
	int acct_implicit;	/* the URL's scheme is imaps or pop3s */
	char *acct_url_user;	/* the user in the URL, or NULL */
	char *acct_user_key;	/* the "user" key, or NULL */
};

static void config_error(struct config_parse *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static char *config_reader(char *, int, void *);
static int config_handler(void *, const char *, const char *, const char *);
static int config_parse_text(const char *, const char *, struct config **,
    char **);
static void config_section_begin(struct config_parse *, const char *, int);
static void config_account_end(struct config_parse *);
static int url_parse(const char *, int, struct url_parts *, char **);
static void url_parts_release(struct url_parts *);

static const char *ui_key_names[UK_COUNT] = {
	"sort", "pager_lines",
	[UK_DELETE] = "delete",
	[UK_EXPUNGE] = "expunge",
	[UK_BELL] = "bell",
	[UK_INDEX_FORMAT] = "index_format",
	[UK_THREAD_SUBJECT] = "thread_subject",
	[UK_HEADERS] = "headers",
	[UK_PREFER_HTML] = "prefer_html",
	[UK_QUIT] = "quit",
	[UK_EDITOR] = "editor",
	[UK_ATTRIBUTION] = "attribution",
	[UK_FORWARD] = "forward",
	[UK_TEXT_FLOWED] = "text_flowed",
};

const char *const config_color_names[COLOR_COUNT] = {
	[COLOR_INDEX] = "index",
	[COLOR_INDEX_SELECTED] = "index_selected",
	[COLOR_UNREAD] = "unread",
	[COLOR_FLAGGED] = "flagged",
	[COLOR_DELETED] = "deleted",
	[COLOR_TREE] = "tree",
	[COLOR_FOLDER] = "folder",
	[COLOR_FOLDER_SELECTED] = "folder_selected",
	[COLOR_HEADER] = "header",
	[COLOR_BODY] = "body",
	[COLOR_QUOTE1] = "quote1",
	[COLOR_QUOTE2] = "quote2",
	[COLOR_QUOTE3] = "quote3",
	[COLOR_SIGNATURE] = "signature",
	[COLOR_SEARCH] = "search",
	[COLOR_STATUS] = "status",
	[COLOR_HINTS] = "hints",
	[COLOR_DIVIDER] = "divider",
	[COLOR_ERROR] = "error",
};

static const char *account_key_names[AK_COUNT] = {
	"imap", "pop3", "user", "password_cmd", "tls_ca_file",
	"tls_fingerprint", "tls", "cache", "pop3_delete", "pop3_keep_days",
	[AK_POP3_INTERVAL] = "pop3_interval",
	[AK_POP3_MAX_SIZE] = "pop3_max_size",
	[AK_POP3_DELETE_WITH_LOCAL] = "pop3_delete_with_local",
	[AK_STATUS_INTERVAL] = "status_interval",
	[AK_MASS_DELETE_PERCENT] = "mass_delete_percent",
	[AK_MASS_DELETE_MIN] = "mass_delete_min",
	[AK_PREFETCH] = "prefetch",
	[AK_CONNECTIONS] = "connections",
	[AK_PASSWORD] = "password",
	[AK_TIMEOUT] = "timeout",
	[AK_AUTH] = "auth",
	[AK_OAUTH2_PROVIDER] = "oauth2_provider",
	[AK_OAUTH2_TOKEN_CMD] = "oauth2_token_cmd",
	[AK_OAUTH2_TOKEN_URL] = "oauth2_token_url",
	[AK_OAUTH2_DEVICE_URL] = "oauth2_device_url",
	[AK_OAUTH2_CLIENT_ID] = "oauth2_client_id",
	[AK_OAUTH2_CLIENT_SECRET_CMD] = "oauth2_client_secret_cmd",
	[AK_OAUTH2_REFRESH_TOKEN_CMD] = "oauth2_refresh_token_cmd",
	[AK_OAUTH2_SCOPE] = "oauth2_scope",
	[AK_OAUTH2_STORE_CMD] = "oauth2_store_cmd",
	[AK_SMTP] = "smtp",
	[AK_SMTP_USER] = "smtp_user",
	[AK_FROM] = "from",
	[AK_REPLY_TO] = "reply_to",
	[AK_SIGNATURE] = "signature",
	[AK_SENT] = "sent",
	[AK_DRAFTS] = "drafts",
};

/* What oauth2_provider = NAME fills in. */
static const struct {
	const char *name, *token_url, *device_url, *scope;
} oauth2_providers[] = {
	[OAUTH2_GOOGLE] = { "google", "https://oauth2.googleapis.com/token",
	    "https://oauth2.googleapis.com/device/code",
	    "https://mail.google.com/" },
	[OAUTH2_MICROSOFT] = { "microsoft",
	    "https://login.microsoftonline.com/common/oauth2/v2.0/token",
	    "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
	    "https://outlook.office.com/IMAP.AccessAsUser.All "
	    "https://outlook.office.com/POP.AccessAsUser.All "
	    "https://outlook.office.com/SMTP.Send offline_access" },
};

static const char *sort_names[] = {
	[SORT_DATE] = "date", [SORT_THREADS] = "threads", [SORT_FROM] = "from",
	[SORT_SUBJECT] = "subject", [SORT_SIZE] = "size"
};

/* Record the first error, at LINE of the file. */
static void
config_error(struct config_parse *p, int line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (p->err != NULL)
		return;
	strbuf_addf(&sb, "%s:%d: ", p->name, line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	p->err = strbuf_detach(&sb, NULL);
	p->err_line = line;
}

/* Character classes, in ASCII whatever the locale says. */
static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_control(int c)
{
	return c < 0x20 || c == 0x7f;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Trim blanks at both ends of the LEN bytes at S; return the new length. */
static size_t
trim(const char **s, size_t len)
{
	while (len > 0 && is_blank((unsigned char)**s)) {
		(*s)++;
		len--;
	}
	while (len > 0 && is_blank((unsigned char)(*s)[len - 1]))
		len--;
	return len;
}

/*
 * The inih reader: hand over the next line of p->text, cleaned as the
 * comment at the top of this file says. Returns NULL at the end or once an
 * error has been recorded.
 */
static char *
config_reader(char *str, int num, void *arg)
{
	struct config_parse *p = arg;
	const char *line, *end, *c, *eq;
	size_t len, i, namelen, vlen;
	char *val;

	if (p->stopped || p->err != NULL || p->text[p->pos] == '\0') {
		p->stopped = 1;
		return NULL;
	}
	line = p->text + p->pos;
	end = strchr(line, '\n');
	if (end == NULL)
		end = line + strlen(line);
	p->pos = (size_t)(end - p->text) + (*end == '\n');
	p->lineno++;

	len = (size_t)(end - line);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (p->lineno == 1 && len >= 3 &&
	    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	for (i = 0; i < len; i++) {
		if (is_control((unsigned char)line[i]) && line[i] != '\t') {
			config_error(p, p->lineno,
			    _("control character in the line"));
			p->stopped = 1;
			return NULL;
		}
	}

	/* Comments: a whole line, or ";" after a blank. */
	len = trim(&line, len);
	if (len > 0 && (line[0] == ';' || line[0] == '#'))
		len = 0;
	for (c = line; c < line + len; c++) {
		if (*c == ';' && c > line && is_blank((unsigned char)c[-1])) {
			len = (size_t)(c - line);
			break;
		}
	}
	len = trim(&line, len);

	if (len > 0 && line[0] == '[') {
		c = memchr(line, ']', len);
		if (c != NULL) {
			char *sec = xstrndup(line + 1, (size_t)(c - line - 1));

			config_section_begin(p, sec, p->lineno);
			free(sec);
			if (p->err != NULL) {
				p->stopped = 1;
				return NULL;
			}
		}
	}

	if (num < 3)
		return NULL;
	if (len + 2 <= (size_t)num) {
		memcpy(str, line, len);
		str[len] = '\n';
		str[len + 1] = '\0';
		return str;
	}

	/* Too long for inih's buffer: pass the value by reference. */
	eq = NULL;
	for (c = line; c < line + len; c++) {
		if (*c == '=' || *c == ':') {
			eq = c;
			break;
		}
	}
	namelen = eq != NULL ? (size_t)(eq - line) : len;
	if (eq == NULL || namelen + 24 > (size_t)num) {
		config_error(p, p->lineno, _("the line is too long"));
		p->stopped = 1;
		return NULL;
	}
	c = eq + 1;
	vlen = trim(&c, len - (size_t)(c - line));
	val = xstrndup(c, vlen);
	p->longv = xreallocarray(p->longv, p->nlongv + 1, sizeof *p->longv);
	p->longv[p->nlongv] = val;
	snprintf(str, (size_t)num, "%.*s=%c%zu\n", (int)namelen, line,
	    CONFIG_LONG_VALUE, p->nlongv);
	p->nlongv++;
	return str;
}

static struct account_config *
config_account_new(const char *name, int line)
{
	struct account_config *ac = xcalloc(1, sizeof *ac);

	ac->name = xstrdup(name);
	ac->cache = DEFAULT_CACHE;
	ac->pop3_interval = DEFAULT_POP3_INTERVAL;
	ac->pop3_max_size = DEFAULT_POP3_MAX_SIZE;
	ac->pop3_delete_with_local = 1;
	ac->status_interval = 120;
	ac->mass_delete_percent = 50;
	ac->mass_delete_min = 50;
	ac->prefetch = 50;
	ac->connections = 2;
	ac->timeout = DEFAULT_TIMEOUT;
	ac->line = line;
	return ac;
}

static void
config_account_free(struct account_config *ac)
{
	if (ac == NULL)
		return;
	free(ac->name);
	free(ac->host);
	free(ac->user);
	free(ac->password_cmd);
	xfree_secret(ac->password);
	free(ac->tls_ca_file);
	free(ac->folder);
	free(ac->oauth2_token_cmd);
	free(ac->oauth2_token_url);
	free(ac->oauth2_device_url);
	free(ac->oauth2_client_id);
	free(ac->oauth2_client_secret_cmd);
	free(ac->oauth2_refresh_token_cmd);
	free(ac->oauth2_scope);
	free(ac->oauth2_store_cmd);
	free(ac->smtp_host);
	free(ac->smtp_user);
	free(ac->from);
	free(ac->from_addr);
	free(ac->reply_to);
	free(ac->signature);
	free(ac->sent_folder);
	free(ac->drafts);
	free(ac);
}

static struct config *
config_new(void)
{
	struct config *cfg = xcalloc(1, sizeof *cfg);

	cfg->ui.sort = DEFAULT_SORT;
	cfg->ui.sort_reverse = 0;
	cfg->ui.delete_mode = DELETE_FLAG;
	cfg->ui.expunge = EXPUNGE_ASK;
	cfg->ui.quit = QUIT_ASK_YES;
	cfg->ui.bell = 0;
	cfg->ui.pager_lines = DEFAULT_PAGER_LINES;
	cfg->ui.thread_subject = 1;
	return cfg;
}

static void
config_add_account(struct config *cfg, struct account_config *ac)
{
	cfg->accounts = xreallocarray(cfg->accounts, cfg->naccounts + 1,
	    sizeof *cfg->accounts);
	cfg->accounts[cfg->naccounts++] = ac;
}

/* Start the section named NAME (the text between the brackets) at LINE. */
static void
config_section_begin(struct config_parse *p, const char *name, int line)
{
	const char *s = name, *rest;
	size_t len, wlen;
	struct account_config *old;
	char *acname;

	config_account_end(p);
	if (p->err != NULL)
		return;

	len = trim(&s, strlen(s));
	for (wlen = 0; wlen < len && !is_blank((unsigned char)s[wlen]); wlen++)
		;
	rest = s + wlen;
	if (wlen == 2 && strncmp(s, "ui", 2) == 0 && wlen == len) {
		if (p->ui_line != 0) {
			config_error(p, line,
			    _("section \"%s\" appears twice (first on line "
			    "%d)"),
			    "ui", p->ui_line);
			return;
		}
		p->ui_line = line;
		p->sec = SEC_UI;
		return;
	}
	if (wlen == len && (strcmp(s, "keys") == 0 ||
	    strcmp(s, "colors") == 0 || strcmp(s, "colours") == 0)) {
		int *seen_line = s[0] == 'k' ? &p->keys_line :
		    &p->colors_line;

		if (*seen_line != 0) {
			config_error(p, line,
			    _("section \"%s\" appears twice (first on line "
			    "%d)"), s, *seen_line);
			return;
		}
		*seen_line = line;
		p->sec = s[0] == 'k' ? SEC_KEYS : SEC_COLORS;
		return;
	}
	if (wlen != 7 || strncmp(s, "account", 7) != 0) {
		config_error(p, line, _("unknown section \"%.*s\""), (int)len,
		    s);
		return;
	}
	len = trim(&rest, len - wlen);
	if (len == 0) {
		config_error(p, line, _("section \"account\" has no name"));
		return;
	}
	acname = xstrndup(rest, len);
	old = config_find_account(p->cfg, acname);
	if (old != NULL) {
		config_error(p, line,
		    _("duplicate account \"%s\" (first on line %d)"), acname,
		    old->line);
		free(acname);
		return;
	}
	p->acct = config_account_new(acname, line);
	free(acname);
	config_add_account(p->cfg, p->acct);
	memset(p->acct_seen, 0, sizeof p->acct_seen);
	p->acct_tls_on = 1;
	p->acct_implicit = 0;
	p->sec = SEC_ACCOUNT;
}

/*
 * The OAuth 2.0 keys of the account being read, checked together: any of
 * them (or auth = xoauth2 | oauthbearer) makes it an OAuth account, which
 * has no password and needs a token command or a token endpoint and
 * client id (its provider's endpoint if it names one). Returns -1 on an
 * error recorded.
 */
static int
config_account_oauth2(struct config_parse *p, const int *seen)
{
	struct account_config *ac = p->acct;
	int k, first = 0;

	for (k = AK_OAUTH2_PROVIDER; k <= AK_OAUTH2_STORE_CMD; k++)
		if (seen[k] && (first == 0 || seen[k] < first))
			first = seen[k];
	if (first == 0 && ac->auth != AUTH_XOAUTH2 &&
	    ac->auth != AUTH_OAUTHBEARER)
		return 0;
	if (first == 0) {
		config_error(p, seen[AK_AUTH], _("key \"auth\": \"%s\" needs "
		    "\"oauth2_token_cmd\", or \"oauth2_provider\" or "
		    "\"oauth2_token_url\" with \"oauth2_client_id\""),
		    ac->auth == AUTH_XOAUTH2 ? "xoauth2" : "oauthbearer");
		return -1;
	}
	if (ac->auth != AUTH_AUTO && ac->auth != AUTH_XOAUTH2 &&
	    ac->auth != AUTH_OAUTHBEARER) {
		config_error(p, seen[AK_AUTH], _("key \"auth\": a password "
		    "mechanism conflicts with the OAuth 2.0 keys (line %d)"),
		    first);
		return -1;
	}
	if (seen[AK_PASSWORD] || seen[AK_PASSWORD_CMD]) {
		k = seen[AK_PASSWORD] ? AK_PASSWORD : AK_PASSWORD_CMD;
		config_error(p, seen[k], _("key \"%s\": conflicts with the "
		    "OAuth 2.0 keys (line %d): an OAuth account has no "
		    "password"), account_key_names[k], first);
		return -1;
	}
	if (seen[AK_OAUTH2_TOKEN_CMD] && seen[AK_OAUTH2_REFRESH_TOKEN_CMD]) {
		config_error(p, seen[AK_OAUTH2_REFRESH_TOKEN_CMD],
		    _("key \"oauth2_refresh_token_cmd\": conflicts with "
		    "\"oauth2_token_cmd\" (line %d): keep one"),
		    seen[AK_OAUTH2_TOKEN_CMD]);
		return -1;
	}
	if (ac->oauth2_provider != OAUTH2_NONE) {
		if (ac->oauth2_token_url == NULL)
			ac->oauth2_token_url = xstrdup(
			    oauth2_providers[ac->oauth2_provider].token_url);
		if (ac->oauth2_device_url == NULL)
			ac->oauth2_device_url = xstrdup(
			    oauth2_providers[ac->oauth2_provider].device_url);
		if (ac->oauth2_scope == NULL)
			ac->oauth2_scope = xstrdup(
			    oauth2_providers[ac->oauth2_provider].scope);
	}
	if (ac->oauth2_token_cmd == NULL && (ac->oauth2_token_url == NULL ||
	    ac->oauth2_client_id == NULL)) {
		config_error(p, first, _("account \"%s\": OAuth 2.0 needs "
		    "\"oauth2_token_cmd\", or \"oauth2_client_id\" with "
		    "\"oauth2_provider\" or \"oauth2_token_url\""), ac->name);
		return -1;
	}
	ac->oauth2 = 1;
	return 0;
}

/* Check the account being read for what needs all its keys. */
static void
config_account_end(struct config_parse *p)
{
	struct account_config *ac = p->acct;
	const int *seen = p->acct_seen;

	if (ac == NULL)
		goto out;
	if (p->err != NULL)
		goto out;

	if (!seen[AK_IMAP] && !seen[AK_POP3]) {
		config_error(p, ac->line,
		    _("account \"%s\": missing key \"imap\" or \"pop3\""),
		    ac->name);
		goto out;
	}
	if (p->acct_user_key != NULL && p->acct_url_user != NULL &&
	    strcmp(p->acct_user_key, p->acct_url_user) != 0) {
		config_error(p, seen[AK_USER],
		    _("key \"user\": \"%s\" differs from the user \"%s\" of "
		    "the URL"), p->acct_user_key, p->acct_url_user);
		goto out;
	}
	if (p->acct_user_key != NULL)
		ac->user = xstrdup(p->acct_user_key);
	else if (p->acct_url_user != NULL)
		ac->user = xstrdup(p->acct_url_user);
	else {
		config_error(p, ac->line,
		    _("account \"%s\": missing key \"user\""), ac->name);
		goto out;
	}
	if (seen[AK_PASSWORD] && seen[AK_PASSWORD_CMD]) {
		config_error(p, seen[AK_PASSWORD],
		    _("key \"password\": conflicts with \"password_cmd\" "
		    "(line %d): keep one"), seen[AK_PASSWORD_CMD]);
		goto out;
	}
	if (seen[AK_TLS] && !p->acct_tls_on) {
		if (p->acct_implicit) {
			config_error(p, seen[AK_TLS],
			    _("key \"tls\": \"off\" conflicts with the "
			    "implicit TLS of \"%s\""), p->acct_url);
			goto out;
		}
		ac->tls = TLS_OFF;
	}
	if (config_account_oauth2(p, seen) != 0)
		goto out;
	if (ac->proto != PROTO_POP3 && ac->auth == AUTH_APOP) {
		config_error(p, seen[AK_AUTH],
		    _("key \"auth\": \"apop\" is for POP3 accounts"));
		goto out;
	}
	if (ac->smtp_host != NULL) {
		if (seen[AK_TLS] && !p->acct_tls_on &&
		    ac->smtp_tls == TLS_STARTTLS)
			ac->smtp_tls = TLS_OFF;
		if (ac->from == NULL) {
			config_error(p, seen[AK_SMTP], _("key \"smtp\": "
			    "account \"%s\" has no \"from\" (the address "
			    "its mail is sent from)"), ac->name);
			goto out;
		}
	} else if (seen[AK_SMTP_USER]) {
		config_error(p, seen[AK_SMTP_USER], _("key \"smtp_user\": "
		    "account \"%s\" has no \"smtp\" server"), ac->name);
		goto out;
	}
	if (ac->proto != PROTO_POP3) {
		static const int pop3_keys[] = {
			AK_POP3_DELETE, AK_POP3_KEEP_DAYS, AK_POP3_INTERVAL,
			AK_POP3_MAX_SIZE, AK_POP3_DELETE_WITH_LOCAL
		};
		size_t i;

		for (i = 0; i < sizeof pop3_keys / sizeof pop3_keys[0]; i++) {
			int k = pop3_keys[i];

			if (!seen[k])
				continue;
			config_error(p, seen[k],
			    _("key \"%s\": only a POP3 account takes it"),
			    account_key_names[k]);
			goto out;
		}
	}

out:
	free(p->acct_url);
	free(p->acct_url_user);
	free(p->acct_user_key);
	p->acct_url = p->acct_url_user = p->acct_user_key = NULL;
	p->acct = NULL;
}

/* Parse a boolean; returns 0 or 1, or -1 if VALUE is none. */
static int
parse_bool(const char *value)
{
	static const char *yes[] = { "yes", "on", "true", "1" };
	static const char *no[] = { "no", "off", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(value, yes[i]) == 0)
			return 1;
		if (strcasecmp(value, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Parse yes/no into *B (left alone on error); an error names KEY at LINE. */
static int
parse_yes_no(struct config_parse *p, int line, const char *key,
    const char *value, int *b)
{
	int v;

	if ((v = parse_bool(value)) == -1) {
		config_error(p, line, _("key \"%s\": \"%s\" is not yes or no"),
		    key, value);
		return -1;
	}
	*b = v;
	return 0;
}

/* Parse a non-negative number into *N; an error names KEY at LINE. */
static int
parse_number(struct config_parse *p, int line, const char *key,
    const char *value, int *n)
{
	const char *s;
	long v = 0;

	for (s = value; *s != '\0'; s++) {
		if (!is_digit((unsigned char)*s)) {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not a non-negative "
			    "number"),
			    key, value);
			return -1;
		}
		v = v * 10 + (*s - '0');
		if (v > CONFIG_MAX_NUMBER) {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is too large (at most %d)"),
			    key, value, CONFIG_MAX_NUMBER);
			return -1;
		}
	}
	*n = (int)v;
	return 0;
}

/*
 * Parse a number followed by an optional unit: one of the letters of
 * UNITS (either case), worth FACTORS[1 + its index]; a bare number counts
 * FACTORS[0] each. The result goes into *N; an error names KEY and says
 * that VALUE is not WANT.
 */
static int
parse_with_unit(struct config_parse *p, int line, const char *key,
    const char *value, const char *units, const long long *factors,
    const char *want, long long *n)
{
	const char *s, *u;
	long long v = 0;
	int digits = 0, c;

	for (s = value; is_digit((unsigned char)*s); s++, digits++) {
		v = v * 10 + (*s - '0');
		if (v > CONFIG_MAX_NUMBER) {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is too large (at most %d)"),
			    key, value, CONFIG_MAX_NUMBER);
			return -1;
		}
	}
	if (digits > 0 && *s == '\0') {
		*n = v * factors[0];
		return 0;
	}
	c = (unsigned char)*s;
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if (digits > 0 && c != '\0' && s[1] == '\0' &&
	    (u = strchr(units, c)) != NULL) {
		*n = v * factors[u - units + 1];
		return 0;
	}
	config_error(p, line, _("key \"%s\": \"%s\" is not %s"), key,
	    value, want);
	return -1;
}

/*
 * Parse a SHA-256 fingerprint: an optional "sha256:" and 32 bytes in hex,
 * with or without a colon between bytes. Returns 0 or -1.
 */
static int
parse_fingerprint(const char *value, unsigned char out[32])
{
	const char *s = value;
	size_t n = 0;
	int hi, lo;

	if (strncasecmp(s, "sha256:", 7) == 0)
		s += 7;
	while (*s != '\0') {
		if (n == 32)
			return -1;
		hi = util_hex_digit((unsigned char)s[0]);
		lo = hi < 0 ? -1 : util_hex_digit((unsigned char)s[1]);
		if (lo < 0)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
		if (*s == ':') {
			s++;
			if (*s == '\0')
				return -1;
		}
	}
	return n == 32 ? 0 : -1;
}

/*
 * "headers = From To Cc Date Subject": the header fields the pager shows,
 * separated by spaces or commas; each a field name of RFC 5322.
 */
static int
config_headers(struct config_parse *p, int line, const char *key,
    const char *value)
{
	struct ui_config *ui = &p->cfg->ui;
	char *copy, *tok, *save = NULL;
	const char *c;
	size_t n = 0;

	copy = xstrdup(value);
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,\t", &save)) {
		for (c = tok; *c != '\0'; c++)
			if (*c <= ' ' || *c >= 0x7f || *c == ':')
				break;
		if (*c != '\0') {
			config_error(p, line, _("key \"%s\": \"%s\" is not a "
			    "header field name"), key, tok);
			free(copy);
			return -1;
		}
		ui->headers = xreallocarray(ui->headers, n + 2,
		    sizeof *ui->headers);
		ui->headers[n++] = xstrdup(tok);
		ui->headers[n] = NULL;
	}
	free(copy);
	if (n == 0) {
		config_error(p, line, _("key \"%s\" names no header field"),
		    key);
		return -1;
	}
	return 0;
}

static int
config_ui_key(struct config_parse *p, int k, const char *key,
    const char *value, int line)
{
	struct ui_config *ui = &p->cfg->ui;
	const char *s = value;
	size_t i;

	switch (k) {
	case UK_SORT:
		ui->sort_reverse = 0;
		if (strncasecmp(s, "reverse-", 8) == 0) {
			ui->sort_reverse = 1;
			s += 8;
		}
		for (i = 0; i < sizeof sort_names / sizeof sort_names[0]; i++) {
			if (strcasecmp(s, sort_names[i]) == 0) {
				ui->sort = (enum sort_kind)i;
				return 0;
			}
		}
		config_error(p, line,
		    _("key \"%s\": \"%s\" is not one of date, threads, from, "
		    "subject, size (optionally after \"reverse-\")"),
		    key, value);
		return -1;
	case UK_PAGER_LINES:
		return parse_number(p, line, key, value, &ui->pager_lines);
	case UK_DELETE:
		if (strcasecmp(value, "flag") == 0)
			ui->delete_mode = DELETE_FLAG;
		else if (strcasecmp(value, "trash") == 0)
			ui->delete_mode = DELETE_TRASH;
		else {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not flag or trash"), key,
			    value);
			return -1;
		}
		return 0;
	case UK_EXPUNGE:
		if (strcasecmp(value, "ask") == 0)
			ui->expunge = EXPUNGE_ASK;
		else if (parse_bool(value) == 1)
			ui->expunge = EXPUNGE_YES;
		else if (parse_bool(value) == 0)
			ui->expunge = EXPUNGE_NO;
		else {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not one of ask, yes, no"),
			    key, value);
			return -1;
		}
		return 0;
	case UK_BELL:
		return parse_yes_no(p, line, key, value, &ui->bell);
	case UK_INDEX_FORMAT: {
		char *ferr = NULL;

		if (format_check(value, &ferr) != 0) {
			config_error(p, line, _("key \"%s\": %s"), key, ferr);
			free(ferr);
			return -1;
		}
		ui->index_format = xstrdup(value);
		return 0;
	}
	case UK_THREAD_SUBJECT:
		return parse_yes_no(p, line, key, value, &ui->thread_subject);
	case UK_HEADERS:
		return config_headers(p, line, key, value);
	case UK_PREFER_HTML:
		return parse_yes_no(p, line, key, value, &ui->prefer_html);
	case UK_EDITOR:
		free(ui->editor);
		ui->editor = xstrdup(value);
		return 0;
	case UK_ATTRIBUTION:
		for (s = value; *s != '\0'; s++) {
			if (*s != '%')
				continue;
			if (s[1] == '\0' || strchr("dnas%", s[1]) == NULL) {
				config_error(p, line, _("key \"%s\": \"%%%.1s\" "
				    "in \"%s\" is not one of %%d (the date), "
				    "%%n (the name), %%a (the address), %%s (the "
				    "subject), %%%%"), key, s + 1, value);
				return -1;
			}
			s++;
		}
		free(ui->attribution);
		ui->attribution = xstrdup(value);
		return 0;
	case UK_FORWARD:
		if (strcasecmp(value, "inline") == 0)
			ui->forward = FORWARD_INLINE;
		else if (strcasecmp(value, "attach") == 0)
			ui->forward = FORWARD_ATTACH;
		else {
			config_error(p, line, _("key \"%s\": \"%s\" is not "
			    "inline or attach"), key, value);
			return -1;
		}
		return 0;
	case UK_TEXT_FLOWED:
		return parse_yes_no(p, line, key, value, &ui->text_flowed);
	case UK_QUIT:
		if (strcasecmp(value, "ask-yes") == 0)
			ui->quit = QUIT_ASK_YES;
		else if (strcasecmp(value, "ask-no") == 0)
			ui->quit = QUIT_ASK_NO;
		else if (parse_bool(value) == 1)
			ui->quit = QUIT_YES;
		else if (parse_bool(value) == 0)
			ui->quit = QUIT_NO;
		else {
			config_error(p, line, _("key \"%s\": \"%s\" is not one "
			    "of ask-yes, ask-no, yes, no"), key, value);
			return -1;
		}
		return 0;
	}
	return -1;
}

/*
 * A "bind = MODES KEY ACTION" line of [keys]: MODES is index, pager,
 * folders, help, attach, preview or all, or several joined by commas (the
 * mutt names browser and attachment are accepted). The key and the action
 * are kept as written for the front end to check.
 */
static int
config_bind_line(struct config_parse *p, const char *value, int line)
{
	static const struct {
		const char *name;
		unsigned int mask;
	} panes[] = {
		{ "index", CONFIG_PANE_INDEX },
		{ "pager", CONFIG_PANE_PAGER },
		{ "folders", CONFIG_PANE_FOLDERS },
		{ "help", CONFIG_MODE_HELP },
		{ "attach", CONFIG_MODE_ATTACH },
		{ "preview", CONFIG_MODE_PREVIEW },
		{ "compose", CONFIG_MODE_COMPOSE },
		{ "all", CONFIG_PANE_ALL },
		/* mutt's names for the same menus. */
		{ "browser", CONFIG_PANE_FOLDERS },
		{ "attachment", CONFIG_MODE_ATTACH },
		{ "generic", CONFIG_PANE_ALL },
	};
	struct config_bind *b;
	const char *w[4], *s = value, *c, *e;
	size_t wl[4], i, n = 0;
	unsigned int mask = 0;

	while (*s != '\0' && n < 4) {
		while (is_blank((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		w[n] = s;
		while (*s != '\0' && !is_blank((unsigned char)*s))
			s++;
		wl[n] = (size_t)(s - w[n]);
		n++;
	}
	if (n != 3) {
		config_error(p, line, _("key \"bind\": \"%s\" is not "
		    "\"PANE KEY ACTION\" (e.g. \"index d delete-message\")"),
		    value);
		return -1;
	}
	for (c = w[0]; c < w[0] + wl[0]; c = e + 1) {
		e = memchr(c, ',', (size_t)(w[0] + wl[0] - c));
		if (e == NULL)
			e = w[0] + wl[0];
		for (i = 0; i < sizeof panes / sizeof panes[0]; i++) {
			if (strlen(panes[i].name) == (size_t)(e - c) &&
			    strncmp(panes[i].name, c, (size_t)(e - c)) == 0)
				break;
		}
		if (i == sizeof panes / sizeof panes[0]) {
			config_error(p, line, _("key \"bind\": unknown pane "
			    "\"%.*s\" (index, pager, folders, help, attach, preview "
			    "or all)"),
			    (int)(e - c), c);
			return -1;
		}
		mask |= panes[i].mask;
	}
	p->cfg->binds = xreallocarray(p->cfg->binds, p->cfg->nbinds + 1,
	    sizeof *p->cfg->binds);
	b = &p->cfg->binds[p->cfg->nbinds++];
	b->panes = mask;
	b->key = xstrndup(w[1], wl[1]);
	b->action = xstrndup(w[2], wl[2]);
	b->line = line;
	return 0;
}

/* A colour word: a name, "colorN" / "colourN", or a number 0-255. */
static int
parse_color_word(const char *w, size_t len, int *c)
{
	static const char *names[] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan",
		"white"
	};
	size_t i, skip = 0;
	int v = 0;

	if (len == 7 && strncasecmp(w, "default", 7) == 0) {
		*c = CONFIG_COLOR_DEFAULT;
		return 0;
	}
	if (len > 6 && strncasecmp(w, "bright", 6) == 0)
		skip = 6;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i]) == len - skip &&
		    strncasecmp(w + skip, names[i], len - skip) == 0) {
			*c = (int)i + (skip > 0 ? 8 : 0);
			return 0;
		}
	}
	if (skip == 0 && len == 4 && (strncasecmp(w, "grey", 4) == 0 ||
	    strncasecmp(w, "gray", 4) == 0)) {
		*c = 8;
		return 0;
	}
	if (len > 6 && strncasecmp(w, "colour", 6) == 0)
		skip = 6;
	else if (len > 5 && strncasecmp(w, "color", 5) == 0)
		skip = 5;
	if (skip == len)
		return -1;
	for (i = skip; i < len; i++) {
		if (!is_digit((unsigned char)w[i]) || (v = v * 10 +
		    (w[i] - '0')) > 255)
			return -1;
	}
	*c = v;
	return 0;
}

/* "FG [BG] [ATTR...]" of the [colors] element E. */
static int
config_color_key(struct config_parse *p, int e, const char *value, int line)
{
	static const struct {
		const char *name;
		unsigned int attr;
	} attrs[] = {
		{ "bold", CONFIG_ATTR_BOLD },
		{ "dim", CONFIG_ATTR_DIM },
		{ "underline", CONFIG_ATTR_UNDERLINE },
		{ "reverse", CONFIG_ATTR_REVERSE },
		{ "italic", CONFIG_ATTR_ITALIC },
		{ "blink", CONFIG_ATTR_BLINK },
		{ "standout", CONFIG_ATTR_STANDOUT },
		{ "normal", 0 },
		{ "none", 0 },
	};
	struct config_color col;
	const char *s = value, *w;
	size_t len, i;
	int ncolors = 0, c;

	memset(&col, 0, sizeof col);
	col.fg = col.bg = CONFIG_COLOR_DEFAULT;
	while (*s != '\0') {
		while (is_blank((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		w = s;
		while (*s != '\0' && !is_blank((unsigned char)*s))
			s++;
		len = (size_t)(s - w);
		for (i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
			if (strlen(attrs[i].name) == len &&
			    strncasecmp(w, attrs[i].name, len) == 0)
				break;
		}
		if (i < sizeof attrs / sizeof attrs[0]) {
			col.attrs |= attrs[i].attr;
			continue;
		}
		if (parse_color_word(w, len, &c) != 0) {
			config_error(p, line, _("key \"%s\": \"%.*s\" is not a "
			    "colour (a name such as red or brightblue, "
			    "default, or a number 0-255) or an attribute "
			    "(bold, dim, underline, reverse, italic, blink, "
			    "standout, none)"), config_color_names[e], (int)len,
			    w);
			return -1;
		}
		if (ncolors == 2) {
			config_error(p, line, _("key \"%s\": \"%s\" names more "
			    "than two colours (foreground, background)"),
			    config_color_names[e], value);
			return -1;
		}
		if (ncolors++ == 0)
			col.fg = c;
		else
			col.bg = c;
	}
	col.set = 1;
	col.line = line;
	p->cfg->colors[e] = col;
	return 0;
}

/* Take the SMTP server URL VALUE of key KEY ("smtp"). */
static int
config_account_smtp(struct config_parse *p, const char *key,
    const char *value, int line)
{
	struct account_config *ac = p->acct;
	struct url_parts u;
	char *uerr = NULL;

	if (url_parse(value, 1, &u, &uerr) == -1) {
		config_error(p, line, _("key \"%s\": %s"), key, uerr);
		free(uerr);
		return -1;
	}
	ac->smtp_host = u.host;
	ac->smtp_port = u.port;
	ac->smtp_tls = u.tls;
	u.host = NULL;
	url_parts_release(&u);
	return 0;
}

/*
 * PATH with a leading "~/" made $HOME's (else the password database's
 * home); NULL when the result is not an absolute path. free() it.
 */
static char *
config_expand_home(const char *path)
{
	const char *home;
	struct passwd *pw;

	if (path[0] == '/')
		return xstrdup(path);
	if (path[0] != '~' || path[1] != '/')
		return NULL;
	home = getenv("HOME");
	if (home == NULL || home[0] != '/') {
		pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
			return NULL;
		home = pw->pw_dir;
	}
	return xasprintf("%s%s", home, path + 1);
}

/* Take the server URL VALUE of key K ("imap" or "pop3"). */
static int
config_account_url(struct config_parse *p, int k, const char *key,
    const char *value, int line)
{
	struct account_config *ac = p->acct;
	struct url_parts u;
	char *uerr = NULL;
	int other = k == AK_IMAP ? AK_POP3 : AK_IMAP;
	enum account_proto want = k == AK_IMAP ? PROTO_IMAP : PROTO_POP3;

	if (p->acct_seen[other]) {
		config_error(p, line,
		    _("key \"%s\": account \"%s\" already has a server "
		    "(\"%s\" on line %d)"), key, ac->name,
		    account_key_names[other], p->acct_seen[other]);
		return -1;
	}
	if (url_parse(value, 0, &u, &uerr) == -1) {
		config_error(p, line, _("key \"%s\": %s"), key, uerr);
		free(uerr);
		return -1;
	}
	if (u.proto != want) {
		if (want == PROTO_IMAP)
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not an IMAP URL"), key,
			    value);
		else
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not a POP3 URL"), key,
			    value);
		url_parts_release(&u);
		return -1;
	}
	ac->proto = u.proto;
	ac->tls = u.tls;
	ac->port = u.port;
	ac->host = u.host;
	ac->folder = u.folder;
	p->acct_url_user = u.user;
	p->acct_url = xstrdup(value);
	p->acct_implicit = u.tls == TLS_IMPLICIT;
	return 0;
}

static int
config_account_key(struct config_parse *p, int k, const char *key,
    const char *value, int line)
{
	struct account_config *ac = p->acct;
	int b;

	switch (k) {
	case AK_IMAP:
	case AK_POP3:
		return config_account_url(p, k, key, value, line);
	case AK_USER:
		p->acct_user_key = xstrdup(value);
		return 0;
	case AK_PASSWORD_CMD:
		ac->password_cmd = xstrdup(value);
		return 0;
	case AK_TLS_CA_FILE:
		ac->tls_ca_file = xstrdup(value);
		return 0;
	case AK_TLS_FINGERPRINT:
		if (parse_fingerprint(value, ac->fingerprint) == -1) {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not a SHA-256 fingerprint "
			    "(32 bytes in hex, as sha256:9F:86:...)"), key,
			    value);
			return -1;
		}
		ac->has_fingerprint = 1;
		return 0;
	case AK_TLS:
		if ((b = parse_bool(value)) == -1) {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not on or off"), key,
			    value);
			return -1;
		}
		p->acct_tls_on = b;
		return 0;
	case AK_CACHE:
		if (strcasecmp(value, "headers") == 0)
			ac->cache = CACHE_HEADERS;
		else if (strcasecmp(value, "bodies") == 0)
			ac->cache = CACHE_BODIES;
		else if (strcasecmp(value, "off") == 0)
			ac->cache = CACHE_OFF;
		else {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not one of headers, "
			    "bodies, off"), key, value);
			return -1;
		}
		return 0;
	case AK_POP3_DELETE:
		return parse_yes_no(p, line, key, value, &ac->pop3_delete);
	case AK_POP3_KEEP_DAYS:
		return parse_number(p, line, key, value, &ac->pop3_keep_days);
	case AK_POP3_INTERVAL: {
		static const long long f[] = { 1, 1, 60, 3600 };
		long long v;

		if (parse_with_unit(p, line, key, value, "smh", f,
		    _("a duration (seconds, or a number and s, m or h)"),
		    &v) == -1)
			return -1;
		if (v > 7 * 24 * 3600) {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is too long (at most a "
			    "week)"), key, value);
			return -1;
		}
		ac->pop3_interval = (int)v;
		return 0;
	}
	case AK_POP3_MAX_SIZE: {
		static const long long f[] = { 1, 1024, 1024 * 1024,
		    1024 * 1024 * 1024 };

		return parse_with_unit(p, line, key, value, "kmg", f,
		    _("a size (bytes, or a number and K, M or G)"),
		    &ac->pop3_max_size);
	}
	case AK_POP3_DELETE_WITH_LOCAL:
		return parse_yes_no(p, line, key, value, &ac->pop3_delete_with_local);
	case AK_STATUS_INTERVAL:
		return parse_number(p, line, key, value, &ac->status_interval);
	case AK_MASS_DELETE_PERCENT:
		if (parse_number(p, line, key, value,
		    &ac->mass_delete_percent) != 0)
			return -1;
		if (ac->mass_delete_percent > 100) {
			config_error(p, line, _("key \"%s\": \"%s\" is not a "
			    "percentage (0 to 100)"), key, value);
			return -1;
		}
		return 0;
	case AK_MASS_DELETE_MIN:
		return parse_number(p, line, key, value, &ac->mass_delete_min);
	case AK_PREFETCH:
		return parse_number(p, line, key, value, &ac->prefetch);
	case AK_CONNECTIONS:
		if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0) {
			config_error(p, line, _("key \"%s\": \"%s\" is not 1 "
			    "or 2"), key, value);
			return -1;
		}
		ac->connections = value[0] - '0';
		return 0;
	case AK_PASSWORD:
		/* config_load() checks who else may read the file. */
		ac->password = xstrdup(value);
		return 0;
	case AK_TIMEOUT:
		if (parse_number(p, line, key, value, &ac->timeout) != 0)
			return -1;
		if (ac->timeout < 1 || ac->timeout > 3600) {
			config_error(p, line, _("key \"%s\": \"%s\" is not a "
			    "number of seconds from 1 to 3600"), key, value);
			return -1;
		}
		return 0;
	case AK_AUTH:
		if (strcasecmp(value, "auto") == 0)
			ac->auth = AUTH_AUTO;
		else if (strcasecmp(value, "plain") == 0)
			ac->auth = AUTH_PLAIN;
		else if (strcasecmp(value, "login") == 0)
			ac->auth = AUTH_LOGIN;
		else if (strcasecmp(value, "apop") == 0)
			ac->auth = AUTH_APOP;
		else if (strcasecmp(value, "xoauth2") == 0)
			ac->auth = AUTH_XOAUTH2;
		else if (strcasecmp(value, "oauthbearer") == 0)
			ac->auth = AUTH_OAUTHBEARER;
		else {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not one of auto, plain, "
			    "login, apop, xoauth2, oauthbearer"), key, value);
			return -1;
		}
		return 0;
	case AK_OAUTH2_PROVIDER:
		for (b = OAUTH2_GOOGLE; b <= OAUTH2_MICROSOFT; b++)
			if (strcasecmp(value, oauth2_providers[b].name) == 0)
				ac->oauth2_provider = (enum oauth2_provider)b;
		if (ac->oauth2_provider == OAUTH2_NONE) {
			config_error(p, line,
			    _("key \"%s\": \"%s\" is not one of google, "
			    "microsoft"), key, value);
			return -1;
		}
		return 0;
	case AK_OAUTH2_TOKEN_CMD:
		ac->oauth2_token_cmd = xstrdup(value);
		return 0;
	case AK_OAUTH2_TOKEN_URL:
	case AK_OAUTH2_DEVICE_URL:
		/* Tokens cross it: HTTPS only (the tests too use HTTPS). */
		if (strncasecmp(value, "https://", 8) != 0) {
			config_error(p, line, _("key \"%s\": \"%s\" is not an "
			    "https:// URL"), key, value);
			return -1;
		}
		if (k == AK_OAUTH2_TOKEN_URL)
			ac->oauth2_token_url = xstrdup(value);
		else
			ac->oauth2_device_url = xstrdup(value);
		return 0;
	case AK_OAUTH2_CLIENT_ID:
		ac->oauth2_client_id = xstrdup(value);
		return 0;
	case AK_OAUTH2_CLIENT_SECRET_CMD:
		ac->oauth2_client_secret_cmd = xstrdup(value);
		return 0;
	case AK_OAUTH2_REFRESH_TOKEN_CMD:
		ac->oauth2_refresh_token_cmd = xstrdup(value);
		return 0;
	case AK_OAUTH2_SCOPE:
		ac->oauth2_scope = xstrdup(value);
		return 0;
	case AK_OAUTH2_STORE_CMD:
		ac->oauth2_store_cmd = xstrdup(value);
		return 0;
	case AK_SMTP:
		return config_account_smtp(p, key, value, line);
	case AK_SMTP_USER:
		ac->smtp_user = xstrdup(value);
		return 0;
	case AK_FROM:
	case AK_REPLY_TO: {
		char *addr;

		if (smtpparse_mailbox(value, &addr) != 0) {
			config_error(p, line, _("key \"%s\": \"%s\" is not one "
			    "address (\"Name <addr@example.org>\" or "
			    "\"addr@example.org\"; a name with a comma in "
			    "double quotes)"), key, value);
			return -1;
		}
		if (k == AK_FROM) {
			ac->from = xstrdup(value);
			ac->from_addr = addr;
		} else {
			ac->reply_to = xstrdup(value);
			free(addr);
		}
		return 0;
	}
	case AK_SIGNATURE:
		if ((ac->signature = config_expand_home(value)) == NULL) {
			config_error(p, line, _("key \"%s\": \"%s\" is not an "
			    "absolute path (from / or ~/)"), key, value);
			return -1;
		}
		return 0;
	case AK_SENT:
		if (strcasecmp(value, "auto") == 0)
			ac->sent = SENT_AUTO;
		else if (strcasecmp(value, "none") == 0)
			ac->sent = SENT_NONE;
		else {
			ac->sent = SENT_FOLDER;
			ac->sent_folder = xstrdup(value);
		}
		return 0;
	case AK_DRAFTS:
		ac->drafts = xstrdup(value);
		return 0;
	}
	return -1;
}

/* Find NAME in the NKEYS names of NAMES; -1 if absent. */
static int
key_index(const char *const *names, int nkeys, const char *name)
{
	int i;

	for (i = 0; i < nkeys; i++) {
		if (strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

/* The inih handler: one "key = value" of the current section. */
static int
config_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct config_parse *p = arg;
	int line = p->lineno, k;
	int *seen;
	const char *const *names;
	size_t idx;
	char *end;

	if (p->err != NULL)
		return 1;
	/* Builds that call at each new section, or allow a bare name. */
	if (name == NULL)
		return 1;
	if (value == NULL)
		return 0;
	if (value[0] == CONFIG_LONG_VALUE) {
		idx = (size_t)strtoul(value + 1, &end, 10);
		if (*end != '\0' || idx >= p->nlongv)
			return 0;
		value = p->longv[idx];
	}

	switch (p->sec) {
	case SEC_NONE:
		config_error(p, line, _("key \"%s\" outside a section"), name);
		return 1;
	case SEC_UI:
		names = ui_key_names;
		k = key_index(names, UK_COUNT, name);
		seen = p->ui_seen;
		break;
	case SEC_KEYS:
		/* "bind" is the one key, and it may come again and again. */
		if (strcmp(name, "bind") != 0)
			config_error(p, line, _("unknown key \"%s\" (the "
			    "[keys] section holds \"bind\" lines)"), name);
		else if (*value == '\0')
			config_error(p, line, _("key \"%s\" has no value"),
			    name);
		else
			config_bind_line(p, value, line);
		return 1;
	case SEC_COLORS:
		names = config_color_names;
		k = key_index(names, COLOR_COUNT, name);
		seen = p->colors_seen;
		break;
	case SEC_ACCOUNT:
	default:
		names = account_key_names;
		k = key_index(names, AK_COUNT, name);
		seen = p->acct_seen;
		break;
	}
	if (k == -1) {
		config_error(p, line, _("unknown key \"%s\""), name);
		return 1;
	}
	if (seen[k] != 0) {
		config_error(p, line,
		    _("key \"%s\" is set twice (first on line %d)"), name,
		    seen[k]);
		return 1;
	}
	if (*value == '\0') {
		config_error(p, line, _("key \"%s\" has no value"), name);
		return 1;
	}
	if (p->sec == SEC_UI)
		config_ui_key(p, k, names[k], value, line);
	else if (p->sec == SEC_COLORS)
		config_color_key(p, k, value, line);
	else
		config_account_key(p, k, names[k], value, line);
	seen[k] = line;
	(void)section;
	return 1;
}

static int
config_parse_text(const char *text, const char *name, struct config **cfg_r,
    char **err)
{
	struct config_parse p;
	int r, ret = -1;

	memset(&p, 0, sizeof p);
	p.name = name;
	p.text = text;
	p.cfg = config_new();
	p.cfg->name = xstrdup(name);

	r = ini_parse_stream(config_reader, &p, config_handler, &p);
	if (r == -2)
		config_error(&p, p.lineno, _("out of memory"));
	config_account_end(&p);
	if (r > 0 && (p.err == NULL || r < p.err_line)) {
		free(p.err);
		p.err = NULL;
		config_error(&p, r,
		    _("syntax error (expected \"key = value\" or "
		    "\"[section]\")"));
	}
	if (p.err != NULL) {
		*err = p.err;
		p.err = NULL;
		goto out;
	}
	*cfg_r = p.cfg;
	p.cfg = NULL;
	ret = 0;

out:
	util_strv_free(p.longv, p.nlongv);
	config_free(p.cfg);
	return ret;
}

/*
 * A config holding a password must be the owner's alone: refuse CFG, read
 * from FD (the file PATH), when group or others may read it.
 */
static int
config_check_private(const struct config *cfg, int fd, const char *path,
    char **err)
{
	struct stat st;
	size_t i;

	for (i = 0; i < cfg->naccounts; i++)
		if (cfg->accounts[i]->password != NULL)
			break;
	if (i == cfg->naccounts)
		return 0;
	if (fstat(fd, &st) != 0) {
		*err = xasprintf(_("cannot check who may read \"%s\": %s"),
		    path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & (S_IRGRP | S_IROTH)) == 0)
		return 0;
	*err = xasprintf(_("\"%s\" holds a password (account \"%s\") and "
	    "others may read it: chmod 600 %s"), path, cfg->accounts[i]->name,
	    path);
	return -1;
}

int
config_load(const char *path, struct config **cfg_r, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	FILE *f;
	size_t n;
	int ret = -1;

	if ((f = fopen(path, "r")) == NULL) {
		*err = xasprintf(_("cannot read \"%s\": %s"), path,
		    strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		strbuf_add(&sb, buf, n);
		if (sb.len > CONFIG_MAX_SIZE) {
			*err = xasprintf(_("\"%s\" is too large (more than "
			    "%d bytes)"), path, CONFIG_MAX_SIZE);
			goto out;
		}
	}
	if (ferror(f)) {
		*err = xasprintf(_("cannot read \"%s\": %s"), path,
		    strerror(errno));
		goto out;
	}
	if (strlen(sb.buf) != sb.len) {
		*err = xasprintf(_("\"%s\" holds a NUL byte"), path);
		goto out;
	}
	if (config_parse_text(sb.buf, path, cfg_r, err) == -1)
		goto out;
	if (config_check_private(*cfg_r, fileno(f), path, err) == -1) {
		config_free(*cfg_r);
		*cfg_r = NULL;
		goto out;
	}
	(*cfg_r)->path = xstrdup(path);
	ret = 0;

out:
	fclose(f);
	/* The text may hold a password. */
	xzero(buf, sizeof buf);
	if (sb.alloc != 0)
		xzero(sb.buf, sb.alloc);
	strbuf_release(&sb);
	return ret;
}

int
config_load_string(const char *text, const char *name, struct config **cfg_r,
    char **err)
{
	return config_parse_text(text, name, cfg_r, err);
}

/*
 * Percent-decode the LEN bytes at S into a new string in *OUT. Refuses a
 * bad escape and any control character. Returns 0 or -1.
 */
static int
url_decode(const char *s, size_t len, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int c, hi, lo;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len)
				goto bad;
			hi = util_hex_digit((unsigned char)s[i + 1]);
			lo = hi < 0 ? -1 : util_hex_digit((unsigned char)s[i + 2]);
			if (lo < 0)
				goto bad;
			c = hi << 4 | lo;
			i += 2;
		}
		if (is_control(c))
			goto bad;
		strbuf_addch(&sb, c);
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;

bad:
	strbuf_release(&sb);
	return -1;
}

static void
url_parts_release(struct url_parts *u)
{
	free(u->user);
	free(u->host);
	free(u->folder);
	memset(u, 0, sizeof *u);
}

static int
host_char_ok(int c, int bracketed)
{
	if (is_alnum(c) || c == '-' || c == '.' || c == '_')
		return 1;
	return bracketed && (c == ':' || c == '%');
}

/*
 * Take URL apart: scheme://[user@]host[:port][/folder]; with SMTP, an
 * smtps:// or smtp:// URL, which has neither user nor folder (its proto
 * is left PROTO_IMAP). On error returns -1 with the reason in *ERR
 * (without a file position).
 */
static int
url_parse(const char *url, int smtp, struct url_parts *u, char **err)
{
	static const struct {
		const char *scheme;
		enum account_proto proto;
		enum tls_mode tls;
		int port;
		int smtp;
	} schemes[] = {
		{ "imaps", PROTO_IMAP, TLS_IMPLICIT, 993, 0 },
		{ "imap", PROTO_IMAP, TLS_STARTTLS, 143, 0 },
		{ "pop3s", PROTO_POP3, TLS_IMPLICIT, 995, 0 },
		{ "pop3", PROTO_POP3, TLS_STARTTLS, 110, 0 },
		{ "smtps", PROTO_IMAP, TLS_IMPLICIT, 465, 1 },
		{ "smtp", PROTO_IMAP, TLS_STARTTLS, 587, 1 },
	};
	const char *sep, *auth, *auth_end, *at, *host, *host_end, *c, *path;
	size_t i, slen, hlen;
	long port;

	memset(u, 0, sizeof *u);
	sep = strstr(url, "://");
	if (sep == NULL) {
		if (smtp)
			*err = xasprintf(_("\"%s\" is not a URL (expected "
			    "smtps://host or smtp://host)"), url);
		else
			*err = xasprintf(_("\"%s\" is not a URL (expected "
			    "imaps://host, imap://host, pop3s://host or "
			    "pop3://host)"), url);
		return -1;
	}
	slen = (size_t)(sep - url);
	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		if (schemes[i].smtp == smtp &&
		    strlen(schemes[i].scheme) == slen &&
		    strncasecmp(url, schemes[i].scheme, slen) == 0)
			break;
	}
	if (i == sizeof schemes / sizeof schemes[0]) {
		if (smtp)
			*err = xasprintf(_("unknown scheme \"%.*s\" in "
			    "\"%s\" (expected smtps or smtp)"), (int)slen,
			    url, url);
		else
			*err = xasprintf(_("unknown scheme \"%.*s\" in "
			    "\"%s\" (expected imaps, imap, pop3s or pop3)"),
			    (int)slen, url, url);
		return -1;
	}
	u->proto = schemes[i].proto;
	u->tls = schemes[i].tls;
	u->port = schemes[i].port;

	auth = sep + 3;
	auth_end = auth + strcspn(auth, "/");
	path = *auth_end == '/' ? auth_end + 1 : NULL;

	/* The user ends at the last "@": user names often hold one. */
	at = NULL;
	for (c = auth; c < auth_end; c++) {
		if (*c == '@')
			at = c;
	}
	host = auth;
	if (at != NULL) {
		if (memchr(auth, ':', (size_t)(at - auth)) != NULL) {
			*err = xstrdup(_("a password does not belong in the "
			    "URL"));
			goto fail;
		}
		if (smtp) {
			*err = xasprintf(_("\"%s\": the user goes in "
			    "\"smtp_user\", not in the URL"), url);
			goto fail;
		}
		if (at == auth) {
			*err = xasprintf(_("empty user name in \"%s\""), url);
			goto fail;
		}
		if (url_decode(auth, (size_t)(at - auth), &u->user) == -1) {
			*err = xasprintf(_("bad user name in \"%s\""), url);
			goto fail;
		}
		host = at + 1;
	}

	if (*host == '[') {
		host++;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (host_end == NULL) {
			*err = xasprintf(_("unclosed \"[\" in \"%s\""), url);
			goto fail;
		}
		c = host_end + 1;
		hlen = (size_t)(host_end - host);
		for (i = 0; i < hlen; i++) {
			if (!host_char_ok((unsigned char)host[i], 1))
				break;
		}
		if (hlen == 0 || i != hlen || memchr(host, ':', hlen) == NULL) {
			*err = xasprintf(_("bad IPv6 address in \"%s\""), url);
			goto fail;
		}
	} else {
		host_end = host;
		while (host_end < auth_end && *host_end != ':')
			host_end++;
		c = host_end;
		hlen = (size_t)(host_end - host);
		for (i = 0; i < hlen; i++) {
			if (!host_char_ok((unsigned char)host[i], 0))
				break;
		}
		if (i != hlen) {
			*err = xasprintf(_("bad host name in \"%s\""), url);
			goto fail;
		}
	}
	if (hlen == 0) {
		*err = xasprintf(_("missing host in \"%s\""), url);
		goto fail;
	}
	u->host = xstrndup(host, hlen);

	if (c < auth_end) {
		if (*c != ':' || c + 1 == auth_end)
			goto bad_port;
		port = 0;
		for (c++; c < auth_end; c++) {
			if (!is_digit((unsigned char)*c))
				goto bad_port;
			port = port * 10 + (*c - '0');
			if (port > 65535)
				goto bad_port;
		}
		if (port == 0)
			goto bad_port;
		u->port = (int)port;
	}

	if (path != NULL && *path != '\0') {
		if (smtp) {
			*err = xasprintf(_("an SMTP URL has no path: \"%s\""),
			    url);
			goto fail;
		}
		if (u->proto == PROTO_POP3) {
			*err = xasprintf(_("a POP3 URL has no folder: \"%s\""),
			    url);
			goto fail;
		}
		if (url_decode(path, strlen(path), &u->folder) == -1) {
			*err = xasprintf(_("bad folder name in \"%s\""), url);
			goto fail;
		}
	}
	return 0;

bad_port:
	*err = xasprintf(_("bad port in \"%s\""), url);
fail:
	url_parts_release(u);
	return -1;
}

int
config_from_url(const char *url, struct config **cfg_r, char **err)
{
	struct url_parts u;
	struct account_config *ac;
	struct config *cfg;

	if (url_parse(url, 0, &u, err) == -1)
		return -1;
	cfg = config_new();
	ac = config_account_new(u.host, 0);
	ac->proto = u.proto;
	ac->tls = u.tls;
	ac->port = u.port;
	ac->host = u.host;
	ac->user = u.user;
	ac->folder = u.folder;
	config_add_account(cfg, ac);
	*cfg_r = cfg;
	return 0;
}

char *
config_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;

	/* The XDG spec says a relative path is to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/tern/config", xdg);
	if (home == NULL || home[0] == '\0') {
		pw = getpwuid(getuid());
		if (pw == NULL || pw->pw_dir == NULL)
			return NULL;
		home = pw->pw_dir;
	}
	return xasprintf("%s/.config/tern/config", home);
}

struct account_config *
config_find_account(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i]->name, name) == 0)
			return cfg->accounts[i];
	}
	return NULL;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++)
		config_account_free(cfg->accounts[i]);
	free(cfg->accounts);
	for (i = 0; i < cfg->nbinds; i++) {
		free(cfg->binds[i].key);
		free(cfg->binds[i].action);
	}
	free(cfg->binds);
	free(cfg->ui.index_format);
	free(cfg->ui.editor);
	free(cfg->ui.attribution);
	if (cfg->ui.headers != NULL) {
		char **h;

		for (h = cfg->ui.headers; *h != NULL; h++)
			free(*h);
		free(cfg->ui.headers);
	}
	free(cfg->path);
	free(cfg->name);
	free(cfg);
}
