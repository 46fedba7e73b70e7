/*
 * The attachment list (`v`): the parts of one message with their type,
 * size and name, all sanitised; s saves a part to a prompted path (never
 * overwriting without asking, new files 0600), Enter or o opens it with
 * its mailcap entry, | pipes it to a prompted command, q goes back. A
 * copiousoutput entry's output is shown in a text view inside the list.
 *
 * This file also owns the reader's mailcap: it is read once, from
 * $MAILCAPS or ~/.mailcap and /etc/mailcap, and gives the pager its HTML
 * renderer (attach_mime_options()). Running a command hands the terminal
 * over: curses is suspended around it, nothing else happens meanwhile.
 */
#include "autoconfig.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "format.h"
#include "i18n.h"
#include "mailcap.h"
#include "mime.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "util.h"
#include "xmalloc.h"

struct pane_attach {
	size_t acct;
	int64_t msg_id;
	char *raw;		/* the message, as stored */
	size_t len;
	struct mime_part *parts;
	size_t n;
	size_t sel;
	size_t top;
	/* The text view of a copiousoutput command, when VIEWING. */
	int viewing;
	char *view_title;	/* sanitised */
	char *view_text;	/* sanitised, with newlines */
	struct text_lines view;
	int view_width;
	size_t view_top;
	/* A save waiting for the answer to "overwrite?". */
	char *pending_path;
	size_t pending_part;
};

/* The reader's mailcap, read on first use. */
static struct mailcap *attach_mc;
static int attach_mc_read;

static struct mailcap *attach_mailcap(struct ui *);
static int attach_body_rows(void);
static int attach_data(struct ui *, size_t, char **, size_t *);
static int attach_write(struct ui *, const char *, const char *, size_t,
    int);
static void attach_save_done(struct ui *, const char *);
static void attach_overwrite_done(struct ui *, int, void *);
static int attach_name_cmp(const void *, const void *);
static void attach_suspend(void);
static void attach_resume(struct ui *);
static void attach_wait_enter(void);
static void attach_pipe_done(struct ui *, const char *);
static char *attach_html_render(void *, const char *, size_t, size_t *);

/* Read the mailcap files once; NULL never (an empty mailcap at worst). */
static struct mailcap *
attach_mailcap(struct ui *ui)
{
	char **paths, *err = NULL, *shown;

	if (attach_mc_read)
		return (attach_mc);
	attach_mc_read = 1;
	attach_mc = mailcap_new();
	paths = mailcap_paths(getenv("MAILCAPS"), getenv("HOME"));
	if (mailcap_load_paths(attach_mc, paths, &err) != 0 && ui != NULL) {
		shown = text_sanitize_dup(err, 0);
		ui_message(ui, "%s", shown);
		free(shown);
	}
	free(err);
	mailcap_paths_free(paths);
	return (attach_mc);
}

/* The rows between the title line and the status line. */
static int
attach_body_rows(void)
{
	return (LINES > 2 ? LINES - 2 : 0);
}

void
attach_open(struct ui *ui, size_t acct, int64_t id)
{
	struct store *st = ui_store(ui, acct);
	struct account *a = ui_account(ui, acct);
	struct pane_attach *at;
	char *raw = NULL;
	size_t len = 0;
	int r;

	if (st == NULL || id < 0)
		return;
	if ((r = store_body_get(st, id, &raw, &len)) < 0) {
		ui_message(ui, _("cannot read the message: %s"),
		    store_errmsg(st));
		return;
	}
	if (r == 1) {
		if (a == NULL) {
			ui_message(ui, "%s",
			    _("the message is not cached (offline)"));
			return;
		}
		account_fetch_body(a, id);
		ui_message(ui, "%s", _("fetching the message: press v again "
		    "when it is shown"));
		return;
	}
	attach_free(ui);
	at = xcalloc(1, sizeof *at);
	at->acct = acct;
	at->msg_id = id;
	at->raw = raw;
	at->len = len;
	if (mime_parts(raw, len, &at->parts, &at->n) != 0 || at->n == 0) {
		ui_message(ui, "%s", _("the message has no parts"));
		free(at->raw);
		free(at);
		return;
	}
	/* Start on the first part that is not a container or shown text. */
	for (at->sel = 0; at->sel < at->n; at->sel++) {
		if (!at->parts[at->sel].container &&
		    !at->parts[at->sel].shown)
			break;
	}
	if (at->sel == at->n)
		at->sel = 0;
	ui->attach = at;
	ui_mode_push(ui, CMD_MODE_ATTACH);
	ui->dirty |= DIRTY_ALL;
}

