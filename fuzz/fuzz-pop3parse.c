/*
 * Fuzz target: the POP3 answer readers. The input is a server's answer to
 * STAT, LIST and UIDL, one line each, as lines: the first is STAT's, the
 * rest are fed to the LIST and UIDL readers alike. Checked: a listing
 * never holds more slots than STAT allowed, every slot taken has a size
 * within the bound or a UIDL without control characters, and the count of
 * ignored lines adds up.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pop3parse.h"

FUZZ_TARGET(pop3parse)
{
	struct pop3parse_listing l;
	char *s = fuzz_strndup(data, size), *line, *next;
	unsigned long taken = 0, lines = 0;
	uint32_t count = 0, i;
	size_t skip;

	line = s;
	next = strchr(line, '\n');
	if (next != NULL)
		*next++ = '\0';
	if (pop3parse_stat(line, &count) != 0)
		count = 64;
	if (count > 4096)
		count = 4096;	/* memory, not logic: the bound is tested */
	pop3parse_listing_init(&l, count);
	for (line = next; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lines += 2;
		taken += pop3parse_list_line(&l, line) == 0;
		taken += pop3parse_uidl_line(&l, line) == 0;
		(void)pop3parse_block_line(line, strlen(line), &skip);
		if (skip > 1)
			fuzz_fail("pop3parse: skip %zu", skip);
	}
	if (taken + l.ignored != lines)
		fuzz_fail("pop3parse: %lu taken + %lu ignored != %lu lines",
		    taken, l.ignored, lines);
	for (i = 0; i < l.count; i++) {
		const unsigned char *u = (const unsigned char *)l.uidl[i];

		if (l.size[i] > POP3PARSE_MAX_SIZE || l.size[i] < -1)
			fuzz_fail("pop3parse: size %lld", (long long)l.size[i]);
		for (; u != NULL && *u != '\0'; u++)
			if (*u <= 0x20 || *u == 0x7f)
				fuzz_fail("pop3parse: byte 0x%02x in a UIDL",
				    *u);
	}
	pop3parse_listing_release(&l);
	free(s);
	return (0);
}
