/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/driver.c - the AWS driver table, its entry point, sessions,
 * AnyCall and the small helpers the resource files share.
 */
#include "aws.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"
#include "util/banned.h"

#define AWS_ENDPOINT_MAX 512
#define AWS_REGION_MAX 32

/* ---- shared helpers ------------------------------------------------------ */

int aws_oom(sp_error *err)
{
	return sp_error_set(err, SP_ERR_INTERNAL, "aws: out of memory");
}

int aws_iid_id(const sp_iid *iid, const char *what, const char **ret,
	       sp_error *err)
{
	const char *id = iid && iid->system_id && *iid->system_id ? iid->system_id
			 : iid && iid->name_id && *iid->name_id ? iid->name_id : NULL;

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "no %s given: its IID is empty", what);
	*ret = id;
	return 0;
}

int aws_req_str(json_t *req, const char *key, bool required, const char **ret,
		sp_error *err)
{
	json_t *v = json_object_get(req, key);

	if (v && !json_is_string(v))
		return sp_error_set(err, SP_ERR_INVALID, "'%s' must be a string", key);
	*ret = v ? json_string_value(v) : "";
	if (required && !**ret)
		return sp_error_set(err, SP_ERR_INVALID, "'%s' is required", key);
	return 0;
}

int aws_req_iid(json_t *req, const char *key, bool required, const char **ret,
		sp_error *err)
{
	json_t *v = json_object_get(req, key);
	const char *sid = json_string_value(json_object_get(v, "SystemId"));
	const char *nid = json_string_value(json_object_get(v, "NameId"));

	if (v && !json_is_object(v))
		return sp_error_set(err, SP_ERR_INVALID, "'%s' must be an IID object", key);
	*ret = sid && *sid ? sid : nid ? nid : "";
	if (required && !**ret)
		return sp_error_set(err, SP_ERR_INVALID, "'%s' is required", key);
	return 0;
}

json_t *aws_iid_json(const char *name_id, const char *system_id)
{
	return json_pack("{s:s,s:s}", "NameId", name_id && *name_id ? name_id : system_id ? system_id : "",
			 "SystemId", system_id ? system_id : "");
}

json_t *aws_kvlist(const char *k, ...)
{
	_cleanup_json_ json_t *a = json_array();
	va_list ap;

	if (!a)
		return NULL;
	va_start(ap, k);
	for (const char *key = k; key; key = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (v && *v && json_array_append_new(a, json_pack("{s:s,s:s}", "Key", key, "Value", v)) < 0) {
			va_end(ap);
			return NULL;
		}
	}
	va_end(ap);
	return TAKE_PTR(a);
}

int aws_json_append(json_t *arr, json_t *v, sp_error *err)
{
	if (!v || json_array_append_new(arr, v) < 0)
		return aws_oom(err);
	return 0;
}

int aws_items_cap(json_t *arr, const char *what, sp_error *err)
{
	if (json_array_size(arr) >= AWS_ITEMS_MAX)
		return sp_error_set(err, SP_ERR_TOO_LARGE, "EC2 lists over %d %s; refused", AWS_ITEMS_MAX, what);
	return 0;
}

/* ---- sessions ------------------------------------------------------------ */

static const char *kv_get(const sp_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (kv[i].key && !strcasecmp(kv[i].key, key)) {
			const char *v = kv[i].value ? kv[i].value : "";

			/* The daemon hands a key the credential lacks as "Not set". */
			return strcmp(v, "Not set") ? v : "";
		}
	return NULL;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
	sp_session *s = ud;

	pthread_mutex_lock(&s->share_lock[(unsigned)data < CURL_LOCK_DATA_LAST ? data : 0]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	sp_session *s = ud;

	pthread_mutex_unlock(&s->share_lock[(unsigned)data < CURL_LOCK_DATA_LAST ? data : 0]);
}

static void wipe_free(char *p)
{
	if (p) {
		OPENSSL_cleanse(p, strlen(p));
		free(p);
	}
}

static void session_free(sp_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->pool_n; i++)
		curl_easy_cleanup(s->pool[i]);
	if (s->share)
		curl_share_cleanup(s->share);
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->share_lock[i]);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_cond_destroy(&s->pool_cond);
	pthread_mutex_destroy(&s->cache_lock);
	pthread_mutex_destroy(&s->launched_lock);
	json_decref(s->images);
	json_decref(s->specs);
	json_decref(s->regions);
	wipe_free(s->access_key);
	wipe_free(s->secret_key);
	wipe_free(s->token);
	free(s->region);
	free(s->zone);
	free(s->endpoint);
	free(s);
}

static inline void session_freep(sp_session **p)
{
	session_free(*p);
}

