/*
 * Fuzz target: the index line. The first line of the input is an
 * index_format; the second holds numbers (columns, flags, date, size,
 * thread size, hidden, line number, then 0/1 for attachment, tagged, gone
 * and same subject); the next lines are the sender's name, address, the
 * recipients, the subject and the tree lines. Checked: format_check()
 * returns 0 or one error; format_index() (also of a refused format)
 * appends a terminal-safe line as wide as it returns and no wider than
 * asked, with the tree's span inside it; format_size() and format_date()
 * give safe text for any number.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "fuzz.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

#define FUZZ_FORMAT_LINES 7
/* A fixed present: Tue, 14 Nov 2023 22:13:20 UTC. */
#define FUZZ_FORMAT_NOW ((time_t)1700000000)

/* The next number of *P, or 0; advances *P. */
static long long
fuzz_number(char **p)
{
	long long v;
	char *end;

	v = strtoll(*p, &end, 10);
	if (end == *p)
		return (0);
	*p = end;
	return (v);
}

static void
fuzz_index(const char *fmt, const struct format_msg *m, int cols)
{
	struct strbuf sb = STRBUF_INIT;
	struct format_span tree;
	int used, w;

	strbuf_addstr(&sb, "> ");
	memset(&tree, 0xff, sizeof tree);
	used = format_index(&sb, fmt, m, FUZZ_FORMAT_NOW, cols, &tree);
	if (strncmp(sb.buf, "> ", 2) != 0)
		fuzz_fail("format_index: changed what was there");
	fuzz_check_safe("format_index", sb.buf + 2, sb.len - 2, 0);
	if ((w = text_width(sb.buf + 2)) != used || used > cols)
		fuzz_fail("format_index: %d columns returned, %d written, %d "
		    "asked: \"%s\"", used, w, cols, sb.buf + 2);
	if (tree.len > 0 && (tree.off + tree.len > sb.len - 2 ||
	    tree.col < 0 || tree.col + tree.cols > used))
		fuzz_fail("format_index: tree at %zu+%zu, columns %d+%d, in "
		    "%zu bytes, %d columns", tree.off, tree.len, tree.col,
		    tree.cols, sb.len - 2, used);
	strbuf_release(&sb);
}

FUZZ_TARGET(format)
{
	struct strbuf sb = STRBUF_INIT;
	struct format_msg m;
	char *text, *line[FUZZ_FORMAT_LINES] = { NULL }, *p, *err = NULL;
	char *tree = NULL;
	size_t i;
	int cols;

	text = fuzz_strndup(data, size);
	for (i = 0, p = text; i < FUZZ_FORMAT_LINES && p != NULL; i++) {
		line[i] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}
	memset(&m, 0, sizeof m);
	p = line[1] != NULL ? line[1] : "";
	cols = (int)(fuzz_number(&p) % 1000);
	if (cols < 0)
		cols = -cols;
	m.flags = (unsigned int)fuzz_number(&p);
	m.date = fuzz_number(&p);
	m.size = fuzz_number(&p);
	m.thread_size = (size_t)fuzz_number(&p);
	m.hidden = (size_t)fuzz_number(&p);
	m.number = (long)fuzz_number(&p);
	m.has_attachment = fuzz_number(&p) != 0;
	m.tagged = fuzz_number(&p) != 0;
	m.gone = fuzz_number(&p) != 0;
	m.same_subject = fuzz_number(&p) != 0;
	m.from = line[2];
	m.from_addr = line[3];
	m.to = line[4];
	m.subject = line[5];
	if (line[6] != NULL) {
		/* The tree comes sanitised from thread_tree(). */
		tree = text_sanitize_dup(line[6], 0);
		m.tree = tree;
	}

	if (format_check(line[0], &err) != 0) {
		if (err == NULL || *err == '\0')
			fuzz_fail("format_check: -1 without an error");
		free(err);
	}
	fuzz_index(line[0], &m, cols);
	fuzz_index(FORMAT_INDEX_DEFAULT, &m, cols);

	format_size(&sb, m.size);
	fuzz_check_safe("format_size", sb.buf, sb.len, 0);
	strbuf_reset(&sb);
	format_date(&sb, m.date, FUZZ_FORMAT_NOW);
	fuzz_check_safe("format_date", sb.buf, sb.len, 0);
	strbuf_release(&sb);
	free(tree);
	free(text);
	return (0);
}
