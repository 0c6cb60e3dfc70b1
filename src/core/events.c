/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/events.c - the event bus: one lock, a ring of immutable event
 * objects, one condition variable for the readers.
 *
 * An event object is built and completed under the lock and never changed
 * after it enters the ring, so readers take references to it and serialise
 * it outside the lock (jansson's reference counts are atomic and dumping
 * does not write to the value).
 */
#include <pthread.h>
#include <stdatomic.h>

#include "core/events.h"

typedef struct slot {
	json_t *event;     /* owned */
	const char *kind;  /* borrowed from event */
	const char *ns;    /* borrowed from event */
	size_t bytes;      /* serialised size of its data */
} slot;

struct sp_events {
	pthread_mutex_t lock;
	pthread_cond_t wake;   /* on CLOCK_MONOTONIC */
	slot *ring;
	size_t cap;
	size_t head;           /* index of the oldest event */
	size_t n;
	size_t bytes;          /* sum of the slots' bytes */
	uint64_t next_seq;
	atomic_bool closed;    /* set under the lock, read without it too */
};

int sp_events_new(size_t cap, sp_events **ret, sp_error *err)
{
	pthread_condattr_t ca;
	sp_events *ev;

	if (cap == 0)
		return sp_error_set(err, SP_ERR_INVALID, "event ring size must be at least 1");
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return sp_error_oom(err);
	ev->ring = calloc(cap, sizeof(*ev->ring));
	if (!ev->ring) {
		free(ev);
		return sp_error_oom(err);
	}
	ev->cap = cap;
	ev->next_seq = 1;
	pthread_mutex_init(&ev->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ev->wake, &ca);
	pthread_condattr_destroy(&ca);
	*ret = ev;
	return 0;
}

void sp_events_free(sp_events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->n; i++)
		json_decref(ev->ring[(ev->head + i) % ev->cap].event);
	free(ev->ring);
	pthread_cond_destroy(&ev->wake);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

static void drop_oldest(sp_events *ev)
{
	slot *s = &ev->ring[ev->head];

	ev->bytes -= s->bytes;
	json_decref(s->event);
	*s = (slot){ 0 };
	ev->head = (ev->head + 1) % ev->cap;
	ev->n--;
}

void sp_events_publish(sp_events *ev, const char *kind, const char *ns,
		       json_t *data)
{
	_cleanup_json_ json_t *e = NULL;
	char when[40];
	size_t bytes;
	slot *s;

	if (!data)
		data = json_object();
	if (!ev || !data) {
		json_decref(data);
		return;
	}
	bytes = json_dumpb(data, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	if (bytes > SP_EVENTS_DATA_MAX) {
		json_decref(data);
		data = json_pack("{s:b,s:I}", "truncated", 1, "bytes", (json_int_t)bytes);
		bytes = data ? json_dumpb(data, NULL, 0, JSON_COMPACT) : 0;
	}
	/* seq and time are filled in under the lock, in publishing order. */
	e = json_pack("{s:I,s:s,s:s,s:s,s:o}", "seq", (json_int_t)0, "kind",
		      kind ? kind : "", "ns", ns ? ns : "", "time", "", "data", data);
	if (!e)
		return;

	pthread_mutex_lock(&ev->lock);
	sp_time_format_rfc3339(sp_now_ms(), when, sizeof(when));
	if (json_integer_set(json_object_get(e, "seq"), (json_int_t)ev->next_seq) < 0 ||
	    json_string_set(json_object_get(e, "time"), when) < 0) {
		pthread_mutex_unlock(&ev->lock);
		return;
	}
	while (ev->n == ev->cap || (ev->n > 0 && ev->bytes + bytes > SP_EVENTS_BYTES_MAX))
		drop_oldest(ev);
	s = &ev->ring[(ev->head + ev->n) % ev->cap];
	s->kind = json_string_value(json_object_get(e, "kind"));
	s->ns = json_string_value(json_object_get(e, "ns"));
	s->bytes = bytes;
	s->event = TAKE_PTR(e);
	ev->n++;
	ev->bytes += bytes;
	ev->next_seq++;
	pthread_cond_broadcast(&ev->wake);
	pthread_mutex_unlock(&ev->lock);
}

/* Is kind one of the comma-separated words in kinds (spaces around them
 * allowed)? */
static bool kind_listed(const char *kinds, const char *kind)
{
	size_t len = strlen(kind);

	for (const char *p = kinds; *p;) {
		const char *end = strchrnul(p, ',');
		const char *a = p, *b = end;

		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		if ((size_t)(b - a) == len && strncmp(a, kind, len) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

static bool slot_matches(const slot *s, const char *ns, const char *kinds)
{
	return (sp_isempty(ns) || strcmp(s->ns, ns) == 0) &&
	       (sp_isempty(kinds) || kind_listed(kinds, s->kind));
}

size_t sp_events_read(sp_events *ev, uint64_t after, const char *ns,
		      const char *kinds, json_t **out, size_t max,
		      double timeout_s, bool *ret_lost)
{
	struct timespec until = sp_timespec(sp_now_mono() + (timeout_s > 0 ? timeout_s : 0));
	bool lost = false;
	size_t got = 0;

	pthread_mutex_lock(&ev->lock);
	for (;;) {
		uint64_t oldest = ev->next_seq - ev->n;
		uint64_t from = after + 1;

		if (after >= ev->next_seq || from < oldest) {
			lost = true;
			from = oldest;
		}
		for (uint64_t seq = from; seq < ev->next_seq && got < max; seq++) {
			const slot *s = &ev->ring[(ev->head + (seq - oldest)) % ev->cap];

			if (slot_matches(s, ns, kinds))
				out[got++] = json_incref(s->event);
		}
		if (got || lost || atomic_load(&ev->closed) || max == 0 ||
		    pthread_cond_timedwait(&ev->wake, &ev->lock, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&ev->lock);
	*ret_lost = lost;
	return got;
}

uint64_t sp_events_last(sp_events *ev)
{
	uint64_t last;

	pthread_mutex_lock(&ev->lock);
	last = ev->next_seq - 1;
	pthread_mutex_unlock(&ev->lock);
	return last;
}

void sp_events_close(sp_events *ev)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	atomic_store(&ev->closed, true);
	pthread_cond_broadcast(&ev->wake);
	pthread_mutex_unlock(&ev->lock);
}

bool sp_events_closed(sp_events *ev)
{
	return atomic_load(&ev->closed);
}
