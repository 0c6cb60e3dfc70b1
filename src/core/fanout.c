/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/fanout.c - one pool of worker threads for the whole process.
 *
 * Starting a thread per item cost a third of the daemon's CPU when 100
 * lists ran at once, so workers stay: a task queue, workers that wait
 * on it, and a new worker whenever a task is queued with no idle worker
 * to take it - so a worker stuck in a hung call never holds up the tasks
 * behind it.  Bursts come again (a status read of a 1000-VM MCIS, a
 * dashboard refreshing every few seconds), so an idle worker lingers
 * POOL_LINGER_S before it ends; POOL_IDLE_KEEP of them stay for good.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "core/fanout.h"

#define POOL_IDLE_KEEP 32
#define POOL_LINGER_S 30
#define POOL_MAX 1024

enum { PENDING, RUNNING, DONE, ABANDONED };

struct slot {
	void *item;
	int state;
	double t0;
	sp_fanout_result res;
};

/* Shared by the caller and the tasks; the last one out frees it. */
struct job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned refs;
	size_t n, finished;
	bool closed;            /* the caller has left */
	sp_fanout_fn fn;
	void (*item_free)(void *item);
	struct slot *slots;
};

struct task {
	struct job *job;
	size_t idx;
	struct task *next;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;   /* tasks queued */
static pthread_cond_t pool_quiet = PTHREAD_COND_INITIALIZER;  /* nothing running */
static struct task *q_head, *q_tail;
static size_t q_len, n_idle, n_starting, n_workers, n_busy;

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

static void task_run(struct task *t)
{
	struct job *j = t->job;
	struct slot *s = &j->slots[t->idx];
	sp_fanout_result res = { 0 };

	pthread_mutex_lock(&j->lock);
	if (j->closed || s->state != PENDING) {
		job_unref_locked(j);
		return;
	}
	s->state = RUNNING;
	s->t0 = sp_now_mono();
	pthread_mutex_unlock(&j->lock);
	res.rc = j->fn(s->item, &res.value, &res.err);
	pthread_mutex_lock(&j->lock);
	j->item_free(s->item);
	s->item = NULL;
	if (s->state == ABANDONED) {
		json_decref(res.rc == 0 ? res.value : NULL);
	} else {
		s->res = res;
		s->state = DONE;
		/* Only the last one wakes the caller; it wakes by itself for a
		 * deadline. */
		if (++j->finished == j->n)
			pthread_cond_signal(&j->cond);
	}
	job_unref_locked(j);
}

static void *worker(void *arg)
{
	pthread_mutex_lock(&pool_lock);
	n_starting--;
	for (;;) {
		struct task *t;

		while (!q_head) {
			struct timespec until;
			int rc;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += POOL_LINGER_S;
			n_idle++;
			rc = pthread_cond_timedwait(&pool_cond, &pool_lock, &until);
			n_idle--;
			if (rc == ETIMEDOUT && !q_head && n_idle >= POOL_IDLE_KEEP)
				goto out;
		}
		t = q_head;
		if (!(q_head = t->next))
			q_tail = NULL;
		q_len--;
		n_busy++;
		pthread_mutex_unlock(&pool_lock);
		task_run(t);
		free(t);
		pthread_mutex_lock(&pool_lock);
		if (--n_busy == 0 && !q_head)
			pthread_cond_broadcast(&pool_quiet);
	}
out:
	n_workers--;
	pthread_mutex_unlock(&pool_lock);
	return NULL;
}

/* Start workers until every queued task has an idle one; pool lock held.
 * Fails only when there is no worker at all to run the queue. */
static int pool_grow_locked(void)
{
	while (q_len > n_idle + n_starting && n_workers < POOL_MAX) {
		pthread_attr_t attr;
		pthread_t t;
		int rc;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		rc = pthread_create(&t, &attr, worker, NULL);
		pthread_attr_destroy(&attr);
		if (rc != 0)
			break;
		n_workers++;
		n_starting++;   /* as good as idle: it takes a task first thing */
	}
	/* Wake one idle worker per queued task, not all of them: with a
	 * thousand idle workers, a broadcast per list was a thundering herd
	 * on pool_lock. */
	for (size_t i = 0; i < q_len && i < n_idle; i++)
		pthread_cond_signal(&pool_cond);
	return n_workers > 0 ? 0 : -1;
}

bool sp_fanout_drain(double timeout_s)
{
	struct timespec ts;
	bool quiet;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)timeout_s;
	pthread_mutex_lock(&pool_lock);
	while ((n_busy > 0 || q_head) && pthread_cond_timedwait(&pool_quiet, &pool_lock, &ts) == 0)
		;
	quiet = n_busy == 0 && !q_head;
	pthread_mutex_unlock(&pool_lock);
	return quiet;
}

