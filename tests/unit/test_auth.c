/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_auth.c - core/auth.h: HTTP Basic against a clear or hashed password.
 */
#include <crypt.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/auth.h"
#include "util/common.h"
#include "util/crypto.h"

static void sp_auth_freep(sp_auth **a)
{
	sp_auth_free(*a);
}
#define _cleanup_auth_ _cleanup_(sp_auth_freep)

static sp_auth *auth_new(const char *user, const char *password)
{
	sp_auth *a = NULL;
	sp_error err = { 0 };

	if (sp_auth_new(user, password, &a, &err) < 0)
		fail_msg("sp_auth_new: %s", err.message);
	return a;
}

/* "Basic " + base64(user:password), in a static buffer. */
static const char *basic_len(const char *credentials, size_t len)
{
	static char header[2048];
	_cleanup_free_ char *b64 = sp_base64_encode(credentials, len);

	assert_non_null(b64);
	snprintf(header, sizeof(header), "Basic %s", b64);
	return header;
}

static const char *basic(const char *credentials)
{
	return basic_len(credentials, strlen(credentials));
}

/* A crypt(3) hash of password with a fresh salt of the given scheme. */
static char *make_hash(const char *prefix, const char *password)
{
	_cleanup_free_ char *salt = crypt_gensalt_ra(prefix, 0, NULL, 0);
	_cleanup_free_ struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;

	assert_non_null(salt);
	assert_non_null(cd);
	h = crypt_r(password, salt, cd);
	assert_non_null(h);
	assert_true(strncmp(h, prefix, strlen(prefix)) == 0);
	return strdup(h);
}

/* ---- clear password --------------------------------------------------- */

static void test_clear_ok(void **state)
{
	_cleanup_auth_ sp_auth *a = auth_new("admin", "s3cret");

	assert_true(sp_auth_check(a, basic("admin:s3cret")));
	/* The scheme is case-insensitive (RFC 7617); extra spaces are fine. */
	assert_true(sp_auth_check(a, "basic YWRtaW46czNjcmV0"));
	assert_true(sp_auth_check(a, "BASIC   YWRtaW46czNjcmV0"));
}

static void test_clear_wrong(void **state)
{
	_cleanup_auth_ sp_auth *a = auth_new("admin", "s3cret");

	assert_false(sp_auth_check(a, basic("admin:wrong")));
	assert_false(sp_auth_check(a, basic("admin:s3cre")));
	assert_false(sp_auth_check(a, basic("admin:s3cret ")));
	assert_false(sp_auth_check(a, basic("admin:S3CRET")));
	assert_false(sp_auth_check(a, basic("admin:")));
	assert_false(sp_auth_check(a, basic("root:s3cret")));
	assert_false(sp_auth_check(a, basic("Admin:s3cret")));
	assert_false(sp_auth_check(a, basic("admi:s3cret")));
	assert_false(sp_auth_check(a, basic(":s3cret")));
	assert_false(sp_auth_check(a, basic(":")));
	assert_false(sp_auth_check(a, basic("")));
}

static void test_malformed_headers(void **state)
{
	_cleanup_auth_ sp_auth *a = auth_new("admin", "s3cret");
	char long_header[4096];

	assert_false(sp_auth_check(a, NULL));
	assert_false(sp_auth_check(a, ""));
	assert_false(sp_auth_check(a, "Basic"));
	assert_false(sp_auth_check(a, "Basic "));
	assert_false(sp_auth_check(a, "Bearer YWRtaW46czNjcmV0"));
	assert_false(sp_auth_check(a, "Digest YWRtaW46czNjcmV0"));
	assert_false(sp_auth_check(a, "BasicYWRtaW46czNjcmV0"));
	assert_false(sp_auth_check(a, "YWRtaW46czNjcmV0"));
	/* Not base64. */
	assert_false(sp_auth_check(a, "Basic !!!!"));
	assert_false(sp_auth_check(a, "Basic YWRtaW46czNjcmV"));     /* length */
	assert_false(sp_auth_check(a, "Basic admin:s3cret"));
	/* No colon. */
	assert_false(sp_auth_check(a, basic("admins3cret")));
	/* A NUL inside the credentials. */
	assert_false(sp_auth_check(a, basic_len("admin:s3cret\0x", 14)));
	assert_false(sp_auth_check(a, basic_len("admin\0:s3cret", 13)));
	/* Over-long headers are refused without overflowing anything. */
	memcpy(long_header, "Basic ", 6);
	memset(long_header + 6, 'A', sizeof(long_header) - 7);
	long_header[sizeof(long_header) - 1] = '\0';
	assert_false(sp_auth_check(a, long_header));
	/* And the good one still works. */
	assert_true(sp_auth_check(a, basic("admin:s3cret")));
}

