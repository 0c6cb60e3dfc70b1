/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/map.c - OpenStack's documents in Spider's shapes, and
 * OpenStack's errors as our codes.  Pure functions of their arguments:
 * they must take anything a cloud sends (missing keys, wrong types)
 * without crashing, and are tested on recorded bodies.
 */
#include "openstack.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/macros.h"
#include "util/banned.h"

#define NOT_APPLICABLE "-1"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/* ---- VM states (reference §13, with the task states that say a
 * transition is under way) ---------------------------------------------- */

static bool task_is(const char *task, const char *prefix)
{
	return task && !strncmp(task, prefix, strlen(prefix));
}

sp_vm_status os_vm_status(const char *status, const char *task)
{
	static const struct {
		const char *status;
		sp_vm_status st;
	} base[] = {
		{ "BUILD", SP_VM_CREATING }, { "REBUILD", SP_VM_CREATING },
		{ "ACTIVE", SP_VM_RUNNING }, { "PASSWORD", SP_VM_RUNNING },
		{ "MIGRATING", SP_VM_RUNNING }, { "RESIZE", SP_VM_RUNNING },
		{ "VERIFY_RESIZE", SP_VM_RUNNING }, { "REVERT_RESIZE", SP_VM_RUNNING },
		{ "RESCUE", SP_VM_RUNNING },
		{ "REBOOT", SP_VM_REBOOTING }, { "HARD_REBOOT", SP_VM_REBOOTING },
		{ "SUSPENDED", SP_VM_SUSPENDED }, { "SHUTOFF", SP_VM_SUSPENDED },
		{ "PAUSED", SP_VM_SUSPENDED }, { "SHELVED", SP_VM_SUSPENDED },
		{ "SHELVED_OFFLOADED", SP_VM_SUSPENDED },
		{ "DELETED", SP_VM_TERMINATED }, { "SOFT_DELETED", SP_VM_TERMINATED },
	};
	sp_vm_status st = SP_VM_FAILED;   /* ERROR, UNKNOWN and anything new */

	for (size_t i = 0; status && i < ELEMENTSOF(base); i++)
		if (!strcasecmp(status, base[i].status))
			st = base[i].st;
	if (task_is(task, "deleting") || task_is(task, "soft-deleting"))
		return SP_VM_TERMINATED == st ? st : SP_VM_TERMINATING;
	if (st == SP_VM_RUNNING && (task_is(task, "suspending") || task_is(task, "powering-off") ||
				    task_is(task, "pausing") || task_is(task, "shelving")))
		return SP_VM_SUSPENDING;
	if (st == SP_VM_RUNNING && (task_is(task, "reboot") || task_is(task, "rebooting")))
		return SP_VM_REBOOTING;
	if (st == SP_VM_SUSPENDED && (task_is(task, "resuming") || task_is(task, "powering-on") ||
				      task_is(task, "unpausing") || task_is(task, "unshelving") ||
				      task_is(task, "spawning")))
		return SP_VM_RESUMING;
	return st;
}

/* ---- times ---------------------------------------------------------------- */

double os_time_parse(const char *s)
{
	struct tm tm = { 0 };
	double frac = 0;
	const char *p;
	int n = 0;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n < 19)
		return -1;
	p = s + n;
	if (*p == '.') {
		double scale = 0.1;

		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z')
		p++;
	else if (!strcmp(p, "+00:00"))
		p += 6;
	if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + frac;
}

double os_token_renew_at(double issued, double expires)
{
	double life = issued > 0 && expires > issued ? expires - issued : 3600;

	return expires - (life / 4 < OS_RENEW_MARGIN_MAX ? life / 4 : OS_RENEW_MARGIN_MAX);
}

