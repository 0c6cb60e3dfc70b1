/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/store.h - the metadata store interface.
 *
 * Handlers and the core talk to a sp_store only through these calls; a
 * backend (SQLite today, PostgreSQL later) fills a sp_store_ops table.
 * Every call is thread-safe.  Reads never wait for writes.
 *
 * Rows returned through ret_ parameters belong to the caller and are freed
 * with sp_cim_row_free() / sp_cim_rows_free() / sp_hiscall_recs_free().
 * Errors are reported in *err: SP_ERR_NOT_FOUND for a missing row,
 * SP_ERR_CONFLICT for a row still referenced, SP_ERR_INVALID for a missing
 * reference, SP_ERR_UNAVAILABLE when the database cannot be reached.
 */
#ifndef SP_STORE_H
#define SP_STORE_H

#include "util/common.h"

/* The four connection-setup objects (Cloud Info Manager). */
typedef enum sp_cim_kind {
	SP_CIM_DRIVER,
	SP_CIM_CREDENTIAL,
	SP_CIM_REGION,
	SP_CIM_CONNECTION,
	SP_CIM_KIND_COUNT,
} sp_cim_kind;

/* The most objects of one kind the store keeps. */
#define SP_CIM_MAX 10000

/* One CIM object.  doc is the public JSON document (as the API shows it);
 * secret is the sealed secret part, or NULL.  A connection row names the
 * driver, credential and region it uses in refs[] (indexed by kind). */
typedef struct sp_cim_row {
	char *name;
	char *provider;
	char *doc;
	char *secret;
	char *refs[SP_CIM_CONNECTION];
	int64_t updated_ms;
} sp_cim_row;

void sp_cim_row_free(sp_cim_row *row);
void sp_cim_rows_free(sp_cim_row **rows, size_t n);
static inline void sp_cim_row_freep(sp_cim_row **row)
{
	sp_cim_row_free(*row);
}
static inline void sp_cim_rows3_free(sp_cim_row *(*rows)[3])
{
	for (int i = 0; i < 3; i++)
		sp_cim_row_free((*rows)[i]);
}

/* One call-history record. */
typedef struct sp_hiscall_rec {
	int64_t time_ms;
	char *connection;
	char *cloudos;
	char *regionzone;
	char *resource_type;
	char *resource_name;
	char *cloud_api;
	double elapsed;  /* seconds */
	char *error;     /* "" on success */
} sp_hiscall_rec;

void sp_hiscall_recs_free(sp_hiscall_rec *recs, size_t n);

typedef struct sp_hiscall_filter {
	const char *connection;     /* NULL: any */
	const char *resource_type;  /* NULL: any; matched case-insensitively */
	bool errors_only;
	int64_t since_ms, until_ms; /* 0: open */
	size_t limit;               /* newest first */
} sp_hiscall_filter;

/*
 * Cloud resources (VPCs, subnets, security groups, ...): one row per
 * (connection, type, owner, name).  type is an sp_rtype (core/iid.h);
 * owner is the VPC's name for a subnet and "" for every other type.
 * A row records the name Spider gave the cloud (spxid) and the cloud's
 * own ID (csp_id), the row's state, and a JSON doc of extra facts.
 *
 * Rows also record which rows they use (a VM its VPC, subnet, security
 * groups, key pair and disks; a security group its VPC): a row that is
 * used cannot be deleted unless the caller forces it.
 */
typedef enum sp_res_state {
	SP_RES_READY,
	SP_RES_CREATING,   /* name reserved, the cloud call is running */
	SP_RES_DELETING,   /* the cloud call to delete it is running */
} sp_res_state;

/* The most resources of one type a connection keeps. */
#define SP_RES_MAX 10000

typedef struct sp_res_key {
	const char *conn;
	int type;
	const char *owner;   /* NULL is "" */
	const char *name;
} sp_res_key;

typedef struct sp_res_row {
	char *conn;
	int type;
	char *owner;
	char *name;
	char *spxid;
	char *csp_id;
	int state;           /* sp_res_state */
	char *doc;           /* JSON object text, "{}" when nothing */
	int64_t created_ms;
} sp_res_row;

/* A row to insert: the same fields, borrowed. */
typedef struct sp_res_new {
	const char *conn;
	int type;
	const char *owner;
	const char *name;
	const char *spxid;
	const char *csp_id;
	int state;
	const char *doc;     /* NULL is "{}" */
} sp_res_new;

