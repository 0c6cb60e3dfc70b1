/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_crypto.c - util/crypto.h: sealing secrets, the install key, base64.
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "util/common.h"
#include "util/crypto.h"

#define NONCE_LEN 12
#define TAG_LEN 16

static const sp_key key_a = { { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
				0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
				0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f } };
static const sp_key key_b = { { 0x01 } };

/* ---- fixtures: a temporary directory -------------------------------- */

static int tmpdir_setup(void **state)
{
	char *dir = strdup("/tmp/spider-crypto-test-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int tmpdir_teardown(void **state)
{
	char *dir = *state;
	int rc = nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(dir);
	return rc;
}

static char *path_in(void **state, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", (const char *)*state, name) < 0)
		fail_msg("out of memory");
	return p;
}

static void write_file(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), len);
	/* fchmod, not the creation mode: the umask must not soften the test. */
	assert_int_equal(fchmod(fd, mode), 0);
}

/* ---- seal / unseal --------------------------------------------------- */

static char *seal(const sp_key *key, const char *plain, const char *aad)
{
	sp_error err = { 0 };
	char *s = sp_seal(key, plain, strlen(plain), aad, &err);

	if (!s)
		fail_msg("sp_seal: %s", err.message);
	return s;
}

static void expect_unseal_fails(const sp_key *key, const char *sealed,
				const char *aad)
{
	sp_error err = { 0 };
	size_t len = 12345;
	char *p = sp_unseal(key, sealed, aad, &len, &err);

	if (p) {
		sp_free_secret(p);
		fail_msg("'%s' unsealed under the wrong key, AAD or format",
			 sealed ? sealed : "(null)");
	}
	assert_int_not_equal(err.code, SP_ERR_NONE);
	assert_true(err.message[0] != '\0');
	assert_int_equal(len, 12345);
}

static void test_seal_round_trip(void **state)
{
	static const char *const texts[] = { "", "x", "secret", "AKIAIOSFODNN7EXAMPLE",
					     "a somewhat longer secret that spans several AES blocks, 0123456789" };

	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		_cleanup_free_ char *s = seal(&key_a, texts[i], "cred-01");
		_cleanup_secret_ char *p = NULL;
		sp_error err = { 0 };
		size_t len = 0;

		assert_true(strncmp(s, "v1:", 3) == 0);
		/* "v1:" + base64(nonce | ciphertext | tag), padded. */
		assert_int_equal(strlen(s),
				 3 + 4 * ((NONCE_LEN + strlen(texts[i]) + TAG_LEN + 2) / 3));
		p = sp_unseal(&key_a, s, "cred-01", &len, &err);
		if (!p)
			fail_msg("sp_unseal: %s", err.message);
		assert_int_equal(len, strlen(texts[i]));
		assert_string_equal(p, texts[i]);
	}
}

static void test_seal_binary(void **state)
{
	unsigned char plain[300];
	_cleanup_free_ char *s = NULL;
	_cleanup_free_ char *p = NULL;
	sp_error err = { 0 };
	size_t len = 0;

	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (unsigned char)i;  /* includes NUL bytes */
	s = sp_seal(&key_a, plain, sizeof(plain), NULL, &err);
	assert_non_null(s);
	p = sp_unseal(&key_a, s, NULL, &len, &err);
	assert_non_null(p);
	assert_int_equal(len, sizeof(plain));
	assert_memory_equal(p, plain, sizeof(plain));
	assert_int_equal(p[len], '\0');
}

static void test_unseal_wrong_key(void **state)
{
	_cleanup_free_ char *s = seal(&key_a, "secret", "cred-01");

	expect_unseal_fails(&key_b, s, "cred-01");
}

static void test_unseal_wrong_aad(void **state)
{
	_cleanup_free_ char *s = seal(&key_a, "secret", "cred-01");
	_cleanup_free_ char *none = seal(&key_a, "secret", NULL);

	expect_unseal_fails(&key_a, s, "cred-02");
	expect_unseal_fails(&key_a, s, "cred-0");
	expect_unseal_fails(&key_a, s, "");
	expect_unseal_fails(&key_a, s, NULL);
	expect_unseal_fails(&key_a, none, "cred-01");
}

/* Flip one bit of the raw sealed bytes at offset off and re-encode. */
static char *tamper(const char *sealed, size_t off)
{
	const char *b64 = sealed + 3;
	_cleanup_free_ unsigned char *raw = malloc(strlen(b64) / 4 * 3);
	_cleanup_free_ char *enc = NULL;
	size_t len = 0;
	char *out;

	assert_non_null(raw);
	assert_int_equal(sp_base64_decode(b64, raw, &len), 0);
	assert_true(off < len);
	raw[off] ^= 0x01;
	enc = sp_base64_encode(raw, len);
	assert_non_null(enc);
	if (asprintf(&out, "v1:%s", enc) < 0)
		fail_msg("out of memory");
	return out;
}

