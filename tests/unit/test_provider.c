/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_provider.c - core/provider.h: the providers Spider knows, their
 * credential and region keys, and the metainfo document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/provider.h"
#include "util/common.h"
#include "util/json.h"

/* GET /spider/cloudos, in the reference's order. */
static const char *const cloudos[] = {
	"AWS", "AZURE", "GCP", "ALIBABA", "TENCENT", "IBM", "ORACLE",
	"OPENSTACK", "NCP", "NHN", "KT", "KTCLASSIC", "MOCK",
};

static const sp_provider *find(const char *name)
{
	const sp_provider *p = sp_provider_find(name);

	if (!p)
		fail_msg("provider '%s' not found", name);
	return p;
}

static void test_find(void **state)
{
	const sp_provider *aws = find("AWS");

	assert_string_equal(aws->name, "AWS");
	assert_ptr_equal(find("aws"), aws);
	assert_ptr_equal(find("Aws"), aws);
	assert_ptr_equal(find("aWS"), aws);
	assert_string_equal(find("ktclassic")->name, "KTCLASSIC");
	assert_string_equal(find("Mock")->name, "MOCK");
	assert_null(sp_provider_find(NULL));
	assert_null(sp_provider_find(""));
	assert_null(sp_provider_find("AW"));
	assert_null(sp_provider_find("AWSX"));
	assert_null(sp_provider_find(" AWS"));   /* callers normalise first */
	assert_null(sp_provider_find("CLOUDTWIN"));
	assert_null(sp_provider_find("KT CLASSIC"));
}

static void test_all_in_order(void **state)
{
	size_t n = 0;
	const sp_provider *all = sp_provider_all(&n);

	assert_int_equal(n, ELEMENTSOF(cloudos));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(all[i].name, cloudos[i]);
		assert_ptr_equal(sp_provider_find(cloudos[i]), &all[i]);
	}
}

static void test_every_provider_well_formed(void **state)
{
	size_t n = 0;
	const sp_provider *all = sp_provider_all(&n);

	for (size_t i = 0; i < n; i++) {
		const sp_provider *p = &all[i];

		/* Each required credential key has its alias, and both map
		 * back to the canonical key. */
		assert_non_null(p->credential[0]);
		for (size_t k = 0; k < SP_PROVIDER_KEYS_MAX && p->credential[k]; k++) {
			assert_non_null(p->credential_csp[k]);
			assert_string_equal(sp_provider_credential_key(p, p->credential[k]),
					    p->credential[k]);
			assert_string_equal(sp_provider_credential_key(p, p->credential_csp[k]),
					    p->credential[k]);
		}
		for (size_t k = 0; k < SP_PROVIDER_KEYS_MAX && p->credential_optional[k]; k++)
			assert_string_equal(sp_provider_credential_key(p, p->credential_optional[k]),
					    p->credential_optional[k]);
		/* Every provider takes a Region. */
		assert_string_equal(sp_provider_region_key(p, "region"), "Region");
		assert_null(sp_provider_credential_key(p, "NoSuchKey"));
		assert_null(sp_provider_region_key(p, "NoSuchKey"));
		assert_null(sp_provider_credential_key(p, ""));
	}
}

