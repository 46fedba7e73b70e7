/*
 * Unit tests for src/thread.c: known trees drawn with their tree lines
 * (one row per case), cycles, missing parents, duplicate and absent
 * Message-IDs, subject grouping, every sort order, collapsing, the subject
 * prefixes, and 100,000 generated messages (timed and printed).
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"
#include "testutil.h"
#include "thread.h"
#include "xmalloc.h"

#define MAXMSG 12

/* A message of a case: its label is what the drawing shows. */
struct tmsg {
	const char *label;
	const char *id;
	const char *refs;
	const char *irt;
	const char *subject;
	int64_t date;
	int64_t size;
	const char *from;
};

struct tree_row {
	const char *name;
	int flags;
	enum thread_key key;
	struct tmsg msgs[MAXMSG];
	const char *want;	/* rows: ASCII tree lines and the label */
};

static size_t
tmsg_count(const struct tmsg *m)
{
	size_t n = 0;

	while (n < MAXMSG && m[n].label != NULL)
		n++;
	return n;
}

static void
tmsg_convert(const struct tmsg *m, size_t n, struct thread_msg *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].message_id = m[i].id;
		out[i].references = m[i].refs;
		out[i].in_reply_to = m[i].irt;
		out[i].subject = m[i].subject != NULL ? m[i].subject :
		    m[i].label;
		out[i].date = m[i].date;
		out[i].size = m[i].size;
		out[i].from = m[i].from;
	}
}

