/*
 * Mailcap: this file owns reading mailcap files (RFC 1524), finding the
 * entry for a content type, building the command of an entry so that no
 * byte of a message reaches the shell unchecked, and running it: the only
 * place in the core that starts processes.
 *
 * What reaches /bin/sh -c is the command as the mailcap file wrote it,
 * with each substitution replaced by a value that matched a strict
 * pattern (letters, digits and a few of ". _ - + : /", none of which means
 * anything to the shell) and, outside quotes, wrapped in single quotes:
 * %s is a path we made ourselves (a mkdtemp folder and a sanitised name),
 * %t the content type, %{NAME} a parameter. Anything else is refused.
 * The shell's quoting state is followed through the template so that a
 * substitution inside the file's own quotes is not quoted twice.
 *
 * Processes are started with fork and exec of /bin/sh; between the two
 * the child calls only async-signal-safe functions, as the reader has
 * other threads. Every descriptor but 0, 1 and 2 is closed in the child.
 */
#include "autoconfig.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "mailcap.h"
#include "strbuf.h"
#include "util.h"
#include "xmalloc.h"

/* The largest mailcap file read. */
#define MAILCAP_FILE_MAX (1024 * 1024)
/* How long a test= command may run, in seconds. */
#define MAILCAP_TEST_TIMEOUT 10
/* The longest extension kept when a name is shortened. */
#define MAILCAP_EXT_MAX 16

/* Where the output of a command goes. */
enum mailcap_io {
	MAILCAP_IO_TERMINAL,	/* inherited: the caller handed it over */
	MAILCAP_IO_CAPTURE,	/* standard output read back */
	MAILCAP_IO_NULL		/* /dev/null (test= commands) */
};

/* The shell's quoting state at a point of a command. */
enum mailcap_quote {
	MAILCAP_Q_NONE,
	MAILCAP_Q_SINGLE,
	MAILCAP_Q_DOUBLE
};

static int	mailcap_alnum(int);
static int	mailcap_all(const char *, const char *);
static void	mailcap_trim(const char **, size_t *);
static size_t	mailcap_line(struct mailcap *, const char *, size_t,
		    const char *, size_t);
static int	mailcap_type_match(const char *, const char *);
static void	mailcap_track(enum mailcap_quote *, int *, int);
static void	mailcap_insert(struct strbuf *, enum mailcap_quote *, int *,
		    const char *);
static int	mailcap_expand_x(const char *, const char *, const char *,
		    const struct mailcap_param *, size_t, int, char **, int *,
		    char **);
static int	mailcap_test(struct mailcap_entry *);
static char	*mailcap_tmpdir(char **);
static int	mailcap_write_file(const char *, const void *, size_t,
		    char **);
static int	mailcap_spawn(const char *, const char *, enum mailcap_io,
		    int, struct strbuf *, int *, char **);

/* Characters allowed in a path we substitute, and in a parameter. */
static const char mailcap_path_chars[] = "._/+-";
static const char mailcap_param_chars[] = "._:+-";

