/*
 * Unit tests for src/mailcap.c: RFC 1524 parsing (fields, continuation
 * lines, comments, backslash quoting, flags), lookup (wildcards, order,
 * copiousoutput, test=), safe file names, command expansion with hostile
 * types, parameters and file names, and real runs through /bin/sh proving
 * that nothing injected is ever executed.
 */
#include "autoconfig.h"

#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailcap.h"
#include "strbuf.h"
#include "testutil.h"


/* A scratch folder for one test, and the canary an injection would make. */
static char *scratch;
static char canary[PATH_MAX + 16];
static char cwd_before[PATH_MAX];

static void
scratch_setup(void)
{
	ck_assert((scratch = tu_scratch_new("check_mailcap")) != NULL);
	snprintf(canary, sizeof canary, "%s/PWNED", scratch);
	ck_assert(getcwd(cwd_before, sizeof cwd_before) != NULL);
	/* An injected "touch PWNED" would land here. */
	ck_assert_int_eq(chdir(scratch), 0);
}

static void
scratch_teardown(void)
{
	ck_assert_int_eq(chdir(cwd_before), 0);
	tu_scratch_free(scratch);
	scratch = NULL;
}

static int
exists(const char *path)
{
	struct stat st;

	return (lstat(path, &st) == 0);
}

/* Parsing: the first entry of each text. */
static const struct {
	const char *name;
	const char *text;
	size_t count;
	const char *type;
	const char *view;
	const char *test;
	const char *nametemplate;
	int needsterminal;
	int copiousoutput;
} parse_rows[] = {
	{ "simple", "text/html; w3m -dump %s; copiousoutput\n", 1,
	    "text/html", "w3m -dump %s", NULL, NULL, 0, 1 },
	{ "no final newline", "text/plain; less %s; needsterminal", 1,
	    "text/plain", "less %s", NULL, NULL, 1, 0 },
	{ "comments and blank lines",
	    "# a comment\n\n   \n#text/html; evil %s\nimage/png; feh %s\n", 1,
	    "image/png", "feh %s", NULL, NULL, 0, 0 },
	{ "continuation line",
	    "text/html; w3m -T text/html \\\n  -dump %s; \\\n"
	    "  copiousoutput\n", 1, "text/html", "w3m -T text/html   -dump %s",
	    NULL, NULL, 0, 1 },
	{ "escaped backslash is no continuation",
	    "a/b; echo x\\\\\nc/d; y\n", 2, "a/b", "echo x\\\\", NULL, NULL,
	    0, 0 },
	{ "quoted semicolon stays in the command",
	    "text/x; a %s \\; b; needsterminal\n", 1, "text/x",
	    "a %s \\; b", NULL, NULL, 1, 0 },
	{ "type without subtype", "image; display %s\n", 1, "image/*",
	    "display %s", NULL, NULL, 0, 0 },
	{ "type in capitals", "Text/HTML; x %s\n", 1, "text/html", "x %s",
	    NULL, NULL, 0, 0 },
	{ "flags any case, blanks around =",
	    "text/html; w3m %s; CopiousOutput ; test = test -n \"$DISPLAY\" ;"
	    " NameTemplate=%s.html\n", 1, "text/html", "w3m %s",
	    "test -n \"$DISPLAY\"", "%s.html", 0, 1 },
	{ "unknown fields ignored",
	    "application/pdf; zathura %s; print=lpr %s; description=PDF;"
	    " x11-bitmap=/x.xbm\n", 1, "application/pdf", "zathura %s", NULL,
	    NULL, 0, 0 },
	{ "CRLF", "text/plain; cat %s; copiousoutput\r\n", 1, "text/plain",
	    "cat %s", NULL, NULL, 0, 1 },
	{ "wildcard", "text/*; less %s\n", 1, "text/*", "less %s", NULL,
	    NULL, 0, 0 },
	{ "no command", "text/plain\n", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "empty command", "text/plain;  ; copiousoutput\n", 0, NULL, NULL,
	    NULL, NULL, 0, 0 },
	{ "no type", "; cat %s\n", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "bad type", "text/pl ain; cat %s\ntext/$(x); y\na/b/c; z\n", 0,
	    NULL, NULL, NULL, NULL, 0, 0 },
	{ "NUL in a line", "text/plain; cat\0 %s\n", 0, NULL, NULL, NULL,
	    NULL, 0, 0 },
	{ "continuation at the end", "text/plain; cat %s\\", 1, "text/plain",
	    "cat %s", NULL, NULL, 0, 0 },
};

