/*
 * sha256.h - SHA-256 (FIPS 180-4), for token hashes, request fingerprints
 * and rule-file digests; HMAC-SHA256 for the outbox's signatures.  No
 * crypto library is linked for these few needs.
 */
#ifndef MD_SHA256_H
#define MD_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct md_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void md_sha256_init(struct md_sha256 *s);
void md_sha256_update(struct md_sha256 *s, const void *data, size_t n);
void md_sha256_final(struct md_sha256 *s, unsigned char out[32]);

/* md_sha256_final as 64 lowercase hex digits and a NUL. */
void md_sha256_final_hex(struct md_sha256 *s, char out[65]);

/* The digest of data as 64 lowercase hex digits and a NUL. */
void md_sha256_hex(const void *data, size_t n, char out[65]);

/* HMAC-SHA256 (RFC 2104) of data under key: webhook signatures. */
void md_hmac_sha256(const void *key, size_t klen, const void *data, size_t n,
    unsigned char out[32]);

/* n bytes as 2n lowercase hex digits and a NUL. */
void md_hex(const unsigned char *d, size_t n, char *out);

/*
 * For the tests only: with force nonzero, hash with the portable code even
 * where the CPU has SHA instructions; with 0, go back to the code chosen
 * at load time.  Returns 1 if the SHA-NI code is now in use, 0 if not.
 * Not thread-safe: call it while no other thread is hashing.
 */
int md_sha256_force_portable(int force);

#endif /* MD_SHA256_H */
