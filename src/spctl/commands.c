/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/commands.c - the command table: for each command its verbs, and
 * for each verb its resource (route, list key, columns) and its options.
 * What the verbs do is in verbs.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spctl/spctl.h"

#include "util/banned.h"

/* ---- column formatters ------------------------------------------------ */

static json_t *kv_list(json_t *item)
{
	json_t *l = json_object_get(item, "KeyValueInfoList");

	return l ? l : json_object_get(item, "KeyValueList");
}

/* The Value for Key == key in the item's KeyValue list. */
static char *fmt_kv(json_t *item, const char *key)
{
	size_t i;
	json_t *e;

	json_array_foreach(kv_list(item), i, e) {
		const char *k = json_string_value(json_object_get(e, "Key"));

		if (k && !strcasecmp(k, key))
			return spctl_json_text(json_object_get(e, "Value"));
	}
	return NULL;
}

/* The keys of the item's KeyValue list, never the values (secrets). */
static char *fmt_kv_keys(json_t *item, const char *unused)
{
	_cleanup_json_ json_t *keys = json_array();
	size_t i;
	json_t *e;

	json_array_foreach(kv_list(item), i, e)
		json_array_append(keys, json_object_get(e, "Key"));
	return spctl_json_text(keys);
}

/* The name of each object in the list at path: a Name (zones of a
 * region), the NameId of an IId (subnets of a VPC), or of an IID. */
static char *fmt_names(json_t *item, const char *path)
{
	_cleanup_json_ json_t *names = json_array();
	size_t i;
	json_t *e;

	json_array_foreach(spctl_json_path(item, path), i, e)
		json_array_append(names, spctl_json_path(e, "Name|IId.NameId|NameId"));
	return spctl_json_text(names);
}

/* How many items the list at path has (rules of a security group). */
static char *fmt_count(json_t *item, const char *path)
{
	char *s;

	if (asprintf(&s, "%zu", json_array_size(spctl_json_path(item, path))) < 0)
		return NULL;
	return s;
}

/* "A/B" of the values at the paths "PATH_A/PATH_B" (running/total). */
static char *fmt_ratio(json_t *item, const char *paths)
{
	size_t n = strcspn(paths, "/");
	_cleanup_free_ char *first = strndup(paths, n);
	_cleanup_free_ char *a = first ? spctl_json_text(spctl_json_path(item, first)) : NULL;
	_cleanup_free_ char *b = paths[n] ? spctl_json_text(spctl_json_path(item, paths + n + 1)) : NULL;
	char *s;

	if (!a && !b)
		return NULL;
	if (asprintf(&s, "%s/%s", a ? a : "?", b ? b : "?") < 0)
		return NULL;
	return s;
}

/* "1x NVIDIA V100" per GPU kind; counts of "-1" mean none. */
static char *fmt_gpu(json_t *item, const char *path)
{
	_cleanup_json_ json_t *gpus = json_array();
	size_t i;
	json_t *g;

	json_array_foreach(spctl_json_path(item, path), i, g) {
		_cleanup_free_ char *count = spctl_json_text(json_object_get(g, "Count"));
		_cleanup_free_ char *mfr = spctl_json_text(json_object_get(g, "Mfr"));
		_cleanup_free_ char *model = spctl_json_text(json_object_get(g, "Model"));
		char *s;

		if (count && (!strcmp(count, "-1") || !strcmp(count, "0")))
			continue;
		if (asprintf(&s, "%sx %s%s%s", count ? count : "?", mfr ? mfr : "",
			     mfr && model ? " " : "", model ? model : "") < 0)
			return NULL;
		json_array_append_new(gpus, json_string(s));
		free(s);
	}
	return spctl_json_text(gpus);
}

/* ---- resources -------------------------------------------------------- */

#define COLUMNS(...) ((const struct column[]){ __VA_ARGS__, { 0 } })

static const struct resource res_cloudos = {
	"cloud OS", "/cloudos", "cloudos", COLUMNS({ "PROVIDER", "" }),
};
static const struct resource res_metainfo = { "cloud OS", "/cloudos/metainfo" };
static const struct resource res_driver = {
	"driver", "/driver", "driver",
	COLUMNS({ "NAME", "DriverName" }, { "PROVIDER", "ProviderName" },
		{ "LIBRARY", "DriverLibFileName" }),
};
static const struct resource res_credential = {
	"credential", "/credential", "credential",
	COLUMNS({ "NAME", "CredentialName" }, { "PROVIDER", "ProviderName" },
		{ "KEYS", "KeyValueInfoList", fmt_kv_keys }),
	.hide_values = true,
};
static const struct resource res_region = {
	"region", "/region", "region",
	COLUMNS({ "NAME", "RegionName" }, { "PROVIDER", "ProviderName" },
		{ "REGION", "Region", fmt_kv }, { "ZONE", "Zone", fmt_kv }),
};
static const struct resource res_connection = {
	"connection", "/connectionconfig", "connectionconfig",
	COLUMNS({ "NAME", "ConfigName" }, { "PROVIDER", "ProviderName" },
		{ "DRIVER", "DriverName" }, { "CREDENTIAL", "CredentialName" },
		{ "REGION", "RegionName" }),
};
static const struct resource res_connection_check = {
	"connection", "/connectionconfig", .sub = "/check",
};
static const struct resource res_driver_count = { "driver", "/countdriver", .value_key = "count" };
static const struct resource res_credential_count = { "credential", "/countcredential", .value_key = "count" };
static const struct resource res_region_count = { "region", "/countregion", .value_key = "count" };
static const struct resource res_connection_count = {
	"connection", "/countconnectionconfig", .value_key = "count",
};
static const struct column regionzone_columns[] = {
	{ "NAME", "Name" }, { "DISPLAY NAME", "DisplayName" },
	{ "ZONES", "ZoneList", fmt_names }, { 0 }
};
static const struct resource res_regionzone = {
	"region zone", "/regionzone", "regionzone", regionzone_columns,
};
static const struct resource res_preconfig_regionzone = {
	"region zone", "/preconfig/regionzone", "regionzone", regionzone_columns,
};
static const struct resource res_orgregion = { "region", "/orgregion" };
static const struct resource res_orgzone = { "zone", "/orgzone" };
static const struct resource res_image = {
	"image", "/vmimage", "image",
	COLUMNS({ "NAME", "Name|IId.NameId" }, { "OS", "OSDistribution" },
		{ "ARCH", "OSArchitecture" }, { "PLATFORM", "OSPlatform" },
		{ "STATUS", "ImageStatus" }),
};
static const struct resource res_spec = {
	"spec", "/vmspec", "vmspec",
	COLUMNS({ "NAME", "Name" }, { "VCPU", "VCpu.Count" },
		{ "MEMORY(MiB)", "MemSizeMiB" }, { "GPU", "Gpu", fmt_gpu },
		{ "PRICE", "Price", fmt_kv }),
};
static const struct resource res_orgspec = { "spec", "/vmorgspec" };
static const struct resource res_family = {
	"product family", "/productfamily", "productfamily", COLUMNS({ "FAMILY", "" }),
};
static const struct resource res_price = { "price", "/priceinfo/vm" };
static const struct resource res_capability = { "capability", "/driver/capability" };
static const struct resource res_callhistory = {
	"call", "/callhistory", "callhistory",
	COLUMNS({ "TIME", "Time" }, { "CONNECTION", "ConnectionName" },
		{ "TYPE", "ResourceType" }, { "API", "CloudOSAPI" },
		{ "ELAPSED", "ElapsedTime" }, { "ERROR", "ErrorMSG" }),
};
static const struct column kv_columns[] = { { "KEY", "Key" }, { "VALUE", "Value" }, { 0 } };

