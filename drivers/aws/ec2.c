/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/ec2.c - the EC2 Query API client of one session.
 *
 * Calls are POSTs of form-encoded parameters, signed with SigV4, answered
 * with XML.  A session keeps a pool of curl easy handles that share one
 * connection cache, DNS cache and TLS session cache (a curl share), so
 * keep-alive connections are reused by every thread; the pool's size is
 * the limit on calls in flight, and a caller past it waits (within its
 * deadline) for a handle.
 *
 * Retry policy.  Each call has a deadline (AWS_DEADLINE_MS) and a number
 * of attempts (AWS_ATTEMPTS_DEFAULT).  Throttling (RequestLimitExceeded,
 * Throttling, ...) and HTTP 5xx are retried; so are transport failures
 * before anything was sent (no connection).  Failures after the request
 * may have been acted on (a timeout, a cut answer) are retried only for
 * calls that are safe to repeat: Describe* calls and calls carrying a
 * ClientToken.  The wait before retry n is drawn from [c/2, c] where
 * c = min(AWS_BACKOFF_CAP_MS, base * 2^(n-1)) ("equal jitter"); a retry
 * whose wait would pass the deadline is not made.
 */
#include "aws.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/macros.h"
#include "util/banned.h"

/* ---- parameters -------------------------------------------------------- */

void aws_params_clear(aws_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->p[i].key);
		free(p->p[i].value);
	}
	p->n = 0;
}

void aws_params_add(aws_params *p, const char *value, const char *key_fmt, ...)
{
	va_list ap;
	char *key = NULL, *v;
	int rc;

	if (p->n >= AWS_PARAMS_MAX) {
		p->overflow = true;
		return;
	}
	va_start(ap, key_fmt);
	rc = vasprintf(&key, key_fmt, ap);
	va_end(ap);
	v = strdup(value ? value : "");
	if (rc < 0 || !v) {
		free(rc < 0 ? NULL : key);
		free(v);
		p->overflow = true;
		return;
	}
	p->p[p->n].key = key;
	p->p[p->n].value = v;
	p->n++;
}

void aws_params_tagspec(aws_params *p, unsigned i, const char *type,
			const char *name, json_t *tags)
{
	unsigned t = 1;
	size_t k;
	json_t *tag;

	/* EC2 refuses a TagSpecification without tags. */
	if ((!name || !*name) && json_array_size(tags) == 0)
		return;
	aws_params_add(p, type, "TagSpecification.%u.ResourceType", i);
	if (name && *name) {
		aws_params_add(p, "Name", "TagSpecification.%u.Tag.%u.Key", i, t);
		aws_params_add(p, name, "TagSpecification.%u.Tag.%u.Value", i, t);
		t++;
	}
	json_array_foreach(tags, k, tag) {
		const char *key = json_string_value(json_object_get(tag, "Key"));

		if (!key || !strcmp(key, "Name"))
			continue;
		aws_params_add(p, key, "TagSpecification.%u.Tag.%u.Key", i, t);
		aws_params_add(p, json_string_value(json_object_get(tag, "Value")),
			       "TagSpecification.%u.Tag.%u.Value", i, t);
		t++;
	}
}