static int
mailcap_alnum(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* Whether every byte of S is ASCII alphanumeric or one of EXTRA. */
static int
mailcap_all(const char *s, const char *extra)
{
	for (; *s != '\0'; s++) {
		if (!mailcap_alnum((unsigned char)*s) &&
		    strchr(extra, *s) == NULL)
			return (0);
	}
	return (1);
}

/* Trim blanks from both ends of the LEN bytes at *S. */
static void
mailcap_trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

struct mailcap *
mailcap_new(void)
{
	return (xcalloc(1, sizeof (struct mailcap)));
}

void
mailcap_free(struct mailcap *mc)
{
	struct mailcap_entry *e;
	size_t i;

	if (mc == NULL)
		return;
	for (i = 0; i < mc->n; i++) {
		e = &mc->entries[i];
		free(e->type);
		free(e->view);
		free(e->test);
		free(e->nametemplate);
		free(e->where);
	}
	free(mc->entries);
	free(mc);
}

int
mailcap_type_safe(const char *type)
{
	const char *slash;

	if (type == NULL || strlen(type) > 127 ||
	    (slash = strchr(type, '/')) == NULL)
		return (0);
	if (!mailcap_alnum((unsigned char)type[0]) ||
	    !mailcap_alnum((unsigned char)slash[1]))
		return (0);
	return (mailcap_all(type, "/.+_-") && strchr(slash + 1, '/') == NULL);
}

/*
 * Take the logical line S (LEN bytes, continuations joined) that starts
 * on line LINENO of NAME. Returns 1 if it added an entry.
 */
static size_t
mailcap_line(struct mailcap *mc, const char *s, size_t len, const char *name,
    size_t lineno)
{
	struct mailcap_entry e;
	const char *f[64], *v;
	size_t flen[64], nf = 0, i, start, vlen, k;
	char *key;

	if (memchr(s, '\0', len) != NULL)
		return (0);
	mailcap_trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return (0);
	/* Fields end at ';' that no backslash quotes. */
	for (i = start = 0; i <= len && nf < 64; i++) {
		if (i + 1 < len && s[i] == '\\') {
			i++;
			continue;
		}
		if (i == len || s[i] == ';') {
			f[nf] = s + start;
			flen[nf] = (i > len ? len : i) - start;
			mailcap_trim(&f[nf], &flen[nf]);
			nf++;
			start = i + 1;
		}
	}
	if (nf < 2 || flen[0] == 0 || flen[1] == 0)
		return (0);
	memset(&e, 0, sizeof e);
	e.type = xstrndup(f[0], flen[0]);
	for (i = 0; e.type[i] != '\0'; i++) {
		if (e.type[i] >= 'A' && e.type[i] <= 'Z')
			e.type[i] = (char)(e.type[i] - 'A' + 'a');
	}
	if (!mailcap_all(e.type, "/.+_-*") || e.type[0] == '/' ||
	    (strchr(e.type, '/') != NULL &&
	    strchr(strchr(e.type, '/') + 1, '/') != NULL)) {
		free(e.type);
		return (0);
	}
	if (strchr(e.type, '/') == NULL) {
		key = xasprintf("%s/*", e.type);
		free(e.type);
		e.type = key;
	}
	e.view = xstrndup(f[1], flen[1]);
	for (i = 2; i < nf; i++) {
		if (flen[i] == 0)
			continue;
		v = memchr(f[i], '=', flen[i]);
		k = v != NULL ? (size_t)(v - f[i]) : flen[i];
		key = xstrndup(f[i], k);
		while (k > 0 && (key[k - 1] == ' ' || key[k - 1] == '\t'))
			key[--k] = '\0';
		if (v != NULL) {
			v++;
			vlen = flen[i] - (size_t)(v - f[i]);
			mailcap_trim(&v, &vlen);
			if (strcasecmp(key, "test") == 0 && e.test == NULL)
				e.test = xstrndup(v, vlen);
			else if (strcasecmp(key, "nametemplate") == 0 &&
			    e.nametemplate == NULL)
				e.nametemplate = xstrndup(v, vlen);
		} else if (strcasecmp(key, "needsterminal") == 0)
			e.needsterminal = 1;
		else if (strcasecmp(key, "copiousoutput") == 0)
			e.copiousoutput = 1;
		free(key);
	}
	e.where = xasprintf("%s:%zu", name, lineno);
	if (mc->n == mc->alloc) {
		mc->alloc = mc->alloc == 0 ? 16 : mc->alloc * 2;
		mc->entries = xreallocarray(mc->entries, mc->alloc,
		    sizeof *mc->entries);
	}
	mc->entries[mc->n++] = e;
	return (1);
}

size_t
mailcap_parse(struct mailcap *mc, const char *text, size_t len,
    const char *name)
{
	struct strbuf line = STRBUF_INIT;
	const char *nl;
	size_t pos = 0, lineno = 0, first, start, n, k, added = 0;

	if (text == NULL)
		len = 0;
	while (pos < len) {
		strbuf_reset(&line);
		first = lineno + 1;
		for (;;) {
			start = pos;
			nl = memchr(text + pos, '\n', len - pos);
			n = (nl != NULL ? (size_t)(nl - text) : len) - start;
			pos = nl != NULL ? start + n + 1 : len;
			lineno++;
			if (n > 0 && text[start + n - 1] == '\r')
				n--;
			for (k = 0; k < n && text[start + n - 1 - k] == '\\';
			    k++)
				;
			if (k % 2 == 1) {
				/* A continuation: the backslash goes. */
				strbuf_add(&line, text + start, n - 1);
				if (pos < len)
					continue;
			} else
				strbuf_add(&line, text + start, n);
			break;
		}
		added += mailcap_line(mc, line.buf, line.len, name, first);
	}
	strbuf_release(&line);
	return (added);
}

int
mailcap_load(struct mailcap *mc, const char *path, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	FILE *f;
	size_t n;
	int ret = -1;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return (1);
		*err = xasprintf(_("cannot read \"%s\": %s"), path,
		    strerror(errno));
		return (-1);
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		strbuf_add(&sb, buf, n);
		if (sb.len > MAILCAP_FILE_MAX) {
			*err = xasprintf(_("\"%s\" is too large"), path);
			goto out;
		}
	}
	if (ferror(f)) {
		*err = xasprintf(_("cannot read \"%s\": %s"), path,
		    strerror(errno));
		goto out;
	}
	mailcap_parse(mc, sb.buf, sb.len, path);
	ret = 0;
out:
	fclose(f);
	strbuf_release(&sb);
	return (ret);
}

