/*
 * util.c - allocation, logging, errors, files, dates and buffers shared by
 * the daemon, the command line and the tests.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util.h"

int md_log_level = 6;

static MD_NORETURN void
oom(size_t size)
{
	fprintf(stderr, "<2>measured: out of memory allocating %zu bytes\n",
	    size);
	exit(70);
}

void *
md_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		oom(size);
	return p;
}

void *
md_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
md_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		oom(size);
	return q;
}

void *
md_xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > (size_t)-1 / size)
		oom((size_t)-1);
	return md_xrealloc(p, n * size);
}

char *
md_xstrdup(const char *s)
{
	return md_xstrndup(s, strlen(s));
}

char *
md_xstrndup(const char *s, size_t n)
{
	char *p = md_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
md_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	return s;
}

void
md_vlog(int priority, const char *fmt, va_list ap)
{
	char line[2048];

	if (priority > md_log_level)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	/* One write per line, with the sd-daemon priority prefix that
	 * journald understands. */
	fprintf(stderr, "<%d>%s\n", priority, line);
}

void
md_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	md_vlog(priority, fmt, ap);
	va_end(ap);
}

void
md_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	md_vlog(2, fmt, ap);
	va_end(ap);
	exit(70);
}

void
md_error_set(struct md_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->set)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->set = 1;
}

void
md_error_clear(struct md_error *err)
{
	if (err != NULL) {
		err->msg[0] = '\0';
		err->set = 0;
	}
}

char *
md_read_file(const char *path, size_t *len, size_t max, struct md_error *err)
{
	struct md_buf b = { 0 };
	char chunk[65536];
	FILE *f;
	size_t n;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		md_error_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > max) {
			md_error_set(err, "%s: larger than the limit of %zu "
			    "bytes", path, max);
			goto fail;
		}
		md_buf_add(&b, chunk, n);
	}
	if (ferror(f)) {
		md_error_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	md_buf_add(&b, "", 0);
	*len = b.len;
	return b.data;
fail:
	if (f != stdin)
		fclose(f);
	md_buf_free(&b);
	return NULL;
}

char *
md_decimal(char *end, unsigned long long v)
{
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

void
md_copy(char *out, size_t n, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out, s != NULL ? s : "", len);
	out[len] = '\0';
}

int
md_date_valid(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	static const int digit[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
	int y, m, d, leap;
	size_t i;

	/* YYYY-MM-DD, digits only (sscanf would take " 1" for a month). */
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < MD_NELEM(digit); i++)
		if (s[digit[i]] < '0' || s[digit[i]] > '9')
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

void
md_date_today(char out[11])
{
	time_t now = time(NULL) + 8 * 3600;	/* China Standard Time */
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

double
md_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
md_time_iso(time_t t, char out[26])
{
	struct tm tm;

	t += 8 * 3600;
	gmtime_r(&t, &tm);
	strftime(out, 26, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

long long
md_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
md_buf_reserve(struct md_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = md_xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->len;
}

void
md_buf_add(struct md_buf *b, const char *s, size_t n)
{
	md_buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
md_buf_adds(struct md_buf *b, const char *s)
{
	md_buf_add(b, s, strlen(s));
}

void
md_buf_printf(struct md_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(strlen(fmt));
	md_buf_add(b, s, (size_t)n);
	free(s);
}

void
md_buf_free(struct md_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
