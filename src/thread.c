/*
 * Threading and sorting for the index (see thread.h). This file owns the
 * reading of Message-ID, References and In-Reply-To for threading, the
 * JWZ algorithm as tern applies it, the sort orders, and the display rows
 * with their tree lines and collapsed threads.
 *
 * The build, after JWZ ("message threading", 1997-2002), in linear steps:
 *   1. every Message-ID and every id named in References / In-Reply-To
 *      gets a container (a hash table of ids pointing into the input); a
 *      message whose id is taken, or that has none, gets its own;
 *   2. each References chain links its neighbours when the child has no
 *      parent yet, and the message's own container takes the last
 *      reference as its parent, overriding a link guessed before;
 *   3. cycles of parent links (References that contradict each other) are
 *      broken afterwards in one pass, so no link ever needs a loop search;
 *   4. empty containers (ids that were referenced but are not here) go:
 *      their children move up to the nearest real ancestor, and children
 *      that end up with none are kept together under the oldest of them,
 *      marked as having a missing parent;
 *   5. optionally a reply whose thread has no parent joins the oldest
 *      thread with the same subject;
 *   6. replies are ordered by date, threads by the sort key.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "thread.h"
#include "xmalloc.h"

/* A message's place in the final forest (indexes are message indexes). */
struct thread_node {
	int32_t parent;		/* -1: the first message of a thread */
	int32_t child;		/* first reply, -1 if none */
	int32_t next;		/* next sibling, -1 if none */
	int32_t root;		/* the first message of its thread */
	uint32_t depth;
	uint32_t size;		/* messages in the thread (roots only) */
	uint8_t marks;		/* THREAD_MARK_* */
	uint8_t collapsed;	/* roots only */
};

/* No row: the message is folded (row_of holds 32 bits, as node links). */
#define ROW_NONE	UINT32_MAX

struct thread {
	size_t n;
	struct thread_node *node;
	int32_t *roots;		/* thread roots in display order */
	size_t nroots;
	uint32_t *rows;		/* display rows: message indexes */
	size_t nrows;
	uint32_t *row_of;	/* message to row; ROW_NONE: folded */
};

/*
 * A message as the build keeps it: its ids hashed (64 bits: two ids of a
 * folder that hash alike are as likely as never), its strings gone but
 * for the one a sort by sender or subject needs.
 */
struct thread_in_msg {
	int64_t date;
	int64_t size;
	uint64_t id;		/* its Message-ID, 0: none */
	uint64_t base;		/* its subject without prefixes, any case */
	uint32_t refs;		/* its References chain (oldest first, */
	uint32_t nrefs;		/* In-Reply-To added): in->refs[refs...] */
	uint32_t str;		/* its sort string: offset + 1, 0: none */
	uint8_t reply;		/* its subject had a reply prefix */
};

struct thread_input {
	enum thread_key key;
	int flags;
	struct thread_in_msg *msgs;
	size_t n, alloc;
	uint64_t *refs;
	size_t nrefs, arefs;
	struct strbuf strings;	/* the sort strings, each terminated */
};

/* A container of the build: a message, or an id someone referenced. */
struct thread_box {
	uint64_t key;		/* the id's hash, 0 if none */
	int32_t msg;		/* message index, -1: an empty container */
	int32_t parent;
	uint8_t marks;
};

struct thread_build {
	struct thread_box *box;
	size_t nbox, abox;
	int32_t *table;		/* open addressing over box, -1 empty */
	size_t cap;		/* a power of two */
	size_t used;
	int32_t *refs;		/* the chain being read */
	size_t nrefs, arefs;
};

/* A thread (or message) with what it sorts by. */
struct thread_sortrec {
	const char *s;
	int64_t v;
	int64_t date;
	int32_t msg;
};

static uint64_t thread_hash(const char *, size_t, int);
static int32_t thread_box_new(struct thread_build *, uint64_t, int32_t);
static int32_t thread_lookup(struct thread_build *, uint64_t);
static int thread_next_id(const char **, const char **, size_t *);
static void thread_break_cycles(struct thread_build *);
static void thread_flatten(struct thread *);
static int32_t thread_walk(const struct thread *, int32_t, int32_t);

/*
 * FNV-1a (64 bits) over LEN bytes, optionally folding ASCII case; never
 * 0, which stands for "none".
 */
static uint64_t
thread_hash(const char *s, size_t len, int fold)
{
	uint64_t h = 14695981039346656037ull;
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (fold && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h ^= c;
		h *= 1099511628211ull;
	}
	return h != 0 ? h : 1;
}

