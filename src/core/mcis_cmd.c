/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/mcis_cmd.c - remote commands and file copy on the VMs of an MCIS.
 *
 * Every target VM is reached at once over SSH (core/ssh.h) with its key
 * pair's private key, which the resource layer keeps sealed; the commands
 * of one VM run in order over one connection.  The host key a VM shows
 * first is recorded; a different key later is refused (trust on first
 * use), keyed by connection and cloud VM ID.
 */
#include "core/fanout.h"
#include "core/mcis_int.h"
#include "core/names.h"
#include "core/res.h"
#include "core/ssh.h"
#include "util/crypto.h"
#include "util/json.h"

#define CMD_TIMEOUT_DEFAULT_S 600
#define CMD_TIMEOUT_MAX_S 7200
/* The most output one command request keeps, over all its VMs and
 * commands (each stream of each gets an equal share, 4 KiB at least). */
#define CMD_OUTPUT_BUDGET (64u * 1024 * 1024)
#define CMD_OUTPUT_SHARE_MIN 4096u
/* Host keys remembered (the oldest goes first). */
#define HOSTKEYS_MAX 20000

/* One VM's work. */
struct ssh_item {
	sp_mcis_reg *reg;
	char *mcis, *vm_id, *conn, *key_name, *csp_id, *ip;
	char host[256];
	unsigned port;
	char *user;
	const json_t *commands;   /* borrowed from the job */
	const unsigned char *data;  /* copy: borrowed from the job */
	size_t len;
	const char *path;
	unsigned mode;
	double timeout_s;
	size_t output_max;
};

static void ssh_item_free(void *p)
{
	struct ssh_item *it = p;

	free(it->mcis);
	free(it->vm_id);
	free(it->conn);
	free(it->key_name);
	free(it->csp_id);
	free(it->ip);
	free(it->user);
	free(it);
}

struct ssh_job {
	char *ns, *mcis;
	json_t *commands;      /* command: array of strings */
	unsigned char *data;   /* copy: the file */
	size_t len;
	char *path;
	unsigned mode;
	double timeout_s;
	char *user;            /* the request's userName, or NULL */
	json_t *targets;       /* VM ids */
	json_t *not_running;   /* results of VMs not run on */
};

static void ssh_job_free(void *p)
{
	struct ssh_job *sj = p;

	free(sj->ns);
	free(sj->mcis);
	json_decref(sj->commands);
	free(sj->data);
	free(sj->path);
	free(sj->user);
	json_decref(sj->targets);
	json_decref(sj->not_running);
	free(sj);
}

static void hostkey_key(const struct ssh_item *it, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", it->conn, it->csp_id);
}

/* Record the key a VM showed on first contact. */
static void hostkey_record(struct ssh_item *it, const char *key)
{
	sp_mcis_reg *reg = it->reg;
	char k[2 * SP_NAME_MAX + 256];
	batch b = { 0 };
	sp_error ignored;
	json_t *doc;

	if (sp_isempty(key))
		return;
	hostkey_key(it, k, sizeof(k));
	pthread_mutex_lock(&reg->lock);
	if (json_object_get(reg->hostkeys, k) || !(doc = json_pack("{s:s,s:s,s:I}", "key", key, "host", it->host,
								      "firstSeenMs", (json_int_t)sp_now_ms()))) {
		pthread_mutex_unlock(&reg->lock);
		return;
	}
	if (json_object_size(reg->hostkeys) >= HOSTKEYS_MAX) {
		const char *hk, *oldest = NULL;
		json_int_t oldest_ms = INT64_MAX;
		json_t *hv;

		json_object_foreach(reg->hostkeys, hk, hv)
			if (json_integer_value(json_object_get(hv, "firstSeenMs")) < oldest_ms) {
				oldest_ms = json_integer_value(json_object_get(hv, "firstSeenMs"));
				oldest = hk;
			}
		if (oldest) {
			batch_del(&b, "hostkey", oldest, false);
			json_object_del(reg->hostkeys, oldest);
		}
	}
	json_object_set_new(reg->hostkeys, k, doc);
	batch_put(&b, "hostkey", k, doc);
	reg_commit(reg, &b, &ignored);
}

/* Map of command outputs keyed by index, as the reference shows them. */
static json_t *indexed(const sp_ssh_result *r, size_t n_cmds, const json_t *cmds, int what)
{
	json_t *o = json_object();
	char idx[24];

	for (size_t i = 0; o && i < n_cmds; i++) {
		snprintf(idx, sizeof(idx), "%zu", i);
		if (what == 0)
			json_object_set(o, idx, json_array_get(cmds, i));
		else if (i < r->n_outputs && what == 1)
			json_object_set_new(o, idx, json_string(r->outputs[i].out));
		else if (i < r->n_outputs && what == 2)
			json_object_set_new(o, idx, json_string(r->outputs[i].err));
		else if (i < r->n_outputs)
			json_object_set_new(o, idx, json_integer(r->outputs[i].exit_code));
	}
	return o;
}

