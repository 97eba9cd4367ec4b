/*
 * test_prefilter.c - required-literal extraction and the multi-literal
 * automata.  The property that matters: the prefilter never rules out a
 * rule whose pattern matches.  It is checked over every bundled rule and
 * every example and case text, for both implementations, which must also
 * agree with each other.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"		/* memmem */
#endif

#include <glob.h>

#include "litset.h"
#include "prefilter.h"
#include "rules.h"
#include "text.h"
#include "testutil.h"

static int
has(char **lits, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(lits[i], s) == 0)
			return 1;
	return 0;
}

static void
free_lits(char **lits, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lits[i]);
	free(lits);
}

START_TEST(extract_literals)
{
	char **l;
	int ci;
	size_t n;

	n = md_literals_extract("停课", &l, &ci);
	ck_assert_uint_eq(n, 1);
	ck_assert(has(l, n, "停课"));
	free_lits(l, n);

	/* Alternations multiply out into longer literals. */
	n = md_literals_extract("(?:全区|全市)停课", &l, &ci);
	ck_assert_uint_eq(n, 2);
	ck_assert(has(l, n, "全区停课") && has(l, n, "全市停课"));
	free_lits(l, n);

	n = md_literals_extract("暂停(?:线下)?教学", &l, &ci);
	ck_assert_uint_eq(n, 2);
	ck_assert(has(l, n, "暂停教学") && has(l, n, "暂停线下教学"));
	free_lits(l, n);

	/* A class or wildcard splits; the longest required part is kept. */
	n = md_literals_extract("[0-9]+天核酸[^,]{0,4}检测", &l, &ci);
	ck_assert_uint_eq(n, 1);
	ck_assert(has(l, n, "天核酸"));
	free_lits(l, n);

	/* Top-level alternation: one literal per branch. */
	n = md_literals_extract("静默|足不出户|封城", &l, &ci);
	ck_assert_uint_eq(n, 3);
	free_lits(l, n);

	/* Look-behind is zero-width and adds nothing required. */
	n = md_literals_extract("(?<!未)经批准", &l, &ci);
	ck_assert_uint_eq(n, 1);
	ck_assert(has(l, n, "经批准"));
	free_lits(l, n);

	n = md_literals_extract("\\x{505c}课", &l, &ci);
	ck_assert_uint_eq(n, 1);
	ck_assert(has(l, n, "停课"));
	free_lits(l, n);

	n = md_literals_extract("(?i)covid", &l, &ci);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ci, 1);
	free_lits(l, n);
}
END_TEST

START_TEST(prefix_literals)
{
	char **l;
	size_t n;

	n = md_literals_prefix("停课|暂停(?:线下)?教学", &l);
	ck_assert_uint_eq(n, 3);
	ck_assert(has(l, n, "停课") && has(l, n, "暂停教学") &&
	    has(l, n, "暂停线下教学"));
	free_lits(l, n);

	/* A look-behind adds nothing; the prefix stops at a class. */
	n = md_literals_prefix("(?<!未)经[^,]{0,8}批准", &l);
	ck_assert_uint_eq(n, 1);
	ck_assert(has(l, n, "经"));
	free_lits(l, n);

	/* No prefix when a match may start with anything. */
	ck_assert_uint_eq(md_literals_prefix("[^,]{0,4}停课", &l), 0);
	ck_assert_uint_eq(md_literals_prefix("(?:全区)?停课", &l), 2);
	free_lits(l, 2);
	ck_assert_uint_eq(md_literals_prefix("停课|\\d+天", &l), 0);
	ck_assert_uint_eq(md_literals_prefix("(?i)abc", &l), 0);
	ck_assert_uint_eq(md_literals_prefix("a[^,]停课", &l), 0); /* "a" */
	ck_assert_uint_eq(md_literals_prefix("(停课", &l), 0);
}
END_TEST

/* Branch by branch: the prefixes, and what every match holds after
 * them (testing.mass.region's shape: its whole required set is its
 * prefixes). */
