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
	conf->listen = md_xstrdup(MD_DEFAULT_LISTEN);
	conf->max_body = 2u * 1024u * 1024u;
	conf->max_headers = 16u * 1024u;
	conf->max_text = 1024u * 1024u;
	conf->timeout = 30;
	conf->rate = 100;
	conf->burst = 200;
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
		conf->web_dir = md_xasprintf("%s/web", src);
		conf->store = md_xasprintf("sqlite:%s/measured.db", build);
	} else {
		conf->store = md_xstrdup("sqlite:" MD_STATEDIR "/measured.db");
		add(&conf->plugin_dirs, &conf->nplugin_dirs, MD_PLUGINDIR);
		add(&conf->rules_dirs, &conf->nrules_dirs, MD_RULESDIR);
		conf->measures_dir = md_xstrdup(MD_MEASURESDIR);
		conf->schema_dir = md_xstrdup(MD_SCHEMADIR);
		conf->web_dir = md_xstrdup(MD_WEBDIR);
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

/* A positive number no larger than max, from an attribute the schema
 * has already checked is an integer. */
static int
attr_size(xmlNodePtr node, const char *name, size_t *out, size_t max,
    const char *path, struct md_error *err)
{
	char *v = md_xml_attr(node, name), *end;
	unsigned long long n;

	if (v == NULL)
		return 0;
	n = strtoull(v, &end, 10);
	if (*end != '\0' || n == 0 || n > max) {
		md_error_set(err, "%s:%d: %s=\"%s\": expected a whole number "
		    "from 1 to %zu", path, md_xml_line(node), name, v, max);
		free(v);
		return -1;
	}
	free(v);
	*out = (size_t)n;
	return 0;
}

static int
load_limits(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	size_t timeout = (size_t)conf->timeout;

	if (attr_size(node, "body", &conf->max_body, 256u << 20, path,
	    err) != 0 ||
	    attr_size(node, "headers", &conf->max_headers, 1u << 20, path,
	    err) != 0 ||
	    attr_size(node, "text", &conf->max_text, 256u << 20, path,
	    err) != 0 ||
	    attr_size(node, "timeout", &timeout, 3600, path, err) != 0)
		return -1;
	conf->timeout = (int)timeout;
	if (conf->max_text > conf->max_body) {
		md_error_set(err, "%s:%d: the text limit (%zu) is larger than "
		    "the body limit (%zu)", path, md_xml_line(node),
		    conf->max_text, conf->max_body);
		return -1;
	}
	return 0;
}

static int
load_rate(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	size_t rate = 0, burst = 0;
	char *off = md_xml_attr(node, "per-second");

	if (off != NULL && strcmp(off, "0") == 0) {
		free(off);
		conf->rate = 0;	/* no limit */
		return 0;
	}
	free(off);
	if (attr_size(node, "per-second", &rate, 1000000, path, err) != 0 ||
	    attr_size(node, "burst", &burst, 1000000, path, err) != 0)
		return -1;
	if (rate > 0)
		conf->rate = (double)rate;
	if (burst > 0)
		conf->burst = (double)burst;
	if (conf->burst < 1)
		conf->burst = 1;
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
		} else if (md_xml_is(c, "web-dir")) {
			free(conf->web_dir);
			conf->web_dir = md_xstrdup(v);
		} else if (md_xml_is(c, "listen")) {
			free(conf->listen);
			conf->listen = md_xstrdup(v);
		} else if (md_xml_is(c, "store")) {
			free(conf->store);
			conf->store = md_xstrdup(v);
		} else if (md_xml_is(c, "limits")) {
			rc = load_limits(conf, c, path, err);
		} else if (md_xml_is(c, "rate-limit")) {
			rc = load_rate(conf, c, path, err);
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
	free(conf->web_dir);
	free(conf->file);
	free(conf->listen);
	free(conf->store);
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
