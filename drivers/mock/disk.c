/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/disk.c - data disks: create, resize, attach and detach.
 *
 * Doc: {"zone", "type", "size" (GB, a decimal string), "owner_vm" ("" for
 * none)} besides the common fields.  A disk is Attached while owner_vm
 * names a VM that is not Terminated; so a VM's termination frees its
 * disks without a write.
 */
#include "mock.h"

#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

#define DISK_MAX_GB 16384
#define DISK_DEFAULT_GB "100"

const char *mock_disk_owner(struct mock_cloud *c, json_t *disk, int64_t now)
{
	const char *vm_id = mock_doc_str(disk, "owner_vm");
	json_t *vm;

	if (!*vm_id || !(vm = mock_find(c, MOCK_VM, vm_id)) ||
	    mock_vm_state(vm, now) == SP_VM_TERMINATED)
		return "";
	return vm_id;
}

int mock_disk_set_owner(struct mock_batch *b, json_t *disk, const char *vm,
			sp_error *err)
{
	json_t *copy = json_deep_copy(disk);

	if (!copy || json_object_set_new(copy, "owner_vm", json_string(vm)) < 0) {
		json_decref(copy);
		return mock_oom(err);
	}
	return mock_batch_put(b, MOCK_DISK, copy, err);
}

json_t *mock_disk_info(struct mock_cloud *c, json_t *doc)
{
	const char *zone, *type, *size, *owner;
	json_int_t created;
	char time[32];

	if (json_unpack(doc, "{s:s, s:s, s:s, s:s, s:I}", "zone", &zone, "type", &type, "size", &size, "owner_vm", &owner, "created_ms", &created) < 0)
		return NULL;
	owner = mock_disk_owner(c, doc, mock_now_ms());
	mock_time_format(created, time);
	return mock_info_make(doc, json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}",
					     "Zone", zone, "DiskType", type, "DiskSize", size,
					     "Status", *owner ? "Attached" : "Available",
					     "OwnerVM", "NameId", owner, "SystemId", owner,
					     "CreatedTime", time));
}

/* A size in GB from 1 to DISK_MAX_GB, in its plain form. */
static int size_parse(const char *what, const char *v, long *ret,
		      sp_error *err)
{
	long n = mock_parse_size(v, DISK_MAX_GB);

	if (n < 0)
		return sp_error_set(err, SP_ERR_INVALID, "mock: %s '%s' is invalid: want an integer from 1 to %d", what, mock_str(v), DISK_MAX_GB);
	*ret = n;
	return 0;
}

static int disk_create(sp_session *s, json_t *req, json_t **ret_info,
		       sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	const char *id, *zone, *type, *size;
	json_t *tags = NULL, *doc;
	long gb = 0;

	if (mock_enter(s, MOCK_OP_CREATE_DISK, err) < 0 ||
	    mock_req_name(req, "", &id, err) < 0 ||
	    mock_req_zone(s, req, "", &zone, err) < 0 ||
	    mock_req_str(req, "DiskType", &type, err) < 0 ||
	    mock_req_str(req, "DiskSize", &size, err) < 0)
		return -1;
	if (!*type || !strcasecmp(type, "default"))
		type = "SSD";
	if (!*size || !strcasecmp(size, "default"))
		size = DISK_DEFAULT_GB;
	if (size_parse("DiskSize", size, &gb, err) < 0 ||
	    mock_req_tags(req, "", &tags, err) < 0)
		return -1;
	doc = mock_doc_new(s, id, tags, json_pack("{s:s, s:s, s:o, s:s}", "zone", zone, "type", type, "size", json_sprintf("%ld", gb), "owner_vm", ""));
	if (mock_create_lock(s, &b, MOCK_DISK, doc, &c, err) < 0)
		return -1;
	return mock_commit_info(s, &b, MOCK_DISK, id, ret_info, err);
}

MOCK_DEFINE_READERS(disk, MOCK_DISK, MOCK_OP_LIST_DISK, MOCK_OP_GET_DISK)

static int disk_check_remove(sp_session *s, json_t *disk, sp_error *err)
{
	const char *owner = mock_disk_owner(s->cloud, disk, mock_now_ms());

	if (*owner)
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: disk '%s' is attached to vm '%s'; detach it first", mock_doc_str(disk, "id"), owner);
	return 0;
}

static int disk_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	return mock_remove(s, MOCK_OP_DELETE_DISK, MOCK_DISK, iid, disk_check_remove, err);
}

