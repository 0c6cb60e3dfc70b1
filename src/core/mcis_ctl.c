/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/mcis_ctl.c - lifecycle of an MCIS, a subGroup or one VM: suspend,
 * resume, reboot, terminate, refine and delete.
 *
 * An accepted action marks the MCIS and each VM with targetAction,
 * targetStatus and the transitional status at once, then runs as a
 * request: concurrently (every VM at once, within the per-connection
 * limit) or in sequence (one VM after another in the user's order,
 * each waited for until it reaches its target, stopping at the first
 * failure unless told to go on).  A VM whose action fails goes back to
 * the state the cloud reports, with the error in systemMessage.
 */
#include "core/fanout.h"
#include "core/mcis_int.h"
#include "core/names.h"
#include "core/res.h"
#include "util/json.h"
#include "util/log.h"

#define CTL_FOREVER_S (7 * 24 * 3600.0)

struct action {
	const char *name;          /* "suspend" */
	const char *target_action; /* "Suspend" */
	const char *transitional;  /* "Suspending" */
	const char *target;        /* "Suspended" */
	sp_vm_action vm_action;
	sp_vm_status want;
};

static const struct action actions[] = {
	{ "suspend", "Suspend", "Suspending", "Suspended", SP_VM_SUSPEND, SP_VM_SUSPENDED },
	{ "resume", "Resume", "Resuming", "Running", SP_VM_RESUME, SP_VM_RUNNING },
	{ "reboot", "Reboot", "Rebooting", "Running", SP_VM_REBOOT, SP_VM_RUNNING },
	{ "terminate", "Terminate", "Terminating", "Terminated", SP_VM_SUSPEND, SP_VM_TERMINATED },
};

static bool transitional(const char *s)
{
	return !strcmp(s, "Creating") || !strcmp(s, "Suspending") || !strcmp(s, "Resuming") ||
	       !strcmp(s, "Rebooting") || !strcmp(s, "Terminating");
}

/* The state guard of §6 for one VM: NULL when allowed, else why not. */
static const char *guard(const struct action *a, const json_t *vm, char *buf, size_t size)
{
	const char *s = vm_str(vm, "status");
	const char *id = vm_str(vm, "id");

	if (!strcmp(s, "Terminated") || (!strcmp(s, "Failed") && !*vm_str(vm, "idByCSP")))
		snprintf(buf, size, "VM '%s' is %s; cannot %s it", id, s, a->name);
	else if (!strcmp(s, a->target) && strcmp(a->name, "reboot"))
		snprintf(buf, size, "VM '%s' is %s already; cannot %s it", id, s, a->name);
	else if (transitional(s))
		snprintf(buf, size, "VM '%s' is %s; try again when it has settled", id, s);
	else if (!strcmp(s, "Suspended") && strcmp(a->name, "resume") && strcmp(a->name, "terminate"))
		snprintf(buf, size, "VM '%s' is Suspended; cannot %s it (only resume and terminate)", id, a->name);
	else if (!strcmp(a->name, "reboot") && strcmp(s, "Running"))
		snprintf(buf, size, "VM '%s' is %s; cannot reboot it", id, s);
	else
		return NULL;
	return buf;
}

int vm_wait_status(sp_conn *c, const char *name, sp_vm_status want, sp_vm_status *ret, sp_error *err)
{
	double deadline = sp_now_mono() + c->core->vm_wait_s, pause = 0.1;

	for (;;) {
		if (sp_vm_status_get(c, name, ret, err) < 0)
			return -1;
		if (*ret == want)
			return 0;
		if (*ret == SP_VM_TERMINATED || *ret == SP_VM_NOT_EXIST || *ret == SP_VM_FAILED)
			return sp_error_set(err, SP_ERR_CLOUD, "VM '%s' became %s instead of %s", name,
					    sp_vm_status_name(*ret), sp_vm_status_name(want));
		if (sp_now_mono() + pause > deadline)
			return sp_error_set(err, SP_ERR_TIMEOUT, "VM '%s' is still %s after %.0f s; want %s", name,
					    sp_vm_status_name(*ret), c->core->vm_wait_s, sp_vm_status_name(want));
		sp_sleep(pause);
		pause = pause * 1.5 > c->core->vm_poll_max_s ? c->core->vm_poll_max_s : pause * 1.5;
	}
}

