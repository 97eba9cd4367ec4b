/*
 * test_api.c - the real daemon on a loopback port: every endpoint, every
 * documented error, the role-by-endpoint matrix, idempotent retries, the
 * review state machine, XML bodies, rate limits, reload with a broken rule
 * file, drain on SIGTERM, and nothing half-stored after bad input.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "harness.h"

static struct daemon D;
static char *SUB, *SUB2, *REV, *ADM, *REVOKED;

static const char SCHOOL[] =
    "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。";
static const char RESTATED[] =
    "各地要严格执行国家统一的防控政策，不得随意封校停课、停工停产。";

/* The plugins the daemon loads from the build tree: regular *.so files
 * in plugins/.libs, as the loader takes them. */
static int
bundled_plugins(void)
{
	const char *dir = MD_TEST_BUILDDIR "/plugins/.libs";
	DIR *dp = opendir(dir);
	struct dirent *de;
	struct stat st;
	char path[1024];
	size_t n;
	int count = 0;

	ck_assert_msg(dp != NULL, "%s cannot be read", dir);
	while ((de = readdir(dp)) != NULL) {
		n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 3, ".so") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			count++;
	}
	closedir(dp);
	return count;
}

static void
setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h_init_dir(&D);
	/* Small limits so the limit tests are cheap; no rate limit here. */
	h_conf(&D, "<limits body=\"65536\" text=\"32768\" headers=\"8192\" "
	    "timeout=\"5\"/>\n<rate-limit per-second=\"0\"/>");
	SUB = h_token(&D, "submitter", "hotline12345", "hotline-a");
	SUB2 = h_token(&D, "submitter", "edu-platform", "edu-a");
	REV = h_token(&D, "reviewer", NULL, "reviewer-a");
	ADM = h_token(&D, "admin", NULL, "admin-a");
	REVOKED = h_token(&D, "reviewer", NULL, "reviewer-old");
	ck_assert_int_eq(h_measured(&D, "token revoke reviewer-old"), 0);
	h_start(&D, NULL);
}

static void
teardown(void)
{
	int rc = h_stop(&D);

	h_cleanup(&D);
	free(SUB);
	free(SUB2);
	free(REV);
	free(ADM);
	free(REVOKED);
	curl_global_cleanup();
	ck_assert_msg(rc == 0, "the daemon exited %d", rc);
}

static char *
submission(const char *ext, const char *text, const char *extra)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "external_id", ext, "text",
	    text, "occurred_at", "2022-11-20");
	char *s;

	if (extra != NULL) {
		json_t *x = json_loads(extra, 0, NULL);

		ck_assert_ptr_nonnull(x);
		json_object_update(o, x);
		json_decref(x);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static struct resp *
submit(const char *token, const char *ext, const char *text,
    const char *extra)
{
	char *body = submission(ext, text, extra);
	struct resp *r = h_req(&D, "POST", "/v1/submissions", token, body);

	free(body);
	return r;
}

/* Whether external_id ext is stored for the token's platform. */
static int
stored(const char *token, const char *ext)
{
	char path[256];
	struct resp *r;
	long st;

	snprintf(path, sizeof path, "/v1/submissions?external_id=%s", ext);
	r = h_req(&D, "GET", path, token, NULL);
	st = r->status;
	resp_free(r);
	ck_assert(st == 200 || st == 404);
	return st == 200;
}

/* --- health, metrics ---------------------------------------------------- */

START_TEST(health)
{
	struct resp *r;

	r = h_req(&D, "GET", "/healthz", NULL, NULL);
	h_expect(r, 200);
	ck_assert_str_eq(h_str(r->json, "status"), "ok");
	resp_free(r);
	r = h_req(&D, "GET", "/readyz", NULL, NULL);
	h_expect(r, 200);
	ck_assert_str_eq(h_str(r->json, "status"), "ready");
	ck_assert_int_eq(h_int(r->json, "plugins"), bundled_plugins());
	resp_free(r);
	r = h_req(&D, "GET", "/metrics", NULL, NULL);
	h_expect(r, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "measured_build_info{"));
	ck_assert_ptr_nonnull(strstr(r->body,
	    "# TYPE measured_store_commit_batch_size histogram"));
	ck_assert_ptr_nonnull(strstr(r->body,
	    "# TYPE measured_store_group_reruns_total counter"));
	resp_free(r);
	ck_assert(h_metric(&D, "measured_http_requests_total"
	    "{route=\"/healthz\",code=\"200\"}") >= 1);
	r = h_req(&D, "POST", "/healthz", NULL, "{}");
	h_expect(r, 405);
	resp_free(r);
	r = h_req(&D, "GET", "/nothing/here", NULL, NULL);
	h_expect(r, 404);
	ck_assert_str_eq(h_str(r->json, "type"), "urn:measured:problem:not-found");
	ck_assert_int_eq(h_int(r->json, "status"), 404);
	ck_assert_ptr_nonnull(strstr(r->headers,
	    "Content-Type: application/problem+json"));
	resp_free(r);
}
END_TEST

/* --- tokens and roles --------------------------------------------------- */

START_TEST(auth_errors)
{
	char v[128];
	struct resp *r;

	r = h_req(&D, "GET", "/v1/measures", NULL, NULL);
	h_expect(r, 401);
	ck_assert_ptr_nonnull(h_header(r, "WWW-Authenticate", v, sizeof v));
	resp_free(r);
	r = h_req(&D, "GET", "/v1/measures", "mdt_not-a-real-token", NULL);
	h_expect(r, 401);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"), "not one"));
	resp_free(r);
	r = h_req(&D, "GET", "/v1/measures", REVOKED, NULL);
	h_expect(r, 401);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"), "revoked"));
	resp_free(r);
	r = h_req_full(&D, "GET", "/v1/measures", NULL, NULL, NULL, 0,
	    "Authorization: Basic dXNlcjpwYXNz");
	h_expect(r, 401);
	resp_free(r);
}
END_TEST

