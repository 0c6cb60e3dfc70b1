/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/driver.c - the OPENSTACK driver table, its entry
 * point, the session lifecycle and the helpers every part shares.
 */
#include "openstack.h"

#include <ctype.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/macros.h"
#include "util/banned.h"

#ifndef OS_DRIVER_VERSION
#define OS_DRIVER_VERSION "0.0.0"
#endif

#define OS_FIELD_MAX 1024

int os_oom(sp_error *err)
{
	return sp_error_set(err, SP_ERR_INTERNAL, "openstack: out of memory");
}

void os_free_secret(char *p)
{
	if (p)
		OPENSSL_clear_free(p, strlen(p));
}

const char *os_iid_id(const sp_iid *iid)
{
	if (iid && iid->system_id && *iid->system_id)
		return iid->system_id;
	if (iid && iid->name_id && *iid->name_id)
		return iid->name_id;
	return NULL;
}

const char *os_json_iid_id(json_t *iid)
{
	const char *sid = json_string_value(json_object_get(iid, "SystemId"));
	const char *nid = json_string_value(json_object_get(iid, "NameId"));

	return sid && *sid ? sid : nid && *nid ? nid : NULL;
}

int os_req_str(json_t *req, const char *key, const char **ret, sp_error *err)
{
	json_t *v = json_object_get(req, key);

	if (!v || json_is_null(v)) {
		*ret = "";
		return 0;
	}
	if (!json_is_string(v))
		return sp_error_set(err, SP_ERR_INVALID, "field '%s' must be a string", key);
	if (strlen(json_string_value(v)) > OS_FIELD_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "field '%s' is longer than %d characters", key, OS_FIELD_MAX);
	*ret = json_string_value(v);
	return 0;
}

int os_req_tags(json_t *req, const char *prefix, json_t **ret_tags, sp_error *err)
{
	_cleanup_json_ json_t *out = json_array();
	json_t *list = json_object_get(req, "TagList"), *t;
	size_t i;

	if (!out)
		return os_oom(err);
	if (list && !json_is_null(list) && !json_is_array(list))
		return sp_error_set(err, SP_ERR_INVALID, "field '%sTagList' must be an array", prefix);
	if (json_array_size(list) > 50)
		return sp_error_set(err, SP_ERR_INVALID, "field '%sTagList' has %zu tags; OpenStack takes at most 50", prefix, json_array_size(list));
	json_array_foreach(list, i, t) {
		const char *k = json_string_value(json_object_get(t, "Key"));
		const char *v = json_string_value(json_object_get(t, "Value")) ?: "";
		char tag[128];

		if (!k || os_tag_string(k, v, tag, sizeof(tag)) < 0)
			return sp_error_set(err, SP_ERR_INVALID, "field '%sTagList[%zu]' is not a valid OpenStack tag: want a non-empty Key without '=', and Key=Value of at most 60 characters without '/' or ','", prefix, i);
		if (json_array_append_new(out, json_string(tag)) < 0)
			return os_oom(err);
	}
	*ret_tags = TAKE_PTR(out);
	return 0;
}

json_t *os_iid(const char *name, const char *id)
{
	return json_pack("{s:s, s:s}", "NameId", name && *name ? name : id ? id : "", "SystemId", id ? id : "");
}

bool os_id_plain(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~") == strlen(s);
}

/* fmt with each "%s" replaced by the next of ids, percent-encoded. */
static char *path_fill(const char *fmt, const char *const *ids, size_t n)
{
	sp_buf b = { .max = OS_URL_MAX };
	const char *p = fmt, *hole;
	size_t used = 0;

	while ((hole = strstr(p, "%s")) && used < n) {
		char *esc = curl_easy_escape(NULL, ids[used++], 0);
		int rc = esc ? sp_buf_append(&b, p, (size_t)(hole - p)) | sp_buf_puts(&b, esc) : -1;

		curl_free(esc);
		if (rc < 0)
			goto fail;
		p = hole + 2;
	}
	if (sp_buf_puts(&b, p) < 0 || b.truncated || !b.data)
		goto fail;
	return b.data;
fail:
	free(b.data);
	return NULL;
}

char *os_path(const char *fmt, const char *id)
{
	return path_fill(fmt, &id, 1);
}

char *os_path2(const char *fmt, const char *a, const char *b)
{
	const char *ids[] = { a, b };

	return path_fill(fmt, ids, 2);
}

double os_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void os_sleep(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *kv_get(const sp_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (kv[i].key && !strcasecmp(kv[i].key, key))
			return kv[i].value ? kv[i].value : "";
	return NULL;
}

static void session_free(sp_session *s)
{
	if (!s)
		return;
	os_pool_free(s->pool);
	free(s->identity);
	free(s->username);
	os_free_secret(s->password);
	free(s->domain);
	free(s->project);
	free(s->region);
	free(s->zone);
	os_free_secret(s->token);
	free(s->project_id);
	for (int i = 0; i < OS_SERVICE__COUNT; i++)
		free(s->endpoint[i]);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->login_lock);
	free(s);
}

static inline void session_freep(sp_session **p)
{
	session_free(*p);
}

