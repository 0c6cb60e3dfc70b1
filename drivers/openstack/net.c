/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/net.c - VPCs (Neutron networks with their subnets),
 * security groups and their rules.
 *
 * Neutron has no VPC CIDR and no owner VPC for a security group; the
 * driver keeps both in the object's description ("spider-cidr=<cidr>",
 * "spider-vpc=<network id>").
 */
#include "openstack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

#define VPC_SUBNETS_MAX 64

/* ---- VPCs ------------------------------------------------------------- */

static int vpc_read(sp_session *s, const struct os_what *w, const char *id,
		    json_t **ret_info, sp_error *err)
{
	_cleanup_free_ char *path = os_path("/networks/%s", id);
	_cleanup_free_ char *spath = os_path("/subnets?network_id=%s", id);
	_cleanup_json_ json_t *net = NULL;
	_cleanup_json_ json_t *subnets = NULL;

	if (!path || !spath)
		return os_oom(err);
	if (os_call(s, w, OS_NETWORK, "GET", path, NULL, &net, err) < 0 ||
	    os_list(s, w, OS_NETWORK, spath, "subnets", &subnets, err) < 0)
		return -1;
	if (!json_is_object(json_object_get(net, "network")))
		return sp_error_set(err, SP_ERR_CLOUD, "neutron: the answer for network '%s' has no 'network'", id);
	if (!(*ret_info = os_vpc_info(json_object_get(net, "network"), subnets, s->zone)))
		return os_oom(err);
	return 0;
}

/* Tags replace all of a neutron object's tags in one call. */
static int neutron_tags(sp_session *s, const struct os_what *w, const char *kind,
			const char *id, json_t *tags, sp_error *err)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *path = NULL;
	char fmt[64];

	if (!json_array_size(tags))
		return 0;
	snprintf(fmt, sizeof(fmt), "/%s/%%s/tags", kind);
	if (!(path = os_path(fmt, id)) || !(body = json_pack("{s:O}", "tags", tags)))
		return os_oom(err);
	return os_call(s, w, OS_NETWORK, "PUT", path, body, NULL, err);
}

static int neutron_delete(sp_session *s, const struct os_what *w, const char *kind,
			  const char *id, sp_error *err)
{
	_cleanup_free_ char *path = NULL;
	char fmt[64];

	snprintf(fmt, sizeof(fmt), "/%s/%%s", kind);
	if (!(path = os_path(fmt, id)))
		return os_oom(err);
	return os_call(s, w, OS_NETWORK, "DELETE", path, NULL, NULL, err);
}

/* Make one subnet of network net_id from a SubnetInfo request. */
static int subnet_make(sp_session *s, const struct os_what *w, const char *net_id,
		       json_t *req, const char *prefix, sp_error *err)
{
	_cleanup_json_ json_t *tags = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_json_ json_t *made = NULL;
	const char *name, *cidr, *zone, *id;
	char field[64];

	if (os_req_str(json_object_get(req, "IId"), "NameId", &name, err) < 0 ||
	    os_req_str(req, "IPv4_CIDR", &cidr, err) < 0 ||
	    os_req_str(req, "Zone", &zone, err) < 0 ||
	    os_req_tags(req, prefix, &tags, err) < 0)
		return -1;
	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "field '%sIId.NameId' is required", prefix);
	if (!*cidr)
		return sp_error_set(err, SP_ERR_INVALID, "field '%sIPv4_CIDR' is required", prefix);
	if (*zone && strcmp(zone, s->zone))
		return sp_error_set(err, SP_ERR_INVALID, "field '%sZone' '%s': OpenStack subnets are not zonal; leave it empty or give the connection's zone '%s'", prefix, zone, s->zone);
	if (!(body = json_pack("{s:{s:s, s:i, s:s, s:s}}", "subnet", "network_id", net_id,
			       "ip_version", 4, "cidr", cidr, "name", name)))
		return os_oom(err);
	if (os_call(s, w, OS_NETWORK, "POST", "/subnets", body, &made, err) < 0)
		return -1;
	id = json_string_value(json_object_get(json_object_get(made, "subnet"), "id"));
	if (!id)
		return sp_error_set(err, SP_ERR_CLOUD, "neutron: the new subnet '%s' has no id", name);
	snprintf(field, sizeof(field), "%s", id);
	return neutron_tags(s, w, "subnets", field, tags, err);
}