/* Where KEY starts looking in a table of CAP slots. */
static size_t
thread_slot(uint64_t key, size_t cap)
{
	return (size_t)(key ^ (key >> 32)) & (cap - 1);
}

static int32_t
thread_box_new(struct thread_build *b, uint64_t key, int32_t msg)
{
	struct thread_box *x;

	if (b->nbox == b->abox) {
		b->abox = b->abox == 0 ? 64 : b->abox * 2;
		b->box = xreallocarray(b->box, b->abox, sizeof *b->box);
	}
	x = &b->box[b->nbox];
	x->key = key;
	x->msg = msg;
	x->parent = -1;
	x->marks = 0;
	return (int32_t)b->nbox++;
}

/* Double the hash table. */
static void
thread_grow(struct thread_build *b)
{
	size_t cap = b->cap == 0 ? 1024 : b->cap * 2, i, j;
	int32_t *t = xreallocarray(NULL, cap, sizeof *t);

	for (i = 0; i < cap; i++)
		t[i] = -1;
	for (i = 0; i < b->cap; i++) {
		if (b->table[i] < 0)
			continue;
		j = thread_slot(b->box[b->table[i]].key, cap);
		while (t[j] >= 0)
			j = (j + 1) & (cap - 1);
		t[j] = b->table[i];
	}
	free(b->table);
	b->table = t;
	b->cap = cap;
}

/* The container of the id hashed as KEY, made empty if new. */
static int32_t
thread_lookup(struct thread_build *b, uint64_t key)
{
	size_t i;
	int32_t id;

	if ((b->used + 1) * 2 > b->cap)
		thread_grow(b);
	for (i = thread_slot(key, b->cap); b->table[i] >= 0; i = (i + 1) &
	    (b->cap - 1)) {
		if (b->box[b->table[i]].key == key)
			return b->table[i];
	}
	id = thread_box_new(b, key, -1);
	b->table[i] = id;
	b->used++;
	return id;
}

static int
thread_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Find the next id in *SP, the text of the next "<...>": sets *KEY_R and
 * *LEN_R and advances *SP; returns 0 when there is none.
 */
static int
thread_next_id(const char **sp, const char **key_r, size_t *len_r)
{
	const char *s = *sp, *lt, *gt;

	if (s == NULL)
		return 0;
	for (;;) {
		lt = strchr(s, '<');
		if (lt == NULL) {
			*sp = s + strlen(s);
			return 0;
		}
		gt = strchr(lt + 1, '>');
		if (gt == NULL) {
			*sp = lt + strlen(lt);
			return 0;
		}
		s = gt + 1;
		/* "<>" or "<a <b>": take the innermost '<'. */
		while (memchr(lt + 1, '<', (size_t)(gt - lt - 1)) != NULL)
			lt = memchr(lt + 1, '<', (size_t)(gt - lt - 1));
		if (gt - lt - 1 > 0) {
			*key_r = lt + 1;
			*len_r = (size_t)(gt - lt - 1);
			*sp = s;
			return 1;
		}
	}
}

/* The first blank-separated word of S, for ids written without "<>". */
static int
thread_bare_id(const char *s, const char **key_r, size_t *len_r)
{
	const char *e;

	if (s == NULL || strchr(s, '<') != NULL)
		return 0;
	while (thread_blank((unsigned char)*s))
		s++;
	for (e = s; *e != '\0' && !thread_blank((unsigned char)*e); e++)
		;
	if (e == s || memchr(s, '@', (size_t)(e - s)) == NULL)
		return 0;
	*key_r = s;
	*len_r = (size_t)(e - s);
	return 1;
}

static void
thread_refs_add(struct thread_build *b, int32_t box)
{
	if (b->nrefs > 0 && b->refs[b->nrefs - 1] == box)
		return;
	if (b->nrefs == b->arefs) {
		b->arefs = b->arefs == 0 ? 16 : b->arefs * 2;
		b->refs = xreallocarray(b->refs, b->arefs, sizeof *b->refs);
	}
	b->refs[b->nrefs++] = box;
}

/* Add the id hashed as H to IN's chain of the message being added. */
static void
thread_in_ref(struct thread_input *in, size_t first, uint64_t h)
{
	if (in->nrefs > first && in->refs[in->nrefs - 1] == h)
		return;
	if (in->nrefs == in->arefs) {
		in->arefs = in->arefs == 0 ? 1024 : in->arefs * 2;
		in->refs = xreallocarray(in->refs, in->arefs,
		    sizeof *in->refs);
	}
	in->refs[in->nrefs++] = h;
}