void os_time_rfc3339(const char *s, char buf[static 32])
{
	double t = os_time_parse(s);
	time_t secs = (time_t)t;
	struct tm tm;

	buf[0] = '\0';
	if (t >= 0 && gmtime_r(&secs, &tm))
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- errors ---------------------------------------------------------------- */

sp_errcode os_error_code(long http_status)
{
	switch (http_status) {
	case 400:
		return SP_ERR_INVALID;
	case 401:
		return SP_ERR_AUTH;
	case 403:
	case 413:   /* nova's overLimit: a quota */
		return SP_ERR_FORBIDDEN;
	case 404:
		return SP_ERR_NOT_FOUND;
	case 409:
		return SP_ERR_CONFLICT;
	case 501:
		return SP_ERR_CLOUD;
	case 504:
		return SP_ERR_TIMEOUT;
	default:
		/* 5xx, 429 and anything unexpected: the cloud's fault */
		return SP_ERR_CLOUD;
	}
}

/* Text with tags dropped and white space folded, into msg. */
static void plain_text(const char *body, size_t len, char *msg, size_t size)
{
	size_t o = 0;
	bool in_tag = false, space = true;

	for (size_t i = 0; i < len && o + 1 < size; i++) {
		char c = body[i];

		if (c == '<') {
			in_tag = true;
		} else if (c == '>' && in_tag) {
			in_tag = false;
			c = ' ';
		}
		if (in_tag || c == '>')
			continue;
		if (isspace((unsigned char)c) || (unsigned char)c < 0x20) {
			if (!space)
				msg[o++] = ' ';
			space = true;
			continue;
		}
		msg[o++] = c;
		space = false;
	}
	while (o && msg[o - 1] == ' ')
		o--;
	msg[o] = '\0';
}

void os_error_text(const char *body, size_t len, char *type, size_t type_size,
		   char *msg, size_t msg_size)
{
	_cleanup_json_ json_t *doc = NULL;
	const char *key, *m = NULL, *t = NULL;
	json_t *v;

	type[0] = msg[0] = '\0';
	if (body && len)
		doc = json_loadb(body, len, 0, NULL);
	if (json_is_object(doc)) {
		if ((v = json_object_get(doc, "NeutronError")) && json_is_object(v)) {
			t = str(v, "type");
			m = str(v, "message");
		} else if ((v = json_object_get(doc, "error")) && json_is_object(v)) {
			t = str(v, "title");
			m = str(v, "message");
		} else if ((v = json_array_get(json_object_get(doc, "errors"), 0))) {
			t = str(v, "title");
			m = str(v, "detail");
		} else if (json_object_size(doc) == 1) {
			/* nova: {"itemNotFound": {"code": 404, "message": "..."}} */
			json_object_foreach(doc, key, v) {
				t = key;
				m = json_is_object(v) ? str(v, "message") : json_string_value(v);
			}
		}
		if (!m && json_is_string(json_object_get(doc, "message")))
			m = str(doc, "message");
	}
	snprintf(type, type_size, "%s", t ? t : "");
	if (m && *m)
		plain_text(m, strlen(m), msg, msg_size);
	else if (body && len)
		plain_text(body, len, msg, msg_size);
	if (!msg[0])
		snprintf(msg, msg_size, "no message");
}

/* ---- the catalogue --------------------------------------------------------- */

const char *os_catalog_url(json_t *token, const char *type, const char *region)
{
	static const char *const pref[] = { "public", "internal" };
	json_t *svc, *ep;
	size_t i, j;

	for (size_t p = 0; p < ELEMENTSOF(pref); p++)
		json_array_foreach(json_object_get(token, "catalog"), i, svc) {
			if (strcmp(str(svc, "type"), type))
				continue;
			json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
				const char *rid = str(ep, "region_id"), *r = str(ep, "region");

				if (!strcmp(str(ep, "interface"), pref[p]) &&
				    (!strcmp(rid, region) || !strcmp(r, region)) && *str(ep, "url"))
					return str(ep, "url");
			}
		}
	return NULL;
}

/* ---- tags ------------------------------------------------------------------ */

