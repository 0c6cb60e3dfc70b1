/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /spider/events: the event bus as Server-Sent Events (extension).
 *
 * Each stream is a reader of the bus on its connection's own thread: it
 * waits on the bus a second at a time, so a stopping server or a client
 * that left is noticed within about a second.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdatomic.h>

#include "core/events.h"
#include "rest/rest.h"
#include "util/json.h"

#define STREAMS_MAX 64
#define KEEPALIVE_S 15.0
#define WAIT_S 1.0
#define BATCH 16
#define NS_MAX 128
#define KINDS_MAX 256

/* Streams open in the process (their threads are the cost). */
static atomic_uint n_streams;

typedef struct ev_stream {
	sp_events *ev;
	char *ns, *kinds;     /* NULL: any */
	uint64_t after;       /* the newest event already sent or passed */
	double quiet_since;   /* when something was last sent */
	char *buf;            /* what is still to send: buf[off..len) */
	size_t len, off, cap;
} ev_stream;

static void ev_stream_free(void *ctx)
{
	ev_stream *st = ctx;

	free(st->ns);
	free(st->kinds);
	free(st->buf);
	free(st);
	atomic_fetch_sub(&n_streams, 1);
}

static int append(ev_stream *st, const char *fmt, ...) _printf_(2, 3);

static int append(ev_stream *st, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (st->len + (size_t)n >= st->cap) {
		size_t ncap = st->cap ? st->cap : 1024;
		char *nb;

		while (ncap <= st->len + (size_t)n)
			ncap *= 2;
		nb = realloc(st->buf, ncap);
		if (!nb)
			return -1;
		st->buf = nb;
		st->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(st->buf + st->len, st->cap - st->len, fmt, ap);
	va_end(ap);
	st->len += (size_t)n;
	return 0;
}

/* hello and reset: where the stream stands, as the id a reconnecting
 * client resumes after. */
static int append_mark(ev_stream *st, const char *name, uint64_t last)
{
	return append(st, "id: %" PRIu64 "\nevent: %s\ndata: {\"last\":%" PRIu64 "}\n\n",
		      last, name, last);
}

static int append_event(ev_stream *st, json_t *e)
{
	_cleanup_free_ char *text = sp_json_dump(e);

	if (!text)
		return -1;
	return append(st, "id: %" JSON_INTEGER_FORMAT "\nevent: %s\ndata: %s\n\n",
		      json_integer_value(json_object_get(e, "seq")),
		      json_string_value(json_object_get(e, "kind")), text);
}

/* Fill st->buf with what the bus has for this stream, waiting up to
 * WAIT_S.  -1 when out of memory. */
static int gather(ev_stream *st)
{
	json_t *evs[BATCH];
	/* Everything up to here is scanned by the read below, so a read that
	 * finds nothing (or not a full batch) passes it: a narrow filter must
	 * not fall behind the ring and see a reset it does not need. */
	uint64_t newest = sp_events_last(st->ev);
	bool lost;
	size_t n = sp_events_read(st->ev, st->after, st->ns, st->kinds, evs,
				  BATCH, WAIT_S, &lost);
	int rc = 0;

	if (lost) {
		for (size_t i = 0; i < n; i++)
			json_decref(evs[i]);
		st->after = sp_events_last(st->ev);
		return append_mark(st, "reset", st->after);
	}
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = append_event(st, evs[i]);
		st->after = (uint64_t)json_integer_value(json_object_get(evs[i], "seq"));
		json_decref(evs[i]);
	}
	if (n < BATCH && newest > st->after)
		st->after = newest;
	if (rc == 0 && st->len == 0 && sp_now_mono() - st->quiet_since >= KEEPALIVE_S)
		rc = append(st, ": keepalive\n\n");
	return rc;
}