char **
mailcap_paths(const char *mailcaps, const char *home)
{
	char **paths = NULL, *copy, *p, *next;
	size_t n = 0;

	if (mailcaps != NULL && *mailcaps != '\0') {
		copy = xstrdup(mailcaps);
		for (p = copy; p != NULL; p = next) {
			if ((next = strchr(p, ':')) != NULL)
				*next++ = '\0';
			if (*p == '\0')
				continue;
			paths = xreallocarray(paths, n + 2, sizeof *paths);
			if (p[0] == '~' && p[1] == '/' && home != NULL &&
			    *home != '\0')
				paths[n++] = xasprintf("%s%s", home, p + 1);
			else
				paths[n++] = xstrdup(p);
		}
		free(copy);
	} else {
		paths = xreallocarray(paths, 3, sizeof *paths);
		if (home != NULL && *home != '\0')
			paths[n++] = xasprintf("%s/.mailcap", home);
		paths[n++] = xstrdup("/etc/mailcap");
	}
	if (paths == NULL)
		paths = xreallocarray(paths, 1, sizeof *paths);
	paths[n] = NULL;
	return (paths);
}

void
mailcap_paths_free(char **paths)
{
	size_t i;

	if (paths == NULL)
		return;
	for (i = 0; paths[i] != NULL; i++)
		free(paths[i]);
	free(paths);
}

int
mailcap_load_paths(struct mailcap *mc, char *const *paths, char **err)
{
	char *e = NULL;
	size_t i;
	int ret = 0;

	for (i = 0; paths[i] != NULL; i++) {
		if (mailcap_load(mc, paths[i], &e) < 0) {
			if (ret == 0)
				*err = e;
			else
				free(e);
			e = NULL;
			ret = -1;
		}
	}
	return (ret);
}

/* Whether the entry type PATTERN (a star for any subtype) covers TYPE. */
static int
mailcap_type_match(const char *pattern, const char *type)
{
	const char *ps = strchr(pattern, '/'), *ts = strchr(type, '/');
	size_t pl, tl;

	if (ps == NULL || ts == NULL)
		return (0);
	pl = (size_t)(ps - pattern);
	tl = (size_t)(ts - type);
	if (!(pl == 1 && pattern[0] == '*') &&
	    (pl != tl || strncasecmp(pattern, type, pl) != 0))
		return (0);
	return (strcmp(ps + 1, "*") == 0 || strcasecmp(ps + 1, ts + 1) == 0);
}

/* Run E's test= command; 0 when it passes. */
static int
mailcap_test(struct mailcap_entry *e)
{
	char *cmd = NULL, *err = NULL;
	int has_file, status = -1;

	/* No message data: %s, %t and %{} make the test fail. */
	if (mailcap_expand_x(e->test, NULL, NULL, NULL, 0, 0, &cmd,
	    &has_file, &err) != 0) {
		free(err);
		return (-1);
	}
	if (mailcap_spawn(cmd, NULL, MAILCAP_IO_NULL, MAILCAP_TEST_TIMEOUT,
	    NULL, &status, &err) != 0) {
		free(err);
		status = -1;
	}
	free(cmd);
	return (status == 0 ? 0 : -1);
}

