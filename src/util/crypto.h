/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/crypto.h - secrets at rest: AES-256-GCM under a per-install key.
 *
 * Sealed text format: "v1:" + base64(nonce[12] | ciphertext | tag[16]).
 * The associated data binds a ciphertext to the row it belongs to (for a
 * credential: its name), so a sealed value moved to another row does not
 * open.
 */
#ifndef SP_UTIL_CRYPTO_H
#define SP_UTIL_CRYPTO_H

#include "util/common.h"

#define SP_KEY_LEN 32

typedef struct sp_key {
	unsigned char bytes[SP_KEY_LEN];
} sp_key;

/*
 * Load the install key.  hex (64 hex digits, e.g. from SPIDER_SECRET_KEY)
 * wins when not NULL; otherwise read path, creating it with 32 random
 * bytes and mode 0600 when it does not exist.  A key file readable by
 * group or others is refused.
 */
int sp_key_load(const char *hex, const char *path, sp_key *ret,
		sp_error *err);

/* Write a new key file (mode 0600, synced); it must not exist yet. */
int sp_key_write(const char *path, const sp_key *key, sp_error *err);

/* Seal plaintext (len bytes); returns a malloc'd NUL-terminated string. */
char *sp_seal(const sp_key *key, const void *plain, size_t len,
	      const char *aad, sp_error *err);

/* Open a sealed string; returns malloc'd plaintext, NUL-terminated (the
 * caller wipes and frees it with sp_free_secret), length in *ret_len. */
char *sp_unseal(const sp_key *key, const char *sealed, const char *aad,
		size_t *ret_len, sp_error *err);

/* Fill buf with n cryptographically random bytes. */
int sp_random_bytes(void *buf, size_t n);

/* Base64 (standard alphabet, padded).  Decode returns -1 on bad input;
 * out must hold 3 * (strlen(in) / 4) bytes. */
char *sp_base64_encode(const void *data, size_t len);
int sp_base64_decode(const char *in, unsigned char *out, size_t *ret_len);

/* SHA-256 of data into out[32]. */
void sp_sha256(const void *data, size_t len, unsigned char out[32]);

/* Constant-time comparison of equal-length buffers. */
bool sp_consttime_eq(const void *a, const void *b, size_t len);

#endif
