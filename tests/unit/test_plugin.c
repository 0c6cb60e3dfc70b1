/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_plugin.c - core/plugin.h: loading the driver directory, resolving a
 * registration to a plugin, and checking driver tables.
 */
#include <dlfcn.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/plugin.h"
#include "util/common.h"

#ifndef SP_TEST_DRIVER_DIR
#error "SP_TEST_DRIVER_DIR must name the directory holding mock.so"
#endif

static void sp_plugins_freep(sp_plugins **p)
{
	sp_plugins_free(*p);
}
#define _cleanup_plugins_ _cleanup_(sp_plugins_freep)

static sp_plugins *load(const char *dir)
{
	sp_plugins *p = NULL;
	sp_error err = { 0 };

	if (sp_plugins_load(dir, &p, &err) < 0)
		fail_msg("sp_plugins_load('%s'): %s", dir, err.message);
	assert_non_null(p);
	return p;
}

/* ---- the build's driver directory --------------------------------------- */

static void test_load_driver_dir(void **state)
{
	_cleanup_plugins_ sp_plugins *p = load(SP_TEST_DRIVER_DIR);
	const sp_plugin *mock = sp_plugins_by_provider(p, "MOCK");

	assert_string_equal(sp_plugins_dir(p), SP_TEST_DRIVER_DIR);
	assert_non_null(mock);
	assert_string_equal(mock->file, "mock.so");
	assert_string_equal(mock->driver->provider, "MOCK");
	assert_string_equal(mock->driver->name, "mock");
	assert_int_equal(mock->driver->abi_version, SP_DRIVER_ABI_VERSION);
	assert_non_null(mock->driver->open);
	assert_ptr_equal(sp_plugins_by_file(p, "mock.so"), mock);
	assert_ptr_equal(sp_plugins_by_provider(p, "mock"), mock);
	assert_null(sp_plugins_by_file(p, "Mock.so"));
	assert_null(sp_plugins_by_file(p, NULL));
	assert_null(sp_plugins_by_provider(p, "NOSUCH"));
	assert_null(sp_plugins_by_provider(p, NULL));
}

static void expect_resolves(const sp_plugins *p, const char *provider,
			    const char *lib_file, const char *want_file)
{
	sp_error err = { 0 };
	const sp_plugin *pl = sp_plugins_resolve(p, provider, lib_file, &err);

	if (!pl)
		fail_msg("resolve(%s, %s): %s", provider, lib_file ? lib_file : "(null)",
			 err.message);
	assert_string_equal(pl->file, want_file);
}

static void expect_refused(const sp_plugins *p, const char *provider,
			   const char *lib_file, const char *want)
{
	sp_error err = { 0 };
	const sp_plugin *pl = sp_plugins_resolve(p, provider, lib_file, &err);

	if (pl)
		fail_msg("resolve(%s, %s) gave '%s'", provider,
			 lib_file ? lib_file : "(null)", pl->file);
	assert_int_equal(err.code, SP_ERR_INVALID);
	if (!strstr(err.message, want))
		fail_msg("resolve(%s, %s): message '%s' lacks '%s'", provider,
			 lib_file ? lib_file : "(null)", err.message, want);
}

static void test_resolve(void **state)
{
	_cleanup_plugins_ sp_plugins *p = load(SP_TEST_DRIVER_DIR);

	expect_resolves(p, "MOCK", "mock.so", "mock.so");
	expect_resolves(p, "mock", "mock.so", "mock.so");
	/* The original's file names are not installed: the provider's
	 * plugin serves them. */
	expect_resolves(p, "MOCK", "mock-driver-v1.0.so", "mock.so");
	expect_resolves(p, "MOCK", NULL, "mock.so");
	expect_resolves(p, "MOCK", "", "mock.so");
}

static void test_resolve_paths_refused(void **state)
{
	static const char *const paths[] = {
		"../x.so", "/abs/mock.so", "a/b.so", "..", "../mock.so", "./mock.so",
		"mock.so/", SP_TEST_DRIVER_DIR "/mock.so", "..mock.so",
	};
	_cleanup_plugins_ sp_plugins *p = load(SP_TEST_DRIVER_DIR);

	for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
		expect_refused(p, "MOCK", paths[i], "no '/' or '..'");
		expect_refused(p, "MOCK", paths[i], paths[i]);
	}
}

