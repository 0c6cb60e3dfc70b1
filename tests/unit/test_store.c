/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c - the SQLite metadata store: CIM rows, references, the call
 * history, restarts, schema versions, and readers next to writers.
 */
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "store/store.h"
#include "util/common.h"

/* String literals for the char * fields of records we only read. */
#define S(lit) ((char *)(lit))

typedef struct fixture {
	char *dir;
	char *path;   /* <dir>/spider.db */
	sp_store *st;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int store_setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	sp_error err = { 0 };

	if (!f)
		return -1;
	f->dir = strdup("/tmp/spider-store-test-XXXXXX");
	if (!f->dir || !mkdtemp(f->dir) ||
	    asprintf(&f->path, "%s/spider.db", f->dir) < 0)
		return -1;
	if (sp_store_sqlite_open(f->path, &f->st, &err) < 0) {
		print_error("sp_store_sqlite_open: %s\n", err.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int store_teardown(void **state)
{
	fixture *f = *state;
	int rc;

	sp_store_close(f->st);
	rc = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->path);
	free(f->dir);
	free(f);
	return rc;
}

/* ---- helpers ---------------------------------------------------------- */

static int put(sp_store *st, sp_cim_kind kind, const char *name,
	       const char *provider, const char *doc, const char *secret,
	       const char *driver, const char *cred, const char *region,
	       sp_error *err)
{
	sp_cim_row row = {
		.name = (char *)name,
		.provider = (char *)provider,
		.doc = (char *)doc,
		.secret = (char *)secret,
		.refs = { (char *)driver, (char *)cred, (char *)region },
	};

	return sp_store_cim_put(st, kind, &row, err);
}

static void put_ok(sp_store *st, sp_cim_kind kind, const char *name,
		   const char *provider, const char *doc)
{
	sp_error err = { 0 };

	if (put(st, kind, name, provider, doc, NULL, NULL, NULL, NULL, &err) < 0)
		fail_msg("put '%s': %s", name, err.message);
}

static void put_conn_ok(sp_store *st, const char *name, const char *driver,
			const char *cred, const char *region)
{
	sp_error err = { 0 };

	if (put(st, SP_CIM_CONNECTION, name, "MOCK", "{}", NULL, driver, cred,
		region, &err) < 0)
		fail_msg("put connection '%s': %s", name, err.message);
}

/* A driver, a credential and a region called d1, c1, r1. */
static void put_setup_objects(sp_store *st)
{
	sp_error err = { 0 };

	put_ok(st, SP_CIM_DRIVER, "d1", "MOCK", "{\"DriverName\":\"d1\"}");
	assert_int_equal(put(st, SP_CIM_CREDENTIAL, "c1", "MOCK", "{\"CredentialName\":\"c1\"}",
			     "v1:sealed", NULL, NULL, NULL, &err), 0);
	put_ok(st, SP_CIM_REGION, "r1", "MOCK", "{\"RegionName\":\"r1\"}");
}

static size_t count(sp_store *st, sp_cim_kind kind, const char *provider)
{
	sp_error err = { 0 };
	size_t n = 9999;

	if (sp_store_cim_count(st, kind, provider, &n, &err) < 0)
		fail_msg("count: %s", err.message);
	return n;
}

/* List names as "a,b,c". */
static void expect_list(sp_store *st, sp_cim_kind kind, const char *provider,
			const char *want)
{
	sp_cim_row **rows = NULL;
	size_t n = 0;
	sp_error err = { 0 };
	char got[1024] = "";
	size_t len = 0;

	if (sp_store_cim_list(st, kind, provider, &rows, &n, &err) < 0)
		fail_msg("list: %s", err.message);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
					i ? "," : "", rows[i]->name);
	sp_cim_rows_free(rows, n);
	assert_string_equal(got, want);
}

static void expect_not_found(sp_store *st, sp_cim_kind kind, const char *name)
{
	sp_cim_row *row = NULL;
	sp_error err = { 0 };
	char want[256];

	assert_int_equal(sp_store_cim_get(st, kind, name, &row, &err), -1);
	assert_null(row);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	snprintf(want, sizeof(want), "%s: does not exist!", name);
	assert_string_equal(err.message, want);
}

static int64_t pragma_user_version(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		print_error("%s: %s\n", sql, msg);
		sqlite3_free(msg);
		sqlite3_close(db);
		fail();
	}
	sqlite3_close(db);
}

/* ---- CIM rows --------------------------------------------------------- */

/* The store keeps at most SP_CIM_MAX objects of a kind: a new name past
 * that is refused, an existing one can still be replaced. */
