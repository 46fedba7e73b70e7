/*
 * The reader's main loop and screen layout: ui_run() sets up curses,
 * waits in poll() on the terminal, the accounts' event queue and a signal
 * pipe, handles every pending event and key, and redraws what changed.
 * This file also owns the open folder (which account, which folder) and
 * the transient messages of the status line.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "cmd.h"
#include "config.h"
#include "i18n.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "xmalloc.h"

/* How long a transient message stays on the status line. */
#define UI_TRANSIENT_SECS 8

/* How long one step of idle work (wrapping a long message) may take. */
#define UI_WORK_MS 15

static void ui_sig_wake(char);
static void ui_sig_handler(int);
static void ui_winch_handler(int);
static int ui_signals_set(void);
static void ui_signals_restore(void);
static void ui_event(struct ui *, struct account_event *);
static void ui_events(struct ui *);
static void ui_keys(struct ui *);
static void ui_draw(struct ui *);
static void ui_resolve_open(struct ui *);
static void ui_free(struct ui *);

/* The signal pipe: handlers write one byte so that poll() wakes. */
static int ui_sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t ui_sig_caught;
static struct sigaction ui_old_int, ui_old_term, ui_old_hup, ui_old_winch;
static struct sigaction ui_curses_winch;

/*
 * Wake the loop: one byte into the signal pipe. A full pipe already holds
 * a wake-up, so a failed write loses nothing; the result is read only to
 * say so (a (void) cast does not quiet warn_unused_result).
 */
static void
ui_sig_wake(char c)
{
	ssize_t n;

	if (ui_sig_pipe[1] == -1)
		return;
	n = write(ui_sig_pipe[1], &c, 1);
	(void)n;
}

static void
ui_sig_handler(int sig)
{
	int saved = errno;

	ui_sig_caught = sig;
	ui_sig_wake('s');
	errno = saved;
}

/*
 * SIGWINCH may land on an account's thread, where it would not interrupt
 * our poll(): run curses' own handler (which makes get_wch() return
 * KEY_RESIZE) and wake the loop through the pipe.
 */
static void
ui_winch_handler(int sig)
{
	int saved = errno;

	if (ui_curses_winch.sa_handler != SIG_DFL &&
	    ui_curses_winch.sa_handler != SIG_IGN &&
	    ui_curses_winch.sa_handler != NULL)
		ui_curses_winch.sa_handler(sig);
	ui_sig_wake('w');
	errno = saved;
}

