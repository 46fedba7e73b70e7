/*
 * The connection under libetpan (see tls.h): TCP connect with a timeout, our
 * own mailstream_low driver over a non-blocking socket, in plain text or
 * through OpenSSL, and the certificate checks. This is the only file of
 * tern that includes OpenSSL.
 *
 * One driver serves both modes, so cancel and timeout behave the same
 * before and after STARTTLS: every read, write and handshake step polls the
 * socket together with the read end of a libetpan mailstream_cancel pipe
 * (which libetpan's IDLE code also expects from get_cancel), and gives up
 * when the pipe becomes readable or the timeout passes. A STARTTLS on our
 * own plain stream upgrades the driver data in place, so the low a
 * concurrent tls_cancel() reaches never changes under it.
 */
#include "autoconfig.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <libetpan/carray.h>
#include <libetpan/mailstream.h>
#include <libetpan/mmapstring.h>

#include "i18n.h"
#include "strbuf.h"
#include "tls.h"
#include "util.h"
#include "xmalloc.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#define TLS_DEFAULT_TIMEOUT 60	/* seconds */
#define TLS_STREAM_BUFFER 8192
/* An answer slower than this on average is cut (see tls_low_read_raw). */
#define TLS_MIN_RATE 1024	/* bytes a second */

/*
 * libetpan exports these but does not install their header
 * (mailstream_cancel.h); the struct stays opaque to us.
 */
struct mailstream_cancel;
struct mailstream_cancel *mailstream_cancel_new(void);
void mailstream_cancel_free(struct mailstream_cancel *);
int mailstream_cancel_cancelled(struct mailstream_cancel *);
void mailstream_cancel_notify(struct mailstream_cancel *);
int mailstream_cancel_get_fd(struct mailstream_cancel *);

/* What a wait on the socket ended with. */
enum tls_wait {
	WAIT_READY,
	WAIT_ERROR,
	WAIT_TIMEOUT,
	WAIT_CANCELLED,
};

/* The driver data: one connection. */
struct tls_conn {
	int fd;
	SSL_CTX *ctx;		/* NULL while plain */
	SSL *ssl;		/* NULL while plain */
	struct mailstream_cancel *cancel;
	int timeout;		/* seconds, when low->timeout is 0 */
	enum tls_wait last;	/* how the last failed wait ended */
	size_t read_limit;	/* bytes an answer; 0: TLS_READ_LIMIT */
	size_t read_since;	/* bytes read since the last write */
	size_t over_limit;	/* the limit a read failed on, or 0 */
	long long cmd_start;	/* ms: the last write, the command's start */
	long long too_slow;	/* ms a command's answer had taken, or 0 */
	int eof;		/* the server closed the connection */
	tls_filter_fn *filter;	/* over what is read, or NULL */
	void *filter_arg;
	struct strbuf fout;	/* filtered bytes not yet handed out */
	size_t fout_off;
};

static ssize_t tls_low_read(mailstream_low *, void *, size_t);
static ssize_t tls_low_write(mailstream_low *, const void *, size_t);
static int tls_low_close(mailstream_low *);
static int tls_low_get_fd(mailstream_low *);
static void tls_low_free(mailstream_low *);
static void tls_low_cancel(mailstream_low *);
static struct mailstream_cancel *tls_low_get_cancel(mailstream_low *);
static carray *tls_low_get_certificate_chain(mailstream_low *);

static mailstream_low_driver tls_driver = {
	.mailstream_read = tls_low_read,
	.mailstream_write = tls_low_write,
	.mailstream_close = tls_low_close,
	.mailstream_get_fd = tls_low_get_fd,
	.mailstream_free = tls_low_free,
	.mailstream_cancel = tls_low_cancel,
	.mailstream_get_cancel = tls_low_get_cancel,
	.mailstream_get_certificate_chain = tls_low_get_certificate_chain,
	.mailstream_setup_idle = NULL,
	.mailstream_unsetup_idle = NULL,
	.mailstream_interrupt_idle = NULL,
};