static int vpc_create(sp_session *s, json_t *req, json_t **ret_info, sp_error *err)
{
	_cleanup_json_ json_t *tags = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_json_ json_t *made = NULL;
	_cleanup_free_ char *desc = NULL;
	_cleanup_free_ char *id = NULL;
	json_t *subnets = json_object_get(req, "SubnetInfoList"), *sub;
	const char *name, *cidr;
	struct os_what w = { "VPC/SUBNET", "" };
	sp_error ignored;
	size_t i;

	if (os_req_str(json_object_get(req, "IId"), "NameId", &name, err) < 0 ||
	    os_req_str(req, "IPv4_CIDR", &cidr, err) < 0 ||
	    os_req_tags(req, "", &tags, err) < 0)
		return -1;
	w.rname = name;
	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "field 'IId.NameId' is required");
	if (subnets && !json_is_array(subnets) && !json_is_null(subnets))
		return sp_error_set(err, SP_ERR_INVALID, "field 'SubnetInfoList' must be an array");
	if (json_array_size(subnets) > VPC_SUBNETS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "field 'SubnetInfoList' has %zu subnets; at most %d are allowed", json_array_size(subnets), VPC_SUBNETS_MAX);
	if (strchr(cidr, ' ') || strlen(cidr) > 64)
		return sp_error_set(err, SP_ERR_INVALID, "field 'IPv4_CIDR' '%s' is not a CIDR", cidr);
	if (*cidr && asprintf(&desc, "spider-cidr=%s", cidr) < 0) {
		desc = NULL;
		return os_oom(err);
	}
	if (!(body = json_pack("{s:{s:s, s:s}}", "network", "name", name, "description", desc ? desc : "")))
		return os_oom(err);
	if (os_call(s, &w, OS_NETWORK, "POST", "/networks", body, &made, err) < 0)
		return -1;
	if (!(id = strdup(json_string_value(json_object_get(json_object_get(made, "network"), "id")) ?: "")))
		return os_oom(err);
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "neutron: the new network '%s' has no id", name);
	/* All or nothing: a failure takes the network (and its subnets) away. */
	json_array_foreach(subnets, i, sub) {
		char prefix[48];

		snprintf(prefix, sizeof(prefix), "SubnetInfoList[%zu].", i);
		if (subnet_make(s, &w, id, sub, prefix, err) < 0) {
			neutron_delete(s, &w, "networks", id, &ignored);
			return -1;
		}
	}
	if (neutron_tags(s, &w, "networks", id, tags, err) < 0 ||
	    vpc_read(s, &w, id, ret_info, err) < 0) {
		neutron_delete(s, &w, "networks", id, &ignored);
		return -1;
	}
	return 0;
}

static int vpc_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "VPC/SUBNET", "" };
	_cleanup_json_ json_t *nets = NULL;
	_cleanup_json_ json_t *subnets = NULL;
	_cleanup_json_ json_t *out = json_array();
	_cleanup_free_ char *project = NULL;
	_cleanup_free_ char *npath = NULL;
	_cleanup_free_ char *spath = NULL;
	json_t *n;
	size_t i;

	if (!out || os_project(s, &w, &project, err) < 0)
		return out ? -1 : os_oom(err);
	if (!(npath = os_path("/networks?project_id=%s", project)) ||
	    !(spath = os_path("/subnets?project_id=%s", project)))
		return os_oom(err);
	if (os_list(s, &w, OS_NETWORK, npath, "networks", &nets, err) < 0 ||
	    os_list(s, &w, OS_NETWORK, spath, "subnets", &subnets, err) < 0)
		return -1;
	json_array_foreach(nets, i, n)
		if (json_array_append_new(out, os_vpc_info(n, subnets, s->zone)) < 0)
			return os_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

static int vpc_get(sp_session *s, const sp_iid *iid, json_t **ret_info, sp_error *err)
{
	struct os_what w = { "VPC/SUBNET", iid ? iid->name_id : "" };
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "VPC IID is empty");
	return vpc_read(s, &w, id, ret_info, err);
}

static int vpc_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	struct os_what w = { "VPC/SUBNET", iid ? iid->name_id : "" };
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "VPC IID is empty");
	return neutron_delete(s, &w, "networks", id, err);
}

