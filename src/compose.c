/*
 * Writing mail, the pure part (see compose.h): drafts, the editor's
 * file, address lists, the drafts of replies and forwards made from an
 * original, and the bytes of a message built from a draft or handed in
 * whole (tern send).
 *
 * Address lists are parsed here, not by libetpan: its
 * mailimf_address_list_parse() takes "a@b c@d" for the one address
 * "a@bc@d", "x <a b@c>" for "ab@c" and "foo" for an address, and stops
 * without an error at ", ,", so that a typing mistake would send mail
 * somewhere else. The parser below is RFC 5322's address-list with UTF-8
 * (RFC 6532) in names and addresses, groups flattened, comments skipped,
 * and it refuses what it cannot read, naming the address.
 *
 * A message is built with libetpan's MIME tree and writer
 * (mailmime_write_mem) for its structure and the base64 of attachments,
 * with these parts done here because libetpan does them wrong or leaks:
 * the RFC 5322 header block (libetpan writes raw UTF-8 in names and
 * subjects, folds only at its own atoms, and writes Bcc), RFC 2047
 * encoded words, RFC 2231 file names (its parameter writer quotes every
 * value, and an extended value must not be quoted: the disposition is
 * written as an extension type), the Message-ID and the boundaries
 * (libetpan's come from random() and the host name; mailmime_new_empty()
 * adds its own boundary even when there is one, so multiparts are made
 * with mailmime_new()), and quoted-printable (libetpan's encodes every
 * 'F' and most punctuation).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif

#include <libetpan/mailmime.h>
#include <libetpan/mmapstring.h>
#include <magic.h>

#include "compat.h"
#include "compose.h"
#include "i18n.h"
#include "mime.h"
#include "strbuf.h"
#include "util.h"
#include "xmalloc.h"

/* Header lines are folded before this column. */
#define COMPOSE_FOLD 78
/* An encoded word is at most this long (RFC 2047 section 2). */
#define COMPOSE_WORD_MAX 75
/* The longest address (RFC 5321's path less its brackets). */
#define COMPOSE_ADDR_MAX 254
/* Names longer than this are sent as encoded words, which can fold. */
#define COMPOSE_NAME_PLAIN_MAX 70
/* What an error shows of the text it names. */
#define COMPOSE_SHOW_MAX 60
/* The most message ids References keeps: the first and the last ones. */
#define COMPOSE_REFS_MAX 20
/* The longest message id kept from an original. */
#define COMPOSE_MSGID_MAX 250
/* A signature file is no larger. */
#define COMPOSE_SIG_MAX (64 * 1024)
/* An attachment is no larger. */
#define COMPOSE_ATTACH_MAX (64 * 1024 * 1024)
/* format=flowed lines are wrapped at this width, when over the fold. */
#define COMPOSE_FLOW_WIDTH 72

/* One address: its display name (UTF-8, decoded) and its addr-spec. */
struct compose_mbox {
	char *name;		/* or NULL */
	char *addr;
};

struct compose_mboxes {
	struct compose_mbox *v;
	size_t n, alloc;
};

/* The state of the address parser over one list. */
struct compose_parser {
	const char *s;
	size_t len, pos;
	char *err;
};

/* A header field being written: its bytes and the current column. */
struct compose_hdr {
	struct strbuf *sb;
	size_t col;
	size_t start;		/* the column after "Name: " */
};

/* The known lines of the editor's file. */
enum compose_field {
	CF_FROM,
	CF_TO,
	CF_CC,
	CF_BCC,
	CF_REPLY_TO,
	CF_SUBJECT,
	CF_ATTACH,
	CF_COUNT
};

static const char *const compose_field_names[CF_COUNT] = {
	"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Attach"
};

static void	compose_mboxes_add(struct compose_mboxes *, char *, char *);
static void	compose_mboxes_free(struct compose_mboxes *);
static int	compose_mbox_same(const char *, const char *);
static int	compose_mbox_find(const struct compose_mboxes *, const char *);
static char	*compose_show(const char *, size_t);
static int	compose_atext(int);
static int	compose_skip_cfws(struct compose_parser *, struct strbuf *);
static int	compose_word(struct compose_parser *, struct strbuf *);
static int	compose_dot_atom(struct compose_parser *, int);
static int	compose_addr_spec(struct compose_parser *, char **);
static int	compose_entry(struct compose_parser *, struct compose_mboxes *,
		    int);
static int	compose_list(struct compose_parser *, struct compose_mboxes *,
		    int);
static int	compose_parse(const char *, struct compose_mboxes *, char **);
static char	*compose_clean(const char *);
static void	compose_mbox_text(struct strbuf *, const struct compose_mbox *);
static char	*compose_mboxes_text(const struct compose_mboxes *);
static void	compose_hdr_start(struct compose_hdr *, struct strbuf *,
		    const char *);
static void	compose_hdr_token(struct compose_hdr *, const char *,
		    const char *, size_t);
static void	compose_hdr_encoded(struct compose_hdr *, const char *,
		    const char *, size_t);
static void	compose_hdr_text(struct compose_hdr *, const char *);
static void	compose_hdr_mboxes(struct compose_hdr *,
		    const struct compose_mboxes *);
static void	compose_hdr_end(struct compose_hdr *);
static int	compose_random(unsigned char *, size_t);
static int	compose_random_token(char *, size_t);
static void	compose_date(struct strbuf *, time_t);
static char	*compose_message_id(const char *, char **);
static void	compose_qp(struct strbuf *, const char *, size_t);
static void	compose_flowed(struct strbuf *, const char *, size_t);
static int	compose_header_block(const char *, size_t, size_t *,
		    size_t *, size_t *);
static char	*compose_strip_prefixes(const char *, int);
static char	*compose_first_id(const char *);
static char	*compose_references(const char *, const char *,
		    const char *);
static void	compose_quote(struct strbuf *, const char *, size_t);
static void	compose_attribution(struct strbuf *, const char *,
		    const char *, const char *, const char *, const char *);
static void	compose_signature(struct strbuf *, const char *);
static int	compose_utf8_len(const unsigned char *, size_t);
static int	compose_q_plain(unsigned char);

/* -- drafts --------------------------------------------------------------- */

/* Initialise an empty draft. */
void
draft_init(struct draft *d)
{
	memset(d, 0, sizeof *d);
}

/* Free what D holds and leave it empty. */
void
draft_release(struct draft *d)
{
	size_t i;

	free(d->from);
	free(d->to);
	free(d->cc);
	free(d->bcc);
	free(d->reply_to);
	free(d->subject);
	free(d->in_reply_to);
	free(d->references);
	free(d->body);
	for (i = 0; i < d->nattach; i++) {
		free(d->attach[i].path);
		free(d->attach[i].type);
	}
	free(d->attach);
	free(d->forward_raw);
	draft_init(d);
}

/* Add PATH (of TYPE, or NULL) to D's attachments. */
void
draft_attach(struct draft *d, const char *path, const char *type)
{
	d->attach = xreallocarray(d->attach, d->nattach + 1,
	    sizeof *d->attach);
	d->attach[d->nattach].path = xstrdup(path);
	d->attach[d->nattach].type = xstrdup(type);
	d->nattach++;
}

/* Take attachment I out of D. */
void
draft_detach(struct draft *d, size_t i)
{
	if (i >= d->nattach)
		return;
	free(d->attach[i].path);
	free(d->attach[i].type);
	memmove(&d->attach[i], &d->attach[i + 1],
	    (d->nattach - i - 1) * sizeof *d->attach);
	d->nattach--;
}

/* Free what OUT holds and leave it empty. */
void
compose_out_release(struct compose_out *out)
{
	free(out->data);
	free(out->message_id);
	free(out->env_from);
	util_strv_free(out->rcpts, out->nrcpt);
	util_strv_free(out->rcpt_names, out->nrcpt);
	free(out->bcc);
	free(out->subject);
	free(out->to);
	memset(out, 0, sizeof *out);
}

/* -- addresses ------------------------------------------------------------ */

static void
compose_mboxes_add(struct compose_mboxes *l, char *name, char *addr)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc == 0 ? 4 : l->alloc * 2;
		l->v = xreallocarray(l->v, l->alloc, sizeof *l->v);
	}
	l->v[l->n].name = name;
	l->v[l->n].addr = addr;
	l->n++;
}

static void
compose_mboxes_free(struct compose_mboxes *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].addr);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

/*
 * Whether addr-specs A and B are the same mailbox: the local parts
 * alike, the domains alike in any case.
 */
static int
compose_mbox_same(const char *a, const char *b)
{
	const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');

	if (at_a == NULL || at_b == NULL)
		return (strcasecmp(a, b) == 0);
	if (at_a - a != at_b - b || memcmp(a, b, (size_t)(at_a - a)) != 0)
		return (0);
	return (strcasecmp(at_a, at_b) == 0);
}

/* Whether L holds ADDR, its local part in any case (for "me"). */
static int
compose_mbox_find(const struct compose_mboxes *l, const char *addr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i].addr, addr) == 0)
			return (1);
	return (0);
}

/* At most COMPOSE_SHOW_MAX bytes of S (LEN), cut on a character. */
static char *
compose_show(const char *s, size_t len)
{
	size_t n = len;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n <= COMPOSE_SHOW_MAX)
		return (xstrndup(s, n));
	n = COMPOSE_SHOW_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (xasprintf("%.*s...", (int)n, s));
}

/* Whether C may be in an atom (RFC 5322 atext; RFC 6532: UTF-8). */
static int
compose_atext(int c)
{
	if (c >= 0x80)
		return (1);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Skip white space and comments; the text of the first comment goes to
 * COMMENT when it is not NULL and empty. Returns 0, or -1 (an unclosed
 * comment).
 */
static int
compose_skip_cfws(struct compose_parser *p, struct strbuf *comment)
{
	size_t depth, start;

	for (;;) {
		while (p->pos < p->len && (p->s[p->pos] == ' ' ||
		    p->s[p->pos] == '\t' || p->s[p->pos] == '\r' ||
		    p->s[p->pos] == '\n'))
			p->pos++;
		if (p->pos == p->len || p->s[p->pos] != '(')
			return (0);
		start = p->pos;
		depth = 0;
		while (p->pos < p->len) {
			char c = p->s[p->pos++];

			if (c == '\\' && p->pos < p->len) {
				if (comment != NULL && depth == 1)
					strbuf_addch(comment, p->s[p->pos]);
				p->pos++;
				continue;
			}
			if (c == '(') {
				depth++;
				if (depth == 1)
					continue;
			} else if (c == ')' && --depth == 0)
				break;
			if (comment != NULL && depth >= 1)
				strbuf_addch(comment, c);
		}
		if (depth != 0) {
			char *show = compose_show(p->s + start,
			    p->len - start);

			p->err = xasprintf(_("\"%s\": a comment is not "
			    "closed"), show);
			free(show);
			return (-1);
		}
		if (comment != NULL && comment->len > 0)
			comment = NULL;
	}
}

/*
 * One word of a phrase at the position: an atom (dots allowed, as in
 * "John Q. Public") or a quoted string, its text appended to SB.
 * Returns 1, 0 when there is none, -1 for an unclosed quoted string.
 */
static int
compose_word(struct compose_parser *p, struct strbuf *sb)
{
	size_t start = p->pos;

	if (p->pos < p->len && p->s[p->pos] == '"') {
		p->pos++;
		while (p->pos < p->len && p->s[p->pos] != '"') {
			if (p->s[p->pos] == '\\' && p->pos + 1 < p->len)
				p->pos++;
			strbuf_addch(sb, p->s[p->pos++]);
		}
		if (p->pos == p->len) {
			char *show = compose_show(p->s + start,
			    p->len - start);

			p->err = xasprintf(_("\"%s\": a quote is not "
			    "closed"), show);
			free(show);
			return (-1);
		}
		p->pos++;
		return (1);
	}
	while (p->pos < p->len && (compose_atext((unsigned char)
	    p->s[p->pos]) || p->s[p->pos] == '.'))
		strbuf_addch(sb, p->s[p->pos++]);
	return (p->pos > start);
}

/*
 * A dot-atom at the position (or, when QUOTED_OK, a quoted string):
 * atoms joined by single dots, none at either end. Returns 0 or -1.
 */
static int
compose_dot_atom(struct compose_parser *p, int quoted_ok)
{
	size_t atoms = 0;
	int dot = 1;

	if (quoted_ok && p->pos < p->len && p->s[p->pos] == '"') {
		p->pos++;
		while (p->pos < p->len && p->s[p->pos] != '"') {
			if (p->s[p->pos] == '\\' && p->pos + 1 < p->len)
				p->pos++;
			p->pos++;
		}
		if (p->pos == p->len)
			return (-1);
		p->pos++;
		return (0);
	}
	for (; p->pos < p->len; p->pos++) {
		int c = (unsigned char)p->s[p->pos];

		if (c == '.' && !dot)
			dot = 1;
		else if (compose_atext(c)) {
			if (dot)
				atoms++;
			dot = 0;
		} else
			break;
	}
	return (atoms == 0 || dot ? -1 : 0);
}

/*
 * An addr-spec at the position: a dot-atom or a quoted string, '@', a
 * dot-atom or a domain literal; white space and comments around the '@'
 * are dropped. Returns 0 and the
 * address in *ADDR_R, or -1 with p->err.
 */
static int
compose_addr_spec(struct compose_parser *p, char **addr_r)
{
	size_t start = p->pos, lstart, lend, dstart, dend, end;
	char *addr, *show;

	lstart = p->pos;
	if (compose_dot_atom(p, 1) != 0)
		goto bad;
	lend = p->pos;
	/* Comments around the '@' (obsolete, seen in old mail). */
	if (compose_skip_cfws(p, NULL) != 0)
		return (-1);
	if (p->pos == p->len || p->s[p->pos] != '@')
		goto bad;
	p->pos++;
	if (compose_skip_cfws(p, NULL) != 0)
		return (-1);
	dstart = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '[') {
		while (p->pos < p->len && p->s[p->pos] != ']') {
			if ((p->s[p->pos] == '[' && p->pos != dstart) ||
			    p->s[p->pos] == '\\')
				goto bad;
			p->pos++;
		}
		if (p->pos == p->len)
			goto bad;
		p->pos++;
	} else if (compose_dot_atom(p, 0) != 0)
		goto bad;
	dend = p->pos;
	addr = xasprintf("%.*s@%.*s", (int)(lend - lstart), p->s + lstart,
	    (int)(dend - dstart), p->s + dstart);
	if (!compose_address_ok(addr)) {
		show = compose_show(addr, strlen(addr));
		p->err = xasprintf(_("\"%s\" is not an address mail can be "
		    "sent to"), show);
		free(show);
		free(addr);
		return (-1);
	}
	*addr_r = addr;
	return (0);

bad:
	for (end = p->pos; end < p->len && p->s[end] != ',' &&
	    p->s[end] != '>' && p->s[end] != ';'; end++)
		continue;
	show = compose_show(p->s + start, end - start);
	p->err = xasprintf(_("\"%s\" is not an address"), show);
	free(show);
	return (-1);
}