static void test_cim_cap(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };
	char sql[256];

	/* Fill up to the cap in one transaction behind the store's back. */
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
		 "INSERT INTO cim (kind, name, provider, doc, updated_ms) "
		 "SELECT %d, 'r' || i, 'MOCK', '{}', 0 FROM n",
		 SP_CIM_MAX, SP_CIM_REGION);
	sql_exec(f->path, sql);
	assert_int_equal(count(f->st, SP_CIM_REGION, NULL), SP_CIM_MAX);

	assert_int_equal(put(f->st, SP_CIM_REGION, "one-more", "MOCK", "{}", NULL,
			     NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, SP_ERR_CONFLICT);
	assert_non_null(strstr(err.message, "10000 regions already"));
	put_ok(f->st, SP_CIM_REGION, "r5", "MOCK", "{\"RegionName\":\"r5\"}");
	/* Other kinds have their own room. */
	put_ok(f->st, SP_CIM_DRIVER, "d1", "MOCK", "{}");
	assert_int_equal(count(f->st, SP_CIM_REGION, NULL), SP_CIM_MAX);
}

static void test_open_ping(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };

	assert_string_equal(f->st->ops->name, "sqlite");
	assert_int_equal(sp_store_ping(f->st, &err), 0);
	assert_int_equal(count(f->st, SP_CIM_DRIVER, NULL), 0);
	expect_list(f->st, SP_CIM_CONNECTION, NULL, "");
}

static void test_open_bad_path(void **state)
{
	sp_store *st = (sp_store *)&st;
	sp_error err = { 0 };

	assert_int_equal(sp_store_sqlite_open("/nonexistent-dir/x/spider.db", &st, &err), -1);
	assert_ptr_equal(st, (sp_store *)&st);
	assert_int_equal(err.code, SP_ERR_UNAVAILABLE);
	assert_non_null(strstr(err.message, "/nonexistent-dir/x/spider.db"));
}

static void test_cim_put_get(void **state)
{
	fixture *f = *state;
	_cleanup_(sp_cim_row_freep) sp_cim_row *row = NULL;
	_cleanup_(sp_cim_row_freep) sp_cim_row *cred = NULL;
	sp_error err = { 0 };
	int64_t before = sp_now_ms();

	put_setup_objects(f->st);
	assert_int_equal(sp_store_cim_get(f->st, SP_CIM_DRIVER, "d1", &row, &err), 0);
	assert_string_equal(row->name, "d1");
	assert_string_equal(row->provider, "MOCK");
	assert_string_equal(row->doc, "{\"DriverName\":\"d1\"}");
	assert_null(row->secret);
	for (size_t i = 0; i < ELEMENTSOF(row->refs); i++)
		assert_null(row->refs[i]);
	assert_in_range(row->updated_ms, before - 1000, sp_now_ms() + 1000);

	assert_int_equal(sp_store_cim_get(f->st, SP_CIM_CREDENTIAL, "c1", &cred, &err), 0);
	assert_string_equal(cred->secret, "v1:sealed");
}

static void test_cim_kinds_are_separate(void **state)
{
	fixture *f = *state;

	put_ok(f->st, SP_CIM_DRIVER, "same", "MOCK", "{\"k\":\"driver\"}");
	expect_not_found(f->st, SP_CIM_CREDENTIAL, "same");
	expect_not_found(f->st, SP_CIM_REGION, "same");
	expect_not_found(f->st, SP_CIM_CONNECTION, "same");
	assert_int_equal(count(f->st, SP_CIM_CREDENTIAL, NULL), 0);
	put_ok(f->st, SP_CIM_REGION, "same", "AWS", "{\"k\":\"region\"}");
	{
		_cleanup_(sp_cim_row_freep) sp_cim_row *d = NULL;
		_cleanup_(sp_cim_row_freep) sp_cim_row *r = NULL;

		assert_int_equal(sp_store_cim_get(f->st, SP_CIM_DRIVER, "same", &d, NULL), 0);
		assert_int_equal(sp_store_cim_get(f->st, SP_CIM_REGION, "same", &r, NULL), 0);
		assert_string_equal(d->doc, "{\"k\":\"driver\"}");
		assert_string_equal(r->doc, "{\"k\":\"region\"}");
	}
}

static void test_cim_get_missing(void **state)
{
	fixture *f = *state;

	expect_not_found(f->st, SP_CIM_DRIVER, "nope");
	put_ok(f->st, SP_CIM_DRIVER, "d1", "MOCK", "{}");
	expect_not_found(f->st, SP_CIM_DRIVER, "D1");   /* names are exact */
	expect_not_found(f->st, SP_CIM_DRIVER, "d1 ");
}

