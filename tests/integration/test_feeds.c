/*
 * test_feeds.c - notice feeds and the spool folder against the real daemon.
 *
 * A fixture HTTP server (libevent evhttp on 127.0.0.1:0, in a thread of
 * this process) serves an RSS feed with ETags, an Atom feed, an HTML list
 * page and its notice page in GBK, a feed that fails three times and then
 * recovers, one that never answers, one far larger than its cap and a
 * redirect loop.  The daemon polls them; each notice must become a
 * submission of the platform feed:NAME with its flags, the conditional
 * requests must be answered 304, the failing feeds must be counted and
 * backed off, and a restart must not store anything twice.
 *
 * The spool test drops good, bad and half-written files into a spool
 * folder and watches them land in done/ or failed/ (beside a .err).
 *
 * Nothing here waits for a time: the test polls the daemon's API and
 * metrics until the expected state, with a generous deadline.
 */
#include <check.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>

#include "harness.h"
#include "sha256.h"

#define NOTICE_SCHOOL "即日起，全区中小学、幼儿园一律暂停线下教学，转为线上教学。"
#define NOTICE_ROADS "各小区出入口一律封闭，居民足不出户，解封时间另行通知。"
/* A text file has no date field: the date is stated in the text. */
#define NOTICE_DATED NOTICE_SCHOOL "\n2022年11月20日"
#define NOTICE_WORK "全市所有进出通道一律关闭，车辆禁止通行，具体解除时间另行通知。"

/* --- the fixture server ------------------------------------------------ */

struct fixture {
	struct event_base *base;
	struct evhttp *http;
	pthread_t thread;
	int port;
	pthread_mutex_t mu;
	int rss_requests, rss_conditional, rss_304;
	int flaky_requests;
	int slow_requests;
	int reuse_requests;
	int stop_pipe[2];
	struct event *stop_ev;
};

static struct fixture FX;

/* UTF-8 to GBK with glibc's iconv; malloc'd. */
static char *
to_gbk(const char *s, size_t *outlen)
{
	iconv_t cd = iconv_open("GBK", "UTF-8");
	size_t inleft = strlen(s), outleft = inleft * 2 + 1;
	char *out = md_xmalloc(outleft), *in = (char *)s, *o = out;

	ck_assert(cd != (iconv_t)-1);
	ck_assert(iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1);
	iconv_close(cd);
	*outlen = (size_t)(o - out);
	return out;
}

static void
send_text(struct evhttp_request *req, int status, const char *ctype,
    const char *body, size_t len)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", NULL);
}

static char *
rss_body(void)
{
	return md_xasprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<rss version=\"2.0\"><channel><title>区政府通知公告</title>"
	    "<link>http://127.0.0.1:%d/</link>"
	    "<item><title>关于调整教学方式的通知</title>"
	    "<link>http://127.0.0.1:%d/notices/rss-1.html</link>"
	    "<pubDate>Sun, 20 Nov 2022 09:00:00 +0800</pubDate>"
	    "<description><![CDATA[<p>" NOTICE_SCHOOL "</p>]]></description>"
	    "</item></channel></rss>\n", FX.port, FX.port);
}

