/*
 * test_report.c - the weekly report: ISO weeks in China Standard Time
 * (across years, Sunday 23:59:59 against Monday 00:00), week strings,
 * the aggregation of store rows, CSV quoting, and that the HTML
 * validates (tidy, from scripts/deps.sh) and that no rendering holds a
 * phone or ID number from the rows.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "testutil.h"

/* A Unix time from a CST wall-clock time. */
static time_t
cst(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm) - 8 * 3600;
}

static void
week_is(time_t t, const char *want)
{
	struct md_week w;
	char got[16];

	md_week_of(t, &w);
	md_week_format(&w, got);
	ck_assert_str_eq(got, want);
}

START_TEST(iso_weeks)
{
	struct md_week w;
	struct md_error err = { 0 };

	ck_assert_int_eq(md_week_parse("2022-W47", &w, &err), 0);
	ck_assert_int_eq(w.year, 2022);
	ck_assert_int_eq(w.week, 47);
	/* Monday 2022-11-21 00:00 CST is 2022-11-20 16:00 UTC. */
	ck_assert_int_eq((long)md_week_start(&w), 1668960000L);
	ck_assert_int_eq((long)md_week_start(&w),
	    (long)cst(2022, 11, 21, 0, 0, 0));
	/* Sunday 23:59:59 CST is the week before; Monday 00:00 is this. */
	week_is(cst(2022, 11, 20, 23, 59, 59), "2022-W46");
	week_is(cst(2022, 11, 21, 0, 0, 0), "2022-W47");
	week_is(cst(2022, 11, 27, 23, 59, 59), "2022-W47");
	/* In UTC Sunday 20:00 is already Monday 04:00 in CST. */
	week_is(1669579200L, "2022-W48");
	/* Across years. */
	week_is(cst(2021, 1, 3, 12, 0, 0), "2020-W53");
	week_is(cst(2021, 1, 4, 0, 0, 0), "2021-W01");
	week_is(cst(2023, 1, 1, 23, 59, 59), "2022-W52");
	week_is(cst(2023, 1, 2, 0, 0, 0), "2023-W01");
	week_is(cst(2024, 12, 30, 0, 0, 0), "2025-W01");
	week_is(cst(2027, 1, 1, 9, 0, 0), "2026-W53");
	week_is(cst(2008, 12, 29, 0, 0, 0), "2009-W01");
	ck_assert_int_eq(md_week_count(2020), 53);
	ck_assert_int_eq(md_week_count(2022), 52);
	ck_assert_int_eq(md_week_count(2026), 53);
	ck_assert_int_eq(md_week_count(2015), 53);
	/* Moving by weeks. */
	ck_assert_int_eq(md_week_parse("2020-W53", &w, &err), 0);
	md_week_add(&w, 1);
	ck_assert_int_eq(w.year, 2021);
	ck_assert_int_eq(w.week, 1);
	md_week_add(&w, -2);
	ck_assert_int_eq(w.year, 2020);
	ck_assert_int_eq(w.week, 52);
	ck_assert_int_eq((long)md_report_parse_time("2022-11-21T00:00:00+08:00"),
	    1668960000L);
	ck_assert_int_eq((long)md_report_parse_time("2022-11-20T16:00:00+00:00"),
	    1668960000L);
	ck_assert_int_eq((long)md_report_parse_time("2022-11-21"), -1);
}
END_TEST

/* The folder writer's Monday 06:00 CST, whatever the server's zone. */
START_TEST(next_write)
{
	ck_assert_int_eq((long)md_report_next_write(cst(2022, 11, 27, 23, 59,
	    59)), (long)cst(2022, 11, 28, 6, 0, 0));
	ck_assert_int_eq((long)md_report_next_write(cst(2022, 11, 28, 0, 0, 0)),
	    (long)cst(2022, 11, 28, 6, 0, 0));
	ck_assert_int_eq((long)md_report_next_write(cst(2022, 11, 28, 5, 59,
	    59)), (long)cst(2022, 11, 28, 6, 0, 0));
	ck_assert_int_eq((long)md_report_next_write(cst(2022, 11, 28, 6, 0, 0)),
	    (long)cst(2022, 12, 5, 6, 0, 0));
	ck_assert_int_eq((long)md_report_next_write(cst(2022, 12, 31, 12, 0,
	    0)), (long)cst(2023, 1, 2, 6, 0, 0));
}
END_TEST