/* Every route by every role: 2xx/4xx other than 401/403 means allowed. */
START_TEST(role_matrix)
{
	static const struct {
		const char *method, *path, *body;
		int sub, rev, adm;	/* 1: allowed */
	} routes[] = {
		{ "POST", "/v1/submissions", NULL, 1, 0, 0 },
		{ "GET", "/v1/submissions?external_id=none", NULL, 1, 1, 1 },
		{ "GET", "/v1/submissions/999999", NULL, 1, 1, 1 },
		{ "GET", "/v1/flags", NULL, 0, 1, 1 },
		{ "GET", "/v1/flags/999999", NULL, 0, 1, 1 },
		{ "POST", "/v1/flags/999999/review",
		    "{\"action\":\"confirm\",\"note\":\"n\"}", 0, 1, 1 },
		{ "POST", "/v1/check", "{\"text\":\"通知\"}", 1, 1, 1 },
		{ "GET", "/v1/measures", NULL, 1, 1, 1 },
		{ "GET", "/v1/plugins", NULL, 1, 1, 1 },
	};
	const char *tokens[3] = { SUB, REV, ADM };
	size_t i, k;

	for (i = 0; i < MD_NELEM(routes); i++) {
		for (k = 0; k < 3; k++) {
			int allowed = k == 0 ? routes[i].sub : k == 1 ?
			    routes[i].rev : routes[i].adm;
			char *body = NULL;
			struct resp *r;

			if (routes[i].body == NULL &&
			    strcmp(routes[i].method, "POST") == 0)
				body = submission("matrix-1", RESTATED, NULL);
			r = h_req(&D, routes[i].method, routes[i].path,
			    tokens[k], body ? body : routes[i].body);
			ck_assert_msg(allowed ? r->status != 403 &&
			    r->status != 401 && r->status < 500 :
			    r->status == 403, "%s %s as %s: %ld %s",
			    routes[i].method, routes[i].path, k == 0 ?
			    "submitter" : k == 1 ? "reviewer" : "admin",
			    r->status, r->body);
			resp_free(r);
			free(body);
		}
		/* No token at all: 401 everywhere. */
		{
			struct resp *r = h_req(&D, routes[i].method,
			    routes[i].path, NULL, routes[i].body);

			h_expect(r, 401);
			resp_free(r);
		}
	}
}
END_TEST

/* --- submissions -------------------------------------------------------- */

START_TEST(submit_and_retry)
{
	const char *extra = "{\"kind\":\"notice\",\"title\":\"通知\","
	    "\"region\":{\"code\":\"110105\",\"name\":\"北京市朝阳区\"},"
	    "\"contact\":{\"name\":\"张三\",\"phone\":\"13800000000\"}}";
	struct resp *r, *r2;
	json_t *f;
	char loc[64], want[64];
	long long id;

	r = submit(SUB, "case-001", SCHOOL, extra);
	h_expect(r, 201);
	id = h_int(r->json, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(h_str(r->json, "measures_version"), "2022-11-11");
	ck_assert_str_eq(h_str(r->json, "date"), "2022-11-20");
	ck_assert_str_eq(h_str(r->json, "date_source"), "occurred_at");
	ck_assert_str_eq(h_str(r->json, "platform"), "hotline12345");
	/* The contact never leaves the flag view. */
	ck_assert_ptr_null(json_object_get(r->json, "contact"));
	ck_assert_ptr_null(strstr(r->body, "13800000000"));
	f = json_array_get(json_object_get(r->json, "findings"), 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(h_str(f, "category"), "closure.school");
	ck_assert_str_eq(h_str(f, "flag_status"), "open");
	ck_assert_int_gt(h_int(f, "flag_id"), 0);
	snprintf(want, sizeof want, "/v1/submissions/%lld", id);
	ck_assert_str_eq(h_header(r, "Location", loc, sizeof loc), want);

	/* The same again: the stored one, 200, same id. */
	r2 = submit(SUB, "case-001", SCHOOL, extra);
	h_expect(r2, 200);
	ck_assert_int_eq(h_int(r2->json, "id"), id);
	ck_assert_int_eq(json_array_size(json_object_get(r2->json,
	    "findings")), json_array_size(json_object_get(r->json,
	    "findings")));
	resp_free(r2);

	/* Field order does not make a different body. */
	r2 = h_req(&D, "POST", "/v1/submissions", SUB,
	    "{\"contact\":{\"phone\":\"13800000000\",\"name\":\"张三\"},"
	    "\"region\":{\"name\":\"北京市朝阳区\",\"code\":\"110105\"},"
	    "\"title\":\"通知\",\"kind\":\"notice\","
	    "\"occurred_at\":\"2022-11-20\",\"text\":"
	    "\"即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。\","
	    "\"external_id\":\"case-001\"}");
	h_expect(r2, 200);
	resp_free(r2);

	/* The same id, another body: 409, and the stored one is unchanged. */
	r2 = submit(SUB, "case-001", RESTATED, extra);
	h_expect(r2, 409);
	ck_assert_str_eq(h_str(r2->json, "type"), "urn:measured:problem:conflict");
	resp_free(r2);

	/* Another platform may use the same external id. */
	r2 = submit(SUB2, "case-001", RESTATED, NULL);
	h_expect(r2, 201);
	ck_assert_int_ne(h_int(r2->json, "id"), id);
	ck_assert_int_eq(json_array_size(json_object_get(r2->json,
	    "findings")), 0);
	resp_free(r2);

	/* Reading: own platform yes, another platform 404, reviewer yes. */
	r2 = h_req(&D, "GET", want, SUB, NULL);
	h_expect(r2, 200);
	ck_assert_str_eq(h_str(r2->json, "external_id"), "case-001");
	resp_free(r2);
	r2 = h_req(&D, "GET", want, SUB2, NULL);
	h_expect(r2, 404);
	resp_free(r2);
	r2 = h_req(&D, "GET", want, REV, NULL);
	h_expect(r2, 200);
	resp_free(r2);
	r2 = h_req(&D, "GET", "/v1/submissions?external_id=case-001", SUB,
	    NULL);
	h_expect(r2, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r2->json,
	    "submissions")), 1);
	resp_free(r2);
	r2 = h_req(&D, "GET", "/v1/submissions?external_id=case-001", REV,
	    NULL);
	h_expect(r2, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r2->json,
	    "submissions")), 2);
	resp_free(r2);
	r2 = h_req(&D, "GET", "/v1/submissions?external_id=nope", SUB, NULL);
	h_expect(r2, 404);
	resp_free(r2);
	r2 = h_req(&D, "GET", "/v1/submissions", SUB, NULL);
	h_expect(r2, 400);
	resp_free(r2);
	r2 = h_req(&D, "GET", "/v1/submissions?id=1", SUB, NULL);
	h_expect(r2, 400);
	resp_free(r2);
	r2 = h_req(&D, "GET", "/v1/submissions/01", SUB, NULL);
	h_expect(r2, 404);
	resp_free(r2);
	resp_free(r);
}
END_TEST

