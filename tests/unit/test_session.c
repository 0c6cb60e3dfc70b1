/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_session.c - core/session.h: the web tool's sessions (add, find,
 * idle expiry, the cap) and the failed-login count per client.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/session.h"
#include "util/common.h"

static void sp_sessions_freep(sp_sessions **s)
{
	sp_sessions_free(*s);
}
#define _cleanup_sessions_ _cleanup_(sp_sessions_freep)

static sp_sessions *sessions_new(size_t max, double idle_s)
{
	sp_sessions *s = NULL;
	sp_error err = { 0 };

	if (sp_sessions_new(max, idle_s, &s, &err) < 0)
		fail_msg("sp_sessions_new: %s", err.message);
	return s;
}

static void add(sp_sessions *s, double now, char token[SP_SESSION_TOKEN_LEN + 1],
		sp_session_info *info)
{
	sp_error err = { 0 };

	if (sp_sessions_add(s, "admin", now, token, info, &err) < 0)
		fail_msg("sp_sessions_add: %s", err.message);
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != SP_SESSION_TOKEN_LEN)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return false;
	return true;
}

static void test_add_find(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(10, 100);
	char t1[SP_SESSION_TOKEN_LEN + 1], t2[SP_SESSION_TOKEN_LEN + 1];
	sp_session_info i1, i2, found;

	add(s, 1000, t1, &i1);
	add(s, 1000, t2, &i2);
	assert_true(is_hex64(t1));
	assert_true(is_hex64(i1.csrf));
	assert_string_not_equal(t1, t2);
	assert_string_not_equal(t1, i1.csrf);
	assert_string_not_equal(i1.csrf, i2.csrf);
	assert_string_equal(i1.user, "admin");
	assert_true(i1.expires_in == 100);

	assert_true(sp_sessions_find(s, t1, 1010, &found));
	assert_string_equal(found.user, "admin");
	assert_string_equal(found.csrf, i1.csrf);
	assert_true(found.expires_in == 100);
	assert_true(sp_sessions_find(s, t2, 1010, &found));
	assert_string_equal(found.csrf, i2.csrf);
	assert_int_equal(sp_sessions_count(s), 2);
}

static void test_unknown_and_malformed(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(10, 100);
	char t[SP_SESSION_TOKEN_LEN + 1], other[SP_SESSION_TOKEN_LEN + 1];
	sp_session_info info, found;

	add(s, 0, t, &info);
	memcpy(other, t, sizeof(other));
	other[0] = other[0] == '0' ? '1' : '0';
	assert_false(sp_sessions_find(s, other, 1, &found));
	assert_false(sp_sessions_find(s, NULL, 1, &found));
	assert_false(sp_sessions_find(s, "", 1, &found));
	assert_false(sp_sessions_find(s, "abc", 1, &found));
	/* The CSRF token is not a session token. */
	assert_false(sp_sessions_find(s, info.csrf, 1, &found));
	/* One character more or less. */
	other[0] = t[0];
	other[SP_SESSION_TOKEN_LEN - 1] = '\0';
	assert_false(sp_sessions_find(s, other, 1, &found));
	t[SP_SESSION_TOKEN_LEN - 1] = 'z';
	assert_false(sp_sessions_find(s, t, 1, &found));
}

static void test_idle_expiry_refreshed_by_use(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(10, 60);
	char t[SP_SESSION_TOKEN_LEN + 1];
	sp_session_info info, found;

	add(s, 0, t, &info);
	/* Each use starts the idle time again. */
	for (double now = 50; now < 500; now += 50) {
		assert_true(sp_sessions_find(s, t, now, &found));
		assert_true(found.expires_in == 60);
	}
	assert_true(sp_sessions_find(s, t, 509, &found));
	assert_false(sp_sessions_find(s, t, 569, &found));
	/* Ended for good: it does not come back. */
	assert_false(sp_sessions_find(s, t, 570, &found));
	assert_int_equal(sp_sessions_count(s), 0);
}

static void test_remove(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(10, 60);
	char t1[SP_SESSION_TOKEN_LEN + 1], t2[SP_SESSION_TOKEN_LEN + 1];
	sp_session_info info, found;

	add(s, 0, t1, &info);
	add(s, 0, t2, &info);
	sp_sessions_remove(s, t1);
	sp_sessions_remove(s, t1);
	sp_sessions_remove(s, NULL);
	sp_sessions_remove(s, "junk");
	assert_false(sp_sessions_find(s, t1, 1, &found));
	assert_true(sp_sessions_find(s, t2, 1, &found));
	assert_int_equal(sp_sessions_count(s), 1);
}

