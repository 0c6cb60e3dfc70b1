/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/mcis_reg.c - the service layer's state: loading and writing it,
 * namespaces, requests (jobs), the per-connection call limit, events.
 */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>

#include "core/events.h"
#include "core/mcis_int.h"
#include "core/names.h"
#include "util/json.h"
#include "util/log.h"

#define CONN_CAP_DEFAULT 20

struct connslot {
	char *conn;
	unsigned inflight;
	struct connslot *next;
};

/* ---- small helpers -------------------------------------------------- */

void now_rfc3339(char buf[static 32])
{
	sp_time_format_rfc3339(sp_now_ms(), buf, 32);
}

const char *vm_str(const json_t *vm, const char *key)
{
	const char *v = json_string_value(json_object_get(vm, key));

	return v ? v : "";
}

void vm_set(json_t *vm, const char *key, const char *value)
{
	json_object_set_new(vm, key, json_string(value ? value : ""));
}

int mcis_name_check(const char *field, const char *name, size_t max,
		    sp_error *err)
{
	size_t n;

	if (sp_isempty(name))
		return sp_error_set(err, SP_ERR_INVALID, "%s is empty!", field);
	n = strlen(name);
	if (n > max)
		return sp_error_set(err, SP_ERR_INVALID, "%s '%.40s...' is %zu characters long; at most %zu are allowed", field, name, n, max);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!(islower(ch) || isdigit(ch) || (ch == '-' && i > 0 && i < n - 1)))
			return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: use lower-case letters, digits and '-' (not first or last)", field, name);
	}
	return 0;
}

int json_str_or_num(const json_t *obj, const char *key, char *buf,
		    size_t size, const char **ret, sp_error *err)
{
	json_t *v = sp_json_get(obj, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (json_is_string(v)) {
		*ret = json_string_value(v);
		return 0;
	}
	if (json_is_integer(v)) {
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*ret = buf;
		return 0;
	}
	return sp_error_set(err, SP_ERR_INVALID, "%s must be a string or a number", key);
}

/* ---- the tree ------------------------------------------------------- */

json_t *ns_node(sp_mcis_reg *reg, const char *ns, sp_error *err)
{
	json_t *n = json_object_get(reg->ns, ns);

	if (!n)
		sp_error_set(err, SP_ERR_NOT_FOUND, "namespace '%s' does not exist", ns);
	return n;
}

json_t *mcis_node(sp_mcis_reg *reg, const char *ns, const char *mcis,
		  sp_error *err)
{
	json_t *n = ns_node(reg, ns, err);
	json_t *m;

	if (!n)
		return NULL;
	m = json_object_get(json_object_get(n, "mcis"), mcis);
	if (!m)
		sp_error_set(err, SP_ERR_NOT_FOUND, "MCIS '%s' does not exist in namespace '%s'", mcis, ns);
	return m;
}

json_t *vm_node(json_t *mnode, const char *vm, sp_error *err)
{
	json_t *v = json_object_get(json_object_get(mnode, "vm"), vm);

	if (!v)
		sp_error_set(err, SP_ERR_NOT_FOUND, "VM '%s' does not exist in MCIS '%s'", vm,
			     vm_str(json_object_get(mnode, "info"), "id"));
	return v;
}

/* ---- store batches -------------------------------------------------- */

static void batch_add(batch *b, const char *kind, const char *key, char *doc, bool subtree)
{
	char *k = strdup(key);

	if (b->n == b->cap) {
		size_t ncap = b->cap ? 2 * b->cap : 16;
		sp_doc_write *w = realloc(b->w, ncap * sizeof(*w));
		char **d = w ? realloc(b->docs, ncap * sizeof(*d)) : NULL;
		char **ks = d ? realloc(b->keys, ncap * sizeof(*ks)) : NULL;

		if (w)
			b->w = w;
		if (d)
			b->docs = d;
		if (ks)
			b->keys = ks;
		if (!ks) {
			b->oom = true;
			free(doc);
			free(k);
			return;
		}
		b->cap = ncap;
	}
	if (!k) {
		b->oom = true;
		free(doc);
		return;
	}
	b->docs[b->n] = doc;
	b->keys[b->n] = k;
	b->w[b->n] = (sp_doc_write){ .kind = kind, .key = k, .doc = doc, .subtree = subtree };
	b->n++;
}

void batch_put(batch *b, const char *kind, const char *key, const json_t *doc)
{
	char *d = sp_json_dump(doc);

	if (!d) {
		b->oom = true;
		return;
	}
	batch_add(b, kind, key, d, false);
}

void batch_del(batch *b, const char *kind, const char *key, bool subtree)
{
	batch_add(b, kind, key, NULL, subtree);
}

void batch_clear(batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->docs[i]);
		free(b->keys[i]);
	}
	free(b->w);
	free(b->docs);
	free(b->keys);
	*b = (batch){ 0 };
}

