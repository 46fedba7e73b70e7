/*
 * The replaceable log sink. The core never prints: it logs through here,
 * and the front end decides where lines go (a file given with --log, or
 * nowhere). Lines must never hold credentials: callers redact first.
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

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

#endif
