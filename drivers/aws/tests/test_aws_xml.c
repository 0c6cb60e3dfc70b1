/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_aws_xml.c - the XML reader: EC2 documents read by local name, and
 * malformed, truncated (every prefix), huge, deep and hostile documents
 * (entity bombs, external entities) refused without a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws.h"
#include "util/macros.h"

static char *slurp(const char *name, size_t *ret_len)
{
	char path[1024];
	_cleanup_fclose_ FILE *f = NULL;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/xml/%s", AWS_TEST_DATA, name);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	*ret_len = (size_t)n;
	return buf;
}

static void test_read_instances(void **state)
{
	size_t len;
	_cleanup_free_ char *buf = slurp("describe-instances.xml", &len);
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_json_ json_t *tags = NULL, *j = NULL;
	xmlNode *root, *inst;
	const char *name;
	sp_error err;

	assert_int_equal(aws_xml_parse(buf, len, &doc, &err), 0);
	root = xmlDocGetRootElement(doc);
	inst = aws_xml_items(aws_xml_items(root, "reservationSet"), "instancesSet");
	assert_non_null(inst);
	assert_string_equal(aws_xml_str(inst, "instanceId"), "i-1234567890abcdef0");
	assert_string_equal(aws_xml_str(inst, "instanceState/name"), "running");
	assert_string_equal(aws_xml_str(inst, "placement/availabilityZone"), "eu-west-1c");
	assert_string_equal(aws_xml_str(inst, "no/such/path"), "");
	assert_null(aws_xml_next(inst));
	assert_string_equal(aws_xml_str(root, "nextToken"), "eyJ2IjoiMiIsImMiOiJ0b2tlbiJ9");
	tags = aws_xml_tags(inst, &name);
	assert_string_equal(name, "vm-01-d0n4kbm7qd4s73c0s1a0");
	assert_int_equal(json_array_size(tags), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "Value")), "a & b <c>");
	j = aws_xml_to_json(aws_xml_child(inst, "groupSet"));
	assert_true(json_is_array(j));
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "groupId")), "sg-e4076980");
}

/* No prefix of a document is a document: each is refused, none crashes. */
static void test_every_truncation(void **state)
{
	size_t len;
	_cleanup_free_ char *buf = slurp("describe-instances.xml", &len);
	size_t ok = 0;

	while (len > 0 && (buf[len - 1] == '\n'))
		len--;
	for (size_t n = 0; n < len; n++) {
		xmlDoc *doc = NULL;
		sp_error err;

		if (aws_xml_parse(buf, n, &doc, &err) == 0) {
			xmlFreeDoc(doc);
			ok++;
		} else {
			assert_int_equal(err.code, n == 0 ? SP_ERR_CLOUD : SP_ERR_CLOUD);
		}
	}
	assert_int_equal(ok, 0);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"<a><b></a>", "not xml at all", "<a>&undefined;</a>", "<a x='1' x='2'/>",
		"<?xml version='1.0'?>", "<a>\x01</a>", "</a>", "<a><!-- --",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		xmlDoc *doc = NULL;
		sp_error err;

		assert_int_equal(aws_xml_parse(bad[i], strlen(bad[i]), &doc, &err), -1);
		assert_int_equal(err.code, SP_ERR_CLOUD);
		assert_null(doc);
	}
}

static void test_huge_refused(void **state)
{
	size_t n = AWS_RESPONSE_MAX + 1;
	_cleanup_free_ char *buf = malloc(n);
	xmlDoc *doc = NULL;
	sp_error err;

	assert_non_null(buf);
	memset(buf, ' ', n);
	memcpy(buf, "<a>", 3);
	assert_int_equal(aws_xml_parse(buf, n, &doc, &err), -1);
	assert_int_equal(err.code, SP_ERR_TOO_LARGE);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Ten levels of ten entities: 10^9 "lol"s if expanded.  Refused at once. */
static void test_billion_laughs(void **state)
{
	size_t len;
	_cleanup_free_ char *buf = slurp("billion-laughs.xml", &len);
	xmlDoc *doc = NULL;
	sp_error err;
	double t = now();

	assert_int_equal(aws_xml_parse(buf, len, &doc, &err), -1);
	assert_null(doc);
	assert_non_null(strstr(err.message, "DTD"));
	assert_true(now() - t < 1.0);
}

static void test_external_entity(void **state)
{
	size_t len;
	_cleanup_free_ char *buf = slurp("xxe.xml", &len);
	xmlDoc *doc = NULL;
	sp_error err;

	assert_int_equal(aws_xml_parse(buf, len, &doc, &err), -1);
	assert_null(doc);
}

/* Nesting deeper than libxml2's limit is an error, not a stack overflow. */
static void test_deep(void **state)
{
	size_t depth = 100000, n = depth * 7 + 1;
	_cleanup_free_ char *buf = malloc(n);
	char *p = buf;
	xmlDoc *doc = NULL;
	sp_error err;

	assert_non_null(buf);
	for (size_t i = 0; i < depth; i++, p += 3)
		memcpy(p, "<a>", 3);
	for (size_t i = 0; i < depth; i++, p += 4)
		memcpy(p, "</a>", 4);
	assert_int_equal(aws_xml_parse(buf, (size_t)(p - buf), &doc, &err), -1);
	assert_int_equal(err.code, SP_ERR_CLOUD);
}

static void test_error_document(void **state)
{
	size_t len;
	_cleanup_free_ char *buf = slurp("error.xml", &len);
	_cleanup_xml_ xmlDoc *doc = NULL;
	sp_error err;
	xmlNode *e;

	assert_int_equal(aws_xml_parse(buf, len, &doc, &err), 0);
	e = aws_xml_path(xmlDocGetRootElement(doc), "Errors/Error");
	assert_string_equal(aws_xml_str(e, "Code"), "InvalidInstanceID.NotFound");
	assert_int_equal(aws_error_code(aws_xml_str(e, "Code"), 400), SP_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_instances),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_huge_refused),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_external_entity),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_error_document),
	};

	xmlInitParser();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
