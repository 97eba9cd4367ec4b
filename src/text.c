/*
 * text.c - the host's text services (see text.h): strict UTF-8, full-width
 * folding with a sparse offset map, sentence and clause splitting, negation
 * and lifting scope, Chinese and Arabic numerals, durations, test
 * frequencies and the date a document states.
 *
 * md_text_init() runs on every document, so it makes one pass to validate,
 * fold and convert traditional characters, one to split, and a memchr for
 * spaces between ideographs, with no allocation per character (the map and
 * the span arrays grow by doubling).  The other services run only where a
 * rule matched, on the normalized text; the parsers also accept text that
 * was never folded (full-width digits and ＋), since plugins and tests may
 * hand them either.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t2s.h"
#include "text.h"
#include "util.h"

struct word {
	const char *s;
	size_t len;
};
#define WORD(w) { w, sizeof(w) - 1 }
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Words that negate what follows them in a clause: notices restate the
 * prohibitions ("严禁随意封校停课" is not a school closure).  The list is
 * text.h's plus 制止, 整治 and 查处, which the cases showed introduce the
 * same kind of restatement ("查处擅自封控小区的行为").  未 and 没有 are not
 * here on purpose: they state facts, and "未经批准阻断交通" is the
 * violation itself.  Every word is at least two CJK characters.
 */
static const struct word negators[] = {
	WORD("不得"), WORD("严禁"), WORD("禁止"), WORD("不再"), WORD("取消"),
	WORD("纠正"), WORD("杜绝"), WORD("避免"), WORD("反对"), WORD("防止"),
	WORD("不要"), WORD("决不能"), WORD("不能"), WORD("严防"), WORD("不准"),
	WORD("不允许"), WORD("切忌"), WORD("制止"), WORD("整治"), WORD("查处")
};

/* Words that start with a negator but mean "have to": "不得不封控" reports
 * a lockdown, it does not forbid one. */
static const struct word false_negators[] = {
	WORD("不得不"), WORD("不得已"), WORD("不能不")
};

/* Words that reverse a control: lifting is not imposing.  解除 counts
 * inside 解除隔离, 解除封控 and the like. */
static const struct word lifters[] = {
	WORD("解封"), WORD("解除"), WORD("恢复"), WORD("有序放开"),
	WORD("放开"), WORD("降为低风险"), WORD("撤销"), WORD("终止"),
	WORD("停止执行"), WORD("调整为低风险"), WORD("停止开展"),
	WORD("停止实施"), WORD("停止组织")
};

/* Openings of a clause that states the result of the one before it:
 * "决不能随意停课，让孩子长期在家上网课" - the negation carries over. */
static const struct word results[] = {
	WORD("让"), WORD("使"), WORD("致使"), WORD("导致"), WORD("造成"),
	WORD("以免"), WORD("影响")
};

/* --- UTF-8 ------------------------------------------------------------- */

/*
 * Decodes one character at p (n > 0 bytes available).  Returns its length,
 * or 0 when the bytes are not strict UTF-8 (overlong, surrogate, above
 * U+10FFFF, truncated, stray continuation) or are a NUL.
 */
static inline size_t
decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0];

	if (c < 0x80) {
		*cp = c;
		return c != 0;
	}
	if (c < 0xc2)
		return 0;	/* continuation byte, or C0/C1 (overlong) */
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
	return 0;		/* F5..FF: nothing valid starts with them */
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
		if (p[i] >= 0xe4 && p[i] <= 0xe9 && len - i >= 3 &&
		    (p[i + 1] & 0xc0) == 0x80 && (p[i + 2] & 0xc0) == 0x80) {
			i += 3;		/* U+4000..U+9FFF: no further checks */
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

/* An array that grows by doubling: one realloc per power of two. */
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
	if (cap > SIZE_MAX / g->size)
		return -ENOMEM;
	p = realloc(g->data, cap * g->size);
	if (p == NULL)
		return -ENOMEM;
	g->data = p;
	g->cap = cap;
	return 0;
}

static inline int
add_point(struct growing *g, size_t norm, size_t orig)
{
	struct md_text_point *pt;

	if (g->n == g->cap && grow(g) != 0)
		return -ENOMEM;
	pt = (struct md_text_point *)g->data + g->n++;
	pt->norm = norm;
	pt->orig = orig;
	return 0;
}

/* 1 for the characters folding changes: U+FF01..U+FF5E and U+3000. */
static int
folds(uint32_t cp)
{
	return (cp >= 0xff01 && cp <= 0xff5e) || cp == 0x3000;
}

/* For a text without traditional characters, or a process without
 * OpenCC: nothing to convert. */
static const uint16_t no_t2s[MD_T2S_LAST - MD_T2S_FIRST + 1];

/*
 * Converts the traditional ideographs in p[0, n) (valid UTF-8) to their
 * simplified forms, in place; every conversion keeps the length.  Bytes
 * E3..E9 only ever lead a 3-byte character.
 */
static void
to_simplified(unsigned char *p, size_t n, const uint16_t *tab)
{
	unsigned char *e = p + n;
	uint32_t cp, to;

	while (p < e) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xe3 && *p <= 0xe9) {
			cp = (uint32_t)(p[0] & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			if (cp >= MD_T2S_FIRST && cp <= MD_T2S_LAST &&
			    (to = tab[cp - MD_T2S_FIRST]) != 0) {
				p[0] = (unsigned char)(0xe0 | (to >> 12));
				p[1] = (unsigned char)(0x80 | ((to >> 6) &
				    0x3f));
				p[2] = (unsigned char)(0x80 | (to & 0x3f));
			}
			p += 3;
			continue;
		}
		p += *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
	}
}

