/*
 * reply.c - evhttp_send_reply, with the answer written at once.
 *
 * evhttp hands a reply to the connection's bufferevent, which asks epoll
 * for the socket's writability and writes on the loop's next turn: two
 * epoll_ctl calls and one more wakeup for every answer, although a
 * keep-alive socket that has just sent us a request is writable nearly
 * always.  md_reply writes the answer straight away, the way the
 * bufferevent would (its output buffer's start is frozen to everyone
 * else), and when all of it went, runs the bufferevent's write callback
 * just as the bufferevent would have: evhttp then finishes the request
 * and reads the next one, or closes the connection.  Whatever does not
 * go at once (a full socket buffer, an error) is left in the buffer for
 * the bufferevent to write, or to fail on, as before.
 *
 * md_reply_watch, for a request evhttp has just read, keeps reading the
 * connection while the answer is being made.  evhttp stops reading a
 * connection once it has a request and starts again when the answer is
 * being written, which takes the socket out of epoll and puts it back
 * for every request.  Read on, with no read callback (as evhttp itself
 * does while it writes), the socket stays where it is, and a client that
 * goes is seen at once: evhttp frees the connection and leaves the
 * request to us, and md_reply then frees it.  The connection's idle
 * timeout is off meanwhile, since only the daemon is working, and
 * md_reply puts it back.
 *
 * Only public libevent calls are used; the one assumption is evhttp's
 * own, that an answer is done when its bufferevent's output is drained.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "reply.h"

void
md_reply_flush(struct evhttp_connection *evcon)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	struct evbuffer *out;
	bufferevent_data_cb readcb, writecb;
	bufferevent_event_cb eventcb;
	void *arg;
	int n;

	if (bev == NULL || bufferevent_getfd(bev) < 0)
		return;
	out = bufferevent_get_output(bev);
	if (evbuffer_get_length(out) == 0)
		return;
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, bufferevent_getfd(bev));
	evbuffer_freeze(out, 1);
	if (n <= 0 || evbuffer_get_length(out) > 0)
		return;		/* the bufferevent goes on, or fails */
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
	if (writecb != NULL)
		writecb(bev, arg);	/* may free the connection */
}

void
md_reply_watch(struct evhttp_request *r)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r);
	struct bufferevent *bev;
	bufferevent_data_cb readcb, writecb;
	bufferevent_event_cb eventcb;
	void *arg;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
	bufferevent_setcb(bev, NULL, writecb, eventcb, arg);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_enable(bev, EV_READ);
}

void
md_reply(struct evhttp_request *r, int code, const char *reason,
    struct evbuffer *body, int timeout)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r);
	struct timeval tv = { timeout, 0 };
	struct bufferevent *bev;

	if (evcon != NULL && timeout > 0 &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL)
		bufferevent_set_timeouts(bev, &tv, &tv);
	/* With no connection (the client went), this frees r. */
	evhttp_send_reply(r, code, reason, body);
	if (evcon != NULL)
		md_reply_flush(evcon);
}
