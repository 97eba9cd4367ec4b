/*
 * conf.h - measured's configuration: where plugins, rule packs, the
 * measures catalogue and the schemas are, and each plugin's options.
 * Embedded defaults make a config file optional.
 */
#ifndef MD_CONF_H
#define MD_CONF_H

#include <stddef.h>

#include "prefilter.h"
#include "util.h"

struct md_plugin_conf {
	char *name;
	int enabled;
	char **keys;
	char **values;
	size_t nopts;
};

struct md_conf {
	char **plugin_dirs;
	size_t nplugin_dirs;
	char **rules_dirs;
	size_t nrules_dirs;
	char *measures_dir;
	char *schema_dir;
	char *web_dir;		/* the reviewer UI's static files */
	enum md_prefilter_impl prefilter;
	struct md_plugin_conf *plugins;
	size_t nplugins;
	char *file;		/* the file it came from, or NULL */

	/* The daemon (measured.conf(5) gives the defaults and why). */
	char *listen;		/* ADDRESS:PORT */
	char *store;		/* BACKEND:LOCATION */
	size_t max_body;	/* bytes of a request body */
	size_t max_headers;	/* bytes of a request's headers */
	size_t max_text;	/* bytes of a submission's text */
	int timeout;		/* seconds a connection may stall */
	double rate;		/* requests a second per token; 0: no limit */
	double burst;		/* requests a token may make at once */
};

#define MD_DEFAULT_LISTEN "127.0.0.1:8080"

/*
 * The embedded defaults: the installed locations, or, when the running
 * binary is the one in the build tree, the build and source trees, so that
 * `./measured check` works right after `make`.
 */
void md_conf_defaults(struct md_conf *conf);

/* Reads path over the defaults already in conf (validated against
 * schema_dir/config.rng).  0, or -1 with err "file:line: ...". */
int md_conf_load(struct md_conf *conf, const char *path,
    struct md_error *err);
void md_conf_free(struct md_conf *conf);

/* A path inside conf->schema_dir, malloc'd. */
char *md_conf_schema(const struct md_conf *conf, const char *name);
/* A deep copy, for what outlives the config (an engine's plugins); free
 * with md_plugin_conf_free and then free(). */
struct md_plugin_conf *md_plugin_conf_copy(const struct md_plugin_conf *p);
void md_plugin_conf_free(struct md_plugin_conf *p);
const struct md_plugin_conf *md_conf_plugin(const struct md_conf *conf,
    const char *name);

#endif /* MD_CONF_H */
