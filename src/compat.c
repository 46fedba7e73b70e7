/*
 * Replacements for the calls beyond POSIX.1-2008 that a system may lack
 * (see compat.h), and the OpenBSD sandbox behind configure's checks.
 */
#include "autoconfig.h"

#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "compat.h"

#ifndef HAVE_MEMMEM
void *
memmem(const void *b1, size_t len1, const void *b2, size_t len2)
{
	const unsigned char *h = b1, *n = b2;
	size_t i;

	if (len2 == 0)
		return ((void *)(size_t)h);
	for (i = 0; len2 <= len1 && i <= len1 - len2; i++) {
		if (h[i] == n[0] && memcmp(h + i, n, len2) == 0)
			return ((void *)(size_t)(h + i));
	}
	return (NULL);
}
#endif

#ifndef HAVE_STRCASESTR
char *
strcasestr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack != '\0'; haystack++) {
		if (strncasecmp(haystack, needle, n) == 0)
			return ((char *)(size_t)haystack);
	}
	return (n == 0 ? (char *)(size_t)haystack : NULL);
}
#endif

int
compat_restrict(void)
{
#ifdef HAVE_PLEDGE
	/*
	 * Files anywhere (attachments are saved where the user says, the
	 * config names files), the network, the terminal, and commands
	 * (password_cmd, mailcap, |): no unveil(2), as every path may be the
	 * user's choice. What is left out: ptrace, ioctls beyond the tty's,
	 * mount, chown and the rest. Untested here (Linux only).
	 */
	return (pledge("stdio rpath wpath cpath fattr flock inet dns tty "
	    "proc exec getpw unix", NULL));
#else
	return (0);
#endif
}
