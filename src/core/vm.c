/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/vm.c - VM states: waiting for a VM to settle, the state guard of
 * control actions, status reads.
 */
#include <ctype.h>
#include "core/res_int.h"
#include "util/json.h"

static const char *const status_names[SP_VM_STATUS_COUNT] = {
	[SP_VM_CREATING] = "Creating", [SP_VM_RUNNING] = "Running",
	[SP_VM_SUSPENDING] = "Suspending", [SP_VM_SUSPENDED] = "Suspended",
	[SP_VM_RESUMING] = "Resuming", [SP_VM_REBOOTING] = "Rebooting",
	[SP_VM_TERMINATING] = "Terminating", [SP_VM_TERMINATED] = "Terminated",
	[SP_VM_NOT_EXIST] = "NotExist", [SP_VM_FAILED] = "Failed",
};

const char *sp_vm_status_name(sp_vm_status s)
{
	return (unsigned)s < SP_VM_STATUS_COUNT ? status_names[s] : "Failed";
}

static const char *const action_names[] = {
	[SP_VM_SUSPEND] = "suspend", [SP_VM_RESUME] = "resume", [SP_VM_REBOOT] = "reboot",
};

int sp_vm_action_parse(const char *action, sp_vm_action *ret, sp_error *err)
{
	for (size_t i = 0; action && i < ELEMENTSOF(action_names); i++)
		if (!strcasecmp(action, action_names[i])) {
			*ret = (sp_vm_action)i;
			return 0;
		}
	return sp_error_set(err, SP_ERR_INVALID, "%s is not a valid action!!", action ? action : "(empty)");
}

int vm_cloud_status(sp_conn *c, const sp_res_row *row, sp_vm_status *ret, sp_error *err)
{
	sp_iid iid = res_row_sp_iid(row);
	sp_vm_status s = SP_VM_FAILED;

	if (SP_DRIVER_CALL(c, vmctl, get_status, "VM", row->name, "GetVMStatus()", err, &iid, &s) < 0)
		return -1;
	*ret = (unsigned)s < SP_VM_STATUS_COUNT ? s : SP_VM_FAILED;
	return 0;
}

int vm_check_alive(sp_conn *c, const char *csp_id, sp_error *err)
{
	sp_res_row probe = { .name = (char *)csp_id, .spxid = (char *)csp_id, .csp_id = (char *)csp_id };
	sp_vm_status s;
	sp_error ignored;

	if (vm_cloud_status(c, &probe, &s, &ignored) == 0 && (s == SP_VM_TERMINATED || s == SP_VM_NOT_EXIST))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "The VM '%s' does not exist!", csp_id);
	return 0;
}

/* Poll the VM's state until done(state) or the wait is over; backs off
 * from 0.1 s by half each time up to vm_poll_max_s.  Returns the last
 * state seen; *ret_timed_out when the wait ran out. */
static sp_vm_status vm_poll(sp_conn *c, const sp_res_row *row, bool (*done)(sp_vm_status),
			    bool *ret_timed_out)
{
	double t_end = sp_now_mono() + c->core->vm_wait_s, wait = 0.1;
	sp_vm_status s = SP_VM_FAILED;

	*ret_timed_out = false;
	for (;;) {
		sp_error e;

		if (vm_cloud_status(c, row, &s, &e) < 0)
			s = e.code == SP_ERR_NOT_FOUND ? SP_VM_NOT_EXIST : SP_VM_FAILED;
		if (done(s))
			return s;
		if (sp_now_mono() + wait > t_end) {
			*ret_timed_out = true;
			return s;
		}
		sp_sleep(wait);
		wait = wait * 1.5 < c->core->vm_poll_max_s ? wait * 1.5 : c->core->vm_poll_max_s;
	}
}

static bool settled(sp_vm_status s)
{
	return s != SP_VM_CREATING;
}

static bool gone(sp_vm_status s)
{
	return s == SP_VM_TERMINATED || s == SP_VM_NOT_EXIST;
}

sp_vm_status vm_wait_gone(sp_conn *c, const sp_res_row *row)
{
	bool timed_out;

	vm_poll(c, row, gone, &timed_out);
	return timed_out ? SP_VM_TERMINATING : SP_VM_TERMINATED;
}

