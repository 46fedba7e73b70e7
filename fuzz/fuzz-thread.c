/*
 * Fuzz target: the threader. The first byte of the input picks the sort
 * key and the flags; each following line is one message, its fields
 * separated by '|': Message-ID, In-Reply-To, References, Subject, From,
 * date, size (a missing field is NULL). Checked: the rows show every
 * message once, thread_row_of() inverts thread_msg(), depths and thread
 * sizes hang together, tree lines are safe and as wide as they say,
 * folding every thread leaves one row per thread and unfolding restores
 * the order, and ungrouped messages are sorted by date and size as asked;
 * a build saved and loaded back is the same, and the input read as a
 * save (thread_load()) is refused or holds together as well.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "strbuf.h"
#include "text.h"
#include "thread.h"
#include "xmalloc.h"

/* The most messages read from one input. */
#define FUZZ_THREAD_MAX 4096
#define FUZZ_THREAD_FIELDS 7

/* Split LINE at '|' into the fields of M (LINE is changed). */
static void
fuzz_thread_msg(char *line, struct thread_msg *m)
{
	char *field[FUZZ_THREAD_FIELDS] = { NULL };
	size_t i;

	for (i = 0; i < FUZZ_THREAD_FIELDS && line != NULL; i++) {
		field[i] = line;
		if ((line = strchr(line, '|')) != NULL)
			*line++ = '\0';
	}
	memset(m, 0, sizeof *m);
	m->message_id = field[0];
	m->in_reply_to = field[1];
	m->references = field[2];
	m->subject = field[3];
	m->from = field[4];
	m->date = field[5] != NULL ? strtoll(field[5], NULL, 10) : 0;
	m->size = field[6] != NULL ? strtoll(field[6], NULL, 10) : 0;
}

static void
fuzz_check_rows(struct thread *t, size_t n, unsigned char *seen)
{
	struct strbuf sb = STRBUF_INIT;
	size_t rows, r, m, root, prev_root = THREAD_NONE, sum = 0;
	unsigned int depth, prev_depth = 0;
	int ascii, cols;

	rows = thread_rows(t);
	if (rows > n)
		fuzz_fail("%zu rows for %zu messages", rows, n);
	memset(seen, 0, n);
	for (r = 0; r < rows; r++) {
		m = thread_msg(t, r);
		if (m >= n || seen[m]++)
			fuzz_fail("row %zu shows message %zu", r, m);
		if (thread_row_of(t, m) != r)
			fuzz_fail("message %zu is on row %zu, not %zu", m,
			    thread_row_of(t, m), r);
		root = thread_root_row(t, r);
		depth = thread_depth(t, r);
		if (root > r || (root == r) != (depth == 0))
			fuzz_fail("row %zu: root row %zu, depth %u", r, root,
			    depth);
		if (r > 0 && depth > prev_depth + 1)
			fuzz_fail("row %zu: depth %u after %u", r, depth,
			    prev_depth);
		if (root == r) {
			if (prev_root != THREAD_NONE && prev_root >= r)
				fuzz_fail("row %zu: roots out of order", r);
			prev_root = r;
			sum += thread_size(t, r);
			if (thread_hidden(t, r) != (thread_collapsed(t, r) ?
			    thread_size(t, r) - 1 : 0))
				fuzz_fail("row %zu: %zu hidden of %zu", r,
				    thread_hidden(t, r), thread_size(t, r));
		} else if (thread_size(t, r) != thread_size(t, root))
			fuzz_fail("row %zu: thread size %zu, its root's %zu",
			    r, thread_size(t, r), thread_size(t, root));
		for (ascii = 0; ascii <= 1; ascii++) {
			strbuf_reset(&sb);
			cols = thread_tree(t, r, &sb, ascii);
			fuzz_check_safe("thread_tree", sb.buf, sb.len, 0);
			if (cols != text_width(sb.buf) ||
			    (depth == 0 && sb.len != 0))
				fuzz_fail("row %zu: tree \"%s\" of %d columns",
				    r, sb.buf, cols);
		}
		prev_depth = depth;
	}
	if (sum != n)
		fuzz_fail("threads hold %zu messages of %zu", sum, n);
	/* A folded message maps to its thread's row. */
	for (m = 0; m < n; m++) {
		r = thread_row_of(t, m);
		if (r >= rows)
			fuzz_fail("message %zu: row %zu of %zu", m, r, rows);
		if (!seen[m] && !thread_collapsed(t, r))
			fuzz_fail("message %zu hidden in an open thread", m);
	}
	strbuf_release(&sb);
}

/*
 * T (N messages, every thread expanded) saved and loaded back: the same
 * rows, depths and marks, each message's id (its index here) kept.
 */
