/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/mcis.c - MCIS create (static and dynamic), reads, status, delete.
 *
 * A create writes every VM object first (status Creating), prepares the
 * default resources of a dynamic create (in parallel across connections,
 * one at a time per namespace and connection), then creates the VMs:
 * concurrently, with at most conn_cap calls in flight per connection
 * (clouds throttle).  A VM that fails is marked Failed at once with the
 * error, its connection and region.  The partial-failure policy decides
 * what stays.
 */
#include <inttypes.h>

#include "core/fanout.h"
#include "core/mcis_int.h"
#include "core/names.h"
#include "core/place.h"
#include "core/res.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"

#define VM_ENTRIES_MAX 100
#define SUBGROUP_MAX 1000
#define SG_PER_VM_MAX 32
/* A VM create runs as long as it takes; a whole create is bounded by the
 * driver's own timeouts and vm_wait. */
#define CREATE_FOREVER_S (7 * 24 * 3600.0)

/* Buckets of §7, in tie-break order. */
static const char *const buckets[] = { "Failed", "Suspended", "Running", "Terminated", "Creating",
				       "Suspending", "Resuming", "Rebooting", "Terminating", "Undefined" };

/* ---- status aggregation --------------------------------------------- */

void mcis_aggregate(json_t *mnode)
{
	json_t *info = json_object_get(mnode, "info");
	json_t *vms = json_object_get(mnode, "vm");
	size_t count[ELEMENTSOF(buckets)] = { 0 }, n = 0, max = 0, maxi = 0;
	const char *key;
	json_t *vm;
	char status[64];

	json_object_foreach(vms, key, vm) {
		const char *s = vm_str(vm, "status");
		size_t b = ELEMENTSOF(buckets) - 1;

		for (size_t i = 0; i < ELEMENTSOF(buckets); i++)
			if (!strcmp(s, buckets[i])) {
				b = i;
				break;
			}
		count[b]++;
		n++;
	}
	for (size_t i = 0; i < ELEMENTSOF(buckets); i++)
		if (count[i] > max) {
			max = count[i];
			maxi = i;
		}
	if (n == 0)
		snprintf(status, sizeof(status), "Empty:0 (R:0/0)");
	else if (count[0] == n)
		snprintf(status, sizeof(status), "Failed:%zu (R:0/%zu)", n, n);
	else if (count[0] > 0)
		snprintf(status, sizeof(status), "Partial-Failed:%zu (R:%zu/%zu)", count[0], count[2], n);
	else
		snprintf(status, sizeof(status), "%s%s:%zu (R:%zu/%zu)", max == n ? "" : "Partial-", buckets[maxi], max, count[2], n);
	vm_set(info, "status", status);
	json_object_set_new(info, "statusCount",
			    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
				      "countTotal", (json_int_t)n, "countCreating", (json_int_t)count[4],
				      "countRunning", (json_int_t)count[2], "countFailed", (json_int_t)count[0],
				      "countSuspended", (json_int_t)count[1], "countRebooting", (json_int_t)count[7],
				      "countTerminated", (json_int_t)count[3], "countSuspending", (json_int_t)count[5],
				      "countResuming", (json_int_t)count[6], "countTerminating", (json_int_t)count[8],
				      "countUndefined", (json_int_t)count[9]));
}

/* A copy of a doc without its private keys ("_..."). */
static json_t *public_copy(const json_t *doc)
{
	json_t *c = json_deep_copy(doc);
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(c, tmp, key, v)
		if (key[0] == '_')
			json_object_del(c, key);
	return c;
}

json_t *mcis_info(const json_t *mnode, bool with_vms)
{
	json_t *info = public_copy(json_object_get(mnode, "info"));
	json_t *arr = with_vms ? json_array() : NULL;
	const char *key;
	json_t *vm;

	if (!info || (with_vms && !arr)) {
		json_decref(info);
		json_decref(arr);
		return NULL;
	}
	if (with_vms) {
		json_object_foreach(json_object_get(mnode, "vm"), key, vm)
			json_array_append_new(arr, public_copy(vm));
		json_object_set_new(info, "vm", arr);
	}
	return info;
}

/* ---- request parsing ------------------------------------------------ */

/* What one VM entry of a request asks for, checked.  The strings borrow
 * from the request. */
struct vm_entry {
	const char *name;
	size_t size;
	const char *conn;
	const char *spec, *image;
	const char *vnet, *subnet, *key;
	const json_t *sgs, *disks;
	const char *user, *password;
	const char *root_type, *root_size;
	const char *label, *description;
};

/* Append "; <message>" of err to msg. */
static void errs_add(char *msg, size_t size, const sp_error *e)
{
	size_t len = strlen(msg), m = strlen(e->message);

	if (len + 2 + m + 1 > size)
		return;
	if (len) {
		memcpy(msg + len, "; ", 2);
		len += 2;
	}
	memcpy(msg + len, e->message, m + 1);
}

static int entry_strings(const json_t *v, const char *const *keys, const char **out[], bool required, sp_error *err)
{
	for (size_t i = 0; keys[i]; i++)
		if (sp_json_string(v, keys[i], required, out[i], err) < 0)
			return -1;
	return 0;
}

/* Split "<conn>+<name>" (or "<name>" when conn is known). */
static int common_split(const char *field, const char *value, const char **conn, char *cbuf, size_t csize,
			const char **ret_name, sp_error *err)
{
	const char *plus = strrchr(value, '+');

	if (!plus) {
		if (!*conn)
			return sp_error_set(err, SP_ERR_INVALID, "%s '%s' names no connection: write '<connectionName>+%s' or give connectionName", field, value, value);
		*ret_name = value;
		return 0;
	}
	if ((size_t)(plus - value) >= csize || plus == value || !plus[1])
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is not of the form '<connectionName>+<name>'", field, value);
	memcpy(cbuf, value, (size_t)(plus - value));
	cbuf[plus - value] = '\0';
	if (*conn && strcmp(*conn, cbuf))
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is of connection '%s', but connectionName is '%s'", field, value, cbuf, *conn);
	*conn = cbuf;
	*ret_name = plus + 1;
	return 0;
}

/* Check a dynamic entry against the cloud: connection, spec, image. */
static int entry_check_cloud(sp_core *core, const struct vm_entry *e, sp_error *err)
{
	sp_conn *c = NULL;
	json_t *v = NULL;
	int rc;

	if (sp_conn_acquire(core, e->conn, &c, err) < 0)
		return sp_error_prefix(err, "vm '%s': connection '%s': ", e->name, e->conn);
	rc = SP_DRIVER_CALL(c, spec, get, "VMSPEC", e->spec, "GetVMSpec()", err, e->spec, &v);
	json_decref(v);
	v = NULL;
	if (rc < 0) {
		sp_error_prefix(err, "vm '%s': commonSpec '%s' on connection '%s': ", e->name, e->spec, e->conn);
	} else {
		rc = SP_DRIVER_CALL(c, image, get, "VMIMAGE", e->image, "GetImage()", err, e->image, &v);
		json_decref(v);
		if (rc < 0)
			sp_error_prefix(err, "vm '%s': commonImage '%s' on connection '%s': ", e->name, e->image, e->conn);
	}
	sp_conn_release(c);
	return rc;
}

/* Parse one VM entry; conn/spec/image buffers keep split names alive. */
struct entry_bufs {
	char conn[2][SP_NAME_MAX + 1];
	char size[24];
};

static int entry_parse(sp_core *core, const json_t *v, bool dynamic, struct vm_entry *e, struct entry_bufs *bufs,
		       sp_error *err)
{
	static const char *const common[] = { "name", NULL };
	static const char *const opt[] = { "connectionName", "vmUserAccount", "vmUserPassword", "rootDiskType",
					   "rootDiskSize", "label", "description", NULL };
	static const char *const stat[] = { "specId", "imageId", "vNetId", "subnetId", "sshKeyId", NULL };
	static const char *const dyn[] = { "commonSpec", "commonImage", NULL };
	const char **common_out[] = { &e->name };
	const char **opt_out[] = { &e->conn, &e->user, &e->password, &e->root_type, &e->root_size, &e->label, &e->description };
	const char **stat_out[] = { &e->spec, &e->image, &e->vnet, &e->subnet, &e->key };
	const char **dyn_out[] = { &e->spec, &e->image };
	const char *size = NULL;
	int64_t n = 1;

	*e = (struct vm_entry){ 0 };
	if (!json_is_object(v))
		return sp_error_set(err, SP_ERR_INVALID, "each vm entry must be a JSON object");
	if (entry_strings(v, common, common_out, true, err) < 0 ||
	    mcis_name_check("vm name", e->name, 48, err) < 0 ||
	    entry_strings(v, opt, opt_out, false, err) < 0 ||
	    json_str_or_num(v, "subGroupSize", bufs->size, sizeof(bufs->size), &size, err) < 0)
		return -1;
	if (!sp_isempty(size) && sp_parse_int64(size, 0, SUBGROUP_MAX, &n) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "vm '%s': subGroupSize '%s' is not a number from 0 to %d", e->name, size, SUBGROUP_MAX);
	e->size = n ? (size_t)n : 1;
	if (dynamic) {
		if (entry_strings(v, dyn, dyn_out, true, err) < 0 ||
		    common_split("commonSpec", e->spec, &e->conn, bufs->conn[0], sizeof(bufs->conn[0]), &e->spec, err) < 0 ||
		    common_split("commonImage", e->image, &e->conn, bufs->conn[1], sizeof(bufs->conn[1]), &e->image, err) < 0)
			return sp_error_prefix(err, "vm '%s': ", e->name);
		return entry_check_cloud(core, e, err);
	}
	if (sp_json_string(v, "connectionName", true, &e->conn, err) < 0 ||
	    entry_strings(v, stat, stat_out, true, err) < 0 ||
	    sp_json_array(v, "securityGroupIds", &e->sgs, err) < 0 ||
	    sp_json_array(v, "dataDiskIds", &e->disks, err) < 0)
		return sp_error_prefix(err, "vm '%s': ", e->name);
	if (json_array_size(e->sgs) == 0)
		return sp_error_set(err, SP_ERR_INVALID, "vm '%s': securityGroupIds is empty!", e->name);
	if (json_array_size(e->sgs) > SG_PER_VM_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "vm '%s': securityGroupIds has more than %d entries", e->name, SG_PER_VM_MAX);
	for (size_t i = 0; i < json_array_size(e->sgs); i++)
		if (!json_is_string(json_array_get(e->sgs, i)))
			return sp_error_set(err, SP_ERR_INVALID, "vm '%s': securityGroupIds[%zu] must be a string", e->name, i);
	if (json_array_size(e->disks) && e->size > 1)
		return sp_error_set(err, SP_ERR_INVALID, "vm '%s': dataDiskIds cannot be given to a subGroup of %zu VMs (a disk attaches to one VM)", e->name, e->size);
	{
		sp_conn *c = NULL;

		if (sp_conn_acquire(core, e->conn, &c, err) < 0)
			return sp_error_prefix(err, "vm '%s': connection '%s': ", e->name, e->conn);
		sp_conn_release(c);
	}
	return 0;
}

