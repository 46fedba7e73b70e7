/*
 * Unit tests for src/mime.c: RFC 2047 headers, charsets, dates, transfer
 * decoding, the choice of the text part, HTML conversion, the reader's
 * options (HTML preferred, attachment lines, headers, format=flowed, the
 * renderer hook), the parts list and part data, and every message of the
 * shared corpus run through the parser, the parts list and the terminal
 * checker.
 */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mime.h"
#include "strbuf.h"
#include "testutil.h"
#include "text.h"

#define RFFFD "\xef\xbf\xbd"
#define LEN(s) (sizeof(s) - 1)

static void	check_parts(const char *, int, const char *, size_t);

/* RFC 2047 and raw header values. */
static const struct {
	const char *name;
	const char *in;
	const char *out;
} header_rows[] = {
	{ "UTF-8 B", "=?UTF-8?B?w6k=?=", "\xc3\xa9" },
	{ "UTF-8 B lower case", "=?utf-8?b?w6k=?=", "\xc3\xa9" },
	{ "ISO-8859-1 Q underscores", "=?ISO-8859-1?Q?caf=E9_au_lait?=",
	    "caf\xc3\xa9 au lait" },
	{ "adjacent words joined", "=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=", "ab" },
	{ "adjacent words folded", "=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=", "ab" },
	{ "adjacent words tabs", "=?UTF-8?Q?a?= \t =?UTF-8?Q?b?=", "ab" },
	{ "adjacent words no space", "=?UTF-8?B?4pyT?==?UTF-8?B?4pyT?=",
	    "\xe2\x9c\x93\xe2\x9c\x93" },
	{ "word between plain words", "hello =?UTF-8?B?w6k=?= world",
	    "hello \xc3\xa9 world" },
	{ "word then plain", "=?UTF-8?Q?a?= b", "a b" },
	{ "plain then words",
	    "Re: [list] =?UTF-8?Q?caf=C3=A9?= =?UTF-8?Q?_ok?=",
	    "Re: [list] caf\xc3\xa9 ok" },
	{ "character split over words", "=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=",
	    "\xc3\xa9" },
	{ "different charsets adjacent", "=?ISO-8859-1?Q?=E9?= "
	    "=?UTF-8?Q?=C3=A9?=", "\xc3\xa9\xc3\xa9" },
	{ "KOI8-R", "=?KOI8-R?B?8NLJ18XU?=",
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
	{ "ISO-2022-JP", "=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "ISO-2022-JP split over words",
	    "=?ISO-2022-JP?B?GyRCRnw=?= =?ISO-2022-JP?B?S1w4bBsoQg==?=",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "UTF-7 word", "=?UTF-7?Q?+AOQ-?=", "\xc3\xa4" },
	{ "windows-1252 word", "=?windows-1252?Q?=93q=94?=",
	    "\xe2\x80\x9cq\xe2\x80\x9d" },
	{ "unknown charset", "=?x-unknown?Q?caf=E9?=", "caf" RFFFD },
	{ "unknown charset B", "=?NONE?B?dGVzdA=?=", "test" },
	{ "hostile charset name", "=?utf-8//IGNORE?Q?caf=C3=A9?=",
	    "caf" RFFFD RFFFD },
	{ "language tag", "=?utf-8*en?Q?a=C3=A9?=", "a\xc3\xa9" },
	{ "glued to text", "foo=?UTF-8?Q?a?=b", "fooab" },
	{ "quoted display name", "\"=?UTF-8?Q?J=C3=B6rg?=\" <j@x>",
	    "\"J\xc3\xb6rg\" <j@x>" },
	{ "broken B only padding", "=?UTF-8?B?====?=", "=?UTF-8?B?====?=" },
	{ "broken B in text", "x =?UTF-8?B?====?= y", "x =?UTF-8?B?====?= y" },
	{ "broken B bad character", "=?UTF-8?B?w6k*?=", "=?UTF-8?B?w6k*?=" },
	{ "broken B one sextet", "=?UTF-8?B?w6kAB?=", "=?UTF-8?B?w6kAB?=" },
	{ "unterminated word", "=?UTF-8?B?w6k", "=?UTF-8?B?w6k" },
	{ "unknown encoding", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=" },
	{ "space inside word", "=?UTF-8?Q?a b?=", "=?UTF-8?Q?a b?=" },
	{ "empty charset", "=??Q?a?=", "=??Q?a?=" },
	{ "bad Q escape kept", "=?UTF-8?Q?a=ZZb?=", "a=ZZb" },
	{ "empty word", "=?UTF-8?B?\?=", "" },
	{ "encoded NUL", "=?UTF-8?Q?a=00b?=", "a" RFFFD "b" },
	{ "encoded escape kept for sanitising", "=?utf-8?q?=1B[2J?=",
	    "\x1b[2J" },
	{ "8-bit inside Q word", "=?iso-8859-1?Q?Fr\xf6sche?=",
	    "Fr\xc3\xb6sche" },
	{ "raw latin-1", "caf\xe9", "caf\xc3\xa9" },
	{ "raw windows-1252", "\x93quoted\x94",
	    "\xe2\x80\x9cquoted\xe2\x80\x9d" },
	{ "raw UTF-8", "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "raw undefined 1252 byte", "a\x81", "a" RFFFD },
	{ "spaces kept", "a  b", "a  b" },
	{ "folding unfolded", "a long\r\n subject", "a long subject" },
	{ "trimmed", "  x \r\n", "x" },
	{ "empty", "", "" },
};

START_TEST(test_header_rows)
{
	char *s;

	s = mime_decode_header(header_rows[_i].in, strlen(header_rows[_i].in));
	ck_assert_msg(strcmp(s, header_rows[_i].out) == 0,
	    "row %d (%s): got \"%s\", want \"%s\"", _i, header_rows[_i].name,
	    tu_show(s, strlen(s)), tu_show(header_rows[_i].out,
	    strlen(header_rows[_i].out)));
	ck_assert_msg(tu_utf8_valid(s, strlen(s), NULL), "row %d: UTF-8", _i);
	free(s);
}
END_TEST

START_TEST(test_header_misc)
{
	char *s, *t;

	/* The length is honoured: no read past it. */
	s = mime_decode_header("=?UTF-8?B?w6k=?=XYZ", 16);
	ck_assert_str_eq(s, "\xc3\xa9");
	free(s);
	s = mime_decode_header(NULL, 0);
	ck_assert_str_eq(s, "");
	free(s);
	/* Escapes decode, then the terminal layer makes them harmless. */
	s = mime_decode_header("=?UTF-8?B?G1syShtdMDtvd25lZAc=?=", 32);
	t = text_sanitize_dup(s, 0);
	ck_assert_str_eq(t, "^[[2J^[]0;owned^G");
	free(s);
	free(t);
}
END_TEST

/* Body charset conversion. */
static const struct {
	const char *charset;
	const char *in;
	size_t len;
	const char *out;
	size_t out_len;
} utf8_rows[] = {
#define U(cs, in, out) { cs, in, LEN(in), out, LEN(out) }
	U(NULL, "abc", "abc"),
	U("", "abc", "abc"),
	U("us-ascii", "caf\xe9", "caf\xc3\xa9"),
	U("iso-8859-1", "\x93hi\x94", "\xe2\x80\x9chi\xe2\x80\x9d"),
	U("ISO-8859-1", "\x80 \xa0\xff", "\xe2\x82\xac \xc2\xa0\xc3\xbf"),
	U("latin1", "\x96", "\xe2\x80\x93"),
	U("iso-8859-1", "\x81\x8d\x8f\x90\x9d", RFFFD RFFFD RFFFD RFFFD RFFFD),
	U("windows-1252", "\x9c", "\xc5\x93"),
	U("utf-8", "\xe6\x97\xa5", "\xe6\x97\xa5"),
	U("UTF8", "\xc3\xa9", "\xc3\xa9"),
	U("\"utf-8\"", "\xc3\xa9", "\xc3\xa9"),
	U("utf-8", "a\xff" "b\xc3", "a" RFFFD "b" RFFFD),
	U("utf-8", "\xed\xa0\x80", RFFFD RFFFD RFFFD),
	U("koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4",
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"),
	U("iso-8859-2", "\xb1", "\xc4\x85"),
	U("Shift_JIS", "\x93\xfa\x96{", "\xe6\x97\xa5\xe6\x9c\xac"),
	U("euc-kr", "\xc7\xd1\xb1\xb9", "\xed\x95\x9c\xea\xb5\xad"),
	U("ks_c_5601-1987", "\xc7\xd1", "\xed\x95\x9c"),
	U("iso-2022-jp", "\x1b$BF|K\\8l\x1b(B",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
	U("iso-2022-jp", "a\x1b$B\xff\xff\x1b(Bb", "a" RFFFD RFFFD "b"),
	U("bad-charset", "abc\xe9" "def", "abc" RFFFD "def"),
	U("x-unknown", "\xc3\xa9", RFFFD RFFFD),
	U("utf-8//IGNORE", "a\xc3\xa9", "a" RFFFD RFFFD),
	U("../../etc/passwd", "a\x80", "a" RFFFD),
	U("utf-7", "+AOQ-", "\xc3\xa4"),
	U("utf-8", "a\0b", "a\0b"),
	U("koi8-r", "", ""),
#undef U
};

START_TEST(test_utf8_rows)
{
	char *s;
	size_t len = 12345;

	s = mime_to_utf8(utf8_rows[_i].charset, utf8_rows[_i].in,
	    utf8_rows[_i].len, &len);
	ck_assert_msg(len == utf8_rows[_i].out_len &&
	    memcmp(s, utf8_rows[_i].out, len) == 0 && s[len] == '\0',
	    "row %d (%s): got \"%s\" (%zu), want \"%s\"", _i,
	    utf8_rows[_i].charset != NULL ? utf8_rows[_i].charset : "NULL",
	    tu_show(s, len), len, tu_show(utf8_rows[_i].out,
	    utf8_rows[_i].out_len));
	free(s);
	s = mime_to_utf8(utf8_rows[_i].charset, utf8_rows[_i].in,
	    utf8_rows[_i].len, NULL);
	free(s);
}
END_TEST

/* Dates. */
static const struct {
	const char *in;
	long long t;
} date_rows[] = {
	{ "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557LL },
	{ "Tue, 01 Jul 2003 10:52:37 +0200", 1057049557LL },
	{ "1 Jul 2003 10:52:37 +0200", 1057049557LL },
	{ "Tue,1 Jul 2003 10:52:37 +0200", 1057049557LL },
	{ "Tue, 1 Jul 2003 10:52 +0200", 1057049520LL },
	{ "Tue, 1 Jul 2003 08:52:37 GMT", 1057049557LL },
	{ "Tue, 1 Jul 2003 08:52:37 UT", 1057049557LL },
	{ "Tue, 1 Jul 2003 08:52:37 Z", 1057049557LL },
	{ "Tue, 1 Jul 2003 08:52:37 -0000", 1057049557LL },
	{ "Tue, 1 Jul 2003 03:52:37 EST", 1057049557LL },
	{ "Tue, 1 Jul 2003 04:52:37 EDT", 1057049557LL },
	{ "Tue, 1 Jul 2003 00:52:37 PST", 1057049557LL },
	{ "Tue, 1 Jul 2003 01:52:37 PDT", 1057049557LL },
	{ "Tue, 1 Jul 2003 02:52:37 CST", 1057049557LL },
	{ "Tue, 1 Jul 2003 01:52:37 MST", 1057049557LL },
	{ "Tue, 1 Jul 2003 08:52:37", 1057049557LL },
	{ "Tue, 1 Jul 2003 08:52:37 A", 1057049557LL },
	{ "Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", 1057049557LL },
	{ "Tue, 1 Jul 2003 10:52:37 CEST", 1057049557LL + 7200 },
	{ "tue, 1 JUL 2003 08:52:37 gmt", 1057049557LL },
	{ "Tuesday, 1 July 2003 08:52:37 GMT", 1057049557LL },
	{ "Tue, 1 Jul 03 08:52:37 GMT", 1057049557LL },
	{ "Fri, 1 Jan 99 00:00:00 GMT", 915148800LL },
	{ "Fri, 1 Jan 099 00:00:00 GMT", 915148800LL },
	{ "  (comment) Tue, 1 Jul 2003 (x) 08:52:37 GMT", 1057049557LL },
	{ "Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
	    "               -0330 (Newfoundland Time)", -27723480LL },
	{ "Tue Jul  1 08:52:37 2003", 1057049557LL },
	{ "1-Jul-2003 10:52:37 +0200", 1057049557LL },
	{ "Tue, 1 Jul 2003 10:52:37 +02:00", 1057049557LL },
	{ "Sun, 29 Feb 2004 00:00:00 +0000", 1078012800LL },
	{ "1 Jan 1970 00:00:00 +0000", 0LL },
	{ "1 Jan 2040 00:00:00 +0000", 2208988800LL },
	{ "31 Dec 9999 23:59:59 +0000", 253402300799LL },
	{ "1 Jan 1900 00:00:00 +0000", -2208988800LL },
	/* Garbage. */
	{ "", -1 },
	{ "garbage", -1 },
	{ "Tue,", -1 },
	{ "Tue, 32 Jul 2003 10:52:37 +0200", -1 },
	{ "Tue, 0 Jul 2003 10:52:37 +0200", -1 },
	{ "Sat, 29 Feb 2003 00:00:00 +0000", -1 },
	{ "Tue, 1 Foo 2003 10:52:37 +0200", -1 },
	{ "1 Jul 2003", -1 },
	{ "1 Jul 2003 25:00:00 +0000", -1 },
	{ "1 Jul 2003 10:60 +0000", -1 },
	{ "1 Jul 2003 10:5 +0000", -1 },
	{ "1 Jul 2003 10:52:37 +02", -1 },
	{ "1 Jul 2003 10:52:37 +0260", -1 },
	{ "1 Jul 20031 10:52:37 +0000", -1 },
	{ "1 Jul 1 10:52:37 +0000", -1 },
	{ "1 Jul 1899 10:52:37 +0000", -1 },
	{ "2003-07-01 10:52:37", -1 },
	{ "Tue Jul  1 08:52:37", -1 },
};

START_TEST(test_date_rows)
{
	time_t t;

	t = mime_parse_date(date_rows[_i].in);
	ck_assert_msg((long long)t == date_rows[_i].t,
	    "row %d (\"%s\"): got %lld, want %lld", _i,
	    tu_show(date_rows[_i].in, strlen(date_rows[_i].in)), (long long)t,
	    date_rows[_i].t);
}
END_TEST

START_TEST(test_date_null)
{
	ck_assert(mime_parse_date(NULL) == -1);
}
END_TEST

/* Whole messages: the text chosen and how it is decoded. */
static const struct {
	const char *name;
	const char *raw;
	const char *want;	/* the text must contain this */
	const char *not;	/* and must not contain this (or NULL) */
} body_rows[] = {
	{ "plain",
	    "Subject: s\n\nhello\n", "hello\n", NULL },
	{ "CRLF to LF",
	    "Subject: s\r\n\r\nline1\r\nline2\r\n", "line1\nline2\n", "\r" },
	{ "QP soft line breaks",
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "soft=\nbreak and crlf=\r\nbreak and blanks=  \nbreak\n",
	    "softbreak and crlfbreak and blanksbreak\n", "=" },
	{ "QP escapes",
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "caf=C3=A9 =3D equal, lower =c3=a9, bad =ZZ, end=",
	    "caf\xc3\xa9 = equal, lower \xc3\xa9, bad =ZZ, end", NULL },
	{ "QP in latin-1",
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: Quoted-Printable\n\n"
	    "Fr=F6sche", "Fr\xc3\xb6sche", NULL },
	{ "base64 body",
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "aGVsbG8g\r\nd29ybGQg\r\nw6k=\r\n", "hello world \xc3\xa9", NULL },
	{ "base64 pieces",
	    "Content-Transfer-Encoding: base64\n\naGVsbG8=\nd29ybGQ=\n",
	    "helloworld", NULL },
	{ "base64 with junk",
	    "Content-Transfer-Encoding: base64\n\naGVs*bG8\n!!\n", "hello",
	    NULL },
	{ "windows-1252 as iso-8859-1",
	    "Content-Type: text/plain; charset=\"iso-8859-1\"\n\n"
	    "\x93quoted\x94 \x96 dash",
	    "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x93 dash", NULL },
	{ "unknown body charset",
	    "Content-Type: text/plain; charset=x-bogus\n\nabc\xe9\xe8 def\n",
	    "abc" RFFFD RFFFD " def\n", NULL },
	{ "no charset, UTF-8 bytes",
	    "Subject: s\n\ncaf\xc3\xa9\n", "caf\xc3\xa9\n", NULL },
	{ "no charset, latin-1 bytes",
	    "Subject: s\n\ncaf\xe9\n", "caf\xc3\xa9\n", NULL },
	{ "html only",
	    "Content-Type: text/html; charset=utf-8\n\n"
	    "<html><head><title>T</title><style>p { x: 1 }</style></head>"
	    "<body><p>Hello&nbsp;<b>world</b> &amp; &lt;you&gt;</p>"
	    "<script>alert(1)</script>line<br>two &#233; &#x263A; "
	    "&quot;q&quot; &bogus; a < b</body></html>",
	    "Hello\xc2\xa0world & <you>\n\nline\ntwo \xc3\xa9 \xe2\x98\xba "
	    "\"q\" &bogus; a < b\n", "alert" },
	{ "html comments and pre",
	    "Content-Type: text/html\n\n"
	    "<!-- hidden --><pre>a  b\n  c</pre><div>x\n   y</div>"
	    "<a href=\"x>y\">link</a>",
	    "a  b\n  c\nx y\nlink\n", "hidden" },
	{ "html numeric 1252 reference",
	    "Content-Type: text/html\n\n&#147;x&#148; &#0; &#xD800;",
	    "\xe2\x80\x9cx\xe2\x80\x9d " RFFFD " " RFFFD, NULL },
	{ "alternative prefers plain",
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nthe plain\n"
	    "--b\nContent-Type: text/html\n\n<p>the html</p>\n--b--\n",
	    "the plain", "the html" },
	{ "alternative plain last",
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/html\n\n<p>the html</p>\n"
	    "--b\nContent-Type: text/plain\n\nthe plain\n--b--\n",
	    "the plain", "the html" },
	{ "alternative html only",
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: image/png\n\nxx\n"
	    "--b\nContent-Type: text/html\n\n<p>the html</p>\n--b--\n",
	    "the html", "<p>" },
	{ "alternative inside mixed, related html",
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: multipart/alternative; boundary=a\n\n"
	    "--a\nContent-Type: multipart/related; boundary=r\n\n"
	    "--r\nContent-Type: text/html\n\n<b>rich</b>\n"
	    "--r\nContent-Type: image/png\n\nxx\n--r--\n"
	    "--a--\n"
	    "--m\nContent-Type: application/pdf\n"
	    "Content-Disposition: attachment; filename=a.pdf\n\nxx\n--m--\n",
	    "rich", "[application/pdf" },
	{ "text attachment skipped",
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nbody text\n"
	    "--m\nContent-Type: text/plain\n"
	    "Content-Disposition: attachment; filename=notes.txt\n\n"
	    "secret notes\n--m--\n", "body text", "secret notes" },
	{ "inline parts in order",
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nfirst\n"
	    "--m\nContent-Type: image/gif\n\nxx\n"
	    "--m\nContent-Type: text/plain\n\nsecond\n--m--\n",
	    "first\n\nsecond", "xx" },
	{ "attachment only",
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: image/png; name=x.png\n"
	    "Content-Disposition: attachment; filename=\"photo.png\"\n"
	    "Content-Transfer-Encoding: base64\n\nAAAAAAAA\n--m--\n",
	    "[image/png attachment: photo.png, 6]", NULL },
	{ "attachment name from Content-Type",
	    "Content-Type: application/pdf; name=\"r.pdf\"\n\n%PDF\n",
	    "[application/pdf part: r.pdf, 5]", NULL },
	{ "RFC 2231 file name",
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment;\n"
	    " filename*=utf-8''%E6%97%A5%20x.txt\n\nxx\n",
	    "[application/octet-stream attachment: \xe6\x97\xa5 x.txt, "
	    "3]", NULL },
	{ "RFC 2231 continuations",
	    "Content-Type: application/octet-stream\n"
	    "Content-Disposition: attachment;\n"
	    " filename*0*=iso-8859-1'de'M%FCller;\n filename*1=\"-a\";"
	    " filename*2*=%2Etxt\n\nxx\n",
	    "attachment: M\xc3\xbcller-a.txt,", NULL },
	{ "RFC 2047 file name",
	    "Content-Type: text/plain; name==?koi8-r?B?89DJ08/LLmRvYw==?=\n"
	    "Content-Disposition: attachment\n\nxx\n",
	    "\xd0\xa1\xd0\xbf\xd0\xb8\xd1\x81\xd0\xbe\xd0\xba.doc", NULL },
	{ "empty text then attachment",
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\n\n"
	    "--m\nContent-Type: audio/ogg\n"
	    "Content-Disposition: attachment; filename=a.ogg\n\nxx\n--m--\n",
	    "[audio/ogg attachment: a.ogg, 2]", NULL },
	{ "embedded message",
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nsee below\n"
	    "--m\nContent-Type: message/rfc822\n\n"
	    "From: =?UTF-8?Q?J=C3=B6rg?= <j@x>\nSubject: inner\n"
	    "Date: Tue, 1 Jul 2003 10:52:37 +0200\n\ninner body\n--m--\n",
	    "From: J\xc3\xb6rg <j@x>\n", NULL },
	{ "embedded message body",
	    "Content-Type: message/rfc822\n\n"
	    "Subject: inner\n\ninner body\n", "inner body", NULL },
	{ "no blank line after the header",
	    "Subject: s\nThis is not a header\nmore\n",
	    "This is not a header\nmore\n", NULL },
	{ "header only",
	    "Subject: s\n", "", NULL },
	{ "multipart without boundary",
	    "Content-Type: multipart/mixed\n\nstill shown\n", "still shown",
	    NULL },
	{ "multipart with no parts",
	    "Content-Type: multipart/mixed; boundary=zz\n\njust text\n",
	    "just text", NULL },
	{ "mbox From_ line skipped",
	    "From someone Tue Jul  1 10:52:37 2003\nSubject: s\n\nbody\n",
	    "body", "someone" },
	{ "obsolete header syntax before the body",
	    "From: Pete(A \\) chap) <pete(x)@silly.test>\n"
	    "To:A Group(Some people)\n     :Chris <c@(h)public.example>;\n"
	    "Subject: x\n\nTesting.\n", "Testing.", "Chris" },
};

START_TEST(test_body_rows)
{
	struct mime_message msg;
	int r;

	r = mime_message_parse(body_rows[_i].raw, strlen(body_rows[_i].raw),
	    &msg);
	ck_assert_msg(r == 0, "row %d (%s): returned %d", _i,
	    body_rows[_i].name, r);
	ck_assert_msg(msg.text != NULL && strlen(msg.text) == msg.text_len,
	    "row %d (%s): text/length", _i, body_rows[_i].name);
	ck_assert_msg(strstr(msg.text, body_rows[_i].want) != NULL,
	    "row %d (%s): text \"%s\" lacks \"%s\"", _i, body_rows[_i].name,
	    tu_show(msg.text, msg.text_len), tu_show(body_rows[_i].want,
	    strlen(body_rows[_i].want)));
	ck_assert_msg(body_rows[_i].not == NULL ||
	    strstr(msg.text, body_rows[_i].not) == NULL,
	    "row %d (%s): text \"%s\" has \"%s\"", _i, body_rows[_i].name,
	    tu_show(msg.text, msg.text_len), body_rows[_i].not);
	ck_assert_msg(tu_utf8_valid(msg.text, msg.text_len, NULL),
	    "row %d (%s): invalid UTF-8", _i, body_rows[_i].name);
	mime_message_release(&msg);
	ck_assert(msg.text == NULL && msg.from == NULL);
}
END_TEST

START_TEST(test_html_exact)
{
	struct mime_message msg;
	const char *raw =
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/html; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "<p>Caf=E9</p>\n<p>two\nlines</p><ul><li>one</li><li>two</li></ul>"
	    "<table><tr><td>a</td><td>b</td></tr></table>\n--b--\n";

	ck_assert_int_eq(mime_message_parse(raw, strlen(raw), &msg), 0);
	ck_assert_msg(strcmp(msg.text,
	    "Caf\xc3\xa9\n\ntwo lines\n\n* one\n* two\na b\n") == 0,
	    "got \"%s\"", tu_show(msg.text, msg.text_len));
	mime_message_release(&msg);
}
END_TEST

START_TEST(test_message_headers)
{
	struct mime_message msg;
	const char *raw =
	    "Received: x\r\n"
	    "From: =?ISO-8859-1?Q?Andr=E9?= <a@example.org>\r\n"
	    "To: b@example.org,\r\n\tc@example.org\r\n"
	    "CC: =?UTF-8?B?w6k=?= <d@example.org>\r\n"
	    "Subject: =?UTF-8?Q?caf=C3=A9?=\r\n =?UTF-8?Q?_cr=C3=A8me?=\r\n"
	    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
	    "Content-Type: multipart/mixed; boundary=\"x\"\r\n"
	    "\r\n"
	    "--x\r\nContent-Type: text/plain\r\n\r\na\r\n"
	    "--x\r\nContent-Type: image/png\r\n\r\nb\r\n"
	    "--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n"
	    "--y\r\nContent-Type: text/plain\r\n\r\nc\r\n"
	    "--y\r\nContent-Type: text/html\r\n\r\nd\r\n--y--\r\n"
	    "--x--\r\n";

	ck_assert_int_eq(mime_message_parse(raw, strlen(raw), &msg), 0);
	ck_assert_str_eq(msg.from, "Andr\xc3\xa9 <a@example.org>");
	ck_assert_str_eq(msg.to, "b@example.org,\tc@example.org");
	ck_assert_str_eq(msg.cc, "\xc3\xa9 <d@example.org>");
	ck_assert_str_eq(msg.subject, "caf\xc3\xa9 cr\xc3\xa8me");
	ck_assert_str_eq(msg.date, "Tue, 1 Jul 2003 10:52:37 +0200");
	ck_assert(mime_parse_date(msg.date) == 1057049557);
	ck_assert_int_eq(msg.nparts, 4);
	ck_assert_str_eq(msg.text, "a\n\nc");
	mime_message_release(&msg);

	ck_assert_int_eq(mime_message_parse("", 0, &msg), 0);
	ck_assert(msg.text != NULL && msg.text_len == 0);
	ck_assert(msg.from == NULL && msg.subject == NULL);
	ck_assert_int_eq(msg.nparts, 0);
	mime_message_release(&msg);
}
END_TEST

START_TEST(test_attachment_size)
{
	struct strbuf raw = STRBUF_INIT;
	struct mime_message msg;
	int i;

	strbuf_addstr(&raw, "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: image/png\n"
	    "Content-Disposition: attachment; filename=\"photo.png\"\n"
	    "Content-Transfer-Encoding: base64\n\n");
	/* 12 KiB of zero bytes, 76 columns a line. */
	for (i = 0; i < 12 * 1024 / 57; i++)
		strbuf_addstr(&raw, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
	strbuf_addstr(&raw,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--m--\n");
	ck_assert_int_eq(mime_message_parse(raw.buf, raw.len, &msg), 0);
	ck_assert_msg(strcmp(msg.text,
	    "[image/png attachment: photo.png, 12K]\n") == 0, "got \"%s\"",
	    tu_show(msg.text, msg.text_len));
	ck_assert_int_eq(msg.nparts, 1);
	mime_message_release(&msg);
	strbuf_release(&raw);
}
END_TEST

/* Random bytes and broken structures: no crash, UTF-8 out. */
START_TEST(test_random_messages)
{
	static const char *pieces[] = {
		"Content-Type: multipart/mixed; boundary=b\n", "--b\n",
		"--b--\n", "\n", "Content-Transfer-Encoding: base64\n",
		"Content-Transfer-Encoding: quoted-printable\n", "=?", "?=",
		"=?UTF-8?B?", "=?ISO-2022-JP?Q?=1B$B", "Subject: ", "From: ",
		"Content-Type: text/html; charset=koi8-r\n", "<p>", "<style>",
		"&#x", "=\n", "=C3", "\x1b", "\xff", "\r\n", "message/rfc822\n",
		"Content-Type: message/rfc822\n\n", "filename*0*=utf-8''%",
		"Content-Disposition: attachment; filename*=x'y'%E9\n", "\0",
	};
	struct strbuf raw = STRBUF_INIT, safe = STRBUF_INIT;
	struct mime_message msg;
	uint64_t st = 0x6d696d65ULL;
	char why[128];
	int iter, k, n;
	uint64_t r;

	for (iter = 0; iter < 2000; iter++) {
		strbuf_reset(&raw);
		n = (int)(tu_rand(&st) % 40);
		for (k = 0; k < n; k++) {
			r = tu_rand(&st);
			if (r % 4 == 0)
				strbuf_addch(&raw, (int)(r >> 8));
			else if (r % 7 == 0)
				strbuf_add(&raw, "\0", 1);
			else
				strbuf_addstr(&raw, pieces[(r >> 8) %
				    (sizeof pieces / sizeof pieces[0])]);
		}
		mime_message_parse(raw.buf, raw.len, &msg);
		ck_assert_msg(msg.text != NULL, "iteration %d: no text", iter);
		ck_assert_msg(tu_utf8_valid(msg.text, msg.text_len, NULL),
		    "iteration %d: invalid UTF-8", iter);
		strbuf_reset(&safe);
		text_sanitize(&safe, msg.text, msg.text_len,
		    TEXT_KEEP_NEWLINES);
		ck_assert_msg(tu_terminal_safe(safe.buf, safe.len, 1, why,
		    sizeof why), "iteration %d: %s", iter, why);
		mime_message_release(&msg);
		check_parts("random", iter, raw.buf, raw.len);
	}
	strbuf_release(&raw);
	strbuf_release(&safe);
}
END_TEST

/*
 * The corpus: every message parses, its text and headers are valid UTF-8
 * and become terminal-safe once sanitised.
 */
struct corpus_stats {
	int messages;
	int dates;
	int bad_dates;
};

static void
check_safe_field(const char *path, const char *what, const char *v)
{
	char *s, why[128];

	if (v == NULL)
		return;
	ck_assert_msg(tu_utf8_valid(v, strlen(v), NULL),
	    "%s: %s is not UTF-8", path, what);
	s = text_sanitize_dup(v, 0);
	ck_assert_msg(tu_terminal_safe(s, strlen(s), 0, why, sizeof why),
	    "%s: %s unsafe after sanitising: %s", path, what, why);
	free(s);
}

/*
 * The reader's view of a corpus message: with every attachment line and
 * HTML preferred the text is still UTF-8 and safe once sanitised; every
 * part's data has the size the list says, and names are UTF-8.
 */
static void
check_parts(const char *path, int index, const char *raw, size_t len)
{
	struct strbuf safe = STRBUF_INIT;
	struct mime_options o;
	struct mime_message msg;
	struct mime_part *p;
	size_t n, i, dlen;
	char *data, why[128];

	mime_options_init(&o);
	o.prefer_html = 1;
	o.attach_lines = MIME_ATTACH_ALL;
	mime_message_parse_opts(raw, len, &o, &msg);
	ck_assert_msg(tu_utf8_valid(msg.text, msg.text_len, NULL),
	    "%s #%d: options text is not UTF-8", path, index);
	text_sanitize(&safe, msg.text, msg.text_len, TEXT_KEEP_NEWLINES);
	ck_assert_msg(tu_terminal_safe(safe.buf, safe.len, 1, why, sizeof why),
	    "%s #%d: options text unsafe after sanitising: %s", path, index,
	    why);
	for (i = 0; i < msg.nheaders; i++)
		check_safe_field(path, msg.headers[i].name,
		    msg.headers[i].value);
	mime_message_release(&msg);
	if (mime_parts(raw, len, &p, &n) == 0) {
		for (i = 0; i < n; i++) {
			ck_assert_msg(mime_part_data(raw, len, i, &data,
			    &dlen) == 0 && dlen == p[i].size,
			    "%s #%d: part %zu data", path, index, i);
			free(data);
			check_safe_field(path, "part type", p[i].type);
			check_safe_field(path, "part name", p[i].filename);
			check_safe_field(path, "part description",
			    p[i].description);
			check_safe_field(path, "part charset", p[i].charset);
		}
		mime_parts_free(p, n);
	}
	strbuf_release(&safe);
}

static void
check_one(const char *path, int index, const char *raw, size_t len,
    struct corpus_stats *stats)
{
	struct strbuf safe = STRBUF_INIT;
	struct mime_message msg;
	char why[128];
	int r;

	r = mime_message_parse(raw, len, &msg);
	ck_assert_msg(r == 0 || r == -1, "%s #%d: returned %d", path, index,
	    r);
	ck_assert_msg(msg.text != NULL, "%s #%d: no text", path, index);
	ck_assert_msg(tu_utf8_valid(msg.text, msg.text_len, NULL),
	    "%s #%d: text is not UTF-8", path, index);
	text_sanitize(&safe, msg.text, msg.text_len, TEXT_KEEP_NEWLINES);
	ck_assert_msg(tu_terminal_safe(safe.buf, safe.len, 1, why, sizeof why),
	    "%s #%d: text unsafe after sanitising: %s", path, index, why);
	check_safe_field(path, "from", msg.from);
	check_safe_field(path, "to", msg.to);
	check_safe_field(path, "cc", msg.cc);
	check_safe_field(path, "subject", msg.subject);
	check_safe_field(path, "date", msg.date);
	if (msg.date != NULL) {
		stats->dates++;
		if (mime_parse_date(msg.date) == -1) {
			stats->bad_dates++;
			fprintf(stderr, "check_mime: %s #%d: date \"%s\" not "
			    "parsed\n", path, index, msg.date);
		}
	}
	stats->messages++;
	mime_message_release(&msg);
	check_parts(path, index, raw, len);
	strbuf_release(&safe);
}

static void
check_file(const char *path, struct corpus_stats *stats)
{
	const char *p, *next, *end;
	size_t len, plen = strlen(path);
	char *raw;
	int n;

	if ((raw = tu_read_file(path, &len)) == NULL)
		ck_abort_msg("cannot read %s", path);
	if (plen > 4 && strcmp(path + plen - 4, ".eml") == 0)
		check_one(path, 0, raw, len, stats);
	else if (plen > 5 && strcmp(path + plen - 5, ".mbox") == 0) {
		/* One message per "From " line; the first 300 only. */
		end = raw + len;
		p = raw;
		for (n = 0; p < end && n < 300; n++, p = next) {
			next = p + 1;
			while ((next = memchr(next, '\n', (size_t)(end - next)))
			    != NULL && (size_t)(end - next) > 5 &&
			    memcmp(next + 1, "From ", 5) != 0)
				next++;
			next = next == NULL || (size_t)(end - next) <= 5 ?
			    end : next + 1;
			check_one(path, n, p, (size_t)(next - p), stats);
		}
	}
	free(raw);
}

static void
walk(const char *dir, struct corpus_stats *stats)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *path;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) == -1)
			ck_abort_msg("out of memory");
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			walk(path, stats);
		else if (S_ISREG(st.st_mode))
			check_file(path, stats);
		free(path);
	}
	closedir(d);
}

START_TEST(test_corpus)
{
	struct corpus_stats stats = { 0, 0, 0 };

	if (!tu_corpus_present()) {
		fprintf(stderr, "check_mime: no corpus at %s, skipped\n",
		    tu_corpus_dir());
		return;
	}
	walk(tu_corpus_dir(), &stats);
	ck_assert_msg(stats.messages > 300, "only %d corpus messages",
	    stats.messages);
	/* Real mail dates parse; a handful of odd ones may not. */
	ck_assert_msg(stats.bad_dates * 100 <= stats.dates,
	    "%d of %d dates not parsed", stats.bad_dates, stats.dates);
}
END_TEST

/* Messages of the corpus whose decoded content is known. */
static const struct {
	const char *file;
	const char *field;	/* "text", "subject", "from", "to" */
	const char *want;
	const char *not;
} spot_rows[] = {
	{ "charset/mimekit-japanese.eml", "text",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\x8c\n"
	    "\xe6\xad\xa3\xe5\xb8\xb8\xe3\x81\xab\n", "\x1b" },
	{ "charset/mimekit-japanese.eml", "subject",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\xa1\xe3\x83\xbc"
	    "\xe3\x83\xab\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88 (testing", NULL },
	{ "charset/mikel-multi_charset-japanese_shift_jis.eml", "text",
	    "\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86\xe3\x81\x88\xe3\x81\x8a",
	    RFFFD },
	{ "charset/mikel-plain-raw_email.eml", "subject",
	    "NOTE: \xed\x95\x9c\xea\xb5\xad\xeb\xa7\x90\xeb\xa1\x9c", NULL },
	{ "charset/mikel-plain-raw_email.eml", "text",
	    "\xeb\x8c\x80\xeb\xb6\x80\xeb\xb6\x84\xec\x9d\x98", RFFFD },
	{ "charset/zbateson-m0006.eml", "text",
	    "Die Hasen und die Fr\xc3\xb6sche", "+AP" },
	{ "charset/zbateson-m0006.eml", "subject",
	    "Die Hasen und die Fr\xc3\xb6sche", NULL },
	{ "charset/thunderbird-bad-charset.eml", "text", "Matterhorn1",
	    "Matterhorn2" },
	{ "charset/phpmmp-issue230.eml", "text", "Dear Colleague", NULL },
	{ "header-encoding/mime4j-russian-headers.eml", "text",
	    "\xd0\xa1\xd0\xbf\xd0\xb8\xd1\x81\xd0\xbe\xd0\xba.doc", NULL },
	{ "header-encoding/flanker-bilingual-simple.eml", "subject",
	    "\xd0\x9a\xd0\xb0\xd0\xba \xd1\x82\xd1\x8b", NULL },
	{ "header-encoding/mikel-rfc2822-example14.eml", "subject",
	    "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88\xe3\x83\x86\xe3\x82\xb9"
	    "\xe3\x83\x88", "\x1b" },
	{ "header-encoding/mikel-rfc6532-utf8_headers.eml", "from",
	    "J\xc3\xb6hn Doe", NULL },
	{ "header-encoding/zbateson-m0001.eml", "to",
	    "J\xc3\xbcrgen Schm\xc3\xbcrgen", NULL },
	{ "header-encoding/zbateson-m1001.eml", "subject",
	    "Die Hasen und die Fr\xc3\xb6sche (Netscape", NULL },
	{ "header-encoding/mikel-plain-raw_email_with_partially_quoted_"
	    "subject.eml", "subject", "\"\xe6\xbc\xa2\xe5\xad\x97\" mid",
	    NULL },
	{ "attachments/zbateson-m2011.eml", "subject",
	    "Die Hasen und die Fr\xc3\xb6sche", "=?" },
	{ "attachments/zbateson-m3004.eml", "text",
	    "attachment: HasenundFr\xc3\xb6sche.txt", NULL },
	{ "attachments/mikel-multi_charset-japanese_attachment_long_name.eml",
	    "text", "\xe3\x81\x8b\xe3\x81\x8d\xe3\x81\x8f\xe3\x81\x91\xe3\x81"
	    "\x93", NULL },
	{ "attachments/zbateson-m4006.eml", "text",
	    "[application/ms-tnef attachment: winmail.dat,", NULL },
	{ "multipart/mimekit-simple-embedded-message.eml", "text",
	    "This is the embedded message body.", NULL },
	{ "multipart/mimekit-simple-embedded-message.eml", "text",
	    "Subject: embedded message\n", NULL },
	{ "multipart/zbateson-m1005.eml", "text", "Die Hasen klagten",
	    "<" },
	{ "malformed/mime4j-malformedHeader-nocrlfcrlf.eml", "subject",
	    "this is a subject", NULL },
	{ "malformed/mime4j-malformedHeader-nocrlfcrlf.eml", "text",
	    "Body text", NULL },
	{ "malformed/mikel-error-bad_encoded_subject.eml", "subject", "TEST",
	    NULL },
	{ "basic/mikel-rfc2822-example10.eml", "text", "Testing.", "Chris" },
	{ "reports/flanker-bounce-office365.eml", "text",
	    "couldn't be delivered", "<html" },
};

static const char *
spot_field(const struct mime_message *msg, const char *field)
{
	if (strcmp(field, "subject") == 0)
		return (msg->subject);
	if (strcmp(field, "from") == 0)
		return (msg->from);
	if (strcmp(field, "to") == 0)
		return (msg->to);
	return (msg->text);
}

/*
 * The corpus file FILE (under tu_corpus_dir()), whole; NULL, having said
 * so, when the corpus or the file is not there (the test is skipped).
 */
static char *
corpus_read(const char *file, size_t *len_r)
{
	char *path, *raw;

	if (!tu_corpus_present())
		return (NULL);
	if (asprintf(&path, "%s/%s", tu_corpus_dir(), file) == -1)
		ck_abort_msg("out of memory");
	if ((raw = tu_read_file(path, len_r)) == NULL)
		fprintf(stderr, "check_mime: no %s, skipped\n", path);
	free(path);
	return (raw);
}

START_TEST(test_spot_rows)
{
	struct mime_message msg;
	const char *v;
	char *raw;
	size_t len;

	if ((raw = corpus_read(spot_rows[_i].file, &len)) == NULL)
		return;
	mime_message_parse(raw, len, &msg);
	v = spot_field(&msg, spot_rows[_i].field);
	ck_assert_msg(v != NULL && strstr(v, spot_rows[_i].want) != NULL,
	    "row %d (%s %s): \"%s\" lacks \"%s\"", _i, spot_rows[_i].file,
	    spot_rows[_i].field, tu_show(v, v != NULL ? strlen(v) : 0),
	    spot_rows[_i].want);
	ck_assert_msg(spot_rows[_i].not == NULL ||
	    strstr(v, spot_rows[_i].not) == NULL,
	    "row %d (%s %s): \"%s\" has \"%s\"", _i, spot_rows[_i].file,
	    spot_rows[_i].field, tu_show(v, strlen(v)), spot_rows[_i].not);
	mime_message_release(&msg);
	free(raw);
}
END_TEST

/*
 * has:attachment and the index's 'a' (MIME_ATTACHMENT_TYPE): messages of
 * the corpus, as a POP3 download or an IMAP body reaches the cache.
 */
static const struct {
	const char *file;
	int yes;
} attachment_rows[] = {
	{ "attachments/mikel-attachment-attachment_with_quoted_filename.eml",
	    1 },
	{ "attachments/nodemailer-nodemailer.eml", 1 },
	{ "attachments/zbateson-m2011.eml", 1 },
	/* MULTIPART/MIXED; BOUNDARY=...: any case. */
	{ "attachments/zbateson-m3004.eml", 1 },
	/* multipart/alternative: text and HTML are one message. */
	{ "attachments/phpmmp-m0020.eml", 0 },
	/* A lone winmail.dat, not in a multipart/mixed: not counted. */
	{ "attachments/zbateson-m4006.eml", 0 },
	/* Signed: the attachments are inside, not counted (as on IMAP). */
	{ "crypto/flanker-signed.eml", 0 },
	{ "basic/thunderbird-bugmail12.eml", 0 },
	/* No Content-Type at all. */
	{ "basic/mikel-rfc2822-example01.eml", 0 },
};

START_TEST(test_attachment_rows)
{
	struct mime_message msg;
	char *raw;
	size_t len;

	if ((raw = corpus_read(attachment_rows[_i].file, &len)) == NULL)
		return;
	mime_message_parse(raw, len, &msg);
	ck_assert_msg(msg.has_attachment == attachment_rows[_i].yes,
	    "row %d (%s): has_attachment %d", _i, attachment_rows[_i].file,
	    msg.has_attachment);
	mime_message_release(&msg);
	free(raw);
}
END_TEST

/* Only the message's own header decides, folded or not. */
START_TEST(test_attachment_header)
{
	static const struct {
		const char *raw;
		int yes;
	} rows[] = {
		{ "Content-Type: multipart/mixed;\r\n boundary=b\r\n\r\n"
		    "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n",
		    1 },
		{ "Subject: x\nContent-Type:\n\tmultipart/mixed; boundary=b\n"
		    "\n--b\n\nhi\n--b--\n", 1 },
		/* A part's Content-Type is not the message's. */
		{ "Subject: x\n\nContent-Type: multipart/mixed\n", 0 },
		{ "Content-Type: multipart/related; boundary=b\n\n--b\n"
		    "Content-Type: multipart/mixed; boundary=c\n\n--c--\n"
		    "--b--\n", 0 },
		/* An mbox From line before the header is skipped. */
		{ "From a@b Mon Jan  1 00:00:00 2024\nContent-Type: "
		    "multipart/mixed; boundary=b\n\n--b--\n", 1 },
		{ "", 0 },
	};
	struct mime_message msg;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		mime_message_parse(rows[i].raw, strlen(rows[i].raw), &msg);
		ck_assert_msg(msg.has_attachment == rows[i].yes,
		    "row %zu: has_attachment %d", i, msg.has_attachment);
		mime_message_release(&msg);
	}
}
END_TEST

/* The bad-charset message with an 8-bit byte put in: U+FFFD, not raw. */
START_TEST(test_spot_bad_charset_byte)
{
	struct strbuf sb = STRBUF_INIT;
	struct mime_message msg;
	char *raw, *at;
	size_t len;

	if ((raw = corpus_read("charset/thunderbird-bad-charset.eml", &len)) ==
	    NULL)
		return;
	at = strstr(raw, "Matterhorn1");
	ck_assert(at != NULL);
	strbuf_add(&sb, raw, (size_t)(at - raw));
	strbuf_addstr(&sb, "Matterh=F6rn1");
	strbuf_addstr(&sb, at + strlen("Matterhorn1"));
	mime_message_parse(sb.buf, sb.len, &msg);
	ck_assert_msg(strstr(msg.text, "Matterh" RFFFD "rn1") != NULL,
	    "got \"%s\"", tu_show(msg.text, msg.text_len));
	ck_assert(strstr(msg.text, "Despite the bad charset") != NULL);
	mime_message_release(&msg);
	strbuf_release(&sb);
	free(raw);
}
END_TEST

/* The KOI8-R file name of the Russian message, as a header value. */
START_TEST(test_spot_koi8r_header)
{
	char *s;
	const char *v = "=?koi8-r?B?89DJ08/LLmRvYw==?=";

	s = mime_decode_header(v, strlen(v));
	ck_assert_str_eq(s,
	    "\xd0\xa1\xd0\xbf\xd0\xb8\xd1\x81\xd0\xbe\xd0\xba.doc");
	free(s);
}
END_TEST

/*
 * The rules added for the reader: options (HTML preferred, attachment
 * lines, headers shown, reflow), format=flowed, the renderer hook, the
 * parts list and the decoded bytes of a part.
 */
static const char *const hdr_list[] = { "Subject", "X-Mailer", "From",
	"Reply-To", NULL };

/* Options of a row. */
enum opt_kind {
	OPT_DEFAULT,
	OPT_HTML,		/* prefer_html */
	OPT_ALL,		/* attach_lines ALL */
	OPT_NONE,		/* attach_lines NONE */
	OPT_NOFLOW,		/* reflow 0 */
	OPT_HEADERS		/* headers = hdr_list */
};

static const struct {
	const char *name;
	enum opt_kind opt;
	const char *raw;
	const char *want;	/* the text must contain this */
	const char *not;	/* and must not contain this (or NULL) */
} opt_rows[] = {
	{ "prefer html", OPT_HTML,
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nthe plain\n"
	    "--b\nContent-Type: text/html\n\n<p>the <i>html</i></p>\n--b--\n",
	    "the html\n", "the plain" },
	{ "prefer html, none there", OPT_HTML,
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nthe plain\n--b--\n",
	    "the plain", NULL },
	{ "plain preferred by default", OPT_DEFAULT,
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/html\n\n<p>the html</p>\n"
	    "--b\nContent-Type: text/plain\n\nthe plain\n--b--\n",
	    "the plain", "the html" },
	{ "html links as footnotes", OPT_DEFAULT,
	    "Content-Type: text/html; charset=utf-8\n\n"
	    "<p>Read <a href=\"https://example.org/a\">this</a>.</p>"
	    "<ul><li>one</li></ul>",
	    "Read this[1].\n\n* one\n\n[1] https://example.org/a\n", NULL },
	{ "html meta charset", OPT_DEFAULT,
	    "Content-Type: text/html\n\n<html><head><meta http-equiv="
	    "\"Content-Type\" content=\"text/html; charset=koi8-r\"></head>"
	    "<body>\xf0\xd2\xc9\xd7\xc5\xd4</body></html>",
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", NULL },
	{ "html meta charset5", OPT_DEFAULT,
	    "Content-Type: text/html\n\n<meta charset=\"iso-8859-2\">\xb1",
	    "\xc4\x85", NULL },
	{ "declared charset wins over meta", OPT_DEFAULT,
	    "Content-Type: text/html; charset=utf-8\n\n"
	    "<meta charset=koi8-r>\xc3\xa9", "\xc3\xa9", NULL },
	{ "us-ascii mislabelled UTF-8", OPT_DEFAULT,
	    "Content-Type: text/plain; charset=us-ascii\n\ncaf\xc3\xa9\n",
	    "caf\xc3\xa9\n", NULL },
	{ "us-ascii mislabelled latin-1", OPT_DEFAULT,
	    "Content-Type: text/plain; charset=us-ascii\n\ncaf\xe9\n",
	    "caf\xc3\xa9\n", NULL },
	{ "attachment line", OPT_DEFAULT,
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nbody text\n"
	    "--m\nContent-Type: application/pdf; name=\"r.pdf\"\n"
	    "Content-Disposition: attachment\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--m--\n",
	    "body text\n\n[-- Attachment #3: r.pdf (application/pdf, "
	    "5) --]\n", NULL },
	{ "attachment lines in order", OPT_DEFAULT,
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nfirst\n"
	    "--m\nContent-Type: image/gif; name=a.gif\n\nxx\n"
	    "--m\nContent-Type: text/plain\n\nsecond\n"
	    "--m\nContent-Type: audio/ogg\n"
	    "Content-Disposition: attachment\n\nyyy\n--m--\n",
	    "first\n\n[-- Attachment #3: a.gif (image/gif, 2) --]\n\n"
	    "second\n\n[-- Attachment #5: audio/ogg, 3 --]\n", NULL },
	{ "unnamed inline part: no line by default", OPT_DEFAULT,
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nfirst\n"
	    "--m\nContent-Type: image/gif\n\nxx\n--m--\n",
	    "first", "Attachment" },
	{ "every part with ALL", OPT_ALL,
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nfirst\n"
	    "--m\nContent-Type: image/gif\n\nxx\n--m--\n",
	    "first\n\n[-- Attachment #3: image/gif, 2 --]\n", NULL },
	{ "no lines with NONE", OPT_NONE,
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nfirst\n"
	    "--m\nContent-Type: image/gif; name=a.gif\n\nxx\n--m--\n",
	    "first", "Attachment" },
	{ "related: root shown, images listed", OPT_ALL,
	    "Content-Type: multipart/related; boundary=r\n\n"
	    "--r\nContent-Type: text/html\n\n<p>rich</p>\n"
	    "--r\nContent-Type: image/png; name=logo.png\n"
	    "Content-ID: <logo>\n\nPNG\n--r--\n",
	    "rich\n\n[-- Attachment #3: logo.png (image/png, 3) --]",
	    NULL },
	{ "signed: text shown, signature listed", OPT_DEFAULT,
	    "Content-Type: multipart/signed; boundary=s; "
	    "protocol=\"application/pgp-signature\"\n\n"
	    "--s\nContent-Type: text/plain\n\nsigned text\n"
	    "--s\nContent-Type: application/pgp-signature; "
	    "name=signature.asc\n\n-----BEGIN PGP SIGNATURE-----\n"
	    "--s--\n", "signed text\n\n[-- Attachment #3: signature.asc "
	    "(application/pgp-signature,", "BEGIN PGP" },
	{ "alternative: the other one is not listed", OPT_ALL,
	    "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nthe plain\n"
	    "--b\nContent-Type: text/html\n\n<p>the html</p>\n--b--\n",
	    "the plain", "Attachment" },
	{ "digest: parts are messages", OPT_DEFAULT,
	    "Content-Type: multipart/digest; boundary=d\n\n"
	    "--d\n\nSubject: first digest\nFrom: a@x\n\nbody one\n"
	    "--d\n\nSubject: second digest\n\nbody two\n--d--\n",
	    "Subject: first digest\n", NULL },
	{ "digest second message", OPT_DEFAULT,
	    "Content-Type: multipart/digest; boundary=d\n\n"
	    "--d\n\nSubject: first digest\nFrom: a@x\n\nbody one\n"
	    "--d\n\nSubject: second digest\n\nbody two\n--d--\n",
	    "body one\n\n----- attached message -----\n"
	    "Subject: second digest\n\nbody two", NULL },
	{ "embedded message with its headers, chosen list", OPT_HEADERS,
	    "Content-Type: message/rfc822\n\n"
	    "From: a@x\nTo: b@x\nSubject: inner\nX-Mailer: m1\n\ninner body\n",
	    "Subject: inner\nX-Mailer: m1\nFrom: a@x\n\ninner body", "To:" },
	{ "embedded message in mixed", OPT_DEFAULT,
	    "Content-Type: multipart/mixed; boundary=m\n\n"
	    "--m\nContent-Type: text/plain\n\nsee below\n"
	    "--m\nContent-Type: message/rfc822\n\n"
	    "From: x@y\nSubject: fwd\n"
	    "Content-Type: multipart/mixed; boundary=n\n\n"
	    "--n\nContent-Type: text/plain\n\ninner text\n"
	    "--n\nContent-Type: application/zip; name=in.zip\n\nPK\n--n--\n"
	    "--m--\n", "see below\n\n----- attached message -----\n"
	    "From: x@y\nSubject: fwd\n\ninner text\n\n"
	    "[-- Attachment #6: in.zip (application/zip, 2) --]",
	    NULL },
	{ "flowed", OPT_DEFAULT,
	    "Content-Type: text/plain; format=flowed\n\n"
	    "one two \nthree\n\nnext\n", "one two three\n\nnext\n", NULL },
	{ "flowed delsp", OPT_DEFAULT,
	    "Content-Type: text/plain; format=flowed; delsp=yes\n\n"
	    "long\xe6\x97\xa5 \n\xe6\x9c\xac word\n",
	    "long\xe6\x97\xa5\xe6\x9c\xac word\n", NULL },
	{ "flowed off", OPT_NOFLOW,
	    "Content-Type: text/plain; format=flowed\n\none \ntwo\n",
	    "one \ntwo\n", NULL },
	{ "flowed quoted base64", OPT_DEFAULT,
	    "Content-Type: text/plain; charset=utf-8; format=Flowed\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "PiBhIGIgCj4gYwo+Pj4geCAKPj4+IHkKCg==\n",
	    "> a b c\n>>> x y\n\n", NULL },
};

static void
opt_set(struct mime_options *o, enum opt_kind k)
{
	mime_options_init(o);
	switch (k) {
	case OPT_HTML:
		o->prefer_html = 1;
		break;
	case OPT_ALL:
		o->attach_lines = MIME_ATTACH_ALL;
		break;
	case OPT_NONE:
		o->attach_lines = MIME_ATTACH_NONE;
		break;
	case OPT_NOFLOW:
		o->reflow = 0;
		break;
	case OPT_HEADERS:
		o->headers = hdr_list;
		break;
	default:
		break;
	}
}

START_TEST(test_opt_rows)
{
	struct mime_options o;
	struct mime_message msg;
	int r;

	opt_set(&o, opt_rows[_i].opt);
	r = mime_message_parse_opts(opt_rows[_i].raw, strlen(opt_rows[_i].raw),
	    &o, &msg);
	ck_assert_msg(r == 0, "row %d (%s): returned %d", _i, opt_rows[_i].name,
	    r);
	ck_assert_msg(strstr(msg.text, opt_rows[_i].want) != NULL,
	    "row %d (%s): text \"%s\" lacks \"%s\"", _i, opt_rows[_i].name,
	    tu_show(msg.text, msg.text_len), tu_show(opt_rows[_i].want,
	    strlen(opt_rows[_i].want)));
	ck_assert_msg(opt_rows[_i].not == NULL ||
	    strstr(msg.text, opt_rows[_i].not) == NULL,
	    "row %d (%s): text \"%s\" has \"%s\"", _i, opt_rows[_i].name,
	    tu_show(msg.text, msg.text_len), opt_rows[_i].not);
	ck_assert_msg(tu_utf8_valid(msg.text, msg.text_len, NULL),
	    "row %d (%s): invalid UTF-8", _i, opt_rows[_i].name);
	mime_message_release(&msg);
}
END_TEST

/* format=flowed on its own (RFC 3676 examples and edge cases). */
static const struct {
	const char *in;
	int delsp;
	const char *out;
} flowed_rows[] = {
	{ "", 0, "" },
	{ "a\n", 0, "a\n" },
	{ "a \nb\n", 0, "a b\n" },
	{ "a \nb \nc\n", 0, "a b c\n" },
	{ "a \n\nb\n", 0, "a \nb\n" },
	{ "a \nb", 0, "a b\n" },
	{ "a ", 0, "a \n" },
	{ "a \nb\n", 1, "ab\n" },
	{ " From here\n", 0, "From here\n" },
	{ "  two blanks\n", 0, " two blanks\n" },
	{ "> q \n> r\n", 0, "> q r\n" },
	{ ">> deep \n>> er\n> shallow\n", 0, ">> deep er\n> shallow\n" },
	{ "> q \nnot quoted\n", 0, "> q \nnot quoted\n" },
	{ ">q \n>r\n", 0, "> q r\n" },
	{ "text \n-- \nsig\n", 0, "text \n-- \nsig\n" },
	{ "-- \n", 1, "-- \n" },
	{ "a \r\nb\r\n", 0, "a b\n" },
	{ ">\n", 0, "> \n" },
};

START_TEST(test_flowed_rows)
{
	struct strbuf sb = STRBUF_INIT;

	mime_flowed_decode(&sb, flowed_rows[_i].in, strlen(flowed_rows[_i].in),
	    flowed_rows[_i].delsp);
	ck_assert_msg(strcmp(sb.buf, flowed_rows[_i].out) == 0,
	    "row %d: got \"%s\", want \"%s\"", _i, tu_show(sb.buf, sb.len),
	    tu_show(flowed_rows[_i].out, strlen(flowed_rows[_i].out)));
	strbuf_release(&sb);
}
END_TEST

/* The headers of the options' list, in its order, those present. */
START_TEST(test_header_list)
{
	struct mime_options o;
	struct mime_message msg;
	const char *raw = "From: =?UTF-8?Q?J=C3=B6rg?= <j@x>\nTo: t@x\n"
	    "Subject: s\nX-Mailer: mailer 1.0\nDate: Tue, 1 Jul 2003 "
	    "10:52:37 +0200\n\nbody\n";

	mime_options_init(&o);
	ck_assert_int_eq(mime_message_parse_opts(raw, strlen(raw), &o, &msg),
	    0);
	ck_assert_uint_eq(msg.nheaders, 4);
	ck_assert_str_eq(msg.headers[0].name, "From");
	ck_assert_str_eq(msg.headers[0].value, "J\xc3\xb6rg <j@x>");
	ck_assert_str_eq(msg.headers[1].name, "To");
	ck_assert_str_eq(msg.headers[2].name, "Date");
	ck_assert_str_eq(msg.headers[3].name, "Subject");
	mime_message_release(&msg);
	ck_assert(msg.headers == NULL && msg.nheaders == 0);

	o.headers = hdr_list;
	ck_assert_int_eq(mime_message_parse_opts(raw, strlen(raw), &o, &msg),
	    0);
	ck_assert_uint_eq(msg.nheaders, 3);
	ck_assert_str_eq(msg.headers[0].name, "Subject");
	ck_assert_str_eq(msg.headers[1].name, "X-Mailer");
	ck_assert_str_eq(msg.headers[1].value, "mailer 1.0");
	ck_assert_str_eq(msg.headers[2].name, "From");
	/* The fixed fields are still there. */
	ck_assert_str_eq(msg.to, "t@x");
	mime_message_release(&msg);
}
END_TEST

/* The renderer hook: it gets UTF-8 HTML, its text is used. */
static int render_calls;

static char *
render_upper(void *arg, const char *html, size_t len, size_t *len_r)
{
	char *s;
	size_t i;

	render_calls++;
	ck_assert_str_eq(arg, "cookie");
	ck_assert_uint_eq(strlen(html), len);
	if (strstr(html, "fail") != NULL)
		return (NULL);
	s = malloc(len + 3);
	ck_assert(s != NULL);
	for (i = 0; i < len; i++)
		s[i] = html[i] >= 'a' && html[i] <= 'z' ? html[i] - 32 : html[i];
	/* An invalid byte from a renderer becomes U+FFFD. */
	s[len] = '\xff';
	s[len + 1] = '\n';
	*len_r = len + 2;
	return (s);
}

START_TEST(test_html_hook)
{
	struct mime_options o;
	struct mime_message msg;
	const char *raw = "Content-Type: text/html; charset=iso-8859-1\n\n"
	    "<b>caf\xe9</b>\r\n";
	const char *raw2 = "Content-Type: text/html\n\n<p>fail</p>";
	const char *raw3 = "Content-Type: multipart/alternative; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nplain\n"
	    "--b\nContent-Type: text/html\n\n<p>html</p>\n--b--\n";

	mime_options_init(&o);
	o.html_render = render_upper;
	o.html_arg = (void *)"cookie";
	render_calls = 0;
	ck_assert_int_eq(mime_message_parse_opts(raw, strlen(raw), &o, &msg),
	    0);
	ck_assert_msg(strcmp(msg.text, "<B>CAF\xc3\xa9</B>\n" RFFFD "\n") ==
	    0, "got \"%s\"", tu_show(msg.text, msg.text_len));
	mime_message_release(&msg);
	/* NULL from the hook: the built-in converter. */
	ck_assert_int_eq(mime_message_parse_opts(raw2, strlen(raw2), &o, &msg),
	    0);
	ck_assert_str_eq(msg.text, "fail\n");
	mime_message_release(&msg);
	/* Not called when text/plain is there. */
	ck_assert_int_eq(mime_message_parse_opts(raw3, strlen(raw3), &o, &msg),
	    0);
	ck_assert_str_eq(msg.text, "plain");
	mime_message_release(&msg);
	ck_assert_int_eq(render_calls, 2);
}
END_TEST

/* The parts list of one message with everything in it. */
static const char parts_msg[] =
    "From: a@x\nSubject: parts\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"m\"\n\n"
    "preamble\n"
    "--m\nContent-Type: multipart/alternative; boundary=\"a\"\n\n"
    "--a\nContent-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9\n"
    "--a\nContent-Type: text/html; charset=utf-8\n\n<p>caf\xc3\xa9</p>\n"
    "--a--\n"
    "--m\nContent-Type: application/octet-stream\n"
    "Content-Disposition: attachment;\n"
    " filename*0*=utf-8''%E6%97%A5%E6%9C%AC;\n"
    " filename*1=\"-report\";\n"
    " filename*2*=%2Ebin\n"
    "Content-Description: =?UTF-8?Q?bin=C3=A4r?=\n"
    "Content-Transfer-Encoding: base64\n\nAAEC/w==\n"
    "--m\nContent-Type: text/plain; name=\"../../evil;$(touch x).txt\"\n"
    "Content-Disposition: inline\n\nhostile\n"
    "--m\nContent-Type: message/rfc822\n\n"
    "Subject: inner\n\ninner body\n"
    "--m--\n";

static const struct {
	int depth;
	const char *type;
	const char *filename;
	size_t size;
	enum mime_disposition disp;
	int container;
	int shown;
} parts_want[] = {
	{ 0, "multipart/mixed", NULL, 0, MIME_DISP_NONE, 1, 0 },
	{ 1, "multipart/alternative", NULL, 0, MIME_DISP_NONE, 1, 0 },
	{ 2, "text/plain", NULL, 5, MIME_DISP_NONE, 0, 1 },
	{ 2, "text/html", NULL, 12, MIME_DISP_NONE, 0, 0 },
	{ 1, "application/octet-stream", "\xe6\x97\xa5\xe6\x9c\xac-report.bin",
	    4, MIME_DISP_ATTACHMENT, 0, 0 },
	{ 1, "text/plain", "../../evil;$(touch x).txt", 7, MIME_DISP_INLINE,
	    0, 1 },
	{ 1, "message/rfc822", NULL, 26, MIME_DISP_NONE, 1, 0 },
	{ 2, "text/plain", NULL, 10, MIME_DISP_NONE, 0, 1 },
};

START_TEST(test_parts)
{
	struct mime_part *p;
	size_t n, i;
	char *data;
	size_t len;

	ck_assert_int_eq(mime_parts(parts_msg, LEN(parts_msg), &p, &n), 0);
	ck_assert_uint_eq(n, sizeof parts_want / sizeof parts_want[0]);
	for (i = 0; i < n; i++) {
		ck_assert_msg(p[i].index == i && p[i].depth ==
		    parts_want[i].depth, "part %zu: index/depth", i);
		ck_assert_msg(strcmp(p[i].type, parts_want[i].type) == 0,
		    "part %zu: type %s", i, p[i].type);
		ck_assert_msg((p[i].filename == NULL &&
		    parts_want[i].filename == NULL) || (p[i].filename != NULL &&
		    parts_want[i].filename != NULL && strcmp(p[i].filename,
		    parts_want[i].filename) == 0), "part %zu: filename %s", i,
		    p[i].filename != NULL ? p[i].filename : "(null)");
		if (!parts_want[i].container || parts_want[i].size != 0)
			ck_assert_msg(p[i].size == parts_want[i].size,
			    "part %zu: size %zu", i, p[i].size);
		ck_assert_msg(p[i].disposition == parts_want[i].disp,
		    "part %zu: disposition %d", i, (int)p[i].disposition);
		ck_assert_msg(p[i].container == parts_want[i].container &&
		    p[i].shown == parts_want[i].shown,
		    "part %zu: container %d shown %d", i, p[i].container,
		    p[i].shown);
		/* The size is the length of the decoded bytes. */
		ck_assert_int_eq(mime_part_data(parts_msg, LEN(parts_msg), i,
		    &data, &len), 0);
		ck_assert_msg(len == p[i].size, "part %zu: data %zu, size %zu",
		    i, len, p[i].size);
		free(data);
	}
	ck_assert_str_eq(p[2].charset, "utf-8");
	ck_assert(p[4].charset == NULL);
	ck_assert_str_eq(p[4].description, "bin\xc3\xa4r");
	mime_parts_free(p, n);
	mime_parts_free(NULL, 0);
}
END_TEST

START_TEST(test_part_data)
{
	char *data;
	size_t len;

	/* base64 with NUL and 0xff. */
	ck_assert_int_eq(mime_part_data(parts_msg, LEN(parts_msg), 4, &data,
	    &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(data, "\x00\x01\x02\xff", 4) == 0);
	free(data);
	/* quoted-printable, raw charset bytes (not converted). */
	ck_assert_int_eq(mime_part_data(parts_msg, LEN(parts_msg), 2, &data,
	    &len), 0);
	/* The line end before a boundary belongs to the boundary. */
	ck_assert_uint_eq(len, 5);
	ck_assert(memcmp(data, "caf\xc3\xa9", 5) == 0);
	free(data);
	/* An embedded message: its whole text. */
	ck_assert_int_eq(mime_part_data(parts_msg, LEN(parts_msg), 6, &data,
	    &len), 0);
	ck_assert_str_eq(data, "Subject: inner\n\ninner body");
	free(data);
	/* No such part. */
	data = (char *)"x";
	ck_assert_int_eq(mime_part_data(parts_msg, LEN(parts_msg), 8, &data,
	    &len), -1);
	ck_assert(data == NULL && len == 0);
	ck_assert_int_eq(mime_part_data(parts_msg, LEN(parts_msg), (size_t)-1,
	    &data, &len), -1);
}
END_TEST

START_TEST(test_parts_simple)
{
	struct mime_part *p;
	size_t n;
	char *data;
	size_t len;
	const char *raw = "From x Tue Jul  1 10:52:37 2003\nSubject: s\n\nhi\n";

	ck_assert_int_eq(mime_parts(raw, strlen(raw), &p, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(p[0].type, "text/plain");
	ck_assert_uint_eq(p[0].size, 3);
	ck_assert(p[0].shown && !p[0].container);
	mime_parts_free(p, n);
	ck_assert_int_eq(mime_part_data(raw, strlen(raw), 0, &data, &len), 0);
	ck_assert_str_eq(data, "hi\n");
	free(data);
	ck_assert_int_eq(mime_parts("", 0, &p, &n), -1);
	ck_assert(p == NULL && n == 0);
	ck_assert_int_eq(mime_parts(NULL, 10, &p, &n), -1);
}
END_TEST

/* The attachment line numbers are the parts' (from 1). */
START_TEST(test_attach_numbers)
{
	struct mime_options o;
	struct mime_message msg;
	struct mime_part *p;
	size_t n;

	mime_options_init(&o);
	o.attach_lines = MIME_ATTACH_ALL;
	ck_assert_int_eq(mime_message_parse_opts(parts_msg, LEN(parts_msg), &o,
	    &msg), 0);
	ck_assert_int_eq(mime_parts(parts_msg, LEN(parts_msg), &p, &n), 0);
	ck_assert_msg(strstr(msg.text, "[-- Attachment #5: \xe6\x97\xa5\xe6\x9c"
	    "\xac-report.bin (application/octet-stream, 4) --]") != NULL,
	    "got \"%s\"", tu_show(msg.text, msg.text_len));
	ck_assert_str_eq(p[4].type, "application/octet-stream");
	ck_assert(strstr(msg.text, "caf\xc3\xa9\n") != NULL);
	ck_assert(strstr(msg.text, "hostile\n") != NULL);
	ck_assert(strstr(msg.text, "inner body") != NULL);
	mime_parts_free(p, n);
	mime_message_release(&msg);
}
END_TEST

/* Header field values: unfolding, trimming, case, absence. */
START_TEST(test_header_value)
{
	static const struct {
		const char *hdr, *name, *want;
	} rows[] = {
		{ "Subject: hi\r\n", "Subject", "hi" },
		{ "subject:hi\n", "Subject", "hi" },
		{ "References: <a@b>\r\n\t<c@d>\r\n <e@f>\r\n\r\n",
		    "References", "<a@b> <c@d> <e@f>" },
		{ "X: 1\nReferences:  <a@b>  \nY: 2\n", "references",
		    "<a@b>" },
		{ "Referencesx: no\n", "References", NULL },
		{ "References:   \n", "References", NULL },
		{ "From: a\nFrom: b\n", "From", "a" },
		{ "", "From", NULL },
		{ "From: no newline at the end", "From",
		    "no newline at the end" },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *got = mime_header_value(rows[i].hdr,
		    strlen(rows[i].hdr), rows[i].name);

		if (rows[i].want == NULL)
			ck_assert_msg(got == NULL, "row %zu: got \"%s\"", i,
			    got);
		else
			ck_assert_msg(got != NULL &&
			    strcmp(got, rows[i].want) == 0,
			    "row %zu: got \"%s\", want \"%s\"", i,
			    got != NULL ? got : "(null)", rows[i].want);
		free(got);
	}
}
END_TEST

static Suite *
mime_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("mime");
	tc = tcase_create("header");
	tcase_add_loop_test(tc, test_header_rows, 0, TU_NROWS(header_rows));
	tcase_add_test(tc, test_header_misc);
	tcase_add_test(tc, test_header_value);
	tcase_add_test(tc, test_spot_koi8r_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("charset");
	tcase_add_loop_test(tc, test_utf8_rows, 0, TU_NROWS(utf8_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("date");
	tcase_add_loop_test(tc, test_date_rows, 0, TU_NROWS(date_rows));
	tcase_add_test(tc, test_date_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("message");
	tcase_add_loop_test(tc, test_body_rows, 0, TU_NROWS(body_rows));
	tcase_add_test(tc, test_html_exact);
	tcase_add_test(tc, test_message_headers);
	tcase_add_test(tc, test_attachment_size);
	tcase_add_test(tc, test_attachment_header);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_loop_test(tc, test_opt_rows, 0, TU_NROWS(opt_rows));
	tcase_add_loop_test(tc, test_flowed_rows, 0, TU_NROWS(flowed_rows));
	tcase_add_test(tc, test_header_list);
	tcase_add_test(tc, test_html_hook);
	tcase_add_test(tc, test_parts);
	tcase_add_test(tc, test_part_data);
	tcase_add_test(tc, test_parts_simple);
	tcase_add_test(tc, test_attach_numbers);
	suite_add_tcase(s, tc);

	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_corpus);
	tcase_add_loop_test(tc, test_spot_rows, 0, TU_NROWS(spot_rows));
	tcase_add_test(tc, test_spot_bad_charset_byte);
	tcase_add_loop_test(tc, test_attachment_rows, 0,
	    TU_NROWS(attachment_rows));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(mime_suite());
}
