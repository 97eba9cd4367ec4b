/*
 * http.c - the API on libevent's evhttp: routes, tokens and roles, rate
 * limits, JSON and XML bodies, and RFC 9457 problem replies.
 *
 * A request is read whole by evhttp (within the configured limits), then
 * routed, authenticated and validated on the event loop.  Checking a
 * document is CPU work done here too; anything that touches the store is
 * a job for the store's threads, and the reply is sent from the job's
 * done() callback, after the commit.  If the client has gone by then,
 * evhttp frees the request when we reply.
 *
 * Bad input never reaches the store: every field is checked against its
 * spec, unknown fields are refused, and the first problem found is the
 * reply's detail.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "intake.h"
#include "json.h"
#include "outbox.h"
#include "reply.h"
#include "report.h"
#include "server.h"
#include "sha256.h"
#include "web.h"
#include "xml.h"

enum route {
	R_OTHER, R_HEALTHZ, R_READYZ, R_METRICS, R_SUBMISSIONS, R_SUBMISSION,
	R_FLAGS, R_FLAG, R_REVIEW, R_CHECK, R_MEASURES, R_PLUGINS, R_REPORT,
	R_FLAG_COUNTS, R_RELATED, R_WEB,
};

const char *const md_route_names[MD_NROUTES] = {
	"other", "/healthz", "/readyz", "/metrics", "/v1/submissions",
	"/v1/submissions/{id}", "/v1/flags", "/v1/flags/{id}",
	"/v1/flags/{id}/review", "/v1/check", "/v1/measures", "/v1/plugins",
	"/v1/reports/weekly",
	"/v1/flags/counts", "/v1/flags/{id}/related", "/",
};

enum role { ROLE_SUBMITTER = 1, ROLE_REVIEWER = 2, ROLE_ADMIN = 4 };

struct req {
	struct md_server *srv;
	struct evhttp_request *r;
	int route;
	double t0;
	int xml;		/* answer in XML */
	int role;
	int64_t platform_id;	/* submitters */
	char platform[128];
	char actor[128];	/* the token's label */
	int64_t id;
	char action[16];
	char *note;
	char *public_note;	/* for the platform's callback; may be NULL */
	char *external_id;
	struct md_flag_query q;
	struct evkeyvalq params;
	int have_params;
	struct md_submission sub;
	struct md_week week;	/* the weekly report's */
	int format;
	int ncases;
	json_t *texts;		/* its measure texts */
	char *body;		/* rendered off the loop */
	size_t body_len;
	struct md_job job;
	struct req *next_spare;
};

/*
 * Freed requests are kept for the next ones, up to SPARE_REQS: a request
 * is past malloc's small sizes, and allocating a fresh one made malloc
 * consolidate its fast bins every time (2% of the event loop's time
 * under load).
 */
#if defined(__SANITIZE_ADDRESS__)
#define SPARE_REQS 0		/* so that ASan sees every use after free */
#else
#define SPARE_REQS 128
#endif

static struct req *
req_new(struct md_server *srv)
{
	struct req *q = srv->spare_reqs;

	if (q == NULL)
		return md_xcalloc(1, sizeof *q);
	srv->spare_reqs = q->next_spare;
	srv->nspare_reqs--;
	memset(q, 0, sizeof *q);
	return q;
}

static void
req_free(struct req *q)
{
	if (q->have_params)
		evhttp_clear_headers(&q->params);
	free(q->note);
	free(q->public_note);
	free(q->external_id);
	md_submission_free(&q->sub);
	json_decref(q->texts);
	free(q->body);
	json_decref(q->job.out);
#if SPARE_REQS > 0
	if (q->srv->nspare_reqs < SPARE_REQS) {
		q->next_spare = q->srv->spare_reqs;
		q->srv->spare_reqs = q;
		q->srv->nspare_reqs++;
		return;
	}
#endif
	free(q);
}

/* --- replies ------------------------------------------------------------ */

static void
xml_escape(struct md_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': md_buf_adds(b, "&amp;"); break;
		case '<': md_buf_adds(b, "&lt;"); break;
		case '>': md_buf_adds(b, "&gt;"); break;
		case '"': md_buf_adds(b, "&quot;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' &&
			    *s != '\t' && *s != '\r')
				md_buf_printf(b, "&#xFFFD;");
			else
				md_buf_add(b, s, 1);
		}
	}
}

/* The element name for members of the array called name. */
static const char *
singular(const char *name)
{
	static const char *const map[][2] = {
		{ "findings", "finding" }, { "flags", "flag" },
		{ "submissions", "submission" }, { "also", "measure" },
		{ "history", "entry" }, { "versions", "version" },
		{ "items", "item" }, { "plugins", "plugin" },
		{ "rules", "rule" }, { "categories", "category" },
		{ "cites", "cite" },
	};
	size_t i;

	for (i = 0; i < MD_NELEM(map); i++)
		if (strcmp(map[i][0], name) == 0)
			return map[i][1];
	return "item";
}

