/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/fanout.h - run many slow calls at once, each with a deadline.
 *
 * A list of 40 VMs asks the cloud about each VM; one slow or hung answer
 * must not hold up the other 39, nor the list.  sp_fanout_run() runs
 * fn(item) for every item at once on the process's pool of worker
 * threads (which grows while tasks wait and no worker is idle, up to
 * 1024).  An item that has not finished within timeout_s of its start is
 * given up: its result is an SP_ERR_TIMEOUT error and its worker is left
 * to finish the call alone (and throw the answer away).  So the call
 * returns within about timeout_s, however the calls behave.
 */
#ifndef SP_CORE_FANOUT_H
#define SP_CORE_FANOUT_H

#include "util/common.h"

/* One item's work: fill *ret (a new reference) and return 0, or return
 * -1 with *err set.  Runs on a worker thread; item is the caller's. */
typedef int (*sp_fanout_fn)(void *item, json_t **ret, sp_error *err);

typedef struct sp_fanout_result {
	int rc;
	json_t *value;   /* owned when rc == 0 */
	sp_error err;    /* when rc < 0 */
} sp_fanout_result;

/*
 * Run fn over items[0..n).  The items must stay valid until every call
 * has returned, which may be after sp_fanout_run() itself has returned
 * (a call given up on runs on): so ownership of each item passes to the
 * fan-out, which calls item_free(item) when its call is over.
 * On success, *ret_results is a new array of n results in item order,
 * freed with sp_fanout_results_free().  Fails only when memory or
 * threads run out (then every item has been freed).
 */
int sp_fanout_run(void **items, size_t n, sp_fanout_fn fn,
		  void (*item_free)(void *item), double timeout_s,
		  sp_fanout_result **ret_results, sp_error *err);

void sp_fanout_results_free(sp_fanout_result *r, size_t n);

/* Wait up to timeout_s for every worker of the process to be gone (at
 * shutdown: a call given up on may still run in a driver).  True when
 * none is left. */
bool sp_fanout_drain(double timeout_s);

#endif
