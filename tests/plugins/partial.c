/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test plugin for MOCK that implements only regions and zones, so the
 * daemon's answer for a missing method (501 naming the driver and the
 * operation) can be shown.  Built as partial.so, and as badabi.so with
 * BAD_ABI defined: an ABI version no daemon speaks, which must be refused
 * before anything else in the table is touched.
 */
#include "spider/driver.h"

struct sp_session {
	int unused;
};

static struct sp_session the_session;

static int p_open(const sp_host *host, void *ctx, const sp_conn_info *info,
		  sp_session **ret, sp_error *err)
{
	*ret = &the_session;
	return 0;
}

static void p_close(sp_session *s)
{
}

static int p_rz_list(sp_session *s, json_t **ret, sp_error *err)
{
	*ret = json_pack("[{s:s,s:s,s:s,s:[],s:[]}]", "Name", "only-region",
			 "DisplayName", "only-region", "CSPDisplayName",
			 "only-region", "KeyValueList", "ZoneList");
	return *ret ? 0 : sp_error_set(err, SP_ERR_INTERNAL, "out of memory");
}

/* A table built for an older ABI revision: it ends before 'get'. */
static const sp_regionzone_ops rz = {
	.size = offsetof(sp_regionzone_ops, get),
	.list = p_rz_list,
	.get = NULL,
};

static const sp_driver table = {
	.name = "partial",
#ifdef BAD_ABI
	.abi_version = 999,
#else
	.abi_version = SP_DRIVER_ABI_VERSION,
#endif
	.size = sizeof(sp_driver),
	.provider = "MOCK",
	.version = "test",
	.open = p_open,
	.close = p_close,
	.regionzone = &rz,
};

SP_DRIVER_EXPORT const sp_driver *sp_driver_entry(void);

SP_DRIVER_EXPORT const sp_driver *sp_driver_entry(void)
{
	return &table;
}
