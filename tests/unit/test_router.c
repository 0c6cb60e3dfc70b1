/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_router.c - rest/router.c: matching real routes, path parameters,
 * query lookup, and the one mapping of errors to HTTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rest/rest.h"
#include "util/common.h"
#include "util/json.h"

/* Match a copy of path (the router decodes in place); returns the route
 * and leaves the request in *req, the copy in *ret_buf. */
static const sp_route *match(const char *method, const char *path, sp_req *req,
			     char **ret_buf, unsigned *ret_status)
{
	char *buf = strdup(path);

	assert_non_null(buf);
	memset(req, 0, sizeof(*req));
	*ret_buf = buf;
	return sp_router_match(method, buf, req, ret_status);
}

/* Expect method+path to reach pattern, with the parameter param = value
 * (param NULL: no parameters). */
static void expect_route(const char *method, const char *path,
			 const char *pattern, const char *param,
			 const char *value)
{
	_cleanup_free_ char *buf = NULL;
	sp_req req;
	unsigned status = 0;
	const sp_route *r = match(method, path, &req, &buf, &status);

	if (!r)
		fail_msg("%s %s: no route (status %u)", method, path, status);
	assert_int_equal(status, 200);
	if (strcmp(r->pattern, pattern) != 0 || strcmp(r->method, method) != 0)
		fail_msg("%s %s: matched %s %s, want %s", method, path, r->method,
			 r->pattern, pattern);
	assert_non_null(r->handler);
	if (!param) {
		assert_int_equal(req.n_params, 0);
		return;
	}
	assert_int_equal(req.n_params, 1);
	if (!sp_streq(sp_req_param(&req, param), value))
		fail_msg("%s %s: %s is '%s', want '%s'", method, path, param,
			 sp_req_param(&req, param) ? sp_req_param(&req, param) : "(null)",
			 value);
}

static void expect_status(const char *method, const char *path, unsigned want)
{
	_cleanup_free_ char *buf = NULL;
	sp_req req;
	unsigned status = 0;
	const sp_route *r = match(method, path, &req, &buf, &status);

	if (r)
		fail_msg("%s %s: matched %s, want %u", method, path, r->pattern, want);
	if (status != want)
		fail_msg("%s %s: status %u, want %u", method, path, status, want);
	assert_int_equal(req.n_params, 0);
}

/* ---- matching ----------------------------------------------------------- */

static void test_static_routes(void **state)
{
	expect_route("GET", "/spider/version", "/spider/version", NULL, NULL);
	expect_route("GET", "/spider/healthcheck", "/spider/healthcheck", NULL, NULL);
	expect_route("GET", "/spider/cloudos", "/spider/cloudos", NULL, NULL);
	expect_route("GET", "/spider/driver", "/spider/driver", NULL, NULL);
	expect_route("POST", "/spider/driver", "/spider/driver", NULL, NULL);
	expect_route("GET", "/spider/callhistory", "/spider/callhistory", NULL, NULL);
	expect_route("GET", "/spider/countconnectionconfig", "/spider/countconnectionconfig", NULL, NULL);
}

static void test_static_beats_param(void **state)
{
	/* /driver/capability is the catalog's, not a driver called so... */
	expect_route("GET", "/spider/driver/capability", "/spider/driver/capability", NULL, NULL);
	/* ...while any other name is a driver. */
	expect_route("GET", "/spider/driver/capabilities", "/spider/driver/:DriverName",
		     "DriverName", "capabilities");
	expect_route("GET", "/spider/driver/mock-driver01", "/spider/driver/:DriverName",
		     "DriverName", "mock-driver01");
	/* Only GET is shadowed: a driver called "capability" can be deleted. */
	expect_route("DELETE", "/spider/driver/capability", "/spider/driver/:DriverName",
		     "DriverName", "capability");
}

static void test_param_routes(void **state)
{
	expect_route("GET", "/spider/credential/cred-01", "/spider/credential/:CredentialName",
		     "CredentialName", "cred-01");
	expect_route("DELETE", "/spider/region/r1", "/spider/region/:RegionName",
		     "RegionName", "r1");
	expect_route("GET", "/spider/connectionconfig/conn.1", "/spider/connectionconfig/:ConfigName",
		     "ConfigName", "conn.1");
	expect_route("GET", "/spider/countdriver/AWS", "/spider/countdriver/:ProviderName",
		     "ProviderName", "AWS");
	expect_route("GET", "/spider/cloudos/metainfo/MOCK", "/spider/cloudos/metainfo/:CloudOSName",
		     "CloudOSName", "MOCK");
	expect_route("POST", "/spider/priceinfo/vm/us-east-1", "/spider/priceinfo/vm/:RegionName",
		     "RegionName", "us-east-1");
	expect_route("GET", "/spider/priceinfo/vm/us-east-1", "/spider/priceinfo/vm/:RegionName",
		     "RegionName", "us-east-1");
}

