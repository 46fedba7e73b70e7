/*
 * Fuzz target: a raw message read as the pager reads it. The input is
 * parsed with mime_message_parse() and with mime_message_parse_opts()
 * under a few option sets (HTML preferred, a renderer that returns hostile
 * bytes, every attachment line, chosen header fields), its parts listed
 * with mime_parts() and their bytes taken with mime_part_data(), and the
 * text and the header values rendered to display lines (text_sanitize()
 * then text_wrap()). Checked: every string mime.h calls UTF-8 is valid
 * UTF-8, the rendered lines are terminal-safe and fit their width, and
 * the part list is consistent with mime_part_data().
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "mailcap.h"
#include "mime.h"
#include "xmalloc.h"


static const char *const fuzz_headers_some[] = {
	"Subject", "X-Mailer", "Received", "Message-ID", "content-type", NULL
};
static const char *const fuzz_headers_one[] = { "from", NULL };

/*
 * A renderer that declines every third call and otherwise answers with
 * what a careless external program might print: the HTML, an escape
 * sequence, a NUL and bytes that are not UTF-8.
 */
static char *
fuzz_html_render(void *arg, const char *html, size_t len, size_t *len_r)
{
	static const char junk[] = "\x1b]0;title\x07\xc3\x28\xff\x00x\r\n";
	unsigned int *calls = arg;
	char *out;

	fuzz_check_utf8("the HTML given to the renderer", html, len);
	if ((*calls)++ % 3 == 2)
		return (NULL);
	out = xmalloc(len + sizeof junk);
	memcpy(out, html, len);
	memcpy(out + len, junk, sizeof junk);
	*len_r = len + sizeof junk - 1;
	return (out);
}

static void
fuzz_check_header(const char *what, const char *value)
{
	if (value == NULL)
		return;
	fuzz_check_utf8(what, value, strlen(value));
	fuzz_render(what, value, strlen(value), 0);
}

static void
fuzz_check_message(const struct mime_message *msg,
    const struct mime_options *opts)
{
	const char *const *names;
	size_t i, j, nnames = 5;

	if (msg->text == NULL)
		fuzz_fail("text: NULL");
	if (msg->text[msg->text_len] != '\0')
		fuzz_fail("text: no NUL after %zu bytes", msg->text_len);
	fuzz_check_utf8("text", msg->text, msg->text_len);
	/* Rendered once: the other option sets change the parse, not this. */
	if (opts == NULL)
		fuzz_render("text", msg->text, msg->text_len,
		    TEXT_KEEP_NEWLINES);
	fuzz_check_header("from", msg->from);
	fuzz_check_header("to", msg->to);
	fuzz_check_header("cc", msg->cc);
	fuzz_check_header("date", msg->date);
	fuzz_check_header("subject", msg->subject);
	if (msg->nparts < 0)
		fuzz_fail("nparts: %d", msg->nparts);

	names = opts != NULL ? (const char *const *)opts->headers : NULL;
	if (names != NULL)
		for (nnames = 0; names[nnames] != NULL; nnames++)
			continue;
	if (msg->nheaders > 0 && msg->headers == NULL)
		fuzz_fail("headers: NULL for %zu", msg->nheaders);
	for (i = 0, j = 0; i < msg->nheaders; i++) {
		if (msg->headers[i].name == NULL)
			fuzz_fail("header %zu: no name", i);
		fuzz_check_header("a header field", msg->headers[i].value);
		if (msg->headers[i].value == NULL)
			fuzz_fail("header %zu: no value", i);
		if (names == NULL)
			continue;
		/* In the order of the list (a name may come many times). */
		while (j < nnames &&
		    strcasecmp(names[j], msg->headers[i].name) != 0)
			j++;
		if (j == nnames)
			fuzz_fail("header %zu \"%s\" is not in the list, in "
			    "order", i, msg->headers[i].name);
	}
}

