/*
 * tern export: a backup of the cached messages of an account (every
 * folder) or of one folder, as a maildir or an mbox file. Online, the
 * missing bodies are fetched first; messages kept after a mass deletion on
 * the server are exported too (that is what the backup is for). Progress
 * goes to stderr.
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

#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "store.h"
#include "strbuf.h"
#include "xmalloc.h"

struct export {
	const struct cli_options *opt;
	FILE *mbox;
	long done;		/* messages written */
	long missing;		/* messages without a cached body */
	unsigned long serial;	/* makes maildir names unique */
};

/* Create DIR (mode 0700) and its missing parents, unless it exists. */
static int
export_mkdir(const char *dir)
{
	char *parent, *slash;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT) {
		parent = xstrdup(dir);
		slash = strrchr(parent, '/');
		if (slash != NULL && slash != parent) {
			*slash = '\0';
			if (export_mkdir(parent) == 0 &&
			    (mkdir(dir, 0700) == 0 || errno == EEXIST)) {
				free(parent);
				return 0;
			}
		}
		free(parent);
	}
	fprintf(stderr, _("tern: cannot create \"%s\": %s\n"), dir,
	    strerror(errno));
	return -1;
}

/* A folder name made safe as one path component. */
static char *
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

/* Maildir's info suffix for FLAGS (letters in ASCII order). */
static void
export_maildir_flags(struct strbuf *sb, unsigned int flags)
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

/* Write LEN bytes to PATH, created 0600; 0 or -1 (reported). */
static int
export_write_file(const char *path, const char *data, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			goto fail;
		}
		data += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, _("tern: cannot write \"%s\": %s\n"), path,
	    strerror(errno));
	return -1;
}