/*
 * The bytes of a 3-byte character summed as they stand, (b0 << 12) +
 * (b1 << 6) + b2, exceed its code point by this much: the E0 of the lead
 * byte and the 80 of each continuation byte.  With the bytes checked, the
 * sum less the bias is the code point, with no masks.
 */
#define UTF8_3_BIAS (0xe0u << 12 | 0x80u << 6 | 0x80u)

/*
 * Validates, folds and converts traditional ideographs to simplified ones
 * (md_t2s) in one pass.  Characters that stay as they are are copied in
 * runs; a full-width character, U+3000, a leading BOM and a CR change the
 * length and leave a point (normalized offset after it, source offset
 * after it) in the offset map.  Between points both texts advance
 * together, so a normalized offset inside a run maps to the same distance
 * past the last point, which is the start of its source character.  The
 * t2s table is looked up for every ideograph as the run is validated; a run
 * holding a traditional one is converted after it is copied (a rare
 * second look, and conversion keeps every length).
 */
static int
fold(struct md_text *t, const unsigned char *s, size_t len, size_t *bad)
{
	struct growing pts = { NULL, 0, 0, sizeof(struct md_text_point) };
	const uint16_t *tab = md_t2s_table();
	unsigned char *out;
	size_t i = 0, o = 0, run, k, cjk_end = len >= 2 ? len - 2 : 0;
	uint32_t cp = 0, trad;
	size_t b0, b1, b2;
	int rc = -ENOMEM;

	if (tab == NULL)
		tab = no_t2s;
	if (len > SIZE_MAX - 1 - MD_TEXT_PAD)
		return -ENOMEM;
	out = malloc(len + 1 + MD_TEXT_PAD);
	if (out == NULL)
		return -ENOMEM;
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		i = 3;
		if (add_point(&pts, 0, 3) != 0)
			goto fail;
	}
	while (i < len) {
		run = i;
		trad = 0;
		/* Ends with k and cp set to the character that folds, or k 0
		 * at the end, a CR, a NUL or a byte that is not UTF-8. */
		for (;;) {
			k = 0;
			while (i < len && s[i] >= 0x01 && s[i] < 0x80 &&
			    s[i] != '\r')
				i++;
			if (i >= len || s[i] < 0x80)
				break;
			/* A 3-byte character led by E1..EC is never overlong
			 * nor a surrogate, so its continuation bytes are all
			 * there is to check. */
			if (i < cjk_end && (((unsigned)s[i + 1] |
			    (unsigned)s[i + 2] << 8) & 0xc0c0) == 0x8080 &&
			    (b0 = s[i]) >= 0xe1 && b0 <= 0xec) {
				/* Most of the text: U+4000..U+9FFF, which
				 * never folds, a run at a time. */
				if (b0 - 0xe4 < 6) {
					for (;;) {
						b1 = s[i + 1];
						b2 = s[i + 2];
						if (((b1 | b2 << 8) & 0xc0c0) !=
						    0x8080 ||
						    (b0 = s[i]) - 0xe4 >= 6)
							break;
						trad |= tab[(b0 << 12) +
						    (b1 << 6) + b2 -
						    UTF8_3_BIAS - MD_T2S_FIRST];
						if ((i += 3) >= cjk_end)
							break;
					}
					continue;
				}
				if (b0 == 0xe3) {
					/* U+3000..U+3FFF: 。、《》 and the
					 * like; U+3000 folds, U+3400 on are
					 * ideographs. */
					cp = (b0 << 12) +
					    ((unsigned)s[i + 1] << 6) +
					    s[i + 2] - UTF8_3_BIAS;
					if (cp == 0x3000) {
						k = 3;
						break;
					}
					if (cp >= MD_T2S_FIRST)
						trad |= tab[cp - MD_T2S_FIRST];
				}
				i += 3;
				continue;
			}
			k = decode(s + i, len - i, &cp);
			if (k == 0 || folds(cp))
				break;
			if (cp >= MD_T2S_FIRST && cp <= MD_T2S_LAST)
				trad |= tab[cp - MD_T2S_FIRST];
			i += k;
		}
		memcpy(out + o, s + run, i - run);
		if (trad != 0)
			to_simplified(out + o, i - run, tab);
		o += i - run;
		if (i >= len)
			break;
		if (s[i] == '\r') {
			out[o++] = '\n';
			i += i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
		} else if (k == 0) {
			if (bad != NULL)
				*bad = i;
			rc = -EILSEQ;
			goto fail;
		} else {
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

	if (off >= t->norm_len)
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

/* Length of a sentence terminator at p (。 ! ? LF), or 0.  ！ and ？ are
 * ASCII by now. */
static size_t
sentence_end(const char *p, size_t n)
{
	if (*p == '!' || *p == '?' || *p == '\n')
		return 1;
	if (n >= 3 && memcmp(p, "\xe3\x80\x82", 3) == 0)	/* 。 */
		return 3;
	return 0;
}

/*
 * 1 when norm[i] ends a clause: ; , : (，；： folded).  Not a colon between
 * ASCII digits (10:30, and a folded 10：30, which is still a time), nor a
 * comma between them that was submitted as ASCII (1,000); a full-width
 * comma between digits is Chinese punctuation ("新增病例3，2例为无症状").
 */
static int
clause_end(const struct md_text *t, size_t i)
{
	const char *text = t->norm;
	char c = text[i];

	if (c == ';')
		return 1;
	if (c != ',' && c != ':')
		return 0;
	if (i == 0 || !is_digit(text[i - 1]) || i + 1 >= t->norm_len ||
	    !is_digit(text[i + 1]))
		return 1;
	if (c == ':')
		return 0;
	return t->orig[md_text_orig(t, i)] != ',';
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

/*
 * Splits into sentences, and sentences into clauses.  A sentence runs to
 * the end of its last terminator (。!?LF; a run of them stays together, so
 * "?!\n\n" closes one sentence).  Whitespace-only pieces are not
 * sentences.  The clauses of a sentence cover it: each runs to the end of
 * its separator, and whitespace after the last separator joins the last
 * clause rather than making one of its own.
 */
/* Length of a closing quote or bracket at p (” ’ 」 』 》 ) ] "), or 0. */
static size_t
closing_mark(const char *p, size_t n)
{
	static const char *const marks[] = { "\xe2\x80\x9d", "\xe2\x80\x99",
		"\xe3\x80\x8d", "\xe3\x80\x8f", "\xe3\x80\x8b" };
	size_t i;

	if (*p == ')' || *p == ']' || *p == '"' || *p == '\'')
		return 1;
	if ((unsigned char)*p < 0xe2 || (unsigned char)*p > 0xe3)
		return 0;	/* every mark below is E2 or E3 */
	for (i = 0; i < NELEM(marks); i++)
		if (n >= 3 && memcmp(p, marks[i], 3) == 0)
			return 3;
	return 0;
}

static int
split(struct md_text *t)
{
	struct growing cl = { NULL, 0, 0, sizeof(struct md_clause) };
	struct growing se = { NULL, 0, 0, sizeof(struct md_clause) };
	const char *text = t->norm;
	size_t n = t->norm_len, i = 0, sstart = 0, cstart = 0, k;

	for (;;) {
		/* Jump to the next byte that can start a terminator or a
		 * separator; the text holds no NUL before its end. */
		i += strcspn(text + i, "!?\n,;:\xe3");
		k = i < n ? sentence_end(text + i, n - i) : 0;
		if (k == 0 && i < n) {
			if (clause_end(t, i)) {
				if (add_span(&cl, cstart, i + 1, se.n) != 0)
					goto nomem;
				cstart = i + 1;
			}
			i++;
			continue;
		}
		/* The end of a sentence, or of the text; closing quotes and
		 * brackets after 。 (“……。”) belong to it. */
		i += k;
		while (i < n && ((k = sentence_end(text + i, n - i)) > 0 ||
		    (k = closing_mark(text + i, n - i)) > 0))
			i += k;
		if (!blank(text + sstart, text + i)) {
			if (!blank(text + cstart, text + i)) {
				if (add_span(&cl, cstart, i, se.n) != 0)
					goto nomem;
			} else {
				/* After a separator, so a clause of this
				 * sentence precedes (a piece ending in a
				 * separator is never blank). */
				((struct md_clause *)cl.data)[cl.n - 1].end =
				    i;
			}
			if (add_span(&se, sstart, i, se.n) != 0)
				goto nomem;
		}
		sstart = cstart = i;
		if (i >= n)
			break;
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

/* The ideograph U+3400..U+9FFF at p (3 bytes), or 0. */
static uint32_t
ideograph_at(const unsigned char *p, size_t left)
{
	uint32_t cp;

	if (left < 3 || p[0] < 0xe3 || p[0] > 0xe9 || (p[1] & 0xc0) != 0x80 ||
	    (p[2] & 0xc0) != 0x80)
		return 0;
	cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
	    (p[2] & 0x3f);
	return cp >= 0x3400 && cp <= 0x9fff ? cp : 0;
}

/* The source offset of normalized offset off, from the points so far. */
static size_t
orig_at(const struct md_text_point *pts, size_t n, size_t off)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pts[mid].norm <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? off : pts[lo - 1].orig + (off - pts[lo - 1].norm);
}

/*
 * The first space at or after from that is dropped: one after an
 * ideograph, in a run of spaces followed by another; or len.
 */
static size_t
first_dropped(const unsigned char *s, size_t len, size_t from)
{
	const unsigned char *p;
	size_t q, k;

	while (from < len &&
	    (p = memchr(s + from, ' ', len - from)) != NULL) {
		q = (size_t)(p - s);
		for (k = q; k < len && s[k] == ' '; k++)
			;
		if (q >= 3 && ideograph_at(s + q - 3, 3) &&
		    ideograph_at(s + k, len - k))
			return q;
		from = k;
	}
	return len;
}

/*
 * After folding, in place: spaces between two ideographs (a mirror's or a
 * phone keyboard's stray spaces: 封 控 了) are dropped, with a point in
 * the offset map after each dropped run.  Repeated glyphs are left as they
 * are: 天天 and 人人 are words.  Up to the first dropped space the text and
 * the map stay as they are, so that is found by memchr first; most
 * documents have none.
 */
static int
tidy(struct md_text *t)
{
	unsigned char *s = (unsigned char *)t->norm;
	const struct md_text_point *old = t->points;
	struct growing pts = { NULL, 0, 0, sizeof(struct md_text_point) };
	size_t len = t->norm_len, r, w, pi = 0, k, nold = t->npoints;

	r = w = first_dropped(s, len, 0);
	if (r == len)
		return 0;	/* the old map is still right */
	while (r < len) {
		/* Old points up to here, moved back by what was dropped. */
		for (; pi < nold && old[pi].norm <= r; pi++) {
			size_t at = old[pi].norm - (r - w);

			if (pts.n > 0 && ((struct md_text_point *)
			    pts.data)[pts.n - 1].norm == at)
				pts.n--;
			if (add_point(&pts, at, old[pi].orig) != 0)
				goto nomem;
		}
		if (s[r] == ' ' && w >= 3 && ideograph_at(s + w - 3, 3)) {
			for (k = r; k < len && s[k] == ' '; k++)
				;
			if (ideograph_at(s + k, len - k)) {
				size_t o = orig_at(old, nold, k);

				if (pts.n > 0 && ((struct md_text_point *)
				    pts.data)[pts.n - 1].norm == w)
					pts.n--;
				if (add_point(&pts, w, o) != 0)
					goto nomem;
				/* Old points inside the run go with it. */
				while (pi < nold && old[pi].norm < k)
					pi++;
				r = k;
				continue;
			}
		}
		s[w++] = s[r++];
	}
	for (; pi < nold; pi++)
		if (add_point(&pts, old[pi].norm - (r - w), old[pi].orig) != 0)
			goto nomem;
	memset(s + w, 0, len - w);
	t->norm_len = w;
	free(t->points);
	t->points = pts.data;
	t->npoints = pts.n;
	return 0;
nomem:
	free(pts.data);
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
		rc = tidy(t);
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

	/* The first clause ending after off. */
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

static int
starts_with(const char *text, size_t p, size_t limit, const struct word *w)
{
	return p + w->len <= limit && memcmp(text + p, w->s, w->len) == 0;
}

/*
 * The negators, false negators and lifters in one table for last_words,
 * chained by their first character.  A litset names one word at a place,
 * and the scope needs all of them there (不得 and 不得不 both start at the
 * same 不); this table gives them in one walk of a short chain.  Every word
 * starts with a 3-byte character, so a scan tests each character of a
 * clause against a bitmap of the first characters (12 bits of the code
 * point, taken straight from the two continuation bytes) and compares
 * words only where one of them begins.  Made once for every thread;
 * nothing is allocated.
 */
#define SW_NEG		0x1
#define SW_FALSE	0x2
#define SW_LIFT		0x4

struct scope_word {
	const struct word *w;
	uint32_t first;		/* its first 3 bytes, as first3() reads them */
	uint8_t kind;		/* SW_* */
	uint8_t next;		/* 1 + the next word chained alike, or 0 */
};

#define NSCOPE (NELEM(negators) + NELEM(false_negators) + NELEM(lifters))
_Static_assert(NSCOPE < 255, "scope_word.next is a byte");

static struct scope_word scope_words[NSCOPE];
static uint8_t scope_head[64];		/* 1 + the first word, by key & 63 */
static uint8_t scope_first[4096 / 8];	/* keys of the first characters */
static size_t scope_minlen;		/* of the shortest word */
static pthread_once_t scope_once = PTHREAD_ONCE_INIT;

static inline uint32_t
first3(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/* The key of a 3-byte character: the low 12 bits of its code point. */
static inline unsigned
scope_key(const unsigned char *p)
{
	return (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
}

static void
add_scope_words(const struct word *list, size_t n, uint8_t kind, size_t *at)
{
	const unsigned char *u;
	struct scope_word *sw;
	unsigned k;
	size_t i;

	for (i = 0; i < n; i++) {
		u = (const unsigned char *)list[i].s;
		if (list[i].len < 6 || (u[0] & 0xf0) != 0xe0)
			md_fatal("scope word %s: not two CJK characters",
			    list[i].s);
		sw = &scope_words[*at];
		sw->w = &list[i];
		sw->first = first3(u);
		sw->kind = kind;
		k = scope_key(u);
		scope_first[k >> 3] |= (uint8_t)(1u << (k & 7));
		sw->next = scope_head[k & 63];
		scope_head[k & 63] = (uint8_t)(*at + 1);
		if (scope_minlen == 0 || list[i].len < scope_minlen)
			scope_minlen = list[i].len;
		(*at)++;
	}
}

static void
make_scope_words(void)
{
	size_t n = 0;

	add_scope_words(negators, NELEM(negators), SW_NEG, &n);
	add_scope_words(false_negators, NELEM(false_negators), SW_FALSE, &n);
	add_scope_words(lifters, NELEM(lifters), SW_LIFT, &n);
}

/* The kinds (SW_*) of the words that lie wholly in t[p, limit) at p, a
 * 3-byte character whose key is in scope_first. */
static unsigned
scope_words_at(const unsigned char *t, size_t p, size_t limit)
{
	const struct scope_word *sw;
	uint32_t first = first3(t + p);
	unsigned kinds = 0, i;
	size_t j;

	for (i = scope_head[scope_key(t + p) & 63]; i != 0; i = sw->next) {
		sw = &scope_words[i - 1];
		if (sw->first != first || p + sw->w->len > limit)
			continue;
		for (j = 3; j < sw->w->len &&
		    t[p + j] == (unsigned char)sw->w->s[j]; j++)
			;
		if (j == sw->w->len)
			kinds |= sw->kind;
	}
	return kinds;
}

/*
 * The start of the last negator (not a false one) that lies wholly in
 * text[from, limit), in *neg, and with lifters_too of the last lifter,
 * in *lift; whether there is one in *has_neg, *has_lift.  A negator
 * counts where no false negator ("不得不") lies wholly before limit at the
 * same place.  Words only start at a character, and a character that
 * begins none of them is passed after a bitmap test.
 */
static void
last_words(const char *text, size_t from, size_t limit, int lifters_too,
    int *has_neg, size_t *neg, int *has_lift, size_t *lift)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t p = from;
	unsigned k, kinds;

	pthread_once(&scope_once, make_scope_words);
	*has_neg = *has_lift = 0;
	if (limit < from || limit - from < scope_minlen)
		return;
	/* No word starts within scope_minlen bytes of limit. */
	for (limit -= scope_minlen; p <= limit; p++) {
		if ((t[p] & 0xf0) != 0xe0 || (t[p + 1] & 0xc0) != 0x80 ||
		    (t[p + 2] & 0xc0) != 0x80)
			continue;	/* not a 3-byte character */
		k = scope_key(t + p);
		if ((scope_first[k >> 3] >> (k & 7) & 1) != 0 &&
		    (kinds = scope_words_at(t, p,
		    limit + scope_minlen)) != 0) {
			if ((kinds & (SW_NEG | SW_FALSE)) == SW_NEG) {
				*neg = p;
				*has_neg = 1;
			}
			if (lifters_too && (kinds & SW_LIFT) != 0) {
				*lift = p;
				*has_lift = 1;
			}
		}
		p += 2;
	}
}

static int
last_negator(const char *text, size_t from, size_t limit, size_t *at)
{
	int has_neg, has_lift;

	last_words(text, from, limit, 0, &has_neg, at, &has_lift, NULL);
	return has_neg;
}

enum md_scope
md_scope_at(const struct md_document *doc, size_t start, size_t end)
{
	(void)end;		/* only what precedes start governs it */
	return md_scope_in(doc, md_clause_at(doc, start), start);
}

enum md_scope
md_scope_in(const struct md_document *doc, const struct md_clause *c,
    size_t start)
{
	size_t neg = 0, lift = 0, i, p;
	int has_neg, has_lift;

	if (c == NULL)
		return MD_SCOPE_PLAIN;
	last_words(doc->text, c->start, start, 1, &has_neg, &neg, &has_lift,
	    &lift);
	if (has_neg || has_lift)
		return has_neg && (!has_lift || neg > lift) ?
		    MD_SCOPE_NEGATED : MD_SCOPE_LIFTED;
	/* A result clause inherits the previous clause's negation. */
	if (c > doc->clauses && c[-1].sentence == c->sentence) {
		for (p = c->start; p < start && doc->text[p] == ' '; p++)
			;
		for (i = 0; i < NELEM(results); i++)
			if (starts_with(doc->text, p, start, &results[i]))
				return last_negator(doc->text, c[-1].start,
				    c[-1].end, &neg) ? MD_SCOPE_NEGATED :
				    MD_SCOPE_PLAIN;
	}
	return MD_SCOPE_PLAIN;
}

/* --- numerals ---------------------------------------------------------- */

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

/* The value of a Chinese digit at p (n bytes left), or -1.  Each is 3
 * bytes. */
static int
cn_digit(const char *p, size_t n)
{
	static const struct {
		const char *s;
		int v;
	} digits[] = {
		{ "零", 0 }, { "〇", 0 }, { "一", 1 }, { "二", 2 }, { "两", 2 },
		{ "三", 3 }, { "四", 4 }, { "五", 5 }, { "六", 6 }, { "七", 7 },
		{ "八", 8 }, { "九", 9 }
	};
	size_t i;

	if (n < 3 || (unsigned char)p[0] < 0xe0)
		return -1;
	for (i = 0; i < NELEM(digits); i++)
		if (memcmp(p, digits[i].s, 3) == 0)
			return digits[i].v;
	return -1;
}

/* The value of a Chinese unit character at p (十 百 千 万), or 0. */
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

/* An ASCII or full-width digit at p: its value and *len, or -1. */
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
	double v = 0, frac = 0, scale = 1;
	size_t i = 0, k, dot;
	int d, any = 0;

	while (i < n && (d = arabic_digit(s + i, n - i, &k)) >= 0) {
		v = v * 10 + d;
		i += k;
		any = 1;
	}
	if (!any)
		return -ENOENT;
	/* A decimal part only when a digit follows the point: "第7." is 7. */
	dot = 0;
	if (i < n && s[i] == '.')
		dot = 1;
	else if (n - i >= 3 && memcmp(s + i, "．", 3) == 0)
		dot = 3;
	if (dot > 0 && arabic_digit(s + i + dot, n - i - dot, &k) >= 0) {
		i += dot;
		while (i < n && (d = arabic_digit(s + i, n - i, &k)) >= 0) {
			/* One division at the end: 0.3 is 3 / 10. */
			frac = frac * 10 + d;
			scale *= 10;
			i += k;
		}
		v += frac / scale;
	}
	*value = v;
	*used = i;
	return 0;
}

/*
 * Chinese numerals.  Digits multiply the unit after them (二十一, 一百零五,
 * 两千零二十二); 十 alone is 10; a run of digits without units is read
 * positionally (二〇二二 = 2022), except two consecutive ones, which are an
 * estimate (三四天, 十二三天, 两三次) and read as the lower: overstating a
 * quantity would make findings.  百, 千 and 万 need a number before them
 * (百姓, 千万, 万一 are not numerals).
 */
static int
parse_chinese(const char *s, size_t n, double *value, size_t *used)
{
	double total = 0, section = 0, cur = 0;
	size_t i = 0, run = 0;	/* run: digits in a row */
	int d, u, first = 0, any = 0;

	if (n >= 3 && memcmp(s, "半", 3) == 0) {
		*value = 0.5;
		*used = 3;
		return 0;
	}
	while (i < n) {
		if ((d = cn_digit(s + i, n - i)) >= 0) {
			if (run == 1 && first >= 1 && d == first + 1 &&
			    cn_digit(s + i + 3, n - i - 3) < 0)
				cur = first;	/* an estimate */
			else
				cur = run > 0 ? cur * 10 + d : d;
			if (run++ == 0)
				first = d;
			any = 1;
			i += 3;
			continue;
		}
		u = cn_unit(s + i, n - i);
		if (u == 0)
			break;
		if (u == 10) {
			section += (run > 0 ? cur : 1) * 10;
		} else if (u < 10000) {
			if (run == 0)
				break;
			section += cur * u;
		} else {
			if (run == 0 && section == 0)
				break;
			total = (total + section + cur) * u;
			section = 0;
		}
		cur = 0;
		run = 0;
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
	if (len == 0)
		return -ENOENT;
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
		else if (!accept(s, len, i, "\xe3\x80\x80"))
			break;
	}
}

/* 天 or 日 at s[*i]. */
static int
accept_day(const char *s, size_t len, size_t *i)
{
	return accept(s, len, i, "天") || accept(s, len, i, "日");
}

int
md_parse_plus(const char *s, size_t len, double *first, double *second,
    size_t *used)
{
	size_t i, k;
	double a, b;

	if (md_parse_number(s, len, &a, &k) != 0)
		return -ENOENT;
	i = k;
	(void)accept_day(s, len, &i);
	skip_spaces(s, len, &i);
	if (!accept(s, len, &i, "+") && !accept(s, len, &i, "＋") &&
	    !accept(s, len, &i, "加"))
		return -ENOENT;
	skip_spaces(s, len, &i);
	if (md_parse_number(s + i, len - i, &b, &k) != 0)
		return -ENOENT;
	i += k;
	(void)accept_day(s, len, &i);
	*first = a;
	*second = b;
	*used = i;
	return 0;
}

/* --- durations and frequencies ----------------------------------------- */

/*
 * 1 when s[i..) right after "N月" makes it a point in time: a day
 * (11月20日, 十一月二十号), or, without 个, a part of the month (11月份,
 * 11月底, 11月上旬).  "两个月" is a duration; "11月" alone is read as one,
 * as text.h says.
 */
static int
month_is_date(const char *s, size_t len, size_t i, int had_ge)
{
	static const char *const parts[] = { "份", "底", "初", "末", "上旬",
		"中旬", "下旬", "中下旬" };
	double v;
	size_t k, j;

	if (md_parse_number(s + i, len - i, &v, &k) == 0) {
		j = i + k;
		if (accept(s, len, &j, "日") || accept(s, len, &j, "号"))
			return 1;
	}
	if (!had_ge)
		for (k = 0; k < NELEM(parts); k++)
			if (accept(s, len, &(size_t){ i }, parts[k]))
				return 1;
	return 0;
}

int
md_parse_duration(const char *s, size_t len, struct md_duration *out,
    size_t *used)
{
	double v;
	size_t i;
	int ge;

	if (md_parse_number(s, len, &v, &i) != 0)
		return -ENOENT;
	/* 20多天, 十余天, 两个多月: at least the number. */
	(void)(accept(s, len, &i, "多") || accept(s, len, &i, "余"));
	ge = accept(s, len, &i, "个");
	(void)(accept(s, len, &i, "多") || accept(s, len, &i, "余"));
	if (accept(s, len, &i, "小时")) {
		out->days = v / 24;
		out->unit = MD_UNIT_HOUR;
	} else if (accept_day(s, len, &i)) {
		out->days = v;
		out->unit = MD_UNIT_DAY;
	} else if (accept(s, len, &i, "周") || accept(s, len, &i, "星期") ||
	    accept(s, len, &i, "礼拜")) {
		out->days = v * 7;
		out->unit = MD_UNIT_WEEK;
	} else if (accept(s, len, &i, "月")) {
		if (month_is_date(s, len, i, ge))
			return -ENOENT;
		out->days = v * 30;
		out->unit = MD_UNIT_MONTH;
	} else {
		return -ENOENT;
	}
	*used = i;
	return 0;
}

/* Words between the period and the count: 每天[做]一次, 每日[进行核酸
 * 检测]一次, 一天[都要]两检.  Longer words first where one begins
 * another. */
static void
skip_fillers(const char *s, size_t len, size_t *i)
{
	static const char *const fillers[] = { "做", "进行", "开展", "组织",
		"核酸检测", "核酸", "检测", "采样", "都要", "都", "需要", "需",
		"要", "必须", "测", "早上", "上午", "下午", "晚上", "早晚",
		"各" };
	int rounds;
	size_t k;

	for (rounds = 0; rounds < 4; rounds++) {
		for (k = 0; k < NELEM(fillers); k++)
			if (accept(s, len, i, fillers[k]))
				break;
		if (k == NELEM(fillers))
			break;
	}
}

int
md_parse_frequency(const char *s, size_t len, struct md_frequency *out,
    size_t *used)
{
	double period = 1, count = 1;
	size_t i = 0, k;

	if (accept(s, len, &i, "隔天") || accept(s, len, &i, "隔日")) {
		/* Every other day; the count may be left out (隔天检测). */
		period = 2;
		skip_fillers(s, len, &i);
		if (md_parse_number(s + i, len - i, &count, &k) == 0)
			i += k;
	} else if (accept(s, len, &i, "早晚各") ||
	    accept(s, len, &i, "上下午各")) {
		/* 早晚各做一次: twice a day. */
		skip_fillers(s, len, &i);
		if (md_parse_number(s + i, len - i, &count, &k) != 0)
			return -ENOENT;
		i += k;
		count *= 2;
	} else {
		/* [每]N天M检, 每天M次: N is 1 when left out after 每. */
		int every = accept(s, len, &i, "每");

		if (md_parse_number(s + i, len - i, &period, &k) == 0)
			i += k;
		else if (!every)
			return -ENOENT;
		if (every)
			(void)accept(s, len, &i, "个");
		if (!accept_day(s, len, &i))
			return -ENOENT;
		skip_fillers(s, len, &i);
		if (md_parse_number(s + i, len - i, &count, &k) != 0)
			return -ENOENT;
		i += k;
	}
	if (!accept(s, len, &i, "检") && !accept(s, len, &i, "次") &&
	    !accept(s, len, &i, "测") && !accept(s, len, &i, "回"))
		return -ENOENT;
	/* 每天两次核酸: what is counted belongs to the frequency. */
	(void)(accept(s, len, &i, "核酸检测") || accept(s, len, &i, "核酸") ||
	    accept(s, len, &i, "检测"));
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

/* Whole Arabic digits (ASCII or full-width) at s, no decimal point: how
 * many (at most 5 are read), the bytes in *used, the value in *v. */
static int
whole_digits(const char *s, size_t len, int *v, size_t *used)
{
	size_t i = 0, k;
	int n = 0, d;

	*v = 0;
	while (n < 5 && i < len && (d = arabic_digit(s + i, len - i, &k)) >= 0) {
		*v = *v * 10 + d;
		i += k;
		n++;
	}
	*used = i;
	return n;
}

/* A numeric date separator at s[*i] (- / . or full-width): its ASCII
 * form, or 0. */
static char
date_sep(const char *s, size_t len, size_t *i)
{
	if (*i < len && (s[*i] == '-' || s[*i] == '/' || s[*i] == '.'))
		return s[(*i)++];
	if (accept(s, len, i, "－"))
		return '-';
	if (accept(s, len, i, "／"))
		return '/';
	if (accept(s, len, i, "．"))
		return '.';
	return 0;
}

/* A whole number (Arabic or Chinese) at s[*i] into *v. */
static int
whole_number(const char *s, size_t len, size_t *i, int *v)
{
	double d;
	size_t k;

	if (md_parse_number(s + *i, len - *i, &d, &k) != 0 || d < 0 ||
	    d > 9999 || d != (int)d)
		return 0;
	*v = (int)d;
	*i += k;
	return 1;
}

/* A date at s: 2022年11月20日 (or 号), 二〇二二年十一月二十日, 2022-11-20,
 * 2022/11/20, 2022.11.20.  Its length, or 0 (also for no such day). */
static size_t
date_at(const char *s, size_t len, int *y, int *m, int *d)
{
	double vy;
	size_t i, k;
	char sep;
	int n;

	n = whole_digits(s, len, y, &i);
	if (n == 0) {
		/* At least four characters: 二十二年 is a span of years. */
		if (parse_chinese(s, len, &vy, &i) != 0 || i < 12 ||
		    !(vy >= 1900 && vy <= 2999))
			return 0;
		*y = (int)vy;
	} else if (n != 4) {
		return 0;	/* 3 digits, or part of a longer number */
	}
	if (accept(s, len, &i, "年")) {
		if (!whole_number(s, len, &i, m) || !accept(s, len, &i, "月") ||
		    !whole_number(s, len, &i, d) ||
		    (!accept(s, len, &i, "日") && !accept(s, len, &i, "号")))
			return 0;
	} else {
		if ((sep = date_sep(s, len, &i)) == 0 ||
		    whole_digits(s + i, len - i, m, &k) > 2 || k == 0)
			return 0;
		i += k;
		if (date_sep(s, len, &i) != sep ||
		    whole_digits(s + i, len - i, d, &k) > 2 || k == 0)
			return 0;
		i += k;
	}
	return valid_ymd(*y, *m, *d) ? i : 0;
}

/* Bytes of a whitespace character at p (ASCII, U+3000, U+00A0), or 0. */
static size_t
space_at(const char *p, const char *e)
{
	if (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
	    *p == '\f' || *p == '\v'))
		return 1;
	if (e - p >= 3 && memcmp(p, "\xe3\x80\x80", 3) == 0)
		return 3;
	if (e - p >= 2 && memcmp(p, "\xc2\xa0", 2) == 0)
		return 2;
	return 0;
}

static int
all_space(const char *p, const char *e)
{
	size_t k;

	while (p < e) {
		if ((k = space_at(p, e)) == 0)
			return 0;
		p += k;
	}
	return 1;
}

/* 1 when a year can start at s[i]: a digit, 一 or 二 (一九.., 二〇..),
 * not in the middle of a longer number. */
static int
year_start(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k;

	if (arabic_digit(s + i, len - i, &k) >= 0) {
		if (i >= 1 && is_digit(s[i - 1]))
			return 0;
		return !(i >= 3 && u[i - 3] == 0xef && u[i - 2] == 0xbc &&
		    u[i - 1] >= 0x90 && u[i - 1] <= 0x99);
	}
	return len - i >= 3 && (memcmp(s + i, "二", 3) == 0 ||
	    memcmp(s + i, "一", 3) == 0);
}

/* 1 when s[i] starts 1 or 2 (ASCII or full-width), 一 or 二: a year
 * begins with one of them. */
static int
year_char(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[i] == '1' || u[i] == '2')
		return 1;
	if (len - i < 3)
		return 0;
	if (u[i] == 0xef)
		return u[i + 1] == 0xbc && (u[i + 2] == 0x91 ||
		    u[i + 2] == 0x92);
	return u[i] == 0xe4 && ((u[i + 1] == 0xb8 && u[i + 2] == 0x80) ||
	    (u[i + 1] == 0xba && u[i + 2] == 0x8c));
}

/* A date at s[i], where md_text_date would try one: its length, or 0. */
static size_t
date_from(const char *s, size_t len, size_t i, int *y, int *m, int *d)
{
	if (!year_char(s, len, i) || !year_start(s, len, i))
		return 0;
	return date_at(s + i, len - i, y, m, d);
}

/* The start of the line holding s[le - 1] (a line ends at LF or CR). */
static size_t
line_start(const char *s, size_t le)
{
	const char *lf = memrchr(s, '\n', le), *cr;
	size_t ls = lf ? (size_t)(lf - s) + 1 : 0;

	cr = memrchr(s + ls, '\r', le - ls);
	return cr ? (size_t)(cr - s) + 1 : ls;
}

/* The first bytes of 1, 2, １, ２, 一 and 二. */
static const unsigned char year_byte[256] = {
	['1'] = 1, ['2'] = 1, [0xe4] = 1, [0xef] = 1
};

/*
 * Dates are read left to right, each from where one may start (year_char,
 * year_start) and none inside another.  A date never spans a line end
 * and a date line holds nothing before its date but spaces, so a date
 * line's date is always one of those: the last date line is found by
 * looking at each line's first character from the end, and without one
 * the first date is the answer, found going forward.
 */
int
md_text_date(const char *s, size_t len, char out[11])
{
	const unsigned char *u = (const unsigned char *)s;
	int y = 0, m = 0, d = 0, found = 0;
	size_t i, k, ls, le = len;

	for (;;) {
		ls = line_start(s, le);
		for (i = ls; i < le && (k = space_at(s + i, s + le)) > 0;
		    i += k)
			;
		if (i < le && (k = date_from(s, len, i, &y, &m, &d)) > 0 &&
		    all_space(s + i + k, s + le)) {
			found = 1;
			break;
		}
		if (ls == 0)
			break;
		le = ls - 1;
	}
	for (i = 0; !found && i < len; ) {
		if (year_byte[u[i]] && date_from(s, len, i, &y, &m, &d) > 0)
			found = 1;
		/* No year starts inside a character. */
		else if (u[i] >= 0xe0 && u[i] < 0xf0 && len - i >= 3 &&
		    (u[i + 1] & 0xc0) == 0x80 && (u[i + 2] & 0xc0) == 0x80)
			i += 3;
		else
			i++;
	}
	if (!found)
		return -ENOENT;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/*
 * A month and day without a year (11月20日, 十一月二十日, 11月20号): the
 * first one in the text, dated in the year that puts it on or before ref
 * (a notice speaks of this year's 11月20日, or of last year's when that
 * day is still to come).  Used only when the text states no full date.
 */
/* Bytes of the numeral character that ends at s[end] (what
 * md_parse_number reads: digits, full-width digits and points, Chinese
 * digits and units, 半), or 0. */
static size_t
numeral_before(const char *s, size_t end)
{
	static const char *const chars[] = { "零", "〇", "一", "二", "两",
		"三", "四", "五", "六", "七", "八", "九", "十", "百", "千",
		"万", "半", "．" };
	const unsigned char *u = (const unsigned char *)s + end;
	size_t i;

	if (end >= 1 && (is_digit(s[end - 1]) || s[end - 1] == '.'))
		return 1;
	if (end < 3)
		return 0;
	if (u[-3] == 0xef && u[-2] == 0xbc && u[-1] >= 0x90 && u[-1] <= 0x99)
		return 3;
	for (i = 0; i < NELEM(chars); i++)
		if (memcmp(s + end - 3, chars[i], 3) == 0)
			return 3;
	return 0;
}

int
md_text_month_day(const char *s, size_t len, const char *ref, char out[11])
{
	int ry, rm, rd, m, d, y;
	size_t i, j, p, k;
	const char *at;

	if (sscanf(ref, "%4d-%2d-%2d", &ry, &rm, &rd) != 3)
		return -EINVAL;
	/*
	 * A month ends right before a 月, and a number is a run of numeral
	 * characters, so the only starts worth trying are in the run before
	 * each 月: found by memmem, walked back, tried in text order (the
	 * runs before two 月 never overlap), which finds the first match a
	 * try at every offset would.
	 */
	for (p = 0; p < len && (at = memmem(s + p, len - p, "月", 3)) != NULL;
	    p = (size_t)(at - s) + 3) {
		size_t run = (size_t)(at - s);

		while ((k = numeral_before(s, run)) > 0)
			run -= k;
		for (i = run; i < (size_t)(at - s); i++) {
			const unsigned char c = (unsigned char)s[i];

			/* Start on a character, not inside a number. */
			if ((c & 0xc0) == 0x80 ||
			    (i > 0 && is_digit(s[i - 1])) ||
			    (i >= 3 && cn_digit(s + i - 3, 3) >= 0))
				continue;
			j = i;
			if (!whole_number(s, len, &j, &m) || m < 1 ||
			    m > 12 || !accept(s, len, &j, "月") ||
			    !whole_number(s, len, &j, &d) ||
			    (!accept(s, len, &j, "日") &&
			    !accept(s, len, &j, "号")))
				continue;
			y = ry;
			if (m > rm || (m == rm && d > rd))
				y--;
			if (!valid_ymd(y, m, d))
				continue;
			snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
			return 0;
		}
	}
	return -ENOENT;
}
