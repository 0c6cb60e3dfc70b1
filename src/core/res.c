/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/res.c - create, read, list and delete cloud resources by user name.
 *
 * The flow of a create: validate the ReqInfo, resolve every name it uses
 * to its row, make the spXID, reserve the name (a row in CREATING, linked
 * to the rows it uses), call the driver, then record the cloud's ID and
 * mark the row ready.  A failed cloud call drops the reservation, so a
 * failed create leaves no row; a failed metadata write after a successful
 * cloud call removes the new cloud object again.
 */
#include <stdatomic.h>

#include "core/fanout.h"
#include "core/names.h"
#include "core/res.h"
#include "core/res_int.h"
#include "util/json.h"

#define TABLE(rt) offsetof(sp_driver, rt)

const sp_res_type sp_res_types[SP_RES_TYPES] = {
	[SP_RES_VPC] = { SP_RT_VPC, "vpc", "vpc", "VPC/SUBNET", "resources.VPCReqInfo",
	  { "CreateVPC()", "ListVPC()", "GetVPC()", "DeleteVPC()" }, TABLE(vpc) },
	[SP_RES_SG] = { SP_RT_SG, "securitygroup", "securitygroup", "SECURITYGROUP", "resources.SecurityReqInfo",
	  { "CreateSecurity()", "ListSecurity()", "GetSecurity()", "DeleteSecurity()" }, TABLE(sg) },
	[SP_RES_KEYPAIR] = { SP_RT_KEYPAIR, "keypair", "keypair", "VMKEYPAIR", "resources.KeyPairReqInfo",
	  { "CreateKey()", "ListKey()", "GetKey()", "DeleteKey()" }, TABLE(keypair) },
	[SP_RES_VM] = { SP_RT_VM, "vm", "vm", "VM", "resources.VMReqInfo",
	  { "StartVM()", "ListVM()", "GetVM()", "TerminateVM()" }, TABLE(vm) },
	[SP_RES_DISK] = { SP_RT_DISK, "disk", "disk", "DISK", "resources.DiskReqInfo",
	  { "CreateDisk()", "ListDisk()", "GetDisk()", "DeleteDisk()" }, TABLE(disk) },
	[SP_RES_MYIMAGE] = { SP_RT_MYIMAGE, "myimage", "myImage", "MYIMAGE", "resources.MyImageReqInfo",
	  { "SnapshotVM()", "ListMyImage()", "GetMyImage()", "DeleteMyImage()" }, TABLE(myimage) },
};
const size_t sp_res_types_n = ELEMENTSOF(sp_res_types);

const sp_res_type *sp_res_type_by_path(const char *path)
{
	for (size_t i = 0; i < sp_res_types_n; i++)
		if (!strcmp(sp_res_types[i].path, path))
			return &sp_res_types[i];
	return NULL;
}

const sp_res_type *sp_res_type_of(sp_rtype type)
{
	for (size_t i = 0; i < sp_res_types_n; i++)
		if (sp_res_types[i].type == type)
			return &sp_res_types[i];
	return NULL;
}

const sp_resource_ops *res_table(const sp_conn *c, const sp_res_type *rt)
{
	return *(const sp_resource_ops *const *)((const char *)c->plugin->driver + rt->table);
}

int sp_res_transform_mode(const json_t *body, bool *ret, sp_error *err)
{
	const char *v = NULL;
	const char *env = getenv("ID_TRANSFORM_MODE");

	if (sp_json_string(body, "IDTransformMode", false, &v, err) < 0)
		return -1;
	if (sp_isempty(v)) {
		*ret = !(env && !strcasecmp(env, "OFF"));
		return 0;
	}
	if (strcasecmp(v, "ON") && strcasecmp(v, "OFF"))
		return sp_error_set(err, SP_ERR_INVALID, "IDTransformMode '%s' is invalid: want ON or OFF", v);
	*ret = !strcasecmp(v, "ON");
	return 0;
}

/* ---- IIDs ---------------------------------------------------------- */

json_t *res_iid(const char *name_id, const char *system_id)
{
	return json_pack("{s:s,s:s}", "NameId", name_id ? name_id : "", "SystemId", system_id ? system_id : "");
}

json_t *res_row_cloud_iid(const sp_res_row *row)
{
	return res_iid(row->spxid, row->csp_id);
}

json_t *res_row_user_iid(const sp_res_row *row)
{
	return res_iid(row->name, row->csp_id);
}

sp_iid res_row_sp_iid(const sp_res_row *row)
{
	return (sp_iid){ row->spxid, row->csp_id };
}

/*
 * The user names of a connection's rows by cloud ID, loaded once for a
 * whole list rather than looked up per IID of every item.  Shared by the
 * list's workers (which may outlive the list), so refcounted.
 */
struct res_names {
	_Atomic unsigned refs;
	sp_res_row **rows;
	size_t n;
};

static int names_cmp(const void *a, const void *b)
{
	const sp_res_row *x = *(const sp_res_row *const *)a, *y = *(const sp_res_row *const *)b;

	return x->type != y->type ? (x->type > y->type) - (x->type < y->type) : strcmp(x->csp_id, y->csp_id);
}

static void names_unref(struct res_names *m)
{
	if (m && atomic_fetch_sub(&m->refs, 1) == 1) {
		sp_res_rows_free(m->rows, m->n);
		free(m);
	}
}

/*
 * The IIDs each type's info holds, and the type each one names.  link: a
 * registered object uses what the field names (its row is linked to it).
 * Beside these, a VPC's subnets, a VM's NICs' subnets and a VM's my-image
 * (map_refs) name rows too.
 */
static const struct ref_field {
	sp_rtype owner;
	const char *key;
	sp_rtype type;
	bool array;
	bool link;
} ref_fields[] = {
	{ SP_RT_SG, "VpcIID", SP_RT_VPC, false, true },
	{ SP_RT_VM, "VpcIID", SP_RT_VPC, false, true },
	{ SP_RT_VM, "SubnetIID", SP_RT_SUBNET, false, true },
	{ SP_RT_VM, "SecurityGroupIIds", SP_RT_SG, true, true },
	{ SP_RT_VM, "KeyPairIId", SP_RT_KEYPAIR, false, true },
	{ SP_RT_VM, "DataDiskIIDs", SP_RT_DISK, true, true },
	{ SP_RT_DISK, "OwnerVM", SP_RT_VM, false, false },
	{ SP_RT_MYIMAGE, "SourceVM", SP_RT_VM, false, false },
};