static void test_resolve_wrong_provider(void **state)
{
	_cleanup_plugins_ sp_plugins *p = load(SP_TEST_DRIVER_DIR);

	/* A known provider without a plugin. */
	expect_refused(p, "GCP", NULL, "no driver plugin for provider 'GCP'");
	expect_refused(p, "GCP", "gcp-driver-v1.0.so", "no driver plugin for provider 'GCP'");
	/* An unknown provider. */
	expect_refused(p, "NOSUCH", NULL, "'NOSUCH'");
	/* The named file is installed but serves another provider. */
	expect_refused(p, "GCP", "mock.so", "mock.so' is a driver for MOCK, not GCP");
}

/* ---- sp_plugin_check_table -------------------------------------------- */

static int stub_open(const sp_host *host, void *host_ctx, const sp_conn_info *info,
		     sp_session **ret_session, sp_error *err)
{
	return sp_error_set(err, SP_ERR_INTERNAL, "stub");
}

static void stub_close(sp_session *s)
{
}

static const sp_driver good = {
	.name = "stub",
	.abi_version = SP_DRIVER_ABI_VERSION,
	.size = sizeof(sp_driver),
	.provider = "MOCK",
	.version = "0",
	.open = stub_open,
	.close = stub_close,
};

static void expect_table_refused(const sp_driver *d, const char *want)
{
	sp_error err = { 0 };

	assert_int_equal(sp_plugin_check_table(d, "stub.so", &err), -1);
	if (!strstr(err.message, "'stub.so'") || !strstr(err.message, want))
		fail_msg("message '%s' lacks 'stub.so' or '%s'", err.message, want);
}

static void test_check_table(void **state)
{
	sp_driver d;

	assert_int_equal(sp_plugin_check_table(&good, "stub.so", NULL), 0);
	/* A table from a newer build of the same ABI is larger: fine. */
	d = good;
	d.size = sizeof(sp_driver) + 64;
	assert_int_equal(sp_plugin_check_table(&d, "stub.so", NULL), 0);
	/* Optional parts may be missing. */
	d = good;
	d.version = NULL;
	d.check = NULL;
	d.regionzone = NULL;
	assert_int_equal(sp_plugin_check_table(&d, "stub.so", NULL), 0);
	d = good;
	d.provider = "mock";
	assert_int_equal(sp_plugin_check_table(&d, "stub.so", NULL), 0);
}

static void test_check_table_refused(void **state)
{
	sp_driver d;
	char want[128];

	expect_table_refused(NULL, "no table");

	d = good;
	d.abi_version = SP_DRIVER_ABI_VERSION + 1;
	snprintf(want, sizeof(want), "ABI version %u", SP_DRIVER_ABI_VERSION + 1);
	expect_table_refused(&d, want);
	d.abi_version = 0;
	expect_table_refused(&d, "ABI version 0");

	d = good;
	d.size = sizeof(sp_driver) - 1;
	snprintf(want, sizeof(want), "table is %zu bytes, expected %zu",
		 sizeof(sp_driver) - 1, sizeof(sp_driver));
	expect_table_refused(&d, want);
	d.size = 0;
	expect_table_refused(&d, "table is 0 bytes");

	d = good;
	d.open = NULL;
	expect_table_refused(&d, "lacks");
	d = good;
	d.close = NULL;
	expect_table_refused(&d, "lacks");
	d = good;
	d.name = NULL;
	expect_table_refused(&d, "lacks");
	d = good;
	d.provider = NULL;
	expect_table_refused(&d, "lacks");

	d = good;
	d.provider = "NOSUCH";
	expect_table_refused(&d, "unknown provider 'NOSUCH'");
}

static void test_check_table_version_first(void **state)
{
	/* A table of another ABI is not read past its version: everything
	 * else here is nonsense, and the message is about the version. */
	sp_driver d;

	memset(&d, 0, sizeof(d));
	d.abi_version = 99;
	expect_table_refused(&d, "ABI version 99");
}

/* ---- a directory with bad files ----------------------------------------- */

