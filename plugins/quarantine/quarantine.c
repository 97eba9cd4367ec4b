/*
 * quarantine.c - the quarantine checker (quarantine.excess): quarantine
 * longer, or of a harsher kind, than the measures in force allow for the
 * population it is imposed on.  2022-11-11: 二(一) close contacts and
 * (十) inbound travellers 5天集中隔离+3天居家隔离, (三) people from
 * high-risk areas 7天居家隔离, (五) high-risk job workers after closed-loop
 * work 5天居家健康监测.  2022-06-28 (ninth edition): 7+3 for contacts and
 * inbound travellers, 7 days centralized for high-risk and 7 days at home
 * for medium-risk travel history, 7 days at home for contacts of close
 * contacts, and the 九不准 (no quarantine of people from low-risk areas,
 * no arbitrary extension).
 *
 * The rule pack finds the candidates: each rule is one population (the
 * last part of its id: contact, inbound, riskarea, job, returnee,
 * secondary) and matches from the words for it to the first quarantine
 * statement after it.  This file does what a pattern cannot:
 *   - it reads the statement: durations in any numerals (host
 *     parse_duration and parse_plus), each tied to the kind written next
 *     to it (集中隔离 / 居家隔离 / 居家健康监测, or 隔离 alone), "7+3" as
 *     centralized + home.  The statement runs to the end of the clause and
 *     on into the next ones that continue it (再…, 期满后…, 即…, 调整为…).
 *     Words under negation or lifting (不再实行, 解除…后) do not count, and
 *     in "由A调整为B" only B is stated;
 *   - it compares what is stated with the limits for the population in
 *     the version in force (the table below): centralized quarantine where
 *     only home quarantine is allowed, home quarantine where only health
 *     monitoring is, more days of a kind than allowed, or a longer total.
 *     A lawful statement gives no finding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = { "quarantine.excess", NULL };

enum pop {
	POP_NONE = -1,
	POP_CONTACT,		/* 密切接触者 */
	POP_INBOUND,		/* 入境人员 */
	POP_RISK_HIGH,		/* 高风险区外溢人员, 高风险区旅居史 */
	POP_RISK_MEDIUM,	/* 中风险区旅居史 (ninth edition) */
	POP_JOB,		/* 结束闭环作业的高风险岗位从业人员 */
	POP_RETURNEE,		/* 返乡、外来人员 from no risk area */
	POP_SECONDARY		/* 密接的密接 */
};

/*
 * The most a version allows, in days, per kind and in total; 0 means the
 * kind is not allowed at all for that population.  lawful is what the
 * reason quotes.
 */
struct limit {
	const char *version;
	enum pop pop;
	double central, home, monitor, total;
	const char *lawful;
};

