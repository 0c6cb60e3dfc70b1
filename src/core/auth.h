/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/auth.h - the API login: HTTP Basic against one user name and a
 * password given in clear or as a crypt(3) hash ($y$ yescrypt, $6$
 * SHA-512).  Hash checks are slow on purpose, so a verified header is
 * remembered by its SHA-256 and later requests compare in constant time.
 */
#ifndef SP_CORE_AUTH_H
#define SP_CORE_AUTH_H

#include "util/common.h"

typedef struct sp_auth sp_auth;

/* user and password are copied.  A hash of an unsupported scheme is
 * refused (SP_ERR_INVALID). */
int sp_auth_new(const char *user, const char *password, sp_auth **ret,
		sp_error *err);
void sp_auth_free(sp_auth *a);

/* Check an Authorization header value (may be NULL). */
bool sp_auth_check(sp_auth *a, const char *header);

/* Check a user name and password as given (either may be NULL: false),
 * the login form's way.  The password hash is always checked, whatever
 * the user name, so a wrong name takes as long as a wrong password.
 * Nothing is cached: every call pays for the hash. */
bool sp_auth_login(sp_auth *a, const char *user, const char *password);

#endif
