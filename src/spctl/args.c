/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/args.c - option parsing from the declarative tables in commands.c.
 *
 * Not getopt: every verb has its own table, the global options are valid
 * anywhere, and the same table prints --help, so a small parser of our own
 * is simpler than building getopt_long arrays on the fly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spctl/spctl.h"

#include "util/banned.h"

const struct opt spctl_global_opts[] = {
	{ "server", 's', OPT_VALUE, .metavar = "URL",
	  .help = "Spider server (default: $SPIDER_SERVER or " SPCTL_DEFAULT_SERVER ")" },
	{ "user", 'u', OPT_VALUE, .metavar = "USER",
	  .help = "login name (default: $SPIDER_USERNAME)" },
	{ "password", 'p', OPT_VALUE, .metavar = "PASSWORD",
	  .help = "password (default: $SPIDER_PASSWORD; prefer the environment: other users can read -p in ps)" },
	{ "json", 0, OPT_FLAG, .help = "print the server's JSON (pretty-printed) instead of a table" },
	{ "timeout", 0, OPT_VALUE, .metavar = "SEC",
	  .help = "give up on a request after SEC seconds (default: no limit)" },
	{ "version", 0, OPT_FLAG, .help = "print spctl's version and exit" },
	{ 0 }
};

static const struct opt *find_opt(const struct opt *opts, const char *name,
				  size_t len, char short_name)
{
	for (const struct opt *o = opts; o && o->name; o++) {
		if (short_name ? o->short_name == short_name
			       : strlen(o->name) == len &&
					 !strncmp(o->name, name, len))
			return o;
	}
	return NULL;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int set_global(struct spctl *ctl, const struct opt *o, char *value)
{
	char **slot = NULL;

	if (!strcmp(o->name, "timeout")) {
		char *end;
		double sec;

		errno = 0;
		sec = strtod(value, &end);
		if (errno || end == value || *end || sec < 0 || sec > 86400 * 7) {
			spctl_usage_error("invalid --timeout '%s': want seconds", value);
			return -1;
		}
		ctl->timeout_ms = (long)(sec * 1000);
		if (sec > 0 && ctl->timeout_ms == 0)
			ctl->timeout_ms = 1;
		return 0;
	}
	if (!strcmp(o->name, "server"))
		slot = &ctl->server;
	else if (!strcmp(o->name, "user"))
		slot = &ctl->user;
	else
		slot = &ctl->password;
	spctl_wipe_freep(slot);
	*slot = strdup(value);
	if (!*slot) {
		fputs("spctl: out of memory\n", stderr);
		return -1;
	}
	/* Blank the password in argv, so ps shows it for a moment at most. */
	if (slot == &ctl->password)
		explicit_bzero(value, strlen(value));
	return 0;
}

static int store(struct spctl *ctl, const struct opt *o, bool global,
		 struct optval *v, char *value, int max_items)
{
	if (o->kind == OPT_FLAG) {
		if (global)
			ctl->json = true; /* --version never gets here */
		else
			v->set = true;
		return 0;
	}
	if (o->number && !is_number(value)) {
		spctl_usage_error("--%s wants a number, not '%s'", o->name, value);
		return -1;
	}
	if (global)
		return set_global(ctl, o, value);
	v->set = true;
	if (o->kind == OPT_VALUE) {
		v->value = value;
	} else {
		if (!v->items) {
			v->items = calloc((size_t)max_items, sizeof(*v->items));
			if (!v->items) {
				fputs("spctl: out of memory\n", stderr);
				return -1;
			}
		}
		v->items[v->n++] = value;
	}
	return 0;
}

enum parse_result spctl_args_parse(struct spctl *ctl, const struct opt *opts,
				   int argc, char **argv, bool stop_at_word,
				   struct args *ret, int *ret_used)
{
	struct args a = { .opts = opts };
	size_t nopts = 0;
	int i;

	while (opts && opts[nopts].name)
		nopts++;
	a.val = calloc(nopts + 1, sizeof(*a.val)); /* +1: never calloc(0) */
	a.pos = calloc((size_t)argc + 1, sizeof(*a.pos));
	if (!a.val || !a.pos) {
		spctl_args_clear(&a);
		fputs("spctl: out of memory\n", stderr);
		return PARSE_ERROR;
	}

	for (i = 0; i < argc; i++) {
		char *arg = argv[i], *value = NULL;
		const char *name = NULL;
		const struct opt *o;
		bool global = false;
		size_t len = 0;
		char short_name = 0;

		if (!strcmp(arg, "--")) {
			if (stop_at_word)
				break;
			for (i++; i < argc; i++)
				a.pos[a.npos++] = argv[i];
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (stop_at_word)
				break;
			a.pos[a.npos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			spctl_args_clear(&a);
			return PARSE_HELP;
		}
		if (arg[1] == '-') {
			name = arg + 2;
			value = strchr(name, '=');
			len = value ? (size_t)(value - name) : strlen(name);
			if (value)
				value++;
		} else {
			short_name = arg[1];
			if (arg[2])
				value = arg + 2;
		}
		o = find_opt(opts, name, len, short_name);
		if (!o) {
			o = find_opt(spctl_global_opts, name, len, short_name);
			global = true;
			if (o && !strcmp(o->name, "version") && !value) {
				spctl_args_clear(&a);
				return PARSE_VERSION;
			}
		}
		if (!o) {
			if (short_name)
				spctl_usage_error("unknown option '-%c'", short_name);
			else
				spctl_usage_error("unknown option '--%.*s'", (int)len, name);
			goto fail;
		}
		if (o->kind == OPT_FLAG && value) {
			spctl_usage_error("--%s takes no value", o->name);
			goto fail;
		}
		if (o->kind != OPT_FLAG && !value) {
			if (i + 1 >= argc) {
				spctl_usage_error("--%s needs a value (%s)", o->name, o->metavar);
				goto fail;
			}
			value = argv[++i];
		}
		if (store(ctl, o, global, global ? NULL : &a.val[o - opts],
			  value, argc) < 0)
			goto fail;
	}

	for (size_t k = 0; k < nopts; k++) {
		const struct opt *o = &opts[k];
		const char *env = o->env ? getenv(o->env) : NULL;

		if (!a.val[k].set && env && *env) {
			a.val[k].set = true;
			a.val[k].value = env;
		}
		if (o->required && !a.val[k].set) {
			if (o->env)
				spctl_usage_error("missing --%s %s (or set %s)", o->name, o->metavar, o->env);
			else
				spctl_usage_error("missing --%s %s", o->name, o->metavar);
			goto fail;
		}
	}
	for (size_t k = 0; k < nopts; k++) {
		const struct opt *o = &opts[k];

		if (!a.val[k].set)
			continue;
		if (o->conflicts && spctl_arg(&a, o->conflicts)->set) {
			spctl_usage_error("--%s and --%s cannot be given together", o->name, o->conflicts);
			goto fail;
		}
		if (o->needs && !spctl_arg(&a, o->needs)->set) {
			spctl_usage_error("--%s needs --%s", o->name, o->needs);
			goto fail;
		}
	}
	if (ret_used)
		*ret_used = i;
	*ret = a;
	return PARSE_OK;

fail:
	spctl_args_clear(&a);
	return PARSE_ERROR;
}

void spctl_args_clear(struct args *a)
{
	if (a->val && a->opts)
		for (size_t k = 0; a->opts[k].name; k++)
			free(a->val[k].items);
	free(a->val);
	free(a->pos);
	*a = (struct args){ 0 };
}

const struct optval *spctl_arg(const struct args *a, const char *name)
{
	static const struct optval unset;

	for (size_t k = 0; a->opts && a->opts[k].name; k++)
		if (!strcmp(a->opts[k].name, name))
			return &a->val[k];
	return &unset;
}

const char *spctl_arg_str(const struct args *a, const char *name)
{
	const struct optval *v = spctl_arg(a, name);

	return v->set ? v->value : NULL;
}

/* Help text wrapped at 79 columns, continued under its first line. */
void spctl_print_wrapped(const char *text, int indent)
{
	int col = indent;

	while (*text) {
		int word = (int)strcspn(text, " ");

		if (col > indent && col + 1 + word > 79) {
			printf("\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		printf("%.*s", word, text);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
	putchar('\n');
}

void spctl_print_options(const struct opt *opts)
{
	for (const struct opt *o = opts; o && o->name; o++) {
		char head[64];

		snprintf(head, sizeof(head), "%c%c%s--%s%s%s%s",
			 o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
			 o->short_name ? ", " : "  ", o->name,
			 o->kind == OPT_FLAG ? "" : " ", o->kind == OPT_FLAG ? "" : o->metavar,
			 o->kind == OPT_LIST ? " ..." : "");
		if (strlen(head) > 26)
			printf("  %s\n%30s", head, "");
		else
			printf("  %-28s", head);
		spctl_print_wrapped(o->help, 30);
	}
}
