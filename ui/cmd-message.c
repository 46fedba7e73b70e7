/*
 * Message operations of the reader: delete and undelete (\Deleted, or a
 * move to the Trash with `delete = trash`), flag, move and copy to a
 * folder asked for, expunge (on `$` and on leaving a folder, as `expunge`
 * says), and the tagged set they can act on: t tags, ';' makes the next
 * operation act on every tagged message. Tags are the reader's state, not
 * the store's, and belong to the open folder.
 *
 * Every change goes through the store's pending queue (store_pending_*):
 * the cache changes at once, the worker is asked to push, and offline the
 * queue simply waits for the next connection. This file also handles the
 * account events about messages: new mail, mail that vanished on the
 * server (the mass-deletion question), notices.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "config.h"
#include "i18n.h"
#include "ops.h"
#include "search.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "xmalloc.h"

/* What a question about leaving a folder carries to its answer. */
struct msgop_leave_arg {
	enum msgop_leave_for why;
	size_t from_acct;	/* the folder being left */
	int64_t from;
	size_t acct;		/* the folder to open (LEAVE_OPEN) */
	int64_t folder_id;
};

/* What the question about vanished mail carries to its answer. */
struct msgop_gone_arg {
	size_t acct;
	int64_t folder_id;
	char folder[];		/* its name, for the export hint */
};

static size_t tags_find(const struct ui_ops *, int64_t, int *);
static void tags_prune(struct ui *, struct store *);
static size_t msgop_targets(struct ui *, size_t *, int64_t **, int *);
static void msgop_run(struct ui *, enum ops_kind, size_t, const int64_t *,
    size_t, int, const char *, const char *);
static void msgop_simple(struct ui *, enum ops_kind);
static void msgop_pager_check(struct ui *);
static int msgop_expunge(struct ui *);
static void msgop_sync(struct ui *, int);
static void msgop_sync_done(struct ui *, int, void *);
static void msgop_leave_done(struct ui *, int, void *);
static void msgop_dest_prompt(struct ui *, enum ops_kind);
static void msgop_dest_done(struct ui *, const char *, enum ops_kind);
static void msgop_move_done(struct ui *, const char *);
static void msgop_copy_done(struct ui *, const char *);
static char *msgop_folder_name(struct ui *, size_t, int64_t);
static void msgop_gone_done(struct ui *, int, void *);
static void msgop_tag_pattern_done(struct ui *, const char *);
static void msgop_untag_pattern_done(struct ui *, const char *);
static void msgop_delete_pattern_done(struct ui *, const char *);
static void msgop_undelete_pattern_done(struct ui *, const char *);

