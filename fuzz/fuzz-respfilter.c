/*
 * Fuzz target: the IMAP response filter. The input is what a server sends.
 * Checked: the output does not depend on how the input is cut into pieces
 * (whole, byte by byte, or in pieces whose sizes the input's first byte
 * picks); the output is never longer than the input; and when nothing was
 * dropped the output is the input itself, or the start of it when the first
 * words of a last response are still held back.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "respfilter.h"

/* Feed DATA in pieces of STEP bytes (0: growing pieces 1, 2, 3, ...). */
static uint64_t
fuzz_feed(const uint8_t *data, size_t size, size_t step, struct strbuf *out)
{
	struct respfilter *f = respfilter_new(NULL, NULL);
	size_t at = 0, k, grow = 1;
	uint64_t dropped;

	while (at < size) {
		k = step != 0 ? step : grow++;
		if (k > size - at)
			k = size - at;
		respfilter_feed(f, (const char *)data + at, k, out);
		at += k;
	}
	dropped = respfilter_dropped(f);
	respfilter_free(f);
	return dropped;
}

FUZZ_TARGET(respfilter)
{
	struct strbuf whole = STRBUF_INIT, bytes = STRBUF_INIT;
	struct strbuf pieces = STRBUF_INIT;
	uint64_t dropped;
	size_t step = size > 0 ? (size_t)(data[0] % 17) : 1;

	dropped = fuzz_feed(data, size, size > 0 ? size : 1, &whole);
	if (fuzz_feed(data, size, 1, &bytes) != dropped ||
	    bytes.len != whole.len || memcmp(bytes.buf, whole.buf, whole.len))
		fuzz_fail("respfilter: byte by byte differs from whole");
	if (fuzz_feed(data, size, step, &pieces) != dropped ||
	    pieces.len != whole.len ||
	    memcmp(pieces.buf, whole.buf, whole.len))
		fuzz_fail("respfilter: pieces of %zu differ from whole", step);
	if (whole.len > size)
		fuzz_fail("respfilter: %zu bytes out of %zu in", whole.len,
		    size);
	/* The first words of a last response may still be held back. */
	if (dropped == 0 && memcmp(whole.buf, data, whole.len) != 0)
		fuzz_fail("respfilter: nothing dropped, yet the bytes changed");
	strbuf_release(&whole);
	strbuf_release(&bytes);
	strbuf_release(&pieces);
	return (0);
}
