/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/vm.c - VMs and their state machine (see mock.h).
 *
 * Doc, besides the common fields: {"zone", "state", "since_ms",
 * "until_ms", "image_type", "image", "spec", "vpc", "subnet", "sgs":[id],
 * "keypair", "root_disk_type", "root_disk_size", "data_disks":[id],
 * "user", "password", "platform"}.  data_disks lists the disks ever
 * attached; a disk counts only while its own doc names this VM.
 */
#include "mock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/macros.h"
#include "util/banned.h"

#define VM_PUBLIC_IP "4.3.2.1"
#define VM_PRIVATE_IP "1.2.3.4"
#define VM_NIC "mockni0"
#define VM_ROOT_DEVICE "/dev/sda1"
#define ROOT_DISK_MAX_GB 16384

static const char *const state_names[SP_VM_STATUS_COUNT] = {
	[SP_VM_CREATING] = "Creating",
	[SP_VM_RUNNING] = "Running",
	[SP_VM_SUSPENDING] = "Suspending",
	[SP_VM_SUSPENDED] = "Suspended",
	[SP_VM_RESUMING] = "Resuming",
	[SP_VM_REBOOTING] = "Rebooting",
	[SP_VM_TERMINATING] = "Terminating",
	[SP_VM_TERMINATED] = "Terminated",
	[SP_VM_NOT_EXIST] = "NotExist",
	[SP_VM_FAILED] = "Failed",
};

const char *mock_vm_state_name(sp_vm_status st)
{
	return (unsigned)st < SP_VM_STATUS_COUNT ? state_names[st] : "Failed";
}

/* A stored state (Creating .. Terminated), or -1. */
static int state_parse(const char *name)
{
	for (int st = 0; st <= SP_VM_TERMINATED; st++)
		if (name && !strcmp(name, state_names[st]))
			return st;
	return -1;
}

/* Where a transitional state ends. */
static sp_vm_status state_end(sp_vm_status st)
{
	switch (st) {
	case SP_VM_CREATING:
	case SP_VM_RESUMING:
	case SP_VM_REBOOTING:
		return SP_VM_RUNNING;
	case SP_VM_SUSPENDING:
		return SP_VM_SUSPENDED;
	case SP_VM_TERMINATING:
		return SP_VM_TERMINATED;
	default:
		return st;
	}
}

sp_vm_status mock_vm_state(json_t *vm, int64_t now)
{
	int st = state_parse(json_string_value(json_object_get(vm, "state")));

	if (st < 0)
		return SP_VM_FAILED;
	return now >= mock_doc_ms(vm, "until_ms") ? state_end((sp_vm_status)st) : (sp_vm_status)st;
}

static bool state_gone(sp_vm_status st)
{
	return st == SP_VM_TERMINATING || st == SP_VM_TERMINATED;
}

/* A locally administered MAC made from the ID: stable across reads. */
static void vm_mac(const char *id, char mac[static 18])
{
	uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	snprintf(mac, 18, "02:%02x:%02x:%02x:%02x:%02x", (unsigned)(h >> 32) & 0xff, (unsigned)(h >> 24) & 0xff, (unsigned)(h >> 16) & 0xff, (unsigned)(h >> 8) & 0xff, (unsigned)h & 0xff);
}

