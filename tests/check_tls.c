/*
 * Unit tests for src/tls.c against `openssl s_server` on loopback. The
 * suite makes its own throw-away CAs and server certificates with the
 * openssl command line at start (and skips, exit 77, without it): a
 * trusted CA, another CA, and leaves for localhost that are good, signed by
 * the other CA, expired, not yet valid and self-signed. Plain-text peers
 * are threads of the test itself.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/mailstream.h>

#include "testutil.h"
#include "tls.h"
#include "util.h"
#include "xmalloc.h"

static char *tmpdir;
static char ca_pem[256];
static char good_key[256];
static unsigned char good_pin[32];
static char good_pin_text[128];	/* "sha256:AB:CD:..." as openssl prints */

static char *
path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void remove_tmpdir(void);

/* Give up on setting up the suite: a hard error, not a test failure. */
static void
die(const char *what)
{
	fprintf(stderr, "check_tls: %s\n", what);
	remove_tmpdir();
	exit(99);
}

/*
 * Run ARGV (argv[0] looked up in PATH) in TMPDIR with stdout to OUT (NULL:
 * /dev/null) and stderr to /dev/null. Returns the exit status, 127 if it
 * could not run.
 */
static int
run(const char *const argv[], const char *out)
{
	pid_t pid;
	int st, fd;

	pid = fork();
	if (pid == -1)
		return 127;
	if (pid == 0) {
		fd = open(out != NULL ? out : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1 || dup2(fd, 1) == -1)
			_exit(127);
		fd = open("/dev/null", O_RDWR);
		if (fd == -1 || dup2(fd, 2) == -1 || dup2(fd, 0) == -1)
			_exit(127);
		if (chdir(tmpdir) == -1)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR)
			return 127;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 127;
}