static const struct limit limits[] = {
	{ "2022-11-11", POP_CONTACT, 5, 3, 3, 8, "5天集中隔离+3天居家隔离" },
	{ "2022-11-11", POP_INBOUND, 5, 3, 3, 8, "5天集中隔离+3天居家隔离" },
	{ "2022-11-11", POP_RISK_HIGH, 0, 7, 7, 7, "7天居家隔离，不集中隔离" },
	/* No medium-risk areas any more: treated as high at most. */
	{ "2022-11-11", POP_RISK_MEDIUM, 0, 7, 7, 7,
	    "7天居家隔离，不集中隔离" },
	{ "2022-11-11", POP_JOB, 0, 0, 5, 5, "5天居家健康监测" },
	/* Nothing harsher than what people from high-risk areas get. */
	{ "2022-11-11", POP_RETURNEE, 0, 7, 7, 7,
	    "不集中隔离，至多同高风险区外溢人员7天居家隔离" },
	/* 新十条 三: contacts isolate at home for 5 days (centralized only
	 * by their own choice); the other populations keep the 20 measures'
	 * limits, which this version keeps in force. */
	{ "2022-12-07", POP_CONTACT, 0, 5, 5, 5,
	    "密切接触者5天居家隔离，不强制集中隔离" },
	{ "2022-12-07", POP_INBOUND, 5, 3, 3, 8, "5天集中隔离+3天居家隔离" },
	{ "2022-12-07", POP_RISK_HIGH, 0, 7, 7, 7, "7天居家隔离，不集中隔离" },
	{ "2022-12-07", POP_RISK_MEDIUM, 0, 7, 7, 7,
	    "7天居家隔离，不集中隔离" },
	{ "2022-12-07", POP_JOB, 0, 0, 5, 5, "5天居家健康监测" },
	{ "2022-12-07", POP_RETURNEE, 0, 7, 7, 7,
	    "不集中隔离，至多同高风险区外溢人员7天居家隔离" },
	/* 乙类乙管: no quarantine of anyone. */
	{ "2023-01-08", POP_CONTACT, 0, 0, 0, 0, "不再判定密切接触者，不再隔离" },
	{ "2023-01-08", POP_INBOUND, 0, 0, 0, 0, "入境后不再集中隔离" },
	{ "2023-01-08", POP_RISK_HIGH, 0, 0, 0, 0, "不再划定风险区，不再隔离" },
	{ "2023-01-08", POP_RISK_MEDIUM, 0, 0, 0, 0, "不再划定风险区，不再隔离" },
	{ "2023-01-08", POP_JOB, 0, 0, 0, 0, "不再隔离" },
	{ "2023-01-08", POP_RETURNEE, 0, 0, 0, 0, "不再隔离" },
	{ "2023-01-08", POP_SECONDARY, 0, 0, 0, 0, "不再判定密接，不再隔离" },
	{ "2022-06-28", POP_CONTACT, 7, 3, 3, 10,
	    "7天集中隔离+3天居家健康监测" },
	{ "2022-06-28", POP_INBOUND, 7, 3, 3, 10,
	    "7天集中隔离+3天居家健康监测" },
	{ "2022-06-28", POP_RISK_HIGH, 7, 7, 7, 7, "7天集中隔离医学观察" },
	{ "2022-06-28", POP_RISK_MEDIUM, 0, 7, 7, 7, "7天居家医学观察" },
	/* The ninth edition's own rule for these workers is not in the
	 * catalogue; 二(五) of 2022-11-11 names what it replaced. */
	{ "2022-06-28", POP_JOB, 7, 7, 7, 7, "7天集中隔离或7天居家隔离" },
	{ "2022-06-28", POP_RETURNEE, 0, 0, 7, 7,
	    "来自低风险地区的人员不得隔离" },
	{ "2022-06-28", POP_SECONDARY, 0, 7, 7, 7, "7天居家隔离医学观察" },
};

enum kind { K_NONE, K_CENTRAL, K_HOME, K_MONITOR, K_ANY };

static const struct {
	const char *s;
	enum kind k;
} kinds[] = {
	/* At one position the first that matches wins: longer first. */
	{ "集中隔离医学观察", K_CENTRAL }, { "集中医学观察", K_CENTRAL },
	{ "集中隔离", K_CENTRAL }, { "集中观察", K_CENTRAL },
	{ "集中管控", K_CENTRAL }, { "酒店隔离", K_CENTRAL },
	{ "隔离酒店", K_CENTRAL }, { "隔离点", K_CENTRAL },
	{ "方舱隔离", K_CENTRAL }, { "集中", K_CENTRAL },
	{ "居家健康监测", K_MONITOR }, { "居家监测", K_MONITOR },
	{ "健康监测", K_MONITOR },
	{ "居家隔离医学观察", K_HOME }, { "居家医学观察", K_HOME },
	{ "居家隔离", K_HOME }, { "居家观察", K_HOME },
	{ "居家管控", K_HOME }, { "在家隔离", K_HOME }, { "居家", K_HOME },
	{ "医学观察", K_ANY }, { "隔离", K_ANY },
};

/* Words between a kind and the duration after it: 集中隔离[期限为]7天,
 * 隔离[了]14天, 集中隔离[时间不少于]10天. */