/*
 * The resources under Spider's management (reference §11): res_x for
 * create, list, get and delete, and one resource per management route.
 */
#define MANAGED_RESOURCE(x, what_, list_key_, columns_) \
	static const struct resource res_##x = { what_, "/" #x, list_key_, columns_ }; \
	static const struct resource res_##x##_reg = { what_, "/reg" #x }; \
	static const struct resource res_##x##_all = { what_, "/all" #x, .columns = columns_ }; \
	static const struct resource res_##x##_csp = { what_, "/csp" #x }; \
	static const struct resource res_##x##_count = { what_, "/count" #x, .value_key = "count" }

#define NAME_COLUMNS { "NAME", "IId.NameId" }, { "SYSTEM ID", "IId.SystemId" }

MANAGED_RESOURCE(vpc, "VPC", "vpc",
		 COLUMNS(NAME_COLUMNS, { "CIDR", "IPv4_CIDR" },
			 { "SUBNETS", "SubnetInfoList", fmt_names }));
MANAGED_RESOURCE(securitygroup, "security group", "securitygroup",
		 COLUMNS(NAME_COLUMNS, { "VPC", "VpcIID.NameId" },
			 { "RULES", "SecurityRules", fmt_count }));
MANAGED_RESOURCE(keypair, "key pair", "keypair",
		 COLUMNS(NAME_COLUMNS, { "FINGERPRINT", "Fingerprint" },
			 { "VM USER", "VMUserID" }));
/* spctl_run_vm_list adds STATUS from /vmstatus. */
MANAGED_RESOURCE(vm, "VM", "vm",
		 COLUMNS(NAME_COLUMNS, { "SPEC", "VMSpecName" },
			 { "IMAGE", "ImageIId.NameId" }, { "VPC", "VpcIID.NameId" },
			 { "SUBNET", "SubnetIID.NameId" }, { "PUBLIC IP", "PublicIP" },
			 { "PRIVATE IP", "PrivateIP" }));
MANAGED_RESOURCE(disk, "disk", "disk",
		 COLUMNS(NAME_COLUMNS, { "ZONE", "Zone" }, { "TYPE", "DiskType" },
			 { "SIZE(GB)", "DiskSize" }, { "STATUS", "Status" },
			 { "VM", "OwnerVM.NameId" }));
MANAGED_RESOURCE(myimage, "MyImage", "myImage",
		 COLUMNS(NAME_COLUMNS, { "SOURCE VM", "SourceVM.NameId" },
			 { "STATUS", "Status" }, { "CREATED", "CreatedTime" }));

static const struct resource res_subnet = { "subnet", "/vpc", .sub = "/subnet" };
static const struct resource res_subnet_list = {
	"subnet", "/vpc", "SubnetInfoList",
	COLUMNS(NAME_COLUMNS, { "ZONE", "Zone" }, { "CIDR", "IPv4_CIDR" }),
};
static const struct resource res_subnet_reg = { "subnet", "/regsubnet" };
static const struct resource res_subnet_csp = { "subnet", "/vpc", .sub = "/cspsubnet" };
static const struct resource res_subnet_count = { "subnet", "/countsubnet", .value_key = "count" };
static const struct resource res_sg_rules = { "security group", "/securitygroup", .sub = "/rules" };
static const struct resource res_sg_owner = { "security group", "/getsecuritygroupowner" };
static const struct resource res_vm_delete = { "VM", "/vm", .value_key = "Status" };
static const struct resource res_vmstatus = {
	"VM", "/vmstatus", "vmstatus",
	COLUMNS(NAME_COLUMNS, { "STATUS", "VmStatus" }), .value_key = "Status",
};
static const struct resource res_vm_using = { "VM", "/getvmusingresources" };
static const struct resource res_disk_size = { "disk", "/disk", .sub = "/size" };
static const struct resource res_disk_attach = { "disk", "/disk", .sub = "/attach" };
static const struct resource res_disk_detach = { "disk", "/disk", .sub = "/detach" };
static const struct resource res_tag = { "tag", "/tag", "tag", kv_columns };
static const struct resource res_anycall = { "function", "/anycall", "OKeyValueList", kv_columns };
static const struct resource res_destroy = {
	"connection", "/destroy", "DeletedAllListByResourceType",
	COLUMNS({ "TYPE", "ResourceType" }, { "DELETED", "DeletedIIDList", fmt_names },
		{ "NOT DELETED", "RemainedErrorInfoList", fmt_names }),
};
static const struct resource res_cspname = { "resource", "/cspresourcename", .value_key = "Name" };

/* The service layer: namespaces, MCIS (under /ns/<--ns>), requests. */
static const struct resource res_ns = {
	"namespace", "/ns", "ns", COLUMNS({ "NAME", "id" }, { "DESCRIPTION", "description" }),
	.value_key = "message", /* delete */
};
static const struct resource res_ns_create = { "namespace", "/ns", .pos_field = "name" };
static const struct resource res_mcis = {
	"MCIS", "/mcis", "mcis",
	COLUMNS({ "NAME", "id" }, { "STATUS", "status" },
		{ "RUNNING", "statusCount.countRunning/statusCount.countTotal", fmt_ratio },
		{ "TARGET", "targetAction" }, { "DESCRIPTION", "description" }),
	.in_ns = true, .show = spctl_show_mcis,
};
static const struct resource res_mcis_delete = {
	"MCIS", "/mcis", .in_ns = true, .show = spctl_show_action,
};
static const struct resource res_mcis_scale = {
	"MCIS", "/mcis", .sub = "/subgroup", .in_ns = true, .pos_field = "numVMsToAdd",
	.show = spctl_show_mcis,
};
static const struct resource res_mcis_cmd = {
	"MCIS", "/cmd/mcis", .in_ns = true, .show = spctl_show_cmd,
};
static const struct resource res_mcis_copy = {
	"MCIS", "/transferFile/mcis", .in_ns = true, .show = spctl_show_copy,
};
static const struct resource res_request = { "request", "/request", .value_key = "message" };
static const struct resource res_requests = {
	"request", "/requests", "request",
	COLUMNS({ "ID", "requestId" }, { "NAMESPACE", "namespace" }, { "KIND", "kind" },
		{ "TARGET", "target" }, { "STATUS", "status" },
		{ "PROGRESS", "progress.done/progress.total", fmt_ratio },
		{ "STARTED", "startTime" }, { "MESSAGE", "error.message|progress.message" }),
};

