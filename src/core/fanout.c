/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <time.h>

#include "core/fanout.h"

enum { PENDING, RUNNING, DONE, ABANDONED };

/* Workers alive in the process, so that shutdown can wait for the ones
 * still finishing a call that was given up on. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cond = PTHREAD_COND_INITIALIZER;
static size_t live_workers;

static void live_add(long d)
{
	pthread_mutex_lock(&live_lock);
	live_workers = (size_t)((long)live_workers + d);
	if (live_workers == 0)
		pthread_cond_broadcast(&live_cond);
	pthread_mutex_unlock(&live_lock);
}

bool sp_fanout_drain(double timeout_s)
{
	struct timespec ts;
	bool idle;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)timeout_s;
	pthread_mutex_lock(&live_lock);
	while (live_workers > 0 && pthread_cond_timedwait(&live_cond, &live_lock, &ts) == 0)
		;
	idle = live_workers == 0;
	pthread_mutex_unlock(&live_lock);
	return idle;
}

struct slot {
	void *item;
	int state;
	double t0;
	sp_fanout_result res;
};

/* Shared by the caller and the workers; the last one out frees it. */
struct job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned refs;
	size_t n, next, finished;
	size_t live;            /* workers not yet gone */
	bool closed;            /* the caller has left: take no new items */
	sp_fanout_fn fn;
	void (*item_free)(void *item);
	struct slot *slots;
};

static void job_unref_locked(struct job *j)
{
	bool last = --j->refs == 0;

	pthread_mutex_unlock(&j->lock);
	if (!last)
		return;
	for (size_t i = 0; i < j->n; i++) {
		if (j->slots[i].item)
			j->item_free(j->slots[i].item);
		json_decref(j->slots[i].res.value);
	}
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->cond);
	free(j->slots);
	free(j);
}

static void *worker(void *arg)
{
	struct job *j = arg;

	pthread_mutex_lock(&j->lock);
	while (!j->closed && j->next < j->n) {
		struct slot *s = &j->slots[j->next++];
		sp_fanout_result res = { 0 };

		s->state = RUNNING;
		s->t0 = sp_now_mono();
		pthread_mutex_unlock(&j->lock);
		res.rc = j->fn(s->item, &res.value, &res.err);
		pthread_mutex_lock(&j->lock);
		j->item_free(s->item);
		s->item = NULL;
		if (s->state == ABANDONED) {
			/* Given up on: a replacement took our place. */
			json_decref(res.rc == 0 ? res.value : NULL);
			break;
		}
		s->res = res;
		s->state = DONE;
		j->finished++;
		pthread_cond_broadcast(&j->cond);
	}
	j->live--;
	pthread_cond_broadcast(&j->cond);
	job_unref_locked(j);
	live_add(-1);
	return NULL;
}

/* Start a worker; called with the lock held. */
static int worker_start(struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	j->refs++;
	j->live++;
	live_add(1);
	rc = pthread_create(&t, &attr, worker, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		j->refs--;
		j->live--;
		live_add(-1);
	}
	return rc == 0 ? 0 : -1;
}

static struct timespec abs_time(double mono)
{
	struct timespec ts;
	double whole = (double)(time_t)mono;

	ts.tv_sec = (time_t)mono;
	ts.tv_nsec = (long)((mono - whole) * 1e9);
	return ts;
}

int sp_fanout_run(void **items, size_t n, sp_fanout_fn fn,
		  void (*item_free)(void *item), double timeout_s,
		  sp_fanout_result **ret_results, sp_error *err)
{
	struct job *j = calloc(1, sizeof(*j));
	sp_fanout_result *out = calloc(n ? n : 1, sizeof(*out));
	pthread_condattr_t ca;
	size_t workers = n < SP_FANOUT_WORKERS ? n : SP_FANOUT_WORKERS, started = 0;

	if (!j || !out || !(j->slots = calloc(n ? n : 1, sizeof(*j->slots)))) {
		if (j)
			free(j->slots);
		free(j);
		free(out);
		for (size_t i = 0; i < n; i++)
			item_free(items[i]);
		return sp_error_oom(err);
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);
	j->refs = 1;
	j->n = n;
	j->fn = fn;
	j->item_free = item_free;
	for (size_t i = 0; i < n; i++)
		j->slots[i].item = items[i];

	pthread_mutex_lock(&j->lock);
	for (size_t i = 0; i < workers; i++)
		if (worker_start(j) == 0)
			started++;
	if (n > 0 && started == 0) {
		j->closed = true;
		job_unref_locked(j);
		free(out);
		return sp_error_set(err, SP_ERR_INTERNAL, "cannot start worker threads");
	}
	while (j->finished < j->n) {
		double now = sp_now_mono(), wake = now + timeout_s;

		for (size_t i = 0; i < j->n; i++) {
			struct slot *s = &j->slots[i];

			if (s->state != RUNNING)
				continue;
			if (now - s->t0 >= timeout_s) {
				s->state = ABANDONED;
				s->res.rc = -1;
				sp_error_set(&s->res.err, SP_ERR_TIMEOUT, "no answer from the cloud within %.1f s", timeout_s);
				j->finished++;
				/* Keep the pool at strength for the rest. */
				if (j->next < j->n)
					worker_start(j);
			} else if (s->t0 + timeout_s < wake) {
				wake = s->t0 + timeout_s;
			}
		}
		if (j->live == 0 && j->next < j->n && worker_start(j) < 0) {
			/* No thread left to run the rest: fail them. */
			for (; j->next < j->n; j->next++, j->finished++) {
				j->slots[j->next].res.rc = -1;
				sp_error_set(&j->slots[j->next].res.err, SP_ERR_INTERNAL, "cannot start a worker thread");
			}
		}
		if (j->finished < j->n) {
			struct timespec ts = abs_time(wake);

			pthread_cond_timedwait(&j->cond, &j->lock, &ts);
		}
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = j->slots[i].res;
		j->slots[i].res.value = NULL;
	}
	j->closed = true;
	job_unref_locked(j);
	*ret_results = out;
	return 0;
}

void sp_fanout_results_free(sp_fanout_result *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++)
		if (r[i].rc == 0)
			json_decref(r[i].value);
	free(r);
}