static const char *const kind_fillers[] = {
	"医学观察", "期限", "时间", "天数", "期", "为", "满", "了", "已经",
	"已", "一共", "总共", "共", "长达", "达", "不少于", "至少", "整整",
	"足足", "都", "快", "将近", "近", "超过", "的", "管理", "措施",
	"要", "需", "须", "必须", "“", "”", "\"", "(", ")", " "
};

/* Words between a duration and the kind after it: 7天[的]集中隔离. */
static const char *const dur_fillers[] = {
	"的", "“", "”", "\"", "(", ")", " "
};

/* What turns "A" into "B": in "由A调整为B" only B is stated. */
static const char *const switches[] = {
	"优化调整为", "调整为", "调整成", "改为", "改成", "缩短为",
	"缩短至", "缩短到", "缩减为", "变更为", "调为", "优化为", "延长为",
	"延长至", "延长到", "增加到", "增加至"
};

/* Openings of a clause that goes on with the statement before it. */
static const char *const continuations[] = {
	"期满后", "解除后", "之后", "然后", "随后", "接着", "再", "后",
	"加", "+", "即", "共", "一共", "总共", "合计", "转为", "转入",
	"并", "集中隔离期满", "集中隔离结束", "居家隔离期满",
	"隔离期满", "隔离结束", "期满", "结束后", "回家后", "到家后",
	"返家后"
};

