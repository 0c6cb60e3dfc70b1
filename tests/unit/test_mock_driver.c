/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mock_driver.c - the MOCK driver, loaded as the daemon loads it:
 * dlopen(mock.so), one entry symbol, ABI check, then sessions on a
 * temporary state directory.
 */
#include <spider/driver.h>

#include <dlfcn.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/macros.h"
#include "util/banned.h"

#ifndef SP_TEST_DRIVER_DIR
#error "SP_TEST_DRIVER_DIR must name the directory holding mock.so"
#endif

static const sp_driver *drv;

static void record_nothing(void *ctx, const char *type, const char *name,
			   const char *api, double elapsed, const char *error)
{
}

static const sp_host host = {
	.abi_version = SP_DRIVER_ABI_VERSION,
	.call_record = record_nothing,
};

/* ---- fixtures ------------------------------------------------------- */

static int load_driver(void **state)
{
	/* Never dlclose()d, as in the daemon. */
	void *dl = dlopen(SP_TEST_DRIVER_DIR "/mock.so", RTLD_NOW | RTLD_LOCAL);
	sp_driver_entry_fn entry;

	if (!dl) {
		print_error("dlopen: %s\n", dlerror());
		return -1;
	}
	*(void **)&entry = dlsym(dl, SP_DRIVER_ENTRY);
	if (!entry)
		return -1;
	drv = entry();
	if (!drv || drv->abi_version != SP_DRIVER_ABI_VERSION ||
	    drv->size < sizeof(sp_driver))
		return -1;
	return 0;
}

