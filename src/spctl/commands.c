/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/commands.c - the command table and the verbs.
 *
 * Most verbs are generic (list, get, delete, create) and are told what to
 * do by the verb's resource and option tables: an option's .query goes into
 * the query string, .field and .kv_key into the JSON body.  Only verbs whose
 * request or output has its own shape get a function of their own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spctl/spctl.h"

#include "util/banned.h"

static void spctl_reply_clearp(struct reply *r)
{
	spctl_reply_clear(r);
}
#define _cleanup_reply_ _cleanup_(spctl_reply_clearp)

/* ---- column formatters ------------------------------------------------ */

static json_t *kv_list(json_t *item)
{
	json_t *l = json_object_get(item, "KeyValueInfoList");

	return l ? l : json_object_get(item, "KeyValueList");
}

/* The Value for Key == key in the item's KeyValue list. */
static char *fmt_kv(json_t *item, const char *key)
{
	size_t i;
	json_t *e;

	json_array_foreach(kv_list(item), i, e) {
		const char *k = json_string_value(json_object_get(e, "Key"));

		if (k && !strcasecmp(k, key))
			return spctl_json_text(json_object_get(e, "Value"));
	}
	return NULL;
}

/* The keys of the item's KeyValue list, never the values (secrets). */
static char *fmt_kv_keys(json_t *item, const char *unused)
{
	_cleanup_json_ json_t *keys = json_array();
	size_t i;
	json_t *e;

	json_array_foreach(kv_list(item), i, e)
		json_array_append(keys, json_object_get(e, "Key"));
	return spctl_json_text(keys);
}

/* The Name of each object in the list at path (zones of a region). */
static char *fmt_names(json_t *item, const char *path)
{
	_cleanup_json_ json_t *names = json_array();
	size_t i;
	json_t *e;

	json_array_foreach(spctl_json_path(item, path), i, e)
		json_array_append(names, json_object_get(e, "Name"));
	return spctl_json_text(names);
}

/* "1x NVIDIA V100" per GPU kind; counts of "-1" mean none. */
static char *fmt_gpu(json_t *item, const char *path)
{
	_cleanup_json_ json_t *gpus = json_array();
	size_t i;
	json_t *g;

	json_array_foreach(spctl_json_path(item, path), i, g) {
		_cleanup_free_ char *count = spctl_json_text(json_object_get(g, "Count"));
		_cleanup_free_ char *mfr = spctl_json_text(json_object_get(g, "Mfr"));
		_cleanup_free_ char *model = spctl_json_text(json_object_get(g, "Model"));
		char *s;

		if (count && (!strcmp(count, "-1") || !strcmp(count, "0")))
			continue;
		if (asprintf(&s, "%sx %s%s%s", count ? count : "?", mfr ? mfr : "",
			     mfr && model ? " " : "", model ? model : "") < 0)
			return NULL;
		json_array_append_new(gpus, json_string(s));
		free(s);
	}
	return spctl_json_text(gpus);
}

/* ---- requests --------------------------------------------------------- */

/* path [/ name sub] [? key=value & ...], from the options that have .query. */
static char *build_path(const struct resource *res, const char *name, const struct args *a)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	char sep = '?';
	bool ok = true;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fputs(res->path, f);
	if (name) {
		_cleanup_free_ char *e = spctl_escape(name);

		ok = e && fprintf(f, "/%s%s", e, res->sub ? res->sub : "") > 0;
	}
	for (size_t k = 0; ok && a->opts && a->opts[k].name; k++) {
		const struct opt *o = &a->opts[k];
		_cleanup_free_ char *e = NULL;

		if (!o->query || !a->val[k].set)
			continue;
		e = spctl_escape(o->kind == OPT_FLAG ? "true" : a->val[k].value);
		ok = e && fprintf(f, "%c%s=%s", sep, o->query, e) > 0;
		sep = '&';
	}
	if (fclose(f) != 0 || !ok)
		return NULL;
	return TAKE_PTR(out);
}

