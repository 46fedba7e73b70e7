/*
 * Unit tests for src/format.c: one row per conversion, width, precision
 * and date rule (rendered with TZ=UTC and a fixed "now"), hostile text in
 * every field, where the tree lines land, one row per format error, and
 * the size figure at each step of its scale.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "store.h"
#include "strbuf.h"
#include "testutil.h"
#include "text.h"

/* 2024-06-15 12:00:00 UTC. */
#define NOW ((time_t)1718452800)
#define TODAY_0905 ((int64_t)1718442300)	/* 2024-06-15 09:05 */
#define MAR_04 ((int64_t)1709553600)		/* 2024-03-04 12:00 */
#define OLD ((int64_t)1677931200)		/* 2023-03-04 12:00 */

#define TREE "\u2502 \u2514\u2500>"		/* 5 columns, 11 bytes */

struct fmt_row {
	const char *fmt;
	struct format_msg m;
	int cols;
	const char *want;
	int tree_col;		/* -1: no tree shown */
	int tree_cols;
};

/* Every field, in the order of struct format_msg. */
#define FULL(fl, att, dt, sz, fr, fa, to_, sj, tr, same, ts, hid, num, tg, \
    gn) \
	{ .flags = (fl), .has_attachment = (att), .date = (dt), .size = (sz), \
	  .from = (fr), .from_addr = (fa), .to = (to_), .subject = (sj), \
	  .tree = (tr), .same_subject = (same), .thread_size = (ts), \
	  .hidden = (hid), .number = (num), .tagged = (tg), .gone = (gn) }
#define MSG(flags, date, size, from, subject) \
	FULL((flags), 0, (date), (size), (from), "a@example.org", \
	    "me@example.org", (subject), NULL, 0, 1, 0, 7, 0, 0)

