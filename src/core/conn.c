/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "core/conn.h"
#include "core/provider.h"
#include "util/json.h"
#include "util/log.h"

#define BUCKETS 256

struct sp_conn_cache {
	pthread_mutex_t lock;
	sp_conn *bucket[BUCKETS];
	uint64_t generation;  /* bumped by every invalidation */
};

static unsigned hash(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % BUCKETS;
}

int sp_conn_cache_new(sp_conn_cache **ret)
{
	sp_conn_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	pthread_mutex_init(&c->lock, NULL);
	*ret = c;
	return 0;
}

static void conn_free(sp_conn *c)
{
	if (c->session)
		c->plugin->driver->close(c->session);
	free(c->name);
	free(c->provider);
	free(c->region);
	free(c->zone);
	free(c->regionzone);
	free(c);
}

void sp_conn_cache_free(sp_conn_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		while (c->bucket[i]) {
			sp_conn *n = c->bucket[i];

			c->bucket[i] = n->next;
			conn_free(n);
		}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

sp_conn *sp_conn_ref(sp_conn *c)
{
	sp_conn_cache *cache = c->core->conns;

	pthread_mutex_lock(&cache->lock);
	c->refs++;
	pthread_mutex_unlock(&cache->lock);
	return c;
}

void sp_conn_release(sp_conn *c)
{
	sp_conn_cache *cache = c->core->conns;
	bool last;

	pthread_mutex_lock(&cache->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&cache->lock);
	if (last)
		conn_free(c);
}

void sp_conn_cache_invalidate(sp_core *core)
{
	sp_conn_cache *cache = core->conns;
	sp_conn *dead = NULL;

	pthread_mutex_lock(&cache->lock);
	cache->generation++;
	for (size_t i = 0; i < BUCKETS; i++)
		while (cache->bucket[i]) {
			sp_conn *n = cache->bucket[i];

			cache->bucket[i] = n->next;
			/* Drop the cache's own reference. */
			if (--n->refs == 0) {
				n->next = dead;
				dead = n;
			}
		}
	pthread_mutex_unlock(&cache->lock);
	while (dead) {
		sp_conn *n = dead;

		dead = n->next;
		conn_free(n);
	}
}

static void host_call_record(void *ctx, const char *rtype, const char *rname,
			     const char *api, double elapsed, const char *error)
{
	sp_conn *c = ctx;

	sp_hiscall_record(c->core->hiscall, "driver", 0, c->name, c->provider,
			  c->regionzone, rtype, rname, api, elapsed, error);
}

static const sp_host host = {
	.abi_version = SP_DRIVER_ABI_VERSION,
	.call_record = host_call_record,
};

/* Parse [{"Key","Value"}...] into kv pairs borrowing from arr. */
static int kv_from_json(const json_t *arr, sp_kv **ret, size_t *ret_n,
			sp_error *err)
{
	size_t n = json_array_size(arr), i;
	sp_kv *kv = calloc(n ? n : 1, sizeof(*kv));
	json_t *item;

	if (!kv)
		return sp_error_oom(err);
	json_array_foreach(arr, i, item) {
		kv[i].key = json_string_value(sp_json_get(item, "Key"));
		kv[i].value = json_string_value(sp_json_get(item, "Value"));
		if (!kv[i].key)
			kv[i].key = "";
		if (!kv[i].value)
			kv[i].value = "";
	}
	*ret = kv;
	*ret_n = n;
	return 0;
}

static const char *kv_find(const sp_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

/* Open a session for name from its driver and credential rows and the
 * region's key-values. */
static int conn_build(sp_core *core, const char *name, const sp_cim_row *drv,
		      const sp_cim_row *cred, const json_t *region_kv,
		      sp_conn **ret, sp_error *err)
{
	_cleanup_json_ json_t *drv_doc = NULL, *cred_kv = NULL;
	_cleanup_secret_ char *plain = NULL;
	_cleanup_free_ sp_kv *ckv = NULL, *rkv = NULL;
	_cleanup_free_ char *aad = NULL, *state_dir = NULL;
	size_t nckv = 0, nrkv = 0, plain_len;
	const sp_plugin *plugin;
	const char *zone;
	sp_conn_info info;
	sp_conn *c;
	json_error_t jerr;

	drv_doc = json_loads(drv->doc, 0, &jerr);
	if (!drv_doc)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "driver '%s' is stored corrupt", drv->name);
	plugin = sp_plugins_resolve(core->plugins, drv->provider,
				    json_string_value(sp_json_get(drv_doc, "DriverLibFileName")),
				    err);
	if (!plugin)
		return -1;

	if (asprintf(&aad, "credential:%s", cred->name) < 0) {
		aad = NULL;
		return sp_error_oom(err);
	}
	plain = sp_unseal(&core->key, cred->secret, aad, &plain_len, err);
	if (!plain) {
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "credential '%s' (used by '%s') cannot be decrypted with this install's key; register the credential again or start spiderd with the key it was sealed under",
				    cred->name, name);
	}
	cred_kv = json_loadb(plain, plain_len, 0, &jerr);
	if (!json_is_array(cred_kv))
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "credential '%s' is corrupt", cred->name);
	if (kv_from_json(cred_kv, &ckv, &nckv, err) < 0 ||
	    kv_from_json(region_kv, &rkv, &nrkv, err) < 0)
		return -1;

	if (asprintf(&state_dir, "%s/%s", core->state_dir, plugin->driver->name) < 0) {
		state_dir = NULL;
		return sp_error_oom(err);
	}
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return sp_error_set(err, SP_ERR_INTERNAL, "cannot create '%s': %s",
				    state_dir, strerror(errno));

	c = calloc(1, sizeof(*c));
	if (!c)
		return sp_error_oom(err);
	c->core = core;
	c->plugin = plugin;
	c->refs = 1;
	c->name = strdup(name);
	c->provider = strdup(plugin->driver->provider);
	c->region = strdup(kv_find(rkv, nrkv, "Region") ?: "");
	zone = kv_find(rkv, nrkv, "Zone") ?: "";
	c->zone = strdup(zone);
	if (!c->name || !c->provider || !c->region || !c->zone ||
	    asprintf(&c->regionzone, "%s%s%s", c->region, *zone ? "/" : "",
		     zone) < 0) {
		c->regionzone = NULL;
		conn_free(c);
		return sp_error_oom(err);
	}
	info = (sp_conn_info){
		.connection_name = name,
		.provider = c->provider,
		.credential = ckv,
		.credential_count = nckv,
		.region = rkv,
		.region_count = nrkv,
		.state_dir = state_dir,
	};
	/* Opening a session is not itself a cloud call; a driver that calls
	 * its cloud here records those calls through host->call_record. */
	if (plugin->driver->open(&host, c, &info, &c->session, err) < 0) {
		c->session = NULL;
		conn_free(c);
		return -1;
	}
	*ret = c;
	return 0;
}