int vm_settle(sp_conn *c, const char *name, json_t *cloud, json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	_cleanup_json_ json_t *fresh = NULL;
	sp_res_key k = res_key(c, SP_RT_VM, "", name);
	bool timed_out;
	sp_vm_status s;
	char warn[256];

	if (sp_store_res_get(c->core->store, &k, &row, err) < 0)
		return -1;
	s = vm_poll(c, row, settled, &timed_out);
	if (sp_store_res_update(c->core->store, &k, NULL, NULL, SP_RES_READY, err) < 0)
		return -1;
	row->state = SP_RES_READY;
	/* The info after the VM settled has its addresses; if the cloud
	 * cannot say now, the create's answer will do. */
	if (res_cloud_get(c, sp_res_type_of(SP_RT_VM), row, &fresh, err) < 0)
		fresh = json_incref(cloud);
	if (res_user_info(c, SP_RT_VM, row, fresh, false, ret, err) < 0)
		return -1;
	if (timed_out) {
		snprintf(warn, sizeof(warn), "VM '%s' was still %s after %.0f s", name, sp_vm_status_name(s), c->core->vm_wait_s);
		res_add_kv(*ret, "ReadinessWarning", warn);
	} else if (s != SP_VM_RUNNING) {
		snprintf(warn, sizeof(warn), "VM '%s' is %s, not Running", name, sp_vm_status_name(s));
		res_add_kv(*ret, "ReadinessWarning", warn);
	}
	return 0;
}

/* The states each action may start from. */
static bool action_allowed(sp_vm_action a, sp_vm_status s)
{
	switch (a) {
	case SP_VM_SUSPEND:
	case SP_VM_REBOOT:
		return s == SP_VM_RUNNING;
	case SP_VM_RESUME:
		return s == SP_VM_SUSPENDED;
	}
	return false;
}

static int vm_row(sp_conn *c, const char *name, sp_res_row **ret, sp_error *err)
{
	if (res_row_get(c, SP_RT_VM, "", name, ret, err) < 0)
		return -1;
	if ((*ret)->state == SP_RES_DELETING) {
		sp_error_set(err, SP_ERR_CONFLICT, "VM '%s' is Terminating; cannot act on it", name);
		sp_res_row_free(TAKE_PTR(*ret));
		return -1;
	}
	return 0;
}

int sp_vm_control(sp_conn *c, const char *name, sp_vm_action action,
		  sp_vm_status *ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_vm_status s;
	sp_iid iid;
	char api[32];

	if (vm_row(c, name, &row, err) < 0 || vm_cloud_status(c, row, &s, err) < 0)
		return -1;
	if (!action_allowed(action, s))
		return sp_error_set(err, SP_ERR_CONFLICT, "VM '%s' is %s; cannot %s it", name, sp_vm_status_name(s), action_names[action]);
	iid = res_row_sp_iid(row);
	snprintf(api, sizeof(api), "%c%sVM()", toupper((unsigned char)action_names[action][0]), action_names[action] + 1);
	return SP_DRIVER_CALL(c, vmctl, control, "VM", name, api, err, &iid, action, ret);
}

int sp_vm_status_get(sp_conn *c, const char *name, sp_vm_status *ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;

	if (res_row_get(c, SP_RT_VM, "", name, &row, err) < 0)
		return -1;
	if (row->state == SP_RES_CREATING && !*row->csp_id) {
		*ret = SP_VM_CREATING;
		return 0;
	}
	if (vm_cloud_status(c, row, ret, err) < 0) {
		if (err->code != SP_ERR_NOT_FOUND)
			return -1;
		*ret = SP_VM_NOT_EXIST;
	}
	return 0;
}

/* bsearch over rows by name (the store lists them by owner, then name,
 * and a VM's owner is always ""). */
static int row_name_cmp(const void *key, const void *elem)
{
	const sp_res_row *const *row = elem;

	return strcmp(key, (*row)->name);
}

bool sp_vm_statuses_supported(const sp_conn *c)
{
	const sp_vm_ops *t = c->plugin->driver->vmctl;

	return t && offsetof(sp_vm_ops, get_statuses) < t->size && t->get_statuses;
}

