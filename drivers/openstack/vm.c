/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/vm.c - VMs (Nova servers with their Neutron ports)
 * and their control.
 *
 * A VM boots on its VPC's network; when the network has more than one
 * subnet the driver makes a port on the asked subnet first (with the
 * security groups), and deletes it again once the server is gone.  A
 * cloud-init user-data script makes the user "cb-user" with the key pair's
 * public key, as Spider promises for every VM.
 */
#include "openstack.h"

#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

#define VM_SGS_MAX 64
#define PORT_MARK "spider-vm="

/* ---- reading ------------------------------------------------------------- */

static int server_fetch(sp_session *s, const struct os_what *w, const char *id,
			json_t **ret_server, sp_error *err)
{
	_cleanup_free_ char *path = os_path("/servers/%s", id);
	_cleanup_json_ json_t *doc = NULL;

	if (!path)
		return os_oom(err);
	if (os_call(s, w, OS_COMPUTE, "GET", path, NULL, &doc, err) < 0)
		return -1;
	if (!json_is_object(json_object_get(doc, "server")))
		return sp_error_set(err, SP_ERR_CLOUD, "nova: the answer for server '%s' has no 'server'", id);
	*ret_server = json_incref(json_object_get(doc, "server"));
	return 0;
}

static int vm_read(sp_session *s, const struct os_what *w, const char *id,
		   json_t **ret_info, sp_error *err)
{
	_cleanup_json_ json_t *server = NULL;
	_cleanup_json_ json_t *ports = NULL;
	_cleanup_free_ char *path = os_path("/ports?device_id=%s", id);

	if (!path)
		return os_oom(err);
	if (server_fetch(s, w, id, &server, err) < 0 ||
	    os_list(s, w, OS_NETWORK, path, "ports", &ports, err) < 0)
		return -1;
	if (!(*ret_info = os_vm_info(server, ports, s->region)))
		return os_oom(err);
	return 0;
}

static int vm_get(sp_session *s, const sp_iid *iid, json_t **ret_info, sp_error *err)
{
	struct os_what w = { "VM", iid ? iid->name_id : "" };
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "VM IID is empty");
	return vm_read(s, &w, id, ret_info, err);
}

static int vm_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "VM", "" };
	_cleanup_json_ json_t *servers = NULL;
	_cleanup_json_ json_t *ports = NULL;
	_cleanup_json_ json_t *out = json_array();
	_cleanup_free_ char *project = NULL;
	_cleanup_free_ char *path = NULL;
	json_t *sv;
	size_t i;

	if (!out)
		return os_oom(err);
	if (os_project(s, &w, &project, err) < 0)
		return -1;
	if (!(path = os_path("/ports?project_id=%s", project)))
		return os_oom(err);
	if (os_list(s, &w, OS_COMPUTE, "/servers/detail", "servers", &servers, err) < 0 ||
	    os_list(s, &w, OS_NETWORK, path, "ports", &ports, err) < 0)
		return -1;
	json_array_foreach(servers, i, sv)
		if (json_array_append_new(out, os_vm_info(sv, ports, s->region)) < 0)
			return os_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

/* ---- create ------------------------------------------------------------------ */

/* cloud-init: the user cb-user with the key, sudo without a password. */
static char *user_data(const char *public_key)
{
	_cleanup_free_ char *script = NULL;
	char *b64;
	int n;

	if ((n = asprintf(&script, "#cloud-config\nusers:\n  - default\n  - name: cb-user\n"
			  "    sudo: ALL=(ALL) NOPASSWD:ALL\n    shell: /bin/bash\n"
			  "    ssh_authorized_keys:\n      - %s\n", public_key)) < 0) {
		script = NULL;
		return NULL;
	}
	if (!(b64 = malloc(4 * (((size_t)n + 2) / 3) + 1)))
		return NULL;
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)script, n);
	return b64;
}

struct boot {
	const char *name;
	json_t *server;        /* the "server" body being built */
	char *port_id;         /* a port made for the VM */
};

static void boot_clear(struct boot *b)
{
	json_decref(b->server);
	free(b->port_id);
}

static int set(json_t *o, const char *key, json_t *v, sp_error *err)
{
	return json_object_set_new(o, key, v) < 0 ? os_oom(err) : 0;
}

/* The network part: the VPC's network, or a port on the asked subnet
 * when the network has several; "none" without a VPC. */
