/*
 * intake.c - the shared path from a parsed document to a checked
 * struct md_submission (see intake.h): body parsing (JSON, or XML in the
 * same shape), the field specs and their validation, the request
 * fingerprint, and the engine run.  Used by http.c (POST /v1/submissions,
 * /v1/check, reviews), feed.c and spool.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cmd_check.h"
#include "intake.h"
#include "json.h"
#include "outbox.h"
#include "server.h"
#include "sha256.h"
#include "text.h"
#include "xml.h"

void
md_problem_set(struct md_problem *p, int status, const char *type,
    const char *fmt, ...)
{
	va_list ap;

	if (p == NULL)
		return;
	p->status = status;
	snprintf(p->type, sizeof p->type, "%s", type);
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof p->detail, fmt, ap);
	va_end(ap);
}

/* XML element e as a JSON value: text, or an object of its children. */
static json_t *
xml_to_json(xmlNodePtr e, char *err, size_t errlen)
{
	xmlNodePtr c;
	json_t *o = NULL;
	int elements = 0;

	if (e->properties != NULL) {
		snprintf(err, errlen, "line %d: <%s> has attributes; values are "
		    "given as elements", md_xml_line(e), (const char *)e->name);
		return NULL;
	}
	for (c = e->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			elements = 1;
	if (!elements) {
		char *t = md_xml_text(e);
		json_t *s = json_string(t);

		free(t);
		return s;
	}
	o = json_object();
	for (c = e->children; c != NULL; c = c->next) {
		const char *name = (const char *)c->name;
		json_t *v;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const xmlChar *p = c->content;

			while (p != NULL && *p != '\0' && isspace(*p))
				p++;
			if (p != NULL && *p != '\0') {
				snprintf(err, errlen, "line %d: text beside the "
				    "elements of <%s>", md_xml_line(c),
				    (const char *)e->name);
				goto fail;
			}
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (json_object_get(o, name) != NULL) {
			snprintf(err, errlen, "line %d: <%s> appears twice",
			    md_xml_line(c), name);
			goto fail;
		}
		if ((v = xml_to_json(c, err, errlen)) == NULL)
			goto fail;
		json_object_set_new(o, name, v);
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/*
 * buf (len bytes) as a JSON object: JSON, or XML with the root element root
 * converted to the same shape.  NULL with p set when it is neither.
 */
json_t *
md_body_parse(const char *buf, size_t len, int xml, const char *root,
    struct md_problem *p)
{
	if (len == 0) {
		md_problem_set(p, 400, "malformed-body", "the body is empty");
		return NULL;
	}
	if (!xml) {
		json_error_t je;
		json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);

		if (v == NULL) {
			md_problem_set(p, 400, "malformed-body", "malformed JSON "
			    "at line %d, column %d: %s", je.line, je.column,
			    je.text);
			return NULL;
		}
		if (!json_is_object(v)) {
			json_decref(v);
			md_problem_set(p, 400, "malformed-body", "the body must "
			    "be a JSON object");
			return NULL;
		}
		return v;
	} else {
		struct md_error err = { 0 };
		char msg[256] = "";
		xmlDocPtr doc;
		xmlNodePtr e;
		json_t *v;

		doc = md_xml_load_memory(buf, len, "body", NULL, &err);
		if (doc == NULL) {
			md_problem_set(p, 400, "malformed-body", "%s", err.msg);
			return NULL;
		}
		e = xmlDocGetRootElement(doc);
		if (e == NULL || strcmp((const char *)e->name, root) != 0) {
			md_problem_set(p, 400, "malformed-body", "the root "
			    "element must be <%s>", root);
			xmlFreeDoc(doc);
			return NULL;
		}
		v = xml_to_json(e, msg, sizeof msg);
		xmlFreeDoc(doc);
		if (v == NULL || !json_is_object(v)) {
			json_decref(v);
			md_problem_set(p, 400, "malformed-body", "%s", msg[0] ?
			    msg : "the root element has no fields");
			return NULL;
		}
		return v;
	}
}

/* --- fields ------------------------------------------------------------- */

enum ftype { F_STR, F_OBJ };
enum fcheck { C_NONE, C_KIND, C_DATE, C_REGION, C_PHONE, C_URL, C_ACTION,
	C_LINE };

struct field {
	const char *name;
	enum ftype type;
	int required;
	size_t max;		/* characters, not bytes; 0: the text limit */
	enum fcheck check;
	const struct field *sub;
};

static const struct field region_fields[] = {
	{ "code", F_STR, 0, 12, C_REGION, NULL },
	{ "name", F_STR, 0, 100, C_LINE, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct field contact_fields[] = {
	{ "name", F_STR, 0, 100, C_LINE, NULL },
	{ "phone", F_STR, 0, 40, C_PHONE, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
/* The fast path (md_intake_submission_json) reads fields by their place
 * in these tables. */
enum { SF_EXTERNAL_ID, SF_KIND, SF_TITLE, SF_TEXT, SF_REGION, SF_OCCURRED,
	SF_PUBLISHED, SF_CONTACT, SF_CALLBACK, SF_N };
#define FAST_FIELDS 12		/* at most, in a spec */
enum { RF_CODE, RF_NAME };
enum { CF_NAME, CF_PHONE };
static const struct field submission_fields[] = {
	{ "external_id", F_STR, 1, 200, C_LINE, NULL },
	{ "kind", F_STR, 0, 16, C_KIND, NULL },
	{ "title", F_STR, 0, 500, C_LINE, NULL },
	{ "text", F_STR, 1, 0, C_NONE, NULL },
	{ "region", F_OBJ, 0, 0, C_NONE, region_fields },
	{ "occurred_at", F_STR, 0, 40, C_DATE, NULL },
	{ "published_at", F_STR, 0, 40, C_DATE, NULL },
	{ "contact", F_OBJ, 0, 0, C_NONE, contact_fields },
	{ "callback_url", F_STR, 0, 2048, C_URL, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
/* The fast path's places, and its room for fields, hold for these. */
_Static_assert(MD_NELEM(submission_fields) == SF_N + 1,
    "SF_* must name submission_fields in order");
_Static_assert(MD_NELEM(region_fields) == 3 && MD_NELEM(contact_fields) == 3,
    "RF_* and CF_* must name region_fields and contact_fields");
_Static_assert(SF_N <= FAST_FIELDS, "a spec has at most FAST_FIELDS fields");

static const struct field check_fields[] = {
	{ "text", F_STR, 1, 0, C_NONE, NULL },
	{ "kind", F_STR, 0, 16, C_KIND, NULL },
	{ "title", F_STR, 0, 500, C_LINE, NULL },
	{ "occurred_at", F_STR, 0, 40, C_DATE, NULL },
	{ "published_at", F_STR, 0, 40, C_DATE, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};
static const struct field review_fields[] = {
	{ "action", F_STR, 1, 16, C_ACTION, NULL },
	{ "note", F_STR, 1, 4000, C_NONE, NULL },
	{ "public_note", F_STR, 0, 4000, C_NONE, NULL },
	{ NULL, 0, 0, 0, 0, NULL },
};

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/*
 * A date or an RFC 3339 date-time, as the date it falls on in China
 * Standard Time.  -1 when it is neither.
 */
int
md_cst_date(const char *s, char out[11])
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
	char sign = 'Z';
	const char *p;
	time_t t;

	if (strlen(s) == 10) {
		if (!md_date_valid(s))
			return -1;
		memcpy(out, s, 11);
		return 0;
	}
	/* YYYY-MM-DDTHH:MM:SS in digits where digits go (sscanf alone
	 * would take " 1" or "+1" for a field). */
	for (n = 0; n < 19; n++)
		if (s[n] == '\0' || (n == 4 || n == 7 || n == 10 || n == 13 ||
		    n == 16) != !isdigit((unsigned char)s[n]))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
	    &sec, &n) != 6 || n != 19)
		return -1;
	snprintf(out, 11, "%04d-%02d-%02d", y, mo, d);
	if (!md_date_valid(out) || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p;
		if (!isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]) || p[3] != ':' ||
		    !isdigit((unsigned char)p[4]) ||
		    !isdigit((unsigned char)p[5]) ||
		    sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 ||
		    oh > 23 || om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	t -= (sign == '-' ? -1 : sign == '+' ? 1 : 0) * (oh * 3600 + om * 60);
	t += 8 * 3600;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return 0;
}

static const char *
check_value(const struct field *f, const char *s)
{
	static char why[160];
	char date[11];
	size_t i;

	switch (f->check) {
	case C_KIND:
		if (strcmp(s, "complaint") != 0 && strcmp(s, "notice") != 0)
			return "must be \"complaint\" or \"notice\"";
		break;
	case C_DATE:
		if (md_cst_date(s, date) != 0)
			return "must be a date (2022-11-20) or an RFC 3339 "
			    "date-time (2022-11-20T08:30:00+08:00)";
		break;
	case C_REGION:
		for (i = 0; s[i] != '\0'; i++)
			if (!isdigit((unsigned char)s[i]))
				break;
		if (s[i] != '\0' || (i != 2 && i != 4 && i != 6 && i != 9 &&
		    i != 12))
			return "must be a GB/T 2260 division code: 2, 4 or 6 "
			    "digits (9 or 12 for a township or village)";
		break;
	case C_PHONE:
		for (i = 0; s[i] != '\0'; i++)
			if (!isdigit((unsigned char)s[i]) && !strchr("+- ()",
			    s[i]))
				return "may hold only digits, spaces and + - ( )";
		break;
	case C_URL:
		if (strncmp(s, "https://", 8) != 0 &&
		    strncmp(s, "http://", 7) != 0)
			return "must be an http:// or https:// URL";
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] <= ' ')
				return "must not contain spaces or control "
				    "characters";
		break;
	case C_ACTION:
		if (!md_review_action_valid(s))
			return "must be one of confirm, dismiss, escalate, "
			    "rectified, reopen";
		break;
	case C_LINE:
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] < ' ') {
				snprintf(why, sizeof why, "must be one line "
				    "without control characters (byte %zu)",
				    i);
				return why;
			}
		break;
	case C_NONE:
		break;
	}
	return NULL;
}

static void
field_names(struct md_buf *b, const struct field *spec)
{
	const struct field *f;

	for (f = spec; f->name != NULL; f++)
		md_buf_printf(b, "%s%s", f == spec ? "" : ", ", f->name);
}

/*
 * Checks o against spec; 0, or -1 with p set.  prefix names nested fields
 * ("region.").
 */
static int
validate(json_t *o, const struct field *spec, const char *prefix,
    size_t max_text, struct md_problem *p)
{
	const struct field *f;
	const char *key, *why;
	json_t *v;

	json_object_foreach(o, key, v) {
		for (f = spec; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL) {
			struct md_buf b = { 0 };

			field_names(&b, spec);
			md_problem_set(p, 422, "unknown-field", "unknown field \"%s%s\" "
			    "(the fields are: %s)", prefix, key, b.data);
			md_buf_free(&b);
			return -1;
		}
	}
	for (f = spec; f->name != NULL; f++) {
		v = json_object_get(o, f->name);
		if (v == NULL || json_is_null(v)) {
			if (f->required) {
				md_problem_set(p, 422, "missing-field", "the field "
				    "\"%s%s\" is required", prefix, f->name);
				return -1;
			}
			continue;
		}
		if (f->type == F_OBJ) {
			char sub[64];

			if (!json_is_object(v)) {
				md_problem_set(p, 422, "wrong-type", "\"%s%s\" must be "
				    "an object", prefix, f->name);
				return -1;
			}
			snprintf(sub, sizeof sub, "%s%s.", prefix, f->name);
			if (validate(v, f->sub, sub, max_text, p) != 0)
				return -1;
			continue;
		}
		if (!json_is_string(v)) {
			md_problem_set(p, 422, "wrong-type", "\"%s%s\" must be a string",
			    prefix, f->name);
			return -1;
		}
		if (f->max == 0) {
			size_t len = json_string_length(v);

			if (len > max_text) {
				md_problem_set(p, 413, "text-too-large", "\"%s%s\" is "
				    "%zu bytes; the limit is %zu", prefix,
				    f->name, len, max_text);
				return -1;
			}
			if (strlen(json_string_value(v)) != len) {
				md_problem_set(p, 422, "invalid-text", "\"%s%s\" "
				    "contains a NUL character", prefix,
				    f->name);
				return -1;
			}
		} else if (utf8_chars(json_string_value(v)) > f->max) {
			md_problem_set(p, 422, "field-too-long", "\"%s%s\" is longer "
			    "than %zu characters", prefix, f->name, f->max);
			return -1;
		}
		if (f->required && json_string_length(v) == 0) {
			md_problem_set(p, 422, "missing-field", "the field \"%s%s\" is "
			    "empty", prefix, f->name);
			return -1;
		}
		if ((why = check_value(f, json_string_value(v))) != NULL) {
			md_problem_set(p, 422, "invalid-field", "\"%s%s\" %s", prefix,
			    f->name, why);
			return -1;
		}
	}
	return 0;
}

/* A value as the fingerprint hashes it: its length in decimal, a colon,
 * its bytes. */
static void
hash_value(struct md_sha256 *h, const char *v, size_t n)
{
	char len[24], *end = len + sizeof len, *p;

	*--end = ':';
	p = md_decimal(end, n);
	md_sha256_update(h, p, (size_t)(len + sizeof len - p));
	md_sha256_update(h, v, n);
}

/*
 * Hashes the fields of a validated body in the spec's order, each as its
 * name, a NUL, its length and its bytes (objects nested the same way), so
 * that the same fields with the same values give the same digest whatever
 * their order or the syntax they came in.
 */
static void
fingerprint(struct md_sha256 *h, json_t *o, const struct field *spec)
{
	const struct field *f;

	for (f = spec; f->name != NULL; f++) {
		json_t *v = json_object_get(o, f->name);

		if (v == NULL || json_is_null(v))
			continue;
		md_sha256_update(h, f->name, strlen(f->name) + 1);
		if (f->type == F_OBJ) {
			md_sha256_update(h, "{", 1);
			fingerprint(h, v, f->sub);
			md_sha256_update(h, "}", 1);
			continue;
		}
		hash_value(h, json_string_value(v), json_string_length(v));
	}
}

char *
md_body_strdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? md_xstrdup(s) : NULL;
}

static const struct field *const body_specs[] = {
	[MD_BODY_SUBMISSION] = submission_fields,
	[MD_BODY_CHECK] = check_fields,
	[MD_BODY_REVIEW] = review_fields,
};

int
md_body_validate(json_t *o, enum md_body_kind kind, size_t max_text,
    struct md_problem *p)
{
	return validate(o, body_specs[kind], "", max_text, p);
}

int
md_region_code_valid(const char *s)
{
	return check_value(&region_fields[0], s) == NULL;
}

/* The engine over one document, counted in srv's metrics: 0 with r set
 * (the caller frees it), or -1 with p set. */
static int
run_engine(struct md_server *srv, const char *text, size_t len,
    const char *kind, const char *occurred_at, const char *published_at,
    struct md_result *r, struct md_problem *p)
{
	struct md_error err = { 0 };
	struct md_input in = { 0 };
	char occ[11], pub[11];
	size_t i;

	in.name = "request";
	in.text = text;
	in.len = len;
	in.kind = kind != NULL ? kind : "complaint";
	if (occurred_at != NULL && md_cst_date(occurred_at, occ) == 0)
		in.occurred_at = occ;
	if (published_at != NULL && md_cst_date(published_at, pub) == 0)
		in.published_at = pub;
	if (md_engine_check(srv->rt->engine, &in, r, &err) != 0) {
		md_result_free(r);
		md_problem_set(p, 422, "invalid-text", "%s", err.msg);
		return -1;
	}
	srv->m.regex_limit_hits += r->not_evaluated;
	for (i = 0; i < r->n; i++)
		md_metrics_finding(&srv->m, r->findings[i].category);
	return 0;
}

/* run_engine over a validated body's fields. */
static int
run_engine_body(struct md_server *srv, json_t *body, struct md_result *r,
    struct md_problem *p)
{
	json_t *t = json_object_get(body, "text");

	return run_engine(srv, json_string_value(t), json_string_length(t),
	    json_string_value(json_object_get(body, "kind")),
	    json_string_value(json_object_get(body, "occurred_at")),
	    json_string_value(json_object_get(body, "published_at")), r, p);
}

int
md_intake_check(struct md_server *srv, json_t *body, int text,
    json_t **result, struct md_problem *p)
{
	struct md_result r;

	if (run_engine_body(srv, body, &r, p) != 0)
		return -1;
	*result = json_pack("{s:o, s:s, s:s, s:o, s:I}", "measures_version",
	    r.measures ? json_string(r.measures->version) : json_null(),
	    "date", r.date, "date_source", r.date_source,
	    "findings", md_findings_json(&r, text),
	    "not_evaluated", (json_int_t)r.not_evaluated);
	md_result_free(&r);
	return 0;
}

/*
 * A callback_url must name a host the platform's configuration allows,
 * and, unless it allows private addresses, not a private or loopback
 * address written as such.  (A name is resolved only at delivery, off
 * the event loop, where the address connected to is checked again.)
 * 0, or -1 with p set.
 */
static int
check_callback_url(struct md_server *srv, const char *platform,
    const char *url, struct md_problem *p)
{
	const struct md_platform_conf *pc;
	struct md_error err = { 0 };
	struct md_buf b = { 0 };
	const char *why;
	char *host = NULL;
	size_t i;

	if (url == NULL)
		return 0;
	pc = md_conf_platform(&srv->rt->conf, platform);
	if (pc == NULL || pc->nhosts == 0) {
		md_problem_set(p, 422, "callback-not-allowed", "\"callback_url\": "
		    "platform \"%s\" has no callback hosts configured, so it "
		    "cannot be called back (the operator adds <callback-host> "
		    "to its <platform> in measured.conf)", platform);
		return -1;
	}
	if (md_outbox_url_check(url, &host, &err) != 0) {
		md_problem_set(p, 422, "invalid-field", "\"callback_url\" %s",
		    err.msg);
		return -1;
	}
	if (!md_outbox_host_allowed(pc, host)) {
		for (i = 0; i < pc->nhosts; i++)
			md_buf_printf(&b, "%s%s", i ? ", " : "", pc->hosts[i]);
		md_problem_set(p, 422, "callback-not-allowed", "\"callback_url\": "
		    "host \"%s\" is not one of the callback hosts allowed for "
		    "platform \"%s\" (%s)", host, platform, b.data);
		md_buf_free(&b);
		free(host);
		return -1;
	}
	if (!pc->allow_private && (why = md_addr_special_text(host)) != NULL) {
		md_problem_set(p, 422, "callback-not-allowed", "\"callback_url\": "
		    "%s is a %s address, which callbacks may not reach", host,
		    why);
		free(host);
		return -1;
	}
	free(host);
	return 0;
}

/* The work-group webhooks that want each finding, for the store to queue
 * with the submission; NULL when none does. */
static json_t *
webhook_routes(struct md_server *srv, const struct md_submission *s)
{
	const struct md_conf *conf = &srv->rt->conf;
	json_t *routes = NULL;
	size_t i, k;

	for (i = 0; i < s->nfindings; i++) {
		const struct md_sub_finding *f = &s->findings[i];

		for (k = 0; k < conf->nwebhooks; k++) {
			const struct md_webhook_conf *w = &conf->webhooks[k];

			if (!md_outbox_webhook_wants(w, f->category,
			    f->severity, s->region_code))
				continue;
			if (routes == NULL)
				routes = json_array();
			json_array_append_new(routes, json_pack("{s:s, s:s, "
			    "s:I}", "webhook", w->name, "url", w->url,
			    "finding", (json_int_t)i));
		}
	}
	return routes;
}

/* Fills what the engine's result r gives s, and its webhooks; frees r. */
static void
take_result(struct md_server *srv, struct md_submission *s,
    struct md_result *r)
{
	size_t i;

	s->measures_version = r->measures ?
	    md_xstrdup(r->measures->version) : NULL;
	memcpy(s->date, r->date, sizeof s->date);
	s->date_source = md_xstrdup(r->date_source);
	s->findings = r->n ? md_xcalloc(r->n, sizeof *s->findings) : NULL;
	s->nfindings = r->n;
	for (i = 0; i < r->n; i++) {
		const struct md_found *f = &r->findings[i];
		struct md_sub_finding *sf = &s->findings[i];

		sf->category = md_xstrdup(f->category);
		sf->version = md_xstrdup(r->measures->version);
		sf->item = md_xstrdup(f->item->id);
		sf->number = md_xstrdup(f->item->number ? f->item->number :
		    "");
		sf->rule = md_xstrdup(f->rule->id);
		sf->severity = f->severity;
		sf->excerpt = md_xstrdup(f->excerpt);
		{
			/* Written into its own buffer, which it keeps. */
			struct md_buf b = { 0 };

			md_buf_reserve(&b, 1000);
			md_finding_write(&b, r, f, 0);
			sf->json_len = b.len;
			sf->json = b.data;
		}
	}
	md_result_free(r);
	/* Queued by the store with the submission, whatever its path. */
	s->webhooks = webhook_routes(srv, s);
}

int
md_intake_submission(struct md_server *srv, json_t *body,
    int64_t platform_id, const char *platform, struct md_submission *s,
    struct md_problem *p)
{
	json_t *region, *contact;
	struct md_result r;
	struct md_sha256 h;

	if (md_body_validate(body, MD_BODY_SUBMISSION, srv->rt->conf.max_text,
	    p) != 0 || check_callback_url(srv, platform,
	    json_string_value(json_object_get(body, "callback_url")), p) != 0)
		return -1;
	if (run_engine_body(srv, body, &r, p) != 0)
		return -1;
	/* The fingerprint of the request, whatever its syntax or order. */
	md_sha256_init(&h);
	fingerprint(&h, body, submission_fields);
	md_sha256_final_hex(&h, s->fingerprint);

	s->platform_id = platform_id;
	s->external_id = md_body_strdup(body, "external_id");
	s->kind = md_body_strdup(body, "kind");
	if (s->kind == NULL)
		s->kind = md_xstrdup("complaint");
	s->title = md_body_strdup(body, "title");
	s->text = md_body_strdup(body, "text");
	region = json_object_get(body, "region");
	s->region_code = md_body_strdup(region, "code");
	s->region_name = md_body_strdup(region, "name");
	s->occurred_at = md_body_strdup(body, "occurred_at");
	s->published_at = md_body_strdup(body, "published_at");
	contact = json_object_get(body, "contact");
	s->contact_name = md_body_strdup(contact, "name");
	s->contact_phone = md_body_strdup(contact, "phone");
	s->callback_url = md_body_strdup(body, "callback_url");
	s->platform = md_xstrdup(platform);
	take_result(srv, s, &r);
	return 0;
}

/* --- the answer ----------------------------------------------------------- */

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
md_submission_json(const struct md_submission *s)
{
	json_t *region = json_null(), *findings = json_array();
	size_t i;

	if (s->region_code != NULL || s->region_name != NULL)
		region = json_pack("{s:o, s:o}", "code",
		    str_or_null(s->region_code), "name",
		    str_or_null(s->region_name));
	for (i = 0; i < s->nfindings; i++)
		json_array_append_new(findings, md_sub_finding_json(
		    &s->findings[i]));
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:s, s:s, s:s, s:o}",
	    "id", (json_int_t)s->id, "platform", s->platform,
	    "external_id", s->external_id, "kind", s->kind,
	    "title", str_or_null(s->title), "region", region,
	    "occurred_at", str_or_null(s->occurred_at),
	    "published_at", str_or_null(s->published_at),
	    "callback_url", str_or_null(s->callback_url),
	    "measures_version", str_or_null(s->measures_version),
	    "date", s->date, "date_source", s->date_source,
	    "received_at", s->received_at, "findings", findings);
}

