/*
 * HTML to text: this file owns the built-in converter that mime.c uses for
 * a text/html part when no text/plain exists and no mailcap renderer was
 * given. It is a single pass over the bytes, not a DOM: tags are read one
 * by one and change the state of an output builder (pending line ends,
 * a pending blank, block quote depth, the stack of lists, the open link).
 * Broken HTML never fails: an unknown tag is ignored, a '<' that does not
 * start a tag is text, an unclosed comment or script runs to the end.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "strbuf.h"
#include "text.h"
#include "util.h"
#include "xmalloc.h"

/* Deeper nesting of lists is drawn at this depth. */
#define HTML_MAX_LISTS 16
/* The most line ends in a row (two blank lines). */
#define HTML_MAX_PENDING 3
/* A horizontal rule. */
#define HTML_RULE "--------------------"

struct html_list {
	int ordered;
	long n;			/* the number of the last item */
};

struct html {
	struct strbuf *sb;
	int flags;
	int pending;		/* line ends owed before the next text */
	int space;		/* a blank owed before the next text */
	int bol;		/* at the start of a line: the prefix is owed */
	int quote;		/* block quote depth */
	int pre;		/* inside pre (depth) */
	int pre_start;		/* just after <pre>: drop one line end */
	int head;		/* inside the head: text is dropped */
	int dd;			/* definition depth (indented) */
	int cell;		/* cells so far in the table row */
	struct html_list lists[HTML_MAX_LISTS];
	int nlists;		/* may exceed HTML_MAX_LISTS */
	char bullet[24];	/* owed at the start of the next line */
	int in_link;
	char *href;		/* the open link's target */
	struct strbuf link_text;
	char **links;		/* the footnotes, in order */
	size_t nlinks;
};