static int boot_network(sp_session *s, const struct os_what *w, struct boot *b,
			const char *net, const char *subnet, json_t *sgs, sp_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_t *subnets = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_json_ json_t *made = NULL;
	_cleanup_json_ json_t *sg_names = json_array();
	json_t *sg, *sub;
	size_t i;
	bool found = false;

	if (!sg_names)
		return os_oom(err);
	if (!*net) {
		if (*subnet)
			return sp_error_set(err, SP_ERR_INVALID, "field 'SubnetIID' needs a 'VpcIID'");
		return set(b->server, "networks", json_string("none"), err);
	}
	if (!(path = os_path("/subnets?network_id=%s", net)))
		return os_oom(err);
	if (os_list(s, w, OS_NETWORK, path, "subnets", &subnets, err) < 0)
		return -1;
	json_array_foreach(subnets, i, sub)
		if (!strcmp(json_string_value(json_object_get(sub, "id")) ?: "", subnet))
			found = true;
	if (*subnet && !found)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "subnet '%s' is not a subnet of VPC '%s'", subnet, net);
	if (!*subnet || json_array_size(subnets) == 1) {
		json_array_foreach(sgs, i, sg)
			if (json_array_append_new(sg_names, json_pack("{s:O}", "name", sg)) < 0)
				return os_oom(err);
		if (json_array_size(sg_names) && set(b->server, "security_groups", json_incref(sg_names), err) < 0)
			return -1;
		return set(b->server, "networks", json_pack("[{s:s}]", "uuid", net), err);
	}
	body = json_pack("{s:{s:s, s:s, s:s%, s:[{s:s}], s:O}}", "port",
			 "network_id", net, "name", b->name,
			 "description", PORT_MARK, sizeof(PORT_MARK) - 1,
			 "fixed_ips", "subnet_id", subnet, "security_groups", sgs);
	if (!body)
		return os_oom(err);
	if (os_call(s, w, OS_NETWORK, "POST", "/ports", body, &made, err) < 0)
		return -1;
	if (!(b->port_id = strdup(json_string_value(json_object_get(json_object_get(made, "port"), "id")) ?: "")))
		return os_oom(err);
	return set(b->server, "networks", json_pack("[{s:s}]", "port", b->port_id), err);
}