START_TEST(branch_literals)
{
	struct md_branch_lits *b;
	size_t n;

	n = md_literals_branches("(?:全员|全域)核酸|(?:全区|全市)[^,;。]{0,16}"
	    "(?:开展)?[^,;。]{0,8}(?:核酸检测|筛查)|(?:全体|全区)[^,;。]{0,4}"
	    "(?:居民|人员)[^,;。]{0,12}(?:核酸|检|筛)", &b);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(b[0].nprefix, 2);
	ck_assert(has(b[0].prefix, 2, "全员核酸") &&
	    has(b[0].prefix, 2, "全域核酸"));
	ck_assert_uint_eq(b[0].nrest, 0);	/* all prefix */
	ck_assert_uint_eq(b[1].nprefix, 2);
	ck_assert(has(b[1].prefix, 2, "全区") && has(b[1].prefix, 2, "全市"));
	ck_assert_uint_eq(b[1].nrest, 2);
	ck_assert(has(b[1].rest, 2, "核酸检测") && has(b[1].rest, 2, "筛查"));
	/* The best set after the prefix, as md_literals_extract picks:
	 * fewer of the same shortest length. */
	ck_assert_uint_eq(b[2].nrest, 2);
	ck_assert(has(b[2].rest, 2, "居民") && has(b[2].rest, 2, "人员"));
	md_branch_lits_free(b, n);

	/* One character after the prefix is a set; an ASCII one is not. */
	n = md_literals_branches("停课[^。]{0,4}天", &b);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(b[0].nrest, 1);
	md_branch_lits_free(b, n);
	n = md_literals_branches("停课[^。]{0,4}d", &b);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(b[0].nrest, 0);
	md_branch_lits_free(b, n);

	/* None where md_literals_prefix gives none. */
	ck_assert_uint_eq(md_literals_branches("停课|\\d+天", &b), 0);
	ck_assert_uint_eq(md_literals_branches("[^,]{0,4}停课", &b), 0);
}
END_TEST

/* 1 when one of lits occurs in s[0, n). */
static int
holds_one(const char *s, size_t n, char **lits, size_t nl)
{
	size_t i;

	for (i = 0; i < nl; i++)
		if (memmem(s, n, lits[i], strlen(lits[i])) != NULL)
			return 1;
	return 0;
}

START_TEST(second_literals)
{
	char **first, **l;
	int ci;
	size_t nf, n;
	const char *pat = "(?:一律)?(?:不得|禁止)[^,;。]{0,4}(?:回村|返乡|进小区)";

	/* The extractor takes the negators (as long as the places, and
	 * fewer); the second set is the places. */
	nf = md_literals_extract(pat, &first, &ci);
	ck_assert_uint_eq(nf, 2);
	ck_assert(has(first, nf, "不得") && has(first, nf, "禁止"));
	n = md_literals_second(pat, first, nf, &l);
	ck_assert_uint_eq(n, 3);
	ck_assert(has(l, n, "回村") && has(l, n, "返乡") &&
	    has(l, n, "进小区"));
	ck_assert(holds_one("一律不得回村", strlen("一律不得回村"), l, n));
	free_lits(l, n);
	free_lits(first, nf);

	/* No second set: one part only, a top-level |, a caseless
	 * pattern, or only optional parts left. */
	nf = md_literals_extract("停课", &first, &ci);
	ck_assert_uint_eq(md_literals_second("停课", first, nf, &l), 0);
	free_lits(first, nf);
	nf = md_literals_extract("停课|封校", &first, &ci);
	ck_assert_uint_eq(md_literals_second("停课封校|封校停课", first, nf,
	    &l), 0);
	free_lits(first, nf);
	ck_assert_uint_eq(md_literals_second("(?i)停课abc", NULL, 0, &l), 0);
	nf = md_literals_extract("停课[^,]{0,4}(?:全区)?", &first, &ci);
	ck_assert_uint_eq(md_literals_second("停课[^,]{0,4}(?:全区)?", first,
	    nf, &l), 0);
	free_lits(first, nf);
	/* Single characters are too common to be worth watching. */
	nf = md_literals_extract("停课[^,]{0,4}[天日]", &first, &ci);
	ck_assert_uint_eq(md_literals_second("停课[^,]{0,4}[天日]", first,
	    nf, &l), 0);
	free_lits(first, nf);
	nf = md_literals_extract("停课[^,]{0,4}[天日]期", &first, &ci);
	n = md_literals_second("停课[^,]{0,4}[天日]期", first, nf, &l);
	ck_assert_uint_eq(n, 2);
	ck_assert(has(l, n, "天期") && has(l, n, "日期"));
	free_lits(l, n);
	free_lits(first, nf);
}
END_TEST

