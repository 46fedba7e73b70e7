/*
 * The reader's internal state, shared by the files of ui/: the layout of
 * the screen, the three panes (folders, index, pager), the status line and
 * its prompt, and what each account last told us. Only ui/ sees this.
 *
 * Everything is drawn on stdscr inside the rectangles of struct ui_layout;
 * a pane draws only when its dirty bit is set, and ui.c calls doupdate()
 * once per turn of the loop.
 */
#ifndef TERN_UI_INT_H
#define TERN_UI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <wchar.h>

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#include "account.h"
#include "cmd.h"
#include "config.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui.h"

struct ui;
struct thread;

/* The panes that can hold the focus. */
enum ui_pane {
	PANE_FOLDERS,
	PANE_INDEX,
	PANE_PAGER,
	PANE_COUNT
};

/*
 * A mode as data (STYLE.md rule 6, tmux's struct window_mode): the panes
 * are modes, and so are the full-screen screens that stack over them
 * (help, attachments, POP3 preview). The generic actions (move, page,
 * first, last, exit) call these; a mode's own actions live in the action
 * table with its key table. DRAW and CLOSE are NULL for a pane.
 */
struct ui_mode {
	const char *name;	/* as bind lines write it */
	const char *title;	/* its section in the help screen, N_() */
	void (*draw)(struct ui *);	/* draw the whole screen */
	void (*close)(struct ui *);	/* leave it (exit) */
	void (*step)(struct ui *, long);	/* N lines or rows */
	void (*jump)(struct ui *, int);	/* to the top, or the END */
	long (*page)(struct ui *);	/* the rows a page moves */
	int covers_status;	/* hides the status line: it takes keys first */
};

/* The modes, by enum cmd_mode. */
extern const struct ui_mode ui_modes[CMD_MODE_COUNT];

/* The deepest the mode stack goes (each mode at most once). */
#define UI_MODE_MAX CMD_MODE_COUNT

/* Dirty bits: what must be drawn again. */
#define DIRTY_HEADER	0x01u
#define DIRTY_FOLDERS	0x02u
#define DIRTY_INDEX	0x04u
#define DIRTY_PAGER	0x08u
#define DIRTY_STATUS	0x10u
#define DIRTY_CLEAR	0x20u	/* erase the screen first */
#define DIRTY_ALL	0x3fu

/* The width of the folder pane, and the width from which it shows. */
#define UI_FOLDERS_WIDTH	24
#define UI_WIDE_COLS		120

/* A rectangle of the screen; h or w of 0 means "not shown". */
struct ui_rect {
	int y, x, h, w;
};

struct ui_layout {
	int lines, cols;
	int header;		/* row of the key hints, -1 if none */
	int status;		/* row of the status line, -1 if none */
	struct ui_rect folders;
	int sep_x;		/* column of the folder pane border, -1 */
	struct ui_rect index;
	int divider;		/* row between index and pager, -1 if none */
	struct ui_rect pager;
};

/* What an account told us, and its folders as last read from the store. */
struct ui_acct {
	enum account_state state;
	char *reason;		/* sanitised; NULL when none */
	int64_t prog_folder;
	long prog_n, prog_total;
	int64_t prog_bytes, prog_total_bytes;	/* a POP3 download */
	/* The outbox (EV_OUTBOX): to send, refused, perhaps sent. */
	int out_waiting, out_failed, out_unknown;
	struct store_folder *folders;
	size_t nfolders;
	int stale;		/* reload the folders before the next draw */
};

/* One row of the folder pane: an account title, or one of its folders. */
struct ui_frow {
	size_t acct;
	long folder;		/* index in ui_acct.folders, -1: the title */
	int depth;		/* its level in the folder tree */
	size_t label;		/* where its label starts in the display name */
};

struct pane_folders {
	struct ui_frow *rows;
	size_t n;
	size_t sel;
	size_t top;
	/* The selection by identity, kept across reloads. */
	int have_sel;
	size_t sel_acct;
	int64_t sel_id;		/* -1: the account's title */
};

struct index_job;

