/*
 * engine.c - runs the plugins over a document.
 *
 * Per document: validate and normalize the text (text.c), choose the date
 * and the measures version in force, run the prefilter once over the
 * normalized text, then call every plugin's check().  Plugins ask the host
 * (the md_host table built here) to match their rule pack; only rules the
 * prefilter left as candidates and that cite the version in force run
 * their PCRE2 patterns.  Findings come back through the sink, are checked
 * (known rule, declared category, sane span), de-duplicated and mapped back
 * to the bytes as submitted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "litset.h"
#include "plugin.h"
#include "prefilter.h"
#include "t2s.h"
#include "text.h"

#define EXCERPT_MAX 300		/* bytes of context kept around a span */
#define PREFIX_GROUPS_MAX 4	/* of a prefix pattern (group_prefixes) */
#define NO_CLAUSE UINT16_MAX	/* in run->clause_of */

struct slot {
	struct md_opened op;
	const struct md_plugin *desc;
	void *state;
	int initialized;
	int broken;		/* refused after emitting something bad */
	struct md_rulepack *pack;
	struct md_plugin_conf *conf;	/* its options, owned: the config
					 * is freed after loading */
	struct md_ctx *ctx;
	struct md_regex **regexes;	/* compiled for it by the host */
	size_t nregexes;
};

struct md_ctx {
	struct md_engine *e;
	struct slot *slot;
};

/* A rule may match in a sentence: the prefilter found one of its
 * literals there. */
struct cand {
	uint32_t rule;
	uint32_t sentence;
};

/* What one check() call is working on. */
struct run {
	const struct md_document *doc;
	const struct md_measures *measures;
	struct cand *cands;	/* sorted by rule, then sentence; unique */
	size_t ncands, cap;
	size_t *cand_at;	/* by rule: its first cand; one more */
	uint8_t *everywhere;	/* rules to run on every sentence */
	/* Where the literals of the ids above the rules' occur (see
	 * build_prefilter), by id - nrules: each list sorted by start, and
	 * of those that start alike only the shortest. */
	struct md_occ_list *occs;
	size_t last_sentence;	/* of the last literal hit (on_literal) */
	/* By byte of the text (and one past its end): the index of the
	 * clause holding it, or NO_CLAUSE; NULL when the text has too many
	 * clauses for 16 bits.  See map_clauses. */
	const uint16_t *clause_of;
	int scan_failed;	/* search every pattern everywhere */
	size_t nrules;		/* ids below are rules */
	/* Document-wide conditions give one answer per document. */
	struct doc_cond {
		const struct md_cond *cond;
		int result;
	} *doc_conds;
	size_t ndoc_conds;
	/* A condition's answer in a sentence or clause, by condition and
	 * region (the answer + 2); whether a rule's conditions rule a
	 * sentence out, by rule and sentence (1: no, 2: yes).  See
	 * memo_get: an entry of an earlier check reads as not asked. */
	uint16_t *in_sentence, *in_clause, *ruled_out;
	uint16_t epoch;
	struct md_found *found;
	size_t nfound, fcap;
	unsigned long not_evaluated;
	size_t plugin_errors;
};

struct md_engine {
	struct md_catalog catalog;
	struct slot *slots;
	size_t nslots;
	struct md_rule **rules;	/* all rules, by global index */
	size_t nrules;
	size_t nconds;		/* all conditions of all rules */
	size_t nids;		/* ids in the prefilter */
	/* The items each rule cites under each catalogue version, in the
	 * order of its cites: those of rule r under version v are
	 * cited[cited_at[k]] .. cited[cited_at[k + 1] - 1], k = r * the
	 * number of versions + v.  None: the rule does not apply. */
	const struct md_item **cited;
	size_t *cited_at;
	/* One prefilter for each catalogue version (one when there is
	 * none), holding the literals of the ids that can be asked about
	 * under it: a rule that cites nothing of the version in force never
	 * runs, and its literals' hits were a fifth of all. */
	struct md_prefilter **pfs;
	size_t npfs;
	/* While build_prefilter runs: every literal given an id. */
	struct planned {
		char *lit;
		int caseless;
		size_t id;
	} *planned;
	size_t nplanned;
	uint8_t *always;	/* by rule: it has a pattern without literals */
	struct md_matcher matcher;
	struct md_host host;
	struct md_litset *markers;	/* of questions (is_question) */
	struct md_litset *hearsay;
	struct run *run;
	struct slot *current;
	/* Per-check arrays kept from one check to the next, so a document
	 * costs no allocation for them once the engine is warm. */
	struct scratch {
		void *p;
		size_t cap;	/* elements */
	} s_cands, s_cands2, s_keys, s_cand_at, s_every, s_memo, s_matches,
	    s_clause_of;
	/* run->occs, kept from one check to the next so that a warm
	 * engine fills them without allocating. */
	struct md_occ_list *occs;
	int matches_busy;	/* s_matches lent to host_match_rules */
	uint16_t epoch;		/* of the last check's memos */
};

/*
 * The memos are kept from one check to the next and not cleared: each
 * entry holds the check's epoch above its value (1 to 3), and one of an
 * earlier check is not asked yet.  They are cleared only when the array
 * grows or the epoch wraps.
 */
#define MEMO_EPOCHS 0x3fff

static int
memo_get(const struct run *run, const uint16_t *m)
{
	return *m >> 2 == run->epoch ? *m & 3 : 0;
}

static void
memo_set(const struct run *run, uint16_t *m, int v)
{
	*m = (uint16_t)(run->epoch << 2 | v);
}

/* b's array with room for n elements of size bytes; its contents are not
 * kept when it grows. */
static void *
scratch(struct scratch *b, size_t n, size_t size)
{
	if (n > b->cap) {
		free(b->p);
		b->p = md_xreallocarray(NULL, n, size);
		b->cap = n;
	}
	return b->p;
}

/* Swaps the array a run grew (*p with *cap elements) with b's. */
static void
scratch_swap(struct scratch *b, void **p, size_t *cap)
{
	void *tp = b->p;
	size_t tc = b->cap;

	b->p = *p;
	b->cap = *cap;
	*p = tp;
	*cap = tc;
}

/* 1 when one of the literals of id (above the rules') lies wholly in
 * text[from, to), with *at the first place where one does. */
static int
occurs(const struct run *run, size_t id, size_t from, size_t to,
    size_t *at)
{
	const struct md_occ_list *l = &run->occs[id - run->nrules];
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].at < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && l->v[lo].at < to; lo++)
		if (l->v[lo].end <= to) {
			*at = l->v[lo].at;
			return 1;
		}
	return 0;
}

/*
 * md_regex_search in the document being checked, helped by the prefilter
 * where it watches re's literals (see build_prefilter): none of them in
 * [from, to) means no match; for a plain pattern the first of them is the
 * match (its litset picks the string PCRE2 would, there); else PCRE2
 * runs without the precheck.
 */
static int
doc_search(struct md_engine *e, const struct md_regex *re,
    const struct md_document *doc, size_t from, size_t to, size_t *s,
    size_t *end)
{
	struct run *run = e->run;
	size_t at;

	if (run == NULL || doc != run->doc || re->watch_id == 0 ||
	    run->scan_failed || from > to)
		return md_regex_search(re, &e->matcher, doc->text, from, to, s,
		    end);
	if (!occurs(run, re->watch_id, from, to, &at))
		return 0;
	if (re->plain != NULL)
		return md_regex_search(re, &e->matcher, doc->text, at, to, s,
		    end);
	return md_regex_search_known(re, &e->matcher, doc->text, from, to, s,
	    end);
}

/* --- host services ----------------------------------------------------- */

static void
host_log(struct md_ctx *ctx, int priority, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	md_log(priority, "plugin %s: %s", ctx->slot->desc->name, msg);
}

static const char *
host_config_get(struct md_ctx *ctx, const char *name)
{
	const struct md_plugin_conf *pc = ctx->slot->conf;
	size_t i;

	if (pc == NULL)
		return NULL;
	for (i = 0; i < pc->nopts; i++)
		if (strcmp(pc->keys[i], name) == 0)
			return pc->values[i];
	return NULL;
}

struct match_list {
	struct md_match *m;
	size_t n, cap;
};

/*
 * A clause that only asks ("请问……会不会停课？") or passes on hearsay
 * ("听说明天要封校") reports nothing: it states no fact.
 */
static const char *const question_markers[] = { "请问", "会不会", "是否",
	"能否", "要不要", "吗", "可不可以", "有没有", "是不是", "需不需要",
	"几天", "多久", "多长时间", "多少天" };
static const char *const hearsay_words[] = { "听说", "据说", "网传",
	"传言", "是否属实", "听别人说", "听人说", "是真是假" };