static int conn_open(sp_core *core, const char *name, sp_conn **ret,
		     sp_error *err)
{
	sp_cim_row *cc _cleanup_(sp_cim_row_freep) = NULL;
	sp_cim_row *drv _cleanup_(sp_cim_row_freep) = NULL;
	sp_cim_row *cred _cleanup_(sp_cim_row_freep) = NULL;
	sp_cim_row *reg _cleanup_(sp_cim_row_freep) = NULL;
	_cleanup_json_ json_t *reg_doc = NULL;
	json_error_t jerr;

	if (sp_store_cim_get(core->store, SP_CIM_CONNECTION, name, &cc, err) < 0)
		return -1;
	if (sp_store_cim_get(core->store, SP_CIM_DRIVER, cc->refs[SP_CIM_DRIVER], &drv, err) < 0 ||
	    sp_store_cim_get(core->store, SP_CIM_CREDENTIAL, cc->refs[SP_CIM_CREDENTIAL], &cred, err) < 0 ||
	    sp_store_cim_get(core->store, SP_CIM_REGION, cc->refs[SP_CIM_REGION], &reg, err) < 0) {
		/* A row a connection refers to went missing: the connection
		 * exists but cannot be used - not a 404 for the connection. */
		if (err && err->code == SP_ERR_NOT_FOUND)
			err->code = SP_ERR_INVALID;
		return -1;
	}
	reg_doc = json_loads(reg->doc, 0, &jerr);
	if (!reg_doc)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "region '%s' is stored corrupt", reg->name);
	return conn_build(core, name, drv, cred, sp_json_get(reg_doc, "KeyValueInfoList"),
			  ret, err);
}

