/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_iid.c - core/iid.h: resource types, xid, spXID and the stored
 * SystemId.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/common.h"
#include "core/iid.h"

static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";

/* 20 characters of the alphabet; the last one holds one bit. */
static bool is_xid(const char *s)
{
	if (strlen(s) != SP_XID_LEN || strspn(s, alphabet) != SP_XID_LEN)
		return false;
	return s[SP_XID_LEN - 1] == '0' || s[SP_XID_LEN - 1] == 'g';
}

static const sp_provider *provider(const char *name)
{
	const sp_provider *p = sp_provider_find(name);

	if (!p)
		fail_msg("provider '%s' unknown", name);
	return p;
}

/* ---- resource types ---- */

static void test_rtype_names(void **state)
{
	static const char *const names[] = {
		"vpc", "subnet", "sg", "keypair", "vm", "disk", "nlb",
		"myimage", "cluster", "nodegroup", "rdbms",
	};
	static const char *const displays[] = {
		"VPC", "Subnet", "Security Group", "VM KeyPair", "VM", "Disk",
		"Network Load Balancer", "MyImage", "Kubernetes Cluster",
		"Kubernetes NodeGroup", "Relational Database",
	};

	assert_int_equal(SP_RT_COUNT, ELEMENTSOF(names));
	for (unsigned i = 0; i < SP_RT_COUNT; i++) {
		assert_string_equal(sp_rtype_name((sp_rtype)i), names[i]);
		assert_string_equal(sp_rtype_display((sp_rtype)i), displays[i]);
	}
	assert_null(sp_rtype_name(SP_RT_COUNT));
	assert_null(sp_rtype_display(SP_RT_COUNT));
	assert_null(sp_rtype_name((sp_rtype)-1));
	/* The order of sp_provider.id_max: AWS NLB is 32, RDBMS 63. */
	assert_int_equal(provider("AWS")->id_max[SP_RT_NLB], 32);
	assert_int_equal(provider("AWS")->id_max[SP_RT_RDBMS], 63);
	assert_int_equal(provider("GCP")->id_max[SP_RT_KEYPAIR], 0);
}

static void test_rtype_parse(void **state)
{
	sp_rtype t = SP_RT_COUNT;

	for (unsigned i = 0; i < SP_RT_COUNT; i++) {
		assert_int_equal(sp_rtype_parse(sp_rtype_name((sp_rtype)i), &t), 0);
		assert_int_equal(t, i);
	}
	assert_int_equal(sp_rtype_parse("VPC", &t), 0);
	assert_int_equal(t, SP_RT_VPC);
	assert_int_equal(sp_rtype_parse("NodeGroup", &t), 0);
	assert_int_equal(t, SP_RT_NODEGROUP);
	assert_int_equal(sp_rtype_parse("sG", &t), 0);
	assert_int_equal(t, SP_RT_SG);

	t = SP_RT_COUNT;
	assert_int_equal(sp_rtype_parse("image", &t), -1);
	assert_int_equal(sp_rtype_parse("securitygroup", &t), -1);
	assert_int_equal(sp_rtype_parse("Security Group", &t), -1);
	assert_int_equal(sp_rtype_parse("vpc ", &t), -1);
	assert_int_equal(sp_rtype_parse("", &t), -1);
	assert_int_equal(sp_rtype_parse(NULL, &t), -1);
	assert_int_equal(t, SP_RT_COUNT);
}

/* ---- xid ---- */

static void test_xid_format(void **state)
{
	char a[SP_XID_LEN + 1], b[SP_XID_LEN + 1];

	for (int i = 0; i < 1000; i++) {
		assert_int_equal(sp_xid_new(a), 0);
		if (!is_xid(a))
			fail_msg("bad xid '%s'", a);
	}
	/* Same process: same random bytes (characters 7..13 hold only
	 * them), another counter. */
	assert_int_equal(sp_xid_new(a), 0);
	assert_int_equal(sp_xid_new(b), 0);
	assert_memory_equal(a + 7, b + 7, 7);
	assert_string_not_equal(a, b);
}

