/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/vm.c - instances: launch, describe, control, terminate.
 *
 * States (reference §13): pending -> Resuming, except for an instance
 * this session launched and has not yet seen leave pending, which is
 * Creating; running -> Running; stopping -> Suspending; stopped ->
 * Suspended; shutting-down -> Terminating; terminated -> Terminated;
 * anything else -> Failed.  EC2 has no rebooting state: a rebooting
 * instance reads running.
 *
 * A launch asks EC2 for one instance with an idempotency token
 * (ClientToken), so a retried RunInstances never makes two.  Data disks
 * are attached once the instance has left pending; if that fails the
 * instance is terminated again.  A Linux instance gets a cloud-init user
 * "cb-user" holding the key pair's public key, as Spider's VMs have on
 * every cloud.
 */
#include "aws.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/macros.h"
#include "util/banned.h"

#define FILTER_VALUES_MAX 200
#define DATA_DISKS_MAX 10
#define VM_WAIT_S 120

/* ---- states ------------------------------------------------------------- */

void aws_launched_add(sp_session *s, const char *id)
{
	pthread_mutex_lock(&s->launched_lock);
	snprintf(s->launched[s->launched_next].id, sizeof(s->launched[0].id), "%s", id);
	s->launched_next = (s->launched_next + 1) % AWS_LAUNCHED_MAX;
	pthread_mutex_unlock(&s->launched_lock);
}

bool aws_launched_take(sp_session *s, const char *id, bool still_pending)
{
	bool found = false;

	pthread_mutex_lock(&s->launched_lock);
	for (size_t i = 0; i < AWS_LAUNCHED_MAX && !found; i++)
		if (s->launched[i].id[0] && !strcmp(s->launched[i].id, id)) {
			found = true;
			if (!still_pending)
				s->launched[i].id[0] = '\0';
		}
	pthread_mutex_unlock(&s->launched_lock);
	return found;
}

sp_vm_status aws_vm_status_map(sp_session *s, const char *id, const char *state)
{
	static const struct {
		const char *name;
		sp_vm_status status;
	} map[] = {
		{ "running", SP_VM_RUNNING }, { "stopping", SP_VM_SUSPENDING },
		{ "stopped", SP_VM_SUSPENDED }, { "shutting-down", SP_VM_TERMINATING },
		{ "terminated", SP_VM_TERMINATED }, { "rebooting", SP_VM_REBOOTING },
	};
	bool pending = !strcmp(state, "pending");

	if (aws_launched_take(s, id, pending) && pending)
		return SP_VM_CREATING;
	if (pending)
		return SP_VM_RESUMING;
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (!strcmp(state, map[i].name))
			return map[i].status;
	return SP_VM_FAILED;
}

static const char *status_word(sp_vm_status st)
{
	static const char *const w[SP_VM_STATUS_COUNT] = {
		"Creating", "Running", "Suspending", "Suspended", "Resuming",
		"Rebooting", "Terminating", "Terminated", "NotExist", "Failed",
	};

	return (unsigned)st < SP_VM_STATUS_COUNT ? w[st] : "Failed";
}

/* ---- volumes of instances ------------------------------------------------ */

static int volume_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	return json_object_set_new(ctx, aws_xml_str(it, "volumeId"),
				   json_pack("{s:s,s:s}", "type", aws_xml_str(it, "volumeType"),
					     "size", aws_xml_str(it, "size"))) < 0 ? aws_oom(err) : 0;
}

/* {volumeId: {type, size}} of the given volume IDs (chunks of filter
 * values), or of every attached volume when ids is NULL. */
static int volumes_index(sp_session *s, json_t *ids, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *idx = json_object();
	size_t n = json_array_size(ids);

	if (!idx)
		return aws_oom(err);
	for (size_t at = 0; ids ? at < n : at == 0; at += FILTER_VALUES_MAX) {
		_cleanup_params_ aws_params p = { 0 };

		if (ids) {
			aws_params_add(&p, "volume-id", "Filter.1.Name");
			for (size_t i = at; i < n && i < at + FILTER_VALUES_MAX; i++)
				aws_params_add(&p, json_string_value(json_array_get(ids, i)), "Filter.1.Value.%zu", i - at + 1);
		} else {
			aws_params_add(&p, "attachment.status", "Filter.1.Name");
			aws_params_add(&p, "attached", "Filter.1.Value.1");
		}
		if (aws_call_pages(s, NULL, "DescribeVolumes", &p, ids ? 0 : 500, "volumeSet", "VM",
				   volume_item, idx, err) < 0)
			return -1;
		if (!ids)
			break;
	}
	*ret = TAKE_PTR(idx);
	return 0;
}

