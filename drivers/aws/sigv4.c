/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/sigv4.c - AWS Signature Version 4 (header signing).
 *
 * The three intermediate texts are returned, not only the header, so the
 * unit tests compare each against AWS's published test suite.
 */
#include "aws.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/macros.h"
#include "util/banned.h"

#define SIGV4_HEADERS_MAX 32

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

char *aws_uri_encode(const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(n * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/')) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode n bytes of s, then encode them the canonical way. */
static char *recode(const char *s, size_t n)
{
	_cleanup_free_ char *raw = malloc(n + 1);
	size_t len = 0;

	if (!raw)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			raw[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			raw[len++] = s[i];
		}
	}
	return aws_uri_encode(raw, len, false);
}

static void hex_of(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static void sha256_hex(const void *d, size_t n, char out[static 65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(d, n, md);
	hex_of(md, sizeof(md), out);
}

struct qparam {
	char *key, *value;
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

static void qparams_free(struct qparam *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(q[i].key);
		free(q[i].value);
	}
	free(q);
}

/* The canonical query string of a raw one (may be empty). */
static int canonical_query(FILE *f, const char *query, sp_error *err)
{
	size_t n = 0, cap = 1;
	struct qparam *q;
	int rc = -1;

	for (const char *p = query; *p; p++)
		cap += *p == '&';
	if (!(q = calloc(cap, sizeof(*q))))
		return aws_oom(err);
	for (const char *p = query; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;

		if (len > 0) {
			q[n].key = recode(p, klen);
			q[n].value = eq ? recode(eq + 1, len - klen - 1) : strdup("");
			if (!q[n].key || !q[n].value) {
				n++;
				aws_oom(err);
				goto out;
			}
			n++;
		}
		p += len + (p[len] == '&');
	}
	qsort(q, n, sizeof(*q), qparam_cmp);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s=%s", i ? "&" : "", q[i].key, q[i].value);
	rc = 0;
out:
	qparams_free(q, n);
	return rc;
}

struct hdr {
	char name[64];
	const char *value;
	size_t order;
};

static int hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* A header value trimmed, with runs of spaces collapsed to one. */
static void put_value(FILE *f, const char *v)
{
	bool space = false, started = false;

	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
			space = started;
			continue;
		}
		if (space)
			fputc(' ', f);
		fputc(*v, f);
		space = false;
		started = true;
	}
}

static int canonical_headers(FILE *f, FILE *signed_f, const aws_sigv4_req *r,
			     sp_error *err)
{
	struct hdr h[SIGV4_HEADERS_MAX];
	size_t n = r->n_headers;

	if (n > SIGV4_HEADERS_MAX)
		return sp_error_set(err, SP_ERR_INTERNAL, "sigv4: %zu headers to sign, at most %d", n, SIGV4_HEADERS_MAX);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(r->headers[i].key);

		if (len == 0 || len >= sizeof(h[i].name))
			return sp_error_set(err, SP_ERR_INTERNAL, "sigv4: header name '%s' is empty or too long", r->headers[i].key);
		for (size_t j = 0; j <= len; j++)
			h[i].name[j] = (char)tolower((unsigned char)r->headers[i].key[j]);
		h[i].value = r->headers[i].value ? r->headers[i].value : "";
		h[i].order = i;
	}
	qsort(h, n, sizeof(*h), hdr_cmp);
	for (size_t i = 0; i < n; i++) {
		bool same = i > 0 && !strcmp(h[i].name, h[i - 1].name);

		if (same) {
			fputc(',', f);
		} else {
			if (i > 0)
				fputc('\n', f);
			fprintf(f, "%s:", h[i].name);
			fprintf(signed_f, "%s%s", i ? ";" : "", h[i].name);
		}
		put_value(f, h[i].value);
	}
	fputc('\n', f);
	return 0;
}

static int hmac(const void *key, size_t klen, const char *msg,
		unsigned char out[static 32])
{
	unsigned int len = 32;

	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
		    strlen(msg), out, &len) ? 0 : -1;
}

