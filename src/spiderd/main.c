/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spiderd - the Spider daemon: the REST API over the driver plugins.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>

#include "core/cim.h"
#include "core/conn.h"
#include "core/events.h"
#include "core/mcis.h"
#include "core/fanout.h"
#include "rest/rest.h"
#include "util/log.h"

#define MAX_BODY_DEFAULT (1024 * 1024)
#define MAX_BODY_LIMIT (64 * 1024 * 1024)
#define GRACE_SECONDS 30.0
#define EVENTS_KEPT 4096
#define SESSION_IDLE_DEFAULT_S (8 * 3600)
#define SESSION_IDLE_MAX_S (30 * 86400)

typedef struct options {
	const char *listen;
	const char *data_dir;
	const char *driver_dir;
	const char *log_level;
	const char *web_dir;     /* "" : no web tool; NULL: the default */
	size_t max_body;
	int64_t session_idle_s;
	int64_t item_timeout_ms, vm_wait_ms;
	bool rekey;
} options;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: spiderd [OPTION]...\n"
		"Serve the Spider REST API (base path /spider).\n\n"
		"  -l, --listen ADDR      listen on ip:port (env SERVER_ADDRESS; default 127.0.0.1:1024;\n"
		"                         ':port' is 127.0.0.1:port, a non-loopback ip binds all interfaces,\n"
		"                         port 0 picks a free port)\n"
		"  -d, --data-dir DIR     where everything the daemon keeps lives (env SPIDER_DATA_DIR)\n"
		"  -D, --driver-dir DIR   driver plugins (env SPIDER_DRIVER_DIR; default: beside the binary)\n"
		"      --max-body BYTES   request body cap (env SPIDER_MAX_BODY; default 1048576)\n"
		"      --log-level LEVEL  error, warn, info or debug (env SPIDER_LOG_LEVEL; default info)\n"
		"      --web-dir DIR      the web tool's files, served at / (env SPIDER_WEB_DIR; default\n"
		"                         <bindir>/../share/spider/web, else the source tree's web/dist;\n"
		"                         '' serves none)\n"
		"      --item-timeout MS  how long one item of a list may take before it is shown with\n"
		"                         an Error (env SPIDER_ITEM_TIMEOUT_MS; default 30000)\n"
		"      --vm-wait MS       how long a VM create or delete waits for the VM to settle\n"
		"                         (env SPIDER_VM_WAIT_MS; default 600000)\n"
		"      --rekey            re-seal every credential under a new key and exit: the key in\n"
		"                         SPIDER_NEW_SECRET_KEY (64 hex digits), else a random one written to\n"
		"                         <data-dir>/secret.key (required when the current key is from env)\n"
		"  -h, --help             show this help\n"
		"  -V, --version          show the version\n\n"
		"The login comes from SPIDER_USERNAME and SPIDER_PASSWORD (the password in clear or as a\n"
		"crypt(3) hash, $y$ or $6$); spiderd does not start without one.  Credentials are sealed\n"
		"under the key in SPIDER_SECRET_KEY (64 hex digits) or <data-dir>/secret.key (created).\n"
		"The web tool's sessions end after SPIDER_SESSION_IDLE_S seconds unused (default 28800).\n");
}

