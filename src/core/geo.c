/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/geo.c - the public clouds' regions on the map.  Coordinates are
 * those of the city each provider names for the region (to a tenth of a
 * degree): enough to rank regions by distance, not to find a building.
 */
#include "core/geo.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/macros.h"

static const struct region_geo {
	const char *provider, *region, *addr;
	double lat, lon;
} regions[] = {
	{ "AWS", "us-east-1", "N. Virginia, US", 38.9, -77.4 },
	{ "AWS", "us-east-2", "Ohio, US", 40.0, -83.0 },
	{ "AWS", "us-west-1", "N. California, US", 37.4, -122.0 },
	{ "AWS", "us-west-2", "Oregon, US", 45.8, -119.7 },
	{ "AWS", "ca-central-1", "Montreal, CA", 45.5, -73.6 },
	{ "AWS", "sa-east-1", "Sao Paulo, BR", -23.5, -46.6 },
	{ "AWS", "eu-west-1", "Dublin, IE", 53.3, -6.3 },
	{ "AWS", "eu-west-2", "London, GB", 51.5, -0.1 },
	{ "AWS", "eu-west-3", "Paris, FR", 48.9, 2.4 },
	{ "AWS", "eu-central-1", "Frankfurt, DE", 50.1, 8.7 },
	{ "AWS", "eu-central-2", "Zurich, CH", 47.4, 8.5 },
	{ "AWS", "eu-north-1", "Stockholm, SE", 59.3, 18.1 },
	{ "AWS", "eu-south-1", "Milan, IT", 45.5, 9.2 },
	{ "AWS", "eu-south-2", "Aragon, ES", 41.6, -0.9 },
	{ "AWS", "ap-northeast-1", "Tokyo, JP", 35.7, 139.7 },
	{ "AWS", "ap-northeast-2", "Seoul, KR", 37.6, 127.0 },
	{ "AWS", "ap-northeast-3", "Osaka, JP", 34.7, 135.5 },
	{ "AWS", "ap-southeast-1", "Singapore, SG", 1.4, 103.8 },
	{ "AWS", "ap-southeast-2", "Sydney, AU", -33.9, 151.2 },
	{ "AWS", "ap-southeast-3", "Jakarta, ID", -6.2, 106.8 },
	{ "AWS", "ap-south-1", "Mumbai, IN", 19.1, 72.9 },
	{ "AWS", "ap-south-2", "Hyderabad, IN", 17.4, 78.5 },
	{ "AWS", "ap-east-1", "Hong Kong", 22.3, 114.2 },
	{ "AWS", "me-south-1", "Bahrain, BH", 26.1, 50.6 },
	{ "AWS", "me-central-1", "UAE", 24.5, 54.4 },
	{ "AWS", "af-south-1", "Cape Town, ZA", -33.9, 18.4 },
	{ "GCP", "us-central1", "Iowa, US", 41.3, -95.9 },
	{ "GCP", "us-east1", "South Carolina, US", 33.2, -80.0 },
	{ "GCP", "us-east4", "N. Virginia, US", 39.0, -77.5 },
	{ "GCP", "us-west1", "Oregon, US", 45.6, -121.2 },
	{ "GCP", "us-west2", "Los Angeles, US", 34.1, -118.2 },
	{ "GCP", "northamerica-northeast1", "Montreal, CA", 45.5, -73.6 },
	{ "GCP", "southamerica-east1", "Sao Paulo, BR", -23.5, -46.6 },
	{ "GCP", "europe-west1", "St. Ghislain, BE", 50.4, 3.8 },
	{ "GCP", "europe-west2", "London, GB", 51.5, -0.1 },
	{ "GCP", "europe-west3", "Frankfurt, DE", 50.1, 8.7 },
	{ "GCP", "europe-west4", "Eemshaven, NL", 53.4, 6.8 },
	{ "GCP", "europe-north1", "Hamina, FI", 60.6, 27.2 },
	{ "GCP", "asia-east1", "Changhua, TW", 24.1, 120.7 },
	{ "GCP", "asia-east2", "Hong Kong", 22.3, 114.2 },
	{ "GCP", "asia-northeast1", "Tokyo, JP", 35.7, 139.7 },
	{ "GCP", "asia-northeast2", "Osaka, JP", 34.7, 135.5 },
	{ "GCP", "asia-northeast3", "Seoul, KR", 37.6, 127.0 },
	{ "GCP", "asia-southeast1", "Jurong West, SG", 1.4, 103.7 },
	{ "GCP", "asia-south1", "Mumbai, IN", 19.1, 72.9 },
	{ "GCP", "australia-southeast1", "Sydney, AU", -33.9, 151.2 },
	{ "AZURE", "eastus", "Virginia, US", 37.4, -79.4 },
	{ "AZURE", "eastus2", "Virginia, US", 36.7, -78.4 },
	{ "AZURE", "westus", "California, US", 37.8, -122.4 },
	{ "AZURE", "westus2", "Washington, US", 47.2, -119.9 },
	{ "AZURE", "centralus", "Iowa, US", 41.6, -93.6 },
	{ "AZURE", "canadacentral", "Toronto, CA", 43.7, -79.4 },
	{ "AZURE", "brazilsouth", "Sao Paulo, BR", -23.6, -46.6 },
	{ "AZURE", "northeurope", "Ireland", 53.3, -6.3 },
	{ "AZURE", "westeurope", "Netherlands", 52.4, 4.9 },
	{ "AZURE", "uksouth", "London, GB", 50.9, -0.8 },
	{ "AZURE", "francecentral", "Paris, FR", 46.3, 2.4 },
	{ "AZURE", "germanywestcentral", "Frankfurt, DE", 50.1, 8.7 },
	{ "AZURE", "koreacentral", "Seoul, KR", 37.6, 127.0 },
	{ "AZURE", "koreasouth", "Busan, KR", 35.2, 129.1 },
	{ "AZURE", "japaneast", "Tokyo, JP", 35.7, 139.8 },
	{ "AZURE", "japanwest", "Osaka, JP", 34.7, 135.5 },
	{ "AZURE", "southeastasia", "Singapore, SG", 1.3, 103.8 },
	{ "AZURE", "eastasia", "Hong Kong", 22.3, 114.2 },
	{ "AZURE", "australiaeast", "New South Wales, AU", -33.9, 151.2 },
	{ "AZURE", "centralindia", "Pune, IN", 18.6, 73.9 },
	{ "ALIBABA", "cn-hangzhou", "Hangzhou, CN", 30.3, 120.2 },
	{ "ALIBABA", "cn-shanghai", "Shanghai, CN", 31.2, 121.5 },
	{ "ALIBABA", "cn-beijing", "Beijing, CN", 39.9, 116.4 },
	{ "ALIBABA", "cn-shenzhen", "Shenzhen, CN", 22.5, 114.1 },
	{ "ALIBABA", "cn-hongkong", "Hong Kong", 22.3, 114.2 },
	{ "ALIBABA", "ap-southeast-1", "Singapore, SG", 1.4, 103.8 },
	{ "ALIBABA", "ap-northeast-1", "Tokyo, JP", 35.7, 139.7 },
	{ "ALIBABA", "ap-northeast-2", "Seoul, KR", 37.6, 127.0 },
	{ "ALIBABA", "us-west-1", "Silicon Valley, US", 37.4, -122.0 },
	{ "ALIBABA", "us-east-1", "Virginia, US", 38.9, -77.4 },
	{ "ALIBABA", "eu-central-1", "Frankfurt, DE", 50.1, 8.7 },
	{ "ALIBABA", "eu-west-1", "London, GB", 51.5, -0.1 },
	{ "TENCENT", "ap-seoul", "Seoul, KR", 37.6, 127.0 },
	{ "TENCENT", "ap-tokyo", "Tokyo, JP", 35.7, 139.7 },
	{ "TENCENT", "ap-guangzhou", "Guangzhou, CN", 23.1, 113.3 },
	{ "TENCENT", "ap-shanghai", "Shanghai, CN", 31.2, 121.5 },
	{ "TENCENT", "ap-beijing", "Beijing, CN", 39.9, 116.4 },
	{ "TENCENT", "ap-singapore", "Singapore, SG", 1.4, 103.8 },
	{ "TENCENT", "na-siliconvalley", "Silicon Valley, US", 37.4, -122.0 },
	{ "TENCENT", "eu-frankfurt", "Frankfurt, DE", 50.1, 8.7 },
	{ "IBM", "us-south", "Dallas, US", 32.8, -96.8 },
	{ "IBM", "us-east", "Washington DC, US", 38.9, -77.4 },
	{ "IBM", "ca-tor", "Toronto, CA", 43.7, -79.4 },
	{ "IBM", "br-sao", "Sao Paulo, BR", -23.5, -46.6 },
	{ "IBM", "eu-de", "Frankfurt, DE", 50.1, 8.7 },
	{ "IBM", "eu-gb", "London, GB", 51.5, -0.1 },
	{ "IBM", "jp-tok", "Tokyo, JP", 35.7, 139.7 },
	{ "IBM", "jp-osa", "Osaka, JP", 34.7, 135.5 },
	{ "IBM", "au-syd", "Sydney, AU", -33.9, 151.2 },
	{ "NCP", "KR", "Seoul, KR", 37.4, 127.1 },
	{ "NCP", "JPN", "Tokyo, JP", 35.7, 139.7 },
	{ "NCP", "SGN", "Singapore, SG", 1.4, 103.8 },
	{ "NCP", "USWN", "California, US", 37.4, -122.0 },
	{ "NCP", "DEN", "Frankfurt, DE", 50.1, 8.7 },
	{ "KT", "KR1", "Seoul, KR", 37.4, 127.1 },
	{ "KTCLASSIC", "KR1", "Seoul, KR", 37.4, 127.1 },
	{ "NHN", "KR1", "Pangyo, KR", 37.4, 127.1 },
	{ "NHN", "KR2", "Pyeongchon, KR", 37.4, 126.9 },
	{ "NHN", "JP1", "Tokyo, JP", 35.7, 139.7 },
};