START_TEST(test_parse_rows)
{
	struct mailcap *mc = mailcap_new();
	const struct mailcap_entry *e;
	size_t n, len;

	/* The NUL row is measured by hand. */
	len = strlen(parse_rows[_i].text);
	if (strcmp(parse_rows[_i].name, "NUL in a line") == 0)
		len = sizeof "text/plain; cat\0 %s\n" - 1;
	n = mailcap_parse(mc, parse_rows[_i].text, len, "test");
	ck_assert_msg(n == parse_rows[_i].count && mc->n == n,
	    "row %d (%s): %zu entries, want %zu", _i, parse_rows[_i].name, n,
	    parse_rows[_i].count);
	if (n == 0)
		goto out;
	e = &mc->entries[0];
	ck_assert_msg(strcmp(e->type, parse_rows[_i].type) == 0,
	    "row %d (%s): type \"%s\"", _i, parse_rows[_i].name, e->type);
	ck_assert_msg(strcmp(e->view, parse_rows[_i].view) == 0,
	    "row %d (%s): view \"%s\"", _i, parse_rows[_i].name, e->view);
	ck_assert_msg((e->test == NULL && parse_rows[_i].test == NULL) ||
	    (e->test != NULL && parse_rows[_i].test != NULL &&
	    strcmp(e->test, parse_rows[_i].test) == 0),
	    "row %d (%s): test \"%s\"", _i, parse_rows[_i].name,
	    e->test != NULL ? e->test : "(null)");
	ck_assert_msg((e->nametemplate == NULL &&
	    parse_rows[_i].nametemplate == NULL) || (e->nametemplate != NULL &&
	    parse_rows[_i].nametemplate != NULL &&
	    strcmp(e->nametemplate, parse_rows[_i].nametemplate) == 0),
	    "row %d (%s): nametemplate", _i, parse_rows[_i].name);
	ck_assert_msg(e->needsterminal == parse_rows[_i].needsterminal &&
	    e->copiousoutput == parse_rows[_i].copiousoutput,
	    "row %d (%s): flags %d %d", _i, parse_rows[_i].name,
	    e->needsterminal, e->copiousoutput);
	ck_assert(strncmp(e->where, "test:", 5) == 0);
out:
	mailcap_free(mc);
}
END_TEST

START_TEST(test_parse_lines)
{
	struct mailcap *mc = mailcap_new();
	const char *text = "# one\n"
	    "a/b; x \\\n"
	    " y\n"
	    "\n"
	    "c/d; z\n";

	ck_assert_uint_eq(mailcap_parse(mc, text, strlen(text), "f"), 2);
	ck_assert_str_eq(mc->entries[0].where, "f:2");
	ck_assert_str_eq(mc->entries[1].where, "f:5");
	mailcap_free(mc);
	mailcap_free(NULL);
}
END_TEST

