/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/geo.h - where cloud regions are: the public clouds' regions by
 * name (approximate city coordinates), great-circle distances, and the
 * "lat/lon" points of the placement API.
 */
#ifndef SP_CORE_GEO_H
#define SP_CORE_GEO_H

#include <stdbool.h>

typedef struct sp_geo {
	double lat, lon;    /* degrees: -90..90, -180..180 */
	const char *addr;   /* a brief place name, static */
} sp_geo;

/* The known location of a provider's region (provider and region as
 * registered, any case); false when the table does not know it. */
bool sp_geo_catalogue(const char *provider, const char *region, sp_geo *ret);

/* Great-circle distance in kilometres (haversine, mean Earth radius). */
double sp_geo_distance_km(double lat1, double lon1, double lat2, double lon2);

/* Parse "lat/lon" (decimal degrees, in range); false when malformed. */
bool sp_geo_parse_point(const char *text, double *ret_lat, double *ret_lon);

/* Parse one coordinate given as text: a finite decimal number within
 * [-max, max]; false otherwise. */
bool sp_geo_parse_degrees(const char *text, double max, double *ret);

#endif