static void
fixture_cb(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char *body;
	size_t len;

	(void)arg;
	if (strcmp(uri, "/rss") == 0) {
		const char *inm = evhttp_find_header(in, "If-None-Match");
		const char *hdr = evhttp_find_header(in, "X-Feed-Test");

		/* The feed's configured header must come with every poll. */
		if (hdr == NULL || strcmp(hdr, "1") != 0) {
			send_text(req, 400, "text/plain", "no header", 9);
			return;
		}
		pthread_mutex_lock(&FX.mu);
		FX.rss_requests++;
		if (inm != NULL)
			FX.rss_conditional++;
		if (inm != NULL && strcmp(inm, "\"v1\"") == 0)
			FX.rss_304++;
		pthread_mutex_unlock(&FX.mu);
		if (inm != NULL && strcmp(inm, "\"v1\"") == 0) {
			evhttp_send_reply(req, 304, "Not Modified", NULL);
			return;
		}
		evhttp_add_header(out, "ETag", "\"v1\"");
		body = rss_body();
		send_text(req, 200, "application/rss+xml; charset=utf-8", body,
		    strlen(body));
		free(body);
	} else if (strcmp(uri, "/atom") == 0) {
		body = md_xasprintf("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		    "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
		    "<title>市政府</title><id>urn:x</id>"
		    "<updated>2022-11-21T08:00:00+08:00</updated>"
		    "<entry><title>关于小区管理的通告</title>"
		    "<link rel=\"alternate\" href=\"http://127.0.0.1:%d/notices/"
		    "atom-1.html\"/><id>urn:atom-1</id>"
		    "<published>2022-11-21T08:00:00+08:00</published>"
		    "<updated>2022-11-21T08:00:00+08:00</updated>"
		    "<content type=\"text\">" NOTICE_ROADS "</content>"
		    "</entry></feed>\n", FX.port);
		send_text(req, 200, "application/atom+xml", body, strlen(body));
		free(body);
	} else if (strcmp(uri, "/gbk/list.html") == 0) {
		/* GBK, declared only in the page's meta. */
		char *gbk, *page = md_xstrdup("<html><head><meta "
		    "http-equiv=\"Content-Type\" content=\"text/html; "
		    "charset=gbk\"><title>通知公告</title></head><body>"
		    "<ul class=\"list\"><li><a href=\"notice-7.html\">"
		    "关于企业复工的通知</a></li><li><a href=\"bad-8.html\">"
		    "乱码</a></li><li><a href=\"/gbk/gone-9.html\">已删除</a>"
		    "</li></ul></body></html>");

		gbk = to_gbk(page, &len);
		send_text(req, 200, "text/html", gbk, len);
		free(gbk);
		free(page);
	} else if (strcmp(uri, "/gbk/notice-7.html") == 0) {
		char *gbk, *page = md_xstrdup("<html><head><meta charset=\"GBK\">"
		    "<title>站点标题</title></head><body><h1 class=\"t\">"
		    "关于企业复工的通知</h1><span class=\"date\">发布时间："
		    "2022年11月22日</span><div id=\"content\"><p>"
		    NOTICE_WORK "</p><script>var x = 1;</script></div>"
		    "</body></html>");

		gbk = to_gbk(page, &len);
		send_text(req, 200, "text/html", gbk, len);
		free(gbk);
		free(page);
	} else if (strcmp(uri, "/gbk/bad-8.html") == 0) {
		/* Declared GBK, with bytes that are not. */
		static const char bad[] = "<html><head><meta charset=\"gbk\">"
		    "</head><body><div id=\"content\">\xb1\xb1\xff\xff"
		    "</div></body></html>";

		send_text(req, 200, "text/html", bad, sizeof bad - 1);
	} else if (strcmp(uri, "/reuse") == 0) {
		int n;

		/* The same URL, another notice after two polls. */
		pthread_mutex_lock(&FX.mu);
		n = ++FX.reuse_requests;
		pthread_mutex_unlock(&FX.mu);
		body = md_xasprintf("<?xml version=\"1.0\"?><rss version=\"2.0\">"
		    "<channel><item><title>最新通知</title><link>http://"
		    "127.0.0.1:%d/notices/latest.html</link><description>%s"
		    "</description></item></channel></rss>", FX.port,
		    n <= 2 ? NOTICE_SCHOOL : NOTICE_WORK);
		send_text(req, 200, "text/xml", body, strlen(body));
		free(body);
	} else if (strcmp(uri, "/flaky") == 0) {
		int n;

		pthread_mutex_lock(&FX.mu);
		n = ++FX.flaky_requests;
		pthread_mutex_unlock(&FX.mu);
		if (n <= 3) {
			send_text(req, 503, "text/plain", "busy", 4);
			return;
		}
		body = md_xasprintf("<?xml version=\"1.0\"?><rss version=\"2.0\">"
		    "<channel><item><title>flaky</title><link>http://127.0.0.1:"
		    "%d/notices/flaky-1.html</link><pubDate>Sun, 20 Nov 2022 "
		    "10:00:00 GMT</pubDate><description>" NOTICE_SCHOOL
		    "</description></item></channel></rss>", FX.port);
		send_text(req, 200, "text/xml", body, strlen(body));
		free(body);
	} else if (strcmp(uri, "/slow") == 0) {
		/* Never answered: the client's timeout ends it. */
		pthread_mutex_lock(&FX.mu);
		FX.slow_requests++;
		pthread_mutex_unlock(&FX.mu);
	} else if (strcmp(uri, "/huge") == 0) {
		struct evbuffer *b = evhttp_request_get_output_buffer(req);
		char chunk[4096];
		int i;

		memset(chunk, 'x', sizeof chunk);
		evbuffer_add_printf(b, "<?xml version=\"1.0\"?><rss><channel>"
		    "<description>");
		for (i = 0; i < 512; i++)	/* 2 MiB */
			evbuffer_add(b, chunk, sizeof chunk);
		evbuffer_add_printf(b, "</description></channel></rss>");
		evhttp_add_header(out, "Content-Type", "text/xml");
		evhttp_send_reply(req, 200, "OK", NULL);
	} else if (strcmp(uri, "/loop") == 0) {
		evhttp_add_header(out, "Location", "/loop");
		evhttp_send_reply(req, 302, "Found", NULL);
	} else
		evhttp_send_reply(req, 404, "Not Found", NULL);
}

