/*
 * prefilter.c - required-literal extraction from PCRE2 patterns, and the
 * multi-literal automaton (Hyperscan or Aho-Corasick) that tells the engine
 * which rules can possibly match a document.  See prefilter.h.
 *
 * The extractor understands the subset of PCRE2 syntax that rule packs use:
 * literals, escapes, classes, groups (capturing, non-capturing, named,
 * lookaround), alternation and quantifiers.  Anything it does not
 * understand makes it give up on the pattern, which only costs speed: the
 * rule then runs on every document.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_HYPERSCAN
#include <hs/hs.h>
#endif

#include "prefilter.h"

/* --- literal sets ------------------------------------------------------ */

#define SET_MAX 256		/* more literals than this: give up */
#define PRODUCT_MAX 48		/* larger cross products: give up */
#define CLASS_MAX 12		/* larger classes are not expanded */
#define LIT_MAX 64		/* bytes kept per literal */

struct lset {
	int none;		/* 1: unknown (anything may match) */
	size_t n;
	char *s[SET_MAX];
	size_t len[SET_MAX];
};

static void
lset_clear(struct lset *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->s[i]);
	a->n = 0;
}

/* Hands the set's strings over as a new array; the set keeps none. */
static size_t
lset_take(struct lset *set, char ***lits)
{
	size_t n = set->n, i;

	*lits = md_xcalloc(n, sizeof **lits);
	for (i = 0; i < n; i++) {
		(*lits)[i] = set->s[i];
		set->s[i] = NULL;
	}
	set->n = 0;
	return n;
}

static void
lset_none(struct lset *a)
{
	lset_clear(a);
	a->none = 1;
}

static void
lset_add(struct lset *a, const char *s, size_t len)
{
	size_t i;

	if (a->none)
		return;
	for (i = 0; i < a->n; i++)
		if (a->len[i] == len && memcmp(a->s[i], s, len) == 0)
			return;
	if (a->n == SET_MAX) {
		lset_none(a);
		return;
	}
	a->s[a->n] = md_xstrndup(s, len);
	a->len[a->n++] = len;
}

static void
lset_move(struct lset *dst, struct lset *src)
{
	lset_clear(dst);
	*dst = *src;
	src->n = 0;
}

/* Cross product a := a x b, giving up when too large. */
static void
lset_product(struct lset *a, const struct lset *b)
{
	struct lset r = { 0 };
	size_t i, j;

	if (a->none || b->none || a->n * b->n > PRODUCT_MAX) {
		lset_none(a);
		return;
	}
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			char buf[2 * LIT_MAX];
			size_t la = a->len[i], lb = b->len[j];

			if (la + lb > LIT_MAX) {
				lset_clear(&r);
				lset_none(a);
				return;
			}
			memcpy(buf, a->s[i], la);
			memcpy(buf + la, b->s[j], lb);
			lset_add(&r, buf, la + lb);
		}
	}
	lset_move(a, &r);
	a->none = r.none;
}

/* Quality of a required set: its shortest literal, in bytes; 0 if none. */
static size_t
lset_score(const struct lset *a)
{
	size_t i, m = (size_t)-1;

	if (a->none || a->n == 0)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->len[i] < m)
			m = a->len[i];
	return m;
}

/* --- a small parser producing, per node, two sets --------------------- */

/*
 * exact: every string the node can match, if that is a small finite set
 * ("" included for optional or zero-width parts); req: literals of which
 * every match contains one.
 */
struct info {
	struct lset exact;
	struct lset req;
};

struct parser {
	const char *p;
	int fail;
	int caseless;
};

static void info_alt(struct parser *ps, struct info *out);
static void skip_class(struct parser *ps);

static void
info_init(struct info *in)
{
	memset(in, 0, sizeof *in);
}

static void
info_free(struct info *in)
{
	lset_clear(&in->exact);
	lset_clear(&in->req);
}

static void
info_any(struct info *in)
{
	info_init(in);
	lset_none(&in->exact);
	lset_none(&in->req);
}

static void
info_lit(struct info *in, const char *s, size_t len)
{
	info_init(in);
	lset_add(&in->exact, s, len);
	if (len > 0)
		lset_add(&in->req, s, len);
	else
		in->req.none = 1;
}

static size_t
utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

static size_t
utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * A small positive class of plain characters ([一二两], [天日], [1-5]) is
 * a set of literals; anything else in a class (escapes, POSIX classes,
 * negation, large ranges) makes it unknown.
 */
static void
parse_class(struct parser *ps, struct info *in)
{
	const char *p = ps->p + 1;
	struct lset set = { 0 };

	info_init(in);
	if (*p == '^' || *p == ']') {
		skip_class(ps);
		info_any(in);
		return;
	}
	while (*p != '\0' && *p != ']') {
		size_t n = utf8_len((unsigned char)*p);

		if (*p == '\\' || *p == '[') {
			set.none = 1;
			break;
		}
		if (p[n] == '-' && p[n + 1] != ']' && p[n + 1] != '\0') {
			/* A range: only single-byte digits and letters. */
			unsigned char lo = (unsigned char)p[0];
			unsigned char hi = (unsigned char)p[n + 1];
			char c[1];

			if (n != 1 || hi < lo || hi - lo >= CLASS_MAX ||
			    hi >= 0x80) {
				set.none = 1;
				break;
			}
			for (; lo <= hi; lo++) {
				c[0] = (char)lo;
				lset_add(&set, c, 1);
			}
			p += n + 2;
			continue;
		}
		lset_add(&set, p, n);
		p += n;
	}
	skip_class(ps);		/* finds the end, whatever was inside */
	if (set.none || set.n == 0 || set.n > CLASS_MAX) {
		lset_clear(&set);
		info_any(in);
		return;
	}
	lset_move(&in->exact, &set);
	in->exact.none = 0;
	lset_none(&in->req);	/* single characters are weak; a run
				 * around them can still use the exact set */
}

