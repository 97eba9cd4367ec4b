/*
 * json.c - writing JSON fast; see json.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/*
 * Which bytes JSON requires escaped: the quote, the backslash and the
 * control characters.  Bytes of multibyte UTF-8 sequences are all 0x80
 * or above, so a run of bytes without these is copied as it is.
 */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* '\\' */
};

void
md_json_write_string(struct md_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t need = 2 + n;
	char *o;

	/* The exact room: an escape takes two bytes, \u00XX six (a flag
	 * view's text may be megabytes; six times it would be waste). */
	for (; p < end; p++)
		if (needs_escape[*p])
			need += *p == '"' || *p == '\\' || *p == '\b' ||
			    *p == '\f' || *p == '\n' || *p == '\r' ||
			    *p == '\t' ? 1 : 5;
	p = (const unsigned char *)s;
	o = md_buf_reserve(b, need);
	*o++ = '"';
	while (p < end) {
		const unsigned char *run = p;

		while (p < end && !needs_escape[*p])
			p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			break;
		*o++ = '\\';
		switch (*p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
			break;
		}
		p++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
}

/* jansson's jsonp_dtostr() at precision 6, as json_dumps() writes it. */
void
md_json_write_real(struct md_buf *b, double v)
{
	char s[64], *e, *from;
	int n = snprintf(s, sizeof s - 3, "%.6g", v);

	if (n < 0 || (size_t)n >= sizeof s - 3)
		n = 0;
	if ((e = strchr(s, ',')) != NULL)	/* a locale's decimal comma */
		*e = '.';
	if (strchr(s, '.') == NULL && strchr(s, 'e') == NULL) {
		memcpy(s + n, ".0", 3);
		n += 2;
	}
	/* No '+' and no leading zeros in the exponent. */
	if ((e = strchr(s, 'e')) != NULL) {
		e++;
		from = e + 1;
		if (*e == '-')
			e++;
		while (*from == '0')
			from++;
		if (from != e) {
			memmove(e, from, (size_t)(s + n + 1 - from));
			n -= (int)(from - e);
		}
	}
	md_buf_add(b, s, (size_t)n);
}

void
md_json_write_int(struct md_buf *b, long long v)
{
	char num[24], *end = num + sizeof num, *p;

	p = md_decimal(end, v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v);
	if (v < 0)
		*--p = '-';
	md_buf_add(b, p, (size_t)(end - p));
}

void
md_json_write(struct md_buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *m;
		int first = 1;

		md_buf_add(b, "{", 1);
		json_object_foreach((json_t *)v, key, m) {
			if (!first)
				md_buf_add(b, ",", 1);
			first = 0;
			md_json_write_string(b, key, strlen(key));
			md_buf_add(b, ":", 1);
			md_json_write(b, m);
		}
		md_buf_add(b, "}", 1);
		break;
	}
	case JSON_ARRAY: {
		size_t i;

		md_buf_add(b, "[", 1);
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				md_buf_add(b, ",", 1);
			md_json_write(b, json_array_get(v, i));
		}
		md_buf_add(b, "]", 1);
		break;
	}
	case JSON_STRING:
		md_json_write_string(b, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_INTEGER:
		md_json_write_int(b, json_integer_value(v));
		break;
	case JSON_REAL:
		md_json_write_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		md_buf_add(b, "true", 4);
		break;
	case JSON_FALSE:
		md_buf_add(b, "false", 5);
		break;
	case JSON_NULL:
		md_buf_add(b, "null", 4);
		break;
	}
}

char *
md_json_dumps(const json_t *v, size_t *len)
{
	struct md_buf b = { 0 };

	md_json_write(&b, v);
	if (b.data == NULL)
		md_buf_add(&b, "", 0);
	if (len != NULL)
		*len = b.len;
	return b.data;
}
