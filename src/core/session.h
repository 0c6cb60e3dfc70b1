/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/session.h - the web tool's login sessions, and the count of failed
 * logins per client that slows password guessing down.
 *
 * Sessions live in memory only: a daemon restart logs everyone out.  A
 * session is known by a random token (the cookie); the table keeps only
 * the token's SHA-256 and compares digests in constant time.  Each session
 * also has a CSRF token, handed to the page, that cookie-authenticated
 * requests must echo in a header.  Sessions end after idle_s without use
 * (each use starts the idle time again), on sp_sessions_remove(), or when
 * the table is full and a new one needs the place of the one unused for
 * longest.
 *
 * Times are seconds on the monotonic clock (sp_now_mono()), passed in so
 * the tests can move time on.  Every function is thread-safe.
 */
#ifndef SP_CORE_SESSION_H
#define SP_CORE_SESSION_H

#include "util/common.h"

/* Session and CSRF tokens: 32 random bytes as 64 lowercase hex digits. */
#define SP_SESSION_TOKEN_LEN 64
#define SP_SESSION_USER_MAX 256
/* A client is refused logins while it has this many failures within
 * SP_LOGIN_WINDOW_S seconds. */
#define SP_LOGIN_FAILS_MAX 10
#define SP_LOGIN_WINDOW_S 60.0

typedef struct sp_sessions sp_sessions;

/* What a session is, as seen by the request that uses it. */
typedef struct sp_session_info {
	char user[SP_SESSION_USER_MAX];
	char csrf[SP_SESSION_TOKEN_LEN + 1];
	double expires_in;  /* seconds left before the session ends idle */
} sp_session_info;

/* A table of at most max sessions that end after idle_s unused. */
int sp_sessions_new(size_t max, double idle_s, sp_sessions **ret,
		    sp_error *err);
void sp_sessions_free(sp_sessions *s);

/*
 * Start a session for user at now.  Writes the new session token into
 * ret_token (NUL-terminated; the only copy: the table keeps its digest)
 * and the session into *ret.  Ends expired sessions, and when the table
 * is full the one unused for longest.  A user name over
 * SP_SESSION_USER_MAX - 1 bytes is refused (SP_ERR_INVALID).
 */
int sp_sessions_add(sp_sessions *s, const char *user, double now,
		    char ret_token[SP_SESSION_TOKEN_LEN + 1],
		    sp_session_info *ret, sp_error *err);

/* Look a token up at now (NULL or malformed: not found).  A live session
 * is used, so its idle time starts again; *ret gets it.  An expired one
 * is ended.  Returns whether a live session was found. */
bool sp_sessions_find(sp_sessions *s, const char *token, double now,
		      sp_session_info *ret);

/* End the token's session, if any. */
void sp_sessions_remove(sp_sessions *s, const char *token);

/* Live and expired sessions not yet ended (for the tests). */
size_t sp_sessions_count(sp_sessions *s);

/* 0 when client may try a login at now; otherwise the seconds (> 0)
 * until it may, having failed SP_LOGIN_FAILS_MAX times within the last
 * SP_LOGIN_WINDOW_S seconds. */
double sp_sessions_login_wait(sp_sessions *s, const char *client, double now);

/* Count a failed login of client at now.  The table of clients is capped:
 * when full, the client whose last failure is oldest is forgotten. */
void sp_sessions_login_failed(sp_sessions *s, const char *client, double now);

/* Forget client's failures (after it logged in). */
void sp_sessions_login_ok(sp_sessions *s, const char *client);

#endif