static void
xml_value(struct md_buf *b, const char *name, json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_NULL:
		return;
	case JSON_OBJECT:
		md_buf_printf(b, "<%s>", name);
		json_object_foreach(v, key, m)
			xml_value(b, key, m);
		break;
	case JSON_ARRAY:
		md_buf_printf(b, "<%s>", name);
		json_array_foreach(v, i, m)
			xml_value(b, singular(name), m);
		break;
	case JSON_STRING:
		md_buf_printf(b, "<%s>", name);
		xml_escape(b, json_string_value(v));
		break;
	case JSON_INTEGER:
		md_buf_printf(b, "<%s>%" JSON_INTEGER_FORMAT, name,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		md_buf_printf(b, "<%s>%g", name, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		md_buf_printf(b, "<%s>%s", name, json_is_true(v) ? "true" :
		    "false");
		break;
	}
	md_buf_printf(b, "</%s>", name);
}

/* The headers every answer carries. */
static void
body_headers(struct req *q, const char *ctype)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(q->r);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
}

static void
send_reply(struct req *q, int status)
{
	md_metrics_request(&q->srv->m, q->route, status, md_mono() - q->t0);
	md_reply(q->r, status, NULL, NULL, q->srv->rt->conf.timeout);
	q->r = NULL;		/* evhttp's, and perhaps freed already */
}

static void
send_body(struct req *q, int status, const char *ctype, const char *body,
    size_t len)
{
	body_headers(q, ctype);
	evbuffer_add(evhttp_request_get_output_buffer(q->r), body, len);
	send_reply(q, status);
}

static void
free_buf(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* send_body with b's bytes, handed to the output buffer as they are
 * (b is left empty). */
static void
send_buf(struct req *q, int status, const char *ctype, struct md_buf *b)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(q->r);

	body_headers(q, ctype);
	if (b->len == 0 || evbuffer_add_reference(out, b->data, b->len,
	    free_buf, NULL) != 0) {
		evbuffer_add(out, b->data, b->len);
		md_buf_free(b);
	}
	memset(b, 0, sizeof *b);
	send_reply(q, status);
}

/* Sends v (stolen) and frees the request. */
static void
reply(struct req *q, int status, json_t *v, const char *root)
{
	if (q->xml) {
		struct md_buf b = { 0 };

		md_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		if (json_is_object(v)) {
			const char *key;
			json_t *m;

			md_buf_printf(&b, "<%s xmlns=\"urn:measured:api:1\">",
			    root);
			json_object_foreach(v, key, m)
				xml_value(&b, key, m);
			md_buf_printf(&b, "</%s>\n", root);
		}
		send_buf(q, status, "application/xml; charset=utf-8", &b);
	} else {
		struct md_buf b = { 0 };

		md_json_write(&b, v);
		send_buf(q, status, "application/json; charset=utf-8", &b);
	}
	json_decref(v);
	req_free(q);
}

static const char *
status_title(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* An RFC 9457 problem; type names the kind, detail says exactly what. */
static void MD_PRINTF(4, 5)
problem(struct req *q, int status, const char *type, const char *fmt, ...)
{
	char detail[1024], *type_uri;
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	type_uri = md_xasprintf("urn:measured:problem:%s", type);
	v = json_pack("{s:s, s:s, s:i, s:s}", "type", type_uri, "title",
	    status_title(status), "status", status, "detail", detail);
	free(type_uri);
	if (q->xml) {
		struct md_buf b = { 0 };
		const char *key;
		json_t *m;

		md_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<problem xmlns=\"urn:ietf:rfc:7807\">");
		json_object_foreach(v, key, m)
			xml_value(&b, key, m);
		md_buf_adds(&b, "</problem>\n");
		send_body(q, status, "application/problem+xml; charset=utf-8",
		    b.data, b.len);
		md_buf_free(&b);
	} else {
		size_t len;
		char *s = md_json_dumps(v, &len);

		send_body(q, status, "application/problem+json; charset=utf-8",
		    s, len);
		free(s);
	}
	json_decref(v);
	req_free(q);
}

static void
send_problem(struct req *q, const struct md_problem *p)
{
	problem(q, p->status, p->type, "%s", p->detail);
}

/* The reply for a store job that did not succeed. */
static void
store_problem(struct req *q)
{
	switch (q->job.rc) {
	case MD_STORE_NOTFOUND:
		problem(q, 404, "not-found", "%s", q->job.err.set ?
		    q->job.err.msg : "no such object");
		return;
	case MD_STORE_CONFLICT:
		problem(q, 409, "conflict", "%s", q->job.err.msg);
		return;
	case MD_STORE_INVALID:
		problem(q, 400, "invalid-parameter", "%s", q->job.err.msg);
		return;
	default:
		md_log(3, "store: %s", q->job.err.msg);
		problem(q, 503, "store-unavailable", "the store could not "
		    "complete the request; nothing was stored; retry later");
	}
}

/* --- bodies ------------------------------------------------------------- */

/* 0: JSON, 1: XML, -1: refused (answered). */
static int
body_format(struct req *q)
{
	const char *ct = evhttp_find_header(
	    evhttp_request_get_input_headers(q->r), "Content-Type");
	char type[64], *semi;
	size_t n;

	if (ct == NULL)
		return 0;
	snprintf(type, sizeof type, "%s", ct);
	if ((semi = strchr(type, ';')) != NULL) {
		const char *cs = strcasestr(ct, "charset=");

		*semi = '\0';
		if (cs != NULL && strncasecmp(cs + 8, "utf-8", 5) != 0 &&
		    strncasecmp(cs + 8, "\"utf-8\"", 7) != 0) {
			problem(q, 415, "unsupported-media-type", "charset "
			    "\"%.20s\": bodies must be UTF-8", cs + 8);
			return -1;
		}
	}
	n = strlen(type);
	while (n > 0 && type[n - 1] == ' ')
		type[--n] = '\0';
	if (strcasecmp(type, "application/json") == 0)
		return 0;
	if (strcasecmp(type, "application/xml") == 0 ||
	    strcasecmp(type, "text/xml") == 0) {
		q->xml = 1;
		return 1;
	}
	problem(q, 415, "unsupported-media-type", "Content-Type \"%s\" is not "
	    "accepted: send application/json or application/xml", type);
	return -1;
}

