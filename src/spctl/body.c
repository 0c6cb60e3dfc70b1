/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spctl/body.c - JSON request bodies, from the options; and what spctl
 * reads from standard input.
 *
 * Credential values and passwords are secrets: they can come from standard
 * input or a file instead of argv, every buffer that held one is wiped, and
 * no message repeats a VALUE.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "spctl/spctl.h"

#include "util/banned.h"

static bool stdin_taken;

/* All of f, at most max bytes, with a NUL after them; NULL after
 * reporting.  The whole buffer is taken at once and wiped on failure:
 * what is read may be a secret. */
static char *read_all(FILE *f, const char *what, size_t max, size_t *ret_len)
{
	_cleanup_free_ char *buf = malloc(max + 1);
	size_t n;

	if (!buf) {
		fputs("spctl: out of memory\n", stderr);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "spctl: cannot read %s: %s\n", what, strerror(errno));
		explicit_bzero(buf, n);
		return NULL;
	}
	if (n > max) {
		fprintf(stderr, "spctl: %s is larger than %zu %s\n", what,
			max >= (1 << 20) ? max >> 20 : max >> 10, max >= (1 << 20) ? "MiB" : "KiB");
		explicit_bzero(buf, n);
		return NULL;
	}
	buf[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return TAKE_PTR(buf);
}