/*
 * M's References (else its one bare id), oldest first, then In-Reply-To
 * when References forgot it: into IN's chain pool, hashed.
 */
static void
thread_in_refs(struct thread_input *in, struct thread_in_msg *x,
    const struct thread_msg *m)
{
	const char *p, *key;
	size_t len, first = in->nrefs, i;
	uint64_t irt;

	p = m->references;
	while (thread_next_id(&p, &key, &len))
		thread_in_ref(in, first, thread_hash(key, len, 0));
	if (in->nrefs == first && thread_bare_id(m->references, &key, &len))
		thread_in_ref(in, first, thread_hash(key, len, 0));
	p = m->in_reply_to;
	if (thread_next_id(&p, &key, &len) ||
	    thread_bare_id(m->in_reply_to, &key, &len)) {
		irt = thread_hash(key, len, 0);
		for (i = first; i < in->nrefs && in->refs[i] != irt; i++)
			;
		if (i == in->nrefs)
			thread_in_ref(in, first, irt);
	}
	x->refs = (uint32_t)first;
	x->nrefs = (uint32_t)(in->nrefs - first);
}

struct thread_input *
thread_input_new(enum thread_key key, int flags)
{
	struct thread_input *in = xcalloc(1, sizeof *in);

	in->key = key;
	in->flags = flags;
	strbuf_init(&in->strings, 0);
	return in;
}

void
thread_input_add(struct thread_input *in, const struct thread_msg *m)
{
	struct thread_in_msg *x;
	const char *p, *key, *base, *str = NULL;
	size_t len;
	int reply;

	if (in->n == in->alloc) {
		in->alloc = in->alloc == 0 ? 1024 : in->alloc * 2;
		in->msgs = xreallocarray(in->msgs, in->alloc,
		    sizeof *in->msgs);
	}
	x = &in->msgs[in->n++];
	memset(x, 0, sizeof *x);
	x->date = m->date;
	x->size = m->size;
	base = in->flags & THREAD_GROUP || in->key == THREAD_KEY_SUBJECT ?
	    thread_subject_base(m->subject, &reply) : "";
	if (in->flags & THREAD_GROUP) {
		x->reply = (uint8_t)reply;
		x->base = *base != '\0' ? thread_hash(base, strlen(base), 1) :
		    0;
		p = m->message_id;
		if (thread_next_id(&p, &key, &len) ||
		    thread_bare_id(m->message_id, &key, &len))
			x->id = thread_hash(key, len, 0);
		thread_in_refs(in, x, m);
	}
	if (in->key == THREAD_KEY_FROM)
		str = m->from != NULL ? m->from : "";
	else if (in->key == THREAD_KEY_SUBJECT)
		str = base;
	if (str != NULL) {
		x->str = (uint32_t)in->strings.len + 1;
		strbuf_addstr(&in->strings, str);
		strbuf_addch(&in->strings, '\0');
	}
}

size_t
thread_input_count(const struct thread_input *in)
{
	return in->n;
}

void
thread_input_free(struct thread_input *in)
{
	if (in == NULL)
		return;
	free(in->msgs);
	free(in->refs);
	strbuf_release(&in->strings);
	free(in);
}

/* The sort string of message I of IN. */
static const char *
thread_in_str(const struct thread_input *in, size_t i)
{
	uint32_t off = in->msgs[i].str;

	return off != 0 ? in->strings.buf + off - 1 : "";
}

/*
 * Parent links form a graph where each container has at most one parent,
 * so every cycle is found by one walk per container: cut the link that
 * closes it.
 */
static void
thread_break_cycles(struct thread_build *b)
{
	/* 0: not seen, 1: on the current walk, 2: done. */
	uint8_t *state = xcalloc(b->nbox, 1);
	size_t s;
	int32_t x;

	for (s = 0; s < b->nbox; s++) {
		if (state[s] != 0)
			continue;
		for (x = (int32_t)s; x >= 0 && state[x] == 0;
		    x = b->box[x].parent)
			state[x] = 1;
		if (x >= 0 && state[x] == 1)
			b->box[x].parent = -1;	/* x closes a cycle */
		for (x = (int32_t)s; x >= 0 && state[x] == 1;
		    x = b->box[x].parent)
			state[x] = 2;
	}
	free(state);
}