/*
 * One entry of a list: "Name <addr>", a bare addr-spec (its comment as
 * the name), or, outside a group (IN_GROUP 0), a group "Name: a, b;"
 * whose members are added. Returns 0, or -1 with p->err.
 */
static int
compose_entry(struct compose_parser *p, struct compose_mboxes *out,
    int in_group)
{
	struct strbuf name = STRBUF_INIT, comment = STRBUF_INIT;
	size_t start = p->pos, end;
	int r, words = 0, ret = -1;
	char *addr = NULL, *show, *decoded;

	for (;;) {
		if (compose_skip_cfws(p, NULL) != 0)
			goto out;
		if (words > 0 && p->pos < p->len && (p->s[p->pos] == '"' ||
		    compose_atext((unsigned char)p->s[p->pos])))
			strbuf_addch(&name, ' ');
		if ((r = compose_word(p, &name)) < 0)
			goto out;
		if (r == 0)
			break;
		words++;
	}
	if (p->pos < p->len && p->s[p->pos] == '<') {
		p->pos++;
		if (compose_skip_cfws(p, NULL) != 0 ||
		    compose_addr_spec(p, &addr) != 0 ||
		    compose_skip_cfws(p, NULL) != 0)
			goto out;
		if (p->pos == p->len || p->s[p->pos] != '>') {
			show = compose_show(p->s + start, p->pos - start);
			p->err = xasprintf(_("\"%s\": a \">\" is missing"),
			    show);
			free(show);
			goto out;
		}
		p->pos++;
	} else if (p->pos < p->len && p->s[p->pos] == ':' && words > 0 &&
	    !in_group) {
		p->pos++;
		ret = compose_list(p, out, 1);
		goto out;
	} else if (p->pos < p->len && p->s[p->pos] == '@' && words > 0) {
		strbuf_reset(&name);
		p->pos = start;
		if (compose_skip_cfws(p, NULL) != 0 ||
		    compose_addr_spec(p, &addr) != 0 ||
		    compose_skip_cfws(p, &comment) != 0)
			goto out;
		strbuf_add(&name, comment.buf, comment.len);
	} else {
		for (end = p->pos; end < p->len && p->s[end] != ','; end++)
			continue;
		show = compose_show(p->s + start, end - start);
		p->err = xasprintf(_("\"%s\" is not an address"), show);
		free(show);
		goto out;
	}
	decoded = NULL;
	if (name.len > 0) {
		decoded = mime_decode_header(name.buf, name.len);
		if (*decoded == '\0') {
			free(decoded);
			decoded = NULL;
		}
	}
	compose_mboxes_add(out, decoded, addr);
	addr = NULL;
	ret = 0;

out:
	free(addr);
	strbuf_release(&name);
	strbuf_release(&comment);
	return (ret);
}

/*
 * Entries separated by commas (empty ones skipped) up to the end, or, in
 * a group, up to its ';' (or the end). Returns 0, or -1 with p->err.
 */
static int
compose_list(struct compose_parser *p, struct compose_mboxes *out,
    int in_group)
{
	size_t start;
	char *show;

	for (;;) {
		if (compose_skip_cfws(p, NULL) != 0)
			return (-1);
		if (p->pos == p->len)
			return (0);
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == ';' && in_group) {
			p->pos++;
			return (0);
		}
		start = p->pos;
		if (compose_entry(p, out, in_group) != 0)
			return (-1);
		if (compose_skip_cfws(p, NULL) != 0)
			return (-1);
		if (p->pos == p->len || p->s[p->pos] == ',' ||
		    (p->s[p->pos] == ';' && in_group))
			continue;
		show = compose_show(p->s + start, p->len - start);
		p->err = xasprintf(_("\"%s\": a comma is missing between "
		    "two addresses"), show);
		free(show);
		return (-1);
	}
}

/* Parse LIST into OUT (appended). Returns 0, or -1 with *ERR. */
static int
compose_parse(const char *list, struct compose_mboxes *out, char **err)
{
	struct compose_parser p;
	size_t i;

	memset(&p, 0, sizeof p);
	p.s = list != NULL ? list : "";
	p.len = strlen(p.s);
	for (i = 0; i < p.len; i++) {
		unsigned char c = (unsigned char)p.s[i];

		if ((c < ' ' && c != '\t') || c == 0x7f) {
			char *show = compose_show(p.s, p.len);

			*err = xasprintf(_("\"%s\": a control character in "
			    "an address list"), show);
			free(show);
			return (-1);
		}
	}
	if (compose_list(&p, out, 0) == 0)
		return (0);
	*err = p.err;
	return (-1);
}

/* Parse an address list into addr-specs. */
int
compose_addresses(const char *list, char ***addrs_r, size_t *n_r, char **err)
{
	struct compose_mboxes l = { NULL, 0, 0 };
	char **v;
	size_t i;

	*addrs_r = NULL;
	*n_r = 0;
	if (compose_parse(list, &l, err) != 0) {
		compose_mboxes_free(&l);
		return (-1);
	}
	v = xcalloc(l.n + 1, sizeof *v);
	for (i = 0; i < l.n; i++) {
		v[i] = l.v[i].addr;
		l.v[i].addr = NULL;
	}
	*addrs_r = v;
	*n_r = l.n;
	compose_mboxes_free(&l);
	return (0);
}

/* Whether ADDR may be an envelope address (see compose.h). */
int
compose_address_ok(const char *addr)
{
	const unsigned char *s = (const unsigned char *)addr;
	size_t len, i, ats = 0;
	int n;

	if (addr == NULL || (len = strlen(addr)) == 0 ||
	    len > COMPOSE_ADDR_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] < 0x80) {
			if (s[i] <= ' ' || s[i] == 0x7f || s[i] == '<' ||
			    s[i] == '>')
				return (0);
			if (s[i] == '@')
				ats++;
			continue;
		}
		if ((n = compose_utf8_len(s + i, len - i)) <= 0)
			return (0);
		/* No C1 controls. */
		if (s[i] == 0xc2 && s[i + 1] < 0xa0)
			return (0);
		i += (size_t)n - 1;
	}
	return (ats == 1 && s[0] != '@' && s[len - 1] != '@');
}

/*
 * The length of the UTF-8 sequence at S (LEN bytes left), or -1 when it
 * is not one (overlong forms, surrogates and values over U+10FFFF
 * included).
 */
static int
compose_utf8_len(const unsigned char *s, size_t len)
{
	unsigned int cp;
	int n, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return (-1);
	if (len < (size_t)n)
		return (-1);
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (-1);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return (-1);
	return (n);
}

/*
 * S as one line for a header: white space and line ends as single
 * spaces, other control characters left out, trimmed. NULL for NULL.
 */
static char *
compose_clean(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	int space = 0;

	if (s == NULL)
		return (NULL);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = 1;
			continue;
		}
		if (c < ' ' || c == 0x7f)
			continue;
		if (space && sb.len > 0)
			strbuf_addch(&sb, ' ');
		space = 0;
		strbuf_addch(&sb, (char)c);
	}
	return (strbuf_detach(&sb, NULL));
}

/* "Name <addr>" as a user writes it, the name quoted when it must be. */
static void
compose_mbox_text(struct strbuf *sb, const struct compose_mbox *m)
{
	const char *s;
	int quote = 0;

	if (m->name == NULL || *m->name == '\0') {
		strbuf_addstr(sb, m->addr);
		return;
	}
	for (s = m->name; *s != '\0'; s++)
		if (*s != ' ' && !compose_atext((unsigned char)*s))
			quote = 1;
	if (!quote) {
		strbuf_addstr(sb, m->name);
	} else {
		strbuf_addch(sb, '"');
		for (s = m->name; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				strbuf_addch(sb, '\\');
			strbuf_addch(sb, *s);
		}
		strbuf_addch(sb, '"');
	}
	strbuf_addf(sb, " <%s>", m->addr);
}

/* The list L as a user writes it, or NULL when empty. */
static char *
compose_mboxes_text(const struct compose_mboxes *l)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (l->n == 0)
		return (NULL);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			strbuf_addstr(&sb, ", ");
		compose_mbox_text(&sb, &l->v[i]);
	}
	return (strbuf_detach(&sb, NULL));
}

/* -- header fields on the wire -------------------------------------------- */

static void
compose_hdr_start(struct compose_hdr *h, struct strbuf *sb, const char *name)
{
	h->sb = sb;
	strbuf_addf(sb, "%s:", name);
	h->col = strlen(name) + 1;
	h->start = h->col;
}

/*
 * Append the token TOK (LEN bytes) after the white space WS: folded
 * before WS when the line would pass the fold column (never before the
 * first token; a token with no WS is glued to the one before).
 */
static void
compose_hdr_token(struct compose_hdr *h, const char *ws, const char *tok,
    size_t len)
{
	size_t wslen = strlen(ws);

	if (wslen > 0 && h->col > h->start &&
	    h->col + wslen + len > COMPOSE_FOLD) {
		strbuf_addstr(h->sb, "\r\n");
		h->col = 0;
	}
	strbuf_addstr(h->sb, ws);
	strbuf_add(h->sb, tok, len);
	h->col += wslen + len;
}

/* Whether C stands for itself in a Q word of a phrase (RFC 2047 5(3)). */
static int
compose_q_plain(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!*+-/", c) !=
	    NULL));
}

/*
 * Append TEXT (LEN bytes of UTF-8) after WS as encoded words: Q or B,
 * whichever is shorter, each word at most COMPOSE_WORD_MAX long and cut
 * between characters, fitted to the line where they start. The Q form
 * writes only what a phrase allows, so the words serve names too.
 */
static void
compose_hdr_encoded(struct compose_hdr *h, const char *ws, const char *text,
    size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const unsigned char *s = (const unsigned char *)text;
	struct strbuf word = STRBUF_INIT;
	size_t i, qlen = 0, room, raw, k;
	const char *sep = ws;
	int q, n;

	for (i = 0; i < len; i++)
		qlen += compose_q_plain(s[i]) || s[i] == ' ' ? 1 : 3;
	q = qlen <= (len + 2) / 3 * 4;
	i = 0;
	while (i < len) {
		/* The room on this line, else on a new one. */
		room = COMPOSE_FOLD - h->col - strlen(sep);
		if (h->col + strlen(sep) + 24 > COMPOSE_FOLD &&
		    h->col > h->start)
			room = COMPOSE_FOLD - 1;
		if (room > COMPOSE_WORD_MAX)
			room = COMPOSE_WORD_MAX;
		if (room < 24)
			room = 24;
		room -= strlen("=?UTF-8?Q?" "?=");
		strbuf_reset(&word);
		strbuf_addstr(&word, q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
		raw = 0;
		while (i + raw < len) {
			size_t cost = 0;

			n = compose_utf8_len(s + i + raw, len - i - raw);
			if (n < 0)
				n = 1;
			if (q) {
				for (k = 0; k < (size_t)n; k++)
					cost += compose_q_plain(s[i + raw + k])
					    || s[i + raw + k] == ' ' ? 1 : 3;
				if (word.len - 10 + cost > room && raw > 0)
					break;
				for (k = 0; k < (size_t)n; k++) {
					unsigned char c = s[i + raw + k];

					if (c == ' ')
						strbuf_addch(&word, '_');
					else if (compose_q_plain(c))
						strbuf_addch(&word, (char)c);
					else
						strbuf_addf(&word, "=%02X", c);
				}
			} else if ((raw + (size_t)n + 2) / 3 * 4 > room &&
			    raw > 0)
				break;
			raw += (size_t)n;
		}
		if (!q) {
			for (k = 0; k < raw; k += 3) {
				unsigned int v = s[i + k] << 16;

				if (k + 1 < raw)
					v |= s[i + k + 1] << 8;
				if (k + 2 < raw)
					v |= s[i + k + 2];
				strbuf_addch(&word, b64[(v >> 18) & 63]);
				strbuf_addch(&word, b64[(v >> 12) & 63]);
				strbuf_addch(&word, k + 1 < raw ?
				    b64[(v >> 6) & 63] : '=');
				strbuf_addch(&word, k + 2 < raw ?
				    b64[v & 63] : '=');
			}
		}
		strbuf_addstr(&word, "?=");
		compose_hdr_token(h, sep, word.buf, word.len);
		sep = " ";
		i += raw;
	}
	strbuf_release(&word);
}

/*
 * Append the unstructured TEXT (UTF-8): its words as they are where
 * they are plain ASCII, runs of words that are not (or that look like
 * encoded words, or are too long to fold) as encoded words, the white
 * space between two such words inside the run.
 */
static void
compose_hdr_text(struct compose_hdr *h, const char *text)
{
	const char *s = text, *w, *run = NULL, *runws = NULL;
	char ws[64];
	size_t wslen, wlen, i;
	int plain;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s != '\0') {
		/* The white space before the word, then the word. */
		w = s;
		while (*w == ' ' || *w == '\t')
			w++;
		wslen = (size_t)(w - s);
		for (wlen = 0; w[wlen] != '\0' && w[wlen] != ' ' &&
		    w[wlen] != '\t'; wlen++)
			continue;
		if (wlen == 0)
			break;
		plain = wlen <= COMPOSE_FOLD - 1 - h->start;
		for (i = 0; i < wlen && plain; i++)
			if ((unsigned char)w[i] >= 0x7f ||
			    (unsigned char)w[i] < ' ')
				plain = 0;
		if (plain && wlen >= 2 && strstr(w, "=?") != NULL &&
		    (size_t)(strstr(w, "=?") - w) < wlen)
			plain = 0;
		if (!plain) {
			if (run == NULL) {
				run = w;
				runws = s;
			}
			s = w + wlen;
			continue;
		}
		if (run != NULL) {
			wslen = (size_t)(run - runws);
			snprintf(ws, sizeof ws, "%.*s", (int)(wslen < 63 ?
			    wslen : 63), runws);
			compose_hdr_encoded(h, runws == text ||
			    h->col == h->start ? " " : ws, run,
			    (size_t)(s - run));
			run = NULL;
		}
		wslen = (size_t)(w - s);
		snprintf(ws, sizeof ws, "%.*s", (int)(wslen < 63 ? wslen :
		    63), s);
		compose_hdr_token(h, h->col == h->start || wslen == 0 ?
		    " " : ws, w, wlen);
		s = w + wlen;
	}
	if (run != NULL) {
		/* Trailing white space stays out of the run. */
		size_t end = strlen(run);

		while (end > 0 && (run[end - 1] == ' ' || run[end - 1] == '\t'))
			end--;
		wslen = (size_t)(run - runws);
		snprintf(ws, sizeof ws, "%.*s", (int)(wslen < 63 ? wslen :
		    63), runws);
		compose_hdr_encoded(h, h->col == h->start || wslen == 0 ?
		    " " : ws, run, end);
	}
}

