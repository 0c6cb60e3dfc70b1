/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/store_sqlite.c - the embedded metadata store.
 *
 * One writer connection behind a mutex keeps write transactions short and
 * serial; a pool of read-only connections serves readers.  In WAL mode a
 * reader sees the last committed state and never waits for the writer,
 * which is what fixes the original's "database is locked" under load.
 */
#include "store/sqlite_int.h"
#include "util/common.h"

/* Schema migrations, applied in order; PRAGMA user_version counts them. */
static const char *const migrations[] = {
	/* 1: connection setup and call history */
	"CREATE TABLE cim ("
	"  kind INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  doc TEXT NOT NULL,"
	"  secret TEXT,"
	"  ref_driver TEXT,"
	"  ref_credential TEXT,"
	"  ref_region TEXT,"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, name)) WITHOUT ROWID;"
	"CREATE INDEX cim_provider ON cim(kind, provider);"
	"CREATE INDEX cim_ref_driver ON cim(ref_driver) WHERE ref_driver IS NOT NULL;"
	"CREATE INDEX cim_ref_credential ON cim(ref_credential) WHERE ref_credential IS NOT NULL;"
	"CREATE INDEX cim_ref_region ON cim(ref_region) WHERE ref_region IS NOT NULL;"
	"CREATE TABLE hiscall ("
	"  id INTEGER PRIMARY KEY,"
	"  time_ms INTEGER NOT NULL,"
	"  connection TEXT NOT NULL,"
	"  cloudos TEXT NOT NULL,"
	"  regionzone TEXT NOT NULL,"
	"  resource_type TEXT NOT NULL,"
	"  resource_name TEXT NOT NULL,"
	"  cloud_api TEXT NOT NULL,"
	"  elapsed REAL NOT NULL,"
	"  error TEXT NOT NULL);"
	"CREATE INDEX hiscall_connection ON hiscall(connection, id);"
	"CREATE INDEX hiscall_time ON hiscall(time_ms);",
	/* 2: cloud resources and the links between them */
	"CREATE TABLE res ("
	"  conn TEXT NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  spxid TEXT NOT NULL,"
	"  csp_id TEXT NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  doc TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (conn, type, owner, name)) WITHOUT ROWID;"
	"CREATE INDEX res_csp ON res(conn, type, csp_id);"
	"CREATE TABLE res_ref ("
	"  conn TEXT NOT NULL,"
	"  from_type INTEGER NOT NULL, from_owner TEXT NOT NULL, from_name TEXT NOT NULL,"
	"  to_type INTEGER NOT NULL, to_owner TEXT NOT NULL, to_name TEXT NOT NULL,"
	"  PRIMARY KEY (conn, from_type, from_owner, from_name, to_type, to_owner, to_name)) WITHOUT ROWID;"
	"CREATE INDEX res_ref_to ON res_ref(conn, to_type, to_owner, to_name);",
	/* 3: the service layer's documents */
	"CREATE TABLE kv ("
	"  kind TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  doc TEXT NOT NULL,"
	"  PRIMARY KEY (kind, key)) WITHOUT ROWID;",
};

static const char *const cim_sql[] = {
	[Q_CIM_GET] = "SELECT name, provider, doc, secret, ref_driver, ref_credential, ref_region, updated_ms FROM cim WHERE kind = ?1 AND name = ?2",
	[Q_CIM_LIST_ALL] = "SELECT name, provider, doc, secret, ref_driver, ref_credential, ref_region, updated_ms FROM cim WHERE kind = ?1 ORDER BY name",
	[Q_CIM_LIST_PROVIDER] = "SELECT name, provider, doc, secret, ref_driver, ref_credential, ref_region, updated_ms FROM cim WHERE kind = ?1 AND provider = ?2 ORDER BY name",
	[Q_CIM_COUNT_ALL] = "SELECT count(*) FROM cim WHERE kind = ?1",
	[Q_CIM_COUNT_PROVIDER] = "SELECT count(*) FROM cim WHERE kind = ?1 AND provider = ?2",
	[Q_PING] = "SELECT count(*) FROM sqlite_schema",
};

