/*
 * Search and limit in the reader: `/` asks for a query and moves the
 * selection to the first match, `n` to the next one, and `l` shows only
 * the matches (an empty query or `all` shows every message again). The
 * open account's server is asked when it is online (the worker answers
 * with EV_SEARCH); otherwise, or when the connection drops meanwhile, the
 * cache is searched here. The status line says which one answered.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "config.h"
#include "i18n.h"
#include "search.h"
#include "store.h"
#include "strbuf.h"
#include "ui-int.h"
#include "xmalloc.h"

static int
searchop_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether ID is among the N ascending ids of SET. */
static int
searchop_has(const int64_t *set, size_t n, int64_t id)
{
	return n > 0 && bsearch(&id, set, n, sizeof *set, searchop_cmp) !=
	    NULL;
}

/* The limit applies to the open folder it was made for, and no other. */
static int
searchop_limit_active(struct ui *ui)
{
	struct ui_search *s = &ui->srch;

	return s->limited && s->limit_acct == ui->cur &&
	    s->limit_folder == ui->folder_id;
}

static void
searchop_clear_limit(struct ui *ui)
{
	struct ui_search *s = &ui->srch;

	free(s->limit_ids);
	s->limit_ids = NULL;
	s->nlimit = 0;
	s->limited = 0;
	free(s->limit_query);
	s->limit_query = NULL;
	ui->ix.reload = 1;
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
}

void
searchop_filter(struct ui *ui, int64_t *ids, size_t *n)
{
	struct ui_search *s = &ui->srch;
	size_t i, k = 0;

	if (!s->limited)
		return;
	if (!searchop_limit_active(ui)) {
		/* Another folder is open: its limit is gone. */
		free(s->limit_ids);
		s->limit_ids = NULL;
		s->nlimit = 0;
		s->limited = 0;
		free(s->limit_query);
		s->limit_query = NULL;
		return;
	}
	for (i = 0; i < *n; i++)
		if (searchop_has(s->limit_ids, s->nlimit, ids[i]))
			ids[k++] = ids[i];
	*n = k;
}

int
searchop_keeps(struct ui *ui, int64_t id)
{
	size_t n = 1;

	searchop_filter(ui, &id, &n);
	return n == 1;
}

void
searchop_status(struct ui *ui, struct strbuf *sb)
{
	if (searchop_limit_active(ui) && ui->srch.limit_query != NULL)
		strbuf_addf(sb, _("  limit: %s"), ui->srch.limit_query);
}

/*
 * Move the selection to the first match after the selected message (or
 * at it, with HERE), going round the end. Returns 0 if one was found.
 */
static int
searchop_jump(struct ui *ui, int here)
{
	struct pane_index *ix = &ui->ix;
	struct ui_search *s = &ui->srch;
	size_t i, k;

	if (ix->n == 0 || s->nhits == 0)
		return -1;
	for (k = here ? 0 : 1; k <= ix->n; k++) {
		i = (ix->sel + k) % ix->n;
		if (searchop_has(s->hits, s->nhits, ix->ids[i])) {
			index_move(ui, (long)i - (long)ix->sel);
			return 0;
		}
	}
	return -1;
}

/*
 * The matches IDS (N, taken) of the last query arrived: HOW says who
 * answered. Limit the index to them, or select the first.
 */
static void
searchop_apply(struct ui *ui, int64_t *ids, size_t n, const char *how)
{
	struct ui_search *s = &ui->srch;

	if (n > 1)
		qsort(ids, n, sizeof *ids, searchop_cmp);
	if (s->limit) {
		free(s->limit_ids);
		s->limit_ids = ids;
		s->nlimit = n;
		s->limited = 1;
		s->limit_acct = ui->cur;
		s->limit_folder = ui->folder_id;
		free(s->limit_query);
		s->limit_query = text_sanitize_dup(s->query, 0);
		index_load(ui);
		ui_message(ui, n == 1 ? _("%s: %zu message") :
		    _("%s: %zu messages"), how, n);
		return;
	}
	free(s->hits);
	s->hits = ids;
	s->nhits = n;
	s->hits_acct = ui->cur;
	s->hits_folder = ui->folder_id;
	if (n == 0) {
		ui_message(ui, _("%s: no match"), how);
		return;
	}
	if (searchop_jump(ui, 1) != 0)
		ui_message(ui, n == 1 ? _("%s: %zu match, not shown (limit)") :
		    _("%s: %zu matches, none shown (limit)"), how, n);
	else
		ui_message(ui, n == 1 ? _("%s: %zu match") :
		    _("%s: %zu matches (n: next)"), how, n);
}

