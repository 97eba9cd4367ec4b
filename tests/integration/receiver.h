/*
 * receiver.h - a webhook and callback receiver for the outbox's tests: a
 * real libevent evhttp server on 127.0.0.1 (any free port), on its own
 * thread, that records every request it gets.
 *
 * What it answers depends on the first part of the path:
 *   /ok/...      200
 *   /fail3/...   500 to the first three requests on that path, then 200
 *   /never/...   503, always
 *   /down/...    503 while rcv_set_down(r, 1), else 200
 *   /rss         an RSS feed with one notice (a school closure)
 */
#ifndef MD_RECEIVER_H
#define MD_RECEIVER_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "util.h"

struct rcv_msg {
	char path[128];
	char *body;
	size_t len;
	char message_id[64];
	char timestamp[32];
	char signature[80];
	char event[48];
	int status;		/* what the receiver answered */
};

struct receiver {
	pthread_t thread;
	struct event_base *base;
	struct evhttp *http;
	struct event *tick;
	int port;
	pthread_mutex_t mu;
	struct rcv_msg *msgs;
	size_t n;
	int down;
	volatile int stop;
};

static void
rcv_header(struct evhttp_request *r, const char *name, char *out, size_t n)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(r),
	    name);

	snprintf(out, n, "%s", v ? v : "");
}

static void
rcv_handle(struct evhttp_request *r, void *arg)
{
	struct receiver *rc = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(r);
	struct rcv_msg m;
	const char *uri = evhttp_request_get_uri(r);
	size_t i, seen = 0;

	memset(&m, 0, sizeof m);
	snprintf(m.path, sizeof m.path, "%s", uri);
	m.len = evbuffer_get_length(in);
	m.body = md_xmalloc(m.len + 1);
	evbuffer_remove(in, m.body, m.len);
	m.body[m.len] = '\0';
	rcv_header(r, "X-Measured-Message-Id", m.message_id,
	    sizeof m.message_id);
	rcv_header(r, "X-Measured-Timestamp", m.timestamp, sizeof m.timestamp);
	rcv_header(r, "X-Measured-Signature", m.signature, sizeof m.signature);
	rcv_header(r, "X-Measured-Event", m.event, sizeof m.event);

	if (strcmp(uri, "/rss") == 0) {
		struct evbuffer *out = evbuffer_new();

		evbuffer_add_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		    "<rss version=\"2.0\"><channel><title>区政府通知公告</title>"
		    "<link>http://127.0.0.1:%d/</link><item>"
		    "<title>关于调整教学方式的通知</title>"
		    "<link>http://127.0.0.1:%d/notices/1.html</link>"
		    "<pubDate>Sun, 20 Nov 2022 09:00:00 +0800</pubDate>"
		    "<description>即日起，全区中小学、幼儿园一律暂停线下教学，"
		    "转为线上教学。</description></item></channel></rss>",
		    rc->port, rc->port);
		evhttp_add_header(evhttp_request_get_output_headers(r),
		    "Content-Type", "application/rss+xml; charset=utf-8");
		m.status = 200;
		pthread_mutex_lock(&rc->mu);
		rc->msgs = md_xreallocarray(rc->msgs, rc->n + 1,
		    sizeof *rc->msgs);
		rc->msgs[rc->n++] = m;
		pthread_mutex_unlock(&rc->mu);
		evhttp_send_reply(r, 200, "OK", out);
		evbuffer_free(out);
		return;
	}
	pthread_mutex_lock(&rc->mu);
	for (i = 0; i < rc->n; i++)
		seen += strcmp(rc->msgs[i].path, m.path) == 0;
	if (strncmp(uri, "/ok/", 4) == 0)
		m.status = 200;
	else if (strncmp(uri, "/fail3/", 7) == 0)
		m.status = seen < 3 ? 500 : 200;
	else if (strncmp(uri, "/down/", 6) == 0)
		m.status = rc->down ? 503 : 200;
	else
		m.status = 503;
	rc->msgs = md_xreallocarray(rc->msgs, rc->n + 1, sizeof *rc->msgs);
	rc->msgs[rc->n++] = m;
	pthread_mutex_unlock(&rc->mu);
	evhttp_send_reply(r, m.status, m.status == 200 ? "OK" : "Nope", NULL);
}

