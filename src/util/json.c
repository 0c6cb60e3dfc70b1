/* SPDX-License-Identifier: Apache-2.0 */
#include "util/json.h"

json_t *sp_json_get(const json_t *obj, const char *key)
{
	json_t *v, *found = NULL;
	const char *k;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	if (v)
		return json_is_null(v) ? NULL : v;
	/* json_t iteration keeps insertion order, so the last match wins. */
	json_object_foreach((json_t *)obj, k, v)
		if (strcasecmp(k, key) == 0)
			found = v;
	return json_is_null(found) ? NULL : found;
}

int sp_json_string(const json_t *obj, const char *key, bool required,
		   const char **ret, sp_error *err)
{
	json_t *v = sp_json_get(obj, key);

	if (v && !json_is_string(v))
		return sp_error_set(err, SP_ERR_INVALID,
				    "%s must be a string", key);
	if (required && (!v || !*json_string_value(v)))
		return sp_error_set(err, SP_ERR_INVALID, "%s is empty!", key);
	*ret = v ? json_string_value(v) : NULL;
	return 0;
}

int sp_json_array(const json_t *obj, const char *key, const json_t **ret,
		  sp_error *err)
{
	json_t *v = sp_json_get(obj, key);

	if (v && !json_is_array(v))
		return sp_error_set(err, SP_ERR_INVALID,
				    "%s must be an array", key);
	*ret = v;
	return 0;
}

/* How deep arrays and objects nest in JSON text (strings skipped); stops
 * counting past max. */
static size_t json_depth(const char *data, size_t len, size_t max)
{
	size_t depth = 0, deepest = 0;
	bool in_string = false;

	for (size_t i = 0; i < len && deepest <= max; i++) {
		char c = data[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > deepest)
				deepest = depth;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

int sp_json_parse_body(const char *data, size_t len, json_t **ret,
		       sp_error *err)
{
	json_error_t jerr;
	json_t *j;
	size_t i;

	for (i = 0; i < len; i++)
		if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' &&
		    data[i] != '\n')
			break;
	if (i == len) {
		*ret = NULL;
		return 0;
	}
	/* No request of ours nests deeply; the parser recurses per level,
	 * and a request runs on a small stack. */
	if (json_depth(data + i, len - i, SP_JSON_DEPTH_MAX) > SP_JSON_DEPTH_MAX)
		return sp_error_set(err, SP_ERR_INVALID,
				    "the JSON body nests more than %d levels deep", SP_JSON_DEPTH_MAX);
	j = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
	if (!j)
		return sp_error_set(err, SP_ERR_INVALID,
				    "malformed JSON body: %s at line %d column %d",
				    jerr.text, jerr.line, jerr.column);
	if (json_is_null(j)) {
		json_decref(j);
		*ret = NULL;
		return 0;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return sp_error_set(err, SP_ERR_INVALID,
				    "request body must be a JSON object");
	}
	*ret = j;
	return 0;
}

json_t *sp_json_kv(const char *key, const char *value)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "Key", json_string(key ? key : "")) < 0 ||
	    (!sp_isempty(value) &&
	     json_object_set_new(o, "Value", json_string(value)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *sp_json_dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}
