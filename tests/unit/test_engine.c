/*
 * test_engine.c - the engine end to end over the bundled plugins, rules
 * and catalogues: the date and where it came from, the version in force,
 * the measure cited, offsets through full-width text, negation, dedupe,
 * errors, the limit on a catastrophic rule, and what one check remembers
 * not leaking into the next.
 */
#include "testutil.h"

static struct md_engine *E;

static void
setup(void)
{
	struct md_error err = { 0 };

	E = tu_engine(NULL, &err);
	ck_assert_msg(E != NULL, "%s", err.msg);
}

static void
teardown(void)
{
	md_engine_free(E);
	E = NULL;
}

static int
has_category(const struct md_result *r, const char *cat)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->findings[i].category, cat) == 0)
			return 1;
	return 0;
}

START_TEST(school_closure_cites_16_and_18)
{
	const char *t = "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。";
	struct md_result r;
	const struct md_found *f;

	ck_assert_int_eq(tu_check(E, t, "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 1);
	f = &r.findings[0];
	ck_assert_str_eq(f->category, "closure.school");
	ck_assert_str_eq(r.measures->version, "2022-11-11");
	ck_assert_str_eq(f->item->id, "2.16");
	ck_assert_uint_eq(f->nalso, 1);
	ck_assert_str_eq(f->also[0]->id, "2.18");
	ck_assert_ptr_nonnull(strstr(f->item->text, "严禁随意封校停课"));
	ck_assert_int_ge(f->severity, 1);
	ck_assert_int_le(f->severity, 5);
	ck_assert(f->confidence > 0 && f->confidence <= 1);
	ck_assert_uint_eq(f->end - f->start, strlen("暂停线下教学"));
	ck_assert(memcmp(t + f->start, "暂停线下教学", f->end - f->start) ==
	    0);
	ck_assert_ptr_nonnull(strstr(f->excerpt, "暂停线下教学"));
	ck_assert(memcmp(f->excerpt + f->ex_start, "暂停线下教学",
	    f->ex_end - f->ex_start) == 0);
	md_result_free(&r);
}
END_TEST

/*
 * One engine checks one document after another, and what it remembered
 * of a condition in the last one (the same sentence, the same condition)
 * is not an answer for the next.
 */
START_TEST(conditions_remembered_per_document)
{
	const char *open = "即日起，全区中小学、幼儿园一律暂停线下教学。";
	const char *outage = "因停电，全区中小学、幼儿园一律暂停线下教学。";
	struct md_result r;
	int i;

	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(tu_check(E, i % 2 ? outage : open,
		    "2022-11-20", &r), 0);
		ck_assert_msg(has_category(&r, "closure.school") == !(i % 2),
		    "check %d: %zu findings", i, r.n);
		md_result_free(&r);
	}
}
END_TEST

START_TEST(restated_prohibition_is_nothing)
{
	struct md_result r;

	ck_assert_int_eq(tu_check(E, "各地要严格执行国家统一的防控政策，不得随意"
	    "封校停课、停工停产。", "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 0);
	md_result_free(&r);
}
END_TEST

START_TEST(version_by_date)
{
	const char *t = "经研究决定，在全区范围内开展全员核酸检测。";
	struct md_result r;

	ck_assert_int_eq(tu_check(E, t, "2022-11-20", &r), 0);
	ck_assert_str_eq(r.measures->version, "2022-11-11");
	ck_assert(has_category(&r, "testing.mass"));
	md_result_free(&r);

	ck_assert_int_eq(tu_check(E, t, "2022-11-10", &r), 0);
	ck_assert_str_eq(r.measures->version, "2022-06-28");
	ck_assert(!has_category(&r, "testing.mass"));
	md_result_free(&r);

	ck_assert_int_eq(tu_check(E, t, "2022-11-11", &r), 0);
	ck_assert_str_eq(r.measures->version, "2022-11-11");
	md_result_free(&r);

	/* Before any version: nothing applies, and the result says so. */
	ck_assert_int_eq(tu_check(E, t, "2020-01-01", &r), 0);
	ck_assert_ptr_null(r.measures);
	ck_assert_uint_eq(r.n, 0);
	md_result_free(&r);
}
END_TEST

/*
 * Stated durations by population, parsed and compared with the limits of
 * the version in force: the reason quotes what the text said.
 */
START_TEST(quarantine_durations_by_population)
{
	static const struct {
		const char *text, *date, *said;	/* said NULL: no finding */
	} cases[] = {
		{ "对密切接触者实行7+3管理。", "2022-11-20",
		    "集中隔离7天、其后居家3天" },
		{ "对密切接触者实行7+3管理。", "2022-11-05", NULL },
		{ "对密接实行集中隔离十天。", "2022-11-20", "集中隔离10天" },
		{ "入境人员实行“5天集中隔离+3天居家隔离”。", "2022-11-20", NULL },
		{ "高风险区外溢人员一律集中隔离7天。", "2022-11-20",
		    "集中隔离7天" },
		{ "高风险区外溢人员居家隔离7天。", "2022-11-20", NULL },
		{ "返乡人员须居家隔离十四天。", "2022-11-20", "居家隔离14天" },
		{ "高风险岗位从业人员居家健康监测5天。", "2022-11-20", NULL },
		/* 新十条: contacts at home; 乙类乙管: no quarantine at all. */
		{ "对密切接触者实行5天集中隔离+3天居家隔离。", "2022-11-20",
		    NULL },
		{ "对密切接触者实行5天集中隔离+3天居家隔离。", "2022-12-10",
		    "集中隔离5天" },
		{ "对密切接触者实行5天居家隔离。", "2022-12-10", NULL },
		{ "对密切接触者实行5天居家隔离。", "2023-01-10",
		    "居家隔离5天" },
		/* The statement is in a later clause than the match's start:
		 * the host's asks_at decides, the same way it does where a
		 * match starts (questions, hearsay; a protest is no question). */
		{ "我是密接，请问要集中隔离10天吗？", "2022-11-20", NULL },
		{ "我是密接，要集中隔离几天？", "2022-11-20", NULL },
		{ "听说对密接要集中隔离10天。", "2022-11-20", NULL },
		{ "我是密接，凭什么集中隔离10天？", "2022-11-20",
		    "集中隔离10天" },
	};
	struct md_result r;
	size_t i, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct md_found *f = NULL;

		ck_assert_int_eq(tu_check(E, cases[i].text, cases[i].date,
		    &r), 0);
		for (k = 0; k < r.n; k++)
			if (strcmp(r.findings[k].category,
			    "quarantine.excess") == 0)
				f = &r.findings[k];
		if (cases[i].said == NULL) {
			ck_assert_msg(f == NULL, "%s (%s): %s", cases[i].text,
			    cases[i].date, f ? f->reason : "");
		} else {
			ck_assert_msg(f != NULL, "%s (%s): no finding",
			    cases[i].text, cases[i].date);
			ck_assert_msg(strstr(f->reason, cases[i].said) != NULL,
			    "%s: reason \"%s\" lacks \"%s\"", cases[i].text,
			    f->reason, cases[i].said);
			ck_assert_str_eq(f->item->id, strcmp(cases[i].date,
			    "2023-01-08") >= 0 ? "13.1" : strcmp(cases[i].date,
			    "2022-12-07") >= 0 ? "12.3" : f->item->id);
		}
		md_result_free(&r);
	}
}
END_TEST

START_TEST(date_sources)
{
	const char *t = "即日起全区中小学停课。\n\n某某区教育局\n2022年11月21日\n";
	struct md_input in = { 0 };
	struct md_error err = { 0 };
	struct md_result r;

	in.name = "t";
	in.text = t;
	in.len = strlen(t);
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), 0);
	ck_assert_str_eq(r.date, "2022-11-21");
	ck_assert_str_eq(r.date_source, "text");
	md_result_free(&r);

	in.published_at = "2022-11-19";
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), 0);
	ck_assert_str_eq(r.date_source, "published_at");
	ck_assert_str_eq(r.date, "2022-11-19");
	md_result_free(&r);

	in.occurred_at = "2022-11-18";
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), 0);
	ck_assert_str_eq(r.date_source, "occurred_at");
	md_result_free(&r);

	in.date = "2022-10-01";
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), 0);
	ck_assert_str_eq(r.date_source, "option");
	ck_assert_str_eq(r.measures->version, "2022-06-28");
	ck_assert_uint_eq(r.n, 0);
	md_result_free(&r);

	in = (struct md_input){ .name = "t", .text = "全区停课。", .len =
	    strlen("全区停课。"), .received = "2022-11-25" };
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), 0);
	ck_assert_str_eq(r.date_source, "received");
	md_result_free(&r);

	in.received = NULL;
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), 0);
	ck_assert_str_eq(r.date_source, "today");
	md_result_free(&r);
}
END_TEST

