/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/hiscall.h - the call history: one record per cloud call.
 *
 * Recording is cheap and never blocks on I/O: records go to a bounded
 * queue that a writer thread drains every 200 ms into the rotating
 * HisCall log file (the original's line format) and the metadata store
 * (for queries).  When the queue is full, records are dropped and
 * counted, and the drop is logged: a slow disk must not stall the API.
 */
#ifndef SP_CORE_HISCALL_H
#define SP_CORE_HISCALL_H

#include "store/store.h"

typedef struct sp_hiscall sp_hiscall;

typedef struct sp_hiscall_config {
	const char *log_dir;     /* hiscall.log lives here */
	size_t file_max_bytes;   /* rotate past this size */
	unsigned file_keep;      /* rotated files kept: hiscall.log.1..N */
	size_t keep_rows;        /* newest records kept in the store */
	size_t queue_max;        /* records waiting to be written */
} sp_hiscall_config;

int sp_hiscall_open(sp_store *st, const sp_hiscall_config *cfg,
		    sp_hiscall **ret, sp_error *err);
/* Write out what is queued, stop the writer, free.  Accepts NULL. */
void sp_hiscall_close(sp_hiscall *h);

/* Record one call.  func/line name the caller, as the original's lines
 * do; func must be a string of static storage (__func__ or a literal).
 * error is NULL or "" on success.  Thread-safe. */
void sp_hiscall_record(sp_hiscall *h, const char *func, int line,
		       const char *connection, const char *cloudos,
		       const char *regionzone, const char *resource_type,
		       const char *resource_name, const char *cloud_api,
		       double elapsed, const char *error);

/* Wait until everything recorded before this call is in the store. */
void sp_hiscall_flush(sp_hiscall *h);

/* Records dropped because the queue was full. */
uint64_t sp_hiscall_dropped(sp_hiscall *h);

/* Format one line of the HisCall file into buf, cut as snprintf cuts
 * (exposed for tests). */
void sp_hiscall_format_line(char *buf, size_t size, const char *host,
			    int64_t time_ms, const char *func, int line,
			    const sp_hiscall_rec *r);

#endif
