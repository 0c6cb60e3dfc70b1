/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hiscall_line.c - the HisCall log line: sp_hiscall_format_line()
 * into buffers of several sizes.
 *
 * Input: 8 bytes of time (ms), 4 of line number, 8 of elapsed time (a
 * double, so NaN and infinities too), all little-endian and zero-filled
 * when the input is short; then the text fields host, func, CloudOS,
 * RegionZone, ResourceType, ResourceName, CloudOSAPI, ErrorMSG, separated
 * by NUL bytes ("" when missing).  The checks: every output is
 * NUL-terminated inside its buffer, and a cut line is the whole line cut
 * where snprintf cuts it.
 */
#include "core/hiscall.h"
#include "fuzz.h"

#define HEADER_LEN 20
#define N_FIELDS 8

/* Cut everywhere interesting: tiny, the writer's own 2048, and around
 * the whole length (added at run time). */
static const size_t sizes[] = { 1, 2, 3, 11, 12, 64, 200, 2047, 2048 };

static void check_size(const char *host, int64_t time_ms, const char *func,
		       int line, const sp_hiscall_rec *r, const char *whole,
		       size_t whole_len, size_t size)
{
	_cleanup_free_ char *buf = malloc(size);
	size_t n;

	FUZZ_ASSERT(buf);
	memset(buf, 'X', size);
	sp_hiscall_format_line(buf, size, host, time_ms, func, line, r);
	n = strnlen(buf, size);
	FUZZ_ASSERT(n < size);
	FUZZ_ASSERT(n == (whole_len < size ? whole_len : size - 1));
	FUZZ_ASSERT(memcmp(buf, whole, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t header[HEADER_LEN] = { 0 };
	const char *fields[N_FIELDS];
	_cleanup_free_ char *text = NULL, *whole = NULL;
	size_t text_len, whole_size, whole_len, f = 0;
	sp_hiscall_rec rec = { 0 };
	int64_t time_ms;
	int32_t line;
	double elapsed;

	memcpy(header, data, size < HEADER_LEN ? size : HEADER_LEN);
	memcpy(&time_ms, header, 8);
	memcpy(&line, header + 8, 4);
	memcpy(&elapsed, header + 12, 8);

	text_len = size > HEADER_LEN ? size - HEADER_LEN : 0;
	text = fuzz_strndup(data + (size > HEADER_LEN ? HEADER_LEN : size), text_len);
	for (size_t i = 0; f < N_FIELDS; i++) {
		fields[f++] = text + i;
		i += strlen(text + i);
		if (i >= text_len)
			break;
	}
	while (f < N_FIELDS)
		fields[f++] = "";

	rec.time_ms = time_ms;
	rec.cloudos = (char *)fields[2];
	rec.regionzone = (char *)fields[3];
	rec.resource_type = (char *)fields[4];
	rec.resource_name = (char *)fields[5];
	rec.cloud_api = (char *)fields[6];
	rec.elapsed = elapsed;
	rec.error = (char *)fields[7];

	/* Room for every field, the fixed text, the date and the widest
	 * "%.4f" of a double (309 digits and the fraction). */
	whole_size = text_len + 4096;
	whole = malloc(whole_size);
	FUZZ_ASSERT(whole);
	sp_hiscall_format_line(whole, whole_size, fields[0], time_ms, fields[1],
			       line, &rec);
	whole_len = strnlen(whole, whole_size);
	FUZZ_ASSERT(whole_len < whole_size - 1);
	FUZZ_ASSERT(strncmp(whole, "[HISCALL].[", 11) == 0);
	FUZZ_ASSERT(whole[whole_len - 1] == '\n');

	for (size_t i = 0; i < ELEMENTSOF(sizes); i++)
		check_size(fields[0], time_ms, fields[1], line, &rec, whole,
			   whole_len, sizes[i]);
	check_size(fields[0], time_ms, fields[1], line, &rec, whole, whole_len,
		   whole_len);
	check_size(fields[0], time_ms, fields[1], line, &rec, whole, whole_len,
		   whole_len + 1);
	return 0;
}