START_TEST(offsets_through_full_width_text)
{
	/* Full-width digits and punctuation before the span: 3 bytes each
	 * as given, 1 byte each normalized. */
	const char *t = "ＡＢＣ１２３，全区中小学一律停课！";
	struct md_result r;
	const struct md_found *f;

	ck_assert_int_eq(tu_check(E, t, "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 1);
	f = &r.findings[0];
	ck_assert_uint_eq(f->start, strlen("ＡＢＣ１２３，全区中小学一律"));
	ck_assert(memcmp(t + f->start, "停课", f->end - f->start) == 0);
	ck_assert_uint_eq(f->nstart, strlen("ABC123,全区中小学一律"));
	ck_assert_str_eq(f->excerpt, t);
	md_result_free(&r);
}
END_TEST

START_TEST(invalid_utf8_is_an_error)
{
	struct md_input in = { 0 };
	struct md_error err = { 0 };
	struct md_result r;

	in.name = "doc.txt";
	in.text = "停课\xff";
	in.len = strlen(in.text);
	in.date = "2022-11-20";
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), -1);
	ck_assert_str_eq(err.msg, "doc.txt: invalid UTF-8 at byte 6");
	ck_assert_uint_eq(r.n, 0);
	md_result_free(&r);
}
END_TEST

