/*
 * Unit tests for src/config.c: the DESIGN.md example, one row per error
 * (checking the exact FILE:LINE and key of the message), and one row per
 * mailbox URL form.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "testutil.h"
#include "xmalloc.h"

/* The example of DESIGN.md's "Config file", with the pin written out. */
static const char design_example[] =
    "[ui]\n"
    "sort = threads            ; date | threads | from | subject | size\n"
    "pager_lines = 12          ; index lines kept above the pager\n"
    "\n"
    "[account work]\n"
    "imap = imaps://mail.example.com        ; or imap://host (STARTTLS), "
    "pop3s://, pop3://\n"
    "user = me@example.com\n"
    "password_cmd = pass show mail/work\n"
    "tls_ca_file = /etc/ssl/private-ca.pem  ; optional extra trust anchor\n"
    "tls_fingerprint = sha256:9F:86:D0:81:88:4C:7D:65:9A:2F:EA:A0:C5:5A:D0:"
    "15:A3:BF:4F:1B:2B:0B:82:2C:D1:5D:6C:15:B0:F0:0A:08    ; optional pin\n"
    "tls = on                               ; off allows plain text, loudly\n"
    "cache = bodies                         ; headers | bodies | off\n"
    "\n"
    "[account home]\n"
    "pop3 = pop3s://pop.example.net\n"
    "user = me\n"
    "pop3_delete = no                       ; yes: download-and-delete\n"
    "pop3_keep_days = 14                    ; keep mode: delete on server "
    "after N days\n"
    "auth = apop\n";

/* SHA-256("test"), the pin of the example. */
static const unsigned char test_sha256[32] = {
	0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65, 0x9a, 0x2f, 0xea,
	0xa0, 0xc5, 0x5a, 0xd0, 0x15, 0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b,
	0x82, 0x2c, 0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0, 0x0a, 0x08
};

START_TEST(test_design_example)
{
	struct config *cfg = NULL;
	struct account_config *w, *h;
	char *err = NULL;

	ck_assert_msg(config_load_string(design_example, "config", &cfg,
	    &err) == 0, "error: %s", err);
	ck_assert_int_eq(cfg->ui.sort, SORT_THREADS);
	ck_assert_int_eq(cfg->ui.sort_reverse, 0);
	ck_assert_int_eq(cfg->ui.pager_lines, 12);
	ck_assert_uint_eq(cfg->naccounts, 2);
	ck_assert_ptr_null(cfg->path);

	w = config_find_account(cfg, "work");
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_eq(w, cfg->accounts[0]);
	ck_assert_int_eq(w->proto, PROTO_IMAP);
	ck_assert_str_eq(w->host, "mail.example.com");
	ck_assert_int_eq(w->port, 993);
	ck_assert_int_eq(w->tls, TLS_IMPLICIT);
	ck_assert_str_eq(w->user, "me@example.com");
	ck_assert_str_eq(w->password_cmd, "pass show mail/work");
	ck_assert_str_eq(w->tls_ca_file, "/etc/ssl/private-ca.pem");
	ck_assert_int_eq(w->has_fingerprint, 1);
	ck_assert_mem_eq(w->fingerprint, test_sha256, 32);
	ck_assert_int_eq(w->cache, CACHE_BODIES);
	ck_assert_ptr_null(w->folder);
	ck_assert_int_eq(w->line, 5);

	h = config_find_account(cfg, "home");
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->proto, PROTO_POP3);
	ck_assert_str_eq(h->host, "pop.example.net");
	ck_assert_int_eq(h->port, 995);
	ck_assert_int_eq(h->tls, TLS_IMPLICIT);
	ck_assert_str_eq(h->user, "me");
	ck_assert_ptr_null(h->password_cmd);
	ck_assert_ptr_null(h->tls_ca_file);
	ck_assert_int_eq(h->has_fingerprint, 0);
	ck_assert_int_eq(h->cache, CACHE_HEADERS);
	ck_assert_int_eq(h->auth, AUTH_APOP);
	ck_assert_int_eq(w->auth, AUTH_AUTO);
	ck_assert_int_eq(h->pop3_delete, 0);
	ck_assert_int_eq(h->pop3_keep_days, 14);
	ck_assert_int_eq(h->line, 14);

	ck_assert_ptr_null(config_find_account(cfg, "nope"));
	config_free(cfg);
}
END_TEST

/* signature: "~/" is the home directory. */
START_TEST(test_signature_home)
{
	static const char text[] = "[account a]\nimap = imaps://h\nuser = u\n"
	    "signature = ~/.signature\n";
	struct config *cfg = NULL;
	char *err = NULL, *old = getenv("HOME") != NULL ?
	    xstrdup(getenv("HOME")) : NULL;

	setenv("HOME", "/home/tester", 1);
	ck_assert_msg(config_load_string(text, "config", &cfg, &err) == 0,
	    "error: %s", err);
	ck_assert_str_eq(cfg->accounts[0]->signature,
	    "/home/tester/.signature");
	config_free(cfg);
	if (old != NULL)
		setenv("HOME", old, 1);
	else
		unsetenv("HOME");
	free(old);
}
END_TEST

/* oauth2_provider fills in what the file leaves out, and no more. */
START_TEST(test_oauth2_provider)
{
	static const char text[] =
	    "[account g]\nimap = imaps://imap.gmail.com\nuser = me\n"
	    "oauth2_provider = google\noauth2_client_id = id-1\n"
	    "oauth2_refresh_token_cmd = pass show r\n"
	    "[account m]\npop3 = pop3s://outlook.office365.com\nuser = me\n"
	    "auth = xoauth2\noauth2_provider = microsoft\n"
	    "oauth2_client_id = id-2\noauth2_scope = custom\n"
	    "[account t]\nimap = imaps://h\nuser = me\n"
	    "oauth2_token_cmd = get-token\n"
	    "[account p]\nimap = imaps://h\nuser = me\n";
	struct config *cfg = NULL;
	struct account_config *g, *m, *t, *p;
	char *err = NULL;

	ck_assert_msg(config_load_string(text, "config", &cfg, &err) == 0,
	    "error: %s", err);
	g = config_find_account(cfg, "g");
	m = config_find_account(cfg, "m");
	t = config_find_account(cfg, "t");
	p = config_find_account(cfg, "p");
	ck_assert(ACCOUNT_OAUTH2(g) && ACCOUNT_OAUTH2(m) && ACCOUNT_OAUTH2(t));
	ck_assert(!ACCOUNT_OAUTH2(p));
	ck_assert_int_eq(g->auth, AUTH_AUTO);
	ck_assert_int_eq(g->oauth2_provider, OAUTH2_GOOGLE);
	ck_assert_str_eq(g->oauth2_token_url,
	    "https://oauth2.googleapis.com/token");
	ck_assert_str_eq(g->oauth2_device_url,
	    "https://oauth2.googleapis.com/device/code");
	ck_assert_str_eq(g->oauth2_scope, "https://mail.google.com/");
	ck_assert_str_eq(g->oauth2_client_id, "id-1");
	ck_assert_str_eq(g->oauth2_refresh_token_cmd, "pass show r");
	ck_assert_int_eq(m->auth, AUTH_XOAUTH2);
	ck_assert_str_eq(m->oauth2_scope, "custom");
	ck_assert_ptr_nonnull(strstr(m->oauth2_token_url,
	    "login.microsoftonline.com"));
	ck_assert_str_eq(t->oauth2_token_cmd, "get-token");
	ck_assert_ptr_null(t->oauth2_token_url);
	config_free(cfg);
}
END_TEST

