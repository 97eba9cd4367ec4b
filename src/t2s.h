/*
 * t2s.h - traditional to simplified Chinese, a character at a time, for
 * matching: complaints are sometimes typed in traditional characters, and
 * the rules are written in simplified ones.
 */
#ifndef MD_T2S_H
#define MD_T2S_H

#include <stdint.h>

/*
 * The simplified form of an ideograph U+3400..U+9FFF, or 0 when it has
 * none in that range (so text converted in place keeps every byte offset,
 * and what is an ideograph stays one).  The table is built from OpenCC's
 * t2s conversion the first time it is needed, once per process (the
 * engine asks for it when it loads).
 */
uint32_t md_t2s(uint32_t cp);

/* The table itself, indexed by cp - MD_T2S_FIRST for
 * MD_T2S_FIRST..MD_T2S_LAST, or NULL without OpenCC. */
#define MD_T2S_FIRST 0x3400u
#define MD_T2S_LAST 0x9fffu
const uint16_t *md_t2s_table(void);

/* 1 when the table could be built (OpenCC and its data are there). */
int md_t2s_available(void);

#endif /* MD_T2S_H */
