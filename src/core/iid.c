/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "util/common.h"
#include "core/iid.h"
#include "util/crypto.h"

_Static_assert(SP_RT_COUNT == sizeof(((sp_provider *)0)->id_max) /
				      sizeof(((sp_provider *)0)->id_max[0]),
	       "sp_rtype must follow sp_provider.id_max");

static const char *const rtype_names[SP_RT_COUNT] = {
	"vpc", "subnet", "sg", "keypair", "vm", "disk", "nlb", "myimage",
	"cluster", "nodegroup", "rdbms",
};

static const char *const rtype_displays[SP_RT_COUNT] = {
	"VPC", "Subnet", "Security Group", "VM KeyPair", "VM", "Disk",
	"Network Load Balancer", "MyImage", "Kubernetes Cluster",
	"Kubernetes NodeGroup", "Relational Database",
};

const char *sp_rtype_name(sp_rtype type)
{
	return (unsigned)type < SP_RT_COUNT ? rtype_names[type] : NULL;
}

const char *sp_rtype_display(sp_rtype type)
{
	return (unsigned)type < SP_RT_COUNT ? rtype_displays[type] : NULL;
}

int sp_rtype_parse(const char *name, sp_rtype *ret_type)
{
	for (unsigned i = 0; name && i < SP_RT_COUNT; i++)
		if (strcasecmp(name, rtype_names[i]) == 0) {
			*ret_type = (sp_rtype)i;
			return 0;
		}
	return -1;
}

/* ---- xid ---- */

static const char b32hex[] = "0123456789abcdefghijklmnopqrstuv";

static pthread_once_t xid_once = PTHREAD_ONCE_INIT;
static int xid_err;                /* 0 or -errno, set by xid_seed() */
static uint8_t xid_rnd[5];
static atomic_uint_fast32_t xid_counter;

static int xid_reseed(void)
{
	uint8_t b[8];

	if (sp_random_bytes(b, sizeof(b)) < 0)
		return errno ? -errno : -EIO;
	memcpy(xid_rnd, b, sizeof(xid_rnd));
	atomic_store(&xid_counter,
		     (uint_fast32_t)b[5] << 16 | (uint_fast32_t)b[6] << 8 | b[7]);
	return 0;
}

/* A forked child is another process: it must not repeat its parent's
 * random bytes and counter. */
static void xid_atfork_child(void)
{
	xid_err = xid_reseed();
}

static void xid_seed(void)
{
	xid_err = xid_reseed();
	if (xid_err == 0)
		pthread_atfork(NULL, NULL, xid_atfork_child);
}

static int xid_raw(uint8_t id[12])
{
	uint32_t now = (uint32_t)time(NULL);
	uint32_t c;

	pthread_once(&xid_once, xid_seed);
	if (xid_err < 0)
		return xid_err;
	c = (uint32_t)atomic_fetch_add_explicit(&xid_counter, 1,
						memory_order_relaxed) + 1;
	id[0] = (uint8_t)(now >> 24);
	id[1] = (uint8_t)(now >> 16);
	id[2] = (uint8_t)(now >> 8);
	id[3] = (uint8_t)now;
	memcpy(id + 4, xid_rnd, sizeof(xid_rnd));
	id[9] = (uint8_t)(c >> 16);
	id[10] = (uint8_t)(c >> 8);
	id[11] = (uint8_t)c;
	return 0;
}

/* Base32hex, most significant bit first; the last character carries the
 * one remaining bit followed by four zero bits. */
static void xid_encode(const uint8_t id[12], char out[SP_XID_LEN + 1])
{
	unsigned acc = 0, bits = 0, n = 0;

	for (unsigned i = 0; i < 12; i++) {
		acc = (acc << 8 | id[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = b32hex[(acc >> bits) & 0x1f];
		}
	}
	out[n++] = b32hex[(acc << (5 - bits)) & 0x1f];
	out[n] = '\0';
}

void sp_xid_from(uint32_t secs, const uint8_t rnd[5], uint32_t counter,
		 char out[SP_XID_LEN + 1])
{
	uint8_t id[12] = {
		(uint8_t)(secs >> 24), (uint8_t)(secs >> 16),
		(uint8_t)(secs >> 8), (uint8_t)secs,
		rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
		(uint8_t)(counter >> 16), (uint8_t)(counter >> 8),
		(uint8_t)counter,
	};

	xid_encode(id, out);
}

int sp_xid_new(char out[SP_XID_LEN + 1])
{
	uint8_t id[12];
	int r = xid_raw(id);

	if (r < 0)
		return r;
	xid_encode(id, out);
	return 0;
}

/* ---- spXID ---- */

#define SUFFIX_LEN 5

static bool is_name(const sp_provider *p, const char *name)
{
	return p->name && strcasecmp(p->name, name) == 0;
}

static int xid_error(sp_error *err, int r)
{
	return sp_error_set(err, SP_ERR_INTERNAL,
			    "cannot make an ID: no random bytes: %s",
			    strerror(-r));
}

/* The low 25 bits of a new xid: its counter varies from one ID to the
 * next, where its first characters (the time) do not. */
static int short_suffix(char out[SUFFIX_LEN + 1], sp_error *err)
{
	uint8_t id[12];
	uint32_t v;
	int r = xid_raw(id);

	if (r < 0)
		return xid_error(err, r);
	v = (uint32_t)(id[8] & 1) << 24 | (uint32_t)id[9] << 16 |
	    (uint32_t)id[10] << 8 | id[11];
	for (int i = SUFFIX_LEN - 1; i >= 0; i--, v >>= 5)
		out[i] = b32hex[v & 0x1f];
	out[SUFFIX_LEN] = '\0';
	return 0;
}

/* A special case of step 6: lower-case, drop `drop` (if not 0), turn
 * `from` into `to` (if not 0); when the result is longer than max, or
 * always when sep is set, keep the first keep characters, then sep (if
 * not 0), then the short suffix. */
static int special(const char *name, char drop, char from, char to,
		   size_t max, size_t keep, char sep, char **ret, sp_error *err)
{
	size_t n = strlen(name), len = 0;
	_cleanup_free_ char *s = malloc(n + keep + 1 + SUFFIX_LEN + 1);

	if (!s)
		return sp_error_oom(err);
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)name[i]);

		if (drop && c == drop)
			continue;
		s[len++] = (char)(from && c == from ? to : c);
	}
	s[len] = '\0';
	if (sep || len > max) {
		if (len > keep)
			len = keep;
		if (sep)
			s[len++] = sep;
		if (short_suffix(s + len, err) < 0)
			return -1;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

static bool cook_ok(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '_');
}

