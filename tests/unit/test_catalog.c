/*
 * test_catalog.c - versions by date, and a version that keeps an earlier
 * one in force (<keeps>): its items become the later version's, its own
 * items win, and a keeps of an unknown or later version is refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "testutil.h"

#define SCHEMA MD_SRCDIR "/etc/schema/measures.rng"

static char *
version_xml(const char *version, const char *keeps, const char *items)
{
	return md_xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<measures xmlns=\"urn:measured:measures:1\" version=\"%s\" "
	    "in-force-from=\"%s\">\n<title>t</title><issuer>i</issuer>"
	    "<issued>%s</issued>%s%s</measures>\n", version, version, version,
	    keeps, items);
}

static const char ITEM_A[] = "<item id=\"2.1\" part=\"二\" number=\"（一）\">"
    "<text>甲</text><gloss>a</gloss>"
    "<grounds category=\"closure.school\"/></item>";
static const char ITEM_B[] = "<item id=\"2.2\" part=\"二\" number=\"（二）\">"
    "<text>乙</text><gloss>b</gloss></item>";
static const char ITEM_B2[] = "<item id=\"2.2\" part=\"二\" number=\"（二）\">"
    "<text>乙改</text><gloss>b2</gloss></item>";
static const char ITEM_C[] = "<item id=\"12.1\" part=\"新\" number=\"一\">"
    "<text>丙</text><gloss>c</gloss></item>";

static void
write_version(const char *dir, const char *version, const char *keeps,
    const char *items)
{
	char *xml = version_xml(version, keeps, items);
	char *name = md_xasprintf("%s.xml", version);

	free(tu_write(dir, name, xml));
	free(name);
	free(xml);
}

START_TEST(keeps_earlier_items)
{
	struct md_catalog cat;
	struct md_error err = { 0 };
	const struct md_measures *m;
	const struct md_item *it;
	char *dir = tu_tmpdir(), *items = md_xasprintf("%s%s", ITEM_A, ITEM_B);
	char *later = md_xasprintf("%s%s", ITEM_B2, ITEM_C);

	write_version(dir, "2022-11-11", "", items);
	write_version(dir, "2022-12-07", "<keeps version=\"2022-11-11\"/>",
	    later);
	write_version(dir, "2023-01-08", "<keeps version=\"2022-12-07\"/>",
	    "<item id=\"13.1\" part=\"新\" number=\"一\"><text>丁</text>"
	    "<gloss>d</gloss></item>");
	ck_assert_msg(md_catalog_load(&cat, dir, SCHEMA, &err) == 0, "%s",
	    err.msg);
	ck_assert_uint_eq(cat.n, 3);
	m = md_catalog_in_force(&cat, "2022-12-20");
	ck_assert_str_eq(m->version, "2022-12-07");
	ck_assert_uint_eq(m->nitems, 3);
	it = md_measures_item(m, "2.1");
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(it->text, "甲");
	ck_assert_str_eq(it->kept_from, "2022-11-11");
	ck_assert(md_item_grounds(it, "closure.school"));
	/* Its own item of the same id wins. */
	it = md_measures_item(m, "2.2");
	ck_assert_str_eq(it->text, "乙改");
	ck_assert_ptr_null(it->kept_from);
	/* Chains: 2023-01-08 keeps 2022-12-07, which kept 2022-11-11. */
	m = md_catalog_in_force(&cat, "2023-02-01");
	ck_assert_uint_eq(m->nitems, 4);
	ck_assert_str_eq(md_measures_item(m, "2.1")->kept_from, "2022-11-11");
	ck_assert_str_eq(md_measures_item(m, "12.1")->kept_from, "2022-12-07");
	ck_assert_str_eq(md_measures_item(m, "2.2")->text, "乙改");
	/* The earlier version is untouched. */
	ck_assert_uint_eq(md_catalog_version(&cat, "2022-11-11")->nitems, 2);
	md_catalog_free(&cat);
	free(items);
	free(later);
	tu_rmdir(dir);
}
END_TEST

START_TEST(keeps_must_be_earlier_and_known)
{
	struct md_catalog cat;
	struct md_error err = { 0 };
	char *dir = tu_tmpdir();

	write_version(dir, "2022-11-11", "<keeps version=\"2022-12-07\"/>",
	    ITEM_A);
	write_version(dir, "2022-12-07", "", ITEM_C);
	ck_assert_int_ne(md_catalog_load(&cat, dir, SCHEMA, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "not earlier"));
	md_error_clear(&err);
	write_version(dir, "2022-11-11", "<keeps version=\"2020-01-01\"/>",
	    ITEM_A);
	ck_assert_int_ne(md_catalog_load(&cat, dir, SCHEMA, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "not in the catalogue"));
	tu_rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("keeps");
	SRunner *sr;
	int failed;

	md_xml_init();
	tcase_add_test(tc, keeps_earlier_items);
	tcase_add_test(tc, keeps_must_be_earlier_and_known);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
