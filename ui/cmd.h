/*
 * The reader's actions as data (STYLE.md rule 6): one table of named
 * actions, each with its default keys, a help line and a handler. The
 * keymap of every pane, the key hints on the top line and the help screen
 * are all built from this table, and later `bind` lines change the keymap
 * through cmd_bind().
 *
 * A key is an int: a Unicode code point for a character (Enter is '\r',
 * Backspace 0x7f, Ctrl-L 0x0c), or CMD_KEY_FN ORed with a curses KEY_*
 * code for a function key. Key names ("j", "Down", "C-l", "Enter",
 * "Space", "PgDn", "F1" ...) are parsed and printed only here.
 */
#ifndef TERN_CMD_H
#define TERN_CMD_H

#include <stddef.h>

#include "strbuf.h"

struct config;
struct ui;

#define CMD_KEY_FN	0x1000000
#define CMD_KEY_ENTER	'\r'
#define CMD_KEY_ESC	0x1b
#define CMD_KEY_BSPACE	0x7f
#define CMD_KEY_CTRL(c)	((c) & 0x1f)

/* Pane masks for bindings (1 << enum ui_pane). */
#define CMD_PANE_FOLDERS	0x1u
#define CMD_PANE_INDEX		0x2u
#define CMD_PANE_PAGER		0x4u
#define CMD_PANE_ALL		0x7u

struct cmd_action {
	const char *name;	/* "move-down" */
	const char *keys;	/* default key names, space-separated */
	unsigned int panes;	/* where the default keys apply */
	const char *hint;	/* short label for the top line, or NULL */
	const char *help;	/* one line for the help screen, N_() */
	void (*handler)(struct ui *);
};

/* The action table and its length. */
extern const struct cmd_action cmd_table[];
extern const size_t cmd_count;

/* Build the default keymap from the table; call once before use. */
void cmd_init(void);
/* Free the keymap. */
void cmd_free(void);
/* The action bound to KEY in pane PANE (an enum ui_pane), or NULL. */
const struct cmd_action *cmd_lookup(int pane, int key);
/* The action called NAME, or NULL. */
const struct cmd_action *cmd_find(const char *name);
/*
 * Bind the key named KEYNAME to the action NAME (NULL or "noop": unbind)
 * in the panes of PANES. Returns 0, or -1 with *ERR set (free() it).
 */
int cmd_bind(unsigned int panes, const char *keyname, const char *name,
    char **err);
/*
 * Apply the `bind` lines of CFG's [keys]. Returns 0, or -1 with *ERR set
 * to "FILE:LINE: unknown key ..." or "... unknown action ..." (free() it).
 */
int cmd_bind_config(const struct config *cfg, char **err);
/* Parse a key name into *KEY_R. Returns 0, or -1 with *ERR set. */
int cmd_key_parse(const char *name, int *key_r, char **err);
/* Append the name of KEY to SB. */
void cmd_key_name(struct strbuf *sb, int key);
/*
 * Append to SB the names of the keys bound to action A in pane PANE, or in
 * any pane when PANE is -1, separated by SEP; at most MAX names (0: all).
 * Returns how many were appended.
 */
int cmd_keys_of(struct strbuf *sb, const struct cmd_action *a, int pane,
    const char *sep, int max);
/* Turn what get_wch() returned (RC, WC) into a key; -1 for no key. */
int cmd_key_from_curses(int rc, unsigned int wc);
/* Run the action bound to KEY in the focused pane; 0 if one ran, -1 not. */
int cmd_dispatch(struct ui *ui, int key);

#endif
