/*
 * riskzone.c - the risk-area checker, measure 二(四) of 2022-11-11 (and
 * 三(二)): the abolished medium level (riskzone.medium), high-risk areas
 * drawn wider than a building or unit (riskzone.overbroad) and high-risk
 * areas kept sealed after 5 days without a new infection
 * (riskzone.not_lifted).
 *
 * The rule pack finds the words; this file decides what a pattern cannot:
 *   - the scope of a designated high-risk area: the area a designation
 *     names (the last place word before it in its sentence, else the
 *     items after it, or the lines of a list it heads) is ranked building,
 *     compound/village, street/town or district/city, and flagged when it
 *     is wider than the version allows (a building or unit from
 *     2022-11-11; a compound or village under the ninth edition, whose
 *     9.8 drew high-risk areas by 小区(村));
 *   - the justification of 三(二): in a document that states 传播风险不明确
 *     or 广泛社区传播 (rule riskzone.overbroad.justified), a wide area is
 *     reported under that rule at severity 1, for review, instead;
 *   - days without a new infection: the count a text states (连续7天,
 *     十几天, 两周) or the days from the last case's date (11月10日最后一例)
 *     to the document's date, compared with the version's limit (option
 *     lift-days, default 5, measure 二(四); lift-days-2022-06-28, default
 *     7, ninth edition 9.10 and 9.13).  Such a statement and a statement
 *     that the area is still sealed (riskzone.not_lifted.sealed) are
 *     reported together, both or neither.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <measured/plugin.h>

static const char *const categories[] = {
	"riskzone.medium", "riskzone.overbroad", "riskzone.not_lifted", NULL
};

/* How wide a place is, smallest first. */
enum level {
	LV_NONE = 0,
	LV_BUILDING,		/* 单元, 楼栋, 户: what 二(四) draws by */
	LV_COMPOUND,		/* 小区, 村, 社区 */
	LV_TOWN,		/* 街道, 乡镇, 片区 */
	LV_DISTRICT,		/* 区, 县, 市, 城区 */
	LV_COUNT
};

static const char *const level_names[LV_COUNT] = {
	"", "楼栋、单元", "小区、村或社区", "街道或乡镇", "区、县或城市"
};

/*
 * Place words per level.  A word followed by what makes it an issuer or a
 * body (区疫情防控指挥部, 社区工作人员) is not a place; 区 after 风险, 控,
 * 范, 辖 ... is a kind of area, not a district.
 */
#define NOT_BODY "(?!疫情|防控|新冠|应对|联防|指挥|人民|政府|卫|委|党|" \
	"工作|干部|书记|网格|志愿|居委|医院|办事处|管委会|领导|传播)"
static const char *const level_patterns[LV_COUNT] = {
	NULL,
	"(?:单元|楼栋|号楼|栋|幢|楼(?!盘|道|下|上|市)|座(?!谈)|户(?!籍|外|口)|"
	    "楼层|房间|[0-9]号(?![楼院文令线码]))" NOT_BODY,
	"(?:小区|花园|家园|公寓|新村|苑|社区|村|屯|大院|号院|楼盘|庄园)"
	    NOT_BODY,
	"(?:街道|乡镇|镇|乡|片区|园区|开发区|工业园)" NOT_BODY,
	"(?:城区|全城|主城|(?<![风险控范辖小社园校景片城发矿营病疫防灾港商考"
	    "厂])区(?!域|间|别|分|块)|县(?!城)|(?<![超菜门城街夜集股])市"
	    "(?!场|民|面|值)|旗(?!舰|帜|下))" NOT_BODY
};

struct riskzone {
	struct md_ctx *ctx;
	const struct md_host *host;
	struct md_regex *place[LV_COUNT];
	struct md_regex *whole;		/* 所有, 全部 ... before a place */
	struct md_regex *everywhere;	/* 全域 with no place before it */
	struct md_regex *list_end;	/* a line that ends a list */
	struct md_regex *lifted;	/* a lifting the text states */
	struct md_regex *condition;	/* "…的", "…后方可": a condition */
	double lift_days;		/* from 2022-11-11 */
	double lift_days_ninth;		/* under 2022-06-28 */
};