void sp_res_row_free(sp_res_row *row);
void sp_res_rows_free(sp_res_row **rows, size_t n);
static inline void sp_res_row_freep(sp_res_row **row)
{
	sp_res_row_free(*row);
}

/* One document write of the service layer (borrowed strings). */
typedef struct sp_doc_write {
	const char *kind;   /* "ns", "mcis", "vm", "request", "hostkey", ... */
	const char *key;    /* "ns01/mcis01/g1-1" */
	const char *doc;    /* JSON text; NULL deletes */
	bool subtree;       /* with doc NULL: also every key under key/ */
} sp_doc_write;

typedef struct sp_store sp_store;

typedef struct sp_store_ops {
	const char *name;
	void (*close)(sp_store *st);
	int (*ping)(sp_store *st, sp_error *err);

	/* Insert or replace.  For a connection, every refs[] row must exist
	 * (checked in the same transaction): else SP_ERR_INVALID
	 * "<name>: does not exist!".  A new name past SP_CIM_MAX objects of
	 * its kind is refused (SP_ERR_CONFLICT). */
	int (*cim_put)(sp_store *st, sp_cim_kind kind, const sp_cim_row *row,
		       sp_error *err);
	int (*cim_get)(sp_store *st, sp_cim_kind kind, const char *name,
		       sp_cim_row **ret, sp_error *err);
	/* provider NULL lists all; ordered by name. */
	int (*cim_list)(sp_store *st, sp_cim_kind kind, const char *provider,
			sp_cim_row ***ret_rows, size_t *ret_n, sp_error *err);
	int (*cim_count)(sp_store *st, sp_cim_kind kind, const char *provider,
			 size_t *ret, sp_error *err);
	/* Delete unless a connection still uses it (SP_ERR_CONFLICT naming
	 * that connection).  A missing row is not an error. */
	int (*cim_delete)(sp_store *st, sp_cim_kind kind, const char *name,
			  sp_error *err);

	/* Append records in one transaction, then keep only the newest
	 * keep_max. */
	int (*hiscall_append)(sp_store *st, const sp_hiscall_rec *recs,
			      size_t n, size_t keep_max, sp_error *err);
	int (*hiscall_query)(sp_store *st, const sp_hiscall_filter *f,
			     sp_hiscall_rec **ret_recs, size_t *ret_n,
			     sp_error *err);

	/* Replace every sealed secret of a kind in one transaction:
	 * reseal(ctx, name, secret, err) returns the new sealed text
	 * (malloc'd) or NULL to fail and roll everything back. */
	int (*cim_reseal)(sp_store *st, sp_cim_kind kind,
			  char *(*reseal)(void *ctx, const char *name,
					  const char *secret, sp_error *err),
			  void *ctx, size_t *ret_n, sp_error *err);

	/* Insert a row (in the state it gives) with the rows it uses, in one
	 * transaction.  SP_ERR_CONFLICT "<Type> '<name>' already exists in
	 * connection '<conn>'" when the key is taken, or past SP_RES_MAX;
	 * SP_ERR_NOT_FOUND "The <Type> '<name>' does not exist!" when a used
	 * row is missing; SP_ERR_CONFLICT when one is being created or
	 * deleted. */
	int (*res_insert)(sp_store *st, const sp_res_new *row,
			  const sp_res_key *refs, size_t n_refs, sp_error *err);
	/* Change a row: csp_id and doc when not NULL, state when >= 0. */
	int (*res_update)(sp_store *st, const sp_res_key *key,
			  const char *csp_id, const char *doc, int state,
			  sp_error *err);
	/* Add (checking both rows exist) or drop one "from uses to" link. */
	int (*res_ref)(sp_store *st, const sp_res_key *from,
		       const sp_res_key *to, bool add, sp_error *err);
	/* Move a ready row to SP_RES_DELETING.  SP_ERR_NOT_FOUND when it is
	 * missing; SP_ERR_CONFLICT when it is not ready ("... is being
	 * created" / "deleted") or, with check_users, when another row uses
	 * it or (for a VPC) one of its subnets: the message names the user. */
	int (*res_begin_delete)(sp_store *st, const sp_res_key *key,
				bool check_users, sp_error *err);
	/* Drop a row, the links from and to it, and (for a VPC) its subnets
	 * with theirs.  A missing row is not an error. */
	int (*res_delete)(sp_store *st, const sp_res_key *key, sp_error *err);
	int (*res_get)(sp_store *st, const sp_res_key *key, sp_res_row **ret,
		       sp_error *err);
	/* The row of a connection's type with this cloud ID (NOT_FOUND). */
	int (*res_find_csp)(sp_store *st, const char *conn, int type,
			    const char *csp_id, sp_res_row **ret, sp_error *err);
	/* Rows of a connection's type, by name; owner NULL: any owner. */
	int (*res_list)(sp_store *st, const char *conn, int type,
			const char *owner, sp_res_row ***ret_rows,
			size_t *ret_n, sp_error *err);
	/* conn NULL counts every connection's. */
	int (*res_count)(sp_store *st, const char *conn, int type, size_t *ret,
			 sp_error *err);
	/* The rows a row uses. */
	int (*res_refs_from)(sp_store *st, const sp_res_key *from,
			     sp_res_row ***ret_rows, size_t *ret_n,
			     sp_error *err);
	/* At start-up: drop rows left creating before the cloud named its
	 * ID (the call died with the last process); make every other row
	 * ready again (a VM that was settling, a delete that was cut off). */
	int (*res_recover)(sp_store *st, size_t *ret_n, sp_error *err);

	/* Documents of the service layer: write every item in one
	 * transaction (an item with doc NULL deletes its key and, with
	 * subtree, every key under "<key>/").  Scan calls fn for each key of
	 * a kind in key order until fn fails. */
	int (*kv_put)(sp_store *st, const sp_doc_write *items, size_t n, sp_error *err);
	int (*kv_scan)(sp_store *st, const char *kind,
		       int (*fn)(void *ctx, const char *key, const char *doc,
				 sp_error *err),
		       void *ctx, sp_error *err);
} sp_store_ops;