void
tls_global_init(void)
{
	signal(SIGPIPE, SIG_IGN);
	OPENSSL_init_ssl(0, NULL);
}

/*
 * Wait until FD is ready for EVENTS, the cancel pipe of CANCEL (if any)
 * becomes readable, or the absolute DEADLINE (ms, CLOCK_MONOTONIC) passes.
 */
static enum tls_wait
tls_wait_fd(int fd, short events, struct mailstream_cancel *cancel,
    long long deadline)
{
	struct pollfd pfd[2];
	long long left;
	nfds_t n = 1;
	int r;

	pfd[0].fd = fd;
	pfd[0].events = events;
	if (cancel != NULL) {
		if (mailstream_cancel_cancelled(cancel))
			return WAIT_CANCELLED;
		pfd[1].fd = mailstream_cancel_get_fd(cancel);
		pfd[1].events = POLLIN;
		n = 2;
	}
	for (;;) {
		left = deadline - util_now_ms();
		if (left <= 0)
			return WAIT_TIMEOUT;
		pfd[0].revents = pfd[1].revents = 0;
		r = poll(pfd, n, left > INT_MAX ? INT_MAX : (int)left);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return WAIT_ERROR;
		}
		if (r == 0)
			return WAIT_TIMEOUT;
		if (n == 2 && pfd[1].revents != 0)
			return WAIT_CANCELLED;
		/* POLLERR/POLLHUP: let the next I/O call report it. */
		if (pfd[0].revents != 0)
			return WAIT_READY;
	}
}

/* The seconds one step on LOW may wait: low->timeout, else C's own. */
static long long
tls_timeout(mailstream_low *low, struct tls_conn *c)
{
	if (low != NULL && low->timeout != 0)
		return low->timeout > 86400 * 365 ? 86400 * 365 :
		    (long long)low->timeout;
	return c->timeout;
}

/* The deadline of one read or write on LOW. */
static long long
tls_deadline(mailstream_low *low, struct tls_conn *c)
{
	return util_now_ms() + tls_timeout(low, c) * 1000;
}

/* Wait for C's socket; records how a failed wait ended. */
static int
tls_conn_wait(struct tls_conn *c, short events, long long deadline)
{
	enum tls_wait w;

	w = tls_wait_fd(c->fd, events, c->cancel, deadline);
	if (w == WAIT_READY)
		return 0;
	c->last = w;
	return -1;
}

static ssize_t
tls_low_read_some(mailstream_low *low, void *buf, size_t count,
    long long deadline)
{
	struct tls_conn *c = low->data;
	ssize_t n;
	int r, e;

	if (count > INT_MAX)
		count = INT_MAX;
	for (;;) {
		if (c->ssl == NULL) {
			n = recv(c->fd, buf, count, 0);
			if (n >= 0)
				return n;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (tls_conn_wait(c, POLLIN, deadline) == -1)
				return -1;
			continue;
		}
		ERR_clear_error();
		r = SSL_read(c->ssl, buf, (int)count);
		if (r > 0)
			return r;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (e == SSL_ERROR_WANT_READ) {
			if (tls_conn_wait(c, POLLIN, deadline) == -1)
				return -1;
		} else if (e == SSL_ERROR_WANT_WRITE) {
			if (tls_conn_wait(c, POLLOUT, deadline) == -1)
				return -1;
		} else if (e == SSL_ERROR_SYSCALL && errno == EINTR)
			continue;
		else
			return -1;
	}
}

/*
 * Read at most COUNT bytes, within the read limit of the answer. The end of
 * the stream is an error here, as it is at every later read: libetpan's
 * line reader turns an end of stream into an empty line, not a failure,
 * so its multi-line POP3 readers (CAPA, LIST, UIDL, RETR) would read
 * empty lines for ever, CAPA storing each of them.
 */