/* One message into the maildir DIR (tmp/ then cur/). */
static int
export_maildir_msg(struct export *ex, const char *dir,
    const struct store_msg *m, const char *raw, size_t len)
{
	struct strbuf name = STRBUF_INIT, tmp = STRBUF_INIT, cur = STRBUF_INIT;
	int rc = -1;

	strbuf_addf(&name, "%lld.M%luP%ld.tern",
	    (long long)(m->internaldate > 0 ? m->internaldate : m->date),
	    ex->serial++, (long)getpid());
	strbuf_addf(&tmp, "%s/tmp/%s", dir, name.buf);
	strbuf_addf(&cur, "%s/cur/%s", dir, name.buf);
	export_maildir_flags(&cur, m->flags);
	if (export_write_file(tmp.buf, raw, len) != 0)
		goto out;
	if (rename(tmp.buf, cur.buf) != 0) {
		fprintf(stderr, _("tern: cannot write \"%s\": %s\n"), cur.buf,
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

/*
 * One message appended to the mbox (mboxrd: every ">*From " line at the
 * start of a line gets one more '>'; line ends become LF).
 */
static int
export_mbox_msg(struct export *ex, const struct store_msg *m,
    const char *raw, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	char when[64];
	struct tm tm;
	time_t t;
	size_t i = 0;
	int rc;

	t = (time_t)(m->internaldate > 0 ? m->internaldate : m->date);
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
	strbuf_addf(&sb, "From %s %s\n", m->from_addr != NULL &&
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
			strbuf_addch(&sb, '>');
		strbuf_add(&sb, raw + i, end - i);
		strbuf_addch(&sb, '\n');
		i = eol + 1;
	}
	strbuf_addch(&sb, '\n');
	rc = fwrite(sb.buf, 1, sb.len, ex->mbox) == sb.len ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, _("tern: cannot write \"%s\": %s\n"),
		    ex->opt->mbox, strerror(errno));
	strbuf_release(&sb);
	return rc;
}

/* Export folder F of ST; DIR is its maildir (NULL for the mbox). */
static int
export_folder(struct export *ex, struct store *st,
    const struct store_folder *f, const char *dir)
{
	int64_t *ids = NULL;
	size_t n = 0, i;
	int tty = isatty(STDERR_FILENO), rc = -1;

	if (dir != NULL) {
		struct strbuf sub = STRBUF_INIT;
		const char *parts[] = { "cur", "new", "tmp" };

		if (export_mkdir(dir) != 0)
			return -1;
		for (i = 0; i < 3; i++) {
			strbuf_reset(&sub);
			strbuf_addf(&sub, "%s/%s", dir, parts[i]);
			if (export_mkdir(sub.buf) != 0) {
				strbuf_release(&sub);
				return -1;
			}
		}
		strbuf_release(&sub);
	}
	/* Oldest first, as a mailbox file reads. */
	if (store_msg_ids(st, f->id, SORT_DATE, 1, &ids, &n) != 0) {
		fprintf(stderr, _("tern: cannot read the cache: %s\n"),
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
			r = dir != NULL ? export_maildir_msg(ex, dir, &m, raw,
			    len) : export_mbox_msg(ex, &m, raw, len);
		else if (r == 1)
			ex->missing++;
		free(raw);
		store_msg_release(&m);
		if (r < 0)
			goto out;
		if (r == 0)
			ex->done++;
		if (tty && (i % 100 == 0 || i + 1 == n))
			fprintf(stderr, "\r%s %zu/%zu\033[K", f->display,
			    i + 1, n);
	}
	if (tty && n > 0)
		fputc('\n', stderr);
	else
		fprintf(stderr, "%s %zu/%zu\n", f->display, n, n);
	rc = 0;
out:
	free(ids);
	return rc;
}

int
cli_export(const struct cli_options *opt, const char *target)
{
	struct config *cfg = NULL;
	struct account_config *acc;
	struct store *st = NULL;
	struct store_folder *list = NULL;
	struct export ex;
	char *folder = NULL, *path = NULL, *err = NULL;
	size_t n = 0, i;
	int rc, one;

	if ((opt->maildir == NULL) == (opt->mbox == NULL)) {
		cli_error(_("tern export needs --maildir DIR or --mbox FILE"));
		return EXIT_USAGE;
	}
	if (target == NULL) {
		cli_error(_("tern export needs ACCOUNT[:FOLDER]"));
		return EXIT_USAGE;
	}
	if ((rc = cli_load(opt, target, &cfg, &acc, &folder)) != 0)
		return rc;
	rc = EXIT_RUNTIME;
	memset(&ex, 0, sizeof ex);
	ex.opt = opt;
	if (opt->ephemeral) {
		cli_error(_("--ephemeral has no cache to export"));
		rc = EXIT_USAGE;
		goto out;
	}
	/* Online: bring the bodies in first; a failure still exports. */
	if (!opt->offline) {
		struct cli_options o = *opt;

		o.bodies = 1;
		if (cli_sync_account(&o, acc, folder) != 0)
			cli_error(_("the sync failed: exporting what the cache "
			    "holds"));
	}
	if (cli_store_path(opt, acc, &path) != 0)
		goto out;
	if (store_open(path, acc->name, &st, &err) != 0) {
		cli_error(err);
		goto out;
	}
	if (store_folder_list(st, &list, &n) != 0) {
		fprintf(stderr, _("tern: cannot read the cache: %s\n"),
		    store_errmsg(st));
		goto out;
	}
	if (opt->mbox != NULL) {
		int fd = open(opt->mbox, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);

		if (fd < 0 || (ex.mbox = fdopen(fd, "a")) == NULL) {
			fprintf(stderr, _("tern: cannot open \"%s\": %s\n"),
			    opt->mbox, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	one = folder != NULL;
	if (one) {
		struct store_folder f;

		/* The name shown, "inbox" or the server's: the server's. */
		if (store_folder_find(st, folder, &f) == 0) {
			free(folder);
			folder = xstrdup(f.name);
			store_folder_release(&f);
		}
	}
	if (opt->maildir != NULL && !one && export_mkdir(opt->maildir) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		char *dir = NULL, *comp;
		int r;

		if (one && strcmp(list[i].name, folder) != 0)
			continue;
		if (opt->maildir != NULL && one)
			dir = xstrdup(opt->maildir);
		else if (opt->maildir != NULL) {
			comp = export_component(list[i].display);
			dir = xasprintf("%s/%s", opt->maildir, comp);
			free(comp);
		}
		r = export_folder(&ex, st, &list[i], dir);
		free(dir);
		if (r != 0)
			goto out;
		if (one)
			break;
	}
	if (one && i == n) {
		fprintf(stderr, _("tern: no folder \"%s\" in the cache\n"),
		    folder);
		goto out;
	}
	if (ex.mbox != NULL && (fflush(ex.mbox) != 0 ||
	    fsync(fileno(ex.mbox)) != 0)) {
		fprintf(stderr, _("tern: cannot write \"%s\": %s\n"),
		    opt->mbox, strerror(errno));
		goto out;
	}
	fprintf(stderr, _("tern: exported %ld messages to \"%s\"\n"),
	    ex.done, opt->maildir != NULL ? opt->maildir :
	    opt->mbox);
	if (ex.missing > 0)
		fprintf(stderr, _("tern: %ld messages have no cached body and "
		    "were left out\n"), ex.missing);
	rc = 0;
out:
	if (ex.mbox != NULL)
		fclose(ex.mbox);
	store_folder_list_free(list, n);
	store_close(st);
	free(path);
	free(err);
	free(folder);
	config_free(cfg);
	return rc;
}
