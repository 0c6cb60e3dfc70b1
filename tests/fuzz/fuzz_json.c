/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_json.c - request bodies: sp_json_parse_body() on the raw bytes,
 * then the lenient field access the handlers use.
 *
 * Beyond "no crash, no leak", it checks what util/json.h promises: a body
 * is NULL or an object; a looked-up value is never JSON null; an exact key
 * wins over its case variants; typed reads fail exactly on the wrong type;
 * and a parsed body dumps and parses back to an equal value.
 */
#include <ctype.h>

#include "fuzz.h"
#include "util/json.h"

/* Keys the handlers read, in the spellings clients send. */
static const char *const keys[] = {
	"ConnectionName", "connectionname", "CONNECTIONNAME", "connectionName",
	"Name", "name", "NAME", "ReqInfo", "reqinfo", "KeyValueInfoList",
	"keyvalueinfolist", "TagList", "taglist", "IID", "iid", "", "\xc3\xa9",
};

static void check_key(const json_t *obj, const char *key)
{
	sp_error err = { 0 };
	json_t *exact = json_object_get(obj, key);
	json_t *v = sp_json_get(obj, key);
	const char *s = "unset";
	const json_t *a = (const json_t *)obj;
	int rc;

	/* null counts as absent; an exact match wins. */
	FUZZ_ASSERT(!v || !json_is_null(v));
	if (exact)
		FUZZ_ASSERT(v == (json_is_null(exact) ? NULL : exact));

	rc = sp_json_string(obj, key, false, &s, &err);
	if (v && !json_is_string(v)) {
		FUZZ_ASSERT(rc < 0 && err.code == SP_ERR_INVALID);
		FUZZ_ASSERT(memchr(err.message, '\0', sizeof(err.message)));
	} else {
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(s == (v ? json_string_value(v) : NULL));
	}

	rc = sp_json_string(obj, key, true, &s, &err);
	if (rc == 0)
		FUZZ_ASSERT(v && json_is_string(v) && *s);
	else
		FUZZ_ASSERT(!v || !json_is_string(v) || !*json_string_value(v));

	rc = sp_json_array(obj, key, &a, &err);
	if (v && !json_is_array(v))
		FUZZ_ASSERT(rc < 0 && err.code == SP_ERR_INVALID);
	else
		FUZZ_ASSERT(rc == 0 && a == v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *body = NULL, *again = NULL;
	_cleanup_free_ char *dumped = NULL;
	sp_error err = { 0 };
	const char *k;
	json_t *v;

	if (sp_json_parse_body((const char *)data, size, &body, &err) < 0) {
		FUZZ_ASSERT(err.code == SP_ERR_INVALID);
		FUZZ_ASSERT(memchr(err.message, '\0', sizeof(err.message)));
		return 0;
	}
	if (!body)
		return 0;
	FUZZ_ASSERT(json_is_object(body));

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		check_key(body, keys[i]);
	/* Every key the body has, as given and in two case variants. */
	json_object_foreach(body, k, v) {
		_cleanup_free_ char *up = strdup(k), *down = strdup(k);

		FUZZ_ASSERT(up && down);
		for (char *p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		for (char *p = down; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		check_key(body, k);
		check_key(body, up);
		check_key(body, down);
		/* Nested objects are read the same way (ReqInfo, ...); in
		 * anything else no field is present. */
		if (json_is_object(v))
			for (size_t i = 0; i < ELEMENTSOF(keys); i++)
				check_key(v, keys[i]);
		else
			FUZZ_ASSERT(!sp_json_get(v, "Name"));
	}
	FUZZ_ASSERT(!sp_json_get(NULL, "Name"));

	/* What the daemon echoes back must parse to the same value. */
	dumped = sp_json_dump(body);
	FUZZ_ASSERT(dumped);
	FUZZ_ASSERT(sp_json_parse_body(dumped, strlen(dumped), &again, &err) == 0);
	FUZZ_ASSERT(again && json_equal(body, again));
	return 0;
}
