/*
 * Reading a message: this file owns header decoding (RFC 2047 encoded words,
 * RFC 2231 parameters), transfer decoding (quoted-printable, base64),
 * charset conversion to UTF-8, date parsing, the choice of what text of a
 * MIME tree the pager shows and the stripping of HTML to text.
 *
 * libetpan's MIME parser gives the structure of the message. Everything
 * else is done here, because libetpan gets it wrong in ways a reader sees:
 * its quoted-printable decoder puts a NUL byte in the output for "=ZZ" or
 * for a soft line break followed by blanks; its RFC 2047 decoder drops
 * broken encoded words, passes unknown charsets through as 8-bit, reads raw
 * 8-bit UTF-8 in a header as the default charset, collapses the spaces of
 * plain text and ignores RFC 2231 language tags; and it leaves charset
 * errors to the caller. Charsets go through iconv, one conversion per call,
 * with every byte iconv rejects turned into U+FFFD; windows-1252 (which
 * also reads iso-8859-1 and us-ascii) and UTF-8 are done here directly.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/mailmime.h>
#include <libetpan/mailmime_content.h>
#include <libetpan/mmapstring.h>

#include "i18n.h"
#include "mime.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

/* How deep the pager text follows nested multiparts and messages. */
#define MIME_MAX_DEPTH 32
/* The longest encoded word looked for (RFC 2047 says 75; mailers lie). */
#define MIME_WORD_MAX 4096

enum mime_charset_kind {
	MIME_CS_CP1252,
	MIME_CS_UTF8,
	MIME_CS_ICONV,
	MIME_CS_UNKNOWN
};

/* What a part shows as text, in increasing order of preference. */
enum mime_kind {
	MIME_KIND_NONE,
	MIME_KIND_TEXT,		/* other text, shown as it is */
	MIME_KIND_HTML,
	MIME_KIND_PLAIN
};

struct mime_word {
	char charset[65];
	int enc;		/* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t len;		/* the whole word, "=?" to "?=" */
};

struct mime_param {
	const char *name;
	const char *value;
};

/* windows-1252 0x80..0x9f; 0 where the byte is undefined. */
static const unsigned short mime_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* Names mail uses that iconv does not know, or knows as a subset. */
static const struct {
	const char *name;
	const char *iconv;
} mime_aliases[] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601", "CP949" },
	{ "euc-kr", "CP949" },
	{ "x-mac-cyrillic", "MAC-CYRILLIC" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "iso-8859-6-i", "ISO-8859-6" },
	{ "iso-8859-6-e", "ISO-8859-6" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-8859-8-e", "ISO-8859-8" },
	{ "shift_jis", "CP932" },
	{ "shift-jis", "CP932" },
	{ "x-sjis", "CP932" },
	{ "sjis", "CP932" },
	{ "windows-31j", "CP932" },
	{ "gb2312", "GB18030" },
	{ "gbk", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "euc-cn", "GB18030" },
	{ "x-euc-jp", "EUC-JP" },
	{ "unicode-1-1-utf-7", "UTF-7" },
};

/* Names read as windows-1252. */
static const char *mime_cp1252_names[] = {
	"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "iso_8859-1",
	"latin1", "latin-1", "l1", "windows-1252", "cp1252", "x-cp1252",
	"ansi_x3.4-1968", "iso-ir-100", "cp819", "ibm819", "iso_8859-1:1987",
	"us", "8859-1", "iso-8859-1:1987", NULL
};

static const char *mime_months[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};

static const char *mime_days[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

static const struct {
	const char *name;
	int minutes;
} mime_zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
};

static const struct {
	const char *name;
	unsigned int cp;
} mime_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "copy", 0xa9 }, { "reg", 0xae },
	{ "trade", 0x2122 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	{ "hellip", 0x2026 }, { "laquo", 0xab }, { "raquo", 0xbb },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201c },
	{ "rdquo", 0x201d }, { "bull", 0x2022 }, { "middot", 0xb7 },
	{ "euro", 0x20ac }, { "pound", 0xa3 }, { "deg", 0xb0 },
	{ "shy", 0xad }, { "zwnj", 0x200c }, { "zwj", 0x200d },
};

static void	mime_add_utf8(struct strbuf *, const char *, size_t);
static void	mime_add_cp1252(struct strbuf *, const char *, size_t);
static void	mime_add_ascii(struct strbuf *, const char *, size_t);
static void	mime_add_raw(struct strbuf *, const char *, size_t);
static int	mime_utf8_valid(const char *, size_t);
static enum mime_charset_kind mime_charset(const char *, char *, size_t);
static int	mime_iconv(struct strbuf *, const char *, const char *,
		    size_t);
static void	mime_convert(struct strbuf *, const char *, const char *,
		    size_t);
static int	mime_hex(int);
static void	mime_qp_decode(struct strbuf *, const char *, size_t, int);
static int	mime_b64_value(int);
static void	mime_b64_decode(struct strbuf *, const char *, size_t);
static int	mime_word_parse(const char *, size_t, struct mime_word *);
static int	mime_word_decode(struct strbuf *, const struct mime_word *);
static void	mime_add_plain(struct strbuf *, const char *, size_t);
static char	*mime_no_nul(struct strbuf *);
static size_t	mime_skip_cfws(const char *, size_t);
static int	mime_word_match(const char *, size_t, const char **, int);
static int	mime_digits(const char *, size_t *, int, int *);
static int64_t	mime_days_from_civil(int64_t, int, int);
static int	mime_days_in_month(int, int);
static size_t	mime_skip_from_line(const char *, size_t);
static size_t	mime_header_block(const char *, size_t, size_t *);
static char	*mime_header_get(const char *, size_t, const char *);
static void	mime_normalise_newlines(struct strbuf *);
static enum mime_kind mime_leaf_kind(struct mailmime *);
static enum mime_kind mime_rank(struct mailmime *, int);
static int	mime_is_attachment(struct mailmime *);
static const char *mime_subtype(struct mailmime *);
static int	mime_is_multipart(struct mailmime *, const char *);
static void	mime_type_name(struct strbuf *, struct mailmime *);
static void	mime_leaf_decode(struct strbuf *, struct mailmime *);
static void	mime_leaf_text(struct strbuf *, struct mailmime *,
		    enum mime_kind);
static void	mime_html_strip(struct strbuf *, const char *, size_t);
static void	mime_html_newline(struct strbuf *, int);
static size_t	mime_html_entity(struct strbuf *, const char *, size_t);
static size_t	mime_params(struct mailmime *, struct mime_param *, size_t);
static int	mime_param_section(const struct mime_param *, size_t,
		    const char *, unsigned long, int *, int *);
static char	*mime_param_get(const struct mime_param *, size_t,
		    const char *);
static char	*mime_filename(struct mailmime *);
static void	mime_add_header_block(struct strbuf *, const char *, size_t);
static int	mime_render(struct strbuf *, struct mailmime *, int);
static void	mime_list_parts(struct strbuf *, struct mailmime *, int);
static int	mime_count_leaves(struct mailmime *, int);
static int	mime_blank(const struct strbuf *);
static void	mime_mime_copy(struct strbuf *, const char *, size_t, size_t,
		    size_t);

