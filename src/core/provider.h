/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/provider.h - what Spider knows about each cloud provider without a
 * driver: its credential and region keys, the CSP-native aliases, disk
 * types and name limits (GET /spider/cloudos/metainfo/:CloudOSName).
 */
#ifndef SP_CORE_PROVIDER_H
#define SP_CORE_PROVIDER_H

#include "util/common.h"

#define SP_PROVIDER_KEYS_MAX 16

typedef struct sp_provider {
	const char *name;                                /* "AWS" */
	const char *credential[SP_PROVIDER_KEYS_MAX];    /* required keys */
	const char *credential_csp[SP_PROVIDER_KEYS_MAX]; /* aliases, same order */
	const char *credential_optional[SP_PROVIDER_KEYS_MAX];
	const char *region[SP_PROVIDER_KEYS_MAX];        /* "Region", "Zone" */
	const char *region_optional[SP_PROVIDER_KEYS_MAX];
	const char *root_disk_type[SP_PROVIDER_KEYS_MAX];
	const char *root_disk_size[SP_PROVIDER_KEYS_MAX];
	const char *disk_type[SP_PROVIDER_KEYS_MAX];
	const char *disk_size[SP_PROVIDER_KEYS_MAX];
	/* IdMaxLength: VPC, Subnet, SG, KeyPair, VM, Disk, NLB, MyImage,
	 * Cluster, NodeGroup, RDBMS (0 = no known limit) */
	unsigned id_max[11];
	const char *default_region[2];                   /* region, zone */
} sp_provider;

/* Look up by name, case-insensitively; NULL when unknown. */
const sp_provider *sp_provider_find(const char *name);

/* All providers in /cloudos order; *ret_n gets the count. */
const sp_provider *sp_provider_all(size_t *ret_n);

/* The metainfo document; NULL on out of memory. */
json_t *sp_provider_metainfo(const sp_provider *p);

/* Canonical name of a credential or region key given as a canonical name
 * or CSP alias in any case; NULL when the provider does not take it. */
const char *sp_provider_credential_key(const sp_provider *p, const char *key);
const char *sp_provider_region_key(const sp_provider *p, const char *key);

#endif
