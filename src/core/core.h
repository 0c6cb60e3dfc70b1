/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/core.h - the daemon's state, shared by every request handler.
 */
#ifndef SP_CORE_CORE_H
#define SP_CORE_CORE_H

#include <pthread.h>

#include "core/hiscall.h"
#include "core/plugin.h"
#include "store/store.h"
#include "util/crypto.h"

typedef struct sp_conn_cache sp_conn_cache;
typedef struct sp_events sp_events;
typedef struct sp_mcis_reg sp_mcis_reg;

typedef struct sp_core {
	sp_store *store;
	sp_plugins *plugins;
	sp_hiscall *hiscall;
	sp_conn_cache *conns;
	sp_events *events;    /* what changed, for GET /spider/events */
	sp_mcis_reg *mcis;    /* the service layer (core/mcis.h) */
	sp_key key;           /* seals credentials at rest */
	char *data_dir;
	char *state_dir;      /* <data-dir>/drivers: drivers' own state */
	_Atomic(const char *) url; /* where the API listens, once it does */
	/* Resources: how long one list item may take; how long a VM create
	 * or terminate waits for the VM to settle; how often the wait polls
	 * at most; IDTransformMode's default. */
	double item_timeout_s;
	double vm_wait_s;
	double vm_poll_max_s;
	bool id_transform;
} sp_core;

#endif