/* The types whose names a type's info refers to. */
static size_t ref_types(sp_rtype type, sp_rtype out[ELEMENTSOF(ref_fields) + 1])
{
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(ref_fields); i++)
		if (ref_fields[i].owner == type)
			out[n++] = ref_fields[i].type;
	if (type == SP_RT_VPC)
		out[n++] = SP_RT_SUBNET;
	else if (type == SP_RT_VM)
		out[n++] = SP_RT_MYIMAGE;
	return n;
}

/* The names a list of type needs, or NULL (then each IID is looked up
 * alone, which is right too). */
static struct res_names *names_load(sp_conn *c, sp_rtype type)
{
	struct res_names *m = calloc(1, sizeof(*m));
	sp_rtype types[ELEMENTSOF(ref_fields) + 1];
	size_t nt = ref_types(type, types);
	sp_error ignored;

	if (!m)
		return NULL;
	atomic_init(&m->refs, 1);
	for (size_t t = 0; t < nt; t++) {
		sp_res_row **rows = NULL, **all;
		size_t n = 0;

		if (sp_store_res_list(c->core->store, c->name, types[t], NULL, &rows, &n, &ignored) < 0 ||
		    !(all = reallocarray(m->rows, m->n + n + 1, sizeof(*all)))) {
			sp_res_rows_free(rows, n);
			names_unref(m);
			return NULL;
		}
		m->rows = all;
		if (n)
			memcpy(m->rows + m->n, rows, n * sizeof(*rows));
		m->n += n;
		free(rows);
	}
	if (m->n)
		qsort(m->rows, m->n, sizeof(*m->rows), names_cmp);
	return m;
}

/* Put the user's name into a cloud IID in place, when the cloud object
 * is registered; leave it as the cloud gave it otherwise. */
static void map_iid(sp_conn *c, const struct res_names *m, sp_rtype type, json_t *iid)
{
	const char *sid = json_string_value(json_object_get(iid, "SystemId"));
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_error ignored;

	if (sp_isempty(sid))
		return;
	if (m) {
		sp_res_row key = { .type = (int)type, .csp_id = (char *)sid }, *kp = &key;
		sp_res_row **hit = m->n ? bsearch(&kp, m->rows, m->n, sizeof(*m->rows), names_cmp) : NULL;

		if (hit)
			json_object_set_new(iid, "NameId", json_string((*hit)->name));
		return;
	}
	if (sp_store_res_find_csp(c->core->store, c->name, type, sid, &row, &ignored) < 0)
		return;
	json_object_set_new(iid, "NameId", json_string(row->name));
}

/* The references inside each type's info, mapped to user names. */
static void map_refs(sp_conn *c, const struct res_names *m, sp_rtype type, json_t *info)
{
	size_t i;
	json_t *e;

	for (size_t f = 0; f < ELEMENTSOF(ref_fields); f++) {
		json_t *v = json_object_get(info, ref_fields[f].key);

		if (ref_fields[f].owner != type)
			continue;
		if (!ref_fields[f].array)
			map_iid(c, m, ref_fields[f].type, v);
		else
			json_array_foreach(v, i, e)
				map_iid(c, m, ref_fields[f].type, e);
	}
	if (type == SP_RT_VPC) {
		json_array_foreach(json_object_get(info, "SubnetInfoList"), i, e)
			map_iid(c, m, SP_RT_SUBNET, json_object_get(e, "IId"));
	} else if (type == SP_RT_VM) {
		if (!strcmp(json_string_value(json_object_get(info, "ImageType")) ?: "", "MyImage"))
			map_iid(c, m, SP_RT_MYIMAGE, json_object_get(info, "ImageIId"));
		json_array_foreach(json_object_get(info, "NICs"), i, e)
			map_iid(c, m, SP_RT_SUBNET, json_object_get(e, "SubnetIID"));
	}
}

/* Add {"Key":key,"Value":value} to info's KeyValueList. */
void res_add_kv(json_t *info, const char *key, const char *value)
{
	json_t *kvl = json_object_get(info, "KeyValueList");

	if (!json_is_array(kvl)) {
		kvl = json_array();
		json_object_set_new(info, "KeyValueList", kvl);
	}
	json_array_append_new(kvl, json_pack("{s:s,s:s}", "Key", key, "Value", value));
}

/* A driver's info made ready for a user: a private copy with user names,
 * the row's own IId, and secrets hidden. */
/* take: cloud_info is a driver's answer the caller alone holds, so it may
 * be changed in place rather than copied. */
static int user_info(sp_conn *c, const struct res_names *m, sp_rtype type,
		     const sp_res_row *row, json_t *cloud_info, bool take,
		     bool keep_private_key, json_t **ret, sp_error *err)
{
	json_t *info;

	if (!json_is_object(cloud_info))
		return sp_error_set(err, SP_ERR_INTERNAL, "driver '%s' returned a non-object info", c->plugin->driver->name);
	if (take && cloud_info->refcount == 1)
		info = json_incref(cloud_info);
	else if (!(info = json_deep_copy(cloud_info)))
		return sp_error_oom(err);
	if (row)
		json_object_set_new(info, "IId", res_row_user_iid(row));
	map_refs(c, m, type, info);
	if (type == SP_RT_KEYPAIR && !keep_private_key) {
		json_object_set_new(info, "PublicKey", json_string("Hidden for security."));
		json_object_set_new(info, "PrivateKey", json_string("Hidden for security."));
	}
	*ret = info;
	return 0;
}

int res_user_info(sp_conn *c, sp_rtype type, const sp_res_row *row,
		  json_t *cloud_info, bool keep_private_key, json_t **ret,
		  sp_error *err)
{
	return user_info(c, NULL, type, row, cloud_info, false, keep_private_key, ret, err);
}

/* ---- rows ------------------------------------------------------------ */