static int
ui_signals_set(void)
{
	struct sigaction sa;
	int i;

	if (pipe(ui_sig_pipe) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(ui_sig_pipe[i], F_SETFL,
		    fcntl(ui_sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(ui_sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = ui_sig_handler;
	sigaction(SIGINT, &sa, &ui_old_int);
	sigaction(SIGTERM, &sa, &ui_old_term);
	sigaction(SIGHUP, &sa, &ui_old_hup);
	/* Curses installed its SIGWINCH handler in newterm(): chain it. */
	sigaction(SIGWINCH, NULL, &ui_curses_winch);
	if (ui_curses_winch.sa_flags & SA_SIGINFO)
		ui_curses_winch.sa_handler = SIG_DFL;
	sa.sa_handler = ui_winch_handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, &ui_old_winch);
	return 0;
}

static void
ui_signals_restore(void)
{
	int i;

	sigaction(SIGINT, &ui_old_int, NULL);
	sigaction(SIGTERM, &ui_old_term, NULL);
	sigaction(SIGHUP, &ui_old_hup, NULL);
	sigaction(SIGWINCH, &ui_old_winch, NULL);
	for (i = 0; i < 2; i++) {
		if (ui_sig_pipe[i] != -1)
			close(ui_sig_pipe[i]);
		ui_sig_pipe[i] = -1;
	}
}

const char *
ui_account_name(struct ui *ui, size_t acct)
{
	if (acct >= ui->naccts || ui->accts[acct].cfg == NULL ||
	    ui->accts[acct].cfg->name == NULL)
		return "";
	return ui->accts[acct].cfg->name;
}

struct store *
ui_store(struct ui *ui, size_t acct)
{
	return acct < ui->naccts ? ui->accts[acct].store : NULL;
}

struct account *
ui_account(struct ui *ui, size_t acct)
{
	return acct < ui->naccts ? ui->accts[acct].account : NULL;
}

void
ui_put(int y, int x, int w, const char *s, int attr)
{
	struct strbuf sb = STRBUF_INIT, term = STRBUF_INIT;

	if (w <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	/* Fitted in the terminal's columns, then written in its charset. */
	text_fit(&sb, s, w, 1);
	text_to_term(&term, sb.buf);
	if (attr != 0)
		attron(attr);
	mvaddstr(y, x, term.buf);
	if (attr != 0)
		attroff(attr);
	strbuf_release(&term);
	strbuf_release(&sb);
}

void
ui_message(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(ui->transient);
	ui->transient = text_sanitize_dup(sb.buf, 0);
	ui->transient_until = time(NULL) + UI_TRANSIENT_SECS;
	ui->transient_error = 0;
	ui->dirty |= DIRTY_STATUS;
	strbuf_release(&sb);
}

void
ui_error(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ui_message(ui, "%s", sb.buf);
	ui->transient_error = 1;
	strbuf_release(&sb);
}

void
ui_busy(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;

	free(ui->busy);
	ui->busy = NULL;
	ui->dirty |= DIRTY_STATUS;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ui->busy = text_sanitize_dup(sb.buf, 0);
	strbuf_release(&sb);
	/* Shown now: the work that follows holds the loop for a while. */
	if (ui->curses && ui->lay.status >= 0 &&
	    !ui_modes[ui_mode(ui)].covers_status) {
		status_draw(ui);
		wnoutrefresh(stdscr);
		doupdate();
	}
}

void
ui_relayout(struct ui *ui)
{
	struct ui_layout *l = &ui->lay;
	int lines = LINES, cols = COLS, y = 0, bottom, bh, x = 0, w, fw, ih;
	int wide = cols >= UI_WIDE_COLS;

	if (lines < 0)
		lines = 0;
	if (cols < 0)
		cols = 0;
	/* Crossing the threshold resets the folder pane to its default. */
	if (wide != ui->wide) {
		ui->show_folders = wide;
		if (wide)
			ui->pager_open = 0;
		else if (ui->wide != -1 && ui->focus == PANE_PAGER)
			ui->pager_open = 1;
		ui->wide = wide;
	}
	memset(l, 0, sizeof *l);
	l->lines = lines;
	l->cols = cols;
	l->header = l->status = l->sep_x = l->divider = -1;
	bottom = lines;
	if (lines >= 3) {
		l->header = 0;
		y = 1;
	}
	if (lines >= 2) {
		l->status = lines - 1;
		bottom = lines - 1;
	}
	bh = bottom - y;
	if (bh < 0)
		bh = 0;
	w = cols;
	if (ui->show_folders && !ui->pager_open && bh > 0) {
		fw = wide ? UI_FOLDERS_WIDTH : cols / 2;
		if (fw > UI_FOLDERS_WIDTH)
			fw = UI_FOLDERS_WIDTH;
		if (fw >= 1 && cols - fw - 1 >= 1) {
			l->folders = (struct ui_rect){ y, 0, bh, fw };
			l->sep_x = fw;
			x = fw + 1;
			w = cols - fw - 1;
		}
	}
	if (!wide) {
		if (ui->pager_open)
			l->pager = (struct ui_rect){ y, x, bh, w };
		else
			l->index = (struct ui_rect){ y, x, bh, w };
	} else if (bh >= 4) {
		ih = ui->cfg != NULL ? ui->cfg->ui.pager_lines : 0;
		/* By default the index and the pager share the height. */
		if (ih <= 0)
			ih = (bh - 1) / 2;
		if (ih > bh - 2)
			ih = bh - 2;
		if (ih < 1)
			ih = 1;
		l->index = (struct ui_rect){ y, x, ih, w };
		l->divider = y + ih;
		l->pager = (struct ui_rect){ y + ih + 1, x, bh - ih - 1, w };
	} else
		l->index = (struct ui_rect){ y, x, bh, w };
	ui_focus_fix(ui);
	ui->dirty |= DIRTY_ALL;
}

void
ui_focus_fix(struct ui *ui)
{
	const struct ui_layout *l = &ui->lay;
	const struct ui_rect *r[PANE_COUNT] = {
		&l->folders, &l->index, &l->pager
	};
	int p;

	if (r[ui->focus]->w > 0 && r[ui->focus]->h > 0)
		return;
	if (r[PANE_INDEX]->w > 0 && r[PANE_INDEX]->h > 0) {
		ui->focus = PANE_INDEX;
		return;
	}
	for (p = 0; p < PANE_COUNT; p++) {
		if (r[p]->w > 0 && r[p]->h > 0) {
			ui->focus = (enum ui_pane)p;
			return;
		}
	}
}

/* Whether folder F is the Inbox. */
static int
ui_is_inbox(const struct store_folder *f)
{
	return f->role == ROLE_INBOX ||
	    (f->name != NULL && strcasecmp(f->name, "INBOX") == 0);
}

const struct store_folder *
ui_find_folder(struct ui *ui, size_t acct, const char *name)
{
	const struct ui_acct *as;
	const struct store_folder *f, *hit = NULL;
	size_t i, len;
	int pass, nhit;

	if (acct >= ui->naccts)
		return NULL;
	as = &ui->as[acct];
	if (name == NULL || strcasecmp(name, "INBOX") == 0) {
		for (i = 0; i < as->nfolders; i++) {
			if (ui_is_inbox(&as->folders[i]))
				return &as->folders[i];
		}
		return NULL;
	}
	/* Exact server name, exact display name, then without case. */
	for (pass = 0; pass < 4; pass++) {
		for (i = 0; i < as->nfolders; i++) {
			const char *s;

			f = &as->folders[i];
			s = pass % 2 == 0 ? f->name : f->display;
			if (s == NULL)
				continue;
			if (pass < 2 ? strcmp(s, name) == 0 :
			    strcasecmp(s, name) == 0)
				return f;
		}
	}
	/* A unique prefix of a display name. */
	len = strlen(name);
	nhit = 0;
	for (i = 0; i < as->nfolders; i++) {
		f = &as->folders[i];
		if (f->display != NULL &&
		    strncasecmp(f->display, name, len) == 0) {
			hit = f;
			nhit++;
		}
	}
	return nhit == 1 ? hit : NULL;
}

const struct store_folder *
ui_folder_spec(struct ui *ui, size_t acct, const char *text, size_t *acct_r)
{
	const struct store_folder *f;
	const char *colon, *rest;
	size_t i, len;

	*acct_r = acct;
	/* mutt's folder shortcut: =NAME (or +NAME) is NAME here. */
	if (*text == '=' || *text == '+')
		text++;
	if ((f = ui_find_folder(ui, acct, text)) != NULL)
		return f;
	if ((colon = strchr(text, ':')) == NULL)
		return NULL;
	len = (size_t)(colon - text);
	rest = colon + 1;
	if (*rest == '=' || *rest == '+')
		rest++;
	for (i = 0; i < ui->naccts; i++) {
		const char *name = ui_account_name(ui, i);

		if (strlen(name) != len || strncmp(name, text, len) != 0)
			continue;
		*acct_r = i;
		return ui_find_folder(ui, i, *rest == '\0' ? NULL : rest);
	}
	return NULL;
}

const struct store_folder *
ui_open_folder_info(struct ui *ui)
{
	const struct ui_acct *as;
	size_t i;

	if (ui->folder_id < 0 || ui->cur >= ui->naccts)
		return NULL;
	as = &ui->as[ui->cur];
	for (i = 0; i < as->nfolders; i++) {
		if (as->folders[i].id == ui->folder_id)
			return &as->folders[i];
	}
	return NULL;
}

int
ui_open_folder(struct ui *ui, size_t acct, const struct store_folder *f)
{
	struct account *a = ui_account(ui, acct);
	char *name;

	if (acct >= ui->naccts || f == NULL)
		return -1;
	if (acct == ui->cur && f->id == ui->folder_id) {
		ui->focus = PANE_INDEX;
		ui->pager_open = 0;
		ui_relayout(ui);
		return 0;
	}
	/* Expunge on leaving, as configured; a question carries on later. */
	if (msgop_leave(ui, LEAVE_OPEN, acct, f->id))
		return 0;
	tags_clear(ui);
	name = xstrdup(f->name);
	ui->cur = acct;
	ui->folder_id = f->id;
	free(ui->folder_want);
	ui->folder_want = NULL;
	if (a != NULL)
		account_open_folder(a, name);
	free(name);

	index_free(ui);
	index_load(ui);
	folders_count_open(ui);
	pager_show(ui, acct, -1);
	ui->pager_open = 0;
	ui->focus = PANE_INDEX;
	ui->fp.have_sel = 0;
	folders_rebuild(ui);
	ui_relayout(ui);
	return 0;
}

/* Once the store knows the folder we were asked to open, load it. */
static void
ui_resolve_open(struct ui *ui)
{
	const struct store_folder *f;

	if (ui->folder_id >= 0)
		return;
	if ((f = ui_find_folder(ui, ui->cur, ui->folder_want)) == NULL)
		return;
	ui->folder_id = f->id;
	free(ui->folder_want);
	ui->folder_want = NULL;
	ui->ix.reload = 1;
	ui->fp.have_sel = 0;
	folders_count_open(ui);
	folders_rebuild(ui);
}

static void
ui_event(struct ui *ui, struct account_event *ev)
{
	struct ui_acct *as;
	size_t i;

	for (i = 0; i < ui->naccts; i++) {
		if (ui->accts[i].account == ev->account)
			break;
	}
	if (i == ui->naccts)
		return;
	as = &ui->as[i];
	switch (ev->kind) {
	case EV_STATE:
		as->state = ev->u.state.state;
		free(as->reason);
		as->reason = ev->u.state.reason != NULL ?
		    text_sanitize_dup(ev->u.state.reason, 0) : NULL;
		if (ev->u.state.state == ACCOUNT_ONLINE)
			as->prog_total = 0;
		ui->dirty |= DIRTY_STATUS;
		break;
	case EV_FOLDERS:
		as->stale = 1;
		break;
	case EV_HEADERS:
		as->stale = 1;
		if (i == ui->cur && (ui->folder_id < 0 ||
		    ev->u.headers.folder_id == ui->folder_id))
			ui->ix.reload = 1;
		break;
	case EV_PROGRESS:
		as->prog_folder = ev->u.progress.folder_id;
		as->prog_n = ev->u.progress.n;
		as->prog_total = ev->u.progress.total;
		as->prog_bytes = ev->u.progress.bytes;
		as->prog_total_bytes = ev->u.progress.total_bytes;
		ui->dirty |= DIRTY_STATUS;
		break;
	case EV_BODY:
		pager_body_arrived(ui, i, ev->u.body.msg_id);
		composeop_body_arrived(ui, i, ev->u.body.msg_id);
		break;
	case EV_ERROR:
		if (ui->naccts > 1)
			ui_message(ui, "%s: %s", ui_account_name(ui, i),
			    ev->u.error.text != NULL ? ev->u.error.text :
			    _("error"));
		else
			ui_message(ui, "%s", ev->u.error.text != NULL ?
			    ev->u.error.text : _("error"));
		break;
	case EV_NEWMAIL:
	case EV_NOTICE:
	case EV_GONE:
		msgop_event(ui, i, ev);
		break;
	case EV_PREVIEW:
		preview_changed(ui, i);
		break;
	case EV_SEARCH:
		searchop_event(ui, i, ev);
		break;
	case EV_OUTBOX:
		as->out_waiting = ev->u.outbox.waiting;
		as->out_failed = ev->u.outbox.failed;
		as->out_unknown = ev->u.outbox.unknown;
		ui->dirty |= DIRTY_STATUS;
		composeop_outbox_changed(ui, i);
		break;
	case EV_DONE:
		break;
	}
}

/* Take every waiting event, then do the reloads they asked for once. */
static void
ui_events(struct ui *ui)
{
	struct account_event ev;
	size_t i;
	int any = 0;

	if (ui->q == NULL)
		return;
	for (;;) {
		memset(&ev, 0, sizeof ev);
		if (evqueue_next(ui->q, &ev) != 1)
			break;
		ui_event(ui, &ev);
		account_event_release(&ev);
		any = 1;
	}
	if (!any)
		return;
	for (i = 0; i < ui->naccts; i++) {
		if (ui->as[i].stale)
			folders_reload(ui, i);
	}
	ui_resolve_open(ui);
}

/* Read every key waiting (curses may hold some already read). */
static void
ui_keys(struct ui *ui)
{
	wint_t wc;
	int rc, key;

	while (!ui->quit) {
		rc = get_wch(&wc);
		if (rc == ERR)
			break;
		if (rc == KEY_CODE_YES && wc == KEY_RESIZE) {
			ui_relayout(ui);
			clearok(curscr, TRUE);
			continue;
		}
		if ((key = cmd_key_from_curses(rc, (unsigned int)wc)) < 0)
			continue;
		cmd_dispatch(ui, key);
	}
}

static void
ui_draw(struct ui *ui)
{
	const struct ui_layout *l = &ui->lay;
	const struct ui_mode *mode;
	int64_t id;
	int y, wait;

	if (index_reload_due(ui, &wait))
		index_load(ui);
	/* The wide layout previews the selected message. */
	if (ui->wide && l->pager.h > 0) {
		id = index_selected(ui);
		if (ui->pg.acct != ui->cur || ui->pg.msg_id != id)
			pager_show(ui, ui->cur, id);
	}
	/* A full-screen mode draws the whole screen. */
	mode = &ui_modes[ui_mode(ui)];
	if (mode->draw != NULL) {
		if (ui->dirty != 0)
			mode->draw(ui);
		ui->dirty = 0;
		if (!mode->covers_status && ui->cursor_x >= 0 &&
		    l->status >= 0) {
			curs_set(1);
			move(l->status, ui->cursor_x);
		} else
			curs_set(0);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	if (ui->dirty & DIRTY_CLEAR)
		erase();
	if ((ui->dirty & DIRTY_HEADER) && l->header >= 0)
		status_draw_header(ui);
	if ((ui->dirty & DIRTY_FOLDERS) && l->folders.w > 0) {
		folders_draw(ui);
		/*
		 * The border is U+2502 itself in UTF-8 rather than ACS_VLINE:
		 * the alternate character set is not honoured by every
		 * terminal in UTF-8 mode. Elsewhere ACS_VLINE is the line the
		 * terminal has (curses falls back to '|' when it has none).
		 */
		for (y = l->folders.y; y < l->folders.y + l->folders.h; y++) {
			if (ui->utf8)
				mvaddstr(y, l->sep_x, "\u2502");
			else
				mvaddch(y, l->sep_x, ACS_VLINE);
		}
	}
	if ((ui->dirty & DIRTY_INDEX) && l->index.w > 0 && l->index.h > 0)
		index_draw(ui);
	if ((ui->dirty & DIRTY_PAGER) && l->pager.w > 0 && l->pager.h > 0)
		pager_draw(ui);
	ui->cursor_x = -1;
	if (l->status >= 0)
		status_draw(ui);
	ui->dirty = 0;
	if (ui->cursor_x >= 0 && l->status >= 0) {
		curs_set(1);
		move(l->status, ui->cursor_x);
	} else
		curs_set(0);
	wnoutrefresh(stdscr);
	doupdate();
}

static void
ui_free(struct ui *ui)
{
	size_t i;

	free(ui->busy);
	index_job_finish(ui, 1);
	index_free(ui);
	pager_free(ui);
	preview_free(ui);
	ask_free(ui);
	attach_free(ui);
	attach_mailcap_free();
	composeop_free(ui);
	prompt_free(ui);
	msgop_free(ui);
	searchop_free(ui);
	folders_free(ui);
	for (i = 0; i < ui->naccts; i++) {
		store_folder_list_free(ui->as[i].folders, ui->as[i].nfolders);
		free(ui->as[i].reason);
	}
	free(ui->as);
	free(ui->folder_want);
	free(ui->transient);
	cmd_free();
}

int
ui_run(const struct config *cfg, struct ui_account *accts, size_t n,
    struct evqueue *q, const char *folder, const struct draft *compose)
{
	struct ui ui;
	struct pollfd pfd[4];
	SCREEN *scr;
	char buf[64], *err = NULL;
	time_t now;
	int timeout, nfd, wait;
	size_t i;

	if (n == 0) {
		fprintf(stderr, "tern: %s\n", _("no account to open"));
		return 1;
	}
	memset(&ui, 0, sizeof ui);
	ui.cfg = cfg;
	ui.accts = accts;
	ui.naccts = n;
	ui.q = q;
	ui.as = xcalloc(n, sizeof *ui.as);
	ui.folder_id = -1;
	ui.folder_want = folder != NULL ? xstrdup(folder) : NULL;
	ui.wide = -1;
	ui.focus = PANE_INDEX;
	ui.pg.msg_id = -1;
	ui.pg.requested = -1;
	ui.cursor_x = -1;
	ui.cmp.lock = -1;
	ui.utf8 = strcasecmp(nl_langinfo(CODESET), "UTF-8") == 0 ||
	    strcasecmp(nl_langinfo(CODESET), "utf8") == 0;
	/*
	 * Everything is UTF-8 inside (the catalogue's messages too) and is
	 * converted to the terminal's charset only when drawn (ui_put()).
	 */
	text_term_set(nl_langinfo(CODESET));
#ifdef ENABLE_NLS
	bind_textdomain_codeset(PACKAGE, "UTF-8");
#endif
	ui.sort = cfg != NULL ? (int)cfg->ui.sort : SORT_DATE;
	ui.sort_reverse = cfg != NULL ? cfg->ui.sort_reverse : 0;
	for (i = 0; i < n; i++) {
		ui.as[i].state = accts[i].account != NULL ?
		    account_state(accts[i].account) : ACCOUNT_OFFLINE;
		folders_reload(&ui, i);
	}
	cmd_init();
	/* The config's bind lines: a bad one stops here, before curses. */
	if (cfg != NULL && cmd_bind_config(cfg, &err) != 0) {
		fprintf(stderr, "tern: %s\n", err);
		free(err);
		ui_free(&ui);
		return 2;
	}

	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "tern: %s\n",
		    _("cannot start the terminal (is TERM set?)"));
		ui_free(&ui);
		return 1;
	}
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	/*
	 * Home and End as tmux, screen and rxvt send them, whatever TERM
	 * says (TERM=xterm inside tmux is common): the line editor's keys.
	 */
	define_key("\033[1~", KEY_HOME);
	define_key("\033[4~", KEY_END);
	define_key("\033[7~", KEY_HOME);
	define_key("\033[8~", KEY_END);
	nodelay(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	color_init(cfg);
	ui.curses = 1;
	if (ui_signals_set() != 0) {
		endwin();
#ifdef ENABLE_NLS
	/* stderr again: messages in the locale's own charset. */
	bind_textdomain_codeset(PACKAGE, nl_langinfo(CODESET));
#endif
		delscreen(scr);
		fprintf(stderr, "tern: %s\n", _("cannot create a pipe"));
		ui_free(&ui);
		return 1;
	}

	ui_relayout(&ui);
	ui_resolve_open(&ui);
	index_load(&ui);
	folders_rebuild(&ui);
	/* A draft a reader left behind when it died; or tern compose. */
	if (compose != NULL)
		composeop_start_seed(&ui, compose);
	else
		composeop_recover(&ui);

	while (!ui.quit) {
		ui_draw(&ui);
		/* A build of the index asked for: once the screen shows. */
		index_job_kick(&ui);

		timeout = -1;
		if (ui.transient != NULL) {
			now = time(NULL);
			timeout = ui.transient_until > now ?
			    (int)(ui.transient_until - now) * 1000 : 0;
		}
		if (!index_reload_due(&ui, &wait) && wait >= 0 &&
		    (timeout < 0 || wait < timeout))
			timeout = wait;
		/* A long message is still being wrapped: only peek. */
		if (ui.pg.text != NULL)
			timeout = 0;
		/* tern compose waits for the sender, not for ever. */
		if (ui.compose_wait != 0 && (timeout < 0 || timeout > 500))
			timeout = 500;
		nfd = 0;
		memset(pfd, 0, sizeof pfd);
		pfd[nfd].fd = STDIN_FILENO;
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = ui_sig_pipe[0];
		pfd[nfd++].events = POLLIN;
		if (q != NULL) {
			pfd[nfd].fd = evqueue_fd(q);
			pfd[nfd++].events = POLLIN;
		}
		/* A build of the index in the background. */
		if ((pfd[nfd].fd = index_job_fd(&ui)) >= 0)
			pfd[nfd++].events = POLLIN;
		if (poll(pfd, nfd, timeout) < 0 && errno != EINTR) {
			ui.quit = 1;
			ui.quit_status = 1;
			break;
		}
		/* The terminal went away (a hang-up without SIGHUP). */
		if ((pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
		    !(pfd[0].revents & POLLIN)) {
			ui.quit = 1;
			ui.quit_status = 1;
			break;
		}
		while (read(ui_sig_pipe[0], buf, sizeof buf) > 0)
			;
		if (ui_sig_caught != 0) {
			ui.quit = 1;
			ui.quit_status = 1;
			break;
		}
		index_job_finish(&ui, 0);
		ui_events(&ui);
		ui_keys(&ui);
		composeop_tick(&ui);
		/* Idle: wrap some more of a long message, keys first. */
		if (ui.pg.text != NULL && !(pfd[0].revents & POLLIN))
			pager_work(&ui, UI_WORK_MS);
		if (ui.transient != NULL && time(NULL) >= ui.transient_until) {
			free(ui.transient);
			ui.transient = NULL;
			ui.dirty |= DIRTY_STATUS;
		}
	}

	/* A move asked for (s) is made however the reader ends. */
	msgop_moves_apply_all(&ui);
	endwin();
#ifdef ENABLE_NLS
	/* stderr again: messages in the locale's own charset. */
	bind_textdomain_codeset(PACKAGE, nl_langinfo(CODESET));
#endif
	ui.curses = 0;
	ui_signals_restore();
	delscreen(scr);
	ui_free(&ui);
	return ui.quit_status;
}