static void test_slashes_tolerated(void **state)
{
	expect_route("GET", "/spider/driver/", "/spider/driver", NULL, NULL);
	expect_route("GET", "/spider/driver//", "/spider/driver", NULL, NULL);
	expect_route("GET", "//spider//driver", "/spider/driver", NULL, NULL);
	expect_route("GET", "spider/driver", "/spider/driver", NULL, NULL);
	expect_route("GET", "/spider//driver//d1/", "/spider/driver/:DriverName", "DriverName", "d1");
	expect_route("GET", "/spider/vmimage/img-1/", "/spider/vmimage/:Name", "Name", "img-1");
}

static void test_percent_decoding(void **state)
{
	expect_route("GET", "/spider/vmimage/a%2Fb", "/spider/vmimage/:Name", "Name", "a/b");
	expect_route("GET", "/spider/vmimage/a%2fb%2Fc", "/spider/vmimage/:Name", "Name", "a/b/c");
	expect_route("GET", "/spider/vmimage/ubuntu%2022.04", "/spider/vmimage/:Name", "Name",
		     "ubuntu 22.04");
	/* '+' is a plain character in a path. */
	expect_route("GET", "/spider/vmimage/a+b", "/spider/vmimage/:Name", "Name", "a+b");
	expect_route("GET", "/spider/vmimage/%25", "/spider/vmimage/:Name", "Name", "%");
	expect_route("GET", "/spider/vmimage/caf%C3%A9", "/spider/vmimage/:Name", "Name", "caf\xc3\xa9");
	/* Static segments are decoded before matching too. */
	expect_route("GET", "/spider/%76ersion", "/spider/version", NULL, NULL);
	/* An encoded '/' stays inside its segment: it does not make a new one. */
	expect_status("GET", "/spider/driver%2Fd1", 404);
}