sp_res_key res_key(const sp_conn *c, sp_rtype type, const char *owner, const char *name)
{
	return (sp_res_key){ c->name, type, owner ? owner : "", name };
}

int res_row_get(sp_conn *c, sp_rtype type, const char *owner, const char *name,
		sp_res_row **ret, sp_error *err)
{
	sp_res_key k = res_key(c, type, owner, name);

	if (sp_isempty(name))
		return sp_error_set(err, SP_ERR_INVALID, "%s name is empty!", sp_rtype_display(type));
	return sp_store_res_get(c->core->store, &k, ret, err);
}

/* A row whose cloud call has not told its cloud ID yet. */
static bool row_unborn(const sp_res_row *row)
{
	return row->state == SP_RES_CREATING && !*row->csp_id;
}

/* What a reader sees of a row still being made or already going. */
json_t *res_stub(const sp_res_row *row)
{
	json_t *info = json_pack("{s:o,s:[]}", "IId", res_row_user_iid(row), "KeyValueList");

	if (!info)
		return NULL;
	if (row->state == SP_RES_CREATING)
		res_add_kv(info, "Status", "being created");
	else if (row->state == SP_RES_DELETING)
		res_add_kv(info, "Status", "being deleted");
	return info;
}

/* ---- create -------------------------------------------------------- */

void create_ctx_clear(struct create_ctx *x)
{
	json_decref(x->dreq);
	json_decref(x->doc);
	for (size_t i = 0; i < x->n_rows; i++)
		sp_res_row_free(x->rows[i]);
	for (size_t i = 0; i < x->n_subnets; i++) {
		free(x->subnets[i].name);
		free(x->subnets[i].spxid);
	}
}

/* Resolve a user name of the request to its row: linked to the new row,
 * and its cloud IID returned (new reference). */
int create_use(struct create_ctx *x, sp_rtype type, const char *owner,
	       const char *name, const char *field, json_t **ret_iid, sp_error *err)
{
	sp_res_row *row = NULL;

	if (sp_isempty(name))
		return sp_error_set(err, SP_ERR_INVALID, "%s:%s's input value is empty!", x->rt_reqinfo, field);
	if (x->n_rows == CREATE_REFS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "%s uses more than %d resources", x->rt_reqinfo, CREATE_REFS_MAX);
	if (res_row_get(x->c, type, owner, name, &row, err) < 0)
		return -1;
	x->rows[x->n_rows++] = row;
	x->refs[x->n_refs++] = (sp_res_key){ x->c->name, type, row->owner, row->name };
	if (!(*ret_iid = res_row_cloud_iid(row)))
		return sp_error_oom(err);
	return 0;
}

/* A required string of the ReqInfo, in the original's words. */
int req_string(const struct create_ctx *x, const json_t *reqinfo, const char *key,
	       bool required, const char **ret, sp_error *err)
{
	const char *v = NULL;

	if (sp_json_string(reqinfo, key, false, &v, err) < 0)
		return -1;
	if (required && sp_isempty(v))
		return sp_error_set(err, SP_ERR_INVALID, "%s:%s's input value is empty!", x->rt_reqinfo, key);
	*ret = v ? v : "";
	return 0;
}

/* TagList: an array of {"Key","Value"} with non-empty keys; copied. */
int req_tags(const json_t *reqinfo, json_t **ret, sp_error *err)
{
	const json_t *tags = NULL;
	size_t i;
	json_t *t;

	if (sp_json_array(reqinfo, "TagList", &tags, err) < 0)
		return -1;
	if (!(*ret = json_array()))
		return sp_error_oom(err);
	if (json_array_size(tags) > 50)
		return sp_error_set(err, SP_ERR_INVALID, "TagList has %zu tags; at most 50 are allowed", json_array_size(tags));
	json_array_foreach(tags, i, t) {
		const char *k = NULL, *v = NULL;

		if (sp_json_string(t, "Key", true, &k, err) < 0 ||
		    sp_json_string(t, "Value", false, &v, err) < 0)
			return -1;
		json_array_append_new(*ret, json_pack("{s:s,s:s}", "Key", k, "Value", v ? v : ""));
	}
	return 0;
}

/* Check the zone is the connection's, or the driver can use others. */
int req_zone(sp_conn *c, const char *zone, sp_error *err)
{
	if (sp_isempty(zone) || !strcmp(zone, c->zone))
		return 0;
	if (c->plugin->driver->capabilities & SP_CAP_ZONE_BASED_CONTROL)
		return 0;
	return sp_error_set(err, SP_ERR_UNSUPPORTED, "%s does not support Zone-based Control", c->name);
}

int res_spxid(sp_conn *c, sp_rtype type, const char *name, bool transform,
	      char **ret, sp_error *err)
{
	const sp_provider *p = sp_provider_find(c->provider);

	if (!p)
		return sp_error_set(err, SP_ERR_INTERNAL, "unknown provider '%s'", c->provider);
	return sp_spxid(p, type, name, transform, ret, err);
}

/* Undo a cloud object made for a create that cannot be recorded. */
static void create_rollback(sp_conn *c, const sp_res_type *rt, const char *spxid,
			    const char *csp_id)
{
	const sp_resource_ops *t = res_table(c, rt);
	sp_iid iid = { spxid, csp_id };
	sp_error ignored;

	SP_TABLE_CALL(c, t, remove, rt->hiscall, spxid, rt->api[3], &ignored, &iid);
}

/* Record a successful cloud create: the cloud ID, and for a VPC those of
 * its subnets. */
/* The associated data that binds a sealed private key to its row. */
static void keypair_aad(const sp_conn *c, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "keypair/%s/%s", c->name, name);
}

/* Keep a new key pair's private key, sealed, in its row: users get it
 * once, at creation, but the service layer needs it later for SSH. */
static int keypair_seal(struct create_ctx *x, const char *name, const json_t *info, sp_error *err)
{
	const char *pem = json_string_value(json_object_get(info, "PrivateKey"));
	_cleanup_free_ char *sealed = NULL;
	char aad[2 * SP_NAME_MAX + 512];

	if (sp_isempty(pem))
		return 0;
	keypair_aad(x->c, name, aad, sizeof(aad));
	if (!(sealed = sp_seal(&x->c->core->key, pem, strlen(pem), aad, err)))
		return -1;
	if (json_object_set_new(x->doc, "SealedPrivateKey", json_string(sealed)) < 0)
		return sp_error_oom(err);
	return 0;
}

