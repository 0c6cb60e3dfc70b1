/* SPDX-License-Identifier: Apache-2.0 */
#include "core/cim.h"
#include "core/conn.h"
#include "core/geo.h"
#include "core/names.h"
#include "core/provider.h"
#include "util/json.h"

#define KV_MAX 64
#define KV_VALUE_MAX (64 * 1024)

static const char *const name_field[SP_CIM_KIND_COUNT] = {
	"DriverName", "CredentialName", "RegionName", "ConfigName"
};

/* The required string fields of each kind, name and provider first. */
static const char *const required_fields[SP_CIM_KIND_COUNT][6] = {
	[SP_CIM_DRIVER] = { "DriverName", "ProviderName", "DriverLibFileName" },
	[SP_CIM_CREDENTIAL] = { "CredentialName", "ProviderName" },
	[SP_CIM_REGION] = { "RegionName", "ProviderName" },
	[SP_CIM_CONNECTION] = { "ConfigName", "ProviderName", "DriverName",
				"CredentialName", "RegionName" },
};

/* Report every missing or mistyped required field at once, joined with
 * newlines as the original does, so a client fixes them in one go. */
static int check_required(const json_t *body, sp_cim_kind kind, sp_error *err)
{
	char msg[SP_ERROR_MESSAGE_MAX] = "";
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(required_fields[kind]) && required_fields[kind][i]; i++) {
		const char *v;
		sp_error e = { 0 };

		if (sp_json_string(body, required_fields[kind][i], true, &v, &e) < 0)
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s",
					      n ? "\n" : "", e.message);
		if (n >= sizeof(msg))
			break;
	}
	if (*msg)
		return sp_error_set(err, SP_ERR_INVALID, "%s", msg);
	return 0;
}

/* Read and normalise ProviderName; it must be a cloud we know. */
static int read_provider(const json_t *body, char *buf, size_t size,
			 const sp_provider **ret, sp_error *err)
{
	const char *raw;

	if (sp_json_string(body, "ProviderName", true, &raw, err) < 0)
		return -1;
	if (sp_provider_normalize(raw, buf, size) < 0 || !(*ret = sp_provider_find(buf)))
		return sp_error_set(err, SP_ERR_INVALID,
				    "ProviderName '%.64s' is not a supported cloud; see GET /spider/cloudos",
				    raw);
	return 0;
}

/* Append "k" to a space-separated list in buf. */
static void list_add(char *buf, size_t size, const char *k)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n ? " " : "", k);
}

static void list_keys(char *buf, size_t size, const char *const *keys)
{
	buf[0] = '\0';
	for (size_t i = 0; i < SP_PROVIDER_KEYS_MAX && keys[i]; i++)
		list_add(buf, size, keys[i]);
}

/*
 * Validate a KeyValueInfoList against a provider's keys and return it with
 * canonical key names.  canon maps a key to its canonical name (NULL when
 * unknown); required keys must be present with a non-empty value.
 */
