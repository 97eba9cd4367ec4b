/*
 * test_text.c - unit tests of the text services (src/text.c): UTF-8
 * validation, folding and the offset map, sentence and clause splitting,
 * negation and lifting scope, numerals, "7+3", durations, test frequencies
 * and the date a document states.
 *
 * Self-contained on purpose (libc, Check and text.c only), so it also
 * builds by hand:
 *   gcc -std=c11 -Iinclude -Isrc src/text.c tests/unit/test_text.c \
 *       $(pkg-config --cflags --libs check)
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t2s.h"
#include "text.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- UTF-8 ------------------------------------------------------------- */

static const struct {
	const char *what;
	const char *s;
	size_t len;
	size_t bad;
} invalid[] = {
	{ "overlong NUL C0 80", "ab\xc0\x80", 4, 2 },
	{ "overlong C1 BF", "\xc1\xbf", 2, 0 },
	{ "overlong 3-byte '/'", "a\xe0\x80\xaf", 4, 1 },
	{ "overlong 3-byte U+07FF", "\xe0\x9f\xbf", 3, 0 },
	{ "overlong 4-byte", "\xf0\x80\x80\x80", 4, 0 },
	{ "overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", 4, 0 },
	{ "surrogate D800", "\xed\xa0\x80x", 4, 0 },
	{ "surrogate DFFF", "停\xed\xbf\xbf", 6, 3 },
	{ "F5 lead byte", "xy\xf5\x80\x80\x80", 6, 2 },
	{ "FF byte", "\xff", 1, 0 },
	{ "FE byte", "ok\xfe", 3, 2 },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", 4, 0 },
	{ "truncated E4 B8", "停\xe4\xb8", 5, 3 },
	{ "truncated at the start", "\xe4", 1, 0 },
	{ "truncated 4-byte", "\xf0\x9f\x98", 3, 0 },
	{ "bad continuation", "\xe4\xb8" "A", 3, 0 },
	{ "lone continuation 80", "a\x80", 2, 1 },
	{ "lone continuation BF", "停课\xbf", 7, 6 },
	{ "NUL", "ab\0c", 4, 2 },
	{ "NUL first", "\0", 1, 0 },
	{ "2-byte lead then ASCII", "\xc3(", 2, 0 },
};

START_TEST(utf8_valid)
{
	static const char *const ok[] = {
		"", "abc", "停课 ＡＢＣ", "\xc2\x80", "\xdf\xbf",
		"\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
		"\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "𠀀😀", "\xef\xbb\xbf"
	};
	size_t i, bad = 77;

	for (i = 0; i < NELEM(ok); i++) {
		ck_assert_msg(md_utf8_check(ok[i], strlen(ok[i]), &bad) == 0,
		    "valid string %zu rejected at %zu", i, bad);
		ck_assert_int_eq(md_utf8_check(ok[i], strlen(ok[i]), NULL), 0);
	}
	/* Only len bytes are looked at. */
	ck_assert_int_eq(md_utf8_check("ab\xff", 2, &bad), 0);
	ck_assert_int_eq(md_utf8_check("停\xe4\xb8", 3, &bad), 0);
}
END_TEST

START_TEST(utf8_invalid)
{
	size_t i, bad;

	for (i = 0; i < NELEM(invalid); i++) {
		bad = 12345;
		ck_assert_msg(md_utf8_check(invalid[i].s, invalid[i].len,
		    &bad) == -EILSEQ, "%s accepted", invalid[i].what);
		ck_assert_msg(bad == invalid[i].bad, "%s: bad %zu, not %zu",
		    invalid[i].what, bad, invalid[i].bad);
		ck_assert_int_eq(md_utf8_check(invalid[i].s, invalid[i].len,
		    NULL), -EILSEQ);
	}
}
END_TEST

START_TEST(init_rejects_invalid)
{
	struct md_text t;
	size_t i, bad;

	for (i = 0; i < NELEM(invalid); i++) {
		bad = 12345;
		memset(&t, 0xa5, sizeof t);
		ck_assert_msg(md_text_init(&t, invalid[i].s, invalid[i].len,
		    &bad) == -EILSEQ, "%s accepted", invalid[i].what);
		ck_assert_msg(bad == invalid[i].bad, "%s: bad %zu, not %zu",
		    invalid[i].what, bad, invalid[i].bad);
		ck_assert_ptr_null(t.norm);
		ck_assert_ptr_null(t.points);
		ck_assert_ptr_null(t.clauses);
		ck_assert_ptr_null(t.sentences);
		ck_assert_uint_eq(t.nclauses + t.nsentences + t.npoints, 0);
		md_text_release(&t);
	}
	/* After full-width text and a CRLF, the offset is still the
	 * submitted one. */
	ck_assert_int_eq(md_text_init(&t, "ＡＢ\r\n停课\xff", 15, &bad),
	    -EILSEQ);
	ck_assert_uint_eq(bad, 14);
	ck_assert_int_eq(md_text_init(&t, "ok", 2, NULL), 0);
	md_text_release(&t);
	ck_assert_int_eq(md_text_init(&t, "\xff", 1, NULL), -EILSEQ);
}
END_TEST

START_TEST(init_too_long)
{
	struct md_text t;

	/* The buffer size would overflow: refused before anything is
	 * read or allocated. */
	ck_assert_int_eq(md_text_init(&t, "", SIZE_MAX, NULL), -ENOMEM);
	ck_assert_ptr_null(t.norm);
	ck_assert_int_eq(md_text_init(&t, "", SIZE_MAX - MD_TEXT_PAD, NULL),
	    -ENOMEM);
	ck_assert_ptr_null(t.norm);
}
END_TEST

/* --- folding and the offset map ---------------------------------------- */

static struct md_text T;
static struct md_document D;

static void
load(const char *s)
{
	size_t bad = 0;

	ck_assert_msg(md_text_init(&T, s, strlen(s), &bad) == 0,
	    "init failed at %zu: %s", bad, s);
	memset(&D, 0, sizeof D);
	md_text_document(&T, &D);
}

static void
unload(void)
{
	md_text_release(&T);
	memset(&D, 0, sizeof D);
}

/* The normalized text of s. */
static void
folds_to(const char *s, const char *want)
{
	load(s);
	ck_assert_str_eq(T.norm, want);
	ck_assert_uint_eq(T.norm_len, strlen(want));
	unload();
}

