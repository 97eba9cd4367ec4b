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

/*
 * The outbox's receivers (docs/measured.conf.5, "OUTBOX").  A webhook gets
 * every new flag at or above min_severity whose region code starts with
 * one of regions and whose category is one of categories (an empty list
 * is "any").  A platform's callbacks go to the callback_url of its own
 * submissions, which must name one of hosts.
 */
struct md_webhook_conf {
	char *name;
	char *url;
	char *secret;
	int min_severity;
	char **regions;
	size_t nregions;
	char **categories;
	size_t ncategories;
	int allow_private;	/* may reach private and loopback addresses */
};

struct md_platform_conf {
	char *name;
	char **hosts;		/* "cb.example.org" or "*.example.org" */
	size_t nhosts;
	char *secret;
	int allow_private;
};

/* Delivery timing, all in milliseconds. */
struct md_outbox_conf {
	long retry_first;	/* the delay after the first failure */
	long retry_max;		/* the longest delay between two attempts */
	long max_age;		/* undelivered after this long: dead */
	long timeout;		/* one attempt, connect to the last byte */
	long poll;		/* the longest sleep between two looks */
	int parallel;		/* deliveries in flight at once */
};

/* A notice feed (feed.c; measured.conf(5) <feed>). */
enum md_feed_type { MD_FEED_RSS, MD_FEED_ATOM, MD_FEED_HTML };

struct md_feed_conf {
	char *name;
	char *url;
	enum md_feed_type type;
	double interval;	/* seconds between polls */
	long timeout_ms;	/* per transfer */
	size_t max_size;	/* bytes of one response, decoded */
	long max_redirects;
	char *region_code;	/* may be NULL */
	char *region_name;	/* may be NULL */
	char **headers;		/* "Name: value" */
	size_t nheaders;
	/* html: XPath of the item links on the list page, of the notice's
	 * body, title and date on the linked page (title, date optional). */
	char *items_xpath;
	char *body_xpath;
	char *title_xpath;
	char *date_xpath;
	int line;		/* in the config file, for messages */
};

/* A spool folder (spool.c; measured.conf(5) <spool>). */
struct md_spool_conf {
	char *dir;
	char *platform;		/* the platform its files are stored under */
	char *kind;		/* of text and HTML files: notice, complaint */
	double interval;	/* seconds between scans */
	char *region_code;	/* of text and HTML files; may be NULL */
	char *region_name;
	size_t max_size;	/* bytes of one file */
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

	/* The outbox. */
	struct md_webhook_conf *webhooks;
	size_t nwebhooks;
	struct md_platform_conf *platforms;
	size_t nplatforms;
	struct md_outbox_conf outbox;
	struct md_feed_conf *feeds;
	size_t nfeeds;
	struct md_spool_conf *spools;
	size_t nspools;
	/* The weekly report (<report>). */
	int report_public;	/* its HTML without a token */
	char *report_folder;	/* where each finished week is written, or
				 * NULL */
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
void md_feed_conf_free(struct md_feed_conf *f);
void md_spool_conf_free(struct md_spool_conf *s);

/* A path inside conf->schema_dir, malloc'd. */
char *md_conf_schema(const struct md_conf *conf, const char *name);
/* A deep copy, for what outlives the config (an engine's plugins); free
 * with md_plugin_conf_free and then free(). */
struct md_plugin_conf *md_plugin_conf_copy(const struct md_plugin_conf *p);
void md_plugin_conf_free(struct md_plugin_conf *p);
const struct md_plugin_conf *md_conf_plugin(const struct md_conf *conf,
    const char *name);

const struct md_webhook_conf *md_conf_webhook(const struct md_conf *conf,
    const char *name);
const struct md_platform_conf *md_conf_platform(const struct md_conf *conf,
    const char *name);

/* "250ms", "30s", "10m", "6h", "2d" as milliseconds; -1 when it is not
 * one of these. */
long md_conf_duration(const char *s);

#endif /* MD_CONF_H */
