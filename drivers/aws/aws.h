/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drivers/aws/aws.h - internals of the AWS EC2 driver (not part of the ABI).
 *
 * Layers, bottom up:
 *   sigv4.c    Signature Version 4 (OpenSSL HMAC-SHA256), no I/O
 *   xml.c      capped, network-less, entity-less libxml2 parsing and the
 *              few tree helpers the resource code needs
 *   ec2.c      the EC2 Query API client of one session: a pool of curl
 *              handles sharing one connection cache (the pool size is the
 *              limit on calls in flight), per-call deadline, retries with
 *              jittered exponential backoff, AWS error -> sp_errcode,
 *              pagination, one call-history record per HTTP exchange
 *   driver.c   the driver table, open/close/check, AnyCall
 *   catalog.c  regions and zones, images, specs (cached with a TTL)
 *   net.c      VPCs, subnets, security groups and rules
 *   keypair.c, vm.c, disk.c (volumes, my images, tags)
 *
 * Every function returning int answers 0 or -1 with *err filled once,
 * where the failure happened.  Returned json_t and xmlDoc values are new
 * references owned by the caller.
 */
#ifndef SP_DRIVER_AWS_H
#define SP_DRIVER_AWS_H

#include <spider/driver.h>

#include <curl/curl.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AWS_API_VERSION "2016-11-15"
#define AWS_SERVICE "ec2"

/* ---- limits ------------------------------------------------------------ */
#define AWS_RESPONSE_MAX (8u << 20)   /* bytes of one HTTP response body */
#define AWS_PARAMS_MAX 256            /* query parameters of one call */
#define AWS_BODY_MAX (256u << 10)     /* bytes of one request body */
#define AWS_PAGES_MAX 1000            /* pages followed by one list */
#define AWS_ITEMS_MAX 100000          /* items gathered by one list */
#define AWS_INFLIGHT_DEFAULT 16       /* calls in flight per session */
#define AWS_INFLIGHT_MAX 256
#define AWS_ATTEMPTS_DEFAULT 5        /* tries per call, first included */
#define AWS_ATTEMPT_TIMEOUT_MS 20000  /* one HTTP exchange */
#define AWS_DEADLINE_MS 60000         /* one call, retries included */
#define AWS_BACKOFF_BASE_MS 100       /* first backoff ceiling */
#define AWS_BACKOFF_CAP_MS 5000       /* largest backoff ceiling */
#define AWS_CATALOG_TTL_S 3600        /* images, specs, regions */
#define AWS_LAUNCHED_MAX 256          /* instances remembered as launched */

/* ---- SigV4 (sigv4.c) ---------------------------------------------------- */

typedef struct aws_sigv4_req {
	const char *method;        /* "POST" */
	const char *path;          /* raw path, may hold a query after '?' */
	const sp_kv *headers;      /* every header to sign, any case/order */
	size_t n_headers;
	const void *body;
	size_t body_len;
	const char *amz_date;      /* "YYYYMMDDTHHMMSSZ" */
	const char *region;
	const char *service;
	const char *access_key;
	const char *secret_key;
} aws_sigv4_req;

typedef struct aws_sigv4_out {
	char *canonical_request;   /* all three owned; aws_sigv4_out_clear */
	char *string_to_sign;
	char *authorization;       /* the Authorization header's value */
} aws_sigv4_out;

int aws_sigv4_sign(const aws_sigv4_req *req, aws_sigv4_out *ret,
		   sp_error *err);
void aws_sigv4_out_clear(aws_sigv4_out *o);
/* "YYYYMMDDTHHMMSSZ" of t (UTC) into buf[17]. */
void aws_amz_date(time_t t, char buf[static 17]);
/* RFC 3986 unreserved-set percent-encoding of n bytes of s; a new string. */
char *aws_uri_encode(const char *s, size_t n, bool keep_slash);

/* ---- XML (xml.c) --------------------------------------------------------- */

/* Parse an EC2 response: len <= AWS_RESPONSE_MAX, no network, no DTD
 * loading, no entity substitution, and a document carrying a DTD is
 * refused (EC2 never sends one).  *ret is freed with xmlFreeDoc. */