/* Skips a character class starting at '['. */
static void
skip_class(struct parser *ps)
{
	const char *p = ps->p + 1;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (*p == '\\' && p[1] != '\0')
			p += 2;
		else if (p[0] == '[' && p[1] == ':') {
			const char *e = strstr(p + 2, ":]");

			p = e ? e + 2 : p + 1;
		} else
			p++;
	}
	if (*p != ']')
		ps->fail = 1;
	else
		p++;
	ps->p = p;
}

/* An escape after '\\'; fills in as a literal, an unknown or zero-width. */
static void
parse_escape(struct parser *ps, struct info *in)
{
	const char *p = ps->p + 1;
	char buf[8];
	unsigned long cp;
	char *end;

	info_init(in);
	switch (*p) {
	case '\0':
		ps->fail = 1;
		return;
	case 'b': case 'B': case 'A': case 'z': case 'Z': case 'G':
		ps->p = p + 1;
		info_lit(in, "", 0);
		return;
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
	case 'h': case 'H': case 'v': case 'V': case 'R': case 'X':
	case 'N': case 'C':
		ps->p = p + 1;
		info_any(in);
		return;
	case 'p': case 'P':
		p++;
		if (*p == '{') {
			while (*p != '\0' && *p != '}')
				p++;
			if (*p == '}')
				p++;
		} else if (*p != '\0')
			p++;
		ps->p = p;
		info_any(in);
		return;
	case 'n': info_lit(in, "\n", 1); ps->p = p + 1; return;
	case 't': info_lit(in, "\t", 1); ps->p = p + 1; return;
	case 'r': info_lit(in, "\r", 1); ps->p = p + 1; return;
	case 'x':
		if (p[1] == '{') {
			cp = strtoul(p + 2, &end, 16);
			if (*end != '}') {
				ps->fail = 1;
				return;
			}
			ps->p = end + 1;
		} else {
			char h[3] = { 0 };
			size_t k;

			for (k = 0; k < 2 && isxdigit((unsigned char)p[1 + k]);
			    k++)
				h[k] = p[1 + k];
			cp = strtoul(h, NULL, 16);
			ps->p = p + 1 + k;
		}
		if (cp > 0x10ffff) {
			ps->fail = 1;
			return;
		}
		info_lit(in, buf, utf8_put(buf, cp));
		return;
	case 'Q': {
		const char *e = strstr(p + 1, "\\E");
		size_t len = e ? (size_t)(e - p - 1) : strlen(p + 1);

		info_lit(in, p + 1, len);
		ps->p = e ? e + 2 : p + 1 + len;
		return;
	}
	default:
		if (isalnum((unsigned char)*p)) {
			/* Back-references, \g, \k, \c and the like. */
			ps->fail = 1;
			return;
		}
		info_lit(in, p, utf8_len((unsigned char)*p));
		ps->p = p + utf8_len((unsigned char)*p);
		return;
	}
}

static void
parse_group(struct parser *ps, struct info *in)
{
	const char *p = ps->p + 1;
	int zero_width = 0;

	if (*p == '?') {
		p++;
		if (*p == ':' || *p == '>' || *p == '|') {
			p++;
		} else if (*p == '=' || *p == '!') {
			p++;
			zero_width = 1;
		} else if (*p == '<' && (p[1] == '=' || p[1] == '!')) {
			p += 2;
			zero_width = 1;
		} else if (*p == '<' || *p == '\'' || (*p == 'P' && p[1] == '<')) {
			const char *e = strpbrk(p, ">'");

			if (e == NULL) {
				ps->fail = 1;
				return;
			}
			p = e + 1;
		} else if (*p == '#') {
			const char *e = strchr(p, ')');

			if (e == NULL) {
				ps->fail = 1;
				return;
			}
			ps->p = e + 1;
			info_lit(in, "", 0);
			return;
		} else {
			/* Option settings: (?i) (?i:...) (?-i) ... */
			const char *q = p;

			while (*q != '\0' && *q != ')' && *q != ':') {
				if (*q == 'x') {
					ps->fail = 1;	/* extended syntax */
					return;
				}
				if (*q == 'i')
					ps->caseless = 1;
				q++;
			}
			if (*q == ')') {
				ps->p = q + 1;
				info_lit(in, "", 0);
				return;
			}
			if (*q != ':') {
				ps->fail = 1;
				return;
			}
			p = q + 1;
		}
	}
	ps->p = p;
	info_alt(ps, in);
	if (ps->fail)
		return;
	if (*ps->p != ')') {
		ps->fail = 1;
		return;
	}
	ps->p++;
	if (zero_width) {
		info_free(in);
		info_lit(in, "", 0);
	}
}

static void
parse_atom(struct parser *ps, struct info *in)
{
	const char *p = ps->p;

	info_init(in);
	switch (*p) {
	case '(':
		parse_group(ps, in);
		return;
	case '[':
		parse_class(ps, in);
		return;
	case '.':
		ps->p++;
		info_any(in);
		return;
	case '^': case '$':
		ps->p++;
		info_lit(in, "", 0);
		return;
	case '\\':
		parse_escape(ps, in);
		return;
	default:
		info_lit(in, p, utf8_len((unsigned char)*p));
		ps->p += utf8_len((unsigned char)*p);
		return;
	}
}

