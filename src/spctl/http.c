/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/http.c - one request to the Spider server, and its failure report.
 *
 * Every failure is reported here, once: curl's reason and the URL when the
 * server cannot be reached, "spctl: <server message> (HTTP <status>)" when
 * it answers with an error.  spctl_call_quiet hands the same text to its
 * caller instead.
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spctl/spctl.h"
#include "util/buf.h"

#include "util/banned.h"

#define CONNECT_TIMEOUT_MS 10000L

static void curl_easy_cleanupp(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}

static void curl_slist_free_allp(struct curl_slist **l)
{
	curl_slist_free_all(*l);
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	sp_buf *b = userdata;
	size_t n = size * nmemb;

	/* 0 makes curl fail with CURLE_WRITE_ERROR. */
	if (sp_buf_append(b, ptr, n) < 0 || b->truncated)
		return 0;
	return n;
}

char *spctl_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

void spctl_reply_clear(struct reply *r)
{
	json_decref(r->json);
	free(r->raw);
	*r = (struct reply){ 0 };
}

/* A failure: on stderr as "spctl: <text>", or (ret_error not NULL) in
 * *ret_error, malloc'd; NULL there when memory ran out. */
static void fail(char **ret_error, const char *fmt, ...) _printf_(2, 3);

static void fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!ret_error) {
		fputs("spctl: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else if (vasprintf(ret_error, fmt, ap) < 0) {
		*ret_error = NULL;
	}
	va_end(ap);
}

/* The server's {"message"} or, for a body that is not ours, its first line. */
static void report_status(const struct spctl *ctl, long status,
			  const sp_buf *b, char **ret_error)
{
	_cleanup_json_ json_t *j = b->data ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "message"));

	if (msg && *msg) {
		fail(ret_error, "%s (HTTP %ld)", msg, status);
	} else {
		const char *text = b->data ? b->data + strspn(b->data, " \t\r\n") : "";
		int n = (int)strcspn(text, "\r\n");

		if (n > 200)
			n = 200;
		if (n)
			fail(ret_error, "%.*s (HTTP %ld)", n, text, status);
		else
			fail(ret_error, "the server answered HTTP %ld", status);
	}
	if (status == 401 && !ctl->user && !ret_error)
		fputs("spctl: hint: set SPIDER_USERNAME and SPIDER_PASSWORD (or use -u and -p)\n", stderr);
}

static int call(const struct spctl *ctl, const char *method, const char *path,
		const json_t *body, struct reply *ret, char **ret_error)
{
	_cleanup_(curl_easy_cleanupp) CURL *c = curl_easy_init();
	_cleanup_(curl_slist_free_allp) struct curl_slist *hdrs = NULL;
	_cleanup_wipe_ char *payload /* may hold secrets */ = NULL;
	_cleanup_free_ char *url = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	sp_buf b = { .max = SPCTL_MAX_RESPONSE };
	struct curl_slist *h;
	json_t *j;
	json_error_t jerr;
	long status = 0;
	CURLcode rc;

	if (!c || asprintf(&url, "%s/spider%s", ctl->server, path) < 0) {
		url = NULL;
		fail(ret_error, "out of memory");
		return -1;
	}
	hdrs = curl_slist_append(NULL, "Accept: application/json");
	if (body) {
		payload = json_dumps(body, JSON_COMPACT);
		h = payload ? curl_slist_append(hdrs, "Content-Type: application/json") : NULL;
		if (!h) {
			fail(ret_error, "out of memory");
			return -1;
		}
		hdrs = h;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* A body makes curl send a POST, no body a GET; anything else (a GET
	 * with a body, too) is named. */
	if (strcmp(method, body ? "POST" : "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "spctl/" SPIDER_VERSION);
#if CURL_AT_LEAST_VERSION(7, 85, 0)
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SPCTL_MAX_RESPONSE);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 ctl->timeout_ms && ctl->timeout_ms < CONNECT_TIMEOUT_MS ? ctl->timeout_ms : CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ctl->timeout_ms);
	if (ctl->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, ctl->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, ctl->password ? ctl->password : "");
	}

	rc = curl_easy_perform(c);
	if (rc == CURLE_FILESIZE_EXCEEDED || b.truncated) {
		fail(ret_error, "%s %s: the response is larger than %zu MiB", method, url, SPCTL_MAX_RESPONSE >> 20);
		free(b.data);
		return -1;
	}
	if (rc != CURLE_OK) {
		fail(ret_error, "%s %s: %s", method, url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		free(b.data);
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		report_status(ctl, status, &b, ret_error);
		free(b.data);
		return -1;
	}
	j = json_loadb(b.data ? b.data : "", b.len, JSON_DECODE_ANY, &jerr);
	if (!j) {
		fail(ret_error, "%s %s: the response is not JSON: %s", method, url, jerr.text);
		free(b.data);
		return -1;
	}
	*ret = (struct reply){ .status = status, .json = j, .raw = b.data, .len = b.len };
	return 0;
}

int spctl_call(const struct spctl *ctl, const char *method, const char *path,
	       const json_t *body, struct reply *ret)
{
	return call(ctl, method, path, body, ret, NULL);
}

int spctl_call_quiet(const struct spctl *ctl, const char *method, const char *path,
		     const json_t *body, struct reply *ret, char **ret_error)
{
	*ret_error = NULL;
	return call(ctl, method, path, body, ret, ret_error);
}
