/*
 * server.h - the daemon's state, shared by daemon.c (startup, signals,
 * reload, drain), http.c (routes, auth, bodies) and metrics.c.
 *
 * Everything here belongs to the event-loop thread; the store's threads
 * touch only their jobs.
 */
#ifndef MD_SERVER_H
#define MD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "engine.h"
#include "store.h"

struct event_base;
struct event;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;
struct md_outbox;
struct md_curlev;
struct md_feeds;
struct md_spools;

/* A token the daemon accepts, with its rate-limit bucket. */
struct md_principal {
	struct md_token t;
	double tokens;		/* the bucket */
	double refilled;	/* monotonic seconds */
};

/*
 * What a reload replaces as a whole: built and validated first, then
 * swapped in at once.  Requests use the runtime current when they
 * started; nothing of it is held across a store job.
 */
struct md_runtime {
	struct md_conf conf;
	struct md_engine *engine;
	json_t *measures;	/* GET /v1/measures */
	json_t *plugins;	/* GET /v1/plugins */
};

#define MD_NROUTES 16
#define MD_NLAT 14

struct md_metrics {
	/* requests by route and status */
	struct md_req_count {
		int route;
		int status;
		uint64_t n;
	} *reqs;
	size_t nreqs;
	uint64_t lat_hist[MD_NLAT];	/* request latency */
	double lat_sum;
	uint64_t lat_count;
	/* findings by category */
	struct md_cat_count {
		char *category;
		uint64_t n;
	} *cats;
	size_t ncats;
	uint64_t regex_limit_hits;
	uint64_t reloads, reload_failures;
	uint64_t rate_limited;
	double last_reload_ok;	/* unix seconds */
	char last_reload_error[256];
};

struct md_server {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	struct md_store *store;
	struct md_outbox *outbox;	/* webhooks and callbacks */
	struct md_runtime *rt;
	struct md_principal *who;	/* sorted by hash */
	size_t nwho;
	int tokens_loaded;
	int token_refreshing;
	const char *conf_path;		/* -c, or NULL */
	const char *listen_override;	/* -l */
	const char *store_override;	/* -s */
	char listen[128];		/* where it listens */
	char store_spec[1024];
	int draining;
	struct event *drain_timer;
	struct event *token_timer;
	struct md_report_writer *reporter;	/* cmd_report.c, or NULL */
	struct md_metrics m;
	struct md_curlev *curl;		/* libcurl on the loop: feeds, outbox */
	struct md_feeds *feeds;
	struct md_spools *spools;
	struct req *spare_reqs;		/* http.c's freed requests */
	size_t nspare_reqs;
};

/* The routes metrics count by. */
extern const char *const md_route_names[MD_NROUTES];

/* runtime (daemon.c) */
struct md_runtime *md_runtime_build(struct md_server *srv,
    struct md_error *err);
void md_runtime_free(struct md_runtime *rt);
void md_server_refresh_tokens(struct md_server *srv);
void md_server_replace_tokens(struct md_server *srv, struct md_token *t,
    size_t n);

/* http.c */
void md_http_setup(struct md_server *srv);
void md_http_apply_limits(struct md_server *srv);
/* Frees what md_http_setup and the requests since left. */
void md_http_free(struct md_server *srv);

/* metrics.c */
void md_metrics_request(struct md_metrics *m, int route, int status,
    double seconds);
void md_metrics_finding(struct md_metrics *m, const char *category);
char *md_metrics_render(struct md_server *srv, size_t *len);
void md_metrics_free(struct md_metrics *m);

/* sd_notify(3) without libsystemd; quiet when NOTIFY_SOCKET is unset. */
void md_notify(const char *fmt, ...) MD_PRINTF(1, 2);

/* A random token: "mdt_" and 43 base64url characters (256 bits). */
void md_token_generate(char out[48]);

#endif /* MD_SERVER_H */