/* Endpoint: an http(s) URL with a host, no spaces or control characters. */
static int endpoint_check(const char *e, sp_error *err)
{
	size_t len = strlen(e);
	const char *host;

	if (len > AWS_ENDPOINT_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "Endpoint is over %d characters", AWS_ENDPOINT_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)e[i] <= ' ' || e[i] == 0x7f)
			return sp_error_set(err, SP_ERR_INVALID, "Endpoint '%s' holds a space or control character", e);
	if (!strncmp(e, "http://", 7))
		host = e + 7;
	else if (!strncmp(e, "https://", 8))
		host = e + 8;
	else
		return sp_error_set(err, SP_ERR_INVALID, "Endpoint '%s' is not an http:// or https:// URL", e);
	if (!*host || *host == '/' || strpbrk(e, "?#"))
		return sp_error_set(err, SP_ERR_INVALID, "Endpoint '%s' has no host, or has a query or fragment", e);
	return 0;
}

static int name_check(const char *what, const char *v, sp_error *err)
{
	size_t len = strlen(v);

	if (len == 0 || len > AWS_REGION_MAX ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: want 1 to %d of [a-z0-9-]", what, v, AWS_REGION_MAX);
	return 0;
}

/* An integer knob from the environment, within [lo, hi]. */
static int env_knob(const char *name, long lo, long hi, long *v, sp_error *err)
{
	const char *s = getenv(name);
	char *end;
	long n;

	if (!s || !*s)
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: want an integer from %ld to %ld", name, s, lo, hi);
	*v = n;
	return 0;
}

static int session_knobs(sp_session *s, sp_error *err)
{
	long attempts = AWS_ATTEMPTS_DEFAULT, timeout = AWS_ATTEMPT_TIMEOUT_MS,
	     deadline = AWS_DEADLINE_MS, backoff = AWS_BACKOFF_BASE_MS, inflight = AWS_INFLIGHT_DEFAULT;

	if (env_knob("SPIDER_AWS_ATTEMPTS", 1, 10, &attempts, err) < 0 ||
	    env_knob("SPIDER_AWS_ATTEMPT_TIMEOUT_MS", 100, 600000, &timeout, err) < 0 ||
	    env_knob("SPIDER_AWS_DEADLINE_MS", 100, 600000, &deadline, err) < 0 ||
	    env_knob("SPIDER_AWS_BACKOFF_MS", 1, 10000, &backoff, err) < 0 ||
	    env_knob("SPIDER_AWS_INFLIGHT", 1, AWS_INFLIGHT_MAX, &inflight, err) < 0)
		return -1;
	s->attempts = (unsigned)attempts;
	s->attempt_timeout_ms = timeout;
	s->deadline_ms = deadline;
	s->backoff_base_ms = (unsigned)backoff;
	s->inflight_max = (unsigned)inflight;
	return 0;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	xmlInitParser();
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int session_transport(sp_session *s, sp_error *err)
{
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->share_lock[i], NULL);
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_cond_init(&s->pool_cond, NULL);
	pthread_mutex_init(&s->cache_lock, NULL);
	pthread_mutex_init(&s->launched_lock, NULL);
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return sp_error_set(err, SP_ERR_INTERNAL, "aws: libcurl failed to start: %s", curl_easy_strerror(global_rc));
	if (!(s->share = curl_share_init()))
		return aws_oom(err);
	curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	return 0;
}

static int aws_open(const sp_host *host, void *host_ctx, const sp_conn_info *info,
		    sp_session **ret_session, sp_error *err)
{
	_cleanup_(session_freep) sp_session *s = NULL;
	const sp_kv *c = info->credential, *r = info->region;
	size_t nc = info->credential_count, nr = info->region_count;
	const char *ak = kv_get(c, nc, "ClientId"), *sk = kv_get(c, nc, "ClientSecret");
	const char *tok = kv_get(c, nc, "SessionToken");
	const char *ep = kv_get(r, nr, "Endpoint"), *region = kv_get(r, nr, "Region");
	const char *zone = kv_get(r, nr, "Zone");

	if (!ep || !*ep)
		ep = kv_get(c, nc, "Endpoint");
	if (!ak || !*ak)
		return sp_error_set(err, SP_ERR_INVALID, "credential key 'ClientId' (aws_access_key_id) is required");
	if (!sk || !*sk)
		return sp_error_set(err, SP_ERR_INVALID, "credential key 'ClientSecret' (aws_secret_access_key) is required");
	if (strlen(ak) > 128 || strpbrk(ak, "/ \t\r\n"))
		return sp_error_set(err, SP_ERR_INVALID, "credential key 'ClientId' is not an access key ID");
	if (!region || !*region)
		return sp_error_set(err, SP_ERR_INVALID, "region key 'Region' is required");
	if (name_check("Region", region, err) < 0 ||
	    (zone && *zone && name_check("Zone", zone, err) < 0) ||
	    (ep && *ep && endpoint_check(ep, err) < 0))
		return -1;
	if (tok && strpbrk(tok, "\r\n"))
		return sp_error_set(err, SP_ERR_INVALID, "credential key 'SessionToken' holds a line break");
	if (!(s = calloc(1, sizeof(*s))))
		return aws_oom(err);
	s->host = host;
	s->host_ctx = host_ctx;
	if (session_transport(s, err) < 0 || session_knobs(s, err) < 0)
		return -1;
	if (!(s->access_key = strdup(ak)) || !(s->secret_key = strdup(sk)) ||
	    (tok && *tok && !(s->token = strdup(tok))) ||
	    !(s->region = strdup(region)) ||
	    (zone && *zone && !(s->zone = strdup(zone))) ||
	    (ep && *ep && !(s->endpoint = strdup(ep))))
		return aws_oom(err);
	*ret_session = TAKE_PTR(s);
	return 0;
}

static void aws_close(sp_session *s)
{
	session_free(s);
}

/* The credential and the region work when EC2 lists the region's zones
 * (and the configured zone is one of them). */
static int aws_check(sp_session *s, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;

	if (s->zone)
		aws_params_add(&p, s->zone, "ZoneName.1");
	if (aws_call(s, NULL, "DescribeAvailabilityZones", &p, "CONNECTION", s->region, &doc, err) < 0)
		return -1;
	if (!aws_xml_items(xmlDocGetRootElement(doc), "availabilityZoneInfo"))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no zone '%s' in region '%s'", s->zone ? s->zone : "(any)", s->region);
	return 0;
}

/* ---- AnyCall ------------------------------------------------------------- */

static const char *ikv(json_t *req, const char *key)
{
	size_t i;
	json_t *kv;

	json_array_foreach(json_object_get(req, "IKeyValueList"), i, kv)
		if (!strcmp(json_string_value(json_object_get(kv, "Key")) ?: "", key))
			return json_string_value(json_object_get(kv, "Value"));
	return NULL;
}

/* FID importKeyPair {KeyName, PublicKey}: import an OpenSSH public key as
 * an EC2 key pair (then register it with /regkeypair). */
static int aws_anycall(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	const char *fid = json_string_value(json_object_get(req, "FID"));
	_cleanup_json_ json_t *info = NULL, *out = NULL;
	const char *name, *pub;

	if (!fid || strcmp(fid, "importKeyPair"))
		return sp_error_set(err, SP_ERR_INVALID, "FID '%s' is unknown to the AWS driver: want importKeyPair", fid ? fid : "");
	name = ikv(req, "KeyName");
	pub = ikv(req, "PublicKey");
	if (!name || !*name)
		return sp_error_set(err, SP_ERR_INVALID, "importKeyPair: IKeyValueList key 'KeyName' is required");
	if (!pub || !*pub)
		return sp_error_set(err, SP_ERR_INVALID, "importKeyPair: IKeyValueList key 'PublicKey' is required");
	if (aws_keypair_import(s, name, pub, NULL, &info, err) < 0)
		return -1;
	out = json_pack("{s:s,s:O,s:[{s:s,s:s},{s:s,s:s}]}", "FID", fid,
			"IKeyValueList", json_object_get(req, "IKeyValueList"),
			"OKeyValueList", "Key", "KeyName", "Value", name,
			"Key", "Fingerprint", "Value",
			json_string_value(json_object_get(info, "Fingerprint")) ?: "");
	if (!out)
		return aws_oom(err);
	*ret = TAKE_PTR(out);
	return 0;
}

/* ---- the table ----------------------------------------------------------- */

static const sp_driver aws_driver = {
	.name = "aws",
	.abi_version = SP_DRIVER_ABI_VERSION,
	.size = sizeof(sp_driver),
	.provider = "AWS",
	.version = AWS_DRIVER_VERSION,
	.capabilities = SP_CAP_ZONE_BASED_CONTROL | SP_CAP_VPC_CIDR,
	.open = aws_open,
	.close = aws_close,
	.check = aws_check,
	.regionzone = &aws_regionzone_ops,
	.image = &aws_image_ops,
	.spec = &aws_spec_ops,
	.vpc = &aws_vpc_ops,
	.subnet = &aws_subnet_ops,
	.sg = &aws_sg_ops,
	.sgrule = &aws_sgrule_ops,
	.keypair = &aws_keypair_ops,
	.vm = &aws_vm_ops,
	.vmctl = &aws_vmctl_ops,
	.disk = &aws_disk_ops,
	.diskctl = &aws_diskctl_ops,
	.myimage = &aws_myimage_ops,
	.tag = &aws_tag_ops,
	.anycall = aws_anycall,
};

SP_DRIVER_EXPORT const sp_driver *sp_driver_entry(void);

const sp_driver *sp_driver_entry(void)
{
	return &aws_driver;
}