/* Draw T: one line per row, tree lines then the label. */
static char *
draw(const struct thread *t, const struct tmsg *m)
{
	struct strbuf sb = STRBUF_INIT;
	size_t r;

	for (r = 0; r < thread_rows(t); r++) {
		thread_tree(t, r, &sb, 1);
		strbuf_addstr(&sb, m[thread_msg(t, r)].label);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * The invariants of any build, all threads expanded: each message on
 * exactly one row, a pre-order (a row is at most one level deeper than
 * the one above, threads start at depth 0), sizes that add up.
 */
static void
check_invariants(const struct thread *t, size_t n, const char *what)
{
	unsigned char *seen = xcalloc(n > 0 ? n : 1, 1);
	size_t r, m, start = 0;
	unsigned int d, prev = 0;

	ck_assert_msg(thread_rows(t) == n, "%s: %zu rows for %zu messages",
	    what, thread_rows(t), n);
	for (r = 0; r < n; r++) {
		m = thread_msg(t, r);
		ck_assert_msg(m < n, "%s: row %zu: message %zu", what, r, m);
		ck_assert_msg(!seen[m], "%s: message %zu twice", what, m);
		seen[m] = 1;
		ck_assert_msg(thread_row_of(t, m) == r, "%s: row_of(%zu)",
		    what, m);
		d = thread_depth(t, r);
		if (d == 0) {
			if (r > 0)
				ck_assert_msg(thread_size(t, start) ==
				    r - start, "%s: thread at row %zu: size "
				    "%zu, rows %zu", what, start,
				    thread_size(t, start), r - start);
			start = r;
		} else
			ck_assert_msg(r > 0 && d <= prev + 1,
			    "%s: row %zu depth %u after %u", what, r, d, prev);
		ck_assert_msg(thread_root_row(t, r) == start,
		    "%s: row %zu: root row %zu, want %zu", what, r,
		    thread_root_row(t, r), start);
		prev = d;
	}
	if (n > 0)
		ck_assert_msg(thread_size(t, start) == n - start,
		    "%s: last thread size", what);
	free(seen);
}

static const struct tree_row tree_rows[] = {
	{ "a simple thread", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 0, NULL },
		{ "C", "<c@x>", "<a@x> <b@x>", NULL, NULL, 3, 0, NULL },
		{ "D", "<d@x>", "<a@x>", "<a@x>", NULL, 4, 0, NULL },
	  }, "A\n|->B\n| `->C\n`->D\n" },
	{ "replies listed in date order", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "D", "<d@x>", "<a@x>", NULL, NULL, 40, 0, NULL },
		{ "C", "<c@x>", "<a@x>", NULL, NULL, 30, 0, NULL },
		{ "A", "<a@x>", NULL, NULL, NULL, 10, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 20, 0, NULL },
	  }, "A\n|->B\n|->C\n`->D\n" },
	{ "threads by their newest message", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "T1", "<t1@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "T2", "<t2@x>", NULL, NULL, NULL, 5, 0, NULL },
		{ "R1", "<r1@x>", "<t1@x>", NULL, NULL, 10, 0, NULL },
		{ "T3", "<t3@x>", NULL, NULL, NULL, 7, 0, NULL },
	  }, "T1\n`->R1\nT3\nT2\n" },
	{ "reversed: oldest activity first", THREAD_GROUP | THREAD_REVERSE,
	  THREAD_KEY_DATE, {
		{ "T1", "<t1@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "T2", "<t2@x>", NULL, NULL, NULL, 5, 0, NULL },
		{ "R1", "<r1@x>", "<t1@x>", NULL, NULL, 10, 0, NULL },
	  }, "T2\nT1\n`->R1\n" },
	{ "In-Reply-To alone, with words around", THREAD_GROUP,
	  THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", NULL, "Your message of Monday <a@x> (A)",
		  NULL, 2, 0, NULL },
	  }, "A\n`->B\n" },
	{ "In-Reply-To names a parent References forgot", THREAD_GROUP,
	  THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 0, NULL },
		{ "C", "<c@x>", "<a@x>", "<b@x>", NULL, 3, 0, NULL },
	  }, "A\n`->B\n  `->C\n" },
	{ "ids without angle brackets", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "a@x", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "b@x", "a@x", NULL, NULL, 2, 0, NULL },
	  }, "A\n`->B\n" },
	{ "a missing parent keeps its children together", THREAD_GROUP,
	  THREAD_KEY_DATE, {
		{ "B", "<b@x>", "<gone@x>", NULL, NULL, 2, 0, NULL },
		{ "C", "<c@x>", "<gone@x>", NULL, NULL, 3, 0, NULL },
		{ "D", "<d@x>", "<gone@x> <c@x>", NULL, NULL, 4, 0, NULL },
	  }, "B\n`*>C\n  `->D\n" },
	{ "a missing middle generation", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "C", "<c@x>", "<a@x> <gone@x>", NULL, NULL, 3, 0, NULL },
		{ "D", "<d@x>", "<a@x> <gone@x>", NULL, NULL, 4, 0, NULL },
	  }, "A\n|->C\n`->D\n" },
	{ "a chain of missing ancestors", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "D", "<d@x>", "<g1@x> <g2@x> <g3@x>", NULL, NULL, 4, 0,
		  NULL },
	  }, "D\n" },
	{ "a two-message cycle", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "<a@x>", "<b@x>", NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 0, NULL },
	  }, "A\n`->B\n" },
	{ "a message referring to itself", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "<a@x>", "<a@x>", "<a@x>", NULL, 1, 0, NULL },
	  }, "A\n" },
	{ "References that contradict each other", THREAD_GROUP,
	  THREAD_KEY_DATE, {
		{ "A", "<a@x>", "<c@x> <b@x>", NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x> <c@x>", NULL, NULL, 2, 0, NULL },
		{ "C", "<c@x>", "<b@x> <a@x>", NULL, NULL, 3, 0, NULL },
	  }, "A\n`->C\n  `->B\n" },
	{ "a duplicate Message-ID", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "A2", "<a@x>", NULL, NULL, NULL, 2, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 3, 0, NULL },
	  }, "A\n`->B\nA2\n" },
	{ "a duplicate in a thread", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 0, NULL },
		{ "B2", "<b@x>", "<a@x>", NULL, NULL, 3, 0, NULL },
	  }, "A\n|->B\n`=>B2\n" },
	{ "no Message-ID at all", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", NULL, NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "", "", "", NULL, 2, 0, NULL },
		{ "C", "<>", "<> <>", NULL, NULL, 3, 0, NULL },
	  }, "C\nB\nA\n" },
	{ "a reply joins its subject", THREAD_GROUP | THREAD_SUBJECT,
	  THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, "Lunch", 1, 0, NULL },
		{ "B", "<b@x>", NULL, NULL, "Re: lunch", 2, 0, NULL },
		{ "C", "<c@x>", NULL, NULL, "Lunch", 3, 0, NULL },
		{ "D", "<d@x>", NULL, NULL, "Dinner", 4, 0, NULL },
	  }, "D\nC\nA\n`*>B\n" },
	{ "subjects not joined without the flag", THREAD_GROUP,
	  THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, "Lunch", 1, 0, NULL },
		{ "B", "<b@x>", NULL, NULL, "Re: lunch", 2, 0, NULL },
	  }, "B\nA\n" },
	{ "flat by date, newest first", 0, THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 3, 0, NULL },
		{ "C", "<c@x>", NULL, NULL, NULL, 2, 0, NULL },
	  }, "B\nC\nA\n" },
	{ "flat by date, reversed", THREAD_REVERSE, THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", NULL, NULL, NULL, 3, 0, NULL },
		{ "C", "<c@x>", NULL, NULL, NULL, 2, 0, NULL },
	  }, "A\nC\nB\n" },
	{ "equal dates keep the input order", THREAD_REVERSE,
	  THREAD_KEY_DATE, {
		{ "A", NULL, NULL, NULL, NULL, 5, 0, NULL },
		{ "B", NULL, NULL, NULL, NULL, 5, 0, NULL },
		{ "C", NULL, NULL, NULL, NULL, 5, 0, NULL },
	  }, "A\nB\nC\n" },
	{ "flat by sender, ignoring case", 0, THREAD_KEY_FROM, {
		{ "A", NULL, NULL, NULL, NULL, 1, 0, "carol" },
		{ "B", NULL, NULL, NULL, NULL, 2, 0, "Alice" },
		{ "C", NULL, NULL, NULL, NULL, 3, 0, "bob" },
		{ "D", NULL, NULL, NULL, NULL, 4, 0, NULL },
	  }, "D\nB\nC\nA\n" },
	{ "flat by sender, reversed", THREAD_REVERSE, THREAD_KEY_FROM, {
		{ "A", NULL, NULL, NULL, NULL, 1, 0, "carol" },
		{ "B", NULL, NULL, NULL, NULL, 2, 0, "Alice" },
		{ "C", NULL, NULL, NULL, NULL, 3, 0, "bob" },
	  }, "A\nC\nB\n" },
	{ "flat by subject, without Re:", 0, THREAD_KEY_SUBJECT, {
		{ "A", NULL, NULL, NULL, "Re: beta", 1, 0, NULL },
		{ "B", NULL, NULL, NULL, "alpha", 2, 0, NULL },
		{ "C", NULL, NULL, NULL, "Fwd: Re: Gamma", 3, 0, NULL },
		{ "D", NULL, NULL, NULL, "Beta", 4, 0, NULL },
	  }, "B\nA\nD\nC\n" },
	{ "flat by size, largest first", 0, THREAD_KEY_SIZE, {
		{ "A", NULL, NULL, NULL, NULL, 1, 100, NULL },
		{ "B", NULL, NULL, NULL, NULL, 2, 3000, NULL },
		{ "C", NULL, NULL, NULL, NULL, 3, 20, NULL },
	  }, "B\nA\nC\n" },
	{ "flat by size, reversed", THREAD_REVERSE, THREAD_KEY_SIZE, {
		{ "A", NULL, NULL, NULL, NULL, 1, 100, NULL },
		{ "B", NULL, NULL, NULL, NULL, 2, 3000, NULL },
		{ "C", NULL, NULL, NULL, NULL, 3, 20, NULL },
	  }, "C\nA\nB\n" },
	{ "threads by the subject of their first message", THREAD_GROUP,
	  THREAD_KEY_SUBJECT, {
		{ "A", "<a@x>", NULL, NULL, "zebra", 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, "Re: zebra", 2, 0, NULL },
		{ "C", "<c@x>", NULL, NULL, "apple", 3, 0, NULL },
	  }, "C\nA\n`->B\n" },
	{ "threads by sender", THREAD_GROUP, THREAD_KEY_FROM, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, "zed" },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 0, "amy" },
		{ "C", "<c@x>", NULL, NULL, NULL, 3, 0, "mo" },
	  }, "C\nA\n`->B\n" },
	{ "threads by size of their first message", THREAD_GROUP,
	  THREAD_KEY_SIZE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 10, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 99999, NULL },
		{ "C", "<c@x>", NULL, NULL, NULL, 3, 50, NULL },
	  }, "C\nA\n`->B\n" },
	{ "deeper lines", THREAD_GROUP, THREAD_KEY_DATE, {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 0, NULL },
		{ "C", "<c@x>", "<a@x> <b@x>", NULL, NULL, 3, 0, NULL },
		{ "D", "<d@x>", "<a@x> <b@x> <c@x>", NULL, NULL, 4, 0, NULL },
		{ "E", "<e@x>", "<a@x> <b@x>", NULL, NULL, 5, 0, NULL },
		{ "F", "<f@x>", "<a@x>", NULL, NULL, 6, 0, NULL },
	  }, "A\n|->B\n| |->C\n| | `->D\n| `->E\n`->F\n" },
};