static void
write_file(const char *name, const char *text)
{
	char *p = path_in(name);
	FILE *f = fopen(p, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		die("cannot write a file in the temporary folder");
	free(p);
}

static void
must_run(const char *const argv[])
{
	if (run(argv, NULL) != 0) {
		fprintf(stderr, "failed: %s %s %s\n", argv[0], argv[1],
		    argv[2] != NULL ? argv[2] : "");
		die("cannot make the test certificates");
	}
}

/* Make the CAs and certificates; dies if that fails. */
static void
make_certs(void)
{
	static const char *const ca1[] = { "openssl", "req", "-x509",
		"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
		"-subj", "/CN=tern test CA", "-addext",
		"basicConstraints=critical,CA:TRUE", "-addext",
		"keyUsage=critical,keyCertSign,cRLSign", NULL };
	static const char *const ca2[] = { "openssl", "req", "-x509",
		"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem",
		"-days", "30", "-subj", "/CN=tern other CA", "-addext",
		"basicConstraints=critical,CA:TRUE", "-addext",
		"keyUsage=critical,keyCertSign,cRLSign", NULL };
	static const char *const csr[] = { "openssl", "req", "-new",
		"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", "server.key", "-out", "server.csr",
		"-subj", "/CN=localhost", NULL };
	static const char *const good[] = { "openssl", "x509", "-req",
		"-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
		"-set_serial", "101", "-days", "30", "-extfile", "ext.cnf",
		"-out", "good.pem", NULL };
	static const char *const other[] = { "openssl", "x509", "-req",
		"-in", "server.csr", "-CA", "other-ca.pem", "-CAkey",
		"other-ca.key", "-set_serial", "102", "-days", "30",
		"-extfile", "ext.cnf", "-out", "other.pem", NULL };
	static const char *const expired[] = { "openssl", "ca", "-batch",
		"-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
		"-in", "server.csr", "-startdate", "20200101000000Z",
		"-enddate", "20200201000000Z", "-extfile", "ext.cnf",
		"-notext", "-out", "expired.pem", NULL };
	static const char *const future[] = { "openssl", "ca", "-batch",
		"-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
		"-in", "server.csr", "-startdate", "20900101000000Z",
		"-enddate", "20900201000000Z", "-extfile", "ext.cnf",
		"-notext", "-out", "future.pem", NULL };
	static const char *const self[] = { "openssl", "req", "-x509",
		"-new", "-key", "server.key", "-out", "self.pem", "-days", "30",
		"-subj", "/CN=localhost", "-addext",
		"subjectAltName=DNS:localhost", "-addext",
		"basicConstraints=CA:FALSE", NULL };
	static const char *const fp[] = { "openssl", "x509", "-in",
		"good.pem", "-noout", "-fingerprint", "-sha256", NULL };
	char *fpout, line[512], *p;
	FILE *f = NULL;
	size_t n = 0;
	unsigned int b;

	write_file("ext.cnf", "subjectAltName=DNS:localhost\n"
	    "basicConstraints=CA:FALSE\n"
	    "keyUsage=critical,digitalSignature\n"
	    "extendedKeyUsage=serverAuth\n");
	write_file("ca.cnf", "[ca]\ndefault_ca = test\n[test]\n"
	    "database = index.txt\nnew_certs_dir = .\nserial = serial\n"
	    "default_md = sha256\npolicy = pol\nunique_subject = no\n"
	    "[pol]\ncommonName = supplied\n");
	write_file("index.txt", "");
	write_file("serial", "1000\n");
	must_run(ca1);
	must_run(ca2);
	must_run(csr);
	must_run(good);
	must_run(other);
	must_run(expired);
	must_run(future);
	must_run(self);

	fpout = path_in("fingerprint.txt");
	if (run(fp, fpout) != 0 || (f = fopen(fpout, "r")) == NULL ||
	    fgets(line, sizeof line, f) == NULL)
		die("cannot get the fingerprint");
	fclose(f);
	free(fpout);
	/* "sha256 Fingerprint=19:22:..." (older: "SHA256 Fingerprint=") */
	if ((p = strchr(line, '=')) == NULL)
		die("cannot parse the fingerprint");
	p++;
	p[strcspn(p, "\r\n")] = '\0';
	snprintf(good_pin_text, sizeof good_pin_text, "sha256:%s", p);
	while (n < 32 && sscanf(p, "%2x", &b) == 1) {
		good_pin[n++] = (unsigned char)b;
		p += 2;
		if (*p == ':')
			p++;
	}
	if (n != 32)
		die("cannot parse the fingerprint");

	snprintf(ca_pem, sizeof ca_pem, "%s/ca.pem", tmpdir);
	snprintf(good_key, sizeof good_key, "%s/server.key", tmpdir);
}

/* A running `openssl s_server`. */
struct server {
	pid_t pid;
	int in;			/* its stdin, to the client */
	int out;		/* its stdout: from the client, and chatter */
	int port;
};

/* Start s_server with the certificate CERT (a file name in tmpdir). */
static void
server_start(struct server *srv, const char *cert)
{
	char *certpath = path_in(cert), buf[4096], *p;
	int in[2], out[2], devnull;
	size_t len = 0;
	ssize_t n;
	long long deadline;
	struct pollfd pfd;

	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	srv->pid = fork();
	ck_assert_int_ne(srv->pid, -1);
	if (srv->pid == 0) {
#ifdef HAVE_SYS_PRCTL_H
		/* Do not outlive a test that failed half-way. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		devnull = open("/dev/null", O_WRONLY);
		if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1 ||
		    devnull == -1 || dup2(devnull, 2) == -1)
			_exit(127);
		close(in[1]);
		close(out[0]);
		execlp("openssl", "openssl", "s_server", "-accept",
		    "127.0.0.1:0", "-cert", certpath, "-key", good_key,
		    "-naccept", "1", (char *)NULL);
		_exit(127);
	}
	free(certpath);
	close(in[0]);
	close(out[1]);
	srv->in = in[1];
	srv->out = out[0];

	/* Wait for "ACCEPT 127.0.0.1:PORT". */
	deadline = util_now_ms() + 5000;
	for (;;) {
		buf[len] = '\0';
		if ((p = strstr(buf, "ACCEPT ")) != NULL &&
		    strchr(p, '\n') != NULL)
			break;
		pfd.fd = srv->out;
		pfd.events = POLLIN;
		ck_assert_msg(util_now_ms() < deadline, "s_server did not start");
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(srv->out, buf + len, sizeof buf - 1 - len);
		ck_assert_msg(n > 0, "s_server exited");
		len += (size_t)n;
	}
	p = strrchr(p, ':');
	ck_assert_ptr_nonnull(p);
	srv->port = atoi(p + 1);
	ck_assert_int_gt(srv->port, 0);
}

static void
server_stop(struct server *srv)
{
	kill(srv->pid, SIGTERM);
	waitpid(srv->pid, NULL, 0);
	close(srv->in);
	close(srv->out);
}

/* Wait up to 5 s for NEEDLE in what the server printed. */
static int
server_saw(struct server *srv, const char *needle)
{
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	long long deadline = util_now_ms() + 5000;
	struct pollfd pfd = { .fd = srv->out, .events = POLLIN };

	while (util_now_ms() < deadline && len < sizeof buf - 1) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(srv->out, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, needle) != NULL)
			return 1;
	}
	return 0;
}

