/*
 * curlev.c - libcurl's multi interface driven by libevent.
 *
 * curl tells us which sockets it wants watched (CURLMOPT_SOCKETFUNCTION)
 * and when it next needs a tick (CURLMOPT_TIMERFUNCTION); each becomes a
 * libevent event whose callback hands the readiness back to
 * curl_multi_socket_action, after which finished transfers are collected
 * with curl_multi_info_read and their done callbacks run.
 *
 * The glue keeps its own list of transfers rather than using
 * CURLOPT_PRIVATE, so callers keep that option for themselves.  curl's
 * timer callback only arms a libevent timer, never calls back into curl:
 * curl forbids calling curl_multi_socket_action from inside its own
 * callbacks.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "curlev.h"

struct curlev_xfer {
	CURL *easy;
	md_curlev_done done;
	void *arg;
	struct curlev_xfer *next;
};

/* What we know of one socket curl watches. */
struct curlev_sock {
	struct md_curlev *cm;
	curl_socket_t fd;
	struct event *ev;
	struct curlev_sock *next;
};

struct md_curlev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct curlev_xfer *xfers;
	struct curlev_sock *socks;
	size_t running;
	int closing;
};

static void curlev_collect(struct md_curlev *);

static void
curlev_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev_sock *s = arg;
	struct md_curlev *cm = s->cm;
	int flags = 0, still;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	/* s may be freed by the socket callback inside socket_action. */
	curl_multi_socket_action(cm->multi, fd, flags, &still);
	curlev_collect(cm);
}

static void
curlev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct md_curlev *cm = arg;
	int still;

	(void)fd;
	(void)what;
	curl_multi_socket_action(cm->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	curlev_collect(cm);
}

static void
curlev_sock_free(struct md_curlev *cm, struct curlev_sock *s)
{
	struct curlev_sock **pp;

	for (pp = &cm->socks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	event_free(s->ev);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl asks, or stop. */
static int
curlev_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct md_curlev *cm = userp;
	struct curlev_sock *s = socketp;
	short events = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			curl_multi_assign(cm->multi, fd, NULL);
			curlev_sock_free(cm, s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (s == NULL) {
		s = md_xcalloc(1, sizeof(*s));
		s->cm = cm;
		s->fd = fd;
		s->next = cm->socks;
		cm->socks = s;
		curl_multi_assign(cm->multi, fd, s);
	} else
		event_free(s->ev);
	s->ev = event_new(cm->base, fd, events, curlev_event_cb, s);
	if (s->ev == NULL)
		md_fatal("curlev: event_new failed");
	event_add(s->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: arm (or disarm, -1) our one timer. */
static int
curlev_timerfn(CURLM *multi, long timeout_ms, void *userp)
{
	struct md_curlev *cm = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(cm->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(cm->timer, &tv);
	return 0;
}

/* Unlinks the transfer of easy; NULL when it is not ours. */
static struct curlev_xfer *
curlev_take(struct md_curlev *cm, CURL *easy)
{
	struct curlev_xfer **pp, *x;

	for (pp = &cm->xfers; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->easy == easy) {
			x = *pp;
			*pp = x->next;
			cm->running--;
			return x;
		}
	return NULL;
}

static void
curlev_finish(struct md_curlev *cm, struct curlev_xfer *x, CURLcode rc)
{
	curl_multi_remove_handle(cm->multi, x->easy);
	x->done(x->easy, rc, x->arg);
	curl_easy_cleanup(x->easy);
	free(x);
}

/* Runs the done callbacks of every finished transfer. */
static void
curlev_collect(struct md_curlev *cm)
{
	struct curlev_xfer *x;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(cm->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if ((x = curlev_take(cm, msg->easy_handle)) == NULL)
			continue;
		/* msg->data.result is read before the handle is removed,
		 * which invalidates msg. */
		curlev_finish(cm, x, msg->data.result);
	}
}

struct md_curlev *
md_curlev_new(struct event_base *base, struct md_error *err)
{
	struct md_curlev *cm = md_xcalloc(1, sizeof(*cm));

	cm->base = base;
	if ((cm->multi = curl_multi_init()) == NULL) {
		md_error_set(err, "curl_multi_init failed");
		free(cm);
		return NULL;
	}
	cm->timer = evtimer_new(base, curlev_timer_cb, cm);
	if (cm->timer == NULL)
		md_fatal("curlev: evtimer_new failed");
	curl_multi_setopt(cm->multi, CURLMOPT_SOCKETFUNCTION, curlev_socket_cb);
	curl_multi_setopt(cm->multi, CURLMOPT_SOCKETDATA, cm);
	curl_multi_setopt(cm->multi, CURLMOPT_TIMERFUNCTION, curlev_timerfn);
	curl_multi_setopt(cm->multi, CURLMOPT_TIMERDATA, cm);
	return cm;
}

void
md_curlev_free(struct md_curlev *cm)
{
	struct curlev_xfer *x;

	if (cm == NULL)
		return;
	cm->closing = 1;
	while ((x = cm->xfers) != NULL) {
		cm->xfers = x->next;
		cm->running--;
		curlev_finish(cm, x, CURLE_ABORTED_BY_CALLBACK);
	}
	curl_multi_cleanup(cm->multi);
	/* Sockets curl kept in its connection cache and did not report
	 * removed. */
	while (cm->socks != NULL)
		curlev_sock_free(cm, cm->socks);
	event_free(cm->timer);
	free(cm);
}

int
md_curlev_add(struct md_curlev *cm, CURL *easy, md_curlev_done done,
    void *arg)
{
	struct curlev_xfer *x;
	CURLMcode mc;

	if (cm->closing) {
		curl_easy_cleanup(easy);
		return -1;
	}
	x = md_xcalloc(1, sizeof(*x));
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	if ((mc = curl_multi_add_handle(cm->multi, easy)) != CURLM_OK) {
		md_log(3, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
		curl_easy_cleanup(easy);
		free(x);
		return -1;
	}
	/* curl_multi_add_handle has set a timeout of 0 through our timer
	 * callback: the transfer starts on the next loop turn. */
	x->next = cm->xfers;
	cm->xfers = x;
	cm->running++;
	return 0;
}

size_t
md_curlev_running(const struct md_curlev *cm)
{
	return cm->running;
}

void
md_curlev_defaults(CURL *easy, long timeout_ms, long max_redirs)
{
	long connect_ms = timeout_ms < 10000 ? timeout_ms : 10000;

#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, max_redirs > 0 ? 1L : 0L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, max_redirs);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "measured/" PACKAGE_VERSION);
	/* An empty list: curl offers and decodes every encoding it has. */
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
}
