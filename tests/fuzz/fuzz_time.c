/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_time.c - numbers and times from query strings and stored rows:
 * sp_parse_int64(), sp_time_parse_rfc3339(), sp_time_format_rfc3339().
 *
 * The input, up to a NUL, is the text.  The checks: a parsed number is in
 * range, prints back to itself, and a failed parse leaves *ret alone; a
 * parsed time formats to a string that parses back to the same ms, and so
 * does any ms whose year has four digits (0000-9999): the parser reads
 * no other years (a leap second may carry 9999 over into 10000).
 */
#include <inttypes.h>

#include "fuzz.h"

/* 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z */
#define MS_MIN INT64_C(-62167219200000)
#define MS_MAX INT64_C(253402300799999)

static const struct {
	int64_t min, max;
} ranges[] = {
	{ INT64_MIN, INT64_MAX }, { 0, 65535 }, { -10, 10 }, { 1, 0 },
	{ MS_MIN, MS_MAX },
};

/* Format ms and parse it back. */
static void check_round_trip(int64_t ms)
{
	char buf[32];
	int64_t again = 0;

	memset(buf, 'X', sizeof(buf));
	sp_time_format_rfc3339(ms, buf, sizeof(buf));
	FUZZ_ASSERT(memchr(buf, '\0', sizeof(buf)));
	if (ms < MS_MIN || ms > MS_MAX)
		return;
	if (sp_time_parse_rfc3339(buf, &again) < 0 || again != ms) {
		fprintf(stderr, "time round trip broken: %" PRId64 " -> \"%s\" -> %" PRId64 "\n",
			ms, buf, again);
		abort();
	}
}

static void check_int64(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(ranges); i++) {
		const int64_t untouched = INT64_C(0x5a5a5a5a5a5a5a5a);
		int64_t v = untouched, again = untouched;
		char buf[32];

		if (sp_parse_int64(s, ranges[i].min, ranges[i].max, &v) < 0) {
			FUZZ_ASSERT(v == untouched);
			continue;
		}
		FUZZ_ASSERT(v >= ranges[i].min && v <= ranges[i].max);
		snprintf(buf, sizeof(buf), "%" PRId64, v);
		FUZZ_ASSERT(sp_parse_int64(buf, ranges[i].min, ranges[i].max, &again) == 0);
		FUZZ_ASSERT(again == v);
		if (i == 0)
			check_round_trip(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_strndup(data, size);
	const int64_t untouched = INT64_C(0x5a5a5a5a5a5a5a5a);
	int64_t ms = untouched;

	check_int64(s);
	if (sp_time_parse_rfc3339(s, &ms) < 0) {
		FUZZ_ASSERT(ms == untouched);
		return 0;
	}
	check_round_trip(ms);
	return 0;
}