/* Parses a quantifier at ps->p; returns 0 if there is none. */
static int
parse_quant(struct parser *ps, long *min, long *max)
{
	const char *p = ps->p;
	char *end;

	switch (*p) {
	case '?': *min = 0; *max = 1; p++; break;
	case '*': *min = 0; *max = -1; p++; break;
	case '+': *min = 1; *max = -1; p++; break;
	case '{':
		if (!isdigit((unsigned char)p[1]))
			return 0;
		*min = strtol(p + 1, &end, 10);
		if (*end == '}') {
			*max = *min;
		} else if (*end == ',') {
			if (end[1] == '}') {
				*max = -1;
				end++;
			} else {
				*max = strtol(end + 1, &end, 10);
			}
			if (*end != '}')
				return 0;
		} else {
			return 0;
		}
		p = end + 1;
		break;
	default:
		return 0;
	}
	if (*p == '?' || *p == '+')
		p++;
	ps->p = p;
	return 1;
}

static void
apply_quant(struct info *in, long min, long max)
{
	struct lset e = { 0 };
	long k;

	if (min == 0) {
		lset_none(&in->req);
		if (max == 1 && !in->exact.none) {
			lset_add(&in->exact, "", 0);
			return;
		}
		lset_none(&in->exact);
		return;
	}
	/* min >= 1: the required set stays; exact only for small fixed
	 * repeats. */
	if (min != max || min > 4 || in->exact.none) {
		lset_none(&in->exact);
		return;
	}
	lset_add(&e, "", 0);
	for (k = 0; k < min; k++)
		lset_product(&e, &in->exact);
	lset_move(&in->exact, &e);
	in->exact.none = e.none;
}

/* Better of two required sets, into a. */
static void
pick_req(struct lset *a, struct lset *b)
{
	if (lset_score(b) > lset_score(a) ||
	    (lset_score(b) == lset_score(a) && lset_score(b) > 0 &&
	    b->n < a->n)) {
		lset_move(a, b);
		a->none = 0;
	}
}

static void
copy_set(struct lset *dst, const struct lset *src)
{
	size_t i;

	lset_clear(dst);
	dst->none = src->none;
	for (i = 0; i < src->n; i++)
		lset_add(dst, src->s[i], src->len[i]);
}

/* The next atom of a sequence with its quantifier applied, in *a (freed
 * by the caller); 0 at the end of the sequence or when parsing failed. */
static int
next_atom(struct parser *ps, struct info *a)
{
	long min, max;

	if (*ps->p == '\0' || *ps->p == '|' || *ps->p == ')' || ps->fail)
		return 0;
	parse_atom(ps, a);
	if (ps->fail) {
		info_free(a);
		return 0;
	}
	if (parse_quant(ps, &min, &max))
		apply_quant(a, min, max);
	return 1;
}

/*
 * One part a of a sequence: a part with an exact set extends the run of
 * such parts (multiplied out into longer literals), which competes for
 * req as it grows; a part without one ends the run.  a's own required set
 * competes too (and is moved into req when it wins).
 */
static void
seq_step(struct lset *run, int *in_run, struct info *a, struct lset *req)
{
	if (!a->exact.none) {
		if (!*in_run) {
			lset_clear(run);
			run->none = 0;
			lset_add(run, "", 0);
			*in_run = 1;
		}
		lset_product(run, &a->exact);
		if (run->none) {
			*in_run = 0;
		} else {
			struct lset cand = { 0 };

			copy_set(&cand, run);
			pick_req(req, &cand);
			lset_clear(&cand);
		}
	} else {
		*in_run = 0;
	}
	pick_req(req, &a->req);
}

/* A sequence: the best required set of its parts, where runs of parts with
 * exact sets are multiplied out into longer literals. */
static void
info_seq(struct parser *ps, struct info *out)
{
	struct lset run = { 0 };
	int in_run = 0;

	info_init(out);
	lset_add(&out->exact, "", 0);
	out->req.none = 1;
	for (;;) {
		struct info a;

		if (!next_atom(ps, &a))
			break;
		lset_product(&out->exact, &a.exact);
		seq_step(&run, &in_run, &a, &out->req);
		info_free(&a);
	}
	lset_clear(&run);
	/* A required set containing "" is useless. */
	if (lset_score(&out->req) == 0)
		lset_none(&out->req);
}

static void
info_alt(struct parser *ps, struct info *out)
{
	info_seq(ps, out);
	while (*ps->p == '|' && !ps->fail) {
		struct info b;
		size_t i;

		ps->p++;
		info_seq(ps, &b);
		if (out->exact.none || b.exact.none)
			lset_none(&out->exact);
		else
			for (i = 0; i < b.exact.n; i++)
				lset_add(&out->exact, b.exact.s[i],
				    b.exact.len[i]);
		if (out->req.none || b.req.none)
			lset_none(&out->req);
		else
			for (i = 0; i < b.req.n; i++)
				lset_add(&out->req, b.req.s[i],
				    b.req.len[i]);
		info_free(&b);
	}
}

size_t
md_literals_extract(const char *pattern, char ***lits, int *caseless)
{
	struct parser ps = { pattern, 0, 0 };
	struct info in;
	size_t i, n = 0;

	*lits = NULL;
	*caseless = 0;
	info_alt(&ps, &in);
	if (!ps.fail && *ps.p == '\0' && !in.req.none &&
	    lset_score(&in.req) >= 2) {
		n = in.req.n;
		*lits = md_xcalloc(n, sizeof **lits);
		for (i = 0; i < n; i++) {
			(*lits)[i] = in.req.s[i];
			in.req.s[i] = NULL;
		}
		in.req.n = 0;
		*caseless = ps.caseless;
	}
	info_free(&in);
	return n;
}

/* 1 when a string of a and one of b overlap: one holds the other (a set
 * that does tells little more than b). */
static int
lset_meets(const struct lset *a, char *const *b, size_t nb)
{
	size_t i, j, lb;

	for (i = 0; i < a->n; i++)
		for (j = 0; j < nb; j++) {
			lb = strlen(b[j]);
			if (memmem(b[j], lb, a->s[i], a->len[i]) != NULL ||
			    memmem(a->s[i], a->len[i], b[j], lb) != NULL)
				return 1;
		}
	return 0;
}