static void test_unseal_tampered(void **state)
{
	static const char plain[] = "tamper-evident secret";
	_cleanup_free_ char *s = seal(&key_a, plain, "cred-01");
	const size_t raw_len = NONCE_LEN + strlen(plain) + TAG_LEN;
	const size_t offsets[] = {
		0,                          /* nonce */
		NONCE_LEN - 1,
		NONCE_LEN,                  /* first ciphertext byte */
		NONCE_LEN + 5,
		raw_len - TAG_LEN - 1,      /* last ciphertext byte */
		raw_len - TAG_LEN,          /* tag */
		raw_len - 1,
	};

	/* The untampered text opens, so a failure below is the tampering. */
	{
		_cleanup_secret_ char *p = NULL;
		size_t len;

		p = sp_unseal(&key_a, s, "cred-01", &len, NULL);
		assert_non_null(p);
	}
	for (size_t i = 0; i < ELEMENTSOF(offsets); i++) {
		_cleanup_free_ char *t = tamper(s, offsets[i]);

		expect_unseal_fails(&key_a, t, "cred-01");
	}
}

static void test_unseal_truncated(void **state)
{
	_cleanup_free_ char *s = seal(&key_a, "secret", "cred-01");
	size_t n = strlen(s);

	/* Drop whole base64 groups from the end: the tag goes missing. */
	for (size_t cut = 4; cut < n - 3; cut += 4) {
		_cleanup_free_ char *t = strndup(s, n - cut);

		assert_non_null(t);
		expect_unseal_fails(&key_a, t, "cred-01");
	}
}

static void test_unseal_garbage(void **state)
{
	_cleanup_free_ char *s = seal(&key_a, "secret", "cred-01");
	_cleanup_free_ char *v2 = strdup(s);
	_cleanup_free_ char *noprefix = strdup(s + 3);
	static const char *const garbage[] = {
		"", "v1", "v1:", "v1:AAAA", "v1:!!!!", "v1:not base64 at all",
		"v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"secret", "V1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};

	assert_non_null(v2);
	assert_non_null(noprefix);
	v2[1] = '2';
	expect_unseal_fails(&key_a, NULL, "cred-01");
	expect_unseal_fails(&key_a, v2, "cred-01");
	expect_unseal_fails(&key_a, noprefix, "cred-01");
	for (size_t i = 0; i < ELEMENTSOF(garbage); i++)
		expect_unseal_fails(&key_a, garbage[i], "cred-01");
}

static void test_seal_random_nonce(void **state)
{
	_cleanup_free_ char *a = seal(&key_a, "same text", "cred-01");
	_cleanup_free_ char *b = seal(&key_a, "same text", "cred-01");
	_cleanup_secret_ char *pa = NULL;
	_cleanup_secret_ char *pb = NULL;
	size_t la, lb;

	assert_string_not_equal(a, b);
	/* Not even the nonce (the first 16 base64 characters) repeats. */
	assert_memory_not_equal(a + 3, b + 3, 16);
	pa = sp_unseal(&key_a, a, "cred-01", &la, NULL);
	pb = sp_unseal(&key_a, b, "cred-01", &lb, NULL);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_string_equal(pa, pb);
}

