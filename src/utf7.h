/*
 * IMAP mailbox names in modified UTF-7 (RFC 3501 section 5.1.3).
 */
#ifndef TERN_UTF7_H
#define TERN_UTF7_H

/*
 * Decode the modified UTF-7 name S to UTF-8. Returns a new string, or NULL
 * when S is not valid modified UTF-7 (the caller then shows it escaped).
 */
char *utf7_decode(const char *s);
/* Encode the UTF-8 name S as modified UTF-7; NULL if S is not valid UTF-8. */
char *utf7_encode(const char *s);

#endif