/* One line from the terminal, not echoed, after a prompt naming the key. */
static char *read_tty_secret(const char *key)
{
	_cleanup_free_ char *buf = malloc(SPCTL_MAX_INPUT + 1);
	struct termios old, quiet;
	bool echo_off;
	char *line;

	if (!buf) {
		fputs("spctl: out of memory\n", stderr);
		return NULL;
	}
	/* Echo goes off before the prompt shows, so what is typed after the
	 * prompt is never echoed, and is not flushed either. */
	echo_off = tcgetattr(STDIN_FILENO, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fprintf(stderr, "%s: ", key);
	line = fgets(buf, (int)SPCTL_MAX_INPUT + 1, stdin);
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
	fputc('\n', stderr);
	if (!line) {
		fprintf(stderr, "spctl: no value for '%s' on standard input\n", key);
		return NULL;
	}
	return TAKE_PTR(buf);
}

/* Secrets stay out of argv: a value of "-" is read from standard input,
 * once: all of it from a pipe or file (a PEM key spans lines), one line
 * without echo from a terminal when asked for a key's value.  The final
 * newline is dropped.  Returns 0 with *ret set, or an exit code. */
static int read_stdin_value(const char *key, char **ret)
{
	char *s;
	size_t n;

	if (stdin_taken)
		return spctl_usage_error("standard input can be read only once ('-' given twice)");
	stdin_taken = true;
	s = key && isatty(STDIN_FILENO) ? read_tty_secret(key) : read_all(stdin, "standard input", SPCTL_MAX_INPUT, NULL);
	if (!s)
		return SPCTL_FAIL;
	n = strlen(s);
	if (n && s[n - 1] == '\n')
		s[--n] = '\0';
	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	*ret = s;
	return 0;
}

/* {"Key": key, "Value": value}, or NULL after reporting. */
static json_t *kv_pair(const char *key, const char *value)
{
	json_t *kv = json_pack("{s:s, s:s}", "Key", key, "Value", value);

	if (!kv)
		fputs("spctl: out of memory, or a KEY or VALUE that is not UTF-8\n", stderr);
	return kv;
}

int spctl_kv_append(json_t *list, const char *key, const char *value)
{
	json_t *kv = kv_pair(key, value);

	if (!kv)
		return -1;
	if (json_array_append_new(list, kv) < 0) {
		fputs("spctl: out of memory\n", stderr);
		return -1;
	}
	return 0;
}

int spctl_conv_kv(const char *opt, const char *arg, json_t **ret)
{
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *key = NULL;
	_cleanup_wipe_ char *in = NULL;
	int rc;

	if (!eq)
		return spctl_usage_error("--%s wants KEY=VALUE: there is no '='", opt);
	if (eq == arg)
		return spctl_usage_error("--%s wants KEY=VALUE: the KEY is empty", opt);
	key = strndup(arg, (size_t)(eq - arg));
	if (!key) {
		fputs("spctl: out of memory\n", stderr);
		return SPCTL_FAIL;
	}
	if (!strcmp(eq + 1, "-") && (rc = read_stdin_value(key, &in)) != 0)
		return rc;
	*ret = kv_pair(key, in ? in : eq + 1);
	return *ret ? 0 : SPCTL_FAIL;
}

int spctl_kv_append_arg(json_t *list, const char *opt, const char *arg)
{
	json_t *kv;
	int rc = spctl_conv_kv(opt, arg, &kv);

	if (rc)
		return rc;
	if (json_array_append_new(list, kv) < 0) {
		fputs("spctl: out of memory\n", stderr);
		return SPCTL_FAIL;
	}
	return 0;
}

/* The comma-separated fields of arg under keys[0..max); the first min
 * must be there and not be empty, an empty later one is left out. */
static int conv_fields(const char *opt, const char *arg, const char *syntax,
		       const char *const *keys, int min, int max, json_t **ret)
{
	_cleanup_free_ char *buf = strdup(arg);
	_cleanup_json_ json_t *obj = json_object();
	char *rest = buf, *field;
	int n = 0;

	if (!buf || !obj) {
		fputs("spctl: out of memory\n", stderr);
		return SPCTL_FAIL;
	}
	for (; (field = strsep(&rest, ",")) != NULL; n++) {
		if (n == max || (n < min && !*field))
			return spctl_usage_error("--%s wants %s, not '%s'", opt, syntax, arg);
		if (*field && json_object_set_new(obj, keys[n], json_string(field)) < 0)
			return spctl_usage_error("--%s: the value is not UTF-8", opt);
	}
	if (n < min)
		return spctl_usage_error("--%s wants %s, not '%s'", opt, syntax, arg);
	*ret = TAKE_PTR(obj);
	return 0;
}

int spctl_conv_subnet(const char *opt, const char *arg, json_t **ret)
{
	static const char *const keys[] = { "Name", "IPv4_CIDR", "Zone" };

	return conv_fields(opt, arg, "NAME,CIDR[,ZONE]", keys, 2, 3, ret);
}

int spctl_conv_rule(const char *opt, const char *arg, json_t **ret)
{
	static const char *const keys[] = { "Direction", "IPProtocol", "FromPort", "ToPort", "CIDR" };

	return conv_fields(opt, arg, "DIRECTION,PROTOCOL,FROM,TO[,CIDR]", keys, 4, 5, ret);
}

int spctl_conv_secret(const char *opt, const char *arg, json_t **ret)
{
	_cleanup_wipe_ char *in = NULL;
	int rc;

	if (!strcmp(arg, "-") && (rc = read_stdin_value(opt, &in)) != 0)
		return rc;
	*ret = json_string(in ? in : arg);
	return *ret ? 0 : spctl_usage_error("--%s: the value is not UTF-8", opt);
}

int spctl_conv_text_file(const char *opt, const char *arg, json_t **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int rc;

	if ((rc = spctl_read_file(arg, SPCTL_MAX_TEXT_FILE, &text, &len)) != 0)
		return rc;
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	*ret = json_stringn(text, len);
	return *ret ? 0 : spctl_usage_error("--%s: '%s' is not UTF-8 text", opt, arg);
}

bool spctl_confirm(const char *question)
{
	char line[64];

	stdin_taken = true;
	fprintf(stderr, "%s ", question);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcmp(line, "yes");
}

/* KEY=VALUE lines; blank lines and lines starting with '#' are skipped.
 * Blanks around KEY go; VALUE is kept as written, to the end of the line. */
static int kv_append_file(json_t *list, const char *path)
{
	_cleanup_wipe_ char *text = NULL;
	char *line, *next;
	unsigned lineno = 0;
	int rc;

	if ((rc = spctl_read_file(path, SPCTL_MAX_INPUT, &text, NULL)) != 0)
		return rc;
	for (line = text; line; line = next) {
		char *eq, *end;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		end = line + strlen(line);
		if (end > line && end[-1] == '\r')
			*--end = '\0';
		while (isspace((unsigned char)*line))
			line++;
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		end = eq;
		while (end && end > line && isspace((unsigned char)end[-1]))
			end--;
		if (!eq || end == line) {
			fprintf(stderr, "spctl: %s:%u: want KEY=VALUE\n", path, lineno);
			return SPCTL_FAIL;
		}
		*end = '\0';
		if (spctl_kv_append(list, line, eq + 1) < 0)
			return SPCTL_FAIL;
	}
	return 0;
}

int spctl_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_fclose_ FILE *f = NULL;

	if (!strcmp(path, "-")) {
		if (stdin_taken)
			return spctl_usage_error("standard input can be read only once ('-' given twice)");
		stdin_taken = true;
		*ret = read_all(stdin, "standard input", max, ret_len);
		return *ret ? 0 : SPCTL_FAIL;
	}
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "spctl: cannot open '%s': %s\n", path, strerror(errno));
		return SPCTL_FAIL;
	}
	*ret = read_all(f, path, max, ret_len);
	return *ret ? 0 : SPCTL_FAIL;
}

