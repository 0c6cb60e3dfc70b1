/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/names.h - the rules for names users give to objects.
 */
#ifndef SP_CORE_NAMES_H
#define SP_CORE_NAMES_H

#include "util/common.h"

#define SP_NAME_MAX 128

/* A name is 1..128 characters of letters, digits, '-', '_' and '.', and
 * starts with a letter or digit.  On failure *err names the field and says
 * what is wrong (SP_ERR_INVALID). */
int sp_name_validate(const char *field, const char *name, sp_error *err);

/* Trim ASCII spaces and upper-case a provider name into buf; -1 if it
 * does not fit. */
int sp_provider_normalize(const char *in, char *buf, size_t size);

#endif
