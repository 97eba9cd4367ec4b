/*
 * test_charset.c - charset detection (HTTP header, BOM, XML declaration,
 * HTML meta) and decoding of GBK, GB2312, GB18030 and UTF-8 to UTF-8,
 * with invalid bytes refused, not replaced.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "util.h"

/* 北京市关于停课的通知 in GBK (and so in GB18030). */
#define NOTICE_GBK "\xb1\xb1\xbe\xa9\xca\xd0\xb9\xd8\xd3\xda\xcd\xa3\xbf\xce" \
	"\xb5\xc4\xcd\xa8\xd6\xaa"
#define NOTICE_UTF8 "北京市关于停课的通知"

START_TEST(from_header)
{
	char cs[MD_CHARSET_MAX];

	ck_assert_int_eq(md_charset_from_header("text/html; charset=GBK", cs),
	    0);
	ck_assert_str_eq(cs, "gbk");
	ck_assert_int_eq(md_charset_from_header("text/xml;Charset=\"gb2312\"",
	    cs), 0);
	ck_assert_str_eq(cs, "gb2312");
	ck_assert_int_eq(md_charset_from_header("text/html", cs), -1);
	ck_assert_int_eq(md_charset_from_header(NULL, cs), -1);
	ck_assert_int_eq(md_charset_from_header("text/html; charset=", cs), -1);
}
END_TEST

START_TEST(sniff)
{
	char cs[MD_CHARSET_MAX];
	const char *s;

	s = "<?xml version=\"1.0\" encoding=\"GB18030\"?><rss/>";
	ck_assert_int_eq(md_charset_sniff(s, strlen(s), cs), 0);
	ck_assert_str_eq(cs, "gb18030");
	s = "<html><head><META CHARSET=gbk><title>x</title>";
	ck_assert_int_eq(md_charset_sniff(s, strlen(s), cs), 0);
	ck_assert_str_eq(cs, "gbk");
	s = "<html><head><meta name=\"x\" content=\"y\"><meta http-equiv="
	    "\"Content-Type\" content=\"text/html; charset=gb2312\">";
	ck_assert_int_eq(md_charset_sniff(s, strlen(s), cs), 0);
	ck_assert_str_eq(cs, "gb2312");
	s = "\xef\xbb\xbf<html>";
	ck_assert_int_eq(md_charset_sniff(s, strlen(s), cs), 0);
	ck_assert_str_eq(cs, "utf-8");
	s = "<html><head><title>none</title></head></html>";
	ck_assert_int_eq(md_charset_sniff(s, strlen(s), cs), -1);
	/* An XML declaration without an encoding declares nothing. */
	s = "<?xml version=\"1.0\"?><feed/>";
	ck_assert_int_eq(md_charset_sniff(s, strlen(s), cs), -1);
}
END_TEST

START_TEST(decode_gb)
{
	struct md_error err = { 0 };
	size_t n;
	char *u;

	u = md_charset_decode(NOTICE_GBK, strlen(NOTICE_GBK), "gbk", &n, &err);
	ck_assert_msg(u != NULL, "%s", err.msg);
	ck_assert_str_eq(u, NOTICE_UTF8);
	ck_assert_uint_eq(n, strlen(NOTICE_UTF8));
	free(u);
	/* Labelled GB2312, with a GBK-only character (碁, 0xB39E). */
	u = md_charset_decode("\xb3\x9e", 2, "gb2312", &n, &err);
	ck_assert_msg(u != NULL, "%s", err.msg);
	ck_assert_str_eq(u, "碁");
	free(u);
	/* GB18030's four-byte sequences reach beyond the BMP. */
	u = md_charset_decode("\x95\x32\x82\x36", 4, "GB18030", &n, &err);
	ck_assert_msg(u != NULL, "%s", err.msg);
	ck_assert_str_eq(u, "\xf0\xa0\x80\x80");
	free(u);
}
END_TEST

START_TEST(decode_invalid)
{
	struct md_error err = { 0 };
	size_t n;

	/* 0xFF is no lead byte in GBK. */
	ck_assert_ptr_null(md_charset_decode("ab\xff\x30", 4, "gbk", &n, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "byte 2"));
	/* A lead byte at the end. */
	md_error_clear(&err);
	ck_assert_ptr_null(md_charset_decode("ab\xb1", 3, "gbk", &n, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
	md_error_clear(&err);
	ck_assert_ptr_null(md_charset_decode("ok\xc3(", 4, "utf-8", &n, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid UTF-8 at byte 2"));
	md_error_clear(&err);
	ck_assert_ptr_null(md_charset_decode("x", 1, "no-such-charset", &n,
	    &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown charset"));
	/* A NUL is refused even where the charset allows it. */
	md_error_clear(&err);
	ck_assert_ptr_null(md_charset_decode("a\0b", 3, "gbk", &n, &err));
}
END_TEST

START_TEST(to_utf8)
{
	struct md_error err = { 0 };
	char used[MD_CHARSET_MAX];
	const char *page = "<html><head><meta charset=\"gbk\"></head><body>"
	    NOTICE_GBK "</body></html>";
	size_t n;
	char *u;

	/* The meta charset, when the header names none. */
	u = md_charset_to_utf8(page, strlen(page), "text/html", used, &n, &err);
	ck_assert_msg(u != NULL, "%s", err.msg);
	ck_assert_str_eq(used, "gbk");
	ck_assert_ptr_nonnull(strstr(u, NOTICE_UTF8));
	free(u);
	/* The header wins over the page. */
	u = md_charset_to_utf8(page, strlen(page), "text/html; charset=utf-8",
	    used, &n, &err);
	ck_assert_ptr_null(u);
	ck_assert_str_eq(used, "utf-8");
	/* Nothing declared: UTF-8, with its BOM dropped. */
	md_error_clear(&err);
	u = md_charset_to_utf8("\xef\xbb\xbfok", 5, NULL, used, &n, &err);
	ck_assert_str_eq(u, "ok");
	ck_assert_uint_eq(n, 2);
	free(u);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("charset");
	TCase *tc = tcase_create("charset");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, from_header);
	tcase_add_test(tc, sniff);
	tcase_add_test(tc, decode_gb);
	tcase_add_test(tc, decode_invalid);
	tcase_add_test(tc, to_utf8);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
