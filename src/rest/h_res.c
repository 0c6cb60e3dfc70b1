/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest/h_res.c - the resource routes (§11-§12 of the reference): parse the
 * request, call core/res, wrap the answer.
 */
#include "core/res.h"
#include "rest/rest.h"
#include "util/json.h"

/* The resource type a route is for. */
static const sp_res_type *rtype(const sp_req *req)
{
	return req->route->ctx;
}

static const json_t *reqinfo(const sp_req *req)
{
	return sp_json_get(req->body, "ReqInfo");
}

static bool force(const sp_req *req)
{
	const char *f = sp_req_query(req, "force");

	return f && !strcasecmp(f, "true");
}

static int result_true(json_t **ret, sp_error *err)
{
	*ret = sp_json_result_true();
	return *ret ? 0 : sp_error_oom(err);
}

static int status_json(sp_vm_status s, json_t **ret, sp_error *err)
{
	*ret = json_pack("{s:s}", "Status", sp_vm_status_name(s));
	return *ret ? 0 : sp_error_oom(err);
}

/* A ReqInfo string (else the query string), required or not. */
static int info_string(const sp_req *req, const char *key, bool required,
		       const char **ret, sp_error *err)
{
	const char *v = NULL;

	if (sp_json_string(reqinfo(req), key, false, &v, err) < 0)
		return -1;
	if (sp_isempty(v))
		v = sp_req_query(req, key);
	if (sp_isempty(v) && sp_req_string(req, key, false, &v, err) < 0)
		return -1;
	if (required && sp_isempty(v))
		return sp_error_set(err, SP_ERR_INVALID, "%s is empty!", key);
	*ret = v;
	return 0;
}

static int opts(const sp_req *req, sp_res_opts *o, sp_error *err)
{
	*o = (sp_res_opts){ 0 };
	return sp_res_transform_mode(req->body, &o->transform, err);
}

/* ---- the generic routes ------------------------------------------- */

static int h_create(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;
	sp_res_opts o;

	if (opts(req, &o, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_create(c, rtype(req), reqinfo(req), &o, ret, err);
}

static int h_list(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_list(c, rtype(req), sp_req_param(req, "VPCName"), ret, err);
}

static int h_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_get(c, rtype(req), sp_req_param(req, "Name"), ret, err);
}

static int h_delete(sp_req *req, json_t **ret, sp_error *err)
{
	const sp_res_type *rt = rtype(req);
	sp_vm_status s;
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    sp_res_delete(c, rt, sp_req_param(req, "Name"), force(req), &s, err) < 0)
		return -1;
	return rt->type == SP_RT_VM ? status_json(s, ret, err) : result_true(ret, err);
}

static int h_register(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_register(c, rtype(req), reqinfo(req), ret, err);
}

static int h_unregister(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    sp_res_unregister(c, rtype(req), sp_req_param(req, "Name"), err) < 0)
		return -1;
	return result_true(ret, err);
}

static int h_all(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_all(c, rtype(req), false, ret, err);
}

static int h_allinfo(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_all(c, rtype(req), true, ret, err);
}

static int h_csp_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_csp_get(c, rtype(req), sp_req_param(req, "Id"), ret, err);
}

static int h_csp_delete(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    sp_res_csp_delete(c, rtype(req), sp_req_param(req, "Id"), err) < 0)
		return -1;
	return result_true(ret, err);
}

/* Counts come from the metadata alone: every connection's, or one's.
 * The route's type is a sp_res_type, or NULL for subnets. */
static int h_count(sp_req *req, json_t **ret, sp_error *err)
{
	const sp_res_type *rt = rtype(req);
	const char *conn = sp_req_param(req, "ConnectionName");
	size_t n;

	if (conn) {
		_cleanup_(sp_cim_row_freep) sp_cim_row *row = NULL;

		if (sp_store_cim_get(req->core->store, SP_CIM_CONNECTION, conn, &row, err) < 0)
			return -1;
	}
	if (sp_store_res_count(req->core->store, conn,
			       rt ? (int)rt->type : SP_RT_SUBNET, &n, err) < 0)
		return -1;
	*ret = sp_json_count(n);
	return *ret ? 0 : sp_error_oom(err);
}