static void test_credential_keys(void **state)
{
	const sp_provider *aws = find("AWS");
	const sp_provider *azure = find("AZURE");
	const sp_provider *gcp = find("GCP");
	const sp_provider *oracle = find("ORACLE");
	const sp_provider *mock = find("MOCK");
	const sp_provider *ktc = find("KTCLASSIC");

	/* Canonical names in any case. */
	assert_string_equal(sp_provider_credential_key(aws, "ClientId"), "ClientId");
	assert_string_equal(sp_provider_credential_key(aws, "clientid"), "ClientId");
	assert_string_equal(sp_provider_credential_key(aws, "CLIENTSECRET"), "ClientSecret");
	/* CSP aliases. */
	assert_string_equal(sp_provider_credential_key(aws, "aws_access_key_id"), "ClientId");
	assert_string_equal(sp_provider_credential_key(aws, "AWS_SECRET_ACCESS_KEY"), "ClientSecret");
	assert_string_equal(sp_provider_credential_key(azure, "tenantId"), "TenantId");
	assert_string_equal(sp_provider_credential_key(azure, "subscriptionid"), "SubscriptionId");
	assert_string_equal(sp_provider_credential_key(gcp, "private_key"), "PrivateKey");
	assert_string_equal(sp_provider_credential_key(gcp, "project_id"), "ProjectID");
	assert_string_equal(sp_provider_credential_key(gcp, "projectid"), "ProjectID");
	assert_string_equal(sp_provider_credential_key(oracle, "tenancy_ocid"), "TenantId");
	assert_string_equal(sp_provider_credential_key(oracle, "compartment_ocid"), "ProjectID");
	assert_string_equal(sp_provider_credential_key(ktc, "api_key"), "ClientId");
	assert_string_equal(sp_provider_credential_key(mock, "mockname"), "MockName");
	/* Optional keys. */
	assert_string_equal(sp_provider_credential_key(aws, "SessionToken"), "SessionToken");
	assert_string_equal(sp_provider_credential_key(aws, "endpoint"), "Endpoint");
	assert_string_equal(sp_provider_credential_key(mock, "MockFailRate"), "MockFailRate");
	assert_string_equal(sp_provider_credential_key(mock, "mocklatencyms"), "MockLatencyMs");
	/* Keys of another provider, or near misses, are not taken. */
	assert_null(sp_provider_credential_key(aws, "TenantId"));
	assert_null(sp_provider_credential_key(aws, "private_key"));
	assert_null(sp_provider_credential_key(azure, "SessionToken"));
	assert_null(sp_provider_credential_key(gcp, "ClientId"));
	assert_null(sp_provider_credential_key(aws, "ClientIdX"));
	assert_null(sp_provider_credential_key(aws, "aws_access_key"));
	assert_null(sp_provider_credential_key(mock, "ClientId"));
}

static void test_region_keys(void **state)
{
	const sp_provider *aws = find("AWS");
	const sp_provider *azure = find("AZURE");
	const sp_provider *mock = find("MOCK");

	assert_string_equal(sp_provider_region_key(aws, "Region"), "Region");
	assert_string_equal(sp_provider_region_key(aws, "ZONE"), "Zone");
	assert_string_equal(sp_provider_region_key(aws, "endpoint"), "Endpoint");
	assert_null(sp_provider_region_key(aws, "ResourceGroup"));
	assert_string_equal(sp_provider_region_key(azure, "resourcegroup"), "ResourceGroup");
	assert_string_equal(sp_provider_region_key(mock, "MockFailOp"), "MockFailOp");
	assert_null(sp_provider_region_key(mock, "MockName"));
	/* Region keys are not credential keys and vice versa. */
	assert_null(sp_provider_credential_key(aws, "Region"));
	assert_null(sp_provider_region_key(aws, "ClientId"));
}

static void test_metainfo_shape(void **state)
{
	static const char *const keys[] = {
		"Region", "Credential", "CredentialCSP", "RootDiskType", "RootDiskSize",
		"DiskType", "DiskSize", "IdMaxLength", "DefaultRegionToQuery",
	};
	size_t n = 0;
	const sp_provider *all = sp_provider_all(&n);

	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *m = sp_provider_metainfo(&all[i]);

		assert_non_null(m);
		assert_true(json_is_object(m));
		assert_int_equal(json_object_size(m), ELEMENTSOF(keys));
		for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
			json_t *a = json_object_get(m, keys[k]);
			json_t *v;
			size_t idx;

			if (!json_is_array(a))
				fail_msg("%s: %s is not an array", all[i].name, keys[k]);
			json_array_foreach(a, idx, v)
				if (!json_is_string(v))
					fail_msg("%s: %s[%zu] is not a string", all[i].name,
						 keys[k], idx);
		}
		assert_int_equal(json_array_size(json_object_get(m, "IdMaxLength")), 11);
		assert_true(json_array_size(json_object_get(m, "Credential")) > 0);
		assert_int_equal(json_array_size(json_object_get(m, "Credential")),
				 json_array_size(json_object_get(m, "CredentialCSP")));
	}
}