static void
bad_week(const char *s, const char *want)
{
	struct md_week w;
	struct md_error err = { 0 };

	ck_assert_int_eq(md_week_parse(s, &w, &err), -1);
	ck_assert_msg(strstr(err.msg, want) != NULL, "%s: %s", s, err.msg);
}

START_TEST(week_strings)
{
	bad_week("2022-W53", "2022 has ISO weeks 01 to 52");
	bad_week("2022-W00", "has ISO weeks 01 to 52");
	bad_week("2022W47", "expected an ISO week as YYYY-Www");
	bad_week("2022-w47", "expected an ISO week");
	bad_week("2022-W4", "expected an ISO week");
	bad_week("2022-W470", "expected an ISO week");
	bad_week("22-W47", "expected an ISO week");
	bad_week("2022-W4a", "expected an ISO week");
	bad_week("", "expected an ISO week");
	bad_week("1999-W10", "from 2000 to 2999");
}
END_TEST

static json_t *
row(int id, const char *category, const char *item, int severity,
    const char *code, const char *name, const char *status,
    const char *confirmed_at, const char *excerpt)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:s?, s:s?, s:s, s:s, "
	    "s:s, s:s, s:s}", "id", id, "category", category, "version",
	    "2022-11-11", "item", item, "number", "（十六）", "severity", severity,
	    "region_code", code, "region_name", name, "date", "2022-11-20",
	    "status", status, "confirmed_at", confirmed_at, "received_at",
	    "2022-11-20T08:00:00+08:00", "excerpt", excerpt);
}

/* Rows for 2022-W47 and the weeks before it. */
static json_t *
sample_rows(void)
{
	json_t *c = json_array(), *f = json_array();

	/* This week (2022-W47): 4 flags. */
	json_array_append_new(c, row(1, "closure.school", "2.16", 4, "110105",
	    "北京市朝阳区", "rectified", "2022-11-21T00:00:00+08:00",
	    "我叫张三，电话13800138000，全区停课"));
	json_array_append_new(c, row(2, "closure.school", "2.16", 3, "440106",
	    "广东省广州市天河区", "confirmed", "2022-11-22T10:00:00+08:00",
	    "学校停课, \"线上\"教学"));
	json_array_append_new(c, row(3, "closure.school", "2.16", 5, "440305",
	    "广州市南山区", "escalated", "2022-11-23T10:00:00+08:00",
	    "身份证110105199003071234的学生"));
	json_array_append_new(c, row(4, "closure.lockdown", "2.16", 4, NULL,
	    NULL, "confirmed", "2022-11-27T23:59:59+08:00", "小区封了20天"));
	/* The week before (W46): 2, one a category with none this week. */
	json_array_append_new(c, row(5, "closure.school", "2.16", 4, "110105",
	    "北京市朝阳区", "rectified", "2022-11-20T23:59:59+08:00", "停课"));
	json_array_append_new(c, row(6, "testing.mass", "2.6", 4, "110105",
	    "北京市朝阳区", "confirmed", "2022-11-15T09:00:00+08:00", "全员核酸"));
	/* Five weeks before (W42). */
	json_array_append_new(c, row(7, "testing.mass", "2.6", 4, "110105",
	    "北京市朝阳区", "confirmed", "2022-10-18T09:00:00+08:00", "全员核酸"));
	/* First reviews: 1 h, 2 h, 3 h, 10 h in W47; one in W46. */
	json_array_append_new(f, json_pack("{s:i, s:s, s:s}", "flag_id", 1,
	    "at", "2022-11-21T01:00:00+08:00", "received_at",
	    "2022-11-21T00:00:00+08:00"));
	json_array_append_new(f, json_pack("{s:i, s:s, s:s}", "flag_id", 2,
	    "at", "2022-11-22T02:00:00+08:00", "received_at",
	    "2022-11-22T00:00:00+08:00"));
	json_array_append_new(f, json_pack("{s:i, s:s, s:s}", "flag_id", 3,
	    "at", "2022-11-23T03:00:00+08:00", "received_at",
	    "2022-11-23T00:00:00+08:00"));
	json_array_append_new(f, json_pack("{s:i, s:s, s:s}", "flag_id", 4,
	    "at", "2022-11-24T10:00:00+08:00", "received_at",
	    "2022-11-24T00:00:00+08:00"));
	json_array_append_new(f, json_pack("{s:i, s:s, s:s}", "flag_id", 5,
	    "at", "2022-11-20T10:00:00+08:00", "received_at",
	    "2022-11-19T00:00:00+08:00"));
	return json_pack("{s:o, s:o}", "confirmed", c, "first_reviews", f);
}

