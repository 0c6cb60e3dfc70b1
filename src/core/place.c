/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/place.c - where connections are, and placement recommendations.
 *
 * Both read every connection config and, per connection at once (one
 * fan-out item each, with the daemon's per-item deadline), what only the
 * cloud can tell: where its region is when neither the region's keys nor
 * the catalogue table know, and its specs.  Cloud-given locations are
 * remembered per connection and region: regions do not move.
 */
#include "core/place.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <strings.h>
#include <sys/random.h>

#include "core/cim.h"
#include "core/conn.h"
#include "core/fanout.h"
#include "core/geo.h"
#include "util/json.h"

#define FILTER_MAX 32
#define CONDITION_MAX 8
#define PRIORITY_MAX 8
#define POINTS_MAX 100
#define CONNECTIONS_MAX 1000
#define LIMIT_DEFAULT 5
#define LIMIT_MAX 1000
#define CANDIDATES_MAX 200000
#define WEIGHT_MAX 1e6
#define GEO_CACHE_MAX 4096

/* ---- where a connection is -------------------------------------------- */

typedef struct place_loc {
	bool known;
	double lat, lon;
	char addr[96];
	const char *source;   /* "region", "catalogue", "driver", "unknown" */
} place_loc;

/* Locations the clouds gave, by "connection\x1fregion".  A cloud that
 * gives none is remembered too (known = false); a failed ask is not. */
static pthread_mutex_t geo_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *geo_cache; /* key -> [lat, lon, addr] or null */

static bool geo_cached(const char *key, place_loc *loc)
{
	bool hit = false;
	json_t *v;

	pthread_mutex_lock(&geo_lock);
	if (geo_cache && (v = json_object_get(geo_cache, key))) {
		hit = true;
		if (json_is_array(v)) {
			loc->known = true;
			loc->lat = json_real_value(json_array_get(v, 0));
			loc->lon = json_real_value(json_array_get(v, 1));
			snprintf(loc->addr, sizeof(loc->addr), "%s", json_string_value(json_array_get(v, 2)) ?: "");
			loc->source = "driver";
		}
	}
	pthread_mutex_unlock(&geo_lock);
	return hit;
}

static void geo_remember(const char *key, const place_loc *loc)
{
	json_t *v = loc->known ? json_pack("[f,f,s]", loc->lat, loc->lon, loc->addr) : json_null();

	pthread_mutex_lock(&geo_lock);
	if (!geo_cache || json_object_size(geo_cache) >= GEO_CACHE_MAX) {
		json_decref(geo_cache);
		geo_cache = json_object();
	}
	if (geo_cache && v)
		json_object_set(geo_cache, key, v);
	pthread_mutex_unlock(&geo_lock);
	json_decref(v);
}

static const char *kv_get(const json_t *list, const char *key)
{
	size_t i;
	json_t *kv;

	json_array_foreach(list, i, kv)
		if (sp_streq(json_string_value(json_object_get(kv, "Key")), key))
			return json_string_value(json_object_get(kv, "Value"));
	return NULL;
}

/* From a KeyValueList/KeyValueInfoList: Latitude, Longitude, Location. */
static bool loc_from_kv(const json_t *list, const char *source, place_loc *loc)
{
	const char *addr = kv_get(list, "Location");

	if (!sp_geo_parse_degrees(kv_get(list, "Latitude"), 90, &loc->lat) ||
	    !sp_geo_parse_degrees(kv_get(list, "Longitude"), 180, &loc->lon))
		return false;
	loc->known = true;
	loc->source = source;
	snprintf(loc->addr, sizeof(loc->addr), "%s", addr ? addr : "");
	return true;
}

/* ---- the connections ---------------------------------------------------- */

typedef struct place_conn {
	char *name, *provider, *region_name, *region, *zone;
	place_loc loc;
	bool want_specs;
	/* what the cloud said (conns_ask) */
	json_t *specs;
	bool failed;
	sp_error err;
} place_conn;

static void place_conns_free(place_conn *pc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(pc[i].name);
		free(pc[i].provider);
		free(pc[i].region_name);
		free(pc[i].region);
		free(pc[i].zone);
		json_decref(pc[i].specs);
	}
	free(pc);
}