/*
 * The request body as a JSON object (XML converted to the same shape), or
 * NULL when the reply has been sent.  root is the XML root element.
 */
static json_t *
read_body(struct req *q, const char *root)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(q->r);
	size_t len = evbuffer_get_length(in);
	struct md_problem p;
	json_t *v;
	int fmt;

	if ((fmt = body_format(q)) < 0)
		return NULL;
	if (len == 0) {
		problem(q, 400, "malformed-body", "the request has no body");
		return NULL;
	}
	v = md_body_parse((const char *)evbuffer_pullup(in, -1), len, fmt,
	    root, &p);
	if (v == NULL)
		send_problem(q, &p);
	return v;
}

/* Checks a body against its spec; 0, or the reply is sent. */
static int
validate(struct req *q, json_t *o, enum md_body_kind kind)
{
	struct md_problem p;

	if (md_body_validate(o, kind, q->srv->rt->conf.max_text, &p) == 0)
		return 0;
	send_problem(q, &p);
	return -1;
}

/* --- auth --------------------------------------------------------------- */

static int
role_bit(const char *role)
{
	if (strcmp(role, "submitter") == 0)
		return ROLE_SUBMITTER;
	if (strcmp(role, "reviewer") == 0)
		return ROLE_REVIEWER;
	if (strcmp(role, "admin") == 0)
		return ROLE_ADMIN;
	return 0;
}

static int
cmp_hash(const void *a, const void *b)
{
	return strcmp(a, ((const struct md_principal *)b)->t.hash);
}

/* Authenticates and rate-limits; 0, or the reply is sent. */
static int
authorize(struct req *q, int roles)
{
	struct md_server *srv = q->srv;
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(q->r),
	    "Authorization");
	struct md_principal *p;
	char hash[65];
	double now;

	if (h == NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(q->r),
		    "WWW-Authenticate", "Bearer realm=\"measured\"");
		problem(q, 401, "unauthorized", "no Authorization header: send "
		    "\"Authorization: Bearer TOKEN\"");
		return -1;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		evhttp_add_header(evhttp_request_get_output_headers(q->r),
		    "WWW-Authenticate", "Bearer realm=\"measured\"");
		problem(q, 401, "unauthorized", "the Authorization header must "
		    "be \"Bearer TOKEN\"");
		return -1;
	}
	h += 7;
	while (*h == ' ')
		h++;
	md_sha256_hex(h, strlen(h), hash);
	p = bsearch(hash, srv->who, srv->nwho, sizeof *srv->who, cmp_hash);
	if (p == NULL || p->t.revoked_at != NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(q->r),
		    "WWW-Authenticate", "Bearer realm=\"measured\", "
		    "error=\"invalid_token\"");
		problem(q, 401, "unauthorized", p ? "this token was revoked" :
		    "the token is not one this daemon knows");
		return -1;
	}
	q->role = role_bit(p->t.role);
	q->platform_id = p->t.platform_id;
	md_copy(q->platform, sizeof q->platform, p->t.platform);
	md_copy(q->actor, sizeof q->actor, p->t.label);
	if (srv->rt->conf.rate > 0) {
		now = md_mono();
		p->tokens += (now - p->refilled) * srv->rt->conf.rate;
		if (p->tokens > srv->rt->conf.burst)
			p->tokens = srv->rt->conf.burst;
		p->refilled = now;
		if (p->tokens < 1) {
			char after[32];
			double wait = (1 - p->tokens) / srv->rt->conf.rate;

			snprintf(after, sizeof after, "%d", (int)ceil(wait));
			evhttp_add_header(evhttp_request_get_output_headers(q->r),
			    "Retry-After", after);
			srv->m.rate_limited++;
			problem(q, 429, "rate-limited", "token \"%s\" is over its "
			    "limit of %g requests a second; retry after %s s",
			    p->t.label, srv->rt->conf.rate, after);
			return -1;
		}
		p->tokens -= 1;
	}
	if ((q->role & roles) == 0) {
		problem(q, 403, "forbidden", "a %s token may not use %s %s",
		    p->t.role, evhttp_request_get_command(q->r) == EVHTTP_REQ_GET ?
		    "GET" : "POST", md_route_names[q->route]);
		return -1;
	}
	return 0;
}

/* --- engine ------------------------------------------------------------- */

/*
 * Submissions' findings leave the measures' text out (GET /v1/measures and
 * the flag view have it): it is most of the bytes, and the same for every
 * finding of a measure.
 */

/* The measure texts put back into a stored finding (the flag view). */
static void
add_measure_text(struct md_server *srv, json_t *m)
{
	const struct md_catalog *cat = md_engine_catalog(srv->rt->engine);
	const struct md_measures *v;
	const struct md_item *it;

	if (!json_is_object(m) || (v = md_catalog_version(cat,
	    json_string_value(json_object_get(m, "version")))) == NULL ||
	    (it = md_measures_item(v,
	    json_string_value(json_object_get(m, "item")))) == NULL)
		return;
	json_object_set_new(m, "text", json_string(it->text));
}

