/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/buf.h - a growing text buffer with a hard cap (after curl's
 * dynbuf).  Header-only, so that spctl, which links none of the daemon's
 * code, shares it too.
 *
 * sp_buf b = { .max = LIMIT };      data is NULL until the first byte
 * sp_buf_append(&b, p, n);          what would pass max is dropped
 * free(b.data);                     the caller owns data
 *   or _cleanup_(sp_buf_freep) sp_buf b = ...;
 */
#ifndef SP_UTIL_BUF_H
#define SP_UTIL_BUF_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct sp_buf {
	char *data;      /* NUL-terminated once anything is in it; malloc'd */
	size_t len, cap;
	size_t max;      /* most bytes kept (not counting the NUL) */
	bool truncated;  /* something was dropped at max */
} sp_buf;

/* Append what fits of p[0..n) below b->max (setting b->truncated when
 * not all of it does).  Returns -1 when memory ran out, else 0. */
static inline int sp_buf_append(sp_buf *b, const void *p, size_t n)
{
	size_t room = b->max - b->len;

	if (n > room) {
		b->truncated = true;
		n = room;
	}
	if (n == 0)
		return 0;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		if (!(d = realloc(b->data, cap)))
			return -1;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static inline int sp_buf_puts(sp_buf *b, const char *s)
{
	return sp_buf_append(b, s, strlen(s));
}

/* Append s as a JSON string: quoted, with '"', '\\' and control
 * characters escaped (UTF-8 passes through). */
static inline int sp_buf_json_string(sp_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	int rc = sp_buf_append(b, "\"", 1);

	for (; rc == 0 && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		rc = sp_buf_append(b, run, (size_t)(s - run));
		if (rc == 0 && (ch == '"' || ch == '\\')) {
			rc = sp_buf_append(b, (const char[]){ '\\', (char)ch }, 2);
		} else if (rc == 0) {
			const char esc[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };

			rc = sp_buf_append(b, esc, sizeof(esc));
		}
		run = s + 1;
	}
	if (rc == 0)
		rc = sp_buf_append(b, run, (size_t)(s - run));
	return rc == 0 ? sp_buf_append(b, "\"", 1) : rc;
}

static inline void sp_buf_freep(sp_buf *b)
{
	free(b->data);
}

#endif