/*
 * Save T (built from the N messages M, drawn as WANT), load it back and
 * check that it draws the same, with the same marks and sizes, collapses
 * the same, and that each message kept its id.
 */
static void
check_saved(const struct thread *t, const struct tmsg *m, size_t n,
    const char *want, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	struct tmsg perm[MAXMSG];
	struct thread *u;
	int64_t ids[MAXMSG], *got;
	size_t i, ng, r;
	char *drawn;

	memset(perm, 0, sizeof perm);
	for (i = 0; i < n; i++)
		ids[i] = 1000 + (int64_t)i;
	thread_save(t, ids, &sb);
	u = thread_load(sb.buf, sb.len, &got, &ng);
	ck_assert_msg(u != NULL, "%s: the save does not load", what);
	ck_assert_uint_eq(ng, n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(got[i] >= 1000 && got[i] < 1000 + (int64_t)n,
		    "%s: id %lld", what, (long long)got[i]);
		perm[i] = m[got[i] - 1000];
	}
	check_invariants(u, n, what);
	drawn = draw(u, perm);
	ck_assert_msg(strcmp(drawn, want) == 0, "%s: loaded, got\n%swant\n%s",
	    what, drawn, want);
	free(drawn);
	for (r = 0; r < n; r++) {
		ck_assert_uint_eq(thread_marks(u, r), thread_marks(t, r));
		ck_assert_uint_eq(thread_size(u, r), thread_size(t, r));
	}
	/* Collapsing works on it as on a build. */
	thread_collapse_all(u, 1);
	for (r = 0; r < thread_rows(u); r++)
		ck_assert_uint_eq(thread_depth(u, r), 0);
	thread_free(u);
	free(got);
	strbuf_release(&sb);
}

