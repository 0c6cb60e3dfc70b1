/* SPDX-License-Identifier: Apache-2.0 */
#include "rest/rest.h"
#include "util/json.h"

static const sp_route *const tables[] = {
	/* catalog before cim: /driver/capability shadows /driver/:DriverName */
	sp_routes_server, sp_routes_catalog, sp_routes_cim, sp_routes_hiscall,
	sp_routes_res, sp_routes_events, sp_routes_mcis, sp_routes_session,
	sp_routes_place,
};

/* Split path on '/' in place; empty segments (a trailing slash, "//")
 * are skipped, so "/spider/driver/" is "/spider/driver". */
static size_t split(char *path, char **segs, size_t max, bool *overflow)
{
	size_t n = 0;

	*overflow = false;
	for (char *p = path; *p;) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == max) {
			*overflow = true;
			return n;
		}
		segs[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return n;
}

/* Does the route's pattern match segs?  Fills req->params on a match. */
static bool pattern_match(const char *pattern, char **segs, size_t n,
			  sp_req *req)
{
	const char *p = pattern;
	size_t i = 0, np = 0;

	while (*p) {
		const char *end;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		len = (size_t)(end - p);
		if (i == n)
			return false;
		if (*p == ':') {
			if (req) {
				req->params[np].name = p + 1;
				req->params[np].value = segs[i];
			}
			np++;
		} else if (strlen(segs[i]) != len || strncmp(segs[i], p, len) != 0) {
			return false;
		}
		i++;
		p = end;
	}
	if (i != n)
		return false;
	if (req)
		req->n_params = np;
	return true;
}

const sp_route *sp_router_match(const char *method, char *path, sp_req *req,
				unsigned *ret_status)
{
	char *segs[SP_PATH_SEGS_MAX];
	bool overflow, path_known = false;
	size_t n = split(path, segs, SP_PATH_SEGS_MAX, &overflow);

	*ret_status = 404;
	if (overflow)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (sp_percent_decode(segs[i], false) < 0)
			return NULL;
	for (size_t t = 0; t < ELEMENTSOF(tables); t++)
		for (const sp_route *r = tables[t]; r->pattern; r++) {
			if (!pattern_match(r->pattern, segs, n, NULL))
				continue;
			if (strcmp(r->method, method) != 0) {
				path_known = true;
				continue;
			}
			pattern_match(r->pattern, segs, n, req);
			if (req)
				req->route = r;
			*ret_status = 200;
			return r;
		}
	*ret_status = path_known ? 405 : 404;
	return NULL;
}

void sp_router_allowed(const char *path, char *buf, size_t size)
{
	char copy[2048], *segs[SP_PATH_SEGS_MAX];
	bool overflow;
	size_t n, len = 0;

	buf[0] = '\0';
	if (strlen(path) >= sizeof(copy))
		return;
	snprintf(copy, sizeof(copy), "%s", path);
	n = split(copy, segs, SP_PATH_SEGS_MAX, &overflow);
	if (overflow)
		return;
	for (size_t i = 0; i < n; i++)
		if (sp_percent_decode(segs[i], false) < 0)
			return;
	for (size_t t = 0; t < ELEMENTSOF(tables); t++)
		for (const sp_route *r = tables[t]; r->pattern; r++) {
			if (!pattern_match(r->pattern, segs, n, NULL) ||
			    strstr(buf, r->method))
				continue;
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
						len ? ", " : "", r->method);
			if (len >= size) {
				buf[size - 1] = '\0';
				return;
			}
		}
}

/* The strings inside the segment names (":DriverName") need the ':' gone;
 * params store the name after the colon, up to the next '/'. */
const char *sp_req_param(const sp_req *req, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < req->n_params; i++)
		if (strncmp(req->params[i].name, name, len) == 0 &&
		    (req->params[i].name[len] == '\0' || req->params[i].name[len] == '/'))
			return req->params[i].value;
	return NULL;
}

const char *sp_req_query(const sp_req *req, const char *key)
{
	const char *found = NULL;

	for (size_t i = 0; i < req->n_query; i++)
		if (strcasecmp(req->query[i].name, key) == 0)
			found = req->query[i].value;
	return found;
}

int sp_req_string(const sp_req *req, const char *key, bool required,
		  const char **ret, sp_error *err)
{
	const char *v = NULL;

	if (sp_json_string(req->body, key, false, &v, err) < 0)
		return -1;
	if (sp_isempty(v))
		v = sp_req_query(req, key);
	if (required && sp_isempty(v))
		return sp_error_set(err, SP_ERR_INVALID, "%s is empty!", key);
	*ret = v;
	return 0;
}

int sp_req_connection(const sp_req *req, const char **ret, sp_error *err)
{
	return sp_req_string(req, "ConnectionName", true, ret, err);
}

int sp_req_open_conn(sp_req *req, sp_conn **ret, sp_error *err)
{
	const char *name;

	if (sp_req_connection(req, &name, err) < 0 ||
	    sp_conn_acquire(req->core, name, &req->conn, err) < 0)
		return -1;
	*ret = req->conn;
	return 0;
}

unsigned sp_http_status(sp_errcode code)
{
	switch (code) {
	case SP_ERR_INVALID: return 400;
	case SP_ERR_AUTH: return 401;
	case SP_ERR_FORBIDDEN: return 403;
	case SP_ERR_NOT_FOUND: return 404;
	case SP_ERR_CONFLICT: return 409;
	case SP_ERR_TOO_LARGE: return 413;
	case SP_ERR_UNSUPPORTED: return 501;
	case SP_ERR_CLOUD: return 502;
	case SP_ERR_UNAVAILABLE: return 503;
	case SP_ERR_TIMEOUT: return 504;
	case SP_ERR_NONE:
	case SP_ERR_INTERNAL:
	default: return 500;
	}
}

const char *sp_http_code_name(sp_errcode code)
{
	switch (code) {
	case SP_ERR_INVALID: return "BadRequest";
	case SP_ERR_AUTH: return "Unauthorized";
	case SP_ERR_FORBIDDEN: return "Forbidden";
	case SP_ERR_NOT_FOUND: return "NotFound";
	case SP_ERR_CONFLICT: return "Conflict";
	case SP_ERR_TOO_LARGE: return "PayloadTooLarge";
	case SP_ERR_UNSUPPORTED: return "NotImplemented";
	case SP_ERR_CLOUD: return "CloudError";
	case SP_ERR_UNAVAILABLE: return "Unavailable";
	case SP_ERR_TIMEOUT: return "CloudTimeout";
	case SP_ERR_NONE:
	case SP_ERR_INTERNAL:
	default: return "Internal";
	}
}

json_t *sp_error_json(const sp_error *err)
{
	/* json_string() refuses invalid UTF-8; never lose the error for it. */
	json_t *msg = json_string(err->message);

	if (!msg)
		msg = json_string("(error message is not valid UTF-8)");
	return json_pack("{s:o,s:s}", "message", msg, "code",
			 sp_http_code_name(err->code));
}

json_t *sp_json_result_true(void)
{
	return json_pack("{s:s}", "Result", "true");
}

json_t *sp_json_count(size_t n)
{
	return json_pack("{s:I}", "count", (json_int_t)n);
}
