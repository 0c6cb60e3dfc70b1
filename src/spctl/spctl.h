/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/spctl.h - the parts of spctl, the command-line client of the Spider
 * REST API (docs/api.md).
 *
 *   main.c      global options, help, dispatch through the command table
 *   commands.c  the command table: resources, columns, options, verbs
 *   verbs.c     what the verbs do: the generic ones and those with a shape
 *               of their own
 *   mcis.c      the verbs of namespaces and MCIS with a shape of their own,
 *               and how the results of long calls are shown
 *   follow.c    long calls: start a request, follow it to its end with a
 *               progress bar, show its result
 *   cloud.c     'cloud add': driver, credential, regions and connections
 *               of a cloud account in one command, each checked
 *   args.c      parses a verb's options from its declarative table
 *   body.c      JSON request bodies from the options (KEY=VALUE, rules,
 *               subnets, stdin, files)
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
/* Cap on a small text file sent as one value (a public key). */
#define SPCTL_MAX_TEXT_FILE ((size_t)64 << 10)
/* Cap on a file that 'mcis copy' sends (base64 makes it a third larger). */
#define SPCTL_MAX_UPLOAD ((size_t)32 << 20)

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
 * Turns one value of option --opt into its JSON (a {"Key","Value"} pair, a
 * rule, a subnet).  Returns 0 with *ret set, or an exit code after
 * reporting.
 */
typedef int (*opt_conv_fn)(const char *opt, const char *arg, json_t **ret);

/*
 * One option of a verb.  Besides parsing, the table drives the generic
 * verbs: .segment and .query put the value in the path and the query
 * string, .field in the JSON body, .kv_key adds {"Key": kv_key, "Value":
 * value} to KeyValueInfoList.  A verb sends a body only when one of its
 * options has a .field or a .kv_key.
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
	/* JSON body key; "ReqInfo.Name" nests.  An OPT_LIST gives an array
	 * (absent when the option is not given). */
	const char *field;
	const char *kv_key;  /* KeyValueInfoList key */
	const char *segment; /* the value goes into the path after this ("/") */
	opt_conv_fn conv;    /* .field's JSON for a value; NULL: a string */
	/* OPT_FLAG with .query: the value sent ("mode=sequence"); NULL:
	 * "true". */
	const char *flag_value;
	const char *conflicts; /* an option that cannot be given with this one */
	const char *needs;     /* an option this one is meaningless without */
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
/* text, wrapped at 79 columns; the cursor is at column indent, and so is
 * each continued line. */
void spctl_print_wrapped(const char *text, int indent);
extern const struct opt spctl_global_opts[];

/* ---- the command table (commands.c) ----------------------------------- */

struct verb;
struct column;

/*
 * Shows the result of a long call (the "result" of a finished request, or
 * the answer of a call that did not need one) when print is set; with
 * --json only the exit code is wanted.  Returns the exit code: failures
 * inside the result (a VM that failed, a command that exited non-zero)
 * are reported on stderr and make it SPCTL_FAIL.
 */
typedef int (*spctl_result_fn)(json_t *result, bool print);

/*
 * What a group of verbs works on; the generic verbs are driven by it.  The
 * path of a request is path, then each positional argument as a segment
 * (sub after the first one: /vpc/VPC/subnet/NAME), then the .segment
 * options, then the query: the fixed one and the .query options.
 */
struct resource {
	const char *what;      /* "driver", for messages */
	const char *path;      /* "/driver" */
	const char *list_key;  /* "driver": the list in {"driver":[...]} */
	const struct column *columns;
	bool hide_values;      /* KeyValueInfoList values are secrets */
	const char *sub;       /* "/check": appended after /NAME */
	const char *query;     /* "action=suspend": always in the query */
	const char *value_key; /* "count": the answer is {"count": value} */
	bool in_ns;            /* the path starts with /ns/<--ns> */
	/* The last positional argument goes into the body under this key
	 * instead of into the path (ns create NAME, mcis scale ... COUNT). */
	const char *pos_field;
	spctl_result_fn show;  /* long calls: how their result is shown */
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
	const char *method;   /* NULL: the one the run function implies */
	const char *done;     /* "Detached": what a confirmation says was done */
};

