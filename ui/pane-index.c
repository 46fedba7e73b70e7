/*
 * The index pane: the open folder's messages, one per line, drawn through
 * the index_format of the config (src/format.c). It holds only row ids in
 * display order; the rows on screen are read from the store when drawn, so
 * memory stays flat however large the folder. Sorting by date or size is
 * the store's (store_msg_ids()); threads, and sorting by sender or subject
 * (which ignores "Re:"), are src/thread.c's over the store's compact rows,
 * with the threads' collapsed state kept across reloads. A reload keeps
 * the selection on the same message.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "config.h"
#include "format.h"
#include "i18n.h"
#include "log.h"
#include "search.h"
#include "store.h"
#include "strbuf.h"
#include "text.h"
#include "thread.h"
#include "ui-int.h"
#include "util.h"
#include "xmalloc.h"

/*
 * The least time between two reloads of the ids caused by events: 200 ms,
 * or ten times what the last reload cost (a 100k folder costs ~30 ms by
 * date, ~150 ms in threads).
 */
#define INDEX_RELOAD_GAP_MS	200
#define INDEX_RELOAD_FACTOR	10

/* A reload expected to take longer than this says so first. */
#define INDEX_BUSY_MS		80
/* ... as does a first load of a folder this large. */
#define INDEX_BUSY_MSGS		20000

/*
 * Threads of a folder this large are kept in the cache when it is left,
 * and read back from there while nothing in it changed: at 100,000
 * messages reading the rows and threading them is ~130 ms, reading the
 * kept threads ~5.
 */
#define INDEX_SAVE_MSGS		2000

/*
 * Threading (or sorting by sender or subject) a folder this large is done
 * by a helper thread on its own connection to the cache, so that no key
 * waits for it (~200 ms at 100,000 messages); the index shows what it
 * had, or the messages by date, meanwhile.
 */
#define INDEX_ASYNC_MSGS	5000

/* What a build makes of the sort order. */
struct index_spec {
	int sort;		/* enum sort_kind */
	int reverse;
	enum thread_key key;
	int flags;		/* THREAD_* */
	int kind;		/* for the kept threads: flags and key */
};

/*
 * A build in the background. The UI thread fills in the request and
 * starts the helper; the helper owns ST and the results until it writes
 * a byte to FD[1]; the UI thread then joins it and takes or drops them.
 */
struct index_job {
	pthread_t tid;
	int fd[2];
	struct store *st;	/* the helper's own connection */
	size_t acct;
	int64_t folder_id;
	struct index_spec spec;
	int64_t started;	/* util_now_ms() */
	int running;		/* the helper was started */
	int inline_run;		/* ... or could not be: done in place */
	char *what;		/* for the status line */
	/* Results. */
	int ok;
	struct thread *th;
	int64_t *ids;
	size_t n;
	int64_t gen;
};

/* Below this width the index shows the flags and the subject only. */
#define INDEX_NARROW_COLS	40
#define INDEX_NARROW_FORMAT	"%Z %M%s"

/* An id and where it is, for finding ids among a build's messages. */
struct index_pos {
	int64_t id;
	size_t pos;
};

static void index_clamp(struct ui *);
static void index_rebuild_ids(struct ui *);
struct index_spec;
static int index_load_kept(struct ui *, struct store *,
    const struct index_spec *);
static void index_carry_folds(struct ui *, int64_t *, size_t);

int64_t
index_selected(struct ui *ui)
{
	if (ui->ix.n == 0 || ui->ix.sel >= ui->ix.n)
		return -1;
	return ui->ix.ids[ui->ix.sel];
}

/*
 * Keep the threads built for the folder that was open, if they are worth
 * it and still what the folder holds (the store checks the generation).
 * Failing is not an error: the next open builds them again.
 */
