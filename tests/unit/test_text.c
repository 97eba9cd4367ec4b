/*
 * test_text.c - the text services: UTF-8 validation, folding and the
 * offset map, splitting, scope, numerals, durations, frequencies, dates.
 */
#include <errno.h>

#include "testutil.h"
#include "text.h"

static void
expect_bad(const char *s, size_t len, size_t at)
{
	size_t bad = 12345;

	ck_assert_int_eq(md_utf8_check(s, len, &bad), -EILSEQ);
	ck_assert_uint_eq(bad, at);
}

START_TEST(utf8_valid_and_invalid)
{
	const char *ok = "abc 停课 ＡＢＣ 𠀀";

	ck_assert_int_eq(md_utf8_check(ok, strlen(ok), NULL), 0);
	ck_assert_int_eq(md_utf8_check("", 0, NULL), 0);
	expect_bad("ab\xc0\x80", 4, 2);		/* overlong NUL */
	expect_bad("a\xe0\x80\xaf", 4, 1);	/* overlong '/' */
	expect_bad("\xed\xa0\x80x", 4, 0);	/* surrogate D800 */
	expect_bad("xy\xf5\x80\x80\x80", 6, 2);	/* above U+10FFFF */
	expect_bad("\xf4\x90\x80\x80", 4, 0);	/* U+110000 */
	expect_bad("停\xe4\xb8", 5, 3);		/* truncated */
	expect_bad("a\x80", 2, 1);		/* stray continuation */
	expect_bad("ab\0c", 4, 2);		/* NUL */
	expect_bad("\xff", 1, 0);
}
END_TEST

START_TEST(fold_and_map)
{
	/* Full-width letters, digits, punctuation and the ideographic
	 * space fold; CJK and 。、 stay. */
	const char *in = "\xef\xbb\xbfＡ１，全区\xe3\x80\x80停课！（十六）。\r\n末";
	struct md_text t;
	size_t bad, off;
	const char *p;

	ck_assert_int_eq(md_text_init(&t, in, strlen(in), &bad), 0);
	ck_assert_str_eq(t.norm, "A1,全区 停课!(十六)。\n末");
	ck_assert_uint_eq(t.norm_len, strlen(t.norm));
	/* Every normalized character maps to the start of its source. */
	p = strstr(t.norm, "停课");
	off = (size_t)(p - t.norm);
	ck_assert(memcmp(in + md_text_orig(&t, off), "停课", 6) == 0);
	ck_assert_uint_eq(md_text_orig(&t, off + 6) - md_text_orig(&t, off),
	    6);
	p = strstr(t.norm, "(十六)");
	off = (size_t)(p - t.norm);
	ck_assert(memcmp(in + md_text_orig(&t, off), "（十六）", 12) == 0);
	ck_assert_uint_eq(md_text_orig(&t, off + strlen("(十六)")) -
	    md_text_orig(&t, off), strlen("（十六）"));
	ck_assert_uint_eq(md_text_orig(&t, 0), 3);	/* after the BOM */
	ck_assert_uint_eq(md_text_orig(&t, t.norm_len), strlen(in));
	p = strstr(t.norm, "末");
	ck_assert(memcmp(in + md_text_orig(&t, (size_t)(p - t.norm)), "末",
	    3) == 0);
	/* The padding after the text is zeros. */
	for (off = 0; off < MD_TEXT_PAD; off++)
		ck_assert_int_eq(t.norm[t.norm_len + 1 + off], 0);
	md_text_release(&t);
	md_text_release(&t);	/* safe twice */
}
END_TEST

START_TEST(init_reports_bad_offset)
{
	struct md_text t;
	size_t bad = 0;

	ck_assert_int_eq(md_text_init(&t, "停课\xff", 7, &bad), -EILSEQ);
	ck_assert_uint_eq(bad, 6);
	ck_assert_ptr_null(t.norm);
}
END_TEST

static struct md_text T;
static struct md_document D;

static void
load(const char *s)
{
	size_t bad;

	ck_assert_int_eq(md_text_init(&T, s, strlen(s), &bad), 0);
	memset(&D, 0, sizeof D);
	md_text_document(&T, &D);
}

static int
span_is(const struct md_clause *c, const char *want)
{
	return c->end - c->start == strlen(want) &&
	    memcmp(D.text + c->start, want, c->end - c->start) == 0;
}