/* windows-1252 0x80..0x9f, for numeric references in that range. */
static const unsigned short html_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* The named references mail uses (names are case-sensitive). */
static const struct {
	const char *name;
	unsigned int cp;
} html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "iexcl", 0xa1 },
	{ "cent", 0xa2 }, { "pound", 0xa3 }, { "curren", 0xa4 },
	{ "yen", 0xa5 }, { "brvbar", 0xa6 }, { "sect", 0xa7 },
	{ "uml", 0xa8 }, { "copy", 0xa9 }, { "ordf", 0xaa },
	{ "laquo", 0xab }, { "not", 0xac }, { "shy", 0xad }, { "reg", 0xae },
	{ "macr", 0xaf }, { "deg", 0xb0 }, { "plusmn", 0xb1 },
	{ "sup2", 0xb2 }, { "sup3", 0xb3 }, { "acute", 0xb4 },
	{ "micro", 0xb5 }, { "para", 0xb6 }, { "middot", 0xb7 },
	{ "cedil", 0xb8 }, { "sup1", 0xb9 }, { "ordm", 0xba },
	{ "raquo", 0xbb }, { "frac14", 0xbc }, { "frac12", 0xbd },
	{ "frac34", 0xbe }, { "iquest", 0xbf }, { "Agrave", 0xc0 },
	{ "Aacute", 0xc1 }, { "Acirc", 0xc2 }, { "Atilde", 0xc3 },
	{ "Auml", 0xc4 }, { "Aring", 0xc5 }, { "AElig", 0xc6 },
	{ "Ccedil", 0xc7 }, { "Egrave", 0xc8 }, { "Eacute", 0xc9 },
	{ "Ecirc", 0xca }, { "Euml", 0xcb }, { "Igrave", 0xcc },
	{ "Iacute", 0xcd }, { "Icirc", 0xce }, { "Iuml", 0xcf },
	{ "ETH", 0xd0 }, { "Ntilde", 0xd1 }, { "Ograve", 0xd2 },
	{ "Oacute", 0xd3 }, { "Ocirc", 0xd4 }, { "Otilde", 0xd5 },
	{ "Ouml", 0xd6 }, { "times", 0xd7 }, { "Oslash", 0xd8 },
	{ "Ugrave", 0xd9 }, { "Uacute", 0xda }, { "Ucirc", 0xdb },
	{ "Uuml", 0xdc }, { "Yacute", 0xdd }, { "THORN", 0xde },
	{ "szlig", 0xdf }, { "agrave", 0xe0 }, { "aacute", 0xe1 },
	{ "acirc", 0xe2 }, { "atilde", 0xe3 }, { "auml", 0xe4 },
	{ "aring", 0xe5 }, { "aelig", 0xe6 }, { "ccedil", 0xe7 },
	{ "egrave", 0xe8 }, { "eacute", 0xe9 }, { "ecirc", 0xea },
	{ "euml", 0xeb }, { "igrave", 0xec }, { "iacute", 0xed },
	{ "icirc", 0xee }, { "iuml", 0xef }, { "eth", 0xf0 },
	{ "ntilde", 0xf1 }, { "ograve", 0xf2 }, { "oacute", 0xf3 },
	{ "ocirc", 0xf4 }, { "otilde", 0xf5 }, { "ouml", 0xf6 },
	{ "divide", 0xf7 }, { "oslash", 0xf8 }, { "ugrave", 0xf9 },
	{ "uacute", 0xfa }, { "ucirc", 0xfb }, { "uuml", 0xfc },
	{ "yacute", 0xfd }, { "thorn", 0xfe }, { "yuml", 0xff },
	{ "OElig", 0x152 }, { "oelig", 0x153 }, { "Scaron", 0x160 },
	{ "scaron", 0x161 }, { "Yuml", 0x178 }, { "fnof", 0x192 },
	{ "circ", 0x2c6 }, { "tilde", 0x2dc }, { "ensp", 0x2002 },
	{ "emsp", 0x2003 }, { "thinsp", 0x2009 }, { "zwnj", 0x200c },
	{ "zwj", 0x200d }, { "lrm", 0x200e }, { "rlm", 0x200f },
	{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "sbquo", 0x201a }, { "ldquo", 0x201c },
	{ "rdquo", 0x201d }, { "bdquo", 0x201e }, { "dagger", 0x2020 },
	{ "Dagger", 0x2021 }, { "bull", 0x2022 }, { "hellip", 0x2026 },
	{ "permil", 0x2030 }, { "prime", 0x2032 }, { "lsaquo", 0x2039 },
	{ "rsaquo", 0x203a }, { "euro", 0x20ac }, { "trade", 0x2122 },
	{ "larr", 0x2190 }, { "uarr", 0x2191 }, { "rarr", 0x2192 },
	{ "darr", 0x2193 }, { "harr", 0x2194 }, { "minus", 0x2212 },
	{ "le", 0x2264 }, { "ge", 0x2265 }, { "ne", 0x2260 },
	{ "infin", 0x221e }, { "hearts", 0x2665 }, { "check", 0x2713 },
};

/* Elements whose content is never shown. */
static const char *html_skip_tags[] = {
	"script", "style", "title", "template", NULL
};

/* Elements that may sit in the head (any other one ends it). */
static const char *html_head_tags[] = {
	"head", "title", "meta", "link", "style", "script", "base",
	"noscript", NULL
};

/* Elements that end a line before and after them. */
static const char *html_line_tags[] = {
	"div", "section", "article", "header", "footer", "nav", "main",
	"aside", "center", "form", "fieldset", "address", "figure",
	"figcaption", "details", "summary", "caption", "table", "tbody",
	"thead", "tfoot", "dl", "dt", "body", "html", "option", NULL
};

/* URL schemes listed as footnotes. */
static const char *html_schemes[] = {
	"http:", "https:", "ftp:", "mailto:", NULL
};

static int	html_in(const char *, const char **);
static void	html_prefix(struct html *);
static void	html_flush(struct html *);
static void	html_emit(struct html *, const char *, size_t);
static void	html_text(struct html *, const char *, size_t);
static void	html_break(struct html *, int);
static int	html_attr(const char *, size_t, const char *, struct strbuf *);
static void	html_link_open(struct html *, const char *, size_t);
static void	html_link_close(struct html *);
static size_t	html_skip_to_close(const char *, size_t, size_t,
		    const char *);
static size_t	html_tag_end(const char *, size_t, size_t);
static void	html_tag(struct html *, const char *, int, const char *,
		    size_t);
static void	html_finish(struct html *);