static void test_cap_ends_the_longest_unused(void **state)
{
	enum { MAX = 5 };
	_cleanup_sessions_ sp_sessions *s = sessions_new(MAX, 1000);
	char t[MAX + 1][SP_SESSION_TOKEN_LEN + 1];
	sp_session_info info, found;

	for (int i = 0; i < MAX; i++)
		add(s, i, t[i], &info);
	assert_int_equal(sp_sessions_count(s), MAX);
	/* The oldest, t[0], is used: t[1] is now the longest unused. */
	assert_true(sp_sessions_find(s, t[0], 10, &found));
	add(s, 11, t[MAX], &info);
	assert_int_equal(sp_sessions_count(s), MAX);
	assert_false(sp_sessions_find(s, t[1], 12, &found));
	for (int i = 0; i <= MAX; i++)
		if (i != 1)
			assert_true(sp_sessions_find(s, t[i], 12, &found));
}

static void test_expired_make_room_first(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(3, 10);
	char t[4][SP_SESSION_TOKEN_LEN + 1];
	sp_session_info info, found;

	add(s, 0, t[0], &info);
	add(s, 5, t[1], &info);
	add(s, 5, t[2], &info);
	/* At 12 the first has expired: its place is taken, not t[1]'s. */
	add(s, 12, t[3], &info);
	assert_true(sp_sessions_find(s, t[1], 13, &found));
	assert_true(sp_sessions_find(s, t[2], 13, &found));
	assert_true(sp_sessions_find(s, t[3], 13, &found));
	assert_false(sp_sessions_find(s, t[0], 13, &found));
}

static void test_long_user_refused(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(3, 10);
	char user[SP_SESSION_USER_MAX + 1], t[SP_SESSION_TOKEN_LEN + 1];
	sp_session_info info;
	sp_error err = { 0 };

	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	assert_int_equal(sp_sessions_add(s, user, 0, t, &info, &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	user[SP_SESSION_USER_MAX - 1] = '\0';
	assert_int_equal(sp_sessions_add(s, user, 0, t, &info, &err), 0);
	assert_string_equal(info.user, user);
}

static void test_login_limit(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(3, 10);

	for (int i = 0; i < SP_LOGIN_FAILS_MAX; i++) {
		assert_true(sp_sessions_login_wait(s, "10.0.0.1", 100 + i) == 0);
		sp_sessions_login_failed(s, "10.0.0.1", 100 + i);
	}
	/* Ten failures in the window: wait until the first leaves it. */
	assert_true(sp_sessions_login_wait(s, "10.0.0.1", 110) == 50);
	assert_true(sp_sessions_login_wait(s, "10.0.0.1", 159.5) == 0.5);
	assert_true(sp_sessions_login_wait(s, "10.0.0.1", 160) == 0);
	/* Another client is not held up. */
	assert_true(sp_sessions_login_wait(s, "10.0.0.2", 110) == 0);
	/* One more failure at 160: the window now starts at the second. */
	sp_sessions_login_failed(s, "10.0.0.1", 160);
	assert_true(sp_sessions_login_wait(s, "10.0.0.1", 160) == 1);
	/* Failures spread out never add up to a wait. */
	for (int i = 0; i < 30; i++) {
		assert_true(sp_sessions_login_wait(s, "10.0.0.3", i * 7.0) == 0);
		sp_sessions_login_failed(s, "10.0.0.3", i * 7.0);
	}
	/* A login forgets the client's failures. */
	sp_sessions_login_ok(s, "10.0.0.1");
	assert_true(sp_sessions_login_wait(s, "10.0.0.1", 161) == 0);
	sp_sessions_login_failed(s, "10.0.0.1", 161);
	assert_true(sp_sessions_login_wait(s, "10.0.0.1", 161) == 0);
}

static void test_login_limit_many_clients(void **state)
{
	_cleanup_sessions_ sp_sessions *s = sessions_new(3, 10);
	char name[32];

	for (int i = 0; i < SP_LOGIN_FAILS_MAX; i++)
		sp_sessions_login_failed(s, "10.9.9.9", 1000);
	/* Thousands of other clients pass by; the table stays capped and
	 * forgets the one whose last failure is oldest. */
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "10.0.%d.%d", i / 256, i % 256);
		sp_sessions_login_failed(s, name, 1000 + i * 0.001);
	}
	assert_true(sp_sessions_login_wait(s, "10.9.9.9", 1010) == 0);
	assert_true(sp_sessions_login_wait(s, "10.0.19.135", 1010) == 0);
}

static void test_free_null(void **state)
{
	sp_sessions_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find),
		cmocka_unit_test(test_unknown_and_malformed),
		cmocka_unit_test(test_idle_expiry_refreshed_by_use),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_cap_ends_the_longest_unused),
		cmocka_unit_test(test_expired_make_room_first),
		cmocka_unit_test(test_long_user_refused),
		cmocka_unit_test(test_login_limit),
		cmocka_unit_test(test_login_limit_many_clients),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
