/*
 * test_reply.c - md_reply and md_reply_watch on a real evhttp server on
 * loopback, with a plain socket for the client, all in this thread: the
 * answer is on the client's socket when md_reply returns; keep-alive,
 * pipelined requests, an answer too big for the socket buffers and
 * "Connection: close" still work; a client that resets the connection
 * while its answer is being made is seen before the answer, one that only
 * half-closes still gets it; what a client sends meanwhile is kept up to
 * the bound; the idle timeout is off while the answer is made and back
 * once it is sent; and a slow reader of a long answer is not cut off.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "reply.h"
#include "util.h"

#define BIG (8u << 20)		/* more than loopback's socket buffers */
#define KEEP 65536		/* what a client may send while it waits */

struct fixture {
	struct event_base *base;
	struct evhttp *http;
	int port;
	int client;
	int handled;		/* requests the server has answered */
	int inline_bytes;	/* readable by the client when md_reply returned */
	int orphaned;		/* /later: no connection left when answered */
	int later_ms;		/* /later's delay */
	int timeout;		/* the idle timeout, seconds */
	size_t kept;		/* /later: the input evhttp kept meanwhile */
	struct md_buf in;	/* what the client has read */
	int eof;
};

static struct fixture fx;

static void
answer(struct evhttp_request *r, const char *body)
{
	evbuffer_add(evhttp_request_get_output_buffer(r), body, strlen(body));
	md_reply(r, 200, "OK", NULL, fx.timeout);
	fx.handled++;
}

static void
later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_request *r = arg;

	struct evhttp_connection *c = evhttp_request_get_connection(r);

	(void)fd;
	(void)what;
	fx.orphaned = c == NULL;
	if (c != NULL)
		fx.kept = evbuffer_get_length(bufferevent_get_input(
		    evhttp_connection_get_bufferevent(c)));
	answer(r, "later");
}

static void
srv_cb(struct evhttp_request *r, void *arg)
{
	const char *uri = evhttp_request_get_uri(r);
	char buf[1024];
	ssize_t n;

	(void)arg;
	md_reply_watch(r, KEEP);
	if (strcmp(uri, "/now") == 0) {
		answer(r, "now");
		n = recv(fx.client, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
		fx.inline_bytes = n < 0 ? 0 : (int)n;
	} else if (strcmp(uri, "/later") == 0) {
		struct timeval tv = { fx.later_ms / 1000,
		    (fx.later_ms % 1000) * 1000 };

		event_base_once(fx.base, -1, EV_TIMEOUT, later_cb, r, &tv);
	} else if (strcmp(uri, "/big") == 0) {
		struct evbuffer *out = evhttp_request_get_output_buffer(r);
		char *big = md_xmalloc(BIG);
		int small = 32768;
		struct evhttp_connection *c = evhttp_request_get_connection(r);

		setsockopt(bufferevent_getfd(evhttp_connection_get_bufferevent(c)),
		    SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
		memset(big, 'x', BIG);
		evbuffer_add(out, big, BIG);
		free(big);
		md_reply(r, 200, "OK", NULL, fx.timeout);
		fx.handled++;
	} else
		md_reply(r, 404, "Not Found", NULL, fx.timeout);
}

static void
fx_init(int timeout)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	ev_socklen_t len = sizeof(ss);

	memset(&fx, 0, sizeof fx);
	fx.later_ms = 20;
	fx.timeout = timeout > 0 ? timeout : 30;
	fx.base = event_base_new();
	ck_assert_ptr_nonnull(fx.base);
	fx.http = evhttp_new(fx.base);
	evhttp_set_gencb(fx.http, srv_cb, NULL);
	if (timeout > 0)
		evhttp_set_timeout(fx.http, timeout);
	bs = evhttp_bind_socket_with_handle(fx.http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bs);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &len), 0);
	fx.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);

	fx.client = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fx.client, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)fx.port);
	ck_assert_int_eq(connect(fx.client, (struct sockaddr *)&sin,
	    sizeof sin), 0);
}

static void
fx_free(void)
{
	if (fx.client >= 0)
		close(fx.client);
	evhttp_free(fx.http);
	event_base_free(fx.base);
	md_buf_free(&fx.in);
}

static void
send_all(const char *s)
{
	size_t len = strlen(s);

	ck_assert_int_eq(send(fx.client, s, len, 0), (ssize_t)len);
}

