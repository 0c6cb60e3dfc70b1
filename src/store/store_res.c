/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/store_res.c - cloud resource rows of the SQLite backend.
 *
 * A row's state is the per-name lock: a create reserves its name with a
 * row in SP_RES_CREATING before the (slow) cloud call and a delete marks
 * its row SP_RES_DELETING, each in one short write transaction.  Nothing
 * holds a lock across a cloud call, so readers never wait.
 */
#include "core/iid.h"
#include "store/sqlite_int.h"
#include "util/common.h"

#define RES_COLS "conn, type, owner, name, spxid, csp_id, state, doc, created_ms"

static const char *const res_sql[Q_COUNT] = {
	[Q_RES_GET] = "SELECT " RES_COLS " FROM res WHERE conn = ?1 AND type = ?2 AND owner = ?3 AND name = ?4",
	[Q_RES_LIST] = "SELECT " RES_COLS " FROM res WHERE conn = ?1 AND type = ?2 ORDER BY owner, name",
	[Q_RES_LIST_OWNER] = "SELECT " RES_COLS " FROM res WHERE conn = ?1 AND type = ?2 AND owner = ?3 ORDER BY name",
	[Q_RES_COUNT] = "SELECT count(*) FROM res WHERE conn = ?1 AND type = ?2",
	[Q_RES_COUNT_ALL] = "SELECT count(*) FROM res WHERE type = ?1",
	[Q_RES_FIND_CSP] = "SELECT " RES_COLS " FROM res WHERE conn = ?1 AND type = ?2 AND csp_id = ?3 ORDER BY owner, name LIMIT 1",
	[Q_RES_REFS_FROM] = "SELECT r.conn, r.type, r.owner, r.name, r.spxid, r.csp_id, r.state, r.doc, r.created_ms FROM res_ref f JOIN res r ON r.conn = f.conn AND r.type = f.to_type AND r.owner = f.to_owner AND r.name = f.to_name WHERE f.conn = ?1 AND f.from_type = ?2 AND f.from_owner = ?3 AND f.from_name = ?4 ORDER BY r.type, r.owner, r.name",
};

static const char *type_display(int type)
{
	const char *d = sp_rtype_display((sp_rtype)type);

	return d ? d : "resource";
}

static const char *owner_of(const sp_res_key *k)
{
	return k->owner ? k->owner : "";
}

void sp_res_row_free(sp_res_row *row)
{
	if (!row)
		return;
	free(row->conn);
	free(row->owner);
	free(row->name);
	free(row->spxid);
	free(row->csp_id);
	free(row->doc);
	free(row);
}

void sp_res_rows_free(sp_res_row **rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		sp_res_row_free(rows[i]);
	free(rows);
}

static sp_res_row *row_from_stmt(sqlite3_stmt *st)
{
	sp_res_row *row = calloc(1, sizeof(*row));

	if (!row)
		return NULL;
	row->conn = col_strdup(st, 0);
	row->type = sqlite3_column_int(st, 1);
	row->owner = col_strdup(st, 2);
	row->name = col_strdup(st, 3);
	row->spxid = col_strdup(st, 4);
	row->csp_id = col_strdup(st, 5);
	row->state = sqlite3_column_int(st, 6);
	row->doc = col_strdup(st, 7);
	row->created_ms = sqlite3_column_int64(st, 8);
	if (!row->conn || !row->owner || !row->name || !row->spxid ||
	    !row->csp_id || !row->doc) {
		sp_res_row_free(row);
		return NULL;
	}
	return row;
}

/* Bind a key at parameters first..first+3. */
static void bind_key(sqlite3_stmt *st, int first, const sp_res_key *k)
{
	sqlite3_bind_text(st, first, k->conn, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 1, k->type);
	sqlite3_bind_text(st, first + 2, owner_of(k), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 3, k->name, -1, SQLITE_STATIC);
}

/* The state of a row, or -1 when there is none. */
static int row_state(sqlite3 *db, const sp_res_key *k, int *ret, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (prepare(db, "SELECT state FROM res WHERE conn = ?1 AND type = ?2 AND owner = ?3 AND name = ?4", &st, err) < 0)
		return -1;
	bind_key(st, 1, k);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*ret = sqlite3_column_int(st, 0);
		return 0;
	case SQLITE_DONE:
		*ret = -1;
		return 0;
	default:
		return db_error(db, "lookup", err);
	}
}

/* A row another one may use or a caller may delete must be there and
 * ready; else the error says what it is instead. */
