/*
 * Writing mail, the pure part: a draft (what the user writes: addresses,
 * subject, text, attachments), the file the editor works on, the draft
 * of a reply or a forward made from the original, and the message built
 * from a draft (RFC 5322 + MIME) with its envelope. No network, no
 * curses: the UI and cli drive it, the outbox (store.h) keeps what it
 * builds, smtp.h sends it.
 *
 * Strings are UTF-8 and line ends LF inside a draft; a built message has
 * CRLF line ends, headers encoded (RFC 2047 words, RFC 2231 file names),
 * text as quoted-printable UTF-8, attachments in base64.
 */
#ifndef TERN_COMPOSE_H
#define TERN_COMPOSE_H

#include <stddef.h>
#include <time.h>

/* A file to attach. */
struct compose_attach {
	char *path;		/* as the user gave it */
	char *type;		/* a MIME type; NULL: from the content */
};

struct draft {
	/* Headers as the user writes them: address lists in RFC 5322 form
	 * ("Name <a@b>, c@d"), NULL when absent. */
	char *from, *to, *cc, *bcc, *reply_to;
	char *subject;
	/* A reply's: message ids, "<a@b>" separated by spaces. */
	char *in_reply_to, *references;
	char *body;		/* the text, LF line ends */
	struct compose_attach *attach;
	size_t nattach;
	/* A forward as an attachment (forward = attach): the original,
	 * sent as a message/rfc822 part after the text. */
	char *forward_raw;
	size_t forward_len;
};

void draft_init(struct draft *d);
void draft_release(struct draft *d);
/* Add PATH (TYPE may be NULL) to D's attachments. */
void draft_attach(struct draft *d, const char *path, const char *type);
/* Take out attachment I. */
void draft_detach(struct draft *d, size_t i);

/* What every draft of an account starts from. */
struct compose_opts {
	const char *from;	/* "Name <addr>" */
	const char *reply_to;	/* NULL: none */
	/* The user's own addresses (From's and any other), which a reply
	 * to all leaves out. */
	const char *const *me;
	size_t nme;
	/* The line above quoted text: %d the original's date, %n its
	 * sender's name (else address), %a its address, %s its subject,
	 * %% a '%'. NULL: _("On %d, %n wrote:"). */
	const char *attribution;
	const char *signature;	/* the signature's text, or NULL */
	int text_flowed;	/* format=flowed */
	time_t now;		/* the Date a built message gets; 0: now */
	int draft;		/* a draft to postpone: no recipient needed */
};

/* What a draft answers. */
enum compose_kind {
	COMPOSE_NEW,
	COMPOSE_REPLY,		/* r: to Reply-To, else From */
	COMPOSE_REPLY_ALL,	/* g: and Cc everyone else but me */
	COMPOSE_REPLY_LIST,	/* L: to the list's List-Post address */
	COMPOSE_FORWARD,	/* f: the text quoted inline */
	COMPOSE_FORWARD_ATTACH,	/* f with forward = attach */
	COMPOSE_RESEND,		/* Esc-e: the message again as a new one */
	COMPOSE_DRAFT,		/* R: a postponed draft, its headers kept */
};

/*
 * Start the draft of KIND from the original RAW (LEN bytes; ignored for
 * COMPOSE_NEW) into *D: recipients, subject ("Re: ", "Fwd: " once),
 * In-Reply-To and References, the quoted text under the attribution
 * (an HTML-only original through the HTML renderer), the signature
 * under "-- ". Returns 0, or -1 with *ERR (no List-Post for
 * COMPOSE_REPLY_LIST, an unreadable original).
 */
int compose_start(enum compose_kind kind, const char *raw, size_t len,
    const struct compose_opts *o, struct draft *d, char **err);

/*
 * The file the editor works on: the headers (From, To, Cc, Bcc,
 * Reply-To, Subject, an "Attach: PATH" line per attachment), a blank
 * line, the text. free() it.
 */
char *compose_file_write(const struct draft *d);
/*
 * Read the edited file TEXT back into *D (its From, To ... replaced;
 * In-Reply-To, References and forward_raw kept). Attach lines become
 * attachments and are never sent. Returns 0, or -1 with *ERR naming the
 * line (a header that is not one, an address list that does not parse,
 * CR or NUL where they cannot be).
 */