/* ,"key": and s as a JSON string, or null. */
static void
member(struct md_buf *b, const char *key, const char *s)
{
	md_buf_adds(b, key);
	if (s != NULL)
		md_json_write_string(b, s, strlen(s));
	else
		md_buf_add(b, "null", 4);
}

void
md_submission_write(struct md_buf *b, const struct md_submission *s)
{
	size_t i, room = 1024;

	for (i = 0; i < s->nfindings; i++)
		room += s->findings[i].json_len + 64;
	md_buf_reserve(b, room);
	md_buf_adds(b, "{\"id\":");
	md_json_write_int(b, s->id);
	member(b, ",\"platform\":", s->platform);
	member(b, ",\"external_id\":", s->external_id);
	member(b, ",\"kind\":", s->kind);
	member(b, ",\"title\":", s->title);
	if (s->region_code != NULL || s->region_name != NULL) {
		member(b, ",\"region\":{\"code\":", s->region_code);
		member(b, ",\"name\":", s->region_name);
		md_buf_add(b, "}", 1);
	} else {
		md_buf_adds(b, ",\"region\":null");
	}
	member(b, ",\"occurred_at\":", s->occurred_at);
	member(b, ",\"published_at\":", s->published_at);
	member(b, ",\"callback_url\":", s->callback_url);
	member(b, ",\"measures_version\":", s->measures_version);
	member(b, ",\"date\":", s->date);
	member(b, ",\"date_source\":", s->date_source);
	member(b, ",\"received_at\":", s->received_at);
	md_buf_adds(b, ",\"findings\":[");
	for (i = 0; i < s->nfindings; i++) {
		const struct md_sub_finding *f = &s->findings[i];

		if (i > 0)
			md_buf_add(b, ",", 1);
		/* The object, less its brace, and its flag (md_finding_write
		 * writes objects with members). */
		assert(f->json_len >= 2 && f->json[f->json_len - 1] == '}');
		md_buf_add(b, f->json, f->json_len - 1);
		if (f->flag_id > 0) {
			md_buf_adds(b, ",\"flag_id\":");
			md_json_write_int(b, f->flag_id);
			md_buf_adds(b, ",\"flag_status\":\"open\"");
		}
		md_buf_add(b, "}", 1);
	}
	md_buf_add(b, "]}", 2);
}