/* The VM doc of the i-th VM (1-based) of an entry. */
static json_t *entry_vm(const struct vm_entry *e, const char *ns, const char *mcis, size_t i, bool dynamic)
{
	char id[SP_NAME_MAX + 1], spname[3 * SP_NAME_MAX], now[32];
	json_t *vm;

	snprintf(id, sizeof(id), "%s-%zu", e->name, i);
	snprintf(spname, sizeof(spname), "%s-%s-%s", ns, mcis, id);
	now_rfc3339(now);
	vm = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:s,"
		       "s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{},s:{},s:s,s:s,s:I}",
		       "id", id, "name", id, "subGroupId", e->name, "connectionName", e->conn,
		       "specId", e->spec, "imageId", e->image,
		       "vNetId", dynamic ? "" : e->vnet, "subnetId", dynamic ? "" : e->subnet,
		       "sshKeyId", dynamic ? "" : e->key, "spiderVmName", spname,
		       "securityGroupIds", e->sgs ? json_deep_copy(e->sgs) : json_array(),
		       "dataDiskIds", e->disks ? json_deep_copy(e->disks) : json_array(),
		       "vmUserAccount", e->user ? e->user : "",
		       "rootDiskType", e->root_type ? e->root_type : "default",
		       "rootDiskSize", e->root_size ? e->root_size : "default",
		       "label", e->label ? e->label : "", "description", e->description ? e->description : "",
		       "status", "Creating", "targetStatus", "Running", "targetAction", "Create",
		       "systemMessage", "", "createdTime", now, "idByCSP", "", "publicIP", "", "privateIP", "",
		       "sshPort", "", "publicDNS", "", "privateDNS", "", "monAgentStatus", "notInstalled",
		       "region", "cspViewVmDetail", "_password", e->password ? e->password : "",
		       "_dynamic", dynamic ? "yes" : "", "_ver", (json_int_t)0);
	return vm;
}

/* ---- default resources of a dynamic create -------------------------- */

struct created {
	char conn[SP_NAME_MAX + 1];
	int type;     /* SP_RES_* */
	char name[3 * SP_NAME_MAX];
};

struct create_job {
	char *ns, *mcis;
	bool is_new, dynamic;
	char policy[16];
	json_t *vm_ids;          /* new VMs */
	struct created *made;    /* default resources this request made */
	size_t n_made;
	pthread_mutex_t made_lock;
	json_t *errors;          /* vmCreationErrors */
	size_t done;
};

static void create_job_free(void *p)
{
	struct create_job *cj = p;

	free(cj->ns);
	free(cj->mcis);
	json_decref(cj->vm_ids);
	json_decref(cj->errors);
	free(cj->made);
	pthread_mutex_destroy(&cj->made_lock);
	free(cj);
}

static void made_add(struct create_job *cj, const char *conn, int type, const char *name)
{
	struct created *m;

	pthread_mutex_lock(&cj->made_lock);
	m = realloc(cj->made, (cj->n_made + 1) * sizeof(*m));
	if (m) {
		cj->made = m;
		snprintf(m[cj->n_made].conn, sizeof(m->conn), "%s", conn);
		m[cj->n_made].type = type;
		snprintf(m[cj->n_made].name, sizeof(m->name), "%s", name);
		cj->n_made++;
	}
	pthread_mutex_unlock(&cj->made_lock);
}

/* Make one default resource unless it exists. */
static int default_make(sp_conn *c, struct create_job *cj, int type, const char *name, json_t *req, sp_error *err)
{
	sp_res_opts o = { .transform = c->core->id_transform };
	json_t *info = NULL;
	int rc;

	if (!req)
		return sp_error_oom(err);
	rc = sp_res_get(c, &sp_res_types[type], name, &info, err);
	json_decref(info);
	info = NULL;
	if (rc == 0) {
		json_decref(req);
		return 0;
	}
	if (err->code != SP_ERR_NOT_FOUND) {
		json_decref(req);
		return -1;
	}
	rc = sp_res_create(c, &sp_res_types[type], req, &o, &info, err);
	json_decref(req);
	json_decref(info);
	if (rc == 0 && cj)
		made_add(cj, c->name, type, name);
	return rc;
}

/* The default resources of ns on conn, made when missing; one
 * preparation at a time per ns and connection. */
static int defaults_prepare(sp_mcis_reg *reg, struct create_job *cj, const char *ns, const char *conn,
			    json_t **ret, sp_error *err)
{
	char key[2 * SP_NAME_MAX + 2], base[2 * SP_NAME_MAX + 32], subnet[2 * SP_NAME_MAX + 40], now[32];
	sp_conn *c = NULL;
	json_t *doc;
	batch b = { 0 };
	int rc = -1;

	snprintf(key, sizeof(key), "%s/%s", ns, conn);
	snprintf(base, sizeof(base), "%s-systemdefault-%s", ns, conn);
	snprintf(subnet, sizeof(subnet), "%s-subnet", base);
	if (sp_name_validate("default resource name", subnet, err) < 0)
		return -1;
	pthread_mutex_lock(&reg->lock);
	while (json_object_get(reg->preparing, key))
		pthread_cond_wait(&reg->cond, &reg->lock);
	json_object_set_new(reg->preparing, key, json_true());
	pthread_mutex_unlock(&reg->lock);

	if (sp_conn_acquire(reg->core, conn, &c, err) == 0 &&
	    default_make(c, cj, SP_RES_VPC, base,
			 json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "Name", base, "IPv4_CIDR", "10.0.0.0/16",
				   "SubnetInfoList", "Name", subnet, "IPv4_CIDR", "10.0.1.0/24"), err) == 0 &&
	    default_make(c, cj, SP_RES_SG, base,
			 json_pack("{s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s}]}", "Name", base, "VPCName", base,
				   "SecurityRules",
				   "Direction", "inbound", "IPProtocol", "TCP", "FromPort", "22", "ToPort", "22", "CIDR", "0.0.0.0/0",
				   "Direction", "outbound", "IPProtocol", "ALL", "FromPort", "-1", "ToPort", "-1", "CIDR", "0.0.0.0/0"),
			 err) == 0 &&
	    default_make(c, cj, SP_RES_KEYPAIR, base, json_pack("{s:s}", "Name", base), err) == 0)
		rc = 0;
	if (rc < 0)
		sp_error_prefix(err, "default resources of connection '%s': ", conn);
	sp_conn_release(c);

	now_rfc3339(now);
	pthread_mutex_lock(&reg->lock);
	json_object_del(reg->preparing, key);
	pthread_cond_broadcast(&reg->cond);
	if (rc < 0) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	doc = json_object_get(reg->defaults, key);
	if (!doc) {
		doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "namespace", ns, "connectionName", conn,
				"vNetId", base, "subnetId", subnet, "securityGroupId", base, "sshKeyId", base,
				"createdTime", now, "isAutoGenerated", 1, "systemLabel", "systemdefault");
		json_object_set_new(reg->defaults, key, doc);
		batch_put(&b, "default", key, doc);
	}
	*ret = json_deep_copy(doc);
	reg_commit(reg, &b, err);
	return *ret ? 0 : sp_error_oom(err);
}

/* Delete default resources (in dependency order), ignoring what is gone. */
static void defaults_delete(sp_core *core, const char *conn, const char *const names[3])
{
	static const int order[3] = { SP_RES_SG, SP_RES_KEYPAIR, SP_RES_VPC };
	sp_conn *c = NULL;
	sp_error e = { 0 };

	if (sp_conn_acquire(core, conn, &c, &e) < 0) {
		sp_log_warn("default resources of '%s': %s", conn, e.message);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		if (!names[i])
			continue;
		if (sp_res_delete(c, &sp_res_types[order[i]], names[i], false, NULL, &e) < 0 && e.code != SP_ERR_NOT_FOUND)
			sp_log_warn("deleting default %s '%s' of '%s': %s", sp_res_types[order[i]].path, names[i], conn, e.message);
	}
	sp_conn_release(c);
}