/* Append LEN bytes of UTF-8, each invalid byte as U+FFFD. */
static void
mime_add_utf8(struct strbuf *sb, const char *s, size_t len)
{
	unsigned int cp;
	size_t i = 0, start, n;

	strbuf_grow(sb, len);
	while (i < len) {
		start = i;
		while (i < len && (unsigned char)s[i] < 0x80)
			i++;
		strbuf_add(sb, s + start, i - start);
		if (i == len)
			break;
		n = text_utf8_next(s + i, len - i, &cp);
		if (cp == 0xfffd && n == 1)
			strbuf_add_utf8(sb, 0xfffd);
		else
			strbuf_add(sb, s + i, n);
		i += n;
	}
}

/* Append LEN bytes of windows-1252. */
static void
mime_add_cp1252(struct strbuf *sb, const char *s, size_t len)
{
	unsigned int c;
	size_t i;

	strbuf_grow(sb, len);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x80)
			strbuf_addch(sb, (int)c);
		else if (c < 0xa0)
			strbuf_add_utf8(sb, mime_cp1252[c - 0x80] != 0 ?
			    mime_cp1252[c - 0x80] : 0xfffd);
		else
			strbuf_add_utf8(sb, c);
	}
}

/* Append LEN bytes of an unknown charset: ASCII kept, the rest U+FFFD. */
static void
mime_add_ascii(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	strbuf_grow(sb, len);
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x80)
			strbuf_addch(sb, s[i]);
		else
			strbuf_add_utf8(sb, 0xfffd);
	}
}

/* Whether LEN bytes at S are valid UTF-8. */
static int
mime_utf8_valid(const char *s, size_t len)
{
	unsigned int cp;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		if ((unsigned char)s[i] < 0x80) {
			n = 1;
			continue;
		}
		n = text_utf8_next(s + i, len - i, &cp);
		if (cp == 0xfffd && n == 1)
			return (0);
	}
	return (1);
}

/* Append undeclared 8-bit bytes: UTF-8 when valid, else windows-1252. */
static void
mime_add_raw(struct strbuf *sb, const char *s, size_t len)
{
	if (mime_utf8_valid(s, len))
		strbuf_add(sb, s, len);
	else
		mime_add_cp1252(sb, s, len);
}

/*
 * Classify charset CS; for MIME_CS_ICONV put the name to give iconv in
 * BUF. Names with characters no charset name has are unknown, so that a
 * hostile name never reaches iconv_open().
 */
static enum mime_charset_kind
mime_charset(const char *cs, char *buf, size_t size)
{
	char name[64];
	size_t i, n;

	if (cs == NULL)
		return (MIME_CS_CP1252);
	while (*cs == ' ' || *cs == '\t' || *cs == '"' || *cs == '\'')
		cs++;
	for (n = 0; cs[n] != '\0' && cs[n] != '"' && cs[n] != '\'' &&
	    cs[n] != ' ' && cs[n] != '\t' && cs[n] != '*'; n++) {
		if (n + 1 >= sizeof name)
			return (MIME_CS_UNKNOWN);
		if (!isalnum((unsigned char)cs[n]) && strchr("-_.:+()",
		    cs[n]) == NULL)
			return (MIME_CS_UNKNOWN);
		name[n] = (char)tolower((unsigned char)cs[n]);
	}
	name[n] = '\0';
	if (n == 0)
		return (MIME_CS_CP1252);
	for (i = 0; mime_cp1252_names[i] != NULL; i++) {
		if (strcmp(name, mime_cp1252_names[i]) == 0)
			return (MIME_CS_CP1252);
	}
	if (strcmp(name, "utf-8") == 0 || strcmp(name, "utf8") == 0)
		return (MIME_CS_UTF8);
	for (i = 0; i < sizeof mime_aliases / sizeof mime_aliases[0]; i++) {
		if (strcmp(name, mime_aliases[i].name) == 0) {
			snprintf(buf, size, "%s", mime_aliases[i].iconv);
			return (MIME_CS_ICONV);
		}
	}
	if (strchr(name, '(') != NULL || strchr(name, ')') != NULL)
		return (MIME_CS_UNKNOWN);
	snprintf(buf, size, "%s", name);
	return (MIME_CS_ICONV);
}

/*
 * Convert LEN bytes at S from CHARSET with iconv and append the result;
 * every byte iconv rejects becomes U+FFFD. Returns -1 if iconv does not
 * know CHARSET (nothing appended).
 */
