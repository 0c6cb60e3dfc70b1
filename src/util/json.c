/* SPDX-License-Identifier: Apache-2.0 */
#include "util/json.h"

#include <stdio.h>

#include "util/buf.h"

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

/*
 * A compact writer of our own.  jansson's json_dumps() guards against
 * loops by formatting every container's address into a hash table of the
 * containers above it and writes string by string through a callback:
 * about 100 instructions per byte out, the largest single cost of a VM
 * list.  Here a depth cap stands in for the loop check (a loop is deeper
 * than any cap) and strings go out in runs between the bytes that need
 * escaping.  jansson holds valid UTF-8 only, so bytes pass through.
 */
#define DUMP_DEPTH_MAX 512
#define DUMP_MAX ((size_t)1 << 30)

static bool dump_string(sp_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *end = s + n, *run = s;

	if (sp_buf_append(b, "\"", 1) < 0)
		return false;
	for (; s < end; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[6] = { '\\', 0 };
		size_t k = 2;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		switch (ch) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			k = 6;
		}
		if (sp_buf_append(b, run, (size_t)(s - run)) < 0 ||
		    sp_buf_append(b, esc, k) < 0)
			return false;
		run = s + 1;
	}
	return sp_buf_append(b, run, (size_t)(s - run)) == 0 &&
	       sp_buf_append(b, "\"", 1) == 0;
}

static bool dump_value(sp_buf *b, const json_t *j, unsigned depth)
{
	char num[40], *e;
	int n;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *v;
		bool first = true;

		if (depth >= DUMP_DEPTH_MAX || sp_buf_append(b, "{", 1) < 0)
			return false;
		json_object_foreach((json_t *)j, key, v) {
			if ((!first && sp_buf_append(b, ",", 1) < 0) ||
			    !dump_string(b, key, strlen(key)) ||
			    sp_buf_append(b, ":", 1) < 0 ||
			    !dump_value(b, v, depth + 1))
				return false;
			first = false;
		}
		return sp_buf_append(b, "}", 1) == 0;
	}
	case JSON_ARRAY: {
		size_t i, len = json_array_size(j);

		if (depth >= DUMP_DEPTH_MAX || sp_buf_append(b, "[", 1) < 0)
			return false;
		for (i = 0; i < len; i++)
			if ((i && sp_buf_append(b, ",", 1) < 0) ||
			    !dump_value(b, json_array_get(j, i), depth + 1))
				return false;
		return sp_buf_append(b, "]", 1) == 0;
	}
	case JSON_STRING:
		return dump_string(b, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return sp_buf_append(b, num, (size_t)n) == 0;
	case JSON_REAL:
		/* The fewest digits (15 to 17) that read back as the same
		 * double - jansson always writes 17, so 37.6 went out as
		 * 37.600000000000001 - and a real stays a real. */
		for (int prec = 15;; prec++) {
			n = snprintf(num, sizeof(num) - 2, "%.*g", prec, json_real_value(j));
			if (n < 0 || (size_t)n >= sizeof(num) - 2)
				return false;
			if (prec == 17 || strtod(num, NULL) == json_real_value(j))
				break;
		}
		if (!strpbrk(num, ".eni")) {
			memcpy(num + n, ".0", 3);
			n += 2;
		} else if ((e = strchr(num, 'e'))) {
			/* "e+05" is written "e5", "e-05" "e-5". */
			char *digits = e + 1 + (e[1] == '-');
			char *from = e[1] == '+' ? e + 2 : digits;

			while (*from == '0' && from[1])
				from++;
			memmove(digits, from, strlen(from) + 1);
			n = (int)strlen(num);
		}
		return sp_buf_append(b, num, (size_t)n) == 0;
	case JSON_TRUE:
		return sp_buf_append(b, "true", 4) == 0;
	case JSON_FALSE:
		return sp_buf_append(b, "false", 5) == 0;
	case JSON_NULL:
		return sp_buf_append(b, "null", 4) == 0;
	}
	return false;
}

char *sp_json_dump(const json_t *j)
{
	sp_buf b = { .max = DUMP_MAX };

	if (!j || !dump_value(&b, j, 0) || b.truncated) {
		free(b.data);
		return NULL;
	}
	return b.data;
}
