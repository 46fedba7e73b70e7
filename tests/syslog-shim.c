/*
 * tests/syslog-shim.c: syslog(3) into a file, for the harness's Cyrus.
 *
 * Cyrus IMAP logs through syslog only, and a test machine may have no
 * syslog daemon (no /dev/log) or one shared with everything else. The
 * harness builds this file as a shared object and starts Cyrus with it in
 * LD_PRELOAD: openlog, syslog, vsyslog and their _FORTIFY_SOURCE variants
 * then append one line per message to $TERN_SYSLOG_FILE ("TIME IDENT[PID]
 * <PRIORITY> MESSAGE"; %m works, glibc's printf knows it). Without that
 * variable nothing is written. Each line is one write(2) on an O_APPEND
 * descriptor, so the processes of one server can share the file.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void	openlog(const char *, int, int);
void	closelog(void);
void	syslog(int, const char *, ...);
void	vsyslog(int, const char *, va_list);
void	__syslog_chk(int, int, const char *, ...);
void	__vsyslog_chk(int, int, const char *, va_list);

static const char *shim_ident = "";

/* Append one message to $TERN_SYSLOG_FILE; errno is left as it was. */
static void
shim_write(int priority, const char *fmt, va_list ap)
{
	const char	*path = getenv("TERN_SYSLOG_FILE");
	char		 buf[8192];
	int		 saved = errno, n, m, fd;

	if (path == NULL || *path == '\0')
		return;
	n = snprintf(buf, sizeof buf, "%ld %s[%ld] <%d> ", (long)time(NULL),
	    shim_ident, (long)getpid(), priority & 7);
	if (n < 0 || (size_t)n >= sizeof buf - 2)
		return;
	errno = saved;
	m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	if (m < 0)
		return;
	n = (size_t)(n + m) >= sizeof buf - 1 ? (int)sizeof buf - 2 : n + m;
	buf[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd != -1) {
		if (write(fd, buf, n) == -1)
			errno = 0;
		close(fd);
	}
	errno = saved;
}

void
openlog(const char *ident, int option, int facility)
{
	(void)option;
	(void)facility;
	shim_ident = ident != NULL ? ident : "";
}

void
closelog(void)
{
}

void
syslog(int priority, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	shim_write(priority, fmt, ap);
	va_end(ap);
}

void
vsyslog(int priority, const char *fmt, va_list ap)
{
	shim_write(priority, fmt, ap);
}

void
__syslog_chk(int priority, int flag, const char *fmt, ...)
{
	va_list	ap;

	(void)flag;
	va_start(ap, fmt);
	shim_write(priority, fmt, ap);
	va_end(ap);
}

void
__vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	shim_write(priority, fmt, ap);
}
