/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/driver.c - the MOCK driver table, its entry point and the
 * session lifecycle.
 */
#include "mock.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

#ifndef MOCK_DRIVER_VERSION
#define MOCK_DRIVER_VERSION "0.0.0"
#endif

#define MOCK_NAME_MAX 64

const char *mock_kv_get(const sp_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (kv[i].key && !strcasecmp(kv[i].key, key))
			return kv[i].value ? kv[i].value : "";
	return NULL;
}

/* MockName becomes a file name: no separators, no dot files, no "..". */
static bool mock_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MOCK_NAME_MAX || name[0] == '.')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == len;
}

static void session_free(sp_session *s)
{
	if (!s)
		return;
	mock_cloud_release(s->cloud);
	json_decref(s->regions_out);
	json_decref(s->images_out);
	json_decref(s->specs_out);
	free(s->region);
	free(s->zone);
	free(s->ssh_host);
	free(s->ssh_access_point);
	free(s->authorized_keys_file);
	free(s);
}

static inline void session_freep(sp_session **p)
{
	session_free(*p);
}

/* Region and zone must exist in this cloud; the zone defaults to the
 * region's first. */
static int session_place(sp_session *s, const sp_conn_info *info, sp_error *err)
{
	const char *region = mock_kv_get(info->region, info->region_count, "Region");
	const char *zone = mock_kv_get(info->region, info->region_count, "Zone");
	json_t *rdoc, *zones;

	if (!region || !*region)
		return sp_error_set(err, SP_ERR_INVALID, "region key 'Region' is required");
	if (!(rdoc = mock_docs_find(s->cloud->regions, "region_id", region)))
		return sp_error_set(err, SP_ERR_INVALID, "region '%s' does not exist in the mock cloud", region);
	zones = json_object_get(rdoc, "zones");
	if (!zone || !*zone)
		zone = json_string_value(json_object_get(json_array_get(zones, 0), "zone_id"));
	else if (!mock_docs_find(zones, "zone_id", zone))
		return sp_error_set(err, SP_ERR_INVALID, "zone '%s' does not exist in region '%s'", zone, region);
	if (!(s->region = strdup(region)) || (zone && !(s->zone = strdup(zone))))
		return mock_oom(err);
	return 0;
}

static int mock_open(const sp_host *host, void *host_ctx,
		     const sp_conn_info *info, sp_session **ret_session,
		     sp_error *err)
{
	_cleanup_(session_freep) sp_session *s = NULL;
	const char *name = mock_kv_get(info->credential, info->credential_count, "MockName");

	if (!name || !*name)
		return sp_error_set(err, SP_ERR_INVALID, "credential key 'MockName' is required");
	if (!mock_name_valid(name))
		return sp_error_set(err, SP_ERR_INVALID, "MockName '%s' is invalid: want 1 to %d of [A-Za-z0-9_.-], not starting with '.'", name, MOCK_NAME_MAX);
	if (!info->state_dir || !*info->state_dir)
		return sp_error_set(err, SP_ERR_INTERNAL, "mock: no state directory given");
	if (!(s = calloc(1, sizeof(*s))))
		return mock_oom(err);
	/* Knobs first: a bad value should not create a state file. */
	if (mock_fault_parse(&s->fault, info, err) < 0 ||
	    mock_delay_parse(s->delay_ms, info, err) < 0 ||
	    mock_ssh_parse(s, info, err) < 0 ||
	    mock_cloud_acquire(info->state_dir, name, &s->cloud, err) < 0 ||
	    session_place(s, info, err) < 0 ||
	    mock_session_catalog(s, err) < 0)
		return -1;
	*ret_session = TAKE_PTR(s);
	return 0;
}

static void mock_close(sp_session *s)
{
	session_free(s);
}

static int mock_check(sp_session *s, sp_error *err)
{
	return mock_enter(s, MOCK_OP_CHECK_CONNECTION, err);
}

static const sp_driver mock_driver = {
	.name = "mock",
	.abi_version = SP_DRIVER_ABI_VERSION,
	.size = sizeof(sp_driver),
	.provider = "MOCK",
	.version = MOCK_DRIVER_VERSION,
	.capabilities = SP_CAP_ZONE_BASED_CONTROL | SP_CAP_VPC_CIDR,
	.open = mock_open,
	.close = mock_close,
	.check = mock_check,
	.regionzone = &mock_regionzone_ops,
	.image = &mock_image_ops,
	.spec = &mock_spec_ops,
	.price = &mock_price_ops,
	.vpc = &mock_vpc_ops,
	.subnet = &mock_subnet_ops,
	.sg = &mock_sg_ops,
	.sgrule = &mock_sgrule_ops,
	.keypair = &mock_keypair_ops,
	.vm = &mock_vm_ops,
	.vmctl = &mock_vmctl_ops,
	.disk = &mock_disk_ops,
	.diskctl = &mock_diskctl_ops,
	.myimage = &mock_myimage_ops,
	.tag = &mock_tag_ops,
	.anycall = mock_anycall,
};

/* The one exported symbol; declared here to satisfy -Wmissing-prototypes. */
SP_DRIVER_EXPORT const sp_driver *sp_driver_entry(void);

const sp_driver *sp_driver_entry(void)
{
	return &mock_driver;
}
