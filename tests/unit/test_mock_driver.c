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
#include <sys/types.h>
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

	const sp_resource_ops *res[] = { drv->vpc, drv->sg, drv->keypair, drv->vm, drv->disk, drv->myimage };
	for (size_t i = 0; i < ELEMENTSOF(res); i++) {
		assert_non_null(res[i]);
		assert_int_equal(res[i]->size, sizeof(sp_resource_ops));
		assert_non_null(res[i]->create);
		assert_non_null(res[i]->list);
		assert_non_null(res[i]->get);
		assert_non_null(res[i]->remove);
	}
	assert_int_equal(drv->subnet->size, sizeof(sp_subnet_ops));
	assert_non_null(drv->subnet->add);
	assert_non_null(drv->subnet->remove);
	assert_int_equal(drv->sgrule->size, sizeof(sp_sgrule_ops));
	assert_non_null(drv->sgrule->add);
	assert_non_null(drv->sgrule->remove);
	assert_int_equal(drv->vmctl->size, sizeof(sp_vm_ops));
	assert_non_null(drv->vmctl->control);
	assert_non_null(drv->vmctl->get_status);
	assert_int_equal(drv->diskctl->size, sizeof(sp_disk_ops));
	assert_non_null(drv->diskctl->resize);
	assert_non_null(drv->diskctl->attach);
	assert_non_null(drv->diskctl->detach);
	assert_int_equal(drv->tag->size, sizeof(sp_tag_ops));
	assert_non_null(drv->tag->add);
	assert_non_null(drv->tag->list);
	assert_non_null(drv->tag->get);
	assert_non_null(drv->tag->remove);
	assert_non_null(drv->anycall);

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
		{ "t", "MockCreateDelayMs", "soon", "MockCreateDelayMs 'soon'" },
		{ "t", "MockSuspendDelayMs", "-5", "MockSuspendDelayMs '-5'" },
		{ "t", "MockResumeDelayMs", "600001", "MockResumeDelayMs '600001'" },
		{ "t", "MockRebootDelayMs", "1.5", "MockRebootDelayMs '1.5'" },
		{ "t", "MockTerminateDelayMs", "+3", "MockTerminateDelayMs '+3'" },
		{ "t", "MockSSHAccessPoint", "127.0.0.1", "MockSSHAccessPoint '127.0.0.1'" },
		{ "t", "MockSSHAccessPoint", ":22", "MockSSHAccessPoint ':22'" },
		{ "t", "MockSSHAccessPoint", "h:0", "MockSSHAccessPoint 'h:0'" },
		{ "t", "MockSSHAccessPoint", "h:65536", "MockSSHAccessPoint 'h:65536'" },
		{ "t", "MockSSHAccessPoint", "h:+22", "MockSSHAccessPoint 'h:+22'" },
		{ "t", "MockSSHAccessPoint", "h:22x", "MockSSHAccessPoint 'h:22x'" },
		{ "t", "MockSSHAccessPoint", "a b:22", "MockSSHAccessPoint 'a b:22'" },
		{ "t", "MockSSHAccessPoint", "u@h:22", "MockSSHAccessPoint 'u@h:22'" },
		{ "t", "MockAuthorizedKeysFile", "keys", "MockAuthorizedKeysFile 'keys'" },
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

/* ---- resources: helpers --------------------------------------------- */

/* JSON from text with ' for ", after printf formatting. */
static json_t * _printf_(1, 2) jq(const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	json_error_t jerr;
	json_t *v;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *p = text; *p; p++)
		if (*p == '\'')
			*p = '"';
	if (!(v = json_loads(text, JSON_DECODE_ANY, &jerr)))
		fail_msg("bad test JSON '%s': %s", text, jerr.text);
	return v;
}

static sp_iid iid_of(const char *id)
{
	return (sp_iid){ .name_id = id, .system_id = id };
}

#define OK(call)                                                           \
	do {                                                               \
		memset(&err, 0, sizeof(err));                              \
		if ((call) != 0)                                           \
			fail_msg("%s: %s", #call, err.message);            \
	} while (0)

#define FAILS(call, code, text)                                            \
	do {                                                               \
		memset(&err, 0, sizeof(err));                              \
		if ((call) != -1)                                          \
			fail_msg("%s succeeded", #call);                   \
		expect_error(&err, code, text);                            \
	} while (0)

static void expect_error(const sp_error *err, sp_errcode code, const char *text)
{
	if (err->code != code || !strstr(err->message, text))
		fail_msg("want error %d with '%s', got %d '%s'", code, text, err->code, err->message);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* A session on MockName "t" in mars with every VM delay set to ms. */
static sp_session *open_delays(const char *dir, const char *ms)
{
	const sp_kv cred[] = { { "MockName", "t" }, { "MockCreateDelayMs", ms }, { "MockSuspendDelayMs", ms }, { "MockResumeDelayMs", "1" } };
	const sp_kv region[] = { { "Region", "mars" }, { "MockResumeDelayMs", ms }, { "MockRebootDelayMs", ms }, { "MockTerminateDelayMs", ms } };
	sp_session *s = NULL;
	sp_error err;

	if (OPEN(dir, cred, region, &s, &err) < 0)
		fail_msg("open: %s", err.message);
	return s;
}

static void mk_vpc(sp_session *s, const char *vpc, const char *subnet)
{
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'%s'},'IPv4_CIDR':'10.0.0.0/16','SubnetInfoList':[{'IId':{'NameId':'%s'},'Zone':'','IPv4_CIDR':'10.0.1.0/24'}]}", vpc, subnet);
	_cleanup_json_ json_t *info = NULL;
	sp_error err;

	OK(drv->vpc->create(s, req, &info, &err));
}

static void mk_sg(sp_session *s, const char *sg, const char *vpc)
{
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'%s'},'VpcIID':{'NameId':'%s','SystemId':'%s'},'SecurityRules':[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'22','ToPort':'22','CIDR':'0.0.0.0/0'}]}", sg, vpc, vpc);
	_cleanup_json_ json_t *info = NULL;
	sp_error err;

	OK(drv->sg->create(s, req, &info, &err));
}

static void mk_disk(sp_session *s, const char *disk)
{
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'%s'},'Zone':'','DiskType':'','DiskSize':''}", disk);
	_cleanup_json_ json_t *info = NULL;
	sp_error err;

	OK(drv->disk->create(s, req, &info, &err));
}

/* A VM request on image 01 and spec 01. */
static json_t *vm_req(const char *vm, const char *vpc, const char *subnet,
		      const char *sg)
{
	return jq("{'IId':{'NameId':'%s'},'ImageType':'PublicImage','ImageIID':{'NameId':'mock-vmimage-01','SystemId':'mock-vmimage-01'},'VMSpecName':'mock-vmspec-01','VpcIID':{'NameId':'%s'},'SubnetIID':{'NameId':'%s'},'SecurityGroupIIDs':[{'NameId':'%s'}],'KeyPairIID':{'NameId':''},'RootDiskType':'','RootDiskSize':'','DataDiskIIDs':[],'VMUserId':'','VMUserPasswd':'','TagList':[]}", vm, vpc, subnet, sg);
}

static int vm_create(sp_session *s, json_t *req, sp_error *err)
{
	_cleanup_json_ json_t *info = NULL;

	memset(err, 0, sizeof(*err));
	return drv->vm->create(s, req, &info, err);
}

static void mk_vm(sp_session *s, const char *vm, const char *vpc,
		  const char *subnet, const char *sg)
{
	_cleanup_json_ json_t *req = vm_req(vm, vpc, subnet, sg);
	sp_error err;

	OK(vm_create(s, req, &err));
}

/* vpc "v", subnet "n", security group "g". */
static void mk_net(sp_session *s)
{
	mk_vpc(s, "v", "n");
	mk_sg(s, "g", "v");
}

static sp_vm_status vm_status(sp_session *s, const char *vm)
{
	sp_iid iid = iid_of(vm);
	sp_vm_status st = SP_VM_FAILED;
	sp_error err;

	OK(drv->vmctl->get_status(s, &iid, &st, &err));
	return st;
}

static size_t list_size(const sp_resource_ops *ops, sp_session *s)
{
	_cleanup_json_ json_t *list = NULL;
	sp_error err;

	OK(ops->list(s, &list, &err));
	return json_array_size(list);
}

static json_t *get_info(const sp_resource_ops *ops, sp_session *s,
			const char *id)
{
	sp_iid iid = iid_of(id);
	json_t *info = NULL;
	sp_error err;

	OK(ops->get(s, &iid, &info, &err));
	return info;
}

static const char *iid_name(json_t *iid)
{
	return sget(iid, "NameId");
}

/* ---- resources: tests ----------------------------------------------- */

