/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_router.c - request paths: sp_router_match(), sp_req_param(),
 * sp_router_allowed() and sp_percent_decode().
 *
 * Input: the first byte picks the method (low bits) and whether '+' means
 * space to sp_percent_decode (high bit); the rest, up to a NUL, is the
 * path.  Beyond "no crash", it checks that the status agrees with the
 * route, that every matched parameter is found again by name, that the
 * Allow value agrees with the status, and that a cut Allow value is a
 * NUL-terminated prefix of the whole one.
 */
#include "fuzz.h"
#include "rest/rest.h"

static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "OPTIONS" };

/* Parameter names the handlers ask for. */
static const char *const param_names[] = {
	"DriverName", "CredentialName", "RegionName", "ConfigName", "Name",
	"ProviderName", "CloudOSName", "", "Driver", "DriverNameX",
};

/* Allow buffer sizes: cut in every place, and whole. */
static const size_t allow_sizes[] = { 1, 2, 4, 5, 9, 16, 31, 32, 256 };

static size_t count_params(const char *pattern)
{
	size_t n = 0;

	for (const char *p = pattern; *p; p++)
		if (*p == ':' && (p == pattern || p[-1] == '/'))
			n++;
	return n;
}

static void check_match(const char *method, const char *path)
{
	_cleanup_free_ char *work = strdup(path);
	sp_req req = { 0 };
	unsigned status = 0;
	const sp_route *r;

	FUZZ_ASSERT(work);
	r = sp_router_match(method, work, &req, &status);
	FUZZ_ASSERT(status == 200 || status == 404 || status == 405);
	FUZZ_ASSERT((r != NULL) == (status == 200));
	if (!r) {
		FUZZ_ASSERT(req.n_params == 0);
		for (size_t i = 0; i < ELEMENTSOF(param_names); i++)
			FUZZ_ASSERT(!sp_req_param(&req, param_names[i]));
		return;
	}
	FUZZ_ASSERT(strcmp(r->method, method) == 0);
	FUZZ_ASSERT(r->handler);
	FUZZ_ASSERT(req.n_params <= SP_PATH_SEGS_MAX);
	FUZZ_ASSERT(req.n_params == count_params(r->pattern));
	for (size_t i = 0; i < req.n_params; i++) {
		const sp_param *p = &req.params[i];
		_cleanup_free_ char *name = NULL;

		FUZZ_ASSERT(p->name && p->value);
		/* A segment is never empty, and decoding never empties one. */
		FUZZ_ASSERT(*p->value);
		name = strndup(p->name, strcspn(p->name, "/"));
		FUZZ_ASSERT(name);
		FUZZ_ASSERT(sp_req_param(&req, name) == p->value);
	}
	for (size_t i = 0; i < ELEMENTSOF(param_names); i++) {
		const char *v = sp_req_param(&req, param_names[i]);

		FUZZ_ASSERT(!v || *v);
	}
}

static void check_allowed(const char *method, const char *path)
{
	_cleanup_free_ char *work = strdup(path);
	char whole[256];
	unsigned status = 0;
	size_t len;

	FUZZ_ASSERT(work);
	sp_router_match(method, work, &(sp_req){ 0 }, &status);

	sp_router_allowed(path, whole, sizeof(whole));
	len = strnlen(whole, sizeof(whole));
	FUZZ_ASSERT(len < sizeof(whole));
	/* Paths too long for its copy get no Allow value at all. */
	if (strlen(path) < 2048) {
		if (status == 404)
			FUZZ_ASSERT(len == 0);
		else if (status == 405)
			FUZZ_ASSERT(len > 0 && !strstr(whole, method));
		else
			FUZZ_ASSERT(strstr(whole, method));
	}
	for (size_t i = 0; i < ELEMENTSOF(allow_sizes); i++) {
		size_t size = allow_sizes[i];
		_cleanup_free_ char *buf = malloc(size);
		size_t n;

		FUZZ_ASSERT(buf);
		sp_router_allowed(path, buf, size);
		n = strnlen(buf, size);
		FUZZ_ASSERT(n < size);
		FUZZ_ASSERT(n == (len < size ? len : size - 1));
		FUZZ_ASSERT(memcmp(buf, whole, n) == 0);
	}
}

static void check_decode(const char *path, bool plus_is_space)
{
	_cleanup_free_ char *s = strdup(path);
	size_t in_len = strlen(path), escapes = 0;

	FUZZ_ASSERT(s);
	if (sp_percent_decode(s, plus_is_space) < 0) {
		FUZZ_ASSERT(strchr(path, '%'));
		return;
	}
	if (!strchr(path, '%') && !(plus_is_space && strchr(path, '+')))
		FUZZ_ASSERT(strcmp(s, path) == 0);
	/* Each escape gives one byte, so the length drops by two per '%'
	 * (a success means every '%' had two hex digits after it). */
	for (const char *p = path; *p; p++)
		if (*p == '%') {
			escapes++;
			p += 2;
		}
	FUZZ_ASSERT(strlen(s) == in_len - 2 * escapes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *path = NULL;
	const char *method;

	if (size == 0)
		return 0;
	method = methods[(data[0] & 0x7f) % ELEMENTSOF(methods)];
	path = fuzz_strndup(data + 1, size - 1);

	check_match(method, path);
	check_allowed(method, path);
	check_decode(path, data[0] & 0x80);
	return 0;
}