static void test_xid_golden(void **state)
{
	static const uint8_t zero[5], ones[5] = { 0xff, 0xff, 0xff, 0xff, 0xff };
	static const struct {
		uint32_t secs;
		uint8_t rnd[5];
		uint32_t counter;
		const char *want;
	} cases[] = {
		/* The example of the reference and of the xid format. */
		{ 0x4d88e15b, { 0x60, 0xf4, 0x86, 0xe4, 0x28 }, 0x412dc9, "9m4e2mr0ui3e8a215n4g" },
		{ 0, { 0 }, 0, "00000000000000000000" },
		{ 0xffffffff, { 0xff, 0xff, 0xff, 0xff, 0xff }, 0xffffff, "vvvvvvvvvvvvvvvvvvvg" },
		{ 0x01234567, { 0x89, 0xab, 0xcd, 0xef, 0x01 }, 0x234567, "04hkaps9lf6uu0938ljg" },
		{ 1, { 0 }, 0, "00000080000000000000" },
		{ 0x5f5e1000, { 1, 2, 3, 4, 5 }, 0xabcdef, "btf10001081g81dbpnng" },
		{ 0x80000000, { 0 }, 1, "g000000000000000000g" },
	};
	char out[SP_XID_LEN + 1];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sp_xid_from(cases[i].secs, cases[i].rnd, cases[i].counter, out);
		assert_string_equal(out, cases[i].want);
	}
	/* Only the low 24 bits of the counter count. */
	sp_xid_from(0, zero, 0x1000000, out);
	assert_string_equal(out, "00000000000000000000");
	sp_xid_from(0xffffffff, ones, 0xffffffff, out);
	assert_string_equal(out, "vvvvvvvvvvvvvvvvvvvg");
}

/* A new xid starts with the current time: its first 6 characters hold
 * 30 of the 32 time bits and nothing else. */
static void test_xid_time_prefix(void **state)
{
	static const uint8_t zero[5];
	char got[SP_XID_LEN + 1], want[SP_XID_LEN + 1];

	for (int tries = 0; tries < 5; tries++) {
		time_t before = time(NULL);

		assert_int_equal(sp_xid_new(got), 0);
		if (time(NULL) != before)
			continue;
		sp_xid_from((uint32_t)before, zero, 0, want);
		assert_memory_equal(got, want, 6);
		return;
	}
	fail_msg("the clock kept changing second");
}

static void test_xid_order(void **state)
{
	static const uint8_t zero[5], ones[5] = { 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint32_t times[] = {
		0, 1, 31, 32, 1023, 1024, 1700000000, 1700000031, 1700000032,
		0x7fffffff, 0xfffffffe,
	};
	char a[SP_XID_LEN + 1], b[SP_XID_LEN + 1];

	for (size_t i = 0; i < ELEMENTSOF(times); i++) {
		uint32_t t = times[i];

		/* Across a second boundary the time wins over everything. */
		sp_xid_from(t, ones, 0xffffff, a);
		sp_xid_from(t + 1, zero, 0, b);
		if (strcmp(a, b) >= 0)
			fail_msg("t=%u: '%s' !< '%s'", t, a, b);
		/* Within a second, the counter orders one process's IDs. */
		for (uint32_t c = 0; c < 64; c++) {
			sp_xid_from(t, ones, c, a);
			sp_xid_from(t, ones, c + 1, b);
			if (strcmp(a, b) >= 0)
				fail_msg("c=%u: '%s' !< '%s'", c, a, b);
		}
	}
}

#define XID_THREADS 4
#define XID_PER_THREAD 25000

struct xid_batch {
	char (*ids)[SP_XID_LEN + 1];
	int failed;
};

static void *xid_worker(void *arg)
{
	struct xid_batch *b = arg;

	for (int i = 0; i < XID_PER_THREAD; i++)
		if (sp_xid_new(b->ids[i]) < 0 || !is_xid(b->ids[i]))
			b->failed++;
	return NULL;
}

static int cmp_xid(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_xid_unique_threads(void **state)
{
	const size_t total = (size_t)XID_THREADS * XID_PER_THREAD;
	char (*ids)[SP_XID_LEN + 1] = calloc(total, SP_XID_LEN + 1);
	struct xid_batch batch[XID_THREADS];
	pthread_t th[XID_THREADS];

	assert_non_null(ids);
	for (int i = 0; i < XID_THREADS; i++) {
		batch[i].ids = ids + (size_t)i * XID_PER_THREAD;
		batch[i].failed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, xid_worker, &batch[i]), 0);
	}
	for (int i = 0; i < XID_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(batch[i].failed, 0);
	}
	qsort(ids, total, SP_XID_LEN + 1, cmp_xid);
	for (size_t i = 1; i < total; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			fail_msg("duplicate xid '%s'", ids[i]);
	free(ids);
}

/* A forked child is a new process: new random bytes. */
static void test_xid_fork(void **state)
{
	char parent[SP_XID_LEN + 1], child[SP_XID_LEN + 1] = "";
	int fd[2], status;
	pid_t pid;

	assert_int_equal(sp_xid_new(parent), 0);
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char id[SP_XID_LEN + 1];

		close(fd[0]);
		if (sp_xid_new(id) < 0 || write(fd[1], id, SP_XID_LEN) != SP_XID_LEN)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], child, SP_XID_LEN), SP_XID_LEN);
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(is_xid(child));
	assert_memory_not_equal(parent + 7, child + 7, 7);
}