struct pane_index {
	int64_t *ids;		/* row ids in display order */
	size_t n;
	size_t sel;
	size_t top;
	int reload;		/* reload the ids before the next draw */
	int64_t loaded_at;	/* when they were last read (util_now_ms) */
	int64_t load_cost;	/* and how long that took, in ms */
	/*
	 * Threads, or a sort by sender or subject (NULL: the store's order,
	 * by date or size): IDS are rebuilt from its rows, MSG_IDS are the
	 * messages it was built from, by its message index.
	 */
	struct thread *th;
	int64_t *msg_ids;
	size_t nmsg;
	int fold_all;		/* every thread was collapsed (Z) */
	/*
	 * A build worth keeping (index_save()): the account, folder, kind and
	 * generation it was made for; SAVE 0 when it was loaded or is small.
	 */
	int save;
	struct index_job *job;	/* a build in the background, or NULL */
	int job_again;		/* asked for again while it ran */
	size_t save_acct;
	int64_t save_folder;
	int save_kind;
	int64_t save_gen;
	/* Per row: the unread messages folded under it; FOLD_OK: counted. */
	size_t *fold_unread;
	int fold_ok;
};

/* What a line of the pager is, for its colour. */
enum pager_line {
	PAGER_LINE_BODY,
	PAGER_LINE_HEADER,
	PAGER_LINE_QUOTE1,
	PAGER_LINE_QUOTE2,
	PAGER_LINE_QUOTE3,
	PAGER_LINE_SIGNATURE,
};

/* What the pager shows of a message. */
#define PAGER_MODE_HEADERS	0x1	/* every header field (H) */
#define PAGER_MODE_SOURCE	0x2	/* the raw message (V) */

struct pane_pager {
	size_t acct;
	int64_t msg_id;		/* -1: nothing shown */
	int width;		/* the width LINES was wrapped for */
	int loaded;		/* LINES holds the rendering */
	int loading;		/* waiting for EV_BODY */
	int64_t requested;	/* last msg_id whose body we asked for */
	struct text_lines lines;
	unsigned char *kinds;	/* enum pager_line of each line */
	size_t akinds;
	size_t nhead;		/* of which header lines (drawn bold) */
	size_t top;
	int mode;		/* PAGER_MODE_* */
	/* The text still to wrap, a line at a time (a long message). */
	char *text;		/* decoded UTF-8, not yet sanitised */
	size_t text_len, text_pos;
	int in_sig;		/* the "-- " line was passed */
	int source;		/* TEXT is the raw message */
	/* Search inside the message. */
	char *pattern;		/* the last pattern, or NULL */
	size_t match;		/* the line of the current match */
	int have_match;
};

/* A one-line prompt on the status row. */
struct ui_prompt {
	int active;
	const char *label;	/* translated */
	wchar_t *buf;
	size_t len, alloc;
	size_t pos;		/* the cursor, 0 to LEN */
	/* Up/Down: the entry of this kind's history shown, -1 none. */
	long hist;
	char *typed;		/* what was typed before Up, or NULL */
	/* Called with the UTF-8 text when Enter is pressed. */
	void (*done)(struct ui *, const char *);
	/* Fill the candidates for completing PREFIX (UTF-8); may be NULL. */
	void (*complete)(struct ui *, const char *, char ***, size_t *);
	char **matches;		/* the candidates being cycled by Tab */
	size_t nmatches, mi;
};

/* A one-key question for the status line (ask.c). */
struct ui_question {
	char *text;		/* sanitised, the answers included */
	char *keys;		/* the keys that answer, e.g. "yn" */
	/* Called with the answer's key, or 0 when the question was dropped. */
	void (*done)(struct ui *, int, void *);
	void *arg;		/* free()d after DONE */
};

/* The questions: q[0] is on the status line when ACTIVE; more wait. */
struct ui_ask {
	struct ui_question *q;
	size_t n;
	int active;
};

/*
 * A move asked for with s and not made yet (mutt's save: the message is
 * shown deleted where it is, and u keeps it there), made when the folder
 * is synced ($), left or quit (msgop_moves_apply()).
 */
struct ui_held_move {
	size_t acct;
	int64_t folder_id;	/* the folder it leaves */
	int64_t id;		/* its row id */
	char *dest;		/* the server name of the folder it goes to */
	char *shown;		/* and its display name */
};