static int
is_question(struct md_engine *e, const struct md_document *doc,
    const struct md_clause *c)
{
	size_t end = c->end, at;

	if (md_litset_find(e->hearsay, doc->text, c->start, c->end, &at,
	    NULL))
		return 1;
	while (end > c->start && (doc->text[end - 1] == ' ' ||
	    doc->text[end - 1] == '\n'))
		end--;
	if (end == c->start || doc->text[end - 1] != '?')
		return 0;
	return md_litset_find(e->markers, doc->text, c->start, end, &at,
	    NULL);
}

static void
region_of(const struct md_document *doc, const struct md_clause *c,
    enum md_cond_scope scope, size_t *from, size_t *to)
{
	if (scope == MD_IN_CLAUSE) {
		*from = c->start;
		*to = c->end;
	} else if (scope == MD_IN_SENTENCE) {
		*from = doc->sentences[c->sentence].start;
		*to = doc->sentences[c->sentence].end;
	} else {
		*from = 0;
		*to = doc->len;
	}
}

/* A condition's answer in a region: 1 (found), 0 (not), -1 (limit). */
static int
cond_found(struct md_engine *e, const struct md_cond *k,
    const struct md_document *doc, const struct md_clause *c)
{
	struct run *run = e->run;
	size_t i, from, to, s, end;
	uint16_t *memo = NULL;
	int rc;

	if (k->scope == MD_IN_DOCUMENT) {
		for (i = 0; i < run->ndoc_conds; i++)
			if (run->doc_conds[i].cond == k)
				return run->doc_conds[i].result;
	} else if (k->scope == MD_IN_SENTENCE) {
		memo = &run->in_sentence[k->index * doc->nsentences +
		    c->sentence];
	} else {
		memo = &run->in_clause[k->index * doc->nclauses +
		    (size_t)(c - doc->clauses)];
	}
	if (memo != NULL && memo_get(run, memo) != 0)
		return memo_get(run, memo) - 2;
	region_of(doc, c, k->scope, &from, &to);
	rc = doc_search(e, &k->re, doc, from, to, &s, &end);
	if (rc < 0)
		rc = -1;
	if (memo != NULL)
		memo_set(run, memo, rc + 2);
	if (k->scope == MD_IN_DOCUMENT) {
		run->doc_conds = md_xreallocarray(run->doc_conds,
		    run->ndoc_conds + 1, sizeof *run->doc_conds);
		run->doc_conds[run->ndoc_conds].cond = k;
		run->doc_conds[run->ndoc_conds++].result = rc;
	}
	return rc;
}

/* 1 when every condition of r holds for the match at clause c; 0 when one
 * fails; -1 when one could not be evaluated. */
static int
conditions_hold(struct md_engine *e, const struct md_rule *r,
    const struct md_document *doc, const struct md_clause *c)
{
	size_t i;
	int rc;

	for (i = 0; i < r->nconds; i++) {
		rc = cond_found(e, &r->conds[i], doc, c);
		if (rc < 0)
			return -1;
		if ((rc == 1) != (r->conds[i].require != 0))
			return 0;
	}
	return 1;
}

/*
 * 1 when r's conditions rule every match in sentence sn out: they all
 * look at the sentence or the document, and one fails there.  Such a
 * sentence need not be searched for r at all: consider() would drop
 * every match, with nothing counted.
 */
static int
ruled_out(struct md_engine *e, const struct md_rule *r,
    const struct md_document *doc, size_t sn)
{
	struct run *run = e->run;
	uint16_t *memo = &run->ruled_out[r->index * doc->nsentences + sn];
	size_t i;

	if (memo_get(run, memo) == 0) {
		memo_set(run, memo, 1);
		for (i = 0; i < r->nconds; i++)
			if (r->conds[i].scope == MD_IN_CLAUSE)
				break;
		if (r->nconds > 0 && i == r->nconds &&
		    conditions_hold(e, r, doc, &doc->sentences[sn]) == 0)
			memo_set(run, memo, 2);
	}
	return memo_get(run, memo) == 2;
}

/* The items r cites under version m (of the engine's catalogue), in
 * *n. */
static const struct md_item *const *
cited_items(const struct md_engine *e, const struct md_rule *r,
    const struct md_measures *m, size_t *n)
{
	size_t k = r->index * e->catalog.n +
	    (size_t)(m - e->catalog.versions);

	*n = e->cited_at[k + 1] - e->cited_at[k];
	return e->cited + e->cited_at[k];
}

/* Whether r cites an item of version m (of the engine's catalogue). */
static int
rule_applies(const struct md_engine *e, const struct md_rule *r,
    const struct md_measures *m)
{
	size_t n;

	(void)cited_items(e, r, m, &n);
	return n > 0;
}

/* Fills e->cited and e->cited_at: comparisons of strings and a lookup of
 * each item by its id, for each rule each plugin asks about and each
 * finding, done once here (check_pack made sure every cite resolves). */
static void
index_citations(struct md_engine *e)
{
	size_t i, v, c, n = 0;

	e->cited_at = md_xcalloc(e->nrules * e->catalog.n + 1,
	    sizeof *e->cited_at);
	for (i = 0; i < e->nrules; i++)
		n += e->rules[i]->ncites;
	e->cited = md_xcalloc(n + 1, sizeof *e->cited);
	n = 0;
	for (i = 0; i < e->nrules; i++)
		for (v = 0; v < e->catalog.n; v++) {
			const struct md_measures *m = &e->catalog.versions[v];

			e->cited_at[i * e->catalog.n + v] = n;
			for (c = 0; c < e->rules[i]->ncites; c++)
				if (strcmp(e->rules[i]->cites[c].version,
				    m->version) == 0)
					e->cited[n++] = md_measures_item(m,
					    e->rules[i]->cites[c].item);
		}
	e->cited_at[e->nrules * e->catalog.n] = n;
}

/* md_clause_at(doc, off) for run's document, by run->clause_of. */
static const struct md_clause *
clause_at(const struct run *run, const struct md_document *doc, size_t off)
{
	if (run->clause_of == NULL || off > doc->len)
		return md_clause_at(doc, off);
	return run->clause_of[off] == NO_CLAUSE ? NULL :
	    &doc->clauses[run->clause_of[off]];
}

/* Keeps a pattern match at [s, end), in clause c (clause_at's), unless
 * its scope, a question or a condition rules it out. */
static void
consider(struct md_engine *e, const struct md_rule *r,
    const struct md_document *doc, const struct md_clause *c, size_t s,
    size_t end, struct match_list *out)
{
	struct md_match *m;
	int rc;

	if (c == NULL)
		return;
	if (!r->ignore_scope && (md_scope_in(doc, c, s) != MD_SCOPE_PLAIN ||
	    is_question(e, doc, c)))
		return;
	rc = conditions_hold(e, r, doc, c);
	if (rc < 0)
		e->run->not_evaluated++;
	if (rc <= 0)
		return;
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 16;
		out->m = md_xreallocarray(out->m, out->cap, sizeof *out->m);
	}
	m = &out->m[out->n++];
	m->rule = r->id;
	m->category = r->category;
	m->severity = r->severity;
	m->span.start = s;
	m->span.end = end;
	m->clause = c;
	m->reason = r->reason;
}

/* All matches of r's scanned patterns inside sentence sn. */
static void
match_rule(struct md_engine *e, const struct md_rule *r,
    const struct md_document *doc, const struct md_clause *sn,
    struct match_list *out)
{
	size_t p, from, s, end, at;
	int rc;

	for (p = 0; p < r->npatterns; p++) {
		if (r->patterns[p].anchored != NULL && !e->run->scan_failed)
			continue;	/* matched at its literals instead */
		/* A match that is not empty starts inside sn. */
		if (r->patterns[p].nonempty &&
		    ruled_out(e, r, doc, sn->sentence))
			continue;
		/* A match lies in the sentence and holds one of these. */
		if (r->patterns[p].also_id != 0 && !e->run->scan_failed &&
		    !occurs(e->run, r->patterns[p].also_id, sn->start,
		    sn->end, &at))
			continue;
		from = sn->start;
		while (from < sn->end) {
			rc = md_regex_search(&r->patterns[p], &e->matcher,
			    doc->text, from, sn->end, &s, &end);
			if (rc < 0) {
				e->run->not_evaluated++;
				md_log(7, "rule %s: match limit reached, not "
				    "evaluated", r->id);
				break;
			}
			if (rc == 0)
				break;
			from = end > s ? end : s + 1;
			while (from < sn->end &&
			    ((unsigned char)doc->text[from] & 0xc0) == 0x80)
				from++;
			consider(e, r, doc, clause_at(e->run, doc, s), s, end,
			    out);
		}
	}
}

/*
 * All matches of a pattern whose every match starts with one of its
 * prefix literals: one anchored attempt where each occurrence starts,
 * seeing to the end of its sentence.  Starts inside a match already taken
 * are skipped, so the matches are those a scan from the sentence start
 * would find.
 */
