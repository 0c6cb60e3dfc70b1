/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/ssh.h - run commands on a VM, and copy a file to it, over SSH
 * (libssh), with a deadline on the whole exchange.
 *
 * Host keys are trusted on first use: the caller records the key a server
 * showed the first time (sp_ssh_result.host_key) and passes it back as
 * sp_ssh_target.known_host_key on every later contact; a server that then
 * shows another key is refused before anything is sent to it.  No
 * known_hosts file and no ~/.ssh configuration is read or written.
 *
 * Every call opens its own connection and uses it from the calling thread
 * only, so any number of calls may run at once on different threads.
 */
#ifndef SP_CORE_SSH_H
#define SP_CORE_SSH_H

#include "util/common.h"

#define SP_SSH_OUTPUT_MAX (1024 * 1024)   /* per stream per command; beyond it, truncated */
#define SP_SSH_COMMANDS_MAX 64
#define SP_SSH_UPLOAD_MAX (64 * 1024 * 1024)
#define SP_SSH_PORT_DEFAULT 22

typedef struct sp_ssh_target {
	const char *host;            /* "127.0.0.1" or a name */
	unsigned port;               /* 22 when 0 */
	const char *user;
	/* PEM text (borrowed): RSA "BEGIN RSA PRIVATE KEY" traditional PEM,
	 * or the OpenSSH format; not encrypted. */
	const char *private_key;
	/* The host key recorded at first contact, as "<type> <base64>"
	 * (e.g. "ssh-ed25519 AAAA..."; a trailing comment is ignored), or
	 * NULL on first contact. */
	const char *known_host_key;
	/* The most bytes kept of each command's stdout and of its stderr;
	 * 0 means SP_SSH_OUTPUT_MAX (a caller running on many hosts at once
	 * gives each a share of its own budget). */
	size_t output_max;
} sp_ssh_target;

typedef struct sp_ssh_output {
	char *out;        /* stdout, NUL-terminated, malloc'd ("" when none) */
	char *err;        /* stderr, likewise */
	int exit_code;    /* -1 when the command did not run to an exit status */
	bool truncated;   /* out or err was cut at the output cap */
} sp_ssh_output;

typedef struct sp_ssh_result {
	/* The host key the server showed, "<type> <base64>" (malloc'd), set
	 * as soon as the key exchange is done, also when the call then fails:
	 * the caller records it on first contact. */
	char *host_key;
	sp_ssh_output *outputs;  /* one per command that was started, in order */
	size_t n_outputs;
} sp_ssh_result;

/* Free what r holds and zero it; r may be NULL or already cleared. */
void sp_ssh_result_clear(sp_ssh_result *r);

/*
 * Connect, check the host key, authenticate with the private key as
 * t->user, and run cmds[0..n) one after another over the one connection
 * (one exec channel each), collecting the stdout, stderr and exit status
 * of each.  A command that exits non-zero does not stop the next.
 * n may be 0 (connect and check only); more than SP_SSH_COMMANDS_MAX is
 * SP_ERR_INVALID.
 *
 * The whole call, connect included, ends within timeout_s (> 0): a
 * command still running at the deadline is cut off (its output so far is
 * kept, exit_code -1) and the call fails with SP_ERR_TIMEOUT.
 * Other failures, each "ssh: <host>:<port>: <what>":
 *   SP_ERR_INVALID      bad target, unreadable private or recorded key
 *   SP_ERR_CONFLICT     the host key differs from t->known_host_key
 *                       (nothing was run)
 *   SP_ERR_AUTH         the server refused the key (names the user)
 *   SP_ERR_UNAVAILABLE  connection refused, unreachable, or dropped
 *   SP_ERR_INTERNAL     out of memory
 * *ret must be zeroed by the caller before the call; on success and on
 * failure alike it holds what was learnt and run so far, and must be
 * cleared with sp_ssh_result_clear().
 */
int sp_ssh_run(const sp_ssh_target *t, const char *const *cmds, size_t n,
	       double timeout_s, sp_ssh_result *ret, sp_error *err);

/*
 * Write len bytes of data (at most SP_SSH_UPLOAD_MAX, else
 * SP_ERR_TOO_LARGE) to remote_path over SFTP, creating or truncating the
 * file, then set its permission bits to mode (e.g. 0644).  Same
 * connection, host-key, timeout and failure rules as sp_ssh_run(), plus
 * SP_ERR_FORBIDDEN / SP_ERR_NOT_FOUND when the server refuses the path.
 * ret->host_key is set as there; no outputs.
 */
int sp_ssh_upload(const sp_ssh_target *t, const void *data, size_t len,
		  const char *remote_path, unsigned mode, double timeout_s,
		  sp_ssh_result *ret, sp_error *err);

/* The "SHA256:<unpadded base64>" fingerprint of a "<type> <base64>" key
 * (what ssh-keygen -l shows; malloc'd), or NULL on bad input. */
char *sp_ssh_fingerprint(const char *key);

#endif