/* Append the mailboxes of L, separated by commas. */
static void
compose_hdr_mboxes(struct compose_hdr *h, const struct compose_mboxes *l)
{
	struct strbuf tok = STRBUF_INIT;
	const struct compose_mbox *m;
	const unsigned char *s;
	size_t i;
	int ascii, quote;

	for (i = 0; i < l->n; i++) {
		m = &l->v[i];
		if (i > 0)
			compose_hdr_token(h, "", ",", 1);
		if (m->name == NULL) {
			compose_hdr_token(h, " ", m->addr, strlen(m->addr));
			continue;
		}
		ascii = strlen(m->name) <= COMPOSE_NAME_PLAIN_MAX;
		quote = 0;
		for (s = (const unsigned char *)m->name; *s != '\0'; s++) {
			if (*s >= 0x7f || *s < ' ')
				ascii = 0;
			else if (*s != ' ' && !compose_atext(*s))
				quote = 1;
		}
		if (strstr(m->name, "=?") != NULL)
			quote = 1;
		if (!ascii) {
			compose_hdr_encoded(h, " ", m->name,
			    strlen(m->name));
		} else {
			strbuf_reset(&tok);
			if (quote)
				strbuf_addch(&tok, '"');
			for (s = (const unsigned char *)m->name; *s != '\0';
			    s++) {
				if (*s == '"' || *s == '\\')
					strbuf_addch(&tok, '\\');
				strbuf_addch(&tok, (char)*s);
			}
			if (quote)
				strbuf_addch(&tok, '"');
			compose_hdr_token(h, " ", tok.buf, tok.len);
		}
		strbuf_reset(&tok);
		strbuf_addf(&tok, "<%s>", m->addr);
		compose_hdr_token(h, " ", tok.buf, tok.len);
	}
	strbuf_release(&tok);
}

static void
compose_hdr_end(struct compose_hdr *h)
{
	strbuf_addstr(h->sb, "\r\n");
}

/* -- random, dates, ids --------------------------------------------------- */

/* Fill BUF with N random bytes from the system. Returns 0 or -1. */
static int
compose_random(unsigned char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;
	int fd;

#ifdef HAVE_GETRANDOM
	while (got < n) {
		r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return (0);
#endif
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	while (got < n) {
		r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return (got == n ? 0 : -1);
}

/*
 * N - 1 random letters and digits (5 bits each, 32 of them) in BUF,
 * NUL-terminated. Returns 0 or -1.
 */
static int
compose_random_token(char *buf, size_t n)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
	unsigned char raw[64];
	size_t i;

	if (n == 0 || n > sizeof raw || compose_random(raw, n - 1) != 0)
		return (-1);
	for (i = 0; i + 1 < n; i++)
		buf[i] = alphabet[raw[i] % 32];
	buf[n - 1] = '\0';
	return (0);
}

/* Append T as an RFC 5322 date in local time with its numeric offset. */
static void
compose_date(struct strbuf *sb, time_t t)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec"
	};
	struct tm lt, ut;
	int64_t off;
	char sign = '+';

	localtime_r(&t, &lt);
	gmtime_r(&t, &ut);
	/* tm_gmtoff is not POSIX: the offset from both broken-down times. */
	off = (util_days_from_civil(lt.tm_year + 1900, lt.tm_mon + 1,
	    lt.tm_mday) - util_days_from_civil(ut.tm_year + 1900,
	    ut.tm_mon + 1, ut.tm_mday)) * 86400 +
	    (lt.tm_hour - ut.tm_hour) * 3600 + (lt.tm_min - ut.tm_min) * 60 +
	    (lt.tm_sec - ut.tm_sec);
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	strbuf_addf(sb, "%s, %d %s %d %02d:%02d:%02d %c%02d%02d",
	    days[lt.tm_wday % 7], lt.tm_mday, months[lt.tm_mon % 12],
	    lt.tm_year + 1900, lt.tm_hour, lt.tm_min, lt.tm_sec, sign,
	    (int)(off / 3600), (int)(off % 3600 / 60));
}

/*
 * A new Message-ID "<random@domain>" for the sender ADDR: its domain
 * when that is plain ASCII, else "localhost" (never the machine's
 * name). Returns it, or NULL with *ERR.
 */
static char *
compose_message_id(const char *addr, char **err)
{
	char token[25];
	const char *domain, *s;

	if (compose_random_token(token, sizeof token) != 0) {
		*err = xasprintf(_("no random bytes for a Message-ID: %s"),
		    strerror(errno));
		return (NULL);
	}
	domain = addr != NULL ? strrchr(addr, '@') : NULL;
	domain = domain != NULL ? domain + 1 : "";
	for (s = domain; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			break;
	if (*s != '\0' || *domain == '\0' || *domain == '.')
		domain = "localhost";
	return (xasprintf("<%s@%s>", token, domain));
}

/* -- text bodies ---------------------------------------------------------- */

/*
 * Append TEXT (LEN bytes, LF line ends) as quoted-printable with CRLF
 * line ends: '=', controls, bytes over 126 and white space at a line's
 * end encoded, "From " at a line's start too; lines soft-broken before
 * 76 columns, never inside an "=XX".
 */
static void
compose_qp(struct strbuf *sb, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, eol, col;
	char enc[4];

	while (i < len) {
		for (eol = i; eol < len && s[eol] != '\n'; eol++)
			continue;
		col = 0;
		for (; i < eol; i++) {
			unsigned char c = s[i];
			size_t n;

again:
			if ((c == ' ' || c == '\t') && i + 1 < eol)
				n = 1;
			else if (c == '=' || c < ' ' || c > 126 || c == ' ')
				n = 3;
			else if (col == 0 && c == 'F' && eol - i >= 5 &&
			    memcmp(s + i, "From ", 5) == 0)
				n = 3;
			else if (col == 0 && c == '.' && i + 1 == eol)
				n = 3;
			else
				n = 1;
			if (col + n > 75 && !(i + 1 == eol && col + n <= 76)) {
				strbuf_addstr(sb, "=\r\n");
				col = 0;
				goto again;
			}
			if (n == 1) {
				strbuf_addch(sb, (char)c);
			} else {
				snprintf(enc, sizeof enc, "=%02X", c);
				strbuf_add(sb, enc, 3);
			}
			col += n;
		}
		strbuf_addstr(sb, "\r\n");
		i = eol + 1;
	}
}

/*
 * Append TEXT (LEN bytes, LF line ends) as format=flowed (RFC 3676,
 * DelSp=No): each line a fixed line, trailing white space taken off
 * ("-- " kept), lines over the fold wrapped at spaces into flowed lines
 * (a space before the break), space-stuffing where a line starts with a
 * space or "From ", quoted lines kept at their depth with "> " before
 * the text.
 */
static void
compose_flowed(struct strbuf *sb, const char *text, size_t len)
{
	size_t i = 0, eol, depth, cstart, clen, end, cut, k;
	const char *c;

	while (i < len) {
		for (eol = i; eol < len && text[eol] != '\n'; eol++)
			continue;
		for (depth = 0; i + depth < eol && text[i + depth] == '>';
		    depth++)
			continue;
		cstart = i + depth;
		if (depth > 0 && cstart < eol && text[cstart] == ' ')
			cstart++;
		end = eol;
		if (!(eol - i == 3 && memcmp(text + i, "-- ", 3) == 0))
			while (end > cstart && (text[end - 1] == ' ' ||
			    text[end - 1] == '\t'))
				end--;
		c = text + cstart;
		clen = end - cstart;
		for (;;) {
			for (k = 0; k < depth; k++)
				strbuf_addch(sb, '>');
			if (depth > 0 || (clen > 0 && (c[0] == ' ' ||
			    (clen >= 5 && memcmp(c, "From ", 5) == 0))))
				strbuf_addch(sb, ' ');
			if (depth + 1 + clen <= COMPOSE_FOLD)
				break;
			/* The last space within the width, else the first. */
			cut = 0;
			for (k = 0; k < clen; k++) {
				if (c[k] != ' ')
					continue;
				if (k > 0 && depth + 1 + k + 1 <=
				    COMPOSE_FLOW_WIDTH)
					cut = k + 1;
				else if (k > 0 && cut == 0) {
					cut = k + 1;
					break;
				} else if (cut != 0)
					break;
			}
			if (cut == 0 || cut >= clen)
				break;
			strbuf_add(sb, c, cut);
			strbuf_addch(sb, '\n');
			c += cut;
			clen -= cut;
		}
		strbuf_add(sb, c, clen);
		strbuf_addch(sb, '\n');
		i = eol + 1;
	}
}

/* -- reading an original -------------------------------------------------- */

/*
 * Find the header block of RAW: *START_R where its first field starts
 * (after an mbox "From " line), *END_R where it ends, *BODY_R where the
 * body starts. Returns 0, or -1 when RAW does not start with a field.
 */
static int
compose_header_block(const char *raw, size_t len, size_t *start_r,
    size_t *end_r, size_t *body_r)
{
	size_t pos = 0, eol, k;

	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *nl = memchr(raw, '\n', len);

		pos = nl != NULL ? (size_t)(nl - raw) + 1 : len;
	}
	*start_r = pos;
	for (k = pos; k < len && raw[k] > ' ' && raw[k] < 0x7f &&
	    raw[k] != ':'; k++)
		continue;
	if (k == pos || k == len || raw[k] != ':')
		return (-1);
	while (pos < len) {
		const char *nl = memchr(raw + pos, '\n', len - pos);

		eol = nl != NULL ? (size_t)(nl - raw) + 1 : len;
		if (raw[pos] == '\n' || (raw[pos] == '\r' && pos + 1 < len &&
		    raw[pos + 1] == '\n')) {
			*end_r = pos;
			*body_r = eol;
			return (0);
		}
		pos = eol;
	}
	*end_r = len;
	*body_r = len;
	return (0);
}

/*
 * SUBJECT without its leading reply and forward prefixes ("Re:",
 * "RE[2]:", "Aw:", "Sv:", "Antw:", "Fwd:", "Fw:", "WG:"), as mutt's
 * reply_regex takes them off; only the forward ones when FORWARD_ONLY.
 */
static char *
compose_strip_prefixes(const char *subject, int forward_only)
{
	static const char *const reply[] = { "re", "aw", "sv", "antw" };
	static const char *const fwd[] = { "fwd", "fw", "wg" };
	const char *s = subject != NULL ? subject : "", *p;
	size_t i, n;
	int found;

	do {
		while (*s == ' ' || *s == '\t')
			s++;
		found = 0;
		for (i = 0; i < 7 && !found; i++) {
			const char *w = i < 4 ? reply[i] : fwd[i - 4];

			if (i < 4 && forward_only)
				continue;
			n = strlen(w);
			if (strncasecmp(s, w, n) != 0)
				continue;
			p = s + n;
			if (*p == '[') {
				for (p++; *p >= '0' && *p <= '9'; p++)
					continue;
				if (*p != ']')
					continue;
				p++;
			}
			if (*p != ':')
				continue;
			s = p + 1;
			found = 1;
		}
	} while (found);
	return (xstrdup(s));
}