static void
match_prefixed(struct md_engine *e, const struct md_rule *r,
    const struct md_regex *re, const struct md_document *doc,
    struct match_list *out)
{
	struct run *run = e->run;
	/* The starts of each group with any, and its watched literals,
	 * stepped through together in text order. */
	struct cursor {
		const struct md_occ_list *l, *w;
		size_t k, j;
	} cur[PREFIX_GROUPS_MAX], done, *c;
	size_t next[PREFIX_GROUPS_MAX];	/* each cursor's start */
	size_t g, ng = 0, last_end = 0, end, send = 0;
	size_t sn = (size_t)-1, tried = (size_t)-1;
	int out_here = 0, rc;

	for (g = 0; g < re->ngroups; g++) {
		const struct md_occ_list *l =
		    &run->occs[re->groups[g].prefix_id - run->nrules];
		size_t w = re->groups[g].rest_id != 0 ?
		    re->groups[g].rest_id : re->watch_id;

		if (l->n == 0)
			continue;
		cur[ng].l = l;
		cur[ng].w = w != 0 ? &run->occs[w - run->nrules] : NULL;
		cur[ng].k = cur[ng].j = 0;
		next[ng++] = l->v[0].at;
	}
	while (ng > 0) {
		size_t s = next[0], i;
		const struct md_clause *cl;

		for (c = &cur[0], i = 1; i < ng; i++)
			if (next[i] < s) {
				s = next[i];
				c = &cur[i];
			}
		if (++c->k < c->l->n) {
			next[c - cur] = c->l->v[c->k].at;
		} else {
			/* Its last start: the last cursor takes its place,
			 * this one is read once more below. */
			done = *c;
			next[c - cur] = next[--ng];
			*c = cur[ng];
			c = &done;
		}
		/* Inside a match taken, or tried already for another
		 * group. */
		if (s < last_end || s == tried)
			continue;
		if ((cl = clause_at(run, doc, s)) == NULL)
			continue;
		/* Starts in one sentence share its answer. */
		if (cl->sentence != sn) {
			sn = cl->sentence;
			out_here = ruled_out(e, r, doc, sn);
			send = doc->sentences[sn].end;
		}
		if (out_here)
			continue;
		/* A match holds one of the group's literals after the
		 * start (occurs(), stepping on through w as the starts
		 * do). */
		if (c->w != NULL) {
			const struct md_occ_list *w = c->w;

			while (c->j < w->n && w->v[c->j].at < s)
				c->j++;
			for (i = c->j; i < w->n && w->v[i].at < send; i++)
				if (w->v[i].end <= send)
					break;
			if (i == w->n || w->v[i].at >= send)
				continue;
		}
		tried = s;
		rc = md_regex_match_at(re, &e->matcher, doc->text, s, send,
		    &end);
		if (rc < 0) {
			run->not_evaluated++;
			continue;
		}
		if (rc == 0)
			continue;
		last_end = end > s ? end : s + 1;
		consider(e, r, doc, cl, s, end, out);
	}
}

static int
by_position(const void *a, const void *b)
{
	const struct md_match *x = a, *y = b;

	if (x->span.start != y->span.start)
		return x->span.start < y->span.start ? -1 : 1;
	if (x->span.end != y->span.end)
		return x->span.end < y->span.end ? -1 : 1;
	return strcmp(x->rule, y->rule);
}

static int
host_match_rules(struct md_ctx *ctx, const struct md_document *doc,
    md_match_fn fn, void *arg)
{
	struct md_engine *e = ctx->e;
	struct slot *sl = ctx->slot;
	struct match_list ml = { NULL, 0, 0 };
	struct run *run = e->run;
	size_t i, k;
	int lent = 0;

	if (run == NULL || sl->pack == NULL || run->measures == NULL ||
	    doc != run->doc)
		return 0;
	if (!e->matches_busy) {
		/* Not while a plugin's callback asks again. */
		e->matches_busy = lent = 1;
		ml.m = e->s_matches.p;
		ml.cap = e->s_matches.cap;
	}
	for (i = 0; i < sl->pack->nrules; i++) {
		const struct md_rule *r = &sl->pack->rules[i];

		if (r->npatterns == 0 || !rule_applies(e, r, run->measures))
			continue;
		for (k = 0; k < r->npatterns && !run->scan_failed; k++)
			if (r->patterns[k].anchored != NULL)
				match_prefixed(e, r, &r->patterns[k], doc,
				    &ml);
		if (md_bit_test(run->everywhere, r->index)) {
			for (k = 0; k < doc->nsentences; k++)
				match_rule(e, r, doc, &doc->sentences[k], &ml);
			continue;
		}
		/* The rule's candidate sentences. */
		for (k = run->cand_at[r->index]; k < run->cand_at[r->index + 1];
		    k++)
			match_rule(e, r, doc,
			    &doc->sentences[run->cands[k].sentence], &ml);
	}
	if (ml.n > 1)
		qsort(ml.m, ml.n, sizeof *ml.m, by_position);
	for (i = 0; i < ml.n; i++)
		fn(arg, &ml.m[i]);
	if (lent) {
		e->s_matches.p = ml.m;
		e->s_matches.cap = ml.cap;
		e->matches_busy = 0;
	} else {
		free(ml.m);
	}
	return (int)i;
}

static struct md_regex *
host_regex_compile(struct md_ctx *ctx, const char *pattern)
{
	struct slot *sl = ctx->slot;
	struct md_regex *re = md_xcalloc(1, sizeof *re);
	char msg[300];

	if (md_regex_compile(re, pattern, msg, sizeof msg) != 0) {
		md_log(3, "plugin %s: bad pattern /%s/ %s", sl->desc->name,
		    pattern, msg);
		free(re);
		return NULL;
	}
	sl->regexes = md_xreallocarray(sl->regexes, sl->nregexes + 1,
	    sizeof *sl->regexes);
	sl->regexes[sl->nregexes++] = re;
	return re;
}

static int
host_regex_search(struct md_ctx *ctx, const struct md_regex *re,
    const struct md_document *doc, size_t from, size_t to,
    struct md_span *span)
{
	struct md_engine *e = ctx->e;
	int rc;

	if (re == NULL)
		return -EINVAL;
	if (to > doc->len)
		to = doc->len;
	rc = doc_search(e, re, doc, from, to, &span->start, &span->end);
	if (rc < 0 && e->run != NULL)
		e->run->not_evaluated++;
	return rc;
}

static int
host_regex_search_stated(struct md_ctx *ctx, const struct md_regex *re,
    const struct md_document *doc, size_t from, size_t to,
    struct md_span *span)
{
	int rc;

	while (from < to &&
	    (rc = host_regex_search(ctx, re, doc, from, to, span)) == 1) {
		if (md_scope_at(doc, span->start, span->end) ==
		    MD_SCOPE_PLAIN)
			return 1;
		from = span->end > span->start ? span->end : span->start + 1;
	}
	return from < to ? rc : 0;
}

static int
host_asks_at(struct md_ctx *ctx, const struct md_document *doc, size_t off)
{
	const struct md_clause *c = md_clause_at(doc, off);

	return c != NULL && is_question(ctx->e, doc, c);
}

static const struct md_rule *
pack_rule(const struct md_rulepack *pack, const char *id)
{
	size_t i;

	if (pack == NULL || id == NULL)
		return NULL;
	/* Plugins mostly emit the id a match handed them: the rule's own
	 * string, found without comparing strings. */
	for (i = 0; i < pack->nrules; i++)
		if (pack->rules[i].id == id)
			return &pack->rules[i];
	for (i = 0; i < pack->nrules; i++)
		if (strcmp(pack->rules[i].id, id) == 0)
			return &pack->rules[i];
	return NULL;
}

static int
declares(const struct md_plugin *d, const char *category)
{
	size_t i;

	for (i = 0; d->categories[i] != NULL; i++)
		if (strcmp(d->categories[i], category) == 0)
			return 1;
	return 0;
}

static void
refuse(struct md_engine *e, struct slot *sl, const char *why)
{
	md_log(3, "plugin %s (%s): %s; the plugin is refused from now on",
	    sl->desc->name, sl->op.path, why);
	sl->broken = 1;
	e->run->plugin_errors++;
}

static int
char_boundary(const struct md_document *doc, size_t off)
{
	return off >= doc->len ||
	    ((unsigned char)doc->text[off] & 0xc0) != 0x80;
}

/* 1 when an item rule r cites under m grounds category. */
static int
grounded(const struct md_engine *e, const struct md_rule *r,
    const struct md_measures *m, const char *category)
{
	const struct md_item *const *it;
	size_t i, n;

	it = cited_items(e, r, m, &n);
	for (i = 0; i < n; i++)
		if (md_item_grounds(it[i], category))
			return 1;
	return 0;
}