/* Keeps the better of best and cand (see pick_req) when no string of cand
 * overlaps one of first. */
static void
pick_other(struct lset *best, struct lset *cand, char *const *first,
    size_t nfirst)
{
	if (lset_score(cand) > 0 && !lset_meets(cand, first, nfirst))
		pick_req(best, cand);
}

size_t
md_literals_second(const char *pattern, char *const *first, size_t nfirst,
    char ***lits)
{
	struct parser ps = { pattern, 0, 0 };
	struct lset best = { 0 }, run = { 0 };
	size_t n = 0;
	int in_run = 0;

	*lits = NULL;
	best.none = 1;
	/* The parts of the top-level sequence, as info_seq sees them. */
	for (;;) {
		struct info a;

		if (!next_atom(&ps, &a))
			break;
		if (!a.exact.none) {
			if (!in_run) {
				lset_clear(&run);
				run.none = 0;
				lset_add(&run, "", 0);
				in_run = 1;
			}
			lset_product(&run, &a.exact);
			if (run.none) {
				in_run = 0;
			} else {
				struct lset cand = { 0 };

				copy_set(&cand, &run);
				pick_other(&best, &cand, first, nfirst);
				lset_clear(&cand);
			}
		} else {
			in_run = 0;
		}
		pick_other(&best, &a.req, first, nfirst);
		info_free(&a);
	}
	lset_clear(&run);
	if (!ps.fail && *ps.p == '\0' && !ps.caseless && !best.none &&
	    lset_score(&best) >= 6)
		n = lset_take(&best, lits);
	lset_clear(&best);
	return n;
}

/*
 * The literal prefixes of one branch: the product of the exact sets of its
 * leading atoms, as far as they are finite.  Parses the whole branch.
 * When rest is not NULL, it gets the best required set (as info_seq picks
 * it) of the atoms after those: literals one of which every match of the
 * branch holds after its prefix; none when there is no such set.
 */
static void
prefix_seq(struct parser *ps, struct lset *out, struct lset *rest)
{
	struct lset run = { 0 };
	int open = 1, in_run = 0;

	lset_clear(out);
	out->none = 0;
	lset_add(out, "", 0);
	if (rest != NULL)
		lset_none(rest);
	for (;;) {
		struct info a;
		struct lset save = { 0 };

		if (!next_atom(ps, &a))
			break;
		if (open) {
			if (a.exact.none) {
				open = 0;
			} else {
				copy_set(&save, out);
				lset_product(out, &a.exact);
				if (out->none) {
					/* Too many: the shorter prefixes
					 * before this atom still hold. */
					lset_move(out, &save);
					out->none = 0;
					open = 0;
				}
				lset_clear(&save);
			}
		}
		if (!open && rest != NULL) {
			/* As info_seq, from the first atom left out. */
			seq_step(&run, &in_run, &a, rest);
		}
		info_free(&a);
	}
	lset_clear(&run);
	if (rest != NULL && lset_score(rest) == 0)
		lset_none(rest);
}

size_t
md_literals_prefix(const char *pattern, char ***lits)
{
	struct parser ps = { pattern, 0, 0 };
	struct lset all = { 0 }, branch = { 0 };
	size_t i, n = 0;
	int ok = 1;

	*lits = NULL;
	for (;;) {
		prefix_seq(&ps, &branch, NULL);
		if (ps.fail || branch.none || branch.n == 0) {
			ok = 0;
			break;
		}
		for (i = 0; i < branch.n; i++) {
			/* An empty or one-byte prefix: a match could start
			 * almost anywhere. */
			if (branch.len[i] < 3)
				ok = 0;
			lset_add(&all, branch.s[i], branch.len[i]);
		}
		if (!ok || all.none || *ps.p != '|')
			break;
		ps.p++;
	}
	if (ok && !ps.fail && *ps.p == '\0' && !ps.caseless && !all.none &&
	    all.n > 0) {
		n = lset_take(&all, lits);
	}
	lset_clear(&all);
	lset_clear(&branch);
	return n;
}

size_t
md_literals_branches(const char *pattern, struct md_branch_lits **out)
{
	struct parser ps = { pattern, 0, 0 };
	struct lset prefix = { 0 }, rest = { 0 };
	struct md_branch_lits *v = NULL, *b;
	size_t n = 0, i;
	int ok = 1;

	*out = NULL;
	for (;;) {
		prefix_seq(&ps, &prefix, &rest);
		if (ps.fail || prefix.none || prefix.n == 0) {
			ok = 0;
			break;
		}
		for (i = 0; i < prefix.n; i++)
			if (prefix.len[i] < 3)
				ok = 0;	/* as md_literals_prefix */
		if (!ok)
			break;
		v = md_xreallocarray(v, n + 1, sizeof *v);
		b = &v[n++];
		memset(b, 0, sizeof *b);
		b->nprefix = lset_take(&prefix, &b->prefix);
		/* One character at least: an ASCII one occurs anywhere. */
		if (!rest.none && lset_score(&rest) >= 3)
			b->nrest = lset_take(&rest, &b->rest);
		lset_clear(&rest);
		if (*ps.p != '|')
			break;
		ps.p++;
	}
	lset_clear(&prefix);
	lset_clear(&rest);
	if (!ok || ps.fail || *ps.p != '\0' || ps.caseless) {
		md_branch_lits_free(v, n);
		return 0;
	}
	*out = v;
	return n;
}