START_TEST(test_tree_rows)
{
	const struct tree_row *row = &tree_rows[_i];
	struct thread_msg msgs[MAXMSG];
	struct thread *t;
	size_t n = tmsg_count(row->msgs);
	char *got;

	memset(msgs, 0, sizeof msgs);
	tmsg_convert(row->msgs, n, msgs);
	t = thread_build(msgs, n, row->key, row->flags);
	check_invariants(t, n, row->name);
	got = draw(t, row->msgs);
	ck_assert_msg(strcmp(got, row->want) == 0,
	    "row %d (%s): got\n%swant\n%s", _i, row->name, got, row->want);
	check_saved(t, row->msgs, n, got, row->name);
	free(got);
	thread_free(t);
}
END_TEST

/* The saves thread_load() refuses, cut from a good one: none builds. */
START_TEST(test_load_refused)
{
	const struct tree_row *row = &tree_rows[0];
	struct thread_msg msgs[MAXMSG];
	struct strbuf sb = STRBUF_INIT;
	struct thread *t;
	int64_t ids[MAXMSG], *got;
	size_t n = tmsg_count(row->msgs), i, ng;
	uint32_t depth;
	char *bad;

	tmsg_convert(row->msgs, n, msgs);
	for (i = 0; i < n; i++)
		ids[i] = (int64_t)i;
	t = thread_build(msgs, n, row->key, row->flags);
	thread_save(t, ids, &sb);
	thread_free(t);
	ck_assert_uint_eq(sb.len, 8 + 13 * n);
	/* The good one loads. */
	t = thread_load(sb.buf, sb.len, &got, &ng);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(ng, n);
	thread_free(t);
	free(got);
	/* Short, long, truncated mid-record, nothing. */
	ck_assert_ptr_null(thread_load(sb.buf, 7, &got, &ng));
	ck_assert_ptr_null(thread_load(sb.buf, sb.len - 1, &got, &ng));
	ck_assert_ptr_null(thread_load(sb.buf, sb.len - 13, &got, &ng));
	ck_assert_ptr_null(thread_load(NULL, 0, &got, &ng));
	ck_assert_ptr_null(got);
	ck_assert_uint_eq(ng, 0);
	bad = xmalloc(sb.len);
	/* Another magic (another byte order reads so too). */
	memcpy(bad, sb.buf, sb.len);
	bad[0] ^= 0x55;
	ck_assert_ptr_null(thread_load(bad, sb.len, &got, &ng));
	/* The first message deeper than 0. */
	memcpy(bad, sb.buf, sb.len);
	depth = 1;
	memcpy(bad + 8 + 8, &depth, 4);
	ck_assert_ptr_null(thread_load(bad, sb.len, &got, &ng));
	/* A message two levels below the one before. */
	memcpy(bad, sb.buf, sb.len);
	depth = 2;
	memcpy(bad + 8 + 13 + 8, &depth, 4);
	ck_assert_ptr_null(thread_load(bad, sb.len, &got, &ng));
	/* A depth of 2^32 - 1. */
	depth = UINT32_MAX;
	memcpy(bad + 8 + 13 + 8, &depth, 4);
	ck_assert_ptr_null(thread_load(bad, sb.len, &got, &ng));
	/* A mark no build sets. */
	memcpy(bad, sb.buf, sb.len);
	bad[8 + 12] = (char)0x80;
	ck_assert_ptr_null(thread_load(bad, sb.len, &got, &ng));
	ck_assert_ptr_null(got);
	free(bad);
	strbuf_release(&sb);

	/* An empty folder saves and loads as one. */
	t = thread_build(msgs, 0, THREAD_KEY_DATE, THREAD_GROUP);
	thread_save(t, ids, &sb);
	thread_free(t);
	t = thread_load(sb.buf, sb.len, &got, &ng);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(ng, 0);
	ck_assert_uint_eq(thread_rows(t), 0);
	thread_free(t);
	free(got);
	strbuf_release(&sb);
}
END_TEST

