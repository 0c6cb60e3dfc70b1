/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/res_req.c - from the user's ReqInfo to the driver's request: check
 * each field, resolve each name to the cloud IID of its row.
 */
#include <arpa/inet.h>
#include <ctype.h>

#include "core/names.h"
#include "core/res_int.h"
#include "util/json.h"

#define VM_SGS_MAX 32
#define VM_DISKS_MAX 32

/* "a.b.c.d/n" with n in 0..32. */
static bool cidr_valid(const char *s)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	size_t len;

	if (!slash || (len = (size_t)(slash - s)) >= sizeof(addr) || !slash[1] ||
	    strlen(slash + 1) > 2 || strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	return inet_pton(AF_INET, addr, &a) == 1 && strtol(slash + 1, NULL, 10) <= 32;
}

static int check_cidr(const char *field, const char *v, sp_error *err)
{
	if (!cidr_valid(v))
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: want an IPv4 CIDR like 10.0.0.0/16", field, v);
	return 0;
}

int req_subnet(struct create_ctx *x, const json_t *sreq, json_t **ret, sp_error *err)
{
	struct create_ctx sx = { .rt_reqinfo = "resources.SubnetReqInfo" };
	_cleanup_json_ json_t *tags = NULL;
	_cleanup_free_ char *spxid = NULL;
	const char *name, *zone, *cidr;

	if (x->n_subnets == CREATE_SUBNETS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "SubnetInfoList has more than %d subnets", CREATE_SUBNETS_MAX);
	if (req_string(&sx, sreq, "Name", true, &name, err) < 0 ||
	    sp_name_validate("Subnet Name", name, err) < 0 ||
	    req_string(&sx, sreq, "Zone", false, &zone, err) < 0 ||
	    req_string(&sx, sreq, "IPv4_CIDR", true, &cidr, err) < 0 ||
	    check_cidr("Subnet IPv4_CIDR", cidr, err) < 0 ||
	    req_zone(x->c, zone, err) < 0 ||
	    req_tags(sreq, &tags, err) < 0)
		return -1;
	for (size_t i = 0; i < x->n_subnets; i++)
		if (!strcmp(x->subnets[i].name, name))
			return sp_error_set(err, SP_ERR_INVALID, "Subnet '%s' is listed twice", name);
	if (res_spxid(x->c, SP_RT_SUBNET, name, x->transform, &spxid, err) < 0)
		return -1;
	if (!(*ret = json_pack("{s:{s:s,s:s},s:s,s:s,s:O}", "IId", "NameId", spxid, "SystemId", "",
			       "Zone", zone, "IPv4_CIDR", cidr, "TagList", tags)) ||
	    !(x->subnets[x->n_subnets].name = strdup(name)))
		return sp_error_oom(err);
	x->subnets[x->n_subnets++].spxid = TAKE_PTR(spxid);
	return 0;
}

static int build_vpc(struct create_ctx *x, const json_t *reqinfo, sp_error *err)
{
	const json_t *subnets = NULL;
	_cleanup_json_ json_t *out = json_array();
	const char *cidr;
	size_t i;
	json_t *s;

	if (!out)
		return sp_error_oom(err);
	if (req_string(x, reqinfo, "IPv4_CIDR", true, &cidr, err) < 0 ||
	    check_cidr("IPv4_CIDR", cidr, err) < 0 ||
	    sp_json_array(reqinfo, "SubnetInfoList", &subnets, err) < 0)
		return -1;
	json_array_foreach(subnets, i, s) {
		json_t *d = NULL;

		if (req_subnet(x, s, &d, err) < 0)
			return -1;
		json_array_append_new(out, d);
	}
	json_object_set_new(x->dreq, "IPv4_CIDR", json_string(cidr));
	json_object_set(x->dreq, "SubnetInfoList", out);
	return 0;
}

