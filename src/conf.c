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

#include <libxml/xpath.h>

#include "conf.h"
#include "intake.h"
#include "outbox.h"
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
	conf->outbox.retry_first = 1000;
	conf->outbox.retry_max = 10L * 60 * 1000;
	conf->outbox.max_age = 2L * 24 * 3600 * 1000;
	conf->outbox.timeout = 10000;
	conf->outbox.poll = 5000;
	conf->outbox.parallel = 8;
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

/* A number of seconds (the schema checked it is a decimal) within
 * [lo, hi]. */
static int
attr_seconds(xmlNodePtr node, const char *name, double *out, double lo,
    double hi, const char *path, struct md_error *err)
{
	char *v = md_xml_attr(node, name), *end;
	double d;

	if (v == NULL)
		return 0;
	d = strtod(v, &end);
	if (*end != '\0' || !(d >= lo && d <= hi)) {
		md_error_set(err, "%s:%d: %s=\"%s\": expected seconds from %g "
		    "to %g", path, md_xml_line(node), name, v, lo, hi);
		free(v);
		return -1;
	}
	free(v);
	*out = d;
	return 0;
}

/* <region code="" name=""/> of a feed or a spool. */
static int
load_region(xmlNodePtr node, char **code, char **name, const char *path,
    struct md_error *err)
{
	xmlNodePtr c;

	for (c = node->children; c != NULL; c = c->next) {
		if (!md_xml_is(c, "region"))
			continue;
		free(*code);
		free(*name);
		*code = md_xml_attr(c, "code");
		*name = md_xml_attr(c, "name");
		if (*code != NULL && !md_region_code_valid(*code)) {
			md_error_set(err, "%s:%d: region code \"%s\" is not a "
			    "GB/T 2260 division code (2, 4, 6, 9 or 12 digits)",
			    path, md_xml_line(c), *code);
			return -1;
		}
	}
	return 0;
}

/* The XPath in attribute "xpath" of node's child element name; NULL when
 * there is none.  A bad expression is an error. */
static int
load_xpath(xmlNodePtr node, const char *name, char **out, const char *path,
    struct md_error *err)
{
	xmlNodePtr c;

	for (c = node->children; c != NULL; c = c->next) {
		xmlXPathCompExprPtr x;

		if (!md_xml_is(c, name))
			continue;
		free(*out);
		*out = md_xml_attr(c, "xpath");
		if ((x = xmlXPathCompile((const xmlChar *)*out)) == NULL) {
			md_error_set(err, "%s:%d: <%s xpath=\"%s\">: not a valid "
			    "XPath expression", path, md_xml_line(c), name,
			    *out);
			return -1;
		}
		xmlXPathFreeCompExpr(x);
	}
	return 0;
}

void
md_feed_conf_free(struct md_feed_conf *f)
{
	size_t i;

	free(f->name);
	free(f->url);
	free(f->region_code);
	free(f->region_name);
	for (i = 0; i < f->nheaders; i++)
		free(f->headers[i]);
	free(f->headers);
	free(f->items_xpath);
	free(f->body_xpath);
	free(f->title_xpath);
	free(f->date_xpath);
	memset(f, 0, sizeof *f);
}