/* ---- subnets ------------------------------------------------------- */

static int h_subnet_add(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;
	sp_res_opts o;

	if (opts(req, &o, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_subnet_add(c, sp_req_param(req, "VPCName"), reqinfo(req), &o, ret, err);
}

static int h_subnet_get(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_subnet_get(c, sp_req_param(req, "VPCName"), sp_req_param(req, "Name"), ret, err);
}

static int h_subnet_remove(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    sp_subnet_remove(c, sp_req_param(req, "VPCName"), sp_req_param(req, "SubnetName"), force(req), err) < 0)
		return -1;
	return result_true(ret, err);
}

static int h_subnet_csp_remove(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    sp_subnet_csp_remove(c, sp_req_param(req, "VPCName"), sp_req_param(req, "Id"), err) < 0)
		return -1;
	return result_true(ret, err);
}

static int h_subnet_register(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_subnet_register(c, reqinfo(req), ret, err);
}

static int h_subnet_unregister(sp_req *req, json_t **ret, sp_error *err)
{
	const char *vpc = NULL;
	sp_conn *c;

	if (info_string(req, "VPCName", true, &vpc, err) < 0 ||
	    sp_req_open_conn(req, &c, err) < 0 ||
	    sp_subnet_unregister(c, vpc, sp_req_param(req, "Name"), err) < 0)
		return -1;
	return result_true(ret, err);
}

/* ---- security groups ----------------------------------------------- */

static int rules_change(sp_req *req, bool add, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_sgrule_change(c, sp_req_param(req, "SGName"), sp_json_get(reqinfo(req), "RuleInfoList"), add, ret, err);
}

static int h_rules_add(sp_req *req, json_t **ret, sp_error *err)
{
	return rules_change(req, true, ret, err);
}

static int h_rules_remove(sp_req *req, json_t **ret, sp_error *err)
{
	return rules_change(req, false, ret, err);
}

