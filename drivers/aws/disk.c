/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/disk.c - EBS volumes, my images (AMIs made from a VM) and
 * tags on every resource.
 *
 * The Name tag is the cloud name Spider gives an object (its spXID), so
 * tag calls leave it alone: it is not listed, and cannot be set or
 * removed.  A my image carries the instance it was made from in the tag
 * "spider:source-vm", which EC2 does not otherwise keep.
 */
#include "aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

#define SOURCE_TAG "spider:source-vm"
#define DEFAULT_DISK_TYPE "gp2"
#define DEFAULT_DISK_SIZE "100"

static int call0(sp_session *s, const char *action, aws_params *p, const char *rtype,
		 const char *rname, sp_error *err)
{
	_cleanup_xml_ xmlDoc *doc = NULL;

	return aws_call(s, NULL, action, p, rtype, rname, &doc, err);
}

static int zone_first(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	char **z = ctx;

	if (!*z && !strcmp(aws_xml_str(it, "zoneState"), "available") &&
	    !(*z = strdup(aws_xml_str(it, "zoneName"))))
		return aws_oom(err);
	return 0;
}

int aws_default_zone(sp_session *s, char **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	char *z = NULL;

	if (s->zone) {
		if (!(*ret = strdup(s->zone)))
			return aws_oom(err);
		return 0;
	}
	if (aws_call_pages(s, NULL, "DescribeAvailabilityZones", &p, 0, "availabilityZoneInfo",
			   "REGIONZONE", zone_first, &z, err) < 0)
		return -1;
	if (!z)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 shows no available zone in region '%s'", s->region);
	*ret = z;
	return 0;
}

/* ---- disks --------------------------------------------------------------- */

static const char *disk_status(const char *st)
{
	static const char *const map[][2] = {
		{ "creating", "Creating" }, { "available", "Available" }, { "in-use", "Attached" },
		{ "deleting", "Deleting" }, { "deleted", "Deleting" },
	};

	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (!strcmp(st, map[i][0]))
			return map[i][1];
	return "Error";
}

static int disk_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	const char *name, *id = aws_xml_str(it, "volumeId");
	const char *vm = aws_xml_str(aws_xml_items(it, "attachmentSet"), "instanceId");
	json_t *tags = aws_xml_tags(it, &name);

	if (aws_items_cap(ctx, "disks", err) < 0) {
		json_decref(tags);
		return -1;
	}
	return aws_json_append(ctx, json_pack("{s:o,s:s,s:s,s:s,s:s,s:o,s:s,s:o*,s:o}",
		"IId", aws_iid_json(name, id), "Zone", aws_xml_str(it, "availabilityZone"),
		"DiskType", aws_xml_str(it, "volumeType"), "DiskSize", aws_xml_str(it, "size"),
		"Status", disk_status(aws_xml_str(it, "status")),
		"OwnerVM", *vm ? aws_iid_json(vm, vm) : json_object(),
		"CreatedTime", aws_xml_str(it, "createTime"), "TagList", tags,
		"KeyValueList", aws_kvlist("Iops", aws_xml_str(it, "iops"),
					   "Encrypted", aws_xml_str(it, "encrypted"),
					   "Device", aws_xml_str(aws_xml_items(it, "attachmentSet"), "device"), NULL)), err);
}

static const aws_describe volumes = {
	"DescribeVolumes", "VolumeId.1", "volumeSet", "DISK", "volume", 500, disk_item,
};