/* Files that parse, and one value each to check. */
struct ok_row {
	const char *text;
	const char *what;	/* which field to check */
	long want;
	const char *want_str;
};

static long
ok_field(const struct config *cfg, const char *what, const char **s)
{
	const struct account_config *a = cfg->naccounts > 0 ?
	    cfg->accounts[0] : NULL;

	*s = NULL;
	if (strcmp(what, "sort") == 0)
		return cfg->ui.sort;
	if (strcmp(what, "sort_reverse") == 0)
		return cfg->ui.sort_reverse;
	if (strcmp(what, "pager_lines") == 0)
		return cfg->ui.pager_lines;
	if (strcmp(what, "delete") == 0)
		return cfg->ui.delete_mode;
	if (strcmp(what, "expunge") == 0)
		return cfg->ui.expunge;
	if (strcmp(what, "bell") == 0)
		return cfg->ui.bell;
	if (strcmp(what, "quit") == 0)
		return cfg->ui.quit;
	if (strcmp(what, "forward") == 0)
		return cfg->ui.forward;
	if (strcmp(what, "text_flowed") == 0)
		return cfg->ui.text_flowed;
	if (strcmp(what, "editor") == 0) {
		*s = cfg->ui.editor;
		return 0;
	}
	if (strcmp(what, "attribution") == 0) {
		*s = cfg->ui.attribution;
		return 0;
	}
	if (strcmp(what, "bind_modes") == 0)
		return cfg->nbinds > 0 ? (long)cfg->binds[0].panes : -1;
	if (strcmp(what, "naccounts") == 0)
		return (long)cfg->naccounts;
	if (a == NULL)
		return -999;
	if (strcmp(what, "tls") == 0)
		return a->tls;
	if (strcmp(what, "port") == 0)
		return a->port;
	if (strcmp(what, "cache") == 0)
		return a->cache;
	if (strcmp(what, "pop3_delete") == 0)
		return a->pop3_delete;
	if (strcmp(what, "connections") == 0)
		return a->connections;
	if (strcmp(what, "pop3_interval") == 0)
		return a->pop3_interval;
	if (strcmp(what, "pop3_max_size") == 0)
		return (long)a->pop3_max_size;
	if (strcmp(what, "pop3_delete_with_local") == 0)
		return a->pop3_delete_with_local;
	if (strcmp(what, "smtp_port") == 0)
		return a->smtp_port;
	if (strcmp(what, "smtp_tls") == 0)
		return a->smtp_tls;
	if (strcmp(what, "sent") == 0)
		return a->sent;
	if (strcmp(what, "fingerprint0") == 0)
		return a->has_fingerprint ? a->fingerprint[0] : -1;
	if (strcmp(what, "fingerprint31") == 0)
		return a->has_fingerprint ? a->fingerprint[31] : -1;
	if (strcmp(what, "user") == 0)
		*s = a->user;
	else if (strcmp(what, "host") == 0)
		*s = a->host;
	else if (strcmp(what, "folder") == 0)
		*s = a->folder;
	else if (strcmp(what, "password_cmd") == 0)
		*s = a->password_cmd;
	else if (strcmp(what, "name") == 0)
		*s = a->name;
	else if (strcmp(what, "smtp_host") == 0)
		*s = a->smtp_host;
	else if (strcmp(what, "smtp_user") == 0)
		*s = a->smtp_user;
	else if (strcmp(what, "from") == 0)
		*s = a->from;
	else if (strcmp(what, "from_addr") == 0)
		*s = a->from_addr;
	else if (strcmp(what, "reply_to") == 0)
		*s = a->reply_to;
	else if (strcmp(what, "signature") == 0)
		*s = a->signature;
	else if (strcmp(what, "sent_folder") == 0)
		*s = a->sent_folder;
	else if (strcmp(what, "drafts") == 0)
		*s = a->drafts;
	return 0;
}

#define ACC "[account a]\nimap = imaps://h\nuser = u\n"
#define FP64 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define LONGCMD \
    "echo 0123456789012345678901234567890123456789012345678901234567890123" \
    "456789012345678901234567890123456789012345678901234567890123456789" \
    "0123456789012345678901234567890123456789012345678901234567890123456" \
    "789012345678901234567890123456789012345678901234567890123456789"