/* ---- one VM's action ------------------------------------------------ */

struct vm_call {
	sp_mcis_reg *reg;
	const struct action *a;
	char *ns, *mcis, *id, *conn, *spname;
	bool force;
	json_t *result;   /* {vmId, action, status, startTime, endTime, error} */
};

static void vm_call_free(void *p)
{
	struct vm_call *vc = p;

	free(vc->ns);
	free(vc->mcis);
	free(vc->id);
	free(vc->conn);
	free(vc->spname);
	json_decref(vc->result);
	free(vc);
}

/* Run one VM's action to its target; record the VM's new state. */
static int vm_call_run(void *p, json_t **ret, sp_error *err)
{
	struct vm_call *vc = p;
	sp_mcis_reg *reg = vc->reg;
	sp_conn *c = NULL;
	sp_vm_status st = SP_VM_FAILED;
	sp_error e = { 0 };
	char t0[32], t1[32];
	json_t *mn, *vm;
	batch b = { 0 };
	int rc;

	now_rfc3339(t0);
	conn_slot_get(reg, vc->conn);
	rc = sp_conn_acquire(reg->core, vc->conn, &c, &e);
	if (rc == 0 && !strcmp(vc->a->name, "terminate")) {
		rc = sp_res_delete(c, &sp_res_types[SP_RES_VM], vc->spname, vc->force, &st, &e);
		if (rc < 0 && e.code == SP_ERR_NOT_FOUND) {
			rc = 0;   /* gone already: that is what was wanted */
			st = SP_VM_TERMINATED;
		}
		if (rc == 0)
			st = SP_VM_TERMINATED;
	} else if (rc == 0) {
		rc = sp_vm_control(c, vc->spname, vc->a->vm_action, &st, &e);
		if (rc == 0)
			rc = vm_wait_status(c, vc->spname, vc->a->want, &st, &e);
	}
	/* On failure the VM goes back to what the cloud says it is. */
	if (rc < 0 && c && sp_vm_status_get(c, vc->spname, &st, err) < 0)
		st = SP_VM_NOT_EXIST;
	sp_conn_release(c);
	conn_slot_put(reg, vc->conn);
	now_rfc3339(t1);

	pthread_mutex_lock(&reg->lock);
	mn = json_object_get(json_object_get(json_object_get(reg->ns, vc->ns), "mcis"), vc->mcis);
	vm = json_object_get(json_object_get(mn, "vm"), vc->id);
	if (vm) {
		const char *s = rc == 0 ? vc->a->target : sp_vm_status_name(st);

		if (rc < 0 && (st == SP_VM_NOT_EXIST || st == SP_VM_FAILED))
			s = "Undefined";
		vm_set(vm, "status", s);
		vm_set(vm, "nativeStatus", sp_vm_status_name(st));
		vm_set(vm, "targetStatus", "None");
		vm_set(vm, "targetAction", "None");
		vm_set(vm, "systemMessage", rc == 0 ? "" : e.message);
		json_object_set_new(vm, "_ver", json_integer(json_integer_value(json_object_get(vm, "_ver")) + 1));
		put_vm(&b, vc->ns, vc->mcis, vm);
		vm_event(reg, vc->ns, vc->mcis, vm);
	}
	vc->result = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "vmId", vc->id, "action", vc->a->name,
			       "status", vm ? vm_str(vm, "status") : sp_vm_status_name(st), "startTime", t0,
			       "endTime", t1, "error", rc == 0 ? "" : e.message);
	reg_commit(reg, &b, err);
	if (rc < 0) {
		*err = e;
		return -1;
	}
	*ret = json_incref(vc->result);
	return *ret ? 0 : sp_error_oom(err);
}