static int disks_read(sp_session *s, const char *only, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();

	if (!list)
		return aws_oom(err);
	if (aws_describe_run(s, &volumes, &p, only, list, list, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

static int disk_read(sp_session *s, const char *id, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *list = NULL;

	if (disks_read(s, id, &list, err) < 0)
		return -1;
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

static int size_check(const char *what, const char *v, sp_error *err)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < 1 || n > 65536)
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is not a size from 1 to 65536 GB", what, v);
	return 0;
}

static int disk_create(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_free_ char *zone = NULL;
	const char *name, *z, *type, *size, *id;

	if (aws_req_iid(req, "IId", true, &name, err) < 0 ||
	    aws_req_str(req, "Zone", false, &z, err) < 0 ||
	    aws_req_str(req, "DiskType", false, &type, err) < 0 ||
	    aws_req_str(req, "DiskSize", false, &size, err) < 0)
		return -1;
	if (!*type || !strcasecmp(type, "default"))
		type = DEFAULT_DISK_TYPE;
	if (!*size || !strcasecmp(size, "default"))
		size = DEFAULT_DISK_SIZE;
	if (size_check("DiskSize", size, err) < 0)
		return -1;
	if (*z) {
		if (!(zone = strdup(z)))
			return aws_oom(err);
	} else if (aws_default_zone(s, &zone, err) < 0) {
		return -1;
	}
	aws_params_add(&p, zone, "AvailabilityZone");
	aws_params_add(&p, type, "VolumeType");
	aws_params_add(&p, size, "Size");
	aws_params_tagspec(&p, 1, "volume", name, json_object_get(req, "TagList"));
	if (aws_call(s, NULL, "CreateVolume", &p, "DISK", name, &doc, err) < 0)
		return -1;
	id = aws_xml_str(xmlDocGetRootElement(doc), "volumeId");
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 CreateVolume: the answer has no volumeId");
	if (disk_read(s, id, ret, err) < 0) {
		_cleanup_params_ aws_params d = { 0 };
		sp_error ignored;

		aws_params_add(&d, id, "VolumeId");
		call0(s, "DeleteVolume", &d, "DISK", name, &ignored);
		return -1;
	}
	return 0;
}

static int disk_list(sp_session *s, json_t **ret, sp_error *err)
{
	return disks_read(s, NULL, ret, err);
}

static int disk_get(sp_session *s, const sp_iid *iid, json_t **ret, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "disk", &id, err) < 0)
		return -1;
	return disk_read(s, id, ret, err);
}

static int disk_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	const char *id;

	if (aws_iid_id(iid, "disk", &id, err) < 0)
		return -1;
	aws_params_add(&p, id, "VolumeId");
	return call0(s, "DeleteVolume", &p, "DISK", id, err);
}

const sp_resource_ops aws_disk_ops = {
	.size = sizeof(sp_resource_ops),
	.create = disk_create,
	.list = disk_list,
	.get = disk_get,
	.remove = disk_remove,
};

static int disk_resize(sp_session *s, const sp_iid *iid, const char *size_gb, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *info = NULL;
	const char *id, *now;

	if (aws_iid_id(iid, "disk", &id, err) < 0 || size_check("Size", size_gb ? size_gb : "", err) < 0 ||
	    disk_read(s, id, &info, err) < 0)
		return -1;
	now = json_string_value(json_object_get(info, "DiskSize")) ?: "0";
	if (strtol(size_gb, NULL, 10) <= strtol(now, NULL, 10))
		return sp_error_set(err, SP_ERR_INVALID, "Size '%s' of disk '%s' must be larger than its %s GB now", size_gb, id, now);
	aws_params_add(&p, id, "VolumeId");
	aws_params_add(&p, size_gb, "Size");
	return call0(s, "ModifyVolume", &p, "DISK", id, err);
}

static int disk_attach(sp_session *s, const sp_iid *disk, const sp_iid *vm, json_t **ret,
		       sp_error *err)
{
	const char *did, *vid;

	if (aws_iid_id(disk, "disk", &did, err) < 0 || aws_iid_id(vm, "VM", &vid, err) < 0 ||
	    aws_volume_attach(s, did, vid, err) < 0)
		return -1;
	return disk_read(s, did, ret, err);
}

