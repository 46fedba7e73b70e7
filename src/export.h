/*
 * Writing the cached messages out, as tern export does: a maildir (one
 * file a message, written in tmp/ and renamed into cur/ with the flags as
 * its info, "T" for \Deleted) or an mbox file, appended to (mboxrd: each
 * message after a "From " line, with every line that starts with ">*From "
 * given one more '>', so that a reader that takes one away gets the
 * message back exactly, which mboxo's quoting of "From " alone does not
 * promise; line ends become LF). Files are created 0600 and synced to
 * disk. The core of tern export; cli/cli-export.c is its command line.
 *
 * Errors come back in *ERR (free() it), one line without "tern: ".
 */
#ifndef TERN_EXPORT_H
#define TERN_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

struct store;
struct store_folder;
struct store_msg;

enum export_format {
	EXPORT_MAILDIR,
	EXPORT_MBOX,
};

struct export {
	enum export_format format;
	char *path;		/* the mbox file, or the maildir (or its top) */
	FILE *mbox;		/* EXPORT_MBOX: open for appending */
	long pid;		/* in maildir names */
	unsigned long serial;	/* makes maildir names unique */
	long done;		/* messages written */
	long missing;		/* messages without a cached body */
	/*
	 * Called (when not NULL) after message I (from 0) of the N of
	 * folder F has been written or found without a body, and once more
	 * with I == N when the folder is done.
	 */
	void (*progress)(void *arg, const struct store_folder *f, size_t i,
	    size_t n);
	void *arg;
};

/*
 * Set EX up to write FORMAT to PATH: an mbox is opened for appending
 * (created 0600); a maildir is made folder by folder (export_folder()).
 * Returns 0, or -1 with *ERR set; release EX with export_release() either
 * way.
 */
int export_init(struct export *ex, enum export_format format,
    const char *path, char **err);
/* Close what EX holds, without the sync of export_finish(). */
void export_release(struct export *ex);
/* Bring an mbox to the disk (flush, fsync): 0, or -1 with *ERR set. */
int export_finish(struct export *ex, char **err);

/*
 * Write every message of folder F of ST, oldest first, into the maildir
 * DIR (made, with cur/, new/ and tmp/, if absent; NULL for the mbox),
 * counting them in EX->done and those without a cached body in
 * EX->missing. Returns 0, or -1 with *ERR set at the first failure.
 */
int export_folder(struct export *ex, struct store *st,
    const struct store_folder *f, const char *dir, char **err);

/* Write message M (RAW, LEN bytes) as the format of EX says: 0 or -1. */
int export_maildir_put(struct export *ex, const char *dir,
    const struct store_msg *m, const char *raw, size_t len, char **err);
int export_mbox_put(struct export *ex, const struct store_msg *m,
    const char *raw, size_t len, char **err);

/*
 * Append to SB the mbox entry of message M (RAW, LEN bytes): the "From "
 * line (M's sender address, or MAILER-DAEMON when it has none or has
 * white space in it, and its date in UTC), the message quoted as mboxrd
 * with LF line ends and a final one, then an empty line.
 */
void export_mbox_entry(struct strbuf *sb, const struct store_msg *m,
    const char *raw, size_t len);
/*
 * Append to SB the maildir file name of M, "TIME.MSERIALPPID.tern" with
 * TIME its arrival (internaldate, else date); it is the name in tmp/.
 */
void export_maildir_name(struct strbuf *sb, const struct store_msg *m,
    unsigned long serial, long pid);
/*
 * Append the info of FLAGS that the name gets in cur/: ":2," and the
 * letters in ASCII order (D draft, F flagged, R answered, S seen, T
 * deleted).
 */
void export_maildir_info(struct strbuf *sb, unsigned int flags);
/*
 * A folder name made one safe path component (free() it): '/' and '\'
 * become '.', control bytes '_', and a name that is empty or starts with
 * '.' gets a '_' before it.
 */
char *export_component(const char *name);
/* Make DIR (0700) and its missing parents, unless it exists: 0 or -1. */
int export_mkdir(const char *dir, char **err);

#endif