/* Lookup: order, wildcards, copiousoutput and test=. */
START_TEST(test_find)
{
	struct mailcap *mc = mailcap_new();
	const struct mailcap_entry *e;
	const char *text =
	    "text/html; failing %s; test=false\n"
	    "text/html; needs-data %s; test=test -f %s\n"
	    "text/html; viewer %s; needsterminal\n"
	    "text/html; dumper %s; copiousoutput; test=true\n"
	    "text/*; pager %s\n"
	    "image; imager %s\n"
	    "*/*; anything %s\n";

	mailcap_parse(mc, text, strlen(text), "t");
	e = mailcap_find(mc, "text/html", 0);
	ck_assert(e != NULL);
	ck_assert_str_eq(e->view, "viewer %s");
	ck_assert_int_eq(mc->entries[0].tested, -1);
	/* A test that wants message data is never run: it fails. */
	ck_assert_int_eq(mc->entries[1].tested, -1);
	e = mailcap_find(mc, "TEXT/HTML", MAILCAP_COPIOUS);
	ck_assert(e != NULL);
	ck_assert_str_eq(e->view, "dumper %s");
	ck_assert_int_eq(mc->entries[3].tested, 1);
	e = mailcap_find(mc, "text/html", MAILCAP_COPIOUS | MAILCAP_NO_TEST);
	ck_assert(e == NULL);
	e = mailcap_find(mc, "text/plain", 0);
	ck_assert_str_eq(e->view, "pager %s");
	e = mailcap_find(mc, "image/png", 0);
	ck_assert_str_eq(e->view, "imager %s");
	e = mailcap_find(mc, "application/pdf", 0);
	ck_assert_str_eq(e->view, "anything %s");
	ck_assert(mailcap_find(mc, "nonsense", 0) == NULL);
	ck_assert(mailcap_find(mc, NULL, 0) == NULL);
	ck_assert(mailcap_find(NULL, "text/html", 0) == NULL);
	mailcap_free(mc);
}
END_TEST

/* Safe file names from hostile ones. */
static const struct {
	const char *in;
	const char *template;
	const char *out;
} name_rows[] = {
	{ "report.pdf", NULL, "report.pdf" },
	{ NULL, NULL, "attachment" },
	{ "", NULL, "attachment" },
	{ "../../evil;$(touch x).txt", NULL, "evil_touch_x_.txt" },
	{ "../../../etc/passwd", NULL, "passwd" },
	{ "..", NULL, "attachment" },
	{ "...", NULL, "attachment" },
	{ ".bashrc", NULL, "bashrc" },
	{ "-rf", NULL, "rf" },
	{ "--.x", NULL, "x" },
	{ "a..b...c", NULL, "a.b.c" },
	{ "C:\\Windows\\evil.exe", NULL, "evil.exe" },
	{ "`id`.sh", NULL, "_id_.sh" },
	{ "a b\nc\td'e\"f", NULL, "a_b_c_d_e_f" },
	{ "$HOME", NULL, "_HOME" },
	{ "caf\xc3\xa9 na\xc3\xafve.txt", NULL, "caf_na_ve.txt" },
	{ "\xe6\x97\xa5\xe6\x9c\xac.doc", NULL, "_.doc" },
	{ "\xe6\x97\xa5", NULL, "attachment" },
	{ "page", "%s.html", "page.html" },
	{ "page.HTML", "%s.html", "page.HTML" },
	{ NULL, "%s.html", "attachment.html" },
	{ "x", "%s.$(rm)", "x." },
	{ "x", "pre%s", "x" },
	{ "x.", "%s.pdf", "x.pdf" },
	{ "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789.tar", NULL,
	    "012345678901234567890123456789012345678901234567890123456789.tar" },
	{ "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789.averyveryverylongextension", NULL,
	    "0123456789012345678901234567890123456789012345678901234567890123" },
	{ "a.........................................................."
	    "...........pdf", NULL, "a.pdf" },
};

START_TEST(test_name_rows)
{
	char *s;

	s = mailcap_safe_name(name_rows[_i].in, name_rows[_i].template);
	ck_assert_msg(strcmp(s, name_rows[_i].out) == 0,
	    "row %d: got \"%s\", want \"%s\"", _i, s, name_rows[_i].out);
	ck_assert_msg(strlen(s) <= MAILCAP_NAME_MAX && s[0] != '.' &&
	    s[0] != '-' && strstr(s, "..") == NULL && strchr(s, '/') == NULL,
	    "row %d: unsafe \"%s\"", _i, s);
	free(s);
}
END_TEST