int reg_commit(sp_mcis_reg *reg, batch *b, sp_error *err)
{
	int rc;

	pthread_mutex_lock(&reg->wlock);
	pthread_mutex_unlock(&reg->lock);
	if (b->oom)
		rc = sp_error_oom(err);
	else
		rc = sp_store_kv_put(reg->core->store, b->w, b->n, err);
	pthread_mutex_unlock(&reg->wlock);
	if (rc < 0)
		sp_log_error("service layer: writing %zu documents: %s", b->n, err->message);
	batch_clear(b);
	return rc;
}

void put_mcis(batch *b, const char *ns, json_t *mnode)
{
	json_t *info = json_object_get(mnode, "info");
	char key[2 * SP_NAME_MAX + 2];

	snprintf(key, sizeof(key), "%s/%s", ns, vm_str(info, "id"));
	batch_put(b, "mcis", key, info);
}

void put_vm(batch *b, const char *ns, const char *mcis, json_t *vm)
{
	char key[3 * SP_NAME_MAX + 3];

	snprintf(key, sizeof(key), "%s/%s/%s", ns, mcis, vm_str(vm, "id"));
	batch_put(b, "vm", key, vm);
}

/* ---- events --------------------------------------------------------- */

void reg_event(sp_mcis_reg *reg, const char *kind, const char *ns, json_t *data)
{
	sp_events_publish(reg->core->events, kind, ns, data);
}

void vm_event(sp_mcis_reg *reg, const char *ns, const char *mcis, const json_t *vm)
{
	reg_event(reg, "vm", ns,
		  json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "mcisId", mcis, "vmId", vm_str(vm, "id"),
			    "status", vm_str(vm, "status"), "targetStatus", vm_str(vm, "targetStatus"),
			    "targetAction", vm_str(vm, "targetAction"), "systemMessage", vm_str(vm, "systemMessage"),
			    "connectionName", vm_str(vm, "connectionName")));
}

/* ---- the per-connection call limit ---------------------------------- */

static struct connslot *slot_find(sp_mcis_reg *reg, const char *conn)
{
	struct connslot *s;

	for (s = reg->slots; s; s = s->next)
		if (!strcmp(s->conn, conn))
			return s;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->conn = strdup(conn))) {
		free(s);
		return NULL;
	}
	s->next = reg->slots;
	reg->slots = s;
	return s;
}

void conn_slot_get(sp_mcis_reg *reg, const char *conn)
{
	struct connslot *s;

	pthread_mutex_lock(&reg->lock);
	s = slot_find(reg, conn);
	while (s && s->inflight >= reg->conn_cap)
		pthread_cond_wait(&reg->cond, &reg->lock);
	if (s)
		s->inflight++;
	pthread_mutex_unlock(&reg->lock);
}

