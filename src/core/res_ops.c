/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/res_ops.c - the operations beyond create/read/delete: subnets,
 * security rules, disk changes, tags, AnyCall, and destroying everything
 * of a connection.
 */
#include "core/fanout.h"
#include "core/names.h"
#include "core/res_int.h"
#include "util/json.h"

/* ---- subnets ------------------------------------------------------- */

int sp_subnet_add(sp_conn *c, const char *vpc, const json_t *reqinfo,
		  const sp_res_opts *o, json_t **ret_vpc, sp_error *err)
{
	_cleanup_(create_ctx_clear) struct create_ctx x = { .c = c, .transform = o->transform };
	_cleanup_(sp_res_row_freep) sp_res_row *vrow = NULL;
	_cleanup_json_ json_t *dsub = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	sp_store *st = c->core->store;
	sp_res_key vk = res_key(c, SP_RT_VPC, "", vpc), sk;
	sp_res_new row;
	sp_iid viid;
	const char *csp;
	sp_error ignored;

	if (!json_is_object(reqinfo))
		return sp_error_set(err, SP_ERR_INVALID, "ReqInfo is empty!");
	if (res_row_get(c, SP_RT_VPC, "", vpc, &vrow, err) < 0 ||
	    req_subnet(&x, reqinfo, &dsub, err) < 0)
		return -1;
	row = (sp_res_new){ .conn = c->name, .type = SP_RT_SUBNET, .owner = vpc,
			    .name = x.subnets[0].name, .spxid = x.subnets[0].spxid, .csp_id = "",
			    .state = SP_RES_CREATING, .doc = "{}" };
	sk = res_key(c, SP_RT_SUBNET, vpc, x.subnets[0].name);
	if (sp_store_res_insert(st, &row, &vk, 1, err) < 0)
		return -1;
	viid = res_row_sp_iid(vrow);
	if (SP_DRIVER_CALL(c, subnet, add, "VPC/SUBNET", x.subnets[0].name, "AddSubnet()", err, &viid, dsub, &cloud) < 0) {
		sp_store_res_delete(st, &sk, &ignored);
		return -1;
	}
	if (!(csp = subnet_csp_id(cloud, x.subnets[0].spxid))) {
		sp_store_res_delete(st, &sk, &ignored);
		return sp_error_set(err, SP_ERR_INTERNAL, "driver '%s' did not return the new subnet '%s'", c->plugin->driver->name, x.subnets[0].spxid);
	}
	if (sp_store_res_update(st, &sk, csp, NULL, SP_RES_READY, err) < 0)
		return -1;
	return res_user_info(c, SP_RT_VPC, vrow, cloud, false, ret_vpc, err);
}

