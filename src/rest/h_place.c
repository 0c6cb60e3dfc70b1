/* SPDX-License-Identifier: Apache-2.0 */
/* Placement: where the connections are, and spec recommendations. */
#include "core/place.h"
#include "rest/rest.h"

static int h_location(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_place_locations(req->core, ret, err);
}

static int h_recommendvm(sp_req *req, json_t **ret, sp_error *err)
{
	return sp_place_recommend(req->core, req->body, ret, err);
}

const sp_route sp_routes_place[] = {
	{ "GET", "/spider/location", h_location, false },
	{ "POST", "/spider/recommendvm", h_recommendvm, false },
	{ NULL, NULL, NULL, false },
};
