/*
 * Fuzz target: writing mail (compose.h) over arbitrary input. The input
 * is read as the editor's file (compose_file_read()), as a message for
 * tern send (compose_prepare_raw()) and as the original of every kind of
 * answer (compose_start()); the drafts that come out are written to the
 * editor's file and read back, and built (compose_build(), without
 * attachments: the input names files). Checked: a draft's header fields
 * are single lines of UTF-8 and its text UTF-8; the editor's file of a
 * draft read from one reads back the same; every built or prepared
 * message has CRLF lines (of at most 998 octets when built), a header
 * block with no Bcc field (of printable ASCII when built, UTF-8
 * addresses aside), recipients that pass compose_address_ok(), its
 * Message-ID in the header, and a built message's Subject reads back
 * (mime.c) as the draft's.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../tests/testutil.h"
#include "compose.h"
#include "fuzz.h"
#include "mime.h"
#include "xmalloc.h"

/* Fail unless S (WHAT) is NULL or one line of UTF-8 with no controls. */
static void
fuzz_check_field(const char *what, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	fuzz_check_utf8(what, s, strlen(s));
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < ' ' || *p == 0x7f)
			fuzz_fail("%s: byte %02x in \"%s\"", what, *p, s);
}

static void
fuzz_check_draft(const struct draft *d)
{
	size_t i;

	fuzz_check_field("from", d->from);
	fuzz_check_field("to", d->to);
	fuzz_check_field("cc", d->cc);
	fuzz_check_field("bcc", d->bcc);
	fuzz_check_field("reply_to", d->reply_to);
	fuzz_check_field("subject", d->subject);
	fuzz_check_field("in_reply_to", d->in_reply_to);
	fuzz_check_field("references", d->references);
	if (d->body != NULL)
		fuzz_check_utf8("body", d->body, strlen(d->body));
	for (i = 0; i < d->nattach; i++)
		if (d->attach[i].path == NULL || *d->attach[i].path == '\0')
			fuzz_fail("attachment %zu: no path", i);
}