START_TEST(bad_date_is_an_error)
{
	struct md_input in = { 0 };
	struct md_error err = { 0 };
	struct md_result r;

	in.name = "doc.txt";
	in.text = "停课";
	in.len = strlen(in.text);
	in.date = "2022-13-01";
	ck_assert_int_eq(md_engine_check(E, &in, &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a valid YYYY-MM-DD"));
	md_result_free(&r);
}
END_TEST

/*
 * A check finds the clause of an offset in a map of the text's bytes, 16
 * bits a byte; a text of more clauses than that has none and is searched
 * instead.  Either way a match's clause is its own: the 不得 of the
 * clause before 全区中小学停课 does not negate it (a clause taken for
 * another, 70,001 wrapped to 4,465, would start before 不得), the one
 * inside the clause does.
 */
START_TEST(clauses_past_the_map)
{
	const size_t n = 70000;
	const char *tails[] = { "不得外出,全区中小学停课。",
		"全区中小学不得停课。" };
	char *t = md_xmalloc(n * 4 + 64);
	struct md_result r;
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(t + 4 * i, "好,", 4);
	for (i = 0; i < MD_NELEM(tails); i++) {
		strcpy(t + 4 * n, tails[i]);
		ck_assert_int_eq(tu_check(E, t, "2022-11-20", &r), 0);
		ck_assert_uint_eq(r.n, i == 0);
		if (i == 0)
			ck_assert_uint_eq(r.findings[0].start, 4 * n +
			    strlen("不得外出,全区中小学"));
		md_result_free(&r);
	}
	free(t);
}
END_TEST

START_TEST(same_category_same_sentence_once)
{
	struct md_result r;

	ck_assert_int_eq(tu_check(E, "全区中小学停课，暂停线下教学，转为线上教学。",
	    "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 1);
	md_result_free(&r);
	ck_assert_int_eq(tu_check(E, "全区中小学停课。全市高校封校。",
	    "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 2);
	md_result_free(&r);
}
END_TEST

/* One rule of closure.school for closure_pack_engine, citing item 2.18
 * of version (freed by the caller). */
static char *
closure_rule_of(const char *id, const char *version, const char *pattern,
    const char *example)
{
	return md_xasprintf(
	    " <rule id=\"%s\" category=\"closure.school\" severity=\"2\">\n"
	    "  <cite version=\"%s\" item=\"2.18\"/>\n"
	    "  <reason>r</reason><pattern>%s</pattern>\n"
	    "  <example>%s</example>\n"
	    " </rule>\n", id, version, pattern, example);
}

/* The same, citing version 2022-11-11. */
static char *
closure_rule(const char *id, const char *pattern, const char *example)
{
	return closure_rule_of(id, "2022-11-11", pattern, example);
}

/* An engine whose closure pack holds the rules given (closure_rule's,
 * concatenated), written in directory d (removed by the caller). */
static struct md_engine *
closure_pack_engine(const char *d, const char *rules_xml)
{
	struct md_error err = { 0 };
	struct md_engine *e;
	char *xml, *rules, *body, *conf;

	xml = md_xasprintf(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<rules xmlns=\"urn:measured:rules:1\" plugin=\"closure\">\n"
	    "%s</rules>\n", rules_xml);
	rules = tu_write(d, "closure.rules.xml", xml);
	body = md_xasprintf("<rules-dir>%s</rules-dir>", d);
	conf = tu_conf(d, body);
	e = tu_engine(conf, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	free(xml);
	free(rules);
	free(body);
	free(conf);
	return e;
}

/* An engine whose closure pack is the one rule id with pattern. */
static struct md_engine *
closure_rule_engine(const char *d, const char *id, const char *pattern,
    const char *example)
{
	char *rule = closure_rule(id, pattern, example);
	struct md_engine *e = closure_pack_engine(d, rule);

	free(rule);
	return e;
}

START_TEST(prefix_starts_in_text_order)
{
	/* Both prefix literals open a match; the prefilter reports 乙 (it
	 * ends first) before 甲乙丙 (it starts first).  The match is tried
	 * first where the text starts it, so the span is the longer one. */
	const char *t = "全区甲乙丙中小学停课。";
	struct md_engine *e;
	struct md_result r;
	char *d = tu_tmpdir();

	e = closure_rule_engine(d, "closure.nested", "(?:甲乙丙|乙)[^。]*停课",
	    "甲乙丙停课");
	ck_assert_int_eq(tu_check(e, t, "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.findings[0].start, strstr(t, "甲") - t);
	md_result_free(&r);
	md_engine_free(e);
	tu_rmdir(d);
}
END_TEST

/*
 * Two patterns that start with the same literals share one prefilter id,
 * so one list of their starts: each rule still finds its own match there,
 * whichever asks first.
 */
START_TEST(equal_literal_sets_share_an_id)
{
	const char *t = "全区停课三天。全市封校一周。";
	struct md_plugin_info pi;
	struct md_engine *e;
	struct md_result r;
	char *d = tu_tmpdir(), *a, *b, *both;
	size_t i;

	a = closure_rule("closure.three", "(?:停课|封校)[^。]{0,4}三天",
	    "停课三天");
	b = closure_rule("closure.week", "(?:封校|停课)[^。]{0,4}一周",
	    "封校一周");
	both = md_xasprintf("%s%s", a, b);
	e = closure_pack_engine(d, both);
	for (i = 0; md_engine_plugin(e, i, &pi) == 0; i++)
		if (strcmp(pi.name, "closure") == 0)
			break;
	ck_assert_ptr_nonnull(pi.pack);
	ck_assert_uint_eq(pi.pack->nrules, 2);
	ck_assert_uint_ne(pi.pack->rules[0].patterns[0].prefix_id, 0);
	ck_assert_uint_eq(pi.pack->rules[0].patterns[0].prefix_id,
	    pi.pack->rules[1].patterns[0].prefix_id);
	ck_assert_int_eq(tu_check(e, t, "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.findings[0].rule->id, "closure.three");
	ck_assert_uint_eq(r.findings[0].start, strstr(t, "停课") - t);
	ck_assert_str_eq(r.findings[1].rule->id, "closure.week");
	ck_assert_uint_eq(r.findings[1].start, strstr(t, "封校") - t);
	md_result_free(&r);
	md_engine_free(e);
	free(a);
	free(b);
	free(both);
	tu_rmdir(d);
}
END_TEST

/*
 * Each catalogue version has its own prefilter, holding the literals of
 * the rules that apply under it.  Two rules of different versions whose
 * patterns start alike share their set of prefix literals (one id): the
 * set is in both versions' prefilters, and each version finds its own
 * rule's match and not the other's.
 */
START_TEST(literals_by_version)
{
	const char *t = "全区停课三天。全市封校一周。";
	struct md_engine *e;
	struct md_result r;
	char *d = tu_tmpdir(), *a, *b, *both;

	a = closure_rule_of("closure.three", "2022-11-11",
	    "(?:停课|封校)[^。]{0,4}三天", "停课三天");
	b = closure_rule_of("closure.week", "2022-12-07",
	    "(?:封校|停课)[^。]{0,4}一周", "封校一周");
	both = md_xasprintf("%s%s", a, b);
	e = closure_pack_engine(d, both);
	ck_assert_int_eq(tu_check(e, t, "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.findings[0].rule->id, "closure.three");
	md_result_free(&r);
	ck_assert_int_eq(tu_check(e, t, "2022-12-10", &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.findings[0].rule->id, "closure.week");
	ck_assert_uint_eq(r.findings[0].start, strstr(t, "封校") - t);
	md_result_free(&r);
	md_engine_free(e);
	free(a);
	free(b);
	free(both);
	tu_rmdir(d);
}
END_TEST

/*
 * A prefix pattern's literals are grouped by what a match starting with
 * them holds after them: a start is tried only where its group's
 * literals follow in the sentence.  全区 may begin either branch, 全市 and
 * 全区域 one each; at 全区域 both 全区's group and 全区域's start, and a
 * match needs only one of them to let it be tried.
 */
START_TEST(prefix_groups_rule_out_starts)
{
	const char *t = "全区居民参加。全市开展核酸检测。全区中小学停课。全区域内人员。";
	const struct md_regex *re;
	struct md_plugin_info pi;
	struct md_engine *e;
	struct md_result r;
	char *d = tu_tmpdir();
	size_t i;

	e = closure_rule_engine(d, "closure.groups",
	    "(?:全区|全市)[^。]{0,8}(?:核酸检测|筛查)|全区[^。]{0,4}居民|"
	    "全区域[^。]{0,4}人员", "全市开展核酸检测");
	for (i = 0; md_engine_plugin(e, i, &pi) == 0; i++)
		if (strcmp(pi.name, "closure") == 0)
			break;
	ck_assert_ptr_nonnull(pi.pack);
	re = &pi.pack->rules[0].patterns[0];
	ck_assert_uint_eq(re->ngroups, 3);
	for (i = 0; i < re->ngroups; i++)
		ck_assert_uint_ne(re->groups[i].rest_id, 0);
	ck_assert_int_eq(tu_check(e, t, "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(r.findings[0].start, 0);
	ck_assert_uint_eq(r.findings[1].start, strstr(t, "全市") - t);
	ck_assert_uint_eq(r.findings[2].start, strstr(t, "全区域") - t);
	md_result_free(&r);
	md_engine_free(e);
	tu_rmdir(d);
}
END_TEST

START_TEST(empty_text)
{
	struct md_result r;

	ck_assert_int_eq(tu_check(E, "", "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 0);
	md_result_free(&r);
}
END_TEST

START_TEST(catastrophic_rule_is_counted)
{
	struct md_engine *e;
	struct md_result r;
	char *d = tu_tmpdir(), text[80];

	e = closure_rule_engine(d, "closure.evil", "(a+)+停课", "aa停课");
	/* The literal is there, so the pattern runs, and backtracks. */
	memset(text, 'a', 40);
	strcpy(text + 40, "停停课");
	ck_assert_int_eq(tu_check(e, text, "2022-11-20", &r), 0);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_ge(r.not_evaluated, 1);
	md_result_free(&r);
	md_engine_free(e);
	tu_rmdir(d);
}
END_TEST

START_TEST(plugin_options)
{
	const char *t = "我们小区已经封了20多天。";
	struct md_error err = { 0 };
	struct md_engine *e;
	struct md_result r;
	char *d = tu_tmpdir(), *conf;

	/* Default: 7 days. */
	ck_assert_int_eq(tu_check(E, t, "2022-11-25", &r), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.findings[0].rule->id, "closure.lockdown.long");
	md_result_free(&r);

	conf = tu_conf(d, "<plugin name=\"closure\"><option "
	    "name=\"long-lockdown-days\">30</option></plugin>");
	e = tu_engine(conf, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	ck_assert_int_eq(tu_check(e, t, "2022-11-25", &r), 0);
	ck_assert_uint_eq(r.n, 0);
	md_result_free(&r);
	md_engine_free(e);
	free(conf);

	conf = tu_conf(d, "<plugin name=\"closure\"><option "
	    "name=\"long-lockdown-days\">soon</option></plugin>");
	ck_assert_ptr_null(tu_engine(conf, &err));
	ck_assert_msg(strstr(err.msg, "plugin closure failed to initialize") !=
	    NULL, "%s", err.msg);
	free(conf);
	tu_rmdir(d);
}
END_TEST

START_TEST(disabled_plugin_is_not_loaded)
{
	struct md_error err = { 0 };
	struct md_engine *e;
	struct md_result r;
	char *d = tu_tmpdir();
	char *conf = tu_conf(d, "");
	size_t all;

	/* One fewer than the bundled plugins, however many there are. */
	e = tu_engine(conf, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	all = md_engine_nplugins(e);
	ck_assert_uint_ge(all, 2);
	md_engine_free(e);
	free(conf);
	conf = tu_conf(d, "<plugin name=\"closure\" enabled=\"no\"/>");
	e = tu_engine(conf, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	ck_assert_uint_eq(md_engine_nplugins(e), all - 1);
	ck_assert_int_eq(tu_check(e, "即日起全区中小学停课。", "2022-11-20", &r),
	    0);
	ck_assert_uint_eq(r.n, 0);
	md_result_free(&r);
	md_engine_free(e);
	free(conf);
	tu_rmdir(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, school_closure_cites_16_and_18);
	tcase_add_test(tc, restated_prohibition_is_nothing);
	tcase_add_test(tc, conditions_remembered_per_document);
	tcase_add_test(tc, version_by_date);
	tcase_add_test(tc, quarantine_durations_by_population);
	tcase_add_test(tc, date_sources);
	tcase_add_test(tc, offsets_through_full_width_text);
	tcase_add_test(tc, invalid_utf8_is_an_error);
	tcase_add_test(tc, bad_date_is_an_error);
	tcase_add_test(tc, same_category_same_sentence_once);
	tcase_add_test(tc, clauses_past_the_map);
	tcase_add_test(tc, prefix_starts_in_text_order);
	tcase_add_test(tc, equal_literal_sets_share_an_id);
	tcase_add_test(tc, literals_by_version);
	tcase_add_test(tc, prefix_groups_rule_out_starts);
	tcase_add_test(tc, empty_text);
	tcase_add_test(tc, catastrophic_rule_is_counted);
	tcase_add_test(tc, plugin_options);
	tcase_add_test(tc, disabled_plugin_is_not_loaded);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