static ssize_t
tls_low_read_raw(mailstream_low *low, void *buf, size_t count)
{
	struct tls_conn *c = low->data;
	size_t limit = c->read_limit != 0 ? c->read_limit : TLS_READ_LIMIT;
	long long now, deadline, cmd_deadline;
	ssize_t n;

	if (c->fd == -1 || c->eof || mailstream_cancel_cancelled(c->cancel))
		return -1;
	c->last = WAIT_READY;
	if (c->read_since >= limit) {
		c->over_limit = limit;
		return -1;
	}
	if (count > limit - c->read_since)
		count = limit - c->read_since;
	/*
	 * The answer to one command may take two timeouts, and a second
	 * more for every TLS_MIN_RATE bytes it brought: a server that
	 * trickles a byte at a time is cut off, a slow link is not.
	 */
	now = util_now_ms();
	if (c->cmd_start == 0)
		c->cmd_start = now;
	cmd_deadline = c->cmd_start + 2000 * tls_timeout(low, c) +
	    (long long)(c->read_since / TLS_MIN_RATE) * 1000;
	if (now >= cmd_deadline) {
		c->too_slow = now - c->cmd_start;
		c->last = WAIT_TIMEOUT;
		return -1;
	}
	deadline = tls_deadline(low, c);
	if (deadline > cmd_deadline)
		deadline = cmd_deadline;
	n = tls_low_read_some(low, buf, count, deadline);
	if (n < 0 && c->last == WAIT_TIMEOUT && util_now_ms() >= cmd_deadline)
		c->too_slow = util_now_ms() - c->cmd_start;
	if (n > 0)
		c->read_since += (size_t)n;
	if (n == 0) {
		c->eof = 1;
		return -1;
	}
	return n;
}

/*
 * Read through the filter when there is one: hand out what it kept, and
 * read on while it keeps nothing of what arrives.
 */
static ssize_t
tls_low_read(mailstream_low *low, void *buf, size_t count)
{
	struct tls_conn *c = low->data;
	size_t avail;
	ssize_t n;

	if (c->filter == NULL)
		return tls_low_read_raw(low, buf, count);
	while (c->fout.len - c->fout_off == 0) {
		strbuf_reset(&c->fout);
		c->fout_off = 0;
		if ((n = tls_low_read_raw(low, buf, count)) <= 0)
			return n;
		c->filter(c->filter_arg, buf, (size_t)n, &c->fout);
	}
	avail = c->fout.len - c->fout_off;
	if (count > avail)
		count = avail;
	memcpy(buf, c->fout.buf + c->fout_off, count);
	c->fout_off += count;
	return (ssize_t)count;
}

static ssize_t
tls_low_write(mailstream_low *low, const void *buf, size_t count)
{
	struct tls_conn *c = low->data;
	long long deadline = tls_deadline(low, c);
	ssize_t n;
	int r, e;

	if (c->fd == -1 || mailstream_cancel_cancelled(c->cancel))
		return -1;
	c->last = WAIT_READY;
	if (count > INT_MAX)
		count = INT_MAX;
	for (;;) {
		if (c->ssl == NULL) {
			n = send(c->fd, buf, count, MSG_NOSIGNAL);
			if (n >= 0) {
				c->read_since = 0;	/* a new command */
				c->cmd_start = util_now_ms();
				return n;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (tls_conn_wait(c, POLLOUT, deadline) == -1)
				return -1;
			continue;
		}
		/* A retry repeats the same buffer and length, as required. */
		ERR_clear_error();
		r = SSL_write(c->ssl, buf, (int)count);
		if (r > 0) {
			c->read_since = 0;	/* a new command */
			c->cmd_start = util_now_ms();
			return r;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_WRITE) {
			if (tls_conn_wait(c, POLLOUT, deadline) == -1)
				return -1;
		} else if (e == SSL_ERROR_WANT_READ) {
			if (tls_conn_wait(c, POLLIN, deadline) == -1)
				return -1;
		} else if (e == SSL_ERROR_SYSCALL && errno == EINTR)
			continue;
		else
			return -1;
	}
}

/* Close the socket (libetpan calls this before free). */
static int
tls_low_close(mailstream_low *low)
{
	struct tls_conn *c = low->data;

	if (c->fd == -1)
		return 0;
	if (c->ssl != NULL && !mailstream_cancel_cancelled(c->cancel)) {
		/* One non-blocking try to say goodbye; errors do not count. */
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	close(c->fd);
	c->fd = -1;
	return 0;
}

static int
tls_low_get_fd(mailstream_low *low)
{
	struct tls_conn *c = low->data;

	return c->fd;
}

static void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->cancel != NULL)
		mailstream_cancel_free(c->cancel);
	strbuf_release(&c->fout);
	free(c);
}

