/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest/server.c - libmicrohttpd glue.
 *
 * One thread per connection: a long cloud call on one connection never
 * holds up another, and reads never queue behind writes.  The body is
 * collected up to its cap, the route is matched, the login checked, the
 * handler run, and its result or error turned into a response here only.
 * Paths outside /spider are the web tool's files (rest/web.h).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <time.h>

#include "rest/rest.h"
#include "rest/web.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/log.h"

/* A request's thread needs little stack (bodies nest at most
 * SP_JSON_DEPTH_MAX deep, no handler keeps more than about 48 KiB of
 * locals: gcc -fstack-usage), and 100 threads of 256 KiB fit glibc's
 * cache of freed stacks, where 1 MiB ones were unmapped and mapped
 * again, which cost the 100-list fan-out a quarter of its CPU.  The
 * sanitizers' instrumented frames are several times larger. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define THREAD_STACK (1024 * 1024)
#else
#define THREAD_STACK (256 * 1024)
#endif
#define IDLE_TIMEOUT_S 120
/* Per-connection memory for headers and buffers; MHD clears it after
 * every request, so it is kept small. */
#define CONNECTION_MEMORY (16 * 1024)
/* The most a streamed answer is asked for at once. */
#define STREAM_BLOCK (8 * 1024)
/* Web sessions kept at once; the one unused for longest makes room. */
#define SESSIONS_MAX 1000
#define CSRF_HEADER "X-CSRF-Token"
#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'"

struct sp_server {
	struct MHD_Daemon *mhd;
	sp_core *core;
	sp_auth *auth;
	sp_sessions *sessions;
	sp_web *web;        /* NULL: the web tool is not there */
	size_t max_body;
	char url[64];
	atomic_uint inflight;
	atomic_bool stopping;
};

/* One request on its way, and how its answer is sent. */
typedef struct req_state {
	sp_server *s;
	struct MHD_Connection *c;
	char *body;
	size_t len, cap;
	bool too_large;
	bool answered;
	/* Access-Control-Allow-Origin: * - never beside a session cookie. */
	bool cors;
	/* A 401 of the server's own carries the Basic challenge - never to a
	 * browser page, which would pop up its own login over the app's. */
	bool challenge;
} req_state;

/* Paths are split and decoded by the router, segment by segment, so an
 * encoded '/' stays inside its segment (image IDs may contain one). */
static size_t unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	sp_req *req = cls;
	char *k, *v;

	if (req->n_query == SP_QUERY_MAX)
		return MHD_NO;
	k = strdup(key);
	v = strdup(value ? value : "");
	if (!k || !v || sp_percent_decode(k, true) < 0 ||
	    sp_percent_decode(v, true) < 0) {
		free(k);
		free(v);
		return MHD_YES;
	}
	req->query[req->n_query].name = k;
	req->query[req->n_query].value = v;
	req->n_query++;
	return MHD_YES;
}

static void req_clear(sp_req *req)
{
	for (size_t i = 0; i < req->n_query; i++) {
		free((char *)req->query[i].name);
		free(req->query[i].value);
	}
	json_decref(req->body);
	free(req->text);
	free(req->raw_json);
	free(req->resp_value);
	if (req->stream.free)
		req->stream.free(req->stream.ctx);
	if (req->conn)
		sp_conn_release(req->conn);
}

const char *sp_req_header(const sp_req *req, const char *name)
{
	if (!req->mhd)
		return NULL;
	return MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, name);
}

/* Queue r (taken) with the headers every answer carries, plus one
 * optional extra header. */
static enum MHD_Result queue(req_state *st, unsigned status,
			     struct MHD_Response *r, const char *content_type,
			     const char *header, const char *value)
{
	enum MHD_Result ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (st->cors)
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	if (header)
		MHD_add_response_header(r, header, value);
	if (atomic_load(&st->s->stopping))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(st->c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Queue text (taken). */
static enum MHD_Result queue_text(req_state *st, unsigned status, char *text,
				  const char *content_type, const char *header,
				  const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), text, MHD_RESPMEM_MUST_FREE);

	if (!r) {
		free(text);
		return MHD_NO;
	}
	return queue(st, status, r, content_type, header, value);
}

