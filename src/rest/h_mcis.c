/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest/h_mcis.c - the service-layer routes under /spider/ns/{nsId}/...:
 * namespaces, MCIS, lifecycle, commands, and the requests that long work
 * runs as.  Parse, call core/mcis, wrap.
 *
 * Long calls answer 202 with {"requestId","status","location"} and a
 * Location header, unless the client asks to wait (?wait=true): then the
 * answer is the result.  A client may name the request (x-request-id).
 */
#include "core/mcis.h"
#include "rest/rest.h"
#include "util/json.h"

/* A query value, else a body string; NULL when absent. */
static int param(const sp_req *req, const char *key, const char **ret, sp_error *err)
{
	const char *v = sp_req_query(req, key);

	if (!sp_isempty(v)) {
		*ret = v;
		return 0;
	}
	*ret = NULL;
	if (json_is_object(req->body) && sp_json_string(req->body, key, false, ret, err) < 0)
		return -1;
	if (sp_isempty(*ret))
		*ret = NULL;
	return 0;
}

static int flag(const sp_req *req, const char *key, bool *ret, sp_error *err)
{
	const char *v = sp_req_query(req, key);
	json_t *b = sp_json_get(req->body, key);

	*ret = false;
	if (!v && json_is_boolean(b)) {
		*ret = json_is_true(b);
		return 0;
	}
	if (!v && json_is_string(b))
		v = json_string_value(b);
	if (sp_isempty(v))
		return 0;
	if (!strcasecmp(v, "true"))
		*ret = true;
	else if (strcasecmp(v, "false"))
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: want true or false", key, v);
	return 0;
}

static int job_opts(const sp_req *req, sp_job_opts *o, sp_error *err)
{
	*o = (sp_job_opts){ .request_id = sp_req_header(req, "x-request-id") };
	if (sp_isempty(o->request_id))
		o->request_id = NULL;
	return flag(req, "wait", &o->wait, err);
}

/* A long call: it fills *out (the request handle when *async, else the
 * result) or fails. */
typedef struct long_op {
	int (*call)(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err);
} long_op;

/* The route of a long call: answer 202 with a Location, or the result. */
static int h_long(sp_req *req, json_t **ret, sp_error *err)
{
	const long_op *op = req->route->ctx;
	sp_job_opts o;
	json_t *out = NULL;
	bool async = false;

	if (job_opts(req, &o, err) < 0 || op->call(req, &o, &out, &async, err) < 0)
		return -1;
	if (async) {
		req->status = 202;
		req->resp_header = "Location";
		req->resp_value = sp_strdup0(json_string_value(json_object_get(out, "location")));
	}
	*ret = out;
	return 0;
}

#define NS(req) sp_req_param((req), "nsId")
#define MCIS(req) sp_req_param((req), "mcisId")

/* ---- namespaces ----------------------------------------------------- */

static int h_ns_create(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_ns_create(req->core, req->body, ret, err);
}

static int h_ns_list(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_ns_list(req->core, ret, err);
}

static int h_ns_get(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_ns_get(req->core, NS(req), ret, err);
}

static int h_ns_update(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_ns_update(req->core, NS(req), req->body, ret, err);
}

static int h_ns_delete(sp_req *req, json_t **ret, sp_error *err)
{
	bool force;

	if (flag(req, "force", &force, err) < 0 || sp_ns_delete(req->core, NS(req), force, err) < 0)
		return -1;
	*ret = json_pack("{s:s}", "message", "The namespace has been deleted");
	return *ret ? 0 : sp_error_oom(err);
}

static int h_ns_check(sp_req *req, json_t **ret, sp_error *err)
{
	json_t *v = NULL;
	sp_error e = { 0 };
	int rc = sp_ns_get(req->core, NS(req), &v, &e);

	json_decref(v);
	if (rc < 0 && e.code != SP_ERR_NOT_FOUND) {
		*err = e;
		return -1;
	}
	*ret = json_pack("{s:b}", "exists", rc == 0);
	return *ret ? 0 : sp_error_oom(err);
}

/* ---- MCIS ----------------------------------------------------------- */

static int mcis_create(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	return sp_mcis_create(req->core, NS(req), req->body, false, o, out, async, err);
}

static int mcis_create_dynamic(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	return sp_mcis_create(req->core, NS(req), req->body, true, o, out, async, err);
}

static int vm_add(sp_req *req, bool dynamic, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	if (!json_is_object(req->body))
		return sp_error_set(err, SP_ERR_INVALID, "the body must be one VM entry (a JSON object)");
	return sp_mcis_add_vm(req->core, NS(req), MCIS(req), req->body, dynamic, o, out, async, err);
}

