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
#include "server.h"
#include "sha256.h"
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
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 ||
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
		char len[24];

		if (v == NULL || json_is_null(v))
			continue;
		md_sha256_update(h, f->name, strlen(f->name) + 1);
		if (f->type == F_OBJ) {
			md_sha256_update(h, "{", 1);
			fingerprint(h, v, f->sub);
			md_sha256_update(h, "}", 1);
			continue;
		}
		snprintf(len, sizeof len, "%zu:", json_string_length(v));
		md_sha256_update(h, len, strlen(len));
		md_sha256_update(h, json_string_value(v), json_string_length(v));
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

int
md_intake_check(struct md_server *srv, json_t *body, int text,
    json_t **result, struct md_problem *p)
{
	struct md_engine *e = srv->rt->engine;
	struct md_error err = { 0 };
	struct md_input in = { 0 };
	struct md_result r;
	char occ[11], pub[11];
	const char *s;
	size_t i;
	int rc;

	in.name = "request";
	s = json_string_value(json_object_get(body, "text"));
	in.text = s;
	in.len = json_string_length(json_object_get(body, "text"));
	in.kind = json_string_value(json_object_get(body, "kind"));
	if (in.kind == NULL)
		in.kind = "complaint";
	if ((s = json_string_value(json_object_get(body, "occurred_at"))) &&
	    md_cst_date(s, occ) == 0)
		in.occurred_at = occ;
	if ((s = json_string_value(json_object_get(body, "published_at"))) &&
	    md_cst_date(s, pub) == 0)
		in.published_at = pub;
	rc = md_engine_check(e, &in, &r, &err);
	if (rc != 0) {
		md_result_free(&r);
		md_problem_set(p, 422, "invalid-text", "%s", err.msg);
		return -1;
	}
	*result = json_pack("{s:o, s:s, s:s, s:o, s:I}", "measures_version",
	    r.measures ? json_string(r.measures->version) : json_null(),
	    "date", r.date, "date_source", r.date_source,
	    "findings", md_findings_json(&r, text),
	    "not_evaluated", (json_int_t)r.not_evaluated);
	srv->m.regex_limit_hits += r.not_evaluated;
	for (i = 0; i < r.n; i++)
		md_metrics_finding(&srv->m, r.findings[i].category);
	md_result_free(&r);
	return 0;
}

int
md_intake_submission(struct md_server *srv, json_t *body,
    int64_t platform_id, const char *platform, struct md_submission *s,
    struct md_problem *p)
{
	json_t *result, *region, *contact;
	struct md_sha256 h;

	if (md_body_validate(body, MD_BODY_SUBMISSION, srv->rt->conf.max_text,
	    p) != 0 || md_intake_check(srv, body, 0, &result, p) != 0)
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
	s->measures_version = md_body_strdup(result, "measures_version");
	snprintf(s->date, sizeof s->date, "%s",
	    json_string_value(json_object_get(result, "date")));
	s->date_source = md_body_strdup(result, "date_source");
	s->findings = json_incref(json_object_get(result, "findings"));
	json_decref(result);
	return 0;
}