static void test_metainfo_aws(void **state)
{
	_cleanup_json_ json_t *m = sp_provider_metainfo(find("AWS"));
	_cleanup_free_ char *s = NULL;

	assert_non_null(m);
	s = sp_json_dump(m);
	assert_non_null(s);
	assert_string_equal(s,
		"{\"Region\":[\"Region\",\"Zone\"],"
		"\"Credential\":[\"ClientId\",\"ClientSecret\"],"
		"\"CredentialCSP\":[\"aws_access_key_id\",\"aws_secret_access_key\"],"
		"\"RootDiskType\":[\"standard\",\"gp2\",\"gp3\"],"
		"\"RootDiskSize\":[\"standard|1|1024|GB\",\"gp2|1|16384|GB\",\"gp3|1|16384|GB\"],"
		"\"DiskType\":[\"standard\",\"gp2\",\"gp3\",\"io1\",\"io2\",\"st1\",\"sc1\"],"
		"\"DiskSize\":[\"standard|1|1024|GB\",\"gp2|1|16384|GB\",\"gp3|1|16384|GB\",\"io1|4|16384|GB\",\"io2|4|16384|GB\",\"st1|125|16384|GB\",\"sc1|125|16384|GB\"],"
		"\"IdMaxLength\":[\"VPC:255\",\"Subnet:256\",\"SecurityGroup:255\",\"KeyPair:255\",\"VM:255\",\"Disk:256\",\"NLB:32\",\"MyImage:127\",\"Cluster:100\",\"NodeGroup:0\",\"RDBMS:63\"],"
		"\"DefaultRegionToQuery\":[\"us-east-2\",\"us-east-2a\"]}");
}

/* The IdMaxLength table of the reference (section 7). */
static void test_metainfo_id_max(void **state)
{
	static const struct {
		const char *name;
		unsigned id[11];
	} table[] = {
		{ "AWS", { 255, 256, 255, 255, 255, 256, 32, 127, 100, 0, 63 } },
		{ "AZURE", { 64, 80, 64, 80, 64, 80, 80, 80, 63, 0, 63 } },
		{ "GCP", { 63, 63, 57, 0, 63, 63, 63, 63, 40, 0, 63 } },
		{ "ALIBABA", { 128, 128, 128, 128, 128, 128, 80, 128, 63, 0, 128 } },
		{ "TENCENT", { 60, 60, 60, 25, 88, 60, 60, 60, 50, 0, 60 } },
		{ "IBM", { 63, 63, 63, 63, 63, 63, 63, 63, 32, 63, 63 } },
		{ "ORACLE", { 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255 } },
		{ "OPENSTACK", { 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255 } },
		{ "NCP", { 30, 30, 30, 30, 30, 30, 30, 30, 20, 20, 30 } },
		{ "NHN", { 32, 32, 255, 32, 90, 255, 80, 255, 32, 0, 32 } },
		{ "KTCLASSIC", { 30, 30, 30, 100, 63, 50, 30, 32, 0, 0, 30 } },
		{ "KT", { 30, 48, 30, 100, 63, 50, 30, 50, 0, 20, 30 } },
		{ "MOCK", { 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 255 } },
	};
	static const char *const kinds[] = { "VPC", "Subnet", "SecurityGroup", "KeyPair", "VM", "Disk",
					     "NLB", "MyImage", "Cluster", "NodeGroup", "RDBMS" };

	assert_int_equal(ELEMENTSOF(table), ELEMENTSOF(cloudos));
	for (size_t i = 0; i < ELEMENTSOF(table); i++) {
		_cleanup_json_ json_t *m = sp_provider_metainfo(find(table[i].name));
		json_t *ids;

		assert_non_null(m);
		ids = json_object_get(m, "IdMaxLength");
		for (size_t k = 0; k < 11; k++) {
			char want[48];

			snprintf(want, sizeof(want), "%s:%u", kinds[k], table[i].id[k]);
			if (!sp_streq(json_string_value(json_array_get(ids, k)), want))
				fail_msg("%s: IdMaxLength[%zu] is '%s', want '%s'", table[i].name, k,
					 json_string_value(json_array_get(ids, k)), want);
		}
	}
}