/* ---- the action job ------------------------------------------------- */

struct ctl_job {
	const struct action *a;
	char *ns, *mcis;
	json_t *vm_ids;     /* in run order */
	json_t *skipped;    /* [{vmId, reason}] */
	bool sequence, continue_on_error, force;
	bool then_delete;   /* delete the MCIS after (option terminate/force) */
	char *delete_vm;    /* remove this VM after */
};

static void ctl_job_free(void *p)
{
	struct ctl_job *cj = p;

	free(cj->ns);
	free(cj->mcis);
	free(cj->delete_vm);
	json_decref(cj->vm_ids);
	json_decref(cj->skipped);
	free(cj);
}

static struct vm_call *vm_call_new(sp_mcis_reg *reg, const struct ctl_job *cj, const char *id)
{
	struct vm_call *vc = calloc(1, sizeof(*vc));
	json_t *vm;

	if (!vc)
		return NULL;
	vc->reg = reg;
	vc->a = cj->a;
	vc->force = cj->force;
	pthread_mutex_lock(&reg->lock);
	vm = json_object_get(json_object_get(json_object_get(json_object_get(reg->ns, cj->ns), "mcis"), cj->mcis), "vm");
	vm = json_object_get(vm, id);
	if (vm) {
		vc->conn = strdup(vm_str(vm, "connectionName"));
		vc->spname = strdup(vm_spider_name(vm));
	}
	pthread_mutex_unlock(&reg->lock);
	vc->ns = strdup(cj->ns);
	vc->mcis = strdup(cj->mcis);
	vc->id = strdup(id);
	if (!vc->conn || !vc->spname || !vc->ns || !vc->mcis || !vc->id) {
		vm_call_free(vc);
		return NULL;
	}
	return vc;
}

/* Run the VMs' calls; results in run order into out. */
static int ctl_run_vms(job *j, struct ctl_job *cj, json_t *out, size_t *ret_failed, sp_error *err)
{
	size_t n = json_array_size(cj->vm_ids), failed = 0;

	if (cj->sequence) {
		for (size_t i = 0; i < n; i++) {
			struct vm_call *vc = vm_call_new(j->reg, cj, json_string_value(json_array_get(cj->vm_ids, i)));
			json_t *r = NULL;
			sp_error e = { 0 };
			char msg[64];

			if (!vc)
				return sp_error_oom(err);
			snprintf(msg, sizeof(msg), "%s %.40s", cj->a->name, vc->id);
			job_progress(j, i, n, msg);
			if (vm_call_run(vc, &r, &e) < 0)
				failed++;
			json_array_append(out, vc->result);
			json_decref(r);
			vm_call_free(vc);
			if (failed && !cj->continue_on_error) {
				for (size_t k = i + 1; k < n; k++)
					json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "vmId",
									     json_string_value(json_array_get(cj->vm_ids, k)),
									     "action", cj->a->name, "status", "Skipped",
									     "error", "not run: an earlier VM of the sequence failed"));
				break;
			}
		}
	} else {
		void **items = calloc(n + 1, sizeof(*items));
		sp_fanout_result *res = NULL;

		if (!items)
			return sp_error_oom(err);
		for (size_t i = 0; i < n; i++)
			if (!(items[i] = vm_call_new(j->reg, cj, json_string_value(json_array_get(cj->vm_ids, i))))) {
				for (size_t k = 0; k < i; k++)
					vm_call_free(items[k]);
				free(items);
				return sp_error_oom(err);
			}
		job_progress(j, 0, n, cj->a->name);
		if (sp_fanout_run(items, n, vm_call_run, vm_call_free, CTL_FOREVER_S, &res, err) < 0) {
			free(items);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (res[i].rc == 0)
				json_array_append(out, res[i].value);
			else
				json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "vmId",
								     json_string_value(json_array_get(cj->vm_ids, i)),
								     "action", cj->a->name, "status", "Failed",
								     "error", res[i].err.message));
			failed += res[i].rc < 0;
		}
		sp_fanout_results_free(res, n);
		free(items);
	}
	job_progress(j, n, n, failed ? "done, with failures" : "done");
	*ret_failed = failed;
	return 0;
}