/* ---- spXID ---- */

/* The spXID of name: prefix, then sep, then an xid. */
static void expect_general(const sp_provider *p, sp_rtype type,
			   const char *name, const char *prefix, char sep)
{
	_cleanup_free_ char *got = NULL;
	sp_error err = { 0 };
	size_t n = strlen(prefix);

	if (sp_spxid(p, type, name, true, &got, &err) < 0)
		fail_msg("%s %s '%s': %s", p->name, sp_rtype_name(type), name,
			 err.message);
	if (strncmp(got, prefix, n) != 0 || (sep && got[n++] != sep) ||
	    !is_xid(got + n))
		fail_msg("%s %s '%s' gave '%s' (want '%s%c<xid>')", p->name,
			 sp_rtype_name(type), name, got, prefix, sep);
}

static bool is_special(const sp_provider *p, sp_rtype t)
{
	if (strcmp(p->name, "AZURE") == 0 || strcmp(p->name, "IBM") == 0)
		return t == SP_RT_NODEGROUP;
	if (strcmp(p->name, "NHN") == 0)
		return t == SP_RT_CLUSTER || t == SP_RT_NODEGROUP;
	if (strcmp(p->name, "NCP") == 0)
		return t == SP_RT_CLUSTER || t == SP_RT_NODEGROUP ||
		       t == SP_RT_RDBMS;
	return false;
}

/* For every provider and type outside the special cases, a long name is
 * cut to L-21 (9 when L = 0) and the spXID is exactly L (30) long. */
static void test_spxid_every_limit(void **state)
{
	size_t n_prov;
	const sp_provider *all = sp_provider_all(&n_prov);
	char name[400];
	int errors = 0;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (size_t i = 0; i < n_prov; i++) {
		const sp_provider *p = &all[i];
		char sep = strcmp(p->name, "TENCENT") == 0 ? '_' : '-';

		for (unsigned t = 0; t < SP_RT_COUNT; t++) {
			unsigned L = p->id_max[t];
			size_t prefix = L == 0 ? 9 : L - 21;
			_cleanup_free_ char *got = NULL;
			char want[300];
			sp_error err = { 0 };

			if (is_special(p, (sp_rtype)t))
				continue;
			if (L >= 1 && L <= 21) {
				assert_int_equal(sp_spxid(p, (sp_rtype)t, name, true, &got, &err), -1);
				assert_int_equal(err.code, SP_ERR_INVALID);
				assert_null(got);
				errors++;
				continue;
			}
			assert_true(prefix < sizeof(want));
			memset(want, 'a', prefix);
			want[prefix] = '\0';
			expect_general(p, (sp_rtype)t, name, want, sep);
			assert_int_equal(sp_spxid(p, (sp_rtype)t, name, true, &got, &err), 0);
			assert_int_equal(strlen(got), L == 0 ? 30 : L);
		}
	}
	/* Only KT's node group (L = 20) is below the minimum. */
	assert_int_equal(errors, 1);
}