static int req_sgs(json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *out = json_array();
	json_t *list = json_object_get(req, "SecurityGroupIIDs"), *e;
	size_t i;

	if (!out)
		return os_oom(err);
	if (list && !json_is_array(list) && !json_is_null(list))
		return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityGroupIIDs' must be an array");
	if (json_array_size(list) > VM_SGS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityGroupIIDs' has %zu groups; at most %d are allowed", json_array_size(list), VM_SGS_MAX);
	json_array_foreach(list, i, e) {
		const char *id = os_json_iid_id(e);

		if (!id)
			return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityGroupIIDs[%zu]' names no security group", i);
		if (json_array_append_new(out, json_string(id)) < 0)
			return os_oom(err);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int vm_create(sp_session *s, json_t *req, json_t **ret_info, sp_error *err)
{
	_cleanup_(boot_clear) struct boot b = { .server = json_object() };
	_cleanup_json_ json_t *image = NULL;
	_cleanup_json_ json_t *flavor = NULL;
	_cleanup_json_ json_t *sgs = NULL;
	_cleanup_json_ json_t *tags = NULL;
	_cleanup_json_ json_t *key = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_json_ json_t *made = NULL;
	_cleanup_free_ char *ud = NULL;
	_cleanup_free_ char *id = NULL;
	const char *name, *itype, *spec, *rdt, *rds, *pass;
	const char *img = os_json_iid_id(json_object_get(req, "ImageIID"));
	const char *net = os_json_iid_id(json_object_get(req, "VpcIID")) ?: "";
	const char *subnet = os_json_iid_id(json_object_get(req, "SubnetIID")) ?: "";
	const char *keyname = os_json_iid_id(json_object_get(req, "KeyPairIID")) ?: "";
	struct os_what w = { "VM", "" };
	bool mine;
	sp_error ignored;

	if (!b.server)
		return os_oom(err);
	if (os_req_str(json_object_get(req, "IId"), "NameId", &name, err) < 0 ||
	    os_req_str(req, "ImageType", &itype, err) < 0 ||
	    os_req_str(req, "VMSpecName", &spec, err) < 0 ||
	    os_req_str(req, "RootDiskType", &rdt, err) < 0 ||
	    os_req_str(req, "RootDiskSize", &rds, err) < 0 ||
	    os_req_str(req, "VMUserPasswd", &pass, err) < 0 ||
	    req_sgs(req, &sgs, err) < 0 || os_req_tags(req, "", &tags, err) < 0)
		return -1;
	w.rname = b.name = name;
	mine = !strcasecmp(itype, "MyImage");
	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "field 'IId.NameId' is required");
	if (!img)
		return sp_error_set(err, SP_ERR_INVALID, "field 'ImageIID' is required");
	if (*rdt && strcasecmp(rdt, "default"))
		return sp_error_set(err, SP_ERR_INVALID, "field 'RootDiskType' '%s' is invalid: OpenStack VMs boot from the flavor's disk ('default')", rdt);
	if (*rds && strcasecmp(rds, "default"))
		return sp_error_set(err, SP_ERR_INVALID, "field 'RootDiskSize' '%s' is invalid: OpenStack VMs boot from the flavor's disk, whose size the VM spec sets", rds);
	if (json_array_size(json_object_get(req, "DataDiskIIDs")))
		return sp_error_set(err, SP_ERR_INVALID, "field 'DataDiskIIDs': the OpenStack driver has no disks");
	if (os_image_resolve(s, &w, img, &image, err) < 0 ||
	    os_flavor_resolve(s, &w, spec, &flavor, err) < 0 ||
	    (*keyname && os_keypair_fetch(s, &w, keyname, &key, err) < 0))
		return -1;
	if (key && !(ud = user_data(json_string_value(json_object_get(key, "public_key")) ?: "")))
		return os_oom(err);
	if (set(b.server, "name", json_string(name), err) < 0 ||
	    set(b.server, "imageRef", json_incref(json_object_get(image, "id")), err) < 0 ||
	    set(b.server, "flavorRef", json_incref(json_object_get(flavor, "id")), err) < 0 ||
	    set(b.server, "metadata", json_pack("{s:s}", "spider-image-type", mine ? "MyImage" : "PublicImage"), err) < 0 ||
	    (*keyname && set(b.server, "key_name", json_string(keyname), err) < 0) ||
	    (ud && set(b.server, "user_data", json_string(ud), err) < 0) ||
	    (*pass && set(b.server, "adminPass", json_string(pass), err) < 0) ||
	    (*s->zone && set(b.server, "availability_zone", json_string(s->zone), err) < 0) ||
	    (json_array_size(tags) && set(b.server, "tags", json_incref(tags), err) < 0) ||
	    boot_network(s, &w, &b, net, subnet, sgs, err) < 0)
		goto fail;
	if (!(body = json_pack("{s:O}", "server", b.server))) {
		os_oom(err);
		goto fail;
	}
	if (os_call(s, &w, OS_COMPUTE, "POST", "/servers", body, &made, err) < 0)
		goto fail;
	if (!(id = strdup(json_string_value(json_object_get(json_object_get(made, "server"), "id")) ?: ""))) {
		os_oom(err);
		goto fail;
	}
	if (!*id) {
		sp_error_set(err, SP_ERR_CLOUD, "nova: the new server '%s' has no id", name);
		goto fail;
	}
	/* The port made for the VM now belongs to the server's lifetime:
	 * the terminate deletes it. */
	if (vm_read(s, &w, id, ret_info, err) == 0)
		return 0;
	{
		_cleanup_free_ char *path = os_path("/servers/%s", id);

		if (path)
			os_call(s, &w, OS_COMPUTE, "DELETE", path, NULL, NULL, &ignored);
	}
fail:
	if (b.port_id && *b.port_id) {
		_cleanup_free_ char *path = os_path("/ports/%s", b.port_id);

		if (path)
			os_call(s, &w, OS_NETWORK, "DELETE", path, NULL, NULL, &ignored);
	}
	return -1;
}

/* ---- terminate ------------------------------------------------------------- */

/* Delete the server, wait for it to go, then delete the ports the driver
 * made for it. */
static int vm_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	struct os_what w = { "VM", iid ? iid->name_id : "" };
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *ppath = NULL;
	_cleanup_json_ json_t *ports = NULL;
	const char *id = os_iid_id(iid);
	double t_end = os_now() + OS_VM_GONE_WAIT, wait = 0.25;
	sp_error e;
	json_t *p;
	size_t i;

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "VM IID is empty");
	if (!(path = os_path("/servers/%s", id)) || !(ppath = os_path("/ports?device_id=%s", id)))
		return os_oom(err);
	if (os_list(s, &w, OS_NETWORK, ppath, "ports", &ports, err) < 0 ||
	    os_call(s, &w, OS_COMPUTE, "DELETE", path, NULL, NULL, err) < 0)
		return -1;
	/* Gone is a 404: nova shows DELETED for a moment before that. */
	for (;;) {
		_cleanup_json_ json_t *sv = NULL;

		if (server_fetch(s, &w, id, &sv, &e) < 0 && e.code == SP_ERR_NOT_FOUND)
			break;
		if (os_now() + wait > t_end)
			return 0;   /* still going: the daemon goes on watching */
		os_sleep(wait);
		wait = wait * 1.5 > 2 ? 2 : wait * 1.5;
	}
	json_array_foreach(ports, i, p) {
		_cleanup_free_ char *pp = NULL;
		const char *desc = json_string_value(json_object_get(p, "description")) ?: "";

		if (strcmp(desc, PORT_MARK))
			continue;
		if (!(pp = os_path("/ports/%s", json_string_value(json_object_get(p, "id")) ?: "")))
			return os_oom(err);
		if (os_call(s, &w, OS_NETWORK, "DELETE", pp, NULL, NULL, &e) < 0 && e.code != SP_ERR_NOT_FOUND) {
			*err = e;
			return -1;
		}
	}
	return 0;
}