START_TEST(split_sentences_and_clauses)
{
	load("即日起，全区中小学、幼儿园一律停课；10:30集合，发放1,000份物资。"
	    "为什么？！\n\n特此通告。");
	ck_assert_uint_eq(D.nsentences, 3);
	ck_assert(span_is(&D.sentences[0], "即日起,全区中小学、幼儿园一律停课;"
	    "10:30集合,发放1,000份物资。"));
	/* Consecutive terminators (line breaks too) stay in one
	 * sentence. */
	ck_assert(span_is(&D.sentences[1], "为什么?!\n\n"));
	ck_assert(span_is(&D.sentences[2], "特此通告。"));
	ck_assert_uint_eq(D.nclauses, 6);
	ck_assert(span_is(&D.clauses[0], "即日起,"));
	/* 、 does not split a clause. */
	ck_assert(span_is(&D.clauses[1], "全区中小学、幼儿园一律停课;"));
	/* Neither do 10:30 and 1,000. */
	ck_assert(span_is(&D.clauses[2], "10:30集合,"));
	ck_assert(span_is(&D.clauses[3], "发放1,000份物资。"));
	ck_assert_uint_eq(D.clauses[3].sentence, 0);
	ck_assert_uint_eq(D.clauses[4].sentence, 1);
	ck_assert_ptr_eq(md_clause_at(&D, D.clauses[1].start + 3),
	    &D.clauses[1]);
	ck_assert_ptr_eq(md_clause_at(&D, D.clauses[1].end - 1),
	    &D.clauses[1]);
	ck_assert_ptr_null(md_clause_at(&D, D.len + 10));
	md_text_release(&T);
}
END_TEST

static enum md_scope
scope_of(const char *text, const char *needle)
{
	const char *p;
	size_t s;
	enum md_scope sc;

	load(text);
	p = strstr(D.text, needle);
	ck_assert_ptr_nonnull(p);
	s = (size_t)(p - D.text);
	sc = md_scope_at(&D, s, s + strlen(needle));
	md_text_release(&T);
	return sc;
}

START_TEST(negation_and_lifting_scope)
{
	ck_assert_int_eq(scope_of("各地不得随意封校停课", "封校停课"),
	    MD_SCOPE_NEGATED);
	ck_assert_int_eq(scope_of("严禁随意封校停课、停工停产、未经批准阻断交通",
	    "阻断交通"), MD_SCOPE_NEGATED);
	ck_assert_int_eq(scope_of("自即日起解除静默管理", "静默管理"),
	    MD_SCOPE_LIFTED);
	ck_assert_int_eq(scope_of("不得外出，全区停课", "停课"),
	    MD_SCOPE_PLAIN);
	ck_assert_int_eq(scope_of("禁止车辆进出", "禁止车辆进出"),
	    MD_SCOPE_PLAIN);
	ck_assert_int_eq(scope_of("全县未经批准阻断交通", "阻断交通"),
	    MD_SCOPE_PLAIN);
	ck_assert_int_eq(scope_of("纠正“一天两检”的做法", "一天两检"),
	    MD_SCOPE_NEGATED);
	/* The nearer word wins. */
	ck_assert_int_eq(scope_of("不得拖延，恢复线下教学后又停课", "停课"),
	    MD_SCOPE_LIFTED);
	ck_assert_int_eq(scope_of("解除封控后严禁再次封控", "再次封控"),
	    MD_SCOPE_NEGATED);
	/* Full-width punctuation still ends the clause. */
	ck_assert_int_eq(scope_of("严禁层层加码；全区停课", "全区停课"),
	    MD_SCOPE_PLAIN);
}
END_TEST

static double
num(const char *s, size_t *used)
{
	double v = -1;

	ck_assert_int_eq(md_parse_number(s, strlen(s), &v, used), 0);
	return v;
}

START_TEST(numerals)
{
	size_t u;

	ck_assert(num("七天", &u) == 7 && u == 3);
	ck_assert(num("十四日", &u) == 14 && u == 6);
	ck_assert(num("二十一天", &u) == 21 && u == 9);
	ck_assert(num("两次", &u) == 2 && u == 3);
	ck_assert(num("半个月", &u) == 0.5 && u == 3);
	ck_assert(num("7天", &u) == 7 && u == 1);
	ck_assert(num("７天", &u) == 7 && u == 3);
	ck_assert(num("１４", &u) == 14 && u == 6);
	ck_assert(num("一百零五", &u) == 105 && u == 12);
	ck_assert(num("十", &u) == 10 && u == 3);
	ck_assert(num("1.5小时", &u) == 1.5 && u == 3);
	ck_assert(num("二〇二二年", &u) == 2022 && u == 12);
	ck_assert(num("三万", &u) == 30000);
	ck_assert_int_eq(md_parse_number("天", 3, &(double){ 0 }, &u),
	    -ENOENT);
	ck_assert_int_eq(md_parse_number("", 0, &(double){ 0 }, &u), -ENOENT);
}
END_TEST

START_TEST(plus_notation)
{
	double a, b;
	size_t u;

	ck_assert_int_eq(md_parse_plus("7+3", 3, &a, &b, &u), 0);
	ck_assert(a == 7 && b == 3 && u == 3);
	ck_assert_int_eq(md_parse_plus("７＋３", strlen("７＋３"), &a, &b, &u),
	    0);
	ck_assert(a == 7 && b == 3 && u == strlen("７＋３"));
	ck_assert_int_eq(md_parse_plus("5天+3天居家", strlen("5天+3天居家"), &a,
	    &b, &u), 0);
	ck_assert(a == 5 && b == 3 && u == strlen("5天+3天"));
	ck_assert_int_eq(md_parse_plus("7 + 3", 5, &a, &b, &u), 0);
	ck_assert_int_eq(md_parse_plus("7天", strlen("7天"), &a, &b, &u),
	    -ENOENT);
}
END_TEST