/* ---- errors -------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool throttled(const char *code)
{
	static const char *const codes[] = {
		"RequestLimitExceeded", "Throttling", "ThrottlingException",
		"RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
		"EC2ThrottledException", "SlowDown", "PriorRequestNotComplete",
	};

	for (size_t i = 0; code && i < ELEMENTSOF(codes); i++)
		if (!strcmp(code, codes[i]))
			return true;
	return false;
}

bool aws_error_retryable(const char *code, long http_status)
{
	if (throttled(code))
		return true;
	if (code && (!strcmp(code, "InternalError") || !strcmp(code, "Unavailable") ||
		     !strcmp(code, "ServiceUnavailable") || !strcmp(code, "InternalFailure")))
		return true;
	return http_status >= 500 && http_status <= 599 &&
	       !(code && !strcmp(code, "InsufficientInstanceCapacity"));
}

sp_errcode aws_error_code(const char *code, long http_status)
{
	static const char *const auth[] = {
		"AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch",
		"IncompleteSignature", "MissingAuthenticationToken", "InvalidAccessKeyId",
		"ExpiredToken", "RequestExpired", "InvalidToken", "UnrecognizedClientException",
	};
	static const char *const forbidden[] = {
		"UnauthorizedOperation", "Blocked", "OptInRequired", "PendingVerification",
		"AccessDenied", "AccessDeniedException", "UnsupportedOperation",
	};
	static const char *const conflict[] = {
		"IncorrectState", "IncorrectInstanceState", "DependencyViolation",
		"VolumeInUse", "InvalidVolume.ZoneMismatch", "IncorrectModificationState",
		"InvalidState", "ResourceAlreadyAssociated", "InvalidGroup.InUse",
		"InvalidIPAddress.InUse", "InvalidInstanceID", "IdempotentParameterMismatch",
	};

	if (!code || !*code) {
		if (http_status == 401)
			return SP_ERR_AUTH;
		if (http_status == 403)
			return SP_ERR_FORBIDDEN;
		if (http_status == 404)
			return SP_ERR_NOT_FOUND;
		if (http_status == 413)
			return SP_ERR_TOO_LARGE;
		return SP_ERR_CLOUD;
	}
	for (size_t i = 0; i < ELEMENTSOF(auth); i++)
		if (!strcmp(code, auth[i]))
			return SP_ERR_AUTH;
	for (size_t i = 0; i < ELEMENTSOF(forbidden); i++)
		if (!strcmp(code, forbidden[i]))
			return SP_ERR_FORBIDDEN;
	for (size_t i = 0; i < ELEMENTSOF(conflict); i++)
		if (!strcmp(code, conflict[i]))
			return SP_ERR_CONFLICT;
	if (ends_with(code, "NotFound") || ends_with(code, ".NotFound") || strstr(code, ".NotFound."))
		return SP_ERR_NOT_FOUND;
	if (ends_with(code, "Duplicate") || ends_with(code, "AlreadyExists") || strstr(code, ".Duplicate"))
		return SP_ERR_CONFLICT;
	if (throttled(code))
		return SP_ERR_CLOUD;
	if (ends_with(code, "LimitExceeded") || !strcmp(code, "MaxSpotInstanceCountExceeded"))
		return SP_ERR_FORBIDDEN;
	if (ends_with(code, ".Malformed") || ends_with(code, ".Range") || !strncmp(code, "InvalidParameter", 16) ||
	    !strcmp(code, "MissingParameter") || !strcmp(code, "UnknownParameter") ||
	    !strcmp(code, "InvalidAction") || !strcmp(code, "ValidationError") ||
	    !strcmp(code, "InvalidInput") || !strcmp(code, "InvalidAMIName.Malformed") ||
	    !strncmp(code, "Invalid", 7))
		return SP_ERR_INVALID;
	return SP_ERR_CLOUD;
}

/* ---- time, backoff ------------------------------------------------------- */

double aws_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

