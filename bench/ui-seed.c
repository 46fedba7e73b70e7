/*
 * Fill a tern cache database directly, for bench/ui: an INBOX of N
 * messages in threads (References and In-Reply-To as mail clients write
 * them, some parents missing), senders and "Re:" subjects, dates a minute
 * apart (the highest UID newest), a third of them unread; and, with BODY
 * given, the newest message's body of about BODY bytes (paragraphs, quoted
 * text at three depths and a signature) cached so that it opens offline.
 *
 *   ui-seed DB N [BODY]
 *   ui-seed -t DB        time reading the INBOX's thread rows and building
 *                        its threads (the index's work for sort = threads)
 *
 * Prints how long it took. A bench helper, not a test.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "strbuf.h"
#include "thread.h"
#include "xmalloc.h"

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The raw message of about SIZE bytes for UID. */
static char *
seed_body(uint32_t uid, long size, size_t *len_r)
{
	static const char *words[] = {
		"the", "message", "reader", "terminal", "thread", "folder",
		"server", "quickly", "careful", "index", "pager", "colour",
		"keys", "sort", "window", "network", "cache", "offline",
	};
	struct strbuf sb = STRBUF_INIT;
	uint32_t seed = 777;
	int col = 0, line = 0;

	strbuf_addf(&sb, "From: Sender %u <sender-%u@example.org>\n"
	    "To: me@example.org\nSubject: Big message %u\n"
	    "Date: Mon, 01 Jan 2024 00:00:00 +0000\n"
	    "Message-ID: <seed-%u@example.org>\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n\n", uid, uid, uid,
	    uid);
	while ((long)sb.len < size) {
		if (col == 0) {
			switch (line % 40) {
			case 10: case 11:
				strbuf_addstr(&sb, "> ");
				break;
			case 12:
				strbuf_addstr(&sb, "> > ");
				break;
			case 13:
				strbuf_addstr(&sb, "> > > ");
				break;
			}
		}
		strbuf_addstr(&sb, words[rnd(&seed) % (sizeof words /
		    sizeof words[0])]);
		col++;
		if (col >= 14 + (int)(rnd(&seed) % 10)) {
			strbuf_addch(&sb, '\n');
			col = 0;
			if (++line % 7 == 0)
				strbuf_addch(&sb, '\n');
		} else
			strbuf_addch(&sb, ' ');
	}
	strbuf_addstr(&sb, "\n-- \nSender, by the seed\n");
	return strbuf_detach(&sb, len_r);
}

static double
seed_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

