/* SPDX-License-Identifier: Apache-2.0 */
/* Server routes: version, health, readiness, endpoint banner. */
#include <stdatomic.h>

#include "rest/rest.h"

#ifndef SPIDER_VERSION
#define SPIDER_VERSION "0.0.0"
#endif

static int h_version(sp_req *req, json_t **ret, sp_error *err)
{
	*ret = json_pack("{s:s}", "Version", "Spider v" SPIDER_VERSION);
	return *ret ? 0 : sp_error_oom(err);
}

/* Liveness: the process answers. */
static int h_health(sp_req *req, json_t **ret, sp_error *err)
{
	*ret = json_pack("{s:s}", "message", "CB-Spider is ready");
	return *ret ? 0 : sp_error_oom(err);
}

/* Readiness: the metadata store answers too. */
static int h_readyz(sp_req *req, json_t **ret, sp_error *err)
{
	if (sp_store_ping(req->core->store, err) < 0) {
		err->code = SP_ERR_UNAVAILABLE;
		return -1;
	}
	return h_health(req, ret, err);
}

static int h_endpointinfo(sp_req *req, json_t **ret, sp_error *err)
{
	const char *url = atomic_load(&req->core->url);

	if (!url)
		url = "";
	if (asprintf(&req->text,
		     "\n  <Spider v%s>\n\n"
		     "  - REST API: %s/spider\n"
		     "  - Version: %s/spider/version\n"
		     "  - Health: %s/spider/readyz\n\n",
		     SPIDER_VERSION, url, url, url) < 0) {
		req->text = NULL;
		return sp_error_oom(err);
	}
	return 0;
}

const sp_route sp_routes_server[] = {
	{ "GET", "/spider/version", h_version, true },
	{ "GET", "/spider/ver", h_version, true },
	{ "GET", "/spider/health", h_health, true },
	{ "GET", "/spider/healthcheck", h_health, true },
	{ "GET", "/spider/ping", h_health, true },
	{ "GET", "/spider/readyz", h_readyz, true },
	{ "GET", "/spider/endpointinfo", h_endpointinfo, true },
	{ NULL, NULL, NULL, false },
};
