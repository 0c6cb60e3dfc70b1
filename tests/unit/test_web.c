/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_web.c - rest/web.h: which file of the web directory a path gets,
 * and the paths refused.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "rest/web.h"
#include "util/common.h"

static char top[] = "/tmp/spider-test-web-XXXXXX";
static char root[sizeof(top) + 8];

static void write_file(const char *rel, const char *text)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_fclose_ FILE *f = NULL;

	assert_true(asprintf(&path, "%s/%s", top, rel) > 0);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
}

static int setup(void **state)
{
	char path[256];

	if (!mkdtemp(top))
		return -1;
	snprintf(root, sizeof(root), "%s/dist", top);
	snprintf(path, sizeof(path), "%s/assets", root);
	if (mkdir(root, 0700) < 0 || mkdir(path, 0700) < 0)
		return -1;
	write_file("dist/index.html", "<!doctype html>");
	write_file("dist/assets/app-1234.js", "js");
	write_file("dist/assets/app-1234.css", "css");
	write_file("dist/logo.svg", "<svg/>");
	write_file("dist/.env", "SECRET");
	write_file("outside.txt", "outside");
	snprintf(path, sizeof(path), "%s/out.txt", root);
	if (symlink("../outside.txt", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/in.js", root);
	if (symlink("assets/app-1234.js", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/env.txt", root);
	if (symlink(".env", path) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void check_clean(const char *url, const char *want)
{
	_cleanup_free_ char *got = sp_web_path_clean(url);

	if (!want) {
		if (got)
			fail_msg("'%s' should be refused, got '%s'", url, got);
		return;
	}
	if (!got)
		fail_msg("'%s' refused, want '%s'", url, want);
	assert_string_equal(got, want);
}

static void test_path_clean(void **state)
{
	check_clean("/", "");
	check_clean("", "");
	check_clean("//", "");
	check_clean("/index.html", "index.html");
	check_clean("/assets/app-1234.js", "assets/app-1234.js");
	check_clean("//assets///app.js/", "assets/app.js");
	check_clean("/a%20b", "a b");
	check_clean("/a+b", "a+b");
	check_clean("/assets%2fapp.js", "assets/app.js");
	check_clean("/x..y/z.", "x..y/z.");
}

static void test_path_clean_refuses(void **state)
{
	static const char *const bad[] = {
		"/..", "/../etc/passwd", "/assets/../../x", "/%2e%2e/x",
		"/%2E%2E%2Fx", "/.%2e/x", "/assets/%2e%2e", "/.", "/./index.html",
		"/.env", "/%2eenv", "/assets/.hidden/x.js", "/.git/config",
		"/a%00b", "/a%zz", "/a%2", "/a%",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		check_clean(bad[i], NULL);
}

static void check_lookup(sp_web *w, const char *url, const char *body,
			 const char *type, const char *cache)
{
	sp_web_file f;
	char buf[64];
	ssize_t n;

	if (sp_web_lookup(w, url, &f) < 0)
		fail_msg("'%s' refused", url);
	n = read(f.fd, buf, sizeof(buf) - 1);
	close(f.fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, body);
	assert_int_equal(f.size, strlen(body));
	assert_string_equal(f.content_type, type);
	assert_string_equal(f.cache_control, cache);
	assert_int_equal(f.html, strncmp(type, "text/html", 9) == 0);
}

static void test_lookup(void **state)
{
	sp_web *w = NULL;
	sp_error err = { 0 };
	const char *html = "text/html; charset=utf-8", *js = "text/javascript; charset=utf-8";
	const char *immutable = "public, max-age=31536000, immutable";

	assert_int_equal(sp_web_new(root, &w, &err), 0);
	check_lookup(w, "/", "<!doctype html>", html, "no-cache");
	check_lookup(w, "/index.html", "<!doctype html>", html, "no-cache");
	check_lookup(w, "/assets/app-1234.js", "js", js, immutable);
	check_lookup(w, "/assets/app-1234.css", "css", "text/css; charset=utf-8", immutable);
	check_lookup(w, "/logo.svg", "<svg/>", "image/svg+xml", "no-cache");
	check_lookup(w, "/in.js", "js", js, "no-cache");
	/* No file (or a directory): the app's page. */
	check_lookup(w, "/mcis/web", "<!doctype html>", html, "no-cache");
	check_lookup(w, "/assets", "<!doctype html>", html, "no-cache");
	check_lookup(w, "/logo.svg/x", "<!doctype html>", html, "no-cache");
	sp_web_free(w);
}

static void test_lookup_refuses(void **state)
{
	static const char *const bad[] = {
		"/out.txt", "/env.txt", "/.env", "/%2e%2e/outside.txt",
		"/../outside.txt",
	};
	sp_web *w = NULL;
	sp_error err = { 0 };
	sp_web_file f;

	assert_int_equal(sp_web_new(root, &w, &err), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (sp_web_lookup(w, bad[i], &f) == 0)
			fail_msg("'%s' should be refused", bad[i]);
	sp_web_free(w);
}

static void test_no_index(void **state)
{
	char dir[sizeof(root) + 16];
	sp_web *w = NULL;
	sp_error err = { 0 };
	sp_web_file f;

	snprintf(dir, sizeof(dir), "%s/assets", root);
	assert_int_equal(sp_web_new(dir, &w, &err), 0);
	assert_int_equal(sp_web_lookup(w, "/", &f), -1);
	assert_int_equal(sp_web_lookup(w, "/nosuch", &f), -1);
	check_lookup(w, "/app-1234.js", "js", "text/javascript; charset=utf-8", "no-cache");
	sp_web_free(w);
}

static void test_new_refused(void **state)
{
	char file[sizeof(root) + 16];
	sp_web *w = NULL;
	sp_error err = { 0 };

	assert_int_equal(sp_web_new("/nonexistent/web", &w, &err), -1);
	assert_non_null(strstr(err.message, "/nonexistent/web"));
	snprintf(file, sizeof(file), "%s/index.html", root);
	assert_int_equal(sp_web_new(file, &w, &err), -1);
	assert_non_null(strstr(err.message, "not a directory"));
	assert_null(w);
	sp_web_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_clean),
		cmocka_unit_test(test_path_clean_refuses),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_lookup_refuses),
		cmocka_unit_test(test_no_index),
		cmocka_unit_test(test_new_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