void ns_release_defaults(sp_mcis_reg *reg, const char *ns)
{
	_cleanup_json_ json_t *gone = json_array();
	size_t nslen = strlen(ns);
	const char *key;
	json_t *d, *nsn;
	batch b = { 0 };
	sp_error ignored;

	if (!gone)
		return;
	pthread_mutex_lock(&reg->lock);
	nsn = json_object_get(reg->ns, ns);
	json_object_foreach(reg->defaults, key, d) {
		const char *mk, *vk;
		json_t *mn, *vm;
		bool used = false;

		if (strncmp(key, ns, nslen) || key[nslen] != '/')
			continue;
		json_object_foreach(json_object_get(nsn, "mcis"), mk, mn)
			json_object_foreach(json_object_get(mn, "vm"), vk, vm)
				if (!strcmp(vm_str(vm, "connectionName"), vm_str(d, "connectionName")) &&
				    !strcmp(vm_str(vm, "vNetId"), vm_str(d, "vNetId")))
					used = true;
		if (!used)
			json_array_append(gone, d);
	}
	for (size_t i = 0; i < json_array_size(gone); i++) {
		char k[2 * SP_NAME_MAX + 2];

		snprintf(k, sizeof(k), "%s/%s", ns, vm_str(json_array_get(gone, i), "connectionName"));
		json_object_del(reg->defaults, k);
		batch_del(&b, "default", k, false);
	}
	reg_commit(reg, &b, &ignored);
	for (size_t i = 0; i < json_array_size(gone); i++) {
		json_t *g = json_array_get(gone, i);
		const char *names[3] = { vm_str(g, "securityGroupId"), vm_str(g, "sshKeyId"), vm_str(g, "vNetId") };

		defaults_delete(reg->core, vm_str(g, "connectionName"), names);
	}
}

/* ---- the create phase ----------------------------------------------- */

/* What a Spider VM info says about access, and where its connection
 * is (where, may be NULL), into the VM doc. */
static void vm_take_info(json_t *vm, const json_t *info, const json_t *where)
{
	const char *ap = json_string_value(json_object_get(info, "SSHAccessPoint"));
	const char *colon = ap ? strrchr(ap, ':') : NULL;
	json_t *region = json_object_get(info, "Region");
	json_t *loc;

	vm_set(vm, "idByCSP", json_string_value(json_object_get(json_object_get(info, "IId"), "SystemId")));
	vm_set(vm, "publicIP", json_string_value(json_object_get(info, "PublicIP")));
	vm_set(vm, "privateIP", json_string_value(json_object_get(info, "PrivateIP")));
	vm_set(vm, "publicDNS", json_string_value(json_object_get(info, "PublicDNS")));
	vm_set(vm, "privateDNS", json_string_value(json_object_get(info, "PrivateDNS")));
	vm_set(vm, "sshPort", colon ? colon + 1 : "22");
	if (colon) {
		char host[256];

		snprintf(host, sizeof(host), "%.*s", (int)(colon - ap), ap);
		vm_set(vm, "_sshHost", host);
	}
	if (!*vm_str(vm, "vmUserAccount"))
		vm_set(vm, "vmUserAccount", json_string_value(json_object_get(info, "VMUserId")));
	if (json_is_object(region))
		json_object_set(vm, "region", region);
	loc = where ? json_deep_copy(where) : json_object();
	if (loc && json_string_value(json_object_get(region, "Region")))
		json_object_set(loc, "nativeRegion", json_object_get(region, "Region"));
	if (loc && !json_object_get(loc, "nativeRegion"))
		json_object_set_new(loc, "nativeRegion", json_string(""));
	if (loc && !json_object_get(loc, "cloudType"))
		json_object_set_new(loc, "cloudType", json_string(""));
	if (loc)
		json_object_set_new(vm, "location", loc);
	json_object_set(vm, "cspViewVmDetail", (json_t *)info);
}

/* Create the Spider VM of an MCIS VM doc (a private copy). */
static int vm_create_spider(sp_core *core, const json_t *vm, json_t **ret_info, sp_vm_status *ret_status,
			    sp_error *err)
{
	sp_res_opts o = { .transform = core->id_transform };
	_cleanup_json_ json_t *req = NULL;
	sp_conn *c = NULL;
	int rc;

	req = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:O,s:s}", "Name", vm_spider_name(vm),
			"ImageName", vm_str(vm, "imageId"), "VMSpecName", vm_str(vm, "specId"),
			"VPCName", vm_str(vm, "vNetId"), "SubnetName", vm_str(vm, "subnetId"),
			"SecurityGroupNames", json_object_get(vm, "securityGroupIds"),
			"KeyPairName", vm_str(vm, "sshKeyId"), "DataDiskNames", json_object_get(vm, "dataDiskIds"),
			"VMUserPasswd", vm_str(vm, "_password"));
	if (!req)
		return sp_error_oom(err);
	if (strcmp(vm_str(vm, "rootDiskType"), "default") && *vm_str(vm, "rootDiskType"))
		json_object_set_new(req, "RootDiskType", json_string(vm_str(vm, "rootDiskType")));
	if (strcmp(vm_str(vm, "rootDiskSize"), "default") && *vm_str(vm, "rootDiskSize"))
		json_object_set_new(req, "RootDiskSize", json_string(vm_str(vm, "rootDiskSize")));
	if (sp_conn_acquire(core, vm_str(vm, "connectionName"), &c, err) < 0)
		return -1;
	rc = sp_res_create(c, &sp_res_types[SP_RES_VM], req, &o, ret_info, err);
	if (rc == 0 && sp_vm_status_get(c, vm_spider_name(vm), ret_status, err) < 0)
		*ret_status = SP_VM_RUNNING;
	if (rc < 0)
		sp_error_prefix(err, "%s (connection '%s', region '%s'): ", vm_str(vm, "id"), c->name, c->region);
	sp_conn_release(c);
	return rc;
}

/* MCIS status names of a Spider status. */
static const char *vm_status_mcis(sp_vm_status s)
{
	switch (s) {
	case SP_VM_CREATING: case SP_VM_RUNNING: case SP_VM_SUSPENDING: case SP_VM_SUSPENDED:
	case SP_VM_RESUMING: case SP_VM_REBOOTING: case SP_VM_TERMINATING: case SP_VM_TERMINATED:
		return sp_vm_status_name(s);
	default:
		return "Undefined";
	}
}

/* A connection's VMs to create, shared by its workers: each takes the
 * next one (reg->lock held for next and refs). */
struct conn_cursor {
	json_t *ids;
	size_t next;
	unsigned refs;
};

/* One worker of a create on one connection. */
struct conn_queue {
	job *j;
	struct create_job *cj;
	char conn[SP_NAME_MAX + 1];
	struct conn_cursor *cur;
	size_t total;      /* all VMs of the request */
};

static void queue_free(void *p)
{
	struct conn_queue *q = p;
	struct conn_cursor *cur = q->cur;
	bool last;

	pthread_mutex_lock(&q->j->reg->lock);
	last = --cur->refs == 0;
	pthread_mutex_unlock(&q->j->reg->lock);
	if (last) {
		json_decref(cur->ids);
		free(cur);
	}
	free(q);
}

static void vm_record_error(struct create_job *cj, json_t *vm, const char *phase, const sp_error *e)
{
	char now[32];

	now_rfc3339(now);
	vm_set(vm, "status", "Failed");
	vm_set(vm, "targetStatus", "None");
	vm_set(vm, "targetAction", "None");
	vm_set(vm, "systemMessage", e->message);
	json_array_append_new(cj->errors, json_pack("{s:s,s:s,s:s,s:s}", "vmName", vm_str(vm, "id"), "error", e->message,
						    "phase", phase, "timestamp", now));
}

static int queue_run(void *p, json_t **ret, sp_error *err)
{
	struct conn_queue *q = p;
	sp_mcis_reg *reg = q->j->reg;
	struct create_job *cj = q->cj;

	for (;;) {
		_cleanup_json_ json_t *copy = NULL, *where = NULL;
		json_t *info = NULL, *mn, *vm;
		const char *id;
		sp_vm_status st = SP_VM_RUNNING;
		sp_error e = { 0 };
		batch b = { 0 };
		int rc;

		pthread_mutex_lock(&reg->lock);
		if (q->cur->next >= json_array_size(q->cur->ids)) {
			pthread_mutex_unlock(&reg->lock);
			break;
		}
		id = json_string_value(json_array_get(q->cur->ids, q->cur->next++));
		mn = json_object_get(json_object_get(json_object_get(reg->ns, cj->ns), "mcis"), cj->mcis);
		vm = json_object_get(json_object_get(mn, "vm"), id);
		copy = vm && !strcmp(vm_str(vm, "status"), "Creating") ? json_deep_copy(vm) : NULL;
		pthread_mutex_unlock(&reg->lock);
		if (!copy)
			continue;

		conn_slot_get(reg, q->conn);
		rc = vm_create_spider(reg->core, copy, &info, &st, &e);
		conn_slot_put(reg, q->conn);
		if (rc == 0) {
			sp_error ignored = { 0 };

			/* Where is a nicety: a cloud that cannot say leaves it out. */
			sp_place_connection(reg->core, q->conn, &where, &ignored);
		}

		pthread_mutex_lock(&reg->lock);
		mn = json_object_get(json_object_get(json_object_get(reg->ns, cj->ns), "mcis"), cj->mcis);
		vm = json_object_get(json_object_get(mn, "vm"), id);
		if (vm) {
			if (rc == 0) {
				vm_take_info(vm, info, where);
				vm_set(vm, "status", vm_status_mcis(st));
				vm_set(vm, "targetStatus", "None");
				vm_set(vm, "targetAction", "None");
			} else {
				vm_record_error(cj, vm, "create", &e);
			}
			json_object_set_new(vm, "_ver", json_integer(json_integer_value(json_object_get(vm, "_ver")) + 1));
			put_vm(&b, cj->ns, cj->mcis, vm);
			vm_event(reg, cj->ns, cj->mcis, vm);
		}
		job_progress_locked(q->j, ++cj->done, q->total, rc == 0 ? "VM created" : "VM failed");
		reg_commit(reg, &b, &e);
		json_decref(info);
	}
	*ret = json_true();
	(void)err;
	return 0;
}

