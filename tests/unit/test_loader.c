/*
 * test_loader.c - the plugin loader and the ABI handshake: wrong major,
 * newer minor, missing symbol, not a regular file, an undeclared category
 * in a rule pack and one emitted at run time.
 */
#include <sys/stat.h>

#include "plugin.h"
#include "testutil.h"

#define TP MD_BUILDDIR "/tests/plugins/.libs/"

static void
expect_refused(const char *path, const char *msg1, const char *msg2)
{
	struct md_error err = { 0 };
	struct md_opened op;

	ck_assert_int_eq(md_plugin_open(path, &op, &err), -1);
	ck_assert_msg(strstr(err.msg, path) != NULL, "no path in: %s", err.msg);
	ck_assert_msg(strstr(err.msg, msg1) != NULL, "no \"%s\" in: %s", msg1,
	    err.msg);
	if (msg2 != NULL)
		ck_assert_msg(strstr(err.msg, msg2) != NULL,
		    "no \"%s\" in: %s", msg2, err.msg);
}

START_TEST(good_plugin_loads)
{
	struct md_error err = { 0 };
	struct md_opened op;

	ck_assert_int_eq(md_plugin_open(TP "good.so", &op, &err), 0);
	ck_assert_str_eq(op.desc->name, "good");
	ck_assert_int_eq(op.desc->abi_major, MD_PLUGIN_ABI_MAJOR);
	md_plugin_close(&op);
}
END_TEST

START_TEST(other_major_refused)
{
	char want[64];

	snprintf(want, sizeof want, "built for plugin ABI %d.0; this "
	    "measured provides ABI %d.%d", MD_PLUGIN_ABI_MAJOR + 1,
	    MD_PLUGIN_ABI_MAJOR, MD_PLUGIN_ABI_MINOR);
	expect_refused(TP "old_major.so", want, NULL);
}
END_TEST

START_TEST(newer_minor_refused)
{
	char want[64];

	snprintf(want, sizeof want, "built for plugin ABI %d.%d",
	    MD_PLUGIN_ABI_MAJOR, MD_PLUGIN_ABI_MINOR + 1);
	expect_refused(TP "new_minor.so", "plugin new_minor", want);
}
END_TEST

START_TEST(missing_symbol_refused)
{
	expect_refused(TP "nosym.so", "no md_plugin_descriptor symbol", NULL);
}
END_TEST

START_TEST(not_regular_refused)
{
	char *d = tu_tmpdir();
	char *dir = md_xasprintf("%s/dir.so", d);
	char *fifo = md_xasprintf("%s/fifo.so", d);

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	expect_refused(dir, "not a regular file", NULL);
	expect_refused(fifo, "not a regular file", NULL);
	free(dir);
	free(fifo);
	tu_rmdir(d);
}
END_TEST

START_TEST(not_a_shared_object)
{
	char *d = tu_tmpdir();
	char *p = tu_write(d, "text.so", "this is not ELF\n");

	expect_refused(p, "cannot load", NULL);
	free(p);
	tu_rmdir(d);
}
END_TEST

START_TEST(list_takes_only_so_files)
{
	struct md_error err = { 0 };
	char *d = tu_tmpdir(), **paths;
	char *a = tu_write(d, "b.so", ""), *b = tu_write(d, "a.so", "");
	char *c = tu_write(d, "README", ""), *h = tu_write(d, ".hidden.so", "");
	int n;

	n = md_plugin_list(d, &paths, &err);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(paths[0], "/a.so"));
	ck_assert_ptr_nonnull(strstr(paths[1], "/b.so"));
	free(paths[0]);
	free(paths[1]);
	free(paths);
	free(a);
	free(b);
	free(c);
	free(h);
	tu_rmdir(d);
}
END_TEST

