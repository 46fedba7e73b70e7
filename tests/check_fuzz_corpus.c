/*
 * The fuzz targets' seed corpus, replayed without libFuzzer: every file
 * of fuzz/corpus/<target>/ goes through the same harness function the
 * fuzzer calls (fuzz/fuzz-<target>.c, built here with FUZZ_REPLAY), so
 * that the normal and the sanitizer builds of `make check` exercise the
 * seeds and the inputs of every crash found so far. The message and
 * header harnesses also read the shared corpus ($TERN_CORPUS) when it is
 * there. A broken invariant aborts with the file's name on stderr.
 */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../fuzz/fuzz.h"
#include "strbuf.h"
#include "testutil.h"
#include "xmalloc.h"

/* Shared corpus files larger than this are left to the benchmarks. */
#define REPLAY_MAX_SIZE (1024 * 1024)

static const struct {
	const char *name;	/* fuzz/corpus/NAME, fuzz/fuzz-NAME.c */
	int (*fn)(const uint8_t *, size_t);
	int shared;		/* also the files of $TERN_CORPUS */
} targets[] = {
	{ "compose", fuzz_compose, 1 },
	{ "config", fuzz_config, 0 },
	{ "format", fuzz_format, 0 },
	{ "fetchparse", fuzz_fetchparse, 0 },
	{ "header", fuzz_header, 1 },
	{ "html", fuzz_html, 0 },
	{ "imapresp", fuzz_imapresp, 0 },
	{ "mailcap", fuzz_mailcap, 0 },
	{ "message", fuzz_message, 1 },
	{ "oauth", fuzz_oauth, 0 },
	{ "pop3parse", fuzz_pop3parse, 0 },
	{ "respfilter", fuzz_respfilter, 0 },
	{ "search", fuzz_search, 0 },
	{ "smtpparse", fuzz_smtpparse, 0 },
	{ "text", fuzz_text, 0 },
	{ "thread", fuzz_thread, 0 },
	{ "utf7", fuzz_utf7, 0 },
};

#define NTARGETS (sizeof targets / sizeof targets[0])

static const char *
srcdir(void)
{
	const char *d = getenv("TERN_SRCDIR");

	return (d != NULL && *d != '\0' ? d : ".");
}

/*
 * Replay every regular file under DIR (and its folders when RECURSE)
 * through FN. Returns the number of files replayed.
 */
static size_t
replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t), int recurse)
{
	struct dirent *de;
	struct stat st;
	size_t count = 0, len;
	char *path, *data;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			ck_abort_msg("cannot stat %s: %s", path,
			    strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			if (recurse)
				count += replay_dir(path, fn, recurse);
		} else if (S_ISREG(st.st_mode) &&
		    st.st_size <= REPLAY_MAX_SIZE) {
			if ((data = tu_read_file(path, &len)) == NULL)
				ck_abort_msg("cannot read %s: %s", path,
				    strerror(errno));
			fuzz_input_name = path;
			fn((const uint8_t *)data, len);
			fuzz_input_name = NULL;
			free(data);
			count++;
		}
		free(path);
	}
	closedir(d);
	return (count);
}

START_TEST(test_replay)
{
	char *dir;
	const char *shared;
	size_t n;

	fuzz_init();
	dir = xasprintf("%s/fuzz/corpus/%s", srcdir(), targets[_i].name);
	n = replay_dir(dir, targets[_i].fn, 0);
	ck_assert_msg(n > 0, "target %s: no seed in %s", targets[_i].name,
	    dir);
	free(dir);
	shared = getenv("TERN_CORPUS");
	if (targets[_i].shared && shared != NULL && *shared != '\0')
		replay_dir(shared, targets[_i].fn, 1);
}
END_TEST

/* Every folder of fuzz/corpus belongs to a target of the table. */
START_TEST(test_every_corpus_known)
{
	struct dirent *de;
	char *dir;
	size_t i;
	DIR *d;

	dir = xasprintf("%s/fuzz/corpus", srcdir());
	d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < NTARGETS; i++)
			if (strcmp(de->d_name, targets[i].name) == 0)
				break;
		ck_assert_msg(i < NTARGETS, "%s/%s: no such target in "
		    "tests/check_fuzz_corpus.c", dir, de->d_name);
	}
	closedir(d);
	free(dir);
}
END_TEST

static Suite *
fuzz_corpus_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("fuzz_corpus");
	tc = tcase_create("replay");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_replay, 0, NTARGETS);
	tcase_add_test(tc, test_every_corpus_known);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return tu_run(fuzz_corpus_suite());
}