/* Under lock: the new VMs' docs grouped by connection. */
static json_t *group_by_conn(json_t *mn, const json_t *ids)
{
	json_t *by = json_object();

	for (size_t i = 0; by && i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		json_t *vm = json_object_get(json_object_get(mn, "vm"), id);
		const char *conn = vm_str(vm, "connectionName");
		json_t *list = json_object_get(by, conn);

		if (!vm)
			continue;
		if (!list) {
			list = json_array();
			json_object_set_new(by, conn, list);
		}
		json_array_append_new(list, json_string(id));
	}
	return by;
}

/* Dynamic: the defaults of each connection, then the VMs' fields. */
static void create_prepare(job *j, struct create_job *cj, json_t *by_conn)
{
	sp_mcis_reg *reg = j->reg;
	const char *conn;
	json_t *ids;

	/* Connections one after another here keeps it simple; a connection
	 * makes three resources, and the VMs are what takes time. */
	json_object_foreach(by_conn, conn, ids) {
		_cleanup_json_ json_t *d = NULL;
		sp_error e = { 0 };
		batch b = { 0 };
		int rc = defaults_prepare(reg, cj, cj->ns, conn, &d, &e);
		json_t *mn;

		pthread_mutex_lock(&reg->lock);
		mn = json_object_get(json_object_get(json_object_get(reg->ns, cj->ns), "mcis"), cj->mcis);
		for (size_t i = 0; mn && i < json_array_size(ids); i++) {
			json_t *vm = json_object_get(json_object_get(mn, "vm"), json_string_value(json_array_get(ids, i)));

			if (!vm)
				continue;
			if (rc < 0) {
				vm_record_error(cj, vm, "prepare", &e);
				cj->done++;
			} else {
				vm_set(vm, "vNetId", vm_str(d, "vNetId"));
				vm_set(vm, "subnetId", vm_str(d, "subnetId"));
				vm_set(vm, "sshKeyId", vm_str(d, "sshKeyId"));
				json_object_set_new(vm, "securityGroupIds", json_pack("[s]", vm_str(d, "securityGroupId")));
			}
			put_vm(&b, cj->ns, cj->mcis, vm);
		}
		job_progress_locked(j, cj->done, json_array_size(cj->vm_ids),
				    rc < 0 ? "default resources failed" : "default resources ready");
		reg_commit(reg, &b, &e);
	}
}

/* Run the per-connection queues. */
static int create_vms(job *j, struct create_job *cj, json_t *by_conn, sp_error *err)
{
	sp_mcis_reg *reg = j->reg;
	size_t nq = 0, k = 0;
	const char *conn;
	json_t *ids;
	void **items;
	sp_fanout_result *res = NULL;

	json_object_foreach(by_conn, conn, ids)
		nq += json_array_size(ids) < reg->conn_cap ? json_array_size(ids) : reg->conn_cap;
	if (nq == 0)
		return 0;
	items = calloc(nq, sizeof(*items));
	if (!items)
		return sp_error_oom(err);
	json_object_foreach(by_conn, conn, ids) {
		size_t w = json_array_size(ids) < reg->conn_cap ? json_array_size(ids) : reg->conn_cap;
		struct conn_cursor *cur = calloc(1, sizeof(*cur));

		if (!cur)
			goto oom;
		cur->ids = json_incref(ids);
		/* No worker runs before sp_fanout_run: no lock needed yet. */
		for (size_t i = 0; i < w; i++) {
			struct conn_queue *q = calloc(1, sizeof(*q));

			if (!q) {
				if (cur->refs == 0) {
					json_decref(cur->ids);
					free(cur);
				}
				goto oom;
			}
			*q = (struct conn_queue){ .j = j, .cj = cj, .cur = cur, .total = json_array_size(cj->vm_ids) };
			snprintf(q->conn, sizeof(q->conn), "%s", conn);
			cur->refs++;
			items[k++] = q;
		}
	}
	if (sp_fanout_run(items, nq, queue_run, queue_free, CREATE_FOREVER_S, &res, err) < 0) {
		free(items);
		return -1;
	}
	sp_fanout_results_free(res, nq);
	free(items);
	return 0;
oom:
	for (size_t x = 0; x < k; x++)
		queue_free(items[x]);
	free(items);
	return sp_error_oom(err);
}

/* Rollback: terminate what this request made, then drop its VMs and, for
 * a new MCIS, the MCIS; then the default resources it made. */
static void create_rollback(job *j, struct create_job *cj)
{
	sp_mcis_reg *reg = j->reg;
	json_t *results = NULL;
	sp_error e = { 0 };

	mcis_terminate_vms(j, cj->mcis, cj->vm_ids, true, &results, &e);
	json_decref(results);
	pthread_mutex_lock(&reg->lock);
	{
		json_t *mn = json_object_get(json_object_get(json_object_get(reg->ns, cj->ns), "mcis"), cj->mcis);
		batch b = { 0 };

		for (size_t i = 0; mn && i < json_array_size(cj->vm_ids); i++) {
			const char *id = json_string_value(json_array_get(cj->vm_ids, i));
			char key[3 * SP_NAME_MAX + 3];

			if (!json_object_get(json_object_get(mn, "vm"), id))
				continue;
			json_object_del(json_object_get(mn, "vm"), id);
			reg->n_vms--;
			snprintf(key, sizeof(key), "%s/%s/%s", cj->ns, cj->mcis, id);
			batch_del(&b, "vm", key, false);
		}
		reg_commit(reg, &b, &e);
	}
	if (cj->is_new)
		mcis_remove(reg, cj->ns, cj->mcis, &e);
	/* Defaults: newest first, and only while no VM uses them. */
	for (size_t i = cj->n_made; i-- > 0;) {
		const char *names[3] = { NULL, NULL, NULL };

		names[cj->made[i].type == SP_RES_SG ? 0 : cj->made[i].type == SP_RES_KEYPAIR ? 1 : 2] = cj->made[i].name;
		defaults_delete(reg->core, cj->made[i].conn, names);
	}
	if (cj->n_made) {
		batch b = { 0 };

		pthread_mutex_lock(&reg->lock);
		for (size_t i = 0; i < cj->n_made; i++) {
			char key[2 * SP_NAME_MAX + 2];

			snprintf(key, sizeof(key), "%s/%s", cj->ns, cj->made[i].conn);
			if (json_object_get(reg->defaults, key)) {
				json_object_del(reg->defaults, key);
				batch_del(&b, "default", key, false);
			}
		}
		reg_commit(reg, &b, &e);
	}
}

/* refine: drop the VMs of this request that failed. */
static void create_refine(sp_mcis_reg *reg, struct create_job *cj)
{
	json_t *mn;
	batch b = { 0 };
	sp_error e;

	pthread_mutex_lock(&reg->lock);
	mn = json_object_get(json_object_get(json_object_get(reg->ns, cj->ns), "mcis"), cj->mcis);
	for (size_t i = 0; mn && i < json_array_size(cj->vm_ids); i++) {
		const char *id = json_string_value(json_array_get(cj->vm_ids, i));
		json_t *vm = json_object_get(json_object_get(mn, "vm"), id);
		char key[3 * SP_NAME_MAX + 3];

		if (!vm || strcmp(vm_str(vm, "status"), "Failed"))
			continue;
		json_object_del(json_object_get(mn, "vm"), id);
		reg->n_vms--;
		snprintf(key, sizeof(key), "%s/%s/%s", cj->ns, cj->mcis, id);
		batch_del(&b, "vm", key, false);
	}
	reg_commit(reg, &b, &e);
}