static void *
fixture_main(void *arg)
{
	(void)arg;
	event_base_dispatch(FX.base);
	return NULL;
}

/* The main thread asks the fixture's loop to stop through a pipe. */
static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	char c;

	(void)what;
	if (read(fd, &c, 1) == 1)
		event_base_loopbreak(arg);
}

static void
fixture_start(void)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	ev_socklen_t len = sizeof ss;

	memset(&FX, 0, sizeof FX);
	pthread_mutex_init(&FX.mu, NULL);
	FX.base = event_base_new();
	ck_assert_int_eq(pipe(FX.stop_pipe), 0);
	FX.stop_ev = event_new(FX.base, FX.stop_pipe[0], EV_READ, stop_cb,
	    FX.base);
	event_add(FX.stop_ev, NULL);
	FX.http = evhttp_new(FX.base);
	evhttp_set_gencb(FX.http, fixture_cb, NULL);
	bs = evhttp_bind_socket_with_handle(FX.http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bs);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &len), 0);
	FX.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	ck_assert_int_eq(pthread_create(&FX.thread, NULL, fixture_main, NULL),
	    0);
}

static void
fixture_stop(void)
{
	ck_assert_int_eq(write(FX.stop_pipe[1], "x", 1), 1);
	pthread_join(FX.thread, NULL);
	event_free(FX.stop_ev);
	close(FX.stop_pipe[0]);
	close(FX.stop_pipe[1]);
	evhttp_free(FX.http);
	event_base_free(FX.base);
	pthread_mutex_destroy(&FX.mu);
}

static int
fx_get(int *counter)
{
	int v;

	pthread_mutex_lock(&FX.mu);
	v = *counter;
	pthread_mutex_unlock(&FX.mu);
	return v;
}

/* --- helpers ----------------------------------------------------------- */

static double
deadline(void)
{
	return h_now() + 4 * h_start_timeout();
}

static void
nap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Waits until the metric series reaches at least want; its value. */
static double
wait_metric(struct daemon *d, const char *series, double want)
{
	double end = deadline(), v;

	while ((v = h_metric(d, series)) < want) {
		ck_assert_msg(h_now() < end, "%s is %g, never reached %g",
		    series, v, want);
		nap();
	}
	return v;
}

/* The submissions stored under external_id (any platform). */
static json_t *
find(struct daemon *d, const char *token, const char *external_id)
{
	CURL *c = curl_easy_init();
	char *esc = curl_easy_escape(c, external_id, 0), path[1024];
	struct resp *r;
	json_t *subs;

	snprintf(path, sizeof path, "/v1/submissions?external_id=%s", esc);
	curl_free(esc);
	curl_easy_cleanup(c);
	r = h_req(d, "GET", path, token, NULL);
	subs = json_incref(json_object_get(r->json, "submissions"));
	ck_assert_msg(r->status == 200 || r->status == 404, "HTTP %ld: %s",
	    r->status, r->body);
	resp_free(r);
	return subs;
}

/* Waits until exactly one submission has external_id; it. */
static json_t *
wait_submission(struct daemon *d, const char *token, const char *external_id)
{
	double end = deadline();
	json_t *subs, *s;

	for (;;) {
		subs = find(d, token, external_id);
		if (json_array_size(subs) > 0)
			break;
		json_decref(subs);
		ck_assert_msg(h_now() < end, "%s was never stored",
		    external_id);
		nap();
	}
	ck_assert_uint_eq(json_array_size(subs), 1);
	s = json_incref(json_array_get(subs, 0));
	json_decref(subs);
	return s;
}

/* Every finding of s is an open flag that GET /v1/flags/{id} shows. */
static void
expect_flags(struct daemon *d, const char *token, json_t *s,
    const char *category)
{
	json_t *findings = json_object_get(s, "findings"), *f;
	int found = 0;
	size_t i;

	ck_assert_uint_gt(json_array_size(findings), 0);
	json_array_foreach(findings, i, f) {
		char path[64];
		struct resp *r;

		snprintf(path, sizeof path, "/v1/flags/%lld",
		    h_int(f, "flag_id"));
		r = h_req(d, "GET", path, token, NULL);
		h_expect(r, 200);
		ck_assert_str_eq(h_str(r->json, "status"), "open");
		found |= strcmp(h_str(f, "category"), category) == 0;
		resp_free(r);
	}
	ck_assert_msg(found, "no %s finding", category);
}

