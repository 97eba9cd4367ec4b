/*
 * test_rules.c - the rule compiler: bad patterns, schema errors, hostile
 * XML, all with file:line; limits that turn a catastrophic pattern into
 * "not evaluated" instead of a hang or a silent "no match".
 */
#include <errno.h>

#include "rules.h"
#include "testutil.h"
#include "text.h"

#define SCHEMA MD_SRCDIR "/etc/schema/rules.rng"

static const char *head =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rules xmlns=\"urn:measured:rules:1\" plugin=\"closure\">\n";

static char *
pack_with(const char *dir, const char *rule)
{
	char *xml = md_xasprintf("%s%s</rules>\n", head, rule);
	char *p = tu_write(dir, "closure.rules.xml", xml);

	free(xml);
	return p;
}

static void
expect_error(const char *rule, const char *want)
{
	struct md_error err = { 0 };
	char *d = tu_tmpdir(), *p = pack_with(d, rule);

	ck_assert_ptr_null(md_rulepack_load(p, SCHEMA, &err));
	ck_assert_msg(strstr(err.msg, want) != NULL, "wanted \"%s\" in: %s",
	    want, err.msg);
	ck_assert_msg(strncmp(err.msg, p, strlen(p)) == 0,
	    "message does not start with the file: %s", err.msg);
	free(p);
	tu_rmdir(d);
}

START_TEST(good_pack_loads)
{
	struct md_error err = { 0 };
	struct md_rulepack *pack;
	size_t n;

	pack = md_rulepack_load(MD_SRCDIR "/plugins/closure/closure.rules.xml",
	    SCHEMA, &err);
	ck_assert_msg(pack != NULL, "%s", err.msg);
	ck_assert_str_eq(pack->plugin, "closure");
	ck_assert_uint_gt(pack->nrules, 3);
	ck_assert_ptr_nonnull(md_rule_cites(&pack->rules[0], "2022-11-11",
	    &n));
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(md_rule_cites(&pack->rules[0], "1999-01-01", &n));
	ck_assert_uint_eq(n, 0);
	md_rulepack_free(pack);
}
END_TEST

START_TEST(bad_pattern_names_file_line_offset)
{
	expect_error(
	    "<rule id=\"closure.x\" category=\"closure.school\" severity=\"2\">\n"
	    "<cite version=\"2022-11-11\" item=\"2.18\"/><reason>r</reason>\n"
	    "<pattern>停课(</pattern>\n"
	    "<example>停课</example></rule>\n",
	    ".xml:5: rule closure.x: bad pattern /停课(/ at offset 7: "
	    "missing closing parenthesis");
}
END_TEST

START_TEST(bad_condition_pattern)
{
	expect_error(
	    "<rule id=\"closure.x\" category=\"closure.school\" severity=\"2\">\n"
	    "<cite version=\"2022-11-11\" item=\"2.18\"/><reason>r</reason>\n"
	    "<pattern>停课</pattern>\n"
	    "<exclude in=\"clause\">[z-a]</exclude>\n"
	    "<example>停课</example></rule>\n",
	    ".xml:6: rule closure.x: bad pattern /[z-a]/");
}
END_TEST

START_TEST(schema_error_names_line)
{
	/* No reason element. */
	expect_error(
	    "<rule id=\"closure.x\" category=\"closure.school\" severity=\"2\">\n"
	    "<cite version=\"2022-11-11\" item=\"2.18\"/>\n"
	    "<pattern>停课</pattern>\n"
	    "<example>停课</example></rule>\n",
	    ".xml:5: Did not expect element pattern there");
}
END_TEST

START_TEST(severity_out_of_range)
{
	expect_error(
	    "<rule id=\"closure.x\" category=\"closure.school\" severity=\"9\">\n"
	    "<cite version=\"2022-11-11\" item=\"2.18\"/><reason>r</reason>\n"
	    "<example>停课</example></rule>\n",
	    ".xml:3: ");
}
END_TEST