static int disk_detach(sp_session *s, const sp_iid *disk, const sp_iid *vm, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	const char *did, *vid;

	if (aws_iid_id(disk, "disk", &did, err) < 0 || aws_iid_id(vm, "VM", &vid, err) < 0)
		return -1;
	aws_params_add(&p, did, "VolumeId");
	aws_params_add(&p, vid, "InstanceId");
	return call0(s, "DetachVolume", &p, "DISK", did, err);
}

const sp_disk_ops aws_diskctl_ops = {
	.size = sizeof(sp_disk_ops),
	.resize = disk_resize,
	.attach = disk_attach,
	.detach = disk_detach,
};

/* ---- my images ------------------------------------------------------------------ */

static int myimage_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	const char *name, *id = aws_xml_str(it, "imageId"), *src = "";
	json_t *tags = aws_xml_tags(it, &name);

	for (xmlNode *t = aws_xml_items(it, "tagSet"); t; t = aws_xml_next(t))
		if (!strcmp(aws_xml_str(t, "key"), SOURCE_TAG))
			src = aws_xml_str(t, "value");
	if (!*src)
		src = aws_xml_str(it, "sourceInstanceId");
	if (aws_items_cap(ctx, "images", err) < 0) {
		json_decref(tags);
		return -1;
	}
	return aws_json_append(ctx, json_pack("{s:o,s:o,s:s,s:s,s:o*,s:o}",
		"IId", aws_iid_json(name ? name : aws_xml_str(it, "name"), id),
		"SourceVM", *src ? aws_iid_json(src, src) : json_object(),
		"Status", !strcmp(aws_xml_str(it, "imageState"), "available") ? "Available" : "Unavailable",
		"CreatedTime", aws_xml_str(it, "creationDate"), "TagList", tags,
		"KeyValueList", aws_kvlist("State", aws_xml_str(it, "imageState"),
					   "Architecture", aws_xml_str(it, "architecture"),
					   "RootDeviceName", aws_xml_str(it, "rootDeviceName"), NULL)), err);
}

static const aws_describe images = {
	"DescribeImages", "ImageId.1", "imagesSet", "MYIMAGE", "image", 500, myimage_item,
};

static int myimages_read(sp_session *s, const char *only, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();

	if (!list)
		return aws_oom(err);
	if (!only)
		aws_params_add(&p, "self", "Owner.1");
	if (aws_describe_run(s, &images, &p, only, list, list, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

static int myimage_read(sp_session *s, const char *id, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *list = NULL;

	if (myimages_read(s, id, &list, err) < 0)
		return -1;
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

static int myimage_create(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_json_ json_t *tags = NULL;
	const char *name, *vm, *id;

	if (aws_req_iid(req, "IId", true, &name, err) < 0 ||
	    aws_req_iid(req, "SourceVM", true, &vm, err) < 0)
		return -1;
	tags = json_deep_copy(json_object_get(req, "TagList"));
	if (!tags && !(tags = json_array()))
		return aws_oom(err);
	if (!json_is_array(tags))
		return sp_error_set(err, SP_ERR_INVALID, "'TagList' must be an array");
	if (json_array_append_new(tags, json_pack("{s:s,s:s}", "Key", SOURCE_TAG, "Value", vm)) < 0)
		return aws_oom(err);
	aws_params_add(&p, vm, "InstanceId");
	aws_params_add(&p, name, "Name");
	aws_params_add(&p, "true", "NoReboot");
	aws_params_tagspec(&p, 1, "image", name, tags);
	if (aws_call(s, NULL, "CreateImage", &p, "MYIMAGE", name, &doc, err) < 0)
		return -1;
	id = aws_xml_str(xmlDocGetRootElement(doc), "imageId");
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 CreateImage: the answer has no imageId");
	return myimage_read(s, id, ret, err);
}

static int myimage_list(sp_session *s, json_t **ret, sp_error *err)
{
	return myimages_read(s, NULL, ret, err);
}

static int myimage_get(sp_session *s, const sp_iid *iid, json_t **ret, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "my image", &id, err) < 0)
		return -1;
	return myimage_read(s, id, ret, err);
}

/* Deregister the image, then delete the snapshots behind it. */
static int myimage_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 }, d = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	const char *id;
	xmlNode *img;

	if (aws_iid_id(iid, "my image", &id, err) < 0)
		return -1;
	aws_params_add(&p, id, "ImageId.1");
	if (aws_call(s, NULL, "DescribeImages", &p, "MYIMAGE", id, &doc, err) < 0)
		return -1;
	if (!(img = aws_xml_items(xmlDocGetRootElement(doc), "imagesSet")))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no image '%s' in region '%s'", id, s->region);
	aws_params_add(&d, id, "ImageId");
	if (call0(s, "DeregisterImage", &d, "MYIMAGE", id, err) < 0)
		return -1;
	for (xmlNode *b = aws_xml_items(img, "blockDeviceMapping"); b; b = aws_xml_next(b)) {
		_cleanup_params_ aws_params sn = { 0 };
		const char *snap = aws_xml_str(b, "ebs/snapshotId");

		if (!*snap)
			continue;
		aws_params_add(&sn, snap, "SnapshotId");
		if (call0(s, "DeleteSnapshot", &sn, "MYIMAGE", id, err) < 0)
			return -1;
	}
	return 0;
}