static json_t *
find(json_t *arr, const char *key, const char *value)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (json_is_string(json_object_get(e, key)) &&
		    strcmp(json_string_value(json_object_get(e, key)), value) == 0)
			return e;
	ck_abort_msg("no %s=%s", key, value);
	return NULL;
}

static long long
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static json_t *
sample_report(int ncases)
{
	json_t *rows = sample_rows(), *r;
	struct md_week w = { 2022, 47 };

	r = md_report_build(rows, &w, ncases, NULL, 1669600000);
	json_decref(rows);
	return r;
}

START_TEST(aggregation)
{
	json_t *r = sample_report(2), *e, *p, *c, *s;

	ck_assert_str_eq(json_string_value(json_object_get(r, "week")),
	    "2022-W47");
	ck_assert_str_eq(json_string_value(json_object_get(r, "from")),
	    "2022-11-21");
	ck_assert_str_eq(json_string_value(json_object_get(r, "to")),
	    "2022-11-27");
	e = json_object_get(r, "confirmed");
	ck_assert_int_eq(num(e, "count"), 4);
	ck_assert_int_eq(num(e, "previous"), 2);
	ck_assert_int_eq(num(e, "change"), 2);
	e = json_object_get(r, "rectified");
	ck_assert_int_eq(num(e, "count"), 1);
	ck_assert_int_eq(num(e, "of"), 4);
	ck_assert(json_real_value(json_object_get(e, "share")) == 0.25);

	/* By category: most first; a category only last week is kept. */
	e = json_object_get(r, "by_category");
	ck_assert_int_eq(json_array_size(e), 3);
	c = json_array_get(e, 0);
	ck_assert_str_eq(json_string_value(json_object_get(c, "category")),
	    "closure.school");
	ck_assert_str_eq(json_string_value(json_object_get(c, "label")),
	    "随意封校停课");
	ck_assert_int_eq(num(c, "count"), 3);
	ck_assert_int_eq(num(c, "previous"), 1);
	ck_assert_int_eq(num(c, "change"), 2);
	c = find(e, "category", "testing.mass");
	ck_assert_int_eq(num(c, "count"), 0);
	ck_assert_int_eq(num(c, "previous"), 1);
	ck_assert_int_eq(num(c, "change"), -1);

	/* By item. */
	e = json_object_get(r, "by_item");
	c = find(e, "item", "2.16");
	ck_assert_int_eq(num(c, "count"), 4);
	ck_assert_int_eq(num(c, "previous"), 1);
	c = find(e, "item", "2.6");
	ck_assert_int_eq(num(c, "count"), 0);

	/* By region: provinces, their cities, and flags with none. */
	e = json_object_get(r, "by_region");
	p = find(e, "code", "44");
	ck_assert_str_eq(json_string_value(json_object_get(p, "name")),
	    "广东省");
	ck_assert_int_eq(num(p, "count"), 2);
	c = find(json_object_get(p, "cities"), "code", "4401");
	ck_assert_str_eq(json_string_value(json_object_get(c, "name")),
	    "广州市");
	ck_assert_int_eq(num(c, "count"), 1);
	c = find(json_object_get(p, "cities"), "code", "4403");
	ck_assert_str_eq(json_string_value(json_object_get(c, "name")),
	    "广州市");	/* as the submission named it */
	p = find(e, "code", "11");
	ck_assert_str_eq(json_string_value(json_object_get(p, "name")),
	    "北京市");
	ck_assert_int_eq(num(p, "count"), 1);
	ck_assert_int_eq(num(p, "previous"), 2);
	c = find(json_object_get(p, "cities"), "code", "1101");
	ck_assert_str_eq(json_string_value(json_object_get(c, "name")),
	    "北京市");
	p = NULL;
	{
		size_t i;

		json_array_foreach(e, i, c)
			if (json_is_null(json_object_get(c, "code")))
				p = c;
	}
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(num(p, "count"), 1);

	/* Typical cases: at most 2 per category, most severe first. */
	e = json_object_get(r, "typical_cases");
	c = find(e, "category", "closure.school");
	c = json_object_get(c, "cases");
	ck_assert_int_eq(json_array_size(c), 2);
	ck_assert_int_eq(num(json_array_get(c, 0), "id"), 3);
	ck_assert_int_eq(num(json_array_get(c, 1), "id"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c,
	    0), "excerpt")), "身份证[身份证号]的学生");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c,
	    1), "excerpt")), "我叫[姓名]，电话[手机号]，全区停课");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c,
	    1), "status_label")), "已整改");

	/* Review time: 1, 2, 3, 10 hours; nearest rank. */
	e = json_object_get(r, "review_time");
	ck_assert_int_eq(num(e, "reviewed"), 4);
	ck_assert_int_eq(num(e, "median_seconds"), 2 * 3600);
	ck_assert_int_eq(num(e, "p90_seconds"), 10 * 3600);

	/* The series: 8 weeks, oldest first. */
	e = json_object_get(r, "series");
	ck_assert_int_eq(json_array_size(e), 8);
	s = json_array_get(e, 0);
	ck_assert_str_eq(json_string_value(json_object_get(s, "week")),
	    "2022-W40");
	s = json_array_get(e, 2);
	ck_assert_str_eq(json_string_value(json_object_get(s, "week")),
	    "2022-W42");
	ck_assert_int_eq(num(s, "confirmed"), 1);
	s = json_array_get(e, 6);
	ck_assert_int_eq(num(s, "confirmed"), 2);
	ck_assert_int_eq(num(s, "rectified"), 1);
	s = json_array_get(e, 7);
	ck_assert_str_eq(json_string_value(json_object_get(s, "week")),
	    "2022-W47");
	ck_assert_int_eq(num(s, "confirmed"), 4);

	/* Per-flag rows: this week's only. */
	ck_assert_int_eq(json_array_size(json_object_get(r, "flags")), 4);
	json_decref(r);
}
END_TEST

