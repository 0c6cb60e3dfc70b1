/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/spctl.h - the parts of spctl, the command-line client of the Spider
 * REST API (docs/api.md).
 *
 *   main.c      global options, help, dispatch through the command table
 *   commands.c  the command table and the verbs
 *   args.c      parses a verb's options from its declarative table
 *   body.c      JSON bodies for the create verbs (KEY=VALUE, stdin, files)
 *   http.c      sends one request; reports every failure itself
 *   output.c    tables, "key: value" blocks and pretty-printed JSON
 *
 * Exit codes: 0 success, 1 the request failed (server error, unreachable
 * server, bad response), 2 usage error.
 */
#ifndef SP_SPCTL_H
#define SP_SPCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/macros.h"

enum { SPCTL_OK = 0, SPCTL_FAIL = 1, SPCTL_USAGE = 2 };

/* Caps on what we read: a server response, and --kv-file or stdin. */
#define SPCTL_MAX_RESPONSE ((size_t)64 << 20)
#define SPCTL_MAX_INPUT ((size_t)1 << 20)

#define SPCTL_DEFAULT_SERVER "http://127.0.0.1:1024"

/* Global settings, from the environment and then the global options. */
struct spctl {
	char *server;   /* base URL without trailing '/'; owned */
	char *user;     /* NULL: send no login; owned */
	char *password; /* owned; wiped when freed */
	bool json;      /* print the server's JSON instead of tables */
	long timeout_ms; /* whole request; 0 = no limit */
};

/* ---- options (args.c) ------------------------------------------------ */

enum opt_kind {
	OPT_FLAG,  /* --errors */
	OPT_VALUE, /* --name N, --name=N, -n N, -nN; the last one wins */
	OPT_LIST,  /* --kv K=V, repeatable */
};

/*
 * One option of a verb.  Besides parsing, the table drives the generic
 * verbs: .query puts the value in the query string, .field in the JSON
 * body, .kv_key adds {"Key": kv_key, "Value": value} to KeyValueInfoList.
 */
struct opt {
	const char *name; /* long name without "--"; NULL ends a table */
	char short_name;  /* 0: none */
	enum opt_kind kind;
	bool required;
	bool number;         /* must be a non-negative integer */
	const char *metavar; /* OPT_VALUE and OPT_LIST */
	const char *help;
	const char *env;     /* fallback environment variable */
	const char *query;   /* query-string key */
	const char *field;   /* JSON body key */
	const char *kv_key;  /* KeyValueInfoList key */
};

struct optval {
	bool set;
	const char *value;  /* OPT_VALUE; borrowed from argv or environ */
	const char **items; /* OPT_LIST; array owned, strings borrowed */
	size_t n;
};

struct args {
	const struct opt *opts; /* the verb's table */
	struct optval *val;     /* one per entry of opts; owned */
	const char **pos;       /* positional arguments; array owned */
	size_t npos;
};

/* PARSE_HELP and PARSE_VERSION: --help or --version was given; the rest
 * of argv is left unparsed. */
enum parse_result { PARSE_OK, PARSE_HELP, PARSE_VERSION, PARSE_ERROR };

/*
 * Parse argv[0..argc) against the verb's table and the global options
 * (which are allowed anywhere and applied to *ctl).  With stop_at_word, stop
 * at the first non-option (used for the global options before the
 * command) and return the number of arguments consumed in *ret_used.
 * PARSE_ERROR has already been reported on stderr.
 */
enum parse_result spctl_args_parse(struct spctl *ctl, const struct opt *opts,
				   int argc, char **argv, bool stop_at_word,
				   struct args *ret, int *ret_used);
void spctl_args_clear(struct args *a);
const struct optval *spctl_arg(const struct args *a, const char *name);
/* The value of an OPT_VALUE option, or NULL when not given. */
const char *spctl_arg_str(const struct args *a, const char *name);
void spctl_print_options(const struct opt *opts);
extern const struct opt spctl_global_opts[];

/* ---- the command table (commands.c) ----------------------------------- */

struct verb;
struct column;