/* A streamed answer on its way: the server, to see it stopping, and the
 * socket, to see the client leave while the stream has nothing to say. */
typedef struct stream_run {
	sp_server *s;
	sp_stream stream;
	int fd;
} stream_run;

static bool peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return fd >= 0 && poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static ssize_t on_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	stream_run *run = cls;
	ssize_t n;

	if (atomic_load(&run->s->stopping))
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = run->stream.read(run->stream.ctx, buf, max);
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == 0 && peer_gone(run->fd))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

static void on_stream_free(void *cls)
{
	stream_run *run = cls;

	run->stream.free(run->stream.ctx);
	free(run);
}

/* Queue the request's stream; it is the response's from here on. */
static enum MHD_Result queue_stream(req_state *st, unsigned status, sp_req *req)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(st->c, MHD_CONNECTION_INFO_CONNECTION_FD);
	stream_run *run = calloc(1, sizeof(*run));
	struct MHD_Response *r;

	if (!run)
		return MHD_NO;
	*run = (stream_run){ st->s, req->stream, info ? info->connect_fd : -1 };
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK,
					      on_stream_read, run, on_stream_free);
	if (!r) {
		free(run);
		return MHD_NO;
	}
	req->stream = (sp_stream){ 0 };
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return queue(st, status, r,
		     run->stream.content_type ? run->stream.content_type : "application/octet-stream",
		     req->resp_header, req->resp_value);
}

/* A handler's successful answer: its stream, text, raw JSON or out. */
static enum MHD_Result send_answer(req_state *st, sp_req *req, json_t *out)
{
	unsigned status = req->status ? req->status : MHD_HTTP_OK;
	const char *type = "application/json";
	char *text;

	if (req->stream.read)
		return queue_stream(st, status, req);
	if (req->text) {
		text = TAKE_PTR(req->text);
		type = "text/plain; charset=utf-8";
	} else if (req->raw_json) {
		text = TAKE_PTR(req->raw_json);
	} else {
		text = sp_json_dump(out);
		if (!text)
			return MHD_NO;
	}
	return queue_text(st, status, text, type, req->resp_header, req->resp_value);
}

static enum MHD_Result send_text(req_state *st, unsigned status, char *text,
				 const char *content_type, bool challenge)
{
	return queue_text(st, status, text, content_type,
			  challenge && st->challenge ? MHD_HTTP_HEADER_WWW_AUTHENTICATE : NULL,
			  "Basic realm=\"spider\"");
}

/* 405 naming the methods served on the path: allow, or the router's. */
static enum MHD_Result send_405(req_state *st, const char *url,
				const char *allow)
{
	_cleanup_free_ char *path = strndup(url, strcspn(url, "?"));
	char *text = strdup("{\"message\":\"Method Not Allowed\",\"code\":\"MethodNotAllowed\"}");
	char routed[128];

	if (!path || !text) {
		free(text);
		return MHD_NO;
	}
	if (!allow) {
		sp_router_allowed(path, routed, sizeof(routed));
		allow = routed;
	}
	return queue_text(st, MHD_HTTP_METHOD_NOT_ALLOWED, text,
			  "application/json", MHD_HTTP_HEADER_ALLOW, allow);
}

static enum MHD_Result send_json(req_state *st, unsigned status, json_t *j,
				 bool challenge)
{
	char *text = sp_json_dump(j);

	json_decref(j);
	if (!text)
		return MHD_NO;
	return send_text(st, status, text, "application/json", challenge);
}

static enum MHD_Result send_error(req_state *st, sp_errcode code,
				  const char *fmt, ...) _printf_(3, 4);