/* The checks of every message made ready to send. */
static void
fuzz_check_out(const struct compose_out *out, int built)
{
	const char *s, *hend, *eol;
	size_t i, start = 0;

	if (out->data == NULL || out->len < 2 ||
	    memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		fuzz_fail("data does not end in CRLF");
	for (i = 0; i < out->len; i++) {
		if (out->data[i] == '\n') {
			if (i == 0 || out->data[i - 1] != '\r')
				fuzz_fail("a bare LF at %zu", i);
			if (i - 1 - start > 998 && built)
				fuzz_fail("a line of %zu octets", i - 1 -
				    start);
			start = i + 1;
		} else if (out->data[i] == '\r' && (i + 1 == out->len ||
		    out->data[i + 1] != '\n'))
			fuzz_fail("a bare CR at %zu", i);
		else if (out->data[i] == '\0')
			fuzz_fail("a NUL at %zu", i);
	}
	hend = memmem(out->data, out->len, "\r\n\r\n", 4);
	if (hend == NULL)
		fuzz_fail("no end of the header block");
	for (s = out->data; s <= hend; s = eol + 2) {
		eol = memmem(s, (size_t)(out->data + out->len - s), "\r\n", 2);
		if (strncasecmp(s, "Bcc:", 4) == 0)
			fuzz_fail("a Bcc field is sent");
		/* Raw UTF-8 only in addresses, which then need SMTPUTF8. */
		if (!built || out->utf8_addrs)
			continue;
		for (; s < eol; s++)
			if ((unsigned char)*s < ' ' || (unsigned char)*s > 126)
				fuzz_fail("byte %02x in the header",
				    (unsigned char)*s);
	}
	if (out->nrcpt == 0 || out->rcpts == NULL ||
	    out->rcpts[out->nrcpt] != NULL)
		fuzz_fail("%zu recipients", out->nrcpt);
	for (i = 0; i < out->nrcpt; i++)
		if (!compose_address_ok(out->rcpts[i]))
			fuzz_fail("recipient \"%s\"", out->rcpts[i]);
	if (!compose_address_ok(out->env_from))
		fuzz_fail("envelope sender \"%s\"", out->env_from);
	if (out->message_id == NULL || memmem(out->data, (size_t)(hend -
	    out->data), out->message_id, strlen(out->message_id)) == NULL)
		fuzz_fail("Message-ID %s not in the header", out->message_id);
}

/* Build D (its attachments left out) and check the message. */
static void
fuzz_build(struct draft *d, const struct compose_opts *o)
{
	struct compose_out out;
	struct mime_message msg;
	char *err = NULL;

	while (d->nattach > 0)
		draft_detach(d, d->nattach - 1);
	if (compose_build(d, o, &out, &err) != 0) {
		if (err == NULL || out.data != NULL)
			fuzz_fail("build: -1 without an error");
		free(err);
		return;
	}
	fuzz_check_out(&out, 1);
	if (d->subject != NULL && *d->subject != '\0' && d->forward_raw ==
	    NULL) {
		mime_message_parse(out.data, out.len, &msg);
		if (msg.subject == NULL || strcmp(msg.subject,
		    out.subject) != 0)
			fuzz_fail("Subject \"%s\" read back as \"%s\"",
			    out.subject, msg.subject);
		mime_message_release(&msg);
	}
	compose_out_release(&out);
}

/* The editor's file of D, read back: the same fields. */
static void
fuzz_file_again(const struct draft *d, int must)
{
	struct draft e;
	char *file, *again, *err = NULL;

	file = compose_file_write(d);
	draft_init(&e);
	if (compose_file_read(file, strlen(file), &e, &err) != 0) {
		if (must)
			fuzz_fail("the file of a draft does not read back: "
			    "%s", err);
		free(err);
	} else {
		fuzz_check_draft(&e);
		again = compose_file_write(&e);
		if (must && strcmp(again, file) != 0)
			fuzz_fail("the file changed: \"%s\" then \"%s\"", file,
			    again);
		free(again);
	}
	draft_release(&e);
	free(file);
}

FUZZ_TARGET(compose)
{
	static const char *const me[] = { "me@example.org",
	    "Other Me <other@example.net>" };
	struct compose_opts o;
	struct compose_out out;
	struct draft d;
	char *raw, *err = NULL;
	int kind;

	/* A copy of exactly SIZE bytes, so that ASan sees any over-read. */
	raw = xmalloc(size > 0 ? size : 1);
	if (size > 0)
		memcpy(raw, data, size);
	memset(&o, 0, sizeof o);
	o.from = "Fuzz Er <fuzz@example.org>";
	o.me = me;
	o.nme = 2;
	o.signature = "sig";
	o.now = 1700000000;
	o.text_flowed = size % 2;

	draft_init(&d);
	if (compose_file_read(raw, size, &d, &err) == 0) {
		fuzz_check_draft(&d);
		fuzz_file_again(&d, 1);
		fuzz_build(&d, &o);
	} else {
		if (err == NULL)
			fuzz_fail("file_read: -1 without an error");
		free(err);
		err = NULL;
	}
	draft_release(&d);

	if (compose_prepare_raw(raw, size, &o, &out, &err) == 0) {
		fuzz_check_out(&out, 0);
		compose_out_release(&out);
	} else {
		if (err == NULL)
			fuzz_fail("prepare_raw: -1 without an error");
		free(err);
		err = NULL;
	}

	if (compose_bounce(raw, size, "Bo <bo@example.net>", &o, &out,
	    &err) == 0) {
		fuzz_check_out(&out, 0);
		compose_out_release(&out);
	} else {
		if (err == NULL)
			fuzz_fail("bounce: -1 without an error");
		free(err);
		err = NULL;
	}
	/* The input as a mailto: URL's text (NUL-terminated). */
	{
		char *url = xmalloc(size + 8);

		memcpy(url, "mailto:", 7);
		memcpy(url + 7, data, size);
		url[size + 7] = '\0';
		draft_init(&d);
		if (compose_mailto(url, &d, &err) == 0)
			fuzz_check_draft(&d);
		else {
			if (err == NULL)
				fuzz_fail("mailto: -1 without an error");
			free(err);
			err = NULL;
		}
		draft_release(&d);
		free(url);
	}

	for (kind = COMPOSE_NEW; kind <= COMPOSE_DRAFT; kind++) {
		if (compose_start((enum compose_kind)kind, raw, size, &o, &d,
		    &err) != 0) {
			if (err == NULL)
				fuzz_fail("start %d: -1 without an error",
				    kind);
			free(err);
			err = NULL;
			continue;
		}
		fuzz_check_draft(&d);
		fuzz_file_again(&d, 0);
		fuzz_build(&d, &o);
		draft_release(&d);
	}
	free(raw);
	return (0);
}
