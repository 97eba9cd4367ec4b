/*
 * run_cases.c - runs the data-driven detection cases (tests/cases/<category>/
 * NNN.case) through the real engine, with the bundled plugins and rules.
 *
 * A case file is a header, a line "---" and the document:
 *
 *     # what the case is about
 *     date: 2022-11-20
 *     kind: notice
 *     expect: closure.school closure.work     (or: none)
 *     ---
 *     text...
 *
 * The categories found must be exactly the expected set.  With --min N,
 * every category folder must also hold at least N positive and N negative
 * cases.  Usage: run_cases [--min N] [--config FILE] FILE...
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "xml.h"

struct tally {
	char *category;
	int pos, neg, failed;
};

static struct tally *tallies;
static size_t ntallies;

static struct tally *
tally_of(const char *category)
{
	size_t i;

	for (i = 0; i < ntallies; i++)
		if (strcmp(tallies[i].category, category) == 0)
			return &tallies[i];
	tallies = md_xreallocarray(tallies, ntallies + 1, sizeof *tallies);
	memset(&tallies[ntallies], 0, sizeof *tallies);
	tallies[ntallies].category = md_xstrdup(category);
	return &tallies[ntallies++];
}

/* Splits s on spaces into a sorted, de-duplicated, space-joined string. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
normalize_set(char **items, size_t n)
{
	struct md_buf b = { 0 };
	size_t i;

	qsort(items, n, sizeof *items, cmp_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(items[i], items[i - 1]) == 0)
			continue;
		if (b.len > 0)
			md_buf_adds(&b, " ");
		md_buf_adds(&b, items[i]);
	}
	if (b.len == 0)
		md_buf_adds(&b, "none");
	return b.data;
}

static int
run_case(struct md_engine *e, const char *path)
{
	char date[16] = "", kind[16] = "notice", *expect = NULL, *text, *body,
	    *line, *save = NULL, *exp_set, *got_set, *dir, *pathcopy;
	char *items[64];
	struct md_error err = { 0 };
	struct md_input in = { 0 };
	struct md_result r;
	size_t len, n = 0, i;
	struct tally *t;
	int ok;

	text = md_read_file(path, &len, 1 << 20, &err);
	if (text == NULL) {
		fprintf(stderr, "FAIL %s\n", err.msg);
		return 0;
	}
	body = strstr(text, "\n---\n");
	if (body == NULL) {
		fprintf(stderr, "FAIL %s: no \"---\" line before the text\n",
		    path);
		free(text);
		return 0;
	}
	*body = '\0';
	body += 5;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (strncmp(line, "date:", 5) == 0)
			sscanf(line + 5, " %15s", date);
		else if (strncmp(line, "kind:", 5) == 0)
			sscanf(line + 5, " %15s", kind);
		else if (strncmp(line, "expect:", 7) == 0)
			expect = line + 7;
		else {
			fprintf(stderr, "FAIL %s: unknown header line "
			    "\"%s\"\n", path, line);
			free(text);
			return 0;
		}
	}
	if (expect == NULL || !md_date_valid(date)) {
		fprintf(stderr, "FAIL %s: needs \"date: YYYY-MM-DD\" and "
		    "\"expect:\"\n", path);
		free(text);
		return 0;
	}
	for (line = strtok_r(expect, " \t", &save); line != NULL && n < 64;
	    line = strtok_r(NULL, " \t", &save))
		if (strcmp(line, "none") != 0)
			items[n++] = line;
	exp_set = normalize_set(items, n);

	in.name = path;
	in.text = body;
	in.len = strlen(body);
	in.kind = kind;
	in.date = date;
	if (md_engine_check(e, &in, &r, &err) != 0) {
		fprintf(stderr, "FAIL %s: %s\n", path, err.msg);
		free(exp_set);
		free(text);
		return 0;
	}
	for (i = 0, n = 0; i < r.n && n < 64; i++)
		items[n++] = r.findings[i].category;
	got_set = normalize_set(items, n);
	ok = strcmp(exp_set, got_set) == 0 && r.plugin_errors == 0;

	pathcopy = md_xstrdup(path);
	dir = basename(dirname(pathcopy));
	t = tally_of(dir);
	if (strstr(exp_set, dir) != NULL)
		t->pos++;
	else
		t->neg++;
	if (!ok) {
		t->failed++;
		fprintf(stderr, "FAIL %s (dated %s): expected {%s}, found "
		    "{%s}\n", path, date, exp_set, got_set);
		for (i = 0; i < r.n; i++)
			fprintf(stderr, "     %s by %s: \"%.*s\"\n",
			    r.findings[i].category, r.findings[i].rule->id,
			    (int)(r.findings[i].end - r.findings[i].start),
			    body + r.findings[i].start);
	}
	free(pathcopy);
	md_result_free(&r);
	free(exp_set);
	free(got_set);
	free(text);
	return ok;
}

int
main(int argc, char **argv)
{
	struct md_error err = { 0 };
	struct md_engine *e;
	const char *conf = NULL;
	int i = 1, min = 0, failed = 0, total = 0;
	size_t k;

	md_xml_init();
	for (; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--min") == 0)
			min = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--config") == 0)
			conf = argv[i + 1];
		else
			break;
	}
	e = md_engine_load(conf, &err);
	if (e == NULL) {
		fprintf(stderr, "run_cases: %s\n", err.msg);
		return 1;
	}
	for (; i < argc; i++) {
		total++;
		if (!run_case(e, argv[i]))
			failed++;
	}
	for (k = 0; k < ntallies; k++) {
		struct tally *t = &tallies[k];

		printf("%-20s %3d positive %3d negative %3d failed\n",
		    t->category, t->pos, t->neg, t->failed);
		if (t->pos < min || t->neg < min) {
			fprintf(stderr, "FAIL %s: needs at least %d positive "
			    "and %d negative cases\n", t->category, min, min);
			failed++;
		}
		free(t->category);
	}
	free(tallies);
	printf("%d cases, %d failed (prefilter %s)\n", total, failed,
	    md_engine_prefilter(e));
	md_engine_free(e);
	xmlCleanupParser();
	return failed == 0 && total > 0 ? 0 : 1;
}
