/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/fault.c - the per-connection knobs: latency and failure
 * injection for every method, and the VM state delays.
 */
#include "mock.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/banned.h"

static const char *const op_names[MOCK_OP__COUNT] = {
	[MOCK_OP_CHECK_CONNECTION] = "CheckConnection",
	[MOCK_OP_LIST_REGION_ZONE] = "ListRegionZone",
	[MOCK_OP_GET_REGION_ZONE] = "GetRegionZone",
	[MOCK_OP_LIST_ORG_REGION] = "ListOrgRegion",
	[MOCK_OP_LIST_ORG_ZONE] = "ListOrgZone",
	[MOCK_OP_LIST_IMAGE] = "ListImage",
	[MOCK_OP_GET_IMAGE] = "GetImage",
	[MOCK_OP_LIST_VMSPEC] = "ListVMSpec",
	[MOCK_OP_GET_VMSPEC] = "GetVMSpec",
	[MOCK_OP_LIST_ORG_VMSPEC] = "ListOrgVMSpec",
	[MOCK_OP_GET_ORG_VMSPEC] = "GetOrgVMSpec",
	[MOCK_OP_LIST_PRODUCT_FAMILY] = "ListProductFamily",
	[MOCK_OP_GET_PRICE_INFO] = "GetPriceInfo",
	[MOCK_OP_CREATE_VPC] = "CreateVPC",
	[MOCK_OP_LIST_VPC] = "ListVPC",
	[MOCK_OP_GET_VPC] = "GetVPC",
	[MOCK_OP_DELETE_VPC] = "DeleteVPC",
	[MOCK_OP_ADD_SUBNET] = "AddSubnet",
	[MOCK_OP_REMOVE_SUBNET] = "RemoveSubnet",
	[MOCK_OP_CREATE_SG] = "CreateSecurityGroup",
	[MOCK_OP_LIST_SG] = "ListSecurityGroup",
	[MOCK_OP_GET_SG] = "GetSecurityGroup",
	[MOCK_OP_DELETE_SG] = "DeleteSecurityGroup",
	[MOCK_OP_ADD_RULES] = "AddRules",
	[MOCK_OP_REMOVE_RULES] = "RemoveRules",
	[MOCK_OP_CREATE_KEY] = "CreateKey",
	[MOCK_OP_LIST_KEY] = "ListKey",
	[MOCK_OP_GET_KEY] = "GetKey",
	[MOCK_OP_DELETE_KEY] = "DeleteKey",
	[MOCK_OP_START_VM] = "StartVM",
	[MOCK_OP_LIST_VM] = "ListVM",
	[MOCK_OP_GET_VM] = "GetVM",
	[MOCK_OP_TERMINATE_VM] = "TerminateVM",
	[MOCK_OP_SUSPEND_VM] = "SuspendVM",
	[MOCK_OP_RESUME_VM] = "ResumeVM",
	[MOCK_OP_REBOOT_VM] = "RebootVM",
	[MOCK_OP_GET_VM_STATUS] = "GetVMStatus",
	[MOCK_OP_GET_VM_STATUSES] = "GetVMStatuses",
	[MOCK_OP_CREATE_DISK] = "CreateDisk",
	[MOCK_OP_LIST_DISK] = "ListDisk",
	[MOCK_OP_GET_DISK] = "GetDisk",
	[MOCK_OP_DELETE_DISK] = "DeleteDisk",
	[MOCK_OP_CHANGE_DISK_SIZE] = "ChangeDiskSize",
	[MOCK_OP_ATTACH_DISK] = "AttachDisk",
	[MOCK_OP_DETACH_DISK] = "DetachDisk",
	[MOCK_OP_SNAPSHOT_VM] = "SnapshotVM",
	[MOCK_OP_LIST_MYIMAGE] = "ListMyImage",
	[MOCK_OP_GET_MYIMAGE] = "GetMyImage",
	[MOCK_OP_DELETE_MYIMAGE] = "DeleteMyImage",
	[MOCK_OP_ADD_TAG] = "AddTag",
	[MOCK_OP_LIST_TAG] = "ListTag",
	[MOCK_OP_GET_TAG] = "GetTag",
	[MOCK_OP_REMOVE_TAG] = "RemoveTag",
	[MOCK_OP_ANYCALL] = "AnyCall",
};