/* Search the cache for the last query; WHY (may be NULL) says why. */
static void
searchop_offline(struct ui *ui, const char *why)
{
	struct ui_search *s = &ui->srch;
	struct store *st = ui_store(ui, ui->cur);
	struct search_node *q = NULL;
	struct strbuf how = STRBUF_INIT;
	int64_t *ids = NULL;
	size_t n = 0;
	long bodies, total;
	char *err = NULL;

	if (st == NULL || s->query == NULL)
		return;
	if (search_parse(s->query, strlen(s->query), &q, &err) != 0) {
		free(err);
		return;
	}
	if (store_search(st, ui->folder_id, q, SORT_DATE, 0, &ids, &n) != 0) {
		ui_message(ui, _("cannot search the cache: %s"),
		    store_errmsg(st));
		goto out;
	}
	if (why != NULL)
		strbuf_addf(&how, "%s; ", why);
	strbuf_addstr(&how, _("offline search (cache)"));
	if (search_uses_body(q) &&
	    store_search_coverage(st, ui->folder_id, &bodies, &total) == 0)
		strbuf_addf(&how, _(": body text of %ld of %ld messages"),
		    bodies, total);
	searchop_apply(ui, ids, n, how.buf);
out:
	search_free(q);
	strbuf_release(&how);
}

/* The query TEXT was entered, for a search or (LIMIT) a limit. */
static void
searchop_run(struct ui *ui, const char *text, int limit)
{
	struct ui_search *s = &ui->srch;
	struct account *a = ui_account(ui, ui->cur);
	const struct store_folder *f = ui_open_folder_info(ui);
	struct search_node *q = NULL;
	char *err = NULL;

	if (*text == '\0' && !limit)
		return;
	if (f == NULL) {
		ui_message(ui, "%s", _("no folder is open"));
		return;
	}
	if (limit && *text == '\0') {
		if (searchop_limit_active(ui))
			searchop_clear_limit(ui);
		ui_message(ui, "%s", _("every message is shown"));
		return;
	}
	if (search_parse(text, strlen(text), &q, &err) != 0) {
		ui_message(ui, _("search: %s"), err);
		free(err);
		return;
	}
	if (limit && search_is_all(q)) {
		search_free(q);
		if (searchop_limit_active(ui))
			searchop_clear_limit(ui);
		ui_message(ui, "%s", _("every message is shown"));
		return;
	}
	free(s->query);
	s->query = xstrdup(text);
	s->limit = limit;
	s->serial = 0;
	if (a != NULL && account_can_search(a) &&
	    ui->as[ui->cur].state == ACCOUNT_ONLINE) {
		s->serial = account_search(a, f->name, q, SORT_DATE, 0);
		s->acct = ui->cur;
		s->folder = ui->folder_id;
		ui_message(ui, "%s", _("searching on the server..."));
	} else if (a != NULL && account_can_search(a))
		searchop_offline(ui, _("not connected"));
	else
		searchop_offline(ui, NULL);	/* --offline, or POP3 */
	search_free(q);
}

static void
searchop_search_done(struct ui *ui, const char *text)
{
	searchop_run(ui, text, 0);
}

static void
searchop_limit_done(struct ui *ui, const char *text)
{
	searchop_run(ui, text, 1);
}

void
searchop_search(struct ui *ui)
{
	prompt_start(ui, _("Search: "), searchop_search_done, NULL);
}

void
searchop_limit(struct ui *ui)
{
	prompt_start(ui, _("Limit to: "), searchop_limit_done, NULL);
}

void
searchop_next(struct ui *ui)
{
	struct ui_search *s = &ui->srch;

	if (s->hits_acct != ui->cur || s->hits_folder != ui->folder_id ||
	    s->query == NULL) {
		ui_message(ui, "%s", _("no search yet: / searches"));
		return;
	}
	if (searchop_jump(ui, 0) != 0)
		ui_message(ui, "%s", _("no match"));
}

void
searchop_event(struct ui *ui, size_t acct, const struct account_event *ev)
{
	struct ui_search *s = &ui->srch;
	int64_t *ids;

	/* Only the answer to the last query, while its folder is open. */
	if (s->serial == 0 || ev->u.search.serial != s->serial ||
	    acct != s->acct)
		return;
	s->serial = 0;
	if (acct != ui->cur || s->folder != ui->folder_id)
		return;
	if (ev->u.search.why != NULL) {
		struct strbuf why = STRBUF_INIT;

		strbuf_addf(&why, _("no server search (%s)"),
		    ev->u.search.why);
		searchop_offline(ui, why.buf);
		strbuf_release(&why);
		return;
	}
	/* The event keeps its ids; searchop_apply() takes a copy. */
	ids = xcalloc(ev->u.search.nids + 1, sizeof *ids);
	if (ev->u.search.nids > 0)
		memcpy(ids, ev->u.search.ids,
		    ev->u.search.nids * sizeof *ids);
	searchop_apply(ui, ids, ev->u.search.nids, _("server search"));
}

void
searchop_free(struct ui *ui)
{
	struct ui_search *s = &ui->srch;

	free(s->query);
	free(s->hits);
	free(s->limit_ids);
	free(s->limit_query);
	memset(s, 0, sizeof *s);
}