/* Tags, and the state of message and folder operations (cmd-*.c). */
struct ui_ops {
	struct ui_held_move *held;	/* moves waiting for a sync */
	size_t nheld;
	int64_t *tags;		/* row ids in the open folder, ascending */
	size_t ntags, atags;
	int prefix;		/* ';' pressed: the next operation is on tags */
	int leaving;		/* leaving the folder without asking again */
	/* The messages a move or copy prompt acts on once answered. */
	size_t acct;
	int64_t *ids;
	size_t nids;
	int tagged;		/* IDS are the tagged set */
	char *label;		/* that prompt's label */
	char *folder;		/* the folder a rename prompt renames */
};

/* Search and limit (cmd-search.c). */
struct ui_search {
	char *query;		/* the last query, as typed */
	int limit;		/* it was a limit (l), not a search (/) */
	long serial;		/* the server's answer we wait for, 0: none */
	size_t acct;		/* ... and where it was asked */
	int64_t folder;
	int64_t *hits;		/* the last search's matches, ascending ids */
	size_t nhits;
	size_t hits_acct;
	int64_t hits_folder;
	int limited;		/* a limit is in force: */
	int64_t *limit_ids;	/* the ids shown, ascending */
	size_t nlimit;
	size_t limit_acct;	/* in this folder only */
	int64_t limit_folder;
	char *limit_query;	/* sanitised, for the status line */
};

/* The POP3 preview screen (pane-preview.c). */
struct pane_preview {
	int active;
	size_t acct;		/* the POP3 account shown */
	struct store_pop3_preview *rows;	/* as the store lists them */
	size_t n, sel, top;
	char **marked;		/* UIDLs marked for a download or delete */
	size_t nmarked;
	int listing;		/* waiting for the server's list */
};

/* The message being written (cmd-compose.c). */
struct ui_compose {
	int active;		/* a draft is on the compose screen */
	size_t acct;		/* the account it is sent from */
	int kind;		/* enum compose_kind */
	int64_t orig_id;	/* the message answered or forwarded; 0 */
	int64_t draft_id;	/* the draft it was recalled from; 0 */
	struct draft *d;
	char *path;		/* the editor's file */
	int lock;		/* the lock held on it (fd), -1 */
	char *tmpdir;		/* --ephemeral: its folder, removed after */
	char *partdir;		/* a recalled draft's attachments, or NULL */
	size_t sel;		/* the selected attachment */
	int field;		/* the field a prompt edits (t, c, b, s) */
	char *problem;		/* why the file does not read back, or NULL */
	/* A draft waiting for its original's body (EV_BODY). */
	int waiting;
	int wait_kind;
	size_t wait_acct;
	int64_t wait_id;
};

struct ui {
	const struct config *cfg;
	struct ui_account *accts;
	size_t naccts;
	struct evqueue *q;
	struct ui_acct *as;	/* naccts entries */

	/* The open folder. */
	size_t cur;		/* its account */
	int64_t folder_id;	/* -1 until the store knows it */
	char *folder_want;	/* the name asked for while folder_id is -1 */

	struct ui_layout lay;
	enum ui_pane focus;
	int wide;		/* the layout of the last resize */
	int show_folders;
	int pager_open;		/* narrow layout: the pager has the screen */
	int help;		/* the help screen is up */
	size_t help_top;
	/* The full-screen modes over the panes, the top one last. */
	enum cmd_mode modes[UI_MODE_MAX];
	size_t nmodes;
	int esc;		/* Esc was pressed: the next key is Esc-KEY */
	int key;		/* the key whose action runs now */
	unsigned int dirty;
	int quit;		/* leave the loop */
	int quit_status;	/* and return this */

	char *transient;	/* a message on the status line, sanitised */
	time_t transient_until;
	int transient_error;	/* it is an error (ui_error()) */
	int curses;		/* the screen is set up */

	struct pane_folders fp;
	struct pane_index ix;
	struct pane_pager pg;
	struct ui_prompt pr;
	int cursor_x;		/* where the prompt's cursor is, -1: hidden */
	int utf8;		/* the locale's charset is UTF-8 */
	struct ui_ask ask;
	struct ui_ops ops;
	struct pane_preview pv;
	struct ui_search srch;
	struct pane_attach *attach;	/* the attachment list, or NULL */
	int sort;		/* enum sort_kind: the index's order now */
	int sort_reverse;
	char *busy;		/* long work under way, for the status line */
	/* The open folder's counts, read from its messages; CNT_OK: read. */
	struct store_counts cnt;
	int cnt_ok;
	struct ui_compose cmp;
	/* tern compose: the reader ends with the message (ui_run()). */
	int compose_only;
	int64_t compose_wait;	/* the outbox entry it waits for, 0 */
	size_t compose_acct;
	int64_t compose_deadline;	/* util_now_ms() */
};

