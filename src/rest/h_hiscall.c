/* SPDX-License-Identifier: Apache-2.0 */
/* GET /spider/callhistory: the call history with filters (extension). */
#include "core/hiscall.h"
#include "rest/rest.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 10000

static int time_arg(const sp_req *req, const char *key, int64_t *ret,
		    sp_error *err)
{
	const char *v;

	if (sp_req_string(req, key, false, &v, err) < 0)
		return -1;
	*ret = 0;
	if (sp_isempty(v))
		return 0;
	if (sp_time_parse_rfc3339(v, ret) < 0)
		return sp_error_set(err, SP_ERR_INVALID,
				    "%s '%.64s' must be an RFC 3339 UTC time such as 2026-01-02T15:04:05Z",
				    key, v);
	/* 0 means "open" to the store: Until the epoch itself means before
	 * anything was recorded, which -1 says as well. */
	if (*ret == 0 && strcmp(key, "Until") == 0)
		*ret = -1;
	return 0;
}

static json_t *rec_json(const sp_hiscall_rec *r)
{
	char when[40], elapsed[32];

	sp_time_format_rfc3339(r->time_ms, when, sizeof(when));
	snprintf(elapsed, sizeof(elapsed), "%.4f", r->elapsed);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			 "Time", when, "ConnectionName", r->connection,
			 "CloudOS", r->cloudos, "RegionZone", r->regionzone,
			 "ResourceType", r->resource_type,
			 "ResourceName", r->resource_name,
			 "CloudOSAPI", r->cloud_api, "ElapsedTime", elapsed,
			 "ErrorMSG", r->error);
}

static int h_callhistory(sp_req *req, json_t **ret, sp_error *err)
{
	sp_hiscall_filter f = { .limit = LIMIT_DEFAULT };
	_cleanup_json_ json_t *arr = json_array();
	sp_hiscall_rec *recs = NULL;
	const char *errors, *limit;
	size_t n = 0;
	int64_t lim;
	int rc = -1;

	if (!arr)
		return sp_error_oom(err);
	if (sp_req_string(req, "ConnectionName", false, &f.connection, err) < 0 ||
	    sp_req_string(req, "ResourceType", false, &f.resource_type, err) < 0 ||
	    sp_req_string(req, "ErrorOnly", false, &errors, err) < 0 ||
	    sp_req_string(req, "Limit", false, &limit, err) < 0 ||
	    time_arg(req, "Since", &f.since_ms, err) < 0 ||
	    time_arg(req, "Until", &f.until_ms, err) < 0)
		return -1;
	if (sp_isempty(f.connection))
		f.connection = NULL;
	if (sp_isempty(f.resource_type))
		f.resource_type = NULL;
	if (!sp_isempty(errors)) {
		if (strcasecmp(errors, "true") == 0)
			f.errors_only = true;
		else if (strcasecmp(errors, "false") != 0)
			return sp_error_set(err, SP_ERR_INVALID,
					    "ErrorOnly '%.32s' must be true or false", errors);
	}
	if (!sp_isempty(limit)) {
		if (sp_parse_int64(limit, 1, LIMIT_MAX, &lim) < 0)
			return sp_error_set(err, SP_ERR_INVALID,
					    "Limit '%.32s' must be a number from 1 to %d",
					    limit, LIMIT_MAX);
		f.limit = (size_t)lim;
	}
	if (f.since_ms && f.until_ms && f.since_ms > f.until_ms)
		return sp_error_set(err, SP_ERR_INVALID, "Since is later than Until");

	/* Show every call made before this request. */
	sp_hiscall_flush(req->core->hiscall);
	if (sp_store_hiscall_query(req->core->store, &f, &recs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(arr, rec_json(&recs[i])) < 0) {
			sp_error_oom(err);
			goto out;
		}
	*ret = json_pack("{s:O}", "callhistory", arr);
	rc = *ret ? 0 : sp_error_oom(err);
out:
	sp_hiscall_recs_free(recs, n);
	return rc;
}

const sp_route sp_routes_hiscall[] = {
	{ "GET", "/spider/callhistory", h_callhistory, false },
	{ NULL, NULL, NULL, false },
};
