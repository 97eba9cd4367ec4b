/*
 * plugin.h - opening checker plugins: dlopen of regular files from the
 * configured directories and the ABI handshake.
 */
#ifndef MD_PLUGIN_LOADER_H
#define MD_PLUGIN_LOADER_H

#include "measured/plugin.h"
#include "util.h"

struct md_opened {
	char *path;
	void *dl;
	const struct md_plugin *desc;
};

/*
 * Opens one plugin file.  Refuses (-1 with err naming the file and the
 * plugin) anything that is not a regular file, has no md_plugin_descriptor,
 * was built for ABI major != ours or minor > ours, has a bad name, declares
 * no or malformed categories, or lacks check().
 */
int md_plugin_open(const char *path, struct md_opened *out,
    struct md_error *err);
void md_plugin_close(struct md_opened *p);

/*
 * Lists the *.so files of dir in name order into *paths (malloc'd array of
 * malloc'd strings).  Returns the count, or -1 with err.
 */
int md_plugin_list(const char *dir, char ***paths, struct md_error *err);

/* 1 when s is a valid category label: [a-z]+ "." [a-z_]+ */
int md_category_valid(const char *s);

#endif /* MD_PLUGIN_LOADER_H */