static void test_seal_hides_plain(void **state)
{
	static const char plain[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	_cleanup_free_ char *s = seal(&key_a, plain, "cred-01");
	_cleanup_free_ char *b64 = sp_base64_encode(plain, strlen(plain));

	assert_null(strstr(s, plain));
	assert_null(strstr(s, "wJalrXUtnFEMI"));
	/* The nonce is 12 bytes, so base64 groups of the ciphertext line up
	 * with those of the plain text: an unencrypted copy would show. */
	assert_non_null(b64);
	assert_null(strstr(s, b64));
	b64[16] = '\0';
	assert_null(strstr(s, b64));
}

/* ---- sp_key_load ----------------------------------------------------- */

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void test_key_hex(void **state)
{
	_cleanup_free_ char *path = path_in(state, "never-created.key");
	sp_key k = { { 0 } };
	sp_error err = { 0 };

	assert_int_equal(sp_key_load(HEX_A, path, &k, &err), 0);
	assert_memory_equal(k.bytes, key_a.bytes, SP_KEY_LEN);
	/* Upper case works too. */
	memset(&k, 0, sizeof(k));
	assert_int_equal(sp_key_load("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
				     path, &k, &err), 0);
	assert_memory_equal(k.bytes, key_a.bytes, SP_KEY_LEN);
	/* The hex key wins: no file was made. */
	assert_int_equal(access(path, F_OK), -1);
}

static void test_key_hex_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"00",
		HEX_A "0",                                                          /* 65 */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",  /* 63 */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
		"0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		" 00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"0 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"+f0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"-f0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	};
	_cleanup_free_ char *path = path_in(state, "never-created.key");

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		sp_key k = { { 0x5a } };
		sp_error err = { 0 };

		if (sp_key_load(bad[i], path, &k, &err) == 0)
			fail_msg("hex key '%s' accepted", bad[i]);
		assert_int_equal(err.code, SP_ERR_INVALID);
		assert_non_null(strstr(err.message, "64 hex digits"));
		assert_int_equal(k.bytes[0], 0x5a);
	}
	assert_int_equal(access(path, F_OK), -1);
}

static void test_key_file_created(void **state)
{
	_cleanup_free_ char *path = path_in(state, "secret.key");
	sp_key k1 = { { 0 } }, k2 = { { 0 } }, zero = { { 0 } };
	sp_error err = { 0 };
	struct stat st;

	assert_int_equal(sp_key_load(NULL, path, &k1, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, SP_KEY_LEN);
	assert_memory_not_equal(k1.bytes, zero.bytes, SP_KEY_LEN);

	assert_int_equal(sp_key_load(NULL, path, &k2, &err), 0);
	assert_memory_equal(k1.bytes, k2.bytes, SP_KEY_LEN);

	/* What one run seals, the next run opens. */
	{
		_cleanup_free_ char *s = seal(&k1, "persisted", "cred-01");
		_cleanup_secret_ char *p = NULL;
		size_t len;

		p = sp_unseal(&k2, s, "cred-01", &len, &err);
		assert_non_null(p);
		assert_string_equal(p, "persisted");
	}
}

static void test_key_file_fresh_per_install(void **state)
{
	_cleanup_free_ char *p1 = path_in(state, "one.key");
	_cleanup_free_ char *p2 = path_in(state, "two.key");
	sp_key k1, k2;

	assert_int_equal(sp_key_load(NULL, p1, &k1, NULL), 0);
	assert_int_equal(sp_key_load(NULL, p2, &k2, NULL), 0);
	assert_memory_not_equal(k1.bytes, k2.bytes, SP_KEY_LEN);
}

static void test_key_file_refused(void **state)
{
	static const struct {
		const char *name;
		size_t len;
		mode_t mode;
		const char *why;
	} cases[] = {
		{ "group.key", SP_KEY_LEN, 0640, "readable by others" },
		{ "world.key", SP_KEY_LEN, 0644, "readable by others" },
		{ "other.key", SP_KEY_LEN, 0604, "readable by others" },
		{ "short.key", 16, 0600, "32 bytes" },
		{ "empty.key", 0, 0600, "32 bytes" },
	};
	unsigned char bytes[2 * SP_KEY_LEN];

	memset(bytes, 'a', sizeof(bytes));
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *path = path_in(state, cases[i].name);
		sp_key k = { { 0x5a } };
		sp_error err = { 0 };

		write_file(path, bytes, cases[i].len, cases[i].mode);
		if (sp_key_load(NULL, path, &k, &err) == 0)
			fail_msg("key file '%s' (%zu bytes, mode %03o) accepted",
				 cases[i].name, cases[i].len, (unsigned)cases[i].mode);
		if (!strstr(err.message, path) || !strstr(err.message, cases[i].why))
			fail_msg("key file '%s': message '%s'", cases[i].name, err.message);
		assert_int_equal(k.bytes[0], 0x5a);
	}
}

/* The loader's own message says the file "must hold exactly 32 bytes".
 * A longer file - say the 64 hex digits of SPIDER_SECRET_KEY written into
 * it by mistake - must not silently become a key of 32 ASCII digits. */
static void test_key_file_too_long(void **state)
{
	_cleanup_free_ char *path = path_in(state, "long.key");
	sp_key k = { { 0x5a } };
	sp_error err = { 0 };

	write_file(path, HEX_A, strlen(HEX_A), 0600);
	assert_int_equal(sp_key_load(NULL, path, &k, &err), -1);
	assert_non_null(strstr(err.message, "32 bytes"));
	assert_int_equal(k.bytes[0], 0x5a);
}