const sp_resource_ops os_vpc_ops = {
	.size = sizeof(sp_resource_ops),
	.create = vpc_create,
	.list = vpc_list,
	.get = vpc_get,
	.remove = vpc_remove,
};

static int subnet_add(sp_session *s, const sp_iid *vpc, json_t *subnet_req,
		      json_t **ret_vpc_info, sp_error *err)
{
	struct os_what w = { "VPC/SUBNET", vpc ? vpc->name_id : "" };
	const char *id = os_iid_id(vpc);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "VPC IID is empty");
	if (subnet_make(s, &w, id, subnet_req, "", err) < 0)
		return -1;
	return vpc_read(s, &w, id, ret_vpc_info, err);
}

static int subnet_remove(sp_session *s, const sp_iid *vpc, const sp_iid *subnet,
			 sp_error *err)
{
	struct os_what w = { "VPC/SUBNET", subnet ? subnet->name_id : "" };
	const char *id = os_iid_id(subnet);

	(void)vpc;
	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "subnet IID is empty");
	return neutron_delete(s, &w, "subnets", id, err);
}

const sp_subnet_ops os_subnet_ops = {
	.size = sizeof(sp_subnet_ops),
	.add = subnet_add,
	.remove = subnet_remove,
};

/* ---- security groups ---------------------------------------------------- */

/* A port string "1".."65535", or -1 for "-1" and "". */
static int port_parse(const char *v, const char *field, size_t i, long *ret, sp_error *err)
{
	char *end;
	long n;

	if (!*v || !strcmp(v, "-1")) {
		*ret = -1;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > 65535)
		return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityRules[%zu].%s' '%s' is not a port (0 to 65535, or -1)", i, field, v);
	*ret = n;
	return 0;
}

/* A normalised Spider rule as a neutron rule body for group sg. */
static int rule_body(const char *sg, json_t *rule, size_t i, json_t **ret, sp_error *err)
{
	const char *dir, *proto, *from, *to, *cidr;
	json_t *r;
	long lo = -1, hi = -1;

	if (os_req_str(rule, "Direction", &dir, err) < 0 || os_req_str(rule, "IPProtocol", &proto, err) < 0 ||
	    os_req_str(rule, "FromPort", &from, err) < 0 || os_req_str(rule, "ToPort", &to, err) < 0 ||
	    os_req_str(rule, "CIDR", &cidr, err) < 0 ||
	    port_parse(from, "FromPort", i, &lo, err) < 0 || port_parse(to, "ToPort", i, &hi, err) < 0)
		return -1;
	if (strcasecmp(dir, "inbound") && strcasecmp(dir, "outbound"))
		return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityRules[%zu].Direction' '%s' is invalid: want inbound or outbound", i, dir);
	if (strcasecmp(proto, "TCP") && strcasecmp(proto, "UDP") && strcasecmp(proto, "ICMP") && strcasecmp(proto, "ALL"))
		return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityRules[%zu].IPProtocol' '%s' is invalid: want TCP, UDP, ICMP or ALL", i, proto);
	if (!*cidr)
		cidr = "0.0.0.0/0";
	r = json_pack("{s:s, s:s, s:s, s:s}", "security_group_id", sg,
		      "direction", strcasecmp(dir, "inbound") ? "egress" : "ingress",
		      "ethertype", strchr(cidr, ':') ? "IPv6" : "IPv4", "remote_ip_prefix", cidr);
	if (!r)
		return os_oom(err);
	if (strcasecmp(proto, "ALL")) {
		char low[8];

		snprintf(low, sizeof(low), "%s", !strcasecmp(proto, "TCP") ? "tcp" : !strcasecmp(proto, "UDP") ? "udp" : "icmp");
		json_object_set_new(r, "protocol", json_string(low));
		if (strcasecmp(proto, "ICMP") && (lo >= 0 || hi >= 0)) {
			json_object_set_new(r, "port_range_min", json_integer(lo >= 0 ? lo : hi));
			json_object_set_new(r, "port_range_max", json_integer(hi >= 0 ? hi : lo));
		}
	}
	*ret = json_pack("{s:o}", "security_group_rule", r);
	return *ret ? 0 : os_oom(err);
}

