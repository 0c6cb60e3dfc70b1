/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OpenStack driver's conversions (map.c) on bodies recorded from a
 * real OpenStack Zed (tests/data/openstack): token catalogue, flavors,
 * network, security group, server with ports, error bodies; and on
 * hostile documents, which must give sane answers, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "openstack.h"

static json_t *load(const char *name)
{
	char path[1024];
	json_error_t e;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/%s", OS_TEST_DATA, name);
	doc = json_load_file(path, 0, &e);
	if (!doc)
		fail_msg("%s: %s", path, e.text);
	return doc;
}

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf = calloc(1, 65536);

	snprintf(path, sizeof(path), "%s/%s", OS_TEST_DATA, name);
	assert_non_null(f = fopen(path, "rb"));
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

static const char *s(json_t *o, const char *path)
{
	/* "a.b" walks objects */
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(o, path));
}

static void test_vm_status(void **state)
{
	static const struct {
		const char *status, *task;
		sp_vm_status want;
	} cases[] = {
		{ "BUILD", "spawning", SP_VM_CREATING },
		{ "ACTIVE", NULL, SP_VM_RUNNING },
		{ "ACTIVE", "suspending", SP_VM_SUSPENDING },
		{ "ACTIVE", "powering-off", SP_VM_SUSPENDING },
		{ "SUSPENDED", NULL, SP_VM_SUSPENDED },
		{ "SHUTOFF", NULL, SP_VM_SUSPENDED },
		{ "PAUSED", NULL, SP_VM_SUSPENDED },
		{ "SUSPENDED", "resuming", SP_VM_RESUMING },
		{ "SHUTOFF", "powering-on", SP_VM_RESUMING },
		{ "REBOOT", "reboot_started", SP_VM_REBOOTING },
		{ "HARD_REBOOT", NULL, SP_VM_REBOOTING },
		{ "ACTIVE", "rebooting", SP_VM_REBOOTING },
		{ "ACTIVE", "deleting", SP_VM_TERMINATING },
		{ "ERROR", "deleting", SP_VM_TERMINATING },
		{ "DELETED", NULL, SP_VM_TERMINATED },
		{ "SOFT_DELETED", NULL, SP_VM_TERMINATED },
		{ "ERROR", NULL, SP_VM_FAILED },
		{ "UNKNOWN", NULL, SP_VM_FAILED },
		{ "SOMETHING_NEW", NULL, SP_VM_FAILED },
		{ NULL, NULL, SP_VM_FAILED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(os_vm_status(cases[i].status, cases[i].task), cases[i].want);
}

static void test_times(void **state)
{
	char buf[32];

	(void)state;
	assert_true(os_time_parse("1970-01-01T00:01:00Z") == 60.0);
	assert_true(os_time_parse("1970-01-01T00:01:00.500000Z") == 60.5);
	assert_true(os_time_parse("1970-01-01T00:01:00.000000") == 60.0);
	assert_true(os_time_parse("1970-01-01T00:01:00+00:00") == 60.0);
	assert_true(os_time_parse("1970-13-01T00:01:00Z") < 0);
	assert_true(os_time_parse("yesterday") < 0);
	assert_true(os_time_parse("1970-01-01T00:01:00Zjunk") < 0);
	assert_true(os_time_parse(NULL) < 0);
	os_time_rfc3339("2026-11-22T13:30:02.123456", buf);
	assert_string_equal(buf, "2026-11-22T13:30:02Z");
	os_time_rfc3339("garbage", buf);
	assert_string_equal(buf, "");
	/* a quarter of the lifetime early, at most five minutes */
	assert_true(os_token_renew_at(1000, 1000 + 3600) == 1000 + 3600 - 300);
	assert_true(os_token_renew_at(1000, 1000 + 120) == 1000 + 90);
	assert_true(os_token_renew_at(-1, 5000) == 5000 - 300);
}

static void test_token_catalog(void **state)
{
	json_t *doc = load("token.json"), *token = json_object_get(doc, "token");
	json_t *ep;
	size_t i, j;
	json_t *svc;

	(void)state;
	assert_string_equal(os_catalog_url(token, "compute", "RegionOne"), "http://127.0.0.1:8774/v2.1");
	assert_string_equal(os_catalog_url(token, "network", "RegionOne"), "http://127.0.0.1:9696");
	assert_string_equal(os_catalog_url(token, "image", "RegionOne"), "http://127.0.0.1:9292");
	assert_null(os_catalog_url(token, "compute", "RegionTwo"));
	assert_null(os_catalog_url(token, "volumev3", "RegionOne"));
	assert_true(os_time_parse(s(token, "expires_at")) > os_time_parse(s(token, "issued_at")));
	/* no public endpoint: the internal one */
	json_array_foreach(json_object_get(token, "catalog"), i, svc)
		json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
			if (!strcmp(s(ep, "interface"), "public"))
				json_object_set_new(ep, "interface", json_string("admin"));
			else if (!strcmp(s(ep, "interface"), "internal"))
				json_object_set_new(ep, "url", json_string("http://internal.example:1"));
		}
	assert_string_equal(os_catalog_url(token, "compute", "RegionOne"), "http://internal.example:1");
	json_decref(doc);
	doc = json_string("x");
	assert_null(os_catalog_url(doc, "compute", "RegionOne"));
	json_decref(doc);
}

static void test_flavor(void **state)
{
	json_t *doc = load("flavors.json"), *f, *info;
	size_t i;

	(void)state;
	json_array_foreach(json_object_get(doc, "flavors"), i, f) {
		if (strcmp(s(f, "name"), "m1.small"))
			continue;
		assert_non_null(info = os_spec_info(f, "RegionOne"));
		assert_string_equal(s(info, "Name"), "m1.small");
		assert_string_equal(s(info, "Region"), "RegionOne");
		assert_string_equal(s(info, "VCpu.Count"), "1");
		assert_string_equal(s(info, "VCpu.ClockGHz"), "-1");
		assert_string_equal(s(info, "MemSizeMiB"), "2048");
		assert_string_equal(s(info, "DiskSizeGB"), "20");
		assert_int_equal(json_array_size(json_object_get(info, "Gpu")), 0);
		assert_string_equal(s(json_array_get(json_object_get(info, "KeyValueList"), 0), "Value"), "2");
		json_decref(info);
	}
	/* extra specs become KeyValueList entries */
	f = json_pack("{s:s, s:s, s:i, s:i, s:i, s:{s:s}}", "id", "9", "name", "gpu", "vcpus", 8,
		      "ram", 1024, "disk", 0, "extra_specs", "resources:VGPU", "1");
	assert_non_null(info = os_spec_info(f, "R"));
	assert_string_equal(s(json_array_get(json_object_get(info, "KeyValueList"), 1), "Key"), "resources:VGPU");
	json_decref(info);
	json_decref(f);
	json_decref(doc);
}

static void test_vpc(void **state)
{
	json_t *net = load("network.json"), *subs = load("subnets.json");
	json_t *info = os_vpc_info(json_object_get(net, "network"), json_object_get(subs, "subnets"), "nova");
	json_t *sub, *other;

	(void)state;
	assert_non_null(info);
	assert_string_equal(s(info, "IId.NameId"), "rec-net");
	assert_string_equal(s(info, "IId.SystemId"), s(net, "network.id"));
	assert_string_equal(s(info, "IPv4_CIDR"), "10.9.0.0/16");
	assert_int_equal(json_array_size(json_object_get(info, "SubnetInfoList")), 1);
	sub = json_array_get(json_object_get(info, "SubnetInfoList"), 0);
	assert_string_equal(s(sub, "IId.NameId"), "rec-sub");
	assert_string_equal(s(sub, "IPv4_CIDR"), "10.9.1.0/24");
	assert_string_equal(s(sub, "Zone"), "nova");
	assert_string_equal(s(json_array_get(json_object_get(info, "TagList"), 0), "Key"), "owner");
	assert_string_equal(s(json_array_get(json_object_get(info, "TagList"), 0), "Value"), "spider");
	json_decref(info);
	/* another network's subnets are not this one's */
	other = json_pack("{s:s, s:s}", "id", "other", "name", "o");
	info = os_vpc_info(other, json_object_get(subs, "subnets"), "nova");
	assert_int_equal(json_array_size(json_object_get(info, "SubnetInfoList")), 0);
	assert_string_equal(s(info, "IPv4_CIDR"), "");
	json_decref(info);
	json_decref(other);
	json_decref(net);
	json_decref(subs);
}

static bool has_rule(json_t *rules, const char *dir, const char *proto, const char *from,
		     const char *to, const char *cidr)
{
	json_t *r;
	size_t i;

	json_array_foreach(rules, i, r)
		if (!strcmp(s(r, "Direction"), dir) && !strcmp(s(r, "IPProtocol"), proto) &&
		    !strcmp(s(r, "FromPort"), from) && !strcmp(s(r, "ToPort"), to) &&
		    !strcmp(s(r, "CIDR"), cidr))
			return true;
	return false;
}

static void test_sg(void **state)
{
	json_t *doc = load("security_group.json"), *net = load("network.json");
	json_t *info = os_sg_info(json_object_get(doc, "security_group"));
	json_t *rules = json_object_get(info, "SecurityRules");

	(void)state;
	assert_string_equal(s(info, "IId.NameId"), "rec-sg");
	assert_string_equal(s(info, "VpcIID.SystemId"), s(net, "network.id"));
	assert_int_equal(json_array_size(rules), 4);
	assert_true(has_rule(rules, "inbound", "TCP", "22", "22", "0.0.0.0/0"));
	assert_true(has_rule(rules, "inbound", "ICMP", "-1", "-1", "10.0.0.0/8"));
	assert_true(has_rule(rules, "outbound", "ALL", "-1", "-1", "0.0.0.0/0"));
	assert_true(has_rule(rules, "outbound", "ALL", "-1", "-1", "::/0"));
	json_decref(info);
	json_decref(doc);
	json_decref(net);
}

static void test_server(void **state)
{
	json_t *doc = load("server.json"), *ports = load("ports.json"), *net = load("network.json");
	json_t *sg = load("security_group.json");
	json_t *server = json_object_get(doc, "server");
	json_t *info = os_vm_info(server, json_object_get(ports, "ports"), "RegionOne");
	json_t *nic;

	(void)state;
	assert_non_null(info);
	assert_string_equal(s(info, "IId.NameId"), "rec-vm");
	assert_string_equal(s(info, "IId.SystemId"), s(server, "id"));
	assert_string_equal(s(info, "VMSpecName"), "m1.tiny");
	assert_string_equal(s(info, "Region.Region"), "RegionOne");
	assert_string_equal(s(info, "Region.Zone"), "nova");
	assert_string_equal(s(info, "VpcIID.NameId"), "rec-net");
	assert_string_equal(s(info, "VpcIID.SystemId"), s(net, "network.id"));
	assert_string_equal(s(info, "SecurityGroupIIds.0") ?: "", "");
	assert_string_equal(s(json_array_get(json_object_get(info, "SecurityGroupIIds"), 0), "SystemId"),
			    s(sg, "security_group.id"));
	assert_string_equal(s(info, "PrivateIP"), "10.9.1.228");
	assert_string_equal(s(info, "SSHAccessPoint"), "10.9.1.228:22");
	assert_string_equal(s(info, "PublicIP"), "");
	assert_string_equal(s(info, "RootDiskSize"), "1");
	assert_string_equal(s(info, "VMUserId"), "cb-user");
	assert_string_equal(s(info, "ImageType"), "PublicImage");
	assert_string_equal(s(info, "ImageIId.SystemId"), s(server, "image.id"));
	assert_non_null(nic = json_array_get(json_object_get(info, "NICs"), 0));
	assert_string_equal(s(nic, "MACAddress"), "fa:16:3e:71:e9:62");
	assert_string_equal(s(info, "NetworkInterface"), s(nic, "IId.SystemId"));
	assert_string_equal(s(json_array_get(json_object_get(info, "TagList"), 0), "Key"), "team");
	assert_int_equal(strlen(s(info, "StartTime")), 20);
	json_decref(info);
	/* without the port list, the server's own addresses */
	info = os_vm_info(server, NULL, "RegionOne");
	assert_string_equal(s(info, "PrivateIP"), "10.9.1.228");
	assert_string_equal(s(info, "VpcIID.SystemId"), "");
	json_decref(info);
	json_decref(doc);
	json_decref(ports);
	json_decref(net);
	json_decref(sg);
}

static void check_error(const char *file, long status, sp_errcode code, const char *type,
			const char *msg)
{
	size_t len;
	char *body = slurp(file, &len);
	char t[128], m[512];

	os_error_text(body, len, t, sizeof(t), m, sizeof(m));
	assert_string_equal(t, type);
	assert_string_equal(m, msg);
	assert_int_equal(os_error_code(status), code);
	free(body);
}

static void test_errors(void **state)
{
	char t[16], m[16];

	(void)state;
	check_error("error_nova_404.json", 404, SP_ERR_NOT_FOUND, "itemNotFound",
		    "Instance 00000000-0000-0000-0000-000000000000 could not be found.");
	check_error("error_nova_400.json", 400, SP_ERR_INVALID, "badRequest",
		    "Invalid input for field/attribute server. Value: {'name': 'x'}. 'flavorRef' is a required property");
	check_error("error_nova_409.json", 409, SP_ERR_CONFLICT, "conflictingRequest",
		    "Cannot 'resume' instance b9bf0a2d-412b-41e6-be36-6f186a326f64 while it is in vm_state active");
	check_error("error_neutron_404.json", 404, SP_ERR_NOT_FOUND, "NetworkNotFound",
		    "Network 00000000-0000-0000-0000-000000000000 could not be found.");
	check_error("error_neutron_400.json", 400, SP_ERR_INVALID, "HTTPBadRequest",
		    "Attribute 'tags' not allowed in POST");
	check_error("error_keystone_401.json", 401, SP_ERR_AUTH, "Unauthorized",
		    "The request you have made requires authentication.");
	check_error("error_glance_404.txt", 404, SP_ERR_NOT_FOUND, "",
		    "404 Not Found No image found with ID 00000000-0000-0000-0000-000000000000");
	assert_int_equal(os_error_code(403), SP_ERR_FORBIDDEN);
	assert_int_equal(os_error_code(413), SP_ERR_FORBIDDEN);
	assert_int_equal(os_error_code(500), SP_ERR_CLOUD);
	assert_int_equal(os_error_code(503), SP_ERR_CLOUD);
	assert_int_equal(os_error_code(504), SP_ERR_TIMEOUT);
	/* HTML, empty, and a message longer than the buffer */
	os_error_text("<html><body><h1>502 Bad</h1>\n gateway</body></html>", 51, t, sizeof(t), m, sizeof(m));
	assert_string_equal(m, "502 Bad gateway");
	os_error_text(NULL, 0, t, sizeof(t), m, sizeof(m));
	assert_string_equal(m, "no message");
	os_error_text("{\"x\":{\"message\":\"a very long message indeed\"}}", 46, t, sizeof(t), m, sizeof(m));
	assert_string_equal(t, "x");
	assert_string_equal(m, "a very long mes");
}

static void test_tags(void **state)
{
	char buf[128];
	json_t *tags = json_pack("[s, s, i, s]", "k=v", "bare", 7, "a=b=c");
	json_t *info = os_tags_info(tags);

	(void)state;
	assert_int_equal(os_tag_string("env", "ci", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "env=ci");
	assert_int_equal(os_tag_string("env", "", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "env");
	assert_int_equal(os_tag_string("", "x", buf, sizeof(buf)), -1);
	assert_int_equal(os_tag_string("a=b", "x", buf, sizeof(buf)), -1);
	assert_int_equal(os_tag_string("a", "x/y", buf, sizeof(buf)), -1);
	assert_int_equal(os_tag_string("a", "x,y", buf, sizeof(buf)), -1);
	assert_int_equal(os_tag_string("a", "0123456789012345678901234567890123456789012345678901234567890", buf, sizeof(buf)), -1);
	assert_int_equal(json_array_size(info), 3);
	assert_string_equal(s(json_array_get(info, 0), "Value"), "v");
	assert_string_equal(s(json_array_get(info, 1), "Value"), "");
	assert_string_equal(s(json_array_get(info, 2), "Key"), "a");
	assert_string_equal(s(json_array_get(info, 2), "Value"), "b=c");
	json_decref(info);
	json_decref(tags);
}

/* Whatever shape a cloud sends, every conversion answers something. */
static void test_hostile(void **state)
{
	json_t *bad[] = {
		json_object(), json_array(), json_integer(3), json_string("x"), json_null(),
		json_pack("{s:i, s:[i], s:{s:i}, s:s, s:i, s:[{s:i}], s:{s:[i]}}", "id", 1, "name", 2,
			  "flavor", "disk", 3, "status", "ACTIVE", "tags", 4,
			  "security_group_rules", "port_range_min", 5, "addresses", "n", 6),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *outs[] = {
			os_vm_info(bad[i], bad[i], "R"), os_spec_info(bad[i], "R"),
			os_vpc_info(bad[i], bad[i], "z"), os_sg_info(bad[i]), os_image_info(bad[i]),
			os_myimage_info(bad[i]), os_keypair_info(bad[i]), os_region_info(bad[i], bad[i]),
			os_subnet_info(bad[i], "z"), os_tags_info(bad[i]),
		};

		for (size_t j = 0; j < sizeof(outs) / sizeof(outs[0]); j++) {
			assert_non_null(outs[j]);
			json_decref(outs[j]);
		}
		assert_null(os_catalog_url(bad[i], "compute", "R"));
		json_decref(bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_status),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_token_catalog),
		cmocka_unit_test(test_flavor),
		cmocka_unit_test(test_vpc),
		cmocka_unit_test(test_sg),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