static const struct ok_row ok_rows[] = {
	{ "", "naccounts", 0, NULL },
	{ "", "sort", SORT_DATE, NULL },
	{ "", "pager_lines", 0, NULL },
	{ "[ui]\nsort = reverse-date\n", "sort", SORT_DATE, NULL },
	{ "[ui]\nsort = reverse-date\n", "sort_reverse", 1, NULL },
	{ "[ui]\nsort = from\n", "sort", SORT_FROM, NULL },
	{ "[ui]\nsort = subject\n", "sort", SORT_SUBJECT, NULL },
	{ "[ui]\nsort = Size\n", "sort", SORT_SIZE, NULL },
	{ "[ui]\npager_lines = 0\n", "pager_lines", 0, NULL },
	{ "", "delete", DELETE_FLAG, NULL },
	{ "[ui]\ndelete = trash\n", "delete", DELETE_TRASH, NULL },
	{ "[ui]\ndelete = Flag\n", "delete", DELETE_FLAG, NULL },
	{ "", "expunge", EXPUNGE_ASK, NULL },
	{ "[ui]\nexpunge = yes\n", "expunge", EXPUNGE_YES, NULL },
	{ "[ui]\nexpunge = no\n", "expunge", EXPUNGE_NO, NULL },
	{ "[ui]\nexpunge = ASK\n", "expunge", EXPUNGE_ASK, NULL },
	{ "", "quit", QUIT_ASK_YES, NULL },
	{ "[ui]\nquit = yes\n", "quit", QUIT_YES, NULL },
	{ "[ui]\nquit = no\n", "quit", QUIT_NO, NULL },
	{ "[ui]\nquit = Ask-No\n", "quit", QUIT_ASK_NO, NULL },
	{ "[keys]\nbind = attach s save-attachment\n", "bind_modes",
	  CONFIG_MODE_ATTACH, NULL },
	{ "[keys]\nbind = help,preview,browser x exit\n", "bind_modes",
	  CONFIG_MODE_HELP | CONFIG_MODE_PREVIEW | CONFIG_PANE_FOLDERS, NULL },
	{ "", "bell", 0, NULL },
	{ "[ui]\nbell = yes\n", "bell", 1, NULL },
	{ "[ui]\nbell = off\n", "bell", 0, NULL },
	{ "[account a]\nimap = imap://h\nuser = u\n", "tls", TLS_STARTTLS,
	  NULL },
	{ "[account a]\nimap = imap://h\nuser = u\ntls = off\n", "tls",
	  TLS_OFF, NULL },
	{ "[account a]\ntls = no\npop3 = pop3://h\nuser = u\n", "tls",
	  TLS_OFF, NULL },
	{ "[account a]\nimap = imap://h\nuser = u\ntls = yes\n", "tls",
	  TLS_STARTTLS, NULL },
	{ "[account a]\nimap = imap://h\nuser = u\n", "port", 143, NULL },
	{ "[account a]\npop3 = pop3://h\nuser = u\n", "port", 110, NULL },
	{ "[account a]\npop3 = pop3://h:1100\nuser = u\n", "port", 1100,
	  NULL },
	{ ACC "cache = off\n", "cache", CACHE_OFF, NULL },
	{ ACC "cache = headers\n", "cache", CACHE_HEADERS, NULL },
	{ "[account a]\npop3 = pop3s://h\nuser = u\npop3_delete = true\n",
	  "pop3_delete", 1, NULL },
	{ "[account a]\npop3 = pop3s://h\nuser = u\npop3_delete = 1\n",
	  "pop3_delete", 1, NULL },
	{ "[account a]\npop3 = pop3s://h\nuser = u\npop3_delete = off\n",
	  "pop3_delete", 0, NULL },
#define POP "[account a]\npop3 = pop3s://h\nuser = u\n"
	{ POP, "pop3_interval", 300, NULL },
	{ POP "pop3_interval = 90\n", "pop3_interval", 90, NULL },
	{ POP "pop3_interval = 45s\n", "pop3_interval", 45, NULL },
	{ POP "pop3_interval = 10m\n", "pop3_interval", 600, NULL },
	{ POP "pop3_interval = 2H\n", "pop3_interval", 7200, NULL },
	{ POP "pop3_interval = 0\n", "pop3_interval", 0, NULL },
	{ POP, "pop3_max_size", 50L * 1024 * 1024, NULL },
	{ POP "pop3_max_size = 1000\n", "pop3_max_size", 1000, NULL },
	{ POP "pop3_max_size = 20k\n", "pop3_max_size", 20480, NULL },
	{ POP "pop3_max_size = 5M\n", "pop3_max_size", 5L * 1024 * 1024,
	  NULL },
	{ POP "pop3_max_size = 1g\n", "pop3_max_size", 1024L * 1024 * 1024,
	  NULL },
	{ POP "pop3_max_size = 0\n", "pop3_max_size", 0, NULL },
	{ POP, "pop3_delete_with_local", 1, NULL },
	{ POP "pop3_delete_with_local = no\n", "pop3_delete_with_local", 0,
	  NULL },
	/* A second connection for background work, unless told not to. */
	{ ACC, "connections", 2, NULL },
	{ ACC "connections = 1\n", "connections", 1, NULL },
	{ ACC "connections = 2\n", "connections", 2, NULL },
	{ ACC "tls_fingerprint = " FP64 "\n", "fingerprint0", 0x9f, NULL },
	{ ACC "tls_fingerprint = " FP64 "\n", "fingerprint31", 0x08, NULL },
	{ ACC "tls_fingerprint = SHA256:" FP64 "\n", "fingerprint31", 0x08,
	  NULL },
	/* Sending. */
#define FROM "from = Me <me@example.org>\n"
	{ ACC FROM "smtp = smtps://smtp.example.org\n", "smtp_host", 0,
	  "smtp.example.org" },
	{ ACC FROM "smtp = smtps://smtp.example.org\n", "smtp_port", 465,
	  NULL },
	{ ACC FROM "smtp = smtps://smtp.example.org\n", "smtp_tls",
	  TLS_IMPLICIT, NULL },
	{ ACC FROM "smtp = smtp://smtp.example.org\n", "smtp_port", 587,
	  NULL },
	{ ACC FROM "smtp = SMTP://smtp.example.org:2525\n", "smtp_port",
	  2525, NULL },
	{ ACC FROM "smtp = smtp://smtp.example.org\n", "smtp_tls",
	  TLS_STARTTLS, NULL },
	{ ACC FROM "smtp = smtp://[::1]:25\n", "smtp_host", 0, "::1" },
	{ "[account a]\nimap = imap://h\nuser = u\ntls = off\n" FROM
	  "smtp = smtp://s\n", "smtp_tls", TLS_OFF, NULL },
	{ "[account a]\nimap = imap://h\nuser = u\ntls = off\n" FROM
	  "smtp = smtps://s\n", "smtp_tls", TLS_IMPLICIT, NULL },
	{ ACC, "smtp_host", 0, NULL },
	{ ACC FROM "smtp = smtps://s\nsmtp_user = me@example.org\n",
	  "smtp_user", 0, "me@example.org" },
	{ ACC FROM, "from", 0, "Me <me@example.org>" },
	{ ACC FROM, "from_addr", 0, "me@example.org" },
	{ ACC "from = me@example.org\n", "from_addr", 0, "me@example.org" },
	{ ACC "from = \"Doe, Jane\" <j@example.org>\n", "from_addr", 0,
	  "j@example.org" },
	{ ACC "from = Jörg <jörg@example.org>\n", "from_addr", 0,
	  "jörg@example.org" },
	{ ACC "reply_to = Lists <lists@example.org>\n", "reply_to", 0,
	  "Lists <lists@example.org>" },
	{ ACC "signature = /home/me/.signature\n", "signature", 0,
	  "/home/me/.signature" },
	{ ACC, "sent", SENT_AUTO, NULL },
	{ ACC "sent = none\n", "sent", SENT_NONE, NULL },
	{ ACC "sent = AUTO\n", "sent", SENT_AUTO, NULL },
	{ ACC "sent = Sent Items\n", "sent", SENT_FOLDER, NULL },
	{ ACC "sent = Sent Items\n", "sent_folder", 0, "Sent Items" },
	{ ACC "drafts = Entwürfe\n", "drafts", 0, "Entwürfe" },
	{ "", "forward", FORWARD_INLINE, NULL },
	{ "[ui]\nforward = attach\n", "forward", FORWARD_ATTACH, NULL },
	{ "[ui]\nforward = Inline\n", "forward", FORWARD_INLINE, NULL },
	{ "", "text_flowed", 0, NULL },
	{ "[ui]\ntext_flowed = yes\n", "text_flowed", 1, NULL },
	{ "", "editor", 0, NULL },
	{ "[ui]\neditor = vim +'set tw=72' %s\n", "editor", 0,
	  "vim +'set tw=72' %s" },
	{ "", "attribution", 0, NULL },
	{ "[ui]\nattribution = Am %d schrieb %n (%a) zu %s, 100%%:\n",
	  "attribution", 0, "Am %d schrieb %n (%a) zu %s, 100%%:" },
	/* The user comes from the URL, or from both when they agree. */
	{ "[account a]\nimap = imaps://me%40x.org@h/\n", "user", 0,
	  "me@x.org" },
	{ "[account a]\nimap = imaps://me@x.org@h\n", "user", 0, "me@x.org" },
	{ "[account a]\nimap = imaps://u@h\nuser = u\n", "user", 0, "u" },
	{ "[account a]\nimap = imaps://h/Lists/tern\nuser = u\n", "folder", 0,
	  "Lists/tern" },
	/* Syntax: comments, blanks, CRLF, a BOM, indented lines. */
	{ "; comment\n# comment\n\n" ACC, "naccounts", 1, NULL },
	{ "[account a]\r\nimap = imaps://h\r\nuser = u ; who\r\n", "user", 0,
	  "u" },
	{ "\xef\xbb\xbf[account a]\nimap = imaps://h\nuser = u\n", "user", 0,
	  "u" },
	{ "[account a]\n  imap = imaps://h\n\tuser = u\n", "user", 0, "u" },
	{ "[ account  a b ]\nimap = imaps://h\nuser = u\n", "name", 0, "a b" },
	{ "[account a]\nimap=imaps://h\nuser:u\n", "user", 0, "u" },
	{ ACC "password_cmd = pass show a;b\n", "password_cmd", 0,
	  "pass show a;b" },
	{ ACC "password_cmd = pass show a ; comment\n", "password_cmd", 0,
	  "pass show a" },
	/* A line longer than inih's line buffer. */
	{ ACC "password_cmd = " LONGCMD "   ; comment\n", "password_cmd", 0,
	  LONGCMD },
	{ ACC "password_cmd = " LONGCMD "\n[account b]\npop3 = pop3s://h2\n"
	  "user = v\n", "naccounts", 2, NULL },
};