START_TEST(dates)
{
	struct resp *r;

	/* A date-time is judged by its day in China Standard Time. */
	r = submit(SUB, "date-1", SCHOOL,
	    "{\"occurred_at\":\"2022-11-10T20:00:00Z\"}");
	h_expect(r, 201);
	ck_assert_str_eq(h_str(r->json, "date"), "2022-11-11");
	ck_assert_str_eq(h_str(r->json, "measures_version"), "2022-11-11");
	resp_free(r);
	/* Before the measures: the ninth edition was in force. */
	r = submit(SUB, "date-2", SCHOOL, "{\"occurred_at\":\"2022-11-01\"}");
	h_expect(r, 201);
	ck_assert_str_eq(h_str(r->json, "measures_version"), "2022-06-28");
	resp_free(r);
	r = submit(SUB, "date-3", SCHOOL, "{\"occurred_at\":\"2022-02-30\"}");
	h_expect(r, 422);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"), "occurred_at"));
	resp_free(r);
	ck_assert(!stored(SUB, "date-3"));
}
END_TEST

/* Each bad body: its status, its problem type, and nothing stored. */
START_TEST(bad_input)
{
	static const struct {
		const char *ctype, *body;
		int status;
		const char *type, *detail;
	} cases[] = {
		{ NULL, "{\"external_id\":\"bad-1\",\"text\":", 400,
		    "malformed-body", "malformed JSON" },
		{ NULL, "[\"bad-2\"]", 400, "malformed-body", "JSON object" },
		{ NULL, "{\"external_id\":\"bad-3\"}", 422, "missing-field",
		    "\"text\"" },
		{ NULL, "{\"external_id\":\"bad-4\",\"text\":\"x\","
		    "\"urgency\":\"high\"}", 422, "unknown-field",
		    "\"urgency\"" },
		{ NULL, "{\"external_id\":\"bad-5\",\"text\":\"x\","
		    "\"region\":{\"code\":\"110105\",\"street\":\"x\"}}", 422,
		    "unknown-field", "region.street" },
		{ NULL, "{\"external_id\":\"bad-6\",\"text\":42}", 422,
		    "wrong-type", "\"text\" must be a string" },
		{ NULL, "{\"external_id\":\"bad-7\",\"text\":\"x\","
		    "\"kind\":\"rumour\"}", 422, "invalid-field", "kind" },
		{ NULL, "{\"external_id\":\"bad-8\",\"text\":\"x\","
		    "\"region\":{\"code\":\"11a\"}}", 422, "invalid-field",
		    "GB/T 2260" },
		{ NULL, "{\"external_id\":\"bad-9\",\"text\":\"x\","
		    "\"callback_url\":\"ftp://x\"}", 422, "invalid-field",
		    "callback_url" },
		{ NULL, "{\"external_id\":\"bad-10\",\"text\":\"\"}", 422,
		    "missing-field", "empty" },
		{ NULL, "{\"external_id\":\"bad-11\",\"text\":\"a\","
		    "\"text\":\"b\"}", 400, "malformed-body", "duplicate" },
		{ NULL, "{\"external_id\":\"bad-12\",\"text\":\"a\\u0000b\"}",
		    400, "malformed-body", "malformed JSON" },
		{ "text/plain", "bad-13", 415, "unsupported-media-type",
		    "text/plain" },
		{ "application/json; charset=latin1",
		    "{\"external_id\":\"bad-14\",\"text\":\"x\"}", 415,
		    "unsupported-media-type", "UTF-8" },
		{ "application/xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE s [\n"
		    "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<submission>"
		    "<external_id>bad-15</external_id><text>&x;</text>"
		    "</submission>", 400, "malformed-body", "DOCTYPE" },
		{ "application/xml", "<submission><external_id>bad-16"
		    "</external_id><text>x</text>", 400, "malformed-body", "" },
		{ "application/xml", "<check><external_id>bad-17</external_id>"
		    "<text>x</text></check>", 400, "malformed-body",
		    "<submission>" },
		{ "application/xml", "<submission id=\"1\"><external_id>bad-18"
		    "</external_id><text>x</text></submission>", 400,
		    "malformed-body", "attributes" },
		{ "application/xml", "<submission><external_id>bad-19"
		    "</external_id><text>x</text><text>y</text></submission>",
		    400, "malformed-body", "twice" },
		{ "application/xml", "<submission><external_id>bad-20"
		    "</external_id><text>x</text><priority>1</priority>"
		    "</submission>", 422, "unknown-field", "priority" },
	};
	size_t i;

	for (i = 0; i < MD_NELEM(cases); i++) {
		struct resp *r = h_req_full(&D, "POST", "/v1/submissions", SUB,
		    cases[i].ctype, cases[i].body, strlen(cases[i].body), NULL);
		char type[128], ext[16];
		const char *detail;

		ck_assert_msg(r->status == cases[i].status, "case %zu: HTTP %ld "
		    "(wanted %d): %s", i, r->status, cases[i].status, r->body);
		if (r->json == NULL) {
			/* An XML problem when the request was XML. */
			ck_assert_ptr_nonnull(strstr(r->body, "<problem"));
			snprintf(type, sizeof type, "<type>urn:measured:problem:"
			    "%s</type>", cases[i].type);
			ck_assert_msg(strstr(r->body, type) != NULL,
			    "case %zu: %s", i, r->body);
		} else {
			snprintf(type, sizeof type, "urn:measured:problem:%s",
			    cases[i].type);
			ck_assert_str_eq(h_str(r->json, "type"), type);
			detail = h_str(r->json, "detail");
			ck_assert_msg(strstr(detail, cases[i].detail) != NULL,
			    "case %zu: detail \"%s\" lacks \"%s\"", i, detail,
			    cases[i].detail);
		}
		resp_free(r);
		snprintf(ext, sizeof ext, "bad-%zu", i + 1);
		ck_assert_msg(!stored(SUB, ext), "case %zu was stored", i);
	}
}
END_TEST