int sp_keypair_private_key(sp_conn *c, const char *name, char **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	_cleanup_json_ json_t *doc = NULL;
	const char *sealed;
	char aad[2 * SP_NAME_MAX + 512];
	size_t len;

	if (res_row_get(c, SP_RT_KEYPAIR, "", name, &row, err) < 0)
		return -1;
	if (!(doc = json_loads(row->doc, 0, NULL)))
		return sp_error_set(err, SP_ERR_INTERNAL, "key pair '%s': its record is not JSON", name);
	sealed = json_string_value(json_object_get(doc, "SealedPrivateKey"));
	if (!sealed)
		return sp_error_set(err, SP_ERR_CONFLICT, "key pair '%s' of connection '%s' has no private key in Spider: it was registered or imported, not made here", name, c->name);
	keypair_aad(c, name, aad, sizeof(aad));
	*ret = sp_unseal(&c->core->key, sealed, aad, &len, err);
	return *ret ? 0 : -1;
}

static int create_commit(struct create_ctx *x, const char *name, json_t *info,
			 int state, sp_error *err)
{
	sp_store *st = x->c->core->store;
	sp_res_key k = res_key(x->c, x->rt->type, "", name);
	const char *csp = json_string_value(json_object_get(json_object_get(info, "IId"), "SystemId"));
	_cleanup_free_ char *doc = NULL;

	if (x->rt->type == SP_RT_KEYPAIR && keypair_seal(x, name, info, err) < 0)
		return -1;
	if (x->doc && !(doc = sp_json_dump(x->doc)))
		return sp_error_oom(err);
	if (sp_isempty(csp))
		return sp_error_set(err, SP_ERR_INTERNAL, "driver '%s' returned no SystemId for %s '%s'", x->c->plugin->driver->name, sp_rtype_display(x->rt->type), name);
	if (sp_store_res_update(st, &k, csp, doc, state, err) < 0)
		return -1;
	for (size_t i = 0; i < x->n_subnets; i++) {
		sp_res_key sk = res_key(x->c, SP_RT_SUBNET, name, x->subnets[i].name);
		const char *scsp = subnet_csp_id(info, x->subnets[i].spxid);

		if (!scsp)
			return sp_error_set(err, SP_ERR_INTERNAL, "driver '%s' returned no subnet '%s'", x->c->plugin->driver->name, x->subnets[i].spxid);
		if (sp_store_res_update(st, &sk, scsp, NULL, SP_RES_READY, err) < 0)
			return -1;
	}
	return 0;
}

json_t *subnet_find(const json_t *vpc_info, const char *key, const char *value)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(vpc_info, "SubnetInfoList"), i, s) {
		const char *v = json_string_value(json_object_get(json_object_get(s, "IId"), key));

		if (v && !strcmp(v, value))
			return s;
	}
	return NULL;
}

const char *subnet_csp_id(const json_t *vpc_info, const char *spxid)
{
	const char *sid = json_string_value(json_object_get(json_object_get(subnet_find(vpc_info, "NameId", spxid), "IId"), "SystemId"));

	return sp_isempty(sid) ? NULL : sid;
}

/* The first n blank-separated fields of a and b are the same. */
static bool fields_equal(const char *a, const char *b, int n)
{
	static const char blanks[] = " \t\r\n";

	for (int i = 0; i < n; i++) {
		size_t la, lb;

		a += strspn(a, blanks);
		b += strspn(b, blanks);
		la = strcspn(a, blanks);
		lb = strcspn(b, blanks);
		if (la != lb || memcmp(a, b, la))
			return false;
		a += la;
		b += lb;
	}
	return true;
}

/* Whether a key pair create's answer is the import of public_key: the
 * driver made no private key, and the key it shows, if any, is the same
 * type and key data (comments may differ).  A driver that cannot import
 * ignores the PublicKey and makes a new key instead. */
static bool keypair_imported(const json_t *info, const char *public_key)
{
	const char *made = json_string_value(json_object_get(info, "PrivateKey"));
	const char *shown = json_string_value(json_object_get(info, "PublicKey"));

	if (!sp_isempty(made))
		return false;
	return sp_isempty(shown) || fields_equal(shown, public_key, 2);
}

