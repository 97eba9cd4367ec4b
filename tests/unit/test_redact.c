/*
 * test_redact.c - the redaction service: each kind of personal data,
 * embedded in Chinese text without spaces, and what must stay (dates,
 * durations, district names, case and notice numbers, the hotline).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "text.h"

/* Asserts md_redact(in) is want, and that the result is valid UTF-8. */
static void
expect(const char *in, const char *want)
{
	char *got = md_redact(in, NULL);

	ck_assert_msg(strcmp(got, want) == 0, "redact(%s)\n   got %s\n  want %s",
	    in, got, want);
	ck_assert_int_eq(md_utf8_check(got, strlen(got), NULL), 0);
	free(got);
}

/* Asserts in comes back unchanged. */
static void
keeps(const char *in)
{
	expect(in, in);
}

START_TEST(mobile)
{
	expect("我的手机13800138000请回电", "我的手机[手机号]请回电");
	expect("电话：+86 138-0013-8000。", "电话：[手机号]。");
	expect("联系138 0013 8000谢谢", "联系[手机号]谢谢");
	expect("（+86）13912345678", "[手机号]");
	expect("拨打008613912345678", "拨打[手机号]");
	expect("号码１３８００１３８０００", "号码[手机号]");
	/* Not a mobile: 12 digits, or a 2 after the 1. */
	keeps("编号138001380001");
	keeps("12800138000");
}
END_TEST

START_TEST(landline)
{
	expect("社区电话010-87654321转123无人接", "社区电话[电话]无人接");
	expect("打（0755）88889999投诉", "打[电话]投诉");
	expect("座机0571 8765432", "座机[电话]");
	expect("电话87654321", "电话[电话]");
	expect("固话：6543210，", "固话：[电话]，");
	/* Short numbers and bare long ones without a cue stay. */
	keeps("拨打12345热线");
	keeps("共87654321元");
}
END_TEST

START_TEST(resident_id)
{
	unsigned n[MD_REDACT_NKINDS];
	char *s;

	expect("身份证号110105199003071234，", "身份证号[身份证号]，");
	expect("证件11010519900307123X在", "证件[身份证号]在");
	expect("证件11010519900307123x", "证件[身份证号]");
	/* A wrong check digit is still masked: a mistyped ID is an ID. */
	expect("号码110105199003071230", "号码[身份证号]");
	/* An ID is one thing, not a mobile number inside it. */
	s = md_redact("ID110105199003071234", n);
	ck_assert_str_eq(s, "ID[身份证号]");
	ck_assert_uint_eq(n[MD_REDACT_ID], 1);
	ck_assert_uint_eq(n[MD_REDACT_MOBILE], 0);
	free(s);
	/* No birth date in it: a case number, which stays. */
	keeps("案件编号202211050001234567");
	keeps("案件编号110105199013071234");
	keeps("受理号20221105000123");
}
END_TEST

START_TEST(email)
{
	expect("请发至zhang.san+x@example.com.cn，", "请发至[邮箱]，");
	expect("邮箱13800138000@qq.com", "邮箱[邮箱]");
	keeps("下午3@点");
}
END_TEST

START_TEST(plate)
{
	expect("车牌京A12345被拦下", "车牌[车牌]被拦下");
	expect("粤B·D12345新能源车", "[车牌]新能源车");
	expect("沪AD12345和苏E12345F", "[车牌]和[车牌]");
	expect("川A 8B2C3。", "[车牌]。");
	/* Province abbreviations in words stay. */
	keeps("粤康码");
	keeps("新冠病毒");
	keeps("京ABCDEF");
}
END_TEST