const char *
thread_subject_base(const char *s, int *reply_r)
{
	static const char *prefixes[] = {
		"re", "fwd", "fw", "aw", "sv", "antw", "wg", "vs", "tr", "rif"
	};
	const char *p, *q;
	size_t i, len;
	int reply = 0, again = 1;

	if (s == NULL)
		s = "";
	while (again) {
		again = 0;
		while (thread_blank((unsigned char)*s))
			s++;
		if (strchr("rRfFaAsSwWvVtT", *s) == NULL || *s == '\0')
			break;
		for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
			len = strlen(prefixes[i]);
			if (strncasecmp(s, prefixes[i], len) != 0)
				continue;
			p = s + len;
			/* "Re[2]:", "Re^2:", "Re(2):" */
			if (*p == '[' || *p == '(' || *p == '^') {
				q = p + 1;
				while (*q >= '0' && *q <= '9')
					q++;
				if (q == p + 1)
					continue;
				if (*p != '^') {
					if (*q != (*p == '[' ? ']' : ')'))
						continue;
					q++;
				}
				p = q;
			}
			if (*p != ':')
				continue;
			s = p + 1;
			reply = again = 1;
			break;
		}
	}
	if (reply_r != NULL)
		*reply_r = reply;
	return s;
}

/* Ascending order of records: key, then date, then input order. */
static int
thread_cmp_num(const void *a, const void *b)
{
	const struct thread_sortrec *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return (x->msg > y->msg) - (x->msg < y->msg);
}

static int
thread_cmp_str(const void *a, const void *b)
{
	const struct thread_sortrec *x = a, *y = b;
	int c = strcasecmp(x->s, y->s);

	if (c != 0)
		return c;
	return thread_cmp_num(a, b);
}

/* Sort the roots of T by KEY, in the direction FLAGS ask for. */
static void
thread_sort_roots(struct thread *t, const struct thread_input *in,
    const int64_t *newest, enum thread_key key, int flags)
{
	struct thread_sortrec *rec;
	size_t i, j;
	int32_t r, tmp;
	int desc;

	rec = xreallocarray(NULL, t->nroots > 0 ? t->nroots : 1, sizeof *rec);
	for (i = 0; i < t->nroots; i++) {
		r = t->roots[i];
		rec[i].msg = r;
		rec[i].date = in->msgs[r].date;
		rec[i].s = "";
		rec[i].v = 0;
		switch (key) {
		case THREAD_KEY_DATE:
			rec[i].v = newest[r];
			break;
		case THREAD_KEY_FROM:
		case THREAD_KEY_SUBJECT:
			rec[i].s = thread_in_str(in, (size_t)r);
			break;
		case THREAD_KEY_SIZE:
			rec[i].v = in->msgs[r].size;
			break;
		}
	}
	qsort(rec, t->nroots, sizeof *rec, key == THREAD_KEY_FROM ||
	    key == THREAD_KEY_SUBJECT ? thread_cmp_str : thread_cmp_num);
	for (i = 0; i < t->nroots; i++)
		t->roots[i] = rec[i].msg;
	free(rec);
	desc = key == THREAD_KEY_DATE || key == THREAD_KEY_SIZE;
	if ((flags & THREAD_REVERSE) != 0)
		desc = !desc;
	if (desc && t->nroots > 1) {
		for (i = 0, j = t->nroots - 1; i < j; i++, j--) {
			tmp = t->roots[i];
			t->roots[i] = t->roots[j];
			t->roots[j] = tmp;
		}
	}
}

/* Sort the N message indexes of IDX by date, oldest first. */
static void
thread_sort_by_date(const struct thread_in_msg *msgs, int32_t *idx, size_t n)
{
	struct thread_sortrec *rec;
	size_t i;

	if (n < 2)
		return;
	rec = xreallocarray(NULL, n, sizeof *rec);
	for (i = 0; i < n; i++) {
		rec[i].s = NULL;
		rec[i].v = msgs[idx[i]].date;
		rec[i].date = 0;
		rec[i].msg = idx[i];
	}
	qsort(rec, n, sizeof *rec, thread_cmp_num);
	for (i = 0; i < n; i++)
		idx[i] = rec[i].msg;
	free(rec);
}

/*
 * Steps 1 to 4: the parent of each message in PARENT (-1 for none) and
 * its marks in MARKS.
 */