const struct mailcap_entry *
mailcap_find(struct mailcap *mc, const char *type, int flags)
{
	struct mailcap_entry *e;
	size_t i;

	if (mc == NULL || type == NULL)
		return (NULL);
	for (i = 0; i < mc->n; i++) {
		e = &mc->entries[i];
		if (!mailcap_type_match(e->type, type))
			continue;
		if ((flags & MAILCAP_COPIOUS) && !e->copiousoutput)
			continue;
		if (e->test != NULL) {
			if (flags & MAILCAP_NO_TEST)
				continue;
			if (e->tested == 0)
				e->tested = mailcap_test(e) == 0 ? 1 : -1;
			if (e->tested < 0)
				continue;
		}
		return (e);
	}
	return (NULL);
}

char *
mailcap_safe_name(const char *name, const char *nametemplate)
{
	struct strbuf sb = STRBUF_INIT, suffix = STRBUF_INIT;
	const char *base = name, *p, *ext;
	char *out;
	size_t i, extlen, stem;
	int c;

	if (name != NULL) {
		for (p = name; *p != '\0'; p++) {
			if (*p == '/' || *p == '\\')
				base = p + 1;
		}
	}
	for (i = 0; base != NULL && base[i] != '\0'; i++) {
		c = (unsigned char)base[i];
		if (mailcap_alnum(c) || c == '-' || c == '_' || c == '.') {
			if (c == '.' && sb.len > 0 &&
			    sb.buf[sb.len - 1] == '.')
				continue;
			if ((c == '.' || c == '-') && sb.len == 0)
				continue;
			strbuf_addch(&sb, c);
		} else if (sb.len == 0 || sb.buf[sb.len - 1] != '_')
			strbuf_addch(&sb, '_');
	}
	if (sb.len == 0 || strcmp(sb.buf, "_") == 0) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "attachment");
	}
	/* The template's suffix: "%s.html" gives ".html". */
	if (nametemplate != NULL && (p = strstr(nametemplate, "%s")) != NULL) {
		for (p += 2; *p != '\0' && suffix.len < MAILCAP_EXT_MAX; p++) {
			c = (unsigned char)*p;
			if (!mailcap_alnum(c) && c != '.' && c != '-' &&
			    c != '_')
				break;
			if (c == '.' && suffix.len > 0 &&
			    suffix.buf[suffix.len - 1] == '.')
				continue;
			strbuf_addch(&suffix, c);
		}
		if (suffix.len > 0 && (sb.len < suffix.len ||
		    strcasecmp(sb.buf + sb.len - suffix.len, suffix.buf) !=
		    0)) {
			if (suffix.buf[0] == '.' && sb.buf[sb.len - 1] == '.')
				strbuf_setlen(&sb, sb.len - 1);
			strbuf_addstr(&sb, suffix.buf);
		}
	}
	if (sb.len > MAILCAP_NAME_MAX) {
		/* Shorten the stem, keep the extension. */
		ext = strrchr(sb.buf, '.');
		extlen = ext != NULL ? strlen(ext) : 0;
		if (ext == NULL || extlen > MAILCAP_EXT_MAX || ext == sb.buf)
			extlen = 0;
		stem = MAILCAP_NAME_MAX - extlen;
		while (stem > 1 && sb.buf[stem - 1] == '.')
			stem--;
		out = xasprintf("%.*s%s", (int)stem, sb.buf,
		    extlen > 0 ? ext : "");
	} else
		out = xstrdup(sb.buf);
	strbuf_release(&sb);
	strbuf_release(&suffix);
	return (out);
}

/* Follow the shell's quoting over the output character C. */
static void
mailcap_track(enum mailcap_quote *q, int *esc, int c)
{
	if (*esc) {
		*esc = 0;
		return;
	}
	switch (*q) {
	case MAILCAP_Q_NONE:
		if (c == '\\')
			*esc = 1;
		else if (c == '\'')
			*q = MAILCAP_Q_SINGLE;
		else if (c == '"')
			*q = MAILCAP_Q_DOUBLE;
		break;
	case MAILCAP_Q_SINGLE:
		if (c == '\'')
			*q = MAILCAP_Q_NONE;
		break;
	case MAILCAP_Q_DOUBLE:
		if (c == '\\')
			*esc = 1;
		else if (c == '"')
			*q = MAILCAP_Q_NONE;
		break;
	}
}