json_t *os_tags_info(json_t *tags)
{
	json_t *out = json_array(), *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		const char *s = json_string_value(t), *eq;

		if (!s)
			continue;
		eq = strchr(s, '=');
		if (json_array_append_new(out, eq ? json_pack("{s:s%, s:s}", "Key", s, (size_t)(eq - s), "Value", eq + 1)
					       : json_pack("{s:s, s:s}", "Key", s, "Value", "")) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

int os_tag_string(const char *key, const char *value, char *buf, size_t size)
{
	int n;

	if (!*key || strchr(key, '=') || strpbrk(key, "/,") || strpbrk(value, "/,"))
		return -1;
	n = *value ? snprintf(buf, size, "%s=%s", key, value) : snprintf(buf, size, "%s", key);
	return n < 0 || (size_t)n >= size || n > 60 ? -1 : 0;
}

/* ---- catalogue shapes ------------------------------------------------------ */

json_t *os_region_info(json_t *region, json_t *zones)
{
	_cleanup_json_ json_t *list = json_array();
	const char *id = str(region, "id");
	const char *desc = *str(region, "description") ? str(region, "description") : id;
	json_t *z;
	size_t i;

	if (!list)
		return NULL;
	json_array_foreach(zones, i, z) {
		const char *name = str(z, "zoneName");
		bool up = json_is_true(json_object_get(json_object_get(z, "zoneState"), "available"));

		if (*name && json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "Name", name, "DisplayName", name,
								   "CSPDisplayName", name, "Status", up ? "Available" : "Unavailable")) < 0)
			return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:[], s:O}", "Name", id, "DisplayName", desc,
			 "CSPDisplayName", id, "KeyValueList", "ZoneList", list);
}

static json_t *kv(const char *k, const char *v)
{
	return json_pack("{s:s, s:s}", "Key", k, "Value", v);
}

static int kv_add(json_t *list, const char *k, const char *v)
{
	return *v ? json_array_append_new(list, kv(k, v)) : 0;
}

static const char *image_arch(const char *a)
{
	if (!strcasecmp(a, "x86_64") || !strcasecmp(a, "amd64"))
		return "x86_64";
	if (!strcasecmp(a, "aarch64") || !strcasecmp(a, "arm64"))
		return "arm64";
	if (!strcasecmp(a, "i686") || !strcasecmp(a, "i386") || !strcasecmp(a, "x86_32"))
		return "x86_32";
	if (!strcasecmp(a, "armv7l") || !strcasecmp(a, "arm32"))
		return "arm32";
	return "NA";
}

json_t *os_image_info(json_t *image)
{
	_cleanup_json_ json_t *kvl = json_array();
	const char *os_type = str(image, "os_type");
	const char *platform = !strcasecmp(os_type, "windows") ? "Windows" : !strcasecmp(os_type, "linux") ? "Linux/UNIX" : "NA";
	json_int_t min_disk = json_integer_value(json_object_get(image, "min_disk"));
	json_int_t bytes = json_integer_value(json_object_get(image, "size"));
	char dist[256], disk[32];

	if (!kvl || kv_add(kvl, "Visibility", str(image, "visibility")) < 0 ||
	    kv_add(kvl, "DiskFormat", str(image, "disk_format")) < 0 ||
	    kv_add(kvl, "Status", str(image, "status")) < 0)
		return NULL;
	snprintf(dist, sizeof(dist), "%s%s%s", str(image, "os_distro"), *str(image, "os_version") ? " " : "", str(image, "os_version"));
	if (min_disk > 0)
		snprintf(disk, sizeof(disk), "%lld", (long long)min_disk);
	else if (bytes > 0)
		snprintf(disk, sizeof(disk), "%lld", (long long)((bytes + (1LL << 30) - 1) >> 30));
	else
		snprintf(disk, sizeof(disk), NOT_APPLICABLE);
	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}",
			 "IId", os_iid(str(image, "name"), str(image, "id")),
			 "Name", *str(image, "name") ? str(image, "name") : str(image, "id"),
			 "OSArchitecture", image_arch(str(image, "architecture")),
			 "OSPlatform", platform,
			 "OSDistribution", *dist ? dist : "NA",
			 "OSDiskType", "default",
			 "OSDiskSizeGB", disk,
			 "ImageStatus", !strcmp(str(image, "status"), "active") ? "Available" : "Unavailable",
			 "KeyValueList", kvl);
}

json_t *os_myimage_info(json_t *image)
{
	char created[32];
	const char *vm = str(image, "instance_uuid");

	os_time_rfc3339(str(image, "created_at"), created);
	return json_pack("{s:o, s:o, s:s, s:s, s:o, s:[{s:s, s:s}]}",
			 "IId", os_iid(str(image, "name"), str(image, "id")),
			 "SourceVM", os_iid(vm, vm),
			 "Status", !strcmp(str(image, "status"), "active") ? "Available" : "Unavailable",
			 "CreatedTime", created,
			 "TagList", os_tags_info(json_object_get(image, "tags")),
			 "KeyValueList", "Key", "Status", "Value", str(image, "status"));
}