void conn_slot_put(sp_mcis_reg *reg, const char *conn)
{
	struct connslot *s;

	pthread_mutex_lock(&reg->lock);
	for (s = reg->slots; s; s = s->next)
		if (!strcmp(s->conn, conn) && s->inflight > 0) {
			s->inflight--;
			break;
		}
	pthread_cond_broadcast(&reg->cond);
	pthread_mutex_unlock(&reg->lock);
}

/* ---- requests ------------------------------------------------------- */

static void request_event(sp_mcis_reg *reg, const char *ns, const json_t *doc)
{
	json_t *d = json_deep_copy(doc);

	if (d)
		json_object_del(d, "result");
	reg_event(reg, "request", ns, d);
}

/* Under lock: make room for one more request by forgetting the oldest
 * finished one. */
static int request_room(sp_mcis_reg *reg, batch *b, sp_error *err)
{
	const char *key, *oldest = NULL;
	int64_t oldest_ms = INT64_MAX;
	json_t *v;

	if (json_object_size(reg->requests) < SP_REQUESTS_MAX)
		return 0;
	json_object_foreach(reg->requests, key, v) {
		int64_t ms = json_integer_value(json_object_get(v, "startMs"));

		if (strcmp(vm_str(v, "status"), "Handling") && ms < oldest_ms) {
			oldest_ms = ms;
			oldest = key;
		}
	}
	if (!oldest)
		return sp_error_set(err, SP_ERR_UNAVAILABLE, "%d requests are running; try again when one is done", SP_REQUESTS_MAX);
	batch_del(b, "request", oldest, false);
	json_object_del(reg->requests, oldest);
	return 0;
}

/* Under lock: finish a request's doc. */
static void request_end(sp_mcis_reg *reg, job *j, int rc, json_t *result, const sp_error *e, batch *b)
{
	json_t *doc = json_object_get(reg->requests, j->id);
	char now[32];

	if (!doc)
		return;
	now_rfc3339(now);
	json_object_set_new(doc, "status", json_string(rc == 0 ? "Success" : "Error"));
	json_object_set_new(doc, "endTime", json_string(now));
	json_object_set_new(doc, "elapsedSeconds",
			    json_real((double)(sp_now_ms() - json_integer_value(json_object_get(doc, "startMs"))) / 1000.0));
	/* A failed job may still say what it got done. */
	if (result)
		json_object_set(doc, "result", result);
	if (rc < 0)
		json_object_set_new(doc, "error", json_pack("{s:s,s:i}", "message", e->message, "code", (int)e->code));
	batch_put(b, "request", j->id, doc);
}

static void job_free(job *j)
{
	if (!j)
		return;
	if (j->ctx_free)
		j->ctx_free(j->ctx);
	free(j->id);
	free(j->ns);
	free(j);
}

/* Run a job to its end and record how it ended. */
static int job_run(job *j, json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = j->reg;
	json_t *result = NULL;
	sp_error ignored;
	batch b = { 0 };
	int rc;

	rc = j->fn(j, &result, err);
	pthread_mutex_lock(&reg->lock);
	request_end(reg, j, rc, result, err, &b);
	request_event(reg, j->ns, json_object_get(reg->requests, j->id));
	reg_commit(reg, &b, &ignored);
	if (rc == 0 && ret)
		*ret = result;
	else
		json_decref(result);
	return rc;
}

static void job_done(sp_mcis_reg *reg);

static void *job_thread(void *p)
{
	job *j = p;
	sp_mcis_reg *reg = j->reg;
	sp_error err = { 0 };

	job_run(j, NULL, &err);
	job_free(j);
	job_done(reg);
	return NULL;
}