unsigned aws_backoff_ms(unsigned base_ms, unsigned n, uint64_t *seed)
{
	uint64_t ceil = base_ms ? base_ms : 1;

	for (unsigned i = 1; i < n && ceil < AWS_BACKOFF_CAP_MS; i++)
		ceil *= 2;
	if (ceil > AWS_BACKOFF_CAP_MS)
		ceil = AWS_BACKOFF_CAP_MS;
	return (unsigned)(ceil / 2 + xorshift(seed) % (ceil / 2 + 1));
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the handle pool ----------------------------------------------------- */

static int pool_acquire(sp_session *s, double deadline, CURL **ret, sp_error *err)
{
	CURL *h = NULL;
	struct timespec ts;
	double left;

	pthread_mutex_lock(&s->pool_lock);
	while (s->inflight >= s->inflight_max) {
		left = deadline - aws_now_mono();
		if (left <= 0) {
			pthread_mutex_unlock(&s->pool_lock);
			return sp_error_set(err, SP_ERR_TIMEOUT, "EC2: all %u call slots of the connection stayed busy until the call's deadline", s->inflight_max);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->pool_cond, &s->pool_lock, &ts);
	}
	s->inflight++;
	if (s->pool_n > 0)
		h = s->pool[--s->pool_n];
	pthread_mutex_unlock(&s->pool_lock);
	if (h) {
		curl_easy_reset(h);
	} else if (!(h = curl_easy_init())) {
		pthread_mutex_lock(&s->pool_lock);
		s->inflight--;
		pthread_cond_signal(&s->pool_cond);
		pthread_mutex_unlock(&s->pool_lock);
		return aws_oom(err);
	}
	*ret = h;
	return 0;
}

static void pool_release(sp_session *s, CURL *h)
{
	pthread_mutex_lock(&s->pool_lock);
	s->inflight--;
	if (s->pool_n < AWS_INFLIGHT_MAX)
		s->pool[s->pool_n++] = h;
	else
		curl_easy_cleanup(h);
	pthread_cond_signal(&s->pool_cond);
	pthread_mutex_unlock(&s->pool_lock);
}

/* ---- one HTTP exchange --------------------------------------------------- */

struct answer {
	char *data;
	size_t len, cap;
	bool too_big;
};

static size_t answer_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct answer *a = ud;
	size_t n = size * nmemb;

	if (a->len + n > AWS_RESPONSE_MAX) {
		a->too_big = true;
		return 0;
	}
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 16384;
		char *d;

		while (cap < a->len + n + 1)
			cap *= 2;
		if (cap > AWS_RESPONSE_MAX + 1)
			cap = AWS_RESPONSE_MAX + 1;
		if (!(d = realloc(a->data, cap)))
			return 0;
		a->data = d;
		a->cap = cap;
	}
	memcpy(a->data + a->len, ptr, n);
	a->len += n;
	a->data[a->len] = '\0';
	return n;
}

static void slist_freep(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}

/* The endpoint URL of region, and its Host header value and path (a
 * pointer into the URL, or "/"). */
static int endpoint_of(sp_session *s, const char *region, char **ret_url,
		       char **ret_host, const char **ret_path, sp_error *err)
{
	_cleanup_free_ char *url = NULL;
	const char *slash;
	size_t hoff, poff;

	if (s->endpoint)
		url = strdup(s->endpoint);
	else if (asprintf(&url, "https://ec2.%s.amazonaws.com%s/", region,
			  !strncmp(region, "cn-", 3) ? ".cn" : "") < 0)
		url = NULL;
	if (!url)
		return aws_oom(err);
	hoff = (size_t)(strstr(url, "://") - url) + 3;
	slash = strchr(url + hoff, '/');
	poff = slash ? (size_t)(slash - url) : 0;
	if (!(*ret_host = strndup(url + hoff, slash ? (size_t)(slash - (url + hoff)) : strlen(url + hoff))))
		return aws_oom(err);
	*ret_url = TAKE_PTR(url);
	*ret_path = poff ? *ret_url + poff : "/";
	return 0;
}

/* The form body: Action, Version, then the parameters, encoded. */
static int body_build(const char *action, const aws_params *p, char **ret,
		      size_t *ret_len, sp_error *err)
{
	_cleanup_free_ char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return aws_oom(err);
	fprintf(f, "Action=%s&Version=%s", action, AWS_API_VERSION);
	for (size_t i = 0; p && i < p->n; i++) {
		_cleanup_free_ char *k = aws_uri_encode(p->p[i].key, strlen(p->p[i].key), false);
		_cleanup_free_ char *v = aws_uri_encode(p->p[i].value, strlen(p->p[i].value), false);

		if (!k || !v) {
			fclose(f);
			return aws_oom(err);
		}
		fprintf(f, "&%s=%s", k, v);
	}
	if (fclose(f) != 0)
		return aws_oom(err);
	if (len > AWS_BODY_MAX)
		return sp_error_set(err, SP_ERR_TOO_LARGE, "EC2 %s: the request of %zu bytes is over the %u-byte cap", action, len, AWS_BODY_MAX);
	*ret_len = len;
	*ret = TAKE_PTR(body);
	return 0;
}