/* --- the fast path ------------------------------------------------------ */

/*
 * md_intake_submission_json reads a JSON submission in one pass, straight
 * into the fields of its spec, where jansson would build a tree (hashing
 * each key, allocating each value) for md_body_validate to walk: that
 * tree, its answer's and their allocations were a third of the event
 * loop's time under load.  It takes only what it can take exactly as the
 * slow path would (the fields of the spec once each, strings and null,
 * the two objects); anything else, and every body the slow path would
 * refuse, makes it give up, and the caller then takes the slow path,
 * which gives the precise problem.  tests/unit/test_intake.c holds the two
 * to the same answers.
 */

struct fast_obj {
	const struct field *spec;
	char *v[FAST_FIELDS];		/* strings given, decoded */
	size_t len[FAST_FIELDS];
	struct fast_obj *sub[FAST_FIELDS];	/* objects given */
	unsigned seen;			/* fields named, null or not */
};

struct fast_json {
	const unsigned char *p, *end;
	struct fast_obj pool[2];	/* region and contact */
	size_t npool;
};

static void
fast_ws(struct fast_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			v |= (p[i] | 0x20) - 'a' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * The JSON string at j->p (its opening quote), decoded into a new string
 * of *len bytes; NULL when it is not valid JSON and UTF-8 without a NUL,
 * as jansson (which refuses "\u0000" and lone surrogates) would have it.
 */
static char *
fast_string(struct fast_json *j, size_t *len)
{
	const unsigned char *p = j->p + 1, *run;
	struct md_buf b = { 0 };
	unsigned cp, lo;
	char *v;

	/* Most strings have no escape: copied at once. */
	while (p < j->end && *p != '"' && *p != '\\' && *p >= 0x20)
		p++;
	if (p < j->end && *p == '"') {
		run = j->p + 1;
		if (md_utf8_check((const char *)run, (size_t)(p - run),
		    NULL) != 0)
			return NULL;
		j->p = p + 1;
		*len = (size_t)(p - run);
		return md_xstrndup((const char *)run, *len);
	}
	p = j->p + 1;
	md_buf_reserve(&b, (size_t)(j->end - p));
	for (;;) {
		run = p;
		while (p < j->end && *p != '"' && *p != '\\' && *p >= 0x20)
			p++;
		if (p >= j->end || *p < 0x20)
			goto bad;
		md_buf_add(&b, (const char *)run, (size_t)(p - run));
		if (*p == '"')
			break;
		/* An escape. */
		if (j->end - p < 2)
			goto bad;
		switch (p[1]) {
		case '"': case '\\': case '/':
			md_buf_add(&b, (const char *)p + 1, 1);
			p += 2;
			continue;
		case 'b': md_buf_add(&b, "\b", 1); p += 2; continue;
		case 'f': md_buf_add(&b, "\f", 1); p += 2; continue;
		case 'n': md_buf_add(&b, "\n", 1); p += 2; continue;
		case 'r': md_buf_add(&b, "\r", 1); p += 2; continue;
		case 't': md_buf_add(&b, "\t", 1); p += 2; continue;
		case 'u':
			break;
		default:
			goto bad;
		}
		if (j->end - p < 6 || hex4(p + 2, &cp) != 0 || cp == 0)
			goto bad;
		p += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			goto bad;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
			    hex4(p + 2, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
				goto bad;
			p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		{
			char u[4];
			size_t n;

			if (cp < 0x80) {
				u[0] = (char)cp;
				n = 1;
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | cp >> 6);
				u[1] = (char)(0x80 | (cp & 0x3f));
				n = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | cp >> 12);
				u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				n = 3;
			} else {
				u[0] = (char)(0xf0 | cp >> 18);
				u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
				u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
				u[3] = (char)(0x80 | (cp & 0x3f));
				n = 4;
			}
			md_buf_add(&b, u, n);
		}
	}
	j->p = p + 1;
	/* Escapes write whole characters, so checking what was written
	 * checks what was sent. */
	if (b.data == NULL)
		md_buf_add(&b, "", 0);
	if (md_utf8_check(b.data, b.len, NULL) != 0)
		goto bad;
	*len = b.len;
	v = md_xstrndup(b.data, b.len);	/* not the whole body's room */
	md_buf_free(&b);
	return v;
bad:
	md_buf_free(&b);
	return NULL;
}

