/*
 * litset.c - finds the first of a set of literals in a span of text (see
 * litset.h).
 *
 * One step per character: the character's code point, folded to 12 bits,
 * indexes a bitmap of the literals' first characters; only where the bit
 * is set are the literals compared.  Characters of four bytes and bytes
 * that start no character are looked up by byte instead.  The scan needs
 * no valid UTF-8 to be correct: a key is a function of the bytes, so a
 * literal and the text that holds it always give the same one.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "litset.h"
#include "util.h"

#define KEY(cp) ((cp) & 0xfffu)

struct lit {
	const char *s;
	size_t len;
	uint32_t cp;		/* its first character, if keyed */
	uint32_t next;		/* 1 + the next literal keyed alike */
};

struct md_litset {
	uint8_t first[4096 / 8];	/* KEY of each first character */
	uint32_t head[256];	/* 1 + the first literal by cp & 0xff */
	uint8_t other[256];	/* first bytes of 4-byte characters */
	int slow;		/* a literal starts with a broken character:
				 * compare at every byte */
	struct lit *lits;
	size_t n;
};

static inline int
bit(const uint8_t *bm, unsigned k)
{
	return (bm[k >> 3] >> (k & 7)) & 1;
}

struct md_litset *
md_litset_new(const char *const *s, const size_t *len, size_t n)
{
	struct md_litset *ls = md_xcalloc(1, sizeof *ls);
	uint32_t tail[256] = { 0 };
	size_t i;

	ls->lits = md_xcalloc(n ? n : 1, sizeof *ls->lits);
	ls->n = n;
	for (i = 0; i < n; i++) {
		const unsigned char *u = (const unsigned char *)s[i];
		size_t l = len ? len[i] : strlen(s[i]);
		unsigned cp;

		ls->lits[i].s = s[i];
		ls->lits[i].len = l;
		if (l >= 1 && u[0] < 0x80)
			cp = u[0];
		else if (l >= 2 && u[0] >= 0xc2 && u[0] < 0xe0)
			cp = ((u[0] & 0x1fu) << 6) | (u[1] & 0x3fu);
		else if (l >= 3 && u[0] >= 0xe0 && u[0] < 0xf0)
			cp = ((u[0] & 0x0fu) << 12) | ((u[1] & 0x3fu) << 6) |
			    (u[2] & 0x3fu);
		else if (l >= 4 && u[0] >= 0xf0) {
			ls->other[u[0]] = 1;
			continue;
		} else {
			ls->slow = 1;
			continue;
		}
		ls->first[KEY(cp) >> 3] |= (uint8_t)(1u << (KEY(cp) & 7));
		/* Chains keep the set's order. */
		ls->lits[i].cp = cp;
		if (tail[cp & 0xff] == 0)
			ls->head[cp & 0xff] = (uint32_t)i + 1;
		else
			ls->lits[tail[cp & 0xff] - 1].next = (uint32_t)i + 1;
		tail[cp & 0xff] = (uint32_t)i + 1;
	}
	return ls;
}

void
md_litset_free(struct md_litset *ls)
{
	if (ls == NULL)
		return;
	free(ls->lits);
	free(ls);
}

size_t
md_litset_len(const struct md_litset *ls, size_t i)
{
	return ls->lits[i].len;
}

/* The first literal, in order, starting with character cp that lies
 * wholly in t[p, to).  Every literal that can start at p is in cp's
 * chain, so the first one found is the first in the set. */
static inline int
keyed_at(const struct md_litset *ls, const unsigned char *t, size_t p,
    size_t to, uint32_t cp, size_t *lit)
{
	uint32_t i;

	for (i = ls->head[cp & 0xff]; i != 0; i = ls->lits[i - 1].next) {
		const struct lit *l = &ls->lits[i - 1];

		if (l->cp == cp && l->len <= to - p &&
		    memcmp(t + p, l->s, l->len) == 0) {
			if (lit != NULL)
				*lit = i - 1;
			return 1;
		}
	}
	return 0;
}

/* The first literal, in order, that lies wholly in t[p, to). */
static int
lit_at(const struct md_litset *ls, const unsigned char *t, size_t p,
    size_t to, size_t *lit)
{
	size_t i;

	for (i = 0; i < ls->n; i++) {
		const struct lit *l = &ls->lits[i];

		if (l->len <= to - p && (unsigned char)l->s[0] == t[p] &&
		    memcmp(t + p, l->s, l->len) == 0) {
			if (lit != NULL)
				*lit = i;
			return 1;
		}
	}
	return 0;
}

int
md_litset_find(const struct md_litset *ls, const char *text, size_t from,
    size_t to, size_t *at, size_t *lit)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t p = from;
	unsigned b, c1, c2, cp;

	if (ls->slow) {
		for (; p < to; p++)
			if (lit_at(ls, t, p, to, lit)) {
				*at = p;
				return 1;
			}
		return 0;
	}
	while (p < to) {
		b = t[p];
		if (b >= 0xe0 && b < 0xf0) {
			/* Most of CJK text: one step per character. */
			if (to - p < 3) {
				p++;
				continue;
			}
			c1 = t[p + 1];
			c2 = t[p + 2];
			cp = ((b & 0x0fu) << 12) | ((c1 & 0x3fu) << 6) |
			    (c2 & 0x3fu);
			if (bit(ls->first, KEY(cp)) &&
			    keyed_at(ls, t, p, to, cp, lit))
				break;
			/* No literal starts inside a character. */
			p += (c1 & 0xc0) == 0x80 && (c2 & 0xc0) == 0x80 ? 3 : 1;
			continue;
		}
		if (b < 0x80)
			cp = b;
		else if (b >= 0xc2 && b < 0xe0 && to - p >= 2)
			cp = ((b & 0x1fu) << 6) | (t[p + 1] & 0x3fu);
		else {
			if (ls->other[b] && lit_at(ls, t, p, to, lit))
				break;
			p++;
			continue;
		}
		if (bit(ls->first, KEY(cp)) && keyed_at(ls, t, p, to, cp, lit))
			break;
		p++;
	}
	if (p >= to)
		return 0;
	*at = p;
	return 1;
}
