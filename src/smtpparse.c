/*
 * The SMTP reply reader and the address checks (see smtpparse.h).
 * Numbers are read digit by digit with a bound, never with strtoul()
 * and its wrap-around.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpparse.h"
#include "text.h"
#include "xmalloc.h"

/* SIZE limits above this (8 EB) are not believed: no limit. */
#define SMTPPARSE_SIZE_MAX ((uint64_t)1 << 62)

void
smtpparse_reply_init(struct smtpparse_reply *r)
{
	memset(r, 0, sizeof *r);
	strbuf_init(&r->text, 0);
}

void
smtpparse_reply_reset(struct smtpparse_reply *r)
{
	r->code = 0;
	r->nlines = 0;
	r->done = 0;
	r->enhanced[0] = '\0';
	strbuf_reset(&r->text);
}

void
smtpparse_reply_release(struct smtpparse_reply *r)
{
	strbuf_release(&r->text);
	smtpparse_reply_reset(r);
}

static int
smtpparse_digit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * The enhanced status code (RFC 3463: class.subject.detail, class 2, 4
 * or 5 and the reply's first digit, subject and detail of 1 to 3 digits)
 * at the start of the LEN bytes at S, copied into OUT; else OUT is "".
 */
static void
smtpparse_enhanced(const char *s, size_t len, int code, char *out,
    size_t outlen)
{
	size_t i = 0, n, part;

	out[0] = '\0';
	if (len < 5 || s[0] != '0' + code / 100 || s[1] != '.')
		return;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; i < len && smtpparse_digit((unsigned char)s[i]) &&
		    n < 4; i++, n++)
			;
		if (n == 0 || n > 3)
			return;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return;
			i++;
		}
	}
	if (i < len && s[i] != ' ')
		return;
	if (i >= outlen)
		return;
	memcpy(out, s, i);
	out[i] = '\0';
}

enum smtpparse_status
smtpparse_reply_line(struct smtpparse_reply *r, const char *line, size_t len)
{
	const char *text;
	size_t tlen;
	int code, last;

	if (r->done || len < 3 || len > SMTPPARSE_LINE_MAX ||
	    r->nlines >= SMTPPARSE_LINES_MAX)
		return SMTPPARSE_BAD;
	if (memchr(line, '\0', len) != NULL)
		return SMTPPARSE_BAD;
	/* RFC 5321 4.2: 2-5, then 0-5, then 0-9. */
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '5' || !smtpparse_digit((unsigned char)line[2]))
		return SMTPPARSE_BAD;
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return SMTPPARSE_BAD;
	if (r->nlines > 0 && code != r->code)
		return SMTPPARSE_BAD;
	last = len == 3 || line[3] == ' ';
	text = len > 4 ? line + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	if (r->nlines == 0) {
		r->code = code;
		smtpparse_enhanced(text, tlen, code, r->enhanced,
		    sizeof r->enhanced);
	} else
		strbuf_addch(&r->text, '\n');
	strbuf_add(&r->text, text, tlen);
	r->nlines++;
	if (!last)
		return SMTPPARSE_MORE;
	r->done = 1;
	return SMTPPARSE_DONE;
}

unsigned int
smtpparse_auth_bit(const char *mech)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} mechs[] = {
		{ "PLAIN", SMTPPARSE_AUTH_PLAIN },
		{ "LOGIN", SMTPPARSE_AUTH_LOGIN },
		{ "XOAUTH2", SMTPPARSE_AUTH_XOAUTH2 },
		{ "OAUTHBEARER", SMTPPARSE_AUTH_OAUTHBEARER },
	};
	size_t i;

	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (strcasecmp(mech, mechs[i].name) == 0)
			return mechs[i].bit;
	return 0;
}

/* The AUTH mechanisms in the LEN bytes at S (blank-separated) into E. */
static void
smtpparse_auth_list(const char *s, size_t len, struct smtpparse_ehlo *e)
{
	char word[32];
	size_t i = 0, start;

	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i > start && i - start < sizeof word) {
			memcpy(word, s + start, i - start);
			word[i - start] = '\0';
			e->auth |= smtpparse_auth_bit(word);
		}
	}
}

