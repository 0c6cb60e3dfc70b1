/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest/web.h - the web tool's files: which file of the web directory a
 * GET of a path outside /spider answers with (docs/api.md "Web tool and
 * sessions").  No HTTP here; the server sends what sp_web_lookup() finds.
 *
 * Refused: a path that does not percent-decode (or decodes a NUL), any
 * segment starting with '.' ("..", ".env"), and a file whose real path
 * (symlinks resolved) leads out of the directory or through a dotfile.
 * A path with no file behind it (or a directory) gets index.html: the app
 * routes on the client.
 */
#ifndef SP_REST_WEB_H
#define SP_REST_WEB_H

#include "util/common.h"

typedef struct sp_web sp_web;

typedef struct sp_web_file {
	int fd;                     /* open for reading; the caller closes it */
	uint64_t size;
	const char *content_type;   /* static */
	const char *cache_control;  /* static */
	bool html;                  /* gets the page's security headers */
} sp_web_file;

/* Serve dir, which must be a directory; it is resolved (symlinks and all)
 * once, here. */
int sp_web_new(const char *dir, sp_web **ret, sp_error *err);
void sp_web_free(sp_web *w);
/* The directory served, resolved. */
const char *sp_web_dir(const sp_web *w);

/* The file for url_path (raw: percent-encoded, without the query).
 * Returns 0 and *ret, or -1 when the path is refused or the directory has
 * no index.html for it. */
int sp_web_lookup(const sp_web *w, const char *url_path, sp_web_file *ret);

/* url_path percent-decoded and checked, as the relative path of a file
 * ("a/b.js"; "" for the root; empty segments dropped), malloc'd; NULL when
 * refused.  Exposed for the unit tests. */
char *sp_web_path_clean(const char *url_path);

#endif
