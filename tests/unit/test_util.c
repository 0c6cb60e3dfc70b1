/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_util.c - util/common.h and util/log.h: numbers, times, percent
 * decoding, small string helpers, log levels.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/common.h"
#include "util/log.h"

static void test_parse_int64(void **state)
{
	static const struct {
		const char *s;
		int64_t min, max, want;
	} ok[] = {
		{ "0", 0, 10, 0 },
		{ "10", 0, 10, 10 },
		{ "-5", -10, 10, -5 },
		{ "65535", 0, 65535, 65535 },
		{ "9223372036854775807", 0, INT64_MAX, INT64_MAX },
		{ "-9223372036854775808", INT64_MIN, 0, INT64_MIN },
		{ "007", 0, 10, 7 },
	};
	static const struct {
		const char *s;
		int64_t min, max;
	} bad[] = {
		{ NULL, 0, 10 }, { "", 0, 10 }, { " 1", 0, 10 }, { "1 ", 0, 10 },
		{ "1x", 0, 10 }, { "x1", 0, 10 }, { "0x10", 0, 100 }, { "1.5", 0, 10 },
		{ "11", 0, 10 }, { "-1", 0, 10 }, { "65536", 0, 65535 },
		{ "9223372036854775808", 0, INT64_MAX },
		{ "-9223372036854775809", INT64_MIN, 0 },
		{ "99999999999999999999999", 0, INT64_MAX }, { "\t3", 0, 10 }, { "-", -10, 10 },
	};

	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		int64_t v = 12345;

		if (sp_parse_int64(ok[i].s, ok[i].min, ok[i].max, &v) < 0)
			fail_msg("'%s' refused", ok[i].s);
		assert_true(v == ok[i].want);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		int64_t v = 12345;

		if (sp_parse_int64(bad[i].s, bad[i].min, bad[i].max, &v) == 0)
			fail_msg("'%s' accepted as %lld", bad[i].s ? bad[i].s : "(null)",
				 (long long)v);
		assert_int_equal(v, 12345);
	}
}

static void test_time_format(void **state)
{
	char buf[32];

	sp_time_format_rfc3339(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	sp_time_format_rfc3339(1767366245123LL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-01-02T15:04:05.123Z");
	sp_time_format_rfc3339(951782400007LL, buf, sizeof(buf));   /* leap day */
	assert_string_equal(buf, "2000-02-29T00:00:00.007Z");
}

static void test_time_parse(void **state)
{
	static const struct {
		const char *s;
		int64_t want;
	} ok[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-01-02T15:04:05Z", 1767366245000LL },
		{ "2026-01-02T15:04:05.123Z", 1767366245123LL },
		{ "2026-01-02T15:04:05.5Z", 1767366245500LL },
		{ "2026-01-02T15:04:05.12Z", 1767366245120LL },
		{ "2026-01-02T15:04:05.123999Z", 1767366245123LL },
	};
	static const char *const bad[] = {
		NULL, "", "2026-01-02", "2026-01-02T15:04:05", "2026-01-02T15:04:05.Z",
		"2026-01-02T15:04:05+09:00", "2026-01-02T15:04:05.123", "2026-01-02T15:04:05ZZ",
		"2026-01-02 15:04:05Z", "yesterday", "2026-01-02T15:04:05.12aZ",
	};

	for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
		int64_t ms = -1;

		if (sp_time_parse_rfc3339(ok[i].s, &ms) < 0)
			fail_msg("'%s' refused", ok[i].s);
		assert_true(ms == ok[i].want);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		int64_t ms = 12345;

		if (sp_time_parse_rfc3339(bad[i], &ms) == 0)
			fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
		assert_int_equal(ms, 12345);
	}
}

static void test_time_round_trip(void **state)
{
	const int64_t times[] = { 0, 1, 999, 1000, 1767366245123LL, 4102444799999LL };

	for (size_t i = 0; i < ELEMENTSOF(times); i++) {
		char buf[32];
		int64_t back = -1;

		sp_time_format_rfc3339(times[i], buf, sizeof(buf));
		assert_int_equal(sp_time_parse_rfc3339(buf, &back), 0);
		assert_true(back == times[i]);
	}
}

static void expect_decoded(const char *in, bool plus, const char *want)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", in);
	if (sp_percent_decode(buf, plus) < 0)
		fail_msg("'%s' refused", in);
	assert_string_equal(buf, want);
}

static void test_percent_decode(void **state)
{
	static const char *const bad[] = {
		"%", "a%", "%4", "a%4", "%G0", "%0G", "%00", "a%00b", "%%", "% 1",
	};

	expect_decoded("", false, "");
	expect_decoded("plain", false, "plain");
	expect_decoded("a%20b", false, "a b");
	expect_decoded("a%2Fb%2fc", false, "a/b/c");
	expect_decoded("a+b", false, "a+b");
	expect_decoded("a+b", true, "a b");
	expect_decoded("%2B", true, "+");
	expect_decoded("%25", false, "%");
	expect_decoded("%2520", false, "%20");          /* decoded once */
	expect_decoded("%C3%A9", false, "\xc3\xa9");
	expect_decoded("%ff", false, "\xff");
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%s", bad[i]);
		if (sp_percent_decode(buf, true) == 0)
			fail_msg("'%s' accepted", bad[i]);
	}
}

static void test_string_helpers(void **state)
{
	_cleanup_free_ char *copy = sp_strdup0("x");

	assert_null(sp_strdup0(NULL));
	assert_string_equal(copy, "x");
	assert_true(sp_streq("a", "a"));
	assert_false(sp_streq("a", "A"));
	assert_false(sp_streq(NULL, "a"));
	assert_false(sp_streq("a", NULL));
	assert_false(sp_streq(NULL, NULL));
	assert_true(sp_isempty(NULL));
	assert_true(sp_isempty(""));
	assert_false(sp_isempty(" "));
	sp_free_secret(NULL);
	sp_free_secret(strdup("wiped"));
}

static void test_now(void **state)
{
	double m0 = sp_now_mono(), m1;
	int64_t w = sp_now_ms();

	/* After 2025-01-01 and before 2100. */
	assert_true(w > 1735689600000LL && w < 4102444800000LL);
	m1 = sp_now_mono();
	assert_true(m1 >= m0);
}

static void test_log_levels(void **state)
{
	assert_int_equal(sp_log_set_level("bogus"), -1);
	assert_int_equal(sp_log_set_level(""), -1);
	assert_int_equal(sp_log_set_level("ERROR"), 0);
	assert_true(sp_log_enabled(SP_LOG_ERROR));
	assert_false(sp_log_enabled(SP_LOG_WARN));
	assert_false(sp_log_enabled(SP_LOG_INFO));
	assert_int_equal(sp_log_set_level("debug"), 0);
	assert_true(sp_log_enabled(SP_LOG_DEBUG));
	assert_int_equal(sp_log_set_level("warn"), 0);
	assert_true(sp_log_enabled(SP_LOG_WARN));
	assert_false(sp_log_enabled(SP_LOG_INFO));
	assert_int_equal(sp_log_set_level("info"), 0);
}

/* A message past the line buffer is cut, not overflowed (ASan watches). */
static void test_log_long_line(void **state)
{
	char big[5000];
	_cleanup_close_ int saved = dup(STDERR_FILENO);
	_cleanup_close_ int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	assert_true(saved >= 0 && null >= 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dup2(null, STDERR_FILENO), STDERR_FILENO);
	sp_log_error("%s", big);
	sp_log_error("%s %s", big, big);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int64),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_percent_decode),
		cmocka_unit_test(test_string_helpers),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_log_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
