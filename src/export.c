/*
 * Writing cached messages to a maildir or an mbox file (see export.h).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "export.h"
#include "i18n.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"
#include "xmalloc.h"

static int	export_write_file(const char *, const char *, size_t,
		    char **);
static int	export_maildir_make(const char *, char **);

int
export_init(struct export *ex, enum export_format format, const char *path,
    char **err)
{
	int fd;

	memset(ex, 0, sizeof *ex);
	ex->format = format;
	ex->path = xstrdup(path);
	ex->pid = (long)getpid();
	if (format != EXPORT_MBOX)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || (ex->mbox = fdopen(fd, "a")) == NULL) {
		*err = xasprintf(_("cannot open \"%s\": %s"), path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

void
export_release(struct export *ex)
{
	if (ex->mbox != NULL)
		fclose(ex->mbox);
	free(ex->path);
	memset(ex, 0, sizeof *ex);
}

int
export_finish(struct export *ex, char **err)
{
	if (ex->mbox != NULL && (fflush(ex->mbox) != 0 ||
	    fsync(fileno(ex->mbox)) != 0)) {
		*err = xasprintf(_("cannot write \"%s\": %s"), ex->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
export_mkdir(const char *dir, char **err)
{
	char *parent, *slash;
	int r;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT) {
		parent = xstrdup(dir);
		slash = strrchr(parent, '/');
		if (slash != NULL && slash != parent) {
			*slash = '\0';
			/* A parent that cannot be made is the one to tell. */
			if ((r = export_mkdir(parent, err)) == 0 &&
			    (mkdir(dir, 0700) == 0 || errno == EEXIST)) {
				free(parent);
				return 0;
			}
			if (r != 0) {
				free(parent);
				return -1;
			}
		}
		free(parent);
	}
	*err = xasprintf(_("cannot create \"%s\": %s"), dir, strerror(errno));
	return -1;
}

/* Make DIR a maildir: DIR, DIR/cur, DIR/new, DIR/tmp. */
static int
export_maildir_make(const char *dir, char **err)
{
	static const char *const parts[] = { "cur", "new", "tmp" };
	struct strbuf sub = STRBUF_INIT;
	size_t i;
	int rc = 0;

	if (export_mkdir(dir, err) != 0)
		return -1;
	for (i = 0; i < sizeof parts / sizeof parts[0] && rc == 0; i++) {
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s", dir, parts[i]);
		rc = export_mkdir(sub.buf, err);
	}
	strbuf_release(&sub);
	return rc;
}

char *
export_component(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			strbuf_addch(&sb, '.');
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addch(&sb, '_');
		else
			strbuf_addch(&sb, (char)*p);
	}
	/* Never ".", "..", an empty name or a hidden file. */
	if (sb.len == 0 || sb.buf[0] == '.') {
		struct strbuf fixed = STRBUF_INIT;

		strbuf_addch(&fixed, '_');
		strbuf_add(&fixed, sb.buf, sb.len);
		strbuf_release(&sb);
		return strbuf_detach(&fixed, NULL);
	}
	return strbuf_detach(&sb, NULL);
}

void
export_maildir_info(struct strbuf *sb, unsigned int flags)
{
	strbuf_addstr(sb, ":2,");
	if (flags & MSG_DRAFT)
		strbuf_addch(sb, 'D');
	if (flags & MSG_FLAGGED)
		strbuf_addch(sb, 'F');
	if (flags & MSG_ANSWERED)
		strbuf_addch(sb, 'R');
	if (flags & MSG_SEEN)
		strbuf_addch(sb, 'S');
	if (flags & MSG_DELETED)
		strbuf_addch(sb, 'T');
}

void
export_maildir_name(struct strbuf *sb, const struct store_msg *m,
    unsigned long serial, long pid)
{
	strbuf_addf(sb, "%lld.M%luP%ld.tern",
	    (long long)(m->internaldate > 0 ? m->internaldate : m->date),
	    serial, pid);
}

