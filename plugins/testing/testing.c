/*
 * testing.c - the testing checker: mass testing by administrative region
 * (testing.mass) and excessive test frequencies (testing.frequency),
 * measure 二(六) of 2022-11-11.
 *
 * What a pattern cannot do, done here:
 *   - mass testing is allowed "只在感染来源和传播链条不清、社区传播时间较长
 *     等疫情底数不清时": a document that gives such a reason (and does not
 *     deny it) is not flagged;
 *   - a frequency is parsed to tests per day (一天两检 = 2, 每日一检 = 1,
 *     三天两检 = 0.67) and flagged when it is at least the plugin's
 *     daily-tests option (default 1: a test every day for the general
 *     population, which (六) corrects), with the rate in the reason.
 *
 * testing.certificate (a negative test or a health code demanded outside
 * the special places 新十条 二 lists, from 2022-12-07) is the rule pack's
 * alone: the special places are its exclusions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = {
	"testing.mass", "testing.frequency", "testing.certificate", NULL
};

struct testing {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *unclear;
	double daily;
};

struct walk {
	struct testing *t;
	const struct md_document *doc;
	struct md_sink *sink;
	int justified;		/* -1: not looked yet */
};

static int
testing_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct testing *t = calloc(1, sizeof *t);
	const char *v;

	if (t == NULL)
		return -ENOMEM;
	t->ctx = ctx;
	t->host = host;
	t->unclear = host->regex_compile(ctx,
	    "(?:感染来源|传染来源|传播链(?:条)?|传播途径|来源)[^,;。]{0,10}"
	    "(?:不清|不明|尚不清楚|未查清|不明确)|社区传播(?:时间)?(?:较长|"
	    "持续)|底数不清|隐匿传播|社会面(?:持续)?(?:出现|发现|存在)"
	    "[^,;。]{0,8}(?:感染者|阳性)");
	if (t->unclear == NULL) {
		free(t);
		return -EINVAL;
	}
	v = host->config_get(ctx, "daily-tests");
	t->daily = 1;
	if (v != NULL) {
		char *end;

		t->daily = strtod(v, &end);
		if (end == v || *end != '\0')
			t->daily = -1;	/* refused below */
	}
	if (!(t->daily > 0)) {
		host->log(ctx, MD_LOG_ERR, "daily-tests must be a positive "
		    "number, not \"%s\"", v);
		free(t);
		return -EINVAL;
	}
	*state = t;
	return 0;
}

/* 1 when the document justifies mass testing by an unclear chain. */
static int
justified(struct testing *t, const struct md_document *doc)
{
	struct md_span sp;

	return t->host->regex_search_stated(t->ctx, t->unclear, doc, 0,
	    doc->len, &sp) == 1;
}

static void
frequency(struct walk *w, const struct md_match *m)
{
	const struct md_document *doc = w->doc;
	struct md_frequency f;
	struct md_finding out;
	char reason[400];
	size_t i, used;
	double rate;

	/* Try where a character starts, not inside a number. */
	for (i = m->span.start; i < m->span.end; i++) {
		if (((unsigned char)doc->text[i] & 0xc0) == 0x80 ||
		    (i > 0 && doc->text[i - 1] >= '0' &&
		    doc->text[i - 1] <= '9'))
			continue;
		if (w->t->host->parse_frequency(doc->text + i, doc->len - i,
		    &f, &used) == 0)
			break;
	}
	if (i >= m->span.end || !(f.period_days > 0))
		return;
	rate = f.count / f.period_days;
	if (rate < w->t->daily)
		return;
	snprintf(reason, sizeof reason, "%s（按文中频次折合每天%.2g次）",
	    m->reason, rate);
	memset(&out, 0, sizeof out);
	out.rule = m->rule;
	out.span = m->span;
	out.reason = reason;
	/* More than one test a day is what (六) names; daily is less
	 * grave. */
	out.severity = rate > 1 ? 4 : 3;
	w->sink->emit(w->sink, &out);
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;

	if (strcmp(m->category, "testing.frequency") == 0) {
		frequency(w, m);
		return;
	}
	if (strcmp(m->category, "testing.certificate") == 0) {
		md_emit_match(w->sink, m);
		return;
	}
	/* The exception for an unclear chain of transmission is the 20
	 * measures' (二(六)); 新十条 二 (不按行政区域开展全员核酸检测) and the
	 * class B plan have none. */
	if (w->justified < 0)
		w->justified = strcmp(w->doc->version, "2022-12-07") < 0 &&
		    justified(w->t, w->doc);
	if (w->justified)
		return;
	md_emit_match(w->sink, m);
}

static int
testing_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct testing *t = state;
	struct walk w = { t, doc, sink, -1 };
	int n;

	n = t->host->match_rules(t->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
testing_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "testing",
	.version = "1.0",
	.categories = categories,
	.init = testing_init,
	.check = testing_check,
	.fini = testing_fini);