static int ssh_item_run(void *p, json_t **ret, sp_error *err)
{
	struct ssh_item *it = p;
	sp_ssh_result r = { 0 };
	sp_conn *c = NULL;
	char *pem = NULL;
	char *known = NULL;
	char k[2 * SP_NAME_MAX + 256];
	sp_error e = { 0 };
	size_t n = json_array_size(it->commands);
	const char *cmds[SP_SSH_COMMANDS_MAX];
	int rc;

	hostkey_key(it, k, sizeof(k));
	pthread_mutex_lock(&it->reg->lock);
	known = sp_strdup0(json_string_value(json_object_get(json_object_get(it->reg->hostkeys, k), "key")));
	pthread_mutex_unlock(&it->reg->lock);

	rc = sp_conn_acquire(it->reg->core, it->conn, &c, &e);
	if (rc == 0)
		rc = sp_keypair_private_key(c, it->key_name, &pem, &e);
	sp_conn_release(c);
	if (rc == 0) {
		sp_ssh_target t = { .host = it->host, .port = it->port, .user = it->user, .private_key = pem,
				    .known_host_key = known, .output_max = it->output_max };

		if (it->path) {
			rc = sp_ssh_upload(&t, it->data, it->len, it->path, it->mode, it->timeout_s, &r, &e);
		} else {
			for (size_t i = 0; i < n && i < SP_SSH_COMMANDS_MAX; i++)
				cmds[i] = json_string_value(json_array_get(it->commands, i));
			rc = sp_ssh_run(&t, cmds, n, it->timeout_s, &r, &e);
		}
		if (!known && r.host_key)
			hostkey_record(it, r.host_key);
	}
	sp_free_secret(pem);
	free(known);
	if (it->path)
		*ret = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "mcisId", it->mcis, "vmId", it->vm_id, "vmIp", it->ip,
				 "path", it->path, "bytes", (json_int_t)it->len, "err", rc == 0 ? "" : e.message);
	else {
		bool cut = false;

		for (size_t i = 0; i < r.n_outputs; i++)
			cut |= r.outputs[i].truncated;
		*ret = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:s}", "mcisId", it->mcis, "vmId", it->vm_id,
				 "vmIp", it->ip, "userName", it->user, "command", indexed(&r, n, it->commands, 0),
				 "stdout", indexed(&r, n, it->commands, 1), "stderr", indexed(&r, n, it->commands, 2),
				 "exitCode", indexed(&r, n, it->commands, 3), "outputTruncated", cut,
				 "err", rc == 0 ? "" : e.message);
	}
	sp_ssh_result_clear(&r);
	return *ret ? 0 : sp_error_oom(err);
}

static int ssh_run(job *j, json_t **ret, sp_error *err)
{
	struct ssh_job *sj = j->ctx;
	sp_mcis_reg *reg = j->reg;
	size_t n = json_array_size(sj->targets);
	_cleanup_json_ json_t *out = json_array();
	void **items = calloc(n + 1, sizeof(*items));
	sp_fanout_result *res = NULL;
	size_t k = 0;

	if (!items || !out) {
		free(items);
		return sp_error_oom(err);
	}
	size_t streams = 2 * (n ? n : 1) * (json_array_size(sj->commands) ? json_array_size(sj->commands) : 1);
	size_t share = CMD_OUTPUT_BUDGET / streams;

	if (share < CMD_OUTPUT_SHARE_MIN)
		share = CMD_OUTPUT_SHARE_MIN;
	pthread_mutex_lock(&reg->lock);
	for (size_t i = 0; i < n; i++) {
		json_t *mn = json_object_get(json_object_get(json_object_get(reg->ns, sj->ns), "mcis"), sj->mcis);
		json_t *vm = json_object_get(json_object_get(mn, "vm"), json_string_value(json_array_get(sj->targets, i)));
		struct ssh_item *it;
		const char *host;
		int64_t port = 22;

		if (!vm || !(it = calloc(1, sizeof(*it))))
			continue;
		host = *vm_str(vm, "_sshHost") ? vm_str(vm, "_sshHost") : vm_str(vm, "publicIP");
		sp_parse_int64(vm_str(vm, "sshPort"), 1, 65535, &port);
		*it = (struct ssh_item){ .reg = reg, .commands = sj->commands, .data = sj->data, .len = sj->len,
					 .path = sj->path, .mode = sj->mode, .timeout_s = sj->timeout_s, .port = (unsigned)port,
					 .output_max = share };
		snprintf(it->host, sizeof(it->host), "%s", host);
		it->mcis = strdup(sj->mcis);
		it->vm_id = strdup(vm_str(vm, "id"));
		it->conn = strdup(vm_str(vm, "connectionName"));
		it->key_name = strdup(vm_str(vm, "sshKeyId"));
		it->csp_id = strdup(vm_str(vm, "idByCSP"));
		it->ip = strdup(vm_str(vm, "publicIP"));
		it->user = strdup(sj->user ? sj->user : vm_str(vm, "vmUserAccount"));
		if (!it->mcis || !it->vm_id || !it->conn || !it->key_name || !it->csp_id || !it->ip || !it->user) {
			ssh_item_free(it);
			continue;
		}
		items[k++] = it;
	}
	pthread_mutex_unlock(&reg->lock);
	job_progress(j, 0, k, sj->path ? "copying" : "running commands");
	if (sp_fanout_run(items, k, ssh_item_run, ssh_item_free, sj->timeout_s + 5, &res, err) < 0) {
		free(items);
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		if (res[i].rc == 0)
			json_array_append(out, res[i].value);
		else
			json_array_append_new(out, json_pack("{s:s,s:s}", "mcisId", sj->mcis, "err", res[i].err.message));
	}
	sp_fanout_results_free(res, k);
	free(items);
	for (size_t i = 0; i < json_array_size(sj->not_running); i++)
		json_array_append(out, json_array_get(sj->not_running, i));
	job_progress(j, k, k, "done");
	*ret = json_pack("{s:O}", "results", out);
	return *ret ? 0 : sp_error_oom(err);
}