static bool rule_same(json_t *a, json_t *b)
{
	static const char *const keys[] = { "Direction", "IPProtocol", "FromPort", "ToPort", "CIDR" };

	for (size_t k = 0; k < ELEMENTSOF(keys); k++)
		if (strcasecmp(json_string_value(json_object_get(a, keys[k])) ?: "",
			       json_string_value(json_object_get(b, keys[k])) ?: ""))
			return false;
	return true;
}

/* The neutron rule of sg (a neutron document) that is the Spider rule,
 * or NULL. */
static json_t *rule_find(json_t *sg, json_t *rule)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(sg, "security_group_rules"), i, r) {
		_cleanup_json_ json_t *mine = os_rule_info(r);

		if (mine && rule_same(mine, rule))
			return r;
	}
	return NULL;
}

static int sg_fetch(sp_session *s, const struct os_what *w, const char *id,
		    json_t **ret_sg, sp_error *err)
{
	_cleanup_free_ char *path = os_path("/security-groups/%s", id);
	_cleanup_json_ json_t *doc = NULL;
	json_t *sg;

	if (!path)
		return os_oom(err);
	if (os_call(s, w, OS_NETWORK, "GET", path, NULL, &doc, err) < 0)
		return -1;
	if (!json_is_object(sg = json_object_get(doc, "security_group")))
		return sp_error_set(err, SP_ERR_CLOUD, "neutron: the answer for security group '%s' has no 'security_group'", id);
	*ret_sg = json_incref(sg);
	return 0;
}

/* Add rules to the group: all of them or none.  skip_present passes over
 * rules the group has (neutron's default egress rules at create). */
static int rules_add(sp_session *s, const struct os_what *w, const char *id,
		     json_t *rules, bool skip_present, sp_error *err)
{
	_cleanup_json_ json_t *sg = NULL;
	_cleanup_json_ json_t *added = json_array();
	json_t *rule, *made_id;
	sp_error ignored;
	size_t i, j;

	if (!added)
		return os_oom(err);
	if (rules && !json_is_array(rules))
		return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityRules' must be an array");
	if (sg_fetch(s, w, id, &sg, err) < 0)
		return -1;
	json_array_foreach(rules, i, rule) {
		_cleanup_json_ json_t *body = NULL;

		if (rule_body(id, rule, i, &body, err) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (rule_same(json_array_get(rules, j), rule))
				return sp_error_set(err, SP_ERR_INVALID, "field 'SecurityRules[%zu]' repeats SecurityRules[%zu]", i, j);
		if (!skip_present && rule_find(sg, rule))
			return sp_error_set(err, SP_ERR_CONFLICT, "security group '%s' has the rule SecurityRules[%zu] already", id, i);
	}
	json_array_foreach(rules, i, rule) {
		_cleanup_json_ json_t *body = NULL;
		_cleanup_json_ json_t *made = NULL;

		if (rule_find(sg, rule))
			continue;
		if (rule_body(id, rule, i, &body, err) < 0 ||
		    os_call(s, w, OS_NETWORK, "POST", "/security-group-rules", body, &made, err) < 0)
			goto undo;
		made_id = json_object_get(json_object_get(made, "security_group_rule"), "id");
		if (json_is_string(made_id))
			json_array_append(added, made_id);
	}
	return 0;
undo:
	json_array_foreach(added, j, made_id)
		neutron_delete(s, w, "security-group-rules", json_string_value(made_id), &ignored);
	return -1;
}

static int sg_read(sp_session *s, const struct os_what *w, const char *id,
		   json_t **ret_info, sp_error *err)
{
	_cleanup_json_ json_t *sg = NULL;

	if (sg_fetch(s, w, id, &sg, err) < 0)
		return -1;
	if (!(*ret_info = os_sg_info(sg)))
		return os_oom(err);
	return 0;
}

static int sg_create(sp_session *s, json_t *req, json_t **ret_info, sp_error *err)
{
	_cleanup_json_ json_t *tags = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_json_ json_t *made = NULL;
	_cleanup_free_ char *desc = NULL;
	_cleanup_free_ char *id = NULL;
	const char *name, *vpc = os_json_iid_id(json_object_get(req, "VpcIID"));
	struct os_what w = { "SECURITYGROUP", "" };
	sp_error ignored;

	if (os_req_str(json_object_get(req, "IId"), "NameId", &name, err) < 0 ||
	    os_req_tags(req, "", &tags, err) < 0)
		return -1;
	w.rname = name;
	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "field 'IId.NameId' is required");
	if (vpc && asprintf(&desc, "spider-vpc=%s", vpc) < 0) {
		desc = NULL;
		return os_oom(err);
	}
	if (!(body = json_pack("{s:{s:s, s:s}}", "security_group", "name", name, "description", desc ? desc : "")))
		return os_oom(err);
	if (os_call(s, &w, OS_NETWORK, "POST", "/security-groups", body, &made, err) < 0)
		return -1;
	if (!(id = strdup(json_string_value(json_object_get(json_object_get(made, "security_group"), "id")) ?: "")))
		return os_oom(err);
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "neutron: the new security group '%s' has no id", name);
	if (rules_add(s, &w, id, json_object_get(req, "SecurityRules"), true, err) < 0 ||
	    neutron_tags(s, &w, "security-groups", id, tags, err) < 0 ||
	    sg_read(s, &w, id, ret_info, err) < 0) {
		neutron_delete(s, &w, "security-groups", id, &ignored);
		return -1;
	}
	return 0;
}

