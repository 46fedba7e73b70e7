/*
 * The colour scheme: what each element of the screen looks like. The
 * default reads on dark and light terminals alike (the terminal's own
 * background everywhere, mid-tone colours from the 256-colour palette,
 * the nearest of the 8 basic colours on smaller terminals); [colors] in
 * the config replaces any element; with NO_COLOR set, or on a terminal
 * without colours, only attributes (bold, reverse ...) are used.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ui-int.h"

/* An element's default look. */
struct color_default {
	int fg256, bg256;	/* -1: the terminal's own */
	int fg8, bg8;
	unsigned int attrs;	/* CONFIG_ATTR_*, with colours */
	unsigned int mono;	/* CONFIG_ATTR_*, without colours */
};

#define D	CONFIG_COLOR_DEFAULT
#define BOLD	CONFIG_ATTR_BOLD
#define DIM	CONFIG_ATTR_DIM
#define REV	CONFIG_ATTR_REVERSE
#define UNDER	CONFIG_ATTR_UNDERLINE

static const struct color_default color_defaults[COLOR_COUNT] = {
	[COLOR_INDEX] = { D, D, D, D, 0, 0 },
	[COLOR_INDEX_SELECTED] = { D, D, D, D, REV, REV },
	[COLOR_UNREAD] = { D, D, D, D, BOLD, BOLD },
	[COLOR_FLAGGED] = { 166, D, 1, D, 0, UNDER },
	[COLOR_DELETED] = { 244, D, D, D, DIM, DIM },
	[COLOR_TREE] = { 31, D, 5, D, 0, 0 },
	[COLOR_FOLDER] = { D, D, D, D, 0, 0 },
	[COLOR_FOLDER_SELECTED] = { D, D, D, D, REV, REV },
	[COLOR_HEADER] = { D, D, D, D, BOLD, BOLD },
	[COLOR_BODY] = { D, D, D, D, 0, 0 },
	[COLOR_QUOTE1] = { 28, D, 2, D, 0, 0 },
	[COLOR_QUOTE2] = { 130, D, 5, D, 0, 0 },
	[COLOR_QUOTE3] = { 97, D, 6, D, 0, 0 },
	[COLOR_SIGNATURE] = { 244, D, D, D, DIM, DIM },
	[COLOR_SEARCH] = { 16, 220, 0, 3, 0, REV },
	[COLOR_STATUS] = { D, D, D, D, REV, REV },
	[COLOR_HINTS] = { D, D, D, D, REV, REV },
	[COLOR_DIVIDER] = { D, D, D, D, REV, REV },
	[COLOR_ERROR] = { 160, D, 1, D, BOLD, BOLD },
};

#undef D
#undef BOLD
#undef DIM
#undef REV
#undef UNDER

/* The curses attributes of each element, once color_init() ran. */
static attr_t color_attrs[COLOR_COUNT];

/* Curses attributes for CONFIG_ATTR_* bits. */
static attr_t
color_curses_attrs(unsigned int a)
{
	attr_t r = 0;

	if (a & CONFIG_ATTR_BOLD)
		r |= A_BOLD;
	if (a & CONFIG_ATTR_DIM)
		r |= A_DIM;
	if (a & CONFIG_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & CONFIG_ATTR_REVERSE)
		r |= A_REVERSE;
#ifdef A_ITALIC
	if (a & CONFIG_ATTR_ITALIC)
		r |= A_ITALIC;
#endif
	if (a & CONFIG_ATTR_BLINK)
		r |= A_BLINK;
	if (a & CONFIG_ATTR_STANDOUT)
		r |= A_STANDOUT;
	return r;
}

/* The nearest colour a terminal with NCOLORS colours has for C. */
static int
color_reduce(int c, int ncolors)
{
	int r, g, b;

	if (c < 0 || c < ncolors)
		return c;
	if (c < 16)
		return c - 8;		/* bright to normal */
	if (c >= 232)
		return c < 244 ? 0 : 7;	/* the grey ramp */
	c -= 16;
	r = c / 36;
	g = (c / 6) % 6;
	b = c % 6;
	return (r >= 3 ? 1 : 0) | (g >= 3 ? 2 : 0) | (b >= 3 ? 4 : 0);
}

int
color_mono(void)
{
	const char *nc = getenv("NO_COLOR");

	return (nc != NULL && *nc != '\0') || !has_colors();
}

void
color_init(const struct config *cfg)
{
	const struct color_default *d;
	const struct config_color *u;
	int mono = color_mono(), e, fg, bg, ncolors;

	if (!mono && start_color() == ERR)
		mono = 1;
	if (!mono)
		use_default_colors();
	ncolors = mono ? 0 : COLORS;
	for (e = 0; e < COLOR_COUNT; e++) {
		d = &color_defaults[e];
		u = cfg != NULL && cfg->colors[e].set ? &cfg->colors[e] : NULL;
		if (mono) {
			color_attrs[e] = color_curses_attrs(u != NULL ?
			    u->attrs : d->mono);
			continue;
		}
		if (u != NULL) {
			fg = color_reduce(u->fg, ncolors);
			bg = color_reduce(u->bg, ncolors);
			color_attrs[e] = color_curses_attrs(u->attrs);
		} else {
			fg = ncolors >= 256 ? d->fg256 : d->fg8;
			bg = ncolors >= 256 ? d->bg256 : d->bg8;
			color_attrs[e] = color_curses_attrs(d->attrs);
		}
		if ((fg != -1 || bg != -1) && e + 1 < COLOR_PAIRS &&
		    init_pair((short)(e + 1), (short)fg, (short)bg) != ERR)
			color_attrs[e] |= COLOR_PAIR(e + 1);
	}
}

attr_t
color_attr(enum config_color_elem e)
{
	if ((int)e < 0 || e >= COLOR_COUNT)
		return 0;
	return color_attrs[e];
}