START_TEST(invalid_utf8)
{
	static const char body[] = "{\"external_id\":\"utf-1\",\"text\":\""
	    "\xe5\xb0\xb1\xff\xfe\"}";
	struct resp *r;

	r = h_req_full(&D, "POST", "/v1/submissions", SUB, NULL, body,
	    sizeof body - 1, NULL);
	h_expect(r, 400);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"),
	    "malformed JSON"));
	resp_free(r);
	ck_assert(!stored(SUB, "utf-1"));
	/* Invalid UTF-8 in XML is refused by the parser too. */
	{
		static const char xml[] = "<submission><external_id>utf-2"
		    "</external_id><text>\xff\xfe</text></submission>";

		r = h_req_full(&D, "POST", "/v1/submissions", SUB,
		    "application/xml", xml, sizeof xml - 1, NULL);
	}
	h_expect(r, 400);
	resp_free(r);
	ck_assert(!stored(SUB, "utf-2"));
}
END_TEST

START_TEST(oversized)
{
	size_t n = 40000, i;
	char *text = md_xmalloc(n + 1), *body;
	struct resp *r;

	/* Text over the text limit (32 KiB), body under the body limit. */
	for (i = 0; i < n; i++)
		text[i] = 'a';
	text[n] = '\0';
	body = submission("big-1", text, NULL);
	r = h_req(&D, "POST", "/v1/submissions", SUB, body);
	h_expect(r, 413);
	ck_assert_str_eq(h_str(r->json, "type"),
	    "urn:measured:problem:text-too-large");
	resp_free(r);
	free(body);
	ck_assert(!stored(SUB, "big-1"));

	/* A body over the body limit (64 KiB): refused by the server. */
	text = md_xrealloc(text, 100001);
	for (i = 0; i < 100000; i++)
		text[i] = 'b';
	text[100000] = '\0';
	body = submission("big-2", text, NULL);
	r = h_req(&D, "POST", "/v1/submissions", SUB, body);
	ck_assert_msg(r->status == 413 || r->status < 0, "HTTP %ld", r->status);
	resp_free(r);
	free(body);
	free(text);
	ck_assert(!stored(SUB, "big-2"));

	/* Headers over their limit. */
	{
		char *h = md_xmalloc(10000);

		memcpy(h, "X-Padding: ", 11);
		memset(h + 11, 'x', 9000);
		h[9011] = '\0';
		r = h_req_full(&D, "GET", "/v1/measures", SUB, NULL, NULL, 0, h);
		ck_assert_msg(r->status >= 400 || r->status < 0, "HTTP %ld",
		    r->status);
		resp_free(r);
		free(h);
	}
	/* The daemon is still serving. */
	r = h_req(&D, "GET", "/healthz", NULL, NULL);
	h_expect(r, 200);
	resp_free(r);
}
END_TEST

START_TEST(xml_submission)
{
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<submission xmlns=\"urn:measured:api:1\">\n"
	    "  <external_id>xml-1</external_id>\n"
	    "  <kind>notice</kind>\n"
	    "  <text>即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。"
	    "&amp;</text>\n"
	    "  <occurred_at>2022-11-20</occurred_at>\n"
	    "  <region><code>440106</code><name>广州市天河区</name></region>\n"
	    "</submission>\n";
	struct resp *r;

	r = h_req_full(&D, "POST", "/v1/submissions", SUB, "application/xml",
	    body, strlen(body), NULL);
	h_expect(r, 201);
	ck_assert_ptr_nonnull(strstr(r->headers,
	    "Content-Type: application/xml"));
	ck_assert_ptr_nonnull(strstr(r->body, "<submission xmlns="));
	ck_assert_ptr_nonnull(strstr(r->body,
	    "<category>closure.school</category>"));
	ck_assert_ptr_nonnull(strstr(r->body, "<code>440106</code>"));
	resp_free(r);
	/* The same XML again is the same submission. */
	r = h_req_full(&D, "POST", "/v1/submissions", SUB, "application/xml",
	    body, strlen(body), NULL);
	h_expect(r, 200);
	resp_free(r);
	/* JSON answers for JSON requests asking for XML with Accept. */
	r = h_req_full(&D, "GET", "/v1/submissions?external_id=xml-1", SUB,
	    NULL, NULL, 0, "Accept: application/xml");
	h_expect(r, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "<submissions xmlns="));
	resp_free(r);
}
END_TEST

/* --- check -------------------------------------------------------------- */

