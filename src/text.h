/*
 * text.h - the host's text services: UTF-8 validation, full-width folding
 * with an offset map back to the submitted bytes, clause and sentence
 * splitting, negation and lifting scope, numerals, durations, test
 * frequencies and the date a document states.
 *
 * Plugins reach these through struct md_host (include/measured/plugin.h);
 * the engine, the rule compiler and the tests call them directly.  There is
 * one implementation of each, in text.c.
 */
#ifndef MD_TEXT_H
#define MD_TEXT_H

#include <stddef.h>

#include "measured/plugin.h"

/*
 * Bytes of zeros after the normalized text's NUL.  PCRE2's JIT reads ahead
 * of the subject with SIMD loads (up to 16 bytes); with the padding those
 * reads stay inside an initialized allocation, which keeps valgrind's
 * memcheck meaningful for the rest of the program.
 */
#define MD_TEXT_PAD 64

/*
 * The offset map is sparse: a point wherever folding changed the length
 * (a full-width character, a dropped BOM, CRLF), saying that normalized
 * offset norm is submitted offset orig; between points the two advance
 * together.  md_text_orig() looks one up by binary search.
 */
struct md_text_point {
	size_t norm;
	size_t orig;
};

/*
 * A submitted text and its normalized form.  md_text_init() fills every
 * member; md_text_release() frees them.  The caller keeps orig alive for as
 * long as the md_text is used (it is not copied).
 */
struct md_text {
	const char *orig;	/* the bytes as submitted, not owned */
	size_t orig_len;
	char *norm;		/* folded text, NUL-terminated and followed
				 * by MD_TEXT_PAD zero bytes, owned */
	size_t norm_len;
	struct md_text_point *points;	/* the offset map, see below */
	size_t npoints;
	struct md_clause *clauses;	/* in text order, owned */
	size_t nclauses;
	struct md_clause *sentences;	/* .sentence is its own index */
	size_t nsentences;
};

/* 0 when s[0..len) is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF, no NUL byte); else -EILSEQ with *bad set to the offset of
 * the first offending byte (bad may be NULL). */
int md_utf8_check(const char *s, size_t len, size_t *bad);

/*
 * Validates s (md_utf8_check), folds it and splits it.  Folding maps
 * U+FF01..U+FF5E to U+0021..U+007E and U+3000 to a space; nothing else
 * changes (。、“” and CJK stay as they are).  A BOM at the start is dropped.
 * CRLF and CR become LF.  Returns 0, -EILSEQ (with *bad) or -ENOMEM.
 */
int md_text_init(struct md_text *t, const char *s, size_t len, size_t *bad);
void md_text_release(struct md_text *t);

/* The offset in the submitted bytes of normalized offset off (clamped). */
size_t md_text_orig(const struct md_text *t, size_t off);

/* Fills a struct md_document's text, len, clauses and sentences from t. */
void md_text_document(const struct md_text *t, struct md_document *doc);

/*
 * Numerals at s: Arabic (7, 14, 1.5), full-width (７), Chinese
 * (七, 十四, 二十一, 一百二十, 两, 〇/零, 半 = 0.5).  "十" alone is 10.
 * 0 with *value and *used, or -ENOENT when s does not start with one.
 */
int md_parse_number(const char *s, size_t len, double *value, size_t *used);

/* "7+3", "7天+3天", "5+3" at s (also with ＋ and spaces around +). */
int md_parse_plus(const char *s, size_t len, double *first, double *second,
    size_t *used);

/* A number then a unit: 小时/个小时 (days = h/24), 天/日 (days),
 * 周/星期/个星期 (7 days), 个月/月 (30 days; "半个月" is 15).  "一周",
 * "半个月", "48小时", "十四天", "7日". */
int md_parse_duration(const char *s, size_t len, struct md_duration *out,
    size_t *used);

/* Test frequencies: 一天两检, 一日三检, 三天两检 (2 per 3 days),
 * 每天一检, 每日一次, 每天两次核酸, 每日1次, 每2天1次, 隔天一检 (1 per 2),
 * 一天一检.  count per period_days. */
int md_parse_frequency(const char *s, size_t len, struct md_frequency *out,
    size_t *used);

/* The clause of doc containing off (binary search), or NULL. */
const struct md_clause *md_clause_at(const struct md_document *doc,
    size_t off);

/*
 * Scope of [start, end): MD_SCOPE_NEGATED when a negator (不得, 严禁, 禁止,
 * 不再, 取消, 纠正, 杜绝, 避免, 反对, 防止, 不要, 决不能, 不能, 严防, 不准,
 * 不允许, 切忌) occurs earlier in the same clause; MD_SCOPE_LIFTED when a
 * lifting word (解封, 解除, 恢复, 有序放开, 放开, 降为低风险, 撤销, 终止,
 * 停止执行) does.  The nearer of the two wins.  Text in the clause after
 * end is not looked at.
 */
enum md_scope md_scope_at(const struct md_document *doc, size_t start,
    size_t end);
/* md_scope_at for a start whose clause (md_clause_at's, or NULL) the
 * caller knows already. */
enum md_scope md_scope_in(const struct md_document *doc,
    const struct md_clause *c, size_t start);

/*
 * The date a document states: the closing date line of a notice (a line
 * that is only a date, the last one wins), else the first full date in the
 * text.  Forms: 2022年11月20日, 2022年11月20号, 二〇二二年十一月二十日,
 * 2022-11-20, 2022/11/20, 2022.11.20.  Writes "YYYY-MM-DD" to out (11 bytes)
 * and returns 0, or -ENOENT.  Validates the calendar (no 2022-02-30).
 */
int md_text_date(const char *s, size_t len, char out[11]);

/* The first month and day without a year (11月20日), in the year that
 * puts it on or before ref (YYYY-MM-DD).  0, or -ENOENT. */
int md_text_month_day(const char *s, size_t len, const char *ref,
    char out[11]);

#endif /* MD_TEXT_H */
