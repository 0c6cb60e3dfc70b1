/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/cloud.c - the process-wide registry of mock clouds, their
 * SQLite state files and the in-memory index of their resource docs.
 */
#include "mock.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

/* The registry lock is held across a cloud's creation, so two sessions
 * opening the same new cloud cannot both seed it. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mock_cloud *registry;

static inline void sqlite3_finalizep(sqlite3_stmt **p)
{
	sqlite3_finalize(*p);
}
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

static int db_error(sqlite3 *db, const char *what, sp_error *err)
{
	return sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: cannot %s in state file '%s': %s", what, sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
}

int mock_store_put(sqlite3 *db, const char *kind, const char *id,
		   json_t *doc, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);

	if (!text)
		return mock_oom(err);
	/* An upsert keeps the rowid, hence the row's place in the load order. */
	if (sqlite3_prepare_v2(db, "INSERT INTO objects(kind, id, doc) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "write", err);
	return 0;
}

static int store_del(sqlite3 *db, const char *kind, const char *id,
		     sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "DELETE FROM objects WHERE kind = ? AND id = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "delete", err);
	return 0;
}

ssize_t mock_docs_index(json_t *docs, const char *id_key, const char *id)
{
	size_t i;
	json_t *doc;

	if (!id)
		return -1;
	json_array_foreach(docs, i, doc) {
		const char *v = json_string_value(json_object_get(doc, id_key));

		if (v && !strcmp(v, id))
			return (ssize_t)i;
	}
	return -1;
}

json_t *mock_docs_find(json_t *docs, const char *id_key, const char *id)
{
	ssize_t i = mock_docs_index(docs, id_key, id);

	return i < 0 ? NULL : json_array_get(docs, (size_t)i);
}

static int user_version(sqlite3 *db, int *ret, sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		return db_error(db, "read the schema version", err);
	*ret = sqlite3_column_int(st, 0);
	return 0;
}

/* Create the schema and the catalogue in a new file, or bring an older file
 * up to date.  IMMEDIATE takes the write lock first, so of two processes
 * racing on one file only one seeds or migrates it. */
static int store_upgrade(sqlite3 *db, sp_error *err)
{
	char sql[64];
	int version = 0;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, "begin a transaction", err);
	if (user_version(db, &version, err) < 0)
		goto fail;
	if (version == 0) {
		if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS objects(kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(kind, id))", NULL, NULL, NULL) != SQLITE_OK) {
			db_error(db, "create the schema", err);
			goto fail;
		}
		if (mock_catalog_seed(db, err) < 0)
			goto fail;
	}
	/* Version 2 only added resource rows to the same table. */
	if (version < MOCK_SCHEMA_VERSION) {
		/* PRAGMA takes no bound parameters. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", MOCK_SCHEMA_VERSION);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			db_error(db, "set the schema version", err);
			goto fail;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(db, "commit", err);
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int store_open(const char *path, sqlite3 **ret_db, sp_error *err)
{
	sqlite3 *db = NULL;
	int version = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: cannot open state file '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(db, "enable WAL", err);
		sqlite3_close(db);
		return -1;
	}
	if (user_version(db, &version, err) < 0) {
		sqlite3_close(db);
		return -1;
	}
	if (version > MOCK_SCHEMA_VERSION) {
		sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: state file '%s' has schema version %d, newer than this driver's %d", path, version, MOCK_SCHEMA_VERSION);
		sqlite3_close(db);
		return -1;
	}
	if (version < MOCK_SCHEMA_VERSION && store_upgrade(db, err) < 0) {
		sqlite3_close(db);
		return -1;
	}
	*ret_db = db;
	return 0;
}

/* Load every row of one kind, checking each converts, so that the methods
 * can trust the docs they serve. */
static int store_load(struct mock_cloud *c, const char *kind, json_t **ret_docs,
		      sp_error *err)
{
	_cleanup_stmt_ sqlite3_stmt *st = NULL;
	_cleanup_json_ json_t *docs = json_array();
	json_t *region0 = json_array_get(c->regions, 0);
	int rc;

	if (!docs)
		return mock_oom(err);
	if (sqlite3_prepare_v2(c->db, "SELECT id, doc FROM objects WHERE kind = ? ORDER BY rowid", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC) != SQLITE_OK)
		return db_error(c->db, "read", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);
		_cleanup_json_ json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
		_cleanup_json_ json_t *check = NULL;
		const char *doc_id = json_string_value(json_object_get(doc, mock_kind_id_key(kind)));

		if (!strcmp(kind, MOCK_KIND_REGION))
			check = mock_region_info(doc);
		else if (!strcmp(kind, MOCK_KIND_IMAGE))
			check = mock_image_info(doc);
		else if (region0)
			check = mock_spec_info(doc, region0);
		if (!check || !id || !doc_id || strcmp(id, doc_id))
			return sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: state file '%s' has a bad %s row '%s'", c->path, kind, id ? id : "");
		if (json_array_append(docs, doc) < 0)
			return mock_oom(err);
	}
	if (rc != SQLITE_DONE)
		return db_error(c->db, "read", err);
	*ret_docs = TAKE_PTR(docs);
	return 0;
}

