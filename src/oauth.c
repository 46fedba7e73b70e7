/*
 * OAuth 2.0 tokens (see oauth.h): the refresh grant of RFC 6749 and the
 * device authorization grant of RFC 8628, over libcurl, with the answers
 * parsed by jansson. Nothing else in tern uses either library.
 *
 * Secrets pass through three kinds of memory here, all cleared: tern's
 * own (struct oauth_buf for the form bodies and the answers, copies freed
 * with xfree_secret()), jansson's (oauth_global_init() gives it an
 * allocator that clears on free) and the strings read from commands
 * (password_from_key_cmd()). What libcurl and the TLS library keep of a
 * connection inside themselves is beyond reach.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config.h"
#include "i18n.h"
#include "log.h"
#include "oauth.h"
#include "password.h"
#include "strbuf.h"
#include "text.h"
#include "xmalloc.h"

/* The timeout when the account gives none (config.c sets 60 too). */
#define OAUTH_TIMEOUT_DEFAULT	60
/* The longest error_description shown, in bytes. */
#define OAUTH_DESCRIPTION_MAX	300
/* A lifetime or interval beyond this (ten years) is taken as this. */
#define OAUTH_SECONDS_MAX	(10L * 365 * 24 * 3600)
/* RFC 8628 section 3.2: the interval when the answer gives none. */
#define OAUTH_INTERVAL_DEFAULT	5
/* The longest wait between polls that tern accepts from an endpoint. */
#define OAUTH_INTERVAL_MAX	120
/* How long a device code lives when the answer does not say (RFC: 15 min). */
#define OAUTH_DEVICE_LIFETIME	900
#define OAUTH_DEVICE_GRANT	"urn:ietf:params:oauth:grant-type:device_code"

/* One HTTP exchange. */
struct oauth_http {
	struct oauth_buf answer;
	int too_big;		/* the answer passed OAUTH_ANSWER_MAX */
	const volatile sig_atomic_t *stop;
};

static void *oauth_json_malloc(size_t);
static void oauth_json_free(void *);
static void oauth_form_escape(struct oauth_buf *, const char *);
static char *oauth_safe_line(const char *);
static int oauth_vschar(const char *);
static char *oauth_json_str(json_t *, const char *);
static long oauth_json_seconds(json_t *, const char *);
static json_t *oauth_json_object(const char *, size_t, char **);
static size_t oauth_write(char *, size_t, size_t, void *);
static int oauth_progress(void *, curl_off_t, curl_off_t, curl_off_t,
    curl_off_t);
static int oauth_set_ca(CURL *, const char *, char **);
static char *oauth_curl_cause(CURLcode, const char *, int, int);
static int oauth_post(const struct account_config *, const char *,
    const struct oauth_buf *, const volatile sig_atomic_t *,
    struct oauth_buf *, long *, char **);
static char *oauth_error_text(const char *, const char *);
static int oauth_store(const struct account_config *, const char *, char **);
static int oauth_exchange(const struct account_config *, int,
    const struct oauth_buf *, const volatile sig_atomic_t *,
    struct oauth_token *, struct oauth_device *, char **);
static int oauth_secret(const struct account_config *, char **, char **);
static void oauth_form_client(struct oauth_buf *,
    const struct account_config *, const char *);
static int oauth_wait(long, const volatile sig_atomic_t *);
static long oauth_now(void);

/*
 * jansson's memory, with its size in front so that it can be cleared when
 * freed: the parsed strings and the lexer's buffers hold tokens.
 */
union oauth_json_head {
	size_t size;
	max_align_t align;
};

static void *
oauth_json_malloc(size_t size)
{
	union oauth_json_head *h;

	if (size > SIZE_MAX - sizeof *h)
		return NULL;
	h = xmalloc(sizeof *h + size);
	h->size = size;
	return h + 1;
}

static void
oauth_json_free(void *p)
{
	union oauth_json_head *h;

	if (p == NULL)
		return;
	h = (union oauth_json_head *)p - 1;
	xzero(h, sizeof *h + h->size);
	free(h);
}

