/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/mock.h - internals of the MOCK driver (not part of the ABI).
 *
 * A "cloud" is the state behind one MockName in one state directory: a
 * SQLite file <state_dir>/<MockName>.db holding rows objects(kind, id, doc),
 * where doc is the mock cloud's own JSON for the object (its "native API"
 * format; the driver converts it to Spider shapes on every read).  All
 * sessions with the same state file share one refcounted cloud.
 *
 * Fault injection (credential keys, overridden by region keys of the same
 * name; an empty value means "off"):
 *   MockLatencyMs  integer 0..600000: every method sleeps this long first
 *   MockFailRate   number 0..100: percent of calls that fail with SP_ERR_CLOUD
 *   MockFailOp     comma-separated operation names (or "*") that always fail
 */
#ifndef SP_DRIVER_MOCK_H
#define SP_DRIVER_MOCK_H

#include <spider/driver.h>

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define MOCK_SCHEMA_VERSION 1
#define MOCK_LATENCY_MAX_MS 600000u

/* Operation names, as used by MockFailOp and in injected error messages.
 * Add new operations at the end; at most 64. */
enum mock_op {
	MOCK_OP_CHECK_CONNECTION,
	MOCK_OP_LIST_REGION_ZONE,
	MOCK_OP_GET_REGION_ZONE,
	MOCK_OP_LIST_ORG_REGION,
	MOCK_OP_LIST_ORG_ZONE,
	MOCK_OP_LIST_IMAGE,
	MOCK_OP_GET_IMAGE,
	MOCK_OP_LIST_VMSPEC,
	MOCK_OP_GET_VMSPEC,
	MOCK_OP_LIST_ORG_VMSPEC,
	MOCK_OP_GET_ORG_VMSPEC,
	MOCK_OP_LIST_PRODUCT_FAMILY,
	MOCK_OP_GET_PRICE_INFO,
	MOCK_OP__COUNT
};

struct mock_fault {
	unsigned latency_ms;
	double fail_rate;         /* percent */
	uint64_t fail_ops;        /* bit (1 << enum mock_op) */
	_Atomic uint64_t rng;     /* splitmix64 state, shared by all threads */
};

/* Kinds of rows in the objects table, and the key naming each in its doc. */
#define MOCK_KIND_REGION "region"
#define MOCK_KIND_IMAGE "image"
#define MOCK_KIND_SPEC "spec"

struct mock_cloud {
	struct mock_cloud *next; /* registry list, under the registry lock */
	unsigned refs;           /* under the registry lock */
	char *path;              /* the state file; the registry key */
	sqlite3 *db;             /* serialized mode: usable from any thread */
	/* Catalogue docs in the cloud's own format, loaded at first open and
	 * never modified afterwards, so readers need no lock. */
	json_t *regions;
	json_t *images;
	json_t *specs;
};

struct sp_session {
	struct mock_cloud *cloud;
	char *region;
	char *zone;
	struct mock_fault fault;
	/* The catalogue lists in Spider's shapes, built once at open: the
	 * catalogue does not change while the session lives.  They are
	 * shared with callers, read-only. */
	json_t *regions_out, *images_out, *specs_out;
};

/* driver.c */
/* The value of key (case-insensitive) in kv, "" for a NULL value, or NULL
 * when the key is absent. */
const char *mock_kv_get(const sp_kv *kv, size_t n, const char *key);

/* meta.c */
/* Build the session's catalogue lists. */
int mock_session_catalog(sp_session *s, sp_error *err);

/* fault.c */
const char *mock_op_name(enum mock_op op);
/* Read the fault keys from the credential and region of info. */
int mock_fault_parse(struct mock_fault *f, const sp_conn_info *info,
		     sp_error *err);
/* Called first by every method: sleeps for the configured latency, then
 * fails the call if the operation is listed or the dice say so. */
int mock_enter(sp_session *s, enum mock_op op, sp_error *err);

/* cloud.c */
/* Find or create the cloud for <state_dir>/<mock_name>.db; the caller
 * holds one reference and drops it with mock_cloud_release(). */
int mock_cloud_acquire(const char *state_dir, const char *mock_name,
		       struct mock_cloud **ret_cloud, sp_error *err);
void mock_cloud_release(struct mock_cloud *c);
/* Insert or replace one row; doc is borrowed. */
int mock_store_put(sqlite3 *db, const char *kind, const char *id,
		   json_t *doc, sp_error *err);
/* The doc in the array docs whose key id_key is id, or NULL (borrowed). */
json_t *mock_docs_find(json_t *docs, const char *id_key, const char *id);

/* catalog.c: the seed catalogue and the conversions from the cloud's own
 * format to Spider shapes.  Conversions return a new value, or NULL when
 * the doc is malformed or memory ran out. */
int mock_catalog_seed(sqlite3 *db, sp_error *err);
const char *mock_kind_id_key(const char *kind);
json_t *mock_region_info(json_t *region);
json_t *mock_image_info(json_t *image);
json_t *mock_spec_info(json_t *spec, json_t *region);
json_t *mock_price_item(json_t *spec, json_t *region);

/* meta.c */
extern const sp_regionzone_ops mock_regionzone_ops;
extern const sp_image_ops mock_image_ops;
extern const sp_spec_ops mock_spec_ops;
extern const sp_price_ops mock_price_ops;

#endif