static bool port_valid(const char *p)
{
	size_t len = strlen(p);

	if (!strcmp(p, "-1"))
		return true;
	return len >= 1 && len <= 5 && strspn(p, "0123456789") == len && strtol(p, NULL, 10) <= 65535;
}

/* One rule: Direction lower-case, IPProtocol upper-case, CIDR defaults
 * to 0.0.0.0/0, ports "-1" for ICMP and ALL. */
static int req_rule(const json_t *r, const char *field, size_t idx, json_t **ret, sp_error *err)
{
	char dir[16], proto[16];
	const char *d = NULL, *p = NULL, *from = NULL, *to = NULL, *cidr = NULL;

	if (!json_is_object(r))
		return sp_error_set(err, SP_ERR_INVALID, "%s[%zu] must be an object", field, idx);
	if (sp_json_string(r, "Direction", true, &d, err) < 0 ||
	    sp_json_string(r, "IPProtocol", true, &p, err) < 0 ||
	    sp_json_string(r, "FromPort", false, &from, err) < 0 ||
	    sp_json_string(r, "ToPort", false, &to, err) < 0 ||
	    sp_json_string(r, "CIDR", false, &cidr, err) < 0)
		return -1;
	if (strlen(d) >= sizeof(dir) || strlen(p) >= sizeof(proto))
		return sp_error_set(err, SP_ERR_INVALID, "%s[%zu]: Direction or IPProtocol is too long", field, idx);
	for (size_t i = 0; i <= strlen(d); i++)
		dir[i] = (char)tolower((unsigned char)d[i]);
	for (size_t i = 0; i <= strlen(p); i++)
		proto[i] = (char)toupper((unsigned char)p[i]);
	if (strcmp(dir, "inbound") && strcmp(dir, "outbound"))
		return sp_error_set(err, SP_ERR_INVALID, "%s[%zu]: Direction '%s' is invalid: want inbound or outbound", field, idx, d);
	if (strcmp(proto, "TCP") && strcmp(proto, "UDP") && strcmp(proto, "ICMP") && strcmp(proto, "ALL"))
		return sp_error_set(err, SP_ERR_INVALID, "%s[%zu]: IPProtocol '%s' is invalid: want TCP, UDP, ICMP or ALL", field, idx, p);
	if (!strcmp(proto, "ICMP") || !strcmp(proto, "ALL")) {
		from = to = "-1";
	} else {
		if (sp_isempty(from) || !port_valid(from) || !strcmp(from, "-1"))
			return sp_error_set(err, SP_ERR_INVALID, "%s[%zu]: FromPort '%s' is invalid: want 1 to 65535", field, idx, from ? from : "");
		if (sp_isempty(to))
			to = from;
		if (!port_valid(to) || !strcmp(to, "-1") || strtol(to, NULL, 10) < strtol(from, NULL, 10))
			return sp_error_set(err, SP_ERR_INVALID, "%s[%zu]: ToPort '%s' is invalid: want %s to 65535", field, idx, to, from);
	}
	if (sp_isempty(cidr))
		cidr = "0.0.0.0/0";
	else if (!cidr_valid(cidr))
		return sp_error_set(err, SP_ERR_INVALID, "%s[%zu]: CIDR '%s' is invalid: want an IPv4 CIDR like 0.0.0.0/0", field, idx, cidr);
	*ret = json_pack("{s:s,s:s,s:s,s:s,s:s}", "Direction", dir, "IPProtocol", proto, "FromPort", from, "ToPort", to, "CIDR", cidr);
	return *ret ? 0 : sp_error_oom(err);
}