/* A match kept until the whole document has been seen. */
struct held {
	struct md_match m;
	double days;			/* not_lifted.days: the days, or -1 */
};

struct walk {
	struct riskzone *rz;
	const struct md_document *doc;
	struct md_sink *sink;
	struct held *held;
	size_t nheld, cap;
	int failed;		/* out of memory */
};

static int
option_days(struct riskzone *rz, const char *name, double dflt,
    double *out)
{
	const char *v = rz->host->config_get(rz->ctx, name);
	char *end;

	*out = dflt;
	if (v == NULL)
		return 0;
	*out = strtod(v, &end);
	if (end == v || *end != '\0' || !(*out > 0)) {
		rz->host->log(rz->ctx, MD_LOG_ERR, "%s must be a positive "
		    "number of days, not \"%s\"", name, v);
		return -EINVAL;
	}
	return 0;
}

static int
riskzone_init(struct md_ctx *ctx, const struct md_host *host, void **state)
{
	struct riskzone *rz = calloc(1, sizeof *rz);
	int i;

	if (rz == NULL)
		return -ENOMEM;
	rz->ctx = ctx;
	rz->host = host;
	for (i = LV_BUILDING; i < LV_COUNT; i++)
		if ((rz->place[i] = host->regex_compile(ctx,
		    level_patterns[i])) == NULL)
			goto fail;
	rz->whole = host->regex_compile(ctx,
	    "(?:所有|全部|全体|各个|各|整片|辖区内)[^,;。、]{0,2}$");
	rz->everywhere = host->regex_compile(ctx, "全域|全境|全城");
	rz->list_end = host->regex_compile(ctx,
	    "风险|通告|公告|特此|指挥部|其他|其余|以外|\\G\\s*[一二三四五六七"
	    "八九十]+、");
	/* A lifting the text reports as done or decided (已解封, 即日起降为
	 * 低风险区), not one wished for or denied (尽快解封, 还没解封). */
	rz->lifted = host->regex_compile(ctx,
	    "(?:已经|已|予以|正式|终于|宣布|决定|同意|今日|今天|即日起|起|"
	    "时|于|并|现|均|统一|依法)(?:解除封控|解除管控|解除封闭|解封|"
	    "降为低风险|调整为低风险)");
	/* What makes "连续5天无新增" a condition rather than a fact. */
	rz->condition = host->regex_compile(ctx,
	    "\\G(?:本土)?(?:阳性)?(?:感染者|病例|确诊病例|阳性|病人)?"
	    "(?:的(?=[,;。]|$|高风险区|风险区|区域|地区|楼栋|单元|小区|社区|"
	    "村|封控区|地方)|的话|时|即|就|则|方可|才|后(?!仍|还|却|依然|"
	    "依旧|至今))");
	if (rz->whole == NULL || rz->everywhere == NULL ||
	    rz->list_end == NULL || rz->lifted == NULL ||
	    rz->condition == NULL)
		goto fail;
	if (option_days(rz, "lift-days", 5, &rz->lift_days) != 0 ||
	    option_days(rz, "lift-days-2022-06-28", 7,
	    &rz->lift_days_ninth) != 0)
		goto fail;
	*state = rz;
	return 0;
fail:
	free(rz);
	return -EINVAL;
}

static int
is_rule(const struct md_match *m, const char *id)
{
	return strcmp(m->rule, id) == 0;
}

static int
ninth_edition(const struct md_document *doc)
{
	return strcmp(doc->version, "2022-06-28") == 0;
}

/* --- the scope of a high-risk area ------------------------------------- */

/*
 * The last place word in [from, to) and its level; *at is where it
 * starts.  A building word after 所有 or 全部 (所有楼栋) is the whole
 * compound.
 */
