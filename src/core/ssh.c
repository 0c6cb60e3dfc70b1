/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/ssh.c - commands and file copies over SSH (see ssh.h).
 *
 * The session stays in libssh's blocking mode, and before every blocking
 * call the session timeout is set to what is left until the deadline:
 * libssh bounds each wait by that option.  Channel reads wait in short
 * slices instead, so that stderr is drained while stdout is quiet.  Once
 * the deadline has passed the session is switched to non-blocking mode,
 * so that closing the channel and the connection cannot wait any longer.
 */
#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <pthread.h>

#include "core/ssh.h"
#include "util/buf.h"

/* How long one channel read waits before stderr is looked at again. */
#define READ_SLICE_MS 50
#define READ_CHUNK 16384
#define SFTP_CHUNK 16384
/* Room for "[host]:port" in messages. */
#define WHERE_MAX 300

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;
static int ssh_init_rc;

static void ssh_init_once(void)
{
	ssh_init_rc = ssh_init();
}

struct conn {
	ssh_session s;
	double deadline;
	size_t output_max;      /* per stream per command */
	char where[WHERE_MAX];  /* "host:port", for messages */
};

static void conn_close(struct conn *c)
{
	if (!c->s)
		return;
	ssh_set_blocking(c->s, 0);
	ssh_disconnect(c->s);
	ssh_free(c->s);
	c->s = NULL;
}

static inline void ssh_key_freep(ssh_key *p)
{
	ssh_key_free(*p);
}

static inline void ssh_channel_freep(ssh_channel *p)
{
	if (*p)
		ssh_channel_free(*p);
}

static inline void sftp_freep(sftp_session *p)
{
	if (*p)
		sftp_free(*p);
}

static inline void ssh_string_free_charp(char **p)
{
	ssh_string_free_char(*p);
}

/* Whether the deadline has passed; if so, nothing may block any more. */
static bool conn_expired(struct conn *c)
{
	if (sp_now_mono() < c->deadline)
		return false;
	ssh_set_blocking(c->s, 0);
	return true;
}

/* Bound the next blocking call by the time left; -1 when none is. */
static int conn_arm(struct conn *c)
{
	double left = c->deadline - sp_now_mono();
	long usec = left <= 0 ? 0 : left < 1e9 ? (long)(left * 1e6) : (long)1e15; /* fits a long */
	long sec = usec / 1000000;

	if (usec < 1000) {
		ssh_set_blocking(c->s, 0);
		return -1;
	}
	/* Both options: libssh adds them up. */
	usec %= 1000000;
	if (ssh_options_set(c->s, SSH_OPTIONS_TIMEOUT, &sec) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_TIMEOUT_USEC, &usec) < 0)
		return -1;
	return 0;
}

static int conn_timeout(struct conn *c, const char *what, sp_error *err)
{
	return sp_error_set(err, SP_ERR_TIMEOUT, "ssh: %s: timed out %s", c->where, what);
}

/* A libssh call failed: a timeout if the deadline has passed, else code. */
static int conn_fail(struct conn *c, sp_errcode code, const char *what,
		     sp_error *err)
{
	/* libssh's own timer, armed with the time left, may go off a little
	 * before ours: a failure that close to the deadline is the timeout. */
	if (sp_now_mono() + 0.05 >= c->deadline) {
		ssh_set_blocking(c->s, 0);
		return sp_error_set(err, SP_ERR_TIMEOUT, "ssh: %s: %s: timed out", c->where, what);
	}
	return sp_error_set(err, code, "ssh: %s: %s: %s", c->where, what, ssh_get_error(c->s));
}