static void test_spxid_known_limits(void **state)
{
	const char *long_name = "Abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
				"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmno"
				"pqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd"
				"efghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz012";
	_cleanup_free_ char *got = NULL;
	sp_error err = { 0 };

	/* AWS VM: 255 -> prefix 234. */
	assert_true(strlen(long_name) > 234);
	assert_int_equal(sp_spxid(provider("AWS"), SP_RT_VM, long_name, true, &got, &err), 0);
	assert_int_equal(strlen(got), 255);
	assert_int_equal(got[234], '-');
	assert_true(is_xid(got + 235));
	assert_int_equal(got[0], 'a');
	assert_memory_equal(got + 1, long_name + 1, 233);

	/* GCP keypair: 0 -> prefix 9. */
	expect_general(provider("GCP"), SP_RT_KEYPAIR, "keypair-for-gcp", "keypair-f", '-');
	/* TENCENT keypair: 25 -> prefix 4. */
	expect_general(provider("TENCENT"), SP_RT_KEYPAIR, "keypair-01", "keyp", '_');
	/* AWS NLB: 32 -> prefix 11. */
	expect_general(provider("AWS"), SP_RT_NLB, "my-load-balancer", "my-load-bal", '-');
	/* NCP VM (not Windows): 30 -> prefix 9. */
	expect_general(provider("NCP"), SP_RT_VM, "WinServer2022-01", "winserver", '-');
	/* Names shorter than the prefix are kept whole. */
	expect_general(provider("MOCK"), SP_RT_VPC, "vpc-01", "vpc-01", '-');
	/* The provider is found in any case; so is TENCENT. */
	expect_general(provider("tencent"), SP_RT_VPC, "vpc-01", "vpc_01", '_');
}

static void test_spxid_min_length(void **state)
{
	sp_provider p = { .name = "HANDMADE" };
	char *got = (char *)"untouched";
	sp_error err = { 0 };

	for (unsigned L = 1; L <= 21; L++) {
		p.id_max[SP_RT_VM] = L;
		memset(&err, 0, sizeof(err));
		assert_int_equal(sp_spxid(&p, SP_RT_VM, "vm-01", true, &got, &err), -1);
		assert_int_equal(err.code, SP_ERR_INVALID);
		assert_string_equal(err.message, "The Minimum ID Length must be greater than 21!");
		assert_string_equal(got, "untouched");
	}
	/* 22 leaves a prefix of one character. */
	p.id_max[SP_RT_VM] = 22;
	expect_general(&p, SP_RT_VM, "vm-01", "v", '-');
	/* 0 means no limit known: 9. */
	p.id_max[SP_RT_VM] = 0;
	expect_general(&p, SP_RT_VM, "vm-0123456789", "vm-012345", '-');
	/* KT node group is 20 in the table: the same error. */
	assert_int_equal(sp_spxid(provider("KT"), SP_RT_NODEGROUP, "ng-01", true, &got, &err), -1);
	assert_string_equal(err.message, "The Minimum ID Length must be greater than 21!");
	/* A NULL err is allowed. */
	assert_int_equal(sp_spxid(provider("KT"), SP_RT_NODEGROUP, "ng-01", true, &got, NULL), -1);
	assert_string_equal(got, "untouched");
}