/* The first "<...>" of S, if it is a sane message id, else NULL. */
static char *
compose_first_id(const char *s)
{
	const char *lt, *gt, *p;

	if (s == NULL || (lt = strchr(s, '<')) == NULL ||
	    (gt = strchr(lt, '>')) == NULL)
		return (NULL);
	if (gt - lt < 2 || gt - lt + 1 > COMPOSE_MSGID_MAX)
		return (NULL);
	for (p = lt + 1; p < gt; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '<')
			return (NULL);
	return (xstrndup(lt, (size_t)(gt - lt) + 1));
}

/*
 * A reply's References: the original's REFS (else its IN_REPLY_TO's
 * first id) and its MSGID, sane ids only, at most COMPOSE_REFS_MAX of
 * them (the first and the last ones). NULL when there is none.
 */
static char *
compose_references(const char *refs, const char *in_reply_to,
    const char *msgid)
{
	char *ids[COMPOSE_REFS_MAX], *id;
	struct strbuf sb = STRBUF_INIT;
	const char *s;
	size_t n = 0, i;

	s = refs != NULL ? refs : in_reply_to != NULL ? in_reply_to : "";
	while ((s = strchr(s, '<')) != NULL) {
		const char *gt = strchr(s, '>');

		if (gt == NULL)
			break;
		id = compose_first_id(s);
		s = gt + 1;
		if (id == NULL)
			continue;
		if (refs == NULL && n == 1) {
			free(id);
			break;
		}
		if (n == COMPOSE_REFS_MAX - 1) {
			/* Keep the first; drop the second oldest. */
			free(ids[1]);
			memmove(&ids[1], &ids[2], (n - 2) * sizeof ids[0]);
			n--;
		}
		ids[n++] = id;
	}
	if ((id = compose_first_id(msgid)) != NULL)
		ids[n++] = id;
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, ids[i]);
		free(ids[i]);
	}
	return (sb.len > 0 ? strbuf_detach(&sb, NULL) : NULL);
}

/*
 * Append TEXT quoted: "> " before each line, ">" before a line that is
 * quoted already or empty; the original's signature and its trailing
 * empty lines left out.
 */
static void
compose_quote(struct strbuf *sb, const char *text, size_t len)
{
	size_t i = 0, eol, end = len;

	for (i = 0; i < len; i = eol + 1) {
		for (eol = i; eol < len && text[eol] != '\n'; eol++)
			continue;
		if (eol - i == 3 && memcmp(text + i, "-- ", 3) == 0) {
			end = i;
			break;
		}
	}
	while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' '))
		end--;
	for (i = 0; i < end; i = eol + 1) {
		for (eol = i; eol < end && text[eol] != '\n'; eol++)
			continue;
		if (eol == i || text[i] == '>')
			strbuf_addch(sb, '>');
		else
			strbuf_addstr(sb, "> ");
		strbuf_add(sb, text + i, eol - i);
		strbuf_addch(sb, '\n');
	}
}

/* Append the attribution FMT (see compose_opts) and a line end. */
static void
compose_attribution(struct strbuf *sb, const char *fmt, const char *date,
    const char *name, const char *addr, const char *subject)
{
	const char *s;

	if (fmt == NULL)
		fmt = date != NULL && *date != '\0' ? _("On %d, %n wrote:") :
		    _("%n wrote:");
	for (s = fmt; *s != '\0'; s++) {
		if (*s != '%' || s[1] == '\0') {
			if (*s != '\n' && *s != '\r')
				strbuf_addch(sb, *s);
			continue;
		}
		switch (*++s) {
		case 'd':
			strbuf_addstr(sb, date != NULL ? date : "");
			break;
		case 'n':
			strbuf_addstr(sb, name != NULL ? name : addr != NULL ?
			    addr : "");
			break;
		case 'a':
			strbuf_addstr(sb, addr != NULL ? addr : "");
			break;
		case 's':
			strbuf_addstr(sb, subject != NULL ? subject : "");
			break;
		case '%':
			strbuf_addch(sb, '%');
			break;
		default:
			strbuf_addch(sb, '%');
			strbuf_addch(sb, *s);
			break;
		}
	}
	strbuf_addch(sb, '\n');
}

/* Append the signature SIG under "-- " (once), after an empty line. */
static void
compose_signature(struct strbuf *sb, const char *sig)
{
	size_t n;

	if (sig == NULL || *sig == '\0')
		return;
	if (sb->len > 0 && sb->buf[sb->len - 1] != '\n')
		strbuf_addch(sb, '\n');
	strbuf_addch(sb, '\n');
	if (strncmp(sig, "-- \n", 4) != 0)
		strbuf_addstr(sb, "-- \n");
	n = strlen(sig);
	while (n > 0 && sig[n - 1] == '\n')
		n--;
	strbuf_add(sb, sig, n);
	strbuf_addch(sb, '\n');
}

/* -- the draft of an answer ----------------------------------------------- */

/*
 * Parse the raw header value RAW of an original into L. A value that
 * does not parse is kept whole, decoded, in *BAD (appended), for the
 * user to mend in the editor.
 */
static void
compose_orig_mboxes(const char *raw, struct compose_mboxes *l,
    struct strbuf *bad)
{
	char *err = NULL, *dec;

	if (raw == NULL)
		return;
	if (compose_parse(raw, l, &err) == 0)
		return;
	free(err);
	dec = mime_decode_header(raw, strlen(raw));
	if (bad->len > 0)
		strbuf_addstr(bad, ", ");
	strbuf_addstr(bad, dec);
	free(dec);
}

/* Append the mailboxes of FROM to TO that are not in TO nor in SKIP. */
static void
compose_mboxes_merge(struct compose_mboxes *to,
    const struct compose_mboxes *from, const struct compose_mboxes *skip)
{
	size_t i;

	for (i = 0; i < from->n; i++) {
		if (compose_mbox_find(to, from->v[i].addr) ||
		    (skip != NULL && compose_mbox_find(skip,
		    from->v[i].addr)))
			continue;
		compose_mboxes_add(to, xstrdup(from->v[i].name),
		    xstrdup(from->v[i].addr));
	}
}

/* The list L (and the unparsed BAD) as one value, or NULL. */
static char *
compose_value(const struct compose_mboxes *l, const struct strbuf *bad)
{
	char *s = compose_mboxes_text(l), *t, *c;

	/* A name decoded from RFC 2047 may hold control characters. */
	if (bad->len == 0) {
		c = compose_clean(s);
		free(s);
		return (c);
	}
	if (s == NULL)
		t = xstrdup(bad->buf);
	else
		t = xasprintf("%s, %s", s, bad->buf);
	free(s);
	c = compose_clean(t);
	free(t);
	return (c);
}

/* List-Post's first mailto: address (RFC 2369), or NULL. */
static char *
compose_list_post(const char *value)
{
	const char *s = value, *end;
	size_t n;

	if (s == NULL)
		return (NULL);
	while ((s = strchr(s, '<')) != NULL) {
		s++;
		if (strncasecmp(s, "mailto:", 7) != 0)
			continue;
		s += 7;
		for (end = s; *end != '\0' && *end != '>' && *end != '?';
		    end++)
			continue;
		n = (size_t)(end - s);
		if (n > 0 && n <= COMPOSE_ADDR_MAX) {
			char *addr = xstrndup(s, n);

			if (compose_address_ok(addr))
				return (addr);
			free(addr);
		}
	}
	return (NULL);
}

/* Start the draft of KIND from the original RAW. */
int
compose_start(enum compose_kind kind, const char *raw, size_t len,
    const struct compose_opts *o, struct draft *d, char **err)
{
	struct compose_mboxes from = { NULL, 0, 0 }, rto = { NULL, 0, 0 };
	struct compose_mboxes tos = { NULL, 0, 0 }, ccs = { NULL, 0, 0 };
	struct compose_mboxes me = { NULL, 0, 0 }, mft = { NULL, 0, 0 };
	struct compose_mboxes to = { NULL, 0, 0 }, cc = { NULL, 0, 0 };
	struct compose_mboxes bccs = { NULL, 0, 0 };
	struct strbuf body = STRBUF_INIT, bad = STRBUF_INIT;
	struct strbuf ccbad = STRBUF_INIT, junk = STRBUF_INIT;
	struct strbuf rtobad = STRBUF_INIT, none = STRBUF_INIT;
	struct mime_options mopts;
	struct mime_message msg;
	size_t hstart, hend, bstart, i;
	char *h_from = NULL, *h_reply_to = NULL, *h_to = NULL, *h_cc = NULL;
	char *h_msgid = NULL, *h_refs = NULL, *h_irt = NULL, *h_mft = NULL;
	char *h_list = NULL, *h_bcc = NULL, *subject = NULL, *date = NULL;
	char *s, *text;
	const char *hdr;
	int ret = -1, parsed = 0, self;

	draft_init(d);
	d->from = compose_clean(o->from);
	d->reply_to = compose_clean(o->reply_to);
	if (kind == COMPOSE_NEW) {
		compose_signature(&body, o->signature);
		d->body = strbuf_detach(&body, NULL);
		return (0);
	}

	memset(&msg, 0, sizeof msg);
	if (raw == NULL || compose_header_block(raw, len, &hstart, &hend,
	    &bstart) != 0) {
		*err = xstrdup(_("the original message cannot be read: it "
		    "has no header"));
		goto out;
	}
	mime_options_init(&mopts);
	mopts.attach_lines = MIME_ATTACH_NONE;
	mime_message_parse_opts(raw, len, &mopts, &msg);
	parsed = 1;
	hdr = raw + hstart;
	h_from = mime_header_value(hdr, hend - hstart, "From");
	h_reply_to = mime_header_value(hdr, hend - hstart, "Reply-To");
	h_to = mime_header_value(hdr, hend - hstart, "To");
	h_cc = mime_header_value(hdr, hend - hstart, "Cc");
	h_msgid = mime_header_value(hdr, hend - hstart, "Message-ID");
	h_refs = mime_header_value(hdr, hend - hstart, "References");
	h_irt = mime_header_value(hdr, hend - hstart, "In-Reply-To");
	h_mft = mime_header_value(hdr, hend - hstart, "Mail-Followup-To");
	h_list = mime_header_value(hdr, hend - hstart, "List-Post");
	if (kind == COMPOSE_DRAFT)
		h_bcc = mime_header_value(hdr, hend - hstart, "Bcc");
	subject = compose_clean(msg.subject);
	date = compose_clean(msg.date);

	for (i = 0; i < o->nme; i++)
		if (o->me[i] != NULL)
			compose_orig_mboxes(o->me[i], &me, &junk);
	compose_orig_mboxes(o->from, &me, &junk);
	compose_orig_mboxes(h_from, &from, &bad);
	compose_orig_mboxes(h_reply_to, &rto, &rtobad);
	compose_orig_mboxes(h_to, &tos, &ccbad);
	compose_orig_mboxes(h_cc, &ccs, &ccbad);
	compose_orig_mboxes(h_mft, &mft, &junk);

	switch (kind) {
	case COMPOSE_REPLY:
	case COMPOSE_REPLY_ALL:
		/* A reply to one's own message goes to its recipients. */
		self = from.n > 0 && compose_mbox_find(&me, from.v[0].addr) &&
		    rto.n == 0;
		if (kind == COMPOSE_REPLY_ALL && mft.n > 0) {
			compose_mboxes_merge(&to, &mft, NULL);
		} else if (self) {
			compose_mboxes_merge(&to, &tos, NULL);
			if (to.n == 0)
				compose_mboxes_merge(&to, &from, NULL);
		} else {
			compose_mboxes_merge(&to, rto.n > 0 ||
			    rtobad.len > 0 ? &rto : &from, NULL);
		}
		if (kind == COMPOSE_REPLY_ALL && mft.n == 0) {
			compose_mboxes_merge(&cc, &tos, &me);
			compose_mboxes_merge(&cc, &ccs, &me);
			/* Not in Cc what is in To already. */
			for (i = 0; i < cc.n; i++) {
				if (!compose_mbox_find(&to, cc.v[i].addr))
					continue;
				free(cc.v[i].name);
				free(cc.v[i].addr);
				memmove(&cc.v[i], &cc.v[i + 1],
				    (cc.n - i - 1) * sizeof cc.v[0]);
				cc.n--;
				i--;
			}
		}
		d->to = compose_value(&to, kind == COMPOSE_REPLY_ALL &&
		    mft.n > 0 ? &none : self ? &ccbad : rto.n > 0 ||
		    rtobad.len > 0 ? &rtobad : &bad);
		if (kind == COMPOSE_REPLY_ALL)
			d->cc = compose_value(&cc, &ccbad);
		break;
	case COMPOSE_REPLY_LIST:
		if ((s = compose_list_post(h_list)) == NULL) {
			*err = xstrdup(_("the message has no List-Post "
			    "address to reply to: it does not come from a "
			    "mailing list"));
			goto out;
		}
		d->to = s;
		break;
	default:
		break;
	}

	/* Subject, threading, text. */
	text = msg.text != NULL ? msg.text : "";
	switch (kind) {
	case COMPOSE_REPLY:
	case COMPOSE_REPLY_ALL:
	case COMPOSE_REPLY_LIST:
		s = compose_strip_prefixes(subject, 0);
		d->subject = *s != '\0' ? xasprintf("Re: %s", s) :
		    xstrdup("Re:");
		free(s);
		d->in_reply_to = compose_first_id(h_msgid);
		d->references = compose_references(h_refs, h_irt, h_msgid);
		/* A sender that does not parse: as the reader shows it. */
		s = from.n > 0 ? NULL : compose_clean(msg.from);
		compose_attribution(&body, o->attribution, date,
		    from.n > 0 ? from.v[0].name : NULL,
		    from.n > 0 ? from.v[0].addr : s, subject);
		free(s);
		compose_quote(&body, text, strlen(text));
		strbuf_addch(&body, '\n');
		break;
	case COMPOSE_FORWARD:
	case COMPOSE_FORWARD_ATTACH:
		s = compose_strip_prefixes(subject, 1);
		d->subject = *s != '\0' ? xasprintf("Fwd: %s", s) :
		    xstrdup("Fwd:");
		free(s);
		strbuf_addch(&body, '\n');
		if (kind == COMPOSE_FORWARD_ATTACH) {
			d->forward_raw = xmalloc(len + 1);
			memcpy(d->forward_raw, raw, len);
			d->forward_raw[len] = '\0';
			d->forward_len = len;
			break;
		}
		s = compose_clean(msg.from);
		strbuf_addch(&body, '\n');
		strbuf_addf(&body, _("----- Forwarded message from %s -----"),
		    from.n > 0 && from.v[0].name != NULL ? from.v[0].name :
		    from.n > 0 ? from.v[0].addr : s != NULL ? s : "");
		strbuf_addch(&body, '\n');
		if (date != NULL)
			strbuf_addf(&body, "Date: %s\n", date);
		if (s != NULL)
			strbuf_addf(&body, "From: %s\n", s);
		free(s);
		if ((s = compose_clean(msg.to)) != NULL)
			strbuf_addf(&body, "To: %s\n", s);
		free(s);
		if ((s = compose_clean(msg.cc)) != NULL)
			strbuf_addf(&body, "Cc: %s\n", s);
		free(s);
		if (subject != NULL)
			strbuf_addf(&body, "Subject: %s\n", subject);
		strbuf_addch(&body, '\n');
		strbuf_addstr(&body, text);
		if (body.len > 0 && body.buf[body.len - 1] != '\n')
			strbuf_addch(&body, '\n');
		strbuf_addstr(&body, _("----- End forwarded message -----"));
		strbuf_addch(&body, '\n');
		break;
	case COMPOSE_RESEND:
	case COMPOSE_DRAFT:
		d->to = compose_value(&tos, &none);
		d->cc = compose_value(&ccs, &none);
		d->subject = xstrdup(subject);
		if (h_reply_to != NULL && d->reply_to == NULL)
			d->reply_to = compose_value(&rto, &none);
		strbuf_addstr(&body, text);
		if (kind != COMPOSE_DRAFT)
			break;
		/* A draft keeps its sender, its Bcc and what it answers. */
		if (from.n == 1) {
			free(d->from);
			d->from = compose_value(&from, &none);
		}
		compose_orig_mboxes(h_bcc, &bccs, &junk);
		d->bcc = bccs.n > 0 ? compose_value(&bccs, &none) : NULL;
		d->in_reply_to = compose_first_id(h_irt);
		d->references = h_refs != NULL ?
		    compose_references(h_refs, NULL, NULL) : NULL;
		break;
	default:
		break;
	}
	if (kind != COMPOSE_RESEND && kind != COMPOSE_DRAFT)
		compose_signature(&body, o->signature);
	d->body = strbuf_detach(&body, NULL);
	ret = 0;

out:
	if (ret != 0)
		draft_release(d);
	if (parsed)
		mime_message_release(&msg);
	compose_mboxes_free(&from);
	compose_mboxes_free(&rto);
	compose_mboxes_free(&tos);
	compose_mboxes_free(&ccs);
	compose_mboxes_free(&me);
	compose_mboxes_free(&mft);
	compose_mboxes_free(&to);
	compose_mboxes_free(&cc);
	compose_mboxes_free(&bccs);
	strbuf_release(&body);
	strbuf_release(&bad);
	strbuf_release(&ccbad);
	strbuf_release(&junk);
	strbuf_release(&rtobad);
	free(h_from);
	free(h_reply_to);
	free(h_to);
	free(h_cc);
	free(h_msgid);
	free(h_refs);
	free(h_irt);
	free(h_mft);
	free(h_list);
	free(h_bcc);
	free(subject);
	free(date);
	return (ret);
}

