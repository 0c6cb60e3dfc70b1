// Client-side checks that mirror the API's rules, so a mistake is shown
// next to its field before anything is sent.  The API's own answer (such
// as a 409 for a duplicate name) is shown next to the field too.
export function nsName(v) {
  if (!v) return 'Enter a name.';
  if (v.length > 63) return 'At most 63 characters.';
  if (!/^[a-z0-9-]+$/.test(v)) return 'Use lower-case letters, digits and "-" only.';
  return '';
}
export function objName(v, label = 'a name') {
  if (!v) return `Enter ${label}.`;
  if (v.length > 128) return 'At most 128 characters.';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)) return 'Use letters, digits, ".", "_" and "-", starting with a letter or digit.';
  return '';
}
// Which field a server message is about (Spider names the field).
export function fieldOf(message, fields) {
  const m = (message || '').toLowerCase();
  for (const f of fields) if (m.includes(f.toLowerCase())) return f;
  return null;
}
// Errors of credential key rows, by row index.
export function credRowErrors(rows) {
  const out = {};
  rows.forEach((r, i) => {
    if (!r.key.trim()) out[i] = 'Enter the key name.';
    else if (r.required && !r.value) out[i] = `Enter the value of ${r.key}.`;
    else if (!r.required && !r.value) out[i] = 'Enter a value or remove this key.';
  });
  return out;
}
