/*
 * test_intake.c - the fast path of POST /v1/submissions
 * (md_intake_submission_json) against the slow one (md_body_parse and
 * md_intake_submission): every body the fast path takes gives the same
 * submission, field by field, fingerprint and findings included; every
 * body the slow path refuses, the fast path gives up on, leaving nothing
 * behind; and thousands of random mutations of real bodies hold both
 * to that.  And the answer written without a tree (md_submission_write)
 * is the tree's, byte for byte.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_check.h"
#include "intake.h"
#include "json.h"
#include "sha256.h"
#include "server.h"
#include "store.h"
#include "testutil.h"
#include "util.h"

static struct md_server srv;
static char *dir;

static void
setup(void)
{
	struct md_error err = { 0 };
	char *conf;

	dir = tu_tmpdir();
	conf = tu_conf(dir, "<limits text=\"4000\"/>"
	    "<platform name=\"hotline\" secret=\"s3cret-s3cret-s3cret\"><callback-host>cb.example.org"
	    "</callback-host></platform>");
	memset(&srv, 0, sizeof srv);
	srv.conf_path = conf;
	srv.rt = md_runtime_build(&srv, &err);
	ck_assert_msg(srv.rt != NULL, "%s", err.msg);
	srv.conf_path = NULL;
	free(conf);
}

static void
teardown(void)
{
	md_runtime_free(srv.rt);
	md_metrics_free(&srv.m);
	tu_rmdir(dir);
}

/* The slow path over body: 0 with s filled, or -1. */
static int
slow(const char *body, size_t len, struct md_submission *s)
{
	struct md_problem p;
	json_t *v = md_body_parse(body, len, 0, "submission", &p);
	int rc;

	if (v == NULL)
		return -1;
	rc = md_intake_submission(&srv, v, 7, "hotline", s, &p);
	json_decref(v);
	return rc;
}

static int
fast(const char *body, size_t len, struct md_submission *s)
{
	return md_intake_submission_json(&srv, body, len, 7, "hotline", s);
}

static void
same_str(const char *a, const char *b, const char *what)
{
	if (a == NULL || b == NULL)
		ck_assert_msg(a == b, "%s: %s against %s", what, a ? a : "NULL",
		    b ? b : "NULL");
	else
		ck_assert_msg(strcmp(a, b) == 0, "%s: \"%s\" against \"%s\"",
		    what, a, b);
}

static void
same_submission(const struct md_submission *a, const struct md_submission *b)
{
	size_t i;

	ck_assert_int_eq(a->platform_id, b->platform_id);
	same_str(a->platform, b->platform, "platform");
	same_str(a->external_id, b->external_id, "external_id");
	same_str(a->kind, b->kind, "kind");
	same_str(a->title, b->title, "title");
	same_str(a->text, b->text, "text");
	same_str(a->region_code, b->region_code, "region_code");
	same_str(a->region_name, b->region_name, "region_name");
	same_str(a->occurred_at, b->occurred_at, "occurred_at");
	same_str(a->published_at, b->published_at, "published_at");
	same_str(a->contact_name, b->contact_name, "contact_name");
	same_str(a->contact_phone, b->contact_phone, "contact_phone");
	same_str(a->callback_url, b->callback_url, "callback_url");
	same_str(a->fingerprint, b->fingerprint, "fingerprint");
	same_str(a->measures_version, b->measures_version, "measures_version");
	same_str(a->date, b->date, "date");
	same_str(a->date_source, b->date_source, "date_source");
	ck_assert_uint_eq(a->nfindings, b->nfindings);
	for (i = 0; i < a->nfindings; i++) {
		const struct md_sub_finding *fa = &a->findings[i];
		const struct md_sub_finding *fb = &b->findings[i];

		same_str(fa->category, fb->category, "category");
		same_str(fa->version, fb->version, "version");
		same_str(fa->item, fb->item, "item");
		same_str(fa->number, fb->number, "number");
		same_str(fa->rule, fb->rule, "rule");
		ck_assert_int_eq(fa->severity, fb->severity);
		same_str(fa->excerpt, fb->excerpt, "excerpt");
		same_str(fa->json, fb->json, "finding");
		ck_assert_uint_eq(fa->json_len, strlen(fa->json));
	}
	ck_assert((a->webhooks == NULL) == (b->webhooks == NULL));
}

