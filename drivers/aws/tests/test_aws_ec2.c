/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_aws_ec2.c - the EC2 client's policies: AWS error codes to ours,
 * what is retried, the jittered backoff, the parameter cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "aws.h"
#include "util/macros.h"

static void test_error_map(void **state)
{
	static const struct {
		const char *code;
		long http;
		sp_errcode want;
	} cases[] = {
		{ "InvalidInstanceID.NotFound", 400, SP_ERR_NOT_FOUND },
		{ "InvalidVpcID.NotFound", 400, SP_ERR_NOT_FOUND },
		{ "InvalidAMIID.NotFound", 400, SP_ERR_NOT_FOUND },
		{ "InvalidKeyPair.NotFound", 400, SP_ERR_NOT_FOUND },
		{ "InvalidKeyPair.Duplicate", 400, SP_ERR_CONFLICT },
		{ "InvalidGroup.Duplicate", 400, SP_ERR_CONFLICT },
		{ "InvalidPermission.Duplicate", 400, SP_ERR_CONFLICT },
		{ "AuthFailure", 401, SP_ERR_AUTH },
		{ "SignatureDoesNotMatch", 403, SP_ERR_AUTH },
		{ "UnauthorizedOperation", 403, SP_ERR_FORBIDDEN },
		{ "IncorrectInstanceState", 400, SP_ERR_CONFLICT },
		{ "DependencyViolation", 400, SP_ERR_CONFLICT },
		{ "InvalidParameterValue", 400, SP_ERR_INVALID },
		{ "InvalidInstanceID.Malformed", 400, SP_ERR_INVALID },
		{ "VcpuLimitExceeded", 400, SP_ERR_FORBIDDEN },
		{ "RequestLimitExceeded", 503, SP_ERR_CLOUD },
		{ "InternalError", 500, SP_ERR_CLOUD },
		{ NULL, 401, SP_ERR_AUTH },
		{ NULL, 403, SP_ERR_FORBIDDEN },
		{ NULL, 500, SP_ERR_CLOUD },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		if (aws_error_code(cases[i].code, cases[i].http) != cases[i].want)
			fail_msg("%s/%ld: got %d, want %d", cases[i].code ? cases[i].code : "(none)",
				 cases[i].http, aws_error_code(cases[i].code, cases[i].http), cases[i].want);
}

static void test_retryable(void **state)
{
	assert_true(aws_error_retryable("RequestLimitExceeded", 503));
	assert_true(aws_error_retryable("Throttling", 400));
	assert_true(aws_error_retryable(NULL, 500));
	assert_true(aws_error_retryable(NULL, 503));
	assert_true(aws_error_retryable("InternalError", 500));
	assert_false(aws_error_retryable("InvalidInstanceID.NotFound", 400));
	assert_false(aws_error_retryable("AuthFailure", 401));
	assert_false(aws_error_retryable("InsufficientInstanceCapacity", 500));
	assert_false(aws_error_retryable(NULL, 400));
}

/* Retry n waits within [c/2, c], c = min(cap, base * 2^(n-1)), and the
 * waits are not all alike (jitter). */
static void test_backoff(void **state)
{
	uint64_t seed = 42;
	unsigned first = aws_backoff_ms(100, 1, &seed);
	bool varied = false;

	for (unsigned n = 1; n <= 12; n++) {
		unsigned c = 100u << (n - 1);

		if (c > AWS_BACKOFF_CAP_MS)
			c = AWS_BACKOFF_CAP_MS;
		for (int k = 0; k < 200; k++) {
			unsigned w = aws_backoff_ms(100, n, &seed);

			assert_true(w >= c / 2 && w <= c);
			varied |= n == 1 && w != first;
		}
	}
	assert_true(varied);
}

static void test_params_cap(void **state)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *tags = json_pack("[{s:s,s:s},{s:s,s:s}]", "Key", "a", "Value", "1",
						"Key", "Name", "Value", "ignored");

	aws_params_tagspec(&p, 1, "vpc", "vpc-01", tags);
	assert_int_equal(p.n, 5);
	assert_string_equal(p.p[0].key, "TagSpecification.1.ResourceType");
	assert_string_equal(p.p[2].value, "vpc-01");
	assert_string_equal(p.p[3].key, "TagSpecification.1.Tag.2.Key");
	aws_params_clear(&p);
	aws_params_tagspec(&p, 1, "key-pair", NULL, NULL);
	assert_int_equal(p.n, 0);
	for (int i = 0; i < AWS_PARAMS_MAX + 5; i++)
		aws_params_add(&p, "v", "K.%d", i);
	assert_int_equal(p.n, AWS_PARAMS_MAX);
	assert_true(p.overflow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_map),
		cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_params_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