static void test_colon_in_password(void **state)
{
	_cleanup_auth_ sp_auth *a = auth_new("admin", "pa:ss:word");

	/* The user ends at the first colon; the password may hold more. */
	assert_true(sp_auth_check(a, basic("admin:pa:ss:word")));
	assert_false(sp_auth_check(a, basic("admin:pa")));
	assert_false(sp_auth_check(a, basic("admin:pa:ss")));
}

/* The login form's check: user and password as given. */
static void test_login(void **state)
{
	_cleanup_auth_ sp_auth *a = auth_new("admin", "pa:ss");
	_cleanup_free_ char *h = make_hash("$6$", "s3cret");
	_cleanup_auth_ sp_auth *b = auth_new("admin", h);

	assert_true(sp_auth_login(a, "admin", "pa:ss"));
	assert_false(sp_auth_login(a, "admin", "pa"));
	assert_false(sp_auth_login(a, "admin:pa", "ss"));
	assert_false(sp_auth_login(a, "root", "pa:ss"));
	assert_false(sp_auth_login(a, "", ""));
	assert_false(sp_auth_login(a, NULL, "pa:ss"));
	assert_false(sp_auth_login(a, "admin", NULL));
	assert_true(sp_auth_login(b, "admin", "s3cret"));
	assert_false(sp_auth_login(b, "admin", h));
	assert_false(sp_auth_login(b, "root", "s3cret"));
}