/* The tree lines as drawn for a UTF-8 terminal, and the row marks. */
START_TEST(test_tree_utf8_marks)
{
	static const struct tmsg m[] = {
		{ "A", "<a@x>", NULL, NULL, "Plans", 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, "Re: Plans", 2, 0, NULL },
		{ "C", "<c@x>", "<a@x> <b@x>", NULL, "Other", 3, 0, NULL },
		{ "D", "<d@x>", "<a@x>", NULL, "Re: plans", 4, 0, NULL },
		{ "E", "<e@x>", "<gone@x>", NULL, "x", 5, 0, NULL },
		{ "F", "<f@x>", "<gone@x>", NULL, "y", 6, 0, NULL },
	};
	struct thread_msg msgs[6];
	struct thread *t;
	struct strbuf sb = STRBUF_INIT;
	size_t r;
	int cols;

	tmsg_convert(m, 6, msgs);
	t = thread_build(msgs, 6, THREAD_KEY_DATE, THREAD_GROUP);
	/* E and F (newest) first, then A's thread. */
	ck_assert_uint_eq(thread_msg(t, 0), 4);
	ck_assert_uint_eq(thread_msg(t, 1), 5);
	ck_assert_uint_eq(thread_marks(t, 1), THREAD_MARK_FAKE);
	cols = thread_tree(t, 1, &sb, 0);
	ck_assert_str_eq(sb.buf, "\u2514*>");
	ck_assert_int_eq(cols, 3);

	r = thread_row_of(t, 2);	/* C under B under A */
	strbuf_reset(&sb);
	cols = thread_tree(t, r, &sb, 0);
	ck_assert_str_eq(sb.buf, "\u2502 \u2514\u2500>");
	ck_assert_int_eq(cols, 5);
	ck_assert_uint_eq(thread_depth(t, r), 2);
	ck_assert_uint_eq(thread_marks(t, r), 0);
	ck_assert_uint_eq(thread_marks(t, thread_row_of(t, 1)),
	    THREAD_MARK_SAME_SUBJECT);
	ck_assert_uint_eq(thread_marks(t, thread_row_of(t, 3)),
	    THREAD_MARK_SAME_SUBJECT);
	ck_assert_uint_eq(thread_marks(t, thread_row_of(t, 0)), 0);
	strbuf_reset(&sb);
	ck_assert_int_eq(thread_tree(t, thread_row_of(t, 0), &sb, 0), 0);
	ck_assert_str_eq(sb.buf, "");
	/* Out of range. */
	ck_assert_uint_eq(thread_msg(t, 6), THREAD_NONE);
	ck_assert_uint_eq(thread_row_of(t, 6), THREAD_NONE);
	ck_assert_int_eq(thread_tree(t, 6, &sb, 0), 0);
	strbuf_release(&sb);
	thread_free(t);
}
END_TEST