/* ---- VMInfo -------------------------------------------------------------- */

static json_t *nics_of(xmlNode *inst)
{
	json_t *a = json_array();

	for (xmlNode *n = aws_xml_items(inst, "networkInterfaceSet"); a && n; n = aws_xml_next(n)) {
		const char *eni = aws_xml_str(n, "networkInterfaceId"), *sub = aws_xml_str(n, "subnetId");
		const char *pub = aws_xml_str(n, "association/publicIp");
		json_t *priv = json_array();

		for (xmlNode *p = aws_xml_items(n, "privateIpAddressesSet"); priv && p; p = aws_xml_next(p))
			json_array_append_new(priv, json_string(aws_xml_str(p, "privateIpAddress")));
		if (priv && json_array_size(priv) == 0)
			json_array_append_new(priv, json_string(aws_xml_str(n, "privateIpAddress")));
		if (json_array_append_new(a, json_pack("{s:o,s:I,s:o*,s:[s*],s:s,s:o}", "IId", aws_iid_json(eni, eni),
						       "DeviceIndex", (json_int_t)strtol(aws_xml_str(n, "attachment/deviceIndex"), NULL, 10),
						       "PrivateIPs", priv, "PublicIPs", *pub ? pub : NULL,
						       "MACAddress", aws_xml_str(n, "macAddress"),
						       "SubnetIID", aws_iid_json(sub, sub))) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *aws_vm_info(sp_session *s, xmlNode *inst, json_t *vols)
{
	const char *id = aws_xml_str(inst, "instanceId"), *name;
	const char *pub = aws_xml_str(inst, "ipAddress"), *priv = aws_xml_str(inst, "privateIpAddress");
	const char *root = aws_xml_str(inst, "rootDeviceName"), *root_vol = "";
	const char *vpc = aws_xml_str(inst, "vpcId"), *sub = aws_xml_str(inst, "subnetId");
	const char *key = aws_xml_str(inst, "keyName"), *img = aws_xml_str(inst, "imageId");
	bool windows = !strcasecmp(aws_xml_str(inst, "platform"), "windows");
	json_t *tags = aws_xml_tags(inst, &name), *sgs = json_array(), *disks = json_array(), *rv;
	char access[96];

	for (xmlNode *g = aws_xml_items(inst, "groupSet"); sgs && g; g = aws_xml_next(g))
		json_array_append_new(sgs, aws_iid_json(aws_xml_str(g, "groupName"), aws_xml_str(g, "groupId")));
	for (xmlNode *b = aws_xml_items(inst, "blockDeviceMapping"); disks && b; b = aws_xml_next(b)) {
		const char *vid = aws_xml_str(b, "ebs/volumeId");

		if (!strcmp(aws_xml_str(b, "deviceName"), root))
			root_vol = vid;
		else if (*vid)
			json_array_append_new(disks, aws_iid_json(vid, vid));
	}
	rv = json_object_get(vols, root_vol);
	snprintf(access, sizeof(access), "%s:22", *pub ? pub : priv);
	return json_pack("{s:o,s:s,s:{s:s,s:s},s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:o,s:s,s:s,"
			 "s:s,s:s,s:o,s:s,s:s,s:[s*],s:s,s:s,s:[s*],s:s,s:s,s:s,s:s,s:o*,s:o}",
		"IId", aws_iid_json(name, id), "StartTime", aws_xml_str(inst, "launchTime"),
		"Region", "Region", s->region, "Zone", aws_xml_str(inst, "placement/availabilityZone"),
		"ImageType", "PublicImage", "ImageIId", aws_iid_json(img, img),
		"VMSpecName", aws_xml_str(inst, "instanceType"),
		"VpcIID", aws_iid_json(vpc, vpc), "SubnetIID", aws_iid_json(sub, sub),
		"SecurityGroupIIds", sgs ? sgs : json_array(),
		"KeyPairIId", *key ? aws_iid_json(key, key) : json_object(),
		"RootDiskType", json_string_value(json_object_get(rv, "type")) ?: "",
		"RootDiskSize", json_string_value(json_object_get(rv, "size")) ?: "",
		"RootDeviceName", root, "DataDiskIIDs", disks ? disks : json_array(),
		"VMBootDisk", root_vol, "VMBlockDisk", root,
		"VMUserId", windows ? "Administrator" : "cb-user", "VMUserPasswd", "",
		"NICs", nics_of(inst),
		"NetworkInterface", aws_xml_str(aws_xml_items(inst, "networkInterfaceSet"), "networkInterfaceId"),
		"PublicIP", pub, "PublicIPs", *pub ? pub : NULL, "PublicDNS", aws_xml_str(inst, "dnsName"),
		"PrivateIP", priv, "PrivateIPs", *priv ? priv : NULL, "PrivateDNS", aws_xml_str(inst, "privateDnsName"),
		"Platform", windows ? "WINDOWS" : "LINUX/UNIX",
		"SSHAccessPoint", *pub || *priv ? access : "", "AccessPoint", *pub || *priv ? access : "",
		"TagList", tags,
		"KeyValueList", aws_kvlist("State", aws_xml_str(inst, "instanceState/name"),
					   "Architecture", aws_xml_str(inst, "architecture"),
					   "Hypervisor", aws_xml_str(inst, "hypervisor"),
					   "StateReason", aws_xml_str(inst, "stateReason/message"), NULL));
}

/* ---- describing ------------------------------------------------------------ */

struct inst_ctx {
	json_t *docs;   /* the raw instance items, as XML copies */
	xmlDoc *holder; /* owns copied nodes */
	xmlNode *list;
	json_t *vol_ids;
	size_t n;
};

static int inst_item(sp_session *s, xmlNode *res, void *ctx, sp_error *err)
{
	struct inst_ctx *x = ctx;

	for (xmlNode *i = aws_xml_items(res, "instancesSet"); i; i = aws_xml_next(i)) {
		xmlNode *copy;

		if (x->n >= AWS_ITEMS_MAX)
			return sp_error_set(err, SP_ERR_TOO_LARGE, "EC2 lists over %d instances; refused", AWS_ITEMS_MAX);
		if (!(copy = xmlDocCopyNode(i, x->holder, 1)) || !xmlAddChild(x->list, copy)) {
			xmlFreeNode(copy);
			return aws_oom(err);
		}
		x->n++;
		for (xmlNode *b = aws_xml_items(i, "blockDeviceMapping"); b; b = aws_xml_next(b))
			if (*aws_xml_str(b, "ebs/volumeId") &&
			    json_array_append_new(x->vol_ids, json_string(aws_xml_str(b, "ebs/volumeId"))) < 0)
				return aws_oom(err);
	}
	return 0;
}

/* The instances of a DescribeInstances (pages gathered under one root). */
static int instances_read(sp_session *s, aws_params *p, int page, xmlDoc **ret_doc,
			  json_t **ret_vol_ids, sp_error *err)
{
	_cleanup_xml_ xmlDoc *holder = xmlNewDoc((const xmlChar *)"1.0");
	_cleanup_json_ json_t *vol_ids = json_array();
	struct inst_ctx x = { .holder = holder, .vol_ids = vol_ids };

	if (!holder || !vol_ids || !(x.list = xmlNewNode(NULL, (const xmlChar *)"instances")))
		return aws_oom(err);
	xmlDocSetRootElement(holder, x.list);
	if (aws_call_pages(s, NULL, "DescribeInstances", p, page, "reservationSet", "VM", inst_item, &x, err) < 0)
		return -1;
	*ret_doc = TAKE_PTR(holder);
	if (ret_vol_ids)
		*ret_vol_ids = TAKE_PTR(vol_ids);
	return 0;
}

static int vm_read(sp_session *s, const char *id, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_json_ json_t *vol_ids = NULL, *vols = NULL;
	xmlNode *inst;

	aws_params_add(&p, id, "InstanceId.1");
	if (instances_read(s, &p, 0, &doc, &vol_ids, err) < 0)
		return -1;
	inst = xmlDocGetRootElement(doc)->children;
	if (!inst)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no instance '%s' in region '%s'", id, s->region);
	if (json_array_size(vol_ids) && volumes_index(s, vol_ids, &vols, err) < 0)
		return -1;
	if (!(*ret = aws_vm_info(s, inst, vols)))
		return aws_oom(err);
	return 0;
}

static int vm_list(sp_session *s, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_json_ json_t *vols = NULL, *list = json_array();
	static const char *const live[] = { "pending", "running", "stopping", "stopped", "shutting-down" };

	if (!list)
		return aws_oom(err);
	aws_params_add(&p, "instance-state-name", "Filter.1.Name");
	for (size_t i = 0; i < ELEMENTSOF(live); i++)
		aws_params_add(&p, live[i], "Filter.1.Value.%zu", i + 1);
	if (instances_read(s, &p, 1000, &doc, NULL, err) < 0)
		return -1;
	if (xmlDocGetRootElement(doc)->children && volumes_index(s, NULL, &vols, err) < 0)
		return -1;
	for (xmlNode *i = xmlDocGetRootElement(doc)->children; i; i = i->next)
		if (aws_json_append(list, aws_vm_info(s, i, vols), err) < 0)
			return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

static int vm_get(sp_session *s, const sp_iid *iid, json_t **ret, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "VM", &id, err) < 0)
		return -1;
	return vm_read(s, id, ret, err);
}

static int state_read(sp_session *s, const char *id, sp_vm_status *ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	xmlNode *inst;

	aws_params_add(&p, id, "InstanceId.1");
	if (aws_call(s, NULL, "DescribeInstances", &p, "VM", id, &doc, err) < 0)
		return -1;
	inst = aws_xml_items(aws_xml_items(xmlDocGetRootElement(doc), "reservationSet"), "instancesSet");
	if (!inst)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no instance '%s' in region '%s'", id, s->region);
	*ret = aws_vm_status_map(s, id, aws_xml_str(inst, "instanceState/name"));
	return 0;
}

/* ---- launching ---------------------------------------------------------------- */

static void sleep_s(double t)
{
	struct timespec ts = { (time_t)t, (long)((t - (double)(time_t)t) * 1e9) };

	nanosleep(&ts, NULL);
}

/* Wait until the instance has left pending (for attaching disks). */
static int wait_launched(sp_session *s, const char *id, sp_error *err)
{
	double end = aws_now_mono() + VM_WAIT_S;
	sp_vm_status st;

	for (;;) {
		if (state_read(s, id, &st, err) < 0)
			return -1;
		if (st != SP_VM_CREATING && st != SP_VM_RESUMING)
			break;
		if (aws_now_mono() > end)
			return sp_error_set(err, SP_ERR_TIMEOUT, "EC2 instance '%s' stayed pending for %d s", id, VM_WAIT_S);
		sleep_s(2);
	}
	if (st != SP_VM_RUNNING && st != SP_VM_SUSPENDED)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 instance '%s' is %s after launch", id, status_word(st));
	return 0;
}

/* The first /dev/sd[f-p] the instance does not use. */
static int free_device(sp_session *s, const char *vm_id, char dev[static 16], sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	xmlNode *inst;

	aws_params_add(&p, vm_id, "InstanceId.1");
	if (aws_call(s, NULL, "DescribeInstances", &p, "DISK", vm_id, &doc, err) < 0)
		return -1;
	inst = aws_xml_items(aws_xml_items(xmlDocGetRootElement(doc), "reservationSet"), "instancesSet");
	if (!inst)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no instance '%s' in region '%s'", vm_id, s->region);
	for (char c = 'f'; c <= 'p'; c++) {
		bool used = false;

		snprintf(dev, 16, "/dev/sd%c", c);
		for (xmlNode *b = aws_xml_items(inst, "blockDeviceMapping"); b && !used; b = aws_xml_next(b)) {
			const char *d = aws_xml_str(b, "deviceName");

			used = !strcmp(d, dev) || (strlen(d) == 9 && !strncmp(d, "/dev/xvd", 8) && d[8] == c);
		}
		if (!used)
			return 0;
	}
	return sp_error_set(err, SP_ERR_CONFLICT, "EC2 instance '%s' has no free device name from /dev/sdf to /dev/sdp", vm_id);
}

int aws_volume_attach(sp_session *s, const char *vol, const char *vm_id, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	char dev[16];

	if (free_device(s, vm_id, dev, err) < 0)
		return -1;
	aws_params_add(&p, vol, "VolumeId");
	aws_params_add(&p, vm_id, "InstanceId");
	aws_params_add(&p, dev, "Device");
	return aws_call(s, NULL, "AttachVolume", &p, "DISK", vol, &doc, err);
}

/* The root device name of an image (for the root disk's mapping). */
static int image_root(sp_session *s, const char *image, char **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	xmlNode *it;

	aws_params_add(&p, image, "ImageId.1");
	if (aws_call(s, NULL, "DescribeImages", &p, "VM", image, &doc, err) < 0)
		return -1;
	if (!(it = aws_xml_items(xmlDocGetRootElement(doc), "imagesSet")))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no image '%s' in region '%s'", image, s->region);
	if (!(*ret = strdup(*aws_xml_str(it, "rootDeviceName") ? aws_xml_str(it, "rootDeviceName") : "/dev/xvda")))
		return aws_oom(err);
	return 0;
}

/* cloud-init: user cb-user with the key pair's public key (when EC2 tells
 * it), base64 for UserData. */
static int user_data(sp_session *s, const char *key, char **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_free_ char *text = NULL, *b64 = NULL;
	const char *pub;
	int len;

	*ret = NULL;
	aws_params_add(&p, key, "KeyName.1");
	aws_params_add(&p, "true", "IncludePublicKey");
	if (aws_call(s, NULL, "DescribeKeyPairs", &p, "VM", key, &doc, err) < 0)
		return -1;
	pub = aws_xml_str(aws_xml_items(xmlDocGetRootElement(doc), "keySet"), "publicKey");
	if (!*pub || strpbrk(pub, "\r\n"))
		return 0;
	len = asprintf(&text, "#cloud-config\nusers:\n  - default\n  - name: cb-user\n"
			      "    sudo: ALL=(ALL) NOPASSWD:ALL\n    shell: /bin/bash\n"
			      "    ssh_authorized_keys:\n      - %s\n", pub);
	if (len < 0 || !(b64 = malloc(4 * ((size_t)len / 3 + 1) + 1))) {
		text = NULL;
		return aws_oom(err);
	}
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)text, len);
	*ret = TAKE_PTR(b64);
	return 0;
}

