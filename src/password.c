/*
 * Passwords (see password.h): from password_cmd, or typed at the terminal
 * with echo off. Buffers that held a password are cleared before they are
 * freed; nothing here logs or stores the secret.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "i18n.h"
#include "password.h"
#include "xmalloc.h"

/*
 * Read one line from FD into a new string (without the newline). The
 * buffer grows by hand so that no copy of the secret is left behind in
 * memory that realloc() would free uncleared.
 */
static char *
password_read_line(int fd, int *eof_r)
{
	char *line, *bigger, c;
	size_t len = 0, alloc = 128;
	ssize_t n;

	*eof_r = 0;
	line = xmalloc(alloc);
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*eof_r = 1;
			break;
		}
		if (c == '\n')
			break;
		if (len + 1 >= alloc) {
			bigger = xmalloc(alloc * 2);
			memcpy(bigger, line, len);
			xzero(line, alloc);
			free(line);
			line = bigger;
			alloc *= 2;
		}
		line[len++] = c;
	}
	xzero(&c, sizeof c);
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	line[len] = '\0';
	return line;
}

char *
password_from_cmd(const char *cmd, char **err)
{
	return password_from_key_cmd("password_cmd", cmd, err);
}

char *
password_from_key_cmd(const char *key, const char *cmd, char **err)
{
	int fds[2], status, eof;
	char *pw, buf[256];
	pid_t pid;

	if (pipe(fds) != 0) {
		*err = xasprintf(_("cannot run %s: %s"), key,
		    strerror(errno));
		return NULL;
	}
	if ((pid = fork()) < 0) {
		*err = xasprintf(_("cannot run %s: %s"), key,
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	pw = password_read_line(fds[0], &eof);
	/* Drain the rest so the command is not killed by SIGPIPE. */
	while (read(fds[0], buf, sizeof buf) > 0)
		;
	xzero(buf, sizeof buf);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*err = xasprintf(_("%s failed (exit status %d)"), key,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		xfree_secret(pw);
		return NULL;
	}
	if (*pw == '\0') {
		*err = xasprintf(_("%s printed nothing"), key);
		xfree_secret(pw);
		return NULL;
	}
	return pw;
}

/* Write S to the terminal; a failure only loses the prompt text. */
static void
password_write(int fd, const char *s)
{
	ssize_t n = write(fd, s, strlen(s));

	(void)n;
}

char *
password_prompt(const char *prompt, char **err)
{
	struct termios old, quiet;
	char *pw;
	int fd, eof, restore = 0;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0) {
		*err = xasprintf(_("cannot ask for the password: %s"),
		    strerror(errno));
		return NULL;
	}
	password_write(fd, prompt);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	pw = password_read_line(fd, &eof);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	password_write(fd, "\n");
	close(fd);
	if (eof && *pw == '\0') {
		xfree_secret(pw);
		*err = xstrdup(_("no password given"));
		return NULL;
	}
	return pw;
}
