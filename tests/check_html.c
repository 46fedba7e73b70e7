/*
 * Unit tests for src/html.c: the HTML-to-text converter, row by row on
 * exact output (paragraphs, headings, lists, breaks, quotes, pre, tables,
 * skipped elements, references, link footnotes), then broken and random
 * input for crashes and for valid UTF-8.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "strbuf.h"
#include "testutil.h"

#define RFFFD "\xef\xbf\xbd"

static const struct {
	const char *name;
	const char *in;
	int flags;
	const char *out;
} rows[] = {
	{ "empty", "", 0, "" },
	{ "only tags", "<html><body></body></html>", 0, "" },
	{ "plain text", "hello", 0, "hello\n" },
	{ "blanks collapse", "  a \n\t b  ", 0, "a b\n" },
	{ "paragraphs", "<p>one</p><p>two</p>", 0, "one\n\ntwo\n" },
	{ "unclosed paragraphs", "<p>one<p>two", 0, "one\n\ntwo\n" },
	{ "line breaks", "a<br>b<br/>c<BR />d", 0, "a\nb\nc\nd\n" },
	{ "two breaks leave a blank line", "a<br><br>b", 0, "a\n\nb\n" },
	{ "breaks capped", "a<br><br><br><br><br><br>b", 0, "a\n\n\nb\n" },
	{ "leading break dropped", "<br><br>a", 0, "a\n" },
	{ "div", "<div>a</div><div>b</div>", 0, "a\nb\n" },
	{ "headings", "<h1>Title</h1><p>text</p><h3>Sub</h3>more", 0,
	    "# Title\n\ntext\n\n### Sub\n\nmore\n" },
	{ "bullets", "<ul><li>one</li><li>two</li></ul>", 0,
	    "* one\n* two\n" },
	{ "numbers", "<ol><li>one<li>two<li>three</ol>", 0,
	    "1. one\n2. two\n3. three\n" },
	{ "numbers from start", "<ol start=\"7\"><li>a</li><li>b</li></ol>",
	    0, "7. a\n8. b\n" },
	{ "nested lists",
	    "<ul><li>a<ul><li>b</li><li>c</li></ul></li><li>d</li></ul>", 0,
	    "* a\n  * b\n  * c\n* d\n" },
	{ "nested numbers",
	    "<ol><li>a<ol><li>b</li></ol></li><li>c</li></ol>", 0,
	    "1. a\n  1. b\n2. c\n" },
	{ "item continued after a break", "<ul><li>a<br>more</li></ul>", 0,
	    "* a\n  more\n" },
	{ "list after a paragraph", "<p>x</p><ul><li>y</li></ul>z", 0,
	    "x\n\n* y\nz\n" },
	{ "blockquote", "before<blockquote>quoted<br>two</blockquote>after",
	    0, "before\n\n> quoted\n> two\n\nafter\n" },
	{ "nested blockquote",
	    "<blockquote>a<blockquote>b</blockquote>c</blockquote>", 0,
	    "> a\n\n> > b\n\n> c\n" },
	{ "pre kept", "<pre>\n  a  b\n\n c</pre>d", 0,
	    "  a  b\n\n c\nd\n" },
	{ "pre in a quote", "<blockquote><pre>x\ny</pre></blockquote>", 0,
	    "> x\n> y\n" },
	{ "table rows and cells",
	    "<table><tr><th>k</th><th>v</th></tr>"
	    "<tr><td>a</td><td>1</td></tr></table>", 0, "k v\na 1\n" },
	{ "empty cells", "<table><tr><td></td><td>x</td><td></td></tr>"
	    "</table>", 0, "x\n" },
	{ "script style head dropped",
	    "<html><head><title>T</title><meta charset=utf-8>"
	    "<style>p{}</style><script>var a = '<p>';</script></head>"
	    "<body>shown<script type=x>alert(1)</script></body>", 0,
	    "shown\n" },
	{ "head text dropped", "<head>junk</head>body", 0, "body\n" },
	{ "head never closed", "<head><title>t</title><p>text", 0,
	    "text\n" },
	{ "unclosed script", "a<script>b", 0, "a\n" },
	{ "script close in caps", "a<SCRIPT>x</SCRIPT >b", 0, "ab\n" },
	{ "comments", "a<!-- <p>x</p> -->b<!-- unclosed", 0, "ab\n" },
	{ "doctype", "<!DOCTYPE html><?xml x?>a", 0, "a\n" },
	{ "named references", "&amp;&lt;&gt;&quot;&apos;&eacute;&Eacute;"
	    "&mdash;&hellip;&euro;&copy;", 0,
	    "&<>\"'\xc3\xa9\xc3\x89\xe2\x80\x94\xe2\x80\xa6\xe2\x82\xac"
	    "\xc2\xa9\n" },
	{ "nbsp kept", "a&nbsp;&nbsp;b", 0, "a\xc2\xa0\xc2\xa0" "b\n" },
	{ "numeric references", "&#65;&#x42;&#X43;&#233;&#x1F600;", 0,
	    "ABC\xc3\xa9\xf0\x9f\x98\x80\n" },
	{ "numeric 1252 range", "&#150;&#153;", 0,
	    "\xe2\x80\x93\xe2\x84\xa2\n" },
	{ "bad numeric references", "&#0;&#xD800;&#x110000;&#99999999999;",
	    0, RFFFD RFFFD RFFFD RFFFD "\n" },
	{ "unknown references kept", "&bogus; &amp &#; &#x; AT&T", 0,
	    "&bogus; &amp &#; &#x; AT&T\n" },
	{ "stray less-than", "a < b and 1<2 </ x", 0,
	    "a < b and 1<2 </ x\n" },
	{ "quoted greater-than in attribute",
	    "<a title=\"x>y\" href=\"http://e.org/\">t</a>", 0,
	    "t[1]\n\n[1] http://e.org/\n" },
	{ "links as footnotes",
	    "see <a href=\"https://a.example/x?y=1&amp;z=2\">this</a> and "
	    "<a href='http://b.example/'>that</a>.", 0,
	    "see this[1] and that[2].\n\n[1] https://a.example/x?y=1&z=2\n"
	    "[2] http://b.example/\n" },
	{ "same link once", "<a href=\"http://a/\">x</a> <a href=\"http://a/\">"
	    "y</a>", 0, "x[1] y[1]\n\n[1] http://a/\n" },
	{ "link text is the URL", "<a href=\"https://a.example/\">"
	    "https://a.example/</a>", 0, "https://a.example/\n" },
	{ "mailto", "<a href=\"mailto:me@example.org\">me@example.org</a> "
	    "<a href=\"mailto:you@example.org\">you</a>", 0,
	    "me@example.org you[1]\n\n[1] mailto:you@example.org\n" },
	{ "relative and script links ignored",
	    "<a href=\"/rel\">a</a> <a href=\"javascript:x()\">b</a> "
	    "<a href=\"#top\">c</a> <a>d</a> <a href=\"cid:x\">e</a>", 0,
	    "a b c d e\n" },
	{ "blanks inside the URL dropped",
	    "<a href=\" http://a.example/\n x \">t</a>", 0,
	    "t[1]\n\n[1] http://a.example/x\n" },
	{ "no links flag", "<a href=\"http://a/\">x</a>", HTML_NO_LINKS,
	    "x\n" },
	{ "image alt", "<img src=x alt=\"logo\"> <img src=y>", 0, "[logo]\n" },
	{ "image link",
	    "<a href=\"http://a/\"><img alt=\"pic\" src=x></a>", 0,
	    "[pic][1]\n\n[1] http://a/\n" },
	{ "unterminated link", "<a href=\"http://a/\">open", 0,
	    "open[1]\n\n[1] http://a/\n" },
	{ "rule", "a<hr>b", 0, "a\n\n--------------------\n\nb\n" },
	{ "inline tags", "<b>bold</b> <i>it</i><span>s</span>", 0,
	    "bold its\n" },
	{ "uppercase tags", "<P>a</P><UL><LI>b</UL>", 0, "a\n\n* b\n" },
	{ "escape bytes pass (sanitised later)", "a\x1b[2Jb", 0,
	    "a\x1b[2Jb\n" },
	{ "invalid UTF-8", "a\xff" "b\xc3", 0, "a" RFFFD "b" RFFFD "\n" },
	{ "definition list", "<dl><dt>term</dt><dd>meaning</dd></dl>", 0,
	    "term\n    meaning\n" },
	{ "attribute without value", "<input disabled><p hidden>x", 0,
	    "x\n" },
};

START_TEST(test_rows)
{
	char *s;
	size_t len = 12345;

	s = html_to_text(rows[_i].in, strlen(rows[_i].in), rows[_i].flags,
	    &len);
	ck_assert_msg(strlen(rows[_i].out) == len &&
	    memcmp(s, rows[_i].out, len) == 0 && s[len] == '\0',
	    "row %d (%s): got \"%s\", want \"%s\"", _i, rows[_i].name,
	    tu_show(s, len), tu_show(rows[_i].out, strlen(rows[_i].out)));
	ck_assert_msg(tu_utf8_valid(s, len, NULL), "row %d: UTF-8", _i);
	free(s);
}
END_TEST

START_TEST(test_null_and_nul)
{
	char *s;
	size_t len;

	s = html_to_text(NULL, 5, 0, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(s, "");
	free(s);
	s = html_to_text("a\0b", 3, 0, NULL);
	ck_assert_str_eq(s, "a" RFFFD "b\n");
	free(s);
}
END_TEST

START_TEST(test_entity)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_uint_eq(html_entity(&sb, "&amp;x", 6), 5);
	ck_assert_str_eq(sb.buf, "&");
	ck_assert_uint_eq(html_entity(&sb, "&amp", 4), 0);
	ck_assert_uint_eq(html_entity(&sb, "&;", 2), 0);
	ck_assert_uint_eq(html_entity(&sb, "&#x263a;", 8), 8);
	ck_assert_str_eq(sb.buf, "&\xe2\x98\xba");
	strbuf_release(&sb);
}
END_TEST

/* Deep nesting and long input: no crash, bounded output. */
START_TEST(test_deep)
{
	struct strbuf in = STRBUF_INIT;
	char *s;
	size_t len;
	int i;

	for (i = 0; i < 5000; i++)
		strbuf_addstr(&in, "<ul><li><blockquote><ol><li>");
	strbuf_addstr(&in, "deep");
	for (i = 0; i < 6000; i++)
		strbuf_addstr(&in, "</li></ol></blockquote></li></ul>");
	strbuf_addstr(&in, "<p>after</p>");
	s = html_to_text(in.buf, in.len, 0, &len);
	ck_assert(strstr(s, "deep") != NULL);
	ck_assert(strstr(s, "\nafter\n") != NULL);
	ck_assert(tu_utf8_valid(s, len, NULL));
	free(s);
	strbuf_release(&in);
}
END_TEST