int db_error(sqlite3 *db, const char *what, sp_error *err)
{
	int rc = sqlite3_extended_errcode(db);
	sp_errcode code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_CANTOPEN ||
					  (rc & 0xff) == SQLITE_IOERR
				  ? SP_ERR_UNAVAILABLE
				  : SP_ERR_INTERNAL;

	return sp_error_set(err, code, "metadata store: %s: %s", what,
			    sqlite3_errmsg(db));
}

static int db_exec(sqlite3 *db, const char *sql, sp_error *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, sql, err);
	return 0;
}

static int db_open(const char *path, bool readonly, sqlite3 **ret,
		   sp_error *err)
{
	int flags = (readonly ? SQLITE_OPEN_READONLY
			      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX;
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		sp_error_set(err, SP_ERR_UNAVAILABLE,
			     "metadata store: cannot open '%s': %s", path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 1);
	*ret = db;
	return 0;
}

static void reader_free(reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(r->stmt[i]);
	sqlite3_close(r->db);
	free(r);
}

/* Borrow an idle reader, opening one while under the cap, else wait. */
reader *reader_get(sqlite_store *s, sp_error *err)
{
	reader *r = NULL;

	pthread_mutex_lock(&s->rlock);
	while (s->n_idle == 0 && s->n_open >= READER_MAX)
		pthread_cond_wait(&s->rcond, &s->rlock);
	if (s->n_idle > 0) {
		r = s->idle[--s->n_idle];
		pthread_mutex_unlock(&s->rlock);
		return r;
	}
	s->n_open++;
	pthread_mutex_unlock(&s->rlock);

	r = calloc(1, sizeof(*r));
	if (!r || db_open(s->path, true, &r->db, err) < 0) {
		if (!r)
			sp_error_oom(err);
		free(r);
		pthread_mutex_lock(&s->rlock);
		s->n_open--;
		pthread_cond_signal(&s->rcond);
		pthread_mutex_unlock(&s->rlock);
		return NULL;
	}
	return r;
}

void reader_put(sqlite_store *s, reader *r)
{
	pthread_mutex_lock(&s->rlock);
	s->idle[s->n_idle++] = r;
	pthread_cond_signal(&s->rcond);
	pthread_mutex_unlock(&s->rlock);
}

/* A prepared statement cached on the reader, reset and ready to bind. */
sqlite3_stmt *reader_stmt(reader *r, int q, const char *sql, sp_error *err)
{
	if (!r->stmt[q] &&
	    sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &r->stmt[q], NULL) != SQLITE_OK) {
		db_error(r->db, "prepare", err);
		return NULL;
	}
	sqlite3_reset(r->stmt[q]);
	sqlite3_clear_bindings(r->stmt[q]);
	return r->stmt[q];
}

char *col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

void sp_cim_row_free(sp_cim_row *row)
{
	if (!row)
		return;
	free(row->name);
	free(row->provider);
	free(row->doc);
	free(row->secret);
	for (size_t i = 0; i < ELEMENTSOF(row->refs); i++)
		free(row->refs[i]);
	free(row);
}

void sp_cim_rows_free(sp_cim_row **rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		sp_cim_row_free(rows[i]);
	free(rows);
}

void sp_hiscall_recs_free(sp_hiscall_rec *recs, size_t n)
{
	if (!recs)
		return;
	for (size_t i = 0; i < n; i++) {
		free(recs[i].connection);
		free(recs[i].cloudos);
		free(recs[i].regionzone);
		free(recs[i].resource_type);
		free(recs[i].resource_name);
		free(recs[i].cloud_api);
		free(recs[i].error);
	}
	free(recs);
}