/* Under lock: end the MCIS's action. */
static void ctl_end(sp_mcis_reg *reg, const char *ns, const char *mcis, batch *b)
{
	json_t *mn = json_object_get(json_object_get(json_object_get(reg->ns, ns), "mcis"), mcis);
	json_t *info = json_object_get(mn, "info");

	if (!mn)
		return;
	vm_set(info, "targetAction", "None");
	vm_set(info, "targetStatus", "None");
	mcis_aggregate(mn);
	put_mcis(b, ns, mn);
	reg_event(reg, "mcis", ns, json_pack("{s:s,s:s,s:s,s:O}", "action", "status", "mcisId", mcis,
					     "status", vm_str(info, "status"), "statusCount", json_object_get(info, "statusCount")));
}

static int remove_vm(sp_mcis_reg *reg, const char *ns, const char *mcis, const char *id, sp_error *err)
{
	json_t *mn;
	char key[3 * SP_NAME_MAX + 3];
	batch b = { 0 };

	pthread_mutex_lock(&reg->lock);
	mn = json_object_get(json_object_get(json_object_get(reg->ns, ns), "mcis"), mcis);
	if (mn && json_object_get(json_object_get(mn, "vm"), id)) {
		json_object_del(json_object_get(mn, "vm"), id);
		reg->n_vms--;
		snprintf(key, sizeof(key), "%s/%s/%s", ns, mcis, id);
		batch_del(&b, "vm", key, false);
		mcis_aggregate(mn);
		put_mcis(&b, ns, mn);
	}
	return reg_commit(reg, &b, err);
}

/* The first error of a run's results. */
static const char *first_error(const json_t *results)
{
	size_t i;
	json_t *r;

	json_array_foreach(results, i, r) {
		const char *e = json_string_value(json_object_get(r, "error"));

		if (!sp_isempty(e) && strcmp(vm_str(r, "status"), "Skipped"))
			return e;
	}
	return "";
}

static int ctl_run(job *j, json_t **ret, sp_error *err)
{
	struct ctl_job *cj = j->ctx;
	sp_mcis_reg *reg = j->reg;
	_cleanup_json_ json_t *out = json_array();
	size_t failed = 0;
	batch b = { 0 };
	int rc;

	if (!out)
		return sp_error_oom(err);
	rc = ctl_run_vms(j, cj, out, &failed, err);
	pthread_mutex_lock(&reg->lock);
	ctl_end(reg, cj->ns, cj->mcis, &b);
	reg_commit(reg, &b, err);
	if (rc < 0)
		return -1;
	if (failed && !(cj->force && (cj->then_delete || cj->delete_vm))) {
		/* The request keeps what was done, beside the error. */
		*ret = json_pack("{s:s,s:s,s:s,s:O,s:O}", "mcisId", cj->mcis, "action", cj->a->name,
				 "mode", cj->sequence ? "sequence" : "concurrent", "results", out, "skipped", cj->skipped);
		return sp_error_set(err, SP_ERR_CLOUD, "%s failed on %zu of %zu VMs: %s", cj->a->name, failed,
				    json_array_size(cj->vm_ids), first_error(out));
	}
	if (cj->delete_vm && remove_vm(reg, cj->ns, cj->mcis, cj->delete_vm, err) < 0)
		return -1;
	if (cj->then_delete) {
		if (mcis_remove(reg, cj->ns, cj->mcis, err) < 0)
			return -1;
		ns_release_defaults(reg, cj->ns);
		*ret = json_pack("{s:s,s:O}", "message", "", "results", out);
		if (*ret) {
			char m[SP_NAME_MAX + 32];

			snprintf(m, sizeof(m), "Deleted the MCIS %s", cj->mcis);
			json_object_set_new(*ret, "message", json_string(m));
		}
		return *ret ? 0 : sp_error_oom(err);
	}
	*ret = json_pack("{s:s,s:s,s:s,s:O,s:O}", "mcisId", cj->mcis, "action", cj->a->name,
			 "mode", cj->sequence ? "sequence" : "concurrent", "results", out, "skipped", cj->skipped);
	return *ret ? 0 : sp_error_oom(err);
}