static int
log_has(struct daemon *d, const char *what)
{
	char path[320], *log;
	size_t len;
	int has;

	snprintf(path, sizeof path, "%s/daemon.log", d->dir);
	log = md_read_file(path, &len, 64u << 20, NULL);
	has = log != NULL && strstr(log, what) != NULL;
	free(log);
	return has;
}

static void
wait_log(struct daemon *d, const char *what)
{
	double end = deadline();

	while (!log_has(d, what)) {
		ck_assert_msg(h_now() < end, "the log never said \"%s\"", what);
		nap();
	}
}

/* --- feeds ------------------------------------------------------------- */

static void
feeds_conf(struct daemon *d)
{
	char *conf = md_xasprintf(
	    "<feed name=\"rss\" type=\"rss\" interval=\"0.2\" "
	    "url=\"http://127.0.0.1:%d/rss\">"
	    "<region code=\"110105\" name=\"北京市朝阳区\"/>"
	    "<header name=\"X-Feed-Test\">1</header></feed>\n"
	    "<feed name=\"atom\" type=\"atom\" interval=\"0.3\" "
	    "url=\"http://127.0.0.1:%d/atom\"/>\n"
	    "<feed name=\"gbk\" type=\"html\" interval=\"0.3\" "
	    "url=\"http://127.0.0.1:%d/gbk/list.html\">"
	    "<items xpath=\"//ul[@class='list']/li/a\"/>"
	    "<body xpath=\"//div[@id='content']\"/>"
	    "<title xpath=\"//h1\"/>"
	    "<date xpath=\"//span[@class='date']\"/></feed>\n"
	    "<feed name=\"flaky\" type=\"rss\" interval=\"0.1\" "
	    "url=\"http://127.0.0.1:%d/flaky\"/>\n"
	    "<feed name=\"slow\" type=\"rss\" interval=\"0.2\" timeout=\"0.3\" "
	    "url=\"http://127.0.0.1:%d/slow\"/>\n"
	    "<feed name=\"huge\" type=\"rss\" interval=\"0.2\" "
	    "max-size=\"65536\" url=\"http://127.0.0.1:%d/huge\"/>\n"
	    "<feed name=\"loop\" type=\"rss\" interval=\"0.2\" "
	    "max-redirects=\"3\" url=\"http://127.0.0.1:%d/loop\"/>\n"
	    "<feed name=\"reuse\" type=\"rss\" interval=\"0.1\" "
	    "url=\"http://127.0.0.1:%d/reuse\"/>\n",
	    FX.port, FX.port, FX.port, FX.port, FX.port, FX.port, FX.port,
	    FX.port);

	h_conf(d, conf);
	free(conf);
}

