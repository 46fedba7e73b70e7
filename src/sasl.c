/*
 * SASL mechanisms, client side (see sasl.h). Base64 and MD5 are OpenSSL's.
 */
#include "autoconfig.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"
#include "xmalloc.h"

/* The most of a server's error challenge kept for the user. */
#define SASL_ERROR_MAX 200

const char *
sasl_mech_name(enum sasl_mech mech)
{
	switch (mech) {
	case SASL_PLAIN:
		return "PLAIN";
	case SASL_LOGIN:
		return "LOGIN";
	case SASL_XOAUTH2:
		return "XOAUTH2";
	case SASL_OAUTHBEARER:
		return "OAUTHBEARER";
	}
	return "PLAIN";
}

int
sasl_mech_is_oauth(enum sasl_mech mech)
{
	return mech == SASL_XOAUTH2 || mech == SASL_OAUTHBEARER;
}

char *
sasl_b64_encode(const void *data, size_t len)
{
	char *out;

	if (len > (size_t)1 << 30)
		return NULL;
	out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *
sasl_b64_decode(const char *text, size_t *len_r)
{
	size_t len = strlen(text), pad = 0, i;
	unsigned char *out;
	int n;

	*len_r = 0;
	if (len % 4 != 0 || len > (size_t)1 << 30)
		return NULL;
	/* EVP_DecodeBlock() skips blanks and takes '=' anywhere. */
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (c == '=') {
			if (i + 2 < len || (i + 2 == len && text[i + 1] != '='))
				return NULL;
			pad++;
		} else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return NULL;
	}
	out = xmalloc(len / 4 * 3 + 1);
	n = len == 0 ? 0 : EVP_DecodeBlock(out, (const unsigned char *)text,
	    (int)len);
	if (n < 0 || (size_t)n < pad) {
		xfree_secret((char *)out);
		return NULL;
	}
	n -= (int)pad;
	out[n] = '\0';
	*len_r = (size_t)n;
	return (char *)out;
}

/* Base64 of the LEN bytes at RAW, which are then cleared and freed. */
static char *
sasl_encode_secret(char *raw, size_t len)
{
	char *out;

	out = sasl_b64_encode(raw, len);
	xzero(raw, len);
	free(raw);
	return out;
}

/*
 * Append the N bytes at S to the buffer at BUF (of room enough), at *OFF.
 * The responses are built in one buffer sized up front: a growing buffer
 * would free copies of the token uncleared.
 */
static void
sasl_put(char *buf, size_t *off, const char *s, size_t n)
{
	memcpy(buf + *off, s, n);
	*off += n;
}

char *
sasl_initial(struct sasl *s)
{
	size_t ulen = strlen(s->user), slen = strlen(s->secret), len, o = 0;
	char hostport[300], *raw;
	const char *u;
	int hlen = 0;

	switch (s->mech) {
	case SASL_PLAIN:
		/* authzid NUL authcid NUL passwd, the authzid empty. */
		len = ulen + slen + 2;
		raw = xcalloc(len + 1, 1);
		memcpy(raw + 1, s->user, ulen);
		memcpy(raw + 2 + ulen, s->secret, slen);
		return sasl_encode_secret(raw, len);
	case SASL_LOGIN:
		return NULL;
	case SASL_XOAUTH2:
		/* user=U ^A auth=Bearer T ^A ^A */
		raw = xmalloc(ulen + slen + 32);
		sasl_put(raw, &o, "user=", 5);
		sasl_put(raw, &o, s->user, ulen);
		sasl_put(raw, &o, "\001auth=Bearer ", 13);
		sasl_put(raw, &o, s->secret, slen);
		sasl_put(raw, &o, "\001\001", 2);
		return sasl_encode_secret(raw, o);
	case SASL_OAUTHBEARER:
		/*
		 * n,a=U, ^A host=H ^A port=P ^A auth=Bearer T ^A ^A, with ','
		 * and '=' of the GS2 authzid U escaped (RFC 5801).
		 */
		if (s->host != NULL) {
			hlen = snprintf(hostport, sizeof hostport,
			    "host=%s\001port=%d\001", s->host, s->port);
			if (hlen < 0 || (size_t)hlen >= sizeof hostport)
				hlen = 0;
		}
		raw = xmalloc(3 * ulen + (size_t)hlen + slen + 32);
		sasl_put(raw, &o, "n,a=", 4);
		for (u = s->user; *u != '\0'; u++) {
			if (*u == ',')
				sasl_put(raw, &o, "=2C", 3);
			else if (*u == '=')
				sasl_put(raw, &o, "=3D", 3);
			else
				sasl_put(raw, &o, u, 1);
		}
		sasl_put(raw, &o, ",\001", 2);
		sasl_put(raw, &o, hostport, (size_t)hlen);
		sasl_put(raw, &o, "auth=Bearer ", 12);
		sasl_put(raw, &o, s->secret, slen);
		sasl_put(raw, &o, "\001\001", 2);
		return sasl_encode_secret(raw, o);
	}
	return NULL;
}

/* Keep the decoded error challenge TEXT, printable and short. */
static void
sasl_keep_error(struct sasl *s, const char *text, size_t len)
{
	size_t i, n = len < SASL_ERROR_MAX ? len : SASL_ERROR_MAX;

	free(s->error);
	s->error = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		s->error[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	s->error[n] = '\0';
}

char *
sasl_step(struct sasl *s, const char *challenge)
{
	char *text;
	size_t len;

	s->step++;
	switch (s->mech) {
	case SASL_PLAIN:
		/* The whole response went with the first one. */
		return NULL;
	case SASL_LOGIN:
		/* "Username:" then "Password:", whatever they say. */
		if (s->step == 1)
			return sasl_b64_encode(s->user, strlen(s->user));
		if (s->step == 2)
			return sasl_b64_encode(s->secret, strlen(s->secret));
		return NULL;
	case SASL_XOAUTH2:
	case SASL_OAUTHBEARER:
		/*
		 * A challenge after the token is the server's error, as JSON
		 * (RFC 7628 3.2.2); the client must answer so that the server
		 * can fail the exchange: a ^A (OAUTHBEARER), an empty line
		 * (XOAUTH2).
		 */
		if (s->step > 1)
			return NULL;
		if ((text = sasl_b64_decode(challenge, &len)) != NULL) {
			sasl_keep_error(s, text, len);
			free(text);
		} else
			sasl_keep_error(s, challenge, strlen(challenge));
		return xstrdup(s->mech == SASL_OAUTHBEARER ? "AQ==" : "");
	}
	return NULL;
}

void
sasl_done(struct sasl *s)
{
	free(s->error);
	s->error = NULL;
}

void
sasl_apop_digest(const char *timestamp, const char *password, char out[33])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0, i;
	char *both;

	both = xasprintf("%s%s", timestamp, password);
	if (EVP_Digest(both, strlen(both), d, &dlen, EVP_md5(), NULL) != 1 ||
	    dlen != 16) {
		/* MD5 is not to be had (a FIPS build): no digest matches. */
		memset(d, 0, sizeof d);
		dlen = 16;
	}
	xfree_secret(both);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	xzero(d, sizeof d);
}