static void
fuzz_check_saved(const struct thread *t, size_t n, unsigned char *seen)
{
	struct strbuf sb = STRBUF_INIT;
	struct thread *u;
	int64_t *ids, *got;
	size_t i, ng;

	ids = xcalloc(n > 0 ? n : 1, sizeof *ids);
	for (i = 0; i < n; i++)
		ids[i] = (int64_t)i;
	thread_save(t, ids, &sb);
	u = thread_load(sb.buf, sb.len, &got, &ng);
	if (u == NULL || ng != n)
		fuzz_fail("a save of %zu messages does not load", n);
	fuzz_check_rows(u, n, seen);
	for (i = 0; i < n; i++) {
		if (got[i] < 0 || (size_t)got[i] >= n)
			fuzz_fail("loaded id %lld", (long long)got[i]);
		if (got[thread_msg(u, i)] != (int64_t)thread_msg(t, i) ||
		    thread_depth(u, i) != thread_depth(t, i) ||
		    thread_marks(u, i) != thread_marks(t, i))
			fuzz_fail("row %zu differs once loaded", i);
	}
	thread_free(u);
	free(got);
	free(ids);
	strbuf_release(&sb);
}

/* Any bytes as a save: NULL, or threads that hold together. */
static void
fuzz_check_load(const uint8_t *data, size_t size)
{
	struct thread *u;
	unsigned char *seen;
	int64_t *got;
	size_t ng;

	if ((u = thread_load(data, size, &got, &ng)) == NULL) {
		if (got != NULL || ng != 0)
			fuzz_fail("a refused load left ids");
		return;
	}
	seen = xmalloc(ng > 0 ? ng : 1);
	fuzz_check_rows(u, ng, seen);
	thread_collapse_all(u, 1);
	fuzz_check_rows(u, ng, seen);
	free(seen);
	thread_free(u);
	free(got);
}

/* Ungrouped messages are in the order of the key. */
static void
fuzz_check_order(struct thread *t, const struct thread_msg *msgs,
    enum thread_key key, int flags)
{
	size_t r, a, b;
	int64_t x, y;

	if ((flags & THREAD_GROUP) != 0 ||
	    (key != THREAD_KEY_DATE && key != THREAD_KEY_SIZE))
		return;
	for (r = 1; r < thread_rows(t); r++) {
		a = thread_msg(t, r - 1);
		b = thread_msg(t, r);
		x = key == THREAD_KEY_DATE ? msgs[a].date : msgs[a].size;
		y = key == THREAD_KEY_DATE ? msgs[b].date : msgs[b].size;
		if ((flags & THREAD_REVERSE) ? x > y : x < y)
			fuzz_fail("rows %zu and %zu out of order", r - 1, r);
	}
}

FUZZ_TARGET(thread)
{
	struct thread_msg *msgs = NULL;
	struct thread *t;
	enum thread_key key;
	unsigned char *seen = NULL;
	size_t n = 0, i, rows, *order = NULL, r;
	char *text, *line, *next;
	const char *base;
	int flags, reply;

	if (size < 1)
		return (0);
	key = (enum thread_key)(data[0] % 4);
	flags = (data[0] >> 2) & (THREAD_GROUP | THREAD_SUBJECT |
	    THREAD_REVERSE);
	text = fuzz_strndup(data + 1, size - 1);
	msgs = xcalloc(FUZZ_THREAD_MAX, sizeof *msgs);
	for (line = text; line != NULL && n < FUZZ_THREAD_MAX; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		fuzz_thread_msg(line, &msgs[n++]);
	}
	for (i = 0; i < n; i++) {
		if (msgs[i].subject == NULL)
			continue;
		base = thread_subject_base(msgs[i].subject, &reply);
		if (base < msgs[i].subject ||
		    base > msgs[i].subject + strlen(msgs[i].subject))
			fuzz_fail("thread_subject_base: outside the subject");
	}

	t = thread_build(msgs, n, key, flags);
	seen = xmalloc(n);
	rows = thread_rows(t);
	if (rows != n)
		fuzz_fail("%zu rows for %zu messages, none folded", rows, n);
	fuzz_check_rows(t, n, seen);
	fuzz_check_order(t, msgs, key, flags);
	order = xcalloc(n, sizeof *order);
	for (r = 0; r < n; r++)
		order[r] = thread_msg(t, r);

	thread_collapse_all(t, 1);
	fuzz_check_rows(t, n, seen);
	for (r = 0; r < thread_rows(t); r++)
		if (thread_depth(t, r) != 0)
			fuzz_fail("every thread folded, row %zu has depth %u",
			    r, thread_depth(t, r));
	thread_collapse_all(t, 0);
	if (thread_rows(t) != n)
		fuzz_fail("unfolding gives %zu rows of %zu", thread_rows(t),
		    n);
	for (r = 0; r < n; r++)
		if (thread_msg(t, r) != order[r])
			fuzz_fail("unfolding changed row %zu", r);

	/* Fold a few threads one by one, then some by message. */
	for (r = 0; r < thread_rows(t) && r < 64; r += 3) {
		i = thread_toggle(t, r);
		if (i >= thread_rows(t) || thread_depth(t, i) != 0)
			fuzz_fail("thread_toggle: row %zu", i);
	}
	fuzz_check_rows(t, n, seen);
	thread_set_collapsed(t, order, n / 2, 1);
	fuzz_check_rows(t, n, seen);
	thread_set_collapsed(t, order, n, 0);
	if (thread_rows(t) != n)
		fuzz_fail("expanding by message gives %zu rows of %zu",
		    thread_rows(t), n);
	fuzz_check_saved(t, n, seen);

	thread_free(t);
	free(order);
	free(seen);
	free(msgs);
	free(text);

	/* The input itself as a save: refused, or a sound set of threads. */
	fuzz_check_load(data + 1, size - 1);
	return (0);
}