static int read_kv(const json_t *body, const sp_provider *p,
		   const char *(*canon)(const sp_provider *, const char *),
		   const char *const *required, const char *const *optional,
		   json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *out = json_array();
	char missing[512] = "", unknown[512] = "", want[512], opt[512];
	const json_t *list;
	json_t *item;
	size_t i;

	if (!out)
		return sp_error_oom(err);
	if (sp_json_array(body, "KeyValueInfoList", &list, err) < 0)
		return -1;
	if (json_array_size(list) > KV_MAX)
		return sp_error_set(err, SP_ERR_INVALID,
				    "KeyValueInfoList has %zu items; the limit is %d",
				    json_array_size(list), KV_MAX);
	json_array_foreach(list, i, item) {
		const char *key, *value, *c;
		char field[64];

		snprintf(field, sizeof(field), "KeyValueInfoList[%zu]", i);
		if (!json_is_object(item))
			return sp_error_set(err, SP_ERR_INVALID,
					    "%s must be an object {\"Key\",\"Value\"}", field);
		if (sp_json_string(item, "Key", true, &key, err) < 0 ||
		    sp_json_string(item, "Value", false, &value, err) < 0) {
			char msg[SP_ERROR_MESSAGE_MAX];

			snprintf(msg, sizeof(msg), "%s", err->message);
			return sp_error_set(err, SP_ERR_INVALID, "%s.%s", field, msg);
		}
		if (value && strlen(value) > KV_VALUE_MAX)
			return sp_error_set(err, SP_ERR_INVALID,
					    "%s: the value of '%.64s' is over %d bytes",
					    field, key, KV_VALUE_MAX);
		c = canon(p, key);
		if (!c) {
			list_add(unknown, sizeof(unknown), key);
			continue;
		}
		/* A repeated key: the last one wins. */
		for (size_t j = 0; j < json_array_size(out); j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(out, j), "Key")), c) == 0) {
				json_array_remove(out, j);
				break;
			}
		if (json_array_append_new(out, json_pack("{s:s,s:s}", "Key", c, "Value",
							 value ? value : "")) < 0)
			return sp_error_oom(err);
	}
	for (size_t r = 0; r < SP_PROVIDER_KEYS_MAX && required[r]; r++) {
		bool found = false;

		json_array_foreach(out, i, item)
			if (strcmp(json_string_value(json_object_get(item, "Key")), required[r]) == 0 &&
			    *json_string_value(json_object_get(item, "Value")))
				found = true;
		if (!found)
			list_add(missing, sizeof(missing), required[r]);
	}
	if (*missing || *unknown) {
		list_keys(want, sizeof(want), required);
		list_keys(opt, sizeof(opt), optional);
		return sp_error_set(err, SP_ERR_INVALID,
				    "Invalid Key in input arguments: missing [%s], unknown [%s]; %s want [%s]%s%s%s",
				    missing, unknown, p->name, want,
				    *opt ? ", optional [" : "", opt, *opt ? "]" : "");
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* The required region keys: Region only; Zone and the rest are optional. */
static const char *const region_required[] = { "Region", NULL };

static int build_driver(sp_core *core, const json_t *body, const char *name,
			const sp_provider *p, sp_cim_row *row, json_t **doc,
			sp_error *err)
{
	const char *lib;
	const sp_plugin *pl;

	if (sp_json_string(body, "DriverLibFileName", true, &lib, err) < 0)
		return -1;
	pl = sp_plugins_resolve(core->plugins, p->name, lib, err);
	if (!pl)
		return -1;
	*doc = json_pack("{s:s,s:s,s:s}", "DriverName", name, "ProviderName",
			 p->name, "DriverLibFileName", lib);
	return *doc ? 0 : sp_error_oom(err);
}

static int build_credential(sp_core *core, const json_t *body, const char *name,
			    const sp_provider *p, sp_cim_row *row, json_t **doc,
			    sp_error *err)
{
	_cleanup_json_ json_t *kv = NULL, *shown = json_array();
	_cleanup_free_ char *aad = NULL;
	_cleanup_secret_ char *plain = NULL;
	json_t *item;
	size_t i;

	if (!shown)
		return sp_error_oom(err);
	if (read_kv(body, p, sp_provider_credential_key, p->credential,
		    p->credential_optional, &kv, err) < 0)
		return -1;
	json_array_foreach(kv, i, item)
		if (json_array_append_new(shown, json_pack("{s:O,s:s}", "Key",
							   json_object_get(item, "Key"),
							   "Value", SP_HIDDEN)) < 0)
			return sp_error_oom(err);
	plain = sp_json_dump(kv);
	if (!plain || asprintf(&aad, "credential:%s", name) < 0) {
		aad = NULL;
		return sp_error_oom(err);
	}
	row->secret = sp_seal(&core->key, plain, strlen(plain), aad, err);
	if (!row->secret)
		return -1;
	*doc = json_pack("{s:s,s:s,s:O}", "CredentialName", name, "ProviderName",
			 p->name, "KeyValueInfoList", shown);
	return *doc ? 0 : sp_error_oom(err);
}

static const char *kv_value(const json_t *kv, const char *key)
{
	size_t i;
	json_t *item;

	json_array_foreach(kv, i, item)
		if (sp_streq(json_string_value(json_object_get(item, "Key")), key))
			return json_string_value(json_object_get(item, "Value"));
	return "";
}

/* Latitude and Longitude, when given, come together and in range. */
static int check_location(const json_t *kv, sp_error *err)
{
	const char *lat = kv_value(kv, "Latitude"), *lon = kv_value(kv, "Longitude");
	double v;

	if (!*lat && !*lon)
		return 0;
	if (!*lat || !*lon)
		return sp_error_set(err, SP_ERR_INVALID, "KeyValueInfoList: %s is given without %s; a region's location needs both",
				    *lat ? "Latitude" : "Longitude", *lat ? "Longitude" : "Latitude");
	if (!sp_geo_parse_degrees(lat, 90, &v))
		return sp_error_set(err, SP_ERR_INVALID, "KeyValueInfoList: Latitude '%.64s' is invalid: want decimal degrees from -90 to 90", lat);
	if (!sp_geo_parse_degrees(lon, 180, &v))
		return sp_error_set(err, SP_ERR_INVALID, "KeyValueInfoList: Longitude '%.64s' is invalid: want decimal degrees from -180 to 180", lon);
	return 0;
}

static int build_region(sp_core *core, const json_t *body, const char *name,
			const sp_provider *p, sp_cim_row *row, json_t **doc,
			sp_error *err)
{
	_cleanup_json_ json_t *kv = NULL, *zones = NULL;
	const json_t *azl;
	json_t *z;
	size_t i;

	if (read_kv(body, p, sp_provider_region_key, region_required,
		    p->region_optional, &kv, err) < 0 ||
	    sp_json_array(body, "AvailableZoneList", &azl, err) < 0)
		return -1;
	if (check_location(kv, err) < 0)
		return -1;
	zones = azl ? json_deep_copy(azl) : json_array();
	if (!zones)
		return sp_error_oom(err);
	json_array_foreach(zones, i, z)
		if (!json_is_string(z))
			return sp_error_set(err, SP_ERR_INVALID,
					    "AvailableZoneList[%zu] must be a string", i);
	*doc = json_pack("{s:s,s:s,s:O,s:O}", "RegionName", name, "ProviderName",
			 p->name, "KeyValueInfoList", kv, "AvailableZoneList", zones);
	return *doc ? 0 : sp_error_oom(err);
}

/* A connection keeps the time it was first registered through edits; one
 * stored before this key existed gets the time of its last write. */
static int registered_time(sp_core *core, const char *name, json_t *doc, sp_error *err)
{
	sp_cim_row *row _cleanup_(sp_cim_row_freep) = NULL;
	_cleanup_json_ json_t *old = NULL;
	const char *kept = NULL;
	char buf[32];

	if (sp_store_cim_get(core->store, SP_CIM_CONNECTION, name, &row, err) < 0) {
		if (err->code != SP_ERR_NOT_FOUND)
			return -1;
		sp_time_format_rfc3339(sp_now_ms(), buf, sizeof(buf));
	} else {
		old = json_loads(row->doc, 0, NULL);
		kept = json_string_value(json_object_get(old, "RegisteredTime"));
		if (!kept)
			sp_time_format_rfc3339(row->updated_ms, buf, sizeof(buf));
	}
	if (json_object_set_new(doc, "RegisteredTime", json_string(kept ? kept : buf)) < 0)
		return sp_error_oom(err);
	return 0;
}

static int build_connection(sp_core *core, const json_t *body, const char *name,
			    const sp_provider *p, sp_cim_row *row, json_t **doc,
			    sp_error *err)
{
	static const char *const ref_field[] = { "DriverName", "CredentialName", "RegionName" };
	sp_cim_row *refs[3] _cleanup_(sp_cim_rows3_free) = { NULL, NULL, NULL };
	_cleanup_json_ json_t *region_doc = NULL;
	const char *ref[3];
	json_error_t jerr;

	for (int i = 0; i < 3; i++) {
		if (sp_json_string(body, ref_field[i], true, &ref[i], err) < 0)
			return -1;
		if (sp_store_cim_get(core->store, (sp_cim_kind)i, ref[i], &refs[i], err) < 0) {
			if (err->code == SP_ERR_NOT_FOUND)
				err->code = SP_ERR_INVALID;
			return -1;
		}
		if (strcmp(refs[i]->provider, p->name) != 0)
			return sp_error_set(err, SP_ERR_INVALID,
					    "%s '%s' is for %s, not %s",
					    sp_cim_kind_name((sp_cim_kind)i), ref[i],
					    refs[i]->provider, p->name);
		row->refs[i] = strdup(ref[i]);
		if (!row->refs[i])
			return sp_error_oom(err);
	}
	region_doc = json_loads(refs[SP_CIM_REGION]->doc, 0, &jerr);
	*doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s}}", "ConfigName", name,
			 "ProviderName", p->name, "DriverName", ref[0],
			 "CredentialName", ref[1], "RegionName", ref[2],
			 "RegionZoneInfo",
			 "AssignedRegion", kv_value(sp_json_get(region_doc, "KeyValueInfoList"), "Region"),
			 "AssignedZone", kv_value(sp_json_get(region_doc, "KeyValueInfoList"), "Zone"));
	if (!*doc)
		return sp_error_oom(err);
	return registered_time(core, name, *doc, err);
}

