/*
 * test_report.c - the weekly report against the real daemon: a store
 * seeded through the API (submit, confirm, escalate, rectify, dismiss),
 * every count in JSON, CSV and HTML, the HTML valid (tidy), access
 * (private by default, public HTML when configured; 401 and 403), bad
 * week strings (400 with a precise detail), no phone or ID number or
 * contact of the seeded submissions in any output; `measured report`;
 * and the daemon writing last week's report into its folder at startup.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "report.h"

static struct daemon D;
static char *SUB, *REV;

/* Personal data in the seeded submissions: none may leave. */
static const char *const SECRETS[] = { "13800138000", "13912345678",
	"13700001111", "110105199003071234", "张三", "李四", "王小明",
	"88号3号楼", "501室", NULL };

static const char SCHOOL_PII[] =
    "我叫张三，电话13800138000，身份证110105199003071234，家住朝阳区建国路"
    "88号3号楼2单元501室，孩子学校即日起全区中小学一律暂停线下教学，转为线上教学。";
static const char LOCKDOWN_PII[] =
    "我是业主王小明，手机13912345678，我们小区封了20多天还不解封，没人管。";
static const char SCHOOL[] =
    "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。";

static void
no_secrets(const char *what, const char *body)
{
	size_t i;

	for (i = 0; SECRETS[i] != NULL; i++)
		ck_assert_msg(strstr(body, SECRETS[i]) == NULL,
		    "%s holds \"%s\"", what, SECRETS[i]);
}

/* Submits; the id of the submission's first flag. */
static long long
submit(const char *ext, const char *text, const char *code,
    const char *name, const char *phone)
{
	json_t *b = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}}",
	    "external_id", ext, "text", text, "occurred_at", "2022-11-20",
	    "region", "code", code, "name", name, "contact", "name", "李四",
	    "phone", phone);
	char *body = json_dumps(b, 0);
	struct resp *r = h_req(&D, "POST", "/v1/submissions", SUB, body);
	long long id;

	h_expect(r, 201);
	id = h_int(json_array_get(json_object_get(r->json, "findings"), 0),
	    "flag_id");
	ck_assert_int_gt(id, 0);
	resp_free(r);
	free(body);
	json_decref(b);
	return id;
}

static void
act(long long id, const char *action)
{
	char path[64], *body;
	struct resp *r;

	snprintf(path, sizeof path, "/v1/flags/%lld/review", id);
	body = md_xasprintf("{\"action\":\"%s\",\"note\":\"seed\"}", action);
	r = h_req(&D, "POST", path, REV, body);
	h_expect(r, 200);
	resp_free(r);
	free(body);
}

static char THIS_WEEK[16];

static void
setup(void)
{
	struct md_week w;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h_init_dir(&D);
	h_conf(&D, "<rate-limit per-second=\"0\"/>");
	SUB = h_token(&D, "submitter", "hotline12345", "hotline-a");
	REV = h_token(&D, "reviewer", NULL, "reviewer-a");
	h_start(&D, NULL);
	md_week_of(time(NULL), &w);
	md_week_format(&w, THIS_WEEK);
}

static void
teardown(void)
{
	int rc = h_stop(&D);

	h_cleanup(&D);
	free(SUB);
	free(REV);
	curl_global_cleanup();
	ck_assert_int_eq(rc, 0);
}

static struct resp *
get_report(const char *query, const char *tok)
{
	char path[256];

	snprintf(path, sizeof path, "/v1/reports/weekly?%s", query);
	return h_req(&D, "GET", path, tok, NULL);
}

static json_t *
by(json_t *arr, const char *key, const char *value)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (json_is_string(json_object_get(e, key)) &&
		    strcmp(h_str(e, key), value) == 0)
			return e;
	ck_abort_msg("no %s=%s", key, value);
	return NULL;
}