static void test_vpc(void **state)
{
	sp_session *s = open_mars(*state), *venus = NULL;
	const sp_kv cred[] = { { "MockName", "t" } };
	const sp_kv vregion[] = { { "Region", "venus" } };
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'vpc-1'},'IPv4_CIDR':'192.168.0.0/16','TagList':[{'Key':'k','Value':'v'}],'SubnetInfoList':[{'IId':{'NameId':'sn-1'},'Zone':'','IPv4_CIDR':'192.168.1.0/24','TagList':[]},{'IId':{'NameId':'sn-2'},'Zone':'mars-z2','IPv4_CIDR':'192.168.2.0/24'}]}");
	_cleanup_json_ json_t *info = NULL, *got = NULL, *vinfo = NULL, *out = NULL;
	sp_iid iid = { .name_id = "wrong", .system_id = "vpc-1" }, sn;
	json_t *sub, *x = NULL;
	sp_error err;

	OK(drv->vpc->create(s, req, &info, &err));
	assert_string_equal(iid_name(json_object_get(info, "IId")), "vpc-1");
	assert_string_equal(sget(json_object_get(info, "IId"), "SystemId"), "vpc-1");
	assert_string_equal(sget(info, "IPv4_CIDR"), "192.168.0.0/16");
	assert_string_equal(sget(json_array_get(json_object_get(info, "TagList"), 0), "Value"), "v");
	assert_int_equal(json_array_size(json_object_get(info, "KeyValueList")), 0);
	assert_int_equal(json_array_size(json_object_get(info, "SubnetInfoList")), 2);
	sub = json_array_get(json_object_get(info, "SubnetInfoList"), 0);
	assert_string_equal(iid_name(json_object_get(sub, "IId")), "sn-1");
	assert_string_equal(sget(sub, "Zone"), "mars-z1");
	assert_string_equal(sget(sub, "IPv4_CIDR"), "192.168.1.0/24");
	assert_true(json_is_array(json_object_get(sub, "TagList")));
	assert_true(json_is_array(json_object_get(sub, "KeyValueList")));
	assert_string_equal(sget(json_array_get(json_object_get(info, "SubnetInfoList"), 1), "Zone"), "mars-z2");

	/* get prefers SystemId; the caller owns what it gets. */
	OK(drv->vpc->get(s, &iid, &got, &err));
	assert_true(json_equal(got, info));
	json_object_set_new(got, "IPv4_CIDR", json_string("changed"));
	json_decref(got);
	got = get_info(drv->vpc, s, "vpc-1");
	assert_true(json_equal(got, info));
	iid = (sp_iid){ .name_id = "vpc-1", .system_id = "" };
	OK(drv->vpc->get(s, &iid, &x, &err));
	json_decref(x);
	assert_int_equal(list_size(drv->vpc, s), 1);

	FAILS(drv->vpc->create(s, req, &x, &err), SP_ERR_CONFLICT, "vpc 'vpc-1' already exists");
	json_decref(req);
	req = jq("{'IId':{'NameId':'vpc-2'},'IPv4_CIDR':'10.0.0.0/8','SubnetInfoList':[{'IId':{'NameId':'sn-3'},'IPv4_CIDR':'10.1.0.0/16'},{'IId':{'NameId':'sn-1'},'IPv4_CIDR':'10.2.0.0/16'}]}");
	FAILS(drv->vpc->create(s, req, &x, &err), SP_ERR_CONFLICT, "subnet 'sn-1' already exists");
	/* All or nothing: neither vpc-2 nor sn-3 was made. */
	assert_int_equal(list_size(drv->vpc, s), 1);
	json_decref(req);
	req = jq("{'IId':{'NameId':'vpc-2'},'IPv4_CIDR':'10.0.0.0/8','SubnetInfoList':[{'IId':{'NameId':'sn-3'},'IPv4_CIDR':'10.1.0.0/16'}]}");
	OK(drv->vpc->create(s, req, &vinfo, &err));

	static const struct {
		const char *text, *want;
		sp_errcode code;
	} bad[] = {
		{ "{'IPv4_CIDR':'10.0.0.0/8'}", "IId.NameId is required", SP_ERR_INVALID },
		{ "{'IId':{'NameId':''},'IPv4_CIDR':'10.0.0.0/8'}", "IId.NameId is required", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0/8'}", "IPv4_CIDR '10.0.0/8' is invalid", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.256/8'}", "IPv4_CIDR", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/33'}", "IPv4_CIDR", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/8 '}", "IPv4_CIDR", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'}}", "IPv4_CIDR", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/8','SubnetInfoList':[{'IId':{'NameId':'c'},'IPv4_CIDR':'x'}]}", "SubnetInfoList[0].IPv4_CIDR 'x' is invalid", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/8','SubnetInfoList':[{'IId':{'NameId':'c'},'Zone':'venus-z1','IPv4_CIDR':'10.0.0.0/9'}]}", "SubnetInfoList[0].Zone 'venus-z1'", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/8','SubnetInfoList':[{'IPv4_CIDR':'10.0.0.0/9'}]}", "SubnetInfoList[0].IId.NameId is required", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/8','SubnetInfoList':[{'IId':{'NameId':'c'},'IPv4_CIDR':'10.0.0.0/9'},{'IId':{'NameId':'c'},'IPv4_CIDR':'10.128.0.0/9'}]}", "subnet 'c' twice", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/8','TagList':[{'Value':'v'}]}", "TagList[0]", SP_ERR_INVALID },
		{ "{'IId':{'NameId':'b'},'IPv4_CIDR':'10.0.0.0/8','TagList':[{'Key':'a'},{'Key':'a'}]}", "key 'a' twice", SP_ERR_INVALID },
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		_cleanup_json_ json_t *r = jq("%s", bad[i].text);

		FAILS(drv->vpc->create(s, r, &x, &err), bad[i].code, bad[i].want);
	}
	assert_int_equal(list_size(drv->vpc, s), 2);

	/* Subnets. */
	json_decref(req);
	req = jq("{'IId':{'NameId':'sn-4'},'Zone':'mars-z3','IPv4_CIDR':'192.168.4.0/24','TagList':[{'Key':'a','Value':'b'}]}");
	iid = iid_of("vpc-1");
	OK(drv->subnet->add(s, &iid, req, &out, &err));
	assert_int_equal(json_array_size(json_object_get(out, "SubnetInfoList")), 3);
	assert_string_equal(sget(json_array_get(json_object_get(out, "SubnetInfoList"), 2), "Zone"), "mars-z3");
	FAILS(drv->subnet->add(s, &iid, req, &x, &err), SP_ERR_CONFLICT, "subnet 'sn-4' already exists");
	json_decref(req);
	req = jq("{'IId':{'NameId':'sn-3'},'IPv4_CIDR':'192.168.5.0/24'}");
	FAILS(drv->subnet->add(s, &iid, req, &x, &err), SP_ERR_CONFLICT, "subnet 'sn-3' already exists");
	sn = iid_of("nope");
	FAILS(drv->subnet->add(s, &sn, req, &x, &err), SP_ERR_NOT_FOUND, "vpc 'nope' does not exist");
	FAILS(drv->subnet->remove(s, &iid, &sn, &err), SP_ERR_NOT_FOUND, "subnet 'nope' does not exist");
	sn = iid_of("sn-3"); /* in vpc-2 */
	FAILS(drv->subnet->remove(s, &iid, &sn, &err), SP_ERR_NOT_FOUND, "does not exist in vpc 'vpc-1'");
	sn = iid_of("sn-4");
	OK(drv->subnet->remove(s, &iid, &sn, &err));
	json_decref(got);
	got = get_info(drv->vpc, s, "vpc-1");
	assert_true(json_equal(got, info));
	/* Its ID is free again. */
	json_decref(req);
	req = jq("{'IId':{'NameId':'sn-4'},'IPv4_CIDR':'192.168.4.0/24'}");
	json_decref(out);
	out = NULL;
	OK(drv->subnet->add(s, &iid, req, &out, &err));

	/* Regions: another region sees nothing, but IDs are the cloud's. */
	assert_int_equal(OPEN(*state, cred, vregion, &venus, &err), 0);
	assert_int_equal(list_size(drv->vpc, venus), 0);
	FAILS(drv->vpc->get(venus, &iid, &x, &err), SP_ERR_NOT_FOUND, "vpc 'vpc-1' does not exist");
	json_decref(req);
	req = jq("{'IId':{'NameId':'vpc-1'},'IPv4_CIDR':'10.0.0.0/8'}");
	FAILS(drv->vpc->create(venus, req, &x, &err), SP_ERR_CONFLICT, "already exists");
	FAILS(drv->vpc->remove(venus, &iid, &err), SP_ERR_NOT_FOUND, "does not exist");
	drv->close(venus);

	OK(drv->vpc->remove(s, &iid, &err));
	FAILS(drv->vpc->remove(s, &iid, &err), SP_ERR_NOT_FOUND, "mock: vpc 'vpc-1' does not exist");
	FAILS(drv->vpc->get(s, &iid, &x, &err), SP_ERR_NOT_FOUND, "does not exist");
	iid = (sp_iid){ .name_id = "", .system_id = NULL };
	FAILS(drv->vpc->get(s, &iid, &x, &err), SP_ERR_INVALID, "IID is empty");
	assert_int_equal(list_size(drv->vpc, s), 1);
	/* Its subnets' IDs went with it. */
	mk_vpc(s, "vpc-3", "sn-1");
	drv->close(s);
}

static void test_sg(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *req = NULL, *info = NULL, *rules = NULL, *got = NULL;
	sp_iid iid = iid_of("sg-1"), vpc = iid_of("v");
	json_t *x = NULL;
	sp_error err;

	mk_vpc(s, "v", "n");
	mk_vpc(s, "v2", "n2");
	req = jq("{'IId':{'NameId':'sg-1'},'VpcIID':{'NameId':'nope'},'SecurityRules':[]}");
	FAILS(drv->sg->create(s, req, &x, &err), SP_ERR_NOT_FOUND, "vpc 'nope' does not exist");
	json_decref(req);
	req = jq("{'IId':{'NameId':'sg-1'},'SecurityRules':[]}");
	FAILS(drv->sg->create(s, req, &x, &err), SP_ERR_INVALID, "VpcIID is required");
	json_decref(req);
	req = jq("{'IId':{'NameId':'sg-1'},'VpcIID':{'NameId':'v'},'SecurityRules':[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'22','ToPort':'22'}]}");
	FAILS(drv->sg->create(s, req, &x, &err), SP_ERR_INVALID, "SecurityRules[0] lacks the string 'CIDR'");
	json_decref(req);
	req = jq("{'IId':{'NameId':'sg-1'},'VpcIID':{'NameId':'v','SystemId':'v'},'TagList':[{'Key':'a','Value':'b'}],'SecurityRules':[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'22','ToPort':'22','CIDR':'0.0.0.0/0'},{'Direction':'outbound','IPProtocol':'ALL','FromPort':'-1','ToPort':'-1','CIDR':'0.0.0.0/0'}]}");
	OK(drv->sg->create(s, req, &info, &err));
	assert_string_equal(iid_name(json_object_get(info, "IId")), "sg-1");
	assert_string_equal(iid_name(json_object_get(info, "VpcIID")), "v");
	assert_string_equal(sget(json_object_get(info, "VpcIID"), "SystemId"), "v");
	assert_int_equal(json_array_size(json_object_get(info, "SecurityRules")), 2);
	assert_string_equal(sget(json_array_get(json_object_get(info, "SecurityRules"), 1), "IPProtocol"), "ALL");
	assert_int_equal(json_array_size(json_object_get(info, "TagList")), 1);
	FAILS(drv->sg->create(s, req, &x, &err), SP_ERR_CONFLICT, "security group 'sg-1' already exists");
	assert_int_equal(list_size(drv->sg, s), 1);

	/* Rules: all or nothing. */
	rules = jq("[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'80','ToPort':'80','CIDR':'0.0.0.0/0'},{'Direction':'inbound','IPProtocol':'TCP','FromPort':'22','ToPort':'22','CIDR':'0.0.0.0/0'}]");
	FAILS(drv->sgrule->add(s, &iid, rules, &x, &err), SP_ERR_CONFLICT, "security group 'sg-1' already has rule 'inbound TCP 22-22 0.0.0.0/0'");
	got = get_info(drv->sg, s, "sg-1");
	assert_true(json_equal(got, info));
	json_decref(rules);
	rules = jq("[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'80','ToPort':'80','CIDR':'0.0.0.0/0'},{'Direction':'inbound','IPProtocol':'TCP','FromPort':'80','ToPort':'80','CIDR':'0.0.0.0/0'}]");
	FAILS(drv->sgrule->add(s, &iid, rules, &x, &err), SP_ERR_CONFLICT, "already has rule");
	json_decref(rules);
	rules = jq("[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'80','ToPort':'80','CIDR':'0.0.0.0/0'},{'Direction':'inbound','IPProtocol':'UDP','FromPort':'53','ToPort':'53','CIDR':'10.0.0.0/8'}]");
	json_decref(got);
	OK(drv->sgrule->add(s, &iid, rules, &got, &err));
	assert_int_equal(json_array_size(json_object_get(got, "SecurityRules")), 4);
	json_decref(rules);
	rules = jq("[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'80','ToPort':'80','CIDR':'0.0.0.0/0'},{'Direction':'inbound','IPProtocol':'TCP','FromPort':'81','ToPort':'81','CIDR':'0.0.0.0/0'}]");
	FAILS(drv->sgrule->remove(s, &iid, rules, &err), SP_ERR_NOT_FOUND, "rule 'inbound TCP 81-81 0.0.0.0/0' does not exist in security group 'sg-1'");
	json_decref(got);
	got = get_info(drv->sg, s, "sg-1");
	assert_int_equal(json_array_size(json_object_get(got, "SecurityRules")), 4);
	json_decref(rules);
	rules = jq("[{'Direction':'inbound','IPProtocol':'TCP','FromPort':'80','ToPort':'80','CIDR':'0.0.0.0/0'},{'Direction':'inbound','IPProtocol':'UDP','FromPort':'53','ToPort':'53','CIDR':'10.0.0.0/8'}]");
	OK(drv->sgrule->remove(s, &iid, rules, &err));
	json_decref(got);
	got = get_info(drv->sg, s, "sg-1");
	assert_true(json_equal(got, info));
	FAILS(drv->sgrule->remove(s, &iid, json_object_get(got, "VpcIID"), &err), SP_ERR_INVALID, "rules must be a list");
	iid = iid_of("nope");
	FAILS(drv->sgrule->remove(s, &iid, rules, &err), SP_ERR_NOT_FOUND, "security group 'nope' does not exist");

	/* A VPC with a security group stays. */
	FAILS(drv->vpc->remove(s, &vpc, &err), SP_ERR_CONFLICT, "DependencyViolation: vpc 'v' is in use by security group 'sg-1'");
	iid = iid_of("sg-1");
	OK(drv->sg->remove(s, &iid, &err));
	FAILS(drv->sg->remove(s, &iid, &err), SP_ERR_NOT_FOUND, "security group 'sg-1' does not exist");
	OK(drv->vpc->remove(s, &vpc, &err));
	drv->close(s);
}