static void test_cim_list_ordered_and_filtered(void **state)
{
	fixture *f = *state;

	put_ok(f->st, SP_CIM_DRIVER, "m-02", "MOCK", "{}");
	put_ok(f->st, SP_CIM_DRIVER, "a-01", "AWS", "{}");
	put_ok(f->st, SP_CIM_DRIVER, "z-09", "AWS", "{}");
	put_ok(f->st, SP_CIM_DRIVER, "B-00", "GCP", "{}");
	put_ok(f->st, SP_CIM_DRIVER, "m-01", "MOCK", "{}");
	put_ok(f->st, SP_CIM_REGION, "a-00", "AWS", "{}");

	expect_list(f->st, SP_CIM_DRIVER, NULL, "B-00,a-01,m-01,m-02,z-09");
	expect_list(f->st, SP_CIM_DRIVER, "AWS", "a-01,z-09");
	expect_list(f->st, SP_CIM_DRIVER, "MOCK", "m-01,m-02");
	expect_list(f->st, SP_CIM_DRIVER, "AZURE", "");
	expect_list(f->st, SP_CIM_REGION, NULL, "a-00");
	expect_list(f->st, SP_CIM_CREDENTIAL, NULL, "");

	assert_int_equal(count(f->st, SP_CIM_DRIVER, NULL), 5);
	assert_int_equal(count(f->st, SP_CIM_DRIVER, "AWS"), 2);
	assert_int_equal(count(f->st, SP_CIM_DRIVER, "GCP"), 1);
	assert_int_equal(count(f->st, SP_CIM_DRIVER, "AZURE"), 0);
	assert_int_equal(count(f->st, SP_CIM_REGION, "AWS"), 1);
}

static void test_cim_upsert_replaces(void **state)
{
	fixture *f = *state;
	_cleanup_(sp_cim_row_freep) sp_cim_row *row = NULL;
	sp_error err = { 0 };

	assert_int_equal(put(f->st, SP_CIM_CREDENTIAL, "c1", "AWS", "{\"v\":1}", "v1:old",
			     NULL, NULL, NULL, &err), 0);
	assert_int_equal(put(f->st, SP_CIM_CREDENTIAL, "c1", "GCP", "{\"v\":2}", "v1:new",
			     NULL, NULL, NULL, &err), 0);
	assert_int_equal(count(f->st, SP_CIM_CREDENTIAL, NULL), 1);
	assert_int_equal(count(f->st, SP_CIM_CREDENTIAL, "AWS"), 0);
	assert_int_equal(count(f->st, SP_CIM_CREDENTIAL, "GCP"), 1);
	assert_int_equal(sp_store_cim_get(f->st, SP_CIM_CREDENTIAL, "c1", &row, &err), 0);
	assert_string_equal(row->provider, "GCP");
	assert_string_equal(row->doc, "{\"v\":2}");
	assert_string_equal(row->secret, "v1:new");
	sp_cim_row_free(TAKE_PTR(row));

	/* Replacing with no secret drops the old one. */
	assert_int_equal(put(f->st, SP_CIM_CREDENTIAL, "c1", "GCP", "{\"v\":3}", NULL,
			     NULL, NULL, NULL, &err), 0);
	assert_int_equal(sp_store_cim_get(f->st, SP_CIM_CREDENTIAL, "c1", &row, &err), 0);
	assert_null(row->secret);
}

static void test_cim_delete(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };

	put_ok(f->st, SP_CIM_DRIVER, "d1", "MOCK", "{}");
	put_ok(f->st, SP_CIM_DRIVER, "d2", "MOCK", "{}");
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_DRIVER, "d1", &err), 0);
	expect_not_found(f->st, SP_CIM_DRIVER, "d1");
	expect_list(f->st, SP_CIM_DRIVER, NULL, "d2");
	/* A missing row is not an error, nor is a row of another kind. */
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_DRIVER, "d1", &err), 0);
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_REGION, "d2", &err), 0);
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_CONNECTION, "never", &err), 0);
	expect_list(f->st, SP_CIM_DRIVER, NULL, "d2");
}

/* ---- references --------------------------------------------------------- */

static void test_connection_refs(void **state)
{
	fixture *f = *state;
	_cleanup_(sp_cim_row_freep) sp_cim_row *row = NULL;
	sp_error err = { 0 };

	put_setup_objects(f->st);
	put_conn_ok(f->st, "conn-1", "d1", "c1", "r1");
	assert_int_equal(sp_store_cim_get(f->st, SP_CIM_CONNECTION, "conn-1", &row, &err), 0);
	assert_string_equal(row->refs[SP_CIM_DRIVER], "d1");
	assert_string_equal(row->refs[SP_CIM_CREDENTIAL], "c1");
	assert_string_equal(row->refs[SP_CIM_REGION], "r1");
	assert_null(row->secret);
}