struct request {
	const char *action;
	const char *region;
	const char *url;
	const char *host;
	const char *path;
	const char *body;
	size_t body_len;
	bool safe; /* may be repeated after it may have been acted on */
};

struct outcome {
	sp_errcode code;
	bool retry;
	char detail[768];
};

static int outcome_set(struct outcome *o, sp_errcode code, bool retry,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int outcome_set(struct outcome *o, sp_errcode code, bool retry,
		       const char *fmt, ...)
{
	va_list ap;

	o->code = code;
	o->retry = retry;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
	return -1;
}

/* An EC2 error document's code and message (either layout). */
static void error_fields(const char *data, size_t len, const char **ret_code,
			 const char **ret_msg, xmlDoc **ret_doc)
{
	sp_error ignored;
	xmlNode *root, *e;

	*ret_code = *ret_msg = NULL;
	if (aws_xml_parse(data, len, ret_doc, &ignored) < 0)
		return;
	root = xmlDocGetRootElement(*ret_doc);
	e = aws_xml_path(root, "Errors/Error");
	if (!e)
		e = aws_xml_child(root, "Error");
	if (!e && root && root->name && !strcmp((const char *)root->name, "Error"))
		e = root;
	if (!e || !*aws_xml_str(e, "Code"))
		return;
	*ret_code = aws_xml_str(e, "Code");
	*ret_msg = aws_xml_str(e, "Message");
}

static bool curl_before_send(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	       cc == CURLE_COULDNT_RESOLVE_PROXY;
}

static bool curl_transient(CURLcode cc)
{
	return cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_RECV_ERROR ||
	       cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
	       cc == CURLE_PARTIAL_FILE || cc == CURLE_HTTP2 || cc == CURLE_HTTP2_STREAM ||
	       cc == CURLE_BAD_CONTENT_ENCODING;
}

static int attempt(sp_session *s, const struct request *rq, double deadline,
		   xmlDoc **ret_doc, struct outcome *o)
{
	_cleanup_(slist_freep) struct curl_slist *hl = NULL;
	_cleanup_free_ char *hdr_host = NULL, *hdr_date = NULL, *hdr_auth = NULL, *hdr_token = NULL;
	_cleanup_free_ char *data = NULL;
	_cleanup_xml_ xmlDoc *edoc = NULL;
	aws_sigv4_out sig = { 0 };
	struct answer a = { 0 };
	char date[17];
	sp_kv signed_hdrs[4];
	size_t n_hdrs = 3;
	const char *code, *msg;
	long status = 0, left_ms, timeout_ms;
	sp_error e;
	CURLcode cc;
	CURL *h = NULL;

	if (pool_acquire(s, deadline, &h, &e) < 0)
		return outcome_set(o, e.code, false, "%s", e.message);
	left_ms = (long)((deadline - aws_now_mono()) * 1000);
	if (left_ms <= 0) {
		pool_release(s, h);
		return outcome_set(o, SP_ERR_TIMEOUT, false, "no time left before the call's deadline");
	}
	timeout_ms = left_ms < s->attempt_timeout_ms ? left_ms : s->attempt_timeout_ms;
	aws_amz_date(time(NULL), date);
	signed_hdrs[0] = (sp_kv){ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" };
	signed_hdrs[1] = (sp_kv){ "Host", rq->host };
	signed_hdrs[2] = (sp_kv){ "X-Amz-Date", date };
	if (s->token)
		signed_hdrs[n_hdrs++] = (sp_kv){ "X-Amz-Security-Token", s->token };
	if (aws_sigv4_sign(&(aws_sigv4_req){ .method = "POST", .path = rq->path,
					      .headers = signed_hdrs, .n_headers = n_hdrs,
					      .body = rq->body, .body_len = rq->body_len,
					      .amz_date = date, .region = rq->region,
					      .service = AWS_SERVICE, .access_key = s->access_key,
					      .secret_key = s->secret_key },
			   &sig, &e) < 0) {
		pool_release(s, h);
		return outcome_set(o, e.code, false, "%s", e.message);
	}
	if (asprintf(&hdr_host, "Host: %s", rq->host) < 0)
		hdr_host = NULL;
	if (asprintf(&hdr_date, "X-Amz-Date: %s", date) < 0)
		hdr_date = NULL;
	if (asprintf(&hdr_auth, "Authorization: %s", sig.authorization) < 0)
		hdr_auth = NULL;
	if (s->token && asprintf(&hdr_token, "X-Amz-Security-Token: %s", s->token) < 0)
		hdr_token = NULL;
	aws_sigv4_out_clear(&sig);
	if (!hdr_host || !hdr_date || !hdr_auth || (s->token && !hdr_token)) {
		pool_release(s, h);
		return outcome_set(o, SP_ERR_INTERNAL, false, "out of memory");
	}
	hl = curl_slist_append(hl, "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
	hl = hl ? curl_slist_append(hl, hdr_host) : NULL;
	hl = hl ? curl_slist_append(hl, hdr_date) : NULL;
	hl = hl ? curl_slist_append(hl, hdr_auth) : NULL;
	hl = hl ? curl_slist_append(hl, "Expect:") : NULL;
	if (hl && hdr_token)
		hl = curl_slist_append(hl, hdr_token);
	if (!hl) {
		pool_release(s, h);
		return outcome_set(o, SP_ERR_INTERNAL, false, "out of memory");
	}
	curl_easy_setopt(h, CURLOPT_SHARE, s->share);
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)rq->body_len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "spider-aws/" AWS_DRIVER_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, answer_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	pool_release(s, h);
	data = a.data;

	if (cc != CURLE_OK) {
		if (a.too_big)
			return outcome_set(o, SP_ERR_TOO_LARGE, false, "the answer is over the %u-byte cap", AWS_RESPONSE_MAX);
		if (cc == CURLE_OPERATION_TIMEDOUT)
			return outcome_set(o, SP_ERR_TIMEOUT, rq->safe, "no answer within %ld ms", timeout_ms);
		return outcome_set(o, SP_ERR_CLOUD, curl_before_send(cc) || (rq->safe && curl_transient(cc)),
				   "%s (%s)", curl_easy_strerror(cc), rq->url);
	}
	if (status >= 200 && status <= 299) {
		if (aws_xml_parse(a.data, a.len, ret_doc, &e) < 0)
			return outcome_set(o, e.code, false, "%s", e.message);
		return 0;
	}
	error_fields(a.data, a.len, &code, &msg, &edoc);
	if (code)
		return outcome_set(o, aws_error_code(code, status), aws_error_retryable(code, status),
				   "%s: %s", code, msg);
	return outcome_set(o, aws_error_code(NULL, status), status >= 500,
			   "HTTP %ld with no EC2 error document", status);
}

static bool params_have(const aws_params *p, const char *key)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (!strcmp(p->p[i].key, key))
			return true;
	return false;
}

int aws_call(sp_session *s, const char *region, const char *action,
	     aws_params *params, const char *rtype, const char *rname,
	     xmlDoc **ret_doc, sp_error *err)
{
	_cleanup_free_ char *body = NULL, *url = NULL, *host = NULL;
	struct request rq = { .action = action, .region = region ? region : s->region };
	double start = aws_now_mono(), deadline = start + (double)s->deadline_ms / 1000.0, t0;
	uint64_t seed = (uint64_t)(start * 1e9) ^ (uint64_t)(uintptr_t)&rq;
	struct outcome o = { 0 };
	unsigned n;

	if (params && params->overflow)
		return sp_error_set(err, SP_ERR_TOO_LARGE, "EC2 %s: over %d parameters, or out of memory building them", action, AWS_PARAMS_MAX);
	if (body_build(action, params, &body, &rq.body_len, err) < 0 ||
	    endpoint_of(s, rq.region, &url, &host, &rq.path, err) < 0)
		return -1;
	rq.body = body;
	rq.url = url;
	rq.host = host;
	rq.safe = !strncmp(action, "Describe", 8) || params_have(params, "ClientToken");
	for (n = 1;; n++) {
		int rc;

		t0 = aws_now_mono();
		rc = attempt(s, &rq, deadline, ret_doc, &o);
		if (s->host && s->host->call_record)
			s->host->call_record(s->host_ctx, rtype, rname ? rname : "", action,
					     aws_now_mono() - t0, rc == 0 ? NULL : o.detail);
		if (rc == 0)
			return 0;
		if (!o.retry || n >= s->attempts)
			break;
		{
			unsigned wait = aws_backoff_ms(s->backoff_base_ms, n, &seed);

			if (aws_now_mono() + wait / 1000.0 >= deadline)
				break;
			sleep_ms(wait);
		}
	}
	if (o.retry)
		return sp_error_set(err, o.code, "EC2 %s: gave up after %u attempt%s in %.1f s (retry budget %u attempts, %ld s): %s",
				    action, n, n == 1 ? "" : "s", aws_now_mono() - start,
				    s->attempts, s->deadline_ms / 1000, o.detail);
	return sp_error_set(err, o.code, "EC2 %s: %s", action, o.detail);
}

int aws_describe_run(sp_session *s, const aws_describe *d, aws_params *p,
		     const char *only, void *ctx, const json_t *list,
		     sp_error *err)
{
	if (only)
		aws_params_add(p, only, "%s", d->id_param);
	if (aws_call_pages(s, NULL, d->action, p, only ? 0 : d->page, d->set_path,
			   d->rtype, d->fn, ctx, err) < 0)
		return -1;
	if (only && json_array_size(list) == 0)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "EC2 has no %s '%s' in region '%s'", d->noun, only, s->region);
	return 0;
}