START_TEST(folding)
{
	folds_to("ＡＢＣＸＹＺａｂｃｘｙｚ", "ABCXYZabcxyz");
	folds_to("０１２３４５６７８９", "0123456789");
	folds_to("！＂＃＄％＆＇（）＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～",
	    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
	/* Spaces between ideographs are dropped, others stay. */
	folds_to("全区\xe3\x80\x80停课", "全区停课");
	folds_to("封 控 了 十 天", "封控了十天");
	folds_to("封控  7天", "封控  7天");
	folds_to("停课 ok", "停课 ok");
	/* Traditional ideographs become simplified ones. */
	folds_to("全區中小學、幼兒園一律暫停線下教學",
	    "全区中小学、幼儿园一律暂停线下教学");
	folds_to("小區被封鎖，不準出門", "小区被封锁,不准出门");
	/* Next to the other 3-byte characters (U+3001, U+3000, Hangul). */
	folds_to("說明、\xe3\x80\x80們", "说明、 们");
	folds_to("ᄀ가힣們“說”", "ᄀ가힣们“说”");
	/* A BOM is dropped at the start only. */
	folds_to("\xef\xbb\xbf通告", "通告");
	folds_to("通\xef\xbb\xbf告", "通\xef\xbb\xbf告");
	folds_to("a\r\nb\rc\n\r\nd\r", "a\nb\nc\n\nd\n");
	/* What is not in U+FF01..U+FF5E or U+3000 stays. */
	folds_to("。、“”‘’《》【】…—·", "。、“”‘’《》【】…—·");
	folds_to("\xef\xbd\x9f\xef\xbd\xa1\xef\xbc\x80",
	    "\xef\xbd\x9f\xef\xbd\xa1\xef\xbc\x80");	/* U+FF5F FF61 FF00 */
	folds_to("停课 ok 𠀀", "停课 ok 𠀀");
	folds_to("", "");
	folds_to("\xef\xbb\xbf", "");
}
END_TEST

START_TEST(padding_and_release)
{
	struct md_text z;
	size_t i;

	load("Ａ，停课。");
	ck_assert_int_eq(T.norm[T.norm_len], 0);
	for (i = 0; i < MD_TEXT_PAD; i++)
		ck_assert_int_eq(T.norm[T.norm_len + 1 + i], 0);
	ck_assert_ptr_eq(D.text, T.norm);
	ck_assert_uint_eq(D.len, T.norm_len);
	ck_assert_ptr_eq(D.clauses, T.clauses);
	ck_assert_uint_eq(D.nclauses, T.nclauses);
	ck_assert_ptr_eq(D.sentences, T.sentences);
	ck_assert_uint_eq(D.nsentences, T.nsentences);
	md_text_release(&T);
	ck_assert_ptr_null(T.norm);
	ck_assert_ptr_null(T.points);
	ck_assert_ptr_null(T.clauses);
	ck_assert_ptr_null(T.sentences);
	ck_assert_uint_eq(T.norm_len + T.npoints + T.nclauses + T.nsentences,
	    0);
	md_text_release(&T);	/* safe twice */
	memset(&z, 0, sizeof z);
	md_text_release(&z);	/* and on a zeroed struct */
}
END_TEST

/*
 * The normalized character at off came from the submitted character at
 * orig: the same bytes, or its full-width form, U+3000 for a space, CR or
 * CRLF for LF.
 */
static int
same_char(const char *norm, const char *orig)
{
	unsigned char c = (unsigned char)norm[0];
	const unsigned char *o = (const unsigned char *)orig;
	unsigned cp;

	if (c == ' ' && memcmp(orig, "\xe3\x80\x80", 3) == 0)
		return 1;
	if (c == '\n' && *orig == '\r')
		return 1;
	if (c >= 0x21 && c <= 0x7e && o[0] == 0xef) {
		cp = ((o[0] & 0x0fu) << 12) | ((o[1] & 0x3fu) << 6) |
		    (o[2] & 0x3fu);
		if (cp == c + 0xfee0u)
			return 1;
	}
	if (c < 0x80)
		return *orig == norm[0];
	/* A traditional ideograph folded to its simplified form. */
	if (o[0] >= 0xe3 && o[0] <= 0xe9) {
		unsigned n = ((c & 0x0fu) << 12) |
		    (((unsigned char)norm[1] & 0x3fu) << 6) |
		    ((unsigned char)norm[2] & 0x3fu);

		cp = ((o[0] & 0x0fu) << 12) | ((o[1] & 0x3fu) << 6) |
		    (o[2] & 0x3fu);
		if (md_t2s(cp) == n)
			return 1;
	}
	return memcmp(norm, orig, c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) == 0;
}

/* Checks every normalized character start against its source. */
static void
check_map(const char *in)
{
	size_t off, prev = 0, o;

	load(in);
	ck_assert_uint_eq(md_text_orig(&T, T.norm_len), strlen(in));
	ck_assert_uint_eq(md_text_orig(&T, T.norm_len + 100), strlen(in));
	for (off = 0; off < T.norm_len; off++) {
		o = md_text_orig(&T, off);
		ck_assert_msg(o >= prev && o < strlen(in),
		    "%s: map not monotonic at %zu", in, off);
		prev = o;
		if (((unsigned char)T.norm[off] & 0xc0) == 0x80)
			continue;
		ck_assert_msg(same_char(T.norm + off, in + o),
		    "%s: normalized %zu maps to %zu", in, off, o);
	}
	unload();
}

/* The span of needle in the normalized text maps back to exactly want
 * in the submitted text. */
static void
span_maps(const char *in, const char *needle, const char *want)
{
	const char *p;
	size_t s, e, os, oe;

	load(in);
	p = strstr(T.norm, needle);
	ck_assert_msg(p != NULL, "%s not in %s", needle, T.norm);
	s = (size_t)(p - T.norm);
	e = s + strlen(needle);
	os = md_text_orig(&T, s);
	oe = md_text_orig(&T, e);
	ck_assert_msg(oe - os == strlen(want) &&
	    memcmp(in + os, want, oe - os) == 0,
	    "%s maps to [%zu, %zu) of %s, not %s", needle, os, oe, in, want);
	unload();
}

START_TEST(offset_map)
{
	const char *in = "\xef\xbb\xbfＡ１，全区\xe3\x80\x80停课！（十六）。\r\n末";

	load(in);
	ck_assert_str_eq(T.norm, "A1,全区停课!(十六)。\n末");
	ck_assert_uint_eq(md_text_orig(&T, 0), 3);	/* after the BOM */
	ck_assert_uint_eq(md_text_orig(&T, 1), 6);
	ck_assert_uint_eq(md_text_orig(&T, 2), 9);
	unload();
	check_map(in);
	span_maps(in, "停课", "停课");
	span_maps(in, "(十六)", "（十六）");
	span_maps(in, "A1,", "Ａ１，");
	span_maps(in, "全区停课!", "全区\xe3\x80\x80停课！");
	span_maps(in, "区停", "区\xe3\x80\x80停");
	/* Traditional text and stray spaces map back to what was sent. */
	span_maps("通知：全區暫停線下教學。", "暂停线下教学", "暫停線下教學");
	span_maps("小 区 被 封 了 十 天 ！", "封了十天", "封 了 十 天");
	span_maps("Ａ 全 區 停 課 Ｂ", "全区停课", "全 區 停 課");
	check_map("小 區 封 控\xe3\x80\x80了 ， 十　天 沒 人 管");
	check_map("全區中小學 暫停 線下教學，ｏｋ 好 的");
	span_maps(in, "。\n", "。\r\n");
	span_maps(in, "末", "末");
	span_maps("第１２号楼封控７天，ＡＢ区解封", "12号楼封控7天",
	    "１２号楼封控７天");
	span_maps("第１２号楼封控７天，ＡＢ区解封", "AB区解封", "ＡＢ区解封");
	span_maps("学生须每天１次核酸ok，其他", "1次核酸ok,", "１次核酸ok，");
	span_maps("a\r\n\r\nb", "\n\nb", "\r\n\r\nb");
	span_maps("纯中文没有全角字符", "全角", "全角");
	check_map("ａ\rｂ\r\n\r\rｃ　ｄ停课𠀀ｅ");
	check_map("没有要折叠的字符, plain ASCII too.");
	check_map("\xef\xbb\xbf\r\n");
	check_map("");
	/* Text without points maps one to one. */
	load("abc停课");
	ck_assert_uint_eq(T.npoints, 0);
	ck_assert_uint_eq(md_text_orig(&T, 4), 4);
	unload();
}
END_TEST

/* --- splitting --------------------------------------------------------- */

static int
span_is(const struct md_clause *c, const char *want)
{
	return c->end - c->start == strlen(want) &&
	    memcmp(D.text + c->start, want, c->end - c->start) == 0;
}

#define ck_assert_span(c, want)						\
	ck_assert_msg(span_is((c), (want)), "span [%zu, %zu) \"%.*s\" "	\
	    "is not \"%s\"", (c)->start, (c)->end,			\
	    (int)((c)->end - (c)->start), D.text + (c)->start, (want))

static int
is_blank(size_t s, size_t e)
{
	for (; s < e; s++)
		if (D.text[s] != ' ' && D.text[s] != '\n' && D.text[s] != '\t')
			return 0;
	return 1;
}

/* What must hold of any split: sentences in order, not blank, their
 * .sentence their own index; clauses in order, and the clauses of each
 * sentence covering it exactly. */
static void
check_split(void)
{
	size_t si, ci = 0, at, prev_end = 0;

	for (si = 0; si < D.nsentences; si++) {
		const struct md_clause *s = &D.sentences[si];

		ck_assert_uint_eq(s->sentence, si);
		ck_assert_uint_lt(s->start, s->end);
		ck_assert_uint_ge(s->start, prev_end);
		ck_assert_uint_le(s->end, D.len);
		ck_assert(!is_blank(s->start, s->end));
		prev_end = s->end;
		at = s->start;
		ck_assert_uint_lt(ci, D.nclauses);
		while (ci < D.nclauses && D.clauses[ci].sentence == si) {
			ck_assert_uint_eq(D.clauses[ci].start, at);
			ck_assert_uint_lt(D.clauses[ci].start,
			    D.clauses[ci].end);
			ck_assert(!is_blank(D.clauses[ci].start,
			    D.clauses[ci].end));
			at = D.clauses[ci].end;
			ci++;
		}
		ck_assert_uint_eq(at, s->end);
	}
	ck_assert_uint_eq(ci, D.nclauses);
}

START_TEST(split_notice)
{
	const char *in = "各区县要严格落实“二十条”要求，不得随意封校停课、停工停产；"
	    "确需封控的，原则上于10:30前报批，涉及1,000人以上的须经市指挥部同意。"
	    "对违反规定的，坚决予以纠正！\r\n特此通知。";
	static const char *const sentences[] = {
		"各区县要严格落实“二十条”要求,不得随意封校停课、停工停产;"
		"确需封控的,原则上于10:30前报批,涉及1,000人以上的须经市指挥部"
		"同意。",
		"对违反规定的,坚决予以纠正!\n",
		"特此通知。"
	};
	static const struct {
		const char *s;
		size_t sentence;
	} clauses[] = {
		{ "各区县要严格落实“二十条”要求,", 0 },
		{ "不得随意封校停课、停工停产;", 0 },	/* 、 does not split */
		{ "确需封控的,", 0 },
		{ "原则上于10:30前报批,", 0 },	/* nor does 10:30 */
		{ "涉及1,000人以上的须经市指挥部同意。", 0 },	/* nor 1,000 */
		{ "对违反规定的,", 1 },
		{ "坚决予以纠正!\n", 1 },
		{ "特此通知。", 2 },
	};
	size_t i, os, oe;

	load(in);
	check_split();
	ck_assert_uint_eq(D.nsentences, NELEM(sentences));
	for (i = 0; i < NELEM(sentences); i++)
		ck_assert_span(&D.sentences[i], sentences[i]);
	ck_assert_uint_eq(D.nclauses, NELEM(clauses));
	for (i = 0; i < NELEM(clauses); i++) {
		ck_assert_span(&D.clauses[i], clauses[i].s);
		ck_assert_uint_eq(D.clauses[i].sentence, clauses[i].sentence);
	}
	/* A sentence maps back to its submitted bytes. */
	os = md_text_orig(&T, D.sentences[1].start);
	oe = md_text_orig(&T, D.sentences[1].end);
	ck_assert(oe - os == strlen("对违反规定的，坚决予以纠正！\r\n") &&
	    memcmp(in + os, "对违反规定的，坚决予以纠正！\r\n", oe - os) == 0);
	unload();
}
END_TEST

START_TEST(split_details)
{
	/* Consecutive terminators stay in one sentence. */
	load("为什么？！\n\n特此通告。。下一句");
	check_split();
	ck_assert_uint_eq(D.nsentences, 3);
	ck_assert_span(&D.sentences[0], "为什么?!\n\n");
	ck_assert_span(&D.sentences[1], "特此通告。。");
	ck_assert_span(&D.sentences[2], "下一句");
	unload();

	/* Whitespace-only pieces are not sentences; whitespace after the
	 * last separator joins the last clause. */
	load("\n\n  \n一、总体要求：\n（一）封控区，\n   \n停课, \t\n");
	check_split();
	ck_assert_uint_eq(D.nsentences, 3);
	ck_assert_span(&D.sentences[0], "一、总体要求:\n");
	ck_assert_span(&D.sentences[1], "(一)封控区,\n");
	ck_assert_span(&D.sentences[2], "停课, \t\n");
	ck_assert_uint_eq(D.nclauses, 3);
	ck_assert_span(&D.clauses[0], "一、总体要求:\n");
	ck_assert_span(&D.clauses[1], "(一)封控区,\n");
	ck_assert_span(&D.clauses[2], "停课, \t\n");
	unload();

	/* ASCII and full-width separators alike; a full-width comma
	 * between digits is punctuation, a colon between digits a time. */
	load("新增病例3，2例为无症状;上午10：30集合,下午3:00解散,计1,500人");
	check_split();
	ck_assert_uint_eq(D.nsentences, 1);
	ck_assert_uint_eq(D.nclauses, 5);
	ck_assert_span(&D.clauses[0], "新增病例3,");
	ck_assert_span(&D.clauses[1], "2例为无症状;");
	ck_assert_span(&D.clauses[2], "上午10:30集合,");
	ck_assert_span(&D.clauses[3], "下午3:00解散,");
	ck_assert_span(&D.clauses[4], "计1,500人");
	unload();

	/* A comma or colon with a digit on one side only splits. */
	load("第1,二是:3");
	check_split();
	ck_assert_uint_eq(D.nclauses, 3);
	ck_assert_span(&D.clauses[0], "第1,");
	ck_assert_span(&D.clauses[1], "二是:");
	ck_assert_span(&D.clauses[2], "3");
	unload();

	/* ! and ? end sentences too; text without any terminator is one. */
	load("Stop! Now? ok");
	check_split();
	ck_assert_uint_eq(D.nsentences, 3);
	ck_assert_span(&D.sentences[1], " Now?");
	unload();
	load("没有标点的一句话");
	check_split();
	ck_assert_uint_eq(D.nsentences, 1);
	ck_assert_uint_eq(D.nclauses, 1);
	ck_assert_span(&D.clauses[0], "没有标点的一句话");
	unload();

	load("");
	ck_assert_uint_eq(D.nsentences, 0);
	ck_assert_uint_eq(D.nclauses, 0);
	unload();
	load(" \n\t\r\n　");
	ck_assert_uint_eq(D.nsentences, 0);
	ck_assert_uint_eq(D.nclauses, 0);
	unload();
	load(",,;");
	check_split();
	ck_assert_uint_eq(D.nsentences, 1);
	ck_assert_uint_eq(D.nclauses, 3);
	unload();
}
END_TEST

START_TEST(split_long)
{
	/* Enough spans to make the arrays grow several times. */
	const char *unit = "第一，第二；第三。\n";
	size_t n = 500, i, len = strlen(unit);
	char *big = malloc(n * len + 1);

	ck_assert_ptr_nonnull(big);
	for (i = 0; i < n; i++)
		memcpy(big + i * len, unit, len);
	big[n * len] = 0;
	load(big);
	check_split();
	ck_assert_uint_eq(D.nsentences, n);
	ck_assert_uint_eq(D.nclauses, 3 * n);
	ck_assert_span(&D.sentences[n - 1], "第一,第二;第三。\n");
	ck_assert_uint_eq(T.npoints, 2 * n);
	unload();
	span_maps(big, "第二;第三", "第二；第三");
	free(big);
}
END_TEST

/*
 * Random texts from fragments that matter to folding and splitting (and
 * some bytes that are not UTF-8): md_text_init agrees with md_utf8_check,
 * and the map and the split keep their invariants.  A fixed seed keeps it
 * repeatable.
 */
START_TEST(random_texts)
{
	static const char *const frags[] = {
		"停课", "，", ",", "；", ";", "：", ":", "。", "！", "!", "？",
		"?", "\n", "\r\n", "\r", " ", "\xe3\x80\x80", "、", "1", "１",
		"0", "Ａ", "a", "“", "”", "\xef\xbb\xbf", "𠀀", "不得", "解除",
		"\xff", "\xe4\xb8", "\x80", "\xed\xa0\x80"
	};
	char buf[256];
	uint32_t seed = 20221111;
	size_t round, len, k, bad, bad2;
	int rc, rc2;

	for (round = 0; round < 1000; round++) {
		len = 0;
		for (;;) {
			const char *f;

			seed = seed * 1103515245u + 12345u;
			f = frags[(seed >> 16) % NELEM(frags)];
			/* Invalid fragments rarely, so most texts load. */
			if ((unsigned char)f[0] >= 0x80 && f[0] != '\xe3' &&
			    f[0] != '\xef' && f[0] != '\xf0' &&
			    (seed >> 8) % 8 != 0)
				continue;
			if (len + strlen(f) >= sizeof buf ||
			    (seed >> 4) % 40 == 0)
				break;
			memcpy(buf + len, f, strlen(f));
			len += strlen(f);
		}
		buf[len] = 0;
		bad = bad2 = 0;
		rc = md_text_init(&T, buf, len, &bad);
		rc2 = md_utf8_check(buf, len, &bad2);
		ck_assert_int_eq(rc, rc2);
		if (rc != 0) {
			ck_assert_uint_eq(bad, bad2);
			continue;
		}
		memset(&D, 0, sizeof D);
		md_text_document(&T, &D);
		check_split();
		for (k = 0; k < D.len; k++)
			if (((unsigned char)D.text[k] & 0xc0) != 0x80)
				ck_assert(same_char(D.text + k,
				    buf + md_text_orig(&T, k)));
		ck_assert_uint_eq(md_text_orig(&T, D.len), len);
		for (k = 0; k < D.len; k++)
			(void)md_scope_at(&D, k, D.len);
		unload();
	}
}
END_TEST

/*
 * The parsers on random runs of numerals, units and separators, each in a
 * buffer of exactly its length (the sanitizers and valgrind catch a read
 * past it); whatever they accept lies within the input.
 */
START_TEST(random_parsers)
{
	static const char *const frags[] = {
		"一", "二", "两", "十", "百", "千", "万", "零", "〇", "半", "7",
		"１", ".", "．", "+", "＋", " ", "天", "日", "号", "月", "个",
		"多", "小时", "周", "星期", "每", "隔", "检", "次", "核酸", "年",
		"-", "/", "\n", "\xe4", "\xef\xbc"
	};
	char buf[64], *s;
	uint32_t seed = 1111;
	size_t round, len, used;
	double a, b;
	struct md_duration d;
	struct md_frequency f;
	char date[11];

	for (round = 0; round < 5000; round++) {
		len = 0;
		for (;;) {
			const char *fr;

			seed = seed * 1103515245u + 12345u;
			fr = frags[(seed >> 16) % NELEM(frags)];
			if (len + strlen(fr) > sizeof buf || (seed >> 4) % 7 == 0)
				break;
			memcpy(buf + len, fr, strlen(fr));
			len += strlen(fr);
		}
		s = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(s);
		memcpy(s, buf, len);
		if (md_parse_number(s, len, &a, &used) == 0)
			ck_assert(used > 0 && used <= len && a >= 0);
		if (md_parse_plus(s, len, &a, &b, &used) == 0)
			ck_assert(used > 0 && used <= len);
		if (md_parse_duration(s, len, &d, &used) == 0)
			ck_assert(used > 0 && used <= len && d.days >= 0);
		if (md_parse_frequency(s, len, &f, &used) == 0)
			ck_assert(used > 0 && used <= len && f.count > 0 &&
			    f.period_days > 0);
		if (md_text_date(s, len, date) == 0)
			ck_assert_uint_eq(strlen(date), 10);
		free(s);
	}
}
END_TEST

START_TEST(clause_at)
{
	struct md_document empty;
	size_t off, i;

	load("即日起，全区停课。\n特此通告，望周知");
	check_split();
	for (off = 0; off < D.len; off++) {
		const struct md_clause *c = md_clause_at(&D, off);

		ck_assert_ptr_nonnull(c);
		ck_assert(c->start <= off && off < c->end);
	}
	for (i = 0; i < D.nclauses; i++) {
		ck_assert_ptr_eq(md_clause_at(&D, D.clauses[i].start),
		    &D.clauses[i]);
		ck_assert_ptr_eq(md_clause_at(&D, D.clauses[i].end - 1),
		    &D.clauses[i]);
	}
	ck_assert_ptr_null(md_clause_at(&D, D.len));
	ck_assert_ptr_null(md_clause_at(&D, D.len + 10));
	unload();
	/* A leading blank line is in no clause. */
	load("\n\n停课");
	ck_assert_ptr_null(md_clause_at(&D, 0));
	ck_assert_ptr_eq(md_clause_at(&D, 2), &D.clauses[0]);
	unload();
	memset(&empty, 0, sizeof empty);
	ck_assert_ptr_null(md_clause_at(&empty, 0));
}
END_TEST

/* --- scope ------------------------------------------------------------- */

static enum md_scope
scope_of(const char *text, const char *needle)
{
	const char *p;
	size_t s;
	enum md_scope sc;

	load(text);
	p = strstr(D.text, needle);
	ck_assert_msg(p != NULL, "%s not in %s", needle, text);
	s = (size_t)(p - D.text);
	sc = md_scope_at(&D, s, s + strlen(needle));
	/* The same with the clause known. */
	ck_assert_int_eq(md_scope_in(&D, md_clause_at(&D, s), s), sc);
	unload();
	return sc;
}

static const struct {
	const char *text, *span;
	enum md_scope want;
} scopes[] = {
	{ "各地不得随意封校停课", "封校停课", MD_SCOPE_NEGATED },
	{ "严禁随意封校停课、停工停产、未经批准阻断交通", "阻断交通",
	    MD_SCOPE_NEGATED },		/* 、 does not end the clause */
	{ "严禁随意封校停课，全区停课", "封校停课", MD_SCOPE_NEGATED },
	{ "解除静默管理", "静默管理", MD_SCOPE_LIFTED },
	{ "自即日起解除隔离措施", "隔离措施", MD_SCOPE_LIFTED },
	{ "解除隔离", "隔离", MD_SCOPE_LIFTED },
	{ "有序放开小区出入", "小区出入", MD_SCOPE_LIFTED },
	{ "恢复线下教学", "线下教学", MD_SCOPE_LIFTED },
	{ "该区域降为低风险区，解封", "区域", MD_SCOPE_PLAIN },
	{ "不得外出，全区停课", "停课", MD_SCOPE_PLAIN },
	{ "严禁层层加码；全区停课", "全区停课", MD_SCOPE_PLAIN },
	{ "严禁层层加码:全区停课", "全区停课", MD_SCOPE_PLAIN },
	{ "禁止车辆进出", "禁止车辆进出", MD_SCOPE_PLAIN },
	{ "全区停课，严禁外出", "停课", MD_SCOPE_PLAIN },
	{ "全县未经批准阻断交通", "阻断交通", MD_SCOPE_PLAIN },
	{ "未经批准阻断交通", "阻断交通", MD_SCOPE_PLAIN },
	{ "没有任何理由就封控小区", "封控小区", MD_SCOPE_PLAIN },
	{ "纠正“一天两检”的做法", "一天两检", MD_SCOPE_NEGATED },
	{ "坚决杜绝层层加码", "层层加码", MD_SCOPE_NEGATED },
	{ "不再开展全员核酸检测", "全员核酸检测", MD_SCOPE_NEGATED },
	{ "取消入校核酸查验", "核酸查验", MD_SCOPE_NEGATED },
	{ "决不能随意停课", "停课", MD_SCOPE_NEGATED },
	/* The nearer word wins. */
	{ "不得拖延，恢复线下教学后又停课", "停课", MD_SCOPE_LIFTED },
	{ "解除封控后严禁再次封控", "再次封控", MD_SCOPE_NEGATED },
	{ "严禁拖延解除封控", "封控", MD_SCOPE_LIFTED },
	/* 不得不 reports what was done. */
	{ "我们不得不封控小区", "封控小区", MD_SCOPE_PLAIN },
	{ "不得已全区停课", "全区停课", MD_SCOPE_PLAIN },
	/* A result clause carries the negation of the one before. */
	{ "决不能随意停课，让孩子长期在家上网课", "在家上网课",
	    MD_SCOPE_NEGATED },
	{ "随意停课，让孩子长期在家上网课", "在家上网课", MD_SCOPE_PLAIN },
	{ "不得外出。让孩子在家上网课", "在家上网课", MD_SCOPE_PLAIN },
	/* Full-width letters and digits do not confuse the scan. */
	{ "Ａ区不得封控１号楼", "1号楼", MD_SCOPE_NEGATED },
};

START_TEST(scope)
{
	size_t i;

	for (i = 0; i < NELEM(scopes); i++) {
		enum md_scope got = scope_of(scopes[i].text, scopes[i].span);

		ck_assert_msg(got == scopes[i].want, "%s in %s: %d, not %d",
		    scopes[i].span, scopes[i].text, got, scopes[i].want);
	}
	/* Outside any clause: plain. */
	load("不得停课");
	ck_assert_int_eq(md_scope_at(&D, D.len, D.len), MD_SCOPE_PLAIN);
	ck_assert_int_eq(md_scope_at(&D, D.len + 9, D.len + 9),
	    MD_SCOPE_PLAIN);
	/* A span that starts inside the negator is not governed by it. */
	ck_assert_int_eq(md_scope_at(&D, 3, D.len), MD_SCOPE_PLAIN);
	ck_assert_int_eq(md_scope_at(&D, 6, D.len), MD_SCOPE_NEGATED);
	unload();
}
END_TEST

/*
 * md_scope_at at every start, mid-character ones included: only words
 * that lie wholly before the start count, and a false negator only when
 * it does too (in 不得不 a span starting at the second 不 is under 不得).
 * want holds a letter a byte: P plain, N negated, L lifted; the text's
 * end is in no clause, so plain.
 */
START_TEST(scope_at_every_start)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "我们不得不封控小区",
		    "PPPPPPPPPPPP" "NNN" "PPPPPPPPPPPP" },
		{ "恢复教学", "PPPPPP" "LLLLLL" },
		{ "a不得b", "PPPPPPP" "N" },
		{ "不得不再封控", "PPPPPP" "NNN" "PPP" "NNNNNN" },
		{ "停止执行停止", "PPPPPPPPPPPP" "LLLLLL" },
		{ "严禁解除封控", "PPPPPP" "NNNNNN" "LLLLLL" },
		{ "解除严禁封控", "PPPPPP" "LLLLLL" "NNNNNN" },
		/* 让 carries 决不能 over once it lies before the start. */
		{ "决不能停课，让孩子在家",
		    "PPPPPPPPP" "NNNNNNN" "PPP" "NNNNNNNNNNNN" },
	};
	size_t i, k;
	enum md_scope got, want;

	for (i = 0; i < NELEM(cases); i++) {
		load(cases[i].text);
		ck_assert_uint_eq(strlen(cases[i].want), D.len);
		for (k = 0; k <= D.len + 1; k++) {
			want = k >= D.len || cases[i].want[k] == 'P' ?
			    MD_SCOPE_PLAIN : cases[i].want[k] == 'N' ?
			    MD_SCOPE_NEGATED : MD_SCOPE_LIFTED;
			got = md_scope_at(&D, k, D.len);
			ck_assert_msg(got == want, "%s at %zu: %d, not %d",
			    cases[i].text, k, got, want);
		}
		unload();
	}
}
END_TEST