static int size_check(const char *v, sp_error *err)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*end || n < 1 || n > 16384)
		return sp_error_set(err, SP_ERR_INVALID, "RootDiskSize '%s' is not a size from 1 to 16384 GB", v);
	return 0;
}

static int vm_terminate(sp_session *s, const char *id, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;

	aws_params_add(&p, id, "InstanceId.1");
	return aws_call(s, NULL, "TerminateInstances", &p, "VM", id, &doc, err);
}

static int vm_create(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_free_ char *root = NULL, *ud = NULL;
	const char *name, *image, *spec, *subnet, *key, *dtype, *dsize, *id;
	json_t *sgs = json_object_get(req, "SecurityGroupIIDs"), *disks = json_object_get(req, "DataDiskIIDs"), *v;
	unsigned char rnd[16];
	char token[33];
	sp_error ignored;
	size_t i;

	if (aws_req_iid(req, "IId", true, &name, err) < 0 ||
	    aws_req_iid(req, "ImageIID", true, &image, err) < 0 ||
	    aws_req_str(req, "VMSpecName", true, &spec, err) < 0 ||
	    aws_req_iid(req, "SubnetIID", true, &subnet, err) < 0 ||
	    aws_req_iid(req, "KeyPairIID", false, &key, err) < 0 ||
	    aws_req_str(req, "RootDiskType", false, &dtype, err) < 0 ||
	    aws_req_str(req, "RootDiskSize", false, &dsize, err) < 0)
		return -1;
	if ((sgs && !json_is_array(sgs)) || (disks && !json_is_array(disks)))
		return sp_error_set(err, SP_ERR_INVALID, "'SecurityGroupIIDs' and 'DataDiskIIDs' must be arrays");
	if (json_array_size(disks) > DATA_DISKS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "'DataDiskIIDs' has %zu disks, at most %d", json_array_size(disks), DATA_DISKS_MAX);
	if (!strcasecmp(dtype, "default"))
		dtype = "";
	if (!strcasecmp(dsize, "default"))
		dsize = "";
	if (*dsize && size_check(dsize, err) < 0)
		return -1;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return sp_error_set(err, SP_ERR_INTERNAL, "aws: no random bytes for a client token");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(token + 2 * i, 3, "%02x", rnd[i]);
	aws_params_add(&p, image, "ImageId");
	aws_params_add(&p, spec, "InstanceType");
	aws_params_add(&p, "1", "MinCount");
	aws_params_add(&p, "1", "MaxCount");
	aws_params_add(&p, token, "ClientToken");
	aws_params_add(&p, subnet, "SubnetId");
	json_array_foreach(sgs, i, v) {
		const char *sid = json_string_value(json_object_get(v, "SystemId"));

		if (!sid || !*sid)
			sid = json_string_value(json_object_get(v, "NameId"));
		if (!sid || !*sid)
			return sp_error_set(err, SP_ERR_INVALID, "'SecurityGroupIIDs' item %zu has no ID", i);
		aws_params_add(&p, sid, "SecurityGroupId.%zu", i + 1);
	}
	if (*key) {
		aws_params_add(&p, key, "KeyName");
		if (user_data(s, key, &ud, err) < 0)
			return -1;
		if (ud)
			aws_params_add(&p, ud, "UserData");
	}
	if (*dtype || *dsize) {
		if (image_root(s, image, &root, err) < 0)
			return -1;
		aws_params_add(&p, root, "BlockDeviceMapping.1.DeviceName");
		if (*dtype)
			aws_params_add(&p, dtype, "BlockDeviceMapping.1.Ebs.VolumeType");
		if (*dsize)
			aws_params_add(&p, dsize, "BlockDeviceMapping.1.Ebs.VolumeSize");
		aws_params_add(&p, "true", "BlockDeviceMapping.1.Ebs.DeleteOnTermination");
	}
	aws_params_tagspec(&p, 1, "instance", name, json_object_get(req, "TagList"));
	aws_params_tagspec(&p, 2, "volume", name, NULL);
	if (aws_call(s, NULL, "RunInstances", &p, "VM", name, &doc, err) < 0)
		return -1;
	id = aws_xml_str(aws_xml_items(xmlDocGetRootElement(doc), "instancesSet"), "instanceId");
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 RunInstances: the answer has no instanceId");
	aws_launched_add(s, id);
	if (json_array_size(disks) && wait_launched(s, id, err) < 0)
		goto undo;
	json_array_foreach(disks, i, v) {
		const char *vol = json_string_value(json_object_get(v, "SystemId"));

		if (!vol || !*vol) {
			sp_error_set(err, SP_ERR_INVALID, "'DataDiskIIDs' item %zu has no ID", i);
			goto undo;
		}
		if (aws_volume_attach(s, vol, id, err) < 0)
			goto undo;
	}
	if (vm_read(s, id, ret, err) < 0)
		goto undo;
	return 0;
undo:
	vm_terminate(s, id, &ignored);
	return -1;
}