/* Durations that are not a quarantine: 第3天, 每2天, 11月20日. */
static const char *const not_before[] = { "第", "每", "月", "号" };
/* ... nor a window: 7天内, 48小时以内, 14天以来, 20日起. */
static const char *const not_after[] = { "内", "以内", "之内", "以来",
	"起", "前" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXTOK 64

enum tok_type { T_KIND, T_DUR, T_PLUS };

struct tok {
	enum tok_type type;
	enum kind kind;		/* T_KIND; T_DUR once tied to one */
	double a, b;		/* days; b only for T_PLUS */
	size_t start, end;
};

struct quarantine {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *no_home;	/* 不具备居家隔离条件 */
};

struct walk {
	struct quarantine *q;
	const struct md_document *doc;
	struct md_sink *sink;
};

/* What a statement says, in days; 0 where it says nothing. */
struct stated {
	double central, home, monitor, plus_home, any;
};

static int
quarantine_init(struct md_ctx *ctx, const struct md_host *host,
    void **state)
{
	struct quarantine *q = calloc(1, sizeof *q);

	if (q == NULL)
		return -ENOMEM;
	q->ctx = ctx;
	q->host = host;
	q->no_home = host->regex_compile(ctx,
	    "(?:不具备|不具有|不符合|没有|无)(?:居家(?:隔离)?)?条件");
	if (q->no_home == NULL) {
		free(q);
		return -EINVAL;
	}
	*state = q;
	return 0;
}

/* The length of the first word of list at t[i, to), or 0. */
static size_t
word_at(const char *t, size_t i, size_t to, const char *const *list,
    size_t n)
{
	size_t k, len;

	for (k = 0; k < n; k++) {
		len = strlen(list[k]);
		if (i + len <= to && memcmp(t + i, list[k], len) == 0)
			return len;
	}
	return 0;
}

/* 1 when a word of list ends right at t[i]. */
static int
word_before(const char *t, size_t from, size_t i, const char *const *list,
    size_t n)
{
	size_t k, len;

	for (k = 0; k < n; k++) {
		len = strlen(list[k]);
		if (i >= from + len && memcmp(t + i - len, list[k], len) == 0)
			return 1;
	}
	return 0;
}

/* Skips the words of list (spaces too) from *i; at most a few rounds. */
static void
skip_words(const char *t, size_t *i, size_t to, const char *const *list,
    size_t n)
{
	size_t len;
	int rounds;

	for (rounds = 0; rounds < 6; rounds++) {
		len = word_at(t, *i, to, list, n);
		if (len == 0)
			break;
		*i += len;
	}
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The end of the statement that starts at from: the end of its clause,
 * and of each next clause of the sentence that continues it.
 */
static size_t
statement_end(const struct md_document *doc, const struct md_host *host,
    size_t from)
{
	const struct md_clause *c = host->clause_at(doc, from), *n;
	size_t p;

	if (c == NULL)
		return from;
	for (;;) {
		n = c + 1;
		if (n >= doc->clauses + doc->nclauses ||
		    n->sentence != c->sentence)
			break;
		p = n->start;
		skip_words(doc->text, &p, n->end, dur_fillers,
		    NELEM(dur_fillers));
		if (word_at(doc->text, p, n->end, continuations,
		    NELEM(continuations)) == 0 &&
		    word_at(doc->text, p, n->end, switches,
		    NELEM(switches)) == 0)
			break;
		c = n;
	}
	return c->end;
}

/* Splits text[from, to) into kinds, durations and "7+3"; returns the
 * count.  Only what the text states (not negated or lifted) is kept. */
static size_t
tokenize(struct walk *w, size_t from, size_t to, struct tok *toks)
{
	const struct md_host *h = w->q->host;
	const char *t = w->doc->text;
	struct md_duration d;
	double a, b;
	size_t i = from, n = 0, k, len, used;

	while (i < to && n < MAXTOK) {
		struct tok *tk = &toks[n];

		if (((unsigned char)t[i] & 0xc0) == 0x80) {
			i++;
			continue;
		}
		for (k = 0; k < NELEM(kinds); k++) {
			len = strlen(kinds[k].s);
			if (i + len <= to && memcmp(t + i, kinds[k].s, len) == 0)
				break;
		}
		if (k < NELEM(kinds)) {
			tk->type = T_KIND;
			tk->kind = kinds[k].k;
			tk->a = 0;	/* set once a duration is tied to it */
			tk->start = i;
			tk->end = i + len;
		} else if ((i > from && is_digit(t[i - 1])) ||
		    word_before(t, from, i, not_before, NELEM(not_before))) {
			i++;
			continue;
		} else if (h->parse_plus(t + i, to - i, &a, &b, &used) == 0 &&
		    a > 0 && b > 0 && a <= 60 && b <= 60) {
			tk->type = T_PLUS;
			tk->kind = K_NONE;
			tk->a = a;
			tk->b = b;
			tk->start = i;
			tk->end = i + used;
		} else if (h->parse_duration(t + i, to - i, &d, &used) == 0 &&
		    d.unit != MD_UNIT_HOUR && d.days > 0 && d.days <= 366 &&
		    word_at(t, i + used, to, not_after,
		    NELEM(not_after)) == 0) {
			tk->type = T_DUR;
			tk->kind = K_NONE;
			tk->a = d.days;
			tk->start = i;
			tk->end = i + used;
		} else {
			i++;
			continue;
		}
		i = tk->end;
		if (h->scope_at(w->doc, tk->start, tk->end) == MD_SCOPE_PLAIN)
			n++;
	}
	return n;
}

/* The position after the last switch word (调整为 ...) stated in
 * text[from, to), or from. */
static size_t
after_switch(struct walk *w, size_t from, size_t to)
{
	const char *t = w->doc->text;
	size_t i, len, at = from;

	for (i = from; i < to; i++) {
		if (((unsigned char)t[i] & 0xc0) == 0x80)
			continue;
		len = word_at(t, i, to, switches, NELEM(switches));
		if (len > 0 && w->q->host->scope_at(w->doc, i, i + len) ==
		    MD_SCOPE_PLAIN) {
			at = i + len;
			i = at - 1;
		}
	}
	return at;
}

/*
 * Ties each duration to its kind and adds up what the statement in
 * toks[0, n) says.  A duration takes the kind just before it (集中隔离10天)
 * when that kind has none yet, else the kind just after it (7天集中隔离);
 * one tied to neither takes the default kind (the last one before a
 * switch word), or is not a quarantine at all.
 */
static void
read_statement(const char *t, struct tok *toks, size_t n, enum kind dflt,
    struct stated *st)
{
	size_t i, p;
	int used_prev;
	enum kind k;

	memset(st, 0, sizeof *st);
	for (i = 0; i < n; i++) {
		struct tok *tk = &toks[i];

		if (tk->type == T_PLUS) {
			if (tk->a > st->central)
				st->central = tk->a;
			if (tk->b > st->plus_home)
				st->plus_home = tk->b;
			continue;
		}
		if (tk->type != T_DUR)
			continue;
		k = K_NONE;
		used_prev = i > 0 && toks[i - 1].type == T_KIND &&
		    toks[i - 1].a > 0;
		if (i > 0 && toks[i - 1].type == T_KIND && !used_prev) {
			p = toks[i - 1].end;
			skip_words(t, &p, tk->start, kind_fillers,
			    NELEM(kind_fillers));
			if (p == tk->start) {
				k = toks[i - 1].kind;
				toks[i - 1].a = 1;	/* has its duration */
			}
		}
		if (k == K_NONE && i + 1 < n && toks[i + 1].type == T_KIND) {
			p = tk->end;
			skip_words(t, &p, toks[i + 1].start, dur_fillers,
			    NELEM(dur_fillers));
			if (p == toks[i + 1].start) {
				k = toks[i + 1].kind;
				toks[i + 1].a = 1;
			}
		}
		if (k == K_NONE)
			k = dflt;
		switch (k) {
		case K_CENTRAL:
			if (tk->a > st->central)
				st->central = tk->a;
			break;
		case K_HOME:
			if (tk->a > st->home)
				st->home = tk->a;
			break;
		case K_MONITOR:
			if (tk->a > st->monitor)
				st->monitor = tk->a;
			break;
		case K_ANY:
			if (tk->a > st->any)
				st->any = tk->a;
			break;
		case K_NONE:
			break;
		}
	}
}

/* 1 when word occurs in t[from, to). */
static int
contains(const char *t, size_t from, size_t to, const char *word)
{
	size_t len = strlen(word), i;

	for (i = from; i + len <= to; i++)
		if (memcmp(t + i, word, len) == 0)
			return 1;
	return 0;
}

/* The population of a match: the last part of its rule's id. */
static enum pop
pop_of(const struct md_document *doc, const struct md_match *m)
{
	static const struct {
		const char *id;
		enum pop pop;
	} ids[] = {
		{ "contact", POP_CONTACT }, { "inbound", POP_INBOUND },
		{ "job", POP_JOB }, { "returnee", POP_RETURNEE },
		{ "secondary", POP_SECONDARY }, { "riskarea", POP_RISK_HIGH }
	};
	const char *p = strrchr(m->rule, '.'), *t = doc->text;
	size_t i;

	if (p == NULL)
		return POP_NONE;
	for (i = 0; i < NELEM(ids); i++)
		if (strcmp(p + 1, ids[i].id) == 0)
			break;
	if (i == NELEM(ids))
		return POP_NONE;
	/* 中高风险区 and 外溢人员 are high; 中风险区 alone is medium. */
	if (ids[i].pop == POP_RISK_HIGH &&
	    !contains(t, m->span.start, m->span.end, "高风险") &&
	    !contains(t, m->span.start, m->span.end, "外溢") &&
	    contains(t, m->span.start, m->span.end, "中风险"))
		return POP_RISK_MEDIUM;
	return ids[i].pop;
}

static const struct limit *
limit_of(const char *version, enum pop pop)
{
	size_t i;

	for (i = 0; i < NELEM(limits); i++)
		if (limits[i].pop == pop &&
		    strcmp(limits[i].version, version) == 0)
			return &limits[i];
	return NULL;
}

/* Appends "集中隔离7天" style parts to buf. */
static void
describe(const struct stated *st, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
#define PART(cond, fmt, v)                                              \
	if ((cond) && n < size)                                         \
		n += (size_t)snprintf(buf + n, size - n, "%s" fmt,      \
		    n > 0 ? "、" : "", (v))
	PART(st->central > 0, "集中隔离%g天", st->central);
	PART(st->plus_home > st->home + st->monitor, "其后居家%g天",
	    st->plus_home);
	PART(st->home > 0, "居家隔离%g天", st->home);
	PART(st->monitor > 0, "居家健康监测%g天", st->monitor);
	PART(st->any > 0, "隔离%g天", st->any);
#undef PART
}

/* 1 when the match's sentence says the person cannot stay at home. */
static int
no_home(struct walk *w, const struct md_match *m)
{
	const struct md_clause *s = &w->doc->sentences[m->clause->sentence];
	struct md_span sp;

	return w->q->host->regex_search_stated(w->q->ctx, w->q->no_home,
	    w->doc, s->start, s->end, &sp) == 1;
}

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;
	const struct md_document *doc = w->doc;
	const struct limit *lim;
	struct tok toks[MAXTOK];
	struct stated st;
	struct md_finding out;
	char said[200], reason[1000];
	size_t from, to, sw, n, i;
	enum kind dflt = K_NONE;
	double home, total;
	int excess = 0, grave = 0;

	lim = limit_of(doc->version, pop_of(doc, m));
	/* The statement may lie in a later clause than the match's start,
	 * where the host's own question check does not look. */
	if (lim == NULL || w->q->host->asks_at(w->q->ctx, doc,
	    m->span.end - 1))
		return;
	from = m->span.start;
	to = statement_end(doc, w->q->host, m->span.end > from ?
	    m->span.end - 1 : from);
	sw = after_switch(w, from, to);
	if (sw > from) {
		/* The default kind is the last one before the switch. */
		n = tokenize(w, from, sw, toks);
		for (i = 0; i < n; i++)
			if (toks[i].type == T_KIND)
				dflt = toks[i].kind;
		from = sw;
	}
	n = tokenize(w, from, to, toks);
	read_statement(doc->text, toks, n, dflt, &st);
	/* 三(一): "不具备居家隔离条件者仍实行集中隔离" - where only home
	 * quarantine is allowed, centralized is its stand-in for those who
	 * cannot stay at home, for no longer. */
	if (lim->central == 0 && st.central > 0 && no_home(w, m)) {
		if (st.central > st.home)
			st.home = st.central;
		st.central = 0;
	}

	home = st.home + st.monitor;
	if (st.plus_home > home)
		home = st.plus_home;
	total = st.central + home;
	if (st.any > total)
		total = st.any;
	if (st.central > 0 && st.central > lim->central)
		excess = grave = 1;
	if (st.home > 0 && st.home > lim->home)
		excess = 1;
	if (st.monitor > lim->monitor)
		excess = 1;
	if (st.plus_home > (lim->home > lim->monitor ? lim->home :
	    lim->monitor))
		excess = 1;
	if (total > lim->total) {
		excess = 1;
		if (st.any > lim->total)
			grave = 1;
	}
	if (!excess)
		return;
	describe(&st, said, sizeof said);
	snprintf(reason, sizeof reason, "%s（文中：%s；%s版对此类人员：%s）",
	    m->reason, said, doc->version, lim->lawful);
	memset(&out, 0, sizeof out);
	out.rule = m->rule;
	out.span = m->span;
	out.reason = reason;
	/* Centralized where the measures allow less, or a stated total of
	 * an unnamed kind past the limit, is the grave case; days too many
	 * at home are less so. */
	out.severity = grave ? 4 : 3;
	w->sink->emit(w->sink, &out);
}

static int
quarantine_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct quarantine *q = state;
	struct walk w = { q, doc, sink };
	int n;

	n = q->host->match_rules(q->ctx, doc, on_match, &w);
	return n < 0 ? n : 0;
}

static void
quarantine_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "quarantine",
	.version = "1.0",
	.categories = categories,
	.init = quarantine_init,
	.check = quarantine_check,
	.fini = quarantine_fini);
