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
#include "config.h"
#include "i18n.h"
#include "ops.h"
#include "search.h"
#include "thread.h"
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
static void cmd_exit(struct ui *);
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
static void cmd_next_undeleted(struct ui *);
static void cmd_prev_undeleted(struct ui *);
static void cmd_next_unread(struct ui *);
static void cmd_prev_unread(struct ui *);
static void cmd_jump_number(struct ui *);
static void cmd_enter_command(struct ui *);
static void cmd_pager_search(struct ui *);
static void cmd_pager_search_next(struct ui *);
static void cmd_pager_search_prev(struct ui *);
static void cmd_toggle_headers(struct ui *);
static void cmd_toggle_source(struct ui *);
static void cmd_next_thread(struct ui *);
static void cmd_prev_thread(struct ui *);
static void cmd_collapse_thread(struct ui *);
static void cmd_collapse_all(struct ui *);
static void cmd_sort(struct ui *);
static void cmd_sort_reverse(struct ui *);
static void cmd_pop3_preview(struct ui *);
static void cmd_attachments(struct ui *);
static void cmd_follow(struct ui *);

/*
 * The actions and their default keys, mode by mode. mutt's defaults where
 * tern does what mutt does (the README's table "mutt key -> tern" says
 * where it differs and why).
 */
