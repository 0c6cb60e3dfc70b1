/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/verbs.c - what the verbs do.
 *
 * Most verbs are generic and are told what to do by the verb's resource
 * and option tables (commands.c): the positional arguments and the
 * .segment and .query options make the path, the .field options the JSON
 * body.  Only verbs whose request or output has its own shape get a
 * function of their own.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spctl/spctl.h"

#include "util/banned.h"

void spctl_reply_clearp(struct reply *r)
{
	spctl_reply_clear(r);
}

int spctl_oom(void)
{
	fputs("spctl: out of memory\n", stderr);
	return SPCTL_FAIL;
}

/* ---- requests --------------------------------------------------------- */

char *spctl_build_path(const struct resource *res, const struct args *a, size_t npos)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	char sep = '?';
	bool ok = true;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	if (res->in_ns) {
		_cleanup_free_ char *e = spctl_escape(spctl_arg_str(a, "ns"));

		ok = e && fprintf(f, "/ns/%s", e) > 0;
	}
	fputs(res->path, f);
	if (res->pos_field && npos && npos == a->npos)
		npos--;
	for (size_t i = 0; ok && i < npos && i < a->npos; i++) {
		_cleanup_free_ char *e = spctl_escape(a->pos[i]);

		ok = e && fprintf(f, "/%s%s", e, i == 0 && res->sub ? res->sub : "") > 0;
	}
	for (size_t k = 0; ok && a->opts && a->opts[k].name; k++) {
		_cleanup_free_ char *e = NULL;

		if (!a->opts[k].segment || !a->val[k].set)
			continue;
		e = spctl_escape(a->val[k].value);
		ok = e && fprintf(f, "%s%s", a->opts[k].segment, e) > 0;
	}
	if (ok && res->query) {
		ok = fprintf(f, "?%s", res->query) > 0;
		sep = '&';
	}
	for (size_t k = 0; ok && a->opts && a->opts[k].name; k++) {
		const struct opt *o = &a->opts[k];
		_cleanup_free_ char *e = NULL;

		if (!o->query || !a->val[k].set)
			continue;
		if (o->kind != OPT_FLAG)
			e = spctl_escape(a->val[k].value);
		else
			e = spctl_escape(o->flag_value ? o->flag_value : "true");
		ok = e && fprintf(f, "%c%s=%s", sep, o->query, e) > 0;
		sep = '&';
	}
	if (fclose(f) != 0 || !ok)
		return NULL;
	return TAKE_PTR(out);
}

static char *build_path(const struct resource *res, const struct args *a)
{
	return spctl_build_path(res, a, a->npos);
}

int spctl_request(const struct spctl *ctl, const char *method, const char *path,
		  const json_t *body, struct reply *ret)
{
	if (!path)
		return spctl_oom();
	if (spctl_call(ctl, method, path, body, ret) < 0)
		return SPCTL_FAIL;
	if (ctl->json)
		spctl_print_json(ret->raw, ret->len);
	return 0;
}

int spctl_verb_body(const struct resource *res, const struct args *a, json_t **ret)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *body = NULL;
	int rc;

	*ret = NULL;
	if (!spctl_body_wanted(a->opts) && !res->pos_field)
		return 0;
	if ((rc = spctl_body_build(a, &body)) != 0)
		return rc;
	if (res->pos_field && a->npos &&
	    json_object_set_new(body, res->pos_field, json_string(a->pos[a->npos - 1])) < 0)
		return spctl_usage_error("%s: the value is not UTF-8", a->pos[a->npos - 1]);
	*ret = TAKE_PTR(body);
	return 0;
}

/* The request of verb v on res: v->method (or method), the path, and a
 * body when the verb's options want one. */
static int call_res(const struct spctl *ctl, const char *method, const struct resource *res,
		    const struct verb *v, const struct args *a, struct reply *ret)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *body = NULL;
	_cleanup_free_ char *path = build_path(res, a);
	int rc;

	if (!path)
		return spctl_oom();
	if ((rc = spctl_verb_body(res, a, &body)) != 0)
		return rc;
	return spctl_request(ctl, v->method ? v->method : method, path, body, ret);
}

