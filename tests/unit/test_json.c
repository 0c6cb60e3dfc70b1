/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_json.c - util/json.h: lenient field access, body parsing, KeyValue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/common.h"
#include "util/json.h"

/* Parse a literal test document; the test fails on a typo in it. */
static json_t *doc(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (!j)
		fail_msg("bad test JSON '%s': %s", text, jerr.text);
	return j;
}

/* ---- sp_json_get ----------------------------------------------------- */

static void test_get_exact_key_wins(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"name\":\"lower\",\"Name\":\"exact\",\"NAME\":\"upper\"}");

	assert_string_equal(json_string_value(sp_json_get(o, "Name")), "exact");
	assert_string_equal(json_string_value(sp_json_get(o, "name")), "lower");
	assert_string_equal(json_string_value(sp_json_get(o, "NAME")), "upper");
}

static void test_get_case_insensitive_fallback(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"drivername\":\"d1\",\"Other\":1}");

	assert_string_equal(json_string_value(sp_json_get(o, "DriverName")), "d1");
	assert_string_equal(json_string_value(sp_json_get(o, "DRIVERNAME")), "d1");
	assert_int_equal(json_integer_value(sp_json_get(o, "other")), 1);
	assert_null(sp_json_get(o, "Driver"));
	assert_null(sp_json_get(o, "DriverNameX"));
}

static void test_get_last_case_insensitive_match_wins(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"NAME\":\"first\",\"x\":0,\"nAmE\":\"second\",\"name\":\"third\"}");

	/* No exact "Name": of the three case variants the last one wins. */
	assert_string_equal(json_string_value(sp_json_get(o, "Name")), "third");
	/* An exact match still beats later variants. */
	assert_string_equal(json_string_value(sp_json_get(o, "NAME")), "first");
}

static void test_get_null_is_absent(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"Name\":null,\"zone\":null,\"Empty\":\"\"}");

	assert_null(sp_json_get(o, "Name"));
	assert_null(sp_json_get(o, "Zone"));   /* null found case-insensitively */
	/* "" is a value, not absent. */
	assert_non_null(sp_json_get(o, "Empty"));
}

static void test_get_non_object(void **state)
{
	_cleanup_json_ json_t *a = doc("[{\"Name\":\"x\"}]");
	_cleanup_json_ json_t *s = doc("\"Name\"");
	_cleanup_json_ json_t *n = doc("null");

	assert_null(sp_json_get(NULL, "Name"));
	assert_null(sp_json_get(a, "Name"));
	assert_null(sp_json_get(s, "Name"));
	assert_null(sp_json_get(n, "Name"));
}

/* ---- sp_json_string / sp_json_array ---------------------------------- */

static void test_string_present(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"driverName\":\"d1\",\"Empty\":\"\"}");
	sp_error err = { 0 };
	const char *v = NULL;

	assert_int_equal(sp_json_string(o, "DriverName", true, &v, &err), 0);
	assert_string_equal(v, "d1");
	/* Borrowed from the object, not a copy. */
	assert_ptr_equal(v, json_string_value(sp_json_get(o, "DriverName")));
	assert_int_equal(sp_json_string(o, "Empty", false, &v, &err), 0);
	assert_string_equal(v, "");
	v = "sentinel";
	assert_int_equal(sp_json_string(o, "Missing", false, &v, &err), 0);
	assert_null(v);
}

static void test_string_required(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"Empty\":\"\",\"Null\":null}");
	static const char *const keys[] = { "Empty", "Null", "Missing" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		sp_error err = { 0 };
		const char *v = "sentinel";
		char want[64];

		assert_int_equal(sp_json_string(o, keys[i], true, &v, &err), -1);
		assert_int_equal(err.code, SP_ERR_INVALID);
		snprintf(want, sizeof(want), "%s is empty!", keys[i]);
		assert_string_equal(err.message, want);
		assert_string_equal(v, "sentinel");
	}
	/* A NULL object (no body) is an absent field too. */
	{
		sp_error err = { 0 };
		const char *v = NULL;

		assert_int_equal(sp_json_string(NULL, "ConnectionName", true, &v, &err), -1);
		assert_string_equal(err.message, "ConnectionName is empty!");
		assert_int_equal(sp_json_string(NULL, "ConnectionName", false, &v, &err), 0);
		assert_null(v);
	}
}