const sp_resource_ops aws_myimage_ops = {
	.size = sizeof(sp_resource_ops),
	.create = myimage_create,
	.list = myimage_list,
	.get = myimage_get,
	.remove = myimage_remove,
};

/* ---- tags -------------------------------------------------------------------- */

/* The EC2 resource ID tags go on, after checking the object exists. */
static int tag_target(sp_session *s, const char *type, const sp_iid *iid, char **ret,
		      sp_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	const char *id, *kv_id = NULL;
	int rc;

	if (!type)
		type = "";
	if (aws_iid_id(iid, type, &id, err) < 0)
		return -1;
	if (!strcasecmp(type, "vpc"))
		rc = aws_vpc_ops.get(s, iid, &info, err);
	else if (!strcasecmp(type, "sg"))
		rc = aws_sg_ops.get(s, iid, &info, err);
	else if (!strcasecmp(type, "vm"))
		rc = aws_vm_ops.get(s, iid, &info, err);
	else if (!strcasecmp(type, "disk"))
		rc = aws_disk_ops.get(s, iid, &info, err);
	else if (!strcasecmp(type, "myimage"))
		rc = aws_myimage_ops.get(s, iid, &info, err);
	else if (!strcasecmp(type, "keypair"))
		rc = aws_keypair_ops.get(s, iid, &info, err);
	else if (!strcasecmp(type, "subnet")) {
		_cleanup_params_ aws_params p = { 0 };
		_cleanup_xml_ xmlDoc *doc = NULL;

		aws_params_add(&p, id, "SubnetId.1");
		rc = aws_call(s, NULL, "DescribeSubnets", &p, "TAG", id, &doc, err);
		if (rc == 0 && !aws_xml_items(xmlDocGetRootElement(doc), "subnetSet"))
			rc = sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no subnet '%s' in region '%s'", id, s->region);
	} else
		return sp_error_set(err, SP_ERR_INVALID, "tag resource type '%s' is not one of vpc, subnet, sg, keypair, vm, disk, myimage", type);
	if (rc < 0)
		return -1;
	/* Key pairs are tagged by their key-... ID, not their name. */
	if (!strcasecmp(type, "keypair")) {
		size_t i;
		json_t *kv;

		json_array_foreach(json_object_get(info, "KeyValueList"), i, kv)
			if (!strcmp(json_string_value(json_object_get(kv, "Key")) ?: "", "KeyPairId"))
				kv_id = json_string_value(json_object_get(kv, "Value"));
		if (!kv_id || !*kv_id)
			return sp_error_set(err, SP_ERR_CLOUD, "EC2 shows no KeyPairId for key pair '%s'", id);
		id = kv_id;
	}
	if (!(*ret = strdup(id)))
		return aws_oom(err);
	return 0;
}