START_TEST(no_literal_means_always)
{
	char **l;
	int ci;

	ck_assert_uint_eq(md_literals_extract("a.*b", &l, &ci), 0);
	ck_assert_uint_eq(md_literals_extract("\\d+", &l, &ci), 0);
	ck_assert_uint_eq(md_literals_extract("(?:停课)?", &l, &ci), 0);
	ck_assert_uint_eq(md_literals_extract("停课|\\w+", &l, &ci), 0);
	ck_assert_uint_eq(md_literals_extract("(停课", &l, &ci), 0);
	ck_assert_uint_eq(md_literals_extract("(停课)\\1", &l, &ci), 0);
	ck_assert_uint_eq(md_literals_extract("(?x) 停 课", &l, &ci), 0);
}
END_TEST

static void
scan_basic(enum md_prefilter_impl impl)
{
	struct md_error err = { 0 };
	struct md_prefilter *pf = md_prefilter_new(4);
	uint8_t bm[1];

	md_prefilter_add(pf, "停课", strlen("停课"), 0, 0);
	md_prefilter_add(pf, "课程", strlen("课程"), 0, 1);
	md_prefilter_add(pf, "Omicron", 7, 1, 2);
	md_prefilter_always(pf, 3);
	ck_assert_int_eq(md_prefilter_build(pf, impl, &err), 0);
	md_prefilter_scan_bitmap(pf, "开设课程", strlen("开设课程"), bm);
	ck_assert_uint_eq(bm[0], (1u << 1) | (1u << 3));
	md_prefilter_scan_bitmap(pf, "全区停课程", strlen("全区停课程"), bm);
	ck_assert_uint_eq(bm[0], 1u | (1u << 1) | (1u << 3));
	md_prefilter_scan_bitmap(pf, "OMICRON 停", strlen("OMICRON 停"), bm);
	ck_assert_uint_eq(bm[0], (1u << 2) | (1u << 3));
	md_prefilter_scan_bitmap(pf, "", 0, bm);
	ck_assert_uint_eq(bm[0], 1u << 3);
	md_prefilter_free(pf);
}

START_TEST(aho_corasick_scan)
{
	scan_basic(MD_PF_AHO_CORASICK);
}
END_TEST

static void
rule_hit(void *arg, size_t id, size_t end, size_t len)
{
	size_t *hits = arg;

	(void)len;
	ck_assert_uint_lt(id, 1);
	ck_assert_uint_ne(end, MD_PREFILTER_EVERYWHERE);
	(*hits)++;
}

/*
 * Ids from the first given up are filed, not reported: in order of start
 * however the hits came (乙 ends, and is reported, before 甲乙丙 that
 * starts first), one per start and that the shortest (全区 and 全区域 both
 * start at 全), the lists emptied by the caller between scans.
 */