/* The index: every change of a VPC doc also updates the subnet map. */
static int index_subnets(struct mock_cloud *c, json_t *vpc, bool add)
{
	json_t *subnet;
	size_t i;

	json_array_foreach(json_object_get(vpc, "subnets"), i, subnet) {
		const char *sid = mock_doc_str(subnet, "id");

		if (!add)
			json_object_del(c->subnets, sid);
		else if (json_object_set_new(c->subnets, sid, json_string(mock_doc_str(vpc, "id"))) < 0)
			return -1;
	}
	return 0;
}

static void index_del(struct mock_cloud *c, enum mock_kind kind, const char *id)
{
	if (kind == MOCK_VPC)
		index_subnets(c, json_object_get(c->objs[kind], id), false);
	json_object_del(c->objs[kind], id);
}

/* doc is stolen. */
static int index_put(struct mock_cloud *c, enum mock_kind kind,
		     const char *id, json_t *doc)
{
	index_del(c, kind, id);
	if (kind == MOCK_VPC && index_subnets(c, doc, true) < 0) {
		json_decref(doc);
		return -1;
	}
	return json_object_set_new(c->objs[kind], id, doc);
}

/* Load every resource row, checking each converts, so that the methods
 * can trust the docs they serve.  Rows of unknown kinds are left alone. */
static int index_load(struct mock_cloud *c, sp_error *err)
{
	const char *key;
	json_t *doc;
	int rc;

	if (!(c->subnets = json_object()))
		return mock_oom(err);
	for (int k = 0; k < MOCK_KIND__COUNT; k++) {
		_cleanup_stmt_ sqlite3_stmt *st = NULL;

		if (!(c->objs[k] = json_object()))
			return mock_oom(err);
		if (sqlite3_prepare_v2(c->db, "SELECT id, doc FROM objects WHERE kind = ? ORDER BY rowid", -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_bind_text(st, 1, mock_kind_name(k), -1, SQLITE_STATIC) != SQLITE_OK)
			return db_error(c->db, "read", err);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *text = (const char *)sqlite3_column_text(st, 1);

			doc = text ? json_loads(text, 0, NULL) : NULL;
			if (!id || !json_is_object(doc) || strcmp(id, mock_doc_str(doc, "id")) || !*mock_doc_str(doc, "region")) {
				json_decref(doc);
				return sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: state file '%s' has a bad %s row '%s'", c->path, mock_kind_name(k), mock_str(id));
			}
			if (index_put(c, k, id, doc) < 0)
				return mock_oom(err);
		}
		if (rc != SQLITE_DONE)
			return db_error(c->db, "read", err);
	}
	/* Conversions look across kinds (a disk at its VM), so check after
	 * all are in. */
	for (int k = 0; k < MOCK_KIND__COUNT; k++) {
		json_object_foreach(c->objs[k], key, doc) {
			_cleanup_json_ json_t *check = mock_info(c, k, doc);

			if (!check)
				return sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: state file '%s' has a bad %s row '%s'", c->path, mock_kind_name(k), key);
		}
	}
	return 0;
}

struct mock_cloud *mock_read_lock(struct mock_cloud *c)
{
	pthread_rwlock_rdlock(&c->index_lock);
	return c;
}

void mock_read_unlockp(struct mock_cloud **p)
{
	if (*p)
		pthread_rwlock_unlock(&(*p)->index_lock);
}

struct mock_cloud *mock_write_lock(struct mock_cloud *c)
{
	pthread_mutex_lock(&c->write_lock);
	return c;
}

void mock_write_unlockp(struct mock_cloud **p)
{
	if (*p)
		pthread_mutex_unlock(&(*p)->write_lock);
}

void mock_batch_clear(struct mock_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].id);
		json_decref(b->v[i].doc);
	}
	free(b->v);
	*b = (struct mock_batch){ 0 };
}

/* doc (may be NULL) is stolen. */
static int batch_add(struct mock_batch *b, enum mock_kind kind,
		     const char *id, json_t *doc, sp_error *err)
{
	char *copy;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		struct mock_change *v = reallocarray(b->v, cap, sizeof(*v));

		if (!v) {
			json_decref(doc);
			return mock_oom(err);
		}
		b->v = v;
		b->cap = cap;
	}
	if (!(copy = strdup(id))) {
		json_decref(doc);
		return mock_oom(err);
	}
	b->v[b->n++] = (struct mock_change){ .kind = kind, .id = copy, .doc = doc };
	return 0;
}

