/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hiscall.c - core/hiscall.h: the call-history line format, the
 * writer thread, the store and the rotating HisCall file, and the bounded
 * queue.
 */
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "core/hiscall.h"
#include "util/common.h"

/* 2026-01-02 15:04:05.123 UTC, a Friday. */
#define T_REF 1767366245123LL

/* String literals for the char * fields of records we only read. */
#define S(lit) ((char *)(lit))

static const sp_hiscall_rec ref_rec = {
	.time_ms = T_REF,
	.connection = S("aws-conn"),
	.cloudos = S("AWS"),
	.regionzone = S("us-east-1/us-east-1a"),
	.resource_type = S("VM"),
	.resource_name = S("vm-01"),
	.cloud_api = S("RunInstances()"),
	.elapsed = 2.02012,
	.error = S(""),
};

/* ---- the line format (reference section 15) ---------------------------- */

/* Run fn with TZ set to tz, then put TZ back. */
static void with_tz(const char *tz, void (*fn)(void))
{
	_cleanup_free_ char *saved = sp_strdup0(getenv("TZ"));

	setenv("TZ", tz, 1);
	tzset();
	fn();
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

static void golden_utc(void)
{
	char buf[2048];

	sp_hiscall_format_line(buf, sizeof(buf), "10.0.0.5", T_REF, "handleVM", 42, &ref_rec);
	assert_string_equal(buf,
		"[HISCALL].[10.0.0.5] 2026-01-02 15:04:05 (Friday) handleVM():42 - "
		"\"CloudOS\" : \"AWS\", \"RegionZone\" : \"us-east-1/us-east-1a\", "
		"\"ResourceType\" : \"VM\", \"ResourceName\" : \"vm-01\", "
		"\"CloudOSAPI\" : \"RunInstances()\", \"ElapsedTime\" : \"2.0201\", "
		"\"ErrorMSG\" : \"\"\n");
}

static void golden_kst(void)
{
	char buf[2048];

	/* Local time, not UTC: in Seoul it is already Saturday. */
	sp_hiscall_format_line(buf, sizeof(buf), "host-a", T_REF, "f", 1, &ref_rec);
	assert_non_null(strstr(buf, "[HISCALL].[host-a] 2026-01-03 00:04:05 (Saturday) f():1 - "));
}

static void test_format_line_golden(void **state)
{
	with_tz("UTC0", golden_utc);
	with_tz("KST-9", golden_kst);
}

static void test_format_line_local_time(void **state)
{
	static const char *const days[] = { "Sunday", "Monday", "Tuesday", "Wednesday",
					     "Thursday", "Friday", "Saturday" };
	sp_hiscall_rec r = ref_rec;
	time_t t = (time_t)(T_REF / 1000);
	struct tm tm;
	char want[2048], got[2048];

	r.elapsed = 0.00005;
	r.error = S("Unauthorized: bad key");
	localtime_r(&t, &tm);
	snprintf(want, sizeof(want),
		 "[HISCALL].[h] %04d-%02d-%02d %02d:%02d:%02d (%s) fn():7 - \"CloudOS\" : \"AWS\", "
		 "\"RegionZone\" : \"us-east-1/us-east-1a\", \"ResourceType\" : \"VM\", "
		 "\"ResourceName\" : \"vm-01\", \"CloudOSAPI\" : \"RunInstances()\", "
		 "\"ElapsedTime\" : \"0.0001\", \"ErrorMSG\" : \"Unauthorized: bad key\"\n",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, days[tm.tm_wday]);
	sp_hiscall_format_line(got, sizeof(got), "h", T_REF, "fn", 7, &r);
	assert_string_equal(got, want);
}

static void test_format_line_elapsed(void **state)
{
	static const struct {
		double elapsed;
		const char *want;
	} cases[] = {
		{ 0.0, "\"ElapsedTime\" : \"0.0000\"" },
		{ 1.0, "\"ElapsedTime\" : \"1.0000\"" },
		{ 0.12344, "\"ElapsedTime\" : \"0.1234\"" },
		{ 12.5, "\"ElapsedTime\" : \"12.5000\"" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sp_hiscall_rec r = ref_rec;
		char buf[2048];

		r.elapsed = cases[i].elapsed;
		sp_hiscall_format_line(buf, sizeof(buf), "h", T_REF, "f", 1, &r);
		if (!strstr(buf, cases[i].want))
			fail_msg("elapsed %g: '%s'", cases[i].elapsed, buf);
	}
}

static void test_format_line_small_buffer(void **state)
{
	char buf[32];

	memset(buf, 'X', sizeof(buf));
	sp_hiscall_format_line(buf, 16, "10.0.0.5", T_REF, "f", 1, &ref_rec);
	assert_int_equal(strlen(buf), 15);
	assert_int_equal(buf[16], 'X');
	assert_memory_equal(buf, "[HISCALL].[10.0", 15);
}

/* ---- fixtures: a store and a log directory ------------------------------ */

typedef struct fixture {
	char *dir;
	char *log_dir;   /* <dir>/log, made by sp_hiscall_open */
	char *log;       /* <log_dir>/hiscall.log */
	sp_store *st;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	_cleanup_free_ char *db = NULL;
	sp_error err = { 0 };

	if (!f)
		return -1;
	f->dir = strdup("/tmp/spider-hiscall-test-XXXXXX");
	if (!f->dir || !mkdtemp(f->dir) ||
	    asprintf(&f->log_dir, "%s/log", f->dir) < 0 ||
	    asprintf(&f->log, "%s/hiscall.log", f->log_dir) < 0 ||
	    asprintf(&db, "%s/spider.db", f->dir) < 0)
		return -1;
	if (sp_store_sqlite_open(db, &f->st, &err) < 0) {
		print_error("%s\n", err.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	int rc;

	sp_store_close(f->st);
	rc = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->log);
	free(f->log_dir);
	free(f->dir);
	free(f);
	return rc;
}

static sp_hiscall *open_hiscall(fixture *f, size_t max_bytes, unsigned keep,
				size_t keep_rows, size_t queue_max)
{
	sp_hiscall_config cfg = {
		.log_dir = f->log_dir,
		.file_max_bytes = max_bytes,
		.file_keep = keep,
		.keep_rows = keep_rows,
		.queue_max = queue_max,
	};
	sp_hiscall *h = NULL;
	sp_error err = { 0 };

	if (sp_hiscall_open(f->st, &cfg, &h, &err) < 0)
		fail_msg("sp_hiscall_open: %s", err.message);
	return h;
}

/* The whole of a small file, or NULL when it does not exist. */
static char *slurp(const char *path)
{
	_cleanup_fclose_ FILE *fp = fopen(path, "re");
	char *buf;
	size_t n;

	if (!fp)
		return NULL;
	buf = calloc(1, 1 << 20);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, fp);
	buf[n] = '\0';
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void query_all(sp_store *st, sp_hiscall_rec **ret, size_t *ret_n)
{
	sp_error err = { 0 };

	if (sp_store_hiscall_query(st, &(sp_hiscall_filter){ .limit = 100000 }, ret, ret_n,
				   &err) < 0)
		fail_msg("query: %s", err.message);
}

/* ---- the writer ------------------------------------------------------------ */

static void test_record_lands_in_store_and_file(void **state)
{
	fixture *f = *state;
	sp_hiscall *h = open_hiscall(f, 1 << 20, 3, 1000, 0);
	_cleanup_free_ char *text = NULL;
	sp_hiscall_rec *recs = NULL;
	size_t n = 0;
	int64_t t0 = sp_now_ms();
	struct stat st;

	assert_int_equal(sp_hiscall_dropped(h), 0);
	sp_hiscall_record(h, "listSpec", 10, "conn-1", "MOCK", "default/default-z1", "VMSPEC",
			  "", "ListVMSpec()", 0.0123, NULL);
	sp_hiscall_record(h, "getImage", 20, "conn-2", "MOCK", "default/default-z1", "VMIMAGE",
			  "img-1", "GetImage()", 1.5, "");
	sp_hiscall_record(h, "startVM", 30, "conn-1", "MOCK", "default/default-z1", "VM",
			  "vm-1", "StartVM()", 0.25, "quota \"vCPU\" exceeded\nretry later");
	sp_hiscall_flush(h);

	/* In the store, newest first. */
	query_all(f->st, &recs, &n);
	assert_int_equal(n, 3);
	assert_string_equal(recs[0].resource_name, "vm-1");
	assert_string_equal(recs[0].connection, "conn-1");
	assert_string_equal(recs[0].cloud_api, "StartVM()");
	assert_true(strncmp(recs[0].error, "quota ", 6) == 0);
	assert_string_equal(recs[1].resource_type, "VMIMAGE");
	assert_string_equal(recs[1].error, "");
	assert_string_equal(recs[2].resource_name, "");
	assert_string_equal(recs[2].regionzone, "default/default-z1");
	assert_string_equal(recs[2].error, "");
	assert_float_equal(recs[2].elapsed, 0.0123, 1e-9);
	for (size_t i = 0; i < n; i++)
		assert_in_range(recs[i].time_ms, t0 - 1000, sp_now_ms() + 1000);
	sp_hiscall_recs_free(recs, n);

	/* In the file, one line each, oldest first. */
	text = slurp(f->log);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 3);
	assert_true(strncmp(text, "[HISCALL].[", 11) == 0);
	assert_non_null(strstr(text, "listSpec():10 - \"CloudOS\" : \"MOCK\", \"RegionZone\" : \"default/default-z1\", \"ResourceType\" : \"VMSPEC\", \"ResourceName\" : \"\", \"CloudOSAPI\" : \"ListVMSpec()\", \"ElapsedTime\" : \"0.0123\", \"ErrorMSG\" : \"\"\n"));
	assert_non_null(strstr(text, "getImage():20 - "));
	/* Quotes and newlines in an error cannot break the line. */
	assert_non_null(strstr(text, "startVM():30 - "));
	assert_non_null(strstr(text, "\"ErrorMSG\" : \"quota 'vCPU' exceeded retry later\"\n"));
	assert_true(strstr(text, "listSpec") < strstr(text, "getImage"));
	assert_true(strstr(text, "getImage") < strstr(text, "startVM"));

	/* The log directory was made private. */
	assert_int_equal(stat(f->log_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(sp_hiscall_dropped(h), 0);
	sp_hiscall_close(h);
}

static void test_close_writes_queued(void **state)
{
	fixture *f = *state;
	sp_hiscall *h = open_hiscall(f, 1 << 20, 3, 1000, 0);
	_cleanup_free_ char *text = NULL;
	sp_hiscall_rec *recs = NULL;
	size_t n = 0;

	for (int i = 0; i < 5; i++)
		sp_hiscall_record(h, "f", i, "c", "MOCK", "r/z", "VM", "vm", "X()", 0, NULL);
	/* No flush: close must write out what is queued. */
	sp_hiscall_close(h);
	query_all(f->st, &recs, &n);
	assert_int_equal(n, 5);
	sp_hiscall_recs_free(recs, n);
	text = slurp(f->log);
	assert_int_equal(count_lines(text), 5);
	sp_hiscall_close(NULL);
}

static void test_keep_rows(void **state)
{
	fixture *f = *state;
	sp_hiscall *h = open_hiscall(f, 1 << 20, 3, 4, 0);
	sp_hiscall_rec *recs = NULL;
	size_t n = 0;

	for (int i = 0; i < 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "r%d", i);
		sp_hiscall_record(h, "f", i, "c", "MOCK", "r/z", "VM", name, "X()", 0, NULL);
	}
	sp_hiscall_close(h);
	query_all(f->st, &recs, &n);
	assert_int_equal(n, 4);
	assert_string_equal(recs[0].resource_name, "r9");
	assert_string_equal(recs[3].resource_name, "r6");
	sp_hiscall_recs_free(recs, n);
}

/* Every record is one line, whatever its fields hold.  A resource name
 * reaches the call history from the request path (GET
 * /spider/vmimage/x%0Ay decodes to "x\ny"), so a newline or quote in any
 * field must not split the line or forge another: they are sanitised the
 * way ErrorMSG already is ('"' -> '\'', CR/LF -> ' '). */
static void test_fields_cannot_break_lines(void **state)
{
	fixture *f = *state;
	sp_hiscall *h = open_hiscall(f, 1 << 20, 1, 100, 0);
	_cleanup_free_ char *text = NULL;

	sp_hiscall_record(h, "getImage", 1, "c", "MOCK", "r/z\r\n", "VMIMAGE",
			  "x\n[HISCALL].[forged] \"y\"", "GetImage(\"q\")", 0, NULL);
	sp_hiscall_close(h);
	text = slurp(f->log);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 1);
	assert_null(strchr(text, '\r'));
	assert_non_null(strstr(text, "\"RegionZone\" : \"r/z  \""));
	assert_non_null(strstr(text, "\"ResourceName\" : \"x [HISCALL].[forged] 'y'\""));
	assert_non_null(strstr(text, "\"CloudOSAPI\" : \"GetImage('q')\""));
}

/* A long field (a cloud's error text easily passes 2 KB) may be cut, but
 * the line still ends, so the next record starts a line of its own. */
static void test_long_record_keeps_line_end(void **state)
{
	fixture *f = *state;
	sp_hiscall *h = open_hiscall(f, 1 << 20, 1, 100, 0);
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *error = malloc(5000);
	const char *second;

	assert_non_null(error);
	memset(error, 'e', 4999);
	error[4999] = '\0';
	sp_hiscall_record(h, "f", 1, "c", "MOCK", "r/z", "VM", "vm-long", "X()", 0, error);
	sp_hiscall_record(h, "f", 2, "c", "MOCK", "r/z", "VM", "vm-next", "Y()", 0, NULL);
	sp_hiscall_close(h);
	text = slurp(f->log);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 2);
	second = strchr(text, '\n');
	assert_non_null(second);
	assert_true(strncmp(second + 1, "[HISCALL].[", 11) == 0);
	/* The first line is closed the way every line is. */
	assert_true(second - text >= 2);
	assert_memory_equal(second - 1, "\"", 1);
	/* Both are in the store too. */
	{
		sp_hiscall_rec *recs = NULL;
		size_t n = 0;

		query_all(f->st, &recs, &n);
		assert_int_equal(n, 2);
		assert_string_equal(recs[1].resource_name, "vm-long");
		assert_true(strncmp(recs[1].error, "eeee", 4) == 0);
		sp_hiscall_recs_free(recs, n);
	}
}

static char *rotated(const fixture *f, unsigned i)
{
	char *p;

	if (asprintf(&p, "%s.%u", f->log, i) < 0)
		fail_msg("out of memory");
	return p;
}

static void test_rotation(void **state)
{
	fixture *f = *state;
	/* Each line is over 150 bytes: a file of 300 holds one line. */
	sp_hiscall *h = open_hiscall(f, 300, 2, 1000, 0);
	_cleanup_free_ char *p1 = rotated(f, 1);
	_cleanup_free_ char *p2 = rotated(f, 2);
	_cleanup_free_ char *p3 = rotated(f, 3);
	sp_hiscall_rec *recs = NULL;
	size_t n = 0;

	for (int i = 0; i < 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vm-%02d", i);
		sp_hiscall_record(h, "rot", i, "c", "MOCK", "r/z", "VM", name, "X()", 0, NULL);
	}
	sp_hiscall_flush(h);

	{
		_cleanup_free_ char *cur = slurp(f->log);
		_cleanup_free_ char *one = slurp(p1);
		_cleanup_free_ char *two = slurp(p2);
		_cleanup_free_ char *three = slurp(p3);
		struct stat st;

		assert_non_null(cur);
		assert_non_null(one);
		assert_non_null(two);
		/* No more than file_keep rotated files. */
		assert_null(three);
		/* Newest in hiscall.log, then .1, then .2. */
		assert_int_equal(count_lines(cur), 1);
		assert_int_equal(count_lines(one), 1);
		assert_int_equal(count_lines(two), 1);
		assert_true(strlen(cur) > 150 && strlen(cur) <= 300);
		assert_non_null(strstr(cur, "\"ResourceName\" : \"vm-09\""));
		assert_non_null(strstr(one, "\"ResourceName\" : \"vm-08\""));
		assert_non_null(strstr(two, "\"ResourceName\" : \"vm-07\""));
		assert_int_equal(stat(f->log, &st), 0);
		assert_int_equal((size_t)st.st_size, strlen(cur));
	}
	/* Rotation is for the file only: the store has every record. */
	query_all(f->st, &recs, &n);
	assert_int_equal(n, 10);
	sp_hiscall_recs_free(recs, n);
	sp_hiscall_close(h);

	/* A restart counts what is already in the file. */
	h = open_hiscall(f, 300, 2, 1000, 0);
	sp_hiscall_record(h, "rot", 99, "c", "MOCK", "r/z", "VM", "vm-10", "X()", 0, NULL);
	sp_hiscall_close(h);
	{
		_cleanup_free_ char *cur = slurp(f->log);
		_cleanup_free_ char *one = slurp(p1);
		_cleanup_free_ char *three = slurp(p3);

		assert_int_equal(count_lines(cur), 1);
		assert_non_null(strstr(cur, "\"ResourceName\" : \"vm-10\""));
		assert_non_null(strstr(one, "\"ResourceName\" : \"vm-09\""));
		assert_null(three);
	}
}

static void test_rotation_keep_zero(void **state)
{
	fixture *f = *state;
	sp_hiscall *h = open_hiscall(f, 300, 0, 1000, 0);
	_cleanup_free_ char *p1 = rotated(f, 1);
	_cleanup_free_ char *cur = NULL;
	_cleanup_free_ char *one = NULL;

	for (int i = 0; i < 4; i++)
		sp_hiscall_record(h, "rot", i, "c", "MOCK", "r/z", "VM", "vm", "X()", 0, NULL);
	sp_hiscall_close(h);
	cur = slurp(f->log);
	one = slurp(p1);
	assert_int_equal(count_lines(cur), 1);
	assert_null(one);
}

/* ---- the bounded queue ------------------------------------------------------ */

/* A store whose hiscall_append blocks until released, so the writer can be
 * held while the queue fills up. */
typedef struct gate_store {
	sp_store base;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, open;
	size_t appended;
	size_t keep_max;
} gate_store;

static int gate_append(sp_store *st, const sp_hiscall_rec *recs, size_t n,
		       size_t keep_max, sp_error *err)
{
	gate_store *g = (gate_store *)st;

	pthread_mutex_lock(&g->lock);
	g->entered = true;
	g->appended += n;
	g->keep_max = keep_max;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static const sp_store_ops gate_ops = {
	.name = "gate",
	.hiscall_append = gate_append,
};

static void test_queue_full_drops(void **state)
{
	fixture *f = *state;
	gate_store g = { .base.ops = &gate_ops };
	sp_hiscall_config cfg = {
		.log_dir = f->log_dir, .file_max_bytes = 1 << 20, .file_keep = 1,
		.keep_rows = 77, .queue_max = 4,
	};
	sp_hiscall *h = NULL;
	sp_error err = { 0 };
	struct timespec until;
	bool entered;

	pthread_mutex_init(&g.lock, NULL);
	pthread_cond_init(&g.cond, NULL);
	assert_int_equal(sp_hiscall_open(&g.base, &cfg, &h, &err), 0);
	assert_int_equal(sp_hiscall_dropped(h), 0);

	/* One record reaches the writer, which then blocks in the store. */
	sp_hiscall_record(h, "f", 1, "c", "MOCK", "r/z", "VM", "first", "X()", 0, NULL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&g.lock);
	while (!g.entered &&
	       pthread_cond_timedwait(&g.cond, &g.lock, &until) == 0)
		;
	entered = g.entered;
	pthread_mutex_unlock(&g.lock);
	assert_true(entered);

	/* queue_max more fit; the rest are dropped and counted, and recording
	 * never blocks. */
	for (int i = 0; i < 4; i++)
		sp_hiscall_record(h, "f", 2, "c", "MOCK", "r/z", "VM", "queued", "X()", 0, NULL);
	assert_int_equal(sp_hiscall_dropped(h), 0);
	for (int i = 0; i < 3; i++)
		sp_hiscall_record(h, "f", 3, "c", "MOCK", "r/z", "VM", "dropped", "X()", 0, NULL);
	assert_int_equal(sp_hiscall_dropped(h), 3);

	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	sp_hiscall_flush(h);
	assert_int_equal(g.appended, 5);
	assert_int_equal(g.keep_max, 77);
	assert_int_equal(sp_hiscall_dropped(h), 3);
	/* With room again, records are taken. */
	sp_hiscall_record(h, "f", 4, "c", "MOCK", "r/z", "VM", "later", "X()", 0, NULL);
	sp_hiscall_flush(h);
	assert_int_equal(g.appended, 6);
	sp_hiscall_close(h);
	{
		_cleanup_free_ char *text = slurp(f->log);

		assert_int_equal(count_lines(text), 6);
		assert_null(strstr(text, "dropped"));
	}
	pthread_mutex_destroy(&g.lock);
	pthread_cond_destroy(&g.cond);
}

#define RECORDERS 6
#define PER_RECORDER 200

typedef struct recorder {
	sp_hiscall *h;
	int id;
} recorder;

static void *recorder_main(void *arg)
{
	recorder *r = arg;

	for (int i = 0; i < PER_RECORDER; i++) {
		char name[32];

		snprintf(name, sizeof(name), "t%d-%d", r->id, i);
		sp_hiscall_record(r->h, "thr", i, "c", "MOCK", "r/z", "VM", name, "X()", 0, NULL);
	}
	return NULL;
}

static void test_concurrent_record(void **state)
{
	fixture *f = *state;
	sp_hiscall *h = open_hiscall(f, 1 << 24, 1, 100000, 0);
	pthread_t th[RECORDERS];
	recorder r[RECORDERS];
	_cleanup_free_ char *text = NULL;
	sp_hiscall_rec *recs = NULL;
	size_t n = 0;

	for (int i = 0; i < RECORDERS; i++) {
		r[i] = (recorder){ .h = h, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, recorder_main, &r[i]), 0);
	}
	for (int i = 0; i < RECORDERS; i++)
		pthread_join(th[i], NULL);
	sp_hiscall_flush(h);
	assert_int_equal(sp_hiscall_dropped(h), 0);
	query_all(f->st, &recs, &n);
	assert_int_equal(n, RECORDERS * PER_RECORDER);
	sp_hiscall_recs_free(recs, n);
	sp_hiscall_close(h);
	text = slurp(f->log);
	assert_int_equal(count_lines(text), RECORDERS * PER_RECORDER);
}

static void test_open_bad_dir(void **state)
{
	fixture *f = *state;
	_cleanup_free_ char *bad = NULL;
	sp_hiscall_config cfg = { .file_max_bytes = 1000, .file_keep = 1, .keep_rows = 10 };
	sp_hiscall *h = NULL;
	sp_error err = { 0 };

	assert_true(asprintf(&bad, "%s/no/such/dir", f->dir) > 0);
	cfg.log_dir = bad;
	assert_int_equal(sp_hiscall_open(f->st, &cfg, &h, &err), -1);
	assert_null(h);
	assert_non_null(strstr(err.message, bad));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_line_golden),
		cmocka_unit_test(test_format_line_local_time),
		cmocka_unit_test(test_format_line_elapsed),
		cmocka_unit_test(test_format_line_small_buffer),
		T(test_record_lands_in_store_and_file),
		T(test_close_writes_queued),
		T(test_keep_rows),
		T(test_fields_cannot_break_lines),
		T(test_long_record_keeps_line_end),
		T(test_rotation),
		T(test_rotation_keep_zero),
		T(test_queue_full_drops),
		T(test_concurrent_record),
		T(test_open_bad_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
