/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/mock/keypair.c - key pairs with real key material: an RSA 2048
 * key whose private half OpenSSH and libssh accept, and whose public half
 * and fingerprint are what ssh-keygen shows.
 *
 * A create with a "PublicKey" imports that OpenSSH public key line
 * instead, after checking it as sshd would: a known type (ssh-ed25519,
 * ssh-rsa of 2048 bits or more, ecdsa-sha2-nistp256/384/521), strict
 * base64, the blob's own type the line's, every field of the blob the
 * right size and nothing after them, an ECDSA point on its curve.
 *
 * Doc: {"fingerprint", "public_key"} besides the common fields.  Like a
 * real cloud, the mock keeps no private key: create() answers it once,
 * and an import has none.
 */
#include "mock.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/macros.h"
#include "util/banned.h"

#define KEY_BITS 2048
/* The SSH blob of an RSA key: "ssh-rsa", e and n as mpints, each with a
 * 4-byte length; n has KEY_BITS / 8 bytes plus a sign byte. */
#define BLOB_MAX (4 + 7 + 4 + 9 + 4 + KEY_BITS / 8 + 1)
/* What an import takes: RSA keys from 2048 to 16384 bits, so a blob of at
 * most some 2 KiB; 8 KiB leaves room and still refuses junk early. */
#define IMPORT_RSA_BITS_MIN 2048
#define IMPORT_RSA_BITS_MAX 16384
#define IMPORT_BLOB_MAX 8192
#define IMPORT_FIELD "ReqInfo.PublicKey"

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

static inline void evp_pkey_ctx_freep(EVP_PKEY_CTX **p)
{
	EVP_PKEY_CTX_free(*p);
}

static inline void param_bld_freep(OSSL_PARAM_BLD **p)
{
	OSSL_PARAM_BLD_free(*p);
}

