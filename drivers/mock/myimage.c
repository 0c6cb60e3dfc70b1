/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/myimage.c - VM snapshots ("my images"), which VMs can boot
 * from with ImageType MyImage.
 *
 * Doc: {"source_vm", "platform" (the source VM's), "status"} besides the
 * common fields.
 */
#include "mock.h"

#include "util/macros.h"
#include "util/banned.h"

json_t *mock_myimage_info(struct mock_cloud *c, json_t *doc)
{
	const char *vm, *platform, *status;
	json_int_t created;
	char time[32];

	if (json_unpack(doc, "{s:s, s:s, s:s, s:I}", "source_vm", &vm, "platform", &platform, "status", &status, "created_ms", &created) < 0)
		return NULL;
	mock_time_format(created, time);
	return mock_info_make(doc, json_pack("{s:o, s:s, s:s}", "SourceVM", mock_iid(vm), "Status", status, "CreatedTime", time));
}

static int myimage_create(sp_session *s, json_t *req, json_t **ret_info,
			  sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	json_t *tags = NULL, *vm, *doc;
	const char *id, *vm_id;
	sp_vm_status st;

	if (mock_enter(s, MOCK_OP_SNAPSHOT_VM, err) < 0 ||
	    mock_req_name(req, "", &id, err) < 0 ||
	    mock_req_iid(req, "SourceVM", &vm_id, err) < 0)
		return -1;
	if (mock_required(vm_id, "SourceVM", err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (mock_check_free(c, MOCK_MYIMAGE, id, err) < 0 ||
	    mock_need(s, MOCK_VM, vm_id, &vm, err) < 0)
		return -1;
	st = mock_vm_state(vm, mock_now_ms());
	if (st == SP_VM_TERMINATING || st == SP_VM_TERMINATED)
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: vm '%s' is %s; cannot snapshot it", vm_id, mock_vm_state_name(st));
	if (mock_req_tags(req, "", &tags, err) < 0)
		return -1;
	doc = mock_doc_new(s, id, tags, json_pack("{s:s, s:s, s:s}", "source_vm", vm_id, "platform", mock_doc_str(vm, "platform"), "status", "Available"));
	if (mock_batch_put(&b, MOCK_MYIMAGE, doc, err) < 0)
		return -1;
	return mock_commit_info(s, &b, MOCK_MYIMAGE, id, ret_info, err);
}

MOCK_DEFINE_READERS(myimage, MOCK_MYIMAGE, MOCK_OP_LIST_MYIMAGE, MOCK_OP_GET_MYIMAGE)

/* Like most clouds, the mock lets an image go while VMs run from it. */
static int myimage_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	return mock_remove(s, MOCK_OP_DELETE_MYIMAGE, MOCK_MYIMAGE, iid, NULL, err);
}

const sp_resource_ops mock_myimage_ops = {
	.size = sizeof(sp_resource_ops),
	.create = myimage_create,
	.list = myimage_list,
	.get = myimage_get,
	.remove = myimage_remove,
};
