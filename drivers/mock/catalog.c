/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/catalog.c - the mock cloud's catalogue: the rows seeded into
 * a new state file, and the mapping from the cloud's own documents to the
 * Spider shapes (RegionZoneInfo, ImageInfo, VMSpecInfo, CloudPrice items).
 *
 * The native documents deliberately differ from the Spider shapes, as a
 * real cloud's do: the org* routes show them unmodified.
 */
#include "mock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

static const struct {
	const char *id;
	const char *display;
	int price_pct; /* regional factor on the base price, in percent */
	/* Where the mock says the region is (RegionZoneInfo's KeyValueList,
	 * as a cloud that knows its data centres would): its planets stand
	 * in real cities, so placement by location has something to rank. */
	const char *lat, *lon, *place;
} seed_regions[] = {
	{ "default", "Default", 100, "37.6", "127.0", "Seoul, KR" },
	{ "mercury", "Mercury", 130, "1.4", "103.8", "Singapore, SG" },
	{ "venus", "Venus", 120, "50.1", "8.7", "Frankfurt, DE" },
	{ "mars", "Mars", 110, "38.9", "-77.4", "N. Virginia, US" },
	{ "jupiter", "Jupiter", 90, "45.8", "-119.7", "Oregon, US" },
	{ "saturn", "Saturn", 95, "-23.5", "-46.6", "Sao Paulo, BR" },
	{ "uranus", "Uranus", 105, "-33.9", "151.2", "Sydney, AU" },
	{ "neptune", "Neptune", 115, "35.7", "139.7", "Tokyo, JP" },
};

#define SEED_ZONES 3

static const struct {
	const char *id;
	const char *description;
	const char *arch;
	const char *os_family;
	const char *distribution;
	int root_gb;
} seed_images[] = {
	{ "mock-vmimage-01", "Ubuntu Server 18.04 LTS (x86_64)", "x86_64", "linux", "Ubuntu 18.04", 32 },
	{ "mock-vmimage-02", "CentOS 8 (arm64)", "arm64", "linux", "CentOS 8", 32 },
	{ "mock-vmimage-03", "Windows Server 2019 Datacenter (x86_64)", "x86_64", "windows", "Windows Server 2019", 50 },
	{ "mock-vmimage-04", "Ubuntu Server 22.04 LTS (arm64)", "arm64", "linux", "Ubuntu 22.04", 32 },
	{ "mock-vmimage-05", "Amazon Linux 2 (x86_64)", "x86_64", "linux", "Amazon Linux 2", 32 },
};

static const struct {
	const char *id;
	int vcpus;
	int clock_mhz;
	int memory_mib;
	int gpus; /* NVIDIA V100, 16 GB each */
	const char *price; /* USD per hour in the "default" region */
} seed_specs[] = {
	{ "mock-vmspec-01", 4, 2700, 32768, 2, "3.0600" },
	{ "mock-vmspec-02", 4, 3200, 16384, 1, "1.5300" },
	{ "mock-vmspec-03", 8, 2700, 62464, 0, "0.4480" },
	{ "mock-vmspec-04", 8, 3200, 1024, 0, "0.0928" },
};

static int seed_region(sqlite3 *db, size_t r, sp_error *err)
{
	_cleanup_json_ json_t *zones = json_array();
	_cleanup_json_ json_t *doc = NULL;

	for (int z = 1; zones && z <= SEED_ZONES; z++) {
		char id[64], display[64];

		snprintf(id, sizeof(id), "%s-z%d", seed_regions[r].id, z);
		snprintf(display, sizeof(display), "%s Zone %d", seed_regions[r].display, z);
		if (json_array_append_new(zones, json_pack("{s:s, s:s, s:s}", "zone_id", id, "display_name", display, "state", "available")) < 0)
			return mock_oom(err);
	}
	doc = json_pack("{s:s, s:s, s:i, s:O}", "region_id", seed_regions[r].id, "display_name", seed_regions[r].display, "price_factor_pct", seed_regions[r].price_pct, "zones", zones);
	if (!doc)
		return mock_oom(err);
	return mock_store_put(db, MOCK_KIND_REGION, seed_regions[r].id, doc, err);
}

static int seed_image(sqlite3 *db, size_t i, sp_error *err)
{
	_cleanup_json_ json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:i}, s:s}",
		"image_id", seed_images[i].id,
		"description", seed_images[i].description,
		"architecture", seed_images[i].arch,
		"os_family", seed_images[i].os_family,
		"distribution", seed_images[i].distribution,
		"root_device", "type", "SSD", "size_gb", seed_images[i].root_gb,
		"state", "available");

	if (!doc)
		return mock_oom(err);
	return mock_store_put(db, MOCK_KIND_IMAGE, seed_images[i].id, doc, err);
}

