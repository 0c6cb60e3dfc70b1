/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "core/hiscall.h"
#include "util/log.h"

#define LINE_MAX_LEN 2048
#define BATCH_MAX 4096

/* A record waiting for the writer.  Its strings share one allocation;
 * the line is formatted by the writer, off the request path. */
typedef struct queued {
	sp_hiscall_rec rec;
	char *blob;
	const char *func;
	int line;
} queued;

struct sp_hiscall {
	sp_store *store;
	sp_hiscall_config cfg;
	char *path;
	char host[64];
	FILE *file;
	size_t file_size;

	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	queued *ring;
	size_t head, count;
	uint64_t enqueued, stored, dropped;
	bool stopping;
	pthread_t writer;
};

static void queued_clear(queued *q)
{
	free(q->blob);
	memset(q, 0, sizeof(*q));
}

/* The original names the host by its first non-loopback IPv4 address. */
static void host_label(char *buf, size_t size)
{
	struct ifaddrs *ifs = NULL;

	if (getifaddrs(&ifs) == 0) {
		for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
			    (i->ifa_flags & IFF_LOOPBACK))
				continue;
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
				  buf, (socklen_t)size);
			freeifaddrs(ifs);
			return;
		}
		freeifaddrs(ifs);
	}
	if (gethostname(buf, size) < 0)
		snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
}

void sp_hiscall_format_line(char *buf, size_t size, const char *host,
			    int64_t time_ms, const char *func, int line,
			    const sp_hiscall_rec *r)
{
	time_t t = (time_t)(time_ms / 1000);
	struct tm tm;
	char when[64];

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S (%A)", &tm);
	snprintf(buf, size,
		     "[HISCALL].[%s] %s %s():%d - \"CloudOS\" : \"%s\", \"RegionZone\" : \"%s\", \"ResourceType\" : \"%s\", \"ResourceName\" : \"%s\", \"CloudOSAPI\" : \"%s\", \"ElapsedTime\" : \"%.4f\", \"ErrorMSG\" : \"%s\"\n",
		     host, when, func, line, r->cloudos, r->regionzone,
		     r->resource_type, r->resource_name, r->cloud_api, r->elapsed,
		     r->error);
}

/* Quotes and line breaks in a field would break the line format. */
static void field_clean(char *s)
{
	for (; *s; s++)
		if (*s == '"')
			*s = '\'';
		else if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static int file_open(sp_hiscall *h, sp_error *err)
{
	struct stat st;

	h->file = fopen(h->path, "ae");
	if (!h->file)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "call history file '%s': %s", h->path,
				    strerror(errno));
	h->file_size = fstat(fileno(h->file), &st) == 0 ? (size_t)st.st_size : 0;
	return 0;
}

/* hiscall.log -> .1 -> .2 ... -> .N (dropped) */
static void file_rotate(sp_hiscall *h)
{
	sp_error err = { 0 };

	fclose(h->file);
	h->file = NULL;
	for (unsigned i = h->cfg.file_keep; i > 0; i--) {
		char from[4096], to[4096];

		if (i == 1)
			snprintf(from, sizeof(from), "%s", h->path);
		else
			snprintf(from, sizeof(from), "%s.%u", h->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", h->path, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			sp_log_warn("call history: cannot rotate '%s': %s", from,
				    strerror(errno));
	}
	if (h->cfg.file_keep == 0)
		unlink(h->path);
	if (file_open(h, &err) < 0)
		sp_log_error("%s", err.message);
}

static void write_batch(sp_hiscall *h, queued *batch, size_t n)
{
	sp_hiscall_rec recs[BATCH_MAX];
	sp_error err = { 0 };
	char line[LINE_MAX_LEN];

	for (size_t i = 0; i < n; i++) {
		size_t len;

		sp_hiscall_format_line(line, sizeof(line), h->host,
				       batch[i].rec.time_ms, batch[i].func,
				       batch[i].line, &batch[i].rec);
		len = strlen(line);
		/* A cut line still closes its last field and ends the line. */
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			line[len - 2] = '"';
			line[len - 1] = '\n';
		}
		if (h->file && h->file_size + len > h->cfg.file_max_bytes &&
		    h->file_size > 0)
			file_rotate(h);
		if (h->file && fwrite(line, 1, len, h->file) == len)
			h->file_size += len;
		recs[i] = batch[i].rec;
	}
	if (h->file)
		fflush(h->file);
	if (sp_store_hiscall_append(h->store, recs, n, h->cfg.keep_rows, &err) < 0)
		sp_log_error("call history: %s", err.message);
}

