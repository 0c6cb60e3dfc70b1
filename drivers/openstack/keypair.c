/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/keypair.c - key pairs (Nova os-keypairs).
 *
 * Create makes an RSA key here and imports its public half: Nova stopped
 * generating keys at microversion 2.92, and this way the private key only
 * ever travels to the caller.  A request with a "PublicKey" imports that
 * key instead.
 */
#include "openstack.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

#define KEY_BITS 2048

static inline void pkey_freep(EVP_PKEY **p)
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

/* The SSH wire form of an RSA public key (RFC 4253 §6.6). */
struct wire {
	unsigned char b[16 + 8 + KEY_BITS / 8 + 16];
	size_t n;
};

static int wire_bytes(struct wire *w, const void *p, size_t len, bool pad)
{
	size_t total = len + pad;

	if (w->n + 4 + total > sizeof(w->b))
		return -1;
	for (int shift = 24; shift >= 0; shift -= 8)
		w->b[w->n++] = (unsigned char)(total >> shift);
	if (pad)
		w->b[w->n++] = 0;
	memcpy(w->b + w->n, p, len);
	w->n += len;
	return 0;
}

static int wire_bn(struct wire *w, const BIGNUM *bn)
{
	unsigned char tmp[KEY_BITS / 8 + 8];
	int len = BN_num_bytes(bn);

	if (len < 0 || (size_t)len > sizeof(tmp))
		return -1;
	BN_bn2bin(bn, tmp);
	return wire_bytes(w, tmp, (size_t)len, len > 0 && (tmp[0] & 0x80));
}

/* A new key: its private PEM and its "ssh-rsa AAAA... comment" line. */
static int key_make(const char *comment, char **ret_pem, char **ret_pub, sp_error *err)
{
	_cleanup_(pkey_freep) EVP_PKEY *key = NULL;
	_cleanup_(bn_freep) BIGNUM *n = NULL;
	_cleanup_(bn_freep) BIGNUM *e = NULL;
	_cleanup_(bio_freep) BIO *bio = NULL;
	_cleanup_free_ char *b64 = NULL;
	struct wire w = { .n = 0 };
	char *pem = NULL;
	long pem_len;

	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)KEY_BITS)) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) ||
	    wire_bytes(&w, "ssh-rsa", 7, false) < 0 || wire_bn(&w, e) < 0 || wire_bn(&w, n) < 0)
		return sp_error_set(err, SP_ERR_INTERNAL, "openstack: cannot make an RSA key for key pair '%s'", comment);
	if (!(b64 = malloc(4 * ((w.n + 2) / 3) + 1)))
		return os_oom(err);
	EVP_EncodeBlock((unsigned char *)b64, w.b, (int)w.n);
	/* "BEGIN RSA PRIVATE KEY": the form every ssh client reads. */
	if (!(bio = BIO_new(BIO_s_secmem())) ||
	    !PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL) ||
	    (pem_len = BIO_get_mem_data(bio, &pem)) <= 0)
		return sp_error_set(err, SP_ERR_INTERNAL, "openstack: cannot write the RSA key of key pair '%s'", comment);
	if (!(*ret_pem = strndup(pem, (size_t)pem_len)))
		return os_oom(err);
	if (asprintf(ret_pub, "ssh-rsa %s %s", b64, comment) < 0) {
		OPENSSL_clear_free(*ret_pem, strlen(*ret_pem));
		*ret_pem = NULL;
		return os_oom(err);
	}
	return 0;
}

static inline void pem_freep(char **p)
{
	if (*p)
		OPENSSL_clear_free(*p, strlen(*p));
}