/* A Keystone project ID: 32 hex digits (or a UUID with dashes). */
static bool looks_like_id(const char *s)
{
	size_t hex = 0;

	for (; *s; s++) {
		if (isxdigit((unsigned char)*s))
			hex++;
		else if (*s != '-')
			return false;
	}
	return hex == 32;
}

static int need_key(const sp_kv *kv, size_t n, const char *what, const char *key,
		    char **ret, sp_error *err)
{
	const char *v = kv_get(kv, n, key);

	if (!v || !*v || !strcmp(v, "Not set"))
		return sp_error_set(err, SP_ERR_INVALID, "%s key '%s' is required", what, key);
	if (strlen(v) > OS_FIELD_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "%s key '%s' is longer than %d characters", what, key, OS_FIELD_MAX);
	if (!(*ret = strdup(v)))
		return os_oom(err);
	return 0;
}

/* IdentityEndpoint: an http(s) URL; "/v3" is added when it lacks it. */
static int identity_parse(sp_session *s, const char *url, sp_error *err)
{
	size_t n = strlen(url);

	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return sp_error_set(err, SP_ERR_INVALID, "credential key 'IdentityEndpoint' '%s' is not an http:// or https:// URL", url);
	if (strpbrk(url, " \t\r\n?#"))
		return sp_error_set(err, SP_ERR_INVALID, "credential key 'IdentityEndpoint' '%s' must be a plain URL (no spaces, query or fragment)", url);
	while (n && url[n - 1] == '/')
		n--;
	if (asprintf(&s->identity, "%.*s%s", (int)n, url, n >= 3 && !strncmp(url + n - 3, "/v3", 3) ? "" : "/v3") < 0) {
		s->identity = NULL;
		return os_oom(err);
	}
	return 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int os_open(const sp_host *host, void *host_ctx, const sp_conn_info *info,
		   sp_session **ret_session, sp_error *err)
{
	_cleanup_(session_freep) sp_session *s = NULL;
	_cleanup_free_ char *endpoint = NULL;
	const sp_kv *c = info->credential, *r = info->region;
	size_t nc = info->credential_count, nr = info->region_count;
	const char *domain = kv_get(c, nc, "DomainName"), *zone = kv_get(r, nr, "Zone");

	pthread_once(&curl_once, curl_init);
	if (!(s = calloc(1, sizeof(*s))))
		return os_oom(err);
	if (pthread_mutex_init(&s->lock, NULL) != 0 || pthread_mutex_init(&s->login_lock, NULL) != 0) {
		free(TAKE_PTR(s));
		return os_oom(err);
	}
	s->host = host;
	s->host_ctx = host_ctx;
	if (need_key(c, nc, "credential", "IdentityEndpoint", &endpoint, err) < 0 ||
	    identity_parse(s, endpoint, err) < 0 ||
	    need_key(c, nc, "credential", "Username", &s->username, err) < 0 ||
	    need_key(c, nc, "credential", "Password", &s->password, err) < 0 ||
	    need_key(c, nc, "credential", "ProjectID", &s->project, err) < 0 ||
	    need_key(r, nr, "region", "Region", &s->region, err) < 0)
		return -1;
	s->project_is_id = looks_like_id(s->project);
	if (!(s->domain = strdup(domain && *domain && strcmp(domain, "Not set") ? domain : "Default")) ||
	    !(s->zone = strdup(zone ? zone : "")) || !(s->pool = os_pool_new()))
		return os_oom(err);
	*ret_session = TAKE_PTR(s);
	return 0;
}

static void os_close(sp_session *s)
{
	session_free(s);
}

/* A fresh token, then one compute call with it. */
static int os_check(sp_session *s, sp_error *err)
{
	static const struct os_what w = { "CONNECTION", "" };

	if (os_auth_ensure(s, &w, true, NULL, err) < 0)
		return -1;
	return os_call(s, &w, OS_COMPUTE, "GET", "/flavors?limit=1", NULL, NULL, err);
}

static const sp_driver os_driver = {
	.name = "openstack",
	.abi_version = SP_DRIVER_ABI_VERSION,
	.size = sizeof(sp_driver),
	.provider = "OPENSTACK",
	.version = OS_DRIVER_VERSION,
	.capabilities = 0,
	.open = os_open,
	.close = os_close,
	.check = os_check,
	.regionzone = &os_regionzone_ops,
	.image = &os_image_ops,
	.spec = &os_spec_ops,
	.vpc = &os_vpc_ops,
	.subnet = &os_subnet_ops,
	.sg = &os_sg_ops,
	.sgrule = &os_sgrule_ops,
	.keypair = &os_keypair_ops,
	.vm = &os_vm_ops,
	.vmctl = &os_vmctl_ops,
	.myimage = &os_myimage_ops,
	.tag = &os_tag_ops,
	/* No Cinder in the clouds we test against: disks stay NULL (501). */
};

/* The one exported symbol; declared here to satisfy -Wmissing-prototypes. */
SP_DRIVER_EXPORT const sp_driver *sp_driver_entry(void);

const sp_driver *sp_driver_entry(void)
{
	return &os_driver;
}