/* Free the driver data and LOW itself, leaving the socket open. */
static void
tls_low_free(mailstream_low *low)
{
	tls_conn_free(low->data);
	free(low);
}

static void
tls_low_cancel(mailstream_low *low)
{
	struct tls_conn *c = low->data;

	mailstream_cancel_notify(c->cancel);
}

static struct mailstream_cancel *
tls_low_get_cancel(mailstream_low *low)
{
	struct tls_conn *c = low->data;

	return c->cancel;
}

/* The peer's chain as a carray of MMAPString (DER); NULL while plain. */
static carray *
tls_low_get_certificate_chain(mailstream_low *low)
{
	struct tls_conn *c = low->data;
	STACK_OF(X509) *chain;
	carray *a;
	MMAPString *s;
	unsigned char *der, *p;
	int i, len;

	if (c->ssl == NULL)
		return NULL;
	chain = SSL_get_peer_cert_chain(c->ssl);
	if (chain == NULL)
		return NULL;
	if ((a = carray_new((unsigned int)sk_X509_num(chain))) == NULL)
		return NULL;
	for (i = 0; i < sk_X509_num(chain); i++) {
		len = i2d_X509(sk_X509_value(chain, i), NULL);
		if (len <= 0)
			continue;
		der = p = xmalloc((size_t)len);
		i2d_X509(sk_X509_value(chain, i), &p);
		s = mmap_string_new_len((char *)der, (size_t)len);
		free(der);
		if (s != NULL && carray_add(a, s, NULL) != 0)
			mmap_string_free(s);
	}
	return a;
}

static struct tls_conn *
tls_conn_new(int fd, const struct tls_options *opt)
{
	struct tls_conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	strbuf_init(&c->fout, 0);
	c->timeout = opt != NULL && opt->timeout_sec > 0 ? opt->timeout_sec :
	    TLS_DEFAULT_TIMEOUT;
	c->cancel = mailstream_cancel_new();
	if (c->cancel == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

/* Nonzero if HOST is an IPv4 or IPv6 literal. */
static int
host_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/* The last OpenSSL error as text, or "unknown error". */
static const char *
tls_ssl_error(char *buf, size_t size)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		return _("unknown error");
	ERR_error_string_n(e, buf, size);
	return buf;
}

/* Why the X509 verify code CODE refused a certificate, in a few words. */
static const char *
tls_verify_reason(long code)
{
	switch (code) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
	case X509_V_ERR_EMAIL_MISMATCH:
		return _("name mismatch");
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return _("untrusted issuer");
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return _("self-signed");
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return _("expired");
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return _("not yet valid");
	case X509_V_ERR_CERT_REVOKED:
		return _("revoked");
	case X509_V_ERR_INVALID_CA:
		return _("issuer is not a CA");
	case X509_V_ERR_INVALID_PURPOSE:
		return _("not meant for a server");
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return _("bad signature");
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
		return _("key too small");
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return _("weak signature algorithm");
	}
	return X509_verify_cert_error_string(code);
}

