/*
 * User operations (see ops.h).
 */
#include "autoconfig.h"

#include "log.h"
#include "ops.h"
#include "store.h"
#include "util.h"

/*
 * One message: 1 changed, 0 nothing to do (gone, moved on, already so),
 * -1 error.
 */
static int
ops_one(struct store *st, enum ops_kind op, int64_t folder_id, int64_t id,
    const char *dest)
{
	struct store_msg m;
	unsigned int flag = 0, add = 0, remove = 0;
	int r, has;

	if ((r = store_msg_get(st, id, &m)) != 0)
		return r < 0 ? -1 : 0;
	if (folder_id >= 0 && m.folder_id != folder_id) {
		store_msg_release(&m);
		return 0;
	}
	switch (op) {
	case OPS_DELETE:
	case OPS_UNDELETE:
		flag = MSG_DELETED;
		break;
	case OPS_TOGGLE_FLAGGED:
		flag = MSG_FLAGGED;
		break;
	case OPS_TOGGLE_SEEN:
	case OPS_SEEN:
	case OPS_UNSEEN:
		flag = MSG_SEEN;
		break;
	case OPS_MOVE:
	case OPS_COPY:
		break;
	}
	has = (m.flags & flag) != 0;
	store_msg_release(&m);
	switch (op) {
	case OPS_MOVE:
		return store_pending_move(st, id, dest) != 0 ? -1 : 1;
	case OPS_COPY:
		return store_pending_copy(st, id, dest) != 0 ? -1 : 1;
	case OPS_DELETE:
	case OPS_SEEN:
		if (has)
			return 0;
		add = flag;
		break;
	case OPS_UNDELETE:
	case OPS_UNSEEN:
		if (!has)
			return 0;
		remove = flag;
		break;
	case OPS_TOGGLE_FLAGGED:
	case OPS_TOGGLE_SEEN:
		if (has)
			remove = flag;
		else
			add = flag;
		break;
	}
	return store_pending_flags(st, id, add, remove) != 0 ? -1 : 1;
}

long
ops_apply(struct store *st, enum ops_kind op, int64_t folder_id,
    const int64_t *ids, size_t n, const char *dest)
{
	int64_t t0 = util_now_ms(), t1;
	long done = 0;
	size_t i;
	int r;

	if ((op == OPS_MOVE || op == OPS_COPY) && dest == NULL)
		return -1;
	if (store_begin(st) != 0)
		return -1;
	/* What the key waited for: another connection's transaction. */
	t1 = util_now_ms();
	for (i = 0; i < n; i++) {
		if ((r = ops_one(st, op, folder_id, ids[i], dest)) < 0) {
			store_rollback(st);
			return -1;
		}
		done += r;
	}
	if (store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	log_msg(LOG_INFO, "ops: operation %d on %zu messages: %lld ms, "
	    "%lld ms of it waiting for the cache", (int)op, n,
	    (long long)(util_now_ms() - t0), (long long)(t1 - t0));
	return done;
}

enum ops_delete
ops_delete_is(enum delete_mode mode, int64_t folder_id, int64_t trash_id)
{
	if (mode != DELETE_TRASH)
		return OPS_DELETE_FLAG;
	if (trash_id < 0)
		return OPS_DELETE_NO_TRASH;
	/* Inside the Trash itself, d marks \Deleted. */
	if (trash_id == folder_id)
		return OPS_DELETE_FLAG;
	return OPS_DELETE_TO_TRASH;
}

enum ops_leave
ops_leave_is(enum expunge_mode mode, int ndeleted)
{
	if (ndeleted <= 0)
		return OPS_LEAVE_KEEP;
	switch (mode) {
	case EXPUNGE_YES:
		return OPS_LEAVE_EXPUNGE;
	case EXPUNGE_NO:
		return OPS_LEAVE_KEEP;
	case EXPUNGE_ASK:
		break;
	}
	return OPS_LEAVE_ASK;
}

int
ops_expunge(struct store *st, int64_t folder_id)
{
	int n = 0;

	if (store_pending_expunge(st, folder_id, &n) != 0)
		return -1;
	return n;
}