/* One request; with --json, print the answer as is. */
static int request(const struct spctl *ctl, const char *method, const char *path,
		   const json_t *body, struct reply *ret)
{
	if (!path) {
		fputs("spctl: out of memory\n", stderr);
		return -1;
	}
	if (spctl_call(ctl, method, path, body, ret) < 0)
		return -1;
	if (ctl->json)
		spctl_print_json(ret->raw, ret->len);
	return 0;
}

/* METHOD res->path[/NAME][?query] for a verb without a body. */
static int call(const struct spctl *ctl, const char *method,
		const struct verb *v, const struct args *a, struct reply *ret)
{
	_cleanup_free_ char *path = build_path(v->res, a->npos ? a->pos[0] : NULL, a);

	return request(ctl, method, path, NULL, ret);
}

/* The list in {"<key>":[...]}, or a report that the answer has none. */
static json_t *list_of(const struct reply *r, const char *key)
{
	json_t *l = json_object_get(r->json, key);

	if (!json_is_array(l))
		fprintf(stderr, "spctl: unexpected answer from the server: no '%s' list\n", key);
	return json_is_array(l) ? l : NULL;
}

/* {"Result":"true"}, the server's yes. */
static bool result_true(const struct reply *r)
{
	const char *result = json_string_value(json_object_get(r->json, "Result"));

	return result && !strcmp(result, "true");
}

/* ---- generic verbs ---------------------------------------------------- */

static int run_list(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	json_t *items;

	if (call(ctl, "GET", v, a, &r) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		return SPCTL_OK;
	items = list_of(&r, v->res->list_key);
	return items && spctl_print_table(v->res->columns, items) == 0 ? SPCTL_OK : SPCTL_FAIL;
}

static int run_get(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };

	if (call(ctl, "GET", v, a, &r) < 0)
		return SPCTL_FAIL;
	if (!ctl->json)
		spctl_print_object(r.json, v->res->hide_values);
	return SPCTL_OK;
}

/* "[NAME]": the table of all, or the one named. */
static int run_list_or_get(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	return a->npos ? run_get(ctl, v, a) : run_list(ctl, v, a);
}

/* Raw cloud documents have no shape of ours: always print them as JSON. */
static int run_raw(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };

	if (call(ctl, "GET", v, a, &r) < 0)
		return SPCTL_FAIL;
	if (!ctl->json)
		spctl_print_json(r.raw, r.len);
	return SPCTL_OK;
}

static int run_delete(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };

	if (call(ctl, "DELETE", v, a, &r) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		return SPCTL_OK;
	if (!result_true(&r)) {
		fprintf(stderr, "spctl: the server did not delete %s '%s'\n", v->res->what, a->pos[0]);
		return SPCTL_FAIL;
	}
	printf("Deleted %s '%s'.\n", v->res->what, a->pos[0]);
	return SPCTL_OK;
}

static int post_and_show(struct spctl *ctl, const struct verb *v, json_t *body)
{
	_cleanup_reply_ struct reply r = { 0 };

	if (request(ctl, "POST", v->res->path, body, &r) < 0)
		return SPCTL_FAIL;
	if (!ctl->json)
		spctl_print_object(r.json, v->res->hide_values);
	return SPCTL_OK;
}

static int run_create(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *body = NULL;
	int rc = spctl_body_build(a, &body);

	return rc ? rc : post_and_show(ctl, v, body);
}

/* Without --lib, name the plugin by the original's convention; the server
 * falls back to the provider's installed plugin for any unknown name. */