static const char *const delay_keys[MOCK_DELAY__COUNT] = {
	[MOCK_DELAY_CREATE] = "MockCreateDelayMs",
	[MOCK_DELAY_SUSPEND] = "MockSuspendDelayMs",
	[MOCK_DELAY_RESUME] = "MockResumeDelayMs",
	[MOCK_DELAY_REBOOT] = "MockRebootDelayMs",
	[MOCK_DELAY_TERMINATE] = "MockTerminateDelayMs",
};

_Static_assert(MOCK_OP__COUNT <= 64, "fail_ops is a 64-bit mask");

const char *mock_op_name(enum mock_op op)
{
	return op < MOCK_OP__COUNT ? op_names[op] : "?";
}

/* Region keys win over credential keys. */
static const char *fault_key(const sp_conn_info *info, const char *key)
{
	const char *v = mock_kv_get(info->region, info->region_count, key);

	return v ? v : mock_kv_get(info->credential, info->credential_count, key);
}

/* Milliseconds: an integer from 0 to MOCK_LATENCY_MAX_MS. */
static int parse_ms(const char *key, const char *v, unsigned *ret,
		    sp_error *err)
{
	char *end = NULL;
	unsigned long long n = 0;

	errno = 0;
	/* strtoull would accept " -1" and wrap it; demand a leading digit. */
	if (isdigit((unsigned char)v[0]))
		n = strtoull(v, &end, 10);
	if (!end || *end || errno || n > MOCK_LATENCY_MAX_MS)
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: want an integer from 0 to %u", key, v, MOCK_LATENCY_MAX_MS);
	*ret = (unsigned)n;
	return 0;
}

static int parse_rate(const char *v, double *ret, sp_error *err)
{
	char *end = NULL;
	double r = 0;

	errno = 0;
	/* A leading digit or '.' also keeps out "nan", "inf" and signs. */
	if (isdigit((unsigned char)v[0]) || v[0] == '.')
		r = strtod(v, &end);
	if (!end || *end || errno || !isfinite(r) || r < 0 || r > 100)
		return sp_error_set(err, SP_ERR_INVALID, "MockFailRate '%s' is invalid: want a number from 0 to 100", v);
	*ret = r;
	return 0;
}

static int parse_ops(const char *v, uint64_t *ret, sp_error *err)
{
	uint64_t mask = 0;
	const char *p = v;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int op;

		while (len && isspace((unsigned char)*p))
			p++, len--;
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == 1 && *p == '*') {
			mask = ~UINT64_C(0);
		} else {
			for (op = 0; op < MOCK_OP__COUNT; op++)
				if (strlen(op_names[op]) == len &&
				    !strncasecmp(op_names[op], p, len))
					break;
			if (op == MOCK_OP__COUNT)
				return sp_error_set(err, SP_ERR_INVALID, "MockFailOp '%s' is invalid: unknown operation '%.*s'", v, (int)len, p);
			mask |= UINT64_C(1) << op;
		}
		if (!end)
			break;
		p = end + 1;
	}
	*ret = mask;
	return 0;
}

/* An "on" (the default) or "off" switch; *ret_off says it is off. */
static int parse_off(const sp_conn_info *info, const char *key, bool *ret_off,
		     sp_error *err)
{
	const char *v = fault_key(info, key);

	*ret_off = false;
	if (!v || !*v)
		return 0;
	if (strcmp(v, "on") && strcmp(v, "off"))
		return sp_error_set(err, SP_ERR_INVALID, "%s '%s' is invalid: want on or off", key, v);
	*ret_off = !strcmp(v, "off");
	return 0;
}