static int
mime_iconv(struct strbuf *sb, const char *charset, const char *s, size_t len)
{
	struct strbuf tmp = STRBUF_INIT;
	iconv_t cd;
	char buf[4096], *in = (char *)s, *out;
	size_t inleft = len, outleft, r;

	if ((cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
		return (-1);
	strbuf_grow(&tmp, len + len / 2);
	while (inleft > 0) {
		out = buf;
		outleft = sizeof buf;
		r = iconv(cd, &in, &inleft, &out, &outleft);
		strbuf_add(&tmp, buf, (size_t)(out - buf));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL: one byte becomes U+FFFD, then on. */
		strbuf_add_utf8(&tmp, 0xfffd);
		in++;
		inleft--;
	}
	out = buf;
	outleft = sizeof buf;
	if (iconv(cd, NULL, NULL, &out, &outleft) != (size_t)-1)
		strbuf_add(&tmp, buf, (size_t)(out - buf));
	iconv_close(cd);
	mime_add_utf8(sb, tmp.buf, tmp.len);
	strbuf_release(&tmp);
	return (0);
}

/* Append LEN bytes at S converted from CHARSET (see mime_to_utf8()). */
static void
mime_convert(struct strbuf *sb, const char *charset, const char *s,
    size_t len)
{
	char name[64];

	switch (mime_charset(charset, name, sizeof name)) {
	case MIME_CS_CP1252:
		mime_add_cp1252(sb, s, len);
		break;
	case MIME_CS_UTF8:
		mime_add_utf8(sb, s, len);
		break;
	case MIME_CS_ICONV:
		if (mime_iconv(sb, name, s, len) == 0)
			break;
		/* FALLTHROUGH */
	case MIME_CS_UNKNOWN:
		mime_add_ascii(sb, s, len);
		break;
	}
}

char *
mime_to_utf8(const char *charset, const char *s, size_t len, size_t *len_r)
{
	struct strbuf sb = STRBUF_INIT;

	mime_convert(&sb, charset, s, len);
	return (strbuf_detach(&sb, len_r));
}

static int
mime_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Decode quoted-printable: "=XX" is a byte, '=' then blanks and a line end
 * (or the end) is a soft line break, any other '=' stays as it is. In an
 * encoded word (WORD), '_' is a space.
 */
static void
mime_qp_decode(struct strbuf *sb, const char *s, size_t len, int word)
{
	size_t i, j;
	int hi, lo;

	strbuf_grow(sb, len);
	for (i = 0; i < len; i++) {
		if (word && s[i] == '_') {
			strbuf_addch(sb, ' ');
			continue;
		}
		if (s[i] != '=') {
			strbuf_addch(sb, s[i]);
			continue;
		}
		if (i + 2 < len && (hi = mime_hex((unsigned char)s[i + 1]))
		    != -1 && (lo = mime_hex((unsigned char)s[i + 2])) != -1) {
			strbuf_addch(sb, hi << 4 | lo);
			i += 2;
			continue;
		}
		for (j = i + 1; j < len && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		if (j < len && s[j] == '\r' && j + 1 < len && s[j + 1] == '\n')
			j++;
		if (j == len || s[j] == '\n') {
			i = j;	/* soft line break */
			continue;
		}
		strbuf_addch(sb, '=');
	}
}

static int
mime_b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/*
 * Decode base64, skipping what is not in the alphabet. '=' ends a quantum,
 * so that pieces encoded one after the other decode one after the other.
 */
static void
mime_b64_decode(struct strbuf *sb, const char *s, size_t len)
{
	unsigned int bits = 0, nbits = 0;
	size_t i;
	int v;

	strbuf_grow(sb, len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			bits = nbits = 0;
			continue;
		}
		if ((v = mime_b64_value((unsigned char)s[i])) == -1)
			continue;
		bits = (bits << 6) | (unsigned int)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			strbuf_addch(sb, (int)((bits >> nbits) & 0xff));
			bits &= (1u << nbits) - 1;
		}
	}
}

/*
 * Parse the encoded word "=?charset[*lang]?B|Q?text?=" at S (LEN bytes
 * available). Returns 0 and fills W, or -1 if S does not start one.
 */
static int
mime_word_parse(const char *s, size_t len, struct mime_word *w)
{
	size_t i, n, max;

	if (len > MIME_WORD_MAX)
		len = MIME_WORD_MAX;
	if (len < 8 || s[0] != '=' || s[1] != '?')
		return (-1);
	for (i = 2, n = 0; i < len && s[i] != '?'; i++) {
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return (-1);
		if (n + 1 >= sizeof w->charset)
			return (-1);
		w->charset[n++] = s[i];
	}
	w->charset[n] = '\0';
	if (n == 0 || i + 3 >= len || s[i + 2] != '?')
		return (-1);
	w->enc = toupper((unsigned char)s[i + 1]);
	if (w->enc != 'B' && w->enc != 'Q')
		return (-1);
	/* Drop an RFC 2231 language tag: "utf-8*en". */
	if (strchr(w->charset, '*') != NULL)
		*strchr(w->charset, '*') = '\0';
	if (w->charset[0] == '\0')
		return (-1);
	w->text = s + i + 3;
	max = len - (i + 3);
	for (n = 0; n + 1 < max; n++) {
		if (w->text[n] == '?' && w->text[n + 1] == '=')
			break;
		/* Raw 8-bit inside a word is broken but common (Eudora). */
		if ((unsigned char)w->text[n] <= ' ' ||
		    (unsigned char)w->text[n] == 0x7f || w->text[n] == '?')
			return (-1);
	}
	if (n + 1 >= max)
		return (-1);
	w->text_len = n;
	w->len = i + 3 + n + 2;
	return (0);
}

/* Append the bytes of encoded word W; -1 if its text is broken. */
static int
mime_word_decode(struct strbuf *sb, const struct mime_word *w)
{
	size_t n = w->text_len, i;

	if (w->enc == 'Q') {
		mime_qp_decode(sb, w->text, n, 1);
		return (0);
	}
	while (n > 0 && w->text[n - 1] == '=')
		n--;
	if ((n == 0 && w->text_len != 0) || n % 4 == 1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (mime_b64_value((unsigned char)w->text[i]) == -1)
			return (-1);
	}
	mime_b64_decode(sb, w->text, n);
	return (0);
}

/* Append plain header text: unfolded, raw 8-bit read as in mime_add_raw. */
static void
mime_add_plain(struct strbuf *sb, const char *s, size_t len)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			strbuf_addch(&tmp, s[i]);
	}
	mime_add_raw(sb, tmp.buf, tmp.len);
	strbuf_release(&tmp);
}

/* Detach SB as a C string, NUL bytes inside turned into U+FFFD. */
static char *
mime_no_nul(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	size_t i;

	if (strlen(sb->buf) == sb->len)
		return (strbuf_detach(sb, NULL));
	for (i = 0; i < sb->len; i++) {
		if (sb->buf[i] == '\0')
			strbuf_add_utf8(&out, 0xfffd);
		else
			strbuf_addch(&out, sb->buf[i]);
	}
	strbuf_release(sb);
	return (strbuf_detach(&out, NULL));
}

char *
mime_decode_header(const char *raw, size_t len)
{
	struct strbuf sb = STRBUF_INIT, pend = STRBUF_INIT;
	struct mime_word w, next;
	char pend_cs[sizeof w.charset] = "";
	size_t i = 0, j, start;
	int have_pend = 0;

	if (raw == NULL)
		len = 0;
	while (len > 0 && strchr(" \t\r\n", raw[len - 1]) != NULL)
		len--;
	while (i < len && strchr(" \t\r\n", raw[i]) != NULL)
		i++;
	while (i < len) {
		if (mime_word_parse(raw + i, len - i, &w) == 0) {
			start = pend.len;
			if (have_pend && strcasecmp(pend_cs, w.charset) != 0) {
				mime_convert(&sb, pend_cs, pend.buf, pend.len);
				strbuf_reset(&pend);
				have_pend = 0;
				start = 0;
			}
			if (mime_word_decode(&pend, &w) == 0) {
				have_pend = 1;
				memcpy(pend_cs, w.charset, sizeof pend_cs);
				i += w.len;
				/* Blanks between two encoded words go. */
				for (j = i; j < len && strchr(" \t\r\n",
				    raw[j]) != NULL; j++)
					;
				if (j > i && mime_word_parse(raw + j, len - j,
				    &next) == 0)
					i = j;
				continue;
			}
			strbuf_setlen(&pend, start);
			/* Broken: shown as it is, below. */
		}
		if (have_pend) {
			mime_convert(&sb, pend_cs, pend.buf, pend.len);
			strbuf_reset(&pend);
			have_pend = 0;
		}
		start = i;
		for (i++; i < len; i++) {
			if (raw[i] == '=' && i + 1 < len && raw[i + 1] == '?' &&
			    mime_word_parse(raw + i, len - i, &w) == 0)
				break;
		}
		mime_add_plain(&sb, raw + start, i - start);
	}
	if (have_pend)
		mime_convert(&sb, pend_cs, pend.buf, pend.len);
	strbuf_release(&pend);
	return (mime_no_nul(&sb));
}

/* Skip blanks, line ends and (nested) comments from S. */
static size_t
mime_skip_cfws(const char *s, size_t i)
{
	int depth;

	for (;;) {
		while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n')
			i++;
		if (s[i] != '(')
			return (i);
		for (depth = 0; s[i] != '\0'; i++) {
			if (s[i] == '\\' && s[i + 1] != '\0')
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
}

/*
 * If the letters at S (N of them) start with one of the three-letter names
 * in NAMES (COUNT of them), return its index, else -1. A full name
 * ("Tuesday", "July") matches by its first three letters.
 */
static int
mime_word_match(const char *s, size_t n, const char **names, int count)
{
	int i;

	if (n < 3)
		return (-1);
	for (i = 0; i < count; i++) {
		if (strncasecmp(s, names[i], 3) == 0)
			return (i);
	}
	return (-1);
}

/* Days since 1970-01-01 of the proleptic Gregorian date Y-M-D. */
static int64_t
mime_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static int
mime_days_in_month(int y, int m)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return (29);
	return (days[m - 1]);
}

/* Read up to MAX digits at S+*I into *V; returns how many were read. */
static int
mime_digits(const char *s, size_t *i, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max && isdigit((unsigned char)s[*i])) {
		*v = *v * 10 + (s[*i] - '0');
		(*i)++;
		n++;
	}
	return (n);
}

