/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_auth.c - the Authorization header: sp_auth_check() with the input
 * (up to a NUL) as the header value.
 *
 * Two logins, made once: one with the password in clear, one with the
 * same password as a SHA-512 crypt(3) hash.  Every input goes to the clear
 * one; the hashed one costs a crypt_r() per check, so it only sees inputs
 * that name the right user, which is where its code differs.  The checks:
 * a header is accepted exactly when it is "Basic " + base64("user:pass"),
 * and both logins agree.
 */
#include <crypt.h>

#include "core/auth.h"
#include "fuzz.h"
#include "util/crypto.h"

#define FUZZ_USER "fuzzuser"
#define FUZZ_PASS "fuzz pass:word"
/* The fewest rounds SHA-crypt takes: the hash path stays cheap. */
#define FUZZ_SETTING "$6$rounds=1000$fuzzsalt$"

static sp_auth *auth_clear, *auth_hashed;

static void auth_init(void)
{
	_cleanup_free_ struct crypt_data *cd = NULL;
	sp_error err = { 0 };
	const char *hash;

	if (auth_clear)
		return;
	cd = calloc(1, sizeof(*cd));
	FUZZ_ASSERT(cd);
	hash = crypt_r(FUZZ_PASS, FUZZ_SETTING, cd);
	FUZZ_ASSERT(hash && hash[0] == '$');
	FUZZ_ASSERT(sp_auth_new(FUZZ_USER, FUZZ_PASS, &auth_clear, &err) == 0);
	FUZZ_ASSERT(sp_auth_new(FUZZ_USER, hash, &auth_hashed, &err) == 0);
}

/* Decode the header as RFC 7617 says (the scheme name is case-insensitive,
 * then spaces, then base64) into out; false when it is no Basic header. */
static bool basic_decode(const char *header, char *out, size_t size)
{
	unsigned char buf[4096];
	const char *b64;
	size_t len;

	if (strncasecmp(header, "Basic ", 6) != 0)
		return false;
	b64 = header + 6 + strspn(header + 6, " ");
	if (strlen(b64) / 4 * 3 >= sizeof(buf) ||
	    sp_base64_decode(b64, buf, &len) < 0 || len >= size)
		return false;
	memcpy(out, buf, len);
	out[len] = '\0';
	/* A NUL inside the credentials is never a match. */
	return strlen(out) == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *header = fuzz_strndup(data, size);
	char creds[4096];
	bool decoded, want, ok;

	auth_init();
	decoded = basic_decode(header, creds, sizeof(creds));
	/* The daemon refuses headers of 1024 bytes and more after "Basic ". */
	want = decoded && strcmp(creds, FUZZ_USER ":" FUZZ_PASS) == 0 &&
	       strlen(header + 6 + strspn(header + 6, " ")) < 1024;

	ok = sp_auth_check(auth_clear, header);
	FUZZ_ASSERT(ok == want);
	/* Again: the second answer may come from the cache; it must agree. */
	FUZZ_ASSERT(sp_auth_check(auth_clear, header) == ok);

	if (decoded && strncmp(creds, FUZZ_USER ":", strlen(FUZZ_USER) + 1) == 0)
		FUZZ_ASSERT(sp_auth_check(auth_hashed, header) == ok);

	FUZZ_ASSERT(!sp_auth_check(auth_clear, NULL));
	return 0;
}