int sp_conn_open_preconfig(sp_core *core, const char *driver,
			   const char *credential, sp_conn **ret, sp_error *err)
{
	sp_cim_row *drv _cleanup_(sp_cim_row_freep) = NULL;
	sp_cim_row *cred _cleanup_(sp_cim_row_freep) = NULL;
	_cleanup_json_ json_t *kv = NULL;
	_cleanup_free_ char *name = NULL;
	const sp_provider *p;

	if (sp_store_cim_get(core->store, SP_CIM_DRIVER, driver, &drv, err) < 0 ||
	    sp_store_cim_get(core->store, SP_CIM_CREDENTIAL, credential, &cred, err) < 0)
		return -1;
	if (strcmp(drv->provider, cred->provider) != 0)
		return sp_error_set(err, SP_ERR_INVALID,
				    "driver '%s' is for %s but credential '%s' is for %s",
				    driver, drv->provider, credential, cred->provider);
	p = sp_provider_find(drv->provider);
	if (!p || !p->default_region[0])
		return sp_error_set(err, SP_ERR_UNSUPPORTED,
				    "%s has no default region to query without a connection config",
				    drv->provider);
	kv = json_pack("[{s:s,s:s}]", "Key", "Region", "Value", p->default_region[0]);
	if (!kv || (p->default_region[1] &&
		    json_array_append_new(kv, json_pack("{s:s,s:s}", "Key", "Zone", "Value",
							p->default_region[1])) < 0) ||
	    asprintf(&name, "preconfig:%s", credential) < 0) {
		name = NULL;
		return sp_error_oom(err);
	}
	return conn_build(core, name, drv, cred, kv, ret, err);
}

int sp_conn_acquire(sp_core *core, const char *name, sp_conn **ret,
		    sp_error *err)
{
	sp_conn_cache *cache = core->conns;
	unsigned b = hash(name);
	sp_conn *c, *other;
	uint64_t generation;

	pthread_mutex_lock(&cache->lock);
	for (c = cache->bucket[b]; c; c = c->next)
		if (strcmp(c->name, name) == 0) {
			c->refs++;
			pthread_mutex_unlock(&cache->lock);
			*ret = c;
			return 0;
		}
	generation = cache->generation;
	pthread_mutex_unlock(&cache->lock);

	/* Open outside the lock: a slow cloud must not stall other names. */
	if (conn_open(core, name, &c, err) < 0)
		return -1;

	pthread_mutex_lock(&cache->lock);
	if (cache->generation != generation) {
		/* The setup changed while we opened: this session may be built
		 * from old rows.  Serve this one call with it, cache nothing. */
		pthread_mutex_unlock(&cache->lock);
		*ret = c;
		return 0;
	}
	for (other = cache->bucket[b]; other; other = other->next)
		if (strcmp(other->name, name) == 0)
			break;
	if (other) {
		/* Someone opened it meanwhile: use theirs, drop ours. */
		other->refs++;
		pthread_mutex_unlock(&cache->lock);
		conn_free(c);
		*ret = other;
		return 0;
	}
	c->refs = 2; /* the cache's and the caller's */
	c->next = cache->bucket[b];
	cache->bucket[b] = c;
	pthread_mutex_unlock(&cache->lock);
	*ret = c;
	return 0;
}

int sp_call_begin(sp_call *call, sp_conn *conn, bool supported,
		  const char *resource_type, const char *resource_name,
		  const char *api, const char *func, int line, sp_error *err)
{
	*call = (sp_call){
		.conn = conn,
		.resource_type = resource_type,
		.resource_name = resource_name ? resource_name : "",
		.api = api,
		.func = func,
		.line = line,
		.t0 = sp_now_mono(),
	};
	if (!supported) {
		char op[128];
		size_t n;

		snprintf(op, sizeof(op), "%s", api);
		n = strlen(op);
		if (n > 2 && strcmp(op + n - 2, "()") == 0)
			op[n - 2] = '\0';
		sp_error_set(err, SP_ERR_UNSUPPORTED,
			     "driver '%s' (%s) does not support %s",
			     conn->plugin->driver->name, conn->provider, op);
		/* Recorded too: the history shows what callers asked for. */
		return sp_call_end(call, -1, err);
	}
	return 0;
}

int sp_call_end(sp_call *call, int rc, const sp_error *err)
{
	sp_hiscall_record(call->conn->core->hiscall, call->func, call->line,
			  call->conn->name, call->conn->provider,
			  call->conn->regionzone, call->resource_type,
			  call->resource_name, call->api,
			  sp_now_mono() - call->t0,
			  rc < 0 && err ? err->message : "");
	return rc;
}
