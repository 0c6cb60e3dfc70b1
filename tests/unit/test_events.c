/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_events.c - the event bus: order, filters, a ring that forgets with
 * notice, timed and woken reads, close, the data cap.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/events.h"

static sp_events *bus(size_t cap)
{
	sp_error err = { 0 };
	sp_events *ev = NULL;

	assert_int_equal(sp_events_new(cap, &ev, &err), 0);
	return ev;
}

static void publish_n(sp_events *ev, const char *kind, const char *ns, int from, int to)
{
	for (int i = from; i < to; i++)
		sp_events_publish(ev, kind, ns, json_pack("{s:i}", "n", i));
}

static json_int_t seq_of(json_t *e)
{
	return json_integer_value(json_object_get(e, "seq"));
}

static json_int_t n_of(json_t *e)
{
	return json_integer_value(json_object_get(json_object_get(e, "data"), "n"));
}

static void release(json_t **out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(out[i]);
}

static void test_publish_read_in_order(void **state)
{
	sp_events *ev = bus(16);
	json_t *out[16];
	bool lost = true;
	size_t n;

	assert_int_equal(sp_events_last(ev), 0);
	publish_n(ev, "vm", "ns1", 0, 5);
	assert_int_equal(sp_events_last(ev), 5);
	n = sp_events_read(ev, 0, NULL, NULL, out, 16, 0, &lost);
	assert_int_equal(n, 5);
	assert_false(lost);
	for (size_t i = 0; i < n; i++) {
		const char *when = json_string_value(json_object_get(out[i], "time"));
		int64_t ms;

		assert_int_equal(seq_of(out[i]), (json_int_t)i + 1);
		assert_int_equal(n_of(out[i]), (json_int_t)i);
		assert_string_equal(json_string_value(json_object_get(out[i], "kind")), "vm");
		assert_string_equal(json_string_value(json_object_get(out[i], "ns")), "ns1");
		assert_non_null(when);
		assert_int_equal(sp_time_parse_rfc3339(when, &ms), 0);
		assert_int_equal(strlen(when), strlen("2026-01-02T15:04:05.123Z"));
	}
	release(out, n);

	/* after and max */
	n = sp_events_read(ev, 3, "", "", out, 1, 0, &lost);
	assert_int_equal(n, 1);
	assert_int_equal(seq_of(out[0]), 4);
	release(out, n);
	n = sp_events_read(ev, 5, NULL, NULL, out, 16, 0, &lost);
	assert_int_equal(n, 0);
	assert_false(lost);

	/* NULL data is {} */
	sp_events_publish(ev, "request", NULL, NULL);
	n = sp_events_read(ev, 5, NULL, NULL, out, 16, 0, &lost);
	assert_int_equal(n, 1);
	assert_true(json_is_object(json_object_get(out[0], "data")));
	assert_int_equal(json_object_size(json_object_get(out[0], "data")), 0);
	assert_string_equal(json_string_value(json_object_get(out[0], "ns")), "");
	release(out, n);
	sp_events_free(ev);
}

static void test_filters(void **state)
{
	sp_events *ev = bus(64);
	json_t *out[64];
	bool lost;
	size_t n;

	publish_n(ev, "vm", "a", 0, 3);        /* 1..3 */
	publish_n(ev, "mcis", "b", 3, 6);      /* 4..6 */
	publish_n(ev, "request", "a", 6, 9);   /* 7..9 */
	publish_n(ev, "vmx", "", 9, 10);       /* 10 */

	n = sp_events_read(ev, 0, "a", NULL, out, 64, 0, &lost);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_object_get(out[i], "ns")), "a");
	release(out, n);

	/* whole words only: "vm" is not "vmx" */
	n = sp_events_read(ev, 0, NULL, "vm", out, 64, 0, &lost);
	assert_int_equal(n, 3);
	release(out, n);

	n = sp_events_read(ev, 0, NULL, "mcis, request", out, 64, 0, &lost);
	assert_int_equal(n, 6);
	assert_int_equal(seq_of(out[0]), 4);
	assert_int_equal(seq_of(out[5]), 9);
	release(out, n);

	n = sp_events_read(ev, 0, "a", "request,vmx", out, 64, 0, &lost);
	assert_int_equal(n, 3);
	assert_int_equal(seq_of(out[0]), 7);
	release(out, n);

	n = sp_events_read(ev, 0, "nope", NULL, out, 64, 0, &lost);
	assert_int_equal(n, 0);
	assert_false(lost);
	sp_events_free(ev);
}