static void int_str(json_t *v, char buf[static 32])
{
	if (json_is_integer(v))
		snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, 32, NOT_APPLICABLE);
}

json_t *os_spec_info(json_t *flavor, const char *region)
{
	_cleanup_json_ json_t *kvl = json_array();
	char vcpus[32], ram[32], disk[32];
	const char *key;
	json_t *v;

	if (!kvl || kv_add(kvl, "id", str(flavor, "id")) < 0)
		return NULL;
	int_str(json_object_get(flavor, "vcpus"), vcpus);
	int_str(json_object_get(flavor, "ram"), ram);
	int_str(json_object_get(flavor, "disk"), disk);
	json_object_foreach(json_object_get(flavor, "extra_specs"), key, v)
		if (json_is_string(v) && json_array_append_new(kvl, kv(key, json_string_value(v))) < 0)
			return NULL;
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:[], s:O}",
			 "Region", region, "Name", str(flavor, "name"),
			 "VCpu", "Count", vcpus, "ClockGHz", NOT_APPLICABLE,
			 "MemSizeMiB", ram, "DiskSizeGB", disk, "Gpu", "KeyValueList", kvl);
}

/* ---- networks --------------------------------------------------------------- */

/* Our notes in a neutron description: "spider-<key>=<value>". */
static void desc_value(json_t *o, const char *key, char *buf, size_t size)
{
	const char *d = str(o, "description");
	size_t n = strlen(key);

	buf[0] = '\0';
	if (!strncmp(d, "spider-", 7) && !strncmp(d + 7, key, n) && d[7 + n] == '=')
		snprintf(buf, size, "%s", d + 8 + n);
}

json_t *os_subnet_info(json_t *subnet, const char *zone)
{
	return json_pack("{s:o, s:s, s:s, s:o, s:[{s:s, s:s}]}",
			 "IId", os_iid(str(subnet, "name"), str(subnet, "id")),
			 "Zone", zone, "IPv4_CIDR", str(subnet, "cidr"),
			 "TagList", os_tags_info(json_object_get(subnet, "tags")),
			 "KeyValueList", "Key", "GatewayIP", "Value", str(subnet, "gateway_ip"));
}

json_t *os_vpc_info(json_t *network, json_t *subnets, const char *zone)
{
	_cleanup_json_ json_t *list = json_array();
	const char *id = str(network, "id");
	char cidr[64];
	json_t *sub;
	size_t i;

	if (!list)
		return NULL;
	json_array_foreach(subnets, i, sub)
		if (!strcmp(str(sub, "network_id"), id) && json_array_append_new(list, os_subnet_info(sub, zone)) < 0)
			return NULL;
	desc_value(network, "cidr", cidr, sizeof(cidr));
	return json_pack("{s:o, s:s, s:O, s:o, s:[{s:s, s:s}]}",
			 "IId", os_iid(str(network, "name"), id),
			 "IPv4_CIDR", cidr, "SubnetInfoList", list,
			 "TagList", os_tags_info(json_object_get(network, "tags")),
			 "KeyValueList", "Key", "Status", "Value", str(network, "status"));
}

json_t *os_rule_info(json_t *rule)
{
	const char *proto = str(rule, "protocol");
	const char *eth = str(rule, "ethertype");
	json_t *lo = json_object_get(rule, "port_range_min"), *hi = json_object_get(rule, "port_range_max");
	char from[32] = NOT_APPLICABLE, to[32] = NOT_APPLICABLE, up[16];
	const char *cidr = str(rule, "remote_ip_prefix");
	size_t i;

	/* "tcp", "udp", "icmp" or none (every protocol); numbers as they are */
	for (i = 0; proto[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)proto[i]);
	up[i] = '\0';
	if (!*up || !strcmp(up, "ANY"))
		snprintf(up, sizeof(up), "ALL");
	if (!strcmp(up, "TCP") || !strcmp(up, "UDP")) {
		if (json_is_integer(lo) || json_is_integer(hi)) {
			int_str(json_is_integer(lo) ? lo : hi, from);
			int_str(json_is_integer(hi) ? hi : lo, to);
		} else {
			snprintf(from, sizeof(from), "1");
			snprintf(to, sizeof(to), "65535");
		}
	}
	if (!*cidr)
		cidr = !strcmp(eth, "IPv6") ? "::/0" : "0.0.0.0/0";
	return json_pack("{s:s, s:s, s:s, s:s, s:s}",
			 "Direction", !strcmp(str(rule, "direction"), "egress") ? "outbound" : "inbound",
			 "IPProtocol", up, "FromPort", from, "ToPort", to, "CIDR", cidr);
}

