/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/net.c - VPCs with their subnets, security groups with their
 * rules.
 *
 * Docs: vpc {"cidr", "subnets":[{"id","zone","cidr","tags"}]} and
 * sg {"vpc", "rules":[rule]} besides the common fields, a rule being the
 * daemon's normalised {"Direction","IPProtocol","FromPort","ToPort","CIDR"}.
 */
#include "mock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

/* Decimal digits from *p, at most max_digits of them, no larger than max. */
static bool cidr_number(const char **p, int max_digits, long max)
{
	long n = 0;
	int digits = 0;

	while (isdigit((unsigned char)**p) && digits < max_digits) {
		n = n * 10 + (*(*p)++ - '0');
		digits++;
	}
	return digits > 0 && n <= max;
}

/* a.b.c.d/n */
static bool cidr_valid(const char *v)
{
	const char *p = v;

	for (int i = 0; i < 4; i++)
		if (!cidr_number(&p, 3, 255) || *p++ != (i < 3 ? '.' : '/'))
			return false;
	return cidr_number(&p, 2, 32) && !*p;
}

static int req_cidr(json_t *req, const char *prefix, const char **ret,
		    sp_error *err)
{
	const char *cidr;

	if (mock_req_str(req, "IPv4_CIDR", &cidr, err) < 0)
		return -1;
	if (!cidr_valid(cidr))
		return sp_error_set(err, SP_ERR_INVALID, "mock: %sIPv4_CIDR '%s' is invalid: want a.b.c.d/n", prefix, cidr);
	*ret = cidr;
	return 0;
}

/* A subnet request as a doc. */
static int subnet_parse(sp_session *s, json_t *req, const char *prefix,
			json_t **ret_doc, sp_error *err)
{
	const char *id, *zone, *cidr;
	json_t *tags = NULL, *doc;

	if (mock_req_name(req, prefix, &id, err) < 0 ||
	    mock_req_zone(s, req, prefix, &zone, err) < 0 ||
	    req_cidr(req, prefix, &cidr, err) < 0 ||
	    mock_req_tags(req, prefix, &tags, err) < 0)
		return -1;
	doc = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "zone", zone, "cidr", cidr, "tags", tags);
	if (!doc)
		return mock_oom(err);
	*ret_doc = doc;
	return 0;
}

static int subnet_check_free(struct mock_cloud *c, const char *id,
			     sp_error *err)
{
	if (json_object_get(c->subnets, id))
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: subnet '%s' already exists", id);
	return 0;
}

json_t *mock_vpc_info(struct mock_cloud *c, json_t *doc)
{
	_cleanup_json_ json_t *list = json_array();
	const char *cidr, *zone, *scidr;
	json_t *subnets, *sub;
	size_t i;

	if (!list || json_unpack(doc, "{s:s, s:o}", "cidr", &cidr, "subnets", &subnets) < 0 || !json_is_array(subnets))
		return NULL;
	json_array_foreach(subnets, i, sub)
		if (json_unpack(sub, "{s:s, s:s}", "zone", &zone, "cidr", &scidr) < 0 ||
		    json_array_append_new(list, mock_info_make(sub, json_pack("{s:s, s:s}", "Zone", zone, "IPv4_CIDR", scidr))) < 0)
			return NULL;
	return mock_info_make(doc, json_pack("{s:s, s:O}", "IPv4_CIDR", cidr, "SubnetInfoList", list));
}

static int vpc_create(sp_session *s, json_t *req, json_t **ret_info,
		      sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	_cleanup_json_ json_t *subnets = json_array();
	json_t *tags = NULL, *list, *sreq, *sub, *doc;
	const char *id, *cidr;
	size_t i;

	if (mock_enter(s, MOCK_OP_CREATE_VPC, err) < 0 ||
	    mock_req_name(req, "", &id, err) < 0 ||
	    req_cidr(req, "", &cidr, err) < 0)
		return -1;
	if (!subnets)
		return mock_oom(err);
	list = json_object_get(req, "SubnetInfoList");
	if (list && !json_is_null(list) && !json_is_array(list))
		return sp_error_set(err, SP_ERR_INVALID, "mock: SubnetInfoList must be a list of subnets");
	json_array_foreach(list, i, sreq) {
		char prefix[48];

		snprintf(prefix, sizeof(prefix), "SubnetInfoList[%zu].", i);
		if (subnet_parse(s, sreq, prefix, &sub, err) < 0)
			return -1;
		if (json_array_append_new(subnets, sub) < 0)
			return mock_oom(err);
		if (mock_docs_find(subnets, "id", mock_doc_str(sub, "id")) != sub)
			return sp_error_set(err, SP_ERR_INVALID, "mock: SubnetInfoList names subnet '%s' twice", mock_doc_str(sub, "id"));
	}
	if (mock_req_tags(req, "", &tags, err) < 0)
		return -1;
	doc = mock_doc_new(s, id, tags, json_pack("{s:s, s:O}", "cidr", cidr, "subnets", subnets));
	if (mock_create_lock(s, &b, MOCK_VPC, doc, &c, err) < 0)
		return -1;
	json_array_foreach(subnets, i, sub)
		if (subnet_check_free(c, mock_doc_str(sub, "id"), err) < 0)
			return -1;
	return mock_commit_info(s, &b, MOCK_VPC, id, ret_info, err);
}

