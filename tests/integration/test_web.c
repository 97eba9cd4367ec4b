/*
 * test_web.c - what the reviewers' web UI needs from the real daemon: the
 * static files of <web-dir> at "/" (types, CSP, ETag, no listing, no way
 * out of the folder, no symlinks), the default folder of a build-tree
 * daemon, and the API the UI reads beyond the flag queue: the queue's
 * counts per filter (GET /v1/flags/counts) and the related open flags of
 * one place and category (GET /v1/flags/{id}/related).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "harness.h"

static struct daemon D;
static char *SUB, *REV;
static char WEB[300], SECRET[300];

static void
write_file(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(body, f);
	fclose(f);
}

static void
setup(void)
{
	char path[400], conf[800];

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h_init_dir(&D);
	/* A web folder with what must be served and what must not. */
	snprintf(WEB, sizeof WEB, "%s/web", D.dir);
	ck_assert_int_eq(mkdir(WEB, 0755), 0);
	snprintf(path, sizeof path, "%s/index.html", WEB);
	write_file(path, "<!DOCTYPE html><title>审核</title>\n");
	snprintf(path, sizeof path, "%s/app.js", WEB);
	write_file(path, "'use strict';\n");
	snprintf(path, sizeof path, "%s/app.css", WEB);
	write_file(path, "body{}\n");
	snprintf(path, sizeof path, "%s/.hidden.html", WEB);
	write_file(path, "hidden\n");
	snprintf(path, sizeof path, "%s/notes.md", WEB);
	write_file(path, "unknown type\n");
	snprintf(path, sizeof path, "%s/sub.html", WEB);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(SECRET, sizeof SECRET, "%s/secret.html", D.dir);
	write_file(SECRET, "SECRET outside the web folder\n");
	snprintf(path, sizeof path, "%s/link.html", WEB);
	ck_assert_int_eq(symlink(SECRET, path), 0);
	/* A FIFO must neither be served nor hang the daemon opening it. */
	snprintf(path, sizeof path, "%s/fifo.html", WEB);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	snprintf(conf, sizeof conf, "<web-dir>%s</web-dir>\n"
	    "<rate-limit per-second=\"0\"/>", WEB);
	h_conf(&D, conf);
	SUB = h_token(&D, "submitter", "hotline", "hotline-w");
	REV = h_token(&D, "reviewer", NULL, "reviewer-w");
	h_start(&D, NULL);
}

static void
teardown(void)
{
	int rc = h_stop(&D);

	h_cleanup(&D);
	free(SUB);
	free(REV);
	curl_global_cleanup();
	ck_assert_msg(rc == 0, "the daemon exited %d", rc);
}

/*
 * One request sent byte for byte (curl would tidy "/../" away): the
 * status, and the whole answer in out.
 */
