/*
 * plugin.c - finds and opens checker plugins and checks their descriptor
 * before anything in them runs.
 *
 * Only regular files are loaded (RTLD_NOW, so a missing symbol fails here
 * and not in the middle of a check), and the ABI version at the start of
 * the descriptor is read before any other member: a plugin built for
 * another major version may lay out the rest differently.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugin.h"

int
md_category_valid(const char *s)
{
	const char *p = s;

	if (*p < 'a' || *p > 'z')
		return 0;
	while (*p >= 'a' && *p <= 'z')
		p++;
	if (*p++ != '.' || *p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return 0;
	return 1;
}

static int
name_valid(const char *s)
{
	if (s == NULL || *s < 'a' || *s > 'z' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return 0;
	return 1;
}

int
md_plugin_open(const char *path, struct md_opened *out, struct md_error *err)
{
	const struct md_plugin *d;
	struct stat st;
	void *dl;
	size_t i;

	memset(out, 0, sizeof *out);
	if (stat(path, &st) != 0) {
		md_error_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		md_error_set(err, "%s: not a regular file, not loaded", path);
		return -1;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		md_error_set(err, "%s: cannot load: %s", path, dlerror());
		return -1;
	}
	d = dlsym(dl, MD_PLUGIN_SYMBOL);
	if (d == NULL) {
		md_error_set(err, "%s: no %s symbol: not a measured plugin",
		    path, MD_PLUGIN_SYMBOL);
		goto fail;
	}
	if (d->abi_major != MD_PLUGIN_ABI_MAJOR ||
	    d->abi_minor > MD_PLUGIN_ABI_MINOR) {
		/* The name is read only because the version said the
		 * layout is ours up to here; a foreign major might not
		 * have it, so do not touch it. */
		md_error_set(err, "%s: plugin %s is built for plugin ABI "
		    "%u.%u; this measured provides ABI %u.%u", path,
		    d->abi_major == MD_PLUGIN_ABI_MAJOR && name_valid(d->name) ?
		    d->name : "(unknown)", (unsigned)d->abi_major,
		    (unsigned)d->abi_minor, MD_PLUGIN_ABI_MAJOR,
		    MD_PLUGIN_ABI_MINOR);
		goto fail;
	}
	if (!name_valid(d->name)) {
		md_error_set(err, "%s: plugin name must match [a-z][a-z0-9_]*",
		    path);
		goto fail;
	}
	if (d->check == NULL) {
		md_error_set(err, "%s: plugin %s has no check function", path,
		    d->name);
		goto fail;
	}
	if (d->categories == NULL || d->categories[0] == NULL) {
		md_error_set(err, "%s: plugin %s declares no categories", path,
		    d->name);
		goto fail;
	}
	for (i = 0; d->categories[i] != NULL; i++) {
		if (!md_category_valid(d->categories[i])) {
			md_error_set(err, "%s: plugin %s declares a malformed "
			    "category \"%s\"", path, d->name,
			    d->categories[i]);
			goto fail;
		}
	}
	out->path = md_xstrdup(path);
	out->dl = dl;
	out->desc = d;
	return 0;
fail:
	dlclose(dl);
	return -1;
}

void
md_plugin_close(struct md_opened *p)
{
	if (p->dl != NULL)
		dlclose(p->dl);
	free(p->path);
	memset(p, 0, sizeof *p);
}

int
md_plugin_list(const char *dir, char ***paths, struct md_error *err)
{
	struct dirent **names = NULL;
	int n, i, count = 0;

	*paths = NULL;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		md_error_set(err, "%s: cannot read plugin directory: %s", dir,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);

		if (name[0] != '.' && len > 3 &&
		    strcmp(name + len - 3, ".so") == 0) {
			*paths = md_xreallocarray(*paths, (size_t)count + 1,
			    sizeof **paths);
			(*paths)[count++] = md_xasprintf("%s/%s", dir, name);
		}
		free(names[i]);
	}
	free(names);
	return count;
}