START_TEST(csv)
{
	json_t *r = sample_report(3);
	size_t len;
	char *s = md_report_render(r, MD_REPORT_CSV, &len);

	ck_assert_uint_eq(strlen(s), len);
	ck_assert(strncmp(s, "\xEF\xBB\xBF" "flag_id,week,confirmed_at,", 29)
	    == 0);
	ck_assert_ptr_nonnull(strstr(s, "\r\n1,2022-W47,"));
	/* A comma or quote in a field: quoted, quotes doubled. */
	ck_assert_ptr_nonnull(strstr(s, ",\"学校停课, \"\"线上\"\"教学\"\r\n"));
	/* No region: empty fields. */
	ck_assert_ptr_nonnull(strstr(s, ",4,,,,,2022-11-20,confirmed,"));
	ck_assert_ptr_null(strstr(s, "13800138000"));
	ck_assert_ptr_null(strstr(s, "110105199003071234"));
	{
		/* 4 rows and the header. */
		size_t lines = 0;
		const char *p;

		for (p = s; (p = strstr(p, "\r\n")) != NULL; p += 2)
			lines++;
		ck_assert_uint_eq(lines, 5);
	}
	free(s);
	json_decref(r);
}
END_TEST

/* The HTML validates with tidy (-e: errors and warnings only; any is a
 * failure) and carries the ids the browser tests look for. */
