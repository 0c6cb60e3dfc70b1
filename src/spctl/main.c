/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/main.c - global options, help, and dispatch to a verb.
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spctl/spctl.h"

#include "util/banned.h"

const char *spctl_cmd_name;
static char cmd_name_buf[64];

int spctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("spctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'spctl%s%s --help'.\n", spctl_cmd_name ? " " : "",
		spctl_cmd_name ? spctl_cmd_name : "");
	return SPCTL_USAGE;
}

static void spctl_clear(struct spctl *ctl)
{
	free(ctl->server);
	free(ctl->user);
	spctl_wipe_freep(&ctl->password);
}

static void help_global(void)
{
	printf("Usage: spctl [options] <command> [<verb>] [arguments] [options]\n"
	       "\n"
	       "spctl talks to a Spider server over its REST API: it registers drivers,\n"
	       "credentials, regions and connections, reads a connection's catalogue, and\n"
	       "manages its resources: VPCs, security groups, key pairs, VMs, disks, ...\n"
	       "\n"
	       "Commands (run 'spctl <command> --help' for more):\n");
	for (const struct command *c = spctl_commands; c->name; c++) {
		_cleanup_free_ char *verbs = NULL;
		size_t len = 0;
		FILE *f;

		printf("  %-14s ", c->name);
		if (!c->verbs[0].name) {
			printf("%s\n", c->summary);
			continue;
		}
		f = open_memstream(&verbs, &len);
		for (const struct verb *v = c->verbs; f && v->run; v++)
			fprintf(f, "%s%s", v == c->verbs ? "" : ", ", v->name);
		if (!f || fclose(f) != 0) {
			fputs("spctl: out of memory\n", stderr);
			return;
		}
		spctl_print_wrapped(verbs, 17);
	}
	printf("\nOptions (allowed before the command and after the verb):\n");
	spctl_print_options(spctl_global_opts);
	printf("  -h, --help                  show help (also after any command or verb)\n"
	       "\n"
	       "Environment: SPIDER_SERVER, SPIDER_USERNAME, SPIDER_PASSWORD,\n"
	       "SPIDER_CONNECTION for the commands that take -c, and SPIDER_NS for the\n"
	       "namespace of the MCIS commands (-n).\n"
	       "\n"
	       "Exit status: 0 success, 1 the request failed, 2 usage error.\n");
}

static void help_command(const struct command *c)
{
	int width = 0;

	printf("Usage: spctl %s <verb> [arguments] [options]\n\n"
	       "Verbs for %s:\n", c->name, c->summary);
	for (const struct verb *v = c->verbs; v->run; v++)
		if ((int)strlen(v->name) > width)
			width = (int)strlen(v->name);
	for (const struct verb *v = c->verbs; v->run; v++) {
		printf("  %-*s  ", width, v->name);
		spctl_print_wrapped(v->summary, width + 4);
	}
	printf("\nRun 'spctl %s <verb> --help' for the options of a verb.\n", c->name);
}

static void help_verb(const struct verb *v)
{
	printf("Usage: spctl %s", spctl_cmd_name);
	if (v->pos_synopsis && *v->pos_synopsis)
		printf(" %s", v->pos_synopsis);
	for (const struct opt *o = v->opts; o->name; o++)
		if (o->required)
			printf(" --%s %s", o->name, o->metavar);
	printf(" [options]\n\n%s.\n", v->summary);
	if (v->opts[0].name) {
		printf("\nOptions:\n");
		spctl_print_options(v->opts);
	}
	printf("\nGlobal options (see 'spctl --help'): -s URL, -u USER, -p PASSWORD,\n"
	       "--json, --timeout SEC.\n");
}