static void test_string_wrong_type(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"Num\":1,\"Obj\":{},\"Arr\":[\"x\"],\"Bool\":true,\"Real\":1.5}");
	static const char *const keys[] = { "Num", "Obj", "Arr", "Bool", "Real" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		for (int required = 0; required <= 1; required++) {
			sp_error err = { 0 };
			const char *v = "sentinel";
			char want[64];

			assert_int_equal(sp_json_string(o, keys[i], required, &v, &err), -1);
			assert_int_equal(err.code, SP_ERR_INVALID);
			snprintf(want, sizeof(want), "%s must be a string", keys[i]);
			assert_string_equal(err.message, want);
			assert_string_equal(v, "sentinel");
		}
	}
}

static void test_array(void **state)
{
	_cleanup_json_ json_t *o = doc("{\"keyvalueinfolist\":[{\"Key\":\"a\"}],\"Str\":\"x\",\"Null\":null}");
	const json_t *a = NULL;
	sp_error err = { 0 };

	assert_int_equal(sp_json_array(o, "KeyValueInfoList", &a, &err), 0);
	assert_non_null(a);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 1);
	assert_ptr_equal(a, sp_json_get(o, "KeyValueInfoList"));

	a = (const json_t *)o;
	assert_int_equal(sp_json_array(o, "Missing", &a, &err), 0);
	assert_null(a);
	a = (const json_t *)o;
	assert_int_equal(sp_json_array(o, "Null", &a, &err), 0);
	assert_null(a);

	assert_int_equal(sp_json_array(o, "Str", &a, &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_string_equal(err.message, "Str must be an array");
}

/* ---- sp_json_parse_body ---------------------------------------------- */

/* A pointer that no parse returns, to see that *ret stays untouched. */
static json_t sentinel_value;
#define SENTINEL (&sentinel_value)

static void test_body_empty(void **state)
{
	static const char *const bodies[] = { "", " ", "\r\n", " \t\r\n  \n", "null", "  null \n" };
	sp_error err = { 0 };
	json_t *j = SENTINEL;

	assert_int_equal(sp_json_parse_body(NULL, 0, &j, &err), 0);
	assert_null(j);
	for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
		j = SENTINEL;
		assert_int_equal(sp_json_parse_body(bodies[i], strlen(bodies[i]), &j, &err), 0);
		assert_null(j);
	}
}

static void test_body_object(void **state)
{
	static const char body[] = " {\"ConnectionName\":\"c1\",\"n\":[1,2]} \n";
	_cleanup_json_ json_t *j = NULL;
	sp_error err = { 0 };

	assert_int_equal(sp_json_parse_body(body, strlen(body), &j, &err), 0);
	assert_non_null(j);
	assert_string_equal(json_string_value(sp_json_get(j, "connectionname")), "c1");
}

static void test_body_length_respected(void **state)
{
	/* Only len bytes are the body: no NUL terminator is relied upon. */
	static const char buf[] = "{\"a\":1}GARBAGE";
	_cleanup_json_ json_t *j = NULL;
	sp_error err = { 0 };

	assert_int_equal(sp_json_parse_body(buf, 7, &j, &err), 0);
	assert_int_equal(json_integer_value(sp_json_get(j, "a")), 1);
}

