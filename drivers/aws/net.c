/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/net.c - VPCs, subnets, security groups and their rules.
 *
 * A VPC made here gets an internet gateway and a default route through it
 * on its main route table, and its subnets give instances public IPs, so
 * a VM in it can be reached over SSH as on every other cloud.  Deleting
 * the VPC takes its subnets and gateways along.  Creates are all or
 * nothing: what a failed create made is deleted again.
 *
 * A security group made here holds exactly the rules asked for: EC2's
 * default allow-all egress rule is revoked unless it was asked for.
 */
#include "aws.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

#define RULES_MAX 100
#define SG_DESCRIPTION "security group made by Spider"

/* ---- VPCs and subnets ----------------------------------------------------- */

static json_t *subnet_info(xmlNode *it)
{
	const char *name, *id = aws_xml_str(it, "subnetId");
	json_t *tags = aws_xml_tags(it, &name);

	return json_pack("{s:o,s:s,s:s,s:o*,s:o}", "IId", aws_iid_json(name, id),
			 "Zone", aws_xml_str(it, "availabilityZone"),
			 "IPv4_CIDR", aws_xml_str(it, "cidrBlock"), "TagList", tags,
			 "KeyValueList", aws_kvlist("VpcId", aws_xml_str(it, "vpcId"),
						    "State", aws_xml_str(it, "state"),
						    "AvailableIpAddressCount", aws_xml_str(it, "availableIpAddressCount"),
						    "MapPublicIpOnLaunch", aws_xml_str(it, "mapPublicIpOnLaunch"), NULL));
}

static json_t *vpc_info(xmlNode *it, json_t *subnets)
{
	const char *name, *id = aws_xml_str(it, "vpcId");
	json_t *tags = aws_xml_tags(it, &name);

	return json_pack("{s:o,s:s,s:o*,s:o,s:O}", "IId", aws_iid_json(name, id),
			 "IPv4_CIDR", aws_xml_str(it, "cidrBlock"), "TagList", tags,
			 "KeyValueList", aws_kvlist("State", aws_xml_str(it, "state"),
						    "IsDefault", aws_xml_str(it, "isDefault"), NULL),
			 "SubnetInfoList", subnets);
}

/* Subnet items into a {vpcId: [SubnetInfo]} object. */
static int subnet_group_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	const char *vpc = aws_xml_str(it, "vpcId");
	json_t *by_vpc = ctx, *arr = json_object_get(by_vpc, vpc);

	if (!arr && (json_object_set_new(by_vpc, vpc, json_array()) < 0 ||
		     !(arr = json_object_get(by_vpc, vpc))))
		return aws_oom(err);
	if (aws_items_cap(arr, "subnets", err) < 0)
		return -1;
	return aws_json_append(arr, subnet_info(it), err);
}

static int subnets_by_vpc(sp_session *s, const char *vpc_id, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *by_vpc = json_object();

	if (!by_vpc)
		return aws_oom(err);
	if (vpc_id) {
		aws_params_add(&p, "vpc-id", "Filter.1.Name");
		aws_params_add(&p, vpc_id, "Filter.1.Value.1");
	}
	if (aws_call_pages(s, NULL, "DescribeSubnets", &p, vpc_id ? 0 : 1000, "subnetSet", "VPC/SUBNET",
			   subnet_group_item, by_vpc, err) < 0)
		return -1;
	*ret = TAKE_PTR(by_vpc);
	return 0;
}

struct vpc_ctx {
	json_t *list, *subnets;
};

static int vpc_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	struct vpc_ctx *x = ctx;
	json_t *subs = json_object_get(x->subnets, aws_xml_str(it, "vpcId"));
	_cleanup_json_ json_t *empty = json_array();

	if (aws_items_cap(x->list, "VPCs", err) < 0)
		return -1;
	return aws_json_append(x->list, vpc_info(it, subs ? subs : empty), err);
}

/* The VPCs (one, or all) with their subnets; NOT_FOUND for a missing one. */
static const aws_describe vpcs = {
	"DescribeVpcs", "VpcId.1", "vpcSet", "VPC/SUBNET", "VPC", 1000, vpc_item,
};