static void
flag_view(struct md_server *srv, json_t *flag)
{
	json_t *a;
	size_t i;

	add_measure_text(srv, json_object_get(flag, "measure"));
	json_array_foreach(json_object_get(flag, "also"), i, a)
		add_measure_text(srv, a);
}

/* Checks text; fills version/date/findings.  0, or the reply is sent. */
static int
run_check(struct req *q, json_t *body, json_t **result, int text)
{
	struct md_problem p;

	if (md_intake_check(q->srv, body, text, result, &p) == 0)
		return 0;
	send_problem(q, &p);
	return -1;
}

/* --- handlers ----------------------------------------------------------- */

static int
job_submission_put(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;

	return b->submission_put(c, &q->sub, &j->out, &j->err);
}

static void
done_submission_put(struct md_job *j)
{
	struct req *q = j->arg;
	json_t *out = j->out;
	char loc[64];

	j->out = NULL;
	if (j->rc == MD_STORE_CREATED && q->sub.webhooks != NULL)
		md_outbox_kick(q->srv->outbox);
	if (j->rc == MD_STORE_CREATED && !q->xml) {
		/* Written straight from the submission: no tree. */
		struct md_buf b = { 0 };

		snprintf(loc, sizeof loc, "/v1/submissions/%" PRId64,
		    q->sub.id);
		evhttp_add_header(evhttp_request_get_output_headers(q->r),
		    "Location", loc);
		md_submission_write(&b, &q->sub);
		send_buf(q, 201, "application/json; charset=utf-8", &b);
		req_free(q);
		return;
	}
	if (j->rc == MD_STORE_CREATED)
		out = md_submission_json(&q->sub);
	if (j->rc == MD_STORE_CREATED || j->rc == MD_STORE_EXISTS) {
		snprintf(loc, sizeof loc, "/v1/submissions/%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(out, "id")));
		evhttp_add_header(evhttp_request_get_output_headers(q->r),
		    "Location", loc);
		reply(q, j->rc == MD_STORE_CREATED ? 201 : 200, out,
		    "submission");
		return;
	}
	json_decref(out);
	store_problem(q);
}

static void
post_submission(struct req *q)
{
	struct md_problem p;
	struct evbuffer *in;
	json_t *body;
	size_t len;
	int rc, fmt;

	if (authorize(q, ROLE_SUBMITTER) != 0)
		return;
	/* Most bodies take the fast path; the rest, and every one with
	 * something wrong, the slow path, which says what is wrong. */
	in = evhttp_request_get_input_buffer(q->r);
	len = evbuffer_get_length(in);
	if ((fmt = body_format(q)) < 0)
		return;
	if (fmt != 0 || len == 0 || md_intake_submission_json(q->srv,
	    (const char *)evbuffer_pullup(in, -1), len, q->platform_id,
	    q->platform, &q->sub) != 0) {
		if ((body = read_body(q, "submission")) == NULL)
			return;
		rc = md_intake_submission(q->srv, body, q->platform_id,
		    q->platform, &q->sub, &p);
		json_decref(body);
		if (rc != 0) {
			send_problem(q, &p);
			return;
		}
	}
	q->job.run = job_submission_put;
	q->job.done = done_submission_put;
	q->job.rerunnable = 1;
	q->job.bytes = strlen(q->sub.text);
	q->job.arg = q;
	md_store_write(q->srv->store, &q->job);
}

static void
post_check(struct req *q)
{
	json_t *body, *result;

	if (authorize(q, ROLE_SUBMITTER | ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	if ((body = read_body(q, "check")) == NULL)
		return;
	if (validate(q, body, MD_BODY_CHECK) != 0 ||
	    run_check(q, body, &result, 1) != 0) {
		json_decref(body);
		return;
	}
	json_decref(body);
	reply(q, 200, result, "check");
}

static void
done_read(struct md_job *j)
{
	struct req *q = j->arg;
	json_t *out = j->out;

	j->out = NULL;
	if (j->rc == MD_STORE_OK) {
		if (q->route == R_FLAG)
			flag_view(q->srv, out);
		reply(q, 200, out, q->route == R_SUBMISSIONS ? "submissions" :
		    q->route == R_SUBMISSION ? "submission" : q->route ==
		    R_FLAGS ? "flags" : q->route == R_FLAG_COUNTS ? "counts" :
		    q->route == R_RELATED ? "related" : "flag");
		return;
	}
	json_decref(out);
	store_problem(q);
}

static int
job_submission_get(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;
	int64_t pid = q->role == ROLE_SUBMITTER ? q->platform_id : 0;

	if (q->external_id != NULL) {
		int rc = b->submission_find(c, q->external_id, pid, &j->out,
		    &j->err);

		if (rc == MD_STORE_OK && json_array_size(json_object_get(j->out,
		    "submissions")) == 0) {
			md_error_set(&j->err, "no submission has external_id "
			    "\"%s\"", q->external_id);
			return MD_STORE_NOTFOUND;
		}
		return rc;
	}
	if (b->submission_get(c, q->id, pid, &j->out, &j->err) ==
	    MD_STORE_NOTFOUND) {
		md_error_set(&j->err, "no submission %" PRId64, q->id);
		return MD_STORE_NOTFOUND;
	}
	return j->out ? MD_STORE_OK : MD_STORE_ERROR;
}

static int
parse_params(struct req *q, const char *const *allowed)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(q->r));
	struct evkeyval *kv;
	size_t i;

	TAILQ_INIT(&q->params);
	q->have_params = 1;
	if (query == NULL)
		return 0;
	if (evhttp_parse_query_str(query, &q->params) != 0) {
		problem(q, 400, "invalid-parameter", "the query string is "
		    "malformed");
		return -1;
	}
	TAILQ_FOREACH(kv, &q->params, next) {
		struct evkeyval *other;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], kv->key) == 0)
				break;
		if (allowed[i] == NULL) {
			struct md_buf b = { 0 };

			for (i = 0; allowed[i] != NULL; i++)
				md_buf_printf(&b, "%s%s", i ? ", " : "",
				    allowed[i]);
			problem(q, 400, "invalid-parameter", "unknown parameter "
			    "\"%s\" (the parameters are: %s)", kv->key,
			    b.data ? b.data : "none");
			md_buf_free(&b);
			return -1;
		}
		for (other = TAILQ_NEXT(kv, next); other != NULL;
		    other = TAILQ_NEXT(other, next))
			if (strcmp(other->key, kv->key) == 0) {
				problem(q, 400, "invalid-parameter", "parameter "
				    "\"%s\" is given twice", kv->key);
				return -1;
			}
	}
	return 0;
}