/* mode.c */
/* The mode that takes keys now: the top of the stack, or the focused pane. */
enum cmd_mode ui_mode(struct ui *ui);
/* Put full-screen mode MODE on top of the stack (once). */
void ui_mode_push(struct ui *ui, enum cmd_mode mode);
/* Take MODE off the stack, wherever it is, and redraw what is under it. */
void ui_mode_pop(struct ui *ui, enum cmd_mode mode);

/* ui.c */
/* Compute the layout for the terminal's size; marks everything dirty. */
void ui_relayout(struct ui *ui);
/* Move the focus to a pane that is on the screen. */
void ui_focus_fix(struct ui *ui);
/* Open folder F of account ACCT: request it and load the index now. */
int ui_open_folder(struct ui *ui, size_t acct, const struct store_folder *f);
/* The folder of ACCT called NAME (server or display name; NULL: Inbox). */
const struct store_folder *ui_find_folder(struct ui *ui, size_t acct,
    const char *name);
/*
 * The folder that TEXT names as c, s and C take it: NAME, mutt's =NAME or
 * +NAME (a folder of account ACCT), or ACCOUNT:NAME (ACCOUNT: its Inbox).
 * *ACCT_R is the folder's account. NULL if there is no such folder.
 */
const struct store_folder *ui_folder_spec(struct ui *ui, size_t acct,
    const char *text, size_t *acct_r);