void
oauth_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	json_set_alloc_funcs(oauth_json_malloc, oauth_json_free);
}

/* --- buffers and forms ---------------------------------------------- */

void
oauth_buf_add(struct oauth_buf *b, const void *data, size_t len)
{
	char *bigger;
	size_t alloc;

	if (b->buf == NULL || len >= b->alloc - b->len) {
		alloc = b->alloc > 0 ? b->alloc : 256;
		while (len >= alloc - b->len) {
			if (alloc > SIZE_MAX / 2)
				abort();
			alloc *= 2;
		}
		/* A new block and the old one cleared: never realloc(). */
		bigger = xmalloc(alloc);
		if (b->buf != NULL) {
			memcpy(bigger, b->buf, b->len);
			xzero(b->buf, b->alloc);
			free(b->buf);
		}
		b->buf = bigger;
		b->alloc = alloc;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void
oauth_buf_release(struct oauth_buf *b)
{
	if (b->buf != NULL) {
		xzero(b->buf, b->alloc);
		free(b->buf);
	}
	b->buf = NULL;
	b->len = b->alloc = 0;
}

/* Append S percent-encoded: all but RFC 3986's unreserved characters. */
static void
oauth_form_escape(struct oauth_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char esc[3];

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			oauth_buf_add(b, p, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 0xf];
		oauth_buf_add(b, esc, 3);
	}
	xzero(esc, sizeof esc);
}

void
oauth_form_add(struct oauth_buf *b, const char *name, const char *value)
{
	if (b->len > 0)
		oauth_buf_add(b, "&", 1);
	oauth_form_escape(b, name);
	oauth_buf_add(b, "=", 1);
	oauth_form_escape(b, value);
}

/* --- answers -------------------------------------------------------- */

/*
 * The first line of S, at most OAUTH_DESCRIPTION_MAX bytes of it, made safe
 * for a terminal: an endpoint's words go into messages. NULL stays NULL.
 */
static char *
oauth_safe_line(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;

	if (s == NULL)
		return NULL;
	len = strcspn(s, "\r\n");
	if (len > OAUTH_DESCRIPTION_MAX) {
		len = OAUTH_DESCRIPTION_MAX;
		/* Not in the middle of a UTF-8 sequence. */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	text_sanitize(&sb, s, len, 0);
	if (len < strcspn(s, "\r\n"))
		strbuf_addstr(&sb, "...");
	return strbuf_detach(&sb, NULL);
}

/* Whether S is a token of RFC 6749 (appendix A): 1*VSCHAR, %x20-7E. */
static int
oauth_vschar(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return 1;
}

/*
 * A copy of the string member KEY of OBJ; NULL if absent, not a string or
 * holding a NUL. The copy may be a secret: xfree_secret() it.
 */
static char *
oauth_json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return NULL;
	return xstrdup(s);
}

/*
 * The member KEY of OBJ as seconds: a number, or a string of digits (as
 * some endpoints send expires_in). 0 if absent, negative or not a number;
 * at most OAUTH_SECONDS_MAX.
 */
static long
oauth_json_seconds(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	double d;
	long n = 0;

	if (json_is_integer(v)) {
		if (json_integer_value(v) > OAUTH_SECONDS_MAX)
			return OAUTH_SECONDS_MAX;
		n = (long)json_integer_value(v);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		if (d > (double)OAUTH_SECONDS_MAX)
			return OAUTH_SECONDS_MAX;
		if (d >= 1)
			n = (long)d;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
			return 0;
		if (strlen(s) > 9)
			return OAUTH_SECONDS_MAX;
		n = strtol(s, NULL, 10);
	}
	if (n < 0)
		return 0;
	return n > OAUTH_SECONDS_MAX ? OAUTH_SECONDS_MAX : n;
}

/* The JSON object in the LEN bytes at BUF; NULL with *ERR if it is not. */
static json_t *
oauth_json_object(const char *buf, size_t len, char **err)
{
	json_error_t jerr;
	json_t *root;

	/*
	 * jansson's message quotes the text near the fault, which may be a
	 * token: it is not shown.
	 */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	xzero(&jerr, sizeof jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		*err = xstrdup(_("the answer is not a JSON object"));
		return NULL;
	}
	return root;
}

int
oauth_token_parse(const char *buf, size_t len, struct oauth_token *tok,
    char **err)
{
	json_t *root;
	char *s = NULL, *type = NULL;
	int rc = -1;

	memset(tok, 0, sizeof *tok);
	if ((root = oauth_json_object(buf, len, err)) == NULL)
		return -1;
	if ((s = oauth_json_str(root, "error")) != NULL) {
		tok->error = oauth_safe_line(s);
		free(s);
		s = oauth_json_str(root, "error_description");
		tok->error_description = oauth_safe_line(s);
		free(s);
		rc = 0;
		goto out;
	}
	if ((tok->access_token = oauth_json_str(root, "access_token")) ==
	    NULL) {
		*err = xstrdup(_("the answer has neither an access_token nor "
		    "an error"));
		goto out;
	}
	if (!oauth_vschar(tok->access_token)) {
		*err = xstrdup(_("the access_token holds characters a token "
		    "cannot have"));
		goto out;
	}
	/* RFC 6750: the only type of token that IMAP, POP3 and SMTP take. */
	type = oauth_json_str(root, "token_type");
	if (type != NULL && strcasecmp(type, "bearer") != 0) {
		s = oauth_safe_line(type);
		*err = xasprintf(_("the token is of type \"%s\", not Bearer"),
		    s);
		free(s);
		goto out;
	}
	tok->refresh_token = oauth_json_str(root, "refresh_token");
	if (tok->refresh_token != NULL && !oauth_vschar(tok->refresh_token)) {
		*err = xstrdup(_("the refresh_token holds characters a token "
		    "cannot have"));
		goto out;
	}
	tok->expires_in = oauth_json_seconds(root, "expires_in");
	rc = 0;
out:
	free(type);
	json_decref(root);
	return rc;
}

void
oauth_token_release(struct oauth_token *tok)
{
	xfree_secret(tok->access_token);
	xfree_secret(tok->refresh_token);
	free(tok->error);
	free(tok->error_description);
	memset(tok, 0, sizeof *tok);
}

int
oauth_device_parse(const char *buf, size_t len, struct oauth_device *dev,
    char **err)
{
	json_t *root;
	char *s;
	int rc = -1;

	memset(dev, 0, sizeof *dev);
	if ((root = oauth_json_object(buf, len, err)) == NULL)
		return -1;
	if ((s = oauth_json_str(root, "error")) != NULL) {
		dev->error = oauth_safe_line(s);
		free(s);
		s = oauth_json_str(root, "error_description");
		dev->error_description = oauth_safe_line(s);
		free(s);
		rc = 0;
		goto out;
	}
	dev->device_code = oauth_json_str(root, "device_code");
	s = oauth_json_str(root, "user_code");
	dev->user_code = oauth_safe_line(s);
	free(s);
	/* Google answers with "verification_url", RFC 8628 with "_uri". */
	if ((s = oauth_json_str(root, "verification_uri")) == NULL)
		s = oauth_json_str(root, "verification_url");
	dev->verification_uri = oauth_safe_line(s);
	free(s);
	s = oauth_json_str(root, "verification_uri_complete");
	dev->verification_uri_complete = oauth_safe_line(s);
	free(s);
	if (dev->device_code == NULL || dev->user_code == NULL ||
	    dev->verification_uri == NULL || *dev->user_code == '\0' ||
	    *dev->verification_uri == '\0') {
		*err = xstrdup(_("the answer lacks a device_code, user_code "
		    "or verification_uri"));
		goto out;
	}
	if (!oauth_vschar(dev->device_code)) {
		*err = xstrdup(_("the device_code holds characters a code "
		    "cannot have"));
		goto out;
	}
	dev->expires_in = oauth_json_seconds(root, "expires_in");
	dev->interval = oauth_json_seconds(root, "interval");
	if (dev->interval == 0)
		dev->interval = OAUTH_INTERVAL_DEFAULT;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

void
oauth_device_release(struct oauth_device *dev)
{
	xfree_secret(dev->device_code);
	free(dev->user_code);
	free(dev->verification_uri);
	free(dev->verification_uri_complete);
	free(dev->error);
	free(dev->error_description);
	memset(dev, 0, sizeof *dev);
}

/* "ERROR (DESCRIPTION)", or ERROR alone. */
static char *
oauth_error_text(const char *error, const char *description)
{
	if (description != NULL && *description != '\0')
		return xasprintf("%s (%s)", error, description);
	return xstrdup(error);
}

/* --- HTTPS ---------------------------------------------------------- */

/* libcurl's write callback: the answer, up to OAUTH_ANSWER_MAX bytes. */
static size_t
oauth_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct oauth_http *h = arg;
	size_t len = size * nmemb;

	if (len > OAUTH_ANSWER_MAX - h->answer.len) {
		h->too_big = 1;
		return 0;
	}
	oauth_buf_add(&h->answer, data, len);
	return len;
}

/* libcurl's progress callback, about once a second: stop when asked. */
static int
oauth_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct oauth_http *h = arg;

	return h->stop != NULL && *h->stop != 0;
}