int mock_fault_parse(struct mock_fault *f, const sp_conn_info *info,
		     sp_error *err)
{
	const char *v;

	f->latency_ms = 0;
	f->fail_rate = 0;
	f->fail_ops = 0;
	if ((v = fault_key(info, "MockLatencyMs")) && *v &&
	    parse_ms("MockLatencyMs", v, &f->latency_ms, err) < 0)
		return -1;
	if ((v = fault_key(info, "MockFailRate")) && *v &&
	    parse_rate(v, &f->fail_rate, err) < 0)
		return -1;
	if ((v = fault_key(info, "MockFailOp")) && *v &&
	    parse_ops(v, &f->fail_ops, err) < 0)
		return -1;
	if (parse_off(info, "MockStatusBatch", &f->no_batch, err) < 0 ||
	    parse_off(info, "MockKeyImport", &f->no_import, err) < 0)
		return -1;
	atomic_init(&f->rng, (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)f);
	return 0;
}

int mock_delay_parse(unsigned delay_ms[MOCK_DELAY__COUNT],
		     const sp_conn_info *info, sp_error *err)
{
	for (int d = 0; d < MOCK_DELAY__COUNT; d++) {
		const char *v = fault_key(info, delay_keys[d]);

		delay_ms[d] = 0;
		if (v && *v && parse_ms(delay_keys[d], v, &delay_ms[d], err) < 0)
			return -1;
	}
	return 0;
}

/* "host:port": a host without spaces, slashes or '@', and a port from 1
 * to 65535.  An IPv6 host is written in brackets, "[::1]:2222". */
static int parse_access_point(const char *v, sp_session *s, sp_error *err)
{
	const char *colon = strrchr(v, ':');
	const char *host = v;
	size_t hlen = colon ? (size_t)(colon - v) : 0;
	char *end = NULL;
	unsigned long port = 0;

	if (hlen >= 2 && v[0] == '[' && v[hlen - 1] == ']')
		host++, hlen -= 2;
	if (colon && isdigit((unsigned char)colon[1])) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
	}
	if (!hlen || !end || *end || errno || port < 1 || port > 65535 ||
	    strcspn(host, " \t/@") < hlen)
		return sp_error_set(err, SP_ERR_INVALID, "MockSSHAccessPoint '%s' is invalid: want host:port", v);
	if (!(s->ssh_host = strndup(host, hlen)) || !(s->ssh_access_point = strdup(v)))
		return mock_oom(err);
	return 0;
}

int mock_ssh_parse(sp_session *s, const sp_conn_info *info, sp_error *err)
{
	const char *v;

	if ((v = fault_key(info, "MockSSHAccessPoint")) && *v &&
	    parse_access_point(v, s, err) < 0)
		return -1;
	if ((v = fault_key(info, "MockAuthorizedKeysFile")) && *v) {
		if (v[0] != '/')
			return sp_error_set(err, SP_ERR_INVALID, "MockAuthorizedKeysFile '%s' is invalid: want an absolute path", v);
		if (!(s->authorized_keys_file = strdup(v)))
			return mock_oom(err);
	}
	return 0;
}

/* splitmix64: the atomic add hands every caller its own state, so the
 * generator needs no lock. */
static double fault_roll(struct mock_fault *f)
{
	uint64_t z = atomic_fetch_add(&f->rng, UINT64_C(0x9e3779b97f4a7c15)) +
		     UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53 * 100.0; /* [0, 100) */
}

static void fault_sleep(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int mock_enter(sp_session *s, enum mock_op op, sp_error *err)
{
	struct mock_fault *f = &s->fault;

	if (f->latency_ms)
		fault_sleep(f->latency_ms);
	if ((f->fail_ops & (UINT64_C(1) << op)) ||
	    (f->fail_rate > 0 && fault_roll(f) < f->fail_rate))
		return sp_error_set(err, SP_ERR_CLOUD, "mock: injected failure of '%s'", mock_op_name(op));
	return 0;
}