static inline void params_freep(OSSL_PARAM **p)
{
	OSSL_PARAM_free(*p);
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

/* "SHA256:" and the unpadded base64 of the blob's SHA-256, as
 * ssh-keygen -l shows it. */
static int fingerprint_make(const unsigned char *blob, size_t len, char **ret,
			    sp_error *err)
{
	_cleanup_free_ char *b64 = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	if (!EVP_Digest(blob, len, md, &md_len, EVP_sha256(), NULL))
		return sp_error_set(err, SP_ERR_INTERNAL, "mock: cannot hash the key pair's public key");
	if (!(b64 = base64(md, md_len, true)) || asprintf(ret, "SHA256:%s", b64) < 0)
		return mock_oom(err);
	return 0;
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
	return sp_error_set(err, SP_ERR_INTERNAL, "mock: cannot %s the key pair's key", what);
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
	if (fingerprint_make(blob.data, blob.len, &k->fingerprint, err) < 0)
		return -1;
	if (!(b64 = base64(blob.data, blob.len, false)))
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
	return 0;
}

/* ---- import ------------------------------------------------------------ */

static int import_error(sp_error *err, const char *fmt, ...) _printf_(2, 3);

static int import_error(sp_error *err, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return sp_error_set(err, SP_ERR_INVALID, IMPORT_FIELD " is invalid: %s", why);
}

/* RFC 4251 fields, read from a blob. */
struct reader {
	const unsigned char *p;
	size_t left;
};

static bool read_string(struct reader *r, const unsigned char **ret, size_t *ret_len)
{
	size_t len;

	if (r->left < 4)
		return false;
	len = (size_t)r->p[0] << 24 | (size_t)r->p[1] << 16 | (size_t)r->p[2] << 8 | r->p[3];
	if (len > r->left - 4)
		return false;
	*ret = r->p + 4;
	*ret_len = len;
	r->p += 4 + len;
	r->left -= 4 + len;
	return true;
}

/* A string field that must be exactly want. */
static bool read_name(struct reader *r, const char *want)
{
	const unsigned char *s;
	size_t len;

	return read_string(r, &s, &len) && len == strlen(want) && !memcmp(s, want, len);
}

/* An mpint that must be positive; its size in bits. */
static int read_mpint_bits(struct reader *r, const char *what, int *ret_bits,
			   sp_error *err)
{
	_cleanup_(bn_freep) BIGNUM *bn = NULL;
	const unsigned char *s;
	size_t len;

	if (!read_string(r, &s, &len) || !len || len > IMPORT_RSA_BITS_MAX / 8 + 1)
		return import_error(err, "the RSA key's %s is missing or out of range", what);
	if (s[0] & 0x80)
		return import_error(err, "the RSA key's %s is negative", what);
	if (!(bn = BN_bin2bn(s, (int)len, NULL)))
		return mock_oom(err);
	*ret_bits = BN_num_bits(bn);
	if (!strcmp(what, "exponent") && (*ret_bits < 2 || !BN_is_odd(bn)))
		return import_error(err, "the RSA key's exponent is not an odd number of 3 or more");
	return 0;
}

static int check_rsa(struct reader *r, sp_error *err)
{
	int e_bits, n_bits;

	if (read_mpint_bits(r, "exponent", &e_bits, err) < 0 ||
	    read_mpint_bits(r, "modulus", &n_bits, err) < 0)
		return -1;
	if (n_bits < IMPORT_RSA_BITS_MIN || n_bits > IMPORT_RSA_BITS_MAX)
		return import_error(err, "an RSA key of %d bits is too %s: want %d to %d bits", n_bits, n_bits < IMPORT_RSA_BITS_MIN ? "weak" : "large", IMPORT_RSA_BITS_MIN, IMPORT_RSA_BITS_MAX);
	return 0;
}

static int check_ed25519(struct reader *r, sp_error *err)
{
	const unsigned char *key;
	size_t len;

	if (!read_string(r, &key, &len) || len != 32)
		return import_error(err, "an ssh-ed25519 key holds 32 bytes of key");
	return 0;
}

/* The point must be uncompressed and on the curve (OpenSSL checks it when
 * it builds the key). */
static int check_ecdsa(struct reader *r, const char *curve, const char *group,
		       size_t point_len, sp_error *err)
{
	_cleanup_(param_bld_freep) OSSL_PARAM_BLD *bld = NULL;
	_cleanup_(params_freep) OSSL_PARAM *params = NULL;
	_cleanup_(evp_pkey_ctx_freep) EVP_PKEY_CTX *ctx = NULL;
	_cleanup_(evp_pkey_ctx_freep) EVP_PKEY_CTX *check = NULL;
	_cleanup_(evp_pkey_freep) EVP_PKEY *pkey = NULL;
	const unsigned char *point;
	size_t len;

	if (!read_name(r, curve))
		return import_error(err, "the key data does not name curve %s", curve);
	if (!read_string(r, &point, &len) || len != point_len || point[0] != 0x04)
		return import_error(err, "a %s key holds an uncompressed point of %zu bytes", curve, point_len);
	if (!(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0)
		return key_error(err, "check");
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0 ||
	    !(check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ||
	    EVP_PKEY_public_check(check) <= 0)
		return import_error(err, "the %s point is not on the curve", curve);
	return 0;
}

static const struct {
	const char *type;
	const char *curve, *group; /* ECDSA */
	size_t point_len;
} import_types[] = {
	{ "ssh-ed25519" },
	{ "ssh-rsa" },
	{ "ecdsa-sha2-nistp256", "nistp256", "P-256", 65 },
	{ "ecdsa-sha2-nistp384", "nistp384", "P-384", 97 },
	{ "ecdsa-sha2-nistp521", "nistp521", "P-521", 133 },
};

/* Strict base64: the alphabet, a length that is a multiple of 4, padding
 * only at the end.  Returns the decoded length, or -1. */
static long base64_decode(const char *in, size_t len, unsigned char *out, size_t max)
{
	size_t pad = 0;
	int n;

	if (!len || len % 4 || len / 4 * 3 > max)
		return -1;
	while (pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (!isalnum((unsigned char)in[i]) && in[i] != '+' && in[i] != '/')
			return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	return n < 0 ? -1 : (long)((size_t)n - pad);
}

/* One OpenSSH public key line, checked: its fingerprint and the line as
 * the cloud keeps it ("TYPE BASE64[ COMMENT]", blanks made single). */
static int key_import(const char *line, struct key_material *k, sp_error *err)
{
	static const char blanks[] = " \t";
	_cleanup_free_ unsigned char *blob = NULL;
	const char *type, *data, *comment;
	size_t type_len, data_len, t;
	struct reader r;
	long blob_len;
	int rc;

	type = line + strspn(line, blanks);
	type_len = strcspn(type, blanks);
	data = type + type_len + strspn(type + type_len, blanks);
	data_len = strcspn(data, blanks);
	comment = data + data_len + strspn(data + data_len, blanks);
	for (t = 0; t < ELEMENTSOF(import_types); t++)
		if (strlen(import_types[t].type) == type_len && !strncmp(type, import_types[t].type, type_len))
			break;
	if (t == ELEMENTSOF(import_types))
		return import_error(err, "key type '%.*s' is not supported: want ssh-ed25519, ssh-rsa (2048 bits or more) or ecdsa-sha2-nistp256/384/521", (int)(type_len < 40 ? type_len : 40), type);
	if (!data_len)
		return import_error(err, "there is no key data after '%s': want \"TYPE BASE64 [COMMENT]\"", import_types[t].type);
	if (data_len > IMPORT_BLOB_MAX / 3 * 4 + 4)
		return import_error(err, "the key data is longer than %d bytes", IMPORT_BLOB_MAX);
	if (!(blob = malloc(data_len / 4 * 3 + 1)))
		return mock_oom(err);
	if ((blob_len = base64_decode(data, data_len, blob, data_len / 4 * 3)) < 0)
		return import_error(err, "the key data is not base64");
	r = (struct reader){ blob, (size_t)blob_len };
	if (!read_name(&r, import_types[t].type))
		return import_error(err, "the key data is not a '%s' key, as the line says", import_types[t].type);
	if (import_types[t].curve)
		rc = check_ecdsa(&r, import_types[t].curve, import_types[t].group, import_types[t].point_len, err);
	else if (!strcmp(import_types[t].type, "ssh-rsa"))
		rc = check_rsa(&r, err);
	else
		rc = check_ed25519(&r, err);
	if (rc < 0)
		return -1;
	if (r.left)
		return import_error(err, "the key data has %zu bytes after the key", r.left);
	if (fingerprint_make(blob, (size_t)blob_len, &k->fingerprint, err) < 0)
		return -1;
	if (asprintf(&k->public_key, "%s %.*s%s%s", import_types[t].type, (int)data_len, data,
		     *comment ? " " : "", comment) < 0) {
		k->public_key = NULL;
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
	const char *id, *import;

	if (mock_enter(s, MOCK_OP_CREATE_KEY, err) < 0 ||
	    mock_req_name(req, "", &id, err) < 0 ||
	    mock_req_tags(req, "", &tags, err) < 0 ||
	    mock_req_str(req, "PublicKey", &import, err) < 0)
		return -1;
	/* MockKeyImport=off: a cloud (or a driver) that knows no import
	 * makes a key as if none were given. */
	if (s->fault.no_import)
		import = "";
	/* Key generation is slow (up to some hundred ms): refuse a taken ID
	 * first, make the key holding no lock, and check again to commit. */
	{
		_cleanup_read_unlock_ struct mock_cloud *r = mock_read_lock(s->cloud);

		if (mock_check_free(r, MOCK_KEYPAIR, id, err) < 0)
			return -1;
	}
	if (*import ? key_import(import, &k, err) < 0 : key_make(id, &k, err) < 0)
		return -1;
	doc = mock_doc_new(s, id, TAKE_PTR(tags), json_pack("{s:s, s:s}", "fingerprint", k.fingerprint, "public_key", k.public_key));
	if (mock_create_lock(s, &b, MOCK_KEYPAIR, doc, &c, err) < 0 ||
	    mock_commit_info(s, &b, MOCK_KEYPAIR, id, &info, err) < 0)
		return -1;
	if (k.private_pem && json_object_set_new(info, "PrivateKey", json_string(k.private_pem)) < 0)
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
