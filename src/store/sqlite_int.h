/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sqlite_int.h - internals shared by the files of the SQLite backend.
 */
#ifndef SP_STORE_SQLITE_INT_H
#define SP_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

#define READER_MAX 64
#define BUSY_TIMEOUT_MS 10000

/* Slots of the statements each reader keeps prepared. */
enum {
	Q_CIM_GET,
	Q_CIM_LIST_ALL,
	Q_CIM_LIST_PROVIDER,
	Q_CIM_COUNT_ALL,
	Q_CIM_COUNT_PROVIDER,
	Q_PING,
	Q_RES_GET,
	Q_RES_LIST,
	Q_RES_LIST_OWNER,
	Q_RES_COUNT,
	Q_RES_COUNT_ALL,
	Q_RES_FIND_CSP,
	Q_RES_REFS_FROM,
	Q_KV_SCAN,
	Q_COUNT
};

typedef struct reader {
	sqlite3 *db;
	sqlite3_stmt *stmt[Q_COUNT];
} reader;

typedef struct sqlite_store {
	sp_store base;
	char *path;
	pthread_mutex_t wlock;
	sqlite3 *wdb;
	pthread_mutex_t rlock;
	pthread_cond_t rcond;
	reader *idle[READER_MAX];
	size_t n_idle, n_open;
} sqlite_store;

static inline void stmt_finalizep(sqlite3_stmt **s)
{
	sqlite3_finalize(*s);
}
#define _cleanup_stmt_ _cleanup_(stmt_finalizep)

int db_error(sqlite3 *db, const char *what, sp_error *err);
/* Borrow an idle reader (waits while all are busy); give it back. */
reader *reader_get(sqlite_store *s, sp_error *err);
void reader_put(sqlite_store *s, reader *r);
/* The statement of slot q, prepared from sql on first use, reset. */
sqlite3_stmt *reader_stmt(reader *r, int q, const char *sql, sp_error *err);
char *col_strdup(sqlite3_stmt *st, int i);
/* Serial write transactions on the writer connection: tx_end() commits
 * when rc is 0, else rolls back; it returns 0 only after a commit. */
int tx_begin(sqlite_store *s, sp_error *err);
int tx_end(sqlite_store *s, int rc, sp_error *err);
int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, sp_error *err);

/* store_res.c */
int st_res_insert(sp_store *base, const sp_res_new *row,
		  const sp_res_key *refs, size_t n_refs, sp_error *err);
int st_res_update(sp_store *base, const sp_res_key *key, const char *csp_id,
		  const char *doc, int state, sp_error *err);
int st_res_ref(sp_store *base, const sp_res_key *from, const sp_res_key *to,
	       bool add, sp_error *err);
int st_res_begin_delete(sp_store *base, const sp_res_key *key,
			bool check_users, sp_error *err);
int st_res_delete(sp_store *base, const sp_res_key *key, sp_error *err);
int st_res_get(sp_store *base, const sp_res_key *key, sp_res_row **ret,
	       sp_error *err);
int st_res_find_csp(sp_store *base, const char *conn, int type,
		    const char *csp_id, sp_res_row **ret, sp_error *err);
int st_res_list(sp_store *base, const char *conn, int type,
		const char *owner, sp_res_row ***ret_rows, size_t *ret_n,
		sp_error *err);
int st_res_count(sp_store *base, const char *conn, int type, size_t *ret,
		 sp_error *err);
int st_res_refs_from(sp_store *base, const sp_res_key *from,
		     sp_res_row ***ret_rows, size_t *ret_n, sp_error *err);
int st_res_recover(sp_store *base, size_t *ret_n, sp_error *err);

/* store_kv.c */
int st_kv_put(sp_store *base, const sp_doc_write *items, size_t n, sp_error *err);
int st_kv_scan(sp_store *base, const char *kind,
	       int (*fn)(void *ctx, const char *key, const char *doc, sp_error *err),
	       void *ctx, sp_error *err);

#endif