/* -- the editor's file ---------------------------------------------------- */

/* Append "NAME: VALUE\n", VALUE on one line. */
static void
compose_file_line(struct strbuf *sb, const char *name, const char *value)
{
	const char *s;

	strbuf_addf(sb, "%s: ", name);
	for (s = value != NULL ? value : ""; *s != '\0'; s++)
		strbuf_addch(sb, *s == '\n' || *s == '\r' ? ' ' : *s);
	strbuf_addch(sb, '\n');
}

/* The editor's file of D. */
char *
compose_file_write(const struct draft *d)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	compose_file_line(&sb, "From", d->from);
	compose_file_line(&sb, "To", d->to);
	compose_file_line(&sb, "Cc", d->cc);
	compose_file_line(&sb, "Bcc", d->bcc);
	compose_file_line(&sb, "Reply-To", d->reply_to);
	compose_file_line(&sb, "Subject", d->subject);
	for (i = 0; i < d->nattach; i++)
		compose_file_line(&sb, "Attach", d->attach[i].path);
	strbuf_addch(&sb, '\n');
	if (d->body != NULL)
		strbuf_addstr(&sb, d->body);
	return (strbuf_detach(&sb, NULL));
}

/*
 * Take the field that starts on line LINE (its value in V) into the
 * fields F: addresses checked, repeated address lines joined, an Attach
 * line added to ATTACH. Returns 0, or -1 with *ERR.
 */
static int
compose_file_field(enum compose_field which, int line, struct strbuf *v,
    char **f, struct compose_mboxes *attach, char **err)
{
	struct compose_mboxes l = { NULL, 0, 0 };
	char *value, *e = NULL, *t;

	value = compose_clean(v->buf);
	switch (which) {
	case CF_SUBJECT:
		if (f[which] != NULL) {
			*err = xasprintf(_("line %d: a second Subject"), line);
			free(value);
			return (-1);
		}
		break;
	case CF_ATTACH:
		/* A path keeps its spaces inside; only the ends are cut. */
		free(value);
		value = xstrdup(v->buf);
		while (v->len > 0 && (value[0] == ' ' || value[0] == '\t'))
			memmove(value, value + 1, strlen(value));
		t = value + strlen(value);
		while (t > value && (t[-1] == ' ' || t[-1] == '\t'))
			*--t = '\0';
		if (*value == '\0') {
			*err = xasprintf(_("line %d: Attach names no file"),
			    line);
			free(value);
			return (-1);
		}
		compose_mboxes_add(attach, NULL, value);
		return (0);
	default:
		if (compose_parse(value, &l, &e) != 0) {
			*err = xasprintf(_("line %d: %s"), line, e);
			free(e);
			free(value);
			compose_mboxes_free(&l);
			return (-1);
		}
		if (which == CF_FROM && l.n > 1) {
			*err = xasprintf(_("line %d: From must be one "
			    "address"), line);
			free(value);
			compose_mboxes_free(&l);
			return (-1);
		}
		compose_mboxes_free(&l);
		if (f[which] != NULL && *value != '\0') {
			t = xasprintf("%s, %s", f[which], value);
			free(value);
			value = t;
		} else if (f[which] != NULL) {
			free(value);
			return (0);
		}
		break;
	}
	free(f[which]);
	f[which] = value;
	return (0);
}

/* Read the edited file back into D. */
int
compose_file_read(const char *text, size_t len, struct draft *d, char **err)
{
	struct compose_mboxes attach = { NULL, 0, 0 };
	struct strbuf v = STRBUF_INIT, body = STRBUF_INIT;
	char *f[CF_COUNT] = { NULL };
	size_t pos = 0, eol, end, k, i, j, n;
	int line = 0, fline = 0, cur = -1, ret = -1, in_body = 0;
	const char *s;

	/* The bytes first: no NUL, no lone CR, UTF-8. */
	for (i = 0, line = 1; i < len; i++) {
		int u;

		if (text[i] == '\n')
			line++;
		else if (text[i] == '\0') {
			*err = xasprintf(_("line %d: a NUL byte"), line);
			goto out;
		} else if (text[i] == '\r' && (i + 1 == len ||
		    text[i + 1] != '\n')) {
			*err = xasprintf(_("line %d: a carriage return"),
			    line);
			goto out;
		} else if ((u = compose_utf8_len((const unsigned char *)text +
		    i, len - i)) < 0) {
			*err = xasprintf(_("line %d: bytes that are not "
			    "UTF-8"), line);
			goto out;
		} else
			i += (size_t)u - 1;
	}

	line = 0;
	while (pos < len && !in_body) {
		for (eol = pos; eol < len && text[eol] != '\n'; eol++)
			continue;
		end = eol > pos && text[eol - 1] == '\r' ? eol - 1 : eol;
		line++;
		s = text + pos;
		n = end - pos;
		if (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
			if (cur < 0) {
				*err = xasprintf(_("line %d: a continued "
				    "line with no header above it"), line);
				goto out;
			}
			strbuf_addch(&v, ' ');
			strbuf_add(&v, s, n);
		} else {
			if (cur >= 0 && compose_file_field(
			    (enum compose_field)cur, fline, &v, f, &attach,
			    err) != 0)
				goto out;
			cur = -1;
			strbuf_reset(&v);
			if (n == 0) {
				in_body = 1;
			} else {
				for (k = 0; k < n && s[k] != ':' &&
				    s[k] != ' ' && s[k] != '\t'; k++)
					continue;
				if (k == n || s[k] != ':' || k == 0) {
					char *show = compose_show(s, n);

					*err = xasprintf(_("line %d: \"%s\" "
					    "is not a header (an empty line "
					    "goes between the headers and the "
					    "text)"), line, show);
					free(show);
					goto out;
				}
				for (j = 0; j < CF_COUNT; j++)
					if (strlen(compose_field_names[j]) ==
					    k && strncasecmp(s,
					    compose_field_names[j], k) == 0)
						break;
				if (j == CF_COUNT) {
					char *show = compose_show(s, k);

					*err = xasprintf(_("line %d: unknown "
					    "header \"%s\" (tern knows From, "
					    "To, Cc, Bcc, Reply-To, Subject "
					    "and Attach)"), line, show);
					free(show);
					goto out;
				}
				cur = (int)j;
				fline = line;
				strbuf_add(&v, s + k + 1, n - k - 1);
			}
		}
		pos = eol < len ? eol + 1 : len;
	}
	if (cur >= 0 && compose_file_field((enum compose_field)cur, fline, &v,
	    f, &attach, err) != 0)
		goto out;
	/* The text, CRLF as LF. */
	for (; pos < len; pos++)
		if (!(text[pos] == '\r' && pos + 1 < len &&
		    text[pos + 1] == '\n'))
			strbuf_addch(&body, text[pos]);

	/* Every check passed: D changes now. */
	free(d->from);
	free(d->to);
	free(d->cc);
	free(d->bcc);
	free(d->reply_to);
	free(d->subject);
	free(d->body);
#define COMPOSE_TAKE(x) (f[x] != NULL && *f[x] != '\0' ? f[x] : NULL)
	d->from = COMPOSE_TAKE(CF_FROM);
	d->to = COMPOSE_TAKE(CF_TO);
	d->cc = COMPOSE_TAKE(CF_CC);
	d->bcc = COMPOSE_TAKE(CF_BCC);
	d->reply_to = COMPOSE_TAKE(CF_REPLY_TO);
	d->subject = COMPOSE_TAKE(CF_SUBJECT);
#undef COMPOSE_TAKE
	for (j = 0; j < CF_ATTACH; j++)
		if (f[j] != NULL && *f[j] == '\0')
			free(f[j]);
	memset(f, 0, sizeof f);
	d->body = strbuf_detach(&body, NULL);
	{
		struct compose_attach *old = d->attach;
		size_t nold = d->nattach;

		d->attach = NULL;
		d->nattach = 0;
		for (i = 0; i < attach.n; i++) {
			const char *type = NULL;

			for (j = 0; j < nold; j++)
				if (strcmp(old[j].path, attach.v[i].addr) ==
				    0)
					type = old[j].type;
			draft_attach(d, attach.v[i].addr, type);
		}
		for (j = 0; j < nold; j++) {
			free(old[j].path);
			free(old[j].type);
		}
		free(old);
	}
	ret = 0;

out:
	for (j = 0; j < CF_COUNT; j++)
		free(f[j]);
	compose_mboxes_free(&attach);
	strbuf_release(&v);
	strbuf_release(&body);
	return (ret);
}

/* -- building a message --------------------------------------------------- */

/* The types of a few file name extensions, for when libmagic says none. */
static const struct {
	const char *ext;
	const char *type;
} compose_ext_types[] = {
	{ "bz2", "application/x-bzip2" },
	{ "csv", "text/csv" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", "text/html" },
	{ "html", "text/html" },
	{ "ics", "text/calendar" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "json", "application/json" },
	{ "md", "text/markdown" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "patch", "text/x-diff" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "txt", "text/plain" },
	{ "webp", "image/webp" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet" },
	{ "xml", "application/xml" },
	{ "zip", "application/zip" },
};

/* Abort when libetpan could not allocate (xmalloc's promise). */
static void *
compose_etpan(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "tern: out of memory\n");
		abort();
	}
	return (p);
}

/* Whether TYPE is "type/subtype" of token characters and nothing else. */
static int
compose_type_ok(const char *type)
{
	const char *s;
	int slash = 0;

	if (type == NULL || *type == '\0' || strlen(type) > 127)
		return (0);
	for (s = type; *s != '\0'; s++) {
		if (*s == '/' && s != type && s[1] != '\0' && !slash) {
			slash = 1;
			continue;
		}
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?=", *s) != NULL)
			return (0);
	}
	return (slash);
}

/*
 * The MIME type of LEN bytes at DATA named NAME: libmagic's answer, else
 * the name's extension, else application/octet-stream. A new string.
 */
