/*
 * One-key questions on the status line ("Expunge 3 deleted messages?
 * (y/n)"): a queue of them, so that a question raised by an event while
 * the user types into a prompt, or while another question is up, waits
 * its turn instead of being lost. A question borrows the prompt's place on
 * the status line (ui->pr with an empty text, drawn by status.c); its
 * keys never reach the prompt's editor: cmd_dispatch() hands them here.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "strbuf.h"
#include "text.h"
#include "ui-int.h"
#include "xmalloc.h"

static void ask_finish(struct ui *, int);

void
ask_start(struct ui *ui, const char *keys,
    void (*done)(struct ui *, int, void *), void *arg, const char *fmt, ...)
{
	struct ui_ask *ask = &ui->ask;
	struct ui_question *q;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, ' ');

	ask->q = xreallocarray(ask->q, ask->n + 1, sizeof *ask->q);
	q = &ask->q[ask->n++];
	q->text = text_sanitize_dup(sb.buf, 0);
	q->keys = xstrdup(keys);
	q->done = done;
	q->arg = arg;
	strbuf_release(&sb);
	ask_next(ui);
}

void
ask_next(struct ui *ui)
{
	struct ui_ask *ask = &ui->ask;
	struct ui_prompt *pr = &ui->pr;

	if (ask->active || ask->n == 0 || pr->active)
		return;
	ask->active = 1;
	pr->active = 1;
	pr->label = ask->q[0].text;
	pr->len = pr->pos = 0;
	pr->done = NULL;
	pr->complete = NULL;
	ui->dirty |= DIRTY_STATUS;
}

/* Take the first question off the queue and call it with ANSWER. */
static void
ask_finish(struct ui *ui, int answer)
{
	struct ui_ask *ask = &ui->ask;
	struct ui_question q = ask->q[0];

	memmove(ask->q, ask->q + 1, (ask->n - 1) * sizeof *ask->q);
	ask->n--;
	ask->active = 0;
	ui->pr.active = 0;
	ui->pr.label = NULL;
	ui->dirty |= DIRTY_STATUS;
	if (q.done != NULL)
		q.done(ui, answer, q.arg);
	free(q.arg);
	free(q.text);
	free(q.keys);
	ask_next(ui);
}

void
ask_key(struct ui *ui, int key)
{
	struct ui_ask *ask = &ui->ask;

	if (!ask->active)
		return;
	if (key == CMD_KEY_ESC || key == CMD_KEY_CTRL('G')) {
		ask_finish(ui, 0);
		return;
	}
	if (key >= 'A' && key <= 'Z')
		key += 'a' - 'A';
	if (key > 0 && key < 0x80 && strchr(ask->q[0].keys, key) != NULL) {
		ask_finish(ui, key);
		return;
	}
	beep();
}

void
ask_free(struct ui *ui)
{
	struct ui_ask *ask = &ui->ask;
	size_t i;

	/* Dropped unanswered: no callback runs while the reader goes. */
	for (i = 0; i < ask->n; i++) {
		free(ask->q[i].arg);
		free(ask->q[i].text);
		free(ask->q[i].keys);
	}
	free(ask->q);
	memset(ask, 0, sizeof *ask);
}