static int create_run(job *j, json_t **ret, sp_error *err)
{
	struct create_job *cj = j->ctx;
	sp_mcis_reg *reg = j->reg;
	_cleanup_json_ json_t *by_conn = NULL;
	size_t total = json_array_size(cj->vm_ids), failed;
	json_t *mn, *info;
	batch b = { 0 };

	pthread_mutex_lock(&reg->lock);
	mn = mcis_node(reg, cj->ns, cj->mcis, err);
	by_conn = mn ? group_by_conn(mn, cj->vm_ids) : NULL;
	pthread_mutex_unlock(&reg->lock);
	if (!mn)
		return -1;
	if (!by_conn)
		return sp_error_oom(err);
	job_progress(j, 0, total, cj->dynamic ? "preparing default resources" : "creating VMs");
	if (cj->dynamic)
		create_prepare(j, cj, by_conn);
	if (create_vms(j, cj, by_conn, err) < 0)
		return -1;

	failed = json_array_size(cj->errors);
	if (failed && !strcmp(cj->policy, "rollback")) {
		job_progress(j, total, total, "rolling back");
		create_rollback(j, cj);
		return sp_error_set(err, SP_ERR_CLOUD, "%zu of %zu VMs failed, so the create was rolled back (policy rollback): %s",
				    failed, total, json_string_value(json_object_get(json_array_get(cj->errors, 0), "error")));
	}
	if (failed && !strcmp(cj->policy, "refine"))
		create_refine(reg, cj);

	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, cj->ns, cj->mcis, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	info = json_object_get(mn, "info");
	vm_set(info, "targetAction", "None");
	vm_set(info, "targetStatus", "None");
	mcis_aggregate(mn);
	/* The last create's errors stay with the MCIS (the request that made
	 * them is forgotten in time). */
	json_object_set_new(info, "creationErrors",
			    json_pack("{s:[],s:O,s:I,s:I,s:I,s:s}", "vmObjectCreationErrors",
				      "vmCreationErrors", cj->errors, "totalVmCount", (json_int_t)total,
				      "successfulVmCount", (json_int_t)(total - failed),
				      "failedVmCount", (json_int_t)failed, "failureHandlingStrategy", cj->policy));
	put_mcis(&b, cj->ns, mn);
	*ret = mcis_info(mn, true);
	if (*ret)
		json_object_set(*ret, "newVmList", cj->vm_ids);
	reg_event(reg, "mcis", cj->ns, json_pack("{s:s,s:s,s:s,s:O}", "action", "created", "mcisId", cj->mcis,
						 "status", vm_str(info, "status"), "statusCount", json_object_get(info, "statusCount")));
	if (reg_commit(reg, &b, err) < 0) {
		json_decref(*ret);
		return -1;
	}
	if (!*ret)
		return sp_error_oom(err);
	if (failed == total && total > 0)
		return sp_error_set(err, SP_ERR_CLOUD, "every new VM failed (%zu; they stay in MCIS '%s' as Failed): %s",
				    total, cj->mcis, json_string_value(json_object_get(json_array_get(cj->errors, 0), "error")));
	return 0;
}

/* Parse the VM entries, add the VM objects (status Creating) to a new or
 * existing MCIS, and start the create job. */
static int create_start(sp_core *core, const char *ns, const char *mcis, const json_t *mcis_req,
			const json_t *entries, bool dynamic, bool is_new, const char *policy, const sp_job_opts *o,
			json_t **ret, bool *ret_async, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	struct vm_entry e[VM_ENTRIES_MAX];
	struct entry_bufs bufs[VM_ENTRIES_MAX];
	size_t n = json_array_size(entries), total = 0;
	struct create_job *cj;
	job *j;
	char msg[1024] = "";
	sp_error first = { 0 };
	json_t *mn = NULL, *nsn;
	batch b = { 0 };
	char now[32];

	pthread_mutex_lock(&reg->lock);
	nsn = ns_node(reg, ns, err);
	pthread_mutex_unlock(&reg->lock);
	if (!nsn)
		return -1;
	if (n == 0)
		return sp_error_set(err, SP_ERR_INVALID, "vm is empty!: give at least one VM or subGroup");
	if (n > VM_ENTRIES_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "vm has %zu entries; at most %d are allowed", n, VM_ENTRIES_MAX);
	/* Every entry is checked, and all the errors come back together. */
	for (size_t i = 0; i < n; i++) {
		sp_error ee = { 0 };

		if (entry_parse(core, json_array_get(entries, i), dynamic, &e[i], &bufs[i], &ee) < 0) {
			if (!first.code)
				first = ee;
			errs_add(msg, sizeof(msg), &ee);
			continue;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(e[k].name, e[i].name)) {
				ee = (sp_error){ .code = SP_ERR_INVALID };
				snprintf(ee.message, sizeof(ee.message), "vm name '%s' is given twice", e[i].name);
				if (!first.code)
					first = ee;
				errs_add(msg, sizeof(msg), &ee);
			}
		total += e[i].size;
	}
	if (first.code)
		return sp_error_set(err, first.code, "%s", msg);
	if (total > SP_MCIS_VMS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "the request makes %zu VMs; an MCIS holds at most %d", total, SP_MCIS_VMS_MAX);

	if (!(j = job_reserve(reg, ns, is_new ? (dynamic ? "mcisDynamicCreate" : "mcisCreate") : "mcisAddVm", mcis, o, err)))
		return -1;
	cj = calloc(1, sizeof(*cj));
	if (!cj || !(cj->ns = strdup(ns)) || !(cj->mcis = strdup(mcis)) || !(cj->vm_ids = json_array()) ||
	    !(cj->errors = json_array())) {
		if (cj) {
			pthread_mutex_init(&cj->made_lock, NULL);
			create_job_free(cj);
		}
		job_cancel(j);
		return sp_error_oom(err);
	}
	pthread_mutex_init(&cj->made_lock, NULL);
	cj->is_new = is_new;
	cj->dynamic = dynamic;
	snprintf(cj->policy, sizeof(cj->policy), "%s", policy);

	now_rfc3339(now);
	pthread_mutex_lock(&reg->lock);
	if (!(nsn = ns_node(reg, ns, err)))
		goto fail;
	if (reg->n_vms + total > SP_VMS_MAX) {
		sp_error_set(err, SP_ERR_CONFLICT, "the server holds %zu VMs; %zu more would pass the cap of %d", reg->n_vms, total, SP_VMS_MAX);
		goto fail;
	}
	if (is_new) {
		const char *desc = NULL, *label = NULL, *slabel = NULL, *mon = NULL;
		sp_error ignored;

		if (json_object_get(json_object_get(nsn, "mcis"), mcis)) {
			sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' already exists in namespace '%s'", mcis, ns);
			goto fail;
		}
		if (json_object_size(json_object_get(nsn, "mcis")) >= SP_MCIS_PER_NS_MAX) {
			sp_error_set(err, SP_ERR_CONFLICT, "namespace '%s' holds %d MCIS, the most allowed", ns, SP_MCIS_PER_NS_MAX);
			goto fail;
		}
		sp_json_string(mcis_req, "description", false, &desc, &ignored);
		sp_json_string(mcis_req, "label", false, &label, &ignored);
		sp_json_string(mcis_req, "systemLabel", false, &slabel, &ignored);
		sp_json_string(mcis_req, "installMonAgent", false, &mon, &ignored);
		mn = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:{}}", "info",
			       "id", mcis, "name", mcis, "status", "Creating", "targetStatus", "Running",
			       "targetAction", "Create", "description", desc ? desc : "", "label", label ? label : "",
			       "systemLabel", slabel ? slabel : (dynamic ? "dynamic" : ""),
			       "installMonAgent", mon ? mon : "no", "systemMessage", "", "createdTime", now,
			       "placementAlgo", "", "vm");
		if (!mn || json_object_set_new(json_object_get(nsn, "mcis"), mcis, mn) < 0) {
			sp_error_oom(err);
			goto fail;
		}
	} else {
		json_t *info;

		if (!(mn = mcis_node(reg, ns, mcis, err)))
			goto fail;
		info = json_object_get(mn, "info");
		if (strcmp(vm_str(info, "targetAction"), "None")) {
			sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' is under %s, please try later", mcis, vm_str(info, "targetAction"));
			mn = NULL;
			goto fail;
		}
		if (json_object_size(json_object_get(mn, "vm")) + total > SP_MCIS_VMS_MAX) {
			sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' would hold more than %d VMs", mcis, SP_MCIS_VMS_MAX);
			mn = NULL;
			goto fail;
		}
		vm_set(info, "targetAction", "Create");
		vm_set(info, "targetStatus", "Running");
	}
	for (size_t i = 0; i < n; i++) {
		size_t first_index = 1;
		const char *vk;
		json_t *vm;

		/* A subGroup grows after its highest index. */
		json_object_foreach(json_object_get(mn, "vm"), vk, vm)
			if (!strcmp(vm_str(vm, "subGroupId"), e[i].name)) {
				const char *dash = strrchr(vk, '-');
				long idx = dash ? strtol(dash + 1, NULL, 10) : 0;

				if ((size_t)idx >= first_index)
					first_index = (size_t)idx + 1;
			}
		for (size_t k = 0; k < e[i].size; k++) {
			json_t *v = entry_vm(&e[i], ns, mcis, first_index + k, dynamic);

			if (!v) {
				sp_error_oom(err);
				goto fail_undo;
			}
			if (sp_name_validate("VM name", vm_spider_name(v), err) < 0) {
				json_decref(v);
				goto fail_undo;
			}
			json_array_append_new(cj->vm_ids, json_string(vm_str(v, "id")));
			json_object_set_new(json_object_get(mn, "vm"), vm_str(v, "id"), v);
			reg->n_vms++;
		}
	}
	mcis_aggregate(mn);
	put_mcis(&b, ns, mn);
	for (size_t i = 0; i < json_array_size(cj->vm_ids); i++) {
		json_t *vm = json_object_get(json_object_get(mn, "vm"), json_string_value(json_array_get(cj->vm_ids, i)));

		put_vm(&b, ns, mcis, vm);
	}
	reg_event(reg, "mcis", ns, json_pack("{s:s,s:s,s:s}", "action", is_new ? "creating" : "adding", "mcisId", mcis,
					     "status", vm_str(json_object_get(mn, "info"), "status")));
	if (reg_commit(reg, &b, err) < 0) {
		create_job_free(cj);
		job_cancel(j);
		return -1;
	}
	return job_launch(j, create_run, cj, create_job_free, o, ret, ret_async, err);