START_TEST(test_ok_rows)
{
	const struct ok_row *row = &ok_rows[_i];
	struct config *cfg = NULL;
	char *err = NULL;
	const char *s;
	long v;

	ck_assert_msg(config_load_string(row->text, "config", &cfg, &err) == 0,
	    "row %d: unexpected error: %s", _i, err);
	v = ok_field(cfg, row->what, &s);
	if (row->want_str != NULL) {
		ck_assert_msg(s != NULL && strcmp(s, row->want_str) == 0,
		    "row %d: %s is \"%s\", want \"%s\"", _i, row->what,
		    s != NULL ? s : "(null)", row->want_str);
	} else {
		ck_assert_msg(v == row->want, "row %d: %s is %ld, want %ld",
		    _i, row->what, v, row->want);
	}
	config_free(cfg);
}
END_TEST

struct err_row {
	const char *text;
	const char *want;	/* the whole message */
};

static const struct err_row err_rows[] = {
	{ ACC "colour = red\n",
	  "config:4: unknown key \"colour\"" },
	{ "[ui]\npager_lines = many\n",
	  "config:2: key \"pager_lines\": \"many\" is not a non-negative "
	  "number" },
	{ "[account a]\npop3 = pop3s://h\nuser = u\npop3_keep_days = -3\n",
	  "config:4: key \"pop3_keep_days\": \"-3\" is not a non-negative "
	  "number" },
	{ "[account a]\npop3 = pop3s://h\nuser = u\npop3_keep_days = 9999999\n",
	  "config:4: key \"pop3_keep_days\": \"9999999\" is too large "
	  "(at most 1000000)" },
	{ "[ui]\ndelete = purge\n",
	  "config:2: key \"delete\": \"purge\" is not flag or trash" },
	{ "[ui]\nsort = date\nexpunge = sometimes\n",
	  "config:3: key \"expunge\": \"sometimes\" is not one of ask, yes, "
	  "no" },
	{ ACC "connections = 3\n",
	  "config:4: key \"connections\": \"3\" is not 1 or 2" },
	{ ACC "connections = 0\n",
	  "config:4: key \"connections\": \"0\" is not 1 or 2" },
	{ "[ui]\nbell = loud\n",
	  "config:2: key \"bell\": \"loud\" is not yes or no" },
	{ "[ui]\nbell = yes\nbell = no\n",
	  "config:3: key \"bell\" is set twice (first on line 2)" },
	/* The index line, key bindings and colours. */
	{ "[ui]\nindex_format = %Z %q\n",
	  "config:2: key \"index_format\": unknown conversion \"%q\"" },
	{ "[ui]\nindex_format = %{%Y\n",
	  "config:2: key \"index_format\": \"%{\" without its \"}\"" },
	{ "[ui]\nthread_subject = maybe\n",
	  "config:2: key \"thread_subject\": \"maybe\" is not yes or no" },
	{ "[ui]\nheaders = From Sub:ject\n",
	  "config:2: key \"headers\": \"Sub:ject\" is not a header field name" },
	{ "[ui]\nheaders = , ,\n",
	  "config:2: key \"headers\" names no header field" },
	{ "[ui]\nprefer_html = often\n",
	  "config:2: key \"prefer_html\": \"often\" is not yes or no" },
	{ "[keys]\nbind = index x quit\nbind = index d\n",
	  "config:3: key \"bind\": \"index d\" is not \"PANE KEY ACTION\" "
	  "(e.g. \"index d delete-message\")" },
	{ "[keys]\nbind = index d quit now\n",
	  "config:2: key \"bind\": \"index d quit now\" is not \"PANE KEY "
	  "ACTION\" (e.g. \"index d delete-message\")" },
	{ "[keys]\n\nbind = inbox d quit\n",
	  "config:3: key \"bind\": unknown pane \"inbox\" (index, pager, "
	  "folders, help, attach, preview or all)" },
	{ "[ui]\nquit = maybe\n",
	  "config:2: key \"quit\": \"maybe\" is not one of ask-yes, ask-no, "
	  "yes, no" },
	{ "[keys]\nbind = index,,pager d quit\n",
	  "config:2: key \"bind\": unknown pane \"\" (index, pager, folders, "
	  "help, attach, preview or all)" },
	{ "[keys]\nmacro = index x quit\n",
	  "config:2: unknown key \"macro\" (the [keys] section holds "
	  "\"bind\" lines)" },
	{ "[keys]\nbind =\n",
	  "config:2: key \"bind\" has no value" },
	{ "[keys]\n[ui]\n[keys]\n",
	  "config:3: section \"keys\" appears twice (first on line 1)" },
	{ "[colors]\nunread = purple\n",
	  "config:2: key \"unread\": \"purple\" is not a colour (a name such "
	  "as red or brightblue, default, or a number 0-255) or an attribute "
	  "(bold, dim, underline, reverse, italic, blink, standout, none)" },
	{ "[colours]\n\nquote1 = color256\n",
	  "config:3: key \"quote1\": \"color256\" is not a colour (a name "
	  "such as red or brightblue, default, or a number 0-255) or an "
	  "attribute (bold, dim, underline, reverse, italic, blink, standout, "
	  "none)" },
	{ "[colors]\ntree = red blue green\n",
	  "config:2: key \"tree\": \"red blue green\" names more than two "
	  "colours (foreground, background)" },
	{ "[colors]\nshiny = red\n",
	  "config:2: unknown key \"shiny\"" },
	{ "[colors]\nunread = red\nunread = blue\n",
	  "config:3: key \"unread\" is set twice (first on line 2)" },
	{ "[ui]\nsort = random\n",
	  "config:2: key \"sort\": \"random\" is not one of date, threads, "
	  "from, subject, size (optionally after \"reverse-\")" },
	{ ACC "auth = cram\n",
	  "config:4: key \"auth\": \"cram\" is not one of auto, plain, login, "
	  "apop, xoauth2, oauthbearer" },
	{ ACC "auth = xoauth2\n",
	  "config:4: key \"auth\": \"xoauth2\" needs \"oauth2_token_cmd\", or "
	  "\"oauth2_provider\" or \"oauth2_token_url\" with "
	  "\"oauth2_client_id\"" },
	{ ACC "oauth2_provider = google\n",
	  "config:4: account \"a\": OAuth 2.0 needs \"oauth2_token_cmd\", or "
	  "\"oauth2_client_id\" with \"oauth2_provider\" or "
	  "\"oauth2_token_url\"" },
	{ ACC "oauth2_provider = yahoo\n",
	  "config:4: key \"oauth2_provider\": \"yahoo\" is not one of google, "
	  "microsoft" },
	{ ACC "oauth2_token_url = http://example.com/token\n",
	  "config:4: key \"oauth2_token_url\": \"http://example.com/token\" "
	  "is not an https:// URL" },
	{ ACC "oauth2_device_url = http://127.0.0.1:8080/device\n",
	  "config:4: key \"oauth2_device_url\": "
	  "\"http://127.0.0.1:8080/device\" is not an https:// URL" },
	{ ACC "password_cmd = pass x\noauth2_token_cmd = t\n",
	  "config:4: key \"password_cmd\": conflicts with the OAuth 2.0 keys "
	  "(line 5): an OAuth account has no password" },
	{ ACC "auth = login\noauth2_token_cmd = t\n",
	  "config:4: key \"auth\": a password mechanism conflicts with the "
	  "OAuth 2.0 keys (line 5)" },
	{ ACC "oauth2_token_cmd = t\noauth2_client_id = c\n"
	  "oauth2_provider = google\noauth2_refresh_token_cmd = r\n",
	  "config:7: key \"oauth2_refresh_token_cmd\": conflicts with "
	  "\"oauth2_token_cmd\" (line 4): keep one" },
	{ ACC "auth = apop\n",
	  "config:4: key \"auth\": \"apop\" is for POP3 accounts" },
	{ ACC "cache = all\n",
	  "config:4: key \"cache\": \"all\" is not one of headers, bodies, "
	  "off" },
	{ "[account a]\npop3 = pop3s://h\nuser = u\npop3_delete = maybe\n",
	  "config:4: key \"pop3_delete\": \"maybe\" is not yes or no" },
	{ "\n[account work]\nimap = imaps://h\n",
	  "config:2: account \"work\": missing key \"user\"" },
	{ "[ui]\nsort = date\n\n\n\n\n[account work]\nuser = me\n",
	  "config:7: account \"work\": missing key \"imap\" or \"pop3\"" },
	{ ACC "[account b]\n",
	  "config:4: account \"b\": missing key \"imap\" or \"pop3\"" },
	{ "[account a]\nimap = imaps://h\npop3 = pop3s://h\nuser = u\n",
	  "config:3: key \"pop3\": account \"a\" already has a server "
	  "(\"imap\" on line 2)" },
	{ ACC "tls_fingerprint = sha256:9F:86:D0:\xe2\x80\xa6\n",
	  "config:4: key \"tls_fingerprint\": \"sha256:9F:86:D0:\xe2\x80\xa6\" "
	  "is not a SHA-256 fingerprint (32 bytes in hex, as "
	  "sha256:9F:86:...)" },
	{ ACC "tls_fingerprint = " FP64 "00\n",
	  "config:4: key \"tls_fingerprint\": \"" FP64 "00\" is not a "
	  "SHA-256 fingerprint (32 bytes in hex, as sha256:9F:86:...)" },
	{ ACC "tls_fingerprint = 9f:86:\n",
	  "config:4: key \"tls_fingerprint\": \"9f:86:\" is not a SHA-256 "
	  "fingerprint (32 bytes in hex, as sha256:9F:86:...)" },
	{ ACC "tls = sometimes\n",
	  "config:4: key \"tls\": \"sometimes\" is not on or off" },
	{ "[account a]\nimap = imaps://h\nuser = u\ntls = off\n",
	  "config:4: key \"tls\": \"off\" conflicts with the implicit TLS of "
	  "\"imaps://h\"" },
	{ "[account a]\ntls = off\npop3 = pop3s://h\nuser = u\n",
	  "config:2: key \"tls\": \"off\" conflicts with the implicit TLS of "
	  "\"pop3s://h\"" },
	{ "[accounts]\n",
	  "config:1: unknown section \"accounts\"" },
	{ ACC "\n[server x]\n",
	  "config:5: unknown section \"server x\"" },
	{ "[account]\n",
	  "config:1: section \"account\" has no name" },
	{ "[ui]\n[ui]\n",
	  "config:2: section \"ui\" appears twice (first on line 1)" },
	{ ACC "user = v\n",
	  "config:4: key \"user\" is set twice (first on line 3)" },
	{ "[ui]\nsort = date\nsort = size\n",
	  "config:3: key \"sort\" is set twice (first on line 2)" },
	{ ACC "[account a]\n",
	  "config:4: duplicate account \"a\" (first on line 1)" },
	{ "user = u\n",
	  "config:1: key \"user\" outside a section" },
	{ ACC "cache =\n",
	  "config:4: key \"cache\" has no value" },
	{ ACC "cache\n",
	  "config:4: syntax error (expected \"key = value\" or "
	  "\"[section]\")" },
	{ ACC "[account b\n",
	  "config:4: syntax error (expected \"key = value\" or "
	  "\"[section]\")" },
	{ ACC "cache = \001\n",
	  "config:4: control character in the line" },
	{ "[account a]\nimap = ftp://h\nuser = u\n",
	  "config:2: key \"imap\": unknown scheme \"ftp\" in \"ftp://h\" "
	  "(expected imaps, imap, pop3s or pop3)" },
	{ "[account a]\nimap = pop3s://h\nuser = u\n",
	  "config:2: key \"imap\": \"pop3s://h\" is not an IMAP URL" },
	{ "[account a]\npop3 = imap://h\nuser = u\n",
	  "config:2: key \"pop3\": \"imap://h\" is not a POP3 URL" },
	{ "[account a]\nimap = imaps://\nuser = u\n",
	  "config:2: key \"imap\": missing host in \"imaps://\"" },
	{ "[account a]\nimap = imaps://a@h\nuser = b\n",
	  "config:3: key \"user\": \"b\" differs from the user \"a\" of the "
	  "URL" },
	{ ACC "pop3_delete = yes\n",
	  "config:4: key \"pop3_delete\": only a POP3 account takes it" },
	{ ACC "pop3_interval = 5m\n",
	  "config:4: key \"pop3_interval\": only a POP3 account takes it" },
	{ ACC "pop3_max_size = 1M\n",
	  "config:4: key \"pop3_max_size\": only a POP3 account takes it" },
	{ ACC "pop3_delete_with_local = no\n",
	  "config:4: key \"pop3_delete_with_local\": only a POP3 account "
	  "takes it" },
	{ POP "pop3_interval = soon\n",
	  "config:4: key \"pop3_interval\": \"soon\" is not a duration "
	  "(seconds, or a number and s, m or h)" },
	{ POP "pop3_interval = 5 m\n",
	  "config:4: key \"pop3_interval\": \"5 m\" is not a duration "
	  "(seconds, or a number and s, m or h)" },
	{ POP "pop3_interval = 5d\n",
	  "config:4: key \"pop3_interval\": \"5d\" is not a duration "
	  "(seconds, or a number and s, m or h)" },
	{ POP "pop3_interval = 200h\n",
	  "config:4: key \"pop3_interval\": \"200h\" is too long (at most "
	  "a week)" },
	{ POP "pop3_max_size = -1\n",
	  "config:4: key \"pop3_max_size\": \"-1\" is not a size (bytes, or "
	  "a number and K, M or G)" },
	{ POP "pop3_max_size = M\n",
	  "config:4: key \"pop3_max_size\": \"M\" is not a size (bytes, or "
	  "a number and K, M or G)" },
	{ POP "pop3_max_size = 2000000M\n",
	  "config:4: key \"pop3_max_size\": \"2000000M\" is too large (at "
	  "most 1000000)" },
	{ POP "pop3_delete_with_local = perhaps\n",
	  "config:4: key \"pop3_delete_with_local\": \"perhaps\" is not yes "
	  "or no" },
	{ ACC "password_cmd = x\n" LONGCMD LONGCMD "\n",
	  "config:5: the line is too long" },
	/* Sending. */
	{ ACC "smtp = smtps://s\n",
	  "config:4: key \"smtp\": account \"a\" has no \"from\" (the "
	  "address its mail is sent from)" },
	{ ACC FROM "smtp = imaps://s\n",
	  "config:5: key \"smtp\": unknown scheme \"imaps\" in "
	  "\"imaps://s\" (expected smtps or smtp)" },
	{ ACC FROM "smtp = s.example.org\n",
	  "config:5: key \"smtp\": \"s.example.org\" is not a URL (expected "
	  "smtps://host or smtp://host)" },
	{ ACC FROM "smtp = smtps://me@s\n",
	  "config:5: key \"smtp\": \"smtps://me@s\": the user goes in "
	  "\"smtp_user\", not in the URL" },
	{ ACC FROM "smtp = smtps://me:pw@s\n",
	  "config:5: key \"smtp\": a password does not belong in the URL" },
	{ ACC FROM "smtp = smtps://s/INBOX\n",
	  "config:5: key \"smtp\": an SMTP URL has no path: "
	  "\"smtps://s/INBOX\"" },
	{ ACC FROM "smtp = smtps://s:0\n",
	  "config:5: key \"smtp\": bad port in \"smtps://s:0\"" },
	{ ACC FROM "smtp = smtps://s\nsmtp = smtp://t\n",
	  "config:6: key \"smtp\" is set twice (first on line 5)" },
	{ ACC "smtp_user = me\n",
	  "config:4: key \"smtp_user\": account \"a\" has no \"smtp\" "
	  "server" },
	{ ACC "from = Liddell, Alice <alice@example.org>\n",
	  "config:4: key \"from\": \"Liddell, Alice <alice@example.org>\" "
	  "is not one address (\"Name <addr@example.org>\" or "
	  "\"addr@example.org\"; a name with a comma in double quotes)" },
	{ ACC "from = a@b.c, d@e.f\n",
	  "config:4: key \"from\": \"a@b.c, d@e.f\" is not one address "
	  "(\"Name <addr@example.org>\" or \"addr@example.org\"; a name "
	  "with a comma in double quotes)" },
	{ ACC "from = Alice\n",
	  "config:4: key \"from\": \"Alice\" is not one address (\"Name "
	  "<addr@example.org>\" or \"addr@example.org\"; a name with a "
	  "comma in double quotes)" },
	{ ACC "reply_to = <nobody>\n",
	  "config:4: key \"reply_to\": \"<nobody>\" is not one address "
	  "(\"Name <addr@example.org>\" or \"addr@example.org\"; a name "
	  "with a comma in double quotes)" },
	{ ACC "signature = .signature\n",
	  "config:4: key \"signature\": \".signature\" is not an absolute "
	  "path (from / or ~/)" },
	{ ACC "signature = ~bob/.signature\n",
	  "config:4: key \"signature\": \"~bob/.signature\" is not an "
	  "absolute path (from / or ~/)" },
	{ "[ui]\nforward = mime\n",
	  "config:2: key \"forward\": \"mime\" is not inline or attach" },
	{ "[ui]\ntext_flowed = sometimes\n",
	  "config:2: key \"text_flowed\": \"sometimes\" is not yes or no" },
	{ "[ui]\nattribution = On %D, %n wrote:\n",
	  "config:2: key \"attribution\": \"%D\" in \"On %D, %n wrote:\" "
	  "is not one of %d (the date), %n (the name), %a (the address), %s "
	  "(the subject), %%" },
	{ "[ui]\nattribution = 100%\n",
	  "config:2: key \"attribution\": \"%\" in \"100%\" is not one of "
	  "%d (the date), %n (the name), %a (the address), %s (the "
	  "subject), %%" },
	{ "[ui]\neditor = \n", "config:2: key \"editor\" has no value" },
};