static int sg_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "SECURITYGROUP", "" };
	_cleanup_json_ json_t *sgs = NULL;
	_cleanup_json_ json_t *out = json_array();
	_cleanup_free_ char *project = NULL;
	_cleanup_free_ char *path = NULL;
	json_t *sg;
	size_t i;

	if (!out)
		return os_oom(err);
	if (os_project(s, &w, &project, err) < 0)
		return -1;
	if (!(path = os_path("/security-groups?project_id=%s", project)))
		return os_oom(err);
	if (os_list(s, &w, OS_NETWORK, path, "security_groups", &sgs, err) < 0)
		return -1;
	json_array_foreach(sgs, i, sg)
		if (json_array_append_new(out, os_sg_info(sg)) < 0)
			return os_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

static int sg_get(sp_session *s, const sp_iid *iid, json_t **ret_info, sp_error *err)
{
	struct os_what w = { "SECURITYGROUP", iid ? iid->name_id : "" };
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "security group IID is empty");
	return sg_read(s, &w, id, ret_info, err);
}

static int sg_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	struct os_what w = { "SECURITYGROUP", iid ? iid->name_id : "" };
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "security group IID is empty");
	return neutron_delete(s, &w, "security-groups", id, err);
}

const sp_resource_ops os_sg_ops = {
	.size = sizeof(sp_resource_ops),
	.create = sg_create,
	.list = sg_list,
	.get = sg_get,
	.remove = sg_remove,
};

static int sgrule_add(sp_session *s, const sp_iid *sg, json_t *rules,
		      json_t **ret_sg_info, sp_error *err)
{
	struct os_what w = { "SECURITYGROUP", sg ? sg->name_id : "" };
	const char *id = os_iid_id(sg);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "security group IID is empty");
	if (rules_add(s, &w, id, rules, false, err) < 0)
		return -1;
	return sg_read(s, &w, id, ret_sg_info, err);
}

static int sgrule_remove(sp_session *s, const sp_iid *sg, json_t *rules, sp_error *err)
{
	struct os_what w = { "SECURITYGROUP", sg ? sg->name_id : "" };
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_json_ json_t *ids = json_array();
	const char *id = os_iid_id(sg);
	json_t *rule, *hit;
	size_t i;

	if (!ids)
		return os_oom(err);
	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "security group IID is empty");
	if (!json_is_array(rules))
		return sp_error_set(err, SP_ERR_INVALID, "field 'RuleInfoList' must be an array");
	if (sg_fetch(s, &w, id, &doc, err) < 0)
		return -1;
	json_array_foreach(rules, i, rule) {
		if (!(hit = rule_find(doc, rule)))
			return sp_error_set(err, SP_ERR_NOT_FOUND, "security group '%s' has no rule like RuleInfoList[%zu]", id, i);
		json_array_append(ids, json_object_get(hit, "id"));
	}
	json_array_foreach(ids, i, hit)
		if (neutron_delete(s, &w, "security-group-rules", json_string_value(hit) ?: "", err) < 0)
			return -1;
	return 0;
}

const sp_sgrule_ops os_sgrule_ops = {
	.size = sizeof(sp_sgrule_ops),
	.add = sgrule_add,
	.remove = sgrule_remove,
};