/* Whether NAME is one of the NULL-terminated LIST. */
static int
html_in(const char *name, const char **list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++) {
		if (strcmp(name, list[i]) == 0)
			return (1);
	}
	return (0);
}

size_t
html_entity(struct strbuf *sb, const char *s, size_t len)
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
			if (hex && util_hex_digit((unsigned char)s[i]) != -1)
				cp = cp * 16 + (unsigned long)util_hex_digit(
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
		if (cp >= 0x80 && cp < 0xa0 && html_cp1252[cp - 0x80] != 0)
			cp = html_cp1252[cp - 0x80];
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
		strbuf_add_utf8(sb, (unsigned int)cp);
		return (n + 1);
	}
	memcpy(name, s + 1, n - 1);
	name[n - 1] = '\0';
	for (i = 0; i < sizeof html_entities / sizeof html_entities[0]; i++) {
		if (strcmp(name, html_entities[i].name) == 0) {
			strbuf_add_utf8(sb, html_entities[i].cp);
			return (n + 1);
		}
	}
	return (0);
}

/* Write what starts a line: quote marks, indent, an owed bullet. */
static void
html_prefix(struct html *h)
{
	int i, depth;

	for (i = 0; i < h->quote; i++)
		strbuf_addstr(h->sb, "> ");
	depth = h->nlists < HTML_MAX_LISTS ? h->nlists : HTML_MAX_LISTS;
	for (i = 1; i < depth; i++)
		strbuf_addstr(h->sb, "  ");
	for (i = 0; i < h->dd && i < HTML_MAX_LISTS; i++)
		strbuf_addstr(h->sb, "    ");
	if (h->bullet[0] != '\0') {
		strbuf_addstr(h->sb, h->bullet);
		h->bullet[0] = '\0';
	} else if (h->nlists > 0)
		strbuf_addstr(h->sb, "  ");
}

/* Pay what is owed before text: line ends, then the prefix or a blank. */
static void
html_flush(struct html *h)
{
	int i;

	if (h->sb->len == 0) {
		h->pending = 0;
		h->space = 0;
	}
	if (h->pending > 0) {
		for (i = 0; i < h->pending; i++)
			strbuf_addch(h->sb, '\n');
		h->pending = 0;
		h->bol = 1;
	}
	if (h->bol) {
		html_prefix(h);
		h->bol = 0;
		h->space = 0;
	} else if (h->space) {
		strbuf_addch(h->sb, ' ');
		if (h->in_link)
			strbuf_addch(&h->link_text, ' ');
		h->space = 0;
	}
}

/* Append LEN bytes of text that hold no blank to collapse. */
static void
html_emit(struct html *h, const char *s, size_t len)
{
	if (len == 0)
		return;
	html_flush(h);
	strbuf_add(h->sb, s, len);
	if (h->in_link)
		strbuf_add(&h->link_text, s, len);
}

/* Append decoded text: blanks collapse outside pre. */
static void
html_text(struct html *h, const char *s, size_t len)
{
	size_t i = 0, start;

	if (h->head)
		return;
	while (i < len) {
		if (h->pre) {
			if (s[i] == '\r') {
				i++;
				continue;
			}
			if (s[i] == '\n') {
				if (!h->pre_start && h->sb->len > 0)
					h->pending++;
				h->pre_start = 0;
				i++;
				continue;
			}
			h->pre_start = 0;
			for (start = i; i < len && s[i] != '\n' &&
			    s[i] != '\r'; i++)
				;
			html_emit(h, s + start, i - start);
			continue;
		}
		if (strchr(" \t\r\n\f", s[i]) != NULL && s[i] != '\0') {
			h->space = 1;
			i++;
			continue;
		}
		for (start = i; i < len && (strchr(" \t\r\n\f", s[i]) ==
		    NULL || s[i] == '\0'); i++)
			;
		html_emit(h, s + start, i - start);
	}
}

/* End the line (N 1) or leave a blank line (N 2) before the next text. */
static void
html_break(struct html *h, int n)
{
	if (h->pending < n)
		h->pending = n;
	h->space = 0;
}

/*
 * The value of attribute NAME in the tag text T (LEN bytes after the
 * tag's name), references decoded, into OUT. Returns 1 if present.
 */