START_TEST(test_err_rows)
{
	const struct err_row *row = &err_rows[_i];
	struct config *cfg = NULL;
	char *err = NULL;

	ck_assert_msg(config_load_string(row->text, "config", &cfg, &err) == -1,
	    "row %d: parsed, but should fail with: %s", _i, row->want);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(err != NULL && strcmp(err, row->want) == 0,
	    "row %d: message\n  \"%s\"\nwant\n  \"%s\"", _i,
	    err != NULL ? err : "(null)", row->want);
	free(err);
}
END_TEST

struct url_row {
	const char *url;
	int ok;
	enum account_proto proto;
	enum tls_mode tls;
	const char *user;
	const char *host;
	int port;
	const char *folder;
	const char *err;	/* the message when !ok */
};

static const struct url_row url_rows[] = {
	{ "imaps://mail.example.com", 1, PROTO_IMAP, TLS_IMPLICIT, NULL,
	  "mail.example.com", 993, NULL, NULL },
	{ "imap://mail.example.com", 1, PROTO_IMAP, TLS_STARTTLS, NULL,
	  "mail.example.com", 143, NULL, NULL },
	{ "pop3s://pop.example.net", 1, PROTO_POP3, TLS_IMPLICIT, NULL,
	  "pop.example.net", 995, NULL, NULL },
	{ "pop3://pop.example.net/", 1, PROTO_POP3, TLS_STARTTLS, NULL,
	  "pop.example.net", 110, NULL, NULL },
	{ "IMAPS://h", 1, PROTO_IMAP, TLS_IMPLICIT, NULL, "h", 993, NULL,
	  NULL },
	{ "imaps://me@h:10993", 1, PROTO_IMAP, TLS_IMPLICIT, "me", "h", 10993,
	  NULL, NULL },
	{ "imap://me%40example.com@h:1143/INBOX", 1, PROTO_IMAP, TLS_STARTTLS,
	  "me@example.com", "h", 1143, "INBOX", NULL },
	{ "imaps://u@h/Gr%C3%BC%C3%9Fe%20und%2Fmehr", 1, PROTO_IMAP,
	  TLS_IMPLICIT, "u", "h", 993, "Gr\xc3\xbc\xc3\x9f" "e und/mehr",
	  NULL },
	{ "imaps://u@h/Lists/tern", 1, PROTO_IMAP, TLS_IMPLICIT, "u", "h", 993,
	  "Lists/tern", NULL },
	{ "imaps://[::1]", 1, PROTO_IMAP, TLS_IMPLICIT, NULL, "::1", 993, NULL,
	  NULL },
	{ "imaps://u@[2001:db8::1]:9993/Sent", 1, PROTO_IMAP, TLS_IMPLICIT,
	  "u", "2001:db8::1", 9993, "Sent", NULL },
	{ "pop3s://u@127.0.0.1:1995", 1, PROTO_POP3, TLS_IMPLICIT, "u",
	  "127.0.0.1", 1995, NULL, NULL },
	{ "http://h", 0, 0, 0, NULL, NULL, 0, NULL,
	  "unknown scheme \"http\" in \"http://h\" (expected imaps, imap, "
	  "pop3s or pop3)" },
	{ "mail.example.com", 0, 0, 0, NULL, NULL, 0, NULL,
	  "\"mail.example.com\" is not a URL (expected imaps://host, "
	  "imap://host, pop3s://host or pop3://host)" },
	{ "imaps://", 0, 0, 0, NULL, NULL, 0, NULL,
	  "missing host in \"imaps://\"" },
	{ "imaps://u@/INBOX", 0, 0, 0, NULL, NULL, 0, NULL,
	  "missing host in \"imaps://u@/INBOX\"" },
	{ "imaps://h:", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad port in \"imaps://h:\"" },
	{ "imaps://h:99999", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad port in \"imaps://h:99999\"" },
	{ "imaps://h:0", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad port in \"imaps://h:0\"" },
	{ "imaps://h:12x", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad port in \"imaps://h:12x\"" },
	{ "imaps://[::1", 0, 0, 0, NULL, NULL, 0, NULL,
	  "unclosed \"[\" in \"imaps://[::1\"" },
	{ "imaps://[nothex]", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad IPv6 address in \"imaps://[nothex]\"" },
	{ "imaps://h st", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad host name in \"imaps://h st\"" },
	{ "imaps://u:secret@h", 0, 0, 0, NULL, NULL, 0, NULL,
	  "a password does not belong in the URL" },
	{ "imaps://@h", 0, 0, 0, NULL, NULL, 0, NULL,
	  "empty user name in \"imaps://@h\"" },
	{ "imaps://u%4@h", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad user name in \"imaps://u%4@h\"" },
	{ "imaps://h/a%0Ab", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad folder name in \"imaps://h/a%0Ab\"" },
	{ "imaps://h/a%zz", 0, 0, 0, NULL, NULL, 0, NULL,
	  "bad folder name in \"imaps://h/a%zz\"" },
	{ "pop3s://h/INBOX", 0, 0, 0, NULL, NULL, 0, NULL,
	  "a POP3 URL has no folder: \"pop3s://h/INBOX\"" },
};

