/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/res.h - cloud resources: user names over cloud IDs.
 *
 * Every operation here takes an open connection and user names, keeps the
 * metadata rows (store.h) in step with the cloud, and answers in the
 * shapes of the REST reference with user names in every IID.  Errors are
 * reported in *err with the reference's texts; nothing here knows HTTP.
 *
 * The per-name lock is the row's state: a create reserves the name before
 * its cloud call, a delete marks the row before its own, so two creates
 * of one name cannot both run (the second gets SP_ERR_CONFLICT) and no
 * read ever waits for a slow cloud call on the same name.
 */
#ifndef SP_CORE_RES_H
#define SP_CORE_RES_H

#include "core/conn.h"
#include "core/iid.h"

/* The six resource types with the full route set. */
typedef struct sp_res_type {
	sp_rtype type;
	const char *path;        /* "vpc", "securitygroup", ... */
	const char *list_key;    /* list wrapper key: "vpc", ..., "myImage" */
	const char *hiscall;     /* call-history type: "VPC/SUBNET", ... */
	const char *reqinfo;     /* "resources.VPCReqInfo", for messages */
	const char *api[4];      /* create, list, get, delete: "CreateVPC()" */
	size_t table;            /* offsetof(sp_driver, <table>) */
} sp_res_type;

/* Indexes of sp_res_types[]. */
enum { SP_RES_VPC, SP_RES_SG, SP_RES_KEYPAIR, SP_RES_VM, SP_RES_DISK, SP_RES_MYIMAGE, SP_RES_TYPES };

extern const sp_res_type sp_res_types[SP_RES_TYPES];
extern const size_t sp_res_types_n;

/* The entry for a route name ("vpc", "securitygroup", ...), or NULL. */
const sp_res_type *sp_res_type_by_path(const char *path);
const sp_res_type *sp_res_type_of(sp_rtype type);

/* Options of a create. */
typedef struct sp_res_opts {
	bool transform;   /* IDTransformMode: ON (true) or OFF */
} sp_res_opts;

/* Read IDTransformMode of a request body (absent: the daemon's default,
 * ID_TRANSFORM_MODE of the environment, ON unless "OFF"). */
int sp_res_transform_mode(const json_t *body, bool *ret, sp_error *err);

/* Create from the user's ReqInfo; *ret is the info (new reference). */
int sp_res_create(sp_conn *c, const sp_res_type *rt, const json_t *reqinfo,
		  const sp_res_opts *o, json_t **ret, sp_error *err);
int sp_res_get(sp_conn *c, const sp_res_type *rt, const char *name,
	       json_t **ret, sp_error *err);
/* {"<list_key>":[info...]}: items that fail or time out are stubs with
 * their IId and an "Error" key-value.  owner_vpc filters security
 * groups by VPC (NULL: all). */
int sp_res_list(sp_conn *c, const sp_res_type *rt, const char *owner_vpc,
		json_t **ret, sp_error *err);
/* Delete; for a VM, *ret_status (may be NULL) is the state reached. */
int sp_res_delete(sp_conn *c, const sp_res_type *rt, const char *name,
		  bool force, sp_vm_status *ret_status, sp_error *err);

/* Register an existing cloud object under a user name; reqinfo has
 * Name, CSPId and VPCName (security group), Zone (disk). */
int sp_res_register(sp_conn *c, const sp_res_type *rt, const json_t *reqinfo,
		    json_t **ret, sp_error *err);
int sp_res_unregister(sp_conn *c, const sp_res_type *rt, const char *name,
		      sp_error *err);
/* {"AllList":{...}} or, with info, {"ResourceType","AllListInfo":{...}}. */
int sp_res_all(sp_conn *c, const sp_res_type *rt, bool info, json_t **ret,
	       sp_error *err);
/* Get or delete a cloud object by its cloud ID; delete refuses a
 * registered one. */
int sp_res_csp_get(sp_conn *c, const sp_res_type *rt, const char *csp_id,
		   json_t **ret, sp_error *err);
int sp_res_csp_delete(sp_conn *c, const sp_res_type *rt, const char *csp_id,
		      sp_error *err);

