/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/events.h - the process's event bus: what changed, in order, for
 * whoever follows (the SSE stream at GET /spider/events).
 *
 * Publishers never wait for readers.  The bus keeps the newest events in a
 * ring of a fixed number of slots and at most SP_EVENTS_BYTES_MAX bytes of
 * serialised data; older ones fall out, and a reader that was still behind
 * them is told so (ret_lost) and must re-read the state it follows.
 * Sequence numbers start at 1 for each process.  Every function is
 * thread-safe.
 */
#ifndef SP_CORE_EVENTS_H
#define SP_CORE_EVENTS_H

#include "util/common.h"

/* An event's data serialised larger than this is replaced by
 * {"truncated":true,"bytes":<its size>}. */
#define SP_EVENTS_DATA_MAX (64 * 1024)
/* The ring's serialised data, all events together. */
#define SP_EVENTS_BYTES_MAX (16 * 1024 * 1024)

typedef struct sp_events sp_events;

/* A bus that keeps the last cap events (cap >= 1).  Free with
 * sp_events_free(). */
int sp_events_new(size_t cap, sp_events **ret, sp_error *err);
/* Accepts NULL.  No reader may be inside sp_events_read() any more. */
void sp_events_free(sp_events *ev);

/*
 * Publish one event: kind is a short word ("mcis", "vm", "request",
 * "config"), ns the namespace it belongs to ("" or NULL for none), data a
 * JSON object, taken (NULL means {}); readers share it, so nobody may
 * change it afterwards.  The event gets the next sequence number and the
 * time of publishing.  Never blocks on readers; wakes those waiting.  An
 * event that cannot be built (out of memory, kind or ns not UTF-8) is
 * dropped without using a sequence number.  ev NULL: data is dropped.
 */
void sp_events_publish(sp_events *ev, const char *kind, const char *ns,
		       json_t *data);

/*
 * Copy into out[] the events with seq > after, oldest first, that belong
 * to ns (NULL or "": any) and whose kind is in kinds (NULL or "": any; else
 * a comma-separated list such as "mcis,vm"), at most max of them.  Waits
 * up to timeout_s for at least one; returns at once once the bus is closed.
 * Returns how many were copied; each out[i] is a new reference to the
 * shared, read-only object {"seq","kind","ns","time","data"} ("time" RFC
 * 3339 UTC with milliseconds).  0 on timeout.
 * *ret_lost is set (and the call returns at once) when events after
 * `after` have already fallen out of the ring, or `after` is beyond the
 * newest event (an id from an earlier process); out[] then holds the
 * matching events still in the ring.  Otherwise *ret_lost is false.
 */
size_t sp_events_read(sp_events *ev, uint64_t after, const char *ns,
		      const char *kinds, json_t **out, size_t max,
		      double timeout_s, bool *ret_lost);

/* The seq of the newest event, 0 when none. */
uint64_t sp_events_last(sp_events *ev);

/* Wake every reader and make further reads return at once (shutdown).
 * Publishing still works.  Accepts NULL. */
void sp_events_close(sp_events *ev);
/* Has sp_events_close() been called? */
bool sp_events_closed(sp_events *ev);

#endif
