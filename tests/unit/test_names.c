/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_names.c - core/names.h: user-given names and provider names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/names.h"
#include "util/common.h"

static const char allowed_rest[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

static void expect_valid(const char *name)
{
	sp_error err = { 0 };

	if (sp_name_validate("Name", name, &err) < 0)
		fail_msg("'%s' refused: %s", name, err.message);
}

/* Refused, with a message that starts with the field and holds want. */
static void expect_invalid(const char *field, const char *name,
			   const char *want)
{
	sp_error err = { 0 };

	if (sp_name_validate(field, name, &err) == 0)
		fail_msg("'%s' accepted", name ? name : "(null)");
	assert_int_equal(err.code, SP_ERR_INVALID);
	if (strncmp(err.message, field, strlen(field)) != 0 ||
	    !strstr(err.message, want))
		fail_msg("'%s': message '%s' (want '%s ...%s...')",
			 name ? name : "(null)", err.message, field, want);
}

static void test_empty(void **state)
{
	sp_error err = { 0 };

	assert_int_equal(sp_name_validate("DriverName", "", &err), -1);
	assert_string_equal(err.message, "DriverName is empty!");
	assert_int_equal(sp_name_validate("ConfigName", NULL, &err), -1);
	assert_string_equal(err.message, "ConfigName is empty!");
	assert_int_equal(err.code, SP_ERR_INVALID);
}

static void test_length(void **state)
{
	char name[SP_NAME_MAX + 2];

	memset(name, 'a', sizeof(name));
	name[SP_NAME_MAX] = '\0';
	expect_valid(name);
	name[SP_NAME_MAX] = 'a';
	name[SP_NAME_MAX + 1] = '\0';
	expect_invalid("RegionName", name, "RegionName is 129 characters long; the limit is 128");
	expect_valid("a");
	expect_valid("7");
}

static void test_first_char(void **state)
{
	expect_invalid("DriverName", "-abc", "must start with a letter or digit");
	expect_invalid("DriverName", "_abc", "must start with a letter or digit");
	expect_invalid("DriverName", ".abc", "must start with a letter or digit");
	expect_invalid("DriverName", ".", "must start with a letter or digit");
	expect_invalid("DriverName", " abc", "must start with a letter or digit");
	/* The message quotes the name. */
	expect_invalid("CredentialName", "-abc", "'-abc'");
	expect_valid("abc");
	expect_valid("Abc");
	expect_valid("9abc");
}

static void test_each_allowed_char(void **state)
{
	for (const char *c = allowed_rest; *c; c++) {
		char name[4] = { 'a', *c, 'z', '\0' };
		char end[3] = { '0', *c, '\0' };

		expect_valid(name);
		expect_valid(end);
	}
	expect_valid("mock-driver-v1.0_x");
}

static void test_every_other_byte_refused(void **state)
{
	for (int c = 1; c < 256; c++) {
		char name[4] = { 'a', (char)c, 'z', '\0' };
		sp_error err = { 0 };
		bool allowed = strchr(allowed_rest, c) != NULL;

		if ((sp_name_validate("Name", name, &err) == 0) != allowed)
			fail_msg("byte 0x%02x: %s", c, allowed ? err.message : "accepted");
		if (!allowed)
			assert_non_null(strstr(err.message, "position 2"));
	}
}

static void test_space_slash_unicode(void **state)
{
	expect_invalid("VMName", "my vm", "has a character not allowed at position 3");
	expect_invalid("VMName", "a/b", "has a character not allowed at position 2");
	expect_invalid("VMName", "../etc", "must start with a letter or digit");
	expect_invalid("VMName", "a/../b", "position 2");
	expect_invalid("VMName", "caf\xc3\xa9", "position 4");
	expect_invalid("VMName", "trailing ", "position 9");
	/* The message says what is allowed. */
	expect_invalid("VMName", "a b", "use letters, digits, '-', '_' or '.'");
	expect_invalid("VMName", "a b", "VMName 'a b'");
}

/* An error message reaches the API as a JSON string and the daemon's log
 * as a line: whatever the name, it must stay printable ASCII (the
 * validator already writes "(unprintable)" for some names). */
static void test_message_printable(void **state)
{
	static const char *const names[] = {
		"a\nb", "a\x1b[31mred", "caf\xc3\xa9", "a\xff",
		"\xff" "abc",          /* bad first character */
		"\n" "abc",
		"-\xff",
		"a b\xff",             /* the offending byte is printable, a later one not */
		"a/\n",
	};

	int bad = 0;

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		sp_error err = { 0 };

		assert_int_equal(sp_name_validate("Name", names[i], &err), -1);
		for (const char *c = err.message; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) {
				print_error("name #%zu: byte 0x%02x at offset %td of the message\n",
					    i, (unsigned char)*c, c - err.message);
				bad++;
				break;
			}
	}
	assert_int_equal(bad, 0);
}

/* ---- sp_provider_normalize -------------------------------------------- */

static void expect_norm(const char *in, const char *want)
{
	char buf[32];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(sp_provider_normalize(in, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_provider_normalize(void **state)
{
	expect_norm("aws", "AWS");
	expect_norm("  aws  ", "AWS");
	expect_norm("\tMock\t ", "MOCK");
	expect_norm("KtClassic", "KTCLASSIC");
	expect_norm("open stack", "OPEN STACK");   /* inner spaces stay */
	expect_norm("", "");
	expect_norm("   ", "");
	expect_norm(" \t \t", "");
}

static void test_provider_normalize_overflow(void **state)
{
	char buf[5];

	/* "MOCK" and its NUL fit in 5... */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(sp_provider_normalize("  mock  ", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "MOCK");
	/* ...and nothing longer does. */
	assert_int_equal(sp_provider_normalize("azure", buf, sizeof(buf)), -1);
	assert_int_equal(sp_provider_normalize("KTCLASSIC", buf, sizeof(buf)), -1);
	assert_int_equal(sp_provider_normalize("x", buf, 1), -1);
	assert_int_equal(sp_provider_normalize("", buf, 1), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sp_provider_normalize("", buf, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_first_char),
		cmocka_unit_test(test_each_allowed_char),
		cmocka_unit_test(test_every_other_byte_refused),
		cmocka_unit_test(test_space_slash_unicode),
		cmocka_unit_test(test_message_printable),
		cmocka_unit_test(test_provider_normalize),
		cmocka_unit_test(test_provider_normalize_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