static int signing_key(const aws_sigv4_req *r, const char *date8,
		       unsigned char key[static 32])
{
	size_t slen = strlen(r->secret_key);
	_cleanup_free_ char *k0 = malloc(slen + 5);
	int rc;

	if (!k0)
		return -1;
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, r->secret_key, slen + 1);
	rc = hmac(k0, slen + 4, date8, key) < 0 ||
	     hmac(key, 32, r->region, key) < 0 ||
	     hmac(key, 32, r->service, key) < 0 ||
	     hmac(key, 32, "aws4_request", key) < 0 ? -1 : 0;
	OPENSSL_cleanse(k0, slen + 4);
	return rc;
}

void aws_sigv4_out_clear(aws_sigv4_out *o)
{
	free(o->canonical_request);
	free(o->string_to_sign);
	free(o->authorization);
	*o = (aws_sigv4_out){ 0 };
}

static void memstream_closep(FILE **f)
{
	if (*f)
		fclose(*f);
}

int aws_sigv4_sign(const aws_sigv4_req *r, aws_sigv4_out *ret, sp_error *err)
{
	_cleanup_free_ char *creq = NULL, *sts = NULL, *authz = NULL, *shdrs = NULL, *uri = NULL;
	size_t creq_len = 0, sts_len = 0, authz_len = 0, shdrs_len = 0;
	FILE *f __attribute__((cleanup(memstream_closep))) = NULL;
	FILE *sf __attribute__((cleanup(memstream_closep))) = NULL;
	const char *q = strchr(r->path, '?');
	size_t plen = q ? (size_t)(q - r->path) : strlen(r->path);
	char body_hash[65], creq_hash[65], date8[9], sig[65];
	unsigned char key[32], mac[32];

	if (strlen(r->amz_date) != 16)
		return sp_error_set(err, SP_ERR_INTERNAL, "sigv4: date '%s' is not YYYYMMDDTHHMMSSZ", r->amz_date);
	memcpy(date8, r->amz_date, 8);
	date8[8] = '\0';
	if (!(uri = aws_uri_encode(r->path, plen, true)) ||
	    !(f = open_memstream(&creq, &creq_len)) ||
	    !(sf = open_memstream(&shdrs, &shdrs_len)))
		return aws_oom(err);
	fprintf(f, "%s\n%s\n", r->method, plen ? uri : "/");
	if (canonical_query(f, q ? q + 1 : "", err) < 0)
		return -1;
	fputc('\n', f);
	if (canonical_headers(f, sf, r, err) < 0)
		return -1;
	if (fclose(sf) != 0) {
		sf = NULL;
		return aws_oom(err);
	}
	sf = NULL;
	sha256_hex(r->body ? r->body : "", r->body_len, body_hash);
	fprintf(f, "\n%s\n%s", shdrs, body_hash);
	if (fclose(f) != 0) {
		f = NULL;
		return aws_oom(err);
	}
	f = NULL;
	sha256_hex(creq, creq_len, creq_hash);

	if (!(f = open_memstream(&sts, &sts_len)))
		return aws_oom(err);
	fprintf(f, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", r->amz_date, date8,
		r->region, r->service, creq_hash);
	if (fclose(f) != 0) {
		f = NULL;
		return aws_oom(err);
	}
	f = NULL;
	if (signing_key(r, date8, key) < 0 || hmac(key, sizeof(key), sts, mac) < 0) {
		OPENSSL_cleanse(key, sizeof(key));
		return sp_error_set(err, SP_ERR_INTERNAL, "sigv4: HMAC-SHA256 failed");
	}
	OPENSSL_cleanse(key, sizeof(key));
	hex_of(mac, sizeof(mac), sig);

	if (!(f = open_memstream(&authz, &authz_len)))
		return aws_oom(err);
	fprintf(f, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
		r->access_key, date8, r->region, r->service, shdrs, sig);
	if (fclose(f) != 0) {
		f = NULL;
		return aws_oom(err);
	}
	f = NULL;
	ret->canonical_request = TAKE_PTR(creq);
	ret->string_to_sign = TAKE_PTR(sts);
	ret->authorization = TAKE_PTR(authz);
	return 0;
}

void aws_amz_date(time_t t, char buf[static 17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}