static int make_dir(void **state)
{
	char *dir = strdup("/tmp/spider-mock-test-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int remove_dir(void **state)
{
	char *dir = *state;
	int r = nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(dir);
	return r;
}

/* ---- helpers -------------------------------------------------------- */

static int open_session(const char *dir, const sp_kv *cred, size_t ncred,
			const sp_kv *region, size_t nregion, sp_session **s,
			sp_error *err)
{
	sp_conn_info info = {
		.connection_name = "test-conn",
		.provider = "MOCK",
		.credential = cred,
		.credential_count = ncred,
		.region = region,
		.region_count = nregion,
		.state_dir = dir,
	};

	memset(err, 0, sizeof(*err));
	return drv->open(&host, NULL, &info, s, err);
}

#define OPEN(dir, cred, region, s, err) \
	open_session(dir, cred, ELEMENTSOF(cred), region, ELEMENTSOF(region), s, err)

/* A session on MockName "t" in region mars, which must open. */
static sp_session *open_mars(const char *dir)
{
	const sp_kv cred[] = { { "MockName", "t" } };
	const sp_kv region[] = { { "Region", "mars" } };
	sp_session *s = NULL;
	sp_error err;

	if (OPEN(dir, cred, region, &s, &err) < 0)
		fail_msg("open: %s", err.message);
	return s;
}

static const char *sget(json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? v : "(missing)";
}

static bool file_exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void run_sql(const char *dir, const char *name, const char *sql)
{
	char path[512];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* ---- tests ---------------------------------------------------------- */

static void test_table(void **state)
{
	assert_string_equal(drv->name, "mock");
	assert_string_equal(drv->provider, "MOCK");
	assert_non_null(drv->version);
	assert_int_equal(drv->capabilities, SP_CAP_ZONE_BASED_CONTROL | SP_CAP_VPC_CIDR);
	assert_non_null(drv->open);
	assert_non_null(drv->close);
	assert_non_null(drv->check);

	assert_non_null(drv->regionzone);
	assert_int_equal(drv->regionzone->size, sizeof(sp_regionzone_ops));
	assert_non_null(drv->regionzone->list);
	assert_non_null(drv->regionzone->get);
	assert_non_null(drv->regionzone->list_org_region);
	assert_non_null(drv->regionzone->list_org_zone);
	assert_non_null(drv->image);
	assert_int_equal(drv->image->size, sizeof(sp_image_ops));
	assert_non_null(drv->image->list);
	assert_non_null(drv->image->get);
	assert_non_null(drv->spec);
	assert_int_equal(drv->spec->size, sizeof(sp_spec_ops));
	assert_non_null(drv->spec->list);
	assert_non_null(drv->spec->get);
	assert_non_null(drv->spec->list_org);
	assert_non_null(drv->spec->get_org);
	assert_non_null(drv->price);
	assert_int_equal(drv->price->size, sizeof(sp_price_ops));
	assert_non_null(drv->price->list_product_family);
	assert_non_null(drv->price->get_price_info);

	drv->close(NULL);
}

static void test_open_errors(void **state)
{
	static const struct {
		const char *mock_name; /* NULL: key absent */
		const char *key, *value; /* an extra region key */
		const char *want;        /* in the message */
	} cases[] = {
		{ NULL, NULL, NULL, "MockName" },
		{ "", NULL, NULL, "MockName" },
		{ ".hidden", NULL, NULL, "'.hidden'" },
		{ "../up", NULL, NULL, "'../up'" },
		{ "a/b", NULL, NULL, "'a/b'" },
		{ "sp ace", NULL, NULL, "'sp ace'" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, NULL, "MockName" },
		{ "r", "Region", "pluto", "'pluto'" },
		{ "r", "Region", "", "Region" },
		{ "r", "Zone", "venus-z1", "'venus-z1'" },
		{ "t", "MockLatencyMs", "abc", "MockLatencyMs 'abc'" },
		{ "t", "MockLatencyMs", "-1", "MockLatencyMs '-1'" },
		{ "t", "MockLatencyMs", " 5", "MockLatencyMs ' 5'" },
		{ "t", "MockLatencyMs", "5ms", "MockLatencyMs '5ms'" },
		{ "t", "MockLatencyMs", "600001", "MockLatencyMs '600001'" },
		{ "t", "MockLatencyMs", "99999999999999999999999", "MockLatencyMs" },
		{ "t", "MockFailRate", "100.5", "MockFailRate '100.5'" },
		{ "t", "MockFailRate", "-1", "MockFailRate '-1'" },
		{ "t", "MockFailRate", "nan", "MockFailRate 'nan'" },
		{ "t", "MockFailRate", "1e999", "MockFailRate '1e999'" },
		{ "t", "MockFailRate", "5%", "MockFailRate '5%'" },
		{ "t", "MockFailOp", "ListImage,Nope", "'Nope'" },
		{ "t", "MockFailOp", "ListImage,", "MockFailOp 'ListImage,'" },
		{ "t", "MockFailOp", "CreateVM", "'CreateVM'" },
	};
	const char *dir = *state;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sp_kv cred[] = { { "MockName", cases[i].mock_name } };
		sp_kv region[] = { { "Region", "mars" }, { cases[i].key, cases[i].value } };
		size_t nregion = 1;
		sp_session *s = NULL;
		sp_error err;

		if (cases[i].key && !strcmp(cases[i].key, "Region"))
			region[0].value = cases[i].value;
		else if (cases[i].key)
			nregion = 2;
		if (open_session(dir, cred, cases[i].mock_name ? 1 : 0, region, nregion, &s, &err) == 0)
			fail_msg("case %zu: open succeeded", i);
		assert_null(s);
		assert_int_equal(err.code, SP_ERR_INVALID);
		if (!strstr(err.message, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].want);
	}
	/* Bad names and bad fault values are refused before any file is made
	 * (a region is checked against the cloud, so after). */
	assert_false(file_exists(dir, "t.db"));
}

static void test_open_accepts(void **state)
{
	const sp_kv cred[] = { { "MockName", "edge_Name.1-x" }, { "MockLatencyMs", "600000" } };
	const sp_kv region[] = {
		{ "Region", "neptune" }, { "Zone", "neptune-z3" },
		{ "MockLatencyMs", "" }, /* the region's empty value turns it off */
		{ "MockFailRate", "0.5" }, { "MockFailOp", " listimage , GetImage " },
	};
	sp_session *s = NULL;
	sp_error err;
	json_t *zone = NULL;

	assert_int_equal(OPEN(*state, cred, region, &s, &err), 0);
	assert_int_equal(drv->regionzone->list_org_zone(s, &zone, &err), 0);
	assert_int_equal(json_array_size(zone), 3);
	json_decref(zone);
	assert_int_equal(drv->image->list(s, &zone, &err), -1);
	assert_string_equal(err.message, "mock: injected failure of 'ListImage'");
	drv->close(s);
	assert_true(file_exists(*state, "edge_Name.1-x.db"));
}

static void test_regionzone(void **state)
{
	static const char *const names[] = { "default", "mercury", "venus", "mars", "jupiter", "saturn", "uranus", "neptune" };
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *list = NULL, *one = NULL, *org = NULL, *zones = NULL;
	sp_error err;
	json_t *r, *z;
	size_t i, j;

	assert_int_equal(drv->check(s, &err), 0);
	assert_int_equal(drv->regionzone->list(s, &list, &err), 0);
	assert_int_equal(json_array_size(list), ELEMENTSOF(names));
	json_array_foreach(list, i, r) {
		assert_string_equal(sget(r, "Name"), names[i]);
		assert_non_null(json_object_get(r, "DisplayName"));
		assert_non_null(json_object_get(r, "CSPDisplayName"));
		assert_true(json_is_array(json_object_get(r, "KeyValueList")));
		assert_int_equal(json_array_size(json_object_get(r, "ZoneList")), 3);
		json_array_foreach(json_object_get(r, "ZoneList"), j, z) {
			char want[64];

			snprintf(want, sizeof(want), "%s-z%zu", names[i], j + 1);
			assert_string_equal(sget(z, "Name"), want);
			assert_string_equal(sget(z, "Status"), "Available");
			assert_non_null(json_object_get(z, "DisplayName"));
			assert_non_null(json_object_get(z, "CSPDisplayName"));
		}
	}

	assert_int_equal(drv->regionzone->get(s, "venus", &one, &err), 0);
	assert_string_equal(sget(one, "Name"), "venus");
	assert_int_equal(drv->regionzone->get(s, "pluto", &r, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "region 'pluto' does not exist");

	assert_int_equal(drv->regionzone->list_org_region(s, &org, &err), 0);
	assert_int_equal(json_array_size(org), ELEMENTSOF(names));
	assert_string_equal(sget(json_array_get(org, 0), "region_id"), "default");
	assert_int_equal(drv->regionzone->list_org_zone(s, &zones, &err), 0);
	assert_int_equal(json_array_size(zones), 3);
	assert_string_equal(sget(json_array_get(zones, 0), "zone_id"), "mars-z1");
	drv->close(s);
}

static void test_image(void **state)
{
	static const struct {
		const char *arch, *platform, *dist;
	} want[] = {
		{ "x86_64", "Linux/UNIX", "Ubuntu 18.04" },
		{ "arm64", "Linux/UNIX", "CentOS 8" },
		{ "x86_64", "Windows", "Windows Server 2019" },
		{ "arm64", "Linux/UNIX", "Ubuntu 22.04" },
		{ "x86_64", "Linux/UNIX", "Amazon Linux 2" },
	};
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *list = NULL, *one = NULL, *again = NULL;
	sp_error err;
	json_t *img;
	size_t i;

	assert_int_equal(drv->image->list(s, &list, &err), 0);
	assert_int_equal(json_array_size(list), ELEMENTSOF(want));
	json_array_foreach(list, i, img) {
		char id[40];

		snprintf(id, sizeof(id), "mock-vmimage-%02zu", i + 1);
		assert_string_equal(sget(json_object_get(img, "IId"), "NameId"), id);
		assert_string_equal(sget(json_object_get(img, "IId"), "SystemId"), id);
		assert_string_equal(sget(img, "Name"), id);
		assert_string_equal(sget(img, "OSArchitecture"), want[i].arch);
		assert_string_equal(sget(img, "OSPlatform"), want[i].platform);
		assert_string_equal(sget(img, "OSDistribution"), want[i].dist);
		assert_string_equal(sget(img, "ImageStatus"), "Available");
		assert_non_null(json_object_get(img, "OSDiskType"));
		assert_true(atol(sget(img, "OSDiskSizeGB")) > 0);
		assert_true(json_is_array(json_object_get(img, "KeyValueList")));
	}

	/* The caller owns what it gets: changing it changes nothing else. */
	assert_int_equal(drv->image->get(s, "mock-vmimage-03", &one, &err), 0);
	assert_true(json_equal(one, json_array_get(list, 2)));
	json_object_set_new(one, "OSPlatform", json_string("changed"));
	assert_int_equal(drv->image->get(s, "mock-vmimage-03", &again, &err), 0);
	assert_string_equal(sget(again, "OSPlatform"), "Windows");

	assert_int_equal(drv->image->get(s, "nope", &img, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "image 'nope' does not exist");
	drv->close(s);
}

static void test_spec(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *list = NULL, *one = NULL, *org = NULL, *org1 = NULL;
	sp_error err;
	json_t *spec, *gpu;
	size_t i;

	assert_int_equal(drv->spec->list(s, &list, &err), 0);
	assert_int_equal(json_array_size(list), 4);
	json_array_foreach(list, i, spec) {
		char id[40];
		long vcpu = atol(sget(json_object_get(spec, "VCpu"), "Count"));
		long mem = atol(sget(spec, "MemSizeMiB"));
		json_t *kv = json_array_get(json_object_get(spec, "KeyValueList"), 0);

		snprintf(id, sizeof(id), "mock-vmspec-%02zu", i + 1);
		assert_string_equal(sget(spec, "Name"), id);
		assert_string_equal(sget(spec, "Region"), "mars");
		assert_true(vcpu >= 4 && vcpu <= 8);
		assert_true(mem >= 1024 && mem <= 61 * 1024);
		assert_string_equal(sget(spec, "DiskSizeGB"), "-1");
		assert_string_equal(sget(kv, "Key"), "Price");
		assert_true(atof(sget(kv, "Value")) > 0);
		assert_int_equal(json_array_size(json_object_get(spec, "Gpu")), i < 2 ? 1 : 0);
	}
	gpu = json_array_get(json_object_get(json_array_get(list, 0), "Gpu"), 0);
	assert_string_equal(sget(gpu, "Count"), "2");
	assert_string_equal(sget(gpu, "Mfr"), "NVIDIA");
	assert_string_equal(sget(gpu, "Model"), "V100");
	assert_string_equal(sget(gpu, "MemSizeGB"), "16");
	assert_string_equal(sget(gpu, "TotalMemSizeGB"), "32");
	gpu = json_array_get(json_object_get(json_array_get(list, 1), "Gpu"), 0);
	assert_string_equal(sget(gpu, "Count"), "1");

	assert_int_equal(drv->spec->get(s, "mock-vmspec-04", &one, &err), 0);
	assert_true(json_equal(one, json_array_get(list, 3)));
	assert_int_equal(drv->spec->get(s, "t2.micro", &spec, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "vmspec 't2.micro' does not exist");

	assert_int_equal(drv->spec->list_org(s, &org, &err), 0);
	assert_int_equal(json_array_size(org), 4);
	assert_int_equal(drv->spec->get_org(s, "mock-vmspec-02", &org1, &err), 0);
	assert_string_equal(sget(org1, "instance_type"), "mock-vmspec-02");
	assert_int_equal(drv->spec->get_org(s, "nope", &spec, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	drv->close(s);
}

/* Price list for one filter; the number of items, or -1 with err set. */
static int price_count(sp_session *s, const char *family, const char *region,
		       const char *filter_text, sp_error *err)
{
	_cleanup_json_ json_t *filter = filter_text ? json_loads(filter_text, 0, NULL) : NULL;
	_cleanup_json_ json_t *price = NULL;

	if (filter_text)
		assert_non_null(filter);
	if (drv->price->get_price_info(s, family, region, filter, &price, err) < 0)
		return -1;
	return (int)json_array_size(json_object_get(price, "PriceList"));
}

static void test_price(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *fam = NULL, *mars = NULL, *def = NULL, *specs = NULL;
	sp_error err;
	json_t *item, *p;

	assert_int_equal(drv->price->list_product_family(s, "jupiter", &fam, &err), 0);
	assert_int_equal(json_array_size(fam), 1);
	assert_string_equal(json_string_value(json_array_get(fam, 0)), "compute");
	assert_int_equal(drv->price->list_product_family(s, "pluto", &p, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, "'pluto'"));

	assert_int_equal(drv->price->get_price_info(s, "compute", "mars", NULL, &mars, &err), 0);
	assert_string_equal(sget(mars, "CloudName"), "MOCK");
	assert_string_equal(sget(mars, "RegionName"), "mars");
	assert_non_null(json_object_get(json_object_get(mars, "Meta"), "Version"));
	assert_non_null(json_object_get(json_object_get(mars, "Meta"), "Description"));
	assert_int_equal(json_array_size(json_object_get(mars, "PriceList")), 4);
	item = json_array_get(json_object_get(mars, "PriceList"), 0);
	assert_non_null(json_object_get(item, "ZoneName"));
	p = json_object_get(item, "ProductInfo");
	assert_string_equal(sget(p, "VMSpecName"), "mock-vmspec-01");
	assert_non_null(json_object_get(p, "ProductId"));
	assert_string_equal(sget(json_object_get(p, "VMSpecInfo"), "Region"), "mars");
	assert_non_null(json_object_get(p, "CSPProductInfo"));
	p = json_object_get(json_object_get(item, "PriceInfo"), "OnDemand");
	assert_string_equal(sget(p, "Unit"), "Hour");
	assert_string_equal(sget(p, "Currency"), "USD");
	assert_non_null(json_object_get(p, "PricingId"));
	assert_non_null(json_object_get(json_object_get(item, "PriceInfo"), "CSPPriceInfo"));

	/* Prices differ by region, and the spec's Price agrees with them. */
	assert_int_equal(drv->price->get_price_info(s, "compute", "default", NULL, &def, &err), 0);
	assert_string_equal(sget(p, "Price"), "3.3660");
	assert_string_equal(sget(json_object_get(json_object_get(json_array_get(json_object_get(def, "PriceList"), 0), "PriceInfo"), "OnDemand"), "Price"), "3.0600");
	assert_int_equal(drv->spec->list(s, &specs, &err), 0);
	assert_string_equal(sget(json_array_get(json_object_get(json_array_get(specs, 0), "KeyValueList"), 0), "Value"), "3.3660");

	/* Filters: same key = any of, different keys = all of. */
	assert_int_equal(price_count(s, "compute", NULL, "[]", &err), 4);
	assert_int_equal(price_count(s, "compute", "mars", "[{\"Key\":\"vmSpecName\",\"Value\":\"mock-vmspec-02\"}]", &err), 1);
	assert_int_equal(price_count(s, "compute", "mars", "[{\"Key\":\"VMSpecName\",\"Value\":\"mock-vmspec-02\"}]", &err), 1);
	assert_int_equal(price_count(s, "compute", "mars", "[{\"Key\":\"vmSpecName\",\"Value\":\"mock-vmspec-02\"},{\"Key\":\"vmSpecName\",\"Value\":\"mock-vmspec-04\"}]", &err), 2);
	assert_int_equal(price_count(s, "compute", "mars", "[{\"Key\":\"vmSpecName\",\"Value\":\"mock-vmspec-02\"},{\"Key\":\"currency\",\"Value\":\"EUR\"}]", &err), 0);
	assert_int_equal(price_count(s, "compute", "mars", "[{\"Key\":\"regionName\",\"Value\":\"mars\"},{\"Key\":\"pricingPolicy\",\"Value\":\"OnDemand\"}]", &err), 4);
	assert_int_equal(price_count(s, "compute", "mars", "[{\"Key\":\"productId\",\"Value\":\"nope\"}]", &err), 0);

	assert_int_equal(price_count(s, "compute", "mars", "[{\"Key\":\"color\",\"Value\":\"red\"}]", &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_non_null(strstr(err.message, "'color'"));
	assert_int_equal(price_count(s, "compute", "mars", "{\"Key\":\"vmSpecName\"}", &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_int_equal(price_count(s, "compute", "mars", "[{\"Value\":\"x\"}]", &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_int_equal(price_count(s, "compute", "pluto", NULL, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "region 'pluto' does not exist");
	assert_int_equal(price_count(s, "storage", "mars", NULL, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, "'storage'"));
	drv->close(s);
}

/* Call operation op; 0 or -1.  Results are dropped. */
static int call_op(sp_session *s, int op, sp_error *err)
{
	_cleanup_json_ json_t *out = NULL;

	switch (op) {
	case 0: return drv->check(s, err);
	case 1: return drv->regionzone->list(s, &out, err);
	case 2: return drv->regionzone->get(s, "mars", &out, err);
	case 3: return drv->regionzone->list_org_region(s, &out, err);
	case 4: return drv->regionzone->list_org_zone(s, &out, err);
	case 5: return drv->image->list(s, &out, err);
	case 6: return drv->image->get(s, "mock-vmimage-01", &out, err);
	case 7: return drv->spec->list(s, &out, err);
	case 8: return drv->spec->get(s, "mock-vmspec-01", &out, err);
	case 9: return drv->spec->list_org(s, &out, err);
	case 10: return drv->spec->get_org(s, "mock-vmspec-01", &out, err);
	case 11: return drv->price->list_product_family(s, "mars", &out, err);
	case 12: return drv->price->get_price_info(s, "compute", "mars", NULL, &out, err);
	}
	return -2;
}

static const char *const op_names[] = {
	"CheckConnection", "ListRegionZone", "GetRegionZone", "ListOrgRegion",
	"ListOrgZone", "ListImage", "GetImage", "ListVMSpec", "GetVMSpec",
	"ListOrgVMSpec", "GetOrgVMSpec", "ListProductFamily", "GetPriceInfo",
};

static void test_fail_op(void **state)
{
	const sp_kv cred[] = { { "MockName", "t" }, { "MockFailOp", "ListImage,GetPriceInfo" } };
	const sp_kv region[] = { { "Region", "mars" } };
	const sp_kv region_wins[] = { { "Region", "mars" }, { "MockFailOp", "GetImage" } };
	const sp_kv region_clears[] = { { "Region", "mars" }, { "MockFailOp", "" } };
	sp_session *s = NULL;
	sp_error err;

	assert_int_equal(OPEN(*state, cred, region, &s, &err), 0);
	for (int op = 0; op < (int)ELEMENTSOF(op_names); op++) {
		bool listed = op == 5 || op == 12;

		assert_int_equal(call_op(s, op, &err), listed ? -1 : 0);
		if (listed) {
			char want[128];

			snprintf(want, sizeof(want), "mock: injected failure of '%s'", op_names[op]);
			assert_int_equal(err.code, SP_ERR_CLOUD);
			assert_string_equal(err.message, want);
		}
	}
	drv->close(s);

	assert_int_equal(OPEN(*state, cred, region_wins, &s, &err), 0);
	assert_int_equal(call_op(s, 5, &err), 0);
	assert_int_equal(call_op(s, 6, &err), -1);
	assert_string_equal(err.message, "mock: injected failure of 'GetImage'");
	drv->close(s);

	assert_int_equal(OPEN(*state, cred, region_clears, &s, &err), 0);
	for (int op = 0; op < (int)ELEMENTSOF(op_names); op++)
		assert_int_equal(call_op(s, op, &err), 0);
	drv->close(s);
}

static void test_fail_all(void **state)
{
	const sp_kv star[] = { { "MockName", "t" }, { "MockFailOp", "*" } };
	const sp_kv rate100[] = { { "MockName", "t" }, { "MockFailRate", "100" } };
	const sp_kv region[] = { { "Region", "mars" } };
	const sp_kv *creds[] = { star, rate100 };

	for (size_t c = 0; c < ELEMENTSOF(creds); c++) {
		sp_session *s = NULL;
		sp_error err;

		assert_int_equal(open_session(*state, creds[c], 2, region, 1, &s, &err), 0);
		for (int op = 0; op < (int)ELEMENTSOF(op_names); op++) {
			char want[128];

			snprintf(want, sizeof(want), "mock: injected failure of '%s'", op_names[op]);
			assert_int_equal(call_op(s, op, &err), -1);
			assert_int_equal(err.code, SP_ERR_CLOUD);
			assert_string_equal(err.message, want);
		}
		drv->close(s);
	}
}

static void test_fail_rate(void **state)
{
	const sp_kv cred[] = { { "MockName", "t" }, { "MockFailRate", "50" } };
	const sp_kv region[] = { { "Region", "mars" } };
	sp_session *s = NULL;
	sp_error err;
	int failed = 0;

	assert_int_equal(OPEN(*state, cred, region, &s, &err), 0);
	for (int i = 0; i < 1000; i++)
		failed += call_op(s, 0, &err) < 0;
	/* 50% of 1000: outside 350..650 is a >9 sigma event. */
	assert_true(failed > 350 && failed < 650);
	drv->close(s);
}

static void test_latency(void **state)
{
	const sp_kv cred[] = { { "MockName", "t" }, { "MockLatencyMs", "50" } };
	const sp_kv region[] = { { "Region", "mars" } };
	sp_session *s = NULL;
	sp_error err;
	json_t *list = NULL;
	double t0;

	assert_int_equal(OPEN(*state, cred, region, &s, &err), 0);
	t0 = now_ms();
	assert_int_equal(drv->check(s, &err), 0);
	assert_true(now_ms() - t0 >= 50.0);
	t0 = now_ms();
	assert_int_equal(drv->image->list(s, &list, &err), 0);
	assert_true(now_ms() - t0 >= 50.0);
	json_decref(list);
	drv->close(s);
}

static const char *image01_distribution(sp_session *s)
{
	static char dist[64];
	_cleanup_json_ json_t *img = NULL;
	sp_error err;

	assert_int_equal(drv->image->get(s, "mock-vmimage-01", &img, &err), 0);
	snprintf(dist, sizeof(dist), "%s", sget(img, "OSDistribution"));
	return dist;
}

/*
 * Sessions with one MockName share one cloud, loaded from the state file
 * at its first open: a row changed behind the driver's back shows only
 * after every session closed and a new one loaded the file again.
 */
static void test_shared_and_persistent(void **state)
{
	const char *dir = *state;
	char path[512], dir_slash[512], magic[16] = "";
	const sp_kv shared[] = { { "MockName", "shared" } };
	const sp_kv other[] = { { "MockName", "other" } };
	const sp_kv region[] = { { "Region", "venus" } };
	sp_session *s1 = NULL, *s2 = NULL, *s3 = NULL;
	json_t *list = NULL;
	sp_error err;
	FILE *f;

	assert_int_equal(OPEN(dir, shared, region, &s1, &err), 0);
	snprintf(path, sizeof(path), "%s/shared.db", dir);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fread(magic, 1, 15, f), 15);
	fclose(f);
	assert_string_equal(magic, "SQLite format 3");

	run_sql(dir, "shared", "UPDATE objects SET doc = json_set(doc, '$.distribution', 'Tampered 1.0') WHERE kind = 'image' AND id = 'mock-vmimage-01'");

	/* "dir/" is the same directory, hence the same cloud. */
	snprintf(dir_slash, sizeof(dir_slash), "%s/", dir);
	assert_int_equal(OPEN(dir_slash, shared, region, &s2, &err), 0);
	assert_string_equal(image01_distribution(s2), "Ubuntu 18.04");
	assert_int_equal(OPEN(dir, other, region, &s3, &err), 0);
	assert_true(file_exists(dir, "other.db"));
	assert_string_equal(image01_distribution(s3), "Ubuntu 18.04");

	drv->close(s1);
	assert_int_equal(drv->image->list(s2, &list, &err), 0);
	assert_int_equal(json_array_size(list), 5);
	json_decref(list);
	drv->close(s2);
	drv->close(s3);

	/* Reopened from disk: the change is there and nothing was re-seeded. */
	assert_int_equal(OPEN(dir, shared, region, &s1, &err), 0);
	assert_string_equal(image01_distribution(s1), "Tampered 1.0");
	assert_int_equal(drv->image->list(s1, &list, &err), 0);
	assert_int_equal(json_array_size(list), 5);
	json_decref(list);
	drv->close(s1);

	run_sql(dir, "shared", "PRAGMA user_version = 99");
	assert_int_equal(OPEN(dir, shared, region, &s1, &err), -1);
	assert_int_equal(err.code, SP_ERR_UNAVAILABLE);
	assert_non_null(strstr(err.message, "schema version 99"));

	run_sql(dir, "other", "UPDATE objects SET doc = '{' WHERE kind = 'spec' AND id = 'mock-vmspec-02'");
	assert_int_equal(OPEN(dir, other, region, &s3, &err), -1);
	assert_int_equal(err.code, SP_ERR_UNAVAILABLE);
	assert_non_null(strstr(err.message, "bad spec row 'mock-vmspec-02'"));
}

struct worker {
	const char *dir;
	sp_session *s; /* NULL: open and close a session per round */
	int failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const sp_kv cred[] = { { "MockName", "conc" } };
	const sp_kv region[] = { { "Region", "saturn" } };

	for (int i = 0; i < 260; i++) {
		sp_session *s = w->s;
		sp_error err;

		if (!s && OPEN(w->dir, cred, region, &s, &err) < 0) {
			w->failures++;
			continue;
		}
		w->failures += call_op(s, i % (int)ELEMENTSOF(op_names), &err) != 0;
		if (!w->s)
			drv->close(s);
	}
	return NULL;
}

/* Many threads on one session, while others open and close sessions on
 * the same cloud (run under ASan or TSan to make this mean much). */
static void test_concurrency(void **state)
{
	const sp_kv cred[] = { { "MockName", "conc" } };
	const sp_kv region[] = { { "Region", "saturn" } };
	struct worker w[8];
	pthread_t t[8];
	sp_session *s = NULL;
	sp_error err;

	assert_int_equal(OPEN(*state, cred, region, &s, &err), 0);
	for (size_t i = 0; i < ELEMENTSOF(w); i++) {
		w[i] = (struct worker){ .dir = *state, .s = i < 6 ? s : NULL };
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (size_t i = 0; i < ELEMENTSOF(w); i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	drv->close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test_setup_teardown(test_open_errors, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_open_accepts, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_regionzone, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_image, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_spec, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_price, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fail_op, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fail_all, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fail_rate, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_latency, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_shared_and_persistent, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_concurrency, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, load_driver, NULL);
}