int req_rules(const json_t *rules, const char *field, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *out = json_array();
	size_t i;
	json_t *r;

	if (!out)
		return sp_error_oom(err);
	if (rules && !json_is_array(rules))
		return sp_error_set(err, SP_ERR_INVALID, "%s must be an array", field);
	if (json_array_size(rules) > 256)
		return sp_error_set(err, SP_ERR_INVALID, "%s has %zu rules; at most 256 are allowed", field, json_array_size(rules));
	json_array_foreach(rules, i, r) {
		json_t *n = NULL;

		if (req_rule(r, field, i, &n, err) < 0)
			return -1;
		json_array_append_new(out, n);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int build_sg(struct create_ctx *x, const json_t *reqinfo, sp_error *err)
{
	_cleanup_json_ json_t *vpc = NULL;
	_cleanup_json_ json_t *rules = NULL;
	const char *vpc_name;

	if (req_string(x, reqinfo, "VPCName", true, &vpc_name, err) < 0 ||
	    create_use(x, SP_RT_VPC, "", vpc_name, "VPCName", &vpc, err) < 0 ||
	    req_rules(sp_json_get(reqinfo, "SecurityRules"), "SecurityRules", &rules, err) < 0)
		return -1;
	json_object_set(x->dreq, "VpcIID", vpc);
	json_object_set(x->dreq, "SecurityRules", rules);
	json_object_set_new(x->doc, "VPCName", json_string(vpc_name));
	return 0;
}

/* A value of the provider's list ("SSD"), or of its "type|min|max|unit"
 * size list; empty lists accept anything. */
static int check_disk(sp_conn *c, const char *type_field, const char *type,
		      const char *size_field, const char *size, bool root, sp_error *err)
{
	const sp_provider *p = sp_provider_find(c->provider);
	const char *const *types = p ? (root ? p->root_disk_type : p->disk_type) : NULL;
	const char *const *sizes = p ? (root ? p->root_disk_size : p->disk_size) : NULL;
	bool known = !types || !types[0];
	long n;
	char *end;

	for (size_t i = 0; types && i < SP_PROVIDER_KEYS_MAX && types[i] && !sp_isempty(type); i++)
		if (!strcasecmp(types[i], type))
			known = true;
	if (!sp_isempty(type) && !known)
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid for %s", type_field, type, c->provider);
	if (sp_isempty(size) || !strcasecmp(size, "default"))
		return 0;
	errno = 0;
	n = strtol(size, &end, 10);
	if (!isdigit((unsigned char)size[0]) || *end || errno || n <= 0)
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: want a whole number of GB", size_field, size);
	for (size_t i = 0; sizes && i < SP_PROVIDER_KEYS_MAX && sizes[i]; i++) {
		long lo = 0, hi = 0;
		char t[32];

		if (sscanf(sizes[i], "%31[^|]|%ld|%ld", t, &lo, &hi) != 3)
			continue;
		if ((sp_isempty(type) ? i == 0 : !strcasecmp(t, type)) && (n < lo || n > hi))
			return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is out of range: %s takes %ld to %ld GB", size_field, size, t, lo, hi);
	}
	return 0;
}

static int build_vm(struct create_ctx *x, const json_t *reqinfo, sp_error *err)
{
	_cleanup_json_ json_t *image = NULL;
	_cleanup_json_ json_t *vpc = NULL;
	_cleanup_json_ json_t *subnet = NULL;
	_cleanup_json_ json_t *key = NULL;
	_cleanup_json_ json_t *sgs = json_array();
	_cleanup_json_ json_t *disks = json_array();
	_cleanup_json_ json_t *img_info = NULL;
	const char *itype, *iname, *spec, *vpc_name, *subnet_name, *key_name;
	const char *rdt, *rds, *passwd, *user = "cb-user";
	const json_t *sg_names = NULL, *disk_names = NULL;
	size_t i;
	json_t *e;

	if (!sgs || !disks)
		return sp_error_oom(err);
	if (req_string(x, reqinfo, "ImageType", false, &itype, err) < 0 ||
	    req_string(x, reqinfo, "ImageName", true, &iname, err) < 0 ||
	    req_string(x, reqinfo, "VMSpecName", true, &spec, err) < 0 ||
	    req_string(x, reqinfo, "VPCName", true, &vpc_name, err) < 0 ||
	    req_string(x, reqinfo, "SubnetName", true, &subnet_name, err) < 0 ||
	    req_string(x, reqinfo, "KeyPairName", false, &key_name, err) < 0 ||
	    req_string(x, reqinfo, "RootDiskType", false, &rdt, err) < 0 ||
	    req_string(x, reqinfo, "RootDiskSize", false, &rds, err) < 0 ||
	    req_string(x, reqinfo, "VMUserPasswd", false, &passwd, err) < 0 ||
	    sp_json_array(reqinfo, "SecurityGroupNames", &sg_names, err) < 0 ||
	    sp_json_array(reqinfo, "DataDiskNames", &disk_names, err) < 0 ||
	    check_disk(x->c, "RootDiskType", rdt, "RootDiskSize", rds, true, err) < 0)
		return -1;
	if (sp_isempty(itype))
		itype = "PublicImage";
	if (strcasecmp(itype, "PublicImage") && strcasecmp(itype, "MyImage"))
		return sp_error_set(err, SP_ERR_INVALID, "ImageType '%s' is invalid: want PublicImage or MyImage", itype);
	itype = strcasecmp(itype, "MyImage") ? "PublicImage" : "MyImage";
	if (json_array_size(sg_names) == 0)
		return sp_error_set(err, SP_ERR_INVALID, "%s:SecurityGroupNames's input value is empty!", x->rt_reqinfo);
	if (json_array_size(sg_names) > VM_SGS_MAX || json_array_size(disk_names) > VM_DISKS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "a VM takes at most %d security groups and %d data disks", VM_SGS_MAX, VM_DISKS_MAX);
	if (!strcmp(itype, "MyImage")) {
		if (create_use(x, SP_RT_MYIMAGE, "", iname, "ImageName", &image, err) < 0)
			return -1;
	} else {
		sp_error ignored;

		/* Windows images get the Administrator user; a driver
		 * without images leaves the choice to the cloud. */
		if (SP_DRIVER_CALL(x->c, image, get, "VMIMAGE", iname, "GetImage()", &ignored, iname, &img_info) == 0 &&
		    !strcasecmp(json_string_value(json_object_get(img_info, "OSPlatform")) ?: "", "Windows"))
			user = "Administrator";
		if (!(image = res_iid(iname, iname)))
			return sp_error_oom(err);
	}
	if (create_use(x, SP_RT_VPC, "", vpc_name, "VPCName", &vpc, err) < 0 ||
	    create_use(x, SP_RT_SUBNET, vpc_name, subnet_name, "SubnetName", &subnet, err) < 0)
		return -1;
	json_array_foreach(sg_names, i, e) {
		json_t *iid = NULL;

		if (!json_is_string(e))
			return sp_error_set(err, SP_ERR_INVALID, "SecurityGroupNames[%zu] must be a string", i);
		if (create_use(x, SP_RT_SG, "", json_string_value(e), "SecurityGroupNames", &iid, err) < 0)
			return -1;
		json_array_append_new(sgs, iid);
	}
	json_array_foreach(disk_names, i, e) {
		json_t *iid = NULL;

		if (!json_is_string(e))
			return sp_error_set(err, SP_ERR_INVALID, "DataDiskNames[%zu] must be a string", i);
		if (create_use(x, SP_RT_DISK, "", json_string_value(e), "DataDiskNames", &iid, err) < 0)
			return -1;
		json_array_append_new(disks, iid);
	}
	if (!sp_isempty(key_name) &&
	    create_use(x, SP_RT_KEYPAIR, "", key_name, "KeyPairName", &key, err) < 0)
		return -1;
	if (!key && !(key = res_iid("", "")))
		return sp_error_oom(err);
	if (json_object_update_new(x->dreq, json_pack("{s:s,s:O,s:s,s:O,s:O,s:O,s:O,s:s,s:s,s:O,s:s,s:s}",
			"ImageType", itype, "ImageIID", image, "VMSpecName", spec, "VpcIID", vpc,
			"SubnetIID", subnet, "SecurityGroupIIDs", sgs, "KeyPairIID", key,
			"RootDiskType", rdt, "RootDiskSize", rds, "DataDiskIIDs", disks,
			"VMUserId", user, "VMUserPasswd", passwd)) < 0)
		return sp_error_oom(err);
	return 0;
}

/* An OpenSSH public key line is a few hundred bytes (RSA 16384 bits:
 * about 2.8 KiB); anything much longer is not one. */
#define PUBLIC_KEY_MAX 16384

/* ReqInfo.PublicKey: import this key instead of making one.  Only its
 * shape is checked here, one line of text; the key itself is the driver's
 * (or its cloud's) to judge.  Blanks around it (a file's final newline)
 * are dropped; an empty one asks for a new key. */
static int build_keypair(struct create_ctx *x, const json_t *reqinfo, sp_error *err)
{
	static const char blanks[] = " \t\r\n";
	const char *pub;
	size_t len;

	if (req_string(x, reqinfo, "PublicKey", false, &pub, err) < 0)
		return -1;
	pub += strspn(pub, blanks);
	len = strlen(pub);
	while (len && strchr(blanks, pub[len - 1]))
		len--;
	if (!len)
		return 0;
	if (len > PUBLIC_KEY_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "ReqInfo.PublicKey is %zu bytes long: want one OpenSSH public key line of at most %d bytes", len, PUBLIC_KEY_MAX);
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)pub[i] < 0x20 && pub[i] != '\t') || pub[i] == 0x7f)
			return sp_error_set(err, SP_ERR_INVALID, "ReqInfo.PublicKey has a control character at byte %zu: want one OpenSSH public key line (\"ssh-ed25519 AAAA... comment\")", i + 1);
	if (json_object_set_new(x->dreq, "PublicKey", json_stringn(pub, len)) < 0)
		return sp_error_oom(err);
	return 0;
}