static void
thread_link(const struct thread_input *in, int32_t *parent, uint8_t *marks)
{
	const struct thread_in_msg *msgs = in->msgs;
	struct thread_build b;
	size_t i, len, n = in->n;
	uint32_t k;
	int32_t *box_of, *res, *best, x, y, v, top, stack_top;
	int32_t *stack;

	memset(&b, 0, sizeof b);
	box_of = xreallocarray(NULL, n > 0 ? n : 1, sizeof *box_of);

	/* 1. A container for each message. */
	for (i = 0; i < n; i++) {
		if (msgs[i].id != 0) {
			x = thread_lookup(&b, msgs[i].id);
			if (b.box[x].msg >= 0) {
				/* Taken: this one is a duplicate. */
				x = thread_box_new(&b, 0, (int32_t)i);
				b.box[x].marks |= THREAD_MARK_DUP;
			} else
				b.box[x].msg = (int32_t)i;
		} else
			x = thread_box_new(&b, 0, (int32_t)i);
		box_of[i] = x;
	}

	/* 2. Links from References and In-Reply-To. */
	for (i = 0; i < n; i++) {
		b.nrefs = 0;
		for (k = 0; k < msgs[i].nrefs; k++)
			thread_refs_add(&b, thread_lookup(&b,
			    in->refs[msgs[i].refs + k]));
		x = box_of[i];
		for (len = 0; len + 1 < b.nrefs; len++) {
			y = b.refs[len + 1];
			if (y != b.refs[len] && b.box[y].parent < 0 && y != x)
				b.box[y].parent = b.refs[len];
		}
		if (b.nrefs > 0 && b.refs[b.nrefs - 1] != x)
			b.box[x].parent = b.refs[b.nrefs - 1];
	}

	/* 3. No cycles. */
	thread_break_cycles(&b);

	/*
	 * 4. Skip empty containers: RES[box] of an empty one is its nearest
	 * real ancestor, or -2 - TOP for the empty container TOP at the head
	 * of its chain.
	 */
	res = xreallocarray(NULL, b.nbox > 0 ? b.nbox : 1, sizeof *res);
	best = xreallocarray(NULL, b.nbox > 0 ? b.nbox : 1, sizeof *best);
	stack = xreallocarray(NULL, b.nbox > 0 ? b.nbox : 1, sizeof *stack);
	for (i = 0; i < b.nbox; i++) {
		res[i] = INT32_MIN;
		best[i] = -1;
	}
	for (i = 0; i < n; i++) {
		x = b.box[box_of[i]].parent;
		marks[i] = b.box[box_of[i]].marks;
		if (x < 0 || b.box[x].msg >= 0) {
			parent[i] = x < 0 ? -1 : b.box[x].msg;
			continue;
		}
		stack_top = 0;
		for (;;) {
			if (b.box[x].msg >= 0) {
				v = x;
				break;
			}
			if (res[x] != INT32_MIN) {
				v = res[x];
				break;
			}
			stack[stack_top++] = x;
			if (b.box[x].parent < 0) {
				v = -2 - x;
				break;
			}
			x = b.box[x].parent;
		}
		while (stack_top > 0)
			res[stack[--stack_top]] = v;
		if (v >= 0) {
			parent[i] = b.box[v].msg;
			continue;
		}
		/* Under an empty head: the oldest of its group leads. */
		top = -2 - v;
		parent[i] = -2 - top;
		if (best[top] < 0 || msgs[i].date < msgs[best[top]].date)
			best[top] = (int32_t)i;
	}
	for (i = 0; i < n; i++) {
		if (parent[i] >= -1)
			continue;
		top = -2 - parent[i];
		if (best[top] == (int32_t)i)
			parent[i] = -1;
		else {
			parent[i] = best[top];
			marks[i] |= THREAD_MARK_FAKE;
		}
	}
	free(stack);
	free(best);
	free(res);
	free(box_of);
	free(b.box);
	free(b.table);
	free(b.refs);
}

/* Step 5: a reply that heads a thread joins the oldest same subject. */
static void
thread_join_subjects(const struct thread_input *in, int32_t *parent,
    uint8_t *marks)
{
	const struct thread_in_msg *msgs = in->msgs;
	int32_t *order, *table, r, a;
	size_t nroots = 0, cap, i, j, n = in->n;
	uint64_t h;

	order = xreallocarray(NULL, n > 0 ? n : 1, sizeof *order);
	for (i = 0; i < n; i++) {
		if (parent[i] < 0)
			order[nroots++] = (int32_t)i;
	}
	thread_sort_by_date(msgs, order, nroots);
	for (cap = 16; cap < nroots * 2; cap *= 2)
		;
	table = xreallocarray(NULL, cap, sizeof *table);
	for (i = 0; i < cap; i++)
		table[i] = -1;
	for (i = 0; i < nroots; i++) {
		r = order[i];
		if ((h = msgs[r].base) == 0)
			continue;	/* no subject */
		for (j = thread_slot(h, cap); (a = table[j]) >= 0;
		    j = (j + 1) & (cap - 1)) {
			if (msgs[a].base == h)
				break;
		}
		if (a < 0)
			table[j] = r;
		else if (msgs[r].reply) {
			parent[r] = a;
			marks[r] |= THREAD_MARK_FAKE;
		}
	}
	free(table);
	free(order);
}