/* The data disks that are attached to the VM now. */
static json_t *vm_disks(struct mock_cloud *c, json_t *vm, const char *id,
			int64_t now)
{
	json_t *out = json_array(), *d;
	size_t i;

	json_array_foreach(json_object_get(vm, "data_disks"), i, d) {
		json_t *disk = mock_find(c, MOCK_DISK, json_string_value(d));

		if (disk && !strcmp(mock_disk_owner(c, disk, now), id) &&
		    json_array_append_new(out, mock_iid(json_string_value(d))) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Values of our own documents and constants: valid UTF-8 already, so
 * the VM info - the one asked for most, by every list - is built without
 * jansson's checks and format parsing (json_pack took half its cost). */
static int set_str(json_t *o, const char *key, const char *v)
{
	return json_object_set_new_nocheck(o, key, json_string_nocheck(v));
}

static json_t *iid_nocheck(const char *name, const char *id)
{
	json_t *o = json_object();

	if (o && (set_str(o, "NameId", name) < 0 || set_str(o, "SystemId", id) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *str_array(const char *v)
{
	json_t *a = json_array();

	if (a && json_array_append_new(a, json_string_nocheck(v)) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *mock_vm_info(struct mock_cloud *c, json_t *doc)
{
	const char *id, *region, *zone, *state, *image_type, *image, *spec;
	const char *vpc, *subnet, *keypair, *root_type, *root_size, *user;
	const char *password, *platform;
	json_int_t created;
	json_t *sgs, *tags;
	char start[32], mac[18], dns[MOCK_ID_MAX + 32];
	_cleanup_json_ json_t *info = json_object();
	json_t *at, *nic;
	int rc = 0;

	if (json_unpack(doc, "{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			"id", &id, "region", &region, "zone", &zone,
			"state", &state, "created_ms", &created,
			"image_type", &image_type, "image", &image,
			"spec", &spec, "vpc", &vpc, "subnet", &subnet,
			"sgs", &sgs, "keypair", &keypair,
			"root_disk_type", &root_type,
			"root_disk_size", &root_size, "user", &user,
			"password", &password, "platform", &platform,
			"tags", &tags) < 0 ||
	    state_parse(state) < 0 || !json_is_array(tags) || !info)
		return NULL;
	mock_time_format(created, start);
	vm_mac(id, mac);
	snprintf(dns, sizeof(dns), "%s.spider.barista.com", id);
	/* Keys in the order of the reference's VMInfo. */
	rc |= json_object_set_new_nocheck(info, "IId", iid_nocheck(id, id));
	rc |= set_str(info, "StartTime", start);
	rc |= json_object_set_new_nocheck(info, "Region", at = json_object());
	rc |= at ? set_str(at, "Region", region) | set_str(at, "Zone", zone) : -1;
	rc |= set_str(info, "ImageType", image_type);
	rc |= json_object_set_new_nocheck(info, "ImageIId", iid_nocheck(image, image));
	rc |= set_str(info, "VMSpecName", spec);
	rc |= json_object_set_new_nocheck(info, "VpcIID", iid_nocheck(vpc, vpc));
	rc |= json_object_set_new_nocheck(info, "SubnetIID", iid_nocheck(subnet, subnet));
	rc |= json_object_set_new_nocheck(info, "SecurityGroupIIds", mock_iid_list(sgs));
	rc |= json_object_set_new_nocheck(info, "KeyPairIId", iid_nocheck(keypair, keypair));
	rc |= set_str(info, "RootDiskType", root_type);
	rc |= set_str(info, "RootDiskSize", root_size);
	rc |= set_str(info, "RootDeviceName", VM_ROOT_DEVICE);
	rc |= json_object_set_new_nocheck(info, "DataDiskIIDs", vm_disks(c, doc, id, mock_now_ms()));
	rc |= set_str(info, "VMBootDisk", VM_ROOT_DEVICE);
	rc |= set_str(info, "VMBlockDisk", VM_ROOT_DEVICE);
	rc |= set_str(info, "VMUserId", user);
	rc |= set_str(info, "VMUserPasswd", password);
	rc |= json_object_set_new_nocheck(info, "NICs", json_array());
	rc |= json_array_append_new(json_object_get(info, "NICs"), nic = json_object());
	if (rc == 0) {
		rc |= json_object_set_new_nocheck(nic, "IId", iid_nocheck(VM_NIC, VM_NIC));
		rc |= json_object_set_new_nocheck(nic, "DeviceIndex", json_integer(0));
		rc |= json_object_set_new_nocheck(nic, "PrivateIPs", str_array(VM_PRIVATE_IP));
		rc |= json_object_set_new_nocheck(nic, "PublicIPs", str_array(VM_PUBLIC_IP));
		rc |= set_str(nic, "MACAddress", mac);
		rc |= json_object_set_new_nocheck(nic, "SubnetIID", iid_nocheck(subnet, subnet));
	}
	rc |= set_str(info, "NetworkInterface", VM_NIC);
	rc |= set_str(info, "PublicIP", VM_PUBLIC_IP);
	rc |= json_object_set_new_nocheck(info, "PublicIPs", str_array(VM_PUBLIC_IP));
	rc |= set_str(info, "PublicDNS", dns);
	rc |= set_str(info, "PrivateIP", VM_PRIVATE_IP);
	rc |= json_object_set_new_nocheck(info, "PrivateIPs", str_array(VM_PRIVATE_IP));
	rc |= set_str(info, "PrivateDNS", dns);
	rc |= set_str(info, "Platform", platform);
	rc |= set_str(info, "SSHAccessPoint", VM_PUBLIC_IP ":22");
	rc |= set_str(info, "AccessPoint", VM_PUBLIC_IP ":22");
	rc |= json_object_set_new_nocheck(info, "TagList", json_deep_copy(tags));
	rc |= json_object_set_new_nocheck(info, "KeyValueList", json_array());
	return rc == 0 ? TAKE_PTR(info) : NULL;
}

int mock_vm_info_set_access(json_t *info, const char *host,
			    const char *access_point)
{
	json_t *nic = json_array_get(json_object_get(info, "NICs"), 0);

	if (json_object_set_new(info, "PublicIP", json_string(host)) < 0 ||
	    json_object_set_new(info, "PublicIPs", json_pack("[s]", host)) < 0 ||
	    json_object_set_new(info, "SSHAccessPoint", json_string(access_point)) < 0 ||
	    json_object_set_new(info, "AccessPoint", json_string(access_point)) < 0 ||
	    (nic && json_object_set_new(nic, "PublicIPs", json_pack("[s]", host)) < 0))
		return -1;
	return 0;
}

/* ---- create --------------------------------------------------------- */

/* What cloud-init does with the VM's key pair: its public key becomes one
 * line of the connection's MockAuthorizedKeysFile.  O_APPEND and a single
 * write keep the lines of concurrent creates whole. */
static int vm_authorize_key(sp_session *s, json_t *key, sp_error *err)
{
	_cleanup_free_ char *line = NULL;
	const char *pub = mock_doc_str(key, "public_key");
	ssize_t n;
	int fd, len;

	if (!s->authorized_keys_file)
		return 0;
	if ((len = asprintf(&line, "%s\n", pub)) < 0) {
		line = NULL;
		return mock_oom(err);
	}
	if ((fd = open(s->authorized_keys_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return sp_error_set(err, SP_ERR_CLOUD, "mock: cannot open MockAuthorizedKeysFile '%s': %s", s->authorized_keys_file, strerror(errno));
	while ((n = write(fd, line, (size_t)len)) < 0 && errno == EINTR)
		;
	if (n != len) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		return sp_error_set(err, SP_ERR_CLOUD, "mock: cannot append key pair '%s' to MockAuthorizedKeysFile '%s': %s", mock_doc_str(key, "id"), s->authorized_keys_file, strerror(e));
	}
	if (close(fd) < 0)
		return sp_error_set(err, SP_ERR_CLOUD, "mock: cannot write MockAuthorizedKeysFile '%s': %s", s->authorized_keys_file, strerror(errno));
	return 0;
}

/* What a create request says, checked for form but not yet against the
 * cloud. */
struct vm_req {
	const char *id, *image_type, *image, *spec, *vpc, *subnet, *keypair;
	const char *root_type, *root_size, *user, *password;
	json_t *sgs, *disks, *tags;
	char root_size_buf[24];
};

static void vm_req_clear(struct vm_req *r)
{
	json_decref(r->sgs);
	json_decref(r->disks);
	json_decref(r->tags);
}

/* The IDs of a list of IIDs, each given once. */
static int req_iids(json_t *req, const char *key, json_t **ret_ids,
		    sp_error *err)
{
	_cleanup_json_ json_t *ids = json_array();
	json_t *list = json_object_get(req, key), *v;
	size_t i;

	if (!ids)
		return mock_oom(err);
	if (list && !json_is_null(list) && !json_is_array(list))
		return sp_error_set(err, SP_ERR_INVALID, "mock: %s must be a list of IIDs", key);
	json_array_foreach(list, i, v) {
		const char *id;
		char what[64];

		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		if (mock_iid_parse(v, what, &id, err) < 0)
			return -1;
		if (!*id)
			return sp_error_set(err, SP_ERR_INVALID, "mock: %s is empty", what);
		if (mock_refers(ids, id))
			return sp_error_set(err, SP_ERR_INVALID, "mock: %s names '%s' twice", key, id);
		if (json_array_append_new(ids, json_string(id)) < 0)
			return mock_oom(err);
	}
	*ret_ids = TAKE_PTR(ids);
	return 0;
}

static int vm_req_parse(json_t *req, struct vm_req *r, sp_error *err)
{
	long size;

	if (mock_req_name(req, "", &r->id, err) < 0 ||
	    mock_req_str(req, "ImageType", &r->image_type, err) < 0 ||
	    mock_req_iid(req, "ImageIID", &r->image, err) < 0 ||
	    mock_req_str(req, "VMSpecName", &r->spec, err) < 0 ||
	    mock_req_iid(req, "VpcIID", &r->vpc, err) < 0 ||
	    mock_req_iid(req, "SubnetIID", &r->subnet, err) < 0 ||
	    mock_req_iid(req, "KeyPairIID", &r->keypair, err) < 0 ||
	    mock_req_str(req, "RootDiskType", &r->root_type, err) < 0 ||
	    mock_req_str(req, "RootDiskSize", &r->root_size, err) < 0 ||
	    mock_req_str(req, "VMUserId", &r->user, err) < 0 ||
	    mock_req_str(req, "VMUserPasswd", &r->password, err) < 0 ||
	    req_iids(req, "SecurityGroupIIDs", &r->sgs, err) < 0 ||
	    req_iids(req, "DataDiskIIDs", &r->disks, err) < 0 ||
	    mock_req_tags(req, "", &r->tags, err) < 0)
		return -1;
	if (!*r->image_type || !strcasecmp(r->image_type, "PublicImage"))
		r->image_type = "PublicImage";
	else if (!strcasecmp(r->image_type, "MyImage"))
		r->image_type = "MyImage";
	else
		return sp_error_set(err, SP_ERR_INVALID, "mock: ImageType '%s' is invalid: want PublicImage or MyImage", r->image_type);
	if (mock_required(r->image, "ImageIID", err) < 0 ||
	    mock_required(r->spec, "VMSpecName", err) < 0 ||
	    mock_required(r->vpc, "VpcIID", err) < 0 ||
	    mock_required(r->subnet, "SubnetIID", err) < 0)
		return -1;
	if (!*r->root_type || !strcasecmp(r->root_type, "default"))
		r->root_type = "SSD";
	if (!*r->root_size || !strcasecmp(r->root_size, "default")) {
		r->root_size = "32";
	} else {
		if ((size = mock_parse_size(r->root_size, ROOT_DISK_MAX_GB)) < 0)
			return sp_error_set(err, SP_ERR_INVALID, "mock: RootDiskSize '%s' is invalid: want an integer from 1 to %d", r->root_size, ROOT_DISK_MAX_GB);
		snprintf(r->root_size_buf, sizeof(r->root_size_buf), "%ld", size);
		r->root_size = r->root_size_buf;
	}
	return 0;
}

/* The image's platform, "LINUX/UNIX" or "WINDOWS". */
static int vm_image(sp_session *s, const struct vm_req *r,
		    const char **ret_platform, sp_error *err)
{
	json_t *img;

	if (!strcmp(r->image_type, "MyImage")) {
		if (mock_need(s, MOCK_MYIMAGE, r->image, &img, err) < 0)
			return -1;
		*ret_platform = mock_doc_str(img, "platform");
		return 0;
	}
	if (!(img = mock_docs_find(s->cloud->images, "image_id", r->image)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: image '%s' does not exist", r->image);
	*ret_platform = !strcmp(mock_doc_str(img, "os_family"), "windows") ? "WINDOWS" : "LINUX/UNIX";
	return 0;
}

/* The subnet must be in the VPC; answers the subnet's zone. */
static int vm_network(sp_session *s, const struct vm_req *r,
		      const char **ret_zone, sp_error *err)
{
	json_t *vpc, *owner_vpc, *sub, *sg, *id;
	const char *owner = json_string_value(json_object_get(s->cloud->subnets, r->subnet));
	size_t i;

	if (mock_need(s, MOCK_VPC, r->vpc, &vpc, err) < 0)
		return -1;
	if (!owner || mock_need(s, MOCK_VPC, owner, &owner_vpc, err) < 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: subnet '%s' does not exist", r->subnet);
	if (strcmp(owner, r->vpc))
		return sp_error_set(err, SP_ERR_INVALID, "mock: SubnetIID: subnet '%s' is not in vpc '%s'", r->subnet, r->vpc);
	sub = mock_docs_find(json_object_get(vpc, "subnets"), "id", r->subnet);
	json_array_foreach(r->sgs, i, id) {
		if (mock_need(s, MOCK_SG, json_string_value(id), &sg, err) < 0)
			return -1;
		if (strcmp(mock_doc_str(sg, "vpc"), r->vpc))
			return sp_error_set(err, SP_ERR_INVALID, "mock: SecurityGroupIIDs: security group '%s' is not in vpc '%s'", json_string_value(id), r->vpc);
	}
	*ret_zone = mock_doc_str(sub, "zone");
	return 0;
}

/* Forget the VMs that ended MOCK_VM_PURGE_MS ago, and the Terminated VM
 * reuse (may be NULL) whose ID a new VM takes; the disks they still mark
 * as theirs are let go, so that the ID's next VM does not inherit them. */
static int vm_purge(struct mock_cloud *c, struct mock_batch *b,
		    const char *reuse, int64_t now, sp_error *err)
{
	const char *id, *disk_id;
	json_t *vm, *disk;

	json_object_foreach(c->objs[MOCK_VM], id, vm) {
		if (mock_vm_state(vm, now) != SP_VM_TERMINATED ||
		    ((!reuse || strcmp(id, reuse)) && now - mock_doc_ms(vm, "until_ms") < MOCK_VM_PURGE_MS))
			continue;
		if (mock_batch_del(b, MOCK_VM, id, err) < 0)
			return -1;
		json_object_foreach(c->objs[MOCK_DISK], disk_id, disk)
			if (!strcmp(mock_doc_str(disk, "owner_vm"), id) &&
			    mock_disk_set_owner(b, disk, "", err) < 0)
				return -1;
	}
	return 0;
}

/* Every data disk must be Available; it becomes the VM's. */
static int vm_take_disks(sp_session *s, struct mock_batch *b,
			 const struct vm_req *r, int64_t now, sp_error *err)
{
	json_t *id, *disk;
	size_t i;

	json_array_foreach(r->disks, i, id) {
		const char *owner;

		if (mock_need(s, MOCK_DISK, json_string_value(id), &disk, err) < 0)
			return -1;
		if (*(owner = mock_disk_owner(s->cloud, disk, now)))
			return sp_error_set(err, SP_ERR_CONFLICT, "mock: DataDiskIIDs: disk '%s' is attached to vm '%s'", json_string_value(id), owner);
		if (mock_disk_set_owner(b, disk, r->id, err) < 0)
			return -1;
	}
	return 0;
}

static int vm_create(sp_session *s, json_t *req, json_t **ret_info,
		     sp_error *err)
{
	_cleanup_(vm_req_clear) struct vm_req r = { 0 };
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	const char *platform = NULL, *zone = NULL;
	json_t *old, *key = NULL, *doc;
	int64_t now;

	if (mock_enter(s, MOCK_OP_START_VM, err) < 0 ||
	    vm_req_parse(req, &r, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	now = mock_now_ms();
	if ((old = mock_find(c, MOCK_VM, r.id)) &&
	    mock_vm_state(old, now) != SP_VM_TERMINATED)
		return mock_check_free(c, MOCK_VM, r.id, err);
	if (vm_image(s, &r, &platform, err) < 0)
		return -1;
	if (!mock_docs_find(c->specs, "instance_type", r.spec))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: vmspec '%s' does not exist", r.spec);
	if (vm_network(s, &r, &zone, err) < 0 ||
	    (*r.keypair && mock_need(s, MOCK_KEYPAIR, r.keypair, &key, err) < 0) ||
	    vm_purge(c, &b, r.id, now, err) < 0 ||
	    vm_take_disks(s, &b, &r, now, err) < 0)
		return -1;
	doc = mock_doc_new(s, r.id, TAKE_PTR(r.tags), json_pack(
			"{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:O,"
			" s:s, s:s, s:s, s:O, s:s, s:s, s:s}",
			"zone", zone, "state", state_names[SP_VM_CREATING],
			"since_ms", (json_int_t)now,
			"until_ms", (json_int_t)(now + s->delay_ms[MOCK_DELAY_CREATE]),
			"image_type", r.image_type, "image", r.image,
			"spec", r.spec, "vpc", r.vpc, "subnet", r.subnet,
			"sgs", r.sgs, "keypair", r.keypair,
			"root_disk_type", r.root_type,
			"root_disk_size", r.root_size,
			"data_disks", r.disks,
			"user", *r.user ? r.user : !strcmp(platform, "WINDOWS") ? "Administrator" : "cb-user",
			"password", r.password, "platform", platform));
	if (mock_batch_put(&b, MOCK_VM, doc, err) < 0 ||
	    (*r.keypair && vm_authorize_key(s, key, err) < 0))
		return -1;
	return mock_commit_info(s, &b, MOCK_VM, r.id, ret_info, err);
}

MOCK_DEFINE_READERS(vm, MOCK_VM, MOCK_OP_LIST_VM, MOCK_OP_GET_VM)

/* ---- state changes -------------------------------------------------- */

struct vm_action {
	enum mock_op op;
	int from; /* the state it needs; -1: any but Terminating, Terminated */
	sp_vm_status via;
	enum mock_delay delay;
	const char *verb;
};

static const struct vm_action actions[] = {
	[SP_VM_SUSPEND] = { MOCK_OP_SUSPEND_VM, SP_VM_RUNNING, SP_VM_SUSPENDING, MOCK_DELAY_SUSPEND, "suspend" },
	[SP_VM_RESUME] = { MOCK_OP_RESUME_VM, SP_VM_SUSPENDED, SP_VM_RESUMING, MOCK_DELAY_RESUME, "resume" },
	[SP_VM_REBOOT] = { MOCK_OP_REBOOT_VM, SP_VM_RUNNING, SP_VM_REBOOTING, MOCK_DELAY_REBOOT, "reboot" },
};

static const struct vm_action terminate = { MOCK_OP_TERMINATE_VM, -1, SP_VM_TERMINATING, MOCK_DELAY_TERMINATE, "terminate" };

static int vm_act(sp_session *s, const sp_iid *iid, const struct vm_action *a,
		  sp_vm_status *ret_status, sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	json_t *old, *doc;
	sp_vm_status st;
	int64_t now;

	if (mock_enter(s, a->op, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	now = mock_now_ms();
	if (mock_need_iid(s, MOCK_VM, iid, &old, err) < 0)
		return -1;
	st = mock_vm_state(old, now);
	if (a->from < 0 ? state_gone(st) : st != (sp_vm_status)a->from)
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: vm '%s' is %s; cannot %s it", mock_doc_str(old, "id"), state_names[st], a->verb);
	doc = json_deep_copy(old);
	if (!doc || json_object_update_new(doc, json_pack("{s:s, s:I, s:I}", "state", state_names[a->via], "since_ms", (json_int_t)now, "until_ms", (json_int_t)(now + s->delay_ms[a->delay]))) < 0) {
		json_decref(doc);
		return mock_oom(err);
	}
	if (mock_batch_put(&b, MOCK_VM, doc, err) < 0 ||
	    vm_purge(c, &b, NULL, now, err) < 0 ||
	    mock_commit(c, &b, err) < 0)
		return -1;
	if (ret_status)
		*ret_status = a->via;
	return 0;
}

static int vm_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	return vm_act(s, iid, &terminate, NULL, err);
}

static int vm_control(sp_session *s, const sp_iid *vm, sp_vm_action action,
		      sp_vm_status *ret_status, sp_error *err)
{
	if ((unsigned)action >= ELEMENTSOF(actions))
		return sp_error_set(err, SP_ERR_INVALID, "mock: VM action %d is unknown", (int)action);
	return vm_act(s, vm, &actions[action], ret_status, err);
}

/* The hot path of status polling: one lookup under the read lock, no
 * allocation. */
static int vm_get_status(sp_session *s, const sp_iid *iid,
			 sp_vm_status *ret_status, sp_error *err)
{
	_cleanup_read_unlock_ struct mock_cloud *c = NULL;
	json_t *vm;

	if (mock_enter(s, MOCK_OP_GET_VM_STATUS, err) < 0)
		return -1;
	c = mock_read_lock(s->cloud);
	if (mock_need_iid(s, MOCK_VM, iid, &vm, err) < 0)
		return -1;
	*ret_status = mock_vm_state(vm, mock_now_ms());
	return 0;
}

/* The states of many VMs in one call (and one injected latency). */
static int vm_get_statuses(sp_session *s, const sp_iid *vms, size_t n,
			   sp_vm_status *ret_statuses, sp_error *err)
{
	_cleanup_read_unlock_ struct mock_cloud *c = NULL;
	int64_t now = mock_now_ms();

	if (n > SP_VM_STATUS_BATCH_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "mock: %zu VMs asked about at once; at most %d", n, SP_VM_STATUS_BATCH_MAX);
	if (s->fault.no_batch)
		return sp_error_set(err, SP_ERR_UNSUPPORTED, "mock: this cloud reads VM states one at a time (MockStatusBatch=off)");
	if (mock_enter(s, MOCK_OP_GET_VM_STATUSES, err) < 0)
		return -1;
	c = mock_read_lock(s->cloud);
	for (size_t i = 0; i < n; i++) {
		const char *id = mock_iid_id(&vms[i]);
		json_t *vm = id ? mock_find(c, MOCK_VM, id) : NULL;

		ret_statuses[i] = vm && !strcmp(mock_doc_str(vm, "region"), s->region) ?
					  mock_vm_state(vm, now) : SP_VM_NOT_EXIST;
	}
	return 0;
}

const sp_resource_ops mock_vm_ops = {
	.size = sizeof(sp_resource_ops),
	.create = vm_create,
	.list = vm_list,
	.get = vm_get,
	.remove = vm_remove,
};

const sp_vm_ops mock_vmctl_ops = {
	.size = sizeof(sp_vm_ops),
	.control = vm_control,
	.get_status = vm_get_status,
	.get_statuses = vm_get_statuses,
};