static int seed_spec(sqlite3 *db, size_t i, sp_error *err)
{
	_cleanup_json_ json_t *doc = json_pack("{s:s, s:i, s:i, s:i, s:s}",
		"instance_type", seed_specs[i].id,
		"vcpus", seed_specs[i].vcpus,
		"clock_mhz", seed_specs[i].clock_mhz,
		"memory_mib", seed_specs[i].memory_mib,
		"hourly_price_usd", seed_specs[i].price);

	if (!doc)
		return mock_oom(err);
	if (seed_specs[i].gpus &&
	    json_object_set_new(doc, "gpu", json_pack("{s:s, s:s, s:i, s:i}", "manufacturer", "NVIDIA", "model", "V100", "count", seed_specs[i].gpus, "memory_gb", 16)) < 0)
		return mock_oom(err);
	return mock_store_put(db, MOCK_KIND_SPEC, seed_specs[i].id, doc, err);
}

int mock_catalog_seed(sqlite3 *db, sp_error *err)
{
	for (size_t i = 0; i < ELEMENTSOF(seed_regions); i++)
		if (seed_region(db, i, err) < 0)
			return -1;
	for (size_t i = 0; i < ELEMENTSOF(seed_images); i++)
		if (seed_image(db, i, err) < 0)
			return -1;
	for (size_t i = 0; i < ELEMENTSOF(seed_specs); i++)
		if (seed_spec(db, i, err) < 0)
			return -1;
	return 0;
}

const char *mock_kind_id_key(const char *kind)
{
	if (!strcmp(kind, MOCK_KIND_REGION))
		return "region_id";
	if (!strcmp(kind, MOCK_KIND_IMAGE))
		return "image_id";
	if (!strcmp(kind, MOCK_KIND_SPEC))
		return "instance_type";
	return NULL;
}

static const char *zone_status(const char *state)
{
	if (!strcmp(state, "available"))
		return "Available";
	if (!strcmp(state, "unavailable"))
		return "Unavailable";
	return "StatusNotSupported";
}

json_t *mock_region_info(json_t *region)
{
	const char *id, *display;
	json_t *zones, *z;
	size_t i;
	_cleanup_json_ json_t *list = json_array();

	if (!list || json_unpack(region, "{s:s, s:s, s:o}", "region_id", &id, "display_name", &display, "zones", &zones) < 0 || !json_is_array(zones))
		return NULL;
	json_array_foreach(zones, i, z) {
		const char *zid, *zdisplay, *state;

		if (json_unpack(z, "{s:s, s:s, s:s}", "zone_id", &zid, "display_name", &zdisplay, "state", &state) < 0 ||
		    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "Name", zid, "DisplayName", zdisplay, "CSPDisplayName", zdisplay, "Status", zone_status(state))) < 0)
			return NULL;
	}
	for (i = 0; i < ELEMENTSOF(seed_regions); i++)
		if (!strcmp(seed_regions[i].id, id))
			return json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}], s:O}", "Name", id, "DisplayName", display, "CSPDisplayName", display,
					 "KeyValueList", "Key", "Latitude", "Value", seed_regions[i].lat, "Key", "Longitude", "Value", seed_regions[i].lon,
					 "Key", "Location", "Value", seed_regions[i].place, "ZoneList", list);
	return json_pack("{s:s, s:s, s:s, s:[], s:O}", "Name", id, "DisplayName", display, "CSPDisplayName", display, "KeyValueList", "ZoneList", list);
}

static const char *image_arch(const char *arch)
{
	static const char *const known[] = { "arm32", "arm64", "arm64_mac", "x86_32", "x86_64", "x86_32_mac", "x86_64_mac" };

	for (size_t i = 0; i < ELEMENTSOF(known); i++)
		if (!strcmp(arch, known[i]))
			return known[i];
	return "NA";
}

static const char *image_platform(const char *os_family)
{
	if (!strcmp(os_family, "linux"))
		return "Linux/UNIX";
	if (!strcmp(os_family, "windows"))
		return "Windows";
	return "NA";
}

json_t *mock_image_info(json_t *image)
{
	const char *id, *desc, *arch, *family, *dist, *disk_type, *state;
	int disk_gb;
	char size[16];

	if (json_unpack(image, "{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:i}, s:s}",
			"image_id", &id, "description", &desc, "architecture", &arch,
			"os_family", &family, "distribution", &dist,
			"root_device", "type", &disk_type, "size_gb", &disk_gb,
			"state", &state) < 0)
		return NULL;
	snprintf(size, sizeof(size), "%d", disk_gb);
	return json_pack("{s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}]}",
			 "IId", "NameId", id, "SystemId", id,
			 "Name", id,
			 "OSArchitecture", image_arch(arch),
			 "OSPlatform", image_platform(family),
			 "OSDistribution", dist,
			 "OSDiskType", disk_type,
			 "OSDiskSizeGB", size,
			 "ImageStatus", !strcmp(state, "available") ? "Available" : "Unavailable",
			 "KeyValueList", "Key", "Description", "Value", desc);
}

/* Fields of a spec doc, with its price in one region.  Prices are decimal
 * strings in the docs, as in real price lists, so they survive a round trip
 * through JSON unchanged. */