/* Every byte value in a name: the result stays in the safe set. */
START_TEST(test_name_bytes)
{
	char in[3], *s;
	size_t i;
	int c;

	for (c = 1; c < 256; c++) {
		in[0] = (char)c;
		in[1] = (char)c;
		in[2] = '\0';
		s = mailcap_safe_name(in, "%s.x");
		for (i = 0; s[i] != '\0'; i++)
			ck_assert_msg(strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) !=
			    NULL, "byte %d gives \"%s\"", c, s);
		ck_assert_msg(s[0] != '.' && s[0] != '-' &&
		    strstr(s, "..") == NULL, "byte %d gives \"%s\"", c, s);
		free(s);
	}
}
END_TEST

/* Expansion: what the shell gets, or a refusal. */
static const struct mailcap_param hostile_params[] = {
	{ "charset", "utf-8" },
	{ "format", "flowed" },
	{ "evil1", "x'; touch PWNED; '" },
	{ "evil2", "$(touch PWNED)" },
	{ "evil3", "`touch PWNED`" },
	{ "evil4", "a\nb" },
	{ "evil5", "-e" },
	{ "evil6", "a b" },
	{ "evil7", "x\"y" },
	{ "evil8", "0123456789012345678901234567890123456789012345678901234567"
	    "89012345678" },
};

static const struct {
	const char *name;
	const char *cmd;
	const char *type;
	const char *path;
	const char *want;	/* NULL: refused */
	int has_file;
} expand_rows[] = {
	{ "path", "cat %s", "text/plain", "/tmp/tern-x/a.txt",
	    "cat '/tmp/tern-x/a.txt'", 1 },
	{ "no %s: stdin", "cat", "text/plain", "/tmp/a", "cat", 0 },
	{ "type", "x -T %t %s", "text/html", "/tmp/a",
	    "x -T 'text/html' '/tmp/a'", 1 },
	{ "in single quotes", "x '%s' '%t'", "text/html", "/tmp/a",
	    "x '/tmp/a' 'text/html'", 1 },
	{ "in double quotes", "x \"%s\" \"-I %{charset}\"", "text/html",
	    "/tmp/a", "x \"/tmp/a\" \"-I utf-8\"", 1 },
	{ "parameter", "w3m -I %{charset} -dump %s", "text/html", "/tmp/a",
	    "w3m -I 'utf-8' -dump '/tmp/a'", 1 },
	{ "absent parameter", "x %{nothere}", "text/html", "/tmp/a",
	    "x ''", 0 },
	{ "absent parameter in quotes", "x \"%{nothere}\"", "text/html",
	    "/tmp/a", "x \"\"", 0 },
	{ "backslash escapes", "a \\%s \\; b\\\\ %s", "a/b", "/tmp/a",
	    "a %s ; b\\ '/tmp/a'", 1 },
	{ "escaped quote opens nothing twice", "a \\' %s", "a/b", "/tmp/a",
	    "a ' /tmp/a", 1 },
	{ "shell backslash before %s", "a \\\\%s", "a/b", "/tmp/a",
	    "a \\/tmp/a", 1 },
	{ "other percent kept", "date +%d %s 100%", "a/b", "/tmp/a",
	    "date +%d '/tmp/a' 100%", 1 },
	{ "single quotes after double", "sh -c \"x '%s'\"", "a/b", "/tmp/a",
	    "sh -c \"x '/tmp/a'\"", 1 },
	{ "hostile type $()", "x %t", "$(touch PWNED)/x", "/tmp/a", NULL,
	    0 },
	{ "hostile type ;", "x %t", "text/plain;touch PWNED", "/tmp/a", NULL,
	    0 },
	{ "hostile type backquote", "x %t", "text/`touch PWNED`", "/tmp/a",
	    NULL, 0 },
	{ "hostile type quote", "x '%t'", "text/x'y", "/tmp/a", NULL, 0 },
	{ "hostile type newline", "x %t", "text/plain\ntouch PWNED",
	    "/tmp/a", NULL, 0 },
	{ "hostile type blank", "x %t", "text/ plain", "/tmp/a", NULL, 0 },
	{ "type without subtype", "x %t", "text", "/tmp/a", NULL, 0 },
	{ "type with two slashes", "x %t", "a/b/c", "/tmp/a", NULL, 0 },
	{ "hostile type unused", "x %s", "$(touch PWNED)", "/tmp/a",
	    "x '/tmp/a'", 1 },
	{ "hostile parameter quote", "x %{evil1}", "a/b", "/tmp/a", NULL,
	    0 },
	{ "hostile parameter $()", "x %{evil2}", "a/b", "/tmp/a", NULL, 0 },
	{ "hostile parameter backquote", "x \"%{evil3}\"", "a/b", "/tmp/a",
	    NULL, 0 },
	{ "hostile parameter newline", "x %{evil4}", "a/b", "/tmp/a", NULL,
	    0 },
	{ "parameter like an option", "x %{evil5}", "a/b", "/tmp/a", NULL,
	    0 },
	{ "parameter with a blank", "x %{evil6}", "a/b", "/tmp/a", NULL, 0 },
	{ "parameter with a double quote", "x '%{evil7}'", "a/b", "/tmp/a",
	    NULL, 0 },
	{ "parameter too long", "x %{evil8}", "a/b", "/tmp/a", NULL, 0 },
	{ "parameter name case", "x %{CharSet}", "a/b", "/tmp/a",
	    "x 'utf-8'", 0 },
	{ "malformed %{", "x %{charset", "a/b", "/tmp/a", NULL, 0 },
	{ "malformed %{} name", "x %{a b}", "a/b", "/tmp/a", NULL, 0 },
	{ "empty %{}", "x %{}", "a/b", "/tmp/a", NULL, 0 },
	{ "unsafe path", "x %s", "a/b", "/tmp/a'b", NULL, 0 },
	{ "relative path", "x %s", "a/b", "a", NULL, 0 },
	{ "path with a blank", "x %s", "a/b", "/tmp/a b", NULL, 0 },
	{ "no path", "x %s", "a/b", NULL, NULL, 0 },
	{ "no type", "x %t", NULL, "/tmp/a", NULL, 0 },
	{ "%n unsupported", "x %n", "a/b", "/tmp/a", NULL, 0 },
	{ "%F unsupported", "x %F", "a/b", "/tmp/a", NULL, 0 },
	{ "trailing percent", "x %", "a/b", "/tmp/a", "x %", 0 },
};

