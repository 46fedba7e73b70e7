/*
 * What the user does to messages, in one place for the reader and the
 * headless commands: the meaning of each operation (d as \Deleted or as a
 * move to the Trash, the toggles, \Seen when a message is opened, the
 * expunge when a folder is left) and its effect on the cache with the
 * pending row that takes it to the server, in one short transaction per
 * operation however many messages it touches. Nothing here talks to a
 * server: the caller then asks the account to push (account.h).
 */
#ifndef TERN_OPS_H
#define TERN_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct store;

enum ops_kind {
	OPS_DELETE,		/* set \Deleted */
	OPS_UNDELETE,		/* clear \Deleted */
	OPS_TOGGLE_FLAGGED,	/* \Flagged on or off, per message */
	OPS_TOGGLE_SEEN,	/* \Seen on or off, per message */
	OPS_SEEN,		/* set \Seen (the message was opened) */
	OPS_UNSEEN,		/* clear \Seen */
	OPS_MOVE,		/* to another folder */
	OPS_COPY,
};

/*
 * Apply OP to the N messages IDS of ST: FOLDER_ID >= 0 limits it to those
 * still in that folder (a tag may outlive its message's place). DEST is
 * the server name of the folder of a move or a copy. Returns how many
 * messages changed (a \Deleted message deleted again does not), or -1 with
 * nothing changed (store_errmsg()).
 */
long ops_apply(struct store *st, enum ops_kind op, int64_t folder_id,
    const int64_t *ids, size_t n, const char *dest);

/* What `d` is for a message of FOLDER_ID. */
enum ops_delete {
	OPS_DELETE_FLAG,	/* set \Deleted */
	OPS_DELETE_TO_TRASH,	/* move it to the Trash */
	OPS_DELETE_NO_TRASH,	/* delete = trash, but there is none: flag */
};

/*
 * d under MODE in folder FOLDER_ID of an account whose Trash is TRASH_ID
 * (-1: none): a move to the Trash, except inside the Trash itself, where
 * the message is marked \Deleted as with delete = flag.
 */
enum ops_delete ops_delete_is(enum delete_mode mode, int64_t folder_id,
    int64_t trash_id);

/* What leaving a folder with deleted messages does (expunge = ...). */
enum ops_leave { OPS_LEAVE_KEEP, OPS_LEAVE_ASK, OPS_LEAVE_EXPUNGE };

/* Leaving a folder of NDELETED \Deleted messages under MODE. */
enum ops_leave ops_leave_is(enum expunge_mode mode, int ndeleted);

/*
 * Expunge FOLDER_ID: its \Deleted messages leave the cache and their
 * expunge is queued. Returns how many, or -1 (store_errmsg()).
 */
int ops_expunge(struct store *st, int64_t folder_id);

#endif
