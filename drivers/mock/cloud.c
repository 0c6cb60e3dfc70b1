/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/cloud.c - the process-wide registry of mock clouds and their
 * SQLite state files.
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
		return sp_error_set(err, SP_ERR_INTERNAL, "out of memory");
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO objects(kind, id, doc) VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, "write", err);
	return 0;
}

json_t *mock_docs_find(json_t *docs, const char *id_key, const char *id)
{
	size_t i;
	json_t *doc;

	if (!id)
		return NULL;
	json_array_foreach(docs, i, doc) {
		const char *v = json_string_value(json_object_get(doc, id_key));

		if (v && !strcmp(v, id))
			return doc;
	}
	return NULL;
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

/* Create the schema and the catalogue in a new file.  IMMEDIATE takes the
 * write lock first, so of two processes racing on one file only one seeds. */
static int store_init(sqlite3 *db, sp_error *err)
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
	if (version == 0 && store_init(db, err) < 0) {
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
		return sp_error_set(err, SP_ERR_INTERNAL, "out of memory");
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
			return sp_error_set(err, SP_ERR_INTERNAL, "out of memory");
	}
	if (rc != SQLITE_DONE)
		return db_error(c->db, "read", err);
	*ret_docs = TAKE_PTR(docs);
	return 0;
}

static void cloud_free(struct mock_cloud *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	json_decref(c->regions);
	json_decref(c->images);
	json_decref(c->specs);
	free(c->path);
	free(c);
}

/* A new cloud holding one reference, or NULL with err set. */
static struct mock_cloud *cloud_new(const char *path, sp_error *err)
{
	struct mock_cloud *c = calloc(1, sizeof(*c));

	if (!c || !(c->path = strdup(path))) {
		free(c);
		sp_error_set(err, SP_ERR_INTERNAL, "out of memory");
		return NULL;
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
	    store_load(c, MOCK_KIND_SPEC, &c->specs, err) < 0)
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
		return sp_error_set(err, SP_ERR_INTERNAL, "out of memory");
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
