/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/myimage.c - MyImages: Glance snapshots of the
 * project's servers (Nova's createImage), and tags on every resource that
 * has them (servers in Nova; networks, subnets and security groups in
 * Neutron; images in Glance).
 */
#include "openstack.h"

#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

/* ---- MyImages ---------------------------------------------------------- */

static int image_fetch(sp_session *s, const struct os_what *w, const char *id,
		       json_t **ret_image, sp_error *err)
{
	_cleanup_free_ char *path = os_path("/images/%s", id);

	if (!path)
		return os_oom(err);
	return os_call(s, w, OS_IMAGE, "GET", path, NULL, ret_image, err);
}

static int myimage_read(sp_session *s, const struct os_what *w, const char *id,
			json_t **ret_info, sp_error *err)
{
	_cleanup_json_ json_t *img = NULL;

	if (image_fetch(s, w, id, &img, err) < 0)
		return -1;
	if (!(*ret_info = os_myimage_info(img)))
		return os_oom(err);
	return 0;
}

static int image_tag_put(sp_session *s, const struct os_what *w, const char *id,
			 const char *tag, sp_error *err)
{
	_cleanup_free_ char *path = os_path2("/images/%s/tags/%s", id, tag);

	if (!path)
		return os_oom(err);
	return os_call(s, w, OS_IMAGE, "PUT", path, NULL, NULL, err);
}

static int myimage_create(sp_session *s, json_t *req, json_t **ret_info, sp_error *err)
{
	_cleanup_json_ json_t *tags = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_json_ json_t *made = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *id = NULL;
	const char *name, *vm = os_json_iid_id(json_object_get(req, "SourceVM"));
	struct os_what w = { "MYIMAGE", "" };
	sp_error ignored;
	json_t *t;
	size_t i;

	if (os_req_str(json_object_get(req, "IId"), "NameId", &name, err) < 0 ||
	    os_req_tags(req, "", &tags, err) < 0)
		return -1;
	w.rname = name;
	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "field 'IId.NameId' is required");
	if (!vm)
		return sp_error_set(err, SP_ERR_INVALID, "field 'SourceVM' is required");
	if (!(path = os_path("/servers/%s/action", vm)) ||
	    !(body = json_pack("{s:{s:s}}", "createImage", "name", name)))
		return os_oom(err);
	if (os_call(s, &w, OS_COMPUTE, "POST", path, body, &made, err) < 0)
		return -1;
	if (!(id = strdup(json_string_value(json_object_get(made, "image_id")) ?: "")))
		return os_oom(err);
	if (!*id)
		return sp_error_set(err, SP_ERR_CLOUD, "nova: the snapshot '%s' of server '%s' has no image_id", name, vm);
	json_array_foreach(tags, i, t)
		if (image_tag_put(s, &w, id, json_string_value(t), err) < 0)
			goto undo;
	if (myimage_read(s, &w, id, ret_info, err) == 0)
		return 0;
undo:
	free(path);
	if ((path = os_path("/images/%s", id)))
		os_call(s, &w, OS_IMAGE, "DELETE", path, NULL, NULL, &ignored);
	return -1;
}

static int myimage_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "MYIMAGE", "" };
	_cleanup_json_ json_t *all = NULL;
	_cleanup_json_ json_t *out = json_array();
	_cleanup_free_ char *project = NULL;
	_cleanup_free_ char *path = NULL;
	json_t *img;
	size_t i;

	if (!out)
		return os_oom(err);
	if (os_project(s, &w, &project, err) < 0)
		return -1;
	if (!(path = os_path("/images?image_type=snapshot&owner=%s", project)))
		return os_oom(err);
	if (os_list(s, &w, OS_IMAGE, path, "images", &all, err) < 0)
		return -1;
	json_array_foreach(all, i, img)
		if (json_array_append_new(out, os_myimage_info(img)) < 0)
			return os_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

static int myimage_get(sp_session *s, const sp_iid *iid, json_t **ret_info, sp_error *err)
{
	struct os_what w = { "MYIMAGE", iid ? iid->name_id : "" };
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "MyImage IID is empty");
	return myimage_read(s, &w, id, ret_info, err);
}

static int myimage_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	struct os_what w = { "MYIMAGE", iid ? iid->name_id : "" };
	_cleanup_free_ char *path = NULL;
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "MyImage IID is empty");
	if (!(path = os_path("/images/%s", id)))
		return os_oom(err);
	return os_call(s, &w, OS_IMAGE, "DELETE", path, NULL, NULL, err);
}

const sp_resource_ops os_myimage_ops = {
	.size = sizeof(sp_resource_ops),
	.create = myimage_create,
	.list = myimage_list,
	.get = myimage_get,
	.remove = myimage_remove,
};

/* ---- tags ------------------------------------------------------------------ */

/* Where a resource type keeps its tags: the service and the path of the
 * object (%s its ID); the tags are read from the object's "tags" (nova:
 * from <object>/tags). */
struct tag_place {
	const char *type;
	enum os_service svc;
	const char *path;
	const char *tags_path;   /* the list of tags; NULL: the object's "tags" */
	const char *key;         /* the object inside the answer */
};

static const struct tag_place places[] = {
	{ "vm", OS_COMPUTE, "/servers/%s", "/servers/%s/tags", NULL },
	{ "vpc", OS_NETWORK, "/networks/%s", NULL, "network" },
	{ "subnet", OS_NETWORK, "/subnets/%s", NULL, "subnet" },
	{ "sg", OS_NETWORK, "/security-groups/%s", NULL, "security_group" },
	{ "myimage", OS_IMAGE, "/images/%s", NULL, NULL },
};