static int call(const struct spctl *ctl, const char *method, const struct verb *v,
		const struct args *a, struct reply *ret)
{
	return call_res(ctl, method, v->res, v, a, ret);
}

static void unexpected(const char *key)
{
	fprintf(stderr, "spctl: unexpected answer from the server: no '%s'\n", key);
}

/* The list in {"<key>":[...]} (null counts as empty), or a report that
 * the answer has none. */
static json_t *list_of(const struct reply *r, const char *key)
{
	json_t *l = json_object_get(r->json, key);

	if (json_is_array(l) || json_is_null(l))
		return l;
	fprintf(stderr, "spctl: unexpected answer from the server: no '%s' list\n", key);
	return NULL;
}

/* The value in {"<key>": value} as text, or NULL after reporting. */
static char *value_of(const struct reply *r, const char *key)
{
	char *s = spctl_json_text(json_object_get(r->json, key));

	if (!s)
		unexpected(key);
	return s;
}

/* {"Result":"true"}, the server's yes. */
static bool result_true(const struct reply *r)
{
	const char *result = json_string_value(json_object_get(r->json, "Result"));

	return result && !strcmp(result, "true");
}

static int show(const struct spctl *ctl, const struct verb *v, const struct reply *r)
{
	if (!ctl->json)
		spctl_print_object(r->json, v->res->hide_values);
	return SPCTL_OK;
}

int spctl_table(const struct column *cols, json_t *items)
{
	return items && spctl_print_table(cols, items) == 0 ? SPCTL_OK : SPCTL_FAIL;
}

/* cols with extra inserted before column at; free it. */
static struct column *columns_with(const struct column *cols, size_t at,
				   const struct column *extra)
{
	size_t n = 0;
	struct column *out;

	while (cols[n].header)
		n++;
	out = calloc(n + 2, sizeof(*out));
	if (!out)
		return NULL;
	at = at < n ? at : n;
	memcpy(out, cols, at * sizeof(*out));
	out[at] = *extra;
	memcpy(out + at + 1, cols + at, (n - at) * sizeof(*out));
	return out;
}

/* ---- generic verbs ---------------------------------------------------- */

int spctl_run_list(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	int rc = call(ctl, "GET", v, a, &r);

	if (rc || ctl->json)
		return rc;
	return spctl_table(v->res->columns, list_of(&r, v->res->list_key));
}

/* The answer as "key: value" lines. */
static int run_show(struct spctl *ctl, const char *method, const struct verb *v,
		    const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	int rc = call(ctl, method, v, a, &r);

	return rc ? rc : show(ctl, v, &r);
}

/* The answer is {"Result":"true"}, or a value (a count, a VM's status)
 * that is printed, after what was done when the verb says (.done). */
static int run_answer(struct spctl *ctl, const char *method, const struct verb *v,
		      const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *value = NULL;
	const char *name = a->npos ? a->pos[a->npos - 1] : "", *done = v->done ? v->done : "Deleted";
	int rc = call(ctl, method, v, a, &r);

	if (rc || ctl->json)
		return rc;
	if (v->res->value_key) {
		value = value_of(&r, v->res->value_key);
		if (!value)
			return SPCTL_FAIL;
		if (v->done)
			printf("%s %s '%s': %s\n", done, v->res->what, name, value);
		else
			printf("%s\n", value);
		return SPCTL_OK;
	}
	if (!result_true(&r)) {
		fprintf(stderr, "spctl: %s '%s': the server did not confirm it (no \"Result\":\"true\")\n", v->res->what, name);
		return SPCTL_FAIL;
	}
	printf("%s %s '%s'.\n", done, v->res->what, name);
	return SPCTL_OK;
}

int spctl_run_get(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	return run_show(ctl, "GET", v, a);
}

int spctl_run_create(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	return run_show(ctl, "POST", v, a);
}

int spctl_run_value(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	return run_answer(ctl, "GET", v, a);
}

int spctl_run_change(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	return run_answer(ctl, "DELETE", v, a);
}

/* "[NAME]": the table of all, or the one named. */
int spctl_run_list_or_get(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	if (!a->npos)
		return spctl_run_list(ctl, v, a);
	return v->res->value_key ? spctl_run_value(ctl, v, a) : spctl_run_get(ctl, v, a);
}

