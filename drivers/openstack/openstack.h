/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/openstack/openstack.h - internals of the OpenStack driver (not
 * part of the ABI).
 *
 * A session holds the connection's credential, a Keystone v3 token scoped
 * to the project with the endpoints read from its catalogue (compute,
 * network, image for the session's region; public, else internal), the
 * negotiated compute microversion, and a small pool of curl handles whose
 * connections are kept open between calls.  The token is taken at the
 * first call, renewed a quarter of its lifetime (at most 5 minutes) before
 * it expires, and once more when a service answers 401.
 *
 * Every HTTP exchange with OpenStack goes through os_call(), which records
 * it in the call history, retries what may be retried within a deadline,
 * caps the response size and turns OpenStack's error bodies into our
 * codes with OpenStack's own message.
 *
 * map.c holds the pure conversions between OpenStack's documents and
 * Spider's shapes; they touch no session and are unit-tested on recorded
 * bodies (tests/data/openstack).
 */
#ifndef SP_DRIVER_OPENSTACK_H
#define SP_DRIVER_OPENSTACK_H

#include <spider/driver.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Caps. */
#define OS_BODY_MAX (16u << 20)     /* one response body */
#define OS_TOKEN_MAX 16384          /* the X-Subject-Token header */
#define OS_PAGE_LIMIT 500           /* items asked per page */
#define OS_ITEMS_MAX 100000         /* items of one list, over all pages */
#define OS_URL_MAX 2048
#define OS_POOL_MAX 16              /* idle curl handles kept */
/* Time limits, in seconds. */
#define OS_CONNECT_TIMEOUT 10
#define OS_ATTEMPT_TIMEOUT 60       /* one HTTP exchange */
#define OS_RETRY_WINDOW 30.0        /* retries stop this long after the first try */
#define OS_RENEW_MARGIN_MAX 300     /* renew the token at most this early */
#define OS_VM_GONE_WAIT 120.0       /* terminate waits this long for the server to go */
/* Compute microversions: the least the driver needs, and the most it
 * knows the answers of. */
#define OS_MV_MIN 47
#define OS_MV_MAX 93

enum os_service {
	OS_IDENTITY,
	OS_COMPUTE,
	OS_NETWORK,
	OS_IMAGE,
	OS_SERVICE__COUNT
};

struct os_pool;

struct sp_session {
	const sp_host *host;
	void *host_ctx;
	/* The connection: copied at open, never changed. */
	char *identity;   /* IdentityEndpoint, ending in /v3 */
	char *username, *password, *domain, *project;
	bool project_is_id;
	char *region, *zone;
	struct os_pool *pool;

	/* Under lock: the token, its endpoints and the microversion. */
	pthread_mutex_t lock;
	char *token;
	double renew_at;      /* CLOCK_REALTIME seconds */
	char *project_id;
	char *endpoint[OS_SERVICE__COUNT];
	unsigned microversion; /* 2.<microversion>, 0 until negotiated */
	/* Serialises logins, so a burst of callers makes one token. */
	pthread_mutex_t login_lock;
};

/* ---- map.c: conversions (new references; NULL when memory ran out) --- */

/* The SP_VM_* state of a server's status and OS-EXT-STS:task_state
 * (either may be NULL). */
sp_vm_status os_vm_status(const char *status, const char *task_state);
/* Seconds since the epoch of an ISO 8601 UTC time ("2026-01-02T15:04:05Z",
 * "2026-01-02T15:04:05.000000Z", with or without the Z); -1 if malformed. */
double os_time_parse(const char *s);
/* When to renew a token issued and expiring at these times: a quarter of
 * its lifetime before it expires, at most OS_RENEW_MARGIN_MAX early. */
double os_token_renew_at(double issued, double expires);
/* The same time as "2026-01-02T15:04:05Z" into buf; "" if malformed. */
void os_time_rfc3339(const char *s, char buf[static 32]);
/* Our code and a message from an OpenStack error answer: nova's
 * {"itemNotFound":{"message"}}, neutron's {"NeutronError":{"type",
 * "message"}}, keystone's {"error":{"message","title"}}, placement's
 * {"errors":[{"detail"}]}, or glance's plain text or HTML. */
sp_errcode os_error_code(long http_status);
void os_error_text(const char *body, size_t len, char *type, size_t type_size,
		   char *msg, size_t msg_size);
/* The URL of the service type's endpoint for region in a Keystone v3
 * token document ({"token":{"catalog":[...]}}), public before internal;
 * NULL when there is none.  Borrowed from token. */
const char *os_catalog_url(json_t *token, const char *type,
			   const char *region);
/* "k=v" tags of OpenStack and Spider's {"Key","Value"}. */
json_t *os_tags_info(json_t *tags);
/* A tag string for OpenStack into buf: 0, or -1 when it cannot be one
 * (nova: at most 60 characters, no '/' or ','). */
int os_tag_string(const char *key, const char *value, char *buf, size_t size);

/* Spider shapes. */
json_t *os_region_info(json_t *region, json_t *zones);
json_t *os_image_info(json_t *image);
json_t *os_myimage_info(json_t *image);
json_t *os_spec_info(json_t *flavor, const char *region);
/* A VPC from a network and every subnet of the project (only the
 * network's are taken). */
json_t *os_vpc_info(json_t *network, json_t *subnets, const char *zone);
json_t *os_subnet_info(json_t *subnet, const char *zone);
json_t *os_sg_info(json_t *sg);
/* One neutron rule as a Spider rule. */
json_t *os_rule_info(json_t *rule);
json_t *os_keypair_info(json_t *keypair);
/* A VMInfo from a server, the ports of the project (only the server's
 * are taken) and the session's region. */
json_t *os_vm_info(json_t *server, json_t *ports, const char *region);

/* ---- http.c --------------------------------------------------------- */

struct os_pool *os_pool_new(void);
void os_pool_free(struct os_pool *p);

/* What a call is for, in the call history. */
struct os_what {
	const char *rtype;   /* "VM", "VPC/SUBNET", ... */
	const char *rname;
};

/*
 * One call to service svc: method on path (relative to the service's
 * endpoint; an absolute URL is taken as is), with body (borrowed; NULL for
 * none).  On 2xx, *ret_body (when not NULL) gets the parsed answer, or
 * NULL when it had none.  Otherwise fills err (SP_ERR_NOT_FOUND for 404,
 * ...) with OpenStack's message.
 */
int os_call(sp_session *s, const struct os_what *w, enum os_service svc,
	    const char *method, const char *path, json_t *body,
	    json_t **ret_body, sp_error *err);
/* Every item of a paged list: GET path (which may carry a query), follow
 * "next" links or markers until the last page; key is the list's key
 * ("servers").  Glance pages by "next", nova and neutron by
 * "<key>_links". */
int os_list(sp_session *s, const struct os_what *w, enum os_service svc,
	    const char *path, const char *key, json_t **ret_array,
	    sp_error *err);

/* ---- auth.c --------------------------------------------------------- */

/* A token, its endpoints and the microversion, made now if there is none
 * or it is due for renewal.  force makes a new one unless another thread
 * did since *seen was taken (seen may be NULL). */
int os_auth_ensure(sp_session *s, const struct os_what *w, bool force,
		   const char *seen, sp_error *err);
/* Copies of the token and the service's endpoint (free both). */
int os_auth_get(sp_session *s, const struct os_what *w, enum os_service svc,
		char **ret_token, char **ret_url, unsigned *ret_mv,
		sp_error *err);
/* http.c, for auth.c: a call without a token (a relative path is
 * Keystone's); ret_subject (may be NULL) gets X-Subject-Token. */
int os_anon_call(sp_session *s, const struct os_what *w, enum os_service svc,
		 const char *method, const char *path, json_t *body,
		 json_t **ret_body, char **ret_subject, sp_error *err);
const char *os_service_name(enum os_service svc);
/* The ID of the session's project (free it). */
int os_project(sp_session *s, const struct os_what *w, char **ret_id, sp_error *err);

/* ---- helpers (driver.c) --------------------------------------------- */

int os_oom(sp_error *err);
/* Wipe and free a secret (a password, a token); accepts NULL. */
void os_free_secret(char *p);
static inline void os_free_secretp(char **p)
{
	os_free_secret(*p);
}
/* The cloud ID an IID names: system_id, else name_id; NULL if neither. */
const char *os_iid_id(const sp_iid *iid);
/* The same in a JSON IID. */
const char *os_json_iid_id(json_t *iid);
/* The request's string field ("" when absent or null); SP_ERR_INVALID
 * naming the field when it is not a string. */
int os_req_str(json_t *req, const char *key, const char **ret, sp_error *err);
/* The request's TagList as OpenStack tags ("k=v" strings), checked;
 * prefix names its place in messages ("" or "SubnetInfoList[0]."). */
int os_req_tags(json_t *req, const char *prefix, json_t **ret_tags, sp_error *err);
/* {"NameId": name, "SystemId": id}; an empty name takes the id. */
json_t *os_iid(const char *name, const char *id);
/* A path with its ID percent-encoded: fmt has one %s. */
char *os_path(const char *fmt, const char *id);
/* A path with two IDs percent-encoded: fmt has two %s. */
char *os_path2(const char *fmt, const char *a, const char *b);
/* Whether s is safe in a URL path segment as it is. */
bool os_id_plain(const char *s);
double os_now(void);
void os_sleep(double seconds);

/* The tables. */
extern const sp_regionzone_ops os_regionzone_ops;
extern const sp_image_ops os_image_ops;
extern const sp_spec_ops os_spec_ops;
extern const sp_resource_ops os_vpc_ops;
extern const sp_subnet_ops os_subnet_ops;
extern const sp_resource_ops os_sg_ops;
extern const sp_sgrule_ops os_sgrule_ops;
extern const sp_resource_ops os_keypair_ops;
extern const sp_resource_ops os_vm_ops;
extern const sp_vm_ops os_vmctl_ops;
extern const sp_resource_ops os_myimage_ops;
extern const sp_tag_ops os_tag_ops;

/* Shared lookups (compute.c / net.c). */
int os_image_resolve(sp_session *s, const struct os_what *w, const char *name,
		     json_t **ret_image, sp_error *err);
int os_keypair_fetch(sp_session *s, const struct os_what *w, const char *name,
		     json_t **ret_keypair, sp_error *err);
int os_flavor_resolve(sp_session *s, const struct os_what *w, const char *name,
		      json_t **ret_flavor, sp_error *err);

#endif
