/*
 * redact.h - the one redaction service: masks personal data in text that
 * leaves the review UI (the weekly report's excerpts and place names).
 *
 * What is masked, each replaced by a bracketed label that says what was
 * there ([手机号], [电话], [身份证号], [邮箱], [车牌], [姓名], [门牌]):
 *
 *   - mobile numbers: 1[3-9]x and 8 more digits, with or without +86/0086,
 *     spaces or dashes between the groups;
 *   - landlines: an area code 0xx or 0xxx (in brackets or not) and 7 or 8
 *     digits, with an extension (转123, -123, 分机123); a bare 7 or 8
 *     digits only after a phone cue (电话, 座机, 联系方式, ...);
 *   - 18-digit resident ID numbers: six region digits, a birth date from
 *     1900 to 2099 that is a real month and day, three digits and a check
 *     digit or X.  The checksum is not verified (a mistyped ID is still
 *     an ID), but the date must be plausible, so case numbers and other
 *     long numbers (20221105000123, 18 digits without a date) stay;
 *   - e-mail addresses;
 *   - licence plates: a province character, a letter, then 5 characters
 *     (6 for new-energy plates), with or without a dot or space;
 *   - names after a cue: 我叫, 名叫, 姓名, 联系人 take any 2 to 4 Chinese
 *     characters that end at punctuation, a space or a verb-like word
 *     (是, 在, 反映, 投诉, ...); weaker cues (本人, 家长, 患者, 业主, 投诉人,
 *     ...) only a name that starts with a common surname, so that 本人在家
 *     stays.  A surname with a title (王女士, 李先生) stays: it names no
 *     one;
 *   - house-level addresses: numbered buildings, units, rooms, floors
 *     (3号楼2单元501室, 5栋, 12层, 1202号房) and a house number after a road
 *     (建国路12号).  Province, city, district, street and compound names
 *     stay.
 *
 * Dates, durations (7+3, 5天), 12345 and other short numbers, notice
 * numbers (〔2022〕101号) and case numbers stay.  The text must be valid
 * UTF-8 and stays so: only whole matches are replaced.
 */
#ifndef MD_REDACT_H
#define MD_REDACT_H

#include <stddef.h>

/* The kinds, in the order they are reported. */
enum md_redact_kind {
	MD_REDACT_MOBILE, MD_REDACT_LANDLINE, MD_REDACT_ID, MD_REDACT_EMAIL,
	MD_REDACT_PLATE, MD_REDACT_NAME, MD_REDACT_ADDRESS, MD_REDACT_NKINDS
};

/*
 * A copy of s (valid UTF-8, NUL-terminated) with personal data masked;
 * counts[kind] (may be NULL) gets how many of each kind were masked.
 * The caller frees the result.  Thread-safe: the patterns are compiled
 * once, on first use.
 */
char *md_redact(const char *s, unsigned counts[MD_REDACT_NKINDS]);

/*
 * Only s[start, end) (on character boundaries), redacted with the rest of
 * s as context: an excerpt cut out of a longer text keeps no piece of
 * what runs across its edge (the 三 of 我叫张三 when the cut fell after
 * 张).  The caller frees the result.
 */
char *md_redact_window(const char *s, size_t start, size_t end,
    unsigned counts[MD_REDACT_NKINDS]);

/* The label a kind is masked with ("[手机号]"). */
const char *md_redact_label(enum md_redact_kind kind);

#endif /* MD_REDACT_H */