/* Run cmd; its first line of output, or "" when it fails. */
static const char *run_line(const char *cmd)
{
	static char line[1024];
	FILE *p = popen(cmd, "r");

	line[0] = '\0';
	if (!p)
		return line;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	if (pclose(p) != 0)
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_keypair(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'key-1'},'TagList':[{'Key':'a','Value':'b'}]}");
	_cleanup_json_ json_t *info = NULL, *got = NULL, *list = NULL;
	const char *pub, *fp, *priv;
	sp_iid iid = iid_of("key-1");
	json_t *x = NULL;
	sp_error err;

	OK(drv->keypair->create(s, req, &info, &err));
	assert_string_equal(iid_name(json_object_get(info, "IId")), "key-1");
	assert_string_equal(sget(info, "VMUserID"), "cb-user");
	pub = sget(info, "PublicKey");
	fp = sget(info, "Fingerprint");
	priv = sget(info, "PrivateKey");
	assert_int_equal(strncmp(pub, "ssh-rsa AAAAB3NzaC1yc2E", 23), 0);
	assert_non_null(strstr(pub, " key-1"));
	assert_int_equal(strncmp(fp, "SHA256:", 7), 0);
	assert_int_equal(strlen(fp), 7 + 43);
	assert_null(strchr(fp, '='));
	assert_int_equal(strncmp(priv, "-----BEGIN RSA PRIVATE KEY-----\n", 32), 0);
	assert_non_null(strstr(priv, "-----END RSA PRIVATE KEY-----"));
	assert_int_equal(json_array_size(json_object_get(info, "TagList")), 1);

	got = get_info(drv->keypair, s, "key-1");
	assert_null(json_object_get(got, "PrivateKey"));
	assert_string_equal(sget(got, "PublicKey"), pub);
	assert_string_equal(sget(got, "Fingerprint"), fp);
	OK(drv->keypair->list(s, &list, &err));
	assert_int_equal(json_array_size(list), 1);
	assert_null(json_object_get(json_array_get(list, 0), "PrivateKey"));
	assert_string_equal(sget(json_array_get(list, 0), "PublicKey"), pub);

	FAILS(drv->keypair->create(s, req, &x, &err), SP_ERR_CONFLICT, "key pair 'key-1' already exists");
	OK(drv->keypair->remove(s, &iid, &err));
	FAILS(drv->keypair->get(s, &iid, &x, &err), SP_ERR_NOT_FOUND, "key pair 'key-1' does not exist");
	drv->close(s);
}

/* What OpenSSH makes of the key material. */
static void test_keypair_ssh_keygen(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'key-2'}}");
	_cleanup_json_ json_t *info = NULL;
	char pub_path[512], priv_path[512], cmd[1200], want[1024];
	const char *pub, *line;
	sp_error err;

	if (strcmp(run_line("command -v ssh-keygen"), "") == 0) {
		drv->close(s);
		skip();
	}
	OK(drv->keypair->create(s, req, &info, &err));
	drv->close(s);
	pub = sget(info, "PublicKey");
	snprintf(pub_path, sizeof(pub_path), "%s/key.pub", (char *)*state);
	snprintf(priv_path, sizeof(priv_path), "%s/key", (char *)*state);
	write_file(pub_path, pub, 0644);
	write_file(priv_path, sget(info, "PrivateKey"), 0600);

	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -E sha256 -f '%s'", pub_path);
	line = run_line(cmd);
	snprintf(want, sizeof(want), "2048 %s key-2 (RSA)", sget(info, "Fingerprint"));
	assert_string_equal(line, want);

	/* ssh-keygen -y reads the private key and prints its public half. */
	snprintf(cmd, sizeof(cmd), "ssh-keygen -y -f '%s'", priv_path);
	line = run_line(cmd);
	assert_true(strlen(line) > 100);
	assert_int_equal(strncmp(pub, line, strlen(line)), 0);
}

static void test_vm_shape(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *req = NULL, *info = NULL, *got = NULL, *kreq = jq("{'IId':{'NameId':'k'}}"), *key = NULL;
	json_t *nic;
	sp_error err;

	mk_net(s);
	OK(drv->keypair->create(s, kreq, &key, &err));
	req = vm_req("vm-1", "v", "n", "g");
	json_object_set_new(req, "KeyPairIID", jq("{'NameId':'k','SystemId':'k'}"));
	json_object_set_new(req, "TagList", jq("[{'Key':'a','Value':'b'}]"));
	OK(drv->vm->create(s, req, &info, &err));
	assert_string_equal(iid_name(json_object_get(info, "IId")), "vm-1");
	assert_string_equal(sget(json_object_get(info, "IId"), "SystemId"), "vm-1");
	assert_int_equal(strlen(sget(info, "StartTime")), 20);
	assert_int_equal(sget(info, "StartTime")[10], 'T');
	assert_int_equal(sget(info, "StartTime")[19], 'Z');
	assert_string_equal(sget(json_object_get(info, "Region"), "Region"), "mars");
	assert_string_equal(sget(json_object_get(info, "Region"), "Zone"), "mars-z1");
	assert_string_equal(sget(info, "ImageType"), "PublicImage");
	assert_string_equal(iid_name(json_object_get(info, "ImageIId")), "mock-vmimage-01");
	assert_string_equal(sget(info, "VMSpecName"), "mock-vmspec-01");
	assert_string_equal(iid_name(json_object_get(info, "VpcIID")), "v");
	assert_string_equal(iid_name(json_object_get(info, "SubnetIID")), "n");
	assert_string_equal(iid_name(json_array_get(json_object_get(info, "SecurityGroupIIds"), 0)), "g");
	assert_string_equal(iid_name(json_object_get(info, "KeyPairIId")), "k");
	assert_string_equal(sget(info, "RootDiskType"), "SSD");
	assert_string_equal(sget(info, "RootDiskSize"), "32");
	assert_string_equal(sget(info, "RootDeviceName"), "/dev/sda1");
	assert_int_equal(json_array_size(json_object_get(info, "DataDiskIIDs")), 0);
	assert_string_equal(sget(info, "VMBootDisk"), "/dev/sda1");
	assert_string_equal(sget(info, "VMBlockDisk"), "/dev/sda1");
	assert_string_equal(sget(info, "VMUserId"), "cb-user");
	assert_string_equal(sget(info, "VMUserPasswd"), "");
	nic = json_array_get(json_object_get(info, "NICs"), 0);
	assert_string_equal(iid_name(json_object_get(nic, "IId")), "mockni0");
	assert_int_equal(json_integer_value(json_object_get(nic, "DeviceIndex")), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(nic, "PrivateIPs"), 0)), "1.2.3.4");
	assert_string_equal(json_string_value(json_array_get(json_object_get(nic, "PublicIPs"), 0)), "4.3.2.1");
	assert_int_equal(strlen(sget(nic, "MACAddress")), 17);
	assert_string_equal(iid_name(json_object_get(nic, "SubnetIID")), "n");
	assert_string_equal(sget(info, "NetworkInterface"), "mockni0");
	assert_string_equal(sget(info, "PublicIP"), "4.3.2.1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(info, "PublicIPs"), 0)), "4.3.2.1");
	assert_string_equal(sget(info, "PublicDNS"), "vm-1.spider.barista.com");
	assert_string_equal(sget(info, "PrivateIP"), "1.2.3.4");
	assert_string_equal(json_string_value(json_array_get(json_object_get(info, "PrivateIPs"), 0)), "1.2.3.4");
	assert_string_equal(sget(info, "PrivateDNS"), "vm-1.spider.barista.com");
	assert_string_equal(sget(info, "Platform"), "LINUX/UNIX");
	assert_string_equal(sget(info, "SSHAccessPoint"), "4.3.2.1:22");
	assert_string_equal(sget(info, "AccessPoint"), "4.3.2.1:22");
	assert_string_equal(sget(json_array_get(json_object_get(info, "TagList"), 0), "Key"), "a");
	assert_int_equal(json_array_size(json_object_get(info, "KeyValueList")), 0);
	assert_null(json_object_get(info, "Status"));
	assert_null(json_object_get(info, "VmStatus"));
	got = get_info(drv->vm, s, "vm-1");
	assert_true(json_equal(got, info));
	assert_int_equal(list_size(drv->vm, s), 1);

	/* Windows, with a zone, a root disk and a user given. */
	json_decref(req);
	req = jq("{'IId':{'NameId':'win'},'IPv4_CIDR':'10.0.0.0/16','SubnetInfoList':[{'IId':{'NameId':'n3'},'Zone':'mars-z3','IPv4_CIDR':'10.0.1.0/24'}]}");
	json_decref(info);
	OK(drv->vpc->create(s, req, &info, &err));
	json_decref(req);
	req = vm_req("vm-2", "win", "n3", "g");
	json_object_set_new(req, "SecurityGroupIIDs", json_array());
	json_object_set_new(req, "ImageIID", jq("{'NameId':'mock-vmimage-03','SystemId':'mock-vmimage-03'}"));
	json_object_set_new(req, "RootDiskType", json_string("HDD"));
	json_object_set_new(req, "RootDiskSize", json_string("0100"));
	json_decref(info);
	OK(drv->vm->create(s, req, &info, &err));
	assert_string_equal(sget(info, "Platform"), "WINDOWS");
	assert_string_equal(sget(info, "VMUserId"), "Administrator");
	assert_string_equal(sget(json_object_get(info, "Region"), "Zone"), "mars-z3");
	assert_string_equal(sget(info, "RootDiskType"), "HDD");
	assert_string_equal(sget(info, "RootDiskSize"), "100");
	assert_string_equal(iid_name(json_object_get(info, "KeyPairIId")), "");
	assert_int_equal(json_array_size(json_object_get(info, "SecurityGroupIIds")), 0);
	assert_int_equal(list_size(drv->vm, s), 2);
	drv->close(s);
}

