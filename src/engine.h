/*
 * engine.h - the check engine: loads the measures catalogue, the plugins
 * and their rule packs, and turns one document into findings, each citing
 * the measures version in force on the document's date.
 *
 * An engine is used by one thread at a time (it owns the PCRE2 match state
 * and the prefilter scratch); a daemon with several workers builds one per
 * worker.
 */
#ifndef MD_ENGINE_H
#define MD_ENGINE_H

#include <stdio.h>

#include "catalog.h"
#include "conf.h"
#include "rules.h"
#include "util.h"

struct md_engine;

struct md_input {
	const char *name;	/* for messages: a file name, "-", an id */
	const char *text;
	size_t len;
	const char *kind;	/* "notice" (default) or "complaint" */
	const char *date;	/* an override (YYYY-MM-DD) or NULL */
	const char *occurred_at;	/* YYYY-MM-DD or NULL */
	const char *published_at;	/* YYYY-MM-DD or NULL */
	const char *received;	/* YYYY-MM-DD or NULL for today */
	const char *only_plugin;	/* run just this plugin (rule tests) */
};

struct md_found {
	char *category;
	const struct md_rule *rule;
	const char *plugin;
	const struct md_item *item;	/* the first cited item */
	const struct md_item **also;	/* further cited items */
	size_t nalso;
	int severity;
	double confidence;
	size_t start, end;	/* bytes of the input as given */
	size_t nstart, nend;	/* bytes of the normalized text */
	char *excerpt;		/* the sentence, as given */
	size_t ex_start, ex_end;	/* the span inside excerpt */
	char *reason;
};

struct md_result {
	char date[11];
	const char *date_source;	/* option, occurred_at, published_at,
					 * text, received, today */
	const struct md_measures *measures;	/* NULL: none in force */
	struct md_found *findings;
	size_t n;
	unsigned long not_evaluated;	/* rule matches abandoned at a limit */
	size_t plugin_errors;
};

/* Loads everything conf names.  NULL with err on the first problem. */
struct md_engine *md_engine_new(const struct md_conf *conf,
    struct md_error *err);
/* The embedded defaults, then conf_path (when not NULL), then
 * md_engine_new. */
struct md_engine *md_engine_load(const char *conf_path, struct md_error *err);
void md_engine_free(struct md_engine *e);

/*
 * Checks one document.  0, or -1 with err (invalid UTF-8 with its offset,
 * a bad date).  r is filled either way and freed with md_result_free.
 */
int md_engine_check(struct md_engine *e, const struct md_input *in,
    struct md_result *r, struct md_error *err);
void md_result_free(struct md_result *r);

/* Runs every rule's examples; writes one line per failure to out.
 * Returns the number of failures. */
size_t md_engine_test_rules(struct md_engine *e, FILE *out, size_t *total);

/* What was loaded, for `measured -T` and the logs. */
size_t md_engine_nplugins(const struct md_engine *e);
size_t md_engine_nrules(const struct md_engine *e);
const struct md_catalog *md_engine_catalog(const struct md_engine *e);
const char *md_engine_prefilter(const struct md_engine *e);

/* The i-th loaded plugin, for GET /v1/plugins.  -1 past the last. */
struct md_plugin_info {
	const char *name;
	const char *version;
	const char *path;
	const char *const *categories;
	const struct md_rulepack *pack;	/* NULL: no rule pack */
	int usable;		/* initialized and not refused since */
};
int md_engine_plugin(const struct md_engine *e, size_t i,
    struct md_plugin_info *out);

#endif /* MD_ENGINE_H */