static sp_cim_row *row_from_stmt(sqlite3_stmt *st)
{
	sp_cim_row *row = calloc(1, sizeof(*row));

	if (!row)
		return NULL;
	row->name = col_strdup(st, 0);
	row->provider = col_strdup(st, 1);
	row->doc = col_strdup(st, 2);
	row->secret = col_strdup(st, 3);
	for (int i = 0; i < SP_CIM_CONNECTION; i++)
		row->refs[i] = col_strdup(st, 4 + i);
	row->updated_ms = sqlite3_column_int64(st, 7);
	if (!row->name || !row->provider || !row->doc) {
		sp_cim_row_free(row);
		return NULL;
	}
	return row;
}

static int st_ping(sp_store *base, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;
	reader *r = reader_get(s, err);
	sqlite3_stmt *st;
	int rc = 0;

	if (!r)
		return -1;
	st = reader_stmt(r, Q_PING, cim_sql[Q_PING], err);
	if (!st || sqlite3_step(st) != SQLITE_ROW)
		rc = st ? db_error(r->db, "ping", err) : -1;
	if (st)
		sqlite3_reset(st);
	reader_put(s, r);
	return rc;
}

static const char *const ref_col[SP_CIM_CONNECTION] = {
	"ref_driver", "ref_credential", "ref_region"
};

static int row_exists(sqlite3 *db, sp_cim_kind kind, const char *name,
		      bool *ret, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM cim WHERE kind = ?1 AND name = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "prepare", err);
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*ret = true;
		return 0;
	case SQLITE_DONE:
		*ret = false;
		return 0;
	default:
		return db_error(db, "lookup", err);
	}
}

/* Write transactions: serial on the one writer connection, short, and
 * either committed whole or rolled back whole. */
int tx_begin(sqlite_store *s, sp_error *err)
{
	pthread_mutex_lock(&s->wlock);
	if (db_exec(s->wdb, "BEGIN IMMEDIATE", err) < 0) {
		pthread_mutex_unlock(&s->wlock);
		return -1;
	}
	return 0;
}

/* Commit if rc is 0, else roll back; unlock.  Returns 0 only when the
 * commit went through.  The body's statements must be finalized. */
int tx_end(sqlite_store *s, int rc, sp_error *err)
{
	if (rc == 0 && db_exec(s->wdb, "COMMIT", err) < 0)
		rc = -1;
	if (rc < 0)
		sqlite3_exec(s->wdb, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret, sp_error *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, ret, NULL) != SQLITE_OK)
		return db_error(db, "prepare", err);
	return 0;
}

/* A new name must fit under SP_CIM_MAX objects of its kind. */
static int cim_room(sqlite3 *db, sp_cim_kind kind, const char *name, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	bool exists = false;

	if (row_exists(db, kind, name, &exists, err) < 0)
		return -1;
	if (exists)
		return 0;
	if (prepare(db, "SELECT count(*) FROM cim WHERE kind = ?1", &st, err) < 0)
		return -1;
	sqlite3_bind_int(st, 1, kind);
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_error(db, "count", err);
	if (sqlite3_column_int64(st, 0) >= SP_CIM_MAX)
		return sp_error_set(err, SP_ERR_CONFLICT,
				    "there are %d %ss already, the most spiderd keeps; delete some first",
				    SP_CIM_MAX, sp_cim_kind_name(kind));
	return 0;
}