int sp_subnet_get(sp_conn *c, const char *vpc, const char *name, json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *vrow = NULL;
	_cleanup_(sp_res_row_freep) sp_res_row *srow = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	json_t *s;

	if (res_row_get(c, SP_RT_VPC, "", vpc, &vrow, err) < 0 ||
	    res_row_get(c, SP_RT_SUBNET, vpc, name, &srow, err) < 0 ||
	    res_cloud_get(c, sp_res_type_of(SP_RT_VPC), vrow, &cloud, err) < 0)
		return -1;
	if (!(s = subnet_find(cloud, "SystemId", srow->csp_id)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "The Subnet '%s' does not exist!", name);
	return res_user_info(c, SP_RT_SUBNET, srow, s, false, ret, err);
}

int sp_subnet_remove(sp_conn *c, const char *vpc, const char *name, bool force, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *vrow = NULL;
	_cleanup_(sp_res_row_freep) sp_res_row *srow = NULL;
	sp_store *st = c->core->store;
	sp_res_key sk = res_key(c, SP_RT_SUBNET, vpc, name);
	sp_iid viid, siid;
	sp_error ignored;
	int rc;

	if (res_row_get(c, SP_RT_VPC, "", vpc, &vrow, err) < 0 ||
	    sp_store_res_begin_delete(st, &sk, !force, err) < 0)
		return -1;
	if (sp_store_res_get(st, &sk, &srow, err) < 0)
		return -1;
	viid = res_row_sp_iid(vrow);
	siid = res_row_sp_iid(srow);
	rc = SP_DRIVER_CALL(c, subnet, remove, "VPC/SUBNET", name, "RemoveSubnet()", err, &viid, &siid);
	if (rc < 0 && err->code == SP_ERR_NOT_FOUND)
		rc = 0;
	if (rc < 0 && !force) {
		sp_store_res_update(st, &sk, NULL, NULL, SP_RES_READY, &ignored);
		return -1;
	}
	return sp_store_res_delete(st, &sk, err);
}

int sp_subnet_csp_remove(sp_conn *c, const char *vpc, const char *csp_id, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *vrow = NULL;
	_cleanup_(sp_res_row_freep) sp_res_row *srow = NULL;
	sp_iid viid, siid = { csp_id, csp_id };
	sp_error ignored;

	if (res_row_get(c, SP_RT_VPC, "", vpc, &vrow, err) < 0)
		return -1;
	if (sp_store_res_find_csp(c->core->store, c->name, SP_RT_SUBNET, csp_id, &srow, &ignored) == 0)
		return sp_error_set(err, SP_ERR_CONFLICT, "Subnet '%s' is registered as '%s'; delete it by that name", csp_id, srow->name);
	viid = res_row_sp_iid(vrow);
	return SP_DRIVER_CALL(c, subnet, remove, "VPC/SUBNET", csp_id, "RemoveSubnet()", err, &viid, &siid);
}

int sp_subnet_register(sp_conn *c, const json_t *reqinfo, json_t **ret, sp_error *err)
{
	struct create_ctx x = { .rt_reqinfo = "resources.SubnetReqInfo" };
	_cleanup_(sp_res_row_freep) sp_res_row *vrow = NULL;
	_cleanup_(sp_res_row_freep) sp_res_row *dup = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	const char *name, *vpc, *csp, *zone, *nid;
	sp_res_key vk;
	sp_error ignored;
	sp_res_new row;
	sp_res_row made;
	json_t *s;

	if (!json_is_object(reqinfo))
		return sp_error_set(err, SP_ERR_INVALID, "ReqInfo is empty!");
	if (req_string(&x, reqinfo, "Name", true, &name, err) < 0 ||
	    sp_name_validate("Name", name, err) < 0 ||
	    req_string(&x, reqinfo, "VPCName", true, &vpc, err) < 0 ||
	    req_string(&x, reqinfo, "CSPId", true, &csp, err) < 0 ||
	    req_string(&x, reqinfo, "Zone", false, &zone, err) < 0 ||
	    req_zone(c, zone, err) < 0 ||
	    res_row_get(c, SP_RT_VPC, "", vpc, &vrow, err) < 0 ||
	    res_cloud_get(c, sp_res_type_of(SP_RT_VPC), vrow, &cloud, err) < 0)
		return -1;
	if (!(s = subnet_find(cloud, "SystemId", csp)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "The Subnet '%s' does not exist in VPC '%s'!", csp, vpc);
	if (sp_store_res_find_csp(c->core->store, c->name, SP_RT_SUBNET, csp, &dup, &ignored) == 0)
		return sp_error_set(err, SP_ERR_CONFLICT, "Subnet '%s' is registered already as '%s' in connection '%s'", csp, dup->name, c->name);
	nid = json_string_value(json_object_get(json_object_get(s, "IId"), "NameId"));
	vk = res_key(c, SP_RT_VPC, "", vpc);
	row = (sp_res_new){ .conn = c->name, .type = SP_RT_SUBNET, .owner = vpc, .name = name,
			    .spxid = (sp_isempty(nid) ? csp : nid), .csp_id = csp,
			    .state = SP_RES_READY, .doc = "{}" };
	if (sp_store_res_insert(c->core->store, &row, &vk, 1, err) < 0)
		return -1;
	made = (sp_res_row){ .name = (char *)name, .csp_id = (char *)csp };
	return res_user_info(c, SP_RT_SUBNET, &made, s, false, ret, err);
}

int sp_subnet_unregister(sp_conn *c, const char *vpc, const char *name, sp_error *err)
{
	sp_res_key sk = res_key(c, SP_RT_SUBNET, vpc, name);

	if (sp_isempty(vpc))
		return sp_error_set(err, SP_ERR_INVALID, "resources.SubnetReqInfo:VPCName's input value is empty!");
	if (sp_store_res_begin_delete(c->core->store, &sk, true, err) < 0)
		return -1;
	return sp_store_res_delete(c->core->store, &sk, err);
}

/* ---- security groups ----------------------------------------------- */

int sp_sgrule_change(sp_conn *c, const char *sg, const json_t *rules, bool add,
		     json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	_cleanup_json_ json_t *norm = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	sp_iid iid;

	if (!rules || json_array_size(rules) == 0)
		return sp_error_set(err, SP_ERR_INVALID, "RuleInfoList is empty!");
	if (res_row_get(c, SP_RT_SG, "", sg, &row, err) < 0 ||
	    req_rules(rules, "RuleInfoList", &norm, err) < 0)
		return -1;
	iid = res_row_sp_iid(row);
	if (!add) {
		if (SP_DRIVER_CALL(c, sgrule, remove, "SECURITYGROUP", sg, "RemoveRules()", err, &iid, norm) < 0)
			return -1;
		*ret = json_pack("{s:s}", "Result", "true");
		return *ret ? 0 : sp_error_oom(err);
	}
	if (SP_DRIVER_CALL(c, sgrule, add, "SECURITYGROUP", sg, "AddRules()", err, &iid, norm, &cloud) < 0)
		return -1;
	return res_user_info(c, SP_RT_SG, row, cloud, false, ret, err);
}

int sp_sg_owner(sp_conn *c, const char *csp_id, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	json_t *vpc;

	if (sp_isempty(csp_id))
		return sp_error_set(err, SP_ERR_INVALID, "CSPId is empty!");
	if (sp_res_csp_get(c, sp_res_type_of(SP_RT_SG), csp_id, &info, err) < 0)
		return -1;
	if (!(vpc = json_object_get(info, "VpcIID")))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "Security Group '%s' has no owner VPC", csp_id);
	*ret = json_incref(vpc);
	return 0;
}

/* ---- disks ----------------------------------------------------------- */

int sp_disk_resize(sp_conn *c, const char *name, const char *size, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_iid iid;
	size_t len = size ? strlen(size) : 0;

	if (len == 0)
		return sp_error_set(err, SP_ERR_INVALID, "resources.DiskReqInfo:Size's input value is empty!");
	if (len > 9 || strspn(size, "0123456789") != len || size[0] == '0')
		return sp_error_set(err, SP_ERR_INVALID, "Size '%s' is invalid: want a whole number of GB", size);
	if (res_row_get(c, SP_RT_DISK, "", name, &row, err) < 0)
		return -1;
	iid = res_row_sp_iid(row);
	return SP_DRIVER_CALL(c, diskctl, resize, "DISK", name, "ChangeDiskSize()", err, &iid, size);
}

int sp_disk_attach(sp_conn *c, const char *name, const char *vm, bool attach,
		   json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *drow = NULL;
	_cleanup_(sp_res_row_freep) sp_res_row *vrow = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	sp_res_key dk = res_key(c, SP_RT_DISK, "", name), vk = res_key(c, SP_RT_VM, "", vm);
	sp_iid diid, viid;
	sp_error ignored;

	if (sp_isempty(vm))
		return sp_error_set(err, SP_ERR_INVALID, "resources.DiskReqInfo:VMName's input value is empty!");
	if (res_row_get(c, SP_RT_DISK, "", name, &drow, err) < 0 ||
	    res_row_get(c, SP_RT_VM, "", vm, &vrow, err) < 0)
		return -1;
	diid = res_row_sp_iid(drow);
	viid = res_row_sp_iid(vrow);
	if (!attach) {
		if (SP_DRIVER_CALL(c, diskctl, detach, "DISK", name, "DetachDisk()", err, &diid, &viid) < 0)
			return -1;
		sp_store_res_ref(c->core->store, &vk, &dk, false, &ignored);
		*ret = json_pack("{s:s}", "Result", "true");
		return *ret ? 0 : sp_error_oom(err);
	}
	if (SP_DRIVER_CALL(c, diskctl, attach, "DISK", name, "AttachDisk()", err, &diid, &viid, &cloud) < 0)
		return -1;
	/* The link keeps the disk from being deleted while attached. */
	if (sp_store_res_ref(c->core->store, &vk, &dk, true, err) < 0)
		return -1;
	return res_user_info(c, SP_RT_DISK, drow, cloud, false, ret, err);
}

/* ---- tags, names --------------------------------------------------- */

/* The user's ResourceType: every type of the reference is known; the
 * ones without rows here are not supported. */
static int tag_type(sp_conn *c, const char *type, sp_rtype *ret, sp_error *err)
{
	static const char *const known[] = { "all", "image", "vpc", "subnet", "sg", "keypair", "vm", "nlb", "disk", "myimage", "cluster", "nodegroup", "filesystem", "rdbms", "publicip", "nic" };
	bool ok = false;

	if (sp_isempty(type))
		return sp_error_set(err, SP_ERR_INVALID, "ResourceType is empty!");
	for (size_t i = 0; i < ELEMENTSOF(known); i++)
		ok |= !strcasecmp(type, known[i]);
	if (!ok)
		return sp_error_set(err, SP_ERR_INVALID, "%s is not a valid resource type", type);
	if (sp_rtype_parse(type, ret) < 0 || !(*ret <= SP_RT_MYIMAGE) || *ret == SP_RT_NLB)
		return sp_error_set(err, SP_ERR_UNSUPPORTED, "%s does not support tags on resource type '%s'", c->name, type);
	return 0;
}

/* The row of a resource named by type and name; subnets by name alone
 * (the first VPC that has one). */
static int tag_row(sp_conn *c, sp_rtype type, const char *name, sp_res_row **ret, sp_error *err)
{
	sp_res_row **rows = NULL;
	size_t n = 0;

	if (sp_isempty(name))
		return sp_error_set(err, SP_ERR_INVALID, "ResourceName is empty!");
	if (type != SP_RT_SUBNET)
		return res_row_get(c, type, "", name, ret, err);
	if (sp_store_res_list(c->core->store, c->name, SP_RT_SUBNET, NULL, &rows, &n, err) < 0)
		return -1;
	*ret = NULL;
	for (size_t i = 0; i < n; i++)
		if (!*ret && !strcmp(rows[i]->name, name))
			*ret = TAKE_PTR(rows[i]);
	sp_res_rows_free(rows, n);
	if (!*ret)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "The Subnet '%s' does not exist!", name);
	return 0;
}