static int
raw_get(struct daemon *d, const char *target, char *out, size_t outlen)
{
	struct sockaddr_in sa;
	const char *port = strrchr(d->url, ':');
	char req[1024];
	size_t got = 0;
	ssize_t n;
	int fd, status = -1;

	ck_assert_ptr_nonnull(port);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", target);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got + 1 < outlen &&
	    (n = read(fd, out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	if (sscanf(out, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	return status;
}

START_TEST(static_files)
{
	struct resp *r;
	char v[512], etag[128], hdr[200];

	r = h_req(&D, "GET", "/", NULL, NULL);
	h_expect(r, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "<title>审核</title>"));
	ck_assert_str_eq(h_header(r, "Content-Type", v, sizeof v),
	    "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(h_header(r, "Content-Security-Policy", v,
	    sizeof v));
	ck_assert_ptr_nonnull(strstr(v, "default-src 'self'"));
	ck_assert_ptr_nonnull(strstr(v, "frame-ancestors 'none'"));
	ck_assert_ptr_null(strstr(v, "unsafe-inline"));
	ck_assert_str_eq(h_header(r, "X-Content-Type-Options", v, sizeof v),
	    "nosniff");
	ck_assert_str_eq(h_header(r, "Cache-Control", v, sizeof v),
	    "no-cache");
	ck_assert_ptr_nonnull(h_header(r, "ETag", etag, sizeof etag));
	resp_free(r);

	/* Revalidation: the same ETag is a 304 with no body. */
	snprintf(hdr, sizeof hdr, "If-None-Match: %s", etag);
	r = h_req_full(&D, "GET", "/index.html", NULL, NULL, NULL, 0, hdr);
	h_expect(r, 304);
	ck_assert_uint_eq(r->len, 0);
	resp_free(r);
	r = h_req_full(&D, "GET", "/index.html", NULL, NULL, NULL, 0,
	    "If-None-Match: \"other\"");
	h_expect(r, 200);
	resp_free(r);

	r = h_req(&D, "GET", "/app.js", NULL, NULL);
	h_expect(r, 200);
	ck_assert_str_eq(h_header(r, "Content-Type", v, sizeof v),
	    "text/javascript; charset=utf-8");
	resp_free(r);
	r = h_req(&D, "GET", "/app.css", NULL, NULL);
	h_expect(r, 200);
	ck_assert_str_eq(h_header(r, "Content-Type", v, sizeof v),
	    "text/css; charset=utf-8");
	resp_free(r);

	/* Only GET: a POST to the UI is not a file upload. */
	r = h_req(&D, "POST", "/index.html", NULL, "{}");
	h_expect(r, 404);
	resp_free(r);
	/* The API still answers with problems, not files. */
	r = h_req(&D, "GET", "/v1/nothing.html", NULL, NULL);
	h_expect(r, 404);
	ck_assert_str_eq(h_str(r->json, "type"), "urn:measured:problem:not-found");
	resp_free(r);
	ck_assert(h_metric(&D, "measured_http_requests_total"
	    "{route=\"/\",code=\"200\"}") >= 4);
}
END_TEST

START_TEST(nothing_outside_the_folder)
{
	static const char *const refused[] = {
		"/../secret.html", "/../../etc/passwd", "/..%2fsecret.html",
		"/%2e%2e/secret.html", "/%2E%2E%2Fsecret.html",
		"/web/../secret.html", "//etc/passwd", "/./index.html",
		"/.hidden.html", "/link.html", "/fifo.html", "/sub.html",
		"/sub.html/",
		"/notes.md", "/index.html/", "/index.html%00.js",
		"/index.html?x=1/../../secret.html#", "/web", "/.",
		"/missing.html", "/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.html",
	};
	char out[8192];
	size_t i;

	for (i = 0; i < MD_NELEM(refused); i++) {
		int st = raw_get(&D, refused[i], out, sizeof out);

		/* The query string is not part of the name. */
		if (strncmp(refused[i], "/index.html?", 12) == 0) {
			ck_assert_int_eq(st, 200);
			ck_assert_ptr_null(strstr(out, "SECRET"));
			continue;
		}
		ck_assert_msg(st == 404 || st == 400, "%s: HTTP %d", refused[i],
		    st);
		ck_assert_msg(strstr(out, "SECRET") == NULL, "%s leaked the "
		    "file outside the folder", refused[i]);
		ck_assert_msg(strstr(out, "hidden") == NULL || st != 200,
		    "%s", refused[i]);
	}
	/* The folder's own index is served, the directory never listed. */
	ck_assert_int_eq(raw_get(&D, "/", out, sizeof out), 200);
	ck_assert_ptr_null(strstr(out, "app.js"));
}
END_TEST

/* A daemon from the build tree with no config serves the source tree's
 * web/ (as an installed one serves $(datadir)/measured/web). */
START_TEST(default_folder)
{
	struct daemon d;
	struct resp *r;
	char *want;
	size_t len;
	struct md_error err = { 0 };

	h_init_dir(&d);
	h_start(&d, NULL);
	r = h_req(&d, "GET", "/", NULL, NULL);
	h_expect(r, 200);
	want = md_read_file(MD_TEST_SRCDIR "/web/index.html", &len, 1 << 20,
	    &err);
	ck_assert_ptr_nonnull(want);
	ck_assert_uint_eq(r->len, len);
	ck_assert_int_eq(memcmp(r->body, want, len), 0);
	free(want);
	resp_free(r);
	r = h_req(&d, "GET", "/app.js", NULL, NULL);
	h_expect(r, 200);
	resp_free(r);
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
}
END_TEST

/* A web folder that does not exist: 404 problems, nothing worse. */
START_TEST(missing_folder)
{
	struct daemon d;
	struct resp *r;

	h_init_dir(&d);
	h_conf(&d, "<web-dir>/nonexistent/measured-web</web-dir>");
	h_start(&d, NULL);
	r = h_req(&d, "GET", "/", NULL, NULL);
	h_expect(r, 404);
	ck_assert_str_eq(h_str(r->json, "type"), "urn:measured:problem:not-found");
	resp_free(r);
	r = h_req(&d, "GET", "/healthz", NULL, NULL);
	h_expect(r, 200);
	resp_free(r);
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
}
END_TEST

/* --- the API of the UI -------------------------------------------------- */

static const char SCHOOL[] =
    "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。";
static const char LOCKDOWN[] = "通告：即日起全域静默管理，居民足不出户。";

/* Submits; the first finding's flag id. */
static long long
seed(const char *ext, const char *text, const char *date, const char *region)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "external_id", ext, "text",
	    text, "occurred_at", date);
	struct resp *r;
	long long id;
	char *body;

	if (region != NULL)
		json_object_set_new(o, "region", json_pack("{s:s}", "code",
		    region));
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	r = h_req(&D, "POST", "/v1/submissions", SUB, body);
	free(body);
	h_expect(r, 201);
	id = h_int(json_array_get(json_object_get(r->json, "findings"), 0),
	    "flag_id");
	ck_assert_int_gt(id, 0);
	resp_free(r);
	return id;
}

