/*
 * Search (search.h): a query tree compiled to SQL over the message table
 * and the fts table, with every value bound as a parameter. Text terms
 * are case-insensitive substrings, as IMAP SEARCH compares them: terms of
 * three characters or more go through the fts5 trigram index (which folds
 * case); shorter ones, and the exact check of an address field, through
 * tern_contains(), search_contains() made an SQL function. Dates are the
 * calendar days of the Date: header in local time.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search.h"
#include "store-private.h"
#include "strbuf.h"
#include "xmalloc.h"

/* A value bound to the next parameter. */
struct store_sq_bind {
	char *text;		/* NULL: the number */
	int64_t num;
};

struct store_sq {
	struct strbuf sql;
	struct store_sq_bind *binds;
	size_t nbinds;
};

/* The From: header as tern shows it: "Name <addr>", or the address. */
#define STORE_SQ_FROM \
	"(CASE WHEN coalesce(m.from_name, '') = '' THEN" \
	" coalesce(m.from_addr, '') ELSE m.from_name || ' <' ||" \
	" coalesce(m.from_addr, '') || '>' END)"

static void
store_sq_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *hay, *needle;

	(void)argc;
	hay = sqlite3_value_text(argv[0]);
	needle = sqlite3_value_text(argv[1]);
	if (hay == NULL || needle == NULL) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	sqlite3_result_int(ctx, search_contains((const char *)hay,
	    (size_t)sqlite3_value_bytes(argv[0]), (const char *)needle));
}

/* Bind TEXT (copied), or NUM when TEXT is NULL: the parameter's number. */
static size_t
store_sq_bind(struct store_sq *q, const char *text, int64_t num)
{
	q->binds = xreallocarray(q->binds, q->nbinds + 1, sizeof *q->binds);
	q->binds[q->nbinds].text = xstrdup(text);
	q->binds[q->nbinds].num = num;
	q->nbinds++;
	return q->nbinds + 1;	/* ?1 is the folder */
}

/* Append "?N" bound to TEXT or NUM. */
static void
store_sq_param(struct store_sq *q, const char *text, int64_t num)
{
	strbuf_addf(&q->sql, "?%zu", store_sq_bind(q, text, num));
}

/* The number of characters of UTF-8 S. */
static size_t
store_sq_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Append "m.id IN (rows of fts matching the phrase NEEDLE in COLUMN)". */
static void
store_sq_fts(struct store_sq *q, const char *column, const char *needle)
{
	struct strbuf match = STRBUF_INIT;
	const char *p;

	/* An fts5 string: double quotes, with "" for a quote inside. */
	if (column != NULL)
		strbuf_addf(&match, "%s : ", column);
	strbuf_addch(&match, '"');
	for (p = needle; *p != '\0'; p++) {
		if (*p == '"')
			strbuf_addch(&match, '"');
		strbuf_addch(&match, *p);
	}
	strbuf_addch(&match, '"');
	strbuf_addstr(&q->sql, "m.id IN (SELECT rowid FROM fts WHERE fts MATCH ");
	store_sq_param(q, match.buf, 0);
	strbuf_addch(&q->sql, ')');
	strbuf_release(&match);
}

/* Append "tern_contains(EXPR, ?N)" for the parameter N. */
static void
store_sq_contains_expr(struct store_sq *q, const char *expr, size_t param)
{
	strbuf_addf(&q->sql, "tern_contains(%s, ?%zu)", expr, param);
}

/* A text term: which fields it looks at, with FTS where it can. */
static void
store_sq_text(struct store_sq *q, const struct search_node *n)
{
	char *needle = search_fold(n->str, strlen(n->str));
	int indexed = store_sq_chars(needle) >= 3;
	const char *field = NULL;
	size_t p;

	switch (n->kind) {
	case SEARCH_FROM:
		field = STORE_SQ_FROM;
		break;
	case SEARCH_TO:
		field = "m.to_addrs";
		break;
	case SEARCH_CC:
		field = "m.cc_addrs";
		break;
	case SEARCH_SUBJECT:
		field = "m.subject";
		break;
	default:
		break;
	}
	/*
	 * Header fields are matched on their columns; only body text is in
	 * the fts index (trigrams: needles of three characters or more).
	 */
	strbuf_addch(&q->sql, '(');
	p = store_sq_bind(q, needle, 0);
	if (field != NULL) {
		store_sq_contains_expr(q, field, p);
		goto out;
	}
	if (n->kind != SEARCH_BODY) {
		/* text: the header fields, then the body. */
		store_sq_contains_expr(q, "m.subject", p);
		strbuf_addstr(&q->sql, " OR ");
		store_sq_contains_expr(q, STORE_SQ_FROM, p);
		strbuf_addstr(&q->sql, " OR ");
		store_sq_contains_expr(q, "m.to_addrs", p);
		strbuf_addstr(&q->sql, " OR ");
		store_sq_contains_expr(q, "m.cc_addrs", p);
		strbuf_addstr(&q->sql, " OR ");
	}
	if (indexed)
		store_sq_fts(q, "body", needle);
	else
		strbuf_addf(&q->sql, "m.id IN (SELECT rowid FROM fts WHERE"
		    " tern_contains(body, ?%zu))", p);
out:
	strbuf_addch(&q->sql, ')');
	free(needle);
}