static char *
tls_refused(const char *host, const char *why)
{
	return xasprintf(_("certificate for \"%s\" refused: %s"), host, why);
}

/* The DER of the peer's leaf certificate digested with SHA-256. */
static int
tls_leaf_sha256(X509 *cert, unsigned char md[32])
{
	unsigned int len = 0;

	if (X509_digest(cert, EVP_sha256(), md, &len) != 1 || len != 32)
		return -1;
	return 0;
}
/*
 * The system's trust store. OpenSSL's default paths parse the whole
 * bundle file (some 140 certificates, 25 ms of every connection's
 * start); a folder of hashed names (c_rehash's, Debian's /etc/ssl/certs)
 * is read one issuer at a time, when the chain asks for it. The same
 * certificates either way; the bundle when there is no such folder or
 * SSL_CERT_FILE names a file. 1, or 0 (OpenSSL's error).
 */
static int
tls_system_trust(SSL_CTX *ctx)
{
	const char *dir, *file;
	struct dirent *de;
	size_t n;
	int hashed = 0;
	DIR *d;

	file = getenv(X509_get_default_cert_file_env());
	dir = getenv(X509_get_default_cert_dir_env());
	if (dir == NULL)
		dir = X509_get_default_cert_dir();
	if (file == NULL && strchr(dir, ':') == NULL &&
	    (d = opendir(dir)) != NULL) {
		/* A name such as 3513523f.0 says the folder is hashed. */
		while (!hashed && (de = readdir(d)) != NULL) {
			n = strlen(de->d_name);
			hashed = n == 10 && de->d_name[8] == '.' &&
			    de->d_name[9] >= '0' && de->d_name[9] <= '9' &&
			    strspn(de->d_name, "0123456789abcdef") == 8;
		}
		closedir(d);
	}
	if (hashed)
		return SSL_CTX_load_verify_locations(ctx, NULL, dir);
	return SSL_CTX_set_default_verify_paths(ctx);
}


/*
 * Run the verified handshake on C's socket for OPT->host, leaving C->ssl set
 * on success. TIMEOUT is the seconds each step may wait.
 */
static enum tls_status
tls_handshake(struct tls_conn *c, const struct tls_options *opt,
    long long timeout, char **err)
{
	const char *host = opt->host;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *cert = NULL;
	X509_VERIFY_PARAM *param;
	unsigned char md[32];
	char ebuf[256];
	long long deadline;
	long vr;
	int is_ip, r, e, i;
	enum tls_status st = TLS_ERR_PROTOCOL;
	struct strbuf sb = STRBUF_INIT;

	if (host == NULL || *host == '\0') {
		*err = xstrdup(_("no host name to verify the certificate "
		    "against"));
		return TLS_ERR_VERIFY;
	}
	is_ip = host_is_ip(host);

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto ssl_fail;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto ssl_fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (tls_system_trust(ctx) != 1)
		goto ssl_fail;
	if (opt->ca_file != NULL &&
	    SSL_CTX_load_verify_locations(ctx, opt->ca_file, NULL) != 1) {
		*err = xasprintf(_("cannot load CA file \"%s\": %s"),
		    opt->ca_file, tls_ssl_error(ebuf, sizeof ebuf));
		st = TLS_ERR_VERIFY;
		goto out;
	}
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, c->fd) != 1)
		goto ssl_fail;
	param = SSL_get0_param(ssl);
	if (is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1)
			goto ssl_fail;
	} else {
		if (SSL_set_tlsext_host_name(ssl, host) != 1)
			goto ssl_fail;
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(ssl, host) != 1)
			goto ssl_fail;
	}

	deadline = util_now_ms() + timeout * 1000;
	for (;;) {
		ERR_clear_error();
		r = SSL_connect(ssl);
		if (r == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (tls_conn_wait(c, e == SSL_ERROR_WANT_READ ?
			    POLLIN : POLLOUT, deadline) == 0)
				continue;
			if (c->last == WAIT_CANCELLED) {
				*err = xasprintf(_("TLS handshake with \"%s\" "
				    "cancelled"), host);
				st = TLS_ERR_CANCELLED;
			} else if (c->last == WAIT_TIMEOUT) {
				*err = xasprintf(_("TLS handshake with \"%s\" "
				    "timed out"), host);
				st = TLS_ERR_NET;
			} else {
				*err = xasprintf(_("TLS handshake with \"%s\" "
				    "failed: %s"), host, strerror(errno));
				st = TLS_ERR_NET;
			}
			goto out;
		}
		if (e == SSL_ERROR_SYSCALL && errno == EINTR)
			continue;
		vr = SSL_get_verify_result(ssl);
		if (vr != X509_V_OK) {
			*err = tls_refused(host, tls_verify_reason(vr));
			st = TLS_ERR_VERIFY;
		} else if (e == SSL_ERROR_SYSCALL &&
		    ERR_peek_last_error() == 0) {
			*err = xasprintf(_("TLS handshake with \"%s\" failed: "
			    "%s"), host, r == 0 || errno == 0 ?
			    _("connection closed") : strerror(errno));
			st = TLS_ERR_NET;
		} else {
			*err = xasprintf(_("TLS handshake with \"%s\" failed: "
			    "%s"), host, tls_ssl_error(ebuf, sizeof ebuf));
			st = TLS_ERR_PROTOCOL;
		}
		goto out;
	}

	/* A second check that does not rely on the callbacks above. */
	st = TLS_ERR_VERIFY;
	vr = SSL_get_verify_result(ssl);
	if (vr != X509_V_OK) {
		*err = tls_refused(host, tls_verify_reason(vr));
		goto out;
	}
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	cert = SSL_get1_peer_certificate(ssl);
#else
	cert = SSL_get_peer_certificate(ssl);