static int vpcs_read(sp_session *s, const char *only, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array(), *subnets = NULL;
	struct vpc_ctx x = { list, NULL };

	if (!list)
		return aws_oom(err);
	if (subnets_by_vpc(s, only, &subnets, err) < 0)
		return -1;
	x.subnets = subnets;
	if (aws_describe_run(s, &vpcs, &p, only, &x, list, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

int aws_vpc_info(sp_session *s, const char *vpc_id, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *list = NULL;

	if (vpcs_read(s, vpc_id, &list, err) < 0)
		return -1;
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

/* A mutating call whose answer is not needed. */
static int call0(sp_session *s, const char *action, aws_params *p, const char *rtype,
		 const char *rname, sp_error *err)
{
	_cleanup_xml_ xmlDoc *doc = NULL;

	return aws_call(s, NULL, action, p, rtype, rname, &doc, err);
}

/* Call action with one ID parameter. */
static int call_id(sp_session *s, const char *action, const char *key, const char *id,
		   const char *rtype, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };

	aws_params_add(&p, id, "%s", key);
	return call0(s, action, &p, rtype, id, err);
}

struct subnet_req {
	const char *name, *cidr, *zone;
	json_t *tags;
};

static int subnet_req_parse(json_t *req, struct subnet_req *r, sp_error *err)
{
	if (!json_is_object(req))
		return sp_error_set(err, SP_ERR_INVALID, "a subnet request must be an object");
	if (aws_req_iid(req, "IId", true, &r->name, err) < 0 ||
	    aws_req_str(req, "IPv4_CIDR", true, &r->cidr, err) < 0 ||
	    aws_req_str(req, "Zone", false, &r->zone, err) < 0)
		return -1;
	r->tags = json_object_get(req, "TagList");
	return 0;
}

static int subnet_make(sp_session *s, const char *vpc_id, const struct subnet_req *r,
		       sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 }, m = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	const char *zone = *r->zone ? r->zone : s->zone;
	const char *id;

	aws_params_add(&p, vpc_id, "VpcId");
	aws_params_add(&p, r->cidr, "CidrBlock");
	if (zone)
		aws_params_add(&p, zone, "AvailabilityZone");
	aws_params_tagspec(&p, 1, "subnet", r->name, r->tags);
	if (aws_call(s, NULL, "CreateSubnet", &p, "VPC/SUBNET", r->name, &doc, err) < 0)
		return -1;
	id = aws_xml_str(xmlDocGetRootElement(doc), "subnet/subnetId");
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 CreateSubnet: the answer has no subnetId");
	aws_params_add(&m, id, "SubnetId");
	aws_params_add(&m, "true", "MapPublicIpOnLaunch.Value");
	if (call0(s, "ModifySubnetAttribute", &m, "VPC/SUBNET", r->name, err) < 0) {
		sp_error ignored;

		call_id(s, "DeleteSubnet", "SubnetId", id, "VPC/SUBNET", &ignored);
		return -1;
	}
	return 0;
}

/* Delete what a VPC holds that Spider made for it, then the VPC; errors
 * after the first are the first's consequence and not reported. */
static int vpc_teardown(sp_session *s, const char *vpc_id, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 }, q = { 0 };
	_cleanup_xml_ xmlDoc *subs = NULL, *igws = NULL;

	aws_params_add(&p, "vpc-id", "Filter.1.Name");
	aws_params_add(&p, vpc_id, "Filter.1.Value.1");
	if (aws_call(s, NULL, "DescribeSubnets", &p, "VPC/SUBNET", vpc_id, &subs, err) < 0)
		return -1;
	for (xmlNode *it = aws_xml_items(xmlDocGetRootElement(subs), "subnetSet"); it; it = aws_xml_next(it))
		if (call_id(s, "DeleteSubnet", "SubnetId", aws_xml_str(it, "subnetId"), "VPC/SUBNET", err) < 0)
			return -1;
	aws_params_add(&q, "attachment.vpc-id", "Filter.1.Name");
	aws_params_add(&q, vpc_id, "Filter.1.Value.1");
	if (aws_call(s, NULL, "DescribeInternetGateways", &q, "VPC/SUBNET", vpc_id, &igws, err) < 0)
		return -1;
	for (xmlNode *it = aws_xml_items(xmlDocGetRootElement(igws), "internetGatewaySet"); it; it = aws_xml_next(it)) {
		_cleanup_params_ aws_params d = { 0 };
		const char *igw = aws_xml_str(it, "internetGatewayId");

		aws_params_add(&d, igw, "InternetGatewayId");
		aws_params_add(&d, vpc_id, "VpcId");
		if (call0(s, "DetachInternetGateway", &d, "VPC/SUBNET", vpc_id, err) < 0 ||
		    call_id(s, "DeleteInternetGateway", "InternetGatewayId", igw, "VPC/SUBNET", err) < 0)
			return -1;
	}
	return call_id(s, "DeleteVpc", "VpcId", vpc_id, "VPC/SUBNET", err);
}

/* An internet gateway attached to the VPC, and the default route through
 * it on the VPC's main route table. */
static int vpc_gateway(sp_session *s, const char *vpc_id, const char *name, sp_error *err)
{
	_cleanup_params_ aws_params c = { 0 }, a = { 0 }, d = { 0 }, r = { 0 };
	_cleanup_xml_ xmlDoc *igw = NULL, *rt = NULL;
	const char *igw_id, *rt_id;

	aws_params_tagspec(&c, 1, "internet-gateway", name, NULL);
	if (aws_call(s, NULL, "CreateInternetGateway", &c, "VPC/SUBNET", name, &igw, err) < 0)
		return -1;
	igw_id = aws_xml_str(xmlDocGetRootElement(igw), "internetGateway/internetGatewayId");
	aws_params_add(&a, igw_id, "InternetGatewayId");
	aws_params_add(&a, vpc_id, "VpcId");
	if (call0(s, "AttachInternetGateway", &a, "VPC/SUBNET", name, err) < 0) {
		sp_error ignored;

		call_id(s, "DeleteInternetGateway", "InternetGatewayId", igw_id, "VPC/SUBNET", &ignored);
		return -1;
	}
	aws_params_add(&d, "vpc-id", "Filter.1.Name");
	aws_params_add(&d, vpc_id, "Filter.1.Value.1");
	aws_params_add(&d, "association.main", "Filter.2.Name");
	aws_params_add(&d, "true", "Filter.2.Value.1");
	if (aws_call(s, NULL, "DescribeRouteTables", &d, "VPC/SUBNET", name, &rt, err) < 0)
		return -1;
	rt_id = aws_xml_str(aws_xml_items(xmlDocGetRootElement(rt), "routeTableSet"), "routeTableId");
	if (!*rt_id)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 shows no main route table for VPC '%s'", vpc_id);
	aws_params_add(&r, rt_id, "RouteTableId");
	aws_params_add(&r, "0.0.0.0/0", "DestinationCidrBlock");
	aws_params_add(&r, igw_id, "GatewayId");
	return call0(s, "CreateRoute", &r, "VPC/SUBNET", name, err);
}

static int vpc_create(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	struct subnet_req subs[64];
	json_t *list = json_object_get(req, "SubnetInfoList"), *it;
	const char *name, *cidr, *vpc_id;
	size_t n = json_array_size(list), i;
	sp_error ignored;

	if (aws_req_iid(req, "IId", true, &name, err) < 0 ||
	    aws_req_str(req, "IPv4_CIDR", true, &cidr, err) < 0)
		return -1;
	if (list && !json_is_array(list))
		return sp_error_set(err, SP_ERR_INVALID, "'SubnetInfoList' must be an array");
	if (n > ELEMENTSOF(subs))
		return sp_error_set(err, SP_ERR_INVALID, "'SubnetInfoList' has %zu subnets, at most %zu", n, ELEMENTSOF(subs));
	json_array_foreach(list, i, it)
		if (subnet_req_parse(it, &subs[i], err) < 0)
			return -1;
	aws_params_add(&p, cidr, "CidrBlock");
	aws_params_tagspec(&p, 1, "vpc", name, json_object_get(req, "TagList"));
	if (aws_call(s, NULL, "CreateVpc", &p, "VPC/SUBNET", name, &doc, err) < 0)
		return -1;
	vpc_id = aws_xml_str(xmlDocGetRootElement(doc), "vpc/vpcId");
	if (!*vpc_id)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 CreateVpc: the answer has no vpcId");
	for (i = 0; i < n; i++)
		if (subnet_make(s, vpc_id, &subs[i], err) < 0)
			goto undo;
	if (vpc_gateway(s, vpc_id, name, err) < 0 || aws_vpc_info(s, vpc_id, ret, err) < 0)
		goto undo;
	return 0;
undo:
	vpc_teardown(s, vpc_id, &ignored);
	return -1;
}

static int vpc_list(sp_session *s, json_t **ret, sp_error *err)
{
	return vpcs_read(s, NULL, ret, err);
}

static int vpc_get(sp_session *s, const sp_iid *iid, json_t **ret, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "VPC", &id, err) < 0)
		return -1;
	return aws_vpc_info(s, id, ret, err);
}