int aws_xml_parse(const char *buf, size_t len, xmlDoc **ret, sp_error *err);
/* The first element child of n with this local name (any namespace). */
xmlNode *aws_xml_child(const xmlNode *n, const char *name);
/* Walk "a/b/c" of element local names from n. */
xmlNode *aws_xml_path(const xmlNode *n, const char *path);
/* The text of n's direct text children (a pointer into the tree, or ""
 * when n is NULL or has none; never a copy). */
const char *aws_xml_text(const xmlNode *n);
/* aws_xml_text(aws_xml_path(n, path)). */
const char *aws_xml_str(const xmlNode *n, const char *path);
/* The next element sibling named like n (for item lists). */
xmlNode *aws_xml_next(const xmlNode *n);
/* The first <item> under n/path. */
xmlNode *aws_xml_items(const xmlNode *n, const char *path);
/* An element tree as JSON: an element whose children are all <item> is an
 * array, other elements with element children objects, leaves strings. */
json_t *aws_xml_to_json(const xmlNode *n);
/* EC2's tagSet under n as [{"Key","Value"}], Name left out; *ret_name
 * (may be NULL) is the Name tag's value or NULL. */
json_t *aws_xml_tags(const xmlNode *n, const char **ret_name);

static inline void aws_xml_freep(xmlDoc **d)
{
	if (*d)
		xmlFreeDoc(*d);
}
#define _cleanup_xml_ __attribute__((cleanup(aws_xml_freep)))

/* ---- the EC2 client (ec2.c) ---------------------------------------------- */

typedef struct aws_params {
	size_t n;
	bool overflow;
	struct {
		char *key;
		char *value;
	} p[AWS_PARAMS_MAX];
} aws_params;

void aws_params_clear(aws_params *p);
#define _cleanup_params_ __attribute__((cleanup(aws_params_clear)))
/* Append key=value; keys are printf formats.  An overflow is remembered
 * and reported by the call. */
void aws_params_add(aws_params *p, const char *value, const char *key_fmt,
		    ...) __attribute__((format(printf, 3, 4)));
/* TagSpecification.<i>.ResourceType=type with Name=name and the tags of
 * a [{"Key","Value"}] array. */
void aws_params_tagspec(aws_params *p, unsigned i, const char *type,
			const char *name, json_t *tags);

struct aws_launched {
	char id[32];
};

struct sp_session {
	const sp_host *host;
	void *host_ctx;
	char *access_key;
	char *secret_key;
	char *token;              /* may be NULL */
	char *region;
	char *zone;
	char *endpoint;           /* NULL: https://ec2.<region>.amazonaws.com/ */

	unsigned attempts;        /* per call */
	long attempt_timeout_ms;
	long deadline_ms;
	unsigned backoff_base_ms;

	CURLSH *share;
	pthread_mutex_t share_lock[CURL_LOCK_DATA_LAST];

	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	unsigned inflight, inflight_max;
	size_t pool_n;
	CURL *pool[AWS_INFLIGHT_MAX];

	pthread_mutex_t cache_lock;
	json_t *images, *specs, *regions;
	double images_at, specs_at, regions_at;

	pthread_mutex_t launched_lock;
	struct aws_launched launched[AWS_LAUNCHED_MAX];
	size_t launched_next;
};

/* One EC2 call: action with params, in region (NULL: the session's).
 * rtype/rname name the call-history record.  On success *ret_doc is the
 * parsed answer. */
int aws_call(sp_session *s, const char *region, const char *action,
	     aws_params *params, const char *rtype, const char *rname,
	     xmlDoc **ret_doc, sp_error *err);

/* Called for every <item> under set_path of every page; returns 0 or -1
 * (with err filled) to stop. */
typedef int (*aws_item_fn)(sp_session *s, xmlNode *item, void *ctx,
			   sp_error *err);
/* Every page of a Describe call (NextToken), max_results > 0 asks pages
 * of that size. */
int aws_call_pages(sp_session *s, const char *region, const char *action,
		   aws_params *params, int max_results, const char *set_path,
		   const char *rtype, aws_item_fn fn, void *ctx, sp_error *err);

/* A Describe call that lists all or reads one by ID (the disks, images,
 * VPCs, security groups and key pairs of the session's region). */
typedef struct aws_describe {
	const char *action;    /* "DescribeVolumes" */
	const char *id_param;  /* "VolumeId.1" */
	const char *set_path;  /* "volumeSet" */
	const char *rtype;     /* call-history type, "DISK" */
	const char *noun;      /* "volume", for the not-found message */
	int page;              /* MaxResults when listing all; 0: none */
	aws_item_fn fn;
} aws_describe;