static int vm_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "VM", &id, err) < 0)
		return -1;
	return vm_terminate(s, id, err);
}

const sp_resource_ops aws_vm_ops = {
	.size = sizeof(sp_resource_ops),
	.create = vm_create,
	.list = vm_list,
	.get = vm_get,
	.remove = vm_remove,
};

/* ---- control ------------------------------------------------------------------ */

static int vm_control(sp_session *s, const sp_iid *iid, sp_vm_action action,
		      sp_vm_status *ret, sp_error *err)
{
	static const struct {
		sp_vm_status from, to;
		const char *api, *verb;
	} acts[] = {
		[SP_VM_SUSPEND] = { SP_VM_RUNNING, SP_VM_SUSPENDING, "StopInstances", "suspend" },
		[SP_VM_RESUME] = { SP_VM_SUSPENDED, SP_VM_RESUMING, "StartInstances", "resume" },
		[SP_VM_REBOOT] = { SP_VM_RUNNING, SP_VM_REBOOTING, "RebootInstances", "reboot" },
	};
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	sp_vm_status now;
	const char *id;

	if ((unsigned)action >= ELEMENTSOF(acts))
		return sp_error_set(err, SP_ERR_INVALID, "VM action %d is unknown", (int)action);
	if (aws_iid_id(iid, "VM", &id, err) < 0 || state_read(s, id, &now, err) < 0)
		return -1;
	if (now != acts[action].from)
		return sp_error_set(err, SP_ERR_CONFLICT, "VM '%s' is %s; it can %s only when %s", id,
				    status_word(now), acts[action].verb, status_word(acts[action].from));
	aws_params_add(&p, id, "InstanceId.1");
	if (aws_call(s, NULL, acts[action].api, &p, "VM", id, &doc, err) < 0)
		return -1;
	*ret = acts[action].to;
	return 0;
}