static char *
compose_attach_type(const char *name, const char *data, size_t len)
{
	const char *t = NULL, *ext;
	char *type = NULL;
	magic_t m;
	size_t i;

	if ((m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR)) != NULL) {
		if (magic_load(m, NULL) == 0)
			t = magic_buffer(m, data, len);
		if (t != NULL && compose_type_ok(t) &&
		    strcmp(t, "application/octet-stream") != 0 &&
		    strncmp(t, "inode/", 6) != 0)
			type = xstrdup(t);
		magic_close(m);
	}
	if (type != NULL)
		return (type);
	if ((ext = strrchr(name, '.')) != NULL && ext != name) {
		for (i = 0; i < sizeof compose_ext_types /
		    sizeof compose_ext_types[0]; i++)
			if (strcasecmp(ext + 1, compose_ext_types[i].ext) == 0)
				return (xstrdup(compose_ext_types[i].type));
	}
	return (xstrdup("application/octet-stream"));
}

/*
 * Read the attachment PATH whole into *DATA_R (*LEN_R bytes). Returns 0,
 * or -1 with *ERR (not there, not a regular file, too large).
 */
static int
compose_read_file(const char *path, size_t max, char **data_r,
    size_t *len_r, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char buf[65536];
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		*err = xasprintf(_("cannot read \"%s\": %s"), path,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*err = xasprintf(_("cannot read \"%s\": not a regular file"),
		    path);
		close(fd);
		return (-1);
	}
	if ((uintmax_t)st.st_size > max) {
		*err = xasprintf(_("cannot read \"%s\": larger than %zu "
		    "KiB"), path, max / 1024);
		close(fd);
		return (-1);
	}
	for (;;) {
		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = xasprintf(_("cannot read \"%s\": %s"), path,
			    strerror(errno));
			strbuf_release(&sb);
			close(fd);
			return (-1);
		}
		if (r == 0)
			break;
		if (sb.len + (size_t)r > max) {
			*err = xasprintf(_("cannot read \"%s\": larger than "
			    "%zu KiB"), path, max / 1024);
			strbuf_release(&sb);
			close(fd);
			return (-1);
		}
		strbuf_add(&sb, buf, (size_t)r);
	}
	close(fd);
	*data_r = strbuf_detach(&sb, len_r);
	return (0);
}

/*
 * The Content-Disposition value of an attachment named NAME: plain
 * quoted when NAME is printable ASCII and short, else RFC 2231's
 * filename*=UTF-8''... in sections of a line each.
 */
static char *
compose_disposition(const char *kind, const char *name)
{
	struct strbuf sb = STRBUF_INIT, enc = STRBUF_INIT;
	const unsigned char *s;
	size_t i, n, sec;
	int plain = strlen(name) <= 60;

	strbuf_addstr(&sb, kind);
	for (s = (const unsigned char *)name; *s != '\0'; s++)
		if (*s < ' ' || *s >= 0x7f)
			plain = 0;
	if (plain) {
		strbuf_addstr(&sb, ";\r\n filename=\"");
		for (s = (const unsigned char *)name; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				strbuf_addch(&sb, '\\');
			strbuf_addch(&sb, (char)*s);
		}
		strbuf_addch(&sb, '"');
		return (strbuf_detach(&sb, NULL));
	}
	/* attribute-char of RFC 2231 stands for itself; the rest %XX. */
	for (s = (const unsigned char *)name; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("!#$&+-.^_`|~", *s) !=
		    NULL)
			strbuf_addch(&enc, (char)*s);
		else
			strbuf_addf(&enc, "%%%02X", *s);
	}
	if (enc.len <= 50) {
		strbuf_addf(&sb, ";\r\n filename*=UTF-8''%s", enc.buf);
	} else {
		for (i = 0, sec = 0; i < enc.len; i += n, sec++) {
			n = enc.len - i < 50 ? enc.len - i : 50;
			/* Never cut a %XX. */
			if (i + n < enc.len && enc.buf[i + n - 1] == '%')
				n -= 1;
			else if (i + n < enc.len && n >= 2 &&
			    enc.buf[i + n - 2] == '%')
				n -= 2;
			strbuf_addf(&sb, ";\r\n filename*%zu*=%s%.*s", sec,
			    sec == 0 ? "UTF-8''" : "", (int)n, enc.buf + i);
		}
	}
	strbuf_release(&enc);
	return (strbuf_detach(&sb, NULL));
}

/*
 * A leaf part of TYPE with the parameters NAME=VALUE of PARAMS (pairs,
 * NULL-terminated), the transfer encoding MECH, the disposition DISP
 * (taken; NULL: none) and the LEN bytes at DATA (ENCODED: written as
 * they are). DATA must live until the part is written.
 */
static struct mailmime *
compose_leaf(const char *type, const char *const *params, int mech,
    char *disp, const char *data, size_t len, int encoded)
{
	struct mailmime_content *ct;
	struct mailmime_fields *fields;
	struct mailmime_disposition *dsp;
	struct mailmime_data *md;
	size_t i;

	ct = mailmime_content_new_with_str(type);
	if (ct == NULL)
		ct = compose_etpan(mailmime_content_new_with_str(
		    "application/octet-stream"));
	if (ct->ct_parameters == NULL)
		ct->ct_parameters = compose_etpan(clist_new());
	for (i = 0; params != NULL && params[i] != NULL; i += 2)
		if (clist_append(ct->ct_parameters, compose_etpan(
		    mailmime_param_new_with_data((char *)params[i],
		    (char *)params[i + 1]))) != 0)
			compose_etpan(NULL);
	fields = compose_etpan(mailmime_fields_new_encoding(mech));
	if (disp != NULL) {
		dsp = compose_etpan(mailmime_disposition_new(compose_etpan(
		    mailmime_disposition_type_new(
		    MAILMIME_DISPOSITION_TYPE_EXTENSION, disp)),
		    compose_etpan(clist_new())));
		if (mailmime_fields_add(fields, compose_etpan(
		    mailmime_field_new(MAILMIME_FIELD_DISPOSITION, NULL, NULL,
		    NULL, NULL, 0, dsp, NULL, NULL))) != 0)
			compose_etpan(NULL);
	}
	md = compose_etpan(mailmime_data_new(MAILMIME_DATA_TEXT, mech,
	    encoded, data, len, NULL));
	return (compose_etpan(mailmime_new(MAILMIME_SINGLE, NULL, 0, fields,
	    ct, md, NULL, NULL, NULL, NULL, NULL)));
}

/* LEN bytes at S with every line end CRLF (bare LF and CR too). */
static void
compose_crlf(struct strbuf *sb, const char *s, size_t len)
{
	size_t i = 0, k;

	/* Room for a message with CRLF already, and a few bare LFs. */
	strbuf_grow(sb, len + len / 64 + 2);
	while (i < len) {
		for (k = i; k < len && s[k] != '\r' && s[k] != '\n'; k++)
			continue;
		strbuf_add(sb, s + i, k - i);
		if (k == len)
			break;
		strbuf_addstr(sb, "\r\n");
		if (s[k] == '\r' && k + 1 < len && s[k + 1] == '\n')
			k++;
		i = k + 1;
	}
}

/* Whether LEN bytes at S hold a byte over 127. */
static int
compose_has8(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return (1);
	return (0);
}

/* Whether an address of L is not ASCII. */
static int
compose_utf8_addr(const char *addr)
{
	return (compose_has8(addr, strlen(addr)));
}

/*
 * Parse the list LIST of the header WHAT into L. Returns 0, or -1 with
 * *ERR naming the header.
 */
static int
compose_header_list(const char *what, const char *list,
    struct compose_mboxes *l, char **err)
{
	char *e = NULL;

	if (list == NULL)
		return (0);
	if (compose_parse(list, l, &e) == 0)
		return (0);
	*err = xasprintf(_("%s: %s"), what, e);
	free(e);
	return (-1);
}

/* Add the addresses of L to OUT's recipients, once each. */
static void
compose_add_rcpts(struct compose_out *out, const struct compose_mboxes *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < out->nrcpt; j++)
			if (compose_mbox_same(out->rcpts[j], l->v[i].addr))
				break;
		if (j < out->nrcpt)
			continue;
		out->rcpts = xreallocarray(out->rcpts, out->nrcpt + 2,
		    sizeof *out->rcpts);
		out->rcpt_names = xreallocarray(out->rcpt_names,
		    out->nrcpt + 1, sizeof *out->rcpt_names);
		out->rcpt_names[out->nrcpt] = l->v[i].name != NULL ?
		    xstrdup(l->v[i].name) : NULL;
		out->rcpts[out->nrcpt++] = xstrdup(l->v[i].addr);
		out->rcpts[out->nrcpt] = NULL;
		if (compose_utf8_addr(l->v[i].addr))
			out->utf8_addrs = 1;
	}
}

/* Append the field NAME: the mailboxes L, folded. */
static void
compose_field_mboxes(struct strbuf *sb, const char *name,
    const struct compose_mboxes *l)
{
	struct compose_hdr h;

	if (l->n == 0)
		return;
	compose_hdr_start(&h, sb, name);
	compose_hdr_mboxes(&h, l);
	compose_hdr_end(&h);
}

/* Append the field NAME: the message ids IDS, folded between ids. */
static void
compose_field_ids(struct strbuf *sb, const char *name, const char *ids)
{
	struct compose_hdr h;
	const char *s = ids, *e;

	if (ids == NULL)
		return;
	compose_hdr_start(&h, sb, name);
	while ((s = strchr(s, '<')) != NULL) {
		char *id;

		if ((e = strchr(s, '>')) == NULL)
			break;
		if ((id = compose_first_id(s)) != NULL) {
			compose_hdr_token(&h, " ", id, strlen(id));
			free(id);
		}
		s = e + 1;
	}
	compose_hdr_end(&h);
}

/* A random boundary that LEN bytes at DATA do not hold, or NULL. */
static char *
compose_boundary(char **err)
{
	char token[33];

	if (compose_random_token(token, sizeof token) != 0) {
		*err = xasprintf(_("no random bytes for a MIME boundary: %s"),
		    strerror(errno));
		return (NULL);
	}
	return (xasprintf("=_%s", token));
}

/* One attachment made ready: its bytes and names, and who owns them. */
struct compose_part {
	char *data;
	size_t len;
	char *type;
	char *name;		/* base name, UTF-8 as the path has it */
};

/* Build the message of D. */
int
compose_build(const struct draft *d, const struct compose_opts *o,
    struct compose_out *out, char **err)
{
	struct compose_mboxes from = { NULL, 0, 0 }, to = { NULL, 0, 0 };
	struct compose_mboxes cc = { NULL, 0, 0 }, bcc = { NULL, 0, 0 };
	struct compose_mboxes rto = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT, text = STRBUF_INIT, qp = STRBUF_INIT;
	struct strbuf fwd = STRBUF_INIT;
	struct compose_part *parts = NULL;
	struct mailmime *top = NULL, *body = NULL, *leaf;
	struct compose_hdr h;
	MMAPString *ms = NULL;
	const char *fromval, *rtoval, *b;
	char *boundary = NULL, *subject = NULL, *s;
	size_t i, nparts = 0;
	int ret = -1, col = 0;

	memset(out, 0, sizeof *out);
	fromval = d->from != NULL && *d->from != '\0' ? d->from : o->from;
	rtoval = d->reply_to != NULL && *d->reply_to != '\0' ? d->reply_to :
	    o->reply_to;
	if (fromval == NULL || *fromval == '\0') {
		*err = xstrdup(_("no From: the message needs a sender"));
		goto out;
	}
	if (compose_header_list("From", fromval, &from, err) != 0)
		goto out;
	if (from.n != 1) {
		*err = xstrdup(_("From must be one address"));
		goto out;
	}
	if (compose_header_list("To", d->to, &to, err) != 0 ||
	    compose_header_list("Cc", d->cc, &cc, err) != 0 ||
	    compose_header_list("Bcc", d->bcc, &bcc, err) != 0 ||
	    compose_header_list("Reply-To", rtoval, &rto, err) != 0)
		goto out;
	compose_add_rcpts(out, &to);
	compose_add_rcpts(out, &cc);
	compose_add_rcpts(out, &bcc);
	/* A UTF-8 address in the header needs SMTPUTF8 too (RFC 6531). */
	for (i = 0; i < rto.n; i++)
		if (compose_utf8_addr(rto.v[i].addr))
			out->utf8_addrs = 1;
	if (out->nrcpt == 0 && !o->draft) {
		*err = xstrdup(_("no recipient: To, Cc and Bcc are empty"));
		goto out;
	}
	out->env_from = xstrdup(from.v[0].addr);
	if (compose_utf8_addr(out->env_from))
		out->utf8_addrs = 1;

	/* The attachments, read before anything is written. */
	parts = xcalloc(d->nattach + 1, sizeof *parts);
	for (i = 0; i < d->nattach; i++) {
		struct compose_part *p = &parts[nparts];
		const char *path = d->attach[i].path, *base;

		if (path == NULL || *path == '\0') {
			*err = xstrdup(_("an attachment without a file "
			    "name"));
			goto out;
		}
		if (d->attach[i].type != NULL &&
		    !compose_type_ok(d->attach[i].type)) {
			*err = xasprintf(_("attachment \"%s\": \"%s\" is not "
			    "a MIME type"), path, d->attach[i].type);
			goto out;
		}
		if (compose_read_file(path, COMPOSE_ATTACH_MAX, &p->data,
		    &p->len, err) != 0)
			goto out;
		nparts++;
		for (base = path + strlen(path); base > path &&
		    base[-1] != '/'; base--)
			continue;
		p->name = *base != '\0' ? xstrdup(base) :
		    xstrdup("attachment");
		p->type = d->attach[i].type != NULL ?
		    xstrdup(d->attach[i].type) :
		    compose_attach_type(p->name, p->data, p->len);
	}
	if ((out->message_id = compose_message_id(out->env_from, err)) ==
	    NULL)
		goto out;

