/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/cim.h - the Cloud Info Manager: drivers, credentials, regions and
 * connection configs, validated and stored.
 *
 * Every _put takes the request body (borrowed), validates it, stores it
 * (replacing an object of the same name), and returns the document the API
 * shows (new reference).  Secrets never appear in a returned document.
 * Every change invalidates the open-connection cache.
 */
#ifndef SP_CORE_CIM_H
#define SP_CORE_CIM_H

#include "core/core.h"

#define SP_HIDDEN "Hidden for security."

int sp_cim_put(sp_core *core, sp_cim_kind kind, const json_t *body,
	       json_t **ret_doc, sp_error *err);
/* The document as compact JSON text (malloc'd), as it is stored;
 * SP_ERR_NOT_FOUND "<name>: does not exist!" when missing. */
int sp_cim_get_text(sp_core *core, sp_cim_kind kind, const char *name,
		    char **ret_text, sp_error *err);
/* provider NULL or "" lists all; it is trimmed and upper-cased. */
int sp_cim_list(sp_core *core, sp_cim_kind kind, const char *provider,
		json_t **ret_array, sp_error *err);
int sp_cim_count(sp_core *core, sp_cim_kind kind, const char *provider,
		 size_t *ret, sp_error *err);
/* Deleting a missing object succeeds; one still used fails (409). */
int sp_cim_delete(sp_core *core, sp_cim_kind kind, const char *name,
		  sp_error *err);

/* Re-seal every credential under new_key in one transaction (key
 * rotation); on success core->key is new_key and *ret_n the number of
 * credentials re-sealed.  Nothing changes on failure. */
int sp_cim_rekey(sp_core *core, const sp_key *new_key, size_t *ret_n,
		 sp_error *err);

#endif
