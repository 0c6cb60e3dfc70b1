/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/follow.c - long calls.  The server answers them 202 with a
 * request id and goes on with the work; spctl polls GET /request/<id>
 * until the request ends, drawing its progress on stderr, and then shows
 * the result as the call would have answered it had it waited.
 *
 * spctl never asks the server to wait (?wait=true): a request runs to its
 * end whatever happens to the client, so following it, and stopping to
 * follow it (Ctrl-C, --no-wait), are the client's business only.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spctl/spctl.h"

#include "util/banned.h"

#define POLL_MS 200
#define BAR_WIDTH 20

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Sleep ms, cut short by Ctrl-C. */
static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!interrupted && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long progress_num(json_t *doc, const char *key)
{
	return (long)json_integer_value(json_object_get(json_object_get(doc, "progress"), key));
}

static const char *progress_message(json_t *doc)
{
	const char *m = json_string_value(json_object_get(json_object_get(doc, "progress"), "message"));

	return m ? m : "";
}

/* The request's progress on stderr: a bar redrawn in place on a
 * terminal, else a line whenever it changes. */
static void draw(const char *id, json_t *doc, bool tty)
{
	long done = progress_num(doc, "done"), total = progress_num(doc, "total");
	int fill = total > 0 && done > 0 ? (int)(done >= total ? BAR_WIDTH : done * BAR_WIDTH / total) : 0;

	if (!tty) {
		fprintf(stderr, "spctl: request %s: %ld/%ld %s\n", id, done, total, progress_message(doc));
		return;
	}
	fprintf(stderr, "\r[%.*s%.*s] %ld/%ld %s\033[K", fill, "####################",
		BAR_WIDTH - fill, "....................", done, total, progress_message(doc));
	fflush(stderr);
}

/* The result as the call shows it, or as JSON with --json. */
static int show_result(const struct spctl *ctl, spctl_result_fn show, json_t *result)
{
	if (ctl->json) {
		_cleanup_free_ char *dump = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY);

		if (!dump)
			return spctl_oom();
		spctl_print_json(dump, strlen(dump));
	}
	if (show)
		return show(result, !ctl->json);
	if (!ctl->json)
		spctl_print_object(result, false);
	return SPCTL_OK;
}

/* How a request ended that did not succeed. */
static int report_end(const char *id, const char *status, json_t *doc)
{
	const char *msg = json_string_value(spctl_json_path(doc, "error.message"));

	if (!strcmp(status, "Interrupted"))
		fprintf(stderr, "spctl: request %s was interrupted: the server stopped while it ran%s%s\n",
			id, msg ? ": " : "", msg ? msg : "");
	else if (msg)
		fprintf(stderr, "spctl: %s\n", msg);
	else
		fprintf(stderr, "spctl: request %s ended with status %s\n", id, status);
	return SPCTL_FAIL;
}

/* Poll request id until it ends; show is NULL to pick it by the
 * request's kind. */
static int follow(const struct spctl *ctl, const char *id, spctl_result_fn show)
{
	_cleanup_free_ char *eid = spctl_escape(id), *path = NULL, *last = NULL;
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	bool tty = isatty(STDERR_FILENO), drawn = false;
	struct reply r = { 0 };
	const char *status;
	int rc;

	if (!eid || asprintf(&path, "/request/%s", eid) < 0)
		return spctl_oom();
	interrupted = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	for (;;) {
		_cleanup_free_ char *now = NULL;

		spctl_reply_clear(&r);
		if (spctl_call(ctl, "GET", path, NULL, &r) < 0) {
			rc = SPCTL_FAIL;
			goto out;
		}
		status = json_string_value(json_object_get(r.json, "status"));
		if (!status) {
			fputs("spctl: unexpected answer from the server: no 'status'\n", stderr);
			rc = SPCTL_FAIL;
			goto out;
		}
		if (asprintf(&now, "%s %ld %ld %s", status, progress_num(r.json, "done"),
			     progress_num(r.json, "total"), progress_message(r.json)) < 0) {
			now = NULL;
			rc = spctl_oom();
			goto out;
		}
		if (!last || strcmp(now, last)) {
			draw(id, r.json, tty);
			drawn = true;
			free(last);
			last = TAKE_PTR(now);
		}
		if (strcmp(status, "Handling"))
			break;
		nap(POLL_MS);
		if (interrupted) {
			fprintf(stderr, "%sspctl: stopped following request %s; it goes on in the server: 'spctl request follow %s'\n",
				tty && drawn ? "\n" : "", id, id);
			rc = SPCTL_FAIL;
			goto out;
		}
	}
	if (tty && drawn)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "spctl: request %s: %s", id, status);
	if (json_is_number(json_object_get(r.json, "elapsedSeconds")))
		fprintf(stderr, " in %.1f s", json_number_value(json_object_get(r.json, "elapsedSeconds")));
	fputc('\n', stderr);
	if (strcmp(status, "Success")) {
		rc = report_end(id, status, r.json);
		goto out;
	}
	if (!show)
		show = spctl_show_for_kind(json_string_value(json_object_get(r.json, "kind")));
	rc = show_result(ctl, show, json_object_get(r.json, "result"));
out:
	sigaction(SIGINT, &old, NULL);
	spctl_reply_clear(&r);
	return rc;
}

int spctl_long_call(struct spctl *ctl, const struct verb *v, const struct args *a,
		    const char *path, const json_t *body)
{
	_cleanup_reply_ struct reply r = { 0 };
	const char *id;

	if (!path)
		return spctl_oom();
	if (spctl_call(ctl, v->method ? v->method : "POST", path, body, &r) < 0)
		return SPCTL_FAIL;
	id = json_string_value(json_object_get(r.json, "requestId"));
	if (r.status != 202 || !id)
		return show_result(ctl, v->res->show, r.json);
	if (!spctl_arg(a, "no-wait")->set)
		return follow(ctl, id, v->res->show);
	if (ctl->json)
		spctl_print_json(r.raw, r.len);
	else
		printf("%s\n", id);
	return SPCTL_OK;
}

int spctl_run_long(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *body = NULL;
	_cleanup_free_ char *path = spctl_build_path(v->res, a, a->npos);
	int rc = spctl_verb_body(v->res, a, &body);

	return rc ? rc : spctl_long_call(ctl, v, a, path, body);
}

int spctl_run_follow(struct spctl *ctl, const struct verb *v, const struct args *a)
{
	(void)v;
	return follow(ctl, a->pos[0], NULL);
}