static void
review(long long id, const char *action)
{
	char path[64], body[128];
	struct resp *r;

	snprintf(path, sizeof path, "/v1/flags/%lld/review", id);
	snprintf(body, sizeof body, "{\"action\":\"%s\",\"note\":\"n\"}",
	    action);
	r = h_req(&D, "POST", path, REV, body);
	h_expect(r, 200);
	resp_free(r);
}

static long long
count_at(json_t *c, const char *facet, const char *key)
{
	json_t *v = json_object_get(json_object_get(c, facet), key);

	return v ? json_integer_value(v) : 0;
}

START_TEST(counts_per_filter)
{
	struct resp *r;
	long long a, b;
	json_t *c;

	a = seed("c-1", SCHOOL, "2022-11-20", "320102");
	seed("c-2", SCHOOL, "2022-11-21", "320102");
	b = seed("c-3", SCHOOL, "2022-11-22", "330106");
	seed("c-4", LOCKDOWN, "2022-11-22", "330106");
	seed("c-5", LOCKDOWN, "2022-11-23", NULL);
	review(a, "confirm");
	review(b, "dismiss");

	r = h_req(&D, "GET", "/v1/flags/counts?region=32", REV, NULL);
	h_expect(r, 200);
	c = r->json;
	ck_assert_int_eq(h_int(c, "total"), 2);
	ck_assert_int_eq(count_at(c, "status", "open"), 1);
	ck_assert_int_eq(count_at(c, "status", "confirmed"), 1);
	ck_assert_int_eq(count_at(c, "category", "closure.school"), 2);
	/* The region facet leaves out the region filter. */
	ck_assert_int_eq(count_at(c, "province", "32"), 2);
	ck_assert_int_ge(count_at(c, "province", "33"), 2);
	ck_assert_int_ge(count_at(c, "province", ""), 1);
	resp_free(r);

	/* The status facet counts every status under the other filters;
	 * the others count only the chosen status. */
	r = h_req(&D, "GET", "/v1/flags/counts?status=open&category="
	    "closure.school&from=2022-11-20&to=2022-11-22", REV, NULL);
	h_expect(r, 200);
	c = r->json;
	ck_assert_int_eq(h_int(c, "total"), 1);
	ck_assert_int_eq(count_at(c, "status", "open"), 1);
	ck_assert_int_eq(count_at(c, "status", "confirmed"), 1);
	ck_assert_int_eq(count_at(c, "status", "dismissed"), 1);
	ck_assert_int_eq(count_at(c, "province", "32"), 1);
	ck_assert_int_eq(count_at(c, "province", "33"), 0);
	ck_assert_int_ge(count_at(c, "category", "closure.lockdown"), 1);
	ck_assert_int_eq(count_at(c, "item", "2.16"), 1);
	resp_free(r);

	/* The total is what paging the list gives. */
	r = h_req(&D, "GET", "/v1/flags/counts?status=open&min_severity=1",
	    REV, NULL);
	h_expect(r, 200);
	a = h_int(r->json, "total");
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags?status=open&min_severity=1&limit=500",
	    REV, NULL);
	h_expect(r, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "flags")),
	    a);
	resp_free(r);

	/* Errors as for the list; paging parameters mean nothing here. */
	r = h_req(&D, "GET", "/v1/flags/counts?limit=5", REV, NULL);
	h_expect(r, 400);
	ck_assert_ptr_nonnull(strstr(h_str(r->json, "detail"), "\"limit\""));
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags/counts?status=closed", REV, NULL);
	h_expect(r, 400);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags/counts", SUB, NULL);
	h_expect(r, 403);
	resp_free(r);
	r = h_req(&D, "GET", "/v1/flags/counts", NULL, NULL);
	h_expect(r, 401);
	resp_free(r);
	r = h_req(&D, "POST", "/v1/flags/counts", REV, "{}");
	h_expect(r, 405);
	resp_free(r);
}
END_TEST