static int vpc_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	const char *id;

	if (aws_iid_id(iid, "VPC", &id, err) < 0 || aws_vpc_info(s, id, &info, err) < 0)
		return -1;
	return vpc_teardown(s, id, err);
}

const sp_resource_ops aws_vpc_ops = {
	.size = sizeof(sp_resource_ops),
	.create = vpc_create,
	.list = vpc_list,
	.get = vpc_get,
	.remove = vpc_remove,
};

static int subnet_add(sp_session *s, const sp_iid *vpc, json_t *req, json_t **ret,
		      sp_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	struct subnet_req r;
	const char *id;

	if (aws_iid_id(vpc, "VPC", &id, err) < 0 || subnet_req_parse(req, &r, err) < 0 ||
	    aws_vpc_info(s, id, &info, err) < 0 || subnet_make(s, id, &r, err) < 0)
		return -1;
	return aws_vpc_info(s, id, ret, err);
}

static int subnet_remove(sp_session *s, const sp_iid *vpc, const sp_iid *subnet,
			 sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	const char *vid, *sid;

	if (aws_iid_id(vpc, "VPC", &vid, err) < 0 || aws_iid_id(subnet, "subnet", &sid, err) < 0)
		return -1;
	aws_params_add(&p, sid, "SubnetId.1");
	if (aws_call(s, NULL, "DescribeSubnets", &p, "VPC/SUBNET", sid, &doc, err) < 0)
		return -1;
	if (strcmp(aws_xml_str(aws_xml_items(xmlDocGetRootElement(doc), "subnetSet"), "vpcId"), vid))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no subnet '%s' in VPC '%s'", sid, vid);
	return call_id(s, "DeleteSubnet", "SubnetId", sid, "VPC/SUBNET", err);
}

