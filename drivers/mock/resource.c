/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/resource.c - what every resource method shares: looking
 * objects up, reading requests, building results, and the list, get and
 * remove methods, which differ between kinds only in their checks.
 */
#include "mock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/macros.h"
#include "util/banned.h"

static const struct {
	const char *name; /* row kind, tag type, rsType */
	const char *noun; /* in messages */
	json_t *(*info)(struct mock_cloud *c, json_t *doc);
} kinds[MOCK_KIND__COUNT] = {
	[MOCK_VPC] = { "vpc", "vpc", mock_vpc_info },
	[MOCK_SG] = { "sg", "security group", mock_sg_info },
	[MOCK_KEYPAIR] = { "keypair", "key pair", mock_keypair_info },
	[MOCK_VM] = { "vm", "vm", mock_vm_info },
	[MOCK_DISK] = { "disk", "disk", mock_disk_info },
	[MOCK_MYIMAGE] = { "myimage", "my image", mock_myimage_info },
};

int mock_oom(sp_error *err)
{
	return sp_error_set(err, SP_ERR_INTERNAL, "out of memory");
}

const char *mock_str(const char *s)
{
	return s ? s : "";
}

int64_t mock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mock_time_format(int64_t ms, char buf[static 32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

const char *mock_kind_name(enum mock_kind kind)
{
	return kinds[kind].name;
}

const char *mock_kind_noun(enum mock_kind kind)
{
	return kinds[kind].noun;
}

int mock_kind_parse(const char *name)
{
	for (int k = 0; k < MOCK_KIND__COUNT; k++)
		if (name && !strcasecmp(name, kinds[k].name))
			return k;
	return -1;
}

const char *mock_doc_str(json_t *doc, const char *key)
{
	return mock_str(json_string_value(json_object_get(doc, key)));
}

int64_t mock_doc_ms(json_t *doc, const char *key)
{
	return json_integer_value(json_object_get(doc, key));
}

bool mock_refers(json_t *v, const char *id)
{
	json_t *item;
	size_t i;

	if (json_is_string(v))
		return !strcmp(json_string_value(v), id);
	json_array_foreach(v, i, item)
		if (json_is_string(item) && !strcmp(json_string_value(item), id))
			return true;
	return false;
}

json_t *mock_find(struct mock_cloud *c, enum mock_kind kind, const char *id)
{
	return id ? json_object_get(c->objs[kind], id) : NULL;
}

int mock_need(sp_session *s, enum mock_kind kind, const char *id,
	      json_t **ret_doc, sp_error *err)
{
	json_t *doc = mock_find(s->cloud, kind, id);

	if (!doc || strcmp(mock_doc_str(doc, "region"), s->region))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "mock: %s '%s' does not exist", kinds[kind].noun, mock_str(id));
	*ret_doc = doc;
	return 0;
}

const char *mock_iid_id(const sp_iid *iid)
{
	if (!iid)
		return NULL;
	if (iid->system_id && *iid->system_id)
		return iid->system_id;
	if (iid->name_id && *iid->name_id)
		return iid->name_id;
	return NULL;
}

int mock_need_iid(sp_session *s, enum mock_kind kind, const sp_iid *iid,
		  json_t **ret_doc, sp_error *err)
{
	const char *id = mock_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "mock: no %s given: the IID is empty", kinds[kind].noun);
	return mock_need(s, kind, id, ret_doc, err);
}

int mock_check_free(struct mock_cloud *c, enum mock_kind kind,
		    const char *id, sp_error *err)
{
	if (mock_find(c, kind, id))
		return sp_error_set(err, SP_ERR_CONFLICT, "mock: %s '%s' already exists", kinds[kind].noun, id);
	return 0;
}

bool mock_visible(sp_session *s, enum mock_kind kind, json_t *doc,
		  int64_t now)
{
	return !strcmp(mock_doc_str(doc, "region"), s->region) &&
	       (kind != MOCK_VM || mock_vm_state(doc, now) != SP_VM_TERMINATED);
}

json_t *mock_live_vm_using(struct mock_cloud *c, const char *key,
			   const char *id, int64_t now)
{
	const char *vm_id;
	json_t *vm;

	json_object_foreach(c->objs[MOCK_VM], vm_id, vm)
		if (mock_refers(json_object_get(vm, key), id) &&
		    mock_vm_state(vm, now) != SP_VM_TERMINATED)
			return vm;
	return NULL;
}

int mock_in_use(sp_error *err, const char *noun, const char *id,
		const char *user_noun, const char *user_id)
{
	return sp_error_set(err, SP_ERR_CONFLICT, "mock: DependencyViolation: %s '%s' is in use by %s '%s'", noun, id, user_noun, user_id);
}

