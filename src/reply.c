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
 * request to us, and md_reply then frees it.  A client that only stops
 * sending (a half-close) still gets its answer; what a client sends
 * meanwhile is kept up to a bound; the connection's idle timeout is off,
 * since only the daemon is working, and md_reply puts it back.  (evhttp
 * itself reads with no read callback while it writes; when an answer
 * does not go at once, md_reply_flush stops reading until it has.)
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
	if (n <= 0 || evbuffer_get_length(out) > 0) {
		/*
		 * The bufferevent writes the rest, or fails.  Meanwhile nothing
		 * is read: the client's silence while it reads a long answer is
		 * not idleness (only the write timeout, renewed by each write,
		 * applies), and a half-close does not cut the answer short.
		 * evhttp reads again when the answer has gone.
		 */
		bufferevent_disable(bev, EV_READ);
		return;
	}
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
	if (writecb != NULL)
		writecb(bev, arg);	/* may free the connection */
}

/* evhttp's event callback, the same for all its connections. */
static bufferevent_event_cb evhttp_eventcb;

/*
 * The event callback while an answer is being made.  The end of what the
 * client sends (a half-close: it may still read the answer) only stops
 * our reading; anything else (a reset, an error) is evhttp's, which frees
 * the connection.  evhttp puts its own callback back when it answers.
 */
static void
watch_eventcb(struct bufferevent *bev, short what, void *arg)
{
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	evhttp_eventcb(bev, what, arg);
}

void
md_reply_watch(struct evhttp_request *r, size_t max_input)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(r);
	struct bufferevent *bev;
	bufferevent_data_cb readcb, writecb;
	bufferevent_event_cb eventcb;
	size_t low, high;
	void *arg;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
	if (eventcb != watch_eventcb)
		evhttp_eventcb = eventcb;
	if (evhttp_eventcb == NULL)
		return;
	bufferevent_setcb(bev, NULL, writecb, watch_eventcb, arg);
	/* What the client sends meanwhile is kept for evhttp, up to this
	 * (it reads a whole body before it takes it); then TCP holds the
	 * rest back. */
	if (bufferevent_getwatermark(bev, EV_READ, &low, &high) != 0 ||
	    high != max_input)
		bufferevent_setwatermark(bev, EV_READ, 0, max_input);
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