static void test_ring_drops_old_events(void **state)
{
	sp_events *ev = bus(4);
	json_t *out[8];
	bool lost;
	size_t n;

	publish_n(ev, "vm", "", 0, 10);   /* 7..10 kept */
	assert_int_equal(sp_events_last(ev), 10);

	n = sp_events_read(ev, 2, NULL, NULL, out, 8, 5, &lost);
	assert_true(lost);
	assert_int_equal(n, 4);
	assert_int_equal(seq_of(out[0]), 7);
	assert_int_equal(seq_of(out[3]), 10);
	release(out, n);

	/* the oldest kept is 7: after 6 misses nothing */
	n = sp_events_read(ev, 6, NULL, NULL, out, 8, 0, &lost);
	assert_false(lost);
	assert_int_equal(n, 4);
	release(out, n);
	n = sp_events_read(ev, 5, NULL, NULL, out, 8, 0, &lost);
	assert_true(lost);
	release(out, n);

	/* an id beyond the newest (an earlier process's) is lost too, at once */
	n = sp_events_read(ev, 11, NULL, NULL, out, 8, 5, &lost);
	assert_true(lost);
	release(out, n);
	sp_events_free(ev);
}

static void test_read_times_out(void **state)
{
	sp_events *ev = bus(4);
	json_t *out[4];
	bool lost = true;
	double t0 = sp_now_mono(), took;
	size_t n = sp_events_read(ev, 0, NULL, NULL, out, 4, 0.3, &lost);

	took = sp_now_mono() - t0;
	assert_int_equal(n, 0);
	assert_false(lost);
	assert_true(took >= 0.29);
	assert_true(took < 1.5);

	/* a non-matching event does not end the wait early */
	publish_n(ev, "vm", "", 0, 1);
	t0 = sp_now_mono();
	n = sp_events_read(ev, 0, NULL, "mcis", out, 4, 0.2, &lost);
	assert_int_equal(n, 0);
	assert_true(sp_now_mono() - t0 >= 0.19);
	sp_events_free(ev);
}

struct reader {
	sp_events *ev;
	uint64_t after;
	const char *kinds;
	size_t n;
	json_int_t first_seq;
	double took;
};

static void *read_thread(void *p)
{
	struct reader *r = p;
	json_t *out[4];
	bool lost;
	double t0 = sp_now_mono();

	r->n = sp_events_read(r->ev, r->after, NULL, r->kinds, out, 4, 10, &lost);
	r->took = sp_now_mono() - t0;
	r->first_seq = r->n ? seq_of(out[0]) : 0;
	release(out, r->n);
	return NULL;
}

static void test_publish_wakes_a_blocked_reader(void **state)
{
	sp_events *ev = bus(8);
	struct reader r = { ev, 0, "mcis", 0, 0, 0 };
	pthread_t t;

	publish_n(ev, "vm", "", 0, 1);
	assert_int_equal(pthread_create(&t, NULL, read_thread, &r), 0);
	sp_sleep(0.2);
	publish_n(ev, "vm", "", 1, 2);    /* wakes it, but it does not match */
	sp_sleep(0.1);
	publish_n(ev, "mcis", "x", 2, 3);
	pthread_join(t, NULL);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.first_seq, 3);
	assert_true(r.took >= 0.25);
	assert_true(r.took < 5);
	sp_events_free(ev);
}