/* "<type> <base64>" of a key (malloc'd), or NULL. */
static char *key_text(ssh_key key)
{
	_cleanup_(ssh_string_free_charp) char *b64 = NULL;
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	char *out;

	if (!type || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return NULL;
	if (asprintf(&out, "%s %s", type, b64) < 0)
		return NULL;
	return out;
}

/* Split "<type> <base64>[ comment]" into its two words (copied into
 * type and b64); -1 if malformed. */
static int key_split(const char *key, char type[static 64], char **ret_b64)
{
	size_t tlen, blen;
	const char *b;

	if (!key)
		return -1;
	key += strspn(key, " \t");
	tlen = strcspn(key, " \t");
	if (tlen == 0 || tlen >= 64)
		return -1;
	b = key + tlen;
	b += strspn(b, " \t");
	blen = strcspn(b, " \t\r\n");
	if (blen == 0)
		return -1;
	memcpy(type, key, tlen);
	type[tlen] = '\0';
	return (*ret_b64 = strndup(b, blen)) ? 0 : -1;
}

/* The key a "<type> <base64>" text stands for, or NULL. */
static ssh_key key_parse(const char *text)
{
	_cleanup_free_ char *b64 = NULL;
	char type[64];
	enum ssh_keytypes_e kt;
	ssh_key key = NULL;

	if (key_split(text, type, &b64) < 0 ||
	    (kt = ssh_key_type_from_name(type)) == SSH_KEYTYPE_UNKNOWN ||
	    ssh_pki_import_pubkey_base64(b64, kt, &key) != SSH_OK)
		return NULL;
	return key;
}

static char *key_fingerprint(ssh_key key)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp, *out;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0)
		return NULL;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	/* Ours to free() whatever libssh allocates with. */
	out = sp_strdup0(fp);
	ssh_string_free_char(fp);
	return out;
}

char *sp_ssh_fingerprint(const char *key)
{
	_cleanup_(ssh_key_freep) ssh_key k = key_parse(key);

	return k ? key_fingerprint(k) : NULL;
}

/* The host key algorithms that make a server show a key of the recorded
 * type again, when it has keys of several types. */
static const char *hostkey_algorithms(ssh_key known)
{
	switch (ssh_key_type(known)) {
	case SSH_KEYTYPE_RSA:
		return "rsa-sha2-512,rsa-sha2-256";
	default:
		return ssh_key_type_to_char(ssh_key_type(known));
	}
}

static int conn_setup(struct conn *c, const sp_ssh_target *t, double timeout_s,
		      ssh_key known, sp_error *err)
{
	int port = (int)(t->port ? t->port : SP_SSH_PORT_DEFAULT);
	bool no = false;

	c->deadline = sp_now_mono() + timeout_s;
	pthread_once(&ssh_once, ssh_init_once);
	if (ssh_init_rc < 0)
		return sp_error_set(err, SP_ERR_INTERNAL, "ssh: cannot initialise libssh");
	if (!(c->s = ssh_new()))
		return sp_error_oom(err);
	/* No files: neither ~/.ssh/config nor any known_hosts. */
	if (ssh_options_set(c->s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_HOST, t->host) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(c->s, SSH_OPTIONS_USER, t->user) < 0 ||
	    (known && ssh_options_set(c->s, SSH_OPTIONS_HOSTKEYS, hostkey_algorithms(known)) < 0))
		return sp_error_set(err, SP_ERR_INVALID, "ssh: %s: bad connection options: %s", c->where, ssh_get_error(c->s));
	return 0;
}

/* TOFU: the server's key must be the recorded one, when there is one. */
static int conn_check_host(struct conn *c, ssh_key known, sp_ssh_result *ret,
			   sp_error *err)
{
	_cleanup_(ssh_key_freep) ssh_key offered = NULL;
	_cleanup_free_ char *fp_known = NULL;
	_cleanup_free_ char *fp_offered = NULL;

	if (ssh_get_server_publickey(c->s, &offered) != SSH_OK)
		return conn_fail(c, SP_ERR_UNAVAILABLE, "no host key", err);
	free(ret->host_key);
	if (!(ret->host_key = key_text(offered)))
		return sp_error_oom(err);
	if (!known || ssh_key_cmp(known, offered, SSH_KEY_CMP_PUBLIC) == 0)
		return 0;
	fp_known = key_fingerprint(known);
	fp_offered = key_fingerprint(offered);
	return sp_error_set(err, SP_ERR_CONFLICT, "ssh: host key of %s changed: recorded %s, offered %s; refusing to connect", c->where, fp_known ? fp_known : "?", fp_offered ? fp_offered : "?");
}