/*
 * Trust CA_FILE beside libcurl's own store. CURLOPT_CAINFO replaces the
 * default bundle file when libcurl has one, so then the two go in as one
 * blob; when its store is a directory (CAPATH: Debian's libcurl, which has
 * no bundle), the file is added to it, as libcurl loads both. 0, or -1 with
 * *CAUSE.
 */
static int
oauth_set_ca(CURL *c, const char *ca_file, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct curl_blob blob;
	const char *files[2];
	char *bundle = NULL, buf[4096];
	size_t n;
	FILE *f;
	int i, rc = -1;

	if (ca_file == NULL)
		return 0;
	if (curl_easy_getinfo(c, CURLINFO_CAINFO, &bundle) != CURLE_OK ||
	    bundle == NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
		return 0;
	}
	files[0] = bundle;
	files[1] = ca_file;
	for (i = 0; i < 2; i++) {
		if ((f = fopen(files[i], "r")) == NULL) {
			*cause = xasprintf(_("cannot read \"%s\": %s"),
			    files[i], strerror(errno));
			goto out;
		}
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			strbuf_add(&sb, buf, n);
		fclose(f);
		strbuf_addch(&sb, '\n');
	}
	blob.data = sb.buf;
	blob.len = sb.len;
	blob.flags = CURL_BLOB_COPY;
	if (curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK) {
		*cause = xstrdup(_("this libcurl cannot add tls_ca_file to "
		    "its certificate bundle"));
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&sb);
	return rc;
}