struct sp_store {
	const sp_store_ops *ops;
};

/* Open the SQLite backend at path (created and migrated as needed). */
int sp_store_sqlite_open(const char *path, sp_store **ret, sp_error *err);

/* Thin dispatchers, so callers read as sp_store_cim_get(st, ...). */
static inline void sp_store_close(sp_store *st)
{
	if (st)
		st->ops->close(st);
}
#define sp_store_ping(st, ...) (st)->ops->ping((st), __VA_ARGS__)
#define sp_store_cim_put(st, ...) (st)->ops->cim_put((st), __VA_ARGS__)
#define sp_store_cim_get(st, ...) (st)->ops->cim_get((st), __VA_ARGS__)
#define sp_store_cim_list(st, ...) (st)->ops->cim_list((st), __VA_ARGS__)
#define sp_store_cim_count(st, ...) (st)->ops->cim_count((st), __VA_ARGS__)
#define sp_store_cim_delete(st, ...) (st)->ops->cim_delete((st), __VA_ARGS__)
#define sp_store_hiscall_append(st, ...) (st)->ops->hiscall_append((st), __VA_ARGS__)
#define sp_store_hiscall_query(st, ...) (st)->ops->hiscall_query((st), __VA_ARGS__)
#define sp_store_cim_reseal(st, ...) (st)->ops->cim_reseal((st), __VA_ARGS__)
#define sp_store_res_insert(st, ...) (st)->ops->res_insert((st), __VA_ARGS__)
#define sp_store_res_update(st, ...) (st)->ops->res_update((st), __VA_ARGS__)
#define sp_store_res_ref(st, ...) (st)->ops->res_ref((st), __VA_ARGS__)
#define sp_store_res_begin_delete(st, ...) (st)->ops->res_begin_delete((st), __VA_ARGS__)
#define sp_store_res_delete(st, ...) (st)->ops->res_delete((st), __VA_ARGS__)
#define sp_store_res_get(st, ...) (st)->ops->res_get((st), __VA_ARGS__)
#define sp_store_res_find_csp(st, ...) (st)->ops->res_find_csp((st), __VA_ARGS__)
#define sp_store_res_list(st, ...) (st)->ops->res_list((st), __VA_ARGS__)
#define sp_store_res_count(st, ...) (st)->ops->res_count((st), __VA_ARGS__)
#define sp_store_res_refs_from(st, ...) (st)->ops->res_refs_from((st), __VA_ARGS__)
#define sp_store_res_recover(st, ...) (st)->ops->res_recover((st), __VA_ARGS__)
#define sp_store_kv_put(st, ...) (st)->ops->kv_put((st), __VA_ARGS__)
#define sp_store_kv_scan(st, ...) (st)->ops->kv_scan((st), __VA_ARGS__)

/* The user-visible name of a kind, as the API's messages use it. */
const char *sp_cim_kind_name(sp_cim_kind kind);

#endif
