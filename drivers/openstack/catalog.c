/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/catalog.c - regions (Keystone) and zones (Nova),
 * public images (Glance v2) and specs (Nova flavors).
 */
#include "openstack.h"

#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

/* ---- regions and zones ------------------------------------------------ */

static int zones_get(sp_session *s, const struct os_what *w, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *list;

	if (os_call(s, w, OS_COMPUTE, "GET", "/os-availability-zone", NULL, &doc, err) < 0)
		return -1;
	list = json_object_get(doc, "availabilityZoneInfo");
	*ret = json_incref(json_is_array(list) ? list : NULL) ?: json_array();
	return *ret ? 0 : os_oom(err);
}

/* Nova answers only for the session's region: other regions list no
 * zones. */
static int region_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "REGIONZONE", "" };
	_cleanup_json_ json_t *regions = NULL;
	_cleanup_json_ json_t *zones = NULL;
	_cleanup_json_ json_t *empty = json_array();
	_cleanup_json_ json_t *out = json_array();
	json_t *r;
	size_t i;

	if (!empty || !out)
		return os_oom(err);
	if (os_list(s, &w, OS_IDENTITY, "/regions", "regions", &regions, err) < 0 ||
	    zones_get(s, &w, &zones, err) < 0)
		return -1;
	json_array_foreach(regions, i, r) {
		bool mine = !strcmp(json_string_value(json_object_get(r, "id")) ?: "", s->region);

		if (json_array_append_new(out, os_region_info(r, mine ? zones : empty)) < 0)
			return os_oom(err);
	}
	*ret_array = TAKE_PTR(out);
	return 0;
}

static int region_get(sp_session *s, const char *name, json_t **ret_info, sp_error *err)
{
	_cleanup_json_ json_t *all = NULL;
	json_t *r;
	size_t i;

	if (region_list(s, &all, err) < 0)
		return -1;
	json_array_foreach(all, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "Name")) ?: "", name)) {
			*ret_info = json_incref(r);
			return 0;
		}
	return sp_error_set(err, SP_ERR_NOT_FOUND, "region '%s' does not exist in OpenStack", name);
}

static int org_region(sp_session *s, json_t **ret_raw, sp_error *err)
{
	static const struct os_what w = { "REGIONZONE", "" };
	json_t *list = NULL;

	if (os_list(s, &w, OS_IDENTITY, "/regions", "regions", &list, err) < 0)
		return -1;
	*ret_raw = list;
	return 0;
}

static int org_zone(sp_session *s, json_t **ret_raw, sp_error *err)
{
	static const struct os_what w = { "REGIONZONE", "" };

	return zones_get(s, &w, ret_raw, err);
}

const sp_regionzone_ops os_regionzone_ops = {
	.size = sizeof(sp_regionzone_ops),
	.list = region_list,
	.get = region_get,
	.list_org_region = org_region,
	.list_org_zone = org_zone,
};

/* ---- images ------------------------------------------------------------ */

/* Public images are every image the project sees but its own snapshots
 * (those are MyImages). */
static bool is_snapshot(json_t *image)
{
	return !strcmp(json_string_value(json_object_get(image, "image_type")) ?: "", "snapshot");
}

static int image_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "VMIMAGE", "" };
	_cleanup_json_ json_t *images = NULL;
	_cleanup_json_ json_t *out = json_array();
	json_t *img;
	size_t i;

	if (!out)
		return os_oom(err);
	if (os_list(s, &w, OS_IMAGE, "/images", "images", &images, err) < 0)
		return -1;
	json_array_foreach(images, i, img)
		if (!is_snapshot(img) && json_array_append_new(out, os_image_info(img)) < 0)
			return os_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

