/*
 * Mailcap (RFC 1524): reading the files, finding the entry for a content
 * type, and running it on a part of a message without letting anything
 * of the message reach the shell. The mailcap files are trusted (they are
 * the user's or the system's); the message is not: its file name becomes
 * a sanitised name in a private folder that we create, its content type
 * and parameters are substituted only when they match strict patterns,
 * and every substitution is quoted for the shell. test= commands come
 * only from the files and never see message data.
 *
 * All memory belongs to the caller unless stated otherwise: strings
 * returned are free()d, a struct mailcap is freed with mailcap_free().
 */
#ifndef TERN_MAILCAP_H
#define TERN_MAILCAP_H

#include <stddef.h>

struct mailcap_entry {
	char *type;		/* "text/html", or "text/" and a star */
	char *view;		/* the view command as written */
	char *test;		/* test=, or NULL */
	char *nametemplate;	/* nametemplate=, or NULL */
	char *where;		/* "FILE:LINE", for messages */
	int needsterminal;
	int copiousoutput;
	int tested;		/* 0: not yet, 1: passed, -1: failed */
};

struct mailcap {
	struct mailcap_entry *entries;
	size_t n, alloc;
};

/* A parameter offered for %{NAME} (e.g. the part's charset). */
struct mailcap_param {
	const char *name;
	const char *value;
};

/* mailcap_find() flags. */
#define MAILCAP_COPIOUS	0x1	/* only entries with copiousoutput */
#define MAILCAP_NO_TEST	0x2	/* entries with test= never match */

/* The most output kept of a copiousoutput command. */
#define MAILCAP_OUTPUT_MAX (4 * 1024 * 1024)
/* The longest a copiousoutput command may run, in seconds. */
#define MAILCAP_TIMEOUT 60
/* The longest sanitised file name, in bytes. */
#define MAILCAP_NAME_MAX 64

/* A new, empty mailcap. */
struct mailcap *mailcap_new(void);
/* Free MC and its entries; NULL is a no-op. */
void mailcap_free(struct mailcap *mc);
/*
 * Parse LEN bytes of mailcap text read from NAME and append its entries
 * to MC. Malformed lines are skipped, as RFC 1524 asks. Returns the
 * number of entries added.
 */
size_t mailcap_parse(struct mailcap *mc, const char *text, size_t len,
    const char *name);
/*
 * Read the mailcap file PATH into MC. Returns 0, 1 when there is no such
 * file, or -1 with *ERR set (free() it).
 */
int mailcap_load(struct mailcap *mc, const char *path, char **err);
/*
 * The files to read, in order: the colon-separated MAILCAPS when it is
 * set and not empty, else HOME/.mailcap then /etc/mailcap (the first
 * alone when HOME is NULL or empty). Returns a new NULL-terminated array;
 * free it with mailcap_paths_free().
 */
char **mailcap_paths(const char *mailcaps, const char *home);
void mailcap_paths_free(char **paths);
/*
 * Read every file of the NULL-terminated PATHS that exists into MC.
 * Returns 0, or -1 with *ERR set for the first file that exists but
 * cannot be read (the others are still read).
 */
int mailcap_load_paths(struct mailcap *mc, char *const *paths, char **err);
/*
 * The first entry of MC for the content TYPE whose test passes (test=
 * commands run once each, from the file, with no message data), with
 * FLAGS. NULL when none.
 */
const struct mailcap_entry *mailcap_find(struct mailcap *mc,
    const char *type, int flags);
/* Whether TYPE is a plain "type/subtype" token safe to give a shell. */
int mailcap_type_safe(const char *type);
/*
 * A file name made from NAME (the message's, UTF-8, may be NULL) that is
 * safe as one path component: only [A-Za-z0-9._-], no leading dot or
 * dash, no "..", at most MAILCAP_NAME_MAX bytes with the extension kept,
 * "attachment" when nothing is left, and the suffix of NAMETEMPLATE
 * ("%s.html") added when it is missing. Returns a new string.
 */
char *mailcap_safe_name(const char *name, const char *nametemplate);
/*
 * Expand the mailcap command COMMAND: %s becomes PATH, %t TYPE, %{NAME}
 * the value of parameter NAME among the NPARAMS at PARAMS (empty when
 * absent), "\X" the character X. Every substitution must match a strict
 * pattern (PATH [A-Za-z0-9._/+-], TYPE mailcap_type_safe(), a parameter
 * [A-Za-z0-9][A-Za-z0-9._:+-]*) and is quoted for the shell. *HAS_FILE_R
 * says whether %s was used (if not, the data goes to standard input).
 * Returns 0 and the command in *CMD_R (free() it), or -1 with *ERR set.
 */
int mailcap_expand(const char *command, const char *type, const char *path,
    const struct mailcap_param *params, size_t nparams, char **cmd_r,
    int *has_file_r, char **err);
/*
 * Run entry E on DATA (LEN bytes) of content TYPE whose file name in the
 * message is FILENAME (may be NULL): the data is written to a sanitised
 * file in a new private folder (0700, under $TMPDIR when it is a plain
 * path, else /tmp), the expanded command runs under /bin/sh -c, and the
 * file and folder are removed after. With copiousoutput, the command's
 * standard output is captured (at most MAILCAP_OUTPUT_MAX bytes, for at
 * most MAILCAP_TIMEOUT seconds) into *OUT_R and *OUT_LEN_R (free() it);
 * otherwise it inherits the terminal, which the caller has handed over.
 * *STATUS_R is the exit status (128 + N when killed by signal N).
 * Returns 0 when the command ran, -1 with *ERR set when it could not.
 */
int mailcap_run(const struct mailcap_entry *e, const char *type,
    const struct mailcap_param *params, size_t nparams, const char *filename,
    const void *data, size_t len, char **out_r, size_t *out_len_r,
    int *status_r, char **err);
/*
 * Run the user's COMMAND (trusted: typed by the user) under /bin/sh -c
 * with DATA (LEN bytes) on its standard input and the terminal for its
 * output. Returns 0 with the exit status in *STATUS_R, or -1 with *ERR.
 */
int mailcap_pipe(const char *command, const void *data, size_t len,
    int *status_r, char **err);

#endif