static enum level
last_place(struct riskzone *rz, const struct md_document *doc, size_t from,
    size_t to, size_t *at)
{
	enum level best = LV_NONE;
	size_t best_at = 0;
	int i;

	for (i = LV_BUILDING; i < LV_COUNT; i++) {
		struct md_span sp;
		size_t pos = from;

		while (pos < to && rz->host->regex_search(rz->ctx,
		    rz->place[i], doc, pos, to, &sp) == 1) {
			if (best == LV_NONE || sp.start >= best_at) {
				best = (enum level)i;
				best_at = sp.start;
			}
			pos = sp.end > sp.start ? sp.end : sp.start + 1;
		}
	}
	if (best != LV_NONE) {
		struct md_span sp;
		size_t lo = best_at > from + 18 ? best_at - 18 : from;

		while (lo > from && ((unsigned char)doc->text[lo] & 0xc0) ==
		    0x80)
			lo++;
		if (best < LV_DISTRICT && rz->host->regex_search(rz->ctx,
		    rz->whole, doc, lo, best_at, &sp) == 1)
			best = (enum level)(best + 1);
		*at = best_at;
		return best;
	}
	/* 全域 alone: the whole of the issuer's area. */
	{
		struct md_span sp;

		if (rz->host->regex_search(rz->ctx, rz->everywhere, doc, from,
		    to, &sp) == 1) {
			*at = sp.start;
			return LV_DISTRICT;
		}
	}
	return LV_NONE;
}

/* From 2023-01-08 (乙类乙管) no risk area of any size is drawn. */
static int
class_b(const struct md_document *doc)
{
	return strcmp(doc->version, "2023-01-08") >= 0;
}

static enum level
lawful_level(const struct md_document *doc)
{
	if (class_b(doc))
		return LV_NONE;
	return ninth_edition(doc) ? LV_COMPOUND : LV_BUILDING;
}

/* One finding for a high-risk area of the given level over span. */
static void
emit_area(struct walk *w, const struct md_match *m, enum level lv,
    size_t start, size_t end, int justified)
{
	struct md_finding f;
	char reason[600];

	memset(&f, 0, sizeof f);
	f.span.start = start;
	f.span.end = end;
	if (justified) {
		f.rule = "riskzone.overbroad.justified";
	} else {
		f.rule = m->rule;
		f.severity = lv == LV_COMPOUND ? 3 : lv == LV_TOWN ? 4 : 5;
		snprintf(reason, sizeof reason, "%s（文中划定的高风险区范围为"
		    "%s一级）", m->reason, level_names[lv]);
		f.reason = reason;
	}
	(void)w->sink->emit(w->sink, &f);	/* a refusal is the host's to log */
}

/* Trims spaces, item numbers and punctuation from both ends of an item. */
static void
trim_item(const char *t, size_t *s, size_t *e)
{
	static const char *const edge[] = { " ", "\t", "\n", ",", ";", ":", ".",
		"。", "、", "(", ")", "0", "1", "2", "3", "4", "5", "6", "7", "8",
		"9" };
	size_t k;
	int again = 1;

	while (again && *s < *e) {
		again = 0;
		for (k = 0; k < sizeof edge / sizeof edge[0]; k++) {
			size_t n = strlen(edge[k]);

			if (*s + n <= *e && memcmp(t + *s, edge[k], n) == 0) {
				*s += n;
				again = 1;
			}
			if (*e >= *s + n && memcmp(t + *e - n, edge[k],
			    n) == 0) {
				*e -= n;
				again = 1;
			}
		}
	}
}

/*
 * Items of [from, to) split at 、 ; , and their levels: emits a finding for
 * each item wider than lawful.  Returns the number of items that named a
 * place at all.
 */
static int
judge_items(struct walk *w, const struct md_match *m, size_t from, size_t to,
    int justified)
{
	const char *t = w->doc->text;
	size_t s = from, i = from;
	int places = 0;

	while (i <= to) {
		size_t sep = i == to ? 0 : t[i] == ';' || t[i] == ',' ? 1 :
		    i + 3 <= to && memcmp(t + i, "、", 3) == 0 ? 3 : 0;
		size_t a = s, b = i, at;
		enum level lv;

		if (i < to && sep == 0) {
			i++;
			continue;
		}
		trim_item(t, &a, &b);
		if (a < b) {
			lv = last_place(w->rz, w->doc, a, b, &at);
			if (lv != LV_NONE)
				places++;
			if (lv > lawful_level(w->doc))
				emit_area(w, m, lv, a, b, justified);
		}
		if (i == to)
			break;
		i += sep;
		s = i;
	}
	return places;
}

