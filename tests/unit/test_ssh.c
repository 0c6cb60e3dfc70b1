/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ssh.c - commands and uploads over SSH against a real OpenSSH
 * server: each test starts its own sshd on a free loopback port with a
 * temporary directory (host key, authorized_keys, config) and kills it
 * at the end.  Skipped (exit 77) when /usr/sbin/sshd is missing.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ssh.h"
#include "util/common.h"

#define SSHD "/usr/sbin/sshd"
#define THREADS 20

struct sshd {
	char dir[64];
	pid_t pid;
	unsigned port;
	char user[64];
	char home[256];
	char *host_key;     /* "ssh-ed25519 AAAA..." */
	char *client_key;   /* RSA, traditional PEM */
};

/* ---- helpers -------------------------------------------------------- */

static char *slurp(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!f || !(m = open_memstream(&buf, &len)))
		return NULL;
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	return buf;
}

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* "<type> <base64>" of an OpenSSH .pub file, without its comment. */
static char *pub_key(const char *path)
{
	char *text = slurp(path), *sp;

	assert_non_null(text);
	sp = strchr(text, ' ');
	assert_non_null(sp);
	sp[1 + strcspn(sp + 1, " \n")] = '\0';
	return text;
}

/* A port nothing listens on right now. */
static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool port_open(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void sshd_start(struct sshd *d)
{
	char cfg[128], log[128];
	_cleanup_fclose_ FILE *f = NULL;

	d->port = free_port();
	snprintf(cfg, sizeof(cfg), "%s/sshd_config", d->dir);
	snprintf(log, sizeof(log), "%s/sshd.log", d->dir);
	assert_non_null(f = fopen(cfg, "w"));
	fprintf(f, "ListenAddress 127.0.0.1:%u\n"
		   "HostKey %s/host_key\n"
		   "AuthorizedKeysFile %s/authorized_keys\n"
		   "PidFile %s/sshd.pid\n"
		   "StrictModes no\nUsePAM no\n"
		   "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
		   "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
		   "Subsystem sftp internal-sftp\n"
		   "MaxStartups 200\nLogLevel VERBOSE\n",
		d->port, d->dir, d->dir, d->dir);
	fclose(TAKE_PTR(f));
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		/* Dies with the test, however the test ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, STDERR_FILENO);
		execl(SSHD, SSHD, "-D", "-e", "-f", cfg, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && !port_open(d->port); i++) {
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			fail_msg("sshd exited; see %s", log);
		}
		usleep(10000);
	}
	if (!port_open(d->port))
		fail_msg("sshd does not listen on port %u; see %s", d->port, log);
}

static void sshd_stop(struct sshd *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct sshd *d = calloc(1, sizeof(*d));
	struct passwd *pw = getpwuid(getuid());
	char path[128];

	if (!d || !pw)
		return -1;
	*state = d;
	snprintf(d->dir, sizeof(d->dir), "/tmp/spider-ssh-test-XXXXXX");
	if (!mkdtemp(d->dir))
		return -1;
	snprintf(d->user, sizeof(d->user), "%s", pw->pw_name);
	snprintf(d->home, sizeof(d->home), "%s", pw->pw_dir);
	/* sshd's privilege separation directory. */
	if (mkdir("/run/sshd", 0755) < 0 && errno != EEXIST && getuid() == 0)
		return -1;
	sh("ssh-keygen -q -t ed25519 -N '' -C host -f %s/host_key", d->dir);
	sh("ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C client -f %s/id_rsa", d->dir);
	sh("cp %s/id_rsa.pub %s/authorized_keys", d->dir, d->dir);
	snprintf(path, sizeof(path), "%s/host_key.pub", d->dir);
	d->host_key = pub_key(path);
	snprintf(path, sizeof(path), "%s/id_rsa", d->dir);
	d->client_key = slurp(path);
	if (!d->client_key || strncmp(d->client_key, "-----BEGIN RSA PRIVATE KEY-----", 31) != 0)
		return -1;
	sshd_start(d);
	return 0;
}

static int teardown(void **state)
{
	struct sshd *d = *state;

	if (!d)
		return 0;
	sshd_stop(d);
	nftw(d->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(d->host_key);
	sp_free_secret(d->client_key);
	free(d);
	return 0;
}

static sp_ssh_target target(struct sshd *d)
{
	return (sp_ssh_target){ .host = "127.0.0.1", .port = d->port, .user = d->user, .private_key = d->client_key };
}

static void expect_error(const sp_error *err, sp_errcode code, const char *text)
{
	if (err->code != code || !strstr(err->message, text))
		fail_msg("want error %d with '%s', got %d '%s'", code, text, err->code, err->message);
}

/* stderr ends with want: the remote login shell's start-up files (a
 * ~/.bashrc) may print there first. */
static void expect_stderr(const char *got, const char *want)
{
	size_t g = strlen(got), w = strlen(want);

	if (g < w || strcmp(got + g - w, want) != 0)
		fail_msg("stderr '%s' does not end with '%s'", got, want);
}

static bool exists(struct sshd *d, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", d->dir, name);
	return access(path, F_OK) == 0;
}

/* ---- tests ---------------------------------------------------------- */

static void test_commands(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	const char *cmds[] = { "echo hi; echo err >&2; exit 3", "pwd", "true" };
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };
	char want[300];

	if (sp_ssh_run(&t, cmds, ELEMENTSOF(cmds), 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(r.host_key, d->host_key);
	assert_int_equal(r.n_outputs, 3);
	assert_string_equal(r.outputs[0].out, "hi\n");
	expect_stderr(r.outputs[0].err, "err\n");
	assert_int_equal(r.outputs[0].exit_code, 3);
	assert_false(r.outputs[0].truncated);
	snprintf(want, sizeof(want), "%s\n", d->home);
	assert_string_equal(r.outputs[1].out, want);
	assert_int_equal(r.outputs[1].exit_code, 0);
	assert_string_equal(r.outputs[2].out, "");
	assert_int_equal(r.outputs[2].exit_code, 0);
	sp_ssh_result_clear(&r);
	sp_ssh_result_clear(&r);

	/* No command: connect and learn the host key only. */
	if (sp_ssh_run(&t, NULL, 0, 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(r.host_key, d->host_key);
	assert_int_equal(r.n_outputs, 0);
	sp_ssh_result_clear(&r);
}

static void test_host_key(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	char cmd[200], path[128], with_comment[1024];
	const char *cmds[] = { cmd };
	_cleanup_free_ char *other = NULL;
	_cleanup_free_ char *fp_real = NULL;
	_cleanup_free_ char *fp_other = NULL;
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };

	snprintf(cmd, sizeof(cmd), "touch %s/marker", d->dir);
	sh("ssh-keygen -q -t ed25519 -N '' -f %s/other_key", d->dir);
	snprintf(path, sizeof(path), "%s/other_key.pub", d->dir);
	other = pub_key(path);
	fp_real = sp_ssh_fingerprint(d->host_key);
	fp_other = sp_ssh_fingerprint(other);
	assert_non_null(fp_real);
	assert_non_null(fp_other);

	/* Another key recorded: refused before anything runs. */
	t.known_host_key = other;
	assert_int_equal(sp_ssh_run(&t, cmds, 1, 20, &r, &err), -1);
	expect_error(&err, SP_ERR_CONFLICT, "host key of 127.0.0.1:");
	expect_error(&err, SP_ERR_CONFLICT, "changed: recorded ");
	expect_error(&err, SP_ERR_CONFLICT, fp_other);
	expect_error(&err, SP_ERR_CONFLICT, fp_real);
	expect_error(&err, SP_ERR_CONFLICT, "refusing to connect");
	assert_string_equal(r.host_key, d->host_key);
	assert_int_equal(r.n_outputs, 0);
	sp_ssh_result_clear(&r);
	usleep(200000);
	assert_false(exists(d, "marker"));

	/* The recorded key, with its comment: accepted. */
	snprintf(with_comment, sizeof(with_comment), "%s root@somewhere", d->host_key);
	t.known_host_key = with_comment;
	if (sp_ssh_run(&t, cmds, 1, 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(r.outputs[0].exit_code, 0);
	assert_true(exists(d, "marker"));
	sp_ssh_result_clear(&r);

	/* A recorded key that is no key. */
	t.known_host_key = "ssh-ed25519 !!!";
	assert_int_equal(sp_ssh_run(&t, cmds, 1, 20, &r, &err), -1);
	expect_error(&err, SP_ERR_INVALID, "recorded host key");
	assert_null(r.host_key);
	sp_ssh_result_clear(&r);
}

static void test_fingerprint(void **state)
{
	struct sshd *d = *state;
	char cmd[256], line[512] = "";
	_cleanup_free_ char *fp = sp_ssh_fingerprint(d->host_key);
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -E sha256 -f %s/host_key.pub", d->dir);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	assert_non_null(fp);
	assert_int_equal(strncmp(fp, "SHA256:", 7), 0);
	assert_non_null(strstr(line, fp));
	assert_null(sp_ssh_fingerprint(NULL));
	assert_null(sp_ssh_fingerprint(""));
	assert_null(sp_ssh_fingerprint("ssh-ed25519"));
	assert_null(sp_ssh_fingerprint("ssh-nope AAAA"));
	assert_null(sp_ssh_fingerprint("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
}

static void test_auth(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	const char *cmds[] = { "echo ok" };
	char path[128];
	_cleanup_secret_ char *wrong = NULL;
	_cleanup_secret_ char *openssh = NULL;
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };

	/* A key the server does not know. */
	sh("ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f %s/wrong", d->dir);
	snprintf(path, sizeof(path), "%s/wrong", d->dir);
	wrong = slurp(path);
	t.private_key = wrong;
	assert_int_equal(sp_ssh_run(&t, cmds, 1, 20, &r, &err), -1);
	expect_error(&err, SP_ERR_AUTH, "ssh: 127.0.0.1:");
	expect_error(&err, SP_ERR_AUTH, d->user);
	assert_string_equal(r.host_key, d->host_key);
	assert_int_equal(r.n_outputs, 0);
	sp_ssh_result_clear(&r);

	/* An OpenSSH-format key, once authorised. */
	sh("ssh-keygen -q -t ed25519 -N '' -f %s/new_format", d->dir);
	sh("cat %s/new_format.pub >> %s/authorized_keys", d->dir, d->dir);
	snprintf(path, sizeof(path), "%s/new_format", d->dir);
	openssh = slurp(path);
	assert_non_null(strstr(openssh, "BEGIN OPENSSH PRIVATE KEY"));
	t.private_key = openssh;
	if (sp_ssh_run(&t, cmds, 1, 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(r.outputs[0].out, "ok\n");
	sp_ssh_result_clear(&r);

	/* Not a key at all. */
	t.private_key = "-----BEGIN RSA PRIVATE KEY-----\nnonsense\n-----END RSA PRIVATE KEY-----\n";
	assert_int_equal(sp_ssh_run(&t, cmds, 1, 20, &r, &err), -1);
	expect_error(&err, SP_ERR_INVALID, "private key");
	sp_ssh_result_clear(&r);
}

static void test_bad_input(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	const char *cmds[SP_SSH_COMMANDS_MAX + 1];
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };

	for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
		cmds[i] = "true";
	assert_int_equal(sp_ssh_run(&t, cmds, ELEMENTSOF(cmds), 20, &r, &err), -1);
	expect_error(&err, SP_ERR_INVALID, "at most 64");
	sp_ssh_result_clear(&r);
	t.user = "";
	assert_int_equal(sp_ssh_run(&t, cmds, 1, 20, &r, &err), -1);
	expect_error(&err, SP_ERR_INVALID, "required");
	sp_ssh_result_clear(&r);
	t = target(d);
	assert_int_equal(sp_ssh_run(&t, cmds, 1, 0, &r, &err), -1);
	expect_error(&err, SP_ERR_INVALID, "timeout");
	sp_ssh_result_clear(&r);
}

static void test_refused(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	const char *cmds[] = { "true" };
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };
	char want[64];
	double t0;

	sshd_stop(d);
	t0 = sp_now_mono();
	assert_int_equal(sp_ssh_run(&t, cmds, 1, 10, &r, &err), -1);
	assert_true(sp_now_mono() - t0 < 5);
	snprintf(want, sizeof(want), "ssh: 127.0.0.1:%u: ", d->port);
	expect_error(&err, SP_ERR_UNAVAILABLE, want);
	assert_null(r.host_key);
	assert_int_equal(r.n_outputs, 0);
	sp_ssh_result_clear(&r);
}

/* A server that takes the connection and never says a word: the
 * deadline covers the connect too. */
static void test_connect_timeout(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM, 0);
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };
	double t0, took;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	t.port = ntohs(a.sin_port);
	t0 = sp_now_mono();
	assert_int_equal(sp_ssh_run(&t, NULL, 0, 1.0, &r, &err), -1);
	took = sp_now_mono() - t0;
	if (took > 2.0)
		fail_msg("took %.2f s", took);
	expect_error(&err, SP_ERR_TIMEOUT, "timed out");
	assert_null(r.host_key);
	sp_ssh_result_clear(&r);
}

static void test_timeout(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	const char *cmds[] = { "echo before", "echo partial; sleep 30", "echo never" };
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };
	double t0 = sp_now_mono(), took;

	assert_int_equal(sp_ssh_run(&t, cmds, ELEMENTSOF(cmds), 1.0, &r, &err), -1);
	took = sp_now_mono() - t0;
	if (took > 2.0)
		fail_msg("took %.2f s", took);
	expect_error(&err, SP_ERR_TIMEOUT, "timed out");
	assert_int_equal(r.n_outputs, 2);
	assert_string_equal(r.outputs[0].out, "before\n");
	assert_int_equal(r.outputs[0].exit_code, 0);
	assert_string_equal(r.outputs[1].out, "partial\n");
	assert_int_equal(r.outputs[1].exit_code, -1);
	sp_ssh_result_clear(&r);
}

static void test_truncation(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	const char *cmds[] = { "head -c 1500000 /dev/zero | tr '\\0' a; echo done >&2", "echo next" };
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };

	if (sp_ssh_run(&t, cmds, ELEMENTSOF(cmds), 30, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_true(r.outputs[0].truncated);
	assert_int_equal(strlen(r.outputs[0].out), SP_SSH_OUTPUT_MAX);
	assert_int_equal(strspn(r.outputs[0].out, "a"), SP_SSH_OUTPUT_MAX);
	expect_stderr(r.outputs[0].err, "done\n");
	assert_int_equal(r.outputs[0].exit_code, 0);
	assert_false(r.outputs[1].truncated);
	assert_string_equal(r.outputs[1].out, "next\n");
	sp_ssh_result_clear(&r);
}

static void test_upload(void **state)
{
	struct sshd *d = *state;
	sp_ssh_target t = target(d);
	char path[128], cmd[300], missing[160];
	const char *cmds[] = { cmd };
	const char text[] = "hello\nworld\n";
	size_t big_len = 300000;
	_cleanup_free_ char *big = malloc(big_len);
	_cleanup_free_ char *back = NULL;
	sp_ssh_result r = { 0 };
	sp_error err = { 0 };

	snprintf(path, sizeof(path), "%s/up/file.txt", d->dir);
	sh("mkdir %s/up", d->dir);
	if (sp_ssh_upload(&t, text, strlen(text), path, 0640, 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(r.host_key, d->host_key);
	assert_int_equal(r.n_outputs, 0);
	sp_ssh_result_clear(&r);
	snprintf(cmd, sizeof(cmd), "cat %s; stat -c %%a %s", path, path);
	if (sp_ssh_run(&t, cmds, 1, 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(r.outputs[0].out, "hello\nworld\n640\n");
	sp_ssh_result_clear(&r);

	/* Bigger than one SFTP write, over the old file: truncated first. */
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)(i * 7 % 251);
	if (sp_ssh_upload(&t, big, big_len, path, 0600, 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	sp_ssh_result_clear(&r);
	back = slurp(path);
	assert_non_null(back);
	assert_memory_equal(back, big, big_len);
	snprintf(cmd, sizeof(cmd), "stat -c '%%a %%s' %s", path);
	if (sp_ssh_run(&t, cmds, 1, 20, &r, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(r.outputs[0].out, "600 300000\n");
	sp_ssh_result_clear(&r);

	/* Into a directory that does not exist. */
	snprintf(missing, sizeof(missing), "%s/nodir/file", d->dir);
	assert_int_equal(sp_ssh_upload(&t, text, 1, missing, 0644, 20, &r, &err), -1);
	expect_error(&err, SP_ERR_NOT_FOUND, missing);
	sp_ssh_result_clear(&r);
}

struct worker {
	sp_ssh_target t;
	int i;
	int rc;
	sp_error err;
	sp_ssh_result r;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char cmd[64];
	const char *cmds[] = { cmd, "echo second >&2" };

	snprintf(cmd, sizeof(cmd), "echo worker-%d", w->i);
	w->rc = sp_ssh_run(&w->t, cmds, ELEMENTSOF(cmds), 60, &w->r, &w->err);
	return NULL;
}

static void test_concurrent(void **state)
{
	struct sshd *d = *state;
	struct worker w[THREADS];
	pthread_t th[THREADS];
	char want[64];

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .t = target(d), .i = i };
		w[i].t.known_host_key = d->host_key;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		if (w[i].rc != 0)
			fail_msg("worker %d: %s", i, w[i].err.message);
		snprintf(want, sizeof(want), "worker-%d\n", i);
		assert_int_equal(w[i].r.n_outputs, 2);
		assert_string_equal(w[i].r.outputs[0].out, want);
		expect_stderr(w[i].r.outputs[1].err, "second\n");
		sp_ssh_result_clear(&w[i].r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
	};

	if (access(SSHD, X_OK) != 0) {
		fprintf(stderr, "test_ssh: skipped: %s is missing; install openssh-server (scripts/deps.sh does)\n", SSHD);
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
