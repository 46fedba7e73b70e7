/*
 * The action table of the reader, the per-pane keymap built from it, key
 * names, and the handlers of the actions. A handler acts on the focused
 * pane; what "down" or "quit" means in each pane is decided here, and the
 * panes only offer moves (folders_move, index_move, pager_scroll ...).
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "i18n.h"
#include "ui-int.h"
#include "xmalloc.h"

static void cmd_move_down(struct ui *);
static void cmd_move_up(struct ui *);
static void cmd_page_down(struct ui *);
static void cmd_page_up(struct ui *);
static void cmd_first(struct ui *);
static void cmd_last(struct ui *);
static void cmd_open(struct ui *);
static void cmd_quit(struct ui *);
static void cmd_focus_next(struct ui *);
static void cmd_focus_left(struct ui *);
static void cmd_focus_right(struct ui *);
static void cmd_change_folder(struct ui *);
static void cmd_toggle_read(struct ui *);
static void cmd_toggle_folders(struct ui *);
static void cmd_redraw(struct ui *);
static void cmd_help(struct ui *);
static void cmd_half_down(struct ui *);
static void cmd_half_up(struct ui *);
static void cmd_next_message(struct ui *);
static void cmd_prev_message(struct ui *);
static void cmd_pager_search(struct ui *);
static void cmd_pager_search_next(struct ui *);
static void cmd_pager_search_prev(struct ui *);
static void cmd_toggle_headers(struct ui *);
static void cmd_toggle_source(struct ui *);
static void cmd_collapse_thread(struct ui *);
static void cmd_collapse_all(struct ui *);
static void cmd_sort(struct ui *);
static void cmd_sort_reverse(struct ui *);
static void cmd_pop3_preview(struct ui *);
static void cmd_attachments(struct ui *);

const struct cmd_action cmd_table[] = {
	{ "move-down", "j Down", CMD_PANE_ALL, NULL,
	  N_("move to the next line"), cmd_move_down },
	{ "move-up", "k Up", CMD_PANE_ALL, NULL,
	  N_("move to the previous line"), cmd_move_up },
	{ "page-down", "PgDn Space", CMD_PANE_ALL, NULL,
	  N_("move one page down"), cmd_page_down },
	{ "page-up", "PgUp -", CMD_PANE_ALL, NULL,
	  N_("move one page up"), cmd_page_up },
	{ "first", "Home g", CMD_PANE_ALL, NULL,
	  N_("go to the first line"), cmd_first },
	{ "last", "End G", CMD_PANE_ALL, NULL,
	  N_("go to the last line"), cmd_last },
	{ "quit", "q", CMD_PANE_ALL, N_("Quit"),
	  N_("leave the full-screen pager, or quit"), cmd_quit },
	{ "open", "Enter", CMD_PANE_ALL, N_("Open"),
	  N_("open the selected message or folder"), cmd_open },
	{ "focus-next-pane", "Tab", CMD_PANE_ALL, NULL,
	  N_("move the focus to the next pane"), cmd_focus_next },
	{ "focus-left", "h Left", CMD_PANE_ALL, NULL,
	  N_("move the focus to the pane on the left"), cmd_focus_left },
	{ "focus-right", "l Right", CMD_PANE_ALL, NULL,
	  N_("move the focus to the pane on the right"), cmd_focus_right },
	{ "change-folder", "c", CMD_PANE_ALL, N_("Folder"),
	  N_("open another folder"), cmd_change_folder },
	{ "toggle-read", "N", CMD_PANE_ALL, N_("Read"),
	  N_("mark the message read or unread"), cmd_toggle_read },
	{ "sync-now", "$", CMD_PANE_ALL, N_("Sync"),
	  N_("expunge the deleted messages (as `expunge` says), then "
	  "synchronise with the server now"), msgop_sync_mailbox },
	{ "toggle-folders", "b", CMD_PANE_ALL, N_("Folders"),
	  N_("show or hide the folder pane"), cmd_toggle_folders },
	{ "redraw", "C-l", CMD_PANE_ALL, NULL,
	  N_("redraw the screen"), cmd_redraw },
	{ "half-page-down", "C-d", CMD_PANE_ALL, NULL,
	  N_("move half a page down"), cmd_half_down },
	{ "half-page-up", "C-u", CMD_PANE_ALL, NULL,
	  N_("move half a page up"), cmd_half_up },
	/* Reading: messages, threads, the order (pane-index.c). */
	{ "next-message", "J", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("show the next message"), cmd_next_message },
	{ "previous-message", "K", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("show the previous message"), cmd_prev_message },
	{ "collapse-thread", "z", CMD_PANE_INDEX, N_("Fold"),
	  N_("collapse or expand the selected thread"), cmd_collapse_thread },
	{ "collapse-all", "Z", CMD_PANE_INDEX, NULL,
	  N_("collapse or expand every thread"), cmd_collapse_all },
	{ "sort", "o", CMD_PANE_INDEX, N_("Sort"),
	  N_("sort by date, threads, sender, subject or size"), cmd_sort },
	{ "sort-reverse", "O", CMD_PANE_INDEX, NULL,
	  N_("reverse the order of the index"), cmd_sort_reverse },
	/* Reading: inside the message (pane-pager.c). */
	{ "pager-search", "/", CMD_PANE_PAGER, NULL,
	  N_("search the message's text"), cmd_pager_search },
	{ "pager-search-next", "n", CMD_PANE_PAGER, NULL,
	  N_("go to the next match in the message"), cmd_pager_search_next },
	{ "pager-search-prev", "N", CMD_PANE_PAGER, NULL,
	  N_("go to the previous match in the message"),
	  cmd_pager_search_prev },
	{ "toggle-headers", "H", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("show every header field, or the usual few"),
	  cmd_toggle_headers },
	{ "toggle-source", "V", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("show the raw message, or the message"), cmd_toggle_source },
	/* Message operations (cmd-message.c). */
	{ "delete-message", "d", CMD_PANE_INDEX | CMD_PANE_PAGER, N_("Del"),
	  N_("mark the message deleted, or move it to the Trash (as "
	  "`delete` says)"), msgop_delete },
	{ "undelete-message", "u", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("undelete the message"), msgop_undelete },
	{ "move-message", "s", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("move the message to a folder (Tab completes)"), msgop_move },
	{ "copy-message", "C", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("copy the message to a folder (Tab completes)"), msgop_copy },
	{ "flag-message", "F", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("flag or unflag the message"), msgop_flag },
	{ "tag-message", "t", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("tag or untag the message (shown with *)"), msgop_tag },
	{ "tag-pattern", "T", CMD_PANE_INDEX, NULL,
	  N_("tag the messages that match a query (as / takes)"),
	  msgop_tag_pattern },
	{ "tag-prefix", ";", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("apply the next d, u, s, C, F or N to the tagged messages"),
	  msgop_tag_prefix },
	/* Folder operations (cmd-folder.c); the folder pane's keys. */
	{ "create-folder", "C", CMD_PANE_FOLDERS, N_("New"),
	  N_("create a folder (folder pane)"), folderop_create },
	{ "rename-folder", "r", CMD_PANE_FOLDERS, NULL,
	  N_("rename the selected folder (folder pane)"), folderop_rename },
	{ "delete-folder", "d", CMD_PANE_FOLDERS, NULL,
	  N_("delete the selected folder and its messages (folder pane)"),
	  folderop_delete },
	{ "subscribe-folder", "s", CMD_PANE_FOLDERS, NULL,
	  N_("subscribe to the selected folder (folder pane)"),
	  folderop_subscribe },
	{ "unsubscribe-folder", "u", CMD_PANE_FOLDERS, NULL,
	  N_("unsubscribe from the selected folder (folder pane)"),
	  folderop_unsubscribe },
	/* Search and limit (cmd-search.c), in the index pane. */
	{ "search", "/", CMD_PANE_INDEX, N_("Search"),
	  N_("search the folder (on the server when online) and select the "
	  "first match"), searchop_search },
	{ "search-next", "n", CMD_PANE_INDEX, NULL,
	  N_("select the next match of the last search"), searchop_next },
	{ "limit", "l", CMD_PANE_INDEX, NULL,
	  N_("show only the messages that match a query (empty or all: "
	  "every message)"), searchop_limit },
	/* The POP3 preview (pane-preview.c). */
	{ "pop3-preview", "P", CMD_PANE_FOLDERS | CMD_PANE_INDEX, NULL,
	  N_("list what waits on a POP3 server, to download or delete it "
	  "there"), cmd_pop3_preview },
	{ "help", "?", CMD_PANE_ALL, N_("Help"),
	  N_("list the keys"), cmd_help },
	{ "attachments", "v", CMD_PANE_INDEX | CMD_PANE_PAGER, NULL,
	  N_("list the message's attachments: save, open, pipe"),
	  cmd_attachments },
};
const size_t cmd_count = sizeof cmd_table / sizeof cmd_table[0];

