/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>

#include "core/plugin.h"
#include "core/provider.h"
#include "util/log.h"

#define PLUGINS_MAX 64

struct sp_plugins {
	char *dir;
	sp_plugin items[PLUGINS_MAX];
	size_t n;
};

int sp_plugin_check_table(const sp_driver *d, const char *file, sp_error *err)
{
	if (!d)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "driver plugin '%s': entry returned no table", file);
	/* The version is the first thing we trust; then the size. */
	if (d->abi_version != SP_DRIVER_ABI_VERSION)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "driver plugin '%s': ABI version %u, spiderd speaks %u",
				    file, d->abi_version, SP_DRIVER_ABI_VERSION);
	if (d->size < sizeof(sp_driver))
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "driver plugin '%s': table is %zu bytes, expected %zu",
				    file, d->size, sizeof(sp_driver));
	if (!d->name || !d->provider || !d->open || !d->close)
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "driver plugin '%s': table lacks name, provider, open or close",
				    file);
	if (!sp_provider_find(d->provider))
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "driver plugin '%s': unknown provider '%s'",
				    file, d->provider);
	return 0;
}

static int load_one(sp_plugins *p, const char *file, sp_error *err)
{
	_cleanup_free_ char *path = NULL;
	sp_driver_entry_fn entry;
	const sp_driver *d;
	void *h;

	if (asprintf(&path, "%s/%s", p->dir, file) < 0) {
		path = NULL;
		return sp_error_oom(err);
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return sp_error_set(err, SP_ERR_INTERNAL, "driver plugin '%s': %s",
				    file, dlerror());
	*(void **)&entry = dlsym(h, SP_DRIVER_ENTRY);
	if (!entry) {
		dlclose(h);
		return sp_error_set(err, SP_ERR_INTERNAL,
				    "driver plugin '%s': no symbol '%s'", file,
				    SP_DRIVER_ENTRY);
	}
	d = entry();
	if (sp_plugin_check_table(d, file, err) < 0) {
		dlclose(h);
		return -1;
	}
	p->items[p->n].file = strdup(file);
	if (!p->items[p->n].file)
		return sp_error_oom(err);
	p->items[p->n].driver = d;
	p->n++;
	/* The handle is deliberately never closed: sessions point into it. */
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_so(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 3 && strcmp(e->d_name + n - 3, ".so") == 0;
}

int sp_plugins_load(const char *dir, sp_plugins **ret, sp_error *err)
{
	struct dirent **list = NULL;
	sp_plugins *p;
	int n;

	p = calloc(1, sizeof(*p));
	if (!p || !(p->dir = strdup(dir))) {
		free(p);
		return sp_error_oom(err);
	}
	n = scandir(dir, &list, is_so, by_name);
	if (n < 0) {
		sp_error_set(err, SP_ERR_INTERNAL, "driver directory '%s': %s",
			     dir, strerror(errno));
		sp_plugins_free(p);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		sp_error e = { 0 };

		if (p->n == PLUGINS_MAX)
			sp_log_warn("driver directory '%s': more than %d plugins; '%s' skipped",
				    dir, PLUGINS_MAX, list[i]->d_name);
		else if (load_one(p, list[i]->d_name, &e) < 0)
			sp_log_warn("%s; skipped", e.message);
		else
			sp_log_info("driver plugin '%s' loaded: %s %s for %s",
				    list[i]->d_name, p->items[p->n - 1].driver->name,
				    p->items[p->n - 1].driver->version ?: "",
				    p->items[p->n - 1].driver->provider);
		free(list[i]);
	}
	free(list);
	*ret = p;
	return 0;
}

void sp_plugins_free(sp_plugins *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->items[i].file);
	free(p->dir);
	free(p);
}

const char *sp_plugins_dir(const sp_plugins *p)
{
	return p->dir;
}

const sp_plugin *sp_plugins_by_file(const sp_plugins *p, const char *file)
{
	for (size_t i = 0; file && i < p->n; i++)
		if (strcmp(p->items[i].file, file) == 0)
			return &p->items[i];
	return NULL;
}

const sp_plugin *sp_plugins_by_provider(const sp_plugins *p,
					const char *provider)
{
	for (size_t i = 0; provider && i < p->n; i++)
		if (strcasecmp(p->items[i].driver->provider, provider) == 0)
			return &p->items[i];
	return NULL;
}

const sp_plugin *sp_plugins_resolve(const sp_plugins *p, const char *provider,
				    const char *lib_file, sp_error *err)
{
	const sp_plugin *pl;

	if (lib_file && (strchr(lib_file, '/') || strstr(lib_file, ".."))) {
		sp_error_set(err, SP_ERR_INVALID,
			     "DriverLibFileName '%s' must be a plain file name in the driver directory (no '/' or '..')",
			     lib_file);
		return NULL;
	}
	pl = sp_plugins_by_file(p, lib_file);
	if (pl && strcasecmp(pl->driver->provider, provider) == 0)
		return pl;
	if (pl) {
		sp_error_set(err, SP_ERR_INVALID,
			     "DriverLibFileName '%s' is a driver for %s, not %s",
			     lib_file, pl->driver->provider, provider);
		return NULL;
	}
	pl = sp_plugins_by_provider(p, provider);
	if (!pl)
		sp_error_set(err, SP_ERR_INVALID,
			     "no driver plugin for provider '%s' in '%s'",
			     provider, p->dir);
	return pl;
}