/* The row a tag call is about (the caller frees it), and its type. */
static int tag_target(sp_conn *c, const char *type, const char *name, sp_rtype *ret_type,
		      sp_res_row **ret_row, sp_error *err)
{
	return tag_type(c, type, ret_type, err) < 0 ? -1 : tag_row(c, *ret_type, name, ret_row, err);
}

int sp_tag_add(sp_conn *c, const char *type, const char *name, const char *key,
	       const char *value, json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_rtype t;
	sp_iid iid;

	if (sp_isempty(key))
		return sp_error_set(err, SP_ERR_INVALID, "Tag Key is empty!");
	if (tag_target(c, type, name, &t, &row, err) < 0)
		return -1;
	iid = res_row_sp_iid(row);
	if (SP_DRIVER_CALL(c, tag, add, "TAG", name, "AddTag()", err, sp_rtype_name(t), &iid, key, value ? value : "") < 0)
		return -1;
	*ret = json_pack("{s:s,s:s}", "Key", key, "Value", value ? value : "");
	return *ret ? 0 : sp_error_oom(err);
}

int sp_tag_list(sp_conn *c, const char *type, const char *name, json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	json_t *tags = NULL;
	sp_rtype t;
	sp_iid iid;

	if (tag_target(c, type, name, &t, &row, err) < 0)
		return -1;
	iid = res_row_sp_iid(row);
	if (SP_DRIVER_CALL(c, tag, list, "TAG", name, "ListTag()", err, sp_rtype_name(t), &iid, &tags) < 0)
		return -1;
	*ret = json_pack("{s:o,s:s}", "tag", tags, "resourceType", sp_rtype_display(t));
	return *ret ? 0 : sp_error_oom(err);
}