/* --- numerals ---------------------------------------------------------- */

static const struct {
	const char *s;
	double value;
	size_t used;
} numbers[] = {
	{ "七", 7, 3 }, { "七天", 7, 3 }, { "十四日", 14, 6 },
	{ "二十一天", 21, 9 }, { "两次", 2, 3 }, { "半个月", 0.5, 3 },
	{ "7天", 7, 1 }, { "７天", 7, 3 }, { "１４", 14, 6 },
	{ "一百零五", 105, 12 }, { "十", 10, 3 }, { "十天", 10, 3 },
	{ "一百", 100, 6 }, { "一百二十", 120, 12 }, { "三十", 30, 6 },
	{ "零", 0, 3 }, { "〇", 0, 3 }, { "两千零二十二年", 2022, 18 },
	{ "二〇二二年", 2022, 12 }, { "二零二二", 2022, 12 },
	{ "三万", 30000, 6 }, { "十万", 100000, 6 }, { "一百万", 1000000, 9 },
	{ "1.5小时", 1.5, 3 }, { "７．５", 7.5, 9 }, { "0.5", 0.5, 3 }, { "0.3", 0.3, 3 },
	{ "2.25天", 2.25, 4 },
	{ "48小时", 48, 2 }, { "2022", 2022, 4 }, { "第7.", 0, 0 },
	{ "7.", 7, 1 }, { "7.天", 7, 1 }, { "１2３", 123, 7 },
	/* Estimates read as the lower end. */
	{ "三四天", 3, 6 }, { "两三次", 2, 6 }, { "十二三天", 12, 9 },
	{ "七八天", 7, 6 }, { "二三十天", 20, 9 },
	/* 百 千 万 need a number before them. */
	{ "十百", 10, 3 },
};

