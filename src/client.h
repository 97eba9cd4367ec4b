/*
 * client.h - measurectl's side of the daemon's HTTP API: one libcurl handle
 * that sends authenticated JSON requests and turns every answer into either
 * a JSON object or an error message ready for the user.
 *
 * Nothing here prints; callers print err->msg prefixed with "measurectl: "
 * and exit with the status the request returned.
 */
#ifndef CTL_CLIENT_H
#define CTL_CLIENT_H

#include <jansson.h>

#include "util.h"

/* measurectl's exit statuses; requests return the first two. */
enum {
	CTL_OK = 0,
	CTL_FAIL = 1,		/* the server refused, or answered nonsense */
	CTL_USAGE = 2,		/* bad command line or local input */
	CTL_UNREACHABLE = 3	/* no answer: connection, DNS, timeout */
};

struct ctl_client;

/*
 * A client for the API at base_url (http:// or https://, trailing slashes
 * ignored) sending token as its bearer token.  Both strings are copied.
 * NULL with err set when the URL or token cannot be used; CTL_USAGE is
 * then the right exit status.  Free with ctl_client_free.
 */
struct ctl_client *ctl_client_new(const char *base_url, const char *token,
    struct md_error *err);
void ctl_client_free(struct ctl_client *c);

/*
 * Sends METHOD base_url + path (path starts with '/' and carries its query
 * string) with body as its JSON body (NULL: no body), and parses the
 * answer.  On a 2xx answer that is a JSON object, returns CTL_OK with *out
 * the object (the caller decrefs it) and *status the HTTP status.
 * Otherwise returns CTL_FAIL (an HTTP error, shown from its problem+json
 * body, or an answer that is not a JSON object) or CTL_UNREACHABLE (no
 * answer at all), with err set and *out NULL.
 */
int ctl_request(struct ctl_client *c, const char *method, const char *path,
    const json_t *body, json_t **out, long *status, struct md_error *err);

/* Appends "?key=value" or "&key=value" to q, value URL-escaped.  Nothing
 * when value is NULL. */
void ctl_query_add(struct ctl_client *c, struct md_buf *q, const char *key,
    const char *value);

/*
 * Appends s with every control character (C0, DEL and, encoded in UTF-8,
 * C1) replaced by a space: server text is shown, never obeyed by the
 * terminal.
 */
void ctl_buf_clean(struct md_buf *b, const char *s);

#endif /* CTL_CLIENT_H */
