/*
 * cmd_measures.c - `measured measures`: the versions of the measures in
 * the catalogue and their items, for people (text) or programs (JSON, the
 * same object GET /v1/measures answers).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_measures.h"
#include "conf.h"

static json_t *
version_json(const struct md_measures *m)
{
	json_t *items = json_array(), *keeps = json_array();
	size_t k, c;

	for (k = 0; k < m->nitems; k++) {
		const struct md_item *it = &m->items[k];
		json_t *cats = json_array();

		for (c = 0; c < it->ncategories; c++)
			json_array_append_new(cats,
			    json_string(it->categories[c]));
		json_array_append_new(items, json_pack("{s:s, s:s?, s:s?, s:s, "
		    "s:s?, s:o, s:s?}", "id", it->id, "part", it->part,
		    "number", it->number, "text", it->text, "gloss",
		    it->gloss, "categories", cats, "kept_from",
		    it->kept_from));
	}
	for (k = 0; k < m->nkeeps; k++)
		json_array_append_new(keeps, json_string(m->keeps[k]));
	return json_pack("{s:s, s:s, s:s?, s:s?, s:o, s:o}", "version",
	    m->version, "in_force_from", m->from, "title", m->title,
	    "reference", m->reference, "keeps", keeps, "items", items);
}

json_t *
md_measures_json(const struct md_catalog *cat, const char *version)
{
	json_t *versions = json_array();
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (version == NULL ||
		    strcmp(cat->versions[i].version, version) == 0)
			json_array_append_new(versions,
			    version_json(&cat->versions[i]));
	return json_pack("{s:o}", "versions", versions);
}

static void
print_text(FILE *out, const struct md_measures *m)
{
	size_t k, c;

	fprintf(out, "%s  in force from %s  %s%s%s%s\n", m->version, m->from,
	    m->title ? m->title : "", m->reference ? " (" : "",
	    m->reference ? m->reference : "", m->reference ? ")" : "");
	for (k = 0; k < m->nkeeps; k++)
		fprintf(out, "  keeps %s in force\n", m->keeps[k]);
	for (k = 0; k < m->nitems; k++) {
		const struct md_item *it = &m->items[k];

		fprintf(out, "\n  %s  %s%s", it->id, it->part ? it->part : "",
		    it->number ? it->number : "");
		if (it->kept_from != NULL)
			fprintf(out, "  (kept from %s)", it->kept_from);
		if (it->ncategories > 0) {
			fprintf(out, "  grounds");
			for (c = 0; c < it->ncategories; c++)
				fprintf(out, " %s", it->categories[c]);
		}
		fprintf(out, "\n  %s\n", it->text);
		if (it->gloss != NULL)
			fprintf(out, "  %s\n", it->gloss);
	}
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: measured [-c FILE] measures [--version "
	    "YYYY-MM-DD] [--format text|json]\n");
}

int
md_measures_main(int argc, char **argv, const char *conf_path)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *version = NULL, *format = "text";
	struct md_error err = { 0 };
	struct md_catalog cat;
	struct md_conf conf;
	char *schema;
	int c, rc = 0;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': version = optarg; break;
		case 'f': format = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (strcmp(format, "text") != 0 &&
	    strcmp(format, "json") != 0)) {
		usage(stderr);
		return 2;
	}
	md_conf_defaults(&conf);
	if (conf_path != NULL && md_conf_load(&conf, conf_path, &err) != 0) {
		fprintf(stderr, "measured: %s\n", err.msg);
		md_conf_free(&conf);
		return 2;
	}
	schema = md_conf_schema(&conf, "measures.rng");
	rc = md_catalog_load(&cat, conf.measures_dir, schema, &err);
	free(schema);
	md_conf_free(&conf);
	if (rc != 0) {
		fprintf(stderr, "measured: %s\n", err.msg);
		return 2;
	}
	if (version != NULL && md_catalog_version(&cat, version) == NULL) {
		fprintf(stderr, "measured: no measures version %s (the "
		    "catalogue has:", version);
		for (i = 0; i < cat.n; i++)
			fprintf(stderr, " %s", cat.versions[i].version);
		fprintf(stderr, ")\n");
		md_catalog_free(&cat);
		return 2;
	}
	if (strcmp(format, "json") == 0) {
		json_t *o = md_measures_json(&cat, version);

		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		for (i = 0; i < cat.n; i++) {
			if (version != NULL &&
			    strcmp(cat.versions[i].version, version) != 0)
				continue;
			print_text(stdout, &cat.versions[i]);
			fputc('\n', stdout);
		}
	}
	md_catalog_free(&cat);
	return 0;
}