static int place_find(const char *type, const sp_iid *iid, const struct tag_place **ret,
		      const char **ret_id, sp_error *err)
{
	for (size_t i = 0; i < ELEMENTSOF(places); i++)
		if (!strcasecmp(places[i].type, type)) {
			if (!(*ret_id = os_iid_id(iid)))
				return sp_error_set(err, SP_ERR_INVALID, "%s IID is empty", type);
			*ret = &places[i];
			return 0;
		}
	return sp_error_set(err, SP_ERR_INVALID, "resource type '%s' takes no tags in OpenStack: tags are on vm, vpc, subnet, sg and myimage", type);
}

/* The object's tags as OpenStack strings. */
static int tags_read(sp_session *s, const struct os_what *w, const struct tag_place *p,
		     const char *id, json_t **ret_tags, sp_error *err)
{
	_cleanup_free_ char *path = os_path(p->tags_path ? p->tags_path : p->path, id);
	_cleanup_json_ json_t *doc = NULL;
	json_t *obj, *tags;

	if (!path)
		return os_oom(err);
	if (os_call(s, w, p->svc, "GET", path, NULL, &doc, err) < 0)
		return -1;
	obj = p->key ? json_object_get(doc, p->key) : doc;
	tags = json_object_get(obj, "tags");
	*ret_tags = json_is_array(tags) ? json_incref(tags) : json_array();
	return *ret_tags ? 0 : os_oom(err);
}

/* The tag string with key, or NULL (borrowed from tags). */
static const char *tag_with_key(json_t *tags, const char *key)
{
	size_t n = strlen(key), i;
	json_t *t;

	json_array_foreach(tags, i, t) {
		const char *v = json_string_value(t) ?: "";

		if (!strncmp(v, key, n) && (v[n] == '=' || !v[n]))
			return v;
	}
	return NULL;
}

static int tag_call(sp_session *s, const struct os_what *w, const struct tag_place *p,
		    const char *method, const char *id, const char *tag, sp_error *err)
{
	char fmt[96];
	_cleanup_free_ char *path = NULL;

	snprintf(fmt, sizeof(fmt), "%s/tags/%%s", p->path);
	if (!(path = os_path2(fmt, id, tag)))
		return os_oom(err);
	return os_call(s, w, p->svc, method, path, NULL, NULL, err);
}

static int tag_add(sp_session *s, const char *type, const sp_iid *iid, const char *key,
		   const char *value, sp_error *err)
{
	struct os_what w = { "TAG", iid ? iid->name_id : "" };
	_cleanup_json_ json_t *tags = NULL;
	const struct tag_place *p = NULL;
	const char *id = NULL, *old;
	char tag[128];

	if (place_find(type, iid, &p, &id, err) < 0)
		return -1;
	if (os_tag_string(key, value ? value : "", tag, sizeof(tag)) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "tag '%s' is not a valid OpenStack tag: want a non-empty Key without '=', and Key=Value of at most 60 characters without '/' or ','", key);
	if (tags_read(s, &w, p, id, &tags, err) < 0)
		return -1;
	if ((old = tag_with_key(tags, key)) && !strcmp(old, tag))
		return 0;
	if (old && tag_call(s, &w, p, "DELETE", id, old, err) < 0)
		return -1;
	return tag_call(s, &w, p, "PUT", id, tag, err);
}

static int tag_list(sp_session *s, const char *type, const sp_iid *iid,
		    json_t **ret_array, sp_error *err)
{
	struct os_what w = { "TAG", iid ? iid->name_id : "" };
	_cleanup_json_ json_t *tags = NULL;
	const struct tag_place *p = NULL;
	const char *id = NULL;

	if (place_find(type, iid, &p, &id, err) < 0 || tags_read(s, &w, p, id, &tags, err) < 0)
		return -1;
	if (!(*ret_array = os_tags_info(tags)))
		return os_oom(err);
	return 0;
}

static int tag_get(sp_session *s, const char *type, const sp_iid *iid, const char *key,
		   json_t **ret_tag, sp_error *err)
{
	_cleanup_json_ json_t *all = NULL;
	json_t *t;
	size_t i;

	if (tag_list(s, type, iid, &all, err) < 0)
		return -1;
	json_array_foreach(all, i, t)
		if (!strcmp(json_string_value(json_object_get(t, "Key")) ?: "", key)) {
			*ret_tag = json_incref(t);
			return 0;
		}
	return sp_error_set(err, SP_ERR_NOT_FOUND, "%s '%s' has no tag '%s'", type, os_iid_id(iid), key);
}

static int tag_remove(sp_session *s, const char *type, const sp_iid *iid, const char *key,
		      sp_error *err)
{
	struct os_what w = { "TAG", iid ? iid->name_id : "" };
	_cleanup_json_ json_t *tags = NULL;
	const struct tag_place *p = NULL;
	const char *id = NULL, *old;

	if (place_find(type, iid, &p, &id, err) < 0 || tags_read(s, &w, p, id, &tags, err) < 0)
		return -1;
	if (!(old = tag_with_key(tags, key)))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "%s '%s' has no tag '%s'", type, id, key);
	return tag_call(s, &w, p, "DELETE", id, old, err);
}

const sp_tag_ops os_tag_ops = {
	.size = sizeof(sp_tag_ops),
	.add = tag_add,
	.list = tag_list,
	.get = tag_get,
	.remove = tag_remove,
};
