/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/iid.h - resource types, the xid, the spXID (the name Spider asks a
 * cloud to give a new resource) and the stored form of a SystemId.
 *
 * A user names a resource ("vm-01"); Spider sends the cloud a generated
 * name, the spXID ("vm-01-9m4e2mr0ui3e8a215n4g"); the cloud answers with
 * its own ID ("i-0bc7123b7e5cbf79d").  The metadata row keeps the user
 * name as NameId and "<spXID>:<cspId>" as SystemId.
 */
#ifndef SP_CORE_IID_H
#define SP_CORE_IID_H

#include "core/provider.h"
#include "util/common.h"

/* Resource types with a name limit, in the order of sp_provider.id_max. */
typedef enum sp_rtype {
	SP_RT_VPC,
	SP_RT_SUBNET,
	SP_RT_SG,
	SP_RT_KEYPAIR,
	SP_RT_VM,
	SP_RT_DISK,
	SP_RT_NLB,
	SP_RT_MYIMAGE,
	SP_RT_CLUSTER,
	SP_RT_NODEGROUP,
	SP_RT_RDBMS,
	SP_RT_COUNT
} sp_rtype;

/* The lower-case API name ("vpc", "sg", "keypair", "nodegroup", ...);
 * NULL for a value out of range. */
const char *sp_rtype_name(sp_rtype type);

/* The display name used in messages and replies ("VPC", "Security Group",
 * "VM KeyPair", "Network Load Balancer", "Kubernetes Cluster",
 * "Kubernetes NodeGroup", "Relational Database", ...); NULL out of range. */
const char *sp_rtype_display(sp_rtype type);

/* Parse an API name in any case ("VPC", "sg", "NodeGroup").  Returns 0, or
 * -1 leaving *ret_type untouched when name is NULL or not one of the
 * names sp_rtype_name() gives.  Sets no error: the caller knows which
 * field was wrong. */
int sp_rtype_parse(const char *name, sp_rtype *ret_type);

/*
 * The xid: 20 characters of base32hex, lower case ([0-9a-v]), no padding,
 * encoding 12 bytes big-endian (the layout of the common "xid" format):
 *
 *   bytes 0..3   Unix time in seconds
 *   bytes 4..8   5 random bytes chosen once per process (again after fork)
 *   bytes 9..11  a counter that starts at a random value and goes up by
 *                one for every ID, modulo 2^24
 *
 * The alphabet sorts in ASCII order, so an xid made in a later second
 * sorts after one made earlier (strcmp); within a second, the counter
 * keeps the IDs of one process unique for 2^24 IDs.
 */
#define SP_XID_LEN 20

/* Write a new xid and its NUL into out.  Thread-safe.  Returns 0, or a
 * negative errno when the random bytes could not be read (then out is
 * not written). */
int sp_xid_new(char out[SP_XID_LEN + 1]);

/* The xid of the given parts, for tests and golden files: Unix seconds,
 * the 5 random bytes and the low 24 bits of counter.  Never fails. */
void sp_xid_from(uint32_t secs, const uint8_t rnd[5], uint32_t counter,
		 char out[SP_XID_LEN + 1]);

/* Flags of sp_spxid_ex(). */
enum {
	/* The VM runs Windows: on NCP its name is at most 15 characters. */
	SP_SPXID_WINDOWS_VM = 1u << 0,
};

/*
 * The spXID for user_name, a resource of type on provider p.
 *
 * transform false (IDTransformMode OFF): a copy of user_name, for every
 * provider and type.  Otherwise, first the special cases, each lower-cased
 * (ASCII) and, when longer than its maximum M, cut to its first M-5
 * characters followed by a 5-character suffix:
 *
 *   AZURE nodegroup             '-' removed, M = 12  (7 + 5)
 *   IBM nodegroup               M = 32  (27 + 5)
 *   NHN cluster, nodegroup      M = 20  (15 + 5)
 *   NCP vm with WINDOWS_VM      M = 15  (10 + 5)
 *   NCP cluster, nodegroup      '_' becomes '-', M = 20  (15 + 5)
 *   NCP rdbms                   always: first 24 characters + "-" + suffix
 *
 * The suffix is the low 25 bits of a fresh xid (one random bit and the
 * 24-bit counter) in the xid alphabet, so two long names with the same
 * start get different spXIDs.  (The original takes the first 5 characters
 * of the xid, which are its time and stay the same for 128 seconds; it
 * also cuts the name before its transformation, so an AZURE node group
 * could keep its '-' and capitals.)
 *
 * Every other case, with L = p->id_max[type]:
 *   1. prefix length P: L = 0 -> 9; 1 <= L <= 21 -> error; L > 21 -> L-21;
 *   2. cook: skip up to the first ASCII letter, then keep the characters
 *      of [A-Za-z0-9_-] until P are kept, and lower-case them;
 *      when nothing is left (a name without letters, like "123") the
 *      cooked name is "x", so the spXID still starts with a letter (the
 *      original gives "-<xid>", which GCP and Azure refuse); P >= 1
 *      always, so the length bound below still holds;
 *   3. spXID = cooked "-" xid;
 *   4. TENCENT: every '-' becomes '_'; any other provider: every '_'
 *      becomes '-'; then, for every provider, every "sg-" becomes "sg"
 *      (one pass, left to right: AWS refuses names "sg-*"; note that a
 *      cooked name ending in "sg" so loses its '-' before the xid).
 * The result is at most L characters when L > 0, 30 when L = 0.
 *
 * On success *ret_spxid is a new string the caller frees.  Errors:
 * SP_ERR_INVALID for an empty or NULL user_name and, when 1 <= L <= 21,
 * "The Minimum ID Length must be greater than 21!" (the case of KT
 * nodegroup, L = 20); SP_ERR_INTERNAL for a NULL provider, a type out of
 * range, no random bytes, or out of memory.
 */
int sp_spxid(const sp_provider *p, sp_rtype type, const char *user_name,
	     bool transform, char **ret_spxid, sp_error *err);

/* sp_spxid() with flags (SP_SPXID_*); sp_spxid() passes 0.  Flags that
 * do not apply to the provider and type are ignored. */
int sp_spxid_ex(const sp_provider *p, sp_rtype type, const char *user_name,
		bool transform, unsigned flags, char **ret_spxid,
		sp_error *err);

/*
 * The stored SystemId is "<spXID>:<cspId>".  Split it at the first ':'
 * (a CSP ID may hold ':' itself, an spXID never does).  Either part may
 * be empty.  On success *ret_spxid and *ret_csp_id are new strings the
 * caller frees; on failure neither is written.  Errors: SP_ERR_INTERNAL
 * when stored is NULL or has no ':' (the row is corrupt), or out of
 * memory.
 */
int sp_iid_split(const char *stored, char **ret_spxid, char **ret_csp_id,
		 sp_error *err);

/* "<spxid>:<csp_id>" as a new string the caller frees.  NULL when out of
 * memory, when an argument is NULL, or when spxid holds a ':' (a caller's
 * bug: sp_iid_split() could not give it back). */
char *sp_iid_join(const char *spxid, const char *csp_id);

#endif
