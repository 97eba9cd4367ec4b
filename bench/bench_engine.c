/*
 * bench_engine.c - the engine's throughput against two baselines measured
 * in the same run over the same documents:
 *
 *   pcre2-loop   every rule's patterns, one by one, bare pcre2_match with
 *                JIT, all matches (what an engine without a prefilter
 *                does);
 *   hyperscan    the same patterns in one Hyperscan database, one scan
 *                per document - the bare matching floor.  A pattern
 *                Hyperscan cannot compile exactly (syntax it lacks, or
 *                bounded repeats too large for it) is left out, not
 *                approximated: HS_FLAG_PREFILTER's approximations match
 *                almost everywhere in Chinese text and would make the
 *                floor meaningless.  Leaving them out makes the floor
 *                lower (faster) than a full one could be, so the ratio
 *                understates the engine;
 *   engine       md_engine_check with every plugin: UTF-8 validation,
 *                folding, splitting, the prefilter, the exact matches,
 *                scope and conditions, the plugins' logic, offsets and
 *                excerpts - everything a real check does.
 *
 * The corpus is generated (deterministically) from sentences in the
 * language of real notices and complaints: most of them innocuous, some
 * violations, some restated prohibitions.  Every timing is the best of
 * --rounds runs on one thread; results are printed as MB/s, documents/s and
 * ratios, never compared with a fixed threshold.
 *
 * --clock cpu times with the thread's CPU clock instead of the monotonic
 * one: on a machine shared with other work, time spent descheduled then
 * does not count (caches are still shared).
 *
 * Usage: bench_engine [--docs N] [--rounds N] [--seed N] [--config FILE]
 *                     [--clock wall|cpu]
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_HYPERSCAN
#include <hs/hs.h>
#endif

#include "engine.h"
#include "rules.h"
#include "text.h"
#include "xml.h"

static const char *const neutral[] = {
	"为切实做好疫情防控工作，保障人民群众生命安全和身体健康，经研究决定，现将有关事项通告如下：",
	"各乡镇（街道）、各有关单位要严格落实属地责任，加强组织领导，确保各项措施落实到位。",
	"广大市民要继续坚持戴口罩、勤洗手、常通风、保持社交距离等良好卫生习惯。",
	"请符合条件的居民积极接种新冠病毒疫苗，特别是60岁以上老年人要尽快完成加强免疫接种。",
	"社区要摸清空巢独居老人、孕产妇、基础病患者等重点人员底数，建立需求清单。",
	"对来自高风险区的人员，按照国家第九版防控方案要求落实相应管控措施。",
	"各医疗机构要落实首诊负责制，保障群众正常就医需求，急诊正常开放。",
	"市场监管部门要加强价格监测，保障生活物资供应充足、价格稳定。",
	"如有疑问，请拨打12345政务服务便民热线咨询。",
	"我是某某小区的居民，想反映一下最近小区物业的一些做法。",
	"孩子在某某中学读初二，最近学校通知了一些新的安排。",
	"本通告自发布之日起施行，根据疫情形势动态调整。",
	"各级各部门要严格执行国家统一的防控政策，严禁随意封校停课、停工停产、未经批准阻断交通。",
	"坚决纠正“一天两检”、“一天三检”等不科学做法，不得扩大核酸检测范围。",
	"自11月28日起，全区中小学有序恢复线下教学，各企业有序复工复产。",
	"11月25日起解除静默管理，恢复正常生产生活秩序。",
};

static const char *const violation[] = {
	"即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。",
	"自11月22日0时起，全县实行静默管理，全体居民足不出户。",
	"11月22日至24日在全区范围内开展全员核酸检测，做到不漏一人。",
	"关闭辖区所有高速公路出入口，对进出村道路实行硬隔离。",
	"除保障民生的超市、药店外，其他商户一律暂停营业。",
	"我们小区封了20多天还不解封，也没有新增病例。",
	"学校要求学生每天做两次核酸，孩子喉咙都捅破了。",
	"来院患者无48小时核酸阴性证明一律不予就诊。",
	"我父亲突发胸痛，打120说我们是封控区不出车。",
	"即日起全区暂停快递物流配送。",
};

static unsigned long rng = 42;

static unsigned
next_rand(void)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33);
}

struct doc {
	char *text;
	size_t len;
};

/* A notice of 15-40 sentences or a complaint of 3-8; about one sentence
 * in eight is a violation. */
