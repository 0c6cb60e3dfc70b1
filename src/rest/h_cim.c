/* SPDX-License-Identifier: Apache-2.0 */
/* Connection setup routes: cloudos, driver, credential, region,
 * connectionconfig, counts. */
#include "core/cim.h"
#include "core/events.h"
#include "core/provider.h"
#include "rest/rest.h"
#include "util/json.h"

static int h_cloudos(sp_req *req, json_t **ret, sp_error *err)
{
	size_t n;
	const sp_provider *all = sp_provider_all(&n);
	_cleanup_json_ json_t *arr = json_array();

	if (!arr)
		return sp_error_oom(err);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(all[i].name)) < 0)
			return sp_error_oom(err);
	*ret = json_pack("{s:O}", "cloudos", arr);
	return *ret ? 0 : sp_error_oom(err);
}

static int h_cloudos_meta(sp_req *req, json_t **ret, sp_error *err)
{
	const char *name = sp_req_param(req, "CloudOSName");
	const sp_provider *p = sp_provider_find(name);

	if (!p)
		return sp_error_set(err, SP_ERR_NOT_FOUND,
				    "%s: does not exist! (see GET /spider/cloudos)", name);
	*ret = sp_provider_metainfo(p);
	return *ret ? 0 : sp_error_oom(err);
}

/* The URL parameter and list key of each kind. */
static const struct {
	const char *param;
	const char *list_key;
} kinds[SP_CIM_KIND_COUNT] = {
	[SP_CIM_DRIVER] = { "DriverName", "driver" },
	[SP_CIM_CREDENTIAL] = { "CredentialName", "credential" },
	[SP_CIM_REGION] = { "RegionName", "region" },
	[SP_CIM_CONNECTION] = { "ConfigName", "connectionconfig" },
};

static int provider_arg(const sp_req *req, const char **ret, sp_error *err)
{
	const char *p = sp_req_param(req, "ProviderName");

	if (p) {
		*ret = p;
		return 0;
	}
	if (sp_req_string(req, "ProviderName", false, ret, err) < 0)
		return -1;
	if (!*ret)
		*ret = sp_req_query(req, "provider");
	return 0;
}

static bool cim_exists(sp_req *req, sp_cim_kind kind, const char *name)
{
	_cleanup_free_ char *text = NULL;
	sp_error ignored = { 0 };

	return !sp_isempty(name) &&
	       sp_cim_get_text(req->core, kind, name, &text, &ignored) == 0;
}

/* Tell the event bus (kind "config") about a change, for the web tool to
 * refresh what it shows. */
static void cim_publish(sp_req *req, sp_cim_kind kind, const char *action,
			const char *name)
{
	sp_events_publish(req->core->events, "config", "",
			  json_pack("{s:s,s:s,s:s?}", "action", action, "type",
				    kinds[kind].list_key, "name", name));
}

/* Whether the put created or replaced is read just before it: two puts
 * of one name at once may both say "create". */
static int cim_create(sp_req *req, sp_cim_kind kind, json_t **ret, sp_error *err)
{
	const char *name = NULL;
	bool existed;

	if (sp_json_string(req->body, kinds[kind].param, false, &name, err) < 0)
		return -1;
	existed = cim_exists(req, kind, name);
	if (sp_cim_put(req->core, kind, req->body, ret, err) < 0)
		return -1;
	cim_publish(req, kind, existed ? "update" : "create", name);
	return 0;
}

static int cim_list(sp_req *req, sp_cim_kind kind, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *arr = NULL;
	const char *provider;

	if (provider_arg(req, &provider, err) < 0 ||
	    sp_cim_list(req->core, kind, provider, &arr, err) < 0)
		return -1;
	*ret = json_pack("{s:O}", kinds[kind].list_key, arr);
	return *ret ? 0 : sp_error_oom(err);
}

/* The stored document is the answer, byte for byte: no parse, no dump. */
static int cim_get(sp_req *req, sp_cim_kind kind, json_t **ret, sp_error *err)
{
	return sp_cim_get_text(req->core, kind, sp_req_param(req, kinds[kind].param),
			       &req->raw_json, err);
}

/* Deleting a missing object succeeds quietly: nothing changed. */
static int cim_delete(sp_req *req, sp_cim_kind kind, json_t **ret, sp_error *err)
{
	const char *name = sp_req_param(req, kinds[kind].param);
	bool existed = cim_exists(req, kind, name);

	if (sp_cim_delete(req->core, kind, name, err) < 0)
		return -1;
	if (existed)
		cim_publish(req, kind, "delete", name);
	*ret = sp_json_result_true();
	return *ret ? 0 : sp_error_oom(err);
}

static int cim_count(sp_req *req, sp_cim_kind kind, json_t **ret, sp_error *err)
{
	const char *provider;
	size_t n;

	if (provider_arg(req, &provider, err) < 0 ||
	    sp_cim_count(req->core, kind, provider, &n, err) < 0)
		return -1;
	*ret = sp_json_count(n);
	return *ret ? 0 : sp_error_oom(err);
}

/* One thin handler per (operation, kind), so the route table stays flat. */
#define CIM_HANDLERS(kind, tag)                                                      \
	static int h_##tag##_create(sp_req *r, json_t **ret, sp_error *e)            \
	{ return cim_create(r, kind, ret, e); }                                       \
	static int h_##tag##_list(sp_req *r, json_t **ret, sp_error *e)              \
	{ return cim_list(r, kind, ret, e); }                                         \
	static int h_##tag##_get(sp_req *r, json_t **ret, sp_error *e)               \
	{ return cim_get(r, kind, ret, e); }                                          \
	static int h_##tag##_delete(sp_req *r, json_t **ret, sp_error *e)            \
	{ return cim_delete(r, kind, ret, e); }                                       \
	static int h_##tag##_count(sp_req *r, json_t **ret, sp_error *e)             \
	{ return cim_count(r, kind, ret, e); }

CIM_HANDLERS(SP_CIM_DRIVER, driver)
CIM_HANDLERS(SP_CIM_CREDENTIAL, credential)
CIM_HANDLERS(SP_CIM_REGION, region)
CIM_HANDLERS(SP_CIM_CONNECTION, conn)

#define CIM_ROUTES(path, tag, param)                                            \
	{ "POST", "/spider/" path, h_##tag##_create, false },                    \
	{ "GET", "/spider/" path, h_##tag##_list, false },                       \
	{ "GET", "/spider/" path "/:" param, h_##tag##_get, false },             \
	{ "DELETE", "/spider/" path "/:" param, h_##tag##_delete, false },       \
	{ "GET", "/spider/count" path, h_##tag##_count, false },                 \
	{ "GET", "/spider/count" path "/:ProviderName", h_##tag##_count, false }

const sp_route sp_routes_cim[] = {
	{ "GET", "/spider/cloudos", h_cloudos, false },
	{ "GET", "/spider/cloudos/metainfo/:CloudOSName", h_cloudos_meta, false },
	CIM_ROUTES("driver", driver, "DriverName"),
	CIM_ROUTES("credential", credential, "CredentialName"),
	CIM_ROUTES("region", region, "RegionName"),
	CIM_ROUTES("connectionconfig", conn, "ConfigName"),
	{ NULL, NULL, NULL, false },
};