const sp_subnet_ops aws_subnet_ops = {
	.size = sizeof(sp_subnet_ops),
	.add = subnet_add,
	.remove = subnet_remove,
};

/* ---- security groups ------------------------------------------------------- */

static const char *proto_name(const char *p)
{
	if (!strcmp(p, "-1") || !strcasecmp(p, "all"))
		return "ALL";
	if (!strcasecmp(p, "tcp") || !strcmp(p, "6"))
		return "TCP";
	if (!strcasecmp(p, "udp") || !strcmp(p, "17"))
		return "UDP";
	if (!strcasecmp(p, "icmp") || !strcmp(p, "1"))
		return "ICMP";
	return p;
}

static int rule_put(json_t *rules, const char *dir, const char *proto, const char *from,
		    const char *to, const char *cidr, sp_error *err)
{
	return aws_json_append(rules, json_pack("{s:s,s:s,s:s,s:s,s:s}", "Direction", dir, "IPProtocol", proto,
						"FromPort", from, "ToPort", to, "CIDR", cidr), err);
}

/* One rule per CIDR of each permission (group references have no CIDR
 * and no Spider shape: they are left out). */
static int rules_of(json_t *rules, xmlNode *perm, const char *dir, sp_error *err)
{
	for (; perm; perm = aws_xml_next(perm)) {
		const char *proto = proto_name(aws_xml_str(perm, "ipProtocol"));
		bool all = !strcmp(proto, "ALL");
		const char *from = all || !*aws_xml_str(perm, "fromPort") ? "-1" : aws_xml_str(perm, "fromPort");
		const char *to = all || !*aws_xml_str(perm, "toPort") ? "-1" : aws_xml_str(perm, "toPort");

		for (xmlNode *r = aws_xml_items(perm, "ipRanges"); r; r = aws_xml_next(r))
			if (rule_put(rules, dir, proto, from, to, aws_xml_str(r, "cidrIp"), err) < 0)
				return -1;
		for (xmlNode *r = aws_xml_items(perm, "ipv6Ranges"); r; r = aws_xml_next(r))
			if (rule_put(rules, dir, proto, from, to, aws_xml_str(r, "cidrIpv6"), err) < 0)
				return -1;
	}
	return 0;
}

