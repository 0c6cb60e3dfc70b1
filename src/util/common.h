/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/common.h - included first by every .c file of the daemon and its
 * libraries.  Pulls in the error domain from the driver ABI, the cleanup
 * macros, and (last) the banned-function list.
 */
#ifndef SP_UTIL_COMMON_H
#define SP_UTIL_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "spider/driver.h"
#include "util/macros.h"

/* Out-of-memory is reported at the allocation site like any error. */
#define sp_error_oom(err) sp_error_set((err), SP_ERR_INTERNAL, "out of memory")

/* Put a prefix (printf-style) before err's message, keeping its code;
 * returns -1. */
int sp_error_prefix(sp_error *err, const char *fmt, ...) _printf_(2, 3);

/* Like strdup(), but NULL in gives NULL out. */
static inline char *sp_strdup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static inline bool sp_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline bool sp_isempty(const char *s)
{
	return !s || !*s;
}

/* Parse a decimal integer in [min, max]; the whole string must be a
 * number.  Returns 0, or -1 leaving *ret untouched. */
int sp_parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret);

/* Monotonic and wall clocks. */
double sp_now_mono(void);     /* seconds */
int64_t sp_now_ms(void);      /* wall clock, ms since the epoch */
/* Seconds as a timespec (an absolute time for a timed wait on the
 * monotonic clock, or a duration). */
struct timespec sp_timespec(double s);
/* Sleep s seconds, resuming after signals. */
void sp_sleep(double s);

/* Format wall-clock ms as RFC 3339 UTC with milliseconds into buf (>= 32
 * bytes).  Parse the same (fraction optional, 'Z' required); -1 if bad. */
void sp_time_format_rfc3339(int64_t ms, char *buf, size_t size);
int sp_time_parse_rfc3339(const char *s, int64_t *ret_ms);

/* Percent-decode in place; '+' becomes ' ' only if plus_is_space.
 * Returns -1 on a malformed escape or an embedded NUL. */
int sp_percent_decode(char *s, bool plus_is_space);

#include "util/banned.h"

#endif
