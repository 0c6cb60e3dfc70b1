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
 * Catalogue rows (kinds region, image, spec) are seeded into a new file and
 * never change.  Resource rows (kinds vpc, sg, keypair, vm, disk, myimage)
 * are the objects users make; their IDs are the spXIDs the daemon passes as
 * IId.NameId (SystemId = NameId), unique per kind in the whole cloud, and
 * subnet IDs (kept inside their VPC's doc) are unique in the cloud too.
 * Every resource doc has
 *   {"id", "region", "created_ms", "tags":[{"Key","Value"}], ...}
 * and list() shows only the docs of the session's region.  Times are
 * CLOCK_REALTIME milliseconds, so they mean the same after a restart.
 *
 * Each cloud keeps every resource doc in memory too (an index per kind,
 * loaded at first open).  Readers take index_lock for reading and build
 * fresh results from the docs; writers serialise on write_lock, check and
 * build new docs, commit them in one SQLite transaction, and only then
 * swap them into the index under index_lock.  A doc in the index is never
 * changed in place: a change replaces it.  So a failed call changes
 * nothing, and reads never wait for the disk.
 *
 * Per-connection knobs (credential keys, overridden by region keys of the
 * same name; an empty value means "off"):
 *   MockLatencyMs  integer 0..600000: every method sleeps this long first
 *   MockFailRate   number 0..100: percent of calls that fail with SP_ERR_CLOUD
 *   MockFailOp     comma-separated operation names (or "*") that always fail
 *   MockCreateDelayMs, MockSuspendDelayMs, MockResumeDelayMs,
 *   MockRebootDelayMs, MockTerminateDelayMs
 *                  integer 0..600000 (default 0): how long a VM stays in
 *                  the transitional state of that action
 *   MockSSHAccessPoint  "host:port": every VM read through the connection
 *                  shows host as its public IP and "host:port" as its
 *                  SSHAccessPoint and AccessPoint (a test's sshd), instead
 *                  of a fixed fake address
 *   MockStatusBatch  "off": the batch status call answers that the cloud
 *                  has none (SP_ERR_UNSUPPORTED), as some clouds' APIs do,
 *                  so the daemon asks one VM at a time
 *   MockKeyImport  "off": a key pair create ignores its PublicKey and
 *                  makes a key, as a cloud (or driver) without import
 *                  would, so the daemon's answer to that can be shown
 *   MockAuthorizedKeysFile  an absolute path: a VM created with a key pair
 *                  appends the key pair's public key to this file as one
 *                  line (the file is made 0600 when missing), as cloud-init
 *                  would on a real VM
 * Faults are checked first by every method, so an injected failure never
 * leaves anything behind.
 *
 * VM state machine.  A VM doc stores its state, the time the state began
 * ("since_ms") and the time a transitional state ends ("until_ms", the
 * start plus the session's delay for the action).  A transitional state
 * turns into its end state once until_ms has passed; that is computed on
 * every read, never written back.
 *
 *   create                Creating    -> Running
 *   suspend  (Running)    Suspending  -> Suspended
 *   resume   (Suspended)  Resuming    -> Running
 *   reboot   (Running)    Rebooting   -> Running
 *   remove   (any state but Terminating and Terminated)
 *                         Terminating -> Terminated
 *
 * Any other action fails with SP_ERR_CONFLICT naming the current state.
 * control() answers the transitional state.  A Terminated VM still
 * answers get() and get_status() but leaves list() and counts, stops
 * holding its subnet, VPC, security groups and key pair, and lets its data
 * disks go (a disk is Attached only while its owner VM is not Terminated).
 * A Terminated VM is dropped from the state file by the first VM change
 * made MOCK_VM_PURGE_MS after it ended, or at once when a new VM takes its
 * ID.
 */
#ifndef SP_DRIVER_MOCK_H
#define SP_DRIVER_MOCK_H

#include <spider/driver.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* 1: catalogue only.  2: resource rows (no table change). */
#define MOCK_SCHEMA_VERSION 2
#define MOCK_LATENCY_MAX_MS 600000u
#define MOCK_VM_PURGE_MS (10 * 60 * 1000)
#define MOCK_ID_MAX 255

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
	MOCK_OP_CREATE_VPC,
	MOCK_OP_LIST_VPC,
	MOCK_OP_GET_VPC,
	MOCK_OP_DELETE_VPC,
	MOCK_OP_ADD_SUBNET,
	MOCK_OP_REMOVE_SUBNET,
	MOCK_OP_CREATE_SG,
	MOCK_OP_LIST_SG,
	MOCK_OP_GET_SG,
	MOCK_OP_DELETE_SG,
	MOCK_OP_ADD_RULES,
	MOCK_OP_REMOVE_RULES,
	MOCK_OP_CREATE_KEY,
	MOCK_OP_LIST_KEY,
	MOCK_OP_GET_KEY,
	MOCK_OP_DELETE_KEY,
	MOCK_OP_START_VM,
	MOCK_OP_LIST_VM,
	MOCK_OP_GET_VM,
	MOCK_OP_TERMINATE_VM,
	MOCK_OP_SUSPEND_VM,
	MOCK_OP_RESUME_VM,
	MOCK_OP_REBOOT_VM,
	MOCK_OP_GET_VM_STATUS,
	MOCK_OP_GET_VM_STATUSES,
	MOCK_OP_CREATE_DISK,
	MOCK_OP_LIST_DISK,
	MOCK_OP_GET_DISK,
	MOCK_OP_DELETE_DISK,
	MOCK_OP_CHANGE_DISK_SIZE,
	MOCK_OP_ATTACH_DISK,
	MOCK_OP_DETACH_DISK,
	MOCK_OP_SNAPSHOT_VM,
	MOCK_OP_LIST_MYIMAGE,
	MOCK_OP_GET_MYIMAGE,
	MOCK_OP_DELETE_MYIMAGE,
	MOCK_OP_ADD_TAG,
	MOCK_OP_LIST_TAG,
	MOCK_OP_GET_TAG,
	MOCK_OP_REMOVE_TAG,
	MOCK_OP_ANYCALL,
	MOCK_OP__COUNT
};

struct mock_fault {
	unsigned latency_ms;
	double fail_rate;         /* percent */
	uint64_t fail_ops;        /* bit (1 << enum mock_op) */
	bool no_batch;            /* MockStatusBatch=off */
	bool no_import;           /* MockKeyImport=off */
	_Atomic uint64_t rng;     /* splitmix64 state, shared by all threads */
};

/* The VM delay knobs, in the order of their key names in fault.c. */
enum mock_delay {
	MOCK_DELAY_CREATE,
	MOCK_DELAY_SUSPEND,
	MOCK_DELAY_RESUME,
	MOCK_DELAY_REBOOT,
	MOCK_DELAY_TERMINATE,
	MOCK_DELAY__COUNT
};

/* Kinds of rows in the objects table, and the key naming each in its doc. */
#define MOCK_KIND_REGION "region"
#define MOCK_KIND_IMAGE "image"
#define MOCK_KIND_SPEC "spec"

/* Resource kinds.  Their names ("vpc", "sg", ...) are the row kinds, the
 * tag types and the AnyCall rsTypes. */
enum mock_kind {
	MOCK_VPC,
	MOCK_SG,
	MOCK_KEYPAIR,
	MOCK_VM,
	MOCK_DISK,
	MOCK_MYIMAGE,
	MOCK_KIND__COUNT
};

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
	/* Held by a writer from its checks to the end of its commit. */
	pthread_mutex_t write_lock;
	/* Read-held by readers of the index, write-held while a commit
	 * swaps docs in.  A writer holding write_lock may read the index
	 * without it: only writers change it. */
	pthread_rwlock_t index_lock;
	json_t *objs[MOCK_KIND__COUNT]; /* per kind: id -> doc */
	json_t *subnets;                /* subnet id -> its VPC's id */
};

struct sp_session {
	struct mock_cloud *cloud;
	char *region;
	char *zone;
	struct mock_fault fault;
	unsigned delay_ms[MOCK_DELAY__COUNT];
	/* MockSSHAccessPoint split into its host and the whole "host:port",
	 * and MockAuthorizedKeysFile; NULL when not set. */
	char *ssh_host, *ssh_access_point;
	char *authorized_keys_file;
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
/* Read the fault keys, and the VM delay keys, from the credential and
 * region of info. */
int mock_fault_parse(struct mock_fault *f, const sp_conn_info *info,
		     sp_error *err);
int mock_delay_parse(unsigned delay_ms[MOCK_DELAY__COUNT],
		     const sp_conn_info *info, sp_error *err);
/* Read MockSSHAccessPoint and MockAuthorizedKeysFile into s. */
int mock_ssh_parse(sp_session *s, const sp_conn_info *info, sp_error *err);
/* Called first by every method: sleeps for the configured latency, then
 * fails the call if the operation is listed or the dice say so. */
int mock_enter(sp_session *s, enum mock_op op, sp_error *err);

/* cloud.c */
/* Find or create the cloud for <state_dir>/<mock_name>.db; the caller
 * holds one reference and drops it with mock_cloud_release(). */
int mock_cloud_acquire(const char *state_dir, const char *mock_name,
		       struct mock_cloud **ret_cloud, sp_error *err);
void mock_cloud_release(struct mock_cloud *c);
/* Insert or replace one row, keeping its place in the load order; doc is
 * borrowed. */
int mock_store_put(sqlite3 *db, const char *kind, const char *id,
		   json_t *doc, sp_error *err);
/* The doc in the array docs whose key id_key is id, or NULL (borrowed);
 * or its index, or -1.  Also finds a tag in a TagList (id_key "Key"). */
json_t *mock_docs_find(json_t *docs, const char *id_key, const char *id);
ssize_t mock_docs_index(json_t *docs, const char *id_key, const char *id);

/* Locks, for use with _cleanup_: lock returns c, the unlock takes &c and
 * accepts a pointer to NULL. */
struct mock_cloud *mock_read_lock(struct mock_cloud *c);
void mock_read_unlockp(struct mock_cloud **p);
struct mock_cloud *mock_write_lock(struct mock_cloud *c);
void mock_write_unlockp(struct mock_cloud **p);
#define _cleanup_read_unlock_ _cleanup_(mock_read_unlockp)
#define _cleanup_write_unlock_ _cleanup_(mock_write_unlockp)

/* A set of doc changes committed together: doc NULL deletes the row.
 * Changes apply in order, so a later change of the same object wins. */
struct mock_change {
	enum mock_kind kind;
	char *id;
	json_t *doc;
};

struct mock_batch {
	size_t n, cap;
	struct mock_change *v;
};

void mock_batch_clear(struct mock_batch *b);
#define _cleanup_batch_ _cleanup_(mock_batch_clear)
/* Queue a new or changed doc (stolen, even on failure; its "id" names
 * the row) or a deletion. */
int mock_batch_put(struct mock_batch *b, enum mock_kind kind, json_t *doc,
		   sp_error *err);
int mock_batch_del(struct mock_batch *b, enum mock_kind kind, const char *id,
		   sp_error *err);
/* Write every change in one transaction, then show them in the index.
 * The caller holds the write lock. */
int mock_commit(struct mock_cloud *c, struct mock_batch *b, sp_error *err);

/* catalog.c: the seed catalogue and the conversions from the cloud's own
 * format to Spider shapes.  Conversions return a new value, or NULL when
 * the doc is malformed or memory ran out. */
int mock_catalog_seed(sqlite3 *db, sp_error *err);
const char *mock_kind_id_key(const char *kind);
json_t *mock_region_info(json_t *region);
json_t *mock_image_info(json_t *image);
json_t *mock_spec_info(json_t *spec, json_t *region);
json_t *mock_price_item(json_t *spec, json_t *region);

/* resource.c: what every resource method shares.  Lookups are made under
 * the read lock or the write lock and return borrowed docs. */
int mock_oom(sp_error *err);
/* s, or "" for NULL: for messages. */
const char *mock_str(const char *s);
int64_t mock_now_ms(void);
/* RFC 3339 UTC, "2026-01-01T00:00:00Z". */
void mock_time_format(int64_t ms, char buf[static 32]);
/* The row kind ("vpc") and the name in messages ("security group"). */
const char *mock_kind_name(enum mock_kind kind);
const char *mock_kind_noun(enum mock_kind kind);
/* The kind named name (case-insensitive), or -1. */
int mock_kind_parse(const char *name);
/* The doc's string field, "" when absent. */
const char *mock_doc_str(json_t *doc, const char *key);
int64_t mock_doc_ms(json_t *doc, const char *key);
/* Whether v is the string id or an array holding it. */
bool mock_refers(json_t *v, const char *id);

/* The object of the cloud with that ID in any region, or NULL. */
json_t *mock_find(struct mock_cloud *c, enum mock_kind kind, const char *id);
/* The object in the session's region, or SP_ERR_NOT_FOUND. */
int mock_need(sp_session *s, enum mock_kind kind, const char *id,
	      json_t **ret_doc, sp_error *err);
/* The ID an IID argument names (system_id, else name_id), or NULL. */
const char *mock_iid_id(const sp_iid *iid);
int mock_need_iid(sp_session *s, enum mock_kind kind, const sp_iid *iid,
		  json_t **ret_doc, sp_error *err);
/* SP_ERR_CONFLICT if the cloud has an object of the kind with that ID. */
int mock_check_free(struct mock_cloud *c, enum mock_kind kind,
		    const char *id, sp_error *err);
/* Whether list() and counts show the doc in the session's region. */
bool mock_visible(sp_session *s, enum mock_kind kind, json_t *doc,
		  int64_t now);
/* The first VM of the cloud, not Terminated, whose field key refers to id
 * (borrowed), or NULL. */
json_t *mock_live_vm_using(struct mock_cloud *c, const char *key,
			   const char *id, int64_t now);
/* The SP_ERR_CONFLICT of an object that another one still needs. */
int mock_in_use(sp_error *err, const char *noun, const char *id,
		const char *user_noun, const char *user_id);
/* mock_in_use() if a VM that is not Terminated refers to id in its field
 * key; noun names the object. */
int mock_check_unused(struct mock_cloud *c, const char *key,
		      const char *noun, const char *id, sp_error *err);

/* Requests.  A missing or null field reads as "".  prefix ("" or
 * "SubnetInfoList[0].") names the field's place in messages. */
int mock_req_str(json_t *req, const char *key, const char **ret,
		 sp_error *err);
/* The ID an IID value names (SystemId, else NameId; "" for none). */
int mock_iid_parse(json_t *v, const char *what, const char **ret_id,
		   sp_error *err);
int mock_req_iid(json_t *req, const char *key, const char **ret_id,
		 sp_error *err);
/* The new object's ID: IId.NameId, required. */
int mock_req_name(json_t *req, const char *prefix, const char **ret_id,
		  sp_error *err);
/* A checked copy of req's TagList ([] when absent). */
int mock_req_tags(json_t *req, const char *prefix, json_t **ret_tags,
		  sp_error *err);
/* req's Zone: "" means the session's zone; else a zone of its region. */
int mock_req_zone(sp_session *s, json_t *req, const char *prefix,
		  const char **ret_zone, sp_error *err);
/* An integer string from 1 to max, or -1. */
long mock_parse_size(const char *v, long max);
/* SP_ERR_INVALID "<field> is required" when v is "". */
int mock_required(const char *v, const char *field, sp_error *err);
/* A new doc {"id", "region", "created_ms", "tags", fields...}; tags and
 * fields are stolen; NULL when memory ran out. */
json_t *mock_doc_new(sp_session *s, const char *id, json_t *tags,
		     json_t *fields);

/* Results. */
json_t *mock_iid(const char *id);
/* The IIDs of an array of IDs. */
json_t *mock_iid_list(json_t *ids);
/* {"IId", fields..., "TagList", "KeyValueList":[]} for doc; fields is
 * stolen. */
json_t *mock_info_make(json_t *doc, json_t *fields);
/* The Spider shape of any resource doc, or NULL. */
json_t *mock_info(struct mock_cloud *c, enum mock_kind kind, json_t *doc);

/* The shared methods, after mock_enter(s, op). */
int mock_list(sp_session *s, enum mock_op op, enum mock_kind kind,
	      json_t **ret_array, sp_error *err);
int mock_get(sp_session *s, enum mock_op op, enum mock_kind kind,
	     const sp_iid *iid, json_t **ret_info, sp_error *err);
/* Delete the object if check (may be NULL) lets it go; the check runs
 * under the write lock. */
typedef int mock_remove_check_fn(sp_session *s, json_t *doc, sp_error *err);
int mock_remove(sp_session *s, enum mock_op op, enum mock_kind kind,
		const sp_iid *iid, mock_remove_check_fn *check,
		sp_error *err);
/* The start of a create's commit: queue the new doc (stolen; NULL means
 * out of memory), take the write lock into *ret_locked (for
 * _cleanup_write_unlock_) and check the doc's ID is free. */
int mock_create_lock(sp_session *s, struct mock_batch *b, enum mock_kind kind,
		     json_t *doc, struct mock_cloud **ret_locked,
		     sp_error *err);
/* Commit b, then answer the info of object id of kind (when ret_info is
 * not NULL).  The caller holds the write lock. */
int mock_commit_info(sp_session *s, struct mock_batch *b,
		     enum mock_kind kind, const char *id,
		     json_t **ret_info, sp_error *err);

/* Define prefix_list() and prefix_get() for a kind: the same for all. */
#define MOCK_DEFINE_READERS(prefix, kind, list_op, get_op)                  \
	static int prefix##_list(sp_session *s, json_t **ret_array,         \
				 sp_error *err)                             \
	{                                                                   \
		return mock_list(s, list_op, kind, ret_array, err);         \
	}                                                                   \
	static int prefix##_get(sp_session *s, const sp_iid *iid,           \
				json_t **ret_info, sp_error *err)           \
	{                                                                   \
		return mock_get(s, get_op, kind, iid, ret_info, err);       \
	}