static int cim_put_tx(sqlite3 *db, sp_cim_kind kind, const sp_cim_row *row,
		      sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (kind == SP_CIM_CONNECTION) {
		for (int i = 0; i < SP_CIM_CONNECTION; i++) {
			bool found = false;

			if (row_exists(db, (sp_cim_kind)i, row->refs[i], &found, err) < 0)
				return -1;
			if (!found)
				return sp_error_set(err, SP_ERR_INVALID, "%s: does not exist!",
						    row->refs[i]);
		}
	}
	if (cim_room(db, kind, row->name, err) < 0 ||
	    prepare(db, "INSERT OR REPLACE INTO cim (kind, name, provider, doc, secret, ref_driver, ref_credential, ref_region, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		    &st, err) < 0)
		return -1;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_text(st, 2, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->doc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->secret, -1, SQLITE_STATIC);
	for (int i = 0; i < SP_CIM_CONNECTION; i++)
		sqlite3_bind_text(st, 6 + i, kind == SP_CIM_CONNECTION ? row->refs[i] : NULL,
				  -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, sp_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "insert", err);
	return 0;
}

static int st_cim_put(sp_store *base, sp_cim_kind kind, const sp_cim_row *row,
		      sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, cim_put_tx(s->wdb, kind, row, err), err);
}

static int st_cim_get(sp_store *base, sp_cim_kind kind, const char *name,
		      sp_cim_row **ret, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;
	reader *r = reader_get(s, err);
	sqlite3_stmt *st;
	int rc = -1;

	if (!r)
		return -1;
	st = reader_stmt(r, Q_CIM_GET, cim_sql[Q_CIM_GET], err);
	if (!st)
		goto out;
	sqlite3_bind_int(st, 1, kind);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: {
		sp_cim_row *row = row_from_stmt(st);

		if (!row) {
			sp_error_oom(err);
			break;
		}
		*ret = row;
		rc = 0;
		break;
	}
	case SQLITE_DONE:
		sp_error_set(err, SP_ERR_NOT_FOUND, "%s: does not exist!", name);
		break;
	default:
		db_error(r->db, "get", err);
	}
	sqlite3_reset(st);
out:
	reader_put(s, r);
	return rc;
}

static int st_cim_list(sp_store *base, sp_cim_kind kind, const char *provider,
		       sp_cim_row ***ret_rows, size_t *ret_n, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;
	reader *r = reader_get(s, err);
	sp_cim_row **rows = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc = -1, step;
	int q = provider ? Q_CIM_LIST_PROVIDER : Q_CIM_LIST_ALL;

	if (!r)
		return -1;
	st = reader_stmt(r, q, cim_sql[q], err);
	if (!st)
		goto out;
	sqlite3_bind_int(st, 1, kind);
	if (provider)
		sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			sp_cim_row **nrows = reallocarray(rows, ncap, sizeof(*rows));

			if (!nrows)
				goto oom;
			rows = nrows;
			cap = ncap;
		}
		rows[n] = row_from_stmt(st);
		if (!rows[n])
			goto oom;
		n++;
	}
	if (step != SQLITE_DONE) {
		db_error(r->db, "list", err);
		goto fail;
	}
	*ret_rows = rows;
	*ret_n = n;
	rc = 0;
	goto done;
oom:
	sp_error_oom(err);
fail:
	sp_cim_rows_free(rows, n);
done:
	sqlite3_reset(st);
out:
	reader_put(s, r);
	return rc;
}

static int st_cim_count(sp_store *base, sp_cim_kind kind, const char *provider,
			size_t *ret, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;
	reader *r = reader_get(s, err);
	sqlite3_stmt *st;
	int rc = -1;
	int q = provider ? Q_CIM_COUNT_PROVIDER : Q_CIM_COUNT_ALL;

	if (!r)
		return -1;
	st = reader_stmt(r, q, cim_sql[q], err);
	if (!st)
		goto out;
	sqlite3_bind_int(st, 1, kind);
	if (provider)
		sqlite3_bind_text(st, 2, provider, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ret = (size_t)sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		db_error(r->db, "count", err);
	}
	sqlite3_reset(st);
out:
	reader_put(s, r);
	return rc;
}