/* The keymap of one pane: key to index in cmd_table. */
struct cmd_binding {
	int key;
	size_t action;
};

struct cmd_keymap {
	struct cmd_binding *b;
	size_t n, alloc;
};

static struct cmd_keymap cmd_keymaps[PANE_COUNT];

/* Named keys; the first name of a key is the one printed. */
static const struct {
	const char *name;
	int key;
} cmd_key_names[] = {
	{ "Enter", CMD_KEY_ENTER },
	{ "Space", ' ' },
	{ "Tab", '\t' },
	{ "Esc", CMD_KEY_ESC },
	{ "BSpace", CMD_KEY_BSPACE },
	{ "Up", CMD_KEY_FN | KEY_UP },
	{ "Down", CMD_KEY_FN | KEY_DOWN },
	{ "Left", CMD_KEY_FN | KEY_LEFT },
	{ "Right", CMD_KEY_FN | KEY_RIGHT },
	{ "PgUp", CMD_KEY_FN | KEY_PPAGE },
	{ "PgDn", CMD_KEY_FN | KEY_NPAGE },
	{ "Home", CMD_KEY_FN | KEY_HOME },
	{ "End", CMD_KEY_FN | KEY_END },
	{ "IC", CMD_KEY_FN | KEY_IC },
	{ "DC", CMD_KEY_FN | KEY_DC },
	{ "BTab", CMD_KEY_FN | KEY_BTAB },
	/* Aliases, accepted but never printed. */
	{ "Return", CMD_KEY_ENTER },
	{ "Escape", CMD_KEY_ESC },
	{ "Backspace", CMD_KEY_BSPACE },
	{ "PageUp", CMD_KEY_FN | KEY_PPAGE },
	{ "PageDown", CMD_KEY_FN | KEY_NPAGE },
	{ "PPage", CMD_KEY_FN | KEY_PPAGE },
	{ "NPage", CMD_KEY_FN | KEY_NPAGE },
	{ "Insert", CMD_KEY_FN | KEY_IC },
	{ "Delete", CMD_KEY_FN | KEY_DC },
	{ "Semicolon", ';' },	/* ';' after a blank starts a comment */
};

