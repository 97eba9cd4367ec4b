/*
 * util.h - small things every part of measured uses: allocation that never
 * returns NULL, the logger, error values with a message, string helpers.
 */
#ifndef MD_UTIL_H
#define MD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#if defined(__GNUC__)
#define MD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MD_NORETURN __attribute__((noreturn))
#else
#define MD_PRINTF(f, a)
#define MD_NORETURN
#endif

#define MD_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators: on failure they log and exit(70); they never return NULL. */
void *md_xmalloc(size_t size);
void *md_xcalloc(size_t n, size_t size);
void *md_xrealloc(void *p, size_t size);
void *md_xreallocarray(void *p, size_t n, size_t size);
char *md_xstrdup(const char *s);
char *md_xstrndup(const char *s, size_t n);
char *md_xasprintf(const char *fmt, ...) MD_PRINTF(1, 2);

/* Log priorities are syslog's (3 err .. 7 debug). */
extern int md_log_level;	/* messages above this are dropped */
void md_log(int priority, const char *fmt, ...) MD_PRINTF(2, 3);
void md_vlog(int priority, const char *fmt, va_list ap);
MD_NORETURN void md_fatal(const char *fmt, ...) MD_PRINTF(1, 2);

/*
 * An error: a message that says what was wrong and where.  Functions that
 * can fail take a struct md_error * (may be NULL) and fill it; the first
 * message set wins, so the innermost cause is kept.
 */
struct md_error {
	char msg[1024];
	int set;
};
void md_error_set(struct md_error *err, const char *fmt, ...) MD_PRINTF(2, 3);
void md_error_clear(struct md_error *err);

/* Reads a whole file; NUL-terminates.  NULL and err on failure. */
char *md_read_file(const char *path, size_t *len, size_t max,
    struct md_error *err);

/* 1 when s is a valid YYYY-MM-DD calendar date. */
int md_date_valid(const char *s);
/* Today's date in China Standard Time (UTC+8), as YYYY-MM-DD. */
void md_date_today(char out[11]);

/* Seconds on the monotonic clock. */
double md_mono(void);

/* t as an RFC 3339 timestamp in China Standard Time,
 * "2022-11-20T08:30:00+08:00". */
void md_time_iso(time_t t, char out[26]);

/* The wall clock in milliseconds since the epoch (the outbox's times). */
long long md_wall_ms(void);

/* v in decimal, written backwards to end from end (at most 20 bytes
 * before it); where it begins. */
char *md_decimal(char *end, unsigned long long v);

/* s (NULL: "") into out of size n (n > 0), cut short at a character
 * boundary of UTF-8 if it must be. */
void md_copy(char *out, size_t n, const char *s);

/* A growable string buffer. */
struct md_buf {
	char *data;
	size_t len;
	size_t cap;
};
void md_buf_add(struct md_buf *b, const char *s, size_t n);
/* Room for n more bytes and a NUL after len; where they go.  The caller
 * writes them and moves len (and the NUL) itself. */
char *md_buf_reserve(struct md_buf *b, size_t n);
void md_buf_adds(struct md_buf *b, const char *s);
void md_buf_printf(struct md_buf *b, const char *fmt, ...) MD_PRINTF(2, 3);
void md_buf_free(struct md_buf *b);

#endif /* MD_UTIL_H */