static void test_vm_create_errors(void **state)
{
	static const struct {
		const char *key, *value; /* a field of the request, as JSON */
		sp_errcode code;
		const char *want;
	} cases[] = {
		{ "IId", "{}", SP_ERR_INVALID, "IId.NameId is required" },
		{ "ImageType", "'Snapshot'", SP_ERR_INVALID, "ImageType 'Snapshot' is invalid" },
		{ "ImageIID", "{'NameId':''}", SP_ERR_INVALID, "ImageIID is required" },
		{ "ImageIID", "'mock-vmimage-01'", SP_ERR_INVALID, "ImageIID must be an IID" },
		{ "ImageIID", "{'NameId':'ubuntu'}", SP_ERR_NOT_FOUND, "image 'ubuntu' does not exist" },
		{ "ImageType", "'MyImage'", SP_ERR_NOT_FOUND, "my image 'mock-vmimage-01' does not exist" },
		{ "VMSpecName", "''", SP_ERR_INVALID, "VMSpecName is required" },
		{ "VMSpecName", "'t2.micro'", SP_ERR_NOT_FOUND, "vmspec 't2.micro' does not exist" },
		{ "VpcIID", "{}", SP_ERR_INVALID, "VpcIID is required" },
		{ "VpcIID", "{'NameId':'nope'}", SP_ERR_NOT_FOUND, "vpc 'nope' does not exist" },
		{ "SubnetIID", "{'NameId':'nope'}", SP_ERR_NOT_FOUND, "subnet 'nope' does not exist" },
		{ "SubnetIID", "{'NameId':'n2'}", SP_ERR_INVALID, "SubnetIID: subnet 'n2' is not in vpc 'v'" },
		{ "SecurityGroupIIDs", "[{'NameId':'nope'}]", SP_ERR_NOT_FOUND, "security group 'nope' does not exist" },
		{ "SecurityGroupIIDs", "[{'NameId':'g2'}]", SP_ERR_INVALID, "SecurityGroupIIDs: security group 'g2' is not in vpc 'v'" },
		{ "SecurityGroupIIDs", "[{'NameId':'g'},{'NameId':'g'}]", SP_ERR_INVALID, "SecurityGroupIIDs names 'g' twice" },
		{ "SecurityGroupIIDs", "{'NameId':'g'}", SP_ERR_INVALID, "SecurityGroupIIDs must be a list" },
		{ "KeyPairIID", "{'NameId':'nope'}", SP_ERR_NOT_FOUND, "key pair 'nope' does not exist" },
		{ "DataDiskIIDs", "[{'NameId':'nope'}]", SP_ERR_NOT_FOUND, "disk 'nope' does not exist" },
		{ "DataDiskIIDs", "[{'NameId':'d1'},{'NameId':'d0'}]", SP_ERR_CONFLICT, "DataDiskIIDs: disk 'd0' is attached to vm 'vm-0'" },
		{ "RootDiskSize", "'-5'", SP_ERR_INVALID, "RootDiskSize '-5' is invalid" },
		{ "RootDiskSize", "'99999'", SP_ERR_INVALID, "RootDiskSize '99999' is invalid" },
		{ "VMUserId", "5", SP_ERR_INVALID, "'VMUserId' must be a string" },
		{ "TagList", "{}", SP_ERR_INVALID, "TagList must be a list" },
	};
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *disk = NULL;
	sp_error err;

	mk_net(s);
	mk_vpc(s, "v2", "n2");
	mk_sg(s, "g2", "v2");
	mk_disk(s, "d0");
	mk_disk(s, "d1");
	{
		_cleanup_json_ json_t *req = vm_req("vm-0", "v", "n", "g");

		json_object_set_new(req, "DataDiskIIDs", jq("[{'NameId':'d0'}]"));
		OK(vm_create(s, req, &err));
	}
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_json_ json_t *req = vm_req("vm-1", "v", "n", "g");

		json_object_set_new(req, cases[i].key, jq("%s", cases[i].value));
		if (vm_create(s, req, &err) == 0)
			fail_msg("case %zu: create succeeded", i);
		expect_error(&err, cases[i].code, cases[i].want);
	}
	/* Nothing was left behind: d1 stays Available. */
	assert_int_equal(list_size(drv->vm, s), 1);
	disk = get_info(drv->disk, s, "d1");
	assert_string_equal(sget(disk, "Status"), "Available");
	{
		_cleanup_json_ json_t *req = vm_req("vm-0", "v", "n", "g");

		FAILS(vm_create(s, req, &err), SP_ERR_CONFLICT, "vm 'vm-0' already exists");
	}
	drv->close(s);
}

static void test_vm_states(void **state)
{
	sp_session *s = open_delays(*state, "150");
	sp_iid iid = iid_of("vm-1");
	sp_vm_status st = SP_VM_FAILED;
	json_t *x = NULL;
	sp_error err;

	mk_net(s);
	mk_vm(s, "vm-1", "v", "n", "g");
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_CREATING);
	FAILS(drv->vmctl->control(s, &iid, SP_VM_SUSPEND, &st, &err), SP_ERR_CONFLICT, "mock: vm 'vm-1' is Creating; cannot suspend it");
	sleep_ms(200);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RUNNING);
	FAILS(drv->vmctl->control(s, &iid, SP_VM_RESUME, &st, &err), SP_ERR_CONFLICT, "mock: vm 'vm-1' is Running; cannot resume it");
	FAILS(drv->vmctl->control(s, &iid, (sp_vm_action)7, &st, &err), SP_ERR_INVALID, "action 7");

	OK(drv->vmctl->control(s, &iid, SP_VM_SUSPEND, &st, &err));
	assert_int_equal(st, SP_VM_SUSPENDING);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_SUSPENDING);
	FAILS(drv->vmctl->control(s, &iid, SP_VM_REBOOT, &st, &err), SP_ERR_CONFLICT, "is Suspending; cannot reboot it");
	sleep_ms(200);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_SUSPENDED);
	FAILS(drv->vmctl->control(s, &iid, SP_VM_REBOOT, &st, &err), SP_ERR_CONFLICT, "is Suspended; cannot reboot it");
	FAILS(drv->vmctl->control(s, &iid, SP_VM_SUSPEND, &st, &err), SP_ERR_CONFLICT, "is Suspended; cannot suspend it");

	OK(drv->vmctl->control(s, &iid, SP_VM_RESUME, &st, &err));
	assert_int_equal(st, SP_VM_RESUMING);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RESUMING);
	sleep_ms(200);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RUNNING);

	OK(drv->vmctl->control(s, &iid, SP_VM_REBOOT, &st, &err));
	assert_int_equal(st, SP_VM_REBOOTING);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_REBOOTING);
	sleep_ms(200);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RUNNING);

	OK(drv->vm->remove(s, &iid, &err));
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_TERMINATING);
	assert_int_equal(list_size(drv->vm, s), 1);
	FAILS(drv->vm->remove(s, &iid, &err), SP_ERR_CONFLICT, "is Terminating; cannot terminate it");
	sleep_ms(200);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_TERMINATED);
	assert_int_equal(list_size(drv->vm, s), 0);
	x = get_info(drv->vm, s, "vm-1");
	assert_string_equal(iid_name(json_object_get(x, "IId")), "vm-1");
	json_decref(x);
	FAILS(drv->vm->remove(s, &iid, &err), SP_ERR_CONFLICT, "mock: vm 'vm-1' is Terminated; cannot terminate it");
	FAILS(drv->vmctl->control(s, &iid, SP_VM_RESUME, &st, &err), SP_ERR_CONFLICT, "is Terminated; cannot resume it");

	/* Terminated, its ID can be taken again. */
	mk_vm(s, "vm-1", "v", "n", "g");
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_CREATING);
	iid = iid_of("nope");
	FAILS(drv->vmctl->get_status(s, &iid, &st, &err), SP_ERR_NOT_FOUND, "vm 'nope' does not exist");
	FAILS(drv->vmctl->control(s, &iid, SP_VM_SUSPEND, &st, &err), SP_ERR_NOT_FOUND, "does not exist");
	FAILS(drv->vm->remove(s, &iid, &err), SP_ERR_NOT_FOUND, "does not exist");
	FAILS(drv->vm->get(s, &iid, &x, &err), SP_ERR_NOT_FOUND, "does not exist");
	drv->close(s);
}

/* With no delays, every state change is over as soon as it is made. */
static void test_vm_states_instant(void **state)
{
	sp_session *s = open_mars(*state);
	sp_iid iid = iid_of("vm-1");
	sp_vm_status st = SP_VM_FAILED;
	sp_error err;

	mk_net(s);
	mk_vm(s, "vm-1", "v", "n", "g");
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RUNNING);
	OK(drv->vmctl->control(s, &iid, SP_VM_SUSPEND, &st, &err));
	assert_int_equal(st, SP_VM_SUSPENDING);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_SUSPENDED);
	OK(drv->vmctl->control(s, &iid, SP_VM_RESUME, &st, &err));
	assert_int_equal(st, SP_VM_RESUMING);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RUNNING);
	OK(drv->vmctl->control(s, &iid, SP_VM_REBOOT, &st, &err));
	assert_int_equal(st, SP_VM_REBOOTING);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RUNNING);
	OK(drv->vm->remove(s, &iid, &err));
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_TERMINATED);
	drv->close(s);
}

/* Many VMs' states in one call; unknown ones and other regions'
 * NotExist; the knobs that refuse or fail it. */
static void test_vm_statuses(void **state)
{
	sp_session *s = open_mars(*state);
	sp_iid vms[4] = { iid_of("vm-1"), iid_of("nope"), iid_of("vm-2"), { 0 } };
	sp_vm_status st[4] = { SP_VM_FAILED, SP_VM_FAILED, SP_VM_FAILED, SP_VM_FAILED };
	sp_error err;

	assert_true(offsetof(sp_vm_ops, get_statuses) < drv->vmctl->size);
	mk_net(s);
	mk_vm(s, "vm-1", "v", "n", "g");
	mk_vm(s, "vm-2", "v", "n", "g");
	OK(drv->vmctl->control(s, &vms[2], SP_VM_SUSPEND, &st[0], &err));
	OK(drv->vmctl->get_statuses(s, vms, 4, st, &err));
	assert_int_equal(st[0], SP_VM_RUNNING);
	assert_int_equal(st[1], SP_VM_NOT_EXIST);
	assert_int_equal(st[2], SP_VM_SUSPENDED);
	assert_int_equal(st[3], SP_VM_NOT_EXIST);
	FAILS(drv->vmctl->get_statuses(s, vms, SP_VM_STATUS_BATCH_MAX + 1, st, &err), SP_ERR_INVALID, "at most 1000");
	drv->close(s);

	{
		const sp_kv cred[] = { { "MockName", "t" } };
		const sp_kv off[] = { { "Region", "mars" }, { "MockStatusBatch", "off" } };
		const sp_kv failing[] = { { "Region", "mars" }, { "MockFailOp", "GetVMStatuses" } };
		const sp_kv venus[] = { { "Region", "venus" } };
		const sp_kv bad[] = { { "Region", "mars" }, { "MockStatusBatch", "maybe" } };

		assert_int_equal(OPEN(*state, cred, off, &s, &err), 0);
		FAILS(drv->vmctl->get_statuses(s, vms, 1, st, &err), SP_ERR_UNSUPPORTED, "one at a time");
		drv->close(s);
		assert_int_equal(OPEN(*state, cred, failing, &s, &err), 0);
		FAILS(drv->vmctl->get_statuses(s, vms, 1, st, &err), SP_ERR_CLOUD, "injected failure of 'GetVMStatuses'");
		OK(drv->vmctl->get_status(s, &vms[0], &st[0], &err));
		drv->close(s);
		assert_int_equal(OPEN(*state, cred, venus, &s, &err), 0);
		OK(drv->vmctl->get_statuses(s, vms, 1, st, &err));
		assert_int_equal(st[0], SP_VM_NOT_EXIST);
		drv->close(s);
		assert_int_equal(OPEN(*state, cred, bad, &s, &err), -1);
		assert_int_equal(err.code, SP_ERR_INVALID);
		assert_non_null(strstr(err.message, "MockStatusBatch 'maybe'"));
	}
}