bool sp_geo_catalogue(const char *provider, const char *region, sp_geo *ret)
{
	if (!provider || !region)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(regions); i++)
		if (!strcasecmp(regions[i].provider, provider) &&
		    !strcasecmp(regions[i].region, region)) {
			*ret = (sp_geo){ regions[i].lat, regions[i].lon, regions[i].addr };
			return true;
		}
	return false;
}

double sp_geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0, r_km = 6371.0088;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1)
		a = 1;
	return 2 * r_km * asin(sqrt(a));
}

bool sp_geo_parse_degrees(const char *text, double max, double *ret)
{
	char *end = NULL;
	double v;

	if (!text)
		return false;
	while (isspace((unsigned char)*text))
		text++;
	/* A sign, a digit or a point first: no "nan", "inf" or hex. */
	if (!(isdigit((unsigned char)*text) || strchr("+-.", *text)) || !*text ||
	    strpbrk(text, "xXnN"))
		return false;
	errno = 0;
	v = strtod(text, &end);
	while (end && isspace((unsigned char)*end))
		end++;
	if (end == text || !end || *end || errno || !isfinite(v) || v < -max || v > max)
		return false;
	*ret = v;
	return true;
}

bool sp_geo_parse_point(const char *text, double *ret_lat, double *ret_lon)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	char lat[64];
	double la, lo;

	if (!slash || (size_t)(slash - text) >= sizeof(lat))
		return false;
	memcpy(lat, text, (size_t)(slash - text));
	lat[slash - text] = '\0';
	if (!sp_geo_parse_degrees(lat, 90, &la) ||
	    !sp_geo_parse_degrees(slash + 1, 180, &lo))
		return false;
	*ret_lat = la;
	*ret_lon = lo;
	return true;
}