/* The open folder's entry in the folder list, or NULL. */
const struct store_folder *ui_open_folder_info(struct ui *ui);
/* Show a transient message on the status line (sanitised here). */
void ui_message(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Draw sanitised S at (Y, X), fitted and padded to W columns. */
void ui_put(int y, int x, int w, const char *s, int attr);
/*
 * Say on the status line, at once, that long work is under way (FMT);
 * NULL clears it. The loop goes on answering keys after the work.
 */
void ui_busy(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Show an error on the status line, in the error colour. */
void ui_error(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The name of account ACCT (not sanitised; never NULL). */
const char *ui_account_name(struct ui *ui, size_t acct);
/* The store and the account (NULL when offline) of account ACCT. */
struct store *ui_store(struct ui *ui, size_t acct);
struct account *ui_account(struct ui *ui, size_t acct);

/* pane-folders.c */
/* Read account ACCT's folder list from the store again. */
void folders_reload(struct ui *ui, size_t acct);
/* Count the open folder's messages again (ui->cnt, its folder row). */
void folders_count_open(struct ui *ui);
/* Rebuild the pane's rows from the lists, keeping the selection. */
void folders_rebuild(struct ui *ui);
void folders_draw(struct ui *ui);
/* Move the selection by N rows, or to the first or last (END) row. */
void folders_move(struct ui *ui, long n);
void folders_jump(struct ui *ui, int end);
/* Open the selected folder. */
void folders_open_selected(struct ui *ui);
/* Select the next folder (DIR 1, or -1) with unread mail; -1 if none. */
int folders_next_unread(struct ui *ui, long dir);
void folders_free(struct ui *ui);

/* pane-index.c */
/* Read the open folder's row ids again, keeping the selection. */
void index_load(struct ui *ui);
/*
 * Whether a pending reload should run now (reloads are spaced out while a
 * sync posts events, so that keys stay quick); if not, *WAIT_R is how many
 * ms until it should.
 */
int index_reload_due(struct ui *ui, int *wait_r);
void index_draw(struct ui *ui);
/* Move the selection by N rows, or to the first or last (END) row. */
void index_move(struct ui *ui, long n);
void index_jump(struct ui *ui, int end);
/* The selected message's row id, or -1. */
int64_t index_selected(struct ui *ui);
/* Select message ID if the index shows it (its thread if folded). */
void index_select_id(struct ui *ui, int64_t id);
/* Collapse or expand the selected thread; every thread (ALL). */
void index_fold(struct ui *ui, int all);
/* Sort the index by SORT (enum sort_kind), REVERSE, keeping the selection. */
void index_sort(struct ui *ui, int sort, int reverse);
void index_free(struct ui *ui);
/*
 * The background build (threads or a sort of a large folder): the
 * descriptor to poll for its end (-1: none runs), what the status line
 * says of it (NULL: none), and taking its result once the descriptor is
 * readable (WAIT: wait for it and drop the result, as on quitting).
 */
int index_job_fd(const struct ui *ui);
const char *index_job_what(const struct ui *ui);
void index_job_finish(struct ui *ui, int wait);
/* Start the helper of a build asked for (after the screen is drawn). */
void index_job_kick(struct ui *ui);

/* pane-pager.c */
/* Show message ID of account ACCT (-1: nothing); rendered when drawn. */
void pager_show(struct ui *ui, size_t acct, int64_t id);
/* EV_BODY: message ID of ACCT is now cached. */
void pager_body_arrived(struct ui *ui, size_t acct, int64_t id);
/* Draw the pager and, in the wide layout, the divider above it. */
void pager_draw(struct ui *ui);
/* Scroll by N lines, or to the top or the end (END). */
void pager_scroll(struct ui *ui, long n);
void pager_jump(struct ui *ui, int end);
/* The number of lines a page scrolls. */
int pager_page(struct ui *ui);
/* Write "top", "end", "all" or a percentage into BUF ("" if none). */
void pager_position(struct ui *ui, char *buf, size_t len);
/* Switch the PAGER_MODE_* bits MODE of the shown message on or off. */
void pager_toggle(struct ui *ui, int mode);
/* Search the message for PATTERN from the top line on; a new pattern. */
void pager_search(struct ui *ui, const char *pattern);
/* The next (DIR 1) or previous (DIR -1) match of the last pattern. */
void pager_search_next(struct ui *ui, int dir);
/*
 * Wrap more of a long message, for about BUDGET_MS; returns nonzero while
 * some is left (the loop calls it when no key waits).
 */
int pager_work(struct ui *ui, int budget_ms);
void pager_free(struct ui *ui);

/* status.c */
/* Draw the key hints of the top line, built from the action table. */
void status_draw_header(struct ui *ui);
/* Draw the status line, or the prompt when one is active. */
void status_draw(struct ui *ui);
/*
 * Start a prompt labelled LABEL on the status line; DONE gets the text
 * on Enter, COMPLETE (may be NULL) offers candidates for Tab.
 */
void prompt_start(struct ui *ui, const char *label,
    void (*done)(struct ui *, const char *),
    void (*complete)(struct ui *, const char *, char ***, size_t *));
/* Put TEXT (UTF-8) into the prompt just started, the cursor at its end. */
void prompt_fill(struct ui *ui, const char *text);
/* Feed KEY to the active prompt. */
void prompt_key(struct ui *ui, int key);
void prompt_free(struct ui *ui);
/* The full-screen key list (a mode): open, draw, move, close. */
void help_open(struct ui *ui);
void help_draw(struct ui *ui);
void help_move(struct ui *ui, long n);
void help_jump(struct ui *ui, int end);
long help_page(struct ui *ui);
void help_close(struct ui *ui);

/* pane-attach.c */
struct mime_options;
/* Open the attachment list of message ID of account ACCT. */
void attach_open(struct ui *ui, size_t acct, int64_t id);
/* Draw the list (full screen); the mode's moves. */
void attach_draw(struct ui *ui);
void attach_move(struct ui *ui, long n);
void attach_jump(struct ui *ui, int end);
long attach_page(struct ui *ui);
/* Leave the text view, or the list (the exit action). */
void attach_close(struct ui *ui);
/* The list's own actions: save, open (mailcap), pipe the selected part. */
void attach_save(struct ui *ui);
void attach_open_part(struct ui *ui);
void attach_pipe(struct ui *ui);
/* Close the list, if open. */
void attach_free(struct ui *ui);
/* Complete PREFIX to the paths of files (a prompt's completion). */
void attach_complete_path(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r);
/* Fill OPTS for reading, with the mailcap's text/html renderer. */
void attach_mime_options(struct ui *ui, struct mime_options *opts);
/* Free the mailcap read for the reader. */
void attach_mailcap_free(void);
/*
 * Hand the terminal to shell COMMAND with LEN bytes of DATA on its input,
 * then wait for Enter and take the screen back (pipe-message, pipe-entry).
 */
void ui_pipe(struct ui *ui, const char *command, const char *data,
    size_t len);

/* color.c */
/* Set up the colours of CFG's scheme (after curses started). */
void color_init(const struct config *cfg);
/* The curses attributes of element E. */
attr_t color_attr(enum config_color_elem e);
/* Whether colours are off (NO_COLOR, or the terminal has none). */
int color_mono(void);

/* pane-preview.c */
/* Show the preview screen of POP3 account ACCT and ask for a fresh list. */
void preview_open(struct ui *ui, size_t acct);
/* EV_PREVIEW: account ACCT's list in the store changed. */
void preview_changed(struct ui *ui, size_t acct);
/* Draw the screen (all of it, the status line included). */
void preview_draw(struct ui *ui);
/* The mode's moves, and exit. */
void preview_move(struct ui *ui, long n);
void preview_jump(struct ui *ui, int end);
long preview_page(struct ui *ui);
void preview_close(struct ui *ui);
/* Its actions: mark, download, delete on the server, list again. */
void preview_mark(struct ui *ui);
void preview_fetch(struct ui *ui);
void preview_delete(struct ui *ui);
void preview_refresh(struct ui *ui);
/* Close the screen and free its state. */
void preview_free(struct ui *ui);

/* ask.c */
/*
 * Ask the question FMT (the answers included, e.g. "... (y/n)") and call
 * DONE with the key of KEYS pressed (lower case), or 0 for Esc or ^G;
 * ARG (may be NULL) is given to DONE and then free()d. Asked at once, or
 * after the prompt or question now on the status line. Questions still
 * waiting when the reader quits are dropped without a call.
 */
void ask_start(struct ui *ui, const char *keys,
    void (*done)(struct ui *, int, void *), void *arg, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Feed KEY to the question on the status line. */
void ask_key(struct ui *ui, int key);
/* Put the next waiting question on the status line if it is free. */
void ask_next(struct ui *ui);
void ask_free(struct ui *ui);

/* cmd.c */
/* In the pager: go on to the next undeleted message (mutt's $resolve). */
void cmd_pager_resolve(struct ui *ui);
/* The message the focused pane is about: its row id and *ACCT_R, or -1. */
int64_t cmd_current_msg(struct ui *ui, size_t *acct_r);

/* cmd-compose.c */
/* Actions: m, r, g, L, f, Esc-e and R start writing a message. */
void composeop_new(struct ui *ui);
void composeop_reply(struct ui *ui);
void composeop_group_reply(struct ui *ui);
void composeop_list_reply(struct ui *ui);
void composeop_forward(struct ui *ui);
void composeop_resend(struct ui *ui);
void composeop_recall(struct ui *ui);
/* b: bounce the message, unchanged, to addresses asked for. */
void composeop_bounce(struct ui *ui);
/* The compose screen's actions. */
void composeop_send(struct ui *ui);
void composeop_edit(struct ui *ui);
void composeop_attach(struct ui *ui);
void composeop_detach(struct ui *ui);
void composeop_edit_to(struct ui *ui);
void composeop_edit_cc(struct ui *ui);
void composeop_edit_bcc(struct ui *ui);
void composeop_edit_subject(struct ui *ui);
void composeop_postpone(struct ui *ui);
void composeop_abort(struct ui *ui);
/* The compose screen as a mode: draw, move over attachments, leave. */
void compose_draw(struct ui *ui);
void compose_move(struct ui *ui, long n);
void compose_jump(struct ui *ui, int end);
long compose_page(struct ui *ui);
void compose_close(struct ui *ui);
/* EV_BODY: a reply or a recalled draft may wait for this body. */
void composeop_body_arrived(struct ui *ui, size_t acct, int64_t id);
/* At start: offer the draft's file a reader left behind. */
void composeop_recover(struct ui *ui);
/* tern compose: write the message SEED (its fields) from account 0. */
void composeop_start_seed(struct ui *ui, const struct draft *seed);
/* EV_OUTBOX of ACCT, and the clock: tern compose may end now. */
void composeop_outbox_changed(struct ui *ui, size_t acct);
void composeop_tick(struct ui *ui);
void composeop_free(struct ui *ui);

/* cmd-message.c */
/* Whether message ID of the open folder waits to be moved (s). */
int msgop_held(struct ui *ui, int64_t id);
/*
 * Make the moves that wait in the open folder (s): queue them for the
 * server. Returns how many were queued. Called on $, leaving and quitting.
 */
size_t msgop_moves_apply(struct ui *ui);
/* Make every move that waits, in every folder (the reader ends). */
void msgop_moves_apply_all(struct ui *ui);
/* Whether message ID is tagged; clear every tag (a folder change). */
int tags_has(struct ui *ui, int64_t id);
void tags_clear(struct ui *ui);
void msgop_free(struct ui *ui);
/* Actions of the table on the selected message, or ';' then the tagged. */
void msgop_delete(struct ui *ui);
void msgop_undelete(struct ui *ui);
void msgop_flag(struct ui *ui);
void msgop_move(struct ui *ui);
void msgop_copy(struct ui *ui);
void msgop_tag(struct ui *ui);
void msgop_tag_prefix(struct ui *ui);
/* T: tag the messages that match a query (search.h) over the cache. */
void msgop_tag_pattern(struct ui *ui);
/* D, U, C-t: delete, undelete, untag the messages matching a query. */
void msgop_delete_pattern(struct ui *ui);
void msgop_undelete_pattern(struct ui *ui);
void msgop_untag_pattern(struct ui *ui);
/* w, W: set or clear a flag asked for, on the message or the tagged. */
void msgop_set_flag(struct ui *ui);
void msgop_clear_flag(struct ui *ui);
/* |: pipe the whole message (or, after ';', each tagged one). */
void msgop_pipe(struct ui *ui);
/* N after ';': toggle \Seen on each tagged message. */
void msgop_toggle_read_tagged(struct ui *ui);
/* $: expunge the open folder (asking, as configured), then sync now. */
void msgop_sync_mailbox(struct ui *ui);
/* What leaving the open folder is for (msgop_leave()). */
enum msgop_leave_for { LEAVE_OPEN, LEAVE_QUIT };
/*
 * About to leave the open folder (to open folder FOLDER_ID of ACCT, or to
 * quit): expunge its deleted messages as configured. Returns 1 when a
 * question was asked (the caller stops; the answer carries on), else 0.
 */
int msgop_leave(struct ui *ui, enum msgop_leave_for why, size_t acct,
    int64_t folder_id);
/* EV_NEWMAIL, EV_GONE and EV_NOTICE of account ACCT. */
void msgop_event(struct ui *ui, size_t acct, const struct account_event *ev);
/* Append the pending changes to the status line. */
void msgop_status(struct ui *ui, struct strbuf *sb);
/* Append "  N flagged  N deleted  N to move  N tagged" (those not 0). */
void msgop_counts(struct ui *ui, struct strbuf *sb);

/* cmd-folder.c */
/* Folder operations: the selected folder, or one asked for. */
void folderop_create(struct ui *ui);
void folderop_rename(struct ui *ui);
void folderop_delete(struct ui *ui);
void folderop_subscribe(struct ui *ui);
void folderop_unsubscribe(struct ui *ui);
/* Complete PREFIX to the display names of the open account's folders. */
void folderop_complete(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r);
/*
 * Complete PREFIX as ui_folder_spec() reads it: the open account's folders
 * (after = or + too), ACCOUNT:NAME, and with several accounts their names.
 */
void folderop_complete_spec(struct ui *ui, const char *prefix,
    char ***list_r, size_t *n_r);

/* cmd-search.c */
/* Actions: / searches, n goes to the next match, l limits the index. */
void searchop_search(struct ui *ui);
void searchop_next(struct ui *ui);
void searchop_limit(struct ui *ui);
/* EV_SEARCH of account ACCT: the server's matches, or go to the cache. */
void searchop_event(struct ui *ui, size_t acct,
    const struct account_event *ev);
/* Keep of the N row ids IDS of the open folder those the limit shows. */
void searchop_filter(struct ui *ui, int64_t *ids, size_t *n);
/* Whether the limit (if any) keeps message ID. */
int searchop_keeps(struct ui *ui, int64_t id);
/* Append the limit in force to the status line. */
void searchop_status(struct ui *ui, struct strbuf *sb);
void searchop_free(struct ui *ui);

#endif
