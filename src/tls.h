/*
 * The connection under libetpan: a TCP socket, optionally wrapped in TLS
 * done by OpenSSL, exposed to libetpan as a mailstream through our own
 * mailstream_low driver. The chain is verified against the system store
 * plus an optional CA file, the host name (or IP literal) is checked, an
 * optional SHA-256 pin is enforced, and TLS 1.2 is the minimum. Reads and
 * writes honour a timeout and can be cancelled from another thread.
 * This file pair is the only OpenSSL user in tern.
 */
#ifndef TERN_TLS_H
#define TERN_TLS_H

#include <stddef.h>

struct _mailstream;

/* What a failed connection or handshake was. */
enum tls_status {
	TLS_OK = 0,
	TLS_ERR_NET,		/* resolve/connect/IO error or timeout */
	TLS_ERR_VERIFY,		/* the certificate was refused */
	TLS_ERR_PROTOCOL,	/* handshake failed, bytes injected, ... */
	TLS_ERR_CANCELLED,
};

struct tls_options {
	const char *host;	/* host name or IP literal to verify */
	const char *ca_file;	/* extra trust anchor; NULL: none */
	const unsigned char *pin;	/* 32-byte SHA-256 of the leaf DER */
	int timeout_sec;	/* per read/write; 0: 60 s */
};

/* Ignore SIGPIPE and initialise OpenSSL; call once before any thread. */
void tls_global_init(void);

/*
 * Connect to HOST:PORT (every address getaddrinfo returns, in turn) and
 * return a libetpan stream in *STREAM_R: TLS after a verified handshake if
 * USE_TLS, plain text otherwise. On failure returns the kind and sets *ERR
 * to one line naming what failed (for a refused certificate: untrusted
 * issuer, name mismatch, expired, not yet valid, pin mismatch).
 */
enum tls_status tls_connect(const char *host, int port,
    const struct tls_options *opt, int use_tls,
    struct _mailstream **stream_r, char **err);

/*
 * Upgrade an open plain stream after the server accepted STARTTLS/STLS:
 * refuses (TLS_ERR_PROTOCOL) if any byte is already buffered, else does the
 * verified handshake on the same socket and swaps the low driver.
 */
enum tls_status tls_starttls(struct _mailstream *stream,
    const struct tls_options *opt, char **err);

/*
 * What the server may send in answer to one command: once this many bytes
 * were read since the last write, reads fail, so that a literal claiming
 * 4 GB or a line that never ends cannot fill the memory. A command known
 * to bring more (a body fetch) raises the limit with tls_set_read_limit().
 */
#define TLS_READ_LIMIT ((size_t)64 * 1024 * 1024)

/* Set the read limit of STREAM to LIMIT bytes an answer (0: TLS_READ_LIMIT). */
void tls_set_read_limit(struct _mailstream *stream, size_t limit);

/* The limit a read of STREAM ran into and failed on, or 0 if none did. */
size_t tls_over_limit(struct _mailstream *stream);

/*
 * The seconds of the timeout the last read or write of STREAM ran out of,
 * or 0 if it did not fail on a timeout.
 */
int tls_timed_out(struct _mailstream *stream);

/*
 * The seconds an answer had taken when it was cut for coming too slowly
 * (two timeouts, plus one second per kilobyte it brought), or 0.
 */
int tls_too_slow(struct _mailstream *stream);

/*
 * Clear STREAM's write buffer, which keeps the last commands sent (a
 * password among them) after they went out.
 */
void tls_forget_sent(struct _mailstream *stream);

/* Cancel a blocked read or write on STREAM; safe from any thread. */
void tls_cancel(struct _mailstream *stream);

/* Nonzero if STREAM runs over TLS. */
int tls_is_secure(struct _mailstream *stream);

/*
 * Nonzero if bytes of STREAM already wait to be read, in libetpan's buffer
 * or decrypted inside TLS, where a poll() on the socket would not see them
 * (check before waiting in IDLE).
 */
int tls_pending(struct _mailstream *stream);

struct strbuf;

/*
 * A filter over what a stream reads: given the N bytes IN that arrived, it
 * appends to OUT what the reader is to see (less, more or the same).
 */
typedef void tls_filter_fn(void *arg, const char *in, size_t n,
    struct strbuf *out);

/*
 * Read STREAM through FN (NULL: no filter) from now on; ARG must live as
 * long as the stream does.
 */
void tls_set_filter(struct _mailstream *stream, tls_filter_fn *fn, void *arg);

#endif
