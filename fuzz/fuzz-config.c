/*
 * Fuzz target: the configuration. The input is the text of a config file
 * for config_load_string(), and its first line a URL for
 * config_from_url(). Checked: either a config or one error, never both;
 * an error names the file and a line; every account of a config has a
 * host made of host characters, a port, a user and a known protocol; an
 * index_format passes format_check(); bind lines have a key and an action.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "format.h"
#include "fuzz.h"

#define FUZZ_CONFIG_NAME "fuzz.conf"

static void
fuzz_check_config(const struct config *cfg, int from_url)
{
	const struct account_config *ac;
	char *err = NULL;
	size_t i;
	const char *h;

	if (from_url && (cfg->naccounts != 1 || cfg->path != NULL))
		fuzz_fail("config_from_url: %zu accounts", cfg->naccounts);
	if (cfg->naccounts > 0 && cfg->accounts == NULL)
		fuzz_fail("no account array");
	for (i = 0; i < cfg->naccounts; i++) {
		ac = cfg->accounts[i];
		if (ac == NULL || ac->host == NULL || *ac->host == '\0')
			fuzz_fail("account %zu: no host", i);
		for (h = ac->host; *h != '\0'; h++)
			if (*h <= ' ' || *h >= 0x7f || *h == '/' || *h == '@')
				fuzz_fail("account %zu: host \"%s\"", i,
				    ac->host);
		if (ac->port < 1 || ac->port > 65535)
			fuzz_fail("account %zu: port %d", i, ac->port);
		if (ac->proto != PROTO_IMAP && ac->proto != PROTO_POP3)
			fuzz_fail("account %zu: protocol %d", i,
			    (int)ac->proto);
		if (!from_url && (ac->user == NULL || ac->name == NULL))
			fuzz_fail("account %zu: no user or name", i);
		if (config_find_account(cfg, ac->name) == NULL && !from_url)
			fuzz_fail("account \"%s\" not found", ac->name);
	}
	if (cfg->ui.index_format != NULL) {
		if (format_check(cfg->ui.index_format, &err) != 0)
			fuzz_fail("index_format \"%s\": %s",
			    cfg->ui.index_format, err);
	}
	if (cfg->nbinds > 0 && cfg->binds == NULL)
		fuzz_fail("no bind array");
	for (i = 0; i < cfg->nbinds; i++) {
		if (cfg->binds[i].key == NULL || cfg->binds[i].action == NULL ||
		    (cfg->binds[i].panes & ~CONFIG_PANE_ALL) != 0 ||
		    cfg->binds[i].panes == 0)
			fuzz_fail("bind %zu", i);
	}
	for (i = 0; i < COLOR_COUNT; i++) {
		const struct config_color *c = &cfg->colors[i];

		if (c->set && (c->fg < CONFIG_COLOR_DEFAULT || c->fg > 255 ||
		    c->bg < CONFIG_COLOR_DEFAULT || c->bg > 255))
			fuzz_fail("colour %s: %d %d", config_color_names[i],
			    c->fg, c->bg);
	}
}

FUZZ_TARGET(config)
{
	struct config *cfg = NULL;
	const uint8_t *rest;
	size_t rest_len;
	char *text, *url, *err = NULL;

	text = fuzz_strndup(data, size);
	if (config_load_string(text, FUZZ_CONFIG_NAME, &cfg, &err) == 0) {
		if (cfg == NULL || err != NULL)
			fuzz_fail("config_load_string: 0 without a config");
		fuzz_check_config(cfg, 0);
		config_free(cfg);
	} else {
		if (err == NULL)
			fuzz_fail("config_load_string: -1 without an error");
		if (strncmp(err, FUZZ_CONFIG_NAME ":", sizeof
		    FUZZ_CONFIG_NAME) != 0)
			fuzz_fail("an error without the file: %s", err);
		free(err);
	}
	free(text);

	fuzz_split(data, size, &url, &rest, &rest_len);
	cfg = NULL;
	err = NULL;
	if (config_from_url(url, &cfg, &err) == 0) {
		if (cfg == NULL || err != NULL)
			fuzz_fail("config_from_url: 0 without a config");
		fuzz_check_config(cfg, 1);
		config_free(cfg);
	} else if (err == NULL)
		fuzz_fail("config_from_url: -1 without an error");
	free(err);
	free(url);
	return (0);
}