static int run_driver_create(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *lib = NULL;
	int rc = spctl_body_build(a, &body);

	if (rc)
		return rc;
	if (!spctl_arg_str(a, "lib")) {
		if (asprintf(&lib, "%s-driver-v1.0.so", spctl_arg_str(a, "provider")) < 0) {
			lib = NULL;
			fputs("spctl: out of memory\n", stderr);
			return SPCTL_FAIL;
		}
		for (char *p = lib; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		json_object_set_new(body, "DriverLibFileName", json_string(lib));
	}
	return post_and_show(ctl, v, body);
}

/* ---- verbs with their own shape --------------------------------------- */

/* The provider is a path segment here, not a query key. */
static int run_count(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *path = build_path(v->res, spctl_arg_str(a, "provider"), a);
	json_t *count;

	if (request(ctl, "GET", path, NULL, &r) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		return SPCTL_OK;
	count = json_object_get(r.json, "count");
	if (!json_is_integer(count)) {
		fputs("spctl: unexpected answer from the server: no 'count'\n", stderr);
		return SPCTL_FAIL;
	}
	printf("%" JSON_INTEGER_FORMAT "\n", json_integer_value(count));
	return SPCTL_OK;
}

/* The server answers a failed check with the cloud's error, which
 * spctl_call reports; a 200 without "true" is not ours. */
static int run_check(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };

	if (call(ctl, "GET", v, a, &r) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		return SPCTL_OK;
	if (!result_true(&r)) {
		fprintf(stderr, "spctl: %s '%s' did not pass the check\n", v->res->what, a->pos[0]);
		return SPCTL_FAIL;
	}
	printf("%s '%s': ok\n", v->res->what, a->pos[0]);
	return SPCTL_OK;
}

static const struct column price_columns[] = {
	{ "SPEC", "ProductInfo.VMSpecName|ProductInfo.VMSpecInfo.Name" },
	{ "ZONE", "ZoneName" },
	{ "PRICE", "PriceInfo.OnDemand.Price" },
	{ "CURRENCY", "PriceInfo.OnDemand.Currency" },
	{ "UNIT", "PriceInfo.OnDemand.Unit" },
	{ "PRODUCT", "ProductInfo.ProductId" },
	{ 0 }
};

static int run_price_get(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_json_ json_t *body = json_object();
	_cleanup_free_ char *path = build_path(v->res, a->pos[0], a);
	const struct optval *filter = spctl_arg(a, "filter");
	json_t *filters = json_array(), *items;
	int rc;

	if (json_object_set_new(body, "FilterList", filters) < 0) {
		fputs("spctl: out of memory\n", stderr);
		return SPCTL_FAIL;
	}
	for (size_t i = 0; i < filter->n; i++)
		if ((rc = spctl_kv_append_arg(filters, "filter", filter->items[i])) != 0)
			return rc;
	if (request(ctl, "POST", path, body, &r) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		return SPCTL_OK;
	items = list_of(&r, "PriceList");
	return items && spctl_print_table(price_columns, items) == 0 ? SPCTL_OK : SPCTL_FAIL;
}

static int run_version(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	const char *server;

	if (call(ctl, "GET", v, a, &r) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		return SPCTL_OK;
	server = json_string_value(json_object_get(r.json, "Version"));
	printf("client: spctl %s\nserver: %s\n", SPIDER_VERSION, server ? server : "-");
	return SPCTL_OK;
}

static int run_health(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	const char *msg;

	if (call(ctl, "GET", v, a, &r) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		return SPCTL_OK;
	msg = json_string_value(json_object_get(r.json, "message"));
	printf("%s\n", msg ? msg : "ready");
	return SPCTL_OK;
}

/* ---- resources -------------------------------------------------------- */

#define COLUMNS(...) ((const struct column[]){ __VA_ARGS__, { 0 } })

static const struct resource res_cloudos = {
	"cloud OS", "/cloudos", "cloudos", COLUMNS({ "PROVIDER", "" }),
};
static const struct resource res_metainfo = { "cloud OS", "/cloudos/metainfo" };
static const struct resource res_driver = {
	"driver", "/driver", "driver",
	COLUMNS({ "NAME", "DriverName" }, { "PROVIDER", "ProviderName" },
		{ "LIBRARY", "DriverLibFileName" }),
};
static const struct resource res_credential = {
	"credential", "/credential", "credential",
	COLUMNS({ "NAME", "CredentialName" }, { "PROVIDER", "ProviderName" },
		{ "KEYS", "KeyValueInfoList", fmt_kv_keys }),
	.hide_values = true,
};
static const struct resource res_region = {
	"region", "/region", "region",
	COLUMNS({ "NAME", "RegionName" }, { "PROVIDER", "ProviderName" },
		{ "REGION", "Region", fmt_kv }, { "ZONE", "Zone", fmt_kv }),
};
static const struct resource res_connection = {
	"connection", "/connectionconfig", "connectionconfig",
	COLUMNS({ "NAME", "ConfigName" }, { "PROVIDER", "ProviderName" },
		{ "DRIVER", "DriverName" }, { "CREDENTIAL", "CredentialName" },
		{ "REGION", "RegionName" }),
};
static const struct resource res_connection_check = {
	"connection", "/connectionconfig", .sub = "/check",
};
static const struct resource res_driver_count = { "driver", "/countdriver" };
static const struct resource res_credential_count = { "credential", "/countcredential" };
static const struct resource res_region_count = { "region", "/countregion" };
static const struct resource res_connection_count = { "connection", "/countconnectionconfig" };
static const struct column regionzone_columns[] = {
	{ "NAME", "Name" }, { "DISPLAY NAME", "DisplayName" },
	{ "ZONES", "ZoneList", fmt_names }, { 0 }
};
static const struct resource res_regionzone = {
	"region zone", "/regionzone", "regionzone", regionzone_columns,
};
static const struct resource res_preconfig_regionzone = {
	"region zone", "/preconfig/regionzone", "regionzone", regionzone_columns,
};
static const struct resource res_orgregion = { "region", "/orgregion" };
static const struct resource res_orgzone = { "zone", "/orgzone" };
static const struct resource res_image = {
	"image", "/vmimage", "image",
	COLUMNS({ "NAME", "Name|IId.NameId" }, { "OS", "OSDistribution" },
		{ "ARCH", "OSArchitecture" }, { "PLATFORM", "OSPlatform" },
		{ "STATUS", "ImageStatus" }),
};
static const struct resource res_spec = {
	"spec", "/vmspec", "vmspec",
	COLUMNS({ "NAME", "Name" }, { "VCPU", "VCpu.Count" },
		{ "MEMORY(MiB)", "MemSizeMiB" }, { "GPU", "Gpu", fmt_gpu },
		{ "PRICE", "Price", fmt_kv }),
};
static const struct resource res_orgspec = { "spec", "/vmorgspec" };
static const struct resource res_family = {
	"product family", "/productfamily", "productfamily", COLUMNS({ "FAMILY", "" }),
};
static const struct resource res_price = { "price", "/priceinfo/vm" };
static const struct resource res_capability = { "capability", "/driver/capability" };
static const struct resource res_callhistory = {
	"call", "/callhistory", "callhistory",
	COLUMNS({ "TIME", "Time" }, { "CONNECTION", "ConnectionName" },
		{ "TYPE", "ResourceType" }, { "API", "CloudOSAPI" },
		{ "ELAPSED", "ElapsedTime" }, { "ERROR", "ErrorMSG" }),
};
static const struct resource res_version = { "version", "/version" };
/* /readyz, not /health: it also asks the metadata store. */
static const struct resource res_health = { "health", "/readyz" };

/* ---- options ---------------------------------------------------------- */

#define OPTS(...) ((const struct opt[]){ __VA_ARGS__, { 0 } })
#define NO_OPTS ((const struct opt[]){ { 0 } })

#define O_NAME(field_, what) \
	{ "name", 'n', OPT_VALUE, .required = true, .metavar = "NAME", .help = what " name", .field = field_ }
#define O_PROVIDER \
	{ "provider", 'P', OPT_VALUE, .required = true, .metavar = "PROVIDER", .help = "cloud provider, e.g. AWS or MOCK (see 'spctl cloudos list')", .field = "ProviderName" }
#define O_PROVIDER_FILTER \
	{ "provider", 'P', OPT_VALUE, .metavar = "PROVIDER", .help = "only this provider's", .query = "ProviderName" }
#define O_CONN \
	{ "connection", 'c', OPT_VALUE, .required = true, .metavar = "CONN", .help = "connection config to use (default: $SPIDER_CONNECTION)", .env = "SPIDER_CONNECTION", .query = "ConnectionName" }
#define O_KV(what) \
	{ "kv", 0, OPT_LIST, .metavar = "KEY=VALUE", .help = what }

/* ---- the table -------------------------------------------------------- */

#define LIST(res_, summary_, opts_) \
	{ "list", summary_, "", 0, 0, opts_, &res_, run_list }
#define GET(res_, summary_, opts_) \
	{ "get", summary_, "NAME", 1, 1, opts_, &res_, run_get }
#define DELETE(res_, summary_) \
	{ "delete", summary_, "NAME", 1, 1, NO_OPTS, &res_, run_delete }
#define COUNT(res_, summary_) \
	{ "count", summary_, "", 0, 0, \
	  OPTS({ "provider", 'P', OPT_VALUE, .metavar = "PROVIDER", .help = "only this provider's" }), \
	  &res_, run_count }
#define END { 0 }

const struct command spctl_commands[] = {
	{ "cloudos", "cloud providers the server knows", (const struct verb[]){
		LIST(res_cloudos, "List the cloud providers", NO_OPTS),
		{ "metainfo", "Show a provider's metadata (credential keys, regions, disk types)",
		  "PROVIDER", 1, 1, NO_OPTS, &res_metainfo, run_get },
		END } },
	{ "driver", "driver registrations (a provider's plugin)", (const struct verb[]){
		{ "create", "Register a driver (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("DriverName", "driver"), O_PROVIDER,
		       { "lib", 0, OPT_VALUE, .metavar = "FILE", .help = "plugin file name (default: <provider>-driver-v1.0.so)", .field = "DriverLibFileName" }),
		  &res_driver, run_driver_create },
		LIST(res_driver, "List drivers", OPTS(O_PROVIDER_FILTER)),
		GET(res_driver, "Show a driver", NO_OPTS),
		DELETE(res_driver, "Remove a driver"),
		COUNT(res_driver_count, "Count drivers"),
		END } },
	{ "credential", "cloud credentials (the server never shows their values)", (const struct verb[]){
		{ "create", "Register a credential (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("CredentialName", "credential"), O_PROVIDER,
		       O_KV("a credential key and value; a VALUE of '-' is read from standard input, so secrets stay out of argv"),
		       { "kv-file", 0, OPT_VALUE, .metavar = "FILE", .help = "read KEY=VALUE lines from FILE ('-': standard input); '#' starts a comment line" }),
		  &res_credential, run_create },
		LIST(res_credential, "List credentials", OPTS(O_PROVIDER_FILTER)),
		GET(res_credential, "Show a credential (keys only)", NO_OPTS),
		DELETE(res_credential, "Remove a credential"),
		COUNT(res_credential_count, "Count credentials"),
		END } },
	{ "region", "region registrations", (const struct verb[]){
		{ "create", "Register a region (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("RegionName", "region registration"), O_PROVIDER,
		       { "region", 'r', OPT_VALUE, .required = true, .metavar = "REGION", .help = "the cloud's region, e.g. us-east-1", .kv_key = "Region" },
		       { "zone", 'z', OPT_VALUE, .metavar = "ZONE", .help = "the cloud's zone, e.g. us-east-1a", .kv_key = "Zone" },
		       O_KV("an extra key and value (MOCK: MockLatencyMs, MockFailRate, MockFailOp)")),
		  &res_region, run_create },
		LIST(res_region, "List regions", OPTS(O_PROVIDER_FILTER)),
		GET(res_region, "Show a region", NO_OPTS),
		DELETE(res_region, "Remove a region"),
		COUNT(res_region_count, "Count regions"),
		END } },
	{ "connection", "connection configs: a driver, a credential and a region", (const struct verb[]){
		{ "create", "Register a connection config (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("ConfigName", "connection config"), O_PROVIDER,
		       { "driver", 'd', OPT_VALUE, .required = true, .metavar = "DRIVER", .help = "driver name", .field = "DriverName" },
		       { "credential", 'C', OPT_VALUE, .required = true, .metavar = "CRED", .help = "credential name", .field = "CredentialName" },
		       { "region", 'r', OPT_VALUE, .required = true, .metavar = "REGION", .help = "region registration name", .field = "RegionName" }),
		  &res_connection, run_create },
		LIST(res_connection, "List connection configs", OPTS(O_PROVIDER_FILTER)),
		GET(res_connection, "Show a connection config", NO_OPTS),
		DELETE(res_connection, "Remove a connection config"),
		COUNT(res_connection_count, "Count connection configs"),
		{ "check", "Ask the cloud now whether a connection config works",
		  "NAME", 1, 1, NO_OPTS, &res_connection_check, run_check },
		END } },
	{ "regionzone", "a connection's regions and zones", (const struct verb[]){
		LIST(res_regionzone, "List regions and their zones", OPTS(O_CONN)),
		GET(res_regionzone, "Show a region and its zones", OPTS(O_CONN)),
		{ "preconfig", "List regions and zones, or show one, without a connection config",
		  "[NAME]", 0, 1,
		  OPTS({ "driver", 'd', OPT_VALUE, .required = true, .metavar = "DRIVER", .help = "driver to ask with (in its provider's default region)", .query = "DriverName" },
		       { "credential", 'C', OPT_VALUE, .required = true, .metavar = "CRED", .help = "credential to ask with", .query = "CredentialName" }),
		  &res_preconfig_regionzone, run_list_or_get },
		{ "org", "Print the cloud's own region document (JSON)", "", 0, 0,
		  OPTS(O_CONN), &res_orgregion, run_raw },
		{ "orgzone", "Print the cloud's own zone document (JSON)", "", 0, 0,
		  OPTS(O_CONN), &res_orgzone, run_raw },
		END } },
	{ "image", "a connection's public VM images", (const struct verb[]){
		LIST(res_image, "List images", OPTS(O_CONN)),
		GET(res_image, "Show an image", OPTS(O_CONN)),
		END } },
	{ "spec", "a connection's VM specs", (const struct verb[]){
		LIST(res_spec, "List VM specs", OPTS(O_CONN)),
		GET(res_spec, "Show a VM spec", OPTS(O_CONN)),
		{ "org", "Print the cloud's own spec document (JSON)", "[NAME]", 0, 1,
		  OPTS(O_CONN), &res_orgspec, run_raw },
		END } },
	{ "price", "VM prices", (const struct verb[]){
		{ "families", "List the product families of a region", "REGION", 1, 1,
		  OPTS(O_CONN), &res_family, run_list },
		{ "get", "List VM prices in a region", "REGION", 1, 1,
		  OPTS(O_CONN,
		       { "filter", 'f', OPT_LIST, .metavar = "KEY=VALUE", .help = "keep prices whose KEY (vmSpecName, zoneName, productId, currency, ...) is VALUE; repeat a KEY for alternatives" },
		       { "simple", 0, OPT_FLAG, .help = "leave out the full spec of each product", .query = "simple" }),
		  &res_price, run_price_get },
		END } },
	{ "capability", "what a connection's driver supports", (const struct verb[]){
		{ NULL, "Show what a connection's driver supports", "", 0, 0, OPTS(O_CONN),
		  &res_capability, run_get },
		END } },
	{ "callhistory", "the calls the server made to clouds, newest first", (const struct verb[]){
		{ NULL, "List the calls the server made to clouds, newest first", "", 0, 0,
		  OPTS({ "connection", 'c', OPT_VALUE, .metavar = "CONN", .help = "only this connection's calls ($SPIDER_CONNECTION is not used)", .query = "ConnectionName" },
		       { "type", 't', OPT_VALUE, .metavar = "TYPE", .help = "only this resource type: REGIONZONE, VMIMAGE, VMSPEC, PRICEINFO, ...", .query = "ResourceType" },
		       { "errors", 'e', OPT_FLAG, .help = "only failed calls", .query = "ErrorOnly" },
		       { "since", 0, OPT_VALUE, .metavar = "TIME", .help = "calls at or after TIME (RFC 3339 UTC: 2026-01-02T15:04:05Z)", .query = "Since" },
		       { "until", 0, OPT_VALUE, .metavar = "TIME", .help = "calls at or before TIME", .query = "Until" },
		       { "limit", 'l', OPT_VALUE, .number = true, .metavar = "N", .help = "at most N calls (server default 100, max 10000)", .query = "Limit" }),
		  &res_callhistory, run_list },
		END } },
	{ "version", "client and server versions", (const struct verb[]){
		{ NULL, "Show the client and server versions", "", 0, 0, NO_OPTS, &res_version, run_version },
		END } },
	{ "health", "whether the server is ready", (const struct verb[]){
		{ NULL, "Ask whether the server and its metadata store are ready", "", 0, 0, NO_OPTS, &res_health, run_health },
		END } },
	{ 0 }
};