/* 1 when the designation heads a list: what follows it to the end of its
 * sentence is only "如下:", "(3个):", "名单:", and a colon or 如下 is
 * there to say so. */
static int
heads_list(const struct md_document *doc, const struct md_match *m,
    size_t to)
{
	static const char *const filler[] = { " ", "\n", ":", ",", "(", ")", "个",
		"如下", "名单", "范围", "具体", "为", "包括", "有", "以下",
		"区域", "所示", "共", "处", "0", "1", "2", "3", "4", "5", "6",
		"7", "8", "9" };
	const char *t = doc->text;
	size_t i = m->span.end, k;
	int said = 0;

	for (k = m->span.start; k < to; k++)
		if (t[k] == ':' || (k + 6 <= to && memcmp(t + k, "如下",
		    6) == 0) || (k + 6 <= to && memcmp(t + k, "名单",
		    6) == 0))
			said = 1;
	if (!said)
		return 0;
	while (i < to) {
		for (k = 0; k < sizeof filler / sizeof filler[0]; k++) {
			size_t n = strlen(filler[k]);

			if (i + n <= to && memcmp(t + i, filler[k], n) == 0) {
				i += n;
				break;
			}
		}
		if (k == sizeof filler / sizeof filler[0])
			return 0;
	}
	return 1;
}

/*
 * The end of the items that follow a designation at off: the next clause
 * boundary other than a colon (划定高风险区:东关村、锦绣花园3栋,...), or
 * the end of the sentence.
 */
static size_t
items_end(const struct md_document *doc, size_t off, size_t sent_end)
{
	const char *t = doc->text;
	size_t i;

	for (i = off; i < sent_end; i++)
		if (t[i] == ',' || t[i] == ';')
			return i;
	return sent_end;
}

static void
judge_area(struct walk *w, const struct md_match *m, int justified)
{
	const struct md_document *doc = w->doc;
	const struct md_clause *sent = &doc->sentences[m->clause->sentence];
	size_t at, sn;
	enum level lv;

	/* 划定为高风险区的7号楼: the area follows. */
	if (m->span.end + 3 <= sent->end &&
	    memcmp(doc->text + m->span.end, "的", 3) == 0) {
		judge_items(w, m, m->span.end + 3, items_end(doc,
		    m->span.end, sent->end), justified);
		return;
	}
	/* A list it heads, one item a line, up to the next heading: the
	 * words before a heading (我市高风险区公布如下, 某区新增高风险区名单)
	 * say whose areas they are, not which. */
	if (heads_list(doc, m, sent->end)) {
		for (sn = m->clause->sentence + 1; sn < doc->nsentences &&
		    sn <= m->clause->sentence + 40; sn++) {
			const struct md_clause *s = &doc->sentences[sn];
			struct md_span sp;

			if (w->rz->host->regex_search(w->rz->ctx,
			    w->rz->list_end, doc, s->start, s->end, &sp) == 1)
				break;
			if (judge_items(w, m, s->start, s->end,
			    justified) == 0)
				break;
		}
		return;
	}
	/* The area before the designation: 将锦绣花园小区划定为高风险区;
	 * a heading (高风险区范围为...) has its area after it. */
	lv = strncmp(doc->text + m->span.start, "高风险", 9) == 0 ? LV_NONE :
	    last_place(w->rz, doc, sent->start, m->span.start, &at);
	if (lv != LV_NONE) {
		if (lv > lawful_level(doc))
			emit_area(w, m, lv, at, m->span.end, justified);
		return;
	}
	/* After it: 划定高风险区:东关村、锦绣花园3栋. */
	judge_items(w, m, m->span.end, items_end(doc, m->span.end, sent->end),
	    justified);
}

/* --- days without a new infection -------------------------------------- */

/* Days from the civil date y-m-d to 1970-01-01 (H. Hinnant's algorithm). */
static long
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A number of days at s: what parse_duration reads, and 十几天, 二十来天
 * (an estimate, read as its lower bound). */
