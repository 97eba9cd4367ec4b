/*
 * testutil.h - small helpers for the Check unit tests: temporary folders,
 * files and configs, and an engine over the build tree's plugins.
 */
#ifndef MD_TESTUTIL_H
#define MD_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "engine.h"
#include "json.h"
#include "store.h"
#include "util.h"
#include "xml.h"

/* A fresh temporary directory; removed by tu_rmdir. */
static inline char *
tu_tmpdir(void)
{
	char *d = md_xstrdup("/tmp/measured-unit.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static inline void
tu_rmdir(char *d)
{
	char *cmd = md_xasprintf("rm -rf '%s'", d);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(d);
}

static inline char *
tu_write(const char *dir, const char *name, const char *content)
{
	char *path = md_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return path;
}

/* Writes a config with the given body elements into dir; returns its
 * path. */
static inline char *
tu_conf(const char *dir, const char *body)
{
	char *xml = md_xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<measured xmlns=\"urn:measured:config:1\">\n%s\n</measured>\n",
	    body);
	char *path = tu_write(dir, "measured.conf", xml);

	free(xml);
	return path;
}

/* An engine from the defaults plus an optional config file; NULL with
 * err on failure. */
static inline struct md_engine *
tu_engine(const char *conf_path, struct md_error *err)
{
	return md_engine_load(conf_path, err);
}

static inline int
tu_check(struct md_engine *e, const char *text, const char *date,
    struct md_result *r)
{
	struct md_input in = { 0 };
	struct md_error err = { 0 };
	int rc;

	in.name = "test";
	in.text = text;
	in.len = strlen(text);
	in.date = date;
	rc = md_engine_check(e, &in, r, &err);
	if (rc != 0)
		fprintf(stderr, "check: %s\n", err.msg);
	return rc;
}

static inline int
tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	md_xml_init();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xmlCleanupParser();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Adds a finding to s, as the engine's would be: its filing fields and
 * its JSON. */
static inline void
tu_add_finding(struct md_submission *s, const char *category,
    const char *version, const char *item, const char *number,
    const char *rule, int severity, const char *excerpt)
{
	struct md_sub_finding *f;
	json_t *o;

	s->findings = md_xreallocarray(s->findings, s->nfindings + 1,
	    sizeof *s->findings);
	f = &s->findings[s->nfindings++];
	memset(f, 0, sizeof *f);
	f->category = md_xstrdup(category);
	f->version = md_xstrdup(version);
	f->item = md_xstrdup(item);
	f->number = md_xstrdup(number);
	f->rule = md_xstrdup(rule);
	f->severity = severity;
	f->excerpt = md_xstrdup(excerpt);
	o = json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:i, s:s}", "category",
	    category, "measure", "version", version, "item", item, "number",
	    number, "rule", rule, "severity", severity, "excerpt", excerpt);
	f->json = md_json_dumps(o, &f->json_len);
	json_decref(o);
}

#endif /* MD_TESTUTIL_H */