int compose_file_read(const char *text, size_t len, struct draft *d,
    char **err);

/*
 * Parse the address list LIST into addr-specs (*ADDRS_R, *N_R; free with
 * util_strv_free()), each checked as smtp_address_ok() does. Returns 0,
 * or -1 with *ERR naming the address that is wrong.
 */
int compose_addresses(const char *list, char ***addrs_r, size_t *n_r,
    char **err);
/*
 * Whether ADDR may go into a MAIL or RCPT command, as smtp_address_ok()
 * says: valid UTF-8 without control characters, no space, '<' or '>',
 * exactly one '@' not at either end, at most 254 octets. 1 or 0.
 */
int compose_address_ok(const char *addr);

/*
 * Read the signature file PATH into *TEXT_R (UTF-8, LF line ends; free()
 * it). Returns 0, or -1 with *ERR: not a regular file, over 64 KiB, a NUL
 * or bytes that are not UTF-8.
 */
int compose_read_signature(const char *path, char **text_r, char **err);
/*
 * Whether the text BODY, outside quoted lines, a forwarded message and
 * the signature, speaks of an attachment ("attach", "attached",
 * "attachment", German "Anhang", "angehängt"): the UI warns when
 * the draft has none. 1 or 0.
 */
int compose_mentions_attachment(const char *body);

/* A message built, ready for the outbox. */
struct compose_out {
	char *data;		/* the bytes to send: CRLF, no Bcc header */
	size_t len;
	char *message_id;	/* "<random@from-domain>" */
	char *env_from;		/* From's addr-spec: the envelope sender */
	char **rcpts;		/* To, Cc and Bcc addr-specs, once each */
	char **rcpt_names;	/* their display names (UTF-8), or NULL each */
	size_t nrcpt;
	char *bcc;		/* Bcc's value for the Sent copy, or NULL */
	char *subject;		/* decoded, for lists; or NULL */
	char *to;		/* To's value as written, for lists; or NULL */
	/* The data has bytes over 127 (MAIL FROM wants BODY=8BITMIME). */
	int eightbit;
	/* An address of the envelope or of the header is not ASCII (MAIL
	 * FROM wants SMTPUTF8; the header then holds raw UTF-8). */
	int utf8_addrs;
};

void compose_out_release(struct compose_out *out);

/*
 * Build the message of D: Date (local time and offset), Message-ID
 * (getrandom()), From (D's, else O's), To, Cc, Reply-To, Subject,
 * In-Reply-To, References, MIME-Version, User-Agent, the text and every
 * attachment read from its file (its type from the content or the name).
 * Returns 0, or -1 with *ERR (no From, no recipient, an address that is
 * wrong, an attachment that cannot be read).
 */
int compose_build(const struct draft *d, const struct compose_opts *o,
    struct compose_out *out, char **err);

/*
 * A message written by someone else (tern send, as sendmail -t reads
 * one): recipients from To, Cc and Bcc, the Bcc header taken out, and
 * what is missing added (From from O, Message-ID, Date, MIME-Version
 * and a text/plain UTF-8 type for an 8-bit body without one). Bare LF
 * become CRLF. Returns 0, or -1 with *ERR.
 */
int compose_prepare_raw(const char *raw, size_t len,
    const struct compose_opts *o, struct compose_out *out, char **err);

/*
 * A mailto: URL (RFC 6068) into the draft *D (draft_init()ed): its
 * addresses and to= in To, cc=, bcc=, subject=, body= and in-reply-to=
 * (other fields are left out, as the RFC advises), %-escapes undone.
 * Returns 0, or -1 with *ERR (not a mailto: URL, an escape that is not
 * one, a NUL, bytes that are not UTF-8, an address that is wrong).
 */
int compose_mailto(const char *url, struct draft *d, char **err);

/*
 * Bounce (mutt's b): the message RAW (LEN bytes) unchanged to the
 * addresses of the list TO, from O's From, under Resent-From, Resent-To,
 * Resent-Date and Resent-Message-ID. Returns 0, or -1 with *ERR.
 */
int compose_bounce(const char *raw, size_t len, const char *to,
    const struct compose_opts *o, struct compose_out *out, char **err);

#endif