START_TEST(test_expand_rows)
{
	char *cmd = NULL, *err = NULL;
	int has_file = -1, r;

	r = mailcap_expand(expand_rows[_i].cmd, expand_rows[_i].type,
	    expand_rows[_i].path, hostile_params,
	    sizeof hostile_params / sizeof hostile_params[0], &cmd, &has_file,
	    &err);
	if (expand_rows[_i].want == NULL) {
		ck_assert_msg(r == -1 && cmd == NULL && err != NULL,
		    "row %d (%s): not refused: \"%s\"", _i,
		    expand_rows[_i].name, cmd != NULL ? cmd : "");
		free(err);
		return;
	}
	ck_assert_msg(r == 0 && cmd != NULL, "row %d (%s): refused: %s", _i,
	    expand_rows[_i].name, err != NULL ? err : "");
	ck_assert_msg(strcmp(cmd, expand_rows[_i].want) == 0,
	    "row %d (%s): got \"%s\", want \"%s\"", _i, expand_rows[_i].name,
	    cmd, expand_rows[_i].want);
	ck_assert_msg(has_file == expand_rows[_i].has_file,
	    "row %d (%s): has_file %d", _i, expand_rows[_i].name, has_file);
	free(cmd);
}
END_TEST

START_TEST(test_type_safe)
{
	ck_assert(mailcap_type_safe("text/html"));
	ck_assert(mailcap_type_safe("application/vnd.ms-excel"));
	ck_assert(mailcap_type_safe("image/svg+xml"));
	ck_assert(mailcap_type_safe("application/x_y-z.1"));
	ck_assert(!mailcap_type_safe(NULL));
	ck_assert(!mailcap_type_safe(""));
	ck_assert(!mailcap_type_safe("text"));
	ck_assert(!mailcap_type_safe("/html"));
	ck_assert(!mailcap_type_safe("text/"));
	ck_assert(!mailcap_type_safe("-x/y"));
	ck_assert(!mailcap_type_safe("x/-y"));
	ck_assert(!mailcap_type_safe("text/*"));
	ck_assert(!mailcap_type_safe("text/html; charset=x"));
}
END_TEST

