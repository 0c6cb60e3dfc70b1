/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/keypair.c - key pairs with real key material: an RSA 2048
 * key whose private half OpenSSH and libssh accept, and whose public half
 * and fingerprint are what ssh-keygen shows.
 *
 * Doc: {"fingerprint", "public_key"} besides the common fields.  Like a
 * real cloud, the mock keeps no private key: create() answers it once.
 */
#include "mock.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

#define KEY_BITS 2048
/* The SSH blob of an RSA key: "ssh-rsa", e and n as mpints, each with a
 * 4-byte length; n has KEY_BITS / 8 bytes plus a sign byte. */
#define BLOB_MAX (4 + 7 + 4 + 9 + 4 + KEY_BITS / 8 + 1)

static inline void evp_pkey_freep(EVP_PKEY **p)
{
	EVP_PKEY_free(*p);
}

static inline void bn_freep(BIGNUM **p)
{
	BN_free(*p);
}

static inline void bio_freep(BIO **p)
{
	BIO_free(*p);
}

struct blob {
	unsigned char data[BLOB_MAX];
	size_t len;
};

static void blob_u32(struct blob *b, size_t v)
{
	for (int shift = 24; shift >= 0; shift -= 8)
		b->data[b->len++] = (unsigned char)(v >> shift);
}

static void blob_string(struct blob *b, const void *s, size_t len)
{
	blob_u32(b, len);
	memcpy(b->data + b->len, s, len);
	b->len += len;
}

/* RFC 4251 mpint of a non-negative number: big-endian, with a zero byte
 * in front when the top bit is set. */
static int blob_mpint(struct blob *b, const BIGNUM *bn)
{
	size_t len = (size_t)BN_num_bytes(bn);
	bool pad = len > 0 && BN_is_bit_set(bn, (int)(len * 8 - 1));

	if (b->len + 4 + pad + len > sizeof(b->data))
		return -1;
	blob_u32(b, len + pad);
	if (pad)
		b->data[b->len++] = 0;
	b->len += (size_t)BN_bn2bin(bn, b->data + b->len);
	return 0;
}

/* Base64 of data, without padding when unpadded is set; free() it. */
static char *base64(const unsigned char *data, size_t len, bool unpadded)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	int n;

	if (!out)
		return NULL;
	n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	while (unpadded && n > 0 && out[n - 1] == '=')
		out[--n] = '\0';
	return out;
}

struct key_material {
	char *private_pem;
	char *public_key;
	char *fingerprint;
};

static void key_material_clear(struct key_material *k)
{
	if (k->private_pem)
		OPENSSL_clear_free(k->private_pem, strlen(k->private_pem));
	free(k->public_key);
	free(k->fingerprint);
}

static int key_error(sp_error *err, const char *what)
{
	return sp_error_set(err, SP_ERR_INTERNAL, "mock: cannot %s the key pair's RSA key", what);
}

