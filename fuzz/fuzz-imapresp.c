/*
 * Fuzz target: the IMAP responses tern reads itself (NOTIFY in IDLE,
 * LIST-STATUS). The input is one framed response, as imap.c hands it
 * over. Checked: the kind is one of the enum's; a STATUS that parses has
 * a mailbox of 1 to IMAPRESP_MAX_NAME bytes without NUL, CR or LF, counts
 * within their bounds, and parses to the same data twice; a literal
 * announcement is within IMAPRESP_MAX.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "imapresp.h"

FUZZ_TARGET(imapresp)
{
	const char *r = (const char *)data;
	struct imapresp_status st, again;
	enum imapresp_kind k;
	size_t n, line;
	int ok;

	k = imapresp_kind(r, size, "7", &ok);
	if (k > IMAPRESP_BAD || (ok != 0 && k != IMAPRESP_TAGGED))
		fuzz_fail("imapresp: kind %d ok %d", (int)k, ok);
	for (line = 0; line < size && r[line] != '\n'; line++)
		;
	if (imapresp_literal(r, line, &n) == 1 && n > IMAPRESP_MAX)
		fuzz_fail("imapresp: literal of %zu bytes", n);
	if (imapresp_status_parse(r, size, &st) != 0) {
		if (st.mailbox != NULL)
			fuzz_fail("imapresp: a refused STATUS keeps a name");
		return 0;
	}
	n = strlen(st.mailbox);
	if (n == 0 || n > IMAPRESP_MAX_NAME ||
	    strpbrk(st.mailbox, "\r\n") != NULL)
		fuzz_fail("imapresp: mailbox of %zu bytes", n);
	if (st.messages < -1 || st.unseen < -1)
		fuzz_fail("imapresp: counts %d %d", st.messages, st.unseen);
	if (st.highestmodseq > (uint64_t)INT64_MAX)
		fuzz_fail("imapresp: modseq beyond 63 bits");
	if (imapresp_status_parse(r, size, &again) != 0 ||
	    strcmp(again.mailbox, st.mailbox) != 0 ||
	    again.messages != st.messages || again.unseen != st.unseen ||
	    again.uidnext != st.uidnext)
		fuzz_fail("imapresp: two parses differ");
	imapresp_status_release(&again);
	imapresp_status_release(&st);
	return 0;
}