static const struct fmt_row fmt_rows[] = {
	/* Flags. */
	{ "%Z|", MSG(0, 0, 0, NULL, NULL), 80, " N  |", -1, 0 },
	{ "%Z|", MSG(MSG_SEEN, 0, 0, NULL, NULL), 80, "    |", -1, 0 },
	{ "%Z|", MSG(MSG_SEEN | MSG_ANSWERED, 0, 0, NULL, NULL), 80,
	  " r  |", -1, 0 },
	{ "%Z|", MSG(MSG_DELETED | MSG_FLAGGED, 0, 0, NULL, NULL), 80,
	  " DF |", -1, 0 },
	{ "%Z|", FULL(MSG_FLAGGED, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, 0, 1,
	  0, 1, 1, 0), 80, "*NF |", -1, 0 },
	{ "%s", FULL(MSG_SEEN, 0, 0, 0, NULL, NULL, NULL, "Old", NULL, 0, 1, 0,
	  1, 0, 1), 80, "[gone] Old", -1, 0 },
	{ "%Z|", FULL(MSG_SEEN | MSG_FLAGGED, 1, 0, 0, NULL, NULL, NULL, NULL,
	  NULL, 0, 1, 0, 1, 0, 0), 80, "  Fa|", -1, 0 },
	/* Dates. */
	{ "%D|", MSG(0, TODAY_0905, 0, NULL, NULL), 80, "09:05|", -1, 0 },
	{ "%D|", MSG(0, MAR_04, 0, NULL, NULL), 80, "Mar 04|", -1, 0 },
	{ "%D|", MSG(0, OLD, 0, NULL, NULL), 80, "2023-03-04|", -1, 0 },
	{ "%D|", MSG(0, 0, 0, NULL, NULL), 80, "|", -1, 0 },
	{ "%-10D|", MSG(0, MAR_04, 0, NULL, NULL), 80, "Mar 04    |", -1,
	  0 },
	{ "%{%Y/%m/%d %H}|", MSG(0, OLD, 0, NULL, NULL), 80,
	  "2023/03/04 12|", -1, 0 },
	{ "%{}|", MSG(0, OLD, 0, NULL, NULL), 80, "|", -1, 0 },
	/* Sizes, widths. */
	{ "%c", MSG(0, 0, 512, NULL, NULL), 80, "512", -1, 0 },
	{ "%c", MSG(0, 0, 4300, NULL, NULL), 80, "4.2K", -1, 0 },
	{ "%c", MSG(0, 0, 31000, NULL, NULL), 80, "30K", -1, 0 },
	{ "%c", MSG(0, 0, 1363149, NULL, NULL), 80, "1.3M", -1, 0 },
	{ "%c", MSG(0, 0, 26214400, NULL, NULL), 80, "25M", -1, 0 },
	/* fuzz-format: the rounding overflowed int64 (UBSan). */
	{ "%c", MSG(0, 0, INT64_MAX, NULL, NULL), 80, "8796093022208M", -1,
	  0 },
	{ "%c", MSG(0, 0, -5, NULL, NULL), 80, "0", -1, 0 },
	{ "[%6c]", MSG(0, 0, 512, NULL, NULL), 80, "[   512]", -1, 0 },
	{ "[%-6c]", MSG(0, 0, 512, NULL, NULL), 80, "[512   ]", -1, 0 },
	/* Senders, precision in columns, wide characters never split. */
	{ "%F", MSG(0, 0, 0, "Alice Liddell", NULL), 80, "Alice Liddell",
	  -1, 0 },
	{ "%F", MSG(0, 0, 0, NULL, NULL), 80, "a@example.org", -1, 0 },
	{ "%F", MSG(0, 0, 0, "", NULL), 80, "a@example.org", -1, 0 },
	{ "[%-8.5F]", MSG(0, 0, 0, "Alice Liddell", NULL), 80, "[Alice   ]",
	  -1, 0 },
	{ "[%.5F]", MSG(0, 0, 0, "\u65e5\u672c\u8a9e\u30c6\u30ad", NULL), 80,
	  "[\u65e5\u672c]", -1, 0 },
	{ "[%6.5F]", MSG(0, 0, 0, "\u65e5\u672c\u8a9e", NULL), 80,
	  "[  \u65e5\u672c]", -1, 0 },
	{ "%a %t", MSG(0, 0, 0, "Alice", NULL), 80,
	  "a@example.org me@example.org", -1, 0 },
	/* Subjects, counts, literals. */
	{ "%s", MSG(0, 0, 0, NULL, "Hello"), 80, "Hello", -1, 0 },
	{ "%s", MSG(0, 0, 0, NULL, NULL), 80, "", -1, 0 },
	{ "%N/%C %%x", MSG(0, 0, 0, NULL, "x"), 80, "1/7 %x", -1, 0 },
	{ "%M%s", FULL(0, 0, 0, 0, NULL, NULL, NULL, "Topic", NULL, 0, 4, 3, 1,
	  0, 0), 80, "(+3) Topic", -1, 0 },
	{ "%M%s", MSG(0, 0, 0, NULL, "Topic"), 80, "Topic", -1, 0 },
	/* Tree lines: where they land, and a repeated subject left out. */
	{ "%Z %s", FULL(MSG_SEEN, 0, 0, 0, NULL, NULL, NULL, "Re: x", TREE, 0,
	  3, 0, 1, 0, 0), 80, "     " TREE "Re: x", 5, 5 },
	{ "%Z %s|", FULL(MSG_SEEN, 0, 0, 0, NULL, NULL, NULL, "Re: x", TREE, 1,
	  3, 0, 1, 0, 0), 80, "     " TREE "|", 5, 5 },
	{ "%Z %s", FULL(MSG_SEEN, 0, 0, 0, NULL, NULL, NULL, "Re: x", TREE, 0,
	  3, 0, 1, 0, 0), 8, "     \u2502 \u2514", 5, 3 },
	{ "%Z %s", FULL(MSG_SEEN, 0, 0, 0, NULL, NULL, NULL, "Re: x", TREE, 0,
	  3, 0, 1, 0, 0), 5, "     ", -1, 0 },
	{ "%12.8s|", FULL(MSG_SEEN, 0, 0, 0, NULL, NULL, NULL, "Re: x", TREE, 0,
	  3, 0, 1, 0, 0), 80, "    " TREE "Re:|", 4, 5 },
	/* The line is cut at COLS, between characters. */
	{ "%s", MSG(0, 0, 0, NULL, "A rather long subject"), 10,
	  "A rather l", -1, 0 },
	{ "%s", MSG(0, 0, 0, NULL, "ab\u4e2d\u6587"), 5, "ab\u4e2d", -1,
	  0 },
	{ "%s", MSG(0, 0, 0, NULL, "abc"), 0, "", -1, 0 },
	/* Fill to the right edge. */
	{ "%s%> %c", MSG(0, 0, 4300, NULL, "Hello"), 16,
	  "Hello       4.2K", -1, 0 },
	{ "%s%>.%c", MSG(0, 0, 4300, NULL, "A long subject here"), 12,
	  "A long s4.2K", -1, 0 },
	{ "%s%>-", MSG(0, 0, 0, NULL, "ab"), 5, "ab---", -1, 0 },
	{ "%Z %s%> %c", FULL(MSG_SEEN, 0, 0, 512, NULL, NULL, NULL, "x", TREE,
	  0, 3, 0, 1, 0, 0), 15, "     " TREE "x 512", 5, 5 },
	/* Hostile text in every field is made inert. */
	{ "%s", MSG(0, 0, 0, NULL, "a\033[2Jb"), 80, "a^[[2Jb", -1, 0 },
	{ "%s", MSG(0, 0, 0, NULL, "t\033]0;pwned\007x"), 80,
	  "t^[]0;pwned^Gx", -1, 0 },
	{ "%s", MSG(0, 0, 0, NULL, "a\033P1;2|x\033\\b"), 80,
	  "a^[P1;2|x^[\\b", -1, 0 },
	{ "%s", MSG(0, 0, 0, NULL, "c1\xc2\x9b" "2J raw\x9b" "2J"), 80,
	  "c1<U+009B>2J raw\ufffd2J", -1, 0 },
	{ "%F", MSG(0, 0, 0, "evil\u202egnp.exe", NULL), 80,
	  "evil<U+202E>gnp.exe", -1, 0 },
	{ "%F", MSG(0, 0, 0, "zero\u200bwidth\u2066x", NULL), 80,
	  "zero<U+200B>width<U+2066>x", -1, 0 },
	{ "%s", MSG(0, 0, 0, NULL, "line\nbreak\ttab\r"), 80,
	  "line break tab ", -1, 0 },
	{ "%a", FULL(0, 0, 0, 0, NULL, "x\033[31m@y", NULL, NULL, NULL, 0, 1, 0,
	  1, 0, 0), 80, "x^[[31m@y", -1, 0 },
	/* A literal with control characters, and a bad conversion. */
	{ "a\033b %q", MSG(0, 0, 0, NULL, NULL), 80, "a^[b %q", -1, 0 },
};

