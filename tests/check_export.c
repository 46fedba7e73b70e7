/*
 * Unit tests for src/export.c: the mbox entry (its From line, mboxrd
 * quoting row by row, line ends, a message without a final newline),
 * maildir names and flags, folder names made path components, a folder
 * of a cache written both ways, and failures to write.
 */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "store.h"
#include "strbuf.h"
#include "testutil.h"
#include "xmalloc.h"

/* 2024-01-05 09:08:07 UTC, a Friday. */
#define WHEN ((int64_t)1704445687)

static char *scratch;

static void
scratch_setup(void)
{
	ck_assert_ptr_nonnull(scratch = tu_scratch_new("check_export"));
}

static void
scratch_teardown(void)
{
	tu_scratch_free(scratch);
	scratch = NULL;
}

/* The mbox entry of RAW from a@example.org at WHEN, after its From line. */
static char *
entry_body(const char *raw, size_t len)
{
	struct store_msg m;
	struct strbuf sb = STRBUF_INIT;
	const char *nl;
	char *body;

	memset(&m, 0, sizeof m);
	m.from_addr = (char *)"a@example.org";
	m.date = WHEN;
	export_mbox_entry(&sb, &m, raw, len);
	ck_assert_ptr_nonnull(nl = strchr(sb.buf, '\n'));
	body = xstrdup(nl + 1);
	strbuf_release(&sb);
	return body;
}

/*
 * mboxrd: every line starting with zero or more '>' then "From " gets one
 * more '>' (mboxo would quote "From " alone and leave ">From " as it is,
 * which a reader then cannot tell from a quoted "From "); nothing else
 * changes but the line ends.
 */
static const struct {
	const char *name;
	const char *raw;
	const char *want;	/* after the From line */
} quote_rows[] = {
	{ "plain", "Subject: x\n\nhello\n", "Subject: x\n\nhello\n\n" },
	{ "From_ line", "a\nFrom the start\n", "a\n>From the start\n\n" },
	{ "quoted once (mboxo keeps it, mboxrd does not)",
	  "a\n>From here\n", "a\n>>From here\n\n" },
	{ "quoted twice", "a\n>>From x\n", "a\n>>>From x\n\n" },
	{ "first line", "From x\n", ">From x\n\n" },
	{ "no space after From", "a\nFrom:x\nFromage\n",
	  "a\nFrom:x\nFromage\n\n" },
	{ "not at the start", "a\n From x\nx>From y\n",
	  "a\n From x\nx>From y\n\n" },
	{ "a '>' line", "a\n>\n>>\n", "a\n>\n>>\n\n" },
	{ "CRLF", "a\r\nFrom b\r\n\r\nc\r\n", "a\n>From b\n\nc\n\n" },
	{ "CR alone stays", "a\rb\n", "a\rb\n\n" },
	{ "no final newline", "Subject: x\n\nlast line",
	  "Subject: x\n\nlast line\n\n" },
	{ "no final newline, From", "a\nFrom x", "a\n>From x\n\n" },
	{ "From at the end", "a\nFrom ", "a\n>From \n\n" },
	{ "empty", "", "\n" },
};

START_TEST(test_quote_rows)
{
	char *got = entry_body(quote_rows[_i].raw, strlen(quote_rows[_i].raw));

	ck_assert_msg(strcmp(got, quote_rows[_i].want) == 0,
	    "row %d (%s): \"%s\", want \"%s\"", _i, quote_rows[_i].name,
	    tu_show(got, strlen(got)), tu_show(quote_rows[_i].want,
	    strlen(quote_rows[_i].want)));
	free(got);
}
END_TEST