/* Connect, check the host key, log in. */
static int conn_open(struct conn *c, const sp_ssh_target *t, double timeout_s,
		     sp_ssh_result *ret, sp_error *err)
{
	_cleanup_(ssh_key_freep) ssh_key known = NULL;
	_cleanup_(ssh_key_freep) ssh_key priv = NULL;
	int rc;

	if (sp_isempty(t->host) || sp_isempty(t->user) || sp_isempty(t->private_key) || t->port > 65535)
		return sp_error_set(err, SP_ERR_INVALID, "ssh: host, user and private key are required, and a port up to 65535");
	if (!(timeout_s > 0))
		return sp_error_set(err, SP_ERR_INVALID, "ssh: the timeout must be positive");
	snprintf(c->where, sizeof(c->where), strchr(t->host, ':') ? "[%s]:%u" : "%s:%u", t->host, t->port ? t->port : SP_SSH_PORT_DEFAULT);
	if (t->known_host_key && !(known = key_parse(t->known_host_key)))
		return sp_error_set(err, SP_ERR_INVALID, "ssh: %s: the recorded host key '%.64s' is not a '<type> <base64>' public key", c->where, t->known_host_key);
	if (conn_setup(c, t, timeout_s, known, err) < 0)
		return -1;
	if (ssh_pki_import_privkey_base64(t->private_key, NULL, NULL, NULL, &priv) != SSH_OK)
		return sp_error_set(err, SP_ERR_INVALID, "ssh: %s: the private key is not an unencrypted PEM or OpenSSH key", c->where);
	if (conn_arm(c) < 0)
		return conn_timeout(c, "before connecting", err);
	if (ssh_connect(c->s) != SSH_OK)
		return conn_fail(c, SP_ERR_UNAVAILABLE, "cannot connect", err);
	if (conn_check_host(c, known, ret, err) < 0)
		return -1;
	if (conn_arm(c) < 0)
		return conn_timeout(c, "before authenticating", err);
	rc = ssh_userauth_publickey(c->s, NULL, priv);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL)
		return sp_error_set(err, SP_ERR_AUTH, "ssh: %s: the server refused the key for user '%s'", c->where, t->user);
	return conn_fail(c, SP_ERR_UNAVAILABLE, "authentication failed", err);
}

/* ---- commands ------------------------------------------------------- */

/* The text collected ("" for none), handed on. */
static char *buf_take(sp_buf *b)
{
	return b->data ? TAKE_PTR(b->data) : strdup("");
}

/* Read what stream has now into k, without waiting: 1 if anything came,
 * 0 if not, -1 on a channel error, -2 when memory ran out. */
static int channel_drain(ssh_channel ch, int is_stderr, sp_buf *k,
			 char *buf)
{
	int got = 0, n;

	while ((n = ssh_channel_read_nonblocking(ch, buf, READ_CHUNK, is_stderr)) > 0) {
		got = 1;
		if (sp_buf_append(k, buf, (size_t)n) < 0)
			return -2;
	}
	/* SSH_EOF and SSH_AGAIN: nothing more for now. */
	return n == SSH_ERROR ? -1 : got;
}

/* Read stdout and stderr until the command closes them. */
static int command_read(struct conn *c, ssh_channel ch, sp_buf *out,
			sp_buf *errs, sp_error *err)
{
	char buf[READ_CHUNK];

	for (;;) {
		double left = c->deadline - sp_now_mono();
		int n, e;

		if (left <= 0 || conn_expired(c))
			return conn_timeout(c, "waiting for the command", err);
		n = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0, left * 1000 < READ_SLICE_MS ? (int)(left * 1000) + 1 : READ_SLICE_MS);
		if (n == SSH_ERROR)
			return conn_fail(c, SP_ERR_UNAVAILABLE, "reading the command's output", err);
		if (n > 0 && sp_buf_append(out, buf, (size_t)n) < 0)
			return sp_error_oom(err);
		if ((e = channel_drain(ch, 1, errs, buf)) == -2)
			return sp_error_oom(err);
		if (e < 0)
			return conn_fail(c, SP_ERR_UNAVAILABLE, "reading the command's errors", err);
		if (n <= 0 && e == 0 && (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))) {
			/* EOF seen: take whatever stdout still holds. */
			if ((n = channel_drain(ch, 0, out, buf)) == -2)
				return sp_error_oom(err);
			if (n <= 0)
				return 0;
		}
	}
}