static int vm_add_static(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	return vm_add(req, false, o, out, async, err);
}

static int vm_add_dynamic(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	return vm_add(req, true, o, out, async, err);
}

static int h_mcis_list(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_mcis_list(req->core, NS(req), sp_req_query(req, "option"), ret, &req->raw_json, err);
}

static int h_mcis_get(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_mcis_get(req->core, NS(req), MCIS(req), sp_req_query(req, "option"), ret, &req->raw_json, err);
}

static int mcis_delete(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	return sp_mcis_delete(req->core, NS(req), MCIS(req), sp_req_query(req, "option"), o, out, async, err);
}

static int h_vm_get(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_mcis_vm_get(req->core, NS(req), MCIS(req), sp_req_param(req, "vmId"), sp_req_query(req, "option"),
			      ret, err);
}

static int vm_delete(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	return sp_mcis_vm_delete(req->core, NS(req), MCIS(req), sp_req_param(req, "vmId"), o, out, async, err);
}

static int h_subgroup_list(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_mcis_subgroups(req->core, NS(req), MCIS(req), NULL, ret, err);
}

static int h_subgroup_get(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_mcis_subgroups(req->core, NS(req), MCIS(req), sp_req_param(req, "subgroupId"), ret, err);
}

static int subgroup_scale(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	return sp_mcis_scale_out(req->core, NS(req), MCIS(req), sp_req_param(req, "subgroupId"), req->body, o, out,
				 async, err);
}

/* ---- lifecycle ------------------------------------------------------ */

/* order: a body array, or a comma-separated query value. */
static int order_param(const sp_req *req, json_t **ret, sp_error *err)
{
	const char *q = sp_req_query(req, "order");
	json_t *b = sp_json_get(req->body, "order");

	*ret = NULL;
	if (sp_isempty(q)) {
		if (b && !json_is_array(b))
			return sp_error_set(err, SP_ERR_INVALID, "order must be a list of VM ids");
		if (json_array_size(b) > 2000)
			return sp_error_set(err, SP_ERR_INVALID, "order names more than 2000 VMs");
		*ret = json_incref(b);
		return 0;
	}
	if (!(*ret = json_array()))
		return sp_error_oom(err);
	for (const char *p = q; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len && json_array_append_new(*ret, json_stringn(p, len)) < 0)
			return sp_error_oom(err);
		if (json_array_size(*ret) > 2000)
			return sp_error_set(err, SP_ERR_INVALID, "order names more than 2000 VMs");
		p += len + (comma ? 1 : 0);
	}
	return 0;
}

static int control(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	_cleanup_json_ json_t *order = NULL;
	sp_mcis_ctl ctl = { .vm = sp_req_param(req, "vmId") };
	const char *mode = NULL;

	if (param(req, "action", &ctl.action, err) < 0 ||
	    param(req, "mode", &mode, err) < 0 ||
	    param(req, "subGroupId", &ctl.subgroup, err) < 0 ||
	    flag(req, "force", &ctl.force, err) < 0 ||
	    flag(req, "continueOnError", &ctl.continue_on_error, err) < 0 ||
	    order_param(req, &order, err) < 0)
		return -1;
	if (mode && strcmp(mode, "concurrent") && strcmp(mode, "sequence"))
		return sp_error_set(err, SP_ERR_INVALID, "mode '%s' is invalid: want concurrent or sequence", mode);
	ctl.sequence = mode && !strcmp(mode, "sequence");
	ctl.order = order;
	return sp_mcis_control(req->core, NS(req), MCIS(req), &ctl, o, out, async, err);
}

/* ---- commands and copy ---------------------------------------------- */

/* The target of a command or copy: ?subGroupId= or ?vmId= (NULL: all). */
static int ssh_target(sp_req *req, const char **sg, const char **vm, sp_error *err)
{
	*sg = sp_req_query(req, "subGroupId");
	*vm = sp_req_query(req, "vmId");
	if (sp_isempty(*sg))
		*sg = NULL;
	if (sp_isempty(*vm))
		*vm = NULL;
	if (*sg && *vm)
		return sp_error_set(err, SP_ERR_INVALID, "give subGroupId or vmId, not both");
	return 0;
}

static int command(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	const char *sg, *vm;

	if (ssh_target(req, &sg, &vm, err) < 0)
		return -1;
	return sp_mcis_command(req->core, NS(req), MCIS(req), sg, vm, req->body, o, out, async, err);
}