int sp_fanout_run(void **items, size_t n, sp_fanout_fn fn,
		  void (*item_free)(void *item), double timeout_s,
		  sp_fanout_result **ret_results, sp_error *err)
{
	struct job *j = calloc(1, sizeof(*j));
	sp_fanout_result *out = calloc(n ? n : 1, sizeof(*out));
	struct task *first = NULL, *last = NULL;
	pthread_condattr_t ca;
	int grown;

	if (!j || !out || !(j->slots = calloc(n ? n : 1, sizeof(*j->slots))))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct task *t = calloc(1, sizeof(*t));

		if (!t)
			goto oom;
		*t = (struct task){ j, i, NULL };
		if (last)
			last->next = t;
		else
			first = t;
		last = t;
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);
	j->refs = 1 + (unsigned)n;
	j->n = n;
	j->fn = fn;
	j->item_free = item_free;
	for (size_t i = 0; i < n; i++)
		j->slots[i].item = items[i];

	pthread_mutex_lock(&pool_lock);
	if (first) {
		if (q_tail)
			q_tail->next = first;
		else
			q_head = first;
		q_tail = last;
		q_len += n;
	}
	grown = n ? pool_grow_locked() : 0;
	pthread_mutex_unlock(&pool_lock);

	pthread_mutex_lock(&j->lock);
	if (grown < 0) {
		/* No thread at all: the queued tasks will find the job closed. */
		for (size_t i = 0; i < n; i++)
			sp_error_set(&j->slots[i].res.err, SP_ERR_INTERNAL, "cannot start a worker thread");
		j->finished = n;
		for (size_t i = 0; i < n; i++)
			j->slots[i].res.rc = -1;
	}
	while (j->finished < j->n) {
		double now = sp_now_mono(), wake = now + timeout_s;
		bool abandoned = false;

		for (size_t i = 0; i < j->n; i++) {
			struct slot *s = &j->slots[i];

			if (s->state != RUNNING)
				continue;
			if (now - s->t0 >= timeout_s) {
				s->state = ABANDONED;
				s->res.rc = -1;
				sp_error_set(&s->res.err, SP_ERR_TIMEOUT, "no answer from the cloud within %.1f s", timeout_s);
				j->finished++;
				abandoned = true;
			} else if (s->t0 + timeout_s < wake) {
				wake = s->t0 + timeout_s;
			}
		}
		if (abandoned) {
			/* Its worker is stuck: make sure the queue still moves. */
			pthread_mutex_unlock(&j->lock);
			pthread_mutex_lock(&pool_lock);
			pool_grow_locked();
			pthread_mutex_unlock(&pool_lock);
			pthread_mutex_lock(&j->lock);
			continue;
		}
		if (j->finished < j->n) {
			struct timespec ts = sp_timespec(wake);

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
oom:
	while (first) {
		struct task *t = first;

		first = t->next;
		free(t);
	}
	if (j)
		free(j->slots);
	free(j);
	free(out);
	for (size_t i = 0; i < n; i++)
		item_free(items[i]);
	return sp_error_oom(err);
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