MOCK_DEFINE_READERS(vpc, MOCK_VPC, MOCK_OP_LIST_VPC, MOCK_OP_GET_VPC)

static int vpc_check_remove(sp_session *s, json_t *vpc, sp_error *err)
{
	const char *id = mock_doc_str(vpc, "id"), *sg_id;
	json_t *sg;

	json_object_foreach(s->cloud->objs[MOCK_SG], sg_id, sg)
		if (!strcmp(mock_doc_str(sg, "vpc"), id))
			return mock_in_use(err, "vpc", id, "security group", sg_id);
	return mock_check_unused(s->cloud, "vpc", "vpc", id, err);
}

static int vpc_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	return mock_remove(s, MOCK_OP_DELETE_VPC, MOCK_VPC, iid, vpc_check_remove, err);
}

static int subnet_add(sp_session *s, const sp_iid *vpc, json_t *subnet_req,
		      json_t **ret_vpc_info, sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	_cleanup_json_ json_t *sub = NULL;
	json_t *old, *doc;

	if (mock_enter(s, MOCK_OP_ADD_SUBNET, err) < 0 ||
	    subnet_parse(s, subnet_req, "", &sub, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (mock_need_iid(s, MOCK_VPC, vpc, &old, err) < 0 ||
	    subnet_check_free(c, mock_doc_str(sub, "id"), err) < 0)
		return -1;
	doc = json_deep_copy(old);
	if (!doc || json_array_append(json_object_get(doc, "subnets"), sub) < 0) {
		json_decref(doc);
		return mock_oom(err);
	}
	if (mock_batch_put(&b, MOCK_VPC, doc, err) < 0)
		return -1;
	return mock_commit_info(s, &b, MOCK_VPC, mock_doc_str(old, "id"), ret_vpc_info, err);
}

static int subnet_remove(sp_session *s, const sp_iid *vpc,
			 const sp_iid *subnet, sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	const char *id = mock_iid_id(subnet), *vpc_id;
	json_t *old, *doc;
	ssize_t at;

	if (mock_enter(s, MOCK_OP_REMOVE_SUBNET, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (mock_need_iid(s, MOCK_VPC, vpc, &old, err) < 0)
		return -1;
	vpc_id = mock_doc_str(old, "id");
	if ((at = mock_docs_index(json_object_get(old, "subnets"), "id", id)) < 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: subnet '%s' does not exist in vpc '%s'", mock_str(id), vpc_id);
	if (mock_check_unused(c, "subnet", "subnet", id, err) < 0)
		return -1;
	doc = json_deep_copy(old);
	if (!doc || json_array_remove(json_object_get(doc, "subnets"), (size_t)at) < 0) {
		json_decref(doc);
		return mock_oom(err);
	}
	if (mock_batch_put(&b, MOCK_VPC, doc, err) < 0)
		return -1;
	return mock_commit(c, &b, err);
}

/* ---- security groups ------------------------------------------------ */

static const char *const rule_keys[] = { "Direction", "IPProtocol", "FromPort", "ToPort", "CIDR" };

/* The rule with only its five fields, for comparing with json_equal(). */
static int rule_parse(json_t *rule, const char *what, size_t i,
		      json_t **ret_rule, sp_error *err)
{
	_cleanup_json_ json_t *out = json_object();

	if (!out)
		return mock_oom(err);
	for (size_t k = 0; k < ELEMENTSOF(rule_keys); k++) {
		json_t *v = json_object_get(rule, rule_keys[k]);

		if (!json_is_string(v))
			return sp_error_set(err, SP_ERR_INVALID, "mock: %s[%zu] lacks the string '%s'", what, i, rule_keys[k]);
		if (json_object_set_new(out, rule_keys[k], json_string(json_string_value(v))) < 0)
			return mock_oom(err);
	}
	*ret_rule = TAKE_PTR(out);
	return 0;
}

static ssize_t rule_find(json_t *rules, json_t *rule)
{
	json_t *r;
	size_t i;

	json_array_foreach(rules, i, r)
		if (json_equal(r, rule))
			return (ssize_t)i;
	return -1;
}

static const char *rule_text(json_t *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s %s-%s %s", mock_doc_str(r, "Direction"), mock_doc_str(r, "IPProtocol"), mock_doc_str(r, "FromPort"), mock_doc_str(r, "ToPort"), mock_doc_str(r, "CIDR"));
	return buf;
}

/* Add every rule of list to have, or remove every one from it; what names
 * list in messages.  Stops at the first rule that is already there (or
 * missing), leaving have half changed: callers change a copy. */
static int rules_change(const char *sg, json_t *have, json_t *list,
			const char *what, bool add, sp_error *err)
{
	json_t *rule;
	size_t i;
	char text[512];

	if (!json_is_array(list))
		return sp_error_set(err, SP_ERR_INVALID, "mock: %s must be a list of rules", what);
	json_array_foreach(list, i, rule) {
		_cleanup_json_ json_t *r = NULL;
		ssize_t at;

		if (rule_parse(rule, what, i, &r, err) < 0)
			return -1;
		at = rule_find(have, r);
		if (add && at >= 0)
			return sp_error_set(err, SP_ERR_CONFLICT, "mock: security group '%s' already has rule '%s'", sg, rule_text(r, text, sizeof(text)));
		if (!add && at < 0)
			return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: rule '%s' does not exist in security group '%s'", rule_text(r, text, sizeof(text)), sg);
		if ((add ? json_array_append(have, r) : json_array_remove(have, (size_t)at)) < 0)
			return mock_oom(err);
	}
	return 0;
}

json_t *mock_sg_info(struct mock_cloud *c, json_t *doc)
{
	const char *vpc;
	json_t *rules;

	if (json_unpack(doc, "{s:s, s:o}", "vpc", &vpc, "rules", &rules) < 0)
		return NULL;
	return mock_info_make(doc, json_pack("{s:o, s:o}", "VpcIID", mock_iid(vpc), "SecurityRules", json_deep_copy(rules)));
}

static int sg_create(sp_session *s, json_t *req, json_t **ret_info,
		     sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	_cleanup_json_ json_t *rules = json_array();
	json_t *tags = NULL, *list, *doc, *vpc_doc;
	const char *id, *vpc;

	if (mock_enter(s, MOCK_OP_CREATE_SG, err) < 0 ||
	    mock_req_name(req, "", &id, err) < 0 ||
	    mock_req_iid(req, "VpcIID", &vpc, err) < 0)
		return -1;
	if (mock_required(vpc, "VpcIID", err) < 0)
		return -1;
	if (!rules)
		return mock_oom(err);
	list = json_object_get(req, "SecurityRules");
	if (list && !json_is_null(list) &&
	    rules_change(id, rules, list, "SecurityRules", true, err) < 0)
		return -1;
	if (mock_req_tags(req, "", &tags, err) < 0)
		return -1;
	doc = mock_doc_new(s, id, tags, json_pack("{s:s, s:O}", "vpc", vpc, "rules", rules));
	if (mock_create_lock(s, &b, MOCK_SG, doc, &c, err) < 0 ||
	    mock_need(s, MOCK_VPC, vpc, &vpc_doc, err) < 0)
		return -1;
	return mock_commit_info(s, &b, MOCK_SG, id, ret_info, err);
}

MOCK_DEFINE_READERS(sg, MOCK_SG, MOCK_OP_LIST_SG, MOCK_OP_GET_SG)

static int sg_check_remove(sp_session *s, json_t *sg, sp_error *err)
{
	return mock_check_unused(s->cloud, "sgs", "security group", mock_doc_str(sg, "id"), err);
}

static int sg_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	return mock_remove(s, MOCK_OP_DELETE_SG, MOCK_SG, iid, sg_check_remove, err);
}

/* Both rule changes are all or nothing: they change a copy of the doc. */
static int sgrule_change(sp_session *s, const sp_iid *sg, json_t *rules,
			 bool add, json_t **ret_sg_info, sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	json_t *old, *doc;
	const char *id;

	if (mock_enter(s, add ? MOCK_OP_ADD_RULES : MOCK_OP_REMOVE_RULES, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (mock_need_iid(s, MOCK_SG, sg, &old, err) < 0)
		return -1;
	id = mock_doc_str(old, "id");
	if (!(doc = json_deep_copy(old)))
		return mock_oom(err);
	if (mock_batch_put(&b, MOCK_SG, doc, err) < 0 ||
	    rules_change(id, json_object_get(doc, "rules"), rules, "rules", add, err) < 0)
		return -1;
	return mock_commit_info(s, &b, MOCK_SG, id, ret_sg_info, err);
}

static int sgrule_add(sp_session *s, const sp_iid *sg, json_t *rules,
		      json_t **ret_sg_info, sp_error *err)
{
	return sgrule_change(s, sg, rules, true, ret_sg_info, err);
}

static int sgrule_remove(sp_session *s, const sp_iid *sg, json_t *rules,
			 sp_error *err)
{
	return sgrule_change(s, sg, rules, false, NULL, err);
}

const sp_resource_ops mock_vpc_ops = {
	.size = sizeof(sp_resource_ops),
	.create = vpc_create,
	.list = vpc_list,
	.get = vpc_get,
	.remove = vpc_remove,
};

const sp_subnet_ops mock_subnet_ops = {
	.size = sizeof(sp_subnet_ops),
	.add = subnet_add,
	.remove = subnet_remove,
};

const sp_resource_ops mock_sg_ops = {
	.size = sizeof(sp_resource_ops),
	.create = sg_create,
	.list = sg_list,
	.get = sg_get,
	.remove = sg_remove,
};

const sp_sgrule_ops mock_sgrule_ops = {
	.size = sizeof(sp_sgrule_ops),
	.add = sgrule_add,
	.remove = sgrule_remove,
};