START_TEST(unknown_element_refused)
{
	expect_error(
	    "<rule id=\"closure.x\" category=\"closure.school\" severity=\"2\">\n"
	    "<cite version=\"2022-11-11\" item=\"2.18\"/><reason>r</reason>\n"
	    "<pattern>停课</pattern><colour>red</colour>\n"
	    "<example>停课</example></rule>\n",
	    ".xml:5: ");
}
END_TEST

START_TEST(duplicate_rule_id)
{
	expect_error(
	    "<rule id=\"closure.x\" category=\"closure.school\" severity=\"2\">\n"
	    "<cite version=\"2022-11-11\" item=\"2.18\"/><reason>r</reason>\n"
	    "<pattern>停课</pattern><example>停课</example></rule>\n"
	    "<rule id=\"closure.x\" category=\"closure.school\" severity=\"2\">\n"
	    "<cite version=\"2022-11-11\" item=\"2.18\"/><reason>r</reason>\n"
	    "<pattern>封校</pattern><example>封校</example></rule>\n",
	    ".xml:6: rule id closure.x is already used at line 3");
}
END_TEST

START_TEST(not_well_formed)
{
	struct md_error err = { 0 };
	char *d = tu_tmpdir();
	char *p = tu_write(d, "x.rules.xml", "<?xml version=\"1.0\"?>\n"
	    "<rules xmlns=\"urn:measured:rules:1\" plugin=\"x\">\n"
	    "<rule>\n</rules>\n");

	ck_assert_ptr_null(md_rulepack_load(p, SCHEMA, &err));
	ck_assert_msg(strstr(err.msg, "x.rules.xml:4: ") != NULL, "%s",
	    err.msg);
	free(p);
	tu_rmdir(d);
}
END_TEST

START_TEST(entity_expansion_refused)
{
	struct md_error err = { 0 };
	char *d = tu_tmpdir();
	char *p = tu_write(d, "x.rules.xml", "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE rules [\n"
	    "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	    "<!ENTITY x SYSTEM \"file:///etc/passwd\">\n"
	    "]>\n"
	    "<rules xmlns=\"urn:measured:rules:1\" plugin=\"x\">&c;&x;</rules>\n");

	ck_assert_ptr_null(md_rulepack_load(p, SCHEMA, &err));
	ck_assert_msg(strstr(err.msg, "DOCTYPE is not allowed") != NULL,
	    "%s", err.msg);
	free(p);
	tu_rmdir(d);
}
END_TEST

START_TEST(catastrophic_pattern_is_not_evaluated)
{
	struct md_regex re;
	struct md_matcher m;
	char msg[256], text[64];
	size_t s, e;

	memset(text, 'a', 40);
	text[40] = 'b';
	text[41] = '\0';
	ck_assert_int_eq(md_regex_compile(&re, "^(a+)+$", msg, sizeof msg),
	    0);
	md_matcher_init(&m);
	ck_assert_int_eq(md_regex_search(&re, &m, text, 0, strlen(text), &s,
	    &e), -ERANGE);
	ck_assert_uint_eq(m.limit_hits, 1);
	/* The same matcher still works afterwards. */
	ck_assert_int_eq(md_regex_search(&re, &m, "aaa", 0, 3, &s, &e), 1);
	ck_assert_uint_eq(e, 3);
	md_matcher_free(&m);
	md_regex_free(&re);
}
END_TEST

START_TEST(search_respects_bounds)
{
	struct md_regex re;
	struct md_matcher m;
	char msg[256];
	const char *t = "停课，停课";
	size_t s, e;

	ck_assert_int_eq(md_regex_compile(&re, "停课", msg, sizeof msg), 0);
	md_matcher_init(&m);
	ck_assert_int_eq(md_regex_search(&re, &m, t, 1, strlen(t), &s, &e), 1);
	ck_assert_uint_eq(s, strlen("停课，"));
	ck_assert_int_eq(md_regex_search(&re, &m, t, 0, 5, &s, &e), 0);
	md_matcher_free(&m);
	md_regex_free(&re);
}
END_TEST