static void test_connection_missing_ref(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *driver, *cred, *region, *missing;
	} cases[] = {
		{ "nodrv", "c1", "r1", "nodrv" },
		{ "d1", "nocred", "r1", "nocred" },
		{ "d1", "c1", "noregion", "noregion" },
		/* Names exist, but as other kinds. */
		{ "c1", "c1", "r1", "c1" },
		{ "d1", "r1", "r1", "r1" },
		{ "d1", "c1", "d1", "d1" },
	};

	put_setup_objects(f->st);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sp_error err = { 0 };
		char want[128];

		assert_int_equal(put(f->st, SP_CIM_CONNECTION, "conn-x", "MOCK", "{}", NULL,
				     cases[i].driver, cases[i].cred, cases[i].region, &err), -1);
		assert_int_equal(err.code, SP_ERR_INVALID);
		snprintf(want, sizeof(want), "%s: does not exist!", cases[i].missing);
		assert_string_equal(err.message, want);
		/* Nothing was stored. */
		assert_int_equal(count(f->st, SP_CIM_CONNECTION, NULL), 0);
	}
	/* The failed transactions left the store usable. */
	put_conn_ok(f->st, "conn-x", "d1", "c1", "r1");
	assert_int_equal(count(f->st, SP_CIM_CONNECTION, NULL), 1);
}

static void test_delete_referenced(void **state)
{
	fixture *f = *state;
	static const struct {
		sp_cim_kind kind;
		const char *name, *what;
	} cases[] = {
		{ SP_CIM_DRIVER, "d1", "driver 'd1'" },
		{ SP_CIM_CREDENTIAL, "c1", "credential 'c1'" },
		{ SP_CIM_REGION, "r1", "region 'r1'" },
	};

	put_setup_objects(f->st);
	put_conn_ok(f->st, "conn-b", "d1", "c1", "r1");
	put_conn_ok(f->st, "conn-a", "d1", "c1", "r1");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sp_error err = { 0 };
		_cleanup_(sp_cim_row_freep) sp_cim_row *row = NULL;

		assert_int_equal(sp_store_cim_delete(f->st, cases[i].kind, cases[i].name, &err), -1);
		assert_int_equal(err.code, SP_ERR_CONFLICT);
		if (!strstr(err.message, cases[i].what) || !strstr(err.message, "'conn-a'"))
			fail_msg("delete %s: message '%s'", cases[i].name, err.message);
		/* Still there. */
		assert_int_equal(sp_store_cim_get(f->st, cases[i].kind, cases[i].name, &row, &err), 0);
	}

	/* Once no connection uses them, they go. */
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_CONNECTION, "conn-a", NULL), 0);
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_CREDENTIAL, "c1", NULL), -1);
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_CONNECTION, "conn-b", NULL), 0);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sp_error err = { 0 };

		if (sp_store_cim_delete(f->st, cases[i].kind, cases[i].name, &err) < 0)
			fail_msg("delete %s: %s", cases[i].name, err.message);
		expect_not_found(f->st, cases[i].kind, cases[i].name);
	}
}

static void test_connection_replace_moves_refs(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };

	put_setup_objects(f->st);
	put(f->st, SP_CIM_CREDENTIAL, "c2", "MOCK", "{}", "v1:x", NULL, NULL, NULL, &err);
	put_conn_ok(f->st, "conn-1", "d1", "c1", "r1");
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_CREDENTIAL, "c1", &err), -1);
	/* Re-point the connection: c1 is free, c2 is not. */
	put_conn_ok(f->st, "conn-1", "d1", "c2", "r1");
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_CREDENTIAL, "c1", &err), 0);
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_CREDENTIAL, "c2", &err), -1);
	assert_int_equal(err.code, SP_ERR_CONFLICT);
}

/* ---- restarts and schema versions ------------------------------------- */