int aws_call_pages(sp_session *s, const char *region, const char *action,
		   aws_params *params, int max_results, const char *set_path,
		   const char *rtype, aws_item_fn fn, void *ctx, sp_error *err)
{
	char num[16];
	size_t tok = 0;

	if (max_results > 0) {
		snprintf(num, sizeof(num), "%d", max_results);
		aws_params_add(params, num, "MaxResults");
	}
	for (unsigned page = 0;; page++) {
		_cleanup_xml_ xmlDoc *doc = NULL;
		xmlNode *root;
		const char *next;

		if (page >= AWS_PAGES_MAX)
			return sp_error_set(err, SP_ERR_TOO_LARGE, "EC2 %s: more than %d pages; refused", action, AWS_PAGES_MAX);
		if (aws_call(s, region, action, params, rtype, NULL, &doc, err) < 0)
			return -1;
		root = xmlDocGetRootElement(doc);
		for (xmlNode *it = aws_xml_items(root, set_path); it; it = aws_xml_next(it))
			if (fn(s, it, ctx, err) < 0)
				return -1;
		next = aws_xml_str(root, "nextToken");
		if (!*next)
			return 0;
		if (!tok) {
			aws_params_add(params, next, "NextToken");
			if (params->overflow)
				return sp_error_set(err, SP_ERR_TOO_LARGE, "EC2 %s: over %d parameters", action, AWS_PARAMS_MAX);
			tok = params->n;
		} else {
			char *v = strdup(next);

			if (!v)
				return aws_oom(err);
			free(params->p[tok - 1].value);
			params->p[tok - 1].value = v;
		}
	}
}