static int cim_delete_tx(sqlite3 *db, sp_cim_kind kind, const char *name,
			 sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *users = NULL;
	_cleanup_stmt_ sqlite3_stmt *del = NULL;
	char sql[128];

	if (kind != SP_CIM_CONNECTION) {
		snprintf(sql, sizeof(sql),
			 "SELECT name FROM cim WHERE kind = %d AND %s = ?1 ORDER BY name LIMIT 1",
			 SP_CIM_CONNECTION, ref_col[kind]);
		if (prepare(db, sql, &users, err) < 0)
			return -1;
		sqlite3_bind_text(users, 1, name, -1, SQLITE_STATIC);
		switch (sqlite3_step(users)) {
		case SQLITE_ROW:
			return sp_error_set(err, SP_ERR_CONFLICT,
					    "%s '%s' is used by connection config '%s'; delete that first",
					    sp_cim_kind_name(kind), name,
					    (const char *)sqlite3_column_text(users, 0));
		case SQLITE_DONE:
			break;
		default:
			return db_error(db, "lookup", err);
		}
	} else {
		if (prepare(db, "SELECT count(*) FROM res WHERE conn = ?1", &users, err) < 0)
			return -1;
		sqlite3_bind_text(users, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(users) != SQLITE_ROW)
			return db_error(db, "lookup", err);
		if (sqlite3_column_int64(users, 0) > 0)
			return sp_error_set(err, SP_ERR_CONFLICT,
					    "connection config '%s' still has %lld resources; delete them first (DELETE /spider/destroy)",
					    name, (long long)sqlite3_column_int64(users, 0));
	}
	if (prepare(db, "DELETE FROM cim WHERE kind = ?1 AND name = ?2", &del, err) < 0)
		return -1;
	sqlite3_bind_int(del, 1, kind);
	sqlite3_bind_text(del, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(del) != SQLITE_DONE)
		return db_error(db, "delete", err);
	return 0;
}

static int st_cim_delete(sp_store *base, sp_cim_kind kind, const char *name,
			 sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, cim_delete_tx(s->wdb, kind, name, err), err);
}