static void
fast_free(struct fast_obj *o)
{
	size_t k;

	for (k = 0; k < FAST_FIELDS; k++) {
		free(o->v[k]);
		if (o->sub[k] != NULL)
			fast_free(o->sub[k]);
	}
}

/* The object at j->p (its brace) into o; 0, or -1 to give up. */
static int
fast_object(struct fast_json *j, const struct field *spec,
    struct fast_obj *o)
{
	o->spec = spec;
	j->p++;
	fast_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		const unsigned char *key;
		size_t k, klen;

		if (j->p >= j->end || *j->p != '"')
			return -1;
		key = ++j->p;
		while (j->p < j->end && *j->p != '"' && *j->p != '\\' &&
		    *j->p >= 0x20)
			j->p++;
		if (j->p >= j->end || *j->p != '"')
			return -1;
		klen = (size_t)(j->p - key);
		j->p++;
		for (k = 0; spec[k].name != NULL; k++)
			if (strlen(spec[k].name) == klen &&
			    memcmp(spec[k].name, key, klen) == 0)
				break;
		if (spec[k].name == NULL || (o->seen & 1u << k))
			return -1;
		o->seen |= 1u << k;
		fast_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return -1;
		j->p++;
		fast_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == '"') {
			if (spec[k].type != F_STR ||
			    (o->v[k] = fast_string(j, &o->len[k])) == NULL)
				return -1;
		} else if (*j->p == '{') {
			if (spec[k].type != F_OBJ || j->npool == MD_NELEM(j->pool))
				return -1;
			o->sub[k] = &j->pool[j->npool++];
			if (fast_object(j, spec[k].sub, o->sub[k]) != 0)
				return -1;
		} else if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
			j->p += 4;
		} else {
			return -1;
		}
		fast_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			fast_ws(j);
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return -1;
	}
}