json_t *os_sg_info(json_t *sg)
{
	_cleanup_json_ json_t *rules = json_array();
	char vpc[64];
	json_t *r;
	size_t i;

	if (!rules)
		return NULL;
	json_array_foreach(json_object_get(sg, "security_group_rules"), i, r)
		if (json_array_append_new(rules, os_rule_info(r)) < 0)
			return NULL;
	desc_value(sg, "vpc", vpc, sizeof(vpc));
	return json_pack("{s:o, s:o, s:O, s:o, s:[]}",
			 "IId", os_iid(str(sg, "name"), str(sg, "id")),
			 "VpcIID", os_iid(vpc, vpc), "SecurityRules", rules,
			 "TagList", os_tags_info(json_object_get(sg, "tags")),
			 "KeyValueList");
}

json_t *os_keypair_info(json_t *keypair)
{
	json_t *k = json_object_get(keypair, "keypair") ?: keypair;

	return json_pack("{s:o, s:s, s:s, s:s, s:[], s:[{s:s, s:s}]}",
			 "IId", os_iid(str(k, "name"), str(k, "name")),
			 "Fingerprint", str(k, "fingerprint"),
			 "PublicKey", str(k, "public_key"),
			 "VMUserID", "cb-user", "TagList",
			 "KeyValueList", "Key", "Type", "Value", *str(k, "type") ? str(k, "type") : "ssh");
}

/* ---- servers ---------------------------------------------------------------- */

/* The server's addresses of one MAC: fixed ones into priv, floating ones
 * into pub; the network's name into *ret_net. */
static int server_addrs(json_t *server, const char *mac, json_t *priv, json_t *pub,
			const char **ret_net)
{
	const char *net;
	json_t *list, *a;
	size_t i;

	json_object_foreach(json_object_get(server, "addresses"), net, list)
		json_array_foreach(list, i, a) {
			if (mac && strcasecmp(str(a, "OS-EXT-IPS-MAC:mac_addr"), mac))
				continue;
			*ret_net = net;
			if (json_array_append_new(strcmp(str(a, "OS-EXT-IPS:type"), "floating") ? priv : pub,
						  json_string(str(a, "addr"))) < 0)
				return -1;
		}
	return 0;
}