START_TEST(name)
{
	expect("我叫张三，住在附近", "我叫[姓名]，住在附近");
	expect("我叫欧阳娜娜在学校", "我叫[姓名]在学校");
	expect("姓名：李四。", "姓名：[姓名]。");
	expect("联系人王小明电话", "联系人[姓名]电话");
	expect("本人刘强反映", "本人[姓名]反映");
	expect("家长李明投诉学校", "家长[姓名]投诉学校");
	expect("患者王小明在医院", "患者[姓名]在医院");
	expect("我是赵六，", "我是[姓名]，");
	expect("投诉人:陈五。", "投诉人:[姓名]。");
	/* Not names: what follows the cue is an act, a time or a title. */
	keeps("本人在家隔离");
	keeps("患者于昨日就诊");
	keeps("家长们很着急");
	keeps("联系人：王女士");
	keeps("业主陈某某称");
	keeps("患者是一名老人");
}
END_TEST

START_TEST(address)
{
	expect("住在朝阳区建国路88号3号楼2单元501室。",
	    "住在朝阳区建国路[门牌]。");
	expect("小区5栋被封", "小区[门牌]被封");
	expect("12层的住户", "[门牌]的住户");
	expect("A座1202号房", "[门牌]");
	expect("三单元二楼", "[门牌]二楼");
	/* Region names down to the district, and compounds, stay. */
	keeps("北京市朝阳区望京街道");
	keeps("广州市海珠区凤阳街道某小区");
	keeps("以楼栋为单位划定高风险区");
	keeps("每一栋楼都要核酸");
}
END_TEST

START_TEST(stays)
{
	keeps("密接人员实行7+3隔离，5天集中隔离+3天居家健康监测。");
	keeps("2022-11-20起全区中小学停课，2022年11月20日。");
	keeps("联防联控机制综发〔2022〕101号");
	keeps("一天两检，每日一检，72小时核酸，48小时内2次");
	keeps("第二十条，（十六），2.16");
	keeps("");
}
END_TEST

START_TEST(mixed)
{
	unsigned n[MD_REDACT_NKINDS];
	char *s = md_redact("我叫张三，电话13800138000，身份证110105199003071234，"
	    "住5栋2单元301室，车牌京A12345，邮箱a@b.cn。小区封了20天。", n);

	ck_assert_str_eq(s, "我叫[姓名]，电话[手机号]，身份证[身份证号]，住[门牌]，"
	    "车牌[车牌]，邮箱[邮箱]。小区封了20天。");
	ck_assert_uint_eq(n[MD_REDACT_NAME], 1);
	ck_assert_uint_eq(n[MD_REDACT_MOBILE], 1);
	ck_assert_uint_eq(n[MD_REDACT_ID], 1);
	ck_assert_uint_eq(n[MD_REDACT_ADDRESS], 1);
	ck_assert_uint_eq(n[MD_REDACT_PLATE], 1);
	ck_assert_uint_eq(n[MD_REDACT_EMAIL], 1);
	ck_assert_str_eq(md_redact_label(MD_REDACT_LANDLINE), "[电话]");
	free(s);
}
END_TEST

/* A window of a longer text: what runs across its edges is masked from
 * the edge, nothing of it left. */
START_TEST(window)
{
	const char *t = "我叫张三，电话13800138000，住5栋。";
	const char *w = strstr(t, "三");
	const char *p = strstr(t, "0013");
	char *s;

	s = md_redact_window(t, (size_t)(w - t), strlen(t), NULL);
	ck_assert_str_eq(s, "[姓名]，电话[手机号]，住[门牌]。");
	free(s);
	s = md_redact_window(t, 0, (size_t)(p - t), NULL);
	ck_assert_str_eq(s, "我叫[姓名]，电话[手机号]");
	free(s);
	/* Alone, the cut excerpt would keep the 三. */
	s = md_redact(w, NULL);
	ck_assert_str_eq(s, "三，电话[手机号]，住[门牌]。");
	free(s);
	s = md_redact_window(t, 0, 0, NULL);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("redact");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, mobile);
	tcase_add_test(tc, landline);
	tcase_add_test(tc, resident_id);
	tcase_add_test(tc, email);
	tcase_add_test(tc, plate);
	tcase_add_test(tc, name);
	tcase_add_test(tc, address);
	tcase_add_test(tc, stays);
	tcase_add_test(tc, mixed);
	tcase_add_test(tc, window);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