/* 1 when o passes what validate() checks of it. */
static int
fast_valid(const struct fast_obj *o, size_t max_text)
{
	const struct field *f;
	size_t k;

	for (k = 0; (f = &o->spec[k])->name != NULL; k++) {
		if (f->type == F_OBJ) {
			if (o->sub[k] == NULL ? f->required :
			    !fast_valid(o->sub[k], max_text))
				return 0;
			continue;
		}
		if (o->v[k] == NULL) {
			if (f->required)
				return 0;
			continue;
		}
		if (f->max == 0 ? o->len[k] > max_text :
		    utf8_chars(o->v[k]) > f->max)
			return 0;
		if ((f->required && o->len[k] == 0) ||
		    check_value(f, o->v[k]) != NULL)
			return 0;
	}
	return 1;
}

/* As fingerprint() hashes the same body. */
static void
fast_fingerprint(struct md_sha256 *h, const struct fast_obj *o)
{
	const struct field *f;
	size_t k;

	for (k = 0; (f = &o->spec[k])->name != NULL; k++) {
		if (f->type == F_OBJ ? o->sub[k] == NULL : o->v[k] == NULL)
			continue;
		md_sha256_update(h, f->name, strlen(f->name) + 1);
		if (f->type == F_OBJ) {
			md_sha256_update(h, "{", 1);
			fast_fingerprint(h, o->sub[k]);
			md_sha256_update(h, "}", 1);
			continue;
		}
		hash_value(h, o->v[k], o->len[k]);
	}
}