job *job_reserve(sp_mcis_reg *reg, const char *ns, const char *kind,
		 const char *target, const sp_job_opts *o, sp_error *err)
{
	job *j = calloc(1, sizeof(*j));
	char id[SP_NAME_MAX + 1], now[32];
	json_t *doc = NULL;
	batch b = { 0 };

	if (!j) {
		sp_error_oom(err);
		return NULL;
	}
	j->reg = reg;
	if (o->request_id && mcis_name_check("x-request-id", o->request_id, 64, err) < 0) {
		free(j);
		return NULL;
	}
	now_rfc3339(now);
	pthread_mutex_lock(&reg->lock);
	if (reg->stopping) {
		sp_error_set(err, SP_ERR_UNAVAILABLE, "the server is stopping");
		goto fail;
	}
	if (o->request_id) {
		if (json_object_get(reg->requests, o->request_id)) {
			sp_error_set(err, SP_ERR_CONFLICT, "request '%s' already exists", o->request_id);
			goto fail;
		}
		snprintf(id, sizeof(id), "%s", o->request_id);
	} else {
		snprintf(id, sizeof(id), "req-%" PRId64 "-%" PRIu64, sp_now_ms(), ++reg->seq);
	}
	if (request_room(reg, &b, err) < 0)
		goto fail;
	if (!(j->id = strdup(id)) || !(j->ns = strdup(ns)) ||
	    !(doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:{s:i,s:i,s:s}}", "requestId", id, "namespace", ns,
			      "kind", kind, "target", target, "status", "Handling", "startTime", now,
			      "startMs", (json_int_t)sp_now_ms(), "progress", "done", 0, "total", 0, "message", "started"))) {
		sp_error_oom(err);
		goto fail;
	}
	json_object_set_new(reg->requests, id, doc);
	reg->jobs++;
	pthread_mutex_unlock(&reg->lock);
	batch_clear(&b);
	return j;
fail:
	pthread_mutex_unlock(&reg->lock);
	batch_clear(&b);
	job_free(j);
	return NULL;
}

static void job_done(sp_mcis_reg *reg)
{
	pthread_mutex_lock(&reg->lock);
	reg->jobs--;
	pthread_cond_broadcast(&reg->cond);
	pthread_mutex_unlock(&reg->lock);
}

void job_cancel(job *j)
{
	sp_mcis_reg *reg;

	if (!j)
		return;
	reg = j->reg;
	pthread_mutex_lock(&reg->lock);
	json_object_del(reg->requests, j->id);
	pthread_mutex_unlock(&reg->lock);
	job_free(j);
	job_done(reg);
}

int job_launch(job *j, job_fn fn, void *ctx, void (*ctx_free)(void *ctx),
	       const sp_job_opts *o, json_t **ret, bool *ret_async, sp_error *err)
{
	sp_mcis_reg *reg = j->reg;
	json_t *doc;
	batch b = { 0 };
	pthread_attr_t attr;
	pthread_t t;
	char loc[SP_NAME_MAX + 32];
	int rc;

	j->fn = fn;
	j->ctx = ctx;
	j->ctx_free = ctx_free;
	pthread_mutex_lock(&reg->lock);
	doc = json_object_get(reg->requests, j->id);
	batch_put(&b, "request", j->id, doc);
	request_event(reg, j->ns, doc);
	reg_commit(reg, &b, err);

	*ret_async = !o->wait;
	if (!o->wait) {
		snprintf(loc, sizeof(loc), "/spider/request/%s", j->id);
		*ret = json_pack("{s:s,s:s,s:s}", "requestId", j->id, "status", "Handling", "location", loc);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 512 * 1024);
		rc = *ret ? pthread_create(&t, &attr, job_thread, j) : -1;
		pthread_attr_destroy(&attr);
		if (rc == 0)
			return 0;
		/* No thread: run it here; slower for this client, but it runs. */
		json_decref(*ret);
		*ret = NULL;
		*ret_async = false;
	}
	rc = job_run(j, ret, err);
	job_free(j);
	job_done(reg);
	return rc;
}