static int hiscall_append_tx(sqlite3 *db, const sp_hiscall_rec *recs,
			     size_t n, size_t keep_max, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *ins = NULL;
	_cleanup_stmt_ sqlite3_stmt *trim = NULL;

	if (prepare(db, "INSERT INTO hiscall (time_ms, connection, cloudos, regionzone, resource_type, resource_name, cloud_api, elapsed, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		    &ins, err) < 0 ||
	    prepare(db, "DELETE FROM hiscall WHERE id <= (SELECT max(id) FROM hiscall) - ?1",
		    &trim, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const sp_hiscall_rec *h = &recs[i];
		const char *text[] = { h->connection, h->cloudos, h->regionzone,
				       h->resource_type, h->resource_name,
				       h->cloud_api };

		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, h->time_ms);
		for (int t = 0; t < (int)ELEMENTSOF(text); t++)
			sqlite3_bind_text(ins, 2 + t, text[t] ? text[t] : "", -1, SQLITE_STATIC);
		sqlite3_bind_double(ins, 8, h->elapsed);
		sqlite3_bind_text(ins, 9, h->error ? h->error : "", -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			return db_error(db, "insert call history", err);
	}
	sqlite3_bind_int64(trim, 1, (sqlite3_int64)keep_max);
	if (sqlite3_step(trim) != SQLITE_DONE)
		return db_error(db, "trim call history", err);
	return 0;
}

static int st_hiscall_append(sp_store *base, const sp_hiscall_rec *recs,
			     size_t n, size_t keep_max, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;

	if (tx_begin(s, err) < 0)
		return -1;
	return tx_end(s, hiscall_append_tx(s->wdb, recs, n, keep_max, err), err);
}

static int st_hiscall_query(sp_store *base, const sp_hiscall_filter *f,
			    sp_hiscall_rec **ret_recs, size_t *ret_n,
			    sp_error *err)
{
	static const char sql[] =
		"SELECT time_ms, connection, cloudos, regionzone, resource_type, resource_name, cloud_api, elapsed, error FROM hiscall"
		" WHERE (?1 IS NULL OR connection = ?1)"
		" AND (?2 IS NULL OR resource_type = ?2 COLLATE NOCASE)"
		" AND (?3 = 0 OR error <> '')"
		" AND (?4 = 0 OR time_ms >= ?4)"
		" AND (?5 = 0 OR time_ms <= ?5)"
		" ORDER BY id DESC LIMIT ?6";
	sqlite_store *s = (sqlite_store *)base;
	reader *r = reader_get(s, err);
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	sp_hiscall_rec *recs = NULL;
	size_t n = 0;
	int rc = -1, step = SQLITE_DONE;

	if (!r)
		return -1;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(r->db, "prepare", err);
		goto out;
	}
	sqlite3_bind_text(st, 1, f->connection, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->resource_type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, f->errors_only);
	sqlite3_bind_int64(st, 4, f->since_ms);
	sqlite3_bind_int64(st, 5, f->until_ms);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)f->limit);
	recs = calloc(f->limit ? f->limit : 1, sizeof(*recs));
	if (!recs) {
		sp_error_oom(err);
		goto out;
	}
	while (n < f->limit && (step = sqlite3_step(st)) == SQLITE_ROW) {
		sp_hiscall_rec *h = &recs[n++];

		h->time_ms = sqlite3_column_int64(st, 0);
		h->connection = col_strdup(st, 1);
		h->cloudos = col_strdup(st, 2);
		h->regionzone = col_strdup(st, 3);
		h->resource_type = col_strdup(st, 4);
		h->resource_name = col_strdup(st, 5);
		h->cloud_api = col_strdup(st, 6);
		h->elapsed = sqlite3_column_double(st, 7);
		h->error = col_strdup(st, 8);
		if (!h->connection || !h->cloudos || !h->regionzone ||
		    !h->resource_type || !h->resource_name || !h->cloud_api ||
		    !h->error) {
			sp_error_oom(err);
			sp_hiscall_recs_free(recs, n);
			goto out;
		}
	}
	if (n < f->limit && step != SQLITE_DONE) {
		db_error(r->db, "query call history", err);
		sp_hiscall_recs_free(recs, n);
		goto out;
	}
	*ret_recs = recs;
	*ret_n = n;
	rc = 0;
out:
	if (st) {
		sqlite3_finalize(st);
		st = NULL;
	}
	reader_put(s, r);
	return rc;
}

static int cim_reseal_tx(sqlite3 *db, sp_cim_kind kind,
			 char *(*reseal)(void *ctx, const char *name,
					 const char *secret, sp_error *err),
			 void *ctx, size_t *ret_n, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *sel = NULL;
	_cleanup_stmt_ sqlite3_stmt *upd = NULL;
	size_t n = 0;
	int step;

	if (prepare(db, "SELECT name, secret FROM cim WHERE kind = ?1 AND secret IS NOT NULL",
		    &sel, err) < 0 ||
	    prepare(db, "UPDATE cim SET secret = ?1 WHERE kind = ?2 AND name = ?3",
		    &upd, err) < 0)
		return -1;
	sqlite3_bind_int(sel, 1, kind);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(sel, 0);
		_cleanup_free_ char *sealed = reseal(ctx, name,
						     (const char *)sqlite3_column_text(sel, 1), err);

		if (!sealed)
			return -1;
		sqlite3_reset(upd);
		sqlite3_bind_text(upd, 1, sealed, -1, SQLITE_STATIC);
		sqlite3_bind_int(upd, 2, kind);
		sqlite3_bind_text(upd, 3, name, -1, SQLITE_STATIC);
		if (sqlite3_step(upd) != SQLITE_DONE)
			return db_error(db, "update", err);
		n++;
	}
	if (step != SQLITE_DONE)
		return db_error(db, "reseal", err);
	*ret_n = n;
	return 0;
}