static int command_run(struct conn *c, const char *cmd, sp_ssh_output *o,
		       sp_error *err)
{
	_cleanup_(ssh_channel_freep) ssh_channel ch = NULL;
	/* Each stream keeps its cap of bytes and drops the rest. */
	_cleanup_(sp_buf_freep) sp_buf out = { .max = c->output_max };
	_cleanup_(sp_buf_freep) sp_buf errs = { .max = c->output_max };
	int rc = 0, status;

	o->exit_code = -1;
	if (!(ch = ssh_channel_new(c->s)))
		rc = conn_fail(c, SP_ERR_INTERNAL, "cannot make a channel", err);
	else if (conn_arm(c) < 0)
		rc = conn_timeout(c, "before running a command", err);
	else if (ssh_channel_open_session(ch) != SSH_OK)
		rc = conn_fail(c, SP_ERR_UNAVAILABLE, "cannot open a session channel", err);
	else if (conn_arm(c) < 0)
		rc = conn_timeout(c, "before running a command", err);
	else if (ssh_channel_request_exec(ch, cmd) != SSH_OK)
		rc = conn_fail(c, SP_ERR_UNAVAILABLE, "the server refused to run the command", err);
	else if (command_read(c, ch, &out, &errs, err) < 0)
		rc = -1;
	else if (conn_arm(c) < 0)
		rc = conn_timeout(c, "waiting for the exit status", err);
	else if ((status = ssh_channel_get_exit_status(ch)) < 0 && conn_expired(c))
		rc = conn_timeout(c, "waiting for the exit status", err);
	else
		o->exit_code = status;
	if (rc == 0 && conn_arm(c) == 0)
		ssh_channel_close(ch);
	o->truncated = out.truncated || errs.truncated;
	o->out = buf_take(&out);
	o->err = buf_take(&errs);
	if ((!o->out || !o->err) && rc == 0)
		rc = sp_error_oom(err);
	return rc;
}

void sp_ssh_result_clear(sp_ssh_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_outputs; i++) {
		free(r->outputs[i].out);
		free(r->outputs[i].err);
	}
	free(r->outputs);
	free(r->host_key);
	memset(r, 0, sizeof(*r));
}

int sp_ssh_run(const sp_ssh_target *t, const char *const *cmds, size_t n,
	       double timeout_s, sp_ssh_result *ret, sp_error *err)
{
	_cleanup_(conn_close) struct conn c = { 0 };

	if (n > SP_SSH_COMMANDS_MAX)
		return sp_error_set(err, SP_ERR_INVALID, "ssh: %zu commands given; at most %d run in one call", n, SP_SSH_COMMANDS_MAX);
	for (size_t i = 0; i < n; i++)
		if (!cmds[i])
			return sp_error_set(err, SP_ERR_INVALID, "ssh: command %zu is missing", i);
	if (n && !(ret->outputs = calloc(n, sizeof(*ret->outputs))))
		return sp_error_oom(err);
	if (conn_open(&c, t, timeout_s, ret, err) < 0)
		return -1;
	c.output_max = t->output_max && t->output_max < SP_SSH_OUTPUT_MAX ? t->output_max : SP_SSH_OUTPUT_MAX;
	for (size_t i = 0; i < n; i++) {
		ret->n_outputs = i + 1;
		if (command_run(&c, cmds[i], &ret->outputs[i], err) < 0)
			return -1;
	}
	return 0;
}

/* ---- SFTP ----------------------------------------------------------- */

