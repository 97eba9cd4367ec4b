/*
 * stranded.c - the stranded-people checker (stranded.refused): outsiders,
 * travellers and students kept from leaving, and returnees refused by
 * their destination, measure 二（二十） of 2022-11-11 and the 九不准 (10.1,
 * 10.2) of the ninth edition.
 *
 * The rule pack finds the refusals; this file decides whom they are aimed
 * at.  Both versions allow keeping people in, or out of, a high-risk area
 * (高风险区, and under 2022-06-28 also a medium-risk area, 中风险区, with
 * their older names 封控区 and 管控区): a refusal in a sentence that names
 * such an area for its people is lawful control and dropped.  A mention
 * that excludes the area (不在高风险区, 非高风险区, 除高风险区外, 高风险区以外,
 * 又不是高风险区) does the opposite: it says the people refused are not
 * from one, and the refusal stands.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = { "stranded.refused", NULL };

struct stranded {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *high;		/* a high-risk area */
	struct md_regex *medium;	/* a medium-risk area (2022-06-28) */
};

struct walk {
	struct stranded *s;
	const struct md_document *doc;
	struct md_sink *sink;
	int medium_lawful;	/* the version still has medium-risk areas */
};

static int
stranded_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct stranded *s = calloc(1, sizeof *s);

	if (s == NULL)
		return -ENOMEM;
	s->ctx = ctx;
	s->host = host;
	s->high = host->regex_compile(ctx,
	    "(?:中高|中、高|高、中|高)风险(?:区|地区|区域|地|街道|小区|村)|"
	    "封控(?:区|小区|楼栋)");
	s->medium = host->regex_compile(ctx,
	    "中风险(?:区|地区|区域|地|街道|小区|村)|管控区");
	if (s->high == NULL || s->medium == NULL) {
		free(s);
		return -EINVAL;
	}
	*state = s;
	return 0;
}

static int
ends_with(const char *t, size_t at, size_t from, const char *word)
{
	size_t n = strlen(word);

	return at >= from + n && memcmp(t + at - n, word, n) == 0;
}

static int
starts_with(const char *t, size_t at, size_t to, const char *word)
{
	size_t n = strlen(word);

	return at + n <= to && memcmp(t + at, word, n) == 0;
}

/*
 * 1 when text[sp) names a risk area as where the people come from or are,
 * 0 when the words around it exclude it (不在高风险区的, 除高风险区外).
 */
static int
area_named(const struct md_document *doc, const struct md_clause *sent,
    struct md_span sp)
{
	static const char *const before[] = { "非", "不在", "不属于", "除",
		"除了", "不是", "并非", "无", "没有", "未去过", "未到过",
		"没去过", "没到过", "不涉及", "以外的", "之外的" };
	static const char *const after[] = { "以外", "之外" };
	size_t k, i;

	for (k = 0; k < sizeof before / sizeof before[0]; k++)
		for (i = 0; i <= 6; i += 3)	/* 除[了]、又不是 ... */
			if (sp.start >= sent->start + i &&
			    ends_with(doc->text, sp.start - i, sent->start,
			    before[k]))
				return 0;
	for (k = 0; k < sizeof after / sizeof after[0]; k++)
		if (starts_with(doc->text, sp.end, sent->end, after[k]))
			return 0;
	/* "高风险区外" */
	if (starts_with(doc->text, sp.end, sent->end, "外") &&
	    !starts_with(doc->text, sp.end, sent->end, "外溢") &&
	    !starts_with(doc->text, sp.end, sent->end, "外出"))
		return 0;
	return 1;
}

/* 1 when the sentence aims its measure at people of a risk area that the
 * version in force lets a destination keep in or out. */
static int
risk_area_aimed(struct stranded *s, const struct md_document *doc,
    const struct md_clause *sent, const struct md_regex *re)
{
	struct md_span sp;
	size_t from = sent->start;
	int rc;

	while (from < sent->end && (rc = s->host->regex_search(s->ctx, re,
	    doc, from, sent->end, &sp)) == 1) {
		if (area_named(doc, sent, sp))
			return 1;
		from = sp.end;
	}
	return 0;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;
	const struct md_clause *sent = &w->doc->sentences[m->clause->sentence];

	if (risk_area_aimed(w->s, w->doc, sent, w->s->high))
		return;
	if (w->medium_lawful &&
	    risk_area_aimed(w->s, w->doc, sent, w->s->medium))
		return;
	md_emit_match(w->sink, m);
}

static int
stranded_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct stranded *s = state;
	struct walk w = { s, doc, sink, 0 };
	int n;

	/* Medium-risk areas were abolished by 二（四） of 2022-11-11. */
	w.medium_lawful = doc->version != NULL &&
	    strcmp(doc->version, "2022-11-11") < 0;
	n = s->host->match_rules(s->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
stranded_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "stranded",
	.version = "1.0",
	.categories = categories,
	.init = stranded_init,
	.check = stranded_check,
	.fini = stranded_fini);
