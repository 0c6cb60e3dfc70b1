/* SPDX-License-Identifier: Apache-2.0 */
/* The cloud catalogue of a connection: regions and zones, images, specs,
 * prices, and the driver's capabilities. */
#include "core/conn.h"
#include "rest/rest.h"
#include "util/json.h"

/* Wrap a driver result: {"key": value} (takes value). */
static int wrap(json_t *value, const char *key, json_t **ret, sp_error *err)
{
	if (!value)
		return sp_error_set(err, SP_ERR_INTERNAL, "driver returned nothing");
	*ret = json_pack("{s:o}", key, value);
	return *ret ? 0 : sp_error_oom(err);
}

/* A driver list must be an array; anything else is the driver's bug. */
static int wrap_list(json_t *value, const char *key, json_t **ret, sp_error *err)
{
	if (!json_is_array(value)) {
		json_decref(value);
		return sp_error_set(err, SP_ERR_INTERNAL, "driver returned a non-array list");
	}
	return wrap(value, key, ret, err);
}

/* The region routes also serve the preconfig routes, which open their
 * connection differently: the bodies take the open connection. */
static int regionzone_list(sp_conn *c, json_t **ret, sp_error *err)
{
	json_t *v = NULL;

	if (SP_DRIVER_CALL(c, regionzone, list, "REGIONZONE", "", "ListRegionZone()", err, &v) < 0)
		return -1;
	return wrap_list(v, "regionzone", ret, err);
}

static int regionzone_get(sp_conn *c, const char *name, json_t **ret, sp_error *err)
{
	return SP_DRIVER_CALL(c, regionzone, get, "REGIONZONE", name, "GetRegionZone()", err, name, ret);
}

static int orgregion(sp_conn *c, json_t **ret, sp_error *err)
{
	json_t *v = NULL;

	if (SP_DRIVER_CALL(c, regionzone, list_org_region, "REGIONZONE", "", "ListOrgRegion()", err, &v) < 0)
		return -1;
	return wrap(v, "RegionInfo", ret, err);
}

static int h_regionzone_list(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;

	return sp_req_open_conn(req, &c, err) < 0 ? -1 : regionzone_list(c, ret, err);
}

static int h_regionzone_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;

	return sp_req_open_conn(req, &c, err) < 0 ? -1 : regionzone_get(c, sp_req_param(req, "Name"), ret, err);
}

static int h_orgregion(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;

	return sp_req_open_conn(req, &c, err) < 0 ? -1 : orgregion(c, ret, err);
}

static int h_orgzone(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	json_t *v = NULL;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, regionzone, list_org_zone, "REGIONZONE", "", "ListOrgZone()", err, &v) < 0)
		return -1;
	return wrap(v, "ZoneInfo", ret, err);
}

static int h_image_list(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	json_t *v = NULL;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, image, list, "VMIMAGE", "", "ListImage()", err, &v) < 0)
		return -1;
	return wrap_list(v, "image", ret, err);
}

static int h_image_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	const char *name = sp_req_param(req, "Name");

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, image, get, "VMIMAGE", name, "GetImage()", err, name, ret) < 0)
		return -1;
	return 0;
}

static int h_spec_list(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	json_t *v = NULL;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, spec, list, "VMSPEC", "", "ListVMSpec()", err, &v) < 0)
		return -1;
	return wrap_list(v, "vmspec", ret, err);
}

static int h_spec_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	const char *name = sp_req_param(req, "Name");

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, spec, get, "VMSPEC", name, "GetVMSpec()", err, name, ret) < 0)
		return -1;
	return 0;
}

static int h_orgspec_list(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	json_t *v = NULL;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, spec, list_org, "VMSPEC", "", "ListOrgVMSpec()", err, &v) < 0)
		return -1;
	return wrap(v, "vmspec", ret, err);
}

static int h_orgspec_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	const char *name = sp_req_param(req, "Name");
	json_t *v = NULL;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, spec, get_org, "VMSPEC", name, "GetOrgVMSpec()", err, name, &v) < 0)
		return -1;
	return wrap(v, "VMSpecInfo", ret, err);
}

static int h_productfamily(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	const char *region = sp_req_param(req, "RegionName");
	json_t *v = NULL;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, price, list_product_family, "PRICEINFO", region,
			   "ListProductFamily()", err, region, &v) < 0)
		return -1;
	return wrap_list(v, "productfamily", ret, err);
}

/* Keep only VMSpecName in ProductInfo (the "simple" form). */
static void price_simplify(json_t *price)
{
	size_t i;
	json_t *item;

	json_array_foreach(sp_json_get(price, "PriceList"), i, item) {
		json_t *pi = sp_json_get(item, "ProductInfo");
		json_t *name = json_incref(sp_json_get(pi, "VMSpecName"));

		if (!pi)
			continue;
		json_object_clear(pi);
		json_object_set_new(pi, "VMSpecName", name ? name : json_string(""));
	}
}

static int h_priceinfo(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	const char *region = sp_req_param(req, "RegionName");
	const char *family = NULL;
	const json_t *filter;
	json_t *v = NULL;

	if (sp_req_string(req, "ProductFamily", false, &family, err) < 0 ||
	    sp_json_array(req->body, "FilterList", &filter, err) < 0 ||
	    sp_req_open_conn(req, &c, err) < 0 ||
	    SP_DRIVER_CALL(c, price, get_price_info, "PRICEINFO", region,
			   "GetPriceInfo()", err, family ? family : "compute",
			   region, (json_t *)filter, &v) < 0)
		return -1;
	for (size_t i = 0; i < req->n_query; i++)
		if (strcasecmp(req->query[i].name, "simple") == 0) {
			/* Driver results are read-only: change a copy. */
			json_t *copy = json_deep_copy(v);

			json_decref(v);
			if (!copy)
				return sp_error_oom(err);
			v = copy;
			price_simplify(v);
			break;
		}
	*ret = v;
	return 0;
}

