/*
 * Unit tests for src/compose.c: address lists good and hostile, the
 * envelope check, RFC 2047 headers read back through mime.c, the
 * editor's file both ways, replies, lists and forwards of real messages
 * of the shared corpus and of made ones, built messages parsed back
 * (structure, Bcc, attachments byte for byte, the text, ids, boundaries,
 * format=flowed), prepare_raw, signatures and the attachment warning.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "mime.h"
#include "strbuf.h"
#include "testutil.h"
#include "util.h"
#include "xmalloc.h"

#define LEN(s) (sizeof(s) - 1)
#define ME "Me Myself <me@example.org>"

/* Options with a fixed clock, From ME, nothing else. */
static void
opts_init(struct compose_opts *o)
{
	memset(o, 0, sizeof *o);
	o->from = ME;
	o->now = 1700000000;
}

/* The addr-specs of V joined by single spaces (a static buffer). */
static const char *
joined(char **v, size_t n)
{
	static char buf[4096];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    i > 0 ? " " : "", v[i]);
	return (buf);
}

/* -- address lists -------------------------------------------------------- */

static const struct {
	const char *in;
	const char *out;	/* the addr-specs; NULL: an error */
	const char *err;	/* a part of the error, or NULL */
} addr_rows[] = {
	{ "a@b.example", "a@b.example", NULL },
	{ "  a@b.example  ", "a@b.example", NULL },
	{ "John <j@x.example>", "j@x.example", NULL },
	{ "\"Doe, John\" <j@x.example>, b@y.example",
	    "j@x.example b@y.example", NULL },
	{ "\"Smith, J.\" <j@s.example>, \"O'Brien \\\"Bob\\\"\" <b@o.example>",
	    "j@s.example b@o.example", NULL },
	{ "J\xc3\xb6rg M\xc3\xbcller <j@x.example>", "j@x.example", NULL },
	{ "=?UTF-8?Q?Doe=2C_J?= <j@x.example>", "j@x.example", NULL },
	{ "John Q. Public <jqp@x.example>", "jqp@x.example", NULL },
	{ "a@b.example, , ,c@d.example,", "a@b.example c@d.example", NULL },
	{ "Team: a@x.example, B <b@x.example>;, c@x.example",
	    "a@x.example b@x.example c@x.example", NULL },
	{ "undisclosed-recipients:;", "", NULL },
	{ "", "", NULL },
	{ "a@b.example (Alice), (c) <d@e.example>",
	    "a@b.example d@e.example", NULL },
	{ "pete(his account)@silly.test(his host)", "pete@silly.test", NULL },
	{ "j\xc3\xb6@ex\xc3\xa4mple.de", "j\xc3\xb6@ex\xc3\xa4mple.de", NULL },
	{ "x@[192.0.2.1]", "x@[192.0.2.1]", NULL },
	{ "a @ b.example", "a@b.example", NULL },
	/* Hostile and mistaken. */
	{ "a@b.example c@d.example", NULL, "comma" },
	{ "foo", NULL, "\"foo\" is not an address" },
	{ "John Smith@x.example", NULL, "not an address" },
	{ "<a@b.example", NULL, NULL },
	{ "x <a@b.example", NULL, "\">\"" },
	{ "x <a b@c.example>", NULL, NULL },
	{ "<>", NULL, NULL },
	{ "a@", NULL, NULL },
	{ "@b.example", NULL, NULL },
	{ "a@@b.example", NULL, NULL },
	{ "a@b@c.example", NULL, NULL },
	{ "a..b@c.example", NULL, NULL },
	{ ".a@c.example", NULL, NULL },
	{ "a@b.example.", NULL, NULL },
	{ "\"john doe\"@x.example", NULL, "mail can be sent to" },
	{ "\"unclosed <a@b.example>", NULL, "quote" },
	{ "(unclosed a@b.example", NULL, "comment" },
	{ "a@b.example\r\nBcc: x@y.example", NULL, "control character" },
	{ "a\r@b.example", NULL, "control character" },
	{ "a@b.example\nc@d.example", NULL, "control character" },
	{ "a@b.ex\x01mple", NULL, "control character" },
	{ "Team: a@x.example; b@x.example", NULL, NULL },
	{ "Outer: Inner: a@x.example;;", NULL, NULL },
	{ "a@b.example;", NULL, NULL },
	{ "\xff\xfe@x.example", NULL, NULL },
};

START_TEST(test_addr_rows)
{
	char **v = NULL, *err = NULL;
	size_t n = 99;
	int r;

	r = compose_addresses(addr_rows[_i].in, &v, &n, &err);
	if (addr_rows[_i].out == NULL) {
		ck_assert_msg(r == -1, "row %d \"%s\": parsed as \"%s\"", _i,
		    tu_show(addr_rows[_i].in, strlen(addr_rows[_i].in)),
		    r == 0 ? joined(v, n) : "");
		ck_assert_msg(err != NULL && v == NULL && n == 0, "row %d", _i);
		ck_assert_msg(addr_rows[_i].err == NULL ||
		    strstr(err, addr_rows[_i].err) != NULL,
		    "row %d: error \"%s\" lacks \"%s\"", _i, err,
		    addr_rows[_i].err);
		free(err);
		return;
	}
	ck_assert_msg(r == 0, "row %d \"%s\": %s", _i, addr_rows[_i].in, err);
	ck_assert_msg(strcmp(joined(v, n), addr_rows[_i].out) == 0,
	    "row %d: \"%s\", not \"%s\"", _i, joined(v, n),
	    addr_rows[_i].out);
	ck_assert_msg(v[n] == NULL, "row %d: no NULL after the vector", _i);
	util_strv_free(v, n);
}
END_TEST

/* An address of LOCAL local bytes at a 10-byte domain. */
static char *
long_address(size_t local)
{
	char *s = xmalloc(local + 12);

	memset(s, 'a', local);
	memcpy(s + local, "@b.example", 11);
	return (s);
}

static const struct {
	const char *addr;
	int ok;
} envelope_rows[] = {
	{ "a@b", 1 },
	{ "j\xc3\xb6@ex\xc3\xa4mple.de", 1 },
	{ "a b@c", 0 },
	{ "a@b>", 0 },
	{ "<a@b", 0 },
	{ "a\r@b", 0 },
	{ "a@b\n", 0 },
	{ "a\t@b", 0 },
	{ "a\x7f@b", 0 },
	{ "\xc2\x85@b", 0 },
	{ "\xff@b", 0 },
	{ "\xc3@b", 0 },
	{ "@b", 0 },
	{ "a@", 0 },
	{ "ab", 0 },
	{ "a@b@c", 0 },
	{ "", 0 },
};

START_TEST(test_envelope_rows)
{
	ck_assert_msg(compose_address_ok(envelope_rows[_i].addr) ==
	    envelope_rows[_i].ok, "row %d \"%s\"", _i,
	    tu_show(envelope_rows[_i].addr, strlen(envelope_rows[_i].addr)));
}
END_TEST

