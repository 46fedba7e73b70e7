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

#define CMD_KEY_META	0x2000000	/* Esc (or Alt) before the key */

/*
 * The reader's modes (STYLE.md rule 6): the three panes, and the
 * full-screen modes that stack over them. Each has a key table of its own;
 * `bind` lines name them by cmd_mode_name(). The first three are the
 * values of enum ui_pane.
 */
enum cmd_mode {
	CMD_MODE_FOLDERS,
	CMD_MODE_INDEX,
	CMD_MODE_PAGER,
	CMD_MODE_HELP,
	CMD_MODE_ATTACH,
	CMD_MODE_PREVIEW,
	CMD_MODE_COMPOSE,
	CMD_MODE_COUNT
};

/* Mode masks for bindings (1 << enum cmd_mode). */
#define CMD_IN(m)		(1u << (m))
#define CMD_IN_FOLDERS		0x01u
#define CMD_IN_INDEX		0x02u
#define CMD_IN_PAGER		0x04u
#define CMD_IN_HELP		0x08u
#define CMD_IN_ATTACH		0x10u
#define CMD_IN_PREVIEW		0x20u
#define CMD_IN_COMPOSE		0x40u
#define CMD_IN_PANES		0x07u
#define CMD_IN_MENUS		(CMD_IN_FOLDERS | CMD_IN_INDEX | \
				 CMD_IN_ATTACH | CMD_IN_PREVIEW)
#define CMD_IN_ALL		0x7fu

/* Default keys of an action: KEYS (space-separated names) in MODES. */
struct cmd_keys {
	unsigned int modes;
	const char *keys;
};

#define CMD_MAX_DEFAULTS 4

struct cmd_action {
	const char *name;	/* "move-down" */
	struct cmd_keys defaults[CMD_MAX_DEFAULTS];	/* unused: keys NULL */
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
/* The action bound to KEY in mode MODE (an enum cmd_mode), or NULL. */
const struct cmd_action *cmd_lookup(int mode, int key);
/* The action called NAME, or one of mutt's names for it; NULL if none. */
const struct cmd_action *cmd_find(const char *name);
/* The name of mode MODE as bind lines write it ("index", "attach"). */
const char *cmd_mode_name(int mode);
/*
 * Bind the key named KEYNAME to the action NAME (NULL or "noop": unbind)
 * in the modes of MODES (CMD_IN_*). Returns 0, or -1 with *ERR set (free()
 * it).
 */
int cmd_bind(unsigned int modes, const char *keyname, const char *name,
    char **err);
/*
 * Run one config line typed at `:` (enter-command): "bind MODES KEY
 * ACTION" or "bind = MODES KEY ACTION". Returns 0, or -1 with *ERR set.
 */
int cmd_bind_line(const char *line, char **err);
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
 * Append to SB the names of the keys bound to action A in mode MODE, or in
 * any mode when MODE is -1, separated by SEP; at most MAX names (0: all).
 * Returns how many were appended.
 */
int cmd_keys_of(struct strbuf *sb, const struct cmd_action *a, int mode,
    const char *sep, int max);
/*
 * Append to SB the key that the hint line shows for action A in MODE: its
 * first default key still bound to it, else any. Returns 0 if none.
 */
int cmd_hint_key(struct strbuf *sb, const struct cmd_action *a, int mode);
/* Turn what get_wch() returned (RC, WC) into a key; -1 for no key. */
int cmd_key_from_curses(int rc, unsigned int wc);
/*
 * Hand KEY to whatever takes keys now: a full-screen mode that covers the
 * status line, the question or the prompt on the status line, else the
 * action bound to it in the current mode (ui_mode()). The one place where
 * that order is decided. Returns 0 if something took the key, -1 if the
 * key is not bound (which the status line says).
 */
int cmd_dispatch(struct ui *ui, int key);

#endif