/* Raw cloud documents have no shape of ours: always print them as JSON. */
int spctl_run_raw(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	int rc = call(ctl, "GET", v, a, &r);

	if (!rc && !ctl->json)
		spctl_print_json(r.raw, r.len);
	return rc;
}

/* The three lists of /allX and /allXinfo, and what the LIST column calls
 * each. */
static const struct {
	const char *key, *info_key, *label;
} mapping_lists[] = {
	{ "MappedList", "MappedInfoList", "Mapped" },
	{ "OnlySpiderList", "OnlySpiderList", "OnlySpider" },
	{ "OnlyCSPList", "OnlyCSPInfoList", "OnlyCSP" },
};

static const struct column mapping_columns[] = {
	{ "LIST", "List" }, { "NAME", "IId.NameId" }, { "SYSTEM ID", "IId.SystemId" }, { 0 }
};

/* One table of the three lists: items are IIDs, or infos with --info (but
 * OnlySpider, which has only IIDs). */
int spctl_run_mapping(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *info_path = NULL;
	_cleanup_free_ struct column *info_cols = NULL;
	_cleanup_json_ json_t *rows = json_array();
	bool info = spctl_arg(a, "info")->set;
	struct resource res = *v->res;
	json_t *lists;
	int rc;

	if (info) {
		if (asprintf(&info_path, "%sinfo", res.path) < 0) {
			info_path = NULL;
			return spctl_oom();
		}
		res.path = info_path;
		info_cols = columns_with(res.columns, 0, &mapping_columns[0]);
		if (!info_cols)
			return spctl_oom();
	}
	if ((rc = call_res(ctl, "GET", &res, v, a, &r)) != 0 || ctl->json)
		return rc;
	lists = json_object_get(r.json, info ? "AllListInfo" : "AllList");
	if (!json_is_object(lists)) {
		unexpected(info ? "AllListInfo" : "AllList");
		return SPCTL_FAIL;
	}
	for (size_t m = 0; m < ELEMENTSOF(mapping_lists); m++) {
		json_t *list = json_object_get(lists, info ? mapping_lists[m].info_key : mapping_lists[m].key);
		size_t i;
		json_t *e;

		json_array_foreach(list, i, e) {
			json_t *row = json_object_get(e, "IId") ? json_copy(e) : json_pack("{s:O}", "IId", e);

			if (!row)
				return spctl_oom();
			if (json_object_set_new(row, "List", json_string(mapping_lists[m].label)) < 0) {
				json_decref(row);
				return spctl_oom();
			}
			if (json_array_append_new(rows, row) < 0)
				return spctl_oom();
		}
	}
	return spctl_table(info ? info_cols : mapping_columns, rows);
}

/* ---- verbs with their own shape --------------------------------------- */