START_TEST(missing_plugin_dir_is_an_error)
{
	struct md_error err = { 0 };
	char **paths;

	ck_assert_int_eq(md_plugin_list("/nonexistent/plugins", &paths, &err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/plugins"));
}
END_TEST

/* A plugin directory with just the given test plugin, and a rules dir. */
static char *
one_plugin_conf(const char *d, const char *so, const char *rules_file)
{
	char *pd = md_xasprintf("%s/plugins", d);
	char *rd = md_xasprintf("%s/rules", d);
	char *link = md_xasprintf("%s/%s", pd, so);
	char *src = md_xasprintf(TP "%s", so);
	char *body, *conf;

	ck_assert_int_eq(mkdir(pd, 0700), 0);
	ck_assert_int_eq(mkdir(rd, 0700), 0);
	ck_assert_int_eq(symlink(src, link), 0);
	if (rules_file != NULL) {
		char *cmd = md_xasprintf("cp '%s' '%s/'", rules_file, rd);

		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
	}
	body = md_xasprintf("<plugin-dir>%s</plugin-dir><rules-dir>%s"
	    "</rules-dir>", pd, rd);
	conf = tu_conf(d, body);
	free(body);
	free(pd);
	free(rd);
	free(link);
	free(src);
	return conf;
}

START_TEST(undeclared_category_emitted_is_refused)
{
	struct md_error err = { 0 };
	struct md_result r;
	struct md_engine *e;
	char *d = tu_tmpdir();
	char *conf = one_plugin_conf(d, "undeclared.so",
	    MD_SRCDIR "/tests/data/undeclared.rules.xml");

	e = tu_engine(conf, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	ck_assert_int_eq(tu_check(e, "任何文字", "2022-11-20", &r), 0);
	ck_assert_int_eq(r.n, 0);
	ck_assert_int_eq(r.plugin_errors, 1);
	md_result_free(&r);
	/* Refused from then on: not called again. */
	ck_assert_int_eq(tu_check(e, "任何文字", "2022-11-20", &r), 0);
	ck_assert_int_eq(r.plugin_errors, 0);
	md_result_free(&r);
	md_engine_free(e);
	free(conf);
	tu_rmdir(d);
}
END_TEST

/* A fresh engine with the misbehave plugin checks text: the number of
 * findings and of plugin errors. */
static void
misbehave(const char *text, size_t want_n, size_t want_errors)
{
	struct md_error err = { 0 };
	struct md_result r;
	struct md_engine *e;
	char *d = tu_tmpdir();
	char *conf = one_plugin_conf(d, "misbehave.so",
	    MD_SRCDIR "/tests/data/misbehave.rules.xml");

	e = tu_engine(conf, &err);
	ck_assert_msg(e != NULL, "%s", err.msg);
	ck_assert_int_eq(tu_check(e, text, "2022-11-20", &r), 0);
	ck_assert_msg(r.n == want_n && r.plugin_errors == want_errors,
	    "%s: %zu findings, %zu errors", text, r.n, r.plugin_errors);
	md_result_free(&r);
	md_engine_free(e);
	free(conf);
	tu_rmdir(d);
}

START_TEST(sink_checks_every_finding)
{
	misbehave("good 停课", 1, 0);		/* the control */
	misbehave("span 停课", 0, 1);		/* inside a character */
	misbehave("ground 停课", 0, 1);		/* not grounded by 2.18 */
	misbehave("rule 停课", 0, 1);		/* not in its pack */
}
END_TEST

START_TEST(undeclared_category_in_pack_is_refused)
{
	struct md_error err = { 0 };
	char *d = tu_tmpdir();
	char *rules = tu_write(d, "good.rules.xml",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<rules xmlns=\"urn:measured:rules:1\" plugin=\"good\">\n"
	    "  <rule id=\"good.work\" category=\"closure.work\" severity=\"2\">\n"
	    "    <cite version=\"2022-11-11\" item=\"2.16\"/>\n"
	    "    <reason>r</reason><pattern>停工</pattern>\n"
	    "    <example>停工</example>\n"
	    "  </rule>\n</rules>\n");
	char *conf = one_plugin_conf(d, "good.so", rules);

	ck_assert_ptr_null(tu_engine(conf, &err));
	ck_assert_msg(strstr(err.msg, "good.rules.xml:3: rule good.work: "
	    "category closure.work is not declared by plugin good") != NULL,
	    "%s", err.msg);
	free(rules);
	free(conf);
	tu_rmdir(d);
}
END_TEST

START_TEST(refused_plugin_stops_startup)
{
	struct md_error err = { 0 };
	char *d = tu_tmpdir();
	char *conf = one_plugin_conf(d, "old_major.so", NULL);

	ck_assert_ptr_null(tu_engine(conf, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "old_major.so"));
	free(conf);
	tu_rmdir(d);
}
END_TEST

START_TEST(configured_plugin_must_exist)
{
	struct md_error err = { 0 };
	char *d = tu_tmpdir();
	char *conf = tu_conf(d, "<plugin name=\"nosuch\"/>");

	ck_assert_ptr_null(tu_engine(conf, &err));
	ck_assert_msg(strstr(err.msg, "plugin nosuch is configured but not "
	    "found") != NULL, "%s", err.msg);
	free(conf);
	tu_rmdir(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("loader");

	tcase_add_test(tc, good_plugin_loads);
	tcase_add_test(tc, other_major_refused);
	tcase_add_test(tc, newer_minor_refused);
	tcase_add_test(tc, missing_symbol_refused);
	tcase_add_test(tc, not_regular_refused);
	tcase_add_test(tc, not_a_shared_object);
	tcase_add_test(tc, list_takes_only_so_files);
	tcase_add_test(tc, missing_plugin_dir_is_an_error);
	tcase_add_test(tc, undeclared_category_emitted_is_refused);
	tcase_add_test(tc, undeclared_category_in_pack_is_refused);
	tcase_add_test(tc, sink_checks_every_finding);
	tcase_add_test(tc, refused_plugin_stops_startup);
	tcase_add_test(tc, configured_plugin_must_exist);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
