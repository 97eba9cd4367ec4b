/*
 * charset.c - finding a fetched page's charset and decoding it to UTF-8
 * (see charset.h for the rules).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "text.h"

/* Copies a charset name starting at p (quotes skipped), lower-cased;
 * 0, or -1 when it is empty or too long. */
static int
take_name(const char *p, const char *end, char out[MD_CHARSET_MAX])
{
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '"' || *p == '\''))
		p++;
	while (p < end && (isalnum((unsigned char)*p) || *p == '-' ||
	    *p == '_' || *p == '.' || *p == ':')) {
		if (n + 1 >= MD_CHARSET_MAX)
			return -1;
		out[n++] = (char)tolower((unsigned char)*p++);
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* The first case-insensitive occurrence of needle in [p, end). */
static const char *
find_ci(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; p + n <= end; p++)
		if (strncasecmp(p, needle, n) == 0)
			return p;
	return NULL;
}

int
md_charset_from_header(const char *ct, char out[MD_CHARSET_MAX])
{
	const char *p;

	if (ct == NULL || (p = find_ci(ct, ct + strlen(ct), "charset=")) ==
	    NULL)
		return -1;
	return take_name(p + 8, ct + strlen(ct), out);
}

int
md_charset_sniff(const char *buf, size_t len, char out[MD_CHARSET_MAX])
{
	const char *end = buf + (len < 4096 ? len : 4096), *p, *tag_end;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		strcpy(out, "utf-8");
		return 0;
	}
	if (len >= 2 && (memcmp(buf, "\xff\xfe", 2) == 0 ||
	    memcmp(buf, "\xfe\xff", 2) == 0)) {
		strcpy(out, buf[0] == '\xff' ? "utf-16le" : "utf-16be");
		return 0;
	}
	/* <?xml version="1.0" encoding="GBK"?> */
	if (len >= 5 && memcmp(buf, "<?xml", 5) == 0) {
		tag_end = find_ci(buf, end, "?>");
		if (tag_end != NULL && (p = find_ci(buf, tag_end,
		    "encoding=")) != NULL)
			return take_name(p + 9, tag_end, out);
	}
	/* <meta charset="gbk"> or <meta http-equiv="Content-Type"
	 * content="text/html; charset=gbk"> */
	for (p = buf; (p = find_ci(p, end, "<meta")) != NULL; p += 5) {
		const char *cs;

		if ((tag_end = memchr(p, '>', (size_t)(end - p))) == NULL)
			break;
		if ((cs = find_ci(p, tag_end, "charset=")) != NULL &&
		    take_name(cs + 8, tag_end, out) == 0)
			return 0;
	}
	return -1;
}

/* The name iconv knows a charset by. */
static const char *
iconv_name(const char *cs)
{
	static const char *const gb[] = { "gbk", "gb2312", "x-gbk", "cp936",
		"gb_2312-80", "euc-cn", "csgb2312", "gb18030", "windows-936" };
	size_t i;

	for (i = 0; i < MD_NELEM(gb); i++)
		if (strcmp(cs, gb[i]) == 0)
			return "GB18030";
	if (strcmp(cs, "utf8") == 0)
		return "utf-8";
	return cs;
}

char *
md_charset_decode(const char *buf, size_t len, const char *charset,
    size_t *outlen, struct md_error *err)
{
	const char *name = iconv_name(charset);
	size_t bad, cap, left, room;
	char *out, *in, *o;
	iconv_t cd;

	if (strcmp(name, "utf-8") == 0) {
		if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
			buf += 3;
			len -= 3;
		}
		if (md_utf8_check(buf, len, &bad) != 0) {
			md_error_set(err, "invalid UTF-8 at byte %zu", bad);
			return NULL;
		}
		out = md_xmalloc(len + 1);
		memcpy(out, buf, len);
		out[len] = '\0';
		*outlen = len;
		return out;
	}
	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1) {
		md_error_set(err, "unknown charset \"%s\"", charset);
		return NULL;
	}
	cap = len * 2 + 16;
	out = md_xmalloc(cap);
	in = (char *)buf;
	left = len;
	o = out;
	room = cap - 1;
	while (left > 0) {
		if (iconv(cd, &in, &left, &o, &room) != (size_t)-1)
			continue;
		if (errno == E2BIG) {
			size_t used = (size_t)(o - out);

			cap *= 2;
			out = md_xrealloc(out, cap);
			o = out + used;
			room = cap - used - 1;
			continue;
		}
		md_error_set(err, "%s byte %zu in %s",
		    errno == EINVAL ? "truncated character at" :
		    "invalid character at", (size_t)(in - buf), charset);
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*o = '\0';
	*outlen = (size_t)(o - out);
	/* A decoder may let through what our text model refuses (NUL). */
	if (md_utf8_check(out, *outlen, &bad) != 0) {
		md_error_set(err, "the %s text decodes to a NUL or invalid "
		    "character (at UTF-8 byte %zu)", charset, bad);
		free(out);
		return NULL;
	}
	/* A byte order mark of UTF-16 decodes to U+FEFF: drop it. */
	if (*outlen >= 3 && memcmp(out, "\xef\xbb\xbf", 3) == 0) {
		memmove(out, out + 3, *outlen - 2);
		*outlen -= 3;
	}
	return out;
}

char *
md_charset_to_utf8(const char *buf, size_t len, const char *content_type,
    char used[MD_CHARSET_MAX], size_t *outlen, struct md_error *err)
{
	char cs[MD_CHARSET_MAX];

	if (md_charset_from_header(content_type, cs) != 0 &&
	    md_charset_sniff(buf, len, cs) != 0)
		strcpy(cs, "utf-8");
	if (used != NULL)
		strcpy(used, cs);
	return md_charset_decode(buf, len, cs, outlen, err);
}