static int
days_at(struct riskzone *rz, const char *s, size_t len, double *days)
{
	static const char *const about[] = { "几", "来", "多", "余" };
	struct md_duration d;
	size_t used, k;
	double v;

	if (rz->host->parse_duration(s, len, &d, &used) == 0) {
		*days = d.days;
		return d.unit == MD_UNIT_HOUR ? -ENOENT : 0;
	}
	if (rz->host->parse_number(s, len, &v, &used) != 0)
		return -ENOENT;
	for (k = 0; k < sizeof about / sizeof about[0]; k++)
		if (used + strlen(about[k]) <= len && memcmp(s + used,
		    about[k], strlen(about[k])) == 0) {
			used += strlen(about[k]);
			break;
		}
	if (k == sizeof about / sizeof about[0])
		return -ENOENT;
	if (used + 3 <= len && (memcmp(s + used, "天", 3) == 0 ||
	    memcmp(s + used, "日", 3) == 0)) {
		*days = v;
		return 0;
	}
	if (used + 3 <= len && memcmp(s + used, "周", 3) == 0) {
		*days = v * 7;
		return 0;
	}
	return -ENOENT;
}

/* The date "M月D日" or "M月D号" at s, as days since 1970 in the year of
 * the document (the year before when the month is later than the
 * document's). */
static int
date_at(struct riskzone *rz, const struct md_document *doc, const char *s,
    size_t len, long *out)
{
	long y, dm, dd;
	double mon, day;
	size_t used, i;

	if (doc->date == NULL || sscanf(doc->date, "%ld-%ld-%ld", &y, &dm,
	    &dd) != 3)
		return -ENOENT;
	if (rz->host->parse_number(s, len, &mon, &used) != 0)
		return -ENOENT;
	i = used;
	if (i + 3 > len || memcmp(s + i, "月", 3) != 0)
		return -ENOENT;
	i += 3;
	if (rz->host->parse_number(s + i, len - i, &day, &used) != 0)
		return -ENOENT;
	i += used;
	if (i + 3 > len || (memcmp(s + i, "日", 3) != 0 &&
	    memcmp(s + i, "号", 3) != 0))
		return -ENOENT;
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return -ENOENT;
	*out = days_from_civil(mon > dm ? y - 1 : y, (long)mon, (long)day);
	return 0;
}

/*
 * 1 when a not_lifted.days match is not evidence of an area kept sealed:
 * a condition ("连续5天未发现新增感染者的, 降为低风险区", "…的高风险区",
 * "…后方可解封"; but "…的和平小区2栋" names the area it describes)
 * or a statement whose sentence says the area was lifted ("连续7天无新增,
 * 今日解除封控").
 */
static int
not_evidence(struct riskzone *rz, const struct md_document *doc,
    const struct md_match *m)
{
	const struct md_clause *sent = &doc->sentences[m->clause->sentence];
	struct md_span sp;

	/* Not after a date: "最后一例11月15号就拉走了" states a fact. */
	if (!(m->span.end >= 3 && (memcmp(doc->text + m->span.end - 3, "日",
	    3) == 0 || memcmp(doc->text + m->span.end - 3, "号", 3) == 0)) &&
	    rz->host->regex_search(rz->ctx, rz->condition, doc, m->span.end,
	    sent->end, &sp) == 1 && sp.start == m->span.end)
		return 1;
	return rz->host->regex_search_stated(rz->ctx, rz->lifted, doc,
	    sent->start, sent->end, &sp) == 1;
}

/*
 * The days without a new infection that a not_lifted.days match states:
 * a count (连续7天, 十几天) where a number starts (not inside another
 * number, not the day of 11月10日), else the days from a date to the
 * document's date.  -1 when it states neither.
 */