START_TEST(test_random)
{
	static const char *pieces[] = {
		"<p>", "</p>", "<br>", "<ul>", "<li>", "</ul>", "<ol>", "</ol>",
		"<blockquote>", "</blockquote>", "<pre>", "</pre>", "<a href=",
		"\"http://x/\"", ">", "</a>", "<script>", "</script>", "<!--",
		"-->", "&", "&#", "x;", "<table>", "<tr>", "<td>", "<h2>", "<",
		"'", "\"", "\n", " ", "text", "\xff", "\xc3\xa9", "<head>",
		"<img alt=", "=", "/", "<hr>", "<dd>", "</dd>",
	};
	struct strbuf in = STRBUF_INIT;
	uint64_t st = 0x68746d6cULL, r = 0;
	char *s;
	size_t len;
	int iter, k, n;

	for (iter = 0; iter < 3000; iter++) {
		strbuf_reset(&in);
		n = (int)(tu_rand(&st) % 60);
		for (k = 0; k < n; k++) {
			r = tu_rand(&st);
			if (r % 5 == 0)
				strbuf_addch(&in, (int)(r >> 8));
			else
				strbuf_addstr(&in, pieces[(r >> 8) %
				    (sizeof pieces / sizeof pieces[0])]);
		}
		s = html_to_text(in.buf, in.len, (int)(r & 1), &len);
		ck_assert_msg(strlen(s) == len, "iteration %d: NUL", iter);
		ck_assert_msg(tu_utf8_valid(s, len, NULL),
		    "iteration %d: invalid UTF-8", iter);
		ck_assert_msg(len == 0 || s[len - 1] == '\n',
		    "iteration %d: no final line end", iter);
		free(s);
	}
	strbuf_release(&in);
}
END_TEST

static Suite *
html_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("html");
	tc = tcase_create("convert");
	tcase_add_loop_test(tc, test_rows, 0, TU_NROWS(rows));
	tcase_add_test(tc, test_null_and_nul);
	tcase_add_test(tc, test_entity);
	tcase_add_test(tc, test_deep);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(html_suite());
}