static int
load_feed(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	struct md_feed_conf f = { 0 };
	size_t i, max_size = 4u << 20, redirects = 5;
	double timeout = 30;
	xmlNodePtr c;
	char *type;

	f.line = md_xml_line(node);
	f.name = md_xml_attr(node, "name");
	f.url = md_xml_attr(node, "url");
	f.interval = 300;
	type = md_xml_attr(node, "type");
	f.type = strcmp(type, "atom") == 0 ? MD_FEED_ATOM :
	    strcmp(type, "html") == 0 ? MD_FEED_HTML : MD_FEED_RSS;
	free(type);
	for (i = 0; i < conf->nfeeds; i++)
		if (strcmp(conf->feeds[i].name, f.name) == 0) {
			md_error_set(err, "%s:%d: feed \"%s\" is configured "
			    "twice (first on line %d)", path, f.line, f.name,
			    conf->feeds[i].line);
			goto fail;
		}
	if (strncmp(f.url, "http://", 7) != 0 &&
	    strncmp(f.url, "https://", 8) != 0) {
		md_error_set(err, "%s:%d: feed \"%s\": url must be http:// or "
		    "https://", path, f.line, f.name);
		goto fail;
	}
	if (attr_seconds(node, "interval", &f.interval, 0.01, 7 * 86400.0,
	    path, err) != 0 ||
	    attr_seconds(node, "timeout", &timeout, 0.01, 3600, path, err) !=
	    0 ||
	    attr_size(node, "max-size", &max_size, 256u << 20, path, err) != 0)
		goto fail;
	{
		char *v = md_xml_attr(node, "max-redirects");

		if (v != NULL)
			redirects = strtoul(v, NULL, 10);
		free(v);
		if (redirects > 20) {
			md_error_set(err, "%s:%d: max-redirects is at most 20",
			    path, f.line);
			goto fail;
		}
	}
	f.timeout_ms = (long)(timeout * 1000);
	f.max_size = max_size;
	f.max_redirects = (long)redirects;
	if (load_region(node, &f.region_code, &f.region_name, path, err) != 0 ||
	    load_xpath(node, "items", &f.items_xpath, path, err) != 0 ||
	    load_xpath(node, "body", &f.body_xpath, path, err) != 0 ||
	    load_xpath(node, "title", &f.title_xpath, path, err) != 0 ||
	    load_xpath(node, "date", &f.date_xpath, path, err) != 0)
		goto fail;
	if (f.type == MD_FEED_HTML && (f.items_xpath == NULL ||
	    f.body_xpath == NULL)) {
		md_error_set(err, "%s:%d: feed \"%s\" of type html needs <items "
		    "xpath=...> and <body xpath=...>", path, f.line, f.name);
		goto fail;
	}
	for (c = node->children; c != NULL; c = c->next) {
		char *name, *value;

		if (!md_xml_is(c, "header"))
			continue;
		name = md_xml_attr(c, "name");
		value = md_xml_text(c);
		if (strchr(value, '\n') != NULL || strchr(value, '\r') != NULL) {
			md_error_set(err, "%s:%d: header %s: the value must be "
			    "one line", path, md_xml_line(c), name);
			free(name);
			free(value);
			goto fail;
		}
		f.headers = md_xreallocarray(f.headers, f.nheaders + 1,
		    sizeof *f.headers);
		f.headers[f.nheaders++] = md_xasprintf("%s: %s", name, value);
		free(name);
		free(value);
	}
	conf->feeds = md_xreallocarray(conf->feeds, conf->nfeeds + 1,
	    sizeof *conf->feeds);
	conf->feeds[conf->nfeeds++] = f;
	return 0;
fail:
	md_feed_conf_free(&f);
	return -1;
}

void
md_spool_conf_free(struct md_spool_conf *s)
{
	free(s->dir);
	free(s->platform);
	free(s->kind);
	free(s->region_code);
	free(s->region_name);
	memset(s, 0, sizeof *s);
}

static int
load_spool(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	struct md_spool_conf s = { 0 };
	size_t i;

	s.dir = md_xml_attr(node, "dir");
	s.platform = md_xml_attr(node, "platform");
	if (s.platform == NULL)
		s.platform = md_xstrdup("spool");
	s.kind = md_xml_attr(node, "kind");
	if (s.kind == NULL)
		s.kind = md_xstrdup("notice");
	s.interval = 5;
	s.max_size = conf->max_body;
	for (i = 0; i < conf->nspools; i++)
		if (strcmp(conf->spools[i].dir, s.dir) == 0) {
			md_error_set(err, "%s:%d: spool folder %s is configured "
			    "twice", path, md_xml_line(node), s.dir);
			goto fail;
		}
	if (attr_seconds(node, "interval", &s.interval, 0.01, 3600, path,
	    err) != 0 ||
	    attr_size(node, "max-size", &s.max_size, 256u << 20, path, err) !=
	    0 ||
	    load_region(node, &s.region_code, &s.region_name, path, err) != 0)
		goto fail;
	conf->spools = md_xreallocarray(conf->spools, conf->nspools + 1,
	    sizeof *conf->spools);
	conf->spools[conf->nspools++] = s;
	return 0;
fail:
	md_spool_conf_free(&s);
	return -1;
}

long
md_conf_duration(const char *s)
{
	static const struct {
		const char *unit;
		long ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 },
	};
	unsigned long long n;
	char *end;
	size_t i;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	n = strtoull(s, &end, 10);
	for (i = 0; i < MD_NELEM(units); i++)
		if (strcmp(end, units[i].unit) == 0) {
			/* A year is long enough for anything here. */
			if (n > 366ULL * 86400000 / (unsigned long long)units[i].ms)
				return -1;
			return (long)n * units[i].ms;
		}
	return -1;
}