/* Read one line (up to and with "\n") from S into BUF. */
static ssize_t
read_line(mailstream *s, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1) {
		n = mailstream_read(s, buf + len, 1);
		if (n <= 0)
			return -1;
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* Check that bytes flow both ways between S and the s_server SRV. */
static void
check_exchange(mailstream *s, struct server *srv)
{
	static const char hello[] = "hello client\n";
	char line[128];

	ck_assert_int_eq(mailstream_write(s, "hello server\n", 13), 13);
	ck_assert_int_eq(mailstream_flush(s), 0);
	ck_assert_msg(server_saw(srv, "hello server"),
	    "the server did not get our line");
	ck_assert_int_eq(write(srv->in, hello, sizeof hello - 1),
	    (ssize_t)sizeof hello - 1);
	ck_assert_int_eq(read_line(s, line, sizeof line), 13);
	ck_assert_str_eq(line, hello);
}

static void
options(struct tls_options *opt, const char *host, const char *ca,
    const unsigned char *pin)
{
	memset(opt, 0, sizeof *opt);
	opt->host = host;
	opt->ca_file = ca;
	opt->pin = pin;
	opt->timeout_sec = 5;
}

START_TEST(test_good)
{
	struct server srv;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL;
	carray *chain;
	enum tls_status st;

	server_start(&srv, "good.pem");
	options(&opt, "localhost", ca_pem, NULL);
	st = tls_connect("localhost", srv.port, &opt, 1, &s, &err);
	ck_assert_msg(st == TLS_OK, "status %d: %s", st, err);
	ck_assert_int_eq(tls_is_secure(s), 1);
	chain = mailstream_get_certificate_chain(s);
	ck_assert_ptr_nonnull(chain);
	ck_assert_uint_ge(carray_count(chain), 1);
	ck_assert_uint_gt(((MMAPString *)carray_get(chain, 0))->len, 100);
	mailstream_certificate_chain_free(chain);
	check_exchange(s, &srv);
	mailstream_close(s);
	server_stop(&srv);
}
END_TEST

/* Certificates that must be refused, and the exact message. */
struct refuse_row {
	const char *cert;
	const char *host;
	int with_ca;
	int with_pin;		/* 1: the right pin, 2: a wrong one */
	const char *want;	/* NULL: the pin mismatch message */
};

static const struct refuse_row refuse_rows[] = {
	{ "good.pem", "localhost", 0, 0,
	  "certificate for \"localhost\" refused: untrusted issuer" },
	{ "other.pem", "localhost", 1, 0,
	  "certificate for \"localhost\" refused: untrusted issuer" },
	{ "good.pem", "127.0.0.1", 1, 0,
	  "certificate for \"127.0.0.1\" refused: name mismatch" },
	{ "expired.pem", "localhost", 1, 0,
	  "certificate for \"localhost\" refused: expired" },
	{ "future.pem", "localhost", 1, 0,
	  "certificate for \"localhost\" refused: not yet valid" },
	{ "self.pem", "localhost", 0, 0,
	  "certificate for \"localhost\" refused: self-signed" },
	/* A pin adds a check; it never replaces the chain. */
	{ "good.pem", "localhost", 0, 1,
	  "certificate for \"localhost\" refused: untrusted issuer" },
	{ "good.pem", "localhost", 1, 2, NULL },
};

START_TEST(test_refused)
{
	const struct refuse_row *row = &refuse_rows[_i];
	struct server srv;
	struct tls_options opt;
	unsigned char pin[32];
	mailstream *s = NULL;
	char *err = NULL, *want;
	enum tls_status st;

	memcpy(pin, good_pin, sizeof pin);
	if (row->with_pin == 2)
		pin[7] ^= 0x5a;
	server_start(&srv, row->cert);
	options(&opt, row->host, row->with_ca ? ca_pem : NULL,
	    row->with_pin ? pin : NULL);
	st = tls_connect(row->host, srv.port, &opt, 1, &s, &err);
	ck_assert_msg(st == TLS_ERR_VERIFY, "row %d: status %d (%s)", _i, st,
	    err != NULL ? err : "no message");
	ck_assert_ptr_null(s);
	if (row->want != NULL)
		want = xstrdup(row->want);
	else
		want = xasprintf("certificate for \"localhost\" refused: pin "
		    "mismatch (got %s)", good_pin_text);
	ck_assert_msg(err != NULL && strcmp(err, want) == 0,
	    "row %d: message\n  \"%s\"\nwant\n  \"%s\"", _i,
	    err != NULL ? err : "(null)", want);
	free(want);
	free(err);
	server_stop(&srv);
}
END_TEST

START_TEST(test_pin_ok)
{
	struct server srv;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL;
	enum tls_status st;

	server_start(&srv, "good.pem");
	options(&opt, "localhost", ca_pem, good_pin);
	st = tls_connect("localhost", srv.port, &opt, 1, &s, &err);
	ck_assert_msg(st == TLS_OK, "status %d: %s", st, err);
	check_exchange(s, &srv);
	mailstream_close(s);
	server_stop(&srv);
}
END_TEST

START_TEST(test_bad_ca_file)
{
	struct server srv;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL;
	const char *want = "cannot load CA file \"/nonexistent/ca.pem\": ";

	server_start(&srv, "good.pem");
	options(&opt, "localhost", "/nonexistent/ca.pem", NULL);
	ck_assert_int_eq(tls_connect("localhost", srv.port, &opt, 1, &s, &err),
	    TLS_ERR_VERIFY);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	free(err);
	server_stop(&srv);
}
END_TEST

START_TEST(test_connect_refused)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL, *want;
	int fd, port;

	/* A port that was free a moment ago. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);

	options(&opt, "127.0.0.1", NULL, NULL);
	ck_assert_int_eq(tls_connect("127.0.0.1", port, &opt, 1, &s, &err),
	    TLS_ERR_NET);
	want = xasprintf("cannot connect to \"127.0.0.1\" port %d: %s", port,
	    strerror(ECONNREFUSED));
	ck_assert_str_eq(err, want);
	free(want);
	free(err);
}
END_TEST

/* A plain-text peer: sends GREETING (if any), keeps what arrives. */
struct peer {
	int lfd;
	int port;
	const char *greeting;
	char got[256];
	size_t len;
	pthread_t thread;
};

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	char scratch[4096];
	ssize_t n;
	int fd;

	fd = accept(p->lfd, NULL, NULL);
	if (fd == -1)
		return NULL;
	if (p->greeting != NULL)
		send(fd, p->greeting, strlen(p->greeting), MSG_NOSIGNAL);
	/* Keep what fits; read the rest too, so close() sends no RST. */
	for (;;) {
		n = recv(fd, scratch, sizeof scratch, 0);
		if (n <= 0)
			break;
		if ((size_t)n > sizeof p->got - 1 - p->len)
			n = (ssize_t)(sizeof p->got - 1 - p->len);
		memcpy(p->got + p->len, scratch, (size_t)n);
		p->len += (size_t)n;
	}
	p->got[p->len] = '\0';
	close(fd);
	return NULL;
}

