/* SPDX-License-Identifier: Apache-2.0 */
#include "core/provider.h"
#include "util/json.h"

#define REGION_ZONE { "Region", "Zone" }
/* Fault-injection, VM-delay and SSH keys of the mock, taken on the
 * credential or the region (the region's win). */
#define MOCK_KNOBS "MockLatencyMs", "MockFailRate", "MockFailOp", \
	"MockCreateDelayMs", "MockSuspendDelayMs", "MockResumeDelayMs", \
	"MockRebootDelayMs", "MockTerminateDelayMs", \
	"MockSSHAccessPoint", "MockAuthorizedKeysFile", "MockStatusBatch", \
	"MockKeyImport"

static const sp_provider providers[] = {
	{ .name = "AWS",
	  .credential = { "ClientId", "ClientSecret" },
	  .credential_csp = { "aws_access_key_id", "aws_secret_access_key" },
	  .credential_optional = { "SessionToken", "Endpoint" },
	  .region = REGION_ZONE,
	  .region_optional = { "Endpoint" },
	  .root_disk_type = { "standard", "gp2", "gp3" },
	  .root_disk_size = { "standard|1|1024|GB", "gp2|1|16384|GB", "gp3|1|16384|GB" },
	  .disk_type = { "standard", "gp2", "gp3", "io1", "io2", "st1", "sc1" },
	  .disk_size = { "standard|1|1024|GB", "gp2|1|16384|GB", "gp3|1|16384|GB", "io1|4|16384|GB", "io2|4|16384|GB", "st1|125|16384|GB", "sc1|125|16384|GB" },
	  .id_max = { 255, 256, 255, 255, 255, 256, 32, 127, 100, 0, 63 },
	  .default_region = { "us-east-2", "us-east-2a" } },
	{ .name = "AZURE",
	  .credential = { "ClientId", "ClientSecret", "TenantId", "SubscriptionId" },
	  .credential_csp = { "clientId", "clientSecret", "tenantId", "subscriptionId" },
	  .region = { "Region", "Zone", "ResourceGroup" },
	  .root_disk_type = { "PremiumSSD", "StandardSSD", "StandardHDD" },
	  .root_disk_size = { "PremiumSSD|30|4095|GB", "StandardSSD|30|4095|GB", "StandardHDD|30|4095|GB" },
	  .disk_type = { "PremiumSSD", "StandardSSD", "StandardHDD" },
	  .disk_size = { "PremiumSSD|4|32767|GB", "StandardSSD|4|32767|GB", "StandardHDD|4|32767|GB" },
	  .id_max = { 64, 80, 64, 80, 64, 80, 80, 80, 63, 0, 63 },
	  .default_region = { "koreacentral", "1" } },
	{ .name = "GCP",
	  .credential = { "PrivateKey", "ProjectID", "ClientEmail" },
	  .credential_csp = { "private_key", "project_id", "client_email" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "pd-standard", "pd-balanced", "pd-ssd", "pd-extreme" },
	  .root_disk_size = { "pd-standard|10|65536|GB", "pd-balanced|10|65536|GB", "pd-ssd|10|65536|GB", "pd-extreme|500|65536|GB" },
	  .disk_type = { "pd-standard", "pd-balanced", "pd-ssd", "pd-extreme" },
	  .disk_size = { "pd-standard|10|65536|GB", "pd-balanced|10|65536|GB", "pd-ssd|10|65536|GB", "pd-extreme|500|65536|GB" },
	  .id_max = { 63, 63, 57, 0, 63, 63, 63, 63, 40, 0, 63 },
	  .default_region = { "asia-northeast3", "asia-northeast3-a" } },
	{ .name = "ALIBABA",
	  .credential = { "ClientId", "ClientSecret" },
	  .credential_csp = { "AccessKeyId", "AccessKeySecret" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "cloud_essd", "cloud_efficiency", "cloud", "cloud_ssd" },
	  .root_disk_size = { "cloud_essd|20|32768|GB", "cloud_efficiency|20|32768|GB", "cloud|5|2000|GB", "cloud_ssd|20|32768|GB" },
	  .disk_type = { "cloud_essd", "cloud_efficiency", "cloud", "cloud_ssd" },
	  .disk_size = { "cloud_essd|20|32768|GB", "cloud_efficiency|20|32768|GB", "cloud|5|2000|GB", "cloud_ssd|20|32768|GB" },
	  .id_max = { 128, 128, 128, 128, 128, 128, 80, 128, 63, 0, 128 },
	  .default_region = { "ap-northeast-2", "ap-northeast-2a" } },
	{ .name = "TENCENT",
	  .credential = { "ClientId", "ClientSecret" },
	  .credential_csp = { "SecretId", "SecretKey" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_BSSD" },
	  .root_disk_size = { "CLOUD_PREMIUM|50|1024|GB", "CLOUD_SSD|50|1024|GB", "CLOUD_BSSD|50|1024|GB" },
	  .disk_type = { "CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_HSSD", "CLOUD_BSSD", "CLOUD_TSSD" },
	  .disk_size = { "CLOUD_PREMIUM|10|32000|GB", "CLOUD_SSD|20|32000|GB", "CLOUD_HSSD|20|32000|GB", "CLOUD_BSSD|20|32000|GB", "CLOUD_TSSD|10|32000|GB" },
	  .id_max = { 60, 60, 60, 25, 88, 60, 60, 60, 50, 0, 60 },
	  .default_region = { "ap-seoul", "ap-seoul-1" } },
	{ .name = "IBM",
	  .credential = { "ApiKey" },
	  .credential_csp = { "ApiKey" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "general-purpose" },
	  .root_disk_size = { "general-purpose|100|250|GB" },
	  .disk_type = { "general-purpose", "5iops-tier", "10iops-tier" },
	  .disk_size = { "general-purpose|10|16000|GB", "5iops-tier|10|9600|GB", "10iops-tier|10|4800|GB" },
	  .id_max = { 63, 63, 63, 63, 63, 63, 63, 63, 32, 63, 63 },
	  .default_region = { "jp-tok", "jp-tok-1" } },
	{ .name = "ORACLE",
	  .credential = { "TenantId", "ClientId", "ClientSecret", "StsToken", "ProjectID" },
	  .credential_csp = { "tenancy_ocid", "user_ocid", "private_key_pem", "fingerprint", "compartment_ocid" },
	  .region = REGION_ZONE,
	  .id_max = { 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255 } },
	{ .name = "OPENSTACK",
	  .credential = { "IdentityEndpoint", "Username", "Password", "DomainName", "ProjectID" },
	  .credential_csp = { "IdentityEndpoint", "Username", "Password", "DomainName", "ProjectID" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "default" },
	  .disk_type = { "default" },
	  .id_max = { 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255 },
	  .default_region = { "RegionOne", "nova" } },
	{ .name = "NCP",
	  .credential = { "ClientId", "ClientSecret" },
	  .credential_csp = { "ncloud_access_key", "ncloud_secret_key" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "SSD", "HDD" },
	  .disk_type = { "SSD", "HDD" },
	  .disk_size = { "SSD|10|2000|GB", "HDD|10|2000|GB" },
	  .id_max = { 30, 30, 30, 30, 30, 30, 30, 30, 20, 20, 30 },
	  .default_region = { "KR", "KR-1" } },
	{ .name = "NHN",
	  .credential = { "IdentityEndpoint", "Username", "Password", "DomainName", "TenantId" },
	  .credential_csp = { "IdentityEndpoint", "Username", "Password", "DomainName", "TenantId" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "General_HDD", "General_SSD" },
	  .disk_type = { "General_HDD", "General_SSD" },
	  .disk_size = { "General_HDD|10|2000|GB", "General_SSD|10|2000|GB" },
	  .id_max = { 32, 32, 255, 32, 90, 255, 80, 255, 32, 0, 32 },
	  .default_region = { "KR1", "kr-pub-a" } },
	{ .name = "KT",
	  .credential = { "IdentityEndpoint", "Username", "Password", "DomainName", "ProjectID" },
	  .credential_csp = { "IdentityEndpoint", "Username", "Password", "DomainName", "ProjectID" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "HDD", "SSD" },
	  .disk_type = { "HDD", "SSD" },
	  .id_max = { 30, 48, 30, 100, 63, 50, 30, 50, 0, 20, 30 },
	  .default_region = { "KR1", "DX-M1" } },
	{ .name = "KTCLASSIC",
	  .credential = { "ClientId", "ClientSecret" },
	  .credential_csp = { "API_Key", "Secret_Key" },
	  .region = REGION_ZONE,
	  .root_disk_type = { "HDD", "SSD" },
	  .disk_type = { "HDD", "SSD" },
	  .id_max = { 30, 30, 30, 100, 63, 50, 30, 32, 0, 0, 30 },
	  .default_region = { "KOR-Seoul", "KOR-Seoul M2" } },
	{ .name = "MOCK",
	  .credential = { "MockName" },
	  .credential_csp = { "MockName" },
	  .credential_optional = { MOCK_KNOBS },
	  .region = { "Region" },
	  .region_optional = { "Zone", MOCK_KNOBS },
	  .root_disk_type = { "SSD", "HDD" },
	  .root_disk_size = { "SSD|10|1024|GB", "HDD|10|2048|GB" },
	  .disk_type = { "SSD", "HDD" },
	  .disk_size = { "SSD|1|16384|GB", "HDD|1|16384|GB" },
	  .id_max = { 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 255 },
	  .default_region = { "default", "default-z1" } },
};

static const char *const id_kinds[] = { "VPC", "Subnet", "SecurityGroup", "KeyPair", "VM", "Disk",
					"NLB", "MyImage", "Cluster", "NodeGroup", "RDBMS" };

const sp_provider *sp_provider_find(const char *name)
{
	for (size_t i = 0; name && i < ELEMENTSOF(providers); i++)
		if (strcasecmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

const sp_provider *sp_provider_all(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(providers);
	return providers;
}

static json_t *strings(const char *const *list, size_t max)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < max && list[i]; i++)
		if (json_array_append_new(a, json_string(list[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *sp_provider_metainfo(const sp_provider *p)
{
	_cleanup_json_ json_t *ids = json_array();
	_cleanup_json_ json_t *m = NULL;

	if (!ids)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(id_kinds); i++) {
		char buf[48];

		snprintf(buf, sizeof(buf), "%s:%u", id_kinds[i], p->id_max[i]);
		if (json_array_append_new(ids, json_string(buf)) < 0)
			return NULL;
	}
	m = json_pack("{s:o*,s:o*,s:o*,s:o*,s:o*,s:o*,s:o*,s:O,s:o*}",
		      "Region", strings(p->region, SP_PROVIDER_KEYS_MAX),
		      "Credential", strings(p->credential, SP_PROVIDER_KEYS_MAX),
		      "CredentialCSP", strings(p->credential_csp, SP_PROVIDER_KEYS_MAX),
		      "RootDiskType", strings(p->root_disk_type, SP_PROVIDER_KEYS_MAX),
		      "RootDiskSize", strings(p->root_disk_size, SP_PROVIDER_KEYS_MAX),
		      "DiskType", strings(p->disk_type, SP_PROVIDER_KEYS_MAX),
		      "DiskSize", strings(p->disk_size, SP_PROVIDER_KEYS_MAX),
		      "IdMaxLength", ids,
		      "DefaultRegionToQuery", strings(p->default_region, 2));
	if (!m || json_object_size(m) != 9)
		return NULL;
	return TAKE_PTR(m);
}

static const char *key_match(const char *const *canon, const char *const *alias,
			     size_t n, const char *key)
{
	for (size_t i = 0; i < n && canon[i]; i++)
		if (strcasecmp(canon[i], key) == 0 ||
		    (alias && alias[i] && strcasecmp(alias[i], key) == 0))
			return canon[i];
	return NULL;
}

const char *sp_provider_credential_key(const sp_provider *p, const char *key)
{
	const char *k = key_match(p->credential, p->credential_csp,
				  SP_PROVIDER_KEYS_MAX, key);

	return k ? k : key_match(p->credential_optional, NULL,
				 SP_PROVIDER_KEYS_MAX, key);
}

/* Every region may say where it is (core/geo.h): for private clouds and
 * regions the daemon's table does not know. */
static const char *const region_common[] = { "Latitude", "Longitude", NULL };

const char *sp_provider_region_key(const sp_provider *p, const char *key)
{
	const char *k = key_match(p->region, NULL, SP_PROVIDER_KEYS_MAX, key);

	if (!k)
		k = key_match(p->region_optional, NULL, SP_PROVIDER_KEYS_MAX, key);
	return k ? k : key_match(region_common, NULL, ELEMENTSOF(region_common), key);
}
