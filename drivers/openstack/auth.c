/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/auth.c - the Keystone v3 token of a session: password
 * login scoped to the project, endpoints from the token's catalogue,
 * renewal before expiry, and the compute microversion.
 */
#include "openstack.h"

#include <ctype.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

static inline void mutex_unlockp(pthread_mutex_t **m)
{
	if (*m)
		pthread_mutex_unlock(*m);
}

static pthread_mutex_t *mutex_lock(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	return m;
}

#define _cleanup_unlock_ _cleanup_(mutex_unlockp)

static json_t *login_body(sp_session *s)
{
	json_t *scope = s->project_is_id
		? json_pack("{s:{s:s}}", "project", "id", s->project)
		: json_pack("{s:{s:s, s:{s:s}}}", "project", "name", s->project, "domain", "name", s->domain);

	return json_pack("{s:{s:{s:[s], s:{s:{s:s, s:{s:s}, s:s}}}, s:o}}",
			 "auth", "identity", "methods", "password",
			 "password", "user", "name", s->username,
			 "domain", "name", s->domain, "password", s->password,
			 "scope", scope);
}

/* The endpoint URL as we use it: no trailing '/', and the API version in
 * it for neutron ("/v2.0") and glance ("/v2"), whose catalogue entries
 * usually name only the service's root. */
static char *endpoint_norm(const char *url, enum os_service svc)
{
	size_t n = strlen(url);
	const char *ver = svc == OS_NETWORK ? "/v2.0" : svc == OS_IMAGE ? "/v2" : "";
	char *out;

	while (n && url[n - 1] == '/')
		n--;
	if (*ver && n >= strlen(ver) && !strncmp(url + n - strlen(ver), ver, strlen(ver)))
		ver = "";
	if (asprintf(&out, "%.*s%s", (int)n, url, ver) < 0)
		return NULL;
	return out;
}

/* The compute version document's URL: the endpoint up to its "/v2.1". */
static int compute_mv(sp_session *s, const struct os_what *w, const char *compute,
		      unsigned *ret_mv, sp_error *err)
{
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *url = NULL;
	const char *v21 = strstr(compute, "/v2.1"), *max, *min;
	unsigned major, minor, lo_major, lo_minor;
	unsigned want;

	if (!v21)
		return sp_error_set(err, SP_ERR_CLOUD, "nova: the compute endpoint '%s' is not a v2.1 API", compute);
	if (asprintf(&url, "%.*s/", (int)(v21 + 5 - compute), compute) < 0) {
		url = NULL;
		return os_oom(err);
	}
	if (os_anon_call(s, w, OS_COMPUTE, "GET", url, NULL, &doc, NULL, err) < 0)
		return -1;
	max = json_string_value(json_object_get(json_object_get(doc, "version"), "version"));
	min = json_string_value(json_object_get(json_object_get(doc, "version"), "min_version"));
	if (!max || sscanf(max, "%u.%u", &major, &minor) != 2 || major != 2)
		return sp_error_set(err, SP_ERR_CLOUD, "nova: the version document at '%s' names no microversion", url);
	if (min && sscanf(min, "%u.%u", &lo_major, &lo_minor) == 2 && lo_major == 2 && lo_minor > OS_MV_MAX)
		return sp_error_set(err, SP_ERR_CLOUD, "nova at '%s' needs microversion %s or later; the driver knows up to 2.%d", compute, min, OS_MV_MAX);
	if (minor < OS_MV_MIN)
		return sp_error_set(err, SP_ERR_CLOUD, "nova at '%s' offers microversions up to %s; the driver needs 2.%d or later", compute, max, OS_MV_MIN);
	want = minor < OS_MV_MAX ? minor : OS_MV_MAX;
	*ret_mv = want;
	return 0;
}

struct login {
	char *token;
	double renew_at;
	char *project_id;
	char *endpoint[OS_SERVICE__COUNT];
};

static void login_clear(struct login *l)
{
	os_free_secret(l->token);
	free(l->project_id);
	for (int i = 0; i < OS_SERVICE__COUNT; i++)
		free(l->endpoint[i]);
}

