/*
 * t2s.c - the traditional-to-simplified table, from OpenCC.
 *
 * OpenCC converts phrases, but measured must keep every span pointing into
 * the text as submitted, so it asks OpenCC once for every ideograph of
 * U+3400..U+9FFF on a line of its own (no phrase can span two lines) and
 * keeps each answer that is one character of the same UTF-8 length.  That
 * is a character-level t2s; for matching rule words it is what is needed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <opencc.h>

#include "t2s.h"
#include "util.h"

#define FIRST MD_T2S_FIRST
#define LAST MD_T2S_LAST

static uint16_t table[LAST - FIRST + 1];	/* 0: unchanged */
static int available;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static size_t
put3(char *p, uint32_t cp)
{
	p[0] = (char)(0xe0 | (cp >> 12));
	p[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	p[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

static void
build(void)
{
	size_t n = LAST - FIRST + 1, len = 0, i;
	char *in = md_xmalloc(n * 4 + 1), *out, *p, *line;
	opencc_t od;

	od = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
	if (od == (opencc_t)-1) {
		md_log(4, "OpenCC cannot open %s (%s): traditional characters "
		    "will not be folded to simplified",
		    OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP, opencc_error());
		free(in);
		return;
	}
	for (i = 0; i < n; i++) {
		len += put3(in + len, (uint32_t)(FIRST + i));
		in[len++] = '\n';
	}
	in[len] = '\0';
	out = opencc_convert_utf8(od, in, len);
	opencc_close(od);
	free(in);
	if (out == NULL) {
		md_log(4, "OpenCC conversion failed: %s", opencc_error());
		return;
	}
	/* Line i is the conversion of FIRST + i. */
	for (i = 0, line = out; i < n && *line != '\0'; i++, line = p + 1) {
		const unsigned char *u = (const unsigned char *)line;
		uint32_t cp;

		p = strchr(line, '\n');
		if (p == NULL)
			break;
		if (p - line != 3 || (u[0] & 0xf0) != 0xe0)
			continue;	/* not one 3-byte character */
		cp = (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) <<
		    6 | (u[2] & 0x3f);
		/* Only ideographs to ideographs: text.c converts before it
		 * looks for spaces between ideographs, which must not see a
		 * different answer after the conversion. */
		if (cp != FIRST + i && cp >= FIRST && cp <= LAST)
			table[i] = (uint16_t)cp;
	}
	if (i != n)
		md_log(4, "OpenCC answered %zu lines for %zu characters: the "
		    "traditional-to-simplified table is incomplete", i, n);
	opencc_convert_utf8_free(out);
	available = 1;
}

const uint16_t *
md_t2s_table(void)
{
	pthread_once(&once, build);
	return available ? table : NULL;
}

uint32_t
md_t2s(uint32_t cp)
{
	pthread_once(&once, build);
	if (cp < FIRST || cp > LAST)
		return 0;
	return table[cp - FIRST];
}

int
md_t2s_available(void)
{
	pthread_once(&once, build);
	return available;
}
