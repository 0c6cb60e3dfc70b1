/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>

#include "core/names.h"

/* Quote a name in a message only when it is printable ASCII: a message
 * must stay valid UTF-8 and one line. */
static const char *shown(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!isprint((unsigned char)*p) || (unsigned char)*p > 0x7e)
			return "(unprintable)";
	return name;
}

int sp_name_validate(const char *field, const char *name, sp_error *err)
{
	size_t n;

	if (sp_isempty(name))
		return sp_error_set(err, SP_ERR_INVALID, "%s is empty!", field);
	n = strlen(name);
	if (n > SP_NAME_MAX)
		return sp_error_set(err, SP_ERR_INVALID,
				    "%s is %zu characters long; the limit is %d",
				    field, n, SP_NAME_MAX);
	if (!isalnum((unsigned char)name[0]))
		return sp_error_set(err, SP_ERR_INVALID,
				    "%s '%.*s' must start with a letter or digit",
				    field, SP_NAME_MAX, shown(name));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return sp_error_set(err, SP_ERR_INVALID,
					    "%s '%.*s' has a character not allowed at position %zu: use letters, digits, '-', '_' or '.'",
					    field, SP_NAME_MAX, shown(name), i + 1);
	}
	return 0;
}

int sp_provider_normalize(const char *in, char *buf, size_t size)
{
	size_t n;

	while (*in == ' ' || *in == '\t')
		in++;
	n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n + 1 > size)
		return -1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)toupper((unsigned char)in[i]);
	buf[n] = '\0';
	return 0;
}