static void
peer_start(struct peer *p, const char *greeting)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	memset(p, 0, sizeof *p);
	p->greeting = greeting;
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(p->lfd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(p->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(p->lfd, 1), 0);
	ck_assert_int_eq(getsockname(p->lfd, (struct sockaddr *)&sin, &len),
	    0);
	p->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

/* Wait for the peer to see the end of the connection. */
static void
peer_join(struct peer *p)
{
	pthread_join(p->thread, NULL);
	close(p->lfd);
}

START_TEST(test_plain)
{
	struct peer p;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL, line[64];

	peer_start(&p, "* OK hello\r\n");
	options(&opt, "127.0.0.1", NULL, NULL);
	ck_assert_int_eq(tls_connect("127.0.0.1", p.port, &opt, 0, &s, &err),
	    TLS_OK);
	ck_assert_int_eq(tls_is_secure(s), 0);
	ck_assert_ptr_null(mailstream_get_certificate_chain(s));
	ck_assert_int_eq(read_line(s, line, sizeof line), 12);
	ck_assert_str_eq(line, "* OK hello\r\n");
	ck_assert_int_eq(mailstream_write(s, "a LOGOUT\r\n", 10), 10);
	ck_assert_int_eq(mailstream_flush(s), 0);
	mailstream_close(s);
	peer_join(&p);
	ck_assert_str_eq(p.got, "a LOGOUT\r\n");
}
END_TEST

/* Cancel a read blocked in another thread: TLS (row 0) and plain (1). */
struct cancel_arg {
	mailstream *s;
	int delay_ms;
};

static void *
cancel_main(void *arg)
{
	struct cancel_arg *a = arg;

	usleep((useconds_t)a->delay_ms * 1000);
	tls_cancel(a->s);
	return NULL;
}

START_TEST(test_cancel)
{
	struct server srv;
	struct peer p;
	struct tls_options opt;
	struct cancel_arg ca;
	pthread_t th;
	mailstream *s = NULL;
	char *err = NULL, c;
	long long t0, elapsed;
	enum tls_status st;

	if (_i == 0) {
		server_start(&srv, "good.pem");
		options(&opt, "localhost", ca_pem, NULL);
		opt.timeout_sec = 30;
		st = tls_connect("localhost", srv.port, &opt, 1, &s, &err);
	} else {
		peer_start(&p, NULL);
		options(&opt, "127.0.0.1", NULL, NULL);
		opt.timeout_sec = 30;
		st = tls_connect("127.0.0.1", p.port, &opt, 0, &s, &err);
	}
	ck_assert_msg(st == TLS_OK, "row %d: %s", _i, err);

	ca.s = s;
	ca.delay_ms = 200;
	ck_assert_int_eq(pthread_create(&th, NULL, cancel_main, &ca), 0);
	t0 = util_now_ms();
	ck_assert_int_eq(mailstream_read(s, &c, 1), -1);
	elapsed = util_now_ms() - t0;
	pthread_join(th, NULL);
	ck_assert_msg(elapsed >= 150 && elapsed < 1000,
	    "row %d: the read returned after %lld ms", _i, elapsed);
	/* The stream stays cancelled. */
	ck_assert_int_eq(mailstream_read(s, &c, 1), -1);
	ck_assert_int_eq(mailstream_write(s, "x\r\n", 3), 3);
	ck_assert_int_eq(mailstream_flush(s), -1);
	mailstream_close(s);
	if (_i == 0)
		server_stop(&srv);
	else
		peer_join(&p);
}
END_TEST

START_TEST(test_timeout)
{
	struct peer p;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL, c;
	long long t0, elapsed;

	peer_start(&p, NULL);
	options(&opt, "127.0.0.1", NULL, NULL);
	opt.timeout_sec = 30;
	ck_assert_int_eq(tls_connect("127.0.0.1", p.port, &opt, 0, &s, &err),
	    TLS_OK);
	/* low->timeout wins over the option. */
	mailstream_low_set_timeout(mailstream_get_low(s), 1);
	t0 = util_now_ms();
	ck_assert_int_eq(mailstream_read(s, &c, 1), -1);
	elapsed = util_now_ms() - t0;
	ck_assert_msg(elapsed >= 900 && elapsed < 3000,
	    "the read returned after %lld ms", elapsed);
	mailstream_close(s);
	peer_join(&p);
}
END_TEST

START_TEST(test_starttls_refuses_buffered)
{
	struct peer p;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL, c;

	peer_start(&p, "hello\r\n");
	options(&opt, "localhost", ca_pem, NULL);
	ck_assert_int_eq(tls_connect("127.0.0.1", p.port, &opt, 0, &s, &err),
	    TLS_OK);
	usleep(100 * 1000);
	ck_assert_int_eq(mailstream_read(s, &c, 1), 1);
	ck_assert_int_eq(c, 'h');
	ck_assert_uint_eq(s->read_buffer_len, 6);
	ck_assert_int_eq(tls_starttls(s, &opt, &err), TLS_ERR_PROTOCOL);
	ck_assert_str_eq(err,
	    "refusing STARTTLS: 6 bytes arrived before the handshake");
	free(err);
	ck_assert_int_eq(tls_is_secure(s), 0);
	mailstream_close(s);
	peer_join(&p);
}
END_TEST

/* STARTTLS on our own plain low (row 0) and on libetpan's socket (1). */
START_TEST(test_starttls)
{
	struct server srv;
	struct tls_options opt;
	struct sockaddr_in sin;
	mailstream *s = NULL;
	char *err = NULL;
	enum tls_status st;
	int fd;

	server_start(&srv, "good.pem");
	options(&opt, "localhost", ca_pem, NULL);
	if (_i == 0) {
		ck_assert_int_eq(tls_connect("localhost", srv.port, &opt, 0,
		    &s, &err), TLS_OK);
	} else {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((unsigned short)srv.port);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin,
		    sizeof sin), 0);
		s = mailstream_new(mailstream_low_socket_open(fd), 8192);
		ck_assert_ptr_nonnull(s);
	}
	ck_assert_int_eq(tls_is_secure(s), 0);
	st = tls_starttls(s, &opt, &err);
	ck_assert_msg(st == TLS_OK, "row %d: status %d: %s", _i, st, err);
	ck_assert_int_eq(tls_is_secure(s), 1);
	check_exchange(s, &srv);
	/* A second upgrade is refused. */
	ck_assert_int_eq(tls_starttls(s, &opt, &err), TLS_ERR_PROTOCOL);
	ck_assert_str_eq(err,
	    "refusing STARTTLS: the connection already runs over TLS");
	free(err);
	mailstream_close(s);
	server_stop(&srv);
}
END_TEST