/* -t: the index's work for a threaded INBOX, timed; best of 5. */
static int
seed_time_threads(const char *db)
{
	static const struct {
		const char *what;
		enum thread_key key;
		int flags;
	} runs[] = {
		{ "threads, joined by subject", THREAD_KEY_DATE,
		  THREAD_GROUP | THREAD_SUBJECT },
		{ "threads", THREAD_KEY_DATE, THREAD_GROUP },
		{ "flat, by subject", THREAD_KEY_SUBJECT, 0 },
	};
	struct store *st;
	struct store_folder f;
	struct store_thread_rows rows;
	struct thread_msg *msgs;
	struct thread *t;
	double t0, best_rows = 1e9, best[3] = { 1e9, 1e9, 1e9 }, ms;
	char *err = NULL;
	size_t i, k, r;

	if (store_open(db, "bench", &st, &err) != 0 ||
	    store_folder_get(st, "INBOX", &f) != 0) {
		fprintf(stderr, "ui-seed: %s\n", err != NULL ? err : "no INBOX");
		return 1;
	}
	for (r = 0; r < 5; r++) {
		t0 = seed_ms();
		if (store_thread_rows(st, f.id, 1, &rows) != 0)
			return 1;
		ms = seed_ms() - t0;
		if (ms < best_rows)
			best_rows = ms;
		msgs = xcalloc(rows.n, sizeof *msgs);
		for (i = 0; i < rows.n; i++) {
			msgs[i].date = rows.rows[i].date;
			msgs[i].size = rows.rows[i].size;
			msgs[i].message_id = rows.rows[i].message_id;
			msgs[i].in_reply_to = rows.rows[i].in_reply_to;
			msgs[i].references = rows.rows[i].references;
			msgs[i].subject = rows.rows[i].subject;
			msgs[i].from = rows.rows[i].from;
		}
		for (k = 0; k < 3; k++) {
			t0 = seed_ms();
			t = thread_build(msgs, rows.n, runs[k].key,
			    runs[k].flags);
			ms = seed_ms() - t0;
			if (ms < best[k])
				best[k] = ms;
			thread_free(t);
		}
		free(msgs);
		if (r < 4)
			store_thread_rows_release(&rows);
	}
	printf("store_thread_rows: %zu rows in %.1f ms\n", rows.n, best_rows);
	for (k = 0; k < 3; k++)
		printf("thread_build (%s): %.1f ms\n", runs[k].what, best[k]);
	store_thread_rows_release(&rows);
	store_folder_release(&f);
	store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	struct store *st;
	struct store_folder f, got;
	struct store_msg m;
	struct strbuf refs = STRBUF_INIT;
	struct timespec t0, t1;
	int32_t *parent;
	uint32_t seed = 4242, x, *topic;
	int64_t id = -1;
	long n, i, body;
	char *err = NULL, *raw, mid[64], irt[64], subj[64], name[64],
	    addr[64];
	size_t len;
	int32_t p;

	if (argc == 3 && strcmp(argv[1], "-t") == 0)
		return seed_time_threads(argv[2]);
	if (argc < 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: ui-seed DB N [BODY] | ui-seed -t DB\n");
		return 2;
	}
	body = argc > 3 ? atol(argv[3]) : 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_open(argv[1], "bench", &st, &err) != 0) {
		fprintf(stderr, "ui-seed: %s\n", err);
		return 1;
	}
	memset(&f, 0, sizeof f);
	f.name = "INBOX";
	f.display = "INBOX";
	f.delim = '/';
	f.role = ROLE_INBOX;
	f.subscribed = 1;
	if (store_folders_replace(st, &f, 1) != 0 ||
	    store_folder_get(st, "INBOX", &got) != 0) {
		fprintf(stderr, "ui-seed: %s\n", store_errmsg(st));
		return 1;
	}
	parent = xcalloc((size_t)n + 1, sizeof *parent);
	topic = xcalloc((size_t)n + 1, sizeof *topic);
	if (store_begin(st) != 0)
		return 1;
	for (i = 1; i <= n; i++) {
		x = rnd(&seed);
		parent[i] = i == 1 || x % 3 == 0 ? -1 :
		    (int32_t)(i - 1 - (long)(rnd(&seed) % (i < 40 ? i - 1 :
		    40)));
		strbuf_reset(&refs);
		/* References: the ancestors, oldest first (up to 8). */
		{
			int32_t chain[8];
			int k = 0;

			for (p = parent[i]; p > 0 && k < 8; p = parent[p])
				chain[k++] = p;
			while (k-- > 0) {
				if (rnd(&seed) % 25 == 0)
					strbuf_addf(&refs,
					    "<lost-%d@example.org> ", chain[k]);
				else
					strbuf_addf(&refs,
					    "<seed-%d@example.org> ",
					    chain[k]);
			}
		}
		snprintf(mid, sizeof mid, "<seed-%ld@example.org>", i);
		snprintf(irt, sizeof irt, "<seed-%d@example.org>", parent[i]);
		/* A reply keeps its thread's topic. */
		topic[i] = parent[i] > 0 ? topic[parent[i]] : (x >> 8) % 20000;
		snprintf(subj, sizeof subj, "%sTopic %05u of the bench",
		    parent[i] > 0 ? "Re: " : "", topic[i]);
		snprintf(name, sizeof name, "Sender %u", (x >> 4) % 500);
		snprintf(addr, sizeof addr, "sender-%u@example.org",
		    (x >> 4) % 500);
		memset(&m, 0, sizeof m);
		m.folder_id = got.id;
		m.uid = (uint32_t)i;
		m.flags = i % 3 == 0 ? MSG_SEEN : 0;
		if (i % 10 == 0)
			m.flags |= MSG_FLAGGED;
		m.date = 1704067200 + i * 60;
		m.internaldate = m.date;
		m.size = 800 + (int64_t)(x % 40000);
		m.from_name = name;
		m.from_addr = addr;
		m.to_addrs = "me@example.org";
		m.subject = subj;
		m.message_id = mid;
		m.in_reply_to = parent[i] > 0 ? irt : NULL;
		m.references = refs.len > 0 ? refs.buf : NULL;
		if (store_msg_put(st, &m, &id) != 0) {
			fprintf(stderr, "ui-seed: %s\n", store_errmsg(st));
			return 1;
		}
	}
	if (store_commit(st) != 0)
		return 1;
	if (body > 0) {
		raw = seed_body((uint32_t)n, body, &len);
		if (store_body_put(st, id, raw, len, NULL) != 0) {
			fprintf(stderr, "ui-seed: %s\n", store_errmsg(st));
			return 1;
		}
		free(raw);
	}
	store_folder_recount(st, got.id);
	store_folder_release(&got);
	store_close(st);
	strbuf_release(&refs);
	free(parent);
	free(topic);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ui-seed: %ld messages in %.1f s\n", n,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