static int
sink_emit(struct md_sink *sink, const struct md_finding *f)
{
	struct md_engine *e = sink->host_data;
	struct slot *sl = e->current;
	struct run *run = e->run;
	const struct md_rule *r;
	struct md_found *out;
	const char *category;
	char why[300];

	if (sl->broken)
		return -EINVAL;
	r = pack_rule(sl->pack, f->rule);
	if (r == NULL) {
		snprintf(why, sizeof why, "emitted a finding for unknown rule "
		    "\"%s\"", f->rule ? f->rule : "(null)");
		refuse(e, sl, why);
		return -EINVAL;
	}
	category = f->category ? f->category : r->category;
	if (!declares(sl->desc, category)) {
		snprintf(why, sizeof why, "emitted category %s, which it did "
		    "not declare", category);
		refuse(e, sl, why);
		return -EINVAL;
	}
	if (f->span.start > f->span.end || f->span.end > run->doc->len ||
	    !char_boundary(run->doc, f->span.start) ||
	    !char_boundary(run->doc, f->span.end) ||
	    f->severity < 0 || f->severity > MD_SEVERITY_MAX ||
	    f->confidence < 0 || f->confidence > 1) {
		snprintf(why, sizeof why, "emitted a malformed finding for "
		    "rule %s (span %zu-%zu of %zu, severity %d)", r->id,
		    f->span.start, f->span.end, run->doc->len, f->severity);
		refuse(e, sl, why);
		return -EINVAL;
	}
	if (!rule_applies(e, r, run->measures))
		return 0;	/* not a violation under this version */
	if (category != r->category && !grounded(e, r, run->measures,
	    category)) {
		snprintf(why, sizeof why, "emitted category %s for rule %s, "
		    "whose measure items (version %s) do not ground it",
		    category, r->id, run->measures->version);
		refuse(e, sl, why);
		return -EINVAL;
	}
	if (run->nfound == run->fcap) {
		run->fcap = run->fcap ? run->fcap * 2 : 8;
		run->found = md_xreallocarray(run->found, run->fcap,
		    sizeof *run->found);
	}
	out = &run->found[run->nfound++];
	memset(out, 0, sizeof *out);
	out->category = md_xstrdup(category);
	out->rule = r;
	out->plugin = sl->desc->name;
	out->severity = f->severity ? f->severity : r->severity;
	out->confidence = f->confidence > 0 ? f->confidence : r->confidence;
	out->nstart = f->span.start;
	out->nend = f->span.end;
	out->reason = md_xstrdup(f->reason ? f->reason : r->reason);
	return 0;
}

/* --- loading ----------------------------------------------------------- */