static void
make_doc(struct doc *d)
{
	struct md_buf b = { 0 };
	int notice = next_rand() % 3 != 0;
	unsigned n = notice ? 15 + next_rand() % 26 : 3 + next_rand() % 6, i;

	if (notice)
		md_buf_adds(&b, "某某区新冠肺炎疫情防控指挥部通告\n\n");
	for (i = 0; i < n; i++) {
		if (next_rand() % 8 == 0)
			md_buf_adds(&b, violation[next_rand() %
			    MD_NELEM(violation)]);
		else
			md_buf_adds(&b, neutral[next_rand() %
			    MD_NELEM(neutral)]);
		if (next_rand() % 4 == 0)
			md_buf_adds(&b, "\n");
	}
	if (notice)
		md_buf_adds(&b, "\n\n某某区新冠肺炎疫情防控指挥部\n2022年11月21日\n");
	/* Zeros after the text, as md_regex_search requires (PCRE2's JIT
	 * reads ahead). */
	d->len = b.len;
	d->text = md_xcalloc(1, b.len + 1 + MD_TEXT_PAD);
	memcpy(d->text, b.data, b.len);
	md_buf_free(&b);
}

static clockid_t clock_id = CLOCK_MONOTONIC;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* All patterns of all bundled rules (every plugins/NAME/NAME.rules.xml),
 * compiled the engine's way. */
struct patterns {
	struct md_rulepack **packs;
	size_t npacks;
	const struct md_regex **re;
	size_t n;
};

static void
load_patterns(struct patterns *p)
{
	struct md_error err = { 0 };
	glob_t g;
	size_t i, j, k;

	memset(p, 0, sizeof *p);
	if (glob(MD_SRCDIR "/plugins/*/*.rules.xml", 0, NULL, &g) != 0 ||
	    g.gl_pathc == 0)
		md_fatal("no rule packs under %s/plugins", MD_SRCDIR);
	p->packs = md_xreallocarray(NULL, g.gl_pathc, sizeof *p->packs);
	for (i = 0; i < g.gl_pathc; i++) {
		struct md_rulepack *pk = md_rulepack_load(g.gl_pathv[i],
		    MD_SRCDIR "/etc/schema/rules.rng", &err);

		if (pk == NULL)
			md_fatal("%s", err.msg);
		p->packs[p->npacks++] = pk;
		for (j = 0; j < pk->nrules; j++)
			for (k = 0; k < pk->rules[j].npatterns; k++) {
				p->re = md_xreallocarray(p->re, p->n + 1,
				    sizeof *p->re);
				p->re[p->n++] = &pk->rules[j].patterns[k];
			}
	}
	globfree(&g);
}

/* Bare PCRE2: pcre2_match with the engine's limits, nothing else. */
static unsigned long
run_pcre2(const struct patterns *p, const struct doc *docs, size_t ndocs,
    struct md_matcher *m)
{
	unsigned long hits = 0;
	size_t d, i;

	for (d = 0; d < ndocs; d++)
		for (i = 0; i < p->n; i++) {
			PCRE2_SIZE from = 0;

			while (from < docs[d].len &&
			    pcre2_match(p->re[i]->code,
			    (PCRE2_SPTR)docs[d].text, docs[d].len, from,
			    PCRE2_NO_UTF_CHECK, m->md, m->mctx) >= 0) {
				PCRE2_SIZE *ov = pcre2_get_ovector_pointer(
				    m->md);

				hits++;
				from = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
			}
		}
	return hits;
}

static unsigned long
run_engine(struct md_engine *e, const struct doc *docs, size_t ndocs)
{
	unsigned long findings = 0;
	size_t d;

	for (d = 0; d < ndocs; d++) {
		struct md_input in = { 0 };
		struct md_error err = { 0 };
		struct md_result r;

		in.name = "bench";
		in.text = docs[d].text;
		in.len = docs[d].len;
		if (md_engine_check(e, &in, &r, &err) != 0)
			md_fatal("%s", err.msg);
		findings += r.n;
		md_result_free(&r);
	}
	return findings;
}

#ifdef HAVE_HYPERSCAN
struct hsdb {
	hs_database_t *db;
	hs_scratch_t *scratch;
	size_t left_out;	/* patterns Hyperscan cannot compile exactly */
};

static int
hs_count(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(unsigned long *)ctx)++;
	return 0;
}

static void
hs_load(struct hsdb *h, const struct patterns *p)
{
	const char **ex = md_xcalloc(p->n, sizeof *ex);
	unsigned *fl = md_xcalloc(p->n, sizeof *fl);
	unsigned *ids = md_xcalloc(p->n, sizeof *ids);
	hs_compile_error_t *cerr;
	size_t i, n = 0;

	memset(h, 0, sizeof *h);
	for (i = 0; i < p->n; i++) {
		hs_database_t *one;

		ex[n] = p->re[i]->src;
		ids[n] = (unsigned)i;
		fl[n] = HS_FLAG_UTF8 | HS_FLAG_UCP;
		if (hs_compile(ex[n], fl[n], HS_MODE_BLOCK, NULL, &one,
		    &cerr) != HS_SUCCESS) {
			hs_free_compile_error(cerr);
			h->left_out++;
			continue;
		}
		hs_free_database(one);
		n++;
	}
	if (hs_compile_multi(ex, fl, ids, (unsigned)n, HS_MODE_BLOCK, NULL,
	    &h->db, &cerr) != HS_SUCCESS)
		md_fatal("hyperscan: %s (pattern %d)", cerr->message,
		    cerr->expression);
	if (hs_alloc_scratch(h->db, &h->scratch) != HS_SUCCESS)
		md_fatal("hyperscan: no scratch");
	free(ex);
	free(fl);
	free(ids);
}