/* Leave the text view for the list, or the list for the reader. */
void
attach_close(struct ui *ui)
{
	if (ui->attach != NULL && ui->attach->viewing) {
		ui->attach->viewing = 0;
		ui->dirty |= DIRTY_ALL;
		return;
	}
	attach_free(ui);
	ui->dirty |= DIRTY_ALL;
	clearok(curscr, TRUE);
}

void
attach_free(struct ui *ui)
{
	struct pane_attach *at = ui->attach;

	if (at == NULL)
		return;
	ui_mode_pop(ui, CMD_MODE_ATTACH);
	mime_parts_free(at->parts, at->n);
	free(at->raw);
	free(at->view_title);
	free(at->view_text);
	text_lines_release(&at->view);
	free(at->pending_path);
	free(at);
	ui->attach = NULL;
}

/* Draw the text view of a command's output. */
static void
attach_draw_view(struct ui *ui)
{
	struct pane_attach *at = ui->attach;
	int body = attach_body_rows(), y;
	size_t max;

	if (at->view_width != COLS) {
		text_lines_release(&at->view);
		text_wrap(&at->view, at->view_text, COLS > 0 ? COLS : 1);
		at->view_width = COLS;
	}
	max = body > 0 && at->view.n > (size_t)body ?
	    at->view.n - (size_t)body : 0;
	if (at->view_top > max)
		at->view_top = max;
	ui_put(0, 0, COLS, at->view_title, A_REVERSE);
	for (y = 0; y < body; y++) {
		if (at->view_top + (size_t)y < at->view.n)
			ui_put(y + 1, 0, COLS,
			    at->view.lines[at->view_top + (size_t)y], 0);
		else
			ui_put(y + 1, 0, COLS, "", 0);
	}
}

void
attach_draw(struct ui *ui)
{
	struct pane_attach *at = ui->attach;
	const struct mime_part *p;
	struct strbuf sb = STRBUF_INIT, size = STRBUF_INIT;
	int body = attach_body_rows(), y, cols = COLS, i;
	char *s;
	size_t k;

	erase();
	if (LINES <= 0 || cols <= 0)
		goto out;
	if (at->viewing) {
		attach_draw_view(ui);
		goto status;
	}
	ui_put(0, 0, cols, _(" q:Back  s:Save  o:Open  |:Pipe  "
	    "(attachments)"), A_REVERSE);
	if (at->sel < at->top)
		at->top = at->sel;
	if (body > 0 && at->sel >= at->top + (size_t)body)
		at->top = at->sel - (size_t)body + 1;
	for (y = 0, k = at->top; y < body; y++, k++) {
		if (k >= at->n) {
			ui_put(y + 1, 0, cols, "", 0);
			continue;
		}
		p = &at->parts[k];
		strbuf_reset(&sb);
		strbuf_reset(&size);
		strbuf_addf(&sb, "%3zu ", k + 1);
		for (i = 0; i < p->depth && i < 8; i++)
			strbuf_addstr(&sb, "  ");
		s = text_sanitize_dup(p->type, 0);
		strbuf_addstr(&sb, s);
		free(s);
		if (p->charset != NULL) {
			s = text_sanitize_dup(p->charset, 0);
			strbuf_addf(&sb, "; %s", s);
			free(s);
		}
		while (text_width(sb.buf) < 40)
			strbuf_addch(&sb, ' ');
		if (!p->container)
			format_size(&size, (int64_t)p->size);
		strbuf_addf(&sb, " %7s  ", size.buf);
		if (p->filename != NULL) {
			s = text_sanitize_dup(p->filename, 0);
			strbuf_addstr(&sb, s);
			free(s);
		}
		if (p->description != NULL) {
			s = text_sanitize_dup(p->description, 0);
			strbuf_addf(&sb, p->filename != NULL ? " (%s)" : "%s",
			    s);
			free(s);
		}
		ui_put(y + 1, 0, cols, sb.buf, k == at->sel ? A_REVERSE : 0);
	}
status:
	status_draw(ui);
out:
	strbuf_release(&sb);
	strbuf_release(&size);
}