static void test_body_malformed(void **state)
{
	static const struct {
		const char *body;
		const char *where;
	} cases[] = {
		{ "{\"a\":", "line 1 column 5" },
		{ "{\n  \"a\": x}", "line 2 column 8" },
		{ "{\"a\":1}}", "line 1 column 8" },
		{ "{'a':1}", "line 1 column 2" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sp_error err = { 0 };
		json_t *j = SENTINEL;

		assert_int_equal(sp_json_parse_body(cases[i].body, strlen(cases[i].body), &j, &err), -1);
		assert_int_equal(err.code, SP_ERR_INVALID);
		assert_ptr_equal(j, SENTINEL);
		if (!strstr(err.message, "malformed JSON body") ||
		    !strstr(err.message, cases[i].where))
			fail_msg("body '%s': message '%s' lacks '%s'", cases[i].body,
				 err.message, cases[i].where);
	}
}

/* Nesting: 64 levels pass, 65 are refused before the parser recurses;
 * brackets inside strings do not count. */
static void test_body_depth(void **state)
{
	char deep[2 * (SP_JSON_DEPTH_MAX + 1) + 16];
	char ok[2 * SP_JSON_DEPTH_MAX + 64];
	const char *quoted = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{\"}";
	size_t n = 0;
	sp_error err = { 0 };
	json_t *j = NULL;

	/* {"a":[[...[1]...]]} with 64 levels in all, then one more. */
	n = (size_t)snprintf(ok, sizeof(ok), "{\"a\":");
	for (int i = 0; i < SP_JSON_DEPTH_MAX - 1; i++)
		ok[n++] = '[';
	ok[n++] = '1';
	for (int i = 0; i < SP_JSON_DEPTH_MAX - 1; i++)
		ok[n++] = ']';
	ok[n++] = '}';
	ok[n] = '\0';
	assert_int_equal(sp_json_parse_body(ok, n, &j, &err), 0);
	json_decref(j);

	n = 0;
	for (int i = 0; i < SP_JSON_DEPTH_MAX + 1; i++)
		deep[n++] = i == 0 ? '{' : '[';
	deep[n] = '\0';
	assert_int_equal(sp_json_parse_body(deep, n, &j, &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_non_null(strstr(err.message, "nests more than 64 levels deep"));

	assert_int_equal(sp_json_parse_body(quoted, strlen(quoted), &j, &err), 0);
	json_decref(j);
}

static void test_body_not_object(void **state)
{
	static const char *const bodies[] = { "[]", "[{\"a\":1}]", "42", "\"text\"", "true", "1.5" };

	for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
		sp_error err = { 0 };
		json_t *j = SENTINEL;

		assert_int_equal(sp_json_parse_body(bodies[i], strlen(bodies[i]), &j, &err), -1);
		assert_int_equal(err.code, SP_ERR_INVALID);
		assert_string_equal(err.message, "request body must be a JSON object");
		assert_ptr_equal(j, SENTINEL);
	}
}

/* ---- sp_json_kv / sp_json_dump --------------------------------------- */

static void expect_dump(json_t *j, const char *want)
{
	_cleanup_free_ char *s = NULL;

	assert_non_null(j);
	s = sp_json_dump(j);
	assert_non_null(s);
	assert_string_equal(s, want);
}

static void test_kv(void **state)
{
	_cleanup_json_ json_t *full = sp_json_kv("Region", "us-east-1");
	_cleanup_json_ json_t *empty = sp_json_kv("Zone", "");
	_cleanup_json_ json_t *null = sp_json_kv("Zone", NULL);
	_cleanup_json_ json_t *nokey = sp_json_kv(NULL, "v");

	expect_dump(full, "{\"Key\":\"Region\",\"Value\":\"us-east-1\"}");
	expect_dump(empty, "{\"Key\":\"Zone\"}");
	expect_dump(null, "{\"Key\":\"Zone\"}");
	expect_dump(nokey, "{\"Key\":\"\",\"Value\":\"v\"}");
}

static void test_kv_invalid_utf8(void **state)
{
	/* json_string() refuses it; the pair is refused, not half-built. */
	assert_null(sp_json_kv("Key", "bad\xff"));
	assert_null(sp_json_kv("bad\xc3", "v"));
}

static void test_dump_any(void **state)
{
	_cleanup_json_ json_t *s = json_string("x");
	_cleanup_json_ json_t *o = doc("{\"b\":1,\"a\":[true,null]}");

	expect_dump(s, "\"x\"");
	/* Compact, in insertion order. */
	expect_dump(o, "{\"b\":1,\"a\":[true,null]}");
}

/* Whatever the value, the writer's text is what jansson writes. */
static void expect_same_as_jansson(json_t *j)
{
	_cleanup_free_ char *ours = NULL, *theirs = NULL;

	assert_non_null(j);
	ours = sp_json_dump(j);
	theirs = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(ours);
	assert_non_null(theirs);
	assert_string_equal(ours, theirs);
	json_decref(j);
}

static void test_dump_like_jansson(void **state)
{
	static const char ctl[] = "a\x01" "b\"c\\d\ne\rf\tg\bh\fi\x1fj/k\x7f";
	_cleanup_json_ json_t *nested = doc("{\"a\":{\"b\":[[],{},[1,[2,{\"c\":\"d\"}]]]},\"\":\"\"}");

	expect_same_as_jansson(json_string(ctl));
	expect_same_as_jansson(json_stringn("nul\0inside", 11));
	expect_same_as_jansson(json_string("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x95\xb7"));
	expect_same_as_jansson(json_integer(0));
	expect_same_as_jansson(json_integer(INT64_MIN));
	expect_same_as_jansson(json_integer(INT64_MAX));
	expect_same_as_jansson(json_real(-2.0));
	expect_same_as_jansson(json_real(-2.5e21));
	expect_same_as_jansson(json_pack("{s:b,s:b,s:n,s:[]}", "t", 1, "f", 0, "n", "e"));
	expect_same_as_jansson(json_pack("{s:s}", "k\"ey\n", "v"));
	expect_same_as_jansson(json_incref(nested));
}

/* Reals: the shortest text that reads back as the same double. */
static void test_dump_reals_shortest(void **state)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 0.1, "0.1" }, { 37.6, "37.6" }, { -77.4, "-77.4" }, { 0.0835, "0.0835" },
		{ 3.0, "3.0" }, { 1e21, "1e21" }, { 1.0 / 3, "0.3333333333333333" }, { 1e300, "1e300" }, { 1.5e-7, "1.5e-7" },
		{ 0.1 + 0.2, "0.30000000000000004" }, { 123456789012345680.0, "1.2345678901234568e17" },
		{ 5e-324, "4.94065645841247e-324" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_json_ json_t *r = json_real(cases[i].v), *back = NULL;
		_cleanup_free_ char *text = sp_json_dump(r);

		assert_non_null(text);
		assert_string_equal(text, cases[i].want);
		back = json_loads(text, JSON_DECODE_ANY, NULL);
		assert_non_null(back);
		assert_true(json_real_value(back) == cases[i].v);
	}
}

static void test_dump_depth_capped(void **state)
{
	_cleanup_json_ json_t *top = json_array();
	_cleanup_free_ char *text = NULL;
	json_t *at = top;

	/* 511 levels inside the top one are written; one more is refused,
	 * as a value that holds itself would be. */
	for (int i = 0; i < 511; i++) {
		json_t *next = json_array();

		assert_int_equal(json_array_append_new(at, next), 0);
		at = next;
	}
	text = sp_json_dump(top);
	assert_non_null(text);
	assert_int_equal(json_array_append_new(at, json_array()), 0);
	assert_null(sp_json_dump(top));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_exact_key_wins),
		cmocka_unit_test(test_get_case_insensitive_fallback),
		cmocka_unit_test(test_get_last_case_insensitive_match_wins),
		cmocka_unit_test(test_get_null_is_absent),
		cmocka_unit_test(test_get_non_object),
		cmocka_unit_test(test_string_present),
		cmocka_unit_test(test_string_required),
		cmocka_unit_test(test_string_wrong_type),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_body_empty),
		cmocka_unit_test(test_body_object),
		cmocka_unit_test(test_body_length_respected),
		cmocka_unit_test(test_body_malformed),
		cmocka_unit_test(test_body_depth),
		cmocka_unit_test(test_body_not_object),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_kv_invalid_utf8),
		cmocka_unit_test(test_dump_any),
		cmocka_unit_test(test_dump_like_jansson),
		cmocka_unit_test(test_dump_reals_shortest),
		cmocka_unit_test(test_dump_depth_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
