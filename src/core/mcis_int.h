/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/mcis_int.h - internals shared by the files of the service layer.
 *
 * The state is one JSON tree under reg->lock:
 *   reg->ns:       nsId -> {"info":{id,name,description},
 *                            "mcis":{mcisId -> {"info":{...},
 *                                               "vm":{vmId -> VM doc}}}}
 *   reg->requests: requestId -> request doc
 *   reg->defaults: "<ns>/<conn>" -> the default resources of a namespace
 *                  on a connection
 *   reg->hostkeys: "<conn>/<cloud VM id>" -> "<type> <base64>"
 * The lock is held only to read or change the tree, never across a cloud
 * call.  Changes reach the store through a batch written in the order
 * they were made (reg_commit).
 */
#ifndef SP_CORE_MCIS_INT_H
#define SP_CORE_MCIS_INT_H

#include <pthread.h>

#include "core/mcis.h"

struct connslot;

struct sp_mcis_reg {
	sp_core *core;
	pthread_mutex_t lock;
	pthread_mutex_t wlock;        /* orders store writes; taken under lock */
	pthread_cond_t cond;          /* jobs ending, slots, preparations */
	json_t *ns;
	json_t *requests;
	json_t *defaults;
	json_t *hostkeys;
	json_t *preparing;            /* "<ns>/<conn>" being prepared: true */
	size_t n_vms;
	unsigned jobs;
	bool stopping;
	unsigned conn_cap;            /* calls in flight per connection */
	struct connslot *slots;
	uint64_t seq;                 /* request ids */
};

/* A batch of store writes, built under reg->lock. */
typedef struct batch {
	sp_doc_write *w;
	char **docs;
	char **keys;
	size_t n, cap;
	bool oom;
} batch;

void batch_put(batch *b, const char *kind, const char *key, const json_t *doc);
void batch_del(batch *b, const char *kind, const char *key, bool subtree);
/* Write the batch, then release reg->lock (held by the caller) so later
 * changes are written after this one; frees the batch. */
int reg_commit(sp_mcis_reg *reg, batch *b, sp_error *err);
void batch_clear(batch *b);

/* Under reg->lock: the nodes of the tree (borrowed), or NULL with *err. */
json_t *ns_node(sp_mcis_reg *reg, const char *ns, sp_error *err);
json_t *mcis_node(sp_mcis_reg *reg, const char *ns, const char *mcis,
		  sp_error *err);
json_t *vm_node(json_t *mcis_node, const char *vm, sp_error *err);
/* Under reg->lock: queue the write of a node. */
void put_mcis(batch *b, const char *ns, json_t *mcis_node);
void put_vm(batch *b, const char *ns, const char *mcis, json_t *vm);

/* Publish an event (data taken). */
void reg_event(sp_mcis_reg *reg, const char *kind, const char *ns, json_t *data);
/* Under reg->lock: publish a VM's state. */
void vm_event(sp_mcis_reg *reg, const char *ns, const char *mcis, const json_t *vm);

/* Per-connection limit on calls in flight (create, control, terminate). */
void conn_slot_get(sp_mcis_reg *reg, const char *conn);
void conn_slot_put(sp_mcis_reg *reg, const char *conn);

/* Requests: a job runs fn(job, &result, err) inline (wait) or on its own
 * thread; ctx is freed with ctx_free when it is over. */
typedef struct job job;
typedef int (*job_fn)(job *j, json_t **ret, sp_error *err);
struct job {
	sp_mcis_reg *reg;
	char *id;
	char *ns;
	job_fn fn;
	void *ctx;
	void (*ctx_free)(void *ctx);
};
/* Or in two steps, so the request id is checked and taken before any
 * state changes: reserve, then launch (or cancel). */
job *job_reserve(sp_mcis_reg *reg, const char *ns, const char *kind,
		 const char *target, const sp_job_opts *o, sp_error *err);
int job_launch(job *j, job_fn fn, void *ctx, void (*ctx_free)(void *ctx),
	       const sp_job_opts *o, json_t **ret, bool *ret_async, sp_error *err);
void job_cancel(job *j);
int job_start(sp_mcis_reg *reg, const char *ns, const char *kind,
	      const char *target, job_fn fn, void *ctx,
	      void (*ctx_free)(void *ctx), const sp_job_opts *o, json_t **ret,
	      bool *ret_async, sp_error *err);
/* Progress of a running job: done of total, and what it does now. */
void job_progress(job *j, size_t done, size_t total, const char *message);
/* The same with reg->lock held: counts taken under the lock go out in order. */
void job_progress_locked(job *j, size_t done, size_t total, const char *message);

/* Names: lower-case letters, digits and '-', starting with a letter or
 * digit, at most max characters. */
int mcis_name_check(const char *field, const char *name, size_t max,
		    sp_error *err);
/* A string or number field as a string ("3" and 3 alike); NULL absent. */
int json_str_or_num(const json_t *obj, const char *key, char *buf,
		    size_t size, const char **ret, sp_error *err);
void now_rfc3339(char buf[static 32]);

/* VM docs. */
const char *vm_str(const json_t *vm, const char *key);
void vm_set(json_t *vm, const char *key, const char *value);
/* The Spider VM name of an MCIS VM. */
#define vm_spider_name(vm) vm_str((vm), "spiderVmName")
/* Recompute an MCIS's status and statusCount from its VMs (under lock). */
void mcis_aggregate(json_t *mcis_node);
/* The MCIS info for a reply (under lock; new reference). */
json_t *mcis_info(const json_t *mcis_node, bool with_vms);

/* Status: ask the cloud about each VM of the MCIS at once and record what
 * changed; vm_ids NULL: every VM. */
int mcis_refresh(sp_mcis_reg *reg, const char *ns, const char *mcis,
		 sp_error *err);
/* Wait for a Spider VM to reach want (or any final state); *ret is the
 * last status seen. */
int vm_wait_status(sp_conn *c, const char *name, sp_vm_status want,
		   sp_vm_status *ret, sp_error *err);
/* Terminate the Spider VMs of the listed MCIS VMs concurrently; ignore
 * failures when force.  The VM docs become Terminated. */
int mcis_terminate_vms(job *j, const char *mcis, json_t *vm_ids, bool force,
		       json_t **ret_results, sp_error *err);
/* Delete the default resources of ns that no MCIS uses any more. */
void ns_release_defaults(sp_mcis_reg *reg, const char *ns);

/* Remove an MCIS from the tree and the store (reg->lock NOT held). */
int mcis_remove(sp_mcis_reg *reg, const char *ns, const char *mcis,
		sp_error *err);

#endif