/* Write LEN bytes to PATH, created 0600 (never over a file): 0 or -1. */
static int
export_write_file(const char *path, const char *data, size_t len,
    char **err)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (util_write_all(fd, data, len) != 0) {
		close(fd);
		goto fail;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		goto fail;
	return 0;
fail:
	*err = xasprintf(_("cannot write \"%s\": %s"), path, strerror(errno));
	return -1;
}

int
export_maildir_put(struct export *ex, const char *dir,
    const struct store_msg *m, const char *raw, size_t len, char **err)
{
	struct strbuf name = STRBUF_INIT, tmp = STRBUF_INIT, cur = STRBUF_INIT;
	int rc = -1;

	export_maildir_name(&name, m, ex->serial++, ex->pid);
	strbuf_addf(&tmp, "%s/tmp/%s", dir, name.buf);
	strbuf_addf(&cur, "%s/cur/%s", dir, name.buf);
	export_maildir_info(&cur, m->flags);
	if (export_write_file(tmp.buf, raw, len, err) != 0)
		goto out;
	if (rename(tmp.buf, cur.buf) != 0) {
		*err = xasprintf(_("cannot write \"%s\": %s"), cur.buf,
		    strerror(errno));
		unlink(tmp.buf);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&name);
	strbuf_release(&tmp);
	strbuf_release(&cur);
	return rc;
}

void
export_mbox_entry(struct strbuf *sb, const struct store_msg *m,
    const char *raw, size_t len)
{
	char when[64];
	struct tm tm;
	time_t t;
	size_t i = 0;

	t = (time_t)(m->internaldate > 0 ? m->internaldate : m->date);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
	strbuf_addf(sb, "From %s %s\n", m->from_addr != NULL &&
	    strpbrk(m->from_addr, " \t\r\n") == NULL ? m->from_addr :
	    "MAILER-DAEMON", when);
	while (i < len) {
		size_t eol = i, j, end;

		while (eol < len && raw[eol] != '\n')
			eol++;
		end = eol > i && raw[eol - 1] == '\r' ? eol - 1 : eol;
		for (j = i; j < end && raw[j] == '>'; j++)
			;
		if (end - j >= 5 && memcmp(raw + j, "From ", 5) == 0)
			strbuf_addch(sb, '>');
		strbuf_add(sb, raw + i, end - i);
		strbuf_addch(sb, '\n');
		i = eol + 1;
	}
	strbuf_addch(sb, '\n');
}

int
export_mbox_put(struct export *ex, const struct store_msg *m,
    const char *raw, size_t len, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	export_mbox_entry(&sb, m, raw, len);
	rc = fwrite(sb.buf, 1, sb.len, ex->mbox) == sb.len ? 0 : -1;
	if (rc != 0)
		*err = xasprintf(_("cannot write \"%s\": %s"), ex->path,
		    strerror(errno));
	strbuf_release(&sb);
	return rc;
}

int
export_folder(struct export *ex, struct store *st,
    const struct store_folder *f, const char *dir, char **err)
{
	int64_t *ids = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (dir != NULL && export_maildir_make(dir, err) != 0)
		return -1;
	/* Oldest first, as a mailbox file reads. */
	if (store_msg_ids(st, f->id, SORT_DATE, 1, &ids, &n) != 0) {
		*err = xasprintf(_("cannot read the cache: %s"),
		    store_errmsg(st));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct store_msg m;
		char *raw = NULL;
		size_t len = 0;
		int r;

		if (store_msg_get(st, ids[i], &m) != 0)
			continue;
		r = store_body_get(st, ids[i], &raw, &len);
		if (r == 0)
			r = dir != NULL ? export_maildir_put(ex, dir, &m, raw,
			    len, err) : export_mbox_put(ex, &m, raw, len, err);
		else if (r == 1)
			ex->missing++;
		else
			*err = xasprintf(_("cannot read the cache: %s"),
			    store_errmsg(st));
		free(raw);
		store_msg_release(&m);
		if (r < 0)
			goto out;
		if (r == 0)
			ex->done++;
		if (ex->progress != NULL)
			ex->progress(ex->arg, f, i, n);
	}
	if (ex->progress != NULL)
		ex->progress(ex->arg, f, n, n);
	rc = 0;
out:
	free(ids);
	return rc;
}
