/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/http.c - every HTTP exchange with OpenStack: a pool
 * of curl handles (their connections stay open between calls), the token
 * and microversion headers, retries within a deadline, size caps, error
 * bodies, pagination, and one call-history record per exchange.
 */
#include "openstack.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/macros.h"
#include "util/banned.h"

#ifndef OS_DRIVER_VERSION
#define OS_DRIVER_VERSION "0.0.0"
#endif

struct os_pool {
	pthread_mutex_t lock;
	CURL *idle[OS_POOL_MAX];
	size_t n;
};

struct os_pool *os_pool_new(void)
{
	struct os_pool *p = calloc(1, sizeof(*p));

	if (p && pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

void os_pool_free(struct os_pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		curl_easy_cleanup(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static CURL *pool_take(struct os_pool *p)
{
	CURL *h = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->n)
		h = p->idle[--p->n];
	pthread_mutex_unlock(&p->lock);
	return h ? h : curl_easy_init();
}

static void pool_give(struct os_pool *p, CURL *h)
{
	if (!h)
		return;
	curl_easy_reset(h);   /* keeps the handle's open connections */
	pthread_mutex_lock(&p->lock);
	if (p->n < OS_POOL_MAX) {
		p->idle[p->n++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (h)
		curl_easy_cleanup(h);
}

static inline void slist_freep(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}

/* One answer. */
struct os_resp {
	long status;
	sp_buf body;
	char *subject_token; /* X-Subject-Token, when asked for */
	bool want_token;
	bool token_too_big;
};

static void resp_clear(struct os_resp *r)
{
	free(r->body.data);
	os_free_secret(r->subject_token);
	*r = (struct os_resp){ 0 };
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	sp_buf *b = ud;

	if (sp_buf_append(b, p, size * n) < 0 || b->truncated)
		return 0;   /* aborts the transfer: CURLE_WRITE_ERROR */
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	static const char name[] = "X-Subject-Token:";
	struct os_resp *r = ud;
	size_t len = size * n, v;

	if (!r->want_token || len < sizeof(name) - 1 || strncasecmp(p, name, sizeof(name) - 1))
		return len;
	v = sizeof(name) - 1;
	while (v < len && (p[v] == ' ' || p[v] == '\t'))
		v++;
	while (len > v && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	if (len - v > OS_TOKEN_MAX) {
		r->token_too_big = true;
		return size * n;
	}
	os_free_secret(r->subject_token);
	r->subject_token = strndup(p + v, len - v);
	return size * n;
}

/* One exchange; fills r.  Returns the curl code. */
static CURLcode http_once(sp_session *s, const char *method, const char *url,
			  const char *token, unsigned mv, const char *payload,
			  struct os_resp *r)
{
	_cleanup_(slist_freep) struct curl_slist *hdr = NULL;
	char auth[OS_TOKEN_MAX + 32], ver[64];
	CURL *h = pool_take(s->pool);
	CURLcode rc;

	if (!h)
		return CURLE_OUT_OF_MEMORY;
	r->body.max = OS_BODY_MAX;
	hdr = curl_slist_append(hdr, "Accept: application/json");
	if (payload)
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (token) {
		snprintf(auth, sizeof(auth), "X-Auth-Token: %s", token);
		hdr = curl_slist_append(hdr, auth);
	}
	if (mv) {
		snprintf(ver, sizeof(ver), "OpenStack-API-Version: compute 2.%u", mv);
		hdr = curl_slist_append(hdr, ver);
	}
	/* No "Expect: 100-continue" round trip for bodies. */
	hdr = curl_slist_append(hdr, "Expect:");
	if (!hdr) {
		pool_give(s->pool, h);
		return CURLE_OUT_OF_MEMORY;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)OS_CONNECT_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)OS_ATTEMPT_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "spider-openstack/" OS_DRIVER_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	if (payload) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	} else if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	}
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	/* A handle whose transfer broke may hold a half-read connection. */
	if (rc != CURLE_OK) {
		curl_easy_cleanup(h);
		h = NULL;
	}
	pool_give(s->pool, h);
	return rc;
}

const char *os_service_name(enum os_service svc)
{
	static const char *const names[] = {
		[OS_IDENTITY] = "keystone", [OS_COMPUTE] = "nova",
		[OS_NETWORK] = "neutron", [OS_IMAGE] = "glance",
	};

	return (unsigned)svc < OS_SERVICE__COUNT ? names[svc] : "openstack";
}

/* "GET nova /servers/detail" (no query) for the call history. */
static void api_name(enum os_service svc, const char *method, const char *url,
		     char *buf, size_t size)
{
	const char *path = url, *q;
	int n;

	if (strstr(url, "://")) {
		path = strchr(strstr(url, "://") + 3, '/');
		path = path ? path : "/";
	}
	q = strchr(path, '?');
	n = q ? (int)(q - path) : (int)strlen(path);
	snprintf(buf, size, "%s %s %.*s", method, os_service_name(svc), n > 200 ? 200 : n, path);
}

static bool transport_retriable(CURLcode rc, bool idempotent)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return true;   /* nothing was sent */
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return idempotent;
	default:
		return false;
	}
}

/* A 409 that goes away by itself: nova busy with a task, neutron objects
 * still held by ports that are being deleted. */
static bool conflict_busy(const char *type, const char *msg)
{
	size_t n = strlen(type);

	return strstr(msg, "task_state") || (n >= 5 && !strcmp(type + n - 5, "InUse"));
}

static bool status_retriable(long status, bool idempotent)
{
	return status == 429 || status == 503 || (idempotent && status >= 500 && status != 501);
}

static bool path_absolute(const char *p)
{
	return !strncmp(p, "http://", 7) || !strncmp(p, "https://", 8);
}

/* anon: no token (auth.c's calls; relative paths are Keystone's);
 * ret_subject asks for X-Subject-Token. */
static int call(sp_session *s, const struct os_what *w, enum os_service svc,
		bool anon, const char *method, const char *path, json_t *body,
		json_t **ret_body, char **ret_subject, sp_error *err)
{
	_cleanup_free_ char *payload = NULL;
	bool idempotent = strcmp(method, "POST") != 0, renewed = false;
	double t_first = os_now(), wait = 0.2;

	if (body && !(payload = json_dumps(body, JSON_COMPACT)))
		return os_oom(err);
	for (;;) {
		_cleanup_(os_free_secretp) char *token = NULL;
		_cleanup_free_ char *base = NULL;
		_cleanup_free_ char *url = NULL;
		_cleanup_(resp_clear) struct os_resp r = { .want_token = ret_subject != NULL };
		char api[256], type[128] = "", msg[768] = "";
		unsigned mv = 0;
		double t0;
		CURLcode rc;
		bool retry = false;
		sp_error e = { 0 };

		if (anon) {
			if (!(base = strdup(s->identity)))
				return os_oom(err);
		} else if (os_auth_get(s, w, svc, &token, &base, &mv, err) < 0) {
			return -1;
		}
		if (path_absolute(path) ? !(url = strdup(path)) : asprintf(&url, "%s%s", base, path) < 0) {
			url = NULL;
			return os_oom(err);
		}
		if (strlen(url) > OS_URL_MAX)
			return sp_error_set(err, SP_ERR_INVALID, "%s: URL '%.64s...' is longer than %d characters", os_service_name(svc), url, OS_URL_MAX);
		api_name(svc, method, url, api, sizeof(api));
		t0 = os_now();
		rc = http_once(s, method, url, token, svc == OS_COMPUTE ? mv : 0, payload, &r);
		if (rc == CURLE_WRITE_ERROR && r.body.truncated) {
			sp_error_set(&e, SP_ERR_TOO_LARGE, "%s: the answer to %s is larger than %u bytes", os_service_name(svc), api, OS_BODY_MAX);
		} else if (rc == CURLE_OPERATION_TIMEDOUT) {
			sp_error_set(&e, SP_ERR_TIMEOUT, "%s: %s: no answer from '%s' in time (%s)", os_service_name(svc), api, base, curl_easy_strerror(rc));
			retry = idempotent;
		} else if (rc == CURLE_OUT_OF_MEMORY) {
			sp_error_set(&e, SP_ERR_INTERNAL, "openstack: out of memory");
		} else if (rc != CURLE_OK) {
			sp_error_set(&e, SP_ERR_CLOUD, "%s: %s: cannot reach '%s': %s", os_service_name(svc), api, base, curl_easy_strerror(rc));
			retry = transport_retriable(rc, idempotent);
		} else if (r.token_too_big) {
			sp_error_set(&e, SP_ERR_TOO_LARGE, "keystone: the token is longer than %d bytes", OS_TOKEN_MAX);
		} else if (r.status < 200 || r.status > 299) {
			os_error_text(r.body.data, r.body.len, type, sizeof(type), msg, sizeof(msg));
			sp_error_set(&e, os_error_code(r.status), "%s: %s: %s (HTTP %ld%s%s)", os_service_name(svc), api, msg, r.status, *type ? " " : "", type);
			retry = status_retriable(r.status, idempotent) ||
				(r.status == 409 && conflict_busy(type, msg) && os_now() - t_first < OS_RETRY_WINDOW / 3);
		}
		s->host->call_record(s->host_ctx, w->rtype, w->rname ? w->rname : "", api, os_now() - t0, e.code ? e.message : "");
		if (!e.code) {
			json_error_t jerr;
			json_t *doc = NULL;

			if (ret_body && r.body.len && !(doc = json_loadb(r.body.data, r.body.len, 0, &jerr)))
				return sp_error_set(err, SP_ERR_CLOUD, "%s: %s: the answer is not JSON: %s", os_service_name(svc), api, jerr.text);
			if (ret_subject) {
				if (!r.subject_token) {
					json_decref(doc);
					return sp_error_set(err, SP_ERR_CLOUD, "keystone: %s answered without an X-Subject-Token", api);
				}
				*ret_subject = TAKE_PTR(r.subject_token);
			}
			if (ret_body)
				*ret_body = doc;
			return 0;
		}
		/* A token refused by a service: renew it, once. */
		if (r.status == 401 && !anon && !renewed) {
			renewed = true;
			if (os_auth_ensure(s, w, true, token, err) < 0)
				return -1;
			continue;
		}
		if (!retry || os_now() + wait - t_first > OS_RETRY_WINDOW) {
			*err = e;
			return -1;
		}
		os_sleep(wait);
		wait = wait * 2 > 2.0 ? 2.0 : wait * 2;
	}
}

int os_call(sp_session *s, const struct os_what *w, enum os_service svc,
	    const char *method, const char *path, json_t *body,
	    json_t **ret_body, sp_error *err)
{
	return call(s, w, svc, false, method, path, body, ret_body, NULL, err);
}

int os_anon_call(sp_session *s, const struct os_what *w, enum os_service svc,
		 const char *method, const char *path, json_t *body,
		 json_t **ret_body, char **ret_subject, sp_error *err)
{
	return call(s, w, svc, true, method, path, body, ret_body, ret_subject, err);
}

/* The next page's URL of a list answer, or NULL at the end: glance's
 * "next" (a path), nova's and neutron's "<key>_links" rel "next". */
static const char *next_link(json_t *doc, const char *key)
{
	char links_key[64];
	json_t *l;
	size_t i;

	if (json_is_string(json_object_get(doc, "next")))
		return json_string_value(json_object_get(doc, "next"));
	snprintf(links_key, sizeof(links_key), "%s_links", key);
	json_array_foreach(json_object_get(doc, links_key), i, l)
		if (!strcmp(json_string_value(json_object_get(l, "rel")) ?: "", "next"))
			return json_string_value(json_object_get(l, "href"));
	return NULL;
}

int os_list(sp_session *s, const struct os_what *w, enum os_service svc,
	    const char *path, const char *key, json_t **ret_array,
	    sp_error *err)
{
	_cleanup_json_ json_t *all = json_array();
	_cleanup_free_ char *url = NULL;

	if (!all || asprintf(&url, "%s%slimit=%d", path, strchr(path, '?') ? "&" : "?", OS_PAGE_LIMIT) < 0)
		return os_oom(err);
	for (unsigned page = 0;; page++) {
		_cleanup_json_ json_t *doc = NULL;
		json_t *items;
		const char *next;

		if (os_call(s, w, svc, "GET", url, NULL, &doc, err) < 0)
			return -1;
		items = json_object_get(doc, key);
		if (!json_is_array(items))
			return sp_error_set(err, SP_ERR_CLOUD, "%s: the answer to GET %s has no '%s' list", os_service_name(svc), path, key);
		if (json_array_size(all) + json_array_size(items) > OS_ITEMS_MAX)
			return sp_error_set(err, SP_ERR_TOO_LARGE, "%s: the list '%s' has more than %d items", os_service_name(svc), key, OS_ITEMS_MAX);
		if (json_array_extend(all, items) < 0)
			return os_oom(err);
		next = next_link(doc, key);
		if (!next || !*next || json_array_size(items) == 0)
			break;
		/* Keep our own endpoint: take only the link's query (its
		 * marker and the filters); services behind proxies often
		 * link to hosts we cannot reach. */
		if (!strchr(next, '?'))
			break;
		free(url);
		url = NULL;
		if (asprintf(&url, "%.*s%s", (int)strcspn(path, "?"), path, strchr(next, '?')) < 0)
			url = NULL;
		if (!url)
			return os_oom(err);
	}
	*ret_array = TAKE_PTR(all);
	return 0;
}