struct command {
	const char *name;
	const char *summary;
	const struct verb *verbs;
};

extern const struct command spctl_commands[];

/* The verbs the table refers to (verbs.c).  Generic: list (a table of
 * res->list_key), get (the answer as "key: value" lines), list_or_get
 * ("[NAME]"), raw (always JSON), create (a body from the options; the
 * answer as get shows it), change (confirms {"Result":"true"} with
 * .done, or prints res->value_key), value (prints res->value_key),
 * mapping (the three lists of /allX; --info: /allXinfo).  The others have
 * a request or an output of their own. */
int spctl_run_list(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_get(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_list_or_get(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_raw(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_create(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_change(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_value(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_mapping(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_driver_create(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_check(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_price_get(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_version(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_vm_list(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_keypair_create(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_destroy(struct spctl *ctl, const struct verb *v, const struct args *a);
/* cloud.c */
int spctl_run_cloud_add(struct spctl *ctl, const struct verb *v, const struct args *a);
/* Long calls (follow.c): the generic one sends the request the table
 * describes; follow follows the request named by the argument. */
int spctl_run_long(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_follow(struct spctl *ctl, const struct verb *v, const struct args *a);
/* Send verb v's long call (v->method, default POST) with this path and
 * body: a 202 is followed to its end (or, with --no-wait, its request id
 * printed), any other answer is the result itself; either is shown with
 * v->res->show.  path NULL: out of memory.  Returns the exit code. */
int spctl_long_call(struct spctl *ctl, const struct verb *v, const struct args *a,
		    const char *path, const json_t *body);
/* mcis.c */
int spctl_run_mcis_create(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_mcis_add_vm(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_mcis_get(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_mcis_cmd(struct spctl *ctl, const struct verb *v, const struct args *a);
int spctl_run_mcis_copy(struct spctl *ctl, const struct verb *v, const struct args *a);

/* How the results of the MCIS long calls are shown (mcis.c): an MCIS
 * (create, add-vm, scale), a lifecycle action or delete, remote commands,
 * a file copy. */
int spctl_show_mcis(json_t *result, bool print);
int spctl_show_action(json_t *result, bool print);
int spctl_show_cmd(json_t *result, bool print);
int spctl_show_copy(json_t *result, bool print);
/* The one for a request's "kind" (mcisCreate, mcisControl, ...); NULL
 * for a kind spctl does not know. */
spctl_result_fn spctl_show_for_kind(const char *kind);

/* The command being run, for the --help hint ("driver create"); NULL
 * before the command is known. */
extern const char *spctl_cmd_name;
/* Print "spctl: <message>" and a pointer to the right --help; returns 2. */
int spctl_usage_error(const char *fmt, ...) _printf_(1, 2);

/* ---- request bodies (body.c) ----------------------------------------- */

/*
 * The body of a verb: .field options as strings (or .conv's JSON), .kv_key
 * options and --kv / --kv-file as {"Key","Value"} in KeyValueInfoList.
 * Returns 0 with *ret set (free it with spctl_json_wipe_decrefp), or an
 * exit code after reporting.
 */
int spctl_body_build(const struct args *a, json_t **ret);
/* Whether a verb with these options sends a body (see struct opt). */
bool spctl_body_wanted(const struct opt *opts);

/* Converters for opt.conv.  KEY=VALUE to {"Key","Value"}; a VALUE of "-"
 * is read from standard input as for --kv. */
int spctl_conv_kv(const char *opt, const char *arg, json_t **ret);
/* NAME,CIDR[,ZONE] to {"Name","IPv4_CIDR","Zone"}. */
int spctl_conv_subnet(const char *opt, const char *arg, json_t **ret);
/* DIRECTION,PROTOCOL,FROM,TO[,CIDR] to {"Direction","IPProtocol",
 * "FromPort","ToPort","CIDR"}; without a CIDR the server's default
 * (0.0.0.0/0) applies. */
int spctl_conv_rule(const char *opt, const char *arg, json_t **ret);
/* A secret string: "-" reads it from standard input (without echo on a
 * terminal), so it stays out of argv. */
int spctl_conv_secret(const char *opt, const char *arg, json_t **ret);
/* Append {"Key": key, "Value": value}; -1 after reporting. */
int spctl_kv_append(json_t *list, const char *key, const char *value);
/* KEY=VALUE from option --opt; a VALUE of "-" is read from standard input
 * (once), so secrets stay out of argv.  Messages never repeat the VALUE.
 * Returns 0 or an exit code after reporting. */
int spctl_kv_append_arg(json_t *list, const char *opt, const char *arg);
/* json_decref of a body of ours, wiping every string value in it first
 * (credential values, passwords). */
void spctl_json_wipe_decrefp(json_t **p);
/* All of the file at path ('-': standard input), at most max bytes, with
 * a NUL after them.  Returns 0 with *ret (free it) and *ret_len set, or
 * an exit code after reporting. */
int spctl_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* A JSON object from the file at path ('-': standard input), at most
 * SPCTL_MAX_INPUT bytes.  Returns 0 with *ret set, or an exit code after
 * reporting. */
int spctl_read_json(const char *path, json_t **ret);
/* Base64 (RFC 4648, padded) of data[0..len); NULL when out of memory. */
char *spctl_base64(const void *data, size_t len);
/* NAME=G,conn=C,spec=S,image=I,... (see 'spctl mcis create --help') to
 * one VM entry of an MCIS request: the static form when it names a VPC,
 * subnet, security groups or key pair, else the dynamic one. */
int spctl_conv_group(const char *opt, const char *arg, json_t **ret);
/* The text of the file at arg ('-': standard input), at most
 * SPCTL_MAX_TEXT_FILE bytes, without its final blanks and newlines. */
int spctl_conv_text_file(const char *opt, const char *arg, json_t **ret);
/* Ask on the terminal; true when the answer is exactly "yes". */
bool spctl_confirm(const char *question);

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

/* spctl_call, but a failure is not reported: what spctl_call would have
 * said (without "spctl: ") is in *ret_error instead, malloc'd (NULL when
 * memory ran out). */
int spctl_call_quiet(const struct spctl *ctl, const char *method, const char *path,
		     const json_t *body, struct reply *ret, char **ret_error);

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

/* ---- helpers of the verbs (verbs.c) ------------------------------------ */

void spctl_reply_clearp(struct reply *r);
#define _cleanup_reply_ _cleanup_(spctl_reply_clearp)
/* Reports that memory ran out; returns SPCTL_FAIL. */
int spctl_oom(void);
/* The path of a request on res with the first npos positional arguments
 * of a (see struct resource); NULL when out of memory. */
char *spctl_build_path(const struct resource *res, const struct args *a, size_t npos);
/* The body of verb v's request: the options' (spctl_body_build) and the
 * positional .pos_field; NULL in *ret when the verb sends none.  Returns
 * 0 or an exit code after reporting. */
int spctl_verb_body(const struct resource *res, const struct args *a, json_t **ret);
/* One request; with --json, print the answer as is.  Returns 0 or an exit
 * code after reporting. */
int spctl_request(const struct spctl *ctl, const char *method, const char *path,
		  const json_t *body, struct reply *ret);
/* The plugin file name spctl asks for by default, "<provider>-driver-v1.0.so"
 * in lower case (the original's convention; the server falls back to the
 * provider's installed plugin for a name it lacks); NULL on ENOMEM. */
char *spctl_driver_lib(const char *provider);
/* A table of items, or SPCTL_FAIL when items is NULL (already reported). */
int spctl_table(const struct column *cols, json_t *items);

#endif
