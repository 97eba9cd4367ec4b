/*
 * json.h - writing JSON fast.
 *
 * md_json_write() writes a jansson value exactly as
 * json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6)) does, byte for
 * byte, in a fraction of the time: every answer of the daemon and every
 * finding it stores goes through it (see docs/PERFORMANCE.md, "The
 * daemon").  jansson's writer validates each string's UTF-8 again, a
 * character at a time, and hands its output over in pieces through a
 * callback; the strings here were validated when they were made (jansson
 * refuses invalid UTF-8 in json_string()), so they are copied in runs,
 * escaping only what JSON requires.
 */
#ifndef MD_JSON_H
#define MD_JSON_H

#include <jansson.h>

#include "util.h"

/* Appends v to b (not NUL-terminated; md_buf keeps room for one). */
void md_json_write(struct md_buf *b, const json_t *v);

/* s (n bytes, valid UTF-8) as a JSON string, quotes included. */
void md_json_write_string(struct md_buf *b, const char *s, size_t n);

/* v in decimal, as "%lld" writes it. */
void md_json_write_int(struct md_buf *b, long long v);

/* v as jansson writes a real at precision 6. */
void md_json_write_real(struct md_buf *b, double v);

/* v as a new NUL-terminated string, never NULL (allocation failing exits,
 * as md_xmalloc does); *len (may be NULL) gets its length. */
char *md_json_dumps(const json_t *v, size_t *len);

#endif /* MD_JSON_H */