static int require_ready(sqlite3 *db, const sp_res_key *k, sp_error *err)
{
	int state;

	if (row_state(db, k, &state, err) < 0)
		return -1;
	switch (state) {
	case SP_RES_READY:
		return 0;
	case SP_RES_CREATING:
		return sp_error_set(err, SP_ERR_CONFLICT, "%s '%s' is being created; try again when it is done", type_display(k->type), k->name);
	case SP_RES_DELETING:
		return sp_error_set(err, SP_ERR_CONFLICT, "%s '%s' is being deleted", type_display(k->type), k->name);
	default:
		return sp_error_set(err, SP_ERR_NOT_FOUND, "The %s '%s' does not exist!", type_display(k->type), k->name);
	}
}

static int exec_key(sqlite3 *db, const char *sql, const sp_res_key *k, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (prepare(db, sql, &st, err) < 0)
		return -1;
	bind_key(st, 1, k);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "write", err);
	return 0;
}

/* Run sql on the subnets of the VPC key: ?1 connection, ?2 the subnet
 * type, ?3 the VPC's name. */
static int exec_subnets(sqlite3 *db, const char *sql, const sp_res_key *vpc, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (prepare(db, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, vpc->conn, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, SP_RT_SUBNET);
	sqlite3_bind_text(st, 3, vpc->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "write", err);
	return 0;
}

static int ref_insert(sqlite3 *db, const sp_res_key *from, const sp_res_key *to, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (prepare(db, "INSERT OR IGNORE INTO res_ref (conn, from_type, from_owner, from_name, to_type, to_owner, to_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err) < 0)
		return -1;
	bind_key(st, 1, from);
	sqlite3_bind_int(st, 5, to->type);
	sqlite3_bind_text(st, 6, owner_of(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, to->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "insert", err);
	return 0;
}

static int res_insert_tx(sqlite3 *db, const sp_res_new *row, const sp_res_key *refs,
			 size_t n_refs, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *count = NULL;
	_cleanup_stmt_ sqlite3_stmt *ins = NULL;
	sp_res_key key = { row->conn, row->type, row->owner, row->name };
	int state;

	if (row_state(db, &key, &state, err) < 0)
		return -1;
	if (state >= 0)
		return sp_error_set(err, SP_ERR_CONFLICT, "%s '%s' already exists in connection '%s'", type_display(row->type), row->name, row->conn);
	if (prepare(db, "SELECT count(*) FROM res WHERE conn = ?1 AND type = ?2", &count, err) < 0)
		return -1;
	sqlite3_bind_text(count, 1, row->conn, -1, SQLITE_STATIC);
	sqlite3_bind_int(count, 2, row->type);
	if (sqlite3_step(count) != SQLITE_ROW)
		return db_error(db, "count", err);
	if (sqlite3_column_int64(count, 0) >= SP_RES_MAX)
		return sp_error_set(err, SP_ERR_CONFLICT, "connection '%s' has %d %ss already, the most spiderd keeps; delete some first", row->conn, SP_RES_MAX, type_display(row->type));
	for (size_t i = 0; i < n_refs; i++)
		if (require_ready(db, &refs[i], err) < 0)
			return -1;
	if (prepare(db, "INSERT INTO res (" RES_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &ins, err) < 0)
		return -1;
	bind_key(ins, 1, &key);
	sqlite3_bind_text(ins, 5, row->spxid, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, row->csp_id ? row->csp_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 7, row->state);
	sqlite3_bind_text(ins, 8, row->doc ? row->doc : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 9, sp_now_ms());
	if (sqlite3_step(ins) != SQLITE_DONE)
		return db_error(db, "insert", err);
	for (size_t i = 0; i < n_refs; i++)
		if (ref_insert(db, &key, &refs[i], err) < 0)
			return -1;
	return 0;
}

int st_res_insert(sp_store *base, const sp_res_new *row, const sp_res_key *refs,
		  size_t n_refs, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, res_insert_tx(s->wdb, row, refs, n_refs, err), err);
}

static int res_update_tx(sqlite3 *db, const sp_res_key *key, const char *csp_id,
			 const char *doc, int state, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (prepare(db, "UPDATE res SET csp_id = coalesce(?5, csp_id), doc = coalesce(?6, doc), state = CASE WHEN ?7 >= 0 THEN ?7 ELSE state END WHERE conn = ?1 AND type = ?2 AND owner = ?3 AND name = ?4", &st, err) < 0)
		return -1;
	bind_key(st, 1, key);
	sqlite3_bind_text(st, 5, csp_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, doc, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, state);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "update", err);
	if (sqlite3_changes(db) == 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "The %s '%s' does not exist!", type_display(key->type), key->name);
	return 0;
}

int st_res_update(sp_store *base, const sp_res_key *key, const char *csp_id,
		  const char *doc, int state, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, res_update_tx(s->wdb, key, csp_id, doc, state, err), err);
}

static int res_ref_tx(sqlite3 *db, const sp_res_key *from, const sp_res_key *to,
		      bool add, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (add)
		return require_ready(db, from, err) < 0 || require_ready(db, to, err) < 0 ? -1 : ref_insert(db, from, to, err);
	if (prepare(db, "DELETE FROM res_ref WHERE conn = ?1 AND from_type = ?2 AND from_owner = ?3 AND from_name = ?4 AND to_type = ?5 AND to_owner = ?6 AND to_name = ?7", &st, err) < 0)
		return -1;
	bind_key(st, 1, from);
	sqlite3_bind_int(st, 5, to->type);
	sqlite3_bind_text(st, 6, owner_of(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, to->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "delete", err);
	return 0;
}

int st_res_ref(sp_store *base, const sp_res_key *from, const sp_res_key *to,
	       bool add, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, res_ref_tx(s->wdb, from, to, add, err), err);
}

/* Who uses the row (or, for a VPC, one of its subnets)?  A VPC's own
 * subnets link to it but do not count: they go with it.  The first user
 * by type and name makes the error. */
static int check_users(sqlite3 *db, const sp_res_key *k, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (prepare(db, "SELECT from_type, from_name, to_type, to_name FROM res_ref WHERE conn = ?1 AND ((to_type = ?2 AND to_owner = ?3 AND to_name = ?4 AND NOT (?2 = ?5 AND from_type = ?6 AND from_owner = ?4)) OR (?2 = ?5 AND to_type = ?6 AND to_owner = ?4)) ORDER BY from_type, from_name LIMIT 1", &st, err) < 0)
		return -1;
	bind_key(st, 1, k);
	sqlite3_bind_int(st, 5, SP_RT_VPC);
	sqlite3_bind_int(st, 6, SP_RT_SUBNET);
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		return 0;
	case SQLITE_ROW:
		if (sqlite3_column_int(st, 2) != k->type)
			return sp_error_set(err, SP_ERR_CONFLICT, "%s '%s' is in use: its %s '%s' is used by %s '%s'; delete that first, or use force=true", type_display(k->type), k->name, type_display(sqlite3_column_int(st, 2)), (const char *)sqlite3_column_text(st, 3), type_display(sqlite3_column_int(st, 0)), (const char *)sqlite3_column_text(st, 1));
		return sp_error_set(err, SP_ERR_CONFLICT, "%s '%s' is in use by %s '%s'; delete that first, or use force=true", type_display(k->type), k->name, type_display(sqlite3_column_int(st, 0)), (const char *)sqlite3_column_text(st, 1));
	default:
		return db_error(db, "lookup", err);
	}
}