static const struct resource res_version = { "version", "/version" };
/* /readyz, not /health: it also asks the metadata store. */
static const struct resource res_health = { "health", "/readyz", .value_key = "message" };

/* ---- options ---------------------------------------------------------- */

#define OPTS(...) ((const struct opt[]){ __VA_ARGS__, { 0 } })
#define NO_OPTS ((const struct opt[]){ { 0 } })

#define O_NAME(field_, what) \
	{ "name", 'n', OPT_VALUE, .required = true, .metavar = "NAME", .help = what " name", .field = field_ }
#define O_PROVIDER \
	{ "provider", 'P', OPT_VALUE, .required = true, .metavar = "PROVIDER", .help = "cloud provider, e.g. AWS or MOCK (see 'spctl cloudos list')", .field = "ProviderName" }
#define O_PROVIDER_FILTER \
	{ "provider", 'P', OPT_VALUE, .metavar = "PROVIDER", .help = "only this provider's", .query = "ProviderName" }
/* The connection goes into the query of a GET and the body of the rest. */
#define O_CONN_IN(where) \
	{ "connection", 'c', OPT_VALUE, .required = true, .metavar = "CONN", .help = "connection config to use (default: $SPIDER_CONNECTION)", .env = "SPIDER_CONNECTION", .where = "ConnectionName" }
#define O_CONN O_CONN_IN(query)
#define O_CONN_BODY O_CONN_IN(field)
#define O_KV(what) \
	{ "kv", 0, OPT_LIST, .metavar = "KEY=VALUE", .help = what }

#define O_TAG \
	{ "tag", 0, OPT_LIST, .metavar = "KEY=VALUE", .help = "a tag (repeatable)", .field = "ReqInfo.TagList", .conv = spctl_conv_kv }
#define O_ID_TRANSFORM \
	{ "id-transform", 0, OPT_VALUE, .metavar = "ON|OFF", .help = "OFF: the cloud gets NAME as is, not NAME with a unique suffix (default: the server's ID_TRANSFORM_MODE)", .field = "IDTransformMode" }
#define O_FORCE \
	{ "force", 'f', OPT_FLAG, .help = "drop Spider's record even when the cloud fails to delete it", .query = "force" }
#define O_CIDR \
	{ "cidr", 0, OPT_VALUE, .required = true, .metavar = "CIDR", .help = "IPv4 address range, e.g. 10.0.1.0/24", .field = "ReqInfo.IPv4_CIDR" }
#define O_ZONE \
	{ "zone", 'z', OPT_VALUE, .metavar = "ZONE", .help = "zone (default: the connection's)", .field = "ReqInfo.Zone" }
#define O_VPC(required_, what) \
	{ "vpc", 0, OPT_VALUE, .required = required_, .metavar = "VPC", .help = what, .field = "ReqInfo.VPCName" }
#define O_VM(field_, what) \
	{ "vm", 0, OPT_VALUE, .required = true, .metavar = "VM", .help = what, .field = field_ }
#define O_RULES(field_, required_) \
	{ "rule", 'r', OPT_LIST, .required = required_, .metavar = "RULE", .help = "DIRECTION,PROTOCOL,FROM,TO[,CIDR] (repeatable): inbound or outbound; TCP, UDP, ICMP or ALL; the port range (-1 for ICMP and ALL); the source or destination (default 0.0.0.0/0), e.g. inbound,tcp,22,22,10.0.0.0/8", .field = field_, .conv = spctl_conv_rule }
#define O_CSP_ID(where, key) \
	{ "csp-id", 0, OPT_VALUE, .required = true, .metavar = "ID", .help = "the cloud's own ID of it", .where = key }
/* register: a cloud object under a name of ours */
#define O_REG(what) \
	O_CONN_BODY, O_NAME("ReqInfo.Name", what), O_CSP_ID(field, "ReqInfo.CSPId")
#define O_COUNT_CONN \
	{ "connection", 'c', OPT_VALUE, .metavar = "CONN", .help = "only this connection's ($SPIDER_CONNECTION is not used)", .segment = "/" }
/* The resource a tag is on: in the query of a GET, in ReqInfo otherwise. */
#define O_TAGGED(where, prefix) \
	{ "type", 't', OPT_VALUE, .required = true, .metavar = "TYPE", .help = "resource type: vpc, subnet, sg, keypair, vm, disk, myimage, nlb, cluster, ...", .where = prefix "ResourceType" }, \
	{ "resource", 'r', OPT_VALUE, .required = true, .metavar = "NAME", .help = "resource name", .where = prefix "ResourceName" }

/* The namespace of the MCIS commands. */
#define O_NS \
	{ "ns", 'n', OPT_VALUE, .required = true, .metavar = "NS", .help = "namespace (default: $SPIDER_NS)", .env = "SPIDER_NS" }
#define O_DESCRIPTION(required_) \
	{ "description", 'd', OPT_VALUE, .required = required_, .metavar = "TEXT", .help = "what it is for", .field = "description" }
#define O_NO_WAIT \
	{ "no-wait", 0, OPT_FLAG, .help = "print the request id and return at once instead of following the request (then: 'spctl request follow ID')" }
#define O_MCIS_FILE(what) \
	{ "file", 'f', OPT_VALUE, .metavar = "FILE", .help = what " (JSON, docs/api.md; '-': standard input); options given too replace its fields", .conflicts = "group" }
#define O_GROUP_HELP \
	"name=G,conn=CONN,spec=SPEC,image=IMAGE and, after commas, any of count=N (VMs G-1 to G-N), " \
	"user=USER, disk-type=TYPE, disk-size=GB; with vnet=VPC, subnet=SUBNET, sg=SG1;SG2 and key=KEYPAIR " \
	"the VMs use those resources of CONN (a static MCIS), without them the server makes default ones " \
	"per connection (dynamic); spec and image may be CONN+NAME instead of conn=CONN"
#define O_POLICY \
	{ "policy", 0, OPT_VALUE, .metavar = "POLICY", .help = "when some VMs fail: continue (default; they stay, Failed), rollback (remove all the request made) or refine (remove the failed VMs)", .field = "policyOnPartialFailure" }
#define O_DYNAMIC \
	{ "dynamic", 0, OPT_FLAG, .help = "create with the dynamic form even when the entries name neither kind (e.g. a file without commonSpec)" }
/* The VMs a call is on: one VM (in the path or the query) or a subGroup. */
#define O_MCIS_TARGET(where, key) \
	{ "vm", 0, OPT_VALUE, .metavar = "VM", .help = "only this VM (e.g. g1-2)", .where = key, .conflicts = "subgroup" }, \
	{ "subgroup", 0, OPT_VALUE, .metavar = "GROUP", .help = "only this subGroup's VMs", .query = "subGroupId" }