/* A submission untouched: all zero. */
static void
untouched(const struct md_submission *s)
{
	static const struct md_submission zero;

	ck_assert(memcmp(s, &zero, sizeof zero) == 0);
}

static const char *const good[] = {
	"{\"external_id\":\"A-1\",\"text\":\"即日起，全区中小学一律暂停线下教学，"
	"恢复时间另行通知。\"}",
	/* every field, spaces everywhere */
	" {\n\t\"external_id\" : \"A-2\" , \"kind\" : \"notice\" ,\r\n"
	"\"title\":\"关于调整防控措施的通告\", \"text\":\"全市所有进出通道一律关闭，"
	"车辆禁止通行。\", \"region\" : { \"code\" : \"110105\" , \"name\" : "
	"\"朝阳区\" }, \"occurred_at\":\"2022-11-20T08:30:00+08:00\","
	"\"published_at\":\"2022-11-21\",\"contact\":{\"name\":\"张三\","
	"\"phone\":\"+86 138-0000-0000\"},\"callback_url\":"
	"\"https://cb.example.org/hook?id=1\"} \n",
	/* escapes of every kind, a surrogate pair, \u for Chinese */
	"{\"text\":\"\\u5c0f\\u533a\\u88ab\\u5c01 \\\"quoted\\\" back\\\\slash "
	"\\/ \\b\\f\\n\\r\\t \\ud83d\\ude00 end\",\"external_id\":\"\\u0041-3\"}",
	/* nulls are absent; an empty region is given */
	"{\"external_id\":\"A-4\",\"text\":\"小区被封，不让出门。\",\"title\":null,"
	"\"region\":{},\"contact\":null,\"kind\":null}",
	"{\"external_id\":\"A-5\",\"text\":\"x\",\"region\":{\"name\":null,"
	"\"code\":\"11\"}}",
	/* the fields in another order */
	"{\"region\":{\"name\":\"海淀区\"},\"text\":\"发烧去医院被要求先出示核酸"
	"阴性证明，否则不予接诊。\",\"occurred_at\":\"2022-11-28\","
	"\"external_id\":\"A-6\"}",
	"{\"external_id\":\"A-7\",\"text\":\"\\u0001 is a control character, "
	"escaped\"}",
};

/* The fingerprint is what stored submissions were hashed with: each
 * field given, in the spec's order, as its name, a NUL, its length in
 * decimal, a colon and its bytes.  Computed here on its own. */
static void
pinned_fingerprint(const struct md_submission *s)
{
	const char *text = "即日起，全区中小学一律暂停线下教学，恢复时间另行通知。";
	struct md_sha256 h;
	char len[32], hex[65];

	md_sha256_init(&h);
	md_sha256_update(&h, "external_id", 12);
	md_sha256_update(&h, "3:A-1", 5);
	md_sha256_update(&h, "text", 5);
	snprintf(len, sizeof len, "%zu:", strlen(text));
	md_sha256_update(&h, len, strlen(len));
	md_sha256_update(&h, text, strlen(text));
	md_sha256_final_hex(&h, hex);
	ck_assert_str_eq(s->fingerprint, hex);
}

START_TEST(fast_matches_slow)
{
	size_t i;

	for (i = 0; i < MD_NELEM(good); i++) {
		struct md_submission a = { 0 }, b = { 0 };

		ck_assert_msg(fast(good[i], strlen(good[i]), &a) == 0,
		    "the fast path gave up on body %zu", i);
		ck_assert_msg(slow(good[i], strlen(good[i]), &b) == 0,
		    "the slow path refused body %zu", i);
		same_submission(&a, &b);
		if (i == 0)
			pinned_fingerprint(&a);
		md_submission_free(&a);
		md_submission_free(&b);
	}
}
END_TEST