#endif
	if (cert == NULL) {
		*err = tls_refused(host, _("no certificate"));
		goto out;
	}
	if (is_ip)
		r = X509_check_ip_asc(cert, host, 0);
	else
		r = X509_check_host(cert, host, 0,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
	if (r != 1) {
		*err = tls_refused(host, _("name mismatch"));
		goto out;
	}
	if (opt->pin != NULL) {
		if (tls_leaf_sha256(cert, md) == -1) {
			*err = tls_refused(host, _("cannot digest it"));
			goto out;
		}
		if (CRYPTO_memcmp(md, opt->pin, sizeof md) != 0) {
			strbuf_addstr(&sb, "sha256:");
			for (i = 0; i < 32; i++)
				strbuf_addf(&sb, i == 0 ? "%02X" : ":%02X",
				    md[i]);
			*err = xasprintf(_("certificate for \"%s\" refused: "
			    "pin mismatch (got %s)"), host, sb.buf);
			goto out;
		}
	}

	c->ctx = ctx;
	c->ssl = ssl;
	ctx = NULL;
	ssl = NULL;
	st = TLS_OK;
	goto out;

ssl_fail:
	*err = xasprintf(_("cannot set up TLS: %s"),
	    tls_ssl_error(ebuf, sizeof ebuf));
	st = TLS_ERR_PROTOCOL;
out:
	strbuf_release(&sb);
	X509_free(cert);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return st;
}

/*
 * Connect a non-blocking TCP socket to HOST:PORT, trying each address in
 * turn, each within TIMEOUT seconds. Returns the socket, or -1 with *ERR.
 */
static int
tls_tcp_connect(const char *host, int port, int timeout, char **err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[16];
	int fd = -1, r, soerr, last = 0, timed_out = 0;
	socklen_t len;
	long long deadline;
	enum tls_wait w;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%d", port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r != 0) {
		*err = xasprintf(_("cannot resolve \"%s\": %s"), host,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			last = errno;
			continue;
		}
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
			goto next;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS && errno != EINTR)
			goto next;
		deadline = util_now_ms() + (long long)timeout * 1000;
		w = tls_wait_fd(fd, POLLOUT, NULL, deadline);
		if (w == WAIT_TIMEOUT) {
			timed_out = 1;
			close(fd);
			fd = -1;
			continue;
		}
		if (w != WAIT_READY)
			goto next;
		len = sizeof soerr;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			goto next;
		if (soerr == 0)
			break;
		errno = soerr;
