/*
 * test_json.c - md_json_write() writes what jansson's json_dumps(v,
 * JSON_COMPACT | JSON_REAL_PRECISION(6)) writes, byte for byte: every
 * escape, every kind of number, nesting, and a few thousand random trees.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

#define FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(6))

/* md_json_dumps(v) equals json_dumps(v, FLAGS); v is stolen. */
static void
same(json_t *v)
{
	char *want = json_dumps(v, FLAGS | JSON_ENCODE_ANY);
	size_t len;
	char *got = md_json_dumps(v, &len);

	ck_assert_ptr_nonnull(want);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(len, strlen(want));
	free(want);
	free(got);
	json_decref(v);
}

START_TEST(escapes)
{
	char all[32 + 1];
	int i;

	for (i = 1; i < 32; i++)
		all[i - 1] = (char)i;
	all[31] = '\0';
	same(json_string(all));
	same(json_string("\"quoted\" and \\back\\slashed\\"));
	same(json_string("a/b \x7f del"));
	same(json_string(""));
	same(json_stringn("nul\0inside", 10));
	same(json_string("全区中小学、幼儿园一律暂停线下教学"));
	same(json_string("emoji \xf0\x9f\x98\x80 and \xe2\x80\xa8 separator"));
	same(json_string("\"\n全\t\\"));
	/* The fast path copies runs; make the escapes land at both ends. */
	same(json_string("\n"));
	same(json_string("\nx\n"));
}
END_TEST

START_TEST(numbers)
{
	static const double reals[] = { 0.9, 1.0, 0.0, -0.0, 0.5, 1e-7,
		123456789.0, 1e300, -1e-300, 3.14159265, 100000.0, 1000000.0,
		0.1 + 0.2, 2.5e10, -7.0 };
	static const json_int_t ints[] = { 0, 1, -1, 42, 9007199254740993LL,
		-9223372036854775807LL - 1, 9223372036854775807LL };
	size_t i;

	for (i = 0; i < MD_NELEM(reals); i++)
		same(json_real(reals[i]));
	for (i = 0; i < MD_NELEM(ints); i++)
		same(json_integer(ints[i]));
	same(json_true());
	same(json_false());
	same(json_null());
}
END_TEST

START_TEST(nesting)
{
	same(json_object());
	same(json_array());
	same(json_pack("{s:[], s:{}, s:[{}, []], s:n}", "a", "b", "c", "d"));
	same(json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:i, s:f, "
	    "s:{s:I, s:I}, s:b}", "category", "closure.school",
	    "measure", "version", "2022-11-11", "item", "2.16",
	    "number", "（十六）", "also", "item", "2.18", "severity", 4,
	    "confidence", 0.9, "span", "start", (json_int_t)0,
	    "end", (json_int_t)93, "ok", 1));
	/* Keys are strings too, escaped the same way. */
	same(json_pack("{s:i, s:i}", "a\"b", 1, "\n", 2));
}
END_TEST

/* A random tree; depth bounds it. */
static json_t *
random_value(unsigned *seed, int depth)
{
	static const char *const pieces[] = { "a", "全", "\"", "\\", "\n",
		"\x01", "\x1f", " ", "/", "\xf0\x9f\x98\x80", "（十六）", "\t" };
	int kind = rand_r(seed) % (depth > 0 ? 8 : 6);
	json_t *v;
	int i, n;

	switch (kind) {
	case 0: {
		struct md_buf b = { 0 };

		n = rand_r(seed) % 12;
		for (i = 0; i < n; i++)
			md_buf_adds(&b, pieces[rand_r(seed) %
			    MD_NELEM(pieces)]);
		v = json_stringn(b.data ? b.data : "", b.len);
		md_buf_free(&b);
		return v;
	}
	case 1:
		return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
	case 2:
		return json_real((double)rand_r(seed) /
		    (rand_r(seed) % 1000 + 1) * (rand_r(seed) % 2 ? 1e-9 : 1e9));
	case 3:
		return json_null();
	case 4:
		return json_boolean(rand_r(seed) % 2);
	case 5:
		return json_real((double)(rand_r(seed) % 100));
	case 6:
		v = json_array();
		n = rand_r(seed) % 5;
		for (i = 0; i < n; i++)
			json_array_append_new(v, random_value(seed, depth - 1));
		return v;
	default: {
		char key[16];

		v = json_object();
		n = rand_r(seed) % 5;
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof key, "k%d%s", rand_r(seed) % 10,
			    rand_r(seed) % 4 ? "" : "\"");
			json_object_set_new(v, key,
			    random_value(seed, depth - 1));
		}
		return v;
	}
	}
}

START_TEST(random_trees)
{
	unsigned seed = 20221111;
	int i;

	for (i = 0; i < 5000; i++)
		same(random_value(&seed, 4));
}
END_TEST

START_TEST(appends)
{
	struct md_buf b = { 0 };
	json_t *v = json_pack("[s, i]", "x", 1);

	md_buf_adds(&b, "prefix ");
	md_json_write(&b, v);
	md_json_write_string(&b, "\"", 1);
	ck_assert_str_eq(b.data, "prefix [\"x\",1]\"\\\"\"");
	ck_assert_uint_eq(b.len, strlen(b.data));
	md_buf_free(&b);
	json_decref(v);
}
END_TEST

/* A long string takes the room it needs, not six times its length (the
 * most an escape could need): a flag view carries a whole document. */
START_TEST(room_for_long_strings)
{
	struct md_buf b = { 0 };
	size_t n = 1000000;
	char *s = md_xmalloc(n);

	memset(s, 'a', n);
	s[10] = '\n';
	s[20] = '\x01';
	md_json_write_string(&b, s, n);
	ck_assert_uint_eq(b.len, n + 2 + 1 + 5);
	ck_assert_uint_lt(b.cap, 2 * n);
	ck_assert_int_eq(memcmp(b.data, "\"aaaaaaaaaa\\naaaaaaaaa\\u0001a", 29),
	    0);
	md_buf_free(&b);
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("write");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, escapes);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, nesting);
	tcase_add_test(tc, random_trees);
	tcase_add_test(tc, appends);
	tcase_add_test(tc, room_for_long_strings);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