/*
 * Append the checked value V (no character of it is special to the
 * shell): quoted outside quotes, as it is inside the file's own quotes or
 * after the shell's backslash (which then only escapes a plain letter).
 */
static void
mailcap_insert(struct strbuf *sb, enum mailcap_quote *q, int *esc,
    const char *v)
{
	if (*q == MAILCAP_Q_NONE && !*esc)
		strbuf_addf(sb, "'%s'", v);
	else
		strbuf_addstr(sb, v);
	*esc = 0;
}

/*
 * mailcap_expand() with HAVE_DATA 0 for a test= command: then any
 * substitution of message data is refused.
 */
static int
mailcap_expand_x(const char *command, const char *type, const char *path,
    const struct mailcap_param *params, size_t nparams, int have_data,
    char **cmd_r, int *has_file_r, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	enum mailcap_quote q = MAILCAP_Q_NONE;
	const char *end, *v;
	char name[64];
	size_t i, k, n;
	int esc = 0;

	*cmd_r = NULL;
	*has_file_r = 0;
	for (i = 0; command[i] != '\0'; i++) {
		if (command[i] == '\\' && command[i + 1] != '\0') {
			/* "\X" is X, whatever X is. */
			i++;
			strbuf_addch(&sb, command[i]);
			mailcap_track(&q, &esc, (unsigned char)command[i]);
			continue;
		}
		if (command[i] != '%' || command[i + 1] == '\0') {
			strbuf_addch(&sb, command[i]);
			mailcap_track(&q, &esc, (unsigned char)command[i]);
			continue;
		}
		switch (command[i + 1]) {
		case 's':
			if (!have_data || path == NULL) {
				*err = xstrdup(_("no file to give for %s"));
				goto fail;
			}
			if (*path != '/' || !mailcap_all(path,
			    mailcap_path_chars)) {
				*err = xstrdup(_("the temporary path is not "
				    "safe to give to a command"));
				goto fail;
			}
			mailcap_insert(&sb, &q, &esc, path);
			*has_file_r = 1;
			i++;
			break;
		case 't':
			if (!have_data || type == NULL) {
				*err = xstrdup(_("no content type to give for "
				    "%t"));
				goto fail;
			}
			if (!mailcap_type_safe(type)) {
				*err = xstrdup(_("the content type is not safe "
				    "to give to a command"));
				goto fail;
			}
			mailcap_insert(&sb, &q, &esc, type);
			i++;
			break;
		case '{':
			end = strchr(command + i + 2, '}');
			n = end != NULL ? (size_t)(end - (command + i + 2)) : 0;
			if (end == NULL || n == 0 || n >= sizeof name) {
				*err = xstrdup(_("malformed %{} in the mailcap "
				    "command"));
				goto fail;
			}
			memcpy(name, command + i + 2, n);
			name[n] = '\0';
			if (!mailcap_all(name, "_-")) {
				*err = xstrdup(_("malformed %{} in the mailcap "
				    "command"));
				goto fail;
			}
			if (!have_data) {
				*err = xstrdup(_("no parameters to give for "
				    "%{}"));
				goto fail;
			}
			v = "";
			for (k = 0; k < nparams; k++) {
				if (params[k].name != NULL &&
				    params[k].value != NULL &&
				    strcasecmp(params[k].name, name) == 0) {
					v = params[k].value;
					break;
				}
			}
			if (*v != '\0' && (!mailcap_alnum((unsigned char)*v) ||
			    strlen(v) > 64 ||
			    !mailcap_all(v, mailcap_param_chars))) {
				*err = xasprintf(_("the parameter \"%s\" is "
				    "not safe to give to a command"), name);
				goto fail;
			}
			mailcap_insert(&sb, &q, &esc, v);
			i += n + 2;
			break;
		case 'n':
		case 'F':
			*err = xasprintf(_("%%%c in mailcap commands is not "
			    "supported"), command[i + 1]);
			goto fail;
		default:
			/* Not a substitution: the '%' stays. */
			strbuf_addch(&sb, '%');
			mailcap_track(&q, &esc, '%');
			break;
		}
	}
	*cmd_r = strbuf_detach(&sb, NULL);
	return (0);
fail:
	strbuf_release(&sb);
	return (-1);
}