static double
days(const char *s, int unit)
{
	struct md_duration d;
	size_t u;

	ck_assert_msg(md_parse_duration(s, strlen(s), &d, &u) == 0, "%s", s);
	ck_assert_int_eq(d.unit, unit);
	return d.days;
}

START_TEST(durations)
{
	struct md_duration d;
	size_t u;

	ck_assert(days("7天", MD_UNIT_DAY) == 7);
	ck_assert(days("７天", MD_UNIT_DAY) == 7);
	ck_assert(days("七天", MD_UNIT_DAY) == 7);
	ck_assert(days("十四天", MD_UNIT_DAY) == 14);
	ck_assert(days("7日", MD_UNIT_DAY) == 7);
	ck_assert(days("一周", MD_UNIT_WEEK) == 7);
	ck_assert(days("两个星期", MD_UNIT_WEEK) == 14);
	ck_assert(days("半个月", MD_UNIT_MONTH) == 15);
	ck_assert(days("一个多月", MD_UNIT_MONTH) == 30);
	ck_assert(days("20多天", MD_UNIT_DAY) == 20);
	ck_assert(days("48小时", MD_UNIT_HOUR) == 2);
	/* A date is not a duration. */
	ck_assert_int_eq(md_parse_duration("11月20日", strlen("11月20日"), &d,
	    &u), -ENOENT);
	ck_assert_int_eq(md_parse_duration("十一月二十号", strlen("十一月二十号"),
	    &d, &u), -ENOENT);
	ck_assert_int_eq(md_parse_duration("7次", strlen("7次"), &d, &u),
	    -ENOENT);
}
END_TEST

static void
freq(const char *s, double count, double period)
{
	struct md_frequency f;
	size_t u;

	ck_assert_msg(md_parse_frequency(s, strlen(s), &f, &u) == 0, "%s", s);
	ck_assert_msg(f.count == count && f.period_days == period,
	    "%s: %g per %g", s, f.count, f.period_days);
}

START_TEST(frequencies)
{
	struct md_frequency f;
	size_t u;

	freq("一天两检", 2, 1);
	freq("一日三检", 3, 1);
	freq("三天两检", 2, 3);
	freq("两天一检", 1, 2);
	freq("每天一检", 1, 1);
	freq("每日一次", 1, 1);
	freq("每天两次核酸", 2, 1);
	freq("每日1次", 1, 1);
	freq("每2天1次", 1, 2);
	freq("隔天一检", 1, 2);
	freq("隔日一检", 1, 2);
	freq("一天一检", 1, 1);
	freq("每天做一次核酸", 1, 1);
	freq("每天进行两次核酸检测", 2, 1);
	ck_assert_int_eq(md_parse_frequency("每天", 6, &f, &u), -ENOENT);
	ck_assert_int_eq(md_parse_frequency("第1、2、3天", strlen("第1、2、3天"),
	    &f, &u), -ENOENT);
}
END_TEST

static void
date_is(const char *text, const char *want)
{
	char out[11] = "";

	ck_assert_msg(md_text_date(text, strlen(text), out) == 0, "%s", text);
	ck_assert_str_eq(out, want);
}

START_TEST(stated_dates)
{
	char out[11];

	/* The closing date line wins over a date in the body. */
	date_is("自2022年11月22日起全区停课。\n\n某某区教育局\n2022年11月20日\n",
	    "2022-11-20");
	date_is("某某区指挥部\n  二〇二二年十一月二十日  ", "2022-11-20");
	date_is("发布于2022-11-20，有效期7天", "2022-11-20");
	date_is("2022/11/5 通知", "2022-11-05");
	date_is("落款 2022.11.20", "2022-11-20");
	date_is("2022年11月20号起", "2022-11-20");
	/* No such day: ignored. */
	ck_assert_int_eq(md_text_date("2022年2月30日", strlen("2022年2月30日"),
	    out), -ENOENT);
	date_is("2022年2月30日，2024年2月29日", "2024-02-29");
	ck_assert_int_eq(md_text_date("11月20日起", strlen("11月20日起"), out),
	    -ENOENT);
	ck_assert_int_eq(md_text_date("", 0, out), -ENOENT);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, utf8_valid_and_invalid);
	tcase_add_test(tc, fold_and_map);
	tcase_add_test(tc, init_reports_bad_offset);
	tcase_add_test(tc, split_sentences_and_clauses);
	tcase_add_test(tc, negation_and_lifting_scope);
	tcase_add_test(tc, numerals);
	tcase_add_test(tc, plus_notation);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, frequencies);
	tcase_add_test(tc, stated_dates);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
