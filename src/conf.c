/*
 * conf.c - loads measured.conf over the embedded defaults.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "xml.h"

static void
add(char ***list, size_t *n, const char *s)
{
	*list = md_xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = md_xstrdup(s);
}

static void
clear_list(char ***list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

static int
in_build_tree(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n <= 0)
		return 0;
	self[n] = '\0';
	return strcmp(self, MD_BUILDDIR "/measured") == 0 ||
	    strncmp(self, MD_BUILDDIR "/tests/", strlen(MD_BUILDDIR) + 7) ==
	    0 || strncmp(self, MD_BUILDDIR "/bench/", strlen(MD_BUILDDIR) + 7) == 0;
}

void
md_conf_defaults(struct md_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->prefilter = MD_PF_AUTO;
	if (in_build_tree()) {
		/* Canonical paths read better in messages than
		 * "_build/x/../../plugins". */
		char src[PATH_MAX], build[PATH_MAX], *p;

		if (realpath(MD_SRCDIR, src) == NULL)
			snprintf(src, sizeof src, "%s", MD_SRCDIR);
		if (realpath(MD_BUILDDIR, build) == NULL)
			snprintf(build, sizeof build, "%s", MD_BUILDDIR);
		p = md_xasprintf("%s/plugins/.libs", build);
		add(&conf->plugin_dirs, &conf->nplugin_dirs, p);
		free(p);
		p = md_xasprintf("%s/plugins", src);
		add(&conf->rules_dirs, &conf->nrules_dirs, p);
		free(p);
		conf->measures_dir = md_xasprintf("%s/etc/measures", src);
		conf->schema_dir = md_xasprintf("%s/etc/schema", src);
	} else {
		add(&conf->plugin_dirs, &conf->nplugin_dirs, MD_PLUGINDIR);
		add(&conf->rules_dirs, &conf->nrules_dirs, MD_RULESDIR);
		conf->measures_dir = md_xstrdup(MD_MEASURESDIR);
		conf->schema_dir = md_xstrdup(MD_SCHEMADIR);
	}
}

char *
md_conf_schema(const struct md_conf *conf, const char *name)
{
	return md_xasprintf("%s/%s", conf->schema_dir, name);
}

void
md_plugin_conf_free(struct md_plugin_conf *p)
{
	if (p == NULL)
		return;
	size_t i;

	free(p->name);
	for (i = 0; i < p->nopts; i++) {
		free(p->keys[i]);
		free(p->values[i]);
	}
	free(p->keys);
	free(p->values);
}

static int
load_plugin(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	struct md_plugin_conf p = { 0 };
	xmlNodePtr c;
	char *v;

	p.name = md_xml_attr(node, "name");
	if (md_conf_plugin(conf, p.name) != NULL) {
		md_error_set(err, "%s:%d: plugin %s is configured twice", path,
		    md_xml_line(node), p.name);
		free(p.name);
		return -1;
	}
	v = md_xml_attr(node, "enabled");
	p.enabled = v == NULL || strcmp(v, "yes") == 0;
	free(v);
	for (c = node->children; c != NULL; c = c->next) {
		if (!md_xml_is(c, "option"))
			continue;
		p.keys = md_xreallocarray(p.keys, p.nopts + 1, sizeof *p.keys);
		p.values = md_xreallocarray(p.values, p.nopts + 1,
		    sizeof *p.values);
		p.keys[p.nopts] = md_xml_attr(c, "name");
		p.values[p.nopts] = md_xml_text(c);
		p.nopts++;
	}
	conf->plugins = md_xreallocarray(conf->plugins, conf->nplugins + 1,
	    sizeof *conf->plugins);
	conf->plugins[conf->nplugins++] = p;
	return 0;
}

int
md_conf_load(struct md_conf *conf, const char *path, struct md_error *err)
{
	int plugin_dirs = 0, rules_dirs = 0, rc = 0;
	xmlNodePtr root, c;
	xmlDocPtr doc;
	char *schema, *v;

	schema = md_conf_schema(conf, "config.rng");
	doc = md_xml_load(path, schema, err);
	free(schema);
	if (doc == NULL)
		return -1;
	free(conf->file);
	conf->file = md_xstrdup(path);
	root = xmlDocGetRootElement(doc);
	for (c = root->children; c != NULL && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (md_xml_is(c, "plugin")) {
			rc = load_plugin(conf, c, path, err);
			continue;
		}
		v = md_xml_text(c);
		if (md_xml_is(c, "plugin-dir")) {
			/* The first one replaces the defaults. */
			if (plugin_dirs++ == 0)
				clear_list(&conf->plugin_dirs,
				    &conf->nplugin_dirs);
			add(&conf->plugin_dirs, &conf->nplugin_dirs, v);
		} else if (md_xml_is(c, "rules-dir")) {
			if (rules_dirs++ == 0)
				clear_list(&conf->rules_dirs,
				    &conf->nrules_dirs);
			add(&conf->rules_dirs, &conf->nrules_dirs, v);
		} else if (md_xml_is(c, "measures-dir")) {
			free(conf->measures_dir);
			conf->measures_dir = md_xstrdup(v);
		} else if (md_xml_is(c, "schema-dir")) {
			free(conf->schema_dir);
			conf->schema_dir = md_xstrdup(v);
		} else if (md_xml_is(c, "prefilter")) {
			conf->prefilter = strcmp(v, "hyperscan") == 0 ?
			    MD_PF_HYPERSCAN : strcmp(v, "aho-corasick") == 0 ?
			    MD_PF_AHO_CORASICK : MD_PF_AUTO;
		}
		free(v);
	}
	xmlFreeDoc(doc);
	return rc;
}

void
md_conf_free(struct md_conf *conf)
{
	size_t i;

	clear_list(&conf->plugin_dirs, &conf->nplugin_dirs);
	clear_list(&conf->rules_dirs, &conf->nrules_dirs);
	free(conf->measures_dir);
	free(conf->schema_dir);
	free(conf->file);
	for (i = 0; i < conf->nplugins; i++)
		md_plugin_conf_free(&conf->plugins[i]);
	free(conf->plugins);
	memset(conf, 0, sizeof *conf);
}

struct md_plugin_conf *
md_plugin_conf_copy(const struct md_plugin_conf *p)
{
	struct md_plugin_conf *c = md_xcalloc(1, sizeof *c);
	size_t i;

	c->name = md_xstrdup(p->name);
	c->enabled = p->enabled;
	c->nopts = p->nopts;
	c->keys = md_xcalloc(p->nopts, sizeof *c->keys);
	c->values = md_xcalloc(p->nopts, sizeof *c->values);
	for (i = 0; i < p->nopts; i++) {
		c->keys[i] = md_xstrdup(p->keys[i]);
		c->values[i] = md_xstrdup(p->values[i]);
	}
	return c;
}

const struct md_plugin_conf *
md_conf_plugin(const struct md_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nplugins; i++)
		if (strcmp(conf->plugins[i].name, name) == 0)
			return &conf->plugins[i];
	return NULL;
}