/* The credential table of the reference (section 8), as metainfo shows it. */
static void test_metainfo_credentials(void **state)
{
	static const struct {
		const char *name, *cred, *csp;
	} table[] = {
		{ "AWS", "ClientId,ClientSecret", "aws_access_key_id,aws_secret_access_key" },
		{ "AZURE", "ClientId,ClientSecret,TenantId,SubscriptionId",
		  "clientId,clientSecret,tenantId,subscriptionId" },
		{ "GCP", "PrivateKey,ProjectID,ClientEmail", "private_key,project_id,client_email" },
		{ "ALIBABA", "ClientId,ClientSecret", "AccessKeyId,AccessKeySecret" },
		{ "TENCENT", "ClientId,ClientSecret", "SecretId,SecretKey" },
		{ "IBM", "ApiKey", "ApiKey" },
		{ "ORACLE", "TenantId,ClientId,ClientSecret,StsToken,ProjectID",
		  "tenancy_ocid,user_ocid,private_key_pem,fingerprint,compartment_ocid" },
		{ "OPENSTACK", "IdentityEndpoint,Username,Password,DomainName,ProjectID",
		  "IdentityEndpoint,Username,Password,DomainName,ProjectID" },
		{ "KT", "IdentityEndpoint,Username,Password,DomainName,ProjectID",
		  "IdentityEndpoint,Username,Password,DomainName,ProjectID" },
		{ "NHN", "IdentityEndpoint,Username,Password,DomainName,TenantId",
		  "IdentityEndpoint,Username,Password,DomainName,TenantId" },
		{ "NCP", "ClientId,ClientSecret", "ncloud_access_key,ncloud_secret_key" },
		{ "KTCLASSIC", "ClientId,ClientSecret", "API_Key,Secret_Key" },
		{ "MOCK", "MockName", "MockName" },
	};

	assert_int_equal(ELEMENTSOF(table), ELEMENTSOF(cloudos));
	for (size_t i = 0; i < ELEMENTSOF(table); i++) {
		_cleanup_json_ json_t *m = sp_provider_metainfo(find(table[i].name));
		const char *const fields[2] = { "Credential", "CredentialCSP" };
		const char *const want[2] = { table[i].cred, table[i].csp };

		assert_non_null(m);
		for (int f = 0; f < 2; f++) {
			json_t *a = json_object_get(m, fields[f]);
			char got[512] = "";
			size_t len = 0;

			for (size_t k = 0; k < json_array_size(a); k++)
				len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
							k ? "," : "",
							json_string_value(json_array_get(a, k)));
			if (strcmp(got, want[f]) != 0)
				fail_msg("%s %s: [%s], want [%s]", table[i].name, fields[f], got,
					 want[f]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_all_in_order),
		cmocka_unit_test(test_every_provider_well_formed),
		cmocka_unit_test(test_credential_keys),
		cmocka_unit_test(test_region_keys),
		cmocka_unit_test(test_metainfo_shape),
		cmocka_unit_test(test_metainfo_aws),
		cmocka_unit_test(test_metainfo_id_max),
		cmocka_unit_test(test_metainfo_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