int
cmd_key_parse(const char *name, int *key_r, char **err)
{
	size_t i, len;
	unsigned int cp;
	char *end;
	long n;

	len = strlen(name);
	if (len == 0)
		goto bad;
	for (i = 0; i < sizeof cmd_key_names / sizeof cmd_key_names[0]; i++) {
		if (strcasecmp(name, cmd_key_names[i].name) == 0) {
			*key_r = cmd_key_names[i].key;
			return 0;
		}
	}
	if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' &&
	    name[1] <= '9') {
		n = strtol(name + 1, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 24) {
			*key_r = CMD_KEY_FN | KEY_F(n);
			return 0;
		}
	}
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' &&
	    name[2] != '\0' && name[3] == '\0') {
		cp = (unsigned char)name[2];
		if (cp >= 'a' && cp <= 'z')
			cp -= 'a' - 'A';
		if (cp >= '@' && cp <= '_') {
			*key_r = CMD_KEY_CTRL((int)cp);
			return 0;
		}
		goto bad;
	}
	if (text_utf8_next(name, len, &cp) == len && cp > ' ' &&
	    cp != 0x7f && (cp < 0x80 || cp >= 0xa0) && cp != 0xfffd) {
		*key_r = (int)cp;
		return 0;
	}
bad:
	*err = xasprintf(_("unknown key \"%s\""), name);
	return -1;
}

