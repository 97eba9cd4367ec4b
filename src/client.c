/*
 * client.c - HTTP for measurectl: libcurl requests with the bearer token,
 * JSON bodies out and JSON objects back, and the daemon's problem+json
 * errors turned into one line for the user.
 *
 * Whatever the server sends, the caller gets a JSON object or an error
 * message: bodies are capped, parsed by jansson (which refuses invalid
 * UTF-8 and NUL bytes), and everything the server controls that reaches a
 * message has its control characters replaced (see ctl_buf_clean).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "client.h"

#define CTL_CONNECT_TIMEOUT	10L		/* seconds */
#define CTL_TOTAL_TIMEOUT	60L		/* seconds */
#define CTL_MAX_RESPONSE	(64u * 1024u * 1024u)

struct ctl_client {
	CURL *curl;
	char *base;		/* without trailing '/' */
	char *auth;		/* "Authorization: Bearer TOKEN" */
	char errbuf[CURL_ERROR_SIZE];
};

/* What one request brought back. */
struct reply {
	struct md_buf body;
	int too_big;
	char retry_after[64];	/* printable ASCII only */
};

struct ctl_client *
ctl_client_new(const char *base_url, const char *token, struct md_error *err)
{
	struct ctl_client *c;
	const char *p;
	size_t n;

	if (strncasecmp(base_url, "http://", 7) != 0 &&
	    strncasecmp(base_url, "https://", 8) != 0) {
		md_error_set(err, "URL \"%s\" is not http:// or https://",
		    base_url);
		return NULL;
	}
	if (token == NULL || *token == '\0') {
		md_error_set(err, "no token: give --token TOKEN or set "
		    "MEASURED_TOKEN");
		return NULL;
	}
	/* A token goes into a header line: no spaces or control bytes. */
	for (p = token; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			md_error_set(err, "the token contains a space or a "
			    "control character");
			return NULL;
		}
	}
	c = md_xcalloc(1, sizeof *c);
	c->curl = curl_easy_init();
	if (c->curl == NULL)
		md_fatal("measurectl: curl_easy_init failed");
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	c->base = md_xstrndup(base_url, n);
	c->auth = md_xasprintf("Authorization: Bearer %s", token);
	return c;
}

void
ctl_client_free(struct ctl_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c->base);
	free(c->auth);
	free(c);
}

void
ctl_buf_clean(struct md_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			md_buf_add(b, " ", 1);
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			md_buf_add(b, " ", 1);	/* C1 controls */
			p++;
		} else {
			md_buf_add(b, (const char *)p, 1);
		}
	}
}

void
ctl_query_add(struct ctl_client *c, struct md_buf *q, const char *key,
    const char *value)
{
	char *esc;

	if (value == NULL)
		return;
	esc = curl_easy_escape(c->curl, value, (int)strlen(value));
	if (esc == NULL)
		md_fatal("measurectl: out of memory escaping a query value");
	md_buf_printf(q, "%c%s=%s", strchr(q->data ? q->data : "", '?') ?
	    '&' : '?', key, esc);
	curl_free(esc);
}

/* Header values for messages: printable ASCII, cut to fit. */
static void
printable(char *out, size_t size, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < size - 1; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	out[i] = '\0';
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	n *= size;		/* size is always 1 */
	if (r->body.len + n > CTL_MAX_RESPONSE) {
		r->too_big = 1;
		return 0;	/* aborts the transfer */
	}
	md_buf_add(&r->body, data, n);
	return n;
}

/* Keeps the Retry-After value of the final response (a 100 Continue or
 * other interim response starts over at its status line). */
static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct reply *r = arg;
	size_t i, j;

	n *= size;		/* size is always 1 */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		r->retry_after[0] = '\0';
	if (n <= sizeof name - 1 ||
	    strncasecmp(data, name, sizeof name - 1) != 0)
		return n;
	for (i = sizeof name - 1; i < n && (data[i] == ' ' || data[i] == '\t');
	    i++)
		;
	for (j = i; j < n && data[j] != '\r' && data[j] != '\n'; j++)
		;
	printable(r->retry_after, sizeof r->retry_after, data + i, j - i);
	return n;
}

static const char *
status_title(long status)
{
	static const struct {
		long status;
		const char *title;
	} titles[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 409, "Conflict" }, { 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < MD_NELEM(titles); i++)
		if (titles[i].status == status)
			return titles[i].title;
	return status >= 500 ? "Server Error" : status >= 400 ?
	    "Client Error" : status >= 300 ? "Redirect" : "Unexpected Status";
}

/*
 * "HTTP STATUS TITLE: DETAIL" from a problem+json body, with the title of
 * the status when the body has none, and the Retry-After of a 429.
 */