START_TEST(feeds)
{
	struct daemon d;
	char *rev, url[256];
	json_t *s, *subs;
	double polls;

	fixture_start();
	h_init_dir(&d);
	feeds_conf(&d);
	rev = h_token(&d, "reviewer", NULL, "rev");
	h_start(&d, NULL);

	/* RSS: the notice is a submission of feed:rss with its flags. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/notices/rss-1.html",
	    FX.port);
	s = wait_submission(&d, rev, url);
	ck_assert_str_eq(h_str(s, "platform"), "feed:rss");
	ck_assert_str_eq(h_str(s, "kind"), "notice");
	ck_assert_str_eq(h_str(s, "title"), "关于调整教学方式的通知");
	ck_assert_str_eq(h_str(s, "source_url"), url);
	ck_assert_str_eq(h_str(s, "published_at"), "2022-11-20T09:00:00+08:00");
	ck_assert_str_eq(h_str(s, "date"), "2022-11-20");
	ck_assert_str_eq(h_str(json_object_get(s, "region"), "code"), "110105");
	expect_flags(&d, rev, s, "closure.school");
	/* ... and in the reviewers' queue, by its region. */
	{
		struct resp *r = h_req(&d, "GET", "/v1/flags?region=110105&"
		    "category=closure.school", rev, NULL);
		json_t *flags, *f;
		size_t i;
		int found = 0;

		h_expect(r, 200);
		flags = json_object_get(r->json, "flags");
		json_array_foreach(flags, i, f)
			found |= h_int(f, "submission_id") == h_int(s, "id");
		ck_assert_msg(found, "not in GET /v1/flags: %s", r->body);
		resp_free(r);
	}
	json_decref(s);

	/* Atom. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/notices/atom-1.html",
	    FX.port);
	s = wait_submission(&d, rev, url);
	ck_assert_str_eq(h_str(s, "platform"), "feed:atom");
	ck_assert_str_eq(h_str(s, "title"), "关于小区管理的通告");
	ck_assert_str_eq(h_str(s, "date"), "2022-11-21");
	expect_flags(&d, rev, s, "traffic.block");
	json_decref(s);

	/* An HTML list in GBK: the notice page's body, title and date. */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/gbk/notice-7.html",
	    FX.port);
	s = wait_submission(&d, rev, url);
	ck_assert_str_eq(h_str(s, "platform"), "feed:gbk");
	ck_assert_str_eq(h_str(s, "title"), "关于企业复工的通知");
	ck_assert_str_eq(h_str(s, "published_at"), "2022-11-22");
	expect_flags(&d, rev, s, "closure.work");
	json_decref(s);
	/* Its page in bad GBK and its page gone are item errors: counted,
	 * logged, not fetched again, and the feed itself is fine. */
	wait_metric(&d, "measured_feed_item_errors_total{feed=\"gbk\"}", 2);
	wait_log(&d, "bad-8.html: invalid character at byte");
	wait_log(&d, "gone-9.html: HTTP status 404");
	wait_metric(&d, "measured_feed_polls_total{feed=\"gbk\"}", 3);
	ck_assert_int_eq(h_metric(&d, "measured_feed_failures{feed=\"gbk\"}"),
	    0);
	ck_assert_int_eq(h_metric(&d,
	    "measured_feed_item_errors_total{feed=\"gbk\"}"), 2);

	/* A URL reused for another notice: stored again under the hash of
	 * its text, and each version once. */
	{
		char hash[65], alt[400];

		snprintf(url, sizeof url, "http://127.0.0.1:%d/notices/"
		    "latest.html", FX.port);
		md_sha256_hex(NOTICE_WORK, strlen(NOTICE_WORK), hash);
		snprintf(alt, sizeof alt, "%s#sha256:%.16s", url, hash);
		s = wait_submission(&d, rev, alt);
		ck_assert_str_eq(h_str(s, "source_url"), url);
		json_decref(s);
		s = wait_submission(&d, rev, url);
		json_decref(s);
		wait_metric(&d, "measured_feed_polls_total{feed=\"reuse\"}", 5);
		ck_assert_int_eq(h_metric(&d,
		    "measured_feed_items_total{feed=\"reuse\"}"), 2);
	}

	/* SIGHUP restarts the feeds from their stored state: polling goes
	 * on, still conditional. */
	polls = fx_get(&FX.rss_304);
	kill(d.pid, SIGHUP);
	/* (Reading the reload's READY=1 also keeps it from being taken for
	 * the restart's below.) */
	ck_assert_int_eq(h_notify_wait(&d, "(reloaded)", NULL, 0,
	    h_start_timeout()), 0);
	ck_assert_int_eq(h_metric(&d, "measured_reloads_total"), 1);
	{
		double end = deadline();

		while (fx_get(&FX.rss_304) <= polls) {
			ck_assert_msg(h_now() < end, "no poll after SIGHUP");
			nap();
		}
	}

	/* Conditional requests: the next polls send If-None-Match and are
	 * answered 304. */
	wait_metric(&d, "measured_feed_not_modified_total{feed=\"rss\"}", 2);
	ck_assert_int_ge(fx_get(&FX.rss_304), 2);

	/* Failing three times, then recovering: the errors are counted,
	 * the failures run back to 0, and the notice is stored. */
	wait_metric(&d, "measured_feed_items_total{feed=\"flaky\"}", 1);
	ck_assert_int_eq(h_metric(&d,
	    "measured_feed_errors_total{feed=\"flaky\"}"), 3);
	ck_assert_int_eq(h_metric(&d, "measured_feed_failures{feed=\"flaky\"}"),
	    0);
	ck_assert(log_has(&d, "HTTP status 503 (3 in a row"));

	/* The slow feed times out, the huge one hits its cap, the loop
	 * its redirect limit: errors, nothing stored, the daemon fine. */
	wait_metric(&d, "measured_feed_errors_total{feed=\"slow\"}", 1);
	wait_log(&d, "/slow: Timeout was reached");
	wait_metric(&d, "measured_feed_errors_total{feed=\"huge\"}", 1);
	wait_log(&d, "/huge: larger than max-size (65536 bytes)");
	wait_metric(&d, "measured_feed_errors_total{feed=\"loop\"}", 2);
	wait_log(&d, "/loop: Number of redirects hit maximum amount");
	wait_metric(&d, "measured_feed_failures{feed=\"loop\"}", 2);
	ck_assert_int_eq(h_metric(&d, "measured_feed_items_total{feed=\"loop\"}"),
	    0);

	/* A restart: the stored ETag makes the first poll conditional, and
	 * nothing is stored twice. */
	ck_assert_int_eq(h_stop(&d), 0);
	h_start(&d, NULL);
	polls = fx_get(&FX.rss_304);
	wait_metric(&d, "measured_feed_polls_total{feed=\"rss\"}", 2);
	ck_assert_int_gt(fx_get(&FX.rss_304), polls);
	wait_metric(&d, "measured_feed_polls_total{feed=\"gbk\"}", 2);
	wait_metric(&d, "measured_feed_polls_total{feed=\"atom\"}", 2);
	wait_metric(&d, "measured_feed_polls_total{feed=\"flaky\"}", 2);
	ck_assert_int_eq(h_metric(&d, "measured_feed_items_total{feed=\"rss\"}"),
	    0);
	ck_assert_int_eq(h_metric(&d,
	    "measured_feed_items_total{feed=\"atom\"}"), 0);
	ck_assert_int_eq(h_metric(&d, "measured_feed_items_total{feed=\"gbk\"}"),
	    0);
	ck_assert_int_eq(h_metric(&d,
	    "measured_feed_items_total{feed=\"flaky\"}"), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/gbk/notice-7.html",
	    FX.port);
	subs = find(&d, rev, url);
	ck_assert_uint_eq(json_array_size(subs), 1);
	json_decref(subs);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/notices/flaky-1.html",
	    FX.port);
	subs = find(&d, rev, url);
	ck_assert_uint_eq(json_array_size(subs), 1);
	json_decref(subs);

	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	fixture_stop();
	free(rev);
}
END_TEST