time_t
mime_parse_date(const char *s)
{
	size_t i = 0, n, k, z;
	int day = -1, mon = -1, year = -1, hour, min, sec = 0, zone = 0;
	int nd, asctime_form = 0, zh, zm, sign;
	int64_t days, t;

	if (s == NULL)
		return (-1);
	i = mime_skip_cfws(s, i);
	/* An optional day of the week, with or without its comma. */
	for (n = 0; isalpha((unsigned char)s[i + n]); n++)
		;
	if (n > 0) {
		if (mime_word_match(s + i, n, mime_days, 7) == -1)
			goto month_first;
		i = mime_skip_cfws(s, i + n);
		if (s[i] == ',')
			i = mime_skip_cfws(s, i + 1);
	}
month_first:
	for (n = 0; isalpha((unsigned char)s[i + n]); n++)
		;
	if (n > 0) {
		/* asctime(): "Tue Jul  1 10:52:37 2003". */
		if ((mon = mime_word_match(s + i, n, mime_months, 12)) == -1)
			return (-1);
		asctime_form = 1;
		i = mime_skip_cfws(s, i + n);
		if (mime_digits(s, &i, 2, &day) == 0)
			return (-1);
		i = mime_skip_cfws(s, i);
	} else {
		if (mime_digits(s, &i, 2, &day) == 0)
			return (-1);
		i = mime_skip_cfws(s, i);
		if (s[i] == '-')
			i++;
		for (n = 0; isalpha((unsigned char)s[i + n]); n++)
			;
		if ((mon = mime_word_match(s + i, n, mime_months, 12)) == -1)
			return (-1);
		i = mime_skip_cfws(s, i + n);
		if (s[i] == '-')
			i++;
		if ((nd = mime_digits(s, &i, 4, &year)) < 2)
			return (-1);
		if (isdigit((unsigned char)s[i]))
			return (-1);
		if (nd == 2)
			year += year < 50 ? 2000 : 1900;
		else if (nd == 3)
			year += 1900;
		i = mime_skip_cfws(s, i);
	}
	if (mime_digits(s, &i, 2, &hour) == 0 || s[i] != ':')
		return (-1);
	i = mime_skip_cfws(s, i + 1);
	if (mime_digits(s, &i, 2, &min) != 2)
		return (-1);
	k = mime_skip_cfws(s, i);
	if (s[k] == ':') {
		i = mime_skip_cfws(s, k + 1);
		if (mime_digits(s, &i, 2, &sec) != 2)
			return (-1);
	}
	i = mime_skip_cfws(s, i);
	if (asctime_form) {
		if ((nd = mime_digits(s, &i, 4, &year)) != 4)
			return (-1);
		i = mime_skip_cfws(s, i);
	}
	if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		i++;
		if (mime_digits(s, &i, 2, &zh) != 2)
			return (-1);
		if (s[i] == ':')
			i++;
		if (mime_digits(s, &i, 2, &zm) != 2 || zm > 59)
			return (-1);
		zone = sign * (zh * 60 + zm);
	} else if (isalpha((unsigned char)s[i])) {
		for (n = 0; isalpha((unsigned char)s[i + n]); n++)
			;
		/* Unknown names and military letters count as UTC. */
		for (z = 0; z < sizeof mime_zones / sizeof mime_zones[0];
		    z++) {
			if (strlen(mime_zones[z].name) == n &&
			    strncasecmp(s + i, mime_zones[z].name, n) == 0)
				zone = mime_zones[z].minutes;
		}
	}
	if (year < 1900 || year > 9999 || day < 1 ||
	    day > mime_days_in_month(year, mon + 1) || hour > 23 ||
	    min > 59 || sec > 60)
		return (-1);
	days = mime_days_from_civil(year, mon + 1, day);
	t = days * 86400 + hour * 3600 + min * 60 + sec - (int64_t)zone * 60;
	if ((int64_t)(time_t)t != t)
		return (-1);
	return ((time_t)t);
}

/* The offset after a leading mbox "From " line, or 0. */
static size_t
mime_skip_from_line(const char *raw, size_t len)
{
	const char *nl;

	if (len < 5 || memcmp(raw, "From ", 5) != 0)
		return (0);
	if ((nl = memchr(raw, '\n', len)) == NULL)
		return (len);
	return ((size_t)(nl - raw) + 1);
}

/*
 * Find the end of the header block at RAW: returns its length and puts in
 * *BODY_R where the body starts. The block ends at the first empty line,
 * or before the first line that is neither a field nor a continuation
 * (a message with no blank line after its header).
 */
static size_t
mime_header_block(const char *raw, size_t len, size_t *body_r)
{
	const char *nl;
	size_t pos = 0, end, k;

	while (pos < len) {
		nl = memchr(raw + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - raw) + 1 : len;
		if (raw[pos] == '\n' || (raw[pos] == '\r' && (pos + 1 == len ||
		    raw[pos + 1] == '\n'))) {
			*body_r = end;
			return (pos);
		}
		if (raw[pos] != ' ' && raw[pos] != '\t') {
			for (k = pos; k < end && raw[k] > ' ' &&
			    raw[k] < 0x7f && raw[k] != ':'; k++)
				;
			if (k == pos || k == end || raw[k] != ':') {
				*body_r = pos;
				return (pos);
			}
		} else if (pos == 0) {
			*body_r = 0;
			return (0);
		}
		pos = end;
	}
	*body_r = len;
	return (len);
}

/* The raw value of the first field NAME in header block H, or NULL. */
static char *
mime_header_get(const char *h, size_t len, const char *name)
{
	size_t namelen = strlen(name), pos = 0, end, vstart;
	const char *nl;

	while (pos < len) {
		nl = memchr(h + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - h) + 1 : len;
		if (end - pos > namelen && strncasecmp(h + pos, name,
		    namelen) == 0) {
			vstart = pos + namelen;
			while (vstart < end && (h[vstart] == ' ' ||
			    h[vstart] == '\t'))
				vstart++;
			if (vstart < end && h[vstart] == ':') {
				vstart++;
				/* Take the continuation lines too. */
				while (end < len && (h[end] == ' ' ||
				    h[end] == '\t')) {
					nl = memchr(h + end, '\n', len - end);
					end = nl != NULL ?
					    (size_t)(nl - h) + 1 : len;
				}
				return (mime_decode_header(h + vstart,
				    end - vstart));
			}
		}
		pos = end;
	}
	return (NULL);
}

/* Turn "\r\n" into "\n" in SB. */
static void
mime_normalise_newlines(struct strbuf *sb)
{
	size_t i, o;

	for (i = o = 0; i < sb->len; i++) {
		if (sb->buf[i] == '\r' && i + 1 < sb->len &&
		    sb->buf[i + 1] == '\n')
			continue;
		sb->buf[o++] = sb->buf[i];
	}
	strbuf_setlen(sb, o);
}

