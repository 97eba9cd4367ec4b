/*
 * test_sha256.c - both forms of SHA-256's compression (portable, and the
 * CPU's SHA instructions where it has them): FIPS 180-4's vectors through
 * each, a few thousand random messages fed in random pieces through each
 * and compared, and the SHA-NI form chosen by default where the CPU has
 * it.  On a CPU without it (or under valgrind, which hides it) both runs
 * use the portable code and the last test says it is skipping.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "sha256.h"

/* Whether the CPU has SHA-NI (and SSE4.1), asked here, not of sha256.c. */
static int
cpu_has_sha(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & (1u << 29)) != 0;
#else
	return 0;
#endif
}

static void
vectors(void)
{
	char hex[65];
	struct md_sha256 s;
	char *million;
	size_t i;

	md_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	md_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	md_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	md_sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
	    hex);
	ck_assert_str_eq(hex, "cf5b16a778af8380036ce59e7b0492370b249b11"
	    "e8f07a51afac45037afee9d1");

	/* One million 'a's, in one call and in pieces of 999. */
	million = malloc(1000000);
	ck_assert_ptr_nonnull(million);
	memset(million, 'a', 1000000);
	md_sha256_hex(million, 1000000, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	md_sha256_init(&s);
	for (i = 0; i < 1000000; i += 999)
		md_sha256_update(&s, million + i,
		    i + 999 <= 1000000 ? 999 : 1000000 - i);
	md_sha256_final_hex(&s, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

START_TEST(vectors_portable)
{
	ck_assert_int_eq(md_sha256_force_portable(1), 0);
	vectors();
}
END_TEST

START_TEST(vectors_default)
{
	md_sha256_force_portable(0);
	vectors();
}
END_TEST

/* xorshift64*: the same messages on every run. */
static uint64_t
next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

/* The digest of msg, fed in random pieces of 0 to 200 bytes. */
static void
pieces(const unsigned char *msg, size_t n, uint64_t *x, unsigned char d[32])
{
	struct md_sha256 s;
	size_t at = 0, k;

	md_sha256_init(&s);
	while (at < n) {
		k = (size_t)(next(x) % 201);
		if (k > n - at)
			k = n - at;
		md_sha256_update(&s, msg + at, k);
		at += k;
	}
	md_sha256_final(&s, d);
}

START_TEST(random_messages)
{
	unsigned char msg[1000], want[32], got[32];
	struct md_sha256 s;
	uint64_t x = 0x9e3779b97f4a7c15ULL, y;
	int i, sha_ni;
	size_t n, j;

	sha_ni = md_sha256_force_portable(0);
	for (i = 0; i < 4000; i++) {
		n = (size_t)(next(&x) % (sizeof msg + 1));
		for (j = 0; j < n; j++)
			msg[j] = (unsigned char)next(&x);
		y = x;
		md_sha256_force_portable(1);
		pieces(msg, n, &y, want);
		y = x;
		ck_assert_int_eq(md_sha256_force_portable(0), sha_ni);
		pieces(msg, n, &y, got);
		if (memcmp(want, got, sizeof want) != 0)
			ck_abort_msg("message %d (%zu bytes): the two forms "
			    "differ", i, n);
		/* And in one call: every whole block in one go. */
		md_sha256_init(&s);
		md_sha256_update(&s, msg, n);
		md_sha256_final(&s, got);
		ck_assert_mem_eq(want, got, sizeof want);
	}
}
END_TEST

START_TEST(sha_ni_chosen)
{
	int want = cpu_has_sha();

#ifndef HAVE_SHA_NI_TARGET
	if (want) {
		fprintf(stderr, "test_sha256: the CPU has SHA-NI but the "
		    "compiler could not build for it; skipping\n");
		return;
	}
#endif
	if (!want)
		fprintf(stderr, "test_sha256: no SHA-NI on this CPU; "
		    "only the portable code ran\n");
	ck_assert_int_eq(md_sha256_force_portable(0), want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("forms");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, vectors_portable);
	tcase_add_test(tc, vectors_default);
	tcase_add_test(tc, random_messages);
	tcase_add_test(tc, sha_ni_chosen);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