typedef int (*build_fn)(sp_core *, const json_t *, const char *,
			const sp_provider *, sp_cim_row *, json_t **, sp_error *);

static const build_fn builders[SP_CIM_KIND_COUNT] = {
	build_driver, build_credential, build_region, build_connection
};

int sp_cim_put(sp_core *core, sp_cim_kind kind, const json_t *body,
	       json_t **ret_doc, sp_error *err)
{
	sp_cim_row row = { 0 };
	_cleanup_json_ json_t *doc = NULL;
	const sp_provider *p;
	const char *name;
	char provider[32];
	int rc = -1;

	if (check_required(body, kind, err) < 0 ||
	    sp_json_string(body, name_field[kind], true, &name, err) < 0 ||
	    sp_name_validate(name_field[kind], name, err) < 0 ||
	    read_provider(body, provider, sizeof(provider), &p, err) < 0)
		return -1;
	if (builders[kind](core, body, name, p, &row, &doc, err) < 0)
		goto out;
	row.name = (char *)name;
	row.provider = (char *)p->name;
	row.doc = sp_json_dump(doc);
	if (!row.doc) {
		sp_error_oom(err);
		goto out;
	}
	if (sp_store_cim_put(core->store, kind, &row, err) < 0)
		goto out;
	sp_conn_cache_invalidate(core);
	*ret_doc = TAKE_PTR(doc);
	rc = 0;
out:
	free(row.doc);
	free(row.secret);
	for (size_t i = 0; i < ELEMENTSOF(row.refs); i++)
		free(row.refs[i]);
	return rc;
}