next:
		last = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1) {
		/*
		 * Commands are whole when written: Nagle's wait for the ACK
		 * of a previous small segment (SMTP's final dot after the
		 * data, a command after IMAP's DONE) would cost a delayed
		 * ACK, 40 ms, each time.
		 */
		r = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &r, sizeof r);
		return fd;
	}
	if (last != 0)
		*err = xasprintf(_("cannot connect to \"%s\" port %d: %s"),
		    host, port, strerror(last));
	else if (timed_out)
		*err = xasprintf(_("connecting to \"%s\" port %d timed out"),
		    host, port);
	else
		*err = xasprintf(_("cannot connect to \"%s\" port %d"), host,
		    port);
	return -1;
}

enum tls_status
tls_connect(const char *host, int port, const struct tls_options *opt,
    int use_tls, struct _mailstream **stream_r, char **err)
{
	struct tls_options dflt;
	struct tls_conn *c;
	mailstream_low *low;
	mailstream *s;
	enum tls_status st;
	int fd;

	/* Verify the host connected to unless told another name. */
	memset(&dflt, 0, sizeof dflt);
	if (opt != NULL)
		dflt = *opt;
	if (dflt.host == NULL)
		dflt.host = host;
	opt = &dflt;
	if ((fd = tls_tcp_connect(host, port, opt->timeout_sec > 0 ?
	    opt->timeout_sec : TLS_DEFAULT_TIMEOUT, err)) == -1)
		return TLS_ERR_NET;
	if ((c = tls_conn_new(fd, opt)) == NULL) {
		close(fd);
		*err = xstrdup(_("cannot create a cancel pipe"));
		return TLS_ERR_NET;
	}
	if (use_tls) {
		st = tls_handshake(c, opt, c->timeout, err);
		if (st != TLS_OK) {
			tls_conn_free(c);
			close(fd);
			return st;
		}
	}
	if ((low = mailstream_low_new(c, &tls_driver)) == NULL)
		goto nomem;
	if ((s = mailstream_new(low, TLS_STREAM_BUFFER)) == NULL) {
		free(low);
		goto nomem;
	}
	*stream_r = s;
	return TLS_OK;

nomem:
	tls_conn_free(c);
	close(fd);
	*err = xstrdup(_("out of memory"));
	return TLS_ERR_NET;
}

enum tls_status
tls_starttls(struct _mailstream *stream, const struct tls_options *opt,
    char **err)
{
	mailstream_low *old = mailstream_get_low(stream), *low;
	struct tls_conn *c;
	enum tls_status st;

	if (opt == NULL || opt->host == NULL) {
		*err = xstrdup(_("no host name to verify the certificate "
		    "against"));
		return TLS_ERR_VERIFY;
	}
	if (stream->read_buffer_len != 0) {
		*err = xasprintf(_("refusing STARTTLS: %zu bytes arrived "
		    "before the handshake"), stream->read_buffer_len);
		return TLS_ERR_PROTOCOL;
	}
	if (stream->write_buffer_len != 0) {
		*err = xasprintf(_("refusing STARTTLS: %zu bytes wait to be "
		    "sent"), stream->write_buffer_len);
		return TLS_ERR_PROTOCOL;
	}

	if (old->driver == &tls_driver) {
		/* Our own plain low: upgrade it in place. */
		c = old->data;
		if (c->ssl != NULL) {
			*err = xstrdup(_("refusing STARTTLS: the connection "
			    "already runs over TLS"));
			return TLS_ERR_PROTOCOL;
		}
		if (c->fd == -1) {
			*err = xstrdup(_("refusing STARTTLS: the connection "
			    "is closed"));
			return TLS_ERR_NET;
		}
		if (opt != NULL && opt->timeout_sec > 0)
			c->timeout = opt->timeout_sec;
		return tls_handshake(c, opt, tls_timeout(old, c), err);
	}

	/* Another driver (libetpan's socket): hand its fd to a new low. */
	if ((c = tls_conn_new(mailstream_low_get_fd(old), opt)) == NULL) {
		*err = xstrdup(_("cannot create a cancel pipe"));
		return TLS_ERR_NET;
	}
	st = tls_handshake(c, opt, tls_timeout(old, c), err);
	if (st != TLS_OK) {
		tls_conn_free(c);
		return st;
	}
	if ((low = mailstream_low_new(c, &tls_driver)) == NULL) {
		tls_conn_free(c);
		*err = xstrdup(_("out of memory"));
		return TLS_ERR_NET;
	}
	low->timeout = old->timeout;
	mailstream_low_free(old);
	mailstream_set_low(stream, low);
	return TLS_OK;
}