static int
html_attr(const char *t, size_t len, const char *name, struct strbuf *out)
{
	size_t i = 0, ns, nl, vs, vl, k;
	size_t namelen = strlen(name);
	char q;
	int used;

	while (i < len) {
		while (i < len && (isspace((unsigned char)t[i]) || t[i] == '/'))
			i++;
		for (ns = i; i < len && !isspace((unsigned char)t[i]) &&
		    t[i] != '=' && t[i] != '>' && t[i] != '/'; i++)
			;
		nl = i - ns;
		while (i < len && isspace((unsigned char)t[i]))
			i++;
		vs = vl = 0;
		if (i < len && t[i] == '=') {
			i++;
			while (i < len && isspace((unsigned char)t[i]))
				i++;
			if (i < len && (t[i] == '"' || t[i] == '\'')) {
				q = t[i++];
				for (vs = i; i < len && t[i] != q; i++)
					;
				vl = i - vs;
				if (i < len)
					i++;
			} else {
				for (vs = i; i < len &&
				    !isspace((unsigned char)t[i]) &&
				    t[i] != '>'; i++)
					;
				vl = i - vs;
			}
		}
		if (nl == 0) {
			if (i < len && vl == 0)
				i++;
			continue;
		}
		if (nl != namelen || strncasecmp(t + ns, name, nl) != 0)
			continue;
		for (k = vs; k < vs + vl; k++) {
			if (t[k] == '&' && (used = (int)html_entity(out, t + k,
			    vs + vl - k)) > 0)
				k += (size_t)used - 1;
			else
				strbuf_addch(out, t[k]);
		}
		return (1);
	}
	return (0);
}

/* <a>: remember the target of a link that a reader can follow. */
static void
html_link_open(struct html *h, const char *attrs, size_t len)
{
	struct strbuf v = STRBUF_INIT, url = STRBUF_INIT;
	size_t i;

	if (h->in_link)
		html_link_close(h);
	if ((h->flags & HTML_NO_LINKS) || !html_attr(attrs, len, "href", &v))
		goto out;
	for (i = 0; i < v.len; i++) {
		if (!isspace((unsigned char)v.buf[i]) && v.buf[i] != '\0')
			strbuf_addch(&url, v.buf[i]);
	}
	for (i = 0; html_schemes[i] != NULL; i++) {
		if (strncasecmp(url.buf, html_schemes[i],
		    strlen(html_schemes[i])) == 0 &&
		    url.len > strlen(html_schemes[i]))
			break;
	}
	if (html_schemes[i] == NULL)
		goto out;
	h->in_link = 1;
	h->href = strbuf_detach(&url, NULL);
	strbuf_reset(&h->link_text);
out:
	strbuf_release(&v);
	strbuf_release(&url);
}

/* </a>: the footnote marker, unless the text already shows the target. */
static void
html_link_close(struct html *h)
{
	const char *url, *text = h->link_text.buf;
	char mark[32];
	size_t i;

	if (!h->in_link)
		return;
	h->in_link = 0;
	url = h->href;
	if (strncasecmp(url, "mailto:", 7) == 0 && strcmp(text, url + 7) == 0)
		goto out;
	if (strcmp(text, url) == 0)
		goto out;
	for (i = 0; i < h->nlinks; i++) {
		if (strcmp(h->links[i], url) == 0)
			break;
	}
	if (i == h->nlinks) {
		h->links = xreallocarray(h->links, h->nlinks + 1,
		    sizeof *h->links);
		h->links[h->nlinks++] = h->href;
		h->href = NULL;
	}
	snprintf(mark, sizeof mark, "[%zu]", i + 1);
	if (h->link_text.len > 0)
		h->space = 0;
	html_emit(h, mark, strlen(mark));
out:
	free(h->href);
	h->href = NULL;
}

/*
 * The offset just after "</NAME ...>" from I on in S (LEN bytes), or LEN
 * when the element is never closed.
 */
static size_t
html_skip_to_close(const char *s, size_t len, size_t i, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (; i + 2 + n <= len; i++) {
		if (s[i] != '<' || s[i + 1] != '/' ||
		    strncasecmp(s + i + 2, name, n) != 0)
			continue;
		if (i + 2 + n < len && isalnum((unsigned char)s[i + 2 + n]))
			continue;
		p = memchr(s + i, '>', len - i);
		return (p != NULL ? (size_t)(p - s) + 1 : len);
	}
	return (len);
}