static enum MHD_Result send_error(req_state *st, sp_errcode code,
				  const char *fmt, ...)
{
	sp_error err = { .code = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	return send_json(st, sp_http_status(code), sp_error_json(&err),
			 code == SP_ERR_AUTH);
}

static enum MHD_Result send_preflight(req_state *st)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(r, "Access-Control-Allow-Methods",
				"GET, POST, PUT, DELETE, OPTIONS");
	MHD_add_response_header(r, "Access-Control-Allow-Headers",
				"Authorization, Content-Type, Last-Event-ID, X-Request-Id, " CSRF_HEADER);
	MHD_add_response_header(r, "Access-Control-Max-Age", "600");
	ret = MHD_queue_response(st->c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Is path the API's: is its first segment "spider"?  (The router skips
 * empty segments, so "//spider/x" is the API's too.) */
static bool api_path(const char *path)
{
	path += strspn(path, "/");
	return strncmp(path, "spider", 6) == 0 && (path[6] == '/' || !path[6]);
}

/* A file of the web tool (no login: the login form is part of it). */
static enum MHD_Result send_web(req_state *st, const char *url,
				const char *method, const char *path)
{
	struct MHD_Response *r;
	sp_web_file f;

	st->cors = false;
	if (!st->s->web)
		return send_json(st, 404,
				 json_pack("{s:s,s:s}", "message",
					   "the web tool is not built: run 'npm ci && npm run build' in web/, or start spiderd with --web-dir DIR",
					   "code", "NotFound"),
				 false);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_405(st, url, "GET, HEAD");
	if (sp_web_lookup(st->s->web, path, &f) < 0)
		return send_json(st, 404,
				 json_pack("{s:s,s:s}", "message", "Not Found",
					   "code", "NotFound"),
				 false);
	r = MHD_create_response_from_fd((size_t)f.size, f.fd);
	if (!r) {
		close(f.fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, f.cache_control);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (f.html) {
		MHD_add_response_header(r, "Content-Security-Policy", CSP);
		MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	}
	return queue(st, MHD_HTTP_OK, r, f.content_type, NULL, NULL);
}

typedef enum login { LOGIN_NONE, LOGIN_BASIC, LOGIN_COOKIE } login;

/* How the request is logged in: HTTP Basic, else the session cookie
 * (whose session is put in *info). */
static login login_of(req_state *st, const char *cookie, sp_session_info *info)
{
	const char *authz = MHD_lookup_connection_value(st->c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_AUTHORIZATION);

	if (authz && sp_auth_check(st->s->auth, authz))
		return LOGIN_BASIC;
	if (cookie && sp_sessions_find(st->s->sessions, cookie, sp_now_mono(), info))
		return LOGIN_COOKIE;
	return LOGIN_NONE;
}

static bool csrf_ok(req_state *st, const sp_session_info *info)
{
	const char *given = MHD_lookup_connection_value(st->c, MHD_HEADER_KIND,
							CSRF_HEADER);

	return given && strlen(given) == SP_SESSION_TOKEN_LEN &&
	       sp_consttime_eq(given, info->csrf, SP_SESSION_TOKEN_LEN);
}

/* The client's address as text into buf ("" when unknown). */
static void client_address(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)size);
}

static enum MHD_Result dispatch(req_state *st, const char *url,
				const char *method)
{
	sp_server *s = st->s;
	struct MHD_Connection *c = st->c;
	_cleanup_free_ char *path = strdup(url);
	_cleanup_json_ json_t *out = NULL;
	const sp_route *route;
	sp_session_info session;
	char client[INET6_ADDRSTRLEN];
	sp_req req = {
		.core = s->core, .mhd = c, .method = method, .auth = s->auth,
		.sessions = s->sessions, .client = client,
		.tls = MHD_get_connection_info(c, MHD_CONNECTION_INFO_PROTOCOL) != NULL,
	};
	const char *cookie;
	sp_error err = { 0 };
	unsigned status = 0;
	enum MHD_Result ret;
	char *q;

	if (!path)
		return MHD_NO;
	q = strchr(path, '?');
	if (q)
		*q = '\0';
	if (strcmp(method, "OPTIONS") == 0)
		return send_preflight(st);
	if (!api_path(path))
		return send_web(st, url, method, path);

	route = sp_router_match(method, path, &req, &status);
	cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SP_SESSION_COOKIE);
	/* A browser page sends the cookie, or the CSRF header, or uses the
	 * login routes. */
	st->challenge = !cookie && !(route && route->browser) &&
			!MHD_lookup_connection_value(c, MHD_HEADER_KIND, CSRF_HEADER);
	st->cors = !cookie && !(route && route->browser);
	if (!(route && route->public)) {
		switch (login_of(st, cookie, &session)) {
		case LOGIN_NONE:
			return send_error(st, SP_ERR_AUTH, "Unauthorized");
		case LOGIN_BASIC:
			st->cors = !(route && route->browser);
			break;
		case LOGIN_COOKIE:
			if (!(route && route->no_csrf) && !csrf_ok(st, &session))
				return send_error(st, SP_ERR_FORBIDDEN,
						  "missing or wrong " CSRF_HEADER " header: read it from GET /spider/session");
			req.session_token = cookie;
			req.session = &session;
			break;
		}
	}
	if (!route) {
		if (status == 405)
			return send_405(st, url, NULL);
		return send_json(st, 404,
				 json_pack("{s:s,s:s}", "message", "Not Found",
					   "code", "NotFound"),
				 false);
	}
	if (st->too_large)
		return send_error(st, SP_ERR_TOO_LARGE,
				  "request body is larger than the limit of %zu bytes",
				  s->max_body);

	client_address(c, client, sizeof(client));
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, &req);
	if (sp_json_parse_body(st->body, st->len, &req.body, &err) < 0) {
		req_clear(&req);
		return send_json(st, sp_http_status(err.code), sp_error_json(&err), false);
	}
	if (route->handler(&req, &out, &err) < 0) {
		if (err.code == SP_ERR_NONE)
			sp_error_set(&err, SP_ERR_INTERNAL, "handler failed without a reason");
		if (err.code == SP_ERR_INTERNAL)
			sp_log_error("%s %s: %s", method, url, err.message);
		ret = send_json(st, sp_http_status(err.code), sp_error_json(&err), false);
	} else {
		ret = send_answer(st, &req, out);
	}
	req_clear(&req);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	sp_server *s = cls;
	req_state *st = *con_cls;

	if (!st) {
		const char *cl;
		int64_t n;

		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*st = (req_state){ .s = s, .c = c, .cors = true, .challenge = true };
		*con_cls = st;
		atomic_fetch_add(&s->inflight, 1);
		/* Refuse an announced oversized body before reading it. */
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (sp_parse_int64(cl, 0, INT64_MAX, &n) < 0 ||
			   (uint64_t)n > s->max_body)) {
			st->answered = true;
			return send_error(st, SP_ERR_TOO_LARGE,
					  "request body is larger than the limit of %zu bytes",
					  s->max_body);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (st->too_large || st->answered)
			return MHD_YES;
		if (st->len + n > s->max_body) {
			st->too_large = true;
			free(st->body);
			st->body = NULL;
			st->len = st->cap = 0;
			return MHD_YES;
		}
		if (st->len + n + 1 > st->cap) {
			size_t ncap = st->cap ? st->cap : 1024;
			char *nb;

			while (ncap < st->len + n + 1)
				ncap *= 2;
			nb = realloc(st->body, ncap);
			if (!nb)
				return MHD_NO;
			st->body = nb;
			st->cap = ncap;
		}
		memcpy(st->body + st->len, upload, n);
		st->len += n;
		st->body[st->len] = '\0';
		return MHD_YES;
	}
	if (st->answered)
		return MHD_YES;
	st->answered = true;
	return dispatch(st, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	sp_server *s = cls;
	req_state *st = *con_cls;

	if (!st)
		return;
	free(st->body);
	free(st);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	sp_log_debug("http: %s", buf);
}

