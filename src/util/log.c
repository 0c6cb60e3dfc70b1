/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>

#include "util/log.h"

static sp_log_level max_level = SP_LOG_INFO;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

int sp_log_set_level(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
		if (strcasecmp(name, level_names[i]) == 0) {
			max_level = (sp_log_level)i;
			return 0;
		}
	return -1;
}

bool sp_log_enabled(sp_log_level level)
{
	return level <= max_level;
}

void sp_log(sp_log_level level, const char *fmt, ...)
{
	char line[2048], ts[40];
	va_list ap;
	int n;

	if (level > max_level)
		return;
	sp_time_format_rfc3339(sp_now_ms(), ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "%s spiderd[%s]: ", ts,
		     level_names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line, so concurrent threads never interleave. */
	fprintf(stderr, "%s\n", line);
}
