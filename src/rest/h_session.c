/* SPDX-License-Identifier: Apache-2.0 */
/* The web tool's login: log in, log out, the session (docs/api.md "Web
 * tool and sessions").  The server logs requests in; these routes start
 * and end the sessions it checks. */
#include "rest/rest.h"
#include "util/json.h"

#define COOKIE_ATTRS "; Path=/; HttpOnly; SameSite=Strict"

static json_t *session_json(const sp_session_info *info)
{
	return json_pack("{s:s,s:s,s:I}", "user", info->user, "csrfToken",
			 info->csrf, "expiresIn", (json_int_t)info->expires_in);
}

/* Set the session cookie to value, ending it at once when value is "". */
static int set_cookie(sp_req *req, const char *value, sp_error *err)
{
	req->resp_header = "Set-Cookie";
	if (asprintf(&req->resp_value, SP_SESSION_COOKIE "=%s%s%s%s", value,
		     *value ? "" : "; Max-Age=0", COOKIE_ATTRS,
		     req->tls ? "; Secure" : "") < 0) {
		req->resp_value = NULL;
		return sp_error_oom(err);
	}
	return 0;
}

/* Too many failed logins: 429 with Retry-After.  Answered as a success
 * because no error code of the driver ABI means "slow down". */
static int too_many(sp_req *req, double wait, json_t **ret, sp_error *err)
{
	long secs = (long)wait + 1;

	req->status = 429;
	req->resp_header = "Retry-After";
	if (asprintf(&req->resp_value, "%ld", secs) < 0) {
		req->resp_value = NULL;
		return sp_error_oom(err);
	}
	*ret = json_pack("{s:s++,s:s}", "message",
			 "too many failed logins from this address; try again in ",
			 req->resp_value, " s", "code", "TooManyRequests");
	return *ret ? 0 : sp_error_oom(err);
}

static int h_login(sp_req *req, json_t **ret, sp_error *err)
{
	char token[SP_SESSION_TOKEN_LEN + 1];
	const char *user = NULL, *password = NULL;
	sp_session_info info;
	double now = sp_now_mono();
	double wait = sp_sessions_login_wait(req->sessions, req->client, now);
	int rc;

	if (wait > 0)
		return too_many(req, wait, ret, err);
	if (sp_json_string(req->body, "username", false, &user, err) < 0 ||
	    sp_json_string(req->body, "password", false, &password, err) < 0)
		return -1;
	if (!sp_auth_login(req->auth, user, password)) {
		sp_sessions_login_failed(req->sessions, req->client, now);
		return sp_error_set(err, SP_ERR_AUTH, "wrong user name or password");
	}
	sp_sessions_login_ok(req->sessions, req->client);
	if (sp_sessions_add(req->sessions, user, now, token, &info, err) < 0)
		return -1;
	rc = set_cookie(req, token, err);
	explicit_bzero(token, sizeof(token));
	if (rc < 0)
		return -1;
	*ret = session_json(&info);
	return *ret ? 0 : sp_error_oom(err);
}

static int h_logout(sp_req *req, json_t **ret, sp_error *err)
{
	if (req->session_token)
		sp_sessions_remove(req->sessions, req->session_token);
	if (set_cookie(req, "", err) < 0)
		return -1;
	*ret = sp_json_result_true();
	return *ret ? 0 : sp_error_oom(err);
}

static int h_session(sp_req *req, json_t **ret, sp_error *err)
{
	if (!req->session)
		return sp_error_set(err, SP_ERR_AUTH,
				    "no session: log in with POST /spider/login");
	*ret = session_json(req->session);
	return *ret ? 0 : sp_error_oom(err);
}

const sp_route sp_routes_session[] = {
	{ "POST", "/spider/login", h_login, true, .browser = true },
	{ "POST", "/spider/logout", h_logout, .browser = true },
	{ "GET", "/spider/session", h_session, .no_csrf = true, .browser = true },
	{ NULL, NULL, NULL, false },
};