/* The decoded bytes of part I (free() them); 0, or -1 with a message. */
static int
attach_data(struct ui *ui, size_t i, char **data_r, size_t *len_r)
{
	struct pane_attach *at = ui->attach;

	if (mime_part_data(at->raw, at->len, i, data_r, len_r) != 0) {
		ui_message(ui, "%s", _("cannot decode the part"));
		return (-1);
	}
	return (0);
}

/*
 * Write LEN bytes at DATA to PATH: a new file 0600, or with OVERWRITE an
 * existing one (never through a symbolic link). Returns 0, 1 when PATH
 * exists and OVERWRITE is not set, or -1 with a message.
 */
static int
attach_write(struct ui *ui, const char *path, const char *data, size_t len,
    int overwrite)
{
	char *shown;
	int fd, flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC;

	flags |= overwrite ? O_TRUNC : O_CREAT | O_EXCL;
	if ((fd = open(path, flags, 0600)) == -1) {
		if (errno == EEXIST && !overwrite)
			return (1);
		goto fail;
	}
	if (util_write_all(fd, data, len) != 0) {
		close(fd);
		goto fail;
	}
	if (close(fd) != 0)
		goto fail;
	return (0);
fail:
	shown = text_sanitize_dup(path, 0);
	ui_message(ui, _("cannot write \"%s\": %s"), shown, strerror(errno));
	free(shown);
	return (-1);
}

/* Save part PART to PATH, asking before an overwrite. */
static void
attach_save_to(struct ui *ui, size_t part, const char *path, int overwrite)
{
	struct pane_attach *at = ui->attach;
	char *data, *shown;
	size_t len;
	int r;

	if (attach_data(ui, part, &data, &len) != 0)
		return;
	r = attach_write(ui, path, data, len, overwrite);
	free(data);
	shown = text_sanitize_dup(path, 0);
	if (r == 0)
		ui_message(ui, _("saved \"%s\""), shown);
	else if (r == 1) {
		free(at->pending_path);
		at->pending_path = xstrdup(path);
		at->pending_part = part;
		free(shown);
		ask_start(ui, "yn", attach_overwrite_done, NULL, "%s",
		    _("The file exists; overwrite it? (y/n)"));
		return;
	}
	free(shown);
}

static void
attach_overwrite_done(struct ui *ui, int key, void *arg)
{
	struct pane_attach *at = ui->attach;
	char *path;

	if (at == NULL || at->pending_path == NULL)
		return;
	path = at->pending_path;
	at->pending_path = NULL;
	(void)arg;
	if (key == 'y')
		attach_save_to(ui, at->pending_part, path, 1);
	else
		ui_message(ui, "%s", _("not saved"));
	free(path);
}

static void
attach_save_done(struct ui *ui, const char *text)
{
	struct pane_attach *at = ui->attach;
	const struct mime_part *p;
	struct stat st;
	char *name, *path, *home, *dir;
	char cwd[PATH_MAX];

	if (at == NULL)
		return;
	p = &at->parts[at->sel];
	name = mailcap_safe_name(p->filename, NULL);
	home = getenv("HOME");
	if (*text == '\0') {
		if (getcwd(cwd, sizeof cwd) == NULL)
			snprintf(cwd, sizeof cwd, ".");
		path = xasprintf("%s/%s", cwd, name);
	} else if (text[0] == '~' && (text[1] == '/' || text[1] == '\0') &&
	    home != NULL)
		path = xasprintf("%s%s", home, text + 1);
	else
		path = xstrdup(text);
	/* A folder: the sanitised name inside it. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		dir = path;
		path = xasprintf("%s%s%s", dir, *dir != '\0' &&
		    dir[strlen(dir) - 1] == '/' ? "" : "/", name);
		free(dir);
	}
	attach_save_to(ui, at->sel, path, 0);
	free(path);
	free(name);
}

/* Sort names by strcmp(). */
static int
attach_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Tab in the save prompt: the files and folders whose names start as the
 * last part of PREFIX does (a folder with its '/'), in PREFIX's folder;
 * "~/" stands for $HOME. Hidden files only when the part starts with '.'.
 */
void
attach_complete_path(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r)
{
	const char *slash, *base, *home = getenv("HOME");
	char *dir, *path, **list = NULL;
	struct dirent *de;
	struct stat st;
	size_t n = 0, blen, dlen;
	DIR *d;

	(void)ui;
	*list_r = NULL;
	*n_r = 0;
	slash = strrchr(prefix, '/');
	base = slash != NULL ? slash + 1 : prefix;
	blen = strlen(base);
	dlen = slash != NULL ? (size_t)(slash - prefix) + 1 : 0;
	if (slash == NULL)
		dir = xstrdup(".");
	else if (prefix[0] == '~' && prefix[1] == '/' && home != NULL)
		dir = xasprintf("%s%.*s", home, (int)(dlen - 1), prefix + 1);
	else
		dir = xstrndup(prefix, dlen);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (de->d_name[0] == '.' && base[0] != '.') ||
		    strncmp(de->d_name, base, blen) != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = xasprintf("%.*s%s%s", (int)dlen, prefix,
		    de->d_name, stat(path, &st) == 0 && S_ISDIR(st.st_mode) ?
		    "/" : "");
		free(path);
	}
	closedir(d);
	free(dir);
	if (n > 1)
		qsort(list, n, sizeof *list, attach_name_cmp);
	*list_r = list;
	*n_r = n;
}