/* Field k of o, handed over (NULL when not given). */
static char *
fast_take(struct fast_obj *o, size_t k)
{
	char *v;

	if (o == NULL)
		return NULL;
	v = o->v[k];
	o->v[k] = NULL;
	return v;
}

int
md_intake_submission_json(struct md_server *srv, const char *buf,
    size_t len, int64_t platform_id, const char *platform,
    struct md_submission *s)
{
	struct fast_json j = { 0 };
	struct fast_obj o = { 0 }, *region, *contact;
	struct md_problem p;
	struct md_result r;
	struct md_sha256 h;

	j.p = (const unsigned char *)buf;
	j.end = j.p + len;
	fast_ws(&j);
	if (j.p >= j.end || *j.p != '{' ||
	    fast_object(&j, submission_fields, &o) != 0)
		goto slow;
	fast_ws(&j);
	if (j.p != j.end || !fast_valid(&o, srv->rt->conf.max_text) ||
	    check_callback_url(srv, platform, o.v[SF_CALLBACK], &p) != 0 ||
	    run_engine(srv, o.v[SF_TEXT], o.len[SF_TEXT], o.v[SF_KIND],
	    o.v[SF_OCCURRED], o.v[SF_PUBLISHED], &r, &p) != 0)
		goto slow;
	md_sha256_init(&h);
	fast_fingerprint(&h, &o);
	md_sha256_final_hex(&h, s->fingerprint);

	region = o.sub[SF_REGION];
	contact = o.sub[SF_CONTACT];
	s->platform_id = platform_id;
	s->external_id = fast_take(&o, SF_EXTERNAL_ID);
	s->kind = fast_take(&o, SF_KIND);
	if (s->kind == NULL)
		s->kind = md_xstrdup("complaint");
	s->title = fast_take(&o, SF_TITLE);
	s->text = fast_take(&o, SF_TEXT);
	s->region_code = fast_take(region, RF_CODE);
	s->region_name = fast_take(region, RF_NAME);
	s->occurred_at = fast_take(&o, SF_OCCURRED);
	s->published_at = fast_take(&o, SF_PUBLISHED);
	s->contact_name = fast_take(contact, CF_NAME);
	s->contact_phone = fast_take(contact, CF_PHONE);
	s->callback_url = fast_take(&o, SF_CALLBACK);
	s->platform = md_xstrdup(platform);
	take_result(srv, s, &r);
	fast_free(&o);
	return 0;
slow:
	fast_free(&o);
	return -1;
}