static int login(sp_session *s, const struct os_what *w, struct login *l, sp_error *err)
{
	static const char *const types[OS_SERVICE__COUNT] = {
		[OS_COMPUTE] = "compute", [OS_NETWORK] = "network", [OS_IMAGE] = "image",
	};
	_cleanup_json_ json_t *body = login_body(s);
	_cleanup_json_ json_t *doc = NULL;
	json_t *token;
	double expires, issued;

	if (!body)
		return os_oom(err);
	if (os_anon_call(s, w, OS_IDENTITY, "POST", "/auth/tokens", body, &doc, &l->token, err) < 0) {
		if (err->code == SP_ERR_AUTH || err->code == SP_ERR_NOT_FOUND) {
			char why[SP_ERROR_MESSAGE_MAX];

			snprintf(why, sizeof(why), "%s", err->message);
			sp_error_set(err, SP_ERR_AUTH, "OpenStack at '%s' refused the credential of user '%s' (domain '%s', project '%s'): %s", s->identity, s->username, s->domain, s->project, why);
		}
		return -1;
	}
	token = json_object_get(doc, "token");
	expires = os_time_parse(json_string_value(json_object_get(token, "expires_at")));
	issued = os_time_parse(json_string_value(json_object_get(token, "issued_at")));
	if (expires < 0)
		return sp_error_set(err, SP_ERR_CLOUD, "keystone at '%s': the token has no valid 'expires_at'", s->identity);
	l->renew_at = os_token_renew_at(issued, expires);
	if (!(l->project_id = strdup(json_string_value(json_object_get(json_object_get(token, "project"), "id")) ?: "")))
		return os_oom(err);
	if (!*l->project_id)
		return sp_error_set(err, SP_ERR_CLOUD, "keystone at '%s': the token is not scoped to project '%s'", s->identity, s->project);
	if (!(l->endpoint[OS_IDENTITY] = strdup(s->identity)))
		return os_oom(err);
	for (int i = OS_COMPUTE; i < OS_SERVICE__COUNT; i++) {
		const char *url = os_catalog_url(token, types[i], s->region);

		if (!url)
			return sp_error_set(err, SP_ERR_INVALID, "the catalogue of OpenStack at '%s' has no '%s' endpoint in region '%s'", s->identity, types[i], s->region);
		if (!(l->endpoint[i] = endpoint_norm(url, (enum os_service)i)))
			return os_oom(err);
	}
	return 0;
}

int os_auth_ensure(sp_session *s, const struct os_what *w, bool force,
		   const char *seen, sp_error *err)
{
	_cleanup_unlock_ pthread_mutex_t *serial = mutex_lock(&s->login_lock);
	_cleanup_(login_clear) struct login l = { 0 };
	unsigned mv;
	bool need;

	pthread_mutex_lock(&s->lock);
	need = !s->token || os_now() >= s->renew_at ||
	       (force && (!seen || !strcmp(seen, s->token)));
	mv = s->microversion;
	pthread_mutex_unlock(&s->lock);
	if (!need)
		return 0;
	if (login(s, w, &l, err) < 0)
		return -1;
	if (!mv && compute_mv(s, w, l.endpoint[OS_COMPUTE], &mv, err) < 0)
		return -1;
	pthread_mutex_lock(&s->lock);
	os_free_secret(s->token);
	s->token = TAKE_PTR(l.token);
	s->renew_at = l.renew_at;
	free(s->project_id);
	s->project_id = TAKE_PTR(l.project_id);
	for (int i = 0; i < OS_SERVICE__COUNT; i++) {
		free(s->endpoint[i]);
		s->endpoint[i] = TAKE_PTR(l.endpoint[i]);
	}
	s->microversion = mv;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int os_auth_get(sp_session *s, const struct os_what *w, enum os_service svc,
		char **ret_token, char **ret_url, unsigned *ret_mv,
		sp_error *err)
{
	char *token, *url;
	bool fresh;

	pthread_mutex_lock(&s->lock);
	fresh = s->token && os_now() < s->renew_at;
	pthread_mutex_unlock(&s->lock);
	if (!fresh && os_auth_ensure(s, w, false, NULL, err) < 0)
		return -1;
	pthread_mutex_lock(&s->lock);
	token = s->token ? strdup(s->token) : NULL;
	url = s->endpoint[svc] ? strdup(s->endpoint[svc]) : NULL;
	*ret_mv = s->microversion;
	pthread_mutex_unlock(&s->lock);
	if (!token || !url) {
		os_free_secret(token);
		free(url);
		return os_oom(err);
	}
	*ret_token = token;
	*ret_url = url;
	return 0;
}

int os_project(sp_session *s, const struct os_what *w, char **ret_id, sp_error *err)
{
	_cleanup_(os_free_secretp) char *token = NULL;
	_cleanup_free_ char *url = NULL;
	unsigned mv;
	char *id;

	if (os_auth_get(s, w, OS_IDENTITY, &token, &url, &mv, err) < 0)
		return -1;
	pthread_mutex_lock(&s->lock);
	id = strdup(s->project_id ? s->project_id : "");
	pthread_mutex_unlock(&s->lock);
	if (!id)
		return os_oom(err);
	*ret_id = id;
	return 0;
}