static void *writer_main(void *arg)
{
	sp_hiscall *h = arg;
	queued *batch = calloc(BATCH_MAX, sizeof(*batch));

	if (!batch) {
		sp_log_error("call history: out of memory; writer stopped");
		return NULL;
	}
	pthread_mutex_lock(&h->lock);
	for (;;) {
		struct timespec until;
		size_t n = 0;

		while (h->count == 0 && !h->stopping) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 200 * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&h->wake, &h->lock, &until);
		}
		if (h->count == 0 && h->stopping)
			break;
		while (h->count > 0 && n < BATCH_MAX) {
			batch[n++] = h->ring[h->head];
			memset(&h->ring[h->head], 0, sizeof(queued));
			h->head = (h->head + 1) % h->cfg.queue_max;
			h->count--;
		}
		pthread_mutex_unlock(&h->lock);

		write_batch(h, batch, n);
		for (size_t i = 0; i < n; i++)
			queued_clear(&batch[i]);

		pthread_mutex_lock(&h->lock);
		h->stored += n;
		pthread_cond_broadcast(&h->done);
	}
	pthread_mutex_unlock(&h->lock);
	free(batch);
	return NULL;
}

int sp_hiscall_open(sp_store *st, const sp_hiscall_config *cfg,
		    sp_hiscall **ret, sp_error *err)
{
	sp_hiscall *h = calloc(1, sizeof(*h));

	if (!h)
		return sp_error_oom(err);
	h->store = st;
	h->cfg = *cfg;
	if (h->cfg.queue_max == 0)
		h->cfg.queue_max = 65536;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	pthread_cond_init(&h->done, NULL);
	host_label(h->host, sizeof(h->host));
	h->ring = calloc(h->cfg.queue_max, sizeof(*h->ring));
	if (!h->ring || asprintf(&h->path, "%s/hiscall.log", cfg->log_dir) < 0) {
		h->path = NULL;
		sp_error_oom(err);
		goto fail;
	}
	if (mkdir(cfg->log_dir, 0700) < 0 && errno != EEXIST) {
		sp_error_set(err, SP_ERR_INTERNAL, "cannot create '%s': %s",
			     cfg->log_dir, strerror(errno));
		goto fail;
	}
	if (file_open(h, err) < 0)
		goto fail;
	if (pthread_create(&h->writer, NULL, writer_main, h) != 0) {
		sp_error_set(err, SP_ERR_INTERNAL, "cannot start the call history writer");
		goto fail;
	}
	*ret = h;
	return 0;
fail:
	if (h->file)
		fclose(h->file);
	free(h->ring);
	free(h->path);
	free(h);
	return -1;
}

void sp_hiscall_close(sp_hiscall *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->writer, NULL);
	if (h->dropped)
		sp_log_warn("call history: %llu records were dropped (queue full)",
			    (unsigned long long)h->dropped);
	if (h->file)
		fclose(h->file);
	free(h->ring);
	free(h->path);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->wake);
	pthread_cond_destroy(&h->done);
	free(h);
}

void sp_hiscall_record(sp_hiscall *h, const char *func, int line,
		       const char *connection, const char *cloudos,
		       const char *regionzone, const char *resource_type,
		       const char *resource_name, const char *cloud_api,
		       double elapsed, const char *error)
{
	const char *in[] = { connection, cloudos, regionzone, resource_type,
			     resource_name, cloud_api, error };
	char **out[ELEMENTSOF(in)];
	size_t len[ELEMENTSOF(in)], total = 0;
	queued q = { .func = func, .line = line };
	char *p;
	bool wake;

	out[0] = &q.rec.connection;
	out[1] = &q.rec.cloudos;
	out[2] = &q.rec.regionzone;
	out[3] = &q.rec.resource_type;
	out[4] = &q.rec.resource_name;
	out[5] = &q.rec.cloud_api;
	out[6] = &q.rec.error;
	for (size_t i = 0; i < ELEMENTSOF(in); i++) {
		len[i] = in[i] ? strlen(in[i]) : 0;
		total += len[i] + 1;
	}
	q.blob = p = malloc(total);
	if (!q.blob) {
		pthread_mutex_lock(&h->lock);
		h->dropped++;
		pthread_mutex_unlock(&h->lock);
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(in); i++) {
		memcpy(p, in[i] ? in[i] : "", len[i]);
		p[len[i]] = '\0';
		field_clean(p);
		*out[i] = p;
		p += len[i] + 1;
	}
	q.rec.time_ms = sp_now_ms();
	q.rec.elapsed = elapsed;

	pthread_mutex_lock(&h->lock);
	if (h->count == h->cfg.queue_max) {
		h->dropped++;
		pthread_mutex_unlock(&h->lock);
		goto drop;
	}
	h->ring[(h->head + h->count) % h->cfg.queue_max] = q;
	h->count++;
	h->enqueued++;
	wake = h->count >= BATCH_MAX / 2;
	if (wake)
		pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	return;
drop:
	queued_clear(&q);
}

void sp_hiscall_flush(sp_hiscall *h)
{
	pthread_mutex_lock(&h->lock);
	uint64_t target = h->enqueued;

	pthread_cond_signal(&h->wake);
	while (h->stored < target)
		pthread_cond_wait(&h->done, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

uint64_t sp_hiscall_dropped(sp_hiscall *h)
{
	uint64_t n;

	pthread_mutex_lock(&h->lock);
	n = h->dropped;
	pthread_mutex_unlock(&h->lock);
	return n;
}