static void test_spxid_cook(void **state)
{
	const sp_provider *aws = provider("AWS");
	const sp_provider *gcp = provider("GCP");

	/* Everything before the first letter goes. */
	expect_general(aws, SP_RT_VM, "123web", "web", '-');
	expect_general(aws, SP_RT_VM, "-_.9Ab", "ab", '-');
	expect_general(aws, SP_RT_VM, "01-vm-02", "vm-02", '-');
	/* Characters outside [A-Za-z0-9_-] go, wherever they are. */
	expect_general(aws, SP_RT_VM, "my.vm@01!", "myvm01", '-');
	expect_general(aws, SP_RT_VM, "a b/c:d", "abcd", '-');
	expect_general(aws, SP_RT_VM, "\xc3\xa9t\xc3\xa9-1", "t-1", '-');
	/* Lower case. */
	expect_general(aws, SP_RT_VPC, "MyVPC-01", "myvpc-01", '-');
	/* Cut at the prefix, counting only kept characters. */
	expect_general(gcp, SP_RT_KEYPAIR, "abcdefghijklmno", "abcdefghi", '-');
	expect_general(gcp, SP_RT_KEYPAIR, "a.b.c.d.e.f.g.h.i.j.k", "abcdefghi", '-');
	expect_general(gcp, SP_RT_KEYPAIR, "12345key.pair-0001", "keypair-0", '-');
	/* A name that keeps a '-' at its end keeps it before the separator. */
	expect_general(gcp, SP_RT_KEYPAIR, "abcdefgh-xyz", "abcdefgh-", '-');
	/* Nothing left: "x" stands in for the cooked name. */
	expect_general(aws, SP_RT_VM, "123", "x", '-');
	expect_general(aws, SP_RT_VM, "9-_.", "x", '-');
	expect_general(provider("TENCENT"), SP_RT_VM, "2024", "x", '_');
	/* ...and still fits the smallest possible limit, 22. */
	{
		sp_provider p = { .name = "HANDMADE", .id_max = { [SP_RT_VM] = 22 } };
		_cleanup_free_ char *got = NULL;

		assert_int_equal(sp_spxid(&p, SP_RT_VM, "123", true, &got, NULL), 0);
		assert_int_equal(strlen(got), 22);
		assert_memory_equal(got, "x-", 2);
	}
}

static void test_spxid_fixups(void **state)
{
	const sp_provider *aws = provider("AWS");
	const sp_provider *tc = provider("TENCENT");

	/* TENCENT: '-' becomes '_' everywhere, the separator too. */
	expect_general(tc, SP_RT_VM, "my-vm_01", "my_vm_01", '_');
	/* Others: '_' becomes '-'. */
	expect_general(aws, SP_RT_VM, "my_vm_01", "my-vm-01", '-');
	expect_general(provider("MOCK"), SP_RT_DISK, "__d_1", "d-1", '-');
	/* "sg-" becomes "sg" (AWS refuses "sg-*")... */
	expect_general(aws, SP_RT_SG, "sg-web", "sgweb", '-');
	expect_general(aws, SP_RT_SG, "SG-Web", "sgweb", '-');
	expect_general(aws, SP_RT_SG, "sg_web", "sgweb", '-');   /* '_' first */
	expect_general(aws, SP_RT_SG, "SG-SG-x", "sgsgx", '-');
	expect_general(aws, SP_RT_VM, "my-sg-vm", "my-sgvm", '-');
	/* ...even where the cooked name ends and the separator starts... */
	expect_general(aws, SP_RT_SG, "mysg", "mysg", 0);
	expect_general(provider("GCP"), SP_RT_SG, "web-sg", "web-sg", 0);
	/* ...in one pass, left to right, as Go's strings.ReplaceAll. */
	expect_general(aws, SP_RT_SG, "ssg--", "ssg--", 0);
	expect_general(aws, SP_RT_SG, "sgg-", "sgg-", '-');
	/* TENCENT has no '-' left, so keeps its "sg_". */
	expect_general(tc, SP_RT_SG, "sg-web", "sg_web", '_');
	expect_general(tc, SP_RT_SG, "web-sg", "web_sg", '_');
}