static int vm_get_status(sp_session *s, const sp_iid *iid, sp_vm_status *ret, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "VM", &id, err) < 0)
		return -1;
	return state_read(s, id, ret, err);
}

struct statuses_ctx {
	const sp_iid *vms;
	size_t at, n;
	sp_vm_status *out;
};

static int status_item(sp_session *s, xmlNode *res, void *ctx, sp_error *err)
{
	struct statuses_ctx *x = ctx;

	for (xmlNode *i = aws_xml_items(res, "instancesSet"); i; i = aws_xml_next(i)) {
		const char *id = aws_xml_str(i, "instanceId");

		for (size_t k = x->at; k < x->at + x->n; k++)
			if (x->vms[k].system_id && !strcmp(x->vms[k].system_id, id))
				x->out[k] = aws_vm_status_map(s, id, aws_xml_str(i, "instanceState/name"));
	}
	return 0;
}

/* By an instance-id filter, not InstanceId.N: one unknown ID would fail
 * the whole call, a filter just leaves it out (NotExist). */
static int vm_get_statuses(sp_session *s, const sp_iid *vms, size_t n, sp_vm_status *ret,
			   sp_error *err)
{
	_cleanup_free_ sp_vm_status *out = NULL;

	if (n > SP_VM_STATUS_BATCH_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "%zu VMs asked, at most %d", n, SP_VM_STATUS_BATCH_MAX);
	if (!(out = malloc((n ? n : 1) * sizeof(*out))))
		return aws_oom(err);
	for (size_t i = 0; i < n; i++)
		out[i] = SP_VM_NOT_EXIST;
	for (size_t at = 0; at < n; at += FILTER_VALUES_MAX) {
		_cleanup_params_ aws_params p = { 0 };
		struct statuses_ctx x = { vms, at, n - at < FILTER_VALUES_MAX ? n - at : FILTER_VALUES_MAX, out };
		unsigned v = 0;

		aws_params_add(&p, "instance-id", "Filter.1.Name");
		for (size_t i = at; i < at + x.n; i++)
			if (vms[i].system_id && *vms[i].system_id)
				aws_params_add(&p, vms[i].system_id, "Filter.1.Value.%u", ++v);
		if (v == 0)
			continue;
		if (aws_call_pages(s, NULL, "DescribeInstances", &p, 0, "reservationSet", "VM", status_item, &x, err) < 0)
			return -1;
	}
	memcpy(ret, out, n * sizeof(*out));
	return 0;
}

const sp_vm_ops aws_vmctl_ops = {
	.size = sizeof(sp_vm_ops),
	.control = vm_control,
	.get_status = vm_get_status,
	.get_statuses = vm_get_statuses,
};