/* Local midnight at the start of Y-M-D plus DAYS days. */
static int64_t
store_sq_midnight(int y, int m, int d, int days)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void
store_sq_node(struct store_sq *q, const struct search_node *n)
{
	static const unsigned int flags[] = {
		[SEARCH_SEEN] = MSG_SEEN,
		[SEARCH_ANSWERED] = MSG_ANSWERED,
		[SEARCH_FLAGGED] = MSG_FLAGGED,
		[SEARCH_DELETED] = MSG_DELETED,
	};
	size_t i;

	switch (n->kind) {
	case SEARCH_ALL:
		strbuf_addstr(&q->sql, "1");
		break;
	case SEARCH_AND:
	case SEARCH_OR:
		strbuf_addch(&q->sql, '(');
		for (i = 0; i < n->nkids; i++) {
			if (i > 0)
				strbuf_addstr(&q->sql,
				    n->kind == SEARCH_AND ? " AND " : " OR ");
			store_sq_node(q, n->kids[i]);
		}
		strbuf_addch(&q->sql, ')');
		break;
	case SEARCH_NOT:
		strbuf_addstr(&q->sql, "(NOT ");
		store_sq_node(q, n->kids[0]);
		strbuf_addch(&q->sql, ')');
		break;
	case SEARCH_FROM:
	case SEARCH_TO:
	case SEARCH_CC:
	case SEARCH_SUBJECT:
	case SEARCH_BODY:
	case SEARCH_TEXT:
		store_sq_text(q, n);
		break;
	case SEARCH_BEFORE:
		strbuf_addstr(&q->sql, "m.date < ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 0));
		break;
	case SEARCH_SINCE:
		strbuf_addstr(&q->sql, "m.date >= ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 0));
		break;
	case SEARCH_ON:
		strbuf_addstr(&q->sql, "(m.date >= ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 0));
		strbuf_addstr(&q->sql, " AND m.date < ");
		store_sq_param(q, NULL,
		    store_sq_midnight(n->year, n->month, n->day, 1));
		strbuf_addch(&q->sql, ')');
		break;
	case SEARCH_LARGER:
		strbuf_addstr(&q->sql, "m.size > ");
		store_sq_param(q, NULL, n->size);
		break;
	case SEARCH_SMALLER:
		strbuf_addstr(&q->sql, "m.size < ");
		store_sq_param(q, NULL, n->size);
		break;
	case SEARCH_FLAG:
		strbuf_addstr(&q->sql, "(m.flags & ");
		store_sq_param(q, NULL, flags[n->flag]);
		strbuf_addstr(&q->sql, n->set ? ") != 0" : ") = 0");
		break;
	case SEARCH_ATTACHMENT:
		strbuf_addstr(&q->sql, "m.has_attachment != 0");
		break;
	}
}

static int
store_cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Put the N sorted row ids of MATCH into FOLDER_ID's display order (the
 * order of store_msg_ids()). Takes MATCH.
 */
static int
store_search_order(struct store *st, int64_t folder_id, int sort,
    int reverse, int64_t *match, size_t n, int64_t **ids_r, size_t *n_r)
{
	int64_t *all = NULL;
	size_t nall = 0, i, k = 0;

	*ids_r = NULL;
	*n_r = 0;
	if (n == 0) {
		free(match);
		return 0;
	}
	if (store_msg_ids(st, folder_id, sort, reverse, &all, &nall) != 0) {
		free(match);
		return -1;
	}
	for (i = 0; i < nall; i++)
		if (bsearch(&all[i], match, n, sizeof *match,
		    store_cmp_id) != NULL)
			all[k++] = all[i];
	free(match);
	*ids_r = all;
	*n_r = k;
	return 0;
}

int
store_search(struct store *st, int64_t folder_id, const struct search_node *q,
    int sort, int reverse, int64_t **ids_r, size_t *n_r)
{
	struct store_sq sq;
	sqlite3_stmt *stmt = NULL;
	int64_t *match = NULL;
	size_t n = 0, i;
	int r, rc = -1;

	*ids_r = NULL;
	*n_r = 0;
	if (search_is_all(q))
		return store_msg_ids(st, folder_id, sort, reverse, ids_r, n_r);
	memset(&sq, 0, sizeof sq);
	strbuf_init(&sq.sql, 256);
	/* Once per handle: registering again would expire the cache. */
	if (!st->search_fn) {
		if (sqlite3_create_function_v2(st->db, "tern_contains", 2,
		    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
		    store_sq_contains, NULL, NULL, NULL) != SQLITE_OK)
			goto out;
		st->search_fn = 1;
	}
	strbuf_addstr(&sq.sql, "SELECT m.id FROM message m"
	    " WHERE m.folder_id = ?1 AND ");
	store_sq_node(&sq, q);
	/* Each query is new SQL: prepared apart from the statement cache. */
	if (sqlite3_prepare_v2(st->db, sq.sql.buf, -1, &stmt, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_int64(stmt, 1, folder_id);
	for (i = 0; i < sq.nbinds; i++) {
		if (sq.binds[i].text != NULL)
			sqlite3_bind_text(stmt, (int)i + 2, sq.binds[i].text,
			    -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(stmt, (int)i + 2, sq.binds[i].num);
	}
	r = store_step_ids(st, stmt, &match, &n);
	stmt = NULL;		/* given back */
	if (r != 0)
		goto out;
	if (n > 1)
		qsort(match, n, sizeof *match, store_cmp_id);
	rc = store_search_order(st, folder_id, sort, reverse, match, n, ids_r,
	    n_r);
	match = NULL;
out:
	store_stmt_done(st, stmt);
	free(match);
	for (i = 0; i < sq.nbinds; i++)
		free(sq.binds[i].text);
	free(sq.binds);
	strbuf_release(&sq.sql);
	return rc;
}

int
store_search_coverage(struct store *st, int64_t folder_id, long *bodies_r,
    long *total_r)
{
	sqlite3_stmt *stmt;
	int r;

	*bodies_r = *total_r = 0;
	stmt = store_prepare(st, "SELECT count(*), coalesce(sum(has_body), 0)"
	    " FROM message WHERE folder_id = ?1 ORDER BY date, uid");
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, folder_id);
	r = sqlite3_step(stmt);
	if (r == SQLITE_ROW) {
		*total_r = (long)sqlite3_column_int64(stmt, 0);
		*bodies_r = (long)sqlite3_column_int64(stmt, 1);
	}
	store_stmt_done(st, stmt);
	return r == SQLITE_ROW ? 0 : -1;
}

static int
store_cmp_uid32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
store_search_uids(struct store *st, int64_t folder_id, const uint32_t *uids,
    size_t n, int sort, int reverse, int64_t **ids_r, size_t *n_r)
{
	sqlite3_stmt *stmt;
	uint32_t *sorted, uid;
	int64_t *match = NULL;
	size_t nmatch = 0, alloc = 0;
	int r;

	*ids_r = NULL;
	*n_r = 0;
	if (n == 0)
		return 0;
	sorted = xreallocarray(NULL, n, sizeof *sorted);
	memcpy(sorted, uids, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, store_cmp_uid32);
	stmt = store_prepare(st, "SELECT id, uid FROM message"
	    " WHERE folder_id = ?1 ORDER BY id");
	if (stmt == NULL) {
		free(sorted);
		return -1;
	}
	sqlite3_bind_int64(stmt, 1, folder_id);
	while ((r = sqlite3_step(stmt)) == SQLITE_ROW) {
		uid = (uint32_t)sqlite3_column_int64(stmt, 1);
		if (bsearch(&uid, sorted, n, sizeof *sorted,
		    store_cmp_uid32) == NULL)
			continue;
		if (nmatch == alloc) {
			alloc = alloc == 0 ? 256 : alloc * 2;
			match = xreallocarray(match, alloc, sizeof *match);
		}
		match[nmatch++] = sqlite3_column_int64(stmt, 0);
	}
	store_stmt_done(st, stmt);
	free(sorted);
	if (r != SQLITE_DONE) {
		free(match);
		return -1;
	}
	/* Ascending by id already (ORDER BY id). */
	return store_search_order(st, folder_id, sort, reverse, match, nmatch,
	    ids_r, n_r);
}