START_TEST(numerals)
{
	static const char *const none[] = { "天", "", "百姓", "千万不要",
		"万一", "abc", ".5", "第7", "个月", "＋3", "-3" };
	size_t i, used;
	double v;

	for (i = 0; i < NELEM(numbers); i++) {
		const char *s = numbers[i].s;

		if (numbers[i].used == 0) {
			ck_assert_int_eq(md_parse_number(s, strlen(s), &v,
			    &used), -ENOENT);
			continue;
		}
		v = -1;
		used = 999;
		ck_assert_msg(md_parse_number(s, strlen(s), &v, &used) == 0,
		    "%s: not a number", s);
		ck_assert_msg(v == numbers[i].value && used == numbers[i].used,
		    "%s: %g (%zu bytes), not %g (%zu)", s, v, used,
		    numbers[i].value, numbers[i].used);
	}
	for (i = 0; i < NELEM(none); i++)
		ck_assert_msg(md_parse_number(none[i], strlen(none[i]), &v,
		    &used) == -ENOENT, "%s read as %g", none[i], v);
	/* len bounds the read. */
	ck_assert_int_eq(md_parse_number("123", 2, &v, &used), 0);
	ck_assert(v == 12 && used == 2);
	ck_assert_int_eq(md_parse_number("十四", 3, &v, &used), 0);
	ck_assert(v == 10 && used == 3);
	ck_assert_int_eq(md_parse_number("十四", 2, &v, &used), -ENOENT);
}
END_TEST