static unsigned long
run_hs(struct hsdb *h, const struct doc *docs, size_t ndocs)
{
	unsigned long hits = 0;
	size_t d;

	for (d = 0; d < ndocs; d++)
		hs_scan(h->db, docs[d].text, (unsigned)docs[d].len, 0,
		    h->scratch, hs_count, &hits);
	return hits;
}
#endif

struct timing {
	const char *name;
	double best;
	unsigned long count;
};

static void
report(const struct timing *t, double mb, size_t ndocs, double base)
{
	printf("%-12s %9.1f MB/s %10.0f docs/s  %8.3f s  %8.2fx  (%lu)\n",
	    t->name, mb / t->best, (double)ndocs / t->best, t->best,
	    base / t->best, t->count);
}

int
main(int argc, char **argv)
{
	size_t ndocs = 2000, d, bytes = 0;
	int rounds = 5, r, i;
	struct md_error err = { 0 };
	struct doc *docs;
	struct md_engine *e;
	struct patterns p;
	struct md_matcher m;
	struct timing tp = { "pcre2-loop", 1e9, 0 }, te = { "engine", 1e9, 0 };
#ifdef HAVE_HYPERSCAN
	struct timing th = { "hyperscan", 1e9, 0 };
	struct hsdb h;
#endif
	const char *conf_path = NULL;
	double mb, t0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--docs") == 0)
			ndocs = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--seed") == 0)
			rng = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--config") == 0)
			conf_path = argv[i + 1];
		else if (strcmp(argv[i], "--clock") == 0 &&
		    strcmp(argv[i + 1], "wall") == 0)
			clock_id = CLOCK_MONOTONIC;
		else if (strcmp(argv[i], "--clock") == 0 &&
		    strcmp(argv[i + 1], "cpu") == 0)
			clock_id = CLOCK_THREAD_CPUTIME_ID;
		else {
			fprintf(stderr, "usage: bench_engine [--docs N] "
			    "[--rounds N] [--seed N] [--config FILE] "
			    "[--clock wall|cpu]\n");
			return 2;
		}
	}
	md_xml_init();
	md_log_level = 3;
	docs = md_xcalloc(ndocs, sizeof *docs);
	for (d = 0; d < ndocs; d++) {
		make_doc(&docs[d]);
		bytes += docs[d].len;
	}
	mb = (double)bytes / 1e6;
	e = md_engine_load(conf_path, &err);
	if (e == NULL)
		md_fatal("%s", err.msg);
	load_patterns(&p);
	md_matcher_init(&m);
#ifdef HAVE_HYPERSCAN
	hs_load(&h, &p);
#endif
	printf("corpus: %zu documents, %.2f MB (mean %.0f bytes); %zu rules, "
	    "%zu patterns; prefilter %s; best of %d rounds, one thread%s\n",
	    ndocs, mb, (double)bytes / (double)ndocs, md_engine_nrules(e),
	    p.n, md_engine_prefilter(e), rounds,
	    clock_id == CLOCK_MONOTONIC ? "" : ", CPU time");
	for (r = 0; r < rounds; r++) {
		t0 = now();
		tp.count = run_pcre2(&p, docs, ndocs, &m);
		if (now() - t0 < tp.best)
			tp.best = now() - t0;
#ifdef HAVE_HYPERSCAN
		t0 = now();
		th.count = run_hs(&h, docs, ndocs);
		if (now() - t0 < th.best)
			th.best = now() - t0;
#endif
		t0 = now();
		te.count = run_engine(e, docs, ndocs);
		if (now() - t0 < te.best)
			te.best = now() - t0;
	}
	printf("%-12s %14s %17s %10s %9s  (%s)\n", "", "throughput", "",
	    "time", "vs pcre2", "matches or findings");
	report(&tp, mb, ndocs, tp.best);
#ifdef HAVE_HYPERSCAN
	report(&th, mb, ndocs, tp.best);
#endif
	report(&te, mb, ndocs, tp.best);
#ifdef HAVE_HYPERSCAN
	printf("engine / hyperscan: %.2f (target: 0.50 or more); %zu of %zu "
	    "patterns left out of the Hyperscan baseline (not compilable "
	    "exactly)\n", th.best / te.best, h.left_out, p.n);
	hs_free_scratch(h.scratch);
	hs_free_database(h.db);
#else
	printf("hyperscan: not built in (install libhyperscan-dev and "
	    "reconfigure for that baseline)\n");
#endif
	md_matcher_free(&m);
	for (d = 0; d < p.npacks; d++)
		md_rulepack_free(p.packs[d]);
	free(p.packs);
	free(p.re);
	md_engine_free(e);
	for (d = 0; d < ndocs; d++)
		free(docs[d].text);
	free(docs);
	xmlCleanupParser();
	return 0;
}