/* The target VMs: every Running VM in scope; the others get a result
 * saying why they were left out. */
static int ssh_targets(sp_mcis_reg *reg, struct ssh_job *sj, const char *subgroup, const char *vm, sp_error *err)
{
	const char *vk;
	json_t *mn, *v;

	pthread_mutex_lock(&reg->lock);
	if (!(mn = mcis_node(reg, sj->ns, sj->mcis, err)) || (vm && !vm_node(mn, vm, err))) {
		pthread_mutex_unlock(&reg->lock);
		return -1;
	}
	json_object_foreach(json_object_get(mn, "vm"), vk, v) {
		char why[256];

		if ((vm && strcmp(vk, vm)) || (subgroup && strcmp(vm_str(v, "subGroupId"), subgroup)))
			continue;
		if (!strcmp(vm_str(v, "status"), "Running")) {
			json_array_append_new(sj->targets, json_string(vk));
			continue;
		}
		snprintf(why, sizeof(why), "VM '%s' is %s; commands run only on Running VMs", vk, vm_str(v, "status"));
		if (vm) {
			pthread_mutex_unlock(&reg->lock);
			return sp_error_set(err, SP_ERR_CONFLICT, "%s", why);
		}
		json_array_append_new(sj->not_running, json_pack("{s:s,s:s,s:s}", "mcisId", sj->mcis, "vmId", vk, "err", why));
	}
	pthread_mutex_unlock(&reg->lock);
	if (subgroup && !json_array_size(sj->targets) && !json_array_size(sj->not_running))
		return sp_error_set(err, SP_ERR_NOT_FOUND, "subGroup '%s' does not exist in MCIS '%s'", subgroup, sj->mcis);
	if (!json_array_size(sj->targets))
		return sp_error_set(err, SP_ERR_CONFLICT, "MCIS '%s' has no Running VM%s to reach", sj->mcis,
				    subgroup ? " in that subGroup" : "");
	return 0;
}

static int ssh_common(sp_core *core, const char *ns, const char *mcis, const char *subgroup, const char *vm,
		      const json_t *req, struct ssh_job *sj, sp_error *err)
{
	const char *user = NULL, *t = NULL;
	char buf[24];
	int64_t timeout = CMD_TIMEOUT_DEFAULT_S;

	if (!json_is_object(req))
		return sp_error_set(err, SP_ERR_INVALID, "the body must be a JSON object");
	if (sp_json_string(req, "userName", false, &user, err) < 0 ||
	    json_str_or_num(req, "timeoutSeconds", buf, sizeof(buf), &t, err) < 0)
		return -1;
	if (!sp_isempty(t) && sp_parse_int64(t, 1, CMD_TIMEOUT_MAX_S, &timeout) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "timeoutSeconds '%s' is not a number from 1 to %d", t, CMD_TIMEOUT_MAX_S);
	if (user && (strlen(user) > 64 || strpbrk(user, "@:/ \t\n")))
		return sp_error_set(err, SP_ERR_INVALID, "userName '%.64s' is not a valid user name", user);
	sj->timeout_s = (double)timeout;
	if (!(sj->ns = strdup(ns)) || !(sj->mcis = strdup(mcis)) || (user && *user && !(sj->user = strdup(user))) ||
	    !(sj->targets = json_array()) || !(sj->not_running = json_array()))
		return sp_error_oom(err);
	return ssh_targets(core->mcis, sj, subgroup, vm, err);
}