/* The subtype of M's content type, "" when there is none. */
static const char *
mime_subtype(struct mailmime *m)
{
	if (m->mm_content_type == NULL ||
	    m->mm_content_type->ct_subtype == NULL)
		return ("");
	return (m->mm_content_type->ct_subtype);
}

/* Whether M is a multipart of subtype SUB (NULL: any). */
static int
mime_is_multipart(struct mailmime *m, const char *sub)
{
	if (m->mm_type != MAILMIME_MULTIPLE)
		return (0);
	return (sub == NULL || strcasecmp(mime_subtype(m), sub) == 0);
}

/* Whether M has "Content-Disposition: attachment". */
static int
mime_is_attachment(struct mailmime *m)
{
	clistiter *it;
	struct mailmime_field *f;

	if (m->mm_mime_fields == NULL)
		return (0);
	for (it = clist_begin(m->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type == MAILMIME_FIELD_DISPOSITION &&
		    f->fld_data.fld_disposition != NULL &&
		    f->fld_data.fld_disposition->dsp_type != NULL &&
		    f->fld_data.fld_disposition->dsp_type->dsp_type ==
		    MAILMIME_DISPOSITION_TYPE_ATTACHMENT)
			return (1);
	}
	return (0);
}

/* Append "type/subtype" of M, lower case. */
static void
mime_type_name(struct strbuf *sb, struct mailmime *m)
{
	struct mailmime_type *t;
	const char *type = "text";
	size_t start = sb->len, i;

	if (m->mm_content_type != NULL &&
	    (t = m->mm_content_type->ct_type) != NULL) {
		if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
		    t->tp_data.tp_discrete_type != NULL) {
			switch (t->tp_data.tp_discrete_type->dt_type) {
			case MAILMIME_DISCRETE_TYPE_IMAGE:
				type = "image";
				break;
			case MAILMIME_DISCRETE_TYPE_AUDIO:
				type = "audio";
				break;
			case MAILMIME_DISCRETE_TYPE_VIDEO:
				type = "video";
				break;
			case MAILMIME_DISCRETE_TYPE_APPLICATION:
				type = "application";
				break;
			case MAILMIME_DISCRETE_TYPE_EXTENSION:
				if (t->tp_data.tp_discrete_type->dt_extension
				    != NULL)
					type = t->tp_data.tp_discrete_type->
					    dt_extension;
				break;
			}
		} else if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
		    t->tp_data.tp_composite_type != NULL) {
			switch (t->tp_data.tp_composite_type->ct_type) {
			case MAILMIME_COMPOSITE_TYPE_MESSAGE:
				type = "message";
				break;
			case MAILMIME_COMPOSITE_TYPE_MULTIPART:
				type = "multipart";
				break;
			default:
				if (t->tp_data.tp_composite_type->ct_token
				    != NULL)
					type = t->tp_data.tp_composite_type->
					    ct_token;
				break;
			}
		}
	}
	strbuf_addf(sb, "%s/%s", type, *mime_subtype(m) != '\0' ?
	    mime_subtype(m) : "plain");
	for (i = start; i < sb->len; i++)
		sb->buf[i] = (char)tolower((unsigned char)sb->buf[i]);
}

/* What the single part M shows as. */
static enum mime_kind
mime_leaf_kind(struct mailmime *m)
{
	struct strbuf type = STRBUF_INIT;
	enum mime_kind kind = MIME_KIND_NONE;

	if (m->mm_type != MAILMIME_SINGLE || mime_is_attachment(m))
		return (MIME_KIND_NONE);
	mime_type_name(&type, m);
	if (strcmp(type.buf, "text/plain") == 0)
		kind = MIME_KIND_PLAIN;
	else if (strcmp(type.buf, "text/html") == 0)
		kind = MIME_KIND_HTML;
	else if (strncmp(type.buf, "text/", 5) == 0 ||
	    strncmp(type.buf, "multipart/", 10) == 0 ||
	    strcmp(type.buf, "message/delivery-status") == 0 ||
	    strcmp(type.buf, "message/disposition-notification") == 0 ||
	    strcmp(type.buf, "message/feedback-report") == 0)
		kind = MIME_KIND_TEXT;	/* a multipart with no boundary too */
	strbuf_release(&type);
	return (kind);
}

/* The best kind of text that rendering M would show. */
static enum mime_kind
mime_rank(struct mailmime *m, int depth)
{
	enum mime_kind best = MIME_KIND_NONE, k;
	clistiter *it;

	if (depth > MIME_MAX_DEPTH)
		return (MIME_KIND_NONE);
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		return (mime_leaf_kind(m));
	case MAILMIME_MESSAGE:
		return (MIME_KIND_PLAIN);
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it)) {
			k = mime_rank(clist_content(it), depth + 1);
			if (k > best)
				best = k;
		}
		return (best);
	}
	return (MIME_KIND_NONE);
}

/* Append the body of single part M with its transfer encoding undone. */
static void
mime_leaf_decode(struct strbuf *sb, struct mailmime *m)
{
	struct mailmime_data *d = m->mm_data.mm_single;
	const char *s;
	size_t len;

	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    d->dt_data.dt_text.dt_data == NULL)
		return;
	s = d->dt_data.dt_text.dt_data;
	len = d->dt_data.dt_text.dt_length;
	if (!d->dt_encoded) {
		strbuf_add(sb, s, len);
		return;
	}
	switch (d->dt_encoding) {
	case MAILMIME_MECHANISM_QUOTED_PRINTABLE:
		mime_qp_decode(sb, s, len, 0);
		break;
	case MAILMIME_MECHANISM_BASE64:
		mime_b64_decode(sb, s, len);
		break;
	default:
		strbuf_add(sb, s, len);
		break;
	}
}

/* Append the text of single part M, shown as KIND. */
static void
mime_leaf_text(struct strbuf *sb, struct mailmime *m, enum mime_kind kind)
{
	struct strbuf raw = STRBUF_INIT, utf8 = STRBUF_INIT;
	const char *cs = NULL;

	mime_leaf_decode(&raw, m);
	if (m->mm_content_type != NULL)
		cs = mailmime_content_param_get(m->mm_content_type,
		    (char *)"charset");
	if (cs == NULL || *cs == '\0')
		mime_add_raw(&utf8, raw.buf, raw.len);
	else
		mime_convert(&utf8, cs, raw.buf, raw.len);
	mime_normalise_newlines(&utf8);
	if (kind == MIME_KIND_HTML)
		mime_html_strip(sb, utf8.buf, utf8.len);
	else
		strbuf_add(sb, utf8.buf, utf8.len);
	strbuf_release(&raw);
	strbuf_release(&utf8);
}

/*
 * End the current line of HTML text: with BLANK, leave an empty line
 * after it. Never more than one empty line, none at the start, and no
 * blank at the end of a line.
 */
static void
mime_html_newline(struct strbuf *sb, int blank)
{
	size_t n = sb->len;

	while (n > 0 && sb->buf[n - 1] == ' ')
		n--;
	strbuf_setlen(sb, n);
	if (n == 0)
		return;
	if (sb->buf[n - 1] != '\n')
		strbuf_addch(sb, '\n');
	if (blank && !(sb->len >= 2 && sb->buf[sb->len - 2] == '\n'))
		strbuf_addch(sb, '\n');
}

