/*
 * sha256.c - SHA-256 as FIPS 180-4 gives it.  The compression function
 * has two forms: the portable one below, and on x86 CPUs with the SHA
 * extensions one written with their instructions (five times as many
 * 300-byte hashes a second; docs/PERFORMANCE.md), chosen once at start.
 * The SHA-NI form is compiled for its own target only, so the rest of
 * the build keeps its flags and the binary still runs on CPUs without
 * it.  tests/unit/test_sha256.c checks both forms against the standard's
 * test vectors and against each other.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "sha256.h"

/* configure found a compiler that takes target("sha,sse4.1"). */
#if defined(HAVE_SHA_NI_TARGET) && (defined(__x86_64__) || defined(__i386__))
#define SHA_NI 1
#include <immintrin.h>
#ifndef HAVE_BUILTIN_CPU_SUPPORTS_SHA
#include <cpuid.h>
#endif
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* Compresses the n whole 64-byte blocks at p into the state st. */
static void
blocks_portable(uint32_t st[8], const unsigned char *p, size_t n)
{
	for (; n > 0; n--, p += 64) {
		uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
		int i;

		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 |
			    (uint32_t)p[4 * i + 1] << 16 |
			    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
		for (i = 16; i < 64; i++) {
			uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
			    (w[i - 15] >> 3);
			uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^
			    (w[i - 2] >> 10);

			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = st[0]; b = st[1]; c = st[2]; d = st[3];
		e = st[4]; f = st[5]; g = st[6]; h = st[7];
		for (i = 0; i < 64; i++) {
			t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
			    ((e & f) ^ (~e & g)) + K[i] + w[i];
			t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
			    ((a & b) ^ (a & c) ^ (b & c));
			h = g; g = f; f = e; e = d + t1;
			d = c; c = b; b = a; a = t1 + t2;
		}
		st[0] += a; st[1] += b; st[2] += c; st[3] += d;
		st[4] += e; st[5] += f; st[6] += g; st[7] += h;
	}
}

#ifdef SHA_NI
/*
 * The same with the SHA extensions (Intel's "SHA extensions" paper, and
 * the layout every implementation uses): the state lives in two
 * registers, ABEF and CDGH; sha256rnds2 does two rounds, so each group of
 * four rounds is two of them with the four message words plus K; msg1 and
 * msg2 compute the next four message words from the last sixteen.
 */
__attribute__((target("sha,sse4.1"))) static void
blocks_shani(uint32_t st[8], const unsigned char *p, size_t n)
{
	/* Big-endian words to the CPU's order. */
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
	    0x0405060700010203ULL);
	__m128i abef, cdgh, tmp;

	tmp = _mm_loadu_si128((const __m128i *)&st[0]);	/* DCBA */
	cdgh = _mm_loadu_si128((const __m128i *)&st[4]);	/* HGFE */
	tmp = _mm_shuffle_epi32(tmp, 0xb1);			/* CDAB */
	cdgh = _mm_shuffle_epi32(cdgh, 0x1b);			/* EFGH */
	abef = _mm_alignr_epi8(tmp, cdgh, 8);			/* ABEF */
	cdgh = _mm_blend_epi16(cdgh, tmp, 0xf0);		/* CDGH */

	for (; n > 0; n--, p += 64) {
		__m128i abef_in = abef, cdgh_in = cdgh, m[4], k;
		int i;

#pragma GCC unroll 4
		for (i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128(
			    (const __m128i *)(p + 16 * i)), bswap);
		/*
		 * Rounds 4i to 4i+3 use m[i & 3]; the words for the next
		 * group are finished (msg2) while these rounds run, those
		 * three groups ahead started (msg1) after them.  Unrolled,
		 * m[] stays in registers.
		 */
#pragma GCC unroll 16
		for (i = 0; i < 16; i++) {
			k = _mm_add_epi32(m[i & 3],
			    _mm_loadu_si128((const __m128i *)&K[4 * i]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
			if (i >= 3 && i < 15) {
				tmp = _mm_alignr_epi8(m[i & 3],
				    m[(i - 1) & 3], 4);
				m[(i + 1) & 3] = _mm_sha256msg2_epu32(
				    _mm_add_epi32(m[(i + 1) & 3], tmp),
				    m[i & 3]);
			}
			k = _mm_shuffle_epi32(k, 0x0e);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, k);
			if (i >= 1 && i < 13)
				m[(i - 1) & 3] = _mm_sha256msg1_epu32(
				    m[(i - 1) & 3], m[i & 3]);
		}
		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}

	tmp = _mm_shuffle_epi32(abef, 0x1b);			/* FEBA */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);			/* DCHG */
	abef = _mm_blend_epi16(tmp, cdgh, 0xf0);		/* DCBA */
	cdgh = _mm_alignr_epi8(cdgh, tmp, 8);			/* HGFE */
	_mm_storeu_si128((__m128i *)&st[0], abef);
	_mm_storeu_si128((__m128i *)&st[4], cdgh);
}

