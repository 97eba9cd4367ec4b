/*
 * inbound.c - the inbound checker: the circuit-breaker and pre-boarding
 * tests of inbound flights (inbound.flight, measure 二（七）) and repeated
 * quarantine of inbound travellers at their destination (inbound.repeat,
 * 二（十）) of 2022-11-11.
 *
 * The rule pack finds the words; this file decides what a pattern cannot:
 *   - pre-boarding tests: how many tests a requirement names (2次, 两次,
 *     双检, 核酸 and 抗原) and within how many hours before boarding.  One
 *     test within 48 hours is the measure; more tests, or a shorter window
 *     (the option min-window-hours, default 48), is a violation.
 *   - repeated quarantine: whether a quarantine at the destination repeats
 *     the one at the first point of entry or only completes it.  5天集中隔离
 *     +3天居家隔离 may end at home at the destination, so 3 days of home
 *     quarantine there (the option home-remainder-days) after the
 *     centralized part is lawful; any centralized quarantine at the
 *     destination, a longer home quarantine, a quarantine after the whole
 *     of it was done at the entry point, or one the text calls 又, 重新,
 *     重复, 再次, 二次 or 另行 is a repeat.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = {
	"inbound.flight", "inbound.repeat", NULL
};

struct inbound {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *again;		/* a word that makes it a repeat */
	struct md_regex *done;		/* the whole quarantine was done */
	struct md_regex *central;	/* centralized quarantine */
	struct md_regex *home;		/* home quarantine */
	double min_window_days;
	double home_remainder_days;
};

static int
option_days(struct inbound *in, const char *name, double per_unit,
    double def, double *out)
{
	const char *v = in->host->config_get(in->ctx, name);
	char *end;

	*out = def;
	if (v == NULL)
		return 0;
	*out = strtod(v, &end) / per_unit;
	if (end == v || *end != '\0' || !(*out > 0)) {
		in->host->log(in->ctx, MD_LOG_ERR, "%s must be a positive "
		    "number, not \"%s\"", name, v);
		return -EINVAL;
	}
	return 0;
}

static int
inbound_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct inbound *in = calloc(1, sizeof *in);

	if (in == NULL)
		return -ENOMEM;
	in->ctx = ctx;
	in->host = host;
	/* 又 is not here: "回家又居家隔离3天" is the home part of 5+3;
	 * its length decides, below. */
	in->again = host->regex_compile(ctx,
	    "重新|重复|再次|二次|另行");
	in->done = host->regex_compile(ctx,
	    "居家(?:隔离|健康监测)?[^,;。]{0,8}(?:完|满|结束|期满|后|了)|"
	    "集中[^,;。]{0,8}(?:\\+|加|和|、|及)[^,;。]{0,6}居家|"
	    "[0-9一二两三四五六七八九十]+\\s*(?:天)?\\s*(?:\\+|加)\\s*"
	    "[0-9一二两三四五六七八九十]+|隔离期满|解除隔离|"
	    "隔离[^,;。]{0,4}(?:结束|完|满)|"
	    "完成隔离|隔离都(?:做|隔)完");
	in->central = host->regex_compile(ctx,
	    "集中|隔离点|隔离酒店|方舱|酒店隔离|拉走|拉去");
	in->home = host->regex_compile(ctx, "居家|在家|家中|到家");
	if (in->again == NULL || in->done == NULL || in->central == NULL ||
	    in->home == NULL)
		goto fail;
	if (option_days(in, "min-window-hours", 24, 2,
	    &in->min_window_days) != 0 ||
	    option_days(in, "home-remainder-days", 1, 3,
	    &in->home_remainder_days) != 0)
		goto fail;
	*state = in;
	return 0;
fail:
	free(in);
	return -EINVAL;
}

static int
found(struct inbound *in, const struct md_regex *re,
    const struct md_document *doc, size_t from, size_t to)
{
	struct md_span sp;

	return from < to &&
	    in->host->regex_search(in->ctx, re, doc, from, to, &sp) == 1;
}

/*
 * 1 when a number may start at text[i]: a character boundary, not inside
 * a longer Arabic number, and not the day of a date (11月20日).
 */
static int
number_starts(const struct md_document *doc, size_t i)
{
	const char *t = doc->text;

	if (((unsigned char)t[i] & 0xc0) == 0x80)
		return 0;
	if (i > 0 && ((t[i - 1] >= '0' && t[i - 1] <= '9') || t[i - 1] == '.'))
		return 0;
	if (i >= 3 && memcmp(t + i - 3, "月", 3) == 0)
		return 0;
	return 1;
}

/*
 * The shortest duration stated in text[from, to), in days, or -1.  A
 * window is a limit: when a requirement names two (48小时内核酸, 24小时内
 * 抗原), the shorter one is what the traveller must meet.
 */
static double
shortest_days(struct inbound *in, const struct md_document *doc,
    size_t from, size_t to)
{
	double best = -1;
	size_t i;

	for (i = from; i < to; i++) {
		struct md_duration d;
		size_t used;

		if (!number_starts(doc, i))
			continue;
		if (in->host->parse_duration(doc->text + i, doc->len - i, &d,
		    &used) == 0 && i + used <= to) {
			if (best < 0 || d.days < best)
				best = d.days;
			i += used - 1;
		}
	}
	return best;
}

/* The first duration stated in text[from, to), in days, or -1. */
static double
first_days(struct inbound *in, const struct md_document *doc, size_t from,
    size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		struct md_duration d;
		size_t used;

		if (number_starts(doc, i) && in->host->parse_duration(
		    doc->text + i, doc->len - i, &d, &used) == 0 &&
		    i + used <= to)
			return d.days;
	}
	return -1;
}