static void test_vm_dependencies(void **state)
{
	sp_session *s = open_delays(*state, "100");
	_cleanup_json_ json_t *kreq = jq("{'IId':{'NameId':'k'}}"), *key = NULL, *req = NULL;
	sp_iid vm = iid_of("vm-1"), vpc = iid_of("v"), sn = iid_of("n"), sg = iid_of("g"), k = iid_of("k");
	sp_error err;

	mk_net(s);
	OK(drv->keypair->create(s, kreq, &key, &err));
	req = vm_req("vm-1", "v", "n", "g");
	json_object_set_new(req, "KeyPairIID", jq("{'NameId':'k'}"));
	OK(vm_create(s, req, &err));
	FAILS(drv->sg->remove(s, &sg, &err), SP_ERR_CONFLICT, "DependencyViolation: security group 'g' is in use by vm 'vm-1'");
	FAILS(drv->keypair->remove(s, &k, &err), SP_ERR_CONFLICT, "DependencyViolation: key pair 'k' is in use by vm 'vm-1'");
	FAILS(drv->subnet->remove(s, &vpc, &sn, &err), SP_ERR_CONFLICT, "DependencyViolation: subnet 'n' is in use by vm 'vm-1'");
	OK(drv->vm->remove(s, &vm, &err));
	/* Terminating still holds them. */
	FAILS(drv->sg->remove(s, &sg, &err), SP_ERR_CONFLICT, "in use by vm 'vm-1'");
	sleep_ms(150);
	OK(drv->sg->remove(s, &sg, &err));
	OK(drv->keypair->remove(s, &k, &err));
	OK(drv->subnet->remove(s, &vpc, &sn, &err));
	OK(drv->vpc->remove(s, &vpc, &err));
	drv->close(s);

	/* A live VM holds its VPC even without security groups. */
	s = open_mars(*state);
	mk_vpc(s, "v", "n");
	json_decref(req);
	req = vm_req("vm-2", "v", "n", "g");
	json_object_set_new(req, "SecurityGroupIIDs", json_array());
	OK(vm_create(s, req, &err));
	FAILS(drv->vpc->remove(s, &vpc, &err), SP_ERR_CONFLICT, "DependencyViolation: vpc 'v' is in use by vm 'vm-2'");
	drv->close(s);
}

static void test_disk(void **state)
{
	sp_session *s = open_delays(*state, "100");
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'d1'},'Zone':'mars-z2','DiskType':'HDD','DiskSize':'50','TagList':[{'Key':'a','Value':'b'}]}");
	_cleanup_json_ json_t *info = NULL, *vm = NULL;
	sp_iid d1 = iid_of("d1"), d2 = iid_of("d2"), vm1 = iid_of("vm-1"), vm2 = iid_of("vm-2");
	json_t *x = NULL;
	sp_error err;

	OK(drv->disk->create(s, req, &info, &err));
	assert_string_equal(iid_name(json_object_get(info, "IId")), "d1");
	assert_string_equal(sget(info, "Zone"), "mars-z2");
	assert_string_equal(sget(info, "DiskType"), "HDD");
	assert_string_equal(sget(info, "DiskSize"), "50");
	assert_string_equal(sget(info, "Status"), "Available");
	assert_string_equal(iid_name(json_object_get(info, "OwnerVM")), "");
	assert_string_equal(sget(json_object_get(info, "OwnerVM"), "SystemId"), "");
	assert_int_equal(strlen(sget(info, "CreatedTime")), 20);
	assert_int_equal(json_array_size(json_object_get(info, "TagList")), 1);
	FAILS(drv->disk->create(s, req, &x, &err), SP_ERR_CONFLICT, "disk 'd1' already exists");
	mk_disk(s, "d2");
	json_decref(info);
	info = get_info(drv->disk, s, "d2");
	assert_string_equal(sget(info, "Zone"), "mars-z1");
	assert_string_equal(sget(info, "DiskType"), "SSD");
	assert_string_equal(sget(info, "DiskSize"), "100");
	assert_int_equal(list_size(drv->disk, s), 2);

	static const char *const bad_sizes[] = { "0", "-1", "abc", "16385", "1.5", " 5" };
	for (size_t i = 0; i < ELEMENTSOF(bad_sizes); i++) {
		_cleanup_json_ json_t *r = jq("{'IId':{'NameId':'d9'},'DiskSize':'%s'}", bad_sizes[i]);

		FAILS(drv->disk->create(s, r, &x, &err), SP_ERR_INVALID, "DiskSize");
		FAILS(drv->diskctl->resize(s, &d1, bad_sizes[i], &err), SP_ERR_INVALID, "size");
	}
	{
		_cleanup_json_ json_t *r = jq("{'IId':{'NameId':'d9'},'Zone':'mars-z9'}");

		FAILS(drv->disk->create(s, r, &x, &err), SP_ERR_INVALID, "Zone 'mars-z9' is not a zone of region 'mars'");
	}

	/* Resize: only bigger. */
	FAILS(drv->diskctl->resize(s, &d1, "50", &err), SP_ERR_INVALID, "must be larger than the current size 50");
	FAILS(drv->diskctl->resize(s, &d1, "20", &err), SP_ERR_INVALID, "must be larger than the current size 50");
	OK(drv->diskctl->resize(s, &d1, "80", &err));
	json_decref(info);
	info = get_info(drv->disk, s, "d1");
	assert_string_equal(sget(info, "DiskSize"), "80");
	FAILS(drv->diskctl->resize(s, &vm1, "80", &err), SP_ERR_NOT_FOUND, "disk 'vm-1' does not exist");

	/* Attach and detach. */
	mk_net(s);
	mk_vm(s, "vm-1", "v", "n", "g");
	mk_vm(s, "vm-2", "v", "n", "g");
	json_decref(info);
	OK(drv->diskctl->attach(s, &d1, &vm1, &info, &err));
	assert_string_equal(sget(info, "Status"), "Attached");
	assert_string_equal(iid_name(json_object_get(info, "OwnerVM")), "vm-1");
	assert_string_equal(sget(json_object_get(info, "OwnerVM"), "SystemId"), "vm-1");
	vm = get_info(drv->vm, s, "vm-1");
	assert_int_equal(json_array_size(json_object_get(vm, "DataDiskIIDs")), 1);
	assert_string_equal(iid_name(json_array_get(json_object_get(vm, "DataDiskIIDs"), 0)), "d1");
	FAILS(drv->diskctl->attach(s, &d1, &vm2, &x, &err), SP_ERR_CONFLICT, "disk 'd1' is attached to vm 'vm-1'");
	FAILS(drv->diskctl->attach(s, &d1, &vm1, &x, &err), SP_ERR_CONFLICT, "disk 'd1' is attached to vm 'vm-1'");
	FAILS(drv->disk->remove(s, &d1, &err), SP_ERR_CONFLICT, "disk 'd1' is attached to vm 'vm-1'");
	FAILS(drv->diskctl->detach(s, &d1, &vm2, &err), SP_ERR_CONFLICT, "disk 'd1' is not attached to vm 'vm-2'");
	FAILS(drv->diskctl->detach(s, &d2, &vm1, &err), SP_ERR_CONFLICT, "disk 'd2' is not attached to vm 'vm-1'");
	FAILS(drv->diskctl->attach(s, &d2, &d1, &x, &err), SP_ERR_NOT_FOUND, "vm 'd1' does not exist");
	OK(drv->diskctl->detach(s, &d1, &vm1, &err));
	json_decref(info);
	info = get_info(drv->disk, s, "d1");
	assert_string_equal(sget(info, "Status"), "Available");
	json_decref(vm);
	vm = get_info(drv->vm, s, "vm-1");
	assert_int_equal(json_array_size(json_object_get(vm, "DataDiskIIDs")), 0);

	/* A VM made with data disks; they come free when it is Terminated. */
	json_decref(req);
	req = vm_req("vm-3", "v", "n", "g");
	json_object_set_new(req, "DataDiskIIDs", jq("[{'NameId':'d1'},{'NameId':'d2','SystemId':'d2'}]"));
	OK(vm_create(s, req, &err));
	json_decref(vm);
	vm = get_info(drv->vm, s, "vm-3");
	assert_int_equal(json_array_size(json_object_get(vm, "DataDiskIIDs")), 2);
	json_decref(info);
	info = get_info(drv->disk, s, "d2");
	assert_string_equal(sget(info, "Status"), "Attached");
	assert_string_equal(iid_name(json_object_get(info, "OwnerVM")), "vm-3");
	sp_iid vm3 = iid_of("vm-3");
	OK(drv->vm->remove(s, &vm3, &err));
	FAILS(drv->diskctl->attach(s, &d1, &vm3, &x, &err), SP_ERR_CONFLICT, "vm 'vm-3' is Terminating; cannot attach disk 'd1' to it");
	FAILS(drv->disk->remove(s, &d2, &err), SP_ERR_CONFLICT, "attached to vm 'vm-3'");
	sleep_ms(150);
	json_decref(info);
	info = get_info(drv->disk, s, "d2");
	assert_string_equal(sget(info, "Status"), "Available");
	FAILS(drv->diskctl->attach(s, &d1, &vm3, &x, &err), SP_ERR_CONFLICT, "vm 'vm-3' is Terminated");
	OK(drv->disk->remove(s, &d2, &err));
	json_decref(info);
	OK(drv->diskctl->attach(s, &d1, &vm2, &info, &err));
	assert_string_equal(iid_name(json_object_get(info, "OwnerVM")), "vm-2");
	/* The terminated VM lists no disks; a new VM with its ID inherits none. */
	json_decref(vm);
	vm = get_info(drv->vm, s, "vm-3");
	assert_int_equal(json_array_size(json_object_get(vm, "DataDiskIIDs")), 0);
	assert_int_equal(list_size(drv->disk, s), 1);
	FAILS(drv->disk->remove(s, &d2, &err), SP_ERR_NOT_FOUND, "disk 'd2' does not exist");
	drv->close(s);
}

