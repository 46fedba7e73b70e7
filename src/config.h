/*
 * The configuration: the INI file of DESIGN.md read with libinih, and the
 * URL form (imaps://user@host:port/FOLDER) that opens one mailbox without a
 * file. All memory belongs to the struct config; config_free() frees it.
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include <stddef.h>

enum account_proto { PROTO_IMAP, PROTO_POP3 };
/* How the connection is secured: implicit TLS, STARTTLS/STLS, or none. */
enum tls_mode { TLS_IMPLICIT, TLS_STARTTLS, TLS_OFF };
enum cache_mode { CACHE_HEADERS, CACHE_BODIES, CACHE_OFF };
/*
 * How to log in: auto (the best the server offers; see conn.c), SASL
 * PLAIN, the protocol's own LOGIN (IMAP) or USER/PASS (POP3), APOP, or
 * an OAuth 2.0 access token with SASL XOAUTH2 or OAUTHBEARER (RFC 7628).
 */
enum auth_mode {
	AUTH_AUTO, AUTH_PLAIN, AUTH_LOGIN, AUTH_APOP, AUTH_XOAUTH2,
	AUTH_OAUTHBEARER
};
/* Providers whose OAuth 2.0 endpoints and scopes tern knows. */
enum oauth2_provider { OAUTH2_NONE, OAUTH2_GOOGLE, OAUTH2_MICROSOFT };
/* Where the copy of a sent message goes (account_config.sent). */
enum sent_mode { SENT_AUTO, SENT_NONE, SENT_FOLDER };
/* How f forwards: the text quoted inline, or the message attached. */
enum forward_mode { FORWARD_INLINE, FORWARD_ATTACH };
enum sort_kind { SORT_DATE, SORT_THREADS, SORT_FROM, SORT_SUBJECT, SORT_SIZE };

struct account_config {
	char *name;
	enum account_proto proto;
	char *host;
	int port;		/* always set: the scheme's default if absent */
	enum tls_mode tls;
	char *user;
	char *password_cmd;	/* NULL: prompt */
	char *tls_ca_file;	/* NULL: the system store only */
	unsigned char fingerprint[32];	/* SHA-256 pin when has_fingerprint */
	int has_fingerprint;
	enum cache_mode cache;
	char *folder;		/* folder to open first (URL path); NULL: INBOX */
	int pop3_delete;
	int pop3_keep_days;	/* 0: never */
	int pop3_interval;	/* seconds between checks; 0: only on request */
	long long pop3_max_size;	/* bytes; larger messages are listed, not
					 * fetched; 0: no limit */
	int pop3_delete_with_local;	/* keep mode: deleting a downloaded
					 * message deletes it on the server */
	int status_interval;	/* seconds between STATUS polls; 0: never */
	int mass_delete_percent;	/* the mass-deletion guard: share */
	int mass_delete_min;	/* ... and count of a folder's messages */
	int prefetch;		/* cache = bodies: newest bodies fetched */
	int connections;	/* IMAP: 2, a second one for background work */
	int line;		/* line of the [account] header, 0 for a URL */
	char *password;		/* "password": allowed only in a file that
				 * group and others cannot read; NULL: none */
	int timeout;		/* seconds a network read or write may wait */
	enum auth_mode auth;
	/*
	 * OAuth 2.0 (set when any oauth2_ key is): an access token from
	 * oauth2_token_cmd, or one tern gets at oauth2_token_url for the
	 * refresh token that oauth2_refresh_token_cmd prints. The provider
	 * fills in the URLs and the scope the file leaves out.
	 */
	int oauth2;
	enum oauth2_provider oauth2_provider;
	char *oauth2_token_cmd;
	char *oauth2_token_url;
	char *oauth2_device_url;	/* the device grant (RFC 8628) */
	char *oauth2_client_id;
	char *oauth2_client_secret_cmd;	/* NULL: a public client */
	char *oauth2_refresh_token_cmd;
	char *oauth2_scope;
	char *oauth2_store_cmd;	/* takes a new refresh token on stdin */

	/*
	 * Sending (smtp.h, compose.h). smtp_host NULL: the account cannot
	 * send. smtps:// is implicit TLS (port 465), smtp:// STARTTLS
	 * (587) unless tls = off (then plain text; smtps:// stays TLS).
	 * The account's user and credentials sign in, as smtp_user when it
	 * is set. An account with smtp has a from.
	 */
	char *smtp_host;
	int smtp_port;
	enum tls_mode smtp_tls;
	char *smtp_user;	/* NULL: user */
	char *from;		/* "Name <addr>": needed to send */
	char *from_addr;	/* the addr-spec of from (the envelope's) */
	char *reply_to;		/* a Reply-To for what is written; NULL */
	char *signature;	/* a file appended under "-- " (an absolute
				 * path, ~/ expanded); NULL */
	/* Where the Sent copy goes: auto (the \Sent special-use folder,
	 * none on a server that files its own: Gmail), none, a folder. */
	enum sent_mode sent;
	char *sent_folder;	/* sent = FOLDER */
	char *drafts;		/* NULL: the \Drafts special-use folder */
};

/* Whether CFG signs in with an OAuth 2.0 access token. */
#define ACCOUNT_OAUTH2(cfg) ((cfg)->oauth2)

/* What d does: set \Deleted, or move to the Trash (flag inside it). */
enum delete_mode { DELETE_FLAG, DELETE_TRASH };
/* Whether deleted messages are expunged on `$` and on leaving a folder. */
enum expunge_mode { EXPUNGE_ASK, EXPUNGE_YES, EXPUNGE_NO };
/*
 * Whether q (quit) and x (exit) leave the reader: mutt's quad option
 * $quit. ASK_YES asks with yes the answer of Enter, ASK_NO with no.
 */