/* The From line: the sender's address when it is one word, the date. */
START_TEST(test_from_line)
{
	static const struct {
		const char *addr;
		int64_t date, internaldate;
		const char *want;
	} rows[] = {
		{ "a@example.org", WHEN, 0,
		  "From a@example.org Fri Jan  5 09:08:07 2024\n" },
		/* The arrival wins over the Date: header. */
		{ "a@example.org", 0, WHEN + 86400 * 10,
		  "From a@example.org Mon Jan 15 09:08:07 2024\n" },
		{ NULL, WHEN, 0,
		  "From MAILER-DAEMON Fri Jan  5 09:08:07 2024\n" },
		{ "two words@x", WHEN, 0,
		  "From MAILER-DAEMON Fri Jan  5 09:08:07 2024\n" },
		{ "a@x\n", WHEN, 0,
		  "From MAILER-DAEMON Fri Jan  5 09:08:07 2024\n" },
	};
	struct strbuf sb = STRBUF_INIT;
	struct store_msg m;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&m, 0, sizeof m);
		m.from_addr = (char *)rows[i].addr;
		m.date = rows[i].date;
		m.internaldate = rows[i].internaldate;
		strbuf_reset(&sb);
		export_mbox_entry(&sb, &m, "x\n", 2);
		ck_assert_msg(strncmp(sb.buf, rows[i].want,
		    strlen(rows[i].want)) == 0, "row %zu: \"%s\"", i,
		    tu_show(sb.buf, sb.len));
		ck_assert_str_eq(sb.buf + strlen(rows[i].want), "x\n\n");
	}
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_maildir_names)
{
	static const struct {
		unsigned int flags;
		const char *want;
	} rows[] = {
		{ 0, ":2," },
		{ MSG_SEEN, ":2,S" },
		{ MSG_SEEN | MSG_FLAGGED | MSG_ANSWERED, ":2,FRS" },
		{ MSG_DELETED | MSG_DRAFT, ":2,DT" },
		{ MSG_SEEN | MSG_ANSWERED | MSG_FLAGGED | MSG_DELETED |
		  MSG_DRAFT, ":2,DFRST" },
	};
	struct strbuf sb = STRBUF_INIT;
	struct store_msg m;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		strbuf_reset(&sb);
		export_maildir_info(&sb, rows[i].flags);
		ck_assert_msg(strcmp(sb.buf, rows[i].want) == 0,
		    "row %zu: \"%s\", want \"%s\"", i, sb.buf, rows[i].want);
	}
	memset(&m, 0, sizeof m);
	m.date = WHEN;
	strbuf_reset(&sb);
	export_maildir_name(&sb, &m, 7, 4242);
	ck_assert_str_eq(sb.buf, "1704445687.M7P4242.tern");
	m.internaldate = WHEN + 1;
	strbuf_reset(&sb);
	export_maildir_name(&sb, &m, 8, 4242);
	ck_assert_str_eq(sb.buf, "1704445688.M8P4242.tern");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_components)
{
	static const struct {
		const char *name, *want;
	} rows[] = {
		{ "INBOX", "INBOX" },
		{ "Lists/tern", "Lists.tern" },
		{ "a\\b", "a.b" },
		{ "", "_" },
		{ ".", "_." },
		{ "..", "_.." },
		{ "/etc", "_.etc" },
		{ ".hidden", "_.hidden" },
		{ "tab\there\x1b[1m", "tab_here_[1m" },
		{ "Entw\xc3\xbcrfe", "Entw\xc3\xbcrfe" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = export_component(rows[i].name);
		ck_assert_msg(strcmp(s, rows[i].want) == 0,
		    "row %zu: \"%s\", want \"%s\"", i, s, rows[i].want);
		free(s);
	}
}
END_TEST

/* The names of the files in DIR, sorted, joined by spaces. */
static void
list_dir(struct strbuf *sb, const char *dir)
{
	struct dirent **names;
	int n, i;

	strbuf_reset(sb);
	n = scandir(dir, &names, NULL, alphasort);
	ck_assert_msg(n >= 0, "scandir %s: %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (sb->len > 0)
				strbuf_addch(sb, ' ');
			strbuf_addstr(sb, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
}

START_TEST(test_maildir_put)
{
	struct strbuf sb = STRBUF_INIT;
	struct store_msg m;
	struct export ex;
	struct stat st;
	char *err = NULL, *dir, *file, *raw;
	size_t len;

	dir = xasprintf("%s/box", scratch);
	ck_assert_int_eq(export_init(&ex, EXPORT_MAILDIR, dir, &err), 0);
	ex.pid = 99;
	memset(&m, 0, sizeof m);
	m.date = WHEN;
	m.flags = MSG_SEEN | MSG_FLAGGED;
	/* The folders are export_folder()'s to make: none yet. */
	ck_assert_int_eq(export_maildir_put(&ex, dir, &m, "x\n", 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot write \""));
	ck_assert_ptr_nonnull(strstr(err, "/box/tmp/1704445687.M0P99.tern\": "
	    "No such file or directory"));
	free(err);
	err = NULL;

	ck_assert_int_eq(export_mkdir(dir, &err), 0);
	file = xasprintf("%s/tmp", dir);
	ck_assert_int_eq(mkdir(file, 0700), 0);
	free(file);
	file = xasprintf("%s/cur", dir);
	ck_assert_int_eq(mkdir(file, 0700), 0);
	free(file);
	/* The server's bytes, CRLF and all, no final newline. */
	ck_assert_int_eq(export_maildir_put(&ex, dir, &m, "a\r\nFrom b", 9,
	    &err), 0);
	file = xasprintf("%s/tmp", dir);
	list_dir(&sb, file);
	ck_assert_str_eq(sb.buf, "");
	free(file);
	file = xasprintf("%s/cur", dir);
	list_dir(&sb, file);
	ck_assert_str_eq(sb.buf, "1704445687.M1P99.tern:2,FS");
	free(file);
	file = xasprintf("%s/cur/1704445687.M1P99.tern:2,FS", dir);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	raw = tu_read_file(file, &len);
	ck_assert_ptr_nonnull(raw);
	ck_assert_uint_eq(len, 9);
	ck_assert_int_eq(memcmp(raw, "a\r\nFrom b", 9), 0);
	free(raw);
	free(file);
	export_release(&ex);
	strbuf_release(&sb);
	free(dir);
}
END_TEST

/* A cache of two messages, one without its body, into both formats. */
START_TEST(test_folder)
{
	struct strbuf sb = STRBUF_INIT;
	struct store_folder list[1], f;
	struct store_msg m;
	struct store *st;
	struct export ex;
	char *err = NULL, *dir, *mbox, *raw;
	int64_t id;
	size_t len;

	ck_assert_int_eq(store_open(NULL, "check-export", &st, &err), 0);
	memset(list, 0, sizeof list);
	list[0].name = (char *)"INBOX";
	list[0].display = (char *)"INBOX";
	ck_assert_int_eq(store_folders_replace(st, list, 1), 0);
	ck_assert_int_eq(store_folder_get(st, "INBOX", &f), 0);
	memset(&m, 0, sizeof m);
	m.folder_id = f.id;
	m.uid = 1;
	m.date = WHEN + 60;
	m.from_addr = (char *)"new@example.org";
	ck_assert_int_eq(store_msg_put(st, &m, &id), 0);
	raw = (char *)"Subject: new\n\nFrom me\n";
	ck_assert_int_eq(store_body_put(st, id, raw, strlen(raw), NULL), 0);
	m.uid = 2;
	m.date = WHEN;
	m.from_addr = (char *)"old@example.org";
	ck_assert_int_eq(store_msg_put(st, &m, &id), 0);
	/* No final newline: the mbox gets one. */
	raw = (char *)"Subject: old\n\nhi";
	ck_assert_int_eq(store_body_put(st, id, raw, strlen(raw), NULL), 0);
	m.uid = 3;
	ck_assert_int_eq(store_msg_put(st, &m, &id), 0);

	/* The mbox: oldest first, the one without a body counted apart. */
	mbox = xasprintf("%s/all.mbox", scratch);
	ck_assert_int_eq(export_init(&ex, EXPORT_MBOX, mbox, &err), 0);
	ck_assert_int_eq(export_folder(&ex, st, &f, NULL, &err), 0);
	ck_assert_int_eq(export_finish(&ex, &err), 0);
	ck_assert_int_eq(ex.done, 2);
	ck_assert_int_eq(ex.missing, 1);
	export_release(&ex);
	raw = tu_read_file(mbox, &len);
	ck_assert_ptr_nonnull(raw);
	ck_assert_str_eq(raw,
	    "From old@example.org Fri Jan  5 09:08:07 2024\n"
	    "Subject: old\n\nhi\n\n"
	    "From new@example.org Fri Jan  5 09:09:07 2024\n"
	    "Subject: new\n\n>From me\n\n");
	free(raw);
	/* An mbox is appended to. */
	ck_assert_int_eq(export_init(&ex, EXPORT_MBOX, mbox, &err), 0);
	ck_assert_int_eq(export_folder(&ex, st, &f, NULL, &err), 0);
	ck_assert_int_eq(export_finish(&ex, &err), 0);
	export_release(&ex);
	raw = tu_read_file(mbox, &len);
	ck_assert_ptr_nonnull(raw);
	ck_assert_ptr_nonnull(strstr(raw, ">From me\n\nFrom old@example.org "));
	free(raw);

	/* The maildir, made with its three folders. */
	dir = xasprintf("%s/md/INBOX", scratch);
	ck_assert_int_eq(export_init(&ex, EXPORT_MAILDIR, dir, &err), 0);
	ck_assert_int_eq(export_folder(&ex, st, &f, dir, &err), 0);
	ck_assert_int_eq(ex.done, 2);
	ck_assert_int_eq(ex.missing, 1);
	list_dir(&sb, dir);
	ck_assert_str_eq(sb.buf, "cur new tmp");
	free(dir);
	dir = xasprintf("%s/md/INBOX/cur", scratch);
	list_dir(&sb, dir);
	raw = xasprintf("1704445687.M0P%ld.tern:2, 1704445747.M1P%ld.tern:2,",
	    ex.pid, ex.pid);
	ck_assert_str_eq(sb.buf, raw);
	free(raw);
	export_release(&ex);

	free(dir);
	free(mbox);
	store_folder_release(&f);
	store_close(st);
	strbuf_release(&sb);
}
END_TEST

/* Failures to write come back as one line each, with the path. */
START_TEST(test_write_failures)
{
	struct store_msg m;
	struct export ex;
	char *err = NULL, *file, *path;
	FILE *fp;

	/* A folder where a file is. */
	file = xasprintf("%s/file", scratch);
	ck_assert_ptr_nonnull(fp = fopen(file, "w"));
	fclose(fp);
	path = xasprintf("%s/file/sub/box", scratch);
	ck_assert_int_eq(export_mkdir(path, &err), -1);
	ck_assert_msg(strstr(err, "cannot create \"") != NULL &&
	    strstr(err, "/file/sub/box\": Not a directory") != NULL, "%s", err);
	free(err);
	err = NULL;
	free(path);

	/* An mbox that cannot be opened. */
	path = xasprintf("%s/file/x.mbox", scratch);
	ck_assert_int_eq(export_init(&ex, EXPORT_MBOX, path, &err), -1);
	ck_assert_msg(strstr(err, "cannot open \"") != NULL &&
	    strstr(err, "/file/x.mbox\": Not a directory") != NULL, "%s", err);
	export_release(&ex);
	free(err);
	err = NULL;
	free(path);
	free(file);

	/* A full disk: found at the latest when the mbox is synced. */
	if (access("/dev/full", W_OK) != 0)
		return;
	ck_assert_int_eq(export_init(&ex, EXPORT_MBOX, "/dev/full", &err), 0);
	memset(&m, 0, sizeof m);
	m.date = WHEN;
	if (export_mbox_put(&ex, &m, "x\n", 2, &err) == 0)
		ck_assert_int_eq(export_finish(&ex, &err), -1);
	ck_assert_str_eq(err, "cannot write \"/dev/full\": No space left on "
	    "device");
	export_release(&ex);
	free(err);
}
END_TEST

static Suite *
export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_quote_rows, 0, TU_NROWS(quote_rows));
	tcase_add_test(tc, test_from_line);
	tcase_add_test(tc, test_maildir_names);
	tcase_add_test(tc, test_components);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
	tcase_add_test(tc, test_maildir_put);
	tcase_add_test(tc, test_folder);
	tcase_add_test(tc, test_write_failures);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	/* The From lines are in UTC whatever the zone. */
	setenv("TZ", "Europe/Berlin", 1);
	return tu_run(export_suite());
}
