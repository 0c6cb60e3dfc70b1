/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <pthread.h>

#include "core/session.h"
#include "util/crypto.h"

#define TOKEN_BYTES (SP_SESSION_TOKEN_LEN / 2)
/* Clients whose failed logins are remembered at once. */
#define CLIENTS_MAX 1024
#define CLIENT_MAX 64

typedef struct session {
	unsigned char digest[32];  /* SHA-256 of the token */
	char user[SP_SESSION_USER_MAX];
	char csrf[SP_SESSION_TOKEN_LEN + 1];
	double last_used;
	bool used;
} session;

typedef struct client {
	char name[CLIENT_MAX];
	double fails[SP_LOGIN_FAILS_MAX];  /* a ring of failure times */
	unsigned n, next;
} client;

struct sp_sessions {
	pthread_mutex_t lock;
	double idle_s;
	size_t max;
	session *tab;
	client *clients;
	size_t n_clients;
};

int sp_sessions_new(size_t max, double idle_s, sp_sessions **ret,
		    sp_error *err)
{
	sp_sessions *s = calloc(1, sizeof(*s));

	if (!s)
		return sp_error_oom(err);
	s->max = max ? max : 1;
	s->idle_s = idle_s;
	s->tab = calloc(s->max, sizeof(*s->tab));
	s->clients = calloc(CLIENTS_MAX, sizeof(*s->clients));
	if (!s->tab || !s->clients) {
		free(s->tab);
		free(s->clients);
		free(s);
		return sp_error_oom(err);
	}
	pthread_mutex_init(&s->lock, NULL);
	*ret = s;
	return 0;
}

