/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/mcis.h - multi-cloud services: namespaces, MCIS (a named group of
 * VMs over any connections), their lifecycle, status and remote commands.
 *
 * The layer sits on the resource layer (core/res.h): an MCIS VM is a
 * Spider VM named "<ns>-<mcis>-<vm>" on its connection.  Namespaces,
 * MCIS and their VMs live in memory, written through to the store's
 * documents (kinds "ns", "mcis", "vm", "request", "default", "hostkey").
 *
 * Long work (create, lifecycle, delete, commands) runs as a request: the
 * call returns {"requestId",...} at once, or, with wait, the result; the
 * request's progress and result are read with sp_request_get() and are
 * pushed on the event bus.  A request runs to its end whatever happens to
 * the client that started it.
 *
 * Every function answers in the reference's JSON shapes (new references
 * in *ret); errors are reported in *err.
 */
#ifndef SP_CORE_MCIS_H
#define SP_CORE_MCIS_H

#include "core/conn.h"

/* Caps. */
#define SP_NS_MAX 1000
#define SP_MCIS_PER_NS_MAX 1000
#define SP_MCIS_VMS_MAX 2000      /* VMs in one MCIS */
#define SP_VMS_MAX 20000          /* VMs in every MCIS */
#define SP_REQUESTS_MAX 1000      /* requests remembered */

typedef struct sp_mcis_reg sp_mcis_reg;

/* Load the service layer's state into core->mcis; requests cut off by the
 * last shutdown are marked Interrupted. */
int sp_mcis_open(sp_core *core, sp_error *err);
/* Let running requests finish (up to grace_s), then free the state. */
void sp_mcis_close(sp_core *core, double grace_s);

/* How a long call runs: wait for its end, or return the request id at
 * once; request_id is the client's (x-request-id), NULL for a new one. */
typedef struct sp_job_opts {
	bool wait;
	const char *request_id;
} sp_job_opts;

/* Namespaces ({"name","description"} -> {"id","name","description"}). */
int sp_ns_create(sp_core *core, const json_t *req, json_t **ret, sp_error *err);
int sp_ns_list(sp_core *core, json_t **ret, sp_error *err);
int sp_ns_get(sp_core *core, const char *ns, json_t **ret, sp_error *err);
int sp_ns_update(sp_core *core, const char *ns, const json_t *req,
		 json_t **ret, sp_error *err);
/* Refused while it holds an MCIS unless force: then every MCIS is
 * terminated and deleted, with the default resources. */
int sp_ns_delete(sp_core *core, const char *ns, bool force, sp_error *err);

/* Requests. */
int sp_request_get(sp_core *core, const char *id, json_t **ret, sp_error *err);
/* ns, status: filters (NULL: any). */
int sp_request_list(sp_core *core, const char *ns, const char *status,
		    json_t **ret, sp_error *err);
/* Forget a finished request (SP_ERR_CONFLICT while it runs). */
int sp_request_delete(sp_core *core, const char *id, sp_error *err);

/*
 * Create an MCIS from the static or the dynamic form; add VMs to one
 * (vm_req is one VM entry, static or dynamic); scale a subGroup out by
 * {"numVMsToAdd"}.  *ret_async tells whether *ret is the request handle
 * (true) or the MCIS info.
 */
int sp_mcis_create(sp_core *core, const char *ns, const json_t *req,
		   bool dynamic, const sp_job_opts *o, json_t **ret,
		   bool *ret_async, sp_error *err);
int sp_mcis_add_vm(sp_core *core, const char *ns, const char *mcis,
		   const json_t *vm_req, bool dynamic, const sp_job_opts *o,
		   json_t **ret, bool *ret_async, sp_error *err);
int sp_mcis_scale_out(sp_core *core, const char *ns, const char *mcis,
		      const char *subgroup, const json_t *req,
		      const sp_job_opts *o, json_t **ret, bool *ret_async,
		      sp_error *err);

/* option: NULL/"default" (stored state), "id", "simple", "status" (asks
 * every VM's status of the cloud now, concurrently), "accessinfo".  A
 * status answer comes as JSON text in *ret_text (malloc'd; it can be
 * large and is written straight away), every other one in *ret. */
int sp_mcis_list(sp_core *core, const char *ns, const char *option,
		 json_t **ret, char **ret_text, sp_error *err);
int sp_mcis_get(sp_core *core, const char *ns, const char *mcis,
		const char *option, json_t **ret, char **ret_text,
		sp_error *err);
int sp_mcis_vm_get(sp_core *core, const char *ns, const char *mcis,
		   const char *vm, const char *option, json_t **ret,
		   sp_error *err);
/* subgroup NULL: {"subGroup":[...]} of all. */
int sp_mcis_subgroups(sp_core *core, const char *ns, const char *mcis,
		      const char *subgroup, json_t **ret, sp_error *err);

/* option: NULL (only when every VM is Terminated, Undefined or Failed),
 * "terminate" or "force" (terminate, ignoring failures). */
int sp_mcis_delete(sp_core *core, const char *ns, const char *mcis,
		   const char *option, const sp_job_opts *o, json_t **ret,
		   bool *ret_async, sp_error *err);
/* Terminate one VM (unless it is already gone) and remove it. */
int sp_mcis_vm_delete(sp_core *core, const char *ns, const char *mcis,
		      const char *vm, const sp_job_opts *o, json_t **ret,
		      bool *ret_async, sp_error *err);

/* A lifecycle action on an MCIS, a subGroup or one VM. */
typedef struct sp_mcis_ctl {
	const char *action;       /* suspend|resume|reboot|terminate|refine */
	bool force;               /* skip the state guard */
	bool sequence;            /* one VM after another, else all at once */
	const json_t *order;      /* the VMs, as ids (NULL: all); in sequence,
				   * their order */
	bool continue_on_error;   /* sequence: go on past a failed VM */
	const char *subgroup;     /* NULL: every VM */
	const char *vm;           /* NULL: every VM (of the subGroup) */
} sp_mcis_ctl;

int sp_mcis_control(sp_core *core, const char *ns, const char *mcis,
		    const sp_mcis_ctl *ctl, const sp_job_opts *o,
		    json_t **ret, bool *ret_async, sp_error *err);

/* Remote commands ({"userName","command":[...],"timeoutSeconds"}) and
 * file copy ({"path","content" (base64),"mode","userName"}) over SSH on
 * every Running VM of the MCIS, the subGroup or the VM. */
int sp_mcis_command(sp_core *core, const char *ns, const char *mcis,
		    const char *subgroup, const char *vm, const json_t *req,
		    const sp_job_opts *o, json_t **ret, bool *ret_async,
		    sp_error *err);
int sp_mcis_copy(sp_core *core, const char *ns, const char *mcis,
		 const char *subgroup, const char *vm, const json_t *req,
		 const sp_job_opts *o, json_t **ret, bool *ret_async,
		 sp_error *err);

#endif