void
cmd_key_name(struct strbuf *sb, int key)
{
	size_t i;

	for (i = 0; i < sizeof cmd_key_names / sizeof cmd_key_names[0]; i++) {
		if (cmd_key_names[i].key == key) {
			strbuf_addstr(sb, cmd_key_names[i].name);
			return;
		}
	}
	if (key & CMD_KEY_FN) {
		key &= ~CMD_KEY_FN;
		if (key >= KEY_F(1) && key <= KEY_F(24))
			strbuf_addf(sb, "F%d", key - KEY_F(0));
		else
			strbuf_addf(sb, "<%d>", key);
		return;
	}
	if (key >= 0 && key < 0x20) {
		strbuf_addf(sb, "C-%c", key >= 1 && key <= 26 ?
		    key + 'a' - 1 : key + '@');
		return;
	}
	if (key > 0x20 && key <= 0x10ffff && key != 0x7f)
		strbuf_add_utf8(sb, (unsigned int)key);
	else
		strbuf_addf(sb, "<U+%04X>", (unsigned int)key);
}

int
cmd_key_from_curses(int rc, unsigned int wc)
{
	if (rc == KEY_CODE_YES) {
		if (wc == KEY_ENTER)
			return CMD_KEY_ENTER;
		if (wc == KEY_BACKSPACE)
			return CMD_KEY_BSPACE;
		return CMD_KEY_FN | (int)wc;
	}
	if (rc != OK || wc > 0x10ffff)
		return -1;
	if (wc == '\n')
		return CMD_KEY_ENTER;
	if (wc == 0x08)
		return CMD_KEY_BSPACE;
	return (int)wc;
}

static void
cmd_keymap_set(struct cmd_keymap *km, int key, long action)
{
	size_t i;

	for (i = 0; i < km->n; i++) {
		if (km->b[i].key != key)
			continue;
		if (action < 0) {
			km->b[i] = km->b[--km->n];
			return;
		}
		km->b[i].action = (size_t)action;
		return;
	}
	if (action < 0)
		return;
	if (km->n == km->alloc) {
		km->alloc = km->alloc ? km->alloc * 2 : 32;
		km->b = xreallocarray(km->b, km->alloc, sizeof *km->b);
	}
	km->b[km->n].key = key;
	km->b[km->n].action = (size_t)action;
	km->n++;
}

int
cmd_bind(unsigned int panes, const char *keyname, const char *name,
    char **err)
{
	const struct cmd_action *a = NULL;
	long action = -1;
	int key, p;

	if (cmd_key_parse(keyname, &key, err) != 0)
		return -1;
	if (name != NULL && strcmp(name, "noop") != 0) {
		if ((a = cmd_find(name)) == NULL) {
			*err = xasprintf(_("unknown action \"%s\""), name);
			return -1;
		}
		action = a - cmd_table;
	}
	for (p = 0; p < PANE_COUNT; p++) {
		if (panes & (1u << p))
			cmd_keymap_set(&cmd_keymaps[p], key, action);
	}
	return 0;
}

/* The number of panes in the mask PANES. */
static int
cmd_pane_count(unsigned int panes)
{
	int p, n = 0;

	for (p = 0; p < PANE_COUNT; p++)
		n += (panes >> p) & 1;
	return n;
}

int
cmd_bind_config(const struct config *cfg, char **err)
{
	const struct config_bind *b;
	unsigned int panes;
	char *e = NULL;
	size_t i;

	for (i = 0; i < cfg->nbinds; i++) {
		b = &cfg->binds[i];
		panes = 0;
		if (b->panes & CONFIG_PANE_FOLDERS)
			panes |= CMD_PANE_FOLDERS;
		if (b->panes & CONFIG_PANE_INDEX)
			panes |= CMD_PANE_INDEX;
		if (b->panes & CONFIG_PANE_PAGER)
			panes |= CMD_PANE_PAGER;
		if (cmd_bind(panes, b->key, b->action, &e) != 0) {
			*err = xasprintf("%s:%d: %s", cfg->name != NULL ?
			    cfg->name : cfg->path != NULL ? cfg->path : "",
			    b->line, e);
			free(e);
			return -1;
		}
	}
	return 0;
}