START_TEST(test_starttls_refused_cert)
{
	struct server srv;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL;

	server_start(&srv, "good.pem");
	options(&opt, "localhost", NULL, NULL);
	ck_assert_int_eq(tls_connect("localhost", srv.port, &opt, 0, &s, &err),
	    TLS_OK);
	ck_assert_int_eq(tls_starttls(s, &opt, &err), TLS_ERR_VERIFY);
	ck_assert_str_eq(err,
	    "certificate for \"localhost\" refused: untrusted issuer");
	free(err);
	ck_assert_int_eq(tls_is_secure(s), 0);
	mailstream_close(s);
	server_stop(&srv);
}
END_TEST

/* tls_pending sees bytes in libetpan's buffer and inside OpenSSL. */
START_TEST(test_pending)
{
	struct server srv;
	struct tls_options opt;
	mailstream *s = NULL;
	mailstream_low *low;
	char *err = NULL, buf[4096];
	struct pollfd pfd;
	ssize_t n;
	size_t got;

	server_start(&srv, "good.pem");
	options(&opt, "localhost", ca_pem, NULL);
	ck_assert_int_eq(tls_connect("localhost", srv.port, &opt, 1, &s, &err),
	    TLS_OK);
	ck_assert_int_eq(tls_pending(s), 0);

	/* One pipe write of at most PIPE_BUF: one TLS record. */
	memset(buf, 'x', 3000);
	ck_assert_int_eq(write(srv.in, buf, 3000), 3000);
	low = mailstream_get_low(s);
	n = low->driver->mailstream_read(low, buf, 10);
	ck_assert_int_eq(n, 10);
	/* The rest of the record is decrypted and held by OpenSSL ... */
	ck_assert_int_eq(tls_pending(s), 1);
	/* ... where polling the socket would not see it. */
	pfd.fd = mailstream_low_get_fd(low);
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	for (got = 10; got < 3000; got += (size_t)n) {
		n = low->driver->mailstream_read(low, buf, sizeof buf);
		ck_assert_int_gt(n, 0);
	}
	ck_assert_int_eq(tls_pending(s), 0);

	/* Bytes left in libetpan's own buffer count too. */
	ck_assert_int_eq(write(srv.in, "ab\n", 3), 3);
	ck_assert_int_eq(mailstream_read(s, buf, 1), 1);
	ck_assert_uint_eq(s->read_buffer_len, 2);
	ck_assert_int_eq(tls_pending(s), 1);
	ck_assert_int_eq(mailstream_read(s, buf, 2), 2);
	ck_assert_int_eq(tls_pending(s), 0);
	mailstream_close(s);
	server_stop(&srv);
}
END_TEST

