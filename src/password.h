/*
 * Getting a password: running password_cmd, or asking on the terminal with
 * echo off. The returned string is the caller's to clear and free with
 * xfree_secret().
 */
#ifndef TERN_PASSWORD_H
#define TERN_PASSWORD_H

/*
 * Run CMD with /bin/sh and return the first line of its output (without
 * the newline). Returns NULL with *ERR set if the command fails or prints
 * nothing.
 */
char *password_from_cmd(const char *cmd, char **err);
/*
 * The same for the command of config key KEY (oauth2_refresh_token_cmd
 * ...), which the messages in *ERR name instead of password_cmd.
 */
char *password_from_key_cmd(const char *key, const char *cmd, char **err);
/* Ask on /dev/tty with PROMPT, echo off. NULL with *ERR set on failure. */
char *password_prompt(const char *prompt, char **err);

#endif