/* Run ENTRY_TEXT's first entry on DATA; returns mailcap_run()'s result. */
static int
run_entry(const char *entry_text, const char *type,
    const struct mailcap_param *params, size_t nparams, const char *filename,
    const char *data, char **out_r, size_t *len_r, int *status_r,
    char **err_r)
{
	struct mailcap *mc = mailcap_new();
	int r;

	ck_assert_uint_eq(mailcap_parse(mc, entry_text, strlen(entry_text),
	    "test"), 1);
	*err_r = NULL;
	r = mailcap_run(&mc->entries[0], type, params, nparams, filename, data,
	    strlen(data), out_r, len_r, status_r, err_r);
	mailcap_free(mc);
	return (r);
}

START_TEST(test_run_copious)
{
	char *out, *err;
	size_t len;
	int status;

	ck_assert_int_eq(run_entry("text/plain; cat %s; copiousoutput",
	    "text/plain", NULL, 0, "a.txt", "hello\nworld\n", &out, &len,
	    &status, &err), 0);
	ck_assert_int_eq(status, 0);
	ck_assert_uint_eq(len, 12);
	ck_assert_str_eq(out, "hello\nworld\n");
	free(out);
	/* Without %s the data comes on standard input. */
	ck_assert_int_eq(run_entry("text/plain; tr a-z A-Z; copiousoutput",
	    "text/plain", NULL, 0, NULL, "abc", &out, &len, &status, &err), 0);
	ck_assert_str_eq(out, "ABC");
	free(out);
	/* The exit status comes back. */
	ck_assert_int_eq(run_entry("text/plain; exit 3; copiousoutput",
	    "text/plain", NULL, 0, NULL, "", &out, &len, &status, &err), 0);
	ck_assert_int_eq(status, 3);
	ck_assert_uint_eq(len, 0);
	free(out);
	/* Parameters and the type reach the command, quoted. */
	{
		const struct mailcap_param p[] = { { "charset", "iso-8859-1" } };

		ck_assert_int_eq(run_entry("text/html; printf '[\\%s]' %t "
		    "%{charset} %{missing}; copiousoutput", "text/html", p, 1,
		    NULL, "", &out, &len, &status, &err), 0);
		ck_assert_str_eq(out, "[text/html][iso-8859-1][]");
		free(out);
	}
}
END_TEST

START_TEST(test_run_temp_file)
{
	char *out, *err, *nl, *slash;
	size_t len;
	int status;

	/* The file: sanitised name in a private folder, 0600 in 0700. */
	ck_assert_int_eq(run_entry("text/plain; echo %s \\; stat -c \\%a %s "
	    "\\; stat -c \\%a \"$(dirname %s)\"; copiousoutput", "text/plain",
	    NULL, 0, "../../evil;$(touch PWNED).txt", "x", &out, &len, &status,
	    &err), 0);
	ck_assert_int_eq(status, 0);
	nl = strchr(out, '\n');
	ck_assert(nl != NULL);
	*nl = '\0';
	slash = strrchr(out, '/');
	ck_assert(slash != NULL);
	ck_assert_str_eq(slash + 1, "evil_touch_PWNED_.txt");
	ck_assert_msg(strstr(out, "/tern-") != NULL, "path %s", out);
	ck_assert_str_eq(nl + 1, "600\n700\n");
	/* Removed after, folder too. */
	ck_assert(!exists(out));
	*slash = '\0';
	ck_assert(!exists(out));
	ck_assert(!exists(canary));
	free(out);
	/* The nametemplate gives the extension. */
	ck_assert_int_eq(run_entry("text/html; basename %s; copiousoutput; "
	    "nametemplate=%s.html", "text/html", NULL, 0, NULL, "x", &out,
	    &len, &status, &err), 0);
	ck_assert_str_eq(out, "attachment.html\n");
	free(out);
}
END_TEST

