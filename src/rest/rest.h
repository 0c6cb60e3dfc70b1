/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest/rest.h - the HTTP edge: requests, routes, and the one place where
 * errors become status codes.
 */
#ifndef SP_REST_H
#define SP_REST_H

#include "core/auth.h"
#include "core/conn.h"
#include "core/session.h"

#define SP_PATH_SEGS_MAX 16
#define SP_QUERY_MAX 32
/* The web tool's session cookie. */
#define SP_SESSION_COOKIE "spider_session"

typedef struct sp_param {
	const char *name;
	char *value;
} sp_param;

typedef struct sp_route sp_route;

/*
 * A streamed answer (no Content-Length; Cache-Control: no-cache).  The
 * server calls read(ctx, buf, max) on the connection's own thread until it
 * returns -1 (the end), and free(ctx) once the answer is over, whatever
 * happened.  read returns the bytes it put in buf (at most max), or 0 when
 * it has nothing yet: it may wait for something, but for about a second
 * at most, so that a stopping server or a client gone away are noticed
 * (the stream then ends without another call).
 */
typedef struct sp_stream {
	const char *content_type;          /* static; NULL: octet-stream */
	ssize_t (*read)(void *ctx, char *buf, size_t max);
	void (*free)(void *ctx);
	void *ctx;
} sp_stream;

typedef struct sp_req {
	sp_core *core;
	const sp_route *route;             /* the matched route */
	struct MHD_Connection *mhd;
	const char *method;
	json_t *body;                      /* NULL when absent */
	sp_param params[SP_PATH_SEGS_MAX];  /* ":Name" values, decoded */
	size_t n_params;
	sp_param query[SP_QUERY_MAX];      /* decoded */
	size_t n_query;
	/* A handler that answers in plain text sets this (malloc'd). */
	char *text;
	/* A handler that has its answer serialised already sets this
	 * (malloc'd, valid JSON) instead of returning a json_t. */
	char *raw_json;
	/* The connection the request uses, held until its answer is sent:
	 * driver results may share the session's values, so the session
	 * must outlive the answer. */
	sp_conn *conn;
	/* The answer's status when it succeeds: 0 means 200; 201, 202... */
	unsigned status;
	/* One extra header on a successful answer (e.g. "Location");
	 * resp_header is static, resp_value malloc'd. */
	const char *resp_header;
	char *resp_value;
	/* A handler that streams its answer sets this (read != NULL); the
	 * request owns ctx until the server takes it. */
	sp_stream stream;
	/* The login, set by the server before the handler runs (the server
	 * owns all of it).  session_token and session are set when a
	 * session cookie logged the request in, else NULL. */
	sp_auth *auth;
	sp_sessions *sessions;
	const char *session_token;
	const sp_session_info *session;
	const char *client;                /* the client's IP address */
	bool tls;                          /* the request came over TLS */
} sp_req;

/* Success: 0 and *ret (new reference).  Failure: -1 and *err. */
typedef int (*sp_handler)(sp_req *req, json_t **ret, sp_error *err);

struct sp_route {
	const char *method;
	const char *pattern;   /* "/spider/driver/:DriverName" */
	sp_handler handler;
	bool public;           /* no login needed */
	const void *ctx;       /* the handler's own: what the route is for */
	/* A session cookie logs in without the X-CSRF-Token header: the
	 * route only reads, and a browser may not be able to send headers
	 * (EventSource). */
	bool no_csrf;
	/* One of the web tool's login routes: its answers carry no Basic
	 * challenge (a browser would pop up its own login) and no CORS. */
	bool browser;
};

/* Path parameter by name (NULL when absent). */
const char *sp_req_param(const sp_req *req, const char *name);
/* Request header by name, case-insensitively (NULL when absent or
 * outside a server); valid until the answer is sent. */
const char *sp_req_header(const sp_req *req, const char *name);
/* Query value by key, case-insensitively (NULL when absent). */
const char *sp_req_query(const sp_req *req, const char *key);
/* ConnectionName from the body, else the query; required. */
int sp_req_connection(const sp_req *req, const char **ret, sp_error *err);
/* Acquire the request's connection (ConnectionName); the request holds
 * it until its answer is sent. */
int sp_req_open_conn(sp_req *req, sp_conn **ret, sp_error *err);
/* A string from the body, else the query; NULL when absent. */
int sp_req_string(const sp_req *req, const char *key, bool required,
		  const char **ret, sp_error *err);

/* Route tables of each family, NULL-terminated by a NULL pattern. */
extern const sp_route sp_routes_server[];
extern const sp_route sp_routes_cim[];
extern const sp_route sp_routes_catalog[];
extern const sp_route sp_routes_hiscall[];
extern const sp_route sp_routes_res[];
extern const sp_route sp_routes_events[];
extern const sp_route sp_routes_mcis[];
extern const sp_route sp_routes_session[];
extern const sp_route sp_routes_place[];

/* Match method+path against the tables.  On a match, fills req->params
 * (decoding the segments of path in place) and returns the route; with no
 * route for the path, *ret_status is 404, for the path but not the method,
 * 405.  Exposed for the unit tests. */
const sp_route *sp_router_match(const char *method, char *path, sp_req *req,
				unsigned *ret_status);

/* The methods served on path, as an Allow header value ("GET, POST"),
 * into buf; "" when none.  path is not modified. */
void sp_router_allowed(const char *path, char *buf, size_t size);

/* Map an error code to its HTTP status and "code" text. */
unsigned sp_http_status(sp_errcode code);
const char *sp_http_code_name(sp_errcode code);
/* {"message": ..., "code": ...} */
json_t *sp_error_json(const sp_error *err);

/* Wrappers of the reference: {"Result":"true"}, {"count":n}. */
json_t *sp_json_result_true(void);
json_t *sp_json_count(size_t n);

typedef struct sp_server sp_server;

typedef struct sp_server_config {
	const char *listen;      /* "ip:port", §1 rules */
	size_t max_body;
	unsigned max_connections;
	const char *web_dir;     /* the web tool's files; NULL: none */
	double session_idle_s;   /* web sessions end unused this long */
} sp_server_config;

/* Start serving: the API under /spider (login: auth, or a session cookie
 * of the web tool), the files of cfg->web_dir everywhere else.  auth must
 * outlive the server; the rest of cfg is copied or used only here. */
int sp_server_start(sp_core *core, sp_auth *auth, const sp_server_config *cfg,
		    sp_server **ret, sp_error *err);
/* The URL the server listens on, e.g. "http://127.0.0.1:1024". */
const char *sp_server_url(const sp_server *s);
/* The web tool's directory, resolved; NULL when there is none. */
const char *sp_server_web_dir(const sp_server *s);
/* Stop accepting, wait up to grace_s for requests in flight, stop. */
void sp_server_stop(sp_server *s, double grace_s);

#endif