struct thread *
thread_build(const struct thread_msg *msgs, size_t n, enum thread_key key,
    int flags)
{
	struct thread_input *in = thread_input_new(key, flags);
	struct thread *t;
	size_t i;

	for (i = 0; i < n; i++)
		thread_input_add(in, &msgs[i]);
	t = thread_input_build(in);
	thread_input_free(in);
	return t;
}

struct thread *
thread_input_build(const struct thread_input *in)
{
	const struct thread_in_msg *msgs = in->msgs;
	struct thread *t = xcalloc(1, sizeof *t);
	struct thread_node *nd;
	int32_t *parent, *order, p, x, r;
	uint8_t *marks;
	int64_t *newest;
	size_t i, k, n = in->n;
	int flags = in->flags;

	t->n = n;
	t->node = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->node);
	t->roots = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->roots);
	t->rows = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->rows);
	t->row_of = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->row_of);
	parent = xreallocarray(NULL, n > 0 ? n : 1, sizeof *parent);
	marks = xcalloc(n > 0 ? n : 1, 1);
	newest = xreallocarray(NULL, n > 0 ? n : 1, sizeof *newest);

	if (flags & THREAD_GROUP) {
		thread_link(in, parent, marks);
		if (flags & THREAD_SUBJECT)
			thread_join_subjects(in, parent, marks);
	} else {
		for (i = 0; i < n; i++)
			parent[i] = -1;
	}

	/* 6. Children in date order: link them newest first, prepending. */
	for (i = 0; i < n; i++) {
		nd = &t->node[i];
		nd->parent = parent[i];
		nd->child = nd->next = -1;
		nd->root = (int32_t)i;
		nd->depth = 0;
		nd->size = 1;
		nd->marks = marks[i];
		nd->collapsed = 0;
	}
	order = xreallocarray(NULL, n > 0 ? n : 1, sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = (int32_t)i;
	if (flags & THREAD_GROUP)
		thread_sort_by_date(msgs, order, n);
	for (k = n; k > 0; k--) {
		x = order[k - 1];
		if ((p = t->node[x].parent) < 0)
			continue;
		t->node[x].next = t->node[p].child;
		t->node[p].child = x;
	}
	free(order);

	/* Depth, root, size and newest date, walking each tree. */
	t->nroots = 0;
	for (i = 0; i < n; i++) {
		if (t->node[i].parent >= 0)
			continue;
		r = (int32_t)i;
		t->roots[t->nroots++] = r;
		newest[r] = msgs[r].date;
		for (x = thread_walk(t, r, r); x >= 0;
		    x = thread_walk(t, r, x)) {
			nd = &t->node[x];
			nd->root = r;
			nd->depth = t->node[nd->parent].depth + 1;
			t->node[r].size++;
			if (msgs[x].date > newest[r])
				newest[r] = msgs[x].date;
			if (msgs[x].base == msgs[nd->parent].base)
				nd->marks |= THREAD_MARK_SAME_SUBJECT;
		}
	}
	thread_sort_roots(t, in, newest, in->key, flags);
	thread_flatten(t);
	free(newest);
	free(marks);
	free(parent);
	return t;
}

void
thread_free(struct thread *t)
{
	if (t == NULL)
		return;
	free(t->node);
	free(t->roots);
	free(t->rows);
	free(t->row_of);
	free(t);
}

/*
 * The message after X in the pre-order of the tree whose first message is
 * R (its first reply, else the next reply on the way back up), or -1
 * when X is the tree's last.
 */
static int32_t
thread_walk(const struct thread *t, int32_t r, int32_t x)
{
	if (t->node[x].child >= 0)
		return t->node[x].child;
	while (x != r && t->node[x].next < 0)
		x = t->node[x].parent;
	return x == r ? -1 : t->node[x].next;
}