void
md_branch_lits_free(struct md_branch_lits *b, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < b[i].nprefix; k++)
			free(b[i].prefix[k]);
		free(b[i].prefix);
		for (k = 0; k < b[i].nrest; k++)
			free(b[i].rest[k]);
		free(b[i].rest);
	}
	free(b);
}

/*
 * Plain patterns: literal characters, alternation and non-capturing
 * groups, nothing else.  Such a pattern matches exactly the strings it
 * spells out, and PCRE2 takes the first of them, in the order its
 * backtracking tries them, that matches at the leftmost position: the
 * order of the alternatives, groups expanded in place.  The sets are
 * built in that order (lset_add keeps the first of equal strings).
 */
static int plain_alt(const char **pp, struct lset *out);

static int
plain_seq(const char **pp, struct lset *out)
{
	const char *p = *pp;

	lset_clear(out);
	out->none = 0;
	lset_add(out, "", 0);
	while (*p != '\0' && *p != '|' && *p != ')') {
		struct lset atom = { 0 };
		size_t n;

		if (p[0] == '(' && p[1] == '?' && p[2] == ':') {
			p += 3;
			if (plain_alt(&p, &atom) != 0 || *p != ')') {
				lset_clear(&atom);
				return -1;
			}
			p++;
		} else if (strchr("\\^$.[]()|?*+{}", *p) != NULL) {
			return -1;
		} else {
			n = utf8_len((unsigned char)*p);
			if (strnlen(p, n) < n)
				return -1;
			lset_add(&atom, p, n);
			p += n;
		}
		/* A quantifier would make the set larger than spelled. */
		if (*p != '\0' && strchr("?*+{", *p) != NULL) {
			lset_clear(&atom);
			return -1;
		}
		lset_product(out, &atom);
		lset_clear(&atom);
		if (out->none)
			return -1;
	}
	*pp = p;
	return 0;
}

static int
plain_alt(const char **pp, struct lset *out)
{
	struct lset b = { 0 };
	size_t i;

	if (plain_seq(pp, out) != 0)
		return -1;
	while (**pp == '|') {
		(*pp)++;
		if (plain_seq(pp, &b) != 0) {
			lset_clear(&b);
			return -1;
		}
		for (i = 0; i < b.n; i++)
			lset_add(out, b.s[i], b.len[i]);
		lset_clear(&b);
		if (out->none)
			return -1;
	}
	return 0;
}

size_t
md_literals_plain(const char *pattern, char ***lits)
{
	struct lset all = { 0 };
	const char *p = pattern;
	size_t i, n = 0;

	*lits = NULL;
	if (plain_alt(&p, &all) == 0 && *p == '\0' && !all.none &&
	    all.n > 0) {
		for (i = 0; i < all.n; i++)
			if (all.len[i] == 0)
				break;	/* an empty alternative */
		if (i == all.n)
			n = lset_take(&all, lits);
	}
	lset_clear(&all);
	return n;
}

/* --- the automaton ----------------------------------------------------- */

struct literal {
	char *s;
	size_t len;
	int caseless;
	size_t *rules;
	size_t nrules;
};

struct md_prefilter {
	size_t nrules;		/* ids: one more than the highest */
	size_t nfirst;		/* given to md_prefilter_new: ids from here
				 * up are filed by md_prefilter_scan_occs */
	struct literal *lits;
	size_t nlits;
	size_t *always;
	size_t nalways;
	enum md_prefilter_impl impl;

	/* Aho-Corasick: a DFA over byte classes. */
	uint8_t cls[256];
	size_t nclass;
	uint32_t *delta;	/* nstates * nclass */
	uint32_t *out;		/* first literal ending here, or UINT32_MAX */
	uint32_t *out_next;	/* per literal: next literal in the chain */
	size_t nstates;

	/*
	 * What a hit of each literal reports, in one array: at hot_at[i],
	 * literal i's length, its number of ids, then the ids.  Hyperscan
	 * reports a literal by its offset here, so a hit reads one place in
	 * memory (the literal's struct and its ids' array lay apart, and
	 * each cost a cache miss a hit).
	 */
	uint32_t *hot, *hot_at;
	/* The hits of the scan running, logged by hs_on_log (see
	 * md_prefilter_scan_occs). */
	struct logged {
		uint32_t hot;	/* the literal's place in hot */
		uint32_t end;
	} *log;
	size_t nlog, logcap;

#ifdef HAVE_HYPERSCAN
	hs_database_t *db;
	hs_scratch_t *scratch;
#endif
};

struct md_prefilter *
md_prefilter_new(size_t nrules)
{
	struct md_prefilter *pf = md_xcalloc(1, sizeof *pf);

	pf->nrules = nrules;
	pf->nfirst = nrules;
	return pf;
}

void
md_prefilter_add(struct md_prefilter *pf, const char *lit, size_t len,
    int caseless, size_t rule)
{
	struct literal *l = NULL;
	size_t i;

	for (i = 0; i < pf->nlits; i++) {
		if (pf->lits[i].len == len && pf->lits[i].caseless == caseless &&
		    memcmp(pf->lits[i].s, lit, len) == 0) {
			l = &pf->lits[i];
			break;
		}
	}
	if (l == NULL) {
		pf->lits = md_xreallocarray(pf->lits, pf->nlits + 1,
		    sizeof *pf->lits);
		l = &pf->lits[pf->nlits++];
		memset(l, 0, sizeof *l);
		l->s = md_xstrndup(lit, len);
		l->len = len;
		l->caseless = caseless;
	}
	if (rule >= pf->nrules)
		pf->nrules = rule + 1;
	for (i = 0; i < l->nrules; i++)
		if (l->rules[i] == rule)
			return;
	l->rules = md_xreallocarray(l->rules, l->nrules + 1, sizeof *l->rules);
	l->rules[l->nrules++] = rule;
}

