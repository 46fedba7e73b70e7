/*
 * The index line, written with a format string in mutt's spirit
 * ("%Z %-10D %-20.20F %M%s"): a pure renderer over display columns. Every
 * string taken from a message is sanitised here (text_sanitize) before it
 * is measured, and cut only between characters (text_fit).
 *
 * Conversions: %[-][WIDTH][.PRECISION]X, PRECISION the most columns
 * shown, WIDTH the least (padded on the left, or on the right with '-'):
 *   %Z  four flag columns: '*' (tagged); D (deleted), N (unread) or r
 *       (answered); F (flagged); a (attachment)
 *   %D  the date: "14:05" today, "Mar 04" this year, "2023-03-04" before
 *   %{FMT}  the date through strftime(3) FMT, local time
 *   %F  the sender's name, else address     %a  the sender's address
 *   %t  the recipients                      %s  the subject, after the
 *       thread's tree lines (only the tree when it repeats its parent's)
 *       and "[gone] " for a message the server no longer has
 *   %c  the size ("512", "4.2K", "31K", "1.3M")
 *   %N  the number of messages in the thread
 *   %M  "(+N) " when N messages are folded under a collapsed thread
 *   %C  the line's number                   %%  a '%'
 *   %>X fill with the character X so that what follows ends at the
 *       right edge
 */
#ifndef TERN_FORMAT_H
#define TERN_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strbuf.h"

/* The default index_format. */
#define FORMAT_INDEX_DEFAULT	"%Z %-10D %-20.20F %M%s"

/* One message as an index line shows it; strings may be NULL. */
struct format_msg {
	unsigned int flags;	/* MSG_* of store.h */
	int has_attachment;
	int64_t date;
	int64_t size;
	const char *from;	/* display name, else address */
	const char *from_addr;
	const char *to;
	const char *subject;
	const char *tree;	/* tree lines (safe UTF-8), or NULL */
	int same_subject;	/* %s shows the tree only */
	size_t thread_size;
	size_t hidden;
	long number;
	int tagged;
	int gone;		/* kept after it vanished on the server */
};

/* Where the tree lines landed in a rendered line (len 0: not shown). */
struct format_span {
	size_t off, len;	/* bytes */
	int col, cols;		/* columns */
};

/* Check FMT; returns 0, or -1 with *ERR set (free() it). */
int format_check(const char *fmt, char **err);

/*
 * Append the line FMT makes of M to SB, cut to COLS columns (not padded);
 * NOW decides what "today" and "this year" are; the tree's place goes in
 * *TREE_R (may be NULL). FMT must have passed format_check() (a bad
 * conversion is shown as it is written). Returns the columns used.
 */
int format_index(struct strbuf *sb, const char *fmt,
    const struct format_msg *m, time_t now, int cols,
    struct format_span *tree_r);

/*
 * Append the size N for people, as %c shows it and every size tern shows:
 * mutt's style, bytes under 1K as a bare number ("512"), then "4.2K",
 * "30K", "1.3M", "25M" (K = 1024 bytes). A negative N is 0.
 */
void format_size(struct strbuf *sb, int64_t n);
/* Append "DONE of TOTAL" as sizes, for progress: "1.2M of 3.4M". */
void format_size_of(struct strbuf *sb, int64_t done, int64_t total);
/* Append the date DATE as %D shows it, with NOW as the present. */
void format_date(struct strbuf *sb, int64_t date, time_t now);

#endif