START_TEST(plus_notation)
{
	static const struct {
		const char *s;
		double a, b;
		size_t used;
	} ok[] = {
		{ "7+3", 7, 3, 3 },
		{ "７＋３", 7, 3, 9 },
		{ "5天+3天居家", 5, 3, 9 },
		{ "5天+3天", 5, 3, 9 },
		{ "7 + 3", 7, 3, 5 },
		{ "7\xe3\x80\x80＋\xe3\x80\x80" "3", 7, 3, 11 },
		{ "五天＋三天", 5, 3, 15 },
		{ "7日+3日", 7, 3, 9 },
		{ "14+7", 14, 7, 4 },
		{ "7加3", 7, 3, 5 },
	};
	static const char *const none[] = { "7天", "7+", "+3", "7+天",
		"七天集中隔离", "" };
	double a, b;
	size_t i, used;

	for (i = 0; i < NELEM(ok); i++) {
		a = b = -1;
		ck_assert_msg(md_parse_plus(ok[i].s, strlen(ok[i].s), &a, &b,
		    &used) == 0, "%s", ok[i].s);
		ck_assert_msg(a == ok[i].a && b == ok[i].b &&
		    used == ok[i].used, "%s: %g+%g (%zu)", ok[i].s, a, b,
		    used);
	}
	for (i = 0; i < NELEM(none); i++)
		ck_assert_msg(md_parse_plus(none[i], strlen(none[i]), &a, &b,
		    &used) == -ENOENT, "%s", none[i]);
}
END_TEST