void
md_prefilter_always(struct md_prefilter *pf, size_t rule)
{
	if (rule >= pf->nrules)
		pf->nrules = rule + 1;
	pf->always = md_xreallocarray(pf->always, pf->nalways + 1,
	    sizeof *pf->always);
	pf->always[pf->nalways++] = rule;
}

static unsigned char
fold(unsigned char c, int caseless)
{
	return caseless ? (unsigned char)tolower(c) : c;
}

/*
 * Aho-Corasick, built as a full DFA over byte classes so the scan is one
 * table lookup per byte.  When some literal is caseless, every literal is
 * entered in lower case and A-Z share a-z's classes; a case-sensitive
 * literal found that way is confirmed byte for byte in ac_scan().
 */
static void
ac_build(struct md_prefilter *pf)
{
	size_t i, j, c, cap, head, tail, any_caseless = 0;
	uint32_t *trie, *fail, *queue;
	uint8_t used[256] = { 0 };

	for (i = 0; i < pf->nlits; i++)
		any_caseless |= (size_t)pf->lits[i].caseless;
	for (i = 0; i < pf->nlits; i++)
		for (j = 0; j < pf->lits[i].len; j++)
			used[fold((unsigned char)pf->lits[i].s[j],
			    (int)any_caseless)] = 1;
	pf->nclass = 1;		/* class 0: bytes in no literal */
	for (c = 0; c < 256; c++)
		if (used[c])
			pf->cls[c] = (uint8_t)pf->nclass++;
	if (any_caseless)
		for (c = 'A'; c <= 'Z'; c++)
			pf->cls[c] = pf->cls[tolower((int)c)];

	cap = 1;
	for (i = 0; i < pf->nlits; i++)
		cap += pf->lits[i].len;
	trie = md_xcalloc(cap * pf->nclass, sizeof *trie);
	pf->out = md_xmalloc(cap * sizeof *pf->out);
	pf->out_next = md_xmalloc((pf->nlits ? pf->nlits : 1) *
	    sizeof *pf->out_next);
	for (i = 0; i < cap; i++)
		pf->out[i] = UINT32_MAX;
	pf->nstates = 1;
	for (i = 0; i < pf->nlits; i++) {
		uint32_t s = 0;

		for (j = 0; j < pf->lits[i].len; j++) {
			size_t k = pf->cls[fold((unsigned char)pf->lits[i].s[j],
			    (int)any_caseless)];

			if (trie[s * pf->nclass + k] == 0)
				trie[s * pf->nclass + k] =
				    (uint32_t)pf->nstates++;
			s = trie[s * pf->nclass + k];
		}
		pf->out_next[i] = pf->out[s];
		pf->out[s] = (uint32_t)i;
	}
	/* Breadth-first: failure links, then complete the DFA.  Output
	 * chains are extended with the failure state's chain by linking the
	 * last own literal to it (lists are built so they share tails). */
	fail = md_xcalloc(pf->nstates, sizeof *fail);
	queue = md_xmalloc(pf->nstates * sizeof *queue);
	head = tail = 0;
	for (c = 0; c < pf->nclass; c++) {
		uint32_t t = trie[c];

		if (t != 0) {
			fail[t] = 0;
			queue[tail++] = t;
		}
	}
	while (head < tail) {
		uint32_t s = queue[head++];
		uint32_t last;

		/* Append fail[s]'s outputs to s's chain. */
		if (pf->out[s] == UINT32_MAX) {
			pf->out[s] = pf->out[fail[s]];
		} else {
			last = pf->out[s];
			while (pf->out_next[last] != UINT32_MAX &&
			    pf->out_next[last] != pf->out[fail[s]])
				last = pf->out_next[last];
			if (pf->out_next[last] == UINT32_MAX)
				pf->out_next[last] = pf->out[fail[s]];
		}
		for (c = 0; c < pf->nclass; c++) {
			uint32_t t = trie[s * pf->nclass + c];

			if (t != 0) {
				fail[t] = trie[fail[s] * pf->nclass + c];
				queue[tail++] = t;
			} else {
				trie[s * pf->nclass + c] =
				    trie[fail[s] * pf->nclass + c];
			}
		}
	}
	pf->delta = trie;
	free(fail);
	free(queue);
}

/* Where a scan's hits go. */
struct sink {
	const struct md_prefilter *pf;
	md_prefilter_hit hit;
	void *arg;
	struct md_occ_list *occs;	/* NULL: every id to hit */
};

/*
 * Files an occurrence in order of start, keeping the shortest of those
 * that start alike.  Hits come in order of end, so an occurrence lands at
 * the end of its list or a step or two before it (a longer literal that
 * ended later started earlier).
 */
static void
occ_add(struct md_occ_list *l, size_t at, size_t end)
{
	uint32_t i = l->n;

	while (i > 0 && l->v[i - 1].at > at)
		i--;
	if (i > 0 && l->v[i - 1].at == at) {
		if (end < l->v[i - 1].end)
			l->v[i - 1].end = (uint32_t)end;
		return;
	}
	if (l->n == l->cap) {
		if (l->cap > UINT32_MAX / 2)
			md_fatal("prefilter: more than 2^31 occurrences of "
			    "one literal set");
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = md_xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	if (i < l->n)
		memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof *l->v);
	l->v[i].at = (uint32_t)at;
	l->v[i].end = (uint32_t)end;
	l->n++;
}

/* A hit of the literal at pf->hot[at] (see struct md_prefilter). */
static void
report_hot(const struct sink *sk, uint32_t at, size_t end)
{
	const uint32_t *h = sk->pf->hot + at;
	size_t i, id, len = h[0], nrules = sk->pf->nfirst;

	for (i = 0; i < h[1]; i++) {
		id = h[2 + i];
		if (sk->occs != NULL && id >= nrules)
			occ_add(&sk->occs[id - nrules], end - len, end);
		else
			sk->hit(sk->arg, id, end, len);
	}
}

