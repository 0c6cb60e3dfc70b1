/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/cloud.c - 'cloud add': a cloud account in one command.
 *
 * It does what the web tool's "Add a cloud" does, with the same names: the
 * provider's driver (one already registered, else <prefix>-driver), the
 * credential <prefix>-credential, and per region a region and a connection
 * config both named <prefix>-<region>; a region given without a zone gets
 * the first zone the cloud lists for it (GET /preconfig/regionzone/NAME,
 * which needs no connection yet).  Then every connection is checked and
 * the results shown as a table.
 *
 * Every registration is an upsert of a fixed name, so running the command
 * again changes nothing that is right already and finishes what a failure
 * left; a failure says what was registered before it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spctl/spctl.h"

#include "util/banned.h"

#define CLOUD_REGIONS_MAX 64

struct cloud_region {
	char *region; /* the cloud's name, "us-east-1" */
	char *zone;   /* NULL: none given (the cloud's first, if it has any) */
	char *name;   /* <prefix>-<region>: the region and connection objects */
	char *error;  /* the check's failure; NULL when it passed */
};

struct cloud_add {
	const struct spctl *ctl;
	char *provider; /* upper case */
	char *prefix;
	char *driver;
	char *credential;
	struct cloud_region regions[CLOUD_REGIONS_MAX];
	size_t n;
	json_t *made; /* what this run registered, "driver 'x'", in order */
};

static void cloud_add_clear(struct cloud_add *x)
{
	free(x->provider);
	free(x->prefix);
	free(x->driver);
	free(x->credential);
	for (size_t i = 0; i < x->n; i++) {
		free(x->regions[i].region);
		free(x->regions[i].zone);
		free(x->regions[i].name);
		free(x->regions[i].error);
	}
	json_decref(x->made);
}

/* s with each letter made upper (upper) or lower case; NULL on ENOMEM. */
static char *case_dup(const char *s, bool upper)
{
	char *out = strdup(s);

	for (char *p = out; p && *p; p++)
		*p = (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	return out;
}

/* REGION[/ZONE],... into x->regions. */
static int regions_parse(struct cloud_add *x, const char *arg)
{
	_cleanup_free_ char *buf = strdup(arg);
	char *rest = buf, *item;

	if (!buf)
		return spctl_oom();
	while ((item = strsep(&rest, ",")) != NULL) {
		char *zone = strchr(item, '/');
		struct cloud_region *r;

		if (zone)
			*zone++ = '\0';
		if (!*item || (zone && (!*zone || strchr(zone, '/'))))
			return spctl_usage_error("--regions wants REGION[/ZONE],..., not '%s'", arg);
		for (size_t i = 0; i < x->n; i++)
			if (!strcmp(x->regions[i].region, item))
				return spctl_usage_error("--regions names region '%s' twice", item);
		if (x->n == CLOUD_REGIONS_MAX)
			return spctl_usage_error("--regions names more than %d regions", CLOUD_REGIONS_MAX);
		r = &x->regions[x->n++];
		if (!(r->region = strdup(item)) || (zone && !(r->zone = strdup(zone))) ||
		    asprintf(&r->name, "%s-%s", x->prefix, item) < 0) {
			r->name = NULL;
			return spctl_oom();
		}
	}
	return 0;
}

/* Note that this run registered kind 'name'. */
static int made(struct cloud_add *x, const char *kind, const char *name)
{
	if (json_array_append_new(x->made, json_sprintf("%s '%s'", kind, name)) < 0)
		return spctl_oom();
	return 0;
}

/* After a step failed (reported already): what was registered before it,
 * and that running the command again finishes the work. */
static int stopped(struct cloud_add *x, const char *step)
{
	size_t i;
	json_t *e;

	fprintf(stderr, "spctl: cloud add stopped: %s failed; registered before it: ", step);
	json_array_foreach(x->made, i, e)
		fprintf(stderr, "%s%s", i ? ", " : "", json_string_value(e));
	fprintf(stderr, "%s\nspctl: fix the cause and run the same command again: it keeps what is done\n",
		json_array_size(x->made) ? "" : "nothing");
	return SPCTL_FAIL;
}

/* One registration, an upsert: POST path with body (stolen; NULL means
 * out of memory). */
static int upsert(struct cloud_add *x, const char *path, const char *kind,
		  const char *name, json_t *body)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *b = body;
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *step = NULL;

	if (!b)
		return spctl_oom();
	if (spctl_call(x->ctl, "POST", path, b, &r) == 0)
		return made(x, kind, name);
	if (asprintf(&step, "registering %s '%s'", kind, name) < 0)
		return spctl_oom();
	return stopped(x, step);
}