/*
 * Decode the HTML character reference at S (LEN bytes, S[0] is '&') and
 * append it. Returns the bytes used, or 0 when it is not one we know.
 */
static size_t
mime_html_entity(struct strbuf *sb, const char *s, size_t len)
{
	char name[16];
	size_t i, n;
	unsigned long cp = 0;
	int hex, digits = 0;

	for (n = 1; n < len && n < sizeof name && s[n] != ';'; n++)
		;
	if (n >= len || s[n] != ';' || n < 2)
		return (0);
	if (s[1] == '#') {
		hex = s[2] == 'x' || s[2] == 'X';
		for (i = hex ? 3 : 2; i < n; i++) {
			if (hex && mime_hex((unsigned char)s[i]) != -1)
				cp = cp * 16 + (unsigned long)mime_hex(
				    (unsigned char)s[i]);
			else if (!hex && isdigit((unsigned char)s[i]))
				cp = cp * 10 + (unsigned long)(s[i] - '0');
			else
				return (0);
			if (cp > 0x10ffff)
				cp = 0x110000;
			digits++;
		}
		if (digits == 0)
			return (0);
		if (cp >= 0x80 && cp < 0xa0 && mime_cp1252[cp - 0x80] != 0)
			cp = mime_cp1252[cp - 0x80];
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		strbuf_add_utf8(sb, (unsigned int)cp);
		return (n + 1);
	}
	memcpy(name, s + 1, n - 1);
	name[n - 1] = '\0';
	for (i = 0; i < sizeof mime_entities / sizeof mime_entities[0]; i++) {
		if (strcmp(name, mime_entities[i].name) == 0) {
			strbuf_add_utf8(sb, mime_entities[i].cp);
			return (n + 1);
		}
	}
	return (0);
}

/*
 * Append the text of the UTF-8 HTML at S: tags dropped, the content of
 * style, script and title skipped, blanks collapsed outside pre, common
 * entities decoded, line breaks for br and the ends of blocks.
 */
static void
mime_html_strip(struct strbuf *sb, const char *s, size_t len)
{
	static const char *breaks[] = {
		"br", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "ul", "ol", "dl", "dt", "dd", "hr", "pre", "address",
		NULL
	};
	static const char *skips[] = { "style", "script", "title", NULL };
	char name[16], close[20];
	size_t i = 0, j, n, k, start = sb->len;
	int closing, quote, pre = 0, used;
	const char *p;

	while (i < len) {
		if (s[i] == '<' && i + 3 < len && strncmp(s + i, "<!--", 4)
		    == 0) {
			for (j = i + 4; j + 2 < len && strncmp(s + j, "-->", 3)
			    != 0; j++)
				;
			i = j + 3;
			continue;
		}
		if (s[i] == '<') {
			j = i + 1;
			closing = j < len && s[j] == '/';
			if (closing)
				j++;
			for (n = 0; j < len && n + 1 < sizeof name &&
			    isalnum((unsigned char)s[j]); j++)
				name[n++] = (char)tolower((unsigned char)s[j]);
			name[n] = '\0';
			if (n == 0 && !closing && (j >= len || (s[j] != '!' &&
			    s[j] != '?'))) {
				strbuf_addch(sb, '<');	/* "a < b" */
				i++;
				continue;
			}
			for (quote = 0; j < len; j++) {
				if (quote != 0 && s[j] == quote)
					quote = 0;
				else if (quote == 0 && (s[j] == '"' ||
				    s[j] == '\''))
					quote = s[j];
				else if (quote == 0 && s[j] == '>')
					break;
			}
			i = j + 1;
			for (k = 0; !closing && skips[k] != NULL; k++) {
				if (strcmp(name, skips[k]) != 0)
					continue;
				snprintf(close, sizeof close, "</%s", name);
				for (p = NULL; i < len; i++) {
					if (strncasecmp(s + i, close,
					    strlen(close)) == 0) {
						p = s + i;
						break;
					}
				}
				if (p == NULL)
					break;
				p = memchr(p, '>', len - i);
				i = p != NULL ? (size_t)(p - s) + 1 : len;
				break;
			}
			if (strcmp(name, "pre") == 0)
				pre = closing ? 0 : 1;
			if (strcmp(name, "p") == 0 ||
			    strcmp(name, "blockquote") == 0) {
				mime_html_newline(sb, closing);
				continue;
			}
			if (strcmp(name, "br") == 0) {
				if (sb->len == start)
					continue;
				k = sb->len;
				while (k > start && sb->buf[k - 1] == ' ')
					k--;
				strbuf_setlen(sb, k);
				strbuf_addch(sb, '\n');
				continue;
			}
			for (k = 0; breaks[k] != NULL; k++) {
				if (strcmp(name, breaks[k]) == 0) {
					mime_html_newline(sb, 0);
					if (!closing && strcmp(name, "li") == 0)
						strbuf_addstr(sb, "* ");
					break;
				}
			}
			if (closing && (strcmp(name, "td") == 0 ||
			    strcmp(name, "th") == 0))
				strbuf_addch(sb, ' ');
			continue;
		}
		if (s[i] == '&' && (used = (int)mime_html_entity(sb, s + i,
		    len - i)) > 0) {
			i += (size_t)used;
			continue;
		}
		if (strchr(" \t\r\n\f", s[i]) != NULL && s[i] != '\0') {
			if (pre) {
				if (s[i] != '\r')
					strbuf_addch(sb, s[i]);
			} else if (sb->len > start &&
			    sb->buf[sb->len - 1] != ' ' &&
			    sb->buf[sb->len - 1] != '\n')
				strbuf_addch(sb, ' ');
			i++;
			continue;
		}
		strbuf_addch(sb, s[i]);
		i++;
	}
	n = sb->len;
	while (n > start && (sb->buf[n - 1] == ' ' || sb->buf[n - 1] == '\n'))
		n--;
	strbuf_setlen(sb, n);
	if (n > start)
		strbuf_addch(sb, '\n');
}

/* Gather the Content-Type and Content-Disposition parameters of M. */
static size_t
mime_params(struct mailmime *m, struct mime_param *out, size_t max)
{
	struct mailmime_field *f;
	struct mailmime_disposition_parm *dp;
	struct mailmime_parameter *p;
	clistiter *it, *jt;
	size_t n = 0;

	if (m->mm_mime_fields != NULL) {
		for (it = clist_begin(m->mm_mime_fields->fld_list);
		    it != NULL; it = clist_next(it)) {
			f = clist_content(it);
			if (f->fld_type != MAILMIME_FIELD_DISPOSITION ||
			    f->fld_data.fld_disposition == NULL ||
			    f->fld_data.fld_disposition->dsp_parms == NULL)
				continue;
			for (jt = clist_begin(f->fld_data.fld_disposition->
			    dsp_parms); jt != NULL && n < max;
			    jt = clist_next(jt)) {
				dp = clist_content(jt);
				if (dp->pa_type ==
				    MAILMIME_DISPOSITION_PARM_FILENAME) {
					out[n].name = "filename";
					out[n++].value =
					    dp->pa_data.pa_filename;
				} else if (dp->pa_type ==
				    MAILMIME_DISPOSITION_PARM_PARAMETER &&
				    dp->pa_data.pa_parameter != NULL) {
					out[n].name = dp->pa_data.pa_parameter->
					    pa_name;
					out[n++].value = dp->pa_data.
					    pa_parameter->pa_value;
				}
			}
		}
	}
	if (m->mm_content_type != NULL &&
	    m->mm_content_type->ct_parameters != NULL) {
		for (it = clist_begin(m->mm_content_type->ct_parameters);
		    it != NULL && n < max; it = clist_next(it)) {
			p = clist_content(it);
			out[n].name = p->pa_name;
			out[n++].value = p->pa_value;
		}
	}
	return (n);
}