static int res_create(sp_conn *c, const sp_res_type *rt, const json_t *reqinfo,
		      const sp_res_opts *o, json_t **ret, sp_error *err)
{
	_cleanup_(create_ctx_clear) struct create_ctx x = { .c = c, .rt = rt, .rt_reqinfo = rt->reqinfo, .transform = o->transform };
	_cleanup_free_ char *spxid = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	_cleanup_json_ json_t *tags = NULL;
	sp_store *st = c->core->store;
	const sp_resource_ops *t = res_table(c, rt);
	const char *name = NULL, *api = rt->api[0], *import;
	sp_res_new row;
	sp_res_key k;
	int rc;

	if (!json_is_object(reqinfo))
		return sp_error_set(err, SP_ERR_INVALID, "ReqInfo is empty!");
	if (req_string(&x, reqinfo, "Name", true, &name, err) < 0 ||
	    sp_name_validate("Name", name, err) < 0 ||
	    req_tags(reqinfo, &tags, err) < 0 ||
	    res_spxid(c, rt->type, name, o->transform, &spxid, err) < 0)
		return -1;
	if (!(x.dreq = json_pack("{s:{s:s,s:s},s:O}", "IId", "NameId", spxid, "SystemId", "", "TagList", tags)) ||
	    !(x.doc = json_object()))
		return sp_error_oom(err);
	if (res_build_req(&x, reqinfo, err) < 0)
		return -1;
	import = json_string_value(json_object_get(x.dreq, "PublicKey"));
	if (import)
		api = "ImportKey()";
	/* Refuse before reserving anything when the driver cannot do it. */
	if (!t || offsetof(sp_resource_ops, create) >= t->size || !t->create)
		return SP_TABLE_CALL(c, t, create, rt->hiscall, name, api, err, x.dreq, &cloud);

	row = (sp_res_new){ .conn = c->name, .type = (int)rt->type, .owner = "", .name = name,
			    .spxid = spxid, .csp_id = "", .state = SP_RES_CREATING, .doc = "{}" };
	if (sp_store_res_insert(st, &row, x.refs, x.n_refs, err) < 0)
		return -1;
	k = res_key(c, rt->type, "", name);
	for (size_t i = 0; i < x.n_subnets; i++) {
		sp_res_new srow = { .conn = c->name, .type = SP_RT_SUBNET, .owner = name,
				    .name = x.subnets[i].name, .spxid = x.subnets[i].spxid,
				    .csp_id = "", .state = SP_RES_CREATING, .doc = "{}" };
		/* No link to the VPC: it is not ready yet, and its subnets
		 * go with it anyway. */
		if (sp_store_res_insert(st, &srow, NULL, 0, err) < 0) {
			sp_store_res_delete(st, &k, NULL);
			return -1;
		}
	}
	rc = SP_TABLE_CALL(c, t, create, rt->hiscall, name, api, err, x.dreq, &cloud);
	if (rc < 0) {
		sp_error ignored;

		sp_store_res_delete(st, &k, &ignored);
		return -1;
	}
	if (import && !keypair_imported(cloud, import)) {
		sp_error ignored;
		sp_call refused;

		/* It made a key of its own: undo that, and answer as for any
		 * operation the driver lacks. */
		create_rollback(c, rt, spxid, json_string_value(json_object_get(json_object_get(cloud, "IId"), "SystemId")) ?: "");
		sp_store_res_delete(st, &k, &ignored);
		return sp_call_begin(&refused, c, false, rt->hiscall, name, api, __func__, __LINE__, err);
	}
	/* A VM stays CREATING (with its ID known) until it has settled. */
	if (create_commit(&x, name, cloud, rt->type == SP_RT_VM ? SP_RES_CREATING : SP_RES_READY, err) < 0) {
		sp_error ignored;

		create_rollback(c, rt, spxid, json_string_value(json_object_get(json_object_get(cloud, "IId"), "SystemId")) ?: "");
		sp_store_res_delete(st, &k, &ignored);
		return -1;
	}
	if (rt->type == SP_RT_VM)
		return vm_settle(c, name, cloud, ret, err);
	{
		/* What was just recorded: no need to read it back. */
		sp_res_row made = { .name = (char *)name,
				    .csp_id = (char *)json_string_value(json_object_get(json_object_get(cloud, "IId"), "SystemId")) };

		return res_user_info(c, rt->type, &made, cloud, true, ret, err);
	}
}

/* A VM create and a VM delete each also get one call-history line for the
 * whole of it, waits included (CloudOSAPI "CB-Spider:StartVM()" and
 * "CB-Spider:TerminateVM()"), as the original writes. */
static const char *vm_total_api(const sp_res_type *rt, bool create)
{
	if (rt->type != SP_RT_VM)
		return NULL;
	return create ? "CB-Spider:StartVM()" : "CB-Spider:TerminateVM()";
}

int sp_res_create(sp_conn *c, const sp_res_type *rt, const json_t *reqinfo,
		  const sp_res_opts *o, json_t **ret, sp_error *err)
{
	const char *api = vm_total_api(rt, true);
	sp_call total;

	if (!api)
		return res_create(c, rt, reqinfo, o, ret, err);
	sp_call_begin(&total, c, true, "VM", json_string_value(sp_json_get(reqinfo, "Name")), api, __func__, __LINE__, err);
	return sp_call_end(&total, res_create(c, rt, reqinfo, o, ret, err), err);
}

/* ---- read ---------------------------------------------------------- */

int res_cloud_get(sp_conn *c, const sp_res_type *rt, const sp_res_row *row,
		  json_t **ret, sp_error *err)
{
	const sp_resource_ops *t = res_table(c, rt);
	sp_iid iid = res_row_sp_iid(row);

	return SP_TABLE_CALL(c, t, get, rt->hiscall, row->name, rt->api[2], err, &iid, ret);
}

int sp_res_get(sp_conn *c, const sp_res_type *rt, const char *name,
	       json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	_cleanup_json_ json_t *cloud = NULL;

	if (res_row_get(c, rt->type, "", name, &row, err) < 0)
		return -1;
	if (row_unborn(row)) {
		if (!(*ret = res_stub(row)))
			return sp_error_oom(err);
		return 0;
	}
	if (res_cloud_get(c, rt, row, &cloud, err) < 0)
		return -1;
	return res_user_info(c, rt->type, row, cloud, false, ret, err);
}

/* One list item: the row, and the connection it is asked on. */
struct list_item {
	sp_conn *c;
	const sp_res_type *rt;
	sp_res_row *row;
	bool status_only;
	struct res_names *names;
};

static void list_item_free(void *p)
{
	struct list_item *it = p;

	sp_conn_release(it->c);
	sp_res_row_free(it->row);
	names_unref(it->names);
	free(it);
}

static int list_item_run(void *p, json_t **ret, sp_error *err)
{
	struct list_item *it = p;
	_cleanup_json_ json_t *cloud = NULL;

	if (it->status_only) {
		sp_vm_status s;

		if (vm_cloud_status(it->c, it->row, &s, err) < 0)
			return -1;
		*ret = json_pack("{s:o,s:s}", "IId", res_row_user_iid(it->row), "VmStatus", sp_vm_status_name(s));
		return *ret ? 0 : sp_error_oom(err);
	}
	if (res_cloud_get(it->c, it->rt, it->row, &cloud, err) < 0)
		return -1;
	return user_info(it->c, it->names, it->rt->type, it->row, cloud, true, false, ret, err);
}

/* A failed list item: its IId (taken) and the reason. */
static json_t *fail_stub(json_t *iid, bool status_only, const sp_error *e)
{
	json_t *v = json_pack("{s:o,s:[{s:s,s:s}]}", "IId", iid, "KeyValueList", "Key", "Error", "Value", e->message);

	if (v && status_only)
		json_object_set_new(v, "VmStatus", json_string(e->code == SP_ERR_NOT_FOUND ? "NotExist" : "Failed"));
	return v;
}