START_TEST(test_fmt_rows)
{
	const struct fmt_row *row = &fmt_rows[_i];
	struct strbuf sb = STRBUF_INIT;
	struct format_span tree;
	char why[128];
	int used;

	strbuf_addstr(&sb, "prefix");
	used = format_index(&sb, row->fmt, &row->m, NOW, row->cols, &tree);
	ck_assert_msg(strcmp(sb.buf + 6, row->want) == 0,
	    "row %d (\"%s\"): \"%s\", want \"%s\"", _i, row->fmt, sb.buf + 6,
	    row->want);
	ck_assert_msg(used == text_width(sb.buf + 6) && used <= row->cols,
	    "row %d: %d columns used", _i, used);
	ck_assert_msg(tu_terminal_safe(sb.buf, sb.len, 0, why, sizeof why),
	    "row %d: unsafe output: %s", _i, why);
	if (row->tree_col < 0)
		ck_assert_msg(tree.len == 0, "row %d: a tree at %d", _i,
		    tree.col);
	else {
		ck_assert_msg(tree.len > 0 && tree.col == row->tree_col &&
		    tree.cols == row->tree_cols,
		    "row %d: tree at column %d, %d wide (len %zu)", _i,
		    tree.col, tree.cols, tree.len);
		ck_assert_msg(tree.off + tree.len <= sb.len - 6 &&
		    strncmp(sb.buf + 6 + tree.off, TREE, tree.len) == 0,
		    "row %d: tree bytes at %zu", _i, tree.off);
	}
	strbuf_release(&sb);
}
END_TEST