const struct cmd_action cmd_table[] = {
	/* Moving: what a line and a page are is the mode's (mode.c). */
	{ "move-down", { { CMD_IN_MENUS | CMD_IN_HELP, "j Down" },
	    { CMD_IN_PAGER | CMD_IN_HELP, "Enter" } }, NULL,
	  N_("move to the next line"), cmd_move_down },
	{ "move-up", { { CMD_IN_MENUS | CMD_IN_HELP, "k Up" },
	    { CMD_IN_PAGER | CMD_IN_HELP, "BSpace" } }, NULL,
	  N_("move to the previous line"), cmd_move_up },
	{ "page-down", { { CMD_IN_ALL, "PgDn" },
	    { CMD_IN_PAGER | CMD_IN_HELP, "Space" },
	    { CMD_IN_MENUS | CMD_IN_HELP, "z Right" } }, NULL,
	  N_("move one page down"), cmd_page_down },
	{ "page-up", { { CMD_IN_ALL, "PgUp" },
	    { CMD_IN_PAGER | CMD_IN_HELP | CMD_IN_INDEX, "-" },
	    { CMD_IN_MENUS | CMD_IN_HELP, "Z Left" } }, NULL,
	  N_("move one page up"), cmd_page_up },
	{ "first", { { CMD_IN_ALL, "Home" }, { CMD_IN_ALL & ~(CMD_IN_INDEX |
	    CMD_IN_PAGER), "g" }, { CMD_IN_MENUS | CMD_IN_HELP, "=" },
	    { CMD_IN_PAGER, "^" } }, NULL,
	  N_("go to the first line"), cmd_first },
	{ "last", { { CMD_IN_ALL, "End G" }, { CMD_IN_MENUS | CMD_IN_HELP,
	    "*" } }, NULL,
	  N_("go to the last line"), cmd_last },
	{ "half-page-down", { { CMD_IN_ALL, "C-d ]" } }, NULL,
	  N_("move half a page down"), cmd_half_down },
	{ "half-page-up", { { CMD_IN_ALL, "C-u [" } }, NULL,
	  N_("move half a page up"), cmd_half_up },
	/* Leaving: q goes back, and quits only from the index. */
	{ "quit", { { CMD_IN_INDEX, "q" }, { CMD_IN_PAGER, "Q" } },
	  N_("Quit"), N_("quit tern (expunging as `expunge` says; asks as "
	  "`quit` says)"), cmd_quit },
	{ "exit", { { CMD_IN_PAGER, "q x i" },
	    { CMD_IN_FOLDERS | CMD_IN_HELP | CMD_IN_ATTACH | CMD_IN_PREVIEW,
	    "q" }, { CMD_IN_HELP | CMD_IN_ATTACH | CMD_IN_PREVIEW, "Esc" },
	    { CMD_IN_INDEX, "x" } }, N_("Back"),
	  N_("go back to the index; in the index, quit without expunging"),
	  cmd_exit },
	{ "open", { { CMD_IN_INDEX | CMD_IN_FOLDERS, "Enter Space" } },
	  N_("Open"), N_("open the selected message or folder"), cmd_open },
	{ "next-unread", { { CMD_IN_PANES, "Tab" } }, NULL,
	  N_("go to the next unread message (opening it in the pager), or "
	  "folder"), cmd_next_unread },
	{ "previous-unread", { { CMD_IN_PANES, "Esc-Tab" } }, NULL,
	  N_("go to the previous unread message, or folder"),
	  cmd_prev_unread },
	{ "focus-next-pane", { { CMD_IN_PANES, "`" } }, NULL,
	  N_("move the focus to the next pane (the status line names it)"),
	  cmd_focus_next },
	{ "focus-left", { { 0, NULL } }, NULL,
	  N_("move the focus to the pane on the left"), cmd_focus_left },
	{ "focus-right", { { 0, NULL } }, NULL,
	  N_("move the focus to the pane on the right"), cmd_focus_right },
	{ "change-folder", { { CMD_IN_PANES, "c" } }, N_("Folder"),
	  N_("open another folder (=NAME: the open account's)"),
	  cmd_change_folder },
	{ "toggle-read", { { CMD_IN_INDEX | CMD_IN_PAGER, "N" } }, N_("Read"),
	  N_("mark the message read or unread"), cmd_toggle_read },
	{ "sync-now", { { CMD_IN_PANES, "$" } }, N_("Sync"),
	  N_("expunge the deleted messages (as `expunge` says), then "
	  "synchronise with the server now"), msgop_sync_mailbox },
	{ "toggle-folders", { { CMD_IN_PANES, "B" }, { CMD_IN_FOLDERS, "b" } },
	  N_("Folders"),
	  N_("show or hide the folder pane"), cmd_toggle_folders },
	{ "redraw", { { CMD_IN_ALL, "C-l" } }, NULL,
	  N_("redraw the screen"), cmd_redraw },
	{ "enter-command", { { CMD_IN_PANES, ":" } }, NULL,
	  N_("type a config line: bind MODES KEY ACTION"),
	  cmd_enter_command },
	/* Reading: messages, threads, the order (pane-index.c). */
	{ "jump", { { CMD_IN_INDEX | CMD_IN_PAGER, "1 2 3 4 5 6 7 8 9" } },
	  NULL, N_("go to the message with that number"), cmd_jump_number },
	{ "next-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "J" } }, NULL,
	  N_("show the next message"), cmd_next_message },
	{ "previous-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "K" } }, NULL,
	  N_("show the previous message"), cmd_prev_message },
	{ "next-undeleted", { { CMD_IN_PAGER, "j Down Right" } }, NULL,
	  N_("show the next message not marked deleted"),
	  cmd_next_undeleted },
	{ "previous-undeleted", { { CMD_IN_PAGER, "k Up Left" } }, NULL,
	  N_("show the previous message not marked deleted"),
	  cmd_prev_undeleted },
	{ "next-thread", { { CMD_IN_INDEX | CMD_IN_PAGER, "C-n" } }, NULL,
	  N_("go to the next thread"), cmd_next_thread },
	{ "previous-thread", { { CMD_IN_INDEX | CMD_IN_PAGER, "C-p" } },
	  NULL, N_("go to the previous thread"), cmd_prev_thread },
	{ "collapse-thread", { { CMD_IN_INDEX, "Esc-v" } }, NULL,
	  N_("collapse or expand the selected thread"), cmd_collapse_thread },
	{ "collapse-all", { { CMD_IN_INDEX, "Esc-V" } }, NULL,
	  N_("collapse or expand every thread"), cmd_collapse_all },
	{ "sort", { { CMD_IN_INDEX | CMD_IN_PAGER, "o" } }, N_("Sort"),
	  N_("sort by date, threads, sender, subject or size"), cmd_sort },
	{ "sort-reverse", { { CMD_IN_INDEX | CMD_IN_PAGER, "O" } }, NULL,
	  N_("reverse the order of the index"), cmd_sort_reverse },
	/* Reading: inside the message (pane-pager.c). */
	{ "pager-search", { { CMD_IN_PAGER, "/" } }, NULL,
	  N_("search the message's text"), cmd_pager_search },
	{ "pager-search-next", { { CMD_IN_PAGER, "n" } }, NULL,
	  N_("go to the next match in the message"), cmd_pager_search_next },
	{ "pager-search-prev", { { CMD_IN_PAGER, "Esc-/" } }, NULL,
	  N_("go to the previous match in the message"),
	  cmd_pager_search_prev },
	{ "toggle-headers", { { CMD_IN_INDEX | CMD_IN_PAGER, "h H" } }, NULL,
	  N_("show every header field, or the usual few (the index opens "
	  "the message so)"), cmd_toggle_headers },
	{ "toggle-source", { { CMD_IN_INDEX | CMD_IN_PAGER, "V" } }, NULL,
	  N_("show the raw message, or the message"), cmd_toggle_source },
	/* Message operations (cmd-message.c). */
	{ "delete-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "d" } },
	  N_("Del"), N_("mark the message deleted, or move it to the Trash "
	  "(as `delete` says)"), msgop_delete },
	{ "undelete-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "u" } }, NULL,
	  N_("undelete the message"), msgop_undelete },
	{ "delete-pattern", { { CMD_IN_INDEX, "D" } }, NULL,
	  N_("mark deleted the messages that match a query"),
	  msgop_delete_pattern },
	{ "undelete-pattern", { { CMD_IN_INDEX, "U" } }, NULL,
	  N_("undelete the messages that match a query"),
	  msgop_undelete_pattern },
	{ "move-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "s" } }, NULL,
	  N_("move the message to a folder (Tab completes)"), msgop_move },
	{ "copy-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "C" } }, NULL,
	  N_("copy the message to a folder (Tab completes)"), msgop_copy },
	{ "flag-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "F" } }, NULL,
	  N_("flag or unflag the message"), msgop_flag },
	{ "set-flag", { { CMD_IN_INDEX | CMD_IN_PAGER, "w" } }, NULL,
	  N_("set a flag: new, old (read), flagged, deleted or replied"),
	  msgop_set_flag },
	{ "clear-flag", { { CMD_IN_INDEX | CMD_IN_PAGER, "W" } }, NULL,
	  N_("clear a flag: new, old (read), flagged, deleted or replied"),
	  msgop_clear_flag },
	{ "tag-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "t" } }, NULL,
	  N_("tag or untag the message (shown with *)"), msgop_tag },
	{ "tag-pattern", { { CMD_IN_INDEX, "T" } }, NULL,
	  N_("tag the messages that match a query (as / takes)"),
	  msgop_tag_pattern },
	{ "untag-pattern", { { CMD_IN_INDEX, "C-t" } }, NULL,
	  N_("untag the messages that match a query"), msgop_untag_pattern },
	{ "tag-prefix", { { CMD_IN_INDEX | CMD_IN_PAGER, ";" } }, NULL,
	  N_("apply the next d, u, s, C, F, N or | to the tagged messages"),
	  msgop_tag_prefix },
	{ "pipe-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "|" } }, NULL,
	  N_("pipe the whole message, headers included, to a command"),
	  msgop_pipe },
	/* Folder operations (cmd-folder.c); the folder pane's keys. */
	{ "create-folder", { { CMD_IN_FOLDERS, "C" } }, N_("New"),
	  N_("create a folder (folder pane)"), folderop_create },
	{ "rename-folder", { { CMD_IN_FOLDERS, "r" } }, NULL,
	  N_("rename the selected folder (folder pane)"), folderop_rename },
	{ "delete-folder", { { CMD_IN_FOLDERS, "d" } }, NULL,
	  N_("delete the selected folder and its messages (asks; folder "
	  "pane)"), folderop_delete },
	{ "subscribe-folder", { { CMD_IN_FOLDERS, "s" } }, NULL,
	  N_("subscribe to the selected folder (folder pane)"),
	  folderop_subscribe },
	{ "unsubscribe-folder", { { CMD_IN_FOLDERS, "u" } }, NULL,
	  N_("unsubscribe from the selected folder (asks; folder pane)"),
	  folderop_unsubscribe },
	/* Search and limit (cmd-search.c), in the index pane. */
	{ "search", { { CMD_IN_INDEX, "/" } }, N_("Search"),
	  N_("search the folder (on the server when online) and select the "
	  "first match"), searchop_search },
	{ "search-next", { { CMD_IN_INDEX, "n" } }, NULL,
	  N_("select the next match of the last search"), searchop_next },
	{ "limit", { { CMD_IN_INDEX, "l" } }, NULL,
	  N_("show only the messages that match a query (empty or all: "
	  "every message)"), searchop_limit },
	/* The POP3 preview (pane-preview.c). */
	{ "pop3-preview", { { CMD_IN_FOLDERS | CMD_IN_INDEX, "P" } }, NULL,
	  N_("list what waits on a POP3 server, to download or delete it "
	  "there"), cmd_pop3_preview },
	{ "preview-mark", { { CMD_IN_PREVIEW, "Space t" } }, N_("Mark"),
	  N_("mark or unmark the message for a download or a delete"),
	  preview_mark },
	{ "preview-fetch", { { CMD_IN_PREVIEW, "f Enter" } }, N_("Download"),
	  N_("download the marked messages, or the selected one"),
	  preview_fetch },
	{ "preview-delete", { { CMD_IN_PREVIEW, "d D" } }, N_("Delete"),
	  N_("delete the marked messages, or the selected one, on the server "
	  "(asks)"), preview_delete },
	{ "preview-refresh", { { CMD_IN_PREVIEW, "$" } }, N_("Refresh"),
	  N_("ask the server for the list again"), preview_refresh },
	{ "help", { { CMD_IN_ALL, "?" } }, N_("Help"),
	  N_("list the keys of every mode (? again: close)"), cmd_help },
	/* The attachment list (pane-attach.c). */
	{ "attachments", { { CMD_IN_INDEX | CMD_IN_PAGER, "v" } }, NULL,
	  N_("list the message's attachments: save, open, pipe"),
	  cmd_attachments },
	{ "save-attachment", { { CMD_IN_ATTACH, "s" } }, N_("Save"),
	  N_("save the selected part to a file"), attach_save },
	{ "view-attachment", { { CMD_IN_ATTACH, "Enter o m" } }, N_("Open"),
	  N_("open the selected part with its mailcap entry"),
	  attach_open_part },
	{ "pipe-attachment", { { CMD_IN_ATTACH, "|" } }, N_("Pipe"),
	  N_("pipe the selected part to a command"), attach_pipe },

	/* Writing mail (cmd-compose.c). */
	{ "compose-new", { { CMD_IN_PANES, "m" } }, N_("Mail"),
	  N_("write a new message"), composeop_new },
	{ "reply", { { CMD_IN_INDEX | CMD_IN_PAGER, "r" } }, N_("Reply"),
	  N_("reply to the sender (Reply-To when set)"), composeop_reply },
	{ "group-reply", { { CMD_IN_INDEX | CMD_IN_PAGER, "g" } }, NULL,
	  N_("reply to the sender and every recipient"),
	  composeop_group_reply },
	{ "list-reply", { { CMD_IN_INDEX | CMD_IN_PAGER, "L" } }, NULL,
	  N_("reply to the mailing list (List-Post)"), composeop_list_reply },
	{ "forward-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "f" } }, NULL,
	  N_("forward the message (inline, or attached: forward = attach)"),
	  composeop_forward },
	{ "resend-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "Esc-e" } },
	  NULL, N_("edit the message as a new one"), composeop_resend },
	{ "bounce-message", { { CMD_IN_INDEX | CMD_IN_PAGER, "b" } }, NULL,
	  N_("bounce the message (unchanged, to other addresses)"),
	  composeop_bounce },
	{ "recall-message", { { CMD_IN_PANES, "R" } }, NULL,
	  N_("recall a postponed message"), composeop_recall },
	{ "compose-send", { { CMD_IN_COMPOSE, "y" } }, N_("Send"),
	  N_("send the message"), composeop_send },
	{ "compose-edit", { { CMD_IN_COMPOSE, "e" } }, N_("Edit"),
	  N_("edit the message again"), composeop_edit },
	{ "compose-attach", { { CMD_IN_COMPOSE, "a" } }, N_("Attach"),
	  N_("attach a file (Tab completes its path)"), composeop_attach },
	{ "compose-detach", { { CMD_IN_COMPOSE, "D" } }, N_("Detach"),
	  N_("take the selected attachment out"), composeop_detach },
	{ "compose-to", { { CMD_IN_COMPOSE, "t" } }, N_("To"),
	  N_("edit the To addresses (Tab completes)"), composeop_edit_to },
	{ "compose-cc", { { CMD_IN_COMPOSE, "c" } }, N_("Cc"),
	  N_("edit the Cc addresses"), composeop_edit_cc },
	{ "compose-bcc", { { CMD_IN_COMPOSE, "b" } }, N_("Bcc"),
	  N_("edit the Bcc addresses"), composeop_edit_bcc },
	{ "compose-subject", { { CMD_IN_COMPOSE, "s" } }, N_("Subject"),
	  N_("edit the subject"), composeop_edit_subject },
	{ "compose-postpone", { { CMD_IN_COMPOSE, "P" } }, N_("Postpone"),
	  N_("keep the message as a draft (Drafts)"), composeop_postpone },
	{ "compose-abort", { { CMD_IN_COMPOSE, "q" } }, N_("Abort"),
	  N_("drop the message (asks)"), composeop_abort },
};
const size_t cmd_count = sizeof cmd_table / sizeof cmd_table[0];