int sp_cim_get_text(sp_core *core, sp_cim_kind kind, const char *name,
		    char **ret_text, sp_error *err)
{
	sp_cim_row *row _cleanup_(sp_cim_row_freep) = NULL;

	if (sp_store_cim_get(core->store, kind, name, &row, err) < 0)
		return -1;
	*ret_text = TAKE_PTR(row->doc);
	return 0;
}

static int provider_filter(const char *in, char *buf, size_t size,
			   const char **ret, sp_error *err)
{
	*ret = NULL;
	if (sp_isempty(in))
		return 0;
	if (sp_provider_normalize(in, buf, size) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "ProviderName is too long");
	*ret = *buf ? buf : NULL;
	return 0;
}

int sp_cim_list(sp_core *core, sp_cim_kind kind, const char *provider,
		json_t **ret_array, sp_error *err)
{
	sp_cim_row **rows = NULL;
	_cleanup_json_ json_t *arr = json_array();
	char buf[32];
	size_t n = 0;
	int rc = -1;

	if (!arr)
		return sp_error_oom(err);
	if (provider_filter(provider, buf, sizeof(buf), &provider, err) < 0 ||
	    sp_store_cim_list(core->store, kind, provider, &rows, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_error_t jerr;
		json_t *doc = json_loads(rows[i]->doc, 0, &jerr);

		if (!doc) {
			sp_error_set(err, SP_ERR_INTERNAL, "%s '%s' is stored corrupt",
				     sp_cim_kind_name(kind), rows[i]->name);
			goto out;
		}
		if (json_array_append_new(arr, doc) < 0) {
			sp_error_oom(err);
			goto out;
		}
	}
	*ret_array = TAKE_PTR(arr);
	rc = 0;
out:
	sp_cim_rows_free(rows, n);
	return rc;
}

int sp_cim_count(sp_core *core, sp_cim_kind kind, const char *provider,
		 size_t *ret, sp_error *err)
{
	char buf[32];

	if (provider_filter(provider, buf, sizeof(buf), &provider, err) < 0)
		return -1;
	return sp_store_cim_count(core->store, kind, provider, ret, err);
}

int sp_cim_delete(sp_core *core, sp_cim_kind kind, const char *name,
		  sp_error *err)
{
	if (sp_store_cim_delete(core->store, kind, name, err) < 0)
		return -1;
	sp_conn_cache_invalidate(core);
	return 0;
}

typedef struct rekey_ctx {
	const sp_key *from, *to;
} rekey_ctx;

static char *reseal_one(void *ctx, const char *name, const char *secret,
			sp_error *err)
{
	rekey_ctx *rk = ctx;
	_cleanup_free_ char *aad = NULL;
	_cleanup_secret_ char *plain = NULL;
	size_t len;

	if (asprintf(&aad, "credential:%s", name) < 0) {
		aad = NULL;
		sp_error_oom(err);
		return NULL;
	}
	plain = sp_unseal(rk->from, secret, aad, &len, err);
	if (!plain) {
		sp_error_set(err, SP_ERR_INVALID,
			     "credential '%s' does not decrypt with the current key; nothing was changed",
			     name);
		return NULL;
	}
	return sp_seal(rk->to, plain, len, aad, err);
}

int sp_cim_rekey(sp_core *core, const sp_key *new_key, size_t *ret_n,
		 sp_error *err)
{
	rekey_ctx rk = { .from = &core->key, .to = new_key };

	if (sp_store_cim_reseal(core->store, SP_CIM_CREDENTIAL, reseal_one, &rk,
				ret_n, err) < 0)
		return -1;
	core->key = *new_key;
	sp_conn_cache_invalidate(core);
	return 0;
}
