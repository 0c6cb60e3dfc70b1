/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_aws_sigv4.c - SigV4 against AWS's published test suite: every
 * vector under tests/data/aws/sigv4 is signed and its canonical request,
 * string to sign and Authorization header compared with the golden files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "util/macros.h"

#define VECTORS_MIN 15

static char *slurp(const char *dir, const char *name, const char *ext)
{
	char path[1024];
	_cleanup_fclose_ FILE *f = NULL;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s/%s.%s", dir, name, name, ext);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	return buf;
}

/* Sign one .req and compare the three texts. */
static void check_vector(const char *dir, const char *name)
{
	_cleanup_free_ char *req = slurp(dir, name, "req");
	_cleanup_free_ char *creq = slurp(dir, name, "creq");
	_cleanup_free_ char *sts = slurp(dir, name, "sts");
	_cleanup_free_ char *authz = slurp(dir, name, "authz");
	sp_kv hdrs[16];
	size_t n = 0;
	char *line = req, *nl, *method, *path;
	const char *body = "";
	aws_sigv4_out out = { 0 };
	sp_error err = { 0 };

	nl = strchr(line, '\n');
	assert_non_null(nl);
	*nl = '\0';
	method = line;
	path = strchr(line, ' ');
	assert_non_null(path);
	*path++ = '\0';
	*strrchr(path, ' ') = '\0';
	for (line = nl + 1; *line; line = nl + 1) {
		char *colon;

		if (*line == '\n') {
			body = line + 1;
			break;
		}
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		*nl = '\0';
		colon = strchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		assert_true(n < ELEMENTSOF(hdrs));
		hdrs[n++] = (sp_kv){ line, colon + 1 };
		if (!nl[1])
			break;
	}
	assert_int_equal(aws_sigv4_sign(&(aws_sigv4_req){
		.method = method, .path = path, .headers = hdrs, .n_headers = n,
		.body = body, .body_len = strlen(body), .amz_date = "20150830T123600Z",
		.region = "us-east-1", .service = "service", .access_key = "AKIDEXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }, &out, &err), 0);
	if (strcmp(out.canonical_request, creq))
		fail_msg("%s: canonical request\n--- got\n%s\n--- want\n%s", name, out.canonical_request, creq);
	if (strcmp(out.string_to_sign, sts))
		fail_msg("%s: string to sign\n--- got\n%s\n--- want\n%s", name, out.string_to_sign, sts);
	if (strcmp(out.authorization, authz))
		fail_msg("%s: authorization\n--- got\n%s\n--- want\n%s", name, out.authorization, authz);
	aws_sigv4_out_clear(&out);
}

static void test_suite_vectors(void **state)
{
	const char *dir = AWS_TEST_DATA "/sigv4";
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md"))
			continue;
		check_vector(dir, e->d_name);
		n++;
	}
	closedir(d);
	assert_true(n >= VECTORS_MIN);
}

/* A changed secret, region or body changes the signature. */
static void test_inputs_matter(void **state)
{
	sp_kv hdrs[] = { { "Host", "example.amazonaws.com" }, { "X-Amz-Date", "20150830T123600Z" } };
	aws_sigv4_req r = { .method = "POST", .path = "/", .headers = hdrs, .n_headers = 2,
			    .body = "Action=DescribeVpcs", .body_len = 19, .amz_date = "20150830T123600Z",
			    .region = "us-east-1", .service = "ec2", .access_key = "AK", .secret_key = "SK" };
	aws_sigv4_out a = { 0 }, b = { 0 }, c = { 0 };
	sp_error err;

	assert_int_equal(aws_sigv4_sign(&r, &a, &err), 0);
	r.secret_key = "SK2";
	assert_int_equal(aws_sigv4_sign(&r, &b, &err), 0);
	r.secret_key = "SK";
	r.region = "eu-west-1";
	assert_int_equal(aws_sigv4_sign(&r, &c, &err), 0);
	assert_string_not_equal(a.authorization, b.authorization);
	assert_string_not_equal(a.authorization, c.authorization);
	assert_non_null(strstr(c.authorization, "/eu-west-1/ec2/aws4_request"));
	aws_sigv4_out_clear(&a);
	aws_sigv4_out_clear(&b);
	aws_sigv4_out_clear(&c);
	r.amz_date = "2015";
	assert_int_equal(aws_sigv4_sign(&r, &a, &err), -1);
	assert_int_equal(err.code, SP_ERR_INTERNAL);
}

static void test_uri_encode(void **state)
{
	_cleanup_free_ char *a = aws_uri_encode("a b/c+d~é", strlen("a b/c+d~é"), false);
	_cleanup_free_ char *b = aws_uri_encode("/a b/c", 6, true);

	assert_string_equal(a, "a%20b%2Fc%2Bd~%C3%A9");
	assert_string_equal(b, "/a%20b/c");
}

static void test_amz_date(void **state)
{
	char buf[17];

	aws_amz_date(1440938160, buf);
	assert_string_equal(buf, "20150830T123600Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_vectors),
		cmocka_unit_test(test_inputs_matter),
		cmocka_unit_test(test_uri_encode),
		cmocka_unit_test(test_amz_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