static int h_sg_owner(sp_req *req, json_t **ret, sp_error *err)
{
	const char *csp = NULL;
	sp_conn *c;

	if (info_string(req, "CSPId", true, &csp, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_sg_owner(c, csp, ret, err);
}

/* ---- VMs ------------------------------------------------------------ */

static int h_vm_status(sp_req *req, json_t **ret, sp_error *err)
{
	sp_vm_status s;
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0 ||
	    sp_vm_status_get(c, sp_req_param(req, "Name"), &s, err) < 0)
		return -1;
	return status_json(s, ret, err);
}

static int h_vm_status_list(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_vm_status_list(c, ret, err);
}

static int h_vm_control(sp_req *req, json_t **ret, sp_error *err)
{
	sp_vm_action a;
	sp_vm_status s;
	sp_conn *c;

	if (sp_vm_action_parse(sp_req_query(req, "action"), &a, err) < 0 ||
	    sp_req_open_conn(req, &c, err) < 0 ||
	    sp_vm_control(c, sp_req_param(req, "Name"), a, &s, err) < 0)
		return -1;
	return status_json(s, ret, err);
}

static int h_vm_using(sp_req *req, json_t **ret, sp_error *err)
{
	const char *csp = NULL;
	sp_conn *c;

	if (info_string(req, "CSPId", true, &csp, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_vm_using_resources(c, csp, ret, err);
}

/* ---- disks ----------------------------------------------------------- */

static int h_disk_size(sp_req *req, json_t **ret, sp_error *err)
{
	const char *size = NULL;
	sp_conn *c;

	if (sp_json_string(reqinfo(req), "Size", false, &size, err) < 0 ||
	    sp_req_open_conn(req, &c, err) < 0 ||
	    sp_disk_resize(c, sp_req_param(req, "Name"), size, err) < 0)
		return -1;
	return result_true(ret, err);
}

static int disk_attach(sp_req *req, bool attach, json_t **ret, sp_error *err)
{
	const char *vm = NULL;
	sp_conn *c;

	if (sp_json_string(reqinfo(req), "VMName", false, &vm, err) < 0 ||
	    sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_disk_attach(c, sp_req_param(req, "Name"), vm, attach, ret, err);
}

static int h_disk_attach(sp_req *req, json_t **ret, sp_error *err)
{
	return disk_attach(req, true, ret, err);
}

static int h_disk_detach(sp_req *req, json_t **ret, sp_error *err)
{
	return disk_attach(req, false, ret, err);
}

/* ---- tags, AnyCall, names, destroy ---------------------------------- */

/* ResourceType and ResourceName: from ReqInfo, else the query. */
static int tag_target(sp_req *req, const char **type, const char **name, sp_error *err)
{
	if (info_string(req, "ResourceType", false, type, err) < 0 ||
	    info_string(req, "ResourceName", false, name, err) < 0)
		return -1;
	if (sp_isempty(*type) || sp_isempty(*name))
		return sp_error_set(err, SP_ERR_INVALID, "Missing required query parameters: ConnectionName, ResourceType and ResourceName");
	return 0;
}

static int h_tag_add(sp_req *req, json_t **ret, sp_error *err)
{
	const char *type, *name, *key = NULL, *value = NULL;
	const json_t *tag = sp_json_get(reqinfo(req), "Tag");
	sp_conn *c;

	if (tag_target(req, &type, &name, err) < 0 ||
	    sp_json_string(tag, "Key", true, &key, err) < 0 ||
	    sp_json_string(tag, "Value", false, &value, err) < 0 ||
	    sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_tag_add(c, type, name, key, value, ret, err);
}

static int h_tag_list(sp_req *req, json_t **ret, sp_error *err)
{
	const char *type, *name;
	sp_conn *c;

	if (tag_target(req, &type, &name, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_tag_list(c, type, name, ret, err);
}

static int h_tag_get(sp_req *req, json_t **ret, sp_error *err)
{
	const char *type, *name;
	sp_conn *c;

	if (tag_target(req, &type, &name, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_tag_get(c, type, name, sp_req_param(req, "Key"), ret, err);
}

static int h_tag_remove(sp_req *req, json_t **ret, sp_error *err)
{
	const char *type, *name;
	sp_conn *c;

	if (tag_target(req, &type, &name, err) < 0 || sp_req_open_conn(req, &c, err) < 0 ||
	    sp_tag_remove(c, type, name, sp_req_param(req, "Key"), err) < 0)
		return -1;
	return result_true(ret, err);
}

static int h_anycall(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_anycall(c, reqinfo(req), ret, err);
}

static int h_destroy(sp_req *req, json_t **ret, sp_error *err)
{
	sp_conn *c;

	if (sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_destroy(c, ret, err);
}

static int h_csp_name(sp_req *req, json_t **ret, sp_error *err)
{
	const char *type = NULL;
	sp_conn *c;

	if (info_string(req, "ResourceType", true, &type, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_csp_name(c, type, sp_req_param(req, "Name"), ret, err);
}

static int h_csp_info(sp_req *req, json_t **ret, sp_error *err)
{
	const char *type = NULL;
	sp_conn *c;

	if (info_string(req, "ResourceType", true, &type, err) < 0 || sp_req_open_conn(req, &c, err) < 0)
		return -1;
	return sp_res_csp_info(c, type, sp_req_param(req, "Name"), ret, err);
}

/* The eleven routes of the full pattern for one type. */
#define RES_ROUTES(x, i)                                                                  \
	{ "POST", "/spider/" x, h_create, .ctx = &sp_res_types[i] },                       \
	{ "GET", "/spider/" x, h_list, .ctx = &sp_res_types[i] },                          \
	{ "GET", "/spider/" x "/:Name", h_get, .ctx = &sp_res_types[i] },                  \
	{ "DELETE", "/spider/" x "/:Name", h_delete, .ctx = &sp_res_types[i] },            \
	{ "POST", "/spider/reg" x, h_register, .ctx = &sp_res_types[i] },                  \
	{ "DELETE", "/spider/reg" x "/:Name", h_unregister, .ctx = &sp_res_types[i] },     \
	{ "GET", "/spider/all" x, h_all, .ctx = &sp_res_types[i] },                        \
	{ "GET", "/spider/all" x "info", h_allinfo, .ctx = &sp_res_types[i] },             \
	{ "GET", "/spider/csp" x "/:Id", h_csp_get, .ctx = &sp_res_types[i] },             \
	{ "DELETE", "/spider/csp" x "/:Id", h_csp_delete, .ctx = &sp_res_types[i] },       \
	{ "GET", "/spider/count" x, h_count, .ctx = &sp_res_types[i] },                    \
	{ "GET", "/spider/count" x "/:ConnectionName", h_count, .ctx = &sp_res_types[i] }

const sp_route sp_routes_res[] = {
	/* Static paths before the ":Name" ones they would match. */
	{ "GET", "/spider/securitygroup/vpc/:VPCName", h_list, .ctx = &sp_res_types[SP_RES_SG] },
	RES_ROUTES("vpc", SP_RES_VPC),
	RES_ROUTES("securitygroup", SP_RES_SG),
	RES_ROUTES("keypair", SP_RES_KEYPAIR),
	RES_ROUTES("vm", SP_RES_VM),
	RES_ROUTES("disk", SP_RES_DISK),
	RES_ROUTES("myimage", SP_RES_MYIMAGE),

	{ "POST", "/spider/vpc/:VPCName/subnet", h_subnet_add },
	{ "GET", "/spider/vpc/:VPCName/subnet/:Name", h_subnet_get },
	{ "DELETE", "/spider/vpc/:VPCName/subnet/:SubnetName", h_subnet_remove },
	{ "DELETE", "/spider/vpc/:VPCName/cspsubnet/:Id", h_subnet_csp_remove },
	{ "POST", "/spider/regsubnet", h_subnet_register },
	{ "DELETE", "/spider/regsubnet/:Name", h_subnet_unregister },
	{ "GET", "/spider/countsubnet", h_count },
	{ "GET", "/spider/countsubnet/:ConnectionName", h_count },

	{ "POST", "/spider/securitygroup/:SGName/rules", h_rules_add },
	{ "DELETE", "/spider/securitygroup/:SGName/rules", h_rules_remove },
	{ "GET", "/spider/getsecuritygroupowner", h_sg_owner },
	{ "POST", "/spider/getsecuritygroupowner", h_sg_owner },

	{ "GET", "/spider/vmstatus", h_vm_status_list },
	{ "GET", "/spider/vmstatus/:Name", h_vm_status },
	{ "GET", "/spider/controlvm/:Name", h_vm_control },
	{ "PUT", "/spider/controlvm/:Name", h_vm_control },
	{ "GET", "/spider/getvmusingresources", h_vm_using },
	{ "POST", "/spider/getvmusingresources", h_vm_using },

	{ "PUT", "/spider/disk/:Name/size", h_disk_size },
	{ "PUT", "/spider/disk/:Name/attach", h_disk_attach },
	{ "PUT", "/spider/disk/:Name/detach", h_disk_detach },

	{ "POST", "/spider/tag", h_tag_add },
	{ "GET", "/spider/tag", h_tag_list },
	{ "GET", "/spider/tag/:Key", h_tag_get },
	{ "DELETE", "/spider/tag/:Key", h_tag_remove },
	{ "POST", "/spider/anycall", h_anycall },
	{ "DELETE", "/spider/destroy", h_destroy },
	{ "GET", "/spider/cspresourcename/:Name", h_csp_name },
	{ "GET", "/spider/cspresourceinfo/:Name", h_csp_info },
	{ NULL, NULL, NULL },
};