int spctl_read_json(const char *path, json_t **ret)
{
	_cleanup_free_ char *text = NULL;
	json_error_t jerr;
	size_t len;
	int rc;

	if ((rc = spctl_read_file(path, SPCTL_MAX_INPUT, &text, &len)) != 0)
		return rc;
	*ret = json_loadb(text, len, 0, &jerr);
	if (!*ret) {
		fprintf(stderr, "spctl: %s:%d: not JSON: %s\n", path, jerr.line, jerr.text);
		return SPCTL_FAIL;
	}
	if (!json_is_object(*ret)) {
		json_decref(*ret);
		fprintf(stderr, "spctl: %s: want a JSON object\n", path);
		return SPCTL_FAIL;
	}
	return 0;
}

char *spctl_base64(const void *data, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < len ? abc[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? abc[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* What each KEY of --group sets in a VM entry: the static form's key,
 * and the dynamic form's (NULL: the key has none). */
static const struct {
	const char *key, *stat, *dyn;
} group_keys[] = {
	{ "name", "name", "name" },
	{ "conn", "connectionName", "connectionName" },
	{ "spec", "specId", "commonSpec" },
	{ "image", "imageId", "commonImage" },
	{ "count", "subGroupSize", "subGroupSize" },
	{ "user", "vmUserAccount", "vmUserAccount" },
	{ "disk-type", "rootDiskType", "rootDiskType" },
	{ "disk-size", "rootDiskSize", "rootDiskSize" },
	{ "vnet", "vNetId", NULL },
	{ "subnet", "subnetId", NULL },
	{ "sg", "securityGroupIds", NULL },
	{ "key", "sshKeyId", NULL },
};

int spctl_conv_group(const char *opt, const char *arg, json_t **ret)
{
	_cleanup_free_ char *buf = strdup(arg);
	_cleanup_json_ json_t *entry = json_object();
	const char *value[ELEMENTSOF(group_keys)] = { 0 };
	char *rest = buf, *field;
	bool dynamic = true;

	if (!buf || !entry)
		return spctl_oom();
	while ((field = strsep(&rest, ",")) != NULL) {
		char *eq = strchr(field, '=');
		size_t k = 0;

		if (!*field)
			continue;
		if (eq)
			*eq = '\0';
		while (k < ELEMENTSOF(group_keys) && strcmp(group_keys[k].key, field))
			k++;
		if (!eq || k == ELEMENTSOF(group_keys))
			return spctl_usage_error("--%s: '%s' is not KEY=VALUE with a KEY of name, conn, spec, image, count, user, disk-type, disk-size, vnet, subnet, sg, key", opt, field);
		value[k] = eq + 1;
		if (!group_keys[k].dyn && *value[k])
			dynamic = false;
	}
	for (size_t k = 0; k < ELEMENTSOF(group_keys); k++) {
		const char *key = dynamic ? group_keys[k].dyn : group_keys[k].stat;
		json_t *v;

		if (!value[k] || !*value[k] || !key)
			continue;
		if (!strcmp(key, "securityGroupIds")) {
			_cleanup_free_ char *sgs = strdup(value[k]);
			char *r = sgs, *sg;

			v = json_array();
			while (sgs && v && (sg = strsep(&r, ";")) != NULL)
				if (*sg && json_array_append_new(v, json_string(sg)) < 0)
					json_decref(TAKE_PTR(v));
		} else {
			v = json_string(value[k]);
		}
		if (json_object_set_new(entry, key, v) < 0)
			return spctl_usage_error("--%s: out of memory, or a value that is not UTF-8", opt);
	}
	for (size_t k = 0; k < 4; k++)
		if (!value[k] && (k != 1 || !dynamic))
			return spctl_usage_error("--%s '%s' has no %s=", opt, arg, group_keys[k].key);
	*ret = TAKE_PTR(entry);
	return 0;
}

/* jansson frees strings without wiping them: do it for every value. */
static void wipe_strings(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j))
		explicit_bzero((char *)json_string_value(j), json_string_length(j));
	else if (json_is_object(j))
		json_object_foreach(j, key, v)
			wipe_strings(v);
	else if (json_is_array(j))
		json_array_foreach(j, i, v)
			wipe_strings(v);
}

void spctl_json_wipe_decrefp(json_t **p)
{
	if (!*p)
		return;
	wipe_strings(*p);
	json_decref(*p);
}

bool spctl_body_wanted(const struct opt *opts)
{
	for (const struct opt *o = opts; o && o->name; o++)
		if (o->field || o->kv_key)
			return true;
	return false;
}

/* Put value (stolen) at the dotted path in obj, making the objects on
 * the way; -1 when out of memory. */
static int set_path(json_t *obj, const char *path, json_t *value)
{
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		_cleanup_free_ char *key = strndup(path, (size_t)(dot - path));
		json_t *next = key ? json_object_get(obj, key) : NULL;

		if (key && !json_is_object(next)) {
			next = json_object();
			if (json_object_set_new(obj, key, next) < 0)
				next = NULL;
		}
		if (!next) {
			json_decref(value);
			return -1;
		}
		obj = next;
		path = dot + 1;
	}
	return json_object_set_new(obj, path, value);
}