/* Ask the cloud about every row at once (rows are taken); items that
 * fail or time out become stubs with their IId and an Error. */
int res_fanout_rows(sp_conn *c, const sp_res_type *rt, sp_res_row **rows, size_t n,
		    bool status_only, json_t *out, sp_error *err)
{
	_cleanup_free_ void **items = calloc(n ? n : 1, sizeof(*items));
	_cleanup_free_ json_t **iids = calloc(n ? n : 1, sizeof(*iids));
	_cleanup_free_ size_t *slot = calloc(n ? n : 1, sizeof(*slot));
	sp_fanout_result *res = NULL;
	struct res_names *names = status_only || n == 0 ? NULL : names_load(c, rt->type);
	size_t m = 0;
	int rc = -1;

	if (!items || !iids || !slot) {
		names_unref(names);
		return sp_error_oom(err);
	}
	for (size_t i = 0; i < n; i++) {
		struct list_item *it;

		if (!(iids[i] = res_row_user_iid(rows[i])))
			goto oom;
		if (row_unborn(rows[i]))
			continue;
		if (!(it = calloc(1, sizeof(*it))))
			goto oom;
		*it = (struct list_item){ sp_conn_ref(c), rt, rows[i], status_only, names };
		if (names)
			atomic_fetch_add(&names->refs, 1);
		rows[i] = NULL;
		slot[m] = i;
		items[m++] = it;
	}
	if (sp_fanout_run(items, m, list_item_run, list_item_free, c->core->item_timeout_s, &res, err) < 0)
		goto out;
	for (size_t i = 0, j = 0; i < n; i++) {
		json_t *v;

		if (j < m && slot[j] == i) {
			v = res[j].rc == 0 ? json_incref(res[j].value) : fail_stub(TAKE_PTR(iids[i]), status_only, &res[j].err);
			j++;
		} else if (status_only) {
			v = json_pack("{s:O,s:s}", "IId", iids[i], "VmStatus", "Creating");
		} else {
			v = res_stub(rows[i]);
		}
		if (!v || json_array_append_new(out, v) < 0) {
			sp_error_oom(err);
			goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	for (size_t j = 0; j < m; j++)
		list_item_free(items[j]);
	m = 0;
	sp_error_oom(err);
out:
	names_unref(names);
	sp_fanout_results_free(res, m);
	for (size_t i = 0; i < n; i++)
		json_decref(iids[i]);
	return rc;
}

int sp_res_list(sp_conn *c, const sp_res_type *rt, const char *owner_vpc,
		json_t **ret, sp_error *err)
{
	sp_res_row **rows = NULL;
	size_t n = 0, m = 0;
	_cleanup_json_ json_t *out = json_array();
	int rc;

	if (!out)
		return sp_error_oom(err);
	if (owner_vpc) {
		_cleanup_(sp_res_row_freep) sp_res_row *vpc = NULL;

		if (res_row_get(c, SP_RT_VPC, "", owner_vpc, &vpc, err) < 0)
			return -1;
	}
	if (sp_store_res_list(c->core->store, c->name, rt->type, NULL, &rows, &n, err) < 0)
		return -1;
	/* Security groups of one VPC: the VPC each one uses. */
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *doc = NULL;
		const char *vpc;

		if (owner_vpc) {
			doc = json_loads(rows[i]->doc, 0, NULL);
			vpc = json_string_value(json_object_get(doc, "VPCName"));
			if (!vpc || strcmp(vpc, owner_vpc)) {
				sp_res_row_free(rows[i]);
				continue;
			}
		}
		rows[m++] = rows[i];
	}
	rc = res_fanout_rows(c, rt, rows, m, false, out, err);
	sp_res_rows_free(rows, m);
	if (rc < 0)
		return -1;
	*ret = json_pack("{s:O}", rt->list_key, out);
	return *ret ? 0 : sp_error_oom(err);
}

static int res_delete(sp_conn *c, const sp_res_type *rt, const char *name,
		      bool force, sp_vm_status *ret_status, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	sp_store *st = c->core->store;
	sp_res_key k = res_key(c, rt->type, "", name);
	const sp_resource_ops *t = res_table(c, rt);
	sp_vm_status vs = SP_VM_TERMINATED;
	sp_iid iid;
	int rc = 0;
	sp_error ignored;

	if (sp_isempty(name))
		return sp_error_set(err, SP_ERR_INVALID, "%s name is empty!", sp_rtype_display(rt->type));
	if (!t || offsetof(sp_resource_ops, remove) >= t->size || !t->remove)
		return SP_TABLE_CALL(c, t, remove, rt->hiscall, name, rt->api[3], err, NULL);
	if (sp_store_res_begin_delete(st, &k, !force, err) < 0 ||
	    sp_store_res_get(st, &k, &row, err) < 0)
		return -1;
	iid = res_row_sp_iid(row);
	if (rt->type == SP_RT_VM && vm_cloud_status(c, row, &vs, &ignored) == 0 &&
	    (vs == SP_VM_TERMINATED || vs == SP_VM_NOT_EXIST)) {
		/* Already gone: only the row is left to drop. */
	} else {
		vs = SP_VM_TERMINATING;
		rc = SP_TABLE_CALL(c, t, remove, rt->hiscall, name, rt->api[3], err, &iid);
		if (rc < 0 && err->code == SP_ERR_NOT_FOUND)
			rc = 0;
		if (rc == 0 && rt->type == SP_RT_VM)
			vs = vm_wait_gone(c, row);
	}
	if (rc < 0 && !force) {
		/* The cloud still has it: keep the row, as it was. */
		sp_store_res_update(st, &k, NULL, NULL, SP_RES_READY, &ignored);
		return -1;
	}
	if (sp_store_res_delete(st, &k, err) < 0)
		return -1;
	if (ret_status)
		*ret_status = vs;
	return 0;
}

int sp_res_delete(sp_conn *c, const sp_res_type *rt, const char *name,
		  bool force, sp_vm_status *ret_status, sp_error *err)
{
	const char *api = vm_total_api(rt, false);
	sp_call total;

	if (!api)
		return res_delete(c, rt, name, force, ret_status, err);
	sp_call_begin(&total, c, true, "VM", name, api, __func__, __LINE__, err);
	return sp_call_end(&total, res_delete(c, rt, name, force, ret_status, err), err);
}

/* ---- register, views, cloud IDs -------------------------------------- */

/* Link a registered row to the rows its cloud info names, when those
 * are registered too. */
static size_t register_refs(sp_conn *c, sp_rtype type, json_t *info,
			    sp_res_row **rows, sp_res_key *refs, size_t max)
{
	size_t n = 0;

	for (size_t f = 0; f < ELEMENTSOF(ref_fields); f++) {
		const struct ref_field *rf = &ref_fields[f];
		json_t *v = json_object_get(info, rf->key);
		size_t count = rf->array ? json_array_size(v) : (v ? 1 : 0);

		if (rf->owner != type || !rf->link)
			continue;
		for (size_t i = 0; i < count && n < max; i++) {
			json_t *iid = rf->array ? json_array_get(v, i) : v;
			const char *sid = json_string_value(json_object_get(iid, "SystemId"));
			sp_error ignored;

			if (sp_isempty(sid) ||
			    sp_store_res_find_csp(c->core->store, c->name, rf->type, sid, &rows[n], &ignored) < 0)
				continue;
			refs[n] = (sp_res_key){ c->name, rf->type, rows[n]->owner, rows[n]->name };
			n++;
		}
	}
	return n;
}

static int register_subnets(sp_conn *c, const char *vpc, json_t *info)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(info, "SubnetInfoList"), i, s) {
		json_t *iid = json_object_get(s, "IId");
		const char *sid = json_string_value(json_object_get(iid, "SystemId"));
		const char *nid = json_string_value(json_object_get(iid, "NameId"));
		sp_res_new row = { .conn = c->name, .type = SP_RT_SUBNET, .owner = vpc,
				   .spxid = (nid ? nid : sid), .csp_id = sid,
				   .state = SP_RES_READY, .doc = "{}" };
		sp_res_key vk = res_key(c, SP_RT_VPC, "", vpc);
		sp_error e;

		/* A subnet is named by its cloud ID, as the original does. */
		if (sp_isempty(sid) || sp_name_validate("Name", sid, &e) < 0)
			continue;
		row.name = sid;
		if (sp_store_res_insert(c->core->store, &row, &vk, 1, &e) < 0 && e.code != SP_ERR_CONFLICT)
			return -1;
	}
	return 0;
}