static int
at(const struct md_document *doc, size_t i, size_t to, const char *word)
{
	size_t n = strlen(word);

	return i + n <= to && memcmp(doc->text + i, word, n) == 0;
}

/*
 * How many tests a requirement in text[from, to) names: N次 or N检 (the
 * largest N), 双 before 检, 阴 or 采 (2), or 核酸 together with 抗原 (2).
 * 1 when it names no count.
 */
static double
tests_named(struct inbound *in, const struct md_document *doc, size_t from,
    size_t to)
{
	double count = 1, v;
	size_t i, used;

	for (i = from; i < to; i++) {
		if (at(doc, i, to, "双") && (at(doc, i + 3, to, "检") ||
		    at(doc, i + 3, to, "阴") || at(doc, i + 3, to, "采"))) {
			if (count < 2)
				count = 2;
			continue;
		}
		if (!number_starts(doc, i) || in->host->parse_number(
		    doc->text + i, doc->len - i, &v, &used) != 0)
			continue;
		if (i + used < to && (at(doc, i + used, to, "次") ||
		    at(doc, i + used, to, "检")) && v > count && v < 10)
			count = v;
		i += used - 1;
	}
	if (count < 2) {
		const char *p = doc->text + from;
		size_t n = to - from;

		if (memmem(p, n, "核酸", strlen("核酸")) != NULL &&
		    memmem(p, n, "抗原", strlen("抗原")) != NULL)
			count = 2;
	}
	return count;
}

static void
pretests(struct inbound *in, const struct md_document *doc,
    struct md_sink *sink, const struct md_match *m)
{
	double count = tests_named(in, doc, m->span.start, m->span.end);
	double window = shortest_days(in, doc, m->span.start, m->span.end);
	struct md_finding f = { m->rule, NULL, 0, 0.0, m->span, NULL };

	if (count >= 2) {
		sink->emit(sink, &f);
		return;
	}
	if (window > 0 && window < in->min_window_days - 1e-9) {
		/* Stricter than the measure, but one test all the same. */
		f.severity = 3;
		f.reason = "要求入境旅客登机前核酸检测的时限短于48小时"
		    "（二（七）登机前48小时内1次核酸检测阴性证明）";
		sink->emit(sink, &f);
	}
}

/*
 * Where the quarantine at the destination starts in a match.  The rules
 * start a match at "解除（集中）隔离（期满）" when it comes first, to keep the
 * lifting word 解除 inside the match (docs/RULES.md: scope); that release
 * belongs to the entry point, so it is skipped here.
 */
static size_t
quarantine_after_release(const struct md_document *doc,
    const struct md_match *m)
{
	const char *t = doc->text + m->span.start, *q;
	size_t n = m->span.end - m->span.start;

	if (n < strlen("解除") || memcmp(t, "解除", strlen("解除")) != 0)
		return m->span.start;
	q = memmem(t, n, "隔离", strlen("隔离"));
	if (q == NULL)
		return m->span.start;
	q += strlen("隔离");
	if ((size_t)(q - t) + strlen("期满") <= n &&
	    memcmp(q, "期满", strlen("期满")) == 0)
		q += strlen("期满");
	return m->span.start + (size_t)(q - t);
}

/*
 * 1 when the quarantine matched at m at the destination repeats the one
 * at the first point of entry.  The text looked at for its kind and length
 * runs from the match to the end of the clause the match ends in
 * ("再居家隔离3天").
 */
static int
repeats(struct inbound *in, const struct md_document *doc,
    const struct md_match *m)
{
	const struct md_clause *sent = &doc->sentences[m->clause->sentence];
	const struct md_clause *last = in->host->clause_at(doc,
	    m->span.end > m->span.start ? m->span.end - 1 : m->span.start);
	size_t to = last != NULL ? last->end : m->span.end;
	double days, a, b;
	size_t i, used, body;

	if (to < m->span.end)
		to = m->span.end;
	body = quarantine_after_release(doc, m);
	if (found(in, in->again, doc, body, m->span.end))
		return 1;
	/* All of 5+3 was done before the destination came in. */
	if (found(in, in->done, doc, sent->start, body))
		return 1;
	for (i = body; i < to; i++)
		if (number_starts(doc, i) && in->host->parse_plus(
		    doc->text + i, doc->len - i, &a, &b, &used) == 0 &&
		    i + used <= to)
			return 1;	/* a whole "5+3" again */
	if (found(in, in->central, doc, body, to))
		return 1;
	days = first_days(in, doc, body, to);
	if (days > in->home_remainder_days + 1e-9)
		return 1;
	if (found(in, in->home, doc, body, to))
		return 0;	/* the home part of 5+3, where one lives */
	/* A bare 隔离 at the destination: only a short one completes 5+3. */
	return days < 0;
}

struct walk {
	struct inbound *in;
	const struct md_document *doc;
	struct md_sink *sink;
};

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;

	if (strcmp(m->rule, "inbound.flight.pretests") == 0)
		pretests(w->in, w->doc, w->sink, m);
	else if (strcmp(m->category, "inbound.repeat") == 0) {
		if (repeats(w->in, w->doc, m))
			md_emit_match(w->sink, m);
	} else
		md_emit_match(w->sink, m);
}

static int
inbound_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct inbound *in = state;
	struct walk w = { in, doc, sink };
	int n;

	n = in->host->match_rules(in->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
inbound_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "inbound",
	.version = "1.0",
	.categories = categories,
	.init = inbound_init,
	.check = inbound_check,
	.fini = inbound_fini);
