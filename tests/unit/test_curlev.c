/*
 * test_curlev.c - the libcurl-on-libevent glue against a loopback evhttp
 * server in this process: a plain GET, many transfers at once, a redirect
 * loop stopped at the limit, a redirect to a non-http scheme refused, a
 * server that never answers hitting the timeout, and transfers cancelled
 * by md_curlev_free.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "curlev.h"
#include "util.h"

struct fixture {
	struct event_base *base;
	struct evhttp *http;
	int port;
	struct md_curlev *cm;
};

struct result {
	int called;
	CURLcode rc;
	long status;
	struct md_buf body;
	struct fixture *fx;
};

static void
srv_cb(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	(void)arg;
	if (strcmp(uri, "/hello") == 0) {
		evbuffer_add_printf(out, "hello");
		evhttp_send_reply(req, 200, "OK", NULL);
	} else if (strcmp(uri, "/loop") == 0) {
		evhttp_add_header(h, "Location", "/loop");
		evhttp_send_reply(req, 302, "Found", NULL);
	} else if (strcmp(uri, "/ftp") == 0) {
		evhttp_add_header(h, "Location", "ftp://127.0.0.1/x");
		evhttp_send_reply(req, 302, "Found", NULL);
	} else if (strcmp(uri, "/never") == 0) {
		/* No answer: the client's timeout must end it. */
	} else
		evhttp_send_reply(req, 404, "Not Found", NULL);
}

static void
fx_init(struct fixture *fx)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	ev_socklen_t len = sizeof(ss);
	struct md_error err = { 0 };

	memset(fx, 0, sizeof(*fx));
	fx->base = event_base_new();
	ck_assert_ptr_nonnull(fx->base);
	fx->http = evhttp_new(fx->base);
	evhttp_set_gencb(fx->http, srv_cb, NULL);
	bs = evhttp_bind_socket_with_handle(fx->http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bs);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &len), 0);
	fx->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	fx->cm = md_curlev_new(fx->base, &err);
	ck_assert_ptr_nonnull(fx->cm);
}

static void
fx_free(struct fixture *fx)
{
	md_curlev_free(fx->cm);
	evhttp_free(fx->http);
	event_base_free(fx->base);
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct result *r = arg;

	md_buf_add(&r->body, p, size * n);
	return size * n;
}

static void
done_cb(CURL *easy, CURLcode rc, void *arg)
{
	struct result *r = arg;

	r->called++;
	r->rc = rc;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->status);
}

/* Ends the loop when every transfer is done. */
static void
done_stop_cb(CURL *easy, CURLcode rc, void *arg)
{
	struct result *r = arg;

	done_cb(easy, rc, arg);
	if (md_curlev_running(r->fx->cm) == 0)
		event_base_loopbreak(r->fx->base);
}

static void
start(struct fixture *fx, const char *path, long timeout_ms,
    long max_redirs, struct result *r)
{
	CURL *easy = curl_easy_init();
	char *url = md_xasprintf("http://127.0.0.1:%d%s", fx->port, path);

	ck_assert_ptr_nonnull(easy);
	md_curlev_defaults(easy, timeout_ms, max_redirs);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
	free(url);
	r->fx = fx;
	ck_assert_int_eq(md_curlev_add(fx->cm, easy, done_stop_cb, r), 0);
}

/* Runs the loop until every transfer is done. */
static void
run(struct fixture *fx)
{
	ck_assert_uint_gt(md_curlev_running(fx->cm), 0);
	event_base_dispatch(fx->base);
	ck_assert_uint_eq(md_curlev_running(fx->cm), 0);
}

START_TEST(get)
{
	struct fixture fx;
	struct result r = { 0 };

	fx_init(&fx);
	start(&fx, "/hello", 10000, 3, &r);
	run(&fx);
	ck_assert_int_eq(r.called, 1);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body.len, 5);
	ck_assert(memcmp(r.body.data, "hello", 5) == 0);
	md_buf_free(&r.body);
	fx_free(&fx);
}
END_TEST