int job_start(sp_mcis_reg *reg, const char *ns, const char *kind,
	      const char *target, job_fn fn, void *ctx,
	      void (*ctx_free)(void *ctx), const sp_job_opts *o, json_t **ret,
	      bool *ret_async, sp_error *err)
{
	job *j = job_reserve(reg, ns, kind, target, o, err);

	if (!j) {
		if (ctx_free)
			ctx_free(ctx);
		return -1;
	}
	return job_launch(j, fn, ctx, ctx_free, o, ret, ret_async, err);
}

void job_progress_locked(job *j, size_t done, size_t total, const char *message)
{
	json_t *doc = json_object_get(j->reg->requests, j->id);

	if (doc) {
		json_object_set_new(doc, "progress", json_pack("{s:I,s:I,s:s}", "done", (json_int_t)done,
								"total", (json_int_t)total, "message", message));
		request_event(j->reg, j->ns, doc);
	}
}

void job_progress(job *j, size_t done, size_t total, const char *message)
{
	pthread_mutex_lock(&j->reg->lock);
	job_progress_locked(j, done, total, message);
	pthread_mutex_unlock(&j->reg->lock);
}

static json_t *request_public(const json_t *doc)
{
	json_t *d = json_deep_copy(doc);

	if (d)
		json_object_del(d, "startMs");
	return d;
}

int sp_request_get(sp_core *core, const char *id, json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	json_t *doc;

	pthread_mutex_lock(&reg->lock);
	doc = json_object_get(reg->requests, id);
	*ret = doc ? request_public(doc) : NULL;
	pthread_mutex_unlock(&reg->lock);
	if (!doc)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "request '%s' does not exist", id);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_request_list(sp_core *core, const char *ns, const char *status,
		    json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	_cleanup_json_ json_t *out = json_array();
	const char *key;
	json_t *v;

	if (!out)
		return sp_error_oom(err);
	pthread_mutex_lock(&reg->lock);
	json_object_foreach(reg->requests, key, v) {
		json_t *brief;

		if ((ns && strcmp(vm_str(v, "namespace"), ns)) || (status && strcasecmp(vm_str(v, "status"), status)))
			continue;
		/* The list leaves the results out: GET the request for them. */
		brief = request_public(v);
		json_object_del(brief, "result");
		json_array_append_new(out, brief);
	}
	pthread_mutex_unlock(&reg->lock);
	*ret = json_pack("{s:O}", "request", out);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_request_delete(sp_core *core, const char *id, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	json_t *doc;
	batch b = { 0 };

	pthread_mutex_lock(&reg->lock);
	doc = json_object_get(reg->requests, id);
	if (!doc) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_NOT_FOUND, "request '%s' does not exist", id);
	}
	if (!strcmp(vm_str(doc, "status"), "Handling")) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_CONFLICT, "request '%s' is still running", id);
	}
	json_object_del(reg->requests, id);
	batch_del(&b, "request", id, false);
	return reg_commit(reg, &b, err);
}

/* ---- namespaces ----------------------------------------------------- */

static int ns_fields(const json_t *req, const char **ret_name, const char **ret_desc, sp_error *err)
{
	if (!json_is_object(req))
		return sp_error_set(err, SP_ERR_INVALID, "the body must be a JSON object with name and description");
	if ((ret_name && sp_json_string(req, "name", true, ret_name, err) < 0) ||
	    sp_json_string(req, "description", false, ret_desc, err) < 0)
		return -1;
	if (*ret_desc && strlen(*ret_desc) > 1024)
		return sp_error_set(err, SP_ERR_INVALID, "description is longer than 1024 characters");
	return 0;
}