/* s: ask where to save the selected part. */
void
attach_save(struct ui *ui)
{
	struct pane_attach *at = ui->attach;
	static char label[PATH_MAX + 64];
	char *name, *shown, cwd[PATH_MAX];

	if (at == NULL || at->viewing)
		return;
	if (at->parts[at->sel].container &&
	    strcmp(at->parts[at->sel].type, "message/rfc822") != 0) {
		ui_message(ui, "%s", _("choose a part, not a multipart"));
		return;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, ".");
	name = mailcap_safe_name(at->parts[at->sel].filename, NULL);
	shown = text_sanitize_dup(cwd, 0);
	snprintf(label, sizeof label, _("Save to (Enter: %s/%s): "), shown,
	    name);
	free(shown);
	free(name);
	prompt_start(ui, label, attach_save_done, attach_complete_path);
}

/* Hand the terminal to a command. */
static void
attach_suspend(void)
{
	def_prog_mode();
	endwin();
	fflush(stdout);
}

/* Take the terminal back and draw everything. */
static void
attach_resume(struct ui *ui)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	ui->dirty |= DIRTY_ALL;
}

/* Let the user read what a command printed before the screen returns. */
static void
attach_wait_enter(void)
{
	char c;

	fputs(_("Press Enter to return to tern."), stdout);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n' && c != '\r')
		;
}

/* Enter, o, m: run the mailcap entry of the selected part. */
void
attach_open_part(struct ui *ui)
{
	struct pane_attach *at = ui->attach;
	const struct mime_part *p;
	const struct mailcap_entry *e;
	struct mailcap_param params[1];
	struct strbuf sb = STRBUF_INIT;
	char *data, *out = NULL, *err = NULL, *shown, *name, *text;
	size_t len, olen = 0;
	int status = -1, r;

	if (at == NULL || at->viewing) {
		if (at != NULL)
			attach_move(ui, 1);
		return;
	}
	p = &at->parts[at->sel];
	if (p->container && strcmp(p->type, "message/rfc822") != 0) {
		ui_message(ui, "%s", _("choose a part, not a multipart"));
		return;
	}
	if ((e = mailcap_find(attach_mailcap(ui), p->type, 0)) == NULL) {
		shown = text_sanitize_dup(p->type, 0);
		ui_message(ui, _("no mailcap entry for \"%s\""), shown);
		free(shown);
		return;
	}
	if (attach_data(ui, at->sel, &data, &len) != 0)
		return;
	params[0].name = "charset";
	params[0].value = p->charset;
	if (!e->copiousoutput)
		attach_suspend();
	r = mailcap_run(e, p->type, params, p->charset != NULL ? 1 : 0,
	    p->filename, data, len, &out, &olen, &status, &err);
	if (!e->copiousoutput) {
		if (r == 0 && status != 0 && !e->needsterminal) {
			printf(_("The command exited with status %d. "),
			    status);
			attach_wait_enter();
		}
		attach_resume(ui);
	}
	free(data);
	if (r != 0) {
		shown = text_sanitize_dup(err, 0);
		ui_message(ui, "%s", shown);
		free(shown);
		free(err);
		free(out);
		return;
	}
	if (e->copiousoutput) {
		text = mime_to_utf8(NULL, out, olen, NULL);
		free(at->view_text);
		free(at->view_title);
		text_sanitize(&sb, text, strlen(text), TEXT_KEEP_NEWLINES);
		free(text);
		at->view_text = strbuf_detach(&sb, NULL);
		name = text_sanitize_dup(p->filename != NULL ? p->filename :
		    p->type, 0);
		at->view_title = xasprintf(_(" %s: output of the mailcap "
		    "entry (q:back)"), name);
		free(name);
		text_lines_release(&at->view);
		at->view_width = 0;
		at->view_top = 0;
		at->viewing = 1;
		ui->dirty |= DIRTY_ALL;
		if (status != 0)
			ui_message(ui, _("the command exited with status %d"),
			    status);
	}
	free(out);
	strbuf_release(&sb);
}

