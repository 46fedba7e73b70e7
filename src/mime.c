/*
 * Reading a message: this file owns header decoding (RFC 2047 encoded words,
 * RFC 2231 parameters), transfer decoding (quoted-printable, base64),
 * charset conversion to UTF-8, date parsing, the choice of what text of a
 * MIME tree the pager shows (HTML through html.c or a caller's renderer),
 * format=flowed, and the list of parts for the attachment menu.
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
 * also reads iso-8859-1), UTF-8, and us-ascii (8-bit bytes under it taken
 * as UTF-8 when valid, else as windows-1252) are done here directly.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/mailmime.h>
#include <libetpan/mailmime_content.h>
#include <libetpan/mmapstring.h>

#include "compat.h"
#include "format.h"
#include "html.h"
#include "i18n.h"
#include "mime.h"
#include "strbuf.h"
#include "text.h"
#include "util.h"
#include "xmalloc.h"

/* How deep the pager text follows nested multiparts and messages. */
#define MIME_MAX_DEPTH 32
/* The longest encoded word looked for (RFC 2047 says 75; mailers lie). */
#define MIME_WORD_MAX 4096

enum mime_charset_kind {
	MIME_CS_ASCII,		/* no 8-bit: any that comes is mislabelled */
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

/*
 * Names of US-ASCII: 8-bit bytes under them are UTF-8 when they are valid
 * UTF-8 (the usual mislabelling), else windows-1252.
 */
static const char *mime_ascii_names[] = {
	"us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us", NULL
};

/* Names read as windows-1252. */
static const char *mime_cp1252_names[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1",
	"latin1", "latin-1", "l1", "windows-1252", "cp1252", "x-cp1252",
	"iso-ir-100", "cp819", "ibm819", "iso_8859-1:1987",
	"8859-1", "iso-8859-1:1987", NULL
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

/* The state of one rendering of a MIME tree. */
struct mime_render {
	struct strbuf *sb;
	const struct mime_options *o;
	int dry;		/* only mark what is shown, append nothing */
	int has_text;		/* a text a reader sees was appended */
	int last_attach;	/* the last thing appended was such a line */
	unsigned char *shown;	/* per part of the walk, or NULL */
	size_t nshown;
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
static int	mime_days_in_month(int, int);
static size_t	mime_skip_from_line(const char *, size_t);
static size_t	mime_header_block(const char *, size_t, size_t *);
static int	mime_header_attachment(const char *, size_t);
static char	*mime_header_get(const char *, size_t, const char *);
static void	mime_normalise_newlines(struct strbuf *);
static enum mime_kind mime_leaf_kind(struct mailmime *);
static int	mime_pref(enum mime_kind, const struct mime_options *);
static enum mime_kind mime_rank(struct mailmime *, int,
		    const struct mime_options *);
static int	mime_is_attachment(struct mailmime *);
static const char *mime_subtype(struct mailmime *);
static int	mime_is_multipart(struct mailmime *, const char *);
static void	mime_type_name(struct strbuf *, struct mailmime *);
static void	mime_data_decode(struct strbuf *, struct mailmime_data *);
static void	mime_leaf_decode(struct strbuf *, struct mailmime *);
static const char *mime_content_param(struct mailmime *, const char *);
static int	mime_html_charset(const char *, size_t, char *, size_t);
static void	mime_leaf_text(struct strbuf *, struct mailmime *,
		    enum mime_kind, const struct mime_options *);
static size_t	mime_params(struct mailmime *, struct mime_param *, size_t);
static int	mime_param_section(const struct mime_param *, size_t,
		    const char *, unsigned long, int *, int *);
static char	*mime_param_get(const struct mime_param *, size_t,
		    const char *);
static char	*mime_filename(struct mailmime *);
static const char *mime_header_label(const char *);
static void	mime_add_header_block(struct strbuf *, const char *, size_t,
		    const struct mime_options *);
static size_t	mime_count_parts(struct mailmime *, int);
static void	mime_message_data(struct strbuf *, struct mailmime *);
static void	mime_part_bytes(struct strbuf *, struct mailmime *);
static size_t	mime_part_size(struct mailmime *);
static void	mime_separate(struct strbuf *, int);
static void	mime_attach_line(struct mime_render *, struct mailmime *,
		    size_t);
static void	mime_attach_only(struct mime_render *, struct mailmime *,
		    int, size_t);
static void	mime_mark_shown(struct mime_render *, size_t);
static int	mime_render(struct mime_render *, struct mailmime *, int,
		    size_t);
static void	mime_list_parts(struct strbuf *, struct mailmime *, int);
static int	mime_count_leaves(struct mailmime *, int);
static void	mime_mime_copy(struct strbuf *, const char *, size_t, size_t,
		    size_t);
static int	mime_tree(const char *, size_t, struct strbuf *,
		    struct mailmime **, struct mailmime **);
static enum mime_disposition mime_disposition(struct mailmime *);
static char	*mime_description(struct mailmime *);
static void	mime_parts_fill(struct mailmime *, int, struct mime_part *,
		    size_t, size_t *);
static struct mailmime *mime_part_find(struct mailmime *, int, size_t,
		    size_t *);

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
		return (MIME_CS_ASCII);
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
		return (MIME_CS_ASCII);
	for (i = 0; mime_ascii_names[i] != NULL; i++) {
		if (strcmp(name, mime_ascii_names[i]) == 0)
			return (MIME_CS_ASCII);
	}
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
	case MIME_CS_ASCII:
		mime_add_raw(sb, s, len);
		break;
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
		if (i + 2 < len && (hi = util_hex_digit((unsigned char)s[i + 1]))
		    != -1 && (lo = util_hex_digit((unsigned char)s[i + 2])) != -1) {
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
	days = util_days_from_civil(year, mon + 1, day);
	t = days * 86400 + hour * 3600 + min * 60 + sec - (int64_t)zone * 60;
	if ((int64_t)(time_t)t != t)
		return (-1);
	return ((time_t)t);
}

/* Whether the header block HDR (LEN bytes) says MIME_ATTACHMENT_TYPE. */
static int
mime_header_attachment(const char *hdr, size_t len)
{
	char *ct;
	int yes;

	ct = mime_header_value(hdr, len, "Content-Type");
	yes = ct != NULL && strcasestr(ct, MIME_ATTACHMENT_TYPE) != NULL;
	free(ct);
	return (yes);
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

/* How much a reader wants KIND: text/plain first unless O prefers HTML. */
static int
mime_pref(enum mime_kind kind, const struct mime_options *o)
{
	if (o->prefer_html && kind == MIME_KIND_HTML)
		return (MIME_KIND_PLAIN + 1);
	return ((int)kind);
}

/* The kind of text that rendering M would show, the most wanted first. */
static enum mime_kind
mime_rank(struct mailmime *m, int depth, const struct mime_options *o)
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
			k = mime_rank(clist_content(it), depth + 1, o);
			if (mime_pref(k, o) > mime_pref(best, o))
				best = k;
		}
		return (best);
	}
	return (MIME_KIND_NONE);
}

/* Append the bytes of D with its transfer encoding undone. */
static void
mime_data_decode(struct strbuf *sb, struct mailmime_data *d)
{
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

/* Append the body of single part M with its transfer encoding undone. */
static void
mime_leaf_decode(struct strbuf *sb, struct mailmime *m)
{
	mime_data_decode(sb, m->mm_data.mm_single);
}

/* The Content-Type parameter NAME of M, or NULL. */
static const char *
mime_content_param(struct mailmime *m, const char *name)
{
	if (m->mm_content_type == NULL)
		return (NULL);
	return (mailmime_content_param_get(m->mm_content_type, (char *)name));
}

/*
 * The charset an HTML document S (LEN bytes) declares in a meta element
 * near its start, into BUF; 0 if found.
 */
static int
mime_html_charset(const char *s, size_t len, char *buf, size_t size)
{
	static const char key[] = "charset=";
	size_t i, n;

	if (len > 4096)
		len = 4096;
	for (i = 0; i + sizeof key - 1 < len; i++) {
		if (strncasecmp(s + i, key, sizeof key - 1) != 0)
			continue;
		i += sizeof key - 1;
		while (i < len && (s[i] == '"' || s[i] == '\'' || s[i] == ' '))
			i++;
		for (n = 0; i + n < len && n + 1 < size &&
		    (isalnum((unsigned char)s[i + n]) ||
		    strchr("-_.:", s[i + n]) != NULL) && s[i + n] != '\0'; n++)
			buf[n] = s[i + n];
		buf[n] = '\0';
		return (n > 0 ? 0 : -1);
	}
	return (-1);
}

/* Append the text of single part M, shown as KIND. */
static void
mime_leaf_text(struct strbuf *sb, struct mailmime *m, enum mime_kind kind,
    const struct mime_options *o)
{
	struct strbuf raw = STRBUF_INIT, utf8 = STRBUF_INIT;
	const char *cs, *fmt, *delsp;
	char sniffed[48], *out;
	size_t olen = 0;

	mime_leaf_decode(&raw, m);
	cs = mime_content_param(m, "charset");
	if ((cs == NULL || *cs == '\0') && kind == MIME_KIND_HTML &&
	    mime_html_charset(raw.buf, raw.len, sniffed, sizeof sniffed) == 0)
		cs = sniffed;
	if (cs == NULL || *cs == '\0')
		mime_add_raw(&utf8, raw.buf, raw.len);
	else
		mime_convert(&utf8, cs, raw.buf, raw.len);
	mime_normalise_newlines(&utf8);
	if (kind == MIME_KIND_HTML) {
		out = NULL;
		if (o->html_render != NULL)
			out = o->html_render(o->html_arg, utf8.buf, utf8.len,
			    &olen);
		if (out != NULL) {
			strbuf_reset(&raw);
			mime_add_utf8(&raw, out, olen);
			mime_normalise_newlines(&raw);
			strbuf_add(sb, raw.buf, raw.len);
		} else {
			out = html_to_text(utf8.buf, utf8.len, 0, &olen);
			strbuf_add(sb, out, olen);
		}
		free(out);
	} else if (kind == MIME_KIND_PLAIN && o->reflow &&
	    (fmt = mime_content_param(m, "format")) != NULL &&
	    strcasecmp(fmt, "flowed") == 0) {
		delsp = mime_content_param(m, "delsp");
		mime_flowed_decode(sb, utf8.buf, utf8.len, delsp != NULL &&
		    strcasecmp(delsp, "yes") == 0);
	} else
		strbuf_add(sb, utf8.buf, utf8.len);
	strbuf_release(&raw);
	strbuf_release(&utf8);
}

void
mime_flowed_decode(struct strbuf *sb, const char *s, size_t len, int delsp)
{
	const char *nl, *line, *text;
	size_t pos = 0, next, n, tn, depth, i;
	size_t pdepth = 0;
	int open = 0, sig, flowed;

	while (pos < len) {
		line = s + pos;
		nl = memchr(line, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - line) : len - pos;
		next = nl != NULL ? pos + n + 1 : len;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		for (depth = 0; depth < n && line[depth] == '>'; depth++)
			;
		i = depth;
		if (i < n && line[i] == ' ')
			i++;	/* space-stuffing */
		text = line + i;
		tn = n - i;
		sig = tn == 3 && memcmp(text, "-- ", 3) == 0;
		flowed = !sig && tn > 0 && text[tn - 1] == ' ';
		if (open && (depth != pdepth || sig)) {
			strbuf_addch(sb, '\n');
			open = 0;
		}
		if (!open && depth > 0) {
			for (i = 0; i < depth; i++)
				strbuf_addch(sb, '>');
			strbuf_addch(sb, ' ');
		}
		if (flowed && delsp)
			tn--;
		strbuf_add(sb, text, tn);
		if (flowed) {
			open = 1;
			pdepth = depth;
		} else {
			strbuf_addch(sb, '\n');
			open = 0;
		}
		pos = next;
	}
	if (open)
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
			if (encoded && v[0] == '%' && (hi = util_hex_digit(
			    (unsigned char)v[1])) != -1 && (lo = util_hex_digit(
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


/* The header fields shown when the options name none. */
static const char *const mime_default_headers[] = {
	"From", "To", "Cc", "Date", "Subject", NULL
};

/* The label of header NAME: translated for the usual ones. */
static const char *
mime_header_label(const char *name)
{
	static const char *usual[] = {
		N_("From"), N_("To"), N_("Cc"), N_("Date"), N_("Subject")
	};
	size_t i;

	for (i = 0; i < sizeof usual / sizeof usual[0]; i++) {
		if (strcasecmp(name, usual[i]) == 0)
			return (_(usual[i]));
	}
	return (name);
}

/* Append the fields a reader wants (O's list) of the embedded RAW. */
static void
mime_add_header_block(struct strbuf *sb, const char *raw, size_t len,
    const struct mime_options *o)
{
	const char *const *list;
	size_t hlen, body, i;
	char *v;

	list = o->headers != NULL ? o->headers : mime_default_headers;
	hlen = mime_header_block(raw, len, &body);
	for (i = 0; list[i] != NULL; i++) {
		if ((v = mime_header_get(raw, hlen, list[i])) == NULL)
			continue;
		strbuf_addf(sb, "%s: %s\n", mime_header_label(list[i]), v);
		free(v);
	}
}

/* The number of parts of the walk under and including M. */
static size_t
mime_count_parts(struct mailmime *m, int depth)
{
	clistiter *it;
	size_t n = 1;

	if (depth > MIME_MAX_DEPTH)
		return (0);
	if (m->mm_type == MAILMIME_MULTIPLE) {
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			n += mime_count_parts(clist_content(it), depth + 1);
	} else if (m->mm_type == MAILMIME_MESSAGE &&
	    m->mm_data.mm_message.mm_msg_mime != NULL)
		n += mime_count_parts(m->mm_data.mm_message.mm_msg_mime,
		    depth + 1);
	return (n);
}

/*
 * Append the whole text of the embedded message M. The part of a digest
 * that has no header of its own is the exception: libetpan reads the
 * message's header as the part's and leaves only its body in mm_body,
 * but the part's extent is the whole message then.
 */
static void
mime_message_data(struct strbuf *sb, struct mailmime *m)
{
	struct mailmime_data *d = m->mm_body;
	size_t body;

	if (d != NULL && d->dt_type == MAILMIME_DATA_TEXT &&
	    d->dt_data.dt_text.dt_data != NULL && (m->mm_mime_start == NULL ||
	    mime_header_block(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &body) > 0)) {
		mime_data_decode(sb, d);
		return;
	}
	if (m->mm_mime_start != NULL)
		strbuf_add(sb, m->mm_mime_start, m->mm_length);
}

/* The bytes of part M: see mime_part_data(). */
static void
mime_part_bytes(struct strbuf *sb, struct mailmime *m)
{
	if (m->mm_type == MAILMIME_SINGLE)
		mime_leaf_decode(sb, m);
	else if (m->mm_type == MAILMIME_MESSAGE)
		mime_message_data(sb, m);
	else
		mime_data_decode(sb, m->mm_body);
}

/* The decoded size of part M. */
static size_t
mime_part_size(struct mailmime *m)
{
	struct strbuf body = STRBUF_INIT;
	size_t n;

	mime_part_bytes(&body, m);
	n = body.len;
	strbuf_release(&body);
	return (n);
}

/* End the line of SB; with BLANK also leave an empty line (not first). */
static void
mime_separate(struct strbuf *sb, int blank)
{
	if (sb->len > 0 && sb->buf[sb->len - 1] != '\n')
		strbuf_addch(sb, '\n');
	if (blank && sb->len > 0)
		strbuf_addch(sb, '\n');
}

/* Append the "[-- Attachment #N ... --]" line of part M (INDEX). */
static void
mime_attach_line(struct mime_render *r, struct mailmime *m, size_t index)
{
	struct strbuf type = STRBUF_INIT, size = STRBUF_INIT;
	char *name;

	if (r->dry || r->o->attach_lines == MIME_ATTACH_NONE)
		return;
	name = mime_filename(m);
	if (r->o->attach_lines == MIME_ATTACH_NAMED && name == NULL &&
	    !mime_is_attachment(m))
		goto out;
	mime_type_name(&type, m);
	format_size(&size, (int64_t)mime_part_size(m));
	mime_separate(r->sb, !r->last_attach);
	if (name != NULL)
		strbuf_addf(r->sb, _("[-- Attachment #%zu: %s (%s, %s) --]"),
		    index + 1, name, type.buf, size.buf);
	else
		strbuf_addf(r->sb, _("[-- Attachment #%zu: %s, %s --]"),
		    index + 1, type.buf, size.buf);
	strbuf_addch(r->sb, '\n');
	r->last_attach = 1;
out:
	free(name);
	strbuf_release(&type);
	strbuf_release(&size);
}

/* Append the attachment lines of M (INDEX) and all under it. */
static void
mime_attach_only(struct mime_render *r, struct mailmime *m, int depth,
    size_t index)
{
	clistiter *it;
	size_t idx = index + 1;

	if (depth > MIME_MAX_DEPTH)
		return;
	if (m->mm_type != MAILMIME_MULTIPLE) {
		mime_attach_line(r, m, index);
		return;
	}
	for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list); it != NULL;
	    it = clist_next(it)) {
		mime_attach_only(r, clist_content(it), depth + 1, idx);
		idx += mime_count_parts(clist_content(it), depth + 1);
	}
}

/* Note that part INDEX is shown as text. */
static void
mime_mark_shown(struct mime_render *r, size_t index)
{
	if (r->shown != NULL && index < r->nshown)
		r->shown[index] = 1;
}

/*
 * Append the text a reader sees of M (part INDEX of the walk): the best
 * alternative of an alternative, the root of a related or a signed, every
 * displayable part of any other multipart in order, an embedded message
 * after a small header block; an attachment line for each other part.
 * Returns whether any text part was appended.
 */
static int
mime_render(struct mime_render *r, struct mailmime *m, int depth,
    size_t index)
{
	struct strbuf msg = STRBUF_INIT;
	struct mailmime *c, *best = NULL;
	enum mime_kind kind, bk = MIME_KIND_NONE;
	clistiter *it;
	size_t idx, bidx = 0, start;
	int done = 0, first_only;

	if (depth > MIME_MAX_DEPTH)
		return (0);
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		if ((kind = mime_leaf_kind(m)) == MIME_KIND_NONE) {
			mime_attach_line(r, m, index);
			return (0);
		}
		mime_mark_shown(r, index);
		if (r->dry) {
			r->has_text = 1;
			return (1);
		}
		mime_separate(r->sb, 1);
		start = r->sb->len;
		mime_leaf_text(r->sb, m, kind, r->o);
		for (; start < r->sb->len; start++) {
			if (strchr(" \t\r\n", r->sb->buf[start]) == NULL ||
			    r->sb->buf[start] == '\0') {
				r->has_text = 1;
				break;
			}
		}
		r->last_attach = 0;
		return (1);
	case MAILMIME_MESSAGE:
		mime_mark_shown(r, index);
		r->has_text = 1;
		if (!r->dry) {
			mime_separate(r->sb, 1);
			strbuf_addf(r->sb, "%s\n",
			    _("----- attached message -----"));
			mime_message_data(&msg, m);
			mime_add_header_block(r->sb, msg.buf, msg.len, r->o);
			strbuf_release(&msg);
			r->last_attach = 0;
		}
		if (m->mm_data.mm_message.mm_msg_mime != NULL)
			mime_render(r, m->mm_data.mm_message.mm_msg_mime,
			    depth + 1, index + 1);
		return (1);
	case MAILMIME_MULTIPLE:
		break;
	default:
		return (0);
	}
	mime_mark_shown(r, index);
	if (mime_is_multipart(m, "alternative")) {
		idx = index + 1;
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it)) {
			c = clist_content(it);
			kind = mime_rank(c, depth + 1, r->o);
			if (mime_pref(kind, r->o) > mime_pref(bk, r->o)) {
				bk = kind;
				best = c;
				bidx = idx;
			}
			idx += mime_count_parts(c, depth + 1);
		}
		return (best != NULL ? mime_render(r, best, depth + 1, bidx) :
		    0);
	}
	first_only = mime_is_multipart(m, "related") ||
	    mime_is_multipart(m, "signed");
	idx = index + 1;
	for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
	    it != NULL; it = clist_next(it)) {
		c = clist_content(it);
		if (first_only && done)
			mime_attach_only(r, c, depth + 1, idx);
		else if (mime_render(r, c, depth + 1, idx))
			done = 1;
		idx += mime_count_parts(c, depth + 1);
	}
	return (done);
}

