// Where regions are: the server says, per connection config, through
// GET /spider/location (coordinates given on the region, from spiderd's
// table of public-cloud regions, or from the cloud's own region info).
// A connection whose place nobody knows (Source "unknown") is drawn at a
// fixed, labelled spot instead (see the map's legend).
import { get } from './api.js';

// The fixed spot for regions without coordinates (mid-Pacific, clear of land).
export const UNKNOWN_SPOT = [-8, -135];

export const SOURCE_TEXT = {
  region: 'given on the registered region',
  catalogue: "Spider's table of public-cloud regions",
  driver: "the cloud's own region information",
  unknown: 'not known',
};

// GET /spider/location → [{ConnectionName, ProviderName, RegionName, Region,
// Zone, Latitude, Longitude, BriefAddr, Source}]
export async function loadLocations() {
  const r = await get('/spider/location');
  return (r && r.location) || [];
}

export function hasCoords(l) {
  return !!l && l.Source !== 'unknown' && Number.isFinite(l.Latitude) && Number.isFinite(l.Longitude);
}

// {lat, lon, known} of a location entry (the fixed spot when unknown).
export function placeOf(l) {
  return hasCoords(l) ? { lat: l.Latitude, lon: l.Longitude, known: true } : { lat: UNKNOWN_SPOT[0], lon: UNKNOWN_SPOT[1], known: false };
}

// Great-circle distance in km.
export function haversineKm(a, b) {
  const R = 6371.0088, rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

// Where an MCIS VM is, in words, from its `location` ({latitude, longitude,
// briefAddr, cloudType, nativeRegion}; the first three absent when nobody
// knows): the place's name, else its coordinates, else "unknown".
export function fmtCoords(lat, lon) {
  const f = (v, pos, neg) => `${Math.abs(v).toFixed(2)}° ${v < 0 ? neg : pos}`;
  return `${f(lat, 'N', 'S')}, ${f(lon, 'E', 'W')}`;
}
export function vmPlace(loc) {
  const lat = loc?.latitude, lon = loc?.longitude;
  const coords = Number.isFinite(lat) && Number.isFinite(lon) ? fmtCoords(lat, lon) : '';
  if (loc?.briefAddr) return { text: loc.briefAddr, title: coords, known: true };
  if (coords) return { text: coords, title: 'no place name given for these coordinates', known: true };
  return { text: 'unknown', title: 'nobody knows where this region is', known: false };
}