START_TEST(test_collapse)
{
	static const struct tmsg m[] = {
		{ "A", "<a@x>", NULL, NULL, NULL, 1, 0, NULL },
		{ "B", "<b@x>", "<a@x>", NULL, NULL, 2, 0, NULL },
		{ "C", "<c@x>", "<a@x> <b@x>", NULL, NULL, 3, 0, NULL },
		{ "S", "<s@x>", NULL, NULL, NULL, 4, 0, NULL },
		{ "T", "<t@x>", NULL, NULL, NULL, 0, 0, NULL },
		{ "U", "<u@x>", "<t@x>", NULL, NULL, 0, 0, NULL },
	};
	struct thread_msg msgs[6];
	struct thread *t;
	size_t r, keep[2];
	char *got;

	tmsg_convert(m, 6, msgs);
	t = thread_build(msgs, 6, THREAD_KEY_DATE, THREAD_GROUP);
	got = draw(t, m);
	ck_assert_str_eq(got, "S\nA\n`->B\n  `->C\nT\n`->U\n");
	free(got);
	ck_assert_uint_eq(thread_rows(t), 6);
	ck_assert_uint_eq(thread_size(t, 1), 3);
	ck_assert_uint_eq(thread_size(t, 0), 1);

	/* Collapse A's thread from its last message: the root is returned. */
	r = thread_toggle(t, thread_row_of(t, 2));
	ck_assert_uint_eq(thread_msg(t, r), 0);
	ck_assert_uint_eq(thread_rows(t), 4);
	ck_assert(thread_collapsed(t, r));
	ck_assert_uint_eq(thread_hidden(t, r), 2);
	ck_assert_uint_eq(thread_row_of(t, 2), r);	/* folded into A */
	ck_assert_uint_eq(thread_row_of(t, 1), r);
	got = draw(t, m);
	ck_assert_str_eq(got, "S\nA\nT\n`->U\n");
	free(got);

	/* A single message does not collapse. */
	r = thread_toggle(t, 0);
	ck_assert_uint_eq(r, 0);
	ck_assert(!thread_collapsed(t, 0));
	ck_assert_uint_eq(thread_hidden(t, 0), 0);

	/* Expand again. */
	r = thread_toggle(t, 1);
	ck_assert_uint_eq(thread_rows(t), 6);
	ck_assert_uint_eq(thread_hidden(t, r), 0);

	thread_collapse_all(t, 1);
	got = draw(t, m);
	ck_assert_str_eq(got, "S\nA\nT\n");
	free(got);
	thread_collapse_all(t, 0);
	ck_assert_uint_eq(thread_rows(t), 6);

	keep[0] = 5;	/* U: collapses T's thread */
	keep[1] = 99;	/* ignored */
	thread_set_collapsed(t, keep, 2, 1);
	got = draw(t, m);
	ck_assert_str_eq(got, "S\nA\n`->B\n  `->C\nT\n");
	free(got);
	thread_free(t);
}
END_TEST