START_TEST(check_stores_nothing)
{
	struct resp *r;
	json_t *f;

	r = h_req(&D, "POST", "/v1/check", REV,
	    "{\"text\":\"即日起，全区中小学、幼儿园一律暂停线下教学，转为线上"
	    "教学。\",\"occurred_at\":\"2022-11-20\"}");
	h_expect(r, 200);
	ck_assert_str_eq(h_str(r->json, "measures_version"), "2022-11-11");
	f = json_array_get(json_object_get(r->json, "findings"), 0);
	ck_assert_str_eq(h_str(f, "category"), "closure.school");
	ck_assert_ptr_null(json_object_get(f, "flag_id"));
	resp_free(r);
	r = h_req(&D, "POST", "/v1/check", SUB, "{\"text\":\"x\","
	    "\"external_id\":\"c\"}");
	h_expect(r, 422);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?limit=500", REV, NULL);
	h_expect(r, 200);
	{
		size_t i;
		json_t *fl;

		json_array_foreach(json_object_get(r->json, "flags"), i, fl)
			ck_assert_int_ne(h_int(fl, "submission_id"), 0);
	}
	resp_free(r);
}
END_TEST

START_TEST(measures_and_plugins)
{
	struct resp *r;
	json_t *v, *p;
	size_t i;
	int found = 0;

	r = h_req(&D, "GET", "/v1/measures", SUB, NULL);
	h_expect(r, 200);
	v = json_object_get(r->json, "versions");
	ck_assert_int_ge(json_array_size(v), 4);
	json_array_foreach(v, i, p) {
		if (strcmp(h_str(p, "version"), "2022-11-11") == 0) {
			ck_assert_int_eq(json_array_size(json_object_get(p,
			    "items")), 23);
			found++;
		}
		if (strcmp(h_str(p, "version"), "2022-12-07") == 0) {
			/* Its own items and the 20 measures it keeps. */
			ck_assert_int_gt(json_array_size(json_object_get(p,
			    "items")), 23);
			ck_assert_str_eq(json_string_value(json_array_get(
			    json_object_get(p, "keeps"), 0)), "2022-11-11");
			found++;
		}
	}
	ck_assert_int_eq(found, 2);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/plugins", SUB, NULL);
	h_expect(r, 200);
	v = json_object_get(r->json, "plugins");
	ck_assert_int_eq(json_array_size(v), bundled_plugins());
	json_array_foreach(v, i, p) {
		json_t *rf = json_object_get(p, "rule_file");

		ck_assert(json_is_true(json_object_get(p, "usable")));
		ck_assert_int_eq(strlen(h_str(rf, "sha256")), 64);
		ck_assert_int_gt(json_array_size(json_object_get(p, "rules")),
		    0);
	}
	resp_free(r);
}
END_TEST

/* --- flags and review --------------------------------------------------- */

static long long
first_flag(struct resp *r)
{
	json_t *f = json_array_get(json_object_get(r->json, "findings"), 0);

	ck_assert_ptr_nonnull(f);
	return h_int(f, "flag_id");
}

static struct resp *
review(long long id, const char *action, const char *note, const char *tok)
{
	char path[64], *body;
	struct resp *r;

	snprintf(path, sizeof path, "/v1/flags/%lld/review", id);
	body = md_xasprintf("{\"action\":\"%s\",\"note\":\"%s\"}", action, note);
	r = h_req(&D, "POST", path, tok, body);
	free(body);
	return r;
}

START_TEST(review_state_machine)
{
	static const struct {
		const char *action;
		int status;
		const char *to;
	} steps[] = {
		{ "escalate", 409, NULL },	/* open: only confirm/dismiss */
		{ "rectified", 409, NULL },
		{ "reopen", 409, NULL },
		{ "dismiss", 200, "dismissed" },
		{ "confirm", 409, NULL },
		{ "reopen", 200, "open" },
		{ "confirm", 200, "confirmed" },
		{ "confirm", 409, NULL },
		{ "dismiss", 409, NULL },
		{ "rectified", 409, NULL },
		{ "escalate", 200, "escalated" },
		{ "reopen", 409, NULL },
		{ "rectified", 200, "rectified" },
		{ "escalate", 409, NULL },
		{ "reopen", 409, NULL },
	};
	struct resp *r;
	long long id;
	size_t i, nok = 0;
	json_t *h;
	char path[64];

	r = submit(SUB, "review-1", SCHOOL, NULL);
	h_expect(r, 201);
	id = first_flag(r);
	resp_free(r);
	for (i = 0; i < MD_NELEM(steps); i++) {
		r = review(id, steps[i].action, "核实情况", i % 2 ? REV : ADM);
		ck_assert_msg(r->status == steps[i].status, "step %zu (%s): "
		    "HTTP %ld: %s", i, steps[i].action, r->status, r->body);
		if (steps[i].to != NULL) {
			ck_assert_str_eq(h_str(r->json, "status"), steps[i].to);
			nok++;
		}
		resp_free(r);
	}
	snprintf(path, sizeof path, "/v1/flags/%lld", id);
	r = h_req(&D, "GET", path, REV, NULL);
	h_expect(r, 200);
	h = json_object_get(r->json, "history");
	ck_assert_int_eq(json_array_size(h), nok);
	ck_assert_str_eq(h_str(json_array_get(h, 0), "action"), "dismiss");
	ck_assert_str_eq(h_str(json_array_get(h, 0), "from"), "open");
	ck_assert_str_eq(h_str(json_array_get(h, 0), "to"), "dismissed");
	ck_assert_str_eq(h_str(json_array_get(h, 0), "note"), "核实情况");
	ck_assert_str_eq(h_str(json_array_get(h, 0), "actor"), "reviewer-a");
	ck_assert_str_eq(h_str(json_array_get(h, 2), "actor"), "admin-a");
	ck_assert_ptr_nonnull(h_str(json_array_get(h, 0), "at"));
	/* The flag view: the document, the span, the measure, the rule. */
	ck_assert_str_eq(h_str(json_object_get(r->json, "submission"),
	    "text"), SCHOOL);
	ck_assert_ptr_nonnull(h_str(json_object_get(r->json, "measure"),
	    "text"));
	ck_assert_ptr_nonnull(h_str(r->json, "rule"));
	ck_assert_int_lt(h_int(json_object_get(r->json, "span"), "start"),
	    h_int(json_object_get(r->json, "span"), "end"));
	resp_free(r);

	/* Bad review bodies. */
	r = review(id, "approve", "x", REV);
	h_expect(r, 422);
	resp_free(r);
	r = h_req(&D, "POST", path, REV, "{\"action\":\"confirm\"}");
	h_expect(r, 405);
	resp_free(r);
	snprintf(path, sizeof path, "/v1/flags/%lld/review", id);
	r = h_req(&D, "POST", path, REV, "{\"action\":\"confirm\"}");
	h_expect(r, 422);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"), "note"));
	resp_free(r);
	r = review(987654321, "confirm", "x", REV);
	h_expect(r, 404);
	resp_free(r);
}
END_TEST