/* A new RSA key; comment ends the public key line, as ssh-keygen -C. */
static int key_make(const char *comment, struct key_material *k,
		    sp_error *err)
{
	_cleanup_(evp_pkey_freep) EVP_PKEY *pkey = NULL;
	_cleanup_(bn_freep) BIGNUM *n = NULL;
	_cleanup_(bn_freep) BIGNUM *e = NULL;
	_cleanup_(bio_freep) BIO *bio = NULL;
	_cleanup_free_ char *b64 = NULL;
	_cleanup_free_ char *fp = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	struct blob blob = { .len = 0 };
	char *pem = NULL;
	long pem_len;

	if (!(pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)KEY_BITS)))
		return key_error(err, "generate");
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e))
		return key_error(err, "read");
	blob_string(&blob, "ssh-rsa", 7);
	if (blob_mpint(&blob, e) < 0 || blob_mpint(&blob, n) < 0)
		return key_error(err, "encode");
	if (!EVP_Digest(blob.data, blob.len, md, &md_len, EVP_sha256(), NULL))
		return key_error(err, "hash");
	if (!(b64 = base64(blob.data, blob.len, false)) ||
	    !(fp = base64(md, md_len, true)))
		return mock_oom(err);
	/* The traditional "BEGIN RSA PRIVATE KEY" form: every ssh reads it. */
	if (!(bio = BIO_new(BIO_s_secmem())) ||
	    !PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL, NULL) ||
	    (pem_len = BIO_get_mem_data(bio, &pem)) <= 0)
		return key_error(err, "write");
	if (!(k->private_pem = strndup(pem, (size_t)pem_len)))
		return mock_oom(err);
	if (asprintf(&k->public_key, "ssh-rsa %s %s", b64, comment) < 0) {
		k->public_key = NULL;
		return mock_oom(err);
	}
	if (asprintf(&k->fingerprint, "SHA256:%s", fp) < 0) {
		k->fingerprint = NULL;
		return mock_oom(err);
	}
	return 0;
}

json_t *mock_keypair_info(struct mock_cloud *c, json_t *doc)
{
	const char *fp, *pub;

	if (json_unpack(doc, "{s:s, s:s}", "fingerprint", &fp, "public_key", &pub) < 0)
		return NULL;
	return mock_info_make(doc, json_pack("{s:s, s:s, s:s}", "Fingerprint", fp, "PublicKey", pub, "VMUserID", "cb-user"));
}

static int keypair_create(sp_session *s, json_t *req, json_t **ret_info,
			  sp_error *err)
{
	_cleanup_(key_material_clear) struct key_material k = { 0 };
	_cleanup_batch_ struct mock_batch b = { 0 };
	_cleanup_write_unlock_ struct mock_cloud *c = NULL;
	_cleanup_json_ json_t *info = NULL;
	_cleanup_json_ json_t *tags = NULL;
	json_t *doc;
	const char *id;

	if (mock_enter(s, MOCK_OP_CREATE_KEY, err) < 0 ||
	    mock_req_name(req, "", &id, err) < 0 ||
	    mock_req_tags(req, "", &tags, err) < 0)
		return -1;
	/* Key generation is slow (up to some hundred ms): refuse a taken ID
	 * first, make the key holding no lock, and check again to commit. */
	{
		_cleanup_read_unlock_ struct mock_cloud *r = mock_read_lock(s->cloud);

		if (mock_check_free(r, MOCK_KEYPAIR, id, err) < 0)
			return -1;
	}
	if (key_make(id, &k, err) < 0)
		return -1;
	doc = mock_doc_new(s, id, TAKE_PTR(tags), json_pack("{s:s, s:s}", "fingerprint", k.fingerprint, "public_key", k.public_key));
	if (mock_create_lock(s, &b, MOCK_KEYPAIR, doc, &c, err) < 0 ||
	    mock_commit_info(s, &b, MOCK_KEYPAIR, id, &info, err) < 0)
		return -1;
	if (json_object_set_new(info, "PrivateKey", json_string(k.private_pem)) < 0)
		return mock_oom(err);
	*ret_info = TAKE_PTR(info);
	return 0;
}

MOCK_DEFINE_READERS(keypair, MOCK_KEYPAIR, MOCK_OP_LIST_KEY, MOCK_OP_GET_KEY)

static int keypair_check_remove(sp_session *s, json_t *key, sp_error *err)
{
	return mock_check_unused(s->cloud, "keypair", "key pair", mock_doc_str(key, "id"), err);
}

static int keypair_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	return mock_remove(s, MOCK_OP_DELETE_KEY, MOCK_KEYPAIR, iid, keypair_check_remove, err);
}

const sp_resource_ops mock_keypair_ops = {
	.size = sizeof(sp_resource_ops),
	.create = keypair_create,
	.list = keypair_list,
	.get = keypair_get,
	.remove = keypair_remove,
};