int mock_check_unused(struct mock_cloud *c, const char *key,
		      const char *noun, const char *id, sp_error *err)
{
	json_t *vm = mock_live_vm_using(c, key, id, mock_now_ms());

	return vm ? mock_in_use(err, noun, id, "vm", mock_doc_str(vm, "id")) : 0;
}

int mock_req_str(json_t *req, const char *key, const char **ret,
		 sp_error *err)
{
	json_t *v = json_object_get(req, key);

	if (v && !json_is_null(v) && !json_is_string(v))
		return sp_error_set(err, SP_ERR_INVALID, "mock: '%s' must be a string", key);
	*ret = mock_str(json_string_value(v));
	return 0;
}

int mock_iid_parse(json_t *v, const char *what, const char **ret_id,
		   sp_error *err)
{
	const char *sys = NULL, *name = NULL;

	if (v && !json_is_null(v) &&
	    json_unpack(v, "{s?s, s?s}", "SystemId", &sys, "NameId", &name) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "mock: %s must be an IID {\"NameId\",\"SystemId\"}", what);
	*ret_id = sys && *sys ? sys : mock_str(name);
	return 0;
}

int mock_req_iid(json_t *req, const char *key, const char **ret_id,
		 sp_error *err)
{
	return mock_iid_parse(json_object_get(req, key), key, ret_id, err);
}

int mock_req_name(json_t *req, const char *prefix, const char **ret_id,
		  sp_error *err)
{
	const char *id = json_string_value(json_object_get(json_object_get(req, "IId"), "NameId"));

	if (!id || !*id)
		return sp_error_set(err, SP_ERR_INVALID, "mock: %sIId.NameId is required", prefix);
	if (strlen(id) > MOCK_ID_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "mock: %sIId.NameId '%s' is too long: at most %d characters", prefix, id, MOCK_ID_MAX);
	*ret_id = id;
	return 0;
}

