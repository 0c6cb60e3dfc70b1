/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/place.h - placement: where each connection's region is, and which
 * specs over all connections suit a request best (the reference's §10
 * recommendation, with every priority weighed instead of the last one
 * winning).
 */
#ifndef SP_CORE_PLACE_H
#define SP_CORE_PLACE_H

#include "core/core.h"

/* {"location":[{ConnectionName, ProviderName, RegionName, Region, Zone,
 * Latitude, Longitude, BriefAddr, Source}]} for every connection config.
 * A region's location comes from its Latitude/Longitude keys (Source
 * "region"), else the daemon's table of public regions ("catalogue"),
 * else the cloud's RegionZoneInfo ("driver", asked concurrently with a
 * deadline and remembered); else Source is "unknown" and the three
 * location keys are absent. */
int sp_place_locations(sp_core *core, json_t **ret, sp_error *err);

/* Where one connection is, in the MCIS layer's shape: {latitude,
 * longitude, briefAddr, cloudType, nativeRegion}, the first three only
 * when known (found as sp_place_locations finds them).  NOT_FOUND when
 * there is no such connection config. */
int sp_place_connection(sp_core *core, const char *conn, json_t **ret, sp_error *err);
/* Rank the specs of every connection (or body.connections) for a
 * request {filter:{policy:[...]}, priority:{policy:[...]}, limit,
 * connections}: {"recommendation":[...], "candidates":N, "errors":[...]}.
 * A connection whose specs cannot be read goes to errors; bad input
 * fails with SP_ERR_INVALID naming the field. */
int sp_place_recommend(sp_core *core, const json_t *body, json_t **ret,
		       sp_error *err);

#endif