static bool name_wanted(const json_t *only, const char *name)
{
	size_t i;
	json_t *v;

	if (!only)
		return true;
	json_array_foreach(only, i, v)
		if (sp_streq(json_string_value(v), name))
			return true;
	return false;
}

/* Every connection config (or those in only), with what the region's
 * keys and the catalogue say of its location. */
static int conns_load(sp_core *core, const json_t *only, place_conn **ret,
		      size_t *ret_n, sp_error *err)
{
	_cleanup_json_ json_t *conns = NULL, *regions = NULL;
	place_conn *pc;
	size_t i, n = 0;
	json_t *c;

	if (sp_cim_list(core, SP_CIM_CONNECTION, NULL, &conns, err) < 0 ||
	    sp_cim_list(core, SP_CIM_REGION, NULL, &regions, err) < 0)
		return -1;
	if (!(pc = calloc(json_array_size(conns) + 1, sizeof(*pc))))
		return sp_error_oom(err);
	json_array_foreach(conns, i, c) {
		const char *name = json_string_value(json_object_get(c, "ConfigName"));
		const char *rname = json_string_value(json_object_get(c, "RegionName"));
		const json_t *kv = NULL;
		place_conn *p = &pc[n];
		size_t j;
		json_t *r;

		if (!name || !rname || !name_wanted(only, name))
			continue;
		json_array_foreach(regions, j, r)
			if (sp_streq(json_string_value(json_object_get(r, "RegionName")), rname))
				kv = json_object_get(r, "KeyValueInfoList");
		p->name = strdup(name);
		p->provider = strdup(json_string_value(json_object_get(c, "ProviderName")) ?: "");
		p->region_name = strdup(rname);
		p->region = strdup(kv_get(kv, "Region") ?: "");
		p->zone = strdup(kv_get(kv, "Zone") ?: "");
		n++;
		if (!p->name || !p->provider || !p->region_name || !p->region || !p->zone) {
			place_conns_free(pc, n);
			return sp_error_oom(err);
		}
		if (!loc_from_kv(kv, "region", &p->loc)) {
			sp_geo g;

			if (sp_geo_catalogue(p->provider, p->region, &g)) {
				p->loc = (place_loc){ true, g.lat, g.lon, "", "catalogue" };
				snprintf(p->loc.addr, sizeof(p->loc.addr), "%s", g.addr);
			} else {
				p->loc.source = "unknown";
			}
		}
	}
	*ret = pc;
	*ret_n = n;
	return 0;
}

/* One connection's item: ask the cloud what is still unknown.  It owns
 * copies of what it needs (an item given up on runs on after the caller
 * has gone) and answers {"loc":[lat, lon, addr, source]?, "specs":[...]?}. */
struct conn_item {
	sp_core *core;
	char *name, *region, key[512];
	bool need_loc, want_specs;
};

static void conn_item_free(void *item)
{
	struct conn_item *it = item;

	free(it->name);
	free(it->region);
	free(it);
}

static int conn_item_run(void *item, json_t **ret, sp_error *err)
{
	struct conn_item *it = item;
	place_loc loc = { .source = "unknown" };
	bool have_loc = it->need_loc && geo_cached(it->key, &loc);
	sp_conn *c = NULL;
	json_t *specs = NULL;
	int rc = 0;

	if ((have_loc || !it->need_loc) && !it->want_specs)
		goto answer;
	if (sp_conn_acquire(it->core, it->name, &c, err) < 0)
		return -1;
	if (it->need_loc && !have_loc) {
		json_t *info = NULL;
		sp_error lerr = { 0 };

		/* A cloud that cannot say where its region is still has specs. */
		if (SP_DRIVER_CALL(c, regionzone, get, "REGIONZONE", it->region, "GetRegionZone()", &lerr, it->region, &info) == 0) {
			loc_from_kv(json_object_get(info, "KeyValueList"), "driver", &loc);
			geo_remember(it->key, &loc);
			json_decref(info);
		}
	}
	if (it->want_specs) {
		rc = SP_DRIVER_CALL(c, spec, list, "VMSPEC", "", "ListVMSpec()", err, &specs);
		if (rc == 0 && !json_is_array(specs)) {
			json_decref(specs);
			specs = NULL;
			rc = sp_error_set(err, SP_ERR_INTERNAL, "driver returned a non-array list");
		}
	}
	sp_conn_release(c);
	if (rc < 0)
		return -1;
answer:
	*ret = json_object();
	if (!*ret ||
	    (specs && json_object_set_new(*ret, "specs", specs) < 0) ||
	    (loc.known && json_object_set_new(*ret, "loc", json_pack("[f,f,s,s]", loc.lat, loc.lon, loc.addr, loc.source)) < 0)) {
		json_decref(*ret);
		return sp_error_oom(err);
	}
	return 0;
}