int sp_mcis_command(sp_core *core, const char *ns, const char *mcis,
		    const char *subgroup, const char *vm, const json_t *req,
		    const sp_job_opts *o, json_t **ret, bool *ret_async,
		    sp_error *err)
{
	struct ssh_job *sj = calloc(1, sizeof(*sj));
	json_t *cmd;

	if (!sj)
		return sp_error_oom(err);
	cmd = sp_json_get(req, "command");
	if (json_is_string(cmd))
		sj->commands = json_pack("[O]", cmd);
	else if (json_is_array(cmd))
		sj->commands = json_incref(cmd);
	if (!sj->commands || json_array_size(sj->commands) == 0) {
		ssh_job_free(sj);
		return sp_error_set(err, SP_ERR_INVALID, "command is empty!: give a command or a list of them");
	}
	if (json_array_size(sj->commands) > SP_SSH_COMMANDS_MAX) {
		sp_error_set(err, SP_ERR_INVALID, "command has %zu entries; at most %d are allowed",
			     json_array_size(sj->commands), SP_SSH_COMMANDS_MAX);
		ssh_job_free(sj);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(sj->commands); i++) {
		const char *c = json_string_value(json_array_get(sj->commands, i));

		if (sp_isempty(c) || strlen(c) > 64 * 1024) {
			ssh_job_free(sj);
			return sp_error_set(err, SP_ERR_INVALID, "command[%zu] must be a non-empty string of at most 64 KiB", i);
		}
	}
	if (ssh_common(core, ns, mcis, subgroup, vm, req, sj, err) < 0) {
		ssh_job_free(sj);
		return -1;
	}
	return job_start(core->mcis, ns, "mcisCommand", vm ? vm : subgroup ? subgroup : mcis, ssh_run, sj,
			 ssh_job_free, o, ret, ret_async, err);
}

int sp_mcis_copy(sp_core *core, const char *ns, const char *mcis,
		 const char *subgroup, const char *vm, const json_t *req,
		 const sp_job_opts *o, json_t **ret, bool *ret_async,
		 sp_error *err)
{
	struct ssh_job *sj = calloc(1, sizeof(*sj));
	const char *path = NULL, *content = NULL, *mode = NULL;
	char buf[24];
	int64_t m = 0644;

	if (!sj)
		return sp_error_oom(err);
	if (!json_is_object(req) || sp_json_string(req, "path", true, &path, err) < 0 ||
	    sp_json_string(req, "content", false, &content, err) < 0 ||
	    json_str_or_num(req, "mode", buf, sizeof(buf), &mode, err) < 0) {
		if (!json_is_object(req))
			sp_error_set(err, SP_ERR_INVALID, "the body must be a JSON object with path and content");
		ssh_job_free(sj);
		return -1;
	}
	if (path[0] != '/' || strlen(path) > 4096) {
		ssh_job_free(sj);
		return sp_error_set(err, SP_ERR_INVALID, "path '%.100s' must be an absolute path of at most 4096 characters", path);
	}
	if (!sp_isempty(mode)) {
		char *end;

		m = strtol(mode, &end, 8);
		if (*end || m < 0 || m > 07777) {
			ssh_job_free(sj);
			return sp_error_set(err, SP_ERR_INVALID, "mode '%s' is not an octal file mode such as 0644", mode);
		}
	}
	content = content ? content : "";
	sj->data = malloc(3 * (strlen(content) / 4) + 3);
	if (!sj->data) {
		ssh_job_free(sj);
		return sp_error_oom(err);
	}
	if (sp_base64_decode(content, sj->data, &sj->len) < 0) {
		ssh_job_free(sj);
		return sp_error_set(err, SP_ERR_INVALID, "content is not valid base64");
	}
	sj->mode = (unsigned)m;
	if (!(sj->path = strdup(path)) || !(sj->commands = json_array())) {
		ssh_job_free(sj);
		return sp_error_oom(err);
	}
	if (ssh_common(core, ns, mcis, subgroup, vm, req, sj, err) < 0) {
		ssh_job_free(sj);
		return -1;
	}
	return job_start(core->mcis, ns, "mcisCopy", vm ? vm : subgroup ? subgroup : mcis, ssh_run, sj,
			 ssh_job_free, o, ret, ret_async, err);
}
