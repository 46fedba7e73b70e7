/*
 * Writing mail in the reader. m, r, g, L, f, Esc-e and R start a draft
 * (compose.h makes it from the original), the editor works on its file in
 * a private folder, and the compose screen (a mode) shows what will go
 * out and takes its keys: y queues the message in the store's outbox,
 * where the account's sender takes it (the reader never talks SMTP); P
 * postpones it as a draft that the worker saves in Drafts; q drops it.
 *
 * The editor's file is the draft's only copy until it is queued or
 * postponed: it lives in <cache>/drafts (0700), or with --ephemeral in
 * a folder of memory-backed storage removed afterwards, locked (flock on
 * NAME.lock) while a reader works on it, so that the next start offers
 * the file of a reader that died, and only that.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "format.h"
#include "i18n.h"
#include "mime.h"
#include "mailcap.h"
#include "ops.h"
#include "outbox.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "util.h"
#include "xmalloc.h"

/* The largest editor's file read back. */
#define COMPOSE_FILE_MAX (16u * 1024 * 1024)

static void composeop_edit_file(struct ui *, int);
static void composeop_rmtree(const char *);
static void composeop_begin(struct ui *, int, size_t, int64_t, const char *,
    size_t, int64_t, const struct draft *);
static void composeop_recall_parts(struct ui *, const char *, size_t);
static void composeop_complete_in(struct ui *, size_t, const char *,
    char ***, size_t *);

/* Show the error ERR (free()d here), sanitised. */
static void
composeop_fail(struct ui *ui, char *err)
{
	char *shown = text_sanitize_dup(err != NULL ? err : "", 0);

	ui_error(ui, "%s", shown);
	free(shown);
	free(err);
}

/*
 * Whether TEXT is a list of addresses that can be sent to; if not, say
 * which is wrong.
 */
static int
composeop_addresses_ok(struct ui *ui, const char *text)
{
	char **addrs = NULL, *err = NULL;
	size_t n = 0;

	if (compose_addresses(text, &addrs, &n, &err) != 0) {
		composeop_fail(ui, err);
		return 0;
	}
	util_strv_free(addrs, n);
	return 1;
}

/* A name made of ACCOUNT that is safe as a file name's start. */
static char *
composeop_safe_name(const char *account)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = account; *p != '\0' && sb.len < 64; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			strbuf_addch(&sb, *p);
		else
			strbuf_addch(&sb, '_');
	}
	if (sb.len == 0)
		strbuf_addstr(&sb, "account");
	return strbuf_detach(&sb, NULL);
}