/* http://host:port, without a trailing "/" or "/spider". */
static int set_server(struct spctl *ctl)
{
	char *s = ctl->server, *auth;
	size_t len;

	if (!strstr(s, "://")) {
		if (asprintf(&s, "http://%s", ctl->server) < 0) {
			fputs("spctl: out of memory\n", stderr);
			return SPCTL_FAIL;
		}
		free(ctl->server);
		ctl->server = s;
	}
	if (strncasecmp(s, "http://", 7) && strncasecmp(s, "https://", 8))
		return spctl_usage_error("the server URL must be http:// or https://, not '%s'", s);
	auth = strstr(s, "://") + 3;
	if (memchr(auth, '@', strcspn(auth, "/?#")))
		return spctl_usage_error("put the login in SPIDER_USERNAME and SPIDER_PASSWORD, not in the server URL");
	len = strlen(s);
	while (len && s[len - 1] == '/')
		s[--len] = '\0';
	if (len >= 7 && !strcmp(s + len - 7, "/spider"))
		s[len - 7] = '\0';
	return 0;
}

static char *env_dup(const char *name, const char *def)
{
	const char *v = getenv(name);

	if (!v || !*v)
		v = def;
	return v ? strdup(v) : NULL;
}

/* What a parse asks for before any request: help (on the verb, or the
 * global one when v is NULL), the version, or a usage error.  Returns the
 * exit status, or -1 to go on. */
static int parsed(enum parse_result r, const struct verb *v)
{
	switch (r) {
	case PARSE_HELP:
		if (v)
			help_verb(v);
		else
			help_global();
		return SPCTL_OK;
	case PARSE_VERSION:
		printf("spctl %s\n", SPIDER_VERSION);
		return SPCTL_OK;
	case PARSE_ERROR:
		return SPCTL_USAGE;
	case PARSE_OK:
		break;
	}
	return -1;
}

static int run(struct spctl *ctl, int argc, char **argv)
{
	_cleanup_(spctl_args_clear) struct args a = { 0 };
	const struct command *c;
	const struct verb *v;
	int used, i, rc;

	rc = parsed(spctl_args_parse(ctl, NULL, argc - 1, argv + 1, true, &a, &used), NULL);
	if (rc >= 0)
		return rc;
	spctl_args_clear(&a);
	i = 1 + used;
	if (i >= argc)
		return spctl_usage_error("no command given");
	for (c = spctl_commands; c->name && strcmp(c->name, argv[i]); c++)
		;
	if (!c->name)
		return spctl_usage_error("unknown command '%s'", argv[i]);
	spctl_cmd_name = c->name;
	i++;
	v = c->verbs;
	if (v->name) {
		if (i >= argc)
			return spctl_usage_error("'%s' needs a verb", c->name);
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help_command(c);
			return SPCTL_OK;
		}
		for (; v->run && strcmp(v->name, argv[i]); v++)
			;
		if (!v->run)
			return spctl_usage_error("'%s' has no verb '%s'", c->name, argv[i]);
		snprintf(cmd_name_buf, sizeof(cmd_name_buf), "%s %s", c->name, v->name);
		spctl_cmd_name = cmd_name_buf;
		i++;
	}

	rc = parsed(spctl_args_parse(ctl, v->opts, argc - i, argv + i, false, &a, NULL), v);
	if (rc >= 0)
		return rc;
	if (a.npos < v->min_pos)
		return spctl_usage_error("missing %s", v->pos_synopsis);
	if (a.npos > v->max_pos)
		return spctl_usage_error("unexpected argument '%s'", a.pos[v->max_pos]);
	if ((rc = set_server(ctl)) != 0)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fputs("spctl: cannot initialise libcurl\n", stderr);
		return SPCTL_FAIL;
	}
	rc = v->run(ctl, v, &a);
	curl_global_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	_cleanup_(spctl_clear) struct spctl ctl = {
		.server = env_dup("SPIDER_SERVER", SPCTL_DEFAULT_SERVER),
		.user = env_dup("SPIDER_USERNAME", NULL),
		.password = env_dup("SPIDER_PASSWORD", NULL),
	};
	int rc;

	if (!ctl.server) {
		fputs("spctl: out of memory\n", stderr);
		return SPCTL_FAIL;
	}
	rc = run(&ctl, argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("spctl: cannot write the output");
		return SPCTL_FAIL;
	}
	return rc;
}