static int st_cim_reseal(sp_store *base, sp_cim_kind kind,
			 char *(*reseal)(void *ctx, const char *name,
					 const char *secret, sp_error *err),
			 void *ctx, size_t *ret_n, sp_error *err)
{
	sqlite_store *s = (sqlite_store *)base;
	size_t n = 0;

	if (tx_begin(s, err) < 0 ||
	    tx_end(s, cim_reseal_tx(s->wdb, kind, reseal, ctx, &n, err), err) < 0)
		return -1;
	*ret_n = n;
	return 0;
}

static void st_close(sp_store *base)
{
	sqlite_store *s = (sqlite_store *)base;

	for (size_t i = 0; i < s->n_idle; i++)
		reader_free(s->idle[i]);
	sqlite3_close(s->wdb);
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->rlock);
	pthread_cond_destroy(&s->rcond);
	free(s->path);
	free(s);
}

static const sp_store_ops sqlite_ops = {
	.name = "sqlite",
	.close = st_close,
	.ping = st_ping,
	.cim_put = st_cim_put,
	.cim_get = st_cim_get,
	.cim_list = st_cim_list,
	.cim_count = st_cim_count,
	.cim_delete = st_cim_delete,
	.hiscall_append = st_hiscall_append,
	.hiscall_query = st_hiscall_query,
	.cim_reseal = st_cim_reseal,
	.res_insert = st_res_insert,
	.res_update = st_res_update,
	.res_ref = st_res_ref,
	.res_begin_delete = st_res_begin_delete,
	.res_delete = st_res_delete,
	.res_get = st_res_get,
	.res_find_csp = st_res_find_csp,
	.res_list = st_res_list,
	.res_count = st_res_count,
	.res_refs_from = st_res_refs_from,
	.res_recover = st_res_recover,
	.kv_put = st_kv_put,
	.kv_scan = st_kv_scan,
};

static int migrate(sqlite3 *db, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	int version;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return db_error(db, "read schema version", err);
	version = sqlite3_column_int(st, 0);
	if (version > (int)ELEMENTSOF(migrations))
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "metadata store schema version %d is newer than this spiderd knows (%zu); upgrade spiderd",
				    version, ELEMENTSOF(migrations));
	for (size_t v = (size_t)version; v < ELEMENTSOF(migrations); v++) {
		char bump[64];

		snprintf(bump, sizeof(bump), "PRAGMA user_version = %zu", v + 1);
		if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		if (db_exec(db, migrations[v], err) < 0 || db_exec(db, bump, err) < 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (db_exec(db, "COMMIT", err) < 0)
			return -1;
	}
	return 0;
}

int sp_store_sqlite_open(const char *path, sp_store **ret, sp_error *err)
{
	sqlite_store *s = calloc(1, sizeof(*s));

	if (!s)
		return sp_error_oom(err);
	s->base.ops = &sqlite_ops;
	pthread_mutex_init(&s->wlock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	pthread_cond_init(&s->rcond, NULL);
	s->path = strdup(path);
	if (!s->path) {
		sp_error_oom(err);
		goto fail;
	}
	if (db_open(path, false, &s->wdb, err) < 0 ||
	    db_exec(s->wdb, "PRAGMA journal_mode = WAL", err) < 0 ||
	    db_exec(s->wdb, "PRAGMA synchronous = FULL", err) < 0 ||
	    db_exec(s->wdb, "PRAGMA foreign_keys = ON", err) < 0 ||
	    migrate(s->wdb, err) < 0)
		goto fail;
	*ret = &s->base;
	return 0;
fail:
	st_close(&s->base);
	return -1;
}

const char *sp_cim_kind_name(sp_cim_kind kind)
{
	static const char *const names[] = { "driver", "credential", "region",
					     "connection config" };

	return kind < SP_CIM_KIND_COUNT ? names[kind] : "object";
}