static void test_reopen_keeps_data(void **state)
{
	fixture *f = *state;
	_cleanup_(sp_cim_row_freep) sp_cim_row *row = NULL;
	sp_hiscall_rec rec = { .time_ms = 1234, .connection = S("conn-1"), .cloudos = S("MOCK"),
			       .regionzone = S("default/default-z1"), .resource_type = S("VM"),
			       .resource_name = S("vm-1"), .cloud_api = S("StartVM()"), .elapsed = 0.5,
			       .error = S("") };
	sp_hiscall_filter flt = { .limit = 10 };
	sp_hiscall_rec *recs = NULL;
	sp_error err = { 0 };
	int64_t version;
	size_t n = 0;

	put_setup_objects(f->st);
	put_conn_ok(f->st, "conn-1", "d1", "c1", "r1");
	assert_int_equal(sp_store_hiscall_append(f->st, &rec, 1, 100, &err), 0);
	version = pragma_user_version(f->path);
	assert_true(version >= 1);

	sp_store_close(f->st);
	f->st = NULL;
	if (sp_store_sqlite_open(f->path, &f->st, &err) < 0)
		fail_msg("reopen: %s", err.message);
	assert_int_equal(pragma_user_version(f->path), version);

	assert_int_equal(sp_store_cim_get(f->st, SP_CIM_CONNECTION, "conn-1", &row, &err), 0);
	assert_string_equal(row->refs[SP_CIM_CREDENTIAL], "c1");
	assert_int_equal(count(f->st, SP_CIM_DRIVER, NULL), 1);
	assert_int_equal(count(f->st, SP_CIM_CREDENTIAL, NULL), 1);
	assert_int_equal(count(f->st, SP_CIM_REGION, NULL), 1);
	assert_int_equal(sp_store_hiscall_query(f->st, &flt, &recs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(recs[0].cloud_api, "StartVM()");
	sp_hiscall_recs_free(recs, n);
	/* The references still hold after the restart. */
	assert_int_equal(sp_store_cim_delete(f->st, SP_CIM_REGION, "r1", &err), -1);
	assert_int_equal(err.code, SP_ERR_CONFLICT);
}

static void test_future_schema_refused(void **state)
{
	fixture *f = *state;
	sp_store *st = NULL;
	sp_error err = { 0 };
	int64_t version = pragma_user_version(f->path);
	char sql[64];

	put_ok(f->st, SP_CIM_DRIVER, "d1", "MOCK", "{}");
	sp_store_close(f->st);
	f->st = NULL;

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)version + 1);
	sql_exec(f->path, sql);
	assert_int_equal(sp_store_sqlite_open(f->path, &st, &err), -1);
	assert_null(st);
	assert_true(err.code != SP_ERR_NONE);
	assert_non_null(strstr(err.message, "newer"));
	/* Refusing did not touch the version. */
	assert_int_equal(pragma_user_version(f->path), version + 1);

	/* Back to the known version, the data is all there. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)version);
	sql_exec(f->path, sql);
	if (sp_store_sqlite_open(f->path, &f->st, &err) < 0)
		fail_msg("reopen: %s", err.message);
	assert_int_equal(count(f->st, SP_CIM_DRIVER, NULL), 1);
}

static void test_not_a_database(void **state)
{
	fixture *f = *state;
	_cleanup_free_ char *path = NULL;
	sp_store *st = NULL;
	sp_error err = { 0 };
	FILE *fp;

	assert_true(asprintf(&path, "%s/garbage.db", f->dir) > 0);
	fp = fopen(path, "we");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database file. ", fp);
	fclose(fp);
	assert_int_equal(sp_store_sqlite_open(path, &st, &err), -1);
	assert_null(st);
	assert_true(err.message[0] != '\0');
}

/* ---- call history ------------------------------------------------------ */

static void append_recs(sp_store *st, size_t first, size_t n, size_t keep_max)
{
	static const char *const conns[] = { "c1", "c2", "c1", "c1", "c2" };
	static const char *const types[] = { "VM", "VMSPEC", "vm", "VPC/SUBNET", "VM" };
	static const char *const errors[] = { "", "boom", "", "fail \"quoted\"", "" };
	sp_hiscall_rec recs[32];
	char names[32][16];
	sp_error err = { 0 };

	assert_true(n <= ELEMENTSOF(recs));
	for (size_t i = 0; i < n; i++) {
		size_t k = first + i;

		snprintf(names[i], sizeof(names[i]), "r%zu", k);
		recs[i] = (sp_hiscall_rec){
			.time_ms = (int64_t)(k + 1) * 1000,
			.connection = (char *)conns[k % 5],
			.cloudos = S("MOCK"),
			.regionzone = S("default/default-z1"),
			.resource_type = (char *)types[k % 5],
			.resource_name = names[i],
			.cloud_api = S("ListVMSpec()"),
			.elapsed = 0.25 * (double)k,
			.error = (char *)errors[k % 5],
		};
	}
	if (sp_store_hiscall_append(st, recs, n, keep_max, &err) < 0)
		fail_msg("hiscall_append: %s", err.message);
}

/* Query and list resource names, newest first, as "r4,r3". */
static void expect_query(sp_store *st, const sp_hiscall_filter *flt,
			 const char *want)
{
	sp_hiscall_rec *recs = NULL;
	size_t n = 0, len = 0;
	sp_error err = { 0 };
	char got[1024] = "";

	if (sp_store_hiscall_query(st, flt, &recs, &n, &err) < 0)
		fail_msg("hiscall_query: %s", err.message);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
					i ? "," : "", recs[i].resource_name);
	sp_hiscall_recs_free(recs, n);
	assert_string_equal(got, want);
}

