/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spider/driver.h - the driver ABI: everything a cloud driver author needs.
 *
 * A driver is a shared object in the driver directory.  It exports exactly
 * one symbol, SP_DRIVER_ENTRY ("sp_driver_entry"), a function returning a
 * pointer to a static, constant sp_driver table.  The daemon dlopen()s the
 * file with RTLD_NOW | RTLD_LOCAL, resolves that symbol, checks
 * abi_version and size before touching anything else, and never unloads
 * the driver while it runs.
 *
 * Resource data crosses the ABI as jansson values (json_t) in the shapes of
 * the Spider REST reference (RegionZoneInfo, ImageInfo, VMSpecInfo, ...).
 * Ownership rule for every method: a json_t written to a ret_ parameter is
 * a new reference owned by the caller, who releases it with json_decref();
 * arguments are borrowed.  ret_ parameters are written only on success.
 * A result may be shared (a driver may hand out json_incref() of a cached
 * list), so callers treat results as read-only and json_deep_copy() one
 * before changing it; drivers never change a value once handed out.
 *
 * Every method returns 0 on success or -1 on failure, in which case it has
 * filled *err with one of the SP_ERR_* codes and a message that names the
 * subject in quotes.  Drivers never produce the "not supported" error
 * themselves: a NULL method or a NULL table means "unsupported", and the
 * daemon answers 501 naming the driver and the operation.
 *
 * Threading: open() and close() are called once per session; every other
 * method may be called from many threads at once on the same session.
 */
#ifndef SPIDER_DRIVER_H
#define SPIDER_DRIVER_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change to the structures below. */
#define SP_DRIVER_ABI_VERSION 2u
#define SP_DRIVER_ENTRY "sp_driver_entry"

#if defined(__GNUC__)
#define SP_DRIVER_EXPORT __attribute__((visibility("default")))
#else
#define SP_DRIVER_EXPORT
#endif

/* Error domain shared by drivers and the daemon.  The REST edge maps each
 * code to one HTTP status; nothing else does. */
typedef enum sp_errcode {
	SP_ERR_NONE = 0,
	SP_ERR_INVALID,     /* 400: bad input */
	SP_ERR_AUTH,        /* 401: the cloud refused our credentials */
	SP_ERR_FORBIDDEN,   /* 403: the cloud refused the operation */
	SP_ERR_NOT_FOUND,   /* 404: no such object */
	SP_ERR_CONFLICT,    /* 409: duplicate, busy, or wrong state */
	SP_ERR_TOO_LARGE,   /* 413: request or response over its cap */
	SP_ERR_UNSUPPORTED, /* 501: the driver lacks the operation */
	SP_ERR_CLOUD,       /* 502: the cloud answered with an error */
	SP_ERR_UNAVAILABLE, /* 503: our own store or service is down */
	SP_ERR_TIMEOUT,     /* 504: the cloud did not answer in time */
	SP_ERR_INTERNAL,    /* 500: our own fault (out of memory, bug) */
} sp_errcode;

#define SP_ERROR_MESSAGE_MAX 1024

typedef struct sp_error {
	sp_errcode code;
	char message[SP_ERROR_MESSAGE_MAX];
} sp_error;

/* Fill *err (if not NULL).  Always returns -1 so a method can end with
 * "return sp_error_set(err, ...);". */
