#ifndef MD_REPLY_H
#define MD_REPLY_H

#include <event2/buffer.h>
#include <event2/http.h>

/*
 * evhttp_send_reply, then the answer written to the socket at once
 * instead of on the loop's next turn.  timeout is the connection's idle
 * timeout in seconds, put back for the answer and the next request
 * (0: left as it is).  r may be freed on return, as it may be by
 * evhttp_send_reply; the connection too, if it is to close.
 */
void md_reply(struct evhttp_request *r, int code, const char *reason,
    struct evbuffer *body, int timeout);

/*
 * Called on a request evhttp has just read: the connection is read on,
 * with no idle timeout, while the answer is being made, so that a client
 * that goes is seen at once (evhttp then frees the connection and leaves
 * r to us, as when it reads a close during a reply) and its socket need
 * not be taken out of epoll and put back for every request.  A client
 * that only half-closes still gets its answer.  What the client sends
 * meanwhile is kept up to max_input bytes (at least the largest request
 * evhttp may read whole: it takes a body only when all of it is in).
 * Answer with md_reply, which puts the timeout back.
 */
void md_reply_watch(struct evhttp_request *r, size_t max_input);

/* Writes what evcon's output holds now; when all of it went, evhttp is
 * told, as the bufferevent would have told it. */
void md_reply_flush(struct evhttp_connection *evcon);

#endif