/* Lay out the display rows from the roots and the collapsed states. */
static void
thread_flatten(struct thread *t)
{
	size_t i;
	int32_t r, x;

	for (i = 0; i < t->n; i++)
		t->row_of[i] = ROW_NONE;
	t->nrows = 0;
	for (i = 0; i < t->nroots; i++) {
		r = t->roots[i];
		t->row_of[r] = (uint32_t)t->nrows;
		t->rows[t->nrows++] = (uint32_t)r;
		if (t->node[r].collapsed)
			continue;
		for (x = thread_walk(t, r, r); x >= 0;
		    x = thread_walk(t, r, x)) {
			t->row_of[x] = (uint32_t)t->nrows;
			t->rows[t->nrows++] = (uint32_t)x;
		}
	}
}

size_t
thread_rows(const struct thread *t)
{
	return t->nrows;
}

size_t
thread_msg(const struct thread *t, size_t row)
{
	return row < t->nrows ? t->rows[row] : THREAD_NONE;
}

size_t
thread_row_of(const struct thread *t, size_t msg)
{
	if (msg >= t->n)
		return THREAD_NONE;
	if (t->row_of[msg] != ROW_NONE)
		return t->row_of[msg];
	return t->row_of[t->node[msg].root];
}

unsigned int
thread_depth(const struct thread *t, size_t row)
{
	return row < t->nrows ? t->node[t->rows[row]].depth : 0;
}

unsigned int
thread_marks(const struct thread *t, size_t row)
{
	return row < t->nrows ? t->node[t->rows[row]].marks : 0;
}

size_t
thread_size(const struct thread *t, size_t row)
{
	if (row >= t->nrows)
		return 0;
	return t->node[t->node[t->rows[row]].root].size;
}

size_t
thread_hidden(const struct thread *t, size_t row)
{
	const struct thread_node *nd;

	if (row >= t->nrows)
		return 0;
	nd = &t->node[t->rows[row]];
	return nd->parent < 0 && nd->collapsed ? nd->size - 1 : 0;
}

size_t
thread_root_row(const struct thread *t, size_t row)
{
	if (row >= t->nrows)
		return THREAD_NONE;
	return t->row_of[t->node[t->rows[row]].root];
}

int
thread_collapsed(const struct thread *t, size_t row)
{
	if (row >= t->nrows)
		return 0;
	return t->node[t->node[t->rows[row]].root].collapsed;
}

int
thread_tree(const struct thread *t, size_t row, struct strbuf *sb, int ascii)
{
	unsigned char more[THREAD_TREE_LEVELS];
	const struct thread_node *nd;
	unsigned int depth, levels, i;
	int32_t x;
	int cols = 0;

	if (row >= t->nrows)
		return 0;
	x = (int32_t)t->rows[row];
	nd = &t->node[x];
	depth = nd->depth;
	if (depth == 0)
		return 0;
	/* Whether each ancestor below the root has a sibling after it. */
	levels = depth - 1;
	if (levels > THREAD_TREE_LEVELS)
		levels = THREAD_TREE_LEVELS;
	x = nd->parent;
	for (i = 0; i < levels; i++) {
		more[levels - 1 - i] = t->node[x].next >= 0;
		x = t->node[x].parent;
	}
	if (levels < depth - 1) {
		strbuf_addstr(sb, ascii ? "." : "\u2026");
		cols++;
	}
	for (i = 0; i < levels; i++) {
		if (more[i])
			strbuf_addstr(sb, ascii ? "| " : "\u2502 ");
		else
			strbuf_addstr(sb, "  ");
		cols += 2;
	}
	if (ascii)
		strbuf_addch(sb, nd->next >= 0 ? '|' : '`');
	else
		strbuf_addstr(sb, nd->next >= 0 ? "\u251c" : "\u2514");
	if (nd->marks & THREAD_MARK_FAKE)
		strbuf_addch(sb, '*');
	else if (nd->marks & THREAD_MARK_DUP)
		strbuf_addch(sb, '=');
	else
		strbuf_addstr(sb, ascii ? "-" : "\u2500");
	strbuf_addch(sb, '>');
	return cols + 3;
}

size_t
thread_toggle(struct thread *t, size_t row)
{
	int32_t r;

	if (row >= t->nrows)
		return row;
	r = t->node[t->rows[row]].root;
	if (t->node[r].size > 1) {
		t->node[r].collapsed = !t->node[r].collapsed;
		thread_flatten(t);
	}
	return t->row_of[r];
}

void
thread_collapse_all(struct thread *t, int collapse)
{
	size_t i;

	for (i = 0; i < t->nroots; i++)
		t->node[t->roots[i]].collapsed = collapse &&
		    t->node[t->roots[i]].size > 1;
	thread_flatten(t);
}