/*
 * The index among the N parameters at P of section SECT of the RFC 2231
 * parameter NAME ("name*N" or "name*N*"; for section 0 also "name*"), or
 * -1. *ENCODED_R says whether it is percent-encoded, *LAST_R whether it
 * is the single-section form.
 */
static int
mime_param_section(const struct mime_param *p, size_t n, const char *name,
    unsigned long sect, int *encoded_r, int *last_r)
{
	size_t namelen = strlen(name), i;
	const char *rest;
	char *end;

	for (i = 0; i < n; i++) {
		if (p[i].name == NULL || p[i].value == NULL ||
		    strncasecmp(p[i].name, name, namelen) != 0 ||
		    p[i].name[namelen] != '*')
			continue;
		rest = p[i].name + namelen + 1;
		if (*rest == '\0') {
			if (sect != 0)
				continue;
			*encoded_r = *last_r = 1;
			return ((int)i);
		}
		if (!isdigit((unsigned char)*rest) ||
		    strtoul(rest, &end, 10) != sect ||
		    (*end != '\0' && strcmp(end, "*") != 0))
			continue;
		*encoded_r = *end == '*';
		*last_r = 0;
		return ((int)i);
	}
	return (-1);
}

/*
 * The decoded value of parameter NAME among the N at P: the RFC 2231 form
 * ("name*=charset'lang'%XX", "name*0*=", "name*1=") first, else the plain
 * value with any RFC 2047 words decoded. NULL when absent.
 */
static char *
mime_param_get(const struct mime_param *p, size_t n, const char *name)
{
	struct strbuf bytes = STRBUF_INIT, out = STRBUF_INIT;
	char charset[64] = "";
	const char *v, *q;
	unsigned long sect;
	size_t i, k;
	int idx, encoded, last, hi, lo;

	for (sect = 0; sect < 100; sect++) {
		idx = mime_param_section(p, n, name, sect, &encoded, &last);
		if (idx == -1)
			break;
		v = p[idx].value;
		if (encoded && sect == 0 && (q = strchr(v, '\'')) != NULL &&
		    strchr(q + 1, '\'') != NULL) {
			k = (size_t)(q - v);
			if (k >= sizeof charset)
				k = sizeof charset - 1;
			memcpy(charset, v, k);
			charset[k] = '\0';
			v = strchr(q + 1, '\'') + 1;
		}
		for (; *v != '\0'; v++) {
			if (encoded && v[0] == '%' && (hi = mime_hex(
			    (unsigned char)v[1])) != -1 && (lo = mime_hex(
			    (unsigned char)v[2])) != -1) {
				strbuf_addch(&bytes, hi << 4 | lo);
				v += 2;
			} else
				strbuf_addch(&bytes, *v);
		}
		if (last)
			break;
	}
	if (sect > 0 || bytes.len > 0) {
		if (charset[0] != '\0')
			mime_convert(&out, charset, bytes.buf, bytes.len);
		else
			mime_add_raw(&out, bytes.buf, bytes.len);
		strbuf_release(&bytes);
		return (mime_no_nul(&out));
	}
	for (i = 0; i < n; i++) {
		if (p[i].name != NULL && p[i].value != NULL &&
		    strcasecmp(p[i].name, name) == 0)
			return (mime_decode_header(p[i].value,
			    strlen(p[i].value)));
	}
	return (NULL);
}

/* The file name of part M (filename, else name), or NULL. */
static char *
mime_filename(struct mailmime *m)
{
	struct mime_param params[64];
	size_t n, i;
	char *name;

	n = mime_params(m, params, sizeof params / sizeof params[0]);
	if ((name = mime_param_get(params, n, "filename")) == NULL)
		name = mime_param_get(params, n, "name");
	if (name == NULL)
		return (NULL);
	for (i = 0; name[i] != '\0'; i++) {
		if (name[i] == '\n' || name[i] == '\r' || name[i] == '\t')
			name[i] = ' ';
	}
	if (name[0] == '\0') {
		free(name);
		return (NULL);
	}
	return (name);
}

/* Append the fields a reader wants of the embedded message RAW. */
static void
mime_add_header_block(struct strbuf *sb, const char *raw, size_t len)
{
	static const struct {
		const char *field;
		const char *label;
	} fields[] = {
		{ "From", N_("From") },
		{ "To", N_("To") },
		{ "Cc", N_("Cc") },
		{ "Date", N_("Date") },
		{ "Subject", N_("Subject") },
	};
	size_t hlen, body, i;
	char *v;

	hlen = mime_header_block(raw, len, &body);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if ((v = mime_header_get(raw, hlen, fields[i].field)) == NULL)
			continue;
		strbuf_addf(sb, "%s: %s\n", _(fields[i].label), v);
		free(v);
	}
}

/*
 * Append the text a reader sees of M: the best alternative of an
 * alternative, the root of a related, every displayable part of any other
 * multipart in order, an embedded message after a small header block.
 * Returns whether anything was appended.
 */
static int
mime_render(struct strbuf *sb, struct mailmime *m, int depth)
{
	struct mailmime *c, *best = NULL;
	struct mailmime_data *d;
	enum mime_kind kind, bk = MIME_KIND_NONE;
	clistiter *it;
	int done = 0;

	if (depth > MIME_MAX_DEPTH)
		return (0);
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		if ((kind = mime_leaf_kind(m)) == MIME_KIND_NONE)
			return (0);
		if (sb->len > 0 && sb->buf[sb->len - 1] != '\n')
			strbuf_addch(sb, '\n');
		if (sb->len > 0)
			strbuf_addch(sb, '\n');
		mime_leaf_text(sb, m, kind);
		return (1);
	case MAILMIME_MESSAGE:
		if (sb->len > 0 && sb->buf[sb->len - 1] != '\n')
			strbuf_addch(sb, '\n');
		if (sb->len > 0)
			strbuf_addch(sb, '\n');
		strbuf_addf(sb, "%s\n", _("----- attached message -----"));
		d = m->mm_body;
		if (d != NULL && d->dt_type == MAILMIME_DATA_TEXT &&
		    d->dt_data.dt_text.dt_data != NULL)
			mime_add_header_block(sb, d->dt_data.dt_text.dt_data,
			    d->dt_data.dt_text.dt_length);
		if (m->mm_data.mm_message.mm_msg_mime != NULL)
			mime_render(sb, m->mm_data.mm_message.mm_msg_mime,
			    depth + 1);
		return (1);
	case MAILMIME_MULTIPLE:
		break;
	default:
		return (0);
	}
	if (mime_is_multipart(m, "alternative")) {
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it)) {
			c = clist_content(it);
			if ((kind = mime_rank(c, depth + 1)) > bk) {
				bk = kind;
				best = c;
			}
		}
		return (best != NULL ? mime_render(sb, best, depth + 1) : 0);
	}
	for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
	    it != NULL; it = clist_next(it)) {
		if (mime_render(sb, clist_content(it), depth + 1)) {
			done = 1;
			if (mime_is_multipart(m, "related") ||
			    mime_is_multipart(m, "signed"))
				break;
		}
	}
	return (done);
}