static void
html_validates(json_t *r)
{
	char *dir = tu_tmpdir(), *path, *cmd, *s;
	size_t len;
	FILE *f;
	int rc;

	s = md_report_render(r, MD_REPORT_HTML, &len);
	path = md_xasprintf("%s/report.html", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(s, 1, len, f), len);
	fclose(f);
	ck_assert_msg(system("command -v tidy >/dev/null") == 0,
	    "tidy is not installed: run scripts/deps.sh");
	cmd = md_xasprintf("tidy -q -e -utf8 '%s' 2>&1", path);
	rc = system(cmd);
	ck_assert_msg(rc == 0, "tidy found problems in the report's HTML "
	    "(exit %d)", rc);
	ck_assert_ptr_nonnull(strstr(s, "<svg"));
	ck_assert_ptr_nonnull(strstr(s, "id=\"chart-category\""));
	ck_assert_ptr_nonnull(strstr(s, "id=\"chart-region\""));
	ck_assert_ptr_nonnull(strstr(s, "id=\"chart-weeks\""));
	ck_assert_ptr_nonnull(strstr(s, "@media print"));
	ck_assert_ptr_null(strstr(s, "<script"));
	ck_assert_ptr_null(strstr(s, "src="));
	ck_assert_ptr_null(strstr(s, "13800138000"));
	ck_assert_ptr_null(strstr(s, "110105199003071234"));
	free(cmd);
	free(path);
	free(s);
	tu_rmdir(dir);
}

START_TEST(html)
{
	json_t *r = sample_report(3), *empty, *rows;
	struct md_week w = { 2022, 47 };
	size_t len;
	char *s;

	html_validates(r);
	s = md_report_render(r, MD_REPORT_HTML, &len);
	ck_assert_ptr_nonnull(strstr(s, "<strong id=\"total-confirmed\">4"
	    "</strong>"));
	ck_assert_ptr_nonnull(strstr(s, "随意封校停课"));
	ck_assert_ptr_nonnull(strstr(s, "2022年第47周"));
	ck_assert_ptr_nonnull(strstr(s, "class=\"bar\" data-count=\"3\""));
	free(s);
	json_decref(r);

	/* A week with nothing still validates. */
	rows = json_pack("{s:[], s:[]}", "confirmed", "first_reviews");
	empty = md_report_build(rows, &w, 3, NULL, 1669600000);
	html_validates(empty);
	s = md_report_render(empty, MD_REPORT_JSON, &len);
	ck_assert_ptr_nonnull(strstr(s, "\"share\": null"));
	free(s);
	json_decref(empty);
	json_decref(rows);
}
END_TEST

START_TEST(folder)
{
	char *dir = tu_tmpdir(), *p;
	struct md_error err = { 0 };
	struct md_week w = { 2022, 47 };
	json_t *r = sample_report(3);
	size_t len;

	ck_assert_int_eq(md_report_dir_has(dir, &w), 0);
	ck_assert_int_eq(md_report_write_dir(r, dir, &w, &err), 0);
	ck_assert_int_eq(md_report_dir_has(dir, &w), 1);
	p = md_xasprintf("%s/measured-report-2022-W47.json", dir);
	free(md_read_file(p, &len, 1 << 20, &err));
	ck_assert_uint_gt(len, 100);
	free(p);
	json_decref(r);
	tu_rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, iso_weeks);
	tcase_add_test(tc, week_strings);
	tcase_add_test(tc, next_write);
	tcase_add_test(tc, aggregation);
	tcase_add_test(tc, csv);
	tcase_add_test(tc, html);
	tcase_add_test(tc, folder);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