int sp_ns_create(sp_core *core, const json_t *req, json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	const char *name = NULL, *desc = NULL;
	json_t *node;
	batch b = { 0 };

	if (ns_fields(req, &name, &desc, err) < 0 || mcis_name_check("name", name, 63, err) < 0)
		return -1;
	pthread_mutex_lock(&reg->lock);
	if (json_object_get(reg->ns, name)) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_CONFLICT, "namespace '%s' already exists", name);
	}
	if (json_object_size(reg->ns) >= SP_NS_MAX) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_CONFLICT, "there are %d namespaces already, the most allowed", SP_NS_MAX);
	}
	node = json_pack("{s:{s:s,s:s,s:s},s:{}}", "info", "id", name, "name", name, "description", desc ? desc : "", "mcis");
	if (!node || json_object_set_new(reg->ns, name, node) < 0) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_oom(err);
	}
	batch_put(&b, "ns", name, json_object_get(node, "info"));
	*ret = json_deep_copy(json_object_get(node, "info"));
	reg_event(reg, "ns", name, json_pack("{s:s,s:s}", "action", "create", "id", name));
	if (reg_commit(reg, &b, err) < 0) {
		json_decref(*ret);
		return -1;
	}
	return *ret ? 0 : sp_error_oom(err);
}

int sp_ns_list(sp_core *core, json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	_cleanup_json_ json_t *out = json_array();
	const char *key;
	json_t *v;

	if (!out)
		return sp_error_oom(err);
	pthread_mutex_lock(&reg->lock);
	json_object_foreach(reg->ns, key, v)
		json_array_append_new(out, json_deep_copy(json_object_get(v, "info")));
	pthread_mutex_unlock(&reg->lock);
	*ret = json_pack("{s:O}", "ns", out);
	return *ret ? 0 : sp_error_oom(err);
}

int sp_ns_get(sp_core *core, const char *ns, json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	json_t *n;

	pthread_mutex_lock(&reg->lock);
	n = ns_node(reg, ns, err);
	*ret = n ? json_deep_copy(json_object_get(n, "info")) : NULL;
	pthread_mutex_unlock(&reg->lock);
	if (!n)
		return -1;
	return *ret ? 0 : sp_error_oom(err);
}