/* One value of option o as JSON: .conv's, or a string. */
static int value_json(const struct opt *o, const char *arg, json_t **ret)
{
	if (o->conv)
		return o->conv(o->name, arg, ret);
	*ret = json_string(arg);
	return *ret ? 0 : spctl_usage_error("--%s: the value is not UTF-8", o->name);
}

/* Option o at its .field: a value, or an array of them for OPT_LIST. */
static int set_field(json_t *body, const struct opt *o, const struct optval *v)
{
	json_t *val = NULL;
	int rc;

	if (o->kind == OPT_VALUE) {
		if ((rc = value_json(o, v->value, &val)) != 0)
			return rc;
	} else if (o->kind == OPT_LIST) {
		_cleanup_json_ json_t *list = json_array();

		for (size_t i = 0; list && i < v->n; i++) {
			json_t *item;

			if ((rc = value_json(o, v->items[i], &item)) != 0)
				return rc;
			if (json_array_append_new(list, item) < 0)
				json_decref(TAKE_PTR(list));
		}
		val = TAKE_PTR(list);
	}
	if (set_path(body, o->field, val) < 0) {
		fputs("spctl: out of memory\n", stderr);
		return SPCTL_FAIL;
	}
	return 0;
}

int spctl_body_build(const struct args *a, json_t **ret)
{
	_cleanup_(spctl_json_wipe_decrefp) json_t *body = json_object();
	json_t *kvs = json_array();
	const struct optval *kv = spctl_arg(a, "kv");
	const char *kv_file = spctl_arg_str(a, "kv-file");
	int rc;

	/* On failure this drops kvs too, even when body is NULL. */
	if (json_object_set_new(body, "KeyValueInfoList", kvs) < 0) {
		fputs("spctl: out of memory\n", stderr);
		return SPCTL_FAIL;
	}
	for (size_t k = 0; a->opts[k].name; k++) {
		const struct opt *o = &a->opts[k];

		if (!a->val[k].set || o->kind == OPT_FLAG)
			continue;
		if (o->field && (rc = set_field(body, o, &a->val[k])) != 0)
			return rc;
		if (o->kv_key && spctl_kv_append(kvs, o->kv_key, a->val[k].value) < 0)
			return SPCTL_FAIL;
	}
	for (size_t i = 0; i < kv->n; i++)
		if ((rc = spctl_kv_append_arg(kvs, "kv", kv->items[i])) != 0)
			return rc;
	if (kv_file && (rc = kv_append_file(kvs, kv_file)) != 0)
		return rc;
	if (!json_array_size(kvs))
		json_object_del(body, "KeyValueInfoList");
	*ret = TAKE_PTR(body);
	return 0;
}