/*
 * What went wrong in a transfer that ended with CODE; DETAIL is libcurl's
 * error buffer (English, naming the cause), TIMEOUT the seconds allowed.
 */
static char *
oauth_curl_cause(CURLcode code, const char *detail, int timeout,
    int too_big)
{
	if (*detail == '\0')
		detail = curl_easy_strerror(code);
	if (too_big || code == CURLE_FILESIZE_EXCEEDED)
		return xasprintf(_("the answer is larger than %d kB"),
		    OAUTH_ANSWER_MAX / 1024);
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return xasprintf(ngettext("no answer within %d second",
		    "no answer within %d seconds", timeout), timeout);
	case CURLE_SSL_CACERT_BADFILE:
		return xasprintf(_("cannot load tls_ca_file (%s)"), detail);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return xasprintf(_("its certificate is not accepted (%s)"),
		    detail);
	case CURLE_SSL_CONNECT_ERROR:
		return xasprintf(_("the TLS handshake failed (%s)"), detail);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return xasprintf(_("cannot resolve the host name (%s)"),
		    detail);
	case CURLE_COULDNT_CONNECT:
		return xasprintf(_("cannot connect (%s)"), detail);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return xstrdup(_("not an https:// URL"));
	case CURLE_ABORTED_BY_CALLBACK:
		return xstrdup(_("interrupted"));
	default:
		return xasprintf(_("the request failed (%s)"), detail);
	}
}