struct base_row {
	const char *in;
	const char *want;
	int reply;
};

static const struct base_row base_rows[] = {
	{ "Hello", "Hello", 0 },
	{ "Re: Hello", "Hello", 1 },
	{ "RE:Hello", "Hello", 1 },
	{ "  re:  Re: Fwd: Hello", "Hello", 1 },
	{ "Re[2]: Hello", "Hello", 1 },
	{ "Re^3: Hello", "Hello", 1 },
	{ "Re(4): Hello", "Hello", 1 },
	{ "AW: Antw: SV: Hello", "Hello", 1 },
	{ "Fw: Hello", "Hello", 1 },
	{ "Review: Hello", "Review: Hello", 0 },
	{ "Re[: Hello", "Re[: Hello", 0 },
	{ "Re[2 Hello", "Re[2 Hello", 0 },
	{ "Re", "Re", 0 },
	{ "", "", 0 },
	{ "Re: ", "", 1 },
};

START_TEST(test_subject_base)
{
	const struct base_row *row = &base_rows[_i];
	int reply = -1;
	const char *got = thread_subject_base(row->in, &reply);

	ck_assert_msg(strcmp(got, row->want) == 0 && reply == row->reply,
	    "row %d: \"%s\" gave \"%s\" (%d), want \"%s\" (%d)", _i, row->in,
	    got, reply, row->want, row->reply);
	ck_assert_str_eq(thread_subject_base(NULL, NULL), "");
}
END_TEST

START_TEST(test_empty)
{
	struct thread *t = thread_build(NULL, 0, THREAD_KEY_DATE,
	    THREAD_GROUP | THREAD_SUBJECT);

	ck_assert_uint_eq(thread_rows(t), 0);
	ck_assert_uint_eq(thread_msg(t, 0), THREAD_NONE);
	thread_collapse_all(t, 1);
	ck_assert_uint_eq(thread_toggle(t, 0), 0);
	thread_free(t);
	thread_free(NULL);
}
END_TEST

