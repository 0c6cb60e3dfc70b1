import { get, enc } from './api.js';

// Provider names and per-provider metadata (credential keys etc.), cached.
let cloudosP = null;
const meta = new Map();

export function cloudos() {
  if (!cloudosP) cloudosP = get('/spider/cloudos').then((r) => r.cloudos || []).catch((e) => { cloudosP = null; throw e; });
  return cloudosP;
}
export function metainfo(provider) {
  if (!meta.has(provider)) {
    meta.set(provider, get(`/spider/cloudos/metainfo/${enc(provider)}`).catch((e) => { meta.delete(provider); throw e; }));
  }
  return meta.get(provider);
}
export const HIDDEN = 'Hidden for security.';
