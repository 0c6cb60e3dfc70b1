/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/json.h - lenient JSON field access in the style the Spider API
 * promises its clients: keys match case-insensitively (an exact match wins,
 * else the last case-insensitive one), null counts as absent, unknown keys
 * are ignored.  Type errors name the field.
 */
#ifndef SP_UTIL_JSON_H
#define SP_UTIL_JSON_H

#include "util/common.h"

/* Borrowed reference to obj[key], matched case-insensitively; NULL when
 * obj is not an object, the key is absent, or its value is null. */
json_t *sp_json_get(const json_t *obj, const char *key);

/*
 * Read a string field.  *ret is borrowed from obj (NULL when absent).
 * A present non-string value fails with SP_ERR_INVALID:
 *   "<field> must be a string".
 * When required, absent or "" fails with "<field> is empty!" - the
 * original's text, which clients match.
 */
int sp_json_string(const json_t *obj, const char *key, bool required,
		   const char **ret, sp_error *err);

/* Read an array field (borrowed); absent gives *ret = NULL. */
int sp_json_array(const json_t *obj, const char *key, const json_t **ret,
		  sp_error *err);

/* Arrays and objects nest at most this deep in a request body. */
#define SP_JSON_DEPTH_MAX 64

/* Parse a request body: NULL/empty gives *ret = NULL.  Not an object,
 * nested deeper than SP_JSON_DEPTH_MAX, or malformed, fails with
 * SP_ERR_INVALID (malformed: with jansson's position). */
int sp_json_parse_body(const char *data, size_t len, json_t **ret,
		       sp_error *err);

/* {"Key":k,"Value":v}; Value omitted when empty, as the original does. */
json_t *sp_json_kv(const char *key, const char *value);

/* Dump compactly (caller frees); NULL on out of memory. */
char *sp_json_dump(const json_t *j);

#endif