START_TEST(ucp_classes_understand_chinese)
{
	struct md_regex re;
	struct md_matcher m;
	char msg[256];
	size_t s, e;

	ck_assert_int_eq(md_regex_compile(&re, "^\\w+$", msg, sizeof msg), 0);
	md_matcher_init(&m);
	ck_assert_int_eq(md_regex_search(&re, &m, "停课", 0, strlen("停课"),
	    &s, &e), 1);
	md_matcher_free(&m);
	md_regex_free(&re);
}
END_TEST

/* The plain patterns' search without PCRE2, and the literal precheck,
 * give what PCRE2 gives, from every place and to every end. */
START_TEST(search_agrees_with_pcre2)
{
	static const char *const patterns[] = { "确诊|阳性|密接|密切接触者",
		"全(?:区|区域|市)|区域|所有", "a(?:b|bc)d|abc", "全区域|全区",
		"(?:经|报经)[^,;。]{0,4}(?:批准|同意)|依法批准" };
	static const char *const frags[] = { "确诊", "阳性", "密", "接",
		"密切接触者", "全", "区", "域", "市", "所有", "a", "b", "c",
		"d", "经", "报", "批准", "同意", "依法", "，", "。", "x" };
	struct md_matcher m;
	struct md_regex re;
	uint32_t seed = 11;
	char msg[256], text[96 + MD_TEXT_PAD];
	size_t i, round, len, from, to, s, e;
	int rc, want;

	md_matcher_init(&m);
	for (i = 0; i < MD_NELEM(patterns); i++) {
		ck_assert_int_eq(md_regex_compile(&re, patterns[i], msg,
		    sizeof msg), 0);
		ck_assert((re.plain != NULL) == (i < 4));
		for (round = 0; round < 300; round++) {
			memset(text, 0, sizeof text);
			for (len = 0;;) {
				const char *f;

				seed = seed * 1103515245u + 12345u;
				f = frags[(seed >> 16) % MD_NELEM(frags)];
				if (len + strlen(f) > 96 || (seed >> 8) % 13 == 0)
					break;
				memcpy(text + len, f, strlen(f));
				len += strlen(f);
			}
			for (from = 0; from <= len; from++) {
				if (((unsigned char)text[from] & 0xc0) == 0x80)
					continue;
				for (to = from; to <= len; to++) {
					PCRE2_SIZE *ov;

					if (((unsigned char)text[to] & 0xc0) ==
					    0x80)
						continue;
					want = pcre2_match(re.code,
					    (PCRE2_SPTR)text, to, from, 0,
					    m.md, m.mctx) >= 0;
					ov = pcre2_get_ovector_pointer(m.md);
					rc = md_regex_search(&re, &m, text,
					    from, to, &s, &e);
					ck_assert_int_eq(rc, want);
					if (want) {
						ck_assert_uint_eq(s, ov[0]);
						ck_assert_uint_eq(e, ov[1]);
					}
				}
			}
		}
		md_regex_free(&re);
	}
	md_matcher_free(&m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, good_pack_loads);
	tcase_add_test(tc, bad_pattern_names_file_line_offset);
	tcase_add_test(tc, bad_condition_pattern);
	tcase_add_test(tc, schema_error_names_line);
	tcase_add_test(tc, severity_out_of_range);
	tcase_add_test(tc, unknown_element_refused);
	tcase_add_test(tc, duplicate_rule_id);
	tcase_add_test(tc, not_well_formed);
	tcase_add_test(tc, entity_expansion_refused);
	tcase_add_test(tc, catastrophic_pattern_is_not_evaluated);
	tcase_add_test(tc, search_respects_bounds);
	tcase_add_test(tc, search_agrees_with_pcre2);
	tcase_add_test(tc, ucp_classes_understand_chinese);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
