/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/res_int.h - internals shared by the files of the resource layer.
 */
#ifndef SP_CORE_RES_INT_H
#define SP_CORE_RES_INT_H

#include "core/res.h"
#include "store/store.h"

/* At most 32 security groups and 32 data disks per VM, and their VPC,
 * subnet, key pair and image. */
#define CREATE_REFS_MAX 72
#define CREATE_SUBNETS_MAX 64

struct create_subnet {
	char *name;
	char *spxid;
};

/* A create being built: the driver's request, the rows it uses (linked
 * to the new row), and the facts kept in the new row's doc. */
struct create_ctx {
	sp_conn *c;
	const sp_res_type *rt;
	const char *rt_reqinfo;
	bool transform;
	json_t *dreq;
	json_t *doc;
	sp_res_row *rows[CREATE_REFS_MAX];
	size_t n_rows;
	sp_res_key refs[CREATE_REFS_MAX];
	size_t n_refs;
	struct create_subnet subnets[CREATE_SUBNETS_MAX];
	size_t n_subnets;
};

void create_ctx_clear(struct create_ctx *x);
int create_use(struct create_ctx *x, sp_rtype type, const char *owner,
	       const char *name, const char *field, json_t **ret_iid,
	       sp_error *err);
int req_string(const struct create_ctx *x, const json_t *reqinfo,
	       const char *key, bool required, const char **ret,
	       sp_error *err);
int req_tags(const json_t *reqinfo, json_t **ret, sp_error *err);
int req_zone(sp_conn *c, const char *zone, sp_error *err);
/* Normalise one subnet request of a VPC create or a subnet add into the
 * driver's form, reserving its name in x->subnets. */
int req_subnet(struct create_ctx *x, const json_t *sreq, json_t **ret,
	       sp_error *err);
/* Normalise a list of security rules (the reference's rules). */
int req_rules(const json_t *rules, const char *field, json_t **ret,
	      sp_error *err);
/* res_req.c: fill x->dreq from the user's ReqInfo, per type. */
int res_build_req(struct create_ctx *x, const json_t *reqinfo, sp_error *err);

int res_spxid(sp_conn *c, sp_rtype type, const char *name, bool transform,
	      char **ret, sp_error *err);

const sp_resource_ops *res_table(const sp_conn *c, const sp_res_type *rt);
sp_res_key res_key(const sp_conn *c, sp_rtype type, const char *owner,
		   const char *name);
int res_row_get(sp_conn *c, sp_rtype type, const char *owner,
		const char *name, sp_res_row **ret, sp_error *err);

json_t *res_iid(const char *name_id, const char *system_id);
json_t *res_row_cloud_iid(const sp_res_row *row);
json_t *res_row_user_iid(const sp_res_row *row);
sp_iid res_row_sp_iid(const sp_res_row *row);
json_t *res_stub(const sp_res_row *row);
void res_add_kv(json_t *info, const char *key, const char *value);
int res_user_info(sp_conn *c, sp_rtype type, const sp_res_row *row,
		  json_t *cloud_info, bool keep_private_key, json_t **ret,
		  sp_error *err);
int res_cloud_get(sp_conn *c, const sp_res_type *rt, const sp_res_row *row,
		  json_t **ret, sp_error *err);
int res_fanout_rows(sp_conn *c, const sp_res_type *rt, sp_res_row **rows,
		    size_t n, bool status_only, json_t *out, sp_error *err);
/* The subnet item of a VPCInfo whose IId has key ("NameId" or
 * "SystemId") equal to value (borrowed), or NULL. */
json_t *subnet_find(const json_t *vpc_info, const char *key, const char *value);
/* The cloud ID of the subnet with this spXID in a VPCInfo, or NULL. */
const char *subnet_csp_id(const json_t *vpc_info, const char *spxid);

/* vm.c */
int vm_settle(sp_conn *c, const char *name, json_t *cloud, json_t **ret,
	      sp_error *err);
int vm_cloud_status(sp_conn *c, const sp_res_row *row, sp_vm_status *ret,
		    sp_error *err);
/* A terminated VM lingers in some clouds' answers (the mock's, AWS's for
 * an hour): SP_ERR_NOT_FOUND for one, as for a VM that is not there. */
int vm_check_alive(sp_conn *c, const char *csp_id, sp_error *err);
/* Wait until the VM is gone; the state it reached. */
sp_vm_status vm_wait_gone(sp_conn *c, const sp_res_row *row);

#endif