/* Bodies the fast path leaves to the slow one: wrong, or unusual. */
static const char *const odd[] = {
	"",
	"   ",
	"[]",
	"{",
	"{\"external_id\":\"B-1\",\"text\":\"x\"} x",
	"{\"external_id\":\"B-1\",\"text\":\"x\",}",
	"{\"external_id\":\"B-1\" \"text\":\"x\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"extra\":\"y\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"text\":\"y\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"title\":null,\"title\":null}",
	"{\"external_id\":1,\"text\":\"x\"}",
	"{\"external_id\":\"B-1\",\"text\":[\"x\"]}",
	"{\"external_id\":\"B-1\",\"text\":true}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"region\":\"11\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"region\":{\"code\":11}}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"region\":{\"x\":\"1\"}}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"region\":{\"code\":\"123\"}}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"title\":{}}",
	"{\"text\":\"x\"}",
	"{\"external_id\":\"B-1\"}",
	"{\"external_id\":\"\",\"text\":\"x\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\xe4\xb8\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\xc0\xaf\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\xed\xa0\x80\"}",
	"{\"external_id\":\"B-1\",\"text\":\"a\x01z\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\\u0000\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\\ud800\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\\udc00\\ud800\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\\ud800\\u0041\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\\u12g4\"}",
	"{\"external_id\":\"B-1\",\"text\":\"\\x\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\\",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"kind\":\"tweet\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"occurred_at\":\"2022-13-01\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"title\":\"two\\nlines\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"contact\":{\"phone\":\"call me\"}}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"callback_url\":"
	"\"https://elsewhere.example.com/\"}",
	"{\"external_id\":\"B-1\",\"text\":\"x\",\"callback_url\":\"ftp://x/\"}",
	/* valid, but left to the slow path: an escape in a key, a BOM */
	"{\"te\\u0078t\":\"x\",\"external_id\":\"B-1\"}",
	"\xef\xbb\xbf{\"external_id\":\"B-1\",\"text\":\"x\"}",
};

START_TEST(fast_gives_up)
{
	size_t i;

	for (i = 0; i < MD_NELEM(odd); i++) {
		struct md_submission a = { 0 };

		ck_assert_msg(fast(odd[i], strlen(odd[i]), &a) != 0,
		    "the fast path took body %zu", i);
		untouched(&a);
	}
}
END_TEST

START_TEST(text_limit)
{
	struct md_buf b = { 0 };
	struct md_submission a = { 0 };
	int i;

	/* 4000 bytes is the limit set up; 4001 is past it. */
	md_buf_adds(&b, "{\"external_id\":\"C-1\",\"text\":\"");
	for (i = 0; i < 4001; i++)
		md_buf_add(&b, "a", 1);
	md_buf_adds(&b, "\"}");
	ck_assert_int_ne(fast(b.data, b.len, &a), 0);
	untouched(&a);
	ck_assert_int_ne(slow(b.data, b.len, &a), 0);
	md_submission_free(&a);
	memset(&a, 0, sizeof a);
	/* 4000 is not. */
	memmove(b.data + 29, b.data + 30, b.len - 30);
	b.len--;
	ck_assert_int_eq(fast(b.data, b.len, &a), 0);
	ck_assert_uint_eq(strlen(a.text), 4000);
	md_submission_free(&a);
	md_buf_free(&b);
}
END_TEST

/*
 * Random mutations of the good bodies: whatever the fast path takes, the
 * slow path takes the same way; whatever the slow path refuses, the fast
 * path gives up on.
 */