/* The items of GET /<what>?ProviderName=P, {"<what>":[...]}, or NULL
 * after reporting. */
static json_t *provider_list(struct cloud_add *x, const char *what, struct reply *r)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *p = spctl_escape(x->provider);
	json_t *list;

	if (!p || asprintf(&path, "/%s?ProviderName=%s", what, p) < 0) {
		spctl_oom();
		return NULL;
	}
	if (spctl_call(x->ctl, "GET", path, NULL, r) < 0)
		return NULL;
	list = json_object_get(r->json, what);
	if (!json_is_array(list) && !json_is_null(list)) {
		fprintf(stderr, "spctl: unexpected answer from the server: no '%s' list\n", what);
		return NULL;
	}
	return list;
}

/* The item of list whose key is name, or NULL. */
static json_t *list_find(json_t *list, const char *key, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		const char *n = json_string_value(json_object_get(e, key));

		if (n && !strcmp(n, name))
			return e;
	}
	return NULL;
}

/* <prefix>-driver when it is there, else the provider's first driver,
 * else a new <prefix>-driver with the provider's plugin. */
static int driver_pick(struct cloud_add *x)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *own = NULL;
	_cleanup_free_ char *lib = NULL;
	json_t *list, *pick;
	const char *name;

	if (asprintf(&own, "%s-driver", x->prefix) < 0) {
		own = NULL;
		return spctl_oom();
	}
	if (!(list = provider_list(x, "driver", &r)))
		return stopped(x, "listing the drivers");
	pick = list_find(list, "DriverName", own);
	if (!pick)
		pick = json_array_get(list, 0);
	name = json_string_value(json_object_get(pick, "DriverName"));
	if (name) {
		x->driver = strdup(name);
		return x->driver ? 0 : spctl_oom();
	}
	x->driver = TAKE_PTR(own);
	if (!(lib = spctl_driver_lib(x->provider)))
		return spctl_oom();
	return upsert(x, "/driver", "driver", x->driver,
		      json_pack("{s:s,s:s,s:s}", "DriverName", x->driver, "ProviderName",
				x->provider, "DriverLibFileName", lib));
}

/* With --kv or --kv-file, register <prefix>-credential (again); without,
 * it must be there already. */
static int credential_put(struct cloud_add *x, const struct args *a)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *body = NULL;
	_cleanup_reply_ struct reply r = { 0 };
	json_t *list;
	int rc;

	if (asprintf(&x->credential, "%s-credential", x->prefix) < 0) {
		x->credential = NULL;
		return spctl_oom();
	}
	if (spctl_arg(a, "kv")->set || spctl_arg(a, "kv-file")->set) {
		if ((rc = spctl_body_build(a, &body)) != 0)
			return rc;
		if (json_object_set_new(body, "CredentialName", json_string(x->credential)) < 0 ||
		    json_object_set_new(body, "ProviderName", json_string(x->provider)) < 0)
			return spctl_oom();
		return upsert(x, "/credential", "credential", x->credential, TAKE_PTR(body));
	}
	if (!(list = provider_list(x, "credential", &r)))
		return stopped(x, "listing the credentials");
	if (list_find(list, "CredentialName", x->credential))
		return 0;
	fprintf(stderr, "spctl: there is no credential '%s' to use: give its keys with --kv or --kv-file\n",
		x->credential);
	return stopped(x, "finding the credential");
}

/* A region without a zone gets the first one the cloud lists for it. */
static int zone_ask(struct cloud_add *x, struct cloud_region *reg)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *path = NULL, *step = NULL;
	_cleanup_free_ char *rn = spctl_escape(reg->region);
	_cleanup_free_ char *dn = spctl_escape(x->driver);
	_cleanup_free_ char *cn = spctl_escape(x->credential);
	const char *zone;

	if (!rn || !dn || !cn ||
	    asprintf(&path, "/preconfig/regionzone/%s?DriverName=%s&CredentialName=%s", rn, dn, cn) < 0) {
		path = NULL;
		return spctl_oom();
	}
	if (spctl_call(x->ctl, "GET", path, NULL, &r) < 0) {
		if (asprintf(&step, "asking %s for the zones of region '%s'", x->provider, reg->region) < 0)
			return spctl_oom();
		return stopped(x, step);
	}
	zone = json_string_value(spctl_json_path(r.json, "ZoneList.0.Name"));
	if (zone && *zone && !(reg->zone = strdup(zone)))
		return spctl_oom();
	return 0;
}