/* Ask every connection at once; each one's answer or error lands in it. */
static int conns_ask(sp_core *core, place_conn *pc, size_t n, sp_error *err)
{
	_cleanup_free_ void **items = calloc(n ? n : 1, sizeof(*items));
	sp_fanout_result *res = NULL;

	if (!items)
		return sp_error_oom(err);
	for (size_t i = 0; i < n; i++) {
		struct conn_item *it = calloc(1, sizeof(*it));

		if (it) {
			*it = (struct conn_item){ .core = core, .name = strdup(pc[i].name), .region = strdup(pc[i].region),
						  .need_loc = !pc[i].loc.known, .want_specs = pc[i].want_specs };
			snprintf(it->key, sizeof(it->key), "%s\x1f%s\x1f%s", pc[i].name, pc[i].provider, pc[i].region);
		}
		if (!it || !it->name || !it->region) {
			if (it)
				conn_item_free(it);
			for (size_t j = 0; j < i; j++)
				conn_item_free(items[j]);
			return sp_error_oom(err);
		}
		items[i] = it;
	}
	if (sp_fanout_run(items, n, conn_item_run, conn_item_free, core->item_timeout_s, &res, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *loc = json_object_get(res[i].value, "loc");

		if (res[i].rc < 0) {
			pc[i].failed = true;
			pc[i].err = res[i].err;
			continue;
		}
		pc[i].specs = json_incref(json_object_get(res[i].value, "specs"));
		if (loc) {
			pc[i].loc.known = true;
			pc[i].loc.lat = json_real_value(json_array_get(loc, 0));
			pc[i].loc.lon = json_real_value(json_array_get(loc, 1));
			snprintf(pc[i].loc.addr, sizeof(pc[i].loc.addr), "%s", json_string_value(json_array_get(loc, 2)) ?: "");
			pc[i].loc.source = "driver";
		}
	}
	sp_fanout_results_free(res, n);
	return 0;
}

/* {Latitude, Longitude, BriefAddr}, or the lower-case keys of the MCIS
 * layer's shapes; NULL when unknown. */
static json_t *loc_json(const place_loc *loc, bool lower)
{
	if (!loc->known)
		return NULL;
	return json_pack("{s:f,s:f,s:s}", lower ? "latitude" : "Latitude", loc->lat,
			 lower ? "longitude" : "Longitude", loc->lon,
			 lower ? "briefAddr" : "BriefAddr", loc->addr);
}

int sp_place_locations(sp_core *core, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *out = json_array();
	place_conn *pc = NULL;
	size_t n = 0;
	int rc = -1;

	if (!out)
		return sp_error_oom(err);
	if (conns_load(core, NULL, &pc, &n, err) < 0)
		return -1;
	if (conns_ask(core, pc, n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const place_conn *p = &pc[i];
		_cleanup_json_ json_t *loc = loc_json(&p->loc, false);
		json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "ConnectionName", p->name,
				      "ProviderName", p->provider, "RegionName", p->region_name,
				      "Region", p->region, "Zone", p->zone,
				      "Source", p->loc.known ? p->loc.source : "unknown");

		if (!e || (loc && json_object_update(e, loc) < 0) ||
		    json_array_append_new(out, e) < 0) {
			sp_error_oom(err);
			goto out;
		}
	}
	*ret = json_pack("{s:O}", "location", out);
	rc = *ret ? 0 : sp_error_oom(err);
out:
	place_conns_free(pc, n);
	return rc;
}

int sp_place_connection(sp_core *core, const char *conn, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *only = json_pack("[s]", conn);
	place_conn *pc = NULL;
	size_t n = 0;
	int rc = -1;

	*ret = NULL;
	if (!only)
		return sp_error_oom(err);
	if (conns_load(core, only, &pc, &n, err) < 0)
		return -1;
	if (n == 0) {
		sp_error_set(err, SP_ERR_NOT_FOUND, "%s: does not exist!", conn);
		goto out;
	}
	if (conns_ask(core, pc, 1, err) < 0)
		goto out;
	*ret = loc_json(&pc[0].loc, true);
	if (!*ret)
		*ret = json_object();
	if (*ret) {
		char type[32];
		size_t i;

		for (i = 0; pc[0].provider[i] && i < sizeof(type) - 1; i++)
			type[i] = (char)tolower((unsigned char)pc[0].provider[i]);
		type[i] = '\0';
		json_object_set_new(*ret, "cloudType", json_string(type));
		json_object_set_new(*ret, "nativeRegion", json_string(pc[0].region));
	}
	rc = *ret ? 0 : sp_error_oom(err);
out:
	place_conns_free(pc, n);
	return rc;
}

/* ---- recommendation ------------------------------------------------------ */

enum metric {
	M_VCPU, M_MEMORY, M_GPU, M_COST,                          /* numbers */
	M_PROVIDER, M_CONNECTION, M_REGION, M_SPEC,               /* strings */
};

static const char *const metric_names[] = {
	[M_VCPU] = "vCPU", [M_MEMORY] = "MemoryGiB", [M_GPU] = "GPU", [M_COST] = "CostPerHour",
	[M_PROVIDER] = "ProviderName", [M_CONNECTION] = "ConnectionName",
	[M_REGION] = "RegionName", [M_SPEC] = "SpecName",
};

enum op { OP_EQ, OP_GE, OP_LE };

struct condition {
	enum metric metric;
	enum op op;
	double num;
	const char *str;   /* borrowed from the body */
};

enum prio { P_COST, P_PERFORMANCE, P_LOCATION, P_RANDOM, P__COUNT };

static const char *const prio_names[P__COUNT] = {
	[P_COST] = "cost", [P_PERFORMANCE] = "performance",
	[P_LOCATION] = "location", [P_RANDOM] = "random",
};

enum loc_rule { LOC_CLOSE, LOC_WITHIN, LOC_FAIR };

struct priority {
	enum prio prio;
	double weight;
	enum loc_rule rule;
	size_t npoints;
	double lat[POINTS_MAX], lon[POINTS_MAX];
};

struct plan {
	struct condition cond[FILTER_MAX * CONDITION_MAX];
	size_t ncond;
	struct priority prio[PRIORITY_MAX];
	size_t nprio;
	size_t limit;
	const json_t *only;
};

struct cand {
	const place_conn *conn;
	const char *spec;
	double vcpu, mem_gib, gpu, cost, perf; /* NAN: unknown */
	double dist;                            /* km, NAN: unknown */
	double score[PRIORITY_MAX], total;
};

/* A number given as a JSON number or a decimal string. */
static bool number_of(const json_t *v, double *ret)
{
	char *end = NULL;
	const char *s;

	if (json_is_number(v)) {
		*ret = json_number_value(v);
		return isfinite(*ret);
	}
	if (!(s = json_string_value(v)) || !*s || strpbrk(s, "xXnNiI"))
		return false;
	*ret = strtod(s, &end);
	return end && !*end && isfinite(*ret);
}

static int parse_filter(const json_t *body, struct plan *pl, sp_error *err)
{
	const json_t *filter = sp_json_get(body, "filter"), *policies;
	size_t i, j;
	json_t *pol, *c;

	if (filter && !json_is_object(filter))
		return sp_error_set(err, SP_ERR_INVALID, "filter must be an object {\"policy\":[...]}");
	if (sp_json_array(filter, "policy", &policies, err) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "filter.policy must be an array");
	if (json_array_size(policies) > FILTER_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "filter.policy has %zu items; the limit is %d", json_array_size(policies), FILTER_MAX);
	json_array_foreach(policies, i, pol) {
		const char *name = json_string_value(sp_json_get(pol, "metric"));
		const json_t *conds = sp_json_get(pol, "condition");
		enum metric m;

		for (m = 0; m < ELEMENTSOF(metric_names); m++)
			if (name && !strcasecmp(name, metric_names[m]))
				break;
		if (m == ELEMENTSOF(metric_names))
			return sp_error_set(err, SP_ERR_INVALID, "filter.policy[%zu].metric '%.64s' is unknown: want vCPU, MemoryGiB, GPU, CostPerHour, ProviderName, ConnectionName, RegionName or SpecName", i, name ? name : "");
		if (!json_is_array(conds) || !json_array_size(conds) || json_array_size(conds) > CONDITION_MAX)
			return sp_error_set(err, SP_ERR_INVALID, "filter.policy[%zu].condition must be an array of 1 to %d conditions", i, CONDITION_MAX);
		json_array_foreach(conds, j, c) {
			struct condition *k = &pl->cond[pl->ncond++];
			const char *op = json_string_value(sp_json_get(c, "operator"));
			const json_t *operand = sp_json_get(c, "operand");

			k->metric = m;
			if (!op || !*op || !strcmp(op, "=="))
				k->op = OP_EQ;
			else if (!strcmp(op, ">="))
				k->op = OP_GE;
			else if (!strcmp(op, "<="))
				k->op = OP_LE;
			else
				return sp_error_set(err, SP_ERR_INVALID, "filter.policy[%zu].condition[%zu].operator '%.16s' is unknown: want >=, <= or ==", i, j, op);
			if (m >= M_PROVIDER) {
				if (k->op != OP_EQ || !(k->str = json_string_value(operand)))
					return sp_error_set(err, SP_ERR_INVALID, "filter.policy[%zu].condition[%zu]: %s takes a string operand and no operator but ==", i, j, metric_names[m]);
			} else if (!number_of(operand, &k->num)) {
				return sp_error_set(err, SP_ERR_INVALID, "filter.policy[%zu].condition[%zu].operand must be a number for %s", i, j, metric_names[m]);
			}
		}
	}
	return 0;
}

static int parse_location(const json_t *pol, size_t i, struct priority *p, sp_error *err)
{
	const json_t *params = sp_json_get(pol, "parameter");
	const json_t *par = json_array_get(params, 0);
	const char *key = json_string_value(sp_json_get(par, "key"));
	const json_t *vals = sp_json_get(par, "val");
	size_t k;
	json_t *v;

	if (!json_is_array(params) || json_array_size(params) != 1)
		return sp_error_set(err, SP_ERR_INVALID, "priority.policy[%zu].parameter must hold one {\"key\":\"coordinateClose|coordinateWithin|coordinateFair\",\"val\":[\"lat/lon\"]}", i);

	if (key && !strcasecmp(key, "coordinateClose"))
		p->rule = LOC_CLOSE;
	else if (key && !strcasecmp(key, "coordinateWithin"))
		p->rule = LOC_WITHIN;
	else if (key && !strcasecmp(key, "coordinateFair"))
		p->rule = LOC_FAIR;
	else
		return sp_error_set(err, SP_ERR_INVALID, "priority.policy[%zu].parameter[0].key '%.64s' is unknown: want coordinateClose, coordinateWithin or coordinateFair", i, key ? key : "");
	if (!json_is_array(vals) || !json_array_size(vals) || json_array_size(vals) > POINTS_MAX ||
	    (p->rule == LOC_CLOSE && json_array_size(vals) != 1))
		return sp_error_set(err, SP_ERR_INVALID, "priority.policy[%zu].parameter[0].val must hold %s \"lat/lon\" point%s", i,
				    p->rule == LOC_CLOSE ? "exactly one" : "1 to 100", p->rule == LOC_CLOSE ? "" : "s");
	json_array_foreach(vals, k, v) {
		if (!sp_geo_parse_point(json_string_value(v), &p->lat[k], &p->lon[k]))
			return sp_error_set(err, SP_ERR_INVALID, "priority.policy[%zu].parameter[0].val[%zu] '%.64s' is invalid: want \"lat/lon\" in degrees, e.g. \"37.5/127.0\"", i, k, json_string_value(v) ?: "");
	}
	p->npoints = json_array_size(vals);
	return 0;
}

static int parse_priority(const json_t *body, struct plan *pl, sp_error *err)
{
	const json_t *priority = sp_json_get(body, "priority"), *policies;
	size_t i;
	json_t *pol;

	if (priority && !json_is_object(priority))
		return sp_error_set(err, SP_ERR_INVALID, "priority must be an object {\"policy\":[...]}");
	if (sp_json_array(priority, "policy", &policies, err) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "priority.policy must be an array");
	if (json_array_size(policies) > PRIORITY_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "priority.policy has %zu items; the limit is %d", json_array_size(policies), PRIORITY_MAX);
	json_array_foreach(policies, i, pol) {
		struct priority *p = &pl->prio[pl->nprio++];
		const char *name = json_string_value(sp_json_get(pol, "metric"));
		const json_t *w = sp_json_get(pol, "weight");
		enum prio k;

		for (k = 0; k < P__COUNT; k++)
			if (name && !strcasecmp(name, prio_names[k]))
				break;
		if (name && !strcasecmp(name, "latency"))
			return sp_error_set(err, SP_ERR_INVALID, "priority.policy[%zu].metric 'latency' needs measured round trips between regions, which Spider does not keep: use location", i);
		if (k == P__COUNT)
			return sp_error_set(err, SP_ERR_INVALID, "priority.policy[%zu].metric '%.64s' is unknown: want cost, performance, location or random", i, name ? name : "");
		p->prio = k;
		p->weight = 1.0;
		if (w && (!number_of(w, &p->weight) || p->weight < 0 || p->weight > WEIGHT_MAX))
			return sp_error_set(err, SP_ERR_INVALID, "priority.policy[%zu].weight must be a number from 0 to 1000000", i);
		if (k == P_LOCATION && parse_location(pol, i, p, err) < 0)
			return -1;
	}
	if (pl->nprio == 0)
		pl->prio[pl->nprio++] = (struct priority){ .prio = P_COST, .weight = 1.0 };
	return 0;
}

static int parse_plan(const json_t *body, struct plan *pl, sp_error *err)
{
	const json_t *limit = sp_json_get(body, "limit");
	const json_t *only = sp_json_get(body, "connections");
	double lim = LIMIT_DEFAULT;
	double wsum = 0;
	size_t i;
	json_t *v;

	if (parse_filter(body, pl, err) < 0 || parse_priority(body, pl, err) < 0)
		return -1;
	for (i = 0; i < pl->nprio; i++)
		wsum += pl->prio[i].weight;
	if (wsum <= 0)
		return sp_error_set(err, SP_ERR_INVALID, "priority.policy: the weights add up to 0; give at least one a weight above 0");
	if (limit && (!number_of(limit, &lim) || lim != floor(lim) || lim < 1 || lim > LIMIT_MAX))
		return sp_error_set(err, SP_ERR_INVALID, "limit must be a whole number from 1 to %d", LIMIT_MAX);
	pl->limit = (size_t)lim;
	if (only && (!json_is_array(only) || json_array_size(only) > CONNECTIONS_MAX))
		return sp_error_set(err, SP_ERR_INVALID, "connections must be an array of at most %d connection names", CONNECTIONS_MAX);
	json_array_foreach(only, i, v)
		if (!json_is_string(v))
			return sp_error_set(err, SP_ERR_INVALID, "connections[%zu] must be a string", i);
	pl->only = only;
	return 0;
}

/* A VMSpecInfo's numbers (strings in the API; "-1" or absent: unknown). */
static double spec_number(const json_t *v)
{
	double d;

	return number_of(v, &d) && d >= 0 ? d : NAN;
}

static void cand_fill(struct cand *c, const place_conn *p, const json_t *spec)
{
	const json_t *vcpu = json_object_get(spec, "VCpu");
	double clock = spec_number(json_object_get(vcpu, "ClockGHz"));
	const char *price = kv_get(json_object_get(spec, "KeyValueList"), "Price");
	size_t i;
	json_t *g;

	c->conn = p;
	c->spec = json_string_value(json_object_get(spec, "Name"));
	c->vcpu = spec_number(json_object_get(vcpu, "Count"));
	c->mem_gib = spec_number(json_object_get(spec, "MemSizeMiB")) / 1024.0;
	c->gpu = 0;
	json_array_foreach(json_object_get(spec, "Gpu"), i, g) {
		double n = spec_number(json_object_get(g, "Count"));

		if (!isnan(n))
			c->gpu += n;
	}
	c->cost = NAN;
	if (price) {
		char *end = NULL;
		double d = strtod(price, &end);

		c->cost = end && end != price && !*end && isfinite(d) && d >= 0 ? d : NAN;
	}
	c->perf = isnan(c->vcpu) ? NAN : c->vcpu * (isnan(clock) || clock <= 0 ? 1.0 : clock);
	c->dist = NAN;
}

static bool cond_holds(const struct condition *k, const struct cand *c)
{
	const char *s = NULL;
	double v = NAN;

	switch (k->metric) {
	case M_VCPU: v = c->vcpu; break;
	case M_MEMORY: v = c->mem_gib; break;
	case M_GPU: v = c->gpu; break;
	case M_COST: v = c->cost; break;
	case M_PROVIDER: s = c->conn->provider; break;
	case M_CONNECTION: s = c->conn->name; break;
	case M_REGION: s = c->conn->region; break;
	case M_SPEC: s = c->spec; break;
	}
	if (k->metric >= M_PROVIDER)
		return s && !strcasecmp(s, k->str);
	if (isnan(v))
		return false;
	switch (k->op) {
	case OP_GE: return v >= k->num;
	case OP_LE: return v <= k->num;
	case OP_EQ: return fabs(v - k->num) < 1e-9;
	}
	return false;
}

static double loc_distance(const struct priority *p, const place_loc *loc)
{
	double agg = 0;

	if (!loc->known)
		return NAN;
	for (size_t i = 0; i < p->npoints; i++) {
		double d = sp_geo_distance_km(loc->lat, loc->lon, p->lat[i], p->lon[i]);

		if (p->rule == LOC_FAIR)
			agg = d > agg ? d : agg;
		else
			agg += d;
	}
	return p->rule == LOC_FAIR ? agg : agg / (double)p->npoints;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* nᵢ in [0, 1] for every candidate and priority: 1 is best; a candidate
 * the priority cannot judge (no price, no location) gets 0. */
static void cands_score(struct cand *cs, size_t n, const struct plan *pl)
{
	uint64_t seed = 0;
	double wsum = 0;

	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL);
	for (size_t k = 0; k < pl->nprio; k++) {
		const struct priority *p = &pl->prio[k];
		double lo = INFINITY, hi = -INFINITY;

		for (size_t i = 0; i < n; i++) {
			double v = NAN;

			if (p->prio == P_COST)
				v = cs[i].cost;
			else if (p->prio == P_PERFORMANCE)
				v = cs[i].perf;
			else if (p->prio == P_LOCATION)
				v = cs[i].dist = loc_distance(p, &cs[i].conn->loc);
			if (!isnan(v)) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
			cs[i].score[k] = v;
		}
		for (size_t i = 0; i < n; i++) {
			double v = cs[i].score[k];

			if (p->prio == P_RANDOM)
				cs[i].score[k] = (double)(rng_next(&seed) >> 11) * 0x1.0p-53;
			else if (isnan(v))
				cs[i].score[k] = 0;
			else if (hi == lo)
				cs[i].score[k] = 1;
			else if (p->prio == P_PERFORMANCE)
				cs[i].score[k] = (v - lo) / (hi - lo);
			else if (p->prio == P_LOCATION)
				cs[i].score[k] = 1 - v / hi;
			else
				cs[i].score[k] = (hi - v) / (hi - lo);
		}
		wsum += p->weight;
	}
	for (size_t i = 0; i < n; i++) {
		double t = 0;

		for (size_t k = 0; k < pl->nprio; k++)
			t += pl->prio[k].weight * cs[i].score[k];
		cs[i].total = t / wsum;
	}
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	double cx = isnan(x->cost) ? INFINITY : x->cost, cy = isnan(y->cost) ? INFINITY : y->cost;
	int c;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	if (cx != cy)
		return cx < cy ? -1 : 1;
	if ((c = strcmp(x->conn->name, y->conn->name)))
		return c;
	return strcmp(x->spec, y->spec);
}

/* Whole numbers (vCPUs, GPUs) as integers, others to 4 decimals. */
static json_t *num_or_null(double v)
{
	if (isnan(v))
		return json_null();
	if (v == floor(v) && fabs(v) < 1e15)
		return json_integer((json_int_t)v);
	return json_real(round(v * 10000) / 10000);
}

static json_t *cand_json(const struct cand *c, size_t rank, const struct plan *pl)
{
	_cleanup_json_ json_t *scores = json_object();
	json_t *o, *loc = loc_json(&c->conn->loc, true);

	for (size_t k = 0; scores && k < pl->nprio; k++)
		json_object_set_new(scores, prio_names[pl->prio[k].prio], json_real(round(c->score[k] * 10000) / 10000));
	o = json_pack("{s:I,s:f,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:O}",
		      "orderInFilteredResult", (json_int_t)rank,
		      "evaluationScore09", round(c->total * 10000) / 10000,
		      "connectionName", c->conn->name, "providerName", c->conn->provider,
		      "regionName", c->conn->region_name, "region", c->conn->region,
		      "zone", c->conn->zone, "specName", c->spec,
		      "vCPU", num_or_null(c->vcpu), "memoryGiB", num_or_null(c->mem_gib),
		      "gpu", num_or_null(c->gpu), "costPerHour", num_or_null(c->cost),
		      "performance", num_or_null(c->perf), "scores", scores);
	if (o && loc)
		json_object_set_new(o, "location", loc);
	else
		json_decref(loc);
	if (o && !isnan(c->dist))
		json_object_set_new(o, "distanceKm", json_real(round(c->dist * 10) / 10));
	return o;
}

int sp_place_recommend(sp_core *core, const json_t *body, json_t **ret,
		       sp_error *err)
{
	_cleanup_free_ struct plan *pl = calloc(1, sizeof(*pl));
	_cleanup_free_ struct cand *cs = NULL;
	_cleanup_json_ json_t *out = json_array(), *errors = json_array();
	place_conn *pc = NULL;
	size_t n = 0, nc = 0, total = 0;
	int rc = -1;

	if (!pl || !out || !errors)
		return sp_error_oom(err);
	if (body && !json_is_object(body))
		return sp_error_set(err, SP_ERR_INVALID, "request body must be a JSON object");
	if (parse_plan(body, pl, err) < 0 || conns_load(core, pl->only, &pc, &n, err) < 0)
		return -1;
	if (pl->only && n < json_array_size(pl->only)) {
		size_t i;
		json_t *v;

		json_array_foreach(pl->only, i, v) {
			size_t j;

			for (j = 0; j < n && strcmp(pc[j].name, json_string_value(v)); j++)
				;
			if (j == n) {
				sp_error_set(err, SP_ERR_NOT_FOUND, "connections[%zu] '%.128s': no such connection config", i, json_string_value(v));
				goto out;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		pc[i].want_specs = true;
	if (conns_ask(core, pc, n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		total += json_array_size(pc[i].specs);
	if (total > CANDIDATES_MAX) {
		sp_error_set(err, SP_ERR_TOO_LARGE, "%zu specs over %zu connections are more than the %d a recommendation weighs: name fewer connections", total, n, CANDIDATES_MAX);
		goto out;
	}
	if (!(cs = calloc(total ? total : 1, sizeof(*cs)))) {
		sp_error_oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j;
		json_t *spec;

		if (pc[i].failed &&
		    json_array_append_new(errors, json_pack("{s:s,s:s}", "connectionName", pc[i].name, "message", pc[i].err.message)) < 0) {
			sp_error_oom(err);
			goto out;
		}
		json_array_foreach(pc[i].specs, j, spec) {
			bool ok = true;

			if (!json_string_value(json_object_get(spec, "Name")))
				continue;
			cand_fill(&cs[nc], &pc[i], spec);
			for (size_t k = 0; ok && k < pl->ncond; k++)
				ok = cond_holds(&pl->cond[k], &cs[nc]);
			nc += ok;
		}
	}
	cands_score(cs, nc, pl);
	qsort(cs, nc, sizeof(*cs), cand_cmp);
	for (size_t i = 0; i < nc && i < pl->limit; i++)
		if (json_array_append_new(out, cand_json(&cs[i], i + 1, pl)) < 0) {
			sp_error_oom(err);
			goto out;
		}
	*ret = json_pack("{s:O,s:I,s:O}", "recommendation", out, "candidates", (json_int_t)nc, "errors", errors);
	rc = *ret ? 0 : sp_error_oom(err);
out:
	place_conns_free(pc, n);
	return rc;
}