/* The first index of a tag not below ID; *FOUND says if it is ID. */
static size_t
tags_find(const struct ui_ops *o, int64_t id, int *found)
{
	size_t lo = 0, hi = o->ntags, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (o->tags[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < o->ntags && o->tags[lo] == id;
	return lo;
}

int
tags_has(struct ui *ui, int64_t id)
{
	int found;

	if (ui->ops.ntags == 0)
		return 0;
	tags_find(&ui->ops, id, &found);
	return found;
}

/* Tag ID if it is not, untag it if it is. */
static void
tags_toggle(struct ui *ui, int64_t id)
{
	struct ui_ops *o = &ui->ops;
	size_t i;
	int found;

	i = tags_find(o, id, &found);
	if (found) {
		memmove(o->tags + i, o->tags + i + 1,
		    (o->ntags - i - 1) * sizeof *o->tags);
		o->ntags--;
		return;
	}
	if (o->ntags == o->atags) {
		o->atags = o->atags ? o->atags * 2 : 16;
		o->tags = xreallocarray(o->tags, o->atags, sizeof *o->tags);
	}
	memmove(o->tags + i + 1, o->tags + i, (o->ntags - i) * sizeof *o->tags);
	o->tags[i] = id;
	o->ntags++;
}

/* Tag ID if it is not tagged yet; 1 if it was not. */
static int
tags_add(struct ui *ui, int64_t id)
{
	if (tags_has(ui, id))
		return 0;
	tags_toggle(ui, id);
	return 1;
}

void
tags_clear(struct ui *ui)
{
	if (ui->ops.ntags > 0)
		ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
	ui->ops.ntags = 0;
	ui->ops.prefix = 0;
}

/* Forget tags whose message left the open folder. */
static void
tags_prune(struct ui *ui, struct store *st)
{
	struct ui_ops *o = &ui->ops;
	struct store_msg m;
	size_t i, k = 0;
	int r;

	for (i = 0; i < o->ntags; i++) {
		if ((r = store_msg_get(st, o->tags[i], &m)) == 0) {
			if (m.folder_id == ui->folder_id)
				o->tags[k++] = o->tags[i];
			store_msg_release(&m);
		} else if (r < 0)
			o->tags[k++] = o->tags[i];
	}
	o->ntags = k;
}

void
msgop_free(struct ui *ui)
{
	struct ui_ops *o = &ui->ops;
	size_t i;

	for (i = 0; i < o->nheld; i++) {
		free(o->held[i].dest);
		free(o->held[i].shown);
	}
	free(o->held);
	free(o->tags);
	free(o->ids);
	free(o->label);
	free(o->folder);
	memset(o, 0, sizeof *o);
}

/* The place of message ID of ACCT in the held moves, or -1. */
static long
msgop_held_find(struct ui *ui, size_t acct, int64_t id)
{
	size_t i;

	for (i = 0; i < ui->ops.nheld; i++) {
		if (ui->ops.held[i].acct == acct && ui->ops.held[i].id == id)
			return (long)i;
	}
	return -1;
}

int
msgop_held(struct ui *ui, int64_t id)
{
	return ui->ops.nheld > 0 && msgop_held_find(ui, ui->cur, id) >= 0;
}

/* Forget held move I. */
static void
msgop_held_drop(struct ui *ui, size_t i)
{
	struct ui_ops *o = &ui->ops;

	free(o->held[i].dest);
	free(o->held[i].shown);
	o->held[i] = o->held[--o->nheld];
}

/* Forget the held moves of the N messages IDS of ACCT; how many were. */
static size_t
msgop_unhold(struct ui *ui, size_t acct, const int64_t *ids, size_t n)
{
	size_t i, k = 0;
	long h;

	for (i = 0; i < n && ui->ops.nheld > 0; i++) {
		if ((h = msgop_held_find(ui, acct, ids[i])) >= 0) {
			msgop_held_drop(ui, (size_t)h);
			k++;
		}
	}
	if (k > 0)
		ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
	return k;
}

/*
 * s was answered: the N messages IDS of ACCT (TAGGED: the tagged set) are
 * to go to DEST (SHOWN) once the folder is synced; until then they show
 * deleted, and u keeps them.
 */
static void
msgop_hold(struct ui *ui, size_t acct, const int64_t *ids, size_t n,
    int tagged, const char *dest, const char *shown)
{
	struct ui_ops *o = &ui->ops;
	struct store *st = ui_store(ui, acct);
	struct store_msg m;
	size_t i, done = 0;
	char *clean;
	long h;

	if (st == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (store_msg_get(st, ids[i], &m) != 0)
			continue;
		if (tagged && m.folder_id != ui->folder_id) {
			store_msg_release(&m);
			continue;
		}
		if ((h = msgop_held_find(ui, acct, ids[i])) >= 0)
			msgop_held_drop(ui, (size_t)h);
		o->held = xreallocarray(o->held, o->nheld + 1,
		    sizeof *o->held);
		o->held[o->nheld].acct = acct;
		o->held[o->nheld].folder_id = m.folder_id;
		o->held[o->nheld].id = ids[i];
		o->held[o->nheld].dest = xstrdup(dest);
		o->held[o->nheld].shown = xstrdup(shown);
		o->nheld++;
		done++;
		store_msg_release(&m);
	}
	if (tagged)
		tags_prune(ui, st);
	ui->dirty |= DIRTY_INDEX | DIRTY_PAGER | DIRTY_STATUS;
	clean = text_sanitize_dup(shown, 0);
	ui_message(ui, ngettext("%zu message to move to \"%s\" on $ or "
	    "leaving (u keeps it)", "%zu messages to move to \"%s\" on $ or "
	    "leaving (u keeps them)", done), done, clean);
	free(clean);
	/* mutt's resolve: on to the next message. */
	if (!tagged && ui->focus == PANE_INDEX)
		index_move(ui, 1);
	if (!tagged)
		cmd_pager_resolve(ui);
}

/* Queue the held moves that leave folder FOLDER_ID of ACCT (-1: any). */
static size_t
msgop_moves_queue(struct ui *ui, size_t acct, int64_t folder_id)
{
	struct ui_ops *o = &ui->ops;
	struct store *st;
	struct account *a;
	size_t i, done = 0, pushed;
	long r;

	for (pushed = 0; pushed < ui->naccts; pushed++) {
		if (folder_id >= 0 && pushed != acct)
			continue;
		st = ui_store(ui, pushed);
		for (i = 0; i < o->nheld;) {
			struct ui_held_move *h = &o->held[i];

			if (h->acct != pushed || (folder_id >= 0 &&
			    h->folder_id != folder_id)) {
				i++;
				continue;
			}
			/* Gone meanwhile (expunged elsewhere): nothing. */
			r = st != NULL ? ops_apply(st, OPS_MOVE, h->folder_id,
			    &h->id, 1, h->dest) : 0;
			if (r < 0)
				ui_message(ui, _("cannot move the message: "
				    "%s"), store_errmsg(st));
			done += r > 0;
			msgop_held_drop(ui, i);
		}
		if (done > 0 && (a = ui_account(ui, pushed)) != NULL) {
			account_push_pending(a);
			/* The folders moved to count what came in. */
			account_poll_folders(a);
		}
	}
	return done;
}

size_t
msgop_moves_apply(struct ui *ui)
{
	size_t n;

	if (ui->ops.nheld == 0 || ui->folder_id < 0)
		return 0;
	if ((n = msgop_moves_queue(ui, ui->cur, ui->folder_id)) == 0)
		return 0;
	tags_prune(ui, ui_store(ui, ui->cur));
	index_load(ui);
	msgop_pager_check(ui);
	folders_reload(ui, ui->cur);
	ui->dirty |= DIRTY_INDEX | DIRTY_PAGER | DIRTY_STATUS;
	ui_message(ui, ngettext("%zu message moved", "%zu messages moved", n),
	    n);
	return n;
}

void
msgop_moves_apply_all(struct ui *ui)
{
	if (ui->ops.nheld > 0)
		msgop_moves_queue(ui, 0, -1);
}

/*
 * The messages an operation acts on, in *IDS_R (free() it), of account
 * *ACCT_R: the tagged ones after ';' (*TAGGED_R set), else the one the
 * focused pane is about. Returns how many; 0 after saying why none.
 */
static size_t
msgop_targets(struct ui *ui, size_t *acct_r, int64_t **ids_r, int *tagged_r)
{
	struct ui_ops *o = &ui->ops;
	int64_t id;

	*ids_r = NULL;
	*tagged_r = o->prefix;
	*acct_r = ui->cur;
	if (o->prefix) {
		o->prefix = 0;
		if (o->ntags == 0) {
			ui_message(ui, "%s", _("no tagged messages"));
			return 0;
		}
		*ids_r = xreallocarray(NULL, o->ntags, sizeof **ids_r);
		memcpy(*ids_r, o->tags, o->ntags * sizeof **ids_r);
		return o->ntags;
	}
	if (ui->focus == PANE_PAGER && ui->pg.msg_id >= 0) {
		*acct_r = ui->pg.acct;
		id = ui->pg.msg_id;
	} else
		id = index_selected(ui);
	if (id < 0) {
		ui_message(ui, "%s", _("no message selected"));
		return 0;
	}
	*ids_r = xmalloc(sizeof **ids_r);
	(*ids_r)[0] = id;
	return 1;
}

/*
 * Run OP on the N messages IDS of account ACCT (TAGGED: the tagged set);
 * DEST and SHOWN are the server and display names of the folder of a move
 * or copy. Then push, reload what changed, and say what was done.
 */
static void
msgop_run(struct ui *ui, enum ops_kind op, size_t acct, const int64_t *ids,
    size_t n, int tagged, const char *dest, const char *shown)
{
	struct store *st = ui_store(ui, acct);
	struct account *a = ui_account(ui, acct);
	size_t done, kept = 0;
	char *clean;
	long r;

	if (st == NULL)
		return;
	/* d and u take back a move that waits (s): u keeps it here. */
	if (op == OPS_DELETE || op == OPS_UNDELETE)
		kept = msgop_unhold(ui, acct, ids, n);
	r = ops_apply(st, op, tagged ? ui->folder_id : -1, ids, n, dest);
	if (r < 0) {
		ui_message(ui, _("cannot change the message: %s"),
		    store_errmsg(st));
		return;
	}
	done = (size_t)r;
	if (done > 0) {
		if (a != NULL)
			account_push_pending(a);
		/* The folder moved or copied to counts what came in. */
		if (a != NULL && (op == OPS_MOVE || op == OPS_COPY))
			account_poll_folders(a);
		folders_reload(ui, acct);
		if (op == OPS_MOVE) {
			index_load(ui);
			msgop_pager_check(ui);
		}
		ui->dirty |= DIRTY_INDEX | DIRTY_PAGER | DIRTY_STATUS;
	}
	if (tagged)
		tags_prune(ui, st);
	clean = text_sanitize_dup(shown != NULL ? shown : "", 0);
	switch (op) {
	case OPS_MOVE:
		ui_message(ui, ngettext("%zu message moved to \"%s\"",
		    "%zu messages moved to \"%s\"", done), done, clean);
		break;
	case OPS_COPY:
		ui_message(ui, ngettext("%zu message copied to \"%s\"",
		    "%zu messages copied to \"%s\"", done), done, clean);
		break;
	case OPS_DELETE:
		if (tagged || ui->focus == PANE_PAGER)
			ui_message(ui, ngettext("%zu message marked deleted",
			    "%zu messages marked deleted", done), done);
		break;
	case OPS_UNDELETE:
		if (kept > 0)
			ui_message(ui, ngettext("%zu message stays here: its "
			    "move is undone", "%zu messages stay here: their "
			    "move is undone", kept), kept);
		else if (tagged || ui->focus == PANE_PAGER)
			ui_message(ui, ngettext("%zu message undeleted",
			    "%zu messages undeleted", done), done);
		break;
	case OPS_TOGGLE_FLAGGED:
		if (tagged || ui->focus == PANE_PAGER)
			ui_message(ui, ngettext("flag toggled on %zu message",
			    "flag toggled on %zu messages", done), done);
		break;
	case OPS_SEEN:
	case OPS_UNSEEN:
		break;
	case OPS_TOGGLE_SEEN:
		if (tagged)
			ui_message(ui, ngettext("read toggled on %zu message",
			    "read toggled on %zu messages", done), done);
		break;
	}
	free(clean);
}

/* If the pager shows a message that left the open folder, close it. */
static void
msgop_pager_check(struct ui *ui)
{
	struct store *st = ui_store(ui, ui->pg.acct);
	struct store_msg m;
	int r, gone;

	if (ui->pg.msg_id < 0 || st == NULL)
		return;
	if ((r = store_msg_get(st, ui->pg.msg_id, &m)) < 0)
		return;
	gone = r == 1 || m.folder_id != ui->folder_id;
	if (r == 0)
		store_msg_release(&m);
	if (!gone)
		return;
	pager_show(ui, ui->cur, -1);
	if (ui->pager_open || ui->focus == PANE_PAGER) {
		ui->pager_open = 0;
		ui->focus = PANE_INDEX;
		ui_relayout(ui);
	}
}

/* An operation with no destination on the selected or tagged messages. */
static void
msgop_simple(struct ui *ui, enum ops_kind op)
{
	int64_t *ids;
	size_t acct, n;
	int tagged;

	if ((n = msgop_targets(ui, &acct, &ids, &tagged)) == 0)
		return;
	msgop_run(ui, op, acct, ids, n, tagged, NULL, NULL);
	free(ids);
	/* As mutt's resolve: d and u step to the next message. */
	if (!tagged && ui->focus == PANE_INDEX &&
	    (op == OPS_DELETE || op == OPS_UNDELETE))
		index_move(ui, 1);
	/* In the pager d, u and F say what they did and go on. */
	if (!tagged)
		cmd_pager_resolve(ui);
}

/* The Trash of account ACCT, or NULL. */
static const struct store_folder *
msgop_trash(struct ui *ui, size_t acct)
{
	const struct ui_acct *as = &ui->as[acct];
	size_t i;

	for (i = 0; i < as->nfolders; i++) {
		if (as->folders[i].role == ROLE_TRASH && !as->folders[i].noselect)
			return &as->folders[i];
	}
	return NULL;
}

void
msgop_delete(struct ui *ui)
{
	const struct store_folder *trash;
	int64_t *ids;
	size_t acct, n;
	char *dest, *shown;
	int tagged;

	trash = msgop_trash(ui, ui->cur);
	switch (ops_delete_is(ui->cfg != NULL ? ui->cfg->ui.delete_mode :
	    DELETE_FLAG, ui->folder_id, trash != NULL ? trash->id : -1)) {
	case OPS_DELETE_FLAG:
		msgop_simple(ui, OPS_DELETE);
		return;
	case OPS_DELETE_NO_TRASH:
		msgop_simple(ui, OPS_DELETE);
		ui_message(ui, "%s",
		    _("no Trash folder: marked deleted instead"));
		return;
	case OPS_DELETE_TO_TRASH:
		break;
	}
	if ((n = msgop_targets(ui, &acct, &ids, &tagged)) == 0)
		return;
	dest = xstrdup(trash->name);
	shown = xstrdup(trash->display != NULL ? trash->display :
	    trash->name);
	msgop_run(ui, OPS_MOVE, acct, ids, n, tagged, dest, shown);
	free(dest);
	free(shown);
	free(ids);
}

void
msgop_undelete(struct ui *ui)
{
	msgop_simple(ui, OPS_UNDELETE);
}

void
msgop_flag(struct ui *ui)
{
	msgop_simple(ui, OPS_TOGGLE_FLAGGED);
}

void
msgop_toggle_read_tagged(struct ui *ui)
{
	msgop_simple(ui, OPS_TOGGLE_SEEN);
}

void
msgop_tag(struct ui *ui)
{
	int64_t id;

	if (ui->ops.prefix) {
		/* ';' then t: untag everything, as mutt does. */
		tags_clear(ui);
		ui_message(ui, "%s", _("no message is tagged now"));
		return;
	}
	if (ui->focus == PANE_PAGER && ui->pg.msg_id >= 0 &&
	    ui->pg.acct == ui->cur)
		id = ui->pg.msg_id;
	else
		id = index_selected(ui);
	if (id < 0)
		return;
	tags_toggle(ui, id);
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
	if (ui->focus == PANE_INDEX)
		index_move(ui, 1);
}

void
msgop_tag_prefix(struct ui *ui)
{
	struct ui_ops *o = &ui->ops;

	if (o->prefix) {
		o->prefix = 0;
		ui_message(ui, "%s", _("tag prefix cancelled"));
		return;
	}
	if (o->ntags == 0) {
		ui_message(ui, "%s", _("no tagged messages"));
		return;
	}
	o->prefix = 1;
	ui_message(ui, ngettext("%zu tagged message: press an operation key",
	    "%zu tagged messages: press an operation key", o->ntags),
	    o->ntags);
}

/* What a pattern prompt (T, C-t, D, U) does with the matches. */
enum msgop_pattern { PATTERN_TAG, PATTERN_UNTAG, PATTERN_DELETE,
    PATTERN_UNDELETE };

static void
msgop_pattern_prompt(struct ui *ui, enum msgop_pattern what)
{
	static const char *labels[] = {
		N_("Tag messages matching: "),
		N_("Untag messages matching: "),
		N_("Delete messages matching: "),
		N_("Undelete messages matching: "),
	};
	static void (*const done[])(struct ui *, const char *) = {
		msgop_tag_pattern_done, msgop_untag_pattern_done,
		msgop_delete_pattern_done, msgop_undelete_pattern_done,
	};

	if (ui->folder_id < 0 || ui_store(ui, ui->cur) == NULL)
		return;
	prompt_start(ui, _(labels[what]), done[what], NULL);
}

void
msgop_tag_pattern(struct ui *ui)
{
	msgop_pattern_prompt(ui, PATTERN_TAG);
}

void
msgop_untag_pattern(struct ui *ui)
{
	msgop_pattern_prompt(ui, PATTERN_UNTAG);
}

void
msgop_delete_pattern(struct ui *ui)
{
	msgop_pattern_prompt(ui, PATTERN_DELETE);
}

void
msgop_undelete_pattern(struct ui *ui)
{
	msgop_pattern_prompt(ui, PATTERN_UNDELETE);
}

/*
 * A pattern prompt was answered: act on the open folder's messages that
 * match the query (search.h, mutt patterns too), among those the index
 * shows under a limit. The cache is searched, so body terms see the
 * cached bodies only.
 */
static void
msgop_pattern_done(struct ui *ui, const char *text, enum msgop_pattern what)
{
	struct store *st = ui_store(ui, ui->cur);
	struct search_node *q = NULL;
	int64_t *ids = NULL;
	size_t n = 0, i, changed = 0;
	char *err = NULL;

	if (*text == '\0' || st == NULL || ui->folder_id < 0)
		return;
	if (search_parse(text, strlen(text), &q, &err) != 0) {
		ui_error(ui, "%s", err);
		free(err);
		return;
	}
	if (store_search(st, ui->folder_id, q, SORT_DATE, 0, &ids, &n) != 0) {
		ui_message(ui, _("cannot search: %s"), store_errmsg(st));
		goto out;
	}
	searchop_filter(ui, ids, &n);
	switch (what) {
	case PATTERN_TAG:
		for (i = 0; i < n; i++)
			changed += (size_t)tags_add(ui, ids[i]);
		ui_message(ui, ngettext("%zu message matches, %zu newly "
		    "tagged", "%zu messages match, %zu newly tagged", n), n,
		    changed);
		break;
	case PATTERN_UNTAG:
		for (i = 0; i < n; i++) {
			if (tags_has(ui, ids[i])) {
				tags_toggle(ui, ids[i]);
				changed++;
			}
		}
		ui_message(ui, ngettext("%zu message matches, %zu untagged",
		    "%zu messages match, %zu untagged", n), n, changed);
		break;
	case PATTERN_DELETE:
	case PATTERN_UNDELETE:
		if (n == 0) {
			ui_message(ui, "%s", _("no message matches"));
			break;
		}
		msgop_run(ui, what == PATTERN_DELETE ? OPS_DELETE :
		    OPS_UNDELETE, ui->cur, ids, n, 1, NULL, NULL);
		break;
	}
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
out:
	free(ids);
	search_free(q);
}

static void
msgop_tag_pattern_done(struct ui *ui, const char *text)
{
	msgop_pattern_done(ui, text, PATTERN_TAG);
}

static void
msgop_untag_pattern_done(struct ui *ui, const char *text)
{
	msgop_pattern_done(ui, text, PATTERN_UNTAG);
}

static void
msgop_delete_pattern_done(struct ui *ui, const char *text)
{
	msgop_pattern_done(ui, text, PATTERN_DELETE);
}

static void
msgop_undelete_pattern_done(struct ui *ui, const char *text)
{
	msgop_pattern_done(ui, text, PATTERN_UNDELETE);
}

/* What w and W carry to the answer: the messages, and set or clear. */
struct msgop_flag_arg {
	int set;
	size_t acct;
	size_t n;
	int64_t ids[];
};

static void
msgop_flag_done(struct ui *ui, int key, void *arg)
{
	struct msgop_flag_arg *fa = arg;
	struct store *st = ui_store(ui, fa->acct);
	struct account *a = ui_account(ui, fa->acct);
	unsigned int flag, add, remove;
	size_t i;

	switch (key) {
	case 'n':	/* new: \Seen clear */
	case 'o':	/* old: \Seen set */
		flag = MSG_SEEN;
		break;
	case '!':
		flag = MSG_FLAGGED;
		break;
	case 'd':
		flag = MSG_DELETED;
		break;
	case 'r':
		flag = MSG_ANSWERED;
		break;
	default:
		return;
	}
	/* "new" is \Seen clear: setting it clears \Seen. */
	if ((fa->set != 0) != (key == 'n')) {
		add = flag;
		remove = 0;
	} else {
		add = 0;
		remove = flag;
	}
	if (st == NULL)
		return;
	for (i = 0; i < fa->n; i++) {
		if (store_pending_flags(st, fa->ids[i], add, remove) != 0) {
			ui_message(ui, _("cannot change the flags: %s"),
			    store_errmsg(st));
			return;
		}
	}
	if (a != NULL)
		account_push_pending(a);
	folders_reload(ui, fa->acct);
	ui->dirty |= DIRTY_INDEX | DIRTY_PAGER | DIRTY_STATUS;
	ui_message(ui, ngettext("flag %s on %zu message",
	    "flag %s on %zu messages", fa->n), fa->set ? _("set") :
	    _("cleared"), fa->n);
}

static void
msgop_flag_ask(struct ui *ui, int set)
{
	struct msgop_flag_arg *fa;
	int64_t *ids;
	size_t acct, n;
	int tagged;

	if ((n = msgop_targets(ui, &acct, &ids, &tagged)) == 0)
		return;
	fa = xmalloc(sizeof *fa + n * sizeof *ids);
	fa->set = set;
	fa->acct = acct;
	fa->n = n;
	memcpy(fa->ids, ids, n * sizeof *ids);
	free(ids);
	ask_start(ui, "no!dr", msgop_flag_done, fa, "%s", set ?
	    _("Set flag: (n)ew, (o)ld, (!) flagged, (d)eleted, (r)eplied?") :
	    _("Clear flag: (n)ew, (o)ld, (!) flagged, (d)eleted, "
	    "(r)eplied?"));
}

void
msgop_set_flag(struct ui *ui)
{
	msgop_flag_ask(ui, 1);
}

void
msgop_clear_flag(struct ui *ui)
{
	msgop_flag_ask(ui, 0);
}

/* The pipe prompt was answered: the whole messages, one after another. */
static void
msgop_pipe_done(struct ui *ui, const char *text)
{
	struct ui_ops *o = &ui->ops;
	struct store *st = ui_store(ui, o->acct);
	struct account *a = ui_account(ui, o->acct);
	struct strbuf sb = STRBUF_INIT;
	size_t i, len, missing = 0;
	char *raw;
	int r;

	if (*text == '\0' || st == NULL || o->nids == 0)
		return;
	for (i = 0; i < o->nids; i++) {
		if ((r = store_body_get(st, o->ids[i], &raw, &len)) < 0) {
			ui_message(ui, _("cannot read the message: %s"),
			    store_errmsg(st));
			goto out;
		}
		if (r == 1) {
			if (a != NULL)
				account_fetch_body(a, o->ids[i]);
			missing++;
			continue;
		}
		/* mutt's $pipe_sep: a newline between messages. */
		if (sb.len > 0)
			strbuf_addch(&sb, '\n');
		strbuf_add(&sb, raw, len);
		free(raw);
	}
	if (missing > 0) {
		ui_message(ui, a != NULL ? ngettext("%zu message is not "
		    "cached yet: fetching it, press | again",
		    "%zu messages are not cached yet: fetching them, press | "
		    "again", missing) : ngettext("%zu message is not cached "
		    "(offline)", "%zu messages are not cached (offline)",
		    missing), missing);
		goto out;
	}
	ui_pipe(ui, text, sb.buf, sb.len);
out:
	strbuf_release(&sb);
	free(o->ids);
	o->ids = NULL;
	o->nids = 0;
}

/*
 * The targets of an operation that asks first (msgop_targets()), kept in
 * ui->ops for the prompt's answer. Returns how many; 0 when none.
 */
static size_t
msgop_hold_targets(struct ui *ui)
{
	struct ui_ops *o = &ui->ops;
	int64_t *ids;
	size_t acct, n;
	int tagged;

	if ((n = msgop_targets(ui, &acct, &ids, &tagged)) == 0)
		return 0;
	free(o->ids);
	o->ids = ids;
	o->nids = n;
	o->acct = acct;
	o->tagged = tagged;
	return n;
}

void
msgop_pipe(struct ui *ui)
{
	struct ui_ops *o = &ui->ops;
	size_t n;

	if ((n = msgop_hold_targets(ui)) == 0)
		return;
	free(o->label);
	o->label = o->tagged ? xasprintf(ngettext("Pipe %zu tagged message to: ",
	    "Pipe %zu tagged messages to: ", n), n) :
	    xstrdup(_("Pipe to command: "));
	prompt_start(ui, o->label, msgop_pipe_done, NULL);
}

/* Start the prompt asking where the move or copy OP goes. */
static void
msgop_dest_prompt(struct ui *ui, enum ops_kind op)
{
	struct ui_ops *o = &ui->ops;
	size_t n;

	if ((n = msgop_hold_targets(ui)) == 0)
		return;
	free(o->label);
	if (!o->tagged)
		o->label = xstrdup(op == OPS_MOVE ? _("Move to folder: ") :
		    _("Copy to folder: "));
	else if (op == OPS_MOVE)
		o->label = xasprintf(ngettext(
		    "Move %zu tagged message to folder: ",
		    "Move %zu tagged messages to folder: ", n), n);
	else
		o->label = xasprintf(ngettext(
		    "Copy %zu tagged message to folder: ",
		    "Copy %zu tagged messages to folder: ", n), n);
	prompt_start(ui, o->label,
	    op == OPS_MOVE ? msgop_move_done : msgop_copy_done,
	    folderop_complete_spec);
}

/* The move or copy prompt was answered with TEXT. */
static void
msgop_dest_done(struct ui *ui, const char *text, enum ops_kind op)
{
	struct ui_ops *o = &ui->ops;
	const struct store_folder *f;
	char *shown, *dest;
	size_t acct;

	if (*text == '\0' || o->nids == 0)
		return;
	if ((f = ui_folder_spec(ui, o->acct, text, &acct)) == NULL) {
		shown = text_sanitize_dup(text, 0);
		ui_message(ui, _("no folder \"%s\""), shown);
		free(shown);
		return;
	}
	if (acct != o->acct) {
		ui_message(ui, "%s", op == OPS_MOVE ?
		    _("moving to another account is not supported yet") :
		    _("copying to another account is not supported yet"));
		return;
	}
	shown = xstrdup(f->display != NULL ? f->display : f->name);
	if (f->noselect) {
		ui_message(ui, _("folder \"%s\" holds no messages"), shown);
		free(shown);
		return;
	}
	if (op == OPS_MOVE && o->acct == ui->cur &&
	    f->id == ui->folder_id) {
		ui_message(ui, _("the messages are in \"%s\" already"), shown);
		free(shown);
		return;
	}
	dest = xstrdup(f->name);
	if (op == OPS_MOVE)
		msgop_hold(ui, o->acct, o->ids, o->nids, o->tagged, dest,
		    shown);
	else
		msgop_run(ui, op, o->acct, o->ids, o->nids, o->tagged, dest,
		    shown);
	free(dest);
	free(shown);
	free(o->ids);
	o->ids = NULL;
	o->nids = 0;
}

static void
msgop_move_done(struct ui *ui, const char *text)
{
	msgop_dest_done(ui, text, OPS_MOVE);
}

static void
msgop_copy_done(struct ui *ui, const char *text)
{
	msgop_dest_done(ui, text, OPS_COPY);
}

void
msgop_move(struct ui *ui)
{
	msgop_dest_prompt(ui, OPS_MOVE);
}

void
msgop_copy(struct ui *ui)
{
	msgop_dest_prompt(ui, OPS_COPY);
}

/*
 * Expunge the open folder: its \Deleted messages leave the cache and their
 * expunge is queued. Returns how many, or -1 on error (said).
 */
static int
msgop_expunge(struct ui *ui)
{
	struct store *st = ui_store(ui, ui->cur);
	int n;

	if (st == NULL || ui->folder_id < 0)
		return 0;
	if ((n = ops_expunge(st, ui->folder_id)) < 0) {
		ui_message(ui, _("cannot expunge: %s"), store_errmsg(st));
		return -1;
	}
	tags_prune(ui, st);
	index_load(ui);
	msgop_pager_check(ui);
	folders_reload(ui, ui->cur);
	ui->dirty |= DIRTY_INDEX | DIRTY_PAGER | DIRTY_STATUS;
	ui_message(ui, ngettext("%d message expunged",
	    "%d messages expunged", n), n);
	return n;
}

/* Push the queued changes and sync now; SAID: a message is up already. */
static void
msgop_sync(struct ui *ui, int said)
{
	struct account *a = ui_account(ui, ui->cur);
	struct store *st = ui_store(ui, ui->cur);
	int n = 0;

	if (a == NULL) {
		if (!said)
			ui_message(ui, "%s",
			    _("offline: nothing to synchronise with"));
		return;
	}
	if (st != NULL && store_pending_count(st, &n) == 0 && n > 0)
		account_push_pending(a);
	account_sync_now(a);
}

/* The number of \Deleted messages in the open folder (0 on error). */
static int
msgop_deleted(struct ui *ui)
{
	struct store *st = ui_store(ui, ui->cur);
	int n = 0;

	if (st == NULL || ui->folder_id < 0 ||
	    store_folder_count_flag(st, ui->folder_id, MSG_DELETED, &n) != 0)
		return 0;
	return n;
}

/* The `expunge` option. */
static enum expunge_mode
msgop_expunge_mode(struct ui *ui)
{
	return ui->cfg != NULL ? ui->cfg->ui.expunge : EXPUNGE_ASK;
}

static void
msgop_sync_done(struct ui *ui, int answer, void *arg)
{
	struct msgop_leave_arg *la = arg;

	if (answer == 0)
		return;
	if (answer == 'y' && la->from_acct == ui->cur &&
	    la->from == ui->folder_id) {
		msgop_sync(ui, msgop_expunge(ui) >= 0);
		return;
	}
	msgop_sync(ui, 0);
}

void
msgop_sync_mailbox(struct ui *ui)
{
	struct msgop_leave_arg *la;
	int n, said;

	said = msgop_moves_apply(ui) > 0;
	n = msgop_deleted(ui);
	switch (ops_leave_is(msgop_expunge_mode(ui), n)) {
	case OPS_LEAVE_ASK:
		la = xcalloc(1, sizeof *la);
		la->from_acct = ui->cur;
		la->from = ui->folder_id;
		ask_start(ui, "yn", msgop_sync_done, la,
		    ngettext("Expunge %d deleted message? (y/n)",
		    "Expunge %d deleted messages? (y/n)", n), n);
		return;
	case OPS_LEAVE_EXPUNGE:
		said = msgop_expunge(ui) >= 0;
		break;
	case OPS_LEAVE_KEEP:
		break;
	}
	msgop_sync(ui, said);
}

int
msgop_leave(struct ui *ui, enum msgop_leave_for why, size_t acct,
    int64_t folder_id)
{
	struct msgop_leave_arg *la;
	struct account *a;
	int n;

	/* The moves asked for are made whatever the expunge answer. */
	msgop_moves_apply(ui);
	if (ui->ops.leaving)
		return 0;
	n = msgop_deleted(ui);
	switch (ops_leave_is(msgop_expunge_mode(ui), n)) {
	case OPS_LEAVE_KEEP:
		return 0;
	case OPS_LEAVE_EXPUNGE:
		if (msgop_expunge(ui) > 0 &&
		    (a = ui_account(ui, ui->cur)) != NULL)
			account_push_pending(a);
		return 0;
	case OPS_LEAVE_ASK:
		break;
	}
	la = xcalloc(1, sizeof *la);
	la->why = why;
	la->from_acct = ui->cur;
	la->from = ui->folder_id;
	la->acct = acct;
	la->folder_id = folder_id;
	ask_start(ui, "yn", msgop_leave_done, la,
	    ngettext("Expunge %d deleted message? (y/n)",
	    "Expunge %d deleted messages? (y/n)", n), n);
	return 1;
}

static void
msgop_leave_done(struct ui *ui, int answer, void *arg)
{
	struct msgop_leave_arg *la = arg;
	const struct ui_acct *as;
	struct account *a;
	size_t i;

	/* Esc stays; so does a question overtaken by events. */
	if (answer == 0 || la->from_acct != ui->cur ||
	    la->from != ui->folder_id)
		return;
	if (answer == 'y' && msgop_expunge(ui) > 0 &&
	    (a = ui_account(ui, ui->cur)) != NULL)
		account_push_pending(a);
	ui->ops.leaving = 1;
	switch (la->why) {
	case LEAVE_QUIT:
		ui->quit = 1;
		break;
	case LEAVE_OPEN:
		if (la->acct >= ui->naccts)
			break;
		as = &ui->as[la->acct];
		for (i = 0; i < as->nfolders; i++) {
			if (as->folders[i].id == la->folder_id) {
				ui_open_folder(ui, la->acct, &as->folders[i]);
				break;
			}
		}
		break;
	}
	ui->ops.leaving = 0;
}

/* The display name of folder FOLDER_ID of ACCT, a new string. */
static char *
msgop_folder_name(struct ui *ui, size_t acct, int64_t folder_id)
{
	const struct ui_acct *as = &ui->as[acct];
	struct store *st = ui_store(ui, acct);
	struct store_folder f;
	char *name;
	size_t i;

	for (i = 0; i < as->nfolders; i++) {
		if (as->folders[i].id == folder_id)
			return xstrdup(as->folders[i].display != NULL ?
			    as->folders[i].display : as->folders[i].name);
	}
	if (st != NULL && store_folder_get_id(st, folder_id, &f) == 0) {
		name = xstrdup(f.display != NULL ? f.display : f.name);
		store_folder_release(&f);
		return name;
	}
	return xstrdup("?");
}

static void
msgop_gone_done(struct ui *ui, int answer, void *arg)
{
	struct msgop_gone_arg *ga = arg;
	struct account *a = ui_account(ui, ga->acct);

	if (answer == 0 || a == NULL)
		return;
	account_resolve_gone(a, ga->folder_id, answer == 'y');
	if (answer == 'y')
		ui_message(ui, "%s", _("dropping the local copies"));
	else if (answer == 'e')
		ui_message(ui, _("kept, marked gone: save them with "
		    "\"tern export %s:%s --mbox FILE\""),
		    ui_account_name(ui, ga->acct), ga->folder);
	else
		ui_message(ui, "%s", _("kept, marked gone"));
}

void
msgop_event(struct ui *ui, size_t acct, const struct account_event *ev)
{
	struct msgop_gone_arg *ga;
	struct strbuf sb = STRBUF_INIT;
	char *name;
	size_t i;

	if (ui->naccts > 1)
		strbuf_addf(&sb, "%s: ", ui_account_name(ui, acct));
	switch (ev->kind) {
	case EV_NEWMAIL:
		name = msgop_folder_name(ui, acct, ev->u.newmail.folder_id);
		strbuf_addf(&sb, ngettext("%ld new message in %s",
		    "%ld new messages in %s", (unsigned long)ev->u.newmail.n),
		    ev->u.newmail.n, name);
		free(name);
		ui_message(ui, "%s", sb.buf);
		if (ui->cfg != NULL && ui->cfg->ui.bell)
			beep();
		ui->as[acct].stale = 1;
		break;
	case EV_GONE:
		ui->as[acct].stale = 1;
		if (acct == ui->cur && ev->u.gone.folder_id == ui->folder_id)
			ui->ix.reload = 1;
		/* One question per folder is enough. */
		for (i = 0; i < ui->ask.n; i++) {
			ga = ui->ask.q[i].arg;
			if (ui->ask.q[i].done == msgop_gone_done &&
			    ga->acct == acct &&
			    ga->folder_id == ev->u.gone.folder_id)
				goto out;
		}
		name = msgop_folder_name(ui, acct, ev->u.gone.folder_id);
		ga = xmalloc(sizeof *ga + strlen(name) + 1);
		ga->acct = acct;
		ga->folder_id = ev->u.gone.folder_id;
		memcpy(ga->folder, name, strlen(name) + 1);
		ask_start(ui, "yne", msgop_gone_done, ga,
		    _("%s%ld of %ld messages vanished from %s on the server "
		    "(hacked account?). Drop the local copies? "
		    "(y/n/e: keep)"), sb.buf, ev->u.gone.n, ev->u.gone.total,
		    name);
		free(name);
		break;
	case EV_NOTICE:
		strbuf_addstr(&sb, ev->u.notice.text != NULL ?
		    ev->u.notice.text : "");
		ui_message(ui, "%s", sb.buf);
		break;
	default:
		break;
	}
out:
	strbuf_release(&sb);
}

void
msgop_status(struct ui *ui, struct strbuf *sb)
{
	struct store *st = ui_store(ui, ui->cur);
	int n = 0;

	if (ui->as[ui->cur].state != ACCOUNT_ONLINE && st != NULL &&
	    store_pending_count(st, &n) == 0 && n > 0)
		strbuf_addf(sb, ngettext(" (%d change waiting)",
		    " (%d changes waiting)", n), n);
}

void
msgop_counts(struct ui *ui, struct strbuf *sb)
{
	size_t i, held = 0;

	if (ui->cnt_ok && ui->cnt.flagged > 0)
		strbuf_addf(sb, _("  %d flagged"), ui->cnt.flagged);
	if (ui->cnt_ok && ui->cnt.deleted > 0)
		strbuf_addf(sb, _("  %d deleted"), ui->cnt.deleted);
	for (i = 0; i < ui->ops.nheld; i++)
		held += ui->ops.held[i].acct == ui->cur &&
		    ui->ops.held[i].folder_id == ui->folder_id;
	if (held > 0)
		strbuf_addf(sb, _("  %zu to move"), held);
	if (ui->ops.ntags > 0)
		strbuf_addf(sb, _("  %zu tagged"), ui->ops.ntags);
}