static int sg_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	_cleanup_json_ json_t *rules = json_array();
	const char *name, *id = aws_xml_str(it, "groupId"), *vpc = aws_xml_str(it, "vpcId");
	json_t *tags = aws_xml_tags(it, &name);

	if (!rules || !tags) {
		json_decref(tags);
		return aws_oom(err);
	}
	if (rules_of(rules, aws_xml_items(it, "ipPermissions"), "inbound", err) < 0 ||
	    rules_of(rules, aws_xml_items(it, "ipPermissionsEgress"), "outbound", err) < 0 ||
	    aws_items_cap(ctx, "security groups", err) < 0) {
		json_decref(tags);
		return -1;
	}
	return aws_json_append(ctx, json_pack("{s:o,s:o,s:O,s:o,s:o}",
		"IId", aws_iid_json(name ? name : aws_xml_str(it, "groupName"), id),
		"VpcIID", aws_iid_json(vpc, vpc), "SecurityRules", rules, "TagList", tags,
		"KeyValueList", aws_kvlist("GroupName", aws_xml_str(it, "groupName"),
					   "Description", aws_xml_str(it, "groupDescription"), NULL)), err);
}

static const aws_describe groups = {
	"DescribeSecurityGroups", "GroupId.1", "securityGroupInfo", "SECURITYGROUP", "security group", 1000, sg_item,
};

