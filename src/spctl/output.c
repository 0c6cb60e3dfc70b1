/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/output.c - what people see: aligned tables for lists, "key: value"
 * blocks for single objects, and pretty-printed JSON for --json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spctl/spctl.h"

#include "util/banned.h"

#define HIDDEN "(hidden)"

static json_t *path_one(json_t *v, const char *path, size_t len)
{
	while (v && len) {
		size_t seg = strcspn(path, ".");
		char key[128];
		char *end;
		unsigned long idx;

		if (seg > len)
			seg = len;
		if (seg >= sizeof(key))
			return NULL;
		memcpy(key, path, seg);
		key[seg] = '\0';
		if (json_is_array(v)) {
			idx = strtoul(key, &end, 10);
			v = *end ? NULL : json_array_get(v, idx);
		} else {
			v = json_object_get(v, key);
		}
		path += seg;
		len -= seg;
		if (len) {
			path++;
			len--;
		}
	}
	return v;
}

json_t *spctl_json_path(json_t *root, const char *path)
{
	for (;;) {
		size_t len = strcspn(path, "|");
		json_t *v = path_one(root, path, len);

		if ((v && !json_is_null(v)) || !path[len])
			return v;
		path += len + 1;
	}
}

char *spctl_json_text(json_t *v)
{
	char *s = NULL;

	if (!v)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) ? strdup(json_string_value(v)) : NULL;
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			s = NULL;
		return s;
	case JSON_REAL:
		if (asprintf(&s, "%g", json_real_value(v)) < 0)
			s = NULL;
		return s;
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_ARRAY: {
		size_t i, len = 0;
		json_t *e;
		FILE *f;

		if (!json_array_size(v) || !(f = open_memstream(&s, &len)))
			return NULL;
		json_array_foreach(v, i, e) {
			_cleanup_free_ char *t = spctl_json_text(e);

			fprintf(f, "%s%s", i ? "," : "", t ? t : "-");
		}
		fclose(f);
		return s;
	}
	case JSON_OBJECT:
		return json_object_size(v) ? json_dumps(v, JSON_COMPACT) : NULL;
	case JSON_NULL:
	default:
		return NULL;
	}
}

/* Columns on screen, counting a UTF-8 sequence as one. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* A cell is one line: control characters (newlines in errors) become spaces. */
static char *cell(char *s)
{
	if (!s || !*s) {
		free(s);
		return strdup("-");
	}
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

int spctl_print_table(const struct column *cols, json_t *items)
{
	size_t ncols = 0, nrows = json_array_size(items);
	size_t width[16] = { 0 };
	char **cells;

	while (ncols < ELEMENTSOF(width) && cols[ncols].header)
		ncols++;
	cells = calloc(nrows * ncols + 1, sizeof(*cells));
	if (!cells) {
		fputs("spctl: out of memory\n", stderr);
		return -1;
	}
	for (size_t c = 0; c < ncols; c++)
		width[c] = text_width(cols[c].header);
	for (size_t r = 0; r < nrows; r++) {
		json_t *item = json_array_get(items, r);

		for (size_t c = 0; c < ncols; c++) {
			char *s = cols[c].format ? cols[c].format(item, cols[c].path)
					 : spctl_json_text(spctl_json_path(item, cols[c].path));
			size_t w;

			s = cell(s);
			cells[r * ncols + c] = s;
			w = s ? text_width(s) : 0;
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t r = 0; r <= nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *s = r ? cells[(r - 1) * ncols + c] : cols[c].header;

			if (!s)
				s = "-";
			if (c + 1 == ncols)
				printf("%s\n", s);
			else
				printf("%s%*s", s, (int)(width[c] - text_width(s) + 2), "");
		}
	}
	for (size_t k = 0; k < nrows * ncols; k++)
		free(cells[k]);
	free(cells);
	return 0;
}

/* [{"Key":..,"Value":..}, ...], the KeyValue lists of the Spider API. */
static bool is_kv_list(json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || !json_array_size(v))
		return false;
	json_array_foreach(v, i, e)
		if (!json_is_string(json_object_get(e, "Key")))
			return false;
	return true;
}

static bool is_object_list(json_t *v)
{
	return json_is_array(v) && json_is_object(json_array_get(v, 0));
}

static void print_fields(json_t *obj, int indent, bool dash, bool hide);

static void print_field(const char *key, json_t *v, int indent, int width,
			bool hide)
{
	if (is_kv_list(v)) {
		size_t i, kw = 0;
		json_t *e;

		printf("%s:\n", key);
		json_array_foreach(v, i, e) {
			size_t w = strlen(json_string_value(json_object_get(e, "Key")));

			if (w > kw)
				kw = w;
		}
		json_array_foreach(v, i, e) {
			const char *k = json_string_value(json_object_get(e, "Key"));
			_cleanup_free_ char *s = hide ? strdup(HIDDEN)
						      : spctl_json_text(json_object_get(e, "Value"));

			printf("%*s%s:%*s %s\n", indent + 2, "", k, (int)(kw - strlen(k)), "",
			       s ? s : "-");
		}
	} else if (json_is_object(v) && json_object_size(v)) {
		printf("%s:\n", key);
		print_fields(v, indent + 2, false, hide);
	} else if (is_object_list(v)) {
		size_t i;
		json_t *e;

		printf("%s:\n", key);
		json_array_foreach(v, i, e)
			print_fields(e, indent + 2, true, hide);
	} else {
		_cleanup_free_ char *s = spctl_json_text(v);

		printf("%s:%*s %s\n", key, (int)(width - (int)strlen(key)), "", s ? s : "-");
	}
}

/* dash: the object is an item of a list ("- " before its first field). */
static void print_fields(json_t *obj, int indent, bool dash, bool hide)
{
	const char *key;
	json_t *v;
	int width = 0;
	bool first = true;

	if (!json_is_object(obj)) {
		_cleanup_free_ char *s = spctl_json_text(obj);

		printf("%*s%s%s\n", indent, "", dash ? "- " : "", s ? s : "-");
		return;
	}
	json_object_foreach(obj, key, v)
		if ((int)strlen(key) > width)
			width = (int)strlen(key);
	json_object_foreach(obj, key, v) {
		printf("%*s%s", indent, "", dash ? (first ? "- " : "  ") : "");
		print_field(key, v, indent + (dash ? 2 : 0), width, hide);
		first = false;
	}
}

void spctl_print_object(json_t *obj, bool hide_values)
{
	print_fields(obj, 0, false, hide_values);
}

static void newline(int depth)
{
	printf("\n%*s", depth * 2, "");
}

void spctl_print_json(const char *raw, size_t len)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char ch = raw[i];

		if (in_string) {
			putchar(ch);
			if (ch == '\\' && i + 1 < len)
				putchar(raw[++i]);
			else if (ch == '"')
				in_string = false;
			continue;
		}
		switch (ch) {
		case ' ': case '\t': case '\n': case '\r':
			break;
		case '"':
			in_string = true;
			putchar(ch);
			break;
		case '{': case '[': {
			size_t k = i + 1;

			while (k < len && strchr(" \t\r\n", raw[k]))
				k++;
			putchar(ch);
			if (k < len && (raw[k] == '}' || raw[k] == ']')) {
				putchar(raw[k]); /* {} and [] stay on one line */
				i = k;
			} else {
				newline(++depth);
			}
			break;
		}
		case '}': case ']':
			newline(--depth);
			putchar(ch);
			break;
		case ',':
			putchar(ch);
			newline(depth);
			break;
		case ':':
			fputs(": ", stdout);
			break;
		default:
			putchar(ch);
		}
	}
	putchar('\n');
}
