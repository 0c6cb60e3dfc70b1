/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/tag.c - tags on every resource, and AnyCall.
 *
 * Tags live in each doc's "tags" ([{"Key","Value"}]); a subnet's are in
 * its entry of its VPC's doc.
 */
#include "mock.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

/* Where the tags of one object are: the doc holding them, and for a
 * subnet its index in that VPC doc's subnets. */
struct tag_place {
	enum mock_kind kind;
	json_t *doc;
	ssize_t subnet; /* -1: the doc's own tags */
	const char *noun, *id;
};

static json_t *place_tags(json_t *doc, ssize_t subnet)
{
	if (subnet >= 0)
		doc = json_array_get(json_object_get(doc, "subnets"), (size_t)subnet);
	return json_object_get(doc, "tags");
}

static int place_find(sp_session *s, const char *type, const sp_iid *iid,
		      struct tag_place *p, sp_error *err)
{
	const char *id = mock_iid_id(iid), *vpc;
	int kind;

	p->subnet = -1;
	if (type && !strcasecmp(type, "subnet")) {
		if (!id)
			return sp_error_set(err, SP_ERR_INVALID, "mock: no subnet given: the IID is empty");
		vpc = json_string_value(json_object_get(s->cloud->subnets, id));
		if (!vpc || mock_need(s, MOCK_VPC, vpc, &p->doc, err) < 0)
			return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: subnet '%s' does not exist", id);
		p->kind = MOCK_VPC;
		p->subnet = mock_docs_index(json_object_get(p->doc, "subnets"), "id", id);
		p->noun = "subnet";
		p->id = id;
		return 0;
	}
	if ((kind = mock_kind_parse(type)) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "mock: tag resource type '%s' is unknown: want vpc, subnet, sg, keypair, vm, disk or myimage", mock_str(type));
	if (mock_need_iid(s, kind, iid, &p->doc, err) < 0)
		return -1;
	p->kind = kind;
	p->noun = mock_kind_noun(kind);
	p->id = mock_doc_str(p->doc, "id");
	return 0;
}

static int tag_missing(sp_error *err, const char *key,
		       const struct tag_place *p)
{
	return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: tag '%s' does not exist on %s '%s'", key, p->noun, p->id);
}

static int key_check(const char *key, sp_error *err)
{
	if (!key || !*key)
		return sp_error_set(err, SP_ERR_INVALID, "mock: a tag key is required");
	return 0;
}

/* Set key to value, or remove it when value is NULL. */
static int tag_write(sp_session *s, enum mock_op op, const char *type,
		     const sp_iid *iid, const char *key, const char *value,
		     sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	struct tag_place p;
	json_t *doc, *tags;
	ssize_t at;
	int r;

	if (mock_enter(s, op, err) < 0 || key_check(key, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (place_find(s, type, iid, &p, err) < 0)
		return -1;
	at = mock_docs_index(place_tags(p.doc, p.subnet), "Key", key);
	if (!value && at < 0)
		return tag_missing(err, key, &p);
	if (!(doc = json_deep_copy(p.doc)))
		return mock_oom(err);
	tags = place_tags(doc, p.subnet);
	if (!value)
		r = json_array_remove(tags, (size_t)at);
	else if (at >= 0)
		r = json_object_set_new(json_array_get(tags, (size_t)at), "Value", json_string(value));
	else
		r = json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", key, "Value", value));
	if (r < 0) {
		json_decref(doc);
		return mock_oom(err);
	}
	if (mock_batch_put(&b, p.kind, doc, err) < 0)
		return -1;
	return mock_commit(c, &b, err);
}

/* All tags, or the one with key when key is not NULL. */
static int tag_read(sp_session *s, enum mock_op op, const char *type,
		    const sp_iid *iid, const char *key, json_t **ret,
		    sp_error *err)
{
	_cleanup_read_unlock_ struct mock_cloud *c = NULL;
	struct tag_place p;
	json_t *found, *out;

	if (mock_enter(s, op, err) < 0 || (op == MOCK_OP_GET_TAG && key_check(key, err) < 0))
		return -1;
	c = mock_read_lock(s->cloud);
	if (place_find(s, type, iid, &p, err) < 0)
		return -1;
	found = place_tags(p.doc, p.subnet);
	if (key && !(found = mock_docs_find(found, "Key", key)))
		return tag_missing(err, key, &p);
	if (!(out = json_deep_copy(found)))
		return mock_oom(err);
	*ret = out;
	return 0;
}

static int tag_add(sp_session *s, const char *type, const sp_iid *iid,
		   const char *key, const char *value, sp_error *err)
{
	return tag_write(s, MOCK_OP_ADD_TAG, type, iid, key, mock_str(value), err);
}

static int tag_list(sp_session *s, const char *type, const sp_iid *iid,
		    json_t **ret_array, sp_error *err)
{
	return tag_read(s, MOCK_OP_LIST_TAG, type, iid, NULL, ret_array, err);
}

static int tag_get(sp_session *s, const char *type, const sp_iid *iid,
		   const char *key, json_t **ret_tag, sp_error *err)
{
	return tag_read(s, MOCK_OP_GET_TAG, type, iid, key, ret_tag, err);
}

static int tag_remove(sp_session *s, const char *type, const sp_iid *iid,
		      const char *key, sp_error *err)
{
	return tag_write(s, MOCK_OP_REMOVE_TAG, type, iid, key, NULL, err);
}

const sp_tag_ops mock_tag_ops = {
	.size = sizeof(sp_tag_ops),
	.add = tag_add,
	.list = tag_list,
	.get = tag_get,
	.remove = tag_remove,
};

/* countAll: the number of objects of rsType that list() shows. */
int mock_anycall(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_read_unlock_ struct mock_cloud *c = NULL;
	json_t *in, *doc, *out;
	const char *fid, *rs, *id;
	size_t n = 0;
	int64_t now;
	int kind;

	if (mock_enter(s, MOCK_OP_ANYCALL, err) < 0 ||
	    mock_req_str(req, "FID", &fid, err) < 0)
		return -1;
	if (strcmp(fid, "countAll"))
		return sp_error_set(err, SP_ERR_INVALID, "mock: AnyCall FID '%s' is unknown: want countAll", fid);
	in = json_object_get(req, "IKeyValueList");
	rs = json_string_value(json_object_get(mock_docs_find(in, "Key", "rsType"), "Value"));
	if (!rs)
		return sp_error_set(err, SP_ERR_INVALID, "mock: countAll needs the key 'rsType' in IKeyValueList");
	if ((kind = mock_kind_parse(rs)) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "mock: countAll rsType '%s' is unknown: want vpc, sg, keypair, vm, disk or myimage", rs);
	now = mock_now_ms();
	c = mock_read_lock(s->cloud);
	json_object_foreach(c->objs[kind], id, doc)
		n += mock_visible(s, kind, doc, now);
	out = json_pack("{s:s, s:o, s:[{s:s, s:o}]}", "FID", fid,
			"IKeyValueList", in ? json_deep_copy(in) : json_array(),
			"OKeyValueList", "Key", "Count", "Value", json_sprintf("%zu", n));
	if (!out)
		return mock_oom(err);
	*ret = out;
	return 0;
}