int sp_ns_update(sp_core *core, const char *ns, const json_t *req,
		 json_t **ret, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	const char *desc = NULL;
	const char *name = NULL;
	json_t *n, *info;
	batch b = { 0 };

	if (ns_fields(req, NULL, &desc, err) < 0 ||
	    sp_json_string(req, "name", false, &name, err) < 0)
		return -1;
	if (name && strcmp(name, ns))
		return sp_error_set(err, SP_ERR_INVALID, "name '%s' differs from the namespace's '%s': a namespace cannot be renamed", name, ns);
	pthread_mutex_lock(&reg->lock);
	if (!(n = ns_node(reg, ns, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	info = json_object_get(n, "info");
	if (desc)
		vm_set(info, "description", desc);
	batch_put(&b, "ns", ns, info);
	*ret = json_deep_copy(info);
	reg_event(reg, "ns", ns, json_pack("{s:s,s:s}", "action", "update", "id", ns));
	if (reg_commit(reg, &b, err) < 0) {
		json_decref(*ret);
		return -1;
	}
	return *ret ? 0 : sp_error_oom(err);
}

int sp_ns_delete(sp_core *core, const char *ns, bool force, sp_error *err)
{
	sp_mcis_reg *reg = core->mcis;
	_cleanup_json_ json_t *ids = NULL;
	json_t *n, *dv;
	const char *key;
	batch b = { 0 };

	pthread_mutex_lock(&reg->lock);
	if (!(n = ns_node(reg, ns, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	if (json_object_size(json_object_get(n, "mcis")) && !force) {
		const char *first = json_object_iter_key(json_object_iter(json_object_get(n, "mcis")));

		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_CONFLICT, "namespace '%s' is not empty: it holds MCIS '%s'%s; delete them first or use force=true",
				    ns, first, json_object_size(json_object_get(n, "mcis")) > 1 ? " and more" : "");
	}
	ids = json_array();
	json_object_foreach(json_object_get(n, "mcis"), key, dv)
		json_array_append_new(ids, json_string(key));
	pthread_mutex_unlock(&reg->lock);
	if (!ids)
		return sp_error_oom(err);

	/* force: every MCIS goes, its VMs terminated, then the defaults. */
	for (size_t i = 0; i < json_array_size(ids); i++) {
		sp_job_opts o = { .wait = true };
		json_t *res = NULL;
		bool async;

		if (sp_mcis_delete(core, ns, json_string_value(json_array_get(ids, i)), "force", &o, &res, &async, err) < 0)
			return -1;
		json_decref(res);
	}
	ns_release_defaults(reg, ns);

	pthread_mutex_lock(&reg->lock);
	if (!(n = ns_node(reg, ns, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	if (json_object_size(json_object_get(n, "mcis"))) {
		pthread_mutex_unlock(&reg->lock);
		return sp_error_set(err, SP_ERR_CONFLICT, "namespace '%s' got a new MCIS while it was being deleted", ns);
	}
	json_object_del(reg->ns, ns);
	batch_del(&b, "ns", ns, false);
	reg_event(reg, "ns", ns, json_pack("{s:s,s:s}", "action", "delete", "id", ns));
	return reg_commit(reg, &b, err);
}

/* ---- loading -------------------------------------------------------- */

/* Split "a/b/c" into up to 3 parts in buf. */
static size_t key_split(const char *key, char *buf, size_t size, char *parts[3])
{
	size_t n = 0;
	char *save = NULL;

	snprintf(buf, size, "%s", key);
	for (char *p = strtok_r(buf, "/", &save); p && n < 3; p = strtok_r(NULL, "/", &save))
		parts[n++] = p;
	return n;
}

static int load_one(void *ctx, const char *key, const char *doc, sp_error *err)
{
	struct { sp_mcis_reg *reg; const char *kind; } *l = ctx;
	sp_mcis_reg *reg = l->reg;
	json_t *d = json_loads(doc, 0, NULL);
	char buf[3 * SP_NAME_MAX + 8];
	char *parts[3];
	size_t n = key_split(key, buf, sizeof(buf), parts);
	json_t *nsn, *mn;

	(void)err;
	if (!d) {
		sp_log_warn("service layer: %s '%s' is not JSON; skipped", l->kind, key);
		return 0;
	}
	if (!strcmp(l->kind, "ns") && n == 1) {
		json_object_set_new(reg->ns, parts[0], json_pack("{s:o,s:{}}", "info", d, "mcis"));
		return 0;
	}
	if (!strcmp(l->kind, "request")) {
		json_object_set_new(reg->requests, key, d);
		return 0;
	}
	if (!strcmp(l->kind, "default")) {
		json_object_set_new(reg->defaults, key, d);
		return 0;
	}
	if (!strcmp(l->kind, "hostkey")) {
		json_object_set_new(reg->hostkeys, key, d);
		return 0;
	}
	nsn = n >= 2 ? json_object_get(reg->ns, parts[0]) : NULL;
	if (nsn && !strcmp(l->kind, "mcis") && n == 2) {
		json_object_set_new(json_object_get(nsn, "mcis"), parts[1], json_pack("{s:o,s:{}}", "info", d, "vm"));
		return 0;
	}
	mn = nsn && n == 3 ? json_object_get(json_object_get(nsn, "mcis"), parts[1]) : NULL;
	if (mn && !strcmp(l->kind, "vm")) {
		json_object_set_new(json_object_get(mn, "vm"), parts[2], d);
		reg->n_vms++;
		return 0;
	}
	sp_log_warn("service layer: %s '%s' has no parent; skipped", l->kind, key);
	json_decref(d);
	return 0;
}

/* Requests that were running when the last process ended are over. */
static void recover_requests(sp_mcis_reg *reg, batch *b)
{
	const char *key;
	json_t *v;
	char now[32];

	now_rfc3339(now);
	json_object_foreach(reg->requests, key, v) {
		if (strcmp(vm_str(v, "status"), "Handling"))
			continue;
		json_object_set_new(v, "status", json_string("Interrupted"));
		json_object_set_new(v, "endTime", json_string(now));
		json_object_set_new(v, "error", json_pack("{s:s,s:i}", "message",
							  "spiderd stopped while this request ran; read the MCIS status to see where it got to",
							  (int)SP_ERR_UNAVAILABLE));
		batch_put(b, "request", key, v);
	}
}

/* An MCIS whose action was cut off is not under it any more. */
static void recover_mcis(sp_mcis_reg *reg, batch *b)
{
	const char *nk, *mk;
	json_t *nsn, *mn;

	json_object_foreach(reg->ns, nk, nsn) {
		json_object_foreach(json_object_get(nsn, "mcis"), mk, mn) {
			json_t *info = json_object_get(mn, "info");

			if (!strcmp(vm_str(info, "targetAction"), "None"))
				continue;
			vm_set(info, "targetAction", "None");
			vm_set(info, "targetStatus", "None");
			put_mcis(b, nk, mn);
		}
	}
}

int sp_mcis_open(sp_core *core, sp_error *err)
{
	static const char *const kinds[] = { "ns", "mcis", "vm", "request", "default", "hostkey" };
	sp_mcis_reg *reg = calloc(1, sizeof(*reg));
	const char *cap = getenv("SPIDER_CONN_CALLS");
	int64_t v;
	batch b = { 0 };

	if (!reg)
		return sp_error_oom(err);
	reg->core = core;
	pthread_mutex_init(&reg->lock, NULL);
	pthread_mutex_init(&reg->wlock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&reg->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	reg->conn_cap = CONN_CAP_DEFAULT;
	if (cap && sp_parse_int64(cap, 1, 1000, &v) == 0)
		reg->conn_cap = (unsigned)v;
	reg->ns = json_object();
	reg->requests = json_object();
	reg->defaults = json_object();
	reg->hostkeys = json_object();
	reg->preparing = json_object();
	core->mcis = reg;
	if (!reg->ns || !reg->requests || !reg->defaults || !reg->hostkeys || !reg->preparing) {
		sp_mcis_close(core, 0);
		return sp_error_oom(err);
	}
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		struct { sp_mcis_reg *reg; const char *kind; } l = { reg, kinds[i] };

		if (sp_store_kv_scan(core->store, kinds[i], load_one, &l, err) < 0) {
			sp_mcis_close(core, 0);
			return -1;
		}
	}
	pthread_mutex_lock(&reg->lock);
	recover_requests(reg, &b);
	recover_mcis(reg, &b);
	if (reg_commit(reg, &b, err) < 0) {
		sp_mcis_close(core, 0);
		return -1;
	}
	return 0;
}

void sp_mcis_close(sp_core *core, double grace_s)
{
	sp_mcis_reg *reg = core->mcis;
	struct timespec until;

	if (!reg)
		return;
	until = sp_timespec(sp_now_mono() + grace_s);
	pthread_mutex_lock(&reg->lock);
	reg->stopping = true;
	while (reg->jobs > 0) {
		if (pthread_cond_timedwait(&reg->cond, &reg->lock, &until) == ETIMEDOUT)
			break;
	}
	if (reg->jobs > 0) {
		/* A job still runs in a driver call: leave the state to it;
		 * the process is ending anyway. */
		sp_log_warn("stopping with %u service requests still running", reg->jobs);
		pthread_mutex_unlock(&reg->lock);
		return;
	}
	pthread_mutex_unlock(&reg->lock);
	core->mcis = NULL;
	while (reg->slots) {
		struct connslot *s = reg->slots;

		reg->slots = s->next;
		free(s->conn);
		free(s);
	}
	json_decref(reg->ns);
	json_decref(reg->requests);
	json_decref(reg->defaults);
	json_decref(reg->hostkeys);
	json_decref(reg->preparing);
	pthread_mutex_destroy(&reg->lock);
	pthread_mutex_destroy(&reg->wlock);
	pthread_cond_destroy(&reg->cond);
	free(reg);
}
