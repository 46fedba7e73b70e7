/*
 * Modified UTF-7 for IMAP mailbox names (RFC 3501 section 5.1.3): this file
 * owns the conversion both ways and the strict validation of what servers
 * send. A name is accepted only in the one form a correct encoder produces:
 * printable ASCII as itself ('&' as "&-"), everything else as UTF-16 in
 * modified base64 between '&' and '-', with no padding bits set, no extra
 * sextet, no encoded printable ASCII, paired surrogates and no two encoded
 * runs side by side.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "text.h"
#include "utf7.h"
#include "xmalloc.h"

static const char utf7_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int	utf7_value(int);
static int	utf7_printable(unsigned int);
static int	utf7_decode_run(struct strbuf *, const char **);
static void	utf7_encode_run(struct strbuf *, const unsigned int *, size_t);

/* The value of modified base64 character C, or -1. */
static int
utf7_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == ',')
		return (63);
	return (-1);
}

/* Whether CP stands for itself in modified UTF-7. */
static int
utf7_printable(unsigned int cp)
{
	return (cp >= 0x20 && cp <= 0x7e);
}

/*
 * Decode the run of base64 after a '&' at *SP (which points past the '&')
 * up to and including its '-'. Returns 0 and moves *SP past the '-', or -1.
 */
static int
utf7_decode_run(struct strbuf *sb, const char **sp)
{
	const char *s = *sp;
	unsigned int bits = 0, nbits = 0, unit, high = 0, cp;
	int v;

	for (; *s != '-'; s++) {
		if ((v = utf7_value((unsigned char)*s)) == -1)
			return (-1);	/* a bad character or no '-' */
		bits = (bits << 6) | (unsigned int)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unit = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		if (unit >= 0xd800 && unit <= 0xdbff) {
			if (high != 0)
				return (-1);	/* two high surrogates */
			high = unit;
			continue;
		}
		if (unit >= 0xdc00 && unit <= 0xdfff) {
			if (high == 0)
				return (-1);	/* a lone low surrogate */
			cp = 0x10000 + ((high - 0xd800) << 10) +
			    (unit - 0xdc00);
			high = 0;
		} else {
			if (high != 0)
				return (-1);	/* an unpaired high surrogate */
			cp = unit;
		}
		if (cp == 0 || utf7_printable(cp))
			return (-1);	/* NUL, or ASCII that was encoded */
		strbuf_add_utf8(sb, cp);
	}
	/*
	 * The leftover must be padding: fewer than six bits (else a sextet
	 * was not needed), all of them zero. An empty run is "&-".
	 */
	if (high != 0 || nbits >= 6 || bits != 0)
		return (-1);
	*sp = s + 1;
	return (0);
}

char *
utf7_decode(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *run_end = NULL;

	while (*s != '\0') {
		if (!utf7_printable((unsigned char)*s))
			goto fail;
		if (*s != '&') {
			strbuf_addch(&sb, *s++);
			continue;
		}
		s++;
		if (*s == '-') {
			strbuf_addch(&sb, '&');
			s++;
			continue;
		}
		/* Two runs side by side should have been one. */
		if (run_end != NULL && run_end == s - 1)
			goto fail;
		if (utf7_decode_run(&sb, &s) != 0)
			goto fail;
		run_end = s;
	}
	return (strbuf_detach(&sb, NULL));

fail:
	strbuf_release(&sb);
	return (NULL);
}

/* Append N code points at CPS as one encoded run, '&' to '-'. */
static void
utf7_encode_run(struct strbuf *sb, const unsigned int *cps, size_t n)
{
	unsigned int units[2], bits = 0, nbits = 0, cp;
	size_t i, k, nunits;

	strbuf_addch(sb, '&');
	for (i = 0; i < n; i++) {
		cp = cps[i];
		if (cp >= 0x10000) {
			units[0] = 0xd800 + ((cp - 0x10000) >> 10);
			units[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			nunits = 2;
		} else {
			units[0] = cp;
			nunits = 1;
		}
		for (k = 0; k < nunits; k++) {
			bits = (bits << 16) | units[k];
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				strbuf_addch(sb,
				    utf7_alphabet[(bits >> nbits) & 0x3f]);
			}
			bits &= (1u << nbits) - 1;
		}
	}
	if (nbits > 0)
		strbuf_addch(sb, utf7_alphabet[(bits << (6 - nbits)) & 0x3f]);
	strbuf_addch(sb, '-');
}

char *
utf7_encode(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned int *run, cp;
	size_t len = strlen(s), i, n, nrun = 0;

	/* A run never holds more code points than the name has bytes. */
	run = xcalloc(len + 1, sizeof *run);
	for (i = 0; i < len; i += n) {
		n = text_utf8_next(s + i, len - i, &cp);
		if (cp == 0xfffd && n == 1)
			goto fail;	/* invalid UTF-8 */
		if (utf7_printable(cp)) {
			if (nrun > 0)
				utf7_encode_run(&sb, run, nrun);
			nrun = 0;
			if (cp == '&')
				strbuf_add(&sb, "&-", 2);
			else
				strbuf_addch(&sb, (int)cp);
		} else
			run[nrun++] = cp;
	}
	if (nrun > 0)
		utf7_encode_run(&sb, run, nrun);
	free(run);
	return (strbuf_detach(&sb, NULL));

fail:
	free(run);
	strbuf_release(&sb);
	return (NULL);
}
