/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "rest/web.h"

#define INDEX "index.html"
/* vite puts fingerprinted names here: they never change. */
#define ASSETS "assets/"

struct sp_web {
	char *root;  /* resolved, no trailing '/' */
	size_t root_len;
};

int sp_web_new(const char *dir, sp_web **ret, sp_error *err)
{
	_cleanup_free_ char *root = realpath(dir, NULL);
	struct stat st;
	sp_web *w;

	if (!root || stat(root, &st) < 0)
		return sp_error_set(err, SP_ERR_INVALID, "web directory '%s': %s",
				    dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sp_error_set(err, SP_ERR_INVALID,
				    "web directory '%s' is not a directory", dir);
	w = calloc(1, sizeof(*w));
	if (!w)
		return sp_error_oom(err);
	w->root_len = strlen(root);
	w->root = TAKE_PTR(root);
	*ret = w;
	return 0;
}

void sp_web_free(sp_web *w)
{
	if (!w)
		return;
	free(w->root);
	free(w);
}

const char *sp_web_dir(const sp_web *w)
{
	return w->root;
}

/* Does rel (a relative path, '/'-separated) have a segment that starts
 * with '.'? */
static bool has_dot_segment(const char *rel)
{
	for (const char *p = rel; *p; p++)
		if (*p == '.' && (p == rel || p[-1] == '/'))
			return true;
	return false;
}

char *sp_web_path_clean(const char *url_path)
{
	_cleanup_free_ char *dec = strdup(url_path);
	char *out, *w;

	if (!dec || sp_percent_decode(dec, false) < 0 || strlen(dec) >= PATH_MAX)
		return NULL;
	out = malloc(strlen(dec) + 1);
	if (!out)
		return NULL;
	/* Copy segment by segment, dropping empty ones. */
	w = out;
	for (const char *p = dec; *p;) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!len)
			break;
		if (w != out)
			*w++ = '/';
		memcpy(w, p, len);
		w += len;
		p += len;
	}
	*w = '\0';
	if (has_dot_segment(out)) {
		free(out);
		return NULL;
	}
	return out;
}

static const char *content_type_of(const char *rel)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "html", "text/html; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "svg", "image/svg+xml" },
		{ "json", "application/json" },
		{ "map", "application/json" },
		{ "png", "image/png" },
		{ "ico", "image/x-icon" },
		{ "webp", "image/webp" },
		{ "woff2", "font/woff2" },
		{ "txt", "text/plain; charset=utf-8" },
	};
	const char *slash = strrchr(rel, '/');
	const char *dot = strrchr(slash ? slash : rel, '.');

	if (dot)
		for (size_t i = 0; i < ELEMENTSOF(types); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

typedef enum open_result { OPENED, MISSING, REFUSED } open_result;

/* Open rel below the root, following symlinks only while they stay in it. */
static open_result open_below(const sp_web *w, const char *rel, sp_web_file *ret)
{
	_cleanup_free_ char *full = NULL, *real = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (asprintf(&full, "%s/%s", w->root, rel) < 0) {
		full = NULL;
		return REFUSED;
	}
	real = realpath(full, NULL);
	if (!real)
		return errno == ENOENT || errno == ENOTDIR ? MISSING : REFUSED;
	if (strncmp(real, w->root, w->root_len) != 0 || real[w->root_len] != '/' ||
	    has_dot_segment(real + w->root_len + 1))
		return REFUSED;
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0)
		return REFUSED;
	if (!S_ISREG(st.st_mode))
		return MISSING;
	*ret = (sp_web_file){
		.fd = TAKE_FD(fd),
		.size = (uint64_t)st.st_size,
		.content_type = content_type_of(rel),
		.cache_control = strncmp(rel, ASSETS, strlen(ASSETS)) == 0 ?
			"public, max-age=31536000, immutable" : "no-cache",
	};
	ret->html = strncmp(ret->content_type, "text/html", 9) == 0;
	return OPENED;
}

int sp_web_lookup(const sp_web *w, const char *url_path, sp_web_file *ret)
{
	_cleanup_free_ char *rel = sp_web_path_clean(url_path);

	if (!rel)
		return -1;
	if (*rel) {
		switch (open_below(w, rel, ret)) {
		case OPENED: return 0;
		case REFUSED: return -1;
		case MISSING: break;
		}
	}
	return open_below(w, INDEX, ret) == OPENED ? 0 : -1;
}
