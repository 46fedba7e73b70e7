/*
 * gettext glue: every user-visible string is written _("...") (or N_() where
 * it must stay a constant and is translated at use).
 */
#ifndef TERN_I18N_H
#define TERN_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s) (s)

#endif