/* A peer that does not speak TLS (row 0) or says nothing (row 1). */
START_TEST(test_handshake_fails)
{
	static const char *const want[] = {
		"TLS handshake with \"127.0.0.1\" failed: ",
		"TLS handshake with \"127.0.0.1\" timed out",
	};
	struct peer p;
	struct tls_options opt;
	mailstream *s = NULL;
	char *err = NULL;
	enum tls_status st;

	peer_start(&p, _i == 0 ? "* OK plain text here\r\n" : NULL);
	options(&opt, "127.0.0.1", ca_pem, NULL);
	opt.timeout_sec = 1;
	st = tls_connect("127.0.0.1", p.port, &opt, 1, &s, &err);
	ck_assert_msg(st == (_i == 0 ? TLS_ERR_PROTOCOL : TLS_ERR_NET),
	    "row %d: status %d (%s)", _i, st, err);
	ck_assert_ptr_null(s);
	ck_assert_msg(strncmp(err, want[_i], strlen(want[_i])) == 0,
	    "row %d: %s", _i, err);
	free(err);
	peer_join(&p);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_good);
	tcase_add_loop_test(tc, test_refused, 0,
	    sizeof refuse_rows / sizeof refuse_rows[0]);
	tcase_add_test(tc, test_pin_ok);
	tcase_add_test(tc, test_bad_ca_file);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_plain);
	tcase_add_loop_test(tc, test_cancel, 0, 2);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_starttls_refuses_buffered);
	tcase_add_loop_test(tc, test_starttls, 0, 2);
	tcase_add_test(tc, test_starttls_refused_cert);
	tcase_add_test(tc, test_pending);
	tcase_add_loop_test(tc, test_handshake_fails, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

/* Remove tmpdir and what it holds. */
static void
remove_tmpdir(void)
{
	tu_scratch_free(tmpdir);
	tmpdir = NULL;
}

int
main(void)
{
	static const char *const version[] = { "openssl", "version", NULL };
	int rc;

	if ((tmpdir = tu_scratch_new("check_tls")) == NULL)
		return 99;
	if (run(version, NULL) != 0) {
		printf("SKIP: no openssl command\n");
		remove_tmpdir();
		return 77;
	}
	tls_global_init();
	make_certs();

	rc = tu_run(tls_suite());
	remove_tmpdir();
	return rc;
}