static double
stated_days(struct riskzone *rz, const struct md_document *doc,
    const struct md_match *m)
{
	const char *t = doc->text;
	long y, mo, d, when;
	size_t i;
	double days;

	for (i = m->span.start; i < m->span.end; i++) {
		if (((unsigned char)t[i] & 0xc0) == 0x80 ||
		    (i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9') ||
		    (i >= 3 && memcmp(t + i - 3, "月", 3) == 0))
			continue;
		if (days_at(rz, t + i, m->span.end - i, &days) == 0)
			return days;
	}
	if (doc->date == NULL || sscanf(doc->date, "%ld-%ld-%ld", &y, &mo,
	    &d) != 3)
		return -1;
	/* The last date: "11月8号开始封的, 11月13号以后再没出过阳性". */
	days = -1;
	for (i = m->span.start; i < m->span.end; i++) {
		if (((unsigned char)t[i] & 0xc0) == 0x80 ||
		    (i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9'))
			continue;
		if (date_at(rz, doc, t + i, m->span.end - i, &when) == 0) {
			long diff = days_from_civil(y, mo, d) - when;

			days = diff >= 0 ? (double)diff : -1;
		}
	}
	return days;
}

static void
emit_days(struct walk *w, const struct md_match *m, double days)
{
	struct md_finding f;
	char reason[600];

	memset(&f, 0, sizeof f);
	f.rule = m->rule;
	f.span = m->span;
	snprintf(reason, sizeof reason, "%s（按文中所述，已%.0f天未发现新增"
	    "感染者，仍未解封）", m->reason, days);
	f.reason = reason;
	(void)w->sink->emit(w->sink, &f);	/* a refusal is the host's to log */
}

static void
judge_not_lifted(struct walk *w)
{
	double limit = class_b(w->doc) ? 0 : ninth_edition(w->doc) ?
	    w->rz->lift_days_ninth : w->rz->lift_days, most = -1;
	size_t i;
	int sealed = 0;

	for (i = 0; i < w->nheld; i++) {
		const struct held *h = &w->held[i];

		if (is_rule(&h->m, "riskzone.not_lifted.sealed"))
			sealed = 1;
		else if (is_rule(&h->m, "riskzone.not_lifted.days") &&
		    h->days > most)
			most = h->days;
	}
	if (!sealed || most < limit)
		return;
	for (i = 0; i < w->nheld; i++) {
		const struct held *h = &w->held[i];

		if (is_rule(&h->m, "riskzone.not_lifted.sealed"))
			emit_days(w, &h->m, most);
		else if (is_rule(&h->m, "riskzone.not_lifted.days") &&
		    h->days >= limit)
			emit_days(w, &h->m, h->days);
	}
}

/* --- the walk ---------------------------------------------------------- */

static void
on_match(void *arg, const struct md_match *m)
{
	struct walk *w = arg;

	if (strcmp(m->category, "riskzone.medium") == 0) {
		(void)md_emit_match(w->sink, m);
		return;
	}
	if (w->nheld == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct held *h = realloc(w->held, cap * sizeof *h);

		if (h == NULL) {
			w->failed = 1;
			return;
		}
		w->held = h;
		w->cap = cap;
	}
	w->held[w->nheld].m = *m;
	w->held[w->nheld].days = is_rule(m, "riskzone.not_lifted.days") &&
	    !not_evidence(w->rz, w->doc, m) ? stated_days(w->rz, w->doc, m) :
	    -1;
	w->nheld++;
}

static int
riskzone_check(void *state, const struct md_document *doc,
    struct md_sink *sink)
{
	struct riskzone *rz = state;
	struct walk w = { rz, doc, sink, NULL, 0, 0, 0 };
	size_t i;
	int n, justified = 0;

	n = rz->host->match_rules(rz->ctx, doc, on_match, &w);
	if (n < 0) {
		free(w.held);
		return n;
	}
	/* Matches of the justified rule are the reason, not findings. */
	for (i = 0; i < w.nheld; i++)
		if (is_rule(&w.held[i].m, "riskzone.overbroad.justified"))
			justified = 1;
	for (i = 0; i < w.nheld; i++)
		if (is_rule(&w.held[i].m, "riskzone.overbroad.area"))
			judge_area(&w, &w.held[i].m, justified);
	judge_not_lifted(&w);
	free(w.held);
	return w.failed ? -ENOMEM : 0;
}

static void
riskzone_fini(void *state)
{
	free(state);
}

MD_PLUGIN_DEFINE(
	.name = "riskzone",
	.version = "1.0",
	.categories = categories,
	.init = riskzone_init,
	.check = riskzone_check,
	.fini = riskzone_fini);