int mock_req_tags(json_t *req, const char *prefix, json_t **ret_tags,
		  sp_error *err)
{
	json_t *list = json_object_get(req, "TagList"), *tag;
	_cleanup_json_ json_t *tags = json_array();
	size_t i;

	if (!tags)
		return mock_oom(err);
	if (list && !json_is_null(list) && !json_is_array(list))
		return sp_error_set(err, SP_ERR_INVALID, "mock: %sTagList must be a list of {\"Key\",\"Value\"}", prefix);
	json_array_foreach(list, i, tag) {
		const char *key = NULL, *value = NULL;

		if (json_unpack(tag, "{s:s, s?s}", "Key", &key, "Value", &value) < 0 || !*key)
			return sp_error_set(err, SP_ERR_INVALID, "mock: %sTagList[%zu] must be {\"Key\",\"Value\"} with a non-empty Key", prefix, i);
		if (mock_docs_find(tags, "Key", key))
			return sp_error_set(err, SP_ERR_INVALID, "mock: %sTagList has key '%s' twice", prefix, key);
		if (json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", key, "Value", mock_str(value))) < 0)
			return mock_oom(err);
	}
	*ret_tags = TAKE_PTR(tags);
	return 0;
}

int mock_req_zone(sp_session *s, json_t *req, const char *prefix,
		  const char **ret_zone, sp_error *err)
{
	json_t *region = mock_docs_find(s->cloud->regions, "region_id", s->region);
	const char *zone = "";

	if (mock_req_str(req, "Zone", &zone, err) < 0)
		return -1;
	if (!*zone)
		zone = mock_str(s->zone);
	else if (!mock_docs_find(json_object_get(region, "zones"), "zone_id", zone))
		return sp_error_set(err, SP_ERR_INVALID, "mock: %sZone '%s' is not a zone of region '%s'", prefix, zone, s->region);
	*ret_zone = zone;
	return 0;
}

long mock_parse_size(const char *v, long max)
{
	long n = 0;

	if (!v || !*v || strlen(v) > 9)
		return -1;
	for (const char *p = v; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n >= 1 && n <= max ? n : -1;
}

int mock_required(const char *v, const char *field, sp_error *err)
{
	if (!v || !*v)
		return sp_error_set(err, SP_ERR_INVALID, "mock: %s is required", field);
	return 0;
}

json_t *mock_doc_new(sp_session *s, const char *id, json_t *tags,
		     json_t *fields)
{
	_cleanup_json_ json_t *own = fields;
	json_t *doc = json_pack("{s:s, s:s, s:I, s:o}", "id", id, "region", s->region,
				"created_ms", (json_int_t)mock_now_ms(), "tags", tags);

	if (doc && (!fields || json_object_update(doc, fields) < 0)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *mock_iid(const char *id)
{
	return json_pack("{s:s, s:s}", "NameId", id, "SystemId", id);
}

json_t *mock_iid_list(json_t *ids)
{
	json_t *out = json_array(), *id;
	size_t i;

	json_array_foreach(ids, i, id) {
		if (!json_is_string(id) ||
		    json_array_append_new(out, mock_iid(json_string_value(id))) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

json_t *mock_info_make(json_t *doc, json_t *fields)
{
	_cleanup_json_ json_t *own = fields;
	_cleanup_json_ json_t *info = NULL;
	const char *id = json_string_value(json_object_get(doc, "id"));
	json_t *tags = json_object_get(doc, "tags");

	if (!id || !json_is_array(tags) || !fields ||
	    !(info = json_pack("{s:o}", "IId", mock_iid(id))) ||
	    json_object_update(info, fields) < 0 ||
	    json_object_set_new(info, "TagList", json_deep_copy(tags)) < 0 ||
	    json_object_set_new(info, "KeyValueList", json_array()) < 0)
		return NULL;
	return TAKE_PTR(info);
}

json_t *mock_info(struct mock_cloud *c, enum mock_kind kind, json_t *doc)
{
	return kinds[kind].info(c, doc);
}

json_t *mock_session_info(sp_session *s, enum mock_kind kind, json_t *doc)
{
	json_t *info = mock_info(s->cloud, kind, doc);

	if (info && kind == MOCK_VM && s->ssh_host &&
	    mock_vm_info_set_access(info, s->ssh_host, s->ssh_access_point) < 0) {
		json_decref(info);
		return NULL;
	}
	return info;
}

int mock_list(sp_session *s, enum mock_op op, enum mock_kind kind,
	      json_t **ret_array, sp_error *err)
{
	_cleanup_json_ json_t *out = NULL;
	_cleanup_read_unlock_ struct mock_cloud *c = NULL;
	const char *id;
	json_t *doc;
	int64_t now;

	if (mock_enter(s, op, err) < 0)
		return -1;
	if (!(out = json_array()))
		return mock_oom(err);
	now = mock_now_ms();
	c = mock_read_lock(s->cloud);
	json_object_foreach(c->objs[kind], id, doc)
		if (mock_visible(s, kind, doc, now) &&
		    json_array_append_new(out, mock_session_info(s, kind, doc)) < 0)
			return mock_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

int mock_get(sp_session *s, enum mock_op op, enum mock_kind kind,
	     const sp_iid *iid, json_t **ret_info, sp_error *err)
{
	_cleanup_read_unlock_ struct mock_cloud *c = NULL;
	json_t *doc, *info;

	if (mock_enter(s, op, err) < 0)
		return -1;
	c = mock_read_lock(s->cloud);
	if (mock_need_iid(s, kind, iid, &doc, err) < 0)
		return -1;
	if (!(info = mock_session_info(s, kind, doc)))
		return mock_oom(err);
	*ret_info = info;
	return 0;
}

int mock_remove(sp_session *s, enum mock_op op, enum mock_kind kind,
		const sp_iid *iid, mock_remove_check_fn *check,
		sp_error *err)
{
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	json_t *doc;

	if (mock_enter(s, op, err) < 0)
		return -1;
	c = mock_write_lock(s->cloud);
	if (mock_need_iid(s, kind, iid, &doc, err) < 0 ||
	    (check && check(s, doc, err) < 0) ||
	    mock_batch_del(&b, kind, mock_doc_str(doc, "id"), err) < 0)
		return -1;
	return mock_commit(c, &b, err);
}

int mock_create_lock(sp_session *s, struct mock_batch *b, enum mock_kind kind,
		     json_t *doc, struct mock_cloud **ret_locked,
		     sp_error *err)
{
	if (mock_batch_put(b, kind, doc, err) < 0)
		return -1;
	*ret_locked = mock_write_lock(s->cloud);
	return mock_check_free(*ret_locked, kind, mock_doc_str(doc, "id"), err);
}

int mock_commit_info(sp_session *s, struct mock_batch *b,
		     enum mock_kind kind, const char *id, json_t **ret_info,
		     sp_error *err)
{
	/* id may live in a doc the commit replaces. */
	_cleanup_free_ char *key = strdup(id);
	json_t *info;

	if (!key)
		return mock_oom(err);
	if (mock_commit(s->cloud, b, err) < 0)
		return -1;
	if (!ret_info)
		return 0;
	/* The writer may read the index: only writers change it. */
	if (!(info = mock_session_info(s, kind, mock_find(s->cloud, kind, key))))
		return mock_oom(err);
	*ret_info = info;
	return 0;
}