char *spctl_driver_lib(const char *provider)
{
	char *lib;

	if (asprintf(&lib, "%s-driver-v1.0.so", provider) < 0)
		return NULL;
	for (char *p = lib; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return lib;
}

/* Without --lib, name the plugin by the original's convention. */
int spctl_run_driver_create(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *lib = NULL;
	int rc = spctl_body_build(a, &body);

	if (rc)
		return rc;
	if (!spctl_arg_str(a, "lib")) {
		if (!(lib = spctl_driver_lib(spctl_arg_str(a, "provider"))))
			return spctl_oom();
		json_object_set_new(body, "DriverLibFileName", json_string(lib));
	}
	rc = spctl_request(ctl, "POST", v->res->path, body, &r);
	return rc ? rc : show(ctl, v, &r);
}

/* The server answers a failed check with the cloud's error, which
 * spctl_call reports; a 200 without "true" is not ours. */
int spctl_run_check(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	int rc = call(ctl, "GET", v, a, &r);

	if (rc || ctl->json)
		return rc;
	if (!result_true(&r)) {
		fprintf(stderr, "spctl: %s '%s' did not pass the check\n", v->res->what, a->pos[0]);
		return SPCTL_FAIL;
	}
	printf("%s '%s': ok\n", v->res->what, a->pos[0]);
	return SPCTL_OK;
}

static const struct column price_columns[] = {
	{ "SPEC", "ProductInfo.VMSpecName|ProductInfo.VMSpecInfo.Name" },
	{ "ZONE", "ZoneName" },
	{ "PRICE", "PriceInfo.OnDemand.Price" },
	{ "CURRENCY", "PriceInfo.OnDemand.Currency" },
	{ "UNIT", "PriceInfo.OnDemand.Unit" },
	{ "PRODUCT", "ProductInfo.ProductId" },
	{ 0 }
};

int spctl_run_price_get(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_json_ json_t *body = json_object();
	_cleanup_free_ char *path = build_path(v->res, a);
	const struct optval *filter = spctl_arg(a, "filter");
	json_t *filters = json_array();
	int rc;

	if (json_object_set_new(body, "FilterList", filters) < 0)
		return spctl_oom();
	for (size_t i = 0; i < filter->n; i++)
		if ((rc = spctl_kv_append_arg(filters, "filter", filter->items[i])) != 0)
			return rc;
	if ((rc = spctl_request(ctl, "POST", path, body, &r)) != 0 || ctl->json)
		return rc;
	return spctl_table(price_columns, list_of(&r, "PriceList"));
}

int spctl_run_version(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	const char *server;
	int rc = call(ctl, "GET", v, a, &r);

	if (rc || ctl->json)
		return rc;
	server = json_string_value(json_object_get(r.json, "Version"));
	printf("client: spctl %s\nserver: %s\n", SPIDER_VERSION, server ? server : "-");
	return SPCTL_OK;
}

/* VMInfo has no status: it comes from /vmstatus, joined on the name and
 * put in each VM as "VmStatus" for the STATUS column. */
int spctl_run_vm_list(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	static const struct resource vmstatus = { "VM", "/vmstatus" };
	static const struct column status_column = { "STATUS", "VmStatus" };
	_cleanup_reply_ struct reply r = { 0 }, st = { 0 };
	_cleanup_free_ struct column *cols = NULL;
	json_t *vms, *statuses, *vm, *s;
	size_t i, k;
	int rc = call(ctl, "GET", v, a, &r);

	if (rc || ctl->json)
		return rc;
	if (!(vms = list_of(&r, v->res->list_key)))
		return SPCTL_FAIL;
	if ((rc = call_res(ctl, "GET", &vmstatus, v, a, &st)) != 0)
		return rc;
	if (!(statuses = list_of(&st, "vmstatus")))
		return SPCTL_FAIL;
	json_array_foreach(vms, i, vm) {
		const char *name = json_string_value(spctl_json_path(vm, "IId.NameId"));

		json_array_foreach(statuses, k, s) {
			const char *n = json_string_value(spctl_json_path(s, "IId.NameId"));
			json_t *status = json_object_get(s, "VmStatus");

			if (name && n && status && !strcmp(name, n) &&
			    json_object_set(vm, "VmStatus", status) < 0)
				return spctl_oom();
		}
	}
	cols = columns_with(v->res->columns, 2, &status_column);
	return cols ? spctl_table(cols, vms) : spctl_oom();
}

/* The private key is a secret: wipe the answer before it is freed. */
static void reply_wipe_clearp(struct reply *r)
{
	if (r->raw)
		explicit_bzero(r->raw, r->len);
	spctl_json_wipe_decrefp(&r->json);
	r->json = NULL;
	spctl_reply_clear(r);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The private key into the file made for it; 0 or an exit code after
 * reporting.  Closes fd. */
static int write_key(int fd, const char *file, const char *name, json_t *key)
{
	const char *pem = json_string_value(key);
	size_t len = json_string_length(key);
	int err = 0;

	if (pem && len && (write_all(fd, pem, len) < 0 ||
			   (pem[len - 1] != '\n' && write_all(fd, "\n", 1) < 0)))
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (pem && len && !err)
		return 0;
	if (!pem || !len)
		fprintf(stderr, "spctl: the server created key pair '%s' but sent no private key for '%s'\n", name, file);
	else
		fprintf(stderr, "spctl: key pair '%s' was created, but its private key could not be written to '%s': %s; delete the key pair and create it again\n",
			name, file, strerror(err));
	unlink(file);
	return SPCTL_FAIL;
}

/* The answer holds the private key, this once: with --private-key-file it
 * goes to a new file only the user can read, and is not shown, not even
 * with --json.  An import (--public-key-file) has none. */
int spctl_run_keypair_create(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_(reply_wipe_clearp) struct reply r = { 0 };
	_cleanup_free_ char *dump = NULL;
	const char *file = spctl_arg_str(a, "private-key-file");
	const char *name = spctl_arg_str(a, "name");
	struct spctl quiet = *ctl;
	json_t *key;
	int fd = -1, rc;

	if (file) {
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			fprintf(stderr, "spctl: cannot create '%s': %s%s\n", file, strerror(errno),
				errno == EEXIST ? " (spctl does not overwrite a key file)" : "");
			return SPCTL_FAIL;
		}
		quiet.json = false;
	}
	rc = call(&quiet, "POST", v, a, &r);
	if (rc && file) {
		close(fd);
		unlink(file);
	}
	if (rc)
		return rc;
	if (!file) {
		if (!ctl->json && json_object_get(r.json, "PrivateKey"))
			fputs("spctl: keep the PrivateKey below: the server shows it this once (--private-key-file writes it to a file)\n", stderr);
		return show(ctl, v, &r);
	}
	key = json_object_get(r.json, "PrivateKey");
	if ((rc = write_key(fd, file, name, key)) != 0)
		return rc;
	explicit_bzero((char *)json_string_value(key), json_string_length(key));
	if (json_object_set_new(r.json, "PrivateKey", json_sprintf("(written to %s)", file)) < 0)
		return spctl_oom();
	if (!ctl->json)
		return show(ctl, v, &r);
	dump = json_dumps(r.json, JSON_COMPACT);
	if (!dump)
		return spctl_oom();
	spctl_print_json(dump, strlen(dump));
	return SPCTL_OK;
}

/* Errors of the resources destroy could not delete, one line each. */
static void report_remained(json_t *types)
{
	size_t i, k;
	json_t *t, *e;

	json_array_foreach(types, i, t) {
		const char *type = json_string_value(json_object_get(t, "ResourceType"));

		json_array_foreach(json_object_get(t, "RemainedErrorInfoList"), k, e) {
			const char *name = json_string_value(json_object_get(e, "Name"));
			const char *msg = json_string_value(json_object_get(e, "ErrorMsg"));

			fprintf(stderr, "spctl: %s '%s' was not deleted: %s\n", type ? type : "?",
				name ? name : "?", msg ? msg : "no reason given");
		}
	}
}

/* Everything in a connection goes: asked for on a terminal, else --yes. */
int spctl_run_destroy(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 };
	_cleanup_free_ char *question = NULL;
	const char *conn = spctl_arg_str(a, "connection");
	json_t *types;
	int rc;

	if (!spctl_arg(a, "yes")->set) {
		if (!isatty(STDIN_FILENO))
			return spctl_usage_error("this deletes every resource of connection '%s': give --yes to confirm (standard input is not a terminal)", conn);
		if (asprintf(&question, "Delete every resource of connection '%s' (VMs, disks, MyImages, key pairs, security groups, VPCs, ...)? Type 'yes' to go on:", conn) < 0) {
			question = NULL;
			return spctl_oom();
		}
		if (!spctl_confirm(question)) {
			fputs("spctl: not confirmed; nothing was deleted\n", stderr);
			return SPCTL_FAIL;
		}
	}
	if ((rc = call(ctl, "DELETE", v, a, &r)) != 0)
		return rc;
	types = list_of(&r, v->res->list_key);
	if (!types)
		return SPCTL_FAIL;
	if (!ctl->json && spctl_print_table(v->res->columns, types) < 0)
		return SPCTL_FAIL;
	if (!json_is_true(json_object_get(r.json, "IsAllDestroyed"))) {
		report_remained(types);
		fprintf(stderr, "spctl: connection '%s' was not destroyed completely\n", conn);
		return SPCTL_FAIL;
	}
	if (!ctl->json)
		printf("Destroyed every resource of connection '%s'.\n", conn);
	return SPCTL_OK;
}
