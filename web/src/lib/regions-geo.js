// Where known provider regions are (approximate city coordinates).  The
// API has no coordinates for regions yet, so the map uses this table;
// regions it does not know (such as the MOCK cloud's) are drawn at a
// fixed, labelled spot instead (see the map's legend).
export const REGION_GEO = {
  AWS: {
    'us-east-1': [38.9, -77.4], 'us-east-2': [40.0, -83.0], 'us-west-1': [37.4, -122.0], 'us-west-2': [45.8, -119.7],
    'ca-central-1': [45.5, -73.6], 'sa-east-1': [-23.5, -46.6], 'eu-west-1': [53.3, -6.3], 'eu-west-2': [51.5, -0.1],
    'eu-west-3': [48.9, 2.4], 'eu-central-1': [50.1, 8.7], 'eu-north-1': [59.3, 18.1], 'eu-south-1': [45.5, 9.2],
    'ap-northeast-1': [35.7, 139.7], 'ap-northeast-2': [37.6, 127.0], 'ap-northeast-3': [34.7, 135.5],
    'ap-southeast-1': [1.35, 103.8], 'ap-southeast-2': [-33.9, 151.2], 'ap-south-1': [19.1, 72.9],
    'ap-east-1': [22.3, 114.2], 'me-south-1': [26.1, 50.6], 'af-south-1': [-33.9, 18.4],
  },
  GCP: {
    'us-central1': [41.3, -95.9], 'us-east1': [33.2, -80.0], 'us-east4': [39.0, -77.5], 'us-west1': [45.6, -121.2],
    'us-west2': [34.1, -118.2], 'europe-west1': [50.4, 3.8], 'europe-west2': [51.5, -0.1], 'europe-west3': [50.1, 8.7],
    'europe-west4': [53.4, 6.8], 'asia-east1': [24.1, 120.7], 'asia-northeast1': [35.7, 139.7],
    'asia-northeast3': [37.6, 127.0], 'asia-southeast1': [1.35, 103.8], 'australia-southeast1': [-33.9, 151.2],
    'southamerica-east1': [-23.5, -46.6], 'asia-south1': [19.1, 72.9],
  },
  AZURE: {
    eastus: [37.4, -79.4], eastus2: [36.7, -78.4], westus: [37.8, -122.4], westus2: [47.2, -119.9],
    centralus: [41.6, -93.6], northeurope: [53.3, -6.3], westeurope: [52.4, 4.9], uksouth: [50.9, -0.8],
    koreacentral: [37.6, 127.0], koreasouth: [35.2, 129.1], japaneast: [35.7, 139.8], southeastasia: [1.3, 103.8],
    australiaeast: [-33.9, 151.2], brazilsouth: [-23.6, -46.6], centralindia: [18.6, 73.9],
  },
  ALIBABA: {
    'cn-hangzhou': [30.3, 120.2], 'cn-shanghai': [31.2, 121.5], 'cn-beijing': [39.9, 116.4], 'cn-hongkong': [22.3, 114.2],
    'ap-southeast-1': [1.35, 103.8], 'ap-northeast-1': [35.7, 139.7], 'us-west-1': [37.4, -122.0], 'eu-central-1': [50.1, 8.7],
  },
  NCP: { KR: [37.4, 127.1], JPN: [35.7, 139.7], SGN: [1.35, 103.8], USWN: [37.4, -122.0], DEN: [50.1, 8.7] },
  KT: { KR1: [37.4, 127.1], DX_M1: [37.4, 127.1] },
  NHN: { KR1: [37.4, 127.1], KR2: [35.2, 126.9], JP1: [35.7, 139.7] },
  IBM: { 'us-south': [32.8, -96.8], 'us-east': [38.9, -77.4], 'eu-de': [50.1, 8.7], 'eu-gb': [51.5, -0.1], 'jp-tok': [35.7, 139.7], 'au-syd': [-33.9, 151.2] },
  TENCENT: { 'ap-seoul': [37.6, 127.0], 'ap-tokyo': [35.7, 139.7], 'ap-guangzhou': [23.1, 113.3], 'ap-shanghai': [31.2, 121.5], 'ap-singapore': [1.35, 103.8] },
};

// The fixed spot for regions without coordinates (mid-Pacific, clear of land).
export const UNKNOWN_SPOT = [-8, -135];

export function regionLatLon(provider, region) {
  const t = REGION_GEO[(provider || '').toUpperCase()];
  const v = t && t[region];
  return v ? { lat: v[0], lon: v[1], known: true } : { lat: UNKNOWN_SPOT[0], lon: UNKNOWN_SPOT[1], known: false };
}