static int copy(sp_req *req, const sp_job_opts *o, json_t **out, bool *async, sp_error *err)
{
	const char *sg, *vm;

	if (ssh_target(req, &sg, &vm, err) < 0)
		return -1;
	return sp_mcis_copy(req->core, NS(req), MCIS(req), sg, vm, req->body, o, out, async, err);
}

static const long_op op_create = { mcis_create }, op_create_dynamic = { mcis_create_dynamic },
		     op_vm_add = { vm_add_static }, op_vm_add_dynamic = { vm_add_dynamic },
		     op_delete = { mcis_delete }, op_vm_delete = { vm_delete }, op_scale = { subgroup_scale },
		     op_control = { control }, op_command = { command }, op_copy = { copy };

/* ---- requests ------------------------------------------------------- */

static int h_request_get(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_request_get(req->core, sp_req_param(req, "reqId"), ret, err);
}

static int h_request_list(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_request_list(req->core, sp_req_query(req, "ns"), sp_req_query(req, "status"), ret, err);
}

static int h_request_delete(sp_req *req, json_t **ret, sp_error *err)
{
	if (sp_request_delete(req->core, sp_req_param(req, "reqId"), err) < 0)
		return -1;
	*ret = json_pack("{s:s}", "message", "The request has been deleted");
	return *ret ? 0 : sp_error_oom(err);
}

const sp_route sp_routes_mcis[] = {
	{ "POST", "/spider/ns", h_ns_create },
	{ "GET", "/spider/ns", h_ns_list },
	{ "GET", "/spider/ns/:nsId", h_ns_get },
	{ "PUT", "/spider/ns/:nsId", h_ns_update },
	{ "DELETE", "/spider/ns/:nsId", h_ns_delete },
	{ "GET", "/spider/checkNs/:nsId", h_ns_check },

	{ "POST", "/spider/ns/:nsId/mcis", h_long, .ctx = &op_create },
	{ "POST", "/spider/ns/:nsId/mcisDynamic", h_long, .ctx = &op_create_dynamic },
	{ "GET", "/spider/ns/:nsId/mcis", h_mcis_list },
	{ "GET", "/spider/ns/:nsId/mcis/:mcisId", h_mcis_get },
	{ "DELETE", "/spider/ns/:nsId/mcis/:mcisId", h_long, .ctx = &op_delete },
	{ "POST", "/spider/ns/:nsId/mcis/:mcisId/vm", h_long, .ctx = &op_vm_add },
	{ "POST", "/spider/ns/:nsId/mcis/:mcisId/vmDynamic", h_long, .ctx = &op_vm_add_dynamic },
	{ "GET", "/spider/ns/:nsId/mcis/:mcisId/vm/:vmId", h_vm_get },
	{ "DELETE", "/spider/ns/:nsId/mcis/:mcisId/vm/:vmId", h_long, .ctx = &op_vm_delete },
	{ "GET", "/spider/ns/:nsId/mcis/:mcisId/subgroup", h_subgroup_list },
	{ "GET", "/spider/ns/:nsId/mcis/:mcisId/subgroup/:subgroupId", h_subgroup_get },
	{ "POST", "/spider/ns/:nsId/mcis/:mcisId/subgroup/:subgroupId", h_long, .ctx = &op_scale },

	/* GET changes state here, as the original's web tool expects. */
	{ "GET", "/spider/ns/:nsId/control/mcis/:mcisId", h_long, .ctx = &op_control },
	{ "PUT", "/spider/ns/:nsId/control/mcis/:mcisId", h_long, .ctx = &op_control },
	{ "POST", "/spider/ns/:nsId/control/mcis/:mcisId", h_long, .ctx = &op_control },
	{ "GET", "/spider/ns/:nsId/control/mcis/:mcisId/vm/:vmId", h_long, .ctx = &op_control },
	{ "PUT", "/spider/ns/:nsId/control/mcis/:mcisId/vm/:vmId", h_long, .ctx = &op_control },
	{ "POST", "/spider/ns/:nsId/control/mcis/:mcisId/vm/:vmId", h_long, .ctx = &op_control },

	{ "POST", "/spider/ns/:nsId/cmd/mcis/:mcisId", h_long, .ctx = &op_command },
	{ "POST", "/spider/ns/:nsId/transferFile/mcis/:mcisId", h_long, .ctx = &op_copy },

	{ "GET", "/spider/request/:reqId", h_request_get },
	{ "DELETE", "/spider/request/:reqId", h_request_delete },
	{ "GET", "/spider/requests", h_request_list },
	{ NULL, NULL, NULL },
};