static void test_spxid_transform_off(void **state)
{
	static const char *const names[] = {
		"vm-01", "My_VM.01", "123", "sg-web", "a-very-long-node-group-name-over-any-limit",
	};
	size_t n_prov;
	const sp_provider *all = sp_provider_all(&n_prov);

	for (size_t i = 0; i < n_prov; i++)
		for (unsigned t = 0; t < SP_RT_COUNT; t++)
			for (size_t k = 0; k < ELEMENTSOF(names); k++) {
				_cleanup_free_ char *got = NULL;

				assert_int_equal(sp_spxid_ex(&all[i], (sp_rtype)t, names[k], false,
							     SP_SPXID_WINDOWS_VM, &got, NULL), 0);
				assert_string_equal(got, names[k]);
			}
}

/* A special case: want, or with suffix set, want followed by 5
 * characters of the xid alphabet. */
static void expect_special(const char *prov, sp_rtype type, unsigned flags,
			   const char *name, const char *want, bool suffix)
{
	_cleanup_free_ char *got = NULL;
	sp_error err = { 0 };
	size_t n = strlen(want);

	if (sp_spxid_ex(provider(prov), type, name, true, flags, &got, &err) < 0)
		fail_msg("%s %s '%s': %s", prov, sp_rtype_name(type), name, err.message);
	if (!suffix) {
		if (strcmp(got, want) != 0)
			fail_msg("%s %s '%s' gave '%s' (want '%s')", prov,
				 sp_rtype_name(type), name, got, want);
		return;
	}
	if (strlen(got) != n + 5 || strncmp(got, want, n) != 0 ||
	    strspn(got + n, alphabet) != 5)
		fail_msg("%s %s '%s' gave '%s' (want '%s' + 5)", prov,
			 sp_rtype_name(type), name, got, want);
}

static void test_spxid_special(void **state)
{
	/* AZURE node group: '-' removed, lower case, 12 = 7 + 5. */
	expect_special("AZURE", SP_RT_NODEGROUP, 0, "My-Pool", "mypool", false);
	expect_special("AZURE", SP_RT_NODEGROUP, 0, "My-Node-Pool-01", "mynodepool01", false);
	expect_special("AZURE", SP_RT_NODEGROUP, 0, "My-Node-Pool-001", "mynodep", true);
	expect_special("AZURE", SP_RT_NODEGROUP, 0, "A-B-C-D-E-F-G-H-I-J-K-L-M", "abcdefg", true);
	/* ...other AZURE types take the general path. */
	expect_general(provider("AZURE"), SP_RT_CLUSTER, "My-Cluster", "my-cluster", '-');

	/* IBM node group: 32 = 27 + 5; '_' and '.' stay. */
	expect_special("IBM", SP_RT_NODEGROUP, 0, "Pool_1.a", "pool_1.a", false);
	expect_special("IBM", SP_RT_NODEGROUP, 0, "abcdefghij-abcdefghij-abcdefghij",
		       "abcdefghij-abcdefghij-abcdefghij", false);
	expect_special("IBM", SP_RT_NODEGROUP, 0, "ABCDEFGHIJ-ABCDEFGHIJ-ABCDEFGHIJK",
		       "abcdefghij-abcdefghij-abcde", true);
	expect_general(provider("IBM"), SP_RT_CLUSTER, "Cl-1", "cl-1", '-');

	/* NHN cluster and node group: 20 = 15 + 5. */
	expect_special("NHN", SP_RT_CLUSTER, 0, "K8s_Cluster", "k8s_cluster", false);
	expect_special("NHN", SP_RT_CLUSTER, 0, "abcdefghij-abcdefghi", "abcdefghij-abcdefghi", false);
	expect_special("NHN", SP_RT_NODEGROUP, 0, "abcdefghij-abcdefghij", "abcdefghij-abcd", true);

	/* NCP Windows VM: 15 = 10 + 5, only with the flag. */
	expect_special("NCP", SP_RT_VM, SP_SPXID_WINDOWS_VM, "Win-01", "win-01", false);
	expect_special("NCP", SP_RT_VM, SP_SPXID_WINDOWS_VM, "WinServer-2022", "winserver-2022", false);
	expect_special("NCP", SP_RT_VM, SP_SPXID_WINDOWS_VM, "WinServer-20221", "winserver-20221", false);
	expect_special("NCP", SP_RT_VM, SP_SPXID_WINDOWS_VM, "WinServer2022-01", "winserver2", true);
	/* ...the flag means nothing elsewhere. */
	{
		_cleanup_free_ char *got = NULL;

		assert_int_equal(sp_spxid_ex(provider("AWS"), SP_RT_VM, "WinServer2022-01", true,
					     SP_SPXID_WINDOWS_VM, &got, NULL), 0);
		assert_int_equal(strlen(got), 16 + 1 + SP_XID_LEN);
		assert_memory_equal(got, "winserver2022-01-", 17);
	}

	/* NCP cluster and node group: '_' -> '-', 20 = 15 + 5. */
	expect_special("NCP", SP_RT_CLUSTER, 0, "My_Cluster", "my-cluster", false);
	expect_special("NCP", SP_RT_NODEGROUP, 0, "Node_Group_Number_01", "node-group-number-01", false);
	expect_special("NCP", SP_RT_NODEGROUP, 0, "Node_Group_Number_001", "node-group-numb", true);

	/* NCP RDBMS: always the first 24 characters, '-' and 5. */
	expect_special("NCP", SP_RT_RDBMS, 0, "MyDB", "mydb-", true);
	expect_special("NCP", SP_RT_RDBMS, 0, "abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx-", true);
	expect_special("NCP", SP_RT_RDBMS, 0, "abcdefghijklmnopqrstuvwxy", "abcdefghijklmnopqrstuvwx-", true);
	expect_special("NCP", SP_RT_RDBMS, 0, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123",
		       "abcdefghijklmnopqrstuvwx-", true);
	/* ...NCP's other types take the general path. */
	expect_general(provider("NCP"), SP_RT_SG, "sg-01", "sg01", '-');
}

