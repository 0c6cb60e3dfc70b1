/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_fanout.c - many calls at once, each with a deadline: results in
 * order, failures kept apart, hung calls given up without holding the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "core/fanout.h"
#include "util/common.h"

struct item {
	int n;
	int sleep_ms;
	int *freed;
};

static void item_free(void *p)
{
	struct item *it = p;

	__atomic_add_fetch(it->freed, 1, __ATOMIC_RELEASE);
	free(it);
}

static int item_run(void *p, json_t **ret, sp_error *err)
{
	struct item *it = p;
	struct timespec ts = { it->sleep_ms / 1000, (long)(it->sleep_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	if (it->n % 7 == 3)
		return sp_error_set(err, SP_ERR_CLOUD, "item %d failed", it->n);
	*ret = json_integer(it->n);
	return 0;
}

static void **make(size_t n, int sleep_ms, int hang_every, int *freed)
{
	void **items = calloc(n, sizeof(*items));

	for (size_t i = 0; i < n; i++) {
		struct item *it = calloc(1, sizeof(*it));

		*it = (struct item){ (int)i, hang_every && i % (size_t)hang_every == 0 ? 2000 : sleep_ms, freed };
		items[i] = it;
	}
	return items;
}

static void test_results_in_order_concurrently(void **state)
{
	int freed = 0;
	size_t n = 200;
	void **items = make(n, 50, 0, &freed);
	sp_fanout_result *res = NULL;
	sp_error err;
	double t0 = sp_now_mono();

	assert_int_equal(sp_fanout_run(items, n, item_run, item_free, 5.0, &res, &err), 0);
	/* 200 calls of 50 ms at once: far from the 10 s of one after another. */
	assert_true(sp_now_mono() - t0 < 5.0);
	for (size_t i = 0; i < n; i++) {
		if (i % 7 == 3) {
			assert_int_equal(res[i].rc, -1);
			assert_int_equal(res[i].err.code, SP_ERR_CLOUD);
		} else {
			assert_int_equal(res[i].rc, 0);
			assert_int_equal(json_integer_value(res[i].value), (json_int_t)i);
		}
	}
	sp_fanout_results_free(res, n);
	assert_int_equal(freed, (int)n);
	free(items);
}

static void test_hung_items_time_out(void **state)
{
	int freed = 0;
	size_t n = 100;
	void **items = make(n, 10, 10, &freed);
	sp_fanout_result *res = NULL;
	sp_error err;
	double t0 = sp_now_mono();

	assert_int_equal(sp_fanout_run(items, n, item_run, item_free, 0.3, &res, &err), 0);
	assert_true(sp_now_mono() - t0 < 1.9);
	for (size_t i = 0; i < n; i++) {
		if (i % 10 == 0) {
			assert_int_equal(res[i].rc, -1);
			assert_int_equal(res[i].err.code, SP_ERR_TIMEOUT);
		} else if (i % 7 != 3) {
			assert_int_equal(res[i].rc, 0);
		}
	}
	sp_fanout_results_free(res, n);
	/* The given-up calls finish on their own and free their items. */
	for (int i = 0; i < 300 && __atomic_load_n(&freed, __ATOMIC_ACQUIRE) < (int)n; i++) {
		struct timespec ts = { 0, 10000000L };

		nanosleep(&ts, NULL);
	}
	assert_int_equal(__atomic_load_n(&freed, __ATOMIC_ACQUIRE), (int)n);
	free(items);
}

static void test_empty(void **state)
{
	sp_fanout_result *res = NULL;
	sp_error err;

	assert_int_equal(sp_fanout_run(NULL, 0, item_run, item_free, 1.0, &res, &err), 0);
	sp_fanout_results_free(res, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_in_order_concurrently),
		cmocka_unit_test(test_hung_items_time_out),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
