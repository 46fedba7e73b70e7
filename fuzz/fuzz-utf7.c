/*
 * Fuzz target: IMAP mailbox names in modified UTF-7. The input is a name
 * as a server sends it, and also a UTF-8 name as a user types it.
 * Checked: a name that decodes gives UTF-8 that encodes back to exactly
 * the same name (utf7.c accepts only the one form an encoder writes); an
 * encoding is printable ASCII; and every valid UTF-8 name encodes and
 * decodes back to itself.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "../tests/testutil.h"
#include "fuzz.h"
#include "utf7.h"

static void
fuzz_check_encoded(const char *utf8, const char *enc)
{
	const char *p;

	if (enc == NULL)
		fuzz_fail("utf7_encode: NULL for valid UTF-8 \"%s\"", utf8);
	for (p = enc; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			fuzz_fail("utf7_encode: byte 0x%02x in \"%s\"",
			    (unsigned char)*p, enc);
}

FUZZ_TARGET(utf7)
{
	char *s, *dec, *enc, *again;
	size_t len;

	s = fuzz_strndup(data, size);
	len = strlen(s);

	/* As a server's name. */
	if ((dec = utf7_decode(s)) != NULL) {
		fuzz_check_utf8("utf7_decode", dec, strlen(dec));
		enc = utf7_encode(dec);
		fuzz_check_encoded(dec, enc);
		if (strcmp(enc, s) != 0)
			fuzz_fail("\"%s\" decodes, and encodes back as \"%s\"",
			    s, enc);
		free(enc);
		free(dec);
	}

	/* As a user's name. */
	enc = utf7_encode(s);
	if (tu_utf8_valid(s, len, NULL)) {
		fuzz_check_encoded(s, enc);
		if ((again = utf7_decode(enc)) == NULL)
			fuzz_fail("\"%s\" encodes as \"%s\", which does not "
			    "decode", s, enc);
		if (strcmp(again, s) != 0)
			fuzz_fail("\"%s\" encodes as \"%s\", which decodes as "
			    "\"%s\"", s, enc, again);
		free(again);
	} else if (enc != NULL)
		fuzz_fail("utf7_encode: \"%s\" for invalid UTF-8", enc);
	free(enc);
	free(s);
	return (0);
}