/* SERVER_ADDRESS rules: "" -> 127.0.0.1:1024; ":port" -> 127.0.0.1:port;
 * a loopback host binds that host; any other host binds every interface. */
static int parse_listen(const char *s, struct sockaddr_in *sa, sp_error *err)
{
	char host[256] = "";
	const char *colon;
	int64_t port = 1024;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sp_isempty(s))
		goto done;
	colon = strrchr(s, ':');
	if (!colon || sp_parse_int64(colon + 1, 0, 65535, &port) < 0 ||
	    (size_t)(colon - s) >= sizeof(host))
		return sp_error_set(err, SP_ERR_INVALID,
				    "listen address '%s' must be ip:port (e.g. 127.0.0.1:1024 or :1024)", s);
	memcpy(host, s, (size_t)(colon - s));
	if (!*host || strcmp(host, "localhost") == 0)
		goto done;
	if (inet_pton(AF_INET, host, &sa->sin_addr) == 1 &&
	    (ntohl(sa->sin_addr.s_addr) >> 24) == 127)
		goto done;
	sa->sin_addr.s_addr = htonl(INADDR_ANY);
done:
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

static void server_free(sp_server *s)
{
	sp_web_free(s->web);
	sp_sessions_free(s->sessions);
	free(s);
}

int sp_server_start(sp_core *core, sp_auth *auth, const sp_server_config *cfg,
		    sp_server **ret, sp_error *err)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	char ip[INET_ADDRSTRLEN];
	sp_server *s;

	if (parse_listen(cfg->listen, &sa, err) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return sp_error_oom(err);
	s->core = core;
	s->auth = auth;
	s->max_body = cfg->max_body;
	if (sp_sessions_new(SESSIONS_MAX, cfg->session_idle_s, &s->sessions, err) < 0 ||
	    (cfg->web_dir && sp_web_new(cfg->web_dir, &s->web, err) < 0)) {
		server_free(s);
		return -1;
	}
	s->mhd = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_USE_ITC,
		0, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections ? cfg->max_connections : 1024u,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_END);
	if (!s->mhd) {
		server_free(s);
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "cannot listen on '%s': %s",
				    cfg->listen ? cfg->listen : "127.0.0.1:1024",
				    strerror(errno));
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	snprintf(s->url, sizeof(s->url), "http://%s:%u",
		 sa.sin_addr.s_addr == htonl(INADDR_ANY) ? "0.0.0.0" : ip,
		 info ? (unsigned)info->port : ntohs(sa.sin_port));
	atomic_store(&core->url, s->url);
	*ret = s;
	return 0;
}

const char *sp_server_url(const sp_server *s)
{
	return s->url;
}

const char *sp_server_web_dir(const sp_server *s)
{
	return s->web ? sp_web_dir(s->web) : NULL;
}

void sp_server_stop(sp_server *s, double grace_s)
{
	MHD_socket fd;
	double deadline = sp_now_mono() + grace_s;

	if (!s)
		return;
	atomic_store(&s->stopping, true);
	/* Stop accepting: new connections are refused from here on. */
	fd = MHD_quiesce_daemon(s->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	while (atomic_load(&s->inflight) > 0 && sp_now_mono() < deadline) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s->inflight) > 0)
		sp_log_warn("stopping with %u requests still in flight after %.0f s",
			    atomic_load(&s->inflight), grace_s);
	MHD_stop_daemon(s->mhd);
	atomic_store(&s->core->url, NULL);
	server_free(s);
}