/*
 * POST the form FORM to URL, over HTTPS as the header says. 0 with the
 * answer in *ANSWER (oauth_buf_release() it) and the HTTP status in
 * *STATUS_R, whatever the status; -1 with *CAUSE (no answer; a redirect is
 * an answer, which the caller refuses by its status).
 */
static int
oauth_post(const struct account_config *cfg, const char *url,
    const struct oauth_buf *form, const volatile sig_atomic_t *stop,
    struct oauth_buf *answer, long *status_r, char **cause)
{
	struct oauth_http h;
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE];
	CURL *c;
	CURLcode code;
	long timeout = cfg->timeout > 0 ? cfg->timeout : OAUTH_TIMEOUT_DEFAULT;
	int rc = -1;

	memset(&h, 0, sizeof h);
	h.stop = stop;
	*status_r = 0;
	errbuf[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		return -1;
	}
	if (oauth_set_ca(c, cfg->tls_ca_file, cause) != 0)
		goto out;
	headers = curl_slist_append(headers, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* HTTPS alone, certificate and host name checked, no redirect. */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* Threads: no SIGALRM for the resolver's timeout. */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)OAUTH_ANSWER_MAX);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	/* Not copied: the body stays in FORM, which the caller clears. */
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->buf);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, oauth_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, oauth_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	code = curl_easy_perform(c);
	if (code != CURLE_OK) {
		log_msg(LOG_WARN, "oauth2: POST %s: %s", url,
		    curl_easy_strerror(code));
		*cause = oauth_curl_cause(code, errbuf, (int)timeout,
		    h.too_big);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status_r);
	log_msg(LOG_INFO, "oauth2: POST %s: HTTP %ld, %zu bytes", url,
	    *status_r, h.answer.len);
	*answer = h.answer;
	memset(&h.answer, 0, sizeof h.answer);
	rc = 0;
out:
	oauth_buf_release(&h.answer);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return rc;
}

/* --- commands ------------------------------------------------------- */

/*
 * Give TOKEN to the standard input of oauth2_store_cmd (its output goes
 * to /dev/null: in the reader it would land on the screen). 0, or -1
 * with *ERR.
 */