static void test_myimage(void **state)
{
	sp_session *s = open_delays(*state, "0");
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'img-1'},'SourceVM':{'NameId':'vm-w'},'TagList':[{'Key':'a','Value':'b'}]}");
	_cleanup_json_ json_t *info = NULL, *vm = NULL, *got = NULL;
	sp_iid img = iid_of("img-1"), vmw = iid_of("vm-w");
	json_t *x = NULL;
	sp_error err;

	mk_net(s);
	FAILS(drv->myimage->create(s, req, &x, &err), SP_ERR_NOT_FOUND, "vm 'vm-w' does not exist");
	vm = vm_req("vm-w", "v", "n", "g");
	json_object_set_new(vm, "ImageIID", jq("{'NameId':'mock-vmimage-03'}"));
	OK(vm_create(s, vm, &err));
	OK(drv->myimage->create(s, req, &info, &err));
	assert_string_equal(iid_name(json_object_get(info, "IId")), "img-1");
	assert_string_equal(iid_name(json_object_get(info, "SourceVM")), "vm-w");
	assert_string_equal(sget(info, "Status"), "Available");
	assert_int_equal(strlen(sget(info, "CreatedTime")), 20);
	assert_int_equal(json_array_size(json_object_get(info, "TagList")), 1);
	FAILS(drv->myimage->create(s, req, &x, &err), SP_ERR_CONFLICT, "my image 'img-1' already exists");
	got = get_info(drv->myimage, s, "img-1");
	assert_true(json_equal(got, info));
	assert_int_equal(list_size(drv->myimage, s), 1);

	/* Boot from it: the platform comes with it. */
	json_decref(vm);
	vm = vm_req("vm-2", "v", "n", "g");
	json_object_set_new(vm, "ImageType", json_string("MyImage"));
	json_object_set_new(vm, "ImageIID", jq("{'NameId':'img-1','SystemId':'img-1'}"));
	json_decref(got);
	OK(drv->vm->create(s, vm, &got, &err));
	assert_string_equal(sget(got, "ImageType"), "MyImage");
	assert_string_equal(iid_name(json_object_get(got, "ImageIId")), "img-1");
	assert_string_equal(sget(got, "Platform"), "WINDOWS");

	OK(drv->vm->remove(s, &vmw, &err));
	json_decref(req);
	req = jq("{'IId':{'NameId':'img-2'},'SourceVM':{'NameId':'vm-w'}}");
	FAILS(drv->myimage->create(s, req, &x, &err), SP_ERR_CONFLICT, "vm 'vm-w' is Terminated; cannot snapshot it");
	json_decref(req);
	req = jq("{'IId':{'NameId':'img-2'}}");
	FAILS(drv->myimage->create(s, req, &x, &err), SP_ERR_INVALID, "SourceVM is required");
	OK(drv->myimage->remove(s, &img, &err));
	FAILS(drv->myimage->remove(s, &img, &err), SP_ERR_NOT_FOUND, "my image 'img-1' does not exist");
	assert_int_equal(list_size(drv->myimage, s), 0);
	drv->close(s);
}

static void test_tags(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'v'},'IPv4_CIDR':'10.0.0.0/16','TagList':[{'Key':'env','Value':'prod'}],'SubnetInfoList':[{'IId':{'NameId':'n'},'IPv4_CIDR':'10.0.1.0/24','TagList':[{'Key':'tier','Value':'web'}]}]}");
	_cleanup_json_ json_t *info = NULL, *list = NULL, *tag = NULL;
	sp_iid v = iid_of("v"), n = iid_of("n"), none = iid_of("none");
	json_t *x = NULL;
	sp_error err;

	OK(drv->vpc->create(s, req, &info, &err));
	OK(drv->tag->list(s, "vpc", &v, &list, &err));
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(sget(json_array_get(list, 0), "Key"), "env");
	OK(drv->tag->add(s, "vpc", &v, "owner", "me", &err));
	OK(drv->tag->add(s, "VPC", &v, "env", "dev", &err));
	OK(drv->tag->get(s, "vpc", &v, "env", &tag, &err));
	assert_string_equal(sget(tag, "Key"), "env");
	assert_string_equal(sget(tag, "Value"), "dev");
	json_decref(list);
	OK(drv->tag->list(s, "vpc", &v, &list, &err));
	assert_int_equal(json_array_size(list), 2);
	FAILS(drv->tag->get(s, "vpc", &v, "nope", &x, &err), SP_ERR_NOT_FOUND, "tag 'nope' does not exist on vpc 'v'");
	FAILS(drv->tag->remove(s, "vpc", &v, "nope", &err), SP_ERR_NOT_FOUND, "tag 'nope' does not exist on vpc 'v'");
	OK(drv->tag->remove(s, "vpc", &v, "env", &err));
	json_decref(info);
	info = get_info(drv->vpc, s, "v");
	assert_int_equal(json_array_size(json_object_get(info, "TagList")), 1);
	assert_string_equal(sget(json_array_get(json_object_get(info, "TagList"), 0), "Key"), "owner");

	/* Subnets keep theirs inside the VPC. */
	json_decref(list);
	OK(drv->tag->list(s, "subnet", &n, &list, &err));
	assert_int_equal(json_array_size(list), 1);
	OK(drv->tag->add(s, "subnet", &n, "zone", "", &err));
	json_decref(tag);
	OK(drv->tag->get(s, "subnet", &n, "zone", &tag, &err));
	assert_string_equal(sget(tag, "Value"), "");
	OK(drv->tag->remove(s, "subnet", &n, "tier", &err));
	json_decref(info);
	info = get_info(drv->vpc, s, "v");
	assert_string_equal(sget(json_array_get(json_object_get(json_array_get(json_object_get(info, "SubnetInfoList"), 0), "TagList"), 0), "Key"), "zone");
	assert_int_equal(json_array_size(json_object_get(info, "TagList")), 1);
	FAILS(drv->tag->get(s, "subnet", &n, "tier", &x, &err), SP_ERR_NOT_FOUND, "tag 'tier' does not exist on subnet 'n'");
	FAILS(drv->tag->list(s, "subnet", &none, &x, &err), SP_ERR_NOT_FOUND, "subnet 'none' does not exist");

	/* Every type. */
	mk_sg(s, "g", "v");
	mk_disk(s, "d");
	mk_vm(s, "vm", "v", "n", "g");
	static const char *const types[][2] = { { "sg", "g" }, { "disk", "d" }, { "vm", "vm" } };
	for (size_t i = 0; i < ELEMENTSOF(types); i++) {
		sp_iid iid = iid_of(types[i][1]);

		OK(drv->tag->add(s, types[i][0], &iid, "k", "v", &err));
		json_decref(tag);
		OK(drv->tag->get(s, types[i][0], &iid, "k", &tag, &err));
		assert_string_equal(sget(tag, "Value"), "v");
		FAILS(drv->tag->add(s, types[i][0], &none, "k", "v", &err), SP_ERR_NOT_FOUND, "'none' does not exist");
	}
	FAILS(drv->tag->add(s, "keypair", &none, "k", "v", &err), SP_ERR_NOT_FOUND, "key pair 'none' does not exist");
	FAILS(drv->tag->add(s, "myimage", &none, "k", "v", &err), SP_ERR_NOT_FOUND, "my image 'none' does not exist");
	FAILS(drv->tag->add(s, "nlb", &v, "k", "v", &err), SP_ERR_INVALID, "tag resource type 'nlb' is unknown");
	FAILS(drv->tag->list(s, "bucket", &v, &x, &err), SP_ERR_INVALID, "type 'bucket' is unknown");
	FAILS(drv->tag->add(s, "vpc", &v, "", "v", &err), SP_ERR_INVALID, "tag key is required");
	json_decref(info);
	info = get_info(drv->vm, s, "vm");
	assert_string_equal(sget(json_array_get(json_object_get(info, "TagList"), 0), "Key"), "k");
	drv->close(s);
}

static int anycall_count(sp_session *s, const char *rs, sp_error *err)
{
	_cleanup_json_ json_t *req = jq("{'FID':'countAll','IKeyValueList':[{'Key':'rsType','Value':'%s'}]}", rs);
	_cleanup_json_ json_t *out = NULL;
	json_t *kv;

	memset(err, 0, sizeof(*err));
	if (drv->anycall(s, req, &out, err) < 0)
		return -1;
	assert_string_equal(sget(out, "FID"), "countAll");
	assert_true(json_equal(json_object_get(out, "IKeyValueList"), json_object_get(req, "IKeyValueList")));
	kv = json_array_get(json_object_get(out, "OKeyValueList"), 0);
	assert_string_equal(sget(kv, "Key"), "Count");
	return (int)strtol(sget(kv, "Value"), NULL, 10);
}

static void test_anycall(void **state)
{
	sp_session *s = open_mars(*state);
	_cleanup_json_ json_t *req = NULL;
	json_t *x = NULL;
	sp_iid vm = iid_of("vm-2");
	sp_error err;

	mk_net(s);
	mk_vpc(s, "v2", "n2");
	mk_disk(s, "d");
	mk_vm(s, "vm-1", "v", "n", "g");
	mk_vm(s, "vm-2", "v", "n", "g");
	assert_int_equal(anycall_count(s, "vpc", &err), 2);
	assert_int_equal(anycall_count(s, "sg", &err), 1);
	assert_int_equal(anycall_count(s, "keypair", &err), 0);
	assert_int_equal(anycall_count(s, "disk", &err), 1);
	assert_int_equal(anycall_count(s, "myimage", &err), 0);
	assert_int_equal(anycall_count(s, "vm", &err), 2);
	OK(drv->vm->remove(s, &vm, &err));
	assert_int_equal(anycall_count(s, "vm", &err), 1);
	assert_int_equal(anycall_count(s, "nlb", &err), -1);
	expect_error(&err, SP_ERR_INVALID, "rsType 'nlb' is unknown");
	req = jq("{'FID':'countAll','IKeyValueList':[]}");
	FAILS(drv->anycall(s, req, &x, &err), SP_ERR_INVALID, "'rsType'");
	json_decref(req);
	req = jq("{'FID':'reboot','IKeyValueList':[{'Key':'rsType','Value':'vm'}]}");
	FAILS(drv->anycall(s, req, &x, &err), SP_ERR_INVALID, "FID 'reboot' is unknown");
	drv->close(s);
}