fail_undo:
	for (size_t i = 0; i < json_array_size(cj->vm_ids); i++) {
		json_object_del(json_object_get(mn, "vm"), json_string_value(json_array_get(cj->vm_ids, i)));
		reg->n_vms--;
	}
	if (is_new)
		json_object_del(json_object_get(nsn, "mcis"), mcis);
	else
		vm_set(json_object_get(mn, "info"), "targetAction", "None");
fail:
	pthread_mutex_unlock(&reg->lock);
	create_job_free(cj);
	job_cancel(j);
	return -1;
}

static int policy_parse(const json_t *req, const char **ret, sp_error *err)
{
	const char *p = NULL;

	if (sp_json_string(req, "policyOnPartialFailure", false, &p, err) < 0)
		return -1;
	if (sp_isempty(p))
		p = "continue";
	if (strcmp(p, "continue") && strcmp(p, "rollback") && strcmp(p, "refine"))
		return sp_error_set(err, SP_ERR_INVALID, "policyOnPartialFailure '%s' is invalid: want continue, rollback or refine", p);
	*ret = p;
	return 0;
}

int sp_mcis_create(sp_core *core, const char *ns, const json_t *req,
		   bool dynamic, const sp_job_opts *o, json_t **ret,
		   bool *ret_async, sp_error *err)
{
	const char *name = NULL, *policy = NULL;
	const json_t *vms = NULL;

	if (!json_is_object(req))
		return sp_error_set(err, SP_ERR_INVALID, "the body must be a JSON object with name and vm");
	if (sp_json_string(req, "name", true, &name, err) < 0 ||
	    mcis_name_check("name", name, 48, err) < 0 ||
	    policy_parse(req, &policy, err) < 0 ||
	    sp_json_array(req, "vm", &vms, err) < 0)
		return -1;
	return create_start(core, ns, name, req, vms, dynamic, true, policy, o, ret, ret_async, err);
}

int sp_mcis_add_vm(sp_core *core, const char *ns, const char *mcis,
		   const json_t *vm_req, bool dynamic, const sp_job_opts *o,
		   json_t **ret, bool *ret_async, sp_error *err)
{
	_cleanup_json_ json_t *arr = json_array();
	const char *policy = NULL;

	if (!arr)
		return sp_error_oom(err);
	if (policy_parse(vm_req, &policy, err) < 0)
		return -1;
	json_array_append(arr, (json_t *)vm_req);
	return create_start(core, ns, mcis, NULL, arr, dynamic, false, policy, o, ret, ret_async, err);
}

int sp_mcis_scale_out(sp_core *core, const char *ns, const char *mcis,
		      const char *subgroup, const json_t *req,
		      const sp_job_opts *o, json_t **ret, bool *ret_async,
		      sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	_cleanup_json_ json_t *entry = NULL;
	const char *nstr = NULL, *vk;
	char buf[24];
	int64_t n;
	json_t *mn, *vm, *tmpl = NULL;
	bool dynamic = false;

	if (json_str_or_num(req, "numVMsToAdd", buf, sizeof(buf), &nstr, err) < 0)
		return -1;
	if (sp_isempty(nstr))
		return sp_error_set(err, SP_ERR_INVALID, "numVMsToAdd is empty!");
	if (sp_parse_int64(nstr, 1, SUBGROUP_MAX, &n) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "numVMsToAdd '%s' is not a number from 1 to %d", nstr, SUBGROUP_MAX);
	pthread_mutex_lock(&reg->lock);
	if ((mn = mcis_node(reg, ns, mcis, err)))
		json_object_foreach(json_object_get(mn, "vm"), vk, vm)
			if (!strcmp(vm_str(vm, "subGroupId"), subgroup)) {
				tmpl = vm;
				break;
			}
	if (tmpl) {
		dynamic = *vm_str(tmpl, "_dynamic");
		entry = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:s,s:s,s:s}",
				  "name", subgroup, "subGroupSize", (json_int_t)n,
				  "connectionName", vm_str(tmpl, "connectionName"),
				  dynamic ? "commonSpec" : "specId", vm_str(tmpl, "specId"),
				  dynamic ? "commonImage" : "imageId", vm_str(tmpl, "imageId"),
				  "vNetId", vm_str(tmpl, "vNetId"), "subnetId", vm_str(tmpl, "subnetId"),
				  "sshKeyId", vm_str(tmpl, "sshKeyId"), "securityGroupIds", json_object_get(tmpl, "securityGroupIds"),
				  "vmUserAccount", vm_str(tmpl, "vmUserAccount"), "rootDiskType", vm_str(tmpl, "rootDiskType"),
				  "rootDiskSize", vm_str(tmpl, "rootDiskSize"), "label", vm_str(tmpl, "label"),
				  "vmUserPassword", vm_str(tmpl, "_password"));
	}
	pthread_mutex_unlock(&reg->lock);
	if (!mn)
		return -1;
	if (!tmpl)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "subGroup '%s' does not exist in MCIS '%s'", subgroup, mcis);
	if (!entry)
		return sp_error_oom(err);
	return sp_mcis_add_vm(core, ns, mcis, entry, dynamic, o, ret, ret_async, err);
}

/* ---- status --------------------------------------------------------- */

/* What a status read found for one VM. */
struct vm_read {
	int rc;
	sp_vm_status status;
	sp_error err;
};

/* One VM asked alone (for a driver without a batch call). */
struct status_item {
	sp_conn *c;
	char *name;
};

static void status_item_free(void *p)
{
	struct status_item *it = p;

	sp_conn_release(it->c);
	free(it->name);
	free(it);
}

static int status_item_run(void *p, json_t **ret, sp_error *err)
{
	struct status_item *it = p;
	sp_vm_status s;

	if (sp_vm_status_get(it->c, it->name, &s, err) < 0)
		return -1;
	*ret = json_integer(s);
	return *ret ? 0 : sp_error_oom(err);
}

/* The VMs of one connection: one batch call, else one call per VM.  It
 * owns all it uses (a read given up on runs on alone) and answers with
 * a JSON array: per VM its status (an integer) or {"code","message"}. */
struct conn_read {
	sp_core *core;
	char *conn;
	char **names;
	size_t n;
	struct vm_read *out;
};

static void conn_read_free(void *p)
{
	struct conn_read *cr = p;

	for (size_t i = 0; cr->names && i < cr->n; i++)
		free(cr->names[i]);
	free(cr->names);
	free(cr->out);
	free(cr->conn);
	free(cr);
}

static json_t *vm_reads_json(const struct vm_read *r, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, r[i].rc == 0 ? json_integer(r[i].status) :
					 json_pack("{s:i,s:s}", "code", (int)r[i].err.code, "message", r[i].err.message));
	return a;
}

static struct vm_read vm_read_of(const json_t *v)
{
	struct vm_read r = { .rc = 0 };

	if (json_is_integer(v)) {
		r.status = (sp_vm_status)json_integer_value(v);
		return r;
	}
	r.rc = -1;
	sp_error_set(&r.err, v ? (sp_errcode)json_integer_value(json_object_get(v, "code")) : SP_ERR_INTERNAL,
		     "%s", v ? vm_str(v, "message") : "no answer");
	return r;
}

static int conn_read_one_by_one(struct conn_read *cr, sp_conn *c, sp_error *err)
{
	void **items = calloc(cr->n + 1, sizeof(*items));
	sp_fanout_result *res = NULL;

	if (!items)
		return sp_error_oom(err);
	for (size_t i = 0; i < cr->n; i++) {
		struct status_item *it = calloc(1, sizeof(*it));

		if (!it || !(it->name = strdup(cr->names[i]))) {
			free(it);
			for (size_t x = 0; x < i; x++)
				status_item_free(items[x]);
			free(items);
			return sp_error_oom(err);
		}
		it->c = sp_conn_ref(c);
		items[i] = it;
	}
	if (sp_fanout_run(items, cr->n, status_item_run, status_item_free, cr->core->item_timeout_s, &res, err) < 0) {
		free(items);
		return -1;
	}
	for (size_t i = 0; i < cr->n; i++)
		cr->out[i] = (struct vm_read){ .rc = res[i].rc, .err = res[i].err,
					       .status = res[i].rc == 0 ? (sp_vm_status)json_integer_value(res[i].value) : SP_VM_FAILED };
	sp_fanout_results_free(res, cr->n);
	free(items);
	return 0;
}