START_TEST(mutations)
{
	static const char pieces[][8] = { "\"", "\\", "{", "}", ",", ":",
		"null", "\\u", "\\n", " ", "\xe4", "\x80", "0", "[", "\\ud83d",
		"\\\"" };
	unsigned seed = 20221111;
	int n, took = 0, refused = 0;

	for (n = 0; n < 3000; n++) {
		const char *src = good[(size_t)rand_r(&seed) % MD_NELEM(good)];
		size_t len = strlen(src), at, cut;
		struct md_buf b = { 0 };
		struct md_submission a = { 0 }, s = { 0 };
		int rf, rs;

		at = (size_t)rand_r(&seed) % (len + 1);
		switch (rand_r(&seed) % 4) {
		case 0:		/* a byte changed */
			md_buf_add(&b, src, len);
			if (at < len)
				b.data[at] = (char)(rand_r(&seed) & 0xff);
			break;
		case 1:		/* cut short */
			md_buf_add(&b, src, at);
			break;
		case 2:		/* a piece put in */
			md_buf_add(&b, src, at);
			md_buf_adds(&b, pieces[(size_t)rand_r(&seed) %
			    MD_NELEM(pieces)]);
			md_buf_add(&b, src + at, len - at);
			break;
		default:	/* a run taken out */
			cut = (size_t)rand_r(&seed) % 8;
			if (cut > len - at)
				cut = len - at;
			md_buf_add(&b, src, at);
			md_buf_add(&b, src + at + cut, len - at - cut);
			break;
		}
		if (b.data == NULL)
			md_buf_add(&b, "", 0);
		rf = fast(b.data, b.len, &a);
		rs = slow(b.data, b.len, &s);
		if (rf == 0) {
			ck_assert_msg(rs == 0, "the fast path took what the slow "
			    "path refuses: %.*s", (int)b.len, b.data);
			same_submission(&a, &s);
			took++;
		} else {
			untouched(&a);
		}
		refused += rs != 0;
		md_submission_free(&a);
		md_submission_free(&s);
		md_buf_free(&b);
	}
	/* Both kinds were tried. */
	ck_assert_int_gt(took, 300);
	ck_assert_int_gt(refused, 300);
}
END_TEST

/* md_submission_write writes md_submission_json's tree, byte for byte. */
START_TEST(answer_without_a_tree)
{
	size_t i;

	for (i = 0; i < MD_NELEM(good); i++) {
		struct md_submission a = { 0 };
		struct md_buf b = { 0 };
		json_t *tree;
		char *want;
		size_t k;

		ck_assert_int_eq(fast(good[i], strlen(good[i]), &a), 0);
		a.id = (int64_t)i * 1000003 + 1;
		snprintf(a.received_at, sizeof a.received_at,
		    "2022-11-2%zuT08:00:00.000Z", i % 10);
		/* As the store leaves them. */
		for (k = 0; k < a.nfindings; k++)
			a.findings[k].flag_id = (int64_t)(k * 7 + 1);
		tree = md_submission_json(&a);
		want = md_json_dumps(tree, NULL);
		md_submission_write(&b, &a);
		md_buf_add(&b, "", 0);
		ck_assert_str_eq(b.data, want);
		free(want);
		json_decref(tree);
		md_buf_free(&b);
		md_submission_free(&a);
	}
}
END_TEST

/*
 * md_finding_write writes what md_json_write writes of md_findings_json's
 * objects, with the measures' text and without, for findings of every
 * shape: several cited items among them.
 */
static const char *const violations[] = {
	"即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学，恢复时间另行通知。",
	"市疫情防控指挥部通告：全市所有进出通道一律关闭，车辆禁止通行，非必要不离开本市，"
	"解除时间另行通知。",
	"我家孩子发烧三十九度，去县医院急诊被要求先出示二十四小时核酸阴性证明，否则不予接诊。",
	"本人所在地区不是高风险区，但返乡时村里要求必须集中隔离七天，并自费承担隔离费用。",
	"小区没有任何病例，却被物业用铁皮围挡封住大门，要求每天做核酸才能出门，"
	"全员核酸检测每天一次，所有企业一律停工停产。",
	"各地要严格执行国家统一的防控政策，不得随意封校停课、停工停产。",
	"全区实行静默管理，所有人员足不出户，快递外卖一律暂停，药店停止营业。",
};