static void test_new_refused(void **state)
{
	static const struct {
		const char *user, *password;
	} bad[] = {
		{ "ad:min", "pw" },
		{ ":", "pw" },
		{ "admin:", "pw" },
		{ "", "pw" },
		{ NULL, "pw" },
		{ "admin", "" },
		{ "admin", NULL },
		/* Hashes of schemes spiderd does not take. */
		{ "admin", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/" },
		{ "admin", "$5$saltsalt$3x3/xq7DsoRtbvZb8Jh2nE71SdXMYbqp0NHTiB6Xvz4" },
		{ "admin", "$2b$10$abcdefghijklmnopqrstuu5Lj5YhOzpVUMRtRJDHg7DiE7RF1Gm9S" },
		{ "admin", "$" },
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		sp_auth *a = (sp_auth *)&a;
		sp_error err = { 0 };

		if (sp_auth_new(bad[i].user, bad[i].password, &a, &err) == 0) {
			sp_auth_free(a);
			fail_msg("sp_auth_new('%s', '%s') accepted",
				 bad[i].user ? bad[i].user : "(null)",
				 bad[i].password ? bad[i].password : "(null)");
		}
		assert_int_equal(err.code, SP_ERR_INVALID);
		assert_true(err.message[0] != '\0');
		assert_ptr_equal(a, (sp_auth *)&a);
	}
}

static void test_md5_hash_message(void **state)
{
	_cleanup_free_ char *md5 = make_hash("$1$", "pw");
	sp_auth *a = NULL;
	sp_error err = { 0 };

	assert_int_equal(sp_auth_new("admin", md5, &a, &err), -1);
	assert_null(a);
	/* The message says which schemes work, and does not echo the hash. */
	assert_non_null(strstr(err.message, "$y$"));
	assert_non_null(strstr(err.message, "$6$"));
	assert_null(strstr(err.message, md5));
}

/* ---- hashed passwords ---------------------------------------------------- */

static void check_hash_scheme(const char *prefix)
{
	_cleanup_free_ char *hash = make_hash(prefix, "correct horse");
	_cleanup_auth_ sp_auth *a = auth_new("admin", hash);

	assert_true(sp_auth_check(a, basic("admin:correct horse")));
	assert_false(sp_auth_check(a, basic("admin:correct hors")));
	assert_false(sp_auth_check(a, basic("admin:correct horse!")));
	assert_false(sp_auth_check(a, basic("admin:")));
	assert_false(sp_auth_check(a, basic("other:correct horse")));
	/* The hash itself is not the password. */
	{
		_cleanup_free_ char *creds = NULL;

		assert_true(asprintf(&creds, "admin:%s", hash) > 0);
		assert_false(sp_auth_check(a, basic(creds)));
	}
}

static void test_sha512_hash(void **state)
{
	check_hash_scheme("$6$");
}

static void test_yescrypt_hash(void **state)
{
	check_hash_scheme("$y$");
}

static void test_hash_known_vector(void **state)
{
	/* A fixed SHA-512 crypt hash (salt "saltstring", password "Hello world!"). */
	static const char hash[] =
		"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
	_cleanup_auth_ sp_auth *a = auth_new("admin", hash);

	assert_true(sp_auth_check(a, basic("admin:Hello world!")));
	assert_false(sp_auth_check(a, basic("admin:Hello world")));
}

static void test_broken_hash_never_matches(void **state)
{
	/* A truncated hash makes crypt fail ("*0"/NULL): nothing may pass. */
	_cleanup_auth_ sp_auth *a = auth_new("admin", "$6$");

	assert_false(sp_auth_check(a, basic("admin:")));
	assert_false(sp_auth_check(a, basic("admin:$6$")));
	assert_false(sp_auth_check(a, basic("admin:*0")));
	assert_false(sp_auth_check(a, basic("admin:x")));
}

/* ---- the cache ------------------------------------------------------------ */

static void test_cache(void **state)
{
	_cleanup_free_ char *hash = make_hash("$y$", "pw");
	_cleanup_auth_ sp_auth *a = auth_new("admin", hash);

	assert_true(sp_auth_check(a, basic("admin:pw")));
	/* Remembered: verifies again, as often as asked. */
	for (int i = 0; i < 20; i++)
		assert_true(sp_auth_check(a, basic("admin:pw")));
	/* The cache opens the door only for what was verified. */
	assert_false(sp_auth_check(a, basic("admin:pw2")));
	assert_false(sp_auth_check(a, basic("admin:p")));
	assert_false(sp_auth_check(a, basic("admin:PW")));
	assert_false(sp_auth_check(a, basic("admin2:pw")));
	assert_false(sp_auth_check(a, basic("admin")));
	/* Failures are not remembered as successes. */
	assert_false(sp_auth_check(a, basic("admin:pw2")));
	assert_true(sp_auth_check(a, basic("admin:pw")));
}

static void test_instances_independent(void **state)
{
	_cleanup_auth_ sp_auth *a = auth_new("admin", "one");
	_cleanup_auth_ sp_auth *b = auth_new("admin", "two");

	assert_true(sp_auth_check(a, basic("admin:one")));
	/* a's cache does not leak into b. */
	assert_false(sp_auth_check(b, basic("admin:one")));
	assert_true(sp_auth_check(b, basic("admin:two")));
	assert_false(sp_auth_check(a, basic("admin:two")));
}

#define CHECKERS 8

typedef struct checker {
	sp_auth *auth;
	const char *good, *bad;
	int wrong;
} checker;

static void *checker_main(void *arg)
{
	checker *c = arg;

	for (int i = 0; i < 200; i++) {
		if (!sp_auth_check(c->auth, c->good))
			c->wrong++;
		if (sp_auth_check(c->auth, c->bad))
			c->wrong++;
	}
	return NULL;
}

static void test_concurrent_checks(void **state)
{
	_cleanup_auth_ sp_auth *a = auth_new("admin", "s3cret");
	_cleanup_free_ char *good = strdup(basic("admin:s3cret"));
	_cleanup_free_ char *bad = strdup(basic("admin:nope"));
	pthread_t th[CHECKERS];
	checker c[CHECKERS];

	assert_non_null(good);
	assert_non_null(bad);
	for (int i = 0; i < CHECKERS; i++) {
		c[i] = (checker){ .auth = a, .good = good, .bad = bad };
		assert_int_equal(pthread_create(&th[i], NULL, checker_main, &c[i]), 0);
	}
	for (int i = 0; i < CHECKERS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < CHECKERS; i++)
		assert_int_equal(c[i].wrong, 0);
}

static void test_free_null(void **state)
{
	sp_auth_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clear_ok),
		cmocka_unit_test(test_clear_wrong),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_colon_in_password),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_new_refused),
		cmocka_unit_test(test_md5_hash_message),
		cmocka_unit_test(test_sha512_hash),
		cmocka_unit_test(test_yescrypt_hash),
		cmocka_unit_test(test_hash_known_vector),
		cmocka_unit_test(test_broken_hash_never_matches),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_instances_independent),
		cmocka_unit_test(test_concurrent_checks),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