static int conn_read_run(void *p, json_t **ret, sp_error *err)
{
	struct conn_read *cr = p;
	sp_vm_status *st = calloc(cr->n + 1, sizeof(*st));
	sp_error *errs = calloc(cr->n + 1, sizeof(*errs));
	sp_conn *c = NULL;
	int rc = -1;

	if (!st || !errs) {
		sp_error_oom(err);
		goto out;
	}
	if (sp_conn_acquire(cr->core, cr->conn, &c, err) < 0)
		goto out;
	if (sp_vm_statuses_supported(c) && (rc = sp_vm_statuses(c, (const char *const *)cr->names, cr->n, st, errs, err)) == 0) {
		size_t unsupported = 0;

		for (size_t i = 0; i < cr->n; i++) {
			cr->out[i] = (struct vm_read){ .rc = errs[i].code ? -1 : 0, .status = st[i], .err = errs[i] };
			unsupported += errs[i].code == SP_ERR_UNSUPPORTED;
		}
		/* The cloud said it has no batch call after all. */
		if (unsupported && unsupported == cr->n)
			rc = conn_read_one_by_one(cr, c, err);
	} else {
		rc = conn_read_one_by_one(cr, c, err);
	}
out:
	sp_conn_release(c);
	free(st);
	free(errs);
	if (rc == 0 && !(*ret = vm_reads_json(cr->out, cr->n)))
		rc = sp_error_oom(err);
	return rc;
}

/* Under lock: record what a status read found for one VM. */
static void refresh_apply(sp_mcis_reg *reg, const char *ns, const char *mcis, json_t *vm,
			  const struct vm_read *r, batch *b)
{
	const char *now_status = "Undefined";
	char msg[sizeof(r->err.message) + 32] = "";

	if (r->rc == 0) {
		now_status = vm_status_mcis(r->status);
		vm_set(vm, "nativeStatus", sp_vm_status_name(r->status));
	} else {
		snprintf(msg, sizeof(msg), "status read: %s", r->err.message);
	}
	if (!strcmp(now_status, vm_str(vm, "status")) && (r->rc == 0 || !strcmp(vm_str(vm, "systemMessage"), msg)))
		return;
	vm_set(vm, "status", now_status);
	if (r->rc < 0)
		vm_set(vm, "systemMessage", msg);
	if (!strcmp(now_status, vm_str(vm, "targetStatus"))) {
		vm_set(vm, "targetStatus", "None");
		vm_set(vm, "targetAction", "None");
	}
	put_vm(b, ns, mcis, vm);
	vm_event(reg, ns, mcis, vm);
}

/* Does the VM have a Spider VM to ask about? */
static bool vm_has_cloud(const json_t *vm)
{
	const char *s = vm_str(vm, "status");

	return *vm_str(vm, "idByCSP") && strcmp(s, "Terminated") && strcmp(s, "Creating");
}

/* Ask every connection about its VMs at once: one item per connection
 * (whose deadline covers its batch call, or its one-by-one calls).  ask
 * holds each connection's VMs next to each other. */
static int refresh_read(sp_mcis_reg *reg, json_t *ask, struct vm_read *out, sp_error *err)
{
	size_t n = json_array_size(ask), n_items = 0;
	size_t *first = calloc(n + 1, sizeof(*first));   /* each run's first ask */
	sp_fanout_result *res = NULL;
	void **items = calloc(n + 1, sizeof(*items));
	int rc = -1;

	if (!first || !items) {
		sp_error_oom(err);
		goto out;
	}
	for (size_t i = 0, end; i < n; i = end) {
		const char *conn = json_string_value(json_array_get(json_array_get(ask, i), 1));
		struct conn_read *cr;

		for (end = i + 1; end < n && !strcmp(conn, json_string_value(json_array_get(json_array_get(ask, end), 1))); end++)
			;
		if (!(cr = calloc(1, sizeof(*cr))) || !(cr->conn = strdup(conn)) ||
		    !(cr->names = calloc(end - i, sizeof(*cr->names))) || !(cr->out = calloc(end - i, sizeof(*cr->out)))) {
			if (cr)
				conn_read_free(cr);
			sp_error_oom(err);
			goto fail;
		}
		cr->core = reg->core;
		for (size_t x = i; x < end; x++, cr->n++)
			if (!(cr->names[x - i] = strdup(json_string_value(json_array_get(json_array_get(ask, x), 2))))) {
				conn_read_free(cr);
				sp_error_oom(err);
				goto fail;
			}
		first[n_items] = i;
		items[n_items++] = cr;
	}
	first[n_items] = n;
	if (sp_fanout_run(items, n_items, conn_read_run, conn_read_free, reg->core->item_timeout_s + 1, &res, err) < 0)
		goto out;
	/* A connection that failed as a whole fails each of its VMs. */
	for (size_t k = 0; k < n_items; k++)
		for (size_t x = first[k]; x < first[k + 1]; x++)
			out[x] = res[k].rc < 0 ? (struct vm_read){ .rc = -1, .err = res[k].err } :
						 vm_read_of(json_array_get(res[k].value, x - first[k]));
	sp_fanout_results_free(res, n_items);
	rc = 0;
	goto out;
fail:
	for (size_t k = 0; k < n_items; k++)
		conn_read_free(items[k]);
out:
	free(first);
	free(items);
	return rc;
}

int mcis_refresh(sp_mcis_reg *reg, const char *ns, const char *mcis, sp_error *err)
{
	_cleanup_json_ json_t *ask = json_array();   /* [[vmId, conn, spider name, ver]] */
	struct vm_read *out = NULL;
	const char *vk;
	json_t *mn, *vm;
	batch b = { 0 };
	char was[64];
	size_t n;
	int rc;

	if (!ask)
		return sp_error_oom(err);
	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	/* Grouped by connection (refresh_read wants each connection's VMs
	 * next to each other). */
	{
		_cleanup_json_ json_t *conns = json_object();
		const char *ck;
		json_t *cv;

		json_object_foreach(json_object_get(mn, "vm"), vk, vm) {
			json_t *list;

			if (!vm_has_cloud(vm))
				continue;
			if (!(list = json_object_get(conns, vm_str(vm, "connectionName"))))
				json_object_set_new(conns, vm_str(vm, "connectionName"), list = json_array());
			json_array_append_new(list, json_pack("[s,s,s,O]", vk, vm_str(vm, "connectionName"),
							      vm_spider_name(vm), json_object_get(vm, "_ver")));
		}
		json_object_foreach(conns, ck, cv)
			json_array_extend(ask, cv);
	}
	pthread_mutex_unlock(&reg->lock);

	n = json_array_size(ask);
	if (!(out = calloc(n + 1, sizeof(*out))))
		return sp_error_oom(err);
	if (n && refresh_read(reg, ask, out, err) < 0) {
		free(out);
		return -1;
	}

	pthread_mutex_lock(&reg->lock);
	mn = json_object_get(json_object_get(json_object_get(reg->ns, ns), "mcis"), mcis);
	if (!mn) {
		pthread_mutex_unlock(&reg->lock);
		free(out);
		return sp_error_set(err, SP_ERR_NOT_FOUND, "MCIS '%s' was deleted meanwhile", mcis);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(ask, i);

		vm = json_object_get(json_object_get(mn, "vm"), json_string_value(json_array_get(a, 0)));
		/* A VM changed since it was asked about has a newer doc. */
		if (vm && json_equal(json_object_get(vm, "_ver"), json_array_get(a, 3)))
			refresh_apply(reg, ns, mcis, vm, &out[i], &b);
	}
	snprintf(was, sizeof(was), "%s", vm_str(json_object_get(mn, "info"), "status"));
	mcis_aggregate(mn);
	if (strcmp(was, vm_str(json_object_get(mn, "info"), "status"))) {
		put_mcis(&b, ns, mn);
		reg_event(reg, "mcis", ns, json_pack("{s:s,s:s,s:s,s:O}", "action", "status", "mcisId", mcis,
						     "status", vm_str(json_object_get(mn, "info"), "status"),
						     "statusCount", json_object_get(json_object_get(mn, "info"), "statusCount")));
	}
	rc = reg_commit(reg, &b, err);
	free(out);
	return rc;
}

/* ,"key":"value" (or without the comma, first). */
static void text_kv(sp_buf *b, bool first, const char *key, const char *value)
{
	sp_buf_puts(b, first ? "\"" : ",\"");
	sp_buf_puts(b, key);
	sp_buf_puts(b, "\":");
	sp_buf_json_string(b, value ? value : "");
}

/* ,"key":<a JSON value> */
static void text_kj(sp_buf *b, const char *key, const json_t *value)
{
	char *t = value ? sp_json_dump(value) : NULL;

	sp_buf_puts(b, ",\"");
	sp_buf_puts(b, key);
	sp_buf_puts(b, "\":");
	sp_buf_puts(b, t ? t : "null");
	free(t);
}

/* The status reply of §7 (under lock), written as text straight away: a
 * 1000-VM MCIS made a tree of 17,000 values only to print it. */