static void
rcv_tick(evutil_socket_t fd, short what, void *arg)
{
	struct receiver *rc = arg;

	(void)fd;
	(void)what;
	if (rc->stop)
		event_base_loopbreak(rc->base);
}

static void *
rcv_main(void *arg)
{
	struct receiver *rc = arg;

	event_base_dispatch(rc->base);
	return NULL;
}

/* Starts a receiver; its URLs are http://127.0.0.1:PORT/... */
static inline void
rcv_start(struct receiver *rc)
{
	struct evhttp_bound_socket *s;
	struct timeval tv = { 0, 20000 };
	struct sockaddr_storage ss;
	ev_socklen_t len = sizeof ss;

	memset(rc, 0, sizeof *rc);
	pthread_mutex_init(&rc->mu, NULL);
	rc->base = event_base_new();
	rc->http = evhttp_new(rc->base);
	ck_assert_ptr_nonnull(rc->http);
	evhttp_set_gencb(rc->http, rcv_handle, rc);
	s = evhttp_bind_socket_with_handle(rc->http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(s),
	    (struct sockaddr *)&ss, &len), 0);
	rc->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	rc->tick = event_new(rc->base, -1, EV_PERSIST, rcv_tick, rc);
	event_add(rc->tick, &tv);
	ck_assert_int_eq(pthread_create(&rc->thread, NULL, rcv_main, rc), 0);
}

static inline void
rcv_set_down(struct receiver *rc, int down)
{
	pthread_mutex_lock(&rc->mu);
	rc->down = down;
	pthread_mutex_unlock(&rc->mu);
}

/* Requests on paths starting with prefix; with ok, only those answered
 * 200. */
static inline size_t
rcv_count(struct receiver *rc, const char *prefix, int ok)
{
	size_t i, n = 0;

	pthread_mutex_lock(&rc->mu);
	for (i = 0; i < rc->n; i++)
		if (strncmp(rc->msgs[i].path, prefix, strlen(prefix)) == 0 &&
		    (!ok || rc->msgs[i].status == 200))
			n++;
	pthread_mutex_unlock(&rc->mu);
	return n;
}

/* A copy of the k-th request on paths starting with prefix (ok: only
 * those answered 200); 0, or -1 when there is none.  Free out.body. */
static inline int
rcv_get(struct receiver *rc, const char *prefix, int ok, size_t k,
    struct rcv_msg *out)
{
	size_t i, n = 0;
	int found = -1;

	pthread_mutex_lock(&rc->mu);
	for (i = 0; i < rc->n && found < 0; i++)
		if (strncmp(rc->msgs[i].path, prefix, strlen(prefix)) == 0 &&
		    (!ok || rc->msgs[i].status == 200) && n++ == k) {
			*out = rc->msgs[i];
			out->body = md_xstrdup(rc->msgs[i].body);
			found = 0;
		}
	pthread_mutex_unlock(&rc->mu);
	return found;
}

/* Polls until at least n requests on prefix (ok: answered 200) arrived,
 * or the deadline passes; the count. */
static inline size_t
rcv_wait(struct receiver *rc, const char *prefix, int ok, size_t n,
    double seconds)
{
	double end = h_now() + seconds;
	size_t got;

	while ((got = rcv_count(rc, prefix, ok)) < n && h_now() < end)
		usleep(20000);
	return got;
}

static inline void
rcv_stop(struct receiver *rc)
{
	size_t i;

	rc->stop = 1;
	pthread_join(rc->thread, NULL);
	event_free(rc->tick);
	evhttp_free(rc->http);
	event_base_free(rc->base);
	for (i = 0; i < rc->n; i++)
		free(rc->msgs[i].body);
	free(rc->msgs);
	pthread_mutex_destroy(&rc->mu);
}

#endif /* MD_RECEIVER_H */