int sp_spxid_ex(const sp_provider *p, sp_rtype type, const char *user_name,
		bool transform, unsigned flags, char **ret_spxid,
		sp_error *err)
{
	const bool ncp = p && is_name(p, "NCP");
	const bool tencent = p && is_name(p, "TENCENT");
	_cleanup_free_ char *s = NULL;
	char xid[SP_XID_LEN + 1];
	size_t prefix, len = 0, out = 0;
	unsigned limit;
	int r;

	if (!p || (unsigned)type >= SP_RT_COUNT)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "cannot make an ID: no provider or a resource type out of range");
	if (sp_isempty(user_name))
		return sp_error_set(err, SP_ERR_INVALID, "%s name is empty!",
				    rtype_displays[type]);
	if (!transform) {
		s = strdup(user_name);
		if (!s)
			return sp_error_oom(err);
		*ret_spxid = TAKE_PTR(s);
		return 0;
	}

	if (is_name(p, "AZURE") && type == SP_RT_NODEGROUP)
		return special(user_name, '-', 0, 0, 12, 7, 0, ret_spxid, err);
	if (is_name(p, "IBM") && type == SP_RT_NODEGROUP)
		return special(user_name, 0, 0, 0, 32, 27, 0, ret_spxid, err);
	if (is_name(p, "NHN") &&
	    (type == SP_RT_CLUSTER || type == SP_RT_NODEGROUP))
		return special(user_name, 0, 0, 0, 20, 15, 0, ret_spxid, err);
	if (ncp && type == SP_RT_VM && (flags & SP_SPXID_WINDOWS_VM))
		return special(user_name, 0, 0, 0, 15, 10, 0, ret_spxid, err);
	if (ncp && (type == SP_RT_CLUSTER || type == SP_RT_NODEGROUP))
		return special(user_name, 0, '_', '-', 20, 15, 0, ret_spxid,
			       err);
	if (ncp && type == SP_RT_RDBMS)
		return special(user_name, 0, 0, 0, 0, 24, '-', ret_spxid, err);

	limit = p->id_max[type];
	if (limit >= 1 && limit <= 21)
		return sp_error_set(err, SP_ERR_INVALID,
				    "The Minimum ID Length must be greater than 21!");
	prefix = limit == 0 ? 9 : limit - 21;

	r = sp_xid_new(xid);
	if (r < 0)
		return xid_error(err, r);
	s = malloc(prefix + 1 + SP_XID_LEN + 1);
	if (!s)
		return sp_error_oom(err);
	for (const char *c = user_name; *c && len < prefix; c++)
		if (cook_ok(*c, len == 0))
			s[len++] = (char)tolower((unsigned char)*c);
	if (len == 0)
		s[len++] = 'x';
	s[len++] = '-';
	memcpy(s + len, xid, SP_XID_LEN);
	len += SP_XID_LEN;

	/* Fix-ups, in place: the result never grows. */
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (tencent && c == '-')
			c = '_';
		else if (!tencent && c == '_')
			c = '-';
		s[i] = c;
	}
	for (size_t i = 0; i < len;) {
		if (i + 3 <= len && memcmp(s + i, "sg-", 3) == 0) {
			s[out++] = 's';
			s[out++] = 'g';
			i += 3;
		} else {
			s[out++] = s[i++];
		}
	}
	s[out] = '\0';
	*ret_spxid = TAKE_PTR(s);
	return 0;
}

int sp_spxid(const sp_provider *p, sp_rtype type, const char *user_name,
	     bool transform, char **ret_spxid, sp_error *err)
{
	return sp_spxid_ex(p, type, user_name, transform, 0, ret_spxid, err);
}

/* ---- stored SystemId ---- */

int sp_iid_split(const char *stored, char **ret_spxid, char **ret_csp_id,
		 sp_error *err)
{
	const char *colon = stored ? strchr(stored, ':') : NULL;
	_cleanup_free_ char *spxid = NULL;
	_cleanup_free_ char *csp_id = NULL;

	if (!colon)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "stored SystemId '%s' has no ':' between the spXID and the CSP ID",
				    stored ? stored : "(null)");
	spxid = strndup(stored, (size_t)(colon - stored));
	csp_id = strdup(colon + 1);
	if (!spxid || !csp_id)
		return sp_error_oom(err);
	*ret_spxid = TAKE_PTR(spxid);
	*ret_csp_id = TAKE_PTR(csp_id);
	return 0;
}

char *sp_iid_join(const char *spxid, const char *csp_id)
{
	char *s;

	if (!spxid || !csp_id || strchr(spxid, ':'))
		return NULL;
	if (asprintf(&s, "%s:%s", spxid, csp_id) < 0)
		return NULL;
	return s;
}