static void
occs_filed(enum md_prefilter_impl impl)
{
	struct md_error err = { 0 };
	struct md_prefilter *pf = md_prefilter_new(1);
	struct md_occ_list occs[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
	const char *t = "甲乙丙，全区域停课";
	size_t hits = 0, i;

	md_prefilter_add(pf, "停课", strlen("停课"), 0, 0);
	md_prefilter_add(pf, "甲乙丙", strlen("甲乙丙"), 0, 1);
	md_prefilter_add(pf, "乙", strlen("乙"), 0, 1);
	md_prefilter_add(pf, "全区域", strlen("全区域"), 0, 2);
	md_prefilter_add(pf, "全区", strlen("全区"), 0, 2);
	md_prefilter_add(pf, "停课", strlen("停课"), 0, 2);
	ck_assert_int_eq(md_prefilter_build(pf, impl, &err), 0);
	for (i = 0; i < 2; i++) {
		occs[0].n = occs[1].n = 0;
		hits = 0;
		md_prefilter_scan_occs(pf, t, strlen(t), rule_hit, &hits,
		    occs);
		ck_assert_uint_eq(hits, 1);
		ck_assert_uint_eq(occs[0].n, 2);
		ck_assert_uint_eq(occs[0].v[0].at, 0);
		ck_assert_uint_eq(occs[0].v[0].end, 9);
		ck_assert_uint_eq(occs[0].v[1].at, 3);
		ck_assert_uint_eq(occs[0].v[1].end, 6);
		ck_assert_uint_eq(occs[1].n, 2);
		ck_assert_uint_eq(occs[1].v[0].at, 12);
		ck_assert_uint_eq(occs[1].v[0].end, 18);
		ck_assert_uint_eq(occs[1].v[1].at, 21);
		ck_assert_uint_eq(occs[1].v[1].end, 27);
	}
	free(occs[0].v);
	free(occs[1].v);
	md_prefilter_free(pf);
}

#ifdef HAVE_HYPERSCAN
/*
 * With Hyperscan the hits are logged during the scan and reported after
 * it: more of them than the log first holds, each reported once a scan
 * (the log starts empty again), in order.
 */
START_TEST(occs_logged_hyperscan)
{
	struct md_error err = { 0 };
	struct md_prefilter *pf = md_prefilter_new(1);
	struct md_occ_list occs[1] = { { NULL, 0, 0 } };
	size_t n = 1000, hits, i, round;
	char *t = md_xmalloc(n * 6 + 1);

	for (i = 0; i < n; i++)
		memcpy(t + 6 * i, "停课", 6);
	t[6 * n] = '\0';
	md_prefilter_add(pf, "停课", strlen("停课"), 0, 0);
	md_prefilter_add(pf, "停课", strlen("停课"), 0, 1);
	ck_assert_int_eq(md_prefilter_build(pf, MD_PF_HYPERSCAN, &err), 0);
	for (round = 0; round < 2; round++) {
		occs[0].n = 0;
		hits = 0;
		md_prefilter_scan_occs(pf, t, strlen(t), rule_hit, &hits,
		    occs);
		ck_assert_uint_eq(hits, n);
		ck_assert_uint_eq(occs[0].n, n);
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(occs[0].v[i].at, 6 * i);
	}
	free(occs[0].v);
	free(t);
	md_prefilter_free(pf);
}
END_TEST
#endif

START_TEST(occs_filed_aho_corasick)
{
	occs_filed(MD_PF_AHO_CORASICK);
}
END_TEST

#ifdef HAVE_HYPERSCAN
START_TEST(occs_filed_hyperscan)
{
	occs_filed(MD_PF_HYPERSCAN);
}
END_TEST
#endif

static void
count_hit(void *arg, size_t id, size_t end, size_t len)
{
	size_t *hits = arg;

	(void)end;
	(void)len;
	ck_assert_uint_lt(id, 2);
	hits[id]++;
}

/*
 * A literal whose every occurrence holds one of the same id's that tells
 * as much is not reported for that id: for a rule, one inside it
 * (全员核酸检测 holds 核酸: the same sentence); for the ids filed, only
 * one that starts it (全员 starts 全员核酸: the same start, and the list
 * keeps the shortest).  Other ids of the same literal still get it, and
 * a filed id's literal that merely holds another is still filed.
 */
static void
implied_literals(enum md_prefilter_impl impl)
{
	struct md_error err = { 0 };
	struct md_prefilter *pf = md_prefilter_new(2);
	struct md_occ_list occs[3] = { { NULL, 0, 0 }, { NULL, 0, 0 },
		{ NULL, 0, 0 } };
	const char *t = "全员核酸检测";
	size_t hits[2] = { 0, 0 }, i;

	md_prefilter_add(pf, "核酸", strlen("核酸"), 0, 0);
	md_prefilter_add(pf, "全员核酸检测", strlen("全员核酸检测"), 0, 0);
	md_prefilter_add(pf, "全员核酸检测", strlen("全员核酸检测"), 0, 1);
	md_prefilter_add(pf, "核酸", strlen("核酸"), 0, 2);
	md_prefilter_add(pf, "全员核酸", strlen("全员核酸"), 0, 2);
	md_prefilter_add(pf, "全员", strlen("全员"), 0, 3);
	md_prefilter_add(pf, "全员核酸", strlen("全员核酸"), 0, 3);
	md_prefilter_add(pf, "全员核酸", strlen("全员核酸"), 0, 4);
	ck_assert_int_eq(md_prefilter_build(pf, impl, &err), 0);
	md_prefilter_scan_occs(pf, t, strlen(t), count_hit, hits, occs);
	ck_assert_uint_eq(hits[0], 1);
	ck_assert_uint_eq(hits[1], 1);
	ck_assert_uint_eq(occs[0].n, 2);
	ck_assert_uint_eq(occs[0].v[0].at, 0);
	ck_assert_uint_eq(occs[0].v[0].end, 12);
	ck_assert_uint_eq(occs[0].v[1].at, 6);
	ck_assert_uint_eq(occs[0].v[1].end, 12);
	ck_assert_uint_eq(occs[1].n, 1);
	ck_assert_uint_eq(occs[1].v[0].at, 0);
	ck_assert_uint_eq(occs[1].v[0].end, 6);
	ck_assert_uint_eq(occs[2].n, 1);
	ck_assert_uint_eq(occs[2].v[0].end, 12);
	/* Where only 全员 occurs, only id 3 has it. */
	memset(hits, 0, sizeof hits);
	for (i = 0; i < 3; i++)
		occs[i].n = 0;
	md_prefilter_scan_occs(pf, "全员", strlen("全员"), count_hit, hits,
	    occs);
	ck_assert_uint_eq(hits[0] + hits[1], 0);
	ck_assert_uint_eq(occs[1].n, 1);
	for (i = 0; i < 3; i++)
		free(occs[i].v);
	md_prefilter_free(pf);
}

START_TEST(implied_literals_aho_corasick)
{
	implied_literals(MD_PF_AHO_CORASICK);
}
END_TEST

#ifdef HAVE_HYPERSCAN
START_TEST(implied_literals_hyperscan)
{
	implied_literals(MD_PF_HYPERSCAN);
}
END_TEST
#endif

START_TEST(overlapping_literals)
{
	struct md_error err = { 0 };
	struct md_prefilter *pf = md_prefilter_new(3);
	uint8_t bm[1];

	/* "he", "she", "hers": the classic failure-link case. */
	md_prefilter_add(pf, "he", 2, 0, 0);
	md_prefilter_add(pf, "she", 3, 0, 1);
	md_prefilter_add(pf, "hers", 4, 0, 2);
	ck_assert_int_eq(md_prefilter_build(pf, MD_PF_AHO_CORASICK, &err), 0);
	md_prefilter_scan_bitmap(pf, "ushers", 6, bm);
	ck_assert_uint_eq(bm[0], 7);
	md_prefilter_scan_bitmap(pf, "sh", 2, bm);
	ck_assert_uint_eq(bm[0], 0);
	md_prefilter_free(pf);
}
END_TEST

#ifdef HAVE_HYPERSCAN
START_TEST(hyperscan_scan)
{
	scan_basic(MD_PF_HYPERSCAN);
}
END_TEST
#endif

/* Every rule of every bundled pack, against every example and case text:
 * a pattern match implies the prefilter bit. */
struct corpus {
	char **texts;
	size_t n;
};

/* Copies s with MD_TEXT_PAD zeros after it, as md_regex_search needs. */
static void
add_text(struct corpus *c, const char *s)
{
	size_t len = strlen(s);
	char *t = md_xcalloc(1, len + 1 + MD_TEXT_PAD);

	memcpy(t, s, len);
	c->texts = md_xreallocarray(c->texts, c->n + 1, sizeof *c->texts);
	c->texts[c->n++] = t;
}

static void
never_misses(enum md_prefilter_impl impl)
{
	static const char *packs[] = {
		MD_SRCDIR "/plugins/closure/closure.rules.xml",
		MD_SRCDIR "/plugins/traffic/traffic.rules.xml",
		MD_SRCDIR "/plugins/testing/testing.rules.xml",
	};
	struct md_rulepack *pk[3];
	const struct md_rule *rules[256];
	struct md_error err = { 0 };
	struct corpus c = { 0 };
	struct md_prefilter *pf, *other;
	struct md_matcher m;
	size_t nr = 0, i, j, p, k, checked = 0;
	glob_t g;
	uint8_t *bm, *bm2;

	for (i = 0; i < 3; i++) {
		pk[i] = md_rulepack_load(packs[i], MD_SRCDIR
		    "/etc/schema/rules.rng", &err);
		ck_assert_msg(pk[i] != NULL, "%s", err.msg);
		for (j = 0; j < pk[i]->nrules; j++) {
			rules[nr] = &pk[i]->rules[j];
			for (k = 0; k < rules[nr]->nexamples; k++)
				add_text(&c, rules[nr]->examples[k].text);
			nr++;
		}
	}
	if (glob(MD_SRCDIR "/tests/cases/*/*.case", 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++) {
			size_t len;
			char *t = md_read_file(g.gl_pathv[i], &len, 1 << 20,
			    &err);

			ck_assert_ptr_nonnull(t);
			add_text(&c, t);
			free(t);
		}
		globfree(&g);
	}
	pf = md_prefilter_new(nr);
	other = md_prefilter_new(nr);
	for (i = 0; i < nr; i++) {
		int always = 0;

		for (p = 0; p < rules[i]->npatterns; p++) {
			char **l;
			int ci;
			size_t n = md_literals_extract(rules[i]->patterns[p].src,
			    &l, &ci);

			if (n == 0)
				always = 1;
			for (k = 0; k < n; k++) {
				md_prefilter_add(pf, l[k], strlen(l[k]), ci, i);
				md_prefilter_add(other, l[k], strlen(l[k]), ci,
				    i);
			}
			free_lits(l, n);
		}
		if (always) {
			md_prefilter_always(pf, i);
			md_prefilter_always(other, i);
		}
	}
	ck_assert_int_eq(md_prefilter_build(pf, impl, &err), 0);
	ck_assert_int_eq(md_prefilter_build(other, MD_PF_AHO_CORASICK, &err),
	    0);
	md_matcher_init(&m);
	bm = md_xcalloc(1, md_prefilter_bitmap_size(pf));
	bm2 = md_xcalloc(1, md_prefilter_bitmap_size(pf));
	for (j = 0; j < c.n; j++) {
		size_t len = strlen(c.texts[j]);

		md_prefilter_scan_bitmap(pf, c.texts[j], len, bm);
		md_prefilter_scan_bitmap(other, c.texts[j], len, bm2);
		ck_assert_msg(memcmp(bm, bm2, md_prefilter_bitmap_size(pf)) ==
		    0, "implementations disagree on: %s", c.texts[j]);
		for (i = 0; i < nr; i++) {
			for (p = 0; p < rules[i]->npatterns; p++) {
				size_t s, e;

				int caseless;

				if (md_regex_search(&rules[i]->patterns[p], &m,
				    c.texts[j], 0, len, &s, &e) == 1) {
					char **pl;
					size_t np = md_literals_prefix(
					    rules[i]->patterns[p].src, &pl), q;
					int starts = np == 0;

					ck_assert_msg(md_bit_test(bm, i),
					    "rule %s matches \"%.*s\" but the "
					    "prefilter ruled it out",
					    rules[i]->id, (int)(e - s),
					    c.texts[j] + s);
					/* A prefix pattern's match starts with
					 * one of its prefix literals. */
					for (q = 0; q < np; q++)
						if (strncmp(c.texts[j] + s, pl[q],
						    strlen(pl[q])) == 0)
							starts = 1;
					ck_assert_msg(starts, "rule %s matches "
					    "\"%.*s\", which starts with none "
					    "of its prefixes", rules[i]->id,
					    (int)(e - s), c.texts[j] + s);
					free_lits(pl, np);
					/* And holds one of a second set. */
					np = md_literals_extract(
					    rules[i]->patterns[p].src, &pl,
					    &caseless);
					if (np > 0) {
						char **sl;
						size_t ns = md_literals_second(
						    rules[i]->patterns[p].src,
						    pl, np, &sl);

						ck_assert_msg(ns == 0 ||
						    holds_one(c.texts[j] + s,
						    e - s, sl, ns), "rule %s "
						    "matches \"%.*s\", which "
						    "holds none of its second "
						    "literals", rules[i]->id,
						    (int)(e - s),
						    c.texts[j] + s);
						free_lits(sl, ns);
					}
					free_lits(pl, np);
					checked++;
				}
			}
		}
	}
	ck_assert_uint_gt(checked, 20);
	free(bm);
	free(bm2);
	md_matcher_free(&m);
	md_prefilter_free(pf);
	md_prefilter_free(other);
	for (j = 0; j < c.n; j++)
		free(c.texts[j]);
	free(c.texts);
	for (i = 0; i < 3; i++)
		md_rulepack_free(pk[i]);
}

START_TEST(never_misses_aho_corasick)
{
	never_misses(MD_PF_AHO_CORASICK);
}
END_TEST

START_TEST(never_misses_auto)
{
	never_misses(MD_PF_AUTO);
}
END_TEST

/* A plain pattern's strings come in the order PCRE2 tries them. */
START_TEST(plain_literals)
{
	static const char *const not_plain[] = { "停课?", "[一二]天",
		"(停课)", "(?i)ab", "停课|", "(?:|停课)", "\\d天", "停.课",
		"停{2}", "(?=停)课", "^停课", "停课$", "(?:停课", "" };
	char **l;
	size_t n, i;

	n = md_literals_plain("确诊|全(?:区|市)|所有", &l);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(l[0], "确诊");
	ck_assert_str_eq(l[1], "全区");
	ck_assert_str_eq(l[2], "全市");
	ck_assert_str_eq(l[3], "所有");
	free_lits(l, n);
	/* Backtracking order: a-major, and a repeat keeps its first place. */
	n = md_literals_plain("a(?:b|bc)d|abd|x", &l);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(l[0], "abd");
	ck_assert_str_eq(l[1], "abcd");
	ck_assert_str_eq(l[2], "x");
	free_lits(l, n);
	n = md_literals_plain("全(?:|区)", &l);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(l[0], "全");
	ck_assert_str_eq(l[1], "全区");
	free_lits(l, n);
	for (i = 0; i < MD_NELEM(not_plain); i++) {
		n = md_literals_plain(not_plain[i], &l);
		ck_assert_msg(n == 0, "%s is not plain", not_plain[i]);
	}
}
END_TEST

START_TEST(litset_find)
{
	static const char *const lits[] = { "停课", "停", "ab", "é", "😀x",
		"课停" };
	struct md_litset *ls = md_litset_new(lits, NULL, MD_NELEM(lits));
	const char *t = "xx停课ab停é😀x";
	size_t at, lit, n = strlen(t);

	ck_assert(md_litset_find(ls, t, 0, n, &at, &lit));
	ck_assert_uint_eq(at, 2);
	ck_assert_uint_eq(lit, 0);	/* 停课 before 停, in the set's order */
	/* From inside 停: the next place a literal starts. */
	ck_assert(md_litset_find(ls, t, 3, n, &at, &lit));
	ck_assert_uint_eq(at, strlen("xx停课"));
	ck_assert_uint_eq(lit, 2);
	/* A literal must end by to. */
	ck_assert(md_litset_find(ls, t, 0, 4, &at, &lit) == 0);
	ck_assert(md_litset_find(ls, t, 0, 5, &at, &lit));
	ck_assert_uint_eq(lit, 1);
	ck_assert(md_litset_find(ls, t, strlen("xx停课ab"), n, &at, &lit));
	ck_assert_uint_eq(lit, 1);
	ck_assert(md_litset_find(ls, t, strlen("xx停课ab停"), n, &at, &lit));
	ck_assert_uint_eq(lit, 3);
	ck_assert(md_litset_find(ls, t, strlen("xx停课ab停é"), n, &at,
	    &lit));
	ck_assert_uint_eq(lit, 4);
	ck_assert(md_litset_find(ls, t, strlen("xx停课ab停é"), n - 1, &at,
	    &lit) == 0);
	ck_assert(md_litset_find(ls, "", 0, 0, &at, &lit) == 0);
	ck_assert(md_litset_find(ls, t, 5, 3, &at, &lit) == 0);
	md_litset_free(ls);
}
END_TEST

/* Every place a literal starts, found by md_litset_find one after the
 * other, is every place memcmp finds one, on random text. */
START_TEST(litset_agrees_with_memcmp)
{
	static const char *const lits[] = { "一天", "两检", "一", "天两",
		"a", "1天", "全区", "区" };
	static const char *const frags[] = { "一", "天", "两", "检", "a", "1",
		"全", "区", "，", "b", "\xe4", "\xb8" };
	struct md_litset *ls = md_litset_new(lits, NULL, MD_NELEM(lits));
	uint32_t seed = 7;
	char buf[64];
	size_t round, len, p, at, lit, k;

	for (round = 0; round < 20000; round++) {
		for (len = 0;;) {
			const char *f;

			seed = seed * 1103515245u + 12345u;
			f = frags[(seed >> 16) % MD_NELEM(frags)];
			if (len + strlen(f) > sizeof buf || (seed >> 8) % 9 == 0)
				break;
			memcpy(buf + len, f, strlen(f));
			len += strlen(f);
		}
		for (p = 0; p <= len; p++) {
			size_t want = len, wlit = 0;

			for (at = p; at < len && want == len; at++)
				for (k = 0; k < MD_NELEM(lits); k++)
					if (strlen(lits[k]) <= len - at &&
					    memcmp(buf + at, lits[k],
					    strlen(lits[k])) == 0) {
						want = at;
						wlit = k;
						break;
					}
			if (want == len) {
				ck_assert(!md_litset_find(ls, buf, p, len, &at,
				    &lit));
			} else {
				ck_assert(md_litset_find(ls, buf, p, len, &at,
				    &lit));
				ck_assert_uint_eq(at, want);
				ck_assert_uint_eq(lit, wlit);
			}
		}
	}
	md_litset_free(ls);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prefilter");
	TCase *tc = tcase_create("prefilter");

	tcase_add_test(tc, extract_literals);
	tcase_add_test(tc, prefix_literals);
	tcase_add_test(tc, branch_literals);
	tcase_add_test(tc, second_literals);
	tcase_add_test(tc, no_literal_means_always);
	tcase_add_test(tc, plain_literals);
	tcase_add_test(tc, litset_find);
	tcase_add_test(tc, litset_agrees_with_memcmp);
	tcase_add_test(tc, aho_corasick_scan);
	tcase_add_test(tc, overlapping_literals);
	tcase_add_test(tc, occs_filed_aho_corasick);
	tcase_add_test(tc, implied_literals_aho_corasick);
#ifdef HAVE_HYPERSCAN
	tcase_add_test(tc, occs_filed_hyperscan);
	tcase_add_test(tc, occs_logged_hyperscan);
	tcase_add_test(tc, implied_literals_hyperscan);
#endif
#ifdef HAVE_HYPERSCAN
	tcase_add_test(tc, hyperscan_scan);
#endif
	tcase_add_test(tc, never_misses_aho_corasick);
	tcase_add_test(tc, never_misses_auto);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