	/* The header block, written here (see the top of the file). */
	strbuf_addstr(&sb, "Date: ");
	compose_date(&sb, o->now != 0 ? o->now : time(NULL));
	strbuf_addstr(&sb, "\r\n");
	compose_field_mboxes(&sb, "From", &from);
	compose_field_mboxes(&sb, "To", &to);
	compose_field_mboxes(&sb, "Cc", &cc);
	compose_field_mboxes(&sb, "Reply-To", &rto);
	subject = compose_clean(d->subject);
	if (subject != NULL && *subject != '\0') {
		compose_hdr_start(&h, &sb, "Subject");
		compose_hdr_text(&h, subject);
		compose_hdr_end(&h);
	}
	strbuf_addf(&sb, "Message-ID: %s\r\n", out->message_id);
	compose_field_ids(&sb, "In-Reply-To", d->in_reply_to);
	compose_field_ids(&sb, "References", d->references);
	strbuf_addstr(&sb, "User-Agent: tern/" PACKAGE_VERSION "\r\n");

	/* The text: UTF-8, flowed if asked, quoted-printable. */
	b = d->body != NULL ? d->body : "";
	if (o->text_flowed)
		compose_flowed(&text, b, strlen(b));
	else {
		strbuf_addstr(&text, b);
		if (text.len > 0 && text.buf[text.len - 1] != '\n')
			strbuf_addch(&text, '\n');
	}
	compose_qp(&qp, text.buf, text.len);
	{
		static const char *const plain[] = {
			"charset", "UTF-8", NULL
		};
		static const char *const flowed[] = {
			"charset", "UTF-8", "format", "flowed", NULL
		};

		body = compose_leaf("text/plain", o->text_flowed ? flowed :
		    plain, MAILMIME_MECHANISM_QUOTED_PRINTABLE, NULL, qp.buf,
		    qp.len, 1);
	}
	if (nparts > 0 || d->forward_raw != NULL) {
		struct mailmime *text_part = body;
		struct mailmime_content *ct;

		if ((boundary = compose_boundary(err)) == NULL) {
			mailmime_free(text_part);
			body = NULL;
			goto out;
		}
		ct = compose_etpan(mailmime_content_new_with_str(
		    "multipart/mixed"));
		if (ct->ct_parameters == NULL)
			ct->ct_parameters = compose_etpan(clist_new());
		if (clist_append(ct->ct_parameters, compose_etpan(
		    mailmime_param_new_with_data("boundary", boundary))) != 0)
			compose_etpan(NULL);
		/* mailmime_new(), not _new_empty(): no boundary of its own. */
		body = compose_etpan(mailmime_new(MAILMIME_MULTIPLE, NULL, 0,
		    compose_etpan(mailmime_fields_new_empty()), ct, NULL,
		    NULL, NULL, compose_etpan(clist_new()), NULL, NULL));
		if (mailmime_add_part(body, text_part) != 0)
			compose_etpan(NULL);
		if (d->forward_raw != NULL) {
			compose_crlf(&fwd, d->forward_raw, d->forward_len);
			if (fwd.len > 0 && (fwd.len < 2 ||
			    memcmp(fwd.buf + fwd.len - 2, "\r\n", 2) != 0))
				strbuf_addstr(&fwd, "\r\n");
			leaf = compose_leaf("message/rfc822", NULL,
			    compose_has8(fwd.buf, fwd.len) ?
			    MAILMIME_MECHANISM_8BIT : MAILMIME_MECHANISM_7BIT,
			    xstrdup("inline"), fwd.buf, fwd.len, 1);
			if (mailmime_add_part(body, leaf) != 0)
				compose_etpan(NULL);
		}
		for (i = 0; i < nparts; i++) {
			struct compose_part *p = &parts[i];
			const char *pv[5] = { NULL };
			size_t k = 0;
			int ascii = strlen(p->name) <= 60;

			for (s = p->name; *s != '\0'; s++)
				if ((unsigned char)*s < ' ' ||
				    (unsigned char)*s >= 0x7f)
					ascii = 0;
			if (strncasecmp(p->type, "text/", 5) == 0) {
				pv[k++] = "charset";
				pv[k++] = compose_has8(p->data, p->len) ?
				    "UTF-8" : "us-ascii";
			}
			if (ascii) {
				pv[k++] = "name";
				pv[k++] = p->name;
			}
			if (strcasecmp(p->type, "message/rfc822") == 0 &&
			    memchr(p->data, '\0', p->len) == NULL) {
				/* A message is never base64 (RFC 2046 5.2.1). */
				struct strbuf m = STRBUF_INIT;

				compose_crlf(&m, p->data, p->len);
				if (m.len < 2 || memcmp(m.buf + m.len - 2,
				    "\r\n", 2) != 0)
					strbuf_addstr(&m, "\r\n");
				free(p->data);
				p->data = strbuf_detach(&m, &p->len);
				leaf = compose_leaf(p->type, NULL,
				    compose_has8(p->data, p->len) ?
				    MAILMIME_MECHANISM_8BIT :
				    MAILMIME_MECHANISM_7BIT,
				    compose_disposition("attachment",
				    p->name), p->data, p->len, 1);
				if (mailmime_add_part(body, leaf) != 0)
					compose_etpan(NULL);
				continue;
			}
			if (strncasecmp(p->type, "message/", 8) == 0 ||
			    strncasecmp(p->type, "multipart/", 10) == 0) {
				free(p->type);
				p->type = xstrdup("application/octet-stream");
			}
			leaf = compose_leaf(p->type, pv,
			    MAILMIME_MECHANISM_BASE64,
			    compose_disposition("attachment", p->name),
			    p->data, p->len, 0);
			if (mailmime_add_part(body, leaf) != 0)
				compose_etpan(NULL);
		}
	}
	top = compose_etpan(mailmime_new_message_data(body));
	ms = compose_etpan(mmap_string_new(""));
	if (mailmime_write_mem(ms, &col, top) != MAILIMF_NO_ERROR) {
		*err = xstrdup(_("the message could not be written"));
		goto out;
	}
	strbuf_add(&sb, ms->str, ms->len);
	if (sb.len < 2 || memcmp(sb.buf + sb.len - 2, "\r\n", 2) != 0)
		strbuf_addstr(&sb, "\r\n");
	out->eightbit = compose_has8(sb.buf, sb.len);
	out->data = strbuf_detach(&sb, &out->len);
	out->bcc = compose_mboxes_text(&bcc);
	out->subject = subject;
	subject = NULL;
	out->to = compose_mboxes_text(&to);
	ret = 0;

out:
	if (top != NULL)
		mailmime_free(top);
	else if (body != NULL)
		mailmime_free(body);
	if (ms != NULL)
		mmap_string_free(ms);
	for (i = 0; i < nparts; i++) {
		free(parts[i].data);
		free(parts[i].type);
		free(parts[i].name);
	}
	free(parts);
	compose_mboxes_free(&from);
	compose_mboxes_free(&to);
	compose_mboxes_free(&cc);
	compose_mboxes_free(&bcc);
	compose_mboxes_free(&rto);
	strbuf_release(&sb);
	strbuf_release(&text);
	strbuf_release(&qp);
	strbuf_release(&fwd);
	free(subject);
	free(boundary);
	if (ret != 0)
		compose_out_release(out);
	return (ret);
}

/* -- a message written elsewhere ------------------------------------------ */

/* One field of a raw header block: where it is, what it is. */
struct compose_rawfield {
	size_t start, end;	/* the field's bytes with its CRLF */
	size_t name_len;
};

/*
 * A whole message given to send (RAW, LEN bytes) into *IN with CRLF line
 * ends, an mbox "From " line left out: 0, or -1 with *ERR (empty, a NUL).
 */
static int
compose_raw_in(const char *raw, size_t len, struct strbuf *in, char **err)
{
	const char *nl;
	size_t k;

	if (raw == NULL || len == 0) {
		*err = xstrdup(_("the message is empty"));
		return (-1);
	}
	if (memchr(raw, '\0', len) != NULL) {
		*err = xstrdup(_("the message holds a NUL byte"));
		return (-1);
	}
	/* An mbox "From " line is not part of the message. */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		nl = memchr(raw, '\n', len);
		k = nl != NULL ? (size_t)(nl - raw) + 1 : len;
		raw += k;
		len -= k;
	}
	compose_crlf(in, raw, len);
	return (0);
}

/* Prepare a message written by someone else for sending. */
int
compose_prepare_raw(const char *raw, size_t len,
    const struct compose_opts *o, struct compose_out *out, char **err)
{
	struct compose_mboxes l = { NULL, 0, 0 }, from = { NULL, 0, 0 };
	struct compose_mboxes bccl = { NULL, 0, 0 };
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT, v = STRBUF_INIT;
	struct strbuf bcc = STRBUF_INIT;
	struct compose_rawfield *f = NULL;
	size_t nf = 0, pos = 0, eol, k, i, body, line = 0, blen;
	int ret = -1, has_from = 0, has_date = 0, has_id = 0, has_mv = 0;
	int has_ct = 0, has_cte = 0;
	char *from_hdr = NULL, *to_hdr = NULL, *subj_hdr = NULL, *id = NULL;
	const char *name;

	memset(out, 0, sizeof *out);
	if (compose_raw_in(raw, len, &in, err) != 0)
		goto out;

	/* The header block: fields and their continuations, then CRLF. */
	body = in.len;
	while (pos < in.len) {
		const char *s = in.buf + pos;
		char *nl = memmem(s, in.len - pos, "\r\n", 2);

		eol = nl != NULL ? (size_t)(nl - in.buf) + 2 : in.len;
		line++;
		if (eol - pos == 2) {
			body = eol;
			break;
		}
		if (s[0] == ' ' || s[0] == '\t') {
			if (nf == 0)
				goto malformed;
			f[nf - 1].end = eol;
			pos = eol;
			continue;
		}
		for (k = 0; pos + k < eol && s[k] > ' ' && s[k] < 0x7f &&
		    s[k] != ':'; k++)
			continue;
		if (k == 0 || pos + k == eol || s[k] != ':')
			goto malformed;
		f = xreallocarray(f, nf + 1, sizeof *f);
		f[nf].start = pos;
		f[nf].end = eol;
		f[nf].name_len = k;
		nf++;
		pos = eol;
	}
	if (nf == 0) {
		*err = xstrdup(_("the message has no header"));
		goto out;
	}

	/* Recipients, and what is there. */
	for (i = 0; i < nf; i++) {
		const char *s = in.buf + f[i].start;
		char *e = NULL;
		int is_bcc;

		name = s;
		k = f[i].name_len;
#define COMPOSE_IS(n) (k == strlen(n) && strncasecmp(name, n, k) == 0)
		is_bcc = COMPOSE_IS("Bcc");
		strbuf_reset(&v);
		for (pos = f[i].start + k + 1; pos < f[i].end; pos++)
			if (in.buf[pos] != '\r' && in.buf[pos] != '\n')
				strbuf_addch(&v, in.buf[pos]);
		if (COMPOSE_IS("To") || COMPOSE_IS("Cc") || is_bcc) {
			if (compose_parse(v.buf, is_bcc ? &bccl : &l, &e) !=
			    0) {
				*err = xasprintf(_("%.*s: %s"), (int)k, name,
				    e);
				free(e);
				goto out;
			}
			if (is_bcc) {
				char *c = compose_clean(v.buf);

				if (*c != '\0') {
					if (bcc.len > 0)
						strbuf_addstr(&bcc, ", ");
					strbuf_addstr(&bcc, c);
				}
				free(c);
			}
			if (COMPOSE_IS("To") && to_hdr == NULL)
				to_hdr = mime_decode_header(v.buf, v.len);
		} else if (COMPOSE_IS("From")) {
			has_from = 1;
			if (from_hdr == NULL)
				from_hdr = xstrdup(v.buf);
		} else if (COMPOSE_IS("Date"))
			has_date = 1;
		else if (COMPOSE_IS("Message-ID")) {
			has_id = 1;
			if (id == NULL)
				id = compose_first_id(v.buf);
		} else if (COMPOSE_IS("MIME-Version"))
			has_mv = 1;
		else if (COMPOSE_IS("Content-Type"))
			has_ct = 1;
		else if (COMPOSE_IS("Content-Transfer-Encoding"))
			has_cte = 1;
		else if (COMPOSE_IS("Subject") && subj_hdr == NULL)
			subj_hdr = mime_decode_header(v.buf, v.len);
#undef COMPOSE_IS
	}
	compose_add_rcpts(out, &l);
	compose_add_rcpts(out, &bccl);
	if (out->nrcpt == 0) {
		*err = xstrdup(_("no recipient: the message has no To, Cc "
		    "or Bcc address"));
		goto out;
	}
	if (!has_from && (o == NULL || o->from == NULL || *o->from == '\0')) {
		*err = xstrdup(_("no From: the message has none and the "
		    "account gives none"));
		goto out;
	}
	if (compose_header_list("From", has_from ? from_hdr : o->from, &from,
	    err) != 0)
		goto out;
	if (from.n == 0) {
		*err = xstrdup(_("no From: the message needs a sender"));
		goto out;
	}
	out->env_from = xstrdup(from.v[0].addr);
	if (compose_utf8_addr(out->env_from))
		out->utf8_addrs = 1;
	/* A Message-ID that is not one is replaced. */
	if (id == NULL) {
		if ((id = compose_message_id(out->env_from, err)) == NULL)
			goto out;
		has_id = 0;
	}

	/* The fields but Bcc, what was missing, the body. */
	for (i = 0; i < nf; i++) {
		if (f[i].name_len == 3 && strncasecmp(in.buf + f[i].start,
		    "Bcc", 3) == 0)
			continue;
		if (!has_id && f[i].name_len == 10 && strncasecmp(in.buf +
		    f[i].start, "Message-ID", 10) == 0)
			continue;
		strbuf_add(&sb, in.buf + f[i].start, f[i].end - f[i].start);
		if (f[i].end == in.len && (f[i].end - f[i].start < 2 ||
		    memcmp(in.buf + f[i].end - 2, "\r\n", 2) != 0))
			strbuf_addstr(&sb, "\r\n");
	}
	if (!has_from)
		compose_field_mboxes(&sb, "From", &from);
	if (!has_date) {
		strbuf_addstr(&sb, "Date: ");
		compose_date(&sb, o != NULL && o->now != 0 ? o->now :
		    time(NULL));
		strbuf_addstr(&sb, "\r\n");
	}
	if (!has_id)
		strbuf_addf(&sb, "Message-ID: %s\r\n", id);
	if (!has_mv)
		strbuf_addstr(&sb, "MIME-Version: 1.0\r\n");
	if (!has_ct && compose_has8(in.buf + body, in.len - body)) {
		strbuf_addstr(&sb, "Content-Type: text/plain; "
		    "charset=UTF-8\r\n");
		if (!has_cte)
			strbuf_addstr(&sb, "Content-Transfer-Encoding: "
			    "8bit\r\n");
	}
	strbuf_addstr(&sb, "\r\n");
	/*
	 * The new header block in place of the old one, in IN's own buffer:
	 * a large message is not held twice.
	 */
	blen = in.len - body;
	if (sb.len > body)
		strbuf_grow(&in, sb.len - body + 2);
	memmove(in.buf + sb.len, in.buf + body, blen);
	memcpy(in.buf, sb.buf, sb.len);
	strbuf_setlen(&in, sb.len + blen);
	if (blen > 0 && memcmp(in.buf + in.len - 2, "\r\n", 2) != 0)
		strbuf_addstr(&in, "\r\n");

	out->eightbit = compose_has8(in.buf, in.len);
	out->data = strbuf_detach(&in, &out->len);
	out->message_id = id;
	id = NULL;
	out->bcc = bcc.len > 0 ? strbuf_detach(&bcc, NULL) : NULL;
	out->subject = subj_hdr;
	subj_hdr = NULL;
	out->to = to_hdr;
	to_hdr = NULL;
	ret = 0;
	goto out;

malformed:
	*err = xasprintf(_("line %zu of the message is not a header field "
	    "(an empty line ends the header)"), line);

out:
	compose_mboxes_free(&l);
	compose_mboxes_free(&bccl);
	compose_mboxes_free(&from);
	strbuf_release(&in);
	strbuf_release(&sb);
	strbuf_release(&v);
	strbuf_release(&bcc);
	free(f);
	free(from_hdr);
	free(to_hdr);
	free(subj_hdr);
	free(id);
	if (ret != 0)
		compose_out_release(out);
	return (ret);
}

