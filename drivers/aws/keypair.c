/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/keypair.c - key pairs: made by EC2 (CreateKeyPair) or
 * imported from an OpenSSH public key (ImportKeyPair).
 *
 * EC2 names a key pair by its KeyName, which RunInstances takes, so the
 * KeyName is the SystemId.  EC2 hands the private key out once, at
 * creation; the public key is derived from it here (OpenSSL), so the
 * create answer carries both.
 */
#include "aws.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

#define VM_USER "cb-user"
#define PUBKEY_MAX 16384

/* ---- OpenSSH public key of a PEM private key ------------------------------ */

struct wire {
	unsigned char buf[2048];
	size_t len;
	bool overflow;
};

static void wire_put(struct wire *w, const void *d, size_t n)
{
	if (w->overflow || w->len + 4 + n > sizeof(w->buf)) {
		w->overflow = true;
		return;
	}
	w->buf[w->len++] = (unsigned char)(n >> 24);
	w->buf[w->len++] = (unsigned char)(n >> 16);
	w->buf[w->len++] = (unsigned char)(n >> 8);
	w->buf[w->len++] = (unsigned char)n;
	memcpy(w->buf + w->len, d, n);
	w->len += n;
}

static void wire_mpint(struct wire *w, const BIGNUM *bn)
{
	unsigned char b[1025];
	int n = BN_num_bytes(bn);

	if (n < 0 || n > 1024) {
		w->overflow = true;
		return;
	}
	b[0] = 0;
	BN_bn2bin(bn, b + 1);
	/* A leading zero byte keeps a number with its top bit set positive. */
	if (n > 0 && (b[1] & 0x80))
		wire_put(w, b, (size_t)n + 1);
	else
		wire_put(w, b + 1, (size_t)n);
}

static void pkey_freep(EVP_PKEY **k)
{
	EVP_PKEY_free(*k);
}

static void bio_freep(BIO **b)
{
	BIO_free(*b);
}

static void bn_freep(BIGNUM **b)
{
	BN_free(*b);
}

char *aws_ssh_pubkey(const char *pem)
{
	BIO *bio __attribute__((cleanup(bio_freep))) = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k __attribute__((cleanup(pkey_freep))) = NULL;
	BIGNUM *n __attribute__((cleanup(bn_freep))) = NULL;
	BIGNUM *e __attribute__((cleanup(bn_freep))) = NULL;
	struct wire w = { .len = 0 };
	unsigned char b64[4 * (sizeof(w.buf) / 3) + 8];
	const char *type;
	char *out;

	if (!bio || !(k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)))
		return NULL;
	if (EVP_PKEY_is_a(k, "RSA")) {
		type = "ssh-rsa";
		if (!EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) ||
		    !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e))
			return NULL;
		wire_put(&w, type, strlen(type));
		wire_mpint(&w, e);
		wire_mpint(&w, n);
	} else if (EVP_PKEY_is_a(k, "ED25519")) {
		unsigned char raw[32];
		size_t rlen = sizeof(raw);

		type = "ssh-ed25519";
		if (!EVP_PKEY_get_raw_public_key(k, raw, &rlen))
			return NULL;
		wire_put(&w, type, strlen(type));
		wire_put(&w, raw, rlen);
	} else {
		return NULL;
	}
	if (w.overflow)
		return NULL;
	EVP_EncodeBlock(b64, w.buf, (int)w.len);
	if (asprintf(&out, "%s %s", type, (const char *)b64) < 0)
		return NULL;
	return out;
}

/* ---- key pairs ---------------------------------------------------------- */

static json_t *keypair_info(xmlNode *it, const char *pub, const char *priv)
{
	const char *name = aws_xml_str(it, "keyName");
	json_t *tags = aws_xml_tags(it, NULL);
	const char *p = pub ? pub : aws_xml_str(it, "publicKey");
	_cleanup_json_ json_t *info = json_pack("{s:o,s:s,s:s,s:s,s:o*,s:o}",
		"IId", aws_iid_json(name, name), "Fingerprint", aws_xml_str(it, "keyFingerprint"),
		"PublicKey", p, "VMUserID", VM_USER, "TagList", tags,
		"KeyValueList", aws_kvlist("KeyPairId", aws_xml_str(it, "keyPairId"),
					   "KeyType", aws_xml_str(it, "keyType"), NULL));

	if (info && priv && json_object_set_new(info, "PrivateKey", json_string(priv)) < 0)
		return NULL;
	return TAKE_PTR(info);
}

static int keypair_item(sp_session *s, xmlNode *it, void *ctx, sp_error *err)
{
	if (aws_items_cap(ctx, "key pairs", err) < 0)
		return -1;
	return aws_json_append(ctx, keypair_info(it, NULL, NULL), err);
}