int sp_vm_statuses(sp_conn *c, const char *const *names, size_t n,
		   sp_vm_status *ret, sp_error *errs, sp_error *err)
{
	const sp_vm_ops *t = c->plugin->driver->vmctl;
	sp_res_row **rows = calloc(n ? n : 1, sizeof(*rows));
	sp_iid *iids = calloc(n ? n : 1, sizeof(*iids));
	sp_vm_status *got = calloc(n ? n : 1, sizeof(*got));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	sp_res_row **all = NULL;
	size_t k = 0, n_all = 0;
	int rc = 0;

	if (!sp_vm_statuses_supported(c)) {
		rc = sp_error_set(err, SP_ERR_UNSUPPORTED, "driver '%s' reads VM states one at a time", c->plugin->driver->name);
		goto out;
	}
	if (!rows || !iids || !got || !idx) {
		rc = sp_error_oom(err);
		goto out;
	}
	/* Many names: one read of the connection's VM rows, not one each. */
	if (n > 16 && sp_store_res_list(c->core->store, c->name, SP_RT_VM, "", &all, &n_all, err) < 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		errs[i] = (sp_error){ 0 };
		ret[i] = SP_VM_FAILED;
		if (all) {
			sp_res_row **hit = bsearch(names[i], all, n_all, sizeof(*all), row_name_cmp);

			if (!hit) {
				sp_error_set(&errs[i], SP_ERR_NOT_FOUND, "The VM '%s' does not exist!", names[i]);
				continue;
			}
			rows[i] = *hit;   /* borrowed from all */
		} else if (res_row_get(c, SP_RT_VM, "", names[i], &rows[i], &errs[i]) < 0) {
			continue;
		}
		if (rows[i]->state == SP_RES_CREATING && !*rows[i]->csp_id) {
			ret[i] = SP_VM_CREATING;
			continue;
		}
		iids[k] = res_row_sp_iid(rows[i]);
		idx[k++] = i;
	}
	/* One call per batch the cloud takes; a failed call fails its VMs. */
	for (size_t from = 0; from < k; from += SP_VM_STATUS_BATCH_MAX) {
		size_t m = k - from < SP_VM_STATUS_BATCH_MAX ? k - from : SP_VM_STATUS_BATCH_MAX;
		sp_error e = { 0 };

		if (SP_TABLE_CALL(c, t, get_statuses, "VM", "", "GetVMStatuses()", &e, iids + from, m, got + from) < 0) {
			for (size_t x = from; x < from + m; x++)
				errs[idx[x]] = e;
			continue;
		}
		for (size_t x = from; x < from + m; x++)
			ret[idx[x]] = (unsigned)got[x] < SP_VM_STATUS_COUNT ? got[x] : SP_VM_FAILED;
	}
out:
	for (size_t i = 0; rows && !all && i < n; i++)
		sp_res_row_free(rows[i]);
	sp_res_rows_free(all, n_all);
	free(rows);
	free(iids);
	free(got);
	free(idx);
	return rc;
}

int sp_vm_status_list(sp_conn *c, json_t **ret, sp_error *err)
{
	sp_res_row **rows = NULL;
	size_t n = 0;
	_cleanup_json_ json_t *out = json_array();
	int rc;

	if (!out)
		return sp_error_oom(err);
	if (sp_store_res_list(c->core->store, c->name, SP_RT_VM, NULL, &rows, &n, err) < 0)
		return -1;
	rc = res_fanout_rows(c, sp_res_type_of(SP_RT_VM), rows, n, true, out, err);
	sp_res_rows_free(rows, n);
	if (rc < 0)
		return -1;
	*ret = json_pack("{s:O}", "vmstatus", out);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_vm_using_resources(sp_conn *c, const char *csp_id, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	json_t *sgs;

	if (sp_isempty(csp_id))
		return sp_error_set(err, SP_ERR_INVALID, "CSPId is empty!");
	if (sp_res_csp_get(c, sp_res_type_of(SP_RT_VM), csp_id, &info, err) < 0)
		return -1;
	sgs = json_object_get(info, "SecurityGroupIIds");
	*ret = json_pack("{s:{s:O,s:o,s:O}}", "Resources",
			 "VPC", json_object_get(info, "VpcIID") ?: json_null(),
			 "SGList", sgs ? json_incref(sgs) : json_array(),
			 "VMKey", json_object_get(info, "KeyPairIId") ?: json_null());
	return *ret ? 0 : sp_error_oom(err);
}
