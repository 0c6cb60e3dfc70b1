/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util/crypto.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define SEAL_PREFIX "v1:"

static void evp_ctx_freep(EVP_CIPHER_CTX **p)
{
	EVP_CIPHER_CTX_free(*p);
}

int sp_random_bytes(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
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
	_cleanup_(evp_ctx_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	_cleanup_free_ unsigned char *buf = NULL;
	_cleanup_free_ char *b64 = NULL;
	char *out;
	int outl, fin;

	if (len > INT32_MAX / 2)
		return sp_error_set(err, SP_ERR_TOO_LARGE, "secret too large"),
		       NULL;
	buf = malloc(NONCE_LEN + len + TAG_LEN);
	if (!ctx || !buf)
		return sp_error_oom(err), NULL;
	if (sp_random_bytes(buf, NONCE_LEN) < 0 ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key->bytes, buf) != 1 ||
	    (aad && EVP_EncryptUpdate(ctx, NULL, &outl, (const unsigned char *)aad,
				      (int)strlen(aad)) != 1) ||
	    EVP_EncryptUpdate(ctx, buf + NONCE_LEN, &outl, plain, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, buf + NONCE_LEN + outl, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
				buf + NONCE_LEN + len) != 1)
		return sp_error_set(err, SP_ERR_INTERNAL, "encryption failed"),
		       NULL;
	b64 = sp_base64_encode(buf, NONCE_LEN + len + TAG_LEN);
	if (!b64 || asprintf(&out, SEAL_PREFIX "%s", b64) < 0)
		return sp_error_oom(err), NULL;
	return out;
}

char *sp_unseal(const sp_key *key, const char *sealed, const char *aad,
		size_t *ret_len, sp_error *err)
{
	_cleanup_(evp_ctx_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	_cleanup_free_ unsigned char *raw = NULL;
	_cleanup_secret_ char *plain = NULL;
	size_t rawlen, len;
	int outl, fin;

	if (!sealed || strncmp(sealed, SEAL_PREFIX, 3) != 0)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "sealed secret has an unknown format"), NULL;
	sealed += 3;
	raw = malloc(strlen(sealed) / 4 * 3 + 1);
	if (!ctx || !raw)
		return sp_error_oom(err), NULL;
	if (sp_base64_decode(sealed, raw, &rawlen) < 0 ||
	    rawlen < NONCE_LEN + TAG_LEN)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "sealed secret is corrupt"), NULL;
	len = rawlen - NONCE_LEN - TAG_LEN;
	plain = calloc(1, len + 1);
	if (!plain)
		return sp_error_oom(err), NULL;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key->bytes, raw) != 1 ||
	    (aad && EVP_DecryptUpdate(ctx, NULL, &outl, (const unsigned char *)aad,
				      (int)strlen(aad)) != 1) ||
	    EVP_DecryptUpdate(ctx, (unsigned char *)plain, &outl,
			      raw + NONCE_LEN, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
				raw + NONCE_LEN + len) != 1 ||
	    EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + outl, &fin) != 1)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "secret does not decrypt with this install's key (was it sealed under another SPIDER_SECRET_KEY or key file?)"),
		       NULL;
	*ret_len = len;
	return TAKE_PTR(plain);
}

char *sp_base64_encode(const void *data, size_t len)
{
	size_t outlen = 4 * ((len + 2) / 3) + 1;
	char *out = malloc(outlen);

	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int sp_base64_decode(const char *in, unsigned char *out, size_t *ret_len)
{
	size_t inlen = strlen(in);
	int n;

	if (inlen % 4 != 0)
		return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)inlen);
	if (n < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (inlen >= 1 && in[inlen - 1] == '=')
		n--;
	if (inlen >= 2 && in[inlen - 2] == '=')
		n--;
	*ret_len = (size_t)n;
	return 0;
}

void sp_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

bool sp_consttime_eq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