START_TEST(many)
{
	struct fixture fx;
	struct result r[40];
	size_t i;

	memset(r, 0, sizeof(r));
	fx_init(&fx);
	for (i = 0; i < MD_NELEM(r); i++)
		start(&fx, i % 2 ? "/hello" : "/missing", 10000, 3, &r[i]);
	ck_assert_uint_eq(md_curlev_running(fx.cm), MD_NELEM(r));
	run(&fx);
	for (i = 0; i < MD_NELEM(r); i++) {
		ck_assert_int_eq(r[i].called, 1);
		ck_assert_int_eq(r[i].rc, CURLE_OK);
		ck_assert_int_eq(r[i].status, i % 2 ? 200 : 404);
		md_buf_free(&r[i].body);
	}
	fx_free(&fx);
}
END_TEST

START_TEST(redirect_loop)
{
	struct fixture fx;
	struct result r = { 0 };

	fx_init(&fx);
	start(&fx, "/loop", 10000, 4, &r);
	run(&fx);
	ck_assert_int_eq(r.called, 1);
	ck_assert_int_eq(r.rc, CURLE_TOO_MANY_REDIRECTS);
	md_buf_free(&r.body);
	fx_free(&fx);
}
END_TEST

START_TEST(redirect_scheme)
{
	struct fixture fx;
	struct result r = { 0 };

	fx_init(&fx);
	start(&fx, "/ftp", 10000, 4, &r);
	run(&fx);
	ck_assert_int_eq(r.called, 1);
	ck_assert_int_eq(r.rc, CURLE_UNSUPPORTED_PROTOCOL);
	md_buf_free(&r.body);
	fx_free(&fx);
}
END_TEST

START_TEST(not_http)
{
	struct fixture fx;
	struct result r = { 0 };
	CURL *easy = curl_easy_init();

	fx_init(&fx);
	md_curlev_defaults(easy, 10000, 3);
	curl_easy_setopt(easy, CURLOPT_URL, "file:///etc/passwd");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &r);
	r.fx = &fx;
	ck_assert_int_eq(md_curlev_add(fx.cm, easy, done_stop_cb, &r), 0);
	run(&fx);
	ck_assert_int_eq(r.rc, CURLE_UNSUPPORTED_PROTOCOL);
	ck_assert_uint_eq(r.body.len, 0);
	fx_free(&fx);
}
END_TEST

START_TEST(timeout)
{
	struct fixture fx;
	struct result r = { 0 };

	fx_init(&fx);
	start(&fx, "/never", 200, 3, &r);
	run(&fx);
	ck_assert_int_eq(r.called, 1);
	ck_assert_int_eq(r.rc, CURLE_OPERATION_TIMEDOUT);
	fx_free(&fx);
}
END_TEST

static void
free_soon_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

START_TEST(cancel)
{
	struct fixture fx;
	struct result r[3];
	struct timeval tv = { 0, 50000 };
	struct event *ev;
	size_t i;

	memset(r, 0, sizeof(r));
	fx_init(&fx);
	for (i = 0; i < MD_NELEM(r); i++) {
		CURL *easy = curl_easy_init();
		char *url = md_xasprintf("http://127.0.0.1:%d/never", fx.port);

		md_curlev_defaults(easy, 60000, 0);
		curl_easy_setopt(easy, CURLOPT_URL, url);
		free(url);
		ck_assert_int_eq(md_curlev_add(fx.cm, easy, done_cb, &r[i]), 0);
	}
	/* Let them connect and send, then cancel them all. */
	ev = evtimer_new(fx.base, free_soon_cb, fx.base);
	evtimer_add(ev, &tv);
	event_base_dispatch(fx.base);
	event_free(ev);
	ck_assert_uint_eq(md_curlev_running(fx.cm), MD_NELEM(r));
	md_curlev_free(fx.cm);
	fx.cm = NULL;
	for (i = 0; i < MD_NELEM(r); i++) {
		ck_assert_int_eq(r[i].called, 1);
		ck_assert_int_eq(r[i].rc, CURLE_ABORTED_BY_CALLBACK);
	}
	fx_free(&fx);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("curlev");
	TCase *tc = tcase_create("curlev");
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, get);
	tcase_add_test(tc, many);
	tcase_add_test(tc, redirect_loop);
	tcase_add_test(tc, redirect_scheme);
	tcase_add_test(tc, not_http);
	tcase_add_test(tc, timeout);
	tcase_add_test(tc, cancel);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