/* Make DIR (0700) if it is missing; 0, or -1 with *ERR. */
static int
composeop_mkdir(const char *dir, char **err)
{
	struct stat sb;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf(_("cannot create \"%s\": %s"), dir,
		    strerror(errno));
		return -1;
	}
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != geteuid()) {
		*err = xasprintf(_("\"%s\" is not a folder of yours"), dir);
		return -1;
	}
	if ((sb.st_mode & 077) != 0 && chmod(dir, 0700) != 0) {
		*err = xasprintf(_("cannot protect \"%s\": %s"), dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* <cache>/drafts, beside account ACCT's cache (free() it); NULL, *ERR. */
static char *
composeop_drafts_dir(struct ui *ui, size_t acct, char **err)
{
	char *path, *slash, *dir;

	if ((path = store_path(ui_account_name(ui, acct), err)) == NULL)
		return NULL;
	if ((slash = strrchr(path, '/')) != NULL)
		*slash = '\0';
	dir = xasprintf("%s/drafts", path);
	free(path);
	return dir;
}

/*
 * The folder of the editor's files of account ACCT: <cache>/drafts, or a
 * new folder in memory-backed storage for an ephemeral cache (*TMP_R
 * set: remove it afterwards). free() it; NULL with *ERR.
 */
static char *
composeop_dir(struct ui *ui, size_t acct, int *tmp_r, char **err)
{
	struct store *st = ui_store(ui, acct);
	const char *base;
	struct stat sb;
	char *dir;

	*tmp_r = 0;
	if (st != NULL && !store_pop3_durable(st)) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL || base[0] != '/' || stat(base, &sb) != 0 ||
		    !S_ISDIR(sb.st_mode))
			base = "/dev/shm";
		if (stat(base, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			*err = xstrdup(_("--ephemeral: no memory-backed folder "
			    "for the draft (XDG_RUNTIME_DIR, /dev/shm)"));
			return NULL;
		}
		dir = xasprintf("%s/tern-XXXXXX", base);
		if (mkdtemp(dir) == NULL) {
			*err = xasprintf(_("cannot create a folder in \"%s\": "
			    "%s"), base, strerror(errno));
			free(dir);
			return NULL;
		}
		*tmp_r = 1;
		return dir;
	}
	if ((dir = composeop_drafts_dir(ui, acct, err)) == NULL)
		return NULL;
	if (composeop_mkdir(dir, err) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Take the lock of draft file PATH: its fd, -1 when another holds it. */
static int
composeop_lock(const char *path)
{
	char *lock = xasprintf("%s.lock", path);
	int fd;

	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(lock);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Remove the draft's file, its lock and a temporary folder. */
static void
composeop_remove_files(struct ui_compose *c)
{
	char *lock;

	if (c->path != NULL) {
		lock = xasprintf("%s.lock", c->path);
		unlink(c->path);
		unlink(lock);
		free(lock);
	}
	if (c->lock >= 0)
		close(c->lock);
	c->lock = -1;
	if (c->partdir != NULL)
		composeop_rmtree(c->partdir);
	if (c->tmpdir != NULL)
		composeop_rmtree(c->tmpdir);
}

/* Remove folder DIR and what is in it (the draft's files, a recalled
 * draft's attachments in their own folder). */
static void
composeop_rmtree(const char *dir)
{
	struct dirent *de;
	struct stat sb;
	char *sub;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			sub = xasprintf("%s/%s", dir, de->d_name);
			if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
				composeop_rmtree(sub);
			else
				unlink(sub);
			free(sub);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Free the draft's state (its files stay). */
static void
composeop_clear(struct ui_compose *c)
{
	if (c->d != NULL) {
		draft_release(c->d);
		free(c->d);
	}
	if (c->lock >= 0)
		close(c->lock);
	free(c->path);
	free(c->tmpdir);
	free(c->partdir);
	free(c->problem);
	memset(c, 0, sizeof *c);
	c->lock = -1;
}

/* Write LEN bytes of TEXT to PATH (which exists, ours): 0, or -1. */
static int
composeop_write(const char *path, const char *text, size_t len, char **err)
{
	int fd;

	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || util_write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		*err = xasprintf(_("cannot write \"%s\": %s"), path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		*err = xasprintf(_("cannot write \"%s\": %s"), path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Read the file PATH (at most COMPOSE_FILE_MAX): 0, or -1 with *ERR. */
static int
composeop_read(const char *path, char **text_r, size_t *len_r, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[16384];
	ssize_t n;
	int fd;

	*text_r = NULL;
	*len_r = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*err = xasprintf(_("cannot read \"%s\": %s"), path,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = xasprintf(_("cannot read \"%s\": %s"), path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > COMPOSE_FILE_MAX) {
			*err = xasprintf(_("\"%s\" is too large"), path);
			goto fail;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	*len_r = sb.len;
	*text_r = sb.buf != NULL ? strbuf_detach(&sb, NULL) : xstrdup("");
	return 0;
fail:
	close(fd);
	strbuf_release(&sb);
	return -1;
}

/*
 * A new editor's file for account ACCT holding TEXT, locked, in *C.
 * 0, or -1 with *ERR.
 */
static int
composeop_new_file(struct ui *ui, struct ui_compose *c, size_t acct,
    const char *text, char **err)
{
	char *dir, *name;
	int tmp, fd;

	if ((dir = composeop_dir(ui, acct, &tmp, err)) == NULL)
		return -1;
	name = composeop_safe_name(ui_account_name(ui, acct));
	c->path = xasprintf("%s/%s-XXXXXX", dir, name);
	free(name);
	if (tmp)
		c->tmpdir = dir;
	else
		free(dir);
	if ((fd = mkstemp(c->path)) < 0) {
		*err = xasprintf(_("cannot create the draft's file: %s"),
		    strerror(errno));
		free(c->path);
		c->path = NULL;
		return -1;
	}
	close(fd);
	if ((c->lock = composeop_lock(c->path)) < 0 ||
	    composeop_write(c->path, text, strlen(text), err) != 0) {
		if (*err == NULL)
			*err = xstrdup(_("cannot lock the draft's file"));
		composeop_remove_files(c);
		free(c->path);
		c->path = NULL;
		return -1;
	}
	return 0;
}

/* The compose_opts of account ACCT; free *SIG_R (the signature). */
static void
composeop_opts(struct ui *ui, size_t acct, struct compose_opts *o,
    char **sig_r, const char **me)
{
	const struct account_config *ac = ui->accts[acct].cfg;
	char *err = NULL, *shown;

	memset(o, 0, sizeof *o);
	*sig_r = NULL;
	o->from = ac->from;
	o->reply_to = ac->reply_to;
	me[0] = ac->from_addr;
	o->me = me;
	o->nme = ac->from_addr != NULL ? 1 : 0;
	o->attribution = ui->cfg->ui.attribution;
	o->text_flowed = ui->cfg->ui.text_flowed;
	if (ac->signature != NULL &&
	    compose_read_signature(ac->signature, sig_r, &err) != 0) {
		shown = text_sanitize_dup(err, 0);
		ui_error(ui, _("signature left out: %s"), shown);
		free(shown);
		free(err);
	}
	o->signature = *sig_r;
}

/* Whether account ACCT can send mail; if not, say why. */
static int
composeop_can_send(struct ui *ui, size_t acct)
{
	const struct account_config *ac;

	if (acct >= ui->naccts)
		return 0;
	ac = ui->accts[acct].cfg;
	if (ac->smtp_host == NULL) {
		ui_error(ui, _("%s has no smtp server to send with: set smtp "
		    "= smtps://HOST or smtp://HOST"), ui_account_name(ui,
		    acct));
		return 0;
	}
	if (ac->from == NULL) {
		ui_error(ui, _("set from = NAME <ADDRESS> for %s to write "
		    "mail"), ui_account_name(ui, acct));
		return 0;
	}
	return 1;
}

/* Whether account ACCT can write mail now; if not, say why. */
static int
composeop_can_write(struct ui *ui, size_t acct)
{
	if (!composeop_can_send(ui, acct))
		return 0;
	if (ui->cmp.active) {
		ui_error(ui, _("a message is being written already"));
		return 0;
	}
	return 1;
}

/* The compose screen for the draft in ui->cmp, after the first edit. */
static void
composeop_show(struct ui *ui)
{
	ui_mode_push(ui, CMD_MODE_COMPOSE);
}

/* Take into D the fields SEED gives (tern compose, a mailto: URL). */
static void
composeop_seed(struct draft *d, const struct draft *seed)
{
	char *body;
	size_t i;

#define COMPOSEOP_TAKE(f) do {					\
	if (seed->f != NULL) {					\
		free(d->f);					\
		d->f = xstrdup(seed->f);			\
	}							\
} while (0)
	COMPOSEOP_TAKE(to);
	COMPOSEOP_TAKE(cc);
	COMPOSEOP_TAKE(bcc);
	COMPOSEOP_TAKE(subject);
	COMPOSEOP_TAKE(in_reply_to);
#undef COMPOSEOP_TAKE
	/* The text given, then the signature the draft starts with. */
	if (seed->body != NULL) {
		body = xasprintf("%s%s%s", seed->body, *seed->body != '\0' &&
		    seed->body[strlen(seed->body) - 1] != '\n' ? "\n" : "",
		    d->body != NULL ? d->body : "");
		free(d->body);
		d->body = body;
	}
	for (i = 0; i < seed->nattach; i++)
		draft_attach(d, seed->attach[i].path, seed->attach[i].type);
}

/*
 * The message of tern compose is done with: QUEUED_ID (0: none) waits in
 * the outbox of account ACCT. The reader ends now, or once the sender
 * has had its go.
 */
static void
composeop_ended(struct ui *ui, int64_t queued_id)
{
	if (!ui->compose_only)
		return;
	if (queued_id != 0 && ui_account(ui, ui->cmp.acct) != NULL) {
		ui->compose_wait = queued_id;
		ui->compose_acct = ui->cmp.acct;
		ui->compose_deadline = util_now_ms() + 60000;
		return;
	}
	ui->quit = 1;
}

void
composeop_outbox_changed(struct ui *ui, size_t acct)
{
	struct store *st = ui_store(ui, acct);
	struct store_outbox e;
	int r;

	if (ui->compose_wait == 0 || acct != ui->compose_acct || st == NULL)
		return;
	/* Sent (gone, or its copy to save), refused, or tried and queued. */
	r = store_outbox_get(st, ui->compose_wait, &e);
	if (r != 0) {
		ui->quit = 1;
		return;
	}
	if (e.state != OUTBOX_QUEUED && e.state != OUTBOX_SENDING)
		ui->quit = 1;
	else if (e.state == OUTBOX_QUEUED && e.attempts > 0)
		ui->quit = 1;
	store_outbox_release(&e);
}

void
composeop_tick(struct ui *ui)
{
	if (ui->compose_wait != 0 && util_now_ms() >= ui->compose_deadline)
		ui->quit = 1;
}

void
composeop_start_seed(struct ui *ui, const struct draft *seed)
{
	ui->compose_only = 1;
	if (composeop_can_write(ui, 0))
		composeop_begin(ui, COMPOSE_NEW, 0, 0, NULL, 0, 0, seed);
	else
		ui->quit = 1;
	if (ui->quit && !ui->cmp.active)
		ui->quit_status = 1;
}

/*
 * Start writing: a draft of KIND from RAW (LEN bytes; NULL for a new
 * message) of message ORIG (0: none) of account ACCT, then the editor.
 * OUTBOX_ID (0: none) is a postponed draft of the outbox that RAW comes
 * from: it leaves the outbox once the editor's file holds it.
 */
static void
composeop_begin(struct ui *ui, int kind, size_t acct, int64_t orig,
    const char *raw, size_t len, int64_t outbox_id, const struct draft *seed)
{
	struct ui_compose *c = &ui->cmp;
	struct store *st = ui_store(ui, acct);
	struct compose_opts o;
	const char *me[1];
	char *sig, *err = NULL, *text = NULL;

	composeop_clear(c);
	c->d = xcalloc(1, sizeof *c->d);
	composeop_opts(ui, acct, &o, &sig, me);
	if (compose_start((enum compose_kind)kind, raw, len, &o, c->d,
	    &err) != 0) {
		free(sig);
		goto fail;
	}
	free(sig);
	if (seed != NULL)
		composeop_seed(c->d, seed);
	c->acct = acct;
	c->kind = kind;
	if (kind == COMPOSE_DRAFT)
		c->draft_id = orig;
	else if (kind != COMPOSE_RESEND)
		c->orig_id = orig;
	if (composeop_new_file(ui, c, acct, "", &err) != 0)
		goto fail;
	if (kind == COMPOSE_DRAFT)
		composeop_recall_parts(ui, raw, len);
	text = compose_file_write(c->d);
	if (composeop_write(c->path, text, strlen(text), &err) != 0) {
		composeop_remove_files(c);
		goto fail;
	}
	free(text);
	if (outbox_id != 0 && st != NULL && store_outbox_remove(st,
	    outbox_id) != 0)
		ui_error(ui, _("the draft stays in the outbox too: %s"),
		    store_errmsg(st));
	c->active = 1;
	composeop_edit_file(ui, 1);
	return;
fail:
	free(text);
	composeop_fail(ui, err);
	composeop_clear(c);
	composeop_ended(ui, 0);
}

/*
 * Hand the terminal to the editor on PATH, then take it back. 0, or -1
 * with *ERR (it could not run, or it failed).
 */
static int
composeop_editor(struct ui *ui, const char *path, char **err)
{
	struct sigaction ign, oint, oquit;
	const char *ed = ui->cfg->ui.editor;
	char *cmd;
	pid_t pid;
	int status = 0, e = 0;

	if (ed == NULL || *ed == '\0')
		ed = getenv("VISUAL");
	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	/* The editor is the user's command; the path goes as "$1". */
	cmd = xasprintf("%s \"$1\"", ed);
	def_prog_mode();
	endwin();
	fflush(stdout);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		e = errno;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	ui->dirty |= DIRTY_ALL | DIRTY_CLEAR;
	if (pid < 0) {
		*err = xasprintf(_("cannot start the editor: %s"),
		    strerror(e));
		free(cmd);
		return -1;
	}
	free(cmd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		*err = xasprintf(_("the editor exited with status %d: the "
		    "draft is kept"), WEXITSTATUS(status));
	else
		*err = xstrdup(_("the editor was killed: the draft is kept"));
	return -1;
}

/*
 * Run the editor on the draft's file and read it back. FIRST: the first
 * edit, after which a file left as it was drops the message (mutt's
 * abort_unmodified).
 */
static void
composeop_edit_file(struct ui *ui, int first)
{
	struct ui_compose *c = &ui->cmp;
	char *before = NULL, *text = NULL, *err = NULL, *shown;
	size_t blen = 0, len = 0;

	free(c->problem);
	c->problem = NULL;
	if (first && composeop_read(c->path, &before, &blen, &err) != 0)
		goto problem;
	if (composeop_editor(ui, c->path, &err) != 0)
		goto problem;
	if (composeop_read(c->path, &text, &len, &err) != 0)
		goto problem;
	/* A draft recalled or sent again may go as it is. */
	if (first && len == blen && memcmp(text, before, len) == 0 &&
	    c->kind != COMPOSE_DRAFT && c->kind != COMPOSE_RESEND) {
		free(before);
		free(text);
		composeop_ended(ui, 0);
		composeop_remove_files(c);
		composeop_clear(c);
		ui_mode_pop(ui, CMD_MODE_COMPOSE);
		ui_message(ui, "%s", _("the message was not changed: it is "
		    "not sent"));
		return;
	}
	if (compose_file_read(text, len, c->d, &err) != 0)
		goto problem;
	free(before);
	free(text);
	if (first)
		composeop_show(ui);
	ui->dirty |= DIRTY_ALL;
	return;
problem:
	free(before);
	free(text);
	shown = text_sanitize_dup(err != NULL ? err : _("cannot read the "
	    "draft"), 0);
	c->problem = shown;
	free(err);
	if (first)
		composeop_show(ui);
	ui->dirty |= DIRTY_ALL;
}

/* The message the focused pane is about, with its raw bytes. */
static int
composeop_original(struct ui *ui, int kind, size_t *acct_r, int64_t *id_r,
    char **raw_r, size_t *len_r)
{
	struct store *st;
	struct account *a;
	int r;

	*raw_r = NULL;
	if ((*id_r = cmd_current_msg(ui, acct_r)) < 0) {
		ui_message(ui, "%s", _("no message selected"));
		return -1;
	}
	st = ui_store(ui, *acct_r);
	if (st == NULL)
		return -1;
	if ((r = store_body_get(st, *id_r, raw_r, len_r)) < 0) {
		ui_error(ui, _("cannot read the message: %s"),
		    store_errmsg(st));
		return -1;
	}
	if (r == 0)
		return 0;
	/* Not cached yet: fetched, and the draft starts when it comes. */
	a = ui_account(ui, *acct_r);
	if (a == NULL) {
		ui_error(ui, "%s", _("the message is not cached (offline)"));
		return -1;
	}
	ui->cmp.wait_kind = kind;
	ui->cmp.wait_acct = *acct_r;
	ui->cmp.wait_id = *id_r;
	ui->cmp.waiting = 1;
	account_fetch_body(a, *id_r);
	ui_busy(ui, "%s", _("fetching the message..."));
	return 1;
}

/* A draft of KIND from the message the focused pane is about. */
static void
composeop_from_original(struct ui *ui, int kind)
{
	size_t acct, len;
	int64_t id;
	char *raw;

	if (!composeop_can_write(ui, ui->cur))
		return;
	if (composeop_original(ui, kind, &acct, &id, &raw, &len) != 0)
		return;
	if (!composeop_can_write(ui, acct)) {
		free(raw);
		return;
	}
	composeop_begin(ui, kind, acct, id, raw, len, 0, NULL);
	free(raw);
}

void
composeop_body_arrived(struct ui *ui, size_t acct, int64_t id)
{
	struct ui_compose *c = &ui->cmp;
	struct store *st = ui_store(ui, acct);
	char *raw;
	size_t len;

	if (!c->waiting || c->wait_acct != acct || c->wait_id != id ||
	    st == NULL)
		return;
	c->waiting = 0;
	ui_busy(ui, NULL);
	if (store_body_get(st, id, &raw, &len) != 0) {
		ui_error(ui, "%s", _("the message could not be fetched"));
		return;
	}
	if (composeop_can_write(ui, acct))
		composeop_begin(ui, c->wait_kind, acct, id, raw, len, 0, NULL);
	free(raw);
}

void
composeop_new(struct ui *ui)
{
	if (composeop_can_write(ui, ui->cur))
		composeop_begin(ui, COMPOSE_NEW, ui->cur, 0, NULL, 0, 0, NULL);
}

void
composeop_reply(struct ui *ui)
{
	composeop_from_original(ui, COMPOSE_REPLY);
}

void
composeop_group_reply(struct ui *ui)
{
	composeop_from_original(ui, COMPOSE_REPLY_ALL);
}

void
composeop_list_reply(struct ui *ui)
{
	composeop_from_original(ui, COMPOSE_REPLY_LIST);
}

void
composeop_forward(struct ui *ui)
{
	composeop_from_original(ui, ui->cfg->ui.forward == FORWARD_ATTACH ?
	    COMPOSE_FORWARD_ATTACH : COMPOSE_FORWARD);
}

void
composeop_resend(struct ui *ui)
{
	composeop_from_original(ui, COMPOSE_RESEND);
}

/*
 * The attachments of recalled draft RAW, written into a folder of their
 * own beside the draft's file (PATH.d, under their safe names, which
 * become their names again) and attached.
 */
static void
composeop_recall_parts(struct ui *ui, const char *raw, size_t len)
{
	struct ui_compose *c = &ui->cmp;
	struct mime_part *parts = NULL;
	size_t n = 0, i, dlen;
	char *data, *name, *path, *err = NULL;
	int fd, skipped = 0, text = 0;

	if (mime_parts(raw, len, &parts, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (parts[i].container)
			continue;
		/* The first text that is not an attachment is the body. */
		if (!text && parts[i].disposition != MIME_DISP_ATTACHMENT &&
		    strncmp(parts[i].type, "text/", 5) == 0) {
			text = 1;
			continue;
		}
		if (c->partdir == NULL) {
			c->partdir = xasprintf("%s.d", c->path);
			if (composeop_mkdir(c->partdir, &err) != 0) {
				free(err);
				err = NULL;
				free(c->partdir);
				c->partdir = NULL;
				skipped++;
				break;
			}
		}
		if (mime_part_data(raw, len, i, &data, &dlen) != 0) {
			skipped++;
			continue;
		}
		name = mailcap_safe_name(parts[i].filename, NULL);
		path = xasprintf("%s/%s", c->partdir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0 || util_write_all(fd, data, dlen) != 0) {
			skipped++;
			if (fd >= 0)
				close(fd);
		} else {
			close(fd);
			draft_attach(c->d, path, parts[i].type);
		}
		free(path);
		free(name);
		free(data);
	}
	mime_parts_free(parts, n);
	if (skipped > 0)
		ui_error(ui, ngettext("%d attachment of the draft could not "
		    "be recalled", "%d attachments of the draft could not be "
		    "recalled", skipped), skipped);
}

/* The bounce: the message asked about, and where it goes. */
static struct {
	size_t acct;
	int64_t id;
	char *to;
} composeop_bouncing;

static void
composeop_bounce_go(struct ui *ui, int key, void *arg)
{
	struct store *st = ui_store(ui, composeop_bouncing.acct);
	struct account *a = ui_account(ui, composeop_bouncing.acct);
	struct compose_out out;
	struct compose_opts o;
	const char *me[1];
	char *raw = NULL, *sig, *err = NULL, *shown;
	size_t len;
	int64_t id;
	int r;

	(void)arg;
	if (key != 'y' || st == NULL || composeop_bouncing.to == NULL)
		goto out;
	if (store_body_get(st, composeop_bouncing.id, &raw, &len) != 0) {
		ui_error(ui, "%s", _("the message is not cached: open it "
		    "first"));
		goto out;
	}
	composeop_opts(ui, composeop_bouncing.acct, &o, &sig, me);
	free(sig);
	r = compose_bounce(raw, len, composeop_bouncing.to, &o, &out, &err);
	if (r == 0) {
		r = outbox_queue(st, &out, 0, 0, 0, 0, &id, &err);
		compose_out_release(&out);
	}
	if (r != 0) {
		shown = text_sanitize_dup(err != NULL ? err : "", 0);
		ui_error(ui, _("not bounced: %s"), shown);
		free(shown);
		free(err);
		goto out;
	}
	if (a != NULL) {
		account_send_now(a);
		ui_message(ui, "%s", _("bouncing the message..."));
	} else {
		ui->as[composeop_bouncing.acct].out_waiting++;
		ui_message(ui, "%s", _("offline: the message is queued and "
		    "sent when tern is online"));
	}
out:
	free(raw);
	free(composeop_bouncing.to);
	composeop_bouncing.to = NULL;
}

static void
composeop_bounce_done(struct ui *ui, const char *text)
{
	char *shown;

	if (*text == '\0' || !composeop_addresses_ok(ui, text))
		return;
	free(composeop_bouncing.to);
	composeop_bouncing.to = xstrdup(text);
	shown = text_sanitize_dup(text, 0);
	ask_start(ui, "yn", composeop_bounce_go, NULL,
	    _("Bounce the message to %s? (y/n)"), shown);
	free(shown);
}

/* Completion for the bounce prompt: the account asked about. */
static void
composeop_bounce_complete(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r)
{
	composeop_complete_in(ui, composeop_bouncing.acct, prefix, list_r,
	    n_r);
}

void
composeop_bounce(struct ui *ui)
{
	struct store *st;
	struct account *a;
	size_t acct;
	int64_t id;
	char *raw;
	size_t len;
	int r;

	if ((id = cmd_current_msg(ui, &acct)) < 0) {
		ui_message(ui, "%s", _("no message selected"));
		return;
	}
	if (!composeop_can_send(ui, acct))
		return;
	st = ui_store(ui, acct);
	if ((r = store_body_get(st, id, &raw, &len)) < 0) {
		ui_error(ui, _("cannot read the message: %s"),
		    store_errmsg(st));
		return;
	}
	free(raw);
	if (r == 1) {
		if ((a = ui_account(ui, acct)) != NULL)
			account_fetch_body(a, id);
		ui_message(ui, "%s", a != NULL ? _("the message is not cached "
		    "yet: fetching it, press b again") : _("the message is "
		    "not cached (offline)"));
		return;
	}
	composeop_bouncing.acct = acct;
	composeop_bouncing.id = id;
	prompt_start(ui, _("Bounce message to: "), composeop_bounce_done,
	    composeop_bounce_complete);
}

/* The Drafts folder of account ACCT in the store, or NULL. */
static const struct store_folder *
composeop_drafts_folder(struct ui *ui, size_t acct)
{
	const struct account_config *ac = ui->accts[acct].cfg;
	const struct ui_acct *as = &ui->as[acct];
	size_t i;

	if (ac->drafts != NULL)
		return ui_find_folder(ui, acct, ac->drafts);
	for (i = 0; i < as->nfolders; i++)
		if (as->folders[i].role == ROLE_DRAFTS)
			return &as->folders[i];
	return NULL;
}

/* Recall draft message ID of account ACCT (its body fetched first). */
static void
composeop_recall_msg(struct ui *ui, size_t acct, int64_t id)
{
	struct store *st = ui_store(ui, acct);
	struct account *a = ui_account(ui, acct);
	char *raw;
	size_t len;
	int r;

	if ((r = store_body_get(st, id, &raw, &len)) < 0) {
		ui_error(ui, _("cannot read the message: %s"),
		    store_errmsg(st));
		return;
	}
	if (r == 0) {
		composeop_begin(ui, COMPOSE_DRAFT, acct, id, raw, len, 0, NULL);
		free(raw);
		return;
	}
	if (a == NULL) {
		ui_error(ui, "%s", _("the draft is not cached (offline)"));
		return;
	}
	ui->cmp.wait_kind = COMPOSE_DRAFT;
	ui->cmp.wait_acct = acct;
	ui->cmp.wait_id = id;
	ui->cmp.waiting = 1;
	account_fetch_body(a, id);
	ui_busy(ui, "%s", _("fetching the draft..."));
}

/* Recall the newest draft of the outbox (postponed, not saved yet). */
static int
composeop_recall_outbox(struct ui *ui, size_t acct)
{
	struct store *st = ui_store(ui, acct);
	struct store_outbox *list = NULL, e;
	struct strbuf raw = STRBUF_INIT;
	size_t n = 0, i;
	int64_t id = 0;

	if (store_outbox_list(st, &list, &n) != 0)
		return 0;
	for (i = n; i-- > 0;)
		if (list[i].state == OUTBOX_DRAFT) {
			id = list[i].id;
			break;
		}
	store_outbox_list_free(list, n);
	if (id == 0 || store_outbox_get(st, id, &e) != 0)
		return 0;
	if (e.bcc != NULL)
		strbuf_addf(&raw, "Bcc: %s\r\n", e.bcc);
	strbuf_add(&raw, e.data, e.len);
	store_outbox_release(&e);
	composeop_begin(ui, COMPOSE_DRAFT, acct, 0, raw.buf, raw.len, id, NULL);
	strbuf_release(&raw);
	return 1;
}

void
composeop_recall(struct ui *ui)
{
	const struct store_folder *f;
	struct store *st;
	size_t acct = ui->cur, n = 0;
	int64_t *ids = NULL, id;

	if (!composeop_can_write(ui, acct))
		return;
	st = ui_store(ui, acct);
	if (composeop_recall_outbox(ui, acct))
		return;
	if ((f = composeop_drafts_folder(ui, acct)) == NULL) {
		ui_message(ui, "%s", _("no postponed messages"));
		return;
	}
	/* In the Drafts folder, R takes the draft selected. */
	if (ui->folder_id == f->id && (id = cmd_current_msg(ui, &acct)) >= 0) {
		composeop_recall_msg(ui, acct, id);
		return;
	}
	if (store_msg_ids(st, f->id, 0, 0, &ids, &n) != 0) {
		ui_error(ui, _("cannot read the drafts: %s"), store_errmsg(st));
		return;
	}
	if (n == 1)
		composeop_recall_msg(ui, acct, ids[0]);
	else if (n == 0)
		ui_message(ui, "%s", _("no postponed messages"));
	else {
		ui_open_folder(ui, acct, f);
		ui_message(ui, ngettext("%zu postponed message: select one and "
		    "press R", "%zu postponed messages: select one and press "
		    "R", n), n);
	}
	free(ids);
}

/* The draft is queued or dropped: its files and the screen go. */
static void
composeop_done(struct ui *ui, int64_t queued_id)
{
	composeop_ended(ui, queued_id);
	composeop_remove_files(&ui->cmp);
	composeop_clear(&ui->cmp);
	ui_mode_pop(ui, CMD_MODE_COMPOSE);
}

/* Queue the draft: to send, or (DRAFT) to save in Drafts. */
static void
composeop_queue(struct ui *ui, int draft)
{
	struct ui_compose *c = &ui->cmp;
	struct store *st = ui_store(ui, c->acct);
	struct account *a = ui_account(ui, c->acct);
	struct compose_out out;
	struct compose_opts o;
	const char *me[1];
	unsigned int flags = 0;
	char *sig, *err = NULL, *shown;
	int64_t id;
	int r;

	composeop_opts(ui, c->acct, &o, &sig, me);
	o.draft = draft;
	r = compose_build(c->d, &o, &out, &err);
	free(sig);
	if (r == 0) {
		if (!draft && (c->kind == COMPOSE_REPLY ||
		    c->kind == COMPOSE_REPLY_ALL ||
		    c->kind == COMPOSE_REPLY_LIST))
			flags = MSG_ANSWERED;
		if (!draft && (c->kind == COMPOSE_FORWARD ||
		    c->kind == COMPOSE_FORWARD_ATTACH))
			flags = OUTBOX_ORIG_FORWARDED;
		r = outbox_queue(st, &out, draft ? 0 : c->orig_id, flags,
		    draft ? 0 : c->draft_id, draft, &id, &err);
		compose_out_release(&out);
	}
	if (r != 0) {
		shown = text_sanitize_dup(err != NULL ? err : "", 0);
		ui_error(ui, draft ? _("not postponed: %s") : _("not sent: %s"),
		    shown);
		free(shown);
		free(err);
		return;
	}
	/* Postponed again: the draft it was recalled from is replaced. */
	if (draft && c->draft_id != 0 &&
	    store_outbox_drop_draft(st, c->draft_id) != 0)
		ui_error(ui, _("the old draft stays in Drafts: %s"),
		    store_errmsg(st));
	if (a != NULL) {
		if (draft)
			account_push_pending(a);
		else
			account_send_now(a);
		ui_message(ui, "%s", draft ? _("message postponed") :
		    _("sending the message..."));
	} else {
		if (!draft)
			ui->as[c->acct].out_waiting++;
		ui_message(ui, "%s", draft ? _("message postponed: it is "
		    "saved in Drafts when tern is online") : _("offline: the "
		    "message is queued and sent when tern is online"));
	}
	if (c->orig_id != 0 || c->draft_id != 0)
		folders_reload(ui, c->acct);
	composeop_done(ui, draft ? 0 : id);
	ui->dirty |= DIRTY_ALL;
}

/* The answer to a warning before sending: y sends anyway. */
static void
composeop_send_anyway(struct ui *ui, int key, void *arg)
{
	(void)arg;
	if (key == 'y' && ui->cmp.active)
		composeop_queue(ui, 0);
}

void
composeop_send(struct ui *ui)
{
	struct ui_compose *c = &ui->cmp;

	if (!c->active)
		return;
	if (c->problem != NULL) {
		ui_error(ui, _("%s (e edits the draft again)"), c->problem);
		return;
	}
	if (c->d->subject == NULL || *c->d->subject == '\0') {
		ask_start(ui, "yn", composeop_send_anyway, NULL, "%s",
		    _("No subject: send it anyway? (y/n)"));
		return;
	}
	if (c->d->nattach == 0 && c->d->forward_raw == NULL &&
	    compose_mentions_attachment(c->d->body)) {
		ask_start(ui, "yn", composeop_send_anyway, NULL, "%s",
		    _("The text speaks of an attachment, but none is "
		    "attached: send it anyway? (y/n)"));
		return;
	}
	composeop_queue(ui, 0);
}

void
composeop_postpone(struct ui *ui)
{
	if (!ui->cmp.active)
		return;
	if (ui->cmp.problem != NULL) {
		ui_error(ui, _("%s (e edits the draft again)"),
		    ui->cmp.problem);
		return;
	}
	composeop_queue(ui, 1);
}

void
composeop_edit(struct ui *ui)
{
	if (ui->cmp.active)
		composeop_edit_file(ui, 0);
}

/* Write the draft back to its file, after a change on the screen. */
static void
composeop_save_file(struct ui *ui)
{
	struct ui_compose *c = &ui->cmp;
	char *text, *err = NULL;

	text = compose_file_write(c->d);
	if (composeop_write(c->path, text, strlen(text), &err) != 0) {
		composeop_fail(ui, err);
	}
	free(text);
	ui->dirty |= DIRTY_ALL;
}

static void
composeop_abort_done(struct ui *ui, int key, void *arg)
{
	(void)arg;
	if (key != 'y' || !ui->cmp.active)
		return;
	composeop_done(ui, 0);
	ui_message(ui, "%s", _("message dropped"));
}

void
composeop_abort(struct ui *ui)
{
	if (ui->cmp.active)
		ask_start(ui, "yn", composeop_abort_done, NULL, "%s",
		    _("Drop this message? (y/n)"));
}

/* Which field a prompt edits. */
enum { FIELD_TO, FIELD_CC, FIELD_BCC, FIELD_SUBJECT };

/* The prompt of the field asked for was answered with TEXT. */
static void
composeop_field_done(struct ui *ui, const char *text)
{
	struct ui_compose *c = &ui->cmp;
	int field = c->field;
	char **slot;

	if (!c->active)
		return;
	switch (field) {
	case FIELD_TO:
		slot = &c->d->to;
		break;
	case FIELD_CC:
		slot = &c->d->cc;
		break;
	case FIELD_BCC:
		slot = &c->d->bcc;
		break;
	default:
		slot = &c->d->subject;
		break;
	}
	if (field != FIELD_SUBJECT && *text != '\0' &&
	    !composeop_addresses_ok(ui, text))
		return;
	free(*slot);
	*slot = *text != '\0' ? xstrdup(text) : NULL;
	composeop_save_file(ui);
}

/*
 * Complete the last address of the list PREFIX from the addresses of
 * the cache, those most written first.
 */
static void
composeop_complete_in(struct ui *ui, size_t acct, const char *prefix,
    char ***list_r, size_t *n_r)
{
	struct store *st = ui_store(ui, acct);
	const char *last, *p;
	char **found = NULL;
	size_t n = 0, i, head;

	*list_r = NULL;
	*n_r = 0;
	last = prefix;
	for (p = prefix; *p != '\0'; p++)
		if (*p == ',')
			last = p + 1;
	while (*last == ' ')
		last++;
	head = (size_t)(last - prefix);
	if (*last == '\0' || st == NULL ||
	    store_address_complete(st, last, 20, &found, &n) != 0 || n == 0)
		return;
	*list_r = xcalloc(n, sizeof **list_r);
	for (i = 0; i < n; i++) {
		char *clean = text_sanitize_dup(found[i], 0);

		(*list_r)[i] = xasprintf("%.*s%s%s", (int)head, prefix,
		    head > 0 && prefix[head - 1] == ',' ? " " : "", clean);
		free(clean);
	}
	*n_r = n;
	util_strv_free(found, n);
}

/* Completion for the compose screen's address fields. */
static void
composeop_complete_addr(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r)
{
	composeop_complete_in(ui, ui->cmp.acct, prefix, list_r, n_r);
}

/* Ask for field FIELD, starting from its value. */
static void
composeop_field(struct ui *ui, int field)
{
	static const char *const labels[] = {
		N_("To: "), N_("Cc: "), N_("Bcc: "), N_("Subject: ")
	};
	struct ui_compose *c = &ui->cmp;
	const char *v;

	if (!c->active)
		return;
	v = field == FIELD_TO ? c->d->to : field == FIELD_CC ? c->d->cc :
	    field == FIELD_BCC ? c->d->bcc : c->d->subject;
	c->field = field;
	prompt_start(ui, _(labels[field]), composeop_field_done,
	    field == FIELD_SUBJECT ? NULL : composeop_complete_addr);
	if (v != NULL)
		prompt_fill(ui, v);
}

void
composeop_edit_to(struct ui *ui)
{
	composeop_field(ui, FIELD_TO);
}

void
composeop_edit_cc(struct ui *ui)
{
	composeop_field(ui, FIELD_CC);
}

void
composeop_edit_bcc(struct ui *ui)
{
	composeop_field(ui, FIELD_BCC);
}

void
composeop_edit_subject(struct ui *ui)
{
	composeop_field(ui, FIELD_SUBJECT);
}

static void
composeop_attach_done(struct ui *ui, const char *text)
{
	struct ui_compose *c = &ui->cmp;
	const char *home = getenv("HOME");
	struct stat sb;
	char *path, *shown;

	if (!c->active || *text == '\0')
		return;
	if (strncmp(text, "~/", 2) == 0 && home != NULL)
		path = xasprintf("%s/%s", home, text + 2);
	else
		path = xstrdup(text);
	shown = text_sanitize_dup(path, 0);
	if (stat(path, &sb) != 0)
		ui_error(ui, _("cannot attach \"%s\": %s"), shown,
		    strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		ui_error(ui, _("cannot attach \"%s\": not a file"), shown);
	else if (access(path, R_OK) != 0)
		ui_error(ui, _("cannot attach \"%s\": %s"), shown,
		    strerror(errno));
	else {
		draft_attach(c->d, path, NULL);
		c->sel = c->d->nattach - 1;
		composeop_save_file(ui);
	}
	free(shown);
	free(path);
}

void
composeop_attach(struct ui *ui)
{
	if (ui->cmp.active)
		prompt_start(ui, _("Attach file: "), composeop_attach_done,
		    attach_complete_path);
}

void
composeop_detach(struct ui *ui)
{
	struct ui_compose *c = &ui->cmp;

	if (!c->active)
		return;
	if (c->d->nattach == 0) {
		ui_message(ui, "%s", _("no attachment to detach"));
		return;
	}
	if (c->sel >= c->d->nattach)
		c->sel = c->d->nattach - 1;
	draft_detach(c->d, c->sel);
	if (c->sel > 0 && c->sel >= c->d->nattach)
		c->sel--;
	composeop_save_file(ui);
}

/* The rows of the screen the attachment list may take. */
static int
composeop_list_rows(void)
{
	return LINES > 12 ? LINES - 12 : 1;
}

void
compose_move(struct ui *ui, long n)
{
	struct ui_compose *c = &ui->cmp;
	long v;

	if (!c->active || c->d->nattach == 0)
		return;
	v = (long)c->sel + n;
	if (v >= (long)c->d->nattach)
		v = (long)c->d->nattach - 1;
	c->sel = v < 0 ? 0 : (size_t)v;
	ui->dirty |= DIRTY_ALL;
}

void
compose_jump(struct ui *ui, int end)
{
	struct ui_compose *c = &ui->cmp;

	if (c->active && c->d->nattach > 0)
		c->sel = end ? c->d->nattach - 1 : 0;
	ui->dirty |= DIRTY_ALL;
}

long
compose_page(struct ui *ui)
{
	(void)ui;
	return composeop_list_rows();
}

void
compose_close(struct ui *ui)
{
	composeop_abort(ui);
}

/* Draw "  LABEL: VALUE" on row Y (VALUE not sanitised yet). */
static void
composeop_put_field(int y, const char *label, const char *value, int attr)
{
	struct strbuf sb = STRBUF_INIT;
	char *shown = text_sanitize_dup(value != NULL ? value : "", 0);

	strbuf_addf(&sb, "%10s %s", label, shown);
	ui_put(y, 0, COLS, sb.buf, attr);
	free(shown);
	strbuf_release(&sb);
}

/* The key hints of the compose screen, from the action table. */
static void
composeop_hints(struct strbuf *sb)
{
	struct strbuf keys = STRBUF_INIT;
	size_t i;

	strbuf_addch(sb, ' ');
	for (i = 0; i < cmd_count; i++) {
		if (cmd_table[i].hint == NULL ||
		    strncmp(cmd_table[i].name, "compose-", 8) != 0)
			continue;
		strbuf_reset(&keys);
		if (cmd_hint_key(&keys, &cmd_table[i], CMD_MODE_COMPOSE) == 0)
			continue;
		strbuf_addf(sb, "%s:%s  ", keys.buf, _(cmd_table[i].hint));
	}
	strbuf_release(&keys);
}

void
compose_draw(struct ui *ui)
{
	static const char *const kinds[] = {
		[COMPOSE_NEW] = N_("new message"),
		[COMPOSE_REPLY] = N_("reply"),
		[COMPOSE_REPLY_ALL] = N_("reply to all"),
		[COMPOSE_REPLY_LIST] = N_("reply to the list"),
		[COMPOSE_FORWARD] = N_("forward"),
		[COMPOSE_FORWARD_ATTACH] = N_("forward as an attachment"),
		[COMPOSE_RESEND] = N_("message sent again"),
		[COMPOSE_DRAFT] = N_("postponed message"),
	};
	struct ui_compose *c = &ui->cmp;
	struct strbuf sb = STRBUF_INIT;
	const struct draft *d = c->d;
	const struct account_config *ac;
	char *shown, *name;
	int y = 0, rows, i, warn = (int)color_attr(COLOR_ERROR);
	size_t k, top;
	struct stat st;
	const char *p;

	erase();
	if (!c->active || LINES <= 0 || COLS <= 0)
		goto out;
	ac = ui->accts[c->acct].cfg;
	name = text_sanitize_dup(ui_account_name(ui, c->acct), 0);
	strbuf_addf(&sb, _(" Compose (%s): %s"), name,
	    c->kind >= 0 && c->kind <= COMPOSE_DRAFT ? _(kinds[c->kind]) : "");
	free(name);
	ui_put(y++, 0, COLS, sb.buf, A_REVERSE);
	strbuf_reset(&sb);
	composeop_hints(&sb);
	if (y < LINES)
		ui_put(y++, 0, COLS, sb.buf, (int)color_attr(COLOR_HINTS));
	y++;
	composeop_put_field(y++, _("From:"), d->from != NULL ? d->from :
	    ac->from, 0);
	composeop_put_field(y++, _("To:"), d->to, 0);
	composeop_put_field(y++, _("Cc:"), d->cc, 0);
	composeop_put_field(y++, _("Bcc:"), d->bcc, 0);
	composeop_put_field(y++, _("Subject:"), d->subject, 0);
	if (d->reply_to != NULL)
		composeop_put_field(y++, _("Reply-To:"), d->reply_to, 0);
	y++;
	/* The attachments, with their sizes. */
	if (d->nattach == 0 && d->forward_raw == NULL)
		ui_put(y++, 0, COLS, _(" No attachments"), 0);
	else {
		strbuf_reset(&sb);
		strbuf_addf(&sb, ngettext(" %zu attachment:",
		    " %zu attachments:", d->nattach + (d->forward_raw != NULL)),
		    d->nattach + (d->forward_raw != NULL));
		ui_put(y++, 0, COLS, sb.buf, A_BOLD);
	}
	rows = composeop_list_rows();
	top = c->sel >= (size_t)rows ? c->sel - (size_t)rows + 1 : 0;
	for (k = top, i = 0; k < d->nattach && i < rows && y < LINES - 1;
	    k++, i++) {
		strbuf_reset(&sb);
		if ((p = strrchr(d->attach[k].path, '/')) == NULL)
			p = d->attach[k].path;
		else
			p++;
		strbuf_addstr(&sb, "   ");
		if (stat(d->attach[k].path, &st) == 0)
			format_size(&sb, (int64_t)st.st_size);
		else
			strbuf_addstr(&sb, _("missing"));
		shown = text_sanitize_dup(p, 0);
		strbuf_addf(&sb, "  %s", shown);
		free(shown);
		if (d->attach[k].type != NULL)
			strbuf_addf(&sb, "  [%s]", d->attach[k].type);
		ui_put(y++, 0, COLS, sb.buf, k == c->sel ? A_REVERSE : 0);
	}
	if (d->forward_raw != NULL && y < LINES - 1) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "   ");
		format_size(&sb, (int64_t)d->forward_len);
		strbuf_addf(&sb, "  %s", _("the forwarded message "
		    "[message/rfc822]"));
		ui_put(y++, 0, COLS, sb.buf, 0);
	}
	/* What would be a mistake to send. */
	y++;
	if (c->problem != NULL && y < LINES - 1)
		ui_put(y++, 0, COLS, c->problem, warn);
	if ((d->to == NULL || *d->to == '\0') && (d->cc == NULL ||
	    *d->cc == '\0') && (d->bcc == NULL || *d->bcc == '\0') &&
	    y < LINES - 1)
		ui_put(y++, 0, COLS, _(" No recipients yet (t edits To)"),
		    warn);
	if ((d->subject == NULL || *d->subject == '\0') && y < LINES - 1)
		ui_put(y++, 0, COLS, _(" The subject is empty"), warn);
	if (d->nattach == 0 && d->forward_raw == NULL && d->body != NULL &&
	    compose_mentions_attachment(d->body) && y < LINES - 1)
		ui_put(y++, 0, COLS, _(" The text speaks of an attachment, "
		    "but none is attached"), warn);
	/* The start of the text. */
	if (d->body != NULL && y < LINES - 2) {
		struct text_lines lines = TEXT_LINES_INIT;
		size_t j;

		y++;
		shown = text_sanitize_dup(d->body, TEXT_KEEP_NEWLINES);
		text_wrap(&lines, shown, COLS > 2 ? COLS - 2 : 1);
		for (j = 0; j < lines.n && y < LINES - 1; j++)
			ui_put(y++, 1, COLS - 1, lines.lines[j], A_DIM);
		text_lines_release(&lines);
		free(shown);
	}
out:
	strbuf_release(&sb);
	ui->cursor_x = -1;
	if (ui->lay.status >= 0)
		status_draw(ui);
}

/* Make the draft file PATH (and its attachments' folder, if any) C's. */
static void
composeop_adopt(struct ui_compose *c, const char *path)
{
	struct stat sb;
	char *pd = xasprintf("%s.d", path);

	c->path = xstrdup(path);
	if (stat(pd, &sb) == 0 && S_ISDIR(sb.st_mode))
		c->partdir = pd;
	else
		free(pd);
}

/* Answer to the offer of a leftover draft's file. */
static void
composeop_recover_done(struct ui *ui, int key, void *arg)
{
	struct ui_compose *c = &ui->cmp;
	char *text = NULL, *err = NULL;
	const char *path = arg;
	size_t len, i, slen;
	const char *base;

	if (key == 'd') {
		struct ui_compose gone;

		/* Its own state: a draft being written stays as it is. */
		memset(&gone, 0, sizeof gone);
		gone.lock = -1;
		composeop_adopt(&gone, path);
		composeop_remove_files(&gone);
		composeop_clear(&gone);
		ui_message(ui, "%s", _("the draft is discarded"));
		return;
	}
	if (key != 'y' || c->active)
		return;
	composeop_clear(c);
	if ((c->lock = composeop_lock(path)) < 0 ||
	    composeop_read(path, &text, &len, &err) != 0) {
		composeop_fail(ui, err != NULL ? err :
		    xstrdup(_("the draft is in use")));
		composeop_clear(c);
		return;
	}
	/* Its account: the name the file starts with. */
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	for (i = 0; i < ui->naccts; i++) {
		char *nm = composeop_safe_name(ui_account_name(ui, i));

		slen = strlen(nm);
		if (strncmp(base, nm, slen) == 0 && base[slen] == '-') {
			c->acct = i;
			free(nm);
			break;
		}
		free(nm);
	}
	c->d = xcalloc(1, sizeof *c->d);
	draft_init(c->d);
	composeop_adopt(c, path);
	c->kind = COMPOSE_NEW;
	c->active = 1;
	if (compose_file_read(text, len, c->d, &err) != 0) {
		c->problem = text_sanitize_dup(err, 0);
		free(err);
	}
	free(text);
	composeop_show(ui);
}

void
composeop_recover(struct ui *ui)
{
	struct store *st;
	struct dirent *de;
	char *path, *dir = NULL, *err = NULL, *found = NULL;
	size_t n = 0, len;
	struct stat sb;
	DIR *d;
	int fd;

	if (ui->naccts == 0 || (st = ui_store(ui, 0)) == NULL ||
	    !store_pop3_durable(st))
		return;
	if ((dir = composeop_drafts_dir(ui, 0, &err)) == NULL) {
		free(err);
		return;
	}
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || (len > 5 &&
		    strcmp(de->d_name + len - 5, ".lock") == 0) || (len > 2 &&
		    strcmp(de->d_name + len - 2, ".d") == 0))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    (fd = composeop_lock(path)) < 0) {
			free(path);
			continue;
		}
		/* Free: no reader works on it. Offered with the lock let go. */
		close(fd);
		n++;
		if (found == NULL)
			found = path;
		else
			free(path);
	}
	closedir(d);
	free(dir);
	if (found == NULL)
		return;
	ask_start(ui, "ynd", composeop_recover_done, found,
	    ngettext("%zu message not sent when tern stopped is kept: edit "
	    "it (y), later (n), or discard it (d)?", "%zu messages not sent "
	    "when tern stopped are kept; the first: edit it (y), later (n), "
	    "or discard it (d)?", n), n);
}

void
composeop_free(struct ui *ui)
{
	struct ui_compose *c = &ui->cmp;

	/* An ephemeral draft leaves no trace; a kept one is offered again. */
	if (c->active && c->tmpdir != NULL)
		composeop_remove_files(c);
	composeop_clear(c);
}