#define O_VM_USER \
	{ "vm-user", 0, OPT_VALUE, .metavar = "USER", .help = "log in as USER (default: the VM's user)", .field = "userName" }

/* ---- the table -------------------------------------------------------- */

#define LIST(res_, summary_, opts_) \
	{ "list", summary_, "", 0, 0, opts_, &res_, spctl_run_list }
#define GET(res_, summary_, opts_) \
	{ "get", summary_, "NAME", 1, 1, opts_, &res_, spctl_run_get }
#define DELETE(res_, summary_) \
	{ "delete", summary_, "NAME", 1, 1, NO_OPTS, &res_, spctl_run_change, .done = "Deleted" }
#define COUNT(res_, summary_) \
	{ "count", summary_, "", 0, 0, \
	  OPTS({ "provider", 'P', OPT_VALUE, .metavar = "PROVIDER", .help = "only this provider's", .segment = "/" }), \
	  &res_, spctl_run_value }
/* The verbs of a resource under Spider's management (reference §11). */
#define RES_LIST(x, what_) \
	{ "list", "List " what_ "s", "", 0, 0, OPTS(O_CONN), &res_##x, spctl_run_list }
#define RES_GET(x, what_) \
	{ "get", "Show a " what_, "NAME", 1, 1, OPTS(O_CONN), &res_##x, spctl_run_get }
#define RES_DELETE(x, what_) \
	{ "delete", "Delete a " what_ " in the cloud", "NAME", 1, 1, OPTS(O_CONN_BODY, O_FORCE), \
	  &res_##x, spctl_run_change, .done = "Deleted" }
#define RES_BASIC(x, what_) RES_LIST(x, what_), RES_GET(x, what_), RES_DELETE(x, what_)
#define RES_REGISTER(x, what_, opts_) \
	{ "register", "Put an existing cloud " what_ " under Spider's management, by its cloud ID", \
	  "", 0, 0, opts_, &res_##x##_reg, spctl_run_create }
#define RES_UNREGISTER(x, what_, opts_) \
	{ "unregister", "Make Spider forget a " what_ "; it stays in the cloud", "NAME", 1, 1, \
	  opts_, &res_##x##_reg, spctl_run_change, .done = "Unregistered" }
#define RES_CSP_DELETE(x, what_, pos_, npos_) \
	{ "csp-delete", "Delete a cloud " what_ " that Spider does not manage, by its cloud ID", \
	  pos_, npos_, npos_, OPTS(O_CONN_BODY), &res_##x##_csp, spctl_run_change, .done = "Deleted" }
#define RES_COUNT(x, what_) \
	{ "count", "Count the " what_ "s Spider manages", "", 0, 0, OPTS(O_COUNT_CONN), \
	  &res_##x##_count, spctl_run_value }
#define RES_MANAGE(x, what_, register_opts) \
	RES_REGISTER(x, what_, register_opts), \
	RES_UNREGISTER(x, what_, OPTS(O_CONN_BODY)), \
	{ "mapping", "List the " what_ "s that Spider, the cloud or both know, saying which", \
	  "", 0, 0, \
	  OPTS(O_CONN, { "info", 'i', OPT_FLAG, .help = "with the details of each (all of them with --json)" }), \
	  &res_##x##_all, spctl_run_mapping }, \
	RES_CSP_DELETE(x, what_, "ID", 1), \
	RES_COUNT(x, what_)

/* PUT /controlvm/NAME?action=... */
#define VM_CONTROL(action_, summary_) \
	{ action_, summary_, "NAME", 1, 1, OPTS(O_CONN_BODY), \
	  &(const struct resource){ "VM", "/controlvm", .query = "action=" action_, .value_key = "Status" }, \
	  spctl_run_change, .method = "PUT" }

/* PUT /ns/NS/control/mcis/NAME[/vm/VM]?action=... */
#define MCIS_CONTROL(action_) \
	&(const struct resource){ "MCIS", "/control/mcis", .query = "action=" action_, .in_ns = true, \
				  .show = spctl_show_action }
#define MCIS_ACTION(action_, summary_) \
	{ action_, summary_, "NAME", 1, 1, \
	  OPTS(O_NS, O_MCIS_TARGET(segment, "/vm/"), \
	       { "sequence", 0, OPT_FLAG, .help = "one VM after another, each until it reaches its target (default: all at once)", .query = "mode", .flag_value = "sequence" }, \
	       { "order", 0, OPT_VALUE, .metavar = "VM,VM,...", .help = "the VMs in this order (default: the MCIS's)", .query = "order", .needs = "sequence" }, \
	       { "continue-on-error", 0, OPT_FLAG, .help = "go on past a VM that fails (default: stop; the rest are skipped)", .query = "continueOnError", .needs = "sequence" }, \
	       { "force", 0, OPT_FLAG, .help = "skip the state guard (act on VMs in any state)", .query = "force" }, \
	       O_NO_WAIT), \
	  MCIS_CONTROL(action_), spctl_run_long, .method = "PUT" }

#define END { 0 }

const struct command spctl_commands[] = {
	{ "cloud", "a cloud account in one command: driver, credential, regions, connections", (const struct verb[]){
		{ "add", "Register a cloud account in one go: the provider's driver (unless one is registered), a credential, and a region and a connection config per region, each checked at the end; running it again keeps what is there and finishes the rest", "", 0, 0,
		  OPTS(O_PROVIDER,
		       { "regions", 'r', OPT_VALUE, .required = true, .metavar = "REGION[/ZONE],...", .help = "the cloud's regions to connect to, e.g. us-east-1,eu-west-1/eu-west-1b; without a zone the cloud's first one for the region is used" },
		       { "name", 'n', OPT_VALUE, .metavar = "PREFIX", .help = "name prefix: the credential is PREFIX-credential, each region and connection PREFIX-REGION, a new driver PREFIX-driver (default: the provider in lower case)" },
		       O_KV("a credential key and value (repeatable); a VALUE of '-' is read from standard input, so secrets stay out of argv"),
		       { "kv-file", 0, OPT_VALUE, .metavar = "FILE", .help = "read the credential's KEY=VALUE lines from FILE ('-': standard input); '#' starts a comment line; without --kv and --kv-file, PREFIX-credential must exist already" }),
		  NULL, spctl_run_cloud_add },
		END } },
	{ "cloudos", "cloud providers the server knows", (const struct verb[]){
		LIST(res_cloudos, "List the cloud providers", NO_OPTS),
		{ "metainfo", "Show a provider's metadata (credential keys, regions, disk types)",
		  "PROVIDER", 1, 1, NO_OPTS, &res_metainfo, spctl_run_get },
		END } },
	{ "driver", "driver registrations (a provider's plugin)", (const struct verb[]){
		{ "create", "Register a driver (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("DriverName", "driver"), O_PROVIDER,
		       { "lib", 0, OPT_VALUE, .metavar = "FILE", .help = "plugin file name (default: <provider>-driver-v1.0.so)", .field = "DriverLibFileName" }),
		  &res_driver, spctl_run_driver_create },
		LIST(res_driver, "List drivers", OPTS(O_PROVIDER_FILTER)),
		GET(res_driver, "Show a driver", NO_OPTS),
		DELETE(res_driver, "Remove a driver"),
		COUNT(res_driver_count, "Count drivers"),
		END } },
	{ "credential", "cloud credentials (the server never shows their values)", (const struct verb[]){
		{ "create", "Register a credential (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("CredentialName", "credential"), O_PROVIDER,
		       O_KV("a credential key and value; a VALUE of '-' is read from standard input, so secrets stay out of argv"),
		       { "kv-file", 0, OPT_VALUE, .metavar = "FILE", .help = "read KEY=VALUE lines from FILE ('-': standard input); '#' starts a comment line" }),
		  &res_credential, spctl_run_create },
		LIST(res_credential, "List credentials", OPTS(O_PROVIDER_FILTER)),
		GET(res_credential, "Show a credential (keys only)", NO_OPTS),
		DELETE(res_credential, "Remove a credential"),
		COUNT(res_credential_count, "Count credentials"),
		END } },
	{ "region", "region registrations", (const struct verb[]){
		{ "create", "Register a region (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("RegionName", "region registration"), O_PROVIDER,
		       { "region", 'r', OPT_VALUE, .required = true, .metavar = "REGION", .help = "the cloud's region, e.g. us-east-1", .kv_key = "Region" },
		       { "zone", 'z', OPT_VALUE, .metavar = "ZONE", .help = "the cloud's zone, e.g. us-east-1a", .kv_key = "Zone" },
		       O_KV("an extra key and value (MOCK: MockLatencyMs, MockFailRate, MockFailOp)")),
		  &res_region, spctl_run_create },
		LIST(res_region, "List regions", OPTS(O_PROVIDER_FILTER)),
		GET(res_region, "Show a region", NO_OPTS),
		DELETE(res_region, "Remove a region"),
		COUNT(res_region_count, "Count regions"),
		END } },
	{ "connection", "connection configs: a driver, a credential and a region", (const struct verb[]){
		{ "create", "Register a connection config (replaces one of the same name)", "", 0, 0,
		  OPTS(O_NAME("ConfigName", "connection config"), O_PROVIDER,
		       { "driver", 'd', OPT_VALUE, .required = true, .metavar = "DRIVER", .help = "driver name", .field = "DriverName" },
		       { "credential", 'C', OPT_VALUE, .required = true, .metavar = "CRED", .help = "credential name", .field = "CredentialName" },
		       { "region", 'r', OPT_VALUE, .required = true, .metavar = "REGION", .help = "region registration name", .field = "RegionName" }),
		  &res_connection, spctl_run_create },
		LIST(res_connection, "List connection configs", OPTS(O_PROVIDER_FILTER)),
		GET(res_connection, "Show a connection config", NO_OPTS),
		DELETE(res_connection, "Remove a connection config"),
		COUNT(res_connection_count, "Count connection configs"),
		{ "check", "Ask the cloud now whether a connection config works",
		  "NAME", 1, 1, NO_OPTS, &res_connection_check, spctl_run_check },
		END } },
	{ "regionzone", "a connection's regions and zones", (const struct verb[]){
		LIST(res_regionzone, "List regions and their zones", OPTS(O_CONN)),
		GET(res_regionzone, "Show a region and its zones", OPTS(O_CONN)),
		{ "preconfig", "List regions and zones, or show one, without a connection config",
		  "[NAME]", 0, 1,
		  OPTS({ "driver", 'd', OPT_VALUE, .required = true, .metavar = "DRIVER", .help = "driver to ask with (in its provider's default region)", .query = "DriverName" },
		       { "credential", 'C', OPT_VALUE, .required = true, .metavar = "CRED", .help = "credential to ask with", .query = "CredentialName" }),
		  &res_preconfig_regionzone, spctl_run_list_or_get },
		{ "org", "Print the cloud's own region document (JSON)", "", 0, 0,
		  OPTS(O_CONN), &res_orgregion, spctl_run_raw },
		{ "orgzone", "Print the cloud's own zone document (JSON)", "", 0, 0,
		  OPTS(O_CONN), &res_orgzone, spctl_run_raw },
		END } },
	{ "image", "a connection's public VM images", (const struct verb[]){
		LIST(res_image, "List images", OPTS(O_CONN)),
		GET(res_image, "Show an image", OPTS(O_CONN)),
		END } },
	{ "spec", "a connection's VM specs", (const struct verb[]){
		LIST(res_spec, "List VM specs", OPTS(O_CONN)),
		GET(res_spec, "Show a VM spec", OPTS(O_CONN)),
		{ "org", "Print the cloud's own spec document (JSON)", "[NAME]", 0, 1,
		  OPTS(O_CONN), &res_orgspec, spctl_run_raw },
		END } },
	{ "price", "VM prices", (const struct verb[]){
		{ "families", "List the product families of a region", "REGION", 1, 1,
		  OPTS(O_CONN), &res_family, spctl_run_list },
		{ "get", "List VM prices in a region", "REGION", 1, 1,
		  OPTS(O_CONN,
		       { "filter", 'f', OPT_LIST, .metavar = "KEY=VALUE", .help = "keep prices whose KEY (vmSpecName, zoneName, productId, currency, ...) is VALUE; repeat a KEY for alternatives" },
		       { "simple", 0, OPT_FLAG, .help = "leave out the full spec of each product", .query = "simple" }),
		  &res_price, spctl_run_price_get },
		END } },
	{ "capability", "what a connection's driver supports", (const struct verb[]){
		{ NULL, "Show what a connection's driver supports", "", 0, 0, OPTS(O_CONN),
		  &res_capability, spctl_run_get },
		END } },
	{ "callhistory", "the calls the server made to clouds, newest first", (const struct verb[]){
		{ NULL, "List the calls the server made to clouds, newest first", "", 0, 0,
		  OPTS({ "connection", 'c', OPT_VALUE, .metavar = "CONN", .help = "only this connection's calls ($SPIDER_CONNECTION is not used)", .query = "ConnectionName" },
		       { "type", 't', OPT_VALUE, .metavar = "TYPE", .help = "only this resource type: REGIONZONE, VMIMAGE, VMSPEC, PRICEINFO, ...", .query = "ResourceType" },
		       { "errors", 'e', OPT_FLAG, .help = "only failed calls", .query = "ErrorOnly" },
		       { "since", 0, OPT_VALUE, .metavar = "TIME", .help = "calls at or after TIME (RFC 3339 UTC: 2026-01-02T15:04:05Z)", .query = "Since" },
		       { "until", 0, OPT_VALUE, .metavar = "TIME", .help = "calls at or before TIME", .query = "Until" },
		       { "limit", 'l', OPT_VALUE, .number = true, .metavar = "N", .help = "at most N calls (server default 100, max 10000)", .query = "Limit" }),
		  &res_callhistory, spctl_run_list },
		END } },
	{ "vpc", "VPCs: a connection's networks", (const struct verb[]){
		{ "create", "Create a VPC and its subnets", "", 0, 0,
		  OPTS(O_CONN_BODY, O_NAME("ReqInfo.Name", "VPC"), O_CIDR,
		       { "subnet", 0, OPT_LIST, .metavar = "NAME,CIDR[,ZONE]", .help = "a subnet (repeatable); ZONE defaults to the connection's", .field = "ReqInfo.SubnetInfoList", .conv = spctl_conv_subnet },
		       O_TAG, O_ID_TRANSFORM),
		  &res_vpc, spctl_run_create },
		RES_BASIC(vpc, "VPC"),
		RES_MANAGE(vpc, "VPC", OPTS(O_REG("VPC"))),
		END } },
	{ "subnet", "the subnets of a VPC", (const struct verb[]){
		{ "add", "Add a subnet to a VPC", "VPC", 1, 1,
		  OPTS(O_CONN_BODY, O_NAME("ReqInfo.Name", "subnet"), O_CIDR, O_ZONE, O_TAG),
		  &res_subnet, spctl_run_create },
		{ "list", "List the subnets of a VPC", "VPC", 1, 1, OPTS(O_CONN),
		  &res_subnet_list, spctl_run_list },
		{ "get", "Show a subnet", "VPC NAME", 2, 2, OPTS(O_CONN), &res_subnet, spctl_run_get },
		{ "remove", "Delete a subnet in the cloud", "VPC NAME", 2, 2,
		  OPTS(O_CONN_BODY, O_FORCE), &res_subnet, spctl_run_change, .done = "Removed" },
		RES_REGISTER(subnet, "subnet",
			     OPTS(O_REG("subnet"), O_VPC(true, "the VPC it is in"), O_ZONE)),
		RES_UNREGISTER(subnet, "subnet", OPTS(O_CONN_BODY, O_VPC(true, "the VPC it is in"))),
		RES_CSP_DELETE(subnet, "subnet", "VPC ID", 2),
		RES_COUNT(subnet, "subnet"),
		END } },
	{ "securitygroup", "security groups: the firewall rules of VMs", (const struct verb[]){
		{ "create", "Create a security group", "", 0, 0,
		  OPTS(O_CONN_BODY, O_NAME("ReqInfo.Name", "security group"),
		       O_VPC(true, "the VPC it is for"), O_RULES("ReqInfo.SecurityRules", false),
		       O_TAG, O_ID_TRANSFORM),
		  &res_securitygroup, spctl_run_create },
		{ "list", "List security groups", "", 0, 0,
		  OPTS(O_CONN, { "vpc", 0, OPT_VALUE, .metavar = "VPC", .help = "only this VPC's", .segment = "/vpc/" }),
		  &res_securitygroup, spctl_run_list },
		RES_GET(securitygroup, "security group"),
		RES_DELETE(securitygroup, "security group"),
		{ "add-rules", "Add rules to a security group", "NAME", 1, 1,
		  OPTS(O_CONN_BODY, O_RULES("ReqInfo.RuleInfoList", true)),
		  &res_sg_rules, spctl_run_create },
		{ "remove-rules", "Remove rules from a security group", "NAME", 1, 1,
		  OPTS(O_CONN_BODY, O_RULES("ReqInfo.RuleInfoList", true)),
		  &res_sg_rules, spctl_run_change, .done = "Removed rules from" },
		{ "owner", "Show the VPC of a cloud security group, by its cloud ID", "", 0, 0,
		  OPTS(O_CONN_BODY, O_CSP_ID(field, "ReqInfo.CSPId")), &res_sg_owner, spctl_run_get },
		RES_MANAGE(securitygroup, "security group",
			   OPTS(O_REG("security group"), O_VPC(false, "the VPC it is in"))),
		END } },
	{ "keypair", "key pairs: SSH logins of VMs", (const struct verb[]){
		{ "create", "Create a key pair (its private key is in this answer only), or import a public key", "", 0, 0,
		  OPTS(O_CONN_BODY, O_NAME("ReqInfo.Name", "key pair"), O_TAG, O_ID_TRANSFORM,
		       { "private-key-file", 'o', OPT_VALUE, .metavar = "PATH", .help = "write the private key to PATH, a new file only you can read (mode 0600), instead of showing it" },
		       { "public-key-file", 0, OPT_VALUE, .metavar = "FILE", .help = "import the OpenSSH public key in FILE ('-': standard input), e.g. ~/.ssh/id_ed25519.pub, instead of making a key pair: the private key stays yours", .field = "ReqInfo.PublicKey", .conv = spctl_conv_text_file, .conflicts = "private-key-file" }),
		  &res_keypair, spctl_run_keypair_create },
		RES_BASIC(keypair, "key pair"),
		RES_MANAGE(keypair, "key pair", OPTS(O_REG("key pair"))),
		END } },
	{ "vm", "virtual machines", (const struct verb[]){
		{ "create", "Create a VM and wait until it runs (minutes on a real cloud)", "", 0, 0,
		  OPTS(O_CONN_BODY, O_NAME("ReqInfo.Name", "VM"),
		       { "image", 'i', OPT_VALUE, .required = true, .metavar = "IMAGE", .help = "image name (see 'spctl image list'), or a MyImage with --image-type MyImage", .field = "ReqInfo.ImageName" },
		       { "image-type", 0, OPT_VALUE, .metavar = "TYPE", .help = "PublicImage (default) or MyImage", .field = "ReqInfo.ImageType" },
		       { "spec", 0, OPT_VALUE, .required = true, .metavar = "SPEC", .help = "VM spec (see 'spctl spec list')", .field = "ReqInfo.VMSpecName" },
		       O_VPC(true, "the VPC to run in"),
		       { "subnet", 0, OPT_VALUE, .required = true, .metavar = "SUBNET", .help = "the subnet of the VPC to run in", .field = "ReqInfo.SubnetName" },
		       { "sg", 0, OPT_LIST, .metavar = "SG", .help = "a security group (repeatable)", .field = "ReqInfo.SecurityGroupNames" },
		       { "keypair", 'k', OPT_VALUE, .metavar = "KEYPAIR", .help = "key pair for SSH logins", .field = "ReqInfo.KeyPairName" },
		       { "root-disk-type", 0, OPT_VALUE, .metavar = "TYPE", .help = "root disk type (default: the cloud's)", .field = "ReqInfo.RootDiskType" },
		       { "root-disk-size", 0, OPT_VALUE, .number = true, .metavar = "GB", .help = "root disk size (default: the image's)", .field = "ReqInfo.RootDiskSize" },
		       { "data-disk", 0, OPT_LIST, .metavar = "DISK", .help = "a disk to attach (repeatable)", .field = "ReqInfo.DataDiskNames" },
		       { "vm-user", 0, OPT_VALUE, .metavar = "USER", .help = "login name (the server uses cb-user, or Administrator on Windows)", .field = "ReqInfo.VMUserId" },
		       { "vm-password", 0, OPT_VALUE, .metavar = "PASSWORD", .help = "login password (Windows); '-' reads it from standard input, so it stays out of argv", .field = "ReqInfo.VMUserPasswd", .conv = spctl_conv_secret },
		       O_TAG, O_ID_TRANSFORM),
		  &res_vm, spctl_run_create },
		{ "list", "List VMs and their status", "", 0, 0, OPTS(O_CONN), &res_vm, spctl_run_vm_list },
		RES_GET(vm, "VM"),
		{ "delete", "Terminate a VM and wait until it is gone (minutes on a real cloud)",
		  "NAME", 1, 1, OPTS(O_CONN_BODY, O_FORCE),
		  &res_vm_delete, spctl_run_change, .done = "Deleted" },
		{ "status", "List the status of each VM, or print one VM's", "[NAME]", 0, 1,
		  OPTS(O_CONN), &res_vmstatus, spctl_run_list_or_get },
		VM_CONTROL("suspend", "Suspend (stop) a VM"),
		VM_CONTROL("resume", "Resume a suspended VM"),
		VM_CONTROL("reboot", "Reboot a VM"),
		{ "resources", "Show the VPC, security groups and key pair a cloud VM uses, by its cloud ID",
		  "", 0, 0, OPTS(O_CONN, O_CSP_ID(query, "CSPId")), &res_vm_using, spctl_run_get },
		RES_MANAGE(vm, "VM", OPTS(O_REG("VM"))),
		END } },
	{ "disk", "data disks of VMs", (const struct verb[]){
		{ "create", "Create a disk", "", 0, 0,
		  OPTS(O_CONN_BODY, O_NAME("ReqInfo.Name", "disk"), O_ZONE,
		       { "type", 0, OPT_VALUE, .metavar = "TYPE", .help = "disk type (see 'spctl cloudos metainfo')", .field = "ReqInfo.DiskType" },
		       { "size", 0, OPT_VALUE, .metavar = "GB", .help = "size in GB", .field = "ReqInfo.DiskSize" },
		       O_TAG, O_ID_TRANSFORM),
		  &res_disk, spctl_run_create },
		RES_BASIC(disk, "disk"),
		{ "resize", "Grow a disk", "NAME", 1, 1,
		  OPTS(O_CONN_BODY, { "size", 0, OPT_VALUE, .required = true, .number = true, .metavar = "GB", .help = "the new size in GB", .field = "ReqInfo.Size" }),
		  &res_disk_size, spctl_run_change, .method = "PUT", .done = "Resized" },
		{ "attach", "Attach a disk to a VM", "NAME", 1, 1,
		  OPTS(O_CONN_BODY, O_VM("ReqInfo.VMName", "the VM to attach it to")),
		  &res_disk_attach, spctl_run_create, .method = "PUT" },
		{ "detach", "Detach a disk from a VM", "NAME", 1, 1,
		  OPTS(O_CONN_BODY, O_VM("ReqInfo.VMName", "the VM it is attached to")),
		  &res_disk_detach, spctl_run_change, .method = "PUT", .done = "Detached" },
		RES_MANAGE(disk, "disk", OPTS(O_REG("disk"), O_ZONE)),
		END } },
	{ "myimage", "MyImages: snapshots of VMs to start VMs from", (const struct verb[]){
		{ "create", "Snapshot a VM into a MyImage (start VMs from it with 'vm create --image-type MyImage')",
		  "", 0, 0,
		  OPTS(O_CONN_BODY, O_NAME("ReqInfo.Name", "MyImage"),
		       O_VM("ReqInfo.SourceVM", "the VM to snapshot"), O_TAG, O_ID_TRANSFORM),
		  &res_myimage, spctl_run_create },
		RES_BASIC(myimage, "MyImage"),
		RES_MANAGE(myimage, "MyImage", OPTS(O_REG("MyImage"))),
		END } },
	{ "tag", "the tags of a resource", (const struct verb[]){
		{ "add", "Tag a resource", "", 0, 0,
		  OPTS(O_CONN_BODY, O_TAGGED(field, "ReqInfo."),
		       { "tag", 0, OPT_VALUE, .required = true, .metavar = "KEY=VALUE", .help = "the tag", .field = "ReqInfo.Tag", .conv = spctl_conv_kv }),
		  &res_tag, spctl_run_create },
		{ "list", "List the tags of a resource", "", 0, 0, OPTS(O_CONN, O_TAGGED(query, "")),
		  &res_tag, spctl_run_list },
		{ "get", "Show a tag of a resource", "KEY", 1, 1, OPTS(O_CONN, O_TAGGED(query, "")),
		  &res_tag, spctl_run_get },
		{ "remove", "Remove a tag from a resource", "KEY", 1, 1,
		  OPTS(O_CONN_BODY, O_TAGGED(field, "ReqInfo.")),
		  &res_tag, spctl_run_change, .done = "Removed" },
		END } },
	{ "anycall", "call a driver-specific function", (const struct verb[]){
		{ NULL, "Call a driver-specific function and list what it returns", "", 0, 0,
		  OPTS(O_CONN_BODY,
		       { "fid", 0, OPT_VALUE, .required = true, .metavar = "FID", .help = "the function, e.g. countAll (MOCK)", .field = "ReqInfo.FID" },
		       { "in", 0, OPT_LIST, .metavar = "KEY=VALUE", .help = "an input (repeatable), e.g. rsType=vpc", .field = "ReqInfo.IKeyValueList", .conv = spctl_conv_kv }),
		  &res_anycall, spctl_run_list, .method = "POST" },
		END } },
	{ "destroy", "delete every resource of a connection", (const struct verb[]){
		{ NULL, "Delete every resource of a connection: VMs, disks, MyImages, key pairs, security groups, VPCs and the rest", "", 0, 0,
		  OPTS(O_CONN_BODY, { "yes", 'y', OPT_FLAG, .help = "do not ask first (needed when standard input is not a terminal)" }),
		  &res_destroy, spctl_run_destroy },
		END } },
	{ "cspname", "the name Spider gave a resource in the cloud", (const struct verb[]){
		{ NULL, "Print the name Spider gave a resource in the cloud", "NAME", 1, 1,
		  OPTS(O_CONN, { "type", 't', OPT_VALUE, .required = true, .metavar = "TYPE", .help = "resource type: vpc, subnet, sg, keypair, vm, disk, myimage, nlb, cluster, ...", .query = "ResourceType" }),
		  &res_cspname, spctl_run_value },
		END } },
	{ "ns", "namespaces: where MCIS live", (const struct verb[]){
		{ "create", "Create a namespace (lower-case letters, digits and '-')", "NAME", 1, 1,
		  OPTS(O_DESCRIPTION(false)), &res_ns_create, spctl_run_create },
		LIST(res_ns, "List namespaces", NO_OPTS),
		GET(res_ns, "Show a namespace", NO_OPTS),
		{ "update", "Change the description of a namespace", "NAME", 1, 1,
		  OPTS(O_DESCRIPTION(true)), &res_ns, spctl_run_create, .method = "PUT" },
		{ "delete", "Delete a namespace that holds no MCIS", "NAME", 1, 1,
		  OPTS({ "force", 'f', OPT_FLAG, .help = "terminate and delete every MCIS in it first, and its default resources", .query = "force" }),
		  &res_ns, spctl_run_change },
		END } },
	{ "mcis", "multi-cloud services: groups of VMs over any connections", (const struct verb[]){
		{ "create", "Create an MCIS and follow the request until its VMs run", "[NAME]", 0, 1,
		  OPTS(O_NS, O_MCIS_FILE("the request"),
		       { "group", 'g', OPT_LIST, .metavar = "SPEC", .help = "a subGroup of VMs (repeatable): " O_GROUP_HELP, .field = "vm", .conv = spctl_conv_group },
		       O_POLICY, O_DYNAMIC, O_DESCRIPTION(false), O_NO_WAIT),
		  &res_mcis, spctl_run_mcis_create },
		{ "list", "List the MCIS of a namespace", "", 0, 0,
		  OPTS(O_NS, { "status", 0, OPT_FLAG, .help = "ask the clouds for every VM's status now (default: the stored state)", .query = "option", .flag_value = "status" }),
		  &res_mcis, spctl_run_list },
		{ "get", "Show an MCIS and its VMs", "NAME", 1, 1,
		  OPTS(O_NS, { "status", 0, OPT_FLAG, .help = "ask the clouds for every VM's status now (default: the stored state)", .query = "option", .flag_value = "status" },
		       { "access", 0, OPT_FLAG, .help = "show how to reach each VM (IPs, SSH port, user, key pair)", .query = "option", .flag_value = "accessinfo", .conflicts = "status" }),
		  &res_mcis, spctl_run_mcis_get },
		{ "delete", "Delete an MCIS whose VMs are all terminated (or failed)", "NAME", 1, 1,
		  OPTS(O_NS, { "terminate", 0, OPT_FLAG, .help = "terminate its VMs first", .query = "option", .flag_value = "terminate", .conflicts = "force" },
		       { "force", 'f', OPT_FLAG, .help = "terminate its VMs first, going on past failures", .query = "option", .flag_value = "force" },
		       O_NO_WAIT),
		  &res_mcis_delete, spctl_run_long, .method = "DELETE" },
		{ "add-vm", "Add a subGroup of VMs to an MCIS", "NAME", 1, 1,
		  OPTS(O_NS, O_MCIS_FILE("one VM entry"),
		       { "group", 'g', OPT_VALUE, .metavar = "SPEC", .help = "the subGroup: " O_GROUP_HELP },
		       O_POLICY, O_DYNAMIC, O_NO_WAIT),
		  &res_mcis, spctl_run_mcis_add_vm },
		{ "scale", "Add COUNT VMs to a subGroup, made like its first VM", "NAME SUBGROUP COUNT", 3, 3,
		  OPTS(O_NS, O_NO_WAIT), &res_mcis_scale, spctl_run_long },
		{ "refine", "Remove the MCIS's Failed and Undefined VMs from it", "NAME", 1, 1,
		  OPTS(O_NS), MCIS_CONTROL("refine"), spctl_run_long, .method = "PUT" },
		MCIS_ACTION("suspend", "Suspend (stop) the VMs of an MCIS"),
		MCIS_ACTION("resume", "Resume the suspended VMs of an MCIS"),
		MCIS_ACTION("reboot", "Reboot the VMs of an MCIS"),
		MCIS_ACTION("terminate", "Terminate the VMs of an MCIS (it stays, with its VMs Terminated)"),
		{ "cmd", "Run commands on the Running VMs over SSH and show what each printed; exits 1 when one fails", "NAME [--] COMMAND...", 1, (size_t)-1,
		  OPTS(O_NS, O_MCIS_TARGET(query, "vmId"),
		       { "command", 'c', OPT_LIST, .metavar = "CMD", .help = "a command (repeatable), run before those after NAME; the commands of a VM run in order, each to its end", .field = "command" },
		       O_VM_USER,
		       { "cmd-timeout", 0, OPT_VALUE, .number = true, .metavar = "SEC", .help = "give each VM SEC seconds for all its commands (server default 600, at most 7200)", .field = "timeoutSeconds" },
		       O_NO_WAIT),
		  &res_mcis_cmd, spctl_run_mcis_cmd },
		{ "copy", "Copy a file (up to 32 MiB) to the Running VMs over SSH", "NAME LOCAL_FILE REMOTE_PATH", 3, 3,
		  OPTS(O_NS, O_MCIS_TARGET(query, "vmId"),
		       { "mode", 'm', OPT_VALUE, .metavar = "MODE", .help = "the remote file's mode, octal (default 0644)", .field = "mode" },
		       O_VM_USER, O_NO_WAIT),
		  &res_mcis_copy, spctl_run_mcis_copy },
		END } },
	{ "request", "the server's long calls (MCIS create, actions, commands): progress and result", (const struct verb[]){
		{ "get", "Show a request: its status, progress and result or error", "ID", 1, 1, NO_OPTS,
		  &res_request, spctl_run_get },
		{ "list", "List the requests the server remembers (the last 1000)", "", 0, 0,
		  OPTS({ "ns", 'n', OPT_VALUE, .metavar = "NS", .help = "only this namespace's ($SPIDER_NS is not used)", .query = "ns" },
		       { "status", 0, OPT_VALUE, .metavar = "STATUS", .help = "only those with this status: Handling, Success, Error or Interrupted", .query = "status" }),
		  &res_requests, spctl_run_list },
		{ "follow", "Follow a request to its end with its progress, then show its result", "ID", 1, 1,
		  NO_OPTS, &res_request, spctl_run_follow },
		{ "delete", "Forget a request that has ended", "ID", 1, 1, NO_OPTS, &res_request, spctl_run_change },
		END } },
	{ "version", "client and server versions", (const struct verb[]){
		{ NULL, "Show the client and server versions", "", 0, 0, NO_OPTS, &res_version, spctl_run_version },
		END } },
	{ "health", "whether the server is ready", (const struct verb[]){
		{ NULL, "Ask whether the server and its metadata store are ready", "", 0, 0, NO_OPTS, &res_health, spctl_run_value },
		END } },
	{ 0 }
};