static const aws_describe keypairs = {
	"DescribeKeyPairs", "KeyName.1", "keySet", "VMKEYPAIR", "key pair", 0, keypair_item,
};

static int keypairs_read(sp_session *s, const char *only, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_json_ json_t *list = json_array();

	if (!list)
		return aws_oom(err);
	aws_params_add(&p, "true", "IncludePublicKey");
	if (aws_describe_run(s, &keypairs, &p, only, list, list, err) < 0)
		return -1;
	*ret = TAKE_PTR(list);
	return 0;
}

int aws_keypair_import(sp_session *s, const char *name, const char *pubkey, json_t *tags,
		       json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_free_ char *b64 = NULL;
	size_t len = strlen(pubkey);

	if (len > PUBKEY_MAX || strncmp(pubkey, "ssh-", 4) || strpbrk(pubkey, "\r\n"))
		return sp_error_set(err, SP_ERR_INVALID, "PublicKey is not one OpenSSH public key line of at most %d bytes", PUBKEY_MAX);
	if (!(b64 = malloc(4 * (len / 3 + 1) + 1)))
		return aws_oom(err);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)pubkey, (int)len);
	aws_params_add(&p, name, "KeyName");
	aws_params_add(&p, b64, "PublicKeyMaterial");
	aws_params_tagspec(&p, 1, "key-pair", NULL, tags);
	if (aws_call(s, NULL, "ImportKeyPair", &p, "VMKEYPAIR", name, &doc, err) < 0)
		return -1;
	if (!(*ret = keypair_info(xmlDocGetRootElement(doc), pubkey, NULL)))
		return aws_oom(err);
	return 0;
}

static int keypair_create(sp_session *s, json_t *req, json_t **ret, sp_error *err)
{
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	_cleanup_free_ char *pub = NULL;
	const char *name, *import, *priv;
	xmlNode *root;

	if (aws_req_iid(req, "IId", true, &name, err) < 0 ||
	    aws_req_str(req, "PublicKey", false, &import, err) < 0)
		return -1;
	if (*import)
		return aws_keypair_import(s, name, import, json_object_get(req, "TagList"), ret, err);
	aws_params_add(&p, name, "KeyName");
	aws_params_add(&p, "rsa", "KeyType");
	aws_params_tagspec(&p, 1, "key-pair", NULL, json_object_get(req, "TagList"));
	if (aws_call(s, NULL, "CreateKeyPair", &p, "VMKEYPAIR", name, &doc, err) < 0)
		return -1;
	root = xmlDocGetRootElement(doc);
	priv = aws_xml_str(root, "keyMaterial");
	if (!*priv || !(pub = aws_ssh_pubkey(priv))) {
		sp_error ignored;
		_cleanup_params_ aws_params d = { 0 };
		_cleanup_xml_ xmlDoc *dd = NULL;

		aws_params_add(&d, name, "KeyName");
		aws_call(s, NULL, "DeleteKeyPair", &d, "VMKEYPAIR", name, &dd, &ignored);
		return sp_error_set(err, SP_ERR_CLOUD, "EC2 CreateKeyPair: the answer's private key of '%s' is not a PEM RSA or Ed25519 key", name);
	}
	if (!(*ret = keypair_info(root, pub, priv)))
		return aws_oom(err);
	return 0;
}

static int keypair_list(sp_session *s, json_t **ret, sp_error *err)
{
	return keypairs_read(s, NULL, ret, err);
}

static int keypair_get(sp_session *s, const sp_iid *iid, json_t **ret, sp_error *err)
{
	_cleanup_json_ json_t *list = NULL;
	const char *id;

	if (aws_iid_id(iid, "key pair", &id, err) < 0 || keypairs_read(s, id, &list, err) < 0)
		return -1;
	*ret = json_incref(json_array_get(list, 0));
	return 0;
}

/* EC2 answers DeleteKeyPair of a missing key with success: ask first. */
static int keypair_remove(sp_session *s, const sp_iid *iid, sp_error *err)
{
	_cleanup_json_ json_t *list = NULL;
	_cleanup_params_ aws_params p = { 0 };
	_cleanup_xml_ xmlDoc *doc = NULL;
	const char *id;

	if (aws_iid_id(iid, "key pair", &id, err) < 0 || keypairs_read(s, id, &list, err) < 0)
		return -1;
	aws_params_add(&p, id, "KeyName");
	return aws_call(s, NULL, "DeleteKeyPair", &p, "VMKEYPAIR", id, &doc, err);
}

const sp_resource_ops aws_keypair_ops = {
	.size = sizeof(sp_resource_ops),
	.create = keypair_create,
	.list = keypair_list,
	.get = keypair_get,
	.remove = keypair_remove,
};