/* tidy over body; 0 when it finds nothing to say. */
static int
tidy_ok(const char *body)
{
	char path[300], cmd[400];
	FILE *f;

	snprintf(path, sizeof path, "%s/report.html", D.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(body, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "tidy -q -e -utf8 '%s'", path);
	return system(cmd);
}

START_TEST(counts_in_every_format)
{
	long long a, b, c, d;
	struct resp *r;
	json_t *j, *e, *p;
	char q[128];
	const char *s;
	size_t rows = 0;

	a = submit("r-1", SCHOOL_PII, "110105", "北京市朝阳区", "13800138000");
	b = submit("r-2", LOCKDOWN_PII, "440106", "广东省广州市天河区",
	    "13700001111");
	c = submit("r-3", SCHOOL, "440305", "广东省深圳市南山区", "13700001111");
	d = submit("r-4", SCHOOL, "440305", "广东省深圳市南山区", "13700001111");
	act(a, "confirm");
	act(a, "escalate");
	act(a, "rectified");
	act(b, "confirm");
	act(c, "confirm");
	act(c, "escalate");
	act(d, "dismiss");

	snprintf(q, sizeof q, "week=%s&format=json", THIS_WEEK);
	r = get_report(q, REV);
	h_expect(r, 200);
	no_secrets("JSON", r->body);
	j = r->json;
	ck_assert_str_eq(h_str(j, "week"), THIS_WEEK);
	e = json_object_get(j, "confirmed");
	ck_assert_int_eq(h_int(e, "count"), 3);
	ck_assert_int_eq(h_int(e, "previous"), 0);
	ck_assert_int_eq(h_int(e, "change"), 3);
	e = json_object_get(j, "rectified");
	ck_assert_int_eq(h_int(e, "count"), 1);
	ck_assert_int_eq(h_int(e, "of"), 3);
	e = by(json_object_get(j, "by_category"), "category", "closure.school");
	ck_assert_int_eq(h_int(e, "count"), 2);
	ck_assert_str_eq(h_str(e, "label"), "随意封校停课");
	e = by(json_object_get(j, "by_category"), "category",
	    "closure.lockdown");
	ck_assert_int_eq(h_int(e, "count"), 1);
	ck_assert_int_eq(json_array_size(json_object_get(j, "by_category")), 2);
	e = json_array_get(json_object_get(j, "by_item"), 0);
	ck_assert_str_eq(h_str(e, "item"), "2.16");
	ck_assert_int_eq(h_int(e, "count"), 3);
	p = by(json_object_get(j, "by_region"), "code", "44");
	ck_assert_str_eq(h_str(p, "name"), "广东省");
	ck_assert_int_eq(h_int(p, "count"), 2);
	e = by(json_object_get(p, "cities"), "code", "4401");
	ck_assert_str_eq(h_str(e, "name"), "广州市");
	ck_assert_int_eq(h_int(e, "count"), 1);
	e = by(json_object_get(p, "cities"), "code", "4403");
	ck_assert_str_eq(h_str(e, "name"), "深圳市");
	ck_assert_int_eq(h_int(e, "count"), 1);
	p = by(json_object_get(j, "by_region"), "code", "11");
	ck_assert_int_eq(h_int(p, "count"), 1);
	/* Four flags had their first review this week (the dismissed one
	 * too); the time to it is never negative. */
	e = json_object_get(j, "review_time");
	ck_assert_int_eq(h_int(e, "reviewed"), 4);
	ck_assert_int_ge(h_int(e, "median_seconds"), 0);
	ck_assert_int_ge(h_int(e, "p90_seconds"), h_int(e, "median_seconds"));
	e = json_array_get(json_object_get(j, "series"), 7);
	ck_assert_str_eq(h_str(e, "week"), THIS_WEEK);
	ck_assert_int_eq(h_int(e, "confirmed"), 3);
	ck_assert_int_eq(h_int(e, "rectified"), 1);
	e = by(json_object_get(j, "typical_cases"), "category",
	    "closure.school");
	ck_assert_int_eq(json_array_size(json_object_get(e, "cases")), 2);
	e = json_array_get(json_object_get(e, "cases"), 0);
	ck_assert_ptr_nonnull(strstr(h_str(json_object_get(e, "measure"),
	    "text"), "严禁随意封校停课"));
	/* The excerpt starts inside 我叫张三: redacted in context, nothing
	 * of the name is left. */
	ck_assert_msg(strncmp(h_str(e, "excerpt"), "[姓名]，电话[手机号]，身份证"
	    "[身份证号]", strlen("[姓名]，电话[手机号]，身份证[身份证号]")) == 0,
	    "excerpt: %s", h_str(e, "excerpt"));
	ck_assert_ptr_null(json_object_get(e, "contact"));
	ck_assert_int_eq(json_array_size(json_object_get(j, "flags")), 3);
	resp_free(r);

	/* cases=1: one per category. */
	snprintf(q, sizeof q, "week=%s&format=json&cases=1", THIS_WEEK);
	r = get_report(q, REV);
	h_expect(r, 200);
	e = by(json_object_get(r->json, "typical_cases"), "category",
	    "closure.school");
	ck_assert_int_eq(json_array_size(json_object_get(e, "cases")), 1);
	resp_free(r);

	/* CSV: a BOM, a header and one row per confirmed flag. */
	snprintf(q, sizeof q, "week=%s&format=csv", THIS_WEEK);
	r = get_report(q, REV);
	h_expect(r, 200);
	{
		char ct[128];

		ck_assert_ptr_nonnull(h_header(r, "Content-Type", ct,
		    sizeof ct));
		ck_assert_ptr_nonnull(strstr(ct, "text/csv"));
	}
	no_secrets("CSV", r->body);
	ck_assert(strncmp(r->body, "\xEF\xBB\xBF" "flag_id,", 11) == 0);
	for (s = r->body; (s = strstr(s, "\r\n")) != NULL; s += 2)
		rows++;
	ck_assert_uint_eq(rows, 4);
	ck_assert_ptr_nonnull(strstr(r->body, ",closure.lockdown,"));
	ck_assert_ptr_nonnull(strstr(r->body, ",rectified,"));
	ck_assert_ptr_nonnull(strstr(r->body, ",escalated,"));
	resp_free(r);

	/* HTML: the same counts, valid, self-contained. */
	snprintf(q, sizeof q, "week=%s", THIS_WEEK);
	r = get_report(q, REV);
	h_expect(r, 200);
	no_secrets("HTML", r->body);
	ck_assert_ptr_nonnull(strstr(r->body, "<strong id=\"total-confirmed\">3"
	    "</strong>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<strong id=\"total-rectified\">1"
	    "</strong>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<tr data-category=\"closure."
	    "school\"><td>随意封校停课</td><td class=\"n count\">2</td>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<tr class=\"city\" data-code="
	    "\"4403\"><td>深圳市</td><td class=\"n count\">1</td>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<tr data-category=\"closure."
	    "lockdown\"><td>随意封控、“静默”管理</td><td class=\"n count\">1</td>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<tr class=\"province\" "
	    "data-code=\"44\"><td>广东省</td><td class=\"n count\">2</td>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<tr class=\"province\" "
	    "data-code=\"11\"><td>北京市</td><td class=\"n count\">1</td>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<tr class=\"city\" data-code="
	    "\"4401\"><td>广州市</td><td class=\"n count\">1</td>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<tr data-item=\"2.16\"><td>"
	    "2022-11-11</td><td>（十六）</td><td class=\"n count\">3</td>"));
	{
		char point[64];

		snprintf(point, sizeof point, "data-week=\"%s\" data-count="
		    "\"3\"", THIS_WEEK);
		ck_assert_ptr_nonnull(strstr(r->body, point));
	}
	/* The charts: a bar per category and per province. */
	ck_assert_ptr_nonnull(strstr(r->body, "id=\"chart-category\""));
	ck_assert_ptr_nonnull(strstr(r->body, "id=\"chart-region\""));
	ck_assert_ptr_nonnull(strstr(r->body, "id=\"chart-weeks\""));
	ck_assert_ptr_nonnull(strstr(r->body, "<rect class=\"bar\" "
	    "data-count=\"2\""));
	ck_assert_ptr_null(strstr(r->body, "<script"));
	ck_assert_int_eq(tidy_ok(r->body), 0);
	resp_free(r);
}
END_TEST

START_TEST(access_and_bad_weeks)
{
	static const struct {
		const char *query;
		const char *detail;
	} bad[] = {
		{ "week=2022-W53", "2022 has ISO weeks 01 to 52" },
		{ "week=2022W47", "expected an ISO week as YYYY-Www" },
		{ "week=2022-W00", "has ISO weeks 01 to 52" },
		{ "week=", "expected an ISO week" },
		{ "week=2999-W01", "has not begun" },
		{ "week=2022-W47&format=pdf", "format must be html, json or csv" },
		{ "week=2022-W47&cases=99", "\"cases\" must be a whole number "
		    "from 0 to 20" },
		{ "week=2022-W47&urgent=1", "unknown parameter \"urgent\"" },
		{ "week=2022-W47&week=2022-W46", "given twice" },
	};
	struct resp *r;
	size_t i;

	/* Private by default: no token is 401, a submitter 403, in every
	 * format. */
	r = get_report("week=2022-W47", NULL);
	h_expect(r, 401);
	resp_free(r);
	r = get_report("week=2022-W47&format=json", NULL);
	h_expect(r, 401);
	resp_free(r);
	r = get_report("week=2022-W47&format=csv", SUB);
	h_expect(r, 403);
	resp_free(r);
	r = get_report("week=2022-W47", SUB);
	h_expect(r, 403);
	resp_free(r);
	r = h_req(&D, "POST", "/v1/reports/weekly", REV, "{}");
	h_expect(r, 405);
	resp_free(r);
	/* An old week with nothing in it is a valid, empty report. */
	r = get_report("week=2022-W47&format=json", REV);
	h_expect(r, 200);
	ck_assert_int_eq(h_int(json_object_get(r->json, "confirmed"), "count"),
	    0);
	ck_assert_str_eq(h_str(r->json, "from"), "2022-11-21");
	resp_free(r);

	for (i = 0; i < MD_NELEM(bad); i++) {
		r = get_report(bad[i].query, REV);
		h_expect(r, 400);
		ck_assert_str_eq(h_str(r->json, "type"),
		    "urn:measured:problem:invalid-parameter");
		ck_assert_msg(strstr(h_str(r->json, "detail"), bad[i].detail) !=
		    NULL, "%s: %s", bad[i].query, h_str(r->json, "detail"));
		resp_free(r);
	}
}
END_TEST

/* measured report on the same store (read-only, beside the daemon). */
START_TEST(command_line)
{
	char cmd[600], out[300];
	struct md_error err = { 0 };
	json_t *j;
	size_t len;
	char *body;

	snprintf(out, sizeof out, "%s/cli.json", D.dir);
	snprintf(cmd, sizeof cmd, "report --week %s --format json -o '%s'",
	    THIS_WEEK, out);
	ck_assert_int_eq(h_measured(&D, cmd), 0);
	body = md_read_file(out, &len, 1 << 24, &err);
	ck_assert_ptr_nonnull(body);
	no_secrets("measured report", body);
	j = json_loads(body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(h_int(json_object_get(j, "confirmed"), "count"), 3);
	json_decref(j);
	free(body);

	snprintf(out, sizeof out, "%s/cli.csv", D.dir);
	snprintf(cmd, sizeof cmd, "report --week %s --format csv -o '%s'",
	    THIS_WEEK, out);
	ck_assert_int_eq(h_measured(&D, cmd), 0);
	body = md_read_file(out, &len, 1 << 24, &err);
	ck_assert_ptr_nonnull(body);
	no_secrets("measured report csv", body);
	free(body);

	/* A bad week or format: exit 2, nothing written. */
	ck_assert_int_ne(h_measured(&D, "report --week 2022-W60"), 0);
	ck_assert_int_ne(h_measured(&D, "report --format pdf"), 0);
}
END_TEST

/* A daemon of its own with <report public="yes">: the HTML for anyone,
 * JSON and CSV still for reviewers only. */
START_TEST(public_html)
{
	struct daemon d;
	struct resp *r;
	char *rev, v[32];
	int i, limited = 0;

	h_init_dir(&d);
	h_conf(&d, "<report public=\"yes\"/>\n<rate-limit per-second=\"1\" "
	    "burst=\"3\"/>");
	rev = h_token(&d, "reviewer", NULL, "reviewer-p");
	h_start(&d, NULL);
	r = h_req(&d, "GET", "/v1/reports/weekly?week=2022-W47", NULL, NULL);
	h_expect(r, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "<!DOCTYPE html>"));
	resp_free(r);
	r = h_req(&d, "GET", "/v1/reports/weekly", NULL, NULL);
	h_expect(r, 200);
	resp_free(r);
	r = h_req(&d, "GET", "/v1/reports/weekly?week=2022-W47&format=json",
	    NULL, NULL);
	h_expect(r, 401);
	resp_free(r);
	r = h_req(&d, "GET", "/v1/reports/weekly?week=2022-W47&format=csv",
	    NULL, NULL);
	h_expect(r, 401);
	resp_free(r);
	r = h_req(&d, "GET", "/v1/reports/weekly?week=2022-W47&format=csv",
	    rev, NULL);
	h_expect(r, 200);
	resp_free(r);
	/* Readers without a token share one bucket (burst 3, 1 a second). */
	for (i = 0; i < 10 && !limited; i++) {
		r = h_req(&d, "GET", "/v1/reports/weekly?week=2022-W47", NULL,
		    NULL);
		if (r->status == 429) {
			limited = 1;
			ck_assert_ptr_nonnull(h_header(r, "Retry-After", v,
			    sizeof v));
			ck_assert_str_eq(h_str(r->json, "type"),
			    "urn:measured:problem:rate-limited");
		} else {
			h_expect(r, 200);
		}
		resp_free(r);
	}
	ck_assert_msg(limited, "no 429 after %d requests without a token", i);
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(rev);
}
END_TEST

/*
 * The folder: a store with flags confirmed last week (the review rows
 * written into the store as a daemon of last week would have), then a
 * daemon with <report folder> must write last week's report at startup.
 */
START_TEST(catch_up_writes_last_week)
{
	struct daemon d;
	struct md_week last;
	struct md_error err = { 0 };
	char *sub, path[400], folder[300], conf[600], wk[16], at[26];
	sqlite3 *db;
	json_t *j;
	double end;
	size_t len;
	char *body;
	int i;

	h_init_dir(&d);
	sub = h_token(&d, "submitter", "hotline12345", "hotline-c");
	h_start(&d, NULL);
	{
		struct daemon save = D;
		char *save_sub = SUB;

		/* submit() talks to D with SUB. */
		D = d;
		SUB = sub;
		submit("c-1", SCHOOL_PII, "110105", "北京市朝阳区",
		    "13800138000");
		submit("c-2", LOCKDOWN_PII, "440106", "广东省广州市天河区",
		    "13700001111");
		d = D;
		D = save;
		SUB = save_sub;
	}
	ck_assert_int_eq(h_stop(&d), 0);

	/* Last week's Wednesday, 10:00 CST. */
	md_week_of(time(NULL), &last);
	md_week_add(&last, -1);
	md_week_format(&last, wk);
	md_time_iso(md_week_start(&last) + 2 * 86400 + 10 * 3600, at);
	snprintf(path, sizeof path, "%s/measured.db", d.dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	for (i = 1; i <= 2; i++) {
		char *sql = sqlite3_mprintf("INSERT INTO reviews (flag_id, "
		    "action, from_status, to_status, actor, note, at) VALUES "
		    "(%d, 'confirm', 'open', 'confirmed', 'seed', 'seeded', %Q);"
		    "UPDATE flags SET status = 'confirmed' WHERE id = %d;", i,
		    at, i);

		ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_free(sql);
	}
	sqlite3_close(db);

	snprintf(folder, sizeof folder, "%s/reports", d.dir);
	ck_assert_int_eq(mkdir(folder, 0755), 0);
	snprintf(conf, sizeof conf, "<report folder=\"%s\"/>", folder);
	h_conf(&d, conf);
	h_start(&d, NULL);
	snprintf(path, sizeof path, "%s/measured-report-%s.html", folder, wk);
	end = h_now() + h_start_timeout();
	while (access(path, F_OK) != 0 && h_now() < end)
		usleep(50000);
	ck_assert_msg(access(path, F_OK) == 0, "%s was not written", path);
	body = md_read_file(path, &len, 1 << 24, &err);
	ck_assert_ptr_nonnull(body);
	no_secrets("written HTML", body);
	ck_assert_ptr_nonnull(strstr(body, "<strong id=\"total-confirmed\">2"
	    "</strong>"));
	free(body);
	snprintf(path, sizeof path, "%s/measured-report-%s.json", folder, wk);
	body = md_read_file(path, &len, 1 << 24, &err);
	ck_assert_ptr_nonnull(body);
	no_secrets("written JSON", body);
	j = json_loads(body, 0, NULL);
	ck_assert_int_eq(h_int(json_object_get(j, "confirmed"), "count"), 2);
	ck_assert_str_eq(h_str(j, "week"), wk);
	json_decref(j);
	free(body);
	snprintf(path, sizeof path, "%s/measured-report-%s.csv", folder, wk);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* No temporary file is left behind. */
	{
		char cmd[400];

		snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", folder);
		ck_assert_int_ne(system(cmd), 0);
	}
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(sub);
}
END_TEST

START_TEST(bad_folder_refused)
{
	struct daemon d;
	char cmd[1200];

	h_init_dir(&d);
	h_conf(&d, "<report folder=\"reports\"/>");
	snprintf(cmd, sizeof cmd, "'%s/measured' -c '%s' -t 2>&1 | grep -q "
	    "'measured.conf:3: report folder \"reports\" must be an absolute "
	    "path'", MD_TEST_BUILDDIR, d.conf);
	ck_assert_int_eq(system(cmd), 0);

	/* A folder that is not there: the daemon does not start, and says
	 * why. */
	h_conf(&d, "<report folder=\"/nonexistent/measured-reports\"/>");
	snprintf(cmd, sizeof cmd, "timeout 60 '%s/measured' -c '%s' -s '%s' -l "
	    "127.0.0.1:0 2>&1 | grep -q 'report folder /nonexistent/"
	    "measured-reports: No such file or directory'", MD_TEST_BUILDDIR,
	    d.conf, d.store);
	ck_assert_int_eq(system(cmd), 0);
	h_cleanup(&d);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("one daemon");
	TCase *own = tcase_create("own daemons");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, counts_in_every_format);
	tcase_add_test(tc, access_and_bad_weeks);
	tcase_add_test(tc, command_line);
	suite_add_tcase(s, tc);
	tcase_set_timeout(own, 600);
	tcase_add_test(own, public_html);
	tcase_add_test(own, catch_up_writes_last_week);
	tcase_add_test(own, bad_folder_refused);
	suite_add_tcase(s, own);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