int sp_res_register(sp_conn *c, const sp_res_type *rt, const json_t *reqinfo,
		    json_t **ret, sp_error *err)
{
	struct create_ctx x = { .c = c, .rt = rt, .rt_reqinfo = rt->reqinfo };
	_cleanup_(sp_res_row_freep) sp_res_row *dup = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	_cleanup_free_ char *doc = NULL;
	sp_res_row *rows[CREATE_REFS_MAX] = { 0 };
	sp_res_key refs[CREATE_REFS_MAX];
	size_t n_refs = 0;
	const char *name = NULL, *csp = NULL, *vpc = "", *zone = "", *spxid;
	const sp_resource_ops *t = res_table(c, rt);
	sp_iid iid;
	sp_res_new row;
	int rc = -1;

	if (!json_is_object(reqinfo))
		return sp_error_set(err, SP_ERR_INVALID, "ReqInfo is empty!");
	if (req_string(&x, reqinfo, "Name", true, &name, err) < 0 ||
	    sp_name_validate("Name", name, err) < 0 ||
	    req_string(&x, reqinfo, "CSPId", true, &csp, err) < 0 ||
	    req_string(&x, reqinfo, "VPCName", false, &vpc, err) < 0 ||
	    req_string(&x, reqinfo, "Zone", false, &zone, err) < 0 ||
	    req_zone(c, zone, err) < 0)
		return -1;
	if (rt->type == SP_RT_SG && !sp_isempty(vpc) &&
	    res_row_get(c, SP_RT_VPC, "", vpc, &rows[n_refs], err) < 0)
		return -1;
	if (rows[0]) {
		refs[0] = res_key(c, SP_RT_VPC, "", rows[0]->name);
		n_refs = 1;
	}
	if (sp_store_res_find_csp(c->core->store, c->name, rt->type, csp, &dup, err) == 0) {
		sp_error_set(err, SP_ERR_CONFLICT, "%s '%s' is registered already as '%s' in connection '%s'", sp_rtype_display(rt->type), csp, dup->name, c->name);
		goto out;
	}
	iid = (sp_iid){ csp, csp };
	if (SP_TABLE_CALL(c, t, get, rt->hiscall, name, rt->api[2], err, &iid, &cloud) < 0 ||
	    (rt->type == SP_RT_VM && vm_check_alive(c, csp, err) < 0))
		goto out;
	if (n_refs == 0)
		n_refs = register_refs(c, rt->type, cloud, rows, refs, CREATE_REFS_MAX);
	spxid = json_string_value(json_object_get(json_object_get(cloud, "IId"), "NameId"));
	if (rt->type == SP_RT_SG) {
		_cleanup_json_ json_t *d = json_pack("{s:s}", "VPCName", n_refs ? refs[0].name : "");

		doc = d ? sp_json_dump(d) : NULL;
	}
	row = (sp_res_new){ .conn = c->name, .type = (int)rt->type, .owner = "", .name = name,
			    .spxid = (sp_isempty(spxid) ? csp : spxid), .csp_id = csp,
			    .state = SP_RES_READY, .doc = doc ? doc : "{}" };
	if (sp_store_res_insert(c->core->store, &row, refs, n_refs, err) < 0)
		goto out;
	if (rt->type == SP_RT_VPC && register_subnets(c, name, cloud) < 0) {
		sp_error_set(err, SP_ERR_UNAVAILABLE, "registering the subnets of VPC '%s' failed", name);
		goto out;
	}
	{
		sp_res_row made = { .name = (char *)name, .csp_id = (char *)csp };

		rc = res_user_info(c, rt->type, &made, cloud, false, ret, err);
	}
out:
	for (size_t i = 0; i < CREATE_REFS_MAX; i++)
		sp_res_row_free(rows[i]);
	return rc;
}

