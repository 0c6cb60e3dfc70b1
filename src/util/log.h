/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/log.h - the daemon's own log, on standard error.  Libraries and
 * drivers do not log: they report errors to their callers.  Never pass a
 * secret to these functions.
 */
#ifndef SP_UTIL_LOG_H
#define SP_UTIL_LOG_H

#include "util/common.h"

typedef enum sp_log_level {
	SP_LOG_ERROR,
	SP_LOG_WARN,
	SP_LOG_INFO,
	SP_LOG_DEBUG,
} sp_log_level;

/* Returns -1 for an unknown level name. */
int sp_log_set_level(const char *name);
bool sp_log_enabled(sp_log_level level);
void sp_log(sp_log_level level, const char *fmt, ...) _printf_(2, 3);

#define sp_log_error(...) sp_log(SP_LOG_ERROR, __VA_ARGS__)
#define sp_log_warn(...) sp_log(SP_LOG_WARN, __VA_ARGS__)
#define sp_log_info(...) sp_log(SP_LOG_INFO, __VA_ARGS__)
#define sp_log_debug(...) sp_log(SP_LOG_DEBUG, __VA_ARGS__)

#endif