/* Per-kind conversions to the Spider shapes (NULL when malformed). */
json_t *mock_vpc_info(struct mock_cloud *c, json_t *doc);
json_t *mock_sg_info(struct mock_cloud *c, json_t *doc);
json_t *mock_keypair_info(struct mock_cloud *c, json_t *doc);
json_t *mock_vm_info(struct mock_cloud *c, json_t *doc);
json_t *mock_disk_info(struct mock_cloud *c, json_t *doc);
json_t *mock_myimage_info(struct mock_cloud *c, json_t *doc);

/* The Spider shape of a doc as the session shows it: mock_info() with a
 * VM's address replaced by the session's MockSSHAccessPoint, if any. */
json_t *mock_session_info(sp_session *s, enum mock_kind kind, json_t *doc);

/* vm.c */
/* Point a VM info's public address and access points at host and
 * access_point ("host:port"); -1 when memory ran out. */
int mock_vm_info_set_access(json_t *info, const char *host,
			    const char *access_point);
/* The VM's state at now; SP_VM_FAILED for a malformed doc. */
sp_vm_status mock_vm_state(json_t *vm, int64_t now);
const char *mock_vm_state_name(sp_vm_status st);

/* disk.c */
/* The VM a disk is attached to ("" when Available). */
const char *mock_disk_owner(struct mock_cloud *c, json_t *disk, int64_t now);
/* Queue a copy of the disk doc with owner_vm set to vm ("" for none). */
int mock_disk_set_owner(struct mock_batch *b, json_t *disk, const char *vm,
			sp_error *err);

/* The tables. */
extern const sp_regionzone_ops mock_regionzone_ops;
extern const sp_image_ops mock_image_ops;
extern const sp_spec_ops mock_spec_ops;
extern const sp_price_ops mock_price_ops;
extern const sp_resource_ops mock_vpc_ops;
extern const sp_subnet_ops mock_subnet_ops;
extern const sp_resource_ops mock_sg_ops;
extern const sp_sgrule_ops mock_sgrule_ops;
extern const sp_resource_ops mock_keypair_ops;
extern const sp_resource_ops mock_vm_ops;
extern const sp_vm_ops mock_vmctl_ops;
extern const sp_resource_ops mock_disk_ops;
extern const sp_disk_ops mock_diskctl_ops;
extern const sp_resource_ops mock_myimage_ops;
extern const sp_tag_ops mock_tag_ops;
int mock_anycall(sp_session *s, json_t *req, json_t **ret, sp_error *err);

#endif