static void
index_save(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	struct strbuf sb = STRBUF_INIT;
	struct store *st;

	if (!ix->save || ix->th == NULL)
		return;
	ix->save = 0;
	if ((st = ui_store(ui, ix->save_acct)) == NULL)
		return;
	thread_save(ix->th, ix->msg_ids, &sb);
	if (store_thread_cache_put(st, ix->save_folder, ix->save_kind,
	    ix->save_gen, sb.buf, sb.len) == 0)
		log_msg(LOG_INFO, "index: the threads of %zu messages kept",
		    ix->nmsg);
	strbuf_release(&sb);
}

void
index_free(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;

	index_save(ui);
	free(ix->ids);
	ix->ids = NULL;
	ix->n = ix->sel = ix->top = 0;
	thread_free(ix->th);
	ix->th = NULL;
	free(ix->msg_ids);
	ix->msg_ids = NULL;
	ix->nmsg = 0;
	free(ix->fold_unread);
	ix->fold_unread = NULL;
	ix->fold_ok = 0;
}

static int
index_pos_cmp(const void *a, const void *b)
{
	const struct index_pos *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The positions of the N ids of IDS, sorted by id for index_find(). */
static struct index_pos *
index_positions(const int64_t *ids, size_t n)
{
	struct index_pos *p = xreallocarray(NULL, n > 0 ? n : 1, sizeof *p);
	size_t i;

	for (i = 0; i < n; i++) {
		p[i].id = ids[i];
		p[i].pos = i;
	}
	qsort(p, n, sizeof *p, index_pos_cmp);
	return p;
}

/* Where ID is among the N positions P, or THREAD_NONE. */
static size_t
index_find(const struct index_pos *p, size_t n, int64_t id)
{
	struct index_pos key = { id, 0 }, *hit;

	hit = bsearch(&key, p, n, sizeof *p, index_pos_cmp);
	return hit != NULL ? hit->pos : THREAD_NONE;
}

/* Rebuild the display ids from the threads' rows. */
static void
index_rebuild_ids(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	size_t i, n = thread_rows(ix->th);

	ix->fold_ok = 0;

	ix->ids = xreallocarray(ix->ids, n > 0 ? n : 1, sizeof *ix->ids);
	for (i = 0; i < n; i++)
		ix->ids[i] = ix->msg_ids[thread_msg(ix->th, i)];
	ix->n = n;
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
}

/*
 * The ids of the threads whose state differs from the default of the old
 * build: collapsed ones, or with fold_all the expanded ones.
 */
static int64_t *
index_fold_state(struct ui *ui, size_t *n_r)
{
	struct pane_index *ix = &ui->ix;
	int64_t *ids = NULL;
	size_t r, n = 0;

	*n_r = 0;
	if (ix->th == NULL)
		return NULL;
	for (r = 0; r < thread_rows(ix->th); r++) {
		if (thread_depth(ix->th, r) != 0 || thread_size(ix->th, r) < 2)
			continue;
		if (thread_collapsed(ix->th, r) == ix->fold_all)
			continue;
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = ix->msg_ids[thread_msg(ix->th, r)];
	}
	*n_r = n;
	return ids;
}

/* The build SORT and REVERSE ask for, into *SP. */
static void
index_spec(struct ui *ui, int sort, int reverse, struct index_spec *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->sort = sort;
	sp->reverse = reverse;
	sp->key = THREAD_KEY_DATE;
	switch (sort) {
	case SORT_THREADS:
		sp->flags = THREAD_GROUP;
		if (ui->cfg == NULL || ui->cfg->ui.thread_subject)
			sp->flags |= THREAD_SUBJECT;
		break;
	case SORT_FROM:
		sp->key = THREAD_KEY_FROM;
		break;
	case SORT_SUBJECT:
		sp->key = THREAD_KEY_SUBJECT;
		break;
	case SORT_SIZE:
		sp->key = THREAD_KEY_SIZE;
		break;
	}
	if (reverse)
		sp->flags |= THREAD_REVERSE;
	sp->kind = sp->flags | (int)sp->key << 4;
}

/*
 * A build being read: each row the limit keeps (UI: NULL when there is
 * none, as for a helper) goes into IN, its id into IDS, and its strings
 * go with the row.
 */
struct index_feed {
	struct ui *ui;
	struct thread_input *in;
	int64_t *ids;
	size_t n, alloc;
};

static int
index_feed_row(void *arg, const struct store_thread_row *r)
{
	struct index_feed *f = arg;
	struct thread_msg m;

	if (f->ui != NULL && !searchop_keeps(f->ui, r->id))
		return 0;
	if (f->n == f->alloc) {
		f->alloc = f->alloc == 0 ? 1024 : f->alloc * 2;
		f->ids = xreallocarray(f->ids, f->alloc, sizeof *f->ids);
	}
	f->ids[f->n++] = r->id;
	m.date = r->date;
	m.size = r->size;
	m.message_id = r->message_id;
	m.in_reply_to = r->in_reply_to;
	m.references = r->references;
	m.subject = r->subject;
	m.from = r->from;
	thread_input_add(f->in, &m);
	return 0;
}

/*
 * Read the open folder's rows from ST (those the limit keeps, with UI)
 * and thread or sort them as SP says: the build in *TH_R, its messages'
 * ids in *IDS_R (*N_R of them), the folder's generation in *GEN_R.
 */
static int
index_read_build(struct store *st, int64_t folder_id, struct ui *ui,
    const struct index_spec *sp, struct thread **th_r, int64_t **ids_r,
    size_t *n_r, int64_t *gen_r)
{
	struct index_feed f;
	int r;

	memset(&f, 0, sizeof f);
	f.ui = ui;
	f.in = thread_input_new(sp->key, sp->flags);
	r = store_thread_each(st, folder_id, sp->flags & THREAD_GROUP,
	    index_feed_row, &f, gen_r);
	if (r == 0) {
		*th_r = thread_input_build(f.in);
		*ids_r = f.ids != NULL ? f.ids : xcalloc(1, sizeof *f.ids);
		*n_r = f.n;
	} else
		free(f.ids);
	thread_input_free(f.in);
	return r;
}

/*
 * A new build TH of the N messages IDS (taken over) replaces ix->th,
 * keeping the collapsed threads; SP is what it was built as, GEN the
 * folder's generation then (for keeping it), KEEP whether it may be kept.
 */
static void
index_take(struct ui *ui, struct thread *th, int64_t *ids, size_t n,
    const struct index_spec *sp, int64_t gen, int keep)
{
	struct pane_index *ix = &ui->ix;
	int64_t *fold;
	size_t nfold;

	fold = index_fold_state(ui, &nfold);
	thread_free(ix->th);
	ix->th = th;
	free(ix->msg_ids);
	ix->msg_ids = ids;
	ix->nmsg = n;
	ix->save = keep && n >= INDEX_SAVE_MSGS;
	ix->save_acct = ui->cur;
	ix->save_folder = ui->folder_id;
	ix->save_kind = sp->kind;
	ix->save_gen = gen;
	index_carry_folds(ui, fold, nfold);
}

/* The helper thread of a job: read, build, say so. */
static void *
index_job_run(void *arg)
{
	struct index_job *j = arg;

	if (index_read_build(j->st, j->folder_id, NULL, &j->spec, &j->th,
	    &j->ids, &j->n, &j->gen) == 0)
		j->ok = 1;
	/* The UI thread takes over once this byte is there. */
	while (write(j->fd[1], "x", 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void
index_job_free(struct index_job *j)
{
	store_close(j->st);
	close(j->fd[0]);
	close(j->fd[1]);
	thread_free(j->th);
	free(j->ids);
	free(j->what);
	free(j);
}

/*
 * Build SP for the open folder (TOTAL messages) in the background: 0 if
 * a job is under way for it (started now, or one was running and this
 * one follows it), -1 if it cannot be (the caller builds it here).
 */
static int
index_job_start(struct ui *ui, struct store *st, const struct index_spec *sp,
    size_t total)
{
	struct pane_index *ix = &ui->ix;
	struct index_job *j;
	int i;

	if (ix->job != NULL) {
		ix->job_again = 1;
		return 0;
	}
	j = xcalloc(1, sizeof *j);
	j->fd[0] = j->fd[1] = -1;
	if (store_open_reader(st, &j->st) != 0 || pipe(j->fd) != 0) {
		index_job_free(j);
		return -1;
	}
	for (i = 0; i < 2; i++)
		(void)fcntl(j->fd[i], F_SETFD, FD_CLOEXEC);
	(void)fcntl(j->fd[0], F_SETFL, O_NONBLOCK);
	j->acct = ui->cur;
	j->folder_id = ui->folder_id;
	j->spec = *sp;
	j->started = util_now_ms();
	j->what = xasprintf(sp->sort == SORT_THREADS ?
	    _("threading %zu messages") : _("sorting %zu messages"), total);
	/* The helper starts once the screen is drawn (index_job_kick()). */
	ix->job = j;
	ix->job_again = 0;
	return 0;
}

void
index_job_kick(struct ui *ui)
{
	struct index_job *j = ui->ix.job;

	if (j == NULL || j->running)
		return;
	j->running = 1;
	/* No thread to be had: the work is done here, and taken the same. */
	if (pthread_create(&j->tid, NULL, index_job_run, j) != 0) {
		j->inline_run = 1;
		index_job_run(j);
	}
}

int
index_job_fd(const struct ui *ui)
{
	return ui->ix.job != NULL ? ui->ix.job->fd[0] : -1;
}

const char *
index_job_what(const struct ui *ui)
{
	return ui->ix.job != NULL ? ui->ix.job->what : NULL;
}

void
index_job_finish(struct ui *ui, int wait)
{
	struct pane_index *ix = &ui->ix;
	struct index_job *j = ix->job;
	int64_t old_id;
	char c;

	if (j == NULL)
		return;
	if (!j->running)
		index_job_kick(ui);	/* quitting before it started */
	if (!wait && read(j->fd[0], &c, 1) != 1)
		return;			/* not done yet */
	if (!j->inline_run)
		pthread_join(j->tid, NULL);
	ix->job = NULL;
	ui->dirty |= DIRTY_STATUS;
	if (wait) {
		index_job_free(j);
		return;
	}
	ix->loaded_at = util_now_ms();
	ix->load_cost = ix->loaded_at - j->started;
	log_msg(LOG_INFO, "index: %zu messages built in the background in "
	    "%lld ms", j->n, (long long)ix->load_cost);
	/*
	 * Still what the index wants (the same folder and order, no limit):
	 * taken, even if the folder changed since it started (the changes
	 * asked for another build, which follows).
	 */
	if (j->acct == ui->cur && j->folder_id == ui->folder_id &&
	    j->spec.sort == ui->sort && j->spec.reverse == ui->sort_reverse &&
	    !ui->srch.limited) {
		if (!j->ok)
			ui_error(ui, _("cannot read the messages: %s"),
			    store_errmsg(j->st));
		else {
			old_id = index_selected(ui);
			index_take(ui, j->th, j->ids, j->n, &j->spec, j->gen,
			    j->spec.sort == SORT_THREADS);
			j->th = NULL;
			j->ids = NULL;
			if (old_id >= 0)
				index_select_id(ui, old_id);
			index_clamp(ui);
		}
	} else
		ix->job_again = 1;
	if (ix->job_again)
		ix->reload = 1;
	ix->job_again = 0;
	index_job_free(j);
#ifdef __GLIBC__
	/*
	 * The helper's arena keeps what the build freed (the rows' strings,
	 * ~25 MB at 100,000 messages) unless asked to give it back.
	 */
	malloc_trim(0);
#endif
}

/*
 * Thread or sort the rows of the open folder (TOTAL messages; those the
 * limit shows) into a new ix->th; SORT is an enum sort_kind. Returns 0,
 * 1 if a helper builds it (index_job_finish() takes it), or -1.
 */
static int
index_build(struct ui *ui, struct store *st, int sort, int reverse,
    size_t total)
{
	struct index_spec sp;
	struct thread *th;
	int64_t *ids, gen;
	size_t n;
	int keep;

	index_spec(ui, sort, reverse, &sp);
	/*
	 * Threads, unlimited: those kept from the last build if the folder
	 * is as it was then. (A limit keeps some ids, and the kept threads
	 * hold all of them.)
	 */
	keep = sort == SORT_THREADS && !ui->srch.limited;
	if (keep && index_load_kept(ui, st, &sp)) {
		ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
		return 0;
	}
	/* A large one, unlimited, in the background. */
	if (!ui->srch.limited && total >= INDEX_ASYNC_MSGS &&
	    index_job_start(ui, st, &sp, total) == 0)
		return 1;
	/* The limit (l) keeps some ids. */
	if (index_read_build(st, ui->folder_id, ui, &sp, &th, &ids, &n,
	    &gen) != 0)
		return -1;
	index_take(ui, th, ids, n, &sp, gen, keep);
	return 0;
}

/*
 * Take the threads kept for the open folder as KIND, if the store has
 * them for its present state, in place of ix->th. 1 if it did.
 */
static int
index_load_kept(struct ui *ui, struct store *st,
    const struct index_spec *sp)
{
	struct thread *th;
	int64_t *ids;
	void *data;
	size_t len, n;

	if (store_thread_cache_get(st, ui->folder_id, sp->kind, &data,
	    &len) != 1)
		return 0;
	th = thread_load(data, len, &ids, &n);
	free(data);
	if (th == NULL)
		return 0;
	index_take(ui, th, ids, n, sp, 0, 0);
	log_msg(LOG_INFO, "index: the threads of %zu messages read as kept",
	    n);
	return 1;
}

/*
 * A new ix->th takes over the NFOLD collapsed (with fold_all: expanded)
 * threads FOLD of the one before, by their messages' ids; frees FOLD.
 */
static void
index_carry_folds(struct ui *ui, int64_t *fold, size_t nfold)
{
	struct pane_index *ix = &ui->ix;
	struct index_pos *pos;
	size_t i, k, *fmsg, nf;

	/* Carry the collapsed threads over. */
	if (ix->fold_all)
		thread_collapse_all(ix->th, 1);
	if (nfold > 0) {
		pos = index_positions(ix->msg_ids, ix->nmsg);
		fmsg = xreallocarray(NULL, nfold, sizeof *fmsg);
		for (i = nf = 0; i < nfold; i++) {
			if ((k = index_find(pos, ix->nmsg, fold[i])) !=
			    THREAD_NONE)
				fmsg[nf++] = k;
		}
		thread_set_collapsed(ix->th, fmsg, nf, !ix->fold_all);
		free(fmsg);
		free(pos);
	}
	free(fold);
	index_rebuild_ids(ui);
}

void
index_load(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	struct store *st = ui_store(ui, ui->cur);
	const struct store_folder *f = ui_open_folder_info(ui);
	int64_t old_id = index_selected(ui), *ids = NULL, start;
	size_t old_sel = ix->sel, n = 0, i, total;
	int sort = ui->sort, reverse = ui->sort_reverse, r;

	ix->reload = 0;
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
	if (st == NULL || ui->folder_id < 0) {
		index_free(ui);
		return;
	}
	total = f != NULL && f->total > 0 ? (size_t)f->total : ix->n;
	if (ix->load_cost > INDEX_BUSY_MS || (ix->n == 0 &&
	    total > INDEX_BUSY_MSGS))
		ui_busy(ui, sort == SORT_THREADS ? _("threading %zu messages") :
		    _("sorting %zu messages"), total);
	start = util_now_ms();
	if (sort == SORT_THREADS || sort == SORT_FROM ||
	    sort == SORT_SUBJECT) {
		r = index_build(ui, st, sort, reverse, total);
		if (r == 1) {
			/*
			 * Built in the background: what the index shows stays
			 * until then, or, with nothing to show, the messages
			 * by date.
			 */
			ui_busy(ui, NULL);
			if (ix->th == NULL && ix->n == 0 &&
			    store_msg_ids(st, ui->folder_id, SORT_DATE, reverse,
			    &ids, &n) == 0) {
				free(ix->ids);
				ix->ids = ids;
				ix->n = n;
				ix->sel = ix->top = 0;
			}
			return;
		}
	} else {
		r = store_msg_ids(st, ui->folder_id, sort, reverse, &ids, &n);
		if (r == 0) {
			searchop_filter(ui, ids, &n);	/* the limit (l) */
			thread_free(ix->th);
			ix->th = NULL;
			free(ix->msg_ids);
			ix->msg_ids = NULL;
			ix->nmsg = 0;
			free(ix->ids);
			ix->ids = ids;
			ix->n = n;
		}
	}
	ui_busy(ui, NULL);
	if (r != 0) {
		ui_error(ui, _("cannot read the messages: %s"),
		    store_errmsg(st));
		return;
	}
	ix->loaded_at = util_now_ms();
	ix->load_cost = ix->loaded_at - start;
	n = ix->n;
	ix->sel = old_sel < n ? old_sel : (n > 0 ? n - 1 : 0);
	if (old_id >= 0) {
		if (ix->th != NULL)
			index_select_id(ui, old_id);
		else {
			for (i = 0; i < n; i++) {
				if (ix->ids[i] == old_id) {
					ix->sel = i;
					break;
				}
			}
		}
	}
	/*
	 * Keep the first line where it was (new mail at the top shows up
	 * above the selection) unless the selection would leave the screen.
	 */
	index_clamp(ui);
}

void
index_select_id(struct ui *ui, int64_t id)
{
	struct pane_index *ix = &ui->ix;
	size_t i, row;

	if (ix->th == NULL) {
		for (i = 0; i < ix->n; i++) {
			if (ix->ids[i] == id) {
				ix->sel = i;
				break;
			}
		}
	} else {
		for (i = 0; i < ix->nmsg; i++) {
			if (ix->msg_ids[i] != id)
				continue;
			row = thread_row_of(ix->th, i);
			if (row != THREAD_NONE)
				ix->sel = row;
			break;
		}
	}
	index_clamp(ui);
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
}

void
index_fold(struct ui *ui, int all)
{
	struct pane_index *ix = &ui->ix;
	int64_t id = index_selected(ui);
	size_t row;

	if (ui->sort != SORT_THREADS) {
		ui_message(ui, _("threads are shown when sorted by threads "
		    "(o t)"));
		return;
	}
	if (ix->th == NULL)
		return;
	if (all) {
		ix->fold_all = !ix->fold_all;
		thread_collapse_all(ix->th, ix->fold_all);
		index_rebuild_ids(ui);
		index_select_id(ui, id);
		return;
	}
	if (ix->n == 0)
		return;
	row = thread_toggle(ix->th, ix->sel);
	index_rebuild_ids(ui);
	ix->sel = row;
	index_clamp(ui);
}

void
index_sort(struct ui *ui, int sort, int reverse)
{
	/* Threads stay threads (O): the collapsed ones stay collapsed. */
	int keep = ui->sort == SORT_THREADS && sort == SORT_THREADS;

	ui->sort = sort;
	ui->sort_reverse = reverse;
	if (!keep) {
		ui->ix.fold_all = 0;
		thread_free(ui->ix.th);
		ui->ix.th = NULL;
	}
	index_load(ui);
}

int
index_reload_due(struct ui *ui, int *wait_r)
{
	const struct pane_index *ix = &ui->ix;
	int64_t gap, left;

	*wait_r = -1;
	if (!ix->reload)
		return 0;
	if (ix->n == 0)
		return 1;
	gap = ix->load_cost * INDEX_RELOAD_FACTOR;
	if (gap < INDEX_RELOAD_GAP_MS)
		gap = INDEX_RELOAD_GAP_MS;
	left = ix->loaded_at + gap - util_now_ms();
	if (left <= 0)
		return 1;
	*wait_r = left > 60000 ? 60000 : (int)left;
	return 0;
}

/* Keep the selection on screen and the screen filled where possible. */
static void
index_clamp(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	size_t h = ui->lay.index.h > 0 ? (size_t)ui->lay.index.h : 1;

	if (ix->n == 0) {
		ix->sel = ix->top = 0;
		return;
	}
	if (ix->sel >= ix->n)
		ix->sel = ix->n - 1;
	if (ix->sel < ix->top)
		ix->top = ix->sel;
	if (ix->sel >= ix->top + h)
		ix->top = ix->sel - h + 1;
	if (ix->top > 0 && ix->top + h > ix->n)
		ix->top = ix->n > h ? ix->n - h : 0;
}

void
index_move(struct ui *ui, long n)
{
	struct pane_index *ix = &ui->ix;
	long sel, top, h = ui->lay.index.h > 0 ? ui->lay.index.h : 1;

	if (ix->n == 0)
		return;
	sel = (long)ix->sel + n;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)ix->n)
		sel = (long)ix->n - 1;
	/* A page move scrolls the page with the selection. */
	if (n >= h || -n >= h) {
		top = (long)ix->top + n;
		if (top > (long)ix->n - h)
			top = (long)ix->n - h;
		if (top < 0)
			top = 0;
		ix->top = (size_t)top;
	}
	ix->sel = (size_t)sel;
	index_clamp(ui);
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
}

void
index_jump(struct ui *ui, int end)
{
	if (ui->ix.n == 0)
		return;
	ui->ix.sel = end ? ui->ix.n - 1 : 0;
	index_clamp(ui);
	ui->dirty |= DIRTY_INDEX | DIRTY_STATUS;
}

/* What an empty index says. */
static const char *
index_empty(struct ui *ui)
{
	const struct ui_acct *as = &ui->as[ui->cur];
	struct account *a = ui_account(ui, ui->cur);

	if (ui->folder_id >= 0)
		return _("(no messages)");
	if (a != NULL && as->nfolders == 0 && as->state != ACCOUNT_FAILED)
		return _("(waiting for the folder list)");
	return _("(no such folder)");
}

/* The attributes of a line showing M. */
static int
index_attr(const struct store_msg *m, int selected)
{
	attr_t a;
	int unread = !(m->flags & MSG_SEEN);

	if (selected)
		a = color_attr(COLOR_INDEX_SELECTED);
	else if ((m->flags & MSG_DELETED) || m->gone)
		a = color_attr(COLOR_DELETED);
	else if (m->flags & MSG_FLAGGED)
		a = color_attr(COLOR_FLAGGED);
	else if (unread)
		a = color_attr(COLOR_UNREAD);
	else
		a = color_attr(COLOR_INDEX);
	/* Unread stays bold whatever the colour says. */
	if (unread && !color_mono())
		a |= color_attr(COLOR_UNREAD) & A_BOLD;
	else if (unread)
		a |= A_BOLD;
	return (int)a;
}

/*
 * Count the unread messages folded under each collapsed thread's row (a
 * collapsed thread shows N when replies inside are unread, as mutt's
 * does): one query of the store for the unread, once per change.
 */
static void
index_count_folded(struct ui *ui, struct store *st)
{
	struct pane_index *ix = &ui->ix;
	struct search_node q;
	struct index_pos *pos;
	int64_t *ids = NULL;
	size_t n = 0, i, k, row, any = 0;

	if (ix->fold_ok || ix->th == NULL)
		return;
	ix->fold_ok = 1;
	ix->fold_unread = xreallocarray(ix->fold_unread, ix->n > 0 ? ix->n :
	    1, sizeof *ix->fold_unread);
	memset(ix->fold_unread, 0, (ix->n > 0 ? ix->n : 1) *
	    sizeof *ix->fold_unread);
	for (i = 0; i < ix->n && !any; i++)
		any = thread_hidden(ix->th, i) > 0;
	if (!any || st == NULL)
		return;
	memset(&q, 0, sizeof q);
	q.kind = SEARCH_FLAG;
	q.flag = SEARCH_SEEN;
	q.set = 0;
	if (store_search(st, ui->folder_id, &q, SORT_DATE, 0, &ids, &n) != 0)
		return;
	pos = index_positions(ix->msg_ids, ix->nmsg);
	for (i = 0; i < n; i++) {
		if ((k = index_find(pos, ix->nmsg, ids[i])) == THREAD_NONE)
			continue;
		row = thread_row_of(ix->th, k);
		if (row != THREAD_NONE && row < ix->n &&
		    thread_msg(ix->th, row) != k)
			ix->fold_unread[row]++;
	}
	free(pos);
	free(ids);
}

void
index_draw(struct ui *ui)
{
	struct pane_index *ix = &ui->ix;
	const struct ui_rect *r = &ui->lay.index;
	struct store *st = ui_store(ui, ui->cur);
	struct strbuf line = STRBUF_INIT, tree = STRBUF_INIT;
	struct format_msg fm;
	struct format_span span;
	struct store_msg m;
	const char *fmt;
	time_t now = time(NULL);
	char *tree_bytes;
	int i, attr;
	size_t idx;

	index_clamp(ui);
	fmt = ui->cfg != NULL && ui->cfg->ui.index_format != NULL ?
	    ui->cfg->ui.index_format : FORMAT_INDEX_DEFAULT;
	if (r->w < INDEX_NARROW_COLS)
		fmt = INDEX_NARROW_FORMAT;
	index_count_folded(ui, st);

	for (i = 0; i < r->h; i++) {
		idx = ix->top + (size_t)i;
		if (idx >= ix->n || st == NULL ||
		    store_msg_get(st, ix->ids[idx], &m) != 0) {
			ui_put(r->y + i, r->x, r->w,
			    ix->n == 0 && i == 0 ? index_empty(ui) : "",
			    (int)color_attr(COLOR_INDEX));
			continue;
		}
		/* A move that waits (s) shows as mutt shows it: deleted. */
		if (msgop_held(ui, m.id))
			m.flags |= MSG_DELETED;
		/* A collapsed thread with unread replies is unread. */
		if (ix->th != NULL && ix->fold_ok && idx < ix->n &&
		    ix->fold_unread[idx] > 0)
			m.flags &= ~MSG_SEEN;
		memset(&fm, 0, sizeof fm);
		fm.flags = m.flags;
		fm.has_attachment = m.has_attachment;
		fm.date = m.date;
		fm.size = m.size;
		fm.from = m.from_name;
		fm.from_addr = m.from_addr;
		fm.to = m.to_addrs;
		fm.subject = m.subject;
		fm.number = (long)idx + 1;
		fm.tagged = tags_has(ui, m.id);
		fm.gone = m.gone;
		fm.thread_size = 1;
		strbuf_reset(&tree);
		if (ix->th != NULL) {
			thread_tree(ix->th, idx, &tree, !ui->utf8);
			fm.tree = tree.buf;
			fm.same_subject = (thread_marks(ix->th, idx) &
			    THREAD_MARK_SAME_SUBJECT) != 0;
			fm.thread_size = thread_size(ix->th, idx);
			fm.hidden = thread_hidden(ix->th, idx);
		}
		strbuf_reset(&line);
		format_index(&line, fmt, &fm, now, r->w, &span);
		attr = index_attr(&m, idx == ix->sel);
		ui_put(r->y + i, r->x, r->w, line.buf, attr);
		/* The tree lines in their own colour, off the selection. */
		if (span.len > 0 && idx != ix->sel && span.col < r->w) {
			tree_bytes = xstrndup(line.buf + span.off, span.len);
			ui_put(r->y + i, r->x + span.col, span.cols,
			    tree_bytes, (int)color_attr(COLOR_TREE));
			free(tree_bytes);
		}
		store_msg_release(&m);
	}
	strbuf_release(&tree);
	strbuf_release(&line);
}
