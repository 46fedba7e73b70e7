/*
 * A test driver for src/smtp.c (tests/test-smtp.sh): one SMTP session of
 * an account of a config file, one message file sent to the recipients
 * given, and the outcome printed in a stable form, one "key: value" line
 * each:
 *
 *   connect: ok | net | auth | tls | protocol: MESSAGE
 *   before-dot                       (when the callback ran)
 *   outcome: sent | temp | perm | unknown
 *   status: ok | net | ...
 *   code: N
 *   refused: ADDR CODE TEXT          (one line per refused recipient)
 *   text: TEXT
 *
 * Usage: smtp-try [-c CONFIG] [-a ACCOUNT] [-f FROM] [-n COUNT] [-s]
 *                 [-i SECONDS] [-l LOGFILE] FILE RCPT...
 *   -f  the envelope sender (default: the account's from address)
 *   -n  send the message COUNT times in the one session
 *   -s  the before-dot callback stops the message
 *   -i  call smtp_interrupt() from another thread after SECONDS
 *   -l  the log (with the protocol trace) into LOGFILE
 * Exit status: 0 when every message was sent, 1 when one was not, 2 when
 * the session could not be opened, 3 on a usage error.
 */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "cred.h"
#include "log.h"
#include "smtp.h"
#include "tls.h"

static const char *
status_name(enum backend_status st)
{
	switch (st) {
	case BACKEND_OK:
		return "ok";
	case BACKEND_ERR_NET:
		return "net";
	case BACKEND_ERR_AUTH:
		return "auth";
	case BACKEND_ERR_TLS:
		return "tls";
	case BACKEND_ERR_PROTOCOL:
		return "protocol";
	case BACKEND_ERR_LOCAL:
		return "local";
	case BACKEND_ERR_NOTFOUND:
		return "notfound";
	}
	return "?";
}

static const char *
outcome_name(enum smtp_outcome o)
{
	switch (o) {
	case SMTP_SENT:
		return "sent";
	case SMTP_TEMP:
		return "temp";
	case SMTP_PERM:
		return "perm";
	case SMTP_UNKNOWN:
		return "unknown";
	}
	return "?";
}

static int stop_at_dot;

static int
before_dot(void *arg)
{
	(void)arg;
	printf("before-dot\n");
	fflush(stdout);
	return stop_at_dot;
}

struct interrupter {
	struct smtp *s;
	int seconds;
};

static void *
interrupt_later(void *arg)
{
	struct interrupter *in = arg;

	sleep((unsigned int)in->seconds);
	smtp_interrupt(in->s);
	return NULL;
}

static char *
read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, alloc = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (alloc - len < 65536) {
			alloc = alloc * 2 + 65536;
			if ((buf = realloc(buf, alloc)) == NULL)
				abort();
		}
		if ((n = fread(buf + len, 1, alloc - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	*len_r = len;
	return buf;
}

static void
usage(void)
{
	fprintf(stderr, "usage: smtp-try [-c CONFIG] [-a ACCOUNT] [-f FROM] "
	    "[-n COUNT] [-s] [-i SECONDS] [-l LOGFILE] FILE RCPT...\n");
	exit(3);
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *acname = NULL, *from = NULL, *logfile = NULL;
	struct config *cfg = NULL;
	struct account_config *ac;
	struct interrupter in = { NULL, 0 };
	struct smtp_message m;
	struct smtp_result res;
	struct smtp *s;
	struct cred *cred;
	enum backend_status st;
	pthread_t th;
	FILE *logf = NULL;
	char *err = NULL, *data, *def = NULL;
	size_t len, i;
	int c, count = 1, failed = 0, n;

	while ((c = getopt(argc, argv, "a:c:f:i:l:n:s")) != -1) {
		switch (c) {
		case 'a':
			acname = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'i':
			in.seconds = atoi(optarg);
			break;
		case 'l':
			logfile = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 's':
			stop_at_dot = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (path == NULL && (path = def = config_default_path()) == NULL)
		usage();
	tls_global_init();
	if (logfile != NULL) {
		if ((logf = fopen(logfile, "a")) == NULL) {
			perror(logfile);
			return 3;
		}
		log_set_sink(log_sink_file, logf, LOG_DEBUG);
	}
	if (config_load(path, &cfg, &err) != 0) {
		fprintf(stderr, "smtp-try: %s\n", err);
		return 3;
	}
	ac = acname != NULL ? config_find_account(cfg, acname) :
	    cfg->naccounts > 0 ? cfg->accounts[0] : NULL;
	if (ac == NULL) {
		fprintf(stderr, "smtp-try: no such account\n");
		return 3;
	}
	if ((data = read_file(argv[0], &len)) == NULL) {
		perror(argv[0]);
		return 3;
	}
	if (from == NULL)
		from = ac->from_addr != NULL ? ac->from_addr : "";

	cred = cred_new(ac);
	s = smtp_new(ac);
	if (in.seconds > 0) {
		in.s = s;
		pthread_create(&th, NULL, interrupt_later, &in);
	}
	st = smtp_connect(s, cred, &err);
	printf("connect: %s%s%s\n", status_name(st), err != NULL ? ": " : "",
	    err != NULL ? err : "");
	free(err);
	err = NULL;
	if (st != BACKEND_OK) {
		failed = 2;
		goto out;
	}
	memset(&m, 0, sizeof m);
	m.from = from;
	m.rcpts = (const char *const *)(argv + 1);
	m.nrcpt = (size_t)(argc - 1);
	m.data = data;
	m.len = len;
	for (n = 0; n < count; n++) {
		smtp_send(s, &m, before_dot, NULL, &res);
		printf("outcome: %s\n", outcome_name(res.outcome));
		printf("status: %s\n", status_name(res.status));
		printf("code: %d\n", res.code);
		for (i = 0; i < res.nrefused; i++)
			printf("refused: %s %d %s\n", res.refused[i].addr,
			    res.refused[i].code, res.refused[i].text);
		printf("text: %s\n", res.text != NULL ? res.text : "");
		fflush(stdout);
		if (res.outcome != SMTP_SENT)
			failed = 1;
		smtp_result_release(&res);
	}

out:
	if (in.seconds > 0)
		pthread_join(th, NULL);
	smtp_free(s);
	cred_free(cred);
	config_free(cfg);
	free(data);
	free(def);
	if (logf != NULL) {
		log_set_sink(NULL, NULL, LOG_ERROR);
		fclose(logf);
	}
	return failed;
}