/* What a group of verbs works on; the generic verbs are driven by it. */
struct resource {
	const char *what;      /* "driver", for messages */
	const char *path;      /* "/driver" */
	const char *list_key;  /* "driver": the list in {"driver":[...]} */
	const struct column *columns;
	bool hide_values;      /* KeyValueInfoList values are secrets */
	const char *sub;       /* "/check": appended after /NAME */
};

typedef int (*verb_fn)(struct spctl *ctl, const struct verb *v,
		       const struct args *a);

struct verb {
	const char *name;     /* NULL: the command takes no verb */
	const char *summary;
	const char *pos_synopsis; /* positional arguments, e.g. "NAME" */
	size_t min_pos, max_pos;
	const struct opt *opts; /* NULL-terminated */
	const struct resource *res;
	verb_fn run;          /* NULL ends a verb table */
};

struct command {
	const char *name;
	const char *summary;
	const struct verb *verbs;
};

extern const struct command spctl_commands[];

/* The command being run, for the --help hint ("driver create"); NULL
 * before the command is known. */
extern const char *spctl_cmd_name;
/* Print "spctl: <message>" and a pointer to the right --help; returns 2. */
int spctl_usage_error(const char *fmt, ...) _printf_(1, 2);

/* ---- request bodies (body.c) ----------------------------------------- */

/*
 * The body of a create verb: .field options as strings, .kv_key options
 * and --kv / --kv-file as {"Key","Value"} in KeyValueInfoList.  Returns 0
 * with *ret set (free it with spctl_json_wipe_decrefp), or an exit code
 * after reporting.
 */
int spctl_body_build(const struct args *a, json_t **ret);
/* Append {"Key": key, "Value": value}; -1 after reporting. */
int spctl_kv_append(json_t *list, const char *key, const char *value);
/* KEY=VALUE from option --opt; a VALUE of "-" is read from standard input
 * (once), so secrets stay out of argv.  Messages never repeat the VALUE.
 * Returns 0 or an exit code after reporting. */
int spctl_kv_append_arg(json_t *list, const char *opt, const char *arg);
/* json_decref, wiping the KeyValueInfoList values first. */
void spctl_json_wipe_decrefp(json_t **p);

/* Free a string that may hold a secret, wiping it first. */
static inline void spctl_wipe_freep(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
	}
}
#define _cleanup_wipe_ _cleanup_(spctl_wipe_freep)

/* ---- HTTP (http.c) --------------------------------------------------- */

struct reply {
	long status;
	json_t *json; /* parsed body; owned */
	char *raw;    /* body as received, NUL-terminated; owned */
	size_t len;
};

void spctl_reply_clear(struct reply *r);

/*
 * Send METHOD <server>/spider<path> with an optional JSON body.  path is
 * already percent-encoded.  Returns 0 with *ret filled on a 2xx answer
 * with a JSON body; otherwise reports the failure on stderr and returns -1.
 */
int spctl_call(const struct spctl *ctl, const char *method, const char *path,
	       const json_t *body, struct reply *ret);

/* Percent-encode s for a path segment or a query value; NULL on ENOMEM. */
char *spctl_escape(const char *s);

/* ---- output (output.c) ----------------------------------------------- */

/* A table column: a value at .path in each item, or .format's result. */
struct column {
	const char *header;
	/* "A.B", "List.0.Name"; "a|b" takes the first present; "" = the item */
	const char *path;
	/* Returns a malloc'd cell, or NULL for "-"; path is passed through. */
	char *(*format)(json_t *item, const char *path);
};

json_t *spctl_json_path(json_t *root, const char *path);
/* A JSON value as a cell: strings as is, arrays joined with ","; NULL for
 * missing, null or empty. */
char *spctl_json_text(json_t *v);
/* Returns -1 after reporting when out of memory. */
int spctl_print_table(const struct column *cols, json_t *items);
void spctl_print_object(json_t *obj, bool hide_values);
/* Pretty-print a JSON text without re-encoding it, so numbers, key order
 * and escapes stay exactly as the server sent them. */
void spctl_print_json(const char *raw, size_t len);

#endif