static ssize_t ev_stream_read(void *ctx, char *buf, size_t max)
{
	ev_stream *st = ctx;
	size_t n;

	if (st->off == st->len) {
		if (sp_events_closed(st->ev))
			return -1;
		st->off = st->len = 0;
		if (gather(st) < 0)
			return -1;
		if (st->len == 0)
			return 0;
		st->quiet_since = sp_now_mono();
	}
	n = st->len - st->off < max ? st->len - st->off : max;
	memcpy(buf, st->buf + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

/* A comma-separated list of words of letters, digits, '_' and '-'. */
static bool kinds_valid(const char *s)
{
	bool word = false;

	for (; *s; s++) {
		if (*s == ',') {
			if (!word)
				return false;
			word = false;
		} else if (isalnum((unsigned char)*s) || *s == '_' || *s == '-') {
			word = true;
		} else {
			return false;
		}
	}
	return word;
}

/* Where to resume: the Last-Event-ID header (what EventSource sends on a
 * reconnect), else the lastEventId query key.  *ret_given false: start
 * with new events. */
static int resume_arg(const sp_req *req, uint64_t *ret, bool *ret_given,
		      sp_error *err)
{
	const char *name = "Last-Event-ID";
	const char *v = sp_req_header(req, name);
	int64_t n;

	if (sp_isempty(v)) {
		name = "lastEventId";
		v = sp_req_query(req, name);
	}
	*ret_given = !sp_isempty(v);
	*ret = 0;
	if (!*ret_given)
		return 0;
	if (sp_parse_int64(v, 0, INT64_MAX, &n) < 0)
		return sp_error_set(err, SP_ERR_INVALID,
				    "%s '%.32s' must be an event id: a number from 0 up", name, v);
	*ret = (uint64_t)n;
	return 0;
}

static int h_events(sp_req *req, json_t **ret, sp_error *err)
{
	sp_events *ev = req->core->events;
	const char *ns = sp_req_query(req, "ns");
	const char *kinds = sp_req_query(req, "kinds");
	ev_stream *st;
	uint64_t after;
	bool resume;

	if (!ev)
		return sp_error_set(err, SP_ERR_UNAVAILABLE, "the event bus is not running");
	if (!sp_isempty(ns) && strlen(ns) > NS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "ns is longer than %d characters", NS_MAX);
	if (!sp_isempty(kinds) && (strlen(kinds) > KINDS_MAX || !kinds_valid(kinds)))
		return sp_error_set(err, SP_ERR_INVALID,
				    "kinds '%.64s' must be a comma-separated list of event kinds such as mcis,vm,request",
				    kinds);
	if (resume_arg(req, &after, &resume, err) < 0)
		return -1;
	if (atomic_fetch_add(&n_streams, 1) >= STREAMS_MAX) {
		atomic_fetch_sub(&n_streams, 1);
		return sp_error_set(err, SP_ERR_UNAVAILABLE,
				    "too many event streams: at most %d may be open at once; close one and retry",
				    STREAMS_MAX);
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		atomic_fetch_sub(&n_streams, 1);
		return sp_error_oom(err);
	}
	/* From here on the request owns st; freeing it gives the slot back. */
	req->stream = (sp_stream){ "text/event-stream", ev_stream_read, ev_stream_free, st };
	st->ev = ev;
	st->after = after;
	st->quiet_since = sp_now_mono();
	st->ns = sp_isempty(ns) ? NULL : strdup(ns);
	st->kinds = sp_isempty(kinds) ? NULL : strdup(kinds);
	if ((!sp_isempty(ns) && !st->ns) || (!sp_isempty(kinds) && !st->kinds))
		return sp_error_oom(err);
	if (!resume) {
		st->after = sp_events_last(ev);
		if (append_mark(st, "hello", st->after) < 0)
			return sp_error_oom(err);
	}
	return 0;
}

const sp_route sp_routes_events[] = {
	{ "GET", "/spider/events", h_events, false, .no_csrf = true },
	{ NULL, NULL, NULL, false },
};