/* The region object and the connection config of one region. */
static int connection_put(struct cloud_add *x, const struct cloud_region *reg)
{
	_cleanup_json_ json_t *kv = json_pack("[{s:s,s:s}]", "Key", "Region", "Value", reg->region);
	int rc;

	if (!kv || (reg->zone && spctl_kv_append(kv, "Zone", reg->zone) < 0))
		return spctl_oom();
	if ((rc = upsert(x, "/region", "region", reg->name,
			 json_pack("{s:s,s:s,s:O}", "RegionName", reg->name, "ProviderName",
				   x->provider, "KeyValueInfoList", kv))) != 0)
		return rc;
	return upsert(x, "/connectionconfig", "connection", reg->name,
		      json_pack("{s:s,s:s,s:s,s:s,s:s}", "ConfigName", reg->name,
				"ProviderName", x->provider, "DriverName", x->driver,
				"CredentialName", x->credential, "RegionName", reg->name));
}

/* Ask the cloud through the connection; a failure is kept for the table. */
static int connection_check(struct cloud_add *x, struct cloud_region *reg)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *e = spctl_escape(reg->name);
	const char *result;

	if (!e || asprintf(&path, "/connectionconfig/%s/check", e) < 0) {
		path = NULL;
		return spctl_oom();
	}
	if (spctl_call_quiet(x->ctl, "GET", path, NULL, &r, &reg->error) < 0)
		return reg->error ? 0 : spctl_oom();
	result = json_string_value(json_object_get(r.json, "Result"));
	if ((!result || strcmp(result, "true")) && !(reg->error = strdup("the server did not confirm it")))
		return spctl_oom();
	return 0;
}

static const struct column result_columns[] = {
	{ "CONNECTION", "ConfigName" }, { "REGION", "Region" }, { "ZONE", "Zone" },
	{ "CHECK", "Check" }, { "ERROR", "Error" }, { 0 }
};

/* The table (or with --json the document) of what was set up; the exit
 * code. */
static int results_show(struct cloud_add *x)
{
	_cleanup_json_ json_t *rows = json_array();
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *dump = NULL;
	size_t failed = 0;

	if (!rows)
		return spctl_oom();
	for (size_t i = 0; i < x->n; i++) {
		const struct cloud_region *reg = &x->regions[i];
		json_t *row = json_pack("{s:s,s:s,s:s*,s:s,s:s*}", "ConfigName", reg->name,
					"Region", reg->region, "Zone", reg->zone,
					"Check", reg->error ? "failed" : "ok", "Error", reg->error);

		if (json_array_append_new(rows, row) < 0)
			return spctl_oom();
		failed += reg->error != NULL;
	}
	if (x->ctl->json) {
		doc = json_pack("{s:s,s:s,s:s,s:O}", "ProviderName", x->provider, "DriverName",
				x->driver, "CredentialName", x->credential, "connectionconfig", rows);
		if (!doc || !(dump = json_dumps(doc, JSON_COMPACT)))
			return spctl_oom();
		spctl_print_json(dump, strlen(dump));
	} else if (spctl_print_table(result_columns, rows) < 0) {
		return SPCTL_FAIL;
	}
	if (!failed)
		return SPCTL_OK;
	fprintf(stderr, "spctl: %zu of %zu connections failed the check; they are registered: fix the cause and check them with 'spctl connection check NAME', or run the same command again\n",
		failed, x->n);
	return SPCTL_FAIL;
}

int spctl_run_cloud_add(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_(cloud_add_clear) struct cloud_add x = { .ctl = ctl, .made = json_array() };
	const char *prefix = spctl_arg_str(a, "name");
	int rc;

	if (!x.made || !(x.provider = case_dup(spctl_arg_str(a, "provider"), true)) ||
	    !(x.prefix = prefix ? strdup(prefix) : case_dup(x.provider, false)))
		return spctl_oom();
	if ((rc = regions_parse(&x, spctl_arg_str(a, "regions"))) != 0 ||
	    (rc = driver_pick(&x)) != 0 ||
	    (rc = credential_put(&x, a)) != 0)
		return rc;
	/* Every region is known before any is registered: a name the cloud
	 * does not have stops the run before it makes half a setup. */
	for (size_t i = 0; i < x.n; i++)
		if (!x.regions[i].zone && (rc = zone_ask(&x, &x.regions[i])) != 0)
			return rc;
	for (size_t i = 0; i < x.n; i++)
		if ((rc = connection_put(&x, &x.regions[i])) != 0)
			return rc;
	for (size_t i = 0; i < x.n; i++)
		if ((rc = connection_check(&x, &x.regions[i])) != 0)
			return rc;
	return results_show(&x);
}