static int
oauth_store(const struct account_config *cfg, const char *token, char **err)
{
	const char *p = token;
	size_t left = strlen(token);
	ssize_t n;
	pid_t pid;
	int fds[2], status, fd, werr = 0;

	if (pipe(fds) != 0) {
		*err = xasprintf(_("cannot run %s: %s"), "oauth2_store_cmd",
		    strerror(errno));
		return -1;
	}
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) < 0) {
		*err = xasprintf(_("cannot run %s: %s"), "oauth2_store_cmd",
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		if ((fd = open("/dev/null", O_WRONLY)) >= 0 &&
		    fd != STDOUT_FILENO) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
		if (fds[0] != STDIN_FILENO)
			close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cfg->oauth2_store_cmd,
		    (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	/* SIGPIPE is ignored (tls_global_init()): a closed pipe is EPIPE. */
	while (left > 0) {
		if ((n = write(fds[1], p, left)) < 0) {
			if (errno == EINTR)
				continue;
			werr = errno;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*err = xasprintf(_("%s failed (exit status %d)"),
		    "oauth2_store_cmd",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	if (werr != 0) {
		*err = xasprintf(_("oauth2_store_cmd did not read the token: "
		    "%s"), strerror(werr));
		return -1;
	}
	return 0;
}

/*
 * The client secret of CFG in *SECRET_R (xfree_secret() it; NULL for a
 * public client, which has no oauth2_client_secret_cmd). 0, or -1 with
 * *ERR.
 */
static int
oauth_secret(const struct account_config *cfg, char **secret_r, char **err)
{
	*secret_r = NULL;
	if (cfg->oauth2_client_secret_cmd == NULL)
		return 0;
	*secret_r = password_from_key_cmd("oauth2_client_secret_cmd",
	    cfg->oauth2_client_secret_cmd, err);
	return *secret_r != NULL ? 0 : -1;
}

/* Append the client's part of a token request: client_id, SECRET. */
static void
oauth_form_client(struct oauth_buf *form, const struct account_config *cfg,
    const char *secret)
{
	oauth_form_add(form, "client_id", cfg->oauth2_client_id);
	if (secret != NULL)
		oauth_form_add(form, "client_secret", secret);
}

/*
 * POST FORM to the token endpoint of CFG, or with DEVICE to its device
 * authorization endpoint, and parse the answer into *TOK, or *DEV (which
 * are released first). 0: a token or codes, or an error answer (error
 * set, whatever the HTTP status); -1 with *ERR naming the endpoint and
 * the cause. Release *TOK or *DEV in both cases.
 */
static int
oauth_exchange(const struct account_config *cfg, int device,
    const struct oauth_buf *form, const volatile sig_atomic_t *stop,
    struct oauth_token *tok, struct oauth_device *dev, char **err)
{
	struct oauth_buf answer = OAUTH_BUF_INIT;
	const char *url, *error;
	char *where, *why = NULL;
	long status;
	int rc = -1, parsed;

	if (device) {
		oauth_device_release(dev);
		url = cfg->oauth2_device_url;
		where = xasprintf(_("the device authorization endpoint %s"),
		    url);
	} else {
		oauth_token_release(tok);
		url = cfg->oauth2_token_url;
		where = xasprintf(_("the token endpoint %s"), url);
	}
	if (oauth_post(cfg, url, form, stop, &answer, &status, &why) != 0) {
		*err = xasprintf("%s: %s", where, why);
		goto out;
	}
	if (status / 100 == 3) {
		*err = xasprintf(_("%s answered HTTP %ld, a redirect, which "
		    "tern does not follow"), where, status);
		goto out;
	}
	if (device)
		parsed = oauth_device_parse(answer.buf, answer.len, dev, &why);
	else
		parsed = oauth_token_parse(answer.buf, answer.len, tok, &why);
	if (parsed != 0) {
		if (status / 100 != 2)
			*err = xasprintf(_("%s answered HTTP %ld: %s"), where,
			    status, why);
		else
			*err = xasprintf("%s: %s", where, why);
		goto out;
	}
	error = device ? dev->error : tok->error;
	if (error != NULL) {
		log_msg(LOG_INFO, "oauth2: %s: error %s (HTTP %ld)", url,
		    error, status);
		rc = 0;
		goto out;
	}
	if (status / 100 != 2) {
		*err = xasprintf(_("%s answered HTTP %ld"), where, status);
		goto out;
	}
	rc = 0;
out:
	oauth_buf_release(&answer);
	free(where);
	free(why);
	return rc;
}

/* --- the refresh grant ---------------------------------------------- */

int
oauth_refresh(const struct account_config *cfg, char **access_r,
    long *expires_in_r, char **err)
{
	struct oauth_buf form = OAUTH_BUF_INIT;
	struct oauth_token tok;
	char *refresh = NULL, *secret = NULL, *why = NULL, *text = NULL;
	int rc = -1;

	*access_r = NULL;
	*expires_in_r = 0;
	memset(&tok, 0, sizeof tok);
	if (cfg->oauth2_token_url == NULL || cfg->oauth2_client_id == NULL) {
		*err = xasprintf(_("account \"%s\" has no oauth2_token_url and "
		    "oauth2_client_id"), cfg->name);
		goto out;
	}
	if (cfg->oauth2_refresh_token_cmd == NULL) {
		*err = xasprintf(_("no refresh token: run \"tern oauth2 %s\" "
		    "and set oauth2_refresh_token_cmd"), cfg->name);
		goto out;
	}
	if ((refresh = password_from_key_cmd(
	    "oauth2_refresh_token_cmd", cfg->oauth2_refresh_token_cmd, err)) == NULL)
		goto out;
	if (oauth_secret(cfg, &secret, err) != 0)
		goto out;
	oauth_form_add(&form, "grant_type", "refresh_token");
	oauth_form_add(&form, "refresh_token", refresh);
	oauth_form_client(&form, cfg, secret);
	if (cfg->oauth2_scope != NULL)
		oauth_form_add(&form, "scope", cfg->oauth2_scope);
	if (oauth_exchange(cfg, 0, &form, NULL, &tok, NULL, err) != 0) {
		/* Down, slow, refused at the TLS level: not the grant's fault. */
		rc = -2;
		goto out;
	}
	if (tok.error != NULL) {
		text = oauth_error_text(tok.error, tok.error_description);
		/* invalid_grant: revoked or expired; a new sign-in mends it. */
		if (strcmp(tok.error, "invalid_grant") == 0)
			*err = xasprintf(_("the token endpoint refused the "
			    "refresh token: %s; sign in again with \"tern "
			    "oauth2 %s\""), text, cfg->name);
		else
			*err = xasprintf(_("the token endpoint refused the "
			    "refresh token: %s"), text);
		goto out;
	}
	if (tok.refresh_token != NULL && strcmp(tok.refresh_token,
	    refresh) != 0) {
		/*
		 * A rotated refresh token. The access token is good either
		 * way, so a failure to keep the new one is only logged:
		 * endpoints that rotate keep the old one valid for a while.
		 */
		if (cfg->oauth2_store_cmd == NULL)
			log_msg(LOG_INFO, "oauth2: account %s: the endpoint "
			    "gave a new refresh token, not stored (no "
			    "oauth2_store_cmd)", cfg->name);
		else if (oauth_store(cfg, tok.refresh_token, &why) != 0) {
			log_msg(LOG_ERROR, "oauth2: account %s: the new "
			    "refresh token was not stored: %s", cfg->name,
			    why);
			free(why);
			why = NULL;
		} else
			log_msg(LOG_INFO, "oauth2: account %s: a new refresh "
			    "token went to oauth2_store_cmd", cfg->name);
	}
	*access_r = tok.access_token;
	tok.access_token = NULL;
	*expires_in_r = tok.expires_in;
	rc = 0;
out:
	oauth_token_release(&tok);
	oauth_buf_release(&form);
	xfree_secret(refresh);
	xfree_secret(secret);
	free(why);
	free(text);
	return rc;
}

/* --- the device grant ----------------------------------------------- */

/* Seconds of CLOCK_MONOTONIC. */
static long
oauth_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

/* Sleep SECONDS, or until *STOP is set; -1 if it was. */
static int
oauth_wait(long seconds, const volatile sig_atomic_t *stop)
{
	struct timespec end, now, step = { 0, 100 * 1000 * 1000 };

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	for (;;) {
		if (stop != NULL && *stop != 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			return 0;
		nanosleep(&step, NULL);
	}
}

int
oauth_device_login(const struct account_config *cfg, FILE *out,
    const volatile sig_atomic_t *stop, char **err)
{
	struct oauth_buf form = OAUTH_BUF_INIT;
	struct oauth_device dev;
	struct oauth_token tok;
	char *secret = NULL, *text = NULL;
	long interval, deadline, lifetime;
	int rc = -1;

	memset(&dev, 0, sizeof dev);
	memset(&tok, 0, sizeof tok);
	if (cfg->oauth2_device_url == NULL || cfg->oauth2_token_url == NULL ||
	    cfg->oauth2_client_id == NULL) {
		*err = xasprintf(_("account \"%s\" needs oauth2_client_id and "
		    "oauth2_device_url and oauth2_token_url (or "
		    "oauth2_provider)"), cfg->name);
		goto out;
	}
	/* Asked for once, before the user is sent to sign in. */
	if (oauth_secret(cfg, &secret, err) != 0)
		goto out;
	oauth_form_add(&form, "client_id", cfg->oauth2_client_id);
	if (cfg->oauth2_scope != NULL)
		oauth_form_add(&form, "scope", cfg->oauth2_scope);
	if (oauth_exchange(cfg, 1, &form, stop, NULL, &dev, err) != 0)
		goto out;
	if (dev.error != NULL) {
		text = oauth_error_text(dev.error, dev.error_description);
		*err = xasprintf(_("the device authorization endpoint "
		    "refused: %s"), text);
		goto out;
	}

	lifetime = dev.expires_in > 0 ? dev.expires_in : OAUTH_DEVICE_LIFETIME;
	deadline = oauth_now() + lifetime;
	interval = dev.interval > OAUTH_INTERVAL_MAX ? OAUTH_INTERVAL_MAX :
	    dev.interval;
	fprintf(out, _("To sign in account \"%s\", open\n  %s\nand enter "
	    "the code\n  %s\n"), cfg->name, dev.verification_uri,
	    dev.user_code);
	if (dev.verification_uri_complete != NULL)
		fprintf(out, _("(or open %s, which fills it in)\n"),
		    dev.verification_uri_complete);
	fprintf(out, ngettext("The code is valid for %ld minute. Waiting "
	    "for the sign-in (Ctrl-C stops)...\n", "The code is valid for "
	    "%ld minutes. Waiting for the sign-in (Ctrl-C stops)...\n",
	    (lifetime + 59) / 60), (lifetime + 59) / 60);
	fflush(out);

	for (;;) {
		if (oauth_wait(interval, stop) != 0) {
			*err = xstrdup(_("interrupted"));
			goto out;
		}
		if (oauth_now() >= deadline) {
			*err = xasprintf(_("the code expired before the "
			    "sign-in: run \"tern oauth2 %s\" again"),
			    cfg->name);
			goto out;
		}
		oauth_buf_release(&form);
		oauth_form_add(&form, "grant_type", OAUTH_DEVICE_GRANT);
		oauth_form_add(&form, "device_code", dev.device_code);
		oauth_form_client(&form, cfg, secret);
		if (oauth_exchange(cfg, 0, &form, stop, &tok, NULL, err) != 0)
			goto out;
		if (tok.error == NULL)
			break;
		if (strcmp(tok.error, "authorization_pending") == 0)
			continue;
		if (strcmp(tok.error, "slow_down") == 0) {
			/* RFC 8628 section 3.5: five seconds more, for good. */
			if (interval < OAUTH_INTERVAL_MAX)
				interval += 5;
			continue;
		}
		text = oauth_error_text(tok.error, tok.error_description);
		/* Microsoft says authorization_declined. */
		if (strcmp(tok.error, "access_denied") == 0 ||
		    strcmp(tok.error, "authorization_declined") == 0)
			*err = xasprintf(_("the sign-in was denied: %s"), text);
		else if (strcmp(tok.error, "expired_token") == 0)
			*err = xasprintf(_("the code expired before the "
			    "sign-in: run \"tern oauth2 %s\" again"),
			    cfg->name);
		else
			*err = xasprintf(_("the token endpoint refused the "
			    "sign-in: %s"), text);
		goto out;
	}
	if (tok.refresh_token == NULL) {
		*err = xstrdup(_("signed in, but the token endpoint gave no "
		    "refresh token (does oauth2_scope ask for offline "
		    "access?)"));
		goto out;
	}
	if (cfg->oauth2_store_cmd != NULL) {
		if (oauth_store(cfg, tok.refresh_token, err) != 0)
			goto out;
		fprintf(out, "%s\n", _("Signed in: the refresh token went to "
		    "oauth2_store_cmd."));
	} else {
		fprintf(out, _("Signed in. The refresh token, for "
		    "oauth2_refresh_token_cmd to print (keep it secret):\n"
		    "%s\n"), tok.refresh_token);
	}
	fflush(out);
	rc = 0;
out:
	oauth_device_release(&dev);
	oauth_token_release(&tok);
	oauth_buf_release(&form);
	xfree_secret(secret);
	free(text);
	return rc;
}