/*
 * The proof: every hostile value either is refused before anything runs
 * or reaches the command as one inert argument. The canary file that an
 * injection would create never appears.
 */
START_TEST(test_run_hostile)
{
	static const char *names[] = {
		"$(touch PWNED)", "`touch PWNED`", "x;touch PWNED", ("x' ; touch "
		"PWNED ; '"), "x\" ; touch PWNED ; \"", "x\ntouch PWNED",
		"x|touch PWNED", "x&&touch PWNED", "../../PWNED", "x > PWNED",
		"$(touch${IFS}PWNED)", "-o PWNED",
	};
	static const char *types[] = {
		"text/$(touch PWNED)", "text/plain;touch PWNED",
		"text/`touch PWNED`", "text/x'$(touch PWNED)'",
		"text/plain\ntouch PWNED", "text/x\"y",
	};
	struct mailcap_param p[1] = { { "charset", NULL } };
	char *out, *err, *base;
	size_t i, len;
	int status, r;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		ck_assert_int_eq(run_entry("text/plain; printf '<\\%s>' %s "
		    "\"%s\" '%s' \"$(basename %s)\"; copiousoutput",
		    "text/plain", NULL, 0, names[i], "", &out, &len, &status,
		    &err), 0);
		ck_assert_msg(!exists(canary), "name %zu: injected", i);
		base = mailcap_safe_name(names[i], NULL);
		ck_assert_msg(strstr(out, base) != NULL && strchr(out, '\n')
		    == NULL, "name %zu: \"%s\"", i, out);
		free(base);
		free(out);
	}
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		r = run_entry("text/plain; echo %t %s; copiousoutput", types[i],
		    NULL, 0, "x", "", &out, &len, &status, &err);
		ck_assert_msg(r == -1 && err != NULL, "type %zu: ran", i);
		ck_assert_msg(!exists(canary), "type %zu: injected", i);
		free(err);
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		p[0].value = names[i];
		r = run_entry("text/plain; echo %{charset} \"%{charset}\"; "
		    "copiousoutput", "text/plain", p, 1, "x", "", &out, &len,
		    &status, &err);
		ck_assert_msg(r == -1 && err != NULL, "parameter %zu: ran", i);
		ck_assert_msg(!exists(canary), "parameter %zu: injected", i);
		free(err);
	}
	/* A test= command never sees message data. */
	{
		struct mailcap *mc = mailcap_new();
		const char *t = "text/plain; cat %s; copiousoutput; "
		    "test=touch PWNED-%t\n";

		mailcap_parse(mc, t, strlen(t), "t");
		ck_assert(mailcap_find(mc, "text/plain", 0) == NULL);
		ck_assert(access("PWNED-text/plain", F_OK) != 0);
		mailcap_free(mc);
	}
	ck_assert(!exists(canary));
}
END_TEST

START_TEST(test_run_cap)
{
	char *out, *err;
	size_t len;
	int status;

	ck_assert_int_eq(run_entry("text/plain; head -c 5000000 /dev/zero; "
	    "copiousoutput", "text/plain", NULL, 0, NULL, "", &out, &len,
	    &status, &err), 0);
	ck_assert_uint_eq(len, MAILCAP_OUTPUT_MAX);
	ck_assert_int_eq(status, 0);
	free(out);
}
END_TEST

START_TEST(test_pipe)
{
	char *cmd, *err = NULL, *data;
	size_t len;
	int status;
	FILE *f;

	if (asprintf(&cmd, "cat > '%s/piped'", scratch) == -1)
		ck_abort();
	ck_assert_int_eq(mailcap_pipe(cmd, "a\0b", 3, &status, &err), 0);
	ck_assert_int_eq(status, 0);
	free(cmd);
	if (asprintf(&cmd, "%s/piped", scratch) == -1)
		ck_abort();
	f = fopen(cmd, "rb");
	ck_assert(f != NULL);
	data = calloc(1, 16);
	len = fread(data, 1, 16, f);
	fclose(f);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(data, "a\0b", 3) == 0);
	free(data);
	free(cmd);
	ck_assert_int_eq(mailcap_pipe("exit 7", "", 0, &status, &err), 0);
	ck_assert_int_eq(status, 7);
}
END_TEST

