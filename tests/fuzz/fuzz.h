/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h - what every fuzz target shares.
 *
 * Each fuzz_<target>.c defines LLVMFuzzerTestOneInput().  Built with clang
 * and -fsanitize=fuzzer it is a libFuzzer binary; built with replay_main.c
 * it runs the seed corpus once (a CTest test in every build variant).
 *
 * A target checks what must hold with FUZZ_ASSERT, which aborts (a crash
 * to libFuzzer and a failed test to CTest) even in an NDEBUG build.
 */
#ifndef SP_FUZZ_H
#define SP_FUZZ_H

#include "util/common.h"

/* The libFuzzer entry point: always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

/* A NUL-terminated copy of data[0..size) (it may hold NULs itself; C
 * string functions then see the part before the first one).  Aborts on
 * out of memory: a fuzz target has nothing better to do. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_ASSERT(s);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