/*
 * mutt's names for tern's actions, accepted in bind lines so that a
 * muttrc's bind lines carry over ("bind = index x exit").
 */
static const struct {
	const char *mutt;
	const char *tern;
} cmd_mutt_names[] = {
	{ "display-message", "open" },
	{ "select-entry", "open" },
	{ "view-attach", "view-attachment" },
	{ "view-mailcap", "view-attachment" },
	{ "save-entry", "save-attachment" },
	{ "pipe-entry", "pipe-attachment" },
	{ "next-entry", "next-message" },
	{ "previous-entry", "previous-message" },
	{ "next-line", "move-down" },
	{ "previous-line", "move-up" },
	{ "next-page", "page-down" },
	{ "previous-page", "page-up" },
	{ "first-entry", "first" },
	{ "last-entry", "last" },
	{ "top", "first" },
	{ "bottom", "last" },
	{ "half-down", "half-page-down" },
	{ "half-up", "half-page-up" },
	{ "next-new-then-unread", "next-unread" },
	{ "previous-new-then-unread", "previous-unread" },
	{ "next-new", "next-unread" },
	{ "previous-new", "previous-unread" },
	{ "toggle-new", "toggle-read" },
	{ "mark-as-new", "toggle-read" },
	{ "sync-mailbox", "sync-now" },
	{ "save-message", "move-message" },
	{ "tag-entry", "tag-message" },
	{ "display-toggle-weed", "toggle-headers" },
	{ "view-raw-message", "toggle-source" },
	{ "view-attachments", "attachments" },
	{ "search-opposite", "pager-search-prev" },
	{ "sort-mailbox", "sort" },
	{ "create-mailbox", "create-folder" },
	{ "delete-mailbox", "delete-folder" },
	{ "rename-mailbox", "rename-folder" },
	{ "subscribe", "subscribe-folder" },
	{ "unsubscribe", "unsubscribe-folder" },
	{ "change-dir", "change-folder" },
	{ "sidebar-toggle-visible", "toggle-folders" },
	{ "refresh", "redraw" },
	{ "mail", "compose-new" },
	{ "recall-postponed", "recall-message" },
	{ "send-message", "compose-send" },
	{ "edit-message", "compose-edit" },
	{ "attach-file", "compose-attach" },
	{ "detach-file", "compose-detach" },
	{ "edit-to", "compose-to" },
	{ "edit-cc", "compose-cc" },
	{ "edit-bcc", "compose-bcc" },
	{ "edit-subject", "compose-subject" },
	{ "postpone-message", "compose-postpone" },
};

