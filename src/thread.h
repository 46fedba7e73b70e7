/*
 * Threads and the order of the index: JWZ threading by References and
 * In-Reply-To (with optional grouping by subject), sorting by date, sender,
 * subject or size, and the display rows that the index draws, with their
 * depth, their tree lines and the collapsed state of each thread.
 *
 * Pure: thread_build() reads an array of messages and keeps nothing that
 * points into it. Robust to cycles in References, to missing parents
 * (their children are kept together), to duplicate Message-IDs and to
 * messages without one; O(n) apart from the sorts.
 */
#ifndef TERN_THREAD_H
#define TERN_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* One message as the threader reads it; every string may be NULL. */
struct thread_msg {
	int64_t date;
	int64_t size;
	const char *message_id;
	const char *in_reply_to;
	const char *references;
	const char *subject;	/* decoded UTF-8 */
	const char *from;	/* the sender's name, else address */
};

/* What orders the threads (or the messages, when not threaded). */
enum thread_key {
	THREAD_KEY_DATE,	/* newest first (threads: newest message) */
	THREAD_KEY_FROM,	/* A to Z, ignoring case */
	THREAD_KEY_SUBJECT,	/* A to Z, ignoring case and "Re:" */
	THREAD_KEY_SIZE,	/* largest first */
};

/* Flags of thread_build(). */
#define THREAD_GROUP	0x1	/* thread by References / In-Reply-To */
#define THREAD_SUBJECT	0x2	/* also join replies by subject */
#define THREAD_REVERSE	0x4	/* the other way round */

/* Marks of a row (thread_marks()). */
#define THREAD_MARK_FAKE	0x1	/* its real parent is not here */
#define THREAD_MARK_DUP		0x2	/* a duplicate Message-ID */
#define THREAD_MARK_SAME_SUBJECT 0x4	/* same subject as its parent */

/* How many ancestor levels thread_tree() draws at most. */
#define THREAD_TREE_LEVELS	32

#define THREAD_NONE ((size_t)-1)

struct thread;

/*
 * Thread (with THREAD_GROUP) and sort the N messages of MSGS by KEY.
 * Every thread starts expanded. Returns a new set; thread_free() it.
 */
struct thread *thread_build(const struct thread_msg *msgs, size_t n,
    enum thread_key key, int flags);
/* Free T; NULL is a no-op. */
void thread_free(struct thread *t);

/*
 * The same, fed one message at a time: thread_input_add() keeps what the
 * build needs of M (its ids hashed, the sort string of KEY) and nothing
 * that points into it, so that a caller reading rows can hand each over
 * and let its strings go. thread_input_build() makes the set (the input
 * stays the caller's: thread_input_free() it).
 */
struct thread_input;
struct thread_input *thread_input_new(enum thread_key key, int flags);
void thread_input_add(struct thread_input *in, const struct thread_msg *m);
size_t thread_input_count(const struct thread_input *in);
struct thread *thread_input_build(const struct thread_input *in);
void thread_input_free(struct thread_input *in);

/* The number of display rows (fewer than the messages when collapsed). */
size_t thread_rows(const struct thread *t);
/* The message (index into the input) shown on ROW. */
size_t thread_msg(const struct thread *t, size_t row);
/* The row showing message MSG, or its thread's row when it is folded. */
size_t thread_row_of(const struct thread *t, size_t msg);
/* The depth of ROW in its thread (0 for a thread's first message). */
unsigned int thread_depth(const struct thread *t, size_t row);
/* THREAD_MARK_* of ROW. */
unsigned int thread_marks(const struct thread *t, size_t row);
/* The number of messages in ROW's thread. */
size_t thread_size(const struct thread *t, size_t row);
/* The messages folded under ROW (0 unless its thread is collapsed). */
size_t thread_hidden(const struct thread *t, size_t row);
/* The first row of ROW's thread. */
size_t thread_root_row(const struct thread *t, size_t row);
/* Whether ROW's thread is collapsed. */
int thread_collapsed(const struct thread *t, size_t row);
/*
 * Append ROW's tree lines to SB: for each level "│ " or "  ", then "├─>"
 * or "└─>" ('*' for a missing parent, '=' for a duplicate, in place of
 * the '─'); ASCII draws "| ", "|->", "`->". Nothing for a thread's first
 * message. Returns the columns appended.
 */
int thread_tree(const struct thread *t, size_t row, struct strbuf *sb,
    int ascii);

/*
 * Collapse ROW's thread, or expand it when collapsed (a thread of one
 * message does not change). Returns the row of that thread's first
 * message afterwards.
 */
size_t thread_toggle(struct thread *t, size_t row);
/* Collapse (COLLAPSE nonzero) or expand every thread. */
void thread_collapse_all(struct thread *t, int collapse);
/*
 * Collapse or expand the threads of the N messages MSGS (to carry the
 * state over to a new build).
 */
void thread_set_collapsed(struct thread *t, const size_t *msgs, size_t n,
    int collapse);

/*
 * Keep a build for later: append to OUT the threads of T as they stand
 * fully expanded, each message as IDS[its index] (an id of the caller's)
 * with its depth and marks, in display order. thread_load() reads it.
 */
void thread_save(const struct thread *t, const int64_t *ids,
    struct strbuf *out);
/*
 * The threads thread_save() wrote in the LEN bytes of DATA, every thread
 * expanded; message I of the result is the I-th one saved, and *IDS_R
 * (free() it) holds their ids, *N_R of them. NULL, with nothing
 * allocated, when DATA is not such a save: the caller builds anew.
 */
struct thread *thread_load(const void *data, size_t len, int64_t **ids_r,
    size_t *n_r);

/*
 * The subject without reply and forward prefixes ("Re: ", "Fwd: ",
 * "AW: ", "Re[2]: " ...) and leading blanks: a pointer into S.
 * *REPLY_R (may be NULL) says whether a prefix was removed.
 */
const char *thread_subject_base(const char *s, int *reply_r);

#endif