static int res_begin_delete_tx(sqlite3 *db, const sp_res_key *key, bool users,
			       sp_error *err)
{
	if (require_ready(db, key, err) < 0 || (users && check_users(db, key, err) < 0))
		return -1;
	return res_update_tx(db, key, NULL, NULL, SP_RES_DELETING, err);
}

int st_res_begin_delete(sp_store *base, const sp_res_key *key, bool users,
			sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, res_begin_delete_tx(s->wdb, key, users, err), err);
}

static int res_delete_tx(sqlite3 *db, const sp_res_key *key, sp_error *err)
{
	if (exec_key(db, "DELETE FROM res WHERE conn = ?1 AND type = ?2 AND owner = ?3 AND name = ?4", key, err) < 0 ||
	    exec_key(db, "DELETE FROM res_ref WHERE conn = ?1 AND ((from_type = ?2 AND from_owner = ?3 AND from_name = ?4) OR (to_type = ?2 AND to_owner = ?3 AND to_name = ?4))", key, err) < 0)
		return -1;
	if (key->type == SP_RT_VPC &&
	    (exec_subnets(db, "DELETE FROM res_ref WHERE conn = ?1 AND ((from_type = ?2 AND from_owner = ?3) OR (to_type = ?2 AND to_owner = ?3))", key, err) < 0 ||
	     exec_subnets(db, "DELETE FROM res WHERE conn = ?1 AND type = ?2 AND owner = ?3", key, err) < 0))
		return -1;
	return 0;
}

int st_res_delete(sp_store *base, const sp_res_key *key, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, res_delete_tx(s->wdb, key, err), err);
}

/* Bind the parameters of one read; each read kind binds differently. */
typedef void (*binder)(sqlite3_stmt *st, const void *ctx);

/* Run read q and collect its rows (at most one when single). */
static int read_rows(sqlite_store *s, int q, binder bind, const void *ctx,
		     bool single, sp_res_row ***ret_rows, size_t *ret_n,
		     sp_error *err)
{
	reader *r = reader_get(s, err);
	sp_res_row **rows = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc = -1, step = SQLITE_DONE;

	if (!r)
		return -1;
	if (!(st = reader_stmt(r, q, res_sql[q], err)))
		goto out;
	bind(st, ctx);
	while ((!single || n == 0) && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			sp_res_row **nrows = reallocarray(rows, ncap, sizeof(*rows));

			if (!nrows)
				goto oom;
			rows = nrows;
			cap = ncap;
		}
		if (!(rows[n] = row_from_stmt(st)))
			goto oom;
		n++;
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW) {
		db_error(r->db, "read", err);
		goto fail;
	}
	*ret_rows = rows;
	*ret_n = n;
	rc = 0;
	goto done;