static int sgs_read(sp_session *s, const char *only, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();

	if (!list)
		return aws_oom(err);
	if (aws_describe_run(s, &groups, &p, only, list, list, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

int aws_sg_info(sp_session *s, const char *sg_id, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *list = NULL;

	if (sgs_read(s, sg_id, &list, err) < 0)
		return -1;
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

static const char *rule_str(json_t *r, const char *k)
{
	return json_string_value(json_object_get(r, k)) ?: "";
}

static bool rule_eq(json_t *a, json_t *b)
{
	static const char *const keys[] = { "Direction", "IPProtocol", "FromPort", "ToPort", "CIDR" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (strcasecmp(rule_str(a, keys[i]), rule_str(b, keys[i])))
			return false;
	return true;
}

static bool rules_have(json_t *rules, json_t *r)
{
	size_t i;
	json_t *x;

	json_array_foreach(rules, i, x)
		if (rule_eq(x, r))
			return true;
	return false;
}

static int port_check(const char *v, const char *what, sp_error *err)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < -1 || n > 65535)
		return sp_error_set(err, SP_ERR_INVALID, "rule %s '%s' is not a port from -1 to 65535", what, v);
	return 0;
}

static int rules_check(json_t *rules, sp_error *err)
{
	size_t i;
	json_t *r;

	if (rules && !json_is_array(rules))
		return sp_error_set(err, SP_ERR_INVALID, "'SecurityRules' must be an array");
	if (json_array_size(rules) > RULES_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "%zu rules given, at most %d", json_array_size(rules), RULES_MAX);
	json_array_foreach(rules, i, r) {
		const char *d = rule_str(r, "Direction"), *p = rule_str(r, "IPProtocol");

		if (strcasecmp(d, "inbound") && strcasecmp(d, "outbound"))
			return sp_error_set(err, SP_ERR_INVALID, "rule Direction '%s' is not inbound or outbound", d);
		if (strcasecmp(p, "TCP") && strcasecmp(p, "UDP") && strcasecmp(p, "ICMP") && strcasecmp(p, "ALL"))
			return sp_error_set(err, SP_ERR_INVALID, "rule IPProtocol '%s' is not TCP, UDP, ICMP or ALL", p);
		if (port_check(rule_str(r, "FromPort"), "FromPort", err) < 0 ||
		    port_check(rule_str(r, "ToPort"), "ToPort", err) < 0)
			return -1;
		if (!*rule_str(r, "CIDR"))
			return sp_error_set(err, SP_ERR_INVALID, "rule CIDR is required");
	}
	return 0;
}

/* Authorize (add) or revoke the rules of one direction in one call. */
static int rules_call(sp_session *s, const char *sg_id, json_t *rules, const char *dir,
		      bool add, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	unsigned n = 0;
	size_t i;
	json_t *r;

	aws_params_add(&p, sg_id, "GroupId");
	json_array_foreach(rules, i, r) {
		const char *proto = rule_str(r, "IPProtocol"), *cidr = rule_str(r, "CIDR");
		char lower[8];
		size_t k;

		if (strcasecmp(rule_str(r, "Direction"), dir))
			continue;
		n++;
		for (k = 0; proto[k] && k < sizeof(lower) - 1; k++)
			lower[k] = (char)tolower((unsigned char)proto[k]);
		lower[k] = '\0';
		aws_params_add(&p, !strcmp(lower, "all") ? "-1" : lower, "IpPermissions.%u.IpProtocol", n);
		if (strcmp(lower, "all")) {
			aws_params_add(&p, rule_str(r, "FromPort"), "IpPermissions.%u.FromPort", n);
			aws_params_add(&p, rule_str(r, "ToPort"), "IpPermissions.%u.ToPort", n);
		}
		if (strchr(cidr, ':'))
			aws_params_add(&p, cidr, "IpPermissions.%u.Ipv6Ranges.1.CidrIpv6", n);
		else
			aws_params_add(&p, cidr, "IpPermissions.%u.IpRanges.1.CidrIp", n);
	}
	if (n == 0)
		return 0;
	return call0(s, !strcmp(dir, "inbound") ? (add ? "AuthorizeSecurityGroupIngress" : "RevokeSecurityGroupIngress")
						 : (add ? "AuthorizeSecurityGroupEgress" : "RevokeSecurityGroupEgress"),
		     &p, "SECURITYGROUP", sg_id, err);
}

static int rules_change(sp_session *s, const char *sg_id, json_t *rules, bool add, sp_error *err)
{
	return rules_call(s, sg_id, rules, "inbound", add, err) < 0 ||
	       rules_call(s, sg_id, rules, "outbound", add, err) < 0 ? -1 : 0;
}

static int sg_create(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_json_ json_t *now = NULL, *add = json_array(), *drop = json_array();
	json_t *rules = json_object_get(req, "SecurityRules"), *r;
	const char *name, *vpc, *id;
	sp_error ignored;
	size_t i;

	if (aws_req_iid(req, "IId", true, &name, err) < 0 ||
	    aws_req_iid(req, "VpcIID", true, &vpc, err) < 0 || rules_check(rules, err) < 0)
		return -1;
	if (!add || !drop)
		return aws_oom(err);
	aws_params_add(&p, name, "GroupName");
	aws_params_add(&p, SG_DESCRIPTION, "GroupDescription");
	aws_params_add(&p, vpc, "VpcId");
	aws_params_tagspec(&p, 1, "security-group", name, json_object_get(req, "TagList"));
	if (aws_call(s, NULL, "CreateSecurityGroup", &p, "SECURITYGROUP", name, &doc, err) < 0)
		return -1;
	id = aws_xml_str(xmlDocGetRootElement(doc), "groupId");
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 CreateSecurityGroup: the answer has no groupId");
	if (aws_sg_info(s, id, &now, err) < 0)
		goto undo;
	json_array_foreach(rules, i, r)
		if (!rules_have(json_object_get(now, "SecurityRules"), r) && !rules_have(add, r) &&
		    aws_json_append(add, json_incref(r), err) < 0)
			goto undo;
	json_array_foreach(json_object_get(now, "SecurityRules"), i, r)
		if (!rules_have(rules, r) && aws_json_append(drop, json_incref(r), err) < 0)
			goto undo;
	if (rules_change(s, id, drop, false, err) < 0 || rules_change(s, id, add, true, err) < 0 ||
	    aws_sg_info(s, id, ret, err) < 0)
		goto undo;
	return 0;
undo:
	call_id(s, "DeleteSecurityGroup", "GroupId", id, "SECURITYGROUP", &ignored);
	return -1;
}

static int sg_list(sp_session *s, json_t **ret, sp_error *err)
{
	return sgs_read(s, NULL, ret, err);
}

static int sg_get(sp_session *s, const sp_iid *iid, json_t **ret, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "security group", &id, err) < 0)
		return -1;
	return aws_sg_info(s, id, ret, err);
}

static int sg_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	const char *id;

	if (aws_iid_id(iid, "security group", &id, err) < 0)
		return -1;
	return call_id(s, "DeleteSecurityGroup", "GroupId", id, "SECURITYGROUP", err);
}

