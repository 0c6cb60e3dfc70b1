/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/macros.h - scope-bound cleanup and small helpers shared by every part.
 *
 * _cleanup_free_ char *s = ...;      freed at scope exit
 * _cleanup_json_ json_t *j = ...;    json_decref'd at scope exit
 * return TAKE_PTR(s);                hand ownership on, leave NULL behind
 * return TAKE_FD(fd);                the same for a descriptor, leave -1
 */
#ifndef SP_UTIL_MACROS_H
#define SP_UTIL_MACROS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_ __attribute__((warn_unused_result))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#define TAKE_PTR(p)                                                        \
	({                                                                 \
		__typeof__(p) _tp = (p);                                   \
		(p) = NULL;                                                \
		_tp;                                                       \
	})

/* The same for a file descriptor: leaves -1 behind. */
#define TAKE_FD(fd)                                                        \
	({                                                                 \
		int _tf = (fd);                                            \
		(fd) = -1;                                                 \
		_tf;                                                       \
	})

static inline void sp_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(sp_freep)

static inline void sp_json_decrefp(json_t **p)
{
	if (*p)
		json_decref(*p);
}
#define _cleanup_json_ _cleanup_(sp_json_decrefp)

static inline void sp_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(sp_fclosep)

static inline void sp_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(sp_closep)

/* Wipe secrets before freeing them; the compiler may not elide this. */
void sp_free_secret(char *s);
static inline void sp_free_secretp(char **p)
{
	sp_free_secret(*p);
}
#define _cleanup_secret_ _cleanup_(sp_free_secretp)

#endif
