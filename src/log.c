/*
 * The log sink described in log.h.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"
#include "strbuf.h"

static log_sink_fn *log_sink;
static void *log_sink_arg;
static enum log_level log_max = LOG_ERROR;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_set_sink(log_sink_fn *sink, void *arg, enum log_level max)
{
	log_sink = sink;
	log_sink_arg = arg;
	log_max = max;
}

int
log_enabled(enum log_level level)
{
	return log_sink != NULL && level <= log_max;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	log_sink(level, sb.buf, log_sink_arg);
	pthread_mutex_unlock(&log_lock);
	strbuf_release(&sb);
}

void
log_sink_file(enum log_level level, const char *line, void *arg)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	FILE *f = arg;
	char when[32];
	struct tm tm;
	time_t now;

	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s %s %s\n", when, names[level], line);
	fflush(f);
}