/* Call new operation op; 0 or -1.  Results are dropped. */
static int call_new_op(sp_session *s, int op, sp_error *err)
{
	_cleanup_json_ json_t *req = jq("{'IId':{'NameId':'x'}}");
	_cleanup_json_ json_t *out = NULL;
	sp_iid iid = iid_of("x");
	sp_vm_status st;

	switch (op) {
	case 0: return drv->vpc->create(s, req, &out, err);
	case 1: return drv->vpc->list(s, &out, err);
	case 2: return drv->vpc->get(s, &iid, &out, err);
	case 3: return drv->vpc->remove(s, &iid, err);
	case 4: return drv->subnet->add(s, &iid, req, &out, err);
	case 5: return drv->subnet->remove(s, &iid, &iid, err);
	case 6: return drv->sg->create(s, req, &out, err);
	case 7: return drv->sg->list(s, &out, err);
	case 8: return drv->sg->get(s, &iid, &out, err);
	case 9: return drv->sg->remove(s, &iid, err);
	case 10: return drv->sgrule->add(s, &iid, req, &out, err);
	case 11: return drv->sgrule->remove(s, &iid, req, err);
	case 12: return drv->keypair->create(s, req, &out, err);
	case 13: return drv->keypair->list(s, &out, err);
	case 14: return drv->keypair->get(s, &iid, &out, err);
	case 15: return drv->keypair->remove(s, &iid, err);
	case 16: return drv->vm->create(s, req, &out, err);
	case 17: return drv->vm->list(s, &out, err);
	case 18: return drv->vm->get(s, &iid, &out, err);
	case 19: return drv->vm->remove(s, &iid, err);
	case 20: return drv->vmctl->control(s, &iid, SP_VM_SUSPEND, &st, err);
	case 21: return drv->vmctl->control(s, &iid, SP_VM_RESUME, &st, err);
	case 22: return drv->vmctl->control(s, &iid, SP_VM_REBOOT, &st, err);
	case 23: return drv->vmctl->get_status(s, &iid, &st, err);
	case 24: return drv->disk->create(s, req, &out, err);
	case 25: return drv->disk->list(s, &out, err);
	case 26: return drv->disk->get(s, &iid, &out, err);
	case 27: return drv->disk->remove(s, &iid, err);
	case 28: return drv->diskctl->resize(s, &iid, "10", err);
	case 29: return drv->diskctl->attach(s, &iid, &iid, &out, err);
	case 30: return drv->diskctl->detach(s, &iid, &iid, err);
	case 31: return drv->myimage->create(s, req, &out, err);
	case 32: return drv->myimage->list(s, &out, err);
	case 33: return drv->myimage->get(s, &iid, &out, err);
	case 34: return drv->myimage->remove(s, &iid, err);
	case 35: return drv->tag->add(s, "vpc", &iid, "k", "v", err);
	case 36: return drv->tag->list(s, "vpc", &iid, &out, err);
	case 37: return drv->tag->get(s, "vpc", &iid, "k", &out, err);
	case 38: return drv->tag->remove(s, "vpc", &iid, "k", err);
	case 39: return drv->anycall(s, req, &out, err);
	}
	return -2;
}

static const char *const new_op_names[] = {
	"CreateVPC", "ListVPC", "GetVPC", "DeleteVPC", "AddSubnet", "RemoveSubnet",
	"CreateSecurityGroup", "ListSecurityGroup", "GetSecurityGroup",
	"DeleteSecurityGroup", "AddRules", "RemoveRules", "CreateKey", "ListKey",
	"GetKey", "DeleteKey", "StartVM", "ListVM", "GetVM", "TerminateVM",
	"SuspendVM", "ResumeVM", "RebootVM", "GetVMStatus", "CreateDisk",
	"ListDisk", "GetDisk", "DeleteDisk", "ChangeDiskSize", "AttachDisk",
	"DetachDisk", "SnapshotVM", "ListMyImage", "GetMyImage", "DeleteMyImage",
	"AddTag", "ListTag", "GetTag", "RemoveTag", "AnyCall",
};

static void test_fail_new_ops(void **state)
{
	char all[1024] = "";
	const sp_kv region[] = { { "Region", "mars" } };
	sp_session *s = NULL;
	sp_error err;

	/* Each name is known, and each method checks its own. */
	for (size_t op = 0; op < ELEMENTSOF(new_op_names); op++) {
		const sp_kv cred[] = { { "MockName", "t" }, { "MockFailOp", new_op_names[op] } };
		char want[128];

		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", op ? "," : "", new_op_names[op]);
		assert_int_equal(OPEN(*state, cred, region, &s, &err), 0);
		snprintf(want, sizeof(want), "mock: injected failure of '%s'", new_op_names[op]);
		for (int other = 0; other < (int)ELEMENTSOF(new_op_names); other++) {
			int rc;

			/* Spare the slow key generation where it proves little. */
			if (other == 12 && op != 12)
				continue;
			rc = call_new_op(s, other, &err);

			if (other == (int)op) {
				assert_int_equal(rc, -1);
				assert_int_equal(err.code, SP_ERR_CLOUD);
				assert_string_equal(err.message, want);
			} else if (rc < 0 && err.code == SP_ERR_CLOUD) {
				fail_msg("op %d failed with '%s'", other, err.message);
			}
		}
		drv->close(s);
	}
	{
		const sp_kv cred[] = { { "MockName", "t" }, { "MockFailOp", all } };

		assert_int_equal(OPEN(*state, cred, region, &s, &err), 0);
		for (int op = 0; op < (int)ELEMENTSOF(new_op_names); op++) {
			assert_int_equal(call_new_op(s, op, &err), -1);
			assert_int_equal(err.code, SP_ERR_CLOUD);
		}
		drv->close(s);
	}
}

/* An injected failure, or one found half way, leaves nothing behind. */
static void test_fail_leaves_nothing(void **state)
{
	const sp_kv cred[] = { { "MockName", "t" }, { "MockFailOp", "StartVM,CreateVPC,CreateDisk,DeleteDisk,TerminateVM,AttachDisk" } };
	const sp_kv region[] = { { "Region", "mars" } };
	sp_session *bad = NULL, *s = open_mars(*state);
	_cleanup_json_ json_t *req = NULL, *disk = NULL;
	sp_iid d1 = iid_of("d1"), vm = iid_of("vm-1");
	json_t *x = NULL;
	sp_error err;

	mk_net(s);
	mk_disk(s, "d1");
	mk_disk(s, "d2");
	mk_vm(s, "vm-1", "v", "n", "g");
	assert_int_equal(OPEN(*state, cred, region, &bad, &err), 0);
	req = vm_req("vm-2", "v", "n", "g");
	json_object_set_new(req, "DataDiskIIDs", jq("[{'NameId':'d1'}]"));
	FAILS(vm_create(bad, req, &err), SP_ERR_CLOUD, "'StartVM'");
	FAILS(drv->disk->remove(bad, &d1, &err), SP_ERR_CLOUD, "'DeleteDisk'");
	FAILS(drv->vm->remove(bad, &vm, &err), SP_ERR_CLOUD, "'TerminateVM'");
	FAILS(drv->diskctl->attach(bad, &d1, &vm, &x, &err), SP_ERR_CLOUD, "'AttachDisk'");
	assert_int_equal(list_size(drv->vm, s), 1);
	assert_int_equal(list_size(drv->disk, s), 2);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_RUNNING);
	disk = get_info(drv->disk, s, "d1");
	assert_string_equal(sget(disk, "Status"), "Available");
	drv->close(bad);

	/* The second data disk is taken: the first stays free. */
	{
		_cleanup_json_ json_t *r = vm_req("vm-3", "v", "n", "g");
		sp_iid d2 = iid_of("d2");

		OK(drv->diskctl->attach(s, &d2, &vm, &x, &err));
		json_decref(x);
		json_object_set_new(r, "DataDiskIIDs", jq("[{'NameId':'d1'},{'NameId':'d2'}]"));
		FAILS(vm_create(s, r, &err), SP_ERR_CONFLICT, "disk 'd2' is attached to vm 'vm-1'");
	}
	json_decref(disk);
	disk = get_info(drv->disk, s, "d1");
	assert_string_equal(sget(disk, "Status"), "Available");
	assert_int_equal(list_size(drv->vm, s), 1);
	drv->close(s);
}

static int user_version(const char *dir, const char *name)
{
	char path[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v = -1;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Everything survives the last session's close (the daemon's restart). */
static void test_resource_persistence(void **state)
{
	const char *dir = *state;
	sp_session *s = open_delays(dir, "0");
	sp_session *slow = open_delays(dir, "300");
	_cleanup_json_ json_t *kreq = jq("{'IId':{'NameId':'k'}}"), *key = NULL, *req = NULL, *before = NULL, *after = NULL;
	sp_iid vm1 = iid_of("vm-1"), vm2 = iid_of("vm-2"), vm3 = iid_of("vm-3"), d = iid_of("d"), n = iid_of("n");
	sp_vm_status st;
	json_t *x;
	sp_error err;

	mk_net(s);
	OK(drv->keypair->create(s, kreq, &key, &err));
	mk_disk(s, "d");
	mk_vm(s, "vm-1", "v", "n", "g");
	mk_vm(s, "vm-2", "v", "n", "g");
	mk_vm(s, "vm-3", "v", "n", "g");
	OK(drv->diskctl->attach(s, &d, &vm1, &x, &err));
	json_decref(x);
	OK(drv->tag->add(s, "subnet", &n, "k", "v", &err));
	OK(drv->vmctl->control(s, &vm1, SP_VM_SUSPEND, &st, &err));
	OK(drv->vm->remove(s, &vm2, &err));
	OK(drv->vmctl->control(slow, &vm3, SP_VM_SUSPEND, &st, &err));
	OK(drv->vm->list(s, &before, &err));
	drv->close(s);
	drv->close(slow);
	assert_int_equal(user_version(dir, "t"), 2);

	s = open_mars(dir);
	assert_int_equal(list_size(drv->vpc, s), 1);
	assert_int_equal(list_size(drv->sg, s), 1);
	assert_int_equal(list_size(drv->keypair, s), 1);
	assert_int_equal(list_size(drv->disk, s), 1);
	OK(drv->vm->list(s, &after, &err));
	assert_true(json_equal(before, after));
	assert_int_equal(json_array_size(after), 2);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_SUSPENDED);
	assert_int_equal(vm_status(s, "vm-2"), SP_VM_TERMINATED);
	assert_int_equal(vm_status(s, "vm-3"), SP_VM_SUSPENDING);
	x = get_info(drv->disk, s, "d");
	assert_string_equal(sget(x, "Status"), "Attached");
	json_decref(x);
	x = get_info(drv->vpc, s, "v");
	assert_string_equal(sget(json_array_get(json_object_get(json_array_get(json_object_get(x, "SubnetInfoList"), 0), "TagList"), 0), "Key"), "k");
	json_decref(x);
	/* IDs are still taken, and the subnet index was rebuilt. */
	req = jq("{'IId':{'NameId':'v9'},'IPv4_CIDR':'10.0.0.0/16','SubnetInfoList':[{'IId':{'NameId':'n'},'IPv4_CIDR':'10.0.1.0/24'}]}");
	FAILS(drv->vpc->create(s, req, &x, &err), SP_ERR_CONFLICT, "subnet 'n' already exists");
	sleep_ms(350);
	assert_int_equal(vm_status(s, "vm-3"), SP_VM_SUSPENDED);
	drv->close(s);

	/* A version 1 file (catalogue only) is taken up and migrated. */
	{
		const sp_kv cred[] = { { "MockName", "old" } };
		const sp_kv region[] = { { "Region", "mars" } };

		assert_int_equal(OPEN(dir, cred, region, &s, &err), 0);
		drv->close(s);
		run_sql(dir, "old", "PRAGMA user_version = 1");
		assert_int_equal(OPEN(dir, cred, region, &s, &err), 0);
		assert_int_equal(user_version(dir, "old"), 2);
		assert_int_equal(list_size(drv->vm, s), 0);
		mk_vpc(s, "v", "n");
		drv->close(s);
	}

	/* A broken resource row is refused, naming it. */
	run_sql(dir, "t", "UPDATE objects SET doc = json_remove(doc, '$.state') WHERE kind = 'vm' AND id = 'vm-1'");
	{
		const sp_kv cred[] = { { "MockName", "t" } };
		const sp_kv region[] = { { "Region", "mars" } };

		assert_int_equal(OPEN(dir, cred, region, &s, &err), -1);
		expect_error(&err, SP_ERR_UNAVAILABLE, "bad vm row 'vm-1'");
	}
}

