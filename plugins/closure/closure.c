/*
 * closure.c - the closure checker: schools (closure.school), work and
 * business (closure.work), lockdowns (closure.lockdown) and medical care
 * (closure.medical), measures 二(十六) to (十九) of 2022-11-11.
 *
 * The rule pack finds the words; this file decides what a pattern cannot:
 *   - scope: a closure in a document that reports a case (确诊, 阳性 ...)
 *     and whose sentence names no area-wide scope (全区, 所有, 一律 ...) is
 *     precise control of the place with the case, not 一刀切;
 *   - duration: "封了20多天" is a lockdown kept too long when the stated
 *     duration exceeds the plugin's long-lockdown-days option (default 7:
 *     measure 二(四) unseals a high-risk area after 5 days without new
 *     infections, and 7 days of home isolation is the longest it allows).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = {
	"closure.school", "closure.work", "closure.lockdown",
	"closure.medical", NULL
};

struct closure {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *wide;		/* an area-wide scope */
	struct md_regex *case_;		/* a reported case, not denied */
	double long_days;
};

struct walk {
	struct closure *c;
	const struct md_document *doc;
	struct md_sink *sink;
	int case_in_doc;		/* -1: not looked yet */
};

static int
closure_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct closure *c = calloc(1, sizeof *c);
	const char *v;

	if (c == NULL)
		return -ENOMEM;
	c->ctx = ctx;
	c->host = host;
	c->wide = host->regex_compile(ctx,
	    "全(?:区|市|县|旗|镇|乡|域|城|省|校|体|部)|辖区|所有|一律|"
	    "各类|各级|城区|主城|整个|一刀切|大面积");
	c->case_ = host->regex_compile(ctx,
	    "确诊|阳性|感染者|病例|密接|密切接触者");
	if (c->wide == NULL || c->case_ == NULL) {
		free(c);
		return -EINVAL;
	}
	v = host->config_get(ctx, "long-lockdown-days");
	c->long_days = 7;
	if (v != NULL) {
		char *end;

		c->long_days = strtod(v, &end);
		if (end == v || *end != '\0')
			c->long_days = -1;	/* refused below */
	}
	if (!(c->long_days > 0)) {
		host->log(ctx, MD_LOG_ERR, "long-lockdown-days must be a "
		    "positive number, not \"%s\"", v);
		free(c);
		return -EINVAL;
	}
	*state = c;
	return 0;
}

static int
found_in(struct closure *c, const struct md_regex *re,
    const struct md_document *doc, size_t from, size_t to)
{
	struct md_span sp;

	return c->host->regex_search(c->ctx, re, doc, from, to, &sp) == 1;
}

/*
 * Words that deny a case: before it (没有阳性, 无病例, 未发现) or right
 * after it (一个病例都没有, 病例也没有).
 */
static int
denied(struct closure *c, const struct md_document *doc, size_t at,
    size_t end)
{
	static const char *const after[] = { "都没", "也没", "都没有",
		"也没有", "没有" };
	static const char *const deny[] = { "没有", "没", "无", "未", "零",
		"并非", "不是" };
	const struct md_clause *cl = c->host->clause_at(doc, at);
	size_t from = at > 24 ? at - 24 : 0, i, k;

	if (cl != NULL && from < cl->start)
		from = cl->start;
	for (k = 0; k < sizeof after / sizeof after[0]; k++)
		if (end + strlen(after[k]) <= doc->len &&
		    strncmp(doc->text + end, after[k], strlen(after[k])) == 0)
			return 1;
	for (i = from; i < at; i++)
		for (k = 0; k < sizeof deny / sizeof deny[0]; k++)
			if (strncmp(doc->text + i, deny[k],
			    strlen(deny[k])) == 0)
				return 1;
	return 0;
}

/* 1 when the document reports a case (a positive, a confirmed case, a
 * close contact) that it does not deny. */
static int
case_reported(struct closure *c, const struct md_document *doc)
{
	struct md_span sp;
	size_t from = 0;

	while (from < doc->len && c->host->regex_search(c->ctx, c->case_,
	    doc, from, doc->len, &sp) == 1) {
		if (!denied(c, doc, sp.start, sp.end))
			return 1;
		from = sp.end;
	}
	return 0;
}

/*
 * The number of days a "封了N天" style match states, or -1.  Parsers read
 * forward only, so a number is tried only where it starts: at a character
 * boundary, not after a digit, and not after 月 (the 20日 of 11月20日 is a
 * date).
 */
static double
stated_days(struct closure *c, const struct md_document *doc,
    const struct md_match *m)
{
	const char *t = doc->text;
	size_t i;

	for (i = m->span.start; i < m->span.end; i++) {
		struct md_duration d;
		size_t used;

		if (((unsigned char)t[i] & 0xc0) == 0x80 ||
		    (i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9') ||
		    (i >= 3 && memcmp(t + i - 3, "月", 3) == 0))
			continue;
		if (c->host->parse_duration(doc->text + i, doc->len - i, &d,
		    &used) == 0 && i + used <= m->span.end)
			return d.days;
	}
	return -1;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;
	struct closure *c = w->c;
	const struct md_clause *sent = &w->doc->sentences[m->clause->sentence];

	/* Durations: sealed too long, whatever the cause was. */
	if (strcmp(m->rule, "closure.lockdown.long") == 0) {
		double days = stated_days(c, w->doc, m);

		if (days > c->long_days)
			md_emit_match(w->sink, m);
		return;
	}
	/* Refused care, and complaints of closures that go on and on, do
	 * not depend on where the cases were. */
	if (strcmp(m->category, "closure.medical") == 0 ||
	    strcmp(m->rule, "closure.lockdown.unlifted") == 0 ||
	    strcmp(m->rule, "closure.school.prolonged") == 0) {
		md_emit_match(w->sink, m);
		return;
	}
	if (w->case_in_doc < 0)
		w->case_in_doc = case_reported(c, w->doc);
	/* Precise control where the case is. */
	if (w->case_in_doc &&
	    !found_in(c, c->wide, w->doc, sent->start, sent->end))
		return;
	md_emit_match(w->sink, m);
}

static int
closure_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct closure *c = state;
	struct walk w = { c, doc, sink, -1 };
	int n;

	n = c->host->match_rules(c->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
closure_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "closure",
	.version = "1.0",
	.categories = categories,
	.init = closure_init,
	.check = closure_check,
	.fini = closure_fini);
