/*
 * enterprise.c - the enterprise checker (enterprise.shutdown): key and
 * white-listed enterprises, industrial production and the logistics and
 * delivery chain stopped, measures 二(十六) 严禁随意停工停产 and 二(十九)
 * 全力保障物流通畅, 不得擅自要求重点企业停工停产, 落实好“白名单”制度.
 *
 * closure.work (plugins/closure) flags businesses and shops stopped in
 * general; this plugin flags the stops that 二(十九) singles out, so one
 * text may show both.  The rule pack finds the words; this file decides
 * what a pattern cannot:
 *   - precise control: a stop in a sentence that itself reports a case at
 *     the enterprise ("该企业发现1例阳性, 车间暂停生产") is not 擅自; and an
 *     industrial or logistics stop in a document that reports a case, or
 *     in a sentence confined to a high-risk area, is precise control unless
 *     its sentence names an area-wide scope (全区, 所有, 一律 ...);
 *   - key status: a stop of one enterprise ("让全厂停产") is this category
 *     when the document says that enterprise is white-listed or key,
 *     often in another sentence ("我们厂进了市里的白名单");
 *   - the white list: a document that keeps its key enterprises producing
 *     ("除白名单企业外", "保供企业闭环生产") has applied 二(十九); its
 *     industrial stops and its stops of one enterprise remain
 *     closure.work, not enterprise.shutdown.  A
 *     key enterprise stopped is flagged whatever else the text says.
 * A case or an exemption counts only where the text states it: not when it
 * is denied (没有阳性, 一个病例都没有) or restated under 不得/严禁.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = { "enterprise.shutdown", NULL };

struct enterprise {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *wide;		/* an area-wide scope */
	struct md_regex *case_;		/* a case, not denied before it */
	struct md_regex *denied_after;	/* a case denied after it */
	struct md_regex *confined;	/* a high-risk area or sealed place */
	struct md_regex *exempt;	/* key enterprises kept producing */
	struct md_regex *listed;	/* "we are a white-listed firm" */
};

struct walk {
	struct enterprise *e;
	const struct md_document *doc;
	struct md_sink *sink;
	int case_in_doc;		/* -1: not looked yet */
	int exempt_in_doc;		/* -1: not looked yet */
	int listed_in_doc;		/* -1: not looked yet */
};

static int
enterprise_init(struct md_ctx *ctx, const struct md_host *host,
    void **state)
{
	struct enterprise *e = calloc(1, sizeof *e);

	if (e == NULL)
		return -ENOMEM;
	e->ctx = ctx;
	e->host = host;
	e->wide = host->regex_compile(ctx,
	    "全(?:区|市|县|旗|镇|乡|域|城|省|部)|辖区|所有|一律|各类|"
	    "整个|一刀切|大面积|全面");
	/* The denial may stand a few characters before the case: 没有发现
	 * 阳性, 未出现确诊病例, 无新增感染者. */
	e->case_ = host->regex_compile(ctx,
	    "(?<!没有|没|无|未|零)(?<!没有发现|未发现|未出现|没有出现|无新增|"
	    "未新增|没有新增)(?<!没发现|没出现)(?<!没有一个|没有一例|"
	    "没有1个|没有1例|无一例)(?:确诊|阳性|感染者|病例)");
	e->denied_after = host->regex_compile(ctx,
	    "\\G(?:病例|感染者)?(?:都|也|一个都|一例都)?(?:没|没有|未)");
	e->confined = host->regex_compile(ctx,
	    "高风险区|封控区|涉疫(?:楼栋|场所|区域)|该(?:企业|公司|网点|车间|"
	    "厂区|园区)");
	e->exempt = host->regex_compile(ctx,
	    "除[^,;。]{0,16}(?:白名单|重点|保供)[^,;。]{0,12}外|"
	    "(?:白名单|重点|保供)[^,;。]{0,12}(?:企业|单位)[^,;。]{0,10}"
	    "(?:闭环生产|继续生产|正常生产|正常运转|不停产|保持生产|照常生产)");
	e->listed = host->regex_compile(ctx,
	    "(?:是|属于|列入|纳入|进了|进入|上了|作为)[^,;。]{0,12}?"
	    "(?:白名单(?!制度|管理|机制|政策)|重点(?:工业|外资|民营)?企业|重点项目|"
	    "(?:产业链|供应链)[^,;。]{0,4}企业|保供(?:企业|单位|超市|工厂)|"
	    "龙头企业|链主企业|规上企业)|"
	    "(?:我们|我厂|本厂|我司|本公司|公司)[^,;。]{0,6}(?:白名单|保供)");
	if (e->wide == NULL || e->case_ == NULL || e->denied_after == NULL ||
	    e->confined == NULL || e->exempt == NULL || e->listed == NULL) {
		free(e);
		return -EINVAL;
	}
	*state = e;
	return 0;
}

static int
found_in(struct enterprise *e, const struct md_regex *re,
    const struct md_document *doc, size_t from, size_t to)
{
	struct md_span sp;

	return e->host->regex_search(e->ctx, re, doc, from, to, &sp) == 1;
}