static int
str_eq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

#define S(x) ((x) != NULL ? (x) : "(null)")

START_TEST(test_url_rows)
{
	const struct url_row *row = &url_rows[_i];
	struct config *cfg = NULL;
	struct account_config *a;
	char *err = NULL;
	int r;

	r = config_from_url(row->url, &cfg, &err);
	if (!row->ok) {
		ck_assert_msg(r == -1, "row %d (%s): accepted", _i, row->url);
		ck_assert_msg(err != NULL && strcmp(err, row->err) == 0,
		    "row %d: message\n  \"%s\"\nwant\n  \"%s\"", _i, S(err),
		    row->err);
		free(err);
		return;
	}
	ck_assert_msg(r == 0, "row %d (%s): %s", _i, row->url, S(err));
	ck_assert_uint_eq(cfg->naccounts, 1);
	a = cfg->accounts[0];
	ck_assert_msg(a->proto == row->proto, "row %d: proto", _i);
	ck_assert_msg(a->tls == row->tls, "row %d: tls %d", _i, a->tls);
	ck_assert_msg(str_eq_null(a->user, row->user),
	    "row %d: user \"%s\"", _i, S(a->user));
	ck_assert_msg(strcmp(a->host, row->host) == 0, "row %d: host \"%s\"",
	    _i, a->host);
	ck_assert_msg(strcmp(a->name, row->host) == 0, "row %d: name \"%s\"",
	    _i, a->name);
	ck_assert_msg(a->port == row->port, "row %d: port %d", _i, a->port);
	ck_assert_msg(str_eq_null(a->folder, row->folder),
	    "row %d: folder \"%s\"", _i, S(a->folder));
	ck_assert_int_eq(a->line, 0);
	ck_assert_int_eq(a->cache, CACHE_HEADERS);
	ck_assert_ptr_null(cfg->path);
	config_free(cfg);
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/check_config.XXXXXX";
	struct config *cfg = NULL;
	char *err = NULL, *want;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(design_example, f);
	fclose(f);
	ck_assert_msg(config_load(path, &cfg, &err) == 0, "%s", S(err));
	ck_assert_str_eq(cfg->path, path);
	ck_assert_uint_eq(cfg->naccounts, 2);
	config_free(cfg);
	cfg = NULL;

	/* An error names the file. */
	f = fopen(path, "w");
	fputs("[ui]\n\nsort = sideways\n", f);
	fclose(f);
	ck_assert_int_eq(config_load(path, &cfg, &err), -1);
	want = xasprintf("%s:3: key \"sort\": \"sideways\" is not one of "
	    "date, threads, from, subject, size (optionally after "
	    "\"reverse-\")", path);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);

	/* A NUL byte. */
	f = fopen(path, "w");
	fwrite("[ui]\n\0\n", 1, 7, f);
	fclose(f);
	ck_assert_int_eq(config_load(path, &cfg, &err), -1);
	want = xasprintf("\"%s\" holds a NUL byte", path);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);

	unlink(path);
	ck_assert_int_eq(config_load(path, &cfg, &err), -1);
	want = xasprintf("cannot read \"%s\": No such file or directory",
	    path);
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
}
END_TEST