static void
ac_scan(const struct md_prefilter *pf, const char *text, size_t len,
    const struct sink *sk)
{
	const unsigned char *p = (const unsigned char *)text;
	const uint32_t *delta = pf->delta;
	const uint8_t *cls = pf->cls;
	size_t nclass = pf->nclass, i;
	uint32_t s = 0;

	for (i = 0; i < len; i++) {
		s = delta[s * nclass + cls[p[i]]];
		if (pf->out[s] != UINT32_MAX) {
			uint32_t k;

			for (k = pf->out[s]; k != UINT32_MAX;
			    k = pf->out_next[k]) {
				const struct literal *l = &pf->lits[k];

				/* A case-sensitive literal reached through
				 * case folding: confirm its bytes. */
				if (!l->caseless && i + 1 >= l->len &&
				    memcmp(text + i + 1 - l->len, l->s,
				    l->len) != 0)
					continue;
				report_hot(sk, pf->hot_at[k], i + 1);
			}
		}
	}
}

#ifdef HAVE_HYPERSCAN
static int
hs_on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	(void)from;
	(void)flags;
	report_hot(ctx, id, (size_t)to);
	return 0;
}

/* A hit logged, to be reported after the scan. */
static int
hs_on_log(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	struct md_prefilter *pf = ctx;

	(void)from;
	(void)flags;
	if (pf->nlog == pf->logcap) {
		pf->logcap = pf->logcap ? pf->logcap * 2 : 256;
		pf->log = md_xreallocarray(pf->log, pf->logcap,
		    sizeof *pf->log);
	}
	pf->log[pf->nlog].hot = id;
	pf->log[pf->nlog++].end = (uint32_t)to;
	return 0;
}

static int
hs_build(struct md_prefilter *pf, struct md_error *err)
{
	const char **exprs;
	unsigned *flags, *ids;
	size_t *lens, i, n = 0;
	hs_compile_error_t *cerr = NULL;

	if (pf->nlits == 0)
		return 0;
	exprs = md_xcalloc(pf->nlits, sizeof *exprs);
	flags = md_xcalloc(pf->nlits, sizeof *flags);
	ids = md_xcalloc(pf->nlits, sizeof *ids);
	lens = md_xcalloc(pf->nlits, sizeof *lens);
	for (i = 0; i < pf->nlits; i++) {
		if (pf->lits[i].nrules == 0)
			continue;	/* see prune_implied */
		exprs[n] = pf->lits[i].s;
		lens[n] = pf->lits[i].len;
		ids[n] = pf->hot_at[i];
		flags[n++] = pf->lits[i].caseless ? HS_FLAG_CASELESS : 0;
	}
	if (n == 0) {
		free(exprs);
		free(flags);
		free(ids);
		free(lens);
		return 0;
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens,
	    (unsigned)n, HS_MODE_BLOCK, NULL, &pf->db, &cerr) !=
	    HS_SUCCESS) {
		md_error_set(err, "hyperscan: %s (literal %d)",
		    cerr ? cerr->message : "compile failed",
		    cerr ? cerr->expression : -1);
		hs_free_compile_error(cerr);
		pf->db = NULL;
	} else if (hs_alloc_scratch(pf->db, &pf->scratch) != HS_SUCCESS) {
		md_error_set(err, "hyperscan: cannot allocate scratch space");
		hs_free_database(pf->db);
		pf->db = NULL;
	}
	free(exprs);
	free(flags);
	free(ids);
	free(lens);
	return pf->db != NULL ? 0 : -1;
}
#endif

/*
 * 1 when every occurrence of literal b holds an occurrence of a that tells
 * id as much: a starts b (the same start, and an occurrence list keeps the
 * shortest of those that start alike), or, for a rule's id, a lies
 * anywhere inside b (a rule's hit only names the sentence).  A caseless a
 * occurs wherever b does; a case-sensitive one only inside a
 * case-sensitive b.
 */
static int
implies(const struct literal *a, const struct literal *b, int rule)
{
	size_t k;

	if (a->len >= b->len || (!a->caseless && b->caseless))
		return 0;
	for (k = 0; k + a->len <= b->len; k++) {
		if (a->caseless ? strncasecmp(b->s + k, a->s, a->len) == 0 :
		    memcmp(b->s + k, a->s, a->len) == 0)
			return 1;
		if (!rule)
			break;
	}
	return 0;
}

/*
 * Drops each id from the literals whose occurrences another literal of
 * the same id already reports (see implies): 全员核酸检测 beside 全员核酸
 * in one prefix set, 暂停到校教学 beside 暂停到校.  The filed lists and
 * the candidate sentences stay the same; a literal left without ids is
 * not searched at all, and each of its hits cost Hyperscan and the
 * callback as much as a useful one.
 */
static void
prune_implied(struct md_prefilter *pf)
{
	size_t i, j, k, m, n;

	for (i = 0; i < pf->nlits; i++) {
		struct literal *b = &pf->lits[i];

		for (k = n = 0; k < b->nrules; k++) {
			size_t id = b->rules[k];
			int covered = 0;

			for (j = 0; j < pf->nlits && !covered; j++) {
				const struct literal *a = &pf->lits[j];

				if (j == i || !implies(a, b, id < pf->nfirst))
					continue;
				for (m = 0; m < a->nrules; m++)
					if (a->rules[m] == id)
						covered = 1;
			}
			if (!covered)
				b->rules[n++] = id;
		}
		b->nrules = n;
	}
}