/* Subnets. */
int sp_subnet_add(sp_conn *c, const char *vpc, const json_t *reqinfo,
		  const sp_res_opts *o, json_t **ret_vpc, sp_error *err);
int sp_subnet_get(sp_conn *c, const char *vpc, const char *name,
		  json_t **ret, sp_error *err);
int sp_subnet_remove(sp_conn *c, const char *vpc, const char *name,
		     bool force, sp_error *err);
int sp_subnet_csp_remove(sp_conn *c, const char *vpc, const char *csp_id,
			 sp_error *err);
int sp_subnet_register(sp_conn *c, const json_t *reqinfo, json_t **ret,
		       sp_error *err);
int sp_subnet_unregister(sp_conn *c, const char *vpc, const char *name,
			 sp_error *err);

/* Security group rules: rules is the user's RuleInfoList. */
int sp_sgrule_change(sp_conn *c, const char *sg, const json_t *rules,
		     bool add, json_t **ret, sp_error *err);
/* The owner VPC's IID of the group with this cloud ID. */
int sp_sg_owner(sp_conn *c, const char *csp_id, json_t **ret, sp_error *err);

/* VMs. */
const char *sp_vm_status_name(sp_vm_status s);
int sp_vm_action_parse(const char *action, sp_vm_action *ret, sp_error *err);
int sp_vm_control(sp_conn *c, const char *name, sp_vm_action action,
		  sp_vm_status *ret, sp_error *err);
int sp_vm_status_get(sp_conn *c, const char *name, sp_vm_status *ret,
		     sp_error *err);
/* The states of n VMs by name, in one cloud call per batch of
 * SP_VM_STATUS_BATCH_MAX: ret[i] (NotExist for a VM the cloud does not
 * know) or, when errs[i].code is set, why not.  SP_ERR_UNSUPPORTED when
 * the driver has no batch call (then ask one VM at a time). */
bool sp_vm_statuses_supported(const sp_conn *c);
int sp_vm_statuses(sp_conn *c, const char *const *names, size_t n,
		   sp_vm_status *ret, sp_error *errs, sp_error *err);
/* {"vmstatus":[{"IId","VmStatus"}]}, concurrently with a deadline each. */
int sp_vm_status_list(sp_conn *c, json_t **ret, sp_error *err);
/* {"Resources":{"VPC","SGList","VMKey"}} of the VM with this cloud ID. */
int sp_vm_using_resources(sp_conn *c, const char *csp_id, json_t **ret,
			  sp_error *err);

/* The private key of a key pair created here (malloc'd PEM; wipe and
 * free with sp_free_secret); SP_ERR_CONFLICT for a registered one. */
int sp_keypair_private_key(sp_conn *c, const char *name, char **ret,
			   sp_error *err);

/* Disks. */
int sp_disk_resize(sp_conn *c, const char *name, const char *size,
		   sp_error *err);
int sp_disk_attach(sp_conn *c, const char *name, const char *vm, bool attach,
		   json_t **ret, sp_error *err);

/* Tags: type is the user's ResourceType. */
int sp_tag_add(sp_conn *c, const char *type, const char *name,
	       const char *key, const char *value, json_t **ret, sp_error *err);
int sp_tag_list(sp_conn *c, const char *type, const char *name,
		json_t **ret, sp_error *err);
int sp_tag_get(sp_conn *c, const char *type, const char *name,
	       const char *key, json_t **ret, sp_error *err);
int sp_tag_remove(sp_conn *c, const char *type, const char *name,
		  const char *key, sp_error *err);

int sp_anycall(sp_conn *c, const json_t *reqinfo, json_t **ret, sp_error *err);

/* Delete every resource of the connection in the reference's order. */
int sp_res_destroy(sp_conn *c, json_t **ret, sp_error *err);

/* The spXID of a resource ({"Name"}), or the cloud's raw info of it. */
int sp_res_csp_name(sp_conn *c, const char *type, const char *name,
		    json_t **ret, sp_error *err);
int sp_res_csp_info(sp_conn *c, const char *type, const char *name,
		    json_t **ret, sp_error *err);

#endif