static void test_bad_escapes(void **state)
{
	static const char *const bad[] = {
		"/spider/vmimage/a%", "/spider/vmimage/a%2", "/spider/vmimage/a%zz",
		"/spider/vmimage/a%2g", "/spider/vmimage/a%g2", "/spider/vmimage/%00",
		"/spider/vmimage/a%00b", "/spider/%", "/spider/vmimage/%%41",
		"/spider/vmimage/%-1",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		expect_status("GET", bad[i], 404);
}

static void test_unknown_paths(void **state)
{
	static const char *const unknown[] = {
		"", "/", "//", "/spider", "/spider/", "/spider/nothing", "/other/version",
		"/spider/version/extra", "/spider/driver/d1/extra", "/SPIDER/VERSION",
		"/spider/Driver", "/spider/cloudos/metainfo", "/spider/priceinfo/vm",
		"/spider/countdriver/AWS/x",
	};

	for (size_t i = 0; i < ELEMENTSOF(unknown); i++)
		expect_status("GET", unknown[i], 404);
	expect_status("POST", "/spider/nothing", 404);
}

static void test_wrong_method(void **state)
{
	expect_status("PUT", "/spider/driver", 405);
	expect_status("DELETE", "/spider/driver", 405);
	expect_status("POST", "/spider/version", 405);
	expect_status("POST", "/spider/driver/d1", 405);
	expect_status("PATCH", "/spider/credential/c1", 405);
	expect_status("POST", "/spider/vmimage/img", 405);
	expect_status("DELETE", "/spider/callhistory", 405);
	expect_status("HEAD", "/spider/healthcheck", 405);
	/* Methods are case-sensitive (RFC 9110). */
	expect_status("get", "/spider/version", 405);
	/* The decoded path decides: %2F in the name keeps it one segment. */
	expect_status("POST", "/spider/driver/a%2Fb", 405);
}

static void test_too_many_segments(void **state)
{
	char path[512] = "/spider/driver/d1";
	size_t len = strlen(path);

	/* SP_PATH_SEGS_MAX segments: unknown, but a plain 404. */
	for (int i = 3; i < SP_PATH_SEGS_MAX; i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/s%d", i);
	expect_status("GET", path, 404);
	/* One more, and many more: refused the same way, without overflow. */
	snprintf(path + len, sizeof(path) - len, "/x");
	expect_status("GET", path, 404);
	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/y");
	expect_status("GET", path, 404);
	/* Slashes alone are not segments. */
	memset(path, '/', 300);
	snprintf(path + 300, sizeof(path) - 300, "spider/version");
	expect_route("GET", path, "/spider/version", NULL, NULL);
}

static void test_all_routes_self_match(void **state)
{
	const sp_route *const tables[] = { sp_routes_server, sp_routes_catalog,
					   sp_routes_cim, sp_routes_hiscall };
	size_t total = 0;

	/* Every route answers its own pattern, with ":X" as a value. */
	for (size_t t = 0; t < ELEMENTSOF(tables); t++)
		for (const sp_route *r = tables[t]; r->pattern; r++) {
			_cleanup_free_ char *buf = NULL;
			sp_req req;
			unsigned status = 0;
			const sp_route *m = match(r->method, r->pattern, &req, &buf, &status);

			total++;
			if (!m || status != 200)
				fail_msg("%s %s does not match itself", r->method, r->pattern);
			if (m != r)
				fail_msg("%s %s matched %s", r->method, r->pattern, m->pattern);
			assert_true(r->pattern[0] == '/');
		}
	assert_true(total > 40);
}

/* ---- parameters and query --------------------------------------------- */

static void test_req_param(void **state)
{
	_cleanup_free_ char *buf = NULL;
	sp_req req;
	unsigned status;

	assert_non_null(match("GET", "/spider/countconnectionconfig/AWS", &req, &buf, &status));
	assert_string_equal(sp_req_param(&req, "ProviderName"), "AWS");
	/* Whole names only, and case-sensitive. */
	assert_null(sp_req_param(&req, "Provider"));
	assert_null(sp_req_param(&req, "ProviderNameX"));
	assert_null(sp_req_param(&req, "providername"));
	assert_null(sp_req_param(&req, "ConnectionName"));
}

static void test_req_query(void **state)
{
	sp_req req = { 0 };
	char v1[] = "conn-1", v2[] = "aws", v3[] = "";

	req.query[0] = (sp_param){ "ConnectionName", v1 };
	req.query[1] = (sp_param){ "provider", v2 };
	req.query[2] = (sp_param){ "Empty", v3 };
	req.n_query = 3;

	assert_string_equal(sp_req_query(&req, "ConnectionName"), "conn-1");
	assert_string_equal(sp_req_query(&req, "connectionname"), "conn-1");
	assert_string_equal(sp_req_query(&req, "CONNECTIONNAME"), "conn-1");
	assert_string_equal(sp_req_query(&req, "Provider"), "aws");
	assert_string_equal(sp_req_query(&req, "empty"), "");
	assert_null(sp_req_query(&req, "Connection"));
	assert_null(sp_req_query(&req, "ConnectionNameX"));
	req.n_query = 0;
	assert_null(sp_req_query(&req, "ConnectionName"));
}

static void test_req_string(void **state)
{
	_cleanup_json_ json_t *body = json_pack("{s:s,s:s,s:i}", "connectionName", "from-body",
						"Empty", "", "Num", 7);
	sp_req req = { 0 };
	char q1[] = "from-query", q2[] = "query-only", q3[] = "fallback";
	const char *v = NULL;
	sp_error err = { 0 };

	assert_non_null(body);
	req.query[0] = (sp_param){ "ConnectionName", q1 };
	req.query[1] = (sp_param){ "Only", q2 };
	req.query[2] = (sp_param){ "empty", q3 };
	req.n_query = 3;

	/* No body: the query. */
	assert_int_equal(sp_req_connection(&req, &v, &err), 0);
	assert_string_equal(v, "from-query");
	/* The body wins over the query. */
	req.body = body;
	assert_int_equal(sp_req_connection(&req, &v, &err), 0);
	assert_string_equal(v, "from-body");
	assert_int_equal(sp_req_string(&req, "Only", true, &v, &err), 0);
	assert_string_equal(v, "query-only");
	/* "" in the body falls back to the query. */
	assert_int_equal(sp_req_string(&req, "Empty", true, &v, &err), 0);
	assert_string_equal(v, "fallback");
	/* Absent everywhere. */
	assert_int_equal(sp_req_string(&req, "Missing", false, &v, &err), 0);
	assert_null(v);
	assert_int_equal(sp_req_string(&req, "Missing", true, &v, &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_string_equal(err.message, "Missing is empty!");
	/* A wrong type in the body is an error, not a fallback. */
	assert_int_equal(sp_req_string(&req, "Num", false, &v, &err), -1);
	assert_string_equal(err.message, "Num must be a string");

	req.n_query = 0;
	req.body = NULL;
	assert_int_equal(sp_req_connection(&req, &v, &err), -1);
	assert_string_equal(err.message, "ConnectionName is empty!");
}

/* ---- errors to HTTP ------------------------------------------------------ */

static void test_http_mapping(void **state)
{
	static const struct {
		sp_errcode code;
		unsigned status;
		const char *name;
	} map[] = {
		{ SP_ERR_NONE, 500, "Internal" },
		{ SP_ERR_INVALID, 400, "BadRequest" },
		{ SP_ERR_AUTH, 401, "Unauthorized" },
		{ SP_ERR_FORBIDDEN, 403, "Forbidden" },
		{ SP_ERR_NOT_FOUND, 404, "NotFound" },
		{ SP_ERR_CONFLICT, 409, "Conflict" },
		{ SP_ERR_TOO_LARGE, 413, "PayloadTooLarge" },
		{ SP_ERR_UNSUPPORTED, 501, "NotImplemented" },
		{ SP_ERR_CLOUD, 502, "CloudError" },
		{ SP_ERR_UNAVAILABLE, 503, "Unavailable" },
		{ SP_ERR_TIMEOUT, 504, "CloudTimeout" },
		{ SP_ERR_INTERNAL, 500, "Internal" },
		{ (sp_errcode)999, 500, "Internal" },
	};

	/* Every code of the enum is in the table above. */
	assert_int_equal(SP_ERR_INTERNAL + 2, ELEMENTSOF(map));
	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		if (sp_http_status(map[i].code) != map[i].status)
			fail_msg("code %d: status %u, want %u", map[i].code,
				 sp_http_status(map[i].code), map[i].status);
		assert_string_equal(sp_http_code_name(map[i].code), map[i].name);
	}
}

static void expect_json(json_t *j, const char *want)
{
	_cleanup_free_ char *s = NULL;

	assert_non_null(j);
	s = sp_json_dump(j);
	json_decref(j);
	assert_non_null(s);
	assert_string_equal(s, want);
}

static void test_error_json(void **state)
{
	sp_error err = { 0 };

	sp_error_set(&err, SP_ERR_NOT_FOUND, "%s: does not exist!", "d1");
	expect_json(sp_error_json(&err), "{\"message\":\"d1: does not exist!\",\"code\":\"NotFound\"}");
	sp_error_set(&err, SP_ERR_INVALID, "quote \" and\nnewline");
	expect_json(sp_error_json(&err),
		    "{\"message\":\"quote \\\" and\\nnewline\",\"code\":\"BadRequest\"}");
	sp_error_set(&err, SP_ERR_CLOUD, "caf\xc3\xa9");
	expect_json(sp_error_json(&err), "{\"message\":\"caf\xc3\xa9\",\"code\":\"CloudError\"}");
}

static void test_error_json_invalid_utf8(void **state)
{
	static const char *const bad[] = { "name '\xff' is bad", "\xc3", "trunc \xe2\x82", "\xed\xa0\x80" };

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		sp_error err = { 0 };
		json_t *j;

		sp_error_set(&err, SP_ERR_INVALID, "%s", bad[i]);
		j = sp_error_json(&err);
		assert_non_null(j);
		assert_true(json_is_string(json_object_get(j, "message")));
		assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 0);
		assert_string_equal(json_string_value(json_object_get(j, "code")), "BadRequest");
		json_decref(j);
	}
}

static void test_wrappers(void **state)
{
	expect_json(sp_json_result_true(), "{\"Result\":\"true\"}");
	expect_json(sp_json_count(0), "{\"count\":0}");
	expect_json(sp_json_count(42), "{\"count\":42}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_routes),
		cmocka_unit_test(test_static_beats_param),
		cmocka_unit_test(test_param_routes),
		cmocka_unit_test(test_slashes_tolerated),
		cmocka_unit_test(test_percent_decoding),
		cmocka_unit_test(test_bad_escapes),
		cmocka_unit_test(test_unknown_paths),
		cmocka_unit_test(test_wrong_method),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_all_routes_self_match),
		cmocka_unit_test(test_req_param),
		cmocka_unit_test(test_req_query),
		cmocka_unit_test(test_req_string),
		cmocka_unit_test(test_http_mapping),
		cmocka_unit_test(test_error_json),
		cmocka_unit_test(test_error_json_invalid_utf8),
		cmocka_unit_test(test_wrappers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