/* --- durations --------------------------------------------------------- */

START_TEST(durations)
{
	static const struct {
		const char *s;
		double days;
		int unit;
		size_t used;
	} ok[] = {
		{ "7天", 7, MD_UNIT_DAY, 4 },
		{ "７天", 7, MD_UNIT_DAY, 6 },
		{ "七天", 7, MD_UNIT_DAY, 6 },
		{ "十四天", 14, MD_UNIT_DAY, 9 },
		{ "7日", 7, MD_UNIT_DAY, 4 },
		{ "十四日内", 14, MD_UNIT_DAY, 9 },
		{ "一周", 7, MD_UNIT_WEEK, 6 },
		{ "两周", 14, MD_UNIT_WEEK, 6 },
		{ "两个星期", 14, MD_UNIT_WEEK, 12 },
		{ "一星期", 7, MD_UNIT_WEEK, 9 },
		{ "半个月", 15, MD_UNIT_MONTH, 9 },
		{ "一个月", 30, MD_UNIT_MONTH, 9 },
		{ "两个月", 60, MD_UNIT_MONTH, 9 },
		{ "3个月", 90, MD_UNIT_MONTH, 7 },
		{ "半月", 15, MD_UNIT_MONTH, 6 },
		{ "一个多月", 30, MD_UNIT_MONTH, 12 },
		{ "20多天", 20, MD_UNIT_DAY, 8 },
		{ "十余天", 10, MD_UNIT_DAY, 9 },
		{ "48小时", 2, MD_UNIT_HOUR, 8 },
		{ "２４小时", 1, MD_UNIT_HOUR, 12 },
		{ "72个小时", 3, MD_UNIT_HOUR, 11 },
		{ "十二小时", 0.5, MD_UNIT_HOUR, 12 },
		{ "三四天", 3, MD_UNIT_DAY, 9 },
		/* A month followed by more than a day is still a duration. */
		{ "两个月20天", 60, MD_UNIT_MONTH, 9 },
	};
	static const char *const none[] = {
		"11月20日", "11月20号", "十一月二十日", "十一月二十号",
		"１１月２０日", "1月1日", "11月份", "11月底", "十二月上旬",
		"7次", "天", "七", "", "第7天", "几天",
	};
	struct md_duration d;
	size_t i, used;

	for (i = 0; i < NELEM(ok); i++) {
		memset(&d, 0, sizeof d);
		ck_assert_msg(md_parse_duration(ok[i].s, strlen(ok[i].s), &d,
		    &used) == 0, "%s: not a duration", ok[i].s);
		ck_assert_msg(d.days == ok[i].days && d.unit == ok[i].unit &&
		    used == ok[i].used, "%s: %g days unit %d (%zu bytes)",
		    ok[i].s, d.days, d.unit, used);
	}
	for (i = 0; i < NELEM(none); i++)
		ck_assert_msg(md_parse_duration(none[i], strlen(none[i]), &d,
		    &used) == -ENOENT, "%s read as %g days", none[i], d.days);
}
END_TEST

