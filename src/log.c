/*
 * The log sink described in log.h.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
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

/*
 * Protocol traces. Lines are cut at LOG_WIRE_LINE bytes and a received
 * chunk at LOG_WIRE_LINES lines: a trace shows the conversation, not the
 * mail (bodies would fill the log and leave it where it should not be).
 */
#define LOG_WIRE_LINE 200
#define LOG_WIRE_LINES 20

/* The commands whose arguments are credentials, after an IMAP tag or not. */
static const char *const log_wire_imap_secret[] = { "LOGIN", "AUTHENTICATE" };
static const char *const log_wire_pop3_secret[] = { "PASS", "APOP", "AUTH" };

/* Whether the word at S (LEN bytes) is WORD, case aside. */
static int
log_wire_word(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && strncasecmp(s, word, n) == 0 &&
	    (len == n || s[n] == ' ');
}

/*
 * If the sent LINE (LEN bytes) carries credentials, the length of what may
 * be shown of it (its tag and command word); otherwise LEN.
 */
static size_t
log_wire_shown(const char *line, size_t len)
{
	size_t i, cmd = 0;

	/* IMAP: "TAG COMMAND ..."; POP3: "COMMAND ...". */
	for (i = 0; i < len && line[i] != ' '; i++)
		;
	if (i < len)
		cmd = i + 1;
	for (i = 0; i < sizeof log_wire_imap_secret /
	    sizeof log_wire_imap_secret[0]; i++)
		if (log_wire_word(line + cmd, len - cmd,
		    log_wire_imap_secret[i]))
			return cmd + strlen(log_wire_imap_secret[i]);
	for (i = 0; i < sizeof log_wire_pop3_secret /
	    sizeof log_wire_pop3_secret[0]; i++)
		if (log_wire_word(line, len, log_wire_pop3_secret[i]))
			return strlen(log_wire_pop3_secret[i]);
	return len;
}

/* Whether the received LINE (LEN bytes) ends a command (not "*", "+"). */
static int
log_wire_answer(const char *line, size_t len)
{
	if (len >= 3 && strncmp(line, "+OK", 3) == 0)
		return 1;
	if (len >= 4 && strncmp(line, "-ERR", 4) == 0)
		return 1;
	return len > 0 && line[0] != '*' && line[0] != '+' && line[0] != '-';
}

/* Log one line: PREFIX, then the first SHOWN of LEN bytes, printable. */
static void
log_wire_line(const struct log_wire *w, const char *prefix, const char *line,
    size_t len, size_t shown, int redacted)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = shown < LOG_WIRE_LINE ? shown : LOG_WIRE_LINE;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c >= 0x20 && c < 0x7f)
			strbuf_addch(&sb, (char)c);
		else
			strbuf_addf(&sb, "\\x%02x", c);
	}
	if (redacted)
		strbuf_addf(&sb, "%s<redacted>", shown > 0 ? " " : "");
	else if (n < len)
		strbuf_addf(&sb, "... (%zu bytes)", len);
	log_msg(LOG_DEBUG, "%s: %s %s", w->proto, prefix, sb.buf);
	strbuf_release(&sb);
}

void
log_wire(struct log_wire *w, enum log_wire_dir dir, const char *buf,
    size_t len)
{
	size_t start = 0, end, eol, lines = 0, shown;

	if (!log_enabled(LOG_DEBUG) || buf == NULL)
		return;
	while (start < len) {
		for (eol = start; eol < len && buf[eol] != '\n'; eol++)
			;
		end = eol;
		if (end > start && buf[end - 1] == '\r')
			end--;
		if (dir != LOG_WIRE_RECEIVED) {
			shown = w->secret ? 0 :
			    log_wire_shown(buf + start, end - start);
			/* Private: at most a credential command's name. */
			if (dir == LOG_WIRE_SENT_PRIVATE &&
			    shown == end - start)
				shown = 0;
			if (shown < end - start)
				w->secret = 1;
			log_wire_line(w, "C:", buf + start, end - start, shown,
			    shown < end - start);
		} else {
			if (w->secret && log_wire_answer(buf + start,
			    end - start))
				w->secret = 0;
			if (lines++ < LOG_WIRE_LINES)
				log_wire_line(w, "S:", buf + start,
				    end - start, end - start, 0);
			else if (lines == LOG_WIRE_LINES + 1)
				log_msg(LOG_DEBUG, "%s: S: ... (%zu bytes "
				    "more)", w->proto, len - start);
		}
		start = eol + 1;
	}
}