START_TEST(test_envelope_length)
{
	char *a254 = long_address(244), *a255 = long_address(245);
	char *a300 = long_address(290), **v = NULL, *err = NULL;
	size_t n;

	ck_assert_uint_eq(strlen(a254), 254);
	ck_assert(compose_address_ok(a254));
	ck_assert(!compose_address_ok(a255));
	ck_assert(!compose_address_ok(NULL));
	ck_assert_int_eq(compose_addresses(a254, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	util_strv_free(v, n);
	ck_assert_int_eq(compose_addresses(a300, &v, &n, &err), -1);
	/* The error shows a part of the address, not all 300 bytes. */
	ck_assert_msg(strlen(err) < 200, "error of %zu bytes", strlen(err));
	free(err);
	free(a254);
	free(a255);
	free(a300);
}
END_TEST

/* -- headers read back ---------------------------------------------------- */

/* The header block of DATA (up to the first empty line), a new string. */
static char *
header_of(const char *data)
{
	const char *e = strstr(data, "\r\n\r\n");

	ck_assert_msg(e != NULL, "no header end");
	return (xstrndup(data, (size_t)(e - data) + 2));
}

/*
 * Check the header block H: CRLF lines no longer than 78 (except a
 * single token that cannot fold), ASCII only, encoded words no longer
 * than 75.
 */
static void
check_header_block(const char *h, const char *what)
{
	const char *line = h, *eol, *w;
	size_t n;

	for (; *line != '\0'; line = eol + 2) {
		eol = strstr(line, "\r\n");
		ck_assert_msg(eol != NULL, "%s: a line without CRLF", what);
		n = (size_t)(eol - line);
		ck_assert_msg(memchr(line, '\n', n) == NULL &&
		    memchr(line, '\r', n) == NULL, "%s: bare line end", what);
		ck_assert_msg(n <= 78, "%s: a line of %zu: %s", what, n,
		    tu_show(line, n));
		for (w = line; w < eol; w++)
			ck_assert_msg((unsigned char)*w < 0x80 &&
			    (unsigned char)*w >= ' ', "%s: byte %02x in the "
			    "header", what, (unsigned char)*w);
		for (w = line; (w = strstr(w, "=?")) != NULL && w < eol;
		    w += 2) {
			const char *e = strstr(w + 2, "?=");
			const char *q1 = strchr(w + 2, '?');

			/* =?charset?X?text?= : the end after the 3rd '?'. */
			ck_assert_msg(q1 != NULL && q1 < eol, "%s", what);
			e = strstr(q1 + 3, "?=");
			ck_assert_msg(e != NULL && e < eol, "%s: a word cut: %s",
			    what, tu_show(line, n));
			ck_assert_msg(e + 2 - w <= 75, "%s: a word of %d",
			    what, (int)(e + 2 - w));
			w = e;
		}
	}
}

static const struct {
	const char *subject;
	int plain;		/* written as it is */
} subject_rows[] = {
	{ "Hello", 1 },
	{ "Saying hello to you all, with commas: and colons", 1 },
	{ "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln", 0 },
	{ "Re: [list] caf\xc3\xa9 au lait", 0 },
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6"
	    "\xe5\x90\x8d", 0 },
	{ "emoji \xf0\x9f\x98\x80\xf0\x9f\x8e\x89 party", 0 },
	{ "looks like a word =?UTF-8?Q?x?= but is not", 0 },
	{ "A rather long subject line that goes on and on past the fold "
	    "column and then some more words to fold twice over the limit",
	    1 },
	{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 and \xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 0 },
	{ "https://example.org/a/very/long/path/that/is/one/word/longer/than/"
	    "the/fold/column/of/seventy/eight", 0 },
	{ "M\xc3\xbcller M\xc3\xbcller M\xc3\xbcller M\xc3\xbcller M\xc3\xbc"
	    "ller M\xc3\xbcller M\xc3\xbcller M\xc3\xbcller M\xc3\xbcller "
	    "plain words at the end", 0 },
};

START_TEST(test_subject_rows)
{
	struct compose_opts o;
	struct compose_out out;
	struct mime_message msg;
	struct draft d;
	char *err = NULL, *h, *raw;

	opts_init(&o);
	draft_init(&d);
	d.to = xstrdup("you@example.net");
	d.subject = xstrdup(subject_rows[_i].subject);
	d.body = xstrdup("text\n");
	ck_assert_msg(compose_build(&d, &o, &out, &err) == 0, "row %d: %s",
	    _i, err);
	h = header_of(out.data);
	check_header_block(h, subject_rows[_i].subject);
	ck_assert_int_eq(mime_message_parse(out.data, out.len, &msg), 0);
	ck_assert_msg(msg.subject != NULL &&
	    strcmp(msg.subject, subject_rows[_i].subject) == 0,
	    "row %d: read back as \"%s\"", _i, msg.subject);
	raw = mime_header_value(h, strlen(h), "Subject");
	ck_assert_msg((strcmp(raw, subject_rows[_i].subject) == 0) ==
	    subject_rows[_i].plain, "row %d: written as \"%s\"", _i, raw);
	ck_assert_str_eq(out.subject, subject_rows[_i].subject);
	free(raw);
	mime_message_release(&msg);
	free(h);
	compose_out_release(&out);
	draft_release(&d);
}
END_TEST

static const struct {
	const char *from;
	const char *read;	/* From as mime.c reads it back */
} name_rows[] = {
	{ "J\xc3\xb6rg M\xc3\xbcller <joerg@example.org>",
	    "J\xc3\xb6rg M\xc3\xbcller <joerg@example.org>" },
	{ "\"Doe, John\" <john@example.org>", "\"Doe, John\" <john@example.org>" },
	{ "Plain Name <p@example.org>", "Plain Name <p@example.org>" },
	{ "p@example.org", "p@example.org" },
	{ "\"M\xc3\xbcller, J\xc3\xb6rg\" <j@example.org>",
	    "M\xc3\xbcller, J\xc3\xb6rg <j@example.org>" },
	{ "\"A \\\"quoted\\\" one\" <q@example.org>",
	    "\"A \\\"quoted\\\" one\" <q@example.org>" },
};

START_TEST(test_name_rows)
{
	struct compose_opts o;
	struct compose_out out;
	struct mime_message msg;
	struct draft d;
	char *err = NULL, *h;

	opts_init(&o);
	draft_init(&d);
	d.from = xstrdup(name_rows[_i].from);
	d.to = xstrdup(name_rows[_i].from);
	ck_assert_msg(compose_build(&d, &o, &out, &err) == 0, "row %d: %s",
	    _i, err);
	h = header_of(out.data);
	check_header_block(h, name_rows[_i].from);
	ck_assert_int_eq(mime_message_parse(out.data, out.len, &msg), 0);
	ck_assert_msg(strcmp(msg.from, name_rows[_i].read) == 0,
	    "row %d: From read back as \"%s\"", _i, msg.from);
	ck_assert_msg(strcmp(msg.to, name_rows[_i].read) == 0,
	    "row %d: To read back as \"%s\"", _i, msg.to);
	mime_message_release(&msg);
	free(h);
	compose_out_release(&out);
	draft_release(&d);
}
END_TEST

/* Many recipients fold between addresses and read back whole. */
START_TEST(test_long_to)
{
	struct compose_opts o;
	struct compose_out out;
	struct strbuf to = STRBUF_INIT;
	struct draft d;
	char *err = NULL, *h, *v, **addrs;
	size_t n, i;

	opts_init(&o);
	draft_init(&d);
	for (i = 0; i < 40; i++)
		strbuf_addf(&to, "%sPerson N\xc3\xb8%zu <p%zu@example.net>",
		    i > 0 ? ", " : "", i, i);
	d.to = strbuf_detach(&to, NULL);
	ck_assert_int_eq(compose_build(&d, &o, &out, &err), 0);
	ck_assert_uint_eq(out.nrcpt, 40);
	h = header_of(out.data);
	check_header_block(h, "40 recipients");
	v = mime_header_value(h, strlen(h), "To");
	ck_assert_int_eq(compose_addresses(v, &addrs, &n, &err), 0);
	ck_assert_uint_eq(n, 40);
	ck_assert_str_eq(addrs[39], "p39@example.net");
	util_strv_free(addrs, n);
	free(v);
	free(h);
	compose_out_release(&out);
	draft_release(&d);
}
END_TEST

/* -- built messages ------------------------------------------------------- */

/* Write LEN bytes at DATA to DIR/NAME; the path (free() it). */
static char *
scratch_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return (path);
}

/* The part of PARTS (N) that is a leaf named NAME, or -1. */
static int
part_named(const struct mime_part *parts, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (parts[i].filename != NULL &&
		    strcmp(parts[i].filename, name) == 0)
			return ((int)i);
	return (-1);
}

/* S without its CR bytes (a new string). */
static char *
no_cr(const char *s, size_t len)
{
	char *t = xmalloc(len + 1);
	size_t i, j = 0;

	for (i = 0; i < len; i++)
		if (s[i] != '\r')
			t[j++] = s[i];
	t[j] = '\0';
	return (t);
}

/* Every line of DATA ends in CRLF and is at most 998 (or MAX) octets. */
static void
check_lines(const char *data, size_t len, size_t max)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n') {
			ck_assert_msg(i > 0 && data[i - 1] == '\r',
			    "a bare LF at %zu", i);
			ck_assert_msg(i - 1 - start <= max, "a line of %zu at "
			    "%zu: %s", i - 1 - start, start,
			    tu_show(data + start, i - 1 - start));
			start = i + 1;
		} else if (data[i] == '\r')
			ck_assert_msg(i + 1 < len && data[i + 1] == '\n',
			    "a bare CR at %zu", i);
	}
	ck_assert_msg(len >= 2 && memcmp(data + len - 2, "\r\n", 2) == 0,
	    "the data does not end in CRLF");
}

static const char *const names[] = {
	"report.pdf",
	"Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln.txt",
	"a \"quoted\" \\ name; with=specials $(rm -rf ~) `x`.bin",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe9\x95\xb7\xe3\x81"
	    "\x84\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab\xe5\x90\x8d"
	    "\xe3\x81\xae\xe6\xb7\xbb\xe4\xbb\x98\xe3\x83\x95\xe3\x82\xa1\xe3"
	    "\x82\xa4\xe3\x83\xab\xe3\x81\xa7\xe3\x81\x99.dat",
	"tab\there and newline\nthere.txt",
};
/* The names as mime.c reads them (line ends and tabs as spaces). */
static const char *const names_read[] = {
	NULL, NULL, NULL, NULL, "tab here and newline there.txt",
};