/* SIZE's parameter, the LEN bytes at S: the limit, or 0 for none. */
static uint64_t
smtpparse_size(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len)
		return 0;
	for (; i < len && smtpparse_digit((unsigned char)s[i]); i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > (SMTPPARSE_SIZE_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == len ? v : 0;
}

/* One keyword line of an EHLO reply, LEN bytes at S, into E. */
static void
smtpparse_ehlo_line(const char *s, size_t len, struct smtpparse_ehlo *e)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} exts[] = {
		{ "8BITMIME", SMTPPARSE_EXT_8BITMIME },
		{ "SMTPUTF8", SMTPPARSE_EXT_SMTPUTF8 },
		{ "SIZE", SMTPPARSE_EXT_SIZE },
		{ "PIPELINING", SMTPPARSE_EXT_PIPELINING },
		{ "STARTTLS", SMTPPARSE_EXT_STARTTLS },
		{ "AUTH", SMTPPARSE_EXT_AUTH },
		{ "ENHANCEDSTATUSCODES", SMTPPARSE_EXT_ENHANCEDSTATUSCODES },
	};
	size_t i, kw, n;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	for (kw = 0; kw < len && s[kw] != ' ' && s[kw] != '\t' &&
	    s[kw] != '='; kw++)
		;
	for (i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		n = strlen(exts[i].name);
		if (n == kw && strncasecmp(s, exts[i].name, n) == 0)
			break;
	}
	if (i == sizeof exts / sizeof exts[0])
		return;
	/* "AUTH=LOGIN PLAIN": the form of servers before RFC 4954. */
	if (kw < len && s[kw] == '=' && exts[i].bit != SMTPPARSE_EXT_AUTH)
		return;
	e->ext |= exts[i].bit;
	if (exts[i].bit == SMTPPARSE_EXT_AUTH)
		smtpparse_auth_list(s + kw + (kw < len), len - kw - (kw < len),
		    e);
	else if (exts[i].bit == SMTPPARSE_EXT_SIZE)
		e->size = smtpparse_size(s + kw, len - kw);
}

int
smtpparse_ehlo(const struct smtpparse_reply *r, struct smtpparse_ehlo *e)
{
	const char *s, *end, *nl;

	memset(e, 0, sizeof *e);
	if (!r->done || r->code != 250)
		return -1;
	s = r->text.buf;
	end = s + r->text.len;
	/* The first line is the server's name and greeting. */
	nl = memchr(s, '\n', (size_t)(end - s));
	while (nl != NULL) {
		s = nl + 1;
		nl = memchr(s, '\n', (size_t)(end - s));
		smtpparse_ehlo_line(s, (size_t)((nl != NULL ? nl : end) - s),
		    e);
	}
	return 0;
}

/*
 * Whether the LEN bytes at S are valid UTF-8 without a control character
 * (C0, DEL, C1), and, with NO_BLANK, without a space or tab.
 */
static int
smtpparse_printable(const char *s, size_t len, int no_blank)
{
	unsigned int cp;
	size_t i = 0, n;

	while (i < len) {
		n = text_utf8_next(s + i, len - i, &cp);
		if (cp == 0xfffd && n == 1)
			return 0;
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			if (!(cp == '\t' && !no_blank))
				return 0;
		if (no_blank && (cp == ' ' || cp == '\t'))
			return 0;
		i += n;
	}
	return 1;
}

int
smtpparse_address_ok(const char *addr)
{
	const char *at;
	size_t len;

	if (addr == NULL)
		return 0;
	len = strlen(addr);
	if (len == 0 || len > SMTPPARSE_ADDR_MAX)
		return 0;
	if (!smtpparse_printable(addr, len, 1))
		return 0;
	if (strchr(addr, '<') != NULL || strchr(addr, '>') != NULL)
		return 0;
	if ((at = strchr(addr, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	return at != addr && at[1] != '\0';
}

int
smtpparse_address_utf8(const char *addr)
{
	for (; *addr != '\0'; addr++)
		if ((unsigned char)*addr >= 0x80)
			return 1;
	return 0;
}

/* Whether the display name of LEN bytes at S may stand before "<addr>". */
static int
smtpparse_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!smtpparse_printable(s, len, 0))
		return 0;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		for (i = 1; i < len - 1; i++) {
			if (s[i] == '\\') {
				if (++i == len - 1)
					return 0;
			} else if (s[i] == '"')
				return 0;
		}
		return 1;
	}
	for (i = 0; i < len; i++)
		if (strchr(",;:@<>[]\\\"", s[i]) != NULL)
			return 0;
	return 1;
}

int
smtpparse_mailbox(const char *value, char **addr_r)
{
	const char *s = value, *lt;
	size_t len = strlen(value), nlen;
	char *addr;

	*addr_r = NULL;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -1;
	if (s[len - 1] != '>') {
		addr = xstrndup(s, len);
		goto check;
	}
	/* "Name <addr>": the last '<' opens the address. */
	for (lt = s + len - 1; lt > s && *lt != '<'; lt--)
		;
	if (*lt != '<')
		return -1;
	nlen = (size_t)(lt - s);
	while (nlen > 0 && (s[nlen - 1] == ' ' || s[nlen - 1] == '\t'))
		nlen--;
	if (!smtpparse_name_ok(s, nlen))
		return -1;
	addr = xstrndup(lt + 1, (size_t)(s + len - 1 - (lt + 1)));
check:
	if (!smtpparse_address_ok(addr)) {
		free(addr);
		return -1;
	}
	*addr_r = addr;
	return 0;
}