static int
attr_duration(xmlNodePtr node, const char *name, long *out, long min,
    const char *path, struct md_error *err)
{
	char *v = md_xml_attr(node, name);
	long ms;

	if (v == NULL)
		return 0;
	ms = md_conf_duration(v);
	if (ms < min) {
		md_error_set(err, "%s:%d: %s=\"%s\": expected a duration of at "
		    "least %ldms, as 250ms, 30s, 10m, 6h or 2d", path,
		    md_xml_line(node), name, v, min);
		free(v);
		return -1;
	}
	free(v);
	*out = ms;
	return 0;
}

static int
load_outbox(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	struct md_outbox_conf *o = &conf->outbox;
	size_t parallel = (size_t)o->parallel;

	if (attr_duration(node, "retry-first", &o->retry_first, 1, path,
	    err) != 0 ||
	    attr_duration(node, "retry-max", &o->retry_max, 1, path, err) != 0 ||
	    attr_duration(node, "max-age", &o->max_age, 1, path, err) != 0 ||
	    attr_duration(node, "timeout", &o->timeout, 100, path, err) != 0 ||
	    attr_duration(node, "poll", &o->poll, 10, path, err) != 0 ||
	    attr_size(node, "parallel", &parallel, 1000, path, err) != 0)
		return -1;
	o->parallel = (int)parallel;
	if (o->retry_first > o->retry_max) {
		md_error_set(err, "%s:%d: retry-first (%ldms) is longer than "
		    "retry-max (%ldms)", path, md_xml_line(node),
		    o->retry_first, o->retry_max);
		return -1;
	}
	return 0;
}

static int
load_report(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	char *pub = md_xml_attr(node, "public");
	char *folder = md_xml_attr(node, "folder");

	if (pub != NULL)
		conf->report_public = strcmp(pub, "yes") == 0;
	free(pub);
	if (folder != NULL && folder[0] != '/') {
		md_error_set(err, "%s:%d: report folder \"%s\" must be an "
		    "absolute path", path, md_xml_line(node), folder);
		free(folder);
		return -1;
	}
	if (folder != NULL) {
		free(conf->report_folder);
		conf->report_folder = folder;
	}
	return 0;
}

/*
 * A receiver's shared secret: secret="..." in the file, or the first line
 * of secret-file="PATH" (relative to the config's folder), so that the
 * secret need not sit in a file many can read.
 */
static int
load_secret(xmlNodePtr node, const char *path, char **out,
    struct md_error *err)
{
	char *v = md_xml_attr(node, "secret"), *file, *full, *text, *nl;
	struct md_error ferr = { 0 };
	const char *slash;
	size_t len;

	if (v != NULL) {
		*out = v;
		return 0;
	}
	if ((file = md_xml_attr(node, "secret-file")) == NULL) {
		md_error_set(err, "%s:%d: give secret= or secret-file=", path,
		    md_xml_line(node));
		return -1;
	}
	slash = strrchr(path, '/');
	if (file[0] == '/' || slash == NULL)
		full = md_xstrdup(file);
	else
		full = md_xasprintf("%.*s/%s", (int)(slash - path), path, file);
	text = md_read_file(full, &len, 64 * 1024, &ferr);
	if (text == NULL) {
		md_error_set(err, "%s:%d: secret-file=\"%s\": %s", path,
		    md_xml_line(node), file, ferr.msg);
		free(file);
		free(full);
		return -1;
	}
	if ((nl = strpbrk(text, "\r\n")) != NULL)
		*nl = '\0';
	if (*text == '\0') {
		md_error_set(err, "%s:%d: secret-file=\"%s\" is empty", path,
		    md_xml_line(node), file);
		free(text);
		free(file);
		free(full);
		return -1;
	}
	free(file);
	free(full);
	*out = text;
	return 0;
}

static int
attr_yes(xmlNodePtr node, const char *name, int dflt)
{
	char *v = md_xml_attr(node, name);
	int yes = v == NULL ? dflt : strcmp(v, "yes") == 0;

	free(v);
	return yes;
}

static void
webhook_conf_free(struct md_webhook_conf *w)
{
	free(w->name);
	free(w->url);
	if (w->secret != NULL)
		memset(w->secret, 0, strlen(w->secret));
	free(w->secret);
	clear_list(&w->regions, &w->nregions);
	clear_list(&w->categories, &w->ncategories);
}

static void
platform_conf_free(struct md_platform_conf *p)
{
	free(p->name);
	clear_list(&p->hosts, &p->nhosts);
	if (p->secret != NULL)
		memset(p->secret, 0, strlen(p->secret));
	free(p->secret);
}