int sp_res_unregister(sp_conn *c, const sp_res_type *rt, const char *name,
		      sp_error *err)
{
	sp_res_key k = res_key(c, rt->type, "", name);

	if (sp_isempty(name))
		return sp_error_set(err, SP_ERR_INVALID, "%s name is empty!", sp_rtype_display(rt->type));
	if (sp_store_res_begin_delete(c->core->store, &k, true, err) < 0)
		return -1;
	return sp_store_res_delete(c->core->store, &k, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool id_in(const char **sorted, size_t n, const char *id)
{
	return id && n && bsearch(&id, sorted, n, sizeof(*sorted), cmp_str);
}

int sp_res_all(sp_conn *c, const sp_res_type *rt, bool info, json_t **ret,
	       sp_error *err)
{
	const sp_resource_ops *t = res_table(c, rt);
	_cleanup_json_ json_t *cloud = NULL;
	_cleanup_json_ json_t *mapped = json_array();
	_cleanup_json_ json_t *only_sp = json_array();
	_cleanup_json_ json_t *only_csp = json_array();
	_cleanup_free_ const char **cloud_ids = NULL;
	_cleanup_free_ const char **row_ids = NULL;
	sp_res_row **rows = NULL;
	size_t n = 0, nc;
	size_t i;
	json_t *e;
	int rc = -1;

	if (!mapped || !only_sp || !only_csp)
		return sp_error_oom(err);
	if (SP_TABLE_CALL(c, t, list, rt->hiscall, "", rt->api[1], err, &cloud) < 0)
		return -1;
	if (!json_is_array(cloud))
		return sp_error_set(err, SP_ERR_INTERNAL, "driver '%s' returned a non-array list", c->plugin->driver->name);
	nc = json_array_size(cloud);
	if (sp_store_res_list(c->core->store, c->name, rt->type, NULL, &rows, &n, err) < 0)
		return -1;
	if (!(cloud_ids = calloc(nc + 1, sizeof(*cloud_ids))) || !(row_ids = calloc(n + 1, sizeof(*row_ids)))) {
		sp_error_oom(err);
		goto out;
	}
	json_array_foreach(cloud, i, e)
		cloud_ids[i] = json_string_value(json_object_get(json_object_get(e, "IId"), "SystemId")) ?: "";
	for (i = 0; i < n; i++)
		row_ids[i] = rows[i]->csp_id;
	qsort(cloud_ids, nc, sizeof(*cloud_ids), cmp_str);
	qsort(row_ids, n, sizeof(*row_ids), cmp_str);
	for (i = 0; i < n; i++) {
		json_t *v = NULL;

		if (!id_in(cloud_ids, nc, rows[i]->csp_id)) {
			json_array_append_new(only_sp, res_row_user_iid(rows[i]));
			continue;
		}
		if (info) {
			size_t j;
			json_t *ce = NULL;

			json_array_foreach(cloud, j, ce)
				if (!strcmp(json_string_value(json_object_get(json_object_get(ce, "IId"), "SystemId")) ?: "", rows[i]->csp_id))
					break;
			if (res_user_info(c, rt->type, rows[i], ce, false, &v, err) < 0)
				goto out;
		} else {
			v = res_row_user_iid(rows[i]);
		}
		json_array_append_new(mapped, v);
	}
	json_array_foreach(cloud, i, e) {
		const char *sid = json_string_value(json_object_get(json_object_get(e, "IId"), "SystemId"));
		json_t *v = NULL;

		if (id_in(row_ids, n, sid))
			continue;
		if (info) {
			if (res_user_info(c, rt->type, NULL, e, false, &v, err) < 0)
				goto out;
		} else {
			v = json_deep_copy(json_object_get(e, "IId"));
		}
		json_array_append_new(only_csp, v);
	}
	if (info)
		*ret = json_pack("{s:s,s:{s:O,s:O,s:O}}", "ResourceType", rt->path, "AllListInfo",
				 "MappedInfoList", mapped, "OnlySpiderList", only_sp, "OnlyCSPInfoList", only_csp);
	else
		*ret = json_pack("{s:{s:O,s:O,s:O}}", "AllList", "MappedList", mapped,
				 "OnlySpiderList", only_sp, "OnlyCSPList", only_csp);
	rc = *ret ? 0 : sp_error_oom(err);
out:
	sp_res_rows_free(rows, n);
	return rc;
}

int sp_res_csp_get(sp_conn *c, const sp_res_type *rt, const char *csp_id,
		   json_t **ret, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	_cleanup_json_ json_t *cloud = NULL;
	const sp_resource_ops *t = res_table(c, rt);
	sp_iid iid = { csp_id, csp_id };
	sp_error ignored;

	if (SP_TABLE_CALL(c, t, get, rt->hiscall, csp_id, rt->api[2], err, &iid, &cloud) < 0)
		return -1;
	if (rt->type == SP_RT_VM && vm_check_alive(c, csp_id, err) < 0)
		return -1;
	sp_store_res_find_csp(c->core->store, c->name, rt->type, csp_id, &row, &ignored);
	return res_user_info(c, rt->type, row, cloud, false, ret, err);
}

int sp_res_csp_delete(sp_conn *c, const sp_res_type *rt, const char *csp_id,
		      sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *row = NULL;
	const sp_resource_ops *t = res_table(c, rt);
	sp_iid iid = { csp_id, csp_id };
	sp_error ignored;

	if (sp_isempty(csp_id))
		return sp_error_set(err, SP_ERR_INVALID, "CSP ID is empty!");
	if (sp_store_res_find_csp(c->core->store, c->name, rt->type, csp_id, &row, &ignored) == 0)
		return sp_error_set(err, SP_ERR_CONFLICT, "%s '%s' is registered as '%s'; delete it by that name", sp_rtype_display(rt->type), csp_id, row->name);
	return SP_TABLE_CALL(c, t, remove, rt->hiscall, csp_id, rt->api[3], err, &iid);
}
