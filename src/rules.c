/*
 * rules.c - compiles XML rule packs into PCRE2 JIT code.
 *
 * A rule pack belongs to one plugin.  Patterns are compiled once at load
 * (and at reload), with UTF and UCP so \w and classes understand Chinese;
 * every compile error names the file, the line and the offset in the
 * pattern.  Matching applies match, depth and heap limits: a catastrophic
 * pattern is abandoned and counted, it does not hang the daemon.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "litset.h"
#include "prefilter.h"
#include "rules.h"
#include "xml.h"

int
md_regex_compile(struct md_regex *re, const char *pattern, char *msg,
    size_t msglen)
{
	PCRE2_UCHAR buf[256];
	PCRE2_SIZE off;
	int code, caseless;
	size_t i;

	memset(re, 0, sizeof *re);
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C, &code, &off, NULL);
	if (re->code == NULL) {
		pcre2_get_error_message(code, buf, sizeof buf);
		snprintf(msg, msglen, "at offset %zu: %s", (size_t)off,
		    (const char *)buf);
		return -1;
	}
	/* JIT may be unavailable (some architectures, SELinux); the
	 * interpreter then runs under the same limits. */
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	re->src = md_xstrdup(pattern);
	re->nlits = md_literals_extract(pattern, &re->lits, &caseless);
	re->nonempty = re->nlits > 0;
	if (caseless) {
		for (i = 0; i < re->nlits; i++)
			free(re->lits[i]);
		free(re->lits);
		re->lits = NULL;
		re->nlits = 0;
	}
	if (re->nlits > 0)
		re->pre = md_litset_new((const char *const *)re->lits, NULL,
		    re->nlits);
	re->nalts = md_literals_plain(pattern, &re->alts);
	if (re->nalts > 0)
		re->plain = md_litset_new((const char *const *)re->alts, NULL,
		    re->nalts);
	return 0;
}

void
md_regex_drop_precheck(struct md_regex *re)
{
	size_t i;

	md_litset_free(re->pre);
	re->pre = NULL;
	for (i = 0; i < re->nlits; i++)
		free(re->lits[i]);
	free(re->lits);
	re->lits = NULL;
	re->nlits = 0;
}

void
md_regex_free(struct md_regex *re)
{
	size_t i;

	pcre2_code_free(re->code);
	pcre2_code_free(re->anchored);
	re->anchored = NULL;
	free(re->groups);
	re->groups = NULL;
	re->ngroups = 0;
	free(re->src);
	md_regex_drop_precheck(re);
	md_litset_free(re->plain);
	for (i = 0; i < re->nalts; i++)
		free(re->alts[i]);
	free(re->alts);
	re->code = NULL;
	re->src = NULL;
	re->plain = NULL;
	re->alts = NULL;
	re->nalts = 0;
}