void
cmd_init(void)
{
	const struct cmd_action *a;
	char *copy, *word, *save, *err;
	size_t i;

	cmd_free();
	/*
	 * Wider bindings first: a key an action claims in fewer panes wins
	 * there over one claimed everywhere ("/" searches the message in the
	 * pager, the folder elsewhere), whatever the order of the table.
	 */
	for (i = 0; i < cmd_count * PANE_COUNT; i++) {
		a = &cmd_table[i % cmd_count];
		if (cmd_pane_count(a->panes) != PANE_COUNT -
		    (int)(i / cmd_count))
			continue;
		copy = xstrdup(a->keys);
		for (word = strtok_r(copy, " ", &save); word != NULL;
		    word = strtok_r(NULL, " ", &save)) {
			err = NULL;
			if (cmd_bind(a->panes, word, a->name, &err) != 0)
				abort();	/* the table is wrong */
		}
		free(copy);
	}
}

void
cmd_free(void)
{
	int p;

	for (p = 0; p < PANE_COUNT; p++) {
		free(cmd_keymaps[p].b);
		memset(&cmd_keymaps[p], 0, sizeof cmd_keymaps[p]);
	}
}

const struct cmd_action *
cmd_lookup(int pane, int key)
{
	const struct cmd_keymap *km;
	size_t i;

	if (pane < 0 || pane >= PANE_COUNT)
		return NULL;
	km = &cmd_keymaps[pane];
	for (i = 0; i < km->n; i++) {
		if (km->b[i].key == key)
			return &cmd_table[km->b[i].action];
	}
	return NULL;
}

const struct cmd_action *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_count; i++) {
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	}
	return NULL;
}