START_TEST(flag_contact_only_in_flag_view)
{
	struct resp *r;
	char path[64];
	long long id;

	r = submit(SUB, "contact-1", SCHOOL, "{\"contact\":{\"name\":\"李四\","
	    "\"phone\":\"13900001111\"}}");
	h_expect(r, 201);
	id = first_flag(r);
	resp_free(r);
	snprintf(path, sizeof path, "/v1/flags/%lld", id);
	r = h_req(&D, "GET", path, REV, NULL);
	h_expect(r, 200);
	ck_assert_str_eq(h_str(json_object_get(json_object_get(r->json,
	    "submission"), "contact"), "phone"), "13900001111");
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?limit=500", REV, NULL);
	ck_assert_ptr_null(strstr(r->body, "13900001111"));
	resp_free(r);
	r = h_req(&D, "GET", "/v1/submissions?external_id=contact-1", SUB, NULL);
	h_expect(r, 200);
	ck_assert_ptr_null(strstr(r->body, "13900001111"));
	resp_free(r);
}
END_TEST

START_TEST(flags_filters_and_paging)
{
	struct resp *r;
	char path[256], ext[32];
	const char *cursor;
	long long last = 0, prev_sev = 9;
	json_t *f;
	size_t i, seen = 0;
	int pages = 0;

	for (i = 0; i < 7; i++) {
		snprintf(ext, sizeof ext, "page-%zu", i);
		r = submit(SUB2, ext, SCHOOL, i < 3 ?
		    "{\"region\":{\"code\":\"320102\"}}" :
		    "{\"region\":{\"code\":\"330106\"}}");
		h_expect(r, 201);
		resp_free(r);
	}
	/* Newest first, one a page, following the cursor. */
	snprintf(path, sizeof path, "/v1/flags?region=32&limit=1");
	for (;;) {
		r = h_req(&D, "GET", path, REV, NULL);
		h_expect(r, 200);
		json_array_foreach(json_object_get(r->json, "flags"), i, f) {
			if (last != 0)
				ck_assert_int_lt(h_int(f, "id"), last);
			last = h_int(f, "id");
			ck_assert_str_eq(h_str(json_object_get(f, "region"),
			    "code"), "320102");
			seen++;
		}
		pages++;
		cursor = h_str(r->json, "next_cursor");
		if (cursor == NULL) {
			resp_free(r);
			break;
		}
		snprintf(path, sizeof path, "/v1/flags?region=32&limit=1&"
		    "cursor=%s", cursor);
		resp_free(r);
		ck_assert_int_lt(pages, 20);
	}
	ck_assert_int_eq(seen, 3);
	/* Most severe first, with status and date filters. */
	r = h_req(&D, "GET", "/v1/flags?order=severity&status=open&"
	    "from=2022-11-01&to=2022-11-30&limit=500", REV, NULL);
	h_expect(r, 200);
	json_array_foreach(json_object_get(r->json, "flags"), i, f) {
		ck_assert_int_le(h_int(f, "severity"), prev_sev);
		prev_sev = h_int(f, "severity");
		ck_assert_str_eq(h_str(f, "status"), "open");
	}
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?category=closure.school&item=2.16&"
	    "version=2022-11-11&min_severity=1&limit=2&order=severity", REV,
	    NULL);
	h_expect(r, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "flags")), 2);
	ck_assert_ptr_nonnull(h_str(r->json, "next_cursor"));
	ck_assert_ptr_nonnull(strchr(h_str(r->json, "next_cursor"), '.'));
	resp_free(r);
	/* Bad parameters. */
	r = h_req(&D, "GET", "/v1/flags?status=closed", REV, NULL);
	h_expect(r, 400);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?limit=0", REV, NULL);
	h_expect(r, 400);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?sort=id", REV, NULL);
	h_expect(r, 400);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"), "\"sort\""));
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?cursor=abc", REV, NULL);
	h_expect(r, 400);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?from=2022-13-01", REV, NULL);
	h_expect(r, 400);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?status=open&status=open", REV, NULL);
	h_expect(r, 400);
	resp_free(r);
}
END_TEST

/* --- a second daemon: rate limits --------------------------------------- */

START_TEST(rate_limit)
{
	struct daemon d;
	struct resp *r;
	char *tok, v[32];
	int i, limited = 0;

	h_init_dir(&d);
	h_conf(&d, "<rate-limit per-second=\"1\" burst=\"3\"/>");
	tok = h_token(&d, "reviewer", NULL, "busy");
	h_start(&d, NULL);
	for (i = 0; i < 6 && !limited; i++) {
		r = h_req(&d, "GET", "/v1/measures", tok, NULL);
		if (r->status == 429) {
			limited = 1;
			ck_assert_ptr_nonnull(h_header(r, "Retry-After", v,
			    sizeof v));
			ck_assert_int_ge(atoi(v), 1);
			ck_assert_str_eq(h_str(r->json, "type"),
			    "urn:measured:problem:rate-limited");
		} else {
			h_expect(r, 200);
		}
		resp_free(r);
	}
	ck_assert_msg(limited, "no 429 after %d requests at burst 3", i);
	ck_assert(h_metric(&d, "measured_rate_limited_total") >= 1);
	ck_assert_int_eq(h_stop(&d), 0);
	/* A drain says so to the service manager. */
	ck_assert_int_eq(h_notify_wait(&d, "STOPPING=1", NULL, 0, 5), 0);
	h_cleanup(&d);
	free(tok);
}
END_TEST

