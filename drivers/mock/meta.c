/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/meta.c - the read-only metadata methods: regions and zones,
 * images, VM specs and prices.  The lists are prepared once per session and
 * shared with callers (read-only, as the ABI says); everything else is
 * built fresh.
 */
#include "mock.h"

#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

static json_t *session_region(sp_session *s)
{
	return mock_docs_find(s->cloud->regions, "region_id", s->region);
}

/* Convert every doc with conv(doc, arg). */
static int convert_all(json_t *docs, json_t *(*conv)(json_t *, json_t *),
		       json_t *arg, json_t **ret_array, sp_error *err)
{
	_cleanup_json_ json_t *out = json_array();
	size_t i;
	json_t *doc;

	if (!out)
		return mock_oom(err);
	json_array_foreach(docs, i, doc)
		if (json_array_append_new(out, conv(doc, arg)) < 0)
			return mock_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

static int copy_out(json_t *doc, json_t **ret, sp_error *err)
{
	json_t *copy = json_deep_copy(doc);

	if (!copy)
		return mock_oom(err);
	*ret = copy;
	return 0;
}

static json_t *region_conv(json_t *doc, json_t *unused)
{
	return mock_region_info(doc);
}

static json_t *image_conv(json_t *doc, json_t *unused)
{
	return mock_image_info(doc);
}

static json_t *spec_conv(json_t *doc, json_t *region)
{
	return mock_spec_info(doc, region);
}

int mock_session_catalog(sp_session *s, sp_error *err)
{
	if (convert_all(s->cloud->regions, region_conv, NULL, &s->regions_out, err) < 0 ||
	    convert_all(s->cloud->images, image_conv, NULL, &s->images_out, err) < 0 ||
	    convert_all(s->cloud->specs, spec_conv, session_region(s), &s->specs_out, err) < 0)
		return -1;
	return 0;
}

static int rz_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	if (mock_enter(s, MOCK_OP_LIST_REGION_ZONE, err) < 0)
		return -1;
	*ret_array = json_incref(s->regions_out);
	return 0;
}

static int rz_get(sp_session *s, const char *name, json_t **ret_info,
		  sp_error *err)
{
	json_t *doc, *info;

	if (mock_enter(s, MOCK_OP_GET_REGION_ZONE, err) < 0)
		return -1;
	if (!(doc = mock_docs_find(s->cloud->regions, "region_id", name)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "region '%s' does not exist", mock_str(name));
	if (!(info = mock_region_info(doc)))
		return mock_oom(err);
	*ret_info = info;
	return 0;
}

static int rz_list_org_region(sp_session *s, json_t **ret_raw, sp_error *err)
{
	if (mock_enter(s, MOCK_OP_LIST_ORG_REGION, err) < 0)
		return -1;
	return copy_out(s->cloud->regions, ret_raw, err);
}

/* The zones of the session's region, as the cloud lists them. */
static int rz_list_org_zone(sp_session *s, json_t **ret_raw, sp_error *err)
{
	if (mock_enter(s, MOCK_OP_LIST_ORG_ZONE, err) < 0)
		return -1;
	return copy_out(json_object_get(session_region(s), "zones"), ret_raw, err);
}

static int image_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	if (mock_enter(s, MOCK_OP_LIST_IMAGE, err) < 0)
		return -1;
	*ret_array = json_incref(s->images_out);
	return 0;
}

static int image_get(sp_session *s, const char *name, json_t **ret_info,
		     sp_error *err)
{
	json_t *doc, *info;

	if (mock_enter(s, MOCK_OP_GET_IMAGE, err) < 0)
		return -1;
	if (!(doc = mock_docs_find(s->cloud->images, "image_id", name)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "image '%s' does not exist", mock_str(name));
	if (!(info = mock_image_info(doc)))
		return mock_oom(err);
	*ret_info = info;
	return 0;
}

static int spec_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	if (mock_enter(s, MOCK_OP_LIST_VMSPEC, err) < 0)
		return -1;
	*ret_array = json_incref(s->specs_out);
	return 0;
}