/* -- mailto: URLs ----------------------------------------------------------- */

/* Undo the %-escapes of S (LEN bytes) into *OUT_R: 0, or -1 with *ERR. */
static int
compose_mailto_decode(const char *s, size_t len, int multiline,
    char **out_r, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= len)
				goto bad;
			if ((hi = util_hex_digit(s[i + 1])) < 0 ||
			    (lo = util_hex_digit(s[i + 2])) < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0') {
			*err = xstrdup(_("the mailto: URL holds a NUL"));
			goto fail;
		}
		if (c == '\r')
			continue;
		/* One line but in the body: control characters as spaces. */
		if ((c < ' ' || c == 0x7f) && !(multiline && (c == '\n' ||
		    c == '\t')))
			c = ' ';
		strbuf_addch(&sb, (char)c);
	}
	for (i = 0; i < sb.len; i += (size_t)hi) {
		if ((hi = compose_utf8_len((const unsigned char *)sb.buf + i,
		    sb.len - i)) < 0) {
			*err = xstrdup(_("the mailto: URL is not UTF-8"));
			goto fail;
		}
	}
	*out_r = sb.buf != NULL ? strbuf_detach(&sb, NULL) : xstrdup("");
	return 0;
bad:
	*err = xstrdup(_("the mailto: URL has a percent sign that is not an "
	    "escape"));
fail:
	strbuf_release(&sb);
	return -1;
}

/* Append the list V to the address field *FIELD (", " between). */
static void
compose_mailto_add(char **field, const char *v)
{
	char *s, *c = compose_clean(v);

	if (*c == '\0') {
		free(c);
		return;
	}
	if (*field == NULL) {
		*field = c;
		return;
	}
	s = xasprintf("%s, %s", *field, c);
	free(c);
	free(*field);
	*field = s;
}

/* Whether the address list LIST (NULL: none) parses: 0, or -1 with *ERR. */
static int
compose_mailto_check(const char *list, char **err)
{
	char **addrs = NULL;
	size_t n = 0;

	if (list == NULL)
		return 0;
	if (compose_addresses(list, &addrs, &n, err) != 0)
		return -1;
	util_strv_free(addrs, n);
	return 0;
}

int
compose_mailto(const char *url, struct draft *d, char **err)
{
	const char *p, *q, *amp, *eq;
	char *name = NULL, *v = NULL;
	int ret = -1;

	if (strncasecmp(url, "mailto:", 7) != 0) {
		*err = xstrdup(_("not a mailto: URL"));
		return -1;
	}
	p = url + 7;
	q = strchr(p, '?');
	if (compose_mailto_decode(p, q != NULL ? (size_t)(q - p) :
	    strlen(p), 0, &v, err) != 0)
		goto out;
	compose_mailto_add(&d->to, v);
	free(v);
	v = NULL;
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0';
	    p = amp != NULL ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) :
		    strlen(p));
		if (eq == NULL)
			continue;
		if (compose_mailto_decode(p, (size_t)(eq - p), 0, &name,
		    err) != 0 || compose_mailto_decode(eq + 1, amp != NULL ?
		    (size_t)(amp - eq - 1) : strlen(eq + 1),
		    strcasecmp(name, "body") == 0, &v, err) != 0)
			goto out;
		if (strcasecmp(name, "to") == 0)
			compose_mailto_add(&d->to, v);
		else if (strcasecmp(name, "cc") == 0)
			compose_mailto_add(&d->cc, v);
		else if (strcasecmp(name, "bcc") == 0)
			compose_mailto_add(&d->bcc, v);
		else if (strcasecmp(name, "subject") == 0) {
			free(d->subject);
			d->subject = compose_clean(v);
		} else if (strcasecmp(name, "body") == 0) {
			free(d->body);
			d->body = v;
			v = NULL;
		} else if (strcasecmp(name, "in-reply-to") == 0) {
			free(d->in_reply_to);
			d->in_reply_to = compose_first_id(v);
		}
		free(name);
		free(v);
		name = v = NULL;
	}
	/* Every address must be one. */
	if (compose_mailto_check(d->to, err) != 0 ||
	    compose_mailto_check(d->cc, err) != 0 ||
	    compose_mailto_check(d->bcc, err) != 0)
		goto out;
	ret = 0;
out:
	free(name);
	free(v);
	return ret;
}

/*
 * Bounce: the message RAW again, unchanged below Resent-From, Resent-To,
 * Resent-Date and Resent-Message-ID fields (RFC 5322 3.6.6), to TO.
 */
int
compose_bounce(const char *raw, size_t len, const char *to,
    const struct compose_opts *o, struct compose_out *out, char **err)
{
	struct compose_mboxes from = { NULL, 0, 0 }, tol = { NULL, 0, 0 };
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	size_t hstart, hend, bstart, pos, eol;
	char *id = NULL, *v;
	int ret = -1, skip;

	memset(out, 0, sizeof *out);
	if (compose_raw_in(raw, len, &in, err) != 0)
		goto out;
	if (compose_header_block(in.buf, in.len, &hstart, &hend,
	    &bstart) != 0) {
		*err = xstrdup(_("the message has no header"));
		goto out;
	}
	if (o == NULL || o->from == NULL || *o->from == '\0') {
		*err = xstrdup(_("no From: the message needs a sender"));
		goto out;
	}
	if (compose_header_list("From", o->from, &from, err) != 0)
		goto out;
	if (from.n != 1) {
		*err = xstrdup(_("From must be one address"));
		goto out;
	}
	if (compose_header_list("Resent-To", to, &tol, err) != 0)
		goto out;
	compose_add_rcpts(out, &tol);
	if (out->nrcpt == 0) {
		*err = xstrdup(_("no recipient to bounce the message to"));
		goto out;
	}
	out->env_from = xstrdup(from.v[0].addr);
	if (compose_utf8_addr(out->env_from))
		out->utf8_addrs = 1;
	if ((id = compose_message_id(out->env_from, err)) == NULL)
		goto out;
	compose_field_mboxes(&sb, "Resent-From", &from);
	compose_field_mboxes(&sb, "Resent-To", &tol);
	strbuf_addstr(&sb, "Resent-Date: ");
	compose_date(&sb, o->now != 0 ? o->now : time(NULL));
	strbuf_addf(&sb, "\r\nResent-Message-ID: %s\r\n", id);
	/* The header but its Bcc fields (a Sent copy keeps one), the body. */
	for (pos = hstart, skip = 0; pos < bstart; pos = eol) {
		const char *nl = memmem(in.buf + pos, bstart - pos, "\r\n", 2);

		eol = nl != NULL ? (size_t)(nl - in.buf) + 2 : bstart;
		if (in.buf[pos] != ' ' && in.buf[pos] != '\t')
			skip = eol - pos >= 4 &&
			    strncasecmp(in.buf + pos, "Bcc:", 4) == 0;
		if (!skip)
			strbuf_add(&sb, in.buf + pos, eol - pos);
	}
	/* A header that ends without its empty line gets one. */
	if (sb.len < 4 || memcmp(sb.buf + sb.len - 4, "\r\n\r\n", 4) != 0) {
		if (sb.len < 2 || memcmp(sb.buf + sb.len - 2, "\r\n", 2) != 0)
			strbuf_addstr(&sb, "\r\n");
		strbuf_addstr(&sb, "\r\n");
	}
	strbuf_add(&sb, in.buf + bstart, in.len - bstart);
	if (sb.len < 2 || memcmp(sb.buf + sb.len - 2, "\r\n", 2) != 0)
		strbuf_addstr(&sb, "\r\n");
	out->eightbit = compose_has8(sb.buf, sb.len);
	out->data = strbuf_detach(&sb, &out->len);
	out->message_id = id;
	id = NULL;
	if ((v = mime_header_value(in.buf + hstart, hend - hstart,
	    "Subject")) != NULL) {
		out->subject = mime_decode_header(v, strlen(v));
		free(v);
	}
	out->to = compose_clean(to);
	ret = 0;
out:
	compose_mboxes_free(&from);
	compose_mboxes_free(&tol);
	strbuf_release(&in);
	strbuf_release(&sb);
	free(id);
	if (ret != 0)
		compose_out_release(out);
	return (ret);
}

/* -- signatures and the attachment warning -------------------------------- */

/* Read a signature file. */
int
compose_read_signature(const char *path, char **text_r, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	char *data;
	size_t len, i;
	int n;

	*text_r = NULL;
	if (compose_read_file(path, COMPOSE_SIG_MAX, &data, &len, err) != 0)
		return (-1);
	for (i = 0; i < len; i++) {
		if (data[i] == '\0') {
			*err = xasprintf(_("signature \"%s\": a NUL byte"),
			    path);
			goto bad;
		}
		if ((n = compose_utf8_len((unsigned char *)data + i,
		    len - i)) < 0) {
			*err = xasprintf(_("signature \"%s\": bytes that are "
			    "not UTF-8"), path);
			goto bad;
		}
		i += (size_t)n - 1;
	}
	for (i = 0; i < len; i++)
		if (!(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
			strbuf_addch(&sb, data[i]);
	free(data);
	*text_r = strbuf_detach(&sb, NULL);
	return (0);

bad:
	free(data);
	return (-1);
}

/* Whether S starts a word at S (BEGIN: the text's start). */
static int
compose_word_start(const char *begin, const char *s)
{
	unsigned char c;

	if (s == begin)
		return (1);
	c = (unsigned char)s[-1];
	return (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80));
}

/* Whether the text speaks of an attachment. */
int
compose_mentions_attachment(const char *body)
{
	static const char *const words[] = {
		"attach", "anhang", "anh\xc3\xa4ng", "angeh\xc3\xa4ngt",
		"angehaengt", "anlage"
	};
	const char *s = body, *eol, *p;
	int forwarded = 0;
	size_t i, n;

	if (body == NULL)
		return (0);
	for (; *s != '\0'; s = *eol != '\0' ? eol + 1 : eol) {
		if ((eol = strchr(s, '\n')) == NULL)
			eol = s + strlen(s);
		n = (size_t)(eol - s);
		if (n == 3 && memcmp(s, "-- ", 3) == 0)
			break;
		if (n >= 10 && strncmp(s, "----- ", 6) == 0) {
			/* The marks of an inline forward, in any language. */
			if (strstr(s, " -----") != NULL &&
			    (size_t)(strstr(s, " -----") - s) < n) {
				forwarded = !forwarded;
				continue;
			}
		}
		if (forwarded || *s == '>')
			continue;
		for (p = s; p < eol; p++) {
			if (!compose_word_start(body, p))
				continue;
			for (i = 0; i < sizeof words / sizeof words[0]; i++)
				if ((size_t)(eol - p) >= strlen(words[i]) &&
				    strncasecmp(p, words[i],
				    strlen(words[i])) == 0)
					return (1);
		}
	}
	return (0);
}