static int sftp_fail(struct conn *c, sftp_session sftp, const char *path,
		     const char *what, sp_error *err)
{
	int code = sftp ? sftp_get_error(sftp) : SSH_FX_OK;

	if (conn_expired(c))
		return sp_error_set(err, SP_ERR_TIMEOUT, "ssh: %s: %s '%s': timed out", c->where, what, path);
	if (code == SSH_FX_PERMISSION_DENIED)
		return sp_error_set(err, SP_ERR_FORBIDDEN, "ssh: %s: %s '%s': permission denied", c->where, what, path);
	if (code == SSH_FX_NO_SUCH_FILE || code == SSH_FX_NO_SUCH_PATH)
		return sp_error_set(err, SP_ERR_NOT_FOUND, "ssh: %s: %s '%s': no such file or directory", c->where, what, path);
	return sp_error_set(err, SP_ERR_UNAVAILABLE, "ssh: %s: %s '%s': %s (SFTP status %d)", c->where, what, path, ssh_get_error(c->s), code);
}

static int sftp_put(struct conn *c, sftp_session sftp, const void *data,
		    size_t len, const char *path, unsigned mode, sp_error *err)
{
	const char *p = data;
	sftp_file f;
	int rc = 0;

	if (conn_arm(c) < 0)
		return conn_timeout(c, "before opening the file", err);
	if (!(f = sftp_open(sftp, path, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode)))
		return sftp_fail(c, sftp, path, "cannot open", err);
	while (len > 0) {
		size_t chunk = len < SFTP_CHUNK ? len : SFTP_CHUNK;
		ssize_t n;

		if (conn_arm(c) < 0) {
			rc = conn_timeout(c, "writing the file", err);
			break;
		}
		if ((n = sftp_write(f, p, chunk)) <= 0) {
			rc = sftp_fail(c, sftp, path, "cannot write", err);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc < 0) {
		sftp_close(f);
		return rc;
	}
	if (conn_arm(c) < 0) {
		sftp_close(f);
		return conn_timeout(c, "closing the file", err);
	}
	if (sftp_close(f) != SSH_OK)
		return sftp_fail(c, sftp, path, "cannot close", err);
	/* The open mode went through the server's umask; this does not. */
	if (conn_arm(c) < 0)
		return conn_timeout(c, "setting the file mode", err);
	if (sftp_chmod(sftp, path, (mode_t)mode) < 0)
		return sftp_fail(c, sftp, path, "cannot set the mode of", err);
	return 0;
}

int sp_ssh_upload(const sp_ssh_target *t, const void *data, size_t len,
		  const char *remote_path, unsigned mode, double timeout_s,
		  sp_ssh_result *ret, sp_error *err)
{
	_cleanup_(conn_close) struct conn c = { 0 };
	_cleanup_(sftp_freep) sftp_session sftp = NULL;

	if (sp_isempty(remote_path) || (!data && len))
		return sp_error_set(err, SP_ERR_INVALID, "ssh: upload: a remote path and the data are required");
	if (len > SP_SSH_UPLOAD_MAX)
		return sp_error_set(err, SP_ERR_TOO_LARGE, "ssh: upload to '%s': %zu bytes is over the limit of %d", remote_path, len, SP_SSH_UPLOAD_MAX);
	if (mode > 07777)
		return sp_error_set(err, SP_ERR_INVALID, "ssh: upload to '%s': mode %o is invalid", remote_path, mode);
	if (conn_open(&c, t, timeout_s, ret, err) < 0)
		return -1;
	if (conn_arm(&c) < 0)
		return conn_timeout(&c, "before starting SFTP", err);
	if (!(sftp = sftp_new(c.s)))
		return conn_fail(&c, SP_ERR_UNAVAILABLE, "cannot open an SFTP channel", err);
	if (conn_arm(&c) < 0)
		return conn_timeout(&c, "before starting SFTP", err);
	if (sftp_init(sftp) != SSH_OK)
		return sftp_fail(&c, sftp, remote_path, "cannot start SFTP for", err);
	return sftp_put(&c, sftp, data, len, remote_path, mode, err);
}