static void
get_submissions(struct req *q)
{
	static const char *const allowed[] = { "external_id", NULL };
	const char *ext;

	if (authorize(q, ROLE_SUBMITTER | ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	if (parse_params(q, allowed) != 0)
		return;
	if ((ext = evhttp_find_header(&q->params, "external_id")) == NULL ||
	    *ext == '\0') {
		problem(q, 400, "invalid-parameter", "give ?external_id=ID, or "
		    "ask for /v1/submissions/{id}");
		return;
	}
	q->external_id = md_xstrdup(ext);
	q->job.run = job_submission_get;
	q->job.done = done_read;
	q->job.arg = q;
	md_store_read(q->srv->store, &q->job);
}

static void
get_submission(struct req *q)
{
	if (authorize(q, ROLE_SUBMITTER | ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	q->job.run = job_submission_get;
	q->job.done = done_read;
	q->job.arg = q;
	md_store_read(q->srv->store, &q->job);
}

static int
job_flags_list(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;

	return b->flags_list(c, &q->q, &j->out, &j->err);
}

static int
int_param(struct req *q, const char *name, int lo, int hi, int *out)
{
	const char *v = evhttp_find_header(&q->params, name);
	char *end;
	long n;

	if (v == NULL)
		return 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
		problem(q, 400, "invalid-parameter", "parameter \"%s\" must be "
		    "a whole number from %d to %d", name, lo, hi);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* The filters of GET /v1/flags (and its counts) into q->q: 0, or -1
 * with the reply sent. */
static int
flag_filters(struct req *q, const char *const *allowed)
{
	static const char *const statuses[] = { "open", "confirmed",
		"dismissed", "escalated", "rectified", NULL };
	struct md_flag_query *f = &q->q;
	size_t i;

	if (parse_params(q, allowed) != 0)
		return -1;
	f->status = evhttp_find_header(&q->params, "status");
	if (f->status != NULL) {
		for (i = 0; statuses[i] != NULL; i++)
			if (strcmp(statuses[i], f->status) == 0)
				break;
		if (statuses[i] == NULL) {
			problem(q, 400, "invalid-parameter", "status must be one "
			    "of open, confirmed, dismissed, escalated, "
			    "rectified");
			return -1;
		}
	}
	f->category = evhttp_find_header(&q->params, "category");
	f->item = evhttp_find_header(&q->params, "item");
	f->version = evhttp_find_header(&q->params, "version");
	f->region = evhttp_find_header(&q->params, "region");
	if (f->region != NULL && !md_region_code_valid(f->region)) {
		problem(q, 400, "invalid-parameter", "region must be a GB/T "
		    "2260 code or its leading 2 or 4 digits");
		return -1;
	}
	f->from = evhttp_find_header(&q->params, "from");
	f->to = evhttp_find_header(&q->params, "to");
	if ((f->from && !md_date_valid(f->from)) ||
	    (f->to && !md_date_valid(f->to)) ||
	    (f->version && !md_date_valid(f->version))) {
		problem(q, 400, "invalid-parameter", "from, to and version are "
		    "dates: YYYY-MM-DD");
		return -1;
	}
	if (int_param(q, "severity", 1, 5, &f->severity) != 0 ||
	    int_param(q, "min_severity", 1, 5, &f->min_severity) != 0)
		return -1;
	return 0;
}

static void
get_flags(struct req *q)
{
	static const char *const allowed[] = { "status", "category", "item",
		"version", "region", "severity", "min_severity", "from", "to",
		"order", "cursor", "limit", NULL };
	struct md_flag_query *f = &q->q;
	const char *order, *v;

	if (authorize(q, ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	if (flag_filters(q, allowed) != 0)
		return;
	f->limit = 50;
	if (int_param(q, "limit", 1, 500, &f->limit) != 0)
		return;
	order = evhttp_find_header(&q->params, "order");
	if (order != NULL && strcmp(order, "severity") != 0 &&
	    strcmp(order, "newest") != 0) {
		problem(q, 400, "invalid-parameter", "order must be newest or "
		    "severity");
		return;
	}
	f->by_severity = order != NULL && strcmp(order, "severity") == 0;
	v = evhttp_find_header(&q->params, "cursor");
	f->cursor = v;
	q->job.run = job_flags_list;
	q->job.done = done_read;
	q->job.arg = q;
	md_store_read(q->srv->store, &q->job);
}

static int
job_flag_get(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;

	if (b->flag_get(c, q->id, &j->out, &j->err) == MD_STORE_NOTFOUND) {
		md_error_set(&j->err, "no flag %" PRId64, q->id);
		return MD_STORE_NOTFOUND;
	}
	return j->out ? MD_STORE_OK : MD_STORE_ERROR;
}

static void
get_flag(struct req *q)
{
	if (authorize(q, ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	q->job.run = job_flag_get;
	q->job.done = done_read;
	q->job.arg = q;
	md_store_read(q->srv->store, &q->job);
}

/* --- the reviewer UI's reads (GET /v1/flags/counts, .../related) ------- */

static int
job_flags_counts(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;

	return b->flags_counts(c, &q->q, &j->out, &j->err);
}

static void
get_flags_counts(struct req *q)
{
	static const char *const allowed[] = { "status", "category", "item",
		"version", "region", "severity", "min_severity", "from", "to",
		NULL };

	if (authorize(q, ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	if (flag_filters(q, allowed) != 0)
		return;
	q->job.run = job_flags_counts;
	q->job.done = done_read;
	q->job.arg = q;
	md_store_read(q->srv->store, &q->job);
}

static int
job_flag_related(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;
	int rc = b->flag_related(c, q->id, q->q.limit, &j->out, &j->err);

	if (rc == MD_STORE_NOTFOUND)
		md_error_set(&j->err, "no flag %" PRId64, q->id);
	return rc;
}

static void
get_flag_related(struct req *q)
{
	static const char *const allowed[] = { "limit", NULL };

	if (authorize(q, ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	if (parse_params(q, allowed) != 0)
		return;
	q->q.limit = 50;
	if (int_param(q, "limit", 1, 500, &q->q.limit) != 0)
		return;
	q->job.run = job_flag_related;
	q->job.done = done_read;
	q->job.arg = q;
	md_store_read(q->srv->store, &q->job);
}

static int
job_review(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;
	int rc = b->flag_review(c, q->id, q->action, q->actor, q->note,
	    q->public_note, &j->out, &j->err);

	if (rc == MD_STORE_NOTFOUND)
		md_error_set(&j->err, "no flag %" PRId64, q->id);
	return rc;
}

static void
done_review(struct md_job *j)
{
	struct req *q = j->arg;
	json_t *out = j->out;

	j->out = NULL;
	if (j->rc == MD_STORE_OK) {
		/* A callback was queued with the review. */
		if (json_string_value(json_object_get(json_object_get(out,
		    "submission"), "callback_url")) != NULL)
			md_outbox_kick(q->srv->outbox);
		flag_view(q->srv, out);
		reply(q, 200, out, "flag");
		return;
	}
	json_decref(out);
	store_problem(q);
}

static void
post_review(struct req *q)
{
	json_t *body;

	if (authorize(q, ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	if ((body = read_body(q, "review")) == NULL)
		return;
	if (validate(q, body, MD_BODY_REVIEW) != 0) {
		json_decref(body);
		return;
	}
	snprintf(q->action, sizeof q->action, "%s",
	    json_string_value(json_object_get(body, "action")));
	q->note = md_body_strdup(body, "note");
	q->public_note = md_body_strdup(body, "public_note");
	json_decref(body);
	q->job.run = job_review;
	q->job.done = done_review;
	q->job.arg = q;
	md_store_write(q->srv->store, &q->job);
}

static void
get_static_json(struct req *q, json_t *v, const char *root)
{
	if (authorize(q, ROLE_SUBMITTER | ROLE_REVIEWER | ROLE_ADMIN) != 0)
		return;
	reply(q, 200, json_incref(v), root);
}

static void
get_health(struct req *q, int ready)
{
	struct md_server *srv = q->srv;

	if (!ready) {
		reply(q, 200, json_pack("{s:s}", "status", "ok"), "health");
		return;
	}
	if (srv->draining || srv->rt == NULL || srv->rt->engine == NULL) {
		reply(q, 503, json_pack("{s:s, s:s}", "status", "unavailable",
		    "reason", srv->draining ? "shutting down" :
		    "no engine loaded"), "health");
		return;
	}
	reply(q, 200, json_pack("{s:s, s:I, s:I, s:I}", "status", "ready",
	    "measures_versions",
	    (json_int_t)md_engine_catalog(srv->rt->engine)->n,
	    "plugins", (json_int_t)md_engine_nplugins(srv->rt->engine),
	    "store_pending", (json_int_t)md_store_pending(srv->store)),
	    "health");
}

static void
get_metrics(struct req *q)
{
	size_t len;
	char *body = md_metrics_render(q->srv, &len);

	send_body(q, 200, "text/plain; version=0.0.4; charset=utf-8", body,
	    len);
	free(body);
	req_free(q);
}

/* --- the weekly report (report.c) -------------------------------------- */

/* The whole report on the store's reader thread: the rows, the
 * aggregation, the redaction and the rendering, which for a busy week
 * take longer than the loop may wait. */
static int
job_report(const struct md_store_backend *b, struct md_store_conn *c,
    struct md_job *j)
{
	struct req *q = j->arg;
	json_t *rows = NULL, *report;
	int rc;

	if ((rc = md_report_fetch(b, c, &q->week, &rows, &j->err)) !=
	    MD_STORE_OK)
		return rc;
	report = md_report_build(rows, &q->week, q->ncases, q->texts,
	    time(NULL));
	json_decref(rows);
	q->body = md_report_render(report, q->format, &q->body_len);
	json_decref(report);
	return MD_STORE_OK;
}

static void
done_report(struct md_job *j)
{
	struct req *q = j->arg;
	char disp[96], wk[16];

	if (j->rc != MD_STORE_OK) {
		store_problem(q);
		return;
	}
	md_week_format(&q->week, wk);
	snprintf(disp, sizeof disp, "%s; filename=\"measured-report-%s.%s\"",
	    q->format == MD_REPORT_HTML ? "inline" : "attachment", wk,
	    q->format == MD_REPORT_CSV ? "csv" : q->format == MD_REPORT_HTML ?
	    "html" : "json");
	evhttp_add_header(evhttp_request_get_output_headers(q->r),
	    "Content-Disposition", disp);
	send_body(q, 200, md_report_content_type(q->format), q->body,
	    q->body_len);
	req_free(q);
}

/*
 * The public report has no token to rate-limit by: all requests without
 * one share a single bucket of the configured rate and burst, so that
 * anonymous readers cannot keep the store's reader busy.  1 when over
 * (answered 429).
 */
static int
anonymous_limited(struct req *q)
{
	static double tokens = -1, refilled;
	const struct md_conf *c = &q->srv->rt->conf;
	double now = md_mono();
	char after[32];

	if (c->rate <= 0)
		return 0;
	if (tokens < 0) {
		tokens = c->burst;
		refilled = now;
	}
	tokens += (now - refilled) * c->rate;
	if (tokens > c->burst)
		tokens = c->burst;
	refilled = now;
	if (tokens >= 1) {
		tokens -= 1;
		return 0;
	}
	snprintf(after, sizeof after, "%d", (int)ceil((1 - tokens) / c->rate));
	evhttp_add_header(evhttp_request_get_output_headers(q->r),
	    "Retry-After", after);
	q->srv->m.rate_limited++;
	problem(q, 429, "rate-limited", "readers without a token are over "
	    "their shared limit of %g requests a second; retry after %s s",
	    c->rate, after);
	return 1;
}

/*
 * GET /v1/reports/weekly?week=&format=&cases=: the HTML is public when
 * <report public="yes">; JSON and CSV (per-flag rows) always need a
 * reviewer.  The parameters are read first, since the format decides
 * whether a token is needed.
 */
static void
get_report(struct req *q)
{
	static const char *const allowed[] = { "week", "format", "cases",
		NULL };
	struct md_error err = { 0 };
	const char *week, *format;
	struct md_week now;

	if (parse_params(q, allowed) != 0)
		return;
	format = evhttp_find_header(&q->params, "format");
	if (format == NULL) {
		q->format = MD_REPORT_HTML;
	} else if ((q->format = md_report_format_parse(format)) < 0) {
		problem(q, 400, "invalid-parameter", "format must be html, json "
		    "or csv, not \"%s\"", format);
		return;
	}
	if (!(q->format == MD_REPORT_HTML && q->srv->rt->conf.report_public)) {
		if (authorize(q, ROLE_REVIEWER | ROLE_ADMIN) != 0)
			return;
	} else if (anonymous_limited(q)) {
		return;
	}
	md_week_of(time(NULL), &now);
	if ((week = evhttp_find_header(&q->params, "week")) == NULL) {
		/* The last finished week. */
		q->week = now;
		md_week_add(&q->week, -1);
	} else if (md_week_parse(week, &q->week, &err) != 0) {
		problem(q, 400, "invalid-parameter", "%s", err.msg);
		return;
	} else if (md_week_start(&q->week) > md_week_start(&now)) {
		char wk[16];

		md_week_format(&now, wk);
		problem(q, 400, "invalid-parameter", "week \"%s\" has not begun "
		    "(this is %s)", week, wk);
		return;
	}
	q->ncases = MD_REPORT_CASES;
	if (int_param(q, "cases", 0, MD_REPORT_MAX_CASES, &q->ncases) != 0)
		return;
	/* A copy: a reload may free the runtime while the job runs. */
	q->texts = md_report_texts(md_engine_catalog(q->srv->rt->engine));
	q->job.run = job_report;
	q->job.done = done_report;
	q->job.arg = q;
	md_store_read(q->srv->store, &q->job);
}

/* --- routing ------------------------------------------------------------ */

/* "/prefix/123" and "/prefix/123/suffix": the id, or -1. */
static int64_t
path_id(const char *path, const char *prefix, const char *suffix)
{
	size_t n = strlen(prefix), k = 0;
	int64_t id = 0;
	const char *p;

	if (strncmp(path, prefix, n) != 0)
		return -1;
	for (p = path + n; *p >= '0' && *p <= '9'; p++, k++) {
		if (k >= 18)
			return -1;
		id = id * 10 + (*p - '0');
	}
	if (k == 0 || (k > 1 && path[n] == '0'))
		return -1;
	if (strcmp(p, suffix) != 0)
		return -1;
	return id;
}

static int
wants_xml(struct evhttp_request *r)
{
	const char *a = evhttp_find_header(evhttp_request_get_input_headers(r),
	    "Accept");
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r),
	    "Content-Type");

	if (ct != NULL && (strncasecmp(ct, "application/xml", 15) == 0 ||
	    strncasecmp(ct, "text/xml", 8) == 0))
		return 1;
	return a != NULL && (strstr(a, "application/xml") ||
	    strstr(a, "text/xml")) && !strstr(a, "json");
}

static void
method_not_allowed(struct req *q, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(q->r), "Allow",
	    allow);
	problem(q, 405, "method-not-allowed", "%s allows %s",
	    md_route_names[q->route], allow);
}

static void
dispatch(struct evhttp_request *r, void *arg)
{
	struct md_server *srv = arg;
	struct req *q = req_new(srv);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(r);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(r);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	int get = cmd == EVHTTP_REQ_GET, post = cmd == EVHTTP_REQ_POST;
	int64_t id;
	int status;

	q->srv = srv;
	q->r = r;
	q->t0 = md_mono();
	/* What the client may send meanwhile: the largest request evhttp
	 * reads whole (a body, its headers, some slack for the request
	 * line), so that a pipelined one is never held back for good. */
	md_reply_watch(r, srv->rt->conf.max_body + srv->rt->conf.max_headers +
	    4096);
	q->xml = wants_xml(r);
	if (path == NULL || *path == '\0')
		path = "/";
	if (srv->draining) {
		evhttp_add_header(evhttp_request_get_output_headers(r),
		    "Connection", "close");
		problem(q, 503, "shutting-down", "the daemon is shutting down");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		q->route = R_HEALTHZ;
		get ? get_health(q, 0) : method_not_allowed(q, "GET");
	} else if (strcmp(path, "/readyz") == 0) {
		q->route = R_READYZ;
		get ? get_health(q, 1) : method_not_allowed(q, "GET");
	} else if (strcmp(path, "/metrics") == 0) {
		q->route = R_METRICS;
		get ? get_metrics(q) : method_not_allowed(q, "GET");
	} else if (strcmp(path, "/v1/submissions") == 0) {
		q->route = R_SUBMISSIONS;
		if (post)
			post_submission(q);
		else if (get)
			get_submissions(q);
		else
			method_not_allowed(q, "GET, POST");
	} else if ((id = path_id(path, "/v1/submissions/", "")) >= 0) {
		q->route = R_SUBMISSION;
		q->id = id;
		get ? get_submission(q) : method_not_allowed(q, "GET");
	} else if (strcmp(path, "/v1/flags") == 0) {
		q->route = R_FLAGS;
		get ? get_flags(q) : method_not_allowed(q, "GET");
	} else if (strcmp(path, "/v1/flags/counts") == 0) {
		q->route = R_FLAG_COUNTS;
		get ? get_flags_counts(q) : method_not_allowed(q, "GET");
	} else if ((id = path_id(path, "/v1/flags/", "/related")) >= 0) {
		q->route = R_RELATED;
		q->id = id;
		get ? get_flag_related(q) : method_not_allowed(q, "GET");
	} else if ((id = path_id(path, "/v1/flags/", "")) >= 0) {
		q->route = R_FLAG;
		q->id = id;
		get ? get_flag(q) : method_not_allowed(q, "GET");
	} else if ((id = path_id(path, "/v1/flags/", "/review")) >= 0) {
		q->route = R_REVIEW;
		q->id = id;
		post ? post_review(q) : method_not_allowed(q, "POST");
	} else if (strcmp(path, "/v1/check") == 0) {
		q->route = R_CHECK;
		post ? post_check(q) : method_not_allowed(q, "POST");
	} else if (strcmp(path, "/v1/measures") == 0) {
		q->route = R_MEASURES;
		get ? get_static_json(q, srv->rt->measures, "measures") :
		    method_not_allowed(q, "GET");
	} else if (strcmp(path, "/v1/plugins") == 0) {
		q->route = R_PLUGINS;
		get ? get_static_json(q, srv->rt->plugins, "plugins") :
		    method_not_allowed(q, "GET");
	} else if (strcmp(path, "/v1/reports/weekly") == 0) {
		q->route = R_REPORT;
		get ? get_report(q) : method_not_allowed(q, "GET");
	} else if (get && (status = md_web_serve(srv, r, path)) != 404) {
		/* The reviewers' UI (web.c): it has replied. */
		md_metrics_request(&srv->m, R_WEB, status, md_mono() - q->t0);
		req_free(q);
	} else {
		q->route = R_OTHER;
		problem(q, 404, "not-found", "no such resource: %s", path);
	}
}

void
md_http_apply_limits(struct md_server *srv)
{
	const struct md_conf *c = &srv->rt->conf;

	evhttp_set_max_body_size(srv->http, (ev_ssize_t)c->max_body);
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)c->max_headers);
	evhttp_set_timeout(srv->http, c->timeout);
}

void
md_http_free(struct md_server *srv)
{
	struct req *q;

	while ((q = srv->spare_reqs) != NULL) {
		srv->spare_reqs = q->next_spare;
		free(q);
	}
	srv->nspare_reqs = 0;
}

void
md_http_setup(struct md_server *srv)
{
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(srv->http, dispatch, srv);
	evhttp_set_default_content_type(srv->http,
	    "application/json; charset=utf-8");
	md_http_apply_limits(srv);
}