/* ---- accepting an action -------------------------------------------- */

/* Under lock: the VMs an action applies to, in run order, checked by the
 * guard; the accepted ones marked. */
static int ctl_select(sp_mcis_reg *reg, json_t *mn, struct ctl_job *cj, const sp_mcis_ctl *ctl, batch *b,
		      sp_error *err)
{
	json_t *vms = json_object_get(mn, "vm");
	json_t *info = json_object_get(mn, "info");
	_cleanup_json_ json_t *order = json_array();
	const char *vk;
	json_t *vm;
	char why[256];
	const char *first_reason = NULL;

	if (!order)
		return sp_error_oom(err);
	if (!ctl->force && strcmp(vm_str(info, "targetAction"), "None") && *vm_str(info, "targetAction"))
		return sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' is under %s, please try later", cj->mcis, vm_str(info, "targetAction"));
	if (ctl->vm) {
		if (!vm_node(mn, ctl->vm, err))
			return -1;
		json_array_append_new(order, json_string(ctl->vm));
	} else if (ctl->order && json_array_size(ctl->order)) {
		for (size_t i = 0; i < json_array_size(ctl->order); i++) {
			const char *id = json_string_value(json_array_get(ctl->order, i));

			if (!id)
				return sp_error_set(err, SP_ERR_INVALID, "order[%zu] must be a VM id (a string)", i);
			if (!(vm = vm_node(mn, id, err)))
				return -1;
			if (ctl->subgroup && strcmp(vm_str(vm, "subGroupId"), ctl->subgroup))
				return sp_error_set(err, SP_ERR_INVALID, "order[%zu]: VM '%s' is not in subGroup '%s'", i, id, ctl->subgroup);
			for (size_t k = 0; k < i; k++)
				if (sp_streq(json_string_value(json_array_get(ctl->order, k)), id))
					return sp_error_set(err, SP_ERR_INVALID, "order names VM '%s' twice", id);
			json_array_append_new(order, json_string(id));
		}
	} else {
		json_object_foreach(vms, vk, vm)
			if (!ctl->subgroup || !strcmp(vm_str(vm, "subGroupId"), ctl->subgroup))
				json_array_append_new(order, json_string(vk));
		if (ctl->subgroup && json_array_size(order) == 0)
			return sp_error_set(err, SP_ERR_NOT_FOUND, "subGroup '%s' does not exist in MCIS '%s'", ctl->subgroup, cj->mcis);
	}
	for (size_t i = 0; i < json_array_size(order); i++) {
		const char *id = json_string_value(json_array_get(order, i));
		const char *reason;

		vm = json_object_get(vms, id);
		reason = guard(cj->a, vm, why, sizeof(why));
		if (reason && ctl->force && strcmp(vm_str(vm, "status"), "Terminated") && *vm_str(vm, "idByCSP"))
			reason = NULL;
		if (reason) {
			json_array_append_new(cj->skipped, json_pack("{s:s,s:s}", "vmId", id, "reason", reason));
			if (!first_reason)
				first_reason = json_string_value(json_object_get(json_array_get(cj->skipped, json_array_size(cj->skipped) - 1), "reason"));
			continue;
		}
		json_array_append_new(cj->vm_ids, json_string(id));
	}
	if (json_array_size(cj->vm_ids) == 0) {
		if (first_reason)
			return sp_error_set(err, SP_ERR_CONFLICT, "%s", first_reason);
		return sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' has no VM to %s", cj->mcis, cj->a->name);
	}
	for (size_t i = 0; i < json_array_size(cj->vm_ids); i++) {
		vm = json_object_get(vms, json_string_value(json_array_get(cj->vm_ids, i)));
		vm_set(vm, "targetAction", cj->a->target_action);
		vm_set(vm, "targetStatus", cj->a->target);
		vm_set(vm, "status", cj->a->transitional);
		vm_set(vm, "systemMessage", "");
		json_object_set_new(vm, "_ver", json_integer(json_integer_value(json_object_get(vm, "_ver")) + 1));
		put_vm(b, cj->ns, cj->mcis, vm);
		vm_event(reg, cj->ns, cj->mcis, vm);
	}
	vm_set(info, "targetAction", cj->a->target_action);
	vm_set(info, "targetStatus", cj->a->target);
	mcis_aggregate(mn);
	put_mcis(b, cj->ns, mn);
	return 0;
}

