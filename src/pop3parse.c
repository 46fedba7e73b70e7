/*
 * The POP3 answer readers (see pop3parse.h). Numbers are read digit by
 * digit with an explicit bound, never with strtoul() and its wrap-around,
 * so that "4294967296" is not 0 and a megabyte of digits costs nothing.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "pop3parse.h"
#include "xmalloc.h"

/*
 * Read a decimal number at *P, at most MAX, and move *P past it: 0, or -1
 * when there is no digit or the number exceeds MAX.
 */
static int
pop3parse_number(const char **p, uint64_t max, uint64_t *v_r)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*v_r = v;
	return 0;
}

/* Skip spaces and tabs at *P. */
static void
pop3parse_blanks(const char **p)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	*p = s;
}

int
pop3parse_status(const char *line)
{
	if (strncmp(line, "+OK", 3) == 0)
		return 1;
	if (strncmp(line, "-ERR", 4) == 0)
		return 0;
	return -1;
}

int
pop3parse_stat(const char *line, uint32_t *count_r)
{
	const char *p = line;
	uint64_t count, size;

	*count_r = 0;
	if (strncmp(p, "+OK", 3) != 0 || (p[3] != ' ' && p[3] != '\t'))
		return -1;
	p += 3;
	pop3parse_blanks(&p);
	if (pop3parse_number(&p, POP3PARSE_MAX_MSGS, &count) != 0)
		return -1;
	pop3parse_blanks(&p);
	/* The total size is not used; it must still be a number. */
	if (pop3parse_number(&p, UINT64_MAX, &size) != 0)
		return -1;
	*count_r = (uint32_t)count;
	return 0;
}

void
pop3parse_listing_init(struct pop3parse_listing *l, uint32_t count)
{
	uint32_t i;

	if (count > POP3PARSE_MAX_MSGS)
		count = POP3PARSE_MAX_MSGS;
	memset(l, 0, sizeof *l);
	l->count = count;
	l->size = xcalloc((size_t)count + 1, sizeof *l->size);
	l->uidl = xcalloc((size_t)count + 1, sizeof *l->uidl);
	for (i = 0; i < count; i++)
		l->size[i] = -1;
}

void
pop3parse_listing_release(struct pop3parse_listing *l)
{
	uint32_t i;

	if (l->uidl != NULL)
		for (i = 0; i < l->count; i++)
			free(l->uidl[i]);
	free(l->uidl);
	free(l->size);
	memset(l, 0, sizeof *l);
}

/* The message number at the start of LINE, moved past: its index, or -1. */
static int64_t
pop3parse_index(struct pop3parse_listing *l, const char **p)
{
	uint64_t n;

	pop3parse_blanks(p);
	if (pop3parse_number(p, l->count, &n) != 0 || n == 0)
		return -1;
	if (**p != ' ' && **p != '\t')
		return -1;
	pop3parse_blanks(p);
	return (int64_t)n - 1;
}

int
pop3parse_list_line(struct pop3parse_listing *l, const char *line)
{
	const char *p = line;
	uint64_t size;
	int64_t i;

	if ((i = pop3parse_index(l, &p)) < 0 ||
	    pop3parse_number(&p, (uint64_t)POP3PARSE_MAX_SIZE, &size) != 0 ||
	    l->size[i] >= 0) {
		l->ignored++;
		return -1;
	}
	/* Anything after the size is the server's own (RFC 1939 allows it). */
	l->size[i] = (int64_t)size;
	return 0;
}

int
pop3parse_uidl_line(struct pop3parse_listing *l, const char *line)
{
	const char *p = line, *q;
	int64_t i;
	size_t len;

	if ((i = pop3parse_index(l, &p)) < 0 || l->uidl[i] != NULL) {
		l->ignored++;
		return -1;
	}
	/* RFC 1939 says 0x21-0x7e; 8-bit bytes pass, controls never. */
	for (q = p; (unsigned char)*q > 0x20 && *q != 0x7f; q++)
		;
	len = (size_t)(q - p);
	/* Trailing blanks are tolerated, anything else is not. */
	pop3parse_blanks(&q);
	if (len == 0 || len > POP3PARSE_MAX_UIDL || *q != '\0') {
		l->ignored++;
		return -1;
	}
	l->uidl[i] = xstrndup(p, len);
	return 0;
}

int
pop3parse_block_line(const char *line, size_t len, size_t *skip_r)
{
	*skip_r = 0;
	if (len == 1 && line[0] == '.')
		return 1;
	if (len > 0 && line[0] == '.')
		*skip_r = 1;
	return 0;
}