/* Run d with params p (more filters may be in it), only (NULL: all)
 * as its ID; fn(ctx) files the items, which land in list.  Asking for
 * one that EC2 has not is SP_ERR_NOT_FOUND naming d->noun. */
int aws_describe_run(sp_session *s, const aws_describe *d, aws_params *p,
		     const char *only, void *ctx, const json_t *list,
		     sp_error *err);

/* The sp_errcode of an EC2 error code, and whether it is retried. */
sp_errcode aws_error_code(const char *code, long http_status);
bool aws_error_retryable(const char *code, long http_status);

/* The backoff ceiling before retry n (1-based) and a jittered wait in
 * [ceiling/2, ceiling] drawn from seed. */
unsigned aws_backoff_ms(unsigned base_ms, unsigned n, uint64_t *seed);

/* ---- helpers shared by the resource files (driver.c) --------------------- */

int aws_oom(sp_error *err);
double aws_now_mono(void);
/* The cloud ID of an IID: SystemId, or NameId when that is empty. */
int aws_iid_id(const sp_iid *iid, const char *what, const char **ret,
	       sp_error *err);
/* A required string member of a request, SP_ERR_INVALID naming it. */
int aws_req_str(json_t *req, const char *key, bool required,
		const char **ret, sp_error *err);
/* The cloud ID inside a request's IID member. */
int aws_req_iid(json_t *req, const char *key, bool required,
		const char **ret, sp_error *err);
json_t *aws_iid_json(const char *name_id, const char *system_id);
/* "k":"v" pairs as a KeyValueList; NULL and "" values are left out. */
json_t *aws_kvlist(const char *k, ...) __attribute__((sentinel));
int aws_json_append(json_t *arr, json_t *v, sp_error *err);
/* A full list: nothing more than the items parsed so far (cap). */
int aws_items_cap(json_t *arr, const char *what, sp_error *err);

/* Remember an instance this session launched (pending means Creating). */
void aws_launched_add(sp_session *s, const char *id);
bool aws_launched_take(sp_session *s, const char *id, bool still_pending);

/* ---- resource tables ----------------------------------------------------- */
extern const sp_regionzone_ops aws_regionzone_ops;
extern const sp_image_ops aws_image_ops;
extern const sp_spec_ops aws_spec_ops;
extern const sp_resource_ops aws_vpc_ops;
extern const sp_subnet_ops aws_subnet_ops;
extern const sp_resource_ops aws_sg_ops;
extern const sp_sgrule_ops aws_sgrule_ops;
extern const sp_resource_ops aws_keypair_ops;
extern const sp_resource_ops aws_vm_ops;
extern const sp_vm_ops aws_vmctl_ops;
extern const sp_resource_ops aws_disk_ops;
extern const sp_disk_ops aws_diskctl_ops;
extern const sp_resource_ops aws_myimage_ops;
extern const sp_tag_ops aws_tag_ops;

/* Shared by files: the subnet infos of one VPC, a VPC's info, a VM status. */
int aws_vpc_info(sp_session *s, const char *vpc_id, json_t **ret,
		 sp_error *err);
int aws_sg_info(sp_session *s, const char *sg_id, json_t **ret,
		sp_error *err);
int aws_keypair_import(sp_session *s, const char *name, const char *pubkey,
		       json_t *tags, json_t **ret, sp_error *err);
/* The VMInfo of one DescribeInstances instance item; vols (may be NULL)
 * is {volumeId: {"type","size"}} for the root disk's facts. */
json_t *aws_vm_info(sp_session *s, xmlNode *inst, json_t *vols);
sp_vm_status aws_vm_status_map(sp_session *s, const char *id,
			       const char *state);
/* Attach a volume to an instance at its first free /dev/sd[f-p]. */
int aws_volume_attach(sp_session *s, const char *vol, const char *vm_id,
		      sp_error *err);
/* The zone a new object goes to when none is given: the session's, else
 * the region's first available one. */
int aws_default_zone(sp_session *s, char **ret, sp_error *err);
/* The OpenSSH public key line of a PEM private key; a new string. */
char *aws_ssh_pubkey(const char *pem);

#endif