/* The keymap of one mode: key to index in cmd_table. */
struct cmd_binding {
	int key;
	size_t action;
};

struct cmd_keymap {
	struct cmd_binding *b;
	size_t n, alloc;
};

static struct cmd_keymap cmd_keymaps[CMD_MODE_COUNT];

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
	/* Esc-x, M-x (Alt sends Esc first) and mutt's \ex. */
	if ((strncasecmp(name, "Esc-", 4) == 0 && len > 4) ||
	    (strncmp(name, "M-", 2) == 0 && len > 2) ||
	    (strncmp(name, "\\e", 2) == 0 && len > 2)) {
		const char *rest = name[0] == 'M' ? name + 2 :
		    name[0] == '\\' ? name + 2 : name + 4;
		char *e2 = NULL;

		if (cmd_key_parse(rest, key_r, &e2) != 0 ||
		    (*key_r & CMD_KEY_META) != 0) {
			free(e2);
			goto bad;
		}
		*key_r |= CMD_KEY_META;
		return 0;
	}
	/* mutt's <Tab>, <Enter>, <PageDown> ... */
	if (name[0] == '<' && len > 2 && name[len - 1] == '>') {
		char *inner = xstrndup(name + 1, len - 2);
		char *e2 = NULL;
		int r = cmd_key_parse(inner, key_r, &e2);

		free(inner);
		free(e2);
		if (r == 0)
			return 0;
		goto bad;
	}
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

	if (key & CMD_KEY_META) {
		strbuf_addstr(sb, "Esc-");
		key &= ~CMD_KEY_META;
	}
	for (i = 0; i < sizeof cmd_key_names / sizeof cmd_key_names[0]; i++) {
		/* The aliases from "Return" on are never printed. */
		if (strcmp(cmd_key_names[i].name, "Return") == 0)
			break;
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
cmd_bind(unsigned int modes, const char *keyname, const char *name,
    char **err)
{
	const struct cmd_action *a = NULL;
	long action = -1;
	int key, m;

	if (cmd_key_parse(keyname, &key, err) != 0)
		return -1;
	if (name != NULL && strcmp(name, "noop") != 0) {
		if ((a = cmd_find(name)) == NULL) {
			*err = xasprintf(_("unknown action \"%s\""), name);
			return -1;
		}
		action = a - cmd_table;
	}
	for (m = 0; m < CMD_MODE_COUNT; m++) {
		if (modes & CMD_IN(m))
			cmd_keymap_set(&cmd_keymaps[m], key, action);
	}
	return 0;
}

/* The number of modes in the mask MODES. */
static int
cmd_mode_count(unsigned int modes)
{
	int m, n = 0;

	for (m = 0; m < CMD_MODE_COUNT; m++)
		n += (modes >> m) & 1;
	return n;
}

/* The CMD_IN_* mask of a config_bind's CONFIG_* modes. */
static unsigned int
cmd_config_modes(unsigned int c)
{
	static const struct {
		unsigned int config, cmd;
	} map[] = {
		{ CONFIG_PANE_FOLDERS, CMD_IN_FOLDERS },
		{ CONFIG_PANE_INDEX, CMD_IN_INDEX },
		{ CONFIG_PANE_PAGER, CMD_IN_PAGER },
		{ CONFIG_MODE_HELP, CMD_IN_HELP },
		{ CONFIG_MODE_ATTACH, CMD_IN_ATTACH },
		{ CONFIG_MODE_PREVIEW, CMD_IN_PREVIEW },
		{ CONFIG_MODE_COMPOSE, CMD_IN_COMPOSE },
	};
	unsigned int modes = 0;
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (c & map[i].config)
			modes |= map[i].cmd;
	}
	return modes;
}