static void test_close_wakes_readers(void **state)
{
	sp_events *ev = bus(8);
	struct reader r[3];
	pthread_t t[3];
	json_t *out[1];
	bool lost;
	double t0;

	for (int i = 0; i < 3; i++) {
		r[i] = (struct reader){ ev, 0, NULL, 0, 0, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, read_thread, &r[i]), 0);
	}
	sp_sleep(0.2);
	assert_false(sp_events_closed(ev));
	sp_events_close(ev);
	assert_true(sp_events_closed(ev));
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].n, 0);
		assert_true(r[i].took < 5);
	}
	/* later reads return at once; publishing still works */
	t0 = sp_now_mono();
	assert_int_equal(sp_events_read(ev, 0, NULL, NULL, out, 1, 10, &lost), 0);
	assert_true(sp_now_mono() - t0 < 1);
	publish_n(ev, "vm", "", 0, 1);
	assert_int_equal(sp_events_read(ev, 0, NULL, NULL, out, 1, 10, &lost), 1);
	json_decref(out[0]);
	sp_events_close(NULL);
	sp_events_free(ev);
}

static void test_data_cap(void **state)
{
	sp_events *ev = bus(8);
	size_t big = SP_EVENTS_DATA_MAX + 10;
	char *s = malloc(big);
	json_t *out[2], *data;
	bool lost;
	size_t n;

	assert_non_null(s);
	memset(s, 'x', big - 1);
	s[big - 1] = '\0';
	sp_events_publish(ev, "vm", "", json_pack("{s:s}", "blob", s));
	/* just under the cap stays whole */
	s[SP_EVENTS_DATA_MAX - 20] = '\0';
	sp_events_publish(ev, "vm", "", json_pack("{s:s}", "blob", s));
	free(s);
	n = sp_events_read(ev, 0, NULL, NULL, out, 2, 0, &lost);
	assert_int_equal(n, 2);
	data = json_object_get(out[0], "data");
	assert_true(json_is_true(json_object_get(data, "truncated")));
	assert_true(json_integer_value(json_object_get(data, "bytes")) > SP_EVENTS_DATA_MAX);
	assert_null(json_object_get(data, "blob"));
	data = json_object_get(out[1], "data");
	assert_int_equal(strlen(json_string_value(json_object_get(data, "blob"))),
			 SP_EVENTS_DATA_MAX - 20);
	release(out, n);
	sp_events_free(ev);
}

/* Whatever the slot count, the ring keeps at most SP_EVENTS_BYTES_MAX of
 * data: big events push old ones out early, with notice. */
static void test_ring_bytes_cap(void **state)
{
	size_t per = SP_EVENTS_DATA_MAX / 2, count = 2 * SP_EVENTS_BYTES_MAX / per;
	sp_events *ev = bus(count);
	char *s = malloc(per);
	json_t *out[1];
	bool lost;
	size_t n;

	assert_non_null(s);
	memset(s, 'y', per - 1);
	s[per - 1] = '\0';
	for (size_t i = 0; i < count; i++)
		sp_events_publish(ev, "vm", "", json_pack("{s:s}", "blob", s));
	free(s);
	n = sp_events_read(ev, 0, NULL, NULL, out, 1, 0, &lost);
	assert_true(lost);
	assert_int_equal(n, 1);
	assert_true((size_t)seq_of(out[0]) > count / 2 - 2);
	release(out, n);
	sp_events_free(ev);
}

static void test_bad_arguments(void **state)
{
	sp_error err = { 0 };
	sp_events *ev = NULL;

	assert_int_equal(sp_events_new(0, &ev, &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_null(ev);
	sp_events_free(NULL);
	sp_events_publish(NULL, "vm", "", json_object());   /* dropped, no leak */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_read_in_order),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_ring_drops_old_events),
		cmocka_unit_test(test_read_times_out),
		cmocka_unit_test(test_publish_wakes_a_blocked_reader),
		cmocka_unit_test(test_close_wakes_readers),
		cmocka_unit_test(test_data_cap),
		cmocka_unit_test(test_ring_bytes_cap),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