/* Fills pf->hot and pf->hot_at from the literals. */
static void
build_hot(struct md_prefilter *pf)
{
	size_t i, k, n = 0;

	for (i = 0; i < pf->nlits; i++)
		n += 2 + pf->lits[i].nrules;
	if (n > UINT32_MAX)
		md_fatal("prefilter: too many literals");
	pf->hot = md_xcalloc(n + 1, sizeof *pf->hot);
	pf->hot_at = md_xcalloc(pf->nlits + 1, sizeof *pf->hot_at);
	for (i = n = 0; i < pf->nlits; i++) {
		if (pf->lits[i].len > UINT32_MAX ||
		    pf->lits[i].nrules > UINT32_MAX)
			md_fatal("prefilter: literal too long");
		pf->hot_at[i] = (uint32_t)n;
		pf->hot[n++] = (uint32_t)pf->lits[i].len;
		pf->hot[n++] = (uint32_t)pf->lits[i].nrules;
		for (k = 0; k < pf->lits[i].nrules; k++) {
			if (pf->lits[i].rules[k] > UINT32_MAX)
				md_fatal("prefilter: too many ids");
			pf->hot[n++] = (uint32_t)pf->lits[i].rules[k];
		}
	}
}

int
md_prefilter_build(struct md_prefilter *pf, enum md_prefilter_impl impl,
    struct md_error *err)
{
	prune_implied(pf);
	build_hot(pf);
#ifdef HAVE_HYPERSCAN
	if (impl == MD_PF_AUTO || impl == MD_PF_HYPERSCAN) {
		pf->impl = MD_PF_HYPERSCAN;
		return hs_build(pf, err);
	}
#else
	if (impl == MD_PF_HYPERSCAN) {
		md_error_set(err, "this measured was built without Hyperscan");
		return -1;
	}
#endif
	pf->impl = MD_PF_AHO_CORASICK;
	ac_build(pf);
	return 0;
}

const char *
md_prefilter_name(const struct md_prefilter *pf)
{
	return pf->impl == MD_PF_HYPERSCAN ? "hyperscan" : "aho-corasick";
}

size_t
md_prefilter_bitmap_size(const struct md_prefilter *pf)
{
	return (pf->nrules + 7) / 8;
}

size_t
md_prefilter_nliterals(const struct md_prefilter *pf)
{
	return pf->nlits;
}

void
md_prefilter_scan_occs(struct md_prefilter *pf, const char *text,
    size_t len, md_prefilter_hit hit, void *arg, struct md_occ_list *occs)
{
	struct sink sk = { pf, hit, arg, occs };
	size_t i, r;
	int rc;

	if (pf->nlits == 0)
		return;
#ifdef HAVE_HYPERSCAN
	if (pf->impl == MD_PF_HYPERSCAN) {
		if (pf->db == NULL)
			return;
		if (len > UINT32_MAX)
			goto failed;
		if (occs == NULL) {
			if (hs_scan(pf->db, text, (unsigned)len, 0,
			    pf->scratch, hs_on_match, &sk) == HS_SUCCESS)
				return;
			goto failed;
		}
		/*
		 * The hits are logged as Hyperscan reports them and filed
		 * after the scan, in the same order: filing a hit touches the
		 * lists of its ids, which lie all over memory, and done
		 * inside the scan that evicted Hyperscan's own tables and
		 * the lists each other's.
		 */
		pf->nlog = 0;
		rc = hs_scan(pf->db, text, (unsigned)len, 0, pf->scratch,
		    hs_on_log, pf);
		for (i = 0; i < pf->nlog; i++)
			report_hot(&sk, pf->log[i].hot, pf->log[i].end);
		if (rc == HS_SUCCESS)
			return;
		goto failed;
	}
#endif
	if (len <= UINT32_MAX) {
		ac_scan(pf, text, len, &sk);
		return;
	}
#ifdef HAVE_HYPERSCAN
failed:
#endif
	/* Never "no" wrongly: every id with literals may occur anywhere. */
	for (i = 0; i < pf->nlits; i++)
		for (r = 0; r < pf->lits[i].nrules; r++)
			hit(arg, pf->lits[i].rules[r],
			    MD_PREFILTER_EVERYWHERE, 0);
}

void
md_prefilter_scan(struct md_prefilter *pf, const char *text, size_t len,
    md_prefilter_hit hit, void *arg)
{
	md_prefilter_scan_occs(pf, text, len, hit, arg, NULL);
}

int
md_prefilter_always_of(const struct md_prefilter *pf, size_t rule)
{
	size_t i;

	for (i = 0; i < pf->nalways; i++)
		if (pf->always[i] == rule)
			return 1;
	return 0;
}

static void
set_bit(void *arg, size_t rule, size_t end, size_t len)
{
	(void)end;
	(void)len;
	md_bit_set(arg, rule);
}

void
md_prefilter_scan_bitmap(struct md_prefilter *pf, const char *text,
    size_t len, uint8_t *bitmap)
{
	size_t i;

	memset(bitmap, 0, md_prefilter_bitmap_size(pf));
	for (i = 0; i < pf->nalways; i++)
		md_bit_set(bitmap, pf->always[i]);
	md_prefilter_scan(pf, text, len, set_bit, bitmap);
}

void
md_prefilter_free(struct md_prefilter *pf)
{
	size_t i;

	if (pf == NULL)
		return;
	for (i = 0; i < pf->nlits; i++) {
		free(pf->lits[i].s);
		free(pf->lits[i].rules);
	}
	free(pf->lits);
	free(pf->always);
	free(pf->delta);
	free(pf->out);
	free(pf->out_next);
	free(pf->hot);
	free(pf->hot_at);
	free(pf->log);
#ifdef HAVE_HYPERSCAN
	if (pf->scratch != NULL)
		hs_free_scratch(pf->scratch);
	if (pf->db != NULL)
		hs_free_database(pf->db);
#endif
	free(pf);
}