START_TEST(findings_without_a_tree)
{
	size_t i, k, seen = 0, also = 0;
	int text;

	for (i = 0; i < MD_NELEM(violations); i++) {
		struct md_input in = { 0 };
		struct md_error err = { 0 };
		struct md_result r;

		in.name = "t";
		in.text = violations[i];
		in.len = strlen(violations[i]);
		in.kind = "complaint";
		in.occurred_at = "2022-11-25";
		ck_assert_int_eq(md_engine_check(srv.rt->engine, &in, &r,
		    &err), 0);
		for (text = 0; text < 2; text++) {
			json_t *arr = md_findings_json(&r, text);

			for (k = 0; k < r.n; k++) {
				struct md_buf b = { 0 };
				char *want = md_json_dumps(json_array_get(arr, k),
				    NULL);

				md_finding_write(&b, &r, &r.findings[k], text);
				md_buf_add(&b, "", 0);
				ck_assert_str_eq(b.data, want);
				free(want);
				md_buf_free(&b);
				seen++;
				also += r.findings[k].nalso > 0;
			}
			json_decref(arr);
		}
		md_result_free(&r);
	}
	ck_assert_uint_gt(seen, 10);
	ck_assert_uint_gt(also, 0);
}
END_TEST

/* Dates are YYYY-MM-DD in digits, real days of the calendar. */
START_TEST(dates)
{
	static const char *const yes[] = { "2022-11-20", "2024-02-29",
		"2000-02-29", "1900-01-01", "2022-12-31" };
	static const char *const no[] = { "2023-02-29", "1900-02-29",
		"2022-13-01", "2022-00-10", "2022-11-00", "2022-04-31",
		"2022- 1-01", "+022-01-01", " 2022-1-01", "2022-11-2a",
		"1899-12-31", "2022/11/20", "", "2022-11-200" };
	char out[11];
	size_t i;

	for (i = 0; i < MD_NELEM(yes); i++)
		ck_assert_msg(md_date_valid(yes[i]), "%s", yes[i]);
	for (i = 0; i < MD_NELEM(no); i++)
		ck_assert_msg(!md_date_valid(no[i]), "%s", no[i]);
	ck_assert_int_eq(md_cst_date("2022-11-20T20:30:00Z", out), 0);
	ck_assert_str_eq(out, "2022-11-21");
	ck_assert_int_eq(md_cst_date("2022-11-20T08:30:00+08:00", out), 0);
	ck_assert_str_eq(out, "2022-11-20");
	ck_assert_int_ne(md_cst_date("2022-11-20T25:30:00Z", out), 0);
	ck_assert_int_ne(md_cst_date("2022-11- 1T08:30:00Z", out), 0);
	ck_assert_int_ne(md_cst_date("2022-11-20T08", out), 0);
	ck_assert_int_ne(md_cst_date("2022-1", out), 0);
	ck_assert_int_ne(md_cst_date("2022-+1-01T08:30:00Z", out), 0);
	ck_assert_int_ne(md_cst_date("2022-11-20T08:30:00+8:00", out), 0);
	ck_assert_int_ne(md_cst_date("2022-11-20T08:30:00+ 8:00", out), 0);
	ck_assert_int_eq(md_cst_date("2022-11-20 08:30:00.250-05:00", out), 0);
	ck_assert_str_eq(out, "2022-11-20");
}
END_TEST

/* md_copy cuts a long name at a character, never inside one. */
START_TEST(copy_cuts_at_a_character)
{
	char out[8];

	md_copy(out, sizeof out, "hotline");
	ck_assert_str_eq(out, "hotline");
	md_copy(out, sizeof out, NULL);
	ck_assert_str_eq(out, "");
	md_copy(out, sizeof out, "abcdefghij");
	ck_assert_str_eq(out, "abcdefg");
	/* 热线平台: three bytes a character; seven bytes hold two. */
	md_copy(out, sizeof out, "热线平台");
	ck_assert_str_eq(out, "热线");
	md_copy(out, sizeof out, "a热线平台");
	ck_assert_str_eq(out, "a热线");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("intake");
	TCase *tc = tcase_create("fast path");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fast_matches_slow);
	tcase_add_test(tc, fast_gives_up);
	tcase_add_test(tc, text_limit);
	tcase_add_test(tc, mutations);
	tcase_add_test(tc, answer_without_a_tree);
	tcase_add_test(tc, findings_without_a_tree);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, copy_cuts_at_a_character);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