void
md_matcher_init(struct md_matcher *m)
{
	memset(m, 0, sizeof *m);
	m->md = pcre2_match_data_create(16, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	m->stack = pcre2_jit_stack_create(32 * 1024, MD_JIT_STACK_MAX, NULL);
	if (m->md == NULL || m->mctx == NULL || m->stack == NULL)
		md_fatal("out of memory creating PCRE2 match state");
	pcre2_set_match_limit(m->mctx, MD_MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, MD_DEPTH_LIMIT);
	pcre2_set_heap_limit(m->mctx, MD_HEAP_LIMIT_KB);
	pcre2_jit_stack_assign(m->mctx, NULL, m->stack);
}

void
md_matcher_free(struct md_matcher *m)
{
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	pcre2_jit_stack_free(m->stack);
	memset(m, 0, sizeof *m);
}

/* One match attempt under m's limits: 1 with the match in *s, *e; 0; or
 * -ERANGE when a limit was hit (counted). */
static int
run_match(const pcre2_code *code, struct md_matcher *m, const char *text,
    size_t from, size_t to, size_t *s, size_t *e)
{
	PCRE2_SIZE *ov;
	int rc;

	/* The text was validated once when it came in.  The JIT entry
	 * skips pcre2_match's checks of its arguments, a tenth of a short
	 * attempt; a pattern the JIT could not compile goes the long way. */
	rc = pcre2_jit_match(code, (PCRE2_SPTR)text, to, from, 0, m->md,
	    m->mctx);
	if (rc == PCRE2_ERROR_JIT_BADOPTION)
		rc = pcre2_match(code, (PCRE2_SPTR)text, to, from,
		    PCRE2_NO_UTF_CHECK, m->md, m->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		/* Match, depth, heap or JIT stack limit, or a bad offset:
		 * the pattern was not evaluated here. */
		m->limit_hits++;
		return -ERANGE;
	}
	ov = pcre2_get_ovector_pointer(m->md);
	*s = ov[0];
	*e = ov[1];
	return 1;
}

int
md_regex_search(const struct md_regex *re, struct md_matcher *m,
    const char *text, size_t from, size_t to, size_t *s, size_t *e)
{
	size_t at, k;

	if (from > to)
		return 0;
	if (re->plain != NULL) {
		if (!md_litset_find(re->plain, text, from, to, s, &k))
			return 0;
		*e = *s + md_litset_len(re->plain, k);
		return 1;
	}
	/* A match would contain one of these, and lies in text[from, to)
	 * (look-behind aside, which only tests). */
	if (re->pre != NULL && !md_litset_find(re->pre, text, from, to, &at,
	    NULL))
		return 0;
	return run_match(re->code, m, text, from, to, s, e);
}

int
md_regex_search_known(const struct md_regex *re, struct md_matcher *m,
    const char *text, size_t from, size_t to, size_t *s, size_t *e)
{
	if (from > to)
		return 0;
	return run_match(re->code, m, text, from, to, s, e);
}

int
md_regex_anchor(struct md_regex *re)
{
	PCRE2_SIZE off;
	int code;

	if (re->anchored != NULL)
		return 0;
	re->anchored = pcre2_compile((PCRE2_SPTR)re->src,
	    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP |
	    PCRE2_NEVER_BACKSLASH_C | PCRE2_ANCHORED, &code, &off, NULL);
	if (re->anchored == NULL)
		return -1;
	(void)pcre2_jit_compile(re->anchored, PCRE2_JIT_COMPLETE);
	return 0;
}

int
md_regex_match_at(const struct md_regex *re, struct md_matcher *m,
    const char *text, size_t start, size_t to, size_t *end)
{
	size_t s;

	if (start > to)
		return 0;
	return run_match(re->anchored, m, text, start, to, &s, end);
}

/* --- loading ----------------------------------------------------------- */

static void
rule_free(struct md_rule *r)
{
	size_t i;

	free(r->id);
	free(r->category);
	free(r->reason);
	free(r->file);
	for (i = 0; i < r->ncites; i++) {
		free(r->cites[i].version);
		free(r->cites[i].item);
	}
	free(r->cites);
	for (i = 0; i < r->npatterns; i++)
		md_regex_free(&r->patterns[i]);
	free(r->patterns);
	for (i = 0; i < r->nconds; i++)
		md_regex_free(&r->conds[i].re);
	free(r->conds);
	for (i = 0; i < r->nexamples; i++) {
		free(r->examples[i].text);
		free(r->examples[i].date);
		free(r->examples[i].kind);
	}
	free(r->examples);
}

static int
compile_at(struct md_regex *re, xmlNodePtr node, const char *path,
    const char *rule, struct md_error *err)
{
	char msg[300];
	char *src = md_xml_text(node);
	int rc;

	rc = md_regex_compile(re, src, msg, sizeof msg);
	if (rc != 0)
		md_error_set(err, "%s:%d: rule %s: bad pattern /%s/ %s", path,
		    md_xml_line(node), rule, src, msg);
	free(src);
	return rc;
}

static int
load_rule(struct md_rule *r, xmlNodePtr node, const char *path,
    struct md_error *err)
{
	xmlNodePtr c;
	char *v;

	memset(r, 0, sizeof *r);
	r->id = md_xml_attr(node, "id");
	r->category = md_xml_attr(node, "category");
	r->file = md_xstrdup(path);
	r->line = md_xml_line(node);
	v = md_xml_attr(node, "severity");
	r->severity = v ? atoi(v) : 3;
	free(v);
	v = md_xml_attr(node, "confidence");
	r->confidence = v ? strtod(v, NULL) : 0.9;
	free(v);
	v = md_xml_attr(node, "scope");
	r->ignore_scope = v != NULL && strcmp(v, "ignore") == 0;
	free(v);

	for (c = node->children; c != NULL; c = c->next) {
		if (md_xml_is(c, "cite")) {
			r->cites = md_xreallocarray(r->cites, r->ncites + 1,
			    sizeof *r->cites);
			r->cites[r->ncites].version = md_xml_attr(c, "version");
			r->cites[r->ncites].item = md_xml_attr(c, "item");
			r->ncites++;
		} else if (md_xml_is(c, "reason")) {
			free(r->reason);
			r->reason = md_xml_text(c);
		} else if (md_xml_is(c, "pattern")) {
			r->patterns = md_xreallocarray(r->patterns,
			    r->npatterns + 1, sizeof *r->patterns);
			if (compile_at(&r->patterns[r->npatterns], c, path,
			    r->id, err) != 0)
				return -1;
			r->npatterns++;
		} else if (md_xml_is(c, "require") ||
		    md_xml_is(c, "exclude")) {
			struct md_cond *k;

			r->conds = md_xreallocarray(r->conds, r->nconds + 1,
			    sizeof *r->conds);
			k = &r->conds[r->nconds];
			k->require = md_xml_is(c, "require");
			k->line = md_xml_line(c);
			v = md_xml_attr(c, "in");
			k->scope = v == NULL || strcmp(v, "sentence") == 0 ?
			    MD_IN_SENTENCE : strcmp(v, "clause") == 0 ?
			    MD_IN_CLAUSE : MD_IN_DOCUMENT;
			free(v);
			if (compile_at(&k->re, c, path, r->id, err) != 0)
				return -1;
			r->nconds++;
		} else if (md_xml_is(c, "example")) {
			struct md_example *x;

			r->examples = md_xreallocarray(r->examples,
			    r->nexamples + 1, sizeof *r->examples);
			x = &r->examples[r->nexamples++];
			v = md_xml_attr(c, "expect");
			x->expect_match = v == NULL || strcmp(v, "match") == 0;
			free(v);
			x->text = md_xml_text(c);
			x->date = md_xml_attr(c, "date");
			x->kind = md_xml_attr(c, "kind");
			x->line = md_xml_line(c);
		}
	}
	if (r->severity < 1 || r->severity > 5) {
		md_error_set(err, "%s:%d: rule %s: severity must be 1 to 5",
		    path, r->line, r->id);
		return -1;
	}
	if (!(r->confidence > 0 && r->confidence <= 1)) {
		md_error_set(err, "%s:%d: rule %s: confidence must be in "
		    "(0, 1]", path, r->line, r->id);
		return -1;
	}
	return 0;
}

struct md_rulepack *
md_rulepack_load(const char *path, const char *schema, struct md_error *err)
{
	struct md_rulepack *pack;
	xmlDocPtr doc;
	xmlNodePtr root, c;
	size_t i;

	doc = md_xml_load(path, schema, err);
	if (doc == NULL)
		return NULL;
	pack = md_xcalloc(1, sizeof *pack);
	pack->file = md_xstrdup(path);
	root = xmlDocGetRootElement(doc);
	pack->plugin = md_xml_attr(root, "plugin");
	for (c = root->children; c != NULL; c = c->next) {
		struct md_rule *r;

		if (!md_xml_is(c, "rule"))
			continue;
		pack->rules = md_xreallocarray(pack->rules, pack->nrules + 1,
		    sizeof *pack->rules);
		r = &pack->rules[pack->nrules++];
		if (load_rule(r, c, path, err) != 0)
			goto fail;
		for (i = 0; i + 1 < pack->nrules; i++) {
			if (strcmp(pack->rules[i].id, r->id) == 0) {
				md_error_set(err, "%s:%d: rule id %s is "
				    "already used at line %d", path, r->line,
				    r->id, pack->rules[i].line);
				goto fail;
			}
		}
	}
	xmlFreeDoc(doc);
	return pack;
fail:
	xmlFreeDoc(doc);
	md_rulepack_free(pack);
	return NULL;
}

void
md_rulepack_free(struct md_rulepack *pack)
{
	size_t i;

	if (pack == NULL)
		return;
	for (i = 0; i < pack->nrules; i++)
		rule_free(&pack->rules[i]);
	free(pack->rules);
	free(pack->plugin);
	free(pack->file);
	free(pack);
}

const struct md_cite *
md_rule_cites(const struct md_rule *rule, const char *version, size_t *n)
{
	const struct md_cite *first = NULL;
	size_t i;

	*n = 0;
	for (i = 0; i < rule->ncites; i++) {
		if (strcmp(rule->cites[i].version, version) != 0)
			continue;
		if (first == NULL)
			first = &rule->cites[i];
		(*n)++;
	}
	return first;
}