/* A chain deeper than the tree lines show: they start with '.'. */
START_TEST(test_deep_chain)
{
	enum { N = 2000 };
	struct thread_msg *msgs = xcalloc(N, sizeof *msgs);
	char **ids = xcalloc(N, sizeof *ids);
	struct strbuf sb = STRBUF_INIT;
	struct thread *t;
	size_t i;
	int cols;

	for (i = 0; i < N; i++) {
		ids[i] = xasprintf("<deep-%zu@x>", i);
		msgs[i].message_id = ids[i];
		msgs[i].in_reply_to = i > 0 ? ids[i - 1] : NULL;
		msgs[i].date = (int64_t)i;
	}
	t = thread_build(msgs, N, THREAD_KEY_DATE, THREAD_GROUP);
	check_invariants(t, N, "deep chain");
	ck_assert_uint_eq(thread_depth(t, N - 1), N - 1);
	cols = thread_tree(t, N - 1, &sb, 1);
	ck_assert_int_eq(cols, 1 + 2 * THREAD_TREE_LEVELS + 3);
	ck_assert_int_eq(sb.buf[0], '.');
	ck_assert_int_eq((int)sb.len, cols);
	strbuf_release(&sb);
	thread_free(t);
	for (i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
	free(msgs);
}
END_TEST

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A small deterministic generator (xorshift). */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * 100,000 messages: threads of random shape with References of up to 10
 * ids, some parents missing, some Message-IDs duplicated, some absent,
 * some References pointing forward (cycles), and "Re:" subjects.
 */
START_TEST(test_100k)
{
	enum { N = 100000 };
	struct thread_msg *msgs = xcalloc(N, sizeof *msgs);
	char **ids = xcalloc(N, sizeof *ids), **refs = xcalloc(N, sizeof *refs);
	char **subj = xcalloc(N, sizeof *subj);
	int32_t *parent = xcalloc(N, sizeof *parent);
	struct strbuf sb = STRBUF_INIT;
	struct thread *t;
	uint32_t seed = 12345;
	size_t i, roots = 0, r;
	int32_t p, chain[10];
	int k, depth, flags[3] = { THREAD_GROUP | THREAD_SUBJECT,
	    THREAD_GROUP, 0 };
	double t0, t1;

	for (i = 0; i < N; i++) {
		uint32_t x = rnd(&seed);

		if (x % 1000 == 1 && i > 0)
			ids[i] = xstrdup(ids[i - 1]);	/* duplicate */
		else if (x % 1000 == 2)
			ids[i] = NULL;			/* none */
		else
			ids[i] = xasprintf("<gen-%zu.%u@example.org>", i,
			    x % 97);
		/* A third start threads; the rest reply to a recent one. */
		if (i == 0 || x % 3 == 0)
			parent[i] = -1;
		else
			parent[i] = (int32_t)(i - 1 - (rnd(&seed) % (i < 50 ?
			    i : 50)));
		depth = 0;
		for (p = parent[i]; p >= 0 && depth < 10; p = parent[p])
			chain[depth++] = p;
		strbuf_reset(&sb);
		for (k = depth - 1; k >= 0; k--) {
			if (ids[chain[k]] == NULL)
				continue;
			/* Some ancestors are not in this folder. */
			if (rnd(&seed) % 20 == 0)
				strbuf_addf(&sb, "<missing-%d@x> ", chain[k]);
			else
				strbuf_addf(&sb, "%s ", ids[chain[k]]);
		}
		if (x % 5000 == 7 && i + 1 < N)
			strbuf_addf(&sb, "<gen-%zu.0@example.org>", i + 1);
		refs[i] = xstrdup(sb.buf);
		subj[i] = xasprintf("%sTopic %u", parent[i] >= 0 ? "Re: " :
		    "", x % 5000);
		msgs[i].message_id = ids[i];
		msgs[i].references = refs[i];
		msgs[i].subject = subj[i];
		msgs[i].from = "Someone";
		msgs[i].date = 1700000000 + (int64_t)i * 60;
		msgs[i].size = 1000 + x % 50000;
	}
	strbuf_release(&sb);

	for (k = 0; k < 3; k++) {
		t0 = now_sec();
		t = thread_build(msgs, N, THREAD_KEY_DATE, flags[k]);
		t1 = now_sec();
		printf("check_thread: thread_build of %d messages (%s): "
		    "%.1f ms\n", N, flags[k] == 0 ? "flat, by date" :
		    flags[k] & THREAD_SUBJECT ? "threads and subjects" :
		    "threads", (t1 - t0) * 1000);
		check_invariants(t, N, "100k");
		roots = 0;
		for (r = 0; r < thread_rows(t); r++)
			roots += thread_depth(t, r) == 0;
		if (k == 2)
			ck_assert_uint_eq(roots, N);
		else
			ck_assert_msg(roots < N / 2, "%zu threads", roots);
		t0 = now_sec();
		thread_collapse_all(t, 1);
		t1 = now_sec();
		ck_assert_uint_eq(thread_rows(t), roots);
		printf("check_thread: collapsing all %zu threads: %.1f ms\n",
		    roots, (t1 - t0) * 1000);
		thread_free(t);
	}
	/* A thread's first message heads it once all are sorted by size. */
	t = thread_build(msgs, N, THREAD_KEY_SIZE, THREAD_GROUP);
	check_invariants(t, N, "100k by size");
	thread_free(t);

	for (i = 0; i < N; i++) {
		free(ids[i]);
		free(refs[i]);
		free(subj[i]);
	}
	free(ids);
	free(refs);
	free(subj);
	free(parent);
	free(msgs);
}
END_TEST

static Suite *
thread_suite(void)
{
	Suite *s = suite_create("thread");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_tree_rows, 0,
	    sizeof tree_rows / sizeof tree_rows[0]);
	tcase_add_test(tc, test_tree_utf8_marks);
	tcase_add_test(tc, test_load_refused);
	tcase_add_test(tc, test_collapse);
	tcase_add_loop_test(tc, test_subject_base, 0,
	    sizeof base_rows / sizeof base_rows[0]);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_deep_chain);
	tcase_add_test(tc, test_100k);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(thread_suite());
}