static int status_text(const json_t *mn, sp_buf *b)
{
	const json_t *info = json_object_get(mn, "info");
	const char *vk, *master = NULL;
	bool first = true;
	json_t *vm;

	json_object_foreach(json_object_get(mn, "vm"), vk, vm)
		if (!master && !strcmp(vm_str(vm, "status"), "Running"))
			master = vk;
	vm = master ? json_object_get(json_object_get(mn, "vm"), master) : NULL;
	sp_buf_puts(b, "{");
	text_kv(b, true, "id", vm_str(info, "id"));
	text_kv(b, false, "name", vm_str(info, "name"));
	text_kv(b, false, "status", vm_str(info, "status"));
	text_kj(b, "statusCount", json_object_get(info, "statusCount"));
	text_kv(b, false, "targetStatus", vm_str(info, "targetStatus"));
	text_kv(b, false, "targetAction", vm_str(info, "targetAction"));
	text_kv(b, false, "installMonAgent", vm_str(info, "installMonAgent"));
	text_kv(b, false, "masterVmId", master);
	text_kv(b, false, "masterIp", vm ? vm_str(vm, "publicIP") : "");
	text_kv(b, false, "masterSSHPort", vm ? vm_str(vm, "sshPort") : "");
	text_kv(b, false, "label", vm_str(info, "label"));
	text_kv(b, false, "systemLabel", vm_str(info, "systemLabel"));
	sp_buf_puts(b, ",\"vm\":[");
	json_object_foreach(json_object_get(mn, "vm"), vk, vm) {
		static const char *const fields[][2] = {
			{ "subGroupId", "subGroupId" }, { "connectionName", "connectionName" },
			{ "cspVmId", "idByCSP" }, { "status", "status" }, { "targetStatus", "targetStatus" },
			{ "targetAction", "targetAction" }, { "nativeStatus", "nativeStatus" },
			{ "monAgentStatus", "monAgentStatus" }, { "systemMessage", "systemMessage" },
			{ "createdTime", "createdTime" }, { "publicIp", "publicIP" }, { "privateIp", "privateIP" },
			{ "sshPort", "sshPort" },
		};

		sp_buf_puts(b, first ? "{" : ",{");
		first = false;
		text_kv(b, true, "id", vk);
		text_kv(b, false, "name", vk);
		for (size_t i = 0; i < ELEMENTSOF(fields); i++)
			text_kv(b, false, fields[i][0], vm_str(vm, fields[i][1]));
		text_kj(b, "location", json_object_get(vm, "location"));
		sp_buf_puts(b, "}");
	}
	sp_buf_puts(b, "]}");
	return b->truncated ? -1 : 0;
}

static json_t *access_reply(const json_t *mn)
{
	json_t *groups = json_object();
	json_t *out = json_array();
	const char *vk;
	json_t *vm;

	if (!groups || !out) {
		json_decref(groups);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(json_object_get(mn, "vm"), vk, vm) {
		const char *g = vm_str(vm, "subGroupId");
		json_t *list = json_object_get(groups, g);

		if (!list) {
			list = json_array();
			json_object_set_new(groups, g, list);
		}
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "vmId", vk,
						      "publicIP", vm_str(vm, "publicIP"), "privateIP", vm_str(vm, "privateIP"),
						      "sshPort", vm_str(vm, "sshPort"), "vmUserAccount", vm_str(vm, "vmUserAccount"),
						      "connectionName", vm_str(vm, "connectionName")));
	}
	json_object_foreach(groups, vk, vm)
		json_array_append_new(out, json_pack("{s:s,s:O}", "subGroupId", vk, "mcisVmAccessInfo", vm));
	json_decref(groups);
	return json_pack("{s:{s:s,s:o}}", "mcisAccessInfo", "mcisId", vm_str(json_object_get(mn, "info"), "id"),
			 "mcisSubGroupAccessInfo", out);
}

static int option_check(const char *option, sp_error *err)
{
	static const char *const ok[] = { "default", "id", "simple", "status", "accessinfo" };

	if (!option)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(ok); i++)
		if (!strcmp(option, ok[i]))
			return 0;
	return sp_error_set(err, SP_ERR_INVALID, "option '%s' is invalid: want default, id, simple, status or accessinfo", option);
}

/* The reply of a status read as text: {"status":{...}}, or, for a list,
 * the bare status objects one after another (comma-separated). */
#define STATUS_TEXT_MAX (256u * 1024 * 1024)

int sp_mcis_get(sp_core *core, const char *ns, const char *mcis,
		const char *option, json_t **ret, char **ret_text, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	json_t *mn;

	*ret = NULL;
	*ret_text = NULL;
	if (option_check(option, err) < 0)
		return -1;
	if (option && !strcmp(option, "status") && mcis_refresh(reg, ns, mcis, err) < 0)
		return -1;
	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	if (!option || !strcmp(option, "default")) {
		*ret = mcis_info(mn, true);
	} else if (!strcmp(option, "status")) {
		sp_buf b = { .max = STATUS_TEXT_MAX };

		sp_buf_puts(&b, "{\"status\":");
		status_text(mn, &b);
		sp_buf_puts(&b, "}");
		pthread_mutex_unlock(&reg->lock);
		if (b.truncated || !b.data) {
			free(b.data);
			return sp_error_oom(err);
		}
		*ret_text = b.data;
		return 0;
	} else if (!strcmp(option, "accessinfo")) {
		*ret = access_reply(mn);
	} else if (!strcmp(option, "simple")) {
		*ret = mcis_info(mn, false);
	} else {
		const char *vk;
		json_t *vm;

		*ret = json_pack("{s:[]}", "output");
		json_object_foreach(json_object_get(mn, "vm"), vk, vm)
			json_array_append_new(json_object_get(*ret, "output"), json_string(vk));
	}
	pthread_mutex_unlock(&reg->lock);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_mcis_list(sp_core *core, const char *ns, const char *option,
		 json_t **ret, char **ret_text, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	_cleanup_json_ json_t *ids = json_array();
	_cleanup_json_ json_t *out = json_array();
	sp_buf text = { .max = STATUS_TEXT_MAX };
	bool status = option && !strcmp(option, "status");
	const char *mk;
	json_t *nsn, *mn;

	*ret = NULL;
	*ret_text = NULL;
	if (!ids || !out)
		return sp_error_oom(err);
	if (option_check(option, err) < 0)
		return -1;
	pthread_mutex_lock(&reg->lock);
	if (!(nsn = ns_node(reg, ns, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	json_object_foreach(json_object_get(nsn, "mcis"), mk, mn)
		json_array_append_new(ids, json_string(mk));
	pthread_mutex_unlock(&reg->lock);
	if (option && !strcmp(option, "id")) {
		*ret = json_pack("{s:O}", "output", ids);
		return *ret ? 0 : sp_error_oom(err);
	}
	sp_buf_puts(&text, "{\"mcis\":[");
	for (size_t i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		sp_error e = { 0 };

		if (status && mcis_refresh(reg, ns, id, &e) < 0 && e.code != SP_ERR_NOT_FOUND) {
			free(text.data);
			*err = e;
			return -1;
		}
		pthread_mutex_lock(&reg->lock);
		mn = json_object_get(json_object_get(json_object_get(reg->ns, ns), "mcis"), id);
		if (mn && status) {   /* else deleted meanwhile */
			if (text.len > strlen("{\"mcis\":["))
				sp_buf_puts(&text, ",");
			status_text(mn, &text);
		} else if (mn && option && !strcmp(option, "accessinfo")) {
			json_array_append_new(out, access_reply(mn));
		} else if (mn) {
			json_array_append_new(out, mcis_info(mn, !option || !strcmp(option, "default")));
		}
		pthread_mutex_unlock(&reg->lock);
	}
	sp_buf_puts(&text, "]}");
	if (status) {
		if (text.truncated || !text.data) {
			free(text.data);
			return sp_error_oom(err);
		}
		*ret_text = text.data;
		return 0;
	}
	free(text.data);
	*ret = json_pack("{s:O}", "mcis", out);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_mcis_vm_get(sp_core *core, const char *ns, const char *mcis,
		   const char *vm, const char *option, json_t **ret,
		   sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	json_t *mn, *v;

	if (option && strcmp(option, "default") && strcmp(option, "status") && strcmp(option, "idsInDetail"))
		return sp_error_set(err, SP_ERR_INVALID, "option '%s' is invalid: want default, status or idsInDetail", option);
	if (option && !strcmp(option, "status") && mcis_refresh(reg, ns, mcis, err) < 0)
		return -1;
	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err)) || !(v = vm_node(mn, vm, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	if (option && !strcmp(option, "status"))
		*ret = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", vm, "status", vm_str(v, "status"),
				 "targetStatus", vm_str(v, "targetStatus"), "targetAction", vm_str(v, "targetAction"),
				 "nativeStatus", vm_str(v, "nativeStatus"), "systemMessage", vm_str(v, "systemMessage"));
	else
		*ret = public_copy(v);
	pthread_mutex_unlock(&reg->lock);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_mcis_subgroups(sp_core *core, const char *ns, const char *mcis,
		      const char *subgroup, json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	_cleanup_json_ json_t *groups = json_object();
	_cleanup_json_ json_t *out = json_array();
	const char *vk;
	json_t *mn, *vm;

	if (!groups || !out)
		return sp_error_oom(err);
	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, ns, mcis, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	json_object_foreach(json_object_get(mn, "vm"), vk, vm) {
		const char *g = vm_str(vm, "subGroupId");
		json_t *sg = json_object_get(groups, g);

		if (!sg) {
			sg = json_pack("{s:s,s:s,s:[],s:i}", "id", g, "name", g, "vmId", "subGroupSize", 0);
			json_object_set_new(groups, g, sg);
		}
		json_array_append_new(json_object_get(sg, "vmId"), json_string(vk));
		json_object_set_new(sg, "subGroupSize", json_integer((json_int_t)json_array_size(json_object_get(sg, "vmId"))));
	}
	pthread_mutex_unlock(&reg->lock);
	if (subgroup) {
		json_t *sg = json_object_get(groups, subgroup);

		if (!sg)
			return sp_error_set(err, SP_ERR_NOT_FOUND, "subGroup '%s' does not exist in MCIS '%s'", subgroup, mcis);
		*ret = json_incref(sg);
		return 0;
	}
	json_object_foreach(groups, vk, vm)
		json_array_append(out, vm);
	*ret = json_pack("{s:O}", "subGroup", out);
	return *ret ? 0 : sp_error_oom(err);
}
