/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <nettle/base64.h>
#include <nettle/gcm.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>
#include <sys/random.h>

#include "util/crypto.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define SEAL_PREFIX "v1:"

int sp_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static int hex_decode(const char *hex, unsigned char *out, size_t n)
{
	if (strlen(hex) != n * 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    !isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]))
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

int sp_key_load(const char *hex, const char *path, sp_key *ret,
		sp_error *err)
{
	_cleanup_close_ int fd = -1;
	sp_key key;
	struct stat st;
	ssize_t n;

	if (hex) {
		if (hex_decode(hex, key.bytes, SP_KEY_LEN) < 0)
			return sp_error_set(err, SP_ERR_INVALID,
					    "SPIDER_SECRET_KEY must be 64 hex digits (32 bytes)");
		*ret = key;
		explicit_bzero(&key, sizeof(key));
		return 0;
	}

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		if (sp_random_bytes(key.bytes, SP_KEY_LEN) < 0)
			return sp_error_set(err, SP_ERR_INTERNAL,
					    "cannot gather random bytes for the key");
		if (sp_key_write(path, &key, err) < 0)
			return -1;
		*ret = key;
		explicit_bzero(&key, sizeof(key));
		return 0;
	}
	if (fd < 0)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "cannot open key file '%s': %s", path,
				    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "key file '%s' is not a regular file", path);
	if (st.st_mode & 077)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "key file '%s' is readable by others (mode %03o); chmod 600 it",
				    path, (unsigned)(st.st_mode & 0777));
	n = read(fd, key.bytes, SP_KEY_LEN);
	if (n != SP_KEY_LEN || st.st_size != SP_KEY_LEN)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "key file '%s' must hold exactly %d bytes",
				    path, SP_KEY_LEN);
	*ret = key;
	explicit_bzero(&key, sizeof(key));
	return 0;
}

int sp_key_write(const char *path, const sp_key *key, sp_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "cannot create key file '%s': %s", path,
				    strerror(errno));
	if (write(fd, key->bytes, SP_KEY_LEN) != SP_KEY_LEN || fsync(fd) < 0) {
		int e = errno;

		unlink(path);
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "cannot write key file '%s': %s", path,
				    strerror(e));
	}
	return 0;
}

char *sp_seal(const sp_key *key, const void *plain, size_t len,
	      const char *aad, sp_error *err)
{
	_cleanup_free_ unsigned char *buf = NULL;
	_cleanup_free_ char *b64 = NULL;
	struct gcm_aes256_ctx ctx;
	char *out;

	if (len > INT32_MAX / 2)
		return sp_error_set(err, SP_ERR_TOO_LARGE, "secret too large"),
		       NULL;
	buf = malloc(NONCE_LEN + len + TAG_LEN);
	if (!buf)
		return sp_error_oom(err), NULL;
	if (sp_random_bytes(buf, NONCE_LEN) < 0)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "cannot gather random bytes for a nonce"), NULL;
	gcm_aes256_set_key(&ctx, key->bytes);
	gcm_aes256_set_iv(&ctx, NONCE_LEN, buf);
	if (aad)
		gcm_aes256_update(&ctx, strlen(aad), (const uint8_t *)aad);
	gcm_aes256_encrypt(&ctx, len, buf + NONCE_LEN, plain);
	gcm_aes256_digest(&ctx, TAG_LEN, buf + NONCE_LEN + len);
	explicit_bzero(&ctx, sizeof(ctx));
	b64 = sp_base64_encode(buf, NONCE_LEN + len + TAG_LEN);
	if (!b64 || asprintf(&out, SEAL_PREFIX "%s", b64) < 0)
		return sp_error_oom(err), NULL;
	return out;
}

char *sp_unseal(const sp_key *key, const char *sealed, const char *aad,
		size_t *ret_len, sp_error *err)
{
	_cleanup_free_ unsigned char *raw = NULL;
	_cleanup_secret_ char *plain = NULL;
	struct gcm_aes256_ctx ctx;
	uint8_t tag[TAG_LEN];
	size_t rawlen, len;
	bool ok;

	if (!sealed || strncmp(sealed, SEAL_PREFIX, 3) != 0)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "sealed secret has an unknown format"), NULL;
	sealed += 3;
	raw = malloc(strlen(sealed) / 4 * 3 + 1);
	if (!raw)
		return sp_error_oom(err), NULL;
	if (sp_base64_decode(sealed, raw, &rawlen) < 0 ||
	    rawlen < NONCE_LEN + TAG_LEN)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "sealed secret is corrupt"), NULL;
	len = rawlen - NONCE_LEN - TAG_LEN;
	plain = calloc(1, len + 1);
	if (!plain)
		return sp_error_oom(err), NULL;
	gcm_aes256_set_key(&ctx, key->bytes);
	gcm_aes256_set_iv(&ctx, NONCE_LEN, raw);
	if (aad)
		gcm_aes256_update(&ctx, strlen(aad), (const uint8_t *)aad);
	gcm_aes256_decrypt(&ctx, len, (uint8_t *)plain, raw + NONCE_LEN);
	gcm_aes256_digest(&ctx, TAG_LEN, tag);
	explicit_bzero(&ctx, sizeof(ctx));
	ok = memeql_sec(tag, raw + NONCE_LEN + len, TAG_LEN);
	if (!ok) {
		explicit_bzero(plain, len);
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "secret does not decrypt with this install's key (was it sealed under another SPIDER_SECRET_KEY or key file?)"),
		       NULL;
	}
	*ret_len = len;
	return TAKE_PTR(plain);
}

char *sp_base64_encode(const void *data, size_t len)
{
	char *out = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);

	if (!out)
		return NULL;
	base64_encode_raw(out, len, data);
	out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	return out;
}

int sp_base64_decode(const char *in, unsigned char *out, size_t *ret_len)
{
	struct base64_decode_ctx ctx;
	size_t inlen = strlen(in), n = inlen / 4 * 3;

	if (inlen % 4 != 0)
		return -1;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, out, inlen, in) ||
	    !base64_decode_final(&ctx))
		return -1;
	*ret_len = n;
	return 0;
}

void sp_sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

bool sp_consttime_eq(const void *a, const void *b, size_t len)
{
	return memeql_sec(a, b, len);
}
