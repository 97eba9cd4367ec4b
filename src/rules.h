/*
 * rules.h - rule packs: XML files (etc/schema/rules.rng) compiled to PCRE2
 * with JIT, match and depth limits.  Each rule has an id, a category, the
 * measure items it cites per version, a severity, patterns, conditions and
 * its own example sentences, which `measured -T` runs as tests.
 */
#ifndef MD_RULES_H
#define MD_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "util.h"

/* Limits on every match: a hit means "not evaluated", never "no match". */
#define MD_MATCH_LIMIT 200000u
#define MD_DEPTH_LIMIT 2000u
#define MD_HEAP_LIMIT_KB 8192u
#define MD_JIT_STACK_MAX (512u * 1024u)

struct md_litset;

struct md_regex {
	pcre2_code *code;
	char *src;
	/* Literals every match contains (see md_literals_extract), and a
	 * litset of them: a region holding none of them cannot match, and
	 * the litset says so faster than PCRE2 does on CJK text. */
	char **lits;
	size_t nlits;
	struct md_litset *pre;
	int nonempty;		/* it had such literals: no match is empty */
	/* A plain pattern ("确诊|阳性|全(?:区|市)", see md_literals_plain)
	 * is searched by the litset of the strings it matches, in PCRE2's
	 * order, and PCRE2 is not run at all. */
	char **alts;
	size_t nalts;
	struct md_litset *plain;
	/* When every match starts with one of a set of literals (see
	 * md_literals_prefix), the engine tries the pattern anchored where
	 * they occur instead of scanning: prefix_id is its id in the
	 * prefilter, anchored its anchored code. */
	pcre2_code *anchored;
	size_t prefix_id;
	/* Its prefix literals in groups, each with its own prefilter id
	 * (prefix_id is the first group's) and the id of literals one of
	 * which a match starting with one of the group's holds after it
	 * (0: none but watch_id's).  See build_prefilter. */
	struct md_prefix_group {
		size_t prefix_id;
		size_t rest_id;
	} *groups;
	size_t ngroups;
	/* The engine's id for literals the prefilter watches for it (0:
	 * none): the strings a plain pattern matches, else those every
	 * match holds. */
	size_t watch_id;
	/* For a pattern scanned in the sentences holding one of lits: the
	 * engine's id for a second set of literals every match holds (see
	 * md_literals_second), 0 when there is none.  A sentence without
	 * one of them is not scanned. */
	size_t also_id;
};

/* Per-thread match state: match data, context with limits, JIT stack. */
struct md_matcher {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	unsigned long limit_hits;	/* matches abandoned at a limit */
};

/* Compiles pattern with UTF, UCP and JIT.  0, or -1 with msg (e.g.
 * "at offset 3: missing closing parenthesis"). */
int md_regex_compile(struct md_regex *re, const char *pattern, char *msg,
    size_t msglen);
void md_regex_free(struct md_regex *re);
/* Drops re's literal precheck (when something else, the prefilter, has
 * looked for its literals already). */
void md_regex_drop_precheck(struct md_regex *re);

/* Compiles the anchored form of re (for md_regex_match_at).  0 or -1. */
int md_regex_anchor(struct md_regex *re);
/* One anchored attempt of re at start, seeing text up to to: 1 with *end,
 * 0, or -ERANGE at a limit (counted). */
int md_regex_match_at(const struct md_regex *re, struct md_matcher *m,
    const char *text, size_t start, size_t to, size_t *end);

void md_matcher_init(struct md_matcher *m);
void md_matcher_free(struct md_matcher *m);

/* Searches text[from, to) (to bounds what the pattern can see ahead, from
 * is where it starts; look-behind may see before from).  text must be
 * followed by MD_TEXT_PAD initialized bytes (see text.h), as normalized
 * text is: PCRE2's JIT reads ahead of the subject.  1 with *s, *e on a
 * match, 0 on none, -ERANGE on a limit (counted in m->limit_hits). */
int md_regex_search(const struct md_regex *re, struct md_matcher *m,
    const char *text, size_t from, size_t to, size_t *s, size_t *e);
/* md_regex_search when the caller knows that one of re's literals lies
 * in text[from, to): PCRE2 without the precheck. */
int md_regex_search_known(const struct md_regex *re, struct md_matcher *m,
    const char *text, size_t from, size_t to, size_t *s, size_t *e);

enum md_cond_scope { MD_IN_CLAUSE, MD_IN_SENTENCE, MD_IN_DOCUMENT };

struct md_cond {
	int require;		/* 1: must co-occur; 0: must not */
	enum md_cond_scope scope;
	struct md_regex re;
	int line;
	size_t index;		/* global index, for the engine's memo */
};

struct md_cite {
	char *version;
	char *item;
};

struct md_example {
	int expect_match;
	char *text;
	char *date;		/* NULL: the cited version's first day */
	char *kind;		/* NULL: "notice" */
	int line;
};

struct md_rule {
	char *id;
	char *category;
	char *reason;
	int severity;
	double confidence;
	int ignore_scope;	/* matches under negation still count */
	char *file;
	int line;
	size_t index;		/* global index, for the prefilter bitmap */
	struct md_cite *cites;
	size_t ncites;
	struct md_regex *patterns;
	size_t npatterns;
	struct md_cond *conds;
	size_t nconds;
	struct md_example *examples;
	size_t nexamples;
};

struct md_rulepack {
	char *plugin;
	char *file;
	struct md_rule *rules;
	size_t nrules;
};

/* Loads and compiles a rule pack.  NULL with err "file:line: ..." */
struct md_rulepack *md_rulepack_load(const char *path, const char *schema,
    struct md_error *err);
void md_rulepack_free(struct md_rulepack *pack);

/* The cite of rule for version, in order; NULL when the rule does not apply
 * under that version.  *n is the number of cites for it. */
const struct md_cite *md_rule_cites(const struct md_rule *rule,
    const char *version, size_t *n);

#endif /* MD_RULES_H */