/* Reads what the client can without waiting. */
static void
client_read(void)
{
	char buf[65536];
	ssize_t n;

	while ((n = recv(fx.client, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		md_buf_add(&fx.in, buf, (size_t)n);
	if (n == 0)
		fx.eof = 1;
}

static size_t
count(const char *needle)
{
	size_t n = 0;
	const char *p = fx.in.data, *end = fx.in.data + fx.in.len;

	while (p != NULL && p < end &&
	    (p = memmem(p, (size_t)(end - p), needle, strlen(needle))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* Runs the loop, reading as the client, until done() or seconds pass. */
static void
run_until(int (*done)(void), double seconds)
{
	double t0 = md_mono();
	struct timeval tick = { 0, 10000 };

	while (!done() && md_mono() - t0 < seconds) {
		event_base_loopexit(fx.base, &tick);
		event_base_loop(fx.base, 0);
		client_read();
	}
}

static int want;

static int
handled_enough(void)
{
	return fx.handled >= want;
}

static int
seen_eof(void)
{
	return fx.eof;
}

/* The whole of /big's answer: its head and BIG bytes. */
static int
big_read(void)
{
	const char *head = fx.in.len == 0 ? NULL :
	    memmem(fx.in.data, fx.in.len, "\r\n\r\n", 4);

	return head != NULL &&
	    fx.in.len - (size_t)(head + 4 - fx.in.data) >= BIG;
}

static const char get_now[] =
    "GET /now HTTP/1.1\r\nHost: t\r\n\r\n";
static const char get_later[] =
    "GET /later HTTP/1.1\r\nHost: t\r\n\r\n";

START_TEST(answer_written_at_once)
{
	fx_init(0);
	send_all(get_now);
	want = 1;
	run_until(handled_enough, 5);
	ck_assert_int_eq(fx.handled, 1);
	/* The whole answer was on the client's socket when md_reply
	 * returned: evhttp alone writes it on the loop's next turn. */
	ck_assert_int_gt(fx.inline_bytes, 0);
	client_read();
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 1);
	ck_assert_ptr_nonnull(memmem(fx.in.data, fx.in.len, "\r\n\r\nnow", 7));
	ck_assert_int_eq(fx.inline_bytes, (int)fx.in.len);

	/* The connection is ready for the next request. */
	send_all(get_now);
	want = 2;
	run_until(handled_enough, 5);
	client_read();
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 2);
	ck_assert_int_eq(fx.eof, 0);
	fx_free();
}
END_TEST

START_TEST(answer_later_then_pipelined)
{
	char both[256];

	fx_init(0);
	/* Two requests in one write: the first answered from a timer, the
	 * second read from what evhttp kept meanwhile. */
	snprintf(both, sizeof both, "%s%s", get_later, get_now);
	send_all(both);
	want = 2;
	run_until(handled_enough, 5);
	client_read();
	ck_assert_int_eq(fx.handled, 2);
	ck_assert_int_eq(fx.orphaned, 0);
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 2);
	ck_assert_ptr_nonnull(strstr(fx.in.data, "later"));
	ck_assert(strstr(fx.in.data, "later") < strstr(fx.in.data, "now"));
	fx_free();
}
END_TEST

START_TEST(answer_bigger_than_the_socket)
{
	int small = 32768;

	fx_init(0);
	ck_assert_int_eq(setsockopt(fx.client, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof small), 0);
	send_all("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
	run_until(big_read, 30);
	ck_assert(big_read());
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 1);
	/* What did not go at once went later, and evhttp was told. */
	md_buf_free(&fx.in);
	memset(&fx.in, 0, sizeof fx.in);
	send_all(get_now);
	want = 2;
	run_until(handled_enough, 5);
	client_read();
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 1);
	ck_assert_ptr_nonnull(memmem(fx.in.data, fx.in.len, "\r\n\r\nnow", 7));
	fx_free();
}
END_TEST

START_TEST(connection_close)
{
	fx_init(0);
	send_all("GET /now HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	run_until(seen_eof, 5);
	ck_assert_int_eq(fx.eof, 1);
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 1);
	ck_assert_ptr_nonnull(memmem(fx.in.data, fx.in.len, "\r\n\r\nnow", 7));
	fx_free();
}
END_TEST

/* Lets the server read what was sent, without answering yet. */
static void
settle(void)
{
	struct timeval tick = { 0, 50000 };

	event_base_loopexit(fx.base, &tick);
	event_base_loop(fx.base, 0);
}

START_TEST(client_gone_before_the_answer)
{
	struct linger lg = { 1, 0 };

	fx_init(0);
	fx.later_ms = 200;
	send_all(get_later);
	settle();
	/* A reset, as a client that gives up does. */
	ck_assert_int_eq(setsockopt(fx.client, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof lg), 0);
	close(fx.client);
	fx.client = -1;
	want = 1;
	run_until(handled_enough, 5);
	ck_assert_int_eq(fx.handled, 1);
	/* Seen while the answer was being made: evhttp let the connection
	 * go and md_reply freed the request. */
	ck_assert_int_eq(fx.orphaned, 1);
	fx_free();
}
END_TEST

START_TEST(half_close_still_answered)
{
	fx_init(0);
	fx.later_ms = 200;
	send_all(get_later);
	settle();
	ck_assert_int_eq(shutdown(fx.client, SHUT_WR), 0);
	run_until(seen_eof, 5);
	ck_assert_int_eq(fx.orphaned, 0);
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 1);
	ck_assert_ptr_nonnull(memmem(fx.in.data, fx.in.len, "\r\n\r\nlater",
	    9));
	ck_assert_int_eq(fx.eof, 1);	/* then closed */
	fx_free();
}
END_TEST

START_TEST(input_kept_within_bound)
{
	static char junk[65536];
	size_t sent = 0;
	double t0;

	fx_init(0);
	fx.later_ms = 400;
	memset(junk, 'j', sizeof junk);
	send_all(get_later);
	ck_assert_int_eq(fcntl(fx.client, F_SETFL, O_NONBLOCK), 0);
	/* Pushes bytes while the answer is being made. */
	t0 = md_mono();
	while (fx.handled == 0 && md_mono() - t0 < 5) {
		ssize_t n = send(fx.client, junk, sizeof junk, MSG_DONTWAIT);
		struct timeval tick = { 0, 1000 };

		if (n > 0)
			sent += (size_t)n;
		event_base_loopexit(fx.base, &tick);
		event_base_loop(fx.base, 0);
	}
	ck_assert_int_eq(fx.handled, 1);
	ck_assert_uint_gt(sent, 2 * KEEP);
	ck_assert_uint_le(fx.kept, KEEP);
	fx_free();
}
END_TEST

START_TEST(slow_reader_not_cut)
{
	int small = 32768;
	char buf[262144];
	ssize_t n;
	double t0 = md_mono();

	/* A 1-second idle timeout and an answer read over some 3 seconds,
	 * the client sending nothing meanwhile. */
	fx_init(1);
	ck_assert_int_eq(setsockopt(fx.client, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof small), 0);
	send_all("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
	while (!big_read() && !fx.eof && md_mono() - t0 < 30) {
		struct timeval tick = { 0, 20000 };

		event_base_loopexit(fx.base, &tick);
		event_base_loop(fx.base, 0);
		if ((n = recv(fx.client, buf, sizeof buf, MSG_DONTWAIT)) > 0)
			md_buf_add(&fx.in, buf, (size_t)n);
		else if (n == 0)
			fx.eof = 1;
	}
	ck_assert_int_eq(fx.eof, 0);
	ck_assert(big_read());
	ck_assert_msg(md_mono() - t0 > 1.5, "read too fast to matter");
	fx_free();
}
END_TEST

START_TEST(no_idle_timeout_while_answering)
{
	/* A 1-second idle timeout, an answer that takes 1.5 seconds. */
	fx_init(1);
	fx.later_ms = 1500;
	send_all(get_later);
	want = 1;
	run_until(handled_enough, 10);
	client_read();
	ck_assert_int_eq(fx.orphaned, 0);
	ck_assert_uint_eq(count("HTTP/1.1 200 OK"), 1);
	ck_assert_int_eq(fx.eof, 0);
	/* Idle after the answer: the timeout is back and closes it. */
	run_until(seen_eof, 10);
	ck_assert_int_eq(fx.eof, 1);
	fx_free();
}
END_TEST

static Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, answer_written_at_once);
	tcase_add_test(tc, answer_later_then_pipelined);
	tcase_add_test(tc, answer_bigger_than_the_socket);
	tcase_add_test(tc, connection_close);
	tcase_add_test(tc, client_gone_before_the_answer);
	tcase_add_test(tc, half_close_still_answered);
	tcase_add_test(tc, input_kept_within_bound);
	tcase_add_test(tc, slow_reader_not_cut);
	tcase_add_test(tc, no_idle_timeout_while_answering);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(reply_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