static int keypair_create(sp_session *s, json_t *req, json_t **ret_info, sp_error *err)
{
	_cleanup_(pem_freep) char *pem = NULL;
	_cleanup_free_ char *made_pub = NULL;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_json_ json_t *made = NULL;
	_cleanup_json_ json_t *info = NULL;
	const char *name, *pub;
	struct os_what w = { "VMKEYPAIR", "" };

	if (os_req_str(json_object_get(req, "IId"), "NameId", &name, err) < 0 ||
	    os_req_str(req, "PublicKey", &pub, err) < 0)
		return -1;
	w.rname = name;
	if (!*name)
		return sp_error_set(err, SP_ERR_INVALID, "field 'IId.NameId' is required");
	if (json_array_size(json_object_get(req, "TagList")))
		return sp_error_set(err, SP_ERR_INVALID, "field 'TagList': OpenStack key pairs take no tags");
	if (!*pub) {
		if (key_make(name, &pem, &made_pub, err) < 0)
			return -1;
		pub = made_pub;
	}
	if (!(body = json_pack("{s:{s:s, s:s, s:s}}", "keypair", "name", name, "public_key", pub, "type", "ssh")))
		return os_oom(err);
	if (os_call(s, &w, OS_COMPUTE, "POST", "/os-keypairs", body, &made, err) < 0)
		return -1;
	if (!(info = os_keypair_info(made)) ||
	    (pem && json_object_set_new(info, "PrivateKey", json_string(pem)) < 0))
		return os_oom(err);
	*ret_info = TAKE_PTR(info);
	return 0;
}

static int keypair_list(sp_session *s, json_t **ret_array, sp_error *err)
{
	static const struct os_what w = { "VMKEYPAIR", "" };
	_cleanup_json_ json_t *all = NULL;
	_cleanup_json_ json_t *out = json_array();
	json_t *k;
	size_t i;

	if (!out)
		return os_oom(err);
	if (os_list(s, &w, OS_COMPUTE, "/os-keypairs", "keypairs", &all, err) < 0)
		return -1;
	json_array_foreach(all, i, k)
		if (json_array_append_new(out, os_keypair_info(k)) < 0)
			return os_oom(err);
	*ret_array = TAKE_PTR(out);
	return 0;
}

int os_keypair_fetch(sp_session *s, const struct os_what *w, const char *name,
		     json_t **ret_keypair, sp_error *err)
{
	_cleanup_free_ char *path = os_path("/os-keypairs/%s", name);
	_cleanup_json_ json_t *doc = NULL;

	if (!path)
		return os_oom(err);
	if (os_call(s, w, OS_COMPUTE, "GET", path, NULL, &doc, err) < 0)
		return -1;
	if (!json_is_object(json_object_get(doc, "keypair")))
		return sp_error_set(err, SP_ERR_CLOUD, "nova: the answer for key pair '%s' has no 'keypair'", name);
	*ret_keypair = json_incref(json_object_get(doc, "keypair"));
	return 0;
}

static int keypair_get(sp_session *s, const sp_iid *iid, json_t **ret_info, sp_error *err)
{
	struct os_what w = { "VMKEYPAIR", iid ? iid->name_id : "" };
	_cleanup_json_ json_t *k = NULL;
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "key pair IID is empty");
	if (os_keypair_fetch(s, &w, id, &k, err) < 0)
		return -1;
	if (!(*ret_info = os_keypair_info(k)))
		return os_oom(err);
	return 0;
}

static int keypair_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	struct os_what w = { "VMKEYPAIR", iid ? iid->name_id : "" };
	_cleanup_free_ char *path = NULL;
	const char *id = os_iid_id(iid);

	if (!id)
		return sp_error_set(err, SP_ERR_INVALID, "key pair IID is empty");
	if (!(path = os_path("/os-keypairs/%s", id)))
		return os_oom(err);
	return os_call(s, &w, OS_COMPUTE, "DELETE", path, NULL, NULL, err);
}

const sp_resource_ops os_keypair_ops = {
	.size = sizeof(sp_resource_ops),
	.create = keypair_create,
	.list = keypair_list,
	.get = keypair_get,
	.remove = keypair_remove,
};