START_TEST(related_open_flags)
{
	long long f0, near1, near2, far, other_place, other_cat, closed,
	    noregion;
	char path[64];
	struct resp *r;
	json_t *arr, *f;
	size_t i;
	int seen1 = 0, seen2 = 0;

	f0 = seed("r-0", SCHOOL, "2022-11-26", "110105");
	near1 = seed("r-1", SCHOOL, "2022-11-13", "110105");	/* 13 days */
	near2 = seed("r-2", SCHOOL, "2022-12-10", "110105");	/* 14 days */
	far = seed("r-3", SCHOOL, "2022-11-11", "110105");	/* 15 days */
	other_place = seed("r-4", SCHOOL, "2022-11-26", "110106");
	other_cat = seed("r-5", LOCKDOWN, "2022-11-26", "110105");
	closed = seed("r-6", SCHOOL, "2022-11-27", "110105");
	noregion = seed("r-7", SCHOOL, "2022-11-26", NULL);
	review(closed, "confirm");

	snprintf(path, sizeof path, "/v1/flags/%lld/related", f0);
	r = h_req(&D, "GET", path, REV, NULL);
	h_expect(r, 200);
	ck_assert_int_eq(h_int(r->json, "flag_id"), f0);
	ck_assert_str_eq(h_str(r->json, "from"), "2022-11-12");
	ck_assert_str_eq(h_str(r->json, "to"), "2022-12-10");
	ck_assert_int_eq(h_int(r->json, "days"), 14);
	arr = json_object_get(r->json, "flags");
	json_array_foreach(arr, i, f) {
		long long id = h_int(f, "id");

		ck_assert_int_ne(id, f0);
		ck_assert_int_ne(id, far);
		ck_assert_int_ne(id, other_place);
		ck_assert_int_ne(id, other_cat);
		ck_assert_int_ne(id, closed);
		ck_assert_int_ne(id, noregion);
		ck_assert_str_eq(h_str(f, "status"), "open");
		ck_assert_str_eq(h_str(f, "category"), "closure.school");
		seen1 += id == near1;
		seen2 += id == near2;
	}
	ck_assert_int_eq(seen1, 1);
	ck_assert_int_eq(seen2, 1);
	/* Newest first. */
	ck_assert_int_eq(h_int(json_array_get(arr, 0), "id"), near2);
	resp_free(r);

	snprintf(path, sizeof path, "/v1/flags/%lld/related?limit=1", f0);
	r = h_req(&D, "GET", path, REV, NULL);
	h_expect(r, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "flags")), 1);
	resp_free(r);

	/* No region, no place to share. */
	snprintf(path, sizeof path, "/v1/flags/%lld/related", noregion);
	r = h_req(&D, "GET", path, REV, NULL);
	h_expect(r, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r->json, "flags")), 0);
	resp_free(r);

	r = h_req(&D, "GET", "/v1/flags/999999/related", REV, NULL);
	h_expect(r, 404);
	resp_free(r);
	snprintf(path, sizeof path, "/v1/flags/%lld/related?limit=0", f0);
	r = h_req(&D, "GET", path, REV, NULL);
	h_expect(r, 400);
	resp_free(r);
	snprintf(path, sizeof path, "/v1/flags/%lld/related", f0);
	r = h_req(&D, "GET", path, SUB, NULL);
	h_expect(r, 403);
	resp_free(r);
	/* XML like the rest of the API. */
	r = h_req_full(&D, "GET", path, REV, NULL, NULL, 0,
	    "Accept: application/xml");
	h_expect(r, 200);
	ck_assert_ptr_nonnull(strstr(r->body, "<related xmlns="));
	ck_assert_ptr_nonnull(strstr(r->body, "<flags><flag>"));
	resp_free(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("one daemon");
	TCase *own = tcase_create("own daemons");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, static_files);
	tcase_add_test(tc, nothing_outside_the_folder);
	tcase_add_test(tc, counts_per_filter);
	tcase_add_test(tc, related_open_flags);
	suite_add_tcase(s, tc);
	tcase_set_timeout(own, 600);
	tcase_add_test(own, default_folder);
	tcase_add_test(own, missing_folder);
	suite_add_tcase(s, own);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