static inline int __attribute__((format(printf, 3, 4)))
sp_error_set(sp_error *err, sp_errcode code, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

typedef struct sp_kv {
	const char *key;
	const char *value;
} sp_kv;

/* Services the daemon lends to a driver. */
typedef struct sp_host {
	unsigned abi_version;
	/*
	 * Record one call to the cloud's own API in the call history.  The
	 * daemon already records every driver method; a driver that makes
	 * several cloud calls per method records each of them here.
	 * resource_type is one of the call-history types ("VM", "VPC/SUBNET",
	 * ...); error is NULL or "" on success.  Thread-safe.
	 */
	void (*call_record)(void *host_ctx, const char *resource_type,
			    const char *resource_name, const char *cloud_api,
			    double elapsed_seconds, const char *error);
} sp_host;

/* What a driver is told when a session opens.  All borrowed, valid only
 * during open(): a driver copies what it keeps. */
typedef struct sp_conn_info {
	const char *connection_name;
	const char *provider;        /* upper-case, e.g. "MOCK" */
	const sp_kv *credential;     /* canonical keys, decrypted */
	size_t credential_count;
	const sp_kv *region;         /* "Region", "Zone", and extra keys */
	size_t region_count;
	/* The driver's own writable directory, already there: one per driver
	 * (shared by all its connections), kept across restarts. */
	const char *state_dir;
} sp_conn_info;

/* A driver-defined connection session. */
typedef struct sp_session sp_session;

/* Capability flags reported by GET /spider/driver/capability. */
enum {
	SP_CAP_ZONE_BASED_CONTROL = 1u << 0,
	SP_CAP_VPC_CIDR = 1u << 1,
	SP_CAP_EMULATED_VPC = 1u << 2,
	SP_CAP_SINGLE_VPC = 1u << 3,
};

/* Regions and zones: RegionZoneInfo objects. */
typedef struct sp_regionzone_ops {
	size_t size; /* sizeof(sp_regionzone_ops) as the driver was built */
	int (*list)(sp_session *s, json_t **ret_array, sp_error *err);
	int (*get)(sp_session *s, const char *name, json_t **ret_info,
		   sp_error *err);
	/* The cloud's own region documents, and the zone documents of the
	 * session's region, unmodified. */
	int (*list_org_region)(sp_session *s, json_t **ret_raw, sp_error *err);
	int (*list_org_zone)(sp_session *s, json_t **ret_raw, sp_error *err);
} sp_regionzone_ops;

/* Public images: ImageInfo objects. */
typedef struct sp_image_ops {
	size_t size;
	int (*list)(sp_session *s, json_t **ret_array, sp_error *err);
	int (*get)(sp_session *s, const char *name, json_t **ret_info,
		   sp_error *err);
} sp_image_ops;

/* VM specs: VMSpecInfo objects; "org" variants return the raw document. */
typedef struct sp_spec_ops {
	size_t size;
	int (*list)(sp_session *s, json_t **ret_array, sp_error *err);
	int (*get)(sp_session *s, const char *name, json_t **ret_info,
		   sp_error *err);
	int (*list_org)(sp_session *s, json_t **ret_raw, sp_error *err);
	int (*get_org)(sp_session *s, const char *name, json_t **ret_raw,
		       sp_error *err);
} sp_spec_ops;

/* Prices.  region is a region name of the cloud; product_family is one of
 * list_product_family's answers ("compute" when the caller names none);
 * filter is a borrowed array of {"Key","Value"} (may be NULL). */
typedef struct sp_price_ops {
	size_t size;
	int (*list_product_family)(sp_session *s, const char *region,
				   json_t **ret_array, sp_error *err);
	int (*get_price_info)(sp_session *s, const char *product_family,
			      const char *region, json_t *filter,
			      json_t **ret_cloud_price, sp_error *err);
} sp_price_ops;

/*
 * Cloud resources (VPC, security group, key pair, VM, disk, my image).
 *
 * The daemon keeps the user's names; a driver only ever sees the cloud
 * side of an identifier, an IID:
 *
 *   name_id    the spXID: the name Spider asks the cloud to give a new
 *              object (the user's name itself with IDTransformMode OFF);
 *   system_id  the cloud's own ID for the object ("" before it exists).
 *
 * In JSON an IID is {"NameId": <spXID>, "SystemId": <cloud id>}.  Every
 * IID a driver returns, and every IID inside a request, is in this cloud
 * form; the daemon maps them to and from user names.  A driver that
 * cannot tell an object's spXID (an object made outside Spider) puts its
 * cloud name, or its ID, in NameId.
 *
 * Requests ("req") are the ReqInfo shapes of the REST reference with
 * every user name already resolved to an IID:
 *
 *   vpc      {"IId":{"NameId"}, "IPv4_CIDR", "TagList",
 *             "SubnetInfoList":[{"IId":{"NameId"}, "Zone", "IPv4_CIDR",
 *                                "TagList"}]}
 *   sg       {"IId":{"NameId"}, "VpcIID":IID, "TagList",
 *             "SecurityRules":[rule]}
 *   keypair  {"IId":{"NameId"}, "TagList", "PublicKey"?}
 *             (with a PublicKey, one OpenSSH public key line, the driver
 *             imports that key instead of making one, and its answer has
 *             no PrivateKey; an answer with a PrivateKey, or with another
 *             key, means the driver cannot import: the daemon removes
 *             what it made and answers 501)
 *   vm       {"IId":{"NameId"}, "ImageType":"PublicImage|MyImage",
 *             "ImageIID":IID, "VMSpecName", "VpcIID":IID,
 *             "SubnetIID":IID, "SecurityGroupIIDs":[IID],
 *             "KeyPairIID":IID, "RootDiskType", "RootDiskSize",
 *             "DataDiskIIDs":[IID], "VMUserId", "VMUserPasswd",
 *             "TagList"}
 *             (a public image's IID carries the image name in both parts)
 *   disk     {"IId":{"NameId"}, "Zone", "DiskType", "DiskSize", "TagList"}
 *   myimage  {"IId":{"NameId"}, "SourceVM":IID, "TagList"}
 *
 * where rule = {"Direction":"inbound|outbound", "IPProtocol":
 * "TCP|UDP|ICMP|ALL", "FromPort", "ToPort", "CIDR"}, already normalised
 * (ports are strings, "-1" for ICMP and ALL), and a tag is
 * {"Key","Value"}.  Zone "" means the session's zone.
 *
 * Results are the info shapes of the reference (VPCInfo, SecurityInfo,
 * KeyPairInfo, VMInfo, DiskInfo, MyImageInfo) with cloud IIDs.  A VMInfo
 * carries no status (ask get_status).  KeyPairInfo carries "PrivateKey"
 * only in create's answer.
 */
typedef struct sp_iid {
	const char *name_id;
	const char *system_id;
} sp_iid;

/* The ten VM states of the API.  A driver maps its cloud's states onto
 * these and never reports anything else. */
typedef enum sp_vm_status {
	SP_VM_CREATING,
	SP_VM_RUNNING,
	SP_VM_SUSPENDING,
	SP_VM_SUSPENDED,
	SP_VM_RESUMING,
	SP_VM_REBOOTING,
	SP_VM_TERMINATING,
	SP_VM_TERMINATED,
	SP_VM_NOT_EXIST,
	SP_VM_FAILED,
	SP_VM_STATUS_COUNT
} sp_vm_status;

typedef enum sp_vm_action {
	SP_VM_SUSPEND,
	SP_VM_RESUME,
	SP_VM_REBOOT,
} sp_vm_action;

/*
 * The methods every resource has.  create() makes the object and returns
 * its info once the cloud has accepted it (a VM may still be Creating);
 * it either makes the whole object or nothing.  list() returns the infos
 * of every object of the type the cloud has in the session's region
 * (Spider-made or not).  get() and remove() fail with SP_ERR_NOT_FOUND
 * when the cloud has no such object.  remove() of a VM starts its
 * termination; the daemon then polls get_status().
 */
typedef struct sp_resource_ops {
	size_t size;
	int (*create)(sp_session *s, json_t *req, json_t **ret_info,
		      sp_error *err);
	int (*list)(sp_session *s, json_t **ret_array, sp_error *err);
	int (*get)(sp_session *s, const sp_iid *iid, json_t **ret_info,
		   sp_error *err);
	int (*remove)(sp_session *s, const sp_iid *iid, sp_error *err);
} sp_resource_ops;

/* Subnets of a VPC.  add_subnet() takes one subnet request and returns
 * the whole VPCInfo. */
typedef struct sp_subnet_ops {
	size_t size;
	int (*add)(sp_session *s, const sp_iid *vpc, json_t *subnet_req,
		   json_t **ret_vpc_info, sp_error *err);
	int (*remove)(sp_session *s, const sp_iid *vpc, const sp_iid *subnet,
		      sp_error *err);
} sp_subnet_ops;

/* Rules of a security group; rules is an array of normalised rules.
 * Adding a rule the group has, or removing one it lacks, is
 * SP_ERR_CONFLICT / SP_ERR_NOT_FOUND, and changes nothing. */
typedef struct sp_sgrule_ops {
	size_t size;
	int (*add)(sp_session *s, const sp_iid *sg, json_t *rules,
		   json_t **ret_sg_info, sp_error *err);
	int (*remove)(sp_session *s, const sp_iid *sg, json_t *rules,
		      sp_error *err);
} sp_sgrule_ops;

/* VM control.  control() starts the action and returns the state the VM
 * is in right after (Suspending, Resuming, Rebooting); an action that
 * makes no sense in the VM's state fails with SP_ERR_CONFLICT naming the
 * state. */
typedef struct sp_vm_ops {
	size_t size;
	int (*control)(sp_session *s, const sp_iid *vm, sp_vm_action action,
		       sp_vm_status *ret_status, sp_error *err);
	int (*get_status)(sp_session *s, const sp_iid *vm,
			  sp_vm_status *ret_status, sp_error *err);
	/* Optional: the states of n VMs (n <= SP_VM_STATUS_BATCH_MAX) in one
	 * cloud call, as a cloud's describe-by-IDs does; ret_statuses[i] is
	 * vms[i]'s, SP_VM_NOT_EXIST for one the cloud does not know.  The
	 * daemon uses it to read many VMs' states in one round trip instead
	 * of one call per VM. */
	int (*get_statuses)(sp_session *s, const sp_iid *vms, size_t n,
			    sp_vm_status *ret_statuses, sp_error *err);
} sp_vm_ops;

#define SP_VM_STATUS_BATCH_MAX 1000

/* Disk changes.  size is a decimal string of GB, larger than now. */
typedef struct sp_disk_ops {
	size_t size;
	int (*resize)(sp_session *s, const sp_iid *disk, const char *size_gb,
		      sp_error *err);
	int (*attach)(sp_session *s, const sp_iid *disk, const sp_iid *vm,
		      json_t **ret_disk_info, sp_error *err);
	int (*detach)(sp_session *s, const sp_iid *disk, const sp_iid *vm,
		      sp_error *err);
} sp_disk_ops;

/* Tags on any resource; type is the API name ("vpc", "subnet", "sg",
 * "keypair", "vm", "disk", "myimage").  Results: a {"Key","Value"}
 * object, or an array of them.  Setting a key that exists replaces its
 * value. */
typedef struct sp_tag_ops {
	size_t size;
	int (*add)(sp_session *s, const char *type, const sp_iid *iid,
		   const char *key, const char *value, sp_error *err);
	int (*list)(sp_session *s, const char *type, const sp_iid *iid,
		    json_t **ret_array, sp_error *err);
	int (*get)(sp_session *s, const char *type, const sp_iid *iid,
		   const char *key, json_t **ret_tag, sp_error *err);
	int (*remove)(sp_session *s, const char *type, const sp_iid *iid,
		      const char *key, sp_error *err);
} sp_tag_ops;

/* The driver-specific escape hatch: req is {"FID", "IKeyValueList"},
 * the answer {"FID", "IKeyValueList", "OKeyValueList"}.  An unknown FID
 * is SP_ERR_INVALID. */
typedef int (*sp_anycall_fn)(sp_session *s, json_t *req, json_t **ret,
			     sp_error *err);

typedef struct sp_driver {
	const char *name;       /* short plugin name, e.g. "mock" */
	unsigned abi_version;   /* SP_DRIVER_ABI_VERSION */
	size_t size;            /* sizeof(sp_driver) as the driver was built */
	const char *provider;   /* the ProviderName it serves, e.g. "MOCK" */
	const char *version;    /* the driver's own version string */
	unsigned capabilities;  /* SP_CAP_* */

	/* Open a session for one connection config; required. */
	int (*open)(const sp_host *host, void *host_ctx,
		    const sp_conn_info *info, sp_session **ret_session,
		    sp_error *err);
	/* Release a session; accepts NULL; required. */
	void (*close)(sp_session *s);
	/* Ask the cloud whether the credential and region work (optional). */
	int (*check)(sp_session *s, sp_error *err);

	const sp_regionzone_ops *regionzone;
	const sp_image_ops *image;
	const sp_spec_ops *spec;
	const sp_price_ops *price;

	/* Resources; any table may be NULL. */
	const sp_resource_ops *vpc;
	const sp_subnet_ops *subnet;
	const sp_resource_ops *sg;
	const sp_sgrule_ops *sgrule;
	const sp_resource_ops *keypair;
	const sp_resource_ops *vm;
	const sp_vm_ops *vmctl;
	const sp_resource_ops *disk;
	const sp_disk_ops *diskctl;
	const sp_resource_ops *myimage;
	const sp_tag_ops *tag;
	sp_anycall_fn anycall;
} sp_driver;

/* The one symbol a driver exports. */
typedef const sp_driver *(*sp_driver_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SPIDER_DRIVER_H */