static int
load_webhook(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	struct md_webhook_conf w = { 0 };
	struct md_error uerr = { 0 };
	xmlNodePtr c;
	char *v;

	w.name = md_xml_attr(node, "name");
	w.url = md_xml_attr(node, "url");
	w.allow_private = attr_yes(node, "allow-private", 1);
	if (md_conf_webhook(conf, w.name) != NULL) {
		md_error_set(err, "%s:%d: webhook %s is configured twice", path,
		    md_xml_line(node), w.name);
		goto fail;
	}
	if (md_outbox_url_check(w.url, NULL, &uerr) != 0) {
		md_error_set(err, "%s:%d: webhook %s: url=\"%s\": %s", path,
		    md_xml_line(node), w.name, w.url, uerr.msg);
		goto fail;
	}
	v = md_xml_attr(node, "min-severity");
	w.min_severity = v ? atoi(v) : 1;
	free(v);
	if (load_secret(node, path, &w.secret, err) != 0)
		goto fail;
	for (c = node->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		v = md_xml_text(c);
		if (md_xml_is(c, "region"))
			add(&w.regions, &w.nregions, v);
		else if (md_xml_is(c, "category"))
			add(&w.categories, &w.ncategories, v);
		free(v);
	}
	conf->webhooks = md_xreallocarray(conf->webhooks, conf->nwebhooks + 1,
	    sizeof *conf->webhooks);
	conf->webhooks[conf->nwebhooks++] = w;
	return 0;
fail:
	webhook_conf_free(&w);
	return -1;
}

static int
load_platform(struct md_conf *conf, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	struct md_platform_conf p = { 0 };
	xmlNodePtr c;
	char *v;

	p.name = md_xml_attr(node, "name");
	p.allow_private = attr_yes(node, "allow-private", 0);
	if (md_conf_platform(conf, p.name) != NULL) {
		md_error_set(err, "%s:%d: platform %s is configured twice",
		    path, md_xml_line(node), p.name);
		goto fail;
	}
	if (load_secret(node, path, &p.secret, err) != 0)
		goto fail;
	for (c = node->children; c != NULL; c = c->next) {
		if (!md_xml_is(c, "callback-host"))
			continue;
		v = md_xml_text(c);
		add(&p.hosts, &p.nhosts, v);
		free(v);
	}
	conf->platforms = md_xreallocarray(conf->platforms,
	    conf->nplatforms + 1, sizeof *conf->platforms);
	conf->platforms[conf->nplatforms++] = p;
	return 0;
fail:
	platform_conf_free(&p);
	return -1;
}

const struct md_webhook_conf *
md_conf_webhook(const struct md_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nwebhooks; i++)
		if (strcmp(conf->webhooks[i].name, name) == 0)
			return &conf->webhooks[i];
	return NULL;
}

const struct md_platform_conf *
md_conf_platform(const struct md_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nplatforms; i++)
		if (strcmp(conf->platforms[i].name, name) == 0)
			return &conf->platforms[i];
	return NULL;
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
		if (md_xml_is(c, "webhook")) {
			rc = load_webhook(conf, c, path, err);
			continue;
		}
		if (md_xml_is(c, "platform")) {
			rc = load_platform(conf, c, path, err);
			continue;
		}
		if (md_xml_is(c, "outbox")) {
			rc = load_outbox(conf, c, path, err);
			continue;
		}
		if (md_xml_is(c, "feed")) {
			rc = load_feed(conf, c, path, err);
			continue;
		}
		if (md_xml_is(c, "spool")) {
			rc = load_spool(conf, c, path, err);
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
		} else if (md_xml_is(c, "report")) {
			rc = load_report(conf, c, path, err);
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
	free(conf->report_folder);
	for (i = 0; i < conf->nplugins; i++)
		md_plugin_conf_free(&conf->plugins[i]);
	free(conf->plugins);
	for (i = 0; i < conf->nwebhooks; i++)
		webhook_conf_free(&conf->webhooks[i]);
	free(conf->webhooks);
	for (i = 0; i < conf->nplatforms; i++)
		platform_conf_free(&conf->platforms[i]);
	free(conf->platforms);
	for (i = 0; i < conf->nfeeds; i++)
		md_feed_conf_free(&conf->feeds[i]);
	free(conf->feeds);
	for (i = 0; i < conf->nspools; i++)
		md_spool_conf_free(&conf->spools[i]);
	free(conf->spools);
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