START_TEST(test_build_structure)
{
	struct compose_opts o;
	struct compose_out out, out2;
	struct mime_message msg;
	struct mime_part *parts = NULL;
	struct draft d;
	char *dir, *path, *err = NULL, *h, *data, *t, *bnd1, *bnd2;
	unsigned char bin[10000];
	uint64_t seed = 7;
	size_t i, n, len;
	const char *body = "Hello,\n\nline two = \"equals\" caf\xc3\xa9\n"
	    "From the start\n.\n  trailing space  \n-- \nMe\n";
	int k;

	if ((dir = tu_scratch_new("check_compose")) == NULL)
		ck_abort_msg("no scratch folder");
	for (i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)tu_rand(&seed);
	opts_init(&o);
	draft_init(&d);
	d.to = xstrdup("You <you@example.net>");
	d.cc = xstrdup("cc@example.net");
	d.bcc = xstrdup("Hidden One <hidden@secret.example>");
	d.subject = xstrdup("files");
	d.body = xstrdup(body);
	d.in_reply_to = xstrdup("<orig@example.net>");
	d.references = xstrdup("<root@example.net> <orig@example.net>");
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *sub = xasprintf("%s/d%zu", dir, i);

		ck_assert_int_eq(mkdir(sub, 0700), 0);
		path = scratch_file(sub, names[i], (const char *)bin,
		    sizeof bin - i * 100);
		draft_attach(&d, path, NULL);
		free(path);
		free(sub);
	}
	/* A path with "../" in it: the name is the base name alone. */
	path = xasprintf("%s/d0/../d0/%s", dir, names[0]);
	draft_attach(&d, path, "application/x-special");
	free(path);

	ck_assert_msg(compose_build(&d, &o, &out, &err) == 0, "%s", err);
	check_lines(out.data, out.len, 998);
	h = header_of(out.data);
	check_header_block(h, "headers");
	ck_assert_msg(strcasestr(h, "\r\nBcc:") == NULL, "a Bcc header");
	ck_assert_msg(memmem(out.data, out.len, "hidden@secret.example",
	    LEN("hidden@secret.example")) == NULL, "the Bcc address is sent");
	ck_assert_msg(memmem(out.data, out.len, "Hidden One",
	    LEN("Hidden One")) == NULL, "the Bcc name is sent");
	ck_assert_str_eq(out.bcc, "Hidden One <hidden@secret.example>");
	ck_assert_str_eq(joined(out.rcpts, out.nrcpt),
	    "you@example.net cc@example.net hidden@secret.example");
	ck_assert_str_eq(out.env_from, "me@example.org");
	ck_assert_str_eq(out.to, "You <you@example.net>");
	ck_assert_int_eq(out.eightbit, 0);
	ck_assert_int_eq(out.utf8_addrs, 0);

	/* Ids, date, the fixed headers. */
	ck_assert_msg(strncmp(out.message_id, "<", 1) == 0 &&
	    strlen(out.message_id) > 20, "%s", out.message_id);
	ck_assert_msg(strstr(out.message_id, "@example.org>") != NULL &&
	    strchr(out.message_id, '@') == strrchr(out.message_id, '@'),
	    "Message-ID %s: not at From's domain", out.message_id);
	t = mime_header_value(h, strlen(h), "Message-ID");
	ck_assert_str_eq(t, out.message_id);
	free(t);
	t = mime_header_value(h, strlen(h), "Date");
	ck_assert_msg(mime_parse_date(t) == 1700000000, "Date \"%s\"", t);
	free(t);
	t = mime_header_value(h, strlen(h), "In-Reply-To");
	ck_assert_str_eq(t, "<orig@example.net>");
	free(t);
	t = mime_header_value(h, strlen(h), "References");
	ck_assert_str_eq(t, "<root@example.net> <orig@example.net>");
	free(t);
	t = mime_header_value(h, strlen(h), "MIME-Version");
	ck_assert_str_eq(t, "1.0");
	free(t);
	t = mime_header_value(h, strlen(h), "User-Agent");
	ck_assert_str_eq(t, "tern/" PACKAGE_VERSION);
	free(t);
	t = mime_header_value(h, strlen(h), "Content-Type");
	ck_assert_msg(strncmp(t, "multipart/mixed;", 16) == 0, "%s", t);
	bnd1 = xstrdup(strstr(t, "boundary="));
	free(t);

	/* The parts: the text, then each file byte for byte. */
	ck_assert_int_eq(mime_parts(out.data, out.len, &parts, &n), 0);
	ck_assert_uint_eq(n, 2 + sizeof names / sizeof names[0] + 1);
	ck_assert_str_eq(parts[0].type, "multipart/mixed");
	ck_assert_str_eq(parts[1].type, "text/plain");
	ck_assert_str_eq(parts[1].charset, "UTF-8");
	ck_assert_int_eq(mime_part_data(out.data, out.len, 1, &data, &len),
	    0);
	t = no_cr(data, len);
	ck_assert_msg(strcmp(t, body) == 0, "the text reads back as %s",
	    tu_show(t, strlen(t)));
	free(t);
	free(data);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		k = part_named(parts, n, names_read[i] != NULL ?
		    names_read[i] : names[i]);
		ck_assert_msg(k > 0, "no part named %s", tu_show(names[i],
		    strlen(names[i])));
		ck_assert_int_eq(parts[k].disposition, MIME_DISP_ATTACHMENT);
		ck_assert_int_eq(mime_part_data(out.data, out.len, (size_t)k,
		    &data, &len), 0);
		ck_assert_uint_eq(len, sizeof bin - i * 100);
		ck_assert_msg(memcmp(data, bin, len) == 0, "part %d differs",
		    k);
		free(data);
	}
	ck_assert_str_eq(parts[n - 1].type, "application/x-special");
	ck_assert_str_eq(parts[n - 1].filename, names[0]);
	mime_parts_free(parts, n);

	/* The reader's view: the text first. */
	ck_assert_int_eq(mime_message_parse(out.data, out.len, &msg), 0);
	ck_assert_msg(strncmp(msg.text, body, strlen(body)) == 0, "text %s",
	    tu_show(msg.text, msg.text_len));
	ck_assert(msg.has_attachment);
	mime_message_release(&msg);

	/* A second build: new ids, new boundaries. */
	ck_assert_int_eq(compose_build(&d, &o, &out2, &err), 0);
	ck_assert_str_ne(out.message_id, out2.message_id);
	free(h);
	h = header_of(out2.data);
	t = mime_header_value(h, strlen(h), "Content-Type");
	bnd2 = xstrdup(strstr(t, "boundary="));
	ck_assert_str_ne(bnd1, bnd2);
	ck_assert_msg(strlen(bnd1) > 30, "a short boundary %s", bnd1);
	free(t);
	free(bnd1);
	free(bnd2);
	free(h);
	compose_out_release(&out2);
	compose_out_release(&out);
	draft_release(&d);
	tu_scratch_free(dir);
}
END_TEST

/* Types from the content (libmagic) and from the name. */
START_TEST(test_build_types)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0
	};
	static const unsigned char junk[] = { 0x00, 0x17, 0xfe, 0x42, 0x99 };
	struct compose_opts o;
	struct compose_out out;
	struct mime_part *parts;
	struct draft d;
	char *dir, *path, *err = NULL;
	size_t n;
	int k;

	if ((dir = tu_scratch_new("check_compose")) == NULL)
		ck_abort_msg("no scratch folder");
	opts_init(&o);
	draft_init(&d);
	d.to = xstrdup("you@example.net");
	path = scratch_file(dir, "picture.dat", (const char *)png,
	    sizeof png);
	draft_attach(&d, path, NULL);
	free(path);
	path = scratch_file(dir, "notes.txt", "caf\xc3\xa9\n", 6);
	draft_attach(&d, path, NULL);
	free(path);
	path = scratch_file(dir, "blob", (const char *)junk, sizeof junk);
	draft_attach(&d, path, NULL);
	free(path);
	path = scratch_file(dir, "inner.eml", "From: a@b.example\n"
	    "Subject: inner\n\nInner caf\xc3\xa9 text.\n", 52);
	draft_attach(&d, path, NULL);
	free(path);
	ck_assert_msg(compose_build(&d, &o, &out, &err) == 0, "%s", err);
	ck_assert_int_eq(mime_parts(out.data, out.len, &parts, &n), 0);
	k = part_named(parts, n, "picture.dat");
	ck_assert_msg(k > 0 && strcmp(parts[k].type, "image/png") == 0,
	    "picture.dat: %s", k > 0 ? parts[k].type : "none");
	k = part_named(parts, n, "notes.txt");
	ck_assert_msg(k > 0 && strcmp(parts[k].type, "text/plain") == 0 &&
	    parts[k].charset != NULL &&
	    strcasecmp(parts[k].charset, "UTF-8") == 0, "notes.txt");
	k = part_named(parts, n, "blob");
	ck_assert_msg(k > 0 && strcmp(parts[k].type,
	    "application/octet-stream") == 0, "blob: %s",
	    k > 0 ? parts[k].type : "none");
	/* A message is sent as one, never in base64. */
	k = part_named(parts, n, "inner.eml");
	ck_assert_msg(k > 0 && strcmp(parts[k].type, "message/rfc822") == 0,
	    "inner.eml: %s", k > 0 ? parts[k].type : "none");
	ck_assert(memmem(out.data, out.len, "Subject: inner\r\n", 16) !=
	    NULL);
	ck_assert_int_eq(out.eightbit, 1);
	mime_parts_free(parts, n);
	compose_out_release(&out);
	draft_release(&d);
	tu_scratch_free(dir);
}
END_TEST