void
ui_pipe(struct ui *ui, const char *command, const char *data, size_t len)
{
	char *err = NULL, *shown;
	int status = -1, r;

	attach_suspend();
	r = mailcap_pipe(command, data, len, &status, &err);
	if (r == 0 && status != 0)
		printf(_("The command exited with status %d. "), status);
	attach_wait_enter();
	attach_resume(ui);
	if (r != 0) {
		shown = text_sanitize_dup(err, 0);
		ui_message(ui, "%s", shown);
		free(shown);
		free(err);
	}
}

static void
attach_pipe_done(struct ui *ui, const char *text)
{
	struct pane_attach *at = ui->attach;
	char *data;
	size_t len;

	if (at == NULL || *text == '\0')
		return;
	if (attach_data(ui, at->sel, &data, &len) != 0)
		return;
	ui_pipe(ui, text, data, len);
	free(data);
}

void
attach_pipe(struct ui *ui)
{
	if (ui->attach == NULL || ui->attach->viewing)
		return;
	prompt_start(ui, _("Pipe to: "), attach_pipe_done, NULL);
}

long
attach_page(struct ui *ui)
{
	(void)ui;
	return attach_body_rows() > 1 ? attach_body_rows() : 1;
}

/* Move the selection, or scroll the text view, by N rows. */
void
attach_move(struct ui *ui, long n)
{
	struct pane_attach *at = ui->attach;
	long v;

	if (at == NULL)
		return;
	if (at->viewing) {
		v = (long)at->view_top + n;
		if (v > (long)at->view.n)
			v = (long)at->view.n;
		at->view_top = v < 0 ? 0 : (size_t)v;
		ui->dirty |= DIRTY_ALL;
		return;
	}
	v = (long)at->sel + n;
	if (v >= (long)at->n)
		v = (long)at->n - 1;
	if (v < 0)
		v = 0;
	at->sel = (size_t)v;
	ui->dirty |= DIRTY_ALL;
}

void
attach_jump(struct ui *ui, int end)
{
	struct pane_attach *at = ui->attach;

	if (at == NULL)
		return;
	attach_move(ui, end ? (long)(at->viewing ? at->view.n : at->n) :
	    -(long)(at->viewing ? at->view_top : at->sel));
}

/*
 * The pager's HTML renderer: the first copiousoutput entry for text/html
 * (w3m -dump, lynx -dump) when the mailcap has one. NULL: the built-in
 * converter is used.
 */
static char *
attach_html_render(void *arg, const char *html, size_t len, size_t *len_r)
{
	const struct mailcap_entry *e;
	const struct mailcap_param params[] = { { "charset", "utf-8" } };
	char *out = NULL, *err = NULL;
	size_t olen = 0;
	int status = -1;

	e = mailcap_find(attach_mailcap(arg), "text/html", MAILCAP_COPIOUS);
	if (e == NULL)
		return (NULL);
	if (mailcap_run(e, "text/html", params, 1, "message.html", html, len,
	    &out, &olen, &status, &err) != 0 || status != 0 || olen == 0) {
		free(err);
		free(out);
		return (NULL);
	}
	*len_r = olen;
	return (out);
}

void
attach_mime_options(struct ui *ui, struct mime_options *opts)
{
	mime_options_init(opts);
	opts->html_render = attach_html_render;
	opts->html_arg = ui;
	/* [ui] headers and prefer_html. */
	if (ui->cfg != NULL && ui->cfg->ui.headers != NULL)
		opts->headers = (const char *const *)ui->cfg->ui.headers;
	if (ui->cfg != NULL)
		opts->prefer_html = ui->cfg->ui.prefer_html;
}

void
attach_mailcap_free(void)
{
	mailcap_free(attach_mc);
	attach_mc = NULL;
	attach_mc_read = 0;
}