const sp_resource_ops aws_sg_ops = {
	.size = sizeof(sp_resource_ops),
	.create = sg_create,
	.list = sg_list,
	.get = sg_get,
	.remove = sg_remove,
};

static int sgrule_add(sp_session *s, const sp_iid *sg, json_t *rules, json_t **ret,
		      sp_error *err)
{
	_cleanup_json_ json_t *now = NULL;
	const char *id;
	size_t i;
	json_t *r;

	if (aws_iid_id(sg, "security group", &id, err) < 0 || rules_check(rules, err) < 0 ||
	    aws_sg_info(s, id, &now, err) < 0)
		return -1;
	json_array_foreach(rules, i, r)
		if (rules_have(json_object_get(now, "SecurityRules"), r))
			return sp_error_set(err, SP_ERR_CONFLICT, "security group '%s' has the %s rule %s %s-%s %s already", id,
					    rule_str(r, "Direction"), rule_str(r, "IPProtocol"), rule_str(r, "FromPort"),
					    rule_str(r, "ToPort"), rule_str(r, "CIDR"));
	if (rules_change(s, id, rules, true, err) < 0)
		return -1;
	return aws_sg_info(s, id, ret, err);
}

static int sgrule_remove(sp_session *s, const sp_iid *sg, json_t *rules, sp_error *err)
{
	_cleanup_json_ json_t *now = NULL;
	const char *id;
	size_t i;
	json_t *r;

	if (aws_iid_id(sg, "security group", &id, err) < 0 || rules_check(rules, err) < 0 ||
	    aws_sg_info(s, id, &now, err) < 0)
		return -1;
	json_array_foreach(rules, i, r)
		if (!rules_have(json_object_get(now, "SecurityRules"), r))
			return sp_error_set(err, SP_ERR_NOT_FOUND, "security group '%s' has no %s rule %s %s-%s %s", id,
					    rule_str(r, "Direction"), rule_str(r, "IPProtocol"), rule_str(r, "FromPort"),
					    rule_str(r, "ToPort"), rule_str(r, "CIDR"));
	return rules_change(s, id, rules, false, err);
}

const sp_sgrule_ops aws_sgrule_ops = {
	.size = sizeof(sp_sgrule_ops),
	.add = sgrule_add,
	.remove = sgrule_remove,
};