static int spec_get(sp_session *s, const char *name, json_t **ret_info,
		    sp_error *err)
{
	json_t *doc, *info;

	if (mock_enter(s, MOCK_OP_GET_VMSPEC, err) < 0)
		return -1;
	if (!(doc = mock_docs_find(s->cloud->specs, "instance_type", name)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "vmspec '%s' does not exist", mock_str(name));
	if (!(info = mock_spec_info(doc, session_region(s))))
		return mock_oom(err);
	*ret_info = info;
	return 0;
}

static int spec_list_org(sp_session *s, json_t **ret_raw, sp_error *err)
{
	if (mock_enter(s, MOCK_OP_LIST_ORG_VMSPEC, err) < 0)
		return -1;
	return copy_out(s->cloud->specs, ret_raw, err);
}

static int spec_get_org(sp_session *s, const char *name, json_t **ret_raw,
			sp_error *err)
{
	json_t *doc;

	if (mock_enter(s, MOCK_OP_GET_ORG_VMSPEC, err) < 0)
		return -1;
	if (!(doc = mock_docs_find(s->cloud->specs, "instance_type", name)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "vmspec '%s' does not exist", mock_str(name));
	return copy_out(doc, ret_raw, err);
}

/* NULL or "" means the session's own region. */
static int price_region(sp_session *s, const char *region, json_t **ret_doc,
			sp_error *err)
{
	json_t *doc;

	if (!region || !*region)
		region = s->region;
	if (!(doc = mock_docs_find(s->cloud->regions, "region_id", region)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "region '%s' does not exist", region);
	*ret_doc = doc;
	return 0;
}

static int price_list_product_family(sp_session *s, const char *region,
				     json_t **ret_array, sp_error *err)
{
	json_t *doc = NULL, *families;

	if (mock_enter(s, MOCK_OP_LIST_PRODUCT_FAMILY, err) < 0 ||
	    price_region(s, region, &doc, err) < 0)
		return -1;
	if (!(families = json_pack("[s]", "compute")))
		return mock_oom(err);
	*ret_array = families;
	return 0;
}

/* Price filter keys, matched case-insensitively.  Filters on the same key
 * are alternatives; filters on different keys must all hold. */
enum price_key {
	PK_PRODUCT_ID,
	PK_VMSPEC_NAME,
	PK_ZONE_NAME,
	PK_REGION_NAME,
	PK_PRICING_POLICY,
	PK_PRICING_ID,
	PK_UNIT,
	PK_CURRENCY,
	PK__COUNT
};

static const char *const price_keys[PK__COUNT] = {
	[PK_PRODUCT_ID] = "productId",
	[PK_VMSPEC_NAME] = "vmSpecName",
	[PK_ZONE_NAME] = "zoneName",
	[PK_REGION_NAME] = "regionName",
	[PK_PRICING_POLICY] = "pricingPolicy",
	[PK_PRICING_ID] = "pricingId",
	[PK_UNIT] = "unit",
	[PK_CURRENCY] = "currency",
};

static int price_key_of(const char *key)
{
	for (int k = 0; k < PK__COUNT; k++)
		if (!strcasecmp(key, price_keys[k]))
			return k;
	return -1;
}

static const char *filter_key(json_t *f)
{
	return json_string_value(json_object_get(f, "Key"));
}

/* KeyValue omits an empty Value. */
static const char *filter_value(json_t *f)
{
	const char *v = json_string_value(json_object_get(f, "Value"));

	return v ? v : "";
}

static int price_filter_check(json_t *filter, sp_error *err)
{
	size_t i;
	json_t *f;

	if (!filter || json_is_null(filter))
		return 0;
	if (!json_is_array(filter))
		return sp_error_set(err, SP_ERR_INVALID, "price filter must be a list of {\"Key\",\"Value\"}");
	json_array_foreach(filter, i, f) {
		const char *key = filter_key(f);
		json_t *v = json_object_get(f, "Value");

		if (!key || (v && !json_is_string(v)))
			return sp_error_set(err, SP_ERR_INVALID, "price filter must be a list of {\"Key\",\"Value\"}");
		if (price_key_of(key) < 0)
			return sp_error_set(err, SP_ERR_INVALID, "price filter key '%s' is unknown", key);
	}
	return 0;
}

static const char *price_field(json_t *item, int key, const char *region)
{
	json_t *product = json_object_get(item, "ProductInfo");
	json_t *ondemand = json_object_get(json_object_get(item, "PriceInfo"), "OnDemand");
	const char *field = NULL;

	switch (key) {
	case PK_PRODUCT_ID:
		return json_string_value(json_object_get(product, "ProductId"));
	case PK_VMSPEC_NAME:
		return json_string_value(json_object_get(product, "VMSpecName"));
	case PK_ZONE_NAME:
		return json_string_value(json_object_get(item, "ZoneName"));
	case PK_REGION_NAME:
		return region;
	case PK_PRICING_POLICY:
		return "OnDemand";
	case PK_PRICING_ID:
		field = "PricingId";
		break;
	case PK_UNIT:
		field = "Unit";
		break;
	case PK_CURRENCY:
		field = "Currency";
		break;
	}
	return field ? json_string_value(json_object_get(ondemand, field)) : NULL;
}

static bool price_match(json_t *item, json_t *filter, const char *region)
{
	for (int k = 0; k < PK__COUNT; k++) {
		bool present = false, hit = false;
		const char *have = price_field(item, k, region);
		size_t i;
		json_t *f;

		json_array_foreach(filter, i, f) {
			if (price_key_of(filter_key(f)) != k)
				continue;
			present = true;
			hit = hit || (have && !strcmp(have, filter_value(f)));
		}
		if (present && !hit)
			return false;
	}
	return true;
}

static bool product_family_known(const char *family)
{
	/* "vm" is the REST route's name for the family. */
	return !family || !*family || !strcasecmp(family, "compute") ||
	       !strcasecmp(family, "vm");
}

static int price_get_price_info(sp_session *s, const char *product_family,
				const char *region, json_t *filter,
				json_t **ret_cloud_price, sp_error *err)
{
	_cleanup_json_ json_t *list = json_array();
	json_t *rdoc = NULL, *spec, *price;
	const char *rname;
	size_t i;

	if (mock_enter(s, MOCK_OP_GET_PRICE_INFO, err) < 0 ||
	    price_region(s, region, &rdoc, err) < 0)
		return -1;
	rname = json_string_value(json_object_get(rdoc, "region_id"));
	if (!product_family_known(product_family))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "product family '%s' does not exist in region '%s'", product_family, rname);
	if (price_filter_check(filter, err) < 0)
		return -1;
	if (!list)
		return mock_oom(err);
	json_array_foreach(s->cloud->specs, i, spec) {
		_cleanup_json_ json_t *item = mock_price_item(spec, rdoc);

		if (!item)
			return mock_oom(err);
		if (json_is_array(filter) && !price_match(item, filter, rname))
			continue;
		if (json_array_append(list, item) < 0)
			return mock_oom(err);
	}
	price = json_pack("{s:{s:s, s:s}, s:s, s:s, s:O}",
			  "Meta", "Version", "v0.1", "Description", "Multi-Cloud Price Info",
			  "CloudName", "MOCK", "RegionName", rname, "PriceList", list);
	if (!price)
		return mock_oom(err);
	*ret_cloud_price = price;
	return 0;
}

const sp_regionzone_ops mock_regionzone_ops = {
	.size = sizeof(sp_regionzone_ops),
	.list = rz_list,
	.get = rz_get,
	.list_org_region = rz_list_org_region,
	.list_org_zone = rz_list_org_zone,
};

const sp_image_ops mock_image_ops = {
	.size = sizeof(sp_image_ops),
	.list = image_list,
	.get = image_get,
};

const sp_spec_ops mock_spec_ops = {
	.size = sizeof(sp_spec_ops),
	.list = spec_list,
	.get = spec_get,
	.list_org = spec_list_org,
	.get_org = spec_get_org,
};

const sp_price_ops mock_price_ops = {
	.size = sizeof(sp_price_ops),
	.list_product_family = price_list_product_family,
	.get_price_info = price_get_price_info,
};