/* The same catalogue calls without a connection config: a driver and a
 * credential, in the provider's default region. */
static int open_preconfig(sp_req *req, sp_conn **ret, sp_error *err)
{
	const char *driver, *credential;

	if (sp_req_string(req, "DriverName", true, &driver, err) < 0 ||
	    sp_req_string(req, "CredentialName", true, &credential, err) < 0 ||
	    sp_conn_open_preconfig(req->core, driver, credential, &req->conn, err) < 0)
		return -1;
	*ret = req->conn;
	return 0;
}

static int h_preconfig_regionzone_list(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;

	return open_preconfig(req, &c, err) < 0 ? -1 : regionzone_list(c, ret, err);
}

static int h_preconfig_regionzone_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;

	return open_preconfig(req, &c, err) < 0 ? -1 : regionzone_get(c, sp_req_param(req, "Name"), ret, err);
}

static int h_preconfig_orgregion(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;

	return open_preconfig(req, &c, err) < 0 ? -1 : orgregion(c, ret, err);
}

/* Ask the cloud, now, whether the connection's credential and region work
 * (extension).  Opening the session is the first half of the check. */
static int h_connection_check(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c = NULL;
	const char *name = sp_req_param(req, "ConfigName");
	sp_call call;

	if (sp_conn_acquire(req->core, name, &req->conn, err) < 0)
		return -1;
	c = req->conn;
	if (sp_call_begin(&call, c, c->plugin->driver->check != NULL,
			  "CONNECTION", name, "CheckConnection()", __func__,
			  __LINE__, err) < 0 ||
	    sp_call_end(&call, c->plugin->driver->check(c->session, err), err) < 0)
		return -1;
	*ret = sp_json_result_true();
	return *ret ? 0 : sp_error_oom(err);
}

static int h_capability(sp_req *req, json_t **ret, sp_error *err)
{
	static const char *const unsupported[] = {
		"VPCHandler", "SecurityHandler", "KeyPairHandler", "VMHandler",
		"DiskHandler", "MyImageHandler", "NLBHandler", "ClusterHandler",
		"FileSystemHandler", "QuotaInfoHandler", "RDBMSHandler",
		"DBSpecHandler", "RDBMSMySQLHandler", "RDBMSMariaDBHandler",
		"RDBMSPostgreSQLHandler", "PublicIPHandler", "NICHandler",
		"TagHandler",
	};
	sp_conn *c = NULL;
	_cleanup_json_ json_t *o = NULL;
	const sp_driver *d;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	d = c->plugin->driver;
	o = json_pack("{s:b,s:b,s:b,s:b,s:b,s:[],s:b,s:b,s:b}",
		      "ZoneBasedControl", !!(d->capabilities & SP_CAP_ZONE_BASED_CONTROL),
		      "RegionZoneHandler", d->regionzone != NULL,
		      "PriceInfoHandler", d->price != NULL,
		      "ImageHandler", d->image != NULL,
		      "VMSpecHandler", d->spec != NULL,
		      "TagSupportResourceType",
		      "VPC_CIDR", !!(d->capabilities & SP_CAP_VPC_CIDR),
		      "EMULATED_VPC", !!(d->capabilities & SP_CAP_EMULATED_VPC),
		      "SINGLE_VPC", !!(d->capabilities & SP_CAP_SINGLE_VPC));
	if (!o)
		return sp_error_oom(err);
	for (size_t i = 0; i < ELEMENTSOF(unsupported); i++)
		if (json_object_set_new(o, unsupported[i], json_false()) < 0)
			return sp_error_oom(err);
	*ret = TAKE_PTR(o);
	return 0;
}

const sp_route sp_routes_catalog[] = {
	{ "GET", "/spider/driver/capability", h_capability, false },
	{ "GET", "/spider/connectionconfig/:ConfigName/check", h_connection_check, false },
	{ "GET", "/spider/preconfig/regionzone", h_preconfig_regionzone_list, false },
	{ "GET", "/spider/preconfig/regionzone/:Name", h_preconfig_regionzone_get, false },
	{ "GET", "/spider/preconfig/orgregion", h_preconfig_orgregion, false },
	{ "GET", "/spider/regionzone", h_regionzone_list, false },
	{ "GET", "/spider/regionzone/:Name", h_regionzone_get, false },
	{ "GET", "/spider/orgregion", h_orgregion, false },
	{ "GET", "/spider/orgzone", h_orgzone, false },
	{ "GET", "/spider/vmimage", h_image_list, false },
	{ "GET", "/spider/vmimage/:Name", h_image_get, false },
	{ "GET", "/spider/vmspec", h_spec_list, false },
	{ "GET", "/spider/vmspec/:Name", h_spec_get, false },
	{ "GET", "/spider/vmorgspec", h_orgspec_list, false },
	{ "GET", "/spider/vmorgspec/:Name", h_orgspec_get, false },
	{ "GET", "/spider/productfamily/:RegionName", h_productfamily, false },
	{ "GET", "/spider/priceinfo/vm/:RegionName", h_priceinfo, false },
	{ "POST", "/spider/priceinfo/vm/:RegionName", h_priceinfo, false },
	{ NULL, NULL, NULL, false },
};