/* --- frequencies ------------------------------------------------------- */

START_TEST(frequencies)
{
	static const struct {
		const char *s;
		double count, period;
		const char *read;	/* what *used covers */
	} ok[] = {
		{ "一天两检", 2, 1, "一天两检" },
		{ "一日三检", 3, 1, "一日三检" },
		{ "三天两检", 2, 3, "三天两检" },
		{ "两天一检", 1, 2, "两天一检" },
		{ "一天一检", 1, 1, "一天一检" },
		{ "每天一检", 1, 1, "每天一检" },
		{ "每日一次", 1, 1, "每日一次" },
		{ "每天两次核酸", 2, 1, "每天两次核酸" },
		{ "每天两次检测,", 2, 1, "每天两次检测" },
		{ "每天两次", 2, 1, "每天两次" },
		{ "每日1次", 1, 1, "每日1次" },
		{ "每2天1次", 1, 2, "每2天1次" },
		{ "每２天１次", 1, 2, "每２天１次" },
		{ "隔天一检", 1, 2, "隔天一检" },
		{ "隔日一检", 1, 2, "隔日一检" },
		{ "每天做一次核酸", 1, 1, "每天做一次核酸" },
		{ "每天进行两次核酸检测", 2, 1, "每天进行两次核酸检测" },
		{ "一天检测两次", 2, 1, "一天检测两次" },
		{ "3天2检", 2, 3, "3天2检" },
		{ "早晚各做一次核酸", 2, 1, "早晚各做一次核酸" },
		{ "一天做两回核酸", 2, 1, "一天做两回核酸" },
	};
	static const char *const none[] = {
		"每天", "一天", "第1、2、3天", "7天内两次", "两次", "每周一次",
		"一天", "天天核酸", "", "每天零次",
	};
	struct md_frequency f;
	size_t i, used;

	for (i = 0; i < NELEM(ok); i++) {
		memset(&f, 0, sizeof f);
		ck_assert_msg(md_parse_frequency(ok[i].s, strlen(ok[i].s), &f,
		    &used) == 0, "%s: not a frequency", ok[i].s);
		ck_assert_msg(f.count == ok[i].count &&
		    f.period_days == ok[i].period &&
		    used == strlen(ok[i].read), "%s: %g per %g (%zu bytes)",
		    ok[i].s, f.count, f.period_days, used);
	}
	for (i = 0; i < NELEM(none); i++)
		ck_assert_msg(md_parse_frequency(none[i], strlen(none[i]), &f,
		    &used) == -ENOENT, "%s read as %g per %g", none[i],
		    f.count, f.period_days);
}
END_TEST

