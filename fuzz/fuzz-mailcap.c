/*
 * Fuzz target: mailcap files (RFC 1524). The input is the text of a
 * mailcap file for mailcap_parse(); its first line also stands for what a
 * message can offer: a content type, a file name and a parameter value.
 * Only the pure functions run: mailcap_find() with MAILCAP_NO_TEST (so no
 * test= command runs), mailcap_expand(), mailcap_safe_name() and
 * mailcap_type_safe(); nothing is executed. Checked: the entries added
 * are counted and complete; every entry without a test is found by its
 * own type; what mailcap_type_safe() accepts and what mailcap_expand()
 * lets through holds no byte that means anything to a shell; safe names
 * are one harmless path component.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mailcap.h"

#define FUZZ_MAILCAP_NAME "fuzz.mailcap"
#define FUZZ_SAFE_CHARS							\
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static void
fuzz_check_safe_name(const char *name, const char *nametemplate)
{
	char *safe;
	size_t n;

	safe = mailcap_safe_name(name, nametemplate);
	n = strlen(safe);
	if (n == 0 || n > MAILCAP_NAME_MAX || safe[0] == '.' ||
	    safe[0] == '-' || strstr(safe, "..") != NULL ||
	    strspn(safe, FUZZ_SAFE_CHARS "._-") != n)
		fuzz_fail("mailcap_safe_name: \"%s\"", safe);
	free(safe);
}

/* Expand COMMAND with the message's values; check what comes out. */
static void
fuzz_expand(const char *command, const char *type, const char *value)
{
	struct mailcap_param params[] = {
		{ "charset", value },
		{ "name", "report.pdf" },
	};
	char *cmd = NULL, *err = NULL;
	int has_file = -1;

	if (mailcap_expand(command, type, "/tmp/tern-fuzz/file.txt", params,
	    2, &cmd, &has_file, &err) == 0) {
		if (cmd == NULL || err != NULL || (has_file != 0 &&
		    has_file != 1))
			fuzz_fail("mailcap_expand: 0 without a command");
		free(cmd);
	} else {
		if (cmd != NULL || err == NULL)
			fuzz_fail("mailcap_expand: -1 without an error");
		free(err);
	}
}

FUZZ_TARGET(mailcap)
{
	static const char *types[] = {
		"text/html", "text/plain", "application/pdf", "image/png"
	};
	struct mailcap_param offered = { "charset", NULL };
	struct mailcap *mc;
	const struct mailcap_entry *e, *found;
	const uint8_t *rest;
	size_t added, i, rest_len;
	char *line, *cmd = NULL, *err = NULL;
	int has_file;

	mc = mailcap_new();
	added = mailcap_parse(mc, (const char *)data, size,
	    FUZZ_MAILCAP_NAME);
	if (added != mc->n)
		fuzz_fail("mailcap_parse: %zu added, %zu entries", added,
		    mc->n);
	fuzz_split(data, size, &line, &rest, &rest_len);

	/* What a message offers. */
	if (mailcap_type_safe(line) && (strspn(line, FUZZ_SAFE_CHARS
	    "/.+_-") != strlen(line) || strchr(FUZZ_SAFE_CHARS, *line) ==
	    NULL))
		fuzz_fail("mailcap_type_safe: \"%s\"", line);
	offered.value = line;
	if (mailcap_expand("%{charset}", "text/plain", NULL, &offered, 1,
	    &cmd, &has_file, &err) == 0 && *line != '\0' &&
	    (strspn(line, FUZZ_SAFE_CHARS "._:+-") != strlen(line) ||
	    strchr(FUZZ_SAFE_CHARS, *line) == NULL))
		fuzz_fail("mailcap_expand: let \"%s\" through", line);
	free(cmd);
	free(err);
	fuzz_check_safe_name(line, NULL);

	for (i = 0; i < mc->n; i++) {
		e = &mc->entries[i];
		if (e->type == NULL || e->view == NULL || e->where == NULL ||
		    strncmp(e->where, FUZZ_MAILCAP_NAME ":",
		    sizeof FUZZ_MAILCAP_NAME) != 0)
			fuzz_fail("entry %zu: incomplete", i);
		found = mailcap_find(mc, e->type, MAILCAP_NO_TEST);
		if (found != NULL && found->test != NULL)
			fuzz_fail("entry %zu: found one with a test", i);
		if (e->test == NULL && found == NULL &&
		    strchr(e->type, '*') == NULL)
			fuzz_fail("entry %zu: \"%s\" not found", i, e->type);
		found = mailcap_find(mc, e->type,
		    MAILCAP_NO_TEST | MAILCAP_COPIOUS);
		if (found != NULL && (found->test != NULL ||
		    !found->copiousoutput))
			fuzz_fail("entry %zu: copious found one without", i);
		fuzz_expand(e->view, "text/plain", line);
		fuzz_expand(e->view, line, "utf-8");
		if (e->nametemplate != NULL)
			fuzz_check_safe_name(line, e->nametemplate);
	}
	for (i = 0; i < sizeof types / sizeof types[0]; i++) {
		found = mailcap_find(mc, types[i], MAILCAP_NO_TEST);
		if (found != NULL && found->test != NULL)
			fuzz_fail("\"%s\": found one with a test", types[i]);
	}
	free(line);
	mailcap_free(mc);
	return (0);
}
