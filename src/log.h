/*
 * The replaceable log sink. The core never prints: it logs through here,
 * and the front end decides where lines go (a file given with --log, or
 * nowhere). Lines must never hold credentials: callers redact first.
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

typedef void log_sink_fn(enum log_level level, const char *line, void *arg);

/* Install SINK (NULL: discard everything). Call before starting threads. */
void log_set_sink(log_sink_fn *sink, void *arg, enum log_level max);
/* Log one line; safe from any thread. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Nonzero when LEVEL would reach the sink. */
int log_enabled(enum log_level level);
/* A sink that appends time-stamped lines to the FILE * given as ARG. */
void log_sink_file(enum log_level level, const char *line, void *arg);

/*
 * Protocol traces: what a connection sent and received, at LOG_DEBUG (so
 * only with --log). The protocol modules feed libetpan's logger into
 * log_wire(), which redacts credentials itself.
 */
enum log_wire_dir {
	LOG_WIRE_RECEIVED,
	LOG_WIRE_SENT,
	LOG_WIRE_SENT_PRIVATE,	/* marked private by libetpan: never shown */
};

/* One connection's trace: PROTO ("imap", "pop3"); the rest starts at 0. */
struct log_wire {
	const char *proto;
	int secret;		/* credentials are on their way: redact */
};

/*
 * Log the LEN bytes of BUF that went DIR on connection W, a line at a time,
 * made printable and cut short. Redacted: the arguments of LOGIN and
 * AUTHENTICATE (IMAP), PASS, APOP and AUTH (POP3), every line sent after
 * them until the server's answer, and anything libetpan marked private.
 */
void log_wire(struct log_wire *w, enum log_wire_dir dir, const char *buf,
    size_t len);

#endif
