/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/plugin.h - the driver plugins installed in the driver directory.
 *
 * At start-up every "*.so" file directly in the directory is loaded with
 * dlopen(RTLD_NOW | RTLD_LOCAL); its one entry symbol is resolved and the
 * ABI version and table size are checked before anything else in the table
 * is read.  Files that fail are skipped with a warning.  Plugins stay
 * loaded until the daemon exits.  Only files in that directory are ever
 * loaded: a name is a plain file name, never a path.
 */
#ifndef SP_CORE_PLUGIN_H
#define SP_CORE_PLUGIN_H

#include "util/common.h"

typedef struct sp_plugin {
	char *file;               /* file name inside the directory */
	const sp_driver *driver;  /* owned by the plugin */
} sp_plugin;

typedef struct sp_plugins sp_plugins;

/* Load every plugin of dir.  A missing directory is an error. */
int sp_plugins_load(const char *dir, sp_plugins **ret, sp_error *err);
void sp_plugins_free(sp_plugins *p);

const char *sp_plugins_dir(const sp_plugins *p);

/* The plugin in this file, or NULL. */
const sp_plugin *sp_plugins_by_file(const sp_plugins *p, const char *file);
/* The first plugin (by file name) serving provider, or NULL. */
const sp_plugin *sp_plugins_by_provider(const sp_plugins *p,
					const char *provider);

/* Resolve a driver registration: refuse a file name with '/' or "..";
 * pick the named file when it is installed and serves the provider, else
 * the provider's plugin; SP_ERR_INVALID when there is none. */
const sp_plugin *sp_plugins_resolve(const sp_plugins *p, const char *provider,
				    const char *lib_file, sp_error *err);

/* Check a loaded table; exposed for the unit tests. */
int sp_plugin_check_table(const sp_driver *d, const char *file,
			  sp_error *err);

#endif
