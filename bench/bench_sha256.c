/*
 * bench_sha256.c - SHA-256 hashes a second of one message (300 bytes by
 * default, about a bearer token plus a submission's fingerprinted fields),
 * with the portable compression and with the one chosen at load time (the
 * SHA instructions where the CPU has them), each timed by the thread's CPU
 * clock, best of a few rounds.  See docs/PERFORMANCE.md.
 *
 * Usage: bench_sha256 [--bytes N] [--hashes N] [--rounds N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sha256.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The best rate of rounds runs of hashes digests of msg, in hashes a second. */
static double
rate(const unsigned char *msg, size_t n, long hashes, int rounds)
{
	double best = 0, t;
	char hex[65];
	long i;
	int r;

	for (r = 0; r < rounds; r++) {
		t = now();
		for (i = 0; i < hashes; i++)
			md_sha256_hex(msg, n, hex);
		t = now() - t;
		if (t > 0 && hashes / t > best)
			best = hashes / t;
	}
	return best;
}

int
main(int argc, char **argv)
{
	size_t bytes = 300, i;
	long hashes = 200000;
	int rounds = 5, a, sha_ni;
	unsigned char *msg;
	double portable, chosen;

	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--bytes") == 0)
			bytes = (size_t)strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--hashes") == 0)
			hashes = strtol(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--rounds") == 0)
			rounds = atoi(argv[a + 1]);
		else
			break;
	}
	if (a < argc || hashes < 1 || rounds < 1) {
		fprintf(stderr, "usage: bench_sha256 [--bytes N] "
		    "[--hashes N] [--rounds N]\n");
		return 2;
	}
	msg = malloc(bytes + 1);
	if (msg == NULL)
		return 1;
	for (i = 0; i < bytes; i++)
		msg[i] = (unsigned char)('a' + i % 26);

	md_sha256_force_portable(1);
	portable = rate(msg, bytes, hashes, rounds);
	sha_ni = md_sha256_force_portable(0);
	chosen = rate(msg, bytes, hashes, rounds);
	printf("%zu-byte message, %ld hashes, best of %d rounds (CPU time)\n",
	    bytes, hashes, rounds);
	printf("%-10s %12.0f hashes/s\n", "portable", portable);
	if (sha_ni)
		printf("%-10s %12.0f hashes/s (%.2fx)\n", "sha-ni", chosen,
		    chosen / portable);
	else
		printf("no SHA-NI on this CPU (or not built for it)\n");
	free(msg);
	return 0;
}