/* By ID, else by name (the first active one of that name). */
int os_image_resolve(sp_session *s, const struct os_what *w, const char *name,
		     json_t **ret_image, sp_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_json_ json_t *list = NULL;
	json_t *img, *pick = NULL;
	size_t i;

	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "image name is empty");
	if (os_id_plain(name) && strlen(name) == 36) {
		sp_error e;

		if (!(path = os_path("/images/%s", name)))
			return os_oom(err);
		if (os_call(s, w, OS_IMAGE, "GET", path, NULL, ret_image, &e) == 0)
			return 0;
		if (e.code != SP_ERR_NOT_FOUND) {
			*err = e;
			return -1;
		}
		free(TAKE_PTR(path));
	}
	if (!(path = os_path("/images?name=%s", name)))
		return os_oom(err);
	if (os_list(s, w, OS_IMAGE, path, "images", &list, err) < 0)
		return -1;
	json_array_foreach(list, i, img)
		if (!pick || (!strcmp(json_string_value(json_object_get(img, "status")) ?: "", "active") &&
			      strcmp(json_string_value(json_object_get(pick, "status")) ?: "", "active")))
			pick = img;
	if (!pick)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "image '%s' does not exist in OpenStack", name);
	*ret_image = json_incref(pick);
	return 0;
}

static int image_get(sp_session *s, const char *name, json_t **ret_info, sp_error *err)
{
	struct os_what w = { "VMIMAGE", name };
	_cleanup_json_ json_t *img = NULL;

	if (os_image_resolve(s, &w, name, &img, err) < 0)
		return -1;
	if (!(*ret_info = os_image_info(img)))
		return os_oom(err);
	return 0;
}

const sp_image_ops os_image_ops = {
	.size = sizeof(sp_image_ops),
	.list = image_list,
	.get = image_get,
};

/* ---- specs ---------------------------------------------------------------- */

static int flavors(sp_session *s, const struct os_what *w, json_t **ret, sp_error *err)
{
	return os_list(s, w, OS_COMPUTE, "/flavors/detail", "flavors", ret, err);
}

/* By name, else by ID. */
int os_flavor_resolve(sp_session *s, const struct os_what *w, const char *name,
		      json_t **ret_flavor, sp_error *err)
{
	_cleanup_json_ json_t *all = NULL;
	json_t *f, *by_id = NULL;
	size_t i;

	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "VMSpecName is empty");
	if (flavors(s, w, &all, err) < 0)
		return -1;
	json_array_foreach(all, i, f) {
		if (!strcmp(json_string_value(json_object_get(f, "name")) ?: "", name)) {
			*ret_flavor = json_incref(f);
			return 0;
		}
		if (!strcmp(json_string_value(json_object_get(f, "id")) ?: "", name))
			by_id = f;
	}
	if (!by_id)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "VM spec '%s' does not exist in OpenStack", name);
	*ret_flavor = json_incref(by_id);
	return 0;
}

static int spec_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "VMSPEC", "" };
	_cleanup_json_ json_t *all = NULL;
	_cleanup_json_ json_t *out = json_array();
	json_t *f;
	size_t i;

	if (!out)
		return os_oom(err);
	if (flavors(s, &w, &all, err) < 0)
		return -1;
	json_array_foreach(all, i, f)
		if (json_array_append_new(out, os_spec_info(f, s->region)) < 0)
			return os_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

static int spec_get(sp_session *s, const char *name, json_t **ret_info, sp_error *err)
{
	struct os_what w = { "VMSPEC", name };
	_cleanup_json_ json_t *f = NULL;

	if (os_flavor_resolve(s, &w, name, &f, err) < 0)
		return -1;
	if (!(*ret_info = os_spec_info(f, s->region)))
		return os_oom(err);
	return 0;
}

static int spec_list_org(sp_session *s, json_t **ret_raw, sp_error *err)
{
	static const struct os_what w = { "VMSPEC", "" };

	return flavors(s, &w, ret_raw, err);
}

static int spec_get_org(sp_session *s, const char *name, json_t **ret_raw, sp_error *err)
{
	struct os_what w = { "VMSPEC", name };

	return os_flavor_resolve(s, &w, name, ret_raw, err);
}

const sp_spec_ops os_spec_ops = {
	.size = sizeof(sp_spec_ops),
	.list = spec_list,
	.get = spec_get,
	.list_org = spec_list_org,
	.get_org = spec_get_org,
};