/* The offset of the '>' ending the tag whose text starts at I, or LEN. */
static size_t
html_tag_end(const char *s, size_t len, size_t i)
{
	char quote = 0;

	for (; i < len; i++) {
		if (quote != 0) {
			if (s[i] == quote)
				quote = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			/* Only an attribute value opens a quote. */
			if (i > 0 && s[i - 1] == '=')
				quote = s[i];
		} else if (s[i] == '>')
			return (i);
	}
	return (len);
}

/* Act on the tag NAME (CLOSING or not) with attribute text ATTRS. */
static void
html_tag(struct html *h, const char *name, int closing, const char *attrs,
    size_t alen)
{
	struct strbuf v = STRBUF_INIT;
	struct html_list *l;
	long start;
	int level;

	if (h->head) {
		if (closing && strcmp(name, "head") == 0) {
			h->head = 0;
			return;
		}
		if (html_in(name, html_head_tags))
			return;
		h->head = 0;
	}
	if (strcmp(name, "head") == 0) {
		h->head = !closing;
		return;
	}
	if (strcmp(name, "p") == 0)
		html_break(h, 2);
	else if (strcmp(name, "br") == 0) {
		if (h->sb->len > 0 && h->pending < HTML_MAX_PENDING)
			h->pending++;
		h->space = 0;
	} else if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' &&
	    name[2] == '\0') {
		html_break(h, 2);
		h->bullet[0] = '\0';
		if (!closing) {
			level = name[1] - '0';
			memset(h->bullet, '#', (size_t)level);
			h->bullet[level] = ' ';
			h->bullet[level + 1] = '\0';
		}
	} else if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0 ||
	    strcmp(name, "menu") == 0) {
		html_break(h, 1);
		if (closing) {
			if (h->nlists > 0)
				h->nlists--;
			h->bullet[0] = '\0';
		} else {
			if (h->nlists < HTML_MAX_LISTS) {
				l = &h->lists[h->nlists];
				l->ordered = name[0] == 'o';
				l->n = 0;
				if (html_attr(attrs, alen, "start", &v)) {
					start = strtol(v.buf, NULL, 10);
					if (start > -1000000 && start < 1000000)
						l->n = start - 1;
				}
			}
			h->nlists++;
		}
	} else if (strcmp(name, "li") == 0) {
		html_break(h, 1);
		if (!closing) {
			l = h->nlists > 0 ? &h->lists[(h->nlists <=
			    HTML_MAX_LISTS ? h->nlists : HTML_MAX_LISTS) - 1] :
			    NULL;
			if (l != NULL && l->ordered)
				snprintf(h->bullet, sizeof h->bullet, "%ld. ",
				    ++l->n);
			else
				snprintf(h->bullet, sizeof h->bullet, "* ");
		}
	} else if (strcmp(name, "dd") == 0) {
		html_break(h, 1);
		if (closing && h->dd > 0)
			h->dd--;
		else if (!closing)
			h->dd++;
	} else if (strcmp(name, "blockquote") == 0) {
		html_break(h, 2);
		if (closing && h->quote > 0)
			h->quote--;
		else if (!closing)
			h->quote++;
	} else if (strcmp(name, "pre") == 0 || strcmp(name, "listing") == 0 ||
	    strcmp(name, "xmp") == 0) {
		html_break(h, 1);
		if (closing && h->pre > 0)
			h->pre--;
		else if (!closing) {
			h->pre++;
			h->pre_start = 1;
		}
	} else if (strcmp(name, "hr") == 0) {
		html_break(h, 2);
		html_emit(h, HTML_RULE, strlen(HTML_RULE));
		html_break(h, 2);
	} else if (strcmp(name, "tr") == 0) {
		html_break(h, 1);
		h->cell = 0;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (!closing && h->cell++ > 0)
			h->space = 1;
		else if (closing)
			h->space = 1;
	} else if (strcmp(name, "img") == 0) {
		if (html_attr(attrs, alen, "alt", &v) && v.len > 0) {
			html_flush(h);
			html_emit(h, "[", 1);
			html_text(h, v.buf, v.len);
			html_emit(h, "]", 1);
		}
	} else if (strcmp(name, "a") == 0) {
		if (closing)
			html_link_close(h);
		else
			html_link_open(h, attrs, alen);
	} else if (html_in(name, html_line_tags))
		html_break(h, 1);
	strbuf_release(&v);
}

