/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/conn.h - open connections: a connection config resolved to its
 * driver plugin, decrypted credential and region, with one driver session.
 *
 * Sessions are opened on first use and cached per connection name (the
 * original built a new cloud session for every call).  Any change to the
 * connection-setup objects invalidates the cache; a session still in use
 * is closed when its last user releases it.
 */
#ifndef SP_CORE_CONN_H
#define SP_CORE_CONN_H

#include "core/core.h"

typedef struct sp_conn {
	char *name;
	char *provider;
	char *region;        /* the Region key */
	char *zone;          /* the Zone key, or "" */
	char *regionzone;    /* "region/zone" for the call history */
	const sp_plugin *plugin;
	sp_session *session;
	sp_core *core;
	/* private to conn.c */
	unsigned refs;
	struct sp_conn *next;
} sp_conn;

int sp_conn_cache_new(sp_conn_cache **ret);
void sp_conn_cache_free(sp_conn_cache *c);

/* Drop every cached session (call after any connection-setup change). */
void sp_conn_cache_invalidate(sp_core *core);

/* Get the open connection called name.  SP_ERR_NOT_FOUND when there is no
 * such connection config; SP_ERR_INVALID when it cannot be opened. */
int sp_conn_acquire(sp_core *core, const char *name, sp_conn **ret,
		    sp_error *err);
void sp_conn_release(sp_conn *c);
/* One more reference to a connection already held; returns c. */
sp_conn *sp_conn_ref(sp_conn *c);

/* Open an uncached session from a driver and a credential alone, in the
 * provider's default region: for looking at a cloud (its regions) before
 * any connection config exists.  Released with sp_conn_release(). */
int sp_conn_open_preconfig(sp_core *core, const char *driver,
			   const char *credential, sp_conn **ret,
			   sp_error *err);


/* A driver call in progress: times it and records it in the call history
 * when it ends. */
typedef struct sp_call {
	sp_conn *conn;
	const char *resource_type;   /* call-history type, e.g. "VMSPEC" */
	const char *resource_name;
	const char *api;             /* e.g. "ListVMSpec()" */
	const char *func;
	int line;
	double t0;
} sp_call;

/* Start a call; returns -1 with SP_ERR_UNSUPPORTED (naming the driver and
 * the operation) unless supported: the driver has no such table or method,
 * or the method lies beyond the table size the driver was built with.
 * That refusal is recorded in the call history like any failed call. */
int sp_call_begin(sp_call *call, sp_conn *conn, bool supported,
		  const char *resource_type, const char *resource_name,
		  const char *api, const char *func, int line, sp_error *err);
/* End a call that returned rc; records it.  Returns rc. */
int sp_call_end(sp_call *call, int rc, const sp_error *err);

/*
 * SP_TABLE_CALL(conn, tbl, method, rtype, rname, api, err, args...) calls
 * tbl->method(session, args..., err) when the table tbl (of conn's driver;
 * may be NULL) has the method within the size the driver was built with,
 * records the call, and evaluates to its result.  SP_DRIVER_CALL names
 * the table by its field in sp_driver.
 */
#define SP_TABLE_CALL(conn, tbl, method, rtype, rname, api, err, ...)             \
	({                                                                        \
		sp_call _c;                                                       \
		__typeof__(tbl) _t = (tbl);                                       \
		bool _has = _t && offsetof(__typeof__(*_t), method) <             \
					  _t->size && _t->method;                 \
		int _rc = sp_call_begin(&_c, (conn), _has,                         \
					(rtype), (rname), (api), __func__,        \
					__LINE__, (err));                         \
		if (_rc == 0)                                                     \
			_rc = sp_call_end(&_c,                                    \
					  _t->method((conn)->session,             \
						     __VA_ARGS__, (err)),         \
					  (err));                                 \
		_rc;                                                              \
	})

#define SP_DRIVER_CALL(conn, table, method, rtype, rname, api, err, ...)          \
	SP_TABLE_CALL(conn, (conn)->plugin->driver->table, method, rtype, rname,  \
		      api, err, __VA_ARGS__)

#endif
