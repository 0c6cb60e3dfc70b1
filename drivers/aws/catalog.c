/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/catalog.c - regions and zones, public images, VM specs.
 *
 * The full lists are kept per session for AWS_CATALOG_TTL_S and handed
 * out shared (json_incref), as the ABI allows: EC2's public image
 * catalogue is large, and these lists change on the scale of days.
 * Public images are the ones Amazon owns, available, machine images for
 * x86_64 or arm64; get() finds any image by its ID.
 */
#include "aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

#define IMAGE_PAGE 1000
#define SPEC_PAGE 100

static json_t *cache_get(sp_session *s, json_t **slot, const double *at)
{
	json_t *v = NULL;

	pthread_mutex_lock(&s->cache_lock);
	if (*slot && aws_now_mono() - *at < AWS_CATALOG_TTL_S)
		v = json_incref(*slot);
	pthread_mutex_unlock(&s->cache_lock);
	return v;
}

static void cache_put(sp_session *s, json_t **slot, double *at, json_t *v)
{
	pthread_mutex_lock(&s->cache_lock);
	json_decref(*slot);
	*slot = json_incref(v);
	*at = aws_now_mono();
	pthread_mutex_unlock(&s->cache_lock);
}

/* ---- regions and zones ---------------------------------------------------- */

static int zone_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	const char *name = aws_xml_str(it, "zoneName");
	const char *state = aws_xml_str(it, "zoneState");

	return aws_json_append(ctx, json_pack("{s:s,s:s,s:s,s:s}", "Name", name, "DisplayName", name,
					      "CSPDisplayName", name, "Status",
					      !strcmp(state, "available") ? "Available" : "Unavailable"), err);
}

static int region_zones(sp_session *s, const char *region, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *zones = json_array();

	if (!zones)
		return aws_oom(err);
	if (aws_call_pages(s, region, "DescribeAvailabilityZones", &p, 0, "availabilityZoneInfo",
			   "REGIONZONE", zone_item, zones, err) < 0)
		return -1;
	*ret = TAKE_PTR(zones);
	return 0;
}

struct regions_ctx {
	json_t *list;
	bool zones;
};

static int region_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	struct regions_ctx *x = ctx;
	const char *name = aws_xml_str(it, "regionName");
	_cleanup_json_ json_t *zones = NULL;

	if (x->zones && region_zones(s, name, &zones, err) < 0)
		return -1;
	return aws_json_append(x->list, json_pack("{s:s,s:s,s:s,s:o,s:o}", "Name", name,
						  "DisplayName", name, "CSPDisplayName", name,
						  "KeyValueList", aws_kvlist("Endpoint", aws_xml_str(it, "regionEndpoint"),
									     "OptInStatus", aws_xml_str(it, "optInStatus"), NULL),
						  "ZoneList", zones ? json_incref(zones) : json_array()), err);
}