/* --- dates ------------------------------------------------------------- */

static void
date_is(const char *text, const char *want)
{
	char out[11] = "";

	ck_assert_msg(md_text_date(text, strlen(text), out) == 0,
	    "no date in %s", text);
	ck_assert_msg(strcmp(out, want) == 0, "%s: %s, not %s", text, out,
	    want);
}

static void
no_date(const char *text)
{
	char out[11] = "unchanged";

	ck_assert_msg(md_text_date(text, strlen(text), out) == -ENOENT,
	    "%s: read %s", text, out);
}

START_TEST(stated_dates)
{
	/* The closing date line wins over a date in the body. */
	date_is("关于调整防控措施的通告\n自2022年11月22日起全区停课。\n\n"
	    "某某区教育局\n2022年11月20日\n", "2022-11-20");
	date_is("自2022年11月22日起全区停课。\n某某区教育局\n2022年11月20日",
	    "2022-11-20");
	date_is("某某区指挥部\n  二〇二二年十一月二十日  ", "2022-11-20");
	date_is("二〇二二年十一月二十日", "2022-11-20");
	date_is("正文。\r\n　2022年11月20日　\r\n", "2022-11-20");
	/* Of several date lines the last wins. */
	date_is("2022年11月1日\n正文2022年11月5日起\n2022年11月18日\n附件",
	    "2022-11-18");
	/* Otherwise the first date anywhere. */
	date_is("发布于2022-11-20，2022-11-25起有效期7天", "2022-11-20");
	date_is("日期：2022年11月20日\n内容2022年11月21日", "2022-11-20");
	date_is("2022/11/5 通知", "2022-11-05");
	date_is("落款 2022.11.20", "2022-11-20");
	date_is("2022年11月20号起", "2022-11-20");
	date_is("２０２２年１１月２０日", "2022-11-20");
	date_is("二〇二二年11月20日", "2022-11-20");
	date_is("2022年十一月二十日", "2022-11-20");
	/* No such day: ignored, and a valid one later is taken. */
	no_date("2022年2月30日");
	date_is("2022年2月30日，2024年2月29日", "2024-02-29");
	date_is("2022年2月30日\n正文2022年3月1日", "2022-03-01");
	no_date("2023年2月29日");
	no_date("1900-02-29");
	date_is("2000-02-29", "2000-02-29");
	no_date("2022-13-01");
	no_date("2022年11月31日");
	no_date("2022年4月0日");
	/* Not dates. */
	no_date("11月20日起");
	no_date("");
	no_date("全区停课7天");
	no_date("二十二年");
	no_date("12022年11月20日");
	no_date("202年11月20日");
	no_date("2022-11-201");
	no_date("2022-11/20");
	no_date("2022年11月");
	no_date("编号20221120");
}
END_TEST

START_TEST(closing_quote_stays_with_its_sentence)
{
	struct md_text t;
	size_t bad;

	ck_assert_int_eq(md_text_init(&t, "他说：“全区停课。”随后挂了电话。",
	    strlen("他说：“全区停课。”随后挂了电话。"), &bad), 0);
	ck_assert_uint_eq(t.nsentences, 2);
	ck_assert_uint_eq(t.sentences[0].end,
	    strlen("他说:“全区停课。”"));
	ck_assert(memcmp(t.norm + t.sentences[1].start, "随后", 6) == 0);
	md_text_release(&t);
}
END_TEST

START_TEST(month_day_with_inferred_year)
{
	static const struct {
		const char *text, *ref, *want;
	} cases[] = {
		{ "小区11月20日起封控。", "2022-11-25", "2022-11-20" },
		{ "十一月二十日起，全区停课。", "2022-11-25", "2022-11-20" },
		{ "12月3号开始封楼", "2022-12-05", "2022-12-03" },
		/* A day still to come this year is last year's. */
		{ "11月20日起封控", "2023-01-05", "2022-11-20" },
		/* The first one counts. */
		{ "11月18日通知，11月20日起停课", "2022-11-30", "2022-11-18" },
		/* Not inside a longer number; not a 13th month; not 2月30日. */
		{ "第311月20日", "2022-11-25", NULL },
		{ "13月20日", "2022-11-25", NULL },
		{ "2月30日", "2022-11-25", NULL },
		{ "封控了二十天", "2022-11-25", NULL },
	};
	char out[11];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		int rc = md_text_month_day(cases[i].text, strlen(cases[i].text),
		    cases[i].ref, out);

		if (cases[i].want == NULL) {
			ck_assert_msg(rc != 0, "\"%s\": found %s", cases[i].text,
			    out);
		} else {
			ck_assert_msg(rc == 0, "\"%s\": no date", cases[i].text);
			ck_assert_str_eq(out, cases[i].want);
		}
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");
	SRunner *sr;
	int failed;

	/* Room for the random tests under valgrind on a busy machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, utf8_valid);
	tcase_add_test(tc, utf8_invalid);
	tcase_add_test(tc, init_rejects_invalid);
	tcase_add_test(tc, init_too_long);
	tcase_add_test(tc, folding);
	tcase_add_test(tc, padding_and_release);
	tcase_add_test(tc, offset_map);
	tcase_add_test(tc, split_notice);
	tcase_add_test(tc, split_details);
	tcase_add_test(tc, split_long);
	tcase_add_test(tc, random_texts);
	tcase_add_test(tc, random_parsers);
	tcase_add_test(tc, clause_at);
	tcase_add_test(tc, scope);
	tcase_add_test(tc, scope_at_every_start);
	tcase_add_test(tc, numerals);
	tcase_add_test(tc, plus_notation);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, frequencies);
	tcase_add_test(tc, stated_dates);
	tcase_add_test(tc, month_day_with_inferred_year);
	tcase_add_test(tc, closing_quote_stays_with_its_sentence);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
