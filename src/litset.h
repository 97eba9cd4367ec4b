/*
 * litset.h - where a small set of literals occurs in a span of text.
 *
 * PCRE2 is slow on CJK text (every character starts with one of a few lead
 * bytes, so its start-of-match optimizations find a candidate almost
 * everywhere), and one memmem per literal costs a pass per literal.  A
 * litset makes one pass, testing each character against a bitmap of the
 * literals' first characters and comparing bytes only where one of them
 * occurs.
 */
#ifndef MD_LITSET_H
#define MD_LITSET_H

#include <stddef.h>
#include <stdint.h>

struct md_litset;

/*
 * A set of n literals (none empty), in the given order; len NULL means
 * NUL-terminated strings.  The strings are not copied: they must outlive
 * the set.  Free with md_litset_free.
 */
struct md_litset *md_litset_new(const char *const *s, const size_t *len,
    size_t n);
void md_litset_free(struct md_litset *ls);

/*
 * The first position p in text[from, to) at which a literal lies wholly
 * inside text[p, to): 1 with *at = p and *lit the index of the first such
 * literal in the set's order; 0 when there is none.  Reads no byte at or
 * after to.  lit may be NULL.
 */
int md_litset_find(const struct md_litset *ls, const char *text,
    size_t from, size_t to, size_t *at, size_t *lit);

/* The length of literal i. */
size_t md_litset_len(const struct md_litset *ls, size_t i);

#endif /* MD_LITSET_H */