static int ctl_start(sp_core *core, const char *ns, const char *mcis, const struct action *a,
		     const sp_mcis_ctl *ctl, bool then_delete, const char *delete_vm, const char *kind,
		     const sp_job_opts *o, json_t **ret, bool *ret_async, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	struct ctl_job *cj;
	json_t *mn;
	batch b = { 0 };
	job *j = job_reserve(reg, ns, kind, ctl->vm ? ctl->vm : mcis, o, err);

	if (!j)
		return -1;
	cj = calloc(1, sizeof(*cj));
	if (!cj || !(cj->ns = strdup(ns)) || !(cj->mcis = strdup(mcis)) || !(cj->vm_ids = json_array()) ||
	    !(cj->skipped = json_array()) || (delete_vm && !(cj->delete_vm = strdup(delete_vm)))) {
		if (cj)
			ctl_job_free(cj);
		job_cancel(j);
		return sp_error_oom(err);
	}
	cj->a = a;
	cj->sequence = ctl->sequence;
	cj->continue_on_error = ctl->continue_on_error;
	cj->force = ctl->force;
	cj->then_delete = then_delete;
	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err)) || ctl_select(reg, mn, cj, ctl, &b, err) < 0) {
		pthread_mutex_unlock(&reg->lock);
		batch_clear(&b);
		ctl_job_free(cj);
		job_cancel(j);
		return -1;
	}
	if (reg_commit(reg, &b, err) < 0) {
		ctl_job_free(cj);
		job_cancel(j);
		return -1;
	}
	return job_launch(j, ctl_run, cj, ctl_job_free, o, ret, ret_async, err);
}