int
cmd_bind_config(const struct config *cfg, char **err)
{
	const struct config_bind *b;
	char *e = NULL;
	size_t i;

	for (i = 0; i < cfg->nbinds; i++) {
		b = &cfg->binds[i];
		if (cmd_bind(cmd_config_modes(b->panes), b->key, b->action,
		    &e) != 0) {
			*err = xasprintf("%s:%d: %s", cfg->name != NULL ?
			    cfg->name : cfg->path != NULL ? cfg->path : "",
			    b->line, e);
			free(e);
			return -1;
		}
	}
	return 0;
}

int
cmd_bind_line(const char *line, char **err)
{
	struct config *cfg = NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *s = line, *c;
	char *e = NULL;
	int r = -1;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "bind", 4) != 0 || (s[4] != ' ' && s[4] != '\t' &&
	    s[4] != '=')) {
		*err = xasprintf(_("not a command: \"%s\" (bind MODES KEY "
		    "ACTION)"), line);
		return -1;
	}
	s += 4;
	while (*s == ' ' || *s == '\t')
		s++;
	/* mutt writes "bind MODES KEY ACTION", tern's file "bind = ...". */
	if (*s == '=')
		s++;
	strbuf_addstr(&sb, "[keys]\nbind = ");
	strbuf_addstr(&sb, s);
	strbuf_addch(&sb, '\n');
	if (config_load_string(sb.buf, "command", &cfg, &e) != 0) {
		/* "command:2: key \"bind\": ..." without the place. */
		c = strstr(e, ": ");
		*err = xstrdup(c != NULL ? c + 2 : e);
		free(e);
		goto out;
	}
	if (cmd_bind_config(cfg, &e) != 0) {
		c = strstr(e, ": ");
		*err = xstrdup(c != NULL ? c + 2 : e);
		free(e);
		goto out;
	}
	r = 0;
out:
	config_free(cfg);
	strbuf_release(&sb);
	return r;
}

void
cmd_init(void)
{
	const struct cmd_action *a;
	char *copy, *word, *save, *err;
	size_t i, d;
	int width;

	cmd_free();
	/*
	 * Wider bindings first: a key an action claims in fewer modes wins
	 * there over one claimed in more ("/" searches the message in the
	 * pager, the folder elsewhere), whatever the order of the table.
	 */
	for (width = CMD_MODE_COUNT; width >= 1; width--) {
		for (i = 0; i < cmd_count; i++) {
			a = &cmd_table[i];
			for (d = 0; d < CMD_MAX_DEFAULTS; d++) {
				if (a->defaults[d].keys == NULL ||
				    cmd_mode_count(a->defaults[d].modes) !=
				    width)
					continue;
				copy = xstrdup(a->defaults[d].keys);
				for (word = strtok_r(copy, " ", &save);
				    word != NULL;
				    word = strtok_r(NULL, " ", &save)) {
					err = NULL;
					if (cmd_bind(a->defaults[d].modes, word,
					    a->name, &err) != 0)
						abort();	/* a bad table */
				}
				free(copy);
			}
		}
	}
}

void
cmd_free(void)
{
	int m;

	for (m = 0; m < CMD_MODE_COUNT; m++) {
		free(cmd_keymaps[m].b);
		memset(&cmd_keymaps[m], 0, sizeof cmd_keymaps[m]);
	}
}

const struct cmd_action *
cmd_lookup(int mode, int key)
{
	const struct cmd_keymap *km;
	size_t i;

	if (mode < 0 || mode >= CMD_MODE_COUNT)
		return NULL;
	km = &cmd_keymaps[mode];
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
	for (i = 0; i < sizeof cmd_mutt_names / sizeof cmd_mutt_names[0];
	    i++) {
		if (strcmp(cmd_mutt_names[i].mutt, name) == 0)
			return cmd_find(cmd_mutt_names[i].tern);
	}
	return NULL;
}

const char *
cmd_mode_name(int mode)
{
	if (mode < 0 || mode >= CMD_MODE_COUNT)
		return "";
	return ui_modes[mode].name;
}