/* Append one line per leaf part of M: its type, name and size. */
static void
mime_list_parts(struct strbuf *sb, struct mailmime *m, int depth)
{
	struct strbuf type = STRBUF_INIT, size = STRBUF_INIT;
	struct strbuf body = STRBUF_INIT;
	clistiter *it;
	char *name;

	if (depth > MIME_MAX_DEPTH)
		return;
	if (m->mm_type == MAILMIME_MULTIPLE) {
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			mime_list_parts(sb, clist_content(it), depth + 1);
		return;
	}
	if (m->mm_type == MAILMIME_MESSAGE) {
		if (m->mm_data.mm_message.mm_msg_mime != NULL)
			mime_list_parts(sb, m->mm_data.mm_message.mm_msg_mime,
			    depth + 1);
		return;
	}
	if (m->mm_type != MAILMIME_SINGLE)
		return;
	mime_type_name(&type, m);
	mime_leaf_decode(&body, m);
	if (body.len < 1024)
		strbuf_addf(&size, _("%zu bytes"), body.len);
	else if (body.len < 1024 * 1024)
		strbuf_addf(&size, _("%zu KB"), (body.len + 1023) / 1024);
	else
		strbuf_addf(&size, _("%.1f MB"),
		    (double)body.len / (1024.0 * 1024.0));
	name = mime_filename(m);
	if (mime_is_attachment(m)) {
		if (name != NULL)
			strbuf_addf(sb, _("[%s attachment: %s, %s]"),
			    type.buf, name, size.buf);
		else
			strbuf_addf(sb, _("[%s attachment, %s]"), type.buf,
			    size.buf);
	} else {
		if (name != NULL)
			strbuf_addf(sb, _("[%s part: %s, %s]"), type.buf,
			    name, size.buf);
		else
			strbuf_addf(sb, _("[%s part, %s]"), type.buf,
			    size.buf);
	}
	strbuf_addch(sb, '\n');
	free(name);
	strbuf_release(&type);
	strbuf_release(&size);
	strbuf_release(&body);
}

/* The number of single parts under M. */
static int
mime_count_leaves(struct mailmime *m, int depth)
{
	clistiter *it;
	int n = 0;

	if (depth > MIME_MAX_DEPTH)
		return (0);
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		return (1);
	case MAILMIME_MESSAGE:
		if (m->mm_data.mm_message.mm_msg_mime != NULL)
			return (mime_count_leaves(
			    m->mm_data.mm_message.mm_msg_mime, depth + 1));
		return (0);
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			n += mime_count_leaves(clist_content(it), depth + 1);
		return (n);
	}
	return (0);
}

/* Whether SB holds only blanks and line ends. */
static int
mime_blank(const struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < sb->len; i++) {
		if (strchr(" \t\r\n", sb->buf[i]) == NULL || sb->buf[i] == '\0')
			return (0);
	}
	return (1);
}

/*
 * Copy for libetpan the MIME fields (Content-*, MIME-Version) of the header
 * block of RAW (HLEN bytes), an empty line and the body from BODY on.
 * libetpan's parser gives up on the first header field it cannot parse
 * (obsolete syntax, say) and then takes the rest of the header for the
 * body; our own reading of the header block decides where the body is.
 */
static void
mime_mime_copy(struct strbuf *sb, const char *raw, size_t hlen, size_t body,
    size_t len)
{
	const char *nl;
	size_t pos = 0, end;
	int keep = 0;

	strbuf_grow(sb, len - body + 256);
	while (pos < hlen) {
		nl = memchr(raw + pos, '\n', hlen - pos);
		end = nl != NULL ? (size_t)(nl - raw) + 1 : hlen;
		if (raw[pos] != ' ' && raw[pos] != '\t')
			keep = (end - pos > 8 && strncasecmp(raw + pos,
			    "content-", 8) == 0) || (end - pos > 12 &&
			    strncasecmp(raw + pos, "mime-version", 12) == 0);
		if (keep) {
			strbuf_add(sb, raw + pos, end - pos);
			if (raw[end - 1] != '\n')
				strbuf_addch(sb, '\n');
		}
		pos = end;
	}
	strbuf_addch(sb, '\n');
	strbuf_add(sb, raw + body, len - body);
}

int
mime_message_parse(const char *raw, size_t len, struct mime_message *msg_r)
{
	struct strbuf text = STRBUF_INIT, copy = STRBUF_INIT;
	struct mailmime *mime = NULL, *root;
	size_t skip, hlen, body, idx = 0;
	int ret = 0;

	memset(msg_r, 0, sizeof *msg_r);
	if (raw == NULL)
		len = 0;
	skip = mime_skip_from_line(raw, len);
	raw += skip;
	len -= skip;
	hlen = mime_header_block(raw, len, &body);
	msg_r->from = mime_header_get(raw, hlen, "From");
	msg_r->to = mime_header_get(raw, hlen, "To");
	msg_r->cc = mime_header_get(raw, hlen, "Cc");
	msg_r->date = mime_header_get(raw, hlen, "Date");
	msg_r->subject = mime_header_get(raw, hlen, "Subject");

	mime_mime_copy(&copy, raw, hlen, body, len);
	if (len == 0 || mailmime_parse(copy.buf, copy.len, &idx, &mime) !=
	    MAILIMF_NO_ERROR || mime == NULL) {
		/* Nothing to walk: show the bytes as they are. */
		mime_add_raw(&text, raw, len);
		mime_normalise_newlines(&text);
		ret = len == 0 ? 0 : -1;
		goto out;
	}
	root = mime;
	if (root->mm_type == MAILMIME_MESSAGE)
		root = root->mm_data.mm_message.mm_msg_mime;
	if (root != NULL) {
		msg_r->nparts = mime_count_leaves(root, 0);
		if (!mime_render(&text, root, 0) || mime_blank(&text)) {
			strbuf_reset(&text);
			mime_list_parts(&text, root, 0);
		}
	}
	if (text.len == 0 && msg_r->nparts == 0 && body < len) {
		/* No part at all (a multipart with no boundary in it). */
		mime_add_raw(&text, raw + body, len - body);
		mime_normalise_newlines(&text);
	}
	mailmime_free(mime);

out:
	strbuf_release(&copy);
	msg_r->text = strbuf_detach(&text, &msg_r->text_len);
	return (ret);
}

void
mime_message_release(struct mime_message *msg)
{
	free(msg->from);
	free(msg->to);
	free(msg->cc);
	free(msg->date);
	free(msg->subject);
	free(msg->text);
	memset(msg, 0, sizeof *msg);
}