static void test_key_file_not_regular(void **state)
{
	_cleanup_free_ char *dir = path_in(state, "dir.key");
	_cleanup_free_ char *target = path_in(state, "target.key");
	_cleanup_free_ char *link = path_in(state, "link.key");
	unsigned char bytes[SP_KEY_LEN] = { 0 };
	sp_key k;
	sp_error err = { 0 };

	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(sp_key_load(NULL, dir, &k, &err), -1);
	assert_non_null(strstr(err.message, dir));

	/* A symlink is not followed (O_NOFOLLOW), even to a good file. */
	write_file(target, bytes, sizeof(bytes), 0600);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(sp_key_load(NULL, link, &k, &err), -1);
	assert_int_equal(sp_key_load(NULL, target, &k, &err), 0);
}

static void test_key_file_uncreatable(void **state)
{
	_cleanup_free_ char *path = path_in(state, "no-such-dir/secret.key");
	sp_key k;
	sp_error err = { 0 };

	assert_int_equal(sp_key_load(NULL, path, &k, &err), -1);
	assert_non_null(strstr(err.message, path));
}

/* ---- base64, sha256, consttime --------------------------------------- */

static void test_base64_vectors(void **state)
{
	/* RFC 4648 section 10. */
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};

	for (size_t i = 0; i < ELEMENTSOF(vec); i++) {
		_cleanup_free_ char *enc = sp_base64_encode(vec[i][0], strlen(vec[i][0]));
		unsigned char out[16];
		size_t len = 99;

		assert_non_null(enc);
		assert_string_equal(enc, vec[i][1]);
		assert_int_equal(sp_base64_decode(vec[i][1], out, &len), 0);
		assert_int_equal(len, strlen(vec[i][0]));
		assert_memory_equal(out, vec[i][0], len);
	}
}

static void test_base64_round_trip(void **state)
{
	unsigned char data[64], out[3 * 88 / 4];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(0xff - 7 * i);
	for (size_t n = 0; n <= sizeof(data); n++) {
		_cleanup_free_ char *enc = sp_base64_encode(data, n);
		size_t len = 0;

		assert_non_null(enc);
		assert_int_equal(strlen(enc), 4 * ((n + 2) / 3));
		assert_true(strlen(enc) <= 88);
		assert_int_equal(sp_base64_decode(enc, out, &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(out, data, n);
	}
}

static void test_base64_bad(void **state)
{
	static const char *const bad[] = {
		"Z", "Zg", "Zg=", "Zm9vY", "!!!!", "Zm9v!mFy", "Zm 9", "Zm9v\n",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		unsigned char out[16];
		size_t len = 99;

		if (sp_base64_decode(bad[i], out, &len) == 0)
			fail_msg("bad base64 '%s' decoded", bad[i]);
		assert_int_equal(len, 99);
	}
}

static void test_sha256(void **state)
{
	/* FIPS 180-2 "abc". */
	static const unsigned char want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
		0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char out[32];

	sp_sha256("abc", 3, out);
	assert_memory_equal(out, want, 32);
}

static void test_consttime_eq(void **state)
{
	unsigned char a[40], b[40];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (unsigned char)i;
	assert_true(sp_consttime_eq(a, b, sizeof(a)));
	assert_true(sp_consttime_eq(a, b, 0));
	b[0] ^= 0x80;
	assert_false(sp_consttime_eq(a, b, sizeof(a)));
	assert_true(sp_consttime_eq(a + 1, b + 1, sizeof(a) - 1));
	b[0] ^= 0x80;
	b[sizeof(b) - 1] ^= 0x01;
	assert_false(sp_consttime_eq(a, b, sizeof(a)));
	assert_true(sp_consttime_eq(a, b, sizeof(a) - 1));
}

static void test_random_bytes(void **state)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };

	assert_int_equal(sp_random_bytes(a, sizeof(a)), 0);
	assert_int_equal(sp_random_bytes(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_seal_binary),
		cmocka_unit_test(test_unseal_wrong_key),
		cmocka_unit_test(test_unseal_wrong_aad),
		cmocka_unit_test(test_unseal_tampered),
		cmocka_unit_test(test_unseal_truncated),
		cmocka_unit_test(test_unseal_garbage),
		cmocka_unit_test(test_seal_random_nonce),
		cmocka_unit_test(test_seal_hides_plain),
		cmocka_unit_test_setup_teardown(test_key_hex, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_hex_bad, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_file_created, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_file_fresh_per_install, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_file_refused, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_file_too_long, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_file_not_regular, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_key_file_uncreatable, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_base64_bad),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_consttime_eq),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
