/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_res_store.c - resource rows of the metadata store: reserving names,
 * links between rows, dependency refusals, state changes and recovery.
 */
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/iid.h"
#include "store/store.h"
#include "util/common.h"

typedef struct fixture {
	char dir[64];
	char path[96];
	sp_store *st;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	sp_error err = { 0 };

	snprintf(f->dir, sizeof(f->dir), "/tmp/spider-res-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/spider.db", f->dir);
	if (sp_store_sqlite_open(f->path, &f->st, &err) < 0) {
		print_error("open: %s\n", err.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sp_store_close(f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int add(sp_store *st, int type, const char *owner, const char *name, const char *csp,
	       int state, const sp_res_key *refs, size_t n, sp_error *err)
{
	sp_res_new row = { .conn = "c1", .type = type, .owner = owner, .name = name,
			   .spxid = name, .csp_id = csp, .state = state };

	return sp_store_res_insert(st, &row, refs, n, err);
}

static sp_res_key key(int type, const char *owner, const char *name)
{
	return (sp_res_key){ "c1", type, owner, name };
}

/* A VM using a VPC's subnet, an SG in that VPC, and a key pair. */
static void seed(sp_store *st)
{
	sp_error err = { 0 };
	sp_res_key vpc = key(SP_RT_VPC, "", "vpc-01");
	sp_res_key vm_refs[] = { vpc, key(SP_RT_SUBNET, "vpc-01", "sn-01"), key(SP_RT_SG, "", "sg-01"),
				 key(SP_RT_KEYPAIR, "", "kp-01") };

	assert_int_equal(add(st, SP_RT_VPC, "", "vpc-01", "vpc-x", SP_RES_READY, NULL, 0, &err), 0);
	assert_int_equal(add(st, SP_RT_SUBNET, "vpc-01", "sn-01", "sn-x", SP_RES_READY, &vpc, 1, &err), 0);
	assert_int_equal(add(st, SP_RT_SG, "", "sg-01", "sg-x", SP_RES_READY, &vpc, 1, &err), 0);
	assert_int_equal(add(st, SP_RT_KEYPAIR, "", "kp-01", "kp-x", SP_RES_READY, NULL, 0, &err), 0);
	assert_int_equal(add(st, SP_RT_VM, "", "vm-01", "i-1", SP_RES_READY, vm_refs, 4, &err), 0);
}

static void test_insert_duplicate_and_missing_ref(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };
	sp_res_key ghost = key(SP_RT_VPC, "", "ghost");

	seed(f->st);
	assert_int_equal(add(f->st, SP_RT_VPC, "", "vpc-01", "other", SP_RES_READY, NULL, 0, &err), -1);
	assert_int_equal(err.code, SP_ERR_CONFLICT);
	assert_string_equal(err.message, "VPC 'vpc-01' already exists in connection 'c1'");
	assert_int_equal(add(f->st, SP_RT_SG, "", "sg-02", "sg-y", SP_RES_READY, &ghost, 1, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "The VPC 'ghost' does not exist!");
	/* Nothing of the refused row is left. */
	sp_res_row *row = NULL;
	sp_res_key sg2 = key(SP_RT_SG, "", "sg-02");

	assert_int_equal(sp_store_res_get(f->st, &sg2, &row, &err), -1);
	assert_int_equal(err.code, SP_ERR_NOT_FOUND);
}

static void test_users_block_delete(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };
	sp_res_key vpc = key(SP_RT_VPC, "", "vpc-01"), sn = key(SP_RT_SUBNET, "vpc-01", "sn-01");
	sp_res_key sg = key(SP_RT_SG, "", "sg-01"), kp = key(SP_RT_KEYPAIR, "", "kp-01");
	sp_res_key vm = key(SP_RT_VM, "", "vm-01");

	seed(f->st);
	assert_int_equal(sp_store_res_begin_delete(f->st, &sg, true, &err), -1);
	assert_int_equal(err.code, SP_ERR_CONFLICT);
	assert_non_null(strstr(err.message, "Security Group 'sg-01' is in use by VM 'vm-01'"));
	assert_int_equal(sp_store_res_begin_delete(f->st, &kp, true, &err), -1);
	assert_non_null(strstr(err.message, "VM 'vm-01'"));
	assert_int_equal(sp_store_res_begin_delete(f->st, &sn, true, &err), -1);
	assert_int_equal(sp_store_res_begin_delete(f->st, &vpc, true, &err), -1);
	assert_non_null(strstr(err.message, "VPC 'vpc-01' is in use"));
	/* The VM goes; then the SG and key pair may; the VPC still has the SG. */
	assert_int_equal(sp_store_res_begin_delete(f->st, &vm, true, &err), 0);
	assert_int_equal(sp_store_res_delete(f->st, &vm, &err), 0);
	assert_int_equal(sp_store_res_begin_delete(f->st, &kp, true, &err), 0);
	assert_int_equal(sp_store_res_begin_delete(f->st, &vpc, true, &err), -1);
	assert_non_null(strstr(err.message, "Security Group 'sg-01'"));
	assert_int_equal(sp_store_res_begin_delete(f->st, &sg, true, &err), 0);
	assert_int_equal(sp_store_res_delete(f->st, &sg, &err), 0);
	/* Its own subnet does not hold a VPC back, and goes with it. */
	assert_int_equal(sp_store_res_begin_delete(f->st, &vpc, true, &err), 0);
	assert_int_equal(sp_store_res_delete(f->st, &vpc, &err), 0);
	size_t n = 9;

	assert_int_equal(sp_store_res_count(f->st, "c1", SP_RT_SUBNET, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void test_force_skips_users_and_busy_refuses(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };
	sp_res_key sg = key(SP_RT_SG, "", "sg-01");

	seed(f->st);
	assert_int_equal(sp_store_res_begin_delete(f->st, &sg, false, &err), 0);
	/* Deleting, so neither a second delete nor a new user may start. */
	assert_int_equal(sp_store_res_begin_delete(f->st, &sg, false, &err), -1);
	assert_string_equal(err.message, "Security Group 'sg-01' is being deleted");
	assert_int_equal(add(f->st, SP_RT_VM, "", "vm-02", "i-2", SP_RES_CREATING, &sg, 1, &err), -1);
	assert_int_equal(err.code, SP_ERR_CONFLICT);
	/* A failed delete puts it back. */
	assert_int_equal(sp_store_res_update(f->st, &sg, NULL, NULL, SP_RES_READY, &err), 0);
	assert_int_equal(add(f->st, SP_RT_VM, "", "vm-02", "", SP_RES_CREATING, &sg, 1, &err), 0);
}

static void test_find_list_refs_recover(void **state)
{
	fixture *f = *state;
	sp_error err = { 0 };
	sp_res_row *row = NULL, **rows = NULL;
	sp_res_key vm = key(SP_RT_VM, "", "vm-01"), vm2 = key(SP_RT_VM, "", "vm-02");
	size_t n = 0, recovered = 0;

	seed(f->st);
	assert_int_equal(sp_store_res_find_csp(f->st, "c1", SP_RT_SUBNET, "sn-x", &row, &err), 0);
	assert_string_equal(row->name, "sn-01");
	assert_string_equal(row->owner, "vpc-01");
	sp_res_row_free(row);
	assert_int_equal(sp_store_res_refs_from(f->st, &vm, &rows, &n, &err), 0);
	assert_int_equal(n, 4);
	sp_res_rows_free(rows, n);
	assert_int_equal(sp_store_res_list(f->st, "c1", SP_RT_SUBNET, "vpc-01", &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	sp_res_rows_free(rows, n);
	/* An unborn create is dropped at recovery; a settling VM kept. */
	assert_int_equal(add(f->st, SP_RT_VM, "", "vm-02", "", SP_RES_CREATING, NULL, 0, &err), 0);
	assert_int_equal(add(f->st, SP_RT_VM, "", "vm-03", "i-3", SP_RES_CREATING, NULL, 0, &err), 0);
	assert_int_equal(sp_store_res_begin_delete(f->st, &vm, false, &err), 0);
	assert_int_equal(sp_store_res_recover(f->st, &recovered, &err), 0);
	assert_int_equal(recovered, 3);
	assert_int_equal(sp_store_res_get(f->st, &vm2, &row, &err), -1);
	assert_int_equal(sp_store_res_get(f->st, &vm, &row, &err), 0);
	assert_int_equal(row->state, SP_RES_READY);
	sp_res_row_free(row);
	assert_int_equal(sp_store_res_count(f->st, NULL, SP_RT_VM, &n, &err), 0);
	assert_int_equal(n, 2);
}

/* Many threads reserve names at once: each name is given exactly once. */
struct race {
	sp_store *st;
	int wins;
};

static void *race_one(void *p)
{
	struct race *r = p;
	sp_error err;

	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vm-%02d", i);
		if (add(r->st, SP_RT_VM, "", name, "", SP_RES_CREATING, NULL, 0, &err) == 0)
			__atomic_add_fetch(&r->wins, 1, __ATOMIC_RELAXED);
		else
			assert_int_equal(err.code, SP_ERR_CONFLICT);
	}
	return NULL;
}

static void test_concurrent_reserve(void **state)
{
	fixture *f = *state;
	struct race r = { f->st, 0 };
	pthread_t t[8];

	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_one, &r), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r.wins, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_duplicate_and_missing_ref, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_block_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_skips_users_and_busy_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_list_refs_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_reserve, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