static int
cpu_has_sha(void)
{
#ifdef HAVE_BUILTIN_CPU_SUPPORTS_SHA
	__builtin_cpu_init();
	return __builtin_cpu_supports("sha") &&
	    __builtin_cpu_supports("sse4.1");
#else
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & (1u << 29)) != 0;
#endif
}
#endif /* SHA_NI */

typedef void blocks_fn(uint32_t st[8], const unsigned char *p, size_t n);

/*
 * Set once, before main, by choose_blocks (and only otherwise by the
 * tests' md_sha256_force_portable): no thread hashes before then.
 */
static blocks_fn *blocks = blocks_portable;
static blocks_fn *blocks_best = blocks_portable;

__attribute__((constructor)) static void
choose_blocks(void)
{
#ifdef SHA_NI
	if (cpu_has_sha())
		blocks_best = blocks_shani;
#endif
	blocks = blocks_best;
}

int
md_sha256_force_portable(int force)
{
	blocks = force ? blocks_portable : blocks_best;
	return blocks != blocks_portable;
}

void
md_sha256_init(struct md_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
	s->nbuf = 0;
}

void
md_sha256_update(struct md_sha256 *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	s->len += n;
	if (s->nbuf > 0) {
		size_t take = 64 - s->nbuf < n ? 64 - s->nbuf : n;

		memcpy(s->buf + s->nbuf, p, take);
		s->nbuf += take;
		p += take;
		n -= take;
		if (s->nbuf < 64)
			return;
		blocks(s->h, s->buf, 1);
		s->nbuf = 0;
	}
	/* Whole blocks straight from the input, in one call. */
	if (n >= 64) {
		blocks(s->h, p, n / 64);
		p += n / 64 * 64;
		n %= 64;
	}
	memcpy(s->buf, p, n);
	s->nbuf = n;
}

void
md_sha256_final(struct md_sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->len * 8;
	int i;

	s->buf[s->nbuf++] = 0x80;
	if (s->nbuf > 56) {
		memset(s->buf + s->nbuf, 0, 64 - s->nbuf);
		blocks(s->h, s->buf, 1);
		s->nbuf = 0;
	}
	memset(s->buf + s->nbuf, 0, 56 - s->nbuf);
	for (i = 0; i < 8; i++)
		s->buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	blocks(s->h, s->buf, 1);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
md_sha256_final_hex(struct md_sha256 *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[32];
	int i;

	md_sha256_final(s, d);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

void
md_sha256_hex(const void *data, size_t n, char out[65])
{
	struct md_sha256 s;

	md_sha256_init(&s);
	md_sha256_update(&s, data, n);
	md_sha256_final_hex(&s, out);
}

static void
md_sha256_hex_raw(const void *data, size_t n, unsigned char out[32])
{
	struct md_sha256 s;

	md_sha256_init(&s);
	md_sha256_update(&s, data, n);
	md_sha256_final(&s, out);
}

void
md_hmac_sha256(const void *key, size_t klen, const void *data, size_t n,
    unsigned char out[32])
{
	unsigned char k[64], pad[64], inner[32];
	struct md_sha256 s;
	size_t i;

	/* RFC 2104: a key longer than the block is hashed first. */
	memset(k, 0, sizeof k);
	if (klen > sizeof k)
		md_sha256_hex_raw(key, klen, k);
	else if (klen > 0)
		memcpy(k, key, klen);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x36;
	md_sha256_init(&s);
	md_sha256_update(&s, pad, sizeof pad);
	md_sha256_update(&s, data, n);
	md_sha256_final(&s, inner);
	for (i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x5c;
	md_sha256_init(&s);
	md_sha256_update(&s, pad, sizeof pad);
	md_sha256_update(&s, inner, sizeof inner);
	md_sha256_final(&s, out);
	memset(k, 0, sizeof k);
	memset(pad, 0, sizeof pad);
}

void
md_hex(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}