/* Trim the end, add the footnotes, make the result valid UTF-8. */
static void
html_finish(struct html *h)
{
	struct strbuf *sb = h->sb, out = STRBUF_INIT;
	unsigned int cp;
	size_t n, i;

	html_link_close(h);
	n = sb->len;
	while (n > 0 && strchr(" \t\n", sb->buf[n - 1]) != NULL &&
	    sb->buf[n - 1] != '\0')
		n--;
	strbuf_setlen(sb, n);
	if (n > 0)
		strbuf_addch(sb, '\n');
	if (h->nlinks > 0) {
		if (n > 0)
			strbuf_addch(sb, '\n');
		for (i = 0; i < h->nlinks; i++)
			strbuf_addf(sb, "[%zu] %s\n", i + 1, h->links[i]);
	}
	for (i = 0; i < sb->len; i += n) {
		n = text_utf8_next(sb->buf + i, sb->len - i, &cp);
		if (sb->buf[i] == '\0' || (cp == 0xfffd && n == 1))
			strbuf_add_utf8(&out, 0xfffd);
		else
			strbuf_add(&out, sb->buf + i, n);
	}
	strbuf_release(sb);
	*sb = out;
}

char *
html_to_text(const char *s, size_t len, int flags, size_t *len_r)
{
	struct strbuf sb = STRBUF_INIT, ent = STRBUF_INIT;
	struct html h;
	char name[16];
	size_t i = 0, j, n, end, start, k;
	int closing, used;

	memset(&h, 0, sizeof h);
	h.sb = &sb;
	h.flags = flags;
	h.bol = 1;
	strbuf_init(&h.link_text, 0);
	if (s == NULL)
		len = 0;
	while (i < len) {
		if (s[i] == '<' && i + 3 < len && strncmp(s + i, "<!--", 4)
		    == 0) {
			for (j = i + 4; j + 2 < len && strncmp(s + j, "-->", 3)
			    != 0; j++)
				;
			i = j + 2 < len ? j + 3 : len;
			continue;
		}
		if (s[i] == '<' && i + 1 < len && (s[i + 1] == '!' ||
		    s[i + 1] == '?')) {
			end = html_tag_end(s, len, i + 2);
			i = end < len ? end + 1 : len;
			continue;
		}
		if (s[i] == '<') {
			j = i + 1;
			closing = j < len && s[j] == '/';
			if (closing)
				j++;
			for (n = 0; j < len && isalnum((unsigned char)s[j]);
			    j++) {
				if (n + 1 < sizeof name)
					name[n++] = (char)tolower(
					    (unsigned char)s[j]);
			}
			name[n] = '\0';
			if (n == 0 || !isalpha((unsigned char)name[0])) {
				html_text(&h, "<", 1);	/* "a < b" */
				i++;
				continue;
			}
			end = html_tag_end(s, len, j);
			html_tag(&h, name, closing, s + j, end - j);
			i = end < len ? end + 1 : len;
			if (!closing && html_in(name, html_skip_tags))
				i = html_skip_to_close(s, len, i, name);
			continue;
		}
		if (s[i] == '&') {
			strbuf_reset(&ent);
			if ((used = (int)html_entity(&ent, s + i, len - i)) >
			    0) {
				html_text(&h, ent.buf, ent.len);
				i += (size_t)used;
				continue;
			}
		}
		for (start = i++; i < len && s[i] != '<' && s[i] != '&'; i++)
			;
		html_text(&h, s + start, i - start);
	}
	html_finish(&h);
	for (k = 0; k < h.nlinks; k++)
		free(h.links[k]);
	free(h.links);
	free(h.href);
	strbuf_release(&h.link_text);
	strbuf_release(&ent);
	return (strbuf_detach(&sb, len_r));
}
