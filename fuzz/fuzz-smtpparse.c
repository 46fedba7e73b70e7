/*
 * Fuzz target: the SMTP reply reader and the address checks. The input
 * is a server's replies, one line each (a CR before the LF taken off),
 * fed to the reply reader; each complete reply is read as an EHLO reply
 * too, and each line is given to the address and mailbox checks.
 * Checked: a reply never holds more lines or text than the bounds allow,
 * its code is a reply code, an enhanced status code is of the reply's
 * class, SIZE's limit is within its bound, and an address that passes
 * holds no byte that could end or split a command.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "smtpparse.h"

/* Whether the accepted address A could break a command line. */
static void
check_address(const char *a, const char *what)
{
	const unsigned char *p;

	if (strlen(a) > SMTPPARSE_ADDR_MAX || strchr(a, '@') == NULL)
		fuzz_fail("smtpparse: %s: bad address accepted", what);
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			fuzz_fail("smtpparse: %s: byte 0x%02x in an address",
			    what, *p);
}

FUZZ_TARGET(smtpparse)
{
	struct smtpparse_reply r;
	struct smtpparse_ehlo e;
	const char *p = (const char *)data, *end = p + size, *nl;
	enum smtpparse_status st;
	size_t len;
	char *s, *addr;

	smtpparse_reply_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		st = smtpparse_reply_line(&r, p, len);
		if (st != SMTPPARSE_BAD) {
			if (r.code < 200 || r.code > 559)
				fuzz_fail("smtpparse: code %d", r.code);
			if (r.nlines > SMTPPARSE_LINES_MAX ||
			    r.text.len > (size_t)SMTPPARSE_LINES_MAX *
			    (SMTPPARSE_LINE_MAX + 1))
				fuzz_fail("smtpparse: %u lines, %zu bytes",
				    r.nlines, r.text.len);
			if (r.enhanced[0] != '\0' &&
			    r.enhanced[0] != '0' + r.code / 100)
				fuzz_fail("smtpparse: %s in a %d reply",
				    r.enhanced, r.code);
		}
		if (st == SMTPPARSE_DONE) {
			if (smtpparse_ehlo(&r, &e) == 0 &&
			    e.size > ((uint64_t)1 << 62))
				fuzz_fail("smtpparse: SIZE %llu",
				    (unsigned long long)e.size);
			if (r.code != 250 && smtpparse_ehlo(&r, &e) == 0)
				fuzz_fail("smtpparse: EHLO of a %d", r.code);
		}
		if (st != SMTPPARSE_MORE)
			smtpparse_reply_reset(&r);

		s = fuzz_strndup((const uint8_t *)p, len);
		if (smtpparse_address_ok(s))
			check_address(s, "address");
		if (smtpparse_mailbox(s, &addr) == 0) {
			check_address(addr, "mailbox");
			if (!smtpparse_address_ok(addr))
				fuzz_fail("smtpparse: mailbox gave \"%s\"",
				    addr);
			free(addr);
		} else if (addr != NULL)
			fuzz_fail("smtpparse: a refused mailbox kept %p",
			    (void *)addr);
		free(s);
		p = nl != NULL ? nl + 1 : end;
	}
	smtpparse_reply_release(&r);
	return (0);
}