static int disk_resize(sp_session *s, const sp_iid *disk, const char *size_gb,
		       sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	json_t *old, *doc;
	long want = 0, have;

	if (mock_enter(s, MOCK_OP_CHANGE_DISK_SIZE, err) < 0 ||
	    size_parse("size", size_gb, &want, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (mock_need_iid(s, MOCK_DISK, disk, &old, err) < 0)
		return -1;
	have = mock_parse_size(mock_doc_str(old, "size"), DISK_MAX_GB);
	if (want <= have)
		return sp_error_set(err, SP_ERR_INVALID, "mock: disk '%s': size %ld must be larger than the current size %ld", mock_doc_str(old, "id"), want, have);
	doc = json_deep_copy(old);
	if (!doc || json_object_set_new(doc, "size", json_sprintf("%ld", want)) < 0) {
		json_decref(doc);
		return mock_oom(err);
	}
	if (mock_batch_put(&b, MOCK_DISK, doc, err) < 0)
		return -1;
	return mock_commit(c, &b, err);
}

/* Queue the VM doc with disk added to, or removed from, its data_disks. */
static int vm_set_disk(struct mock_batch *b, json_t *vm, const char *disk,
		       bool add, sp_error *err)
{
	json_t *doc = json_deep_copy(vm);
	json_t *list = json_object_get(doc, "data_disks"), *v;
	size_t i;

	if (!json_is_array(list)) {
		json_decref(doc);
		return mock_oom(err);
	}
	json_array_foreach(list, i, v)
		if (!strcmp(mock_str(json_string_value(v)), disk))
			break;
	if ((add && i == json_array_size(list) && json_array_append_new(list, json_string(disk)) < 0) ||
	    (!add && i < json_array_size(list) && json_array_remove(list, i) < 0)) {
		json_decref(doc);
		return mock_oom(err);
	}
	return mock_batch_put(b, MOCK_VM, doc, err);
}

static int disk_attach(sp_session *s, const sp_iid *disk, const sp_iid *vm,
		       json_t **ret_disk_info, sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	json_t *ddoc, *vdoc;
	const char *disk_id, *vm_id, *owner;
	sp_vm_status st;
	int64_t now;

	if (mock_enter(s, MOCK_OP_ATTACH_DISK, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	now = mock_now_ms();
	if (mock_need_iid(s, MOCK_DISK, disk, &ddoc, err) < 0 ||
	    mock_need_iid(s, MOCK_VM, vm, &vdoc, err) < 0)
		return -1;
	disk_id = mock_doc_str(ddoc, "id");
	vm_id = mock_doc_str(vdoc, "id");
	st = mock_vm_state(vdoc, now);
	if (st == SP_VM_TERMINATING || st == SP_VM_TERMINATED)
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: vm '%s' is %s; cannot attach disk '%s' to it", vm_id, mock_vm_state_name(st), disk_id);
	if (*(owner = mock_disk_owner(c, ddoc, now)))
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: disk '%s' is attached to vm '%s'", disk_id, owner);
	if (mock_disk_set_owner(&b, ddoc, vm_id, err) < 0 ||
	    vm_set_disk(&b, vdoc, disk_id, true, err) < 0)
		return -1;
	return mock_commit_info(s, &b, MOCK_DISK, disk_id, ret_disk_info, err);
}

static int disk_detach(sp_session *s, const sp_iid *disk, const sp_iid *vm,
		       sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	json_t *ddoc, *vdoc;
	const char *disk_id, *vm_id;

	if (mock_enter(s, MOCK_OP_DETACH_DISK, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (mock_need_iid(s, MOCK_DISK, disk, &ddoc, err) < 0 ||
	    mock_need_iid(s, MOCK_VM, vm, &vdoc, err) < 0)
		return -1;
	disk_id = mock_doc_str(ddoc, "id");
	vm_id = mock_doc_str(vdoc, "id");
	if (strcmp(mock_disk_owner(c, ddoc, mock_now_ms()), vm_id))
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: disk '%s' is not attached to vm '%s'", disk_id, vm_id);
	if (mock_disk_set_owner(&b, ddoc, "", err) < 0 ||
	    vm_set_disk(&b, vdoc, disk_id, false, err) < 0)
		return -1;
	return mock_commit(c, &b, err);
}

const sp_resource_ops mock_disk_ops = {
	.size = sizeof(sp_resource_ops),
	.create = disk_create,
	.list = disk_list,
	.get = disk_get,
	.remove = disk_remove,
};

const sp_disk_ops mock_diskctl_ops = {
	.size = sizeof(sp_disk_ops),
	.resize = disk_resize,
	.attach = disk_attach,
	.detach = disk_detach,
};