typedef struct fixture {
	char *dir;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int dir_setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->dir = strdup("/tmp/spider-plugin-test-XXXXXX");
	if (!f->dir || !mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int dir_teardown(void **state)
{
	fixture *f = *state;
	int rc = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(f->dir);
	free(f);
	return rc;
}

static char *path_in(const fixture *f, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", f->dir, name) < 0)
		fail_msg("out of memory");
	return p;
}

static void copy_file(const char *from, const fixture *f, const char *name)
{
	_cleanup_free_ char *to = path_in(f, name);
	_cleanup_fclose_ FILE *in = fopen(from, "re");
	_cleanup_fclose_ FILE *out = fopen(to, "we");
	char buf[65536];
	size_t n;

	if (!in || !out)
		fail_msg("copy '%s' to '%s': %s", from, to, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
}

static void write_text(const fixture *f, const char *name, const char *text)
{
	_cleanup_free_ char *path = path_in(f, name);
	_cleanup_fclose_ FILE *out = fopen(path, "we");

	assert_non_null(out);
	fputs(text, out);
}

static void test_load_skips_bad_files(void **state)
{
	fixture *f = *state;
	_cleanup_plugins_ sp_plugins *p = NULL;
	_cleanup_free_ char *subdir = path_in(f, "dir.so");
	Dl_info info;

	copy_file(SP_TEST_DRIVER_DIR "/mock.so", f, "mock.so");
	/* Garbage that only has the right name. */
	write_text(f, "bad.so", "this is not an ELF file\n");
	write_text(f, "empty.so", "");
	/* A real shared library that is not a plugin (no entry symbol). */
	assert_true(dladdr((void *)json_object, &info) != 0);
	assert_non_null(info.dli_fname);
	copy_file(info.dli_fname, f, "libother.so");
	/* Not candidates at all. */
	assert_int_equal(mkdir(subdir, 0700), 0);
	write_text(f, "notes.txt", "hello\n");
	copy_file(SP_TEST_DRIVER_DIR "/mock.so", f, ".hidden.so");
	copy_file(SP_TEST_DRIVER_DIR "/mock.so", f, "mock.so.bak");
	copy_file(SP_TEST_DRIVER_DIR "/mock.so", f, ".so");

	p = load(f->dir);
	assert_non_null(sp_plugins_by_file(p, "mock.so"));
	assert_ptr_equal(sp_plugins_by_provider(p, "MOCK"), sp_plugins_by_file(p, "mock.so"));
	assert_null(sp_plugins_by_file(p, "bad.so"));
	assert_null(sp_plugins_by_file(p, "empty.so"));
	assert_null(sp_plugins_by_file(p, "libother.so"));
	assert_null(sp_plugins_by_file(p, "dir.so"));
	assert_null(sp_plugins_by_file(p, "notes.txt"));
	assert_null(sp_plugins_by_file(p, ".hidden.so"));
	assert_null(sp_plugins_by_file(p, "mock.so.bak"));
	assert_null(sp_plugins_by_file(p, ".so"));
	expect_resolves(p, "MOCK", "bad.so", "mock.so");
}

static void test_first_plugin_by_file_name(void **state)
{
	fixture *f = *state;
	_cleanup_plugins_ sp_plugins *p = NULL;

	copy_file(SP_TEST_DRIVER_DIR "/mock.so", f, "mock.so");
	copy_file(SP_TEST_DRIVER_DIR "/mock.so", f, "a-mock.so");
	p = load(f->dir);
	assert_non_null(sp_plugins_by_file(p, "mock.so"));
	assert_non_null(sp_plugins_by_file(p, "a-mock.so"));
	/* Two plugins for one provider: the first by name serves it... */
	assert_string_equal(sp_plugins_by_provider(p, "MOCK")->file, "a-mock.so");
	expect_resolves(p, "MOCK", NULL, "a-mock.so");
	expect_resolves(p, "MOCK", "nosuch.so", "a-mock.so");
	/* ...unless the registration names the other. */
	expect_resolves(p, "MOCK", "mock.so", "mock.so");
}

static void test_empty_dir(void **state)
{
	fixture *f = *state;
	_cleanup_plugins_ sp_plugins *p = load(f->dir);

	assert_null(sp_plugins_by_provider(p, "MOCK"));
	expect_refused(p, "MOCK", "mock.so", "no driver plugin for provider 'MOCK'");
	/* The message names the directory searched. */
	expect_refused(p, "MOCK", NULL, f->dir);
}

static void test_missing_dir(void **state)
{
	fixture *f = *state;
	_cleanup_free_ char *missing = path_in(f, "no-such-dir");
	sp_plugins *p = (sp_plugins *)&p;
	sp_error err = { 0 };

	assert_int_equal(sp_plugins_load(missing, &p, &err), -1);
	assert_ptr_equal(p, (sp_plugins *)&p);
	assert_non_null(strstr(err.message, missing));
	assert_non_null(strstr(err.message, strerror(ENOENT)));

	/* A file is not a directory either. */
	write_text(f, "file", "x");
	{
		_cleanup_free_ char *file = path_in(f, "file");

		assert_int_equal(sp_plugins_load(file, &p, &err), -1);
		assert_non_null(strstr(err.message, file));
	}
	sp_plugins_free(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, dir_setup, dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_driver_dir),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_paths_refused),
		cmocka_unit_test(test_resolve_wrong_provider),
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_check_table_refused),
		cmocka_unit_test(test_check_table_version_first),
		T(test_load_skips_bad_files),
		T(test_first_plugin_by_file_name),
		T(test_empty_dir),
		T(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
