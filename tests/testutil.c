/*
 * Helpers shared by the unit suites (see testutil.h). The validator is
 * written independently of src/text.c so that it can judge its output.
 */
#include "autoconfig.h"

#include <errno.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"
#include "testutil.h"
#include "xmalloc.h"

static int	tu_forbidden(unsigned int);

int
tu_utf8_valid(const char *s, size_t len, size_t *bad_r)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int cp;
	size_t i = 0, n, k;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((u[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = u[i] & 0x1f;
		} else if ((u[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = u[i] & 0x0f;
		} else if ((u[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = u[i] & 0x07;
		} else
			goto bad;
		if (len - i < n)
			goto bad;
		for (k = 1; k < n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n;
	}
	return (1);
bad:
	if (bad_r != NULL)
		*bad_r = i;
	return (0);
}

/* Code points that must never reach a terminal as they are. */
static int
tu_forbidden(unsigned int cp)
{
	if (cp >= 0x80 && cp <= 0x9f)
		return (1);	/* C1 */
	if (cp == 0x00ad || cp == 0x061c || cp == 0x034f || cp == 0x180e)
		return (1);
	if (cp >= 0x200b && cp <= 0x200f)
		return (1);	/* zero-width, LRM, RLM */
	if (cp >= 0x2028 && cp <= 0x202e)
		return (1);	/* separators, embeddings, overrides */
	if (cp >= 0x2060 && cp <= 0x206f)
		return (1);	/* word joiner, invisible operators, isolates */
	if (cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb))
		return (1);
	if (cp >= 0xe0000 && cp <= 0xe007f)
		return (1);	/* tags */
	return (0);
}

int
tu_terminal_safe(const char *s, size_t len, int allow_nl, char *why,
    size_t whylen)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int cp;
	size_t i, bad;

	if (!tu_utf8_valid(s, len, &bad)) {
		snprintf(why, whylen, "invalid UTF-8 at byte %zu", bad);
		return (0);
	}
	for (i = 0; i < len; i++) {
		if ((u[i] < 0x20 && !(u[i] == '\n' && allow_nl)) ||
		    u[i] == 0x7f) {
			snprintf(why, whylen, "byte 0x%02x at %zu", u[i], i);
			return (0);
		}
		if (u[i] < 0x80 || (u[i] & 0xc0) == 0x80)
			continue;
		if ((u[i] & 0xe0) == 0xc0)
			cp = ((u[i] & 0x1fu) << 6) | (u[i + 1] & 0x3fu);
		else if ((u[i] & 0xf0) == 0xe0)
			cp = ((u[i] & 0x0fu) << 12) |
			    ((u[i + 1] & 0x3fu) << 6) | (u[i + 2] & 0x3fu);
		else
			cp = ((u[i] & 0x07u) << 18) |
			    ((u[i + 1] & 0x3fu) << 12) |
			    ((u[i + 2] & 0x3fu) << 6) | (u[i + 3] & 0x3fu);
		if (tu_forbidden(cp)) {
			snprintf(why, whylen, "U+%04X at %zu", cp, i);
			return (0);
		}
	}
	return (1);
}

uint64_t
tu_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

int
tu_utf8_locale(void)
{
	static const char *names[] = {
		"C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8", NULL
	};
	const char *cur;
	size_t i;

	cur = setlocale(LC_CTYPE, NULL);
	if (cur != NULL && (strstr(cur, "UTF-8") != NULL ||
	    strstr(cur, "utf8") != NULL))
		return (0);
	for (i = 0; names[i] != NULL; i++) {
		if (setlocale(LC_CTYPE, names[i]) != NULL)
			return (0);
	}
	return (-1);
}

const char *
tu_show(const char *s, size_t len)
{
	static char buf[4][1024];
	static int which;
	char *b = buf[which++ % 4];
	size_t i, o = 0;

	if (s == NULL)
		return ("(null)");
	for (i = 0; i < len && o + 5 < sizeof buf[0]; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			o += (size_t)snprintf(b + o, sizeof buf[0] - o,
			    "\\x%02x", (unsigned char)s[i]);
		else
			b[o++] = s[i];
	}
	b[o] = '\0';
	return (b);
}

char *
tu_read_file(const char *path, size_t *len_r)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	FILE *f;
	int bad;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		strbuf_add(&sb, buf, n);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		strbuf_release(&sb);
		errno = EIO;
		return (NULL);
	}
	return (strbuf_detach(&sb, len_r));
}

const char *
tu_corpus_dir(void)
{
	const char *d = getenv("TERN_CORPUS");

	return (d != NULL && *d != '\0' ? d : "/work/shared/corpus");
}

int
tu_corpus_present(void)
{
	struct stat st;

	return (stat(tu_corpus_dir(), &st) == 0 && S_ISDIR(st.st_mode));
}

char *
tu_scratch_new(const char *name)
{
	const char *t = getenv("TMPDIR");
	char *dir;

	dir = xasprintf("%s/%s.XXXXXX", t != NULL && *t == '/' ? t : "/tmp",
	    name);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "%s: cannot make a scratch folder: %s\n", name,
		    strerror(errno));
		free(dir);
		return (NULL);
	}
	return (dir);
}

/* nftw()'s callback: remove what it visits, depth first. */
static int
tu_scratch_remove(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) != 0)
		fprintf(stderr, "cannot remove %s: %s\n", path,
		    strerror(errno));
	return (0);
}

void
tu_scratch_free(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, tu_scratch_remove, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}