void
thread_set_collapsed(struct thread *t, const size_t *msgs, size_t n,
    int collapse)
{
	size_t i;
	int32_t r;

	for (i = 0; i < n; i++) {
		if (msgs[i] >= t->n)
			continue;
		r = t->node[msgs[i]].root;
		t->node[r].collapsed = collapse && t->node[r].size > 1;
	}
	thread_flatten(t);
}

/*
 * The saved form: a magic number in the host's byte order (a cache is
 * this machine's; another byte order reads as no save), the count, then
 * per message its id, depth and marks. A depth never more than one past
 * the previous message's is all a forest needs, so a load cannot build a
 * cycle whatever the bytes say.
 */
#define THREAD_SAVE_MAGIC	0x74746331u	/* "ttc1" */
#define THREAD_SAVE_REC		(8 + 4 + 1)

void
thread_save(const struct thread *t, const int64_t *ids, struct strbuf *out)
{
	unsigned char rec[THREAD_SAVE_REC];
	uint32_t u;
	size_t i;
	int32_t r, x;

	u = THREAD_SAVE_MAGIC;
	strbuf_add(out, &u, sizeof u);
	u = (uint32_t)t->n;
	strbuf_add(out, &u, sizeof u);
	for (i = 0; i < t->nroots; i++) {
		r = t->roots[i];
		for (x = r; x >= 0; x = thread_walk(t, r, x)) {
			memcpy(rec, &ids[x], 8);
			memcpy(rec + 8, &t->node[x].depth, 4);
			rec[12] = t->node[x].marks;
			strbuf_add(out, rec, sizeof rec);
		}
	}
}

struct thread *
thread_load(const void *data, size_t len, int64_t **ids_r, size_t *n_r)
{
	const unsigned char *p = data;
	struct thread *t;
	struct thread_node *nd;
	int32_t *last, *up;
	int64_t *ids;
	uint32_t magic, n32, depth, prev = 0;
	size_t n, i;
	const uint8_t known = THREAD_MARK_FAKE | THREAD_MARK_DUP |
	    THREAD_MARK_SAME_SUBJECT;

	*ids_r = NULL;
	*n_r = 0;
	if (data == NULL || len < 8)
		return NULL;
	memcpy(&magic, p, 4);
	memcpy(&n32, p + 4, 4);
	n = n32;
	if (magic != THREAD_SAVE_MAGIC || n > INT32_MAX ||
	    (len - 8) / THREAD_SAVE_REC != n || (len - 8) % THREAD_SAVE_REC)
		return NULL;
	p += 8;
	t = xcalloc(1, sizeof *t);
	t->n = n;
	t->node = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->node);
	t->roots = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->roots);
	t->rows = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->rows);
	t->row_of = xreallocarray(NULL, n > 0 ? n : 1, sizeof *t->row_of);
	ids = xreallocarray(NULL, n > 0 ? n : 1, sizeof *ids);
	/* UP[d]: the message at depth d on the current path; LAST[x]: x's
	 * last child so far. */
	up = xreallocarray(NULL, n > 0 ? n : 1, sizeof *up);
	last = xreallocarray(NULL, n > 0 ? n : 1, sizeof *last);
	for (i = 0; i < n; i++, p += THREAD_SAVE_REC) {
		memcpy(&ids[i], p, 8);
		memcpy(&depth, p + 8, 4);
		if ((i == 0 && depth != 0) || (i > 0 && depth > prev + 1) ||
		    (p[12] & ~known) != 0)
			goto bad;
		prev = depth;
		nd = &t->node[i];
		nd->child = nd->next = -1;
		nd->depth = depth;
		nd->size = 1;
		nd->marks = p[12];
		nd->collapsed = 0;
		last[i] = -1;
		up[depth] = (int32_t)i;
		if (depth == 0) {
			nd->parent = -1;
			nd->root = (int32_t)i;
			t->roots[t->nroots++] = (int32_t)i;
			continue;
		}
		nd->parent = up[depth - 1];
		nd->root = up[0];
		t->node[nd->root].size++;
		if (last[nd->parent] < 0)
			t->node[nd->parent].child = (int32_t)i;
		else
			t->node[last[nd->parent]].next = (int32_t)i;
		last[nd->parent] = (int32_t)i;
	}
	free(up);
	free(last);
	thread_flatten(t);
	*ids_r = ids;
	*n_r = n;
	return t;
bad:
	free(up);
	free(last);
	free(ids);
	thread_free(t);
	return NULL;
}