/* Parse with OPTS (NULL: mime_message_parse()) and check the result. */
static void
fuzz_parse(const char *raw, size_t len, const struct mime_options *opts)
{
	struct mime_message msg;

	memset(&msg, 0, sizeof msg);
	if (opts == NULL)
		mime_message_parse(raw, len, &msg);
	else
		mime_message_parse_opts(raw, len, opts, &msg);
	fuzz_check_message(&msg, opts);
	mime_message_release(&msg);
}

static void
fuzz_check_name(const char *name)
{
	char *safe;
	size_t i, n;

	safe = mailcap_safe_name(name, NULL);
	n = strlen(safe);
	if (n == 0 || n > MAILCAP_NAME_MAX)
		fuzz_fail("safe name \"%s\": %zu bytes", safe, n);
	if (safe[0] == '.' || safe[0] == '-' || strstr(safe, "..") != NULL)
		fuzz_fail("safe name \"%s\"", safe);
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", safe[i]) == NULL)
			fuzz_fail("safe name \"%s\": byte %zu", safe, i);
	free(safe);
}

static void
fuzz_parts(const char *raw, size_t len)
{
	struct mime_part *parts = NULL;
	char *data;
	size_t n = 0, i, dlen;

	if (mime_parts(raw, len, &parts, &n) != 0) {
		if (parts != NULL || n != 0)
			fuzz_fail("mime_parts: -1 with %zu parts", n);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct mime_part *p = &parts[i];

		if (p->index != i)
			fuzz_fail("part %zu: index %zu", i, p->index);
		if (p->depth < 0 || (i == 0 && p->depth != 0) ||
		    (i > 0 && p->depth > parts[i - 1].depth + 1))
			fuzz_fail("part %zu: depth %d", i, p->depth);
		if (p->type == NULL)
			fuzz_fail("part %zu: no type", i);
		fuzz_check_utf8("a part's type", p->type, strlen(p->type));
		fuzz_check_header("a part's type", p->type);
		fuzz_check_header("a part's charset", p->charset);
		fuzz_check_header("a part's file name", p->filename);
		fuzz_check_header("a part's description", p->description);
		fuzz_check_name(p->filename);
		/* Each take parses again: the first, the last, and one. */
		if (i != 0 && i != n - 1 && i != len % n)
			continue;
		data = NULL;
		dlen = 0;
		if (mime_part_data(raw, len, i, &data, &dlen) != 0)
			fuzz_fail("part %zu of %zu: no data", i, n);
		if (data[dlen] != '\0')
			fuzz_fail("part %zu: no NUL after the data", i);
		if (!p->container && p->size != dlen)
			fuzz_fail("part %zu: size %zu, data %zu bytes", i,
			    p->size, dlen);
		free(data);
	}
	data = NULL;
	if (mime_part_data(raw, len, n, &data, &dlen) != -1 || data != NULL)
		fuzz_fail("part %zu of %zu: data", n, n);
	mime_parts_free(parts, n);
}

FUZZ_TARGET(message)
{
	struct mime_options opts;
	unsigned int calls = 0;
	char *raw;

	/* A copy of exactly SIZE bytes, so that ASan sees any over-read. */
	raw = xmalloc(size > 0 ? size : 1);
	if (size > 0)
		memcpy(raw, data, size);

	fuzz_parse(raw, size, NULL);

	mime_options_init(&opts);
	opts.prefer_html = 1;
	opts.reflow = 0;
	opts.attach_lines = MIME_ATTACH_ALL;
	opts.headers = fuzz_headers_some;
	opts.html_render = fuzz_html_render;
	opts.html_arg = &calls;
	fuzz_parse(raw, size, &opts);

	mime_options_init(&opts);
	opts.attach_lines = MIME_ATTACH_NONE;
	opts.headers = fuzz_headers_one;
	fuzz_parse(raw, size, &opts);

	fuzz_parts(raw, size);
	free(raw);
	return (0);
}