struct spec_fields {
	const char *id;
	int vcpus, clock_mhz, memory_mib;
	const char *gpu_mfr, *gpu_model;
	int gpu_count, gpu_gb;
	const char *base_price;
	const char *region;
	int price_pct;
	char price[32];
};

static int spec_unpack(json_t *spec, json_t *region, struct spec_fields *f)
{
	json_t *gpu = NULL;
	char *end;
	double base;

	memset(f, 0, sizeof(*f));
	if (json_unpack(spec, "{s:s, s:i, s:i, s:i, s:s, s?o}",
			"instance_type", &f->id, "vcpus", &f->vcpus,
			"clock_mhz", &f->clock_mhz, "memory_mib", &f->memory_mib,
			"hourly_price_usd", &f->base_price, "gpu", &gpu) < 0 ||
	    json_unpack(region, "{s:s, s:i}", "region_id", &f->region,
			"price_factor_pct", &f->price_pct) < 0)
		return -1;
	if (gpu && json_unpack(gpu, "{s:s, s:s, s:i, s:i}", "manufacturer", &f->gpu_mfr, "model", &f->gpu_model, "count", &f->gpu_count, "memory_gb", &f->gpu_gb) < 0)
		return -1;
	base = strtod(f->base_price, &end);
	if (end == f->base_price || *end || !(base >= 0 && base < 1e9))
		return -1;
	snprintf(f->price, sizeof(f->price), "%.4f", base * f->price_pct / 100.0);
	return 0;
}

static json_t *spec_info(const struct spec_fields *f)
{
	char vcpus[16], clock[16], mem[16];
	char gcount[16], ggb[16], gtotal[16];
	_cleanup_json_ json_t *gpus = json_array();

	snprintf(vcpus, sizeof(vcpus), "%d", f->vcpus);
	snprintf(clock, sizeof(clock), "%.1f", f->clock_mhz / 1000.0);
	snprintf(mem, sizeof(mem), "%d", f->memory_mib);
	if (f->gpu_count) {
		snprintf(gcount, sizeof(gcount), "%d", f->gpu_count);
		snprintf(ggb, sizeof(ggb), "%d", f->gpu_gb);
		snprintf(gtotal, sizeof(gtotal), "%d", f->gpu_count * f->gpu_gb);
		if (json_array_append_new(gpus, json_pack("{s:s, s:s, s:s, s:s, s:s}", "Count", gcount, "Mfr", f->gpu_mfr, "Model", f->gpu_model, "MemSizeGB", ggb, "TotalMemSizeGB", gtotal)) < 0)
			return NULL;
	}
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:O, s:[{s:s, s:s}, {s:s, s:s}]}",
			 "Region", f->region, "Name", f->id,
			 "VCpu", "Count", vcpus, "ClockGHz", clock,
			 "MemSizeMiB", mem, "DiskSizeGB", "-1", "Gpu", gpus,
			 "KeyValueList", "Key", "Price", "Value", f->price,
			 "Key", "PriceUnit", "Value", "USD/Hour");
}

json_t *mock_spec_info(json_t *spec, json_t *region)
{
	struct spec_fields f;

	return spec_unpack(spec, region, &f) < 0 ? NULL : spec_info(&f);
}

json_t *mock_price_item(json_t *spec, json_t *region)
{
	struct spec_fields f;
	char product_id[256], pricing_id[300], desc[256];
	_cleanup_json_ json_t *info = NULL;

	if (spec_unpack(spec, region, &f) < 0 || !(info = spec_info(&f)))
		return NULL;
	snprintf(product_id, sizeof(product_id), "%s.%s", f.region, f.id);
	snprintf(pricing_id, sizeof(pricing_id), "%s.ondemand", product_id);
	if (f.gpu_count)
		snprintf(desc, sizeof(desc), "%d vCPU, %d MiB, %d x %s %s", f.vcpus, f.memory_mib, f.gpu_count, f.gpu_mfr, f.gpu_model);
	else
		snprintf(desc, sizeof(desc), "%d vCPU, %d MiB", f.vcpus, f.memory_mib);
	/* The zone is "NA": the mock prices a spec the same in every zone.
	 * The spec doc is the cloud's shared copy, hence the deep copy. */
	return json_pack("{s:s, s:{s:s, s:s, s:O, s:s, s:o}, s:{s:{s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:i, s:s}}}",
			 "ZoneName", "NA",
			 "ProductInfo",
			 "ProductId", product_id, "VMSpecName", f.id,
			 "VMSpecInfo", info, "Description", desc,
			 "CSPProductInfo", json_deep_copy(spec),
			 "PriceInfo",
			 "OnDemand",
			 "PricingId", pricing_id, "Unit", "Hour",
			 "Currency", "USD", "Price", f.price,
			 "Description", "on-demand, per hour",
			 "CSPPriceInfo",
			 "region_id", f.region, "instance_type", f.id,
			 "base_hourly_price_usd", f.base_price,
			 "price_factor_pct", f.price_pct,
			 "hourly_price_usd", f.price);
}