/* Compare bindings so that keys come out in a stable, readable order. */
static int
cmd_binding_cmp(const void *a, const void *b)
{
	const struct cmd_binding *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

int
cmd_keys_of(struct strbuf *sb, const struct cmd_action *a, int pane,
    const char *sep, int max)
{
	struct cmd_binding *found = NULL;
	size_t nfound = 0, i, j, action = (size_t)(a - cmd_table);
	int p, count = 0;

	for (p = 0; p < PANE_COUNT; p++) {
		if (pane != -1 && p != pane)
			continue;
		for (i = 0; i < cmd_keymaps[p].n; i++) {
			if (cmd_keymaps[p].b[i].action != action)
				continue;
			for (j = 0; j < nfound; j++) {
				if (found[j].key == cmd_keymaps[p].b[i].key)
					break;
			}
			if (j < nfound)
				continue;
			found = xreallocarray(found, nfound + 1,
			    sizeof *found);
			found[nfound++] = cmd_keymaps[p].b[i];
		}
	}
	/* Printable characters first, then named keys, in key order. */
	if (nfound > 1)
		qsort(found, nfound, sizeof *found, cmd_binding_cmp);
	for (j = 0; j < 2; j++) {
		for (i = 0; i < nfound; i++) {
			int named = found[i].key <= ' ' ||
			    found[i].key == CMD_KEY_BSPACE ||
			    (found[i].key & CMD_KEY_FN) != 0;
			if ((size_t)named != j)
				continue;
			if (max > 0 && count == max)
				break;
			if (count > 0)
				strbuf_addstr(sb, sep);
			cmd_key_name(sb, found[i].key);
			count++;
		}
	}
	free(found);
	return count;
}

int
cmd_dispatch(struct ui *ui, int key)
{
	const struct cmd_action *a;
	int prefix;

	if (ui->help) {
		help_key(ui, key);
		return 0;
	}
	if (ui->ask.active) {
		ask_key(ui, key);
		return 0;
	}
	if (ui->pr.active) {
		prompt_key(ui, key);
		/* A question may wait for the prompt to end. */
		ask_next(ui);
		return 0;
	}
	if (ui->pv.active) {
		preview_key(ui, key);
		return 0;
	}
	if (ui->attach != NULL) {
		attach_key(ui, key);
		return 0;
	}
	/* After ';' only the next action acts on the tagged messages. */
	prefix = ui->ops.prefix;
	if ((a = cmd_lookup(ui->focus, key)) != NULL)
		a->handler(ui);
	if (prefix)
		ui->ops.prefix = 0;
	ask_next(ui);
	return a != NULL ? 0 : -1;
}

/* The message the focused pane is about: its account and row id. */
static int64_t
cmd_current_msg(struct ui *ui, size_t *acct_r)
{
	if (ui->focus == PANE_PAGER && ui->pg.msg_id >= 0) {
		*acct_r = ui->pg.acct;
		return ui->pg.msg_id;
	}
	*acct_r = ui->cur;
	return index_selected(ui);
}

/* Set or clear \Seen on a message, locally and queued for the server. */
static void
cmd_set_seen(struct ui *ui, size_t acct, int64_t id, int seen)
{
	struct store *st = ui_store(ui, acct);
	struct account *a = ui_account(ui, acct);
	struct store_msg m;
	int r;

	if (st == NULL || id < 0)
		return;
	if ((r = store_msg_get(st, id, &m)) != 0) {
		if (r < 0)
			ui_message(ui, _("cannot read the message: %s"),
			    store_errmsg(st));
		return;
	}
	if (((m.flags & MSG_SEEN) != 0) != (seen != 0)) {
		r = seen ? store_pending_flags(st, id, MSG_SEEN, 0) :
		    store_pending_flags(st, id, 0, MSG_SEEN);
		if (r != 0)
			ui_message(ui, _("cannot change the flags: %s"),
			    store_errmsg(st));
		else {
			if (a != NULL)
				account_push_pending(a);
			folders_reload(ui, acct);
			ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
		}
	}
	store_msg_release(&m);
}

static void
cmd_move(struct ui *ui, long n)
{
	switch (ui->focus) {
	case PANE_FOLDERS:
		folders_move(ui, n);
		break;
	case PANE_INDEX:
		index_move(ui, n);
		break;
	case PANE_PAGER:
		pager_scroll(ui, n);
		break;
	default:
		break;
	}
}

static void
cmd_move_down(struct ui *ui)
{
	cmd_move(ui, 1);
}

static void
cmd_move_up(struct ui *ui)
{
	cmd_move(ui, -1);
}

/* The height of a page of the focused pane (at least one line). */
static long
cmd_page_size(struct ui *ui)
{
	int h;

	switch (ui->focus) {
	case PANE_FOLDERS:
		h = ui->lay.folders.h;
		break;
	case PANE_INDEX:
		h = ui->lay.index.h;
		break;
	default:
		return pager_page(ui);
	}
	return h > 1 ? h : 1;
}

static void
cmd_page_down(struct ui *ui)
{
	cmd_move(ui, cmd_page_size(ui));
}

static void
cmd_page_up(struct ui *ui)
{
	cmd_move(ui, -cmd_page_size(ui));
}

static void
cmd_jump(struct ui *ui, int end)
{
	switch (ui->focus) {
	case PANE_FOLDERS:
		folders_jump(ui, end);
		break;
	case PANE_INDEX:
		index_jump(ui, end);
		break;
	case PANE_PAGER:
		pager_jump(ui, end);
		break;
	default:
		break;
	}
}

static void
cmd_first(struct ui *ui)
{
	cmd_jump(ui, 0);
}

static void
cmd_last(struct ui *ui)
{
	cmd_jump(ui, 1);
}

/* Open the selected message: show it, mark it read, focus the pager. */
static void
cmd_open_message(struct ui *ui)
{
	int64_t id = index_selected(ui);

	if (id < 0)
		return;
	pager_show(ui, ui->cur, id);
	cmd_set_seen(ui, ui->cur, id, 1);
	if (!ui->wide)
		ui->pager_open = 1;
	ui->focus = PANE_PAGER;
	ui_relayout(ui);
}

static void
cmd_open(struct ui *ui)
{
	switch (ui->focus) {
	case PANE_FOLDERS:
		folders_open_selected(ui);
		break;
	case PANE_INDEX:
		cmd_open_message(ui);
		break;
	case PANE_PAGER:
		pager_scroll(ui, 1);
		break;
	default:
		break;
	}
}

/* Leave the full-screen pager of the narrow layout. */
static void
cmd_close_pager(struct ui *ui)
{
	ui->pager_open = 0;
	ui->focus = PANE_INDEX;
	ui_relayout(ui);
}

static void
cmd_quit(struct ui *ui)
{
	if (ui->pager_open)
		cmd_close_pager(ui);
	else if (!msgop_leave(ui, LEAVE_QUIT, 0, -1))
		ui->quit = 1;
}

/* Whether pane P has room on the screen now. */
static int
cmd_pane_shown(struct ui *ui, int p)
{
	switch (p) {
	case PANE_FOLDERS:
		return ui->lay.folders.w > 0 && ui->lay.folders.h > 0;
	case PANE_INDEX:
		return ui->lay.index.w > 0 && ui->lay.index.h > 0;
	case PANE_PAGER:
		return ui->lay.pager.w > 0 && ui->lay.pager.h > 0;
	}
	return 0;
}

static void
cmd_focus(struct ui *ui, int p)
{
	if (p == (int)ui->focus || !cmd_pane_shown(ui, p))
		return;
	ui->focus = (enum ui_pane)p;
	ui->dirty |= DIRTY_FOLDERS | DIRTY_INDEX | DIRTY_PAGER | DIRTY_STATUS;
}

static void
cmd_focus_next(struct ui *ui)
{
	int i, p;

	for (i = 1; i < PANE_COUNT; i++) {
		p = ((int)ui->focus + i) % PANE_COUNT;
		if (cmd_pane_shown(ui, p)) {
			cmd_focus(ui, p);
			return;
		}
	}
}

static void
cmd_focus_left(struct ui *ui)
{
	int p;

	if (ui->pager_open) {
		cmd_close_pager(ui);
		return;
	}
	for (p = (int)ui->focus - 1; p >= 0; p--) {
		if (cmd_pane_shown(ui, p)) {
			cmd_focus(ui, p);
			return;
		}
	}
}

static void
cmd_focus_right(struct ui *ui)
{
	int p;

	if (!ui->wide && ui->focus == PANE_INDEX) {
		cmd_open_message(ui);
		return;
	}
	for (p = (int)ui->focus + 1; p < PANE_COUNT; p++) {
		if (cmd_pane_shown(ui, p)) {
			cmd_focus(ui, p);
			return;
		}
	}
}

/* Offer the display names of the open account's folders. */
static void
cmd_folder_complete(struct ui *ui, const char *prefix, char ***list_r,
    size_t *n_r)
{
	const struct ui_acct *as = &ui->as[ui->cur];
	size_t i, len = strlen(prefix);
	char **list = NULL;
	size_t n = 0;

	for (i = 0; i < as->nfolders; i++) {
		const char *d = as->folders[i].display;

		if (d == NULL)
			d = as->folders[i].name;
		if (d == NULL || strncasecmp(d, prefix, len) != 0)
			continue;
		list = xreallocarray(list, n + 1, sizeof *list);
		list[n++] = xstrdup(d);
	}
	*list_r = list;
	*n_r = n;
}

static void
cmd_folder_done(struct ui *ui, const char *text)
{
	const struct store_folder *f;
	char *shown;

	if (*text == '\0')
		return;
	if ((f = ui_find_folder(ui, ui->cur, text)) == NULL) {
		shown = text_sanitize_dup(text, 0);
		ui_message(ui, _("no folder \"%s\""), shown);
		free(shown);
		return;
	}
	if (f->noselect) {
		shown = text_sanitize_dup(f->display, 0);
		ui_message(ui, _("folder \"%s\" holds no messages"), shown);
		free(shown);
		return;
	}
	ui_open_folder(ui, ui->cur, f);
}

static void
cmd_change_folder(struct ui *ui)
{
	prompt_start(ui, _("Open folder: "), cmd_folder_done,
	    cmd_folder_complete);
}

static void
cmd_toggle_read(struct ui *ui)
{
	struct store *st;
	struct store_msg m;
	size_t acct;
	int64_t id;

	if (ui->ops.prefix) {
		msgop_toggle_read_tagged(ui);
		return;
	}
	id = cmd_current_msg(ui, &acct);
	if (id < 0 || (st = ui_store(ui, acct)) == NULL)
		return;
	if (store_msg_get(st, id, &m) != 0)
		return;
	cmd_set_seen(ui, acct, id, (m.flags & MSG_SEEN) == 0);
	store_msg_release(&m);
}

static void
cmd_toggle_folders(struct ui *ui)
{
	ui->show_folders = !ui->show_folders;
	ui_relayout(ui);
}

static void
cmd_redraw(struct ui *ui)
{
	clearok(curscr, TRUE);
	ui->dirty |= DIRTY_ALL;
}

static void
cmd_help(struct ui *ui)
{
	ui->help = 1;
	ui->help_top = 0;
	ui->dirty |= DIRTY_ALL;
}

/* The POP3 preview of the selected folder's account, or the open one's. */
static void
cmd_pop3_preview(struct ui *ui)
{
	size_t acct = ui->cur;

	if (ui->focus == PANE_FOLDERS && ui->fp.sel < ui->fp.n)
		acct = ui->fp.rows[ui->fp.sel].acct;
	preview_open(ui, acct);
}

/* Open the attachment list of the message the focused pane is about. */
static void
cmd_attachments(struct ui *ui)
{
	size_t acct;
	int64_t id;

	if ((id = cmd_current_msg(ui, &acct)) < 0)
		return;
	attach_open(ui, acct, id);
}

static long
cmd_half_page(struct ui *ui)
{
	long h = cmd_page_size(ui) / 2;

	return h > 0 ? h : 1;
}

static void
cmd_half_down(struct ui *ui)
{
	cmd_move(ui, cmd_half_page(ui));
}

static void
cmd_half_up(struct ui *ui)
{
	cmd_move(ui, -cmd_half_page(ui));
}

/*
 * J and K: the next or previous message of the index; the pager, when it
 * is in use, shows it (and it is read).
 */
static void
cmd_step_message(struct ui *ui, long dir)
{
	size_t old = ui->ix.sel;
	int64_t id;

	if (ui->ix.n == 0)
		return;
	index_move(ui, dir);
	if (ui->ix.sel == old) {
		ui_message(ui, "%s", dir > 0 ? _("this is the last message") :
		    _("this is the first message"));
		return;
	}
	if (ui->focus != PANE_PAGER && !ui->pager_open)
		return;
	id = index_selected(ui);
	pager_show(ui, ui->cur, id);
	cmd_set_seen(ui, ui->cur, id, 1);
}

static void
cmd_next_message(struct ui *ui)
{
	cmd_step_message(ui, 1);
}

static void
cmd_prev_message(struct ui *ui)
{
	cmd_step_message(ui, -1);
}

static void
cmd_pager_search_done(struct ui *ui, const char *text)
{
	if (*text == '\0') {
		if (ui->pg.pattern == NULL)
			return;
		pager_search_next(ui, 1);
		return;
	}
	pager_search(ui, text);
}

static void
cmd_pager_search(struct ui *ui)
{
	prompt_start(ui, _("Search the message: "), cmd_pager_search_done,
	    NULL);
}

static void
cmd_pager_search_next(struct ui *ui)
{
	pager_search_next(ui, 1);
}

static void
cmd_pager_search_prev(struct ui *ui)
{
	pager_search_next(ui, -1);
}

static void
cmd_toggle_headers(struct ui *ui)
{
	pager_toggle(ui, PAGER_MODE_HEADERS);
}

static void
cmd_toggle_source(struct ui *ui)
{
	pager_toggle(ui, PAGER_MODE_SOURCE);
}

static void
cmd_collapse_thread(struct ui *ui)
{
	index_fold(ui, 0);
}

static void
cmd_collapse_all(struct ui *ui)
{
	index_fold(ui, 1);
}

/* The words for SORT (an enum sort_kind). */
static const char *
cmd_sort_name(int sort)
{
	switch (sort) {
	case SORT_THREADS:
		return _("threads");
	case SORT_FROM:
		return _("sender");
	case SORT_SUBJECT:
		return _("subject");
	case SORT_SIZE:
		return _("size");
	}
	return _("date");
}

static void
cmd_sort_done(struct ui *ui, int key, void *arg)
{
	static const char keys[] = "dtfsz";
	static const int kinds[] = {
		SORT_DATE, SORT_THREADS, SORT_FROM, SORT_SUBJECT, SORT_SIZE
	};
	const char *k;

	(void)arg;
	if (key == 0 || (k = strchr(keys, key)) == NULL)
		return;
	index_sort(ui, kinds[k - keys], ui->sort_reverse);
	ui_message(ui, _("sorted by %s%s"), cmd_sort_name(ui->sort),
	    ui->sort_reverse ? _(", reversed") : "");
}

static void
cmd_sort(struct ui *ui)
{
	ask_start(ui, "dtfsz", cmd_sort_done, NULL, "%s",
	    _("Sort by (d)ate, (t)hreads, (f)rom, (s)ubject or si(z)e?"));
}

static void
cmd_sort_reverse(struct ui *ui)
{
	index_sort(ui, ui->sort, !ui->sort_reverse);
	ui_message(ui, _("sorted by %s%s"), cmd_sort_name(ui->sort),
	    ui->sort_reverse ? _(", reversed") : "");
}