int mock_batch_put(struct mock_batch *b, enum mock_kind kind, json_t *doc,
		   sp_error *err)
{
	if (!doc)
		return mock_oom(err);
	return batch_add(b, kind, mock_doc_str(doc, "id"), doc, err);
}

int mock_batch_del(struct mock_batch *b, enum mock_kind kind, const char *id,
		   sp_error *err)
{
	return batch_add(b, kind, id, NULL, err);
}

int mock_commit(struct mock_cloud *c, struct mock_batch *b, sp_error *err)
{
	int failed = 0;

	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(c->db, "begin a transaction", err);
	for (size_t i = 0; i < b->n; i++) {
		const struct mock_change *ch = &b->v[i];
		const char *kind = mock_kind_name(ch->kind);

		if ((ch->doc ? mock_store_put(c->db, kind, ch->id, ch->doc, err) : store_del(c->db, kind, ch->id, err)) < 0) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(c->db, "commit", err);
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	pthread_rwlock_wrlock(&c->index_lock);
	for (size_t i = 0; i < b->n; i++) {
		struct mock_change *ch = &b->v[i];

		if (!ch->doc)
			index_del(c, ch->kind, ch->id);
		else if (index_put(c, ch->kind, ch->id, TAKE_PTR(ch->doc)) < 0)
			failed = 1;
	}
	pthread_rwlock_unlock(&c->index_lock);
	/* Out of memory after the commit: the file is right, and the index
	 * catches up when the cloud is next loaded. */
	return failed ? mock_oom(err) : 0;
}

static void cloud_free(struct mock_cloud *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	json_decref(c->regions);
	json_decref(c->images);
	json_decref(c->specs);
	for (int k = 0; k < MOCK_KIND__COUNT; k++)
		json_decref(c->objs[k]);
	json_decref(c->subnets);
	pthread_rwlock_destroy(&c->index_lock);
	pthread_mutex_destroy(&c->write_lock);
	free(c->path);
	free(c);
}

/* A new cloud holding one reference, or NULL with err set. */
static struct mock_cloud *cloud_new(const char *path, sp_error *err)
{
	struct mock_cloud *c = calloc(1, sizeof(*c));
	pthread_rwlockattr_t attr;

	if (!c) {
		mock_oom(err);
		return NULL;
	}
	/* Status reads come in floods: prefer the writer, or a commit could
	 * wait for a gap between readers forever. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&c->index_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&c->write_lock, NULL);
	if (!(c->path = strdup(path))) {
		mock_oom(err);
		goto fail;
	}
	/* Regions first: checking a spec needs one. */
	if (store_open(path, &c->db, err) < 0 ||
	    store_load(c, MOCK_KIND_REGION, &c->regions, err) < 0)
		goto fail;
	if (json_array_size(c->regions) == 0) {
		sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: state file '%s' has no regions", path);
		goto fail;
	}
	if (store_load(c, MOCK_KIND_IMAGE, &c->images, err) < 0 ||
	    store_load(c, MOCK_KIND_SPEC, &c->specs, err) < 0 ||
	    index_load(c, err) < 0)
		goto fail;
	c->refs = 1;
	return c;
fail:
	cloud_free(c);
	return NULL;
}

int mock_cloud_acquire(const char *state_dir, const char *mock_name,
		       struct mock_cloud **ret_cloud, sp_error *err)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_free_ char *path = NULL;
	struct mock_cloud *c;

	/* The canonical path is the registry key, so "dir" and "dir/" (or a
	 * symlink to it) name the same cloud. */
	if (!(dir = realpath(state_dir, NULL)))
		return sp_error_set(err, SP_ERR_UNAVAILABLE, "mock: state directory '%s': %s", state_dir, strerror(errno));
	if (asprintf(&path, "%s/%s.db", dir, mock_name) < 0) {
		path = NULL;
		return mock_oom(err);
	}
	pthread_mutex_lock(&registry_lock);
	for (c = registry; c && strcmp(c->path, path); c = c->next)
		;
	if (c) {
		c->refs++;
	} else if ((c = cloud_new(path, err))) {
		c->next = registry;
		registry = c;
	}
	pthread_mutex_unlock(&registry_lock);
	if (!c)
		return -1;
	*ret_cloud = c;
	return 0;
}

void mock_cloud_release(struct mock_cloud *c)
{
	struct mock_cloud **pp;

	if (!c)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--c->refs > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (pp = &registry; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	pthread_mutex_unlock(&registry_lock);
	cloud_free(c);
}