enum quit_mode { QUIT_ASK_YES, QUIT_ASK_NO, QUIT_YES, QUIT_NO };

struct ui_config {
	enum sort_kind sort;
	int sort_reverse;
	int pager_lines;
	enum delete_mode delete_mode;	/* delete = flag | trash */
	enum expunge_mode expunge;	/* expunge = ask | yes | no */
	enum quit_mode quit;	/* quit = ask-yes | ask-no | yes | no */
	int bell;		/* bell = yes: ring on new mail */
	char *index_format;	/* NULL: FORMAT_INDEX_DEFAULT (format.h) */
	int thread_subject;	/* threads also join replies by subject */
	char **headers;		/* fields the pager shows; NULL: the usual */
	int prefer_html;	/* text/html before text/plain */
	/* Writing mail (compose.h). */
	char *editor;		/* NULL: $VISUAL, $EDITOR, vi */
	char *attribution;	/* NULL: "On %d, %n wrote:" (translated) */
	enum forward_mode forward;
	int text_flowed;	/* send format=flowed */
};

/*
 * The modes a `bind` line names, as a mask: the three panes and the
 * full-screen modes (the bits are those of ui/cmd.h's CMD_IN_*).
 */
#define CONFIG_PANE_FOLDERS	0x01u
#define CONFIG_PANE_INDEX	0x02u
#define CONFIG_PANE_PAGER	0x04u
#define CONFIG_MODE_HELP	0x08u
#define CONFIG_MODE_ATTACH	0x10u
#define CONFIG_MODE_PREVIEW	0x20u
#define CONFIG_MODE_COMPOSE	0x40u
#define CONFIG_PANE_ALL		0x7fu

/*
 * A "bind = PANES KEY ACTION" line of [keys]. The key and the action are
 * checked by the front end, which knows them; LINE is for its message.
 */
struct config_bind {
	unsigned int panes;	/* CONFIG_PANE_* */
	char *key;
	char *action;
	int line;
};

/* The elements [colors] sets (config_color_names[] spells them). */
enum config_color_elem {
	COLOR_INDEX,		/* an index line */
	COLOR_INDEX_SELECTED,	/* the selected index line */
	COLOR_UNREAD,
	COLOR_FLAGGED,
	COLOR_DELETED,
	COLOR_TREE,		/* thread tree lines */
	COLOR_FOLDER,		/* a line of the folder pane */
	COLOR_FOLDER_SELECTED,
	COLOR_HEADER,		/* header lines in the pager */
	COLOR_BODY,		/* the message text */
	COLOR_QUOTE1,		/* quoted text, by depth */
	COLOR_QUOTE2,
	COLOR_QUOTE3,
	COLOR_SIGNATURE,
	COLOR_SEARCH,		/* a search match in the pager */
	COLOR_STATUS,		/* the status line */
	COLOR_HINTS,		/* the key hints at the top */
	COLOR_DIVIDER,		/* the line between index and pager */
	COLOR_ERROR,		/* error messages */
	COLOR_COUNT
};

/* Colour attributes. */
#define CONFIG_ATTR_BOLD	0x01u
#define CONFIG_ATTR_DIM		0x02u
#define CONFIG_ATTR_UNDERLINE	0x04u
#define CONFIG_ATTR_REVERSE	0x08u
#define CONFIG_ATTR_ITALIC	0x10u
#define CONFIG_ATTR_BLINK	0x20u
#define CONFIG_ATTR_STANDOUT	0x40u

/* CONFIG_COLOR_DEFAULT: the terminal's own colour. */
#define CONFIG_COLOR_DEFAULT	(-1)

/* One [colors] entry: colours 0-255 or CONFIG_COLOR_DEFAULT. */
struct config_color {
	int set;		/* the file set it (else the default scheme) */
	int fg, bg;
	unsigned int attrs;	/* CONFIG_ATTR_* */
	int line;
};

extern const char *const config_color_names[COLOR_COUNT];

struct config {
	char *path;		/* the file read; NULL for a URL */
	char *name;		/* the file as messages name it; NULL for a URL */
	struct ui_config ui;
	struct account_config **accounts;
	size_t naccounts;
	struct config_bind *binds;	/* in file order */
	size_t nbinds;
	struct config_color colors[COLOR_COUNT];
};

/*
 * Read the file PATH. Returns 0 and the config in *CFG_R, or -1 with a
 * message in *ERR ("FILE:LINE: key \"KEY\": what is wrong"); free() it.
 */
int config_load(const char *path, struct config **cfg_r, char **err);
/* As config_load(), from the NUL-terminated TEXT; NAME stands for the file. */
int config_load_string(const char *text, const char *name,
    struct config **cfg_r, char **err);
/*
 * Build a one-account config from URL (imaps://, imap://, pop3s://,
 * pop3://, with user@, :port and /FOLDER). Returns 0, or -1 with *ERR set.
 */
int config_from_url(const char *url, struct config **cfg_r, char **err);
/*
 * The default config path ($XDG_CONFIG_HOME/tern/config, else
 * ~/.config/tern/config); free() it. NULL if no home directory is known.
 */
char *config_default_path(void);
/* The account called NAME, or NULL. */
struct account_config *config_find_account(const struct config *cfg,
    const char *name);
void config_free(struct config *cfg);

#endif