/* Append one line per leaf part of M: its type, name and size. */
static void
mime_list_parts(struct strbuf *sb, struct mailmime *m, int depth)
{
	struct strbuf type = STRBUF_INIT, size = STRBUF_INIT;
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
	format_size(&size, (int64_t)mime_part_size(m));
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

/*
 * Parse the MIME structure of RAW (LEN bytes, after any mbox From_ line):
 * the buffer libetpan reads goes in COPY (keep it while the tree lives),
 * the tree in *MIME_R (mailmime_free() it) and the body's root part in
 * *ROOT_R. Returns -1 when there is no tree.
 */
static int
mime_tree(const char *raw, size_t len, struct strbuf *copy,
    struct mailmime **mime_r, struct mailmime **root_r)
{
	size_t hlen, body, idx = 0;

	*mime_r = *root_r = NULL;
	hlen = mime_header_block(raw, len, &body);
	mime_mime_copy(copy, raw, hlen, body, len);
	if (len == 0 || mailmime_parse(copy->buf, copy->len, &idx, mime_r) !=
	    MAILIMF_NO_ERROR || *mime_r == NULL) {
		*mime_r = NULL;
		return (-1);
	}
	*root_r = *mime_r;
	if ((*root_r)->mm_type == MAILMIME_MESSAGE)
		*root_r = (*root_r)->mm_data.mm_message.mm_msg_mime;
	return (0);
}

void
mime_options_init(struct mime_options *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->reflow = 1;
	opts->attach_lines = MIME_ATTACH_NAMED;
}

int
mime_message_parse(const char *raw, size_t len, struct mime_message *msg_r)
{
	return (mime_message_parse_opts(raw, len, NULL, msg_r));
}

int
mime_message_parse_opts(const char *raw, size_t len,
    const struct mime_options *opts, struct mime_message *msg_r)
{
	struct strbuf text = STRBUF_INIT, copy = STRBUF_INIT;
	struct mime_options defaults;
	struct mime_render r;
	struct mailmime *mime = NULL, *root;
	const char *const *list;
	size_t skip, hlen, body, i;
	char *v;
	int ret = 0;

	memset(msg_r, 0, sizeof *msg_r);
	if (opts == NULL) {
		mime_options_init(&defaults);
		opts = &defaults;
	}
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
	msg_r->has_attachment = mime_header_attachment(raw, hlen);
	list = opts->headers != NULL ? opts->headers : mime_default_headers;
	for (i = 0; list[i] != NULL; i++) {
		if ((v = mime_header_get(raw, hlen, list[i])) == NULL)
			continue;
		msg_r->headers = xreallocarray(msg_r->headers,
		    msg_r->nheaders + 1, sizeof *msg_r->headers);
		msg_r->headers[msg_r->nheaders].name = xstrdup(list[i]);
		msg_r->headers[msg_r->nheaders++].value = v;
	}

	if (mime_tree(raw, len, &copy, &mime, &root) != 0) {
		/* Nothing to walk: show the bytes as they are. */
		mime_add_raw(&text, raw, len);
		mime_normalise_newlines(&text);
		ret = len == 0 ? 0 : -1;
		goto out;
	}
	if (root != NULL) {
		memset(&r, 0, sizeof r);
		r.sb = &text;
		r.o = opts;
		msg_r->nparts = mime_count_leaves(root, 0);
		mime_render(&r, root, 0, 0);
		if (!r.has_text) {
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
	size_t i;

	free(msg->from);
	free(msg->to);
	free(msg->cc);
	free(msg->date);
	free(msg->subject);
	free(msg->text);
	for (i = 0; i < msg->nheaders; i++) {
		free(msg->headers[i].name);
		free(msg->headers[i].value);
	}
	free(msg->headers);
	memset(msg, 0, sizeof *msg);
}

/* The disposition of part M. */
static enum mime_disposition
mime_disposition(struct mailmime *m)
{
	struct mailmime_field *f;
	clistiter *it;

	if (m->mm_mime_fields == NULL)
		return (MIME_DISP_NONE);
	for (it = clist_begin(m->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type != MAILMIME_FIELD_DISPOSITION ||
		    f->fld_data.fld_disposition == NULL ||
		    f->fld_data.fld_disposition->dsp_type == NULL)
			continue;
		return (f->fld_data.fld_disposition->dsp_type->dsp_type ==
		    MAILMIME_DISPOSITION_TYPE_ATTACHMENT ?
		    MIME_DISP_ATTACHMENT : MIME_DISP_INLINE);
	}
	return (MIME_DISP_NONE);
}

/* The decoded Content-Description of part M, or NULL. */
static char *
mime_description(struct mailmime *m)
{
	struct mailmime_field *f;
	clistiter *it;
	const char *d;

	if (m->mm_mime_fields == NULL)
		return (NULL);
	for (it = clist_begin(m->mm_mime_fields->fld_list); it != NULL;
	    it = clist_next(it)) {
		f = clist_content(it);
		if (f->fld_type != MAILMIME_FIELD_DESCRIPTION ||
		    (d = f->fld_data.fld_description) == NULL)
			continue;
		return (mime_decode_header(d, strlen(d)));
	}
	return (NULL);
}

/* Fill the parts of the walk from M (at depth DEPTH) on, from *I. */
static void
mime_parts_fill(struct mailmime *m, int depth, struct mime_part *parts,
    size_t n, size_t *i)
{
	struct strbuf type = STRBUF_INIT;
	struct mime_part *p;
	const char *cs;
	clistiter *it;

	if (depth > MIME_MAX_DEPTH || *i >= n)
		return;
	p = &parts[*i];
	p->index = (*i)++;
	p->depth = depth;
	mime_type_name(&type, m);
	p->type = strbuf_detach(&type, NULL);
	if ((cs = mime_content_param(m, "charset")) != NULL)
		p->charset = mime_decode_header(cs, strlen(cs));
	p->filename = mime_filename(m);
	p->description = mime_description(m);
	p->size = mime_part_size(m);
	p->disposition = mime_disposition(m);
	p->container = m->mm_type != MAILMIME_SINGLE;
	if (m->mm_type == MAILMIME_MULTIPLE) {
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			mime_parts_fill(clist_content(it), depth + 1, parts, n,
			    i);
	} else if (m->mm_type == MAILMIME_MESSAGE &&
	    m->mm_data.mm_message.mm_msg_mime != NULL)
		mime_parts_fill(m->mm_data.mm_message.mm_msg_mime, depth + 1,
		    parts, n, i);
}

int
mime_parts(const char *raw, size_t len, struct mime_part **parts_r,
    size_t *n_r)
{
	struct strbuf copy = STRBUF_INIT, scratch = STRBUF_INIT;
	struct mime_options defaults;
	struct mime_render r;
	struct mailmime *mime, *root;
	struct mime_part *parts = NULL;
	size_t skip, n = 0, i = 0;
	int ret = -1;

	*parts_r = NULL;
	*n_r = 0;
	if (raw == NULL)
		len = 0;
	skip = mime_skip_from_line(raw, len);
	if (mime_tree(raw + skip, len - skip, &copy, &mime, &root) != 0)
		goto out;
	if (root != NULL && (n = mime_count_parts(root, 0)) > 0) {
		parts = xcalloc(n, sizeof *parts);
		mime_parts_fill(root, 0, parts, n, &i);
		mime_options_init(&defaults);
		memset(&r, 0, sizeof r);
		r.sb = &scratch;
		r.o = &defaults;
		r.dry = 1;
		r.shown = xcalloc(n, 1);
		r.nshown = n;
		mime_render(&r, root, 0, 0);
		for (i = 0; i < n; i++)
			parts[i].shown = r.shown[i] && !parts[i].container;
		free(r.shown);
	}
	mailmime_free(mime);
	*parts_r = parts;
	*n_r = n;
	ret = 0;
out:
	strbuf_release(&copy);
	strbuf_release(&scratch);
	return (ret);
}

void
mime_parts_free(struct mime_part *parts, size_t n)
{
	size_t i;

	if (parts == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(parts[i].type);
		free(parts[i].charset);
		free(parts[i].filename);
		free(parts[i].description);
	}
	free(parts);
}

/* The part at place WANT of the walk from M (place *I), or NULL. */
static struct mailmime *
mime_part_find(struct mailmime *m, int depth, size_t want, size_t *i)
{
	struct mailmime *found;
	clistiter *it;

	if (depth > MIME_MAX_DEPTH)
		return (NULL);
	if ((*i)++ == want)
		return (m);
	if (m->mm_type == MAILMIME_MULTIPLE) {
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it)) {
			found = mime_part_find(clist_content(it), depth + 1,
			    want, i);
			if (found != NULL)
				return (found);
		}
	} else if (m->mm_type == MAILMIME_MESSAGE &&
	    m->mm_data.mm_message.mm_msg_mime != NULL)
		return (mime_part_find(m->mm_data.mm_message.mm_msg_mime,
		    depth + 1, want, i));
	return (NULL);
}

int
mime_part_data(const char *raw, size_t len, size_t index, char **data_r,
    size_t *len_r)
{
	struct strbuf copy = STRBUF_INIT, data = STRBUF_INIT;
	struct mailmime *mime, *root, *m;
	size_t skip, i = 0;
	int ret = -1;

	*data_r = NULL;
	*len_r = 0;
	if (raw == NULL)
		len = 0;
	skip = mime_skip_from_line(raw, len);
	if (mime_tree(raw + skip, len - skip, &copy, &mime, &root) != 0)
		goto out;
	if (root != NULL && (m = mime_part_find(root, 0, index, &i)) != NULL) {
		mime_part_bytes(&data, m);
		/* Always allocated, even when empty. */
		strbuf_grow(&data, 1);
		*data_r = strbuf_detach(&data, len_r);
		ret = 0;
	}
	mailmime_free(mime);
out:
	strbuf_release(&copy);
	strbuf_release(&data);
	return (ret);
}

char *
mime_header_value(const char *hdr, size_t len, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	size_t nlen = strlen(name), i = 0;
	int found = 0;

	while (i < len) {
		size_t eol = i, end;

		while (eol < len && hdr[eol] != '\n')
			eol++;
		end = eol > i && hdr[eol - 1] == '\r' ? eol - 1 : eol;
		if (found && (hdr[i] == ' ' || hdr[i] == '\t')) {
			/* Unfold, one space for the fold's white space. */
			size_t j = i;

			while (j < end && (hdr[j] == ' ' || hdr[j] == '\t'))
				j++;
			strbuf_addch(&sb, ' ');
			strbuf_add(&sb, hdr + j, end - j);
		} else if (found) {
			break;
		} else if (end - i > nlen && hdr[i + nlen] == ':' &&
		    strncasecmp(hdr + i, name, nlen) == 0) {
			found = 1;
			strbuf_add(&sb, hdr + i + nlen + 1, end - i - nlen - 1);
		}
		i = eol + 1;
	}
	if (found) {
		const char *s = sb.buf;
		size_t n = sb.len;

		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n > 0) {
			char *v = xstrndup(s, n);

			strbuf_release(&sb);
			return v;
		}
	}
	strbuf_release(&sb);
	return NULL;
}