/* The search path. */
static const struct {
	const char *mailcaps;
	const char *home;
	const char *want;	/* paths joined with '|' */
} path_rows[] = {
	{ NULL, "/home/u", "/home/u/.mailcap|/etc/mailcap" },
	{ "", "/home/u", "/home/u/.mailcap|/etc/mailcap" },
	{ NULL, NULL, "/etc/mailcap" },
	{ NULL, "", "/etc/mailcap" },
	{ "/a:/b", "/home/u", "/a|/b" },
	{ "::/a::", "/home/u", "/a" },
	{ "~/m:/x", "/home/u", "/home/u/m|/x" },
	{ ":", "/home/u", "" },
};

START_TEST(test_path_rows)
{
	struct strbuf sb = STRBUF_INIT;
	char **p;
	size_t i;

	p = mailcap_paths(path_rows[_i].mailcaps, path_rows[_i].home);
	for (i = 0; p[i] != NULL; i++) {
		if (i > 0)
			strbuf_addch(&sb, '|');
		strbuf_addstr(&sb, p[i]);
	}
	ck_assert_msg(strcmp(sb.buf, path_rows[_i].want) == 0,
	    "row %d: got \"%s\", want \"%s\"", _i, sb.buf, path_rows[_i].want);
	mailcap_paths_free(p);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_load)
{
	struct mailcap *mc = mailcap_new();
	char *a, *b, *err = NULL, *paths[4];
	FILE *f;

	if (asprintf(&a, "%s/one", scratch) == -1 ||
	    asprintf(&b, "%s/two", scratch) == -1)
		ck_abort();
	f = fopen(a, "w");
	ck_assert(f != NULL);
	fputs("text/plain; first %s\n", f);
	fclose(f);
	f = fopen(b, "w");
	ck_assert(f != NULL);
	fputs("text/plain; second %s\nimage/*; img %s\n", f);
	fclose(f);
	ck_assert_int_eq(mailcap_load(mc, "/nonexistent/mailcap", &err), 1);
	paths[0] = (char *)"/nonexistent/x";
	paths[1] = a;
	paths[2] = b;
	paths[3] = NULL;
	ck_assert_int_eq(mailcap_load_paths(mc, paths, &err), 0);
	ck_assert_uint_eq(mc->n, 3);
	/* The first file wins. */
	ck_assert_str_eq(mailcap_find(mc, "text/plain", 0)->view, "first %s");
	ck_assert_str_eq(mailcap_find(mc, "image/gif", 0)->view, "img %s");
	/* A folder is not a file. */
	ck_assert_int_eq(mailcap_load(mc, scratch, &err), -1);
	ck_assert(err != NULL);
	free(err);
	free(a);
	free(b);
	mailcap_free(mc);
}
END_TEST

static Suite *
mailcap_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("mailcap");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_rows, 0, TU_NROWS(parse_rows));
	tcase_add_test(tc, test_parse_lines);
	tcase_add_test(tc, test_find);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_name_rows, 0, TU_NROWS(name_rows));
	tcase_add_test(tc, test_name_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("expand");
	tcase_add_loop_test(tc, test_expand_rows, 0, TU_NROWS(expand_rows));
	tcase_add_test(tc, test_type_safe);
	suite_add_tcase(s, tc);

	tc = tcase_create("run");
	tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_run_copious);
	tcase_add_test(tc, test_run_temp_file);
	tcase_add_test(tc, test_run_hostile);
	tcase_add_test(tc, test_run_cap);
	tcase_add_test(tc, test_pipe);
	tcase_add_loop_test(tc, test_path_rows, 0, TU_NROWS(path_rows));
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(mailcap_suite());
}