void sp_sessions_free(sp_sessions *s)
{
	if (!s)
		return;
	explicit_bzero(s->tab, s->max * sizeof(*s->tab));
	free(s->tab);
	free(s->clients);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int random_hex(char out[SP_SESSION_TOKEN_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[TOKEN_BYTES];

	if (sp_random_bytes(b, sizeof(b)) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[SP_SESSION_TOKEN_LEN] = '\0';
	explicit_bzero(b, sizeof(b));
	return 0;
}

static bool expired(const sp_sessions *s, const session *e, double now)
{
	return now - e->last_used >= s->idle_s;
}

static void info_of(const sp_sessions *s, const session *e, double now,
		    sp_session_info *ret)
{
	memcpy(ret->user, e->user, sizeof(ret->user));
	memcpy(ret->csrf, e->csrf, sizeof(ret->csrf));
	ret->expires_in = s->idle_s - (now - e->last_used);
}

int sp_sessions_add(sp_sessions *s, const char *user, double now,
		    char ret_token[SP_SESSION_TOKEN_LEN + 1],
		    sp_session_info *ret, sp_error *err)
{
	char token[SP_SESSION_TOKEN_LEN + 1];
	session fresh = { .last_used = now, .used = true }, *slot = NULL;

	if (strlen(user) >= sizeof(fresh.user))
		return sp_error_set(err, SP_ERR_INVALID,
				    "user name is longer than %d bytes",
				    SP_SESSION_USER_MAX - 1);
	if (random_hex(token) < 0 || random_hex(fresh.csrf) < 0)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "cannot gather random bytes for a session");
	memcpy(fresh.user, user, strlen(user) + 1);
	sp_sha256(token, SP_SESSION_TOKEN_LEN, fresh.digest);

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->max; i++) {
		session *e = &s->tab[i];

		if (e->used && expired(s, e, now))
			e->used = false;
		if (!e->used) {
			if (!slot || slot->used)
				slot = e;
		} else if (!slot || (slot->used && e->last_used < slot->last_used)) {
			slot = e;
		}
	}
	if (!slot) {   /* a table of no slots: not made by sp_sessions_new */
		pthread_mutex_unlock(&s->lock);
		return sp_error_set(err, SP_ERR_INTERNAL, "the session table has no room at all");
	}
	*slot = fresh;
	info_of(s, slot, now, ret);
	pthread_mutex_unlock(&s->lock);

	memcpy(ret_token, token, sizeof(token));
	explicit_bzero(token, sizeof(token));
	explicit_bzero(&fresh, sizeof(fresh));
	return 0;
}

static bool token_wellformed(const char *token)
{
	if (!token || strlen(token) != SP_SESSION_TOKEN_LEN)
		return false;
	for (const char *p = token; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* The session of digest, or NULL; every slot is compared, found or not.
 * Called locked. */
static session *lookup(sp_sessions *s, const unsigned char digest[32])
{
	session *hit = NULL;

	for (size_t i = 0; i < s->max; i++)
		if (sp_consttime_eq(s->tab[i].digest, digest, 32) && s->tab[i].used)
			hit = &s->tab[i];
	return hit;
}

bool sp_sessions_find(sp_sessions *s, const char *token, double now,
		      sp_session_info *ret)
{
	unsigned char digest[32];
	session *e;
	bool ok = false;

	if (!token_wellformed(token))
		return false;
	sp_sha256(token, SP_SESSION_TOKEN_LEN, digest);
	pthread_mutex_lock(&s->lock);
	e = lookup(s, digest);
	if (e && expired(s, e, now)) {
		e->used = false;
	} else if (e) {
		e->last_used = now;
		info_of(s, e, now, ret);
		ok = true;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void sp_sessions_remove(sp_sessions *s, const char *token)
{
	unsigned char digest[32];
	session *e;

	if (!token_wellformed(token))
		return;
	sp_sha256(token, SP_SESSION_TOKEN_LEN, digest);
	pthread_mutex_lock(&s->lock);
	e = lookup(s, digest);
	if (e)
		explicit_bzero(e, sizeof(*e));
	pthread_mutex_unlock(&s->lock);
}

size_t sp_sessions_count(sp_sessions *s)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->max; i++)
		n += s->tab[i].used;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* Called locked. */
static client *client_find(sp_sessions *s, const char *name)
{
	for (size_t i = 0; i < s->n_clients; i++)
		if (strcmp(s->clients[i].name, name) == 0)
			return &s->clients[i];
	return NULL;
}

static double client_last(const client *c)
{
	return c->fails[(c->next + SP_LOGIN_FAILS_MAX - 1) % SP_LOGIN_FAILS_MAX];
}

double sp_sessions_login_wait(sp_sessions *s, const char *name, double now)
{
	double wait = 0;
	client *c;

	pthread_mutex_lock(&s->lock);
	c = client_find(s, name);
	/* A full ring's oldest entry is c->fails[c->next]; the client waits
	 * until it leaves the window. */
	if (c && c->n == SP_LOGIN_FAILS_MAX &&
	    now - c->fails[c->next] < SP_LOGIN_WINDOW_S)
		wait = c->fails[c->next] + SP_LOGIN_WINDOW_S - now;
	pthread_mutex_unlock(&s->lock);
	return wait;
}

void sp_sessions_login_failed(sp_sessions *s, const char *name, double now)
{
	client *c;

	pthread_mutex_lock(&s->lock);
	c = client_find(s, name);
	if (!c) {
		if (s->n_clients < CLIENTS_MAX) {
			c = &s->clients[s->n_clients++];
		} else {
			c = &s->clients[0];
			for (size_t i = 1; i < s->n_clients; i++)
				if (client_last(&s->clients[i]) < client_last(c))
					c = &s->clients[i];
		}
		*c = (client){ 0 };
		snprintf(c->name, sizeof(c->name), "%s", name);
	}
	c->fails[c->next] = now;
	c->next = (c->next + 1) % SP_LOGIN_FAILS_MAX;
	if (c->n < SP_LOGIN_FAILS_MAX)
		c->n++;
	pthread_mutex_unlock(&s->lock);
}

void sp_sessions_login_ok(sp_sessions *s, const char *name)
{
	client *c;

	pthread_mutex_lock(&s->lock);
	c = client_find(s, name);
	if (c)
		*c = s->clients[--s->n_clients];
	pthread_mutex_unlock(&s->lock);
}