static int parse_options(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "driver-dir", required_argument, NULL, 'D' },
		{ "max-body", required_argument, NULL, 'b' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "rekey", no_argument, NULL, 'r' },
		{ "item-timeout", required_argument, NULL, 'i' },
		{ "vm-wait", required_argument, NULL, 'w' },
		{ "web-dir", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *max_body = getenv("SPIDER_MAX_BODY");
	const char *item_timeout = getenv("SPIDER_ITEM_TIMEOUT_MS");
	const char *vm_wait = getenv("SPIDER_VM_WAIT_MS");
	const char *session_idle = getenv("SPIDER_SESSION_IDLE_S");
	int64_t n;
	int c;

	o->listen = getenv("SERVER_ADDRESS");
	o->data_dir = getenv("SPIDER_DATA_DIR");
	o->driver_dir = getenv("SPIDER_DRIVER_DIR");
	o->log_level = getenv("SPIDER_LOG_LEVEL");
	o->web_dir = getenv("SPIDER_WEB_DIR");
	while ((c = getopt_long(argc, argv, "l:d:D:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->listen = optarg; break;
		case 'd': o->data_dir = optarg; break;
		case 'D': o->driver_dir = optarg; break;
		case 'b': max_body = optarg; break;
		case 'v': o->log_level = optarg; break;
		case 'r': o->rekey = true; break;
		case 'i': item_timeout = optarg; break;
		case 'w': vm_wait = optarg; break;
		case 'W': o->web_dir = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("spiderd %s\n", SPIDER_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spiderd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	o->max_body = MAX_BODY_DEFAULT;
	if (!sp_isempty(max_body)) {
		if (sp_parse_int64(max_body, 1, MAX_BODY_LIMIT, &n) < 0) {
			fprintf(stderr, "spiderd: --max-body '%s' must be 1..%d bytes\n",
				max_body, MAX_BODY_LIMIT);
			return -1;
		}
		o->max_body = (size_t)n;
	}
	o->item_timeout_ms = 30000;
	if (!sp_isempty(item_timeout) && sp_parse_int64(item_timeout, 1, 3600000, &o->item_timeout_ms) < 0) {
		fprintf(stderr, "spiderd: --item-timeout '%s' must be 1..3600000 ms\n", item_timeout);
		return -1;
	}
	o->vm_wait_ms = 600000;
	if (!sp_isempty(vm_wait) && sp_parse_int64(vm_wait, 0, 86400000, &o->vm_wait_ms) < 0) {
		fprintf(stderr, "spiderd: --vm-wait '%s' must be 0..86400000 ms\n", vm_wait);
		return -1;
	}
	o->session_idle_s = SESSION_IDLE_DEFAULT_S;
	if (!sp_isempty(session_idle) &&
	    sp_parse_int64(session_idle, 1, SESSION_IDLE_MAX_S, &o->session_idle_s) < 0) {
		fprintf(stderr, "spiderd: SPIDER_SESSION_IDLE_S '%s' must be 1..%d seconds\n",
			session_idle, SESSION_IDLE_MAX_S);
		return -1;
	}
	if (!sp_isempty(o->log_level) && sp_log_set_level(o->log_level) < 0) {
		fprintf(stderr, "spiderd: unknown log level '%s'\n", o->log_level);
		return -1;
	}
	return 0;
}

/* <the binary's dir>/../subdir (malloc'd), or NULL. */
static char *beside_binary(const char *subdir)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *dir;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	return asprintf(&dir, "%s/../%s", dirname(exe), subdir) < 0 ? NULL : dir;
}

/* The build tree and the install tree both put plugins at
 * <bindir>/../<libdir>/spider/drivers. */
static char *default_driver_dir(void)
{
	char *dir = beside_binary(SPIDER_DRIVER_SUBDIR);

	return dir ? dir : strdup(SPIDER_DRIVER_INSTALL_DIR);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The install tree's <bindir>/../share/spider/web, else the web tool built
 * in the source tree; NULL when neither is there. */
static char *default_web_dir(void)
{
	char *dir = beside_binary(SPIDER_WEB_SUBDIR);

	if (dir && is_dir(dir))
		return dir;
	free(dir);
	return is_dir(SPIDER_WEB_SOURCE_DIR) ? strdup(SPIDER_WEB_SOURCE_DIR) : NULL;
}

static char *default_data_dir(void)
{
	const char *home = getenv("HOME");
	char *dir;

	if (geteuid() == 0 || sp_isempty(home))
		return strdup("/var/lib/spider");
	if (asprintf(&dir, "%s/.local/share/spider", home) < 0)
		return NULL;
	return dir;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		sp_log_error("cannot create directory '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_url_file(const char *data_dir, const char *url)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	_cleanup_fclose_ FILE *f = NULL;

	if (asprintf(&path, "%s/spiderd.url", data_dir) < 0 ||
	    asprintf(&tmp, "%s/.spiderd.url.tmp", data_dir) < 0)
		return -1;
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%s\n", url) < 0 || fflush(f) != 0)
		return -1;
	return rename(tmp, path);
}

/*
 * Key rotation writes the new key to secret.key.new, re-seals every
 * credential in one transaction, then renames the file over secret.key.
 * After a crash in between, whichever key the credentials open with wins.
 */
static int rekey_recover(sp_core *core, const char *key_path)
{
	_cleanup_free_ char *new_path = NULL;
	sp_key old = core->key, candidate;
	sp_error err = { 0 };
	size_t n;

	if (asprintf(&new_path, "%s.new", key_path) < 0)
		return -1;
	if (access(new_path, F_OK) < 0)
		return 0;
	/* Re-sealing under the candidate itself proves every credential
	 * opens with it. */
	if (sp_key_load(NULL, new_path, &candidate, &err) == 0) {
		core->key = candidate;
		if (sp_cim_rekey(core, &candidate, &n, &err) == 0) {
			explicit_bzero(&candidate, sizeof(candidate));
			if (rename(new_path, key_path) < 0) {
				sp_log_error("credentials are sealed under '%s' but it could not replace '%s': %s; rename it by hand",
					     new_path, key_path, strerror(errno));
				return -1;
			}
			sp_log_warn("finished an interrupted key rotation: credentials are sealed under '%s'",
				    key_path);
			return 0;
		}
	}
	core->key = old;
	explicit_bzero(&candidate, sizeof(candidate));
	sp_log_warn("discarding '%s' left by an interrupted key rotation (%s)", new_path,
		    err.message[0] ? err.message : "credentials are sealed under the old key");
	unlink(new_path);
	return 0;
}

static int rekey(sp_core *core, const char *key_path)
{
	_cleanup_free_ char *new_path = NULL;
	const char *hex = getenv("SPIDER_NEW_SECRET_KEY");
	bool from_env = getenv("SPIDER_SECRET_KEY") != NULL;
	sp_error err = { 0 };
	sp_key nk;
	size_t n;
	int rc = -1;

	if (from_env && !hex) {
		sp_log_error("the current key comes from SPIDER_SECRET_KEY: give the new one in SPIDER_NEW_SECRET_KEY (64 hex digits)");
		return -1;
	}
	if (hex) {
		if (sp_key_load(hex, NULL, &nk, &err) < 0) {
			sp_log_error("SPIDER_NEW_SECRET_KEY: %s", err.message);
			return -1;
		}
	} else if (sp_random_bytes(nk.bytes, sizeof(nk.bytes)) < 0) {
		sp_log_error("cannot gather random bytes for the new key");
		return -1;
	}
	if (from_env) {
		if (sp_cim_rekey(core, &nk, &n, &err) < 0)
			goto fail;
		printf("spiderd: re-sealed %zu credentials; start spiderd with SPIDER_SECRET_KEY set to the new key\n", n);
		rc = 0;
		goto out;
	}
	if (asprintf(&new_path, "%s.new", key_path) < 0) {
		new_path = NULL;
		goto out;
	}
	if (sp_key_write(new_path, &nk, &err) < 0)
		goto fail;
	if (sp_cim_rekey(core, &nk, &n, &err) < 0) {
		unlink(new_path);
		goto fail;
	}
	if (rename(new_path, key_path) < 0) {
		sp_log_error("credentials are re-sealed under '%s' but it could not replace '%s': %s; rename it by hand",
			     new_path, key_path, strerror(errno));
		goto out;
	}
	printf("spiderd: re-sealed %zu credentials under a new key in %s\n", n, key_path);
	rc = 0;
	goto out;
fail:
	sp_log_error("%s", err.message);
out:
	explicit_bzero(&nk, sizeof(nk));
	return rc;
}

int main(int argc, char **argv)
{
	options o = { 0 };
	sp_core core = { 0 };
	sp_auth *auth = NULL;
	sp_server *server = NULL;
	sp_error err = { 0 };
	_cleanup_free_ char *data_dir = NULL, *driver_dir = NULL, *web_dir = NULL;
	_cleanup_free_ char *db_path = NULL, *key_path = NULL, *log_dir = NULL;
	sp_server_config scfg;
	sp_hiscall_config hcfg;
	sigset_t sigs;
	double t0 = sp_now_mono();
	int sig, rc = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;

	/* Signals are taken by sigwait() below; every thread inherits the
	 * mask, so none of them is interrupted. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sp_auth_new(getenv("SPIDER_USERNAME"), getenv("SPIDER_PASSWORD"), &auth, &err) < 0) {
		sp_log_error("%s; refusing to serve without a login", err.message);
		return 1;
	}

	data_dir = o.data_dir ? strdup(o.data_dir) : default_data_dir();
	driver_dir = o.driver_dir ? strdup(o.driver_dir) : default_driver_dir();
	if (!data_dir || !driver_dir ||
	    asprintf(&db_path, "%s/spider.db", data_dir) < 0 ||
	    asprintf(&key_path, "%s/secret.key", data_dir) < 0 ||
	    asprintf(&log_dir, "%s/log", data_dir) < 0 ||
	    asprintf(&core.state_dir, "%s/drivers", data_dir) < 0) {
		sp_log_error("out of memory");
		goto out;
	}
	/* Name the plugin directory plainly in logs ("bin/../lib" reads badly). */
	{
		char *real = realpath(driver_dir, NULL);

		if (real) {
			free(driver_dir);
			driver_dir = real;
		}
	}
	core.data_dir = data_dir;
	if (make_dir(data_dir) < 0 || make_dir(core.state_dir) < 0)
		goto out;

	if (sp_key_load(getenv("SPIDER_SECRET_KEY"), key_path, &core.key, &err) < 0 ||
	    sp_store_sqlite_open(db_path, &core.store, &err) < 0 ||
	    sp_conn_cache_new(&core.conns) < 0 ||
	    sp_events_new(EVENTS_KEPT, &core.events, &err) < 0) {
		sp_log_error("%s", err.message[0] ? err.message : "out of memory");
		goto out;
	}
	if (!getenv("SPIDER_SECRET_KEY") && rekey_recover(&core, key_path) < 0)
		goto out;
	if (o.rekey) {
		rc = rekey(&core, key_path) < 0 ? 1 : 0;
		goto out;
	}
	if (sp_plugins_load(driver_dir, &core.plugins, &err) < 0) {
		sp_log_error("%s", err.message);
		goto out;
	}
	hcfg = (sp_hiscall_config){
		.log_dir = log_dir,
		.file_max_bytes = 20 * 1024 * 1024,
		.file_keep = 10,
		.keep_rows = 100000,
		.queue_max = 65536,
	};
	if (sp_hiscall_open(core.store, &hcfg, &core.hiscall, &err) < 0) {
		sp_log_error("%s", err.message);
		goto out;
	}

	core.item_timeout_s = (double)o.item_timeout_ms / 1000;
	core.vm_wait_s = (double)o.vm_wait_ms / 1000;
	core.vm_poll_max_s = 15;
	{
		size_t recovered = 0;

		if (sp_store_res_recover(core.store, &recovered, &err) < 0) {
			sp_log_error("%s", err.message);
			goto out;
		}
		if (recovered)
			sp_log_warn("%zu resources were being created or deleted when spiderd last stopped: unfinished creates dropped, deletes undone (see /spider/allvm and friends for cloud objects left behind)", recovered);
	}

	if (sp_mcis_open(&core, &err) < 0) {
		sp_log_error("%s", err.message);
		goto out;
	}

	if (!o.web_dir)
		web_dir = default_web_dir();
	scfg = (sp_server_config){
		.listen = o.listen,
		.max_body = o.max_body,
		.web_dir = o.web_dir ? (*o.web_dir ? o.web_dir : NULL) : web_dir,
		.session_idle_s = (double)o.session_idle_s,
	};
	if (sp_server_start(&core, auth, &scfg, &server, &err) < 0) {
		sp_log_error("%s", err.message);
		goto out;
	}
	if (write_url_file(data_dir, sp_server_url(server)) < 0)
		sp_log_warn("cannot write '%s/spiderd.url': %s", data_dir, strerror(errno));
	sp_log_info("data in '%s', drivers from '%s', ready in %.1f ms", data_dir,
		    driver_dir, (sp_now_mono() - t0) * 1000);
	if (sp_server_web_dir(server))
		sp_log_info("web tool from '%s'", sp_server_web_dir(server));
	else
		sp_log_info("no web tool: / answers 404 (build web/ or give --web-dir)");
	printf("spiderd: ready on %s\n", sp_server_url(server));
	fflush(stdout);

	if (sigwait(&sigs, &sig) != 0)
		sig = SIGTERM;
	sp_log_info("%s received; finishing requests in flight", strsignal(sig));
	/* Event streams end now rather than hold up the stop. */
	sp_events_close(core.events);
	sp_server_stop(server, GRACE_SECONDS);
	server = NULL;
	rc = 0;
	/* Service requests (creates, actions, commands) run on after their
	 * clients: give them the grace time, then stop whatever is left. */
	if (core.mcis) {
		sp_mcis_close(&core, GRACE_SECONDS);
		if (core.mcis) {
			sp_log_warn("service requests still running after %.0f s; exiting without cleaning up", GRACE_SECONDS);
			return rc;
		}
	}
	/* A list item given up on may still be in a driver call that uses
	 * everything below; let it finish first. */
	if (!sp_fanout_drain(GRACE_SECONDS)) {
		sp_log_warn("driver calls still running after %.0f s; exiting without cleaning up", GRACE_SECONDS);
		return rc;
	}
out:
	sp_server_stop(server, 0);
	sp_mcis_close(&core, 0);
	sp_hiscall_close(core.hiscall);
	sp_conn_cache_free(core.conns);
	sp_events_free(core.events);
	sp_plugins_free(core.plugins);
	sp_store_close(core.store);
	sp_auth_free(auth);
	explicit_bzero(&core.key, sizeof(core.key));
	free(core.state_dir);
	if (rc == 0 && !o.rekey)
		sp_log_info("stopped");
	return rc;
}
