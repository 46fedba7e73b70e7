/*
 * The reader's modes as data and the stack of full-screen modes. A pane
 * (folders, index, pager) is the mode at the bottom: the one that has the
 * focus. The help screen, the attachment list and the POP3 preview are
 * pushed over it and popped when they close. ui_mode() says which mode
 * takes the keys; cmd_dispatch() and ui_draw() both ask it, so there is
 * one order of precedence.
 */
#include "autoconfig.h"

#include <string.h>

#include "cmd.h"
#include "i18n.h"
#include "ui-int.h"

static void folders_move_mode(struct ui *, long);
static long folders_page(struct ui *);
static long index_page(struct ui *);
static long pager_page_mode(struct ui *);

static void
folders_move_mode(struct ui *ui, long n)
{
	folders_move(ui, n);
}

static long
folders_page(struct ui *ui)
{
	return ui->lay.folders.h > 1 ? ui->lay.folders.h : 1;
}

static long
index_page(struct ui *ui)
{
	return ui->lay.index.h > 1 ? ui->lay.index.h : 1;
}

static long
pager_page_mode(struct ui *ui)
{
	return pager_page(ui);
}

const struct ui_mode ui_modes[CMD_MODE_COUNT] = {
	[CMD_MODE_FOLDERS] = { "folders", N_("Folder pane"), NULL, NULL,
	    folders_move_mode, folders_jump, folders_page, 0 },
	[CMD_MODE_INDEX] = { "index", N_("Index"), NULL, NULL,
	    index_move, index_jump, index_page, 0 },
	[CMD_MODE_PAGER] = { "pager", N_("Pager"), NULL, NULL,
	    pager_scroll, pager_jump, pager_page_mode, 0 },
	[CMD_MODE_HELP] = { "help", N_("Help screen"), help_draw,
	    help_close, help_move, help_jump, help_page, 1 },
	[CMD_MODE_ATTACH] = { "attach", N_("Attachment list"), attach_draw,
	    attach_close, attach_move, attach_jump, attach_page, 0 },
	[CMD_MODE_PREVIEW] = { "preview", N_("POP3 preview"), preview_draw,
	    preview_close, preview_move, preview_jump, preview_page, 0 },
	[CMD_MODE_COMPOSE] = { "compose", N_("Compose screen"), compose_draw,
	    compose_close, compose_move, compose_jump, compose_page, 0 },
};

enum cmd_mode
ui_mode(struct ui *ui)
{
	if (ui->nmodes > 0)
		return ui->modes[ui->nmodes - 1];
	return (enum cmd_mode)ui->focus;
}

void
ui_mode_push(struct ui *ui, enum cmd_mode mode)
{
	ui_mode_pop(ui, mode);
	if (ui->nmodes < UI_MODE_MAX)
		ui->modes[ui->nmodes++] = mode;
	ui->esc = 0;
	ui->dirty |= DIRTY_ALL;
}

void
ui_mode_pop(struct ui *ui, enum cmd_mode mode)
{
	size_t i;

	for (i = 0; i < ui->nmodes; i++) {
		if (ui->modes[i] != mode)
			continue;
		memmove(ui->modes + i, ui->modes + i + 1,
		    (ui->nmodes - i - 1) * sizeof *ui->modes);
		ui->nmodes--;
		ui->dirty |= DIRTY_ALL | DIRTY_CLEAR;
		return;
	}
}
