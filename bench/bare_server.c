/*
 * bare_server.c - the daemon benchmark's baseline: a libevent evhttp
 * server that answers POST /v1/submissions with 201 and a small JSON body
 * and does nothing else (no parsing, no check, no store).  The daemon's
 * rate is measured against this one's, in the same run, with the same
 * requests (bench/bench_daemon.sh).
 *
 * usage: bare_server ADDRESS PORT    (port 0: any; prints the port)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

static unsigned long long served;

static void
answer(struct evhttp_request *r, void *arg)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(r);

	(void)arg;
	evhttp_add_header(evhttp_request_get_output_headers(r),
	    "Content-Type", "application/json; charset=utf-8");
	evbuffer_add_printf(out, "{\"id\":%llu,\"findings\":[]}", ++served);
	evhttp_send_reply(r, 201, NULL, NULL);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char **argv)
{
	struct evhttp_bound_socket *sock;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	struct event_base *base;
	struct evhttp *http;
	struct event *term;

	if (argc != 3) {
		fprintf(stderr, "usage: bare_server ADDRESS PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_gencb(http, answer, NULL);
	evhttp_set_max_body_size(http, 2 * 1024 * 1024);
	sock = evhttp_bind_socket_with_handle(http, argv[1],
	    (unsigned short)atoi(argv[2]));
	if (sock == NULL) {
		fprintf(stderr, "bare_server: cannot listen on %s:%s\n",
		    argv[1], argv[2]);
		return 1;
	}
	getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sa,
	    &len);
	printf("%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	term = evsignal_new(base, SIGTERM, on_term, base);
	event_add(term, NULL);
	event_base_dispatch(base);
	event_free(term);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