/* --- reload ------------------------------------------------------------- */

static void
copy_file(const char *from, const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
	ck_assert_int_eq(system(cmd), 0);
}

static void
wait_metric(struct daemon *d, const char *series, double want)
{
	double end = h_now() + h_start_timeout();

	while (h_now() < end) {
		if (h_metric(d, series) == want)
			return;
		usleep(50000);
	}
	ck_abort_msg("%s never became %g", series, want);
}

START_TEST(reload_keeps_old_rules_on_failure)
{
	struct daemon d;
	struct resp *r;
	char *tok, rules[400], conf[1200], pack[500], msg[1024];
	const char *closure = MD_TEST_SRCDIR "/plugins/closure/closure.rules.xml";
	FILE *f;

	h_init_dir(&d);
	/* Rules from a folder of our own, so we can break one. */
	snprintf(rules, sizeof rules, "%s/rules", d.dir);
	ck_assert_int_eq(mkdir(rules, 0755), 0);
	snprintf(pack, sizeof pack, "%s/closure.rules.xml", rules);
	copy_file(closure, pack);
	copy_file(MD_TEST_SRCDIR "/plugins/traffic/traffic.rules.xml", rules);
	copy_file(MD_TEST_SRCDIR "/plugins/testing/testing.rules.xml", rules);
	snprintf(conf, sizeof conf, "<rules-dir>%s</rules-dir>", rules);
	h_conf(&d, conf);
	tok = h_token(&d, "reviewer", NULL, "rev");
	h_start(&d, NULL);

	/* Break the rule pack: the reload is refused, the old rules stay. */
	f = fopen(pack, "a");
	ck_assert_ptr_nonnull(f);
	fputs("<broken", f);
	fclose(f);
	kill(d.pid, SIGHUP);
	ck_assert_int_eq(h_notify_wait(&d, "RELOADING=1", msg, sizeof msg,
	    h_start_timeout()), 0);
	ck_assert_ptr_nonnull(strstr(msg, "MONOTONIC_USEC="));
	ck_assert_int_eq(h_notify_wait(&d, "reload failed", msg, sizeof msg,
	    h_start_timeout()), 0);
	ck_assert_ptr_nonnull(strstr(msg, "READY=1"));
	ck_assert(h_metric(&d, "measured_reload_failures_total") == 1);
	ck_assert(h_metric(&d, "measured_reloads_total") == 0);
	r = h_req(&d, "GET", "/metrics", NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r->body,
	    "measured_reload_last_failure_info{reason=\""));
	ck_assert_ptr_nonnull(strstr(r->body, "closure.rules.xml"));
	resp_free(r);
	r = h_req(&d, "POST", "/v1/check", tok, "{\"text\":\"即日起，全区中小"
	    "学一律暂停线下教学。\",\"occurred_at\":\"2022-11-20\"}");
	h_expect(r, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json,
	    "findings")), 1);
	resp_free(r);
	r = h_req(&d, "GET", "/readyz", NULL, NULL);
	h_expect(r, 200);
	resp_free(r);

	/* Mended: the next reload takes. */
	copy_file(closure, pack);
	kill(d.pid, SIGHUP);
	wait_metric(&d, "measured_reloads_total", 1);
	r = h_req(&d, "GET", "/v1/plugins", tok, NULL);
	h_expect(r, 200);
	resp_free(r);
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(tok);
}
END_TEST

/* A token added while the daemon runs is accepted after SIGHUP (or the
 * periodic refresh), and a revoked one refused. */
START_TEST(reload_tokens)
{
	struct resp *r;
	char *tok;
	double end;
	long st = 0;

	tok = h_token(&D, "reviewer", NULL, "late-reviewer");
	kill(D.pid, SIGHUP);
	end = h_now() + h_start_timeout();
	while (h_now() < end && st != 200) {
		r = h_req(&D, "GET", "/v1/measures", tok, NULL);
		st = r->status;
		resp_free(r);
		usleep(50000);
	}
	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(h_measured(&D, "token revoke late-reviewer"), 0);
	kill(D.pid, SIGHUP);
	end = h_now() + h_start_timeout();
	while (h_now() < end && st != 401) {
		r = h_req(&D, "GET", "/v1/measures", tok, NULL);
		st = r->status;
		resp_free(r);
		usleep(50000);
	}
	ck_assert_int_eq(st, 401);
	free(tok);
}
END_TEST

/* --- drain -------------------------------------------------------------- */

struct poster {
	struct daemon *d;
	const char *token;
	int from, n;
	long *status;
};

static void *
post_many(void *arg)
{
	struct poster *p = arg;
	int i;

	for (i = 0; i < p->n; i++) {
		char ext[32], *body;
		struct resp *r;

		snprintf(ext, sizeof ext, "drain-%d", p->from + i);
		body = submission(ext, SCHOOL, NULL);
		r = h_req(p->d, "POST", "/v1/submissions", p->token, body);
		p->status[p->from + i] = r->status;
		resp_free(r);
		free(body);
	}
	return NULL;
}