static void
problem_error(const char *url, long status, const struct reply *r,
    const char *ctype, struct md_error *err)
{
	struct md_buf m = { 0 };
	json_t *p, *title, *detail;

	p = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
	title = json_is_object(p) ? json_object_get(p, "title") : NULL;
	detail = json_is_object(p) ? json_object_get(p, "detail") : NULL;
	md_buf_printf(&m, "HTTP %ld ", status);
	if (json_is_string(title) && *json_string_value(title) != '\0')
		ctl_buf_clean(&m, json_string_value(title));
	else
		md_buf_adds(&m, status_title(status));
	if (json_is_string(detail) && *json_string_value(detail) != '\0') {
		md_buf_adds(&m, ": ");
		ctl_buf_clean(&m, json_string_value(detail));
	} else if (!json_is_object(p)) {
		md_buf_adds(&m, ": ");
		ctl_buf_clean(&m, url);
		if (r->body.len == 0)
			md_buf_adds(&m, " answered with an empty body");
		else
			md_buf_printf(&m, " answered with %s, not problem+json",
			    ctype);
		if (status >= 300 && status < 400)
			md_buf_adds(&m, " (redirects are not followed)");
	}
	if (status == 429 && r->retry_after[0] != '\0')
		md_buf_printf(&m, " (retry after %s%s)", r->retry_after,
		    strspn(r->retry_after, "0123456789") ==
		    strlen(r->retry_after) ? " s" : "");
	md_error_set(err, "%s", m.data);
	md_buf_free(&m);
	json_decref(p);
}

/* The JSON object of a 2xx answer, or NULL with err set. */
static json_t *
parse_reply(const char *method, const char *url, long status,
    const struct reply *r, const char *ctype, struct md_error *err)
{
	json_error_t jerr;
	json_t *o;

	if (r->body.len == 0) {
		md_error_set(err, "%s %s: HTTP %ld with an empty body, "
		    "expected a JSON object", method, url, status);
		return NULL;
	}
	o = json_loadb(r->body.data, r->body.len, 0, &jerr);
	if (o == NULL) {
		md_error_set(err, "%s %s: HTTP %ld response (%s) is not JSON: "
		    "%s at byte %d", method, url, status, ctype, jerr.text,
		    jerr.position);
		return NULL;
	}
	if (!json_is_object(o)) {
		md_error_set(err, "%s %s: HTTP %ld response is JSON but not "
		    "an object", method, url, status);
		json_decref(o);
		return NULL;
	}
	return o;
}

static struct curl_slist *
request_headers(const struct ctl_client *c, int has_body)
{
	struct curl_slist *h = NULL, *t;

	t = curl_slist_append(h, c->auth);
	if (t != NULL)
		h = t;
	t = curl_slist_append(h, "Accept: application/json");
	if (t != NULL)
		h = t;
	/* No 100-continue round trip for large bodies. */
	t = curl_slist_append(h, "Expect:");
	if (t != NULL)
		h = t;
	if (has_body) {
		t = curl_slist_append(h, "Content-Type: application/json");
		if (t != NULL)
			h = t;
	}
	if (t == NULL)
		md_fatal("measurectl: out of memory building headers");
	return h;
}

/* Only GET and POST: the API needs no other method. */
static void
setup(struct ctl_client *c, const char *method, const char *url,
    const char *body, struct curl_slist *headers, struct reply *r)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	c->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "measurectl/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CTL_CONNECT_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, CTL_TOTAL_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body ? strlen(body) : 0));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
}

int
ctl_request(struct ctl_client *c, const char *method, const char *path,
    const json_t *body, json_t **out, long *status, struct md_error *err)
{
	struct reply r = { 0 };
	struct curl_slist *headers;
	char *url, *data = NULL, *ct = NULL, ctype[128];
	CURLcode cc;
	int rc = CTL_FAIL;

	*out = NULL;
	*status = 0;
	url = md_xasprintf("%s%s", c->base, path);
	if (body != NULL) {
		data = json_dumps(body, JSON_COMPACT);
		if (data == NULL)
			md_fatal("measurectl: cannot encode the request body");
	}
	headers = request_headers(c, body != NULL);
	setup(c, method, url, data, headers, &r);
	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK && r.too_big) {
		md_error_set(err, "%s %s: response larger than %u MiB", method,
		    url, CTL_MAX_RESPONSE >> 20);
		goto out;
	}
	if (cc != CURLE_OK) {
		md_error_set(err, "cannot reach %s: %s", url,
		    c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
		rc = CTL_UNREACHABLE;
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &ct);
	printable(ctype, sizeof ctype, ct ? ct : "no content type",
	    ct ? strlen(ct) : 15);
	if (*status < 200 || *status > 299) {
		problem_error(url, *status, &r, ctype, err);
		goto out;
	}
	*out = parse_reply(method, url, *status, &r, ctype, err);
	if (*out != NULL)
		rc = CTL_OK;
out:
	curl_slist_free_all(headers);
	md_buf_free(&r.body);
	free(data);
	free(url);
	return rc;
}