const sp_resource_ops os_vm_ops = {
	.size = sizeof(sp_resource_ops),
	.create = vm_create,
	.list = vm_list,
	.get = vm_get,
	.remove = vm_remove,
};

/* ---- control ----------------------------------------------------------------- */

static sp_vm_status server_status(json_t *sv)
{
	return os_vm_status(json_string_value(json_object_get(sv, "status")),
			    json_string_value(json_object_get(sv, "OS-EXT-STS:task_state")));
}

static int vm_status(sp_session *s, const sp_iid *vm, sp_vm_status *ret_status, sp_error *err)
{
	struct os_what w = { "VM", vm ? vm->name_id : "" };
	_cleanup_json_ json_t *sv = NULL;
	const char *id = os_iid_id(vm);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "VM IID is empty");
	if (server_fetch(s, &w, id, &sv, err) < 0)
		return -1;
	*ret_status = server_status(sv);
	return 0;
}

/* One list of the project's servers answers for all of them. */
static int vm_statuses(sp_session *s, const sp_iid *vms, size_t n,
		       sp_vm_status *ret_statuses, sp_error *err)
{
	static const struct os_what w = { "VM", "" };
	_cleanup_json_ json_t *servers = NULL;
	_cleanup_json_ json_t *by_id = json_object();
	json_t *sv;
	size_t i;

	if (!by_id)
		return os_oom(err);
	if (os_list(s, &w, OS_COMPUTE, "/servers/detail", "servers", &servers, err) < 0)
		return -1;
	json_array_foreach(servers, i, sv)
		if (json_is_string(json_object_get(sv, "id")))
			json_object_set(by_id, json_string_value(json_object_get(sv, "id")), sv);
	for (i = 0; i < n; i++) {
		const char *id = os_iid_id(&vms[i]);
		json_t *hit = id ? json_object_get(by_id, id) : NULL;

		ret_statuses[i] = hit ? server_status(hit) : SP_VM_NOT_EXIST;
	}
	return 0;
}

static int vm_control(sp_session *s, const sp_iid *vm, sp_vm_action action,
		      sp_vm_status *ret_status, sp_error *err)
{
	struct os_what w = { "VM", vm ? vm->name_id : "" };
	_cleanup_json_ json_t *sv = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *path = NULL;
	const char *id = os_iid_id(vm), *status, *verb = NULL;
	sp_vm_status then;

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "VM IID is empty");
	if (server_fetch(s, &w, id, &sv, err) < 0)
		return -1;
	status = json_string_value(json_object_get(sv, "status")) ?: "";
	switch (action) {
	case SP_VM_SUSPEND:
		verb = !strcmp(status, "ACTIVE") ? "suspend" : NULL;
		then = SP_VM_SUSPENDING;
		break;
	case SP_VM_RESUME:
		verb = !strcmp(status, "SUSPENDED") ? "resume" : !strcmp(status, "SHUTOFF") ? "os-start" :
		       !strcmp(status, "PAUSED") ? "unpause" : !strncmp(status, "SHELVED", 7) ? "unshelve" : NULL;
		then = SP_VM_RESUMING;
		break;
	case SP_VM_REBOOT:
		verb = !strcmp(status, "ACTIVE") ? "reboot" : NULL;
		then = SP_VM_REBOOTING;
		break;
	default:
		return sp_error_set(err, SP_ERR_INVALID, "VM action %d is unknown", (int)action);
	}
	if (!verb)
		return sp_error_set(err, SP_ERR_CONFLICT, "VM '%s' is %s in OpenStack; cannot %s it", id, status,
				    action == SP_VM_SUSPEND ? "suspend" : action == SP_VM_RESUME ? "resume" : "reboot");
	body = action == SP_VM_REBOOT ? json_pack("{s:{s:s}}", verb, "type", "SOFT") : json_pack("{s:n}", verb);
	if (!body || !(path = os_path("/servers/%s/action", id)))
		return os_oom(err);
	if (os_call(s, &w, OS_COMPUTE, "POST", path, body, NULL, err) < 0)
		return -1;
	*ret_status = then;
	return 0;
}

const sp_vm_ops os_vmctl_ops = {
	.size = sizeof(sp_vm_ops),
	.control = vm_control,
	.get_status = vm_status,
	.get_statuses = vm_statuses,
};
