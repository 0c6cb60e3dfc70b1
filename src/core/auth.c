/* SPDX-License-Identifier: Apache-2.0 */
#include <crypt.h>
#include <pthread.h>

#include "core/auth.h"
#include "util/crypto.h"

#define CACHE_SLOTS 8
#define HEADER_MAX 1024

struct sp_auth {
	char *user;
	char *password;  /* clear text, or a crypt(3) hash */
	bool hashed;
	pthread_mutex_t lock;
	unsigned char cache[CACHE_SLOTS][32];
	bool cache_used[CACHE_SLOTS];
	unsigned next_slot;
};

int sp_auth_new(const char *user, const char *password, sp_auth **ret,
		sp_error *err)
{
	sp_auth *a;

	if (sp_isempty(user) || sp_isempty(password))
		return sp_error_set(err, SP_ERR_INVALID,
				    "SPIDER_USERNAME and SPIDER_PASSWORD must both be set");
	if (strchr(user, ':'))
		return sp_error_set(err, SP_ERR_INVALID,
				    "SPIDER_USERNAME must not contain ':'");
	a = calloc(1, sizeof(*a));
	if (!a)
		return sp_error_oom(err);
	a->hashed = password[0] == '$';
	if (a->hashed && strncmp(password, "$y$", 3) != 0 &&
	    strncmp(password, "$6$", 3) != 0) {
		free(a);
		return sp_error_set(err, SP_ERR_INVALID,
				    "SPIDER_PASSWORD looks like a crypt(3) hash of a scheme spiderd does not take; use $y$ (yescrypt) or $6$ (SHA-512)");
	}
	a->user = strdup(user);
	a->password = strdup(password);
	if (!a->user || !a->password) {
		sp_auth_free(a);
		return sp_error_oom(err);
	}
	pthread_mutex_init(&a->lock, NULL);
	*ret = a;
	return 0;
}

void sp_auth_free(sp_auth *a)
{
	if (!a)
		return;
	free(a->user);
	sp_free_secret(a->password);
	explicit_bzero(a->cache, sizeof(a->cache));
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static bool cache_has(sp_auth *a, const unsigned char digest[32])
{
	bool hit = false;

	pthread_mutex_lock(&a->lock);
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		hit |= a->cache_used[i] && sp_consttime_eq(a->cache[i], digest, 32);
	pthread_mutex_unlock(&a->lock);
	return hit;
}

static void cache_add(sp_auth *a, const unsigned char digest[32])
{
	pthread_mutex_lock(&a->lock);
	memcpy(a->cache[a->next_slot], digest, 32);
	a->cache_used[a->next_slot] = true;
	a->next_slot = (a->next_slot + 1) % CACHE_SLOTS;
	pthread_mutex_unlock(&a->lock);
}

static bool password_ok(sp_auth *a, const char *given)
{
	if (a->hashed) {
		struct crypt_data *cd = calloc(1, sizeof(*cd));
		const char *h;
		bool ok;

		if (!cd)
			return false;
		h = crypt_r(given, a->password, cd);
		ok = h && h[0] != '*' && strlen(h) == strlen(a->password) &&
		     sp_consttime_eq(h, a->password, strlen(h));
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		return ok;
	} else {
		unsigned char x[32], y[32];

		/* Compare digests: constant time whatever the lengths. */
		sp_sha256(given, strlen(given), x);
		sp_sha256(a->password, strlen(a->password), y);
		return sp_consttime_eq(x, y, 32);
	}
}

bool sp_auth_login(sp_auth *a, const char *user, const char *password)
{
	unsigned char ux[32], uy[32];

	sp_sha256(user ? user : "", user ? strlen(user) : 0, ux);
	sp_sha256(a->user, strlen(a->user), uy);
	/* Both checks always run: no early exit tells which one failed. */
	return ((unsigned)sp_consttime_eq(ux, uy, 32) &
		(unsigned)password_ok(a, password ? password : "") &
		(unsigned)(user && password)) != 0;
}

bool sp_auth_check(sp_auth *a, const char *header)
{
	unsigned char decoded[HEADER_MAX], digest[32];
	size_t len;
	const char *b64;
	char *colon;
	bool ok;

	if (!header || strncasecmp(header, "Basic ", 6) != 0)
		return false;
	b64 = header + 6;
	while (*b64 == ' ')
		b64++;
	if (strlen(b64) >= HEADER_MAX || sp_base64_decode(b64, decoded, &len) < 0)
		return false;
	decoded[len] = '\0';
	if (strlen((char *)decoded) != len)
		return false;
	sp_sha256(decoded, len, digest);
	if (cache_has(a, digest)) {
		explicit_bzero(decoded, sizeof(decoded));
		return true;
	}
	colon = strchr((char *)decoded, ':');
	if (!colon) {
		explicit_bzero(decoded, sizeof(decoded));
		return false;
	}
	*colon = '\0';
	ok = sp_auth_login(a, (char *)decoded, colon + 1);
	explicit_bzero(decoded, sizeof(decoded));
	if (ok)
		cache_add(a, digest);
	return ok;
}