static void test_hiscall_fields(void **state)
{
	fixture *f = *state;
	sp_hiscall_filter flt = { .limit = 1 };
	sp_hiscall_rec *recs = NULL;
	sp_error err = { 0 };
	size_t n = 0;

	append_recs(f->st, 0, 4, 100);
	assert_int_equal(sp_store_hiscall_query(f->st, &flt, &recs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(recs[0].time_ms, 4000);
	assert_string_equal(recs[0].connection, "c1");
	assert_string_equal(recs[0].cloudos, "MOCK");
	assert_string_equal(recs[0].regionzone, "default/default-z1");
	assert_string_equal(recs[0].resource_type, "VPC/SUBNET");
	assert_string_equal(recs[0].resource_name, "r3");
	assert_string_equal(recs[0].cloud_api, "ListVMSpec()");
	assert_float_equal(recs[0].elapsed, 0.75, 1e-9);
	assert_string_equal(recs[0].error, "fail \"quoted\"");
	sp_hiscall_recs_free(recs, n);
}

static void test_hiscall_null_fields(void **state)
{
	fixture *f = *state;
	sp_hiscall_rec rec = { .time_ms = 1, .resource_name = S("only-name") };
	sp_hiscall_filter flt = { .limit = 5 };
	sp_hiscall_rec *recs = NULL;
	size_t n = 0;

	/* NULL strings are stored as "" (the columns are NOT NULL). */
	assert_int_equal(sp_store_hiscall_append(f->st, &rec, 1, 10, NULL), 0);
	assert_int_equal(sp_store_hiscall_query(f->st, &flt, &recs, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(recs[0].connection, "");
	assert_string_equal(recs[0].error, "");
	assert_string_equal(recs[0].resource_name, "only-name");
	sp_hiscall_recs_free(recs, n);
}

static void test_hiscall_filters(void **state)
{
	fixture *f = *state;

	/* r0..r4 at 1000..5000 ms:
	 *   r0 c1 VM          ok
	 *   r1 c2 VMSPEC      "boom"
	 *   r2 c1 vm          ok
	 *   r3 c1 VPC/SUBNET  "fail"
	 *   r4 c2 VM          ok */
	append_recs(f->st, 0, 5, 100);

	expect_query(f->st, &(sp_hiscall_filter){ .limit = 100 }, "r4,r3,r2,r1,r0");
	expect_query(f->st, &(sp_hiscall_filter){ .limit = 2 }, "r4,r3");
	expect_query(f->st, &(sp_hiscall_filter){ .limit = 5 }, "r4,r3,r2,r1,r0");
	expect_query(f->st, &(sp_hiscall_filter){ .connection = "c1", .limit = 100 }, "r3,r2,r0");
	expect_query(f->st, &(sp_hiscall_filter){ .connection = "c2", .limit = 100 }, "r4,r1");
	expect_query(f->st, &(sp_hiscall_filter){ .connection = "C1", .limit = 100 }, "");
	expect_query(f->st, &(sp_hiscall_filter){ .connection = "c9", .limit = 100 }, "");
	expect_query(f->st, &(sp_hiscall_filter){ .resource_type = S("VM"), .limit = 100 }, "r4,r2,r0");
	expect_query(f->st, &(sp_hiscall_filter){ .resource_type = S("vm"), .limit = 100 }, "r4,r2,r0");
	expect_query(f->st, &(sp_hiscall_filter){ .resource_type = S("vpc/subnet"), .limit = 100 }, "r3");
	expect_query(f->st, &(sp_hiscall_filter){ .resource_type = S("VMS"), .limit = 100 }, "");
	expect_query(f->st, &(sp_hiscall_filter){ .errors_only = true, .limit = 100 }, "r3,r1");
	expect_query(f->st, &(sp_hiscall_filter){ .since_ms = 2000, .limit = 100 }, "r4,r3,r2,r1");
	expect_query(f->st, &(sp_hiscall_filter){ .until_ms = 3000, .limit = 100 }, "r2,r1,r0");
	expect_query(f->st, &(sp_hiscall_filter){ .since_ms = 2000, .until_ms = 3000, .limit = 100 }, "r2,r1");
	expect_query(f->st, &(sp_hiscall_filter){ .since_ms = 2001, .until_ms = 2999, .limit = 100 }, "");
	expect_query(f->st, &(sp_hiscall_filter){ .connection = "c1", .errors_only = true, .limit = 100 }, "r3");
	expect_query(f->st, &(sp_hiscall_filter){ .connection = "c1", .resource_type = S("vm"), .limit = 1 }, "r2");
}

static void test_hiscall_trim(void **state)
{
	fixture *f = *state;

	append_recs(f->st, 0, 6, 100);
	expect_query(f->st, &(sp_hiscall_filter){ .limit = 100 }, "r5,r4,r3,r2,r1,r0");
	/* The batch goes in, then only the newest keep_max stay. */
	append_recs(f->st, 6, 4, 5);
	expect_query(f->st, &(sp_hiscall_filter){ .limit = 100 }, "r9,r8,r7,r6,r5");
	/* A batch larger than keep_max keeps its newest records. */
	append_recs(f->st, 10, 8, 3);
	expect_query(f->st, &(sp_hiscall_filter){ .limit = 100 }, "r17,r16,r15");
	append_recs(f->st, 18, 1, 3);
	expect_query(f->st, &(sp_hiscall_filter){ .limit = 100 }, "r18,r17,r16");
}

/* ---- readers and writers ------------------------------------------------ */

/* In WAL mode a reader never waits for a writer: hold a write transaction
 * open on another connection to the same file (a stand-in for a long write,
 * even by another process) and read through the store meanwhile.  The
 * transaction is EXCLUSIVE: in rollback-journal mode that locks readers
 * out, and a reader that waited would sit out the store's 10 s busy
 * timeout and fail. */
static void test_read_during_long_write(void **state)
{
	fixture *f = *state;
	sqlite3 *db = NULL;
	char *msg = NULL;
	double t0, elapsed;
	sp_error err = { 0 };

	put_setup_objects(f->st);
	append_recs(f->st, 0, 3, 100);
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	{
		sqlite3_stmt *st = NULL;

		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
	}
	if (sqlite3_exec(db,
			 "BEGIN EXCLUSIVE;"
			 "INSERT INTO cim (kind, name, provider, doc, updated_ms) VALUES (0, 'uncommitted', 'MOCK', '{}', 0);"
			 "UPDATE cim SET doc = '{\"changed\":1}' WHERE name = 'd1';"
			 "DELETE FROM hiscall;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		print_error("%s\n", msg);
		sqlite3_free(msg);
		sqlite3_close(db);
		fail();
	}

	t0 = sp_now_mono();
	{
		_cleanup_(sp_cim_row_freep) sp_cim_row *row = NULL;
		sp_cim_row **rows = NULL;
		sp_hiscall_rec *recs = NULL;
		size_t n = 0;
		int rc;

		rc = sp_store_cim_get(f->st, SP_CIM_DRIVER, "d1", &row, &err);
		if (rc < 0) {
			sqlite3_close(db);
			fail_msg("cim_get during a write: %s", err.message);
		}
		/* The committed state, not the transaction's. */
		assert_string_equal(row->doc, "{\"DriverName\":\"d1\"}");
		expect_not_found(f->st, SP_CIM_DRIVER, "uncommitted");
		assert_int_equal(count(f->st, SP_CIM_DRIVER, NULL), 1);
		assert_int_equal(sp_store_cim_list(f->st, SP_CIM_REGION, NULL, &rows, &n, &err), 0);
		assert_int_equal(n, 1);
		sp_cim_rows_free(rows, n);
		assert_int_equal(sp_store_hiscall_query(f->st, &(sp_hiscall_filter){ .limit = 10 },
							&recs, &n, &err), 0);
		assert_int_equal(n, 3);
		sp_hiscall_recs_free(recs, n);
		assert_int_equal(sp_store_ping(f->st, &err), 0);
	}
	elapsed = sp_now_mono() - t0;

	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	if (elapsed > 5.0)
		fail_msg("reads took %.3f s while a write transaction was open", elapsed);

	/* The store writes again once the other writer is gone. */
	put_ok(f->st, SP_CIM_DRIVER, "d2", "MOCK", "{}");
}

#define THREADS 6
#define ROUNDS 30

typedef struct worker {
	sp_store *st;
	int id;
	int failures;
	char first_error[SP_ERROR_MESSAGE_MAX + 64];
} worker;

static void worker_fail(worker *w, const char *what, const sp_error *err)
{
	if (w->failures++ == 0)
		snprintf(w->first_error, sizeof(w->first_error), "%s: %s", what,
			 err ? err->message : "wrong result");
}

static void *writer_main(void *arg)
{
	worker *w = arg;

	for (int i = 0; i < ROUNDS; i++) {
		char name[64];
		sp_hiscall_rec rec = { .time_ms = i + 1, .connection = S("conc"), .cloudos = S("MOCK"),
				       .resource_type = S("VM"), .resource_name = name,
				       .cloud_api = S("X()"), .error = S("") };
		sp_error err = { 0 };

		snprintf(name, sizeof(name), "w%d-%03d", w->id, i);
		if (put(w->st, SP_CIM_DRIVER, name, "MOCK", "{}", NULL, NULL, NULL, NULL, &err) < 0)
			worker_fail(w, "put", &err);
		if (put(w->st, SP_CIM_CONNECTION, name, "MOCK", "{}", NULL, name, "c1", "r1", &err) < 0)
			worker_fail(w, "put connection", &err);
		if (sp_store_hiscall_append(w->st, &rec, 1, 100000, &err) < 0)
			worker_fail(w, "hiscall_append", &err);
		if (i % 3 == 0 &&
		    (sp_store_cim_delete(w->st, SP_CIM_CONNECTION, name, &err) < 0 ||
		     sp_store_cim_delete(w->st, SP_CIM_DRIVER, name, &err) < 0))
			worker_fail(w, "delete", &err);
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	worker *w = arg;

	for (int i = 0; i < ROUNDS * 3; i++) {
		sp_cim_row *row = NULL, **rows = NULL;
		sp_hiscall_rec *recs = NULL;
		sp_error err = { 0 };
		size_t n = 0;

		if (sp_store_cim_get(w->st, SP_CIM_CREDENTIAL, "c1", &row, &err) < 0)
			worker_fail(w, "get", &err);
		else if (!sp_streq(row->secret, "v1:sealed"))
			worker_fail(w, "get secret", NULL);
		sp_cim_row_free(row);
		if (sp_store_cim_list(w->st, SP_CIM_CONNECTION, "MOCK", &rows, &n, &err) < 0)
			worker_fail(w, "list", &err);
		sp_cim_rows_free(rows, n);
		if (sp_store_cim_count(w->st, SP_CIM_DRIVER, NULL, &n, &err) < 0)
			worker_fail(w, "count", &err);
		if (sp_store_hiscall_query(w->st, &(sp_hiscall_filter){ .connection = "conc", .limit = 20 },
					   &recs, &n, &err) < 0)
			worker_fail(w, "hiscall_query", &err);
		sp_hiscall_recs_free(recs, n);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	fixture *f = *state;
	pthread_t th[2 * THREADS];
	worker w[2 * THREADS];
	sp_hiscall_rec *recs = NULL;
	size_t n = 0, want = 0;

	put_setup_objects(f->st);
	for (int i = 0; i < 2 * THREADS; i++) {
		w[i] = (worker){ .st = f->st, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, i % 2 ? reader_main : writer_main,
						&w[i]), 0);
	}
	for (int i = 0; i < 2 * THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2 * THREADS; i++)
		if (w[i].failures)
			fail_msg("thread %d: %d failures, first: %s", i, w[i].failures,
				 w[i].first_error);

	/* Every writer's surviving rows are there. */
	for (int i = 0; i < ROUNDS; i++)
		want += i % 3 != 0;
	assert_int_equal(count(f->st, SP_CIM_DRIVER, NULL), 1 + THREADS * want);
	assert_int_equal(count(f->st, SP_CIM_CONNECTION, "MOCK"), THREADS * want);
	assert_int_equal(sp_store_hiscall_query(f->st, &(sp_hiscall_filter){ .limit = 100000 },
						&recs, &n, NULL), 0);
	assert_int_equal(n, THREADS * ROUNDS);
	sp_hiscall_recs_free(recs, n);
}

#define T(f) cmocka_unit_test_setup_teardown(f, store_setup, store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_ping),
		cmocka_unit_test(test_open_bad_path),
		T(test_cim_put_get),
		T(test_cim_kinds_are_separate),
		T(test_cim_get_missing),
		T(test_cim_list_ordered_and_filtered),
		T(test_cim_upsert_replaces),
		T(test_cim_delete),
		T(test_cim_cap),
		T(test_connection_refs),
		T(test_connection_missing_ref),
		T(test_delete_referenced),
		T(test_connection_replace_moves_refs),
		T(test_reopen_keeps_data),
		T(test_future_schema_refused),
		T(test_not_a_database),
		T(test_hiscall_fields),
		T(test_hiscall_null_fields),
		T(test_hiscall_filters),
		T(test_hiscall_trim),
		T(test_read_during_long_write),
		T(test_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