static int key_check(const char *key, sp_error *err)
{
	if (!key || !*key)
		return sp_error_set(err, SP_ERR_INVALID, "a tag key is required");
	if (!strcmp(key, "Name"))
		return sp_error_set(err, SP_ERR_INVALID, "tag key 'Name' holds the cloud name Spider gave the object; it cannot be changed");
	if (strlen(key) > 128)
		return sp_error_set(err, SP_ERR_INVALID, "tag key '%.32s...' is over 128 characters", key);
	return 0;
}

struct tags_ctx {
	json_t *list;
	const char *key;
};

static int tag_item(sp_session *s, xmlNode *t, void *ctx, sp_error *err)
{
	struct tags_ctx *x = ctx;
	const char *k = aws_xml_str(t, "key");

	if (!strcmp(k, "Name") || (x->key && strcmp(k, x->key)))
		return 0;
	if (aws_items_cap(x->list, "tags", err) < 0)
		return -1;
	return aws_json_append(x->list, json_pack("{s:s,s:s}", "Key", k, "Value", aws_xml_str(t, "value")), err);
}

static int tags_read(sp_session *s, const char *id, const char *key, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();
	struct tags_ctx x = { list, key };

	if (!list)
		return aws_oom(err);
	aws_params_add(&p, "resource-id", "Filter.1.Name");
	aws_params_add(&p, id, "Filter.1.Value.1");
	if (key) {
		aws_params_add(&p, "key", "Filter.2.Name");
		aws_params_add(&p, key, "Filter.2.Value.1");
	}
	if (aws_call_pages(s, NULL, "DescribeTags", &p, key ? 0 : 1000, "tagSet", "TAG", tag_item, &x, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

static int tag_add(sp_session *s, const char *type, const sp_iid *iid, const char *key,
		   const char *value, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_free_ char *id = NULL;

	if (key_check(key, err) < 0 || tag_target(s, type, iid, &id, err) < 0)
		return -1;
	aws_params_add(&p, id, "ResourceId.1");
	aws_params_add(&p, key, "Tag.1.Key");
	aws_params_add(&p, value ? value : "", "Tag.1.Value");
	return call0(s, "CreateTags", &p, "TAG", id, err);
}

static int tag_list(sp_session *s, const char *type, const sp_iid *iid, json_t **ret,
		    sp_error *err)
{
	_cleanup_free_ char *id = NULL;

	if (tag_target(s, type, iid, &id, err) < 0)
		return -1;
	return tags_read(s, id, NULL, ret, err);
}

static int tag_get(sp_session *s, const char *type, const sp_iid *iid, const char *key,
		   json_t **ret, sp_error *err)
{
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *list = NULL;

	if (key_check(key, err) < 0 || tag_target(s, type, iid, &id, err) < 0 ||
	    tags_read(s, id, key, &list, err) < 0)
		return -1;
	if (json_array_size(list) == 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "tag '%s' does not exist on %s '%s'", key, type, id);
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

static int tag_remove(sp_session *s, const char *type, const sp_iid *iid, const char *key,
		      sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_free_ char *id = NULL;
	_cleanup_json_ json_t *list = NULL;

	if (key_check(key, err) < 0 || tag_target(s, type, iid, &id, err) < 0 ||
	    tags_read(s, id, key, &list, err) < 0)
		return -1;
	if (json_array_size(list) == 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "tag '%s' does not exist on %s '%s'", key, type, id);
	aws_params_add(&p, id, "ResourceId.1");
	aws_params_add(&p, key, "Tag.1.Key");
	return call0(s, "DeleteTags", &p, "TAG", id, err);
}

const sp_tag_ops aws_tag_ops = {
	.size = sizeof(sp_tag_ops),
	.add = tag_add,
	.list = tag_list,
	.get = tag_get,
	.remove = tag_remove,
};