static int regions_read(sp_session *s, const char *only, bool zones, json_t **ret,
			sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();
	struct regions_ctx x = { list, zones };

	if (!list)
		return aws_oom(err);
	if (only)
		aws_params_add(&p, only, "RegionName.1");
	if (aws_call_pages(s, NULL, "DescribeRegions", &p, 0, "regionInfo", "REGIONZONE",
			   region_item, &x, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

static int rz_list(sp_session *s, json_t **ret, sp_error *err)
{
	json_t *list = cache_get(s, &s->regions, &s->regions_at);

	if (!list) {
		if (regions_read(s, NULL, true, &list, err) < 0)
			return -1;
		cache_put(s, &s->regions, &s->regions_at, list);
	}
	*ret = list;
	return 0;
}

static int rz_get(sp_session *s, const char *name, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *list = NULL;
	sp_error e;

	if (!name || !*name)
		return sp_error_set(err, SP_ERR_INVALID, "a region name is required");
	/* EC2 refuses an unknown RegionName as a bad parameter. */
	if (regions_read(s, name, true, &list, &e) < 0) {
		if (e.code == SP_ERR_INVALID)
			e.code = SP_ERR_NOT_FOUND;
		*err = e;
		return -1;
	}
	if (json_array_size(list) == 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no region '%s'", name);
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

static int raw_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	return aws_json_append(ctx, aws_xml_to_json(it), err);
}

static int raw_list(sp_session *s, const char *action, const char *set, int page,
		    aws_params *p, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *list = json_array();

	if (!list)
		return aws_oom(err);
	if (aws_call_pages(s, NULL, action, p, page, set, "REGIONZONE", raw_item, list, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

static int rz_list_org_region(sp_session *s, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };

	return raw_list(s, "DescribeRegions", "regionInfo", 0, &p, ret, err);
}

static int rz_list_org_zone(sp_session *s, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };

	return raw_list(s, "DescribeAvailabilityZones", "availabilityZoneInfo", 0, &p, ret, err);
}

const sp_regionzone_ops aws_regionzone_ops = {
	.size = sizeof(sp_regionzone_ops),
	.list = rz_list,
	.get = rz_get,
	.list_org_region = rz_list_org_region,
	.list_org_zone = rz_list_org_zone,
};

/* ---- images --------------------------------------------------------------- */

static const char *arch_name(const char *a, bool mac)
{
	if (!strcmp(a, "x86_64"))
		return mac ? "x86_64_mac" : "x86_64";
	if (!strcmp(a, "arm64"))
		return mac ? "arm64_mac" : "arm64";
	if (!strcmp(a, "i386"))
		return "x86_32";
	return "NA";
}

static json_t *image_info(xmlNode *it)
{
	const char *id = aws_xml_str(it, "imageId"), *root = aws_xml_str(it, "rootDeviceName");
	const char *platform = aws_xml_str(it, "platform"), *details = aws_xml_str(it, "platformDetails");
	const char *desc = aws_xml_str(it, "description"), *name = aws_xml_str(it, "name");
	const char *disk_type = "NA", *disk_size = "-1";
	bool windows = !strcasecmp(platform, "windows") || strstr(details, "Windows");

	for (xmlNode *b = aws_xml_items(it, "blockDeviceMapping"); b; b = aws_xml_next(b))
		if (!strcmp(aws_xml_str(b, "deviceName"), root) && aws_xml_child(b, "ebs")) {
			disk_type = aws_xml_str(b, "ebs/volumeType");
			disk_size = aws_xml_str(b, "ebs/volumeSize");
		}
	return json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}",
			 "IId", aws_iid_json(id, id), "Name", *name ? name : id,
			 "OSArchitecture", arch_name(aws_xml_str(it, "architecture"), strstr(name, "mac") != NULL),
			 "OSPlatform", windows ? "Windows" : "Linux/UNIX",
			 "OSDistribution", *desc ? desc : *name ? name : "NA",
			 "OSDiskType", *disk_type ? disk_type : "NA",
			 "OSDiskSizeGB", *disk_size ? disk_size : "-1",
			 "ImageStatus", !strcmp(aws_xml_str(it, "imageState"), "available") ? "Available" : "Unavailable",
			 "KeyValueList", aws_kvlist("OwnerId", aws_xml_str(it, "imageOwnerId"),
						    "CreationDate", aws_xml_str(it, "creationDate"),
						    "RootDeviceType", aws_xml_str(it, "rootDeviceType"),
						    "PlatformDetails", details, NULL));
}

static int image_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	if (aws_items_cap(ctx, "images", err) < 0)
		return -1;
	return aws_json_append(ctx, image_info(it), err);
}

static int image_list(sp_session *s, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = cache_get(s, &s->images, &s->images_at);

	if (!list) {
		if (!(list = json_array()))
			return aws_oom(err);
		aws_params_add(&p, "amazon", "Owner.1");
		aws_params_add(&p, "state", "Filter.1.Name");
		aws_params_add(&p, "available", "Filter.1.Value.1");
		aws_params_add(&p, "architecture", "Filter.2.Name");
		aws_params_add(&p, "x86_64", "Filter.2.Value.1");
		aws_params_add(&p, "arm64", "Filter.2.Value.2");
		aws_params_add(&p, "image-type", "Filter.3.Name");
		aws_params_add(&p, "machine", "Filter.3.Value.1");
		if (aws_call_pages(s, NULL, "DescribeImages", &p, IMAGE_PAGE, "imagesSet", "VMIMAGE",
				   image_item, list, err) < 0)
			return -1;
		cache_put(s, &s->images, &s->images_at, list);
	}
	*ret = TAKE_PTR(list);
	return 0;
}

static int image_get(sp_session *s, const char *name, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();

	if (!name || !*name)
		return sp_error_set(err, SP_ERR_INVALID, "an image ID is required");
	if (!list)
		return aws_oom(err);
	aws_params_add(&p, name, "ImageId.1");
	if (aws_call_pages(s, NULL, "DescribeImages", &p, 0, "imagesSet", "VMIMAGE", image_item, list, err) < 0)
		return -1;
	if (json_array_size(list) == 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no image '%s' in region '%s'", name, s->region);
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

const sp_image_ops aws_image_ops = {
	.size = sizeof(sp_image_ops),
	.list = image_list,
	.get = image_get,
};

/* ---- specs ----------------------------------------------------------------- */

static json_t *gpu_list(xmlNode *it)
{
	json_t *a = json_array();

	for (xmlNode *g = aws_xml_items(it, "gpuInfo/gpus"); a && g; g = aws_xml_next(g)) {
		double mib = strtod(aws_xml_str(g, "memoryInfo/sizeInMiB"), NULL);
		double count = strtod(aws_xml_str(g, "count"), NULL);
		char mem[32], total[32];

		snprintf(mem, sizeof(mem), "%g", mib / 1024);
		snprintf(total, sizeof(total), "%g", count * mib / 1024);
		if (json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s}", "Count", aws_xml_str(g, "count"),
						       "Mfr", aws_xml_str(g, "manufacturer"),
						       "Model", aws_xml_str(g, "name"),
						       "MemSizeGB", mem, "TotalMemSizeGB", total)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static const char *or_na(const char *v)
{
	return *v ? v : "-1";
}

static int spec_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	char archs[64] = "";

	for (xmlNode *a = aws_xml_items(it, "processorInfo/supportedArchitectures"); a; a = aws_xml_next(a)) {
		size_t len = strlen(archs);

		snprintf(archs + len, sizeof(archs) - len, "%s%s", len ? "," : "", aws_xml_text(a));
	}
	if (aws_items_cap(ctx, "specs", err) < 0)
		return -1;
	return aws_json_append(ctx, json_pack("{s:s,s:s,s:{s:s,s:s},s:s,s:s,s:o,s:o}",
		"Region", s->region, "Name", aws_xml_str(it, "instanceType"),
		"VCpu", "Count", or_na(aws_xml_str(it, "vCpuInfo/defaultVCpus")),
		"ClockGHz", or_na(aws_xml_str(it, "processorInfo/sustainedClockSpeedInGhz")),
		"MemSizeMiB", or_na(aws_xml_str(it, "memoryInfo/sizeInMiB")),
		"DiskSizeGB", or_na(aws_xml_str(it, "instanceStorageInfo/totalSizeInGB")),
		"Gpu", gpu_list(it),
		"KeyValueList", aws_kvlist("CurrentGeneration", aws_xml_str(it, "currentGeneration"),
					   "Hypervisor", aws_xml_str(it, "hypervisor"),
					   "NetworkPerformance", aws_xml_str(it, "networkInfo/networkPerformance"),
					   "Architecture", archs,
					   NULL)), err);
}

static int spec_read(sp_session *s, const char *only, aws_item_fn fn, json_t **ret,
		     sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();
	sp_error e;

	if (!list)
		return aws_oom(err);
	if (only)
		aws_params_add(&p, only, "InstanceType.1");
	if (aws_call_pages(s, NULL, "DescribeInstanceTypes", &p, only ? 0 : SPEC_PAGE, "instanceTypeSet",
			   "VMSPEC", fn, list, &e) < 0) {
		/* An unknown type is refused as InvalidInstanceType. */
		if (only && e.code == SP_ERR_INVALID && strstr(e.message, "InvalidInstanceType"))
			e.code = SP_ERR_NOT_FOUND;
		*err = e;
		return -1;
	}
	if (only && json_array_size(list) == 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no instance type '%s' in region '%s'", only, s->region);
	*ret = only ? json_incref(json_array_get(list, 0)) : json_incref(list);
	return 0;
}

static int spec_list(sp_session *s, json_t **ret, sp_error *err)
{
	json_t *list = cache_get(s, &s->specs, &s->specs_at);

	if (!list) {
		if (spec_read(s, NULL, spec_item, &list, err) < 0)
			return -1;
		cache_put(s, &s->specs, &s->specs_at, list);
	}
	*ret = list;
	return 0;
}

static int spec_get(sp_session *s, const char *name, json_t **ret, sp_error *err)
{
	if (!name || !*name)
		return sp_error_set(err, SP_ERR_INVALID, "a VM spec name is required");
	return spec_read(s, name, spec_item, ret, err);
}

static int spec_list_org(sp_session *s, json_t **ret, sp_error *err)
{
	return spec_read(s, NULL, raw_item, ret, err);
}

static int spec_get_org(sp_session *s, const char *name, json_t **ret, sp_error *err)
{
	if (!name || !*name)
		return sp_error_set(err, SP_ERR_INVALID, "a VM spec name is required");
	return spec_read(s, name, raw_item, ret, err);
}

const sp_spec_ops aws_spec_ops = {
	.size = sizeof(sp_spec_ops),
	.list = spec_list,
	.get = spec_get,
	.list_org = spec_list_org,
	.get_org = spec_get_org,
};