START_TEST(drain_on_sigterm)
{
	enum { THREADS = 4, EACH = 40 };
	struct daemon d;
	struct poster p[THREADS];
	pthread_t th[THREADS];
	long status[THREADS * EACH];
	char *tok, *rev;
	int i, ok = 0, rc;

	h_init_dir(&d);
	h_conf(&d, "<rate-limit per-second=\"0\"/>");
	tok = h_token(&d, "submitter", "p", "sub");
	rev = h_token(&d, "reviewer", NULL, "rev");
	h_start(&d, NULL);
	for (i = 0; i < THREADS; i++) {
		p[i].d = &d;
		p[i].token = tok;
		p[i].from = i * EACH;
		p[i].n = EACH;
		p[i].status = status;
		ck_assert_int_eq(pthread_create(&th[i], NULL, post_many, &p[i]),
		    0);
	}
	/* Stop it while the posts are under way. */
	while (h_metric(&d, "measured_http_requests_total"
	    "{route=\"/v1/submissions\",code=\"201\"}") < 10)
		usleep(10000);
	rc = h_stop(&d);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	ck_assert_msg(rc == 0, "the daemon exited %d", rc);
	/* Every request got an answer or was refused at the door. */
	for (i = 0; i < THREADS * EACH; i++) {
		ck_assert_msg(status[i] == 201 || status[i] == 503 ||
		    status[i] < 0, "post %d: %ld", i, status[i]);
		ok += status[i] == 201;
	}
	ck_assert_int_ge(ok, 10);
	/* And everything answered 201 is there after a restart. */
	h_start(&d, NULL);
	for (i = 0; i < THREADS * EACH; i++) {
		char path[64];
		struct resp *r;

		if (status[i] != 201)
			continue;
		snprintf(path, sizeof path, "/v1/submissions?external_id="
		    "drain-%d", i);
		r = h_req(&d, "GET", path, rev, NULL);
		h_expect(r, 200);
		ck_assert_int_eq(json_array_size(json_object_get(r->json,
		    "submissions")), 1);
		resp_free(r);
	}
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(tok);
	free(rev);
}
END_TEST

/* A client that stops sending mid-request is cut off (timeout 5 s). */
START_TEST(slow_client)
{
	struct sockaddr_in sa;
	char host[64], buf[256];
	unsigned port;
	double end;
	int fd, closed = 0;

	ck_assert_int_eq(sscanf(D.url, "http://%63[^:]:%u", host, &port), 2);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_gt(write(fd, "POST /v1/submissions HTTP/1.1\r\n"
	    "Host: x\r\nContent-Length: 100\r\n\r\n{\"ext", 60), 0);
	end = h_now() + 60;
	while (h_now() < end && !closed) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 200) == 1) {
			ssize_t n = read(fd, buf, sizeof buf);

			closed = n <= 0;
		}
	}
	close(fd);
	ck_assert_msg(closed, "a stalled connection was never closed");
	ck_assert(!stored(SUB, "slow"));
}
END_TEST

/* -d returns once the daemon serves, and fails when it cannot start. */
START_TEST(detach)
{
	struct daemon d;
	char cmd[1200], msg[1024], *p;
	const char *run = getenv("MD_RUN");
	struct resp *r;
	long pid;
	double end;

	h_init_dir(&d);
	/* Start listening for notifications (h_start binds the socket). */
	snprintf(d.notify_path, sizeof d.notify_path, "%s/notify", d.dir);
	{
		struct sockaddr_un sa;

		d.notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path, d.notify_path, strlen(d.notify_path));
		ck_assert_int_eq(bind(d.notify_fd, (struct sockaddr *)&sa,
		    sizeof sa), 0);
	}
	snprintf(cmd, sizeof cmd, "NOTIFY_SOCKET='%s' %s '%s/measured' -d -s "
	    "'%s' -l 127.0.0.1:0 2>>'%s/daemon.log'", d.notify_path,
	    run ? run : "", MD_TEST_BUILDDIR, d.store, d.dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(h_notify_wait(&d, "READY=1", msg, sizeof msg, 5), 0);
	p = strstr(msg, "MAINPID=");
	ck_assert_ptr_nonnull(p);
	pid = atol(p + 8);
	ck_assert_int_gt(pid, 1);
	p = strstr(msg, "serving on ");
	ck_assert_ptr_nonnull(p);
	snprintf(d.url, sizeof d.url, "http://%.*s", (int)strcspn(p + 11,
	    "\n"), p + 11);
	r = h_req(&d, "GET", "/readyz", NULL, NULL);
	h_expect(r, 200);
	resp_free(r);
	ck_assert_int_eq(kill((pid_t)pid, SIGTERM), 0);
	end = h_now() + h_start_timeout();
	while (h_now() < end && kill((pid_t)pid, 0) == 0)
		usleep(20000);
	ck_assert_msg(kill((pid_t)pid, 0) != 0, "the detached daemon did not "
	    "stop");

	/* A store that cannot be opened: -d reports the failure. */
	snprintf(cmd, sizeof cmd, "%s '%s/measured' -d -s "
	    "sqlite:/proc/none/x.db -l 127.0.0.1:0 2>/dev/null", run ? run : "",
	    MD_TEST_BUILDDIR);
	ck_assert_int_ne(system(cmd), 0);
	/* A bad listen address fails before it forks. */
	snprintf(cmd, sizeof cmd, "'%s/measured' -d -s '%s' -l nowhere "
	    "2>/dev/null", MD_TEST_BUILDDIR, d.store);
	ck_assert_int_ne(system(cmd), 0);
	h_cleanup(&d);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("one daemon");
	TCase *own = tcase_create("own daemons");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, health);
	tcase_add_test(tc, auth_errors);
	tcase_add_test(tc, role_matrix);
	tcase_add_test(tc, submit_and_retry);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, oversized);
	tcase_add_test(tc, xml_submission);
	tcase_add_test(tc, check_stores_nothing);
	tcase_add_test(tc, measures_and_plugins);
	tcase_add_test(tc, review_state_machine);
	tcase_add_test(tc, flag_contact_only_in_flag_view);
	tcase_add_test(tc, flags_filters_and_paging);
	tcase_add_test(tc, reload_tokens);
	tcase_add_test(tc, slow_client);
	suite_add_tcase(s, tc);

	tcase_set_timeout(own, 600);
	tcase_add_test(own, rate_limit);
	tcase_add_test(own, reload_keeps_old_rules_on_failure);
	tcase_add_test(own, drain_on_sigterm);
	tcase_add_test(own, detach);
	suite_add_tcase(s, own);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	/* One daemon for the first case: run the tests in this process. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