/* A forward as an attachment: a message/rfc822 part holding the raw. */
START_TEST(test_build_forward_raw)
{
	static const char raw[] = "From: Orig <orig@example.com>\n"
	    "Subject: the original\n\nOriginal text \xc3\xa9.\n";
	struct compose_opts o;
	struct compose_out out;
	struct mime_part *parts;
	struct draft d;
	char *err = NULL, *data, *t;
	size_t n, len, i;

	opts_init(&o);
	ck_assert_int_eq(compose_start(COMPOSE_FORWARD_ATTACH, raw,
	    LEN(raw), &o, &d, &err), 0);
	ck_assert_uint_eq(d.forward_len, LEN(raw));
	ck_assert(memcmp(d.forward_raw, raw, LEN(raw)) == 0);
	ck_assert_str_eq(d.subject, "Fwd: the original");
	d.to = xstrdup("you@example.net");
	ck_assert_msg(compose_build(&d, &o, &out, &err) == 0, "%s", err);
	check_lines(out.data, out.len, 998);
	ck_assert_int_eq(out.eightbit, 1);
	ck_assert_int_eq(mime_parts(out.data, out.len, &parts, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(parts[i].type, "message/rfc822") == 0)
			break;
	ck_assert_msg(i < n, "no message/rfc822 part");
	ck_assert_int_eq(mime_part_data(out.data, out.len, i, &data, &len),
	    0);
	t = no_cr(data, len);
	ck_assert_msg(strcmp(t, raw) == 0, "the forwarded message reads %s",
	    tu_show(t, strlen(t)));
	free(t);
	free(data);
	mime_parts_free(parts, n);
	compose_out_release(&out);
	draft_release(&d);
}
END_TEST

/* format=flowed: short lines, the long one read back whole. */
START_TEST(test_build_flowed)
{
	static const char body[] = "Short line.\n"
	    "A very long line of words that goes on and on, well past the "
	    "seventy-eight columns of a mail line, so that it must be wrapped "
	    "into flowed lines and joined again by the reader.\n"
	    " starts with a space\nFrom here\n> quoted line that is also "
	    "long enough to be wrapped across more than one line by the "
	    "flowed writer here\ntrailing   \n-- \nsig\n";
	struct compose_opts o;
	struct compose_out out;
	struct mime_message msg;
	struct draft d;
	char *err = NULL, *h, *t, *data;
	size_t len;

	opts_init(&o);
	o.text_flowed = 1;
	draft_init(&d);
	d.to = xstrdup("you@example.net");
	d.body = xstrdup(body);
	ck_assert_int_eq(compose_build(&d, &o, &out, &err), 0);
	check_lines(out.data, out.len, 78);
	h = header_of(out.data);
	t = mime_header_value(h, strlen(h), "Content-Type");
	ck_assert_msg(strstr(t, "format=\"flowed\"") != NULL ||
	    strstr(t, "format=flowed") != NULL, "%s", t);
	free(t);
	free(h);
	ck_assert_int_eq(mime_message_parse(out.data, out.len, &msg), 0);
	ck_assert_msg(strstr(msg.text, "A very long line of words that goes "
	    "on and on, well past the seventy-eight columns of a mail line, "
	    "so that it must be wrapped into flowed lines and joined again by "
	    "the reader.\n") != NULL, "not joined: %s", tu_show(msg.text,
	    msg.text_len));
	ck_assert_msg(strstr(msg.text, "\n starts with a space\nFrom here\n")
	    != NULL, "stuffing: %s", tu_show(msg.text, msg.text_len));
	ck_assert_msg(strstr(msg.text, "\ntrailing\n-- \nsig") != NULL,
	    "signature: %s", tu_show(msg.text, msg.text_len));
	mime_message_release(&msg);
	/* The raw flowed text: stuffed lines and soft breaks. */
	ck_assert_int_eq(mime_part_data(out.data, out.len, 0, &data, &len),
	    0);
	t = no_cr(data, len);
	ck_assert_msg(strstr(t, "\n  starts with a space\n") != NULL &&
	    strstr(t, "\n From here\n") != NULL && strstr(t, "past the \n")
	    != NULL, "flowed form: %s", tu_show(t, strlen(t)));
	ck_assert_msg(strstr(t, "\n> quoted line") != NULL, "%s",
	    tu_show(t, strlen(t)));
	free(t);
	free(data);
	compose_out_release(&out);
	draft_release(&d);
}
END_TEST

static const struct {
	const char *from, *to, *cc, *bcc, *attach;
	const char *err;
} build_err_rows[] = {
	{ NULL, "a@b.example", NULL, NULL, NULL, "From" },
	{ "a@b.example, c@d.example", "x@y.example", NULL, NULL, NULL,
	    "one address" },
	{ "not an address", "x@y.example", NULL, NULL, NULL, "From" },
	{ ME, NULL, NULL, NULL, NULL, "no recipient" },
	{ ME, "", " ", "undisclosed-recipients:;", NULL, "no recipient" },
	{ ME, "x@y.example", "bad address here", NULL, NULL, "Cc" },
	{ ME, "x@y.example", NULL, "a@b\nBcc: c@d", NULL, "Bcc" },
	{ ME, "x@y.example", NULL, NULL, "/nonexistent/file.txt",
	    "/nonexistent/file.txt" },
	{ ME, "x@y.example", NULL, NULL, "/", "not a regular file" },
	{ ME, "x@y.example", NULL, NULL, "", "attachment" },
};

START_TEST(test_build_err_rows)
{
	struct compose_opts o;
	struct compose_out out;
	struct draft d;
	char *err = NULL;

	opts_init(&o);
	o.from = NULL;
	draft_init(&d);
	d.from = xstrdup(build_err_rows[_i].from);
	d.to = xstrdup(build_err_rows[_i].to);
	d.cc = xstrdup(build_err_rows[_i].cc);
	d.bcc = xstrdup(build_err_rows[_i].bcc);
	if (build_err_rows[_i].attach != NULL)
		draft_attach(&d, build_err_rows[_i].attach, NULL);
	ck_assert_msg(compose_build(&d, &o, &out, &err) == -1, "row %d", _i);
	ck_assert_msg(err != NULL && strstr(err, build_err_rows[_i].err) !=
	    NULL, "row %d: \"%s\" lacks \"%s\"", _i, err,
	    build_err_rows[_i].err);
	ck_assert(out.data == NULL && out.rcpts == NULL);
	free(err);
	draft_release(&d);
}
END_TEST

START_TEST(test_build_rcpts)
{
	struct compose_opts o;
	struct compose_out out;
	struct draft d;
	char *err = NULL;

	opts_init(&o);
	draft_init(&d);
	d.to = xstrdup("a@X.example, b@y.example");
	d.cc = xstrdup("A <a@x.EXAMPLE>, b@y.example");
	d.bcc = xstrdup("A@x.example, j\xc3\xb6@ex\xc3\xa4mple.de");
	ck_assert_int_eq(compose_build(&d, &o, &out, &err), 0);
	ck_assert_str_eq(joined(out.rcpts, out.nrcpt), "a@X.example "
	    "b@y.example A@x.example j\xc3\xb6@ex\xc3\xa4mple.de");
	ck_assert_int_eq(out.utf8_addrs, 1);
	ck_assert_ptr_null(out.rcpts[out.nrcpt]);
	compose_out_release(&out);
	/* Reply-To from the options when the draft has none. */
	o.reply_to = "Lists <lists@example.org>";
	ck_assert_int_eq(compose_build(&d, &o, &out, &err), 0);
	ck_assert(strstr(out.data, "\r\nReply-To: Lists <lists@example.org>"
	    "\r\n") != NULL);
	ck_assert_str_eq(out.env_from, "me@example.org");
	compose_out_release(&out);
	draft_release(&d);
}
END_TEST

/* -- the editor's file ---------------------------------------------------- */

START_TEST(test_file_roundtrip)
{
	struct draft d, e;
	char *file, *err = NULL, *again;

	draft_init(&d);
	d.from = xstrdup(ME);
	d.to = xstrdup("\"Doe, John\" <j@x.example>, b@y.example");
	d.cc = xstrdup("J\xc3\xb6rg <j@example.de>");
	d.bcc = xstrdup("hidden@example.net");
	d.reply_to = xstrdup("lists@example.org");
	d.subject = xstrdup("Re: gr\xc3\xbc\xc3\x9f" "e: x");
	d.body = xstrdup("Hello\n\nFrom: not a header, the text\n> q\n");
	d.in_reply_to = xstrdup("<a@b>");
	draft_attach(&d, "/tmp/with space/file name.pdf", "application/pdf");
	draft_attach(&d, "rel.txt", NULL);
	file = compose_file_write(&d);
	ck_assert_msg(strncmp(file, "From: " ME "\nTo: ", 10) == 0, "%s",
	    file);
	ck_assert(strstr(file, "\nAttach: /tmp/with space/file name.pdf\n")
	    != NULL);
	ck_assert(strstr(file, "\n\nHello\n\nFrom: not a header") != NULL);

	draft_init(&e);
	e.in_reply_to = xstrdup("<kept@x>");
	draft_attach(&e, "/tmp/with space/file name.pdf", "application/pdf");
	draft_attach(&e, "gone.txt", NULL);
	ck_assert_msg(compose_file_read(file, strlen(file), &e, &err) == 0,
	    "%s", err);
	ck_assert_str_eq(e.from, d.from);
	ck_assert_str_eq(e.to, d.to);
	ck_assert_str_eq(e.cc, d.cc);
	ck_assert_str_eq(e.bcc, d.bcc);
	ck_assert_str_eq(e.reply_to, d.reply_to);
	ck_assert_str_eq(e.subject, d.subject);
	ck_assert_str_eq(e.body, d.body);
	ck_assert_str_eq(e.in_reply_to, "<kept@x>");
	ck_assert_uint_eq(e.nattach, 2);
	ck_assert_str_eq(e.attach[0].path, "/tmp/with space/file name.pdf");
	ck_assert_str_eq(e.attach[0].type, "application/pdf");
	ck_assert_str_eq(e.attach[1].path, "rel.txt");
	ck_assert_ptr_null(e.attach[1].type);
	again = compose_file_write(&e);
	ck_assert_str_eq(again, file);
	free(again);
	free(file);
	draft_detach(&e, 0);
	ck_assert_uint_eq(e.nattach, 1);
	ck_assert_str_eq(e.attach[0].path, "rel.txt");
	draft_detach(&e, 5);
	ck_assert_uint_eq(e.nattach, 1);
	draft_release(&d);
	draft_release(&e);
}
END_TEST

static const struct {
	const char *text;
	size_t len;		/* 0: strlen */
	const char *err;	/* NULL: read */
	const char *to, *subject, *body;
} file_rows[] = {
	{ "To: a@b.example\nSubject: hi\n\nbody\n", 0, NULL, "a@b.example",
	    "hi", "body\n" },
	{ "to: a@b.example\nSUBJECT: hi\n\nbody", 0, NULL, "a@b.example", "hi",
	    "body" },
	{ "To: a@b.example,\n  c@d.example,\n\tE <e@f.example>\n\n", 0, NULL,
	    "a@b.example, c@d.example, E <e@f.example>", NULL, "" },
	{ "To: a@b.example,\n  c@d.example\n\tE <e@f.example>\n\n", 0,
	    "line 1: \"c@d.example E", NULL, NULL, NULL },
	{ "To: a@b.example\nTo: c@d.example\n\nx", 0, NULL,
	    "a@b.example, c@d.example", NULL, "x" },
	{ "To: a@b.example\r\nSubject: crlf\r\n\r\nline\r\n", 0, NULL,
	    "a@b.example", "crlf", "line\n" },
	{ "To:\nCc: \nSubject:   \n\n", 0, NULL, NULL, NULL, "" },
	{ "Subject: only headers", 0, NULL, NULL, "only headers", "" },
	{ "", 0, NULL, NULL, NULL, "" },
	{ "To: a@b.example\nSubject: x\n\nbody with \"From:\" and\n"
	    "X-Foo: lines\n", 0, NULL, "a@b.example", "x",
	    "body with \"From:\" and\nX-Foo: lines\n" },
	{ "To: a@b.example\nX-Foo: bar\n\n", 0,
	    "line 2: unknown header \"X-Foo\"", NULL, NULL, NULL },
	{ "Hello there, no headers\n", 0, "line 1", NULL, NULL, NULL },
	{ "To: a@b.example\nno colon here\n\n", 0, "line 2", NULL, NULL,
	    NULL },
	{ " continued\nTo: a@b.example\n\n", 0, "line 1", NULL, NULL, NULL },
	{ "Subject: x\nTo: a@b.example c@d.example\n\n", 0,
	    "line 2: \"a@b.example c@d.example\": a comma", NULL, NULL, NULL },
	{ "From: a@b.example, c@d.example\n\n", 0, "line 1: From", NULL, NULL,
	    NULL },
	{ "Subject: one\nSubject: two\n\n", 0, "line 2: a second Subject",
	    NULL, NULL, NULL },
	{ "To: a@b.example\rBcc: evil@x.example\n\n", 0,
	    "line 1: a carriage return", NULL, NULL, NULL },
	{ "To: a@b.example\n\nbody\rmore\n", 0, "line 3: a carriage return",
	    NULL, NULL, NULL },
	{ "To: a@b.example\nSubject: x\0y\n\n", 29, "line 2: a NUL", NULL,
	    NULL, NULL },
	{ "To: a@b.example\n\nbody\0", 23, "line 3: a NUL", NULL, NULL,
	    NULL },
	{ "Subject: caf\xe9\n\n", 0, "line 1: bytes that are not UTF-8", NULL,
	    NULL, NULL },
	{ "Attach:   \n\n", 0, "line 1: Attach", NULL, NULL, NULL },
	{ "Bcc: x@y.example\nReply-To: <broken\n\n", 0, "line 2", NULL, NULL,
	    NULL },
};

START_TEST(test_file_rows)
{
	struct draft d;
	char *err = NULL;
	size_t len = file_rows[_i].len != 0 ? file_rows[_i].len :
	    strlen(file_rows[_i].text);
	int r;

	draft_init(&d);
	d.to = xstrdup("old@example.net");
	r = compose_file_read(file_rows[_i].text, len, &d, &err);
	if (file_rows[_i].err != NULL) {
		ck_assert_msg(r == -1, "row %d: read", _i);
		ck_assert_msg(strstr(err, file_rows[_i].err) != NULL,
		    "row %d: \"%s\" lacks \"%s\"", _i, err, file_rows[_i].err);
		/* A failed read leaves the draft as it was. */
		ck_assert_str_eq(d.to, "old@example.net");
		free(err);
	} else {
		ck_assert_msg(r == 0, "row %d: %s", _i, err);
		ck_assert_msg((d.to == NULL && file_rows[_i].to == NULL) ||
		    (d.to != NULL && file_rows[_i].to != NULL &&
		    strcmp(d.to, file_rows[_i].to) == 0), "row %d: To \"%s\"",
		    _i, d.to);
		ck_assert_msg((d.subject == NULL &&
		    file_rows[_i].subject == NULL) || (d.subject != NULL &&
		    file_rows[_i].subject != NULL && strcmp(d.subject,
		    file_rows[_i].subject) == 0), "row %d: Subject \"%s\"", _i,
		    d.subject);
		ck_assert_msg(strcmp(d.body, file_rows[_i].body) == 0,
		    "row %d: body %s", _i, tu_show(d.body, strlen(d.body)));
	}
	draft_release(&d);
}
END_TEST

/* A 100 KB header line: read in time, or refused with a short error. */
START_TEST(test_file_huge_line)
{
	struct strbuf sb = STRBUF_INIT;
	struct draft d;
	char *err = NULL, **v;
	size_t i, n;

	strbuf_addstr(&sb, "To: ");
	for (i = 0; sb.len < 100 * 1024; i++)
		strbuf_addf(&sb, "%sp%zu@example.net", i > 0 ? ", " : "", i);
	strbuf_addstr(&sb, "\n\nbody\n");
	draft_init(&d);
	ck_assert_int_eq(compose_file_read(sb.buf, sb.len, &d, &err), 0);
	ck_assert_int_eq(compose_addresses(d.to, &v, &n, &err), 0);
	ck_assert_uint_eq(n, i);
	util_strv_free(v, n);
	draft_release(&d);

	strbuf_reset(&sb);
	strbuf_addstr(&sb, "Subject: x\nTo: ");
	for (i = 0; i < 100 * 1024; i++)
		strbuf_addch(&sb, "ab <>\"(,"[i % 8]);
	strbuf_addstr(&sb, "\n\n");
	draft_init(&d);
	ck_assert_int_eq(compose_file_read(sb.buf, sb.len, &d, &err), -1);
	ck_assert_msg(strncmp(err, "line 2: ", 8) == 0 && strlen(err) < 300,
	    "error of %zu bytes: %.80s", strlen(err), err);
	free(err);
	draft_release(&d);
	strbuf_release(&sb);
}
END_TEST

/* -- replies and forwards ------------------------------------------------- */

/* The corpus file FILE, or NULL (the test is skipped, said so). */
static char *
corpus_read(const char *file, size_t *len_r)
{
	char *path, *raw;

	if (!tu_corpus_present()) {
		fprintf(stderr, "check_compose: no corpus at %s, skipped\n",
		    tu_corpus_dir());
		return (NULL);
	}
	path = xasprintf("%s/%s", tu_corpus_dir(), file);
	if ((raw = tu_read_file(path, len_r)) == NULL)
		fprintf(stderr, "check_compose: no %s, skipped\n", path);
	free(path);
	return (raw);
}

static const struct {
	const char *file;
	enum compose_kind kind;
	const char *me;
	const char *to, *cc, *subject, *in_reply_to, *references;
	const char *body;	/* what the body starts with */
} corpus_rows[] = {
	{ "basic/mikel-rfc2822-example01.eml", COMPOSE_REPLY, NULL,
	    "John Doe <jdoe@machine.example>", NULL, "Re: Saying Hello",
	    "<1234@local.machine.example>", "<1234@local.machine.example>",
	    "On Fri, 21 Nov 1997 09:55:06 -0600, John Doe wrote:\n"
	    "> This is a message just to say hello.\n> So, \"Hello\".\n\n" },
	{ "basic/mikel-rfc2822-example01.eml", COMPOSE_REPLY_ALL,
	    "mary@example.net", "John Doe <jdoe@machine.example>", NULL,
	    "Re: Saying Hello", NULL, NULL, NULL },
	{ "basic/mikel-rfc2822-example10.eml", COMPOSE_REPLY_ALL,
	    "c@public.example", "Pete <pete@silly.test>",
	    "joe@example.org, John <jdoe@one.test>", "Re:",
	    "<testabcd.1234@silly.test>", NULL, NULL },
	{ "header-encoding/mikel-rfc2822-example14.eml", COMPOSE_REPLY, NULL,
	    "rudeboyjet@gmail.com", NULL, "Re: TEST \xe3\x83\x86\xe3\x82\xb9"
	    "\xe3\x83\x88\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
	    "<0CC5E11ED2C1D@example.com>",
	    "<rid_5582199198@msgid.example.com> <0CC5E11ED2C1D@example.com>",
	    NULL },
	{ "basic/thunderbird-bugmail12.eml", COMPOSE_REPLY_ALL,
	    "invalid@example.com", "PrimaryEmail1@test.invalid", NULL,
	    "Re: [Bug 397009] A filter will let me tag, but not untag, but "
	    "this message has a continued subject over many lines",
	    "<200805072155.m47LtAEf007542@mrapp51.mozilla.org>",
	    "<bug-397009-254728@https.bugzilla.mozilla.org/> "
	    "<200805072155.m47LtAEf007542@mrapp51.mozilla.org>", NULL },
	{ "charset/phpmmp-issue230.eml", COMPOSE_REPLY, NULL,
	    "science@news-s.info", NULL,
	    "Re: Scientific conferences, Bulgaria 2019", NULL, NULL, NULL },
	{ "basic/mikel-rfc2822-example01.eml", COMPOSE_FORWARD, NULL,
	    NULL, NULL, "Fwd: Saying Hello", NULL, NULL,
	    "\n\n----- Forwarded message from John Doe -----\n"
	    "Date: Fri, 21 Nov 1997 09:55:06 -0600\n"
	    "From: John Doe <jdoe@machine.example>\n"
	    "To: Mary Smith <mary@example.net>\nSubject: Saying Hello\n\n"
	    "This is a message just to say hello.\nSo, \"Hello\".\n"
	    "----- End forwarded message -----\n" },
	{ "basic/mikel-rfc2822-example01.eml", COMPOSE_RESEND, NULL,
	    "Mary Smith <mary@example.net>", NULL, "Saying Hello", NULL, NULL,
	    "This is a message just to say hello.\nSo, \"Hello\".\n" },
	{ "header-encoding/mime4j-russian-headers.eml", COMPOSE_REPLY, NULL,
	    NULL, NULL, "Re: A simple subject", NULL, NULL, NULL },
};

/* Whether A and B are both NULL or the same string. */
static int
same(const char *a, const char *b)
{
	return ((a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0));
}

START_TEST(test_corpus_rows)
{
	const char *me[1];
	struct compose_opts o;
	struct draft d;
	char *raw, *err = NULL;
	size_t len;

	if ((raw = corpus_read(corpus_rows[_i].file, &len)) == NULL)
		return;
	opts_init(&o);
	me[0] = corpus_rows[_i].me;
	o.me = me;
	o.nme = me[0] != NULL;
	ck_assert_msg(compose_start(corpus_rows[_i].kind, raw, len, &o, &d,
	    &err) == 0, "row %d: %s", _i, err);
	ck_assert_str_eq(d.from, ME);
	ck_assert_msg(same(d.to, corpus_rows[_i].to), "row %d: To \"%s\"",
	    _i, d.to);
	ck_assert_msg(same(d.cc, corpus_rows[_i].cc), "row %d: Cc \"%s\"",
	    _i, d.cc);
	ck_assert_msg(same(d.subject, corpus_rows[_i].subject),
	    "row %d: Subject \"%s\"", _i, d.subject);
	if (corpus_rows[_i].kind != COMPOSE_FORWARD &&
	    corpus_rows[_i].kind != COMPOSE_RESEND &&
	    corpus_rows[_i].in_reply_to != NULL) {
		ck_assert_msg(same(d.in_reply_to, corpus_rows[_i].in_reply_to),
		    "row %d: In-Reply-To \"%s\"", _i, d.in_reply_to);
		ck_assert_msg(corpus_rows[_i].references == NULL ||
		    same(d.references, corpus_rows[_i].references),
		    "row %d: References \"%s\"", _i, d.references);
	}
	ck_assert_msg(corpus_rows[_i].body == NULL || strncmp(d.body,
	    corpus_rows[_i].body, strlen(corpus_rows[_i].body)) == 0,
	    "row %d: body %s", _i, tu_show(d.body, strlen(d.body)));
	ck_assert_ptr_null(d.forward_raw);
	draft_release(&d);
	free(raw);
}
END_TEST

/* A reply to everyone on a real list thread: no one twice, me out. */
START_TEST(test_corpus_list_thread)
{
	const char *me[] = { "Alejandro Colomar <alx@kernel.org>" };
	struct compose_opts o;
	struct draft d;
	char *raw, *end, *err = NULL, **to, **cc;
	size_t len, nto, ncc, i, j;

	if ((raw = corpus_read("archive/linux-man-4000.mbox", &len)) == NULL)
		return;
	/* The first message of the mbox. */
	if ((end = memmem(raw + 5, len - 5, "\nFrom mboxrd@z", 14)) != NULL)
		len = (size_t)(end - raw) + 1;
	opts_init(&o);
	o.me = me;
	o.nme = 1;
	ck_assert_int_eq(compose_start(COMPOSE_REPLY_ALL, raw, len, &o, &d,
	    &err), 0);
	ck_assert_msg(d.to != NULL && d.subject != NULL &&
	    strncmp(d.subject, "Re: ", 4) == 0, "To %s, Subject %s", d.to,
	    d.subject);
	ck_assert_int_eq(compose_addresses(d.to, &to, &nto, &err), 0);
	ck_assert_int_eq(compose_addresses(d.cc, &cc, &ncc, &err), 0);
	for (i = 0; i < nto + ncc; i++) {
		const char *a = i < nto ? to[i] : cc[i - nto];

		ck_assert_msg(strcasecmp(a, "alx@kernel.org") != 0,
		    "me among the recipients");
		for (j = i + 1; j < nto + ncc; j++)
			ck_assert_msg(strcasecmp(a, j < nto ? to[j] :
			    cc[j - nto]) != 0, "%s twice", a);
	}
	ck_assert_msg(d.in_reply_to != NULL && d.references != NULL &&
	    strstr(d.references, d.in_reply_to) != NULL, "%s / %s",
	    d.in_reply_to, d.references);
	util_strv_free(to, nto);
	util_strv_free(cc, ncc);
	draft_release(&d);
	free(raw);
}
END_TEST

static const struct {
	const char *raw;
	enum compose_kind kind;
	const char *to, *cc, *subject;
	const char *body;	/* a part the body holds */
	const char *err;	/* NULL: no error */
} made_rows[] = {
	{ "From: a@x.example\nSubject: Re: Re: RE: AW: Fwd: x\n\nt\n",
	    COMPOSE_REPLY, "a@x.example", NULL, "Re: x", "> t\n", NULL },
	{ "From: a@x.example\nSubject: Re[2]: Aw: Sv: stuff\n\nt\n",
	    COMPOSE_REPLY, "a@x.example", NULL, "Re: stuff", NULL, NULL },
	{ "From: a@x.example\nSubject: Reply hazy\n\nt\n", COMPOSE_REPLY,
	    "a@x.example", NULL, "Re: Reply hazy", NULL, NULL },
	{ "From: a@x.example\n\nt\n", COMPOSE_REPLY, "a@x.example", NULL,
	    "Re:", NULL, NULL },
	{ "From: a@x.example\nSubject: Fwd: Fwd: x\n\nt\n", COMPOSE_FORWARD,
	    NULL, NULL, "Fwd: x", NULL, NULL },
	{ "From: a@x.example\nSubject: Re: x\n\nt\n", COMPOSE_FORWARD,
	    NULL, NULL, "Fwd: Re: x", NULL, NULL },
	{ "From: a@x.example\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n\nt\n",
	    COMPOSE_REPLY, "a@x.example", NULL,
	    "Re: Gr\xc3\xbc\xc3\x9f" "e", NULL, NULL },
	/* The old quotes go one deeper; empty lines get ">". */
	{ "From: a@x.example\n\n> old\n>> older\nnew\n\nlast\n\n\n",
	    COMPOSE_REPLY, "a@x.example", NULL, "Re:",
	    "wrote:\n>> old\n>>> older\n> new\n>\n> last\n\n", NULL },
	/* The original's signature is not quoted. */
	{ "From: a@x.example\n\ntext\n-- \nTheir sig\n", COMPOSE_REPLY,
	    "a@x.example", NULL, "Re:", "wrote:\n> text\n\n\n-- \nMy sig\n",
	    NULL },
	/* Transfer encoding and charset undone before quoting. */
	{ "From: a@x.example\nMIME-Version: 1.0\nContent-Type: text/plain; "
	    "charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable"
	    "\n\ncaf=E9 cr=E8me\n", COMPOSE_REPLY, "a@x.example", NULL, "Re:",
	    "> caf\xc3\xa9 cr\xc3\xa8me\n", NULL },
	{ "From: a@x.example\nMIME-Version: 1.0\nContent-Type: text/plain; "
	    "charset=koi8-r\nContent-Transfer-Encoding: base64\n\n"
	    "8NLJ18XU\n", COMPOSE_REPLY, "a@x.example", NULL, "Re:",
	    "> \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n", NULL },
	/* An HTML-only original is rendered, then quoted. */
	{ "From: a@x.example\nMIME-Version: 1.0\nContent-Type: text/html; "
	    "charset=utf-8\n\n<html><body><p>Hello <b>world</b></p>"
	    "<p>Second &amp; last</p></body></html>\n", COMPOSE_REPLY,
	    "a@x.example", NULL, "Re:", "> Hello world\n", NULL },
	/* Reply-To wins; a reply to all adds the others, me left out. */
	{ "From: A <a@x.example>\nReply-To: R <r@x.example>\nTo: me@example.org,"
	    " b@x.example\nCc: C <c@x.example>, ME@EXAMPLE.ORG, b@x.example, "
	    "r@x.example\n\nt\n", COMPOSE_REPLY_ALL, "R <r@x.example>",
	    "b@x.example, C <c@x.example>", "Re:", NULL, NULL },
	{ "From: A <a@x.example>\nReply-To: R <r@x.example>\nTo: me@example.org"
	    "\n\nt\n", COMPOSE_REPLY, "R <r@x.example>", NULL, "Re:", NULL,
	    NULL },
	/* Mail-Followup-To, for a reply to all. */
	{ "From: A <a@x.example>\nTo: list@x.example\nCc: c@x.example\n"
	    "Mail-Followup-To: list@x.example\n\nt\n", COMPOSE_REPLY_ALL,
	    "list@x.example", NULL, "Re:", NULL, NULL },
	/* A reply to one's own message goes to its recipients. */
	{ "From: Me <me@example.org>\nTo: B <b@x.example>\n\nt\n",
	    COMPOSE_REPLY, "B <b@x.example>", NULL, "Re:", NULL, NULL },
	{ "From: a@x.example\nTo: list@lists.example\nList-Post: "
	    "<mailto:list@lists.example?subject=help>\n\nt\n",
	    COMPOSE_REPLY_LIST, "list@lists.example", NULL, "Re:", NULL, NULL },
	{ "From: a@x.example\nList-Post: NO (posting not allowed)\n\nt\n",
	    COMPOSE_REPLY_LIST, NULL, NULL, NULL, NULL, "List-Post" },
	{ "From: a@x.example\n\nt\n", COMPOSE_REPLY_LIST, NULL, NULL, NULL,
	    NULL, "List-Post" },
	/* A sender that does not parse is kept for the user to mend. */
	{ "From: Broken <not an address\n\nt\n", COMPOSE_REPLY,
	    "Broken <not an address", NULL, "Re:", NULL, NULL },
	{ "not a message at all\n", COMPOSE_REPLY, NULL, NULL, NULL, NULL,
	    "cannot be read" },
	{ "", COMPOSE_FORWARD, NULL, NULL, NULL, NULL, "cannot be read" },
	/* Header values lose their control characters. */
	{ "From: a@x.example\nSubject: =?UTF-8?Q?a=0D=0ABcc:_x@y.z?=\n\nt\n",
	    COMPOSE_REPLY, "a@x.example", NULL, "Re: a Bcc: x@y.z", NULL,
	    NULL },
};

START_TEST(test_made_rows)
{
	const char *me[] = { "me@example.org" };
	struct compose_opts o;
	struct draft d;
	char *err = NULL;
	int r;

	opts_init(&o);
	o.me = me;
	o.nme = 1;
	o.signature = "My sig\n";
	r = compose_start(made_rows[_i].kind, made_rows[_i].raw,
	    strlen(made_rows[_i].raw), &o, &d, &err);
	if (made_rows[_i].err != NULL) {
		ck_assert_msg(r == -1, "row %d: started", _i);
		ck_assert_msg(strstr(err, made_rows[_i].err) != NULL,
		    "row %d: \"%s\"", _i, err);
		free(err);
		return;
	}
	ck_assert_msg(r == 0, "row %d: %s", _i, err);
	ck_assert_msg(same(d.to, made_rows[_i].to), "row %d: To \"%s\"", _i,
	    d.to);
	ck_assert_msg(same(d.cc, made_rows[_i].cc), "row %d: Cc \"%s\"", _i,
	    d.cc);
	ck_assert_msg(same(d.subject, made_rows[_i].subject),
	    "row %d: Subject \"%s\"", _i, d.subject);
	ck_assert_msg(made_rows[_i].body == NULL || strstr(d.body,
	    made_rows[_i].body) != NULL, "row %d: body %s", _i,
	    tu_show(d.body, strlen(d.body)));
	/* The separator once, the signature last. */
	ck_assert_msg(strstr(d.body, "\n-- \nMy sig\n") != NULL &&
	    strstr(strstr(d.body, "\n-- \nMy sig\n") + 2, "-- \nMy") == NULL,
	    "row %d: signature %s", _i, tu_show(d.body, strlen(d.body)));
	draft_release(&d);
}
END_TEST

START_TEST(test_start_misc)
{
	static const char raw[] = "From: \"Doe, Jane\" <jane@x.example>\n"
	    "Date: Tue, 1 Jul 2003 10:52:37 +0200\nSubject: plans\n"
	    "Message-ID: <m1@x.example>\n\nhi\n";
	struct strbuf refs = STRBUF_INIT, big = STRBUF_INIT;
	struct compose_opts o;
	struct draft d;
	char *err = NULL;
	const char *s;
	size_t n, i;

	opts_init(&o);
	o.attribution = "%n <%a> wrote on %d about %s, 100%% %x:";
	o.signature = "-- \nHas its own dashes";
	ck_assert_int_eq(compose_start(COMPOSE_REPLY, raw, LEN(raw), &o, &d,
	    &err), 0);
	ck_assert_msg(strncmp(d.body, "Doe, Jane <jane@x.example> wrote on "
	    "Tue, 1 Jul 2003 10:52:37 +0200 about plans, 100% %x:\n> hi\n",
	    strlen("Doe, Jane <jane@x.example> wrote on Tue, 1 Jul 2003 "
	    "10:52:37 +0200 about plans, 100% %x:\n> hi\n")) == 0, "%s",
	    d.body);
	ck_assert_msg(strstr(d.body, "\n-- \nHas its own dashes\n") != NULL &&
	    strstr(d.body, "-- \n-- ") == NULL, "%s", d.body);
	ck_assert_str_eq(d.to, "\"Doe, Jane\" <jane@x.example>");
	draft_release(&d);

	/* No Date: the attribution does without it. */
	o.attribution = NULL;
	ck_assert_int_eq(compose_start(COMPOSE_REPLY, "From: a@x.example\n\n"
	    "t\n", 21, &o, &d, &err), 0);
	ck_assert_msg(strncmp(d.body, "a@x.example wrote:\n> t\n", 23) == 0,
	    "%s", d.body);
	draft_release(&d);

	/* A new message: the signature alone. */
	o.signature = "sig";
	ck_assert_int_eq(compose_start(COMPOSE_NEW, NULL, 0, &o, &d, &err),
	    0);
	ck_assert_str_eq(d.body, "\n-- \nsig\n");
	ck_assert_str_eq(d.from, ME);
	ck_assert_ptr_null(d.to);
	draft_release(&d);

	/* References stay bounded, the first and the newest kept. */
	strbuf_addstr(&big, "From: a@x.example\nMessage-ID: <last@x>\n"
	    "References:");
	for (i = 0; i < 500; i++)
		strbuf_addf(&big, " <r%zu@x>", i);
	strbuf_addstr(&big, "\n\nt\n");
	ck_assert_int_eq(compose_start(COMPOSE_REPLY, big.buf, big.len, &o,
	    &d, &err), 0);
	for (n = 0, s = d.references; (s = strchr(s, '<')) != NULL; s++)
		n++;
	ck_assert_msg(n == 20, "%zu references", n);
	ck_assert_msg(strncmp(d.references, "<r0@x> ", 7) == 0, "%s",
	    d.references);
	ck_assert_msg(strstr(d.references, "<r499@x> <last@x>") != NULL,
	    "%s", d.references);
	ck_assert_str_eq(d.in_reply_to, "<last@x>");
	draft_release(&d);
	strbuf_release(&refs);
	strbuf_release(&big);
}
END_TEST

/* -- prepare_raw ---------------------------------------------------------- */

static const struct {
	const char *raw;
	const char *rcpts;	/* NULL: an error */
	const char *has;	/* a part of the data, or of the error */
	const char *lacks;	/* not a part of the data */
	int eightbit;
} raw_rows[] = {
	{ "To: a@x.example\nBcc: Hidden <h@y.example>,\n  h2@y.example\n"
	    "Subject: s\n\nbody\n", "a@x.example h@y.example h2@y.example",
	    "Subject: s\r\n", "h2@y.example", 0 },
	{ "To: a@x.example\nbcc: h@y.example\nBCC: h3@y.example\n\nb\n",
	    "a@x.example h@y.example h3@y.example", "\r\n\r\nb\r\n",
	    "y.example", 0 },
	{ "To: a@x.example\n\ncaf\xc3\xa9\n", "a@x.example",
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n", NULL, 1 },
	{ "To: a@x.example\nContent-Type: text/plain; charset=latin1\n\n"
	    "caf\xe9\n", "a@x.example", "charset=latin1", "charset=UTF-8", 1 },
	{ "To: a@x.example\n\nplain ascii\n", "a@x.example",
	    "MIME-Version: 1.0\r\n", "Content-Type", 0 },
	{ "From: Other <other@elsewhere.example>\nTo: a@x.example\n\nb",
	    "a@x.example", "From: Other <other@elsewhere.example>\r\n",
	    "me@example.org", 0 },
	{ "From: o@e.example\nTo: a@x.example\nMessage-ID: <keep@e.example>"
	    "\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n\nb\n",
	    "a@x.example", "Message-ID: <keep@e.example>\r\n", "Jan 2023", 0 },
	{ "To: a@x.example\nMessage-ID: broken <a b@c>\n\nb\n", "a@x.example",
	    "@example.org>\r\n", "broken", 0 },
	{ "To: a@x.example\r\nCc: b@x.example\r\n\r\nb\r\n.\r\n",
	    "a@x.example b@x.example", "\r\n.\r\n", NULL, 0 },
	{ "From x Mon Jan  1 00:00:00 2024\nTo: a@x.example\n\nb\n",
	    "a@x.example", "To: a@x.example\r\n", "From x", 0 },
	{ "To: a@x.example", "a@x.example", "To: a@x.example\r\n", NULL, 0 },
	{ "\nbody only\n", NULL, "no header", NULL, 0 },
	{ "Hello world\nTo: a@x.example\n\nb\n", NULL, "line 1", NULL, 0 },
	{ "To: a@x.example\nthis is not a field\n\nb\n", NULL, "line 2", NULL,
	    0 },
	{ " folded first\nTo: a@x.example\n\n", NULL, "line 1", NULL, 0 },
	{ "Subject: none\n\nb\n", NULL, "no recipient", NULL, 0 },
	{ "To: a@x.example c@y.example\n\nb\n", NULL, "To: ", NULL, 0 },
	{ "To: a@x.example\nBcc: <h@y\n\nb\n", NULL, "Bcc: ", NULL, 0 },
	{ "", NULL, "empty", NULL, 0 },
};

START_TEST(test_raw_rows)
{
	struct compose_opts o;
	struct compose_out out;
	char *err = NULL, *h, *t;
	int r;

	opts_init(&o);
	r = compose_prepare_raw(raw_rows[_i].raw, strlen(raw_rows[_i].raw),
	    &o, &out, &err);
	if (raw_rows[_i].rcpts == NULL) {
		ck_assert_msg(r == -1, "row %d: prepared", _i);
		ck_assert_msg(strstr(err, raw_rows[_i].has) != NULL,
		    "row %d: \"%s\"", _i, err);
		free(err);
		return;
	}
	ck_assert_msg(r == 0, "row %d: %s", _i, err);
	ck_assert_msg(strcmp(joined(out.rcpts, out.nrcpt),
	    raw_rows[_i].rcpts) == 0, "row %d: rcpts %s", _i,
	    joined(out.rcpts, out.nrcpt));
	ck_assert_msg(strstr(out.data, raw_rows[_i].has) != NULL,
	    "row %d: no %s in %s", _i, tu_show(raw_rows[_i].has,
	    strlen(raw_rows[_i].has)), tu_show(out.data, out.len));
	ck_assert_msg(raw_rows[_i].lacks == NULL || strstr(out.data,
	    raw_rows[_i].lacks) == NULL, "row %d: %s in the data", _i,
	    raw_rows[_i].lacks);
	ck_assert_msg(strcasestr(out.data, "\nBcc:") == NULL &&
	    strncasecmp(out.data, "Bcc:", 4) != 0, "row %d: Bcc sent", _i);
	ck_assert_int_eq(out.eightbit, raw_rows[_i].eightbit);
	check_lines(out.data, out.len, 998);
	h = header_of(out.data);
	t = mime_header_value(h, strlen(h), "Message-ID");
	ck_assert_msg(t != NULL && strcmp(t, out.message_id) == 0,
	    "row %d: Message-ID %s / %s", _i, t, out.message_id);
	free(t);
	ck_assert_msg((t = mime_header_value(h, strlen(h), "Date")) != NULL &&
	    mime_parse_date(t) > 0, "row %d: Date %s", _i, t);
	free(t);
	ck_assert_msg((t = mime_header_value(h, strlen(h), "From")) != NULL,
	    "row %d: no From", _i);
	free(t);
	ck_assert_msg((t = mime_header_value(h, strlen(h), "MIME-Version")) !=
	    NULL, "row %d: no MIME-Version", _i);
	free(t);
	free(h);
	compose_out_release(&out);
}
END_TEST

START_TEST(test_raw_misc)
{
	static const char raw[] = "To: Jane <j@x.example>\nSubject: "
	    "=?UTF-8?Q?caf=C3=A9?=\nBcc: B <b@y.example>\n\nb\n";
	struct compose_opts o;
	struct compose_out out;
	char *err = NULL;

	opts_init(&o);
	ck_assert_int_eq(compose_prepare_raw(raw, LEN(raw), &o, &out, &err),
	    0);
	ck_assert_str_eq(out.env_from, "me@example.org");
	ck_assert_str_eq(out.bcc, "B <b@y.example>");
	ck_assert_str_eq(out.subject, "caf\xc3\xa9");
	ck_assert_str_eq(out.to, "Jane <j@x.example>");
	ck_assert(strstr(out.data, "\r\nFrom: Me Myself <me@example.org>\r\n")
	    != NULL);
	ck_assert(strstr(out.message_id, "@example.org>") != NULL);
	compose_out_release(&out);
	/* No From in the message nor in the options. */
	o.from = NULL;
	ck_assert_int_eq(compose_prepare_raw(raw, LEN(raw), &o, &out, &err),
	    -1);
	ck_assert(strstr(err, "From") != NULL);
	free(err);
	/* UTF-8 in an envelope address. */
	opts_init(&o);
	ck_assert_int_eq(compose_prepare_raw("To: j\xc3\xb6@x.example\n\nb\n",
	    21, &o, &out, &err), 0);
	ck_assert_int_eq(out.utf8_addrs, 1);
	ck_assert_int_eq(out.eightbit, 1);
	compose_out_release(&out);
	ck_assert_int_eq(compose_prepare_raw("To: a@x.example\n\nb\0c\n", 21,
	    &o, &out, &err), -1);
	ck_assert(strstr(err, "NUL") != NULL);
	free(err);
}
END_TEST

/* A bounce: Resent- fields over the message as it was, LF made CRLF. */
START_TEST(test_bounce)
{
	static const char raw[] = "From: Ann <ann@x.example>\nTo: me@example."
	    "org\nSubject: =?UTF-8?Q?caf=C3=A9?=\nMessage-ID: <a1@x.example>"
	    "\n\nthe text\n";
	static const char head[] = "Resent-From: Me Myself <me@example.org>"
	    "\r\nResent-To: Bo <bo@y.example>, cy@z.example\r\n"
	    "Resent-Date: ";
	struct compose_opts o;
	struct compose_out out;
	char *err = NULL, *hdr;

	opts_init(&o);
	ck_assert_int_eq(compose_bounce(raw, LEN(raw), "Bo <bo@y.example>, "
	    "cy@z.example", &o, &out, &err), 0);
	ck_assert_str_eq(out.env_from, "me@example.org");
	ck_assert_str_eq(joined(out.rcpts, out.nrcpt),
	    "bo@y.example cy@z.example");
	ck_assert_str_eq(out.subject, "caf\xc3\xa9");
	ck_assert(strncmp(out.data, head, LEN(head)) == 0);
	hdr = strstr(out.data, "Resent-Message-ID: ");
	ck_assert(hdr != NULL);
	ck_assert(strncmp(hdr + 19, out.message_id, strlen(out.message_id))
	    == 0);
	/* The original follows, unchanged but for its line ends. */
	ck_assert(strstr(out.data, "\r\nFrom: Ann <ann@x.example>\r\nTo: "
	    "me@example.org\r\n") != NULL);
	ck_assert(strstr(out.data, "Message-ID: <a1@x.example>\r\n\r\n"
	    "the text\r\n") != NULL);
	ck_assert_int_eq(out.data[out.len - 1], '\n');
	compose_out_release(&out);
	/* A Bcc field (a Sent copy has one) is not bounced. */
	ck_assert_int_eq(compose_bounce("To: a@x.example\nBcc: Hid <h@y."
	    "example>,\n  k@y.example\nSubject: s\n\nbody\n", 71,
	    "bo@y.example", &o, &out, &err), 0);
	ck_assert(strstr(out.data, "h@y.example") == NULL);
	ck_assert(strstr(out.data, "k@y.example") == NULL);
	ck_assert(strstr(out.data, "\r\nTo: a@x.example\r\nSubject: s\r\n"
	    "\r\nbody\r\n") != NULL);
	compose_out_release(&out);
	/* No one to bounce to, an address that is wrong, no header. */
	ck_assert_int_eq(compose_bounce(raw, LEN(raw), "", &o, &out, &err),
	    -1);
	free(err);
	ck_assert_int_eq(compose_bounce(raw, LEN(raw), "a@b@c", &o, &out,
	    &err), -1);
	free(err);
	ck_assert_int_eq(compose_bounce("just text", 9, "a@b.example", &o,
	    &out, &err), -1);
	free(err);
	ck_assert_int_eq(compose_bounce("To: a@b\n\nx\0y", 13,
	    "a@b.example", &o, &out, &err), -1);
	ck_assert(strstr(err, "NUL") != NULL);
	free(err);
}
END_TEST

/* mailto: URLs (RFC 6068). */
START_TEST(test_mailto)
{
	struct draft d;
	char *err = NULL;

	draft_init(&d);
	ck_assert_int_eq(compose_mailto("mailto:a@x.example,b@y.example"
	    "?cc=c@z.example&Subject=Caf%C3%A9%20talk&body=line%201%0D%0Aline"
	    "%202&to=d@w.example&X-Evil=1&bcc=e@v.example&in-reply-to=%3Cm1@"
	    "x.example%3E", &d, &err), 0);
	ck_assert_str_eq(d.to, "a@x.example,b@y.example, d@w.example");
	ck_assert_str_eq(d.cc, "c@z.example");
	ck_assert_str_eq(d.bcc, "e@v.example");
	ck_assert_str_eq(d.subject, "Caf\xc3\xa9 talk");
	ck_assert_str_eq(d.body, "line 1\nline 2");
	ck_assert_str_eq(d.in_reply_to, "<m1@x.example>");
	draft_release(&d);
	/* A subject cannot carry a line break into the header. */
	draft_init(&d);
	ck_assert_int_eq(compose_mailto("MAILTO:?subject=a%0D%0ABcc:%20x@y",
	    &d, &err), 0);
	ck_assert_ptr_null(d.to);
	ck_assert_str_eq(d.subject, "a Bcc: x@y");
	draft_release(&d);
	/* What is refused. */
	draft_init(&d);
	ck_assert_int_eq(compose_mailto("http://x", &d, &err), -1);
	free(err);
	ck_assert_int_eq(compose_mailto("mailto:a@x?subject=%4", &d, &err),
	    -1);
	free(err);
	ck_assert_int_eq(compose_mailto("mailto:a@x?subject=%zz", &d, &err),
	    -1);
	free(err);
	ck_assert_int_eq(compose_mailto("mailto:a%00@x", &d, &err), -1);
	ck_assert(strstr(err, "NUL") != NULL);
	free(err);
	ck_assert_int_eq(compose_mailto("mailto:?body=%ff", &d, &err), -1);
	free(err);
	ck_assert_int_eq(compose_mailto("mailto:not%20an%20address", &d,
	    &err), -1);
	free(err);
	draft_release(&d);
}
END_TEST

/* R: a draft keeps its From, Bcc and what it answers; no signature. */
START_TEST(test_start_draft)
{
	static const char raw[] = "From: Other Me <me2@example.org>\nTo: "
	    "Ann <ann@x.example>\nBcc: =?UTF-8?Q?B=C3=A9a?= <bea@y.example>"
	    "\nSubject: Re: plans\nIn-Reply-To: <p1@x.example>\n"
	    "References: <p0@x.example> <p1@x.example>\n\nDraft text.\n";
	struct compose_opts o;
	struct draft d;
	char *err = NULL;

	opts_init(&o);
	o.signature = "sig";
	ck_assert_int_eq(compose_start(COMPOSE_DRAFT, raw, LEN(raw), &o, &d,
	    &err), 0);
	ck_assert_str_eq(d.from, "Other Me <me2@example.org>");
	ck_assert_str_eq(d.to, "Ann <ann@x.example>");
	ck_assert_str_eq(d.bcc, "B\xc3\xa9" "a <bea@y.example>");
	ck_assert_str_eq(d.subject, "Re: plans");
	ck_assert_str_eq(d.in_reply_to, "<p1@x.example>");
	ck_assert_str_eq(d.references, "<p0@x.example> <p1@x.example>");
	ck_assert_str_eq(d.body, "Draft text.\n");
	draft_release(&d);
	/* A draft with no recipient may be built to postpone it. */
	draft_init(&d);
	d.subject = xstrdup("later");
	d.body = xstrdup("x\n");
	{
		struct compose_out out;

		ck_assert_int_eq(compose_build(&d, &o, &out, &err), -1);
		free(err);
		o.draft = 1;
		ck_assert_int_eq(compose_build(&d, &o, &out, &err), 0);
		ck_assert_int_eq(out.nrcpt, 0);
		compose_out_release(&out);
	}
	draft_release(&d);
}
END_TEST

/* -- signatures, the attachment warning ----------------------------------- */

START_TEST(test_signature)
{
	struct strbuf big = STRBUF_INIT;
	char *dir, *path, *text = NULL, *err = NULL;

	if ((dir = tu_scratch_new("check_compose")) == NULL)
		ck_abort_msg("no scratch folder");
	path = scratch_file(dir, "sig", "Me\r\nJ\xc3\xb6rg\r\n", 11);
	ck_assert_int_eq(compose_read_signature(path, &text, &err), 0);
	ck_assert_str_eq(text, "Me\nJ\xc3\xb6rg\n");
	free(text);
	free(path);
	ck_assert_int_eq(compose_read_signature(dir, &text, &err), -1);
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
	ck_assert_ptr_null(text);
	free(err);
	path = scratch_file(dir, "latin1", "J\xf6rg\n", 5);
	ck_assert_int_eq(compose_read_signature(path, &text, &err), -1);
	ck_assert_msg(strstr(err, "UTF-8") != NULL, "%s", err);
	free(err);
	free(path);
	path = scratch_file(dir, "nul", "a\0b\n", 4);
	ck_assert_int_eq(compose_read_signature(path, &text, &err), -1);
	ck_assert_msg(strstr(err, "NUL") != NULL, "%s", err);
	free(err);
	free(path);
	while (big.len <= 64 * 1024)
		strbuf_addstr(&big, "a signature line that never ends\n");
	path = scratch_file(dir, "big", big.buf, big.len);
	ck_assert_int_eq(compose_read_signature(path, &text, &err), -1);
	ck_assert_msg(strstr(err, "larger") != NULL, "%s", err);
	free(err);
	free(path);
	path = xasprintf("%s/none", dir);
	ck_assert_int_eq(compose_read_signature(path, &text, &err), -1);
	ck_assert_msg(strstr(err, "none") != NULL, "%s", err);
	free(err);
	free(path);
	strbuf_release(&big);
	tu_scratch_free(dir);
}
END_TEST

static const struct {
	const char *body;
	int yes;
} mention_rows[] = {
	{ "I attach the file.", 1 },
	{ "See the attached report.", 1 },
	{ "ATTACHMENT follows", 1 },
	{ "two attachments here", 1 },
	{ "Im Anhang findest du alles.", 1 },
	{ "Ich habe die Datei angeh\xc3\xa4ngt.", 1 },
	{ "die Anh\xc3\xa4nge", 1 },
	{ "Hello,\n\nno files today.\n", 0 },
	{ "> I attached it\n>> attachment\nthanks\n", 0 },
	{ "thanks\n-- \nattachments are scanned by our gateway\n", 0 },
	{ "see below\n\n----- Forwarded message from A -----\nattached\n"
	    "----- End forwarded message -----\n", 0 },
	{ "reattach", 0 },
	{ "", 0 },
};

START_TEST(test_mention_rows)
{
	ck_assert_msg(compose_mentions_attachment(mention_rows[_i].body) ==
	    mention_rows[_i].yes, "row %d", _i);
}
END_TEST

static Suite *
compose_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("compose");
	tc = tcase_create("addresses");
	tcase_add_loop_test(tc, test_addr_rows, 0, TU_NROWS(addr_rows));
	tcase_add_loop_test(tc, test_envelope_rows, 0,
	    TU_NROWS(envelope_rows));
	tcase_add_test(tc, test_envelope_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("headers");
	tcase_add_loop_test(tc, test_subject_rows, 0, TU_NROWS(subject_rows));
	tcase_add_loop_test(tc, test_name_rows, 0, TU_NROWS(name_rows));
	tcase_add_test(tc, test_long_to);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_build_structure);
	tcase_add_test(tc, test_build_types);
	tcase_add_test(tc, test_build_forward_raw);
	tcase_add_test(tc, test_build_flowed);
	tcase_add_loop_test(tc, test_build_err_rows, 0,
	    TU_NROWS(build_err_rows));
	tcase_add_test(tc, test_build_rcpts);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_test(tc, test_file_roundtrip);
	tcase_add_loop_test(tc, test_file_rows, 0, TU_NROWS(file_rows));
	tcase_add_test(tc, test_file_huge_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("start");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_corpus_rows, 0, TU_NROWS(corpus_rows));
	tcase_add_test(tc, test_corpus_list_thread);
	tcase_add_loop_test(tc, test_made_rows, 0, TU_NROWS(made_rows));
	tcase_add_test(tc, test_start_misc);
	suite_add_tcase(s, tc);

	tc = tcase_create("raw");
	tcase_add_loop_test(tc, test_raw_rows, 0, TU_NROWS(raw_rows));
	tcase_add_test(tc, test_raw_misc);
	tcase_add_test(tc, test_bounce);
	tcase_add_test(tc, test_start_draft);
	tcase_add_test(tc, test_mailto);
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, test_signature);
	tcase_add_loop_test(tc, test_mention_rows, 0, TU_NROWS(mention_rows));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(compose_suite());
}