oom:
	sp_error_oom(err);
fail:
	sp_res_rows_free(rows, n);
done:
	sqlite3_reset(st);
out:
	reader_put(s, r);
	return rc;
}

static int read_one(sqlite_store *s, int q, binder bind, const void *ctx,
		    const char *what, const char *name, sp_res_row **ret,
		    sp_error *err)
{
	sp_res_row **rows = NULL;
	size_t n = 0;

	if (read_rows(s, q, bind, ctx, true, &rows, &n, err) < 0)
		return -1;
	if (n == 0) {
		free(rows);
		return sp_error_set(err, SP_ERR_NOT_FOUND, "The %s '%s' does not exist!", what, name);
	}
	*ret = rows[0];
	free(rows);
	return 0;
}

static void bind_key_ctx(sqlite3_stmt *st, const void *ctx)
{
	bind_key(st, 1, ctx);
}

int st_res_get(sp_store *base, const sp_res_key *key, sp_res_row **ret,
	       sp_error *err)
{
	return read_one((sqlite_store *)base, Q_RES_GET, bind_key_ctx, key, type_display(key->type), key->name, ret, err);
}

/* The parameters of the reads by connection and type. */
struct conn_type {
	const char *conn;
	int type;
	const char *third;   /* owner or cloud ID */
};

static void bind_conn_type(sqlite3_stmt *st, const void *ctx)
{
	const struct conn_type *c = ctx;

	sqlite3_bind_text(st, 1, c->conn, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, c->type);
	if (c->third)
		sqlite3_bind_text(st, 3, c->third, -1, SQLITE_STATIC);
}

int st_res_find_csp(sp_store *base, const char *conn, int type,
		    const char *csp_id, sp_res_row **ret, sp_error *err)
{
	struct conn_type c = { conn, type, csp_id };

	return read_one((sqlite_store *)base, Q_RES_FIND_CSP, bind_conn_type, &c, type_display(type), csp_id, ret, err);
}

int st_res_list(sp_store *base, const char *conn, int type, const char *owner,
		sp_res_row ***ret_rows, size_t *ret_n, sp_error *err)
{
	struct conn_type c = { conn, type, owner };

	return read_rows((sqlite_store *)base, owner ? Q_RES_LIST_OWNER : Q_RES_LIST, bind_conn_type, &c, false, ret_rows, ret_n, err);
}

int st_res_refs_from(sp_store *base, const sp_res_key *from,
		     sp_res_row ***ret_rows, size_t *ret_n, sp_error *err)
{
	return read_rows((sqlite_store *)base, Q_RES_REFS_FROM, bind_key_ctx, from, false, ret_rows, ret_n, err);
}

int st_res_count(sp_store *base, const char *conn, int type, size_t *ret,
		 sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;
	int q = conn ? Q_RES_COUNT : Q_RES_COUNT_ALL;
	reader *r = reader_get(s, err);
	sqlite3_stmt *st;
	int rc = -1;

	if (!r)
		return -1;
	if ((st = reader_stmt(r, q, res_sql[q], err))) {
		if (conn) {
			sqlite3_bind_text(st, 1, conn, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, type);
		} else {
			sqlite3_bind_int(st, 1, type);
		}
		if (sqlite3_step(st) == SQLITE_ROW) {
			*ret = (size_t)sqlite3_column_int64(st, 0);
			rc = 0;
		} else {
			db_error(r->db, "count", err);
		}
		sqlite3_reset(st);
	}
	reader_put(s, r);
	return rc;
}

static int res_recover_tx(sqlite3 *db, size_t *ret_n, sp_error *err)
{
	size_t n;

	if (sqlite3_exec(db, "DELETE FROM res_ref WHERE EXISTS (SELECT 1 FROM res r WHERE r.state = 1 AND r.csp_id = '' AND r.conn = res_ref.conn AND r.type = res_ref.from_type AND r.owner = res_ref.from_owner AND r.name = res_ref.from_name)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "DELETE FROM res WHERE state = 1 AND csp_id = ''", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, "recover", err);
	n = (size_t)sqlite3_changes(db);
	if (sqlite3_exec(db, "UPDATE res SET state = 0 WHERE state <> 0", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, "recover", err);
	*ret_n = n + (size_t)sqlite3_changes(db);
	return 0;
}

_Static_assert(SP_RES_READY == 0 && SP_RES_CREATING == 1 && SP_RES_DELETING == 2, "the SQL above names the states by number");

int st_res_recover(sp_store *base, size_t *ret_n, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, res_recover_tx(s->wdb, ret_n, err), err);
}