/* [keys] lines in file order, with their panes and lines; [colors]. */
START_TEST(test_keys_colors)
{
	static const char text[] =
	    "[ui]\n"
	    "index_format = %4C %Z %{%b %d} %-15.15F %s%> %c\n"
	    "thread_subject = no\n"
	    "headers = From, Subject X-Mailer\n"
	    "prefer_html = yes\n"
	    "[keys]\n"
	    "bind = index D delete-message   ; comment\n"
	    "bind = pager,index  C-d  half-page-down\n"
	    "\n"
	    "bind = all x noop\n"
	    "bind = folders Semicolon whatever\n"
	    "[colours]\n"
	    "unread = brightred default bold\n"
	    "tree = color123\n"
	    "quote2 = 200 grey underline reverse\n"
	    "status = none\n";
	struct config *cfg = NULL;
	const struct config_color *c;
	char *err = NULL;

	ck_assert_msg(config_load_string(text, "conf", &cfg, &err) == 0, "%s",
	    err);
	ck_assert_str_eq(cfg->name, "conf");
	ck_assert_str_eq(cfg->ui.index_format,
	    "%4C %Z %{%b %d} %-15.15F %s%> %c");
	ck_assert_int_eq(cfg->ui.thread_subject, 0);
	ck_assert_str_eq(cfg->ui.headers[0], "From");
	ck_assert_str_eq(cfg->ui.headers[1], "Subject");
	ck_assert_str_eq(cfg->ui.headers[2], "X-Mailer");
	ck_assert_ptr_null(cfg->ui.headers[3]);
	ck_assert_int_eq(cfg->ui.prefer_html, 1);
	ck_assert_uint_eq(cfg->nbinds, 4);
	ck_assert_uint_eq(cfg->binds[0].panes, CONFIG_PANE_INDEX);
	ck_assert_str_eq(cfg->binds[0].key, "D");
	ck_assert_str_eq(cfg->binds[0].action, "delete-message");
	ck_assert_int_eq(cfg->binds[0].line, 7);
	ck_assert_uint_eq(cfg->binds[1].panes,
	    CONFIG_PANE_PAGER | CONFIG_PANE_INDEX);
	ck_assert_str_eq(cfg->binds[1].key, "C-d");
	ck_assert_str_eq(cfg->binds[1].action, "half-page-down");
	ck_assert_int_eq(cfg->binds[1].line, 8);
	ck_assert_uint_eq(cfg->binds[2].panes, CONFIG_PANE_ALL);
	ck_assert_int_eq(cfg->binds[2].line, 10);
	/* Actions are the front end's to check. */
	ck_assert_str_eq(cfg->binds[3].action, "whatever");
	ck_assert_uint_eq(cfg->binds[3].panes, CONFIG_PANE_FOLDERS);

	c = &cfg->colors[COLOR_UNREAD];
	ck_assert(c->set);
	ck_assert_int_eq(c->fg, 9);
	ck_assert_int_eq(c->bg, CONFIG_COLOR_DEFAULT);
	ck_assert_uint_eq(c->attrs, CONFIG_ATTR_BOLD);
	ck_assert_int_eq(c->line, 13);
	c = &cfg->colors[COLOR_TREE];
	ck_assert_int_eq(c->fg, 123);
	ck_assert_int_eq(c->bg, CONFIG_COLOR_DEFAULT);
	ck_assert_uint_eq(c->attrs, 0);
	c = &cfg->colors[COLOR_QUOTE2];
	ck_assert_int_eq(c->fg, 200);
	ck_assert_int_eq(c->bg, 8);
	ck_assert_uint_eq(c->attrs, CONFIG_ATTR_UNDERLINE |
	    CONFIG_ATTR_REVERSE);
	c = &cfg->colors[COLOR_STATUS];
	ck_assert(c->set);
	ck_assert_int_eq(c->fg, CONFIG_COLOR_DEFAULT);
	ck_assert_uint_eq(c->attrs, 0);
	ck_assert(!cfg->colors[COLOR_QUOTE1].set);
	config_free(cfg);

	/* The defaults. */
	ck_assert_int_eq(config_load_string("", "conf", &cfg, &err), 0);
	ck_assert_ptr_null(cfg->ui.index_format);
	ck_assert_int_eq(cfg->ui.thread_subject, 1);
	ck_assert_ptr_null(cfg->ui.headers);
	ck_assert_int_eq(cfg->ui.prefer_html, 0);
	ck_assert_uint_eq(cfg->nbinds, 0);
	ck_assert(!cfg->colors[COLOR_UNREAD].set);
	config_free(cfg);
}
END_TEST

START_TEST(test_default_path)
{
	char *p;

	setenv("XDG_CONFIG_HOME", "/x/conf", 1);
	setenv("HOME", "/home/u", 1);
	p = config_default_path();
	ck_assert_str_eq(p, "/x/conf/tern/config");
	free(p);

	setenv("XDG_CONFIG_HOME", "relative", 1);
	p = config_default_path();
	ck_assert_str_eq(p, "/home/u/.config/tern/config");
	free(p);

	unsetenv("XDG_CONFIG_HOME");
	p = config_default_path();
	ck_assert_str_eq(p, "/home/u/.config/tern/config");
	free(p);
}
END_TEST

START_TEST(test_free_null)
{
	config_free(NULL);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_design_example);
	tcase_add_test(tc, test_oauth2_provider);
	tcase_add_test(tc, test_signature_home);
	tcase_add_loop_test(tc, test_ok_rows, 0,
	    sizeof ok_rows / sizeof ok_rows[0]);
	tcase_add_loop_test(tc, test_err_rows, 0,
	    sizeof err_rows / sizeof err_rows[0]);
	tcase_add_loop_test(tc, test_url_rows, 0,
	    sizeof url_rows / sizeof url_rows[0]);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_keys_colors);
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_free_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(config_suite());
}