int
mailcap_expand(const char *command, const char *type, const char *path,
    const struct mailcap_param *params, size_t nparams, char **cmd_r,
    int *has_file_r, char **err)
{
	return (mailcap_expand_x(command, type, path, params, nparams, 1,
	    cmd_r, has_file_r, err));
}

/* Make a private folder for a file to hand over; free() the path. */
static char *
mailcap_tmpdir(char **err)
{
	const char *base = getenv("TMPDIR");
	struct stat st;
	char *tmpl;
	size_t n;

	if (base == NULL || base[0] != '/' || strlen(base) > 200 ||
	    !mailcap_all(base, mailcap_path_chars) || stat(base, &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		base = "/tmp";
	n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		n--;
	tmpl = xasprintf("%.*s/tern-XXXXXX", (int)n, base);
	if (mkdtemp(tmpl) == NULL) {
		*err = xasprintf(_("cannot create a temporary folder in "
		    "\"%.*s\": %s"), (int)n, base, strerror(errno));
		free(tmpl);
		return (NULL);
	}
	return (tmpl);
}

/* Create PATH (it must not exist) mode 0600 holding DATA. */
static int
mailcap_write_file(const char *path, const void *data, size_t len,
    char **err)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		goto fail;
	if (util_write_all(fd, data, len) != 0) {
		close(fd);
		goto fail;
	}
	if (close(fd) != 0)
		goto fail;
	return (0);
fail:
	*err = xasprintf(_("cannot write \"%s\": %s"), path, strerror(errno));
	return (-1);
}

/*
 * Run CMD under /bin/sh -c with standard input from IN_PATH (NULL: the
 * terminal for MAILCAP_IO_TERMINAL, else /dev/null) and the output as IO
 * says (captured into OUT for MAILCAP_IO_CAPTURE). Outside the terminal
 * the command gets TIMEOUT seconds, then its process group is killed.
 */
static int
mailcap_spawn(const char *cmd, const char *in_path, enum mailcap_io io,
    int timeout, struct strbuf *out, int *status_r, char **err)
{
	static const int dfl[] = {
		SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP,
		SIGTTIN, SIGTTOU, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2
	};
	struct sigaction ign, def, old_int, old_quit;
	struct pollfd pfd;
	sigset_t none;
	char buf[8192];
	pid_t pid, r;
	int64_t deadline;
	long maxfd;
	ssize_t n;
	size_t k;
	int nullfd = -1, infd = -1, pfds[2] = { -1, -1 }, fd, status = 0;
	int ret = -1, timed_out = 0, pr;

	*status_r = -1;
	if ((nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		*err = xasprintf(_("cannot open \"%s\": %s"), "/dev/null",
		    strerror(errno));
		goto out;
	}
	if (in_path != NULL &&
	    (infd = open(in_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		*err = xasprintf(_("cannot read \"%s\": %s"), in_path,
		    strerror(errno));
		goto out;
	}
	if (io == MAILCAP_IO_CAPTURE) {
		if (pipe(pfds) != 0) {
			*err = xasprintf(_("cannot start \"%s\": %s"), cmd,
			    strerror(errno));
			goto out;
		}
		fcntl(pfds[0], F_SETFD, FD_CLOEXEC);
		fcntl(pfds[1], F_SETFD, FD_CLOEXEC);
	}
	maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	sigemptyset(&none);
	memset(&def, 0, sizeof def);
	def.sa_handler = SIG_DFL;
	sigemptyset(&def.sa_mask);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);

	if ((pid = fork()) == -1) {
		*err = xasprintf(_("cannot start \"%s\": %s"), cmd,
		    strerror(errno));
		goto restore;
	}
	if (pid == 0) {
		/* The child: async-signal-safe calls only. */
		for (k = 0; k < sizeof dfl / sizeof dfl[0]; k++)
			sigaction(dfl[k], &def, NULL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (io != MAILCAP_IO_TERMINAL)
			setpgid(0, 0);
		if (infd != -1)
			dup2(infd, 0);
		else if (io != MAILCAP_IO_TERMINAL)
			dup2(nullfd, 0);
		if (io == MAILCAP_IO_CAPTURE)
			dup2(pfds[1], 1);
		else if (io == MAILCAP_IO_NULL)
			dup2(nullfd, 1);
		if (io != MAILCAP_IO_TERMINAL)
			dup2(nullfd, 2);
		for (fd = 3; fd < maxfd; fd++)
			close(fd);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}

	if (pfds[1] != -1) {
		close(pfds[1]);
		pfds[1] = -1;
	}
	deadline = util_now_ms() + (int64_t)timeout * 1000;
	if (io == MAILCAP_IO_CAPTURE) {
		pfd.fd = pfds[0];
		pfd.events = POLLIN;
		for (;;) {
			if (util_now_ms() >= deadline) {
				timed_out = 1;
				break;
			}
			pr = poll(&pfd, 1, (int)(deadline - util_now_ms()));
			if (pr < 0 && errno != EINTR)
				break;
			if (pr <= 0)
				continue;
			n = read(pfds[0], buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (out->len < MAILCAP_OUTPUT_MAX)
				strbuf_add(out, buf, (size_t)n <
				    MAILCAP_OUTPUT_MAX - out->len ? (size_t)n :
				    MAILCAP_OUTPUT_MAX - out->len);
		}
	}
	for (;;) {
		r = waitpid(pid, &status, io == MAILCAP_IO_TERMINAL ? 0 :
		    WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			*err = xasprintf(_("cannot wait for \"%s\": %s"), cmd,
			    strerror(errno));
			goto restore;
		}
		if (r == 0) {
			if (timed_out || util_now_ms() >= deadline) {
				timed_out = 1;
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				io = MAILCAP_IO_TERMINAL;	/* now block */
				continue;
			}
			poll(NULL, 0, 10);
		}
	}
	if (timed_out) {
		*err = xasprintf(_("\"%s\" took longer than %d seconds"), cmd,
		    timeout);
		goto restore;
	}
	if (WIFEXITED(status))
		*status_r = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*status_r = 128 + WTERMSIG(status);
	ret = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
out:
	if (nullfd != -1)
		close(nullfd);
	if (infd != -1)
		close(infd);
	if (pfds[0] != -1)
		close(pfds[0]);
	if (pfds[1] != -1)
		close(pfds[1]);
	return (ret);
}

int
mailcap_run(const struct mailcap_entry *e, const char *type,
    const struct mailcap_param *params, size_t nparams, const char *filename,
    const void *data, size_t len, char **out_r, size_t *out_len_r,
    int *status_r, char **err)
{
	struct strbuf out = STRBUF_INIT;
	char *dir = NULL, *name = NULL, *path = NULL, *cmd = NULL;
	int has_file, ret = -1, wrote = 0;

	if (out_r != NULL)
		*out_r = NULL;
	if (out_len_r != NULL)
		*out_len_r = 0;
	*status_r = -1;
	if ((dir = mailcap_tmpdir(err)) == NULL)
		goto out;
	name = mailcap_safe_name(filename, e->nametemplate);
	path = xasprintf("%s/%s", dir, name);
	if (mailcap_write_file(path, data, len, err) != 0)
		goto out;
	wrote = 1;
	if (mailcap_expand(e->view, type, path, params, nparams, &cmd,
	    &has_file, err) != 0)
		goto out;
	if (mailcap_spawn(cmd, has_file ? NULL : path, e->copiousoutput ?
	    MAILCAP_IO_CAPTURE : MAILCAP_IO_TERMINAL, MAILCAP_TIMEOUT, &out,
	    status_r, err) != 0)
		goto out;
	if (out_r != NULL)
		*out_r = strbuf_detach(&out, out_len_r);
	ret = 0;
out:
	if (wrote)
		unlink(path);
	if (dir != NULL)
		rmdir(dir);
	free(cmd);
	free(path);
	free(name);
	free(dir);
	strbuf_release(&out);
	return (ret);
}

int
mailcap_pipe(const char *command, const void *data, size_t len,
    int *status_r, char **err)
{
	char *dir, *path;
	int ret = -1;

	*status_r = -1;
	if ((dir = mailcap_tmpdir(err)) == NULL)
		return (-1);
	path = xasprintf("%s/input", dir);
	if (mailcap_write_file(path, data, len, err) == 0) {
		ret = mailcap_spawn(command, path, MAILCAP_IO_TERMINAL, 0, NULL,
		    status_r, err);
		unlink(path);
	}
	rmdir(dir);
	free(path);
	free(dir);
	return (ret);
}
