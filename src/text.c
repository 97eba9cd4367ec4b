/*
 * text.c - the host's text services (see text.h): strict UTF-8, full-width
 * folding with a sparse offset map, sentence and clause splitting, negation
 * and lifting scope, Chinese and Arabic numerals, durations, test
 * frequencies and the date a document states.
 *
 * md_text_init() runs on every document, so it makes one pass to validate
 * and fold and one to split, with no allocation per character.  The other
 * services run only where a rule matched.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* --- UTF-8 ------------------------------------------------------------- */

/*
 * Decodes one character at p (n bytes available).  Returns its length, or
 * 0 when the bytes are not strict UTF-8 (overlong, surrogate, above
 * U+10FFFF, truncated, stray continuation) or are a NUL.
 */
static size_t
decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0];

	if (c < 0x80) {
		*cp = c;
		return c != 0;
	}
	if (c < 0xc2)
		return 0;	/* continuation byte or overlong lead */
	if (c < 0xe0) {
		if (n < 2 || (p[1] & 0xc0) != 0x80)
			return 0;
		*cp = ((c & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		*cp = ((c & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
		    (p[2] & 0x3f);
		if (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		*cp = ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
		    ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
		if (*cp < 0x10000 || *cp > 0x10ffff)
			return 0;
		return 4;
	}
	return 0;
}

int
md_utf8_check(const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		if (p[i] >= 0x01 && p[i] < 0x80) {
			i++;
			continue;
		}
		k = decode(p + i, len - i, &cp);
		if (k == 0) {
			if (bad != NULL)
				*bad = i;
			return -EILSEQ;
		}
		i += k;
	}
	return 0;
}

/* --- folding and the offset map ---------------------------------------- */

struct growing {
	void *data;
	size_t n, cap, size;
};

static int
grow(struct growing *g)
{
	void *p;
	size_t cap;

	if (g->n < g->cap)
		return 0;
	cap = g->cap ? g->cap * 2 : 16;
	p = realloc(g->data, cap * g->size);
	if (p == NULL)
		return -ENOMEM;
	g->data = p;
	g->cap = cap;
	return 0;
}

static int
add_point(struct growing *g, size_t norm, size_t orig)
{
	struct md_text_point *pt;

	if (grow(g) != 0)
		return -ENOMEM;
	pt = (struct md_text_point *)g->data + g->n++;
	pt->norm = norm;
	pt->orig = orig;
	return 0;
}

/*
 * Validates and folds in one pass: ASCII and most multi-byte characters
 * are copied in runs; U+FF01..U+FF5E, U+3000, a leading BOM and CR change
 * length and leave a point in the offset map.
 */
static int
fold(struct md_text *t, const unsigned char *s, size_t len, size_t *bad)
{
	struct growing pts = { NULL, 0, 0, sizeof(struct md_text_point) };
	unsigned char *out;
	size_t i = 0, o = 0, run;
	uint32_t cp;
	int rc = -ENOMEM;

	out = malloc(len + 1 + MD_TEXT_PAD);
	if (out == NULL)
		return -ENOMEM;
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		i = 3;
		if (add_point(&pts, 0, 3) != 0)
			goto fail;
	}
	while (i < len) {
		size_t k;

		/* A run of characters that stay as they are. */
		run = i;
		for (;;) {
			while (i < len && s[i] >= 0x01 && s[i] < 0x80 &&
			    s[i] != '\r')
				i++;
			if (i >= len || s[i] == '\r' || s[i] == 0)
				break;
			k = decode(s + i, len - i, &cp);
			if (k == 0 || (cp >= 0xff01 && cp <= 0xff5e) ||
			    cp == 0x3000)
				break;
			i += k;
		}
		memcpy(out + o, s + run, i - run);
		o += i - run;
		if (i >= len)
			break;
		if (s[i] == '\r') {
			out[o++] = '\n';
			i += i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
		} else {
			k = decode(s + i, len - i, &cp);
			if (k == 0) {
				if (bad != NULL)
					*bad = i;
				rc = -EILSEQ;
				goto fail;
			}
			/* U+FF01..U+FF5E -> U+0021..U+007E; U+3000 -> ' ' */
			out[o++] = cp == 0x3000 ? ' ' :
			    (unsigned char)(cp - 0xfee0);
			i += k;
		}
		if (add_point(&pts, o, i) != 0)
			goto fail;
	}
	memset(out + o, 0, len + 1 + MD_TEXT_PAD - o);
	t->norm = (char *)out;
	t->norm_len = o;
	t->points = pts.data;
	t->npoints = pts.n;
	return 0;
fail:
	free(out);
	free(pts.data);
	return rc;
}

size_t
md_text_orig(const struct md_text *t, size_t off)
{
	size_t lo = 0, hi = t->npoints;

	if (off > t->norm_len)
		off = t->norm_len;
	if (off == t->norm_len)
		return t->orig_len;
	/* The last point at or before off. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->points[mid].norm <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return off;
	return t->points[lo - 1].orig + (off - t->points[lo - 1].norm);
}

/* --- splitting --------------------------------------------------------- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a sentence terminator at p (。 ! ? LF), or 0. */
static size_t
sentence_end(const char *p, const char *end)
{
	if (*p == '!' || *p == '?' || *p == '\n')
		return 1;
	if (end - p >= 3 && memcmp(p, "\xe3\x80\x82", 3) == 0)	/* 。 */
		return 3;
	return 0;
}

/* 1 when p is a clause separator: , ; : (not , or : between digits). */
static int
clause_end(const char *text, const char *p, const char *end)
{
	if (*p == ';')
		return 1;
	if (*p != ',' && *p != ':')
		return 0;
	return !(p > text && is_digit(p[-1]) && p + 1 < end &&
	    is_digit(p[1]));
}

static int
blank(const char *p, const char *e)
{
	for (; p < e; p++)
		if (*p != ' ' && *p != '\n' && *p != '\t')
			return 0;
	return 1;
}

static int
add_span(struct growing *g, size_t start, size_t end, size_t sentence)
{
	struct md_clause *c;

	if (grow(g) != 0)
		return -ENOMEM;
	c = (struct md_clause *)g->data + g->n++;
	c->start = start;
	c->end = end;
	c->sentence = sentence;
	return 0;
}

static int
split(struct md_text *t)
{
	struct growing cl = { NULL, 0, 0, sizeof(struct md_clause) };
	struct growing se = { NULL, 0, 0, sizeof(struct md_clause) };
	const char *text = t->norm, *end = text + t->norm_len, *p = text;
	size_t sstart = 0, cstart = 0;

	while (p <= end) {
		size_t k = p < end ? sentence_end(p, end) : 0;
		int at_end = p == end;

		if (k > 0 || at_end) {
			size_t e;

			/* Consecutive terminators stay in the sentence. */
			p += k;
			while (p < end && (k = sentence_end(p, end)) > 0)
				p += k;
			e = (size_t)(p - text);
			if (!blank(text + sstart, text + e)) {
				if (!blank(text + cstart, text + e) &&
				    add_span(&cl, cstart, e, se.n) != 0)
					goto nomem;
				if (add_span(&se, sstart, e, se.n) != 0)
					goto nomem;
			}
			sstart = cstart = e;
			if (at_end)
				break;
			continue;
		}
		if (clause_end(text, p, end)) {
			size_t e = (size_t)(p - text) + 1;

			if (!blank(text + cstart, text + e) &&
			    add_span(&cl, cstart, e, se.n) != 0)
				goto nomem;
			cstart = e;
		}
		p++;
	}
	t->clauses = cl.data;
	t->nclauses = cl.n;
	t->sentences = se.data;
	t->nsentences = se.n;
	return 0;
nomem:
	free(cl.data);
	free(se.data);
	return -ENOMEM;
}

int
md_text_init(struct md_text *t, const char *s, size_t len, size_t *bad)
{
	int rc;

	memset(t, 0, sizeof *t);
	t->orig = s;
	t->orig_len = len;
	rc = fold(t, (const unsigned char *)s, len, bad);
	if (rc == 0)
		rc = split(t);
	if (rc != 0)
		md_text_release(t);
	return rc;
}

void
md_text_release(struct md_text *t)
{
	free(t->norm);
	free(t->points);
	free(t->clauses);
	free(t->sentences);
	t->norm = NULL;
	t->points = NULL;
	t->clauses = t->sentences = NULL;
	t->norm_len = t->npoints = t->nclauses = t->nsentences = 0;
}

void
md_text_document(const struct md_text *t, struct md_document *doc)
{
	doc->text = t->norm;
	doc->len = t->norm_len;
	doc->clauses = t->clauses;
	doc->nclauses = t->nclauses;
	doc->sentences = t->sentences;
	doc->nsentences = t->nsentences;
}

const struct md_clause *
md_clause_at(const struct md_document *doc, size_t off)
{
	size_t lo = 0, hi = doc->nclauses;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (doc->clauses[mid].end <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < doc->nclauses && doc->clauses[lo].start <= off)
		return &doc->clauses[lo];
	return NULL;
}

/* --- scope ------------------------------------------------------------- */

/* Words that negate what follows them in a clause: restated prohibitions
 * (严禁随意封校停课) are not violations.  未 and 没有 are not here: they
 * state facts ("未经批准阻断交通" is the violation itself). */
struct word {
	const char *s;
	size_t len;
};
#define WORD(w) { w, sizeof(w) - 1 }

static const struct word negators[] = {
	WORD("不得"), WORD("严禁"), WORD("禁止"), WORD("不再"), WORD("取消"),
	WORD("纠正"), WORD("杜绝"), WORD("避免"), WORD("反对"), WORD("防止"),
	WORD("不要"), WORD("决不能"), WORD("不能"), WORD("严防"), WORD("不准"),
	WORD("不允许"), WORD("切忌"), WORD("制止"), WORD("整治"), WORD("查处")
};

/* Words that reverse a control: lifting is not imposing. */
static const struct word lifters[] = {
	WORD("解封"), WORD("解除"), WORD("恢复"), WORD("有序放开"),
	WORD("放开"), WORD("降为低风险"), WORD("撤销"), WORD("终止"),
	WORD("停止执行"), WORD("调整为低风险")
};

/* The word of list ending nearest before limit, starting at or after
 * from; its start in *at.  0 when none. */
static int
last_word(const char *text, size_t from, size_t limit,
    const struct word *list, size_t n, size_t *at)
{
	size_t p, i, best = 0;
	int found = 0;

	for (p = from; p + 6 <= limit; p++) {
		/* Every word starts with a CJK character (3 bytes). */
		if ((unsigned char)text[p] < 0xe0)
			continue;
		for (i = 0; i < n; i++) {
			if (text[p + 1] == list[i].s[1] &&
			    text[p + 2] == list[i].s[2] &&
			    text[p] == list[i].s[0] &&
			    p + list[i].len <= limit &&
			    memcmp(text + p, list[i].s, list[i].len) == 0) {
				best = p;
				found = 1;
				break;
			}
		}
	}
	*at = best;
	return found;
}

/* Clauses that state the result of the one before them: "决不能随意停课，
 * 让孩子长期在家上网课" - the negation carries over. */
static const struct word results[] = {
	WORD("让"), WORD("使"), WORD("致使"), WORD("导致"), WORD("造成"),
	WORD("以免"), WORD("影响")
};

enum md_scope
md_scope_at(const struct md_document *doc, size_t start, size_t end)
{
	const struct md_clause *c = md_clause_at(doc, start);
	size_t neg, lift, i, at;
	int has_neg, has_lift;

	(void)end;
	if (c == NULL)
		return MD_SCOPE_PLAIN;
	/* A result clause inherits the previous clause's negation. */
	if (c > doc->clauses && c[-1].sentence == c->sentence) {
		size_t p = c->start;

		while (p < start && doc->text[p] == ' ')
			p++;
		for (i = 0; i < sizeof results / sizeof results[0]; i++) {
			if (p + results[i].len <= start &&
			    memcmp(doc->text + p, results[i].s,
			    results[i].len) == 0 &&
			    last_word(doc->text, c[-1].start, c[-1].end,
			    negators, sizeof negators / sizeof negators[0],
			    &at) &&
			    !last_word(doc->text, c->start, start, lifters,
			    sizeof lifters / sizeof lifters[0], &at))
				return MD_SCOPE_NEGATED;
		}
	}
	has_neg = last_word(doc->text, c->start, start, negators,
	    sizeof negators / sizeof negators[0], &neg);
	has_lift = last_word(doc->text, c->start, start, lifters,
	    sizeof lifters / sizeof lifters[0], &lift);
	if (has_neg && (!has_lift || neg >= lift))
		return MD_SCOPE_NEGATED;
	if (has_lift)
		return MD_SCOPE_LIFTED;
	return MD_SCOPE_PLAIN;
}

/* --- numerals ---------------------------------------------------------- */

/* The value of a Chinese digit character at p, or -1; *len its bytes. */
static int
cn_digit(const char *p, size_t n, size_t *len)
{
	static const struct { const char *s; int v; } digits[] = {
		{ "零", 0 }, { "〇", 0 }, { "一", 1 }, { "二", 2 }, { "两", 2 },
		{ "三", 3 }, { "四", 4 }, { "五", 5 }, { "六", 6 }, { "七", 7 },
		{ "八", 8 }, { "九", 9 }
	};
	size_t i;

	if (n < 3)
		return -1;
	for (i = 0; i < sizeof digits / sizeof digits[0]; i++) {
		if (memcmp(p, digits[i].s, 3) == 0) {
			*len = 3;
			return digits[i].v;
		}
	}
	return -1;
}

static int
cn_unit(const char *p, size_t n)
{
	if (n < 3)
		return 0;
	if (memcmp(p, "十", 3) == 0)
		return 10;
	if (memcmp(p, "百", 3) == 0)
		return 100;
	if (memcmp(p, "千", 3) == 0)
		return 1000;
	if (memcmp(p, "万", 3) == 0)
		return 10000;
	return 0;
}

/* An ASCII or full-width digit at p: its value, or -1. */
static int
arabic_digit(const char *p, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)p;

	if (n >= 1 && is_digit(p[0])) {
		*len = 1;
		return p[0] - '0';
	}
	if (n >= 3 && u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 &&
	    u[2] <= 0x99) {
		*len = 3;
		return u[2] - 0x90;
	}
	return -1;
}

static int
parse_arabic(const char *s, size_t n, double *value, size_t *used)
{
	double v = 0, scale = 0.1;
	size_t i = 0, k;
	int d, any = 0;

	while (i < n && (d = arabic_digit(s + i, n - i, &k)) >= 0) {
		v = v * 10 + d;
		i += k;
		any = 1;
	}
	if (!any)
		return -ENOENT;
	if (i + 1 < n && (s[i] == '.' ||
	    (n - i >= 3 && memcmp(s + i, "．", 3) == 0))) {
		size_t dot = s[i] == '.' ? 1 : 3;

		if (arabic_digit(s + i + dot, n - i - dot, &k) >= 0) {
			i += dot;
			while (i < n && (d = arabic_digit(s + i, n - i,
			    &k)) >= 0) {
				v += d * scale;
				scale /= 10;
				i += k;
			}
		}
	}
	*value = v;
	*used = i;
	return 0;
}

static int
parse_chinese(const char *s, size_t n, double *value, size_t *used)
{
	double total = 0, section = 0, cur = 0;
	int prev_digit = 0, any = 0;
	size_t i = 0, k;

	if (n >= 3 && memcmp(s, "半", 3) == 0) {
		*value = 0.5;
		*used = 3;
		return 0;
	}
	while (i < n) {
		int d = cn_digit(s + i, n - i, &k);
		int u;

		if (d >= 0) {
			/* 二〇二二: digits in a row are positional. */
			cur = prev_digit ? cur * 10 + d : d;
			prev_digit = 1;
			any = 1;
			i += k;
			continue;
		}
		u = cn_unit(s + i, n - i);
		if (u == 0)
			break;
		if (u == 10000) {
			total = (total + section + cur) * u;
			section = 0;
		} else {
			section += (cur == 0 && !prev_digit ? 1 : cur) * u;
		}
		cur = 0;
		prev_digit = 0;
		any = 1;
		i += 3;
	}
	if (!any)
		return -ENOENT;
	*value = total + section + cur;
	*used = i;
	return 0;
}

int
md_parse_number(const char *s, size_t len, double *value, size_t *used)
{
	if (parse_arabic(s, len, value, used) == 0)
		return 0;
	return parse_chinese(s, len, value, used);
}

/* Skips spaces (ASCII and U+3000) at s[*i]. */
static void
skip_spaces(const char *s, size_t len, size_t *i)
{
	while (*i < len) {
		if (s[*i] == ' ')
			(*i)++;
		else if (len - *i >= 3 && memcmp(s + *i, "\xe3\x80\x80", 3) ==
		    0)
			*i += 3;
		else
			break;
	}
}

/* Accepts the literal w at s[*i]. */
static int
accept(const char *s, size_t len, size_t *i, const char *w)
{
	size_t n = strlen(w);

	if (len - *i >= n && memcmp(s + *i, w, n) == 0) {
		*i += n;
		return 1;
	}
	return 0;
}

int
md_parse_plus(const char *s, size_t len, double *first, double *second,
    size_t *used)
{
	size_t i = 0, k;

	if (md_parse_number(s, len, first, &k) != 0)
		return -ENOENT;
	i = k;
	(void)(accept(s, len, &i, "天") || accept(s, len, &i, "日"));
	skip_spaces(s, len, &i);
	if (!accept(s, len, &i, "+") && !accept(s, len, &i, "＋") &&
	    !accept(s, len, &i, "加"))
		return -ENOENT;
	skip_spaces(s, len, &i);
	if (md_parse_number(s + i, len - i, second, &k) != 0)
		return -ENOENT;
	i += k;
	(void)(accept(s, len, &i, "天") || accept(s, len, &i, "日"));
	*used = i;
	return 0;
}

int
md_parse_duration(const char *s, size_t len, struct md_duration *out,
    size_t *used)
{
	double v, v2;
	size_t i, k;

	if (md_parse_number(s, len, &v, &k) != 0)
		return -ENOENT;
	i = k;
	/* 20多天, 十余天, 两个多月: at least the number. */
	(void)(accept(s, len, &i, "多") || accept(s, len, &i, "余"));
	(void)accept(s, len, &i, "个");
	(void)(accept(s, len, &i, "多") || accept(s, len, &i, "余"));
	if (accept(s, len, &i, "小时")) {
		out->days = v / 24;
		out->unit = MD_UNIT_HOUR;
	} else if (accept(s, len, &i, "天")) {
		out->days = v;
		out->unit = MD_UNIT_DAY;
	} else if (accept(s, len, &i, "日")) {
		out->days = v;
		out->unit = MD_UNIT_DAY;
	} else if (accept(s, len, &i, "周") || accept(s, len, &i, "星期") ||
	    accept(s, len, &i, "礼拜")) {
		out->days = v * 7;
		out->unit = MD_UNIT_WEEK;
	} else if (accept(s, len, &i, "月")) {
		/* 11月20日 is a date, not eleven months. */
		if (md_parse_number(s + i, len - i, &v2, &k) == 0 &&
		    (accept(s, len, &(size_t){ i + k }, "日") ||
		    accept(s, len, &(size_t){ i + k }, "号")))
			return -ENOENT;
		out->days = v * 30;
		out->unit = MD_UNIT_MONTH;
	} else {
		return -ENOENT;
	}
	*used = i;
	return 0;
}

/* Filler words between the period and the count: 每天[做]一次, 每日[进行
 * 核酸检测]一次. */
static void
skip_fillers(const char *s, size_t len, size_t *i)
{
	static const char *const fillers[] = { "做", "进行", "开展", "组织",
		"核酸检测", "核酸", "检测", "采样", "都要", "都", "要", "需",
		"需要", "必须", "测", "早上", "上午", "下午", "晚上", "早晚",
		"各" };
	int again = 1, rounds = 0;
	size_t k;

	while (again && rounds++ < 4) {
		again = 0;
		for (k = 0; k < sizeof fillers / sizeof fillers[0]; k++)
			if (accept(s, len, i, fillers[k])) {
				again = 1;
				break;
			}
	}
}

int
md_parse_frequency(const char *s, size_t len, struct md_frequency *out,
    size_t *used)
{
	double period = 1, count = 1;
	size_t i = 0, k;

	if (accept(s, len, &i, "隔天") || accept(s, len, &i, "隔日")) {
		period = 2;
		skip_fillers(s, len, &i);
		if (md_parse_number(s + i, len - i, &count, &k) == 0)
			i += k;
	} else if (accept(s, len, &i, "每")) {
		if (md_parse_number(s + i, len - i, &period, &k) == 0)
			i += k;
		(void)accept(s, len, &i, "个");
		if (!accept(s, len, &i, "天") && !accept(s, len, &i, "日"))
			return -ENOENT;
		skip_fillers(s, len, &i);
		if (md_parse_number(s + i, len - i, &count, &k) != 0)
			return -ENOENT;
		i += k;
	} else {
		if (md_parse_number(s, len, &period, &k) != 0)
			return -ENOENT;
		i = k;
		if (!accept(s, len, &i, "天") && !accept(s, len, &i, "日"))
			return -ENOENT;
		skip_fillers(s, len, &i);
		if (md_parse_number(s + i, len - i, &count, &k) != 0)
			return -ENOENT;
		i += k;
	}
	if (!accept(s, len, &i, "检") && !accept(s, len, &i, "次") &&
	    !accept(s, len, &i, "测"))
		return -ENOENT;
	if (!(period > 0) || !(count > 0))
		return -ENOENT;
	out->count = count;
	out->period_days = period;
	*used = i;
	return 0;
}

/* --- dates ------------------------------------------------------------- */

static int
valid_ymd(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= mdays[m - 1] + (m == 2 && leap);
}

/* ASCII digits at s, no decimal point: their count, value in *v. */
static size_t
digits(const char *s, size_t len, double *v)
{
	size_t k;

	*v = 0;
	for (k = 0; k < len && is_digit(s[k]); k++)
		*v = *v * 10 + (s[k] - '0');
	return k;
}

/* A date at s: 2022年11月20日, 二〇二二年十一月二十日, 2022-11-20,
 * 2022/11/20, 2022.11.20.  Its length, or 0. */
static size_t
date_at(const char *s, size_t len, int *y, int *m, int *d)
{
	double vy, vm, vd;
	size_t i = 0, k;
	char sep;

	/* The year: four digits (no decimal point: 2022.11.20). */
	if (is_digit(s[0])) {
		if ((k = digits(s, len, &vy)) != 4)
			return 0;
	} else if (parse_chinese(s, len, &vy, &k) != 0 || k < 12) {
		return 0;
	}
	i = k;
	if (accept(s, len, &i, "年")) {
		if (md_parse_number(s + i, len - i, &vm, &k) != 0)
			return 0;
		i += k;
		if (!accept(s, len, &i, "月"))
			return 0;
		if (md_parse_number(s + i, len - i, &vd, &k) != 0)
			return 0;
		i += k;
		if (!accept(s, len, &i, "日") && !accept(s, len, &i, "号"))
			return 0;
	} else {
		if (i >= len || (s[i] != '-' && s[i] != '/' && s[i] != '.'))
			return 0;
		sep = s[i++];
		if ((k = digits(s + i, len - i, &vm)) == 0 || k > 2)
			return 0;
		i += k;
		if (i >= len || s[i] != sep)
			return 0;
		i++;
		if ((k = digits(s + i, len - i, &vd)) == 0 || k > 2)
			return 0;
		i += k;
	}
	*y = (int)vy;
	*m = (int)vm;
	*d = (int)vd;
	if (vy != *y || vm != *m || vd != *d || !valid_ymd(*y, *m, *d))
		return 0;
	return i;
}

int
md_text_date(const char *s, size_t len, char out[11])
{
	int y, m, d, fy = 0, fm = 0, fd = 0, found = 0, line_found = 0;
	size_t i = 0, line = 0, k;

	while (i < len) {
		/* A year starts with 1 or 2, or 一 or 二. */
		if ((s[i] == '1' || s[i] == '2' ||
		    (len - i >= 3 && (memcmp(s + i, "二", 3) == 0 ||
		    memcmp(s + i, "一", 3) == 0))) &&
		    (i == 0 || !is_digit(s[i - 1])) &&
		    (k = date_at(s + i, len - i, &y, &m, &d)) > 0) {
			size_t e = i + k;

			/* A line that holds only the date closes a notice. */
			if (blank(s + line, s + i) &&
			    (e == len || s[e] == '\n' ||
			    blank(s + e, memchr(s + e, '\n', len - e) ?
			    (const char *)memchr(s + e, '\n', len - e) :
			    s + len))) {
				fy = y;
				fm = m;
				fd = d;
				line_found = 1;
			} else if (!found && !line_found) {
				fy = y;
				fm = m;
				fd = d;
			}
			found = 1;
			i = e;
			continue;
		}
		if (s[i] == '\n')
			line = i + 1;
		i++;
	}
	if (!found)
		return -ENOENT;
	snprintf(out, 11, "%04d-%02d-%02d", fy, fm, fd);
	return 0;
}
