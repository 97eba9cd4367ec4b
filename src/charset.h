/*
 * charset.h - what a fetched page is encoded in, and its text as UTF-8.
 *
 * Local governments publish in GBK, GB2312, GB18030 and UTF-8.  The
 * charset comes from the HTTP Content-Type header when it names one, else
 * from the document itself (a byte order mark, the XML declaration's
 * encoding, or an HTML <meta charset> / <meta http-equiv="Content-Type">
 * in the first 4 KiB), else UTF-8.  GBK and GB2312 are decoded as GB18030,
 * their superset, as browsers do (pages labelled GB2312 routinely use GBK
 * characters).  Decoding is glibc's iconv; an invalid byte is an error
 * naming its offset, never a replacement character.
 */
#ifndef MD_CHARSET_H
#define MD_CHARSET_H

#include <stddef.h>

#include "util.h"

#define MD_CHARSET_MAX 40

/* The charset= parameter of a Content-Type value, lower-cased, into out;
 * 0, or -1 when there is none. */
int md_charset_from_header(const char *content_type,
    char out[MD_CHARSET_MAX]);

/* The charset a document declares in its first bytes (BOM, XML
 * declaration, HTML meta), lower-cased; 0, or -1 when it declares none. */
int md_charset_sniff(const char *buf, size_t len, char out[MD_CHARSET_MAX]);

/*
 * buf (len bytes) in charset, as NUL-terminated UTF-8 (malloc'd; *outlen
 * its length).  A leading byte order mark is dropped.  NULL with err when
 * the charset is unknown or a byte is invalid in it.
 */
char *md_charset_decode(const char *buf, size_t len, const char *charset,
    size_t *outlen, struct md_error *err);

/*
 * The whole decision: the header's charset, else the document's, else
 * UTF-8; then md_charset_decode.  used (may be NULL) gets the charset
 * chosen.
 */
char *md_charset_to_utf8(const char *buf, size_t len,
    const char *content_type, char used[MD_CHARSET_MAX], size_t *outlen,
    struct md_error *err);

#endif /* MD_CHARSET_H */