static const struct action *action_find(const char *name)
{
	for (size_t i = 0; name && i < ELEMENTSOF(actions); i++)
		if (!strcasecmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

/* refine: drop the objects of Failed and Undefined VMs at once. */
static int refine(sp_mcis_reg *reg, const char *ns, const char *mcis, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *gone = json_array();
	const char *vk;
	json_t *mn, *vm;
	void *tmp;
	batch b = { 0 };

	if (!gone)
		return sp_error_oom(err);
	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	if (strcmp(vm_str(json_object_get(mn, "info"), "targetAction"), "None")) {
		sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' is under %s, please try later", mcis,
			     vm_str(json_object_get(mn, "info"), "targetAction"));
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	json_object_foreach_safe(json_object_get(mn, "vm"), tmp, vk, vm) {
		char key[3 * SP_NAME_MAX + 3];

		if (strcmp(vm_str(vm, "status"), "Failed") && strcmp(vm_str(vm, "status"), "Undefined"))
			continue;
		json_array_append_new(gone, json_string(vk));
		snprintf(key, sizeof(key), "%s/%s/%s", ns, mcis, vk);
		batch_del(&b, "vm", key, false);
		json_object_del(json_object_get(mn, "vm"), vk);
		reg->n_vms--;
	}
	mcis_aggregate(mn);
	put_mcis(&b, ns, mn);
	*ret = json_pack("{s:s,s:s,s:O}", "mcisId", mcis, "action", "refine", "removed", gone);
	if (reg_commit(reg, &b, err) < 0) {
		json_decref(*ret);
		return -1;
	}
	return *ret ? 0 : sp_error_oom(err);
}

int sp_mcis_control(sp_core *core, const char *ns, const char *mcis,
		    const sp_mcis_ctl *ctl, const sp_job_opts *o,
		    json_t **ret, bool *ret_async, sp_error *err)
{
	const struct action *a;

	if (sp_isempty(ctl->action))
		return sp_error_set(err, SP_ERR_INVALID, "action is empty!: want suspend, resume, reboot, terminate or refine");
	if (!strcasecmp(ctl->action, "refine")) {
		if (ctl->vm)
			return sp_error_set(err, SP_ERR_INVALID, "action refine applies to a whole MCIS, not to VM '%s'", ctl->vm);
		*ret_async = false;
		return refine(core->mcis, ns, mcis, ret, err);
	}
	if (!(a = action_find(ctl->action)))
		return sp_error_set(err, SP_ERR_INVALID, "action '%s' is invalid: want suspend, resume, reboot, terminate or refine", ctl->action);
	return ctl_start(core, ns, mcis, a, ctl, false, NULL, "mcisControl", o, ret, ret_async, err);
}

/* ---- terminate and delete ------------------------------------------- */

int mcis_terminate_vms(job *j, const char *mcis, json_t *vm_ids, bool force, json_t **ret_results, sp_error *err)
{
	struct ctl_job cj = { .a = action_find("terminate"), .ns = j->ns, .mcis = (char *)mcis, .force = force };
	_cleanup_json_ json_t *out = json_array();
	_cleanup_json_ json_t *ids = json_array();
	size_t failed = 0;
	int rc;

	if (!out || !ids)
		return sp_error_oom(err);
	/* Only VMs with a cloud VM need the call. */
	pthread_mutex_lock(&j->reg->lock);
	{
		json_t *mn = json_object_get(json_object_get(json_object_get(j->reg->ns, j->ns), "mcis"), mcis);

		for (size_t i = 0; i < json_array_size(vm_ids); i++) {
			json_t *vm = json_object_get(json_object_get(mn, "vm"), json_string_value(json_array_get(vm_ids, i)));

			if (vm && *vm_str(vm, "idByCSP") && strcmp(vm_str(vm, "status"), "Terminated"))
				json_array_append(ids, json_array_get(vm_ids, i));
		}
	}
	pthread_mutex_unlock(&j->reg->lock);
	cj.vm_ids = ids;
	rc = ctl_run_vms(j, &cj, out, &failed, err);
	*ret_results = json_incref(out);
	if (rc < 0)
		return -1;
	if (failed && !force)
		return sp_error_set(err, SP_ERR_CLOUD, "terminate failed on %zu VMs", failed);
	return 0;
}

int mcis_remove(sp_mcis_reg *reg, const char *ns, const char *mcis, sp_error *err)
{
	json_t *nsn;
	json_t *mn;
	char key[2 * SP_NAME_MAX + 2];
	batch b = { 0 };

	pthread_mutex_lock(&reg->lock);
	nsn = json_object_get(reg->ns, ns);
	mn = json_object_get(json_object_get(nsn, "mcis"), mcis);
	if (mn) {
		reg->n_vms -= json_object_size(json_object_get(mn, "vm"));
		json_object_del(json_object_get(nsn, "mcis"), mcis);
		snprintf(key, sizeof(key), "%s/%s", ns, mcis);
		batch_del(&b, "mcis", key, false);
		batch_del(&b, "vm", key, true);
		reg_event(reg, "mcis", ns, json_pack("{s:s,s:s}", "action", "deleted", "mcisId", mcis));
	}
	return reg_commit(reg, &b, err);
}

/* VMs that still have a cloud VM to terminate (under lock). */
static size_t live_vms(json_t *mn, const char **first)
{
	const char *vk;
	json_t *vm;
	size_t n = 0;

	json_object_foreach(json_object_get(mn, "vm"), vk, vm) {
		const char *s = vm_str(vm, "status");

		if (!strcmp(s, "Terminated") || !strcmp(s, "Undefined") || !strcmp(s, "Failed"))
			continue;
		if (!n++)
			*first = vk;
	}
	return n;
}

int sp_mcis_delete(sp_core *core, const char *ns, const char *mcis,
		   const char *option, const sp_job_opts *o, json_t **ret,
		   bool *ret_async, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	sp_mcis_ctl ctl = { .action = "terminate" };
	const char *first = NULL;
	json_t *mn;
	size_t live;
	bool has_cloud = false;

	if (option && *option && strcmp(option, "terminate") && strcmp(option, "force"))
		return sp_error_set(err, SP_ERR_INVALID, "option '%s' is invalid: want terminate or force", option);
	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	live = live_vms(mn, &first);
	{
		const char *vk;
		json_t *vm;

		json_object_foreach(json_object_get(mn, "vm"), vk, vm)
			if (*vm_str(vm, "idByCSP") && strcmp(vm_str(vm, "status"), "Terminated"))
				has_cloud = true;
	}
	if (sp_isempty(option) && live) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' has %zu VMs that are not terminated (first '%s'); terminate them first, or delete with option=terminate",
				    mcis, live, first);
	}
	if (sp_isempty(option) || !has_cloud) {
		const char *busy = vm_str(json_object_get(mn, "info"), "targetAction");

		if (strcmp(busy, "None") && !(option && !strcmp(option, "force"))) {
			pthread_mutex_unlock(&reg->lock);
			return sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' is under %s, please try later", mcis, busy);
		}
		pthread_mutex_unlock(&reg->lock);
		*ret_async = false;
		if (mcis_remove(reg, ns, mcis, err) < 0)
			return -1;
		ns_release_defaults(reg, ns);
		*ret = json_pack("{s:s}", "message", "");
		if (*ret) {
			char m[SP_NAME_MAX + 32];

			snprintf(m, sizeof(m), "Deleted the MCIS %s", mcis);
			json_object_set_new(*ret, "message", json_string(m));
		}
		return *ret ? 0 : sp_error_oom(err);
	}
	pthread_mutex_unlock(&reg->lock);
	ctl.force = !strcmp(option, "force");
	return ctl_start(core, ns, mcis, action_find("terminate"), &ctl, true, NULL, "mcisDelete", o, ret,
			 ret_async, err);
}

int sp_mcis_vm_delete(sp_core *core, const char *ns, const char *mcis,
		      const char *vm, const sp_job_opts *o, json_t **ret,
		      bool *ret_async, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	sp_mcis_ctl ctl = { .action = "terminate", .vm = vm, .force = true };
	json_t *mn, *v;
	bool needs_call;

	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err)) || !(v = vm_node(mn, vm, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	needs_call = *vm_str(v, "idByCSP") && strcmp(vm_str(v, "status"), "Terminated");
	if (transitional(vm_str(v, "status")) && strcmp(vm_str(v, "status"), "Creating") == 0) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_CONFLICT, "VM '%s' is Creating; delete it when it has settled", vm);
	}
	pthread_mutex_unlock(&reg->lock);
	if (!needs_call) {
		*ret_async = false;
		if (remove_vm(reg, ns, mcis, vm, err) < 0)
			return -1;
		*ret = json_pack("{s:s}", "message", "Deleted the VM");
		return *ret ? 0 : sp_error_oom(err);
	}
	return ctl_start(core, ns, mcis, action_find("terminate"), &ctl, false, vm, "mcisVmDelete", o, ret,
			 ret_async, err);
}