static char *
find_pack(const struct md_conf *conf, const char *plugin)
{
	size_t i;

	for (i = 0; i < conf->nrules_dirs; i++) {
		char *p = md_xasprintf("%s/%s.rules.xml", conf->rules_dirs[i],
		    plugin);

		if (access(p, F_OK) == 0)
			return p;
		free(p);
		p = md_xasprintf("%s/%s/%s.rules.xml", conf->rules_dirs[i],
		    plugin, plugin);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Every rule's category is the plugin's and every cite exists and grounds
 * it. */
static int
check_pack(struct md_engine *e, struct slot *sl, struct md_error *err)
{
	struct md_rulepack *pack = sl->pack;
	size_t i, j, k;

	if (strcmp(pack->plugin, sl->desc->name) != 0) {
		md_error_set(err, "%s: rule pack is for plugin %s, not %s",
		    pack->file, pack->plugin, sl->desc->name);
		return -1;
	}
	for (i = 0; i < pack->nrules; i++) {
		const struct md_rule *r = &pack->rules[i];

		if (!declares(sl->desc, r->category)) {
			md_error_set(err, "%s:%d: rule %s: category %s is not "
			    "declared by plugin %s", r->file, r->line, r->id,
			    r->category, sl->desc->name);
			return -1;
		}
		for (j = 0; j < r->ncites; j++) {
			const struct md_measures *m = md_catalog_version(
			    &e->catalog, r->cites[j].version);
			const struct md_item *it;

			if (m == NULL) {
				md_error_set(err, "%s:%d: rule %s cites "
				    "version %s, which is not in the "
				    "catalogue", r->file, r->line, r->id,
				    r->cites[j].version);
				return -1;
			}
			it = md_measures_item(m, r->cites[j].item);
			if (it == NULL) {
				md_error_set(err, "%s:%d: rule %s cites item "
				    "%s, which version %s does not have",
				    r->file, r->line, r->id,
				    r->cites[j].item, m->version);
				return -1;
			}
			if (!md_item_grounds(it, r->category)) {
				md_error_set(err, "%s:%d: rule %s cites item "
				    "%s of %s, which does not ground %s",
				    r->file, r->line, r->id, it->id,
				    m->version, r->category);
				return -1;
			}
		}
		for (k = 0; k < e->nrules; k++) {
			if (strcmp(e->rules[k]->id, r->id) == 0) {
				md_error_set(err, "%s:%d: rule id %s is also "
				    "used in %s:%d", r->file, r->line, r->id,
				    e->rules[k]->file, e->rules[k]->line);
				return -1;
			}
		}
		pack->rules[i].index = e->nrules;
		for (j = 0; j < r->nconds; j++)
			pack->rules[i].conds[j].index = e->nconds++;
		e->rules = md_xreallocarray(e->rules, e->nrules + 1,
		    sizeof *e->rules);
		e->rules[e->nrules++] = &pack->rules[i];
	}
	return 0;
}

static int
load_plugins(struct md_engine *e, const struct md_conf *conf,
    const char *rules_schema, struct md_error *err)
{
	size_t d, i, j;

	for (d = 0; d < conf->nplugin_dirs; d++) {
		char **paths;
		int n = md_plugin_list(conf->plugin_dirs[d], &paths, err);
		int rc = 0;

		if (n < 0)
			return -1;
		for (i = 0; i < (size_t)n; i++) {
			struct md_opened op;
			const struct md_plugin_conf *pc;
			struct slot *sl;
			char *pack;

			if (rc != 0 || md_plugin_open(paths[i], &op, err) != 0) {
				rc = -1;
				continue;
			}
			pc = md_conf_plugin(conf, op.desc->name);
			if (pc != NULL && !pc->enabled) {
				md_plugin_close(&op);
				continue;
			}
			for (j = 0; j < e->nslots; j++) {
				if (strcmp(e->slots[j].desc->name,
				    op.desc->name) == 0) {
					md_error_set(err, "%s: plugin %s is "
					    "already loaded from %s", op.path,
					    op.desc->name, e->slots[j].op.path);
					rc = -1;
				}
			}
			if (rc != 0) {
				md_plugin_close(&op);
				continue;
			}
			e->slots = md_xreallocarray(e->slots, e->nslots + 1,
			    sizeof *e->slots);
			sl = &e->slots[e->nslots++];
			memset(sl, 0, sizeof *sl);
			sl->op = op;
			sl->desc = op.desc;
			sl->conf = pc ? md_plugin_conf_copy(pc) : NULL;
			pack = find_pack(conf, op.desc->name);
			if (pack != NULL) {
				sl->pack = md_rulepack_load(pack, rules_schema,
				    err);
				if (sl->pack == NULL ||
				    check_pack(e, sl, err) != 0)
					rc = -1;
				free(pack);
			}
		}
		for (i = 0; i < (size_t)n; i++)
			free(paths[i]);
		free(paths);
		if (rc != 0)
			return -1;
	}
	for (i = 0; i < conf->nplugins; i++) {
		for (j = 0; j < e->nslots; j++)
			if (strcmp(e->slots[j].desc->name,
			    conf->plugins[i].name) == 0)
				break;
		if (j == e->nslots && conf->plugins[i].enabled) {
			md_error_set(err, "%s: plugin %s is configured but "
			    "not found in any plugin directory",
			    conf->file ? conf->file : "config",
			    conf->plugins[i].name);
			return -1;
		}
	}
	return 0;
}

/* Plans lit for the prefilters as id (see build_prefilter). */
static void
plan_literal(struct md_engine *e, const char *lit, int caseless, size_t id)
{
	struct planned *pl;

	e->planned = md_xreallocarray(e->planned, e->nplanned + 1,
	    sizeof *e->planned);
	pl = &e->planned[e->nplanned++];
	pl->lit = md_xstrdup(lit);
	pl->caseless = caseless;
	pl->id = id;
}

/* Plans the n literals of lits as id; frees lits. */
static void
add_literals(struct md_engine *e, char **lits, size_t n, int caseless,
    size_t id)
{
	size_t k;

	for (k = 0; k < n; k++) {
		plan_literal(e, lits[k], caseless, id);
		free(lits[k]);
	}
	free(lits);
}

/*
 * The sets of literals given ids above the rules' so far, while the
 * prefilter is built: each sorted, so that equal sets compare equal.
 */
struct idsets {
	struct idset {
		char **lits;
		size_t n;
		size_t id;
	} *v;
	size_t n;
};

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The id for a set of literals above the rules' (a prefix, second or
 * watched set): the id of an earlier set of the same literals, whatever it
 * was made for, else a new one.  An id's occurrence list depends only on
 * its literals, so equal sets share one and each occurrence is filed once
 * (several rules' conditions watch 核酸, several patterns start alike).
 * Takes lits, n > 0.
 */
static size_t
set_id(struct md_engine *e, struct idsets *sets, char **lits, size_t n)
{
	struct idset *is;
	size_t i, k;

	qsort(lits, n, sizeof *lits, by_string);
	for (i = 0; i < sets->n; i++) {
		is = &sets->v[i];
		for (k = 0; k < n && is->n == n; k++)
			if (strcmp(is->lits[k], lits[k]) != 0)
				break;
		if (is->n == n && k == n) {
			for (k = 0; k < n; k++)
				free(lits[k]);
			free(lits);
			return is->id;
		}
	}
	for (k = 0; k < n; k++)
		plan_literal(e, lits[k], 0, e->nids);
	sets->v = md_xreallocarray(sets->v, sets->n + 1, sizeof *sets->v);
	is = &sets->v[sets->n++];
	is->lits = lits;
	is->n = n;
	is->id = e->nids++;
	return is->id;
}

static void
idsets_free(struct idsets *sets)
{
	size_t i, k;

	for (i = 0; i < sets->n; i++) {
		for (k = 0; k < sets->v[i].n; k++)
			free(sets->v[i].lits[k]);
		free(sets->v[i].lits);
	}
	free(sets->v);
	sets->v = NULL;
	sets->n = 0;
}

/* 1 when s is one of the n strings of v. */
static int
among(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * Gives prefix pattern re its groups of prefix literals (lits, n, taken).
 * A start of one literal can only begin a match of the branches that
 * start with it, so such a match holds one of those branches' literals
 * after the prefix: the rest of 全区[^,;。]{0,16}…(?:核酸检测|筛查) in
 * testing.mass.region, whose whole set of required literals is its
 * prefixes and rules out nothing.  Literals alike in that set (or in
 * having none, when a branch has none) form a group with its own id, so
 * the engine knows which set to look for after each start.
 */
static void
group_prefixes(struct md_engine *e, struct idsets *sets, struct md_regex *re,
    char **lits, size_t n)
{
	struct md_branch_lits *br;
	struct group {
		char **lits, **rest;
		size_t nlits, nrest;
		int none;
	} g[PREFIX_GROUPS_MAX], x;
	size_t nb = md_literals_branches(re->src, &br), ng = 0, i, b, k;

	for (i = 0; i < n && ng <= PREFIX_GROUPS_MAX; i++) {
		/* The rest sets of the branches lits[i] starts. */
		memset(&x, 0, sizeof x);
		for (b = 0; b < nb && !x.none; b++) {
			if (!among(br[b].prefix, br[b].nprefix, lits[i]))
				continue;
			if (br[b].nrest == 0)
				x.none = 1;
			for (k = 0; k < br[b].nrest && !x.none; k++) {
				if (among(x.rest, x.nrest, br[b].rest[k]))
					continue;
				x.rest = md_xreallocarray(x.rest, x.nrest + 1,
				    sizeof *x.rest);
				x.rest[x.nrest++] = br[b].rest[k];
			}
		}
		if (nb == 0 || x.none || x.nrest == 0) {
			free(x.rest);
			x.rest = NULL;
			x.nrest = 0;
			x.none = 1;
		}
		if (x.nrest > 1)
			qsort(x.rest, x.nrest, sizeof *x.rest, by_string);
		for (k = 0; k < ng; k++) {
			if (g[k].none != x.none || g[k].nrest != x.nrest)
				continue;
			for (b = 0; b < x.nrest; b++)
				if (strcmp(g[k].rest[b], x.rest[b]) != 0)
					break;
			if (b == x.nrest)
				break;
		}
		if (k == ng && ng == PREFIX_GROUPS_MAX) {
			free(x.rest);
			ng++;		/* too many: one group, as before */
			break;
		}
		if (k == ng)
			g[ng++] = x;
		else
			free(x.rest);
		g[k].lits = md_xreallocarray(g[k].lits, g[k].nlits + 1,
		    sizeof *g[k].lits);
		g[k].lits[g[k].nlits++] = lits[i];
	}
	if (ng > PREFIX_GROUPS_MAX) {
		for (k = 0; k < PREFIX_GROUPS_MAX; k++) {
			free(g[k].lits);
			free(g[k].rest);
		}
		ng = 1;
		g[0].lits = lits;
		g[0].nlits = n;
		g[0].rest = NULL;
		g[0].nrest = 0;
		g[0].none = 1;
		lits = NULL;
	}
	re->groups = md_xreallocarray(NULL, ng, sizeof *re->groups);
	re->ngroups = ng;
	for (k = 0; k < ng; k++) {
		char **rest = NULL;

		if (!g[k].none) {
			rest = md_xreallocarray(NULL, g[k].nrest,
			    sizeof *rest);
			for (b = 0; b < g[k].nrest; b++)
				rest[b] = md_xstrdup(g[k].rest[b]);
		}
		/* set_id takes the strings: lits' own, given out once. */
		re->groups[k].prefix_id = set_id(e, sets, g[k].lits,
		    g[k].nlits);
		re->groups[k].rest_id = rest != NULL ?
		    set_id(e, sets, rest, g[k].nrest) : 0;
		free(g[k].rest);
	}
	re->prefix_id = re->groups[0].prefix_id;
	free(lits);
	md_branch_lits_free(br, nb);
}

/* The literals the prefilter would watch for re: the strings a plain
 * pattern matches, else those every match holds (kept by re). */
static char *const *
watched(const struct md_regex *re, size_t *n)
{
	*n = re->plain != NULL ? re->nalts : re->nlits;
	return re->plain != NULL ? re->alts : re->lits;
}

/* 1 when a literal watch() would add for re is three bytes or less: one
 * ideograph, or up to three ASCII characters. */
static int
short_literal(const struct md_regex *re)
{
	size_t n, k;
	char *const *lits = watched(re, &n);

	for (k = 0; k < n; k++)
		if (strlen(lits[k]) <= 3)
			return 1;
	return 0;
}

/* Has the prefilter watch re's literals (see watched) under an id of
 * set_id. */
static void
watch(struct md_engine *e, struct idsets *sets, struct md_regex *re)
{
	size_t n, k;
	char *const *lits = watched(re, &n);
	char **copy;

	if (n == 0)
		return;
	copy = md_xreallocarray(NULL, n, sizeof *copy);
	for (k = 0; k < n; k++)
		copy[k] = md_xstrdup(lits[k]);
	re->watch_id = set_id(e, sets, copy, n);
}

/* need[id * nv + v] |= 1 for each version v r applies under. */
static void
need_id(const struct md_engine *e, uint8_t *need, size_t nv, size_t id,
    const struct md_rule *r)
{
	size_t v;

	if (id == 0)
		return;		/* none: id 0 is a rule's, never a set's */
	for (v = 0; v < nv; v++)
		if (r == NULL || e->catalog.n == 0 ||
		    rule_applies(e, r, &e->catalog.versions[v]))
			need[id * nv + v] = 1;
}

/*
 * The prefilters of e->pfs from the literals planned: under a version,
 * the ids of the rules that apply (cite one of its items), of their
 * patterns' and conditions' sets, and of the plugins' own patterns (a
 * plugin searches whatever the version).  A set shared by rules of
 * several versions is in each of theirs.
 */
static int
build_versions(struct md_engine *e, enum md_prefilter_impl impl,
    struct md_error *err)
{
	size_t nv = e->catalog.n > 0 ? e->catalog.n : 1, i, p, k, v;
	uint8_t *need = md_xcalloc(e->nids * nv + 1, 1);
	int rc = 0;

	for (i = 0; i < e->nrules; i++) {
		const struct md_rule *r = e->rules[i];

		for (v = 0; v < nv; v++)
			if (e->catalog.n == 0 ||
			    rule_applies(e, r, &e->catalog.versions[v]))
				need[r->index * nv + v] = 1;
		for (p = 0; p < r->npatterns; p++) {
			const struct md_regex *re = &r->patterns[p];

			for (k = 0; k < re->ngroups; k++) {
				need_id(e, need, nv, re->groups[k].prefix_id,
				    r);
				need_id(e, need, nv, re->groups[k].rest_id, r);
			}
			need_id(e, need, nv, re->watch_id, r);
			need_id(e, need, nv, re->also_id, r);
		}
		for (p = 0; p < r->nconds; p++)
			need_id(e, need, nv, r->conds[p].re.watch_id, r);
	}
	for (i = 0; i < e->nslots; i++)
		for (p = 0; p < e->slots[i].nregexes; p++)
			need_id(e, need, nv, e->slots[i].regexes[p]->watch_id,
			    NULL);
	e->pfs = md_xcalloc(nv, sizeof *e->pfs);
	e->npfs = nv;
	for (v = 0; v < nv && rc == 0; v++) {
		e->pfs[v] = md_prefilter_new(e->nrules);
		for (i = 0; i < e->nplanned; i++) {
			const struct planned *pl = &e->planned[i];

			if (need[pl->id * nv + v])
				md_prefilter_add(e->pfs[v], pl->lit,
				    strlen(pl->lit), pl->caseless, pl->id);
		}
		for (i = 0; i < e->nrules; i++)
			if (e->always[i])
				md_prefilter_always(e->pfs[v], i);
		rc = md_prefilter_build(e->pfs[v], impl, err);
	}
	free(need);
	return rc;
}

/*
 * Ids in the prefilter: 0 .. nrules-1 are rules (a literal of theirs makes
 * a sentence a candidate); above them, one id per prefix pattern (a
 * literal every match starts with, tried anchored where it occurs) and per
 * scanned pattern with a second required set (a candidate sentence without
 * one of those is not scanned); then watched sets, whose occurrences
 * answer questions without a search: the literals a prefix pattern's every
 * match holds (a start with none after it in the sentence cannot match)
 * and those of each condition (the strings a plain condition matches,
 * else those its every match holds).
 */
static int
build_prefilter(struct md_engine *e, enum md_prefilter_impl impl,
    struct md_error *err)
{
	struct idsets sets = { NULL, 0 };
	size_t i, p, k;
	int rc;

	e->nids = e->nrules;
	e->always = md_xcalloc(e->nrules + 1, sizeof *e->always);
	for (i = 0; i < e->nrules; i++) {
		struct md_rule *r = e->rules[i];
		int always = 0;

		for (p = 0; p < r->npatterns; p++) {
			struct md_regex *re = &r->patterns[p];
			char **lits, **also;
			int caseless = 0;
			size_t n = md_literals_prefix(re->src, &lits);

			if (n > 0 && md_regex_anchor(re) == 0) {
				group_prefixes(e, &sets, re, lits, n);
				continue;
			}
			/* The prefilter looks for these literals;
			 * md_regex_search need not again. */
			md_regex_drop_precheck(re);
			for (k = 0; k < n; k++)
				free(lits[k]);
			free(lits);
			n = md_literals_extract(re->src, &lits, &caseless);
			if (n == 0)
				always = 1;
			if (n > 0 && !caseless && (k = md_literals_second(
			    re->src, lits, n, &also)) > 0)
				re->also_id = set_id(e, &sets, also, k);
			add_literals(e, lits, n, caseless, r->index);
		}
		e->always[r->index] = (uint8_t)always;
	}
	for (i = 0; i < e->nrules; i++) {
		struct md_rule *r = e->rules[i];

		for (p = 0; p < r->npatterns; p++) {
			const struct md_regex *re = &r->patterns[p];

			/* For the groups that have no rest set. */
			for (k = 0; k < re->ngroups; k++)
				if (re->groups[k].rest_id == 0)
					break;
			if (re->anchored != NULL && k < re->ngroups)
				watch(e, &sets, &r->patterns[p]);
		}
		for (p = 0; p < r->nconds; p++)
			watch(e, &sets, &r->conds[p].re);
	}
	/* A plugin's pattern is searched where the plugin asks, which is
	 * often the whole document; a watched set holding one character
	 * (、, 区, 各, 的, 市, 镇: a fifth of all hits) answers "yes" there
	 * nearly always, and its hits cost more than the searches it
	 * spares. */
	for (i = 0; i < e->nslots; i++)
		for (p = 0; p < e->slots[i].nregexes; p++)
			if (!short_literal(e->slots[i].regexes[p]))
				watch(e, &sets, e->slots[i].regexes[p]);
	idsets_free(&sets);
	rc = build_versions(e, impl, err);
	for (i = 0; i < e->nplanned; i++)
		free(e->planned[i].lit);
	free(e->planned);
	e->planned = NULL;
	e->nplanned = 0;
	return rc;
}

struct md_engine *
md_engine_new(const struct md_conf *conf, struct md_error *err)
{
	struct md_engine *e = md_xcalloc(1, sizeof *e);
	char *schema;
	size_t i;
	int rc;

	e->host.abi_major = MD_PLUGIN_ABI_MAJOR;
	e->host.abi_minor = MD_PLUGIN_ABI_MINOR;
	e->host.log = host_log;
	e->host.config_get = host_config_get;
	e->host.utf8_check = md_utf8_check;
	e->host.parse_number = md_parse_number;
	e->host.parse_plus = md_parse_plus;
	e->host.parse_duration = md_parse_duration;
	e->host.parse_frequency = md_parse_frequency;
	e->host.clause_at = md_clause_at;
	e->host.scope_at = md_scope_at;
	e->host.match_rules = host_match_rules;
	e->host.regex_compile = host_regex_compile;
	e->host.regex_search = host_regex_search;
	e->host.regex_search_stated = host_regex_search_stated;
	e->host.asks_at = host_asks_at;
	md_matcher_init(&e->matcher);
	/* The traditional-to-simplified table is built once per process
	 * from OpenCC (about 250 million instructions): here, at load, not
	 * in the first document's check. */
	(void)md_t2s_table();
	e->markers = md_litset_new(question_markers, NULL,
	    MD_NELEM(question_markers));
	e->hearsay = md_litset_new(hearsay_words, NULL,
	    MD_NELEM(hearsay_words));

	schema = md_conf_schema(conf, "measures.rng");
	rc = md_catalog_load(&e->catalog, conf->measures_dir, schema, err);
	free(schema);
	if (rc != 0)
		goto fail;
	schema = md_conf_schema(conf, "rules.rng");
	rc = load_plugins(e, conf, schema, err);
	free(schema);
	if (rc != 0)
		goto fail;
	if (e->nslots == 0) {
		md_error_set(err, "no plugins found in %s%s",
		    conf->nplugin_dirs ? conf->plugin_dirs[0] : "(none)",
		    conf->nplugin_dirs > 1 ? " and the other plugin "
		    "directories" : "");
		goto fail;
	}
	for (i = 0; i < e->nslots; i++) {
		struct slot *sl = &e->slots[i];

		sl->ctx = md_xcalloc(1, sizeof *sl->ctx);
		sl->ctx->e = e;
		sl->ctx->slot = sl;
		e->current = sl;
		if (sl->desc->init != NULL) {
			rc = sl->desc->init(sl->ctx, &e->host, &sl->state);
			if (rc != 0) {
				md_error_set(err, "%s: plugin %s failed to "
				    "initialize: %s", sl->op.path,
				    sl->desc->name, strerror(-rc));
				goto fail;
			}
		}
		sl->initialized = 1;
	}
	e->current = NULL;
	/* Before the prefilters, which hold each version's rules. */
	index_citations(e);
	/* After init(): the plugins' own patterns are watched too. */
	if (build_prefilter(e, conf->prefilter, err) != 0)
		goto fail;
	return e;
fail:
	md_engine_free(e);
	return NULL;
}

struct md_engine *
md_engine_load(const char *conf_path, struct md_error *err)
{
	struct md_engine *e = NULL;
	struct md_conf conf;

	md_conf_defaults(&conf);
	if (conf_path == NULL || md_conf_load(&conf, conf_path, err) == 0)
		e = md_engine_new(&conf, err);
	md_conf_free(&conf);
	return e;
}

void
md_engine_free(struct md_engine *e)
{
	size_t i, j;

	if (e == NULL)
		return;
	for (i = 0; i < e->nslots; i++) {
		struct slot *sl = &e->slots[i];

		if (sl->initialized && sl->desc->fini != NULL)
			sl->desc->fini(sl->state);
		for (j = 0; j < sl->nregexes; j++) {
			md_regex_free(sl->regexes[j]);
			free(sl->regexes[j]);
		}
		free(sl->regexes);
		md_rulepack_free(sl->pack);
		md_plugin_conf_free(sl->conf);
		free(sl->conf);
		free(sl->ctx);
		md_plugin_close(&sl->op);
	}
	free(e->slots);
	free(e->rules);
	free(e->cited);
	free(e->cited_at);
	for (i = 0; i < e->npfs; i++)
		md_prefilter_free(e->pfs[i]);
	free(e->pfs);
	free(e->always);
	for (i = 0; i < e->nplanned; i++)
		free(e->planned[i].lit);
	free(e->planned);
	md_catalog_free(&e->catalog);
	md_matcher_free(&e->matcher);
	md_litset_free(e->markers);
	md_litset_free(e->hearsay);
	free(e->s_cands.p);
	free(e->s_cands2.p);
	for (i = 0; e->occs != NULL && i < e->nids - e->nrules; i++)
		free(e->occs[i].v);
	free(e->occs);
	free(e->s_keys.p);
	free(e->s_cand_at.p);
	free(e->s_every.p);
	free(e->s_memo.p);
	free(e->s_matches.p);
	free(e->s_clause_of.p);
	free(e);
}

/* --- checking ---------------------------------------------------------- */

/* A literal hit: a candidate sentence for a rule (the occurrences of
 * higher ids are filed by the prefilter), or the scan failed. */
static void
on_literal(void *arg, size_t id, size_t end, size_t len)
{
	struct run *run = arg;
	const struct md_document *doc = run->doc;
	size_t lo, hi, rule = id;
	struct cand *c;

	(void)len;
	if (end == MD_PREFILTER_EVERYWHERE) {
		run->scan_failed = 1;
		return;
	}
	if (id >= run->nrules)
		return;
	if (end == 0) {
		md_bit_set(run->everywhere, rule);
		return;
	}
	/* The sentence holding the literal's last byte: the first whose end
	 * is not before it.  Hits come nearly in text order, so that is
	 * usually the last hit's sentence or one a step or two after it. */
	lo = run->last_sentence;
	if (lo < doc->nsentences && (lo == 0 ||
	    doc->sentences[lo - 1].end < end)) {
		while (lo < doc->nsentences && doc->sentences[lo].end < end)
			lo++;
		hi = lo;
	} else {
		lo = 0;
		hi = doc->nsentences;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (doc->sentences[mid].end < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	run->last_sentence = lo;
	if (lo == doc->nsentences)
		return;
	if (run->ncands > 0 && run->cands[run->ncands - 1].rule == rule &&
	    run->cands[run->ncands - 1].sentence == lo)
		return;
	if (run->ncands == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 64;
		run->cands = md_xreallocarray(run->cands, run->cap,
		    sizeof *run->cands);
	}
	c = &run->cands[run->ncands++];
	c->rule = (uint32_t)rule;
	c->sentence = (uint32_t)lo;
}

/*
 * Sorting candidates by rule, then sentence, without qsort: a counting
 * sort by key into buckets (at[k] is where key k's bucket begins,
 * at[nkeys] the end), then insertion sort inside each bucket, where little
 * moves: the prefilter reports in text order.
 */
static size_t *
bucket_starts(struct scratch *b, size_t nkeys, const size_t *keys, size_t n)
{
	size_t *at = scratch(b, nkeys + 2, sizeof *at), i;

	memset(at, 0, (nkeys + 2) * sizeof *at);
	for (i = 0; i < n; i++)
		at[keys[i] + 2]++;
	for (i = 2; i < nkeys + 2; i++)
		at[i] += at[i - 1];
	return at;	/* at[k + 1]: where bucket k is filled next */
}

/* Sorts the candidates (see struct run) and fills cand_at. */
static void
sort_cands(struct md_engine *e, struct run *run)
{
	size_t nkeys = run->nrules, i, j, k, b, n = run->ncands;
	size_t *keys = scratch(&e->s_keys, n + 1, sizeof *keys), *at;
	struct cand *out = scratch(&e->s_cands2, n + 1, sizeof *out), x;

	for (i = 0; i < n; i++)
		keys[i] = run->cands[i].rule;
	at = bucket_starts(&e->s_cand_at, nkeys, keys, n);
	for (i = 0; i < n; i++)
		out[at[keys[i] + 1]++] = run->cands[i];
	for (b = 0, k = 0; b < nkeys; b++) {
		size_t first = k;

		for (i = at[b] + 1; i < at[b + 1]; i++) {
			x = out[i];
			for (j = i; j > at[b] &&
			    x.sentence < out[j - 1].sentence; j--)
				out[j] = out[j - 1];
			out[j] = x;
		}
		for (i = at[b]; i < at[b + 1]; i++)
			if (k == first || out[i].sentence !=
			    out[k - 1].sentence)
				out[k++] = out[i];
		at[b] = first;
	}
	at[nkeys] = k;
	scratch_swap(&e->s_cands2, (void **)&run->cands, &run->cap);
	run->ncands = k;
	run->cand_at = at;
}

/*
 * One prefilter pass: which rule may match in which sentence, and where
 * the literals of the other ids occur.  A rule's patterns are then run
 * only inside those sentences (or everywhere, for a rule without
 * literals).
 */
static void
find_candidates(struct md_engine *e, struct run *run)
{
	/* The version's prefilter (see build_versions). */
	struct md_prefilter *pf = e->pfs[e->catalog.n > 0 ?
	    (size_t)(run->measures - e->catalog.versions) : 0];
	size_t i, nb = e->nrules / 8 + 2;

	run->everywhere = scratch(&e->s_every, nb, 1);
	memset(run->everywhere, 0, nb);
	for (i = 0; i < e->nrules; i++)
		if (e->always[i])
			md_bit_set(run->everywhere, i);
	run->nrules = e->nrules;
	if (e->occs == NULL)
		e->occs = md_xcalloc(e->nids - e->nrules + 1, sizeof *e->occs);
	for (i = 0; i < e->nids - e->nrules; i++)
		e->occs[i].n = 0;
	run->occs = e->occs;
	md_prefilter_scan_occs(pf, run->doc->text, run->doc->len,
	    on_literal, run, run->occs);
	if (run->scan_failed) {
		/* Never miss: every pattern of every rule, everywhere. */
		for (i = 0; i < e->nrules; i++)
			md_bit_set(run->everywhere, i);
	}
	sort_cands(e, run);
}

/* m[from, to) = v, four at a time; returns to. */
static size_t
fill_map(uint16_t *m, size_t from, size_t to, uint16_t v)
{
	uint64_t v4 = v * UINT64_C(0x0001000100010001);

	for (; from < to; from += 4)
		memcpy(m + from, &v4, sizeof v4);
	return to;
}

/*
 * run->clause_of for doc: the many clause lookups of a check (each prefix
 * start, each match, each finding) become a load instead of a binary
 * search or a walk through the clauses.  Clauses come in text order and do
 * not overlap; the bytes between them (blank sentences) have none.
 */
static const uint16_t *
map_clauses(struct md_engine *e, const struct md_document *doc)
{
	uint16_t *m;
	size_t i, at = 0;

	if (doc->nclauses >= NO_CLAUSE)
		return NULL;
	/* Filled four entries a store, the last store of a run reaching
	 * up to three past it (into the next run, or the room after the
	 * end). */
	m = scratch(&e->s_clause_of, doc->len + 4, sizeof *m);
	for (i = 0; i < doc->nclauses; i++) {
		at = fill_map(m, at, doc->clauses[i].start, NO_CLAUSE);
		at = fill_map(m, at, doc->clauses[i].end, (uint16_t)i);
	}
	fill_map(m, at, doc->len + 1, NO_CLAUSE);
	return m;
}

/* A month and day in the text, its year from the day it was received. */
static int
month_day(const struct md_input *in, const struct md_text *t, char out[11])
{
	char ref[11];

	if (in->received != NULL)
		memcpy(ref, in->received, 11);
	else
		md_date_today(ref);
	return md_text_month_day(t->norm, t->norm_len, ref, out) == 0;
}

static void
choose_date(const struct md_input *in, const struct md_text *t,
    struct md_result *r)
{
	if (in->date != NULL) {
		memcpy(r->date, in->date, 11);
		r->date_source = "option";
	} else if (in->occurred_at != NULL) {
		memcpy(r->date, in->occurred_at, 11);
		r->date_source = "occurred_at";
	} else if (in->published_at != NULL) {
		memcpy(r->date, in->published_at, 11);
		r->date_source = "published_at";
	} else if (md_text_date(t->norm, t->norm_len, r->date) == 0) {
		r->date_source = "text";
	} else if (month_day(in, t, r->date)) {
		r->date_source = "text-month-day";
	} else if (in->received != NULL) {
		memcpy(r->date, in->received, 11);
		r->date_source = "received";
	} else {
		md_date_today(r->date);
		r->date_source = "today";
	}
}

static const struct md_clause *
sentence_of(const struct run *run, const struct md_document *doc,
    size_t off)
{
	const struct md_clause *c = clause_at(run, doc, off);

	return c ? &doc->sentences[c->sentence] : NULL;
}

/* Same category in the same sentence: keep the gravest, then the first. */
static void
dedupe(struct run *run, const struct md_document *doc)
{
	size_t i, j, k = 0;

	for (i = 0; i < run->nfound; i++) {
		struct md_found *f = &run->found[i];
		const struct md_clause *si = sentence_of(run, doc, f->nstart);
		int keep = 1;

		for (j = 0; j < k && keep; j++) {
			struct md_found *g = &run->found[j];

			if (strcmp(f->category, g->category) != 0 ||
			    sentence_of(run, doc, g->nstart) != si)
				continue;
			if (f->severity > g->severity) {
				/* f replaces g */
				free(g->category);
				free(g->reason);
				*g = *f;
				memset(f, 0, sizeof *f);
			}
			keep = 0;
		}
		if (keep) {
			if (k != i) {
				run->found[k] = *f;
				memset(f, 0, sizeof *f);
			}
			k++;
		} else {
			free(f->category);
			free(f->reason);
		}
	}
	run->nfound = k;
}

static int
by_start(const void *a, const void *b)
{
	const struct md_found *x = a, *y = b;

	if (x->nstart != y->nstart)
		return x->nstart < y->nstart ? -1 : 1;
	return strcmp(x->category, y->category);
}

static int
is_space_byte(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Maps spans to the input's bytes, cites the measure items, cuts excerpts. */
static void
finish(struct md_engine *e, const struct run *run, const struct md_text *t,
    const struct md_document *doc, struct md_result *r)
{
	const struct md_item *const *it;
	size_t i, j, n;

	for (i = 0; i < r->n; i++) {
		struct md_found *f = &r->findings[i];
		const struct md_clause *sn = sentence_of(run, doc, f->nstart);
		size_t ss, se, cut;

		f->start = md_text_orig(t, f->nstart);
		f->end = md_text_orig(t, f->nend);
		it = cited_items(e, f->rule, r->measures, &n);
		f->item = n > 0 ? it[0] : NULL;
		if (n > 1) {
			f->also = md_xreallocarray(NULL, n - 1,
			    sizeof *f->also);
			for (j = 1; j < n; j++)
				f->also[f->nalso++] = it[j];
		}
		ss = sn ? md_text_orig(t, sn->start) : f->start;
		se = sn ? md_text_orig(t, sn->end) : f->end;
		if (ss > f->start)
			ss = f->start;
		if (se < f->end)
			se = f->end;
		while (ss < f->start && is_space_byte(t->orig[ss]))
			ss++;
		while (se > f->end && is_space_byte(t->orig[se - 1]))
			se--;
		/* Long sentences: keep context around the span, cut on
		 * character boundaries. */
		if (f->start - ss > EXCERPT_MAX / 2) {
			cut = f->start - EXCERPT_MAX / 2;
			while (cut < f->start &&
			    ((unsigned char)t->orig[cut] & 0xc0) == 0x80)
				cut++;
			ss = cut;
		}
		if (se - f->end > EXCERPT_MAX / 2) {
			cut = f->end + EXCERPT_MAX / 2;
			while (cut > f->end &&
			    ((unsigned char)t->orig[cut] & 0xc0) == 0x80)
				cut--;
			se = cut;
		}
		f->excerpt = md_xstrndup(t->orig + ss, se - ss);
		f->ex_start = f->start - ss;
		f->ex_end = f->end - ss;
	}
}

int
md_engine_check(struct md_engine *e, const struct md_input *in,
    struct md_result *r, struct md_error *err)
{
	struct md_text t;
	struct md_document doc;
	struct md_sink sink;
	struct run run;
	size_t bad, i, nmemo[3], had;
	int rc;

	memset(r, 0, sizeof *r);
	rc = md_text_init(&t, in->text, in->len, &bad);
	if (rc == -EILSEQ) {
		md_error_set(err, "%s: invalid UTF-8 at byte %zu", in->name,
		    bad);
		return -1;
	}
	if (rc != 0) {
		md_error_set(err, "%s: %s", in->name, strerror(-rc));
		return -1;
	}
	if (in->date != NULL && !md_date_valid(in->date)) {
		md_error_set(err, "%s: date \"%s\" is not a valid YYYY-MM-DD "
		    "date", in->name, in->date);
		md_text_release(&t);
		return -1;
	}
	choose_date(in, &t, r);
	r->measures = md_catalog_in_force(&e->catalog, r->date);
	if (r->measures == NULL) {
		md_text_release(&t);
		return 0;
	}

	memset(&doc, 0, sizeof doc);
	md_text_document(&t, &doc);
	doc.kind = in->kind ? in->kind : "notice";
	doc.date = r->date;
	doc.version = r->measures->version;

	memset(&run, 0, sizeof run);
	run.doc = &doc;
	run.measures = r->measures;
	nmemo[0] = e->nconds * doc.nsentences + 1;
	nmemo[1] = e->nconds * doc.nclauses + 1;
	nmemo[2] = e->nrules * doc.nsentences + 1;
	had = e->s_memo.cap;
	run.in_sentence = scratch(&e->s_memo, nmemo[0] + nmemo[1] + nmemo[2],
	    sizeof *run.in_sentence);
	if (e->s_memo.cap != had || e->epoch == MEMO_EPOCHS) {
		memset(e->s_memo.p, 0, e->s_memo.cap * sizeof *run.in_sentence);
		e->epoch = 0;
	}
	run.epoch = ++e->epoch;
	run.in_clause = run.in_sentence + nmemo[0];
	run.ruled_out = run.in_clause + nmemo[1];
	run.cands = e->s_cands.p;
	run.cap = e->s_cands.cap;
	run.clause_of = map_clauses(e, &doc);
	find_candidates(e, &run);
	e->run = &run;
	sink.emit = sink_emit;
	sink.host_data = e;
	for (i = 0; i < e->nslots; i++) {
		struct slot *sl = &e->slots[i];

		if (sl->broken || (in->only_plugin != NULL &&
		    strcmp(in->only_plugin, sl->desc->name) != 0))
			continue;
		e->current = sl;
		rc = sl->desc->check(sl->state, &doc, &sink);
		/* A refused plugin's own error is the refusal, counted. */
		if (rc != 0 && !sl->broken) {
			md_log(3, "plugin %s: check of %s failed: %s",
			    sl->desc->name, in->name, strerror(-rc));
			run.plugin_errors++;
		}
	}
	e->current = NULL;
	e->run = NULL;
	dedupe(&run, &doc);
	if (run.nfound > 1)
		qsort(run.found, run.nfound, sizeof *run.found, by_start);
	r->findings = run.found;
	r->n = run.nfound;
	r->not_evaluated = run.not_evaluated;
	r->plugin_errors = run.plugin_errors;
	finish(e, &run, &t, &doc, r);
	e->s_cands.p = run.cands;
	e->s_cands.cap = run.cap;
	free(run.doc_conds);
	md_text_release(&t);
	return 0;
}

void
md_result_free(struct md_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->findings[i].category);
		free(r->findings[i].excerpt);
		free(r->findings[i].reason);
		free(r->findings[i].also);
	}
	free(r->findings);
	memset(r, 0, sizeof *r);
}

/* --- rule examples ----------------------------------------------------- */

size_t
md_engine_test_rules(struct md_engine *e, FILE *out, size_t *total)
{
	size_t s, i, x, k, failures = 0;

	*total = 0;
	for (s = 0; s < e->nslots; s++) {
		struct slot *sl = &e->slots[s];

		for (i = 0; sl->pack != NULL && i < sl->pack->nrules; i++) {
			const struct md_rule *r = &sl->pack->rules[i];

			for (x = 0; x < r->nexamples; x++) {
				const struct md_example *ex = &r->examples[x];
				struct md_input in = { 0 };
				struct md_result res;
				struct md_error err = { 0 };
				int hit = 0;

				(*total)++;
				in.name = r->file;
				in.text = ex->text;
				in.len = strlen(ex->text);
				in.kind = ex->kind;
				in.date = ex->date ? ex->date :
				    r->cites[0].version;
				in.only_plugin = sl->desc->name;
				if (md_engine_check(e, &in, &res, &err) != 0) {
					fprintf(out, "%s:%d: rule %s: example "
					    "cannot be checked: %s\n", r->file,
					    ex->line, r->id, err.msg);
					failures++;
					continue;
				}
				for (k = 0; k < res.n; k++)
					if (res.findings[k].rule == r)
						hit = 1;
				if (hit != ex->expect_match) {
					fprintf(out, "%s:%d: rule %s: example "
					    "should %s but %s (dated %s)\n",
					    r->file, ex->line, r->id,
					    ex->expect_match ? "match" :
					    "not match", hit ? "matched" :
					    "did not", res.date);
					failures++;
				}
				md_result_free(&res);
			}
		}
	}
	return failures;
}

size_t
md_engine_nplugins(const struct md_engine *e)
{
	return e->nslots;
}

size_t
md_engine_nrules(const struct md_engine *e)
{
	return e->nrules;
}

const struct md_catalog *
md_engine_catalog(const struct md_engine *e)
{
	return &e->catalog;
}

const char *
md_engine_prefilter(const struct md_engine *e)
{
	return md_prefilter_name(e->pfs[0]);
}

int
md_engine_plugin(const struct md_engine *e, size_t i,
    struct md_plugin_info *out)
{
	const struct slot *sl;

	if (i >= e->nslots)
		return -1;
	sl = &e->slots[i];
	out->name = sl->desc->name;
	out->version = sl->desc->version;
	out->path = sl->op.path;
	out->categories = sl->desc->categories;
	out->pack = sl->pack;
	out->usable = sl->initialized && !sl->broken;
	return 0;
}