/* Our driver data under STREAM, or NULL if another driver runs it. */
static struct tls_conn *
tls_stream_conn(struct _mailstream *stream)
{
	mailstream_low *low;

	if (stream == NULL || (low = mailstream_get_low(stream)) == NULL ||
	    low->driver != &tls_driver)
		return NULL;
	return low->data;
}

void
tls_set_read_limit(struct _mailstream *stream, size_t limit)
{
	struct tls_conn *c = tls_stream_conn(stream);

	if (c != NULL)
		c->read_limit = limit;
}

size_t
tls_over_limit(struct _mailstream *stream)
{
	struct tls_conn *c = tls_stream_conn(stream);

	return c != NULL ? c->over_limit : 0;
}

int
tls_timed_out(struct _mailstream *stream)
{
	mailstream_low *low;
	struct tls_conn *c = tls_stream_conn(stream);

	if (c == NULL || c->last != WAIT_TIMEOUT)
		return 0;
	low = mailstream_get_low(stream);
	return (int)tls_timeout(low, c);
}

int
tls_too_slow(struct _mailstream *stream)
{
	struct tls_conn *c = tls_stream_conn(stream);

	if (c == NULL || c->too_slow == 0)
		return 0;
	return (int)((c->too_slow + 999) / 1000);
}

void
tls_forget_sent(struct _mailstream *stream)
{
	if (stream == NULL || stream->write_buffer == NULL)
		return;
	OPENSSL_cleanse(stream->write_buffer + stream->write_buffer_len,
	    stream->buffer_max_size - stream->write_buffer_len);
}

void
tls_cancel(struct _mailstream *stream)
{
	if (stream != NULL)
		mailstream_cancel(stream);
}

int
tls_is_secure(struct _mailstream *stream)
{
	mailstream_low *low;
	struct tls_conn *c;

	if (stream == NULL || (low = mailstream_get_low(stream)) == NULL)
		return 0;
	if (low->driver != &tls_driver)
		return 0;
	c = low->data;
	return c->ssl != NULL;
}

int
tls_pending(struct _mailstream *stream)
{
	mailstream_low *low;
	struct tls_conn *c;

	if (stream == NULL)
		return 0;
	if (stream->read_buffer_len != 0)
		return 1;
	low = mailstream_get_low(stream);
	if (low == NULL || low->driver != &tls_driver)
		return 0;
	c = low->data;
	if (c->fout.len > c->fout_off)
		return 1;
	return c->ssl != NULL && SSL_pending(c->ssl) > 0;
}

void
tls_set_filter(struct _mailstream *stream, tls_filter_fn *fn, void *arg)
{
	struct tls_conn *c = tls_stream_conn(stream);

	if (c != NULL) {
		c->filter = fn;
		c->filter_arg = arg;
	}
}