/* Terminated VMs go from the state file ten minutes after they ended. */
static void test_vm_purge(void **state)
{
	sp_session *s = open_mars(*state);
	sp_iid vm1 = iid_of("vm-1");
	json_t *x = NULL;
	sp_error err;

	mk_net(s);
	mk_vm(s, "vm-1", "v", "n", "g");
	mk_vm(s, "vm-2", "v", "n", "g");
	OK(drv->vm->remove(s, &vm1, &err));
	drv->close(s);
	run_sql(*state, "t", "UPDATE objects SET doc = json_set(doc, '$.until_ms', json_extract(doc, '$.until_ms') - 600001) WHERE kind = 'vm' AND id = 'vm-1'");
	s = open_mars(*state);
	assert_int_equal(vm_status(s, "vm-1"), SP_VM_TERMINATED);
	mk_vm(s, "vm-3", "v", "n", "g");
	FAILS(drv->vm->get(s, &vm1, &x, &err), SP_ERR_NOT_FOUND, "vm 'vm-1' does not exist");
	assert_int_equal(vm_status(s, "vm-2"), SP_VM_RUNNING);
	drv->close(s);
}

struct vm_worker {
	sp_session *s;
	pthread_barrier_t *start;
	char name[32];
	int rc;
	sp_error err;
	long polls;
};

static void *vm_worker_run(void *arg)
{
	struct vm_worker *w = arg;
	_cleanup_json_ json_t *req = vm_req(w->name, "v", "n", "g");

	pthread_barrier_wait(w->start);
	w->rc = vm_create(w->s, req, &w->err);
	return NULL;
}

static void *status_worker_run(void *arg)
{
	struct vm_worker *w = arg;
	sp_iid iid = iid_of("vm-0");

	pthread_barrier_wait(w->start);
	for (int i = 0; i < 2000; i++) {
		sp_vm_status st;

		w->polls++;
		if (drv->vmctl->get_status(w->s, &iid, &st, &w->err) < 0 || st != SP_VM_RUNNING)
			w->rc = -1;
	}
	return NULL;
}

/* 16 threads make distinct VMs and 8 one more, all at once, on two
 * sessions, while others poll a status: each distinct one is made, and
 * of the 8 exactly one wins. */
static void test_vm_concurrency(void **state)
{
	enum { DISTINCT = 16, SAME = 8, POLLERS = 4, ALL = DISTINCT + SAME + POLLERS };
	sp_session *s1 = open_mars(*state), *s2 = open_mars(*state);
	struct vm_worker w[ALL];
	pthread_t t[ALL];
	pthread_barrier_t start;
	int won = 0;

	mk_net(s1);
	mk_vm(s1, "vm-0", "v", "n", "g");
	pthread_barrier_init(&start, NULL, ALL);
	for (int i = 0; i < ALL; i++) {
		w[i] = (struct vm_worker){ .s = i % 2 ? s1 : s2, .start = &start };
		if (i < DISTINCT)
			snprintf(w[i].name, sizeof(w[i].name), "vm-%d", i + 1);
		else
			snprintf(w[i].name, sizeof(w[i].name), "same");
		assert_int_equal(pthread_create(&t[i], NULL, i < DISTINCT + SAME ? vm_worker_run : status_worker_run, &w[i]), 0);
	}
	for (int i = 0; i < ALL; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < DISTINCT; i++)
		if (w[i].rc != 0)
			fail_msg("%s: %s", w[i].name, w[i].err.message);
	for (int i = DISTINCT; i < DISTINCT + SAME; i++) {
		if (w[i].rc == 0) {
			won++;
			continue;
		}
		expect_error(&w[i].err, SP_ERR_CONFLICT, "vm 'same' already exists");
	}
	assert_int_equal(won, 1);
	for (int i = DISTINCT + SAME; i < ALL; i++)
		assert_int_equal(w[i].rc, 0);
	assert_int_equal(list_size(drv->vm, s2), DISTINCT + 2);
	drv->close(s1);
	drv->close(s2);
}

/* The lines of a text file, "" when it is missing. */
static char *read_text(const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	return text;
}

static void expect_access(json_t *info, const char *ip, const char *ap)
{
	json_t *nic = json_array_get(json_object_get(info, "NICs"), 0);

	assert_string_equal(sget(info, "PublicIP"), ip);
	assert_string_equal(json_string_value(json_array_get(json_object_get(info, "PublicIPs"), 0)), ip);
	assert_string_equal(json_string_value(json_array_get(json_object_get(nic, "PublicIPs"), 0)), ip);
	assert_string_equal(sget(info, "SSHAccessPoint"), ap);
	assert_string_equal(sget(info, "AccessPoint"), ap);
}

static json_t *vm_req_key(const char *vm, const char *key)
{
	json_t *req = vm_req(vm, "v", "n", "g");

	json_object_set_new(req, "KeyPairIID", jq("{'NameId':'%s'}", key));
	return req;
}

static void *key_worker_run(void *arg)
{
	struct vm_worker *w = arg;
	_cleanup_json_ json_t *req = vm_req_key(w->name, "k1");

	pthread_barrier_wait(w->start);
	w->rc = vm_create(w->s, req, &w->err);
	return NULL;
}

/* MockSSHAccessPoint and MockAuthorizedKeysFile. */
static void test_vm_ssh_knobs(void **state)
{
	enum { WORKERS = 8 };
	const char *dir = *state;
	char keys[512], want[8192];
	const sp_kv cred[] = { { "MockName", "t" }, { "MockSSHAccessPoint", "10.9.9.9:1" }, { "MockAuthorizedKeysFile", keys } };
	const sp_kv region[] = { { "Region", "mars" }, { "MockSSHAccessPoint", "127.0.0.1:2222" } };
	const sp_kv off[] = { { "Region", "mars" }, { "MockSSHAccessPoint", "" }, { "MockAuthorizedKeysFile", "" } };
	_cleanup_json_ json_t *k1 = NULL, *k2 = NULL, *info = NULL, *got = NULL, *list = NULL, *plain_info = NULL;
	_cleanup_json_ json_t *kreq1 = jq("{'IId':{'NameId':'k1'}}"), *kreq2 = jq("{'IId':{'NameId':'k2'}}");
	_cleanup_json_ json_t *req = NULL;
	struct vm_worker w[WORKERS];
	pthread_t t[WORKERS];
	pthread_barrier_t start;
	sp_session *s = NULL, *plain = NULL;
	struct stat st;
	sp_error err;
	char *line;
	size_t lines = 0;

	snprintf(keys, sizeof(keys), "%s/authorized_keys", dir);
	OK(OPEN(dir, cred, region, &s, &err));
	OK(OPEN(dir, cred, off, &plain, &err));
	mk_net(s);
	OK(drv->keypair->create(s, kreq1, &k1, &err));
	OK(drv->keypair->create(s, kreq2, &k2, &err));
	assert_false(file_exists(dir, "authorized_keys"));

	/* The region's access point wins over the credential's. */
	req = vm_req_key("vm-1", "k1");
	OK(drv->vm->create(s, req, &info, &err));
	expect_access(info, "127.0.0.1", "127.0.0.1:2222");
	got = get_info(drv->vm, s, "vm-1");
	expect_access(got, "127.0.0.1", "127.0.0.1:2222");
	OK(drv->vm->list(s, &list, &err));
	expect_access(json_array_get(list, 0), "127.0.0.1", "127.0.0.1:2222");
	/* Another connection to the same cloud without the knob sees the
	 * fake address. */
	plain_info = get_info(drv->vm, plain, "vm-1");
	expect_access(plain_info, "4.3.2.1", "4.3.2.1:22");

	/* The key pair's public key, one line, in a 0600 file. */
	snprintf(want, sizeof(want), "%s\n", sget(k1, "PublicKey"));
	assert_string_equal(read_text(keys), want);
	assert_int_equal(stat(keys, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* No key pair: no line; a failed create: no line either. */
	mk_vm(s, "vm-2", "v", "n", "g");
	assert_string_equal(read_text(keys), want);
	json_decref(req);
	req = vm_req_key("vm-3", "nokey");
	FAILS(vm_create(s, req, &err), SP_ERR_NOT_FOUND, "key pair 'nokey' does not exist");
	assert_string_equal(read_text(keys), want);
	/* A connection without the file appends nothing. */
	json_decref(req);
	req = vm_req_key("vm-4", "k2");
	OK(vm_create(plain, req, &err));
	assert_string_equal(read_text(keys), want);
	json_decref(req);
	req = vm_req_key("vm-5", "k2");
	OK(vm_create(s, req, &err));
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s\n", sget(k2, "PublicKey"));
	assert_string_equal(read_text(keys), want);

	/* Concurrent creates: every line whole. */
	pthread_barrier_init(&start, NULL, WORKERS);
	for (int i = 0; i < WORKERS; i++) {
		w[i] = (struct vm_worker){ .s = s, .start = &start };
		snprintf(w[i].name, sizeof(w[i].name), "par-%d", i);
		assert_int_equal(pthread_create(&t[i], NULL, key_worker_run, &w[i]), 0);
	}
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < WORKERS; i++)
		if (w[i].rc != 0)
			fail_msg("%s: %s", w[i].name, w[i].err.message);
	for (line = read_text(keys); *line; line = strchr(line, '\n') + 1) {
		size_t len = strcspn(line, "\n");

		assert_int_equal(line[len], '\n');
		if (lines < 2)
			assert_int_equal(strncmp(line, lines ? sget(k2, "PublicKey") : sget(k1, "PublicKey"), len), 0);
		else
			assert_int_equal(strncmp(line, sget(k1, "PublicKey"), len), 0);
		assert_int_equal(len, strlen(lines == 1 ? sget(k2, "PublicKey") : sget(k1, "PublicKey")));
		lines++;
	}
	assert_int_equal(lines, 2 + WORKERS);
	drv->close(s);
	drv->close(plain);
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
		cmocka_unit_test_setup_teardown(test_vpc, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sg, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_keypair, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_keypair_ssh_keygen, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_shape, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_create_errors, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_states, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_states_instant, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_statuses, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_dependencies, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_disk, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_myimage, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_tags, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_anycall, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fail_new_ops, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_fail_leaves_nothing, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_resource_persistence, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_purge, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_concurrency, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_vm_ssh_knobs, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, load_driver, NULL);
}