struct check_row {
	const char *fmt;
	const char *err;	/* NULL: valid */
};

static const struct check_row check_rows[] = {
	{ FORMAT_INDEX_DEFAULT, NULL },
	{ "%Z %D %-20.20F %s", NULL },
	{ "%4C %{%b %d} %-15.15F (%4c) %N %M%s%> %a", NULL },
	{ "plain text", NULL },
	{ "100%%", NULL },
	{ "%q", "unknown conversion \"%q\"" },
	{ "%-20.20q", "unknown conversion \"%q\"" },
	{ "%\xc3\xa9", "unknown conversion \"%\xc3\xa9\"" },
	{ "%\033", "unknown conversion \"%^[\"" },
	{ "abc %", "the format ends with \"%\"" },
	{ "%-2", "the format ends with \"%\"" },
	{ "%{%Y", "\"%{\" without its \"}\"" },
	{ "%>", "\"%>\" wants a printable ASCII character to fill with" },
	{ "%>\t", "\"%>\" wants a printable ASCII character to fill with" },
	{ "%> %>x", "\"%>\" appears twice" },
	{ "%9999s", "a width above 1000 in \"%9999\"" },
	{ "%.2000s", "a width above 1000 in \"%.2000\"" },
};

START_TEST(test_check_rows)
{
	const struct check_row *row = &check_rows[_i];
	char *err = NULL;
	int r = format_check(row->fmt, &err);

	if (row->err == NULL) {
		ck_assert_msg(r == 0, "row %d: \"%s\" refused: %s", _i,
		    row->fmt, err);
		return;
	}
	ck_assert_msg(r == -1, "row %d: \"%s\" accepted", _i, row->fmt);
	ck_assert_msg(err != NULL && strcmp(err, row->err) == 0,
	    "row %d: \"%s\", want \"%s\"", _i, err != NULL ? err : "(null)",
	    row->err);
	free(err);
}
END_TEST

/* Every size tern shows, at each step of the scale and either side. */
static const struct {
	int64_t n;
	const char *want;
} size_rows[] = {
	{ -5, "0" },
	{ 0, "0" },
	{ 1, "1" },
	{ 1023, "1023" },
	{ 1024, "1.0K" },
	{ 4300, "4.2K" },
	{ 10188, "9.9K" },
	{ 10189, "10K" },
	{ 12288, "12K" },
	{ 31000, "30K" },
	{ 1048063, "1023K" },
	{ 1048064, "1.0M" },
	{ 1363149, "1.3M" },
	{ 10433331, "9.9M" },
	{ 10433332, "10M" },
	{ 26214400, "25M" },
	{ 52428800, "50M" },
	{ (int64_t)5 << 30, "5120M" },
	{ INT64_MAX, "8796093022208M" },
};

START_TEST(test_size_rows)
{
	struct strbuf sb = STRBUF_INIT;

	format_size(&sb, size_rows[_i].n);
	ck_assert_msg(strcmp(sb.buf, size_rows[_i].want) == 0,
	    "row %d (%lld): \"%s\", want \"%s\"", _i,
	    (long long)size_rows[_i].n, sb.buf, size_rows[_i].want);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_size_of)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '(');
	format_size_of(&sb, 700, 3565158);
	ck_assert_str_eq(sb.buf, "(700 of 3.4M");
	strbuf_release(&sb);
}
END_TEST

static Suite *
format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_fmt_rows, 0,
	    sizeof fmt_rows / sizeof fmt_rows[0]);
	tcase_add_loop_test(tc, test_check_rows, 0,
	    sizeof check_rows / sizeof check_rows[0]);
	tcase_add_loop_test(tc, test_size_rows, 0,
	    sizeof size_rows / sizeof size_rows[0]);
	tcase_add_test(tc, test_size_of);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	if (tu_utf8_locale() != 0) {
		fprintf(stderr, "check_format: no UTF-8 locale\n");
		return 77;
	}
	return tu_run(format_suite());
}