json_t *os_vm_info(json_t *server, json_t *ports, const char *region)
{
	_cleanup_json_ json_t *nics = json_array();
	_cleanup_json_ json_t *sgs = json_array();
	_cleanup_json_ json_t *all_priv = json_array();
	_cleanup_json_ json_t *all_pub = json_array();
	_cleanup_json_ json_t *vpc = NULL, *subnet = NULL, *kvl = json_array();
	const char *id = str(server, "id"), *key = str(server, "key_name");
	json_t *flavor = json_object_get(server, "flavor"), *port;
	json_t *image = json_object_get(server, "image");
	char start[32], disk[32], ap[80] = "";
	const char *ip_pub, *ip_priv, *itype, *nic0;
	size_t i, j;

	if (!nics || !sgs || !all_priv || !all_pub || !kvl)
		return NULL;
	json_array_foreach(ports, i, port) {
		_cleanup_json_ json_t *priv = json_array();
		_cleanup_json_ json_t *pub = json_array();
		const char *net = "", *sub = str(json_array_get(json_object_get(port, "fixed_ips"), 0), "subnet_id");
		json_t *sg;

		if (strcmp(str(port, "device_id"), id))
			continue;
		if (!priv || !pub || server_addrs(server, str(port, "mac_address"), priv, pub, &net) < 0)
			return NULL;
		if (!vpc && !(vpc = os_iid(net, str(port, "network_id"))))
			return NULL;
		if (!subnet && !(subnet = os_iid(sub, sub)))
			return NULL;
		json_array_foreach(json_object_get(port, "security_groups"), j, sg)
			if (json_is_string(sg) && json_array_append_new(sgs, os_iid(json_string_value(sg), json_string_value(sg))) < 0)
				return NULL;
		if (json_array_extend(all_priv, priv) < 0 || json_array_extend(all_pub, pub) < 0 ||
		    json_array_append_new(nics, json_pack("{s:o, s:i, s:O, s:O, s:s, s:o}",
							  "IId", os_iid(str(port, "id"), str(port, "id")),
							  "DeviceIndex", (int)json_array_size(nics),
							  "PrivateIPs", priv, "PublicIPs", pub,
							  "MACAddress", str(port, "mac_address"),
							  "SubnetIID", os_iid(sub, sub))) < 0)
			return NULL;
	}
	/* No port seen (a port list that lagged, or no network): what the
	 * server itself says. */
	if (!json_array_size(nics)) {
		const char *net = "";

		if (server_addrs(server, NULL, all_priv, all_pub, &net) < 0)
			return NULL;
	}
	ip_pub = json_string_value(json_array_get(all_pub, 0)) ?: "";
	ip_priv = json_string_value(json_array_get(all_priv, 0)) ?: "";
	if (*ip_pub || *ip_priv)
		snprintf(ap, sizeof(ap), "%s:22", *ip_pub ? ip_pub : ip_priv);
	os_time_rfc3339(*str(server, "OS-SRV-USG:launched_at") ? str(server, "OS-SRV-USG:launched_at") : str(server, "created"), start);
	int_str(json_object_get(flavor, "disk"), disk);
	if (kv_add(kvl, "Status", str(server, "status")) < 0 ||
	    kv_add(kvl, "TaskState", str(server, "OS-EXT-STS:task_state")) < 0 ||
	    kv_add(kvl, "Host", str(server, "OS-EXT-SRV-ATTR:host")) < 0)
		return NULL;
	if (!vpc && !(vpc = os_iid("", "")))
		return NULL;
	if (!subnet && !(subnet = os_iid("", "")))
		return NULL;
	itype = str(json_object_get(server, "metadata"), "spider-image-type");
	nic0 = str(json_object_get(json_array_get(nics, 0), "IId"), "SystemId");
	return json_pack("{s:o, s:s, s:{s:s, s:s}, s:s, s:o, s:s, s:O, s:O, s:O, s:o,"
			 " s:s, s:s, s:s, s:[], s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:O,"
			 " s:s, s:s, s:O, s:s, s:s, s:s, s:s, s:o, s:O}",
			 "IId", os_iid(str(server, "name"), id),
			 "StartTime", start,
			 "Region", "Region", region, "Zone", str(server, "OS-EXT-AZ:availability_zone"),
			 "ImageType", !strcmp(itype, "MyImage") ? "MyImage" : "PublicImage",
			 "ImageIId", os_iid(str(image, "id"), str(image, "id")),
			 "VMSpecName", str(flavor, "original_name"),
			 "VpcIID", vpc,
			 "SubnetIID", subnet,
			 "SecurityGroupIIds", sgs,
			 "KeyPairIId", os_iid(key, key),
			 "RootDiskType", "default",
			 "RootDiskSize", disk,
			 "RootDeviceName", str(server, "OS-EXT-SRV-ATTR:root_device_name"),
			 "DataDiskIIDs",
			 "VMBootDisk", str(server, "OS-EXT-SRV-ATTR:root_device_name"),
			 "VMBlockDisk", str(server, "OS-EXT-SRV-ATTR:root_device_name"),
			 "VMUserId", "cb-user",
			 "VMUserPasswd", "",
			 "NICs", nics,
			 "NetworkInterface", nic0,
			 "PublicIP", ip_pub,
			 "PublicIPs", all_pub,
			 "PublicDNS", "",
			 "PrivateIP", ip_priv,
			 "PrivateIPs", all_priv,
			 "PrivateDNS", "",
			 "Platform", "LINUX/UNIX",
			 "SSHAccessPoint", ap,
			 "AccessPoint", ap,
			 "TagList", os_tags_info(json_object_get(server, "tags")),
			 "KeyValueList", kvl);
}