/* --- the spool folder --------------------------------------------------- */

static void
put_file(const char *dir, const char *name, const char *content, size_t len)
{
	char *path = md_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(content, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(path);
}

/* Written under a temporary name, then renamed in, as writers must. */
static void
drop(const char *dir, const char *name, const char *content)
{
	char *tmp = md_xasprintf(".%s.tmp", name);
	char *from = md_xasprintf("%s/%s", dir, tmp);
	char *to = md_xasprintf("%s/%s", dir, name);

	put_file(dir, tmp, content, strlen(content));
	ck_assert_int_eq(rename(from, to), 0);
	free(tmp);
	free(from);
	free(to);
}

static int
exists(const char *dir, const char *name)
{
	char *path = md_xasprintf("%s/%s", dir, name);
	struct stat sb;
	int rc = stat(path, &sb) == 0;

	free(path);
	return rc;
}

static void
wait_file(const char *dir, const char *name)
{
	double end = deadline();

	while (!exists(dir, name)) {
		ck_assert_msg(h_now() < end, "%s/%s never appeared", dir, name);
		nap();
	}
}

static char *
read_err(const char *dir, const char *name)
{
	char *path = md_xasprintf("%s/failed/%s.err", dir, name), *s;
	size_t len;

	s = md_read_file(path, &len, 1 << 20, NULL);
	ck_assert_msg(s != NULL, "no %s", path);
	free(path);
	return s;
}

START_TEST(spool_folder)
{
	struct daemon d;
	char *rev, *conf, spool[300], done[320], hash[65], id[80], *err;
	json_t *s, *subs;

	h_init_dir(&d);
	snprintf(spool, sizeof spool, "%s/spool", d.dir);
	snprintf(done, sizeof done, "%s/done", spool);
	conf = md_xasprintf("<spool dir=\"%s\" platform=\"county-office\" "
	    "interval=\"0.1\"><region code=\"110105\" name=\"朝阳区\"/></spool>",
	    spool);
	h_conf(&d, conf);
	free(conf);
	rev = h_token(&d, "reviewer", NULL, "rev");
	h_start(&d, NULL);
	wait_file(spool, "failed");

	/* A half-written file under a temporary name is left alone. */
	put_file(spool, ".half.json", "{\"external_id\": \"half-1\", \"te",
	    30);
	put_file(spool, "partial.json.part", "{", 1);

	/* Good files: text, a JSON and an XML submission, HTML in GBK. */
	drop(spool, "notice.txt", NOTICE_DATED);
	drop(spool, "case.json", "{\"external_id\": \"spool-json-1\", "
	    "\"kind\": \"complaint\", \"text\": \"" NOTICE_ROADS "\", "
	    "\"occurred_at\": \"2022-11-20\"}");
	drop(spool, "case.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<submission><external_id>spool-xml-1</external_id>"
	    "<kind>notice</kind><text>" NOTICE_WORK "</text>"
	    "<published_at>2022-11-20</published_at></submission>");
	/* Bad ones: invalid UTF-8, malformed JSON, an unknown field, an
	 * unknown type. */
	drop(spool, "bad-utf8.txt", "即日起\xff\xfe停课");
	drop(spool, "bad.json", "{\"external_id\": \"x\", ");
	drop(spool, "unknown.json", "{\"external_id\": \"u\", \"text\": \"x\", "
	    "\"colour\": \"red\"}");
	drop(spool, "image.png", "\x89PNG");

	wait_file(done, "notice.txt");
	wait_file(done, "case.json");
	wait_file(done, "case.xml");
	wait_file(spool, "failed/bad-utf8.txt");
	wait_file(spool, "failed/bad.json");
	wait_file(spool, "failed/unknown.json");
	wait_file(spool, "failed/image.png");
	ck_assert(!exists(spool, "notice.txt"));

	err = read_err(spool, "bad-utf8.txt");
	ck_assert_msg(strstr(err, "bad-utf8.txt: invalid UTF-8 at byte 9") !=
	    NULL, "%s", err);
	free(err);
	err = read_err(spool, "bad.json");
	ck_assert_msg(strstr(err, "malformed JSON") != NULL, "%s", err);
	free(err);
	err = read_err(spool, "unknown.json");
	ck_assert_msg(strstr(err, "unknown field \"colour\"") != NULL, "%s",
	    err);
	free(err);
	err = read_err(spool, "image.png");
	ck_assert_msg(strstr(err, "not a .json, .xml, .txt") != NULL, "%s",
	    err);
	free(err);

	/* The text file: keyed by its content, of the spool's platform and
	 * region, with its flags. */
	md_sha256_hex(NOTICE_DATED, strlen(NOTICE_DATED), hash);
	snprintf(id, sizeof id, "sha256:%s", hash);
	s = wait_submission(&d, rev, id);
	ck_assert_str_eq(h_str(s, "platform"), "county-office");
	ck_assert_str_eq(h_str(s, "title"), "notice.txt");
	ck_assert_str_eq(h_str(json_object_get(s, "region"), "code"), "110105");
	expect_flags(&d, rev, s, "closure.school");
	json_decref(s);
	s = wait_submission(&d, rev, "spool-json-1");
	ck_assert_str_eq(h_str(s, "platform"), "county-office");
	expect_flags(&d, rev, s, "traffic.block");
	json_decref(s);
	s = wait_submission(&d, rev, "spool-xml-1");
	expect_flags(&d, rev, s, "closure.work");
	json_decref(s);

	/* Still there: the temporary names were never taken. */
	ck_assert(exists(spool, ".half.json"));
	ck_assert(exists(spool, "partial.json.part"));
	subs = find(&d, rev, "half-1");
	ck_assert_uint_eq(json_array_size(subs), 0);
	json_decref(subs);
	{
		char *from = md_xasprintf("%s/.half.json", spool);
		char *to = md_xasprintf("%s/half.json", spool);

		const char *whole = "{\"external_id\": \"half-1\", "
		    "\"text\": \"" NOTICE_SCHOOL "\"}";

		put_file(spool, ".half.json", whole, strlen(whole));
		ck_assert_int_eq(rename(from, to), 0);
		free(from);
		free(to);
	}
	wait_file(done, "half.json");
	s = wait_submission(&d, rev, "half-1");
	json_decref(s);

	/* A crash after the commit and before the move leaves a stored
	 * file in the folder: taken again, it is found stored, not stored
	 * twice, and moved. */
	ck_assert_int_eq(h_stop(&d), 0);
	drop(spool, "case.json", "{\"external_id\": \"spool-json-1\", "
	    "\"kind\": \"complaint\", \"text\": \"" NOTICE_ROADS "\", "
	    "\"occurred_at\": \"2022-11-20\"}");
	drop(spool, "again.txt", NOTICE_DATED);
	h_start(&d, NULL);
	wait_file(done, "case.json.1");
	wait_file(done, "again.txt");
	subs = find(&d, rev, "spool-json-1");
	ck_assert_uint_eq(json_array_size(subs), 1);
	json_decref(subs);
	subs = find(&d, rev, id);
	ck_assert_uint_eq(json_array_size(subs), 1);
	json_decref(subs);
	{
		char series[512];

		snprintf(series, sizeof series, "measured_spool_files_total"
		    "{spool=\"%s\",result=\"duplicate\"}", spool);
		ck_assert_int_eq(h_metric(&d, series), 2);
		snprintf(series, sizeof series, "measured_spool_files_total"
		    "{spool=\"%s\",result=\"stored\"}", spool);
		ck_assert_int_eq(h_metric(&d, series), 0);
	}

	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(rev);
}
END_TEST

/* SIGKILL while files are being taken: after the restart every file is
 * in done/ and every submission stored exactly once. */
START_TEST(spool_crash)
{
	enum { FILES = 40 };
	struct daemon d;
	char *rev, *conf, spool[300], done[320], name[64], body[512];
	int i;

	h_init_dir(&d);
	snprintf(spool, sizeof spool, "%s/spool", d.dir);
	snprintf(done, sizeof done, "%s/done", spool);
	conf = md_xasprintf("<spool dir=\"%s\" interval=\"0.05\"/>", spool);
	h_conf(&d, conf);
	free(conf);
	rev = h_token(&d, "reviewer", NULL, "rev");
	h_start(&d, NULL);
	wait_file(spool, "failed");
	for (i = 0; i < FILES; i++) {
		snprintf(name, sizeof name, "c%02d.json", i);
		snprintf(body, sizeof body, "{\"external_id\": \"crash-%02d\", "
		    "\"text\": \"%s\", \"occurred_at\": \"2022-11-20\"}", i,
		    i % 2 ? NOTICE_SCHOOL : NOTICE_ROADS);
		drop(spool, name, body);
	}
	/* Kill it once some, not all, are through. */
	wait_file(done, "c00.json");
	h_kill(&d);
	h_start(&d, NULL);
	for (i = 0; i < FILES; i++) {
		json_t *subs;
		char id[32];

		snprintf(name, sizeof name, "c%02d.json", i);
		wait_file(done, name);
		snprintf(name, sizeof name, "c%02d.json.1", i);
		ck_assert_msg(!exists(done, name), "%s: taken twice", name);
		snprintf(id, sizeof id, "crash-%02d", i);
		subs = find(&d, rev, id);
		ck_assert_uint_eq(json_array_size(subs), 1);
		json_decref(subs);
	}
	ck_assert(!exists(spool, "failed/c00.json"));
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(rev);
}
END_TEST

#ifdef __linux__
/* With a scan every hour, a file renamed in is taken at once: inotify. */
START_TEST(spool_inotify)
{
	struct daemon d;
	char *rev, *conf, spool[300], done[320];
	json_t *s;

	h_init_dir(&d);
	snprintf(spool, sizeof spool, "%s/spool", d.dir);
	snprintf(done, sizeof done, "%s/done", spool);
	conf = md_xasprintf("<spool dir=\"%s\" interval=\"3600\"/>", spool);
	h_conf(&d, conf);
	free(conf);
	rev = h_token(&d, "reviewer", NULL, "rev");
	/* The first scan, at start, takes this one: once it is in failed/,
	 * only inotify (or a scan an hour later) takes the next. */
	ck_assert_int_eq(mkdir(spool, 0700), 0);
	drop(spool, "first.png", "x");
	h_start(&d, NULL);
	wait_file(spool, "failed/first.png");
	drop(spool, "now.json", "{\"external_id\": \"inotify-1\", "
	    "\"text\": \"" NOTICE_SCHOOL "\"}");
	wait_file(done, "now.json");
	s = wait_submission(&d, rev, "inotify-1");
	ck_assert_str_eq(h_str(s, "platform"), "spool");
	json_decref(s);
	ck_assert_int_eq(h_stop(&d), 0);
	h_cleanup(&d);
	free(rev);
}
END_TEST
#endif

/* A bad feed or spool config is refused with file:line. */
START_TEST(bad_config)
{
	struct daemon d;
	char cmd[1024], out[2048];
	FILE *p;
	size_t n;

	h_init_dir(&d);
	h_conf(&d, "<feed name=\"x\" type=\"html\" url=\"http://127.0.0.1:1/\">"
	    "<items xpath=\"//a[\"/><body xpath=\"//div\"/></feed>");
	snprintf(cmd, sizeof cmd, "'%s/measured' -c '%s' -T 2>&1",
	    MD_TEST_BUILDDIR, d.conf);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	ck_assert_int_ne(pclose(p), 0);
	ck_assert_msg(strstr(out, "measured.conf:3: <items xpath=\"//a[\">: "
	    "not a valid XPath expression") != NULL, "%s", out);

	h_conf(&d, "<feed name=\"x\" type=\"html\" url=\"http://127.0.0.1:1/\">"
	    "<body xpath=\"//div\"/></feed>");
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	ck_assert_int_ne(pclose(p), 0);
	ck_assert_msg(strstr(out, "measured.conf:3: feed \"x\" of type html "
	    "needs <items") != NULL, "%s", out);
	h_cleanup(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("feeds");
	TCase *tc = tcase_create("feeds");
	SRunner *sr;
	int failed;

	/* The fixture servers (evhttp, in this process) write to sockets the
	 * daemon may have closed on purpose (a size cap, a timeout, a drain):
	 * that is an EPIPE for them to see, not a signal that kills the test. */
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, feeds);
	tcase_add_test(tc, spool_folder);
	tcase_add_test(tc, spool_crash);
#ifdef __linux__
	tcase_add_test(tc, spool_inotify);
#endif
	tcase_add_test(tc, bad_config);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
