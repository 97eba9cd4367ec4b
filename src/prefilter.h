/*
 * prefilter.h - the multi-pattern prefilter.
 *
 * Running every rule's PCRE2 pattern over every document costs one pass per
 * rule.  Instead, the literals that any match of a rule must contain are
 * extracted from its patterns, all of them go into one automaton (Hyperscan
 * when it was found at build time, else our own Aho-Corasick), and one pass
 * over the document says which rules can match at all.  Only those run
 * their exact PCRE2 match.  A rule with no extractable literal always runs.
 * The prefilter may say "maybe" wrongly, never "no" wrongly.
 */
#ifndef MD_PREFILTER_H
#define MD_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * The literals every match of pattern contains at least one of.  Returns
 * the number stored in *lits (a malloc'd array of malloc'd strings, freed
 * by the caller) and sets *caseless when the pattern is (partly) caseless;
 * 0 when no useful set exists (the rule must always run).
 */
size_t md_literals_extract(const char *pattern, char ***lits, int *caseless);

/*
 * Another set of literals every match of pattern contains one of, none of
 * them inside or around a string of first (the set md_literals_extract
 * gave): the best such set of one of the parts of the pattern's top-level
 * sequence ("(?:不得|禁止)[^,]{0,4}(?:回村|返乡)" gives 回村 and 返乡 when
 * first holds 不得 and 禁止).  Each is at least two CJK characters (6
 * bytes) long: single characters occur everywhere.  Returns their number
 * in *lits (as md_literals_extract), or 0 when there is none or the
 * pattern is caseless or has a top-level |.
 */
size_t md_literals_second(const char *pattern, char *const *first,
    size_t nfirst, char ***lits);
/*
 * The literals every match of pattern starts with, when there is such a
 * set (an alternation of phrases: "停课|暂停(?:线下)?教学" starts with 停课,
 * 暂停线下教学 or 暂停教学); each is at least one CJK character long.
 * Returns their number in *lits (as md_literals_extract), or 0 when some
 * match could start otherwise or the pattern is caseless.
 */
size_t md_literals_prefix(const char *pattern, char ***lits);

/*
 * For a pattern md_literals_prefix gives prefixes for, branch by branch
 * (its top-level alternatives): the branch's prefix literals, and the
 * literals one of which every match of the branch holds after its prefix
 * (全区[^,;。]{0,16}(?:核酸检测|筛查) gives 全区, then 核酸检测 and 筛查);
 * rest is NULL, nrest 0, when there is no such set of literals of one
 * character or more.  Returns the number of branches in *out (freed with
 * md_branch_lits_free), or 0 when md_literals_prefix would give none.
 */
struct md_branch_lits {
	char **prefix;
	size_t nprefix;
	char **rest;
	size_t nrest;
};
size_t md_literals_branches(const char *pattern,
    struct md_branch_lits **out);
void md_branch_lits_free(struct md_branch_lits *b, size_t n);

/*
 * When pattern is plain (literal characters, alternation and (?:...)
 * groups only: "确诊|阳性|全(?:区|市)"), every string it matches, in the
 * order PCRE2 tries them: at the leftmost position where one occurs, the
 * first of them in this order that occurs is the match.  Returns their
 * number in *lits (as md_literals_extract), or 0 for any other pattern.
 */
size_t md_literals_plain(const char *pattern, char ***lits);

enum md_prefilter_impl {
	MD_PF_AUTO = 0,		/* Hyperscan if built with it, else AC */
	MD_PF_AHO_CORASICK,
	MD_PF_HYPERSCAN
};

struct md_prefilter;

struct md_prefilter *md_prefilter_new(size_t nrules);
/* Rule `rule` may match only where lit occurs. */
void md_prefilter_add(struct md_prefilter *pf, const char *lit, size_t len,
    int caseless, size_t rule);
/* Rule `rule` has no literal: always a candidate. */
void md_prefilter_always(struct md_prefilter *pf, size_t rule);
/* Builds the automaton.  0, or -1 with err (e.g. Hyperscan asked for but
 * not built in). */
int md_prefilter_build(struct md_prefilter *pf, enum md_prefilter_impl impl,
    struct md_error *err);
/* Which implementation was built: "hyperscan" or "aho-corasick". */
const char *md_prefilter_name(const struct md_prefilter *pf);
/* Bytes of the bitmap md_prefilter_scan fills. */
size_t md_prefilter_bitmap_size(const struct md_prefilter *pf);
/*
 * Calls hit(arg, id, end, len) for every occurrence of every literal in
 * text, once per id the literal was added with; end is the offset just
 * past the occurrence and len the literal's length.  Ids without literals
 * are not reported: ask md_prefilter_always_of().  Occurrences come in no
 * particular order.
 */
typedef void (*md_prefilter_hit)(void *arg, size_t id, size_t end,
    size_t len);
/* The end reported when the scan failed: the rule may match anywhere. */
#define MD_PREFILTER_EVERYWHERE ((size_t)-1)
void md_prefilter_scan(struct md_prefilter *pf, const char *text, size_t len,
    md_prefilter_hit hit, void *arg);

/*
 * Where the literals of one id occur: sorted by start, and of those that
 * start alike only the shortest.  Offsets are 32 bits: the scan refuses
 * longer texts.
 */
struct md_occ {
	uint32_t at;		/* where one of the id's literals starts */
	uint32_t end;		/* and ends */
};

struct md_occ_list {
	struct md_occ *v;
	uint32_t n, cap;
};

/*
 * md_prefilter_scan, but the occurrences of the ids from the nrules given
 * to md_prefilter_new up are filed in occs[id - nrules] instead of
 * reported one call each: most hits are of those ids, and a call per hit
 * was a tenth of a check.  The caller provides one list per such id,
 * empties them (n = 0) before a scan and frees each v: the scan grows
 * them with realloc.  hit still gets the rules' hits and, on a failed
 * scan (or a text of 4 GB or more), MD_PREFILTER_EVERYWHERE.
 */
void md_prefilter_scan_occs(struct md_prefilter *pf, const char *text,
    size_t len, md_prefilter_hit hit, void *arg, struct md_occ_list *occs);
/* 1 when rule has no literal and must run everywhere. */
int md_prefilter_always_of(const struct md_prefilter *pf, size_t rule);
/* Sets bit r of bitmap for every rule r that may match text (literal
 * found, or always). */
void md_prefilter_scan_bitmap(struct md_prefilter *pf, const char *text,
    size_t len, uint8_t *bitmap);
size_t md_prefilter_nliterals(const struct md_prefilter *pf);
void md_prefilter_free(struct md_prefilter *pf);

static inline int
md_bit_test(const uint8_t *bm, size_t i)
{
	return (bm[i >> 3] >> (i & 7)) & 1;
}

static inline void
md_bit_set(uint8_t *bm, size_t i)
{
	bm[i >> 3] |= (uint8_t)(1u << (i & 7));
}

#endif /* MD_PREFILTER_H */
