/*
 * Fuzz target: tern's reader of a header FETCH's answer (fetchparse). The
 * input is what a server sends. Checked: framing finds the same responses
 * whether the input comes whole or a byte at a time; each response is
 * parsed from an exact copy of its bytes (a read past them is the
 * sanitizer's); what a parsed FETCH gives stays within the parser's
 * arrays, and its strings within its arena.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fetchparse.h"
#include "fuzz.h"
#include "xmalloc.h"

/* The lengths of the complete responses of DATA, fed STEP bytes a time. */
static size_t
fuzz_frames(const uint8_t *data, size_t size, size_t step, size_t *len,
    size_t max)
{
	struct fetchparse_frame fr;
	size_t have = 0, start = 0, n = 0, got;

	memset(&fr, 0, sizeof fr);
	while (have < size && n < max) {
		have = have + step < size ? have + step : size;
		while (n < max && start < have && (got = fetchparse_frame(&fr,
		    (const char *)data + start, have - start)) != 0) {
			if (got > have - start)
				fuzz_fail("fetchparse: a frame of %zu in %zu",
				    got, have - start);
			len[n++] = got;
			start += got;
			memset(&fr, 0, sizeof fr);
		}
	}
	return n;
}

static void
fuzz_in_arena(const struct fetchparse *p, const char *s, const char *what)
{
	if (s != NULL && (s < p->arena.buf ||
	    s + strlen(s) >= p->arena.buf + p->arena.alloc))
		fuzz_fail("fetchparse: %s outside the arena", what);
}

static void
fuzz_list(const struct fetchparse *p, const struct fetchparse_addrs *l)
{
	size_t i;

	if (l->n > p->naddrs || l->first > p->naddrs - l->n)
		fuzz_fail("fetchparse: addresses %zu+%zu of %zu", l->first,
		    l->n, p->naddrs);
	for (i = 0; i < l->n; i++) {
		fuzz_in_arena(p, p->addrs[l->first + i].name, "a name");
		fuzz_in_arena(p, p->addrs[l->first + i].mailbox, "a mailbox");
		fuzz_in_arena(p, p->addrs[l->first + i].host, "a host");
	}
}

FUZZ_TARGET(fetchparse)
{
	size_t whole[256], bytes[256], nw, nb, i, at = 0;
	struct fetchparse p;

	nw = fuzz_frames(data, size, size > 0 ? size : 1, whole, 256);
	nb = fuzz_frames(data, size, 1, bytes, 256);
	if (nw != nb || memcmp(whole, bytes, nw * sizeof *whole) != 0)
		fuzz_fail("fetchparse: byte by byte frames differently");
	fetchparse_init(&p);
	for (i = 0; i < nw; i++) {
		char *copy = xmalloc(whole[i]);

		memcpy(copy, data + at, whole[i]);
		at += whole[i];
		if (fetchparse_parse(&p, copy, whole[i]) == 0) {
			fuzz_in_arena(&p, p.tag, "the tag");
			fuzz_in_arena(&p, p.text, "the text");
			fuzz_in_arena(&p, p.keywords, "the keywords");
			fuzz_in_arena(&p, p.date, "the date");
			fuzz_in_arena(&p, p.subject, "the subject");
			fuzz_in_arena(&p, p.in_reply_to, "In-Reply-To");
			fuzz_in_arena(&p, p.message_id, "Message-ID");
			fuzz_in_arena(&p, p.headers, "the headers");
			fuzz_list(&p, &p.from);
			fuzz_list(&p, &p.to);
			fuzz_list(&p, &p.cc);
			if (p.kind == FETCHPARSE_TAGGED && p.tag == NULL)
				fuzz_fail("fetchparse: tagged without a tag");
		}
		free(copy);
	}
	fetchparse_release(&p);
	return (0);
}
