/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/store_kv.c - documents by kind and key, for the service layer.
 *
 * The service layer (namespaces, MCIS, VMs, requests, SSH host keys)
 * keeps its objects in memory and writes each change through here, many
 * keys per transaction; it reads them all back once, at start-up.
 */
#include "store/sqlite_int.h"

static int kv_put_tx(sqlite3 *db, const sp_doc_write *items, size_t n, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *put = NULL;
	_cleanup_stmt_ sqlite3_stmt *del = NULL;

	if (prepare(db, "INSERT OR REPLACE INTO kv (kind, key, doc) VALUES (?1, ?2, ?3)", &put, err) < 0 ||
	    prepare(db, "DELETE FROM kv WHERE kind = ?1 AND (key = ?2 OR (?3 AND substr(key, 1, length(?2) + 1) = ?2 || '/'))", &del, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = items[i].doc ? put : del;

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, items[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, items[i].key, -1, SQLITE_STATIC);
		if (items[i].doc)
			sqlite3_bind_text(st, 3, items[i].doc, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int(st, 3, items[i].subtree);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_error(db, items[i].doc ? "kv put" : "kv delete", err);
	}
	return 0;
}

int st_kv_put(sp_store *base, const sp_doc_write *items, size_t n, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (n == 0)
		return 0;
	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, kv_put_tx(s->wdb, items, n, err), err);
}

int st_kv_scan(sp_store *base, const char *kind,
	       int (*fn)(void *ctx, const char *key, const char *doc, sp_error *err),
	       void *ctx, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;
	reader *r = reader_get(s, err);
	sqlite3_stmt *st;
	int rc = -1, step;

	if (!r)
		return -1;
	if ((st = reader_stmt(r, Q_KV_SCAN, "SELECT key, doc FROM kv WHERE kind = ?1 ORDER BY key", err))) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		rc = 0;
		while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
			rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
				(const char *)sqlite3_column_text(st, 1), err);
		if (rc == 0 && step != SQLITE_DONE)
			rc = db_error(r->db, "kv scan", err);
		sqlite3_reset(st);
	}
	reader_put(s, r);
	return rc;
}
