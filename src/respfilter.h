/*
 * A filter over what an IMAP server sends, between the connection and
 * libetpan's response parser: untagged responses that the parser does not
 * know are taken out whole (their literals included), so that one odd
 * line from a server (mailutils answers EXPUNGE with "* 3 EXPUNGED") never
 * costs the connection. Everything else passes byte for byte.
 *
 * Like every parser of tern it reads buffers: feed it what the socket gave,
 * in pieces of any size; "need more input" just holds the bytes back until
 * the response's first words are in.
 */
#ifndef TERN_RESPFILTER_H
#define TERN_RESPFILTER_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

/*
 * Called once per kind of response dropped (its first words, made
 * printable) so that the caller can log it; ARG is the caller's.
 */
typedef void respfilter_note_fn(const char *what, void *arg);

struct respfilter;

/* A new filter at the start of a connection; NOTE may be NULL. */
struct respfilter *respfilter_new(respfilter_note_fn *note, void *arg);
/* Free F; respfilter_free(NULL) is a no-op. */
void respfilter_free(struct respfilter *f);

/*
 * Feed the N bytes of IN; what the parser is to see is appended to OUT
 * (possibly nothing, possibly bytes held back from earlier calls).
 */
void respfilter_feed(struct respfilter *f, const char *in, size_t n,
    struct strbuf *out);

/* The number of responses dropped so far. */
uint64_t respfilter_dropped(const struct respfilter *f);

/*
 * Nonzero when WORD (LEN bytes, any case) begins an untagged response the
 * parser knows; NUMBERED: it came after a message number ("* 3 FETCH").
 */
int respfilter_known(const char *word, size_t len, int numbered);

#endif