/* Compare bindings so that keys come out in a stable, readable order. */
static int
cmd_binding_cmp(const void *a, const void *b)
{
	const struct cmd_binding *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

int
cmd_keys_of(struct strbuf *sb, const struct cmd_action *a, int mode,
    const char *sep, int max)
{
	struct cmd_binding *found = NULL;
	size_t nfound = 0, i, j, action = (size_t)(a - cmd_table);
	int m, count = 0;

	for (m = 0; m < CMD_MODE_COUNT; m++) {
		if (mode != -1 && m != mode)
			continue;
		for (i = 0; i < cmd_keymaps[m].n; i++) {
			if (cmd_keymaps[m].b[i].action != action)
				continue;
			for (j = 0; j < nfound; j++) {
				if (found[j].key == cmd_keymaps[m].b[i].key)
					break;
			}
			if (j < nfound)
				continue;
			found = xreallocarray(found, nfound + 1,
			    sizeof *found);
			found[nfound++] = cmd_keymaps[m].b[i];
		}
	}
	/* Printable characters first, then named keys, in key order. */
	if (nfound > 1)
		qsort(found, nfound, sizeof *found, cmd_binding_cmp);
	for (j = 0; j < 2; j++) {
		for (i = 0; i < nfound; i++) {
			int named = found[i].key <= ' ' ||
			    found[i].key == CMD_KEY_BSPACE ||
			    (found[i].key & (CMD_KEY_FN | CMD_KEY_META)) != 0;
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
cmd_hint_key(struct strbuf *sb, const struct cmd_action *a, int mode)
{
	char *copy, *word, *save, *err;
	size_t d;
	int key, found = 0;

	/* The first default key still bound to A, as the table orders them. */
	for (d = 0; d < CMD_MAX_DEFAULTS && !found; d++) {
		if (a->defaults[d].keys == NULL ||
		    !(a->defaults[d].modes & CMD_IN(mode)))
			continue;
		copy = xstrdup(a->defaults[d].keys);
		for (word = strtok_r(copy, " ", &save); word != NULL;
		    word = strtok_r(NULL, " ", &save)) {
			err = NULL;
			if (cmd_key_parse(word, &key, &err) != 0) {
				free(err);
				continue;
			}
			if (cmd_lookup(mode, key) == a) {
				cmd_key_name(sb, key);
				found = 1;
				break;
			}
		}
		free(copy);
	}
	if (found)
		return 1;
	return cmd_keys_of(sb, a, mode, "", 1);
}

int
cmd_dispatch(struct ui *ui, int key)
{
	enum cmd_mode mode = ui_mode(ui);
	const struct cmd_action *a;
	struct strbuf sb = STRBUF_INIT;
	int prefix;

	/* The status line's question and prompt, unless a mode hides it. */
	if (!ui_modes[mode].covers_status) {
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
	}
	/* Esc is a prefix (mutt's Meta): Esc-d is never a bare d. */
	if (ui->esc) {
		ui->esc = 0;
		if (key == CMD_KEY_ESC)
			return 0;
		key |= CMD_KEY_META;
	} else if (key == CMD_KEY_ESC && cmd_lookup(mode, key) == NULL) {
		ui->esc = 1;
		return 0;
	}
	/* After ';' only the next action acts on the tagged messages. */
	prefix = ui->ops.prefix;
	ui->key = key;
	if ((a = cmd_lookup(mode, key)) != NULL)
		a->handler(ui);
	else if (!ui_modes[mode].covers_status) {
		cmd_key_name(&sb, key);
		ui_message(ui, _("%s: key is not bound; ? for help"), sb.buf);
		strbuf_release(&sb);
	}
	if (prefix)
		ui->ops.prefix = 0;
	ask_next(ui);
	return a != NULL ? 0 : -1;
}

/* The message the focused pane is about: its account and row id. */
int64_t
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
	long r;

	if (st == NULL || id < 0)
		return;
	r = ops_apply(st, seen ? OPS_SEEN : OPS_UNSEEN, -1, &id, 1, NULL);
	if (r < 0)
		ui_message(ui, _("cannot change the flags: %s"),
		    store_errmsg(st));
	else if (r > 0) {
		if (a != NULL)
			account_push_pending(a);
		folders_reload(ui, acct);
		ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
	}
}

static void
cmd_move(struct ui *ui, long n)
{
	ui_modes[ui_mode(ui)].step(ui, n);
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

/* The height of a page of the current mode (at least one line). */
static long
cmd_page_size(struct ui *ui)
{
	long h = ui_modes[ui_mode(ui)].page(ui);

	return h > 1 ? h : 1;
}

static void
cmd_page_down(struct ui *ui)
{
	struct pane_pager *pg = &ui->pg;
	size_t top = pg->top;

	if (ui_mode(ui) != CMD_MODE_PAGER) {
		cmd_move(ui, cmd_page_size(ui));
		return;
	}
	/* mutt: Space at the end of a message goes on to the next one. */
	cmd_move(ui, cmd_page_size(ui));
	if (pg->top == top && pg->text == NULL && pg->loaded)
		cmd_next_undeleted(ui);
}

static void
cmd_page_up(struct ui *ui)
{
	cmd_move(ui, -cmd_page_size(ui));
}

static void
cmd_first(struct ui *ui)
{
	ui_modes[ui_mode(ui)].jump(ui, 0);
}

static void
cmd_last(struct ui *ui)
{
	ui_modes[ui_mode(ui)].jump(ui, 1);
}

/* Show message ID of the open folder in the pager, read, with the focus. */
static void
cmd_show_message(struct ui *ui, int64_t id)
{
	if (id < 0)
		return;
	pager_show(ui, ui->cur, id);
	cmd_set_seen(ui, ui->cur, id, 1);
	if (!ui->wide)
		ui->pager_open = 1;
	ui->focus = PANE_PAGER;
	ui_relayout(ui);
}

/* Open the selected message: show it, mark it read, focus the pager. */
static void
cmd_open_message(struct ui *ui)
{
	cmd_show_message(ui, index_selected(ui));
}

static void
cmd_open(struct ui *ui)
{
	switch (ui_mode(ui)) {
	case CMD_MODE_FOLDERS:
		folders_open_selected(ui);
		break;
	case CMD_MODE_INDEX:
		cmd_open_message(ui);
		break;
	default:
		cmd_move(ui, 1);
		break;
	}
}

/* Leave the pager for the index, in either layout. */
static void
cmd_close_pager(struct ui *ui)
{
	ui->pager_open = 0;
	ui->focus = PANE_INDEX;
	ui_relayout(ui);
}

/* Quit now, expunging first as configured (EXPUNGE) or not. */
static void
cmd_quit_now(struct ui *ui, int expunge)
{
	if (!expunge || !msgop_leave(ui, LEAVE_QUIT, 0, -1))
		ui->quit = 1;
}

static void
cmd_quit_done(struct ui *ui, int key, void *arg)
{
	int *expunge = arg;
	int dflt = ui->cfg != NULL && ui->cfg->ui.quit == QUIT_ASK_NO ?
	    'n' : 'y';

	if (key == CMD_KEY_ENTER)
		key = dflt;
	if (key == 'y')
		cmd_quit_now(ui, *expunge);
}

/* q and x: quit as `quit` says (mutt's $quit), asking if it says so. */
static void
cmd_quit_ask(struct ui *ui, int expunge)
{
	enum quit_mode how = ui->cfg != NULL ? ui->cfg->ui.quit :
	    QUIT_ASK_YES;
	int *arg;

	switch (how) {
	case QUIT_NO:
		ui_message(ui, "%s", _("quitting is off (quit = no)"));
		return;
	case QUIT_YES:
		cmd_quit_now(ui, expunge);
		return;
	case QUIT_ASK_YES:
	case QUIT_ASK_NO:
		break;
	}
	arg = xmalloc(sizeof *arg);
	*arg = expunge;
	if (expunge)
		ask_start(ui, "yn\r", cmd_quit_done, arg, "%s",
		    how == QUIT_ASK_YES ? _("Quit tern? ([yes]/no)") :
		    _("Quit tern? (yes/[no])"));
	else
		ask_start(ui, "yn\r", cmd_quit_done, arg, "%s",
		    how == QUIT_ASK_YES ?
		    _("Exit tern without expunging? ([yes]/no)") :
		    _("Exit tern without expunging? (yes/[no])"));
}

static void
cmd_quit(struct ui *ui)
{
	cmd_quit_ask(ui, 1);
}

/*
 * exit (mutt's): leave the mode for the one under it; the pager and the
 * folder pane go back to the index; the index itself quits without
 * expunging.
 */
static void
cmd_exit(struct ui *ui)
{
	enum cmd_mode mode = ui_mode(ui);

	if (ui_modes[mode].close != NULL) {
		ui_modes[mode].close(ui);
		return;
	}
	switch (mode) {
	case CMD_MODE_PAGER:
		cmd_close_pager(ui);
		break;
	case CMD_MODE_FOLDERS:
		ui->focus = PANE_INDEX;
		ui_focus_fix(ui);
		ui->dirty |= DIRTY_ALL;
		break;
	default:
		cmd_quit_ask(ui, 0);
		break;
	}
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

static void
cmd_folder_done(struct ui *ui, const char *text)
{
	const struct store_folder *f;
	size_t acct;
	char *shown;

	if (*text == '\0')
		return;
	if ((f = ui_folder_spec(ui, ui->cur, text, &acct)) == NULL) {
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
	ui_open_folder(ui, acct, f);
}

static void
cmd_change_folder(struct ui *ui)
{
	prompt_start(ui, _("Open folder: "), cmd_folder_done,
	    folderop_complete_spec);
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
	if (ui_mode(ui) == CMD_MODE_PAGER)
		ui_message(ui, "%s", (m.flags & MSG_SEEN) ?
		    _("marked unread") : _("marked read"));
	store_msg_release(&m);
	cmd_pager_resolve(ui);
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
	if (ui_mode(ui) == CMD_MODE_HELP)
		help_close(ui);
	else
		help_open(ui);
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

	if (ui->ix.n == 0)
		return;
	index_move(ui, dir);
	if (ui->ix.sel == old) {
		ui_message(ui, "%s", dir > 0 ? _("this is the last message") :
		    _("this is the first message"));
		return;
	}
	cmd_follow(ui);
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

/* h, H: every header field; from the index, open the message so (mutt). */
static void
cmd_toggle_headers(struct ui *ui)
{
	if (ui_mode(ui) == CMD_MODE_INDEX) {
		if (index_selected(ui) < 0)
			return;
		cmd_open_message(ui);
		if (!(ui->pg.mode & PAGER_MODE_HEADERS))
			pager_toggle(ui, PAGER_MODE_HEADERS);
		return;
	}
	pager_toggle(ui, PAGER_MODE_HEADERS);
}

static void
cmd_toggle_source(struct ui *ui)
{
	pager_toggle(ui, PAGER_MODE_SOURCE);
}

/*
 * C-n, C-p (mutt's next-thread, previous-thread): the first message of
 * the next or previous thread; the pager, in use, shows it.
 */
static void
cmd_step_thread(struct ui *ui, long dir)
{
	struct pane_index *ix = &ui->ix;
	size_t root, i;

	if (ui->sort != SORT_THREADS || ix->th == NULL) {
		ui_message(ui, "%s", _("threads are shown when sorted by "
		    "threads (o t)"));
		return;
	}
	if (ix->n == 0)
		return;
	root = thread_root_row(ix->th, ix->sel);
	if (root == THREAD_NONE)
		root = ix->sel;
	if (dir > 0) {
		for (i = ix->sel + 1; i < ix->n; i++) {
			if (thread_depth(ix->th, i) == 0)
				break;
		}
		if (i >= ix->n) {
			ui_message(ui, "%s", _("this is the last thread"));
			return;
		}
	} else {
		if (root == 0) {
			ui_message(ui, "%s", _("this is the first thread"));
			return;
		}
		i = thread_root_row(ix->th, root - 1);
		if (i == THREAD_NONE)
			i = root - 1;
	}
	ix->sel = i;
	index_move(ui, 0);
	cmd_follow(ui);
}

static void
cmd_next_thread(struct ui *ui)
{
	cmd_step_thread(ui, 1);
}

static void
cmd_prev_thread(struct ui *ui)
{
	cmd_step_thread(ui, -1);
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

/* The flags of message ID of the open folder; -1 if it cannot be read. */
static long
cmd_msg_flags(struct ui *ui, int64_t id)
{
	struct store *st = ui_store(ui, ui->cur);
	struct store_msg m;
	long flags;

	if (st == NULL || id < 0 || store_msg_get(st, id, &m) != 0)
		return -1;
	flags = (long)m.flags;
	store_msg_release(&m);
	/* A message waiting to be moved (s) counts as deleted. */
	if (msgop_held(ui, id))
		flags |= MSG_DELETED;
	return flags;
}

/* After moving the index's selection: the pager, in use, follows it. */
static void
cmd_follow(struct ui *ui)
{
	int64_t id;

	if (ui->focus != PANE_PAGER && !ui->pager_open)
		return;
	id = index_selected(ui);
	pager_show(ui, ui->cur, id);
	cmd_set_seen(ui, ui->cur, id, 1);
	ui->dirty |= DIRTY_ALL;
}

/*
 * j, k in the pager (mutt's next-undeleted): the next message in DIR not
 * marked deleted. Returns 0, or -1 at the end (said on the status line).
 */
static int
cmd_step_undeleted(struct ui *ui, long dir)
{
	long i;
	long flags;

	for (i = (long)ui->ix.sel + dir; i >= 0 && i < (long)ui->ix.n;
	    i += dir) {
		flags = cmd_msg_flags(ui, ui->ix.ids[i]);
		if (flags >= 0 && (flags & MSG_DELETED))
			continue;
		ui->ix.sel = (size_t)i;
		index_move(ui, 0);
		cmd_follow(ui);
		return 0;
	}
	ui_message(ui, "%s", dir > 0 ? _("this is the last message") :
	    _("this is the first message"));
	return -1;
}

static void
cmd_next_undeleted(struct ui *ui)
{
	cmd_step_undeleted(ui, 1);
}

static void
cmd_prev_undeleted(struct ui *ui)
{
	cmd_step_undeleted(ui, -1);
}

void
cmd_pager_resolve(struct ui *ui)
{
	if (ui_mode(ui) == CMD_MODE_PAGER && ui->pg.msg_id >= 0)
		cmd_step_undeleted(ui, 1);
}

static int
cmd_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Tab (mutt's next-new-then-unread), Esc-Tab: the next unread message in
 * DIR after the selection, round the end; the pager, in use, shows it. In
 * the folder pane, the next folder with unread mail. The unread set is
 * one query of the store.
 */
static void
cmd_step_unread(struct ui *ui, long dir)
{
	struct search_node q;
	struct store *st = ui_store(ui, ui->cur);
	int64_t *ids = NULL;
	size_t n = 0, k;
	long i;

	if (ui_mode(ui) == CMD_MODE_FOLDERS) {
		if (folders_next_unread(ui, dir) != 0)
			ui_message(ui, "%s", _("no folder has unread mail"));
		return;
	}
	if (st == NULL || ui->folder_id < 0 || ui->ix.n == 0) {
		ui_message(ui, "%s", _("no unread messages"));
		return;
	}
	memset(&q, 0, sizeof q);
	q.kind = SEARCH_FLAG;
	q.flag = SEARCH_SEEN;
	q.set = 0;
	if (store_search(st, ui->folder_id, &q, SORT_DATE, 0, &ids,
	    &n) != 0) {
		ui_message(ui, _("cannot search: %s"), store_errmsg(st));
		return;
	}
	if (n > 1)
		qsort(ids, n, sizeof *ids, cmd_id_cmp);
	for (k = 1; n > 0 && k <= ui->ix.n; k++) {
		i = ((long)ui->ix.sel + dir * (long)k) % (long)ui->ix.n;
		if (i < 0)
			i += (long)ui->ix.n;
		if (bsearch(&ui->ix.ids[i], ids, n, sizeof *ids,
		    cmd_id_cmp) == NULL)
			continue;
		if ((dir > 0 && (size_t)i <= ui->ix.sel) ||
		    (dir < 0 && (size_t)i >= ui->ix.sel))
			ui_message(ui, "%s", dir > 0 ?
			    _("search wrapped to the top") :
			    _("search wrapped to the bottom"));
		ui->ix.sel = (size_t)i;
		index_move(ui, 0);
		cmd_follow(ui);
		free(ids);
		return;
	}
	free(ids);
	ui_message(ui, "%s", _("no unread messages"));
}

static void
cmd_next_unread(struct ui *ui)
{
	cmd_step_unread(ui, 1);
}

static void
cmd_prev_unread(struct ui *ui)
{
	cmd_step_unread(ui, -1);
}

static void
cmd_jump_done(struct ui *ui, const char *text)
{
	char *end;
	long n;

	if (*text == '\0')
		return;
	n = strtol(text, &end, 10);
	if (*end != '\0' || n < 1 || (size_t)n > ui->ix.n) {
		ui_message(ui, "%s", _("invalid message number"));
		return;
	}
	ui->ix.sel = (size_t)n - 1;
	index_move(ui, 0);
	cmd_follow(ui);
}

/* A digit: "Jump to message:" with the digit typed in. */
static void
cmd_jump_number(struct ui *ui)
{
	int key = ui->key;

	prompt_start(ui, _("Jump to message: "), cmd_jump_done, NULL);
	if (key >= '0' && key <= '9')
		prompt_key(ui, key);
}

static void
cmd_enter_command_done(struct ui *ui, const char *text)
{
	char *err = NULL;

	if (*text == '\0')
		return;
	if (cmd_bind_line(text, &err) != 0) {
		ui_error(ui, "%s", err);
		free(err);
		return;
	}
	ui_message(ui, "%s", _("bound"));
	ui->dirty |= DIRTY_HEADER;
}

/* :, mutt's enter-command: a config line typed in (bind lines). */
static void
cmd_enter_command(struct ui *ui)
{
	prompt_start(ui, ":", cmd_enter_command_done, NULL);
}