/*
 * 1 when a word that denies a case stands in the eight characters before
 * at, within its clause: "没听说有阳性", "也没有什么病例".  无 of 无症状
 * (an asymptomatic case) denies nothing.
 */
static int
denied_before(struct enterprise *e, const struct md_document *doc,
    size_t at)
{
	static const char *const deny[] = { "没", "无", "未", "零", "不是",
		"并非" };
	const struct md_clause *cl = e->host->clause_at(doc, at);
	size_t from = at > 24 ? at - 24 : 0, i, k;

	if (cl != NULL && from < cl->start)
		from = cl->start;
	for (i = from; i < at; i++)
		for (k = 0; k < sizeof deny / sizeof deny[0]; k++)
			if (strncmp(doc->text + i, deny[k],
			    strlen(deny[k])) == 0 &&
			    strncmp(doc->text + i, "无症状", 9) != 0)
				return 1;
	return 0;
}

/* 1 when text[from, to) states a case that it does not deny, and that no
 * 不得/严禁 governs ("不得以出现阳性为由停产" reports no case). */
static int
case_stated(struct enterprise *e, const struct md_document *doc,
    size_t from, size_t to)
{
	struct md_span sp, after;

	while (from < to && e->host->regex_search_stated(e->ctx, e->case_,
	    doc, from, to, &sp) == 1) {
		if (!denied_before(e, doc, sp.start) &&
		    e->host->regex_search(e->ctx, e->denied_after, doc,
		    sp.end, to, &after) != 1)
			return 1;
		from = sp.end;
	}
	return 0;
}

/*
 * 1 when the clause where a match ends only asks: the host drops a match
 * whose first clause is a question, but a key-enterprise match may run
 * from a statement into one ("我们公司是白名单企业，公司会不会也要停产？").
 */
static int
ends_in_question(struct enterprise *e, const struct md_document *doc,
    const struct md_match *m)
{
	static const char *const markers[] = { "请问", "会不会", "是否",
		"能否", "要不要", "吗", "可不可以", "有没有" };
	const struct md_clause *c;
	size_t end, k;

	if (m->span.end == 0 ||
	    (c = e->host->clause_at(doc, m->span.end - 1)) == NULL ||
	    c == m->clause)
		return 0;
	end = c->end;
	while (end > c->start && (doc->text[end - 1] == ' ' ||
	    doc->text[end - 1] == '\n'))
		end--;
	if (end == c->start || doc->text[end - 1] != '?')
		return 0;
	for (k = 0; k < sizeof markers / sizeof markers[0]; k++) {
		size_t n = strlen(markers[k]), i;

		for (i = c->start; i + n <= end; i++)
			if (memcmp(doc->text + i, markers[k], n) == 0)
				return 1;
	}
	return 0;
}

/* 1 when the document keeps its key enterprises producing. */
static int
exempt_stated(struct walk *w)
{
	struct md_span sp;

	if (w->exempt_in_doc < 0)
		w->exempt_in_doc = w->e->host->regex_search_stated(w->e->ctx,
		    w->e->exempt, w->doc, 0, w->doc->len, &sp) == 1;
	return w->exempt_in_doc;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;
	struct enterprise *e = w->e;
	const struct md_clause *sent = &w->doc->sentences[m->clause->sentence];
	struct md_span sp;
	int wide;

	if (ends_in_question(e, w->doc, m))
		return;
	/* One enterprise stopped: key only when the text says so. */
	if (strcmp(m->rule, "enterprise.shutdown.listed") == 0) {
		if (w->listed_in_doc < 0)
			w->listed_in_doc = e->host->regex_search_stated(e->ctx,
			    e->listed, w->doc, 0, w->doc->len, &sp) == 1;
		if (!w->listed_in_doc || exempt_stated(w))
			return;
	}
	/* A key enterprise stopped because it has a case itself. */
	if (strcmp(m->rule, "enterprise.shutdown.key") == 0 ||
	    strcmp(m->rule, "enterprise.shutdown.listed") == 0) {
		if (!case_stated(e, w->doc, sent->start, sent->end))
			md_emit_match(w->sink, m);
		return;
	}
	wide = found_in(e, e->wide, w->doc, sent->start, sent->end);
	/* The white list applied: the other stops are closure.work's. */
	if (strcmp(m->rule, "enterprise.shutdown.industrial") == 0 &&
	    exempt_stated(w))
		return;
	/* Precise control of the place with the case. */
	if (!wide) {
		if (w->case_in_doc < 0)
			w->case_in_doc = case_stated(e, w->doc, 0,
			    w->doc->len);
		if (w->case_in_doc ||
		    found_in(e, e->confined, w->doc, sent->start, sent->end))
			return;
	}
	md_emit_match(w->sink, m);
}

static int
enterprise_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct enterprise *e = state;
	struct walk w = { e, doc, sink, -1, -1, -1 };
	int n;

	n = e->host->match_rules(e->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
enterprise_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "enterprise",
	.version = "1.0",
	.categories = categories,
	.init = enterprise_init,
	.check = enterprise_check,
	.fini = enterprise_fini);
