/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/mcis.c - the MCIS verbs whose request has a shape of its own
 * (create and add-vm from a file or --group, get with its VM table, remote
 * commands, file copy), and how the results of the long calls are shown.
 * The rest of the MCIS verbs are generic (commands.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spctl/spctl.h"

#include "util/banned.h"

/* The VMs of an MCIS: its info's "vm", or a status's (joined with the
 * info for subGroupId and connectionName, which a status lacks). */
static const struct column vm_columns[] = {
	{ "VM", "id" }, { "SUBGROUP", "subGroupId" }, { "CONNECTION", "connectionName" },
	{ "STATUS", "status" }, { "TARGET", "targetAction" },
	{ "PUBLIC IP", "publicIp|publicIP" }, { "MESSAGE", "systemMessage" }, { 0 }
};

static bool has_text(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s;
}

/* ---- results of long calls ------------------------------------------ */

/* Create, add-vm and scale: the MCIS with every VM, then its status;
 * the VMs that failed to be created are reported. */
int spctl_show_mcis(json_t *result, bool print)
{
	json_t *errors = spctl_json_path(result, "creationErrors.vmCreationErrors");
	size_t i;
	json_t *e;

	if (print) {
		if (spctl_table(vm_columns, json_object_get(result, "vm")) != 0)
			return SPCTL_FAIL;
		printf("MCIS '%s': %s\n", json_string_value(json_object_get(result, "id")) ?: "?",
		       json_string_value(json_object_get(result, "status")) ?: "?");
	}
	json_array_foreach(errors, i, e)
		fprintf(stderr, "spctl: VM '%s' failed (%s): %s\n",
			json_string_value(json_object_get(e, "vmName")) ?: "?",
			json_string_value(json_object_get(e, "phase")) ?: "create",
			json_string_value(json_object_get(e, "error")) ?: "no reason given");
	return json_array_size(errors) ? SPCTL_FAIL : SPCTL_OK;
}

static const struct column action_columns[] = {
	{ "VM", "vmId" }, { "ACTION", "action" }, { "STATUS", "status" },
	{ "START", "startTime" }, { "END", "endTime" }, { "ERROR", "error" }, { 0 }
};

/* A lifecycle action, delete or refine: what was done to each VM, what
 * was skipped and why, the server's message. */
int spctl_show_action(json_t *result, bool print)
{
	json_t *results = json_object_get(result, "results"), *e;
	_cleanup_free_ char *removed = spctl_json_text(json_object_get(result, "removed"));
	size_t i, failed = 0;

	json_array_foreach(results, i, e)
		if (has_text(e, "error"))
			failed++;
	if (print) {
		if (json_array_size(results) && spctl_table(action_columns, results) != 0)
			return SPCTL_FAIL;
		json_array_foreach(json_object_get(result, "skipped"), i, e)
			printf("Skipped VM '%s': %s\n", json_string_value(json_object_get(e, "vmId")) ?: "?",
			       json_string_value(json_object_get(e, "reason")) ?: "no reason given");
		if (json_object_get(result, "removed"))
			printf("Removed from MCIS '%s': %s\n",
			       json_string_value(json_object_get(result, "mcisId")) ?: "?",
			       removed ? removed : "no VM (none was Failed or Undefined)");
		if (has_text(result, "message"))
			printf("%s\n", json_string_value(json_object_get(result, "message")));
	}
	if (!failed)
		return SPCTL_OK;
	fprintf(stderr, "spctl: the action failed on %zu of %zu VMs\n", failed, json_array_size(results));
	return SPCTL_FAIL;
}

/* A VM's entry of a command or copy result that failed: its err. */
static bool vm_failed(json_t *e)
{
	return has_text(e, "err");
}

/* The text at key "<i>" of the object at key in e. */
static const char *nth(json_t *e, const char *key, const char *i)
{
	return json_string_value(json_object_get(json_object_get(e, key), i));
}

/* text with prefix before each line, ending in a newline. */
static void print_lines(const char *prefix, const char *text)
{
	while (text && *text) {
		size_t n = strcspn(text, "\n");

		printf("%s%.*s\n", prefix, (int)n, text);
		text += n + (text[n] == '\n');
	}
}

/* Each VM: a header, then each command with its output, stderr lines
 * marked, and its exit code; or the VM's error. */
int spctl_show_cmd(json_t *result, bool print)
{
	json_t *results = json_object_get(result, "results"), *e;
	size_t i, failed = 0;

	json_array_foreach(results, i, e) {
		const char *key;
		json_t *c;
		bool bad = vm_failed(e);

		json_object_foreach(json_object_get(e, "exitCode"), key, c)
			if (json_integer_value(c) != 0)
				bad = true;
		failed += bad;
		if (!print)
			continue;
		printf("%s=== %s", i ? "\n" : "", json_string_value(json_object_get(e, "vmId")) ?: "?");
		if (has_text(e, "vmIp"))
			printf(" %s", json_string_value(json_object_get(e, "vmIp")));
		if (has_text(e, "userName"))
			printf(" (%s)", json_string_value(json_object_get(e, "userName")));
		putchar('\n');
		json_object_foreach(json_object_get(e, "command"), key, c) {
			json_t *code = json_object_get(json_object_get(e, "exitCode"), key);

			printf("$ %s\n", json_string_value(c) ?: "");
			print_lines("", nth(e, "stdout", key));
			print_lines("stderr: ", nth(e, "stderr", key));
			if (json_is_integer(code))
				printf("[exit %" JSON_INTEGER_FORMAT "]\n", json_integer_value(code));
		}
		if (bad && vm_failed(e))
			printf("error: %s\n", json_string_value(json_object_get(e, "err")));
	}
	if (!failed)
		return SPCTL_OK;
	fprintf(stderr, "spctl: the command failed on %zu of %zu VMs\n", failed, json_array_size(results));
	return SPCTL_FAIL;
}

static const struct column copy_columns[] = {
	{ "VM", "vmId" }, { "IP", "vmIp" }, { "PATH", "path" }, { "BYTES", "bytes" },
	{ "ERROR", "err" }, { 0 }
};

int spctl_show_copy(json_t *result, bool print)
{
	json_t *results = json_object_get(result, "results"), *e;
	size_t i, failed = 0;

	json_array_foreach(results, i, e)
		failed += vm_failed(e);
	if (print && spctl_table(copy_columns, results) != 0)
		return SPCTL_FAIL;
	if (!failed)
		return SPCTL_OK;
	fprintf(stderr, "spctl: the copy failed on %zu of %zu VMs\n", failed, json_array_size(results));
	return SPCTL_FAIL;
}

spctl_result_fn spctl_show_for_kind(const char *kind)
{
	static const struct {
		const char *kind;
		spctl_result_fn show;
	} kinds[] = {
		{ "mcisCreate", spctl_show_mcis }, { "mcisDynamicCreate", spctl_show_mcis },
		{ "mcisAddVm", spctl_show_mcis }, { "mcisControl", spctl_show_action },
		{ "mcisDelete", spctl_show_action }, { "mcisVmDelete", spctl_show_action },
		{ "mcisCommand", spctl_show_cmd }, { "mcisCopy", spctl_show_copy },
	};

	for (size_t i = 0; kind && i < ELEMENTSOF(kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			return kinds[i].show;
	return NULL;
}

/* ---- create and add-vm ---------------------------------------------- */

/* The route for VM entries: the dynamic one for entries of the dynamic
 * form (commonSpec, commonImage) or with --dynamic.  Returns 0 with
 * *ret_dynamic set, or an exit code after reporting. */
static int entries_route(const struct args *a, json_t *body, bool *ret_dynamic)
{
	json_t *vm = json_object_get(body, "vm"), *e;
	bool forced = spctl_arg(a, "dynamic")->set;
	size_t i, n = json_is_array(vm) ? json_array_size(vm) : 1, n_dyn = 0, n_stat = 0;

	for (i = 0; i < n; i++) {
		e = json_is_array(vm) ? json_array_get(vm, i) : body;
		n_dyn += json_object_get(e, "commonSpec") || json_object_get(e, "commonImage");
		n_stat += json_object_get(e, "specId") || json_object_get(e, "imageId");
	}
	if (n_dyn && n_stat)
		return spctl_usage_error("the VM entries mix the dynamic form (commonSpec, commonImage) and the static one (specId, imageId; with --group: vnet, subnet, sg, key)");
	if (forced && n_stat)
		return spctl_usage_error("--dynamic: the VM entries are of the static form (specId, imageId; with --group: vnet, subnet, sg, key)");
	*ret_dynamic = forced || n_dyn;
	return 0;
}

/*
 * The body of create and add-vm: the file's (-f), else add-vm's one
 * --group entry, else an empty object; then the options' fields over it
 * (create's --group entries, --policy, --description).
 */
static int mcis_body(const struct args *a, json_t **ret, bool *ret_dynamic)
{
	_cleanup_json_ json_t *body = NULL, *opts = NULL;
	const struct optval *group = spctl_arg(a, "group");
	const char *file = spctl_arg_str(a, "file");
	int rc;

	if (!file && !group->set)
		return spctl_usage_error("give the request in a file (-f FILE) or the VMs with --group");
	if (file)
		rc = spctl_read_json(file, &body);
	else if (group->value) /* add-vm: one entry (an OPT_VALUE) */
		rc = spctl_conv_group("group", group->value, &body);
	else
		rc = (body = json_object()) ? 0 : spctl_oom();
	if (rc || (rc = spctl_body_build(a, &opts)) != 0)
		return rc;
	if (json_object_update(body, opts) < 0)
		return spctl_oom();
	if ((rc = entries_route(a, body, ret_dynamic)) != 0)
		return rc;
	*ret = TAKE_PTR(body);
	return 0;
}

/* Create (no NAME in the path: /mcis or /mcisDynamic) and add-vm
 * (/mcis/NAME/vm or /vmDynamic). */
static int run_entries(struct spctl *ctl, const struct verb *v, const struct args *a, bool create)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *body = NULL;
	_cleanup_free_ char *path = NULL;
	struct resource res = *v->res;
	bool dynamic = false;
	int rc = mcis_body(a, &body, &dynamic);

	if (rc)
		return rc;
	if (create && a->npos && json_object_set_new(body, "name", json_string(a->pos[0])) < 0)
		return spctl_usage_error("NAME '%s' is not UTF-8", a->pos[0]);
	if (create && !json_string_value(json_object_get(body, "name")))
		return spctl_usage_error("missing NAME (or a \"name\" in the file)");
	if (create)
		res.path = dynamic ? "/mcisDynamic" : "/mcis";
	else
		res.sub = dynamic ? "/vmDynamic" : "/vm";
	path = spctl_build_path(&res, a, create ? 0 : 1);
	return spctl_long_call(ctl, v, a, path, body);
}

int spctl_run_mcis_create(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	return run_entries(ctl, v, a, true);
}

int spctl_run_mcis_add_vm(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	return run_entries(ctl, v, a, false);
}

/* ---- get ---------------------------------------------------------- */

/* Put each VM's subGroupId and connectionName of info into status. */
static int join_vms(json_t *status, json_t *info)
{
	size_t i, k;
	json_t *s, *vm;

	json_array_foreach(json_object_get(status, "vm"), i, s)
		json_array_foreach(json_object_get(info, "vm"), k, vm)
			if (json_equal(json_object_get(s, "id"), json_object_get(vm, "id")) &&
			    (json_object_set(s, "subGroupId", json_object_get(vm, "subGroupId")) < 0 ||
			     json_object_set(s, "connectionName", json_object_get(vm, "connectionName")) < 0))
				return spctl_oom();
	return 0;
}

/* An MCIS as "key: value" lines (without its VMs and counts), then the
 * table of its VMs. */
static int print_mcis(json_t *mcis)
{
	_cleanup_json_ json_t *head = json_copy(mcis);

	if (!head)
		return spctl_oom();
	json_object_del(head, "vm");
	json_object_del(head, "statusCount");
	spctl_print_object(head, false);
	putchar('\n');
	return spctl_table(vm_columns, json_object_get(mcis, "vm"));
}

/* The stored MCIS, or with --status every VM's status asked now (joined
 * with the stored MCIS for the VMs' subGroup and connection); --access:
 * the access info as is. */
int spctl_run_mcis_get(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_reply_ struct reply r = { 0 }, info = { 0 };
	_cleanup_free_ char *path = spctl_build_path(v->res, a, a->npos);
	json_t *status;
	int rc;

	if (!path)
		return spctl_oom();
	if ((rc = spctl_request(ctl, "GET", path, NULL, &r)) != 0 || ctl->json)
		return rc;
	if (spctl_arg(a, "access")->set) {
		spctl_print_object(r.json, false);
		return SPCTL_OK;
	}
	if (!spctl_arg(a, "status")->set)
		return print_mcis(r.json);
	status = json_object_get(r.json, "status");
	if (!json_is_object(status)) {
		fputs("spctl: unexpected answer from the server: no 'status'\n", stderr);
		return SPCTL_FAIL;
	}
	path[strcspn(path, "?")] = '\0';
	if (spctl_call(ctl, "GET", path, NULL, &info) < 0)
		return SPCTL_FAIL;
	if ((rc = join_vms(status, info.json)) != 0)
		return rc;
	return print_mcis(status);
}

/* ---- commands and copy ---------------------------------------------- */

/* Remote commands: -c's, then each argument after NAME (after "--"). */
int spctl_run_mcis_cmd(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *path = spctl_build_path(v->res, a, 1);
	json_t *cmds;
	int rc = spctl_body_build(a, &body);

	if (rc)
		return rc;
	cmds = json_object_get(body, "command");
	if (!cmds && json_object_set_new(body, "command", cmds = json_array()) < 0)
		return spctl_oom();
	for (size_t i = 1; i < a->npos; i++)
		if (json_array_append_new(cmds, json_string(a->pos[i])) < 0)
			return spctl_usage_error("COMMAND '%s' is not UTF-8", a->pos[i]);
	if (!json_array_size(cmds))
		return spctl_usage_error("no command: give each after '--' (spctl mcis cmd NAME -- 'uname -a'), or with -c");
	return spctl_long_call(ctl, v, a, path, body);
}

/* The file goes in the body, base64-encoded. */
int spctl_run_mcis_copy(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *path = spctl_build_path(v->res, a, 1), *data = NULL, *b64 = NULL;
	size_t len;
	int rc = spctl_body_build(a, &body);

	if (rc || (rc = spctl_read_file(a->pos[1], SPCTL_MAX_UPLOAD, &data, &len)) != 0)
		return rc;
	if (!(b64 = spctl_base64(data, len)) ||
	    json_object_set_new(body, "content", json_string(b64)) < 0)
		return spctl_oom();
	if (json_object_set_new(body, "path", json_string(a->pos[2])) < 0)
		return spctl_usage_error("REMOTE_PATH '%s' is not UTF-8", a->pos[2]);
	return spctl_long_call(ctl, v, a, path, body);
}