static int build_disk(struct create_ctx *x, const json_t *reqinfo, sp_error *err)
{
	const char *zone, *type, *size;

	if (req_string(x, reqinfo, "Zone", false, &zone, err) < 0 ||
	    req_string(x, reqinfo, "DiskType", false, &type, err) < 0 ||
	    req_string(x, reqinfo, "DiskSize", false, &size, err) < 0 ||
	    req_zone(x->c, zone, err) < 0 ||
	    check_disk(x->c, "DiskType", type, "DiskSize", size, false, err) < 0)
		return -1;
	if (json_object_update_new(x->dreq, json_pack("{s:s,s:s,s:s}", "Zone", zone, "DiskType", type, "DiskSize", size)) < 0)
		return sp_error_oom(err);
	return 0;
}

static int build_myimage(struct create_ctx *x, const json_t *reqinfo, sp_error *err)
{
	_cleanup_(sp_res_row_freep) sp_res_row *vm = NULL;
	const char *src;

	/* The source VM is not linked: the image outlives it. */
	if (req_string(x, reqinfo, "SourceVM", true, &src, err) < 0 ||
	    res_row_get(x->c, SP_RT_VM, "", src, &vm, err) < 0)
		return -1;
	json_object_set_new(x->dreq, "SourceVM", res_row_cloud_iid(vm));
	json_object_set_new(x->doc, "SourceVM", json_string(src));
	return 0;
}

int res_build_req(struct create_ctx *x, const json_t *reqinfo, sp_error *err)
{
	switch (x->rt->type) {
	case SP_RT_VPC: return build_vpc(x, reqinfo, err);
	case SP_RT_SG: return build_sg(x, reqinfo, err);
	case SP_RT_KEYPAIR: return build_keypair(x, reqinfo, err);
	case SP_RT_VM: return build_vm(x, reqinfo, err);
	case SP_RT_DISK: return build_disk(x, reqinfo, err);
	case SP_RT_MYIMAGE: return build_myimage(x, reqinfo, err);
	default: return 0;
	}
}