int sp_tag_get(sp_conn *c, const char *type, const char *name, const char *key,
	       json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_rtype t;
	sp_iid iid;

	if (tag_target(c, type, name, &t, &row, err) < 0)
		return -1;
	iid = res_row_sp_iid(row);
	return SP_DRIVER_CALL(c, tag, get, "TAG", name, "GetTag()", err, sp_rtype_name(t), &iid, key, ret);
}

int sp_tag_remove(sp_conn *c, const char *type, const char *name, const char *key,
		  sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_rtype t;
	sp_iid iid;

	if (tag_target(c, type, name, &t, &row, err) < 0)
		return -1;
	iid = res_row_sp_iid(row);
	return SP_DRIVER_CALL(c, tag, remove, "TAG", name, "RemoveTag()", err, sp_rtype_name(t), &iid, key);
}

int sp_res_csp_name(sp_conn *c, const char *type, const char *name, json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_rtype t;

	if (tag_target(c, type, name, &t, &row, err) < 0)
		return -1;
	*ret = json_pack("{s:s}", "Name", row->spxid);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_res_csp_info(sp_conn *c, const char *type, const char *name, json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	const sp_res_type *rt;
	sp_rtype t;

	if (tag_target(c, type, name, &t, &row, err) < 0)
		return -1;
	if (t == SP_RT_SUBNET) {
		_cleanup_(sp_res_row_freep) sp_res_row *vrow = NULL;
		_cleanup_json_ json_t *cloud = NULL;
		json_t *s;

		if (res_row_get(c, SP_RT_VPC, "", row->owner, &vrow, err) < 0 ||
		    res_cloud_get(c, sp_res_type_of(SP_RT_VPC), vrow, &cloud, err) < 0)
			return -1;
		if (!(s = subnet_find(cloud, "SystemId", row->csp_id)))
			return sp_error_set(err, SP_ERR_NOT_FOUND, "The Subnet '%s' does not exist!", name);
		*ret = json_incref(s);
		return 0;
	}
	if (!(rt = sp_res_type_of(t)))
		return sp_error_set(err, SP_ERR_UNSUPPORTED, "%s does not support resource type '%s'", c->name, type);
	return res_cloud_get(c, rt, row, ret, err);
}

/* ---- AnyCall ---------------------------------------------------------- */

int sp_anycall(sp_conn *c, const json_t *reqinfo, json_t **ret, sp_error *err)
{
	const sp_driver *d = c->plugin->driver;
	_cleanup_json_ json_t *req = NULL;
	const char *fid = NULL;
	const json_t *kvs = NULL;
	sp_call call;

	if (!json_is_object(reqinfo))
		return sp_error_set(err, SP_ERR_INVALID, "ReqInfo is empty!");
	if (sp_json_string(reqinfo, "FID", true, &fid, err) < 0 ||
	    sp_json_array(reqinfo, "IKeyValueList", &kvs, err) < 0)
		return -1;
	if (!(req = json_pack("{s:s,s:O}", "FID", fid, "IKeyValueList", kvs ? (json_t *)kvs : json_array())))
		return sp_error_oom(err);
	if (sp_call_begin(&call, c, d->anycall != NULL, "ANYCALL", fid, "AnyCall()", __func__, __LINE__, err) < 0)
		return -1;
	return sp_call_end(&call, d->anycall(c->session, req, ret, err), err);
}

/* ---- destroy ----------------------------------------------------------- */

#define DESTROY_TRIES 10
#define DESTROY_PAUSE_S 3.0

struct destroy_item {
	sp_conn *c;
	const sp_res_type *rt;
	char *name;
	char *csp_id;
};

static void destroy_item_free(void *p)
{
	struct destroy_item *it = p;

	sp_conn_release(it->c);
	free(it->name);
	free(it->csp_id);
	free(it);
}

static int destroy_item_run(void *p, json_t **ret, sp_error *err)
{
	struct destroy_item *it = p;

	for (int i = 0; i < DESTROY_TRIES; i++) {
		if (sp_res_delete(it->c, it->rt, it->name, false, NULL, err) == 0 || err->code == SP_ERR_NOT_FOUND) {
			*ret = res_iid(it->name, it->csp_id);
			return *ret ? 0 : sp_error_oom(err);
		}
		if (err->code == SP_ERR_INVALID || err->code == SP_ERR_UNSUPPORTED || i + 1 == DESTROY_TRIES)
			break;
		sp_sleep(DESTROY_PAUSE_S);
	}
	return -1;
}

/* Delete every row of the phase's types at once; add a report per type. */
static int destroy_phase(sp_conn *c, const sp_rtype *types, size_t nt, json_t *report,
			 bool *all, sp_error *err)
{
	const size_t cap = SP_RES_MAX * 2;
	_cleanup_free_ void **items = calloc(cap, sizeof(*items));
	size_t n = 0, first[4] = { 0 };
	sp_fanout_result *res = NULL;

	/* On the heap: 160 KiB of pointers would take most of a request
	 * thread's stack. */
	if (!items)
		return sp_error_oom(err);
	for (size_t t = 0; t < nt; t++) {
		sp_res_row **rows = NULL;
		size_t nr = 0;

		first[t] = n;
		if (sp_store_res_list(c->core->store, c->name, types[t], NULL, &rows, &nr, err) < 0)
			goto fail;
		for (size_t i = 0; i < nr && n < cap; i++) {
			struct destroy_item *it = calloc(1, sizeof(*it));

			if (!it || !(it->name = strdup(rows[i]->name)) || !(it->csp_id = strdup(rows[i]->csp_id))) {
				if (it)
					free(it->name);
				free(it);
				sp_res_rows_free(rows, nr);
				sp_error_oom(err);
				goto fail;
			}
			it->c = sp_conn_ref(c);
			it->rt = sp_res_type_of(types[t]);
			items[n++] = it;
		}
		sp_res_rows_free(rows, nr);
	}
	first[nt] = n;
	if (sp_fanout_run(items, n, destroy_item_run, destroy_item_free,
			  (c->core->vm_wait_s + 60) * DESTROY_TRIES, &res, err) < 0)
		return -1;
	for (size_t t = 0; t < nt; t++) {
		json_t *ok = json_array(), *bad = json_array();

		for (size_t i = first[t]; i < first[t + 1]; i++) {
			if (res[i].rc == 0)
				json_array_append(ok, res[i].value);
			else
				json_array_append_new(bad, json_pack("{s:s,s:s}", "Name", "", "ErrorMsg", res[i].err.message));
		}
		*all &= json_array_size(bad) == 0;
		json_array_append_new(report, json_pack("{s:s,s:b,s:o,s:o}", "ResourceType", sp_res_type_of(types[t])->path,
							"IsAllDeleted", json_array_size(bad) == 0, "DeletedIIDList", ok,
							"RemainedErrorInfoList", bad));
	}
	sp_fanout_results_free(res, n);
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		destroy_item_free(items[i]);
	return -1;
}

int sp_res_destroy(sp_conn *c, json_t **ret, sp_error *err)
{
	static const sp_rtype p1[] = { SP_RT_MYIMAGE }, p2[] = { SP_RT_VM }, p3[] = { SP_RT_DISK },
			      p4[] = { SP_RT_KEYPAIR, SP_RT_SG }, p5[] = { SP_RT_VPC };
	static const struct {
		const sp_rtype *types;
		size_t n;
	} phases[] = { { p1, 1 }, { p2, 1 }, { p3, 1 }, { p4, 2 }, { p5, 1 } };
	_cleanup_json_ json_t *report = json_array();
	bool all = true;

	if (!report)
		return sp_error_oom(err);
	for (size_t i = 0; i < ELEMENTSOF(phases); i++)
		if (destroy_phase(c, phases[i].types, phases[i].n, report, &all, err) < 0)
			return -1;
	*ret = json_pack("{s:b,s:O}", "IsAllDestroyed", all, "DeletedAllListByResourceType", report);
	return *ret ? 0 : sp_error_oom(err);
}