/* Long names with the same start still get distinct spXIDs. */
static void test_spxid_special_suffix_unique(void **state)
{
	enum { N = 2000 };
	char (*ids)[16] = calloc(N, 16);

	assert_non_null(ids);
	for (int i = 0; i < N; i++) {
		_cleanup_free_ char *got = NULL;

		assert_int_equal(sp_spxid(provider("AZURE"), SP_RT_NODEGROUP,
					  "worker-pool-blue", true, &got, NULL), 0);
		assert_int_equal(strlen(got), 12);
		memcpy(ids[i], got, 13);
	}
	qsort(ids, N, 16, cmp_xid);
	for (int i = 1; i < N; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			fail_msg("duplicate '%s'", ids[i]);
	free(ids);
}

static void test_spxid_bad_args(void **state)
{
	char *got = (char *)"untouched";
	sp_error err = { 0 };

	assert_int_equal(sp_spxid(provider("AWS"), SP_RT_VM, "", true, &got, &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_string_equal(err.message, "VM name is empty!");
	assert_int_equal(sp_spxid(provider("AWS"), SP_RT_SG, NULL, false, &got, &err), -1);
	assert_int_equal(err.code, SP_ERR_INVALID);
	assert_string_equal(err.message, "Security Group name is empty!");
	assert_int_equal(sp_spxid(NULL, SP_RT_VM, "vm-01", true, &got, &err), -1);
	assert_int_equal(err.code, SP_ERR_INTERNAL);
	assert_int_equal(sp_spxid(provider("AWS"), SP_RT_COUNT, "vm-01", true, &got, &err), -1);
	assert_int_equal(err.code, SP_ERR_INTERNAL);
	assert_string_equal(got, "untouched");
}

/* ---- stored SystemId ---- */

static void expect_split(const char *stored, const char *spxid, const char *csp_id)
{
	_cleanup_free_ char *a = NULL;
	_cleanup_free_ char *b = NULL;
	_cleanup_free_ char *joined = NULL;
	sp_error err = { 0 };

	assert_int_equal(sp_iid_split(stored, &a, &b, &err), 0);
	assert_string_equal(a, spxid);
	assert_string_equal(b, csp_id);
	joined = sp_iid_join(a, b);
	assert_non_null(joined);
	assert_string_equal(joined, stored);
}

static void test_iid_split_join(void **state)
{
	_cleanup_free_ char *j = NULL;

	j = sp_iid_join("vm-01-9m4e2mr0ui3e8a215n4g", "i-0bc7123b7e5cbf79d");
	assert_string_equal(j, "vm-01-9m4e2mr0ui3e8a215n4g:i-0bc7123b7e5cbf79d");
	expect_split(j, "vm-01-9m4e2mr0ui3e8a215n4g", "i-0bc7123b7e5cbf79d");

	/* Only the first ':' splits; the CSP ID keeps its own. */
	expect_split("lb-01-9m4e2mr0ui3e8a215n4g:arn:aws:elasticloadbalancing:us-east-2:123:loadbalancer/net/x/y",
		     "lb-01-9m4e2mr0ui3e8a215n4g",
		     "arn:aws:elasticloadbalancing:us-east-2:123:loadbalancer/net/x/y");
	expect_split("a:b:c", "a", "b:c");
	expect_split("a::", "a", ":");
	/* Empty parts are the caller's business. */
	expect_split(":csp", "", "csp");
	expect_split("spx:", "spx", "");
	expect_split(":", "", "");
}

static void test_iid_split_errors(void **state)
{
	char *a = (char *)"untouched", *b = (char *)"untouched";
	sp_error err = { 0 };

	assert_int_equal(sp_iid_split("vm-01-9m4e2mr0ui3e8a215n4g", &a, &b, &err), -1);
	assert_int_equal(err.code, SP_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "'vm-01-9m4e2mr0ui3e8a215n4g'"));
	assert_int_equal(sp_iid_split("", &a, &b, &err), -1);
	assert_int_equal(sp_iid_split(NULL, &a, &b, &err), -1);
	assert_int_equal(sp_iid_split("x", &a, &b, NULL), -1);
	assert_string_equal(a, "untouched");
	assert_string_equal(b, "untouched");

	assert_null(sp_iid_join("a:b", "c"));
	assert_null(sp_iid_join(NULL, "c"));
	assert_null(sp_iid_join("a", NULL));
}

/* What the next layer does: a new spXID, stored with the CSP ID, split
 * back. */
static void test_iid_round_trip_spxid(void **state)
{
	_cleanup_free_ char *spxid = NULL;
	_cleanup_free_ char *stored = NULL;
	_cleanup_free_ char *a = NULL;
	_cleanup_free_ char *b = NULL;

	assert_int_equal(sp_spxid(provider("MOCK"), SP_RT_VM, "vm-01", true, &spxid, NULL), 0);
	stored = sp_iid_join(spxid, spxid);
	assert_non_null(stored);
	assert_int_equal(sp_iid_split(stored, &a, &b, NULL), 0);
	assert_string_equal(a, spxid);
	assert_string_equal(b, spxid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtype_names),
		cmocka_unit_test(test_rtype_parse),
		cmocka_unit_test(test_xid_format),
		cmocka_unit_test(test_xid_golden),
		cmocka_unit_test(test_xid_time_prefix),
		cmocka_unit_test(test_xid_order),
		cmocka_unit_test(test_xid_unique_threads),
		cmocka_unit_test(test_xid_fork),
		cmocka_unit_test(test_spxid_every_limit),
		cmocka_unit_test(test_spxid_known_limits),
		cmocka_unit_test(test_spxid_min_length),
		cmocka_unit_test(test_spxid_cook),
		cmocka_unit_test(test_spxid_fixups),
		cmocka_unit_test(test_spxid_transform_off),
		cmocka_unit_test(test_spxid_special),
		cmocka_unit_test(test_spxid_special_suffix_unique),
		cmocka_unit_test(test_spxid_bad_args),
		cmocka_unit_test(test_iid_split_join),
		cmocka_unit_test(test_iid_split_errors),
		cmocka_unit_test(test_iid_round_trip_spxid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
